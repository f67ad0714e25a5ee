"""La vía rápida de la convalidación da exactamente las mismas decisiones que la consulta de referencia.

``equivalencias._filas_rapidas`` (tres consultas pequeñas + Python) sustituye a
``convalidacion-por-indicador.rq`` (una consulta con toda la metodología, segundos por decisión a escala
nacional). Aquí se evalúan las mismas decisiones por las dos vías —piloto, escenarios de las otras
pruebas y ``via-rapida-bordes.trig``— y se comparan enteras (todo menos la fecha): porcentajes
exactos, evidencias elegidas, cadenas entre países, pesos y valores tal como se muestran, brechas,
avisos, etiquetas y versiones usadas.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from registro import arranque
from registro import equivalencias as eq
from registro.almacen.base import Almacen
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.errores import ErrorRegistro
from tests.equivalencias.conftest import cargar_escenario

HOY = date(2026, 11, 1)


def _por_las_dos_vias(
    monkeypatch: pytest.MonkeyPatch, a: Almacen, certificados: list[str], programa: str, regla: str | None
) -> tuple[object, object]:
    """(decisión por la vía rápida, por la de referencia), sin fecha; o el error de cada una."""

    def decidir() -> object:
        try:
            d = eq.convalidar(
                a, certificados=certificados, programa=programa, regla=regla, hoy=HOY, guardar=False
            )
        except ErrorRegistro as exc:
            return (type(exc).__name__, str(exc))
        return replace(d, fecha=None)

    rapida = decidir()
    with monkeypatch.context() as m:
        m.setattr(eq, "_filas_indicadores", eq._filas_sparql)
        referencia = decidir()
    return rapida, referencia


@pytest.mark.parametrize(
    ("certificados", "programa", "regla"),
    [
        (["CCL-TEL-2024-00117"], "PE-TEL-01", None),
        (["CV-2025-004418"], "PE-TEL-01", None),
        (["CCL-TEL-2024-00117"], "CT-INST-01", None),
        (["CV-2025-004418"], "CT-INST-01", None),
        (["CCL-TEL-2019-00042"], "PE-TEL-01", None),
        (["CCL-TEL-2025-00203"], "PE-TEL-01", None),
        (["CV-2025-005902"], "PE-TEL-01", None),
        (["CV-2025-004418"], "CFT-TEL-2025", None),
        (["CV-2025-005902"], "CFT-TEL-2025", None),
        (["CCL-TEL-2024-00117", "CV-2025-004418"], "PE-TEL-01", None),
    ],
)
def test_piloto_igual_por_las_dos_vias(monkeypatch, piloto, certificados, programa, regla):
    rapida, referencia = _por_las_dos_vias(monkeypatch, piloto, certificados, programa, regla)
    assert rapida == referencia


@pytest.mark.parametrize(
    ("escenarios", "certificados", "programa", "regla"),
    [
        (("via-rapida-bordes.trig",), ["CRA"], "PR", "prueba-ud"),
        (("via-rapida-bordes.trig",), ["CRA"], "PR", "prueba-creditos"),
        (("via-rapida-bordes.trig",), ["CRA"], "PR", "prueba-horas"),
        (("via-rapida-bordes.trig",), ["CRA"], "PR", "prueba-rap"),
        (("via-rapida-bordes.trig",), ["CRB"], "PR", "prueba-ud"),
        (("via-rapida-bordes.trig",), ["CRB"], "PR", "prueba-horas"),
        (("via-rapida-bordes.trig",), ["CRA", "CRB"], "PR", "prueba-horas"),
        (("mapeo-entre-paises.trig",), ["CX"], "PX", None),
        (("mapeo-entre-paises.trig",), ["CX"], "PX", "prueba-creditos"),
        (("umbral-80-pasa-7999-no.trig",), ["C80"], "P80", None),
        (("ponderacion-creditos.trig",), ["CC"], "PC", "prueba-creditos"),
        (("ponderacion-creditos.trig",), ["CC"], "PC", "prueba-ud"),
        (("parcial-maximo-estados-nula.trig",), ["CP"], "PP", None),
        (("certificados-version-vencido-sin-indicadores.trig",), ["C-VIEJA"], "PV", None),
        (("certificados-version-vencido-sin-indicadores.trig",), ["C-VIEJA"], "PV-OK", None),
        (("certificados-version-vencido-sin-indicadores.trig",), ["C-VENCIDO", "C-VIEJA"], "PV-OK", None),
    ],
)
def test_escenarios_iguales_por_las_dos_vias(
    monkeypatch, tmp_path, escenarios, certificados, programa, regla
):
    a = AlmacenOxigraph(None)
    try:
        cargar_escenario(a, *escenarios)
        rapida, referencia = _por_las_dos_vias(monkeypatch, a, certificados, programa, regla)
    finally:
        a.cerrar()
    assert rapida == referencia


def test_bordes_tienen_cadena_inversa_factor_y_dimensiones(piloto):
    """Que la comparación no sea trivial: el escenario de bordes ejerce lo que dice su cabecera."""
    a = AlmacenOxigraph(None)
    try:
        cargar_escenario(a, "via-rapida-bordes.trig")
        d = eq.convalidar(a, certificados=["CRB"], programa="PR", regla="prueba-ud", hoy=HOY, guardar=False)
        cadenas = [i.evidencia.cadena for u in d.unidades for i in u.indicadores if i.evidencia]
        assert any(c.sentido == "inverso" and c.factor == eq.Decimal("0.5") for c in cadenas)
        h = eq.convalidar(
            a, certificados=["CRB"], programa="PR", regla="prueba-horas", hoy=HOY, guardar=False
        )
        assert any(
            i.evidencia and i.evidencia.cadena.predicado.endswith("narrowMatch")
            for u in h.unidades
            for i in u.indicadores
        )
        pesos = {
            i.indicador.rsplit("/", 3)[-3] + "/" + i.indicador.rsplit("/", 1)[-1]: i.peso
            for u in h.unidades
            for i in u.indicadores
        }
        assert pesos["UDa/1"] == 96 and pesos["UDb/1"] == 40  # 2 × (32 + 16) y horas totales
    finally:
        a.cerrar()


def _celdas_de_referencia(a: Almacen, m: eq.Matriz) -> list[tuple[str, ...]]:
    """Las celdas según ``matriz-equivalencia.rq`` (la consulta de referencia), como tuplas comparables."""
    from rdflib import URIRef

    from registro import consultas

    filas = (
        consultas.catalogo()
        .ejecutar(a, "matriz-equivalencia", {"estandar": URIRef(m.estandar), "programa": URIRef(m.programa)})
        .filas
    )
    return sorted(
        tuple(
            str(f.get(k, ""))
            for k in (
                "correspondencia",
                "matriz",
                "indicador",
                "criterio",
                "valoracion",
                "valor",
                "estado",
                "justificacion",
                "autor",
                "revisor",
                "fecha",
                "confianza",
            )
        )
        for f in filas
    )


def _celdas_rapidas(m: eq.Matriz) -> list[tuple[str, ...]]:
    return sorted(
        tuple(
            "" if v is None else str(v)
            for v in (
                c.correspondencia,
                c.matriz,
                c.indicador,
                c.criterio,
                c.valoracion,
                c.valor,
                c.estado,
                c.justificacion,
                c.autor,
                c.revisor,
                c.fecha,
                c.confianza,
            )
        )
        for c in m.celdas
    )


@pytest.mark.parametrize(
    ("estandar", "programa"), [("ECL-TEL-001", "PE-TEL-01"), ("ECL-TEL-001", "CT-INST-01")]
)
def test_matriz_del_piloto_igual_que_la_consulta_de_referencia(piloto, estandar, programa):
    m = eq.matriz(piloto, estandar, programa)
    assert m.celdas
    assert _celdas_rapidas(m) == _celdas_de_referencia(piloto, m)


def test_matriz_de_escenario_igual_que_la_consulta_de_referencia():
    a = AlmacenOxigraph(None)
    try:
        cargar_escenario(a, "parcial-maximo-estados-nula.trig")
        m = eq.matriz(a, "EP", "PP")
        assert len(m.celdas) == 8
        assert _celdas_rapidas(m) == _celdas_de_referencia(a, m)
    finally:
        a.cerrar()


def _cubririan_de_referencia(a: Almacen, brecha: eq.Brecha) -> tuple[eq.Cobertura, ...]:
    """Lo que cubriría un indicador según ``cubrimiento-de-indicadores.rq`` (la consulta para analistas)."""
    from rdflib import URIRef

    from registro import consultas

    filas = (
        consultas.catalogo()
        .ejecutar(a, "cubrimiento-de-indicadores", {"indicadores": [URIRef(brecha.indicador)]})
        .filas
    )
    return tuple(
        dict.fromkeys(
            eq.Cobertura(str(f["criterio"]), str(f["unidad"]), str(f["norma"]), eq.Decimal(str(f["valor"])))
            for f in filas
            if eq.Decimal(str(f["valor"])) > brecha.valor
        )
    )


@pytest.mark.parametrize(
    ("escenarios", "certificados", "programa"),
    [
        ((), ["CCL-TEL-2024-00117"], "PE-TEL-01"),
        ((), ["CV-2025-004418"], "CT-INST-01"),
        ((), ["CCL-TEL-2019-00042"], "PE-TEL-01"),
        (("via-rapida-bordes.trig",), ["CRA"], "PR"),
        (("parcial-maximo-estados-nula.trig",), ["CP"], "PP"),
    ],
)
def test_brechas_iguales_que_la_consulta_para_analistas(escenarios, certificados, programa):
    """Las brechas (dos consultas baratas + Python) dicen lo mismo, y en el mismo orden, que la consulta
    de un solo paso con el camino ``reg:tieneActividad?/reg:tieneCriterio``."""
    a = AlmacenOxigraph(None)
    try:
        if escenarios:
            cargar_escenario(a, *escenarios)
        else:
            arranque.iniciar(a)
        d = eq.convalidar(a, certificados=certificados, programa=programa, hoy=HOY, guardar=False)
        assert any(b.cubririan for b in d.brechas)  # que la comparación no sea trivial
        for b in d.brechas:
            assert b.cubririan == _cubririan_de_referencia(a, b)
    finally:
        a.cerrar()
