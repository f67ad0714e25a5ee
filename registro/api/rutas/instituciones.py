"""``/api/instituciones``: registro de instituciones (organismos, institutos, entidades certificadoras)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from rdflib import Literal

from registro import vocabulario as voc
from registro.api.dependencias import (
    Estado,
    EstadoRegistro,
    PaginacionDep,
    iri_o_codigo,
    normalizar_texto,
    paginar,
    rechazar_desconocidos,
)
from registro.api.modelos import Institucion, Pagina, Referencia
from registro.api.rutas._comun import consultar, enlace, referencia, resultado_json, texto
from registro.errores import EntradaInvalida

router = APIRouter(
    prefix="/api/instituciones", tags=["Instituciones"], dependencies=[Depends(rechazar_desconocidos)]
)


@router.get(
    "",
    response_model=Pagina[Institucion],
    summary="Buscar instituciones",
    description="Instituciones del registro con su tipo, país y localidad. `tipo` acepta el nombre local "
    "de una clase de la ontología (`IEST`, `CETPRO`, `CFT`, `OrganismoPublico`, `EntidadCertificadora`, "
    "`InstitucionFormativa`…); se incluyen sus subclases.",
)
def buscar(
    request: Request,
    response: Response,
    estado: Estado,
    pag: PaginacionDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Texto en nombre, sigla, código o localidad.")
    ] = None,
    pais: Annotated[str | None, Query(max_length=200, description="País: código ISO o IRI.")] = None,
    tipo: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=r"^[A-Za-z]+$",
            description="Clase de institución (nombre local en la ontología).",
        ),
    ] = None,
) -> dict:
    res = consultar(
        estado,
        "api-instituciones",
        {
            "q": Literal(normalizar_texto(q or "")),
            "paisFiltro": iri_o_codigo(pais, "pais"),
            "tipoFiltro": voc.REG[tipo] if tipo else iri_o_codigo(None),
        },
    )
    if tipo and not res.filas and not _clase_existe(estado, tipo):
        raise EntradaInvalida(
            f"Tipo de institución desconocido: «{tipo}»",
            detalle="Use IEST, CETPRO, CFT, IP, OrganismoPublico, EntidadCertificadora o "
            "InstitucionFormativa.",
        )
    filas = res.filas
    datos = paginar(request, response, pag, len(filas))
    return {**datos, "elementos": [institucion(f) for f in filas[pag.desde : pag.hasta]]}


def _clase_existe(estado: EstadoRegistro, tipo: str) -> bool:
    # ``tipo`` ya cumple ``^[A-Za-z]+$``: el IRI no puede romper la consulta.
    consulta = f"ASK {{ <{voc.REG[tipo]}> ?p ?o }}"
    return bool(resultado_json(estado.ejecutor.interna(consulta)).booleano)


def institucion(fila: dict) -> Institucion:
    iri = str(fila["institucion"])
    return Institucion(
        iri=iri,
        enlace=enlace(iri) or iri,
        codigo=texto(fila, "codigo"),
        nombre=texto(fila, "etiqueta"),
        sigla=texto(fila, "sigla"),
        tipo=Referencia(iri=str(fila["tipo"]), etiqueta=texto(fila, "tipoEtiqueta")),
        pais=referencia(fila, "pais", "paisCodigo", "paisEtiqueta"),
        localidad=texto(fila, "localidad"),
    )
