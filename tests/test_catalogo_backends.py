"""Cada consulta del catálogo da las mismas filas en cada backend que en Oxigraph embebido (el piloto).

Un analista puede ejecutar cualquier consulta de ``consultas_sparql/`` contra el almacén que use el
registro (``REGISTRO_ALMACEN``): aquí se ejecutan todas, con los valores de ejemplo del piloto
(``tests.utiles.EJEMPLOS``), en cada backend elegido y se comparan con un embebido en memoria. Así
aparecieron consultas de la web y de la API que en Virtuoso 7.2 no compilaban o perdían filas sin dar
error (p. ej. ``rdfs:subClassOf*`` unido a otros patrones; la lista está en docs/despliegue.md §3). Los
números se comparan redondeados a 10 decimales (Virtuoso divide con 13 cifras significativas), las fechas
de carga no se comparan y las columnas ``GROUP_CONCAT`` se comparan sin orden ni etiqueta de idioma.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from registro import arranque, consultas
from registro.almacen.base import Almacen, ResultadoConsulta
from registro.almacen.oxigraph import AlmacenOxigraph
from tests.conftest import _publicador
from tests.utiles import EJEMPLOS

_NUMERICOS = {XSD.integer, XSD.decimal, XSD.double, XSD.float}
_NO_DETERMINISTAS: dict[str, str] = {}
"""Consultas cuyo resultado puede variar entre motores sin ser un error (nombre → por qué)."""


@pytest.fixture(scope="module")
def piloto_embebido() -> Iterator[Almacen]:
    """La referencia: el piloto en un Oxigraph embebido en memoria (el del backend embebido está en disco)."""
    a = AlmacenOxigraph(None)
    arranque.iniciar(a, publicador=_publicador())
    yield a
    a.cerrar()


def _parametros(nombre: str) -> dict[str, object]:
    c = consultas.catalogo().obtener(nombre)
    salida: dict[str, object] = {}
    for p in c.parametros:
        if p.opcional and p.nombre not in EJEMPLOS:
            continue
        salida[p.nombre] = consultas.convertir_parametro(p, EJEMPLOS[p.nombre])
    return salida


def _termino(t: object) -> str:
    if isinstance(t, BNode):
        return "_:b"  # las etiquetas de los nodos en blanco son de cada motor
    if isinstance(t, Literal) and t.datatype == XSD.dateTime:
        return "fecha"  # momento de la carga: cada almacén se cargó en otro segundo
    if isinstance(t, Literal) and t.datatype in _NUMERICOS:
        try:
            return str(Decimal(str(t)).quantize(Decimal("1e-10")))
        except ArithmeticError:
            return str(t)
    if isinstance(t, Literal) and t.language:
        return f"{t}@{t.language.lower()}"
    if isinstance(t, URIRef | Literal):
        return f"{t}^^{getattr(t, 'datatype', None)}"
    return str(t)


_CONCATENADAS = re.compile(
    r'GROUP_CONCAT\((?:DISTINCT\s+)?[^;]*;\s*separator\s*=\s*"((?:[^"\\]|\\.)*)"\)\s+AS\s+\?(\w+)', re.I
)


def _concatenadas(consulta: str) -> dict[str, str]:
    """Columnas ``GROUP_CONCAT`` de la consulta → separador. Su orden no está definido (SPARQL 1.1,
    18.5.1.7) y Oxigraph da una etiqueta de idioma si todas las partes la tienen; Virtuoso, una cadena."""
    texto = consultas.catalogo().obtener(consulta).texto
    return {col: sep.encode().decode("unicode_escape") for sep, col in _CONCATENADAS.findall(texto)}


def _comparable(r: ResultadoConsulta, concatenadas: dict[str, str]) -> object:
    if r.tipo == "booleano":
        return r.booleano
    if r.tipo == "grafo":
        assert r.grafo is not None
        return sorted(tuple(_termino(x) for x in t) for t in r.grafo)
    return sorted(
        tuple(
            sorted(
                (k, " | ".join(sorted(str(v).split(concatenadas[k]))) if k in concatenadas else _termino(v))
                for k, v in f.items()
            )
        )
        for f in r.filas
    )


@pytest.mark.parametrize("consulta", [c.nombre for c in consultas.catalogo()])
def test_misma_respuesta_que_el_embebido(almacen_piloto, piloto_embebido, backend, consulta):
    if consulta in _NO_DETERMINISTAS:
        pytest.skip(_NO_DETERMINISTAS[consulta])
    cat = consultas.catalogo()
    params = _parametros(consulta)
    concatenadas = _concatenadas(consulta)
    esperado = _comparable(cat.ejecutar(piloto_embebido, consulta, params), concatenadas)  # type: ignore[arg-type]
    obtenido = _comparable(cat.ejecutar(almacen_piloto, consulta, params), concatenadas)  # type: ignore[arg-type]
    if obtenido != esperado and isinstance(obtenido, list) and isinstance(esperado, list):
        sobran = [f for f in obtenido if f not in esperado][:3]
        faltan = [f for f in esperado if f not in obtenido][:3]
        pytest.fail(f"{len(obtenido)} filas frente a {len(esperado)}; sobran {sobran}; faltan {faltan}")
    assert obtenido == esperado
