"""Exportación SSSOM (TSV con bloque de metadatos YAML) de los mapeos entre unidades de países.

Qué se exporta y por qué: **solo los mapeos aprobados** (``reg:estado id:estado/aprobada``). Un
registro socio que lee un conjunto SSSOM lo usa como equivalencias vigentes; SSSOM no tiene un
campo de «estado de revisión» (``predicate_modifier: Not`` significa «se afirma que NO
corresponden», que no es lo mismo que «sugerido» o «rechazado»). Las sugerencias y los rechazados
se ven en la exportación ``csv`` (hoja ``mapeos``, con la columna ``estado``) y en ``/api/mapeos``.

Columnas: ``subject_id``/``object_id`` son CURIE del registro (``id:inst/…``) y el bloque
``curie_map`` los expande; autor y revisor van en ``author_id``/``reviewer_id`` si son IRIs y en
``author_label``/``reviewer_label`` si son texto (el piloto los registra como texto). La versión del
conjunto es la fecha de la versión vigente más reciente de los envíos que contienen mapeos, de modo
que dos exportaciones del mismo estado del registro son idénticas byte a byte.
"""

from __future__ import annotations

import csv
import io
import json
from typing import BinaryIO

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, SKOS
from rdflib.term import Node

from registro import consultas
from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista
from registro.exportacion._comun import Opciones, pais_iri

ESTADO_APROBADO = voc.estado("aprobada")
LICENCIA_POR_DEFECTO = "https://creativecommons.org/licenses/by/4.0/"
"""Licencia declarada si la referencia no da otra con ``id:catalogo dct:license <…>``.

SSSOM la exige. Es un valor provisional: los organismos dueños de los datos deben confirmarla (y
declararla en los datos de referencia, que mandan sobre este valor)."""

PREFIJOS_SSSOM: dict[str, str] = {
    "id": str(voc.ID),
    "skos": str(SKOS),
    "semapv": str(voc.SEMAPV),
    "owl": str(OWL),
}

COLUMNAS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "author_id",
    "author_label",
    "reviewer_id",
    "reviewer_label",
    "mapping_date",
    "comment",
)


def filas_mapeos(
    almacen: Almacen, pais: URIRef | None = None, *, solo_aprobados: bool = True
) -> list[dict[str, Node]]:
    """Filas de ``mapeos-unidades.rq`` en la vista pública (de un país: origen o destino en él)."""
    res = consultas.catalogo().ejecutar(almacen, "mapeos-unidades", vista=Vista.PUBLICA)
    salida = []
    for fila in res.filas:
        if solo_aprobados and fila.get("estado") != ESTADO_APROBADO:
            continue
        if pais is not None and pais not in (fila.get("paisOrigen"), fila.get("paisDestino")):
            continue
        salida.append(fila)
    return salida


def _curie(iri: Node | None) -> str:
    if not isinstance(iri, URIRef):
        return ""
    mejor = max(
        ((p, b) for p, b in PREFIJOS_SSSOM.items() if str(iri).startswith(b)),
        key=lambda pb: len(pb[1]),
        default=None,
    )
    return f"{mejor[0]}:{str(iri)[len(mejor[1]) :]}" if mejor else str(iri)


def _texto(valor: Node | None) -> str:
    return "" if valor is None else " ".join(str(valor).split())


def _version(almacen: Almacen) -> str:
    """Fecha de la versión vigente más reciente entre los envíos (estable para un mismo estado)."""
    res = consultas.catalogo().ejecutar(almacen, "grafos-de-envios", vista=Vista.PUBLICA)
    fechas = sorted(str(f["fecha"]) for f in res.filas if "fecha" in f)
    return fechas[-1] if fechas else "0"


def _licencia(almacen: Almacen) -> str:
    res = almacen.consultar(
        "SELECT ?catalogo ?licencia WHERE { ?catalogo <http://purl.org/dc/terms/license> ?licencia } LIMIT 1",
        {"catalogo": voc.recurso("catalogo")},
        vista=Vista.PUBLICA,
    )
    return str(res.filas[0]["licencia"]) if res.filas else LICENCIA_POR_DEFECTO


def exportar(almacen: Almacen, destino: BinaryIO, opciones: Opciones | None = None) -> None:
    """Escribe el conjunto SSSOM (metadatos YAML comentados + TSV) de los mapeos aprobados."""
    opciones = opciones or Opciones()
    pais = pais_iri(almacen, opciones.pais) if opciones.pais else None
    filas = filas_mapeos(almacen, pais)
    sufijo = f"?pais={opciones.pais}" if opciones.pais else ""
    metadatos: dict[str, object] = {
        "curie_map": PREFIJOS_SSSOM,
        "mapping_set_id": f"{opciones.base_publica}/api/exportaciones/sssom{sufijo}",
        "mapping_set_version": _version(almacen),
        "mapping_set_title": "Equivalencias aprobadas entre unidades de competencia laboral"
        + (f" ({opciones.pais})" if opciones.pais else ""),
        "mapping_set_description": "Mapeos aprobados entre unidades de competencia de distintos países "
        "(reconocimiento mutuo de certificaciones laborales), exportados del registro de cualificaciones. "
        "Solo incluye mapeos con estado «aprobada».",
        "license": _licencia(almacen),
        "mapping_provider": f"{opciones.base_publica}/",
        "subject_type": "skos concept",
        "object_type": "skos concept",
    }
    texto = io.StringIO()
    for linea in _yaml(metadatos):
        texto.write(f"#{linea}\n")
    escritor = csv.writer(texto, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    escritor.writerow(COLUMNAS)
    for f in filas:
        autor, revisor = f.get("autor"), f.get("revisor")
        confianza = f.get("confianza")
        fecha = f.get("fecha")
        escritor.writerow(
            [
                _curie(f["origen"]),
                _texto(f.get("etiquetaOrigen")),
                _curie(f["predicado"]),
                _curie(f["destino"]),
                _texto(f.get("etiquetaDestino")),
                _curie(f.get("justificacion")) or "semapv:ManualMappingCuration",
                str(confianza.toPython()) if isinstance(confianza, Literal) else "",
                _curie(autor),
                "" if isinstance(autor, URIRef) else _texto(autor),
                _curie(revisor),
                "" if isinstance(revisor, URIRef) else _texto(revisor),
                str(fecha)[:10] if fecha is not None else "",
                _texto(f.get("nota")),
            ]
        )
    destino.write(texto.getvalue().encode("utf-8"))


def _yaml(datos: dict[str, object], sangria: str = "") -> list[str]:
    """YAML mínimo: los escalares van como cadenas JSON, que YAML acepta tal cual (sin PyYAML)."""
    lineas: list[str] = []
    for clave, v in datos.items():
        if isinstance(v, dict):
            lineas.append(f"{sangria}{clave}:")
            lineas.extend(_yaml(v, sangria + "  "))
        else:
            lineas.append(f"{sangria}{clave}: {json.dumps(str(v), ensure_ascii=False)}")
    return lineas
