"""Presentación de resultados de consultas como tabla de texto, CSV o JSON (CLI y API)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from rdflib import Literal, URIRef
from rdflib.term import Node

from registro.almacen.base import ResultadoConsulta
from registro.errores import EntradaInvalida
from registro.vocabulario import PREFIJOS

FORMATOS_TABULARES = ("tabla", "csv", "json")


def valor_simple(t: Node | None, *, compactar: bool = False) -> str | int | float | bool | None:
    """Valor Python sencillo de un término (decimales exactos como texto para no perder precisión)."""
    if t is None:
        return None
    if isinstance(t, Literal):
        v = t.toPython()
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, bool | int | float | str):
            return v
        return str(t)
    if isinstance(t, URIRef) and compactar:
        return compactar_iri(str(t))
    return str(t)


def compactar_iri(iri: str) -> str:
    """``https://w3id.org/registro/ontologia#Nivel`` → ``reg:Nivel`` (para tablas legibles)."""
    mejor = ""
    for prefijo, base in PREFIJOS.items():
        if iri.startswith(base) and len(base) > len(mejor):
            mejor = base
            nombre = prefijo
    return f"{nombre}:{iri[len(mejor) :]}" if mejor else iri


def filas_simples(res: ResultadoConsulta, *, compactar: bool = False) -> list[dict[str, object]]:
    return [{v: valor_simple(f.get(v), compactar=compactar) for v in res.variables} for f in res.filas]


def presentar(res: ResultadoConsulta, formato: str = "tabla") -> str:
    """Texto del resultado en ``tabla``, ``csv`` o ``json``."""
    if formato not in FORMATOS_TABULARES:
        raise EntradaInvalida(f"Formato de salida desconocido: {formato!r}", detalle="Use tabla, csv o json.")
    if res.tipo == "booleano":
        return (
            json.dumps({"boolean": res.booleano}) if formato == "json" else ("sí" if res.booleano else "no")
        )
    if res.tipo == "grafo":
        assert res.grafo is not None
        return res.grafo.serialize(format="turtle")
    if formato == "json":
        return json.dumps(filas_simples(res), ensure_ascii=False, indent=2)
    if formato == "csv":
        salida = io.StringIO()
        escritor = csv.writer(salida, lineterminator="\n")
        escritor.writerow(res.variables)
        for fila in filas_simples(res):
            escritor.writerow(["" if fila[v] is None else fila[v] for v in res.variables])
        return salida.getvalue()
    return tabla_texto(res.variables, filas_simples(res, compactar=True))


def tabla_texto(
    columnas: tuple[str, ...] | list[str], filas: list[dict[str, object]], ancho_max: int = 60
) -> str:
    """Tabla alineada en texto plano, recortando celdas largas."""

    def celda(v: object) -> str:
        s = "" if v is None else str(v)
        return s if len(s) <= ancho_max else s[: ancho_max - 1] + "…"

    anchos = [len(c) for c in columnas]
    cuerpo = [[celda(f.get(c)) for c in columnas] for f in filas]
    for fila in cuerpo:
        anchos = [max(a, len(x)) for a, x in zip(anchos, fila, strict=True)]
    lineas = ["  ".join(c.ljust(a) for c, a in zip(columnas, anchos, strict=True))]
    lineas.append("  ".join("-" * a for a in anchos))
    lineas += ["  ".join(x.ljust(a) for x, a in zip(fila, anchos, strict=True)) for fila in cuerpo]
    lineas.append(f"({len(filas)} fila{'s' if len(filas) != 1 else ''})")
    return "\n".join(lineas)
