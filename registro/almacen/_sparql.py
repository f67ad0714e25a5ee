"""Análisis léxico mínimo de SPARQL, compartido por todos los backends.

No es un analizador completo: distingue cadenas, IRIs, comentarios, variables y palabras, que es lo
necesario para lo que no puede hacerse con expresiones regulares sobre el texto crudo sin romper (o
abrir) consultas:

* ``quitar_conjunto_datos``: elimina ``FROM``/``FROM NAMED``. El protocolo SPARQL dice que el
  conjunto de datos de la petición manda sobre el de la consulta (así se comportan pyoxigraph y el
  servidor Oxigraph), pero Virtuoso los *une*: un ``FROM <grafo:privado/…>`` saltaría la vista pública.
* ``grafos_escritos``: qué grafos toca una actualización, para la copia de seguridad previa en
  servidores sin transacciones por petición (Virtuoso).
* ``forma_consulta``: SELECT/ASK/CONSTRUCT/DESCRIBE, para pedir al servidor el formato adecuado.

El texto de cadenas, IRIs y comentarios nunca se modifica.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from registro.errores import ErrorConsulta

_CARACTERES_VAR = (
    "A-Za-z0-9_\u00b7\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0300-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u203f-\u2040\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_NOMBRE_VAR = re.compile(f"[{_CARACTERES_VAR}]+")

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comentario>\#[^\r\n]*)
  | (?P<cadena>'''(?:[^'\\]|\\.|'(?!''))*'''
             | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '(?:[^'\\\r\n]|\\.)*'
             | "(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][""" + _CARACTERES_VAR + r"""]+)
  | (?P<punt>[{}()\[\],;])
  | (?P<palabra>[^\s{}()\[\],;\#'"<?$]+)
  | (?P<otro>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_LANG = re.compile(r"^[A-Za-z]+(?:-[A-Za-z0-9]+)*$")
_PROHIBIDOS_IRI = set('<>"{}|^`\\ \n\r\t')


@dataclass(frozen=True, slots=True)
class Token:
    tipo: str
    texto: str

    @property
    def significativo(self) -> bool:
        return self.tipo not in {"ws", "comentario"}

    def es(self, *palabras: str) -> bool:
        return self.tipo == "palabra" and self.texto.upper() in palabras


def tokenizar(sparql: str) -> list[Token]:
    """Divide el texto en tokens; concatenar sus textos devuelve exactamente el original."""
    return [Token(m.lastgroup or "otro", m.group()) for m in _TOKEN.finditer(sparql)]


def _significativos(tokens: list[Token]) -> list[int]:
    return [i for i, t in enumerate(tokens) if t.significativo]


# --- conjunto de datos y forma de la consulta --------------------------------------------------------------
def quitar_conjunto_datos(sparql: str) -> str:
    """Elimina las cláusulas ``FROM <g>`` y ``FROM NAMED <g>``: manda la vista del registro."""
    tokens = tokenizar(sparql)
    idx = _significativos(tokens)
    borrar: set[int] = set()
    for pos, i in enumerate(idx):
        if not tokens[i].es("FROM"):
            continue
        siguiente = pos + 1
        if siguiente < len(idx) and tokens[idx[siguiente]].es("NAMED"):
            siguiente += 1
        if siguiente < len(idx) and tokens[idx[siguiente]].tipo in {"iri", "palabra"}:
            borrar.update(range(i, idx[siguiente] + 1))
    if not borrar:
        return sparql
    return "".join(" " if i in borrar else t.texto for i, t in enumerate(tokens))


def usa_grafos_con_nombre(sparql: str) -> bool:
    """Si la consulta tiene ``GRAPH`` (en cualquier nivel): si no, los grafos con nombre no importan."""
    return any(t.es("GRAPH") for t in tokenizar(sparql))


def grafos_con_nombre_usados(sparql: str) -> bool | frozenset[str]:
    """Qué grafos con nombre puede alcanzar la consulta: ``False`` si no tiene ``GRAPH``; los IRIs si
    todos sus ``GRAPH`` llevan un IRI absoluto entre ``<>``; ``True`` si alguno lleva otra cosa (una
    variable, un nombre con prefijo, un IRI relativo…) y hacen falta todos los de la vista.

    Por qué: un almacén remoto recibe los grafos con nombre de la vista como ``named-graph-uri``, y con
    miles de versiones la lista no cabe (Virtuoso admite ~2.000). Sin ``GRAPH`` no hace falta ninguno, y
    con solo grafos constantes basta enviar los de la vista que la consulta nombra: las respuestas no
    cambian y la vista nunca se amplía (se intersecan). Un solo recorrido de los tokens.
    """
    tokens = [t for t in tokenizar(sparql) if t.significativo]
    constantes: set[str] = set()
    hay_graph = False
    for pos, t in enumerate(tokens):
        if not t.es("GRAPH"):
            continue
        hay_graph = True
        siguiente = tokens[pos + 1] if pos + 1 < len(tokens) else None
        if siguiente is None or siguiente.tipo != "iri" or ":" not in siguiente.texto[1:-1]:
            return True
        constantes.add(siguiente.texto[1:-1])
    return frozenset(constantes) if hay_graph else False


def forma_consulta(sparql: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` o ``DESCRIBE`` (la primera palabra clave tras el prólogo)."""
    for t in tokenizar(sparql):
        if t.es("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return t.texto.upper()
    raise ErrorConsulta(
        "La consulta SPARQL tiene un error de sintaxis",
        detalle="No contiene SELECT, ASK, CONSTRUCT ni DESCRIBE.",
    )


def grafos_escritos(actualizacion: str) -> set[str] | None:
    """IRIs de los grafos que puede modificar una actualización; ``None`` si no se puede saber.

    Cuentan los grafos de las plantillas y bloques de datos (``GRAPH <g>`` antes del ``WHERE`` de cada
    operación, o dentro de ``DELETE WHERE``), ``WITH <g>`` y los destinos de DROP/CLEAR/CREATE/LOAD/
    ADD/MOVE/COPY. Los ``GRAPH`` del ``WHERE`` solo se leen. No se puede saber cuando la plantilla
    escribe en ``GRAPH ?g`` o la operación abarca grupos de grafos (``DROP ALL``, ``CLEAR NAMED``…).
    """
    tokens = [t for t in tokenizar(actualizacion) if t.significativo]
    grafos: set[str] = set()
    profundidad = 0
    en_where = False  # dentro del WHERE (lectura) de la operación actual
    for pos, t in enumerate(tokens):
        anterior = tokens[pos - 1] if pos > 0 else None
        siguiente = tokens[pos + 1] if pos + 1 < len(tokens) else None
        if t.texto == "{":
            profundidad += 1
        elif t.texto == "}":
            profundidad -= 1
        elif t.texto == ";" and profundidad == 0:
            en_where = False
        elif t.es("WHERE") and profundidad == 0:
            en_where = not (anterior is not None and anterior.es("DELETE"))
        if t.es("ALL", "NAMED") and anterior is not None and anterior.es("DROP", "CLEAR", "SILENT"):
            return None
        if en_where or siguiente is None:
            continue
        if t.es("GRAPH", "INTO", "WITH", "TO"):
            if siguiente.tipo == "iri":
                grafos.add(siguiente.texto[1:-1])
            elif siguiente.tipo == "var":
                return None
        elif t.es("ADD", "MOVE", "COPY"):
            resto = [x for x in tokens[pos + 1 : pos + 4] if not x.es("SILENT", "GRAPH")]
            if resto and resto[0].tipo == "iri":
                grafos.add(resto[0].texto[1:-1])
    return grafos


_XSD_DECIMAL = "<http://www.w3.org/2001/XMLSchema#decimal>"
_ENTERO = re.compile(r"[+-]?[0-9]+")


def decimales_explicitos(actualizacion: str) -> str:
    """Escribe ``"3"^^xsd:decimal`` como ``"3.0"^^xsd:decimal`` (para Virtuoso).

    El compilador SPARQL de Virtuoso guarda un decimal de valor entero escrito sin punto como
    ``xsd:integer`` (su cargador Turtle/GSP no lo hace). ``"3.0"`` es el mismo valor y el mismo tipo.
    """
    if _XSD_DECIMAL not in actualizacion:
        return actualizacion
    tokens = tokenizar(actualizacion)
    salida = [t.texto for t in tokens]
    for i in range(len(tokens) - 2):
        t = tokens[i]
        if (
            t.tipo == "cadena"
            and tokens[i + 1].texto == "^^"
            and tokens[i + 2].texto == _XSD_DECIMAL
            and t.texto[:1] in "\"'"
            and _ENTERO.fullmatch(t.texto[1:-1])
            and len(t.texto) >= 3
        ):
            salida[i] = f"{t.texto[0]}{t.texto[1:-1]}.0{t.texto[-1]}"
    return "".join(salida)
