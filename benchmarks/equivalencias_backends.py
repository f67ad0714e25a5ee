"""Benchmark del motor de equivalencias en los tres backends: embebido, servidor Oxigraph y Virtuoso.

``benchmarks/almacenes.py`` compara la carga y tres consultas con ``GRAPH ?g``; este mide lo que usan la
CLI, la API y la web —``equivalencias.convalidar`` y ``equivalencias.resumen_programa`` sobre la vista
vigente— en cada backend, en una sola ejecución y con los mismos datos:

1. la carga (``Almacen.cargar`` del N-Quads, la vía masiva de cada backend) en tripletas por segundo;
2. una decisión de convalidación: p50 de ``--decisiones`` decisiones distintas, cada una por primera vez
   (tras una de calentamiento), como en ``benchmarks/equivalencias.py``;
3. un programa frente a todas las normas (``resumen_programa``).

Datos: los de ``benchmarks/equivalencias.py`` (``preparar``: registro sintético con la unión vigente ya
escrita y certificados), a la escala nacional dividida por ``--divisor`` (1 = nacional, 2,9 M tripletas;
Virtuoso carga ~5.000 tripletas/s, así que la escala nacional le lleva ~10 min). Se comprueba que los
tres backends dan las mismas decisiones (porcentajes exactos) y el mismo resumen.

Uso: ``python benchmarks/equivalencias_backends.py [--divisor 1] [--backends embebido,oxigraph,virtuoso]
[--anotar]``. No forma parte de pytest.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

from benchmarks._tabla import tabla_backends  # noqa: E402
from benchmarks.almacenes import backend_abierto  # noqa: E402
from benchmarks.equivalencias import HOY, NACIONAL, Datos, _dividir, preparar  # noqa: E402
from registro import arranque, versiones  # noqa: E402
from registro import equivalencias as eq  # noqa: E402
from registro.almacen.oxigraph import AlmacenOxigraph  # noqa: E402
from registro.vocabulario import GRAFO_CERTIFICADOS  # noqa: E402


def _firma(d: eq.Decision) -> tuple[object, ...]:
    """Lo que debe coincidir entre backends: porcentajes exactos y unidades convalidables."""
    return (d.porcentaje_programa, tuple((u.unidad, u.porcentaje, u.convalidable) for u in d.unidades))


def medir_backend(backend: str, datos: Datos, carpeta: Path, n: int) -> dict[str, object]:
    with backend_abierto(backend, carpeta) as a:
        arranque.iniciar(a, con_piloto=False)
        inicio = time.perf_counter()
        a.cargar(datos.nquads, "nquads")
        carga = time.perf_counter() - inicio
        a.actualizar(versiones.registrar_grafo_fijo(GRAFO_CERTIFICADOS, publico=False))
        if isinstance(a, AlmacenOxigraph):
            a.optimizar()  # como «registro cargar»
        a.invalidar_vista()
        print(f"  {backend}: carga {carga:.0f} s ({datos.tripletas / carga:,.0f} tripletas/s)", flush=True)
        certs = datos.certificados[:n]
        eq.convalidar(a, certificados=[certs[0][0]], programa=certs[0][1], guardar=False, hoy=HOY)
        tiempos, firmas = [], []
        for c, p in certs:
            t0 = time.perf_counter()
            d = eq.convalidar(a, certificados=[c], programa=p, guardar=False, hoy=HOY)
            tiempos.append(time.perf_counter() - t0)
            firmas.append(_firma(d))
        t0 = time.perf_counter()
        resumen = eq.resumen_programa(a, certs[0][1])
        t_resumen = time.perf_counter() - t0
        print(
            f"  {backend}: decisión p50 {statistics.median(tiempos) * 1000:.1f} ms; "
            f"programa frente a todas las normas {t_resumen * 1000:.0f} ms",
            flush=True,
        )
        return {
            "carga": carga,
            "decision": statistics.median(tiempos),
            "decision_max": max(tiempos),
            "resumen": t_resumen,
            "firmas": firmas,
            "filas_resumen": sorted((f.estandar, f.porcentaje, f.cobertura) for f in resumen),
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--divisor", type=int, default=1, help="escala nacional / divisor (1 = nacional)")
    p.add_argument("--backends", default="embebido,oxigraph,virtuoso")
    p.add_argument("--decisiones", type=int, default=20)
    p.add_argument("--carpeta", type=Path, default=None, help="carpeta de trabajo (temporal si no)")
    p.add_argument("--anotar", action="store_true", help="añade la sección a benchmarks/RESULTADOS.md")
    args = p.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    escala = NACIONAL if args.divisor == 1 else _dividir(NACIONAL, args.divisor)
    resultados: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-eqb-", dir=args.carpeta) as tmp:
        carpeta = Path(tmp)
        datos = preparar(carpeta, escala, args.decisiones)
        print(f"Datos: {datos.tripletas:,} tripletas en {datos.grafos:,} grafos de versión", flush=True)
        for b in backends:
            print(f"Backend {b}…", flush=True)
            try:
                resultados[b] = medir_backend(b, datos, carpeta, args.decisiones)
            except Exception as exc:  # un backend que falla no impide medir los demás
                print(f"  {b}: FALLÓ: {type(exc).__name__}: {exc}", flush=True)
                resultados[b] = {"error": f"{type(exc).__name__}: {exc}"}
    informe = _informe(resultados, datos, args)
    print(informe)
    if args.anotar:
        with (RAIZ / "benchmarks" / "RESULTADOS.md").open("a", encoding="utf-8") as f:
            f.write("\n" + informe)
    return 0


def _informe(resultados: dict[str, dict[str, object]], datos: Datos, args: argparse.Namespace) -> str:
    ahora = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lineas = [
        "## Motor de equivalencias en los tres backends (benchmarks/equivalencias_backends.py) — " + ahora,
        "",
        f"- Máquina: {platform.machine()}, nproc {os.cpu_count()}, Python {platform.python_version()}; "
        f"carga media al terminar {os.getloadavg()[0]:.1f}.",
        f"- Orden: `python benchmarks/equivalencias_backends.py --divisor {args.divisor} --backends "
        f"{args.backends} --decisiones {args.decisiones}`",
        f"- Datos: {datos.tripletas:,} tripletas, {datos.grafos:,} grafos de versión (escala nacional / "
        f"{args.divisor}); decisión = p50 de {args.decisiones} decisiones distintas, cada una por "
        "primera vez.",
        "",
    ]
    medidas = [
        ("carga (tripletas/s)", "carga", lambda v: f"{datos.tripletas / v:,.0f}"),
        ("decisión de convalidación, p50 (ms)", "decision", lambda v: f"{v * 1000:,.1f}"),
        ("decisión más lenta (ms)", "decision_max", lambda v: f"{v * 1000:,.1f}"),
        ("programa frente a todas las normas (ms)", "resumen", lambda v: f"{v * 1000:,.0f}"),
    ]
    lineas += [*tabla_backends(resultados, medidas), ""]
    for clave, nombre in (("firmas", "decisiones"), ("filas_resumen", "resumen del programa")):
        valores = [r[clave] for r in resultados.values() if clave in r]
        igual = bool(valores) and all(v == valores[0] for v in valores)
        lineas.append(f"- {nombre}: " + ("iguales en todos los backends" if igual else "**DIFERENTES**"))
    errores = [f"{b}: {r['error']}" for b, r in resultados.items() if "error" in r]
    if errores:
        lineas.append("- Errores: " + "; ".join(errores))
    return "\n".join(lineas) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
