"""Qué hojas y columnas tiene cada plantilla de planilla (datos, no código de conversión).

Una sola descripción sirve para **generar** la plantilla (encabezados, ayudas, ejemplo, listas
desplegables, anchos), para **leerla** (encabezados esperados, obligatorios, tipos) y para **ubicar**
los problemas de validación (qué columna corresponde a qué propiedad RDF). Así un encabezado no se
puede escribir de una manera en la plantilla y buscarse de otra en el conversor.

Las listas de valores admitidos no se escriben aquí: las que fija el modelo (ciclo, nivel formativo,
estado de vigencia) se leen de las formas SHACL (``sh:in``) y las de referencia (marcos, niveles,
países, sectores) de ``datos_ttl/referencia``. Un país o marco nuevo aparece en la plantilla sin tocar
este archivo (DISENO §6).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, SKOS

from registro import recursos, validacion
from registro.vocabulario import REG, REGSH

VERSION_PLANILLA = "1"
"""Versión del formato de las plantillas; cambia si cambia el significado de una columna."""

# Tipos de valor de una columna (los interpreta ``conversion``).
TEXTO = "texto"
CODIGO = "codigo"
"""Texto sin espacios internos; forma parte de un IRI."""
CLASIFICACION = "clasificacion"
"""Uno o varios códigos de una clasificación (separados por «;»); deben escribirse como texto."""
DECIMAL = "decimal"
ENTERO = "entero"
NUMERO = "numero"
"""Número con puntos como «1» o «1.2» (actividades, criterios): se guarda como texto."""
FECHA = "fecha"
BOOLEANO = "booleano"
CICLO = "ciclo"
OPCION = "opcion"
"""Uno de los valores de la lista de la columna (la conversión lo exige)."""
REFERENCIA = "referencia"
"""Código de un recurso del registro (o su IRI completo) que se resuelve contra el almacén."""

SI_NO = ("sí", "no")
TIPOS_NORMA = ("estándar de competencia", "perfil ocupacional")


@dataclass(frozen=True)
class Columna:
    """Una columna de una hoja tabular, o un campo de una hoja de ficha."""

    encabezado: str
    """Texto del encabezado (sin el « *» que marca las obligatorias)."""
    clave: str
    """Nombre interno estable (lo usa la conversión)."""
    tipo: str
    obligatoria: bool = False
    ayuda: str = ""
    ejemplo: str = ""
    """Valor de la fila (o columna) de ejemplo, siempre como texto."""
    ancho: int = 16
    lista: str | None = None
    """Nombre de la lista de valores admitidos (``listas()``), para la validación de datos."""
    propiedad: URIRef | None = None
    """Propiedad RDF que sale de esta columna: ubica en la celda los problemas SHACL de esa propiedad."""
    alias: tuple[str, ...] = ()
    """Otros encabezados que se aceptan al leer (abreviaturas habituales)."""

    @property
    def titulo(self) -> str:
        """Encabezado tal como se escribe en la plantilla (las obligatorias llevan « *»)."""
        return f"{self.encabezado} *" if self.obligatoria else self.encabezado


@dataclass(frozen=True)
class Hoja:
    """Una hoja de la plantilla (o un archivo CSV de la variante .zip)."""

    nombre: str
    archivo: str
    """Nombre del CSV equivalente dentro del .zip."""
    descripcion: str
    columnas: tuple[Columna, ...]
    obligatoria: bool = True
    ficha: bool = False
    """Hoja de ficha (un solo elemento): filas «Campo | Valor | Ejemplo | Ayuda» en vez de una tabla."""

    def columna(self, clave: str) -> Columna:
        for c in self.columnas:
            if c.clave == clave:
                return c
        raise KeyError(clave)


@dataclass(frozen=True)
class Plantilla:
    """Una plantilla completa: programa de estudios o norma de competencia."""

    tipo: str
    """``programa`` o ``norma``."""
    titulo: str
    hojas: tuple[Hoja, ...]
    principal: str
    """Hoja que identifica la plantilla al leerla (``Programa`` o ``Norma``)."""

    def hoja(self, nombre: str) -> Hoja:
        for h in self.hojas:
            if h.nombre == nombre:
                return h
        raise KeyError(nombre)


MARCA_EJEMPLO = "(ejemplo) "
"""Prefijo del primer texto de la fila de ejemplo: ninguna fila real puede coincidir con ella por azar
(el ejemplo reproduce datos del piloto, que una institución podría enviar tal cual)."""

ENCABEZADOS_FICHA = ("Campo", "Valor", "Ejemplo", "Ayuda")
"""Columnas de una hoja de ficha: solo «Campo» y «Valor» se leen."""

HOJA_LEAME = "Léame"
HOJA_LISTAS = "Listas"
ARCHIVO_LEAME = "LEAME.txt"


def fila_ejemplo(hoja: Hoja) -> dict[str, str]:
    """Valores de la fila 2 (gris) de una hoja tabular; vacío si la hoja no tiene ejemplo.

    El conversor ignora una fila idéntica a esta; el primer texto lleva ``MARCA_EJEMPLO``.
    """
    valores = {c.clave: c.ejemplo for c in hoja.columnas}
    if not any(valores.values()):
        return {}
    marcada = next((c for c in hoja.columnas if c.tipo == TEXTO and c.ejemplo), None)
    if marcada is not None:
        valores[marcada.clave] = MARCA_EJEMPLO + marcada.ejemplo
    return valores


def _c(encabezado: str, clave: str, tipo: str, **opciones: object) -> Columna:
    return Columna(encabezado, clave, tipo, **opciones)  # type: ignore[arg-type]


_NUM = ("n.º", "nº", "n°", "no.", "número", "numero", "nro.", "nro")


def _col_unidad(ejemplo: str = "") -> Columna:
    """Columna «Unidad» de las hojas que cuelgan de una unidad de competencia (obligatoria)."""
    return _c(
        "Unidad",
        "unidad",
        CODIGO,
        obligatoria=True,
        ejemplo=ejemplo,
        ancho=22,
        ayuda="Código de la unidad (hoja «Unidades»).",
    )


def _col_numero(ayuda: str, *, ejemplo: str = "", ancho: int = 7) -> Columna:
    """Columna «N.º» (texto, p. ej. «1.2») con los alias habituales de «número»."""
    return _c(
        "N.º", "numero", NUMERO, ejemplo=ejemplo, ancho=ancho, alias=_NUM, propiedad=REG.numero, ayuda=ayuda
    )


def _col_enunciado(ayuda: str, *, ejemplo: str = "", ancho: int = 90) -> Columna:
    """Columna «Enunciado» obligatoria, que va a ``skos:prefLabel``."""
    return _c(
        "Enunciado",
        "enunciado",
        TEXTO,
        obligatoria=True,
        ejemplo=ejemplo,
        ancho=ancho,
        propiedad=SKOS.prefLabel,
        ayuda=ayuda,
    )


# --- programa de estudios ---------------------------------------------------------------------------
_PROGRAMA = Hoja(
    "Programa",
    "programa.csv",
    "Datos generales del programa de estudios (una fila por campo: escriba en la columna «Valor»).",
    (
        _c(
            "Código",
            "codigo",
            CODIGO,
            obligatoria=True,
            ejemplo="PE-TEL-01",
            propiedad=REG.codigo,
            ayuda="Código del programa en la institución. Forma parte de los identificadores: no lo cambie "
            "entre versiones.",
        ),
        _c(
            "Nombre",
            "nombre",
            TEXTO,
            obligatoria=True,
            propiedad=SKOS.prefLabel,
            ejemplo="Instalación y Mantenimiento de Redes y Servicios de Telecomunicaciones",
            ayuda="Nombre oficial del programa, en español.",
        ),
        _c(
            "Nombre en inglés",
            "nombre_en",
            TEXTO,
            propiedad=SKOS.prefLabel,
            ejemplo="Installation and Maintenance of Telecommunication Networks and Services",
            ayuda="Recomendado para las exportaciones internacionales (ELM).",
        ),
        _c(
            "Descripción",
            "descripcion",
            TEXTO,
            propiedad=SKOS.definition,
            ejemplo="Forma profesionales técnicos que instalan y mantienen servicios de telecomunicaciones.",
            ayuda="Un párrafo con el propósito del programa.",
        ),
        _c(
            "Versión",
            "version",
            TEXTO,
            ejemplo="2025",
            propiedad=REG.version,
            ayuda="Versión o año del plan de estudios.",
        ),
        _c(
            "Institución",
            "institucion",
            CODIGO,
            obligatoria=True,
            ejemplo="iest-piloto",
            propiedad=REG.ofrecidoPor,
            ayuda="Código de la institución en el registro (el mismo que usa al enviar: --institucion).",
        ),
        _c(
            "País",
            "pais",
            CODIGO,
            ejemplo="PE",
            lista="paises",
            propiedad=REG.pais,
            ayuda="Código ISO de dos letras del país.",
        ),
        _c(
            "Nivel formativo",
            "nivel_formativo",
            TEXTO,
            ejemplo="profesional técnico",
            lista="niveles_formativos",
            propiedad=REG.nivelFormativo,
            ayuda="Elija un valor de la lista.",
        ),
        _c(
            "Marco de cualificaciones",
            "marco",
            CODIGO,
            ejemplo="mncp",
            lista="marcos",
            propiedad=REG.nivel,
            ayuda="Marco al que pertenece el nivel (p. ej. mncp en Perú, mctp en Chile).",
        ),
        _c(
            "Nivel",
            "nivel",
            ENTERO,
            ejemplo="4",
            lista="niveles",
            propiedad=REG.nivel,
            ayuda="Número del nivel dentro del marco.",
        ),
        _c(
            "Sector",
            "sector",
            CODIGO,
            ejemplo="telecomunicaciones",
            lista="sectores",
            propiedad=REG.sector,
            ayuda="Sector productivo (código del registro).",
        ),
        _c(
            "Campo de educación (CINE-F)",
            "campo",
            CLASIFICACION,
            ejemplo="0714",
            propiedad=REG.campoEducacion,
            alias=("cine-f", "campo cine-f", "campo de educacion"),
            ayuda="Código CINE-F 2013 escrito como texto, con el cero inicial (p. ej. 0714).",
        ),
        _c("Horas", "horas", ENTERO, propiedad=REG.horas, ayuda="Horas totales del programa (opcional)."),
        _c(
            "Vigente desde",
            "vigente_desde",
            FECHA,
            ejemplo="2025-03-01",
            propiedad=REG.vigenteDesde,
            ayuda="Fecha AAAA-MM-DD o DD/MM/AAAA.",
        ),
        _c(
            "Vigente hasta",
            "vigente_hasta",
            FECHA,
            propiedad=REG.vigenteHasta,
            ayuda="Déjelo vacío si no vence.",
        ),
    ),
    ficha=True,
)

_MODULOS = Hoja(
    "Módulos",
    "modulos.csv",
    "Un módulo formativo por fila (en un CFT o IP, un semestre o tramo).",
    (
        _c(
            "N.º",
            "numero",
            ENTERO,
            ejemplo="1",
            ancho=7,
            propiedad=REG.orden,
            alias=_NUM,
            ayuda="Número de orden del módulo (1, 2, 3…); forma su identificador …/modulo/N. Vacío: el "
            "orden de la fila.",
        ),
        _c(
            "Código",
            "codigo",
            CODIGO,
            obligatoria=True,
            ejemplo="MF1",
            ancho=12,
            propiedad=REG.codigo,
            ayuda="Código del módulo; las otras hojas lo usan para referirse a él.",
        ),
        _c(
            "Nombre",
            "nombre",
            TEXTO,
            obligatoria=True,
            ancho=60,
            propiedad=SKOS.prefLabel,
            ejemplo="Instalación de servicios de telecomunicaciones en el domicilio del cliente",
            ayuda="Nombre del módulo, en español.",
        ),
        _c(
            "Créditos",
            "creditos",
            DECIMAL,
            ejemplo="8.0",
            ancho=10,
            propiedad=REG.creditos,
            ayuda="Créditos del módulo (número; admite coma o punto decimal).",
        ),
        _c("Horas", "horas", ENTERO, ancho=8, propiedad=REG.horas, ayuda="Horas del módulo (CETPRO)."),
        _c(
            "Unidad de competencia asociada",
            "unidad_competencia",
            REFERENCIA,
            ejemplo="ECL-TEL-001-UC1",
            ancho=28,
            propiedad=REG.unidadCompetenciaAsociada,
            ayuda="Código de la unidad de competencia del estándar o perfil (p. ej. ECL-TEL-001-UC1) o su "
            "IRI completo. Debe existir en el registro. Vacío en módulos de empleabilidad.",
        ),
    ),
)

_UNIDADES_DIDACTICAS = Hoja(
    "Unidades didácticas",
    "unidades-didacticas.csv",
    "Una unidad didáctica (o asignatura) por fila. En CETPRO esta hoja queda vacía.",
    (
        _c(
            "Módulo",
            "modulo",
            CODIGO,
            obligatoria=True,
            ejemplo="MF1",
            ancho=10,
            ayuda="Código del módulo (hoja «Módulos») al que pertenece.",
        ),
        _c(
            "N.º",
            "numero",
            ENTERO,
            ejemplo="1",
            ancho=7,
            propiedad=REG.orden,
            alias=_NUM,
            ayuda="Orden dentro del módulo. Vacío: el orden de las filas del mismo módulo.",
        ),
        _c(
            "Código",
            "codigo",
            CODIGO,
            obligatoria=True,
            ejemplo="TEL-101",
            ancho=12,
            propiedad=REG.codigo,
            ayuda="Código de la unidad didáctica; único en el programa; forma su identificador …/ud/CÓDIGO.",
        ),
        _c(
            "Nombre",
            "nombre",
            TEXTO,
            obligatoria=True,
            ejemplo="Redes de acceso y medios de transmisión",
            ancho=50,
            propiedad=SKOS.prefLabel,
            ayuda="Nombre de la unidad didáctica, en español.",
        ),
        _c(
            "Ciclo",
            "ciclo",
            CICLO,
            ejemplo="I",
            ancho=7,
            lista="ciclos",
            propiedad=REG.ciclo,
            ayuda="Ciclo en números romanos (I a VI).",
        ),
        _c(
            "Créditos",
            "creditos",
            DECIMAL,
            obligatoria=True,
            ejemplo="3.0",
            ancho=10,
            propiedad=REG.creditos,
            ayuda="En un IEST, créditos = horas de teoría / 16 + horas de práctica / 32.",
        ),
        _c(
            "Horas de teoría",
            "horas_teoria",
            ENTERO,
            ejemplo="32",
            ancho=10,
            propiedad=REG.horasTeoria,
            alias=("horas teoria", "h. teoria", "ht"),
            ayuda="Número entero de horas.",
        ),
        _c(
            "Horas de práctica",
            "horas_practica",
            ENTERO,
            ejemplo="32",
            ancho=10,
            propiedad=REG.horasPractica,
            alias=("horas practica", "h. practica", "hp"),
            ayuda="Número entero de horas.",
        ),
        _c(
            "Horas",
            "horas",
            ENTERO,
            ancho=8,
            propiedad=REG.horas,
            ayuda="Horas totales, solo si el plan no distingue teoría y práctica.",
        ),
    ),
    obligatoria=False,
)

_CAPACIDADES = Hoja(
    "Capacidades",
    "capacidades.csv",
    "Una capacidad (resultado de aprendizaje, capacidad terminal) por fila. Indique la unidad "
    "didáctica o, en un CETPRO, el módulo.",
    (
        _c(
            "Unidad didáctica",
            "ud",
            CODIGO,
            ejemplo="TEL-101",
            ancho=14,
            alias=("ud",),
            ayuda="Código de la unidad didáctica (hoja «Unidades didácticas»).",
        ),
        _c(
            "Módulo",
            "modulo",
            CODIGO,
            ancho=10,
            ayuda="Solo CETPRO (capacidades terminales del módulo): código del módulo.",
        ),
        _c(
            "N.º",
            "numero",
            ENTERO,
            ejemplo="1",
            ancho=7,
            propiedad=REG.orden,
            alias=_NUM,
            ayuda="Número de la capacidad dentro de su unidad o módulo. Vacío: el orden de las filas.",
        ),
        _c(
            "Enunciado",
            "enunciado",
            TEXTO,
            obligatoria=True,
            ancho=80,
            propiedad=SKOS.prefLabel,
            ejemplo="Explicar el funcionamiento de las redes de acceso fijo y seleccionar los materiales de "
            "una instalación.",
            ayuda="Enunciado de la capacidad, en español.",
        ),
    ),
)

_INDICADORES = Hoja(
    "Indicadores",
    "indicadores.csv",
    "Un indicador de logro (criterio de evaluación, aprendizaje esperado) por fila.",
    (
        _c(
            "Unidad didáctica",
            "ud",
            CODIGO,
            ejemplo="TEL-101",
            ancho=14,
            alias=("ud",),
            ayuda="Código de la unidad didáctica.",
        ),
        _c("Módulo", "modulo", CODIGO, ancho=10, ayuda="Solo CETPRO: código del módulo."),
        _c(
            "Capacidad",
            "capacidad",
            ENTERO,
            ejemplo="1",
            ancho=10,
            ayuda="N.º de la capacidad (hoja «Capacidades»). Vacío si la unidad o módulo tiene una sola.",
        ),
        _c(
            "N.º",
            "numero",
            ENTERO,
            ejemplo="1",
            ancho=7,
            propiedad=REG.orden,
            alias=_NUM,
            ayuda="Número del indicador dentro de la unidad didáctica (en CETPRO, de la capacidad). Vacío: "
            "el orden de las filas.",
        ),
        _c(
            "Enunciado",
            "enunciado",
            TEXTO,
            obligatoria=True,
            ancho=80,
            propiedad=SKOS.prefLabel,
            ejemplo="Selecciona los materiales, herramientas y equipos de una instalación según la "
            "tecnología de acceso.",
            ayuda="Enunciado del indicador, en español: una conducta observable.",
        ),
        _c(
            "Peso",
            "peso",
            DECIMAL,
            ancho=8,
            propiedad=REG.peso,
            ayuda="Opcional: peso del indicador si no todos pesan igual.",
        ),
    ),
)

PROGRAMA = Plantilla(
    "programa",
    "Programa de estudios",
    (_PROGRAMA, _MODULOS, _UNIDADES_DIDACTICAS, _CAPACIDADES, _INDICADORES),
    principal="Programa",
)

# --- norma de competencia (estándar MTPE, perfil ChileValora…) ----------------------------------------
_HEREDA = " Vacío: el valor de la hoja «Norma»."

_NORMA = Hoja(
    "Norma",
    "norma.csv",
    "Datos generales del estándar de competencia o del perfil ocupacional (una fila por campo).",
    (
        _c(
            "Tipo",
            "tipo",
            OPCION,
            obligatoria=True,
            ejemplo="estándar de competencia",
            lista="tipos_norma",
            propiedad=RDF.type,
            ayuda="«estándar de competencia» (unidades numeradas dentro del estándar, criterios por unidad) "
            "o "
            "«perfil ocupacional» (unidades de competencia laboral con código propio, criterios por "
            "actividad clave).",
        ),
        _c(
            "Código",
            "codigo",
            CODIGO,
            obligatoria=True,
            ejemplo="ECL-TEL-001",
            propiedad=REG.codigo,
            ayuda="Código de la norma, p. ej. ECL-TEL-001 o P-6110-7422-001-V01.",
        ),
        _c("Versión", "version", TEXTO, ejemplo="1", propiedad=REG.version, ayuda="Versión de la norma."),
        _c(
            "Nombre",
            "nombre",
            TEXTO,
            obligatoria=True,
            propiedad=SKOS.prefLabel,
            ejemplo="Instalación, mantenimiento y reparación de servicios de telecomunicaciones",
            ayuda="Nombre oficial, en español.",
        ),
        _c(
            "Nombre en inglés",
            "nombre_en",
            TEXTO,
            propiedad=SKOS.prefLabel,
            ayuda="Recomendado para el reconocimiento entre países.",
        ),
        _c(
            "Propósito",
            "proposito",
            TEXTO,
            propiedad=REG.proposito,
            ejemplo="Instalar, configurar, mantener y reparar servicios de telecomunicaciones en el "
            "domicilio "
            "del cliente.",
            ayuda="Propósito de la norma.",
        ),
        _c("Área ocupacional", "area", TEXTO, propiedad=REG.areaOcupacional, ayuda="Área ocupacional."),
        _c(
            "Institución emisora",
            "institucion",
            CODIGO,
            obligatoria=True,
            ejemplo="mtpe",
            propiedad=REG.emitidoPor,
            ayuda="Código del organismo emisor en el registro (el mismo que usa al enviar: --institucion).",
        ),
        _c(
            "País",
            "pais",
            CODIGO,
            ejemplo="PE",
            lista="paises",
            propiedad=REG.pais,
            ayuda="Código ISO de dos letras.",
        ),
        _c(
            "Sector",
            "sector",
            CODIGO,
            ejemplo="telecomunicaciones",
            lista="sectores",
            propiedad=REG.sector,
            ayuda="Sector productivo (código del registro).",
        ),
        _c("Subsector", "subsector", TEXTO, propiedad=REG.subsector, ayuda="Subsector (texto libre)."),
        _c(
            "Marco de cualificaciones",
            "marco",
            CODIGO,
            ejemplo="mncp",
            lista="marcos",
            propiedad=REG.nivel,
            ayuda="Marco del nivel (mncp, mctp…); vale también para los niveles de las unidades.",
        ),
        _c(
            "Nivel",
            "nivel",
            ENTERO,
            ejemplo="3",
            lista="niveles",
            propiedad=REG.nivel,
            ayuda="Número del nivel dentro del marco.",
        ),
        _c(
            "Ocupación (CIUO-08)",
            "ocupacion",
            CLASIFICACION,
            ejemplo="7422",
            propiedad=REG.ocupacion,
            alias=("ciuo-08", "ocupacion"),
            ayuda="Uno o varios códigos CIUO-08 de 4 dígitos, separados por «;».",
        ),
        _c(
            "Actividad económica (CIIU)",
            "actividad",
            CLASIFICACION,
            ejemplo="6110",
            propiedad=REG.actividadEconomica,
            alias=("ciiu", "actividad economica"),
            ayuda="Uno o varios códigos CIIU Rev.4, separados por «;», escritos como texto.",
        ),
        _c(
            "Estado de vigencia",
            "estado",
            TEXTO,
            ejemplo="vigente",
            lista="estados_vigencia",
            propiedad=REG.estadoVigencia,
            ayuda="Elija un valor de la lista.",
        ),
        _c(
            "Vigente desde",
            "vigente_desde",
            FECHA,
            ejemplo="2023-11-15",
            propiedad=REG.vigenteDesde,
            ayuda="Fecha AAAA-MM-DD o DD/MM/AAAA.",
        ),
        _c(
            "Vigente hasta",
            "vigente_hasta",
            FECHA,
            ejemplo="2028-11-14",
            propiedad=REG.vigenteHasta,
            ayuda="Déjelo vacío si no vence.",
        ),
    ),
    ficha=True,
)

_UNIDADES = Hoja(
    "Unidades",
    "unidades.csv",
    "Una unidad de competencia (UC, UCL) por fila.",
    (
        _c(
            "N.º",
            "numero",
            ENTERO,
            ejemplo="1",
            ancho=7,
            alias=_NUM,
            propiedad=REG.numero,
            ayuda="Número de la unidad en la norma (1, 2…). En un estándar forma su identificador …/uc/N; en "
            "un perfil es el orden de inclusión. Vacío: el orden de las filas.",
        ),
        _c(
            "Código",
            "codigo",
            CODIGO,
            obligatoria=True,
            ejemplo="ECL-TEL-001-UC1",
            ancho=22,
            propiedad=REG.codigo,
            ayuda="Código de la unidad; las otras hojas lo usan para referirse a ella. En un perfil es el "
            "código de la UCL (U-…) y forma su identificador.",
        ),
        _c(
            "Nombre",
            "nombre",
            TEXTO,
            obligatoria=True,
            ancho=60,
            propiedad=SKOS.prefLabel,
            ejemplo="Instalar servicios de telecomunicaciones en el domicilio del cliente",
            ayuda="Nombre de la unidad (verbo en infinitivo), en español.",
        ),
        _c("Nombre en inglés", "nombre_en", TEXTO, ancho=30, propiedad=SKOS.prefLabel, ayuda="Recomendado."),
        _c("Versión", "version", TEXTO, ancho=9, propiedad=REG.version, ayuda="Versión." + _HEREDA),
        _c(
            "Nivel",
            "nivel",
            ENTERO,
            ancho=7,
            lista="niveles",
            propiedad=REG.nivel,
            ayuda="Nivel en el marco de la norma." + _HEREDA,
        ),
        _c(
            "Ocupación (CIUO-08)",
            "ocupacion",
            CLASIFICACION,
            ancho=12,
            propiedad=REG.ocupacion,
            alias=("ciuo-08", "ocupacion"),
            ayuda="Códigos CIUO-08 separados por «;»." + _HEREDA,
        ),
        _c(
            "Actividad económica (CIIU)",
            "actividad",
            CLASIFICACION,
            ancho=12,
            propiedad=REG.actividadEconomica,
            alias=("ciiu", "actividad economica"),
            ayuda="Códigos CIIU separados por «;»." + _HEREDA,
        ),
        _c(
            "Subsector",
            "subsector",
            TEXTO,
            ancho=20,
            propiedad=REG.subsector,
            ayuda="Solo perfiles: subsector de la UCL." + _HEREDA,
        ),
        _c(
            "Proceso principal",
            "proceso",
            TEXTO,
            ancho=20,
            propiedad=REG.procesoPrincipal,
            ayuda="Solo perfiles: proceso principal de la UCL.",
        ),
        _c(
            "Vigente desde",
            "vigente_desde",
            FECHA,
            ancho=12,
            propiedad=REG.vigenteDesde,
            ayuda=_HEREDA.strip(),
        ),
        _c(
            "Vigente hasta",
            "vigente_hasta",
            FECHA,
            ancho=12,
            propiedad=REG.vigenteHasta,
            ayuda=_HEREDA.strip(),
        ),
        _c(
            "Obligatoria",
            "obligatoria",
            BOOLEANO,
            ancho=11,
            lista="si_no",
            propiedad=REG.obligatoria,
            ayuda="Solo perfiles: «sí» (por defecto) o «no».",
        ),
        _c(
            "Transversal",
            "transversal",
            BOOLEANO,
            ancho=11,
            lista="si_no",
            propiedad=REG.transversal,
            ayuda="Solo perfiles: «sí» o «no» (por defecto).",
        ),
    ),
)

_ACTIVIDADES = Hoja(
    "Actividades clave",
    "actividades-clave.csv",
    "Opcional (perfiles ChileValora): una actividad clave por fila.",
    (
        _col_unidad(),
        _col_numero("Número de la actividad en la unidad (1, 2…). Vacío: el orden de las filas."),
        _col_enunciado("Enunciado de la actividad clave, en español.", ancho=80),
    ),
    obligatoria=False,
)

_CRITERIOS = Hoja(
    "Criterios",
    "criterios.csv",
    "Un criterio de desempeño por fila.",
    (
        _col_unidad("ECL-TEL-001-UC1"),
        _c(
            "Actividad",
            "actividad",
            NUMERO,
            ancho=10,
            ayuda="Solo si el criterio cuelga de una actividad clave: su N.º (hoja «Actividades clave»).",
        ),
        _col_numero(
            "Número del criterio, p. ej. 1.2, escrito como texto. Vacío: «actividad.orden» o «unidad.orden».",
            ejemplo="1.1",
            ancho=8,
        ),
        _col_enunciado(
            "Enunciado del criterio, en español.",
            ejemplo="Verifica la orden de servicio y los materiales requeridos antes del desplazamiento.",
        ),
    ),
)


def _lista_enunciados(
    nombre: str,
    archivo: str,
    descripcion: str,
    singular: str,
    ejemplo: str = "",
    unidad_ejemplo: str = "",
    obligatoria: bool = True,
) -> Hoja:
    return Hoja(
        nombre,
        archivo,
        descripcion,
        (
            _col_unidad(unidad_ejemplo),
            _col_numero(
                "Número dentro de la unidad. Vacío: el orden de las filas.", ejemplo="1" if ejemplo else ""
            ),
            _col_enunciado(f"Enunciado del {singular}, en español.", ejemplo=ejemplo),
        ),
        obligatoria=obligatoria,
    )


_CONOCIMIENTOS = _lista_enunciados(
    "Conocimientos",
    "conocimientos.csv",
    "Un conocimiento por fila.",
    "conocimiento",
    ejemplo="Redes de acceso: fibra óptica hasta el hogar, par de cobre y cable coaxial.",
    unidad_ejemplo="ECL-TEL-001-UC1",
)
_HABILIDADES = _lista_enunciados(
    "Habilidades", "habilidades.csv", "Opcional: una habilidad por fila.", "habilidad", obligatoria=False
)
_TRANSVERSALES = _lista_enunciados(
    "Competencias transversales",
    "competencias-transversales.csv",
    "Opcional: una competencia transversal o actitud por fila.",
    "competencia",
    obligatoria=False,
)

_UNIDAD_O_NORMA = "Código de la unidad (hoja «Unidades»); vacío si es de la norma entera (perfiles)."

_EVIDENCIAS = Hoja(
    "Evidencias",
    "evidencias.csv",
    "Opcional: requisitos de evidencia de una unidad o, con «Unidad» vacía, de la norma entera.",
    (
        _c("Unidad", "unidad", CODIGO, ancho=22, ayuda=_UNIDAD_O_NORMA),
        _c(
            "N.º",
            "numero",
            ENTERO,
            ancho=7,
            alias=_NUM,
            ayuda="Número dentro de la unidad (o de la norma). Vacío: el orden de las filas.",
        ),
        _c(
            "Tipo de evidencia",
            "tipo",
            TEXTO,
            ancho=16,
            propiedad=REG.tipoEvidencia,
            ayuda="Clase de evidencia según la norma, p. ej. desempeño, producto o conocimiento (estándares) "
            "o "
            "directa o indirecta (perfiles).",
        ),
        _c(
            "Descripción",
            "enunciado",
            TEXTO,
            obligatoria=True,
            ancho=90,
            propiedad=SKOS.prefLabel,
            ayuda="Qué evidencia se pide, en español.",
        ),
    ),
    obligatoria=False,
)

_CONTEXTOS = Hoja(
    "Contextos",
    "contextos.csv",
    "Opcional: contextos de competencia (condiciones, herramientas, materiales) o campo de aplicación, de "
    "una unidad o, con «Unidad» vacía, de la norma entera.",
    (
        _c("Unidad", "unidad", CODIGO, ancho=22, ayuda=_UNIDAD_O_NORMA),
        _c(
            "N.º",
            "numero",
            ENTERO,
            ancho=7,
            alias=_NUM,
            propiedad=REG.orden,
            ayuda="Número dentro de la unidad (o de la norma). Vacío: el orden de las filas.",
        ),
        _c(
            "Tipo de contexto",
            "enunciado",
            TEXTO,
            obligatoria=True,
            ancho=26,
            propiedad=SKOS.prefLabel,
            ayuda="Título del contexto, p. ej. «Campo de aplicación», «Herramientas y equipos».",
        ),
        _c(
            "Texto",
            "texto",
            TEXTO,
            obligatoria=True,
            ancho=90,
            propiedad=REG.texto,
            ayuda="Contenido del contexto.",
        ),
    ),
    obligatoria=False,
)

NORMA = Plantilla(
    "norma",
    "Norma de competencia (estándar o perfil)",
    (
        _NORMA,
        _UNIDADES,
        _ACTIVIDADES,
        _CRITERIOS,
        _CONOCIMIENTOS,
        _HABILIDADES,
        _TRANSVERSALES,
        _EVIDENCIAS,
        _CONTEXTOS,
    ),
    principal="Norma",
)

PLANTILLAS: dict[str, Plantilla] = {"programa": PROGRAMA, "norma": NORMA}
ALIAS_PLANTILLA = {
    "programa": "programa",
    "estandar": "norma",
    "estándar": "norma",
    "norma": "norma",
    "perfil": "norma",
}


# --- normalización de nombres ---------------------------------------------------------------------------
def normalizar(texto: str) -> str:
    """Forma comparable de un encabezado o nombre de hoja: sin tildes, minúsculas, sin « *» final."""
    sin_tildes = unicodedata.normalize("NFKD", texto).encode("ascii", "ignore").decode("ascii")
    plano = re.sub(r"\s+", " ", sin_tildes).strip().lower()
    return plano.rstrip("*").strip()


def slug(texto: str) -> str:
    """``Unidades didácticas`` → ``unidades-didacticas`` (nombres de archivo CSV)."""
    return re.sub(r"[^a-z0-9]+", "-", normalizar(texto)).strip("-")


# --- listas de valores (datos) ------------------------------------------------------------------------
def _sh_in(forma: URIRef) -> tuple[str, ...]:
    """Valores de ``sh:in`` de una forma del registro (la misma lista que exige la validación)."""
    g = validacion.formas()
    lista = g.value(forma, SH["in"])
    if lista is None:
        return ()
    return tuple(str(v) for v in Collection(g, lista))


@cache
def _referencia() -> Graph:
    g = Graph()
    for ruta in recursos.archivos("datos_ttl", "referencia/*.ttl"):
        g.parse(data=ruta.read_bytes(), format="turtle")
    return g


def _ultimo_segmento(iri: object) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


@cache
def listas() -> dict[str, tuple[str, ...]]:
    """Listas de valores de la plantilla: de las formas SHACL y de los datos de referencia."""
    ref = _referencia()
    marcos = sorted(ref.subjects(RDF.type, REG.MarcoCualificaciones), key=str)
    max_niveles = max((int(n) for m in marcos for n in ref.objects(m, REG.numeroNiveles)), default=8)
    return {
        "ciclos": _sh_in(REGSH["UnidadDidactica-ciclo"]),
        "niveles_formativos": _sh_in(REGSH["ProgramaEstudios-nivelFormativo"]),
        "estados_vigencia": _sh_in(REGSH["General-estadoVigencia"]),
        "marcos": tuple(_ultimo_segmento(m) for m in marcos),
        "niveles": tuple(str(n) for n in range(1, max_niveles + 1)),
        "paises": tuple(
            sorted(str(n) for p in ref.subjects(RDF.type, REG.Pais) for n in ref.objects(p, SKOS.notation))
        ),
        "sectores": tuple(sorted(_ultimo_segmento(s) for s in ref.subjects(RDF.type, REG.Sector))),
        "si_no": SI_NO,
        "tipos_norma": TIPOS_NORMA,
    }
