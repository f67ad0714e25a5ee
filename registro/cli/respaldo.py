"""Órdenes ``respaldar`` y ``restaurar``: envoltorios finos de ``registro.respaldo``.

Códigos de salida del contrato: 0 correcto; 1 rechazado (destino con datos sin ``--reemplazar``,
respaldo que no cuadra con su manifiesto tras cargar); 2 entrada inválida (archivo inexistente, manifiesto
ausente o dañado, SHA-256 distinto).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registro import respaldo
from registro.cli import app
from registro.cli._comun import OpcionAlmacen, almacen_abierto, configuracion


@app.command()
def respaldar(
    salida: Annotated[
        Path,
        typer.Option("--salida", "-o", help="Archivo N-Quads del respaldo (el manifiesto va al lado)."),
    ],
    almacen: OpcionAlmacen = None,
) -> None:
    """Copia coherente de TODO el almacén (grafos privados, versiones y procedencia incluidos)."""
    with almacen_abierto(almacen) as a:
        m = respaldo.respaldar(a, salida)
    typer.echo(
        f"Respaldo escrito en {salida} ({m.cuadruplas:,} cuádruplas en {len(m.grafos)} grafos, "
        f"{m.bytes:,} bytes, SHA-256 {m.sha256[:16]}…).\nManifiesto: {respaldo.ruta_manifiesto(salida)}"
    )


@app.command()
def restaurar(
    archivo: Annotated[Path, typer.Argument(help="Archivo .nq escrito por «registro respaldar».")],
    almacen: OpcionAlmacen = None,
    reemplazar: Annotated[
        bool,
        typer.Option(
            "--reemplazar",
            help="Restaurar aunque el almacén tenga datos (el actual se conserva como «…anterior-FECHA»).",
        ),
    ] = False,
) -> None:
    """Restaura un respaldo (verifica SHA-256 y conteos); por defecto solo en un almacén vacío."""
    destino = configuracion(almacen).almacen
    r = respaldo.restaurar(archivo, destino, reemplazar=reemplazar)
    typer.echo(
        f"Restaurado en {r.destino}: {r.manifiesto.cuadruplas:,} cuádruplas en {len(r.manifiesto.grafos)} "
        "grafos; SHA-256 y conteos verificados."
    )
    if r.anterior:
        typer.echo(f"El almacén sustituido se conserva en {r.anterior}.")
