"""Comportamiento del almacén, idéntico en cada backend (embebido, servidor Oxigraph, Virtuoso).

Ida y vuelta de volcados, cargas fallidas y reanudables, atomicidad (también ante fallos en mitad de
una petición), vistas (la pública nunca ve datos personales, ni con ``FROM``), términos devueltos
iguales a los del embebido, y parámetros sin inyección. Las fixtures se parametrizan en conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from registro import versiones
from registro.almacen.base import Almacen, Vista
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.errores import EntradaInvalida, ErrorAlmacen, ErrorConsulta
from registro.vocabulario import GRAFO, GRAFO_CERTIFICADOS, ID, REG
from tests.utiles import firma

EX = "https://w3id.org/registro/id/inst/prueba/"
_NUNCA = "urn:x-prueba:grafo-que-nunca-existio"
"""``DROP GRAPH`` (sin SILENT) de este grafo falla al ejecutarse en los tres backends."""


def _grafo(n: int) -> Graph:
    g = Graph()
    for i in range(n):
        g.add((URIRef(f"{EX}r{i}"), REG.codigo, Literal(f"C{i}")))
    return g


def _con_tipo(g: Graph) -> Graph:
    """Literales simples con ``xsd:string`` explícito, como los devuelve el almacén (RDF 1.1)."""
    salida = Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.language is None and o.datatype is None:
            o = Literal(str(o), datatype=XSD.string)
        salida.add((s, p, o))
    return salida


def _n(a: Almacen, consulta: str, vista: Vista = Vista.COMPLETA) -> int:
    return int(a.consultar(consulta, vista=vista).filas[0]["n"].toPython())


def test_volcado_y_carga_conservan_grafos_y_conteos(
    almacen_piloto: Almacen, fabrica_almacen, tmp_path: Path
) -> None:
    esperado = firma(almacen_piloto)
    for formato in ("trig", "nquads"):
        ruta = tmp_path / f"volcado.{formato}"
        with ruta.open("wb") as f:
            almacen_piloto.volcar(f, formato)
        otro = fabrica_almacen()
        otro.cargar(ruta, formato)
        assert otro.conteos() == almacen_piloto.conteos()
        assert firma(otro) == esperado


def test_carga_fallida_deja_el_almacen_igual(almacen_piloto_mutable: Almacen, tmp_path: Path) -> None:
    antes = firma(almacen_piloto_mutable)
    roto = tmp_path / "roto.nq"
    # Muchas cuádruplas correctas (varios lotes en los remotos) y una rota al final: nada se escribe.
    lineas = [f'<{EX}s{i}> <{REG.codigo}> "x{i}" <{GRAFO}carga/rota> .' for i in range(5000)]
    lineas.append(f'<{EX}mal> <{REG.codigo}> "sin cerrar <{GRAFO}carga/rota> .')
    roto.write_text("\n".join(lineas) + "\n", encoding="utf-8")
    with pytest.raises(EntradaInvalida) as info:
        almacen_piloto_mutable.cargar(roto, "nquads")
    assert "no se cargó nada" in info.value.mensaje
    assert firma(almacen_piloto_mutable) == antes


def test_carga_de_tripletas_con_nodos_en_blanco_en_un_grafo(almacen_disco: Almacen, tmp_path: Path) -> None:
    ruta = tmp_path / "lista.ttl"
    filas = "\n".join(f'<{EX}r{i}> <{REG.codigo}> "C{i}" .' for i in range(4500))
    ruta.write_text(
        f"{filas}\n<{EX}x> <{RDFS.seeAlso}> [ <{REG.codigo}> \"interno\" ;\n"
        f"  <{RDFS.seeAlso}> [ <{REG.orden}> 1 ] ] .\n",
        encoding="utf-8",
    )
    destino = URIRef(f"{GRAFO}carga/lista")
    assert almacen_disco.cargar(ruta, "turtle", destino) == 4504
    g = almacen_disco.grafo(destino)
    assert len(g) == 4504
    # El nodo en blanco anidado sigue siendo uno solo (no se partió entre lotes).
    assert len(set(g.subjects(REG.orden, None))) == 1
    assert not ruta.with_name(ruta.name + ".reanudar.json").exists()


def test_reemplazo_de_grafo_es_atomico(almacen_disco: Almacen) -> None:
    g = URIRef(f"{GRAFO}prueba/atomica")
    almacen_disco.reemplazar_grafos({g: _grafo(10)})
    antes = firma(almacen_disco)
    with pytest.raises(ErrorConsulta):
        # La actualización extra es inválida: el reemplazo del grafo tampoco debe aplicarse.
        almacen_disco.reemplazar_grafos({g: _grafo(3)}, "INSERT DATA { esto no es sparql }")
    assert firma(almacen_disco) == antes
    with pytest.raises(ErrorAlmacen):
        # Sintaxis correcta, fallo al ejecutar (DROP no SILENT de un grafo inexistente, después de
        # escribir): lo ya ejecutado no debe quedar.
        almacen_disco.reemplazar_grafos({g: _grafo(3)}, f"DROP GRAPH <{_NUNCA}>")
    assert firma(almacen_disco) == antes
    almacen_disco.reemplazar_grafos({g: _grafo(3)})
    assert almacen_disco.conteos()[str(g)] == 3


def test_actualizacion_que_falla_a_medias_no_escribe_nada(almacen_disco: Almacen) -> None:
    g = URIRef(f"{GRAFO}prueba/a-medias")
    almacen_disco.reemplazar_grafos({g: _grafo(5)})
    antes = firma(almacen_disco)
    with pytest.raises(ErrorAlmacen) as info:
        almacen_disco.actualizar(
            f"DROP SILENT GRAPH <{g}> ;\n"
            f"INSERT DATA {{ GRAPH <{g}> {{ <{EX}nuevo> <{REG.codigo}> \"N\" }} }} ;\n"
            f"DROP GRAPH <{_NUNCA}>"
        )
    assert "no se escribió nada" in info.value.mensaje
    assert firma(almacen_disco) == antes


def test_reemplazo_conserva_nodos_en_blanco(almacen_disco: Almacen) -> None:
    g = URIRef(f"{GRAFO}prueba/blancos")
    datos = _grafo(3)
    nodo, lista = BNode(), BNode()
    datos.add((URIRef(f"{EX}r0"), RDFS.seeAlso, nodo))
    datos.add((nodo, REG.codigo, Literal("interno")))
    datos.add((nodo, RDFS.seeAlso, lista))
    datos.add((lista, RDF.first, Literal(1)))
    datos.add((lista, RDF.rest, RDF.nil))
    almacen_disco.reemplazar_grafos({g: datos})
    assert isomorphic(almacen_disco.grafo(g), _con_tipo(datos))


def test_versiones_nuevas_no_borran_las_anteriores(almacen_referencia: Almacen) -> None:
    v1 = versiones.publicar(almacen_referencia, "prueba", "conjunto", _grafo(4), sha256="a")
    v2 = versiones.publicar(almacen_referencia, "prueba", "conjunto", _grafo(2), sha256="b")
    assert (v1.numero, v2.numero) == (1, 2)
    assert v2.anterior == v1.grafo
    vs = {v.numero: v for v in versiones.versiones(almacen_referencia, "prueba", "conjunto")}
    assert not vs[1].vigente and vs[2].vigente
    # La vista vigente ve solo v2; la versión 1 sigue consultable con GRAPH.
    cuenta = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{REG.codigo}> ?o . FILTER(STRSTARTS(STR(?s), '{EX}')) }}"
    assert _n(almacen_referencia, cuenta) == 2
    en_v1 = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{v1.grafo}> {{ ?s ?p ?o }} }}"
    assert _n(almacen_referencia, en_v1, Vista.TODO) == 4
    assert _n(almacen_referencia, en_v1, Vista.COMPLETA) == 4


def test_la_vista_publica_no_ve_grafos_privados(almacen_piloto: Almacen) -> None:
    cert = f"<{REG.Certificado}>"
    privados = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c a {cert} }}"
    assert _n(almacen_piloto, privados, Vista.COMPLETA) > 0, "el piloto debe traer certificados privados"
    intentos = (
        privados,
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?c a {cert} }} }}",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAFO_CERTIFICADOS}> {{ ?c a {cert} }} }}",
        # El protocolo manda sobre FROM; Virtuoso los une, así que el backend los quita.
        f"SELECT (COUNT(*) AS ?n) FROM <{GRAFO_CERTIFICADOS}> WHERE {{ ?c a {cert} }}",
        f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAFO_CERTIFICADOS}> WHERE {{ GRAPH ?g {{ ?c a {cert} }} }}",
    )
    # COUNT(?c) y no COUNT(*): Virtuoso responde 1 a COUNT(*) sobre un GRAPH <g> ajeno al conjunto de
    # datos (aunque no devuelve ninguna fila; ver docs/despliegue.md).
    for q in intentos:
        q = q.replace("COUNT(*)", "COUNT(?c)")
        assert _n(almacen_piloto, q, Vista.PUBLICA) == 0, q
        filas = almacen_piloto.consultar(q.replace("(COUNT(?c) AS ?n)", "?c"), vista=Vista.PUBLICA).filas
        assert filas == (), q
    cuerpo, tipo = almacen_piloto.consultar_serializado(
        f"SELECT ?c FROM <{GRAFO_CERTIFICADOS}> WHERE {{ ?c a {cert} }}", "application/sparql-results+json"
    )
    assert "json" in tipo and b"certificado/" not in cuerpo


def test_sustitucion_de_parametros_no_permite_inyeccion(almacen_piloto: Almacen) -> None:
    q = f"SELECT ?s WHERE {{ ?s <{REG.codigo}> ?codigo }}"
    malicioso = Literal('x" } UNION { ?s ?p ?o } #')
    assert almacen_piloto.consultar(q, {"codigo": malicioso}).filas == ()
    # Un parámetro que sí existe devuelve lo mismo que la consulta escrita a mano.
    marco = URIRef(f"{ID}marco/mncp")
    enlazada = almacen_piloto.consultar(f"SELECT ?n WHERE {{ ?n <{REG.marco}> ?m }}", {"m": marco})
    escrita = almacen_piloto.consultar(f"SELECT ?n WHERE {{ ?n <{REG.marco}> <{marco}> }}")
    assert {f["n"] for f in enlazada.filas} == {f["n"] for f in escrita.filas} != set()


_TERMINOS = f"""
<{EX}t> <{EX}p>
  "0.80"^^<{XSD.decimal}>, "3"^^<{XSD.decimal}>, "-0.5"^^<{XSD.decimal}>, "010"^^<{XSD.integer}>,
  true, false, "1.0E2"^^<{XSD.double}>, "hola"@es, "Hola"@es-PE, "texto", "explícito"^^<{XSD.string}>,
  "2026-11-26"^^<{XSD.date}>, "2026-11-26T10:00:00Z"^^<{XSD.dateTime}>, <{EX}otro> .
<{EX}u> <{EX}v> "0.5"^^<{XSD.decimal}>, "1.25"^^<{XSD.decimal}> .
"""


def test_los_terminos_devueltos_son_los_del_embebido(almacen_disco: Almacen) -> None:
    """Tipos de dato, idiomas y formas léxicas iguales a los del Oxigraph embebido, también en agregados."""
    referencia = AlmacenOxigraph(None)
    grafo = URIRef(f"{GRAFO}prueba/terminos")
    actualizacion = f"INSERT DATA {{ GRAPH <{grafo}> {{ {_TERMINOS} }} }}"
    consultas = (
        f"SELECT ?o WHERE {{ GRAPH <{grafo}> {{ <{EX}t> <{EX}p> ?o }} }}",
        f"SELECT (SUM(?o) AS ?suma) (COUNT(?o) AS ?n) (MAX(?o) AS ?max) (SUM(?o) * 2 AS ?doble) "
        f"WHERE {{ GRAPH <{grafo}> {{ <{EX}u> <{EX}v> ?o }} }}",
        # Virtuoso devuelve 1^^xsd:integer para una comparación proyectada (y hasta para «true»):
        # la forma portable es xsd:boolean(…).
        f"SELECT (1.5 * 2 AS ?m) (<{XSD.boolean}>(0.8 >= 0.80) AS ?pasa) "
        "(STRLEN('ñandú') AS ?l) (LANG('x'@es) AS ?i) "
        "WHERE {}",
    )
    for a in (referencia, almacen_disco):
        a.actualizar(actualizacion)
    for q in consultas:
        esperado = referencia.consultar(q, vista=Vista.TODO)
        obtenido = almacen_disco.consultar(q, vista=Vista.TODO)
        assert obtenido.variables == esperado.variables
        clave = lambda fila: sorted((k, v.n3()) for k, v in fila.items())  # noqa: E731
        assert sorted(map(clave, obtenido.filas)) == sorted(map(clave, esperado.filas)), q
    assert almacen_disco.consultar(f"ASK {{ GRAPH <{grafo}> {{ ?s ?p true }} }}", vista=Vista.TODO).booleano
    construido = almacen_disco.grafo(grafo)
    assert isomorphic(construido, referencia.grafo(grafo))


def test_iri_de_recurso_no_escapa_del_espacio_de_nombres() -> None:
    from registro import vocabulario

    iri = vocabulario.de_institucion("iest-x", "../mtpe", "a b")
    assert str(iri).startswith(vocabulario.espacio_institucion("iest-x"))
    assert str(iri) == f"{ID}inst/iest-x/..%2Fmtpe/a%20b"


def test_union_vigente_conserva_tripletas_compartidas_entre_conjuntos(almacen_referencia: Almacen) -> None:
    """Regresión: al sustituir una versión, una tripleta que otro conjunto vigente también afirma sigue
    visible, y el grafo por defecto no lista las versiones una a una (miles de grafos eran lentísimos)."""
    a = almacen_referencia
    t1 = (URIRef(f"{EX}x"), REG.codigo, Literal("uno"))
    t2 = (URIRef(f"{EX}compartido"), REG.codigo, Literal("dos"))
    t3 = (URIRef(f"{EX}x"), REG.codigo, Literal("tres"))

    def grafo(*ts):
        g = Graph()
        for t in ts:
            g.add(t)
        return g

    versiones.publicar(a, "prueba", "a", grafo(t1, t2), sha256="1")
    versiones.publicar(a, "prueba", "b", grafo(t2), sha256="2")
    versiones.publicar(a, "prueba", "a", grafo(t3), sha256="3")
    q = f"SELECT ?s ?o WHERE {{ ?s <{REG.codigo}> ?o FILTER(STRSTARTS(STR(?s), '{EX}')) }}"
    vistos = {(str(f["s"]), str(f["o"])) for f in a.consultar(q).filas}
    assert vistos == {(f"{EX}compartido", "dos"), (f"{EX}x", "tres")}
    vista = a.grafos_de(Vista.COMPLETA)
    assert vista is not None
    assert not any("/envio/" in str(g) for g in vista.por_defecto)
    assert sum("/envio/prueba/" in str(g) for g in vista.vigentes) == 2


def test_recordar_dura_hasta_la_proxima_escritura(almacen_disco: Almacen) -> None:
    """``recordar`` (p. ej. la regla de equivalencia de cada decisión) no sirve un valor de antes de
    una escritura, y un error no se recuerda."""
    g = URIRef(f"{GRAFO}prueba/recordar")
    almacen_disco.reemplazar_grafos({g: _grafo(2)})
    consulta = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"
    llamadas: list[int] = []

    def contar() -> int:
        llamadas.append(1)
        return _n(almacen_disco, consulta, Vista.TODO)

    assert almacen_disco.recordar("n", contar) == 2
    assert almacen_disco.recordar("n", contar) == 2
    assert len(llamadas) == 1
    almacen_disco.reemplazar_grafos({g: _grafo(5)})
    assert almacen_disco.recordar("n", contar) == 5
    almacen_disco.actualizar(f"INSERT DATA {{ GRAPH <{g}> {{ <{EX}otro> <{REG.codigo}> \"X\" }} }}")
    assert almacen_disco.recordar("n", contar) == 6
    assert len(llamadas) == 3

    def falla() -> int:
        raise ErrorConsulta("a propósito")

    with pytest.raises(ErrorConsulta):
        almacen_disco.recordar("m", falla)
    assert almacen_disco.recordar("m", lambda: 7) == 7
