"""Servidores SPARQL para las pruebas: Oxigraph (paquete ``oxigraph`` de PyPI) y Virtuoso (Debian).

Cada servidor escucha solo en 127.0.0.1, en un puerto libre, con sus datos en una carpeta temporal.
Virtuoso se configura contra sus valores por defecto peligrosos (NOTAS-TECNICAS): los dos puertos en
127.0.0.1, la clave de ``dba`` cambiada por una aleatoria en cuanto arranca, ``ResultSetMaxRows``
elevado y un usuario propio con el rol ``SPARQL_UPDATE`` que se autentica (Digest) en ``/sparql-auth``.
Si un servidor no está instalado o no arranca, ``ServidorNoDisponible`` lleva el motivo para omitir
las pruebas que lo necesitan.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


class ServidorNoDisponible(RuntimeError):
    """El servidor no está instalado o no arrancó; el mensaje explica por qué."""


def puerto_libre() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Servidor:
    """Un servidor en marcha y cómo conectarse a él."""

    tipo: str
    url: str
    proceso: subprocess.Popen[bytes]
    carpeta: Path
    usuario: str | None = None
    clave: str | None = None
    registro: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def detener(self) -> None:
        """Detiene el proceso que arrancamos (solo ese, por su pid)."""
        if self.proceso.poll() is None:
            self.proceso.terminate()
            try:
                self.proceso.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait(timeout=5)

    def _cliente(self) -> httpx.Client:
        auth = httpx.DigestAuth(self.usuario, self.clave or "") if self.usuario else None
        return httpx.Client(auth=auth, timeout=120)

    def vaciar(self) -> None:
        """Borra todos los datos del registro (no los grafos internos del servidor)."""
        with self._cliente() as c:
            if self.tipo == "oxigraph":
                c.post(self.url.rstrip("/") + "/update", data={"update": "DROP ALL"}).raise_for_status()
                return
            consulta = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            acepta = {"Accept": "application/sparql-results+json"}
            r = c.post(self.url, data={"query": consulta}, headers=acepta)
            r.raise_for_status()
            grafos = [
                b["g"]["value"]
                for b in r.json()["results"]["bindings"]
                if not b["g"]["value"].startswith(("http://www.openlinksw.com/", "http://www.w3.org/ns/ldp#",
                                                   "http://localuriqaserver/"))
            ]
            if grafos:
                borrar = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in grafos)
                c.post(self.url, data={"update": borrar}).raise_for_status()


def _esperar(url: str, proceso: subprocess.Popen[bytes], registro: Path, limite: float) -> None:
    fin = time.monotonic() + limite
    while time.monotonic() < fin:
        if proceso.poll() is not None:
            raise ServidorNoDisponible(
                f"el proceso terminó al arrancar (código {proceso.returncode}): {_cola(registro)}"
            )
        try:
            r = httpx.get(url, params={"query": "ASK {}"}, timeout=2)
            if r.status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proceso.kill()
    raise ServidorNoDisponible(f"no respondió en {limite:.0f} s: {_cola(registro)}")


def _cola(registro: Path) -> str:
    try:
        return " | ".join(registro.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:])
    except OSError:
        return "(sin registro)"


# --- Oxigraph ----------------------------------------------------------------------------------------
def binario_oxigraph() -> str | None:
    """El ejecutable ``oxigraph`` del entorno (``pip install oxigraph``) o del PATH."""
    junto = Path(sys.executable).with_name("oxigraph")
    if junto.is_file():
        return str(junto)
    return shutil.which("oxigraph")


def iniciar_oxigraph(carpeta: Path) -> Servidor:
    binario = binario_oxigraph()
    if binario is None:
        raise ServidorNoDisponible("falta el servidor «oxigraph» (pip install oxigraph, extra «pruebas»)")
    carpeta.mkdir(parents=True, exist_ok=True)
    puerto = puerto_libre()
    registro = carpeta / "oxigraph.log"
    with registro.open("wb") as salida:
        proceso = subprocess.Popen(
            [binario, "serve", "--location", str(carpeta / "datos"), "--bind", f"127.0.0.1:{puerto}"],
            stdout=salida, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    url = f"http://127.0.0.1:{puerto}"
    _esperar(url + "/query", proceso, registro, 30)
    return Servidor("oxigraph", url, proceso, carpeta, registro=registro)


# --- Virtuoso ----------------------------------------------------------------------------------------
_INI_VIRTUOSO = """\
; Configuración mínima para pruebas: todo en 127.0.0.1 y en una carpeta temporal.
[Database]
DatabaseFile = {c}/virtuoso.db
ErrorLogFile = {c}/virtuoso.log
LockFile = {c}/virtuoso.lck
TransactionFile = {c}/virtuoso.trx
xa_persistent_file = {c}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {c}/virtuoso-temp.db
TransactionFile = {c}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = {c}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {sucios}
TransactionAfterImageLimit = 500000000
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = {filas}
MaxQueryExecutionTime = 600
MaxQueryCostEstimationTime = 0
"""


def iniciar_virtuoso(carpeta: Path, *, filas_maximas: int = 10_000_000, buffers: int = 20_000) -> Servidor:
    """Arranca ``virtuoso-t`` con una configuración segura y un usuario ``registro`` con escritura."""
    binario, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binario is None or isql is None:
        raise ServidorNoDisponible(
            "falta Virtuoso (apt-get install virtuoso-opensource; lo hace scripts/preparar-sistema.sh)"
        )
    carpeta.mkdir(parents=True, exist_ok=True)
    sql, http = puerto_libre(), puerto_libre()
    ini = carpeta / "virtuoso.ini"
    ini.write_text(
        _INI_VIRTUOSO.format(c=carpeta, sql=sql, http=http, filas=filas_maximas, buffers=buffers,
                             sucios=buffers * 3 // 4),
        encoding="utf-8",
    )
    registro = carpeta / "virtuoso.log"
    with (carpeta / "salida.log").open("wb") as salida:
        proceso = subprocess.Popen(
            [binario, "+foreground", "+configfile", str(ini)],
            cwd=carpeta, stdout=salida, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{http}/sparql-auth"
    servidor = Servidor("virtuoso", url, proceso, carpeta, registro=registro)
    try:
        _esperar(f"http://127.0.0.1:{http}/sparql", proceso, registro, 90)
        clave_dba, clave = secrets.token_hex(16), secrets.token_hex(16)
        guion = (
            f"DB.DBA.USER_CREATE('registro', '{clave}');\n"
            'GRANT SPARQL_UPDATE TO "registro";\n'
            # Seguridad por grafo: el anónimo (/sparql) no lee nada; el usuario del registro, todo.
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 0);\n"
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('registro', 15);\n"
            f"USER_SET_PASSWORD('dba', '{clave_dba}');\n"
        )
        r = subprocess.run(
            [isql, f"127.0.0.1:{sql}", "dba", "dba"], input=guion.encode(), capture_output=True, timeout=60
        )
        salida_isql = (r.stdout + r.stderr).decode(errors="replace")
        if r.returncode != 0 or "Error" in salida_isql:
            raise ServidorNoDisponible(f"no se pudo configurar Virtuoso con isql: {salida_isql[-300:]}")
    except BaseException:
        servidor.detener()
        raise
    servidor.usuario, servidor.clave = "registro", clave
    servidor.extra.update({"puerto_sql": str(sql), "clave_dba": clave_dba, "http": str(http)})
    return servidor
