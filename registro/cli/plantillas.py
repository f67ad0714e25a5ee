"""Orden ``registro plantilla``: genera la plantilla vacía de planilla (programa o norma).

La planilla rellenada se valida y envía con las órdenes de siempre (``registro validar``/``enviar``):
la ingesta la reconoce por su extensión (.xlsx, .zip) y la convierte con ``registro.hojas``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registro import hojas
from registro.cli import app
from registro.errores import EntradaInvalida

_EXTENSION = {"xlsx": ".xlsx", "csv": ".zip"}


@app.command()
def plantilla(
    tipo: Annotated[
        str, typer.Argument(help="programa (programa de estudios) o estandar (estándar o perfil).")
    ],
    salida: Annotated[
        Path | None,
        typer.Option("--salida", "-o", help="Archivo a crear (por defecto plantilla-TIPO.xlsx o .zip)."),
    ] = None,
    formato: Annotated[
        str, typer.Option("--formato", help="xlsx (libro de Excel) o csv (.zip con un CSV por hoja).")
    ] = "xlsx",
    forzar: Annotated[bool, typer.Option("--forzar", help="Sobrescribir el archivo si ya existe.")] = False,
) -> None:
    """Crea la plantilla vacía para instituciones que no escriben RDF (instrucciones en la hoja «Léame»)."""
    formato = formato.strip().lower()
    if formato not in hojas.FORMATOS:
        raise EntradaInvalida(f"Formato de plantilla desconocido: «{formato}»", detalle="Use xlsx o csv.")
    descripcion = hojas.tipo_plantilla(tipo)
    destino = salida or Path(f"plantilla-{tipo.strip().lower()}{_EXTENSION[formato]}")
    if destino.exists() and not forzar:
        raise EntradaInvalida(
            f"Ya existe el archivo {destino}", detalle="Elija otro nombre con --salida o use --forzar."
        )
    contenido = hojas.generar_plantilla(descripcion.tipo, formato)
    try:
        destino.write_bytes(contenido)
    except OSError as exc:
        raise EntradaInvalida(f"No se puede escribir {destino}", detalle=str(exc)) from exc
    typer.echo(f"Plantilla «{descripcion.titulo}» creada en {destino} ({len(contenido):,} bytes).")
    typer.echo(f"Rellénela y compruébela con: registro validar {destino.name} --institucion SU-CODIGO")
