"""¿Cuesta lo mismo validar un envío con un registro lleno que con uno vacío?

Mide ``ingesta.validar_contenido`` (análisis + reglas de propiedad + SHACL con la porción de contexto)
de un programa de ≈ 5 000 tripletas en tres situaciones, en el mismo proceso:

1. **vacío**: almacén en disco con ontología + referencia + el único estándar al que el programa
   apunta (así el envío es conforme en los dos casos y se compara el mismo trabajo);
2. **lleno**: el mismo almacén más el registro sintético de ``generador.py`` (≥ 1 millón de
   tripletas en miles de grafos vigentes);
3. **ingenuo**: pyshacl sobre *todo* el registro cargado en memoria con rdflib, más el envío (lo que
   se haría sin porción de contexto).

Imprime las medianas y las razones lleno/vacío (objetivo ≤ 1,5) e ingenuo/lleno, y añade una sección
a ``benchmarks/RESULTADOS.md``. No forma parte de pytest: ``python benchmarks/validacion.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shlex
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

import pyoxigraph as ox  # noqa: E402
from rdflib import Graph  # noqa: E402

from benchmarks.generador import Escala, poblar, programa_turtle  # noqa: E402
from registro import analisis, arranque, ingesta, propiedad, validacion  # noqa: E402
from registro.almacen.oxigraph import AlmacenOxigraph  # noqa: E402

RESULTADOS = Path(__file__).resolve().parent / "RESULTADOS.md"
CABECERA = (
    "# Resultados de los benchmarks\n\n"
    "Cada benchmark de `benchmarks/` añade aquí su propia sección con fecha, máquina, orden y cifras.\n"
    "Las cifras son razones frente a una línea base medida en el mismo proceso; los tiempos absolutos\n"
    "dependen de la máquina.\n"
)
INSTITUCION = "iest-piloto"


def _medir(funcion, repeticiones: int) -> list[float]:
    tiempos = []
    for _ in range(repeticiones):
        inicio = time.perf_counter()
        funcion()
        tiempos.append(time.perf_counter() - inicio)
    return tiempos


def _memoria_total_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):  # pragma: no cover - sistemas sin sysconf
        return float("nan")


def _rss_max_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _registro_en_memoria(almacen: AlmacenOxigraph) -> Graph:
    """Todas las tripletas del almacén (todos los grafos) en un solo ``rdflib.Graph``."""
    res = almacen.store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    datos = res.serialize(format=ox.RdfFormat.N_TRIPLES)
    g = Graph()
    g.parse(data=datos, format="nt")
    return g


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tripletas", type=int, default=0,
                        help="tamaño del registro sintético (por defecto, la escala estándar: 1,14 M)")
    parser.add_argument("--repeticiones", type=int, default=5)
    parser.add_argument("--semilla", type=int, default=7)
    parser.add_argument("--sin-ingenuo", action="store_true", help="omite pyshacl sobre todo el registro")
    parser.add_argument("--sin-anotar", action="store_true", help="no escribe en RESULTADOS.md")
    args = parser.parse_args(argv)
    escala = Escala.para_tripletas(args.tripletas) if args.tripletas else Escala()

    with tempfile.TemporaryDirectory(prefix="bench-validacion-") as tmp:
        # --- almacenes ------------------------------------------------------------------------------
        vacio = AlmacenOxigraph(Path(tmp) / "vacio")
        arranque.iniciar(vacio, con_piloto=False)
        # El mismo estándar SYN-00000 (mismo generador y semilla) para que el envío sea conforme.
        poblar(vacio, Escala(estandares=1, programas=0, instituciones=0), args.semilla, Path(tmp))
        lleno = AlmacenOxigraph(Path(tmp) / "lleno")
        arranque.iniciar(lleno, con_piloto=False)
        base_lleno = sum(lleno.conteos().values())
        print(f"Generando y cargando el registro sintético ({escala.tripletas_estimadas():,} cuádruplas)…")
        resumen = poblar(lleno, escala, args.semilla, Path(tmp))
        total_lleno = base_lleno + resumen.tripletas
        print(f"  {resumen.tripletas:,} cuádruplas en {resumen.grafos:,} grafos, {resumen.segundos:.1f} s")
        total_vacio = sum(vacio.conteos().values())

        unidades = tuple(f"{resumen.estandares[0]}/uc/{u}" for u in range(1, escala.unidades + 1))
        envio = programa_turtle(INSTITUCION, "BENCH-01", unidades=unidades)
        tripletas_envio = len(analisis.analizar(envio, formato="turtle", limite=len(envio)))

        def validar(almacen: AlmacenOxigraph):
            return ingesta.validar_contenido(
                almacen, envio, formato="turtle", nombre="programa-BENCH-01.ttl", institucion=INSTITUCION,
                limite=len(envio),
            )

        # --- calentamiento y verificación -------------------------------------------------------------
        for nombre, almacen in (("vacío", vacio), ("lleno", lleno)):
            informe = validar(almacen)
            if not informe.conforme:
                print(informe.texto()[:3000])
                raise SystemExit(f"El envío de referencia no es conforme contra el registro {nombre}")

        # --- medición alternada (la carga de la máquina afecta por igual a los dos casos) ----------------
        t_vacio: list[float] = []
        t_lleno: list[float] = []
        for _ in range(args.repeticiones):
            t_vacio += _medir(lambda: validar(vacio), 1)
            t_lleno += _medir(lambda: validar(lleno), 1)
        m_vacio, m_lleno = statistics.median(t_vacio), statistics.median(t_lleno)
        razon = m_lleno / m_vacio

        # --- desglose por etapa: dónde depende el coste del tamaño del registro -------------------------
        grafo_envio = analisis.analizar(envio, formato="turtle", limite=len(envio))
        contexto = validacion.contexto_de(lleno, grafo_envio)
        contextos = {id(a): validacion.contexto_de(a, grafo_envio) for a in (vacio, lleno)}

        def pasos(a: AlmacenOxigraph) -> dict:
            return {
                "análisis (pyoxigraph → rdflib)": lambda: analisis.analizar(
                    envio, formato="turtle", limite=len(envio)
                ),
                "contexto_de (porción)": lambda: validacion.contexto_de(a, grafo_envio),
                "reglas de propiedad": lambda: propiedad.comprobar(a, grafo_envio, INSTITUCION),
                "SHACL (pyshacl, envío + contexto)": lambda: validacion.validar(
                    grafo_envio, contextos[id(a)]
                ),
            }

        muestras: dict[str, dict[str, list[float]]] = {"vacío": {}, "lleno": {}}
        for _ in range(args.repeticiones):  # también alternado, etapa por etapa
            for nombre, almacen in (("vacío", vacio), ("lleno", lleno)):
                for paso, funcion in pasos(almacen).items():
                    muestras[nombre].setdefault(paso, []).extend(_medir(funcion, 1))
        etapas = {n: {paso: statistics.median(t) for paso, t in m.items()} for n, m in muestras.items()}

        # --- ingenuo --------------------------------------------------------------------------------
        t_carga_ingenuo = t_ingenuo = None
        if not args.sin_ingenuo:
            print("Ingenuo: cargando todo el registro en rdflib…")
            inicio = time.perf_counter()
            todo = _registro_en_memoria(lleno)
            todo += grafo_envio
            t_carga_ingenuo = time.perf_counter() - inicio
            print(f"  {len(todo):,} tripletas en {t_carga_ingenuo:.1f} s; validando con pyshacl…")
            inicio = time.perf_counter()
            validacion.validar(todo)
            t_ingenuo = time.perf_counter() - inicio
        rss = _rss_max_mib()
        vacio.cerrar()
        lleno.cerrar()

    # --- informe ----------------------------------------------------------------------------------------
    lineas = [
        f"Envío: programa de {tripletas_envio:,} tripletas ({INSTITUCION}); "
        f"{args.repeticiones} repeticiones alternadas; porción de contexto: {len(contexto):,} tripletas.",
        "",
        "| caso | tripletas en el almacén | mediana (s) | mín–máx (s) | razón |",
        "|---|---:|---:|---:|---:|",
        f"| vacío (ontología + referencia + el estándar citado) | {total_vacio:,} | {m_vacio:.3f} | "
        f"{min(t_vacio):.3f}–{max(t_vacio):.3f} | 1.00 |",
        f"| lleno (sintético) | {total_lleno:,} | {m_lleno:.3f} | {min(t_lleno):.3f}–{max(t_lleno):.3f} | "
        f"{razon:.2f} |",
    ]
    if t_ingenuo is not None:
        assert t_carga_ingenuo is not None
        lineas.append(
            f"| ingenuo: pyshacl sobre todo el registro en memoria | {total_lleno:,} | {t_ingenuo:.1f} "
            f"(+ {t_carga_ingenuo:.1f} de carga) | — | {t_ingenuo / m_lleno:.0f} × lleno |"
        )
    lineas += [
        "",
        f"Razón lleno/vacío = **{razon:.2f}** (objetivo ≤ 1,5: {'cumple' if razon <= 1.5 else 'NO cumple'}).",
    ]
    if t_ingenuo is not None:
        lineas.append(f"Ingenuo/lleno = **{t_ingenuo / m_lleno:.0f}×** (sin contar la carga en memoria).")
    lineas.append(f"RSS máximo del proceso: {rss:,.0f} MiB.")
    lineas += [
        "",
        "Desglose (medianas, s):",
        "",
        "| etapa | vacío | lleno | razón |",
        "|---|---:|---:|---:|",
    ]
    for paso in etapas["vacío"]:
        a, b = etapas["vacío"][paso], etapas["lleno"][paso]
        lineas.append(f"| {paso} | {a:.3f} | {b:.3f} | {b / a:.2f} |")
    cuerpo = "\n".join(lineas)
    print()
    print(cuerpo)

    if not args.sin_anotar:
        argumentos = sys.argv[1:] if argv is None else argv
        orden = shlex.join(["python", "benchmarks/validacion.py", *argumentos])
        maquina = (
            f"{platform.machine()}, nproc {len(os.sched_getaffinity(0))}, "
            f"memoria {_memoria_total_gib():.1f} GiB; "
            f"Python {platform.python_version()}, pyoxigraph {version('pyoxigraph')}, "
            f"pyshacl {version('pyshacl')}, rdflib {version('rdflib')}"
        )
        seccion = (
            f"\n## Validación de envíos con el registro lleno (benchmarks/validacion.py) — "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
            f"- Máquina: {maquina}\n- Orden: `{orden}`\n"
            f"- Registro sintético: {resumen.tripletas:,} cuádruplas en {resumen.grafos:,} grafos vigentes "
            f"(semilla {args.semilla}), generado y cargado en {resumen.segundos:.1f} s\n\n{cuerpo}\n"
        )
        if not RESULTADOS.exists():
            RESULTADOS.write_text(CABECERA, encoding="utf-8")
        with RESULTADOS.open("a", encoding="utf-8") as destino:
            destino.write(seccion)
        print(f"\nAnotado en {RESULTADOS.relative_to(RAIZ)}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
