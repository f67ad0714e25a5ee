"""Exportaciones del registro para registros socios, analistas y catálogos de datos.

Cada formato es una función ``(almacen, destino, opciones) -> None`` registrada en ``EXPORTADORES``
con su tipo MIME y su extensión; la CLI (``registro exportar``) y la API
(``/api/exportaciones/{formato}``) eligen por nombre y no saben nada más de los formatos.

Formatos (un módulo por familia):

- ``trig``, ``nquads`` (:mod:`.rdf`): sin país, **volcado completo** (todos los grafos, también los
  privados: respaldo y administración, solo para administradores); con ``pais``, el **subconjunto
  público** de ese país (ontología, referencia y las versiones vigentes públicas de sus instituciones).
- ``jsonld``, ``turtle`` (:mod:`.rdf`): la vista vigente pública (o la de un país) en un solo grafo.
- ``elm`` (:mod:`.elm`): normas, unidades y programas como recursos ELM v3 conformes al perfil
  LOQ (Turtle).
- ``sssom`` (:mod:`.sssom`): mapeos aprobados entre unidades de distintos países (TSV SSSOM).
- ``csv`` (:mod:`.tabular`): ZIP con CSV (UTF-8 con BOM), un libro XLSX y un LÉAME para analistas.
- ``dcat`` (:mod:`.dcat`): catálogo DCAT de los conjuntos de datos vigentes y sus descargas.

Todo lo que no es el volcado completo sale de ``Vista.PUBLICA``: nunca incluye certificados,
titulares ni grafos privados.
"""

from __future__ import annotations

from typing import BinaryIO

from registro.almacen.base import Almacen
from registro.errores import FormatoDesconocido
from registro.exportacion import dcat, elm, rdf, sssom, tabular
from registro.exportacion._comun import Exportador, Opciones, grafo_publico

__all__ = [
    "DESCRIPCIONES",
    "EXPORTADORES",
    "VOLCADOS_COMPLETOS",
    "Exportador",
    "Opciones",
    "es_publica",
    "exportar",
    "grafo_publico",
    "nombre_archivo",
]

EXPORTADORES: dict[str, tuple[Exportador, str, str]] = {
    "trig": (rdf.volcado("trig"), "application/trig", "trig"),
    "nquads": (rdf.volcado("nquads"), "application/n-quads", "nq"),
    "jsonld": (rdf.publico("json-ld"), "application/ld+json", "jsonld"),
    "turtle": (rdf.publico("turtle"), "text/turtle", "ttl"),
    "elm": (elm.exportar, "text/turtle", "elm.ttl"),
    "sssom": (sssom.exportar, "text/tab-separated-values", "sssom.tsv"),
    "csv": (tabular.exportar, "application/zip", "zip"),
    "dcat": (dcat.exportar, "text/turtle", "dcat.ttl"),
}
"""nombre → (función, tipo MIME, extensión de archivo)."""

DESCRIPCIONES: dict[str, str] = {
    "trig": "Volcado TriG: completo (administración) o, con país, el subconjunto público de ese país",
    "nquads": "Volcado N-Quads: completo (administración) o, con país, el subconjunto público de ese país",
    "jsonld": "Vista pública vigente en JSON-LD (un solo grafo)",
    "turtle": "Vista pública vigente en Turtle (un solo grafo)",
    "elm": "Normas, unidades y programas en el modelo europeo ELM v3 (perfil LOQ), Turtle",
    "sssom": "Mapeos aprobados entre unidades de competencia de distintos países, TSV SSSOM",
    "csv": "ZIP con hojas CSV y XLSX de normas, programas y mapeos, y un LÉAME",
    "dcat": "Catálogo DCAT de los conjuntos de datos vigentes y sus distribuciones",
}
"""Descripción breve de cada formato (ayuda de la CLI y resúmenes de OpenAPI)."""

VOLCADOS_COMPLETOS = frozenset({"trig", "nquads"})
"""Formatos que, sin ``pais``, vuelcan TODO el almacén (incluidos los grafos privados)."""


def es_publica(formato: str, pais: str | None = None) -> bool:
    """Verdadero si la exportación solo contiene la vista pública (sin credenciales de administrador)."""
    return formato not in VOLCADOS_COMPLETOS or pais is not None


def nombre_archivo(formato: str, pais: str | None = None) -> str:
    """Nombre de archivo sugerido (``Content-Disposition``, ``--salida`` por defecto)."""
    _, _, extension = _entrada(formato)
    sufijo = f"-{pais.upper()}" if pais else ""
    base = "registro-completo" if not es_publica(formato, pais) else "registro"
    return f"{base}{sufijo}.{extension}"


def _entrada(formato: str) -> tuple[Exportador, str, str]:
    try:
        return EXPORTADORES[formato]
    except KeyError as exc:
        raise FormatoDesconocido(
            f"Formato de exportación desconocido: {formato!r}",
            detalle=f"Formatos disponibles: {', '.join(sorted(EXPORTADORES))}.",
        ) from exc


def exportar(
    almacen: Almacen,
    formato: str,
    destino: BinaryIO,
    *,
    pais: str | None = None,
    base_publica: str | None = None,
) -> None:
    """Escribe la exportación ``formato`` en ``destino``.

    ``pais`` (ISO 3166-1 alfa-2, p. ej. ``PE``) limita la exportación a los recursos de ese país;
    ``base_publica`` es la dirección del servicio para los enlaces de descarga (DCAT, SSSOM).
    """
    funcion = _entrada(formato)[0]
    opciones = Opciones(pais=pais.strip().upper() if pais else None)
    if base_publica:
        opciones = Opciones(pais=opciones.pais, base_publica=base_publica.rstrip("/"))
    funcion(almacen, destino, opciones)
