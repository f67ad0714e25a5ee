"""Ejecución de consultas del punto SPARQL público: solo lectura, vista pública, tiempo y tamaño acotados.

Por qué: una consulta arbitraria de cualquiera en Internet puede tardar minutos (producto cartesiano,
``ORDER BY`` de millones de filas) y pyoxigraph no sabe cancelarla. ``PoolTrabajadores`` mantiene unos
pocos procesos hijos (``registro.trabajador_sparql``) con una instantánea de solo lectura; si una
consulta supera ``tiempo_maximo_consulta``, su proceso se **mata** (el trabajo se detiene de verdad) y
se arranca otro. El servidor nunca evalúa consultas públicas en su propio proceso.

Frescura: la instantánea se rehace cuando cambian los grafos de la vista pública (cada versión aceptada es
un grafo nuevo) o tras ``invalidar()``. Rehacerla cuesta un volcado del almacén y una carga masiva:
milisegundos con el piloto, decenas de segundos a escala nacional; por eso se rehace **en segundo
plano** mientras se sigue sirviendo la anterior (``PoolTrabajadores``), y cada respuesta dice qué
instantánea la dio (``Frescura``: cabeceras ``X-Registro-Instantanea*``).

``EjecutorRemoto``: con un almacén SPARQL remoto evalúa el servidor, con la vista pública como conjunto
de datos del protocolo, el tiempo máximo como plazo HTTP y el tope de filas leyendo en flujo.

``EjecutorEnProceso`` es la alternativa sin procesos (``trabajadores_sparql = 0``): el tiempo máximo
solo deja de *esperar* (respuesta 503), pero la consulta sigue ocupando un hilo hasta terminar. Se
documenta como limitación en ``docs/api.md``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import io
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import BinaryIO

import httpx
import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from registro import trabajador_sparql
from registro.almacen.base import Almacen, Vista, VistaGrafos, inyectar_valores
from registro.errores import ConsultaProhibida, ErrorAlmacen, ErrorConsulta, ErrorRegistro, TiempoAgotado
from registro.sparql_seguro import AnalisisConsulta, posicion_error, tokens
from registro.vocabulario import PREFIJOS

_log = logging.getLogger(__name__)

FORMATOS_RESULTADOS = tuple(trabajador_sparql.FORMATOS_RESULTADOS)
FORMATOS_GRAFO = tuple(trabajador_sparql.FORMATOS_GRAFO)
_ESPERA_ARRANQUE = 120.0
"""Segundos máximos para que un trabajador abra su instantánea (un volcado grande tarda)."""
_ESPERA_REINTENTO = 30.0
"""Segundos sin reintentar tras una reconstrucción fallida (disco lleno…): se sirve la anterior."""


@dataclass(frozen=True)
class PeticionSparql:
    """Una consulta del protocolo SPARQL ya analizada (``sparql_seguro.analizar``)."""

    consulta: str
    analisis: AnalisisConsulta
    formato_resultados: str
    """Tipo MIME para SELECT/ASK (uno de ``FORMATOS_RESULTADOS``)."""
    formato_grafo: str
    """Tipo MIME para CONSTRUCT/DESCRIBE (uno de ``FORMATOS_GRAFO``)."""
    grafos_defecto: tuple[str, ...] = ()
    """``default-graph-uri`` del protocolo (manda sobre ``FROM``)."""
    grafos_con_nombre: tuple[str, ...] = ()
    """``named-graph-uri`` del protocolo (manda sobre ``FROM NAMED``)."""


@dataclass(frozen=True)
class Frescura:
    """Qué datos sirvió una respuesta: versión y edad de la instantánea pública.

    Por qué se publica: la instantánea se reconstruye en segundo plano (las consultas no esperan), así
    que durante unos segundos tras una publicación se sirven los datos anteriores. Las cabeceras
    ``X-Registro-Instantanea*`` permiten a un cliente saber si lo que ve puede estar atrasado.
    """

    version: int
    """Número de la instantánea (crece con cada reconstrucción; 1 la primera)."""
    edad: float
    """Segundos desde que se leyeron del almacén los datos de la instantánea."""
    actualizando: bool
    """Hay una instantánea más nueva en construcción o pendiente."""

    def cabeceras(self) -> dict[str, str]:
        return {
            "X-Registro-Instantanea": str(self.version),
            "X-Registro-Instantanea-Edad": f"{self.edad:.1f}",
            "X-Registro-Instantanea-Actualizando": "true" if self.actualizando else "false",
        }


@dataclass(frozen=True)
class RespuestaSparql:
    cuerpo: bytes
    tipo_mime: str
    tipo: str
    filas: int
    truncado: bool
    filas_maximas: int
    segundos: float = 0.0
    contiene_sujeto: bool | None = None
    """En CONSTRUCT con ``sujeto``: si el resultado tiene alguna tripleta con ese sujeto."""
    frescura: Frescura | None = None
    """Instantánea que respondió (``None``: datos en vivo del almacén, sin instantánea)."""


def conjunto_de_datos(
    vista: VistaGrafos, peticion: PeticionSparql
) -> tuple[list[str] | None, list[str] | None]:
    """Grafo por defecto y grafos con nombre pedidos, siempre dentro de los grafos públicos.

    ``(None, None)`` significa «la vista pública tal cual»: en la instantánea de los trabajadores es el
    grafo por defecto del almacén (unión de los vigentes públicos) y todos sus grafos con nombre. El
    protocolo (``default-graph-uri``/``named-graph-uri``) manda sobre ``FROM``/``FROM NAMED``; un grafo
    pedido que no es público se trata como inexistente (vacío): la respuesta no revela si existe.
    """
    defecto = peticion.grafos_defecto or peticion.analisis.desde
    con_nombre = peticion.grafos_con_nombre or peticion.analisis.desde_con_nombre
    if not (defecto or con_nombre):
        return None, None
    publicos = {str(g) for g in (vista.con_nombre or ())} | {str(g) for g in vista.por_defecto}
    return [g for g in defecto if g in publicos], [g for g in con_nombre if g in publicos]


def error_sintaxis(mensaje: str) -> ErrorConsulta:
    """Error de sintaxis de Oxigraph → 400 en español con línea y columna (``posicion``)."""
    pos = posicion_error(mensaje)
    donde = f"línea {pos[0]}, columna {pos[1]}" if pos else None
    primera = mensaje.splitlines()[0] if mensaje else ""
    error = ErrorConsulta(
        "La consulta SPARQL tiene un error de sintaxis" + (f" en la {donde}" if donde else ""),
        detalle=f"Mensaje del analizador: {primera[:400]}",
        donde=donde,
    )
    error.posicion = pos  # type: ignore[attr-defined] - la API lo publica como «linea»/«columna»
    return error


def _respuesta(datos: dict, maximo: int, segundos: float) -> RespuestaSparql:
    estado = datos.get("estado")
    if estado == "ok":
        return RespuestaSparql(
            datos["cuerpo"],
            datos["tipo_mime"],
            datos["tipo"],
            datos["filas"],
            datos["truncado"],
            maximo,
            segundos,
            datos.get("contiene_sujeto"),
        )
    if estado == "sintaxis":
        raise error_sintaxis(datos["mensaje"])
    raise ErrorConsulta("La consulta no se pudo evaluar", detalle=str(datos.get("mensaje", "")))


class EjecutorSparql(ABC):
    """Ejecuta consultas del punto público; las implementaciones deciden cómo se aíslan."""

    def __init__(self, almacen: Almacen, *, tiempo_maximo: float, filas_maximas: int) -> None:
        self.almacen = almacen
        self.tiempo_maximo = tiempo_maximo
        self.filas_maximas = filas_maximas

    def preparar(self) -> None:  # noqa: B027 - opcional
        """Trabajo de arranque (instantánea, procesos) fuera del camino de la primera petición."""

    def cerrar(self) -> None:  # noqa: B027 - opcional
        """Libera procesos y archivos temporales."""

    def invalidar(self) -> None:  # noqa: B027 - opcional
        """Fuerza a releer los datos públicos (tras escribir un grafo público ya existente)."""

    def esperar_instantanea(self, tiempo: float | None = None) -> bool:
        """Espera a que los datos públicos servidos estén al día; ``True`` si lo están (o no hay copia).

        Solo ``PoolTrabajadores`` sirve una copia que puede ir por detrás del almacén; los demás
        ejecutores leen el almacén en vivo.
        """
        return True

    def frescura(self) -> Frescura | None:
        """Versión y edad de los datos que se están sirviendo (``None``: en vivo, sin instantánea)."""
        return None

    def interna(
        self,
        consulta: str,
        sustituciones: dict[str, tuple] | None = None,
        *,
        formato_resultados: str = "application/sparql-results+json",
        formato_grafo: str = "application/n-triples",
        sujeto: str | None = None,
    ) -> RespuestaSparql:
        """Consulta del propio registro (catálogo ``api-*.rq``) sobre la vista pública, sin tope de filas.

        La usan ``/id/…`` y las búsquedas de ``/api``: pasan por la misma instantánea pública que
        ``/sparql`` (rápida a escala nacional y sin datos personales), con el mismo tiempo máximo.
        """
        peticion = {
            "consulta": consulta,
            "defecto": None,
            "con_nombre": None,
            "sustituciones": sustituciones or {},
            "formato_resultados": formato_resultados,
            "formato_grafo": formato_grafo,
            "filas_maximas": 10_000_000,
            "sujeto": sujeto,
        }
        return self._ejecutar_mensaje(peticion)

    def consultar(self, peticion: PeticionSparql) -> RespuestaSparql:
        vista = self.almacen.grafos_de(Vista.PUBLICA)
        assert vista is not None
        return self._ejecutar_mensaje(self._mensaje(vista, peticion))

    @abstractmethod
    def _ejecutar_mensaje(self, mensaje: dict) -> RespuestaSparql: ...

    def _mensaje(self, vista: VistaGrafos, peticion: PeticionSparql) -> dict:
        defecto, con_nombre = conjunto_de_datos(vista, peticion)
        return {
            "consulta": peticion.consulta,
            "defecto": defecto,
            "con_nombre": con_nombre,
            "formato_resultados": peticion.formato_resultados,
            "formato_grafo": peticion.formato_grafo,
            "filas_maximas": self.filas_maximas,
        }


class EjecutorEnProceso(EjecutorSparql):
    """Evalúa en un hilo del propio servidor (sin aislamiento real del tiempo: ver el módulo)."""

    def __init__(self, almacen: Almacen, *, tiempo_maximo: float, filas_maximas: int) -> None:
        super().__init__(almacen, tiempo_maximo=tiempo_maximo, filas_maximas=filas_maximas)
        store = getattr(almacen, "store", None)
        if not isinstance(store, ox.Store):
            raise ErrorAlmacen(
                "El punto SPARQL en proceso necesita el almacén Oxigraph embebido",
                detalle="Con un servidor SPARQL remoto, publique directamente su punto de consulta.",
            )
        self._store = store
        self._hilos = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="sparql")

    def _ejecutar_mensaje(self, mensaje: dict) -> RespuestaSparql:
        # Sin instantánea: la vista pública se fija con listas explícitas de grafos (correcto, pero
        # lento con miles de versiones: es el modo de pruebas y de almacenes pequeños).
        vista = self.almacen.grafos_de(Vista.PUBLICA)
        assert vista is not None
        mensaje = dict(mensaje)
        if mensaje.get("defecto") is None:
            mensaje["defecto"] = [str(g) for g in vista.por_defecto]
        if mensaje.get("con_nombre") is None:
            mensaje["con_nombre"] = sorted({str(g) for g in (vista.con_nombre or ())})
        inicio = time.monotonic()
        futuro = self._hilos.submit(trabajador_sparql.ejecutar, self._store, mensaje, PREFIJOS)
        try:
            datos = futuro.result(timeout=self.tiempo_maximo)
        except concurrent.futures.TimeoutError as exc:
            raise TiempoAgotado(
                f"La consulta superó el tiempo máximo de {self.tiempo_maximo:g} s",
                detalle="Acote la consulta (LIMIT, filtros más selectivos) o descargue una exportación.",
            ) from exc
        return _respuesta(datos, self.filas_maximas, time.monotonic() - inicio)

    def cerrar(self) -> None:
        self._hilos.shutdown(wait=False, cancel_futures=True)


@dataclass
class _Instantanea:
    """Copia inmutable de los datos públicos que leen los trabajadores."""

    vista: VistaGrafos
    tipo: str
    ruta: Path
    carpeta: Path
    version: int = 0
    leida: float = field(default_factory=time.monotonic)
    """Momento (``time.monotonic``) en que se leyeron sus datos del almacén: su edad parte de aquí."""
    usos: int = 0
    obsoleta: bool = False

    def liberar_si_procede(self) -> None:
        if self.obsoleta and self.usos <= 0:
            shutil.rmtree(self.carpeta, ignore_errors=True)


@dataclass
class _Trabajador:
    proceso: subprocess.Popen
    conexion: Connection
    instantanea: _Instantanea
    vivo: bool = True
    consultas: int = field(default=0)

    def matar(self) -> None:
        if not self.vivo:
            return
        self.vivo = False
        with contextlib.suppress(OSError):
            self.conexion.close()
        if self.proceso.poll() is None:
            self.proceso.kill()
        try:
            self.proceso.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - el núcleo no liberó el proceso
            _log.warning("El trabajador SPARQL %s no terminó tras SIGKILL", self.proceso.pid)
        self.instantanea.usos -= 1
        self.instantanea.liberar_si_procede()


class PoolTrabajadores(EjecutorSparql):
    """Procesos trabajadores con instantáneas de solo lectura; los que se pasan de tiempo se matan.

    Reconstrucción sin bloqueo: cuando cambian los grafos públicos (cada envío público aceptado) o tras
    ``invalidar()``, la consulta que lo detecta **no** espera: programa la reconstrucción en un hilo
    (``_hilo_construccion``) y se responde con la instantánea anterior. Al terminar, la nueva se pone en
    su lugar bajo el cerrojo (un cambio de referencia: atómico para las consultas) y los trabajadores de
    la anterior se retiran al devolverse. Varias escrituras seguidas se agrupan: mientras se construye,
    cualquier cambio nuevo solo marca ``_pendiente`` y, al terminar, se construye **una** vez más con la
    vista más reciente. Solo la primera instantánea (arranque) se espera. Antes, reconstruir a escala
    nacional (20–30 s con 200.000 tripletas) detenía todas las peticiones de ``/sparql``, ``/id`` y las
    búsquedas.
    """

    def __init__(
        self, almacen: Almacen, *, tiempo_maximo: float, filas_maximas: int, trabajadores: int = 2
    ) -> None:
        super().__init__(almacen, tiempo_maximo=tiempo_maximo, filas_maximas=filas_maximas)
        store = getattr(almacen, "store", None)
        if not isinstance(store, ox.Store):
            raise ErrorAlmacen("Los trabajadores SPARQL necesitan el almacén Oxigraph embebido")
        self._store = store
        self._ruta_almacen: Path | None = getattr(almacen, "ruta", None)
        self._tamano = max(1, trabajadores)
        self._cupos = threading.BoundedSemaphore(self._tamano)
        self._cerrojo = threading.Lock()
        self._cambio = threading.Condition(self._cerrojo)
        """Se notifica cada vez que termina una construcción (con éxito o no)."""
        self._libres: list[_Trabajador] = []
        self._instantanea: _Instantanea | None = None
        self._cerrado = False
        self._forzar = False
        self._pendiente = False
        """Hubo un cambio después de que empezara la construcción en curso: hará falta otra."""
        self._hilo_construccion: threading.Thread | None = None
        self._vista_en_construccion: VistaGrafos | None = None
        self._versiones = 0
        self._reintentar_desde = 0.0
        self.error_construccion: BaseException | None = None
        """Último fallo de una reconstrucción en segundo plano (se sigue sirviendo la anterior)."""
        self.reinicios = 0
        """Trabajadores matados por tiempo agotado (para pruebas y métricas)."""
        self.antes_de_construir: Callable[[VistaGrafos], None] | None = None
        """Gancho (pruebas y diagnóstico) que se llama en el hilo de construcción antes de leer el almacén."""

    # --- ciclo de vida ---------------------------------------------------------------------------------
    def preparar(self) -> None:
        """Crea la primera instantánea y sus trabajadores, esperando (aún no hay otra que servir)."""
        self._primera_instantanea()

    def invalidar(self) -> None:
        """Reconstruye la instantánea aunque la lista de grafos públicos no cambie (en segundo plano).

        Lo usan las cargas administrativas que reescriben un grafo público existente. Mientras tanto se
        sirve la anterior; ``esperar_instantanea()`` espera a la nueva si hace falta verla ya.
        """
        with self._cerrojo:
            self._forzar = True
            if self._instantanea is not None:
                self._programar_construccion(None)

    def esperar_instantanea(self, tiempo: float | None = None) -> bool:
        """Espera a que no quede ninguna reconstrucción en curso ni pendiente; ``False`` si vence ``tiempo``.

        Tras volver ``True``, una consulta ve los datos escritos antes de la llamada si la vista pública
        ya los reflejaba (o se llamó a ``invalidar()``).
        """
        vista = self.almacen.grafos_de(Vista.PUBLICA)
        assert vista is not None
        limite = None if tiempo is None else time.monotonic() + tiempo
        with self._cerrojo:
            if self._instantanea is not None and self._desactualizada(vista):
                self._programar_construccion(vista)
            while self._hilo_construccion is not None and not self._cerrado:
                restante = None if limite is None else limite - time.monotonic()
                if restante is not None and restante <= 0:
                    return False
                self._cambio.wait(restante)
            return True

    def frescura(self) -> Frescura | None:
        with self._cerrojo:
            return self._frescura_de(self._instantanea)

    def cerrar(self) -> None:
        with self._cerrojo:
            self._cerrado = True
            libres, self._libres = self._libres, []
            inst = self._instantanea
            if inst is not None:
                inst.obsoleta = True
            hilo = self._hilo_construccion
            self._cambio.notify_all()
        for t in libres:
            t.matar()
        if inst is not None:
            inst.liberar_si_procede()
        if hilo is not None:
            hilo.join(timeout=_ESPERA_ARRANQUE)

    # --- consultas -------------------------------------------------------------------------------------
    def _ejecutar_mensaje(self, mensaje: dict) -> RespuestaSparql:
        if not self._cupos.acquire(timeout=self.tiempo_maximo):
            raise TiempoAgotado(
                "El punto SPARQL está ocupado: todas las consultas en curso siguen trabajando",
                detalle="Reintente en unos segundos.",
            )
        try:
            vista = self.almacen.grafos_de(Vista.PUBLICA)
            assert vista is not None
            trabajador = self._tomar(vista)
            inicio = time.monotonic()
            try:
                trabajador.conexion.send(mensaje)
                listo = trabajador.conexion.poll(self.tiempo_maximo)
                datos = trabajador.conexion.recv() if listo else None
            except (EOFError, OSError) as exc:
                trabajador.matar()
                raise ErrorAlmacen(
                    "El proceso que evaluaba la consulta terminó de forma inesperada",
                    detalle="Puede deberse a una consulta que agota la memoria. Acótela y reintente.",
                ) from exc
            segundos = time.monotonic() - inicio
            if datos is None:
                trabajador.matar()
                self.reinicios += 1
                raise TiempoAgotado(
                    f"La consulta superó el tiempo máximo de {self.tiempo_maximo:g} s y se detuvo",
                    detalle="Acote la consulta (LIMIT, filtros más selectivos) o descargue una exportación "
                    "en /api/exportaciones.",
                )
            with self._cerrojo:
                frescura = self._frescura_de(trabajador.instantanea)
            self._devolver(trabajador)
            return replace(_respuesta(datos, self.filas_maximas, segundos), frescura=frescura)
        finally:
            self._cupos.release()

    def _tomar(self, vista: VistaGrafos) -> _Trabajador:
        self._primera_instantanea()
        with self._cerrojo:
            if self._cerrado:
                raise ErrorAlmacen("El servidor se está deteniendo")
            if self._desactualizada(vista):
                self._programar_construccion(vista)
            inst = self._instantanea
            assert inst is not None
            while self._libres:
                t = self._libres.pop()
                if t.instantanea is inst and t.vivo and t.proceso.poll() is None:
                    return t
                t.matar()
            inst.usos += 1
        return self._arrancar(inst)

    def _devolver(self, trabajador: _Trabajador) -> None:
        with self._cerrojo:
            vigente = trabajador.instantanea is self._instantanea and not self._cerrado
            if vigente:
                self._libres.append(trabajador)
                return
        trabajador.matar()

    # --- instantáneas y procesos -----------------------------------------------------------------------
    def _frescura_de(self, inst: _Instantanea | None) -> Frescura | None:
        """(Con el cerrojo tomado.)"""
        if inst is None:
            return None
        return Frescura(
            inst.version,
            max(0.0, time.monotonic() - inst.leida),
            actualizando=self._hilo_construccion is not None or inst is not self._instantanea,
        )

    def _desactualizada(self, vista: VistaGrafos) -> bool:
        """(Con el cerrojo tomado.) Si la instantánea vigente no corresponde a ``vista``.

        Igualdad de valor: escribir en un grafo privado (tokens, resultados, solicitudes) invalida la vista
        en caché pero no cambia sus grafos públicos, y no merece reconstruir. Los datos públicos solo
        cambian con versiones nuevas (otros grafos) o con ``invalidar()`` (cargas administrativas).
        """
        actual = self._instantanea
        if actual is None or self._forzar:
            return True
        return not (actual.vista is vista or actual.vista == vista)

    def _programar_construccion(self, vista: VistaGrafos | None) -> None:
        """(Con el cerrojo tomado.) Arranca el hilo de construcción o, si ya corre, agrupa el cambio."""
        if self._cerrado:
            return
        if self._hilo_construccion is not None:
            # Si lo que se construye ya es esta vista (y nadie forzó), no hace falta otra vuelta.
            if self._forzar or vista is None or vista != self._vista_en_construccion:
                self._pendiente = True
            return
        if self._instantanea is not None and time.monotonic() < self._reintentar_desde:
            return  # la última falló hace poco: no repetir un volcado completo en cada consulta
        hilo = threading.Thread(
            target=self._construir_en_segundo_plano, name="sparql-instantanea", daemon=True
        )
        self._hilo_construccion = hilo
        hilo.start()

    def _primera_instantanea(self) -> None:
        """Construye la primera instantánea esperando (arranque). Las siguientes son en segundo plano."""
        with self._cerrojo:
            if self._instantanea is not None:
                return
            if self._cerrado:
                raise ErrorAlmacen("El servidor se está deteniendo")
            self._programar_construccion(None)
            while self._instantanea is None and not self._cerrado:
                if self._hilo_construccion is None:
                    error = self.error_construccion
                    raise ErrorAlmacen(
                        "No se pudo preparar la instantánea pública del punto SPARQL",
                        detalle=str(error) if error else None,
                    ) from error
                self._cambio.wait()

    def _construir_en_segundo_plano(self) -> None:
        """Bucle del hilo de construcción: construye, sustituye y repite si hubo cambios entretanto."""
        while True:
            with self._cerrojo:
                if self._cerrado:
                    self._hilo_construccion = None
                    self._cambio.notify_all()
                    return
                self._forzar = False
                self._pendiente = False
                self._versiones += 1
                version = self._versiones
            nueva: _Instantanea | None = None
            try:
                # La vista se lee aquí (no la de quien pidió la reconstrucción): la más reciente.
                vista = self.almacen.grafos_de(Vista.PUBLICA)
                assert vista is not None
                with self._cerrojo:
                    self._vista_en_construccion = vista
                if self.antes_de_construir is not None:
                    self.antes_de_construir(vista)
                nueva = self._crear_instantanea(vista, version)
                # Los trabajadores de la nueva se arrancan aquí (abrir el almacén, o cargar los volcados
                # en memoria, cuesta de décimas a segundos): la primera consulta tras el cambio no lo paga.
                nuevos = self._arrancar_varios(nueva)
            except Exception as exc:  # se registra y se sigue sirviendo la anterior
                _log.exception("No se pudo reconstruir la instantánea SPARQL; se sigue con la anterior")
                with self._cerrojo:
                    self.error_construccion = exc
                    self._reintentar_desde = time.monotonic() + _ESPERA_REINTENTO
                    self._hilo_construccion = None
                    self._vista_en_construccion = None
                    self._cambio.notify_all()
                return
            with self._cerrojo:
                self._vista_en_construccion = None
                cerrado = self._cerrado
                if cerrado:
                    # Se cerró mientras se construía: la nueva no llega a servirse.
                    nueva.obsoleta = True
                    libres, anterior, otra_vuelta = nuevos, None, False
                else:
                    anterior, self._instantanea = self._instantanea, nueva
                    self.error_construccion = None
                    libres, self._libres = self._libres, nuevos
                    if anterior is not None:
                        anterior.obsoleta = True
                    otra_vuelta = self._pendiente or self._forzar
                if not otra_vuelta:
                    self._hilo_construccion = None
                self._cambio.notify_all()
            # Fuera del cerrojo: matar procesos espera a que terminen (y borra la carpeta sin usos).
            for t in libres:
                t.matar()
            if anterior is not None:
                anterior.liberar_si_procede()
            if cerrado:
                nueva.liberar_si_procede()
            if not otra_vuelta:
                return

    def _crear_instantanea(self, vista: VistaGrafos, version: int = 0) -> _Instantanea:
        """Vuelca los grafos públicos y, si el almacén está en disco, construye con ellos un almacén propio.

        ``defecto.nt``: tripletas de los grafos vigentes públicos (irán al grafo por defecto);
        ``grafos.nq``: todos los grafos públicos (vigentes, versiones anteriores, ``grafo:registro``) como
        grafos con nombre. Oxigraph vuelca el almacén una vez (N-Quads, coherente: lee de una foto de
        RocksDB) y aquí se filtra por grafo. Alternativas medidas con 406.000 tripletas y 612 grafos
        (2 CPU), ambas más lentas que esta (~20 s: volcado 5,8 s, filtro 1,3 s, carga 2,7 + 10,5 s):
        volcar grafo a grafo solo los públicos (14 s solo el volcado; además, sin una foto común podría
        mezclar dos estados del almacén) y la incremental —copiar la instantánea anterior con
        ``Store.backup`` y rehacer solo los grafos que cambian— (28 s): cada publicación cambia
        ``grafo:vigente/publico``, la mitad del almacén, y borrarla y recargarla cuesta más que cargar
        todo de nuevo. Por eso la reconstrucción se hace en segundo plano en lugar de abaratarse.
        """
        leida = time.monotonic()
        inicio = leida
        en_disco = self._ruta_almacen is not None
        carpeta = (
            _carpeta_temporal(self._ruta_almacen)
            if en_disco
            else Path(tempfile.mkdtemp(prefix="registro-sparql-"))
        )
        try:
            vigentes = {f"<{g}>".encode() for g in vista.por_defecto}
            publicos = {f"<{g}>".encode() for g in (vista.con_nombre or ())} | vigentes
            completo = carpeta / "completo.nq"
            self._store.dump(str(completo), format=ox.RdfFormat.N_QUADS)
            with (
                completo.open("rb") as entrada,
                (carpeta / "defecto.nt").open("wb") as defecto,
                (carpeta / "grafos.nq").open("wb") as grafos,
            ):
                for linea in entrada:
                    # «<s> <p> o <g> .»: el grafo es el último IRI de la línea (los literales llevan los
                    # saltos de línea escapados, así que cada línea es una cuádrupla).
                    corte = linea.rfind(b" <", 0, len(linea) - 3)
                    grafo = linea[corte + 1 : linea.rfind(b">") + 1]
                    if grafo in publicos:
                        grafos.write(linea)
                        if grafo in vigentes:
                            defecto.write(linea[:corte] + b" .\n")
            completo.unlink()
            if en_disco:
                destino = carpeta / "datos"
                store = ox.Store(str(destino))
                trabajador_sparql.cargar_instantanea(store, carpeta)
                store.flush()
                del store
                inst = _Instantanea(vista, "disco", destino, carpeta, version, leida)
            else:
                inst = _Instantanea(vista, "memoria", carpeta, carpeta, version, leida)
        except BaseException:
            shutil.rmtree(carpeta, ignore_errors=True)
            raise
        _log.info(
            "Instantánea SPARQL %d (%s) creada en %.3f s", version, inst.ruta, time.monotonic() - inicio
        )
        return inst

    def _arrancar_varios(self, inst: _Instantanea) -> list[_Trabajador]:
        """Arranca ``self._tamano`` trabajadores sobre ``inst`` (si uno falla, se matan los demás)."""
        nuevos: list[_Trabajador] = []
        try:
            for _ in range(self._tamano):
                with self._cerrojo:
                    inst.usos += 1
                nuevos.append(self._arrancar(inst))
        except BaseException:
            for t in nuevos:
                t.matar()
            inst.obsoleta = True
            inst.liberar_si_procede()
            raise
        return nuevos

    def _arrancar(self, inst: _Instantanea) -> _Trabajador:
        padre, hijo = socket.socketpair()
        entorno = dict(os.environ)
        raiz = str(Path(trabajador_sparql.__file__).resolve().parent.parent)
        entorno["PYTHONPATH"] = raiz + (
            os.pathsep + entorno["PYTHONPATH"] if entorno.get("PYTHONPATH") else ""
        )
        try:
            proceso = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "registro.trabajador_sparql",
                    "--fd",
                    str(hijo.fileno()),
                    "--tipo",
                    inst.tipo,
                    "--ruta",
                    str(inst.ruta),
                ],
                pass_fds=(hijo.fileno(),),
                env=entorno,
                stdin=subprocess.DEVNULL,
                close_fds=True,
            )
        finally:
            hijo.close()
        conexion = Connection(padre.detach())
        trabajador = _Trabajador(proceso, conexion, inst)
        try:
            if not conexion.poll(_ESPERA_ARRANQUE):
                raise ErrorAlmacen("El trabajador SPARQL no arrancó a tiempo")
            saludo = conexion.recv()
        except (EOFError, OSError) as exc:
            trabajador.matar()
            raise ErrorAlmacen("El trabajador SPARQL no pudo arrancar", detalle=str(exc)) from exc
        except ErrorAlmacen:
            trabajador.matar()
            raise
        if saludo.get("estado") != "listo":
            trabajador.matar()
            raise ErrorAlmacen(
                "El trabajador SPARQL no pudo abrir la instantánea", detalle=saludo.get("mensaje")
            )
        conexion.send({"orden": "prefijos", "prefijos": PREFIJOS})
        return trabajador


# --- almacén remoto ------------------------------------------------------------------------------------
_PREFIJOS_VIRTUOSO = ("bif:", "sql:")
"""Esquemas de IRI que Virtuoso convierte en llamadas a funciones internas (``bif:file_to_string``…)."""
_ACEPTA_RESULTADOS_REMOTO = "application/sparql-results+xml"
"""SELECT/ASK se piden en XML: formato estándar que todos los servidores dan y pyoxigraph lee en flujo."""
_ACEPTA_GRAFO_REMOTO = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"
_NODO_VIRTUOSO = (b"<bnode>nodeID://", b"<bnode>")
"""Virtuoso nombra los nodos en blanco ``nodeID://b123``: no es una etiqueta válida para pyoxigraph."""
_TROZO = 1 << 16


class EjecutorRemoto(EjecutorSparql):
    """Consultas públicas contra un servidor SPARQL remoto (``AlmacenRemoto``), con la vista pública.

    Por qué no basta con ``Almacen.consultar_serializado``: el punto público necesita (1) un tiempo
    máximo propio, mucho menor que el de las escrituras del almacén; (2) el tope de filas sin traer
    al servidor del registro un resultado de millones de filas; (3) no depender de heurísticas para el
    conjunto de datos; y (4) no dejar pasar extensiones del servidor. Así:

    * **Conjunto de datos**: siempre ``default-graph-uri`` explícito con los grafos públicos (los
      pedidos, filtrados por ``conjunto_de_datos``) y, si la consulta tiene ``GRAPH``, también
      ``named-graph-uri`` (con solo ``default-graph-uri``, Virtuoso resuelve ``GRAPH ?g`` contra
      **todos** sus grafos, también los privados). Las cláusulas ``FROM`` se quitan del texto (Virtuoso
      las uniría a las del protocolo). Medido con Virtuoso 7.2: con ``named-graph-uri`` tampoco se
      alcanza un grafo privado escrito como constante (``GRAPH <…>``, ``VALUES``, ``BIND``, ``FILTER``).
    * **SPARQL estándar**: la consulta se analiza con pyoxigraph (sin evaluarla) antes de enviarla, así
      se rechazan los ``DEFINE`` de Virtuoso (``input:default-graph-uri``, ``get:soft`` que descarga
      IRIs…) y cualquier sintaxis propia; además se rechazan los IRIs ``bif:``/``sql:``, con los que
      Virtuoso llama a funciones internas.
    * **Tiempo máximo**: tiempo de espera HTTP y plazo total al leer la respuesta (503). A Virtuoso se
      le pasa también ``timeout`` (ms) para que deje de trabajar; si aun así responde con un resultado
      parcial («anytime», cabecera ``X-SQL-State: S1TAT``), también es 503. El servidor Oxigraph no
      cancela por petición: arránquelo con ``--timeout-s`` (docs/despliegue.md).
    * **Tope de filas**: la respuesta se lee en flujo y se deja de leer tras ``filas_maximas + 1``
      soluciones o tripletas; luego se serializa en el formato pedido con pyoxigraph (igual que los
      trabajadores).
    * **Conexiones propias**: un cliente HTTP aparte del que usan las escrituras, con su propio límite de
      conexiones: una ráfaga de consultas públicas no deja sin conexiones a los envíos.
    """

    def __init__(
        self,
        almacen: Almacen,
        *,
        tiempo_maximo: float,
        filas_maximas: int,
        conexiones: int = 8,
    ) -> None:
        super().__init__(almacen, tiempo_maximo=tiempo_maximo, filas_maximas=filas_maximas)
        from registro.almacen.remoto import AlmacenRemoto

        if not isinstance(almacen, AlmacenRemoto):
            raise ErrorAlmacen("El ejecutor remoto necesita un almacén SPARQL remoto (http(s)://…)")
        self._remoto = almacen
        # Mismas credenciales que el almacén (servidores que exigen usuario también para leer).
        self._cliente = httpx.Client(
            auth=almacen.autenticacion,
            timeout=httpx.Timeout(tiempo_maximo, connect=min(10.0, tiempo_maximo)),
            limits=httpx.Limits(max_connections=conexiones, max_keepalive_connections=conexiones),
            follow_redirects=False,
            headers={"User-Agent": "registro-cualificaciones (punto SPARQL publico)"},
        )
        self._cupos = threading.BoundedSemaphore(max(1, conexiones))
        self._analizador = ox.Store()
        """Almacén vacío: solo para analizar consultas (``query`` sin iterar no evalúa nada)."""

    def cerrar(self) -> None:
        self._cliente.close()

    def consultar(self, peticion: PeticionSparql) -> RespuestaSparql:
        self._comprobar_estandar(peticion.consulta, peticion.analisis.forma)
        return super().consultar(peticion)

    def _ejecutar_mensaje(self, mensaje: dict) -> RespuestaSparql:
        from registro.almacen._sparql import grafos_con_nombre_usados, quitar_conjunto_datos
        from registro.almacen.remoto import comprobar_lista_de_grafos, error_lista_de_grafos

        vista = self.almacen.grafos_de(Vista.PUBLICA)
        assert vista is not None
        defecto = mensaje.get("defecto")
        con_nombre = mensaje.get("con_nombre")
        if defecto is None:
            defecto = [str(g) for g in vista.por_defecto]
        if con_nombre is None:
            con_nombre = sorted({str(g) for g in (vista.con_nombre or ())})
        texto = mensaje["consulta"]
        if mensaje.get("sustituciones"):
            texto = inyectar_valores(
                texto, {k: _termino_rdflib(v) for k, v in mensaje["sustituciones"].items()}
            )
        texto = quitar_conjunto_datos(texto)
        forma = _forma_de(texto)
        datos: dict[str, object] = {
            "query": texto,
            # Una lista vacía no vale: sin parámetro, el servidor usaría su conjunto de datos entero.
            "default-graph-uri": list(defecto) or [GRAFO_REMOTO_VACIO],
        }
        usados = grafos_con_nombre_usados(texto)
        if usados:
            # Sin ``GRAPH`` (el analizador estricto no deja esconderlo) los grafos con nombre no se
            # alcanzan; enviar su lista (miles de versiones) hacía que Virtuoso estimase horas para
            # consultas de milisegundos y las rechazase («estimated execution time … exceeds the limit»).
            # Con solo ``GRAPH <iri>`` constantes, basta la parte de la lista que la consulta nombra.
            if isinstance(usados, frozenset):
                con_nombre = [g for g in con_nombre if g in usados]
            datos["named-graph-uri"] = list(con_nombre) or [GRAFO_REMOTO_VACIO]
        comprobar_lista_de_grafos(self._remoto.perfil, datos)
        virtuoso = self._remoto.perfil.nombre == "virtuoso"
        if virtuoso:
            datos["timeout"] = str(max(1, int(self.tiempo_maximo * 1000)))
        grafo = forma in ("CONSTRUCT", "DESCRIBE")
        acepta = _ACEPTA_GRAFO_REMOTO if grafo else _ACEPTA_RESULTADOS_REMOTO
        maximo = int(mensaje["filas_maximas"])
        if not self._cupos.acquire(timeout=self.tiempo_maximo):
            raise _agotado(self.tiempo_maximo, ocupado=True)
        inicio = time.monotonic()
        limite = inicio + self.tiempo_maximo
        try:
            with self._cliente.stream(
                "POST", self._remoto.puntos.consulta, data=datos, headers={"Accept": acepta}
            ) as r:
                if r.status_code >= 400:
                    r.read()
                    raise error_lista_de_grafos(datos, r.text) or self._error(r)
                if r.headers.get("x-sql-state", "").upper() == "S1TAT":
                    raise _agotado(self.tiempo_maximo)  # Virtuoso: resultado parcial por tiempo
                recortado_servidor = bool(r.headers.get("x-sparql-maxrows"))
                tipo = r.headers.get("content-type", "").split(";")[0].strip().lower()
                lector = io.BufferedReader(_LectorConPlazo(r.iter_raw(_TROZO), limite, virtuoso), _TROZO)
                if grafo:
                    respuesta = self._grafo(lector, tipo, mensaje, maximo)
                else:
                    respuesta = self._resultados(lector, mensaje, maximo)
        except httpx.TimeoutException as exc:
            raise _agotado(self.tiempo_maximo) from exc
        except httpx.TransportError as exc:
            raise error_lista_de_grafos(datos, str(exc)) or ErrorAlmacen(
                "No se puede conectar con el servidor SPARQL", detalle=f"{type(exc).__name__}: {exc}"
            ) from exc
        except (SyntaxError, OSError) as exc:
            # pyoxigraph lee la respuesta a través de ``_LectorConPlazo``: un plazo vencido a media lectura
            # puede llegar envuelto como error de E/S o de sintaxis (documento cortado).
            if time.monotonic() >= limite:
                raise _agotado(self.tiempo_maximo) from exc
            raise ErrorAlmacen(
                "La respuesta del servidor SPARQL está incompleta o dañada",
                detalle=f"{exc}. ¿Cortó el servidor la respuesta por tiempo (--timeout-s de Oxigraph)?",
            ) from exc
        finally:
            self._cupos.release()
        if recortado_servidor:
            if maximo >= 10_000_000:  # consulta interna: un resultado parcial daría datos falsos
                raise ErrorAlmacen(
                    "El servidor SPARQL truncó el resultado",
                    detalle="Aumente ResultSetMaxRows en la sección [SPARQL] de virtuoso.ini.",
                )
            respuesta = replace(respuesta, truncado=True)
        return replace(respuesta, segundos=time.monotonic() - inicio, filas_maximas=self.filas_maximas)

    def _resultados(self, lector: BinaryIO, mensaje: dict, maximo: int) -> RespuestaSparql:
        fmt = trabajador_sparql.FORMATOS_RESULTADOS[mensaje["formato_resultados"]]
        res = ox.parse_query_results(lector, format=ox.QueryResultsFormat.XML)
        if isinstance(res, ox.QueryBoolean):
            return RespuestaSparql(res.serialize(format=fmt), fmt.media_type, "booleano", 1, False, maximo)
        variables = res.variables
        filas = list(islice(res, maximo + 1))
        truncado = len(filas) > maximo
        del filas[maximo:]
        cuerpo = trabajador_sparql.serializar_filas(variables, filas, fmt)
        return RespuestaSparql(cuerpo, fmt.media_type, "filas", len(filas), truncado, maximo)

    def _grafo(self, lector: BinaryIO, tipo: str, mensaje: dict, maximo: int) -> RespuestaSparql:
        if tipo in ("text/plain", "application/n-triples", ""):
            entrada = ox.RdfFormat.N_TRIPLES
        else:
            formato = ox.RdfFormat.from_media_type(tipo)
            if formato is None:
                raise ErrorAlmacen(f"El servidor SPARQL respondió en un formato inesperado: {tipo}")
            entrada = formato
        tripletas = [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in islice(ox.parse(lector, format=entrada), maximo + 1)
        ]
        truncado = len(tripletas) > maximo
        del tripletas[maximo:]
        fmt = trabajador_sparql.FORMATOS_GRAFO[mensaje["formato_grafo"]]
        cuerpo = ox.serialize(tripletas, format=fmt, prefixes=PREFIJOS or None)
        respuesta = RespuestaSparql(cuerpo, fmt.media_type, "grafo", len(tripletas), truncado, maximo)
        if mensaje.get("sujeto"):
            sujeto = ox.NamedNode(mensaje["sujeto"])
            respuesta = replace(respuesta, contiene_sujeto=any(t.subject == sujeto for t in tripletas))
        return respuesta

    def _comprobar_estandar(self, consulta: str, forma: str | None) -> None:
        """SPARQL 1.1 estándar y sin funciones internas del servidor (ver la clase); nada se evalúa."""
        texto = consulta
        if forma == "ASK":
            # ``query`` evalúa ASK en el acto; como SELECT (mismo patrón) solo se analiza.
            texto = _ask_como_select(consulta)
        try:
            self._analizador.query(texto)
        except SyntaxError as exc:
            raise error_sintaxis(str(exc)) from exc
        except (ValueError, RuntimeError, OSError) as exc:
            raise ErrorConsulta("La consulta no se pudo analizar", detalle=str(exc)) from exc
        for t in tokens(consulta):
            if t.tipo == "iri" and _decodificar_iri(t.valor).lower().startswith(_PREFIJOS_VIRTUOSO):
                raise ConsultaProhibida(
                    "Las funciones internas del servidor (bif:, sql:) no están permitidas",
                    detalle="El punto SPARQL público solo admite SPARQL 1.1 estándar.",
                )

    def _error(self, r: httpx.Response) -> ErrorRegistro:
        detalle = " ".join(r.text.split("\nSPARQL query:", 1)[0].split())[:600]
        if r.status_code in (503, 504):
            return _agotado(self.tiempo_maximo)
        if r.status_code == 400:
            return ErrorConsulta("La consulta SPARQL tiene un error", detalle=detalle)
        return ErrorAlmacen(f"El servidor SPARQL devolvió un error (HTTP {r.status_code})", detalle=detalle)


GRAFO_REMOTO_VACIO = "urn:x-registro:grafo-vacio"
"""Grafo que no existe: conjunto de datos vacío explícito (sin él, el servidor usaría todos sus grafos)."""


class _LectorConPlazo(io.RawIOBase):
    """Lee trozos de la respuesta hasta el plazo total (el tiempo de espera de httpx es por lectura).

    Con ``virtuoso`` quita el prefijo ``nodeID://`` de los nodos en blanco del XML de resultados
    (``<bnode>`` no puede aparecer sin escapar dentro de un literal, así que no toca datos).
    """

    def __init__(self, trozos: Iterator[bytes], limite: float, virtuoso: bool) -> None:
        self._trozos, self._limite, self._virtuoso = trozos, limite, virtuoso
        self._resto = b""
        self._fin = False

    def readable(self) -> bool:
        return True

    def _siguiente(self) -> bytes:
        if time.monotonic() > self._limite:
            raise httpx.ReadTimeout("plazo total agotado")
        try:
            return next(self._trozos)
        except StopIteration:
            self._fin = True
            return b""

    def readinto(self, b) -> int:  # type: ignore[override]
        buscado, cambio = _NODO_VIRTUOSO
        while True:
            if not self._resto and not self._fin:
                self._resto = self._siguiente()
            if not self._virtuoso or self._fin:
                listo = len(self._resto)
            else:
                # Se retiene la cola por si el patrón queda partido entre dos trozos.
                while not self._fin and len(self._resto) < 2 * len(buscado):
                    self._resto += self._siguiente()
                self._resto = self._resto.replace(buscado, cambio)
                listo = len(self._resto) if self._fin else len(self._resto) - (len(buscado) - 1)
            if self._virtuoso and self._fin:
                self._resto = self._resto.replace(buscado, cambio)
                listo = len(self._resto)
            if listo > 0 or self._fin:
                break
        n = min(len(b), listo)
        b[:n], self._resto = self._resto[:n], self._resto[n:]
        return n


def _agotado(tiempo: float, *, ocupado: bool = False) -> TiempoAgotado:
    if ocupado:
        return TiempoAgotado(
            "El punto SPARQL está ocupado: todas las consultas en curso siguen trabajando",
            detalle="Reintente en unos segundos.",
        )
    return TiempoAgotado(
        f"La consulta superó el tiempo máximo de {tiempo:g} s",
        detalle="Acote la consulta (LIMIT, filtros más selectivos) o descargue una exportación en "
        "/api/exportaciones.",
    )


def _termino_rdflib(t: tuple) -> Node:
    """``("iri", v)`` o ``("literal", v, tipo, idioma)`` (formato de ``sustituciones``) → término rdflib."""
    if t[0] == "iri":
        return URIRef(t[1])
    _, valor, tipo, idioma = t
    return Literal(valor, lang=idioma or None, datatype=URIRef(tipo) if tipo and not idioma else None)


def _forma_de(texto: str) -> str | None:
    for t in tokens(texto):
        if t.tipo == "palabra" and t.valor.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return t.valor.upper()
    return None


def _ask_como_select(consulta: str) -> str:
    """``ASK …`` → ``SELECT (1 AS ?…) …``: misma gramática tras la palabra clave, pero perezosa."""
    for t in tokens(consulta):
        if t.tipo == "palabra" and t.valor.upper() == "ASK":
            fin = t.posicion + len(t.valor)
            return consulta[: t.posicion] + "SELECT (1 AS ?registro_ask_)" + consulta[fin:]
    return consulta


def _decodificar_iri(valor: str) -> str:
    return re.sub(
        r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", lambda m: chr(int(m.group(1) or m.group(2), 16)), valor
    )


def _carpeta_temporal(ruta_almacen: Path) -> Path:
    """Carpeta junto al almacén (mismo sistema de archivos: la copia usa enlaces duros, no copia datos)."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{ruta_almacen.name}.sparql-", dir=ruta_almacen.parent))
    except OSError:
        return Path(tempfile.mkdtemp(prefix="registro-sparql-"))


def crear_ejecutor(
    almacen: Almacen, *, tiempo_maximo: float, filas_maximas: int, trabajadores: int
) -> EjecutorSparql:
    """Almacén remoto → ``EjecutorRemoto`` (el servidor evalúa); Oxigraph embebido con ``trabajadores > 0``
    → procesos trabajadores; si no, en proceso."""
    from registro.almacen.remoto import AlmacenRemoto

    if isinstance(almacen, AlmacenRemoto):
        return EjecutorRemoto(
            almacen,
            tiempo_maximo=tiempo_maximo,
            filas_maximas=filas_maximas,
            conexiones=max(4, 2 * trabajadores),
        )
    if trabajadores > 0 and isinstance(getattr(almacen, "store", None), ox.Store):
        return PoolTrabajadores(
            almacen, tiempo_maximo=tiempo_maximo, filas_maximas=filas_maximas, trabajadores=trabajadores
        )
    return EjecutorEnProceso(almacen, tiempo_maximo=tiempo_maximo, filas_maximas=filas_maximas)
