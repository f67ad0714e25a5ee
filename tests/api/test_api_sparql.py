"""``/sparql``: protocolo, formatos, solo lectura, vista pública, tiempo máximo y tope de filas."""

from __future__ import annotations

import csv
import io
import threading
import time

import pytest
from fastapi.testclient import TestClient

from registro.almacen.oxigraph import AlmacenOxigraph
from registro.api import crear_app
from tests.api.conftest import almacen_piloto, configuracion

CERTIFICADOS = "https://w3id.org/registro/grafo/privado/certificados"
PREFIJOS = "PREFIX reg: <https://w3id.org/registro/ontologia#>\n"
CUENTA_PROGRAMAS = PREFIJOS + "SELECT (COUNT(?p) AS ?n) WHERE { ?p a reg:ProgramaEstudios }"


def _n(r) -> int:
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_get_select_json(cliente):
    r = cliente.get("/sparql", params={"query": CUENTA_PROGRAMAS})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert _n(r) >= 3
    assert r.headers["x-registro-filas-maximas"] == "50"
    assert r.headers["x-registro-resultado-truncado"] == "false"


def test_post_formulario_y_consulta_directa(cliente):
    r1 = cliente.post("/sparql", data={"query": CUENTA_PROGRAMAS})
    r2 = cliente.post(
        "/sparql", content=CUENTA_PROGRAMAS.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert r1.status_code == r2.status_code == 200
    assert _n(r1) == _n(r2) >= 3


@pytest.mark.parametrize(
    ("accept", "tipo"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
    ],
)
def test_formatos_de_resultados(cliente, accept, tipo):
    r = cliente.get("/sparql", params={"query": CUENTA_PROGRAMAS}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(tipo)
    if tipo == "text/csv":
        filas = list(csv.reader(io.StringIO(r.text)))
        assert filas[0] == ["n"] and int(filas[1][0]) >= 3


@pytest.mark.parametrize(
    ("accept", "tipo"),
    [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
    ],
)
def test_construct_y_describe(cliente, accept, tipo):
    q = "CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/registro/id/marco/mncp> AS ?s) ?s ?p ?o }"
    r = cliente.get("/sparql", params={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(tipo)
    assert "mncp" in r.text
    r = cliente.get("/sparql", params={"query": "DESCRIBE <https://w3id.org/registro/id/marco/mncp>"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")


def test_ask(cliente):
    r = cliente.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert r.json() == {"head": {}, "boolean": True}


def test_error_de_sintaxis_con_posicion(cliente):
    r = cliente.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p ?o \n  FILTER(\n}"})
    assert r.status_code == 400
    cuerpo = r.json()
    assert cuerpo["title"] == "Consulta SPARQL inválida"
    assert cuerpo["linea"] == 4 and cuerpo["columna"] >= 1
    assert "línea 4" in cuerpo["detail"]


def test_sin_query(cliente):
    r = cliente.get("/sparql", headers={"Accept": "application/json"})
    assert r.status_code == 400 and "Falta el parámetro «query»" in r.json()["detail"]
    html = cliente.get("/sparql", headers={"Accept": "text/html"})
    assert (
        html.status_code == 200
        and "<form" in html.text
        and "http"
        not in html.text.split("<form")[1]
        .split("</form>")[0]
        .replace("http://www.w3", "")
        .replace("https://w3id", "")
    )


@pytest.mark.parametrize(
    "consulta",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/datos.ttl>",
        "CLEAR ALL",
        "DROP GRAPH <https://w3id.org/registro/grafo/referencia>",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { sErViCe SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { # comentario\nSERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        'SELECT * WHERE { ?s ?p "x" . \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }',
        "PREFIX x: <urn:x#>\nWITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_actualizaciones_y_federacion_prohibidas(cliente, almacen_api, consulta):
    antes = almacen_api.conteos()
    for r in (
        cliente.get("/sparql", params={"query": consulta}),
        cliente.post("/sparql", data={"query": consulta}),
        cliente.post(
            "/sparql", content=consulta.encode(), headers={"Content-Type": "application/sparql-query"}
        ),
    ):
        assert r.status_code == 403, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["title"] == "Consulta no permitida"
    assert almacen_api.conteos() == antes


def test_parametro_update_y_tipo_update(cliente, almacen_api):
    antes = almacen_api.conteos()
    assert cliente.get("/sparql", params={"update": "CLEAR ALL"}).status_code == 403
    assert cliente.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403
    r = cliente.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403
    assert almacen_api.conteos() == antes


def test_service_dentro_de_texto_se_admite(cliente):
    q = 'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/> { } INSERT" AS ?x) } # LOAD'
    r = cliente.get("/sparql", params={"query": q})
    assert r.status_code == 200
    assert r.json()["results"]["bindings"][0]["x"]["value"].startswith("SERVICE")


@pytest.mark.parametrize(
    "consulta",
    [
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{CERTIFICADOS}> {{ ?s ?p ?o }} }}",
        f"SELECT (COUNT(*) AS ?n) FROM NAMED <{CERTIFICADOS}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT (COUNT(*) AS ?n) FROM <{CERTIFICADOS}> WHERE {{ ?s ?p ?o }}",
        PREFIJOS + "SELECT (COUNT(*) AS ?n) WHERE { { ?c a reg:Certificado } "
        "UNION { GRAPH ?g { ?c a reg:Certificado } } }",
        PREFIJOS + "SELECT (COUNT(*) AS ?n) WHERE { { ?t reg:seudonimo ?s } "
        "UNION { GRAPH ?g { ?t reg:seudonimo ?s } } }",
    ],
)
def test_datos_personales_invisibles(cliente, almacen_api, consulta):
    # En la vista completa hay certificados (la prueba no es trivial)…
    assert almacen_api.consultar(PREFIJOS + "ASK { ?c a reg:Certificado }").booleano
    # …pero el punto público no los ve de ninguna forma.
    r = cliente.get("/sparql", params={"query": consulta})
    assert r.status_code == 200 and _n(r) == 0


def test_protocolo_default_graph_privado_es_vacio(cliente):
    r = cliente.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "default-graph-uri": CERTIFICADOS},
    )
    assert _n(r) == 0
    r = cliente.get(
        "/sparql",
        params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            "default-graph-uri": "https://w3id.org/registro/grafo/referencia",
        },
    )
    assert _n(r) > 100


# El tope de filas se prueba en los tres backends: tests/api/test_api_backends.py::test_tope_de_filas.


def test_accept_imposible_406(cliente):
    r = cliente.get("/sparql", params={"query": CUENTA_PROGRAMAS}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    r = cliente.get(
        "/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 406


def test_tipo_de_contenido_no_admitido_415(cliente):
    r = cliente.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415


PESADA = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.mark.lento
def test_tiempo_maximo_detiene_la_consulta(tmp_path):
    """En disco, como en producción: el trabajador se mata a los 1,5 s y el siguiente responde."""
    a = almacen_piloto(tmp_path / "almacen")
    try:
        app = crear_app(configuracion(tiempo_maximo_consulta=1.5), almacen=a)
        with TestClient(app) as c:
            pool = app.state.registro.ejecutor
            inicio = time.monotonic()
            r = c.get("/sparql", params={"query": PESADA})
            duracion = time.monotonic() - inicio
            assert r.status_code == 503
            assert r.json()["title"] == "Tiempo de consulta agotado"
            assert duracion < 10
            assert pool.reinicios == 1
            r = c.get("/sparql", params={"query": CUENTA_PROGRAMAS})
            assert r.status_code == 200 and _n(r) >= 3
    finally:
        a.cerrar()


def test_escritura_refresca_la_instantanea(mutable):
    c, a = mutable
    pool = c.app.state.registro.ejecutor
    # Escribir un grafo privado (un token) no reconstruye la instantánea.
    from registro import acceso

    c.get("/sparql", params={"query": CUENTA_PROGRAMAS})
    instantanea = pool._instantanea
    acceso.emitir(a, rol="administrador")
    c.get("/sparql", params={"query": CUENTA_PROGRAMAS})
    assert pool._instantanea is instantanea
    antes = _n(c.get("/sparql", params={"query": CUENTA_PROGRAMAS}))
    a.actualizar(
        "INSERT DATA { GRAPH <https://w3id.org/registro/grafo/referencia> { "
        "<https://w3id.org/registro/id/inst/prueba/programa/X> a "
        "<https://w3id.org/registro/ontologia#ProgramaEstudios> } }"
    )
    # Un grafo público ya existente cambió sin cambiar la lista de grafos: se avisa al ejecutor (en el
    # servidor los datos públicos solo cambian con versiones nuevas, que sí cambian la lista).
    # La reconstrucción es en segundo plano: se espera a que termine.
    c.app.state.registro.ejecutor.invalidar()
    assert c.app.state.registro.ejecutor.esperar_instantanea(120)
    try:
        assert _n(c.get("/sparql", params={"query": CUENTA_PROGRAMAS})) == antes + 1
    finally:
        c.app.state.registro.ejecutor.invalidar()
        c.app.state.registro.ejecutor.esperar_instantanea(120)
        a.actualizar(
            "DELETE DATA { GRAPH <https://w3id.org/registro/grafo/referencia> { "
            "<https://w3id.org/registro/id/inst/prueba/programa/X> a "
            "<https://w3id.org/registro/ontologia#ProgramaEstudios> } }"
        )


def test_en_proceso_sin_trabajadores(almacen_api: AlmacenOxigraph):
    """``trabajadores_sparql=0``: misma semántica, evaluado en un hilo del servidor (documentado)."""
    with TestClient(crear_app(configuracion(trabajadores_sparql=0), almacen=almacen_api)) as c:
        r = c.get("/sparql", params={"query": CUENTA_PROGRAMAS})
        assert r.status_code == 200 and _n(r) >= 3
        r = c.get(
            "/sparql",
            params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{CERTIFICADOS}> {{ ?s ?p ?o }} }}"},
        )
        assert _n(r) == 0


PROGRAMA_NUEVO = "https://w3id.org/registro/id/inst/prueba/programa/DURANTE-RECONSTRUCCION"


@pytest.mark.lento
def test_reconstruccion_no_bloquea_y_luego_se_ve(tmp_path):
    """Mientras se reconstruye la instantánea, /sparql y /id responden con la anterior; después, la nueva.

    La reconstrucción se hace observable con el gancho ``antes_de_construir`` del hilo de construcción,
    que la retiene (almacén real en disco, trabajadores reales): si una consulta esperase a la
    reconstrucción, no podría terminar mientras el gancho la retiene.
    """
    a = almacen_piloto(tmp_path / "almacen")
    try:
        app = crear_app(configuracion(), almacen=a)
        with TestClient(app) as c:
            pool = app.state.registro.ejecutor
            r = c.get("/sparql", params={"query": CUENTA_PROGRAMAS})
            antes, version = _n(r), int(r.headers["x-registro-instantanea"])
            assert r.headers["x-registro-instantanea-actualizando"] == "false"
            en_construccion, soltar = threading.Event(), threading.Event()

            def retener(_vista) -> None:
                en_construccion.set()
                soltar.wait(60)

            pool.antes_de_construir = retener
            try:
                a.actualizar(
                    "INSERT DATA { GRAPH <https://w3id.org/registro/grafo/referencia> { "
                    f"<{PROGRAMA_NUEVO}> a <https://w3id.org/registro/ontologia#ProgramaEstudios> }} }}"
                )
                pool.invalidar()
                assert en_construccion.wait(30), "la reconstrucción no empezó"
                respuestas: dict[str, object] = {}

                def consultar() -> None:
                    respuestas["sparql"] = c.get("/sparql", params={"query": CUENTA_PROGRAMAS})
                    respuestas["id"] = c.get(
                        "/id/inst/iest-piloto/programa/PE-TEL-01", headers={"Accept": "text/turtle"}
                    )

                hilo = threading.Thread(target=consultar)
                hilo.start()
                hilo.join(30)
                # Respondieron con la reconstrucción aún retenida: no la esperaron.
                assert not hilo.is_alive() and not soltar.is_set()
                r = respuestas["sparql"]
                assert r.status_code == 200 and _n(r) == antes  # datos anteriores
                assert r.headers["x-registro-instantanea"] == str(version)
                assert r.headers["x-registro-instantanea-actualizando"] == "true"
                assert respuestas["id"].status_code == 200
                assert respuestas["id"].headers["x-registro-instantanea-actualizando"] == "true"
            finally:
                pool.antes_de_construir = None
                soltar.set()
            assert pool.esperar_instantanea(120)
            r = c.get("/sparql", params={"query": CUENTA_PROGRAMAS})
            assert _n(r) == antes + 1
            assert int(r.headers["x-registro-instantanea"]) > version
            assert r.headers["x-registro-instantanea-actualizando"] == "false"
            salud = c.get("/salud").json()
            assert salud["instantanea"]["version"] == int(r.headers["x-registro-instantanea"])
    finally:
        a.cerrar()


def test_rafaga_de_cambios_se_agrupa(tmp_path):
    """Varias invalidaciones durante una reconstrucción dan una sola reconstrucción más, no una por cambio."""
    a = almacen_piloto(tmp_path / "almacen")
    try:
        app = crear_app(configuracion(), almacen=a)
        with TestClient(app) as c:
            pool = app.state.registro.ejecutor
            version = pool.frescura().version
            vistas: list[object] = []
            en_construccion, soltar = threading.Event(), threading.Event()

            def retener(vista) -> None:
                vistas.append(vista)
                en_construccion.set()
                soltar.wait(60)

            pool.antes_de_construir = retener
            try:
                pool.invalidar()
                assert en_construccion.wait(30)
                for _ in range(5):
                    pool.invalidar()
                    assert c.get("/sparql", params={"query": CUENTA_PROGRAMAS}).status_code == 200
            finally:
                soltar.set()
            assert pool.esperar_instantanea(120)
            pool.antes_de_construir = None
            assert len(vistas) == 2  # la retenida y una sola vuelta más por las cinco invalidaciones
            assert pool.frescura().version == version + 2
    finally:
        a.cerrar()
