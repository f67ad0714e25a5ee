"""``VistaAcotada`` da las mismas respuestas que la vista entera (issue #4, decisión < 100 ms).

La vía rápida de la convalidación consulta con un grafo por defecto reducido a los grafos que tienen
alguno de los predicados de cada consulta (``equivalencias._VISTA_*``): a escala nacional cada búsqueda
por índice costaba ~3× más con los 6 grafos de ``Vista.COMPLETA``. Es exacta solo si cada consulta
declara todos sus predicados; aquí se comprueba decidiendo con y sin acotar (piloto y escenarios), que
las etiquetas por aristas coinciden con ``etiquetas.rq`` y que la caché se renueva al escribir.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from rdflib import Graph, Literal, URIRef

from registro import consultas
from registro import equivalencias as eq
from registro.almacen.base import Almacen, Vista, VistaAcotada
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.errores import ErrorRegistro
from registro.vocabulario import GRAFO_CERTIFICADOS, GRAFO_REFERENCIA, REG
from tests.equivalencias.conftest import cargar_escenario

HOY = date(2026, 11, 1)


def _con_y_sin_acotar(
    monkeypatch: pytest.MonkeyPatch, a: Almacen, certificados: list[str], programa: str
) -> tuple[object, object]:
    """(decisión con vistas acotadas, con la vista entera), sin fecha; o el error de cada una."""

    def decidir() -> object:
        try:
            d = eq.convalidar(a, certificados=certificados, programa=programa, hoy=HOY, guardar=False)
        except ErrorRegistro as exc:
            return (type(exc).__name__, str(exc))
        return replace(d, fecha=None)

    acotada = decidir()
    original = Almacen.grafos_de

    def sin_acotar(self: Almacen, vista: Vista | VistaAcotada):  # type: ignore[no-untyped-def]
        return original(self, vista.vista if isinstance(vista, VistaAcotada) else vista)

    with monkeypatch.context() as m:
        m.setattr(Almacen, "grafos_de", sin_acotar)
        entera = decidir()
    return acotada, entera


@pytest.mark.parametrize(
    ("certificados", "programa"),
    [
        (["CCL-TEL-2024-00117"], "PE-TEL-01"),
        (["CV-2025-004418"], "CT-INST-01"),
        (["CCL-TEL-2019-00042"], "PE-TEL-01"),
        (["CV-2025-005902"], "CFT-TEL-2025"),
        (["CCL-TEL-2024-00117", "CV-2025-004418"], "PE-TEL-01"),
    ],
)
def test_piloto_igual_con_y_sin_acotar(monkeypatch, piloto, certificados, programa):
    acotada, entera = _con_y_sin_acotar(monkeypatch, piloto, certificados, programa)
    assert not isinstance(acotada, tuple), acotada
    assert acotada == entera


@pytest.mark.parametrize(
    ("escenario", "certificados", "programa"),
    [
        ("via-rapida-bordes.trig", ["CRA", "CRB"], "PR"),
        ("mapeo-entre-paises.trig", ["CX"], "PX"),
        ("parcial-maximo-estados-nula.trig", ["CP"], "PP"),
        ("certificados-version-vencido-sin-indicadores.trig", ["C-VENCIDO", "C-VIEJA"], "PV-OK"),
    ],
)
def test_escenarios_iguales_con_y_sin_acotar(monkeypatch, escenario, certificados, programa):
    a = AlmacenOxigraph(None)
    try:
        cargar_escenario(a, escenario)
        acotada, entera = _con_y_sin_acotar(monkeypatch, a, certificados, programa)
    finally:
        a.cerrar()
    assert acotada == entera


def test_etiquetas_por_aristas_como_etiquetas_rq(piloto):
    """``_etiquetas`` (dos consultas de aristas) da lo mismo que ``etiquetas.rq`` sobre la vista entera."""
    d = eq.convalidar(
        piloto, certificados=["CCL-TEL-2024-00117"], programa="PE-TEL-01", hoy=HOY, guardar=False
    )
    recursos = [k for k in d.etiquetas if not k.startswith(("codigo:", "norma:"))]
    recursos += ["https://w3id.org/registro/id/no-existe"]
    assert len(recursos) > 20
    filas = consultas.catalogo().ejecutar(
        piloto, "etiquetas", {"recursos": [URIRef(r) for r in recursos]}, Vista.COMPLETA
    ).filas
    esperado: dict[str, str] = {}
    for f in filas:
        r = str(f["recurso"])
        codigo = str(f.get("codigo") or f.get("numero") or "")
        esperado[r] = " — ".join(x for x in (codigo, str(f.get("etiqueta", ""))) if x) or eq._corto(r)
        if codigo:
            esperado[f"codigo:{r}"] = codigo
        if "norma" in f:
            esperado[f"norma:{r}"] = str(f["norma"])
    assert eq._etiquetas(piloto, recursos) == esperado


def test_acotada_deja_fuera_grafos_sin_los_predicados_y_se_renueva_al_escribir(piloto):
    a = AlmacenOxigraph(None)
    try:
        cargar_escenario(a, "via-rapida-bordes.trig")
        vista = VistaAcotada(Vista.COMPLETA, frozenset({REG.tieneModulo}))
        entera = a.grafos_de(Vista.COMPLETA)
        acotada = a.grafos_de(vista)
        assert entera is not None and acotada is not None
        assert GRAFO_CERTIFICADOS in entera.por_defecto
        assert GRAFO_CERTIFICADOS not in acotada.por_defecto
        assert set(acotada.por_defecto) < set(entera.por_defecto)
        assert acotada.con_nombre == entera.con_nombre and acotada.vigentes == entera.vigentes
        # Sin ningún grafo con el predicado, la vista entera (un grafo por defecto vacío no es portable).
        nadie = VistaAcotada(Vista.COMPLETA, frozenset({URIRef("https://ejemplo.org/sin-uso")}))
        assert a.grafos_de(nadie) == entera
        # Un grafo fijo que gana el predicado vuelve a entrar tras la escritura.
        g = Graph()
        g += a.grafo(GRAFO_REFERENCIA)
        g.add((URIRef("https://ejemplo.org/p"), REG.tieneModulo, URIRef("https://ejemplo.org/m")))
        g.add((URIRef("https://ejemplo.org/m"), REG.creditos, Literal(1)))
        a.reemplazar_grafos({GRAFO_REFERENCIA: g})
        renovada = a.grafos_de(vista)
        assert renovada is not None and GRAFO_REFERENCIA in renovada.por_defecto
    finally:
        a.cerrar()
