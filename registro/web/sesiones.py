"""Sesiones de la interfaz web, protección CSRF y cabeceras de seguridad de las páginas.

Por qué así:

- **El token nunca viaja en una cookie.** La persona pega su token de la API (``registro token
  emitir``) en el formulario de entrada; el servidor lo verifica con ``acceso.verificar`` y guarda en
  memoria solo el *identificador* de la credencial, su rol y su institución. La cookie lleva un
  identificador de sesión opaco y aleatorio (``secrets.token_urlsafe``) que no permite reconstruir
  nada: robarla da, como mucho, la sesión hasta que caduca o se cierra, nunca el token.
- La cookie es ``HttpOnly`` (el JavaScript de la página no la lee), ``Secure`` (solo HTTPS; los
  navegadores la aceptan también en ``http://127.0.0.1``/``localhost``, que tratan como seguros) y
  ``SameSite=Strict`` (otro sitio no puede provocar peticiones con ella).
- **Revocación inmediata:** en cada petición se relee la credencial en el almacén
  (``acceso.obtener``, una búsqueda por IRI); si se revocó, la sesión se cierra.
- **CSRF:** cada sesión (también la anónima que se crea al mostrar el formulario de entrada) tiene un
  token aleatorio que todo formulario POST incluye en el campo ``csrf``; se compara en tiempo
  constante. Además se rechaza un POST cuyo ``Origin`` no sea el propio servidor.
- Al entrar se **rota** el identificador de sesión (evita la fijación de sesión).

Limitación documentada: las sesiones viven en la memoria del proceso. Con varios procesos de uvicorn
cada uno tiene las suyas (use un solo proceso para la interfaz web, o afinidad de sesión en el
balanceador); al reiniciar el servidor hay que volver a entrar.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field, replace

from starlette.requests import Request
from starlette.responses import Response

from registro import acceso
from registro.almacen.base import Almacen
from registro.errores import ErrorRegistro, NoAutorizado, NoEncontrado, Prohibido

COOKIE = "registro_sesion"
"""Nombre de la cookie de sesión (valor opaco, sin datos)."""

INACTIVIDAD_MAXIMA = 2 * 60 * 60
"""Segundos sin actividad tras los que una sesión caduca."""

DURACION_MAXIMA = 12 * 60 * 60
"""Segundos de vida máxima de una sesión, aunque haya actividad."""

_MAXIMO_SESIONES = 10_000
"""Tope de sesiones en memoria: protege el proceso de quien cree sesiones anónimas en masa."""

POLITICA_CONTENIDO = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
"""CSP de la interfaz: solo recursos del propio servidor (sin CDN, sin estilos ni scripts en línea)."""

CABECERAS_SEGURIDAD: dict[str, str] = {
    "Content-Security-Policy": POLITICA_CONTENIDO,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
"""Cabeceras de toda respuesta de la interfaz web (páginas, descargas y archivos estáticos)."""

ROLES_SIMULADOR = ("institucion", "analista", "administrador")
ROLES_ENVIOS = ("institucion", "administrador")
ROLES_SUGERENCIAS = ("analista", "administrador")

NOMBRES_ROL = {"institucion": "institución", "analista": "analista", "administrador": "administrador"}


@dataclass(frozen=True)
class Sesion:
    """Una sesión de la interfaz: anónima (solo CSRF) o de una credencial verificada."""

    id: str
    csrf: str
    creada: float
    ultimo_uso: float
    credencial: str | None = None
    """Identificador de la credencial (``acceso.Credencial.id``), nunca el token."""
    rol: str | None = None
    institucion: str | None = None
    aviso: str | None = None
    """Mensaje de una sola vez para la página siguiente (p. ej. «Sesión iniciada»)."""

    @property
    def autenticada(self) -> bool:
        return self.credencial is not None

    @property
    def nombre_rol(self) -> str:
        return NOMBRES_ROL.get(self.rol or "", self.rol or "")


@dataclass
class Sesiones:
    """Sesiones en memoria del proceso, con caducidad por inactividad y por edad."""

    _datos: dict[str, Sesion] = field(default_factory=dict)
    _cerrojo: threading.Lock = field(default_factory=threading.Lock)

    def crear(self, **datos: object) -> Sesion:
        ahora = time.time()
        sesion = Sesion(
            id=secrets.token_urlsafe(32),
            csrf=secrets.token_urlsafe(32),
            creada=ahora,
            ultimo_uso=ahora,
            **datos,  # type: ignore[arg-type]
        )
        with self._cerrojo:
            self._purgar(ahora)
            if len(self._datos) >= _MAXIMO_SESIONES:  # se descartan primero las anónimas más viejas
                viejas = sorted(self._datos.values(), key=lambda s: (s.autenticada, s.ultimo_uso))
                for s in viejas[: len(self._datos) - _MAXIMO_SESIONES + 1]:
                    del self._datos[s.id]
            self._datos[sesion.id] = sesion
        return sesion

    def obtener(self, ident: str | None) -> Sesion | None:
        if not ident:
            return None
        ahora = time.time()
        with self._cerrojo:
            sesion = self._datos.get(ident)
            if sesion is None:
                return None
            if ahora - sesion.ultimo_uso > INACTIVIDAD_MAXIMA or ahora - sesion.creada > DURACION_MAXIMA:
                del self._datos[ident]
                return None
            sesion = replace(sesion, ultimo_uso=ahora)
            self._datos[ident] = sesion
            return sesion

    def actualizar(self, sesion: Sesion) -> None:
        with self._cerrojo:
            if sesion.id in self._datos:
                self._datos[sesion.id] = sesion

    def cerrar(self, ident: str | None) -> None:
        with self._cerrojo:
            self._datos.pop(ident or "", None)

    def _purgar(self, ahora: float) -> None:
        caducadas = [
            k
            for k, s in self._datos.items()
            if ahora - s.ultimo_uso > INACTIVIDAD_MAXIMA or ahora - s.creada > DURACION_MAXIMA
        ]
        for k in caducadas:
            del self._datos[k]


def sesiones_de(request: Request) -> Sesiones:
    """El almacén de sesiones de la aplicación (se crea la primera vez, uno por aplicación)."""
    estado = request.app.state
    sesiones = getattr(estado, "sesiones_web", None)
    if sesiones is None:
        sesiones = Sesiones()
        estado.sesiones_web = sesiones
    return sesiones


def sesion_actual(request: Request, almacen: Almacen) -> Sesion | None:
    """Sesión de la cookie, comprobando que la credencial siga activa (revocación inmediata)."""
    cache = request.scope.setdefault("registro_web", {})
    if "sesion" in cache:
        return cache["sesion"]
    sesiones = sesiones_de(request)
    sesion = sesiones.obtener(request.cookies.get(COOKIE))
    if sesion is not None and sesion.credencial is not None:
        try:
            cred = acceso.obtener(almacen, sesion.credencial)
        except (NoEncontrado, ErrorRegistro):
            cred = None
        if cred is None or not cred.activa:
            sesiones.cerrar(sesion.id)
            sesion = None
    cache["sesion"] = sesion
    return sesion


def asegurar_sesion(request: Request, almacen: Almacen, respuesta_cookies: list[str]) -> Sesion:
    """La sesión actual o una anónima nueva (para el token CSRF de un formulario)."""
    sesion = sesion_actual(request, almacen)
    if sesion is None:
        sesion = sesiones_de(request).crear()
        request.scope.setdefault("registro_web", {})["sesion"] = sesion
        respuesta_cookies.append(sesion.id)
    return sesion


def iniciar(request: Request, almacen: Almacen, token: str) -> Sesion:
    """Verifica el token y abre una sesión nueva (identificador rotado); el token no se guarda."""
    cred = acceso.verificar(almacen, token)
    sesiones = sesiones_de(request)
    anterior = request.cookies.get(COOKIE)
    sesiones.cerrar(anterior)
    sesion = sesiones.crear(
        credencial=cred.id,
        rol=cred.rol,
        institucion=cred.institucion,
        aviso=f"Sesión iniciada como {NOMBRES_ROL.get(cred.rol, cred.rol)}"
        + (f" de {cred.institucion}" if cred.institucion else "")
        + ".",
    )
    request.scope.setdefault("registro_web", {})["sesion"] = sesion
    return sesion


def cerrar(request: Request) -> None:
    sesiones_de(request).cerrar(request.cookies.get(COOKIE))
    request.scope.setdefault("registro_web", {})["sesion"] = None


def tomar_aviso(request: Request, sesion: Sesion | None) -> str | None:
    """Mensaje de una sola vez guardado en la sesión (se borra al leerlo)."""
    if sesion is None or not sesion.aviso:
        return None
    sesiones_de(request).actualizar(replace(sesion, aviso=None))
    return sesion.aviso


def dejar_aviso(request: Request, sesion: Sesion, aviso: str) -> None:
    sesiones_de(request).actualizar(replace(sesion, aviso=aviso))


def poner_cookie(respuesta: Response, ident: str) -> None:
    respuesta.set_cookie(
        COOKIE,
        ident,
        max_age=DURACION_MAXIMA,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )


def borrar_cookie(respuesta: Response) -> None:
    respuesta.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")


def verificar_csrf(request: Request, sesion: Sesion | None, enviado: str | None) -> None:
    """Rechaza un POST sin el token CSRF de la sesión o que llega desde otro origen."""
    origen = request.headers.get("origin")
    if origen and origen != "null":
        propio = f"{request.url.scheme}://{request.url.netloc}"
        if origen.rstrip("/") != propio:
            raise Prohibido(
                "La petición llega desde otro sitio", detalle="Use los formularios de esta misma página."
            )
    if sesion is None or not enviado or not hmac.compare_digest(sesion.csrf.encode(), enviado.encode()):
        raise Prohibido(
            "El formulario caducó o no es válido",
            detalle="Vuelva a cargar la página e inténtelo de nuevo "
            "(protección contra falsificación de peticiones).",
        )


def exigir(sesion: Sesion | None, roles: tuple[str, ...]) -> Sesion:
    """La sesión autenticada con uno de ``roles``; si no, ``NoAutorizado`` (entrar) o ``Prohibido``."""
    if sesion is None or not sesion.autenticada:
        raise NoAutorizado(
            "Esta página necesita iniciar sesión",
            detalle="Entre con el token que le entregó el administrador.",
        )
    if sesion.rol not in roles:
        nombres = ", ".join(NOMBRES_ROL.get(r, r) for r in roles)
        raise Prohibido(
            f"Su rol ({sesion.nombre_rol}) no permite usar esta página",
            detalle=f"Roles permitidos: {nombres}.",
        )
    return sesion
