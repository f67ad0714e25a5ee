"""``/api/equivalencias``: cobertura de una norma por un programa (matriz de equivalencia y alineamiento)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from registro import equivalencias as motor
from registro.api.dependencias import AlmacenDep, rechazar_desconocidos
from registro.api.rutas._json import a_json

router = APIRouter(
    prefix="/api/equivalencias", tags=["Equivalencias"], dependencies=[Depends(rechazar_desconocidos)]
)


@router.get(
    "",
    summary="Equivalencia entre una norma y un programa",
    description="Matriz de equivalencia indicadores × criterios (valoraciones, estados, justificaciones), "
    "porcentaje de cada unidad de decisión del programa si se certificaran todas las unidades de la norma "
    "(lado del programa) y cobertura de los criterios de la norma por el programa (lado de la norma). "
    "Los porcentajes son decimales exactos como texto (0–1, truncados a 6 cifras).",
    response_model=dict[str, Any],
)
def equivalencia(
    almacen: AlmacenDep,
    estandar: Annotated[
        str,
        Query(
            min_length=1, max_length=300, description="Código o IRI del estándar o perfil (`ECL-TEL-001`)."
        ),
    ],
    programa: Annotated[
        str, Query(min_length=1, max_length=300, description="Código o IRI del programa (`PE-TEL-01`).")
    ],
    regla: Annotated[
        str | None, Query(max_length=300, description="Código o IRI de la regla (opcional).")
    ] = None,
) -> dict[str, Any]:
    m = motor.matriz(almacen, estandar, programa, regla)
    alineamiento = motor.alinear(almacen, m.estandar, m.programa)
    return {
        "estandar": m.estandar,
        "programa": m.programa,
        "regla": a_json(m.regla),
        "matrices": list(m.matrices),
        "unidades": a_json(m.unidades),
        "cobertura_norma": a_json(alineamiento.cobertura),
        "unidades_norma": a_json(alineamiento.unidades),
        "criterios": [{"criterio": c, "unidad": u, "texto": t} for c, u, t in m.criterios],
        "indicadores": [{"indicador": i, "unidad_decision": u, "texto": t} for i, u, t in m.indicadores],
        "celdas": a_json(m.celdas),
        "etiquetas": dict(m.etiquetas),
    }
