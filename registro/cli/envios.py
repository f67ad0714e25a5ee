"""Órdenes de envíos institucionales: ``validar``, ``enviar`` y ``versiones``.

Son envoltorios finos de ``registro.ingesta``. Códigos de salida del contrato: 0 conforme/aceptado,
1 rechazado o no conforme, 2 entrada ilegible o uso incorrecto (los errores del registro los traduce
el grupo de órdenes de ``registro.cli``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from registro import ingesta, versiones
from registro.almacen.base import Almacen, Vista
from registro.cli import app
from registro.cli._comun import OpcionAlmacen, almacen_abierto, configuracion
from registro.errores import EntradaInvalida, NoEncontrado
from registro.formatos import tabla_texto
from registro.vocabulario import GRAFO_ONTOLOGIA

OpcionFormato = Annotated[
    str | None,
    typer.Option("--formato", help="turtle, trig, nquads, ntriples, rdfxml o jsonld."),
]
OpcionClave = Annotated[
    str | None,
    typer.Option("--clave", help="Clave del conjunto (por defecto, el nombre del archivo sin extensión)."),
]
OpcionJson = Annotated[bool, typer.Option("--json", help="Resumen en JSON en vez del informe en texto.")]


@app.command()
def validar(
    archivo: Annotated[Path, typer.Argument(help="Archivo RDF a validar (no se escribe nada).")],
    institucion: Annotated[
        str | None,
        typer.Option("--institucion", "-i", help="Código de la institución: aplica las reglas de propiedad."),
    ] = None,
    clave: OpcionClave = None,
    formato: OpcionFormato = None,
    como_json: OpcionJson = False,
    informe_ttl: Annotated[
        Path | None, typer.Option("--informe-ttl", help="Guarda el grafo del informe SHACL en Turtle.")
    ] = None,
    almacen: OpcionAlmacen = None,
) -> None:
    """Valida un archivo contra las formas SHACL y el registro; sale con 0 si es conforme, 1 si no."""
    contenido = _leer(archivo)
    limite = configuracion(almacen).tamano_maximo_envio
    with _almacen_iniciado(almacen) as a:
        informe = ingesta.validar_contenido(
            a, contenido, formato=formato, nombre=archivo.name, institucion=institucion, clave=clave,
            limite=limite,
        )
    if informe_ttl is not None:
        informe_ttl.write_bytes(informe.grafo_informe.serialize(format="turtle", encoding="utf-8"))
    if como_json:
        salida = {"archivo": str(archivo), "institucion": institucion, **informe.como_json()}
        typer.echo(json.dumps(salida, ensure_ascii=False, indent=2))
    else:
        veredicto = "CONFORME" if informe.conforme else "NO CONFORME"
        typer.echo(f"{archivo.name}: {veredicto}")
        if informe.problemas or not informe.conforme:
            typer.echo(informe.texto())
    if not informe.conforme:
        raise typer.Exit(1)


@app.command()
def enviar(
    archivo: Annotated[Path, typer.Argument(help="Archivo RDF con los datos de la institución.")],
    institucion: Annotated[str, typer.Option("--institucion", "-i", help="Código de la institución.")],
    clave: OpcionClave = None,
    formato: OpcionFormato = None,
    agente: Annotated[
        str | None, typer.Option("--agente", help="IRI de la persona o cuenta que envía (PROV).")
    ] = None,
    como_json: OpcionJson = False,
    almacen: OpcionAlmacen = None,
) -> None:
    """Valida y publica un archivo como nueva versión de un conjunto; sale con 1 si se rechaza."""
    contenido = _leer(archivo)
    limite = configuracion(almacen).tamano_maximo_envio
    with _almacen_iniciado(almacen) as a:
        resultado = ingesta.enviar(
            a, contenido, institucion=institucion, nombre=archivo.name, clave=clave, formato=formato,
            agente=agente, limite=limite,
        )
    if como_json:
        typer.echo(json.dumps(resultado.como_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(resultado.texto())
    if not resultado.aceptado:
        raise typer.Exit(1)


@app.command("versiones")
def listar_versiones(
    institucion: Annotated[str | None, typer.Option("--institucion", "-i", help="Solo esta institución.")] = (
        None
    ),
    clave: Annotated[str | None, typer.Option("--clave", help="Solo este conjunto.")] = None,
    como_json: OpcionJson = False,
    almacen: OpcionAlmacen = None,
) -> None:
    """Lista las versiones de los conjuntos enviados (las anteriores siguen consultables con GRAPH)."""
    with almacen_abierto(almacen) as a:
        vs = versiones.versiones(a, institucion, clave)
    if como_json:
        typer.echo(json.dumps([v.__dict__ for v in vs], ensure_ascii=False, indent=2))
        return
    if not vs:
        typer.echo("No hay versiones registradas" + (" con ese filtro." if institucion or clave else "."))
        return
    filas = [
        {"institución": v.institucion, "clave": v.clave, "versión": v.numero,
         "vigente": "sí" if v.vigente else "no", "fecha": v.fecha, "sha256": v.sha256[:12],
         "grafo": v.grafo}
        for v in vs
    ]
    columnas = ("institución", "clave", "versión", "vigente", "fecha", "sha256", "grafo")
    typer.echo(tabla_texto(columnas, filas, ancho_max=90))


# --- utilidades -------------------------------------------------------------------------------------
def _leer(archivo: Path) -> bytes:
    if not archivo.is_file():
        raise EntradaInvalida(f"No existe el archivo {archivo}")
    try:
        return archivo.read_bytes()
    except OSError as exc:
        raise EntradaInvalida(f"No se puede leer el archivo {archivo}", detalle=str(exc)) from exc


@contextmanager
def _almacen_iniciado(almacen: str | None) -> Iterator[Almacen]:
    """Abre el almacén y comprueba que tiene la ontología: validar contra un registro vacío engaña."""
    with almacen_abierto(almacen) as a:
        if not a.consultar(f"ASK {{ GRAPH <{GRAFO_ONTOLOGIA}> {{ ?s ?p ?o }} }}", vista=Vista.TODO).booleano:
            raise NoEncontrado(
                "El registro no está iniciado (no tiene la ontología ni los datos de referencia)",
                detalle="Ejecute primero «registro iniciar» (con la misma opción --almacen).",
            )
        yield a

