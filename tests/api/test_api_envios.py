"""``/api/envios``, ``/api/cambios`` y ``/api/tokens``: credenciales, roles, propiedad, tamaño y feed.

Todas usan el almacén ``mutable`` del módulo; cada rechazo comprueba que no se escribió nada.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registro import recursos, versiones
from tests.api.conftest import CERTIFICADO, bearer

PROGRAMA = recursos.carpeta("datos_ttl") / "piloto" / "iest-piloto" / "programa-telecom.ttl"
ESTANDAR = recursos.carpeta("datos_ttl") / "piloto" / "mtpe" / "estandar-instalacion-telecom.ttl"
TURTLE = {"Content-Type": "text/turtle"}


def _programa_modificado(version: str = "2026") -> bytes:
    texto = PROGRAMA.read_text(encoding="utf-8")
    assert 'reg:version "2025"' in texto
    return texto.replace('reg:version "2025"', f'reg:version "{version}"', 1).encode("utf-8")


def _estado(almacen) -> tuple[int, dict[str, int]]:
    return len(versiones.versiones(almacen)), almacen.conteos()


# --- credenciales -------------------------------------------------------------------------------------
def test_sin_token_401(mutable):
    c, a = mutable
    antes = _estado(a)
    r = c.post("/api/envios", content=_programa_modificado(), headers=TURTLE)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["content-type"] == "application/problem+json"
    assert "Falta el token" in r.json()["detail"]
    assert _estado(a) == antes


@pytest.mark.parametrize("token", ["reg_000000000000_falso", "cualquier-cosa", "reg_abc", ""])
def test_token_invalido_401(mutable, token):
    c, a = mutable
    antes = _estado(a)
    r = c.post("/api/envios", content=_programa_modificado(), headers={**TURTLE, **bearer(token)})
    assert r.status_code == 401
    assert _estado(a) == antes


def test_token_con_secreto_alterado_401(mutable, tokens):
    c, _ = mutable
    alterado = tokens["iest"][:-2] + ("AA" if not tokens["iest"].endswith("AA") else "BB")
    assert (
        c.post(
            "/api/envios", content=_programa_modificado(), headers={**TURTLE, **bearer(alterado)}
        ).status_code
        == 401
    )


def test_token_revocado_401(mutable, tokens):
    c, a = mutable
    antes = _estado(a)
    r = c.post(
        "/api/envios", content=_programa_modificado(), headers={**TURTLE, **bearer(tokens["revocado"])}
    )
    assert r.status_code == 401 and "revocado" in r.json()["detail"]
    assert _estado(a) == antes


def test_revocacion_inmediata_por_api(mutable, tokens):
    c, _ = mutable
    nuevo = c.post(
        "/api/tokens",
        json={"rol": "institucion", "institucion": "iest-piloto"},
        headers=bearer(tokens["admin"]),
    )
    assert nuevo.status_code == 201
    token, ident = nuevo.json()["token"], nuevo.json()["id"]
    assert c.get("/api/tokens", headers=bearer(token)).status_code == 403  # rol sin permiso, pero válido
    assert c.delete(f"/api/tokens/{ident}", headers=bearer(tokens["admin"])).status_code == 200
    assert c.get("/api/tokens", headers=bearer(token)).status_code == 401
    lista = c.get("/api/tokens", headers=bearer(tokens["admin"])).json()
    assert any(x["id"] == ident and x["revocada"] for x in lista)
    assert all("token" not in x for x in lista)


# --- roles y propiedad ---------------------------------------------------------------------------------
def test_institucion_a_no_escribe_en_b_403(mutable, tokens):
    c, a = mutable
    antes = _estado(a)
    r = c.post(
        "/api/envios?institucion=iest-piloto",
        content=_programa_modificado(),
        headers={**TURTLE, **bearer(tokens["mtpe"])},
    )
    assert r.status_code == 403
    assert "no puede enviar datos de «iest-piloto»" in r.json()["detail"]
    assert _estado(a) == antes


def test_contenido_de_otra_institucion_403_con_informe(mutable, tokens):
    """El token del MTPE envía (como MTPE) un archivo que describe el programa del IEST."""
    c, a = mutable
    antes = _estado(a)
    r = c.post(
        "/api/envios?clave=programa-ajeno",
        content=_programa_modificado(),
        headers={**TURTLE, **bearer(tokens["mtpe"])},
    )
    assert r.status_code == 403, r.text
    cuerpo = r.json()
    assert "iest-piloto" in cuerpo["detail"]
    assert cuerpo["informe"]["conforme"] is False
    assert "pertenece a la institución «iest-piloto»" in cuerpo["informe_texto"]
    assert _estado(a) == antes


def test_analista_solo_matrices_y_mapeos_403(mutable, tokens):
    c, a = mutable
    antes = _estado(a)
    r = c.post(
        "/api/envios?institucion=iest-piloto&clave=programa-telecom",
        content=_programa_modificado(),
        headers={**TURTLE, **bearer(tokens["analista"])},
    )
    assert r.status_code == 403 and "matrices" in r.json()["detail"]
    assert _estado(a) == antes


# --- entradas inválidas ----------------------------------------------------------------------------------
def test_sintaxis_invalida_400(mutable, tokens):
    c, a = mutable
    antes = _estado(a)
    r = c.post(
        "/api/envios",
        content=b"@prefix x: <urn:x#> .\nx:a x:b ",
        headers={**TURTLE, **bearer(tokens["iest"])},
    )
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert _estado(a) == antes


def test_no_conforme_422_con_informe(mutable, tokens):
    c, a = mutable
    antes = _estado(a)
    malo = (
        b"@prefix reg: <https://w3id.org/registro/ontologia#> .\n"
        b"<https://w3id.org/registro/id/inst/iest-piloto/programa/MAL> a reg:ProgramaEstudios ;\n"
        b"  reg:nivel <https://w3id.org/registro/id/marco/mncp/nivel/99> .\n"
    )
    r = c.post("/api/envios?clave=programa-MAL", content=malo, headers={**TURTLE, **bearer(tokens["iest"])})
    assert r.status_code == 422, r.text
    cuerpo = r.json()
    assert cuerpo["title"] == "Datos no conformes"
    assert cuerpo["informe"]["conforme"] is False and cuerpo["informe"]["total"] >= 1
    assert "NO conforme" in cuerpo["informe_texto"]
    assert _estado(a) == antes


def test_tipo_no_admitido_415(mutable, tokens):
    c, _ = mutable
    r = c.post(
        "/api/envios", content=b"hola", headers={"Content-Type": "image/png", **bearer(tokens["iest"])}
    )
    assert r.status_code == 415


def test_cuerpo_demasiado_grande_413(mutable, tokens):
    c, a = mutable
    antes = _estado(a)
    grande = b"# " + b"x" * (70 * 1024) + b"\n"
    r = c.post("/api/envios", content=grande, headers={**TURTLE, **bearer(tokens["iest"])})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert "supera el máximo" in r.json()["detail"]
    assert _estado(a) == antes


def test_cuerpo_por_trozos_sin_longitud_413(mutable, tokens):
    c, a = mutable
    antes = _estado(a)

    def trozos():
        for _ in range(40):
            yield b"# " + b"y" * 4096 + b"\n"

    r = c.post("/api/envios", content=trozos(), headers={**TURTLE, **bearer(tokens["iest"])})
    assert r.status_code == 413
    assert _estado(a) == antes
    r = c.post("/sparql", content=trozos(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413


def test_parametro_desconocido_400(mutable, tokens):
    c, _ = mutable
    r = c.post(
        "/api/envios?institucin=iest-piloto", content=b"", headers={**TURTLE, **bearer(tokens["iest"])}
    )
    assert r.status_code == 400 and "institucin" in r.json()["detail"]


# --- envío aceptado y feed de cambios ------------------------------------------------------------------
def test_envio_aceptado_201_y_feed(mutable, tokens):
    c, a = mutable
    inicio = (datetime.now(UTC) - timedelta(seconds=1)).replace(microsecond=0)
    n_antes = len(versiones.versiones(a))
    r = c.post(
        "/api/envios?clave=programa-telecom",
        content=_programa_modificado(),
        headers={**TURTLE, **bearer(tokens["iest"])},
    )
    assert r.status_code == 201, r.text
    cuerpo = r.json()
    assert cuerpo["aceptado"] is True and cuerpo["informe"]["conforme"] is True
    assert cuerpo["version"]["numero"] == 2
    assert r.headers["location"] == "/api/envios/iest-piloto/programa-telecom/2"
    assert len(versiones.versiones(a)) == n_antes + 1

    # El contenido de la versión se descarga por la dirección Location.
    contenido = c.get(r.headers["location"], headers={"Accept": "application/n-triples"})
    assert contenido.status_code == 200 and '"2026"' in contenido.text

    # El mismo contenido otra vez: 200, sin versión nueva.
    otra = c.post(
        "/api/envios?clave=programa-telecom",
        content=_programa_modificado(),
        headers={**TURTLE, **bearer(tokens["iest"])},
    )
    assert otra.status_code == 200 and otra.json()["sin_cambios"] is True
    assert len(versiones.versiones(a)) == n_antes + 1

    # Feed: la revisión aparece desde «inicio», enlazando la versión anterior.
    feed = c.get("/api/cambios", params={"desde": inicio.isoformat()}).json()
    grafos = {e["grafo"]: e for e in feed["elementos"]}
    nueva = grafos["https://w3id.org/registro/grafo/envio/iest-piloto/programa-telecom/v2"]
    assert nueva["tipo"] == "revision" and nueva["anterior"].endswith("/programa-telecom/v1")
    futuro = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert c.get("/api/cambios", params={"desde": futuro}).json()["total"] == 0

    # La vista pública ya muestra la nueva versión (también por SPARQL).
    turtle = c.get(
        "/id/inst/iest-piloto/programa/PE-TEL-01", headers={"Accept": "application/n-triples"}
    ).text
    assert '"2026"' in turtle and '"2025"' not in turtle


def test_envio_multiparte(mutable, tokens):
    c, _ = mutable
    r = c.post(
        "/api/envios",
        files={"archivo": ("programa-telecom.ttl", _programa_modificado("2027"), "text/turtle")},
        headers=bearer(tokens["iest"]),
    )
    assert r.status_code == 201, r.text
    assert r.json()["clave"] == "programa-telecom"


def test_feed_ordenado_y_paginado(mutable):
    c, _ = mutable
    r = c.get("/api/cambios", params={"por_pagina": 2})
    assert r.status_code == 200
    todos = []
    for n in range(1, r.json()["paginas"] + 1):
        todos += c.get("/api/cambios", params={"por_pagina": 2, "pagina": n}).json()["elementos"]
    fechas = [(e["fecha"], e["grafo"]) for e in todos]
    assert fechas == sorted(fechas) and len(todos) == r.json()["total"]
    assert 'rel="next"' in r.headers["link"]


def test_listado_de_versiones_publico(mutable):
    c, _ = mutable
    r = c.get("/api/envios", params={"institucion": "iest-piloto", "vigentes": "true"})
    assert r.status_code == 200
    assert all(v["vigente"] and v["institucion"] == "iest-piloto" for v in r.json()["elementos"])
    assert c.get("/api/envios/iest-piloto/no-existe/1").status_code == 404


# --- convalidaciones ----------------------------------------------------------------------------------
def test_convalidacion_requiere_token(mutable):
    c, _ = mutable
    r = c.post("/api/convalidaciones", json={"certificados": ["CCL-TEL-2024-00117"], "programa": "PE-TEL-01"})
    assert r.status_code == 401


def test_convalidacion_de_programa_ajeno_403(mutable, tokens):
    c, _ = mutable
    r = c.post(
        "/api/convalidaciones",
        json={"certificados": ["CCL-TEL-2024-00117"], "programa": "PE-TEL-01"},
        headers=bearer(tokens["mtpe"]),
    )
    assert r.status_code == 403


def test_convalidacion_con_evidencia(mutable, tokens):
    c, _ = mutable
    r = c.post(
        "/api/convalidaciones",
        json={"certificados": [CERTIFICADO], "programa": "PE-TEL-01"},
        headers=bearer(tokens["iest"]),
    )
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    d = r.json()
    assert d["programa"].endswith("/programa/PE-TEL-01")
    assert d["certificados"][0]["seudonimo"].startswith("T-")
    assert d["unidades"] and all("indicadores" in u for u in d["unidades"])
    assert d["porcentaje_programa_texto"].endswith("%")


def test_convalidacion_cuerpo_invalido_422(mutable, tokens):
    c, _ = mutable
    r = c.post(
        "/api/convalidaciones",
        json={"certificados": [], "programa": "PE-TEL-01", "extra": 1},
        headers=bearer(tokens["analista"]),
    )
    assert r.status_code == 422
    mensajes = " ".join(e["mensaje"] for e in r.json()["errores"])
    assert "al menos 1" in mensajes and "no se admite" in mensajes
