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
from registro.almacen.base import Almacen, Progreso, Vista, a_ntriples
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
    # La unión solo cambia en tripletas de la versión anterior o de la nueva: un almacén sin
    # transacciones (Virtuoso) copia solo esa parte de la unión (todo el registro) para deshacer.
    fuentes = (grafo,) if anterior is None else (grafo, URIRef(anterior.grafo))
    acotados = {union: fuentes}
    if anterior is not None:
        acotados[union_de(anterior.publico)] = fuentes
    almacen.reemplazar_grafos({grafo: datos}, " ;\n".join(partes), cambios_acotados=acotados)
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


def reconstruir_uniones(almacen: Almacen, progreso: Progreso | None = None) -> None:
    """Rehace las uniones de versiones vigentes desde ``grafo:registro`` por la vía masiva del almacén.

    Sirve tras cargas masivas que escriben versiones directamente (``registro cargar``, benchmarks,
    restauraciones antiguas) o para reparar; ``publicar`` las mantiene al día por sí sola.

    Una sola transacción (``DROP`` + ``INSERT … WHERE``) tardaba 1.048 s con 2,9 M de tripletas y
    5.001 versiones; ``Almacen.unir_grafos`` usa el cargador masivo (embebido) o grupos de versiones
    (servidor), que no son atómicos. Por eso la seguridad la da la marca de vigencia de cada unión:

    1. se retiran las marcas (una transacción): desde ese momento la vista vigente no incluye las
       uniones (los lectores ven los grafos fijos sin envíos, nunca una unión a medias) y
       ``uniones_al_dia`` es falso;
    2. se rellena cada unión (``progreso`` recibe ``(versiones hechas, total)`` de las dos);
    3. se vuelven a poner las marcas (una transacción).

    Si el proceso muere entre 1 y 3, el almacén queda sin marcas y ``arranque.iniciar`` (o
    ``registro cargar``) lo detecta y reconstruye de nuevo. Se hace bajo ``cerrojo_escritura``: una
    publicación simultánea en este proceso espera (otro proceso no debe escribir: ver
    ``docs/despliegue.md``, un solo escritor por almacén).
    """
    with almacen.cerrojo_escritura:
        vigentes = [v for v in versiones(almacen) if v.vigente]
        por_union = {
            publico: [URIRef(v.grafo) for v in vigentes if v.publico == publico] for publico in (True, False)
        }
        almacen.actualizar(
            " ;\n".join(
                f"DELETE WHERE {{ GRAPH <{GRAFO_REGISTRO}> {{ <{union_de(p)}> <{REG.vigente}> ?v }} }}"
                for p in (True, False)
            )
        )
        total = len(vigentes)
        hechas = 0
        for publico, fuentes in por_union.items():
            almacen.unir_grafos(union_de(publico), fuentes, _desplazado(progreso, hechas, total))
            hechas += len(fuentes)
        almacen.actualizar(
            " ;\n".join(registrar_grafo_fijo(union_de(p), publico=p) for p in (True, False))
        )
        if progreso is not None:
            progreso(total, total)


def _desplazado(progreso: Progreso | None, base: int, total: int) -> Progreso | None:
    """Avance de una de las dos uniones dentro del total de versiones vigentes."""
    if progreso is None:
        return None
    return lambda hechas, _total: progreso(base + hechas, total)


def uniones_al_dia(almacen: Almacen) -> bool:
    """Falso si una unión de versiones vigentes no es fiable y hay que reconstruirla.

    Una unión no es fiable si no tiene su marca de vigencia en ``grafo:registro`` y, aun así, hay
    versiones vigentes de su visibilidad (almacén anterior a las uniones, o carga masiva de versiones)
    o el grafo tiene tripletas (reconstrucción interrumpida: ``reconstruir_uniones`` retira las marcas
    antes de empezar). Son consultas baratas: las marcas y, solo si falta alguna, dos ``ASK``.
    """
    marcadas = {
        str(f["u"])
        for f in almacen.consultar(
            f"SELECT ?u WHERE {{ GRAPH <{GRAFO_REGISTRO}> {{ ?u <{REG.vigente}> true }} "
            f"VALUES ?u {{ <{voc.GRAFO_VIGENTE_PUBLICO}> <{voc.GRAFO_VIGENTE_PRIVADO}> }} }}",
            vista=Vista.TODO,
        ).filas
    }
    for publico in (True, False):
        union = union_de(publico)
        if str(union) in marcadas:
            continue
        valor = "true" if publico else "false"
        hay_versiones = almacen.consultar(
            f"ASK {{ GRAPH <{GRAFO_REGISTRO}> {{ ?g a <{REG.VersionEnvio}> ; <{REG.vigente}> true . "
            f"OPTIONAL {{ ?g <{REG.publico}> ?pub }} FILTER(COALESCE(?pub, true) = {valor}) }} }}",
            vista=Vista.TODO,
        ).booleano
        if hay_versiones or almacen.consultar(
            f"ASK {{ GRAPH <{union}> {{ ?s ?p ?o }} }}", vista=Vista.TODO
        ).booleano:
            return False
    return True
