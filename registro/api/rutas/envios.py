"""``/api/envios``: publicar datos de una institución (con token) y consultar sus versiones.

``POST`` acepta el archivo como cuerpo crudo (``Content-Type`` del formato RDF) o como formulario
multiparte (campo ``archivo``). La ingesta (``registro.ingesta``) analiza, valida con SHACL y reglas
de propiedad, y publica atómicamente; aquí solo se decide **quién** puede enviar **qué**:

- rol ``institucion``: solo para su propia institución (``institucion`` distinta → 403); si el
  contenido describe recursos de otra institución, la ingesta lo rechaza y la API responde **403**
  con el informe (no 422): es un intento de escribir en un espacio ajeno, no un error de forma.
- rol ``analista``: para cualquier institución, pero solo conjuntos de matrices o mapeos (clave que
  empieza por ``matriz`` o ``mapeo``), que es lo que preparan los equipos técnicos.
- rol ``administrador``: cualquier conjunto de cualquier institución.

Respuestas: 201 con ``Location`` de la versión nueva (o 200 si el contenido es idéntico a la versión
vigente), 422 ``problem+json`` con el informe si no es conforme. Nada se escribe si se rechaza.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from rdflib import URIRef

from registro import ingesta, versiones
from registro import vocabulario as voc
from registro.acceso import Credencial
from registro.api.dependencias import (
    PATRON_CODIGO,
    AlmacenDep,
    CredencialDep,
    Estado,
    PaginacionDep,
    exigir_rol,
    paginar,
    rechazar_desconocidos,
)
from registro.api.modelos import Pagina, ResultadoEnvio, Version
from registro.api.negociacion import coincide_etag, elegir, etiqueta_entidad
from registro.api.problemas import problema
from registro.errores import EntradaInvalida, NoEncontrado, Prohibido

router = APIRouter(prefix="/api/envios", tags=["Envíos"], dependencies=[Depends(rechazar_desconocidos)])

_TIPOS_RDF = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/trig": "trig",
    "application/n-quads": "nquads",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
}
_FORMATOS_SALIDA = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
_CLAVES_ANALISTA = ("matriz", "mapeo")


def version_json(v: versiones.Version) -> dict[str, Any]:
    return {
        "grafo": v.grafo,
        "institucion": v.institucion,
        "clave": v.clave,
        "numero": v.numero,
        "vigente": v.vigente,
        "fecha": v.fecha,
        "sha256": v.sha256,
        "anterior": v.anterior,
        "enlace": ruta_version(v),
    }


def ruta_version(v: versiones.Version) -> str:
    return f"/api/envios/{voc.segmento(v.institucion)}/{voc.segmento(v.clave)}/{v.numero}"


@router.post(
    "",
    status_code=201,
    response_model=ResultadoEnvio,
    summary="Enviar datos de una institución",
    description="Publica un archivo RDF (Turtle, TriG, N-Triples, N-Quads, RDF/XML o JSON-LD) como nueva "
    "versión de un conjunto de la institución. Cuerpo crudo con su `Content-Type`, o formulario "
    "multiparte con el campo `archivo`. **Requiere token.** El informe de validación (resumen JSON y "
    "texto) acompaña siempre a la respuesta. 201 con `Location` de la versión nueva; 200 si el contenido "
    "es idéntico a la versión vigente; 422 si no es conforme (no se escribe nada); 403 si intenta "
    "escribir recursos de otra institución.",
    responses={
        200: {"description": "Contenido idéntico a la versión vigente: no se creó versión."},
        401: {"description": "Falta el token, no es válido o fue revocado."},
        403: {"description": "El rol no lo permite o el envío toca recursos de otra institución."},
        413: {"description": "El archivo supera el tamaño máximo."},
        415: {"description": "Tipo de contenido no admitido."},
        422: {"description": "Los datos no son conformes: informe en `informe`."},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                **{t: {"schema": {"type": "string", "format": "binary"}} for t in _TIPOS_RDF},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"archivo": {"type": "string", "format": "binary"}},
                    }
                },
            }
        }
    },
)
async def enviar(
    request: Request,
    estado_registro: Estado,
    almacen: AlmacenDep,
    cred: CredencialDep,
    institucion: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=PATRON_CODIGO,
            description=("Institución dueña de los datos; por defecto, la del token."),
        ),
    ] = None,
    clave: Annotated[
        str | None,
        Query(
            max_length=128,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
            description=(
                "Clave del conjunto (p. ej. `programa-PE-TEL-01`); por defecto se deduce del nombre del "
                "archivo o "
                "de los recursos."
            ),
        ),
    ] = None,
    formato: Annotated[
        str | None,
        Query(
            max_length=40, description=("Formato si el `Content-Type` no lo indica (`turtle`, `jsonld`…).")
        ),
    ] = None,
) -> Response:
    exigir_rol(cred, "institucion", "analista", "administrador")
    destino = institucion or cred.institucion
    if not destino:
        raise EntradaInvalida(
            "Indique la institución dueña de los datos", detalle="Parámetro ?institucion=COD."
        )
    contenido, nombre, tipo = await _leer_cuerpo(request)
    fmt = formato or _TIPOS_RDF.get(tipo)
    if fmt is None and tipo not in ("", "application/octet-stream") and nombre is None:
        return problema(
            415,
            f"Tipo de contenido no admitido: «{tipo}». Use uno de: {', '.join(_TIPOS_RDF)} "
            "o multipart/form-data.",
            instancia=request.url.path,
        )
    _autorizar(cred, destino, clave, nombre)
    from starlette.concurrency import run_in_threadpool

    resultado = await run_in_threadpool(
        ingesta.enviar,
        almacen,
        contenido,
        institucion=destino,
        formato=fmt,
        nombre=nombre,
        clave=clave,
        agente=str(voc.institucion(cred.institucion)) if cred.institucion else None,
    )
    cuerpo = _cuerpo_resultado(resultado)
    if not resultado.aceptado:
        ajenos = _ajenos(resultado, destino)
        estado = 403 if ajenos else 422
        detalle = (
            f"El envío describe recursos de otra institución ({', '.join(sorted(ajenos))}); "
            "no se escribió nada."
            if ajenos
            else "Los datos no son conformes; no se escribió nada. Vea el informe."
        )
        return problema(
            estado,
            detalle,
            titulo="Acción no permitida" if ajenos else "Datos no conformes",
            instancia=request.url.path,
            extensiones={
                "informe": cuerpo["informe"],
                "informe_texto": cuerpo["informe_texto"],
                "institucion": destino,
                "clave": resultado.clave,
            },
        )
    assert resultado.version is not None
    ubicacion = ruta_version(resultado.version)
    cabeceras = {"Location": ubicacion}
    if not resultado.sin_cambios:
        # Quien publica espera ver su versión en /id y /sparql al recibir la respuesta: se espera (con
        # tope) a la instantánea pública, que se reconstruye en segundo plano sin detener a los demás.
        ejecutor = estado_registro.ejecutor
        al_dia = await run_in_threadpool(
            ejecutor.esperar_instantanea, estado_registro.config.tiempo_maximo_consulta
        )
        if not al_dia:
            cabeceras["X-Registro-Instantanea-Actualizando"] = "true"
    return JSONResponse(cuerpo, status_code=200 if resultado.sin_cambios else 201, headers=cabeceras)


async def _leer_cuerpo(request: Request) -> tuple[bytes, str | None, str]:
    tipo = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if tipo == "multipart/form-data":
        formulario = await request.form()
        archivo = formulario.get("archivo")
        if archivo is None or isinstance(archivo, str):
            raise EntradaInvalida(
                "Falta el archivo", detalle="Envíe el archivo en el campo «archivo» del formulario."
            )
        contenido = await archivo.read()
        return contenido, archivo.filename, (archivo.content_type or "").split(";", 1)[0].strip().lower()
    contenido = await request.body()
    if not contenido:
        raise EntradaInvalida(
            "El cuerpo de la petición está vacío", detalle="Envíe el archivo RDF como cuerpo."
        )
    return contenido, None, tipo


def _autorizar(cred: Credencial, destino: str, clave: str | None, nombre: str | None) -> None:
    if cred.rol == "institucion" and destino != cred.institucion:
        raise Prohibido(
            f"Su token es de «{cred.institucion}»: no puede enviar datos de «{destino}»",
            detalle="Cada institución publica solo en su propio espacio de nombres.",
        )
    if cred.rol == "analista":
        referencia = (clave or (nombre or "")).lower()
        if not referencia.startswith(_CLAVES_ANALISTA):
            raise Prohibido(
                "El rol «analista» solo puede enviar matrices de equivalencia y mapeos",
                detalle="Indique una clave que empiece por «matriz» o «mapeo» (?clave=matriz-…).",
            )


def _ajenos(resultado: ingesta.ResultadoEnvio, destino: str) -> set[str]:
    """Instituciones ajenas cuyos recursos intentó describir el envío (problemas de propiedad)."""
    salida = set()
    for p in resultado.informe.problemas:
        duena = voc.codigo_institucion_de(p.foco)
        if (
            p.severidad == "Violation"
            and p.ruta is None
            and duena is not None
            and duena != destino
            and voc.es_del_registro(p.foco)
            and p.foco.startswith(voc.espacio_institucion(duena))
        ):
            salida.add(duena)
    return salida


def _cuerpo_resultado(resultado: ingesta.ResultadoEnvio) -> dict[str, Any]:
    datos = resultado.como_json()
    datos["version"] = version_json(resultado.version) if resultado.version is not None else None
    datos["informe_texto"] = resultado.informe.texto()
    return datos


@router.get(
    "",
    response_model=Pagina[Version],
    summary="Listar versiones publicadas",
    description="Metadatos públicos de las versiones de envíos (institución, clave, número, fecha, SHA-256, "
    "versión anterior), de la más antigua a la más nueva. Sin token.",
)
def listar(
    request: Request,
    response: Response,
    almacen: AlmacenDep,
    pag: PaginacionDep,
    institucion: Annotated[str | None, Query(max_length=100, pattern=PATRON_CODIGO)] = None,
    clave: Annotated[str | None, Query(max_length=128)] = None,
    vigentes: Annotated[bool, Query(description="Solo las versiones vigentes.")] = False,
) -> dict[str, Any]:
    lista = [
        v
        for v in versiones.versiones(almacen, institucion, clave)
        if v.publico and (v.vigente or not vigentes)
    ]
    datos = paginar(request, response, pag, len(lista))
    return {**datos, "elementos": [version_json(v) for v in lista[pag.desde : pag.hasta]]}


@router.get(
    "/{institucion}/{clave}/{numero}",
    summary="Contenido de una versión",
    description="El grafo de una versión pública (vigente o anterior), en Turtle, N-Triples, JSON-LD o "
    "RDF/XML según `Accept`; con `ETag`. Es la dirección `Location` que devuelve un envío aceptado y la "
    "que enlaza el feed de cambios.",
    response_class=Response,
    responses={200: {"content": {t: {} for t in _FORMATOS_SALIDA}}, 404: {"description": "No existe."}},
)
def contenido(
    request: Request,
    almacen: AlmacenDep,
    institucion: Annotated[str, Path(max_length=100, pattern=PATRON_CODIGO)],
    clave: Annotated[str, Path(max_length=128, pattern=PATRON_CODIGO)],
    numero: Annotated[int, Path(ge=1, le=1_000_000)],
) -> Response:
    version = next(
        (v for v in versiones.versiones(almacen, institucion, clave) if v.numero == numero and v.publico),
        None,
    )
    if version is None:
        raise NoEncontrado(
            f"No existe la versión {numero} del conjunto {institucion}/{clave}",
            detalle="Vea las versiones en /api/envios.",
        )
    tipo = elegir(
        request.headers.get("accept"),
        list(_FORMATOS_SALIDA),
        alias={"application/json": "application/ld+json"},
    )
    if tipo is None:
        return problema(
            406, "Formatos disponibles: " + ", ".join(_FORMATOS_SALIDA), instancia=request.url.path
        )
    grafo = almacen.grafo(URIRef(version.grafo))
    for prefijo, base in voc.PREFIJOS.items():
        grafo.bind(prefijo, base, override=True, replace=True)
    cuerpo = grafo.serialize(format=_FORMATOS_SALIDA[tipo], encoding="utf-8")
    etag = etiqueta_entidad(cuerpo)
    cabeceras = {"ETag": etag, "Vary": "Accept", "Cache-Control": "public, max-age=86400, immutable"}
    if coincide_etag(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=cabeceras)
    return Response(cuerpo, media_type=tipo, headers=cabeceras)
