"""Acceso y datos personales: tokens, revocación, fugas, cabeceras, tamaño y tasa de peticiones.

- Los tokens se guardan como huella: ningún token (ni su secreto) aparece en el volcado del almacén.
- La comparación de la huella usa ``hmac.compare_digest`` (se espía en cada petición, válida o no).
- Una revocación vale desde la petición siguiente.
- Seudónimos de titulares e IRIs de certificados nunca salen por el SPARQL público (ni forzando grafos),
  ni por las exportaciones públicas, ni en los registros (``logging``), ni en mensajes de error.
- Cabeceras de seguridad en páginas web y respuestas de la API (CSP con ``frame-ancestors``).
- Cuerpo demasiado grande → 413 (con y sin ``Content-Length``); ráfagas → 429 con ``Retry-After``.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registro import acceso, exportacion
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.api import crear_app
from registro.api.intermedios import LimiteTasa
from tests.fiabilidad.entorno import CERTIFICADO, TITULARES, bearer, clonar, configuracion, volcado

PERSONALES = (*TITULARES, CERTIFICADO, "CCL-TEL-2024-00117", "CCL-TEL-2019-00042")
"""Seudónimos de titulares y certificados del piloto (grafo:privado/certificados)."""


@pytest.fixture(scope="module")
def entorno(
    tmp_path_factory: pytest.TempPathFactory, volcado_piloto: bytes
) -> Iterator[tuple[TestClient, AlmacenOxigraph]]:
    a = clonar(volcado_piloto, Path(tmp_path_factory.mktemp("acceso")) / "almacen")
    with TestClient(crear_app(configuracion(tamano_maximo_envio=64 * 1024), almacen=a)) as c:
        yield c, a
    a.cerrar()


def _sin_personales(texto: str, donde: str) -> None:
    for dato in PERSONALES:
        assert dato not in texto, f"{donde}: aparece «{dato}»"


# --- tokens -------------------------------------------------------------------------------------------------
def test_ningun_token_en_claro_en_el_almacen(entorno: tuple[TestClient, AlmacenOxigraph]) -> None:
    _, a = entorno
    emitidos = [acceso.emitir(a, rol=r, institucion="iest-piloto") for r in ("institucion", "analista")]
    emitidos.append(acceso.emitir(a, rol="administrador"))
    datos = volcado(a)
    for e in emitidos:
        secreto = e.token.split("_", 2)[2]
        assert e.token.encode() not in datos and secreto.encode() not in datos
        assert acceso.huella(secreto).encode() in datos  # solo la huella SHA-256


def test_la_huella_se_compara_en_tiempo_constante(
    entorno: tuple[TestClient, AlmacenOxigraph], monkeypatch: pytest.MonkeyPatch
) -> None:
    c, a = entorno
    llamadas: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def espia(x: bytes, y: bytes) -> bool:
        llamadas.append((x, y))
        return original(x, y)

    monkeypatch.setattr(acceso.hmac, "compare_digest", espia)
    token = acceso.emitir(a, rol="administrador").token
    ident = token.split("_")[1]
    casos = {
        "válido": (token, 200),
        "secreto alterado": (token[:-3] + ("xyz" if not token.endswith("xyz") else "abc"), 401),
        "identificador inexistente": (f"reg_{'0' * 12}_{token.split('_', 2)[2]}", 401),
    }
    for nombre, (t, estado) in casos.items():
        antes = len(llamadas)
        r = c.get("/api/tokens", headers=bearer(t))
        assert r.status_code == estado, (nombre, r.text[:200])
        assert len(llamadas) == antes + 1, f"{nombre}: no pasó por hmac.compare_digest"
    assert ident  # el identificador es público; el secreto nunca se compara con ==


def test_la_revocacion_vale_en_la_peticion_siguiente(entorno: tuple[TestClient, AlmacenOxigraph]) -> None:
    c, a = entorno
    admin = acceso.emitir(a, rol="administrador").token
    victima = acceso.emitir(a, rol="administrador")
    assert c.get("/api/tokens", headers=bearer(victima.token)).status_code == 200
    r = c.delete(f"/api/tokens/{victima.credencial.id}", headers=bearer(admin))
    assert r.status_code in (200, 204), r.text[:200]
    r = c.get("/api/tokens", headers=bearer(victima.token))
    assert r.status_code == 401 and "revocado" in r.json()["detail"]
    otra = acceso.emitir(a, rol="administrador")
    assert c.get("/api/tokens", headers=bearer(otra.token)).status_code == 200
    acceso.revocar(a, otra.credencial.id)  # también por la vía de la CLI: sin caché que esperar
    assert c.get("/api/tokens", headers=bearer(otra.token)).status_code == 401


# --- datos personales -----------------------------------------------------------------------------------
_FORZADAS = (
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT * FROM <https://w3id.org/registro/grafo/privado/certificados> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <https://w3id.org/registro/grafo/privado/certificados> WHERE {GRAPH ?g {?s ?p ?o}}",
    "SELECT ?x WHERE { ?t <https://w3id.org/registro/ontologia#seudonimo> ?x }",
    f"DESCRIBE <{CERTIFICADO}>",
    f"CONSTRUCT {{ <{CERTIFICADO}> ?p ?o }} WHERE {{ GRAPH ?g {{ <{CERTIFICADO}> ?p ?o }} }}",
    f"ASK {{ GRAPH ?g {{ <{CERTIFICADO}> ?p ?o }} }}",
)


def test_sparql_publico_no_muestra_datos_personales(entorno: tuple[TestClient, AlmacenOxigraph]) -> None:
    c, _ = entorno
    for consulta in _FORZADAS:
        for params in (
            {"query": consulta},
            {"query": consulta, "default-graph-uri": "https://w3id.org/registro/grafo/privado/certificados"},
            {"query": consulta, "named-graph-uri": "https://w3id.org/registro/grafo/privado/certificados"},
        ):
            r = c.get("/sparql", params=params, headers={"Accept": "text/csv, text/turtle;q=0.9"})
            assert r.status_code == 200, (consulta, r.text[:300])
            if consulta.startswith("ASK"):
                assert "false" in r.text.lower()
            _sin_personales(r.text.replace(CERTIFICADO, "") if "DESCRIBE" in consulta else r.text, consulta)


def test_exportaciones_publicas_sin_datos_personales(entorno: tuple[TestClient, AlmacenOxigraph]) -> None:
    c, _ = entorno
    probadas = 0
    for formato in sorted(exportacion.EXPORTADORES):
        pais = None
        if not exportacion.es_publica(formato, None):
            assert c.get(f"/api/exportaciones/{formato}").status_code == 401  # volcado completo: admin.
            pais = "PE"
        r = c.get(f"/api/exportaciones/{formato}", params={"pais": pais} if pais else {})
        assert r.status_code == 200, (formato, pais, r.text[:200])
        _sin_personales(r.content.decode("utf-8", errors="replace"), f"exportación {formato} {pais}")
        probadas += 1
    assert probadas >= 6


def test_registros_y_errores_sin_datos_personales_ni_tokens(
    entorno: tuple[TestClient, AlmacenOxigraph], caplog: pytest.LogCaptureFixture
) -> None:
    c, a = entorno
    token = acceso.emitir(a, rol="analista", institucion="minedu").token
    caplog.set_level(logging.DEBUG)
    respuestas = []
    with caplog.at_level(logging.DEBUG):
        # Peticiones autorizadas que SÍ devuelven seudónimos al cliente: no deben acabar en los registros.
        r = c.post(
            "/api/convalidaciones",
            json={"certificados": ["CCL-TEL-2024-00117"], "programa": "PE-TEL-01"},
            headers=bearer(token),
        )
        assert r.status_code == 200, r.text[:300]
        r = c.post(
            "/api/convalidaciones",
            json={"certificados": ["CCL-TEL-2024-00117", "NO-EXISTE"], "programa": "PE-TEL-01"},
            headers=bearer(token),
        )
        respuestas.append(r)
        # Errores que no deben revelar nada que el cliente no haya enviado.
        respuestas += [
            c.get("/id/inst/ecl-telecom-pe/certificado/CCL-TEL-2024-00117"),
            c.get("/id/inst/ecl-telecom-pe/titular/desconocido"),
            c.get("/api/tokens", headers=bearer(token + "x")),
            c.get("/api/tokens", headers=bearer("reg_000000000000_nada")),
            c.post(
                "/api/convalidaciones", json={"certificados": ["X"], "programa": "NO"}, headers=bearer(token)
            ),
            c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"}),
            c.get("/api/programas", params={"q": "{", "desconocido": "1"}),
        ]
    for r in respuestas:
        assert r.status_code >= 400
        _sin_personales(
            r.text.replace("CCL-TEL-2024-00117", "")
            if "CCL-TEL-2024-00117" in str(r.request.url)
            else r.text,
            str(r.request.url),
        )
    servidor = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # no el cliente
    texto_registros = "\n".join(f"{rec.name} {rec.getMessage()} {rec.exc_text or ''}" for rec in servidor)
    _sin_personales(texto_registros, "registros")
    assert token not in texto_registros and token.split("_", 2)[2] not in texto_registros


# --- cabeceras, tamaño y tasa -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ruta", "accept"),
    [
        ("/", "text/html"),
        ("/normas", "text/html"),
        ("/programas", "text/html"),
        ("/entrar", "text/html"),
        ("/id/inst/iest-piloto/programa/PE-TEL-01", "text/html"),
        ("/sparql", "text/html"),
        ("/docs", "text/html"),
        ("/api/marcos", "application/json"),
        ("/no-existe", "application/json"),
    ],
)
def test_cabeceras_de_seguridad(entorno: tuple[TestClient, AlmacenOxigraph], ruta: str, accept: str) -> None:
    c, _ = entorno
    r = c.get(ruta, headers={"Accept": accept})
    assert r.status_code in (200, 404), (ruta, r.status_code)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers.get("referrer-policy") in (
        "strict-origin-when-cross-origin",
        "same-origin",
        "no-referrer",
    )
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    if r.headers["content-type"].startswith("text/html") and ruta != "/docs":
        assert "default-src" in csp and "http:" not in csp and "https:" not in csp  # nada de terceros


def test_cuerpo_demasiado_grande_413(entorno: tuple[TestClient, AlmacenOxigraph]) -> None:
    c, a = entorno
    token = acceso.emitir(a, rol="institucion", institucion="iest-piloto").token
    antes = volcado(a)
    grande = b"#" * (64 * 1024 + 1)
    r = c.post("/api/envios", content=grande, headers={"Content-Type": "text/turtle", **bearer(token)})
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
    assert "supera el máximo" in r.json()["detail"]

    def trozos() -> Iterator[bytes]:  # sin Content-Length: se corta mientras se lee
        for _ in range(70):
            yield b"#" * 1024

    r = c.post("/api/envios", content=trozos(), headers={"Content-Type": "text/turtle", **bearer(token)})
    assert r.status_code == 413
    r = c.post("/sparql", content=grande, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    assert volcado(a) == antes


def test_limite_de_tasa_429_con_retry_after(volcado_piloto: bytes) -> None:
    a = clonar(volcado_piloto)
    with TestClient(crear_app(configuracion(limite_tasa=2.0, rafaga_tasa=5), almacen=a)) as c:
        estados = [c.get("/api/marcos").status_code for _ in range(6)]
        assert estados[:5] == [200] * 5 and estados[5] == 429
        r = c.get("/api/marcos")
        assert r.status_code == 429
        assert r.headers["content-type"].startswith("application/problem+json")
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["title"] == "Demasiadas peticiones" and "límite" in r.json()["detail"]
        assert c.get("/salud").status_code == 200  # exenta: la consultan los orquestadores
        token = acceso.emitir(a, rol="administrador").token  # otro cliente: su propia cubeta
        assert c.get("/api/tokens", headers=bearer(token)).status_code == 200


def test_cubeta_de_fichas_con_reloj_falso() -> None:
    """La aritmética del límite, sin esperar: ráfaga, recarga proporcional, clientes independientes."""
    ahora = [0.0]
    limite = LimiteTasa(None, por_segundo=2.0, rafaga=3, reloj=lambda: ahora[0], maximo_clientes=4)  # type: ignore[arg-type]
    assert [limite.tomar("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limite.tomar("a") == pytest.approx(0.5)  # falta una ficha; llega en 1/2 s
    assert limite.tomar("b") == 0.0
    ahora[0] = 0.5
    assert limite.tomar("a") == 0.0
    ahora[0] = 100.0
    for i in range(10):  # memoria acotada: nunca más de ``maximo_clientes`` cubetas
        limite.tomar(f"ip-{i}")
    assert len(limite._cubetas) <= 4
    assert LimiteTasa(None, por_segundo=0, rafaga=1).por_segundo == 0  # type: ignore[arg-type]
