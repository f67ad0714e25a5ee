"""Servidor real y Chromium sin interfaz para las pruebas de extremo a extremo y las capturas.

Por qué así:

- **Servidor real:** uvicorn escucha en 127.0.0.1 en un puerto libre, en un hilo del mismo proceso,
  con un almacén Oxigraph en disco cargado con ``arranque.iniciar`` (ontología, referencia y piloto,
  por la misma vía validada que ``registro iniciar``). El almacén embebido no admite dos procesos a la
  vez; en el mismo proceso la prueba puede además leerlo para comprobar efectos.
- **Chromium de Debian** (``/usr/bin/chromium``) manejado por Playwright para Python: el paquete pip
  trae el controlador; nunca se ejecuta ``playwright install`` (no se descarga ningún navegador). Los
  argumentos desactivan todo tráfico de fondo (actualizaciones, sincronización, QUIC).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

RUTA_CHROMIUM = "/usr/bin/chromium"
ARGUMENTOS_CHROMIUM = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANCHO_PORTATIL = {"width": 1366, "height": 900}
ANCHO_TELEFONO = {"width": 390, "height": 844}


def motivo_sin_navegador() -> str | None:
    """Por qué no se pueden correr las pruebas de navegador (``None`` si se puede)."""
    if not Path(RUTA_CHROMIUM).exists():
        return (
            f"No está {RUTA_CHROMIUM}: instale el paquete «chromium» de Debian (scripts/preparar-sistema.sh)."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Falta el paquete «playwright» de Python (extra «pruebas»: pip install -e '.[pruebas]')."
    return None


def _puerto_libre() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Servidor:
    """Un servidor en marcha: dirección base, almacén y tokens de prueba por rol."""

    base: str
    almacen: object
    tokens: dict[str, str]


@contextmanager
def servidor(carpeta: Path) -> Iterator[Servidor]:
    """Arranca uvicorn con el piloto en ``carpeta`` y tokens de analista, institución y administrador."""
    import uvicorn

    from registro import acceso, arranque, ingesta
    from registro.almacen.oxigraph import AlmacenOxigraph
    from registro.api import crear_app
    from registro.configuracion import Configuracion

    if carpeta.exists():
        shutil.rmtree(carpeta)
    almacen = AlmacenOxigraph(carpeta)
    arranque.iniciar(almacen, publicador=ingesta.publicar_piloto)
    tokens = {
        "analista": acceso.emitir(almacen, rol="analista", descripcion="pruebas web").token,
        "institucion": acceso.emitir(almacen, rol="institucion", institucion="iest-piloto").token,
        "administrador": acceso.emitir(almacen, rol="administrador").token,
    }
    puerto = _puerto_libre()
    config = Configuracion(
        almacen=str(carpeta),
        host="127.0.0.1",
        puerto=puerto,
        base_publica=f"http://127.0.0.1:{puerto}",
        trabajadores_sparql=0,
    )
    app = crear_app(config, almacen)
    servidor_uv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=puerto, log_level="warning", lifespan="on")
    )
    hilo = threading.Thread(target=servidor_uv.run, daemon=True, name="uvicorn-pruebas")
    hilo.start()
    limite = time.monotonic() + 60
    while not servidor_uv.started:
        if not hilo.is_alive() or time.monotonic() > limite:
            raise RuntimeError("El servidor de pruebas no arrancó")
        time.sleep(0.05)
    try:
        yield Servidor(f"http://127.0.0.1:{puerto}", almacen, tokens)
    finally:
        servidor_uv.should_exit = True
        hilo.join(timeout=20)
        almacen.cerrar()


@contextmanager
def navegador() -> Iterator[object]:
    """Chromium de Debian sin interfaz, manejado por Playwright (sin descargar navegadores)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=RUTA_CHROMIUM, args=ARGUMENTOS_CHROMIUM, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def entrar(pagina: object, base: str, token: str, siguiente: str = "/") -> None:
    """Inicia sesión en la interfaz pegando el token en el formulario «Entrar»."""
    from urllib.parse import quote

    pagina.goto(f"{base}/entrar?siguiente={quote(siguiente)}")  # type: ignore[attr-defined]
    pagina.get_by_label("Token de acceso").fill(token)  # type: ignore[attr-defined]
    pagina.get_by_role("button", name="Entrar", exact=True).last.click()  # type: ignore[attr-defined]
    pagina.wait_for_load_state("domcontentloaded")  # type: ignore[attr-defined]
