"""Interfaz de línea de órdenes ``registro`` (Typer). Fina: cada orden llama a funciones del paquete.

Los comandos viven en módulos por tema y se registran aquí; ``principal`` traduce los errores del
registro a mensajes en español y a los códigos de salida del contrato.
"""

from __future__ import annotations

import sys

import typer
from typer.core import TyperGroup

from registro.errores import ErrorRegistro


class _GrupoRegistro(TyperGroup):
    """Grupo de órdenes que traduce ``ErrorRegistro`` a mensaje en español y código de salida.

    Hacerlo aquí (y no solo en ``principal``) vale también para ``CliRunner`` en las pruebas.
    """

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        from registro.cli._comun import codigo_salida, informar_error

        try:
            return super().invoke(ctx)
        except ErrorRegistro as exc:
            informar_error(exc)
            ctx.exit(codigo_salida(exc))


app = typer.Typer(
    cls=_GrupoRegistro,
    name="registro",
    help="Registro de cualificaciones Perú – Chile: equivalencias entre certificados de competencia "
    "laboral y programas de estudio.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Registro de comandos (cada módulo añade los suyos a ``app``).
from registro.cli import acceso as _acceso  # noqa: E402,F401
from registro.cli import base as _base  # noqa: E402,F401
from registro.cli import envios as _envios  # noqa: E402,F401
from registro.cli import equivalencias as _equivalencias  # noqa: E402,F401
from registro.cli import plantillas as _plantillas  # noqa: E402,F401
from registro.cli import respaldo as _respaldo  # noqa: E402,F401
from registro.cli import servidor as _servidor  # noqa: E402,F401
from registro.cli import solicitudes as _solicitudes  # noqa: E402,F401
from registro.cli._comun import codigo_salida, informar_error  # noqa: E402


def principal() -> None:
    """Punto de entrada del ejecutable ``registro``."""
    try:
        resultado = app(standalone_mode=False)
        # Con standalone_mode=False, click devuelve el código de ``ctx.exit`` en lugar de salir.
        sys.exit(resultado if isinstance(resultado, int) else 0)
    except ErrorRegistro as exc:
        informar_error(exc)
        sys.exit(codigo_salida(exc))
    except typer.Abort:
        typer.echo("Operación cancelada.", err=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click.UsageError y similares
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        raise
