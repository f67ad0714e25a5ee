"""Fixtures compartidas: almacenes reales y el registro piloto, en cada backend de almacén.

Las fixtures de almacén (``almacen_memoria``, ``almacen_disco``, ``almacen_referencia``,
``almacen_piloto``, ``almacen_piloto_mutable`` y ``fabrica_almacen``) se parametrizan sobre los
backends elegidos, para que la MISMA prueba corra en todos:

* ``embebido``: Oxigraph embebido (``memoria`` en memoria; el resto en disco);
* ``oxigraph``: el servidor ``oxigraph`` (PyPI) en 127.0.0.1 y un puerto libre;
* ``virtuoso``: Virtuoso de Debian, configurado por ``tests/servidores.py``.

Elección: ``pytest --backends embebido,oxigraph`` o ``REGISTRO_BACKENDS_PRUEBA``; por defecto, los
tres (un servidor que no está instalado o no arranca se omite con el motivo). Cada servidor se arranca
una vez por sesión y solo si alguna prueba lo pide: uno para el piloto de solo lectura y otro
«mutable» que se vacía antes de cada fixture de función. En un backend remoto una prueba no debe pedir
dos almacenes mutables a la vez (comparten ese servidor).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from registro import arranque
from registro.almacen.base import Almacen
from registro.almacen.oxigraph import AlmacenOxigraph
from tests.servidores import Servidor, ServidorNoDisponible, iniciar_oxigraph, iniciar_virtuoso

RAIZ = Path(__file__).resolve().parent.parent
DATOS_PRUEBA = Path(__file__).resolve().parent / "datos"

BACKENDS = ("embebido", "oxigraph", "virtuoso")
_FIXTURES_ALMACEN = {
    "almacen_memoria",
    "almacen_disco",
    "almacen_referencia",
    "almacen_piloto",
    "almacen_piloto_mutable",
    "fabrica_almacen",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backends",
        default=None,
        help="Backends de almacén para las pruebas del almacén, separados por comas "
        f"({', '.join(BACKENDS)}); por defecto REGISTRO_BACKENDS_PRUEBA o todos.",
    )


def _backends_elegidos(config: pytest.Config) -> list[str]:
    crudo = (
        config.getoption("--backends") or os.environ.get("REGISTRO_BACKENDS_PRUEBA") or ",".join(BACKENDS)
    )
    elegidos = [b.strip() for b in crudo.split(",") if b.strip()]
    desconocidos = [b for b in elegidos if b not in BACKENDS]
    if desconocidos:
        raise pytest.UsageError(
            f"Backends desconocidos: {', '.join(desconocidos)} (use {', '.join(BACKENDS)})"
        )
    return elegidos


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if _FIXTURES_ALMACEN & set(metafunc.fixturenames):
        params = [
            b if b == "embebido" else pytest.param(b, marks=pytest.mark.servidor)
            for b in _backends_elegidos(metafunc.config)
        ]
        metafunc.parametrize("backend", params, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """Nombre del backend de almacén de esta parametrización."""
    return request.param


class _Servidores:
    """Servidores de prueba arrancados a demanda (uno por tipo y rol) y detenidos al final."""

    def __init__(self, carpeta: Path) -> None:
        self._carpeta = carpeta
        self._activos: dict[tuple[str, str], Servidor] = {}
        self._fallos: dict[str, str] = {}

    def obtener(self, tipo: str, rol: str) -> Servidor:
        if tipo in self._fallos:
            pytest.skip(f"servidor {tipo} no disponible: {self._fallos[tipo]}")
        clave = (tipo, rol)
        if clave not in self._activos:
            carpeta = self._carpeta / f"{tipo}-{rol}"
            try:
                srv = iniciar_oxigraph(carpeta) if tipo == "oxigraph" else iniciar_virtuoso(carpeta)
            except ServidorNoDisponible as exc:
                self._fallos[tipo] = str(exc)
                pytest.skip(f"servidor {tipo} no disponible: {exc}")
            self._activos[clave] = srv
        return self._activos[clave]

    def detener(self) -> None:
        for srv in self._activos.values():
            srv.detener()


@pytest.fixture(scope="session")
def servidores_prueba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Servidores]:
    gestor = _Servidores(tmp_path_factory.mktemp("servidores"))
    yield gestor
    gestor.detener()


def _remoto(srv: Servidor) -> Almacen:
    from registro.almacen.remoto import AlmacenRemoto

    return AlmacenRemoto(srv.url, usuario=srv.usuario, clave=srv.clave, perfil=srv.tipo, lote_carga=2_000)


def _crear(
    backend: str, servidores: _Servidores, ruta: Path | None, rol: str = "mutable"
) -> Almacen:
    """Un almacén vacío del backend: carpeta nueva (embebido) o servidor vaciado (remoto)."""
    if backend == "embebido":
        return AlmacenOxigraph(ruta)
    srv = servidores.obtener(backend, rol)
    srv.vaciar()
    return _remoto(srv)


def _publicador():
    try:
        from registro import ingesta
    except ImportError:
        return None
    return getattr(ingesta, "publicar_piloto", None)


@pytest.fixture
def almacen_memoria(backend: str, servidores_prueba: _Servidores) -> Iterator[Almacen]:
    """Almacén vacío y rápido (Oxigraph en memoria en el backend embebido)."""
    a = _crear(backend, servidores_prueba, None)
    yield a
    a.cerrar()


@pytest.fixture
def almacen_disco(backend: str, servidores_prueba: _Servidores, tmp_path: Path) -> Iterator[Almacen]:
    """Almacén vacío persistente (en disco en el embebido)."""
    a = _crear(backend, servidores_prueba, tmp_path / "almacen")
    yield a
    a.cerrar()


@pytest.fixture
def fabrica_almacen(
    backend: str, servidores_prueba: _Servidores, tmp_path: Path
) -> Iterator[Callable[[], Almacen]]:
    """Crea almacenes vacíos adicionales del mismo backend (p. ej. destino de un volcado)."""
    creados: list[Almacen] = []

    def crear() -> Almacen:
        a = _crear(backend, servidores_prueba, tmp_path / f"extra-{len(creados)}")
        creados.append(a)
        return a

    yield crear
    for a in creados:
        a.cerrar()


@pytest.fixture
def almacen_referencia(backend: str, servidores_prueba: _Servidores, tmp_path: Path) -> Iterator[Almacen]:
    """Almacén con ontología y datos de referencia, sin piloto."""
    a = _crear(backend, servidores_prueba, tmp_path / "almacen-ref")
    arranque.iniciar(a, con_piloto=False)
    yield a
    a.cerrar()


@pytest.fixture(scope="session")
def almacen_piloto(
    backend: str, servidores_prueba: _Servidores, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Almacen]:
    """Almacén con ontología, referencia y piloto (solo lectura: no lo modifique una prueba)."""
    a = _crear(backend, servidores_prueba, tmp_path_factory.mktemp("piloto") / "almacen", rol="piloto")
    arranque.iniciar(a, publicador=_publicador())
    yield a
    a.cerrar()


@pytest.fixture
def almacen_piloto_mutable(backend: str, servidores_prueba: _Servidores, tmp_path: Path) -> Iterator[Almacen]:
    """Almacén con el piloto, propio de la prueba (puede escribirse)."""
    a = _crear(backend, servidores_prueba, tmp_path / "almacen-piloto")
    arranque.iniciar(a, publicador=_publicador())
    yield a
    a.cerrar()
