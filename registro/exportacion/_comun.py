"""Piezas compartidas por los exportadores: opciones, vista pública, país de un recurso, textos.

Todo exportador público parte de aquí para que la regla «solo ``Vista.PUBLICA``» esté en un único
sitio: ``grafo_publico`` y ``grafos_publicos`` son las dos únicas puertas a los datos.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS
from rdflib.term import Node

from registro import consultas
from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista
from registro.errores import EntradaInvalida, NoEncontrado
from registro.vocabulario import GRAFO_ONTOLOGIA, GRAFO_REFERENCIA, PREFIJOS, REG

BASE_PUBLICA_POR_DEFECTO = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Opciones:
    """Parámetros comunes a todas las exportaciones."""

    pais: str | None = None
    """Código ISO 3166-1 alfa-2 del país (``PE``, ``CL``…) o ``None`` para todos."""
    base_publica: str = BASE_PUBLICA_POR_DEFECTO
    """Dirección pública del servicio (``Configuracion.base_publica``) para enlaces de descarga."""


class Exportador(Protocol):
    """Firma de una función de exportación registrada en ``EXPORTADORES``."""

    def __call__(self, almacen: Almacen, destino: BinaryIO, opciones: Opciones | None = None) -> None: ...


def grafo_publico(almacen: Almacen) -> Graph:
    """La vista vigente pública como un único ``rdflib.Graph`` (sin datos personales)."""
    res = almacen.consultar("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", vista=Vista.PUBLICA)
    g = res.grafo if res.grafo is not None else Graph()
    for prefijo, base in PREFIJOS.items():
        g.bind(prefijo, base)
    return g


def grafos_publicos(almacen: Almacen) -> list[URIRef]:
    """Grafos vigentes y públicos (los que forman el grafo por defecto de la vista pública)."""
    vista = almacen.grafos_de(Vista.PUBLICA)
    return list(vista.vigentes) if vista is not None else []


def pais_iri(almacen: Almacen, codigo: str) -> URIRef:
    """IRI del país ``codigo`` (``id:pais/PE``); falla si el registro no lo conoce.

    Los países son datos de referencia: un país nuevo funciona en cuanto se carga su nodo
    ``reg:Pais``, sin tocar el código.
    """
    codigo = codigo.strip().upper()
    if not codigo.isalpha() or len(codigo) != 2:
        raise EntradaInvalida(
            f"Código de país inválido: {codigo!r}",
            detalle="Use el código ISO 3166-1 alfa-2, por ejemplo PE o CL.",
        )
    iri = voc.recurso("pais", codigo)
    res = almacen.consultar(
        "SELECT ?pais WHERE { ?pais a <" + str(REG.Pais) + "> }", {"pais": iri}, vista=Vista.PUBLICA
    )
    if not res.filas:
        raise NoEncontrado(
            f"El registro no tiene el país {codigo!r}",
            detalle="Los países disponibles están en los datos de referencia (reg:Pais).",
        )
    return iri


def grafos_de_pais(almacen: Almacen, pais: URIRef) -> list[URIRef]:
    """Versiones vigentes y públicas de envíos de instituciones del país ``pais``, en orden estable."""
    res = consultas.catalogo().ejecutar(almacen, "grafos-de-envios", vista=Vista.PUBLICA)
    publicos = set(grafos_publicos(almacen))
    salida = {
        fila["grafo"]
        for fila in res.filas
        if fila.get("pais") == pais and fila["grafo"] in publicos and isinstance(fila["grafo"], URIRef)
    }
    return sorted(salida)  # type: ignore[arg-type]


GRAFOS_COMUNES = (GRAFO_ONTOLOGIA, GRAFO_REFERENCIA)
"""Grafos públicos que acompañan a todo subconjunto por país (vocabulario y referencia)."""


def pais_de(fuente: Graph, recurso: Node) -> URIRef | None:
    """País de un recurso: el suyo (``reg:pais``), el de quien lo emite u ofrece, o el de su norma.

    En el piloto las normas y programas llevan ``reg:pais``; si falta, se deduce del organismo que
    emite la norma (``reg:emitidoPor``), de la institución que ofrece el programa
    (``reg:ofrecidoPor``) o, para una unidad, de la norma que la incluye.
    """
    for p in (REG.pais,):
        for o in sorted(fuente.objects(recurso, p)):
            if isinstance(o, URIRef):
                return o
    for via in (REG.emitidoPor, REG.ofrecidoPor):
        for org in sorted(fuente.objects(recurso, via)):
            for o in sorted(fuente.objects(org, REG.pais)):
                if isinstance(o, URIRef):
                    return o
    for norma in sorted(fuente.subjects(REG.tieneUnidad, recurso)):
        if norma != recurso:
            encontrado = pais_de(fuente, norma)
            if encontrado is not None:
                return encontrado
    return None


def textos(
    fuente: Graph, sujeto: Node, predicados: Iterable[URIRef], idioma: str = "es"
) -> dict[str, Literal]:
    """Un literal por idioma (el primero en orden estable), para propiedades con ``sh:uniqueLang``.

    Los literales sin idioma se consideran escritos en ``idioma`` (el registro redacta en español).
    Se prueba cada predicado en orden y se completan los idiomas que falten.
    """
    salida: dict[str, Literal] = {}
    for p in predicados:
        for o in sorted(fuente.objects(sujeto, p), key=str):
            if not isinstance(o, Literal) or not str(o).strip():
                continue
            lengua = (o.language or idioma).lower()
            if lengua not in salida:
                salida[lengua] = Literal(str(o).strip(), lang=lengua)
    return dict(sorted(salida.items(), key=lambda kv: (kv[0] != "es", kv[0])))


def texto(fuente: Graph, sujeto: Node, *predicados: URIRef) -> str:
    """El texto en español (o el primero disponible) de un recurso, para tablas y títulos."""
    valores = textos(fuente, sujeto, predicados or (SKOS.prefLabel,))
    if not valores:
        return ""
    return str(valores.get("es") or next(iter(valores.values())))


def valor(fuente: Graph, sujeto: Node, predicado: URIRef) -> Node | None:
    """Un valor (el primero en orden estable) o ``None``."""
    valores = sorted(fuente.objects(sujeto, predicado), key=str)
    return valores[0] if valores else None


def instancias(fuente: Graph, clase: URIRef) -> list[URIRef]:
    """Instancias IRI de ``clase`` o de cualquiera de sus subclases (según la ontología cargada).

    Así los exportadores no nombran clases de un país concreto: ``reg:NormaCompetencia`` abarca el
    estándar peruano y el perfil chileno, y abarcará la norma de un tercer país.
    """
    clases = set(fuente.transitive_subjects(voc.RDFS.subClassOf, clase))
    clases.add(clase)
    encontradas = {s for c in clases for s in fuente.subjects(RDF.type, c) if isinstance(s, URIRef)}
    return sorted(encontradas)


def orden(fuente: Graph, nodo: Node) -> tuple[int, str, str]:
    """Orden natural: ``reg:orden``, luego ``reg:numero`` (``1.10`` después de ``1.9``), luego el IRI."""
    o = valor(fuente, nodo, REG.orden)
    try:
        n = int(str(o)) if o is not None else 1_000_000
    except ValueError:
        n = 1_000_000
    numero = valor(fuente, nodo, REG.numero)
    clave = ".".join(f"{int(p):06d}" if p.isdigit() else p for p in str(numero or "").split("."))
    return (n, clave, str(nodo))
