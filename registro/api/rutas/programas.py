"""``/api/programas``: programas de estudios (IEST, CETPRO, CFT/IP…) con búsqueda y filtros."""

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
from registro.api.modelos import Pagina, Programa
from registro.api.rutas._comun import consultar, enlace, entero, pagina_de_detalles, referencia, texto
from registro.api.rutas.filtros import Filtros, filtros

router = APIRouter(
    prefix="/api/programas", tags=["Programas de estudios"], dependencies=[Depends(rechazar_desconocidos)]
)


@router.get(
    "",
    response_model=Pagina[Programa],
    summary="Buscar programas de estudios",
    description="Programas de estudios con búsqueda de texto (sin distinguir mayúsculas ni tildes), filtros "
    "por país, sector, nivel de cualificación e institución, y paginación (cabeceras `Link`).",
)
def buscar(
    request: Request,
    response: Response,
    estado: Estado,
    pag: PaginacionDep,
    f: Annotated[Filtros, Depends(filtros)],
    institucion: Annotated[
        str | None,
        Query(max_length=200, description="Institución que lo ofrece: código (`iest-piloto`) o IRI."),
    ] = None,
) -> dict:
    res = consultar(
        estado,
        "api-programas-buscar",
        {
            "q": Literal(normalizar_texto(f.q or "")),
            "pais": f.pais,
            "sector": f.sector,
            "nivel": f.nivel,
            "institucion": iri_o_codigo(institucion, "inst"),
        },
    )
    iris = [fila["programa"] for fila in res.filas]
    datos = paginar(request, response, pag, len(iris))
    filas = pagina_de_detalles(
        estado,
        pag,
        iris,
        consulta_detalle="api-programas-detalle",
        variable="programa",
        parametro_lista="programas",
    )
    return {**datos, "elementos": [programa(fila) for fila in filas]}


def programa(fila: dict) -> Programa:
    iri = str(fila["programa"])
    return Programa(
        iri=iri,
        enlace=enlace(iri) or iri,
        codigo=texto(fila, "codigo"),
        nombre=texto(fila, "etiqueta"),
        pais=referencia(fila, "pais", "paisCodigo", "paisEtiqueta"),
        sector=referencia(fila, "sector", None, "sectorEtiqueta"),
        nivel=referencia(fila, "nivel", None, "nivelEtiqueta"),
        institucion=referencia(fila, "institucion", None, "institucionEtiqueta"),
        version=texto(fila, "version"),
        nivel_formativo=texto(fila, "nivelFormativo"),
        vigente_desde=texto(fila, "vigenteDesde"),
        modulos=entero(fila, "modulos"),
    )
