"""Ejecución de consultas del punto SPARQL público: solo lectura, vista pública, tiempo y tamaño acotados.

Por qué: una consulta arbitraria de cualquiera en Internet puede tardar minutos (producto cartesiano,
``ORDER BY`` de millones de filas) y pyoxigraph no sabe cancelarla. ``PoolTrabajadores`` mantiene unos
pocos procesos hijos (``registro.trabajador_sparql``) con una instantánea de solo lectura; si una
consulta supera ``tiempo_maximo_consulta``, su proceso se **mata** (el trabajo se detiene de verdad) y
se arranca otro. El servidor nunca evalúa consultas públicas en su propio proceso.

Frescura: la instantánea se rehace cuando cambian los grafos de la vista pública (cada versión aceptada es
un grafo nuevo) o tras ``invalidar()``. Rehacerla cuesta un volcado del almacén y una carga masiva:
milisegundos con el piloto, decenas de segundos a escala nacional.

``EjecutorEnProceso`` es la alternativa sin procesos (``trabajadores_sparql = 0`` o backends sin
instantáneas): el tiempo máximo solo deja de *esperar* (respuesta 503), pero la consulta sigue
ocupando un hilo hasta terminar. Se documenta como limitación en ``docs/api.md``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from registro import trabajador_sparql
from registro.almacen.base import Almacen, Vista, VistaGrafos
from registro.errores import ErrorAlmacen, ErrorConsulta, TiempoAgotado
from registro.sparql_seguro import AnalisisConsulta, posicion_error
from registro.vocabulario import PREFIJOS

_log = logging.getLogger(__name__)

FORMATOS_RESULTADOS = tuple(trabajador_sparql.FORMATOS_RESULTADOS)
FORMATOS_GRAFO = tuple(trabajador_sparql.FORMATOS_GRAFO)
_ESPERA_ARRANQUE = 120.0
"""Segundos máximos para que un trabajador abra su instantánea (un volcado grande tarda)."""


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
        mensaje = datos["mensaje"]
        pos = posicion_error(mensaje)
        donde = f"línea {pos[0]}, columna {pos[1]}" if pos else None
        primera = mensaje.splitlines()[0] if mensaje else ""
        error = ErrorConsulta(
            "La consulta SPARQL tiene un error de sintaxis" + (f" en la {donde}" if donde else ""),
            detalle=f"Mensaje del analizador: {primera[:400]}",
            donde=donde,
        )
        error.posicion = pos  # type: ignore[attr-defined] - la API lo publica como «linea»/«columna»
        raise error
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
    """Copia inmutable de los datos que leen los trabajadores."""

    vista: VistaGrafos
    tipo: str
    ruta: Path
    carpeta: Path
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
    """Procesos trabajadores con instantáneas de solo lectura; los que se pasan de tiempo se matan."""

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
        self._libres: list[_Trabajador] = []
        self._todos: set[int] = set()
        self._instantanea: _Instantanea | None = None
        self._cerrado = False
        self._forzar = False
        self.reinicios = 0
        """Trabajadores matados por tiempo agotado (para pruebas y métricas)."""

    # --- ciclo de vida ---------------------------------------------------------------------------------
    def preparar(self) -> None:
        """Crea la instantánea y arranca los trabajadores (se llama al iniciar el servidor)."""
        vista = self.almacen.grafos_de(Vista.PUBLICA)
        assert vista is not None
        nuevos = []
        for _ in range(self._tamano):
            with self._cerrojo:
                inst = self._instantanea_para(vista)
                inst.usos += 1
            nuevos.append(self._arrancar(inst))
        with self._cerrojo:
            self._libres.extend(nuevos)

    def invalidar(self) -> None:
        """La próxima consulta reconstruye la instantánea aunque la lista de grafos públicos no cambie."""
        with self._cerrojo:
            self._forzar = True

    def cerrar(self) -> None:
        with self._cerrojo:
            self._cerrado = True
            libres, self._libres = self._libres, []
            inst = self._instantanea
            if inst is not None:
                inst.obsoleta = True
        for t in libres:
            t.matar()
        if inst is not None:
            inst.liberar_si_procede()

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
            self._devolver(trabajador)
            return _respuesta(datos, self.filas_maximas, segundos)
        finally:
            self._cupos.release()

    def _tomar(self, vista: VistaGrafos) -> _Trabajador:
        with self._cerrojo:
            if self._cerrado:
                raise ErrorAlmacen("El servidor se está deteniendo")
            inst = self._instantanea_para(vista)
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
    def _instantanea_para(self, vista: VistaGrafos) -> _Instantanea:
        """Instantánea de ``vista`` (se llama con el cerrojo tomado)."""
        actual = self._instantanea
        # Igualdad de valor: escribir en un grafo privado (tokens, resultados, solicitudes) invalida la vista
        # en caché pero no cambia sus grafos públicos, y no merece reconstruir. Los datos públicos solo
        # cambian con versiones nuevas (otros grafos) o con ``invalidar()`` (cargas administrativas).
        if actual is not None and not self._forzar and (actual.vista is vista or actual.vista == vista):
            return actual
        self._forzar = False
        nueva = self._crear_instantanea(vista)
        if actual is not None:
            actual.obsoleta = True
            actual.liberar_si_procede()
        self._instantanea = nueva
        return nueva

    def _crear_instantanea(self, vista: VistaGrafos) -> _Instantanea:
        """Vuelca los grafos públicos y, si el almacén está en disco, construye con ellos un almacén propio.

        ``defecto.nt``: tripletas de los grafos vigentes públicos (irán al grafo por defecto);
        ``grafos.nq``: todos los grafos públicos (vigentes, versiones anteriores, ``grafo:registro``) como
        grafos con nombre. Oxigraph vuelca el almacén una vez (N-Quads) y aquí se filtra por grafo.
        """
        inicio = time.monotonic()
        en_disco = self._ruta_almacen is not None
        carpeta = (
            _carpeta_temporal(self._ruta_almacen)
            if en_disco
            else Path(tempfile.mkdtemp(prefix="registro-sparql-"))
        )
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
                # «<s> <p> o <g> .»: el grafo es el último IRI de la línea (los literales llevan los saltos
                # de línea escapados, así que cada línea es una cuádrupla).
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
            inst = _Instantanea(vista, "disco", destino, carpeta)
        else:
            inst = _Instantanea(vista, "memoria", carpeta, carpeta)
        _log.info("Instantánea SPARQL %s creada en %.3f s", inst.ruta, time.monotonic() - inicio)
        return inst

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


def _carpeta_temporal(ruta_almacen: Path) -> Path:
    """Carpeta junto al almacén (mismo sistema de archivos: la copia usa enlaces duros, no copia datos)."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{ruta_almacen.name}.sparql-", dir=ruta_almacen.parent))
    except OSError:
        return Path(tempfile.mkdtemp(prefix="registro-sparql-"))


def crear_ejecutor(
    almacen: Almacen, *, tiempo_maximo: float, filas_maximas: int, trabajadores: int
) -> EjecutorSparql:
    """Procesos trabajadores si el almacén es Oxigraph embebido y ``trabajadores > 0``; si no, en proceso."""
    if trabajadores > 0 and isinstance(getattr(almacen, "store", None), ox.Store):
        return PoolTrabajadores(
            almacen, tiempo_maximo=tiempo_maximo, filas_maximas=filas_maximas, trabajadores=trabajadores
        )
    return EjecutorEnProceso(almacen, tiempo_maximo=tiempo_maximo, filas_maximas=filas_maximas)
