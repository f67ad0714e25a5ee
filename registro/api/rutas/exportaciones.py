"""``GET /api/exportaciones/{formato}``: descargas para registros socios, analistas y catálogos.

La fábrica de la aplicación monta ``router`` en ``/api/exportaciones``; el estado (almacén y
configuración) llega por ``registro.api.dependencias`` (``app.state.registro``). Cada petición:

1. Comprueba el formato (``registro.exportacion.EXPORTADORES``) y, si es un volcado completo
   (``trig``/``nquads`` sin ``pais``), exige un token de **administrador**
   (``Authorization: Bearer …``, ``registro.acceso``): el volcado incluye grafos privados.
2. Escribe la exportación en un archivo temporal (en memoria hasta 16 MB) dentro del grupo de hilos
   de FastAPI —la ruta es ``def``, no ``async``— para no bloquear el bucle de eventos con una
   exportación grande, y la devuelve por trozos con su tipo MIME y un ``Content-Disposition``.

Los errores son ``ErrorRegistro`` y los traduce a ``application/problem+json`` (RFC 9457, en
español) el manejador común de ``registro.api.problemas``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.background import BackgroundTask

from registro import acceso, exportacion
from registro.api.dependencias import Estado, exigir_rol
from registro.errores import NoAutorizado, NoEncontrado

router = APIRouter(tags=["exportaciones"])

_TROZO = 64 * 1024
_EN_MEMORIA = 16 * 1024 * 1024

_DESCRIPCION_FORMATO = "Formato de exportación: " + "; ".join(
    f"«{nombre}»: {texto}" for nombre, texto in exportacion.DESCRIPCIONES.items()
)

_portador = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="Token emitido con «registro token emitir» (`Authorization: Bearer reg_…`); solo hace "
    "falta, con rol administrador, para el volcado completo.",
)


def _exigir_administrador(estado: Estado, portador: HTTPAuthorizationCredentials | None) -> None:
    """El volcado completo contiene datos personales seudonimizados: solo administradores."""
    if portador is None or not portador.credentials:
        raise NoAutorizado(
            "El volcado completo requiere un token de administrador",
            detalle="Envíe «Authorization: Bearer <token>», o pida el subconjunto público con ?pais=PE.",
        )
    exigir_rol(acceso.verificar(estado.almacen, portador.credentials), "administrador")


def _trozos(archivo: IO[bytes]) -> Iterator[bytes]:
    while trozo := archivo.read(_TROZO):
        yield trozo


@router.get(
    "/{formato}",
    summary="Descargar una exportación del registro",
    description=(
        "Exporta el registro en el formato pedido. Salvo el volcado completo (trig o nquads sin país, "
        "solo para administradores), todo sale de la vista pública vigente: sin certificados, titulares "
        "ni grafos privados. Con `pais` (ISO 3166-1 alfa-2) se limita a los recursos de ese país."
    ),
    response_class=Response,
    responses={
        200: {"description": "El archivo exportado, como adjunto."},
        401: {"description": "Falta el token de administrador (volcado completo)."},
        403: {"description": "El token no es de administrador."},
        404: {"description": "Formato o país desconocido.", "content": {"application/problem+json": {}}},
    },
)
def descargar(
    estado: Estado,
    formato: Annotated[
        str,
        Path(description=_DESCRIPCION_FORMATO, json_schema_extra={"enum": sorted(exportacion.EXPORTADORES)}),
    ],
    pais: Annotated[
        str | None,
        Query(description="Código ISO 3166-1 alfa-2 del país (p. ej. PE o CL).", min_length=2, max_length=2),
    ] = None,
    portador: Annotated[HTTPAuthorizationCredentials | None, Depends(_portador)] = None,
) -> Response:
    """Exportación en ``formato``, transmitida por trozos."""
    if formato not in exportacion.EXPORTADORES:
        raise NoEncontrado(
            f"Formato de exportación desconocido: «{formato}»",
            detalle=f"Formatos disponibles: {', '.join(sorted(exportacion.EXPORTADORES))}.",
        )
    pais = pais.upper() if pais else None
    if not exportacion.es_publica(formato, pais):
        _exigir_administrador(estado, portador)
    archivo = tempfile.SpooledTemporaryFile(max_size=_EN_MEMORIA)  # noqa: SIM115 - se cierra tras responder
    try:
        exportacion.exportar(
            estado.almacen, formato, archivo, pais=pais, base_publica=estado.config.base_publica
        )
    except BaseException:
        archivo.close()
        raise
    tamano = archivo.tell()
    archivo.seek(0)
    _, tipo, _ = exportacion.EXPORTADORES[formato]
    if tipo.startswith("text/") or tipo in {"application/trig", "application/n-quads", "application/ld+json"}:
        tipo += "; charset=utf-8"
    nombre = exportacion.nombre_archivo(formato, pais)
    return StreamingResponse(
        _trozos(archivo),  # type: ignore[arg-type]
        media_type=tipo,
        headers={"Content-Disposition": f'attachment; filename="{nombre}"', "Content-Length": str(tamano)},
        background=BackgroundTask(archivo.close),
    )
