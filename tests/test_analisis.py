"""Lectura segura de envíos (``registro.analisis``): formatos, errores con posición y guardia de red.

Pruebas guiadas por los archivos de ``tests/datos/envios/``, cuyo nombre dice qué muestran.
"""

from __future__ import annotations

import socket
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from registro import analisis
from registro.errores import (
    EntradaDemasiadoGrande,
    EntradaInvalida,
    EntradaPeligrosa,
    FormatoDesconocido,
)

ENVIOS = Path(__file__).resolve().parent / "datos" / "envios"
LIMITE = 1_000_000
ESPACIO = "https://w3id.org/registro/id/inst/iest-piloto/"


# --- registro de intentos de salir de la máquina -----------------------------------------------------
_GRABANDO: list[bool] = []
_EVENTOS: list[tuple[str, str]] = []
_VIGILADOS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request", "open"}


def _grabar(evento: str, argumentos: tuple) -> None:
    """Audit hook de la prueba: se llama DESPUÉS de la guardia, así que solo ve lo que ella dejó pasar."""
    if _GRABANDO and evento in _VIGILADOS:
        primero = argumentos[0] if argumentos else None
        if evento == "socket.connect" and len(argumentos) > 1:
            primero = argumentos[1]
        _EVENTOS.append((evento, str(primero)))


analisis.instalar_guardia()
sys.addaudithook(_grabar)


@pytest.fixture
def grabadora():
    _EVENTOS.clear()
    _GRABANDO.append(True)
    try:
        yield _EVENTOS
    finally:
        _GRABANDO.clear()


def _salidas(eventos: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Eventos que habrían salido de la máquina o leído un archivo del sistema."""
    return [
        (e, a) for e, a in eventos
        if e in {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request"}
        or (e == "open" and "passwd" in a)
    ]


def _leer(nombre: str) -> bytes:
    return (ENVIOS / nombre).read_bytes()


# --- detección de formato ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("nombre", "contenido", "formato", "esperado"),
    [
        ("x.ttl", b"", None, "turtle"),
        ("x.TRIG", b"", None, "trig"),
        ("x.nq", b"", None, "nquads"),
        ("x.nt", b"", None, "ntriples"),
        ("x.rdf", b"", None, "rdfxml"),
        ("x.owl", b"", None, "rdfxml"),
        ("x.jsonld", b"", None, "jsonld"),
        ("x.dat", b"", "text/turtle", "turtle"),
        ("x.ttl", b"", "application/ld+json", "jsonld"),
        (None, b"", "N-Quads", "nquads"),
        (None, b"  {\"@id\": \"https://e/x\"}", None, "jsonld"),
        (None, b"<?xml version='1.0'?><rdf:RDF/>", None, "rdfxml"),
        (None, b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>", None, "rdfxml"),
        (None, b"# comentario\n@prefix a: <https://e/> .\na:x a:y a:z .", None, "turtle"),
        (None, b"PREFIX a: <https://e/>\na:g { a:x a:y a:z }", None, "trig"),
        (None, b"\xef\xbb\xbf@prefix a: <https://e/> .\nGRAPH a:g { a:x a:y a:z }", None, "trig"),
        (None, b"<https://e/x> <https://e/y> \"z\"@es .\n", None, "ntriples"),
        (None, b"<https://e/x> <https://e/y> <https://e/z> <https://e/g> .\n", None, "nquads"),
        (None, b"<https://e/x> <https://e/y> <https://e/z> ;\n <https://e/p> 1 .", None, "turtle"),
    ],
)
def test_detecta_el_formato(nombre, contenido, formato, esperado):
    assert analisis.detectar_formato(nombre, contenido, formato) == esperado


@pytest.mark.parametrize(
    ("nombre", "contenido", "formato", "pista"),
    [
        ("formato-desconocido.dat", _leer("formato-desconocido.dat"), None, "--formato"),
        ("plantilla.xlsx", b"PK\x03\x04resto", None, "planillas"),
        (None, b"%PDF-1.7", None, "PDF"),
        ("x.ttl", b"", "n3", "turtle, trig"),
    ],
)
def test_formato_desconocido_con_pista_en_espanol(nombre, contenido, formato, pista):
    with pytest.raises(FormatoDesconocido) as exc:
        analisis.detectar_formato(nombre, contenido, formato)
    assert pista in str(exc.value)


def _formatos_equivalentes() -> dict[str, tuple[str, bytes]]:
    """El programa correcto en cada formato admitido (serializado por rdflib, sin grafos con nombre)."""
    g = Graph()
    g.parse(data=_leer("programa-correcto.ttl"), format="turtle")
    return {
        "turtle": ("p.ttl", _leer("programa-correcto.ttl")),
        "jsonld": ("p.jsonld", _leer("programa-correcto.jsonld")),
        "ntriples": ("p.nt", g.serialize(format="nt", encoding="utf-8")),
        "nquads": ("p.nq", g.serialize(format="nt", encoding="utf-8")),
        "trig": ("p.trig", g.serialize(format="turtle", encoding="utf-8")),
        "rdfxml": ("p.rdf", g.serialize(format="xml", encoding="utf-8")),
    }


@pytest.mark.parametrize("formato", analisis.FORMATOS)
def test_los_seis_formatos_dan_el_mismo_grafo(formato):
    esperado = Graph()
    esperado.parse(data=_leer("programa-correcto.ttl"), format="turtle")
    nombre, contenido = _formatos_equivalentes()[formato]
    por_extension = analisis.analizar(contenido, nombre=nombre, limite=LIMITE)
    adivinado = analisis.analizar(contenido, limite=LIMITE) if formato not in {"nquads", "trig"} else None
    assert isomorphic(por_extension, esperado)
    if adivinado is not None:
        assert isomorphic(adivinado, esperado)


def test_literal_xsd_string_explicito_es_literal_simple():
    g = analisis.analizar(
        b'<https://e/x> <https://e/p> "a"^^<http://www.w3.org/2001/XMLSchema#string> .',
        formato="nt",
        limite=99,
    )
    (_, _, o), = g
    assert o.datatype is None and str(o) == "a"


# --- entradas ilegibles, con mensaje en español y posición --------------------------------------------
CASOS_ILEGIBLES = [
    # archivo, excepción, fragmento del mensaje, fragmento de «donde»
    ("sintaxis-rota.ttl", EntradaInvalida, "Error de sintaxis Turtle", "línea 7, columna 1"),
    ("vacio.ttl", EntradaInvalida, "está vacío", "vacio.ttl"),
    ("formato-desconocido.dat", FormatoDesconocido, "No se reconoce el formato", None),
    ("latin1-no-utf8.ttl", EntradaInvalida, "no está codificado en UTF-8", "línea 2, columna 83"),
    ("trig-grafo-con-nombre.trig", EntradaInvalida, "grafo con nombre", None),
    ("jsonld-contexto-remoto.jsonld", EntradaPeligrosa, "contexto externo", "@context"),
    ("jsonld-contexto-archivo.jsonld", EntradaPeligrosa, "file:///etc/passwd", "@context"),
    ("jsonld-import-remoto.jsonld", EntradaPeligrosa, "contexto externo", "@import"),
    ("rdfxml-entidades.rdf", EntradaPeligrosa, "DOCTYPE", "línea 2, columna 1"),
]


@pytest.mark.parametrize(("archivo", "clase", "mensaje", "donde"), CASOS_ILEGIBLES)
def test_entrada_ilegible(archivo, clase, mensaje, donde, grabadora):
    with pytest.raises(clase) as exc:
        analisis.analizar(_leer(archivo), nombre=archivo, limite=LIMITE)
    assert mensaje in exc.value.mensaje
    assert exc.value.detalle, "todo error debe decir cómo corregirlo"
    if donde is not None:
        assert donde in (exc.value.donde or "")
    assert _salidas(grabadora) == []


@pytest.mark.parametrize(
    ("contenido", "formato", "donde"),
    [
        (b'@prefix a: <https://e/> .\na:x a:y "sin cerrar .\n', "turtle", "línea 2"),
        (b"<https://e/x> <https://e/y> .\n", "ntriples", "línea 1, columna"),
        (b'{"@id": "https://e/x",\n "https://e/p": }', "jsonld", "línea 2, columna 17"),
        (b"<https://e/x> <https://e/y> <z> .", "ntriples", "línea 1, columna 29"),
        (b"<?xml version='1.0'?>\n<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n"
         b"<rdf:Description rdf:about='https://e/x'><a/></rdf:Description></rdf:RDF>", "rdfxml", None),
    ],
)
def test_error_de_sintaxis_con_linea_y_columna(contenido, formato, donde):
    with pytest.raises(EntradaInvalida) as exc:
        analisis.analizar(contenido, formato=formato, nombre="envio", limite=LIMITE)
    assert exc.value.mensaje.startswith(("Error de sintaxis", "El archivo"))
    if donde is not None:
        assert donde in (exc.value.donde or ""), exc.value


def test_iri_relativo_se_resuelve_en_el_espacio_de_la_institucion():
    contenido = (
        b"@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        b'<programa/X> skos:prefLabel "X"@es .'
    )
    with pytest.raises(EntradaInvalida) as exc:
        analisis.analizar(contenido, formato="turtle", limite=LIMITE)
    assert "línea 2" in (exc.value.donde or "")
    g = analisis.analizar(contenido, formato="turtle", limite=LIMITE, base=ESPACIO)
    assert {str(s) for s in g.subjects()} == {ESPACIO + "programa/X"}


def test_sin_tripletas_es_entrada_invalida():
    with pytest.raises(EntradaInvalida, match="ninguna tripleta"):
        analisis.analizar(b"# solo un comentario\n@prefix a: <https://e/> .\n", nombre="c.ttl", limite=LIMITE)


def test_tripletas_citadas_no_se_admiten():
    contenido = b"@prefix a: <https://e/> .\na:x a:dice << a:y a:z a:w >> ."
    with pytest.raises(EntradaInvalida, match="tripletas citadas"):
        analisis.analizar(contenido, formato="turtle", limite=LIMITE)


def test_exceso_de_tamano_se_rechaza_antes_de_leer(monkeypatch):
    def prohibido(*_a, **_k):
        raise AssertionError("no debe analizarse un archivo demasiado grande")

    monkeypatch.setattr(analisis, "_parsear", prohibido)
    monkeypatch.setattr(analisis, "_texto_utf8", prohibido)
    contenido = _leer("programa-correcto.ttl")
    with pytest.raises(EntradaDemasiadoGrande) as exc:
        analisis.analizar(contenido, nombre="programa-correcto.ttl", limite=len(contenido) - 1)
    assert "máximo permitido" in exc.value.mensaje
    assert exc.value.codigo_http == 413


def test_entidades_xml_nunca_se_expanden(monkeypatch):
    def prohibido(*_a, **_k):
        raise AssertionError("un RDF/XML con DTD no debe llegar al analizador")

    monkeypatch.setattr(analisis.ox, "parse", prohibido)
    inicio = time.perf_counter()
    with pytest.raises(EntradaPeligrosa, match="DOCTYPE"):
        analisis.analizar(_leer("rdfxml-entidades.rdf"), nombre="rdfxml-entidades.rdf", limite=LIMITE)
    assert time.perf_counter() - inicio < 1.0


def test_entidad_sin_doctype_tambien_se_rechaza():
    contenido = b"<?xml version='1.0'?>\n<rdf:RDF xmlns:rdf='x'>\n  <!ENTITY x 'y'>\n</rdf:RDF>"
    with pytest.raises(EntradaPeligrosa) as exc:
        analisis.analizar(contenido, formato="rdfxml", limite=LIMITE)
    assert "línea 3, columna 3" in (exc.value.donde or "")


@pytest.mark.parametrize("profundidad", [analisis.PROFUNDIDAD_MAXIMA_JSON + 1, 200_000])
def test_jsonld_demasiado_anidado(profundidad):
    contenido = b"[" * profundidad + b"]" * profundidad
    with pytest.raises(EntradaPeligrosa, match="profundidad"):
        analisis.analizar(contenido, formato="jsonld", limite=10 * profundidad)


def test_jsonld_con_contexto_en_linea_se_acepta():
    g = analisis.analizar(_leer("programa-correcto.jsonld"), nombre="programa-correcto.jsonld", limite=LIMITE)
    assert len(g) == len(analisis.analizar(_leer("programa-correcto.ttl"), nombre="p.ttl", limite=LIMITE))


# --- guardia de proceso: rdflib no puede salir a buscar nada -------------------------------------------
@pytest.mark.parametrize(
    ("archivo", "bloqueo"),
    [("jsonld-contexto-remoto.jsonld", "example.org"), ("jsonld-contexto-archivo.jsonld", "/etc/passwd")],
)
def test_la_guardia_impide_que_rdflib_busque_el_contexto(archivo, bloqueo, grabadora):
    """Aun si alguien pasara el JSON-LD directamente a rdflib, dentro de ``sin_red`` no sale nada."""
    with pytest.raises(analisis.AccesoBloqueado) as exc, analisis.sin_red():
        Graph().parse(data=_leer(archivo), format="json-ld")
    assert bloqueo in str(exc.value)
    assert _salidas(grabadora) == [], "ningún intento de red o de lectura llegó a ejecutarse"
    assert any(bloqueo in b for b in analisis.intentos_bloqueados())


def test_la_guardia_solo_actua_dentro_de_sin_red(tmp_path):
    archivo = tmp_path / "fuera.txt"
    archivo.write_text("hola", encoding="utf-8")
    with analisis.sin_red(), pytest.raises(analisis.AccesoBloqueado):
        archivo.read_text(encoding="utf-8")
    with analisis.sin_red(), pytest.raises(analisis.AccesoBloqueado):
        urllib.request.urlopen("http://example.org/")  # debe bloquearse antes de salir
    with analisis.sin_red(), pytest.raises(analisis.AccesoBloqueado):
        socket.getaddrinfo("example.org", 80)
    assert archivo.read_text(encoding="utf-8") == "hola"


def test_la_guardia_permite_la_propia_maquina():
    with analisis.sin_red():
        assert socket.getaddrinfo("127.0.0.1", 80)
        import json as _json  # los módulos de Python se pueden seguir leyendo

        assert _json.dumps([1]) == "[1]"
