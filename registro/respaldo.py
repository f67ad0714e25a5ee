"""Respaldo y restauración del almacén completo (``registro respaldar`` / ``registro restaurar``).

Qué se guarda: **todo** el conjunto de datos —ontología, referencia, cada versión de cada envío (también
las que ya no están vigentes), ``grafo:registro`` con la procedencia y el historial de versiones, y los
grafos privados (certificados, solicitudes, credenciales)— en N-Quads, más un **manifiesto** JSON
pequeño junto al archivo (``F.manifiesto.json``) con el número de cuádruplas por grafo, el tamaño y el
SHA-256 del archivo de datos.

Por qué así:

- **N-Quads** es el formato más simple que conserva los grafos con nombre: una cuádrupla por línea,
  legible por cualquier almacén SPARQL (la restauración no depende de este programa).
- **Instantánea coherente**: el volcado del almacén embebido recorre una instantánea de RocksDB, así que
  un envío que se publique mientras tanto aparece entero o no aparece. Los conteos del manifiesto se
  calculan **leyendo el archivo escrito**, no preguntando al almacén después (que ya podría haber
  cambiado), y esa lectura comprueba de paso que el respaldo se puede analizar.
- **Nada a medias con el nombre final**: datos y manifiesto se escriben en archivos temporales en la
  misma carpeta, se sincronizan con el disco (``fsync``) y solo entonces se renombran (operación atómica
  del sistema de archivos). Un respaldo interrumpido deja, como mucho, un temporal ``.parcial``.
- **Restaurar nunca mezcla**: solo en un almacén vacío, salvo ``reemplazar=True``; se comprueban antes
  tamaño y SHA-256 del archivo contra el manifiesto y, después de cargar, el número de cuádruplas de
  cada grafo. El almacén embebido se reconstruye en una carpeta temporal junto al destino y se pone en su
  sitio con un renombrado: si algo falla (o el proceso muere) el almacén anterior sigue intacto. Con
  ``reemplazar`` el anterior no se borra: queda como ``DIR.anterior-AAAAMMDDTHHMMSSZ``.
- Los nodos en blanco conservan su identificador (``bulk_extend`` con las cuádruplas tal como se leen):
  un respaldo restaurado y vuelto a respaldar da **el mismo archivo**, byte a byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

import registro
from registro.almacen.base import Almacen
from registro.errores import ConflictoEstado, EntradaInvalida, ErrorAlmacen, NoEncontrado

VERSION_MANIFIESTO = 1
"""Versión del formato del manifiesto (se comprueba al restaurar)."""

GRAFO_POR_DEFECTO = ""
"""Clave del grafo por defecto en los conteos del manifiesto (en el registro suele estar vacío)."""

_TROZO = 1 << 20


@dataclass(frozen=True)
class Manifiesto:
    """Descripción verificable de un respaldo."""

    archivo: str
    """Nombre (sin carpeta) del archivo de datos N-Quads."""
    bytes: int
    sha256: str
    cuadruplas: int
    grafos: dict[str, int] = field(default_factory=dict)
    """Cuádruplas por grafo (IRI; ``""`` es el grafo por defecto)."""
    creado: str = ""
    formato: str = "application/n-quads"
    version_registro: str = registro.__version__
    version: int = VERSION_MANIFIESTO

    def como_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def leer(cls, ruta: Path) -> Manifiesto:
        """Lee y valida un manifiesto; un manifiesto ausente o dañado es un error claro, nunca un «quizá»."""
        if not ruta.is_file():
            raise NoEncontrado(
                f"Falta el manifiesto del respaldo: {ruta}",
                detalle="Un respaldo son dos archivos (datos .nq y su .manifiesto.json); sin el manifiesto "
                "no se puede comprobar que esté completo. Use un respaldo hecho con «registro respaldar».",
            )
        try:
            datos = json.loads(ruta.read_text(encoding="utf-8"))
            manifiesto = cls(
                archivo=str(datos["archivo"]),
                bytes=int(datos["bytes"]),
                sha256=str(datos["sha256"]),
                cuadruplas=int(datos["cuadruplas"]),
                grafos={str(k): int(v) for k, v in dict(datos["grafos"]).items()},
                creado=str(datos.get("creado", "")),
                formato=str(datos.get("formato", "")),
                version_registro=str(datos.get("version_registro", "")),
                version=int(datos["version"]),
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise EntradaInvalida(
                f"El manifiesto del respaldo está dañado: {ruta}", detalle=str(exc)
            ) from exc
        if manifiesto.version != VERSION_MANIFIESTO:
            raise EntradaInvalida(
                f"Versión de manifiesto no admitida: {manifiesto.version}",
                detalle=f"Esta versión del registro lee manifiestos de la versión {VERSION_MANIFIESTO}.",
            )
        return manifiesto


def ruta_manifiesto(datos: Path) -> Path:
    """``respaldo.nq`` → ``respaldo.nq.manifiesto.json``."""
    return datos.with_name(datos.name + ".manifiesto.json")


# --- respaldar -----------------------------------------------------------------------------------------
def respaldar(almacen: Almacen, salida: Path) -> Manifiesto:
    """Escribe el respaldo completo en ``salida`` (N-Quads) y su manifiesto; devuelve el manifiesto."""
    salida = Path(salida)
    carpeta = salida.parent if str(salida.parent) else Path(".")
    if not carpeta.is_dir():
        raise EntradaInvalida(f"No existe la carpeta de destino: {carpeta}")
    sufijo = f".{os.getpid()}.parcial"
    tmp_datos = carpeta / f".{salida.name}{sufijo}"
    tmp_manifiesto = carpeta / f".{ruta_manifiesto(salida).name}{sufijo}"
    try:
        with tmp_datos.open("wb") as destino:
            escritor = _EscritorConHuella(destino)
            almacen.volcar(escritor, "nquads")  # type: ignore[arg-type]
            destino.flush()
            os.fsync(destino.fileno())
        grafos = _conteos_archivo(tmp_datos)
        manifiesto = Manifiesto(
            archivo=salida.name,
            bytes=escritor.bytes,
            sha256=escritor.huella.hexdigest(),
            cuadruplas=sum(grafos.values()),
            grafos=dict(sorted(grafos.items())),
            creado=datetime.now(UTC).replace(microsecond=0).isoformat(),
        )
        with tmp_manifiesto.open("w", encoding="utf-8") as f:
            f.write(manifiesto.como_json())
            f.flush()
            os.fsync(f.fileno())
        # Datos primero: un manifiesto nuevo nunca describe datos viejos. Si el proceso muere entre los
        # dos renombrados, el manifiesto anterior (si lo había) no coincide con el SHA-256 y se rechaza.
        tmp_datos.replace(salida)
        tmp_manifiesto.replace(ruta_manifiesto(salida))
        _sincronizar_carpeta(carpeta)
    except BaseException:
        tmp_datos.unlink(missing_ok=True)
        tmp_manifiesto.unlink(missing_ok=True)
        raise
    return manifiesto


class _EscritorConHuella:
    """Envoltorio de escritura que calcula SHA-256 y tamaño mientras Oxigraph vuelca."""

    def __init__(self, base: BinaryIO) -> None:
        self._base = base
        self.huella = hashlib.sha256()
        self.bytes = 0

    def write(self, datos: bytes) -> int:
        self.huella.update(datos)
        self.bytes += len(datos)
        return self._base.write(datos)

    def flush(self) -> None:
        self._base.flush()


def _conteos_archivo(ruta: Path) -> dict[str, int]:
    """Cuádruplas por grafo leyendo el archivo (comprueba también que es N-Quads válido)."""
    conteo: Counter[str] = Counter()
    try:
        for q in ox.parse(path=str(ruta), format=ox.RdfFormat.N_QUADS):
            g = q.graph_name
            conteo[GRAFO_POR_DEFECTO if isinstance(g, ox.DefaultGraph) else _texto_grafo(g)] += 1
    except SyntaxError as exc:
        raise EntradaInvalida(
            f"El archivo de datos del respaldo no es N-Quads válido: {ruta.name}", detalle=str(exc)
        ) from exc
    return dict(conteo)


def _texto_grafo(g: object) -> str:
    if isinstance(g, ox.NamedNode):
        return g.value
    return str(g)


def _sincronizar_carpeta(carpeta: Path) -> None:
    """``fsync`` de la carpeta para que los renombrados sobrevivan a un corte de luz (POSIX)."""
    try:
        fd = os.open(carpeta, os.O_RDONLY)
    except OSError:  # pragma: no cover - sistemas sin carpetas abribles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


# --- verificar y restaurar ------------------------------------------------------------------------------
def verificar(datos: Path) -> Manifiesto:
    """Comprueba tamaño y SHA-256 del archivo contra su manifiesto; devuelve el manifiesto."""
    datos = Path(datos)
    if not datos.is_file():
        raise NoEncontrado(f"No existe el respaldo {datos}")
    manifiesto = Manifiesto.leer(ruta_manifiesto(datos))
    huella = hashlib.sha256()
    tamano = 0
    with datos.open("rb") as f:
        for trozo in iter(lambda: f.read(_TROZO), b""):
            huella.update(trozo)
            tamano += len(trozo)
    if tamano != manifiesto.bytes or huella.hexdigest() != manifiesto.sha256:
        raise EntradaInvalida(
            f"El respaldo {datos.name} no coincide con su manifiesto (archivo dañado, truncado o cambiado)",
            detalle=f"Manifiesto: {manifiesto.bytes:,} bytes, SHA-256 {manifiesto.sha256[:16]}…; archivo: "
            f"{tamano:,} bytes, SHA-256 {huella.hexdigest()[:16]}…. No se restauró nada.",
        )
    return manifiesto


@dataclass(frozen=True)
class ResultadoRestauracion:
    manifiesto: Manifiesto
    destino: str
    anterior: str | None = None
    """Carpeta donde quedó el almacén sustituido (``reemplazar=True``), si había datos."""


def restaurar(datos: Path, destino: str | Path, *, reemplazar: bool = False) -> ResultadoRestauracion:
    """Restaura un respaldo en ``destino`` (carpeta del almacén embebido o URL de un servidor SPARQL).

    Se niega si el destino tiene datos y no se pide ``reemplazar``. Verifica el manifiesto antes de
    escribir y los conteos por grafo después; si algo no cuadra, el destino queda como estaba.
    """
    manifiesto = verificar(Path(datos))
    texto = str(destino)
    if texto.startswith(("http://", "https://")):
        return _restaurar_remoto(Path(datos), texto, manifiesto, reemplazar=reemplazar)
    return _restaurar_embebido(Path(datos), Path(texto), manifiesto, reemplazar=reemplazar)


def _restaurar_embebido(
    datos: Path, destino: Path, manifiesto: Manifiesto, *, reemplazar: bool
) -> ResultadoRestauracion:
    if destino.exists() and not destino.is_dir():
        raise EntradaInvalida(f"El destino {destino} existe y no es una carpeta de almacén")
    existente = destino.is_dir() and any(destino.iterdir())
    con_datos = existente and _tiene_datos(destino)
    if con_datos and not reemplazar:
        raise ConflictoEstado(
            f"El almacén {destino} ya tiene datos: no se restaura encima",
            detalle="Restaure en una carpeta vacía o nueva, o añada --reemplazar (el almacén actual se "
            "conserva aparte como «…anterior-FECHA»).",
        )
    destino.parent.mkdir(parents=True, exist_ok=True)
    temporal = destino.parent / f".{destino.name}.restaurando-{os.getpid()}"
    shutil.rmtree(temporal, ignore_errors=True)
    try:
        store = ox.Store(str(temporal))
        try:
            store.bulk_extend(ox.parse(path=str(datos), format=ox.RdfFormat.N_QUADS))
            store.flush()
            _comprobar_conteos(_conteos_store(store), manifiesto)
        finally:
            del store
        anterior: Path | None = None
        if existente:
            marca = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            anterior = destino.parent / f"{destino.name}.anterior-{marca}"
            destino.replace(anterior)
        temporal.replace(destino)
        _sincronizar_carpeta(destino.parent)
    except BaseException:
        shutil.rmtree(temporal, ignore_errors=True)
        raise
    if anterior is not None and not con_datos:
        shutil.rmtree(anterior, ignore_errors=True)  # estaba vacío: no hay nada que conservar
        anterior = None
    return ResultadoRestauracion(manifiesto, str(destino), str(anterior) if anterior else None)


def _tiene_datos(carpeta: Path) -> bool:
    """¿La carpeta es un almacén con alguna cuádrupla? Falla claro si otro proceso lo tiene abierto.

    Se abre en lectura-escritura a propósito: RocksDB permite abrir en solo lectura una carpeta que otro
    proceso está escribiendo, y renombrarla bajo un servidor en marcha sería peor que no restaurar.
    """
    if not (carpeta / "CURRENT").is_file():
        raise EntradaInvalida(
            f"La carpeta {carpeta} no está vacía y no es un almacén del registro",
            detalle="Indique una carpeta vacía, una nueva o la de un almacén existente.",
        )
    try:
        store = ox.Store(str(carpeta))
    except OSError as exc:
        raise ErrorAlmacen(
            f"No se puede abrir el almacén {carpeta} para comprobarlo",
            detalle=f"{exc}. Detenga «registro servir» (u otro proceso que lo use) antes de restaurar.",
        ) from exc
    try:
        return next(iter(store.quads_for_pattern(None, None, None, None)), None) is not None
    finally:
        del store


def _conteos_store(store: ox.Store) -> dict[str, int]:
    salida: dict[str, int] = {}
    for fila in store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        salida[_texto_grafo(fila["g"])] = int(fila["n"].value)
    defecto = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=ox.DefaultGraph())
    n = int(next(iter(defecto))["n"].value)
    if n:
        salida[GRAFO_POR_DEFECTO] = n
    return salida


def _comprobar_conteos(obtenidos: dict[str, int], manifiesto: Manifiesto) -> None:
    if obtenidos != manifiesto.grafos:
        distintos = sorted(set(obtenidos.items()) ^ set(manifiesto.grafos.items()))[:5]
        raise ErrorAlmacen(
            "Tras cargar el respaldo, los conteos por grafo no coinciden con el manifiesto; no se restauró",
            detalle="Diferencias (grafo, cuádruplas): "
            + "; ".join(f"{g or 'por defecto'}: {n}" for g, n in distintos),
        )


def _restaurar_remoto(
    datos: Path, url: str, manifiesto: Manifiesto, *, reemplazar: bool
) -> ResultadoRestauracion:
    """En un servidor SPARQL solo en vacío: vaciarlo no sería atómico y mezclar no es restaurar."""
    from registro.almacen import abrir
    from registro.configuracion import Configuracion

    if reemplazar:
        raise EntradaInvalida(
            "--reemplazar no se admite con un servidor SPARQL remoto",
            detalle="Vacíe el servidor con sus propias herramientas (o cree un repositorio nuevo) y "
            "restaure en vacío.",
        )
    almacen = abrir(Configuracion.desde_entorno(almacen=url))
    try:
        if almacen.conteos():
            raise ConflictoEstado(
                f"El servidor {url} ya tiene datos: no se restaura encima",
                detalle="Restaure en un repositorio vacío.",
            )
        almacen.cargar(datos, "nquads")
        obtenidos = {g: n for g, n in almacen.conteos().items() if n}
        esperados = {g: n for g, n in manifiesto.grafos.items() if g != GRAFO_POR_DEFECTO}
        if obtenidos != esperados:
            raise ErrorAlmacen(
                "Los conteos por grafo en el servidor no coinciden con el manifiesto del respaldo",
                detalle="Revise el servidor: la carga pudo quedar a medias.",
            )
    finally:
        almacen.cerrar()
    return ResultadoRestauracion(manifiesto, url)
