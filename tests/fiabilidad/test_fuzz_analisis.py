"""Fuzzing (Hypothesis) de todo lo que lee bytes o texto ajenos: nunca otra excepción que las del registro.

- ``analisis.analizar`` con bytes al azar en cada formato y con serializaciones válidas **mutadas**
  (trozos borrados, duplicados, bytes insertados o cambiados);
- ``hojas.convertir`` con planillas .xlsx y .zip de CSV mutadas;
- ``sparql_seguro.analizar`` con texto al azar y con consultas armadas de fragmentos peligrosos
  (SERVICE/LOAD con mayúsculas raras, comentarios, escapes ``\\u``, cadenas, IRIs, prefijos): si la
  consulta se acepta y Oxigraph la puede ejecutar, **ningún** ``SERVICE`` llega a salir. El oráculo es
  real: un servidor HTTP local cuenta las peticiones (una consulta de control con SERVICE sí llega).

Toda excepción que no sea ``ErrorRegistro`` (``ValueError``, ``zipfile.BadZipFile``, ``RecursionError``,
``struct.error``…) falla la prueba. Los ejemplos se cuentan en ``EJEMPLOS``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import socketserver
import threading
import zipfile
from collections import Counter
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from registro import analisis, hojas, sparql_seguro
from registro.errores import ErrorConsulta, ErrorRegistro
from tests.fiabilidad.entorno import PROGRAMA, EspiaHttp

EJEMPLOS: Counter[str] = Counter()
_FORMATOS = (*analisis.FORMATOS, None)
_RDFLIB = {
    "turtle": "turtle",
    "trig": "trig",
    "ntriples": "nt",
    "nquads": "nt",
    "rdfxml": "xml",
    "jsonld": "json-ld",
}
_LIMITE = 1024 * 1024
_BASE = "https://w3id.org/registro/id/inst/iest-piloto/"


def _analizar(datos: bytes, formato: str | None) -> None:
    try:
        analisis.analizar(datos, formato=formato, limite=_LIMITE, base=_BASE)
    except ErrorRegistro as exc:
        assert exc.mensaje and not exc.mensaje.startswith("Traceback")


# --- analizador RDF --------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(datos=st.binary(max_size=3000), formato=st.sampled_from(_FORMATOS))
def test_bytes_al_azar_solo_dan_errores_del_registro(datos: bytes, formato: str | None) -> None:
    EJEMPLOS["bytes-al-azar"] += 1
    _analizar(datos, formato)


@functools.cache
def _validos() -> dict[str, bytes]:
    """Las primeras 60 tripletas del programa piloto en los seis formatos."""
    completo = Graph()
    completo.parse(data=PROGRAMA.read_bytes(), format="turtle")
    g = Graph()
    for t in sorted(completo)[:60]:
        g.add(t)
    return {f: g.serialize(format=r, encoding="utf-8") for f, r in _RDFLIB.items()}


_MUTACION = st.one_of(
    st.tuples(st.just("borrar"), st.floats(0, 1), st.integers(1, 200)),
    st.tuples(st.just("insertar"), st.floats(0, 1), st.binary(min_size=1, max_size=20)),
    st.tuples(st.just("duplicar"), st.floats(0, 1), st.integers(1, 300)),
    st.tuples(st.just("cambiar"), st.floats(0, 1), st.integers(0, 255)),
    st.tuples(
        st.just("texto"),
        st.floats(0, 1),
        st.sampled_from(
            [
                b'"',
                b"<",
                b">",
                b"{",
                b"}",
                b"[",
                b"]",
                b"(",
                b"\\u0000",
                b"@prefix",
                b"GRAPH",
                b"<!DOCTYPE",
                b'"@context": "http://x/"',
                b"\xff",
                b"\x00",
                b"_:b",
                b"<<",
                b"^^",
                b"@es",
                b".",
                b";",
                b",",
            ]
        ),
    ),
)


def _mutar(datos: bytes, mutaciones: list[tuple]) -> bytes:
    b = bytearray(datos)
    for tipo, donde, arg in mutaciones:
        i = int(donde * len(b)) if b else 0
        if tipo == "borrar":
            del b[i : i + arg]
        elif tipo in ("insertar", "texto"):
            b[i:i] = arg
        elif tipo == "duplicar":
            b[i:i] = b[i : i + arg]
        elif tipo == "cambiar" and i < len(b):
            b[i] = arg
    return bytes(b)


@settings(max_examples=250, deadline=None)
@given(formato=st.sampled_from(sorted(_RDFLIB)), mutaciones=st.lists(_MUTACION, min_size=1, max_size=4))
def test_serializaciones_validas_mutadas_solo_dan_errores_del_registro(
    formato: str, mutaciones: list
) -> None:
    EJEMPLOS["rdf-mutado"] += 1
    _analizar(_mutar(_validos()[formato], mutaciones), formato)


# --- planillas ------------------------------------------------------------------------------------------
@functools.cache
def _planillas() -> dict[str, bytes]:
    return {
        "xlsx": hojas.generar_plantilla("programa", "xlsx"),
        "zip": hojas.generar_plantilla("programa", "csv"),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tipo=st.sampled_from(["xlsx", "zip"]), mutaciones=st.lists(_MUTACION, min_size=1, max_size=3))
def test_planillas_mutadas_solo_dan_errores_del_registro(tipo: str, mutaciones: list) -> None:
    EJEMPLOS["planilla-mutada"] += 1
    datos = _mutar(_planillas()[tipo], mutaciones)
    with contextlib.suppress(ErrorRegistro):
        hojas.convertir(datos, nombre=f"programa.{tipo}", limite=_LIMITE)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    miembro=st.sampled_from(["programa.csv", "unidades-didacticas.csv", "indicadores.csv"]),
    contenido=st.binary(max_size=400),
)
def test_csv_al_azar_dentro_del_zip_solo_da_errores_del_registro(miembro: str, contenido: bytes) -> None:
    EJEMPLOS["csv-al-azar"] += 1
    salida = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_planillas()["zip"])) as origen, zipfile.ZipFile(salida, "w") as z:
        for info in origen.infolist():
            z.writestr(info.filename, contenido if info.filename == miembro else origen.read(info))
    with contextlib.suppress(ErrorRegistro):
        hojas.convertir(salida.getvalue(), nombre="programa.zip", limite=_LIMITE)


# --- SPARQL ---------------------------------------------------------------------------------------------
_Contador = EspiaHttp


@pytest.fixture(scope="module")
def espia() -> Iterator[str]:
    """URL de un servidor local que cuenta las peticiones que le llegan (el blanco de SERVICE)."""
    _Contador.visitas = []
    servidor = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Contador)
    hilo = threading.Thread(target=servidor.serve_forever, daemon=True)
    hilo.start()
    yield f"http://127.0.0.1:{servidor.server_address[1]}/sparql"
    servidor.shutdown()
    servidor.server_close()


def _fragmentos(url: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            "SELECT * WHERE {",
            "ASK {",
            "CONSTRUCT WHERE {",
            "}",
            "{",
            " ",
            "\n",
            "\r",
            "\t",
            "\u00a0",
            "?s ?p ?o",
            ".",
            ";",
            "SERVICE",
            "service",
            "sErViCe",
            "SILENT",
            "\\u0053ERVICE",
            "SERVIC\\u0045",
            "\\U00000053ERVICE",
            f"<{url}>",
            "<" + url.replace("/", "\\u002F") + ">",
            "LOAD",
            "load",
            "INTO GRAPH",
            "INSERT DATA",
            "DELETE",
            "#",
            "# comentario\n",
            '"',
            "'",
            '"""',
            "'''",
            '\\"',
            "\\",
            "GRAPH ?g",
            f"PREFIX s: <{url.rsplit('/', 1)[0]}/>",
            "s:sparql",
            "s:",
            "_:SERVICE",
            "?SERVICE",
            "VALUES ?x {",
            f"VALUES ?x {{ <{url}> }}",
            "SERVICE ?x",
            "BIND(",
            ")",
            "FILTER(",
            "<",
            ">",
            "\\u003E",
            "\u2028",
            "\u0085",
            "\x0b",
            "\x0c",
            "SE",
            "RVICE",
            "/**/",
        ]
    )


@settings(max_examples=300, deadline=None)
@given(datos=st.data())
def test_sparql_aceptado_nunca_hace_salir_un_service(espia: str, datos: st.DataObject) -> None:
    EJEMPLOS["sparql-fragmentos"] += 1
    consulta = "".join(datos.draw(st.lists(_fragmentos(espia), min_size=1, max_size=14), label="fragmentos"))
    antes = len(_Contador.visitas)
    try:
        sparql_seguro.analizar(consulta)
    except ErrorConsulta:
        return
    try:
        resultado = ox.Store().query(consulta)
        if isinstance(resultado, ox.QuerySolutions | ox.QueryTriples):
            list(resultado)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    assert len(_Contador.visitas) == antes, f"SERVICE salió con una consulta aceptada: {consulta!r}"


def test_el_oraculo_de_service_funciona(espia: str) -> None:
    """Control: Oxigraph sí evalúa SERVICE (si no, la prueba anterior no probaría nada)."""
    antes = len(_Contador.visitas)
    with pytest.raises(OSError):
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{espia}> {{ ?s ?p ?o }} }}"))  # type: ignore[arg-type]
    assert len(_Contador.visitas) == antes + 1


@settings(max_examples=200, deadline=None)
@given(texto=st.text(max_size=400))
def test_texto_al_azar_en_sparql_seguro_solo_da_errores_de_consulta(texto: str) -> None:
    EJEMPLOS["sparql-al-azar"] += 1
    with contextlib.suppress(ErrorConsulta):
        sparql_seguro.analizar(texto)


def test_cuenta_de_ejemplos() -> None:
    if EJEMPLOS:
        print(f"\nEjemplos Hypothesis (analizadores): {dict(EJEMPLOS)}, total {sum(EJEMPLOS.values())}")
    assert all(v > 0 for v in EJEMPLOS.values())
