"""Páginas de solicitudes: bandeja, expediente con historial y formularios de pasos, acta PDF e informe."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from registro import acceso
from registro import solicitudes as sol
from registro.api import crear_app
from registro.configuracion import Configuracion
from tests.solicitudes.conftest import INSTITUCION, copia, hora


@pytest.fixture(scope="module")
def web(plantilla_piloto, tmp_path_factory) -> Iterator[tuple[TestClient, object, dict[str, str]]]:
    carpeta = tmp_path_factory.mktemp("web-solicitudes") / "almacen"
    a = copia(plantilla_piloto, carpeta)
    tokens = {
        "iest": acceso.emitir(a, rol="institucion", institucion="iest-piloto").token,
        "cetpro": acceso.emitir(a, rol="institucion", institucion="cetpro-piloto").token,
        "analista": acceso.emitir(a, rol="analista").token,
    }
    app = crear_app(Configuracion(almacen=str(carpeta), trabajadores_sparql=0), a)
    with TestClient(app, base_url="https://registro.prueba") as c:
        yield c, a, tokens
    a.cerrar()


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "el formulario no tiene campo csrf"
    return m.group(1)


def _entrar(c: TestClient, token: str) -> None:
    c.cookies.clear()
    pagina = c.get("/entrar")
    r = c.post(
        "/entrar",
        data={"token": token, "csrf": _csrf(pagina.text), "siguiente": "/solicitudes"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_sin_sesion_pide_entrar(web):
    c, _a, _t = web
    c.cookies.clear()
    r = c.get("/solicitudes", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/entrar")


def test_bandeja_expediente_y_pasos(web):
    c, a, t = web
    s = sol.crear(
        a,
        institucion="iest-piloto",
        programa="PE-TEL-01",
        certificados=["CCL-TEL-2024-00117"],
        titular_seudonimo="T-7F3A2C",
        agente=INSTITUCION,
        ahora=hora("2026-03-02T09:00"),
    )
    s = sol.verificar(a, s.iri, agente=INSTITUCION, ahora=hora("2026-03-03"))
    s = sol.analizar(a, s.iri, agente=INSTITUCION, ahora=hora("2026-03-04"))
    ruta = f"/solicitudes/{s.institucion}/{s.codigo}"
    _entrar(c, t["iest"])
    bandeja = c.get("/solicitudes")
    assert bandeja.status_code == 200 and s.referencia in bandeja.text
    assert "Content-Security-Policy" in bandeja.headers and "<style" not in bandeja.text
    ficha = c.get(ruta)
    assert ficha.status_code == 200
    assert "Historial" in ficha.text and "linea-tiempo" in ficha.text and "62,50 %" in ficha.text
    assert "Evidencia por indicador" in ficha.text
    assert f'action="{ruta}/decidir"' not in ficha.text  # la institución no decide
    r = c.post(f"{ruta}/decidir", data={"csrf": _csrf(ficha.text), "resultado": "aprobar"})
    assert r.status_code == 403 and "no puede decidir" in r.text
    assert sol.ver(a, s.iri).estado == "analizada"
    # La comisión decide con un ajuste desde el formulario.
    _entrar(c, t["analista"])
    ficha = c.get(ruta)
    assert f'action="{ruta}/decidir"' in ficha.text
    r = c.post(
        f"{ruta}/decidir",
        data={
            "csrf": _csrf(ficha.text),
            "resultado": "ajustar",
            "motivo": "Experiencia acreditada",
            "ajuste-TEL-101": "si",
            "motivo-TEL-101": "Dos años en redes de acceso",
            "ajuste-TEL-102": "",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert sol.ver(a, s.iri).decision_vigente.ajustes[0].codigo == "TEL-101"
    # Un paso fuera de orden vuelve al expediente con el error, sin cambios.
    ficha = c.get(ruta)
    r = c.post(f"{ruta}/notificar", data={"csrf": _csrf(ficha.text)})
    assert r.status_code == 409 and "No se puede notificar" in r.text
    r = c.post(f"{ruta}/resolver", data={"csrf": _csrf(ficha.text)}, follow_redirects=True)
    assert r.status_code == 200 and "Acta IEST-PILOTO-" in r.text
    pdf = c.get(f"{ruta}/acta.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    # Otra institución no ve el expediente.
    _entrar(c, t["cetpro"])
    assert c.get(ruta).status_code == 403


def test_informe_con_graficos_svg(web):
    c, _a, t = web
    _entrar(c, t["analista"])
    r = c.get("/solicitudes/informe")
    assert r.status_code == 200
    assert "<svg" in r.text and 'role="img"' in r.text and "Brechas más frecuentes" in r.text
    assert "http://" not in r.text.split("<main", 1)[1].split("</main>", 1)[0].replace(
        "http://www.w3.org", ""
    )
