"""Prueba de carga acotada por loopback: peticiones por segundo sostenidas **sin ningún error**.

Qué hace:

1. Prepara un almacén en disco con ontología, referencia y piloto (o usa ``--almacen``) y emite los
   tokens de las instituciones que enviarán datos (antes de arrancar: el almacén admite un solo proceso).
2. Arranca ``registro servir`` en un subproceso (uvicorn en 127.0.0.1, límite de tasa desactivado,
   ``REGISTRO_TRABAJADORES_SPARQL`` trabajadores).
3. Lanza ``--clientes`` hilos con conexiones persistentes (httpx) durante ``--segundos`` contra una
   mezcla fija de lecturas: ``/salud``, ``/api/marcos``, búsqueda en ``/api/programas``, ``/id/…`` en
   Turtle, ``/sparql`` ligera y ``/api/estandares`` filtrada. Cuenta como error toda respuesta que no sea
   2xx y toda excepción del cliente (tiempo agotado, conexión rechazada).
4. Envía ``--envios`` archivos distintos **a la vez** (POST ``/api/envios``, tres instituciones) y comprueba
   por ``/api/envios`` que cada uno quedó en una versión (ninguno perdido).

Uso::

    python benchmarks/carga.py --clientes 8 --segundos 20 --envios 9 [--anotar]

``--anotar`` añade la sección a ``benchmarks/RESULTADOS.md``. Las pruebas (``tests/fiabilidad/test_carga.py``)
llaman a ``principal`` con cifras pequeñas y exigen cero errores.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

RAIZ = Path(__file__).resolve().parent.parent
PILOTO = RAIZ / "datos_ttl" / "piloto"
CONJUNTOS = {
    "iest-piloto": (PILOTO / "iest-piloto" / "programa-telecom.ttl", 'reg:version "2025"'),
    "cetpro-piloto": (PILOTO / "cetpro-piloto" / "programa-instalador.ttl", 'reg:version "2026"'),
    "cft-piloto": (PILOTO / "cft-piloto" / "carrera-telecom.ttl", 'reg:version "2025"'),
}
MEZCLA = (
    ("/salud", {}, {}),
    ("/api/marcos", {}, {}),
    ("/api/programas", {"q": "telecomunicacion"}, {}),
    ("/id/inst/iest-piloto/programa/PE-TEL-01", {}, {"Accept": "text/turtle"}),
    (
        "/sparql",
        {"query": "SELECT ?s WHERE { ?s a ?c } LIMIT 10"},
        {"Accept": "application/sparql-results+json"},
    ),
    ("/api/estandares", {"pais": "PE"}, {}),
)


@dataclass
class Resultado:
    peticiones: int = 0
    errores: int = 0
    segundos: float = 0.0
    latencias: list[float] = field(default_factory=list)
    por_ruta: Counter[str] = field(default_factory=Counter)
    detalle_errores: Counter[str] = field(default_factory=Counter)

    @property
    def por_segundo(self) -> float:
        return self.peticiones / self.segundos if self.segundos else 0.0

    def percentil(self, p: float) -> float:
        if not self.latencias:
            return 0.0
        ordenadas = sorted(self.latencias)
        return ordenadas[min(len(ordenadas) - 1, int(p * len(ordenadas)))]


# --- preparación ----------------------------------------------------------------------------------
def preparar_almacen(carpeta: Path) -> None:
    """Ontología, referencia y piloto por la vía validada (como ``registro iniciar``)."""
    from registro import arranque, ingesta
    from registro.almacen.oxigraph import AlmacenOxigraph

    a = AlmacenOxigraph(carpeta)
    try:
        arranque.iniciar(a, publicador=ingesta.publicar_piloto)
    finally:
        a.cerrar()


def emitir_tokens(carpeta: Path) -> dict[str, str]:
    from registro import acceso
    from registro.almacen.oxigraph import AlmacenOxigraph

    a = AlmacenOxigraph(carpeta)
    try:
        return {inst: acceso.emitir(a, rol="institucion", institucion=inst).token for inst in CONJUNTOS}
    finally:
        a.cerrar()


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def arrancar(carpeta: Path, trabajadores: int) -> tuple[subprocess.Popen, str]:
    """``registro servir`` en un subproceso; devuelve el proceso y la URL cuando ``/salud`` responde."""
    puerto = _puerto_libre()
    entorno = dict(os.environ)
    entorno.update(
        {
            "REGISTRO_LIMITE_TASA": "0",
            "REGISTRO_TRABAJADORES_SPARQL": str(trabajadores),
            "PYTHONPATH": str(RAIZ) + os.pathsep + entorno.get("PYTHONPATH", ""),
        }
    )
    proceso = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from registro.cli import principal; principal()",
            "servir",
            "--port",
            str(puerto),
            "--almacen",
            str(carpeta),
        ],
        env=entorno,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{puerto}"
    limite = time.monotonic() + 120
    while time.monotonic() < limite:
        if proceso.poll() is not None:
            raise RuntimeError(f"registro servir terminó con código {proceso.returncode}")
        try:
            if httpx.get(f"{url}/salud", timeout=2).status_code == 200:
                return proceso, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proceso.kill()
    raise RuntimeError("registro servir no respondió a tiempo")


# --- carga ----------------------------------------------------------------------------------------
def carga(url: str, clientes: int, segundos: float) -> Resultado:
    resultado = Resultado()
    cerrojo = threading.Lock()
    fin = time.monotonic() + segundos

    def trabajar(n: int) -> None:
        locales: list[float] = []
        cuenta: Counter[str] = Counter()
        errores: Counter[str] = Counter()
        with httpx.Client(base_url=url, timeout=30) as c:
            i = n
            while time.monotonic() < fin:
                ruta, params, cabeceras = MEZCLA[i % len(MEZCLA)]
                i += 1
                inicio = time.monotonic()
                try:
                    r = c.get(ruta, params=params, headers=cabeceras)
                    if not 200 <= r.status_code < 300:
                        errores[f"{ruta} {r.status_code}"] += 1
                except httpx.HTTPError as exc:
                    errores[f"{ruta} {type(exc).__name__}"] += 1
                locales.append(time.monotonic() - inicio)
                cuenta[ruta] += 1
        with cerrojo:
            resultado.latencias += locales
            resultado.por_ruta.update(cuenta)
            resultado.detalle_errores.update(errores)

    inicio = time.monotonic()
    hilos = [threading.Thread(target=trabajar, args=(n,)) for n in range(clientes)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    resultado.segundos = time.monotonic() - inicio
    resultado.peticiones = sum(resultado.por_ruta.values())
    resultado.errores = sum(resultado.detalle_errores.values())
    return resultado


def _variante(inst: str, k: int) -> bytes:
    ruta, texto = CONJUNTOS[inst]
    contenido = ruta.read_text(encoding="utf-8")
    return contenido.replace(texto, texto[:-1] + f'-carga{k}"', 1).encode("utf-8")


def envios(url: str, tokens: dict[str, str], n: int) -> tuple[int, int, float]:
    """``n`` envíos simultáneos repartidos entre las instituciones: (aceptados, perdidos, segundos)."""
    trabajos = [(inst, k) for k in range(n) for inst in CONJUNTOS][:n]
    previas = {inst: _versiones(url, inst, CONJUNTOS[inst][0].stem) for inst in CONJUNTOS}
    estados: dict[tuple[str, int], int] = {}

    def enviar(inst: str, k: int) -> None:
        with httpx.Client(base_url=url, timeout=300) as c:
            r = c.post(
                "/api/envios",
                files={"archivo": (CONJUNTOS[inst][0].name, _variante(inst, k), "text/turtle")},
                headers={"Authorization": f"Bearer {tokens[inst]}"},
            )
        estados[inst, k] = r.status_code

    inicio = time.monotonic()
    hilos = [threading.Thread(target=enviar, args=t) for t in trabajos]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    segundos = time.monotonic() - inicio
    aceptados = sum(1 for e in estados.values() if e == 201)
    nuevas = sum(_versiones(url, inst, CONJUNTOS[inst][0].stem) - previas[inst] for inst in CONJUNTOS)
    return aceptados, aceptados - nuevas + (len(trabajos) - aceptados), segundos


def _versiones(url: str, inst: str, clave: str) -> int:
    r = httpx.get(
        f"{url}/api/envios", params={"institucion": inst, "clave": clave, "por_pagina": 100}, timeout=30
    )
    r.raise_for_status()
    return int(r.json()["total"])


# --- informe --------------------------------------------------------------------------------------
def informe(args: argparse.Namespace, r: Resultado, env: tuple[int, int, float]) -> str:
    aceptados, perdidos, seg_envios = env
    cpu = os.cpu_count()
    lineas = [
        f"## Carga por loopback (`benchmarks/carga.py`) — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Máquina: {platform.machine()}, {cpu} núcleos, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()} (compartida con otros trabajos: cifras orientativas).",
        f"- Orden: `python benchmarks/carga.py --clientes {args.clientes} --segundos {args.segundos:g} "
        f"--envios {args.envios} --trabajadores {args.trabajadores}`",
        f"- Lecturas: **{r.por_segundo:.0f} peticiones/s sostenidas** durante {r.segundos:.1f} s con "
        f"{args.clientes} clientes concurrentes; {r.peticiones:,} peticiones, **{r.errores} errores**; "
        f"latencia p50 {r.percentil(0.5) * 1000:.0f} ms, p99 {r.percentil(0.99) * 1000:.0f} ms.",
        "- Mezcla (una de cada, en turno): "
        + ", ".join(f"`{ruta}` {n}" for ruta, n in sorted(r.por_ruta.items())),
        f"- Envíos simultáneos: {args.envios} enviados a la vez, **{aceptados} aceptados, "
        f"{perdidos} perdidos** "
        f"({seg_envios:.1f} s en total; la ingesta los serializa por almacén).",
    ]
    if r.detalle_errores:
        lineas.append("- Errores: " + ", ".join(f"{k}: {v}" for k, v in r.detalle_errores.items()))
    return "\n".join(lineas) + "\n"


def principal(argv: list[str] | None = None) -> tuple[Resultado, tuple[int, int, float]]:
    analizador = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    analizador.add_argument("--clientes", type=int, default=8)
    analizador.add_argument("--segundos", type=float, default=20.0)
    analizador.add_argument("--envios", type=int, default=9)
    analizador.add_argument("--trabajadores", type=int, default=2, help="Procesos SPARQL del servidor.")
    analizador.add_argument(
        "--almacen", type=Path, default=None, help="Almacén ya preparado (se usa tal cual)."
    )
    analizador.add_argument(
        "--anotar", action="store_true", help="Añadir la sección a benchmarks/RESULTADOS.md."
    )
    args = analizador.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="registro-carga-") as tmp:
        carpeta = args.almacen
        if carpeta is None:
            carpeta = Path(tmp) / "almacen"
            preparar_almacen(carpeta)
        tokens = emitir_tokens(carpeta)
        proceso, url = arrancar(carpeta, args.trabajadores)
        try:
            resultado = carga(url, args.clientes, args.segundos)
            resultado_envios = envios(url, tokens, args.envios)
        finally:
            proceso.terminate()
            try:
                proceso.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proceso.kill()
    texto = informe(args, resultado, resultado_envios)
    print(texto)
    if args.anotar:
        with (RAIZ / "benchmarks" / "RESULTADOS.md").open("a", encoding="utf-8") as f:
            f.write("\n" + texto)
    return resultado, resultado_envios


if __name__ == "__main__":
    r, (aceptados, perdidos, _s) = principal()
    sys.exit(0 if r.errores == 0 and perdidos == 0 else 1)
