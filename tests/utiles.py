"""Utilidades de prueba: comparar almacenes por contenido (con nodos en blanco canonizados) y valores de
ejemplo del piloto para los parámetros de las consultas del catálogo."""

from __future__ import annotations

import io

from rdflib import Dataset, Graph
from rdflib.compare import to_canonical_graph

from registro.almacen.base import Almacen
from registro.vocabulario import ID

# Valores de ejemplo del piloto para cada parámetro de las consultas del catálogo. Una consulta nueva
# con un parámetro sin ejemplo hace fallar la prueba: así toda consulta se ejecuta sobre el piloto.
_EST = f"{ID}inst/mtpe/estandar/ECL-TEL-001"
_PROG = f"{ID}inst/iest-piloto/programa/PE-TEL-01"
EJEMPLOS = {
    "marco": f"{ID}marco/mncp",
    "estandar": _EST,
    "norma": _EST,
    "normas": _EST,
    "programa": _PROG,
    "programas": _PROG,
    "recurso": _EST,
    "recursos": f"{_EST},{_PROG}",
    "regla": f"{ID}regla/iest-pe",
    "unidades": f"{_EST}/uc/1,{_EST}/uc/2",
    "indicadores": f"{ID}inst/iest-piloto/programa/PE-TEL-01/ud/TEL-101/indicador/1",
    "certificados": f"{ID}inst/ecl-telecom-pe/certificado/CCL-TEL-2024-00117",
    "clase": "https://w3id.org/registro/ontologia#ProgramaEstudios",
    "codigo": "PE-TEL-01",
    "texto": "PE-TEL",
    "q": "telecomunicacion",
    "estado": f"{ID}estado/sugerida",
    "institucion": f"{ID}inst/iest-piloto",
    "matriz": f"{ID}inst/iest-piloto/matriz/M-ECL-TEL-001-PE-TEL-01",
    "mapeos": f"{ID}inst/mtpe/mapeo/1",
    "estandares": _EST,
    "elementos": f"{_EST}/uc/1/criterio/1.1",
    "reglas": f"{ID}regla/iest-pe",
    "valoraciones": f"{ID}valoracion/total,{ID}valoracion/parcial",
    # Solicitudes: el piloto no trae ninguna; la consulta debe responder (sin filas).
    "solicitud": f"{ID}inst/iest-piloto/solicitud/2026-1",
    "paso": f"{ID}inst/iest-piloto/solicitud/2026-1/paso/1",
    "secuencia": f"{ID}inst/iest-piloto/secuencia-actas/2026",
    "resultado": f"{ID}resultado/no-existe",
}


def firma(almacen: Almacen) -> dict[str, tuple[str, ...]]:
    """Contenido de cada grafo como N-Triples ordenadas, con nodos en blanco canonizados.

    Dos almacenes con la misma firma contienen exactamente los mismos datos, aunque los nombres
    internos de los nodos en blanco difieran (p. ej. tras volcar y volver a cargar).
    """
    buf = io.BytesIO()
    almacen.volcar(buf, "nquads")
    ds = Dataset()
    ds.parse(data=buf.getvalue(), format="nquads")
    salida: dict[str, tuple[str, ...]] = {}
    for g in ds.graphs():
        if len(g) == 0:
            continue
        simple = Graph()
        for t in g:
            simple.add(t)
        canon = to_canonical_graph(simple)
        lineas = canon.serialize(format="nt", encoding="utf-8").decode().splitlines()
        salida[str(g.identifier)] = tuple(sorted(x for x in lineas if x.strip()))
    return salida
