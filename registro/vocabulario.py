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
# Uniones materializadas de las versiones vigentes (públicas / privadas): el grafo por defecto de las
# consultas es una lista corta de grafos aunque haya miles de versiones (ver almacen.base).
GRAFO_VIGENTE_PUBLICO = GRAFO["vigente/publico"]
GRAFO_VIGENTE_PRIVADO = GRAFO["vigente/privado"]
GRAFO_CREDENCIALES = GRAFO["privado/credenciales"]
"""Credenciales de la API (solo huellas SHA-256 de los tokens): nunca en vistas ni exportaciones."""
GRAFO_SOLICITUDES = GRAFO["privado/solicitudes"]
"""Solicitudes de reconocimiento, su historial PROV, decisiones y secuencias de numeración (privado)."""

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


def resultado_unidad(identificador: str, numero: int) -> URIRef:
    """Parte de un resultado referida a una unidad de decisión (``id:resultado/{uuid}/unidad/{n}``)."""
    return recurso("resultado", identificador, "unidad", str(int(numero)))


def correspondencia(matriz: str, numero: int) -> URIRef:
    """Correspondencia ``n`` de una matriz (``…/matriz/{cod}/c/{n}``), bajo el IRI de la matriz.

    Solo acepta matrices del registro (``id:inst/{inst}/matriz/…``): así una hoja editada no puede
    acuñar correspondencias fuera del espacio de la institución.
    """
    if not es_del_registro(matriz) or "/matriz/" not in matriz:
        raise ValueError(f"no es el IRI de una matriz del registro: {matriz!r}")
    return URIRef(f"{matriz.rstrip('/')}/c/{int(numero)}")


def matriz(codigo_inst: str, codigo: str) -> URIRef:
    """IRI de una matriz de equivalencia de una institución (``id:inst/{inst}/matriz/{cod}``)."""
    return de_institucion(codigo_inst, "matriz", codigo)


def credencial(identificador: str) -> URIRef:
    """IRI de una credencial de la API (vive solo en ``grafo:privado/credenciales``)."""
    return recurso("credencial", identificador)


def agente(codigo: str) -> URIRef:
    """Agente que no es una institución ni una credencial (``id:agente/{cod}``), p. ej. quien usa la CLI."""
    return recurso("agente", codigo)


def solicitud(codigo_inst: str, anio: int, numero: int) -> URIRef:
    """Solicitud ``n`` del año ``anio`` de una institución (``id:inst/{inst}/solicitud/{anio}-{n}``)."""
    return de_institucion(codigo_inst, "solicitud", f"{int(anio)}-{int(numero)}")


def _parte_de_solicitud(solicitud_iri: str, *partes: str) -> URIRef:
    """Recurso subordinado a una solicitud; solo acepta IRIs de solicitud del registro."""
    if not es_del_registro(solicitud_iri) or "/solicitud/" not in solicitud_iri:
        raise ValueError(f"no es el IRI de una solicitud del registro: {solicitud_iri!r}")
    base = solicitud_iri.rstrip("/").split("/decision/", 1)[0]
    return URIRef(base + "/" + "/".join(segmento(p) for p in partes))


def paso_solicitud(solicitud_iri: str, numero: int) -> URIRef:
    """Transición ``n`` (actividad PROV) del historial de una solicitud (``…/solicitud/{id}/paso/{n}``)."""
    return _parte_de_solicitud(solicitud_iri, "paso", str(int(numero)))


def decision_solicitud(solicitud_iri: str, numero: int) -> URIRef:
    """Decisión ``k`` de la comisión sobre una solicitud (``…/solicitud/{id}/decision/{k}``); la 2.ª y
    siguientes resuelven apelaciones y nunca sustituyen a las anteriores."""
    return _parte_de_solicitud(solicitud_iri, "decision", str(int(numero)))


def ajuste_decision(decision_iri: str, numero: int) -> URIRef:
    """Ajuste ``m`` de una decisión sobre una unidad (``…/decision/{k}/ajuste/{m}``)."""
    es_decision = "/solicitud/" in decision_iri and "/decision/" in decision_iri
    if not es_del_registro(decision_iri) or not es_decision:
        raise ValueError(f"no es el IRI de una decisión del registro: {decision_iri!r}")
    return URIRef(f"{decision_iri.rstrip('/')}/ajuste/{int(numero)}")


def secuencia(codigo_inst: str, tipo: str, anio: int) -> URIRef:
    """Contador de numeración por institución, tipo y año (``id:inst/{inst}/secuencia/{tipo}/{anio}``)."""
    return de_institucion(codigo_inst, "secuencia", tipo, str(int(anio)))


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
