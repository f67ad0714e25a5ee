"""Espacios de nombres y el único lugar donde se acuñan IRIs del registro.

Todos los IRIs de recursos siguen el esquema de ``docs/modelo.md``. Acuñarlos aquí garantiza que un
código con caracteres raros nunca produzca un IRI inválido ni permita escapar del espacio de nombres
de una institución (p. ej. un código ``../mtpe``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/registro/"
REG = Namespace(BASE + "ontologia#")
REGSH = Namespace(BASE + "formas#")
ID = Namespace(BASE + "id/")
GRAFO = Namespace(BASE + "grafo/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
ELM = Namespace("http://data.europa.eu/snb/model/elm/")
ESCO = Namespace("http://data.europa.eu/esco/model#")
CETERMS = Namespace("https://purl.org/ctdl/terms/")
CEASN = Namespace("https://purl.org/ctdlasn/terms/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")

PREFIJOS: dict[str, str] = {
    "reg": str(REG),
    "regsh": str(REGSH),
    "id": str(ID),
    "grafo": str(GRAFO),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "prov": str(PROV),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "dcat": str(DCAT),
    "semapv": str(SEMAPV),
    "elm": str(ELM),
    "esco": str(ESCO),
    "ceterms": str(CETERMS),
    "ceasn": str(CEASN),
    "org": str(ORG),
    "schema": str(SCHEMA),
}

# Grafos fijos (docs/modelo.md, «Grafos con nombre»).
GRAFO_ONTOLOGIA = GRAFO["ontologia"]
GRAFO_REFERENCIA = GRAFO["referencia"]
GRAFO_REGISTRO = GRAFO["registro"]
GRAFO_CERTIFICADOS = GRAFO["privado/certificados"]
GRAFO_RESULTADOS = GRAFO["resultados"]
GRAFO_CREDENCIALES = GRAFO["privado/credenciales"]
"""Credenciales de la API (solo huellas SHA-256 de los tokens): nunca en vistas ni exportaciones."""

_SEGURO = re.compile(r"^[A-Za-z0-9._~-]+$")


def segmento(codigo: str) -> str:
    """Convierte un código en un segmento de ruta seguro (nunca ``.``/``..``, nunca ``/``)."""
    codigo = codigo.strip()
    if not codigo:
        raise ValueError("un código vacío no puede formar parte de un IRI")
    if codigo in {".", ".."}:
        return codigo.replace(".", "%2E")
    if _SEGURO.match(codigo):
        return codigo
    return quote(codigo, safe="")


def recurso(*partes: str) -> URIRef:
    """IRI de un recurso bajo ``id:``; cada parte se codifica como un segmento."""
    return URIRef(str(ID) + "/".join(segmento(p) for p in partes))


def institucion(codigo: str) -> URIRef:
    """IRI de una institución del registro de instituciones (``id:inst/{cod}``)."""
    return recurso("inst", codigo)


def espacio_institucion(codigo: str) -> str:
    """Prefijo de IRIs que pertenecen a una institución: un envío solo puede describir estos."""
    return str(institucion(codigo)) + "/"


def de_institucion(codigo_inst: str, *partes: str) -> URIRef:
    """IRI de un recurso propio de una institución (``id:inst/{cod}/…``)."""
    return recurso("inst", codigo_inst, *partes)


def grafo_envio(codigo_inst: str, clave: str, numero: int) -> URIRef:
    """Grafo con nombre de la versión ``numero`` del conjunto ``clave`` de una institución."""
    return URIRef(f"{GRAFO}envio/{segmento(codigo_inst)}/{segmento(clave)}/v{int(numero)}")


def nivel(marco: str, numero: int) -> URIRef:
    return recurso("marco", marco, "nivel", str(int(numero)))


def valoracion(nombre: str) -> URIRef:
    return recurso("valoracion", nombre)


def estado(nombre: str) -> URIRef:
    return recurso("estado", nombre)


def regla(codigo: str) -> URIRef:
    return recurso("regla", codigo)


def resultado(identificador: str) -> URIRef:
    return recurso("resultado", identificador)


def credencial(identificador: str) -> URIRef:
    """IRI de una credencial de la API (vive solo en ``grafo:privado/credenciales``)."""
    return recurso("credencial", identificador)


def es_del_registro(iri: str) -> bool:
    """Verdadero si el IRI lo acuña este registro (se resuelve bajo ``/id/…``)."""
    return iri.startswith(str(ID))


def codigo_institucion_de(iri: str) -> str | None:
    """Código de la institución dueña de un IRI ``id:inst/{cod}/…`` (o ``None``)."""
    prefijo = str(ID) + "inst/"
    if not iri.startswith(prefijo):
        return None
    resto = iri[len(prefijo):]
    return resto.split("/", 1)[0] or None
