"""``/id/…``: cada IRI del registro se resuelve aquí, con negociación de contenido.

``https://w3id.org/registro/id/{ruta}`` (el redireccionamiento de w3id apunta a este servidor) →
descripción del recurso en la vista vigente **pública**: sus tripletas, tipo/etiqueta/código de lo que
enlaza y la estructura un nivel hacia arriba y hacia abajo (``api-descripcion-recurso.rq``).
Un recurso que solo existe en grafos privados (certificados, titulares) no tiene tripletas públicas:
responde 404, igual que un IRI inexistente, para no revelar que existe.

Formatos: HTML (página sencilla en español; plantilla ``registro/plantillas/recurso.html``), JSON-LD,
Turtle, N-Triples y RDF/XML por ``Accept`` o por ``?formato=html|ttl|jsonld|nt|rdf``. Respuestas con
``ETag`` (huella del cuerpo), ``If-None-Match`` → 304 y ``Vary: Accept``.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from registro import vocabulario as voc
from registro.almacen.base import Vista, validar_iri
from registro.api.dependencias import Estado, EstadoRegistro
from registro.api.negociacion import coincide_etag, elegir, etiqueta_entidad
from registro.api.problemas import problema
from registro.api.rutas._comun import enlace, grafo_serializado
from registro.consultas import catalogo
from registro.errores import EntradaInvalida, NoEncontrado
from registro.formatos import compactar_iri
from registro.vocabulario import PREFIJOS, REG

router = APIRouter(tags=["Datos enlazados"])

FORMATOS: dict[str, str] = {
    "text/html": "html",
    "application/ld+json": "json-ld",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
"""Tipo MIME → serializador de rdflib, en orden de preferencia del servidor."""

_ALIAS_ACCEPT = {
    "application/xhtml+xml": "text/html",
    "application/json": "application/ld+json",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
}
_PARAMETRO_FORMATO = {
    "html": "text/html",
    "jsonld": "application/ld+json",
    "json": "application/ld+json",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    "xml": "application/rdf+xml",
}
_CSP_HTML = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'"
)


@router.api_route("/id/{ruta:path}", methods=["HEAD"], include_in_schema=False)
def resolver_cabeceras(
    ruta: str, request: Request, estado: Estado, formato: Annotated[str | None, Query()] = None
) -> Response:
    """HEAD: mismas cabeceras (``ETag`` incluido) sin cuerpo."""
    respuesta = resolver(ruta, request, estado, formato)
    return Response(status_code=respuesta.status_code, headers=dict(respuesta.headers))


@router.get(
    "/id/{ruta:path}",
    summary="Resolver un IRI del registro",
    description="Devuelve la descripción del recurso `https://w3id.org/registro/id/{ruta}` en la vista "
    "pública: HTML para navegadores, o RDF (JSON-LD, Turtle, N-Triples, RDF/XML) según `Accept` o "
    "`?formato=`. Admite `If-None-Match` (responde 304 si no cambió). Los datos personales nunca se "
    "publican: sus IRIs responden 404.",
    response_class=Response,
    responses={
        200: {
            "description": "Descripción del recurso.",
            "content": {m: {} for m in FORMATOS},
        },
        304: {"description": "No cambió desde el `ETag` indicado."},
        404: {"description": "El recurso no existe en la vista pública."},
        406: {"description": "Ningún formato disponible coincide con `Accept`."},
    },
)
def resolver(
    ruta: str,
    request: Request,
    estado: Estado,
    formato: Annotated[
        str | None,
        Query(description="Fuerza el formato: `html`, `jsonld`, `ttl`, `nt` o `rdf` (manda sobre `Accept`)."),
    ] = None,
) -> Response:
    iri = _iri_pedido(request, ruta)
    tipo = _tipo_pedido(request, formato)
    if tipo == "text/html":  # la cara HTML la dibuja la interfaz web (registro.web.paginas)
        from registro.web.paginas import pagina_recurso

        return pagina_recurso(request, iri)
    if tipo is None:
        return problema(
            406,
            "Ningún formato disponible coincide con la cabecera Accept. Formatos: "
            + ", ".join(FORMATOS)
            + " (o use ?formato=html|jsonld|ttl|nt|rdf).",
            instancia=request.url.path,
            extensiones={"formatos": list(FORMATOS)},
            cabeceras={"Vary": "Accept"},
        )
    if tipo == "text/html":
        cuerpo = _html(describir_publico(estado, iri), iri, estado.etiquetas).encode("utf-8")
    elif tipo == "application/ld+json":
        # JSON-LD compacto (con @context de los prefijos del registro): lo serializa rdflib.
        grafo = describir_publico(estado, iri)
        cuerpo = _serializar(grafo, iri, tipo, estado.etiquetas)
    else:
        # Camino rápido: Oxigraph construye y serializa en el trabajador; rdflib no interviene.
        respuesta = grafo_serializado(
            estado, "api-descripcion-recurso", {"recurso": URIRef(iri)}, tipo, sujeto=iri
        )
        if not respuesta.contiene_sujeto:
            raise _no_encontrado(iri)
        cuerpo = respuesta.cuerpo
    etag = etiqueta_entidad(cuerpo)
    cabeceras = {
        "ETag": etag,
        "Vary": "Accept",
        "Cache-Control": "no-cache",
        "Link": _alternativas(request.url.path),
    }
    frescura = estado.ejecutor.frescura()
    if frescura is not None:
        cabeceras.update(frescura.cabeceras())
    if tipo == "text/html":
        cabeceras["Content-Security-Policy"] = _CSP_HTML
    if coincide_etag(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=cabeceras)
    medio = f"{tipo}; charset=utf-8" if tipo in ("text/html", "text/turtle") else tipo
    return Response(content=cuerpo, media_type=medio, headers=cabeceras)


def _iri_pedido(request: Request, ruta: str) -> str:
    """IRI exacto pedido: se toma de la ruta *sin decodificar* (``%20`` sigue siendo ``%20``)."""
    crudo = request.scope.get("raw_path")
    resto = ruta
    if isinstance(crudo, bytes | bytearray):
        texto_crudo = crudo.decode("latin-1")
        posicion = texto_crudo.find("/id/")
        if posicion >= 0:
            resto = texto_crudo[posicion + 4 :]
    if not resto:
        raise NoEncontrado("Falta la ruta del recurso", detalle="Use /id/{ruta}, p. ej. /id/marco/mncp.")
    iri = str(voc.ID) + resto
    try:
        validar_iri(iri)
    except EntradaInvalida as exc:
        raise EntradaInvalida("La ruta pedida no forma un IRI válido", detalle=exc.detalle) from exc
    return iri


def _tipo_pedido(request: Request, formato: str | None) -> str | None:
    if formato is not None:
        tipo = _PARAMETRO_FORMATO.get(formato.strip().lower())
        if tipo is None:
            raise EntradaInvalida(
                f"Formato desconocido: «{formato}»",
                detalle="Valores admitidos para ?formato: html, jsonld, ttl, nt, rdf.",
            )
        return tipo
    return elegir(request.headers.get("accept"), list(FORMATOS), alias=_ALIAS_ACCEPT)


def describir(almacen: Any, iri: str) -> Graph:
    """Grafo de descripción del recurso (vista pública); ``NoEncontrado`` si no tiene tripletas.

    Evalúa en el almacén principal (sirve a quien no tiene un ``EstadoRegistro``, p. ej. la interfaz
    web); con muchas versiones es lento: dentro de la API use ``describir_publico``.
    """
    res = catalogo().ejecutar(almacen, "api-descripcion-recurso", {"recurso": URIRef(iri)}, Vista.PUBLICA)
    grafo = res.grafo if res.grafo is not None else Graph()
    if (URIRef(iri), None, None) not in grafo:
        raise _no_encontrado(iri)
    return grafo


def describir_publico(estado: EstadoRegistro, iri: str) -> Graph:
    """Como ``describir``, pero en la instantánea pública de los trabajadores (rápido a escala nacional)."""
    respuesta = grafo_serializado(
        estado, "api-descripcion-recurso", {"recurso": URIRef(iri)}, "application/n-triples", sujeto=iri
    )
    if not respuesta.contiene_sujeto:
        raise _no_encontrado(iri)
    return Graph().parse(data=respuesta.cuerpo, format="nt")


def _no_encontrado(iri: str) -> NoEncontrado:
    return NoEncontrado(
        f"No existe el recurso {iri}",
        detalle="Compruebe el código en la ruta, o busque en /api/estandares, /api/programas, "
        "/api/instituciones y /api/marcos.",
    )


def _serializar(grafo: Graph, iri: str, tipo: str, etiquetas: dict[str, str]) -> bytes:
    if tipo == "text/html":
        return _html(grafo, iri, etiquetas).encode("utf-8")
    for prefijo, base in PREFIJOS.items():
        grafo.bind(prefijo, base, override=True, replace=True)
    if tipo == "application/ld+json":
        return grafo.serialize(format="json-ld", context=_contexto(), auto_compact=True, encoding="utf-8")
    return grafo.serialize(format=FORMATOS[tipo], encoding="utf-8")


@cache
def _contexto() -> dict[str, str]:
    return dict(PREFIJOS)


def _alternativas(ruta: str) -> str:
    return ", ".join(
        f'<{ruta}?formato={corto}>; rel="alternate"; type="{tipo}"'
        for corto, tipo in (
            ("jsonld", "application/ld+json"),
            ("ttl", "text/turtle"),
            ("nt", "application/n-triples"),
            ("rdf", "application/rdf+xml"),
        )
    )


# --- HTML ---------------------------------------------------------------------------------------------
@cache
def _entorno() -> Environment:
    return Environment(
        loader=PackageLoader("registro", "plantillas"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _etiqueta(grafo: Graph, nodo: Any) -> str | None:
    mejor = None
    for propiedad in (SKOS.prefLabel, RDFS.label):
        for valor in grafo.objects(nodo, propiedad):
            if isinstance(valor, Literal) and valor.language == "es":
                return str(valor)
            mejor = mejor or str(valor)
    return mejor


def _nombre_termino(iri: Any, etiquetas: dict[str, str]) -> str:
    return etiquetas.get(str(iri)) or compactar_iri(str(iri))


def _valor_html(grafo: Graph, valor: Any) -> dict[str, Any]:
    if isinstance(valor, Literal):
        return {"texto": str(valor), "idioma": valor.language, "enlace": None}
    iri = str(valor)
    etiqueta = _etiqueta(grafo, valor)
    codigo = grafo.value(valor, REG.codigo)
    texto = etiqueta or compactar_iri(iri)
    if codigo is not None and etiqueta:
        texto = f"{codigo} — {etiqueta}"
    return {
        "texto": texto,
        "idioma": None,
        "enlace": enlace(iri) or (iri if iri.startswith("http") else None),
        "iri": iri,
    }


def _orden(grafo: Graph, nodo: Any) -> tuple:
    orden = grafo.value(nodo, REG.orden)
    numero = grafo.value(nodo, REG.numero)
    codigo = grafo.value(nodo, REG.codigo)
    return (
        int(orden) if orden is not None and str(orden).isdigit() else 10**9,
        str(numero or ""),
        str(codigo or ""),
        str(nodo),
    )


def _html(grafo: Graph, iri: str, etiquetas: dict[str, str]) -> str:
    sujeto = URIRef(iri)
    tipos = [_nombre_termino(t, etiquetas) for t in grafo.objects(sujeto, RDF.type)]
    propiedades: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p, o in sorted(grafo.predicate_objects(sujeto), key=lambda po: (str(po[0]), _orden(grafo, po[1]))):
        if p == RDF.type:
            continue
        propiedades[_nombre_termino(p, etiquetas)].append(_valor_html(grafo, o))
    relacionados: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s, p in grafo.subject_predicates(sujeto):
        if s == sujeto:
            continue
        relacionados[f"{_nombre_termino(p, etiquetas)} (de)"].append(_valor_html(grafo, s))
    for lista in relacionados.values():
        lista.sort(key=lambda v: v["texto"])
    return (
        _entorno()
        .get_template("recurso.html")
        .render(
            iri=iri,
            titulo=_etiqueta(grafo, sujeto) or compactar_iri(iri),
            codigo=grafo.value(sujeto, REG.codigo),
            tipos=tipos,
            propiedades=sorted(propiedades.items()),
            relacionados=sorted(relacionados.items()),
            ruta=enlace(iri),
        )
    )
