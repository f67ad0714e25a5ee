"""Historial de versiones de un recurso (página web) y conjunto de un recurso, en cada backend.

Las dos consultas (``web-versiones-recurso``, ``grafos-de-recursos``) se ejecutan sin conjunto de datos
(``Vista.TODO``): con una vista, un almacén remoto enviaba todas las versiones como ``named-graph-uri``
(Virtuoso no admite más de ~2.000). Por eso el filtro de versiones públicas está en la consulta: aquí se
comprueba que una versión privada que describe el recurso nunca aparece en la página pública.
"""

from __future__ import annotations

import hashlib

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from registro import conjuntos, versiones
from registro.almacen.base import Almacen
from registro.vocabulario import ID, REG
from registro.web import datos

_PROGRAMA = URIRef(f"{ID}inst/inst-v/programa/PV-1")


def _publicar(a: Almacen, clave: str, etiqueta: str, *, publico: bool) -> versiones.Version:
    g = Graph()
    g.add((_PROGRAMA, RDF.type, REG.ProgramaEstudios))
    g.add((_PROGRAMA, REG.codigo, Literal(etiqueta)))
    return versiones.publicar(
        a, "inst-v", clave, g, sha256=hashlib.sha256(etiqueta.encode()).hexdigest(), publico=publico
    )


def test_historial_solo_con_versiones_publicas(almacen_memoria: Almacen) -> None:
    v1 = _publicar(almacen_memoria, "publico", "PV-1", publico=True)
    v2 = _publicar(almacen_memoria, "publico", "PV-1 bis", publico=True)
    privada = _publicar(almacen_memoria, "privado", "PV-1 interno", publico=False)
    historial = datos.versiones_de(almacen_memoria, str(_PROGRAMA))
    assert [(h.numero, h.grafo, h.vigente) for h in historial] == [
        (2, str(v2.grafo), True),
        (1, str(v1.grafo), False),
    ]
    assert str(privada.grafo) not in {h.grafo for h in historial}


def test_conjunto_de_un_recurso_es_su_version_vigente(almacen_memoria: Almacen) -> None:
    _publicar(almacen_memoria, "publico", "PV-1", publico=True)
    v2 = _publicar(almacen_memoria, "publico", "PV-1 bis", publico=True)
    c = conjuntos.conjunto_de(almacen_memoria, str(_PROGRAMA))
    assert (c.institucion, c.clave, c.grafo) == ("inst-v", "publico", str(v2.grafo))
