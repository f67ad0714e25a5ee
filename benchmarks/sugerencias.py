"""Calidad de las sugerencias por similitud de textos frente a las matrices aprobadas del piloto.

Para cada matriz del piloto, la referencia son sus correspondencias APROBADAS con valoración > 0
(«total» o «parcial») entre indicadores y criterios de desempeño. Para cada indicador que tiene al
menos una, el sugeridor ordena todos los criterios de la norma (sin mirar la matriz) y se mide:

- precisión@1: el primer criterio sugerido es uno de los aprobados;
- exhaustividad@3 (recall@3): fracción de los pares aprobados que aparecen entre los 3 primeros.

Uso: ``python benchmarks/sugerencias.py [--anotar]`` (no forma parte de pytest).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rdflib import URIRef

from registro import arranque, consultas, sugerencias
from registro.almacen.oxigraph import AlmacenOxigraph

_MATRICES = """
PREFIX reg: <https://w3id.org/registro/ontologia#>
SELECT ?matriz ?estandar ?programa ?indicador ?criterio WHERE {
  ?matriz a reg:MatrizEquivalencia ; reg:estandar ?estandar ; reg:programa ?programa .
  ?c reg:enMatriz ?matriz ; reg:indicador ?indicador ; reg:criterio ?criterio ;
     reg:estado <https://w3id.org/registro/id/estado/aprobada> ; reg:valoracion/reg:valor ?v .
  FILTER(?v > 0)
}
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--anotar", action="store_true", help="Añade las cifras a benchmarks/RESULTADOS.md.")
    args = p.parse_args(argv)
    a = AlmacenOxigraph(None)
    arranque.iniciar(a)
    oro: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for f in a.consultar(_MATRICES).filas:
        oro[(str(f["estandar"]), str(f["programa"]))][str(f["indicador"])].add(str(f["criterio"]))
    cat = consultas.catalogo()
    lineas = []
    total_p1 = total_ind = total_r3 = total_pares = 0
    inicio = time.perf_counter()
    for (est, prog), aprobados in sorted(oro.items()):
        crit = cat.ejecutar(a, "unidades-y-criterios-de-estandar", {"estandar": URIRef(est)}).filas
        ind = cat.ejecutar(a, "modulos-e-indicadores-de-programa", {"programa": URIRef(prog)}).filas
        criterios = list(dict.fromkeys((str(f["criterio"]), str(f.get("enunciado", ""))) for f in crit))
        indicadores = list(dict.fromkeys((str(f["indicador"]), str(f.get("enunciado", ""))) for f in ind))
        ranking = sugerencias.ranking_de_textos(indicadores, criterios, por_indicador=3)
        top: dict[str, list[str]] = defaultdict(list)
        for s in ranking:
            top[s.indicador].append(s.criterio)
        p1 = sum(1 for i, ok in aprobados.items() if top[i][:1] and top[i][0] in ok)
        pares = sum(len(ok) for ok in aprobados.values())
        r3 = sum(len(ok & set(top[i][:3])) for i, ok in aprobados.items())
        total_p1, total_ind, total_r3, total_pares = (
            total_p1 + p1,
            total_ind + len(aprobados),
            total_r3 + r3,
            total_pares + pares,
        )
        lineas.append(
            f"{est.rsplit('/', 1)[-1]} × {prog.rsplit('/', 1)[-1]}: {len(aprobados)} indicadores, "
            f"{pares} pares aprobados; "
            f"precisión@1 {p1 / len(aprobados):.2f}, exhaustividad@3 {r3 / pares:.2f}"
        )
    lineas.append(
        f"Total: precisión@1 {total_p1 / total_ind:.2f} ({total_p1}/{total_ind}), exhaustividad@3 "
        f"{total_r3 / total_pares:.2f} ({total_r3}/{total_pares}); {time.perf_counter() - inicio:.2f} s."
    )
    for linea in lineas:
        print(linea)
    if args.anotar:
        ruta = Path(__file__).resolve().parent / "RESULTADOS.md"
        maquina = f"{platform.machine()}, {os.cpu_count()} núcleos, Python {platform.python_version()}"
        with ruta.open("a", encoding="utf-8") as f:
            f.write(
                f"\n## Sugerencias por similitud de textos ({date.today().isoformat()})\n\n"
                f"- Máquina: {maquina}. Orden: `python benchmarks/sugerencias.py`.\n"
                "- Referencia: correspondencias aprobadas con valoración > 0 (criterios de desempeño) de las "
                "matrices del piloto; TF-IDF con raíces y sin palabras vacías, coseno.\n"
                + "".join(f"- {linea}\n" for linea in lineas)
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
