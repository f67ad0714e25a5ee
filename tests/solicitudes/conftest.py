"""Fixtures de las solicitudes: un almacén piloto en disco creado una vez y copiado donde haga falta.

Crear el piloto cuesta unos segundos; copiar la carpeta del almacén cerrado, una fracción. Cada módulo
recibe su copia (las solicitudes de pruebas distintas no se mezclan con las de otro módulo) y las pruebas
que necesitan un almacén limpio (numeración, versiones nuevas de una norma) piden ``almacen_propio``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from registro import arranque
from registro import solicitudes as sol
from registro.almacen.oxigraph import AlmacenOxigraph

INSTITUCION = sol.Agente.local("secretaria-iest", "institucion", "iest-piloto")
COMISION = sol.Agente.local("comision-iest", "analista")
OTRA_INSTITUCION = sol.Agente.local("secretaria-cetpro", "institucion", "cetpro-piloto")
ADMIN = sol.Agente.local("admin", "administrador")

CERT_PE = "CCL-TEL-2024-00117"
"""T-7F3A2C, ECL-TEL-001 uc/1 + uc/2, vigente hasta 2029."""
CERT_VENCIDO = "CCL-TEL-2019-00042"
CERT_CL = "CV-2025-004418"


def hora(texto: str) -> datetime:
    """``"2026-03-02"`` o ``"2026-03-02T10:30"`` → datetime UTC."""
    return datetime.fromisoformat(texto).replace(tzinfo=UTC)


@pytest.fixture(scope="session")
def plantilla_piloto(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ruta = tmp_path_factory.mktemp("plantilla-solicitudes") / "almacen"
    a = AlmacenOxigraph(ruta)
    arranque.iniciar(a)
    a.cerrar()
    return ruta


def copia(plantilla: Path, destino: Path) -> AlmacenOxigraph:
    shutil.copytree(plantilla, destino)
    return AlmacenOxigraph(destino)


@pytest.fixture(scope="module")
def almacen(plantilla_piloto: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlmacenOxigraph]:
    """Copia del piloto compartida por las pruebas de un módulo."""
    a = copia(plantilla_piloto, tmp_path_factory.mktemp("solicitudes") / "almacen")
    yield a
    a.cerrar()


@pytest.fixture
def almacen_propio(plantilla_piloto: Path, tmp_path: Path) -> Iterator[AlmacenOxigraph]:
    """Copia del piloto solo para esta prueba."""
    a = copia(plantilla_piloto, tmp_path / "almacen")
    yield a
    a.cerrar()
