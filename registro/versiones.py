"""Versiones de los conjuntos de datos enviados: metadatos en ``grafo:registro``.

Cada envío aceptado es un grafo con nombre nuevo (``grafo:envio/{inst}/{clave}/v{n}``). Publicarlo
significa, en UNA petición SPARQL Update: escribir el grafo, marcar la versión anterior como no
vigente y registrar los metadatos PROV. Nada se borra: la versión anterior sigue consultable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, XSD

from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista, a_ntriples
from registro.vocabulario import GRAFO_REGISTRO, REG


@dataclass(frozen=True)
class Version:
    """Metadatos de una versión de envío."""

    grafo: str
    institucion: str
    clave: str
    numero: int
    vigente: bool
    publico: bool
    fecha: str
    sha256: str
    anterior: str | None


def huella(contenido: bytes) -> str:
    return hashlib.sha256(contenido).hexdigest()


_CONSULTA_VERSIONES = """
PREFIX reg: <https://w3id.org/registro/ontologia#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g ?inst ?clave ?n ?vigente ?publico ?fecha ?sha ?anterior WHERE {
  GRAPH <https://w3id.org/registro/grafo/registro> {
    ?g a reg:VersionEnvio ; reg:institucion ?inst ; reg:clave ?clave ; reg:numeroVersion ?n ;
       reg:vigente ?vigente ; prov:generatedAtTime ?fecha .
    OPTIONAL { ?g reg:publico ?publico }
    OPTIONAL { ?g reg:sha256 ?sha }
    OPTIONAL { ?g prov:wasRevisionOf ?anterior }
  }
}
ORDER BY ?fecha ?n
"""


def versiones(almacen: Almacen, institucion: str | None = None, clave: str | None = None) -> list[Version]:
    """Todas las versiones registradas (filtradas por institución y clave si se indican)."""
    enlaces = {}
    if institucion is not None:
        enlaces["inst"] = voc.institucion(institucion)
    if clave is not None:
        enlaces["clave"] = Literal(clave)
    res = almacen.consultar(_CONSULTA_VERSIONES, enlaces or None, vista=Vista.TODO)
    salida = []
    for f in res.filas:
        salida.append(
            Version(
                grafo=str(f["g"]),
                institucion=voc.codigo_institucion_de(str(f["inst"])) or str(f["inst"]),
                clave=str(f["clave"]),
                numero=int(f["n"].toPython()),
                vigente=bool(f["vigente"].toPython()),
                publico=bool(f["publico"].toPython()) if "publico" in f else True,
                fecha=str(f["fecha"]),
                sha256=str(f.get("sha", "")),
                anterior=str(f["anterior"]) if "anterior" in f else None,
            )
        )
    return salida


def vigente(almacen: Almacen, institucion: str, clave: str) -> Version | None:
    """La versión vigente de un conjunto, o ``None`` si nunca se envió."""
    for v in versiones(almacen, institucion, clave):
        if v.vigente:
            return v
    return None


def publicar(
    almacen: Almacen,
    institucion: str,
    clave: str,
    datos: Graph,
    *,
    sha256: str,
    publico: bool = True,
    version_formas: str = "",
    agente: URIRef | None = None,
    actualizacion_extra: str = "",
) -> Version:
    """Escribe ``datos`` como nueva versión vigente, atómicamente, y devuelve sus metadatos.

    Leer el número siguiente y escribir la versión ocurren bajo ``almacen.cerrojo_escritura``: dos
    publicaciones simultáneas del mismo conjunto obtienen números consecutivos, nunca el mismo.
    """
    with almacen.cerrojo_escritura:
        return _publicar(
            almacen,
            institucion,
            clave,
            datos,
            sha256=sha256,
            publico=publico,
            version_formas=version_formas,
            agente=agente,
            actualizacion_extra=actualizacion_extra,
        )


def _publicar(
    almacen: Almacen,
    institucion: str,
    clave: str,
    datos: Graph,
    *,
    sha256: str,
    publico: bool,
    version_formas: str,
    agente: URIRef | None,
    actualizacion_extra: str,
) -> Version:
    anterior = vigente(almacen, institucion, clave)
    numero = max((v.numero for v in versiones(almacen, institucion, clave)), default=0) + 1
    grafo = voc.grafo_envio(institucion, clave, numero)
    inst = voc.institucion(institucion)
    ahora = datetime.now(UTC).replace(microsecond=0)
    meta = Graph()
    meta.add((grafo, voc.RDF.type, REG.VersionEnvio))
    meta.add((grafo, REG.institucion, inst))
    meta.add((grafo, REG.clave, Literal(clave)))
    meta.add((grafo, REG.numeroVersion, Literal(numero, datatype=XSD.integer)))
    meta.add((grafo, REG.vigente, Literal(True)))
    meta.add((grafo, REG.publico, Literal(publico)))
    meta.add((grafo, REG.sha256, Literal(sha256)))
    meta.add((grafo, REG.versionFormas, Literal(version_formas)))
    meta.add((grafo, PROV.generatedAtTime, Literal(ahora.isoformat(), datatype=XSD.dateTime)))
    meta.add((grafo, PROV.wasAttributedTo, agente or inst))
    partes = []
    if anterior is not None:
        meta.add((grafo, PROV.wasRevisionOf, URIRef(anterior.grafo)))
        g_ant = URIRef(anterior.grafo)
        partes.append(
            f"DELETE DATA {{ GRAPH <{GRAFO_REGISTRO}> {{ <{g_ant}> <{REG.vigente}> true }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{GRAFO_REGISTRO}> {{ <{g_ant}> <{REG.vigente}> false }} }}"
        )
    partes.append(f"INSERT DATA {{ GRAPH <{GRAFO_REGISTRO}> {{\n{a_ntriples(meta)}\n}} }}")
    if anterior is not None:
        partes.append(_retirar_de_union(URIRef(anterior.grafo), publico=anterior.publico))
    union = union_de(publico)
    partes.append(f"INSERT {{ GRAPH <{union}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{grafo}> {{ ?s ?p ?o }} }}")
    partes.append(registrar_grafo_fijo(union, publico=publico))
    if actualizacion_extra.strip():
        partes.append(actualizacion_extra)
    almacen.reemplazar_grafos({grafo: datos}, " ;\n".join(partes))
    return Version(
        grafo=str(grafo),
        institucion=institucion,
        clave=clave,
        numero=numero,
        vigente=True,
        publico=publico,
        fecha=ahora.isoformat(),
        sha256=sha256,
        anterior=anterior.grafo if anterior else None,
    )


def registrar_grafo_fijo(grafo: URIRef, *, publico: bool) -> str:
    """Fragmento de SPARQL Update que marca un grafo fijo (ontología, referencia…) como vigente."""
    return (
        f"DELETE WHERE {{ GRAPH <{GRAFO_REGISTRO}> {{ <{grafo}> <{REG.vigente}> ?v }} }} ;\n"
        f"DELETE WHERE {{ GRAPH <{GRAFO_REGISTRO}> {{ <{grafo}> <{REG.publico}> ?p }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{GRAFO_REGISTRO}> {{ <{grafo}> <{REG.vigente}> true ; "
        f"<{REG.publico}> {'true' if publico else 'false'} }} }}"
    )


def union_de(publico: bool) -> URIRef:
    """Grafo unión donde se materializan las versiones vigentes públicas o privadas."""
    return voc.GRAFO_VIGENTE_PUBLICO if publico else voc.GRAFO_VIGENTE_PRIVADO


def _retirar_de_union(version: URIRef, *, publico: bool) -> str:
    """Quita de la unión las tripletas de una versión que deja de estar vigente.

    Se vuelven a poner las que otra versión vigente también afirma (dos conjuntos pueden compartir
    una tripleta); debe ejecutarse después de marcar la versión como no vigente.
    """
    union = union_de(publico)
    return (
        f"DELETE {{ GRAPH <{union}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{version}> {{ ?s ?p ?o }} }} ;\n"
        f"INSERT {{ GRAPH <{union}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{version}> {{ ?s ?p ?o }} "
        f"GRAPH <{GRAFO_REGISTRO}> {{ ?g a <{REG.VersionEnvio}> ; <{REG.vigente}> true ; "
        f"<{REG.publico}> {'true' if publico else 'false'} }} "
        f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{version}>) }}"
    )


def reconstruir_uniones(almacen: Almacen) -> None:
    """Rehace las uniones de versiones vigentes desde ``grafo:registro`` (una sola actualización).

    Sirve tras cargas masivas que escriben versiones directamente (benchmarks, restauraciones
    antiguas) o para reparar; ``publicar`` las mantiene al día por sí sola.
    """
    partes = []
    for publico in (True, False):
        union = union_de(publico)
        partes.append(f"DROP SILENT GRAPH <{union}>")
        valor = "true" if publico else "false"
        partes.append(
            f"INSERT {{ GRAPH <{union}> {{ ?s ?p ?o }} }} WHERE {{ "
            f"GRAPH <{GRAFO_REGISTRO}> {{ ?g a <{REG.VersionEnvio}> ; <{REG.vigente}> true . "
            f"OPTIONAL {{ ?g <{REG.publico}> ?pub }} FILTER(COALESCE(?pub, true) = {valor}) }} "
            f"GRAPH ?g {{ ?s ?p ?o }} }}"
        )
        partes.append(registrar_grafo_fijo(union, publico=publico))
    almacen.actualizar(" ;\n".join(partes))


def uniones_al_dia(almacen: Almacen) -> bool:
    """Falso si hay versiones vigentes pero las uniones no están registradas (almacén anterior)."""
    res = almacen.consultar(
        f"ASK {{ GRAPH <{GRAFO_REGISTRO}> {{ ?g a <{REG.VersionEnvio}> ; <{REG.vigente}> true . "
        f"FILTER NOT EXISTS {{ <{voc.GRAFO_VIGENTE_PUBLICO}> <{REG.vigente}> true }} }} }}",
        vista=Vista.TODO,
    )
    return not res.booleano
