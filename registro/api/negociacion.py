"""Negociación de contenido (cabecera ``Accept`` con pesos ``q``) y validadores HTTP (``ETag``).

Por qué a mano: Starlette no negocia contenido, y el registro lo necesita en dos sitios con reglas
distintas (``/id/…`` y ``/sparql``). La regla es la de RFC 9110: gana el tipo con mayor ``q``; a igual
``q``, el más específico de la cabecera; a igualdad, el orden de preferencia del servidor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def _interpretar(accept: str) -> list[tuple[str, float, int]]:
    """``[(tipo, q, especificidad)]`` de una cabecera Accept (las entradas mal formadas se ignoran)."""
    salida = []
    for parte in accept.split(","):
        trozos = [t.strip() for t in parte.split(";")]
        tipo = trozos[0].lower()
        if not tipo or "/" not in tipo:
            continue
        q = 1.0
        for parametro in trozos[1:]:
            nombre, _, valor = parametro.partition("=")
            if nombre.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(valor)))
                except ValueError:
                    q = 0.0
        principal, _, sub = tipo.partition("/")
        especificidad = 0 if principal == "*" else (1 if sub == "*" else 2)
        salida.append((tipo, q, especificidad))
    return salida


def _coincide(patron: str, tipo: str) -> bool:
    if patron in ("*/*", tipo):
        return True
    principal, _, sub = patron.partition("/")
    return sub == "*" and tipo.startswith(principal + "/")


def elegir(
    accept: str | None, ofrecidos: Sequence[str], *, alias: dict[str, str] | None = None
) -> str | None:
    """El tipo ofrecido preferido por el cliente, o ``None`` si ninguno le sirve (→ 406).

    ``ofrecidos`` va en orden de preferencia del servidor (el primero es el de por defecto sin
    ``Accept``). ``alias`` traduce tipos equivalentes que piden los clientes (``application/json`` →
    ``application/sparql-results+json``).
    """
    if not accept or not accept.strip():
        return ofrecidos[0] if ofrecidos else None
    alias = alias or {}
    rangos = [(alias.get(tipo, tipo), q, esp) for tipo, q, esp in _interpretar(accept)]
    mejor: tuple[float, int, int] | None = None
    elegido: str | None = None
    for orden, ofrecido in enumerate(ofrecidos):
        # RFC 9110 §12.5.1: el rango más específico que coincide fija la calidad del tipo.
        coincidencias = [(esp, q) for tipo, q, esp in rangos if _coincide(tipo, ofrecido)]
        if not coincidencias:
            continue
        especificidad, q = max(coincidencias)
        if q <= 0:
            continue
        clave = (q, especificidad, -orden)
        if mejor is None or clave > mejor:
            mejor, elegido = clave, ofrecido
    return elegido


def etiqueta_entidad(cuerpo: bytes) -> str:
    """``ETag`` fuerte: huella del cuerpo serializado (cambia si cambia un solo byte)."""
    return '"' + hashlib.sha256(cuerpo).hexdigest()[:32] + '"'


def coincide_etag(if_none_match: str | None, etag: str) -> bool:
    """Comparación débil de RFC 9110 para ``If-None-Match`` (admite ``*`` y listas; ignora ``W/``)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    limpio = etag.removeprefix("W/")
    return any(e.strip().removeprefix("W/") == limpio for e in if_none_match.split(","))
