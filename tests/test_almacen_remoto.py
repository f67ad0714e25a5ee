"""Piezas propias del backend remoto: URLs, términos, errores traducidos, autenticación, reanudación.

Las que no necesitan servidor usan ``httpx.MockTransport``; la carga reanudable corre contra los
servidores reales de las fixtures (se omite en el backend embebido, cuya carga es todo o nada).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from registro.almacen import _sparql
from registro.almacen.base import Almacen, Vista, VistaGrafos
from registro.almacen.remoto import (
    GRAFO_VACIO,
    AlmacenRemoto,
    canonico,
    puntos_desde_url,
    ruta_punto_control,
    termino_json,
)
from registro.errores import EntradaInvalida, ErrorAlmacen, ErrorConsulta, TiempoAgotado
from registro.vocabulario import GRAFO, REG

EX = "https://w3id.org/registro/id/inst/prueba/"


def test_disposicion_de_urls_por_servidor() -> None:
    ox = puntos_desde_url("http://127.0.0.1:7878")
    assert (ox.consulta, ox.actualizacion, ox.grafos) == (
        "http://127.0.0.1:7878/query",
        "http://127.0.0.1:7878/update",
        "http://127.0.0.1:7878/store",
    )
    vt = puntos_desde_url("https://datos.example/sparql-auth")
    assert vt.actualizacion == vt.consulta and vt.grafos == "https://datos.example/sparql-graph-crud-auth"
    fuseki = puntos_desde_url(
        "http://h:3030/registro/query", url_almacen_grafos="http://h:3030/registro/data"
    )
    assert fuseki.actualizacion == "http://h:3030/registro/update"
    assert fuseki.grafos == "http://h:3030/registro/data"
    otro = puntos_desde_url(
        "http://h/repositories/registro", url_actualizacion="http://h/repositories/registro/statements"
    )
    assert otro.grafos is None and otro.actualizacion.endswith("/statements")
    with pytest.raises(EntradaInvalida):
        puntos_desde_url("ftp://h/x")


@pytest.mark.parametrize(
    ("valor", "tipo", "esperado"),
    [
        ("1", XSD.boolean, "true"),
        ("0", XSD.boolean, "false"),
        ("010", XSD.integer, "10"),
        ("0.80", XSD.decimal, "0.8"),
        ("3", XSD.decimal, "3"),
        ("100.0", XSD.double, "100"),
        ("1.5E-7", XSD.double, "0.00000015"),
        ("INF", XSD.double, "INF"),
        ("2026-11-26", XSD.date, "2026-11-26"),
        ("no es número", XSD.decimal, "no es número"),
    ],
)
def test_formas_canonicas_de_oxigraph(valor: str, tipo: URIRef, esperado: str) -> None:
    assert canonico(valor, str(tipo)) == esperado


def test_terminos_json_como_el_embebido() -> None:
    assert termino_json({"type": "literal", "value": "x"}) == Literal("x", datatype=XSD.string)
    assert termino_json({"type": "literal", "xml:lang": "es-PE", "value": "x"}) == Literal("x", lang="es-pe")
    virtuoso = {"type": "typed-literal", "datatype": str(XSD.boolean), "value": "1"}
    assert termino_json(virtuoso) == Literal("true", datatype=XSD.boolean)
    assert termino_json({"type": "bnode", "value": "nodeID://b10001"}) == BNode("b10001")
    assert termino_json({"type": "uri", "value": "http://a"}) == URIRef("http://a")


def test_lexico_sparql_respeta_cadenas_iris_y_comentarios() -> None:
    texto = 'SELECT * FROM <http://g> WHERE { ?s ?p "FROM <http://x>" } # FROM <http://y>'
    limpio = _sparql.quitar_conjunto_datos(texto)
    assert "<http://g>" not in limpio and '"FROM <http://x>"' in limpio and "# FROM <http://y>" in limpio
    assert "".join(t.texto for t in _sparql.tokenizar(texto)) == texto
    assert _sparql.forma_consulta("PREFIX a: <http://a#> # SELECT\nASK {}") == "ASK"
    assert _sparql.grafos_escritos(
        "DELETE { GRAPH <http://u> { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } } ;"
        "DELETE WHERE { GRAPH <http://r> { ?s ?p ?o } } ; DROP SILENT GRAPH <http://d>"
    ) == {"http://u", "http://r", "http://d"}
    assert _sparql.grafos_escritos("INSERT { GRAPH ?g { <a> <b> <c> } } WHERE { ?g a <x> }") is None
    assert _sparql.grafos_escritos("DROP ALL") is None
    assert _sparql.usa_grafos_con_nombre("ASK { GRAPH ?g { } }")
    assert not _sparql.usa_grafos_con_nombre('ASK { ?s ?p "GRAPH" }')
    decimal = f'"3"^^<{XSD.decimal}> "3.5"^^<{XSD.decimal}> "3"^^<{XSD.integer}>'
    esperado = decimal.replace(f'"3"^^<{XSD.decimal}>', f'"3.0"^^<{XSD.decimal}>')
    assert _sparql.decimales_explicitos(decimal) == esperado


# --- errores y autenticación contra un servidor simulado ------------------------------------------------
def _remoto(manejador, **kwargs) -> AlmacenRemoto:
    a = AlmacenRemoto("http://127.0.0.1:9/sparql", perfil=kwargs.pop("perfil", "generico"), **kwargs)
    a._cliente = httpx.Client(transport=httpx.MockTransport(manejador), auth=a._cliente.auth)
    return a


def _json(vars_: list[str], filas: list[dict]) -> httpx.Response:
    cuerpo = {"head": {"vars": vars_}, "results": {"bindings": filas}}
    return httpx.Response(200, json=cuerpo, headers={"content-type": "application/sparql-results+json"})


@pytest.mark.parametrize(
    ("respuesta", "error", "texto"),
    [
        (httpx.Response(400, text="Parse error: unexpected token"), ErrorConsulta, "error de sintaxis"),
        (httpx.Response(401, text="no"), ErrorAlmacen, "credenciales"),
        (httpx.Response(404, text="no"), ErrorAlmacen, "no existe"),
        (
            httpx.Response(
                500, text="Virtuoso 37000 Error SP031: SPARQL compiler\n\nSPARQL query:\nSELECT …"
            ),
            ErrorConsulta,
            "error de sintaxis",
        ),
        (httpx.Response(500, text="fallo interno"), ErrorConsulta, "falló al ejecutarse"),
        (httpx.Response(503, text="timeout"), TiempoAgotado, "abandonó"),
        (
            httpx.Response(
                200,
                json={"head": {"vars": ["s"]}, "results": {"bindings": []}},
                headers={"content-type": "application/sparql-results+json", "X-SPARQL-MaxRows": "10000"},
            ),
            ErrorAlmacen,
            "truncó",
        ),
    ],
)
def test_errores_del_servidor_en_espanol(respuesta: httpx.Response, error: type, texto: str) -> None:
    a = _remoto(lambda _r: respuesta)
    with pytest.raises(error) as info:
        a.consultar("SELECT ?s WHERE { ?s ?p ?o }", vista=Vista.TODO)
    assert texto in str(info.value)
    assert "SPARQL query:" not in str(info.value)  # sin el eco de la consulta de Virtuoso


def test_servidor_caido_y_tiempo_agotado() -> None:
    def caido(_r: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(ErrorAlmacen, match="No se puede conectar"):
        _remoto(caido).consultar("ASK {}", vista=Vista.TODO)

    def lento(_r: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(TiempoAgotado):
        _remoto(lento).actualizar("INSERT DATA { <http://a> <http://b> <http://c> }")


def test_actualizacion_fallida_en_servidor_transaccional() -> None:
    a = _remoto(lambda _r: httpx.Response(500, text="The graph <x> already exists"))
    with pytest.raises(ErrorAlmacen, match="no se escribió nada"):
        a.actualizar("CREATE GRAPH <http://x>")


@pytest.mark.parametrize("esquema", ["Basic", "Digest"])
def test_autenticacion_basica_o_digest_segun_el_desafio(esquema: str) -> None:
    vistas: list[str | None] = []

    def manejador(r: httpx.Request) -> httpx.Response:
        vistas.append(r.headers.get("authorization"))
        if not r.headers.get("authorization", "").startswith(esquema):
            desafio = 'Basic realm="x"' if esquema == "Basic" else 'Digest realm="x", nonce="abc", qop="auth"'
            return httpx.Response(401, headers={"WWW-Authenticate": desafio})
        tipo = {"content-type": "application/sparql-results+json"}
        return httpx.Response(200, json={"boolean": True}, headers=tipo)

    a = _remoto(manejador, usuario="registro", clave="secreta")
    assert a.consultar("ASK {}", vista=Vista.TODO).booleano is True
    assert vistas[0] is None, "la clave no se envía antes del desafío"
    assert vistas[-1] is not None and vistas[-1].startswith(esquema)
    if esquema == "Basic":
        antes = len(vistas)
        a.consultar("ASK {}", vista=Vista.TODO)
        assert len(vistas) == antes + 1, "después del primer desafío Básico, la clave va de entrada"


def test_la_vista_se_envia_por_post_y_sin_from() -> None:
    recibido: dict[str, list[str]] = {}

    def manejador(r: httpx.Request) -> httpx.Response:
        from urllib.parse import parse_qs

        recibido.update(parse_qs(r.content.decode()))
        return _json(["n"], [])

    a = _remoto(manejador)
    vista = VistaGrafos((URIRef(f"{GRAFO}a"),), (URIRef(f"{GRAFO}a"), URIRef(f"{GRAFO}b")))
    a._ejecutar("SELECT ?n FROM <http://privado> WHERE { GRAPH ?g { ?n ?p ?o } }", None, vista)
    assert recibido["default-graph-uri"] == [f"{GRAFO}a"]
    assert recibido["named-graph-uri"] == [f"{GRAFO}a", f"{GRAFO}b"]
    assert "http://privado" not in recibido["query"][0]
    recibido.clear()
    a._ejecutar("SELECT ?n WHERE { ?n ?p ?o }", None, VistaGrafos((), None))
    assert recibido["default-graph-uri"] == [GRAFO_VACIO] and "named-graph-uri" not in recibido


def test_solo_se_envian_los_grafos_con_nombre_que_la_consulta_nombra() -> None:
    """Con solo ``GRAPH <iri>`` constantes, la lista de la vista se reduce a esos (Virtuoso no admite más
    de ~2.000 ``named-graph-uri``); nunca se amplía: un grafo nombrado fuera de la vista no se envía."""
    recibido: dict[str, list[str]] = {}

    def manejador(r: httpx.Request) -> httpx.Response:
        from urllib.parse import parse_qs

        recibido.clear()
        recibido.update(parse_qs(r.content.decode()))
        return _json(["n"], [])

    a = _remoto(manejador)
    vista = VistaGrafos((URIRef(f"{GRAFO}a"),), tuple(URIRef(f"{GRAFO}v{i}") for i in range(5000)))
    a._ejecutar(
        f"SELECT ?n WHERE {{ GRAPH <{GRAFO}v7> {{ ?n ?p ?o }} GRAPH <{GRAFO}privado> {{}} }}", None, vista
    )
    assert recibido["named-graph-uri"] == [f"{GRAFO}v7"]
    a._ejecutar(f"SELECT ?n WHERE {{ GRAPH <{GRAFO}privado> {{ ?n ?p ?o }} }}", None, vista)
    assert recibido["named-graph-uri"] == [GRAFO_VACIO]
    a._ejecutar("SELECT ?n WHERE { GRAPH ?g { ?n ?p ?o } }", None, vista)
    assert len(recibido["named-graph-uri"]) == 5000
    # Vista completa («todos los grafos con nombre»): los constantes, sin enumerar el almacén.
    a._ejecutar(f"SELECT ?n WHERE {{ GRAPH <{GRAFO}registro> {{ ?n ?p ?o }} }}", None, VistaGrafos((), None))
    assert recibido["named-graph-uri"] == [f"{GRAFO}registro"]


# --- carga reanudable contra los servidores reales ------------------------------------------------------
def test_carga_interrumpida_se_reanuda(
    almacen_disco: Almacen, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "embebido":
        pytest.skip("la carga embebida es todo o nada: no hay lotes que reanudar")
    ruta = tmp_path / "grande.nq"
    g = f"{GRAFO}carga/reanudable"
    lineas = [f'<{EX}s{i}> <{REG.codigo}> "x{i}" <{g}> .' for i in range(5_500)]
    lineas.insert(10, f'_:b <{REG.codigo}> "en blanco" <{g}> .')
    ruta.write_text("\n".join(lineas) + "\n", encoding="utf-8")
    original = AlmacenRemoto._enviar_cuadruplas
    llamadas = {"n": 0}

    def falla_en_el_segundo_lote(self, cuadruplas):
        llamadas["n"] += 1
        if llamadas["n"] == 2:
            raise ErrorAlmacen("conexión perdida (simulada)")
        return original(self, cuadruplas)

    monkeypatch.setattr(AlmacenRemoto, "_enviar_cuadruplas", falla_en_el_segundo_lote)
    with pytest.raises(ErrorAlmacen) as info:
        almacen_disco.cargar(ruta, "nquads")
    assert "--reanudar" in (info.value.detalle or "")
    control = ruta_punto_control(ruta)
    estado = json.loads(control.read_text(encoding="utf-8"))
    assert estado["posicion"] > 0 and estado["total"] == 5_501
    assert 0 < almacen_disco.conteos().get(g, 0) < 5_501
    # Reanudar: solo se envía lo que falta (y los nodos en blanco, juntos al final).
    llamadas["n"] = 10
    assert almacen_disco.cargar(ruta, "nquads", reanudar=True) == 5_501
    assert almacen_disco.conteos()[g] == 5_501
    assert not control.exists()
    # Un punto de control de otro archivo se rechaza.
    control.write_text(json.dumps({**estado, "tamano": 1}), encoding="utf-8")
    with pytest.raises(EntradaInvalida, match="otro archivo"):
        almacen_disco.cargar(ruta, "nquads", reanudar=True)
