"""Exportación para hojas de cálculo: un ZIP que una persona analista de un ministerio abre sin ayuda.

Contenido del ZIP (todo de la vista pública vigente, o de un país):

- ``normas.csv``: una fila por criterio de desempeño (norma → unidad → actividad clave → criterio).
- ``programas.csv``: una fila por indicador de logro (programa → módulo → unidad didáctica →
  capacidad → indicador).
- ``mapeos.csv``: una fila por mapeo entre unidades de distintos países, **con su estado**
  (aprobada, sugerida, rechazada): a diferencia de SSSOM, aquí sirve ver el trabajo pendiente.
- ``registro.xlsx``: las tres tablas como hojas de un libro de Excel (lo más cómodo para abrir).
- ``LEAME.txt``: qué es cada archivo y cada columna.

Por qué así: los CSV van en UTF-8 **con BOM**, que Excel necesita para mostrar bien las tildes;
con separador coma, como dice RFC 4180. Pero Excel configurado en español de Chile espera punto y
coma y abre un CSV con comas en una sola columna; por eso el ZIP lleva también el libro XLSX, que
se abre igual en cualquier configuración regional. Los CSV quedan para herramientas (R, Python,
LibreOffice, Power BI). Los decimales se escriben con punto en los CSV y como números en el XLSX.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import BinaryIO

from rdflib import Literal, URIRef
from rdflib.term import Node

from registro import consultas
from registro.almacen.base import Almacen, Vista
from registro.exportacion._comun import Opciones, pais_iri
from registro.exportacion.sssom import filas_mapeos
from registro.formatos import compactar_iri

_FECHA_FIJA = (2000, 1, 1, 0, 0, 0)
"""Fecha de las entradas del ZIP: fija, para que el mismo registro produzca el mismo archivo."""


_INICIO_FORMULA = ("=", "+", "-", "@")
"""Inicios con los que Excel y LibreOffice interpretan un texto de CSV (o de celda) como fórmula."""


def _celda(t: Node | None) -> object:
    if t is None:
        return ""
    if isinstance(t, Literal):
        v = t.toPython()
        if isinstance(v, bool | int | Decimal | float):
            return v
        texto = " ".join(str(t).split())
        # Inyección de fórmulas (OWASP «CSV injection»): un enunciado enviado como «=HYPERLINK(…)» se
        # ejecutaría al abrir la descarga en una hoja de cálculo (openpyxl incluso lo guarda como fórmula).
        # El apóstrofo inicial lo deja como texto en CSV y en XLSX.
        return "'" + texto if texto.startswith(_INICIO_FORMULA) else texto
    if isinstance(t, URIRef):
        return str(t)
    return str(t)


def _clave_numero(v: object) -> tuple:
    """Orden natural de números como «1.10» (después de «1.9») y de enteros."""
    partes = str(v).split(".")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in partes)


Tabla = tuple[tuple[str, ...], list[list[object]]]


def _normas(almacen: Almacen, pais: str | None) -> Tabla:
    cols = (
        "pais",
        "emisor",
        "tipo_norma",
        "codigo_norma",
        "norma",
        "nivel",
        "codigo_unidad",
        "unidad",
        "numero_actividad",
        "actividad_clave",
        "numero_criterio",
        "criterio_desempeno",
        "iri_criterio",
    )
    res = consultas.catalogo().ejecutar(almacen, "normas-tabla", vista=Vista.PUBLICA)
    filas = []
    for f in res.filas:
        if pais and str(f.get("pais", "")) != pais:
            continue
        filas.append(
            [
                _celda(f.get(c))
                for c in (
                    "pais",
                    "emisor",
                    "tipo",
                    "codigoNorma",
                    "tituloNorma",
                    "nivel",
                    "codigoUnidad",
                    "tituloUnidad",
                    "numeroActividad",
                    "tituloActividad",
                    "numeroCriterio",
                    "enunciado",
                    "criterio",
                )
            ]
        )
    filas.sort(
        key=lambda r: (str(r[0]), str(r[3]), _clave_numero(r[6]), _clave_numero(r[8]), _clave_numero(r[10]))
    )
    return cols, filas


def _programas(almacen: Almacen, pais: str | None) -> Tabla:
    cols = (
        "pais",
        "institucion",
        "codigo_programa",
        "programa",
        "nivel_formativo",
        "orden_modulo",
        "codigo_modulo",
        "modulo",
        "unidad_competencia_asociada",
        "codigo_unidad_didactica",
        "unidad_didactica",
        "ciclo",
        "creditos",
        "horas_teoria",
        "horas_practica",
        "capacidad",
        "orden_indicador",
        "indicador_logro",
        "iri_indicador",
    )
    res = consultas.catalogo().ejecutar(almacen, "programas-tabla", vista=Vista.PUBLICA)
    filas = []
    for f in res.filas:
        if pais and str(f.get("pais", "")) != pais:
            continue
        filas.append(
            [
                _celda(f.get(c))
                for c in (
                    "pais",
                    "institucion",
                    "codigoPrograma",
                    "tituloPrograma",
                    "nivelFormativo",
                    "ordenModulo",
                    "codigoModulo",
                    "tituloModulo",
                    "unidadCompetencia",
                    "codigoUD",
                    "tituloUD",
                    "ciclo",
                    "creditos",
                    "horasTeoria",
                    "horasPractica",
                    "tituloCapacidad",
                    "ordenIndicador",
                    "enunciado",
                    "indicador",
                )
            ]
        )
    filas.sort(key=lambda r: (str(r[0]), str(r[2]), _clave_numero(r[5]), str(r[9]), _clave_numero(r[16])))
    return cols, filas


def _mapeos(almacen: Almacen, pais: URIRef | None) -> Tabla:
    cols = (
        "codigo_unidad_origen",
        "unidad_origen",
        "pais_origen",
        "predicado",
        "codigo_unidad_destino",
        "unidad_destino",
        "pais_destino",
        "estado",
        "justificacion",
        "confianza",
        "autor",
        "revisor",
        "fecha",
        "nota",
        "iri_mapeo",
    )
    filas = []
    for f in filas_mapeos(almacen, pais, solo_aprobados=False):
        filas.append(
            [
                _celda(f.get("codigoOrigen")),
                _celda(f.get("etiquetaOrigen")),
                str(f.get("paisOrigen", "")).rsplit("/", 1)[-1],
                compactar_iri(str(f["predicado"])),
                _celda(f.get("codigoDestino")),
                _celda(f.get("etiquetaDestino")),
                str(f.get("paisDestino", "")).rsplit("/", 1)[-1],
                str(f.get("estado", "")).rsplit("/", 1)[-1],
                compactar_iri(str(f["justificacion"])) if "justificacion" in f else "",
                _celda(f.get("confianza")),
                _celda(f.get("autor")),
                _celda(f.get("revisor")),
                str(f["fecha"])[:10] if "fecha" in f else "",
                _celda(f.get("nota")),
                str(f["mapeo"]),
            ]
        )
    return cols, filas


def _csv(columnas: Sequence[str], filas: list[list[object]]) -> bytes:
    texto = io.StringIO()
    escritor = csv.writer(texto, lineterminator="\r\n")
    escritor.writerow(columnas)
    for fila in filas:
        escritor.writerow(["" if v is None else str(v) for v in fila])
    return ("\ufeff" + texto.getvalue()).encode("utf-8")


def _xlsx(tablas: dict[str, Tabla]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    libro = Workbook()
    libro.remove(libro.active)  # type: ignore[arg-type]
    for nombre, (columnas, filas) in tablas.items():
        hoja = libro.create_sheet(nombre)
        hoja.append(list(columnas))
        for celda in hoja[1]:
            celda.font = Font(bold=True)
        for fila in filas:
            hoja.append([float(v) if isinstance(v, Decimal) else v for v in fila])
        hoja.freeze_panes = "A2"
        for i, col in enumerate(columnas, start=1):
            ancho = max([len(col), *(len(str(f[i - 1])) for f in filas[:200])])
            hoja.column_dimensions[hoja.cell(row=1, column=i).column_letter].width = min(60, ancho + 2)
    salida = io.BytesIO()
    libro.properties.creator = "Registro de cualificaciones"
    libro.save(salida)
    return salida.getvalue()


def _leame(tablas: dict[str, Tabla], pais: str | None) -> bytes:
    alcance = f"solo {pais}" if pais else "todos los países"
    lineas = [
        "REGISTRO DE CUALIFICACIONES — EXPORTACIÓN PARA HOJAS DE CÁLCULO",
        "",
        f"Alcance: datos públicos vigentes ({alcance}). No contiene datos personales.",
        "",
        "Archivos:",
        "  registro.xlsx   Libro de Excel con una hoja por tabla. Ábralo con doble clic.",
        "  normas.csv      Una fila por criterio de desempeño de cada unidad de competencia.",
        "  programas.csv   Una fila por indicador de logro de cada programa de estudios.",
        "  mapeos.csv      Una fila por mapeo entre unidades de competencia de distintos países,",
        "                  con su estado (aprobada, sugerida, rechazada). Solo los aprobados cuentan",
        "                  para convalidar.",
        "",
        "Formato de los CSV: UTF-8 con BOM, separador coma, decimales con punto, una fila de",
        "encabezados. Si Excel los abre en una sola columna (configuración con punto y coma), use",
        "registro.xlsx o Datos > Obtener datos > Desde texto/CSV y elija «coma».",
        "",
        "Columnas:",
    ]
    for nombre, (columnas, filas) in tablas.items():
        lineas.append(f"  {nombre}.csv ({len(filas)} filas): {', '.join(columnas)}")
    lineas += [
        "",
        "Las columnas iri_* son los identificadores permanentes del registro: abra la dirección en un",
        "navegador para ver la ficha del recurso.",
        "",
    ]
    return "\r\n".join(lineas).encode("utf-8")


def exportar(almacen: Almacen, destino: BinaryIO, opciones: Opciones | None = None) -> None:
    """Escribe el ZIP: ``normas.csv``, ``programas.csv``, ``mapeos.csv``, ``registro.xlsx``, ``LEAME.txt``."""
    opciones = opciones or Opciones()
    pais = pais_iri(almacen, opciones.pais) if opciones.pais else None
    tablas: dict[str, Tabla] = {
        "normas": _normas(almacen, opciones.pais),
        "programas": _programas(almacen, opciones.pais),
        "mapeos": _mapeos(almacen, pais),
    }
    memoria = io.BytesIO()
    with zipfile.ZipFile(memoria, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def escribir(nombre: str, datos: bytes) -> None:
            info = zipfile.ZipInfo(nombre, date_time=_FECHA_FIJA)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, datos)

        escribir("LEAME.txt", _leame(tablas, opciones.pais))
        for nombre, (columnas, filas) in tablas.items():
            escribir(f"{nombre}.csv", _csv(columnas, filas))
        escribir("registro.xlsx", _xlsx(tablas))
    destino.write(memoria.getvalue())
