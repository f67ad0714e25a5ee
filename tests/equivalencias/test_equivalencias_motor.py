"""Corrección del motor de equivalencias sobre escenarios pequeños con cifras calculadas a mano.

Cada escenario de ``tests/datos/equivalencias/`` explica en su cabecera qué muestra y cómo se calculan
las cifras. Todas las pruebas corren en el almacén en memoria y en el embebido en disco.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from rdflib import Graph, Literal, URIRef

from registro import consultas
from registro import equivalencias as eq
from registro.errores import EntradaInvalida, NoEncontrado
from registro.vocabulario import REG
from tests.equivalencias.conftest import publicar

HOY = date(2026, 11, 1)
ID = "https://w3id.org/registro/id/"


def _pct(decision: eq.Decision, codigo: str) -> Fraction:
    return next(u.porcentaje for u in decision.unidades if u.codigo == codigo)


def _unidad(decision: eq.Decision, codigo: str) -> eq.ResultadoUnidad:
    return next(u for u in decision.unidades if u.codigo == codigo)


def test_exactamente_80_pasa_y_7999_no(escenario):
    a = escenario("umbral-80-pasa-7999-no.trig")
    d = eq.convalidar(a, certificados=["C80"], programa="P80", hoy=HOY, guardar=False)
    ud1, ud2 = _unidad(d, "UD1"), _unidad(d, "UD2")
    assert ud1.porcentaje == Fraction(8, 10) and ud1.convalidable
    assert ud2.porcentaje == Fraction(7999, 10000) and not ud2.convalidable
    assert eq.porcentaje_texto(ud1.porcentaje) == "80,00 %"
    assert eq.porcentaje_texto(ud2.porcentaje) == "79,99 %"
    # Módulo: media ponderada (2 y 2 créditos) = 0,79995 → se muestra truncado, nunca «80,00 %».
    assert d.modulos[0].porcentaje == Fraction(79995, 100000)
    assert eq.porcentaje_texto(d.modulos[0].porcentaje) == "79,99 %"


def test_consultas_agregadas_coinciden_con_python(escenario):
    a = escenario("umbral-80-pasa-7999-no.trig")
    unidad = URIRef(ID + "inst/normas-a/estandar/E80/uc/1")
    params = {
        "programa": [URIRef(ID + "inst/inst-a/programa/P80")],
        "regla": [URIRef(ID + "regla/prueba-ud")],
        "unidades": [unidad],
    }
    filas = consultas.catalogo().ejecutar(a, "convalidacion-por-unidad", params).filas
    assert {str(f["porcentaje"]) for f in filas} == {"0.8", "0.7999"}
    assert sorted(f["convalidable"].toPython() for f in filas) == [False, True]
    modulo = consultas.catalogo().ejecutar(a, "convalidacion-por-modulo", params).filas[0]
    assert Decimal(str(modulo["porcentaje"])) == Decimal("0.79995")
    programa = consultas.catalogo().ejecutar(a, "convalidacion-por-programa", params).filas[0]
    assert int(programa["convalidables"].toPython()) == 1


def test_ponderacion_por_creditos_cambia_la_decision(escenario):
    a = escenario("ponderacion-creditos.trig")
    por_creditos = eq.convalidar(
        a, certificados=["CC"], programa="PC", regla="prueba-creditos", hoy=HOY, guardar=False
    )
    assert [u.codigo for u in por_creditos.unidades] == ["PC-M1"]  # la unidad de decisión es el módulo
    assert por_creditos.unidades[0].porcentaje == Fraction(4, 5)
    assert por_creditos.unidades[0].convalidable
    uniforme = eq.convalidar(a, certificados=["CC"], programa="PC", regla="prueba-ud", hoy=HOY, guardar=False)
    assert _pct(uniforme, "UD1") == 1 and _pct(uniforme, "UD2") == 0
    modulo = uniforme.modulos[0]
    assert modulo.porcentaje == Fraction(4, 5)  # media ponderada por créditos 4 y 1
    assert modulo.porcentaje_indicadores == Fraction(1, 2)  # indicadores agrupados con peso 1


def test_parcial_cuenta_la_mitad_y_se_toma_el_maximo(escenario):
    a = escenario("parcial-maximo-estados-nula.trig")
    d = eq.convalidar(a, certificados=["CP"], programa="PP", hoy=HOY, guardar=False)
    ud1 = _unidad(d, "UD1")
    assert ud1.porcentaje == Fraction(3, 4)
    i1, i2 = ud1.indicadores
    assert i1.valor == 1 and i1.evidencia is not None
    assert i1.evidencia.criterio.endswith("criterio/1.2")  # el criterio que dio el máximo
    assert i1.evidencia.correspondencia.endswith("MP/c/2")
    assert i2.valor == Decimal("0.5")


def test_sugeridas_y_rechazadas_no_cuentan_y_nula_es_brecha_documentada(escenario):
    a = escenario("parcial-maximo-estados-nula.trig")
    d = eq.convalidar(a, certificados=["CP"], programa="PP", hoy=HOY, guardar=False)
    assert _pct(d, "UD2") == Fraction(1, 4)
    brechas = {b.indicador.rsplit("/", 3)[-3] + "/" + b.indicador.rsplit("/", 1)[-1]: b for b in d.brechas}
    assert set(brechas) == {"UD1/2", "UD2/1", "UD2/2", "UD2/3"}
    nula = brechas["UD2/3"]
    assert nula.valor == 0 and nula.documentada is not None and nula.documentada.endswith("MP/c/6")
    assert brechas["UD2/1"].documentada is None  # la sugerida no documenta nada
    # UD1/2 vale 0,5; la correspondencia aprobada con 2.1 (unidad 2, no certificada) la cubriría.
    cubre = brechas["UD1/2"].cubririan
    assert [c.criterio.rsplit("/", 1)[-1] for c in cubre] == ["2.1"] and cubre[0].valor == 1


def test_mapeo_sin_aprobar_no_cuenta_y_close_match_cuenta_con_su_factor(escenario):
    a = escenario("mapeo-entre-paises.trig")
    d = eq.convalidar(a, certificados=["CX"], programa="PX", regla="prueba-ud", hoy=HOY, guardar=False)
    ud1 = _unidad(d, "UD1")
    assert ud1.porcentaje == Fraction(1, 2)
    i1, i2, i3 = ud1.indicadores
    assert i1.valor == Decimal("0.5") and i1.evidencia is not None
    cadena = i1.evidencia.cadena
    assert cadena.unidad_certificada.endswith("ucl/UB1") and cadena.mapeo.endswith("mapeo/1")
    assert cadena.predicado.endswith("closeMatch") and cadena.factor == Decimal("0.5")
    assert i2.valor == 0  # mapeo 2 sugerido
    assert i3.valor == 1 and i3.evidencia.cadena.sentido == "inverso"  # mapeo 3 en el otro sentido
    sin_mapeos = eq.convalidar(
        a, certificados=["CX"], programa="PX", regla="prueba-creditos", hoy=HOY, guardar=False
    )
    assert sin_mapeos.unidades[0].porcentaje == 0


def test_reconocimiento_entre_paises_muestra_la_cadena(escenario):
    a = escenario("mapeo-entre-paises.trig")
    filas = (
        consultas.catalogo()
        .ejecutar(
            a,
            "reconocimiento-entre-paises",
            {
                "unidades": [URIRef(ID + f"inst/normas-b/ucl/UB{n}") for n in (1, 2, 3)],
                "regla": URIRef(ID + "regla/prueba-ud"),
            },
        )
        .filas
    )
    vistos = {
        (
            str(f["unidadCertificada"])[-3:],
            str(f["unidad"])[-4:],
            Decimal(str(f["factor"])),
            str(f["sentido"]),
        )
        for f in filas
    }
    assert vistos == {("UB1", "uc/1", Decimal("0.5"), "directo"), ("UB3", "uc/3", Decimal(1), "inverso")}


def test_unidad_sin_indicadores_es_error_no_cien(escenario):
    a = escenario("certificados-version-vencido-sin-indicadores.trig")
    with pytest.raises(eq.UnidadSinIndicadores, match="UD2"):
        eq.convalidar(a, certificados=["C-VIEJA"], programa="PV", hoy=HOY, guardar=False)


def test_certificado_de_version_sustituida_se_informa(escenario):
    a = escenario("certificados-version-vencido-sin-indicadores.trig")
    d = eq.convalidar(a, certificados=["C-VIEJA"], programa="PV-OK", hoy=HOY, guardar=False)
    (cert,) = d.certificados
    assert cert.version_desactualizada and cert.normas_nuevas == ("EV-2",)
    assert any("versión más nueva" in av and "C-VIEJA" in av for av in d.avisos)
    assert d.unidades[0].porcentaje == 1  # informa, pero cuenta


def test_certificado_vencido_se_informa_y_no_cuenta(escenario):
    a = escenario("certificados-version-vencido-sin-indicadores.trig")
    d = eq.convalidar(a, certificados=["C-VENCIDO"], programa="PV-OK", hoy=HOY, guardar=False)
    assert d.certificados[0].vencido
    assert any("venció el 01/01/2020" in av for av in d.avisos)
    assert d.unidades[0].porcentaje == 0
    antes = eq.convalidar(
        a, certificados=["C-VENCIDO"], programa="PV-OK", hoy=date(2019, 1, 1), guardar=False
    )
    assert antes.unidades[0].porcentaje == 1


def test_resultado_se_desactualiza_con_nueva_version_del_programa(escenario):
    a = escenario("parcial-maximo-estados-nula.trig")
    d = eq.convalidar(a, certificados=["CP"], programa="PP", hoy=HOY)
    assert d.resultado is not None
    assert any(v.endswith("programa-PP/v1") for v in d.versiones_usadas)
    assert any(v.endswith("matriz-MP/v1") for v in d.versiones_usadas)
    (guardado,) = eq.resultados(a)
    assert guardado.iri == d.resultado and not guardado.desactualizado
    assert guardado.convalidables == 0 and guardado.certificados[0].endswith("certificado/CP")
    # Nueva versión del programa (se añade una etiqueta): el resultado anterior queda desactualizado.
    g = a.grafo(URIRef("https://w3id.org/registro/grafo/envio/inst-a/programa-PP/v2".replace("v2", "v1")))
    g.add((URIRef(ID + "inst/inst-a/programa/PP"), REG.version, Literal("2")))
    publicar(a, "inst-a", "programa-PP", g)
    (guardado,) = eq.resultados(a)
    assert guardado.desactualizado


def test_resultado_guardado_con_procedencia(escenario):
    a = escenario("umbral-80-pasa-7999-no.trig")
    d = eq.convalidar(a, certificados=["C80"], programa="P80", hoy=HOY)
    g: Graph = a.grafo(URIRef("https://w3id.org/registro/grafo/resultados"))
    res = URIRef(d.resultado)
    assert (res, REG.reglaAplicada, URIRef(ID + "regla/prueba-ud")) in g
    assert (res, REG.certificadoEvaluado, URIRef(ID + "inst/cert-a/certificado/C80")) in g
    assert len(list(g.objects(res, REG.versionGrafo))) == 3  # programa, estándar, matriz
    porcentajes = sorted(str(o) for s, o in g.subject_objects(REG.porcentaje) if s != res)
    assert porcentajes == ["0.7999", "0.8"]


def test_codigos_desconocidos_o_ambiguos(escenario):
    a = escenario("umbral-80-pasa-7999-no.trig", "ponderacion-creditos.trig")
    with pytest.raises(NoEncontrado, match="«P8»") as exc:
        eq.convalidar(a, certificados=["C80"], programa="P8", hoy=HOY)
    assert "P80" in str(exc.value)
    with pytest.raises(NoEncontrado, match="certificado"):
        eq.convalidar(a, certificados=["NO-EXISTE"], programa="P80", hoy=HOY)
    with pytest.raises(EntradaInvalida):
        eq.convalidar(a, certificados=[], programa="P80", hoy=HOY)
    # «UD1» existe en dos programas: ambiguo como código de unidad didáctica.
    with pytest.raises(EntradaInvalida, match="ambiguo"):
        eq.resolver(a, "UD1", REG.UnidadDidactica)


def test_alineamiento_y_matriz(escenario):
    a = escenario("parcial-maximo-estados-nula.trig")
    al = eq.alinear(a, "EP", "PP")
    uc1 = next(u for u in al.unidades if u.codigo == "EP-UC1")
    # 1.1 parcial (0,5), 1.2 total (la nula no resta: el máximo es la total de c/7), 1.3 solo sugerida.
    assert (uc1.criterios, uc1.cubiertos, uc1.parciales) == (3, 1, 1)
    assert uc1.cobertura == Fraction(1, 2)
    assert al.cobertura == Fraction(5, 2) / 4
    m = eq.matriz(a, "EP", "PP")
    assert len(m.celdas) == 8 and {c.codigo_estado for c in m.celdas} == {"aprobada", "sugerida", "rechazada"}
    assert {c.codigo_valoracion for c in m.celdas} == {"total", "parcial", "nula"}
    assert len(m.indicadores) == 6 and len(m.criterios) == 4
    # Si se certificaran todas las unidades de la norma: UD1 = (1 + 1) / 2, UD2 = 1/4.
    assert [u.porcentaje for u in m.unidades] == [1, Fraction(1, 4)]


def test_resumenes(escenario):
    a = escenario("parcial-maximo-estados-nula.trig", "mapeo-entre-paises.trig")
    filas = eq.resumen_programa(a, "PX", regla="prueba-ud")
    por_norma = {f.estandar_codigo: f for f in filas}
    assert set(por_norma) == {"EA", "PB"}
    assert por_norma["EA"].porcentaje == 1
    # El perfil PB llega por mapeos: UB1 closeMatch 0,5 y UB3 exactMatch inverso (UB2 sugerido no).
    assert por_norma["PB"].porcentaje == Fraction(3, 2) / 3 and por_norma["PB"].cobertura is None
    todas = eq.resumen_global(a)
    pares = {(f.programa_codigo, f.estandar_codigo): f for f in todas}
    assert pares[("PP", "EP")].convalidables == 1 and pares[("PP", "EP")].cobertura == Fraction(5, 8)
    assert ("PX", "EA") in pares
