"""Intermediarios ASGI: límite de tamaño del cuerpo, límite de tasa y cabeceras de seguridad.

Límite del cuerpo (``tamano_maximo_envio``): se comprueba **antes** de leer si hay ``Content-Length``,
y mientras se lee si el cuerpo llega por trozos (``Transfer-Encoding: chunked``, sin longitud). Al
superarlo, la aplicación deja de recibir datos; cualquier respuesta que intentara dar (FastAPI
convierte el fallo de lectura en un 400 genérico) se sustituye por un 413 ``problem+json``. Así ningún
punto de la API —envíos, formularios multiparte, SPARQL por POST— lee más de lo permitido, y nada
se escribe: el manejador nunca llega a tener el cuerpo entero.

Límite de tasa (``limite_tasa`` peticiones por segundo sostenidas y ``rafaga_tasa`` seguidas, por
cliente): una cubeta de fichas por token (su identificador, nunca el secreto) o, sin token, por IP. Se
comprueba antes de leer el cuerpo o tocar el almacén; al agotarse responde 429 ``problem+json`` con
``Retry-After``. Detrás de un proxy, arranque uvicorn con ``--proxy-headers`` para que la IP sea la del
cliente y no la del proxy.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registro.api.problemas import BASE_TIPOS, TIPO_MIME


class _CuerpoExcedido(Exception):
    """Se lanza dentro de ``receive`` cuando el cuerpo supera el límite."""


class LimiteCuerpo:
    """Rechaza con 413 los cuerpos mayores que ``maximo`` bytes (con o sin ``Content-Length``)."""

    def __init__(self, app: ASGIApp, maximo: int) -> None:
        self.app = app
        self.maximo = maximo

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declarado = _longitud(scope)
        if declarado is not None and declarado > self.maximo:
            await self._responder(scope, send, declarado)
            return
        estado = {"leido": 0, "excedido": False, "iniciada": False}

        async def recibir() -> Message:
            mensaje = await receive()
            if mensaje["type"] == "http.request":
                estado["leido"] += len(mensaje.get("body", b""))
                if estado["leido"] > self.maximo:
                    estado["excedido"] = True
                    raise _CuerpoExcedido
            return mensaje

        async def enviar(mensaje: Message) -> None:
            if estado["excedido"]:
                return  # se descarta la respuesta de la aplicación: responde este intermediario
            if mensaje["type"] == "http.response.start":
                estado["iniciada"] = True
            await send(mensaje)

        try:
            await self.app(scope, recibir, enviar)
        except _CuerpoExcedido:
            pass
        except Exception:
            if not estado["excedido"]:
                raise
        if estado["excedido"] and not estado["iniciada"]:
            await self._responder(scope, send, None)

    async def _responder(self, scope: Scope, send: Send, declarado: int | None) -> None:
        megas = self.maximo / (1024 * 1024)
        tamano = f" ({declarado:,} bytes)" if declarado is not None else ""
        cuerpo = json.dumps(
            {
                "type": BASE_TIPOS + "entrada-demasiado-grande",
                "title": "Entrada demasiado grande",
                "status": 413,
                "detail": f"El cuerpo de la petición{tamano} supera el máximo de {self.maximo:,} bytes "
                f"({megas:.1f} MiB). Divida el envío en conjuntos más pequeños o pida al "
                "administrador que ajuste REGISTRO_TAMANO_MAXIMO_ENVIO.",
                "instance": scope.get("path", ""),
                "maximo": self.maximo,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", TIPO_MIME.encode()),
                    (b"content-length", str(len(cuerpo)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": cuerpo})


def _longitud(scope: Scope) -> int | None:
    for nombre, valor in scope.get("headers", ()):
        if nombre == b"content-length":
            try:
                return int(valor)
            except ValueError:
                return None
    return None


class LimiteTasa:
    """Cubeta de fichas por cliente: ``rafaga`` peticiones seguidas y ``por_segundo`` sostenidas.

    Por qué aquí y no en cada ruta: una avalancha de peticiones baratas (404, validación) también ocupa
    el servidor, y una de consultas caras ocupa los trabajadores SPARQL de todos. ``por_segundo <= 0``
    lo desactiva. ``/salud`` queda fuera (la consultan los orquestadores). La memoria está acotada:
    como mucho ``maximo_clientes`` cubetas (se olvidan primero las llenas, que no cambian nada).
    """

    def __init__(
        self,
        app: ASGIApp,
        por_segundo: float,
        rafaga: int,
        *,
        maximo_clientes: int = 10_000,
        exentas: tuple[str, ...] = ("/salud",),
        reloj: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.por_segundo = float(por_segundo)
        self.rafaga = max(1, int(rafaga))
        self.maximo_clientes = maximo_clientes
        self.exentas = exentas
        self._reloj = reloj
        self._cubetas: dict[str, tuple[float, float]] = {}
        """cliente → (fichas, instante de la última actualización)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.por_segundo <= 0 or scope.get("path") in self.exentas:
            await self.app(scope, receive, send)
            return
        espera = self.tomar(clave_cliente(scope))
        if espera <= 0:
            await self.app(scope, receive, send)
            return
        segundos = max(1, math.ceil(espera))
        cuerpo = json.dumps(
            {
                "type": BASE_TIPOS + "demasiadas-peticiones",
                "title": "Demasiadas peticiones",
                "status": 429,
                "detail": f"Este cliente superó el límite de {self.por_segundo:g} peticiones por segundo "
                f"(ráfagas de hasta {self.rafaga}). Reintente dentro de {segundos} s; para descargas "
                "masivas use /api/exportaciones.",
                "instance": scope.get("path", ""),
                "reintentar_en": segundos,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", TIPO_MIME.encode()),
                    (b"content-length", str(len(cuerpo)).encode()),
                    (b"retry-after", str(segundos).encode()),
                    (b"x-content-type-options", b"nosniff"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": cuerpo})

    def tomar(self, clave: str) -> float:
        """Gasta una ficha del cliente; devuelve 0 si había, o los segundos hasta la próxima.

        Se llama desde el bucle de eventos sin ``await`` intermedio: no necesita cerrojo.
        """
        ahora = self._reloj()
        fichas, antes = self._cubetas.get(clave, (float(self.rafaga), ahora))
        fichas = min(float(self.rafaga), fichas + (ahora - antes) * self.por_segundo)
        if fichas >= 1:
            self._cubetas[clave] = (fichas - 1, ahora)
            if len(self._cubetas) > self.maximo_clientes:
                self._olvidar(ahora)
            return 0.0
        self._cubetas[clave] = (fichas, ahora)
        return (1 - fichas) / self.por_segundo

    def _olvidar(self, ahora: float) -> None:
        llenado = self.rafaga / self.por_segundo
        vivas = {c: v for c, v in self._cubetas.items() if ahora - v[1] < llenado}
        if len(vivas) > self.maximo_clientes:  # demasiados clientes activos: se olvidan los más antiguos
            vivas = dict(sorted(vivas.items(), key=lambda kv: kv[1][1])[-self.maximo_clientes // 2 :])
        self._cubetas = vivas


_RE_TOKEN = re.compile(r"^\s*bearer\s+reg_([0-9a-f]{12})_", re.IGNORECASE)


def clave_cliente(scope: Scope) -> str:
    """Cliente de una petición: el identificador de su token (público) o, sin token, su IP."""
    for nombre, valor in scope.get("headers", ()):
        if nombre == b"authorization":
            texto = valor.decode("latin-1")
            hallado = _RE_TOKEN.match(texto)
            if hallado is not None:
                return "token:" + hallado.group(1)
            return "autorizacion:" + hashlib.sha256(valor).hexdigest()[:16]
    cliente = scope.get("client")
    return "ip:" + (str(cliente[0]) if cliente else "desconocida")


class CabecerasSeguridad:
    """Cabeceras que ningún punto debería olvidar: ``nosniff``, política de referencia y de marcos.

    Las páginas HTML propias (``/id/…``, formulario SPARQL, interfaz web) fijan además su
    ``Content-Security-Policy`` (sin recursos externos); la interfaz de ``/docs`` se sirve desde el propio
    servidor. Toda respuesta lleva además ``frame-ancestors 'none'`` en su CSP (se añade a la propia de
    la página o se pone sola): ningún sitio ajeno puede enmarcar el registro (*clickjacking*), también
    en navegadores que ya no miran ``X-Frame-Options``.
    """

    _CABECERAS = (
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def enviar(mensaje: Message) -> None:
            if mensaje["type"] == "http.response.start":
                cabeceras = [_con_marcos(n, v) for n, v in mensaje.get("headers", [])]
                presentes = {n.lower() for n, _ in cabeceras}
                extra = [(n, v) for n, v in self._CABECERAS if n not in presentes]
                if b"content-security-policy" not in presentes:
                    extra.append((b"content-security-policy", b"frame-ancestors 'none'"))
                mensaje = {**mensaje, "headers": [*cabeceras, *extra]}
            await send(mensaje)

        await self.app(scope, receive, enviar)


def _con_marcos(nombre: bytes, valor: bytes) -> tuple[bytes, bytes]:
    """Añade ``frame-ancestors 'none'`` a una CSP que no lo dice."""
    if nombre.lower() == b"content-security-policy" and b"frame-ancestors" not in valor:
        return nombre, valor.rstrip(b"; ") + b"; frame-ancestors 'none'"
    return nombre, valor
