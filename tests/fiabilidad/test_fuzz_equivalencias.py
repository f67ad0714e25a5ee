"""Propiedades de la aritmética de equivalencias (``registro.equivalencias``), con Hypothesis.

Dos niveles:

- **De extremo a extremo** (almacén + consultas SPARQL + Python): escenarios generados —un programa con
  unidades didácticas e indicadores, un estándar con criterios, una matriz con correspondencias de
  valoración y estado al azar, un certificado— y se comprueba, contra un oráculo escrito aquí con
  ``Fraction``: el porcentaje de cada unidad está entre 0 y 1 y es exactamente Σ max(valoración
  aprobada) / n; **no depende del orden** de las correspondencias (se publican con otra numeración y en
  otro orden); y **añadir una correspondencia aprobada «total» nunca baja** el porcentaje de ninguna unidad.
- **Funciones puras** (``_decidir_unidad``, ``_agregar``): pesos y valores decimales al azar; acotación,
  permutación e igualdad exacta con el umbral (``Decimal``: exactamente el umbral pasa; un paso menos no).

El número de ejemplos se mantiene modesto (la suite entera debe durar poco) y se cuenta: ver ``EJEMPLOS``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from registro import equivalencias as eq
from registro import versiones
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.vocabulario import GRAFO_CERTIFICADOS, GRAFO_ONTOLOGIA, GRAFO_REFERENCIA, GRAFO_RESULTADOS
from registro.vocabulario import REG as R
from tests.fiabilidad.entorno import clonar, volcado

ID = "https://w3id.org/registro/id/"
HOY = date(2026, 11, 1)
VALORES = {"total": Fraction(1), "parcial": Fraction(1, 2), "nula": Fraction(0)}
ESTADOS = ("aprobada", "sugerida", "rechazada")
EJEMPLOS: Counter[str] = Counter()
"""Ejemplos ejecutados por prueba (se imprimen al final; cifras en benchmarks/RESULTADOS.md)."""

_BASE = Path(__file__).resolve().parent.parent / "datos" / "equivalencias" / "_base.trig"


@pytest.fixture(scope="module")
def base() -> bytes:
    """Almacén con ``_base.trig`` (escala, estados, reglas de prueba, instituciones), como volcado."""
    ds = Dataset()
    ds.parse(data=_BASE.read_bytes(), format="trig")
    fijos = {URIRef(str(g.identifier)): _copia(g) for g in ds.graphs() if len(g)}
    a = AlmacenOxigraph(None)
    extra = [
        versiones.registrar_grafo_fijo(GRAFO_ONTOLOGIA, publico=True),
        versiones.registrar_grafo_fijo(GRAFO_REFERENCIA, publico=True),
        versiones.registrar_grafo_fijo(GRAFO_RESULTADOS, publico=False),
        versiones.registrar_grafo_fijo(GRAFO_CERTIFICADOS, publico=False),
    ]
    a.reemplazar_grafos(
        {g: c for g, c in fijos.items() if g in (GRAFO_ONTOLOGIA, GRAFO_REFERENCIA)}, " ;\n".join(extra)
    )
    return volcado(a)


def _copia(g: Graph) -> Graph:
    c = Graph()
    for t in g:
        c.add(t)
    return c


# --- escenarios generados ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Escenario:
    indicadores_por_ud: tuple[int, ...]
    """Número de indicadores de cada unidad didáctica (todas en un módulo)."""
    criterios: int
    """Criterios de la unidad de competencia certificada (la UC 2, sin certificar, tiene uno más)."""
    correspondencias: tuple[tuple[int, int, str, str], ...]
    """(indicador global, criterio —``criterios`` = el de la UC sin certificar—, valoración, estado)."""


@st.composite
def escenarios(draw: st.DrawFn) -> Escenario:
    uds = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    criterios = draw(st.integers(1, 4))
    n = sum(uds)
    corr = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, criterios),
                st.sampled_from(sorted(VALORES)),
                st.sampled_from(ESTADOS),
            ),
            max_size=12,
        )
    )
    return Escenario(uds, criterios, tuple(corr))


def _ud(i: int) -> str:
    return f"{ID}inst/inst-a/programa/PF/ud/UD{i + 1}"


def _indicadores(e: Escenario) -> list[tuple[str, str]]:
    """(IRI del indicador, IRI de su unidad didáctica), en orden."""
    salida = []
    for i, k in enumerate(e.indicadores_por_ud):
        salida += [(f"{_ud(i)}/indicador/{j + 1}", _ud(i)) for j in range(k)]
    return salida


def _criterio(e: Escenario, c: int) -> str:
    if c == e.criterios:
        return f"{ID}inst/normas-a/estandar/EF/uc/2/criterio/2.1"
    return f"{ID}inst/normas-a/estandar/EF/uc/1/criterio/1.{c + 1}"


def _publicar(a: AlmacenOxigraph, e: Escenario, orden: list[int], numeracion: list[int]) -> None:
    """Publica estándar, programa, matriz (correspondencias en ``orden`` y con IRIs ``numeracion``)."""
    u = URIRef
    est = Graph()
    e_iri = u(f"{ID}inst/normas-a/estandar/EF")
    est.add((e_iri, RDF.type, R.EstandarCompetencia))
    est.add((e_iri, R.codigo, Literal("EF")))
    for n_uc, criterios in (
        (1, [_criterio(e, c) for c in range(e.criterios)]),
        (2, [_criterio(e, e.criterios)]),
    ):
        uc = u(f"{ID}inst/normas-a/estandar/EF/uc/{n_uc}")
        est.add((e_iri, R.tieneUnidad, uc))
        est.add((uc, RDF.type, R.UnidadCompetencia))
        est.add((uc, R.codigo, Literal(f"EF-UC{n_uc}")))
        for c in criterios:
            est.add((uc, R.tieneCriterio, u(c)))
            est.add((u(c), RDF.type, R.CriterioDesempeno))
            est.add((u(c), R.numero, Literal(c.rsplit("/", 1)[-1])))
    prog = Graph()
    p = u(f"{ID}inst/inst-a/programa/PF")
    m = u(f"{p}/modulo/1")
    prog += [
        (p, RDF.type, R.ProgramaEstudios),
        (p, R.codigo, Literal("PF")),
        (p, R.ofrecidoPor, u(f"{ID}inst/inst-a")),
    ]
    prog += [(p, R.tieneModulo, m), (m, RDF.type, R.ModuloFormativo), (m, R.codigo, Literal("PF-M1"))]
    por_ud: dict[str, list[str]] = {}
    for ind, ud in _indicadores(e):
        por_ud.setdefault(ud, []).append(ind)
    for ud, inds in por_ud.items():
        cap = u(f"{ud}/capacidad/1")
        prog += [(m, R.tieneUnidadDidactica, u(ud)), (u(ud), RDF.type, R.UnidadDidactica)]
        prog += [(u(ud), R.codigo, Literal(ud.rsplit("/", 1)[-1])), (u(ud), R.creditos, Literal(2))]
        prog += [(u(ud), R.tieneCapacidad, cap), (cap, RDF.type, R.Capacidad)]
        for k, ind in enumerate(inds, start=1):
            prog += [(cap, R.tieneIndicador, u(ind)), (u(ind), RDF.type, R.IndicadorLogro)]
            prog += [
                (u(ind), R.orden, Literal(k)),
                (u(ind), SKOS.prefLabel, Literal(f"Indicador {k}", lang="es")),
            ]
    mat = Graph()
    mx = u(f"{ID}inst/inst-a/matriz/MF")
    mat += [(mx, RDF.type, R.MatrizEquivalencia), (mx, R.codigo, Literal("MF")), (mx, R.estandar, e_iri)]
    mat += [(mx, R.programa, p), (mx, R.regla, u(f"{ID}regla/prueba-ud"))]
    indicadores = _indicadores(e)
    for pos, k in zip(numeracion, orden, strict=True):
        ind, c, val, estado = e.correspondencias[k]
        ci = u(f"{mx}/c/{pos}")
        mat += [
            (ci, RDF.type, R.Correspondencia),
            (ci, R.enMatriz, mx),
            (ci, R.indicador, u(indicadores[ind][0])),
        ]
        mat += [(ci, R.criterio, u(_criterio(e, c))), (ci, R.valoracion, u(f"{ID}valoracion/{val}"))]
        mat += [(ci, R.estado, u(f"{ID}estado/{estado}"))]
    cert = Graph()
    ce, ti = u(f"{ID}inst/cert-a/certificado/CF"), u(f"{ID}inst/cert-a/titular/T-F")
    cert += [
        (ce, RDF.type, R.Certificado),
        (ce, R.codigo, Literal("CF")),
        (ce, R.norma, e_iri),
        (ce, R.titular, ti),
    ]
    cert += [(ce, R.certificaUnidad, u(f"{ID}inst/normas-a/estandar/EF/uc/1"))]
    cert += [(ce, R.vigenteHasta, Literal("2099-01-01", datatype=XSD.date)), (ti, RDF.type, R.Titular)]
    a.reemplazar_grafos({GRAFO_CERTIFICADOS: cert})
    for inst, clave, g in (
        ("normas-a", "estandar-EF", est),
        ("inst-a", "programa-PF", prog),
        ("inst-a", "matriz-MF", mat),
    ):
        versiones.publicar(
            a, inst, clave, g, sha256=versiones.huella(g.serialize(format="nt", encoding="utf-8"))
        )


def _oraculo(e: Escenario) -> dict[str, Fraction]:
    """Porcentaje esperado por unidad didáctica: media de max(valoración aprobada sobre la UC certificada)."""
    mejor: dict[int, Fraction] = {}
    for ind, c, val, estado in e.correspondencias:
        if estado == "aprobada" and c < e.criterios:
            mejor[ind] = max(mejor.get(ind, Fraction(0)), VALORES[val])
    salida: dict[str, list[Fraction]] = {}
    for i, (_ind, ud) in enumerate(_indicadores(e)):
        salida.setdefault(ud, []).append(mejor.get(i, Fraction(0)))
    return {ud: sum(v, Fraction(0)) / len(v) for ud, v in salida.items()}


def _decidir(base: bytes, e: Escenario, orden: list[int], numeracion: list[int]) -> eq.Decision:
    a = clonar(base)
    _publicar(a, e, orden, numeracion)
    return eq.convalidar(a, certificados=["CF"], programa="PF", regla="prueba-ud", hoy=HOY, guardar=False)


_AJUSTES = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_AJUSTES
@given(e=escenarios(), semilla=st.integers(0, 2**16))
def test_porcentaje_acotado_exacto_e_independiente_del_orden(base: bytes, e: Escenario, semilla: int) -> None:
    EJEMPLOS["acotado-exacto-orden"] += 1
    n = len(e.correspondencias)
    d1 = _decidir(base, e, list(range(n)), list(range(1, n + 1)))
    azar = random.Random(semilla)
    orden, numeracion = list(range(n)), list(range(1, n + 1))
    azar.shuffle(orden)
    azar.shuffle(numeracion)
    d2 = _decidir(base, e, orden, [x * 7 + 3 for x in numeracion])
    esperado = _oraculo(e)
    por_unidad = {u.unidad: u.porcentaje for u in d1.unidades}
    assert por_unidad == esperado
    assert {u.unidad: u.porcentaje for u in d2.unidades} == por_unidad
    assert [m.porcentaje for m in d2.modulos] == [m.porcentaje for m in d1.modulos]
    assert d2.porcentaje_programa == d1.porcentaje_programa
    for d in (d1, d2):
        for valor in [
            *(u.porcentaje for u in d.unidades),
            *(m.porcentaje for m in d.modulos),
            d.porcentaje_programa,
        ]:
            assert 0 <= valor <= 1
        for u in d.unidades:
            assert u.convalidable == (u.porcentaje >= Fraction(Decimal("0.80")))


@_AJUSTES
@given(e=escenarios(), datos=st.data())
def test_una_correspondencia_total_aprobada_nunca_baja_el_porcentaje(
    base: bytes, e: Escenario, datos: st.DataObject
) -> None:
    EJEMPLOS["monotonia"] += 1
    n = len(e.correspondencias)
    antes = _decidir(base, e, list(range(n)), list(range(1, n + 1)))
    ind = datos.draw(st.integers(0, sum(e.indicadores_por_ud) - 1), label="indicador")
    crit = datos.draw(st.integers(0, e.criterios - 1), label="criterio certificado")
    mas = Escenario(
        e.indicadores_por_ud, e.criterios, (*e.correspondencias, (ind, crit, "total", "aprobada"))
    )
    despues = _decidir(base, mas, list(range(n + 1)), list(range(1, n + 2)))
    previos = {u.unidad: u.porcentaje for u in antes.unidades}
    for u in despues.unidades:
        assert u.porcentaje >= previos[u.unidad]
    unidad = _indicadores(e)[ind][1]
    assert next(u for u in despues.unidades if u.unidad == unidad).porcentaje > 0
    assert despues.porcentaje_programa >= antes.porcentaje_programa


# --- funciones puras ------------------------------------------------------------------------------------
_PESOS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("40"), places=2)
_VALOR = st.sampled_from([Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("0.25"), Decimal("0.75")])


def _regla(umbral: Decimal = Decimal("0.80"), agregacion: str = str(R.AgregacionMediaPonderada)) -> eq.Regla:
    return eq.Regla(
        iri=f"{ID}regla/x",
        etiqueta="x",
        umbral=umbral,
        escala="",
        ponderacion=str(R.PonderacionUniforme),
        unidad_decision=str(R.UnidadDidactica),
        agregacion=agregacion,
    )


def _inds(pesos_valores: list[tuple[Decimal, Decimal]]) -> list[eq.ValorIndicador]:
    return [
        eq.ValorIndicador(indicador=f"{ID}i/{k}", etiqueta="", orden=k, peso=p, valor=v, evidencia=None)
        for k, (p, v) in enumerate(pesos_valores)
    ]


@settings(max_examples=150, deadline=None)
@given(pv=st.lists(st.tuples(_PESOS, _VALOR), min_size=1, max_size=15), semilla=st.integers(0, 2**16))
def test_unidad_acotada_exacta_y_sin_orden(pv: list[tuple[Decimal, Decimal]], semilla: int) -> None:
    EJEMPLOS["unidad-pura"] += 1
    r = _regla()
    u1 = eq._decidir_unidad(r, "du", "m", Decimal(2), _inds(pv))
    mezclados = list(pv)
    random.Random(semilla).shuffle(mezclados)
    u2 = eq._decidir_unidad(r, "du", "m", Decimal(2), _inds(mezclados))
    esperado = sum((Fraction(p) * Fraction(v) for p, v in pv), Fraction(0)) / sum(
        (Fraction(p) for p, _ in pv), Fraction(0)
    )
    assert u1.porcentaje == u2.porcentaje == esperado
    assert 0 <= u1.porcentaje <= 1
    assert u1.convalidable == (esperado >= Fraction(Decimal("0.80")))


_DIVISORES = (1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 80, 100)
"""n con k/n decimal finito: el umbral k/n se escribe exacto como ``xsd:decimal`` (0.8 = 4/5)."""


@settings(max_examples=100, deadline=None)
@given(n=st.sampled_from(_DIVISORES), datos=st.data(), paso=st.sampled_from(["0.0001", "0.000001", "1E-12"]))
def test_umbral_exacto_pasa_y_un_paso_mas_no(n: int, datos: st.DataObject, paso: str) -> None:
    """Con valores 0/1 y pesos iguales la unidad vale k/n exacto: pasa el umbral k/n y no k/n + paso."""
    EJEMPLOS["umbral-exacto"] += 1
    k = datos.draw(st.integers(0, n), label="k")
    pv = [(Decimal(1), Decimal(1 if i < k else 0)) for i in range(n)]
    exacto = Decimal(k) / Decimal(n)
    assert Fraction(exacto) == Fraction(k, n)
    assert eq._decidir_unidad(_regla(exacto), "du", "m", None, _inds(pv)).convalidable
    assert not eq._decidir_unidad(_regla(exacto + Decimal(paso)), "du", "m", None, _inds(pv)).convalidable
    # El texto se trunca, nunca se redondea hacia arriba: lo que no pasa no aparece como el umbral.
    debajo = Fraction(k, n) - Fraction(Decimal(paso))
    if k and debajo >= 0:
        assert eq.porcentaje_texto(debajo) != eq.porcentaje_texto(Fraction(k, n))


@settings(max_examples=80, deadline=None)
@given(
    unidades=st.lists(st.lists(st.tuples(_PESOS, _VALOR), min_size=1, max_size=6), min_size=1, max_size=5),
    creditos=st.lists(_PESOS, min_size=5, max_size=5),
    semilla=st.integers(0, 2**16),
)
def test_modulo_y_programa_acotados_y_sin_orden(
    unidades: list[list[tuple[Decimal, Decimal]]], creditos: list[Decimal], semilla: int
) -> None:
    EJEMPLOS["agregacion-pura"] += 1
    for agregacion in (str(R.AgregacionMediaPonderada), str(R.AgregacionIndicadores)):
        r = _regla(agregacion=agregacion)
        uds = [eq._decidir_unidad(r, f"du{i}", "m", creditos[i], _inds(pv)) for i, pv in enumerate(unidades)]
        mods, total = eq._agregar(r, uds)
        mezcladas = list(uds)
        random.Random(semilla).shuffle(mezcladas)
        mods2, total2 = eq._agregar(r, mezcladas)
        assert total == total2 and [m.porcentaje for m in mods] == [m.porcentaje for m in mods2]
        assert 0 <= total <= 1 and all(0 <= m.porcentaje <= 1 for m in mods)
        assert min(u.porcentaje for u in uds) <= total <= max(u.porcentaje for u in uds)


def test_cuenta_de_ejemplos() -> None:
    """Informa cuántos ejemplos corrieron (se anota en benchmarks/RESULTADOS.md)."""
    if EJEMPLOS:
        print(f"\nEjemplos Hypothesis (equivalencias): {dict(EJEMPLOS)}, total {sum(EJEMPLOS.values())}")
    assert all(v > 0 for v in EJEMPLOS.values())
