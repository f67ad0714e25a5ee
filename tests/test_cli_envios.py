"""``registro validar | enviar | versiones`` de punta a punta: códigos de salida 0/1/2 del contrato."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH
from typer.testing import CliRunner

from registro.cli import app

ENVIOS = Path(__file__).resolve().parent / "datos" / "envios"
runner = CliRunner()


def _invocar(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def almacen_iniciado(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Un almacén en disco iniciado por la CLI (sin piloto), que las pruebas copian antes de escribir."""
    ruta = tmp_path_factory.mktemp("cli-envios") / "almacen"
    r = _invocar("iniciar", "--sin-piloto", "--almacen", ruta)
    assert r.exit_code == 0, r.output
    return ruta


@pytest.fixture
def almacen(almacen_iniciado: Path, tmp_path: Path) -> str:
    copia = tmp_path / "almacen"
    shutil.copytree(almacen_iniciado, copia)
    return str(copia)


# --- validar ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("archivo", "opciones", "codigo", "texto"),
    [
        ("programa-correcto.ttl", ["--institucion", "iest-piloto"], 0, "CONFORME"),
        ("programa-correcto.jsonld", [], 0, "CONFORME"),
        ("programa-sin-modulos.ttl", [], 1, "al menos un módulo"),
        ("ajeno-otra-institucion.ttl", ["--institucion", "iest-piloto"], 1, "pertenece a la institución"),
        ("programa-correcto.ttl", ["-i", "no-existe"], 1, "no está en el registro de instituciones"),
        ("sintaxis-rota.ttl", [], 2, "línea 7, columna 1"),
        ("vacio.ttl", [], 2, "vacío"),
        ("formato-desconocido.dat", [], 2, "No se reconoce el formato"),
        ("formato-desconocido.dat", ["--formato", "n3"], 2, "Formato desconocido"),
        ("jsonld-contexto-remoto.jsonld", [], 2, "contexto externo"),
        ("rdfxml-entidades.rdf", [], 2, "DOCTYPE"),
        ("no-existe.ttl", [], 2, "No existe el archivo"),
    ],
)
def test_validar_codigos_de_salida(almacen_iniciado, archivo, opciones, codigo, texto):
    r = _invocar("validar", ENVIOS / archivo, *opciones, "--almacen", almacen_iniciado)
    assert r.exit_code == codigo, r.output
    assert texto in r.output


def test_validar_json_e_informe_ttl(almacen_iniciado, tmp_path):
    informe = tmp_path / "informe.ttl"
    r = _invocar(
        "validar", ENVIOS / "programa-sin-modulos.ttl", "--json", "--informe-ttl", informe,
        "--almacen", almacen_iniciado,
    )
    assert r.exit_code == 1, r.output
    datos = json.loads(r.output)
    assert datos["conforme"] is False and datos["conteos"]["Violation"] >= 1
    assert any("reg:tieneModulo" in (p["ruta"] or "") for p in datos["problemas"])
    g = Graph()
    g.parse(data=informe.read_bytes(), format="turtle")
    assert (None, SH.conforms, None) in g and (None, SH.result, None) in g


def test_validar_no_escribe(almacen):
    antes = _invocar("versiones", "--json", "--almacen", almacen).output
    r = _invocar("validar", ENVIOS / "programa-correcto.ttl", "-i", "iest-piloto", "--almacen", almacen)
    assert r.exit_code == 0
    assert _invocar("versiones", "--json", "--almacen", almacen).output == antes == "[]\n"


def test_validar_en_un_almacen_sin_iniciar(tmp_path):
    r = _invocar("validar", ENVIOS / "programa-correcto.ttl", "--almacen", tmp_path / "vacio")
    assert r.exit_code == 2
    assert "registro iniciar" in r.output


# --- enviar y versiones -----------------------------------------------------------------------------
def test_enviar_y_listar_versiones(almacen):
    r = _invocar("enviar", ENVIOS / "programa-correcto.ttl", "--institucion", "iest-piloto",
                 "--clave", "prb", "--almacen", almacen)
    assert r.exit_code == 0, r.output
    assert "Versión 1 publicada" in r.output and "grafo/envio/iest-piloto/prb/v1" in r.output

    r = _invocar("enviar", ENVIOS / "programa-correcto.ttl", "-i", "iest-piloto", "--clave", "prb",
                 "--almacen", almacen)
    assert r.exit_code == 0 and "Sin cambios" in r.output

    r = _invocar("enviar", ENVIOS / "programa-modificado.ttl", "-i", "iest-piloto", "--clave", "prb",
                 "--json", "--almacen", almacen)
    assert r.exit_code == 0, r.output
    resultado = json.loads(r.output)
    assert resultado["aceptado"] and resultado["version"]["numero"] == 2
    assert resultado["version"]["anterior"].endswith("/prb/v1")

    r = _invocar("versiones", "--institucion", "iest-piloto", "--almacen", almacen)
    assert r.exit_code == 0
    assert "(2 filas)" in r.output and "prb" in r.output
    vs = json.loads(_invocar("versiones", "--json", "--clave", "prb", "--almacen", almacen).output)
    assert [(v["numero"], v["vigente"]) for v in vs] == [(1, False), (2, True)]


@pytest.mark.parametrize(
    ("archivo", "codigo", "texto"),
    [
        ("ajeno-ontologia.ttl", 1, "RECHAZADO"),
        ("referencias-inexistentes.ttl", 1, "nivel/9"),
        ("sintaxis-rota.ttl", 2, "línea 7"),
        ("jsonld-contexto-archivo.jsonld", 2, "file:///etc/passwd"),
    ],
)
def test_enviar_rechazado_no_publica(almacen, archivo, codigo, texto):
    r = _invocar("enviar", ENVIOS / archivo, "--institucion", "iest-piloto", "--almacen", almacen)
    assert r.exit_code == codigo, r.output
    assert texto in r.output
    assert _invocar("versiones", "--json", "--almacen", almacen).output == "[]\n"


def test_enviar_exige_institucion(almacen):
    r = runner.invoke(app, ["enviar", str(ENVIOS / "programa-correcto.ttl"), "--almacen", almacen])
    assert r.exit_code == 2
