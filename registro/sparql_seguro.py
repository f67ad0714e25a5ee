"""Análisis léxico de consultas SPARQL para el punto público de solo lectura.

Por qué un analizador propio: pyoxigraph (y rdflib, y el servidor Oxigraph) **evalúan** ``SERVICE``
—también ``SERVICE SILENT``— y harían peticiones de red desde el servidor (NOTAS-TECNICAS, seguridad).
La comprobación busca palabras clave solo en el *código* de la consulta: antes quita comentarios,
literales de cadena (cortos y largos, con escapes) e IRIs ``<…>``, así ``"SERVICE"`` dentro de un texto
es válido pero ``SERVICE`` tras un comentario, con mayúsculas raras o escrito con escapes ``\\u0053``
se detecta. Las reglas léxicas son las de la gramática SPARQL 1.1 (IRIREF, STRING_LITERAL*, PN_LOCAL_ESC),
de modo que lo que aquí es «texto» también lo es para el analizador de Oxigraph.

Además extrae lo que el protocolo necesita sin ejecutar nada: la forma de la consulta (SELECT, ASK,
CONSTRUCT, DESCRIBE; para negociar el formato antes de ejecutar) y los grafos de ``FROM`` / ``FROM
NAMED`` (para limitarlos a los grafos públicos). Coste medido: decenas de microsegundos por consulta.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urljoin

from registro.errores import ConsultaProhibida, ErrorConsulta

PALABRAS_ACTUALIZACION = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
"""Palabras que solo existen en SPARQL Update (no pueden aparecer como palabra suelta en una consulta)."""
PALABRAS_FEDERACION = frozenset({"SERVICE"})
FORMAS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

_CAR = r"A-Za-z0-9_:%\u00B7\u00C0-\uFFFF\-"
_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_LEXICO = re.compile(
    r"""
    (?P<esp>\s+)
  | (?P<com>\#[^\n\r]*)
  | (?P<cad>"{3}(?:[^"\\]|\\.|"(?!""))*(?:"{3}|\Z)
          | '{3}(?:[^'\\]|\\.|'(?!''))*(?:'{3}|\Z)
          | "(?:[^"\\\n\r]|\\.)*"?
          | '(?:[^'\\\n\r]|\\.)*'?)
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]*)
  | (?P<idioma>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<nombre>(?:[CAR]|ESC)(?:[CAR]|ESC|\.+(?=[CAR]|\\))*)
  | (?P<signo>\\.?|.)
    """.replace("CAR", _CAR).replace("ESC", _ESC),
    re.VERBOSE | re.DOTALL,
)
"""Léxico SPARQL 1.1 mínimo (IRIREF, STRING_LITERAL*, VAR, LANGTAG, PN_LOCAL con escapes), en C."""
_ESCAPE_UNICODE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Token(NamedTuple):
    tipo: str
    """``palabra`` (palabra clave o nombre con prefijo), ``iri``, ``var``, ``texto``, ``signo``."""
    valor: str
    posicion: int


@dataclass(frozen=True)
class AnalisisConsulta:
    """Lo que el punto SPARQL necesita saber de una consulta antes de ejecutarla."""

    forma: str | None
    """SELECT, ASK, CONSTRUCT o DESCRIBE (``None`` si no se reconoce: Oxigraph dará el error)."""
    desde: tuple[str, ...] = ()
    """IRIs de ``FROM`` (grafo por defecto pedido por la consulta)."""
    desde_con_nombre: tuple[str, ...] = ()
    """IRIs de ``FROM NAMED``."""


def tokens(sparql: str) -> list[Token]:
    """Tokens de la consulta sin comentarios ni espacios; cadenas e IRIs quedan como un token opaco.

    Los nombres con escapes ``\\uXXXX`` se decodifican y se marcan como ``escape``: Oxigraph no los
    admite fuera de literales, pero ``\\u0053ERVICE`` debe reconocerse igualmente como SERVICE.
    """
    salida: list[Token] = []
    for m in _LEXICO.finditer(sparql):
        tipo = m.lastgroup
        if tipo in ("esp", "com"):
            continue
        valor = m.group()
        if tipo == "nombre":
            if "\\u" in valor or "\\U" in valor:
                salida.append(Token("escape", _decodificar(valor), m.start()))
                continue
            tipo = "palabra"
        elif tipo == "iri":
            valor = valor[1:-1]
        elif tipo == "cad":
            tipo = "texto"
        salida.append(Token(tipo or "signo", valor, m.start()))
    return salida


def _decodificar(texto: str) -> str:
    return _ESCAPE_UNICODE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), texto)


def _palabra_clave(t: Token) -> str | None:
    if t.tipo == "escape":
        return t.valor.upper()
    if t.tipo == "palabra" and ":" not in t.valor:
        return t.valor.upper()
    return None


def analizar(sparql: str) -> AnalisisConsulta:
    """Rechaza actualizaciones y federación; devuelve la forma y los grafos ``FROM`` de la consulta."""
    if "\x00" in sparql:
        raise ErrorConsulta("La consulta contiene un carácter nulo")
    lista = tokens(sparql)
    for t in lista:
        clave = _palabra_clave(t)
        if clave is None:
            continue
        if clave in PALABRAS_FEDERACION:
            raise ConsultaProhibida(
                "La federación (SERVICE) no está permitida en el punto SPARQL público",
                detalle="El registro no hace peticiones a otros servidores en nombre de un cliente. "
                "Consulte cada servidor por separado.",
                donde=_posicion(sparql, t.posicion),
            )
        if clave in PALABRAS_ACTUALIZACION:
            raise ConsultaProhibida(
                f"El punto SPARQL público es de solo lectura: «{clave}» es una operación de actualización",
                detalle="Para publicar datos use POST /api/envios con un token de su institución.",
                donde=_posicion(sparql, t.posicion),
            )
        if t.tipo == "escape":
            raise ErrorConsulta(
                "Las secuencias de escape \\u solo se admiten dentro de literales e IRIs",
                donde=_posicion(sparql, t.posicion),
            )
    return AnalisisConsulta(
        forma=_forma(lista),
        **_grafos_desde(lista),  # type: ignore[arg-type]
    )


def _forma(lista: list[Token]) -> str | None:
    for t in lista:
        clave = _palabra_clave(t)
        if clave in FORMAS:
            return clave
    return None


def _grafos_desde(lista: list[Token]) -> dict[str, tuple[str, ...]]:
    prefijos: dict[str, str] = {}
    base = ""
    desde: list[str] = []
    con_nombre: list[str] = []
    i = 0
    while i < len(lista):
        clave = _palabra_clave(lista[i])
        if clave == "PREFIX" and i + 2 < len(lista) and lista[i + 2].tipo == "iri":
            prefijos[lista[i + 1].valor.rstrip(":")] = urljoin(base, _iri(lista[i + 2].valor))
            i += 3
            continue
        if clave == "BASE" and i + 1 < len(lista) and lista[i + 1].tipo == "iri":
            base = urljoin(base, _iri(lista[i + 1].valor))
            i += 2
            continue
        if clave == "FROM" and i + 1 < len(lista):
            destino = desde
            j = i + 1
            if _palabra_clave(lista[j]) == "NAMED":
                destino = con_nombre
                j += 1
            if j < len(lista):
                destino.append(_resolver(lista[j], prefijos, base))
            i = j + 1
            continue
        i += 1
    return {"desde": tuple(desde), "desde_con_nombre": tuple(con_nombre)}


def _iri(texto: str) -> str:
    return _decodificar(texto)


def _resolver(t: Token, prefijos: dict[str, str], base: str) -> str:
    if t.tipo == "iri":
        return urljoin(base, _iri(t.valor)) if base else _iri(t.valor)
    if t.tipo == "palabra" and ":" in t.valor:
        prefijo, local = t.valor.split(":", 1)
        if prefijo in prefijos:
            return prefijos[prefijo] + re.sub(r"\\(.)", r"\1", local)
    raise ErrorConsulta("No se pudo interpretar el grafo de FROM", donde=f"«{t.valor}»")


def _posicion(sparql: str, indice: int) -> str:
    linea = sparql.count("\n", 0, indice) + 1
    columna = indice - (sparql.rfind("\n", 0, indice) + 1) + 1
    return f"línea {linea}, columna {columna}"


_POSICION_OXIGRAPH = re.compile(r"error at (\d+):(\d+)")


def posicion_error(mensaje: str) -> tuple[int, int] | None:
    """(línea, columna) de un error de sintaxis de Oxigraph (``error at 3:14: …``)."""
    m = _POSICION_OXIGRAPH.search(mensaje)
    return (int(m.group(1)), int(m.group(2))) if m else None
