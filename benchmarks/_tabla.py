"""Tabla Markdown de medidas por backend con razones frente al embebido (la comparten los benchmarks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

Medida = tuple[str, str, Callable[[float], str]]
"""(título de la fila, clave en los resultados de cada backend, formato del valor)."""


def tabla_backends(
    resultados: Mapping[str, Mapping[str, object]], medidas: Sequence[Medida], *, base: str = "embebido"
) -> list[str]:
    """Filas de la tabla (cabecera incluida) y la nota que explica las razones entre paréntesis.

    La clave ``carga`` es una duración de la carga: su razón es de velocidades (>1, más rápido que
    ``base``); para el resto, de tiempos (>1, más lento). Un backend que falló deja «—».
    """
    referencia = resultados.get(base, {})
    lineas = ["| medida | " + " | ".join(resultados) + " |", "|---|" + "---:|" * len(resultados)]
    for titulo, clave, formato in medidas:
        celdas = []
        for r in resultados.values():
            v = r.get(clave)
            if not isinstance(v, float):
                celdas.append("—")
                continue
            ref = referencia.get(clave)
            razon = ""
            if isinstance(ref, float) and ref > 0:
                razon = f" ({ref / v:.2f}×)" if clave == "carga" else f" ({v / ref:.2f}×)"
            celdas.append(formato(v) + razon)
        lineas.append(f"| {titulo} | " + " | ".join(celdas) + " |")
    lineas += [
        "",
        f"Razones entre paréntesis frente al {base}: en la carga, velocidad relativa (>1 más rápido); en el "
        "resto, tiempo relativo (>1 más lento).",
    ]
    return lineas
