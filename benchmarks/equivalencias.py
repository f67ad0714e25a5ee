"""Benchmark del motor de equivalencias: Oxigraph embebido frente a rdflib en memoria, mismo proceso.

Qué mide (``registro.equivalencias``, las mismas funciones que usan la CLI y la API):

1. una decisión de convalidación (``convalidar``, sin guardar): p50 sobre ≥ 20 decisiones distintas;
2. un programa frente a todas las normas (``resumen_programa``);
3. la matriz resumen completa (``resumen_global``: cada par programa × norma con correspondencias).

Datos: ``benchmarks/generador.py`` (escala nacional por defecto: 1.000 estándares × 4 unidades × 10
criterios = 40.000 criterios; 2.000 programas × 6 módulos × 2 UD × 4 indicadores ≈ 96.000
indicadores; 100 correspondencias por matriz = 200.000), más certificados sintéticos (todas las
unidades del estándar de la matriz de un programa) en ``grafo:privado/certificados``.

La línea base es un ``Almacen`` mínimo sobre un ``rdflib.Dataset`` en memoria (motor SPARQL de
rdflib, misma consulta, mismas sustituciones). rdflib tarda minutos a escala nacional, así que se
mide en un subconjunto documentado (``--escala-rdflib``, por defecto 1/20) con los DOS motores sobre
los mismos datos, y se informa el cociente; la escala nacional se mide solo con Oxigraph. Cada
medición de rdflib tiene un tope de tiempo (``--tope-rdflib``): si se supera, se informa «> tope».

Cómo recibe rdflib los parámetros (``AlmacenRdflib``): igual que los demás backends —los escalares
en el ``VALUES`` de una fila que ``Almacen.consultar`` inserta al principio del ``WHERE``
(``inyectar_valores``) y las listas en los ``VALUES ?x { … }`` que rellena el catálogo—, que rdflib
evalúa bien. Lo que rdflib 7.6 no evalúa es un bloque ``VALUES`` SIN filas (una lista vacía, p. ej.
``unidades`` = C vacío en ``convalidacion-por-unidad``): falla en ``evalMultiset`` («'list' object
has no attribute 'name'»). Solo esa forma se reescribe, a ``FILTER(1 = 0)``, que deja vacío su grupo
igual que un VALUES sin filas (no ``FILTER(false)``: rdflib 7.6 no lo aplica). No se usa
``initBindings``: en rdflib no alcanza las subconsultas igual que un VALUES y cambiaría resultados.
Las consultas del catálogo y las funciones medidas son las mismas en los dos motores (la
comprobación: con los datos del piloto, rdflib y Oxigraph dan el mismo resumen y la misma decisión).

Uso::

    python benchmarks/equivalencias.py                 # escala nacional + subconjunto con rdflib
    python benchmarks/equivalencias.py --rapido        # escala 1/50, para probar el script
    python benchmarks/equivalencias.py --anotar        # además añade las cifras a RESULTADOS.md

No forma parte de pytest.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import re

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from benchmarks.generador import Escala, escribir_nquads
from registro import arranque, versiones
from registro import equivalencias as eq
from registro.almacen.base import Almacen, ResultadoConsulta, VistaGrafos
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.vocabulario import GRAFO_CERTIFICADOS, GRAFO_VIGENTE_PUBLICO

NACIONAL = Escala(
    estandares=1_000,
    unidades=4,
    criterios=10,
    instituciones=100,
    programas=2_000,
    modulos=6,
    uds=2,
    indicadores=4,
    correspondencias=100,
    mapeos=2_000,
)
HOY = date(2026, 11, 1)
ERROR = -1.0
"""Duración que marca una medición que falló (p. ej. rdflib 7.6 no evalúa VALUES anidados)."""


# --- línea base rdflib ---------------------------------------------------------------------------------
_VALUES_SIN_FILAS = re.compile(r"VALUES\s*(?:\?\w+|\((?:\s*\?\w+)*\s*\))\s*\{\s*\}")
"""Un ``VALUES ?x { }`` o ``VALUES (?a ?b) { }`` sin filas: rdflib 7.6 falla al evaluarlo."""


class AlmacenRdflib(Almacen):
    """Almacén ingenuo: un ``rdflib.Dataset`` en memoria con el grafo por defecto = unión de todos."""

    def __init__(self, ds: Dataset) -> None:
        super().__init__()
        self.ds = ds

    def _ejecutar(
        self, sparql: str, enlaces: Mapping[str, Node] | None, grafos: VistaGrafos | None
    ) -> ResultadoConsulta:
        sparql = _VALUES_SIN_FILAS.sub(" FILTER(1 = 0) ", sparql)
        res = self.ds.query(sparql, initBindings=dict(enlaces or {}))
        if res.type == "ASK":
            return ResultadoConsulta(tipo="booleano", booleano=bool(res.askAnswer))
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            g = Graph()
            for t in res:
                g.add(t)  # type: ignore[arg-type]
            return ResultadoConsulta(tipo="grafo", grafo=g)
        variables = tuple(str(v) for v in res.vars or ())
        filas = tuple({k: v for k, v in zip(variables, fila, strict=True) if v is not None} for fila in res)
        return ResultadoConsulta(tipo="filas", variables=variables, filas=filas)

    def grafos_de(self, vista):  # type: ignore[no-untyped-def]
        return None

    def _ejecutar_serializado(self, sparql, formato, grafos):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    def _actualizar(self, sparql_update: str) -> None:
        self.ds.update(sparql_update)

    def cargar(self, origen, formato, grafo=None, progreso=None):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    def volcar(self, destino, formato="nquads"):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    def conteos(self) -> dict[str, int]:
        return {}


# --- preparación ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Datos:
    nquads: Path
    tripletas: int
    grafos: int
    certificados: tuple[tuple[str, str], ...]
    """(IRI del certificado, IRI del programa) para las decisiones."""


def preparar(carpeta: Path, escala: Escala, n_cert: int) -> Datos:
    """Escribe N-Quads: registro sintético (un grafo por envío, como la ingesta) + certificados."""
    ruta = carpeta / "datos.nq"
    with ruta.open("w", encoding="utf-8") as salida:
        resumen = escribir_nquads(salida, escala, semilla=7, con_union=True)
    grafos = resumen.grafos
    # Certificados: para n programas, todas las unidades del estándar de su matriz (leídas del N-Quads).
    matrices: list[tuple[str, str]] = []
    unidades: dict[str, list[str]] = {}
    with ruta.open(encoding="utf-8") as f:
        est_de: dict[str, str] = {}
        prog_de: dict[str, str] = {}
        for linea in f:
            if "#tieneUnidad>" in linea:
                s, _p, o = linea.split(" ", 3)[:3]
                unidades.setdefault(s[1:-1], []).append(o[1:-1])
            elif "#estandar>" in linea:
                s, _p, o = linea.split(" ", 3)[:3]
                est_de[s] = o[1:-1]
            elif "#programa>" in linea and "/matriz/" in linea.split(" ", 1)[0]:
                s, _p, o = linea.split(" ", 3)[:3]
                prog_de[s] = o[1:-1]
        for m, e in est_de.items():
            if m in prog_de:
                matrices.append((e, prog_de[m]))
    paso = max(1, len(matrices) // n_cert)
    elegidos = matrices[::paso][:n_cert]
    certs = []
    g = GRAFO_CERTIFICADOS
    reg = "https://w3id.org/registro/ontologia#"
    with ruta.open("a", encoding="utf-8") as salida:
        for n, (est, prog) in enumerate(elegidos):
            c = f"https://w3id.org/registro/id/inst/cert-sint/certificado/CS-{n:05d}"
            salida.write(
                f"<{c}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{reg}Certificado> <{g}> .\n"
            )
            salida.write(f'<{c}> <{reg}codigo> "CS-{n:05d}" <{g}> .\n')
            salida.write(f"<{c}> <{reg}norma> <{est}> <{g}> .\n")
            for u in unidades[est][:3]:
                salida.write(f"<{c}> <{reg}certificaUnidad> <{u}> <{g}> .\n")
            certs.append((c, prog))
    return Datos(ruta, resumen.tripletas, grafos, tuple(certs))


def almacen_oxigraph(carpeta: Path, datos: Datos) -> AlmacenOxigraph:
    import pyoxigraph as ox

    a = AlmacenOxigraph(carpeta / "oxigraph")
    arranque.iniciar(a, con_piloto=False)
    # El N-Quads ya trae la unión pública de versiones vigentes (``escribir_nquads(con_union=True)``),
    # como la dejaría ``versiones.publicar``: no hace falta ``versiones.reconstruir_uniones``, que a
    # escala nacional ocupaba casi toda la carga (1.048 s en la primera medición).
    a.store.bulk_load(path=str(datos.nquads), format=ox.RdfFormat.N_QUADS, lenient=True)
    a.actualizar(versiones.registrar_grafo_fijo(GRAFO_CERTIFICADOS, publico=False))
    if not os.environ.get("REGISTRO_BENCH_SIN_OPTIMIZAR"):
        # Como ``registro cargar``: compactar tras la carga masiva (si no, RocksDB compacta en segundo
        # plano mientras se mide y las primeras consultas pagan esa compactación).
        inicio = time.perf_counter()
        a.optimizar()
        print(f"  almacén compactado en {time.perf_counter() - inicio:.1f} s", flush=True)
    a.invalidar_vista()
    return a


def almacen_rdflib(datos: Datos, ox_almacen: AlmacenOxigraph) -> AlmacenRdflib:
    """Mismos datos en rdflib (más ontología y referencia copiadas del almacén Oxigraph)."""
    ds = Dataset(default_union=True)
    # Sin las copias de la unión de versiones vigentes: rdflib ya une todos los grafos.
    union = f"<{GRAFO_VIGENTE_PUBLICO}> .\n".encode()
    with datos.nquads.open("rb") as f:
        texto = b"".join(linea for linea in f if not linea.endswith(union))
    ds.parse(data=texto, format="nquads")
    for g in ("https://w3id.org/registro/grafo/ontologia", "https://w3id.org/registro/grafo/referencia"):
        destino = ds.graph(URIRef(g))
        for t in ox_almacen.grafo(URIRef(g)):
            destino.add(t)
    return AlmacenRdflib(ds)


# --- mediciones ------------------------------------------------------------------------------------------
def cronometrar(funcion: Callable[[], object], tope: float | None = None) -> float:
    """Segundos de una ejecución; con ``tope``, ``inf`` si tarda más (el hilo se abandona)."""
    if tope is None:
        t0 = time.perf_counter()
        funcion()
        return time.perf_counter() - t0
    resultado: list[float] = []

    def correr() -> None:
        t0 = time.perf_counter()
        try:
            funcion()
        except Exception as exc:
            print(f"  (error en la medición: {type(exc).__name__}: {exc})", flush=True)
            resultado.append(ERROR)
            return
        resultado.append(time.perf_counter() - t0)

    hilo = threading.Thread(target=correr, daemon=True)
    hilo.start()
    hilo.join(tope)
    return resultado[0] if resultado else float("inf")


@dataclass(frozen=True)
class Cifras:
    decision_p50: float
    decision_n: int
    programa: float
    global_: float
    filas_global: int


def medir(
    a: Almacen,
    datos: Datos,
    n_decisiones: int,
    tope: float | None = None,
    *,
    sin_resumenes: bool = False,
    tope_resumenes: float | None = None,
    informar: Callable[[str], None] | None = None,
) -> Cifras:
    """p50 de ``n_decisiones`` convalidaciones distintas, un programa frente a todo y el resumen global.

    ``tope_resumenes`` acota el programa y el resumen (si no, ``tope``); ``informar`` recibe el p50 de
    las decisiones en cuanto se conoce (los resúmenes pueden tardar mucho más).
    """
    certs = datos.certificados[:n_decisiones]
    if tope is None:  # calentamiento (con tope, la primera medición ya avisa si es inviable)
        eq.convalidar(a, certificados=[certs[0][0]], programa=certs[0][1], guardar=False, hoy=HOY)
    tiempos = []
    for c, p in certs:
        t = cronometrar(
            lambda c=c, p=p: eq.convalidar(a, certificados=[c], programa=p, guardar=False, hoy=HOY), tope
        )
        tiempos.append(t)
        if t == float("inf") or t == ERROR:
            break
    if informar is not None:
        informar(
            f"  decisiones: p50 {_ms(statistics.median(tiempos))}, mín {_ms(min(tiempos))}, "
            f"máx {_ms(max(tiempos))} (n={len(tiempos)})."
        )
    if sin_resumenes:
        return Cifras(statistics.median(tiempos), len(tiempos), float("nan"), float("nan"), 0)
    prog = certs[0][1]
    tope_r = tope_resumenes if tope_resumenes is not None else tope
    t_prog = cronometrar(lambda: eq.resumen_programa(a, prog), tope_r)
    filas: list[int] = []
    t_glob = cronometrar(lambda: filas.append(len(eq.resumen_global(a))), tope_r)
    return Cifras(statistics.median(tiempos), len(tiempos), t_prog, t_glob, filas[0] if filas else -1)


def _ms(s: float) -> str:
    if s == ERROR:
        return "error"
    return "> tope" if s == float("inf") else (f"{s * 1000:.1f} ms" if s < 10 else f"{s:.1f} s")


def _cociente(base: float, rapido: float) -> str:
    if base == ERROR or rapido == ERROR:
        return "sin cociente (error)"
    if base == float("inf"):
        return "> (tope / oxigraph)"
    return f"{base / rapido:.0f}×"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rapido", action="store_true", help="Escala 1/50 (prueba del script).")
    p.add_argument(
        "--escala-rdflib", type=int, default=20, help="Divisor de la escala del subconjunto con rdflib."
    )
    p.add_argument("--decisiones", type=int, default=25, help="Decisiones distintas para el p50 (≥ 20).")
    p.add_argument(
        "--tope-rdflib", type=float, default=600.0, help="Segundos máximos por medición de rdflib."
    )
    p.add_argument(
        "--tope",
        type=float,
        default=None,
        help="Segundos máximos por medición de Oxigraph (programa y resumen); por defecto, sin tope.",
    )
    p.add_argument("--sin-rdflib", action="store_true")
    p.add_argument("--anotar", action="store_true", help="Añade las cifras a benchmarks/RESULTADOS.md.")
    args = p.parse_args(argv)
    grande = NACIONAL if not args.rapido else _dividir(NACIONAL, 50)
    divisor = args.escala_rdflib if not args.rapido else 200
    pequena = _dividir(NACIONAL, divisor)
    lineas: list[str] = []

    def informar(texto: str) -> None:
        print(texto, flush=True)
        lineas.append(texto)

    with tempfile.TemporaryDirectory(prefix="bench-eq-") as tmp:
        carpeta = Path(tmp)
        # 1) Escala grande: solo Oxigraph embebido.
        (carpeta / "g").mkdir()
        t0 = time.perf_counter()
        datos = preparar(carpeta / "g", grande, args.decisiones)
        a = almacen_oxigraph(carpeta / "g", datos)
        informar(
            f"Escala grande: {datos.tripletas:,} tripletas sintéticas ({_correspondencias(grande):,} "
            f"correspondencias) en {datos.grafos:,} grafos de versión; generado y cargado en "
            f"{time.perf_counter() - t0:.0f} s."
        )
        c = medir(a, datos, args.decisiones, tope_resumenes=args.tope, informar=informar)
        informar(
            f"  Oxigraph embebido: decisión p50 {_ms(c.decision_p50)} (n={c.decision_n}); programa frente a "
            f"todas las normas {_ms(c.programa)}; matriz resumen completa {_ms(c.global_)} "
            f"({c.filas_global:,} pares)."
        )
        a.cerrar()
        if not args.sin_rdflib:
            # 2) Subconjunto, mismos datos, mismo proceso: Oxigraph frente a rdflib.
            (carpeta / "p").mkdir()
            datos_p = preparar(carpeta / "p", pequena, args.decisiones)
            a_ox = almacen_oxigraph(carpeta / "p", datos_p)
            t0 = time.perf_counter()
            a_rd = almacen_rdflib(datos_p, a_ox)
            carga_rd = time.perf_counter() - t0
            informar(
                f"Subconjunto 1/{divisor}: {datos_p.tripletas:,} tripletas (rdflib tardó {carga_rd:.0f} s en "
                "cargarlo)."
            )
            ox_c = medir(a_ox, datos_p, args.decisiones, tope_resumenes=args.tope)
            rd_c = medir(a_rd, datos_p, min(args.decisiones, 20), tope=args.tope_rdflib)
            informar(
                f"  Oxigraph: decisión p50 {_ms(ox_c.decision_p50)}; programa {_ms(ox_c.programa)}; "
                f"resumen completo {_ms(ox_c.global_)} ({ox_c.filas_global} pares)."
            )
            informar(
                f"  rdflib:   decisión p50 {_ms(rd_c.decision_p50)} (n={rd_c.decision_n}); programa "
                f"{_ms(rd_c.programa)}; resumen completo {_ms(rd_c.global_)} ({rd_c.filas_global} pares)."
            )
            informar(
                f"  Cocientes rdflib / Oxigraph: decisión {_cociente(rd_c.decision_p50, ox_c.decision_p50)}, "
                f"programa {_cociente(rd_c.programa, ox_c.programa)}, resumen completo "
                f"{_cociente(rd_c.global_, ox_c.global_)}."
            )
            a_ox.cerrar()
    if args.anotar:
        anotar(lineas, argv if argv is not None else sys.argv[1:])
    return 0


def _dividir(e: Escala, divisor: int) -> Escala:
    return replace(
        e,
        estandares=max(5, e.estandares // divisor),
        programas=max(10, e.programas // divisor),
        instituciones=max(2, e.instituciones // divisor),
    )


def _correspondencias(e: Escala) -> int:
    return e.programas * e.correspondencias


def anotar(lineas: list[str], argv: list[str]) -> None:
    ruta = Path(__file__).resolve().parent / "RESULTADOS.md"
    cabecera = "" if ruta.is_file() else "# Resultados de los benchmarks\n"
    maquina = (
        f"{platform.machine()}, {os.cpu_count()} núcleos, "
        f"Python {platform.python_version()}, {platform.system()}"
    )
    texto = [
        cabecera,
        f"\n## Motor de equivalencias ({date.today().isoformat()})\n",
        f"- Máquina: {maquina}.",
        f"- Orden: `python benchmarks/equivalencias.py {' '.join(argv)}`".rstrip() + "",
        *[f"- {linea.strip()}" for linea in lineas],
        "",
    ]
    with ruta.open("a", encoding="utf-8") as f:
        f.write("\n".join(texto))


if __name__ == "__main__":
    raise SystemExit(main())
