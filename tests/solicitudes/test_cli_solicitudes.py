"""``registro solicitud …`` y ``registro informe``: salidas, códigos de salida y formatos."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from registro.cli import app


@pytest.fixture(scope="module")
def entorno(plantilla_piloto, tmp_path_factory) -> dict[str, str]:
    """Una copia cerrada del piloto (la CLI abre y cierra el almacén en cada orden)."""
    ruta = tmp_path_factory.mktemp("cli-solicitudes") / "almacen"
    shutil.copytree(plantilla_piloto, ruta)
    return {
        "REGISTRO_ALMACEN": str(ruta),
        "REGISTRO_AGENTE": "secretaria",
        "REGISTRO_ROL": "institucion",
        "REGISTRO_INSTITUCION_AGENTE": "iest-piloto",
    }


def _cli(entorno: dict[str, str], *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args), env=entorno)
    return r.exit_code, r.output


def test_ciclo_y_errores_por_la_cli(entorno, tmp_path):
    codigo, salida = _cli(
        entorno,
        "solicitud",
        "crear",
        "--institucion",
        "iest-piloto",
        "--programa",
        "PE-TEL-01",
        "--certificado",
        "CCL-TEL-2024-00117",
        "--titular",
        "T-7F3A2C",
        "--fecha",
        "2026-03-02",
    )
    assert codigo == 0 and "Solicitud iest-piloto/2026-1 — RECIBIDA" in salida
    codigo, salida = _cli(entorno, "solicitud", "analizar", "iest-piloto/2026-1")
    assert codigo == 1 and "No se puede analizar la solicitud iest-piloto/2026-1: está «recibida»" in salida
    assert _cli(entorno, "solicitud", "verificar", "iest-piloto/2026-1", "--fecha", "2026-03-03")[0] == 0
    assert _cli(entorno, "solicitud", "analizar", "iest-piloto/2026-1", "--fecha", "2026-03-04")[0] == 0
    codigo, salida = _cli(entorno, "solicitud", "decidir", "iest-piloto/2026-1", "--resultado", "aprobar")
    assert codigo == 1 and "El rol «institucion» no puede decidir" in salida
    codigo, salida = _cli(
        entorno,
        "solicitud",
        "decidir",
        "iest-piloto/2026-1",
        "--resultado",
        "ajustar",
        "--motivo",
        "m",
        "--ajuste",
        "TEL-101",
        "--rol",
        "analista",
    )
    assert codigo == 2 and "Ajuste mal escrito" in salida
    codigo, salida = _cli(
        entorno,
        "solicitud",
        "decidir",
        "iest-piloto/2026-1",
        "--resultado",
        "ajustar",
        "--motivo",
        "Revisión",
        "--ajuste",
        "TEL-101=si:Experiencia documentada",
        "--agente",
        "comision",
        "--rol",
        "analista",
        "--fecha",
        "2026-03-09",
    )
    assert codigo == 0 and "Unidades reconocidas: TEL-101, TEL-102, TEL-201" in salida
    acta = tmp_path / "acta.pdf"
    codigo, salida = _cli(
        entorno, "solicitud", "resolver", "iest-piloto/2026-1", "--fecha", "2026-03-10", "--salida", str(acta)
    )
    assert codigo == 0 and "Acta: IEST-PILOTO-2026-0001" in salida and acta.read_bytes().startswith(b"%PDF")
    codigo, salida = _cli(entorno, "solicitud", "ver", "iest-piloto/2026-1", "--formato", "json")
    datos = json.loads(salida)
    assert datos["numero_acta"] == "IEST-PILOTO-2026-0001" and len(datos["historial"]) == 5
    codigo, salida = _cli(entorno, "solicitud", "listar", "--vencidas", "--hoy", "2026-05-01", "-f", "json")
    assert codigo == 0 and json.loads(salida) == []  # resuelta: nunca vence
    codigo, salida = _cli(entorno, "solicitud", "ver", "iest-piloto/2026-9")
    assert codigo == 2 and "No existe la solicitud iest-piloto/2026-9" in salida
    codigo, salida = _cli(entorno, "solicitud", "verificar", "iest-piloto/2026-1")
    assert codigo == 1 and "está «resuelta»" in salida


def test_informe_en_csv_y_xlsx(entorno, tmp_path):
    codigo, salida = _cli(entorno, "informe", "--formato", "csv", "--hoy", "2026-04-15")
    assert codigo == 0
    filas = list(csv.reader(io.StringIO(salida)))
    assert ["tabla", "Institución", "Estado", "Solicitudes"] in filas
    assert any(f[:2] == ["unidades", "iest-piloto"] and f[-1] == "37,50 %" for f in filas)
    libro = tmp_path / "informe.xlsx"
    codigo, _ = _cli(entorno, "informe", "--formato", "xlsx", "--salida", str(libro))
    assert codigo == 0
    hojas = load_workbook(libro).sheetnames
    assert hojas == ["por_estado", "por_programa", "por_norma", "unidades", "plazos", "brechas"]
    assert _cli(entorno, "informe", "--formato", "xlsx")[0] == 2
