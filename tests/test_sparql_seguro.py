"""Analizador léxico del punto SPARQL público: lo que se rechaza y lo que no."""

from __future__ import annotations

import pytest

from registro.errores import ConsultaProhibida, ErrorConsulta
from registro.sparql_seguro import analizar, posicion_error, tokens


@pytest.mark.parametrize(
    "consulta",
    [
        "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
        "select * where { sErViCe silent <http://x/> { ?s ?p ?o } }",
        "SELECT * WHERE { # nada\nSERVICE <http://x/> { ?s ?p ?o } }",
        'SELECT * WHERE { ?s ?p ?o } #"\nSERVICE <x> { }',
        "SELECT * WHERE { ?s ?p ?o.SERVICE <http://x/> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERV\\u0049CE <http://x/> { ?s ?p ?o } }",
        'SELECT * WHERE { ?s ?p "a\\" b" . SERVICE <http://x/> { } }',
        "SELECT * WHERE { ?s ?p '''x''' SERVICE <http://x/> { } }",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "load <http://x/>",
        "DROP ALL",
        "CLEAR DEFAULT",
        "CREATE GRAPH <urn:g>",
        "ADD <urn:a> TO <urn:b>",
        "MOVE DEFAULT TO <urn:g>",
        "COPY <urn:a> TO <urn:b>",
        "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_prohibidas(consulta):
    with pytest.raises(ConsultaProhibida):
        analizar(consulta)


@pytest.mark.parametrize(
    "consulta",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://x> { }" }',
        "SELECT * WHERE { ?s ?p '''\nLOAD <x>\n''' }",
        "SELECT * WHERE { ?s <http://ex/SERVICE> ?o }",
        "SELECT * WHERE { # SERVICE <x> INSERT\n ?s ?p ?o }",
        "PREFIX service: <urn:x#> SELECT ?insert WHERE { ?service service:load ?insert }",
        "PREFIX : <urn:x#> SELECT * WHERE { :a :SERVICE ?o ; :drop ?d }",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
        'SELECT * WHERE { ?s ?p "x"@add }',
        "SELECT * WHERE { ?s ex:a\\'b ?o }",
    ],
)
def test_permitidas(consulta):
    assert analizar(consulta).forma == "SELECT"


def test_escape_fuera_de_literal_400():
    with pytest.raises(ErrorConsulta) as info:
        analizar("SELECT * WHERE { \\u003Fs ?p ?o }")
    assert not isinstance(info.value, ConsultaProhibida)


def test_forma_y_grafos_from():
    a = analizar(
        "PREFIX g: <https://w3id.org/registro/grafo/>\nCONSTRUCT { ?s ?p ?o } FROM g:referencia "
        "FROM NAMED <https://w3id.org/registro/grafo/ontologia> WHERE { ?s ?p ?o }"
    )
    assert a.forma == "CONSTRUCT"
    assert a.desde == ("https://w3id.org/registro/grafo/referencia",)
    assert a.desde_con_nombre == ("https://w3id.org/registro/grafo/ontologia",)
    assert analizar("ASK {}").forma == "ASK"
    assert analizar("DESCRIBE <urn:x>").forma == "DESCRIBE"


def test_posicion_del_error():
    assert posicion_error("error at 3:14: expected x") == (3, 14)
    assert posicion_error("otra cosa") is None
    assert [t.tipo for t in tokens('?x "a" <urn:b> # c\n d:e')] == ["var", "texto", "iri", "palabra"]
