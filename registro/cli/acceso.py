"""``registro token emitir|revocar|listar``: credenciales de la API (tokens al portador)."""

from __future__ import annotations

from typing import Annotated

import typer

from registro import acceso
from registro.cli import app
from registro.cli._comun import OpcionAlmacen, almacen_abierto
from registro.formatos import tabla_texto

token_app = typer.Typer(help="Credenciales de la API: emitir, revocar y listar tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("emitir")
def emitir(
    rol: Annotated[str, typer.Option("--rol", help="institucion, analista o administrador.")] = "institucion",
    institucion: Annotated[
        str | None,
        typer.Option("--institucion", help="Código de la institución (obligatorio con rol institucion)."),
    ] = None,
    descripcion: Annotated[
        str, typer.Option("--descripcion", help="Para qué o para quién es el token.")
    ] = "",
    almacen: OpcionAlmacen = None,
) -> None:
    """Emite un token y lo muestra UNA sola vez (el registro guarda solo su huella SHA-256)."""
    with almacen_abierto(almacen) as a:
        nuevo = acceso.emitir(a, rol=rol, institucion=institucion, descripcion=descripcion)
    c = nuevo.credencial
    typer.echo(
        f"Credencial {c.id} (rol {c.rol}{', institución ' + c.institucion if c.institucion else ''}).",
        err=True,
    )
    typer.echo("Guarde este token ahora: no se puede volver a mostrar.", err=True)
    typer.echo(nuevo.token)


@token_app.command("revocar")
def revocar(
    identificador: Annotated[
        str, typer.Argument(help="Identificador de la credencial (ver «registro token listar»).")
    ],
    almacen: OpcionAlmacen = None,
) -> None:
    """Revoca un token: deja de valer desde la petición siguiente."""
    with almacen_abierto(almacen) as a:
        c = acceso.revocar(a, identificador)
    typer.echo(f"Credencial {c.id} revocada ({c.revocada}).")


@token_app.command("listar")
def listar(almacen: OpcionAlmacen = None) -> None:
    """Lista las credenciales (sin los tokens)."""
    with almacen_abierto(almacen) as a:
        creds = acceso.listar(a)
    filas = [
        {
            "id": c.id,
            "rol": c.rol,
            "institución": c.institucion or "—",
            "creada": c.creada,
            "estado": "revocada" if c.revocada else "activa",
            "descripción": c.descripcion,
        }
        for c in creds
    ]
    typer.echo(tabla_texto(("id", "rol", "institución", "creada", "estado", "descripción"), filas))
