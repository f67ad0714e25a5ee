"""Dependencias tipadas de la API: estado de la aplicación, credenciales, paginación y parámetros.

Todo lo que un manejador necesita llega por aquí (``Annotated[..., Depends(...)]``), nunca por
variables globales: la fábrica ``crear_app`` guarda el estado en ``app.state.registro`` y las pruebas
pueden construir tantas aplicaciones como quieran, cada una con su almacén.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from rdflib import URIRef

from registro import acceso
from registro import vocabulario as voc
from registro.acceso import Credencial
from registro.almacen.base import Almacen
from registro.configuracion import Configuracion
from registro.consulta_publica import EjecutorSparql
from registro.errores import EntradaInvalida, NoAutorizado, Prohibido

CUALQUIERA = URIRef("urn:registro:cualquiera")
"""Valor de un filtro IRI no pedido en las consultas ``api-*.rq`` (ver sus cabeceras)."""


@dataclass
class EstadoRegistro:
    """Lo que comparte una aplicación: configuración, almacén y ejecutor SPARQL."""

    config: Configuracion
    almacen: Almacen
    ejecutor: EjecutorSparql
    etiquetas: dict[str, str] = field(default_factory=dict)
    """Etiquetas en español de clases y propiedades (para las páginas HTML), leídas al arrancar."""


def obtener_estado(request: Request) -> EstadoRegistro:
    return request.app.state.registro


def obtener_almacen(request: Request) -> Almacen:
    return request.app.state.registro.almacen


Estado = Annotated[EstadoRegistro, Depends(obtener_estado)]
AlmacenDep = Annotated[Almacen, Depends(obtener_almacen)]


# --- credenciales --------------------------------------------------------------------------------------
_portador = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="Token de la institución emitido con «registro token emitir» (cabecera "
    "`Authorization: Bearer reg_…`).",
)


def credencial(
    almacen: AlmacenDep,
    portador: Annotated[HTTPAuthorizationCredentials | None, Depends(_portador)],
) -> Credencial:
    """Credencial activa del token (401 si falta, no es válido o está revocado)."""
    if portador is None or not portador.credentials:
        raise NoAutorizado(
            "Falta el token de acceso",
            detalle="Envíe la cabecera «Authorization: Bearer <token>» con el token de su institución.",
        )
    return acceso.verificar(almacen, portador.credentials)


CredencialDep = Annotated[Credencial, Depends(credencial)]


def exigir_rol(cred: Credencial, *roles: str) -> None:
    """403 si el rol de la credencial no está entre los permitidos."""
    if cred.rol not in roles:
        raise Prohibido(
            f"El rol «{cred.rol}» no permite esta acción",
            detalle=f"Roles permitidos: {', '.join(roles)}.",
        )


# --- paginación ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Paginacion:
    pagina: int
    por_pagina: int

    @property
    def desde(self) -> int:
        return (self.pagina - 1) * self.por_pagina

    @property
    def hasta(self) -> int:
        return self.desde + self.por_pagina


def paginacion(
    pagina: Annotated[int, Query(ge=1, le=1_000_000, description="Número de página (desde 1).")] = 1,
    por_pagina: Annotated[int, Query(ge=1, le=100, description="Elementos por página (1–100).")] = 20,
) -> Paginacion:
    return Paginacion(pagina, por_pagina)


PaginacionDep = Annotated[Paginacion, Depends(paginacion)]


def paginar(request: Request, response: Response, pag: Paginacion, total: int) -> dict[str, int]:
    """Cabeceras ``Link`` (RFC 8288: first, prev, next, last) y ``X-Total-Count``; datos para el cuerpo."""
    paginas = max(1, -(-total // pag.por_pagina))
    enlaces = {"first": 1, "last": paginas}
    if pag.pagina > 1:
        enlaces["prev"] = min(pag.pagina - 1, paginas)
    if pag.pagina < paginas:
        enlaces["next"] = pag.pagina + 1
    valores = [
        f'<{_url_pagina(request, n, pag.por_pagina)}>; rel="{rel}"'
        for rel, n in sorted(enlaces.items(), key=lambda kv: ("first", "prev", "next", "last").index(kv[0]))
    ]
    response.headers["Link"] = ", ".join(valores)
    response.headers["X-Total-Count"] = str(total)
    return {"total": total, "pagina": pag.pagina, "por_pagina": pag.por_pagina, "paginas": paginas}


def _url_pagina(request: Request, pagina: int, por_pagina: int) -> str:
    parametros = [(k, v) for k, v in request.query_params.multi_items() if k not in ("pagina", "por_pagina")]
    parametros += [("pagina", str(pagina)), ("por_pagina", str(por_pagina))]
    return str(request.url.replace(query=urlencode(parametros)))


# --- parámetros ---------------------------------------------------------------------------------------
_CACHE_PARAMETROS: dict[int, frozenset[str]] = {}


def _parametros_de(dependiente: object) -> set[str]:
    nombres = {getattr(c, "alias", None) or c.name for c in getattr(dependiente, "query_params", ())}
    for sub in getattr(dependiente, "dependencies", ()):
        nombres |= _parametros_de(sub)
    return nombres


def rechazar_desconocidos(request: Request) -> None:
    """400 si la petición trae un parámetro de consulta que la ruta no declara (p. ej. una errata).

    Un filtro mal escrito (``?sectr=…``) que se ignorase en silencio devolvería *todos* los resultados
    como si fueran la respuesta filtrada; por eso en ``/api`` se rechaza y se dice cuáles valen.
    """
    ruta = request.scope.get("route")
    dependiente = getattr(ruta, "dependant", None)
    if dependiente is None:
        return
    clave = id(ruta)
    permitidos = _CACHE_PARAMETROS.get(clave)
    if permitidos is None:
        permitidos = _CACHE_PARAMETROS[clave] = frozenset(_parametros_de(dependiente))
    desconocidos = sorted({k for k in request.query_params if k not in permitidos})
    if desconocidos:
        lista = ", ".join(f"«{d}»" for d in desconocidos)
        raise EntradaInvalida(
            ("Parámetros desconocidos: " if len(desconocidos) > 1 else "Parámetro desconocido: ") + lista,
            detalle="Parámetros aceptados: " + (", ".join(sorted(permitidos)) or "ninguno") + ".",
        )


def normalizar_texto(texto: str) -> str:
    """Minúsculas y sin tildes (NFD sin marcas combinantes): «Telecomunicación» → «telecomunicacion».

    Las consultas ``api-*.rq`` aplican la misma normalización a las etiquetas (LCASE y REPLACE de las
    vocales acentuadas, ñ y ç), así la búsqueda no distingue mayúsculas ni tildes en ningún lado.
    """
    descompuesto = unicodedata.normalize("NFD", texto)
    sin_marcas = "".join(c for c in descompuesto if unicodedata.category(c) != "Mn")
    return " ".join(sin_marcas.lower().split())


_CODIGO = r"^[A-Za-z0-9._~-]+$"
"""Patrón de los códigos en rutas y filtros (los mismos caracteres que admite ``vocabulario.segmento``)."""
PATRON_CODIGO = _CODIGO


def iri_o_codigo(valor: str | None, *prefijo: str) -> URIRef:
    """Filtro de la API → IRI: un IRI del registro tal cual, o un código bajo ``id:{prefijo…}/``."""
    if valor is None or valor == "":
        return CUALQUIERA
    if valor.startswith(str(voc.ID)):
        from registro.almacen.base import validar_iri

        validar_iri(valor)
        return URIRef(valor)
    partes = [p for p in valor.split("/") if p]
    if not partes:
        raise EntradaInvalida(f"Valor de filtro inválido: «{valor}»")
    return voc.recurso(*prefijo, *partes)
