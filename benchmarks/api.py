"""Benchmark de la API HTTP: latencias de /id, búsquedas y /api/equivalencias, y rendimiento de /sparql.

Qué mide (no forma parte de pytest):

1. Construye un almacén en disco con ontología, referencia y piloto (``arranque.iniciar``) más el
   registro sintético a escala nacional (``benchmarks/generador.py``).
2. Arranca ``registro servir`` en un subproceso (uvicorn, 127.0.0.1) y lanza clientes concurrentes
   acotados (hilos con conexiones persistentes) contra: resolución de recursos ``/id/…`` (Turtle y
   JSON-LD), búsquedas ``/api/programas`` y ``/api/estandares`` con ``q``, y ``/api/equivalencias``.
   Informa p50/p99 y peticiones por segundo.
3. Rendimiento de ``/sparql`` con una mezcla fija de consultas (1 fila, búsqueda de 60 filas,
   cobertura agregada de una norma) frente a **rdflib-endpoint** sirviendo los mismos datos públicos
   (rdflib en memoria) en la misma ejecución, con la misma concurrencia y la misma duración.
4. Compara, en proceso, la búsqueda sin tildes hecha en SPARQL (REPLACE en la consulta) con la
   alternativa de traer etiquetas y filtrar en Python.

Uso::

    python benchmarks/api.py --tripletas 600000 --clientes 4 --segundos 10

Requiere el extra ``benchmarks`` (``pip install -e ".[benchmarks]"``: rdflib-endpoint).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))

from benchmarks.generador import Escala, poblar  # noqa: E402
from registro import arranque  # noqa: E402
from registro.almacen.base import Vista  # noqa: E402
from registro.almacen.oxigraph import AlmacenOxigraph  # noqa: E402

REG = "https://w3id.org/registro/ontologia#"
ID = "https://w3id.org/registro/id/"


@dataclass(frozen=True)
class Medida:
    nombre: str
    peticiones: int
    errores: int
    segundos: float
    p50_ms: float
    p99_ms: float

    @property
    def por_segundo(self) -> float:
        return self.peticiones / self.segundos if self.segundos else 0.0

    def linea(self) -> str:
        return (
            f"| {self.nombre} | {self.peticiones} | {self.errores} | {self.p50_ms:.1f} | {self.p99_ms:.1f} | "
            f"{self.por_segundo:.0f} |"
        )


def _puerto() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _esperar(url: str, segundos: float = 180) -> None:
    limite = time.monotonic() + segundos
    while time.monotonic() < limite:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"El servidor no respondió en {url}")


def _percentil(valores: list[float], p: float) -> float:
    if not valores:
        return float("nan")
    ordenados = sorted(valores)
    return ordenados[min(len(ordenados) - 1, round(p / 100 * (len(ordenados) - 1)))]


def carga(
    nombre: str,
    base: str,
    peticiones: Callable[[random.Random], tuple[str, str, dict, object]],
    clientes: int,
    segundos: float,
    semilla: int = 1,
) -> Medida:
    """``clientes`` hilos, cada uno con su conexión, repitiendo peticiones durante ``segundos``."""
    latencias: list[float] = []
    errores = [0]
    cerrojo = threading.Lock()
    fin = time.monotonic() + segundos

    def trabajar(n: int) -> None:
        rnd = random.Random(semilla * 1000 + n)
        propias: list[float] = []
        fallos = 0
        with httpx.Client(base_url=base, timeout=60) as c:
            while time.monotonic() < fin:
                metodo, ruta, cabeceras, cuerpo = peticiones(rnd)
                t0 = time.perf_counter()
                try:
                    r = c.request(metodo, ruta, headers=cabeceras, data=cuerpo or None)
                    estado = r.status_code
                except httpx.HTTPError:
                    estado = 599  # sin respuesta a tiempo: cuenta como error, con su latencia
                propias.append((time.perf_counter() - t0) * 1000)
                if estado >= 400:
                    fallos += 1
        with cerrojo:
            latencias.extend(propias)
            errores[0] += fallos

    inicio = time.monotonic()
    hilos = [threading.Thread(target=trabajar, args=(n,)) for n in range(clientes)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    duracion = time.monotonic() - inicio
    return Medida(
        nombre,
        len(latencias),
        errores[0],
        duracion,
        statistics.median(latencias) if latencias else 0,
        _percentil(latencias, 99),
    )


def preparar_almacen(carpeta: Path, tripletas: int) -> tuple[dict, Path]:
    """Almacén en disco (piloto + sintético) y volcado N-Quads de la vista pública para rdflib."""
    a = AlmacenOxigraph(carpeta / "almacen")
    t0 = time.monotonic()
    arranque.iniciar(a)
    resumen = poblar(a, Escala.para_tripletas(tripletas), semilla=7, carpeta=carpeta)
    print(f"Almacén: {sum(a.conteos().values()):,} tripletas en {time.monotonic() - t0:.1f} s", flush=True)
    muestra = _muestra(a)
    volcado = carpeta / "publico.nq"
    vista = a.grafos_de(Vista.PUBLICA)
    import pyoxigraph as ox

    grafos = [ox.NamedNode(str(g)) for g in vista.por_defecto]
    cuadruplas = (q for g in grafos for q in a.store.quads_for_pattern(None, None, None, g))
    ox.serialize(cuadruplas, str(volcado), format=ox.RdfFormat.N_QUADS)
    a.cerrar()
    muestra["resumen"] = resumen
    return muestra, volcado


def _muestra(a: AlmacenOxigraph) -> dict:
    """IRIs y pares (norma, programa) reales para las peticiones."""

    def columna(sparql: str, var: str) -> list[str]:
        return [str(f[var]) for f in a.consultar(sparql, vista=Vista.PUBLICA).filas]

    programas = columna(f"SELECT ?p WHERE {{ ?p a <{REG}ProgramaEstudios> }}", "p")
    normas = columna(f"SELECT ?n WHERE {{ ?n a <{REG}EstandarCompetencia> }}", "n")
    pares = [
        (str(f["e"]), str(f["p"]))
        for f in a.consultar(
            f"SELECT ?e ?p WHERE {{ ?m a <{REG}MatrizEquivalencia> ; <{REG}estandar> ?e ; "
            f"<{REG}programa> ?p }} LIMIT 500",
            vista=Vista.PUBLICA,
        ).filas
    ]
    return {"programas": programas, "normas": normas, "pares": pares}


def _ruta(iri: str) -> str:
    return "/id/" + iri[len(ID) :]


CONSULTAS_SPARQL = {
    "1 fila": f"SELECT ?s WHERE {{ ?s a <{REG}ProgramaEstudios> }} LIMIT 1",
    "búsqueda 60 filas": (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"SELECT ?u ?e WHERE {{ <NORMA> <{REG}tieneUnidad> ?u . ?u <{REG}tieneCriterio> ?c . "
        "?c skos:prefLabel ?e } LIMIT 60"
    ),
    "cobertura de una norma": (
        "SELECT ?u (COUNT(DISTINCT ?c) AS ?criterios) (COUNT(?k) AS ?correspondencias) WHERE { "
        f"<NORMA> <{REG}tieneUnidad> ?u . ?u <{REG}tieneCriterio> ?c . "
        f"OPTIONAL {{ ?k <{REG}criterio> ?c ; <{REG}estado> <{ID}estado/aprobada> }} }} GROUP BY ?u"
    ),
}


def peticion_sparql(normas: list[str]) -> Callable[[random.Random], tuple[str, str, dict, object]]:
    nombres = list(CONSULTAS_SPARQL)

    def generar(rnd: random.Random) -> tuple[str, str, dict, object]:
        consulta = CONSULTAS_SPARQL[nombres[rnd.randrange(len(nombres))]].replace("NORMA", rnd.choice(normas))
        return (
            "POST",
            "/sparql",
            {
                "Accept": "application/sparql-results+json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            {"query": consulta},
        )

    return generar


def servir_rdflib_endpoint(volcado: Path, puerto: int) -> None:
    """Modo interno: rdflib-endpoint sobre rdflib en memoria con los mismos datos públicos."""
    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    ds = Dataset(default_union=True)
    t0 = time.monotonic()
    ds.parse(volcado, format="nquads")
    print(f"rdflib-endpoint: {len(ds):,} cuádruplas cargadas en {time.monotonic() - t0:.1f} s", flush=True)
    uvicorn.run(SparqlEndpoint(graph=ds, path="/sparql"), host="127.0.0.1", port=puerto, log_level="warning")


def busqueda_en_proceso(carpeta: Path, veces: int = 20) -> dict[str, float]:
    """Búsqueda sin tildes: REPLACE en SPARQL frente a etiquetas filtradas en Python (ms por búsqueda).

    Las dos variantes corren en un trabajador sobre la instantánea pública, como en el servidor; se mide
    también lo que cuesta construir la instantánea (en segundo plano: mientras tanto responde la anterior).
    """
    import unicodedata

    from rdflib import Literal

    from registro.api.dependencias import EstadoRegistro
    from registro.api.rutas._comun import consultar, resultado_json
    from registro.configuracion import Configuracion
    from registro.consulta_publica import PoolTrabajadores

    a = AlmacenOxigraph(carpeta / "almacen")
    pool = PoolTrabajadores(a, tiempo_maximo=600, filas_maximas=10**7, trabajadores=1)
    t0 = time.perf_counter()
    pool.preparar()
    instantanea_s = time.perf_counter() - t0
    estado = EstadoRegistro(Configuracion(), a, pool)
    palabra = "sintetico"
    t0 = time.perf_counter()
    for _ in range(veces):
        n_sparql = len(consultar(estado, "api-programas-buscar", {"q": Literal(palabra)}).filas)
    sparql_ms = (time.perf_counter() - t0) * 1000 / veces

    def normalizar(t: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFD", t) if unicodedata.category(c) != "Mn").lower()

    consulta = (
        f"SELECT ?p ?t WHERE {{ ?p a <{REG}ProgramaEstudios> . "
        f"?p <http://www.w3.org/2004/02/skos/core#prefLabel>|<{REG}codigo> ?t }}"
    )
    t0 = time.perf_counter()
    for _ in range(veces):
        filas = resultado_json(pool.interna(consulta)).filas
        n_python = len({str(f["p"]) for f in filas if palabra in normalizar(str(f["t"]))})
    python_ms = (time.perf_counter() - t0) * 1000 / veces
    pool.cerrar()
    a.cerrar()
    return {
        "sparql_ms": sparql_ms,
        "python_ms": python_ms,
        "resultados": n_sparql,
        "resultados_python": n_python,
        "instantanea_s": instantanea_s,
    }


def instantanea_sin_bloqueo(ruta_almacen: Path, segundos_minimos: float = 0.0) -> dict[str, float]:
    """Reconstrucción de la instantánea pública con consultas en curso (issue #5).

    Mide: (1) la primera instantánea (arranque, se espera); (2) una reconstrucción forzada con
    ``invalidar()``, que ahora corre en segundo plano; (3) la latencia de consultas ``/id``-like
    (``interna``, una norma) lanzadas **mientras** se reconstruye. Antes del cambio esas consultas
    esperaban la reconstrucción entera (su latencia era el tiempo de construcción).
    """
    from registro.consulta_publica import PoolTrabajadores

    a = AlmacenOxigraph(ruta_almacen)
    tripletas = sum(a.conteos().values())
    pool = PoolTrabajadores(a, tiempo_maximo=600, filas_maximas=10**7, trabajadores=1)
    try:
        t0 = time.perf_counter()
        pool.preparar()
        primera_s = time.perf_counter() - t0
        consulta = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{REG}EstandarCompetencia> }}"
        pool.interna(consulta)
        latencias: list[float] = []
        t0 = time.perf_counter()
        pool.invalidar()
        while True:
            inicio = time.perf_counter()
            respuesta = pool.interna(consulta)
            latencias.append(time.perf_counter() - inicio)
            assert respuesta.frescura is not None
            if not respuesta.frescura.actualizando and time.perf_counter() - t0 >= segundos_minimos:
                break
            time.sleep(0.05)
        pool.esperar_instantanea()
        reconstruccion_s = time.perf_counter() - t0
    finally:
        pool.cerrar()
        a.cerrar()
    return {
        "tripletas": float(tripletas),
        "primera_s": primera_s,
        "reconstruccion_s": reconstruccion_s,
        "consultas_durante": float(len(latencias)),
        "latencia_p50_ms": _percentil(latencias, 50) * 1000,
        "latencia_max_ms": max(latencias) * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--tripletas", type=int, default=600_000)
    p.add_argument("--clientes", type=int, default=4)
    p.add_argument("--segundos", type=float, default=10.0)
    p.add_argument("--sin-rdflib", action="store_true", help="no comparar con rdflib-endpoint")
    p.add_argument("--resultados", type=Path, default=RAIZ / "benchmarks" / "RESULTADOS.md")
    p.add_argument("--servir-rdflib-endpoint", nargs=2, metavar=("VOLCADO", "PUERTO"), help=argparse.SUPPRESS)
    p.add_argument(
        "--solo-instantanea",
        action="store_true",
        help="medir solo la reconstrucción de la instantánea pública con consultas en curso",
    )
    p.add_argument(
        "--almacen",
        type=Path,
        default=None,
        help="con --solo-instantanea: almacén ya poblado (se conserva) en vez de generar uno temporal",
    )
    args = p.parse_args(argv)
    if args.solo_instantanea:
        return _solo_instantanea(args)
    if args.servir_rdflib_endpoint:
        servir_rdflib_endpoint(Path(args.servir_rdflib_endpoint[0]), int(args.servir_rdflib_endpoint[1]))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        carpeta = Path(tmp)
        muestra, volcado = preparar_almacen(carpeta, args.tripletas)
        busqueda = busqueda_en_proceso(carpeta)
        print(
            f"Búsqueda: SPARQL {busqueda['sparql_ms']:.1f} ms, Python {busqueda['python_ms']:.1f} ms "
            f"({busqueda['resultados']} / {busqueda['resultados_python']} resultados)",
            flush=True,
        )
        puerto = _puerto()
        entorno = {**os.environ, "PYTHONPATH": str(RAIZ)}
        servidor = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from registro.cli import principal; principal()",
                "servir",
                "--almacen",
                str(carpeta / "almacen"),
                "--port",
                str(puerto),
            ],
            env=entorno,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        otro: subprocess.Popen | None = None
        medidas: list[Medida] = []
        comparacion: list[tuple[str, Medida, Medida | None]] = []
        try:
            base = f"http://127.0.0.1:{puerto}"
            _esperar(base + "/salud")
            prog, normas, pares = muestra["programas"], muestra["normas"], muestra["pares"]
            palabras = ["sintetico", "psyn-0001", "telecomunicacion", "instalacion", "programa", "redes"]
            carga(
                "calentamiento",
                base,
                lambda r: ("GET", _ruta(r.choice(prog)), {"Accept": "text/turtle"}, None),
                args.clientes,
                2,
            )
            # Latencia sin cola: un solo cliente. Con N clientes en 2 núcleos cada petición espera a las
            # demás (p50 ≈ servicio × N / núcleos): esa cifra es de capacidad, no de latencia.
            for nombre, tipo in (("Turtle", "text/turtle"), ("JSON-LD", "application/ld+json")):
                medidas.append(
                    carga(
                        f"/id programa ({nombre}), 1 cliente",
                        base,
                        lambda r, t=tipo: ("GET", _ruta(r.choice(prog)), {"Accept": t}, None),
                        1,
                        args.segundos / 2,
                    )
                )
            medidas.append(
                carga(
                    "/id programa (Turtle)",
                    base,
                    lambda r: ("GET", _ruta(r.choice(prog)), {"Accept": "text/turtle"}, None),
                    args.clientes,
                    args.segundos,
                )
            )
            medidas.append(
                carga(
                    "/id norma (JSON-LD)",
                    base,
                    lambda r: ("GET", _ruta(r.choice(normas)), {"Accept": "application/ld+json"}, None),
                    args.clientes,
                    args.segundos,
                )
            )
            medidas.append(
                carga(
                    "/api/programas?q=…",
                    base,
                    lambda r: ("GET", f"/api/programas?q={r.choice(palabras)}&pais=PE", {}, None),
                    args.clientes,
                    args.segundos,
                )
            )
            medidas.append(
                carga(
                    "/api/estandares?q=…",
                    base,
                    lambda r: ("GET", f"/api/estandares?q={r.choice(palabras)}", {}, None),
                    args.clientes,
                    args.segundos,
                )
            )
            if pares:
                medidas.append(
                    carga(
                        "/api/equivalencias",
                        base,
                        lambda r: (
                            "GET",
                            "/api/equivalencias?estandar={}&programa={}".format(*r.choice(pares)),
                            {},
                            None,
                        ),
                        args.clientes,
                        args.segundos,
                    )
                )
            nuestra = carga(
                "/sparql mezcla (registro)", base, peticion_sparql(normas), args.clientes, args.segundos
            )
            medidas.append(nuestra)
            ajena: Medida | None = None
            if not args.sin_rdflib:
                puerto2 = _puerto()
                otro = subprocess.Popen(
                    [sys.executable, __file__, "--servir-rdflib-endpoint", str(volcado), str(puerto2)],
                    env=entorno,
                )
                base2 = f"http://127.0.0.1:{puerto2}"
                _esperar(base2 + "/sparql?query=ASK%7B%7D", segundos=900)
                ajena = carga(
                    "/sparql mezcla (rdflib-endpoint)",
                    base2,
                    peticion_sparql(normas),
                    args.clientes,
                    args.segundos,
                )
                medidas.append(ajena)
                for nombre in CONSULTAS_SPARQL:
                    solo = {nombre: CONSULTAS_SPARQL[nombre]}
                    f = _mezcla_de(solo, normas)
                    a1 = carga(f"/sparql «{nombre}» (registro)", base, f, args.clientes, args.segundos / 2)
                    a2 = carga(
                        f"/sparql «{nombre}» (rdflib-endpoint)", base2, f, args.clientes, args.segundos / 2
                    )
                    comparacion.append((nombre, a1, a2))
        finally:
            for proc in (servidor, otro):
                if proc is not None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        proc.kill()
    informe = _informe(args, muestra, medidas, comparacion, busqueda, ajena)
    print(informe)
    with args.resultados.open("a", encoding="utf-8") as f:
        f.write("\n" + informe + "\n")
    return 0


def _solo_instantanea(args: argparse.Namespace) -> int:
    if args.almacen is not None and args.almacen.exists():
        r = instantanea_sin_bloqueo(args.almacen)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-inst-") as tmp:
            carpeta = Path(tmp) if args.almacen is None else args.almacen.parent
            ruta = carpeta / "almacen" if args.almacen is None else args.almacen
            a = AlmacenOxigraph(ruta)
            arranque.iniciar(a)
            poblar(a, Escala.para_tripletas(args.tripletas), semilla=7, carpeta=carpeta)
            a.cerrar()
            r = instantanea_sin_bloqueo(ruta)
    informe = (
        f"### Instantánea pública sin bloqueo ({datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} CPU)\n\n"
        f"Almacén de {r['tripletas']:,.0f} tripletas. Primera instantánea (arranque, se espera): "
        f"{r['primera_s']:.1f} s. Reconstrucción forzada en segundo plano: {r['reconstruccion_s']:.1f} s, "
        f"durante la cual {r['consultas_durante']:.0f} consultas respondieron con la instantánea anterior "
        f"(p50 {r['latencia_p50_ms']:.1f} ms, máx. {r['latencia_max_ms']:.1f} ms). Antes, cada consulta "
        "que llegaba durante la reconstrucción esperaba la reconstrucción entera."
    )
    print(informe)
    with args.resultados.open("a", encoding="utf-8") as f:
        f.write("\n" + informe + "\n")
    return 0


def _mezcla_de(
    consultas: dict[str, str], normas: list[str]
) -> Callable[[random.Random], tuple[str, str, dict, object]]:
    def generar(rnd: random.Random) -> tuple[str, str, dict, object]:
        consulta = next(iter(consultas.values())).replace("NORMA", rnd.choice(normas))
        return (
            "POST",
            "/sparql",
            {
                "Accept": "application/sparql-results+json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            {"query": consulta},
        )

    return generar


def _razon(nuestra: Medida, ajena: Medida) -> str:
    """Razón de rendimiento; si el otro servidor no completó nada, se dice en vez de dividir por cero."""
    completadas = ajena.peticiones - ajena.errores
    if completadas <= 0:
        return f"∞ (rdflib-endpoint no completó ninguna en {ajena.segundos:.0f} s)"
    return f"{nuestra.por_segundo / (completadas / ajena.segundos):.1f}×"


def _informe(args, muestra, medidas, comparacion, busqueda, ajena) -> str:
    resumen = muestra["resumen"]
    lineas = [
        f"## API HTTP (benchmarks/api.py) — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Máquina: {platform.machine()}, {os.cpu_count()} núcleos, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}. Orden: `python benchmarks/api.py "
        f"--tripletas {args.tripletas} "
        f"--clientes {args.clientes} --segundos {args.segundos:g}`.",
        f"Datos: piloto + sintético ({resumen.tripletas:,} tripletas, {len(muestra['programas']):,} "
        f"programas, {len(muestra['normas']):,} estándares); almacén Oxigraph en disco; servidor "
        "`registro servir` (uvicorn, "
        f"1 proceso, 2 trabajadores SPARQL) en 127.0.0.1; {args.clientes} clientes concurrentes con conexión "
        "persistente.",
        "",
        "| carga | peticiones | errores | p50 (ms) | p99 (ms) | pet/s |",
        "|---|---|---|---|---|---|",
        *[m.linea() for m in medidas],
    ]
    if ajena is not None:
        nuestra = next(m for m in medidas if m.nombre.startswith("/sparql mezcla (registro)"))
        lineas += [
            "",
            f"/sparql, mezcla fija: registro {nuestra.por_segundo:.1f} pet/s frente a rdflib-endpoint "
            f"{ajena.por_segundo:.1f} pet/s ({ajena.peticiones} respuestas, {ajena.errores} errores o sin "
            f"respuesta en 60 s) → **{_razon(nuestra, ajena)}**.",
            "",
            "| consulta | registro pet/s (p50 ms) | rdflib-endpoint pet/s (p50 ms) | razón |",
            "|---|---|---|---|",
        ]
        for nombre, a1, a2 in comparacion:
            lineas.append(
                f"| {nombre} | {a1.por_segundo:.1f} ({a1.p50_ms:.1f}) | "
                f"{a2.por_segundo:.1f} ({a2.p50_ms:.1f}) | {_razon(a1, a2)} |"
            )
    lineas += [
        "",
        f"Búsqueda sin tildes en proceso (`/api/programas?q=sintetico`, {busqueda['resultados']} "
        f"resultados): REPLACE en SPARQL {busqueda['sparql_ms']:.1f} ms; etiquetas + filtro en Python "
        f"{busqueda['python_ms']:.1f} ms. Construir la instantánea pública de los trabajadores (en segundo "
        f"plano tras una escritura; mientras tanto responde la anterior): {busqueda['instantanea_s']:.1f} s.",
    ]
    return "\n".join(lineas)


if __name__ == "__main__":
    sys.exit(main())
