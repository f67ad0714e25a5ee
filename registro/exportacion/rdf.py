"""Exportaciones RDF: volcado completo, subconjunto público por país y vista pública en un grafo.

El subconjunto de un país se arma **por grafos**, no recurso a recurso: cada versión de envío
pertenece a una institución (``reg:institucion`` en ``grafo:registro``) y las reglas de propiedad
(DISENO §4) garantizan que un envío solo describe recursos de esa institución. Así, «lo de Perú»
es: la ontología, los datos de referencia, las versiones vigentes y públicas de las instituciones
peruanas y los metadatos de esas versiones. Los grafos se leen con ``GRAPH <g>`` en la vista
pública, de modo que un grafo privado nunca podría colarse aunque se pidiera por error.

Los cuádruplos se serializan con pyoxigraph (en Rust, por flujo), no con rdflib: a escala nacional
(~600 mil tripletas) rdflib tardaría decenas de segundos y cientos de MB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph, URIRef

from registro.almacen.base import Almacen, Vista, validar_iri, valores_sparql
from registro.exportacion._comun import (
    GRAFOS_COMUNES,
    Exportador,
    Opciones,
    grafo_publico,
    grafos_de_pais,
    pais_iri,
)
from registro.vocabulario import GRAFO_REGISTRO, PREFIJOS

_FORMATOS_OX = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}


def grafos_subconjunto(almacen: Almacen, pais: str) -> list[URIRef]:
    """Grafos (vigentes y públicos) que forman el subconjunto público del país ``pais``."""
    return [*GRAFOS_COMUNES, *grafos_de_pais(almacen, pais_iri(almacen, pais))]


def _tripletas(almacen: Almacen, sparql: str) -> Iterator[ox.Triple]:
    cuerpo, _ = almacen.consultar_serializado(sparql, "application/n-triples", Vista.PUBLICA)
    yield from ox.parse(cuerpo, format=ox.RdfFormat.N_TRIPLES)


def cuadruplos_subconjunto(almacen: Almacen, pais: str) -> Iterator[ox.Quad]:
    """Cuádruplos del subconjunto público de un país, grafo a grafo (y sus metadatos de versión)."""
    grafos = grafos_subconjunto(almacen, pais)
    for g in grafos:
        validar_iri(str(g))  # IRIs leídos del almacén; se validan antes de ir al texto SPARQL
        nombre = ox.NamedNode(str(g))
        consulta = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"
        for t in _tripletas(almacen, consulta):
            yield ox.Quad(t.subject, t.predicate, t.object, nombre)
    metadatos = (
        f"CONSTRUCT {{ ?g ?p ?o }} WHERE {{ GRAPH <{GRAFO_REGISTRO}> {{ ?g ?p ?o }} "
        f"VALUES ?g {{ {valores_sparql(grafos)} }} }}"
    )
    registro = ox.NamedNode(str(GRAFO_REGISTRO))
    for t in _tripletas(almacen, metadatos):
        yield ox.Quad(t.subject, t.predicate, t.object, registro)


def volcado(formato: str) -> Exportador:
    """Sin país: todo el almacén (administración). Con país: su subconjunto público."""
    fmt = _FORMATOS_OX[formato]

    def exportar(almacen: Almacen, destino: BinaryIO, opciones: Opciones | None = None) -> None:
        opciones = opciones or Opciones()
        if opciones.pais is None:
            almacen.volcar(destino, formato)
            return
        ox.serialize(cuadruplos_subconjunto(almacen, opciones.pais), destino, fmt, prefixes=PREFIJOS)

    exportar.__doc__ = f"{formato}: volcado completo o, con ``pais``, subconjunto público del país."
    return exportar


def grafo_de_pais(almacen: Almacen, pais: str) -> Graph:
    """Subconjunto público de un país fusionado en un único ``rdflib.Graph`` (sin grafo:registro)."""
    g = Graph()
    for prefijo, base in PREFIJOS.items():
        g.bind(prefijo, base)
    from registro.almacen.oxigraph import a_rdflib

    for q in cuadruplos_subconjunto(almacen, pais):
        if q.graph_name.value == str(GRAFO_REGISTRO):
            continue
        g.add((a_rdflib(q.subject), a_rdflib(q.predicate), a_rdflib(q.object)))
    return g


def publico(formato_rdflib: str) -> Exportador:
    """Vista pública vigente (o la de un país) en un solo grafo, serializada con rdflib."""

    def exportar(almacen: Almacen, destino: BinaryIO, opciones: Opciones | None = None) -> None:
        opciones = opciones or Opciones()
        g = grafo_publico(almacen) if opciones.pais is None else grafo_de_pais(almacen, opciones.pais)
        argumentos: dict[str, object] = {"auto_compact": True} if formato_rdflib == "json-ld" else {}
        destino.write(g.serialize(format=formato_rdflib, encoding="utf-8", **argumentos))

    exportar.__doc__ = f"Vista pública vigente en {formato_rdflib} (con ``pais``, solo ese país)."
    return exportar
