"""Catálogo de consultas SPARQL: carga cada ``consultas_sparql/*.rq`` al arrancar y las ejecuta por nombre.

Cada archivo empieza con una cabecera de comentarios::

    # Propósito: qué responde la consulta.
    # Parámetros:
    #   marco (iri) — IRI del marco de cualificaciones
    #   unidades (lista-iri) — unidades certificadas
    # Columnas: nivel, numero, etiqueta

Los parámetros escalares se sustituyen como términos RDF (``substitutions`` de pyoxigraph, semántica
SEP-0007); los parámetros de lista rellenan **cada** bloque ``VALUES ?nombre { }`` vacío del texto con
términos serializados y validados (repetir el bloque dentro de cada rama de un ``UNION`` hace que el
planificador de Oxigraph empiece cada rama por esos IRIs: 54 s → 2 ms a escala nacional, ver
``consultas_sparql/convalidacion-alcance.rq``). Nunca se formatea texto del usuario dentro de la consulta.
Una consulta rota hace fallar el arranque (``ErrorActivos``), no la primera petición que la usa.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from registro import recursos
from registro.almacen.base import Almacen, ResultadoConsulta, Vista, validar_iri, valores_sparql
from registro.errores import EntradaInvalida, ErrorActivos, NoEncontrado

TIPOS_PARAMETRO = ("iri", "literal", "entero", "decimal", "fecha", "lista-iri")
_LINEA_PARAM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(([a-z-]+)\)\s*(?:[—:-]+\s*(.*))?$")


@dataclass(frozen=True)
class Parametro:
    nombre: str
    tipo: str
    descripcion: str
    opcional: bool = False


@dataclass(frozen=True)
class Consulta:
    """Una consulta del catálogo con su cabecera ya interpretada."""

    nombre: str
    texto: str
    proposito: str
    parametros: tuple[Parametro, ...]
    columnas: tuple[str, ...]
    ruta: Path

    def parametro(self, nombre: str) -> Parametro:
        for p in self.parametros:
            if p.nombre == nombre:
                return p
        conocidos = ", ".join(p.nombre for p in self.parametros) or "ninguno"
        raise EntradaInvalida(
            f"La consulta «{self.nombre}» no tiene el parámetro «{nombre}»",
            detalle=f"Parámetros aceptados: {conocidos}.",
        )


def interpretar_cabecera(texto: str, ruta: Path) -> tuple[str, tuple[Parametro, ...], tuple[str, ...]]:
    """Lee propósito, parámetros y columnas de la cabecera de comentarios de un ``.rq``."""
    proposito = ""
    parametros: list[Parametro] = []
    columnas: tuple[str, ...] = ()
    en_parametros = False
    for linea in texto.splitlines():
        if not linea.startswith("#"):
            if linea.strip():
                break
            continue
        contenido = linea[1:].strip()
        if contenido.lower().startswith("propósito:"):
            proposito = contenido.split(":", 1)[1].strip()
            en_parametros = False
        elif contenido.lower().startswith("parámetros:"):
            resto = contenido.split(":", 1)[1].strip()
            en_parametros = resto.lower() not in {"ninguno", "ninguno."}
        elif contenido.lower().startswith("columnas:"):
            columnas = tuple(
                c.strip().lstrip("?") for c in contenido.split(":", 1)[1].split(",") if c.strip()
            )
            en_parametros = False
        elif en_parametros and contenido:
            m = _LINEA_PARAM.match(contenido)
            if not m:
                continue
            nombre, tipo, desc = m.group(1), m.group(2), (m.group(3) or "").strip()
            if tipo not in TIPOS_PARAMETRO:
                raise ErrorActivos(f"{ruta.name}: tipo de parámetro desconocido {tipo!r} en «{nombre}»")
            parametros.append(Parametro(nombre, tipo, desc, opcional="opcional" in desc.lower()))
    if not proposito or not columnas:
        raise ErrorActivos(
            f"{ruta.name}: falta la cabecera «# Propósito:» o «# Columnas:»",
            detalle="Toda consulta debe documentar propósito, parámetros y columnas.",
        )
    for p in parametros:
        if p.tipo == "lista-iri" and not _patron_values(p.nombre).search(texto):
            raise ErrorActivos(
                f"{ruta.name}: el parámetro de lista «{p.nombre}» necesita «VALUES ?{p.nombre} {{ }}»"
            )
    return proposito, tuple(parametros), columnas


def _patron_values(nombre: str) -> re.Pattern[str]:
    return re.compile(r"VALUES\s+\?" + re.escape(nombre) + r"\s*\{\s*\}")


class Catalogo:
    """Todas las consultas de ``consultas_sparql/``, verificadas al construir el catálogo."""

    def __init__(self, carpeta: Path | None = None) -> None:
        base = carpeta or recursos.carpeta("consultas_sparql")
        self._consultas: dict[str, Consulta] = {}
        verificador = ox.Store()
        for ruta in sorted(base.glob("*.rq")):
            texto = ruta.read_text(encoding="utf-8")
            proposito, parametros, columnas = interpretar_cabecera(texto, ruta)
            try:
                verificador.query(texto)
            except SyntaxError as exc:
                raise ErrorActivos(
                    f"La consulta {ruta.name} tiene un error de sintaxis", detalle=str(exc)
                ) from exc
            self._consultas[ruta.stem] = Consulta(ruta.stem, texto, proposito, parametros, columnas, ruta)

    def __contains__(self, nombre: str) -> bool:
        return nombre in self._consultas

    def __iter__(self):
        return iter(sorted(self._consultas.values(), key=lambda c: c.nombre))

    def obtener(self, nombre: str) -> Consulta:
        try:
            return self._consultas[nombre]
        except KeyError as exc:
            raise NoEncontrado(
                f"No existe la consulta «{nombre}»",
                detalle="Vea la lista con «registro consultar --lista».",
            ) from exc

    def ejecutar(
        self,
        almacen: Almacen,
        nombre: str,
        parametros: Mapping[str, Node | Sequence[Node]] | None = None,
        vista: Vista = Vista.COMPLETA,
    ) -> ResultadoConsulta:
        """Ejecuta una consulta del catálogo con parámetros enlazados."""
        return ejecutar_consulta(almacen, self.obtener(nombre), parametros or {}, vista)


def ejecutar_consulta(
    almacen: Almacen,
    consulta: Consulta,
    parametros: Mapping[str, Node | Sequence[Node]],
    vista: Vista = Vista.COMPLETA,
) -> ResultadoConsulta:
    texto = consulta.texto
    escalares: dict[str, Node] = {}
    for nombre, valor in parametros.items():
        p = consulta.parametro(nombre)
        if p.tipo == "lista-iri":
            lista = [valor] if isinstance(valor, Node) else list(valor)
            bloque = f"VALUES ?{nombre} {{ {valores_sparql(lista)} }}"
            texto = _patron_values(nombre).sub(lambda _m, b=bloque: b, texto)
        else:
            if not isinstance(valor, Node):
                raise EntradaInvalida(f"El parámetro «{nombre}» admite un solo valor")
            if isinstance(valor, URIRef):
                validar_iri(str(valor))
            escalares[nombre] = valor
    faltan = [p.nombre for p in consulta.parametros if not p.opcional and p.nombre not in parametros]
    if faltan:
        raise EntradaInvalida(
            f"Faltan parámetros para la consulta «{consulta.nombre}»: {', '.join(faltan)}",
            detalle="Páselos con --param nombre=valor.",
        )
    return almacen.consultar(texto, escalares, vista)


def convertir_parametro(p: Parametro, crudo: str) -> Node | list[Node]:
    """Convierte el texto de ``--param`` o de la URL en el término RDF del tipo declarado."""
    crudo = crudo.strip()
    try:
        if p.tipo == "iri":
            validar_iri(crudo)
            return URIRef(crudo)
        if p.tipo == "lista-iri":
            valores = [v.strip() for v in crudo.split(",") if v.strip()]
            for v in valores:
                validar_iri(v)
            return [URIRef(v) for v in valores]
        if p.tipo == "entero":
            return Literal(int(crudo), datatype=XSD.integer)
        if p.tipo == "decimal":
            return Literal(Decimal(crudo), datatype=XSD.decimal)
        if p.tipo == "fecha":
            return Literal(crudo, datatype=XSD.date)
    except (ValueError, InvalidOperation) as exc:
        raise EntradaInvalida(f"Valor inválido para «{p.nombre}» ({p.tipo}): {crudo!r}") from exc
    return Literal(crudo)


@cache
def catalogo() -> Catalogo:
    """Catálogo de las consultas del registro (cargado una vez por proceso)."""
    return Catalogo()
