"""Filtros comunes de las búsquedas (``q``, ``pais``, ``sector``, ``nivel``) convertidos a IRIs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query
from rdflib import URIRef

from registro import vocabulario as voc
from registro.api.dependencias import CUALQUIERA, iri_o_codigo
from registro.errores import EntradaInvalida

_NIVEL = re.compile(r"^([A-Za-z0-9._~-]+)[/-](\d{1,2})$")


@dataclass(frozen=True)
class Filtros:
    q: str | None
    pais: URIRef
    sector: URIRef
    nivel: URIRef


def filtros(
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Texto a buscar en nombres y códigos (sin distinguir mayúsculas ni tildes).",
        ),
    ] = None,
    pais: Annotated[
        str | None, Query(max_length=200, description="País: código ISO (`PE`, `CL`) o IRI.")
    ] = None,
    sector: Annotated[
        str | None, Query(max_length=200, description="Sector: código (`telecomunicaciones`) o IRI.")
    ] = None,
    nivel: Annotated[
        str | None,
        Query(
            max_length=200, description="Nivel de cualificación: `marco-número` (`mncp-4`, `mctp/3`) o IRI."
        ),
    ] = None,
) -> Filtros:
    return Filtros(q, iri_o_codigo(pais, "pais"), iri_o_codigo(sector, "sector"), _nivel(nivel))


def _nivel(valor: str | None) -> URIRef:
    if not valor:
        return CUALQUIERA
    if valor.startswith(str(voc.ID)):
        return iri_o_codigo(valor)
    m = _NIVEL.match(valor.strip())
    if not m:
        raise EntradaInvalida(
            f"Nivel mal escrito: «{valor}»",
            detalle="Escriba el marco y el número de nivel, p. ej. «mncp-4» o «mctp/3», o el IRI del nivel.",
        )
    return voc.nivel(m.group(1).lower(), int(m.group(2)))
