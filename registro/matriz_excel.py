"""La matriz de equivalencia como libro Excel: exportar para que el analista la edite, e importarla.

Hojas del libro exportado:

- «Léame»: cómo editar y qué hace la importación.
- «Matriz»: indicadores (filas) × criterios (columnas) con el código de valoración de cada
  correspondencia (``total``/``parcial``/``nula`` o los códigos de la escala de la regla); las no
  aprobadas llevan su estado entre paréntesis. Es de lectura: la importación no la lee.
- «Correspondencias»: una fila por correspondencia (IRIs, valoración, estado, justificación, autoría,
  fecha). Es la que se edita: cambiar una valoración o un estado, o añadir filas con la columna
  «correspondencia» vacía.
- «Resumen»: porcentaje de cada unidad de decisión (si se certificaran todas las unidades de la
  norma), umbral y colores condicionales (verde ≥ umbral, rojo por debajo).
- «_registro» (oculta): IRIs de la norma, el programa, la regla y la matriz, que la importación usa.

La importación rechaza con un mensaje que dice hoja, fila y columna: fórmulas, macros, celdas
combinadas, columnas que faltan, códigos de valoración o de estado desconocidos, IRIs mal escritos.
El grafo resultante es la versión nueva del conjunto que contiene la matriz y se publica por
``ingesta.enviar_grafo`` (validación SHACL y de propiedad; los problemas de validación se señalan con
la hoja y la fila de la correspondencia).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from registro import conjuntos, ingesta
from registro import equivalencias as eq
from registro import vocabulario as voc
from registro.almacen.base import Almacen, validar_iri
from registro.errores import EntradaInvalida, EntradaPeligrosa
from registro.vocabulario import REG, SEMAPV

HOJA_CORRESPONDENCIAS = "Correspondencias"
HOJA_META = "_registro"
COLUMNAS = (
    "correspondencia",
    "indicador",
    "criterio",
    "valoracion",
    "estado",
    "justificacion",
    "autor",
    "revisor",
    "fecha",
    "confianza",
    "justificacion_mapeo",
)
"""Columnas que la importación lee (en cualquier orden); las demás son de ayuda y se ignoran."""
_AYUDA = ("enunciado del indicador", "enunciado del criterio")
_ESTADOS = ("sugerida", "aprobada", "rechazada")
_VERDE = PatternFill("solid", fgColor="C6EFCE")
_ROJO = PatternFill("solid", fgColor="FFC7CE")
_AMARILLO = PatternFill("solid", fgColor="FFEB9C")
_GRIS = PatternFill("solid", fgColor="E7E6E6")
_CABECERA = Font(bold=True)
_LEAME = """Matriz de equivalencia: cómo editarla
1. Edite solo la hoja «Correspondencias». Las hojas «Matriz» y «Resumen» son de lectura:
   el registro las recalcula al importar.
2. Cada fila es una correspondencia entre un indicador de logro (columna «indicador»)
   y un criterio de desempeño (columna «criterio»).
3. Columna «valoracion»: uno de los códigos de la escala de la regla ({codigos}).
   «nula» documenta un «no corresponde» explícito.
4. Columna «estado»: sugerida, aprobada o rechazada. Solo las aprobadas cuentan en las convalidaciones;
   una aprobada necesita justificación.
5. Para añadir una correspondencia, deje vacía la columna «correspondencia» y copie los IRIs
   del indicador y del criterio de la hoja «Matriz» o de otra fila.
6. Escriba valores, no fórmulas; no combine celdas; no borre ni renombre columnas;
   guarde como .xlsx (sin macros).
7. Importe con: registro importar-matriz ARCHIVO.xlsx --institucion {institucion}
   Se publicará una versión nueva de la matriz (la anterior se conserva) y los resultados
   que usaban la anterior quedarán desactualizados.
Norma: {estandar}
Programa: {programa}
Regla: {regla} (umbral {umbral})"""


# --- exportar ----------------------------------------------------------------------------------------
def exportar(almacen: Almacen, estandar: str, programa: str, regla: str | None = None) -> bytes:
    """Libro .xlsx de la matriz de un par norma–programa (bytes, listo para escribir o enviar)."""
    m = eq.matriz(almacen, estandar, programa, regla)
    escala = eq.valores_escala(almacen, m.regla.iri)
    libro = Workbook()
    leame = libro.active
    leame.title = "Léame"
    institucion = voc.codigo_institucion_de(m.programa) or ""
    texto = _LEAME.format(
        codigos=", ".join(v.codigo for v in escala),
        institucion=institucion,
        estandar=m.etiquetas.get(m.estandar, m.estandar),
        programa=m.etiquetas.get(m.programa, m.programa),
        regla=m.regla.etiqueta,
        umbral=eq.porcentaje_texto(m.regla.umbral),
    )
    for n, linea in enumerate(texto.splitlines(), start=1):
        leame.cell(n, 1, linea).font = _CABECERA if n == 1 else Font()
    leame.column_dimensions["A"].width = 130
    _hoja_matriz(libro.create_sheet("Matriz"), m)
    _hoja_correspondencias(libro.create_sheet(HOJA_CORRESPONDENCIAS), m)
    _hoja_resumen(libro.create_sheet("Resumen"), m)
    meta = libro.create_sheet(HOJA_META)
    for n, (clave, valor) in enumerate(
        [
            ("estandar", m.estandar),
            ("programa", m.programa),
            ("regla", m.regla.iri),
            ("matriz", m.matrices[0] if len(m.matrices) == 1 else ""),
            ("institucion", institucion),
        ],
        start=1,
    ):
        meta.cell(n, 1, clave)
        meta.cell(n, 2, valor)
    meta.sheet_state = "hidden"
    _sin_formulas(libro)
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def _sin_formulas(libro: Workbook) -> None:
    """Ningún texto del registro sale como fórmula viva.

    openpyxl guarda como fórmula todo texto que empieza por «=»: un enunciado enviado como
    «=HYPERLINK(…)» se ejecutaría al abrir el libro (inyección de fórmulas). El libro no escribe
    fórmulas propias en celdas (solo formato condicional), así que toda celda «f» viene de los datos y
    se marca como texto: se ve tal cual y nunca se evalúa.
    """
    for hoja in libro.worksheets:
        for fila in hoja.iter_rows():
            for celda in fila:
                if celda.data_type == "f":
                    celda.data_type = "s"


def _hoja_matriz(ws: Worksheet, m: eq.Matriz) -> None:
    ws.cell(1, 1, "indicador").font = _CABECERA
    ws.cell(1, 2, "unidad de decisión").font = _CABECERA
    ws.cell(1, 3, "enunciado del indicador").font = _CABECERA
    col_de = {}
    for j, (criterio, _unidad, texto) in enumerate(m.criterios, start=4):
        celda = ws.cell(1, j, texto)
        celda.font = _CABECERA
        celda.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(2, j, criterio).font = Font(size=7, color="808080")
        ws.column_dimensions[get_column_letter(j)].width = 14
        col_de[criterio] = j
    ws.cell(2, 1, "(fila 2: IRI de cada criterio)").font = Font(size=7, color="808080")
    fila_de = {}
    for i, (indicador, unidad, texto) in enumerate(m.indicadores, start=3):
        ws.cell(i, 1, indicador)
        ws.cell(i, 2, m.etiquetas.get(f"codigo:{unidad}", unidad.rsplit("/", 1)[-1]))
        ws.cell(i, 3, texto)
        fila_de[indicador] = i
    relleno = {"total": _VERDE, "parcial": _AMARILLO, "nula": _GRIS}
    for c in m.celdas:
        if c.indicador not in fila_de or c.criterio not in col_de:
            continue
        texto = (
            c.codigo_valoracion
            if c.codigo_estado == "aprobada"
            else f"({c.codigo_valoracion}, {c.codigo_estado})"
        )
        celda = ws.cell(fila_de[c.indicador], col_de[c.criterio], texto)
        if c.codigo_estado == "aprobada" and c.codigo_valoracion in relleno:
            celda.fill = relleno[c.codigo_valoracion]
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["C"].width = 50
    ws.freeze_panes = "D3"


def _hoja_correspondencias(ws: Worksheet, m: eq.Matriz) -> None:
    cabecera = (*COLUMNAS, *_AYUDA)
    for j, nombre in enumerate(cabecera, start=1):
        ws.cell(1, j, nombre).font = _CABECERA
    enunciados = {i: t for i, _u, t in m.indicadores}
    criterios = {c: t for c, _u, t in m.criterios}
    for n, c in enumerate(m.celdas, start=2):
        valores = (
            c.correspondencia,
            c.indicador,
            c.criterio,
            c.codigo_valoracion,
            c.codigo_estado,
            c.justificacion,
            c.autor,
            c.revisor,
            c.fecha,
            float(c.confianza) if c.confianza is not None else None,
            c.justificacion_mapeo or "",
            enunciados.get(c.indicador, ""),
            criterios.get(c.criterio, ""),
        )
        for j, v in enumerate(valores, start=1):
            ws.cell(n, j, v)
    for j, ancho in enumerate((40, 40, 40, 12, 12, 50, 20, 20, 12, 10, 40, 50, 50), start=1):
        ws.column_dimensions[get_column_letter(j)].width = ancho
    ws.freeze_panes = "B2"


def _hoja_resumen(ws: Worksheet, m: eq.Matriz) -> None:
    for j, nombre in enumerate(
        ("unidad de decisión", "código", "porcentaje", "umbral", "convalidable"), start=1
    ):
        ws.cell(1, j, nombre).font = _CABECERA
    umbral = float(m.regla.umbral)
    for n, u in enumerate(m.unidades, start=2):
        ws.cell(n, 1, u.etiqueta)
        ws.cell(n, 2, u.codigo)
        pct = ws.cell(n, 3, float(eq.porcentaje_decimal(u.porcentaje) or 0))
        pct.number_format = "0.00%"
        um = ws.cell(n, 4, umbral)
        um.number_format = "0.00%"
        ws.cell(n, 5, "sí" if u.convalidable else "no")
    ultima = max(2, len(m.unidades) + 1)
    rango = f"C2:C{ultima}"
    ws.conditional_formatting.add(
        rango, CellIsRule(operator="greaterThanOrEqual", formula=["$D2"], fill=_VERDE)
    )
    ws.conditional_formatting.add(rango, CellIsRule(operator="lessThan", formula=["$D2"], fill=_ROJO))
    ws.cell(
        ultima + 2,
        1,
        f"Regla: {m.regla.etiqueta}. Porcentajes si se certificaran todas las unidades de la norma; "
        "la decisión exacta la toma el registro (dos decimales truncados).",
    )
    ws.column_dimensions["A"].width = 50


# --- importar ----------------------------------------------------------------------------------------
def importar(
    almacen: Almacen,
    contenido: bytes,
    *,
    institucion: str,
    agente: str | None = None,
    nombre: str = "matriz.xlsx",
) -> ingesta.ResultadoEnvio:
    """Lee la hoja «Correspondencias» editada y la publica como versión nueva de la matriz."""
    libro = _abrir(contenido, nombre)
    meta = _meta(libro)
    ws = _hoja(libro, HOJA_CORRESPONDENCIAS)
    _sin_combinadas(ws)
    columnas = _columnas(ws)
    escala = {v.codigo.lower(): v for v in eq.valores_escala(almacen, meta["regla"])}
    if meta.get("matriz"):
        matriz = URIRef(meta["matriz"])
        conjunto = conjuntos.conjunto_de(almacen, str(matriz))
        grafo = conjuntos.grafo_vigente(almacen, conjunto)
        for c in conjuntos.correspondencias_de(grafo, matriz):
            grafo.remove((c, None, None))
    else:  # el par aún no tenía matriz: se crea en un conjunto nuevo de la institución
        codigo = f"M-{_ultimo(meta['estandar'])}-{_ultimo(meta['programa'])}"
        matriz, grafo = conjuntos.nueva_matriz(
            institucion, codigo, meta["estandar"], meta["programa"], meta["regla"]
        )
        conjunto = conjuntos.Conjunto(institucion, f"matriz-{codigo}"[:120], "")
    siguiente = conjuntos.siguiente_numero(grafo, matriz)
    ubicaciones: dict[str, str] = {}
    vistos: set[str] = set()
    for fila in range(2, ws.max_row + 1):
        valores = {c: ws.cell(fila, j).value for c, j in columnas.items()}
        if all(v in (None, "") for v in valores.values()):
            continue
        donde = f"hoja «{HOJA_CORRESPONDENCIAS}», fila {fila}"
        for c, j in columnas.items():
            _sin_formula(ws, fila, j, c)
        iri = _texto(valores["correspondencia"])
        if iri:
            _iri(iri, donde, "correspondencia")
            if not iri.startswith(str(matriz).rstrip("/") + "/c/"):
                raise EntradaInvalida(
                    f"La correspondencia {iri} no pertenece a la matriz {matriz}",
                    donde=f"{donde}, columna «correspondencia»",
                    detalle="Deje la celda vacía para crear una correspondencia nueva.",
                )
            corr = URIRef(iri)
        else:
            corr = voc.correspondencia(str(matriz), siguiente)
            siguiente += 1
        if str(corr) in vistos:
            raise EntradaInvalida(f"La correspondencia {corr} aparece dos veces", donde=donde)
        vistos.add(str(corr))
        ubicaciones[str(corr)] = donde
        _fila_a_rdf(grafo, corr, matriz, valores, escala, donde)
    if not vistos:
        raise EntradaInvalida(f"La hoja «{HOJA_CORRESPONDENCIAS}» no tiene ninguna correspondencia")
    # La huella es la del contenido RDF resultante (no la del .xlsx, que cambia en cada guardado):
    # reimportar la misma matriz no crea una versión nueva.
    return conjuntos.republicar(
        almacen,
        conjunto,
        grafo,
        ubicaciones=ubicaciones,
        agente=agente,
        institucion=institucion,
    )


def _fila_a_rdf(grafo, corr: URIRef, matriz: URIRef, valores: dict, escala: dict, donde: str) -> None:  # type: ignore[no-untyped-def]
    indicador = _iri(_texto(valores["indicador"]), donde, "indicador")
    criterio = _iri(_texto(valores["criterio"]), donde, "criterio")
    codigo = _texto(valores["valoracion"]).lower()
    if codigo not in escala:
        raise EntradaInvalida(
            f"Valoración desconocida: «{valores['valoracion']}»",
            donde=f"{donde}, columna «valoracion»",
            detalle="Use uno de: " + ", ".join(escala) + ".",
        )
    estado = _texto(valores["estado"]).lower()
    if estado not in _ESTADOS:
        raise EntradaInvalida(
            f"Estado desconocido: «{valores['estado']}»",
            donde=f"{donde}, columna «estado»",
            detalle="Use sugerida, aprobada o rechazada.",
        )
    grafo.add((corr, RDF.type, REG.Correspondencia))
    grafo.add((corr, REG.enMatriz, matriz))
    grafo.add((corr, REG.indicador, URIRef(indicador)))
    grafo.add((corr, REG.criterio, URIRef(criterio)))
    grafo.add((corr, REG.valoracion, URIRef(escala[codigo].valoracion)))
    grafo.add((corr, REG.estado, voc.estado(estado)))
    if _texto(valores["justificacion"]):
        grafo.add((corr, REG.justificacion, Literal(_texto(valores["justificacion"]), lang="es")))
    for col, prop in (("autor", DCTERMS.creator), ("revisor", REG.revisor)):
        if _texto(valores[col]):
            grafo.add((corr, prop, Literal(_texto(valores[col]))))
    fecha = valores["fecha"]
    if fecha not in (None, ""):
        grafo.add((corr, DCTERMS.date, Literal(_fecha(fecha, donde), datatype=XSD.date)))
    if valores["confianza"] not in (None, ""):
        try:
            confianza = Decimal(str(valores["confianza"]))
        except InvalidOperation as exc:
            raise EntradaInvalida(
                "La confianza debe ser un número entre 0 y 1", donde=f"{donde}, columna «confianza»"
            ) from exc
        grafo.add((corr, REG.confianza, Literal(confianza, datatype=XSD.decimal)))
    justificacion_mapeo = _texto(valores["justificacion_mapeo"])
    grafo.add(
        (
            corr,
            REG.justificacionMapeo,
            URIRef(justificacion_mapeo)
            if justificacion_mapeo.startswith("http")
            else SEMAPV.ManualMappingCuration,
        )
    )


def _abrir(contenido: bytes, nombre: str):  # type: ignore[no-untyped-def]
    try:
        with zipfile.ZipFile(io.BytesIO(contenido)) as z:
            if any(n.lower().endswith("vbaproject.bin") for n in z.namelist()):
                raise EntradaPeligrosa(
                    f"{nombre} contiene macros",
                    detalle="Guarde el libro como .xlsx sin macros y vuelva a importarlo.",
                )
        return load_workbook(io.BytesIO(contenido), data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise EntradaInvalida(f"{nombre} no es un libro Excel .xlsx válido", detalle=str(exc)) from exc


def _hoja(libro, nombre: str) -> Worksheet:  # type: ignore[no-untyped-def]
    if nombre not in libro.sheetnames:
        raise EntradaInvalida(
            f"Falta la hoja «{nombre}»",
            detalle="Exporte la matriz con «registro equivalencia --formato xlsx» y edítela.",
        )
    return libro[nombre]


def _meta(libro) -> dict[str, str]:  # type: ignore[no-untyped-def]
    ws = _hoja(libro, HOJA_META)
    meta = {
        str(ws.cell(f, 1).value): _texto(ws.cell(f, 2).value)
        for f in range(1, ws.max_row + 1)
        if ws.cell(f, 1).value
    }
    for clave in ("estandar", "programa", "regla"):
        if not meta.get(clave):
            raise EntradaInvalida(
                f"La hoja oculta «{HOJA_META}» no tiene «{clave}»", detalle="No edite esa hoja."
            )
        _iri(meta[clave], f"hoja «{HOJA_META}»", clave)
    return meta


def _columnas(ws: Worksheet) -> dict[str, int]:
    cabecera = {}
    for j in range(1, ws.max_column + 1):
        _sin_formula(ws, 1, j, "cabecera")
        nombre = _texto(ws.cell(1, j).value).lower()
        if nombre:
            cabecera[nombre] = j
    faltan = [c for c in COLUMNAS if c not in cabecera]
    if faltan:
        raise EntradaInvalida(
            "Faltan columnas en la hoja «Correspondencias»: " + ", ".join(faltan),
            donde=f"hoja «{HOJA_CORRESPONDENCIAS}», fila 1",
            detalle="No borre ni renombre columnas; la fila 1 debe tener: " + ", ".join(COLUMNAS) + ".",
        )
    return {c: cabecera[c] for c in COLUMNAS}


def _sin_combinadas(ws: Worksheet) -> None:
    if ws.merged_cells.ranges:
        rango = sorted(str(r) for r in ws.merged_cells.ranges)[0]
        raise EntradaInvalida(
            f"La hoja «{ws.title}» tiene celdas combinadas ({rango})",
            donde=f"hoja «{ws.title}», rango {rango}",
            detalle="Separe las celdas combinadas: cada correspondencia ocupa una fila, "
            "con un valor por celda.",
        )


def _sin_formula(ws: Worksheet, fila: int, col: int, nombre: str) -> None:
    celda = ws.cell(fila, col)
    if celda.data_type == "f" or (isinstance(celda.value, str) and celda.value.startswith("=")):
        raise EntradaInvalida(
            f"La celda {celda.coordinate} contiene una fórmula",
            donde=f"hoja «{ws.title}», fila {fila}, columna «{nombre}»",
            detalle="Escriba el valor, no una fórmula (copie y pegue como valores).",
        )


def _iri(texto: str, donde: str, columna: str) -> str:
    if not texto.startswith(("http://", "https://")):
        raise EntradaInvalida(
            f"Se esperaba un IRI en la columna «{columna}» y hay «{texto}»",
            donde=f"{donde}, columna «{columna}»",
            detalle="Copie el IRI completo (https://…) de la hoja «Matriz».",
        )
    try:
        validar_iri(texto)
    except EntradaInvalida as exc:
        raise EntradaInvalida(
            exc.mensaje, donde=f"{donde}, columna «{columna}»", detalle=exc.detalle
        ) from exc
    return texto


def _texto(valor: object) -> str:
    return "" if valor is None else str(valor).strip()


def _fecha(valor: object, donde: str) -> str:
    if isinstance(valor, datetime):
        return valor.date().isoformat()
    if isinstance(valor, date):
        return valor.isoformat()
    try:
        return date.fromisoformat(str(valor).strip()[:10]).isoformat()
    except ValueError as exc:
        raise EntradaInvalida(
            f"Fecha inválida: «{valor}»",
            donde=f"{donde}, columna «fecha»",
            detalle="Use el formato AAAA-MM-DD.",
        ) from exc


def _ultimo(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def codigos_escala(almacen: Almacen, regla: str) -> Sequence[str]:
    """Códigos de valoración aceptados por la regla (para mensajes y la plantilla)."""
    return [v.codigo for v in eq.valores_escala(almacen, regla)]
