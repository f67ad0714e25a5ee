"""La vía rápida del resumen da exactamente las mismas filas que las consultas agregadas de referencia.

``equivalencias._resumen_rapido`` (consultas planas que empiezan por IRIs conocidos + agregación en
Python) sustituye a ``convalidacion-por-unidad``, ``equivalencia-por-estandar`` y
``cobertura-por-estandar`` (minutos a escala nacional). Aquí se calculan ``resumen_programa`` y
``resumen_global`` por las dos vías —piloto y escenarios pequeños de ``tests/datos/equivalencias``— y
se comparan enteros: pares programa × norma, regla, unidades de decisión, convalidables, porcentaje y
cobertura exactos (``Fraction``). Corre en cada backend elegido (``--backends``), con las dos vías en el
mismo almacén (hasta que se reescribieron, las consultas de referencia no compilaban en Virtuoso 7.2 y la
referencia se calculaba en un Oxigraph embebido).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from registro import equivalencias as eq
from registro.almacen.base import Almacen
from registro.errores import ErrorRegistro
from tests.equivalencias.conftest import cargar_escenario

Resultado = object


def _por_las_dos_vias(
    monkeypatch: pytest.MonkeyPatch,
    calcular: Callable[[Almacen], tuple[eq.FilaResumen, ...]],
    almacen: Almacen,
) -> tuple[Resultado, Resultado]:
    """(vía rápida, vía de referencia) en ``almacen``; o el error de cada una."""

    def una(a: Almacen) -> Resultado:
        try:
            filas = calcular(a)
        except ErrorRegistro as exc:
            return (type(exc).__name__, str(exc))
        # El orden entre filas con los mismos códigos no está definido en la referencia (sale de un set).
        return sorted(filas, key=lambda f: (f.programa_codigo, f.estandar_codigo, f.programa, f.estandar))

    rapida = una(almacen)
    with monkeypatch.context() as m:
        m.setattr(eq, "_resumen_por_reglas", eq._resumen_sparql)
        referencia = una(almacen)
    return rapida, referencia


@pytest.mark.parametrize("programa", ["PE-TEL-01", "CT-INST-01", "CFT-TEL-2025"])
def test_resumen_programa_del_piloto(monkeypatch, almacen_piloto, programa):
    rapida, referencia = _por_las_dos_vias(
        monkeypatch, lambda a: eq.resumen_programa(a, programa), almacen_piloto
    )
    assert rapida == referencia
    assert isinstance(rapida, list) and rapida


def test_resumen_global_del_piloto(monkeypatch, almacen_piloto):
    rapida, referencia = _por_las_dos_vias(monkeypatch, eq.resumen_global, almacen_piloto)
    assert rapida == referencia
    assert isinstance(rapida, list) and len(rapida) > 1


_ESCENARIOS = [
    (
        "via-rapida-bordes.trig",
        [("PR", "prueba-ud"), ("PR", "prueba-creditos"), ("PR", "prueba-horas"), ("PR", "prueba-rap")],
    ),
    ("mapeo-entre-paises.trig", [("PX", None), ("PX", "prueba-creditos"), ("PX", "prueba-ud")]),
    ("umbral-80-pasa-7999-no.trig", [("P80", None)]),
    ("ponderacion-creditos.trig", [("PC", "prueba-creditos"), ("PC", "prueba-ud")]),
    ("parcial-maximo-estados-nula.trig", [("PP", None)]),
    ("certificados-version-vencido-sin-indicadores.trig", [("PV", None), ("PV-OK", None)]),
]


@pytest.mark.parametrize(("escenario", "programas"), _ESCENARIOS, ids=[e for e, _ in _ESCENARIOS])
def test_escenarios_iguales_por_las_dos_vias(
    monkeypatch, almacen_memoria: Almacen, escenario: str, programas: list[tuple[str, str | None]]
):
    cargar_escenario(almacen_memoria, escenario)
    rapida, referencia = _por_las_dos_vias(monkeypatch, eq.resumen_global, almacen_memoria)
    assert rapida == referencia
    for programa, regla in programas:
        rapida, referencia = _por_las_dos_vias(
            monkeypatch, lambda a, p=programa, r=regla: eq.resumen_programa(a, p, r), almacen_memoria
        )
        assert rapida == referencia, (programa, regla)


def test_bordes_no_son_triviales(almacen_memoria: Almacen):
    """Que la comparación ejerza lo difícil: una norma alcanzada solo por un mapeo con factor."""
    cargar_escenario(almacen_memoria, "via-rapida-bordes.trig")
    filas = eq.resumen_programa(almacen_memoria, "PR", "prueba-ud")
    por_norma = {f.estandar_codigo: f for f in filas}
    assert {"EA", "PB"} <= set(por_norma)
    assert por_norma["PB"].porcentaje > 0  # solo por el mapeo UA2 closeMatch UB2 leído al revés
    assert por_norma["EA"].cobertura is not None and por_norma["EA"].cobertura > 0
