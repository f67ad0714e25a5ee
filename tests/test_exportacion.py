"""Exportaciones para registros socios (ELM/LOQ, SSSOM, CSV, DCAT, subconjuntos por país, volcado).

Todas las pruebas usan un almacén embebido real cargado con ``arranque.iniciar`` (ontología,
referencia, piloto y certificados privados del piloto) más una credencial de administrador, para
que la prueba «sin datos personales» tenga algo privado que no deba filtrarse.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDF

from registro import acceso, arranque, exportacion, versiones
from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.configuracion import Configuracion
from registro.exportacion import elm
from registro.vocabulario import ELM, GRAFO_ONTOLOGIA, GRAFO_REFERENCIA, GRAFO_REGISTRO, REG

RAIZ = Path(__file__).resolve().parent.parent
BASE = "https://registro.example.org"
FORMATOS_PUBLICOS = ("jsonld", "turtle", "elm", "sssom", "csv", "dcat")


def _publicador():
    try:
        from registro import ingesta
    except ImportError:  # pragma: no cover
        return None
    return getattr(ingesta, "publicar_piloto", None)


@pytest.fixture(scope="module")
def almacen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlmacenOxigraph]:
    a = AlmacenOxigraph(tmp_path_factory.mktemp("exportacion") / "almacen")
    arranque.iniciar(a, publicador=_publicador())
    yield a
    a.cerrar()


@pytest.fixture(scope="module")
def token_admin(almacen: AlmacenOxigraph) -> str:
    return acceso.emitir(almacen, rol="administrador", descripcion="pruebas de exportación").token


_CACHE: dict[tuple[int, str, str | None], bytes] = {}


def _exportar(almacen: Almacen, formato: str, pais: str | None = None) -> bytes:
    """Exporta; las exportaciones públicas se reutilizan entre pruebas (no dependen de credenciales)."""
    clave = (id(almacen), formato, pais)
    publica = exportacion.es_publica(formato, pais)
    if publica and clave in _CACHE:
        return _CACHE[clave]
    destino = io.BytesIO()
    exportacion.exportar(almacen, formato, destino, pais=pais, base_publica=BASE)
    if publica:
        _CACHE[clave] = destino.getvalue()
    return destino.getvalue()


def _filas(almacen: Almacen, sparql: str) -> list[dict]:
    return list(almacen.consultar(sparql, vista=Vista.PUBLICA).filas)


# --- ELM / LOQ ------------------------------------------------------------------------------------


def _carpeta_compartida() -> Path:
    return RAIZ.parent / "shared" / "externos" / "elm"


def test_elm_conforma_perfil_loq(almacen: AlmacenOxigraph) -> None:
    datos = Graph().parse(data=_exportar(almacen, "elm"), format="turtle")
    inicio = time.perf_counter()
    conforma, informe, texto = elm.validar_loq(datos)
    duracion = time.perf_counter() - inicio
    violaciones = list(
        informe.subjects(
            URIRef("http://www.w3.org/ns/shacl#resultSeverity"),
            URIRef("http://www.w3.org/ns/shacl#Violation"),
        )
    )
    assert conforma and not violaciones, texto[:4000]
    print(f"\nValidación LOQ del ELM piloto: {len(datos)} tripletas en {duracion:.2f} s")
    # Cada norma y cada programa vigentes del piloto están en la exportación.
    normas = {
        f["n"]
        for f in _filas(
            almacen, f"SELECT ?n WHERE {{ ?n a/<{voc.RDFS.subClassOf}>* <{REG.NormaCompetencia}> }}"
        )
    }
    programas = {f["p"] for f in _filas(almacen, f"SELECT ?p WHERE {{ ?p a <{REG.ProgramaEstudios}> }}")}
    assert normas and programas
    assert normas <= set(datos.subjects(RDF.type, ELM.Qualification))
    assert programas <= set(datos.subjects(RDF.type, ELM.LearningOpportunity))
    assert all(datos.value(n, ELM.EQFLevel) is not None for n in normas)


def test_elm_por_pais_conforma_y_solo_tiene_ese_pais(almacen: AlmacenOxigraph) -> None:
    datos = Graph().parse(data=_exportar(almacen, "elm", "CL"), format="turtle")
    assert elm.validar_loq(datos)[0]
    sujetos = {str(s) for s in datos.subjects(RDF.type, ELM.Qualification) if isinstance(s, URIRef)}
    assert sujetos and all("/inst/chilevalora/" in s for s in sujetos)


def test_copia_del_perfil_loq_igual_a_la_compartida() -> None:
    compartida = _carpeta_compartida()
    if not compartida.is_dir():
        pytest.skip(f"no está la carpeta compartida {compartida}: se usa solo la copia del repositorio")
    for nombre in ("ELM.ttl", "LOQ-constraints.ttl", "VERSION", "LICENSE-EUPL-1.2.txt"):
        assert (elm.CARPETA_ELM / nombre).read_bytes() == (compartida / nombre).read_bytes(), nombre


def test_elm_con_perfil_compartido(almacen: AlmacenOxigraph) -> None:
    """La misma validación con los archivos de ``../shared`` (como en la integración continua)."""
    compartida = _carpeta_compartida()
    if not compartida.is_dir():
        pytest.skip(f"no está la carpeta compartida {compartida}")
    datos = Graph().parse(data=_exportar(almacen, "elm", "PE"), format="turtle")
    assert elm.validar_loq(datos, compartida)[0]


# --- SSSOM ----------------------------------------------------------------------------------------


def test_sssom_se_lee_y_valida_con_sssom_py(almacen: AlmacenOxigraph, tmp_path: Path) -> None:
    sssom_parsers = pytest.importorskip("sssom.parsers")
    validators = pytest.importorskip("sssom.validators")
    ruta = tmp_path / "mapeos.sssom.tsv"
    ruta.write_bytes(_exportar(almacen, "sssom"))
    msdf = sssom_parsers.parse_sssom_table(ruta)
    informes = validators.validate(msdf, fail_on_error=True)
    assert all(not informe.results for informe in informes.values())
    aprobados = _filas(
        almacen,
        f"SELECT ?m WHERE {{ ?m a <{REG.MapeoUnidades}> ; <{REG.estado}> <{voc.estado('aprobada')}> }}",
    )
    assert aprobados, "el piloto debería tener mapeos aprobados"
    assert len(msdf.df) == len(aprobados)
    assert set(msdf.df["predicate_id"]) <= {
        "skos:exactMatch",
        "skos:closeMatch",
        "skos:broadMatch",
        "skos:narrowMatch",
    }
    assert msdf.metadata["mapping_set_id"].startswith(BASE)


# --- DCAT -----------------------------------------------------------------------------------------


def test_dcat_lista_cada_conjunto_vigente(almacen: AlmacenOxigraph) -> None:
    g = Graph().parse(data=_exportar(almacen, "dcat"), format="turtle")
    catalogo = voc.recurso("catalogo")
    assert (catalogo, RDF.type, DCAT.Catalog) in g
    listados = set(g.objects(catalogo, DCAT.dataset))
    vigentes = {URIRef(v.grafo) for v in versiones.versiones(almacen) if v.vigente and v.publico}
    assert vigentes and vigentes | {GRAFO_ONTOLOGIA, GRAFO_REFERENCIA} <= listados
    for conjunto in vigentes:
        assert g.value(conjunto, voc.DCTERMS.publisher) is not None
        assert g.value(conjunto, voc.DCTERMS.modified) is not None
        assert g.value(conjunto, voc.DCTERMS.spatial) is not None
    descargas = {str(u) for u in g.objects(None, DCAT.downloadURL)}
    assert f"{BASE}/api/exportaciones/elm" in descargas
    assert any(u.startswith(f"{BASE}/api/exportaciones/trig?pais=") for u in descargas)
    assert (URIRef(f"{BASE}/sparql"), RDF.type, DCAT.DataService) in g


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_zip_se_abre_y_tiene_las_filas_esperadas(almacen: AlmacenOxigraph) -> None:
    zf = zipfile.ZipFile(io.BytesIO(_exportar(almacen, "csv")))
    assert set(zf.namelist()) == {"LEAME.txt", "normas.csv", "programas.csv", "mapeos.csv", "registro.xlsx"}

    def leer(nombre: str) -> list[dict[str, str]]:
        crudo = zf.read(nombre)
        assert crudo.startswith(b"\xef\xbb\xbf"), "UTF-8 con BOM para Excel"
        return list(csv.DictReader(io.StringIO(crudo.decode("utf-8-sig"))))

    normas = leer("normas.csv")
    criterios = _filas(
        almacen,
        f"""SELECT DISTINCT ?c WHERE {{
        ?n <{REG.tieneUnidad}> ?u . {{ ?u <{REG.tieneCriterio}> ?c }} UNION
        {{ ?u <{REG.tieneActividad}>/<{REG.tieneCriterio}> ?c }} }}""",
    )
    assert len(normas) == len(criterios) > 0
    assert {f["iri_criterio"] for f in normas} == {str(f["c"]) for f in criterios}
    assert {f["pais"] for f in normas} == {"PE", "CL"}
    programas = leer("programas.csv")
    indicadores = _filas(
        almacen, f"SELECT DISTINCT ?i WHERE {{ ?p <{REG.tieneModulo}> ?m . ?c <{REG.tieneIndicador}> ?i }}"
    )
    assert len(programas) == len(indicadores) > 0
    mapeos = leer("mapeos.csv")
    assert {"aprobada", "sugerida"} <= {f["estado"] for f in mapeos}
    from openpyxl import load_workbook

    libro = load_workbook(io.BytesIO(zf.read("registro.xlsx")), read_only=True)
    assert libro.sheetnames == ["normas", "programas", "mapeos"]
    assert libro["normas"].max_row == len(normas) + 1
    # Un país: solo sus filas.
    zf = zipfile.ZipFile(io.BytesIO(_exportar(almacen, "csv", "PE")))
    assert {f["pais"] for f in csv.DictReader(io.StringIO(zf.read("normas.csv").decode("utf-8-sig")))} == {
        "PE"
    }


# --- subconjunto por país -------------------------------------------------------------------------


def _paises_de_instituciones(almacen: Almacen) -> dict[str, str]:
    filas = _filas(almacen, f"SELECT ?i ?p WHERE {{ ?i <{REG.pais}> ?p ; <{REG.codigo}> ?c }}")
    return {str(f["i"]): str(f["p"]) for f in filas}


@pytest.mark.parametrize("pais", ["PE", "CL"])
def test_subconjunto_por_pais_solo_contiene_ese_pais(almacen: AlmacenOxigraph, pais: str) -> None:
    ds = Dataset()
    ds.parse(data=_exportar(almacen, "trig", pais), format="trig")
    pais_iri = voc.recurso("pais", pais)
    paises = _paises_de_instituciones(almacen)
    nombres = {c.identifier for c in ds.contexts() if len(c)}
    assert {GRAFO_ONTOLOGIA, GRAFO_REFERENCIA, GRAFO_REGISTRO} <= nombres
    envios = nombres - {GRAFO_ONTOLOGIA, GRAFO_REFERENCIA, GRAFO_REGISTRO}
    esperados = {
        URIRef(v.grafo)
        for v in versiones.versiones(almacen)
        if v.vigente and v.publico and paises.get(str(voc.institucion(v.institucion))) == str(pais_iri)
    }
    assert envios == esperados and envios
    prefijo = str(voc.ID) + "inst/"
    for nombre in envios:
        for s in ds.graph(nombre).subjects():
            if isinstance(s, URIRef) and str(s).startswith(prefijo):
                dueno = prefijo + str(s)[len(prefijo) :].split("/", 1)[0]
                assert paises[dueno] == str(pais_iri), f"{s} no es de {pais}"
    # Los metadatos de grafo:registro hablan solo de los grafos incluidos.
    assert set(ds.graph(GRAFO_REGISTRO).subjects()) <= nombres


def test_pais_desconocido_es_un_error_claro(almacen: AlmacenOxigraph) -> None:
    from registro.errores import EntradaInvalida, NoEncontrado

    with pytest.raises(NoEncontrado, match="país"):
        _exportar(almacen, "elm", "XX")
    with pytest.raises(EntradaInvalida):
        _exportar(almacen, "trig", "P1")


# --- sin datos personales -------------------------------------------------------------------------


def _contenido_privado(almacen: Almacen) -> tuple[set[str], set[str]]:
    """IRIs de sujetos y textos de los grafos que no son públicos (certificados, credenciales…)."""
    publicos = set(almacen.grafos_de(Vista.PUBLICA).con_nombre or ())
    privados = [URIRef(g) for g in almacen.conteos() if URIRef(g) not in publicos]
    assert privados, "la prueba necesita algún grafo privado"
    iris: set[str] = set()
    textos: set[str] = set()
    for g in privados:
        for s, p, o in almacen.grafo(g):
            iris.add(str(s))
            if p in {REG.seudonimo, REG.sha256} and isinstance(o, Literal):
                textos.add(str(o))
    return iris, textos


def test_ninguna_exportacion_publica_contiene_datos_personales(
    almacen: AlmacenOxigraph, token_admin: str
) -> None:
    iris, textos = _contenido_privado(almacen)
    titulares = [i for i in iris if "/titular/" in i]
    certificados = [i for i in iris if "/certificado/" in i]
    assert titulares and certificados, "el piloto debería traer certificados privados"
    huella = acceso.huella(token_admin.rsplit("_", 1)[-1])
    casos = [(f, None) for f in FORMATOS_PUBLICOS] + [
        (f, "PE") for f in (*FORMATOS_PUBLICOS, "trig", "nquads")
    ]
    for formato, pais in casos:
        datos = _exportar(almacen, formato, pais)
        if formato == "csv":
            zf = zipfile.ZipFile(io.BytesIO(datos))
            datos = b"".join(zf.read(n) for n in zf.namelist() if not n.endswith(".xlsx"))
        texto = datos.decode("utf-8", errors="replace")
        assert str(voc.GRAFO) + "privado" not in texto, formato
        assert huella not in texto, formato
        for iri in iris:
            assert iri not in texto, f"{formato}/{pais}: aparece {iri}"
        for valor in textos:
            assert valor not in texto, f"{formato}/{pais}: aparece el texto privado {valor!r}"


# --- volcado completo e ida y vuelta ----------------------------------------------------------------


def test_volcado_trig_ida_y_vuelta(almacen: AlmacenOxigraph, tmp_path: Path) -> None:
    volcado = _exportar(almacen, "trig")
    nuevo = AlmacenOxigraph(tmp_path / "copia")
    try:
        nuevo.cargar(volcado, "trig")
        assert nuevo.conteos() == almacen.conteos()
        assert versiones.versiones(nuevo) == versiones.versiones(almacen)
    finally:
        nuevo.cerrar()


def test_volcado_incluye_privados_y_subconjunto_no(almacen: AlmacenOxigraph) -> None:
    completo = _exportar(almacen, "nquads").decode("utf-8")
    publico = _exportar(almacen, "nquads", "PE").decode("utf-8")
    assert str(voc.GRAFO_CERTIFICADOS) in completo
    assert str(voc.GRAFO_CERTIFICADOS) not in publico
    assert exportacion.es_publica("trig", "PE") and not exportacion.es_publica("trig")


# --- API ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cliente(almacen: AlmacenOxigraph):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from registro.api import problemas
    from registro.api.dependencias import EstadoRegistro
    from registro.api.rutas.exportaciones import router

    # Aplicación mínima con las mismas piezas que monta ``crear_app``: estado y manejador de errores.
    app = FastAPI()
    problemas.instalar(app)
    app.include_router(router, prefix="/api/exportaciones")
    config = Configuracion(almacen="memoria", base_publica=BASE)
    app.state.registro = EstadoRegistro(config=config, almacen=almacen, ejecutor=None)  # type: ignore[arg-type]
    with TestClient(app) as c:
        yield c


def test_api_descarga_formatos_publicos(cliente) -> None:
    r = cliente.get("/api/exportaciones/elm", params={"pais": "pe"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    assert r.headers["content-disposition"] == 'attachment; filename="registro-PE.elm.ttl"'
    assert Graph().parse(data=r.content, format="turtle")
    r = cliente.get("/api/exportaciones/csv")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    r = cliente.get("/api/exportaciones/trig", params={"pais": "CL"})
    assert r.status_code == 200 and "registro-CL.trig" in r.headers["content-disposition"]


def test_api_formato_desconocido_es_problema_en_espanol(cliente) -> None:
    r = cliente.get("/api/exportaciones/xlsx")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    cuerpo = r.json()
    assert cuerpo["status"] == 404 and "Formato de exportación desconocido" in cuerpo["detail"]
    r = cliente.get("/api/exportaciones/elm", params={"pais": "ZZ"})
    assert r.status_code == 404 and "país" in r.json()["detail"]


def test_api_volcado_completo_solo_para_administradores(
    cliente, almacen: AlmacenOxigraph, token_admin: str
) -> None:
    r = cliente.get("/api/exportaciones/nquads")
    assert r.status_code == 401 and r.headers.get("www-authenticate", "").startswith("Bearer")
    institucional = acceso.emitir(almacen, rol="institucion", institucion="mtpe").token
    r = cliente.get("/api/exportaciones/trig", headers={"Authorization": f"Bearer {institucional}"})
    assert r.status_code == 403
    r = cliente.get("/api/exportaciones/trig", headers={"Authorization": f"Bearer {token_admin}"})
    assert r.status_code == 200
    assert str(voc.GRAFO_CERTIFICADOS) in r.text
    assert hashlib.sha256(r.content).hexdigest()


def test_openapi_documenta_la_ruta_en_espanol(cliente) -> None:
    esquema = cliente.get("/openapi.json").json()
    operacion = esquema["paths"]["/api/exportaciones/{formato}"]["get"]
    assert operacion["summary"] == "Descargar una exportación del registro"
    parametro = next(p for p in operacion["parameters"] if p["name"] == "formato")
    assert set(parametro["schema"]["enum"]) == set(exportacion.EXPORTADORES)
