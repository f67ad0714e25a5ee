"""El motor reproduce las cifras calculadas a mano en ``datos_ttl/piloto/LEEME.md``.

Cada caso cita la sección del LEEME. Los porcentajes se comparan como fracciones exactas.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from registro import arranque
from registro import equivalencias as eq
from registro.almacen.base import Almacen
from registro.almacen.oxigraph import AlmacenOxigraph

HOY = date(2026, 11, 1)
F = Fraction


@pytest.fixture(scope="module", params=["memoria", "disco"])
def piloto(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Almacen]:
    ruta: Path | None = None if request.param == "memoria" else tmp_path_factory.mktemp("piloto")
    a = AlmacenOxigraph(ruta)
    arranque.iniciar(a)
    yield a
    a.cerrar()


def _por_codigo(d: eq.Decision) -> dict[str, Fraction]:
    return {u.codigo: u.porcentaje for u in d.unidades}


def _modulos(d: eq.Decision) -> dict[str, tuple[Fraction, Fraction]]:
    return {m.codigo: (m.porcentaje, m.porcentaje_indicadores) for m in d.modulos}


def test_a_titular_peruano_en_iest(piloto):
    d = eq.convalidar(
        piloto, certificados=["CCL-TEL-2024-00117"], programa="PE-TEL-01", hoy=HOY, guardar=False
    )
    assert d.regla.iri.endswith("regla/iest-pe")
    assert _por_codigo(d) == {
        "TEL-101": F(625, 1000),
        "TEL-102": 1,
        "TEL-201": F(8, 10),
        "TEL-202": F(6, 10),
        "TEL-301": F(125, 1000),
        "TEL-302": 0,
        "EMP-401": 0,
        "EMP-402": 0,
    }
    assert sorted(u.codigo for u in d.convalidables) == ["TEL-102", "TEL-201"]
    assert sorted(_modulos(d).values()) == sorted(
        [
            (F(859375, 10**6), F(8125, 10**4)),
            (F(675, 1000), F(7, 10)),
            (F(546875, 10**7), F(625, 10**4)),
            (F(0), F(0)),
        ]
    )
    tel102 = next(u for u in d.unidades if u.codigo == "TEL-102")
    assert tel102.indicadores[2].valor == 1  # dos criterios (total y parcial): el máximo


def test_b_titular_chileno_en_iest_por_mapeos(piloto):
    d = eq.convalidar(piloto, certificados=["CV-2025-004418"], programa="PE-TEL-01", hoy=HOY, guardar=False)
    assert _por_codigo(d) == {
        "TEL-101": F(3125, 10**4),
        "TEL-102": F(625, 1000),
        "TEL-201": F(8, 10),
        "TEL-202": F(7, 10),
        "TEL-301": F(625, 1000),
        "TEL-302": F(875, 1000),
        "EMP-401": 0,
        "EMP-402": 0,
    }
    assert sorted(u.codigo for u in d.convalidables) == ["TEL-201", "TEL-302"]
    assert sorted(m[0] for m in _modulos(d).values()) == sorted(
        [F(5078125, 10**7), F(7375, 10**4), F(765625, 10**6), F(0)]
    )
    tel101 = next(u for u in d.unidades if u.codigo == "TEL-101")
    cadena = tel101.indicadores[0].evidencia.cadena
    assert cadena.predicado.endswith("closeMatch") and cadena.factor == F(1, 2)
    assert cadena.certificados == ("CV-2025-004418",)


def test_c_cetpro(piloto):
    pe = eq.convalidar(
        piloto, certificados=["CCL-TEL-2024-00117"], programa="CT-INST-01", hoy=HOY, guardar=False
    )
    assert pe.regla.iri.endswith("regla/cetpro-pe")
    assert sorted(u.porcentaje for u in pe.unidades) == [F(3, 4), F(9, 10)]
    assert [u.convalidable for u in sorted(pe.unidades, key=lambda u: u.porcentaje)] == [False, True]
    cl = eq.convalidar(piloto, certificados=["CV-2025-004418"], programa="CT-INST-01", hoy=HOY, guardar=False)
    assert sorted(u.porcentaje for u in cl.unidades) == [0, F(3, 4)]  # cetpro-pe no acepta closeMatch


def test_otros_casos(piloto):
    vencido = eq.convalidar(
        piloto, certificados=["CCL-TEL-2019-00042"], programa="PE-TEL-01", hoy=HOY, guardar=False
    )
    assert all(u.porcentaje == 0 for u in vencido.unidades)
    assert any("venció el 09/05/2024" in a for a in vencido.avisos)
    uc3 = eq.convalidar(
        piloto, certificados=["CCL-TEL-2025-00203"], programa="PE-TEL-01", hoy=HOY, guardar=False
    )
    pct = _por_codigo(uc3)
    assert (pct["TEL-202"], pct["TEL-301"], pct["TEL-302"]) == (F(1, 5), F(625, 1000), F(875, 1000))
    assert [u.codigo for u in uc3.convalidables] == ["TEL-302"]
    transversal = eq.convalidar(
        piloto, certificados=["CV-2025-005902"], programa="PE-TEL-01", hoy=HOY, guardar=False
    )
    assert all(u.porcentaje == 0 for u in transversal.unidades)  # su único mapeo está rechazado


def test_d_congruencia_rap_por_dimensiones(piloto):
    d = eq.congruencia_rap(piloto, certificados=["CV-2025-004418"], programa="CFT-TEL-2025", hoy=HOY)
    por = {u.codigo: u for u in d.unidades}
    assert {c: u.porcentaje for c, u in por.items()} == {
        "TEL1101": F(8, 10),
        "TEL1102": 0,
        "TEL1201": F(8, 10),
        "TEL1202": F(75, 100),
    }
    assert {c: u.convalidable for c, u in por.items()} == {
        "TEL1101": True,
        "TEL1102": False,
        "TEL1201": False,
        "TEL1202": True,
    }
    dims = {x.dimension.rsplit("#", 1)[-1]: x for x in por["TEL1201"].dimensiones}
    assert dims["DimensionConocimientos"].porcentaje == F(1, 2) and not dims["DimensionConocimientos"].cumple
    assert sorted(m.porcentaje for m in d.modulos) == [F(48, 100), F(775, 1000)]
    t5 = eq.congruencia_rap(piloto, certificados=["CV-2025-005902"], programa="CFT-TEL-2025", hoy=HOY)
    tel1102 = next(u for u in t5.unidades if u.codigo == "TEL1102")
    assert tel1102.porcentaje == F(85, 100) and tel1102.convalidable


def test_resumen_global_del_piloto(piloto):
    filas = eq.resumen_global(piloto)
    pares = {(f.programa_codigo, f.estandar_codigo) for f in filas}
    assert ("PE-TEL-01", "ECL-TEL-001") in pares and ("CT-INST-01", "ECL-TEL-001") in pares
    # El perfil chileno alcanza el programa IEST por los mapeos aprobados que acepta iest-pe.
    assert ("PE-TEL-01", "P-6110-7422-001-V01") in pares
