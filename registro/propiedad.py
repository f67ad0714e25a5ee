"""Reglas de propiedad de un envío (DISENO §4, «Ownership»).

Una institución solo puede *describir* recursos de su propio espacio de nombres
(``id:inst/{cod}/…``); puede *apuntar* a datos de referencia, a la ontología y a recursos de otras
instituciones, pero nunca afirmar nada sobre ellos. SHACL no sabe de dueños ni del contenido del
almacén, así que estas reglas se comprueban aquí y se devuelven como ``validacion.Problema`` de
severidad ``Violation``, para que el informe que ve la institución sea uno solo.

Qué se comprueba, y por qué:

- **La institución existe** en el registro de instituciones (``id:inst/{cod}`` con un tipo en la vista
  vigente): sin ella no hay a quién atribuir la versión.
- **Cada sujeto es propio**: un IRI que empieza por ``espacio_institucion(cod)``, o un nodo en blanco
  que cuelga (directa o indirectamente) de un sujeto propio. Así nadie puede reescribir un nivel del
  marco, una clase de la ontología ni la unidad de competencia de otra institución, aunque repita
  exactamente lo que ya dice el registro (repetirlo crearía una segunda fuente de verdad).
- **Cada referencia existe**: todo IRI ``id:…`` usado como objeto debe estar en la vista vigente o en
  el propio envío; si no, es casi siempre una errata en un código (nivel 9, una UC que no existe).
  La versión vigente del mismo conjunto no cuenta como «existente», porque el envío la sustituye.
- **Cada término ``reg:`` existe en la ontología**: una propiedad o clase mal escrita
  (``reg:tieneModullo``) no la detecta ninguna forma SHACL y dejaría datos invisibles a las consultas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista, valores_sparql
from registro.validacion import Problema

SEVERIDAD = "Violation"
"""Severidad de todos los problemas de propiedad: siempre bloquean el envío."""

_ESQUEMAS: tuple[tuple[str, str], ...] = (
    (str(voc.REG), "reg:"),
    (str(voc.REGSH), "regsh:"),
    (str(OWL), "owl:"),
    (str(RDFS), "rdfs:"),
    (str(RDF), "rdf:"),
    (str(SH), "sh:"),
    (str(SKOS), "skos:"),
    (str(XSD), "xsd:"),
)
"""Espacios de nombres de esquema: un envío nunca puede tener sujetos aquí."""

_LOTE = 500
"""IRIs por consulta ``VALUES`` (consultas cortas, planes sencillos)."""


@dataclass(frozen=True)
class _Sujeto:
    """Lo que sabemos de un sujeto del envío para nombrarlo en un mensaje."""

    iri: str
    codigo: str | None
    etiqueta: str | None


def comprobar(
    almacen: Almacen,
    datos: Graph,
    institucion: str,
    *,
    excluir: Iterable[URIRef | str] = (),
) -> tuple[Problema, ...]:
    """Problemas de propiedad del envío ``datos`` de ``institucion`` (vacío si todo está bien).

    ``excluir`` son grafos que no cuentan como existentes (la versión vigente que el envío sustituye).
    """
    problemas: list[Problema] = []
    vigentes = _grafos_vigentes(almacen, excluir)
    problemas += _institucion_conocida(almacen, institucion, vigentes)
    problemas += _sujetos_propios(datos, institucion)
    problemas += _referencias_existentes(almacen, datos, institucion, vigentes)
    problemas += _terminos_de_ontologia(almacen, datos)
    return tuple(problemas)


# --- institución ----------------------------------------------------------------------------------
def institucion_conocida(almacen: Almacen, institucion: str) -> bool:
    """Verdadero si ``id:inst/{cod}`` está descrita (con un tipo) en la vista vigente."""
    return not _institucion_conocida(almacen, institucion, _grafos_vigentes(almacen, ()))


def _institucion_conocida(almacen: Almacen, institucion: str, vigentes: frozenset[str]) -> list[Problema]:
    iri = voc.institucion(institucion)
    res = almacen.consultar(
        "SELECT DISTINCT ?i ?g WHERE { GRAPH ?g { ?i a ?t } }", {"i": iri}, vista=Vista.TODO
    )
    if any(str(f["g"]) in vigentes for f in res.filas):
        return []
    return [
        Problema(
            severidad=SEVERIDAD,
            foco=str(iri),
            codigo=institucion,
            etiqueta=None,
            ruta=None,
            valor=institucion,
            mensaje=f"La institución «{institucion}» no está en el registro de instituciones "
            f"(no existe {iri}). Revise el código de institución (p. ej. «iest-piloto») o pida al "
            "administrador del registro que la dé de alta antes de enviar datos.",
            forma=None,
        )
    ]


# --- sujetos ----------------------------------------------------------------------------------------
def _sujetos_propios(datos: Graph, institucion: str) -> list[Problema]:
    espacio = voc.espacio_institucion(institucion)
    propios: set[Node] = set()
    ajenos: dict[URIRef, int] = {}
    en_blanco: set[BNode] = set()
    for s in datos.subjects(unique=True):
        if isinstance(s, URIRef):
            if es_propio(str(s), espacio):
                propios.add(s)
            else:
                ajenos[s] = sum(1 for _ in datos.predicate_objects(s))
        elif isinstance(s, BNode):
            en_blanco.add(s)
    problemas = [_problema_sujeto_ajeno(datos, s, n, institucion, espacio) for s, n in sorted(ajenos.items())]
    huerfanos = en_blanco - _alcanzables(datos, propios)
    for b in sorted(huerfanos, key=str):
        problemas.append(
            Problema(
                severidad=SEVERIDAD,
                foco=f"_:{b}",
                codigo=None,
                etiqueta=None,
                ruta=None,
                valor=None,
                mensaje="Hay un nodo en blanco que no cuelga de ningún recurso de la institución "
                f"(propiedades: {_predicados(datos, b)}). Los nodos en blanco solo se admiten como valor "
                f"de un recurso propio; dé a este recurso un IRI que empiece por {espacio}.",
                forma=None,
            )
        )
    return problemas


_SEGMENTOS_PUNTO = re.compile(r"(?:^|/)(?:\.|%2e){1,2}(?:/|$|[?#])", re.IGNORECASE)


def es_propio(iri: str, espacio: str) -> bool:
    """Verdadero si ``iri`` está dentro de ``espacio`` y no puede escapar de él con ``.``/``..``."""
    if not iri.startswith(espacio) or len(iri) == len(espacio):
        return False
    return _SEGMENTOS_PUNTO.search(iri[len(espacio) - 1 :]) is None


def _alcanzables(datos: Graph, raices: set[Node]) -> set[Node]:
    """Nodos en blanco alcanzables desde los sujetos propios siguiendo objetos (listas RDF incluidas)."""
    vistos: set[Node] = set()
    pendientes = list(raices)
    while pendientes:
        nodo = pendientes.pop()
        for o in datos.objects(nodo, unique=True):
            if isinstance(o, BNode) and o not in vistos:
                vistos.add(o)
                pendientes.append(o)
    return vistos


def _problema_sujeto_ajeno(datos: Graph, s: URIRef, n: int, institucion: str, espacio: str) -> Problema:
    iri = str(s)
    datos_sujeto = _describir(datos, s)
    tripletas = f"{n} tripleta{'s' if n != 1 else ''}"
    esquema = next((corto + iri[len(base):] for base, corto in _ESQUEMAS if iri.startswith(base)), None)
    duena = voc.codigo_institucion_de(iri)
    if iri.startswith(espacio):
        mensaje = (
            f"El IRI {iri} contiene segmentos «.» o «..»: podría resolverse fuera del espacio de nombres de "
            f"«{institucion}». Escriba el IRI sin esos segmentos."
        )
    elif esquema is not None:
        nombre = esquema
        mensaje = (
            f"El envío afirma {tripletas} sobre el término de esquema {nombre}. La ontología y las formas "
            "las publica el registro: un envío no puede definir ni modificar clases ni propiedades. "
            "Quite esas tripletas y use el término tal como está definido."
        )
    elif duena is not None and duena != institucion:
        mensaje = (
            f"El envío afirma {tripletas} sobre {iri}, que pertenece a la institución «{duena}». Solo "
            f"puede describir recursos de «{institucion}» (IRI que empiecen por {espacio}); puede "
            "enlazar ese recurso como valor de una propiedad, pero no afirmar nada sobre él."
        )
    elif voc.es_del_registro(iri):
        mensaje = (
            f"El envío afirma {tripletas} sobre {iri}, que es un dato de referencia del registro "
            "(marcos, niveles, clasificaciones, instituciones, reglas). Un envío no puede repetirlo ni "
            "modificarlo: quite esas tripletas; para corregir la referencia, escriba al administrador."
        )
    else:
        mensaje = (
            f"El envío afirma {tripletas} sobre {iri}, que está fuera del espacio de nombres de "
            f"«{institucion}». Use IRI que empiecen por {espacio} para sus recursos "
            "(p. ej. declare @base con ese prefijo)."
        )
    return Problema(
        severidad=SEVERIDAD,
        foco=iri,
        codigo=datos_sujeto.codigo,
        etiqueta=datos_sujeto.etiqueta,
        ruta=None,
        valor=None,
        mensaje=mensaje,
        forma=None,
    )


# --- referencias ------------------------------------------------------------------------------------
def _referencias_existentes(
    almacen: Almacen, datos: Graph, institucion: str, vigentes: frozenset[str]
) -> list[Problema]:
    definidos = {s for s in datos.subjects(unique=True) if isinstance(s, URIRef)}
    usos: dict[URIRef, list[tuple[Node, URIRef]]] = {}
    for s, p, o in datos:
        if isinstance(o, URIRef) and voc.es_del_registro(str(o)) and o not in definidos:
            usos.setdefault(o, []).append((s, p))  # type: ignore[arg-type]
    if not usos:
        return []
    existentes = _existentes(almacen, sorted(usos), vigentes)
    problemas = []
    for o in sorted(set(usos) - existentes):
        for s, p in sorted(usos[o], key=lambda t: (str(t[0]), str(t[1]))):
            d = _describir(datos, s)
            problemas.append(
                Problema(
                    severidad=SEVERIDAD,
                    foco=str(s) if isinstance(s, URIRef) else f"_:{s}",
                    codigo=d.codigo,
                    etiqueta=d.etiqueta,
                    ruta=_nombre_corto(p),
                    valor=str(o),
                    mensaje="El recurso al que apunta no existe en el registro ni en este envío. "
                    + _pista_referencia(str(o), institucion),
                    forma=None,
                )
            )
    return problemas


def _pista_referencia(iri: str, institucion: str) -> str:
    duena = voc.codigo_institucion_de(iri)
    if duena == institucion:
        return ("Es un recurso de su institución: inclúyalo en este envío o envíe antes el conjunto que lo "
                "contiene; revise también que el código esté bien escrito.")
    if duena is not None:
        return (f"Es un recurso de la institución «{duena}»: revise el código o espere a que esa "
                "institución lo publique.")
    return ("Debería ser un dato de referencia (nivel de un marco, clasificación, sector, país…): revise el "
            "código; los valores válidos se consultan con «registro consultar»).")


def _existentes(almacen: Almacen, iris: Sequence[URIRef], vigentes: frozenset[str]) -> set[URIRef]:
    """IRIs que son sujeto de alguna tripleta en algún grafo vigente (no excluido)."""
    hallados: set[URIRef] = set()
    for i in range(0, len(iris), _LOTE):
        lote = iris[i : i + _LOTE]
        res = almacen.consultar(
            f"SELECT DISTINCT ?x ?g WHERE {{ VALUES ?x {{ {valores_sparql(lote)} }} "
            "GRAPH ?g { ?x ?p ?o } }",
            vista=Vista.TODO,
        )
        hallados.update(f["x"] for f in res.filas if str(f["g"]) in vigentes)  # type: ignore[misc]
    return hallados


def _grafos_vigentes(almacen: Almacen, excluir: Iterable[URIRef | str]) -> frozenset[str]:
    grafos = almacen.grafos_de(Vista.COMPLETA)
    todos = {str(g) for g in grafos.vigentes} if grafos is not None else set()
    return frozenset(todos - {str(g) for g in excluir})


# --- términos de la ontología -------------------------------------------------------------------------
def _terminos_de_ontologia(almacen: Almacen, datos: Graph) -> list[Problema]:
    base = str(voc.REG)
    usos: dict[URIRef, tuple[Node, URIRef, str]] = {}
    for s, p, o in datos:
        if str(p).startswith(base) and p not in usos:
            usos[p] = (s, p, "propiedad")  # type: ignore[index]
        if isinstance(o, URIRef) and str(o).startswith(base) and o not in usos:
            usos[o] = (s, p, "clase" if p == RDF.type else "término")  # type: ignore[assignment]
    if not usos:
        return []
    definidos: set[URIRef] = set()
    terminos = sorted(usos)
    for i in range(0, len(terminos), _LOTE):
        res = almacen.consultar(
            f"SELECT DISTINCT ?x WHERE {{ VALUES ?x {{ {valores_sparql(terminos[i : i + _LOTE])} }} "
            f"GRAPH <{voc.GRAFO_ONTOLOGIA}> {{ ?x ?p ?o }} }}",
            vista=Vista.TODO,
        )
        definidos.update(f["x"] for f in res.filas)  # type: ignore[misc]
    problemas = []
    for termino in sorted(set(usos) - definidos):
        s, p, tipo = usos[termino]
        d = _describir(datos, s)
        problemas.append(
            Problema(
                severidad=SEVERIDAD,
                foco=str(s) if isinstance(s, URIRef) else f"_:{s}",
                codigo=d.codigo,
                etiqueta=d.etiqueta,
                ruta=_nombre_corto(p),
                valor=None if termino == p else str(termino),
                mensaje=f"La {tipo} {_nombre_corto(termino)} no existe en la ontología del registro "
                "(¿errata?). Use solo clases y propiedades definidas en la ontología (docs/modelo.md).",
                forma=None,
            )
        )
    return problemas


# --- utilidades -------------------------------------------------------------------------------------
def _describir(datos: Graph, s: Node) -> _Sujeto:
    """Código y etiqueta (preferentemente en español) de un sujeto, para nombrarlo en el mensaje."""
    codigo = datos.value(s, voc.REG.codigo)
    etiquetas = list(datos.objects(s, SKOS.prefLabel)) or list(datos.objects(s, RDFS.label))
    etiqueta = next((e for e in etiquetas if isinstance(e, Literal) and e.language == "es"), None)
    if etiqueta is None and etiquetas:
        etiqueta = etiquetas[0]
    return _Sujeto(str(s), str(codigo) if codigo is not None else None,
                   str(etiqueta) if etiqueta is not None else None)


def _predicados(datos: Graph, s: Node) -> str:
    return ", ".join(sorted({_nombre_corto(p) for p in datos.predicates(s)})) or "ninguna"


def _nombre_corto(iri: Node) -> str:
    texto = str(iri)
    for prefijo, base in voc.PREFIJOS.items():
        if texto.startswith(base) and len(texto) > len(base):
            return f"{prefijo}:{texto[len(base):]}"
    return f"<{texto}>"
