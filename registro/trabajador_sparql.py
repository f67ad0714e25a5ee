"""Proceso trabajador del punto SPARQL público: ejecuta consultas sobre una instantánea de solo lectura.

Por qué un proceso aparte: la API de Python de pyoxigraph no tiene tiempo máximo ni cancelación; la
única forma de *detener de verdad* una consulta costosa es matar el proceso que la evalúa
(NOTAS-TECNICAS). Este módulo es el lado hijo: importa solo pyoxigraph y la biblioteca estándar (arranca
en décimas de segundo) y nunca escribe.

Qué datos ve el trabajador: una **instantánea pública** preparada por el servidor
(``consulta_publica``), con solo los grafos públicos: cada uno como grafo con nombre y, además, la unión
de los vigentes copiada en el grafo por defecto. Así una consulta normal usa el grafo por defecto del
almacén (rápido) en lugar de una lista de miles de grafos (una versión por envío: con 1.800 grafos,
``default_graph=[…]`` tarda segundos por consulta en pyoxigraph 0.5, medido), y los datos personales
ni siquiera están en el proceso. ``--tipo disco``: un almacén en disco construido para el trabajador y
abierto con ``Store.read_only`` (nadie lo escribe después); ``--tipo memoria``: los mismos archivos
(``defecto.nt`` y ``grafos.nq``) cargados en un almacén en memoria (almacén del servidor en memoria).

Protocolo: mensajes ``pickle`` por un ``socketpair`` heredado (``--fd``); el padre envía un ``dict`` por
consulta y recibe un ``dict`` con el cuerpo ya serializado. El resultado se corta en
``filas_maximas`` (se leen como mucho ``filas_maximas + 1`` soluciones: las consultas en flujo ni
siquiera se evalúan enteras).
"""

from __future__ import annotations

import argparse
import sys
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

GRAFO_VACIO = "https://w3id.org/registro/grafo/vacio"
"""Grafo que no existe: representa un grafo por defecto vacío (``default_graph=[]``)."""

FORMATOS_RESULTADOS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
FORMATOS_GRAFO = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def ejecutar(store: ox.Store, peticion: dict, prefijos: dict[str, str] | None = None) -> dict:
    """Ejecuta una consulta y devuelve la respuesta serializada (``estado``: ok | sintaxis | error)."""
    argumentos: dict = {}
    if peticion.get("defecto") is not None:
        argumentos["default_graph"] = [ox.NamedNode(g) for g in peticion["defecto"]] or [
            ox.NamedNode(GRAFO_VACIO)
        ]
    if peticion.get("con_nombre") is not None:
        argumentos["named_graphs"] = [ox.NamedNode(g) for g in peticion["con_nombre"]]
    if peticion.get("sustituciones"):
        argumentos["substitutions"] = {
            ox.Variable(k): _termino(v) for k, v in peticion["sustituciones"].items()
        }
    maximo = int(peticion["filas_maximas"])
    try:
        res = store.query(peticion["consulta"], **argumentos)
        if isinstance(res, ox.QueryBoolean):
            fmt = FORMATOS_RESULTADOS[peticion["formato_resultados"]]
            return _ok("booleano", res.serialize(format=fmt), fmt.media_type, 1, False)
        if isinstance(res, ox.QuerySolutions):
            fmt = FORMATOS_RESULTADOS[peticion["formato_resultados"]]
            variables = res.variables
            filas = list(islice(res, maximo + 1))
            truncado = len(filas) > maximo
            del filas[maximo:]
            cuerpo = serializar_filas(variables, filas, fmt)
            return _ok("filas", cuerpo, fmt.media_type, len(filas), truncado)
        fmt_rdf = FORMATOS_GRAFO[peticion["formato_grafo"]]
        tripletas = list(islice(res, maximo + 1))
        truncado = len(tripletas) > maximo
        del tripletas[maximo:]
        cuerpo = ox.serialize(tripletas, format=fmt_rdf, prefixes=prefijos or None)
        respuesta = _ok("grafo", cuerpo, fmt_rdf.media_type, len(tripletas), truncado)
        if peticion.get("sujeto"):
            sujeto = ox.NamedNode(peticion["sujeto"])
            respuesta["contiene_sujeto"] = any(t.subject == sujeto for t in tripletas)
        return respuesta
    except SyntaxError as exc:
        return {"estado": "sintaxis", "mensaje": str(exc)}
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        return {"estado": "error", "mensaje": f"{type(exc).__name__}: {exc}"}


def _ok(tipo: str, cuerpo: bytes, mime: str, filas: int, truncado: bool) -> dict:
    return {
        "estado": "ok",
        "tipo": tipo,
        "cuerpo": cuerpo,
        "tipo_mime": mime,
        "filas": filas,
        "truncado": truncado,
    }


def _termino(t: tuple) -> ox.NamedNode | ox.Literal:
    """``("iri", v)`` o ``("literal", v, tipo, idioma)`` → término de pyoxigraph."""
    if t[0] == "iri":
        return ox.NamedNode(t[1])
    _, valor, tipo, idioma = t
    if idioma:
        return ox.Literal(valor, language=idioma)
    return ox.Literal(valor, datatype=ox.NamedNode(tipo)) if tipo else ox.Literal(valor)


def serializar_filas(
    variables: list[ox.Variable], filas: list[ox.QuerySolution], fmt: ox.QueryResultsFormat
) -> bytes:
    """Serializa soluciones ya leídas: se escriben en TSV (términos en sintaxis N-Triples, sin pérdida)
    y se vuelven a leer con el analizador de Oxigraph, que serializa en cualquier formato."""
    lineas = ["\t".join(str(v) for v in variables)]
    for fila in filas:
        lineas.append("\t".join("" if t is None else str(t) for t in fila))
    tsv = "\n".join(lineas) + "\n"
    soluciones = ox.parse_query_results(tsv.encode("utf-8"), format=ox.QueryResultsFormat.TSV)
    return soluciones.serialize(format=fmt)


def abrir(tipo: str, ruta: str) -> ox.Store:
    """Abre la instantánea: en disco de solo lectura, o sus archivos cargados en memoria."""
    if tipo == "disco":
        return ox.Store.read_only(ruta)
    store = ox.Store()
    cargar_instantanea(store, Path(ruta))
    return store


def cargar_instantanea(store: ox.Store, carpeta: Path) -> None:
    """Carga ``defecto.nt`` en el grafo por defecto y ``grafos.nq`` como grafos con nombre."""
    store.bulk_load(
        path=str(carpeta / "defecto.nt"), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph()
    )
    store.bulk_load(path=str(carpeta / "grafos.nq"), format=ox.RdfFormat.N_QUADS)


def principal(argv: list[str] | None = None) -> int:
    analizador = argparse.ArgumentParser(description="Trabajador SPARQL del registro (uso interno).")
    analizador.add_argument("--fd", type=int, required=True)
    analizador.add_argument("--tipo", choices=("disco", "memoria"), required=True)
    analizador.add_argument("--ruta", required=True)
    args = analizador.parse_args(argv)
    conexion = Connection(args.fd)
    try:
        store = abrir(args.tipo, args.ruta)
    except (OSError, SyntaxError, ValueError) as exc:
        conexion.send({"estado": "error", "mensaje": f"No se pudo abrir la instantánea: {exc}"})
        return 1
    conexion.send({"estado": "listo"})
    prefijos: dict[str, str] = {}
    while True:
        try:
            peticion = conexion.recv()
        except (EOFError, OSError):
            return 0  # el servidor cerró la conexión (o murió): terminar
        if peticion.get("orden") == "prefijos":
            prefijos = dict(peticion["prefijos"])
            continue
        conexion.send(ejecutar(store, peticion, prefijos))


if __name__ == "__main__":  # pragma: no cover - proceso hijo
    sys.exit(principal())
