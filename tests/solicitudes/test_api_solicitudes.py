"""``/api/solicitudes``: roles, alcance por institución, errores problem+json y el acta en PDF."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from registro import acceso
from registro.api import crear_app
from registro.configuracion import Configuracion
from registro.vocabulario import GRAFO_SOLICITUDES
from tests.solicitudes.conftest import copia


@pytest.fixture(scope="module")
def api(plantilla_piloto, tmp_path_factory) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], object]]:
    a = copia(plantilla_piloto, tmp_path_factory.mktemp("api-solicitudes") / "almacen")
    config = Configuracion(
        almacen="memoria",
        tiempo_maximo_consulta=20.0,
        filas_maximas_consulta=50,
        trabajadores_sparql=0,
        tamano_maximo_envio=256 * 1024,
    )
    tokens = {
        "iest": acceso.emitir(a, rol="institucion", institucion="iest-piloto").token,
        "cetpro": acceso.emitir(a, rol="institucion", institucion="cetpro-piloto").token,
        "analista": acceso.emitir(a, rol="analista", institucion="minedu").token,
        "admin": acceso.emitir(a, rol="administrador").token,
    }
    cabeceras = {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}
    with TestClient(crear_app(config, almacen=a)) as c:
        yield c, cabeceras, a
    a.cerrar()


def _nueva(c: TestClient, h: dict[str, str], **cambios: object) -> dict:
    cuerpo = {
        "programa": "PE-TEL-01",
        "certificados": ["CCL-TEL-2024-00117"],
        "titular_seudonimo": "T-7F3A2C",
    }
    cuerpo.update(cambios)
    r = c.post("/api/solicitudes", json=cuerpo, headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == r.json()["enlace"]
    assert r.headers["Cache-Control"] == "no-store"
    return r.json()


def test_ciclo_por_la_api_con_roles(api):
    c, h, a = api
    s = _nueva(c, h["iest"])
    assert s["estado"] == "recibida" and s["institucion"] == "iest-piloto"
    base = s["enlace"]
    assert c.post(f"{base}/verificar", headers=h["iest"]).json()["estado"] == "verificada"
    analizada = c.post(f"{base}/analizar", headers=h["iest"]).json()
    assert analizada["estado"] == "analizada"
    assert {u["codigo"]: u["porcentaje"] for u in analizada["unidades"]}["TEL-201"] == "0.8"
    antes = frozenset(a.grafo(GRAFO_SOLICITUDES))
    r = c.post(f"{base}/decidir", json={"resultado": "aprobar"}, headers=h["iest"])
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "no puede decidir" in r.json()["title"] + r.json().get("detail", "")
    assert frozenset(a.grafo(GRAFO_SOLICITUDES)) == antes
    r = c.post(
        f"{base}/decidir",
        headers=h["analista"],
        json={
            "resultado": "ajustar",
            "motivo": "Revisión de la comisión",
            "ajustes": [{"unidad": "TEL-101", "convalidable": True, "motivo": "Experiencia documentada"}],
        },
    )
    assert r.status_code == 200, r.text
    decidida = r.json()
    assert decidida["historial"][-1]["agente"].startswith("https://w3id.org/registro/id/credencial/")
    assert decidida["historial"][-1]["rol"] == "analista"
    r = c.get(f"{base}/acta", headers=h["iest"])
    assert r.status_code == 409 and "todavía no tiene acta" in r.text
    resuelta = c.post(f"{base}/resolver", headers=h["iest"]).json()
    assert resuelta["numero_acta"].startswith("IEST-PILOTO-")
    r = c.get(resuelta["acta"], headers=h["iest"])
    assert (
        r.status_code == 200
        and r.headers["content-type"] == "application/pdf"
        and r.content.startswith(b"%PDF")
    )
    r = c.post(f"{base}/notificar", json={"medio": "correo electrónico"}, headers=h["iest"])
    assert r.json()["estado"] == "notificada"
    r = c.post(f"{base}/apelar", json={"motivo": "Pide revisar TEL-202"}, headers=h["iest"])
    assert r.json()["estado"] == "apelada"


def test_institucion_solo_ve_lo_suyo(api):
    c, h, _a = api
    s = _nueva(c, h["cetpro"], programa="CT-INST-01")
    assert c.get(s["enlace"], headers=h["iest"]).status_code == 403
    assert c.post(f"{s['enlace']}/verificar", headers=h["iest"]).status_code == 403
    assert c.get(s["enlace"], headers=h["analista"]).status_code == 200
    propias = c.get("/api/solicitudes", headers=h["iest"]).json()["elementos"]
    assert propias and {e["institucion"] for e in propias} == {"iest-piloto"}
    assert c.get("/api/solicitudes?institucion=cetpro-piloto", headers=h["iest"]).status_code == 403
    todas = c.get("/api/solicitudes", headers=h["admin"]).json()["elementos"]
    assert {"iest-piloto", "cetpro-piloto"} <= {e["institucion"] for e in todas}
    r = c.post(
        "/api/solicitudes",
        headers=h["iest"],
        json={
            "institucion": "cetpro-piloto",
            "programa": "CT-INST-01",
            "certificados": ["CCL-TEL-2024-00117"],
            "titular_seudonimo": "T-7F3A2C",
        },
    )
    assert r.status_code == 403


def test_errores_en_espanol_y_sin_cambios(api):
    c, h, a = api
    assert c.get("/api/solicitudes").status_code == 401
    r = c.post(
        "/api/solicitudes",
        headers=h["iest"],
        json={"programa": "PE-TEL-01", "certificados": ["NO-EXISTE"], "titular_seudonimo": "T-7F3A2C"},
    )
    assert r.status_code == 404 and "NO-EXISTE" in r.json()["detail"] + r.json()["title"]
    s = _nueva(c, h["iest"], certificados=["CCL-TEL-2019-00042"], titular_seudonimo="T-2B9D41")
    antes = frozenset(a.grafo(GRAFO_SOLICITUDES))
    r = c.post(f"{s['enlace']}/resolver", headers=h["iest"])
    assert r.status_code == 409 and "está «recibida»" in r.text
    r = c.post(f"{s['enlace']}/verificar", headers=h["iest"])
    assert r.status_code == 422 and "venció el 09/05/2024" in r.text
    assert frozenset(a.grafo(GRAFO_SOLICITUDES)) == antes
    assert c.get(s["enlace"], headers=h["iest"]).json()["estado"] == "recibida"
    r = c.post(f"{s['enlace']}/decidir", json={"resultado": "otorgar"}, headers=h["analista"])
    assert r.status_code in (400, 422)


def test_vencidas_y_estadisticas(api):
    c, h, _a = api
    r = c.get("/api/solicitudes?vencidas=true", headers=h["admin"])
    assert r.status_code == 200 and r.json()["elementos"] == []  # el plazo de 30 días aún no pasó
    r = c.get("/api/solicitudes/estadisticas", headers=h["iest"])
    assert r.status_code == 200
    tablas = {t["clave"]: t for t in r.json()["tablas"]}
    assert {"por_estado", "por_programa", "por_norma", "unidades", "plazos", "brechas"} <= set(tablas)
    assert {f[0] for f in tablas["por_estado"]["filas"]} == {"iest-piloto"}
