"""Catálogo DCAT (Turtle) de los conjuntos de datos vigentes del registro y de sus descargas.

Modelo (DCAT 3):

- ``id:catalogo`` es el ``dcat:Catalog`` del registro.
- Cada **grafo vigente y público** es un ``dcat:Dataset`` cuyo IRI es el del grafo con nombre (la
  versión de envío ``grafo:envio/{inst}/{clave}/v{n}``, o ``grafo:referencia``/``grafo:ontologia``):
  así el catálogo nombra exactamente lo que se consulta con ``GRAPH <…>`` en ``/sparql``. Lleva
  ``dct:publisher`` (la institución), ``dct:modified`` (fecha de la versión), ``dct:spatial`` (el país,
  en la lista de países de la UE cuando la referencia da la equivalencia), ``dcat:version`` y
  ``prov:wasRevisionOf``.
- Cada conjunto tiene dos distribuciones: el **subconjunto público de su país** en TriG
  (``/api/exportaciones/trig?pais=XX``, que lo contiene) y el acceso por el **punto SPARQL**.
- ``id:conjunto/registro-publico`` es el conjunto «registro público completo», con una distribución
  por exportación pública (ELM, SSSOM, CSV, JSON-LD, Turtle, DCAT).
- El punto ``/sparql`` es un ``dcat:DataService`` que sirve todos los conjuntos.

Los enlaces de descarga usan ``Configuracion.base_publica``.
"""

from __future__ import annotations

from typing import BinaryIO

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, SKOS, XSD

from registro import consultas
from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista
from registro.exportacion._comun import Opciones, grafos_publicos, pais_iri, textos
from registro.vocabulario import GRAFO_ONTOLOGIA, GRAFO_REFERENCIA, REG

PREFIJO_PAIS_UE = "http://publications.europa.eu/resource/authority/country/"
_IANA = "https://www.iana.org/assignments/media-types/"

_TITULOS_FIJOS = {
    GRAFO_ONTOLOGIA: ("Ontología y formas SHACL del registro", "Registry ontology and SHACL shapes"),
    GRAFO_REFERENCIA: (
        "Datos de referencia: marcos, clasificaciones, reglas e instituciones",
        "Reference data: frameworks, classifications, rules and institutions",
    ),
}

_EXPORTACIONES_PUBLICAS = ("elm", "sssom", "csv", "jsonld", "turtle", "dcat")


def exportar(almacen: Almacen, destino: BinaryIO, opciones: Opciones | None = None) -> None:
    """Escribe el catálogo DCAT en Turtle (con ``pais``, solo los conjuntos de ese país y los comunes)."""
    opciones = opciones or Opciones()
    destino.write(grafo_dcat(almacen, opciones).serialize(format="turtle", encoding="utf-8"))


def grafo_dcat(almacen: Almacen, opciones: Opciones) -> Graph:
    """Construye el catálogo a partir de ``grafo:registro`` y de la referencia (vista pública)."""
    from registro.exportacion import DESCRIPCIONES, EXPORTADORES

    base = opciones.base_publica.rstrip("/")
    filtro_pais = pais_iri(almacen, opciones.pais) if opciones.pais else None
    g = Graph()
    for prefijo, ns in {
        "dcat": DCAT,
        "dct": DCTERMS,
        "foaf": FOAF,
        "prov": PROV,
        "xsd": XSD,
        "skos": SKOS,
        "id": voc.ID,
        "grafo": voc.GRAFO,
        "reg": REG,
    }.items():
        g.bind(prefijo, ns)
    referencia = _referencia(almacen)
    catalogo = voc.recurso("catalogo")
    g.add((catalogo, RDF.type, DCAT.Catalog))
    g.add((catalogo, DCTERMS.title, Literal("Registro de cualificaciones Perú – Chile", lang="es")))
    g.add((catalogo, DCTERMS.title, Literal("Peru – Chile qualifications registry", lang="en")))
    g.add(
        (
            catalogo,
            DCTERMS.description,
            Literal(
                "Normas de competencia laboral, programas de estudio, matrices de equivalencia y mapeos "
                "entre países, como datos enlazados. Cada conjunto es la versión vigente de un envío "
                "institucional.",
                lang="es",
            ),
        )
    )
    g.add((catalogo, FOAF.homepage, URIRef(f"{base}/")))
    servicio = URIRef(f"{base}/sparql")
    g.add((catalogo, DCAT.service, servicio))
    g.add((servicio, RDF.type, DCAT.DataService))
    g.add((servicio, DCTERMS.title, Literal("Punto SPARQL público (solo lectura)", lang="es")))
    g.add((servicio, DCAT.endpointURL, servicio))
    g.add((servicio, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))

    versiones = {
        f["grafo"]: f
        for f in consultas.catalogo().ejecutar(almacen, "grafos-de-envios", vista=Vista.PUBLICA).filas
    }
    fechas = sorted(str(f["fecha"]) for f in versiones.values() if "fecha" in f)
    ultima = fechas[-1] if fechas else None

    for grafo in grafos_publicos(almacen):
        meta = versiones.get(grafo)
        if meta is None and grafo not in _TITULOS_FIJOS:
            continue  # grafos cargados a mano por administración: no son conjuntos publicados
        pais = meta.get("pais") if meta is not None else None
        if filtro_pais is not None and meta is not None and pais != filtro_pais:
            continue
        g.add((catalogo, DCAT.dataset, grafo))
        g.add((grafo, RDF.type, DCAT.Dataset))
        g.add((servicio, DCAT.servesDataset, grafo))
        if meta is not None:
            _conjunto_envio(g, referencia, grafo, meta, base)
        else:
            es, en = _TITULOS_FIJOS[grafo]
            g.add((grafo, DCTERMS.title, Literal(es, lang="es")))
            g.add((grafo, DCTERMS.title, Literal(en, lang="en")))
            if ultima:
                g.add((grafo, DCTERMS.modified, Literal(ultima, datatype=XSD.dateTime)))
        acceso = BNode()
        g.add((grafo, DCAT.distribution, acceso))
        g.add((acceso, RDF.type, DCAT.Distribution))
        g.add((acceso, DCTERMS.title, Literal("Consulta SPARQL del grafo (GRAPH <…>)", lang="es")))
        g.add((acceso, DCAT.accessURL, servicio))
        g.add((acceso, DCAT.accessService, servicio))

    completo = voc.recurso("conjunto", "registro-publico")
    g.add((catalogo, DCAT.dataset, completo))
    g.add((completo, RDF.type, DCAT.Dataset))
    g.add((completo, DCTERMS.title, Literal("Registro público completo (vista vigente)", lang="es")))
    g.add(
        (
            completo,
            DCTERMS.description,
            Literal(
                "Unión de los conjuntos vigentes y públicos, en los formatos de intercambio del registro. "
                "No contiene datos personales.",
                lang="es",
            ),
        )
    )
    if ultima:
        g.add((completo, DCTERMS.modified, Literal(ultima, datatype=XSD.dateTime)))
    for formato in _EXPORTACIONES_PUBLICAS:
        _, tipo, _ = EXPORTADORES[formato]
        _distribucion(g, completo, f"{base}/api/exportaciones/{formato}", tipo, DESCRIPCIONES[formato])
    return g


def _conjunto_envio(g: Graph, referencia: Graph, grafo: URIRef, meta: dict, base: str) -> None:
    inst = meta["institucion"]
    nombre_inst = textos(referencia, inst, (SKOS.prefLabel,)).get("es")
    clave = str(meta.get("clave", ""))
    titulo = f"{nombre_inst}: {clave}" if nombre_inst is not None else clave
    g.add((grafo, DCTERMS.title, Literal(titulo, lang="es")))
    g.add((grafo, DCTERMS.identifier, Literal(clave)))
    g.add((grafo, DCTERMS.publisher, inst))
    g.add((inst, RDF.type, FOAF.Agent))
    for lit in textos(referencia, inst, (SKOS.prefLabel,)).values():
        g.add((inst, FOAF.name, lit))
    if "fecha" in meta:
        g.add((grafo, DCTERMS.modified, Literal(str(meta["fecha"]), datatype=XSD.dateTime)))
    if "numero" in meta:
        g.add((grafo, URIRef(str(DCAT) + "version"), Literal(str(meta["numero"]))))
    if "anterior" in meta:
        g.add((grafo, PROV.wasRevisionOf, meta["anterior"]))
    pais = meta.get("pais")
    if isinstance(pais, URIRef):
        europeo = next(
            (o for o in referencia.objects(pais, SKOS.exactMatch) if str(o).startswith(PREFIJO_PAIS_UE)), None
        )
        g.add((grafo, DCTERMS.spatial, europeo or pais))
        codigo = next(iter(referencia.objects(pais, SKOS.notation)), None)
        if codigo is not None:
            _distribucion(
                g,
                grafo,
                f"{base}/api/exportaciones/trig?pais={codigo}",
                "application/trig",
                f"Subconjunto público de {codigo} en TriG (contiene este conjunto)",
            )


def _distribucion(g: Graph, conjunto: URIRef, url: str, tipo: str, descripcion: str) -> None:
    d = BNode()
    g.add((conjunto, DCAT.distribution, d))
    g.add((d, RDF.type, DCAT.Distribution))
    g.add((d, DCTERMS.title, Literal(descripcion, lang="es")))
    g.add((d, DCAT.downloadURL, URIRef(url)))
    g.add((d, DCAT.accessURL, URIRef(url)))
    g.add((d, DCAT.mediaType, URIRef(_IANA + tipo)))


def _referencia(almacen: Almacen) -> Graph:
    """Nombres de instituciones y países (de la referencia pública) para títulos y ``dct:spatial``."""
    res = almacen.consultar(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o . VALUES ?tipo { <" + str(REG.Pais) + "> } ?s a ?tipo "
        "VALUES ?p { <"
        + str(SKOS.prefLabel)
        + "> <"
        + str(SKOS.exactMatch)
        + "> <"
        + str(SKOS.notation)
        + "> } } ",
        vista=Vista.PUBLICA,
    )
    g = res.grafo if res.grafo is not None else Graph()
    instituciones = almacen.consultar(
        "CONSTRUCT { ?s <" + str(SKOS.prefLabel) + "> ?o } WHERE { GRAPH <" + str(voc.GRAFO_REGISTRO) + "> "
        "{ ?v <" + str(REG.institucion) + "> ?s } ?s <" + str(SKOS.prefLabel) + "> ?o }",
        vista=Vista.PUBLICA,
    )
    if instituciones.grafo is not None:
        g += instituciones.grafo
    return g
