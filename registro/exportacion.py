"""Exportaciones del registro: volcado completo (TriG, N-Quads) y vista pública (JSON-LD).

Cada formato es una función ``(almacen, destino) -> None`` registrada en ``EXPORTADORES``; la CLI y la
API eligen por nombre. Los volcados completos incluyen grafos privados: solo para respaldo y
administración. Las exportaciones públicas nunca incluyen datos personales.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from registro.almacen.base import Almacen, Vista
from registro.errores import FormatoDesconocido
from registro.vocabulario import PREFIJOS

Exportador = Callable[[Almacen, BinaryIO], None]


def _volcado(formato: str) -> Exportador:
    def exportar(almacen: Almacen, destino: BinaryIO) -> None:
        almacen.volcar(destino, formato)

    return exportar


def grafo_publico(almacen: Almacen):
    """La vista vigente pública como un único ``rdflib.Graph`` (sin datos personales)."""
    res = almacen.consultar("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", vista=Vista.PUBLICA)
    g = res.grafo
    assert g is not None
    for prefijo, base in PREFIJOS.items():
        g.bind(prefijo, base)
    return g


def _jsonld(almacen: Almacen, destino: BinaryIO) -> None:
    destino.write(grafo_publico(almacen).serialize(format="json-ld", encoding="utf-8", auto_compact=True))


def _turtle_publico(almacen: Almacen, destino: BinaryIO) -> None:
    destino.write(grafo_publico(almacen).serialize(format="turtle", encoding="utf-8"))


EXPORTADORES: dict[str, tuple[Exportador, str, str]] = {
    "trig": (_volcado("trig"), "application/trig", "trig"),
    "nquads": (_volcado("nquads"), "application/n-quads", "nq"),
    "jsonld": (_jsonld, "application/ld+json", "jsonld"),
    "turtle": (_turtle_publico, "text/turtle", "ttl"),
}
"""nombre → (función, tipo MIME, extensión de archivo)."""


def exportar(almacen: Almacen, formato: str, destino: BinaryIO) -> None:
    try:
        funcion = EXPORTADORES[formato][0]
    except KeyError as exc:
        raise FormatoDesconocido(
            f"Formato de exportación desconocido: {formato!r}",
            detalle=f"Formatos disponibles: {', '.join(sorted(EXPORTADORES))}.",
        ) from exc
    funcion(almacen, destino)
