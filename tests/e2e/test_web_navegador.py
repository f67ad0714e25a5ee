"""Interfaz web de extremo a extremo con Chromium: búsqueda, matriz, simulador, envíos y sugerencias.

Cada escenario es lo que haría una persona: escribir, pulsar, leer. Se comprueba lo que ve (texto,
porcentajes del piloto de ``datos_ttl/piloto/LEEME.md``) y lo que recibe (el PDF del acta). La consola
del navegador no debe registrar errores: una violación de la política de contenido (CSP) aparecería ahí.
"""

from __future__ import annotations

import re

from tests.e2e import navegador as nav
from tests.e2e.planillas import FILA_CON_ERROR, UD_CON_ERROR, planilla_con_errores

MATRIZ = "/matrices/iest-piloto/M-ECL-TEL-001-PE-TEL-01"


def _fila_ud(pagina, codigo: str):
    return pagina.locator("table.tabla-barras tbody tr", has_text=codigo).first


def test_buscar_sin_tildes_y_abrir_el_estandar(servidor: nav.Servidor, pagina) -> None:
    pagina.goto(servidor.base + "/")
    pagina.keyboard.press("Tab")
    assert pagina.evaluate("document.activeElement.textContent").strip() == "Saltar al contenido principal"
    pagina.get_by_label("Buscar normas, unidades, programas, instituciones o marcos").fill("telecomunicacion")
    pagina.keyboard.press("Enter")
    pagina.wait_for_url(re.compile(r"/buscar\?q=telecomunicacion"))
    grupo = pagina.locator("section.grupo-resultados", has_text="Normas de competencia")
    assert grupo.get_by_text("ECL-TEL-001", exact=True).is_visible()
    grupo.locator("a.resultado-titulo", has_text="ECL-TEL-001").click()
    pagina.wait_for_url("**/id/inst/mtpe/estandar/ECL-TEL-001")
    assert "Instalación, mantenimiento y reparación" in pagina.locator("h1").inner_text()
    unidades = pagina.locator("details.unidad")
    assert unidades.count() == 3
    assert pagina.get_by_text("Verifica la orden de servicio", exact=False).first.is_visible()
    # Cada página es la cara HTML del IRI y enlaza con sus formas RDF.
    turtle = pagina.get_by_role("link", name="Turtle")
    assert turtle.get_attribute("href") == "/id/inst/mtpe/estandar/ECL-TEL-001?formato=ttl"
    respuesta = pagina.request.get(servidor.base + turtle.get_attribute("href"))
    assert respuesta.ok and respuesta.headers["content-type"].startswith("text/turtle")
    assert "ECL-TEL-001" in respuesta.text()


def test_matriz_piloto_mapa_de_calor(servidor: nav.Servidor, pagina) -> None:
    pagina.goto(servidor.base + "/matrices")
    pagina.get_by_role("link", name="M-ECL-TEL-001-PE-TEL-01", exact=True).click()
    pagina.wait_for_url("**" + MATRIZ)
    assert "80,00 %" in _fila_ud(pagina, "TEL-201").inner_text()
    assert "Convalidable" in _fila_ud(pagina, "TEL-201").inner_text()
    assert "62,50 %" in _fila_ud(pagina, "TEL-101").inner_text()
    mapa = pagina.locator("table.mapa")
    # Valoración con color Y letra: cada celda aprobada «total» dice «T».
    total = mapa.locator("td.v-total.e-aprobada")
    assert total.count() > 10 and total.first.inner_text().strip() == "T"
    assert mapa.locator("td.e-sugerida").count() >= 1
    assert mapa.locator("tr.con-brecha").count() >= 1
    # La celda lleva la justificación como título y, con JavaScript, la muestra en un panel.
    celda = mapa.locator("td.v-parcial a").first
    assert "Parcial" in (celda.get_attribute("title") or "")
    celda.click()
    panel = pagina.locator("#panel-celda")
    assert panel.is_visible() and "presupuesto de pérdidas" in panel.inner_text()
    pagina.keyboard.press("Escape")
    assert panel.is_hidden()
    # Descargas de la matriz.
    for formato, tipo in (("csv", "text/csv"), ("xlsx", "spreadsheetml")):
        r = pagina.request.get(f"{servidor.base}{MATRIZ}/descargar?formato={formato}")
        assert r.ok and tipo in r.headers["content-type"]


def test_simulador_certificado_peruano_y_acta_pdf(servidor: nav.Servidor, pagina) -> None:
    pagina.goto(servidor.base + "/simulador")
    pagina.wait_for_url(re.compile(r"/entrar\?siguiente=%2Fsimulador"))  # los certificados son privados
    nav.entrar(pagina, servidor.base, servidor.tokens["analista"], "/simulador")
    pagina.wait_for_url("**/simulador")
    pagina.get_by_label("Programa de estudios").select_option(
        label="PE-TEL-01 — Instalación y Mantenimiento de Redes y Servicios de Telecomunicaciones"
    )
    pagina.get_by_label(re.compile("CCL-TEL-2024-00117")).check()
    pagina.get_by_role("button", name="Calcular reconocimiento").click()
    resultado = pagina.locator("#resultado")
    resultado.wait_for()
    assert "2 de 8" in resultado.locator(".resumen-cifra").inner_text()
    decisiones = resultado.locator("details.decision-ud")
    assert "100,00 %" in decisiones.filter(has_text="TEL-102").inner_text()
    assert "Convalidable" in decisiones.filter(has_text="TEL-201").inner_text()
    assert "62,50 %" in decisiones.filter(has_text="TEL-101").inner_text()
    with pagina.expect_download() as descarga:
        pagina.get_by_role("button", name="Descargar acta (PDF)").click()
    ruta = descarga.value.path()
    with open(ruta, "rb") as f:
        assert f.read(5) == b"%PDF-"
    assert descarga.value.suggested_filename.endswith(".pdf")


def test_envio_de_planilla_con_errores_muestra_la_fila(servidor: nav.Servidor, pagina) -> None:
    nav.entrar(pagina, servidor.base, servidor.tokens["institucion"], "/envios")
    pagina.wait_for_url("**/envios")
    assert "iest-piloto" in pagina.locator("h1").inner_text()
    pagina.get_by_label("Archivo").set_input_files(
        files=[
            {
                "name": "programa-redes.xlsx",
                "buffer": planilla_con_errores(),
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ]
    )
    pagina.get_by_role("button", name="Validar y publicar").click()
    informe = pagina.locator("section.informe")
    informe.wait_for()
    assert "Rechazado" in informe.inner_text()
    fila = informe.locator("tbody tr", has_text=UD_CON_ERROR).first
    texto = fila.inner_text()
    assert (
        f"fila {FILA_CON_ERROR}" in texto and "Unidades didácticas" in texto and "créditos" in texto.lower()
    )
    assert pagina.locator("table", has_text="programa-telecom").is_visible()  # historial de versiones


def test_telefono_sin_desbordes(servidor: nav.Servidor, chromium) -> None:
    contexto = chromium.new_context(viewport=nav.ANCHO_TELEFONO, is_mobile=True, has_touch=True)
    p = contexto.new_page()
    for ruta in ("/", MATRIZ, "/id/marco/mncp"):
        p.goto(servidor.base + ruta)
        ancho = p.evaluate("document.documentElement.scrollWidth")
        assert ancho <= nav.ANCHO_TELEFONO["width"], f"{ruta} se desborda: {ancho}px"
    contexto.close()


def test_aprobar_sugerencia_cambia_la_matriz(servidor: nav.Servidor, pagina) -> None:
    """Va al final: escribe en el almacén (versión nueva de la matriz)."""
    nav.entrar(pagina, servidor.base, servidor.tokens["analista"], "/sugerencias")
    pagina.wait_for_url("**/sugerencias")
    tarjeta = pagina.locator("article.sugerencia", has_text="M-ECL-TEL-001-PE-TEL-01").first
    assert "Elabora un informe técnico" in tarjeta.inner_text()
    tarjeta.get_by_label("Valoración").select_option("total")
    tarjeta.get_by_role("button", name="Aprobar").click()
    pagina.wait_for_url("**/sugerencias?estado=sugerida")
    assert "Correspondencia aprobada" in pagina.locator(".aviso-ok").inner_text()
    assert pagina.locator("article.sugerencia", has_text="M-ECL-TEL-001-PE-TEL-01").count() == 0
    pagina.goto(servidor.base + MATRIZ)
    assert "90,00 %" in _fila_ud(pagina, "TEL-201").inner_text()
    assert pagina.locator("table.mapa td.e-sugerida").count() == 0
