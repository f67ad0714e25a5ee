"""Piezas compartidas por las pruebas de fiabilidad y seguridad (y por ``tests/hostiles``).

- ``clonar``: un almacén en disco (o en memoria) con el contenido exacto del piloto, en milisegundos,
  cargando su volcado N-Quads (construir el piloto validado cuesta ~8 s; se hace una vez por sesión).
- ``huella``: SHA-256 del volcado con las líneas ordenadas. Dentro de un mismo almacén los nodos en blanco
  conservan su identificador, así que «la huella no cambió» significa «no se escribió nada».
- ``ServidorHilo``: uvicorn de verdad en 127.0.0.1 (para concurrencia y clientes HTTP reales).
"""

from __future__ import annotations

import hashlib
import http.server
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox
import uvicorn

from registro import recursos
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.api import crear_app
from registro.configuracion import Configuracion

LIMITE = 2 * 1024 * 1024
"""Tamaño máximo de envío en estas pruebas (API e ingesta usan el mismo)."""

INST = "iest-piloto"
PROGRAMA = recursos.carpeta("datos_ttl") / "piloto" / "iest-piloto" / "programa-telecom.ttl"
"""Conjunto piloto ``iest-piloto/programa-telecom`` (clave ``programa-telecom``)."""

TITULARES = ("T-7F3A2C", "T-2B9D41")
"""Seudónimos de titulares del piloto (datos personales: nunca en respuestas públicas ni registros)."""
CERTIFICADO = "https://w3id.org/registro/id/inst/ecl-telecom-pe/certificado/CCL-TEL-2024-00117"


def configuracion(**cambios: object) -> Configuracion:
    """Configuración de prueba: sin límite de tasa ni procesos SPARQL salvo que la prueba los pida."""
    base = Configuracion(
        almacen="memoria",
        tamano_maximo_envio=LIMITE,
        tiempo_maximo_consulta=20.0,
        filas_maximas_consulta=1000,
        trabajadores_sparql=0,
        limite_tasa=0,
    )
    return base.con(**cambios)


def volcado(almacen: AlmacenOxigraph) -> bytes:
    return almacen.store.dump(format=ox.RdfFormat.N_QUADS)


def huella(almacen: AlmacenOxigraph) -> str:
    return hashlib.sha256(b"\n".join(sorted(volcado(almacen).splitlines()))).hexdigest()


def clonar(datos: bytes, ruta: Path | None = None) -> AlmacenOxigraph:
    """Almacén con exactamente ``datos`` (mismos identificadores de nodos en blanco: volcados comparables)."""
    a = AlmacenOxigraph(ruta)
    a.store.extend(ox.parse(datos, format=ox.RdfFormat.N_QUADS))
    a.invalidar_vista()
    return a


def programa_modificado(version: str) -> bytes:
    """El programa piloto con otra ``reg:version`` (contenido distinto → versión nueva)."""
    texto = PROGRAMA.read_text(encoding="utf-8")
    assert 'reg:version "2025"' in texto
    return texto.replace('reg:version "2025"', f'reg:version "{version}"', 1).encode("utf-8")


_ES = re.compile(r"[áéíóúñ¿¡]|\b(el|la|los|las|de|del|no|se|un|una|es|para|con|archivo|envío)\b", re.I)


def es_espanol(texto: str) -> bool:
    """Heurística: el mensaje está redactado en español (no es una traza ni un error crudo en inglés)."""
    return bool(_ES.search(texto)) and "Traceback" not in texto


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def servidor_hilo(
    almacen: AlmacenOxigraph, config: Configuracion, app: object | None = None
) -> Iterator[str]:
    """uvicorn en un hilo propio sobre ``almacen`` (o sobre ``app`` ya construida); devuelve la URL base."""
    puerto = puerto_libre()
    servidor = uvicorn.Server(
        uvicorn.Config(
            app or crear_app(config, almacen=almacen),  # type: ignore[arg-type]
            host="127.0.0.1",
            port=puerto,
            log_level="warning",
            lifespan="on",
        )
    )
    hilo = threading.Thread(target=servidor.run, daemon=True)
    hilo.start()
    limite = time.monotonic() + 60
    while not servidor.started:
        if time.monotonic() > limite or not hilo.is_alive():
            raise RuntimeError("uvicorn no arrancó")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{puerto}"
    finally:
        servidor.should_exit = True
        hilo.join(timeout=30)


class EspiaHttp(http.server.BaseHTTPRequestHandler):
    """Servidor espía: anota cada petición que recibe (para probar que nada sale hacia SERVICE/LOAD).

    Las pruebas comparan ``len(EspiaHttp.visitas)`` antes y después: la lista es de la clase.
    """

    visitas: ClassVar[list[str]] = []

    def _registrar(self) -> None:
        type(self).visitas.append(self.path)
        self.send_response(500)
        self.end_headers()

    do_GET = do_POST = _registrar

    def log_message(self, *_args: object) -> None:
        pass
