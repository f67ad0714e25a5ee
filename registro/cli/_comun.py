"""Piezas compartidas por los comandos: abrir el almacén, barra de avance, salida de errores.

Códigos de salida (contrato de DISENO §5): 0 correcto; 1 rechazado o no conforme; 2 entrada o uso
incorrecto.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from registro.almacen import Almacen, abrir
from registro.configuracion import Configuracion
from registro.errores import (
    EntradaInvalida,
    ErrorConsulta,
    ErrorRegistro,
    NoAutorizado,
    NoConforme,
    NoEncontrado,
    Prohibido,
)

OpcionAlmacen = Annotated[
    str | None,
    typer.Option(
        "--almacen",
        envvar="REGISTRO_ALMACEN",
        help="Carpeta del almacén embebido, «memoria» o URL http(s) de un servidor SPARQL.",
        show_default=False,
    ),
]


def configuracion(almacen: str | None) -> Configuracion:
    return Configuracion.desde_entorno(almacen=almacen)


@contextmanager
def almacen_abierto(almacen: str | None) -> Iterator[Almacen]:
    a = abrir(configuracion(almacen))
    try:
        yield a
    finally:
        a.cerrar()


def codigo_salida(exc: ErrorRegistro) -> int:
    if isinstance(exc, NoConforme | Prohibido | NoAutorizado):
        return 1
    if isinstance(exc, EntradaInvalida | NoEncontrado | ErrorConsulta):
        return 2
    return 1


def informar_error(exc: ErrorRegistro) -> None:
    typer.secho(f"Error: {exc.mensaje}", fg=typer.colors.RED, err=True)
    if exc.donde:
        typer.echo(f"  Dónde: {exc.donde}", err=True)
    if exc.detalle:
        typer.echo(f"  Detalle: {exc.detalle}", err=True)


class Avance:
    """Barra de avance en la salida de errores (solo si es una terminal o hay mucho trabajo)."""

    def __init__(self, etiqueta: str, unidad: str = "bytes") -> None:
        self.etiqueta = etiqueta
        self.unidad = unidad
        self._ultimo = -1

    def __call__(self, hecho: int, total: int) -> None:
        if total <= 0:
            return
        pct = min(100, hecho * 100 // total)
        if pct != self._ultimo and (pct % 5 == 0 or pct == 100):
            self._ultimo = pct
            fin = "\n" if pct == 100 else "\r"
            sys.stderr.write(f"{self.etiqueta}: {pct:3d} % ({hecho:,} de {total:,} {self.unidad}){fin}")
            sys.stderr.flush()
