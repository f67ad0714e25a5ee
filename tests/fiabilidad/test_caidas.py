"""Caídas: ``SIGKILL`` en mitad de una carga masiva y en mitad de un envío; tras reabrir, el almacén tiene
exactamente el último estado confirmado (el de antes o el de después de una escritura entera, nunca uno
intermedio).

Cómo se comprueba: se calculan de antemano los volcados esperados —antes y después de la carga; y, para
los envíos, el volcado tras cada envío de la secuencia, hecho en proceso sobre una copia— y el volcado
del almacén matado debe ser **igual** a uno de ellos (líneas N-Quads ordenadas; la hora de publicación
``prov:generatedAtTime`` se quita porque difiere entre ejecuciones). Para que la prueba sea rápida se
matan pocos procesos en momentos escalonados; cada intento se informa.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from registro import ingesta
from registro.almacen.oxigraph import AlmacenOxigraph
from tests.fiabilidad.entorno import INST, LIMITE, PROGRAMA, clonar, volcado

pytestmark = pytest.mark.lento

RAIZ = Path(__file__).resolve().parents[2]
_HORA = b"<http://www.w3.org/ns/prov#generatedAtTime>"


def _normalizado(datos: bytes) -> str:
    lineas = sorted(ln for ln in datos.splitlines() if ln.strip() and _HORA not in ln)
    return hashlib.sha256(b"\n".join(lineas)).hexdigest()


def _estado(ruta: Path) -> str:
    a = AlmacenOxigraph(ruta)  # reabrir tras el SIGKILL: debe abrir sin reparación manual
    try:
        return _normalizado(volcado(a))
    finally:
        a.cerrar()


def _entorno() -> dict[str, str]:
    entorno = dict(os.environ)
    entorno["PYTHONPATH"] = str(RAIZ) + os.pathsep + entorno.get("PYTHONPATH", "")
    return entorno


# --- carga masiva -----------------------------------------------------------------------------------------
_CARGAR = """
import sys
from pathlib import Path
import registro.almacen.oxigraph as o
o._UMBRAL_MASIVO = int(sys.argv[1])  # 1 → bulk_load (vía masiva); enorme → Store.load (transaccional)
def avance(hecho, total):
    if hecho >= total:
        sys.stderr.write("100 %\\n"); sys.stderr.flush()
a = o.AlmacenOxigraph(sys.argv[3])
a.cargar(Path(sys.argv[2]), "nquads", progreso=avance)
a.cerrar()
"""
"""Lo que hace ``registro cargar`` con un N-Quads (``AlmacenOxigraph.cargar``), sin importar toda la CLI
(3-4 s por proceso en una máquina cargada)."""


def _nquads(ruta: Path, n: int) -> None:
    with ruta.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(
                f"<https://w3id.org/registro/id/carga/{i}> <https://w3id.org/registro/ontologia#codigo> "
                f'"C-{i}" <https://w3id.org/registro/grafo/carga/g{i % 5}> .\n'
            )


@pytest.mark.parametrize("umbral", [1, 1 << 40], ids=["bulk_load", "transaccional"])
def test_sigkill_durante_una_carga_deja_el_antes_o_el_despues(tmp_path: Path, umbral: int) -> None:
    archivo = tmp_path / "grande.nq"
    _nquads(archivo, 30_000)
    base = tmp_path / "base"
    a = AlmacenOxigraph(base)
    a.store.load(
        b'<urn:a> <urn:b> "antes" <https://w3id.org/registro/grafo/referencia> .\n', ox.RdfFormat.N_QUADS
    )
    antes = _normalizado(volcado(a))
    a.cerrar()
    completo = AlmacenOxigraph(None)
    completo.store.load(
        b'<urn:a> <urn:b> "antes" <https://w3id.org/registro/grafo/referencia> .\n', ox.RdfFormat.N_QUADS
    )
    completo.store.load(path=str(archivo), format=ox.RdfFormat.N_QUADS)
    despues = _normalizado(volcado(completo))
    guion = tmp_path / "cargar.py"
    guion.write_text(_CARGAR, encoding="utf-8")
    resultados = []
    for espera in (0.05, 0.4):
        destino = tmp_path / f"almacen-{len(resultados)}"
        shutil.copytree(base, destino)
        proceso = subprocess.Popen(
            [sys.executable, str(guion), str(umbral), str(archivo), str(destino)],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            env=_entorno(),
            cwd=tmp_path,
        )
        assert proceso.stderr is not None
        leido = b""
        while b"100 %" not in leido:  # la validación previa terminó: empieza la escritura
            trozo = proceso.stderr.read1(256)  # type: ignore[attr-defined]
            if not trozo:
                break
            leido += trozo
        time.sleep(espera)
        proceso.send_signal(signal.SIGKILL)
        proceso.wait(timeout=30)
        estado = _estado(destino)
        resultados.append(
            ("antes" if estado == antes else "después" if estado == despues else "¡INTERMEDIO!", espera)
        )
        assert estado in (antes, despues), resultados
    # El «después» esperado es el de verdad: la misma carga, completa, sobre el último almacén matado.
    if resultados[-1][0] == "antes":
        a = AlmacenOxigraph(destino)
        a.cargar(archivo, "nquads")
        a.cerrar()
        assert _estado(destino) == despues
    print(f"\nSIGKILL en carga ({'bulk_load' if umbral == 1 else 'transaccional'}): {resultados}")


# --- envíos ------------------------------------------------------------------------------------------
_ENVIAR = """
import sys
from registro.cli import app
almacen, archivos = sys.argv[1], sys.argv[2:]
for k, archivo in enumerate(archivos):
    app(["enviar", archivo, "--institucion", "iest-piloto", "--almacen", almacen], standalone_mode=False)
    print(f"ok {k}", flush=True)
"""


def _variante(k: int) -> bytes:
    texto = PROGRAMA.read_text(encoding="utf-8")
    return texto.replace('reg:version "2025"', f'reg:version "2025-k{k}"', 1).encode("utf-8")


def test_sigkill_durante_envios_deja_el_ultimo_envio_confirmado(
    tmp_path: Path, volcado_piloto: bytes
) -> None:
    n = 3
    archivos = []
    for k in range(n):
        ruta = tmp_path / f"v{k}" / "programa-telecom.ttl"
        ruta.parent.mkdir()
        ruta.write_bytes(_variante(k))
        archivos.append(ruta)
    # Estados esperados: tras 0, 1, …, n envíos (en proceso, sobre una copia idéntica).
    referencia = clonar(volcado_piloto)
    esperados = [_normalizado(volcado(referencia))]
    for ruta in archivos:
        r = ingesta.enviar(referencia, ruta.read_bytes(), institucion=INST, nombre=ruta.name, limite=LIMITE)
        assert r.aceptado
        esperados.append(_normalizado(volcado(referencia)))
    guion = tmp_path / "enviar.py"
    guion.write_text(_ENVIAR, encoding="utf-8")
    resultados = []
    for espera in (0.2,):  # un intento: el segundo envío está validando o escribiendo
        destino = tmp_path / f"almacen-{espera}"
        clonar(volcado_piloto, destino).cerrar()
        proceso = subprocess.Popen(
            [sys.executable, str(guion), str(destino), *map(str, archivos)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_entorno(),
            cwd=tmp_path,
        )
        assert proceso.stdout is not None
        confirmados = 0
        linea = proceso.stdout.readline()
        if linea.startswith(b"ok "):
            confirmados = 1
        time.sleep(espera)
        proceso.send_signal(signal.SIGKILL)
        resto = proceso.communicate(timeout=30)[0]
        confirmados += resto.count(b"ok ")
        estado = _estado(destino)
        assert estado in esperados, f"estado intermedio tras {confirmados} envíos confirmados"
        indice = esperados.index(estado)
        assert indice in (confirmados, confirmados + 1)  # confirmado, o escrito justo antes del «ok»
        resultados.append((espera, confirmados, indice))
    print(f"\nSIGKILL en envíos (espera, envíos confirmados, estado hallado): {resultados}")
