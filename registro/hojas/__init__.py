"""Plantillas de planilla para instituciones que no escriben RDF (issue «Envíos institucionales», parte 4).

Dos plantillas, descritas como datos en ``esquema``:

- **programa** de estudios: hojas «Léame», «Programa» (ficha), «Módulos», «Unidades didácticas»,
  «Capacidades», «Indicadores»;
- **norma** de competencia (estándar MTPE o perfil ChileValora, según la columna «Tipo»): «Léame»,
  «Norma» (ficha), «Unidades», «Actividades clave» (opcional), «Criterios», «Conocimientos»,
  «Habilidades» y «Competencias transversales» (opcionales).

Dos formatos equivalentes: un libro **.xlsx**, o un **.zip con un CSV por hoja** (mismos encabezados;
``programa.csv``, ``modulos.csv``…). Se eligió el .zip de CSV frente a un CSV único con columna «tipo»
porque conserva una tabla por hoja con sus propios encabezados (un CSV único tendría la unión de todas
las columnas, casi vacía) y permite ubicar los errores igual que en el libro: archivo, fila y columna.

Flujo (DISENO §1): ``convertir`` (lectura segura → grafo con la forma del piloto + ``Ubicaciones``) y
luego ``ingesta`` valida y publica como cualquier envío; los problemas SHACL vuelven con «hoja, fila,
columna». ``ingesta.validar_contenido`` y ``ingesta.enviar`` reconocen las planillas con
``es_planilla`` y las convierten aquí, así que ``registro validar plantilla.xlsx`` y
``registro enviar plantilla.xlsx --institucion X`` funcionan sin pasos previos.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PureWindowsPath

from rdflib import Literal, URIRef

from registro import analisis
from registro.almacen.base import Almacen, Vista
from registro.errores import EntradaInvalida
from registro.hojas import esquema
from registro.hojas.conversion import (
    Conversion,
    ErrorPlanilla,
    PlanillaInvalida,
    Resolutor,
    convertir_libro,
    hojas_conocidas,
)
from registro.hojas.lectura import leer
from registro.hojas.ubicaciones import Celda, Ubicaciones
from registro.vocabulario import REG

__all__ = [
    "EXTENSIONES",
    "FORMATOS",
    "Celda",
    "Conversion",
    "ErrorPlanilla",
    "PlanillaInvalida",
    "ResolutorAlmacen",
    "Ubicaciones",
    "convertir",
    "es_planilla",
    "generar_plantilla",
    "tipo_plantilla",
]

FORMATOS = ("xlsx", "csv")
"""Formatos de plantilla: libro de Excel, o .zip con un CSV por hoja."""

EXTENSIONES: dict[str, str] = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xltx": "xlsx",
    ".xltm": "xlsx",
    ".xlam": "xlsx",
    ".xlsb": "xlsx",
    ".xls": "xlsx",
    ".ods": "xlsx",
    ".csv": "csv",
    ".zip": "csv",
}
"""Extensiones que se tratan como planilla (las que no se admiten reciben un error que lo explica)."""

_ALIAS_FORMATO = {
    "xlsx": "xlsx",
    "excel": "xlsx",
    "xlsm": "xlsx",
    "planilla": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": "xlsx",
    "csv": "csv",
    "zip": "csv",
    "text/csv": "csv",
    "application/zip": "csv",
    "application/x-zip-compressed": "csv",
}
_EXTENSIONES_RDF = frozenset(
    {
        ".ttl",
        ".turtle",
        ".trig",
        ".nq",
        ".nquads",
        ".nt",
        ".ntriples",
        ".rdf",
        ".owl",
        ".xml",
        ".jsonld",
        ".json",
    }
)
_FIRMAS = (b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def es_planilla(nombre: str | None, contenido: bytes, formato: str | None = None) -> bool:
    """¿Este envío es una planilla? Por formato explícito, por extensión o, sin ellas, por el contenido.

    El orden es el de ``analisis.detectar_formato``: lo explícito manda; una extensión RDF conocida
    deja el archivo al analizador RDF aunque empiece como un ZIP (su error es más claro allí).
    """
    if formato:
        return formato.strip().lower().split(";", 1)[0].strip().lstrip(".") in _ALIAS_FORMATO
    sufijo = PureWindowsPath(nombre).suffix.lower() if nombre else ""
    if sufijo in EXTENSIONES:
        return True
    if sufijo in _EXTENSIONES_RDF:
        return False
    return bytes(contenido[:8]).startswith(_FIRMAS)


def convertir(
    contenido: bytes,
    *,
    limite: int,
    nombre: str | None = None,
    almacen: Almacen | None = None,
    institucion: str | None = None,
    resolutor: Resolutor | None = None,
) -> Conversion:
    """Planilla (bytes) → ``Conversion`` con el grafo y las ubicaciones; no escribe nada.

    ``almacen`` permite resolver códigos de unidades de competencia («Unidad de competencia
    asociada») a sus IRIs; ``institucion``, si se indica, debe coincidir con la de la planilla.
    Lanza ``EntradaDemasiadoGrande``/``EntradaPeligrosa``/``EntradaInvalida`` (archivo) o
    ``PlanillaInvalida`` (contenido, con la lista de errores por hoja, fila y columna).
    """
    if not isinstance(contenido, bytes | bytearray | memoryview):
        raise TypeError("convertir() recibe bytes; nunca una ruta")
    _preparar_lectores()
    with analisis.sin_red():  # como el análisis RDF: leer una planilla nunca sale de la máquina
        libro = leer(bytes(contenido), nombre=nombre, limite=limite, hojas=hojas_conocidas())
    if resolutor is None and almacen is not None:
        resolutor = ResolutorAlmacen(almacen)
    conversion = convertir_libro(libro, institucion=institucion, resolutor=resolutor)
    analisis.revisar_grafo(conversion.grafo, nombre)  # mismos topes que el RDF (caracteres de control…)
    return conversion


def _preparar_lectores() -> None:
    """Importa openpyxl y carga la tabla de tipos MIME **fuera** de ``sin_red``.

    Por qué: al importarse, openpyxl construye un ``mimetypes.MimeTypes()``, que lee
    ``/etc/mime.types``; dentro de ``sin_red`` la guardia bloquea esa lectura y la primera planilla que
    recibía un proceso recién arrancado (la API, o ``ingesta`` usada como biblioteca) fallaba con «Se
    bloqueó un acceso externo». Es una lectura del sistema, no del envío: se hace antes, una vez.
    """
    import mimetypes

    import openpyxl  # noqa: F401 - el efecto buscado es la importación

    mimetypes.init()


def tipo_plantilla(tipo: str) -> esquema.Plantilla:
    """``programa`` | ``estandar`` (también ``norma``, ``perfil``) → descripción de la plantilla."""
    clave = esquema.ALIAS_PLANTILLA.get(tipo.strip().lower())
    if clave is None:
        raise EntradaInvalida(
            f"Tipo de plantilla desconocido: «{tipo}»",
            detalle="Use «programa» (programa de estudios) o «estandar» (estándar o perfil de competencia).",
        )
    return esquema.PLANTILLAS[clave]


def generar_plantilla(tipo: str, formato: str = "xlsx") -> bytes:
    """Bytes de la plantilla vacía: un .xlsx o un .zip de CSV."""
    from registro.hojas.escritura import generar_xlsx, generar_zip_csv  # openpyxl solo al generar

    plantilla = tipo_plantilla(tipo)
    if formato == "xlsx":
        return generar_xlsx(plantilla)
    if formato == "csv":
        return generar_zip_csv(plantilla)
    raise EntradaInvalida(f"Formato de plantilla desconocido: «{formato}»", detalle="Use xlsx o csv.")


class ResolutorAlmacen:
    """Resuelve códigos de unidades de competencia con la consulta ``resolver-codigo`` del catálogo.

    Solo mira la vista pública vigente: un programa no puede asociarse a datos privados.
    """

    def __init__(self, almacen: Almacen) -> None:
        self._almacen = almacen

    def __call__(self, codigo: str) -> Sequence[URIRef]:
        from registro import consultas  # diferida: el catálogo valida todas las consultas al cargarse

        res = consultas.catalogo().ejecutar(
            self._almacen,
            "resolver-codigo",
            {"codigo": Literal(codigo), "clase": REG.UnidadCompetencia},
            vista=Vista.PUBLICA,
        )
        return sorted({f["recurso"] for f in res.filas if isinstance(f.get("recurso"), URIRef)})  # type: ignore[misc]
