"""Apertura segura de planillas: un .xlsx o un .zip de CSV → tablas de valores crudos.

Una planilla es un ZIP y un ZIP es un vector de ataque conocido. Todo lo que sigue ocurre **antes** de
que openpyxl toque el archivo, mirando solo el directorio del ZIP y los bytes de cada miembro:

1. **Tamaño comprimido** ≤ el límite de envíos; **formato**: un archivo que no es ZIP (un .xls antiguo,
   un libro cifrado, un PDF renombrado) se rechaza con una explicación en vez de con la traza de
   openpyxl.
2. **Bomba ZIP**: el directorio declara el tamaño descomprimido de cada miembro; se limitan el número
   de miembros, el tamaño de cada uno, el total y la razón de compresión. ``zipfile`` nunca entrega
   más bytes que los declarados (corta y falla el CRC), así que un directorio que miente tampoco
   consume más memoria que lo permitido.
3. **Macros y controles** (``vbaProject.bin``, hojas de macros, ActiveX, tipos ``macroEnabled``, la
   extensión .xlsm): se rechazan sin abrir el libro. El registro no ejecuta nada, pero aceptar el
   archivo lo haría circular como «validado».
4. **DTD y entidades XML** en cualquier parte XML: rechazadas como en RDF/XML (``analisis``), aunque
   openpyxl use defusedxml cuando está instalado.
5. **Celdas combinadas**: read-only de openpyxl no las expone; se leen de ``<mergeCell>`` de cada hoja.

Después, openpyxl abre el libro con ``read_only=True, data_only=False``: las fórmulas llegan como
fórmulas (``Formula``) y **nunca se evalúan** ni se usa el último valor calculado que guardó Excel.
Cada hoja se lee hasta ``FILAS_MAXIMAS`` filas y ``COLUMNAS_MAXIMAS`` columnas.

La variante CSV es un .zip con un CSV (UTF-8, separador «,» «;» o tabulador) por hoja; pasa por los
mismos controles de ZIP. Un texto que empieza por «=» en un CSV se trata como fórmula: al abrirlo en
una hoja de cálculo se evaluaría.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import posixpath
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from registro.errores import EntradaDemasiadoGrande, EntradaInvalida, EntradaPeligrosa
from registro.hojas.esquema import normalizar, slug

MIEMBROS_MAXIMOS = 500
"""Archivos dentro del ZIP (una plantilla de Excel tiene ~20)."""
MIEMBRO_MAXIMO = 32 * 1024 * 1024
"""Bytes descomprimidos de un miembro (una hoja de 10 000 filas ocupa unos pocos MB)."""
TOTAL_MAXIMO = 96 * 1024 * 1024
"""Bytes descomprimidos de todo el ZIP."""
RAZON_MAXIMA = 150
"""Razón descomprimido/comprimido de un miembro grande (el XML de una hoja real comprime 5–30×)."""
RAZON_DESDE = 256 * 1024
"""La razón solo se controla en miembros mayores que esto (los pequeños comprimen mucho sin riesgo)."""
FILAS_MAXIMAS = 10_000
"""Filas leídas por hoja, vacías incluidas (un programa nacional tiene unos cientos de indicadores)."""
COLUMNAS_MAXIMAS = 40

_ZIP = b"PK\x03\x04"
_ZIP_VACIO = b"PK\x05\x06"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

EXTENSIONES_MACROS = frozenset({".xlsm", ".xltm", ".xlam", ".xlsb"})
_RE_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_RE_FUSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']([^\"']+)[\"']")
_GUARDAR = "Ábralo en su hoja de cálculo y guárdelo de nuevo como .xlsx."
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class Formula:
    """Una celda con fórmula: se informa como error, nunca se evalúa."""

    texto: str


@dataclass(frozen=True)
class ErrorCelda:
    """Una celda con un valor de error de Excel (``#DIV/0!``, ``#REF!``…)."""

    texto: str


Valor = str | int | float | bool | dt.datetime | dt.date | dt.time | Formula | ErrorCelda | None


@dataclass(frozen=True)
class Tabla:
    """Una hoja leída: sus filas (la primera es la fila 1) y sus rangos combinados."""

    nombre: str
    """Nombre de la hoja tal como está en el libro (o el del archivo CSV)."""
    archivo: str | None
    """Nombre del CSV dentro del .zip (``None`` en un .xlsx)."""
    filas: tuple[tuple[Valor, ...], ...]
    fusiones: tuple[str, ...] = ()


@dataclass(frozen=True)
class Libro:
    """Las hojas de una planilla que interesan al conversor, por nombre normalizado."""

    formato: str
    """``xlsx`` o ``csv`` (un .zip de CSV)."""
    nombre: str | None
    tablas: dict[str, Tabla]
    hojas_presentes: tuple[str, ...]
    """Nombres de todas las hojas (o CSV) del archivo, para los mensajes."""


# --- entrada ------------------------------------------------------------------------------------------
def leer(contenido: bytes, *, nombre: str | None, limite: int, hojas: frozenset[str]) -> Libro:
    """Abre una planilla con todos los controles y devuelve las tablas de ``hojas`` (normalizadas)."""
    quien = f"«{nombre}»" if nombre else "la planilla"
    if len(contenido) > limite:
        raise EntradaDemasiadoGrande(
            f"El archivo ocupa {len(contenido):,} bytes y el máximo permitido es {limite:,} bytes",
            donde=nombre,
            detalle="Divida el envío (p. ej. un programa por planilla) o quite imágenes y hojas ajenas.",
        )
    sufijo = _sufijo(nombre)
    if sufijo in EXTENSIONES_MACROS:
        raise EntradaPeligrosa(
            f"{_inicial(quien)} es un libro con macros ({sufijo}) y no se acepta",
            donde=nombre,
            detalle="Guarde el libro como «Libro de Excel (.xlsx)», sin macros, y vuelva a enviarlo.",
        )
    _exigir_zip(contenido, nombre, sufijo)
    archivo = _abrir_zip(contenido, nombre)
    with archivo:
        nombres = _inspeccionar(archivo, nombre)
        if "mimetype" in nombres and b"opendocument" in _leer_miembro(
            archivo, archivo.getinfo("mimetype"), nombre
        ):
            raise EntradaInvalida(
                f"{_inicial(quien)} es una hoja de OpenDocument (.ods), que la plantilla no admite",
                donde=nombre,
                detalle="Guárdela como «Libro de Excel (.xlsx)» (LibreOffice: Archivo → Guardar como).",
            )
        if "[content_types].xml" in {n.lower() for n in nombres}:
            return _leer_xlsx(contenido, archivo, nombre, hojas)
        return _leer_csv(archivo, nombre, hojas)


def _inicial(texto: str) -> str:
    """Primera letra en mayúscula sin tocar el resto (``str.capitalize`` cambiaría el nombre del archivo)."""
    return texto[:1].upper() + texto[1:]


def _sufijo(nombre: str | None) -> str:
    if not nombre:
        return ""
    return PureWindowsPath(nombre).suffix.lower()


def _exigir_zip(contenido: bytes, nombre: str | None, sufijo: str) -> None:
    quien = f"«{nombre}»" if nombre else "El archivo"
    if contenido.startswith(_ZIP):
        return
    if contenido.startswith(_OLE):
        raise EntradaInvalida(
            f"{quien} es un libro de Excel antiguo (.xls) o protegido con contraseña",
            donde=nombre,
            detalle="Quite la contraseña y guárdelo como «Libro de Excel (.xlsx)».",
        )
    if contenido.startswith(_ZIP_VACIO):
        raise EntradaInvalida(
            f"{quien} es un ZIP vacío",
            donde=nombre,
            detalle="Genere la plantilla con «registro plantilla» y rellénela.",
        )
    if sufijo == ".csv":
        raise EntradaInvalida(
            f"{quien} es un CSV suelto: la variante CSV de la plantilla es un .zip con un CSV por hoja",
            donde=nombre,
            detalle="Genere la plantilla con «registro plantilla programa --formato csv», rellene los CSV "
            "(programa.csv, modulos.csv…), comprímalos juntos en un .zip y envíe el .zip.",
        )
    if sufijo == ".ods":
        raise EntradaInvalida(
            f"{quien} es una hoja de OpenDocument (.ods) dañada o no admitida",
            donde=nombre,
            detalle="Guárdela como «Libro de Excel (.xlsx)».",
        )
    raise EntradaInvalida(
        f"{quien} no es un libro .xlsx ni un .zip de CSV (no tiene formato ZIP)",
        donde=nombre,
        detalle="Envíe la plantilla guardada como «Libro de Excel (.xlsx)», o el .zip de la variante CSV. "
        "Un archivo renombrado a .xlsx no sirve.",
    )


def _abrir_zip(contenido: bytes, nombre: str | None) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(contenido))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise EntradaInvalida(
            "El archivo está dañado: no se puede leer como ZIP (.xlsx)",
            donde=nombre,
            detalle=f"{exc}. Ábralo en su hoja de cálculo y guárdelo de nuevo como .xlsx.",
        ) from exc


def _inspeccionar(archivo: zipfile.ZipFile, nombre: str | None) -> list[str]:
    """Controles sobre el directorio y el contenido del ZIP; devuelve los nombres de sus miembros."""
    miembros = archivo.infolist()
    if len(miembros) > MIEMBROS_MAXIMOS:
        raise EntradaPeligrosa(
            f"El archivo contiene {len(miembros):,} archivos internos (máximo {MIEMBROS_MAXIMOS})",
            donde=nombre,
            detalle="Una planilla normal tiene unas decenas. Vuelva a generar la plantilla y copie los "
            "datos.",
        )
    vistos: set[str] = set()
    total = 0
    for info in miembros:
        clave = info.filename.lower()
        if clave in vistos:
            raise EntradaPeligrosa(
                f"El archivo contiene dos veces el miembro interno «{info.filename}»",
                donde=nombre,
                detalle="Un ZIP con nombres repetidos se puede leer de dos maneras distintas; guárdelo de "
                "nuevo.",
            )
        vistos.add(clave)
        if info.flag_bits & 0x1:
            raise EntradaInvalida(
                "El archivo está cifrado o protegido con contraseña",
                donde=nombre,
                detalle="Quite la contraseña (Archivo → Información → Proteger libro) y guárdelo de nuevo.",
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise EntradaInvalida(
                f"El miembro «{info.filename}» usa un método de compresión no admitido",
                donde=nombre,
                detalle="Guarde el archivo de nuevo con su hoja de cálculo (o comprima los CSV con ZIP "
                "normal).",
            )
        total += info.file_size
        razon = info.file_size / max(info.compress_size, 1)
        if (
            info.file_size > MIEMBRO_MAXIMO
            or total > TOTAL_MAXIMO
            or (info.file_size > RAZON_DESDE and razon > RAZON_MAXIMA)
        ):
            raise EntradaPeligrosa(
                "El archivo se descomprime en un tamaño desproporcionado (posible «bomba ZIP»)",
                donde=f"{nombre} ({info.filename})" if nombre else info.filename,
                detalle=f"«{info.filename}» declara {info.file_size:,} bytes descomprimidos "
                f"(razón {razon:,.0f}:1); el máximo es {MIEMBRO_MAXIMO:,} bytes por miembro, "
                f"{TOTAL_MAXIMO:,} en total y una razón de {RAZON_MAXIMA}:1. No se abrió el archivo.",
            )
        _rechazar_macros(info.filename, nombre)
    for info in miembros:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            datos = _leer_miembro(archivo, info, nombre)
            if info.filename == "[Content_Types].xml" and b"macroenabled" in datos.lower():
                raise _macros(nombre, "el libro está declarado con macros (macroEnabled)")
            hallazgo = _RE_DTD.search(datos)
            if hallazgo is not None:
                raise EntradaPeligrosa(
                    f"El archivo interno «{info.filename}» declara <!{hallazgo.group(1).decode().upper()}>: "
                    "no se admiten DTD ni entidades XML",
                    donde=nombre,
                    detalle="Una planilla guardada por Excel o LibreOffice no las contiene; el archivo fue "
                    "manipulado. Guárdelo de nuevo desde su hoja de cálculo.",
                )
    return [i.filename for i in miembros]


def _rechazar_macros(miembro: str, nombre: str | None) -> None:
    m = miembro.lower()
    base = posixpath.basename(m)
    if base in {"vbaproject.bin", "vbadata.xml"} or "/macrosheets/" in f"/{m}" or "/activex/" in f"/{m}":
        raise _macros(nombre, f"contiene «{miembro}»")


def _macros(nombre: str | None, motivo: str) -> EntradaPeligrosa:
    return EntradaPeligrosa(
        f"La planilla contiene macros o controles ActiveX ({motivo}) y no se acepta",
        donde=nombre,
        detalle="Guarde el libro como «Libro de Excel (.xlsx)» (sin macros) y vuelva a enviarlo. El registro "
        "nunca ejecuta macros.",
    )


def _leer_miembro(archivo: zipfile.ZipFile, info: zipfile.ZipInfo, nombre: str | None) -> bytes:
    try:
        return archivo.read(info)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError) as exc:
        # zlib.error: flujo «deflate» dañado (no hereda de OSError ni de BadZipFile; hallado con fuzzing).
        raise EntradaInvalida(
            f"El archivo está dañado (no se puede descomprimir «{info.filename}»)",
            donde=nombre,
            detalle=f"{exc}. Ábralo en su hoja de cálculo y guárdelo de nuevo.",
        ) from exc


# --- XLSX ------------------------------------------------------------------------------------------
def _leer_xlsx(
    contenido: bytes, archivo: zipfile.ZipFile, nombre: str | None, hojas: frozenset[str]
) -> Libro:
    fusiones = _fusiones_por_hoja(archivo, nombre)
    import openpyxl  # importación diferida: solo quien lee planillas paga su carga
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # extensiones de Excel que openpyxl no conoce (avisos, no errores)
            libro = openpyxl.load_workbook(
                io.BytesIO(contenido), read_only=True, data_only=False, keep_links=False, keep_vba=False
            )
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        ET.ParseError,
        AttributeError,
        IndexError,
    ) as exc:
        raise EntradaInvalida(
            "No se pudo leer el libro de Excel",
            donde=nombre,
            detalle=f"{type(exc).__name__}: {exc}. {_GUARDAR}",
        ) from exc
    try:
        presentes = tuple(libro.sheetnames)
        tablas: dict[str, Tabla] = {}
        for hoja in presentes:
            clave = normalizar(hoja)
            if clave not in hojas or clave in tablas:
                continue
            filas = _filas_xlsx(libro[hoja], hoja, nombre)
            tablas[clave] = Tabla(hoja, None, filas, fusiones.get(hoja, ()))
    except EntradaInvalida:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, TypeError, OSError,
            ET.ParseError) as exc:
        raise EntradaInvalida(
            "No se pudo leer el libro de Excel",
            donde=nombre,
            detalle=f"{type(exc).__name__}: {exc}. {_GUARDAR}",
        ) from exc
    finally:
        with contextlib.suppress(Exception):
            libro.close()
    return Libro("xlsx", nombre, tablas, presentes)


def _filas_xlsx(hoja: object, titulo: str, nombre: str | None) -> tuple[tuple[Valor, ...], ...]:
    filas: list[tuple[Valor, ...]] = []
    for n, fila in enumerate(hoja.iter_rows(max_col=COLUMNAS_MAXIMAS), start=1):  # type: ignore[attr-defined]
        if n > FILAS_MAXIMAS:
            raise EntradaDemasiadoGrande(
                f"La hoja «{titulo}» tiene más de {FILAS_MAXIMAS:,} filas",
                donde=nombre,
                detalle="Divida el envío o borre las filas vacías con formato al final de la hoja "
                "(selecciónelas y use «Eliminar filas»).",
            )
        filas.append(tuple(_valor_xlsx(c) for c in fila))
    while filas and all(v is None for v in filas[-1]):
        filas.pop()
    return tuple(filas)


def _valor_xlsx(celda: object) -> Valor:
    tipo = getattr(celda, "data_type", None)
    valor = getattr(celda, "value", None)
    if tipo == "f":
        texto = getattr(valor, "text", valor)  # ArrayFormula guarda el texto en .text
        return Formula(str(texto).removeprefix("="))
    if tipo == "e":
        return ErrorCelda(str(valor))
    if isinstance(valor, str) and not valor.strip():
        return None
    return valor  # type: ignore[no-any-return]


def _fusiones_por_hoja(archivo: zipfile.ZipFile, nombre: str | None) -> dict[str, tuple[str, ...]]:
    """Rangos combinados de cada hoja, por nombre de hoja (workbook.xml + sus relaciones)."""
    parte = _parte_principal(archivo)
    carpeta = posixpath.dirname(parte)
    rels = posixpath.join(carpeta, "_rels", posixpath.basename(parte) + ".rels")
    try:
        libro = ET.fromstring(archivo.read(parte))
        relaciones = ET.fromstring(archivo.read(rels))
    except (KeyError, ET.ParseError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        return {}
    destinos = {r.get("Id"): r.get("Target", "") for r in relaciones.iter() if r.get("Id")}
    salida: dict[str, tuple[str, ...]] = {}
    for hoja in libro.iter():
        if not hoja.tag.endswith("}sheet") or hoja.get("name") is None:
            continue
        destino = destinos.get(hoja.get(f"{{{_NS_REL}}}id"), "")
        if not destino:
            continue
        ruta = (
            destino.lstrip("/")
            if destino.startswith("/")
            else posixpath.normpath(posixpath.join(carpeta, destino))
        )
        try:
            datos = _leer_miembro(archivo, archivo.getinfo(ruta), nombre)
        except KeyError:
            continue
        salida[str(hoja.get("name"))] = tuple(m.decode("ascii", "replace") for m in _RE_FUSION.findall(datos))
    return salida


def _parte_principal(archivo: zipfile.ZipFile) -> str:
    try:
        raiz = ET.fromstring(archivo.read("_rels/.rels"))
    except (KeyError, ET.ParseError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        return "xl/workbook.xml"
    for r in raiz.iter():
        if str(r.get("Type", "")).endswith("/officeDocument") and r.get("Target"):
            return str(r.get("Target")).lstrip("/")
    return "xl/workbook.xml"


# --- CSV en .zip --------------------------------------------------------------------------------------
def _leer_csv(archivo: zipfile.ZipFile, nombre: str | None, hojas: frozenset[str]) -> Libro:
    por_slug = {slug(h): h for h in hojas}
    tablas: dict[str, Tabla] = {}
    presentes: list[str] = []
    for info in archivo.infolist():
        ruta = PurePosixPath(info.filename)
        if info.is_dir() or ruta.name.startswith(".") or "__MACOSX" in ruta.parts:
            continue
        presentes.append(info.filename)
        if ruta.suffix.lower() != ".csv":
            continue
        hoja = por_slug.get(slug(ruta.stem))
        if hoja is None or hoja in tablas:
            continue
        texto = _texto_csv(_leer_miembro(archivo, info, nombre), info.filename, nombre)
        tablas[hoja] = Tabla(ruta.stem, info.filename, _filas_csv(texto, info.filename, nombre))
    if not any(p.lower().endswith(".csv") for p in presentes):
        raise EntradaInvalida(
            "El .zip no contiene archivos CSV de la plantilla",
            donde=nombre,
            detalle="La variante CSV es un .zip con un CSV por hoja (programa.csv, modulos.csv… o norma.csv, "
            "unidades.csv…). Genérela con «registro plantilla programa --formato csv».",
        )
    return Libro("csv", nombre, tablas, tuple(presentes))


def _texto_csv(datos: bytes, miembro: str, nombre: str | None) -> str:
    cuerpo = datos.removeprefix(b"\xef\xbb\xbf")
    try:
        return cuerpo.decode("utf-8")
    except UnicodeDecodeError as exc:
        linea = cuerpo.count(b"\n", 0, exc.start) + 1
        raise EntradaInvalida(
            f"El archivo «{miembro}» no está codificado en UTF-8",
            donde=f"{nombre}, {miembro}, fila {linea}" if nombre else f"{miembro}, fila {linea}",
            detalle="Guárdelo como «CSV UTF-8 (delimitado por comas)» (Excel) o con codificación UTF-8 "
            "(LibreOffice: Guardar como → CSV → Juego de caracteres Unicode UTF-8).",
        ) from exc


def _filas_csv(texto: str, miembro: str, nombre: str | None) -> tuple[tuple[Valor, ...], ...]:
    primera = texto.split("\n", 1)[0]
    separador = max((";", ",", "\t"), key=primera.count)
    lector = csv.reader(io.StringIO(texto, newline=""), delimiter=separador)
    filas: list[tuple[Valor, ...]] = []
    try:
        for n, fila in enumerate(lector, start=1):
            if n > FILAS_MAXIMAS:
                raise EntradaDemasiadoGrande(
                    f"El archivo «{miembro}» tiene más de {FILAS_MAXIMAS:,} filas",
                    donde=nombre,
                    detalle="Divida el envío en planillas más pequeñas.",
                )
            filas.append(tuple(_valor_csv(v) for v in fila[:COLUMNAS_MAXIMAS]))
    except csv.Error as exc:
        raise EntradaInvalida(
            f"El archivo «{miembro}» no es un CSV válido",
            donde=f"{miembro}, fila {lector.line_num}",
            detalle=f"{exc}. Revise las comillas de esa fila.",
        ) from exc
    while filas and all(v is None for v in filas[-1]):
        filas.pop()
    return tuple(filas)


def _valor_csv(texto: str) -> Valor:
    limpio = texto.strip()
    if not limpio:
        return None
    if limpio.startswith("="):
        return Formula(limpio[1:])
    return texto
