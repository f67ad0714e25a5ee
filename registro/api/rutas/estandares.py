"""``/api/estandares``: normas de competencia (estándares MTPE, perfiles ChileValora…) con búsqueda."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from rdflib import Literal

from registro.api.dependencias import (
    Estado,
    PaginacionDep,
    iri_o_codigo,
    normalizar_texto,
    paginar,
    rechazar_desconocidos,
)
from registro.api.modelos import Norma, Pagina, Referencia
from registro.api.rutas._comun import consultar, enlace, entero, pagina_de_detalles, referencia, texto
from registro.api.rutas.filtros import Filtros, filtros

router = APIRouter(
    prefix="/api/estandares", tags=["Normas de competencia"], dependencies=[Depends(rechazar_desconocidos)]
)


@router.get(
    "",
    response_model=Pagina[Norma],
    summary="Buscar normas de competencia",
    description="Estándares de competencia laboral (MTPE), perfiles ocupacionales (ChileValora) y demás "
    "normas, con búsqueda de texto que no distingue mayúsculas ni tildes (`q`: «telecomunicacion» "
    "encuentra «Telecomunicación»), filtros y paginación (cabeceras `Link` y `X-Total-Count`).",
)
def buscar(
    request: Request,
    response: Response,
    estado: Estado,
    pag: PaginacionDep,
    f: Annotated[Filtros, Depends(filtros)],
    institucion: Annotated[
        str | None, Query(max_length=200, description="Institución emisora: código (`mtpe`) o IRI.")
    ] = None,
) -> dict:
    res = consultar(
        estado,
        "api-normas-buscar",
        {
            "q": Literal(normalizar_texto(f.q or "")),
            "pais": f.pais,
            "sector": f.sector,
            "nivel": f.nivel,
            "institucion": iri_o_codigo(institucion, "inst"),
        },
    )
    iris = [fila["norma"] for fila in res.filas]
    datos = paginar(request, response, pag, len(iris))
    filas = pagina_de_detalles(
        estado, pag, iris, consulta_detalle="api-normas-detalle", variable="norma", parametro_lista="normas"
    )
    return {**datos, "elementos": [norma(fila) for fila in filas]}


def norma(fila: dict) -> Norma:
    iri = str(fila["norma"])
    return Norma(
        iri=iri,
        enlace=enlace(iri) or iri,
        codigo=texto(fila, "codigo"),
        nombre=texto(fila, "etiqueta"),
        tipo=Referencia(iri=str(fila["tipo"]), etiqueta=texto(fila, "tipoEtiqueta")),
        pais=referencia(fila, "pais", "paisCodigo", "paisEtiqueta"),
        sector=referencia(fila, "sector", None, "sectorEtiqueta"),
        nivel=referencia(fila, "nivel", None, "nivelEtiqueta"),
        institucion=referencia(fila, "institucion", None, "institucionEtiqueta"),
        version=texto(fila, "version"),
        estado=texto(fila, "estado"),
        vigente_desde=texto(fila, "vigenteDesde"),
        vigente_hasta=texto(fila, "vigenteHasta"),
        unidades=entero(fila, "unidades"),
    )
