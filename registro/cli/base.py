"""Órdenes básicas: iniciar, cargar, consultar, exportar, estado."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rdflib import URIRef

from registro import arranque, consultas, exportacion, versiones
from registro.almacen.base import Vista, validar_iri
from registro.cli import app
from registro.cli._comun import Avance, OpcionAlmacen, almacen_abierto, configuracion
from registro.errores import EntradaInvalida, FormatoDesconocido
from registro.formatos import FORMATOS_TABULARES, presentar, tabla_texto
from registro.vocabulario import GRAFO, GRAFO_REGISTRO

_EXTENSIONES = {
    ".ttl": "turtle",
    ".trig": "trig",
    ".nq": "nquads",
    ".nt": "ntriples",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".jsonld": "jsonld",
}


@app.command()
def iniciar(
    almacen: OpcionAlmacen = None,
    sin_piloto: Annotated[bool, typer.Option("--sin-piloto", help="No cargar los datos piloto.")] = False,
) -> None:
    """Crea o abre el almacén y carga ontología, datos de referencia y piloto (idempotente)."""
    with almacen_abierto(almacen) as a:
        resumen = arranque.iniciar(a, con_piloto=not sin_piloto, publicador=_publicador(), avisar=typer.echo)
        _mostrar_resumen(a, resumen.conteos)


def _publicador():
    """La vía validada de ``ingesta`` si está disponible (los datos piloto pasan por las formas)."""
    try:
        from registro import ingesta
    except ImportError:  # pragma: no cover - antes de existir la ingesta
        return None
    return getattr(ingesta, "publicar_piloto", None)


def _mostrar_resumen(a, conteos: dict[str, int]) -> None:
    typer.echo("\nContenido del registro (tripletas por grafo):")
    filas = [{"grafo": g.replace(str(GRAFO), "grafo:"), "tripletas": n} for g, n in sorted(conteos.items())]
    typer.echo(tabla_texto(("grafo", "tripletas"), filas, ancho_max=90))
    typer.echo(f"Total: {sum(conteos.values()):,} tripletas.")
    cat = consultas.catalogo()
    if "conteo-por-tipo" in cat:
        res = cat.ejecutar(a, "conteo-por-tipo", vista=Vista.COMPLETA)
        typer.echo("\nRecursos por tipo:")
        typer.echo(presentar(res, "tabla"))


@app.command()
def estado(almacen: OpcionAlmacen = None) -> None:
    """Muestra qué contiene el registro y las versiones de los envíos."""
    with almacen_abierto(almacen) as a:
        _mostrar_resumen(a, a.conteos())
        vs = versiones.versiones(a)
        if vs:
            typer.echo("\nVersiones de envíos:")
            filas = [
                {
                    "institución": v.institucion,
                    "clave": v.clave,
                    "versión": v.numero,
                    "vigente": "sí" if v.vigente else "no",
                    "fecha": v.fecha,
                }
                for v in vs
            ]
            typer.echo(tabla_texto(("institución", "clave", "versión", "vigente", "fecha"), filas))


@app.command()
def cargar(
    archivos: Annotated[
        list[Path], typer.Argument(help="Archivos RDF (Turtle, TriG, N-Quads, N-Triples, RDF/XML, JSON-LD).")
    ],
    grafo: Annotated[
        str | None, typer.Option("--grafo", help="IRI del grafo de destino para archivos de tripletas.")
    ] = None,
    formato: Annotated[
        str | None, typer.Option("--formato", help="Formato si la extensión no lo dice.")
    ] = None,
    reanudar: Annotated[
        bool,
        typer.Option(
            "--reanudar",
            help="Continúa una carga interrumpida desde su último lote confirmado (servidor remoto; "
            "el punto de control es ARCHIVO.reanudar.json).",
        ),
    ] = False,
    reconstruir: Annotated[
        bool,
        typer.Option(
            "--reconstruir-uniones",
            help="Rehace las uniones de versiones vigentes aunque parezcan al día (p. ej. al cargar "
            "versiones nuevas en un registro que ya tiene uniones).",
        ),
    ] = False,
    almacen: OpcionAlmacen = None,
) -> None:
    """Carga archivos RDF por la vía masiva del almacén (administración; sin validación SHACL).

    Un archivo con errores de sintaxis no deja nada escrito. En un servidor remoto la carga va por
    lotes con punto de control: si se interrumpe, repita la orden con --reanudar. Los grafos cargados
    se registran como vigentes y públicos. Si lo cargado trae versiones de envíos (``grafo:registro``)
    sin sus uniones vigentes, estas se reconstruyen al final, por la vía masiva y con avance.
    """
    for ruta in archivos:
        if not ruta.is_file():
            raise EntradaInvalida(f"No existe el archivo {ruta}")
    with almacen_abierto(almacen) as a:
        for ruta in archivos:
            fmt = formato or _EXTENSIONES.get(ruta.suffix.lower())
            if fmt is None:
                raise FormatoDesconocido(
                    f"No se reconoce el formato de {ruta.name}",
                    detalle="Indique --formato (turtle, trig, nquads…).",
                )
            destino = None
            if fmt not in {"trig", "nquads"}:
                iri = grafo or f"{GRAFO}carga/{ruta.stem}"
                validar_iri(iri)
                destino = URIRef(iri)
            avance = Avance(f"Cargando {ruta.name}")
            n = a.cargar(ruta, fmt, destino, progreso=avance, reanudar=reanudar)
            if destino is not None and destino != GRAFO_REGISTRO:
                a.actualizar(versiones.registrar_grafo_fijo(destino, publico=True))
            typer.echo(
                f"{ruta.name}: {n:,} tripletas cargadas" + (f" en <{destino}>" if destino else "") + "."
            )
        if reconstruir or not versiones.uniones_al_dia(a):
            inicio = time.perf_counter()
            versiones.reconstruir_uniones(a, progreso=Avance("Reconstruyendo uniones vigentes", "versiones"))
            segundos = time.perf_counter() - inicio
            typer.echo(f"Uniones de versiones vigentes reconstruidas en {segundos:,.1f} s.")
        inicio = time.perf_counter()
        typer.echo("Compactando el almacén…", err=True)
        a.optimizar()
        typer.echo(f"Almacén compactado en {time.perf_counter() - inicio:,.1f} s.", err=True)


@app.command()
def consultar(
    consulta: Annotated[
        str | None, typer.Argument(help="Nombre de una consulta del catálogo o ruta a un .rq.")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Parámetro nombre=valor (repetible).")
    ] = None,
    formato: Annotated[str, typer.Option("--formato", "-f", help="tabla, csv o json.")] = "tabla",
    lista: Annotated[bool, typer.Option("--lista", help="Lista las consultas disponibles.")] = False,
    almacen: OpcionAlmacen = None,
) -> None:
    """Ejecuta una consulta SPARQL del catálogo (o un archivo .rq) con parámetros enlazados."""
    cat = consultas.catalogo()
    if lista or consulta is None:
        filas = [
            {
                "consulta": c.nombre,
                "parámetros": ", ".join(p.nombre for p in c.parametros) or "—",
                "propósito": c.proposito,
            }
            for c in cat
        ]
        typer.echo(tabla_texto(("consulta", "parámetros", "propósito"), filas, ancho_max=80))
        return
    if formato not in FORMATOS_TABULARES:
        raise EntradaInvalida(f"Formato desconocido: {formato!r}", detalle="Use tabla, csv o json.")
    if consulta.endswith(".rq"):
        ruta = Path(consulta)
        if not ruta.is_file():
            raise EntradaInvalida(f"No existe el archivo {ruta}")
        texto = ruta.read_text(encoding="utf-8")
        proposito, parametros, columnas = consultas.interpretar_cabecera(texto, ruta)
        c = consultas.Consulta(ruta.stem, texto, proposito, parametros, columnas, ruta)
    else:
        c = cat.obtener(consulta)
    valores = {}
    for crudo in param or []:
        if "=" not in crudo:
            raise EntradaInvalida(f"Parámetro mal escrito: {crudo!r}", detalle="Use --param nombre=valor.")
        nombre, valor = crudo.split("=", 1)
        valores[nombre.strip()] = consultas.convertir_parametro(c.parametro(nombre.strip()), valor)
    with almacen_abierto(almacen) as a:
        res = consultas.ejecutar_consulta(a, c, valores, Vista.COMPLETA)
        typer.echo(presentar(res, formato))


@app.command()
def exportar(
    formato: Annotated[
        str, typer.Option("--formato", "-f", help="trig, nquads, jsonld, turtle, elm, sssom, csv o dcat.")
    ] = "trig",
    pais: Annotated[
        str | None,
        typer.Option("--pais", help="Solo los datos públicos de este país (ISO 3166-1 alfa-2: PE, CL…)."),
    ] = None,
    salida: Annotated[
        Path | None,
        typer.Option("--salida", "-o", help="Archivo de salida (por defecto, la salida estándar)."),
    ] = None,
    almacen: OpcionAlmacen = None,
) -> None:
    """Exporta el registro: trig/nquads sin --pais es el volcado completo; lo demás, la vista pública."""
    base = configuracion(almacen).base_publica
    with almacen_abierto(almacen) as a:
        if salida is None:
            exportacion.exportar(a, formato, sys.stdout.buffer, pais=pais, base_publica=base)
            return
        tmp = salida.with_name(salida.name + ".parcial")
        try:
            with tmp.open("wb") as destino:
                exportacion.exportar(a, formato, destino, pais=pais, base_publica=base)
        except BaseException:
            tmp.unlink(missing_ok=True)  # un fallo no deja un .parcial a medias
            raise
        tmp.replace(salida)  # nada a medio escribir con el nombre final
        typer.echo(f"Exportado a {salida} ({salida.stat().st_size:,} bytes).", err=True)
