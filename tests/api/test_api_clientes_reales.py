"""Clientes SPARQL reales (SPARQLWrapper, ``SPARQLStore`` de rdflib) contra uvicorn en un puerto libre."""

from __future__ import annotations

from urllib.error import HTTPError

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from tests.api.conftest import PROGRAMA_IEST

REG = "https://w3id.org/registro/ontologia#"
SELECT = (
    f"SELECT ?p ?codigo WHERE {{ ?p a <{REG}ProgramaEstudios> ; <{REG}codigo> ?codigo }} ORDER BY ?codigo"
)


def test_sparqlwrapper_select_json_y_xml(servidor):
    sw = SPARQLWrapper(f"{servidor}/sparql")
    sw.setQuery(SELECT)
    sw.setReturnFormat(JSON)
    filas = sw.query().convert()["results"]["bindings"]
    assert PROGRAMA_IEST in {f["p"]["value"] for f in filas}
    sw.setReturnFormat(XML)
    documento = sw.query().convert()
    assert "PE-TEL-01" in documento.toxml()


def test_sparqlwrapper_post_y_construct(servidor):
    sw = SPARQLWrapper(f"{servidor}/sparql")
    sw.setMethod("POST")
    sw.setQuery(f"CONSTRUCT {{ ?p a <{REG}ProgramaEstudios> }} WHERE {{ ?p a <{REG}ProgramaEstudios> }}")
    sw.setReturnFormat(TURTLE)
    datos = sw.query().convert()
    g = Graph().parse(data=datos, format="turtle")
    assert (URIRef(PROGRAMA_IEST), RDF.type, URIRef(REG + "ProgramaEstudios")) in g


def test_sparqlwrapper_errores(servidor):
    sw = SPARQLWrapper(f"{servidor}/sparql")
    sw.setReturnFormat(JSON)
    sw.setQuery("SELECT * WHERE { ?s ?p ")
    with pytest.raises(QueryBadFormed):
        sw.query()
    sw.setQuery("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(HTTPError) as info:  # SPARQLWrapper no envuelve el 403
        sw.query()
    assert info.value.code == 403
    assert b"SERVICE" in info.value.read()


def test_sparqlstore_de_rdflib(servidor):
    g = Graph(store=SPARQLStore(f"{servidor}/sparql", returnFormat="xml"))
    codigos = {str(f.codigo) for f in g.query(SELECT)}
    assert {"PE-TEL-01", "CT-INST-01"} <= codigos
    etiquetas = list(g.objects(URIRef(PROGRAMA_IEST), SKOS.prefLabel))
    assert any(e.language == "es" for e in etiquetas)
    assert (URIRef(PROGRAMA_IEST), RDF.type, URIRef(REG + "ProgramaEstudios")) in g


def test_http_real_conneg_y_cabeceras(servidor):
    with httpx.Client(base_url=servidor) as c:
        r = c.get("/id/inst/iest-piloto/programa/PE-TEL-01", headers={"Accept": "text/turtle"})
        assert r.status_code == 200 and "PE-TEL-01" in r.text
        assert r.headers["x-content-type-options"] == "nosniff"
        r304 = c.get(
            "/id/inst/iest-piloto/programa/PE-TEL-01",
            headers={"Accept": "text/turtle", "If-None-Match": r.headers["etag"]},
        )
        assert r304.status_code == 304
        assert c.get("/salud").json()["estado"] == "ok"
