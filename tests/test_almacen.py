"""Comportamiento del almacén embebido: ida y vuelta de volcados, cargas fallidas, atomicidad, vistas."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from registro import versiones
from registro.almacen.base import Vista
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.errores import EntradaInvalida, ErrorConsulta
from registro.vocabulario import GRAFO, ID, REG
from tests.utiles import firma

EX = "https://w3id.org/registro/id/inst/prueba/"


def _volcado(a: AlmacenOxigraph) -> list[str]:
    buf = io.BytesIO()
    a.volcar(buf, "nquads")
    return sorted(line for line in buf.getvalue().decode().splitlines() if line.strip())


def _grafo(n: int) -> Graph:
    g = Graph()
    for i in range(n):
        g.add((URIRef(f"{EX}r{i}"), REG.codigo, Literal(f"C{i}")))
    return g


def test_volcado_y_carga_conservan_grafos_y_conteos(almacen_piloto: AlmacenOxigraph, tmp_path: Path) -> None:
    for formato in ("trig", "nquads"):
        ruta = tmp_path / f"volcado.{formato}"
        with ruta.open("wb") as f:
            almacen_piloto.volcar(f, formato)
        otro = AlmacenOxigraph(tmp_path / f"otro-{formato}")
        otro.cargar(ruta, formato)
        assert otro.conteos() == almacen_piloto.conteos()
        assert firma(otro) == firma(almacen_piloto)
        otro.cerrar()


def test_carga_fallida_deja_el_almacen_igual(almacen_piloto_mutable: AlmacenOxigraph, tmp_path: Path) -> None:
    antes = _volcado(almacen_piloto_mutable)
    roto = tmp_path / "roto.nq"
    # Muchas cuádruplas correctas y una rota al final: nada debe quedar escrito.
    lineas = [f'<{EX}s{i}> <{REG.codigo}> "x{i}" <{GRAFO}carga/rota> .' for i in range(5000)]
    lineas.append(f'<{EX}mal> <{REG.codigo}> "sin cerrar <{GRAFO}carga/rota> .')
    roto.write_text("\n".join(lineas) + "\n", encoding="utf-8")
    with pytest.raises(EntradaInvalida) as info:
        almacen_piloto_mutable.cargar(roto, "nquads")
    assert "no se cargó nada" in info.value.mensaje
    assert _volcado(almacen_piloto_mutable) == antes


def test_reemplazo_de_grafo_es_atomico(almacen_disco: AlmacenOxigraph) -> None:
    g = URIRef(f"{GRAFO}prueba/atomica")
    almacen_disco.reemplazar_grafos({g: _grafo(10)})
    antes = _volcado(almacen_disco)
    with pytest.raises(ErrorConsulta):
        # La actualización extra es inválida: el reemplazo del grafo tampoco debe aplicarse.
        almacen_disco.reemplazar_grafos({g: _grafo(3)}, "INSERT DATA { esto no es sparql }")
    assert _volcado(almacen_disco) == antes
    almacen_disco.reemplazar_grafos({g: _grafo(3)})
    assert almacen_disco.conteos()[str(g)] == 3


def test_versiones_nuevas_no_borran_las_anteriores(almacen_referencia: AlmacenOxigraph) -> None:
    v1 = versiones.publicar(almacen_referencia, "prueba", "conjunto", _grafo(4), sha256="a")
    v2 = versiones.publicar(almacen_referencia, "prueba", "conjunto", _grafo(2), sha256="b")
    assert (v1.numero, v2.numero) == (1, 2)
    assert v2.anterior == v1.grafo
    vs = {v.numero: v for v in versiones.versiones(almacen_referencia, "prueba", "conjunto")}
    assert not vs[1].vigente and vs[2].vigente
    # La vista vigente ve solo v2; la versión 1 sigue consultable con GRAPH.
    cuenta = "SELECT (COUNT(*) AS ?n) WHERE { ?s <%s> ?o . FILTER(STRSTARTS(STR(?s), '%s')) }" % (REG.codigo, EX)
    assert int(almacen_referencia.consultar(cuenta).filas[0]["n"].toPython()) == 2
    en_v1 = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{v1.grafo}> {{ ?s ?p ?o }} }}"
    assert int(almacen_referencia.consultar(en_v1, vista=Vista.TODO).filas[0]["n"].toPython()) == 4


def test_la_vista_publica_no_ve_grafos_privados(almacen_piloto: AlmacenOxigraph) -> None:
    privados = "SELECT (COUNT(*) AS ?n) WHERE { ?c a <%s> }" % REG.Certificado
    con_grafo = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?c a <%s> } }" % REG.Certificado
    completa = int(almacen_piloto.consultar(privados, vista=Vista.COMPLETA).filas[0]["n"].toPython())
    assert completa > 0, "el piloto debe traer certificados en el grafo privado"
    for q in (privados, con_grafo):
        assert int(almacen_piloto.consultar(q, vista=Vista.PUBLICA).filas[0]["n"].toPython()) == 0


def test_sustitucion_de_parametros_no_permite_inyeccion(almacen_piloto: AlmacenOxigraph) -> None:
    q = "SELECT ?s WHERE { ?s <%s> ?codigo }" % REG.codigo
    malicioso = Literal('x" } UNION { ?s ?p ?o } #')
    assert almacen_piloto.consultar(q, {"codigo": malicioso}).filas == ()


def test_iri_de_recurso_no_escapa_del_espacio_de_nombres() -> None:
    from registro import vocabulario

    iri = vocabulario.de_institucion("iest-x", "../mtpe", "a b")
    assert str(iri).startswith(vocabulario.espacio_institucion("iest-x"))
    assert str(iri) == f"{ID}inst/iest-x/..%2Fmtpe/a%20b"
