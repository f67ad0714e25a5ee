"""``/sparql``: protocolo SPARQL 1.1 de solo lectura sobre la vista pública.

Qué se garantiza, y dónde:

- **Solo lectura y sin federación** (``sparql_seguro.analizar``): toda palabra de SPARQL Update
  (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY…), ``SERVICE`` y el parámetro
  ``update`` se rechazan con 403 antes de tocar el almacén; ``application/sparql-update`` también.
- **Vista pública**: el conjunto de datos de cada consulta se fija a los grafos públicos, también para
  ``GRAPH ?g``, ``FROM``/``FROM NAMED`` y ``default-graph-uri``/``named-graph-uri``.
- **Tiempo y tamaño**: la consulta se evalúa en un proceso trabajador que se mata si supera
  ``tiempo_maximo_consulta`` (503), y el resultado se corta en ``filas_maximas_consulta``; las
  cabeceras ``X-Registro-Filas-Maximas`` y ``X-Registro-Resultado-Truncado`` lo dicen.
- **Frescura**: con trabajadores, la instantánea pública se reconstruye en segundo plano tras cada
  cambio; mientras tanto se responde con la anterior y las cabeceras ``X-Registro-Instantanea``,
  ``X-Registro-Instantanea-Edad`` y ``X-Registro-Instantanea-Actualizando`` lo dicen.
- **Nunca en el bucle de eventos**: la espera ocurre en el grupo de hilos; un cliente lento no
  bloquea a los demás.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from registro.api.dependencias import Estado
from registro.api.negociacion import elegir
from registro.api.problemas import problema
from registro.consulta_publica import FORMATOS_GRAFO, FORMATOS_RESULTADOS, PeticionSparql
from registro.errores import ConsultaProhibida, EntradaInvalida
from registro.sparql_seguro import analizar

router = APIRouter(tags=["SPARQL"])

LONGITUD_MAXIMA = 200_000
"""Caracteres máximos de una consulta (una consulta legítima ocupa unos pocos KB)."""

_ALIAS_RESULTADOS = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "text/plain": "text/tab-separated-values",
}
_ALIAS_GRAFO = {
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
}
_DESCRIPCION = (
    "Punto SPARQL 1.1 (protocolo de consulta) de **solo lectura** sobre la vista vigente pública: los "
    "datos personales no son visibles, ni siquiera con `GRAPH ?g` o `FROM NAMED`. Formatos por `Accept`: "
    "SELECT/ASK → `application/sparql-results+json` (por defecto), `+xml`, `text/csv`, "
    "`text/tab-separated-values`; CONSTRUCT/DESCRIBE → `text/turtle` (por defecto), "
    "`application/n-triples`, `application/ld+json`, `application/rdf+xml`. Las actualizaciones, `LOAD` y "
    "`SERVICE` se rechazan (403). Cada consulta tiene un tiempo máximo (503 si se supera: la evaluación se "
    "detiene) y un máximo de filas (cabeceras `X-Registro-Filas-Maximas` y `X-Registro-Resultado-Truncado`)."
)
_RESPUESTAS = {
    200: {
        "description": "Resultado de la consulta.",
        "content": {m: {} for m in (*FORMATOS_RESULTADOS, *FORMATOS_GRAFO)},
    },
    400: {
        "description": "Error de sintaxis (con `linea` y `columna`), petición mal formada o, con un "
        "servidor remoto como Virtuoso, `GRAPH ?g` sobre más versiones de las que el servidor admite "
        "enumerar («Consulta demasiado amplia»)."
    },
    403: {"description": "Actualización, LOAD o SERVICE: no permitidos."},
    406: {"description": "Ningún formato coincide con `Accept`."},
    503: {"description": "La consulta superó el tiempo máximo y se detuvo."},
}


@router.get(
    "/sparql",
    summary="Consulta SPARQL (GET)",
    description=_DESCRIPCION,
    responses=_RESPUESTAS,
    response_class=Response,
)
async def sparql_get(
    request: Request,
    estado: Estado,
    query: Annotated[str | None, Query(description="Texto de la consulta SPARQL.")] = None,
    default_graph_uri: Annotated[
        list[str] | None,
        Query(alias="default-graph-uri", description="Grafo(s) por defecto (solo públicos)."),
    ] = None,
    named_graph_uri: Annotated[
        list[str] | None, Query(alias="named-graph-uri", description="Grafos con nombre (solo públicos).")
    ] = None,
    update: Annotated[str | None, Query(description="No admitido: este punto es de solo lectura.")] = None,
) -> Response:
    if update is not None:
        raise _solo_lectura()
    if query is None:
        if elegir(request.headers.get("accept"), ["text/html", "application/json"]) == "text/html":
            return HTMLResponse(_FORMULARIO, headers={"Content-Security-Policy": _CSP})
        raise EntradaInvalida(
            "Falta el parámetro «query»",
            detalle="Envíe la consulta en ?query=… (GET) o en el cuerpo (POST). Abra /sparql en un navegador "
            "para usar el formulario.",
        )
    return await _responder(request, estado, query, default_graph_uri or [], named_graph_uri or [])


@router.post(
    "/sparql",
    summary="Consulta SPARQL (POST)",
    description=_DESCRIPCION + " Cuerpo `application/x-www-form-urlencoded` (campo `query`) o "
    "`application/sparql-query` (la consulta tal cual).",
    responses={**_RESPUESTAS, 415: {"description": "Tipo de contenido no admitido."}},
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/sparql-query": {"schema": {"type": "string"}},
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "default-graph-uri": {"type": "string"},
                            "named-graph-uri": {"type": "string"},
                        },
                    }
                },
            }
        }
    },
)
async def sparql_post(request: Request, estado: Estado) -> Response:
    tipo = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    parametros = parse_qsl(request.url.query, keep_blank_values=True)
    if tipo == "application/sparql-update":
        raise _solo_lectura()
    if tipo == "application/x-www-form-urlencoded":
        cuerpo = _texto(await request.body())
        parametros += parse_qsl(cuerpo, keep_blank_values=True)
        consultas = [v for k, v in parametros if k == "query"]
    elif tipo == "application/sparql-query":
        consultas = [_texto(await request.body())]
    else:
        return problema(
            415,
            f"Tipo de contenido no admitido: «{tipo or 'ninguno'}». Use application/sparql-query o "
            "application/x-www-form-urlencoded (campo «query»).",
            instancia=request.url.path,
        )
    if any(k == "update" for k, _ in parametros):
        raise _solo_lectura()
    if len(consultas) != 1:
        raise EntradaInvalida("Envíe exactamente una consulta", detalle="Un solo campo «query» por petición.")
    defecto = [v for k, v in parametros if k == "default-graph-uri"]
    con_nombre = [v for k, v in parametros if k == "named-graph-uri"]
    return await _responder(request, estado, consultas[0], defecto, con_nombre)


def _texto(cuerpo: bytes) -> str:
    try:
        return cuerpo.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EntradaInvalida(
            "El cuerpo no está en UTF-8", detalle=f"Byte inválido en la posición {exc.start}."
        ) from exc


def _solo_lectura() -> ConsultaProhibida:
    return ConsultaProhibida(
        "El punto SPARQL público es de solo lectura: no admite actualizaciones",
        detalle="Para publicar datos use POST /api/envios con un token de su institución.",
    )


async def _responder(
    request: Request, estado: Estado, consulta: str, defecto: list[str], con_nombre: list[str]
) -> Response:
    if len(consulta) > LONGITUD_MAXIMA:
        raise EntradaInvalida(
            f"La consulta es demasiado larga ({len(consulta):,} caracteres; máximo {LONGITUD_MAXIMA:,})"
        )
    # Fuera del bucle de eventos: el análisis léxico de una consulta patológica de 200 KB cuesta ~1 s de
    # CPU y, en el bucle, detenía todas las demás peticiones (medido: /salud esperó 5 s).
    analisis = await run_in_threadpool(analizar, consulta)
    accept = request.headers.get("accept")
    formato_resultados = elegir(accept, list(FORMATOS_RESULTADOS), alias=_ALIAS_RESULTADOS)
    formato_grafo = elegir(accept, list(FORMATOS_GRAFO), alias=_ALIAS_GRAFO)
    es_grafo = analisis.forma in ("CONSTRUCT", "DESCRIBE")
    necesario = formato_grafo if es_grafo else formato_resultados
    if necesario is None:
        ofrecidos = FORMATOS_GRAFO if es_grafo else FORMATOS_RESULTADOS
        return problema(
            406,
            f"Ningún formato de resultado coincide con la cabecera Accept ({accept}). Formatos para "
            f"{analisis.forma or 'esta consulta'}: {', '.join(ofrecidos)}.",
            instancia=request.url.path,
            cabeceras={"Vary": "Accept"},
        )
    peticion = PeticionSparql(
        consulta=consulta,
        analisis=analisis,
        formato_resultados=formato_resultados or FORMATOS_RESULTADOS[0],
        formato_grafo=formato_grafo or FORMATOS_GRAFO[0],
        grafos_defecto=tuple(defecto),
        grafos_con_nombre=tuple(con_nombre),
    )
    respuesta = await run_in_threadpool(estado.ejecutor.consultar, peticion)
    cabeceras = {
        "Vary": "Accept",
        "X-Registro-Filas-Maximas": str(respuesta.filas_maximas),
        "X-Registro-Resultado-Truncado": "true" if respuesta.truncado else "false",
        "X-Registro-Filas": str(respuesta.filas),
        "Cache-Control": "no-cache",
    }
    frescura = respuesta.frescura or estado.ejecutor.frescura()
    if frescura is not None:
        cabeceras.update(frescura.cabeceras())
    medio = respuesta.tipo_mime
    if medio.startswith("text/") and "charset" not in medio:
        medio += "; charset=utf-8"
    return Response(respuesta.cuerpo, media_type=medio, headers=cabeceras)


_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'"
_FORMULARIO = """<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>Consulta SPARQL — Registro de cualificaciones</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
textarea{width:100%;font-family:monospace;font-size:.95em}label{margin-right:1rem}</style></head>
<body><h1>Consulta SPARQL</h1>
<p>Punto de solo lectura sobre los datos públicos del registro. Documentación: <a href="/docs">/docs</a>.</p>
<form method="get" action="/sparql">
<textarea name="query" rows="14">PREFIX reg: &lt;https://w3id.org/registro/ontologia#&gt;
PREFIX skos: &lt;http://www.w3.org/2004/02/skos/core#&gt;
SELECT ?programa ?codigo ?nombre WHERE {
  ?programa a reg:ProgramaEstudios ; reg:codigo ?codigo ; skos:prefLabel ?nombre .
  FILTER(LANG(?nombre) = "es")
} ORDER BY ?codigo LIMIT 50</textarea>
<p><button type="submit">Consultar</button> (el navegador mostrará el resultado en JSON; use
<code>Accept</code> en su cliente para CSV, TSV, XML o RDF)</p>
</form></body></html>"""
