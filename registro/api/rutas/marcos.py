"""``/api/marcos``: marcos de cualificaciones (MNCP, MCTP, EQF…) y sus niveles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from rdflib import Literal

from registro import vocabulario as voc
from registro.api.dependencias import (
    PATRON_CODIGO,
    Estado,
    PaginacionDep,
    iri_o_codigo,
    normalizar_texto,
    paginar,
    rechazar_desconocidos,
)
from registro.api.modelos import Marco, Nivel, Pagina
from registro.api.rutas._comun import consultar, enlace, entero, referencia, texto
from registro.errores import NoEncontrado

router = APIRouter(
    prefix="/api/marcos", tags=["Marcos de cualificaciones"], dependencies=[Depends(rechazar_desconocidos)]
)


@router.get(
    "",
    response_model=Pagina[Marco],
    summary="Buscar marcos de cualificaciones",
    description="Marcos de cualificaciones con su sigla, país y número de niveles registrados.",
)
def buscar(
    request: Request,
    response: Response,
    estado: Estado,
    pag: PaginacionDep,
    q: Annotated[str | None, Query(max_length=200, description="Texto en nombre o sigla.")] = None,
    pais: Annotated[str | None, Query(max_length=200, description="País: código ISO o IRI.")] = None,
) -> dict:
    res = consultar(
        estado,
        "api-marcos",
        {
            "q": Literal(normalizar_texto(q or "")),
            "paisFiltro": iri_o_codigo(pais, "pais"),
        },
    )
    filas = res.filas
    datos = paginar(request, response, pag, len(filas))
    return {**datos, "elementos": [marco(f) for f in filas[pag.desde : pag.hasta]]}


@router.get(
    "/{codigo}/niveles",
    response_model=list[Nivel],
    summary="Niveles de un marco",
    description="Niveles del marco (`mncp`, `mctp`, `eqf`…), en orden, con su nombre y definición.",
)
def niveles(
    estado: Estado,
    codigo: Annotated[
        str, Path(max_length=100, pattern=PATRON_CODIGO, description="Código del marco (`mncp`).")
    ],
) -> list[Nivel]:
    iri = voc.recurso("marco", codigo.lower())
    res = consultar(estado, "niveles-de-marco", {"marco": iri})
    if not res.filas:
        raise NoEncontrado(
            f"No existe el marco «{codigo}» o no tiene niveles",
            detalle="Vea los marcos disponibles en /api/marcos.",
        )
    return [
        Nivel(
            iri=str(f["nivel"]),
            enlace=enlace(str(f["nivel"])) or str(f["nivel"]),
            numero=entero(f, "numero"),
            nombre=texto(f, "etiqueta"),
            definicion=texto(f, "definicion"),
        )
        for f in res.filas
    ]


def marco(fila: dict) -> Marco:
    iri = str(fila["marco"])
    return Marco(
        iri=iri,
        enlace=enlace(iri) or iri,
        codigo=iri.rsplit("/", 1)[-1],
        nombre=texto(fila, "etiqueta"),
        sigla=texto(fila, "sigla"),
        pais=referencia(fila, "pais", "paisCodigo", "paisEtiqueta"),
        version=texto(fila, "version"),
        niveles=entero(fila, "niveles"),
    )
