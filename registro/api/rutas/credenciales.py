"""``/api/tokens``: gestión de credenciales por HTTP (solo administradores).

Existe porque el almacén embebido solo lo abre un proceso: mientras ``registro servir`` está en marcha,
``registro token emitir/revocar`` no puede abrirlo, y una revocación tiene que poder hacerse *ya*.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from registro import acceso
from registro.api.dependencias import AlmacenDep, CredencialDep, exigir_rol, rechazar_desconocidos
from registro.api.modelos import CredencialJSON, PeticionToken, TokenEmitido

router = APIRouter(prefix="/api/tokens", tags=["Credenciales"], dependencies=[Depends(rechazar_desconocidos)])


@router.get(
    "",
    response_model=list[CredencialJSON],
    summary="Listar credenciales",
    description="Todas las credenciales (activas y revocadas), sin los tokens. Rol `administrador`.",
)
def listar(almacen: AlmacenDep, cred: CredencialDep) -> list[dict]:
    exigir_rol(cred, "administrador")
    return [dataclasses.asdict(c) for c in acceso.listar(almacen)]


@router.post(
    "",
    status_code=201,
    response_model=TokenEmitido,
    summary="Emitir un token",
    description="Crea una credencial y devuelve el token **una sola vez** (el registro guarda solo su "
    "huella SHA-256). Rol `administrador`.",
)
def emitir(peticion: PeticionToken, almacen: AlmacenDep, cred: CredencialDep, response: Response) -> dict:
    exigir_rol(cred, "administrador")
    nuevo = acceso.emitir(
        almacen, rol=peticion.rol, institucion=peticion.institucion, descripcion=peticion.descripcion
    )
    response.headers["Cache-Control"] = "no-store"
    return {**dataclasses.asdict(nuevo.credencial), "token": nuevo.token}


@router.delete(
    "/{identificador}",
    response_model=CredencialJSON,
    summary="Revocar un token",
    description="Revoca la credencial: vale desde la petición siguiente. Rol `administrador`.",
)
def revocar(
    almacen: AlmacenDep,
    cred: CredencialDep,
    identificador: Annotated[
        str, Path(pattern=r"^[0-9a-f]{12}$", description="Identificador de la credencial.")
    ],
) -> dict:
    exigir_rol(cred, "administrador")
    return dataclasses.asdict(acceso.revocar(almacen, identificador))
