"""Lectura segura de los archivos que envían las instituciones.

Todo envío entra por aquí como **bytes** con un formato conocido; nunca se pasa a rdflib como
«ubicación» (``Graph.parse("…")`` abre URLs y archivos locales). Las reglas, en el orden en que se
aplican, y por qué:

1. **Tamaño** antes de mirar nada: un archivo enorme no debe costar memoria ni CPU
   (``EntradaDemasiadoGrande``).
2. **Vacío** y **UTF-8**: todos los formatos admitidos se envían en UTF-8; un byte inválido se señala
   con su línea y columna en vez de aparecer como un error críptico del analizador.
3. **Formato**: por nombre explícito, por extensión y, si no, mirando el contenido
   (``detectar_formato``).
4. **Peligros conocidos** (NOTAS-TECNICAS, «Security defaults»): RDF/XML con ``<!DOCTYPE``/``<!ENTITY``
   se rechaza sin analizarlo (la expansión de entidades cuesta minutos de CPU o gigabytes); en JSON-LD
   se rechaza todo ``@context``/``@import`` que no venga escrito dentro del propio documento (rdflib
   descarga contextos remotos y lee ``file://``) y un anidamiento mayor que ``PROFUNDIDAD_MAXIMA_JSON``.
5. **Análisis con pyoxigraph** para los seis formatos: un solo analizador, que nunca accede a la red,
   da errores con línea y columna y es mucho más rápido que rdflib. El resultado se entrega como
   ``rdflib.Graph`` (el resto del registro construye y valida grafos con rdflib).

**Grafos con nombre**: un envío es *un* conjunto de datos y el registro decide el grafo donde se guarda
(``grafo:envio/{inst}/{clave}/v{n}``). TriG y N-Quads se aceptan solo con tripletas en el grafo por
defecto; un grafo con nombre se rechaza (en vez de fundirlo en silencio) porque su nombre expresa una
intención —otro conjunto, otra versión, otro dueño— que el registro no puede respetar.

Además, ``instalar_guardia`` añade un *audit hook* de proceso: mientras un hilo está dentro de
``sin_red()`` cualquier intento de abrir una URL o un socket hacia fuera de la máquina, de leer un
archivo fuera de la instalación de Python y del propio registro, o de lanzar un proceso, falla con
``AccesoBloqueado``. Es la red de seguridad por si algún día una biblioteca (rdflib, pyshacl) intenta
resolver algo durante el análisis o la validación.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import site
import sys
import sysconfig
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import urlsplit
from xml.parsers import expat

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from registro.errores import EntradaDemasiadoGrande, EntradaInvalida, EntradaPeligrosa, FormatoDesconocido

FORMATOS: tuple[str, ...] = ("turtle", "trig", "nquads", "ntriples", "rdfxml", "jsonld")
"""Formatos admitidos en un envío (nombres canónicos)."""

NOMBRES_FORMATO: dict[str, str] = {
    "turtle": "Turtle",
    "trig": "TriG",
    "nquads": "N-Quads",
    "ntriples": "N-Triples",
    "rdfxml": "RDF/XML",
    "jsonld": "JSON-LD",
}

_OXIGRAPH: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}

_ALIAS: dict[str, str] = {
    **{f: f for f in FORMATOS},
    "ttl": "turtle",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/trig": "trig",
    "nq": "nquads",
    "n-quads": "nquads",
    "application/n-quads": "nquads",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "application/n-triples": "ntriples",
    "xml": "rdfxml",
    "rdf": "rdfxml",
    "rdf/xml": "rdfxml",
    "rdf+xml": "rdfxml",
    "owl": "rdfxml",
    "application/rdf+xml": "rdfxml",
    "json-ld": "jsonld",
    "json": "jsonld",
    "application/ld+json": "jsonld",
}

_EXTENSIONES: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".trig": "trig",
    ".nq": "nquads",
    ".nquads": "nquads",
    ".nt": "ntriples",
    ".ntriples": "ntriples",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".jsonld": "jsonld",
    ".json": "jsonld",
}

_AYUDA_FORMATO = (
    "Use la extensión .ttl (Turtle), .trig, .nq (N-Quads), .nt (N-Triples), .rdf (RDF/XML) o .jsonld, "
    "o indique el formato explícitamente (--formato turtle|trig|nquads|ntriples|rdfxml|jsonld)."
)

PROFUNDIDAD_MAXIMA_JSON = 64
"""Niveles máximos de anidamiento de objetos y listas en un JSON-LD (un programa completo usa ~12)."""

TRIPLETAS_MAXIMAS = 100_000
"""Tripletas máximas de un envío. Un programa o una norma completos ocupan unos pocos miles; el tope
existe porque unos pocos bytes pueden generar muchísimas tripletas (listas ``( ( ( … ) ) )`` anidadas:
1 MB de Turtle → 250.000 tripletas) y cada una cuesta memoria en rdflib y tiempo en SHACL, con el
cerrojo de escritura tomado. Se cuenta antes de construir el grafo de rdflib."""

LONGITUD_MAXIMA_LITERAL = 100_000
"""Caracteres máximos de un literal (el texto más largo del piloto tiene ~500): un literal de megabytes
pasaría SHACL y se serviría en cada página, exportación y resultado SPARQL."""

LONGITUD_MAXIMA_IRI = 4_096
"""Caracteres máximos de un IRI (los del registro tienen menos de 200)."""

_NO_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Caracteres que XML 1.0 no puede representar: un literal que los contenga rompería el RDF/XML, los
resultados SPARQL en XML y las planillas exportadas (medido: pyoxigraph los escribe tal cual y el
documento deja de ser XML bien formado). Se rechazan al entrar, con el sujeto y la propiedad."""

_BOM = b"\xef\xbb\xbf"
_MUESTRA = 64 * 1024
"""Bytes que se miran para adivinar el formato."""


# --- detección de formato -------------------------------------------------------------------------
def normalizar_formato(formato: str) -> str:
    """Nombre canónico de un formato escrito como nombre, extensión o tipo MIME."""
    clave = formato.strip().lower().lstrip(".").split(";", 1)[0].strip()
    try:
        return _ALIAS[clave]
    except KeyError as exc:
        raise FormatoDesconocido(
            f"Formato desconocido: «{formato}»",
            detalle="Formatos admitidos: turtle, trig, nquads, ntriples, rdfxml, jsonld.",
        ) from exc


def detectar_formato(nombre: str | None, contenido: bytes, formato: str | None) -> str:
    """Formato canónico de un envío: el indicado, el de la extensión o el que muestra el contenido.

    El formato explícito manda (una API puede recibir ``Content-Type``); la extensión viene después
    porque es lo que la persona eligió al guardar el archivo; adivinar por el contenido es el último
    recurso y solo acepta señales inequívocas. Si nada encaja se pide el formato en vez de arriesgar.
    """
    if formato:
        return normalizar_formato(formato)
    if nombre:
        sufijo = Path(nombre).suffix.lower()
        if sufijo in _EXTENSIONES:
            return _EXTENSIONES[sufijo]
    adivinado = _adivinar(contenido)
    if adivinado is not None:
        return adivinado
    quien = f"«{nombre}»" if nombre else "el archivo enviado"
    pista = _AYUDA_FORMATO
    if contenido.startswith(b"PK\x03\x04"):
        pista = (
            "Parece una hoja de cálculo o un ZIP: las planillas se envían con la plantilla de envío. " + pista
        )
    elif contenido.startswith(b"%PDF"):
        pista = "Es un PDF: el registro solo acepta datos RDF. " + pista
    raise FormatoDesconocido(f"No se reconoce el formato de {quien}", detalle=pista)


_RE_PREFIJO = re.compile(r"^\s*(@prefix|@base|prefix\s|base\s)", re.IGNORECASE)
_RE_GRAFO = re.compile(
    r"^\s*(?:GRAPH\s+)?(?:<[^>\s]*>|[A-Za-z][\w.-]*:[\w.:%-]*|:[\w.:%-]*|_:[\w.-]+)?\s*\{",
    re.IGNORECASE | re.MULTILINE,
)
_TERMINO = r'(?:<[^>\s]*>|_:[\w.-]+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z][\w-]*|\^\^<[^>\s]*>)?)'
_RE_ENUNCIADO_NX = re.compile(
    rf"^\s*(?:<[^>\s]*>|_:[\w.-]+)\s+<[^>\s]*>\s+{_TERMINO}\s*(?P<g><[^>\s]*>|_:[\w.-]+)?\s*\.\s*$"
)


def _adivinar(contenido: bytes) -> str | None:
    """Formato por el contenido, o ``None`` si no hay una señal clara."""
    texto = contenido[:_MUESTRA].removeprefix(_BOM).decode("utf-8", errors="ignore")
    inicio = texto.lstrip()
    if inicio.startswith(("{", "[")):
        return "jsonld"
    if inicio.startswith("<?xml") or re.match(r"<(?:[A-Za-z_][\w.-]*:)?RDF[\s>]", inicio):
        return "rdfxml"
    lineas = [ln for ln in texto.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lineas:
        return None
    primera = lineas[0]
    if _RE_PREFIJO.match(primera):
        return "trig" if _RE_GRAFO.search(texto) else "turtle"
    if primera.lstrip().startswith("<!--") or re.match(r"\s*<[A-Za-z_][\w.-]*:[\w.-]+[\s>]", primera):
        return "rdfxml"
    if primera.lstrip().startswith(("<", "_:")):
        coincidencia = _RE_ENUNCIADO_NX.match(primera)
        if coincidencia is not None:
            return "nquads" if coincidencia.group("g") else "ntriples"
        return "trig" if _RE_GRAFO.search(texto) else "turtle"
    return None


# --- análisis --------------------------------------------------------------------------------------
def analizar(
    contenido: bytes,
    *,
    formato: str | None = None,
    nombre: str | None = None,
    limite: int,
    base: str | None = None,
    tripletas_maximas: int = TRIPLETAS_MAXIMAS,
) -> Graph:
    """Analiza un envío y devuelve sus tripletas; no escribe nada ni accede a la red.

    ``base`` resuelve los IRI relativos (la ingesta pasa el espacio de la institución que envía);
    sin ella, un IRI relativo es un error de sintaxis con su posición.

    Lanza ``EntradaDemasiadoGrande``, ``EntradaInvalida`` (vacío, UTF-8, sintaxis con línea y
    columna en ``donde``, grafos con nombre), ``FormatoDesconocido`` o ``EntradaPeligrosa``.
    """
    if not isinstance(contenido, bytes | bytearray | memoryview):
        raise TypeError("analizar() recibe bytes; nunca una ruta ni una URL")
    contenido = bytes(contenido)
    if len(contenido) > limite:
        raise EntradaDemasiadoGrande(
            f"El archivo ocupa {len(contenido):,} bytes y el máximo permitido es {limite:,} bytes",
            donde=nombre,
            detalle="Divida el envío en conjuntos más pequeños (p. ej. un programa por archivo).",
        )
    cuerpo = contenido.removeprefix(_BOM)
    if not cuerpo.strip():
        raise EntradaInvalida(
            "El archivo está vacío", donde=nombre, detalle="Envíe un archivo RDF con al menos una tripleta."
        )
    texto = _texto_utf8(cuerpo, nombre)
    fmt = detectar_formato(nombre, cuerpo, formato)
    if fmt == "rdfxml":
        _rechazar_dtd(texto, nombre)
        _exigir_xml_completo(cuerpo, nombre)
    elif fmt == "jsonld":
        _revisar_jsonld(texto, nombre)
    with sin_red():
        grafo = _parsear(cuerpo, fmt, nombre, base, tripletas_maximas)
    if len(grafo) == 0:
        raise EntradaInvalida(
            f"El archivo no contiene ninguna tripleta ({NOMBRES_FORMATO[fmt]})",
            donde=nombre,
            detalle="Compruebe que el archivo tiene datos y que el formato indicado es el correcto.",
        )
    return grafo


def _donde(nombre: str | None, linea: int | None, columna: int | None) -> str | None:
    partes = [nombre] if nombre else []
    if linea is not None:
        partes.append(f"línea {linea}" + (f", columna {columna}" if columna is not None else ""))
    return ", ".join(partes) or None


def _texto_utf8(cuerpo: bytes, nombre: str | None) -> str:
    """Decodifica como UTF-8 o explica dónde está el primer byte inválido."""
    try:
        texto = cuerpo.decode("utf-8")
    except UnicodeDecodeError as exc:
        inicio_linea = cuerpo.rfind(b"\n", 0, exc.start) + 1
        linea = cuerpo.count(b"\n", 0, exc.start) + 1
        columna = len(cuerpo[inicio_linea : exc.start].decode("utf-8", errors="replace")) + 1
        raise EntradaInvalida(
            "El archivo no está codificado en UTF-8",
            donde=_donde(nombre, linea, columna),
            detalle=f"Byte inválido 0x{cuerpo[exc.start]:02X}. Guarde el archivo como UTF-8 "
            "(en la mayoría de editores: «Guardar como…» → codificación UTF-8).",
        ) from exc
    if "\x00" in texto:
        posicion = texto.index("\x00")
        linea = texto.count("\n", 0, posicion) + 1
        columna = posicion - (texto.rfind("\n", 0, posicion) + 1) + 1
        raise EntradaInvalida(
            "El archivo contiene caracteres nulos (¿está en UTF-16 o es binario?)",
            donde=_donde(nombre, linea, columna),
            detalle="Guarde el archivo como texto UTF-8.",
        )
    return texto


_RE_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _rechazar_dtd(texto: str, nombre: str | None) -> None:
    """Rechaza cualquier DTD: sin DTD no hay entidades que expandir (ni externas ni anidadas)."""
    hallazgo = _RE_DTD.search(texto)
    if hallazgo is None:
        return
    posicion = hallazgo.start()
    linea = texto.count("\n", 0, posicion) + 1
    columna = posicion - (texto.rfind("\n", 0, posicion) + 1) + 1
    raise EntradaPeligrosa(
        f"El RDF/XML declara <!{hallazgo.group(1).upper()}>: no se admiten DTD ni entidades XML",
        donde=_donde(nombre, linea, columna),
        detalle="Las entidades XML permiten ataques de expansión (p. ej. «billion laughs») y lecturas de "
        "archivos. Quite la declaración DOCTYPE y escriba el texto directamente, o envíe Turtle.",
    )


def _exigir_xml_completo(cuerpo: bytes, nombre: str | None) -> None:
    """El RDF/XML debe ser XML bien formado: un archivo **truncado** no se acepta a medias.

    Por qué: el analizador RDF/XML de Oxigraph entrega las tripletas leídas hasta el corte sin quejarse
    de los elementos sin cerrar (medido con el programa piloto cortado al 55 %); si el corte cae entre
    dos descripciones, el resultado podría ser conforme y se publicaría un conjunto incompleto. expat
    (biblioteca estándar, en C) comprueba la buena formación en milisegundos; sin DTD (ya rechazada) no
    hay entidades que expandir ni nada que descargar.
    """
    analizador = expat.ParserCreate()
    analizador.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        analizador.Parse(cuerpo, True)
    except expat.ExpatError as exc:
        raise EntradaInvalida(
            f"Error de sintaxis RDF/XML: el XML no está bien formado ({expat.ErrorString(exc.code)})",
            donde=_donde(nombre, exc.lineno, exc.offset + 1),
            detalle="Si el archivo está cortado (descarga o copia incompleta), vuelva a exportarlo entero; "
            "si no, revise que cada etiqueta abierta se cierre.",
        ) from exc


def _revisar_jsonld(texto: str, nombre: str | None) -> None:
    """Comprueba JSON, anidamiento y contextos antes de que ningún procesador JSON-LD lo vea."""
    try:
        documento = json.loads(texto)
    except RecursionError as exc:
        raise EntradaPeligrosa(
            "El JSON-LD está anidado a demasiada profundidad",
            donde=nombre,
            detalle=f"El máximo es {PROFUNDIDAD_MAXIMA_JSON} niveles de objetos y listas.",
        ) from exc
    except json.JSONDecodeError as exc:
        raise EntradaInvalida(
            f"Error de sintaxis JSON: {_traducir_json(exc.msg)}",
            donde=_donde(nombre, exc.lineno, exc.colno),
            detalle="Revise comas, comillas y llaves cerca de esa posición.",
        ) from exc
    pendientes: list[tuple[object, int, str]] = [(documento, 1, "$")]
    while pendientes:
        valor, profundidad, ruta = pendientes.pop()
        if profundidad > PROFUNDIDAD_MAXIMA_JSON:
            raise EntradaPeligrosa(
                "El JSON-LD está anidado a demasiada profundidad",
                donde=_donde(nombre, None, None),
                detalle=f"El máximo es {PROFUNDIDAD_MAXIMA_JSON} niveles de objetos y listas "
                f"(en …{ruta[-40:]}).",
            )
        if isinstance(valor, dict):
            for clave, hijo in valor.items():
                if clave in {"@context", "@import"}:
                    _revisar_contexto(hijo, f"{ruta}.{clave}", nombre, importacion=clave == "@import")
                if isinstance(hijo, dict | list):
                    pendientes.append((hijo, profundidad + 1, f"{ruta}.{clave}"))
        elif isinstance(valor, list):
            for i, hijo in enumerate(valor):
                if isinstance(hijo, dict | list):
                    pendientes.append((hijo, profundidad + 1, f"{ruta}[{i}]"))


def _revisar_contexto(valor: object, ruta: str, nombre: str | None, *, importacion: bool) -> None:
    """Un contexto solo puede ser un objeto escrito en el documento (o ``null``)."""
    elementos = valor if isinstance(valor, list) else [valor]
    for elemento in elementos:
        if isinstance(elemento, str) or (importacion and elemento is not None):
            raise EntradaPeligrosa(
                f"El JSON-LD pide cargar un contexto externo: «{elemento}»",
                donde=f"{nombre} ({ruta})" if nombre else ruta,
                detalle="El registro nunca descarga ni lee contextos (@context o @import con una URL o "
                "un archivo). Copie el contexto dentro del documento como un objeto JSON.",
            )


_JSON_MENSAJES = {
    "Expecting value": "se esperaba un valor",
    "Expecting property name enclosed in double quotes": (
        "se esperaba un nombre de propiedad entre comillas dobles"
    ),
    "Expecting ',' delimiter": "falta una coma",
    "Expecting ':' delimiter": "faltan los dos puntos",
    "Unterminated string starting at": "texto sin cerrar",
    "Extra data": "hay datos después del final del documento",
    "Invalid control character at": "carácter de control no permitido dentro de un texto",
}


def _traducir_json(mensaje: str) -> str:
    return _JSON_MENSAJES.get(mensaje, mensaje)


_RE_POSICION = re.compile(r"line (\d+)(?: between columns (\d+)| column (\d+))?")


def _parsear(
    cuerpo: bytes, fmt: str, nombre: str | None, base: str | None, maximo: int = TRIPLETAS_MAXIMAS
) -> Graph:
    """Analiza con pyoxigraph y construye el ``rdflib.Graph``; traduce los errores con su posición.

    Las cuádruplas se leen y revisan (grafo, número, longitudes, caracteres) antes de tocar rdflib: un
    envío hostil se rechaza con el coste del analizador de Oxigraph, no con el de construir el grafo.
    """
    cuadruplas: list[ox.Quad] = []
    try:
        for quad in ox.parse(cuerpo, format=_OXIGRAPH[fmt], base_iri=base):
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                raise EntradaInvalida(
                    f"El envío contiene un grafo con nombre: {quad.graph_name}",
                    donde=nombre,
                    detalle="Un envío es un solo conjunto de datos y el registro elige su grafo. Ponga las "
                    "tripletas en el grafo por defecto (o envíe Turtle), un conjunto por envío.",
                )
            if len(cuadruplas) >= maximo:
                raise EntradaDemasiadoGrande(
                    f"El envío tiene más de {maximo:,} tripletas",
                    donde=nombre,
                    detalle="Divida el envío en conjuntos más pequeños (p. ej. un programa o una norma por "
                    "archivo). Si el archivo es pequeño, revise que no tenga listas o nodos anidados sin "
                    "fin.",
                )
            cuadruplas.append(quad)
    except SyntaxError as exc:
        linea, columna = _posicion(exc)
        motivo = str(exc.msg if exc.msg else exc)
        motivo = re.sub(r"^Parser error[^:]*:\s*", "", motivo)
        raise EntradaInvalida(
            f"Error de sintaxis {NOMBRES_FORMATO[fmt]}: {motivo}",
            donde=_donde(nombre, linea, columna),
            detalle=_pista_sintaxis(motivo),
        ) from exc
    grafo = Graph()
    agregar = grafo.add
    try:
        for quad in cuadruplas:
            s, p, o = _termino(quad.subject), _termino(quad.predicate), _termino(quad.object)
            if (
                len(s) > LONGITUD_MAXIMA_IRI
                or len(p) > LONGITUD_MAXIMA_IRI
                or len(o) > min(LONGITUD_MAXIMA_IRI, LONGITUD_MAXIMA_LITERAL)
                or (isinstance(o, Literal) and _NO_XML.search(o) is not None)
            ):
                _revisar_tripleta(s, p, o, nombre)
            agregar((s, p, o))
    except _TerminoNoAdmitido as exc:
        raise EntradaInvalida(
            "El envío usa tripletas citadas (RDF 1.2 / RDF-star), que el registro no admite",
            donde=nombre,
            detalle=f"Término: {exc}. Describa la afirmación con un recurso propio en su lugar.",
        ) from exc
    return grafo


def revisar_grafo(
    grafo: Graph, nombre: str | None = None, *, tripletas_maximas: int = TRIPLETAS_MAXIMAS
) -> None:
    """Los mismos topes que ``analizar`` (tripletas, longitudes, caracteres) para un grafo ya construido.

    Lo usan las vías que no pasan por el analizador RDF (planillas): un CSV puede traer caracteres de
    control que ningún formato de salida XML admite.
    """
    if len(grafo) > tripletas_maximas:
        raise EntradaDemasiadoGrande(
            f"El envío tiene más de {tripletas_maximas:,} tripletas",
            donde=nombre,
            detalle="Divida el envío en conjuntos más pequeños (p. ej. un programa o una norma por archivo).",
        )
    for s, p, o in grafo:
        _revisar_tripleta(s, p, o, nombre)


def _revisar_tripleta(s: Node, p: Node, o: Node, nombre: str | None) -> None:
    iris = [str(t) for t in (s, p, o) if isinstance(t, URIRef)]
    _revisar_terminos(s.n3(), p.n3(), iris, str(o) if isinstance(o, Literal) else None, nombre)


def _revisar_terminos(
    sujeto: str, predicado: str, iris: list[str], literal: str | None, nombre: str | None
) -> None:
    """Longitud de IRIs y literales, y caracteres que ningún formato de salida XML puede llevar."""
    for iri in iris:
        if len(iri) > LONGITUD_MAXIMA_IRI:
            raise EntradaInvalida(
                f"Un IRI tiene {len(iri):,} caracteres (máximo {LONGITUD_MAXIMA_IRI:,})",
                donde=nombre,
                detalle=f"IRI: {iri[:80]}… Los IRI del registro son cortos (https://w3id.org/registro/id/inst/…).",
            )
    if literal is None:
        return
    donde = f"{sujeto[:120]} {predicado}"
    donde = f"{nombre}: {donde}" if nombre else donde
    if len(literal) > LONGITUD_MAXIMA_LITERAL:
        raise EntradaInvalida(
            f"Un texto tiene {len(literal):,} caracteres (máximo {LONGITUD_MAXIMA_LITERAL:,})",
            donde=donde,
            detalle="Acorte el texto; los documentos largos se enlazan con una URL en vez de copiarse.",
        )
    prohibido = _NO_XML.search(literal)
    if prohibido is not None:
        raise EntradaInvalida(
            f"Un texto contiene el carácter de control U+{ord(prohibido.group()):04X}, que no se admite",
            donde=donde,
            detalle=f"Posición {prohibido.start() + 1} del texto. Quite el carácter (suele venir de copiar "
            "desde otro programa); solo se admiten tabuladores y saltos de línea.",
        )


def _posicion(exc: SyntaxError) -> tuple[int | None, int | None]:
    if exc.lineno is not None:
        return exc.lineno, exc.offset
    hallazgo = _RE_POSICION.search(str(exc))
    if hallazgo is None:
        return None, None
    columna = hallazgo.group(2) or hallazgo.group(3)
    return int(hallazgo.group(1)), int(columna) if columna else None


def _pista_sintaxis(motivo: str) -> str:
    m = motivo.lower()
    if "scheme" in m or "relative" in m:
        return ("Los IRI deben ser absolutos (https://w3id.org/registro/id/inst/…); declare los prefijos "
                "con @prefix y no use IRI relativos.")
    if "loaddocumentcallback" in m or "remote context" in m:
        return "El registro no carga contextos JSON-LD externos: copie el contexto dentro del documento."
    if "prefix" in m:
        return (
            "Declare el prefijo con @prefix antes de usarlo "
            "(p. ej. @prefix reg: <https://w3id.org/registro/ontologia#> .)."
        )
    if "dot" in m or "end of file" in m:
        return "Cada enunciado termina en punto; revise que no falte un «.», «;» o comillas de cierre."
    return "Corrija el archivo cerca de esa posición y vuelva a enviarlo."


class _TerminoNoAdmitido(Exception):
    pass


def _termino(t: object) -> Node:
    """Término pyoxigraph → rdflib; ``xsd:string`` explícito se deja como literal simple (RDF 1.1)."""
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype.value == _XSD_STRING:
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    raise _TerminoNoAdmitido(str(t))


_XSD_STRING = str(XSD.string)


# --- guardia de red y archivos ----------------------------------------------------------------------
class AccesoBloqueado(EntradaPeligrosa):
    """Algo intentó acceder a la red, a un archivo ajeno o a un proceso durante el análisis."""

    titulo = "Acceso externo bloqueado"


_ACTIVA: ContextVar[bool] = ContextVar("registro_sin_red", default=False)
_BLOQUEOS: deque[str] = deque(maxlen=100)
_instalada = False
_raices_permitidas: tuple[str, ...] = ()


def intentos_bloqueados() -> tuple[str, ...]:
    """Últimos accesos que la guardia bloqueó (diagnóstico y pruebas)."""
    return tuple(_BLOQUEOS)


@contextmanager
def sin_red() -> Iterator[None]:
    """Dentro de este bloque (y solo en este hilo/contexto) no se puede salir de la máquina.

    Se usa alrededor del análisis y de la validación de un envío. Usa una ``ContextVar`` para que un
    servidor con varios hilos siga pudiendo hablar con un almacén remoto desde otras peticiones.
    """
    instalar_guardia()
    ficha = _ACTIVA.set(True)
    try:
        yield
    finally:
        _ACTIVA.reset(ficha)


def instalar_guardia() -> None:
    """Instala (una sola vez por proceso) el *audit hook* que aplica ``sin_red``.

    Un *audit hook* no se puede quitar; por eso solo actúa cuando ``sin_red`` está activo y cuesta una
    consulta de ``ContextVar`` por evento el resto del tiempo.
    """
    global _instalada, _raices_permitidas
    if _instalada:
        return
    _raices_permitidas = _raices()
    sys.addaudithook(_vigilar)
    _instalada = True


def _raices() -> tuple[str, ...]:
    """Carpetas de las que se puede leer durante el análisis: Python, sus paquetes y el registro."""
    candidatas = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for clave in ("stdlib", "platstdlib", "purelib", "platlib"):
        with _silencio():
            candidatas.add(sysconfig.get_path(clave))
    with _silencio():
        candidatas.update(site.getsitepackages())
    candidatas.add(str(Path(__file__).resolve().parent.parent))
    return tuple(sorted({os.path.realpath(c).rstrip(os.sep) + os.sep for c in candidatas if c}))


def _silencio() -> contextlib.suppress:
    """Rutas opcionales: si el sistema no sabe dar una, se omite."""
    return contextlib.suppress(Exception)


_EVENTOS_PROCESO = frozenset(
    {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile", "pty.spawn"}
)


def _vigilar(evento: str, argumentos: tuple) -> None:
    if not _ACTIVA.get():
        return
    motivo: str | None = None
    if evento == "urllib.Request":
        url = str(argumentos[0]) if argumentos else ""
        if not _url_local(url):
            motivo = f"petición a {url}"
    elif evento in {"socket.connect", "socket.sendto"}:
        direccion = argumentos[1] if len(argumentos) > 1 else None
        if isinstance(direccion, tuple) and direccion and not _anfitrion_local(str(direccion[0])):
            motivo = f"conexión a {direccion[0]}"
    elif evento in {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"}:
        anfitrion = argumentos[0] if argumentos else None
        if anfitrion is not None and not _anfitrion_local(
            anfitrion.decode() if isinstance(anfitrion, bytes) else str(anfitrion)
        ):
            motivo = f"resolución del nombre {anfitrion}"
    elif evento == "open":
        ruta = argumentos[0] if argumentos else None
        if isinstance(ruta, str | bytes | os.PathLike) and not _ruta_permitida(ruta):
            motivo = f"lectura del archivo {os.fsdecode(ruta)}"
    elif evento in _EVENTOS_PROCESO:
        motivo = f"ejecución de un proceso ({evento})"
    if motivo is not None:
        _BLOQUEOS.append(motivo)
        raise AccesoBloqueado(
            "Se bloqueó un acceso externo durante el análisis del envío",
            detalle=f"{motivo}. El registro nunca descarga ni lee recursos referidos por un envío "
            "(contextos JSON-LD, entidades XML, importaciones).",
        )


def _anfitrion_local(anfitrion: str) -> bool:
    anfitrion = anfitrion.strip("[]").lower()
    if anfitrion in {"localhost", "localhost.localdomain", ""}:
        return True
    try:
        return ipaddress.ip_address(anfitrion.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _url_local(url: str) -> bool:
    partes = urlsplit(url)
    return partes.scheme in {"http", "https"} and _anfitrion_local(partes.hostname or "x")


def _ruta_permitida(ruta: str | bytes | os.PathLike) -> bool:
    try:
        real = os.path.realpath(os.fsdecode(ruta))
    except (TypeError, ValueError):
        return False
    return any(real.startswith(raiz) or real + os.sep == raiz for raiz in _raices_permitidas)


instalar_guardia()
