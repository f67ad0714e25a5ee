"""``/api/mapeos``: mapeos entre unidades de competencia de distintos países (estilo SSSOM)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from rdflib import URIRef
from rdflib.namespace import SKOS

from registro import vocabulario as voc
from registro.api.dependencias import (
    Estado,
    PaginacionDep,
    iri_o_codigo,
    paginar,
    rechazar_desconocidos,
)
from registro.api.modelos import Mapeo, Pagina, Referencia
from registro.api.rutas._comun import compacto, consultar, enlace, referencia, texto

router = APIRouter(
    prefix="/api/mapeos", tags=["Mapeos entre países"], dependencies=[Depends(rechazar_desconocidos)]
)

EstadoRevision = Literal["sugerida", "aprobada", "rechazada"]
Predicado = Literal["exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"]


@router.get(
    "",
    response_model=Pagina[Mapeo],
    summary="Listar mapeos entre unidades de competencia",
    description="Mapeos entre unidades de competencia (p. ej. UCL chilena ↔ UC peruana) con sus metadatos "
    "SSSOM. Solo los mapeos `aprobada` cuentan en una convalidación.",
)
def listar(
    request: Request,
    response: Response,
    app_estado: Estado,
    pag: PaginacionDep,
    estado: Annotated[EstadoRevision | None, Query(description="Estado de revisión.")] = None,
    predicado: Annotated[Predicado | None, Query(description="Predicado SKOS del mapeo.")] = None,
    unidad: Annotated[
        str | None, Query(max_length=300, description="IRI de una unidad (origen o destino).")
    ] = None,
    institucion: Annotated[
        str | None, Query(max_length=200, description="Institución dueña: código o IRI.")
    ] = None,
) -> dict:
    res = consultar(
        app_estado,
        "api-mapeos-buscar",
        {
            "estado": voc.estado(estado) if estado else iri_o_codigo(None),
            "predicado": URIRef(str(SKOS) + predicado) if predicado else iri_o_codigo(None),
            "unidad": iri_o_codigo(unidad) if unidad else iri_o_codigo(None),
            "institucion": iri_o_codigo(institucion, "inst"),
        },
    )
    iris = [f["mapeo"] for f in res.filas]
    datos = paginar(request, response, pag, len(iris))
    pagina = iris[pag.desde : pag.hasta]
    detalle = {}
    if pagina:
        detalle = {
            str(f["mapeo"]): f for f in consultar(app_estado, "api-mapeos-detalle", {"mapeos": pagina}).filas
        }
    return {**datos, "elementos": [mapeo(detalle[str(i)]) for i in pagina if str(i) in detalle]}


def mapeo(fila: dict) -> Mapeo:
    iri = str(fila["mapeo"])
    estado = texto(fila, "estado")
    return Mapeo(
        iri=iri,
        enlace=enlace(iri) or iri,
        origen=referencia(fila, "origen", "codigoOrigen", "etiquetaOrigen"),
        destino=referencia(fila, "destino", "codigoDestino", "etiquetaDestino"),
        predicado=compacto(fila, "predicado"),
        estado=Referencia(iri=estado, enlace=enlace(estado), codigo=estado.rsplit("/", 1)[-1])
        if estado
        else None,
        justificacion=compacto(fila, "justificacion"),
        confianza=texto(fila, "confianza"),
        autor=texto(fila, "autor"),
        revisor=texto(fila, "revisor"),
        fecha=texto(fila, "fecha"),
        nota=texto(fila, "nota"),
    )
