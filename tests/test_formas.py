"""Pruebas de las formas SHACL (``ontologia/formas.ttl``) y de ``registro.validacion``.

Dirigidas por datos: cada ``tests/datos/formas/*.ttl`` es un envío pequeño cuyo nombre dice qué
muestra y cuyas primeras líneas ``# espera: …`` dicen el resultado exacto: ``conforme`` (ningún
problema, ni siquiera advertencias) o el conjunto de pares «severidad ruta» que deben aparecer (y
ningún otro). El contexto sale de un almacén en memoria con la ontología, ``datos_ttl/referencia/``
y un registro mínimo de prueba (``tests/datos/formas/contexto/``), por la misma vía que la ingesta
(``contexto_de``). Además, todo el piloto (``datos_ttl/piloto/**`` y ``datos_ttl/privado/``) debe
validar sin violaciones con el resto del piloto como contexto.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS

from registro import recursos, validacion
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.validacion import InformeValidacion, Problema, contexto_de, formas, validar
from registro.vocabulario import GRAFO, GRAFO_ONTOLOGIA, GRAFO_REFERENCIA, GRAFO_REGISTRO, ID, REG, REGSH

CASOS = Path(__file__).resolve().parent / "datos" / "formas"
CONTEXTO_PRUEBA = CASOS / "contexto"
SCHEMA_NAME = URIRef("https://schema.org/name")


# --- almacenes de prueba ---------------------------------------------------------------------------


def _cargar_vigente(almacen: AlmacenOxigraph, grafo: URIRef, rutas: list[Path]) -> None:
    """Carga archivos Turtle en un grafo con nombre y lo marca vigente (entra en la vista completa)."""
    for ruta in rutas:
        almacen.cargar(ruta.read_bytes(), "turtle", grafo)
    metadatos = f"<{grafo}> <{REG.vigente}> true ; <{REG.publico}> true"
    almacen.actualizar(f"INSERT DATA {{ GRAPH <{GRAFO_REGISTRO}> {{ {metadatos} }} }}")


def _almacen_base() -> AlmacenOxigraph:
    almacen = AlmacenOxigraph(None)
    _cargar_vigente(almacen, GRAFO_ONTOLOGIA, recursos.archivos("ontologia", "*.ttl"))
    _cargar_vigente(almacen, GRAFO_REFERENCIA, recursos.archivos("datos_ttl", "referencia/*.ttl"))
    return almacen


@pytest.fixture(scope="module")
def almacen_formas() -> Iterator[AlmacenOxigraph]:
    """Ontología + referencia + el registro mínimo de prueba, en memoria."""
    almacen = _almacen_base()
    _cargar_vigente(almacen, GRAFO["envio/prueba/registro/v1"], sorted(CONTEXTO_PRUEBA.glob("*.ttl")))
    yield almacen


def _archivos_piloto() -> list[Path]:
    """Cada envío piloto: ``datos_ttl/piloto/**`` y los certificados de ``datos_ttl/privado/``."""
    datos = recursos.carpeta("datos_ttl")
    return sorted({*datos.glob("piloto/**/*.ttl"), *datos.glob("privado/**/*.ttl")})


@pytest.fixture(scope="module")
def almacen_piloto_formas() -> Iterator[AlmacenOxigraph]:
    """Ontología + referencia + todo el piloto (cada archivo en su grafo vigente), en memoria."""
    almacen = _almacen_base()
    for i, ruta in enumerate(_archivos_piloto()):
        _cargar_vigente(almacen, GRAFO[f"envio/piloto/{i}/v1"], [ruta])
    yield almacen


def _leer(ruta: Path) -> Graph:
    g = Graph()
    g.parse(data=ruta.read_bytes(), format="turtle")
    return g


def _validar_archivo(almacen: AlmacenOxigraph, ruta: Path) -> InformeValidacion:
    datos = _leer(ruta)
    return validar(datos, contexto_de(almacen, datos))


# --- casos dirigidos por datos -----------------------------------------------------------------------


def _casos() -> list[Path]:
    return sorted(CASOS.glob("*.ttl"))


def _esperado(ruta: Path) -> set[tuple[str, str]]:
    """Lee las líneas ``# espera:`` de la cabecera: ``conforme`` o «Severidad ruta»."""
    esperado: set[tuple[str, str]] = set()
    for linea in ruta.read_text(encoding="utf-8").splitlines():
        if not linea.startswith("#"):
            break
        contenido = linea[1:].strip()
        if not contenido.startswith("espera:"):
            continue
        valor = contenido.split(":", 1)[1].strip()
        if valor == "conforme":
            continue
        severidad, _, ruta_txt = valor.partition(" ")
        esperado.add((severidad, ruta_txt.strip()))
    return esperado


def test_hay_casos_y_todos_declaran_lo_que_esperan() -> None:
    casos = _casos()
    assert len(casos) >= 20
    for ruta in casos:
        primera = ruta.read_text(encoding="utf-8").splitlines()[0]
        assert primera.startswith("# espera: "), f"{ruta.name}: la primera línea debe ser «# espera: …»"


@pytest.mark.parametrize("ruta", _casos(), ids=lambda p: p.stem)
def test_caso(almacen_formas: AlmacenOxigraph, ruta: Path) -> None:
    informe = _validar_archivo(almacen_formas, ruta)
    obtenido = {(p.severidad, p.ruta or "") for p in informe.problemas}
    esperado = _esperado(ruta)
    assert obtenido == esperado, f"{ruta.name}\n{informe.texto()}"
    assert informe.conforme == (not any(s == "Violation" for s, _ in esperado))


# --- el piloto valida -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ruta", _archivos_piloto(), ids=lambda p: str(p.relative_to(recursos.carpeta("datos_ttl")))
)
def test_piloto_sin_violaciones(almacen_piloto_formas: AlmacenOxigraph, ruta: Path) -> None:
    informe = _validar_archivo(almacen_piloto_formas, ruta)
    violaciones = [p.texto() for p in informe.problemas if p.severidad == "Violation"]
    assert informe.conforme, f"{ruta.name}:\n" + "\n".join(violaciones)


# --- las formas mismas --------------------------------------------------------------------------------


def _formas_con_nombre() -> set[URIRef]:
    g = formas()
    return {
        s
        for tipo in (SH.NodeShape, SH.PropertyShape)
        for s in g.subjects(RDF.type, tipo)
        if isinstance(s, URIRef)
    }


def _todas_las_formas() -> set:
    """Formas con tipo explícito y toda forma usada en ``sh:property`` (con nombre o anónima)."""
    g = formas()
    return _formas_con_nombre() | set(g.objects(None, SH.property))


def _idiomas(g: Graph, nodo, predicado) -> set[str]:
    return {o.language for o in g.objects(nodo, predicado) if isinstance(o, Literal) and o.language}


def test_cada_forma_tiene_mensaje_en_espanol_e_ingles() -> None:
    g = formas()
    faltan = [str(f) for f in _todas_las_formas() if not {"es", "en"} <= _idiomas(g, f, SH.message)]
    assert not faltan, "Formas sin sh:message @es y @en: " + ", ".join(sorted(faltan))


def test_cada_forma_con_nombre_tiene_etiqueta_bilingue() -> None:
    g = formas()
    faltan = [
        str(f)
        for f in _formas_con_nombre()
        if not ({"es", "en"} <= _idiomas(g, f, RDFS.label) or {"es", "en"} <= _idiomas(g, f, SH.name))
    ]
    assert not faltan, "Formas sin rdfs:label ni sh:name @es/@en: " + ", ".join(sorted(faltan))


def test_cada_forma_de_nodo_declara_su_capa() -> None:
    g = formas()
    capas = {str(g.value(f, REGSH.capa)) for f in g.subjects(RDF.type, SH.NodeShape)}
    assert capas == {"estructura", "vocabulario"}


def test_las_anotaciones_propias_estan_etiquetadas() -> None:
    g = formas()
    for prop in (REGSH.capa, REGSH.rutaInforme, REGSH.comprobacion):
        assert {"es", "en"} <= _idiomas(g, prop, RDFS.label), prop


def test_comprobaciones_python_estan_descritas_en_las_formas() -> None:
    g = formas()
    python = validacion._formas_python()
    assert set(python) == {
        "CreditosHorasForma",
        "ValoracionEnEscalaReglaForma",
        "NivelDelPaisInstitucionForma",
        "VigenciaVencidaForma",
    }
    for forma, severidad, mensaje, _ruta in python.values():
        assert (forma, SH.deactivated, Literal(True)) in g
        assert severidad in validacion.SEVERIDADES
        assert mensaje


def test_solo_shacl_core() -> None:
    assert not list(formas().triples((None, SH.sparql, None)))


def test_formas_se_leen_una_vez() -> None:
    assert formas() is formas()


def test_formas_usan_solo_terminos_de_la_ontologia() -> None:
    """Toda propiedad o clase ``reg:`` que nombran las formas existe en la ontología."""
    onto = Graph()
    for ruta in recursos.archivos("ontologia", "*.ttl"):
        if ruta.name != validacion.ARCHIVO_FORMAS:
            onto.parse(data=ruta.read_bytes(), format="turtle")
    usados = {
        t for tripleta in formas() for t in tripleta if isinstance(t, URIRef) and str(t).startswith(str(REG))
    }
    definidos = set(onto.subjects(RDF.type, None))
    faltan = sorted(str(t) for t in usados - definidos)
    assert not faltan, "Términos reg: usados en formas.ttl que la ontología no define: " + ", ".join(faltan)


# --- informe: códigos, etiquetas, JSON, texto, ubicaciones ------------------------------------------


def test_informe_nombra_codigo_y_etiqueta(almacen_formas: AlmacenOxigraph) -> None:
    informe = _validar_archivo(almacen_formas, CASOS / "ud_sin_creditos.ttl")
    (p,) = informe.problemas
    assert p.codigo == "UD-01"
    assert p.etiqueta == "Redes de datos"
    assert p.ruta == "reg:creditos"
    assert p.foco.endswith("/programa/T-01/ud/UD-01")
    assert p.forma == str(REGSH["UnidadDidactica-creditos"])
    assert p.mensaje.startswith("Cada unidad didáctica debe declarar sus créditos")
    assert "UD-01 «Redes de datos»" in p.texto()
    assert "reg:creditos" in p.texto()


def test_comprobacion_python_explica_el_calculo(almacen_formas: AlmacenOxigraph) -> None:
    informe = _validar_archivo(almacen_formas, CASOS / "ud_creditos_incoherentes.ttl")
    (p,) = informe.problemas
    assert p.valor == "4.0"
    assert "corresponden 3 créditos" in p.mensaje
    assert p.forma == str(REGSH.CreditosHorasForma)
    assert (None, SH.sourceShape, REGSH.CreditosHorasForma) in informe.grafo_informe


def test_forma_de_nodo_informa_ruta_y_valor(almacen_formas: AlmacenOxigraph) -> None:
    informe = _validar_archivo(almacen_formas, CASOS / "ucl_codigo_mal_formado.ttl")
    (p,) = informe.problemas
    assert (p.ruta, p.valor, p.codigo) == ("reg:codigo", "U-6110-7422-101-v01x", "U-6110-7422-101-v01x")


def _informe_mixto() -> InformeValidacion:
    """Dos violaciones en una unidad didáctica y una advertencia en el programa (sin almacén)."""
    p = URIRef(ID + "inst/iest-piloto/programa/X")
    ud = URIRef(ID + "inst/iest-piloto/programa/X/ud/1")
    g = Graph()
    g.add((p, RDF.type, REG.ProgramaEstudios))
    g.add((p, REG.codigo, Literal("X")))
    g.add((p, SKOS.prefLabel, Literal("Programa X", lang="es")))
    g.add((p, SKOS.definition, Literal("Definición.", lang="es")))
    g.add((ud, RDF.type, REG.UnidadDidactica))
    g.add((ud, REG.codigo, Literal("UD-X")))
    g.add((ud, SKOS.prefLabel, Literal("Unidad X", lang="es")))
    g.add((ud, REG.ciclo, Literal("IX")))
    return validar(g)


def test_como_json_cuenta_bien() -> None:
    informe = _informe_mixto()
    resumen = informe.como_json()
    json.dumps(resumen)  # serializable tal cual
    conteos = resumen["conteos"]
    assert conteos == {
        s: sum(1 for p in resumen["problemas"] if p["severidad"] == s)
        for s in ("Violation", "Warning", "Info")
    }
    assert resumen["total"] == len(informe.problemas) == sum(conteos.values())
    assert resumen["conforme"] is False
    assert conteos["Violation"] >= 4  # créditos, ciclo, capacidad, institución, módulos…
    assert conteos["Warning"] >= 2  # nombre en inglés, unidad sin módulo…
    assert resumen["elementos"] == 2
    assert set(resumen["problemas"][0]) == {
        "severidad",
        "foco",
        "codigo",
        "etiqueta",
        "ruta",
        "valor",
        "mensaje",
        "forma",
        "ubicacion",
    }


def test_texto_agrupa_por_elemento_con_totales() -> None:
    informe = _informe_mixto()
    texto = informe.texto()
    c = informe.conteos()
    assert texto.startswith("Resultado: NO conforme")
    assert f"{c['Violation']} errores" in texto and f"{c['Warning']} advertencias" in texto
    assert texto.count("• ") == 2
    assert "• UD-X «Unidad X»" in texto and "• X «Programa X»" in texto
    assert "reg:ciclo = «IX»" in texto


def test_informe_conforme_sin_problemas(almacen_formas: AlmacenOxigraph) -> None:
    informe = _validar_archivo(almacen_formas, CASOS / "programa_correcto.ttl")
    assert informe.conforme and informe.problemas == ()
    assert informe.texto() == "Resultado: conforme, sin problemas."
    assert informe.como_json()["conteos"] == {"Violation": 0, "Warning": 0, "Info": 0}
    assert (None, SH.conforms, Literal(True)) in informe.grafo_informe


def test_grafo_informe_es_coherente() -> None:
    informe = _informe_mixto()
    g = informe.grafo_informe
    assert (None, SH.conforms, Literal(False)) in g
    assert len(set(g.objects(None, SH.result))) == len(informe.problemas)


def test_con_ubicaciones_rellena_por_foco() -> None:
    informe = _informe_mixto()
    ud = str(ID) + "inst/iest-piloto/programa/X/ud/1"
    con = informe.con_ubicaciones({ud: "hoja «Unidades», fila 7"})
    assert con is not informe and con.conforme == informe.conforme
    for antes, despues in zip(informe.problemas, con.problemas, strict=True):
        esperado = "hoja «Unidades», fila 7" if antes.foco == ud else None
        assert despues.ubicacion == esperado
        assert antes.ubicacion is None
    linea = next(p for p in con.problemas if p.foco == ud).texto()
    assert linea.endswith("(hoja «Unidades», fila 7)")
    assert "hoja «Unidades», fila 7" in con.texto()


def test_problema_texto_sin_codigo_usa_iri_abreviado() -> None:
    p = Problema("Warning", str(ID) + "inst/x/titular/T", None, None, "reg:seudonimo", None, "Falta.", None)
    assert p.texto() == "[Advertencia] id:inst/x/titular/T — reg:seudonimo: Falta."


# --- foco y contexto ------------------------------------------------------------------------------------


def test_solo_se_informan_los_sujetos_del_envio(almacen_formas: AlmacenOxigraph) -> None:
    """La matriz apunta a una unidad didáctica del contexto que no declara créditos: no se informa."""
    datos = _leer(CASOS / "matriz_correcta.ttl")
    contexto = contexto_de(almacen_formas, datos)
    assert (URIRef(ID + "inst/iest-piloto/programa/PRUEBA"), RDF.type, REG.ProgramaEstudios) in contexto
    assert validar(datos, contexto).conforme
    # El mismo contexto validado como si fuera el envío sí tiene problemas.
    assert not validar(contexto, datos).conforme


def test_sin_contexto_las_referencias_no_existen() -> None:
    datos = _leer(CASOS / "programa_correcto.ttl")
    informe = validar(datos)
    rutas = {p.ruta for p in informe.problemas if p.severidad == "Violation"}
    assert {"reg:ofrecidoPor", "reg:nivel", "reg:campoEducacion"} <= rutas


def test_contexto_trae_lo_que_necesitan_las_formas(almacen_formas: AlmacenOxigraph) -> None:
    datos = _leer(CASOS / "correspondencia_valoracion_fuera_de_escala.ttl")
    datos += _leer(CASOS / "programa_correcto.ttl")
    ctx = contexto_de(almacen_formas, datos)
    nivel = URIRef(ID + "marco/mncp/nivel/5")
    marco = URIRef(ID + "marco/mncp")
    assert (nivel, RDF.type, REG.NivelCualificacion) in ctx
    assert (nivel, REG.marco, marco) in ctx
    assert (marco, REG.pais, URIRef(ID + "pais/PE")) in ctx  # segundo salto: nivel → marco
    assert (URIRef(ID + "regla/iest-pe"), REG.escala, URIRef(ID + "escala/estandar")) in ctx
    assert (URIRef(ID + "valoracion/prueba-cumple"), SKOS.inScheme, URIRef(ID + "escala/prueba")) in ctx
    assert (URIRef(ID + "inst/iest-piloto"), REG.pais, URIRef(ID + "pais/PE")) in ctx
    assert (REG.PerfilOcupacional, RDFS.subClassOf, REG.NormaCompetencia) in ctx
    # Nada de lo que el envío describe se vuelve a traer, ni propiedades ajenas a las formas.
    assert not set(ctx.subjects()) & set(datos.subjects())
    assert not list(ctx.triples((None, REG.tieneIndicador, None)))


def test_contexto_en_lotes(almacen_formas: AlmacenOxigraph, monkeypatch: pytest.MonkeyPatch) -> None:
    datos = _leer(CASOS / "programa_correcto.ttl")
    completo = contexto_de(almacen_formas, datos)
    consultas: list[str] = []
    original = almacen_formas.consultar

    def contar(sparql, *args, **kwargs):
        consultas.append(sparql)
        return original(sparql, *args, **kwargs)

    monkeypatch.setattr(validacion, "_LOTE", 2)
    monkeypatch.setattr(almacen_formas, "consultar", contar)
    en_lotes = contexto_de(almacen_formas, datos)
    assert set(en_lotes) == set(completo)
    assert len(consultas) > 3


def test_foco_en_blanco() -> None:
    g = Graph()
    t = BNode()
    g.add((t, RDF.type, REG.Titular))
    g.add((t, REG.seudonimo, Literal("T-1")))
    g.add((t, SCHEMA_NAME, Literal("Ana")))
    informe = validar(g)
    (p,) = informe.problemas
    assert p.foco.startswith("_:") and p.ruta == "schema:name"
    assert p.valor is None  # el informe no repite el dato personal


def test_vigencia_usa_la_fecha_del_dia(
    almacen_formas: AlmacenOxigraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    monkeypatch.setattr(validacion, "_hoy", lambda: dt.date(2101, 1, 1))
    informe = _validar_archivo(almacen_formas, CASOS / "certificado_correcto.ttl")
    assert {(p.severidad, p.ruta) for p in informe.problemas} == {("Warning", "reg:vigenteHasta")}
    assert informe.conforme


def test_validar_no_modifica_las_entradas(almacen_formas: AlmacenOxigraph) -> None:
    datos = _leer(CASOS / "matriz_correcta.ttl")
    contexto = contexto_de(almacen_formas, datos)
    n_datos, n_ctx, n_formas = len(datos), len(contexto), len(formas())
    validar(datos, contexto)
    assert (len(datos), len(contexto), len(formas())) == (n_datos, n_ctx, n_formas)
