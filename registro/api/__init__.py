"""API HTTP del registro (FastAPI): datos enlazados, REST, SPARQL, envíos y sincronización.

``crear_app(config, almacen)`` construye una aplicación independiente —sin variables globales de
módulo—: el almacén se abre en el ``lifespan`` (o se inyecta, en pruebas y en ``registro servir``,
que lo abre antes para cargar el piloto) y todo el estado vive en ``app.state.registro``. Las rutas
síncronas se ejecutan en el grupo de hilos de Starlette (pyoxigraph libera el GIL durante una
consulta); ninguna consulta se evalúa en el bucle de eventos.

Solo ``registro.api`` y ``registro.cli`` importan FastAPI.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

import registro
from registro.almacen import Almacen, abrir
from registro.api import problemas
from registro.api.dependencias import EstadoRegistro
from registro.api.intermedios import CabecerasSeguridad, LimiteCuerpo, LimiteTasa
from registro.api.rutas import (
    cambios,
    convalidaciones,
    credenciales,
    envios,
    equivalencias,
    estandares,
    instituciones,
    mapeos,
    marcos,
    programas,
    recursos,
    sparql,
)
from registro.api.rutas._comun import consultar
from registro.configuracion import Configuracion
from registro.consulta_publica import crear_ejecutor
from registro.web import instalar as instalar_web

_log = logging.getLogger(__name__)

ETIQUETAS_OPENAPI = [
    {
        "name": "Datos enlazados",
        "description": "Cada IRI `https://w3id.org/registro/id/…` se resuelve en `/id/…`.",
    },
    {
        "name": "Normas de competencia",
        "description": "Estándares de competencia laboral y perfiles ocupacionales.",
    },
    {"name": "Programas de estudios", "description": "Programas de IEST, CETPRO, CFT e IP."},
    {"name": "Instituciones", "description": "Registro de instituciones."},
    {"name": "Marcos de cualificaciones", "description": "MNCP, MCTP, EQF y sus niveles."},
    {"name": "Equivalencias", "description": "Matrices de equivalencia norma × programa."},
    {"name": "Convalidaciones", "description": "Decisiones de convalidación (requiere token)."},
    {"name": "Mapeos entre países", "description": "Mapeos SSSOM entre unidades de competencia."},
    {
        "name": "Envíos",
        "description": "Publicación de datos por las instituciones (requiere token) y versiones.",
    },
    {"name": "Sincronización", "description": "Feed de cambios para registros socios."},
    {
        "name": "Exportaciones",
        "description": "Descargas del registro en formatos RDF, ELM, SSSOM y tabulares.",
    },
    {"name": "SPARQL", "description": "Punto SPARQL 1.1 de solo lectura."},
    {"name": "Credenciales", "description": "Gestión de tokens (administradores)."},
    {"name": "Servicio", "description": "Estado del servicio."},
]

_DESCRIPCION = """Registro de cualificaciones en datos enlazados: normas de competencia laboral (MTPE,
ChileValora), programas de estudios (IEST, CETPRO, CFT/IP), marcos de cualificaciones, matrices de
equivalencia y convalidaciones entre certificados y programas, en Perú y Chile.

- Los errores se devuelven como `application/problem+json` (RFC 9457) en español.
- Las listas se paginan con `pagina` y `por_pagina` (máximo 100) y llevan cabeceras `Link` (RFC 8288)
  y `X-Total-Count`. Un parámetro desconocido es un error 400 (no se ignora en silencio).
- Las búsquedas (`q`) no distinguen mayúsculas ni tildes.
- Las operaciones que escriben o que muestran datos personales seudonimizados piden un token
  (`Authorization: Bearer …`) emitido con `registro token emitir`.
"""


def crear_app(config: Configuracion | None = None, almacen: Almacen | None = None) -> FastAPI:
    """Construye la aplicación; si ``almacen`` es ``None`` lo abre (y lo cierra) el ``lifespan``."""
    config = config or Configuracion.desde_entorno()

    @asynccontextmanager
    async def ciclo(app: FastAPI) -> AsyncIterator[None]:
        propio = almacen is None
        a = abrir(config) if almacen is None else almacen
        ejecutor = crear_ejecutor(
            a,
            tiempo_maximo=config.tiempo_maximo_consulta,
            filas_maximas=config.filas_maximas_consulta,
            trabajadores=config.trabajadores_sparql,
        )
        estado = EstadoRegistro(config=config, almacen=a, ejecutor=ejecutor)
        app.state.registro = estado
        try:
            await run_in_threadpool(ejecutor.preparar)
            estado.etiquetas.update(await run_in_threadpool(_etiquetas, estado))
            yield
        finally:
            await run_in_threadpool(ejecutor.cerrar)
            if propio:
                a.cerrar()

    app = FastAPI(
        title="Registro de cualificaciones Perú – Chile",
        version=registro.__version__,
        description=_DESCRIPCION,
        openapi_tags=ETIQUETAS_OPENAPI,
        lifespan=ciclo,
        docs_url=None,
        redoc_url=None,
        swagger_ui_parameters={"docExpansion": "none", "defaultModelsExpandDepth": 0},
    )
    problemas.instalar(app)
    app.add_middleware(CabecerasSeguridad)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Accept", "Authorization", "Content-Type", "If-None-Match"],
        expose_headers=[
            "ETag",
            "Link",
            "Location",
            "X-Total-Count",
            "X-Registro-Filas-Maximas",
            "X-Registro-Resultado-Truncado",
            "X-Registro-Filas",
            "X-Registro-Instantanea",
            "X-Registro-Instantanea-Edad",
            "X-Registro-Instantanea-Actualizando",
        ],
    )
    app.add_middleware(LimiteCuerpo, maximo=config.tamano_maximo_envio)
    app.add_middleware(LimiteTasa, por_segundo=config.limite_tasa, rafaga=config.rafaga_tasa)
    _documentacion(app)

    for modulo in (
        recursos,
        estandares,
        programas,
        instituciones,
        marcos,
        equivalencias,
        convalidaciones,
        mapeos,
        envios,
        cambios,
        sparql,
        credenciales,
    ):
        app.include_router(modulo.router)
    app.include_router(importlib.import_module("registro.api.rutas.solicitudes").router)
    exportaciones = _router_opcional("registro.api.rutas.exportaciones")
    if exportaciones is not None:
        app.include_router(exportaciones, prefix="/api/exportaciones")
    instalar_web(app)  # interfaz web en español: páginas y /estaticos (registro.web)

    @app.get(
        "/salud",
        tags=["Servicio"],
        summary="Estado del servicio",
        description="Responde 200 si el servidor está listo (almacén abierto y trabajadores SPARQL).",
    )
    def salud(request: Request) -> JSONResponse:
        estado: EstadoRegistro = request.app.state.registro
        cuerpo: dict[str, object] = {
            "estado": "ok",
            "version": registro.__version__,
            "sparql": type(estado.ejecutor).__name__,
        }
        frescura = estado.ejecutor.frescura()
        if frescura is not None:
            cuerpo["instantanea"] = {
                "version": frescura.version,
                "edad_segundos": round(frescura.edad, 1),
                "actualizando": frescura.actualizando,
            }
        return JSONResponse(cuerpo)

    return app


def _router_opcional(nombre: str):
    """Importa un router que otro equipo escribe; su ausencia no impide arrancar."""
    try:
        modulo = importlib.import_module(nombre)
    except ModuleNotFoundError as exc:
        if exc.name == nombre:
            return None
        raise
    return getattr(modulo, "router", None)


def _etiquetas(estado: EstadoRegistro) -> dict[str, str]:
    return {str(f["termino"]): str(f["etiqueta"]) for f in consultar(estado, "api-etiquetas-ontologia").filas}


def _documentacion(app: FastAPI) -> None:
    """``/docs`` con Swagger UI servido desde este servidor (sin CDN: ningún script ajeno en el origen)."""
    try:
        import fastapi_offline

        estaticos = Path(fastapi_offline.__file__).parent / "static"
    except ImportError:  # pragma: no cover - dependencia declarada
        estaticos = None
    if estaticos is not None and estaticos.is_dir():
        app.mount("/docs/recursos", StaticFiles(directory=estaticos), name="docs-recursos")
        js, css, icono = (
            "/docs/recursos/swagger-ui-bundle.js",
            "/docs/recursos/swagger-ui.css",
            "/docs/recursos/favicon.png",
        )
    else:  # pragma: no cover
        js = css = icono = None

    @app.get("/docs", include_in_schema=False)
    def documentacion() -> HTMLResponse:
        argumentos = (
            {"swagger_js_url": js, "swagger_css_url": css, "swagger_favicon_url": icono} if js else {}
        )
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_ui_parameters=app.swagger_ui_parameters,
            **argumentos,
        )
