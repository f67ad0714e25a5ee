"""Generación de las plantillas vacías (.xlsx, o .zip de CSV) a partir de ``esquema``.

El libro que se genera es el que luego se lee: mismos nombres de hoja, mismos encabezados, la misma
fila de ejemplo (gris) que el conversor ignora mientras nadie la cambie. Se agregan ayudas para quien
lo rellena sin conocer RDF: la hoja «Léame», un comentario con la ayuda en cada encabezado, listas
desplegables (con los valores de las formas SHACL y de los datos de referencia, en una hoja oculta
«Listas» para no depender del límite de 255 caracteres de una lista escrita en línea), validación de
números, formato de texto en las columnas de códigos (para que Excel no quite ceros iniciales ni
convierta «1.10» en 1,1) y la fila de encabezados inmovilizada.
"""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from registro.hojas import esquema as E

FILAS_PLANTILLA = 1000
"""Filas con validación de datos y formato preparados en cada hoja tabular."""

_TITULO = Font(bold=True, size=14)
_SUBTITULO = Font(bold=True, size=12)
_ENCABEZADO = Font(bold=True)
_FONDO_ENCABEZADO = PatternFill("solid", fgColor="DDEBF7")
_FONDO_OBLIGATORIO = PatternFill("solid", fgColor="FCE4D6")
_EJEMPLO = Font(italic=True, color="808080")
_FONDO_EJEMPLO = PatternFill("solid", fgColor="EDEDED")
_AJUSTE = Alignment(wrap_text=True, vertical="top")
_TIPOS_TEXTO = {E.TEXTO, E.CODIGO, E.CLASIFICACION, E.NUMERO, E.REFERENCIA, E.CICLO, E.OPCION, E.BOOLEANO}
_AUTOR = "registro"


def generar_xlsx(plantilla: E.Plantilla) -> bytes:
    """Plantilla vacía en formato .xlsx."""
    libro = Workbook()
    leame = libro.active
    assert isinstance(leame, Worksheet)
    leame.title = E.HOJA_LEAME
    _escribir_leame(leame, plantilla)
    listas = libro.create_sheet(E.HOJA_LISTAS)
    rangos = _escribir_listas(listas)
    for hoja in plantilla.hojas:
        ws = libro.create_sheet(hoja.nombre)
        if hoja.ficha:
            _escribir_ficha(ws, hoja, rangos)
        else:
            _escribir_tabla(ws, hoja, rangos)
    listas.sheet_state = "hidden"
    libro.move_sheet(listas, offset=len(libro.sheetnames) - 1 - libro.sheetnames.index(E.HOJA_LISTAS))
    libro.active = 0
    libro.properties.title = f"Plantilla del registro: {plantilla.titulo}"
    libro.properties.subject = f"registro-plantilla:{plantilla.tipo}:v{E.VERSION_PLANILLA}"
    libro.properties.creator = _AUTOR
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def generar_zip_csv(plantilla: E.Plantilla) -> bytes:
    """Plantilla vacía en la variante CSV: un .zip con ``LEAME.txt`` y un CSV (UTF-8) por hoja."""
    salida = io.BytesIO()
    with zipfile.ZipFile(salida, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(E.ARCHIVO_LEAME, "\n".join(t for _, t in leame(plantilla, variante="csv")) + "\n")
        for hoja in plantilla.hojas:
            texto = io.StringIO()
            escritor = csv.writer(texto, lineterminator="\r\n")
            if hoja.ficha:
                escritor.writerow(E.ENCABEZADOS_FICHA)
                for c in hoja.columnas:
                    escritor.writerow([c.titulo, "", c.ejemplo, c.ayuda])
            else:
                escritor.writerow([c.titulo for c in hoja.columnas])
                ejemplo = E.fila_ejemplo(hoja)
                if ejemplo:
                    escritor.writerow([ejemplo[c.clave] for c in hoja.columnas])
            z.writestr(hoja.archivo, texto.getvalue().encode("utf-8-sig"))
    return salida.getvalue()


# --- Léame ------------------------------------------------------------------------------------------
def leame(plantilla: E.Plantilla, *, variante: str = "xlsx") -> list[tuple[str, str]]:
    """Instrucciones en español como líneas ``(estilo, texto)``; estilo: titulo, subtitulo o texto."""
    csv_ = variante == "csv"
    hojas = ", ".join(f"«{h.nombre}»" for h in plantilla.hojas)
    ejemplo = "ARCHIVO.zip" if csv_ else "ARCHIVO.xlsx"
    lineas: list[tuple[str, str]] = [
        (
            "titulo",
            f"Plantilla del registro de cualificaciones — {plantilla.titulo} (formato {E.VERSION_PLANILLA})",
        ),
        (
            "texto",
            "Sirve para enviar datos al registro sin escribir RDF: el registro convierte esta planilla "
            "en datos enlazados, los valida con las mismas reglas que cualquier envío y le indica cada "
            "problema con su hoja, fila y columna.",
        ),
        ("texto", ""),
        ("subtitulo", "Cómo se usa"),
        ("texto", f"1. Rellene las hojas {hojas}" + (" (un archivo CSV por hoja)." if csv_ else ".")),
        ("texto", f"2. Valide sin escribir nada:  registro validar {ejemplo} --institucion SU-CODIGO"),
        (
            "texto",
            f"3. Envíe:  registro enviar {ejemplo} --institucion SU-CODIGO   (cada envío aceptado "
            "crea una versión nueva; las anteriores siguen consultables).",
        ),
        ("texto", ""),
        ("subtitulo", "Reglas"),
        (
            "texto",
            "• No renombre ni borre hojas o encabezados. Puede cambiar el orden de las columnas y agregar "
            "columnas propias si su encabezado empieza por «Nota».",
        ),
        ("texto", "• Las columnas (o campos) marcadas con * son obligatorias."),
        (
            "texto",
            f"• La fila 2 de cada hoja (en gris, con «{E.MARCA_EJEMPLO.strip()}» al comienzo del "
            "nombre o enunciado) es un ejemplo: el registro la ignora mientras no la modifique. Puede "
            "borrarla o escribir encima.",
        ),
        (
            "texto",
            "• Un elemento por fila. No combine celdas. No use fórmulas: el registro nunca las evalúa "
            "(pegue los valores). No guarde el libro con macros (.xlsm): se rechaza.",
        ),
        (
            "texto",
            "• Los elementos se relacionan por su código (p. ej. la columna «Módulo» de una unidad "
            "didáctica lleva el código del módulo). Los códigos no llevan espacios y forman parte de los "
            "identificadores: no los cambie de una versión a otra.",
        ),
        (
            "texto",
            "• Los códigos de clasificación (CINE-F, CIUO-08, CIIU) se escriben como texto, con sus ceros "
            "iniciales (0714). Varios códigos se separan con «;».",
        ),
        (
            "texto",
            "• Números con coma o punto decimal; fechas AAAA-MM-DD o DD/MM/AAAA; sí/no en las columnas "
            "lógicas. Un «N.º» vacío toma el orden de las filas.",
        ),
    ]
    if plantilla.tipo == "programa":
        lineas += [
            (
                "texto",
                "• En un IEST: créditos = horas de teoría / 16 + horas de práctica / 32 (el registro lo "
                "comprueba).",
            ),
            (
                "texto",
                "• CETPRO: deje vacía «Unidades didácticas» y cuelgue las capacidades terminales del "
                "módulo (columna «Módulo» de «Capacidades» e «Indicadores»).",
            ),
        ]
    else:
        lineas += [
            (
                "texto",
                "• Estándar de competencia: las unidades se numeran dentro del estándar (…/uc/1) y los "
                "criterios cuelgan de la unidad (N.º 1.1, 1.2…).",
            ),
            (
                "texto",
                "• Perfil ocupacional: cada unidad (UCL) tiene su propio código U-…; los criterios cuelgan "
                "de las actividades clave (columna «Actividad» de «Criterios»).",
            ),
            (
                "texto",
                "• Lo que deje vacío en una unidad (versión, nivel, ocupación, actividad económica, "
                "subsector, vigencia) se toma de la hoja «Norma».",
            ),
        ]
    if csv_:
        lineas += [
            ("texto", ""),
            ("subtitulo", "Variante CSV"),
            (
                "texto",
                "• Un archivo por hoja: "
                + ", ".join(f"{h.archivo} («{h.nombre}»)" for h in plantilla.hojas)
                + ". Envíe el .zip con todos ellos (las hojas opcionales pueden faltar).",
            ),
            (
                "texto",
                "• UTF-8 (en Excel: «CSV UTF-8»), separados por coma, punto y coma o tabulador, con la "
                "fila 1 de encabezados. Un valor que empieza por «=» se toma como fórmula y se rechaza.",
            ),
        ]
    lineas += [("texto", ""), ("subtitulo", "Hojas y columnas")]
    listas = E.listas()
    for hoja in plantilla.hojas:
        opcional = "" if hoja.obligatoria else " (opcional)"
        lineas.append(("subtitulo", f"{hoja.nombre}{opcional}" + (f" — {hoja.archivo}" if csv_ else "")))
        lineas.append(("texto", hoja.descripcion))
        for c in hoja.columnas:
            texto = f"   {c.titulo}: {c.ayuda}"
            if c.lista and listas.get(c.lista):
                texto += " Valores: " + ", ".join(listas[c.lista]) + "."
            lineas.append(("texto", texto))
    return lineas


def _escribir_leame(ws: Worksheet, plantilla: E.Plantilla) -> None:
    ws.column_dimensions["A"].width = 130
    estilos = {"titulo": _TITULO, "subtitulo": _SUBTITULO}
    for n, (estilo, texto) in enumerate(leame(plantilla), start=1):
        celda = ws.cell(row=n, column=1, value=texto)
        celda.alignment = _AJUSTE
        if estilo in estilos:
            celda.font = estilos[estilo]


# --- listas desplegables ------------------------------------------------------------------------------
def _escribir_listas(ws: Worksheet) -> dict[str, str]:
    """Una columna por lista en la hoja oculta; devuelve lista → rango absoluto para la validación."""
    rangos: dict[str, str] = {}
    for i, (nombre, valores) in enumerate(sorted(E.listas().items()), start=1):
        letra = get_column_letter(i)
        ws.cell(row=1, column=i, value=nombre).font = _ENCABEZADO
        for j, v in enumerate(valores, start=2):
            ws.cell(row=j, column=i, value=v).number_format = "@"
        ultimo = max(len(valores) + 1, 2)
        rangos[nombre] = f"{quote_sheetname(E.HOJA_LISTAS)}!${letra}$2:${letra}${ultimo}"
    return rangos


def _validacion(columna: E.Columna, rangos: dict[str, str]) -> DataValidation | None:
    if columna.lista and columna.lista in rangos:
        dv = DataValidation(type="list", formula1=rangos[columna.lista], allow_blank=True)
        estricta = columna.tipo in (E.OPCION, E.BOOLEANO, E.CICLO)
        dv.errorStyle = "stop" if estricta else "warning"
        dv.error = "Elija un valor de la lista (vea la hoja «Léame»)."
        dv.errorTitle = columna.encabezado
    elif columna.tipo == E.ENTERO:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Escriba un número entero (sin decimales)."
        dv.errorTitle = columna.encabezado
    elif columna.tipo == E.DECIMAL:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Escriba un número."
        dv.errorTitle = columna.encabezado
    else:
        return None
    dv.showErrorMessage = True
    dv.prompt = columna.ayuda[:250]
    dv.promptTitle = columna.encabezado[:32]
    dv.showInputMessage = True
    return dv


def _formato(columna: E.Columna) -> str | None:
    if columna.tipo in _TIPOS_TEXTO:
        return "@"
    if columna.tipo == E.FECHA:
        return "yyyy-mm-dd"
    return None


# --- hojas ---------------------------------------------------------------------------------------------
def _escribir_tabla(ws: Worksheet, hoja: E.Hoja, rangos: dict[str, str]) -> None:
    ejemplo = E.fila_ejemplo(hoja)
    for i, columna in enumerate(hoja.columnas, start=1):
        letra = get_column_letter(i)
        celda = ws.cell(row=1, column=i, value=columna.titulo)
        celda.font = _ENCABEZADO
        celda.fill = _FONDO_OBLIGATORIO if columna.obligatoria else _FONDO_ENCABEZADO
        celda.alignment = _AJUSTE
        if columna.ayuda:
            celda.comment = Comment(columna.ayuda, _AUTOR, width=320, height=140)
        ws.column_dimensions[letra].width = columna.ancho
        formato = _formato(columna)
        if formato:
            ws.column_dimensions[letra].number_format = formato
        if ejemplo.get(columna.clave):
            ws.cell(row=2, column=i, value=ejemplo[columna.clave]).number_format = "@"
        dv = _validacion(columna, rangos)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letra}2:{letra}{FILAS_PLANTILLA}")
    if ejemplo:
        for i in range(1, len(hoja.columnas) + 1):
            celda = ws.cell(row=2, column=i)
            celda.font = _EJEMPLO
            celda.fill = _FONDO_EJEMPLO
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(hoja.columnas))}1"


def _escribir_ficha(ws: Worksheet, hoja: E.Hoja, rangos: dict[str, str]) -> None:
    for i, (titulo, ancho) in enumerate(zip(E.ENCABEZADOS_FICHA, (32, 60, 45, 90), strict=True), start=1):
        celda = ws.cell(row=1, column=i, value=titulo)
        celda.font = _ENCABEZADO
        celda.fill = _FONDO_ENCABEZADO
        ws.column_dimensions[get_column_letter(i)].width = ancho
    for n, columna in enumerate(hoja.columnas, start=2):
        campo = ws.cell(row=n, column=1, value=columna.titulo)
        campo.font = _ENCABEZADO
        if columna.obligatoria:
            campo.fill = _FONDO_OBLIGATORIO
        valor = ws.cell(row=n, column=2)
        valor.alignment = _AJUSTE
        formato = _formato(columna)
        if formato:
            valor.number_format = formato
        ejemplo = ws.cell(row=n, column=3, value=columna.ejemplo or None)
        ejemplo.font = _EJEMPLO
        ejemplo.fill = _FONDO_EJEMPLO
        ejemplo.alignment = _AJUSTE
        ws.cell(row=n, column=4, value=columna.ayuda).alignment = _AJUSTE
        dv = _validacion(columna, rangos)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"B{n}")
    ws.freeze_panes = "B2"
