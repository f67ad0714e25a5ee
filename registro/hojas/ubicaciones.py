"""Dónde está cada elemento en la planilla: de un IRI (y una propiedad) a «hoja, fila, columna».

La validación SHACL habla de nodos RDF; quien rellenó la planilla piensa en hojas y filas. El conversor
anota, para cada recurso que crea, la fila que lo originó y, para cada propiedad, la celda de la que
salió su valor. ``precisar`` copia esa ubicación en cada ``Problema`` del informe (DISENO §4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from rdflib import URIRef

from registro.validacion import InformeValidacion
from registro.vocabulario import PREFIJOS

_PREFIJOS_ORDENADOS = sorted(PREFIJOS.items(), key=lambda kv: len(kv[1]), reverse=True)


@dataclass(frozen=True)
class Celda:
    """Un lugar de la planilla; ``fila``/``columna`` (desde 1) pueden faltar para una hoja entera."""

    hoja: str
    fila: int | None = None
    columna: int | None = None
    encabezado: str | None = None
    archivo: str | None = None
    """Archivo CSV dentro del .zip (variante CSV); ``None`` en un .xlsx."""

    @property
    def letra(self) -> str | None:
        return letra_columna(self.columna) if self.columna else None

    def texto(self) -> str:
        """«hoja «Indicadores», fila 7, columna C («Enunciado»)» (o «archivo «indicadores.csv»…»)."""
        partes = [f"archivo «{self.archivo}»" if self.archivo else f"hoja «{self.hoja}»"]
        if self.fila is not None:
            partes.append(f"fila {self.fila}")
        if self.columna is not None:
            columna = f"columna {self.letra}"
            if self.encabezado:
                columna += f" («{self.encabezado}»)"
            partes.append(columna)
        return ", ".join(partes)

    def __str__(self) -> str:
        return self.texto()


@dataclass(frozen=True)
class Ubicaciones:
    """IRI del foco → celda de su fila; (IRI, propiedad abreviada) → celda de la columna de su valor.

    Inmutable: se construye con ``Anotaciones.congelar`` al terminar una conversión.
    """

    por_foco: Mapping[str, Celda] = field(default_factory=dict)
    por_propiedad: Mapping[tuple[str, str], Celda] = field(default_factory=dict)

    def textos(self) -> dict[str, str]:
        """IRI del foco → texto de ubicación (el formato que espera ``ingesta.enviar_grafo``)."""
        return {foco: celda.texto() for foco, celda in self.por_foco.items()}

    def celda(self, foco: str, ruta: str | None = None) -> Celda | None:
        if ruta is not None and (foco, ruta) in self.por_propiedad:
            return self.por_propiedad[(foco, ruta)]
        return self.por_foco.get(foco)

    def precisar(self, informe: InformeValidacion) -> InformeValidacion:
        """Copia del informe con la ubicación de cada problema, en la columna de su propiedad si se sabe."""
        problemas = []
        for p in informe.problemas:
            celda = self.celda(p.foco, p.ruta)
            problemas.append(replace(p, ubicacion=celda.texto()) if celda is not None else p)
        return replace(informe, problemas=tuple(problemas))

    def __len__(self) -> int:
        return len(self.por_foco)


class Anotaciones:
    """Acumula ubicaciones durante una conversión (la primera anotada para un foco es la de su fila)."""

    def __init__(self) -> None:
        self._por_foco: dict[str, Celda] = {}
        self._por_propiedad: dict[tuple[str, str], Celda] = {}

    def anotar(self, foco: URIRef, celda: Celda, propiedad: URIRef | None = None) -> None:
        if propiedad is None:
            self._por_foco.setdefault(str(foco), celda)
        else:
            self._por_propiedad.setdefault((str(foco), compactar(str(propiedad))), celda)

    def congelar(self) -> Ubicaciones:
        return Ubicaciones(
            MappingProxyType(dict(self._por_foco)), MappingProxyType(dict(self._por_propiedad))
        )


def letra_columna(numero: int) -> str:
    """1 → A, 27 → AA (como en la hoja de cálculo; sin importar openpyxl para algo tan pequeño)."""
    letras = ""
    while numero > 0:
        numero, resto = divmod(numero - 1, 26)
        letras = chr(ord("A") + resto) + letras
    return letras


def columna_de_letra(letras: str) -> int:
    """A → 1, AA → 27."""
    numero = 0
    for c in letras.upper():
        numero = numero * 26 + ord(c) - ord("A") + 1
    return numero


def compactar(iri: str) -> str:
    """IRI → nombre con prefijo (``reg:creditos``), como las rutas de ``validacion.Problema``."""
    for prefijo, espacio in _PREFIJOS_ORDENADOS:
        if iri.startswith(espacio) and len(iri) > len(espacio):
            return f"{prefijo}:{iri[len(espacio) :]}"
    return iri
