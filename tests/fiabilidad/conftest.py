"""Fixtures de las pruebas de fiabilidad y seguridad: el piloto como volcado, clonable por prueba.

Estas pruebas afirman comportamiento del proceso y del almacén embebido (concurrencia entre hilos,
caídas con SIGKILL, respaldo de una carpeta, cabeceras HTTP), así que no usan las fixtures de almacén
parametrizadas por backend de ``tests/conftest.py``: construyen el piloto una vez por sesión con
``arranque.iniciar`` y clonan su volcado.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registro import arranque
from registro.almacen.oxigraph import AlmacenOxigraph
from tests.fiabilidad.entorno import clonar, volcado


@pytest.fixture(scope="session")
def volcado_piloto() -> bytes:
    """N-Quads del registro piloto (ontología, referencia, envíos piloto y certificados)."""
    a = AlmacenOxigraph(None)
    arranque.iniciar(a)
    return volcado(a)


@pytest.fixture
def piloto_disco(tmp_path: Path, volcado_piloto: bytes) -> Iterator[AlmacenOxigraph]:
    """Copia del piloto en disco, propia de la prueba (puede escribirse)."""
    a = clonar(volcado_piloto, tmp_path / "almacen")
    yield a
    if hasattr(a, "_store"):  # una prueba puede cerrarlo antes (para que la CLI lo abra)
        a.cerrar()
