"""Abuso de SPARQL: por ``/sparql`` y por cada parámetro de la API REST.

- **Consultas explosivas** (producto cartesiano, ``(<p>|!<p>)*``): el trabajador se mata al agotar el
  tiempo (503 en español) y, mientras tanto, el servidor sigue respondiendo a otras peticiones.
- **Escrituras y federación escondidas** (mayúsculas raras, comentarios, ``\\u0053ERVICE``, prefijos,
  ``;`` tras la consulta, ``update=`` por GET y POST, ``application/sparql-update``): rechazo 403/400,
  almacén idéntico y ninguna petición saliente (un servidor espía cuenta las visitas).
- **Inyección por los parámetros REST** (comillas, llaves, ``} UNION {``, IRIs con ``>``, grafos
  privados): ningún 5xx, ningún dato personal en la respuesta, almacén idéntico.
- **Texto patológico** de 190 KB: el análisis léxico no detiene el bucle de eventos.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from registro.almacen.oxigraph import AlmacenOxigraph
from registro.api import crear_app
from tests.fiabilidad.entorno import (
    CERTIFICADO,
    TITULARES,
    EspiaHttp,
    clonar,
    configuracion,
    huella,
    servidor_hilo,
)

PRIVADOS = (*TITULARES, CERTIFICADO, "grafo/privado", "reg:Credencial", "/titular/")
"""Nada de esto puede aparecer en una respuesta pública."""


_Espia = EspiaHttp


@dataclass
class Servidor:
    url: str
    almacen: AlmacenOxigraph
    app: object
    espia: str


@pytest.fixture(scope="module")
def servidor(tmp_path_factory: pytest.TempPathFactory, volcado_piloto: bytes) -> Iterator[Servidor]:
    """uvicorn real con dos trabajadores SPARQL y tiempo máximo corto, más un servidor espía."""
    _Espia.visitas = []
    espia = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Espia)
    threading.Thread(target=espia.serve_forever, daemon=True).start()
    a = clonar(volcado_piloto, Path(tmp_path_factory.mktemp("sparql")) / "almacen")
    config = configuracion(trabajadores_sparql=2, tiempo_maximo_consulta=2.0)
    app = crear_app(config, almacen=a)
    with servidor_hilo(a, config, app=app) as url:
        yield Servidor(url, a, app, f"http://127.0.0.1:{espia.server_address[1]}/sparql")
    espia.shutdown()
    espia.server_close()
    a.cerrar()


# --- consultas explosivas ------------------------------------------------------------------------------
EXPLOSIVAS = {
    "producto-cartesiano": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    # Un solo camino ``(<p>|!<p>)*`` sobre el piloto tarda 0,3 s en una máquina rápida: en CI terminó antes
    # del tiempo máximo y respondió 200. Dos caminos independientes son su producto (~3·10^10 filas),
    # explosivo en cualquier máquina.
    "camino-todo-o-nada": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s (<urn:p>|!<urn:p>)* ?o . ?a (<urn:p>|!<urn:p>)* ?b }"
    ),
}


@pytest.mark.parametrize("nombre", sorted(EXPLOSIVAS))
def test_consulta_explosiva_se_corta_y_el_servidor_sigue_respondiendo(
    servidor: Servidor, nombre: str
) -> None:
    resultado: dict[str, object] = {}

    def pesada() -> None:
        inicio = time.monotonic()
        with httpx.Client(base_url=servidor.url, timeout=60) as c:
            r = c.get("/sparql", params={"query": EXPLOSIVAS[nombre]})
        resultado["r"], resultado["segundos"] = r, time.monotonic() - inicio

    hilo = threading.Thread(target=pesada)
    hilo.start()
    time.sleep(0.3)
    latencias = []
    with httpx.Client(base_url=servidor.url, timeout=30) as c:
        while hilo.is_alive():
            inicio = time.monotonic()
            assert c.get("/salud").status_code == 200
            ligera = c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
            assert ligera.status_code == 200, ligera.text[:300]
            assert c.get("/api/marcos").status_code == 200
            latencias.append(time.monotonic() - inicio)
            time.sleep(0.1)
    hilo.join()
    r: httpx.Response = resultado["r"]  # type: ignore[assignment]
    assert r.status_code == 503, r.text[:300]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "tiempo máximo" in r.json()["detail"]
    assert resultado["segundos"] < 2.0 + 8.0  # tiempo máximo + arranque del trabajador en una máquina cargada
    assert latencias, "no se llegó a medir nada mientras corría la consulta pesada"
    assert max(latencias) < 5.0, latencias
    assert servidor.app.state.registro.ejecutor.reinicios >= 1  # type: ignore[attr-defined]


# --- escrituras y federación escondidas -----------------------------------------------------------------
def _escondidas(espia: str) -> dict[str, str]:
    destino = f"<{espia}>"
    prefijo = espia.rsplit("/", 1)[0] + "/"
    return {
        "service": f"SELECT * WHERE {{ SERVICE {destino} {{ ?s ?p ?o }} }}",
        "service-minusculas-raras": f"SELECT * WHERE {{ sErViCe {destino} {{ ?s ?p ?o }} }}",
        "service-silent": f"SELECT * WHERE {{ SERVICE SILENT {destino} {{ ?s ?p ?o }} }}",
        "service-sin-espacios": f"SELECT * WHERE {{ SERVICE{destino}{{ ?s ?p ?o }} }}",
        "service-tras-comentario": f"SELECT * WHERE {{ # nada que ver\nSERVICE {destino} {{ ?s ?p ?o }} }}",
        "service-con-comentario-cr": f"SELECT * WHERE {{ ?s ?p ?o # x\rSERVICE {destino} {{ }} }}",
        "service-escape-unicode": f"SELECT * WHERE {{ \\u0053ERVICE {destino} {{ ?s ?p ?o }} }}",
        "service-escape-final": f"SELECT * WHERE {{ SERVIC\\u0045 {destino} {{ ?s ?p ?o }} }}",
        "service-prefijo": f"PREFIX e: <{prefijo}> SELECT * WHERE {{ SERVICE e:sparql {{ ?s ?p ?o }} }}",
        "service-variable": f"SELECT * WHERE {{ VALUES ?x {{ {destino} }} SERVICE ?x {{ ?s ?p ?o }} }}",
        "service-tras-cadena-escapada": f'SELECT * WHERE {{ ?s ?p "a\\"" SERVICE {destino} {{ }} }}',
        "load": f"LOAD {destino}",
        "load-minusculas": f"load{destino} into graph <urn:g>",
        "tras-consulta": f"ASK {{ ?s ?p ?o }} ; LOAD {destino}",
        "insert": "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }",
        "insert-tras-salto": "SELECT * WHERE { ?s ?p ?o }\r\nDELETE WHERE { ?s ?p ?o }",
        "drop": "DROP ALL",
        "clear-silent": "CLEAR SILENT GRAPH <https://w3id.org/registro/grafo/referencia>",
        "with-delete": "WITH <https://w3id.org/registro/grafo/registro> DELETE { ?s ?p ?o } WHERE {?s ?p ?o}",
        "copy": "COPY <https://w3id.org/registro/grafo/referencia> TO <urn:x>",
    }


def test_escrituras_y_federacion_escondidas_se_rechazan_sin_efectos(servidor: Servidor) -> None:
    antes = huella(servidor.almacen)
    visitas = len(_Espia.visitas)
    rechazos = 0
    with httpx.Client(base_url=servidor.url, timeout=30) as c:
        for nombre, consulta in _escondidas(servidor.espia).items():
            for r in (
                c.get("/sparql", params={"query": consulta}),
                c.post(
                    "/sparql", content=consulta.encode(), headers={"content-type": "application/sparql-query"}
                ),
                c.post("/sparql", data={"query": consulta}),
                c.post("/sparql", data={"update": consulta}),
                c.get("/sparql", params={"update": consulta}),
                c.post(
                    "/sparql",
                    content=consulta.encode(),
                    headers={"content-type": "application/sparql-update"},
                ),
                c.post("/sparql", data={"query": "ASK { ?s ?p ?o }", "update": consulta}),
            ):
                assert r.status_code in (400, 403), (nombre, r.status_code, r.text[:200])
                assert r.headers["content-type"].startswith("application/problem+json")
                rechazos += 1
    assert huella(servidor.almacen) == antes
    assert len(_Espia.visitas) == visitas, _Espia.visitas
    assert rechazos == 7 * len(_escondidas(servidor.espia))


def test_palabras_prohibidas_dentro_de_textos_e_iris_no_son_falsos_positivos(servidor: Servidor) -> None:
    with httpx.Client(base_url=servidor.url, timeout=30) as c:
        for consulta in (
            'SELECT * WHERE { ?s ?p "SERVICE <http://x/> LOAD INSERT" } LIMIT 1',
            "SELECT * WHERE { ?s <https://w3id.org/registro/ontologia#SERVICE> ?o } LIMIT 1",
            "PREFIX reg: <https://w3id.org/registro/ontologia#> SELECT ?LOAD WHERE { ?LOAD reg:codigo ?c }",
            "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # SERVICE <http://x/>",
        ):
            r = c.get("/sparql", params={"query": consulta})
            assert r.status_code == 200, (consulta, r.text[:300])


def test_texto_patologico_no_detiene_el_bucle_de_eventos(servidor: Servidor) -> None:
    """190 KB de «<»: cuesta ~1 s de análisis léxico, en un hilo; /salud sigue contestando."""
    hilos = []

    def pesada() -> None:
        with httpx.Client(base_url=servidor.url, timeout=60) as c:
            r = c.post(
                "/sparql", content=b"<" * 190_000, headers={"content-type": "application/sparql-query"}
            )
            assert r.status_code == 400

    for _ in range(2):
        hilos.append(threading.Thread(target=pesada))
        hilos[-1].start()
    latencias = []
    with httpx.Client(base_url=servidor.url, timeout=30) as c:
        while any(h.is_alive() for h in hilos):
            inicio = time.monotonic()
            assert c.get("/salud").status_code == 200
            latencias.append(time.monotonic() - inicio)
            time.sleep(0.05)
    for h in hilos:
        h.join()
    assert max(latencias, default=0) < 2.0, latencias


# --- inyección por los parámetros REST --------------------------------------------------------------------
CARGAS = (
    "'",
    '"',
    '"} UNION { GRAPH ?g { ?s ?p ?o } } #',
    'x" . ?s ?p ?o . FILTER("1"="1',
    "https://w3id.org/registro/id/inst/x> } UNION { GRAPH "
    "<https://w3id.org/registro/grafo/privado/certificados> { ?s ?p ?o } } #",
    "<https://w3id.org/registro/grafo/privado/certificados>",
    "{ ?s ?p ?o }",
    "\\u0022 } ; DROP ALL ; #",
    "a" * 3000,
    "%00\x7f",
)


@pytest.fixture(scope="module")
def cliente_rest(servidor: Servidor) -> Iterator[TestClient]:
    """Cliente en proceso sobre el mismo almacén (sin procesos SPARQL: más rápido, misma construcción)."""
    with TestClient(crear_app(configuracion(), almacen=servidor.almacen)) as c:
        yield c


def _operaciones(cliente: TestClient) -> list[tuple[str, list[str], list[str]]]:
    """(ruta, parámetros de consulta, parámetros de ruta) de cada GET público de la API."""
    salida = []
    for ruta, ops in cliente.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        op = ops.get("get")
        if op is None or op.get("security") or ruta in ("/sparql", "/salud"):
            continue
        consulta = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
        camino = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        salida.append((ruta, consulta, camino))
    return salida


def test_inyeccion_por_cada_parametro_rest_sin_5xx_ni_datos_personales(
    servidor: Servidor, cliente_rest: TestClient
) -> None:
    antes = huella(servidor.almacen)
    operaciones = _operaciones(cliente_rest)
    assert len(operaciones) >= 8
    peticiones = 0
    for ruta, consulta, camino in operaciones:
        base = ruta
        for nombre in camino:
            base = base.replace("{" + nombre + "}", "PE" if nombre != "numero" else "1")
        for carga in CARGAS:
            variantes = [(base, {p: carga}) for p in consulta]
            for nombre in camino:
                if nombre == "numero":
                    continue
                otra = ruta
                for n in camino:
                    otra = otra.replace("{" + n + "}", quote(carga, safe="") if n == nombre else "1")
                variantes.append((otra, {}))
            for url, params in variantes:
                r = cliente_rest.get(url, params=params)
                peticiones += 1
                assert r.status_code < 500, (url, params, r.status_code, r.text[:300])
                for privado in PRIVADOS:  # un mensaje de error puede repetir la carga: eso no es filtrar
                    assert privado in carga or privado not in r.text, (url, params, privado)
    assert huella(servidor.almacen) == antes
    print(
        f"\nInyección REST: {peticiones} peticiones, {len(operaciones)} operaciones; sin 5xx ni filtraciones"
    )
