"""Fixtures compartidas: almacenes reales (Oxigraph en memoria y en disco) y el registro piloto.

Todo lo que afirma comportamiento del almacén usa el almacén embebido en disco; el piloto se carga
una vez por sesión con ``arranque.iniciar`` por la misma vía que usa ``registro iniciar``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registro import arranque
from registro.almacen.oxigraph import AlmacenOxigraph

RAIZ = Path(__file__).resolve().parent.parent
DATOS_PRUEBA = Path(__file__).resolve().parent / "datos"


def _publicador():
    try:
        from registro import ingesta
    except ImportError:
        return None
    return getattr(ingesta, "publicar_piloto", None)


@pytest.fixture
def almacen_memoria() -> Iterator[AlmacenOxigraph]:
    a = AlmacenOxigraph(None)
    yield a


@pytest.fixture
def almacen_disco(tmp_path: Path) -> Iterator[AlmacenOxigraph]:
    a = AlmacenOxigraph(tmp_path / "almacen")
    yield a
    a.cerrar()


@pytest.fixture
def almacen_referencia(tmp_path: Path) -> Iterator[AlmacenOxigraph]:
    """Almacén en disco con ontología y datos de referencia, sin piloto."""
    a = AlmacenOxigraph(tmp_path / "almacen-ref")
    arranque.iniciar(a, con_piloto=False)
    yield a
    a.cerrar()


@pytest.fixture(scope="session")
def almacen_piloto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlmacenOxigraph]:
    """Almacén en disco con ontología, referencia y piloto (solo lectura: no lo modifique una prueba)."""
    a = AlmacenOxigraph(tmp_path_factory.mktemp("piloto") / "almacen")
    arranque.iniciar(a, publicador=_publicador())
    yield a
    a.cerrar()


@pytest.fixture
def almacen_piloto_mutable(tmp_path: Path) -> Iterator[AlmacenOxigraph]:
    """Almacén en disco con el piloto, propio de la prueba (puede escribirse)."""
    a = AlmacenOxigraph(tmp_path / "almacen-piloto")
    arranque.iniciar(a, publicador=_publicador())
    yield a
    a.cerrar()
