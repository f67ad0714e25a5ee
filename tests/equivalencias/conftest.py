"""Utilidades de las pruebas de equivalencias: cargar escenarios TriG pequeños en un almacén.

Cada escenario de ``tests/datos/equivalencias/`` es un TriG cuyos grafos dicen adónde van: los grafos
fijos (``grafo:ontologia``, ``grafo:referencia``, ``grafo:privado/certificados``) se sustituyen y se
registran como vigentes; un grafo ``grafo:envio/{inst}/{clave}/v{n}`` se publica como versión del
conjunto ``clave`` de ``inst`` por la misma vía que un envío (``versiones.publicar``), para que las
pruebas vean versiones vigentes y resultados que se desactualizan como en producción.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from registro import arranque, versiones
from registro.almacen.base import Almacen
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.vocabulario import (
    GRAFO,
    GRAFO_CERTIFICADOS,
    GRAFO_ONTOLOGIA,
    GRAFO_REFERENCIA,
    GRAFO_RESULTADOS,
)

DATOS = Path(__file__).resolve().parent.parent / "datos" / "equivalencias"
_FIJOS = {GRAFO_ONTOLOGIA: True, GRAFO_REFERENCIA: True, GRAFO_CERTIFICADOS: False}


def leer_trig(nombre: str) -> Dataset:
    ds = Dataset()
    ds.parse(data=(DATOS / nombre).read_bytes(), format="trig")
    return ds


def cargar_escenario(almacen: Almacen, *nombres: str) -> None:
    """Carga ``_base.trig`` y los escenarios pedidos (los grafos fijos se acumulan)."""
    fijos: dict[URIRef, Graph] = {}
    envios: list[tuple[str, str, Graph]] = []
    for nombre in ("_base.trig", *nombres):
        for g in leer_trig(nombre).graphs():
            iri = str(g.identifier)
            if URIRef(iri) in _FIJOS:
                fijos.setdefault(URIRef(iri), Graph())
                fijos[URIRef(iri)] += g
            elif iri.startswith(f"{GRAFO}envio/"):
                inst, clave, _v = iri[len(f"{GRAFO}envio/") :].split("/")
                copia = Graph()
                copia += g
                envios.append((inst, clave, copia))
    extra = [versiones.registrar_grafo_fijo(g, publico=p) for g, p in _FIJOS.items() if g in fijos]
    extra.append(versiones.registrar_grafo_fijo(GRAFO_RESULTADOS, publico=False))
    almacen.reemplazar_grafos(fijos, " ;\n".join(extra))
    for inst, clave, g in envios:
        publicar(almacen, inst, clave, g)


def publicar(almacen: Almacen, inst: str, clave: str, g: Graph) -> versiones.Version:
    contenido = g.serialize(format="nt", encoding="utf-8")
    return versiones.publicar(almacen, inst, clave, g, sha256=versiones.huella(contenido))


@pytest.fixture(params=["memoria", "disco"])
def almacen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Almacen]:
    """El mismo almacén Oxigraph en memoria y embebido en disco: las pruebas corren en los dos."""
    a = AlmacenOxigraph(None if request.param == "memoria" else tmp_path / "almacen")
    yield a
    a.cerrar()


@pytest.fixture
def escenario(almacen: Almacen) -> Callable[..., Almacen]:
    def cargar(*nombres: str) -> Almacen:
        cargar_escenario(almacen, *nombres)
        return almacen

    return cargar


@pytest.fixture(scope="module")
def piloto() -> Iterator[Almacen]:
    """El piloto en un Oxigraph embebido en memoria (solo lectura), uno por módulo de pruebas."""
    a = AlmacenOxigraph(None)
    arranque.iniciar(a)
    yield a
    a.cerrar()
