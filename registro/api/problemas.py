"""Errores HTTP como RFC 9457 ``application/problem+json``, en español.

Por qué un único traductor: la jerarquía ``ErrorRegistro`` ya lleva estado HTTP, título y mensaje en
español; aquí solo se convierte en el documento de problema. Los errores que no son nuestros
(validación de parámetros de FastAPI, rutas inexistentes, métodos no permitidos) se traducen también,
para que un cliente reciba siempre el mismo formato y el mismo idioma.

Campos: ``type`` (IRI del tipo de problema), ``title``, ``status``, ``detail``, ``instance`` (ruta
pedida) y extensiones: ``donde`` (línea y columna de un error SPARQL, elemento de un envío),
``errores`` (lista de parámetros inválidos), ``informe`` (informe de validación de un envío).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from registro.errores import ErrorRegistro, NoAutorizado

_log = logging.getLogger(__name__)

TIPO_MIME = "application/problem+json"
BASE_TIPOS = "https://w3id.org/registro/problemas/"
"""Los tipos de problema se nombran con IRIs estables del registro (documentados en docs/api.md)."""

_TITULOS_HTTP: dict[int, tuple[str, str]] = {
    400: ("peticion-invalida", "Petición inválida"),
    401: ("no-autorizado", "No autorizado"),
    403: ("prohibido", "Acción no permitida"),
    404: ("no-encontrado", "No encontrado"),
    405: ("metodo-no-permitido", "Método no permitido"),
    406: ("formato-no-disponible", "Formato no disponible"),
    409: ("conflicto", "Conflicto de estado"),
    411: ("falta-longitud", "Falta la longitud del cuerpo"),
    413: ("entrada-demasiado-grande", "Entrada demasiado grande"),
    415: ("tipo-no-admitido", "Tipo de contenido no admitido"),
    422: ("parametros-invalidos", "Parámetros inválidos"),
    429: ("demasiadas-peticiones", "Demasiadas peticiones"),
    500: ("error-interno", "Error interno del registro"),
    503: ("no-disponible", "Servicio no disponible"),
}

_DETALLES_HTTP: dict[int, str] = {
    404: "La ruta pedida no existe en este servidor. Vea la documentación en /docs.",
    405: "Este recurso no admite ese método HTTP. Vea la documentación en /docs.",
}


def _slug(nombre: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", nombre).lower()


def problema(
    estado: int,
    detalle: str,
    *,
    titulo: str | None = None,
    tipo: str | None = None,
    instancia: str | None = None,
    extensiones: Mapping[str, Any] | None = None,
    cabeceras: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Respuesta ``application/problem+json`` con los campos de RFC 9457."""
    slug, titulo_http = _TITULOS_HTTP.get(estado, ("error", "Error"))
    cuerpo: dict[str, Any] = {
        "type": tipo or BASE_TIPOS + slug,
        "title": titulo or titulo_http,
        "status": estado,
        "detail": detalle,
    }
    if instancia:
        cuerpo["instance"] = instancia
    if extensiones:
        cuerpo.update({k: v for k, v in extensiones.items() if v is not None})
    return JSONResponse(cuerpo, status_code=estado, media_type=TIPO_MIME, headers=dict(cabeceras or {}))


def desde_error(exc: ErrorRegistro, instancia: str | None = None) -> JSONResponse:
    """Traduce un ``ErrorRegistro`` (mensaje, detalle, dónde) a un problema."""
    detalle = f"{exc.mensaje.rstrip('.')}. {exc.detalle}" if exc.detalle else exc.mensaje
    extensiones: dict[str, Any] = {"donde": exc.donde}
    posicion = getattr(exc, "posicion", None)
    if posicion:
        extensiones["linea"], extensiones["columna"] = posicion
    informe = getattr(exc, "informe", None)
    if informe is not None and hasattr(informe, "como_json"):
        extensiones["informe"] = informe.como_json()
        if hasattr(informe, "texto"):
            extensiones["informe_texto"] = informe.texto()
    cabeceras = {}
    if isinstance(exc, NoAutorizado):
        cabeceras["WWW-Authenticate"] = 'Bearer realm="registro"'
    return problema(
        exc.codigo_http,
        detalle,
        titulo=exc.titulo,
        tipo=BASE_TIPOS + _slug(type(exc).__name__),
        instancia=instancia,
        extensiones=extensiones,
        cabeceras=cabeceras,
    )


# --- traducción de los errores de validación de FastAPI/pydantic ---------------------------------------
_MENSAJES: dict[str, str] = {
    "missing": "falta este parámetro obligatorio",
    "int_parsing": "debe ser un número entero",
    "int_type": "debe ser un número entero",
    "float_parsing": "debe ser un número",
    "decimal_parsing": "debe ser un número decimal",
    "bool_parsing": "debe ser verdadero o falso (true/false)",
    "string_type": "debe ser un texto",
    "list_type": "debe ser una lista",
    "dict_type": "debe ser un objeto JSON",
    "model_attributes_type": "debe ser un objeto JSON",
    "datetime_parsing": "debe ser una fecha y hora ISO 8601 (p. ej. 2026-01-31T12:00:00Z)",
    "datetime_from_date_parsing": "debe ser una fecha y hora ISO 8601 (p. ej. 2026-01-31T12:00:00Z)",
    "datetime_type": "debe ser una fecha y hora ISO 8601",
    "date_parsing": "debe ser una fecha ISO 8601 (AAAA-MM-DD)",
    "json_invalid": "el cuerpo no es JSON válido",
    "extra_forbidden": "este campo no se admite",
    "uuid_parsing": "debe ser un UUID",
}


def _mensaje_validacion(error: Mapping[str, Any]) -> str:
    tipo = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if tipo in _MENSAJES:
        return _MENSAJES[tipo]
    if tipo == "greater_than_equal":
        return f"debe ser mayor o igual que {ctx.get('ge')}"
    if tipo == "greater_than":
        return f"debe ser mayor que {ctx.get('gt')}"
    if tipo == "less_than_equal":
        return f"debe ser menor o igual que {ctx.get('le')}"
    if tipo == "less_than":
        return f"debe ser menor que {ctx.get('lt')}"
    if tipo == "string_too_short":
        return f"debe tener al menos {ctx.get('min_length')} caracteres"
    if tipo == "string_too_long":
        return f"debe tener como mucho {ctx.get('max_length')} caracteres"
    if tipo == "too_short":
        return f"debe tener al menos {ctx.get('min_length')} elementos"
    if tipo == "too_long":
        return f"debe tener como mucho {ctx.get('max_length')} elementos"
    if tipo == "string_pattern_mismatch":
        return "tiene caracteres no admitidos (solo letras sin tilde, cifras, «.», «_», «~», «-»)"
    if tipo in ("literal_error", "enum"):
        return f"debe ser uno de: {ctx.get('expected', '')}".replace("'", "")
    if tipo == "value_error":
        return str(ctx.get("error", error.get("msg", "valor inválido")))
    return "valor inválido"


def _ubicacion(loc: Sequence[Any]) -> str:
    partes = [str(p) for p in loc]
    origen = {"query": "parámetro", "path": "segmento de ruta", "body": "cuerpo", "header": "cabecera"}
    if partes and partes[0] in origen:
        resto = ".".join(partes[1:])
        return f"{origen[partes[0]]} «{resto}»" if resto else origen[partes[0]]
    return "«" + ".".join(partes) + "»"


def errores_validacion(errores: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    salida = []
    for e in errores:
        loc = list(e.get("loc", ()))
        entrada = e.get("input")
        salida.append(
            {
                "ubicacion": _ubicacion(loc),
                "campo": ".".join(str(p) for p in loc[1:]) if len(loc) > 1 else None,
                "mensaje": _mensaje_validacion(e),
                "valor": entrada if isinstance(entrada, str | int | float | bool) else None,
            }
        )
    return salida


# --- registro de los manejadores ------------------------------------------------------------------
def instalar(app: FastAPI) -> None:
    """Registra los manejadores de errores de la aplicación."""

    @app.exception_handler(ErrorRegistro)
    async def _error_registro(request: Request, exc: ErrorRegistro) -> JSONResponse:
        if exc.codigo_http >= 500:
            _log.warning("Error %s en %s: %s", exc.codigo_http, request.url.path, exc)
        return desde_error(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validacion(request: Request, exc: RequestValidationError) -> JSONResponse:
        errores = errores_validacion(exc.errors())
        resumen = "; ".join(f"{e['ubicacion']}: {e['mensaje']}" for e in errores)
        return problema(
            422,
            f"La petición tiene datos inválidos — {resumen}.",
            instancia=request.url.path,
            extensiones={"errores": errores},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detalle = exc.detail if isinstance(exc.detail, str) and _es_espanol(exc.detail) else None
        return problema(
            exc.status_code,
            detalle
            or _DETALLES_HTTP.get(exc.status_code, _TITULOS_HTTP.get(exc.status_code, ("", "Error"))[1]),
            instancia=request.url.path,
            cabeceras=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _inesperado(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("Error inesperado en %s", request.url.path)
        return problema(
            500,
            "Ocurrió un error inesperado en el registro; no se escribió nada a medias. "
            "Si se repite, avise al administrador con la hora de la petición.",
            instancia=request.url.path,
        )


_PALABRAS_ES = re.compile(r"[áéíóúñ¿¡]|\b(el|la|los|las|de|del|no|se|un|una|es|para|con)\b", re.IGNORECASE)


def _es_espanol(texto: str) -> bool:
    """Los ``HTTPException`` propios llevan texto en español; los de Starlette, en inglés."""
    return bool(_PALABRAS_ES.search(texto))
