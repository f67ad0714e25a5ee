"""Planillas de prueba para la página de envíos, generadas desde la plantilla oficial del registro."""

from __future__ import annotations

import io

import openpyxl

from registro import hojas

UD_CON_ERROR = "RED-101"
"""Unidad didáctica cuyos créditos no cuadran con sus horas (7 en vez de 3)."""
FILA_CON_ERROR = 3
"""Fila de la hoja «Unidades didácticas» donde está el error (la 2 es la fila de ejemplo)."""


def _rellenar(datos: dict[str, object]) -> bytes:
    libro = openpyxl.load_workbook(io.BytesIO(hojas.generar_plantilla("programa")))
    for nombre, contenido in datos.items():
        ws = libro[nombre]
        if isinstance(contenido, dict):
            for fila in ws.iter_rows(min_row=2):
                campo = str(fila[0].value).removesuffix(" *")
                if campo in contenido:
                    fila[1].value = contenido[campo]
            continue
        cabecera = [str(c.value).removesuffix(" *") for c in ws[1]]
        for n, valores in enumerate(contenido, start=FILA_CON_ERROR):  # type: ignore[arg-type]
            for clave, valor in valores.items():
                ws.cell(row=n, column=cabecera.index(clave) + 1, value=valor)
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def planilla_con_errores() -> bytes:
    """Programa de una unidad didáctica con créditos incoherentes: la validación lo ubica en su fila."""
    return _rellenar(
        {
            "Programa": {
                "Código": "PE-RED-02",
                "Nombre": "Redes de datos",
                "Institución": "iest-piloto",
                "País": "PE",
                "Nivel formativo": "profesional técnico",
                "Marco de cualificaciones": "mncp",
                "Nivel": 4,
            },
            "Módulos": [
                {
                    "N.º": 1,
                    "Código": "MF1",
                    "Nombre": "Cableado estructurado",
                    "Créditos": 3,
                    "Unidad de competencia asociada": "ECL-TEL-001-UC3",
                }
            ],
            "Unidades didácticas": [
                {
                    "Módulo": "MF1",
                    "N.º": 1,
                    "Código": UD_CON_ERROR,
                    "Nombre": "Cableado estructurado",
                    "Ciclo": "I",
                    "Créditos": 7,
                    "Horas de teoría": 32,
                    "Horas de práctica": 32,
                }
            ],
            "Capacidades": [
                {
                    "Unidad didáctica": UD_CON_ERROR,
                    "N.º": 1,
                    "Enunciado": "Instalar el cableado estructurado de una red local.",
                }
            ],
            "Indicadores": [
                {
                    "Unidad didáctica": UD_CON_ERROR,
                    "Capacidad": 1,
                    "N.º": 1,
                    "Enunciado": "Tiende y certifica enlaces de cable UTP categoría 6.",
                }
            ],
        }
    )
