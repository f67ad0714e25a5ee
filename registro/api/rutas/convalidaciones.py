"""``POST /api/convalidaciones``: decisión de convalidación con su evidencia (datos personales seudónimos)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from registro import equivalencias as motor
from registro import vocabulario as voc
from registro.api.dependencias import AlmacenDep, CredencialDep, exigir_rol, rechazar_desconocidos
from registro.api.modelos import PeticionConvalidacion
from registro.api.rutas._json import a_json
from registro.errores import Prohibido

router = APIRouter(
    prefix="/api/convalidaciones", tags=["Convalidaciones"], dependencies=[Depends(rechazar_desconocidos)]
)


@router.post(
    "",
    summary="Convalidar certificados en un programa",
    description="Calcula qué unidades del programa son convalidables con los certificados indicados "
    "(regla de la institución: umbral, ponderación, mapeos entre países aceptados) y devuelve la evidencia "
    "de cada indicador y las brechas. **Requiere token** con rol `institucion` (solo programas propios), "
    "`analista` o `administrador`: la respuesta contiene datos personales seudonimizados y no se guarda "
    "en cachés (`Cache-Control: no-store`).",
    response_model=dict[str, Any],
    responses={
        401: {"description": "Falta el token o no es válido."},
        403: {"description": "El rol no lo permite o el programa es de otra institución."},
    },
)
def convalidar(
    peticion: PeticionConvalidacion, almacen: AlmacenDep, cred: CredencialDep, response: Response
) -> dict[str, Any]:
    exigir_rol(cred, "institucion", "analista", "administrador")
    programa = motor.resolver(almacen, peticion.programa, motor.CLASE_PROGRAMA, que="programa")
    if cred.rol == "institucion" and not programa.startswith(voc.espacio_institucion(cred.institucion or "")):
        raise Prohibido(
            "Solo puede convalidar en programas de su propia institución",
            detalle=f"El programa {programa} no pertenece a «{cred.institucion}».",
        )
    decision = motor.convalidar(
        almacen,
        certificados=peticion.certificados,
        programa=programa,
        regla=peticion.regla,
        guardar=peticion.guardar,
    )
    response.headers["Cache-Control"] = "no-store"
    salida = a_json(decision)
    salida["porcentaje_programa_texto"] = motor.porcentaje_texto(decision.porcentaje_programa)
    return salida
