"""Matriz en Excel (ida y vuelta), acta HTML/PDF, sugerencias y órdenes de la CLI, sobre el piloto."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from registro import acta, arranque, matriz_excel, sugerencias
from registro import equivalencias as eq
from registro.almacen.base import Almacen
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.cli import app
from registro.errores import EntradaInvalida, EntradaPeligrosa

HOY = date(2026, 11, 1)
AGENTE = "https://w3id.org/registro/id/inst/iest-piloto"


@pytest.fixture(scope="module")
def piloto_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Un almacén en disco con el piloto, cargado una vez; cada prueba que escribe usa una copia."""
    ruta = tmp_path_factory.mktemp("piloto") / "almacen"
    a = AlmacenOxigraph(ruta)
    arranque.iniciar(a)
    a.cerrar()
    yield str(ruta)


@pytest.fixture
def piloto(piloto_base: str, tmp_path) -> Iterator[Almacen]:  # type: ignore[no-untyped-def]
    import shutil

    copia = tmp_path / "almacen"
    shutil.copytree(piloto_base, copia)
    a = AlmacenOxigraph(copia)
    yield a
    a.cerrar()


@pytest.fixture(scope="module")
def exportado(piloto_base: str) -> bytes:
    """La matriz del piloto exportada una vez (las pruebas editan copias)."""
    a = AlmacenOxigraph(piloto_base)
    try:
        return matriz_excel.exportar(a, "ECL-TEL-001", "PE-TEL-01")
    finally:
        a.cerrar()


def _guardar(libro) -> bytes:  # type: ignore[no-untyped-def]
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def test_excel_ida_y_vuelta_cambia_la_decision(piloto, exportado):
    libro = load_workbook(io.BytesIO(exportado))
    assert libro.sheetnames[:4] == ["Léame", "Matriz", "Correspondencias", "Resumen"]
    assert libro["Resumen"].conditional_formatting  # verde ≥ umbral, rojo por debajo
    ws = libro["Correspondencias"]
    cabecera = [c.value for c in ws[1]]
    col_val = cabecera.index("valoracion") + 1
    # c4 (TEL-101, indicador 4) es «nula»: pasarla a «total» sube TEL-101 de 2,5/4 a 3,5/4.
    fila = next(f for f in range(2, ws.max_row + 1) if str(ws.cell(f, 1).value).endswith("/c/4"))
    assert ws.cell(fila, col_val).value == "nula"
    ws.cell(fila, col_val).value = "total"
    res = matriz_excel.importar(piloto, _guardar(libro), institucion="iest-piloto", agente=AGENTE)
    assert res.aceptado and res.version is not None and res.version.numero == 2
    d = eq.convalidar(
        piloto, certificados=["CCL-TEL-2024-00117"], programa="PE-TEL-01", hoy=HOY, guardar=False
    )
    tel101 = next(u for u in d.unidades if u.codigo == "TEL-101")
    assert tel101.porcentaje == Fraction(7, 8) and tel101.convalidable


def test_excel_rechaza_formulas_combinadas_columnas_y_macros(piloto, exportado):
    libro = load_workbook(io.BytesIO(exportado))
    libro["Correspondencias"]["D2"] = "=1+1"
    with pytest.raises(EntradaInvalida, match="fórmula") as exc:
        matriz_excel.importar(piloto, _guardar(libro), institucion="iest-piloto")
    assert "fila 2" in str(exc.value) and "valoracion" in str(exc.value)
    libro = load_workbook(io.BytesIO(exportado))
    libro["Correspondencias"].merge_cells("F2:F3")
    with pytest.raises(EntradaInvalida, match="combinadas"):
        matriz_excel.importar(piloto, _guardar(libro), institucion="iest-piloto")
    libro = load_workbook(io.BytesIO(exportado))
    libro["Correspondencias"].delete_cols(5)
    with pytest.raises(EntradaInvalida, match=r"Faltan columnas.*estado"):
        matriz_excel.importar(piloto, _guardar(libro), institucion="iest-piloto")
    libro = load_workbook(io.BytesIO(exportado))
    libro["Correspondencias"]["D3"] = "casi"
    with pytest.raises(EntradaInvalida, match="Valoración desconocida") as exc:
        matriz_excel.importar(piloto, _guardar(libro), institucion="iest-piloto")
    assert "fila 3" in str(exc.value)
    contenido = io.BytesIO()
    import zipfile

    with (
        zipfile.ZipFile(contenido, "w") as z,
        zipfile.ZipFile(io.BytesIO(_guardar(load_workbook(io.BytesIO(exportado))))) as orig,
    ):
        for n in orig.namelist():
            z.writestr(n, orig.read(n))
        z.writestr("xl/vbaProject.bin", b"macro")
    with pytest.raises(EntradaPeligrosa, match="macros"):
        matriz_excel.importar(piloto, contenido.getvalue(), institucion="iest-piloto")


def test_excel_no_conforme_senala_hoja_y_fila(piloto, exportado):
    libro = load_workbook(io.BytesIO(exportado))
    ws = libro["Correspondencias"]
    cabecera = [c.value for c in ws[1]]
    ws.cell(5, cabecera.index("justificacion") + 1).value = None  # aprobada sin justificación
    res = matriz_excel.importar(piloto, _guardar(libro), institucion="iest-piloto")
    assert not res.aceptado
    assert "hoja «Correspondencias», fila 5" in res.informe.texto()


def test_acta_html_y_pdf(piloto, tmp_path):
    d = eq.convalidar(piloto, certificados=["CV-2025-004418"], programa="PE-TEL-01", hoy=HOY, guardar=False)
    texto = acta.html(d)
    for esperado in (
        "T-C81E5B",
        "CV-2025-004418",
        "31,25 %",
        "closeMatch",
        "Presidencia de la comisión",
        "TEL-302",
    ):
        assert esperado in texto
    ruta = acta.escribir(d, tmp_path / "acta.pdf")
    assert ruta.read_bytes().startswith(b"%PDF")
    with pytest.raises(EntradaInvalida):
        acta.escribir(d, tmp_path / "acta.docx")


def test_sugerencias_ranking_y_aprobacion(piloto):
    assert (
        sugerencias.raiz("instalaciones") == sugerencias.raiz("instalacion") == sugerencias.raiz("instalar")
    )
    assert sugerencias.terminos("Configuración del módem") == sugerencias.terminos(
        "configuracion de los modems"
    )
    nuevas = sugerencias.sugerir(
        piloto, "ECL-TEL-001", "PE-TEL-01", por_indicador=1, minimo=0.2, guardar=True, agente=AGENTE
    )
    assert nuevas and all(s.puesto == 1 for s in nuevas)
    m = eq.matriz(piloto, "ECL-TEL-001", "PE-TEL-01")
    lexicas = [c for c in m.celdas if (c.justificacion_mapeo or "").endswith("LexicalMatching")]
    assert {c.codigo_estado for c in lexicas} == {"sugerida"}
    antes = eq.convalidar(
        piloto, certificados=["CCL-TEL-2024-00117"], programa="PE-TEL-01", hoy=HOY, guardar=False
    )
    res = sugerencias.rechazar(piloto, lexicas[0].correspondencia, "Analista de prueba")
    assert res.aceptado
    despues = eq.convalidar(
        piloto, certificados=["CCL-TEL-2024-00117"], programa="PE-TEL-01", hoy=HOY, guardar=False
    )
    assert [u.porcentaje for u in despues.unidades] == [u.porcentaje for u in antes.unidades]
    celda = next(
        c
        for c in eq.matriz(piloto, "ECL-TEL-001", "PE-TEL-01").celdas
        if c.correspondencia == lexicas[0].correspondencia
    )
    assert celda.codigo_estado == "rechazada" and celda.revisor == "Analista de prueba"


def test_cli_convalidar_resultados_y_errores(piloto_base, tmp_path):
    import shutil

    ruta = tmp_path / "almacen"
    shutil.copytree(piloto_base, ruta)
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "convalidar",
            "-c",
            "CCL-TEL-2024-00117",
            "-p",
            "PE-TEL-01",
            "--almacen",
            str(ruta),
            "--formato",
            "json",
            "--acta",
            str(tmp_path / "acta.html"),
        ],
    )
    assert r.exit_code == 0, r.output
    datos = json.loads(r.stdout)
    assert [u["codigo"] for u in datos["unidades"] if u["convalidable"]] == ["TEL-102", "TEL-201"]
    assert (tmp_path / "acta.html").is_file()
    r = runner.invoke(app, ["resultados", "--almacen", str(ruta)])
    assert r.exit_code == 0 and "PE-TEL-01" in r.stdout
    r = runner.invoke(app, ["convalidar", "-c", "NO-EXISTE", "-p", "PE-TEL-01", "--almacen", str(ruta)])
    assert r.exit_code == 2 and "No hay ningún certificado" in r.output
    r = runner.invoke(app, ["equivalencia", "-e", "ECL-TEL-001", "-p", "PE-TEL-0", "--almacen", str(ruta)])
    assert r.exit_code == 2 and "PE-TEL-01" in r.output  # candidato en el mensaje
    xlsx = tmp_path / "m.xlsx"
    r = runner.invoke(
        app,
        [
            "equivalencia",
            "-e",
            "ECL-TEL-001",
            "-p",
            "PE-TEL-01",
            "-f",
            "xlsx",
            "-o",
            str(xlsx),
            "--almacen",
            str(ruta),
        ],
    )
    assert r.exit_code == 0 and xlsx.is_file()
    r = runner.invoke(
        app, ["importar-matriz", str(xlsx), "--institucion", "cft-piloto", "--almacen", str(ruta)]
    )
    assert r.exit_code == 1 and "iest-piloto" in r.output  # matriz ajena
