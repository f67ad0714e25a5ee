"""Cambiar una matriz de equivalencia = publicar una versión nueva de su conjunto, por la ingesta.

La importación de una matriz editada en Excel y la aprobación o el rechazo de sugerencias no escriben
en el almacén por su cuenta: localizan el conjunto enviado que contiene la matriz (institución y
clave de su versión vigente), construyen el grafo completo de la versión nueva y lo pasan por
``ingesta.enviar_grafo``, que valida (SHACL y propiedad) y publica atómicamente. Así una matriz
cambiada por cualquier vía queda versionada, validada y con procedencia, y los resultados que usaban
la versión anterior se marcan como desactualizados.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from registro import consultas, ingesta, versiones
from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista
from registro.errores import ConflictoEstado, NoEncontrado, Prohibido
from registro.vocabulario import REG


@dataclass(frozen=True)
class Conjunto:
    """Versión vigente del conjunto enviado que contiene un recurso."""

    institucion: str
    clave: str
    grafo: str


def conjunto_de(almacen: Almacen, recurso: str) -> Conjunto:
    """El conjunto (institución, clave) cuya versión vigente describe ``recurso``."""
    res = consultas.catalogo().ejecutar(
        # Sin conjunto de datos (todo va en GRAPH y la vigencia la dice grafo:registro): con una vista, un
        # almacén remoto enviaría todas las versiones como «named-graph-uri» (Virtuoso admite ~2.000).
        almacen, "grafos-de-recursos", {"recursos": [URIRef(recurso)]}, Vista.TODO
    )
    grafos = {str(f["grafo"]) for f in res.filas if str(f["recurso"]) == recurso}
    candidatos = [v for v in versiones.versiones(almacen) if v.vigente and v.grafo in grafos]
    if not candidatos:
        raise NoEncontrado(
            f"El recurso {recurso} no está en ninguna versión vigente de un envío",
            detalle="Solo se pueden cambiar matrices publicadas por una institución.",
        )
    if len(candidatos) > 1:
        raise ConflictoEstado(
            f"El recurso {recurso} aparece en varios conjuntos vigentes",
            detalle="; ".join(f"{v.institucion}/{v.clave}" for v in candidatos),
        )
    v = candidatos[0]
    return Conjunto(v.institucion, v.clave, v.grafo)


def correspondencias_de(grafo: Graph, matriz: URIRef) -> set[URIRef]:
    return {s for s in grafo.subjects(REG.enMatriz, matriz) if isinstance(s, URIRef)}


def siguiente_numero(grafo: Graph, matriz: URIRef) -> int:
    """Primer ``n`` libre para ``{matriz}/c/{n}`` (nunca reutiliza uno existente)."""
    usados = [0]
    prefijo = str(matriz).rstrip("/") + "/c/"
    for s in set(grafo.subjects()):
        texto = str(s)
        if texto.startswith(prefijo) and texto[len(prefijo) :].isdigit():
            usados.append(int(texto[len(prefijo) :]))
    return max(usados) + 1


def republicar(
    almacen: Almacen,
    conjunto: Conjunto,
    grafo: Graph,
    *,
    sha256: str | None = None,
    ubicaciones: Mapping[str, str] | None = None,
    agente: str | None = None,
    institucion: str | None = None,
) -> ingesta.ResultadoEnvio:
    """Publica ``grafo`` como versión nueva del conjunto, por la ingesta (valida y versiona).

    ``institucion`` es quien pide el cambio: solo la dueña del conjunto puede cambiarlo.
    """
    if institucion is not None and institucion != conjunto.institucion:
        raise Prohibido(
            f"La matriz pertenece a la institución «{conjunto.institucion}», no a «{institucion}»",
            detalle="Solo la institución dueña de la matriz puede publicar una versión nueva.",
        )
    huella = sha256 or huella_grafo(grafo)
    return ingesta.enviar_grafo(
        almacen,
        grafo,
        institucion=conjunto.institucion,
        clave=conjunto.clave,
        sha256=huella,
        ubicaciones=ubicaciones,
        agente=agente,
    )


def huella_grafo(grafo: Graph) -> str:
    """SHA-256 de las tripletas ordenadas: el mismo contenido da la misma huella (sin nodos en blanco)."""
    lineas = sorted(grafo.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines())
    return hashlib.sha256("\n".join(lineas).encode("utf-8")).hexdigest()


def grafo_vigente(almacen: Almacen, conjunto: Conjunto) -> Graph:
    """Copia editable del contenido de la versión vigente."""
    copia = Graph()
    copia += almacen.grafo(URIRef(conjunto.grafo))
    return copia


def nueva_matriz(
    institucion: str, codigo: str, estandar: str, programa: str, regla: str | None
) -> tuple[URIRef, Graph]:
    """Grafo mínimo de una matriz nueva (cuando un par norma–programa aún no tiene matriz)."""
    m = voc.matriz(institucion, codigo)
    g = Graph()
    g.add((m, RDF.type, REG.MatrizEquivalencia))
    g.add((m, REG.codigo, Literal(codigo)))
    g.add((m, REG.estandar, URIRef(estandar)))
    g.add((m, REG.programa, URIRef(programa)))
    if regla:
        g.add((m, REG.regla, URIRef(regla)))
    return m, g
