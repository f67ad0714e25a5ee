"""Sistematización de las solicitudes de reconocimiento: el informe que lee la cooperación.

Responde las preguntas de seguimiento del procedimiento con las consultas ``estadisticas-*.rq``
(todas agregadas en el almacén; ningún seudónimo sale de aquí): solicitudes por estado, institución,
programa, norma y país del certificado; proporción de unidades reconocidas; tiempo desde la solicitud
hasta la decisión; y las brechas más frecuentes (indicadores que ningún certificado cubrió).

El informe es una lista de tablas simples (``Tabla``) que la CLI escribe como texto, CSV o XLSX y la web
dibuja con gráficos SVG. Las proporciones se calculan con fracciones exactas y se muestran truncadas,
como en el resto del registro.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from statistics import median

from rdflib import URIRef
from rdflib.term import Node

from registro import consultas
from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista
from registro.equivalencias import porcentaje_texto
from registro.errores import EntradaInvalida
from registro.formatos import tabla_texto

_MAXIMO_BRECHAS = 20
_ESTADOS_CERRADOS = ("resuelta", "notificada")


@dataclass(frozen=True)
class Tabla:
    """Una tabla del informe: columnas con nombre legible y filas de valores ya presentables."""

    clave: str
    titulo: str
    columnas: tuple[str, ...]
    filas: tuple[tuple[object, ...], ...]
    nota: str = ""

    def columna(self, nombre: str) -> list[object]:
        i = self.columnas.index(nombre)
        return [f[i] for f in self.filas]


@dataclass(frozen=True)
class Informe:
    generado: datetime
    institucion: str | None
    tablas: tuple[Tabla, ...]

    def tabla(self, clave: str) -> Tabla:
        for t in self.tablas:
            if t.clave == clave:
                return t
        raise KeyError(clave)


def generar(almacen: Almacen, institucion: str | None = None, ahora: datetime | None = None) -> Informe:
    """Informe completo (de una institución si se indica); ``ahora`` fija la fecha de las vencidas."""
    ahora = (ahora or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    params: dict[str, Node] = {}
    if institucion:
        if not institucion.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise EntradaInvalida(f"Código de institución inválido: «{institucion}»")
        params["institucion"] = voc.institucion(institucion)
    cat = consultas.catalogo()

    def filas(nombre: str) -> tuple[Mapping[str, Node], ...]:
        return cat.ejecutar(almacen, nombre, params, Vista.COMPLETA).filas

    tablas = (
        _por_estado(filas("estadisticas-por-estado")),
        _por_programa(filas("estadisticas-por-programa")),
        _por_norma(filas("estadisticas-por-norma")),
        _unidades(filas("estadisticas-unidades")),
        _plazos(filas("estadisticas-plazos"), ahora.date()),
        _brechas(filas("estadisticas-brechas")),
    )
    return Informe(ahora, institucion, tablas)


# --- tablas -----------------------------------------------------------------------------------------------


def _cod(f: Mapping[str, Node], clave: str, iri: str) -> str:
    if clave in f:
        return str(f[clave])
    valor = str(f.get(iri, ""))
    return valor.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _entero(f: Mapping[str, Node], clave: str) -> int:
    return int(str(f.get(clave, 0)))


def _por_estado(filas: Sequence[Mapping[str, Node]]) -> Tabla:
    return Tabla(
        "por_estado",
        "Solicitudes por institución y estado",
        ("Institución", "Estado", "Solicitudes"),
        tuple(
            (
                _cod(f, "institucionCodigo", "institucion"),
                str(f.get("estadoEtiqueta", _cod(f, "x", "estado"))),
                _entero(f, "solicitudes"),
            )
            for f in filas
        ),
    )


def _por_programa(filas: Sequence[Mapping[str, Node]]) -> Tabla:
    return Tabla(
        "por_programa",
        "Solicitudes por programa de estudios",
        ("Institución", "Programa", "Solicitudes", "Decididas", "Con acta"),
        tuple(
            (
                _cod(f, "institucionCodigo", "institucion"),
                _cod(f, "programaCodigo", "programa"),
                _entero(f, "solicitudes"),
                _entero(f, "decididas"),
                _entero(f, "resueltas"),
            )
            for f in filas
        ),
    )


def _por_norma(filas: Sequence[Mapping[str, Node]]) -> Tabla:
    return Tabla(
        "por_norma",
        "Solicitudes por norma certificada y país del certificado",
        ("Norma", "País del certificado", "Solicitudes", "Certificados"),
        tuple(
            (
                _cod(f, "normaCodigo", "norma") or "—",
                str(f.get("paisEtiqueta", _cod(f, "paisCodigo", "pais"))) or "—",
                _entero(f, "solicitudes"),
                _entero(f, "certificados"),
            )
            for f in filas
        ),
    )


def _unidades(filas: Sequence[Mapping[str, Node]]) -> Tabla:
    salida = []
    for f in filas:
        evaluadas, reconocidas = _entero(f, "evaluadas"), _entero(f, "reconocidas")
        salida.append(
            (
                _cod(f, "institucionCodigo", "institucion"),
                _cod(f, "programaCodigo", "programa"),
                _entero(f, "solicitudes"),
                evaluadas,
                _entero(f, "calculadas"),
                reconocidas,
                porcentaje_texto(Fraction(reconocidas, evaluadas)) if evaluadas else "—",
            )
        )
    return Tabla(
        "unidades",
        "Unidades reconocidas (decisión vigente de cada solicitud decidida)",
        (
            "Institución",
            "Programa",
            "Solicitudes decididas",
            "Unidades evaluadas",
            "Convalidables según el cálculo",
            "Reconocidas por la comisión",
            "Proporción reconocida",
        ),
        tuple(salida),
        nota="La comisión puede reconocer unidades que no llegan al umbral, o no reconocer otras, "
        "con un motivo escrito.",
    )


def _plazos(filas: Sequence[Mapping[str, Node]], hoy: date) -> Tabla:
    dias: dict[str, list[Decimal]] = defaultdict(list)
    pendientes: dict[str, int] = defaultdict(int)
    vencidas: dict[str, int] = defaultdict(int)
    instituciones: list[str] = []
    for f in filas:
        inst = _cod(f, "institucionCodigo", "institucion")
        if inst not in instituciones:
            instituciones.append(inst)
        estado = _cod(f, "x", "estado").removeprefix("Estado").lower()
        if "primeraDecision" in f:
            inicio = _hora(f["recepcion"])
            fin = _hora(f["primeraDecision"])
            dias[inst].append(Decimal((fin - inicio).total_seconds()) / Decimal(86400))
        if estado not in _ESTADOS_CERRADOS:
            pendientes[inst] += 1
            vence = f.get("plazoVence")
            if vence is not None and date.fromisoformat(str(vence)[:10]) < hoy:
                vencidas[inst] += 1
    salida = []
    for inst in instituciones:
        ds = dias.get(inst, [])
        salida.append(
            (
                inst,
                len(ds),
                _dias(sum(ds, Decimal(0)) / len(ds)) if ds else "—",
                _dias(Decimal(median(ds))) if ds else "—",
                _dias(max(ds)) if ds else "—",
                pendientes.get(inst, 0),
                vencidas.get(inst, 0),
            )
        )
    return Tabla(
        "plazos",
        f"Tiempo desde la solicitud hasta la decisión de la comisión y plazos vencidos al {hoy:%d/%m/%Y}",
        (
            "Institución",
            "Decididas",
            "Días hasta decidir (media)",
            "Mediana",
            "Máximo",
            "Sin resolver",
            "Fuera de plazo",
        ),
        tuple(salida),
        nota="Días naturales desde la recepción hasta la primera decisión; el plazo de cada solicitud es "
        "el reg:plazoDias "
        "de su regla.",
    )


def _brechas(filas: Sequence[Mapping[str, Node]]) -> Tabla:
    salida = []
    for f in filas[:_MAXIMO_BRECHAS]:
        sin, total = _entero(f, "sinCubrir"), _entero(f, "analizadas")
        unidad = _cod(f, "unidadCodigo", "unidad")
        salida.append(
            (
                _cod(f, "programaCodigo", "programa"),
                unidad,
                f"{unidad}.{f['orden']}" if "orden" in f else unidad,
                str(f.get("enunciado", "")),
                sin,
                total,
                "sí" if total and sin == total else "no",
            )
        )
    return Tabla(
        "brechas",
        "Brechas más frecuentes: indicadores que ningún certificado cubrió",
        (
            "Programa",
            "Unidad",
            "Indicador",
            "Enunciado",
            "Solicitudes sin cubrir",
            "Solicitudes analizadas",
            "Nunca cubierto",
        ),
        tuple(salida),
        nota="Cuenta el último análisis de cada solicitud; «nunca cubierto»: ninguna solicitud del programa "
        "lo cubrió.",
    )


# --- salidas ---------------------------------------------------------------------------------------


def a_texto(informe: Informe) -> str:
    partes = [
        f"Informe de solicitudes de reconocimiento — {informe.generado:%d/%m/%Y %H:%M} UTC"
        + (f" — {informe.institucion}" if informe.institucion else "")
    ]
    for t in informe.tablas:
        partes.append(f"\n{t.titulo}")
        if t.filas:
            partes.append(
                tabla_texto(t.columnas, [dict(zip(t.columnas, map(str, f), strict=True)) for f in t.filas])
            )
        else:
            partes.append("(sin datos)")
        if t.nota:
            partes.append(t.nota)
    return "\n".join(partes) + "\n"


def a_csv(informe: Informe) -> str:
    """Un CSV con una columna «tabla» delante: todas las tablas en un solo archivo, fácil de filtrar."""
    salida = io.StringIO()
    w = csv.writer(salida, lineterminator="\r\n")
    for t in informe.tablas:
        w.writerow(["tabla", *t.columnas])
        for f in t.filas:
            w.writerow([t.clave, *f])
        w.writerow([])
    return salida.getvalue()


def a_xlsx(informe: Informe) -> bytes:
    """Un libro con una hoja por tabla (encabezados en negrita, columnas con ancho legible)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    libro = Workbook()
    libro.remove(libro.active)
    for t in informe.tablas:
        hoja = libro.create_sheet(t.clave[:31])
        hoja.append([t.titulo])
        hoja["A1"].font = Font(bold=True, size=12)
        hoja.append(list(t.columnas))
        for celda in hoja[2]:
            celda.font = Font(bold=True)
        for f in t.filas:
            hoja.append(list(f))
        if t.nota:
            hoja.append([])
            hoja.append([t.nota])
        for n, nombre in enumerate(t.columnas, start=1):
            ancho = max([len(str(nombre)), *(len(str(f[n - 1])) for f in t.filas)])
            hoja.column_dimensions[hoja.cell(row=2, column=n).column_letter].width = min(60, ancho + 2)
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def _dias(valor: Decimal) -> str:
    return f"{valor.quantize(Decimal('0.1'), rounding=ROUND_HALF_EVEN)}".replace(".", ",")


def _hora(t: Node | URIRef) -> datetime:
    valor = datetime.fromisoformat(str(t).replace("Z", "+00:00"))
    return valor if valor.tzinfo else valor.replace(tzinfo=UTC)
