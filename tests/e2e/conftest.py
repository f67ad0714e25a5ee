"""Fixtures de las pruebas de navegador: un servidor uvicorn real con el piloto y Chromium de Debian.

Se omiten (con el motivo) si falta ``/usr/bin/chromium`` o el paquete ``playwright``. El servidor y el
navegador se comparten en el módulo para que la suite completa tarde menos de dos minutos; las pruebas
que escriben (aprobar una sugerencia) van al final del archivo.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import navegador as nav

_MOTIVO = nav.motivo_sin_navegador()
pytestmark = pytest.mark.skipif(_MOTIVO is not None, reason=_MOTIVO or "")


@pytest.fixture(scope="module")
def servidor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[nav.Servidor]:
    if _MOTIVO is not None:
        pytest.skip(_MOTIVO)
    carpeta: Path = tmp_path_factory.mktemp("web") / "almacen"
    with nav.servidor(carpeta) as srv:
        yield srv


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if _MOTIVO is not None:
        pytest.skip(_MOTIVO)
    with nav.navegador() as navegador:
        yield navegador


@pytest.fixture
def pagina(chromium: object) -> Iterator[object]:
    """Pestaña nueva a ancho de portátil, con su propio contexto (cookies independientes)."""
    contexto = chromium.new_context(viewport=nav.ANCHO_PORTATIL, locale="es-PE", accept_downloads=True)  # type: ignore[attr-defined]
    contexto.set_default_timeout(20_000)
    p = contexto.new_page()
    errores: list[str] = []
    # Un 4xx de la propia página (p. ej. 422 al rechazar un envío) es intencional; un error de script o una
    # violación de la política de contenido no.
    p.on(
        "console",
        lambda m: (
            errores.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    p.on("pageerror", lambda e: errores.append(str(e)))
    yield p
    contexto.close()
    assert not errores, f"Errores en la consola del navegador (¿CSP?): {errores}"
