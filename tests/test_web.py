"""Interfaz web sin navegador (``TestClient``): seguridad de la sesión, CSRF, cabeceras, permisos,
privacidad de los certificados y contenido de las páginas con el piloto.

Las pruebas con Chromium están en ``tests/e2e``; estas corren siempre y en segundos.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from registro import acceso, arranque, ingesta
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.api import crear_app
from registro.configuracion import Configuracion
from registro.web import sesiones

MATRIZ = "/matrices/iest-piloto/M-ECL-TEL-001-PE-TEL-01"


@pytest.fixture(scope="module")
def entorno(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, AlmacenOxigraph]]:
    carpeta = tmp_path_factory.mktemp("web") / "almacen"
    almacen = AlmacenOxigraph(carpeta)
    arranque.iniciar(almacen, publicador=ingesta.publicar_piloto)
    app = crear_app(Configuracion(almacen=str(carpeta), trabajadores_sparql=0), almacen)
    with TestClient(app, base_url="https://registro.prueba") as cliente:
        yield cliente, almacen
    almacen.cerrar()


@pytest.fixture
def cliente(entorno: tuple[TestClient, AlmacenOxigraph]) -> Iterator[TestClient]:
    c, _ = entorno
    c.cookies.clear()
    yield c
    c.cookies.clear()


@pytest.fixture
def almacen(entorno: tuple[TestClient, AlmacenOxigraph]) -> AlmacenOxigraph:
    return entorno[1]


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "el formulario no tiene campo csrf"
    return m.group(1)


def _entrar(cliente: TestClient, token: str, siguiente: str = "/") -> None:
    pagina = cliente.get("/entrar", params={"siguiente": siguiente})
    r = cliente.post(
        "/entrar",
        data={"token": token, "csrf": _csrf(pagina.text), "siguiente": siguiente},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == siguiente


# --- cabeceras y páginas públicas ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "ruta",
    [
        "/",
        "/buscar?q=tele",
        "/marcos",
        "/normas",
        "/programas",
        "/matrices",
        MATRIZ,
        "/id/marco/mncp",
        "/estaticos/registro.css",
        "/entrar",
    ],
)
def test_cabeceras_de_seguridad_en_toda_pagina(cliente: TestClient, ruta: str) -> None:
    r = cliente.get(ruta, headers={"Accept": "text/html"})
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


def test_paginas_sin_recursos_externos(cliente: TestClient) -> None:
    html = cliente.get("/").text
    assert 'lang="es"' in html and 'href="#contenido"' in html
    externos = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert externos == [], externos  # ni CDN ni fuentes de Internet


def test_busqueda_sin_tildes(cliente: TestClient) -> None:
    html = cliente.get("/buscar", params={"q": "TELECOMUNICACION"}).text
    assert "ECL-TEL-001" in html and "P-6110-7422-001-V01" in html and "PE-TEL-01" in html


def test_cara_html_de_los_iri_y_formas_rdf(cliente: TestClient) -> None:
    r = cliente.get("/id/inst/iest-piloto/programa/PE-TEL-01", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "Módulos formativos" in r.text and "TEL-101" in r.text
    assert 'href="/id/inst/iest-piloto/programa/PE-TEL-01?formato=ttl"' in r.text
    ttl = cliente.get("/id/inst/iest-piloto/programa/PE-TEL-01", params={"formato": "ttl"})
    assert ttl.headers["content-type"].startswith("text/turtle")
    marco = cliente.get("/id/marco/mctp", headers={"Accept": "text/html"}).text
    assert "Hipótesis" in marco and "closeMatch" in marco and "Resolución de problemas" in marco


def test_recurso_inexistente_es_404_en_html(cliente: TestClient) -> None:
    r = cliente.get("/id/inst/mtpe/estandar/NO-EXISTE", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "text/html" in r.headers["content-type"] and "Volver al inicio" in r.text


def test_certificados_nunca_en_paginas_publicas(cliente: TestClient) -> None:
    busqueda = cliente.get("/buscar", params={"q": "CCL-TEL"}).text
    assert "No hay resultados" in busqueda and "CCL-TEL-2024-00117" not in busqueda
    r = cliente.get("/id/inst/ecl-telecom-pe/certificado/CCL-TEL-2024-00117", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "T-7F3A2C" not in r.text


def test_matriz_muestra_porcentajes_y_se_descarga(cliente: TestClient) -> None:
    html = cliente.get(MATRIZ).text
    assert "80,00 %" in html and "62,50 %" in html and "Umbral 80,00 %" in html
    assert 'class="celda v-total e-aprobada' in html and 'class="celda v-total e-sugerida' in html
    csv = cliente.get(MATRIZ + "/descargar", params={"formato": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "TEL-201" in csv.text and "sugerida" in csv.text
    xlsx = cliente.get(MATRIZ + "/descargar", params={"formato": "xlsx"})
    assert xlsx.content[:2] == b"PK"


# --- sesión, CSRF y permisos -----------------------------------------------------------------------------
def test_la_cookie_de_sesion_es_segura_y_no_contiene_el_token(
    cliente: TestClient, almacen: AlmacenOxigraph
) -> None:
    token = acceso.emitir(almacen, rol="analista").token
    pagina = cliente.get("/entrar")
    r = cliente.post(
        "/entrar",
        data={"token": token, "csrf": _csrf(pagina.text), "siguiente": "/simulador"},
        follow_redirects=False,
    )
    cabecera = r.headers["set-cookie"]
    assert cabecera.startswith(f"{sesiones.COOKIE}=")
    assert (
        "HttpOnly" in cabecera
        and "Secure" in cabecera
        and "SameSite=strict" in cabecera.replace("Strict", "strict")
    )
    valor = cabecera.split(";", 1)[0].split("=", 1)[1]
    assert token not in cabecera and valor not in token and len(valor) >= 40
    assert pagina.cookies.get(sesiones.COOKIE) != valor  # identificador rotado al entrar


def test_post_sin_csrf_o_desde_otro_origen_se_rechaza(cliente: TestClient, almacen: AlmacenOxigraph) -> None:
    token = acceso.emitir(almacen, rol="analista").token
    cliente.get("/entrar")
    assert cliente.post("/entrar", data={"token": token}).status_code == 403
    csrf = _csrf(cliente.get("/entrar").text)
    r = cliente.post("/entrar", data={"token": token, "csrf": csrf}, headers={"Origin": "https://otro.sitio"})
    assert r.status_code == 403
    _entrar(cliente, token, "/simulador")
    sin_csrf = cliente.post("/simulador", data={"programa": "x"})
    assert sin_csrf.status_code == 403 and "formulario" in sin_csrf.text


def test_token_invalido_y_redireccion_abierta(cliente: TestClient) -> None:
    csrf = _csrf(cliente.get("/entrar").text)
    r = cliente.post("/entrar", data={"token": "reg_000000000000_x", "csrf": csrf})
    assert r.status_code == 401 and "no es válido" in r.text
    token = "reg_" + "0" * 12 + "_y"
    csrf = _csrf(cliente.get("/entrar").text)
    r = cliente.post("/entrar", data={"token": token, "csrf": csrf, "siguiente": "//malo.ejemplo"})
    assert r.status_code == 401  # y aunque entrara, «siguiente» externo se reduce a «/»
    from registro.web.paginas import _siguiente_seguro

    assert _siguiente_seguro("//malo.ejemplo") == "/" and _siguiente_seguro("https://malo") == "/"


def test_paginas_privadas_piden_sesion_y_rol(cliente: TestClient, almacen: AlmacenOxigraph) -> None:
    r = cliente.get("/simulador", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/entrar?siguiente=%2Fsimulador"
    token = acceso.emitir(almacen, rol="institucion", institucion="cetpro-piloto").token
    _entrar(cliente, token, "/envios")
    assert cliente.get("/sugerencias").status_code == 403
    html = cliente.get("/simulador").text
    assert "CT-INST-01" in html and "PE-TEL-01" not in html  # solo sus programas
    assert 'name="certificado"' not in html  # una institución no ve la lista de certificados


def test_revocar_la_credencial_cierra_la_sesion(cliente: TestClient, almacen: AlmacenOxigraph) -> None:
    emitido = acceso.emitir(almacen, rol="analista")
    _entrar(cliente, emitido.token, "/sugerencias")
    assert cliente.get("/sugerencias").status_code == 200
    acceso.revocar(almacen, emitido.credencial.id)
    assert cliente.get("/sugerencias", follow_redirects=False).status_code == 303


def test_simulador_con_certificado_chileno_muestra_la_cadena(
    cliente: TestClient, almacen: AlmacenOxigraph
) -> None:
    _entrar(cliente, acceso.emitir(almacen, rol="analista").token, "/simulador")
    csrf = _csrf(cliente.get("/simulador").text)
    programa = "https://w3id.org/registro/id/inst/iest-piloto/programa/PE-TEL-01"
    r = cliente.post("/simulador", data={"csrf": csrf, "programa": programa, "codigos": "CV-2025-004418"})
    assert r.status_code == 200
    assert "2 de 8" in r.text and "Cadena entre países" in r.text and "closeMatch" in r.text
    assert "87,50 %" in r.text  # TEL-302 (LEEME, caso b)
    vencido = cliente.post(
        "/simulador", data={"csrf": csrf, "programa": programa, "codigos": "CCL-TEL-2019-00042"}
    )
    assert "venció" in vencido.text


def test_envio_rdf_con_errores_no_escribe(cliente: TestClient, almacen: AlmacenOxigraph) -> None:
    from tests.conftest import DATOS_PRUEBA

    _entrar(cliente, acceso.emitir(almacen, rol="institucion", institucion="iest-piloto").token, "/envios")
    antes = almacen.conteos()
    csrf = _csrf(cliente.get("/envios").text)
    contenido = (DATOS_PRUEBA / "envios" / "referencias-inexistentes.ttl").read_bytes()
    r = cliente.post(
        "/envios",
        data={"csrf": csrf, "modo": "enviar"},
        files={"archivo": ("referencias-inexistentes.ttl", contenido, "text/turtle")},
    )
    assert r.status_code == 422 and "Rechazado" in r.text and "Error" in r.text
    assert almacen.conteos() == antes
