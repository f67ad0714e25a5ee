"""Regresiones de los defectos encontrados en la revisión de fiabilidad y seguridad (ver docs/seguridad.md).

Cada prueba nombra el defecto que fijaba y falla si vuelve. Otras regresiones viven donde se prueban mejor:
la carrera de ``versiones.publicar`` en ``test_concurrencia.py``; el bucle de eventos bloqueado por el
análisis léxico de ``/sparql`` en ``test_sparql_abuso.py``; RDF/XML truncado, caracteres de control,
literales enormes y listas anidadas en el corpus de ``tests/hostiles``.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from registro import exportacion, hojas, ingesta
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.errores import EntradaInvalida
from tests.fiabilidad.entorno import INST, LIMITE, PROGRAMA
from tests.hostiles.generar import ARCHIVOS

RAIZ = Path(__file__).resolve().parents[2]


def test_primera_planilla_de_un_proceso_nuevo_no_la_bloquea_la_guardia() -> None:
    """Antes: openpyxl leía /etc/mime.types al importarse dentro de ``sin_red`` → «Se bloqueó un acceso
    externo» en la primera planilla de la API recién arrancada (o de ``ingesta`` como biblioteca)."""
    codigo = (
        "import sys\n"
        "from registro import hojas\n"
        "from registro.errores import ErrorRegistro\n"
        "datos = open(sys.argv[1], 'rb').read()\n"
        "try:\n"
        "    hojas.convertir(datos, nombre='programa.xlsx', limite=10**7)\n"
        "except ErrorRegistro as exc:\n"
        "    print(type(exc).__name__, exc.mensaje)\n"
    )
    entorno = {**os.environ, "PYTHONPATH": str(RAIZ)}
    salida = subprocess.run(
        [sys.executable, "-c", codigo, str(ARCHIVOS / "xlsx-formula.xlsx")],
        capture_output=True,
        text=True,
        env=entorno,
        timeout=120,
        check=True,
    ).stdout
    assert "AccesoBloqueado" not in salida and "PlanillaInvalida" in salida, salida


def _deflate_roto() -> bytes:
    """La plantilla CSV con un miembro cuyo flujo «deflate» está dañado (zlib.error al descomprimir)."""
    base = hojas.generar_plantilla("programa", "csv")
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        info = z.getinfo("programa.csv")
    inicio = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for desplazamiento in range(info.compress_size):
        datos = bytearray(base)
        datos[inicio + desplazamiento] ^= 0xFF
        try:
            with zipfile.ZipFile(io.BytesIO(bytes(datos))) as z:
                z.read("programa.csv")
        except zlib.error:
            return bytes(datos)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            continue
    raise AssertionError("no se logró dañar el flujo deflate")


def test_deflate_danado_es_entrada_invalida_no_un_500() -> None:
    """Antes: ``zlib.error`` (no hereda de OSError ni de BadZipFile) escapaba de ``hojas.convertir``:
    la API respondía 500. Lo encontró el fuzzing de planillas mutadas."""
    with pytest.raises(EntradaInvalida, match="dañado"):
        hojas.convertir(_deflate_roto(), nombre="programa.zip", limite=LIMITE)


def test_exportacion_tabular_neutraliza_formulas(piloto_disco: AlmacenOxigraph) -> None:
    """Antes: un nombre enviado como «=HYPERLINK(…)» salía tal cual en programas.csv y openpyxl lo
    guardaba como **fórmula** en registro.xlsx (inyección de fórmulas al abrir la descarga)."""
    formula = '=HYPERLINK("http://ejemplo.invalid/robo","clic")'
    texto = PROGRAMA.read_text(encoding="utf-8").replace(
        '"Instalación y Mantenimiento de Redes y Servicios de Telecomunicaciones"@es',
        '"' + formula.replace('"', '\\"') + '"@es',
        1,
    )
    r = ingesta.enviar(piloto_disco, texto.encode(), institucion=INST, nombre=PROGRAMA.name, limite=LIMITE)
    assert r.aceptado, r.informe.texto()
    destino = io.BytesIO()
    exportacion.exportar(piloto_disco, "csv", destino)
    with zipfile.ZipFile(destino) as z:
        filas = list(csv.reader(io.StringIO(z.read("programas.csv").decode("utf-8-sig"))))
        libro = openpyxl.load_workbook(io.BytesIO(z.read("registro.xlsx")))
    celdas_csv = [c for f in filas for c in f if "HYPERLINK" in c]
    assert celdas_csv and all(c.startswith("'=") for c in celdas_csv)
    celdas_xlsx = [
        c for h in libro.worksheets for f in h.iter_rows() for c in f if "HYPERLINK" in str(c.value)
    ]
    assert celdas_xlsx and all(c.data_type == "s" and str(c.value).startswith("'=") for c in celdas_xlsx)


def test_libro_de_la_matriz_no_contiene_formulas_vivas(piloto_disco: AlmacenOxigraph) -> None:
    """Antes: un indicador enviado como «=HYPERLINK(…)» salía como fórmula en el libro de la matriz."""
    from registro import matriz_excel

    original = (
        "Selecciona los materiales, herramientas y equipos de una instalación según la tecnología de acceso "
        "indicada en la orden de servicio."
    )
    texto = PROGRAMA.read_text(encoding="utf-8")
    assert original in texto
    texto = texto.replace(original, '=HYPERLINK(\\"http://ejemplo.invalid/\\",\\"clic\\")', 1)
    r = ingesta.enviar(piloto_disco, texto.encode(), institucion=INST, nombre=PROGRAMA.name, limite=LIMITE)
    assert r.aceptado, r.informe.texto()
    datos = matriz_excel.exportar(piloto_disco, "ECL-TEL-001", "PE-TEL-01")
    libro = openpyxl.load_workbook(io.BytesIO(datos))
    celdas = [c for h in libro.worksheets for f in h.iter_rows() for c in f if "HYPERLINK" in str(c.value)]
    assert celdas and all(c.data_type == "s" for c in celdas)
