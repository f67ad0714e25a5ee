"""``registro token emitir|listar|revocar``: el token se muestra una vez y la revocación vale."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from registro import acceso
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def ruta(tmp_path_factory: pytest.TempPathFactory) -> str:
    ruta = str(tmp_path_factory.mktemp("cli-acceso") / "almacen")
    r = runner.invoke(app, ["iniciar", "--sin-piloto", "--almacen", ruta], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return ruta


def test_emitir_listar_revocar(ruta):
    r = runner.invoke(
        app,
        [
            "token",
            "emitir",
            "--rol",
            "institucion",
            "--institucion",
            "iest-piloto",
            "--descripcion",
            "prueba",
            "--almacen",
            ruta,
        ],
    )
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("reg_")
    ident = token.split("_")[1]
    a = AlmacenOxigraph(ruta)
    try:
        assert acceso.verificar(a, token).institucion == "iest-piloto"
    finally:
        a.cerrar()
    lista = runner.invoke(app, ["token", "listar", "--almacen", ruta])
    assert lista.exit_code == 0 and ident in lista.stdout and "activa" in lista.stdout
    assert token.split("_", 2)[2] not in lista.stdout
    r = runner.invoke(app, ["token", "revocar", ident, "--almacen", ruta])
    assert r.exit_code == 0 and "revocada" in r.stdout
    assert "revocada" in runner.invoke(app, ["token", "listar", "--almacen", ruta]).stdout


def test_errores_de_uso(ruta):
    r = runner.invoke(app, ["token", "emitir", "--rol", "institucion", "--almacen", ruta])
    assert r.exit_code == 2 and "necesita una institución" in r.output
    r = runner.invoke(app, ["token", "emitir", "--rol", "jefe", "--almacen", ruta])
    assert r.exit_code == 2 and "Rol desconocido" in r.output
    r = runner.invoke(app, ["token", "revocar", "0123456789ab", "--almacen", ruta])
    assert r.exit_code == 2 and "No existe la credencial" in r.output
