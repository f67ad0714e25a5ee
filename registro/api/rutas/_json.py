"""Conversión de los resultados del motor (dataclasses con ``Fraction``/``Decimal``) a JSON exacto."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Any


def a_json(valor: Any) -> Any:
    """JSON sin pérdida: decimales y fracciones como texto decimal (6 cifras truncadas, nunca redondeo
    hacia arriba: un 0,7999… no debe parecer 0,80)."""
    if dataclasses.is_dataclass(valor) and not isinstance(valor, type):
        salida = {c.name: a_json(getattr(valor, c.name)) for c in dataclasses.fields(valor)}
        for nombre in ("convalidables",):
            if hasattr(type(valor), nombre) and isinstance(getattr(type(valor), nombre), property):
                salida[nombre] = [getattr(u, "unidad", None) for u in getattr(valor, nombre)]
        return salida
    if isinstance(valor, Fraction):
        return str(
            (Decimal(valor.numerator) / Decimal(valor.denominator)).quantize(Decimal("0.000001"), ROUND_DOWN)
        )
    if isinstance(valor, Decimal):
        return str(valor)
    if isinstance(valor, datetime | date):
        return valor.isoformat()
    if isinstance(valor, Mapping):
        return {str(k): a_json(v) for k, v in valor.items()}
    if isinstance(valor, list | tuple | set | frozenset):
        return [a_json(v) for v in valor]
    return valor
