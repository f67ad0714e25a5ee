"""Fixtures de la API: almacén con el piloto (una vez por sesión), aplicaciones y un servidor real.

- ``cliente``: ``TestClient`` de ``crear_app`` sobre el almacén piloto de solo lectura (sesión).
- ``mutable``: aplicación con su propio almacén piloto, para las pruebas que escriben (por módulo).
- ``servidor``: uvicorn de verdad en 127.0.0.1 y un puerto libre, para clientes SPARQL reales.

Los trabajadores SPARQL leen un volcado de los grafos públicos (almacén en memoria) o una instantánea
(en disco); las pruebas del tiempo máximo usan un almacén en disco, como en producción.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from registro import acceso, arranque
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.api import crear_app
from registro.configuracion import Configuracion

PROGRAMA_IEST = "https://w3id.org/registro/id/inst/iest-piloto/programa/PE-TEL-01"
ESTANDAR_MTPE = "https://w3id.org/registro/id/inst/mtpe/estandar/ECL-TEL-001"
PERFIL_CL = "https://w3id.org/registro/id/inst/chilevalora/perfil/P-6110-7422-001-V01"
CERTIFICADO = "https://w3id.org/registro/id/inst/ecl-telecom-pe/certificado/CCL-TEL-2024-00117"


def configuracion(**cambios: object) -> Configuracion:
    base = Configuracion(
        almacen="memoria",
        tiempo_maximo_consulta=20.0,
        filas_maximas_consulta=50,
        trabajadores_sparql=1,
        tamano_maximo_envio=2 * 1024 * 1024,
    )
    return base.con(**cambios)


def almacen_piloto(ruta: Path | None = None) -> AlmacenOxigraph:
    a = AlmacenOxigraph(ruta)
    arranque.iniciar(a)
    return a


@pytest.fixture(scope="session")
def almacen_api() -> Iterator[AlmacenOxigraph]:
    """Almacén en memoria con ontología, referencia, piloto y certificados (no lo modifique una prueba)."""
    yield almacen_piloto()


@pytest.fixture(scope="session")
def cliente(almacen_api: AlmacenOxigraph) -> Iterator[TestClient]:
    with TestClient(crear_app(configuracion(), almacen=almacen_api)) as c:
        yield c


@pytest.fixture(scope="module")
def mutable() -> Iterator[tuple[TestClient, AlmacenOxigraph]]:
    a = almacen_piloto()
    with TestClient(crear_app(configuracion(tamano_maximo_envio=64 * 1024), almacen=a)) as c:
        yield c, a


@pytest.fixture(scope="module")
def tokens(mutable: tuple[TestClient, AlmacenOxigraph]) -> dict[str, str]:
    """Un token por rol (y uno revocado), emitidos en el almacén mutable."""
    _, a = mutable
    salida = {
        "iest": acceso.emitir(a, rol="institucion", institucion="iest-piloto").token,
        "mtpe": acceso.emitir(a, rol="institucion", institucion="mtpe").token,
        "analista": acceso.emitir(a, rol="analista", institucion="minedu").token,
        "admin": acceso.emitir(a, rol="administrador").token,
    }
    revocado = acceso.emitir(a, rol="institucion", institucion="iest-piloto")
    acceso.revocar(a, revocado.credencial.id)
    salida["revocado"] = revocado.token
    return salida


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def servidor(almacen_api: AlmacenOxigraph) -> Iterator[str]:
    """URL base de un uvicorn real (hilo propio, bucle de eventos propio) sobre el almacén piloto."""
    puerto = _puerto_libre()
    config = uvicorn.Config(
        crear_app(configuracion(), almacen=almacen_api),
        host="127.0.0.1",
        port=puerto,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    hilo = threading.Thread(target=server.run, daemon=True)
    hilo.start()
    limite = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > limite or not hilo.is_alive():
            raise RuntimeError("uvicorn no arrancó")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{puerto}"
    server.should_exit = True
    hilo.join(timeout=10)
