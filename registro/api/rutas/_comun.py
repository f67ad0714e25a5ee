"""Piezas compartidas por los routers: enlaces ``/id/…``, referencias y ejecución de consultas.

Las consultas del catálogo que sirven a la API pública se ejecutan en los trabajadores SPARQL
(``EjecutorSparql.interna``): leen la instantánea pública, cuyo grafo por defecto ya es la unión de
los grafos vigentes públicos. Ejecutarlas en el almacén principal con la lista explícita de grafos de
la vista cuesta segundos por consulta cuando hay miles de versiones (medido con el generador a escala
nacional: 1.800 grafos → ~11 s por búsqueda; en la instantánea, milisegundos).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from registro import vocabulario as voc
from registro.almacen.base import ResultadoConsulta, inyectar_valores, validar_iri, valores_sparql
from registro.api.dependencias import CUALQUIERA, EstadoRegistro
from registro.api.modelos import Referencia
from registro.consulta_publica import RespuestaSparql
from registro.consultas import Consulta, catalogo
from registro.errores import EntradaInvalida
from registro.formatos import compactar_iri, valor_simple


def enlace(iri: str | None) -> str | None:
    """Ruta local de un IRI del registro (``https://w3id.org/registro/id/x`` → ``/id/x``)."""
    if iri is None or not voc.es_del_registro(iri):
        return None
    return "/id/" + iri[len(str(voc.ID)) :]


def texto(fila: Mapping[str, Node], clave: str) -> str | None:
    v = valor_simple(fila.get(clave))
    return None if v is None else str(v)


def entero(fila: Mapping[str, Node], clave: str) -> int:
    v = valor_simple(fila.get(clave))
    return int(v) if v is not None else 0


def referencia(
    fila: Mapping[str, Node], clave: str, codigo: str | None = None, etiqueta: str | None = None
) -> Referencia | None:
    iri = texto(fila, clave)
    if iri is None:
        return None
    return Referencia(
        iri=iri,
        enlace=enlace(iri),
        codigo=texto(fila, codigo) if codigo else None,
        etiqueta=texto(fila, etiqueta) if etiqueta else None,
    )


def compacto(fila: Mapping[str, Node], clave: str) -> str | None:
    iri = texto(fila, clave)
    return compactar_iri(iri) if iri else None


# --- ejecución --------------------------------------------------------------------------------------------
def preparar(
    consulta: Consulta, parametros: Mapping[str, Node | Sequence[Node]]
) -> tuple[str, dict[str, tuple]]:
    """Texto de la consulta con los parámetros enlazados (nunca se formatea texto del usuario).

    Las listas rellenan su bloque ``VALUES ?lista { }``; los escalares se enlazan con un bloque
    ``VALUES`` al principio del ``WHERE`` (``almacen.base.inyectar_valores``: términos serializados y
    validados), igual que ``Almacen.consultar``, así la variable no necesita estar proyectada.
    """
    parametros = {k: v for k, v in parametros.items() if not _sin_filtro(v)}
    texto_consulta = _quitar_filtros(consulta, set(parametros))
    escalares: dict[str, Node] = {}
    for nombre, valor in parametros.items():
        p = consulta.parametro(nombre)
        if p.tipo == "lista-iri":
            lista = [valor] if isinstance(valor, Node) else list(valor)
            patron = re.compile(r"VALUES\s+\?" + re.escape(nombre) + r"\s*\{\s*\}")
            bloque = f"VALUES ?{nombre} {{ {valores_sparql(lista)} }}"
            texto_consulta = patron.sub(lambda _m, b=bloque: b, texto_consulta, count=1)
        elif isinstance(valor, URIRef | Literal):
            if isinstance(valor, URIRef):
                validar_iri(str(valor))
            escalares[nombre] = valor
        else:
            raise EntradaInvalida(f"El parámetro «{nombre}» admite un solo valor")
    faltan = [p.nombre for p in consulta.parametros if not p.opcional and p.nombre not in parametros]
    if faltan:
        raise EntradaInvalida(f"Faltan parámetros para la consulta «{consulta.nombre}»: {', '.join(faltan)}")
    if escalares:
        texto_consulta = inyectar_valores(texto_consulta, escalares)
    return texto_consulta, {}


_MARCA = re.compile(r"#\s*si:([A-Za-z_][A-Za-z0-9_]*)\s*$")


def _sin_filtro(valor: object) -> bool:
    """Un filtro no pedido: ``None``, el IRI ``CUALQUIERA`` o un texto vacío."""
    return valor is None or valor == CUALQUIERA or (isinstance(valor, Literal) and str(valor) == "")


def _quitar_filtros(consulta: Consulta, pedidos: set[str]) -> str:
    """Quita las líneas ``… # si:param`` de los filtros no pedidos (solo se quita texto del catálogo)."""
    if "si:" not in consulta.texto:
        return consulta.texto
    lineas = []
    for linea in consulta.texto.splitlines():
        m = _MARCA.search(linea)
        if m is None or m.group(1) in pedidos:
            lineas.append(linea)
    return "\n".join(lineas) + "\n"


def consultar(
    estado: EstadoRegistro, nombre: str, parametros: Mapping[str, Node | Sequence[Node]] | None = None
) -> ResultadoConsulta:
    """Consulta SELECT/ASK del catálogo sobre la vista **pública** (la API nunca muestra datos personales)."""
    texto_consulta, sustituciones = preparar(catalogo().obtener(nombre), parametros or {})
    return resultado_json(estado.ejecutor.interna(texto_consulta, sustituciones))


def grafo_serializado(
    estado: EstadoRegistro, nombre: str, parametros: Mapping[str, Node], formato: str, sujeto: str
) -> RespuestaSparql:
    """CONSTRUCT del catálogo serializado por Oxigraph en ``formato`` (con ``contiene_sujeto``)."""
    texto_consulta, sustituciones = preparar(catalogo().obtener(nombre), parametros)
    return estado.ejecutor.interna(texto_consulta, sustituciones, formato_grafo=formato, sujeto=sujeto)


def resultado_json(respuesta: RespuestaSparql) -> ResultadoConsulta:
    """``application/sparql-results+json`` → ``ResultadoConsulta`` con términos de rdflib."""
    datos = json.loads(respuesta.cuerpo)
    if "boolean" in datos:
        return ResultadoConsulta(tipo="booleano", booleano=bool(datos["boolean"]))
    variables = tuple(datos["head"].get("vars", ()))
    filas = tuple({k: _termino(v) for k, v in b.items()} for b in datos["results"]["bindings"])
    return ResultadoConsulta(tipo="filas", variables=variables, filas=filas)


def _termino(v: Mapping[str, str]) -> Node:
    tipo = v["type"]
    if tipo == "uri":
        return URIRef(v["value"])
    if tipo == "bnode":
        return BNode(v["value"])
    if "xml:lang" in v:
        return Literal(v["value"], lang=v["xml:lang"])
    return Literal(v["value"], datatype=URIRef(v["datatype"]) if "datatype" in v else None)


def pagina_de_detalles(
    estado: EstadoRegistro,
    pag: object,
    iris: Sequence[Node],
    *,
    consulta_detalle: str,
    variable: str,
    parametro_lista: str,
) -> list[Mapping[str, Node]]:
    """Filas de detalle de la página pedida, en el orden de la búsqueda (una consulta por página).

    Las búsquedas devuelven solo IRIs ordenados; el detalle se pide después, solo para la página,
    para no traer etiquetas y referencias de miles de resultados.
    """
    pagina = list(iris[pag.desde : pag.hasta])  # type: ignore[attr-defined]
    if not pagina:
        return []
    detalle = {
        str(fila[variable]): fila
        for fila in consultar(estado, consulta_detalle, {parametro_lista: pagina}).filas
    }
    return [detalle[str(i)] for i in pagina if str(i) in detalle]
