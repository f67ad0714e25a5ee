"""``/id/…``: resolución de IRIs, negociación de contenido, ETag/304 y privacidad."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from tests.api.conftest import CERTIFICADO, ESTANDAR_MTPE, PERFIL_CL, PROGRAMA_IEST

RUTA_ESTANDAR = "/id/inst/mtpe/estandar/ECL-TEL-001"


@pytest.mark.parametrize(
    ("accept", "tipo", "formato_rdflib"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_negociacion_rdf(cliente, accept, tipo, formato_rdflib):
    r = cliente.get(RUTA_ESTANDAR, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(tipo)
    assert "Accept" in r.headers["vary"]
    g = Graph().parse(data=r.content, format=formato_rdflib)
    assert (URIRef(ESTANDAR_MTPE), SKOS.prefLabel, None) in g
    # Estructura un nivel hacia abajo: las unidades de competencia con su etiqueta.
    uc1 = URIRef(ESTANDAR_MTPE + "/uc/1")
    assert (uc1, SKOS.prefLabel, None) in g


def test_html_por_defecto_para_navegadores(cliente):
    r = cliente.get(RUTA_ESTANDAR, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "ECL-TEL-001" in r.text and '<html lang="es">' in r.text
    assert "default-src" in r.headers["content-security-policy"]
    assert 'href="/id/inst/mtpe/estandar/ECL-TEL-001/uc/1"' in r.text


@pytest.mark.parametrize(
    ("formato", "tipo"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
        ("html", "text/html"),
    ],
)
def test_parametro_formato_manda_sobre_accept(cliente, formato, tipo):
    r = cliente.get(f"{RUTA_ESTANDAR}?formato={formato}", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(tipo)


def test_jsonld_es_json_compacto(cliente):
    r = cliente.get("/id/marco/mncp", headers={"Accept": "application/ld+json"})
    datos = json.loads(r.content)
    assert "@context" in datos
    assert "reg" in datos["@context"]


def test_formato_desconocido_400(cliente):
    r = cliente.get(f"{RUTA_ESTANDAR}?formato=pdf")
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert "Formato desconocido" in r.json()["detail"]


def test_accept_imposible_406(cliente):
    r = cliente.get(RUTA_ESTANDAR, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert r.headers["content-type"] == "application/problem+json"
    assert "text/turtle" in r.json()["formatos"]


def test_desconocido_404_en_espanol(cliente):
    r = cliente.get("/id/inst/mtpe/estandar/NO-EXISTE", headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    cuerpo = r.json()
    assert cuerpo["status"] == 404 and cuerpo["title"] == "No encontrado"
    assert "No existe el recurso" in cuerpo["detail"]


@pytest.mark.parametrize(
    "ruta",
    [
        CERTIFICADO.replace("https://w3id.org/registro", ""),
        "/id/inst/ecl-telecom-pe/titular/T-7F3A2C",
    ],
)
def test_datos_personales_404(cliente, almacen_api, ruta):
    # El recurso existe (vista completa) pero no es público: se responde igual que a uno inexistente.
    iri = "https://w3id.org/registro" + ruta
    assert almacen_api.consultar(f"ASK {{ <{iri}> ?p ?o }}").booleano
    r = cliente.get(ruta, headers={"Accept": "text/turtle"})
    assert r.status_code == 404


def test_etag_y_304(cliente):
    r1 = cliente.get(RUTA_ESTANDAR, headers={"Accept": "text/turtle"})
    etag = r1.headers["etag"]
    assert etag.startswith('"') and len(etag) > 10
    r2 = cliente.get(RUTA_ESTANDAR, headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert r2.status_code == 304
    assert r2.content == b""
    assert r2.headers["etag"] == etag
    # Otro formato, otra representación: otro ETag, y el viejo no vale.
    r3 = cliente.get(RUTA_ESTANDAR, headers={"Accept": "application/n-triples", "If-None-Match": etag})
    assert r3.status_code == 200 and r3.headers["etag"] != etag


def test_head(cliente):
    r = cliente.head(RUTA_ESTANDAR, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["etag"] == cliente.get(RUTA_ESTANDAR, headers={"Accept": "text/turtle"}).headers["etag"]


@pytest.mark.parametrize(
    "iri",
    [
        PROGRAMA_IEST,
        PERFIL_CL,
        "https://w3id.org/registro/id/marco/mncp/nivel/4",
        "https://w3id.org/registro/id/inst/iest-piloto",
    ],
)
def test_iris_del_piloto_resuelven(cliente, iri):
    r = cliente.get(iri.replace("https://w3id.org/registro", ""), headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    assert f"<{iri}>" in r.text


def test_marco_muestra_sus_niveles(cliente):
    r = cliente.get("/id/marco/mncp", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.content, format="turtle")
    niveles = set(
        g.subjects(
            URIRef("https://w3id.org/registro/ontologia#marco"),
            URIRef("https://w3id.org/registro/id/marco/mncp"),
        )
    )
    assert len(niveles) == 8
