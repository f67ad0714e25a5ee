"""La CLI básica de punta a punta sobre un almacén en disco: iniciar, consultar, exportar, cargar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph
from typer.testing import CliRunner

from registro import consultas
from registro.cli import app
from registro.vocabulario import ID
from tests.utiles import EJEMPLOS

runner = CliRunner()

CON_FILAS = (
    "conteo-por-tipo",
    "niveles-de-marco",
    "marcos",
    "instituciones",
    "unidades-y-criterios-de-estandar",
    "modulos-e-indicadores-de-programa",
)


def _invocar(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def ruta_almacen(tmp_path_factory: pytest.TempPathFactory) -> str:
    ruta = str(tmp_path_factory.mktemp("cli") / "almacen")
    r = _invocar("iniciar", "--almacen", ruta)
    assert r.exit_code == 0, r.output
    return ruta


def _total(ruta: str) -> int:
    r = _invocar("consultar", "--almacen", ruta, "--formato", "json", str(_consulta_total()))
    return int(json.loads(r.output)[0]["n"])


def _consulta_total() -> Path:
    ruta = Path(__file__).parent / "datos" / "consultas" / "total.rq"
    return ruta


def test_iniciar_dos_veces_deja_el_mismo_numero_de_tripletas(ruta_almacen: str) -> None:
    antes = _total(ruta_almacen)
    assert antes > 1000
    r = _invocar("iniciar", "--almacen", ruta_almacen)
    assert r.exit_code == 0, r.output
    assert _total(ruta_almacen) == antes


@pytest.mark.parametrize("consulta", [c.nombre for c in consultas.catalogo()])
def test_cada_consulta_del_catalogo_responde_sobre_el_piloto(ruta_almacen: str, consulta: str) -> None:
    c = consultas.catalogo().obtener(consulta)
    args = ["consultar", consulta, "--almacen", ruta_almacen, "--formato", "json"]
    for p in c.parametros:
        if p.opcional:
            continue
        assert p.nombre in EJEMPLOS, f"añada a EJEMPLOS un valor del piloto para «{p.nombre}» ({consulta})"
        args += ["--param", f"{p.nombre}={EJEMPLOS[p.nombre]}"]
    r = _invocar(*args)
    assert r.exit_code == 0, r.output
    if r.output.lstrip().startswith(("@prefix", "<")) or not r.output.strip():
        # CONSTRUCT: la salida es Turtle, que debe poder leerse.
        Graph().parse(data=r.output, format="turtle")
        return
    filas = json.loads(r.output)
    if consulta in CON_FILAS:
        assert filas, f"{consulta} no devolvió filas sobre el piloto"
        assert set(filas[0]) <= set(c.columnas) | {"etiqueta"}


def test_consultar_sin_parametro_obligatorio_sale_con_2(ruta_almacen: str) -> None:
    r = _invocar("consultar", "niveles-de-marco", "--almacen", ruta_almacen)
    assert r.exit_code == 2
    assert "Faltan parámetros" in r.output


def test_consulta_desconocida_sale_con_2(ruta_almacen: str) -> None:
    r = _invocar("consultar", "no-existe", "--almacen", ruta_almacen)
    assert r.exit_code == 2
    assert "No existe la consulta" in r.output


def test_niveles_del_mncp_son_ocho_en_orden(ruta_almacen: str) -> None:
    r = _invocar(
        "consultar",
        "niveles-de-marco",
        "-p",
        f"marco={ID}marco/mncp",
        "--almacen",
        ruta_almacen,
        "-f",
        "json",
    )
    numeros = [f["numero"] for f in json.loads(r.output)]
    assert numeros == list(range(1, 9))


def test_exportar_trig_y_jsonld(ruta_almacen: str, tmp_path: Path) -> None:
    for formato in ("trig", "jsonld"):
        salida = tmp_path / f"registro.{formato}"
        r = _invocar("exportar", "--formato", formato, "--salida", str(salida), "--almacen", ruta_almacen)
        assert r.exit_code == 0, r.output
        assert salida.stat().st_size > 1000
        assert not salida.with_name(salida.name + ".parcial").exists()


def test_cargar_archivo_con_error_de_sintaxis_sale_con_2_y_no_escribe(
    ruta_almacen: str, tmp_path: Path
) -> None:
    roto = tmp_path / "roto.ttl"
    roto.write_text(
        '@prefix ex: <http://ex.org/> .\nex:a ex:b ex:c ;\n ex:d "sin cerrar .\n', encoding="utf-8"
    )
    antes = _total(ruta_almacen)
    r = _invocar("cargar", str(roto), "--almacen", ruta_almacen)
    assert r.exit_code == 2
    assert "no se cargó nada" in r.output
    assert _total(ruta_almacen) == antes
