"""Modelos de las respuestas JSON de la API (nombres de campo en español), para OpenAPI y validación.

Cada recurso lleva ``iri`` (su identificador permanente, ``https://w3id.org/registro/id/…``) y
``enlace`` (la misma descripción servida por este servidor en ``/id/…``, con negociación de
contenido). Las referencias a otros recursos (país, sector, nivel, institución) son objetos
``Referencia`` con IRI, código y etiqueta en español, para no obligar a una segunda petición.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Modelo(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Referencia(Modelo):
    iri: str
    enlace: str | None = Field(None, description="Ruta en este servidor (`/id/…`) si el IRI es del registro.")
    codigo: str | None = None
    etiqueta: str | None = None


class Pagina(Modelo, Generic[T]):
    """Una página de resultados; las cabeceras `Link` y `X-Total-Count` repiten la navegación."""

    total: int = Field(description="Elementos que cumplen los filtros (todas las páginas).")
    pagina: int
    por_pagina: int
    paginas: int
    elementos: list[T]


class Norma(Modelo):
    iri: str
    enlace: str
    codigo: str | None
    nombre: str | None
    tipo: Referencia
    pais: Referencia | None
    sector: Referencia | None
    nivel: Referencia | None
    institucion: Referencia | None
    version: str | None
    estado: str | None = Field(
        None, description="Estado de vigencia («vigente», «no vigente», «en revisión»)."
    )
    vigente_desde: str | None
    vigente_hasta: str | None
    unidades: int


class Programa(Modelo):
    iri: str
    enlace: str
    codigo: str | None
    nombre: str | None
    pais: Referencia | None
    sector: Referencia | None
    nivel: Referencia | None
    institucion: Referencia | None
    version: str | None
    nivel_formativo: str | None
    vigente_desde: str | None
    modulos: int


class Institucion(Modelo):
    iri: str
    enlace: str
    codigo: str | None
    nombre: str | None
    sigla: str | None
    tipo: Referencia
    pais: Referencia | None
    localidad: str | None


class Marco(Modelo):
    iri: str
    enlace: str
    codigo: str
    nombre: str | None
    sigla: str | None
    pais: Referencia | None
    version: str | None
    niveles: int


class Nivel(Modelo):
    iri: str
    enlace: str
    numero: int
    nombre: str | None
    definicion: str | None


class Mapeo(Modelo):
    iri: str
    enlace: str
    origen: Referencia | None
    destino: Referencia | None
    predicado: str | None = Field(None, description="Predicado SKOS abreviado (`skos:exactMatch`…).")
    estado: Referencia | None
    justificacion: str | None = Field(None, description="Justificación SSSOM abreviada (`semapv:…`).")
    confianza: str | None = Field(None, description="Decimal exacto como texto (0–1).")
    autor: str | None
    revisor: str | None
    fecha: str | None
    nota: str | None


class Version(Modelo):
    grafo: str
    institucion: str
    clave: str
    numero: int
    vigente: bool
    fecha: str
    sha256: str
    anterior: str | None
    enlace: str = Field(description="Contenido de la versión (RDF) en este servidor.")


class Cambio(Version):
    tipo: str = Field(
        description="`alta` (primera versión de un conjunto) o `revision` (sustituye a `anterior`)."
    )


class ResultadoEnvio(Modelo):
    aceptado: bool
    sin_cambios: bool
    institucion: str
    clave: str
    sha256: str
    tripletas: int
    version: Version | None
    informe: dict[str, Any] = Field(description="Resumen del informe de validación (conteos y problemas).")
    informe_texto: str = Field(description="El mismo informe, en texto para personas.")


class PeticionConvalidacion(Modelo):
    certificados: list[str] = Field(
        min_length=1, max_length=50, description="Códigos o IRIs de los certificados de la persona."
    )
    programa: str = Field(min_length=1, max_length=300, description="Código o IRI del programa de estudios.")
    regla: str | None = Field(
        None, max_length=300, description="Código o IRI de la regla (por defecto, la aplicable)."
    )
    guardar: bool = Field(False, description="Guardar el resultado en el grafo privado de resultados.")


class PeticionToken(Modelo):
    rol: str = Field(description="`institucion`, `analista` o `administrador`.")
    institucion: str | None = Field(None, max_length=100, pattern=r"^[A-Za-z0-9._~-]+$")
    descripcion: str = Field("", max_length=300)


class CredencialJSON(Modelo):
    id: str
    rol: str
    institucion: str | None
    creada: str
    revocada: str | None
    descripcion: str


class TokenEmitido(CredencialJSON):
    token: str = Field(description="Se muestra una sola vez: el registro guarda solo su huella SHA-256.")
