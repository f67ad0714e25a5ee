"""``registro servir``: la API, el punto SPARQL y las páginas, con uvicorn (por defecto en 127.0.0.1)."""

from __future__ import annotations

from typing import Annotated

import typer

from registro import arranque
from registro.cli import app
from registro.cli._comun import OpcionAlmacen, configuracion
from registro.vocabulario import GRAFO_ONTOLOGIA


@app.command()
def servir(
    host: Annotated[
        str, typer.Option("--host", help="Interfaz de escucha (0.0.0.0 expone el servicio a la red).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="Puerto TCP.")] = 8000,
    almacen: OpcionAlmacen = None,
    recargar_piloto: Annotated[
        bool, typer.Option("--iniciar", help="Ejecutar «iniciar» aunque el almacén ya tenga la ontología.")
    ] = False,
) -> None:
    """Sirve el registro: API REST, /id/… con negociación de contenido, /sparql y /docs.

    Si el almacén está vacío (sin ontología), primero lo inicia como «registro iniciar» (ontología,
    referencia y piloto). El almacén embebido solo admite un proceso: mientras el servidor corre, las
    demás órdenes que lo abren fallan; gestione los tokens por /api/tokens.
    """
    import uvicorn

    from registro.almacen import abrir
    from registro.api import crear_app
    from registro.cli.base import _publicador

    config = configuracion(almacen).con(host=host, puerto=port)
    a = abrir(config)
    try:
        if recargar_piloto or a.conteos().get(str(GRAFO_ONTOLOGIA), 0) == 0:
            typer.echo("Almacén sin ontología: cargando ontología, referencia y piloto…", err=True)
            arranque.iniciar(a, publicador=_publicador(), avisar=lambda m: typer.echo(m, err=True))
        aplicacion = crear_app(config, almacen=a)
        typer.echo(f"Registro en http://{host}:{port} (documentación en http://{host}:{port}/docs)", err=True)
        uvicorn.run(aplicacion, host=host, port=port, log_level="info", proxy_headers=False)
    finally:
        a.cerrar()
