"""Benchmark de backends de almacén: Oxigraph embebido vs servidor Oxigraph vs Virtuoso.

Con el registro sintético de ``benchmarks/generador.py`` escalado (≥ 10 millones de tripletas por
defecto) mide, en una sola ejecución y para cada backend:

* la carga masiva (``Almacen.cargar`` del archivo N-Quads: validación + vía rápida del backend) en
  tripletas por segundo;
* tres consultas de equivalencias sobre la vista vigente pública: la cobertura de todos los pares
  programa–norma (GROUP BY sobre todas las correspondencias), la cobertura de un programa y una
  búsqueda de un recurso por código.

Las cifras se dan como razones frente al embebido medido en el mismo proceso, y se comprueba que los
tres backends devuelven exactamente las mismas filas. Los servidores se arrancan en 127.0.0.1 con los
ayudantes de ``tests/servidores.py`` y se detienen al terminar.

Uso: ``python benchmarks/almacenes.py --tripletas 10000000 [--backends embebido,oxigraph,virtuoso]
[--anotar]`` (``--anotar`` añade la sección a ``benchmarks/RESULTADOS.md``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

from rdflib import Literal, URIRef  # noqa: E402

from benchmarks._tabla import tabla_backends  # noqa: E402
from benchmarks.generador import Escala, escribir_nquads  # noqa: E402
from registro.almacen.base import Almacen, ResultadoConsulta, Vista  # noqa: E402
from registro.almacen.oxigraph import AlmacenOxigraph  # noqa: E402
from registro.almacen.remoto import AlmacenRemoto  # noqa: E402

REG = "https://w3id.org/registro/ontologia#"
APROBADA = "https://w3id.org/registro/id/estado/aprobada"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"

# Las consultas nombran sus grafos (``GRAPH ?g``) y corren sin vista (``Vista.TODO``): la vista
# pública se apoya en las uniones materializadas de ``versiones.reconstruir_uniones``, cuya
# reconstrucción (INSERT … WHERE sobre todo el registro) no es viable a 10 M tripletas en esta
# máquina (57 s ya con 200.000 en el embebido en disco). Así se compara lo mismo en los tres.
COBERTURA_TOTAL = f"""
PREFIX reg: <{REG}>
SELECT ?programa ?estandar (COUNT(?criterio) AS ?cubiertos) (SUM(?maximo) AS ?suma) WHERE {{
  {{ SELECT ?programa ?estandar ?criterio (MAX(?valor) AS ?maximo) WHERE {{
      GRAPH ?gm {{ ?matriz reg:programa ?programa ; reg:estandar ?estandar .
                  ?c reg:enMatriz ?matriz ; reg:criterio ?criterio ; reg:estado <{APROBADA}> ;
                     reg:valoracion ?v . }}
      GRAPH ?gv {{ ?v reg:valor ?valor }}
    }} GROUP BY ?programa ?estandar ?criterio }}
}} GROUP BY ?programa ?estandar
"""

COBERTURA_PROGRAMA = f"""
PREFIX reg: <{REG}>
SELECT ?estandar ?criterio (MAX(?valor) AS ?maximo) WHERE {{
  GRAPH ?gm {{ ?matriz reg:programa ?programa ; reg:estandar ?estandar .
              ?c reg:enMatriz ?matriz ; reg:criterio ?criterio ; reg:estado <{APROBADA}> ;
                 reg:valoracion ?v . }}
  GRAPH ?gv {{ ?v reg:valor ?valor }}
}} GROUP BY ?estandar ?criterio
"""

BUSQUEDA = f"""
PREFIX reg: <{REG}>
SELECT ?recurso ?p ?o WHERE {{ GRAPH ?g {{ ?recurso reg:codigo ?codigo ; ?p ?o }} }}
"""

VALORES = "".join(
    f'<https://w3id.org/registro/id/valoracion/{n}> <{REG}valor> "{v}"^^<{XSD_DECIMAL}> '
    f"<https://w3id.org/registro/grafo/referencia> .\n"
    for n, v in (("total", "1.0"), ("parcial", "0.5"), ("nula", "0.0"))
)


def _medir(funcion: Callable[[], object], repeticiones: int) -> tuple[float, object]:
    tiempos, resultado = [], None
    for _ in range(repeticiones):
        inicio = time.perf_counter()
        resultado = funcion()
        tiempos.append(time.perf_counter() - inicio)
    return statistics.median(tiempos), resultado


def _filas(res: ResultadoConsulta) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted((k, v.n3()) for k, v in f.items())) for f in res.filas)


@contextmanager
def backend_abierto(backend: str, carpeta: Path) -> Iterator[Almacen]:
    """Almacén vacío del backend; al salir se cierra y se detiene el servidor que se arrancó."""
    if backend == "embebido":
        a: Almacen = AlmacenOxigraph(carpeta / "embebido")
        srv = None
    else:
        from tests.servidores import iniciar_oxigraph, iniciar_virtuoso

        if backend == "oxigraph":
            srv = iniciar_oxigraph(carpeta / "oxigraph")
        else:
            # ~2,7 GB de búferes (8 KiB cada uno): la guía de Virtuoso pide ~2/3 de la memoria libre
            # para el conjunto de trabajo; 10 M tripletas ocupan ~1 GB.
            srv = iniciar_virtuoso(carpeta / "virtuoso", buffers=340_000)
        a = AlmacenRemoto(srv.url, usuario=srv.usuario, clave=srv.clave, perfil=backend, lote_carga=200_000)
    try:
        yield a
    finally:
        a.cerrar()
        if srv is not None:
            srv.detener()


def medir_backend(
    backend: str, archivo: Path, tripletas: int, carpeta: Path, repeticiones: int, programa: str
) -> dict[str, object]:
    with backend_abierto(backend, carpeta) as a:
        inicio = time.perf_counter()
        a.cargar(archivo, "nquads")
        carga = time.perf_counter() - inicio
        print(f"  {backend}: carga {carga:.1f} s ({tripletas / carga:,.0f} tripletas/s)", file=sys.stderr)
        inicio = time.perf_counter()
        conteos = a.conteos()
        preparacion = time.perf_counter() - inicio
        print(f"  {backend}: {sum(conteos.values()):,} cuádruplas en {len(conteos):,} grafos "
              f"(conteo {preparacion:.1f} s)", file=sys.stderr)
        consultas = {
            "cobertura_total": lambda: a.consultar(COBERTURA_TOTAL, vista=Vista.TODO),
            "cobertura_programa": lambda: a.consultar(
                COBERTURA_PROGRAMA, {"programa": URIRef(programa)}, vista=Vista.TODO
            ),
            "busqueda": lambda: a.consultar(BUSQUEDA, {"codigo": Literal("PSYN-00042")}, vista=Vista.TODO),
        }
        salida: dict[str, object] = {
            "carga": carga, "preparacion": preparacion, "cuadruplas": sum(conteos.values())
        }
        for nombre, funcion in consultas.items():
            funcion()  # primera ejecución (cachés del servidor) fuera de la medida
            segundos, res = _medir(funcion, repeticiones)
            salida[nombre] = segundos
            salida[nombre + "_filas"] = _filas(res)  # type: ignore[arg-type]
            print(f"  {backend}: {nombre} {segundos * 1000:.1f} ms ({len(res.filas)} filas)", file=sys.stderr)
        return salida


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tripletas", type=int, default=10_000_000)
    parser.add_argument("--backends", default="embebido,oxigraph,virtuoso")
    parser.add_argument("--repeticiones", type=int, default=5)
    parser.add_argument("--carpeta", type=Path, default=None, help="carpeta de trabajo (temporal si no)")
    parser.add_argument("--anotar", action="store_true", help="añade la sección a benchmarks/RESULTADOS.md")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    with tempfile.TemporaryDirectory(dir=args.carpeta) as tmp:
        carpeta = Path(tmp)
        archivo = carpeta / "sintetico.nq"
        escala = Escala.para_tripletas(args.tripletas)
        with archivo.open("w", encoding="utf-8") as f:
            resumen = escribir_nquads(f, escala, semilla=7)
            f.write(VALORES)  # los valores de la escala (de grafo:referencia) que usan las coberturas
        print(f"Generadas {resumen.tripletas:,} cuádruplas en {resumen.grafos:,} grafos "
              f"({archivo.stat().st_size / 2**20:,.0f} MiB, {resumen.segundos:.1f} s)", file=sys.stderr)
        programa = "https://w3id.org/registro/id/inst/sint-001/programa/PSYN-00000"
        resultados: dict[str, dict[str, object]] = {}
        for b in backends:
            print(f"Backend {b}…", file=sys.stderr)
            try:
                resultados[b] = medir_backend(
                    b, archivo, resumen.tripletas, carpeta, args.repeticiones, programa
                )
            except Exception as exc:  # un backend que falla no impide medir los demás
                print(f"  {b}: FALLÓ: {exc}", file=sys.stderr)
                resultados[b] = {"error": str(exc)}
    informe = _informe(resultados, resumen.tripletas, resumen.grafos, args)
    print(informe)
    if args.anotar:
        with (RAIZ / "benchmarks" / "RESULTADOS.md").open("a", encoding="utf-8") as f:
            f.write("\n" + informe)
    return 0


def _informe(resultados: dict[str, dict[str, object]], tripletas: int, grafos: int, args) -> str:
    ahora = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lineas = [
        "## Backends de almacén: embebido vs servidor Oxigraph vs Virtuoso (benchmarks/almacenes.py) — "
        + ahora,
        "",
        f"- Máquina: {platform.machine()}, nproc {os.cpu_count()}, memoria {mem:.1f} GiB; Python "
        f"{platform.python_version()}; carga media al empezar {os.getloadavg()[0]:.1f} (máquina compartida).",
        f"- Orden: `python benchmarks/almacenes.py --tripletas {args.tripletas} --backends {args.backends} "
        f"--repeticiones {args.repeticiones}`",
        f"- Datos: registro sintético (`benchmarks/generador.py`, semilla 7): {tripletas:,} cuádruplas en "
        f"{grafos:,} grafos; consultas con `GRAPH ?g` sin vista (ver el código); mediana de "
        f"{args.repeticiones}.",
        "",
    ]
    medidas = [
        ("carga (tripletas/s)", "carga", lambda v: f"{tripletas / v:,.0f}"),
        ("conteo por grafo, conteos() (s)", "preparacion", lambda v: f"{v:.1f}"),
        ("cobertura de todos los pares (ms)", "cobertura_total", lambda v: f"{v * 1000:,.0f}"),
        ("cobertura de un programa (ms)", "cobertura_programa", lambda v: f"{v * 1000:,.1f}"),
        ("búsqueda por código (ms)", "busqueda", lambda v: f"{v * 1000:,.1f}"),
    ]
    lineas += tabla_backends(resultados, medidas)
    iguales = []
    for clave in ("cobertura_total_filas", "cobertura_programa_filas", "busqueda_filas"):
        valores = [r[clave] for r in resultados.values() if clave in r]
        igual = all(v == valores[0] for v in valores)
        iguales.append(f"{clave.removesuffix('_filas')}: " + ("iguales" if igual else "DIFERENTES"))
    lineas.append("Resultados entre backends — " + "; ".join(iguales) + ".")
    errores = [f"{b}: {r['error']}" for b, r in resultados.items() if "error" in r]
    if errores:
        lineas.append("Errores: " + "; ".join(errores))
    return "\n".join(lineas) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
