#!/usr/bin/env python3
"""Capturas de pantalla de la interfaz web (``docs/capturas/*.png``) con Chromium de Debian.

Arranca el mismo servidor que las pruebas de extremo a extremo (uvicorn en 127.0.0.1, almacén en un
directorio temporal con el piloto), recorre las páginas principales a ancho de portátil (1366 px) y
algunas a ancho de teléfono (390 px) y guarda PNG. Si Pillow está instalado, reduce cada imagen a una
paleta de 256 colores (texto y colores planos: sin pérdida visible) para que pese menos de 300 KB.

Uso: ``python scripts/capturas.py [--salida docs/capturas] [--solo nombre1,nombre2]``
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))

from tests.e2e import navegador as nav  # noqa: E402
from tests.e2e.planillas import planilla_con_errores  # noqa: E402

MATRIZ = "/matrices/iest-piloto/M-ECL-TEL-001-PE-TEL-01"
ALTO_MAXIMO = 2600
"""Alto máximo (px) de una captura de página completa: lo demás se recorta."""


def _guardar(png: bytes, destino: Path) -> int:
    try:
        from PIL import Image
    except ImportError:  # sin Pillow se guarda tal cual
        destino.write_bytes(png)
        return len(png)
    imagen = Image.open(io.BytesIO(png)).convert("RGB")
    paleta = imagen.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    salida = io.BytesIO()
    paleta.save(salida, format="PNG", optimize=True)
    destino.write_bytes(salida.getvalue())
    return len(salida.getvalue())


def _captura(pagina, destino: Path, *, completa: bool = True) -> None:
    pagina.wait_for_load_state("networkidle")
    alto = pagina.evaluate("document.documentElement.scrollHeight") if completa else None
    ancho = pagina.viewport_size["width"]
    if completa and alto:
        png = pagina.screenshot(
            full_page=True, clip={"x": 0, "y": 0, "width": ancho, "height": min(alto, ALTO_MAXIMO)}
        )
    else:
        png = pagina.screenshot()
    tam = _guardar(png, destino)
    print(f"{destino.name}: {tam // 1024} KB")


def principal() -> int:
    argumentos = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    argumentos.add_argument("--salida", type=Path, default=RAIZ / "docs" / "capturas")
    argumentos.add_argument("--solo", default="", help="nombres de capturas separados por comas")
    opciones = argumentos.parse_args()
    motivo = nav.motivo_sin_navegador()
    if motivo:
        print(motivo, file=sys.stderr)
        return 2
    opciones.salida.mkdir(parents=True, exist_ok=True)
    solo = {s.strip() for s in opciones.solo.split(",") if s.strip()}

    def quiere(nombre: str) -> bool:
        return not solo or nombre in solo

    with (
        tempfile.TemporaryDirectory() as tmp,
        nav.servidor(Path(tmp) / "almacen") as srv,
        nav.navegador() as chromium,
    ):
        base = srv.base
        contexto = chromium.new_context(viewport=nav.ANCHO_PORTATIL, locale="es-PE")
        p = contexto.new_page()
        publicas = [
            ("inicio", "/"),
            ("busqueda", "/buscar?q=telecomunicacion"),
            ("marco-mctp", "/id/marco/mctp"),
            ("norma-ecl-tel-001", "/id/inst/mtpe/estandar/ECL-TEL-001"),
            ("programa-pe-tel-01", "/id/inst/iest-piloto/programa/PE-TEL-01"),
            ("matriz", MATRIZ),
        ]
        for nombre, ruta in publicas:
            if quiere(nombre):
                p.goto(base + ruta)
                _captura(p, opciones.salida / f"{nombre}.png")

        if quiere("simulador"):
            nav.entrar(p, base, srv.tokens["analista"], "/simulador")
            p.get_by_label("Programa de estudios").select_option(
                label="PE-TEL-01 — Instalación y Mantenimiento de Redes y Servicios de Telecomunicaciones"
            )
            p.get_by_label("CV-2025-004418", exact=False).check()
            p.get_by_role("button", name="Calcular reconocimiento").click()
            p.wait_for_load_state("domcontentloaded")
            p.locator("details.decision-ud").nth(3).evaluate("d => d.open = true")
            p.locator("#res-titulo").scroll_into_view_if_needed()
            _captura(p, opciones.salida / "simulador.png")

        if quiere("envios"):
            ctx_inst = chromium.new_context(viewport=nav.ANCHO_PORTATIL, locale="es-PE")
            pi = ctx_inst.new_page()
            nav.entrar(pi, base, srv.tokens["institucion"], "/envios")
            pi.set_input_files(
                "#archivo",
                files=[
                    {
                        "name": "programa-redes.xlsx",
                        "buffer": planilla_con_errores(),
                        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    }
                ],
            )
            pi.get_by_role("button", name="Solo validar").click()
            pi.wait_for_load_state("domcontentloaded")
            _captura(pi, opciones.salida / "envios.png")
            ctx_inst.close()

        if quiere("sugerencias"):
            nav.entrar(p, base, srv.tokens["analista"], "/sugerencias")
            _captura(p, opciones.salida / "sugerencias.png")

        telefono = chromium.new_context(
            viewport=nav.ANCHO_TELEFONO, device_scale_factor=1, is_mobile=True, has_touch=True, locale="es-PE"
        )
        t = telefono.new_page()
        for nombre, ruta in (("telefono-inicio", "/"), ("telefono-matriz", MATRIZ)):
            if quiere(nombre):
                t.goto(base + ruta)
                _captura(t, opciones.salida / f"{nombre}.png")
        if quiere("telefono-mapa"):
            t.goto(base + MATRIZ + "#mapa-titulo")
            _captura(t, opciones.salida / "telefono-mapa.png", completa=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(principal())
