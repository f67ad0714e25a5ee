"""Prueba de carga corta (``benchmarks/carga.py`` con cifras pequeñas): cero errores y ningún envío perdido.

Arranca ``registro servir`` de verdad en un subproceso sobre una copia del piloto. Las cifras de
referencia (20 s, 8 clientes) están en ``benchmarks/RESULTADOS.md``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.fiabilidad.entorno import clonar

pytestmark = pytest.mark.lento

RAIZ = Path(__file__).resolve().parents[2]


def _modulo_carga():  # type: ignore[no-untyped-def]
    especificacion = importlib.util.spec_from_file_location(
        "benchmark_carga", RAIZ / "benchmarks" / "carga.py"
    )
    assert especificacion is not None and especificacion.loader is not None
    modulo = importlib.util.module_from_spec(especificacion)
    sys.modules["benchmark_carga"] = modulo
    especificacion.loader.exec_module(modulo)
    return modulo


def test_carga_corta_sin_errores_ni_envios_perdidos(tmp_path: Path, volcado_piloto: bytes) -> None:
    carpeta = tmp_path / "almacen"
    clonar(volcado_piloto, carpeta).cerrar()
    carga = _modulo_carga()
    resultado, (aceptados, perdidos, _segundos) = carga.principal(
        [
            "--clientes",
            "3",
            "--segundos",
            "2",
            "--envios",
            "3",
            "--trabajadores",
            "1",
            "--almacen",
            str(carpeta),
        ]
    )
    assert resultado.peticiones > 0
    assert resultado.errores == 0, resultado.detalle_errores
    assert set(resultado.por_ruta) == {ruta for ruta, _p, _c in carga.MEZCLA}
    assert (aceptados, perdidos) == (3, 0)
