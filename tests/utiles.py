"""Utilidades de prueba: comparar almacenes por contenido (con nodos en blanco canonizados)."""

from __future__ import annotations

import io

from rdflib import Dataset, Graph
from rdflib.compare import to_canonical_graph

from registro.almacen.base import Almacen


def firma(almacen: Almacen) -> dict[str, tuple[str, ...]]:
    """Contenido de cada grafo como N-Triples ordenadas, con nodos en blanco canonizados.

    Dos almacenes con la misma firma contienen exactamente los mismos datos, aunque los nombres
    internos de los nodos en blanco difieran (p. ej. tras volcar y volver a cargar).
    """
    buf = io.BytesIO()
    almacen.volcar(buf, "nquads")
    ds = Dataset()
    ds.parse(data=buf.getvalue(), format="nquads")
    salida: dict[str, tuple[str, ...]] = {}
    for g in ds.graphs():
        if len(g) == 0:
            continue
        simple = Graph()
        for t in g:
            simple.add(t)
        canon = to_canonical_graph(simple)
        lineas = canon.serialize(format="nt", encoding="utf-8").decode().splitlines()
        salida[str(g.identifier)] = tuple(sorted(x for x in lineas if x.strip()))
    return salida
