"""Pruebas de la ontología (``ontologia/``) y de su uso en los datos (``datos_ttl/``).

Ontology tests: every Turtle file parses; every ``reg:`` term is labelled and defined in Spanish and
English; every ``reg:`` term used anywhere is defined in ``ontologia/registro.ttl`` (catches typos);
the OWL RL closure of ontology + alignments + data is consistent; the names in ``docs/modelo.md``
exist in the ontology.

Los archivos de ``datos_ttl/`` los escriben otras personas en paralelo: las pruebas trabajan sobre
lo que haya (una carpeta vacía no es un error).
"""

from __future__ import annotations

import re
import time
from functools import cache
from pathlib import Path

import owlrl
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from registro import recursos
from registro.errores import ErrorActivos
from registro.vocabulario import ELM, REG

ONTOLOGIA = "registro.ttl"
ALINEAMIENTOS = "alineamientos.ttl"
IRI_ONTOLOGIA = URIRef("https://w3id.org/registro/ontologia")
IRI_ALINEAMIENTOS = URIRef("https://w3id.org/registro/ontologia/alineamientos")
RAIZ = Path(__file__).resolve().parents[1]
MODELO_MD = RAIZ / "docs" / "modelo.md"
# Copia oficial de ELM v3 que acompaña al proyecto (fuera del repositorio; la prueba se omite si falta).
ELM_TTL = RAIZ.parent / "shared" / "externos" / "elm" / "ELM.ttl"

# Tipos con que se declara un término en la ontología.
TIPOS_DECLARACION = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
    RDF.Property,
)
IDIOMAS = ("es", "en")


# ---------------------------------------------------------------------------------------------------
# Utilidades
# ---------------------------------------------------------------------------------------------------


def _ttl(carpeta: str) -> list[Path]:
    try:
        return recursos.archivos(carpeta, "*.ttl")
    except ErrorActivos:
        return []


ARCHIVOS_ONTOLOGIA = _ttl("ontologia")
ARCHIVOS_DATOS = _ttl("datos_ttl")
ARCHIVOS_TODOS = ARCHIVOS_ONTOLOGIA + ARCHIVOS_DATOS


def _nombre(ruta: Path) -> str:
    """Ruta legible: ``ontologia/registro.ttl``, ``datos_ttl/piloto/x.ttl``."""
    for carpeta in ("ontologia", "datos_ttl"):
        try:
            return str(ruta.relative_to(recursos.carpeta(carpeta).parent))
        except (ValueError, ErrorActivos):
            continue
    return str(ruta)


@cache
def _grafo(ruta: Path) -> Graph:
    """Grafo de un archivo (en caché: no modificar; copiar con ``_copia``)."""
    return Graph().parse(data=ruta.read_bytes(), format="turtle")


def _copia(*grafos: Graph) -> Graph:
    g = Graph()
    for origen in grafos:
        g += origen
    return g


def _ontologia() -> Graph:
    return _grafo(recursos.ruta("ontologia", ONTOLOGIA))


def _alineamientos() -> Graph:
    return _grafo(recursos.ruta("ontologia", ALINEAMIENTOS))


def _es_reg(nodo: Node) -> bool:
    return isinstance(nodo, URIRef) and str(nodo).startswith(str(REG))


def _corto(nodo: Node) -> str:
    return "reg:" + str(nodo)[len(str(REG)) :] if _es_reg(nodo) else str(nodo)


@cache
def _declarados() -> frozenset[URIRef]:
    g = _ontologia()
    return frozenset(s for tipo in TIPOS_DECLARACION for s in g.subjects(RDF.type, tipo) if _es_reg(s))


def _declarados_de_tipo(*tipos: URIRef) -> set[URIRef]:
    g = _ontologia()
    return {s for t in tipos for s in g.subjects(RDF.type, t) if _es_reg(s)}


# ---------------------------------------------------------------------------------------------------
# 1. Todo archivo Turtle se puede leer
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ruta", ARCHIVOS_TODOS, ids=_nombre)
def test_archivo_turtle_se_lee(ruta: Path) -> None:
    try:
        g = Graph().parse(data=ruta.read_bytes(), format="turtle")
    except Exception as exc:  # cualquier error de sintaxis de rdflib
        pytest.fail(f"{_nombre(ruta)} no es Turtle válido / is not valid Turtle: {exc}")
    assert len(g) > 0, f"{_nombre(ruta)} está vacío / is empty"


def test_existen_ontologia_y_alineamientos() -> None:
    nombres = {p.name for p in ARCHIVOS_ONTOLOGIA}
    faltan = {ONTOLOGIA, ALINEAMIENTOS} - nombres
    assert not faltan, f"Faltan en ontologia/ / missing: {sorted(faltan)}"


# ---------------------------------------------------------------------------------------------------
# 2. Metadatos de las ontologías
# ---------------------------------------------------------------------------------------------------


def _literales(g: Graph, s: Node, p: URIRef) -> dict[str, list[str]]:
    por_idioma: dict[str, list[str]] = {}
    for o in g.objects(s, p):
        if isinstance(o, Literal) and o.language:
            por_idioma.setdefault(o.language, []).append(str(o))
    return por_idioma


@pytest.mark.parametrize(
    ("archivo", "iri"),
    [(ONTOLOGIA, IRI_ONTOLOGIA), (ALINEAMIENTOS, IRI_ALINEAMIENTOS)],
    ids=["registro", "alineamientos"],
)
def test_metadatos_de_la_ontologia(archivo: str, iri: URIRef) -> None:
    g = _grafo(recursos.ruta("ontologia", archivo))
    assert (iri, RDF.type, OWL.Ontology) in g, f"{archivo}: falta <{iri}> a owl:Ontology"
    assert Literal("0.1.0") in set(g.objects(iri, OWL.versionInfo)), f'{archivo}: owl:versionInfo "0.1.0"'
    for propiedad in (DCTERMS.title, DCTERMS.description, RDFS.label):
        idiomas = _literales(g, iri, propiedad)
        for idioma in IDIOMAS:
            assert idioma in idiomas, f"{archivo}: falta {g.qname(propiedad)} @{idioma} en <{iri}>"


def test_alineamientos_importan_la_ontologia() -> None:
    assert (IRI_ALINEAMIENTOS, OWL.imports, IRI_ONTOLOGIA) in _alineamientos()


# ---------------------------------------------------------------------------------------------------
# 3. Todo término reg: lleva etiqueta y definición en español e inglés
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tipo", TIPOS_DECLARACION, ids=lambda t: t.n3().rsplit("#", 1)[-1].rstrip(">"))
def test_terminos_etiquetados_y_definidos_en_es_y_en(tipo: URIRef) -> None:
    g = _ontologia()
    problemas = []
    for termino in sorted(_declarados_de_tipo(tipo)):
        for propiedad, nombre in ((RDFS.label, "rdfs:label"), (SKOS.definition, "skos:definition")):
            por_idioma = _literales(g, termino, propiedad)
            for idioma in IDIOMAS:
                valores = por_idioma.get(idioma, [])
                if len(valores) != 1:
                    problemas.append(f"{_corto(termino)}: {len(valores)} × {nombre}@{idioma} (se espera 1)")
                elif not valores[0].strip():
                    problemas.append(f"{_corto(termino)}: {nombre}@{idioma} vacío")
    assert not problemas, "Términos sin etiqueta/definición / unlabelled terms:\n" + "\n".join(problemas)


def test_hay_terminos_de_cada_clase_de_declaracion() -> None:
    for tipo in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual):
        assert _declarados_de_tipo(tipo), f"La ontología no declara ningún {tipo.n3()}"


def test_propiedades_de_datos_con_rango_xsd_o_literal() -> None:
    g = _ontologia()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    malos = [
        f"{_corto(p)} → {r}"
        for p in _declarados_de_tipo(OWL.DatatypeProperty)
        for r in g.objects(p, RDFS.range)
        if not (str(r).startswith(xsd) or r == RDFS.Literal)
    ]
    assert not malos, f"Rango de propiedad de datos que no es xsd:/rdfs:Literal: {malos}"


# ---------------------------------------------------------------------------------------------------
# 4. Todo término reg: usado está definido en registro.ttl (detecta erratas)
# ---------------------------------------------------------------------------------------------------


def _terminos_reg_usados(g: Graph) -> set[URIRef]:
    usados: set[URIRef] = set()
    for s, p, o in g:
        usados.update(n for n in (s, p, o) if _es_reg(n))
        if isinstance(o, Literal) and o.datatype is not None and _es_reg(o.datatype):
            usados.add(o.datatype)
    return usados


@pytest.mark.parametrize("ruta", ARCHIVOS_TODOS, ids=_nombre)
def test_terminos_reg_usados_estan_definidos(ruta: Path) -> None:
    no_definidos = sorted(_terminos_reg_usados(_grafo(ruta)) - _declarados())
    assert not no_definidos, (
        f"{_nombre(ruta)} usa términos reg: que no define ontologia/{ONTOLOGIA} "
        f"(¿errata?) / uses undefined reg: terms: " + ", ".join(_corto(t) for t in no_definidos)
    )


def test_subclases_y_rangos_apuntan_a_terminos_declarados() -> None:
    """Las superclases, dominios y rangos reg: deben ser clases (no propiedades ni individuos)."""
    g = _ontologia()
    clases = _declarados_de_tipo(OWL.Class)
    malos = []
    for p in (RDFS.subClassOf, RDFS.domain, RDFS.range, OWL.disjointWith):
        for s, o in g.subject_objects(p):
            if _es_reg(o) and o not in clases:
                malos.append(f"{_corto(s)} {g.qname(p)} {_corto(o)}")
    # Miembros de uniones (dominios y rangos con owl:unionOf).
    for lista in g.objects(None, OWL.unionOf):
        for miembro in g.items(lista):
            if _es_reg(miembro) and miembro not in clases:
                malos.append(f"owl:unionOf con {_corto(miembro)}")
    assert not malos, "Referencias a clases no declaradas: " + "; ".join(malos)


# ---------------------------------------------------------------------------------------------------
# 5. Jerarquía de clases (docs/modelo.md)
# ---------------------------------------------------------------------------------------------------

SUBCLASES = [
    ("PerfilOcupacional", REG.NormaCompetencia),
    ("EstandarCompetencia", REG.NormaCompetencia),
    ("IEST", REG.InstitucionFormativa),
    ("CETPRO", REG.InstitucionFormativa),
    ("CFT", REG.InstitucionFormativa),
    ("IP", REG.InstitucionFormativa),
    ("InstitucionFormativa", REG.Institucion),
    ("OrganismoPublico", REG.Institucion),
    ("EntidadCertificadora", REG.Institucion),
    ("Institucion", URIRef("http://www.w3.org/ns/org#Organization")),
    ("MarcoCualificaciones", SKOS.ConceptScheme),
    ("Clasificacion", SKOS.ConceptScheme),
    ("NivelCualificacion", SKOS.Concept),
    ("DimensionDescriptor", SKOS.Concept),
    ("Sector", SKOS.Concept),
    ("ValorValoracion", SKOS.Concept),
    ("EstadoRevision", SKOS.Concept),
]


@pytest.mark.parametrize(("clase", "superclase"), SUBCLASES, ids=[c for c, _ in SUBCLASES])
def test_jerarquia_de_clases(clase: str, superclase: URIRef) -> None:
    g = _ontologia()
    assert (REG[clase], RDFS.subClassOf, superclase) in g, f"falta reg:{clase} ⊑ {g.qname(superclase)}"


_PROFUNDIDAD_MAXIMA = 3
"""Las consultas del catálogo recorren subclases con tres saltos explícitos (``web-listado-normas``,
``api-instituciones``…), no con ``rdfs:subClassOf*``, que Virtuoso 7.2 evalúa mal unido a otros patrones."""


def _profundidad(g: Graph, clase: URIRef, camino: tuple[URIRef, ...] = ()) -> int:
    subclases = [s for s in g.subjects(RDFS.subClassOf, clase) if isinstance(s, URIRef) and s not in camino]
    return 1 + max((_profundidad(g, s, (*camino, clase)) for s in subclases), default=-1)


@pytest.mark.parametrize(
    "raiz",
    ["NormaCompetencia", "Institucion", "ProgramaEstudios", "UnidadCompetencia", "MarcoCualificaciones"],
)
def test_jerarquias_recorridas_por_las_consultas_caben_en_tres_niveles(raiz: str) -> None:
    g = _copia(_ontologia(), _alineamientos())
    assert _profundidad(g, REG[raiz]) <= _PROFUNDIDAD_MAXIMA, (
        f"reg:{raiz} tiene subclases a más de {_PROFUNDIDAD_MAXIMA} niveles: añada un salto a las consultas "
        "que la recorren (grep «rdfs:subClassOf/rdfs:subClassOf/rdfs:subClassOf» en consultas_sparql/)"
    )


def test_marco_es_subpropiedad_de_skos_inscheme() -> None:
    assert (REG.marco, RDFS.subPropertyOf, SKOS.inScheme) in _ontologia()


INDIVIDUOS = [
    ("PonderacionUniforme", "ModoPonderacion"),
    ("PonderacionCreditos", "ModoPonderacion"),
    ("PonderacionHoras", "ModoPonderacion"),
    ("AgregacionMediaPonderada", "ModoAgregacion"),
    ("AgregacionIndicadores", "ModoAgregacion"),
    ("DimensionCriterios", "DimensionRAP"),
    ("DimensionActividades", "DimensionRAP"),
    ("DimensionConocimientos", "DimensionRAP"),
]


@pytest.mark.parametrize(("individuo", "clase"), INDIVIDUOS, ids=[i for i, _ in INDIVIDUOS])
def test_individuos_de_la_metodologia(individuo: str, clase: str) -> None:
    g = _ontologia()
    assert (REG[individuo], RDF.type, OWL.NamedIndividual) in g
    assert (REG[individuo], RDF.type, REG[clase]) in g, f"reg:{individuo} debe ser reg:{clase}"


# ---------------------------------------------------------------------------------------------------
# 6. Los nombres de docs/modelo.md existen en la ontología
# ---------------------------------------------------------------------------------------------------


def _seccion_modelo(titulo: str) -> str:
    if not MODELO_MD.is_file():
        pytest.skip("docs/modelo.md no está disponible (paquete instalado sin docs)")
    texto = MODELO_MD.read_text(encoding="utf-8")
    m = re.search(rf"^## {re.escape(titulo)}.*?$(.*?)(?=^## |\Z)", texto, flags=re.M | re.S)
    assert m, f"docs/modelo.md no tiene la sección «{titulo}»"
    return m.group(1)


def _nombres_en_codigo(seccion: str) -> list[str]:
    return re.findall(r"`([^`\s]+)`", seccion)


def test_clases_de_modelo_md_existen() -> None:
    seccion = _seccion_modelo("Clases")
    nombres = _nombres_en_codigo(seccion)
    clases = sorted({n for n in nombres if re.fullmatch(r"[A-Z]\w*", n)})
    individuos = sorted({n[4:] for n in nombres if re.fullmatch(r"reg:\w+", n)})
    assert len(clases) > 40, f"la sección «Clases» debería listar las clases; se leyeron {clases}"
    declaradas = _declarados_de_tipo(OWL.Class)
    faltan = [f"reg:{c}" for c in clases if REG[c] not in declaradas]
    declarados_ind = _declarados_de_tipo(OWL.NamedIndividual)
    faltan += [f"reg:{i} (individuo)" for i in individuos if REG[i] not in declarados_ind]
    assert not faltan, "Clases de docs/modelo.md ausentes / missing classes: " + ", ".join(faltan)


def test_propiedades_de_modelo_md_existen() -> None:
    seccion = _seccion_modelo("Propiedades")
    nombres = set(_nombres_en_codigo(seccion))
    propiedades = sorted(n for n in nombres if re.fullmatch(r"[a-z]\w*", n))
    otros = sorted(n.removeprefix("reg:") for n in nombres if re.fullmatch(r"(reg:)?[A-Z]\w*", n))
    assert len(propiedades) > 80, f"la sección «Propiedades» debería listar propiedades: {propiedades}"
    decl_prop = _declarados_de_tipo(OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
    faltan = [f"reg:{p}" for p in propiedades if REG[p] not in decl_prop]
    faltan += [f"reg:{o}" for o in otros if REG[o] not in _declarados()]
    assert not faltan, "Propiedades de docs/modelo.md ausentes / missing properties: " + ", ".join(faltan)


def test_terminos_de_la_ontologia_documentados_en_modelo_md() -> None:
    """Lo inverso: todo término de registro.ttl aparece en docs/modelo.md (añadir allí lo nuevo)."""
    if not MODELO_MD.is_file():
        pytest.skip("docs/modelo.md no está disponible")
    texto = MODELO_MD.read_text(encoding="utf-8")
    citados = set(re.findall(r"`(?:reg:)?(\w+)`", texto)) | set(re.findall(r"reg:(\w+)", texto))
    faltan = sorted(_corto(t) for t in _declarados() if str(t)[len(str(REG)) :] not in citados)
    assert not faltan, "Términos sin documentar en docs/modelo.md / undocumented terms: " + ", ".join(faltan)


# ---------------------------------------------------------------------------------------------------
# 7. Alineamientos: los términos ELM usados existen en ELM v3
# ---------------------------------------------------------------------------------------------------


def test_terminos_elm_de_los_alineamientos_existen() -> None:
    if not ELM_TTL.is_file():
        pytest.skip(f"no está la copia de ELM v3 en {ELM_TTL}")
    elm = Graph().parse(data=ELM_TTL.read_bytes(), format="turtle")
    definidos = {s for s in elm.subjects() if isinstance(s, URIRef) and str(s).startswith(str(ELM))}
    usados = {n for t in _alineamientos() for n in t if isinstance(n, URIRef) and str(n).startswith(str(ELM))}
    faltan = sorted(str(u) for u in usados - definidos)
    assert usados, "los alineamientos deberían usar términos de ELM"
    assert not faltan, f"Términos ELM inexistentes en ELM.ttl: {faltan}"


def test_alineamientos_solo_describen_terminos_reg() -> None:
    """El archivo de alineamientos no redefine términos: solo añade relaciones a términos reg:."""
    g = _alineamientos()
    sujetos = {s for s in g.subjects() if s != IRI_ALINEAMIENTOS}
    ajenos = sorted(str(s) for s in sujetos if not _es_reg(s))
    assert not ajenos, f"Sujetos que no son reg: en {ALINEAMIENTOS}: {ajenos}"
    redeclarados = sorted(_corto(s) for s, o in g.subject_objects(RDF.type) if o in TIPOS_DECLARACION)
    assert not redeclarados, f"{ALINEAMIENTOS} no debe declarar términos: {redeclarados}"


# ---------------------------------------------------------------------------------------------------
# 8. Coherencia lógica: cierre OWL RL
# ---------------------------------------------------------------------------------------------------


def _problemas_cierre(g: Graph) -> list[str]:
    """Expande ``g`` con OWL RL (en sitio) y devuelve las incoherencias encontradas."""
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    problemas = {f"owlrl: {m}" for m in g.objects(None, ERRNS.error)}
    problemas |= {f"{x.n3()} es de tipo owl:Nothing" for x in g.subjects(RDF.type, OWL.Nothing)}
    for x, y in g.subject_objects(OWL.sameAs):
        if x != y and ((x, OWL.differentFrom, y) in g or (y, OWL.differentFrom, x) in g):
            problemas.add(f"{x.n3()} owl:sameAs y owl:differentFrom {y.n3()}")
    pares = set(g.subject_objects(OWL.disjointWith))
    for grupo in g.subjects(RDF.type, OWL.AllDisjointClasses):
        for lista in g.objects(grupo, OWL.members):
            miembros = list(g.items(lista))
            pares |= {(a, b) for i, a in enumerate(miembros) for b in miembros[i + 1 :]}
    for c1, c2 in pares:
        comunes = set(g.subjects(RDF.type, c1)) & set(g.subjects(RDF.type, c2))
        problemas |= {f"{x.n3()} es a la vez {_corto(c1)} y {_corto(c2)} (disjuntas)" for x in comunes}
    return sorted(problemas)


@pytest.mark.lento
def test_cierre_owl_rl_de_ontologia_y_datos_es_coherente() -> None:
    g = _copia(_ontologia(), _alineamientos(), *(_grafo(r) for r in ARCHIVOS_DATOS))
    inicio = time.perf_counter()
    problemas = _problemas_cierre(g)
    duracion = time.perf_counter() - inicio
    print(f"cierre OWL RL: {len(ARCHIVOS_DATOS)} archivos de datos, {len(g)} tripletas, {duracion:.1f} s")
    assert not problemas, "Incoherencias OWL RL / OWL RL inconsistencies:\n" + "\n".join(problemas[:50])


# Casos pequeños que muestran qué detecta el cierre (y que la comprobación no da falsos positivos).
# Como en datos_ttl/, los recursos se escriben como IRIs relativos a @base (``<inst/mtpe>``).
PREFIJOS = """
@base <https://w3id.org/registro/id/> .
@prefix reg: <https://w3id.org/registro/ontologia#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

CASOS_CIERRE = {
    "coherente_ucl_programa_y_correspondencia": (
        """
        <inst/chilevalora/perfil/P-1> a reg:PerfilOcupacional ; reg:codigo "P-1" ;
            reg:tieneUnidad <inst/chilevalora/ucl/U-1> ; reg:emitidoPor <inst/chilevalora> ;
            reg:inclusion [ reg:unidad <inst/chilevalora/ucl/U-1> ;
                            reg:obligatoria true ; reg:transversal false ] .
        <inst/chilevalora> a reg:OrganismoPublico .
        <inst/cc-1> a reg:EntidadCertificadora ; reg:autorizadoPor <inst/chilevalora> .
        <inst/chilevalora/ucl/U-1> reg:tieneActividad <inst/chilevalora/ucl/U-1/actividad/1> ;
            reg:nivel <marco/mctp/nivel/3> ; reg:estadoVigencia "vigente"@es ;
            reg:vigenteHasta "2027-01-31"^^xsd:date .
        <inst/chilevalora/ucl/U-1/actividad/1> reg:tieneCriterio <inst/chilevalora/ucl/U-1/criterio/1.1> .
        <inst/iest/programa/TEL> a reg:ProgramaEstudios ; reg:ofrecidoPor <inst/iest> ;
            reg:tieneModulo <inst/iest/programa/TEL/modulo/1> .
        <inst/iest> a reg:IEST .
        <inst/iest/programa/TEL/modulo/1> reg:unidadCompetenciaAsociada <inst/chilevalora/ucl/U-1> ;
            reg:tieneUnidadDidactica <inst/iest/programa/TEL/ud/A> .
        <inst/iest/programa/TEL/ud/A> reg:creditos 3 ; reg:horas 64 ;
            reg:tieneCapacidad <inst/iest/programa/TEL/ud/A/capacidad/1> .
        <inst/iest/programa/TEL/ud/A/capacidad/1>
            reg:tieneIndicador <inst/iest/programa/TEL/ud/A/indicador/1> .
        <inst/iest/programa/TEL/ud/A/indicador/1> reg:peso 1 .
        <inst/chilevalora/ucl/U-1/criterio/1.1> reg:peso 2.5 .
        <inst/iest/matriz/M1/c/1> a reg:Correspondencia ; reg:enMatriz <inst/iest/matriz/M1> ;
            reg:indicador <inst/iest/programa/TEL/ud/A/indicador/1> ;
            reg:criterio <inst/chilevalora/ucl/U-1/criterio/1.1> ;
            reg:valoracion <valoracion/total> ; reg:estado <estado/aprobada> ; reg:confianza 0.9 .
        <valoracion/total> reg:valor 1.0 .
        <regla/iest-pe> a reg:ReglaEquivalencia ; reg:umbral 0.80 ; reg:unidadDecision reg:UnidadDidactica ;
            reg:ponderacion reg:PonderacionUniforme ; reg:aplicaATipo reg:IEST ;
            reg:aceptaMapeo [ reg:predicado skos:exactMatch ; reg:factor 1.0 ] .
        """,
        None,
    ),
    "coherente_estandar_peru_certificado_y_mapeo": (
        """
        <inst/mtpe/estandar/E1> a reg:EstandarCompetencia ; reg:tieneUnidad <inst/mtpe/estandar/E1/uc/1> ;
            reg:tieneRequisitoEvidencia <inst/mtpe/estandar/E1/evidencia/1> .
        <inst/mtpe/estandar/E1/evidencia/1> reg:tipoEvidencia "producto" .
        <inst/mtpe/estandar/E1/uc/1> reg:tieneCriterio <inst/mtpe/estandar/E1/uc/1/criterio/1.1> ;
            reg:tieneConocimiento <inst/mtpe/estandar/E1/uc/1/conocimiento/1> .
        <inst/mtpe/mapeo/1> a reg:MapeoUnidades ; reg:unidadOrigen <inst/chilevalora/ucl/U-1> ;
            reg:unidadDestino <inst/mtpe/estandar/E1/uc/1> ; reg:predicadoMapeo skos:closeMatch ;
            reg:estado <estado/aprobada> ; reg:revisor <inst/mtpe> .
        <inst/ec/certificado/C1> a reg:Certificado ; reg:titular <inst/ec/titular/abc> ;
            reg:certificaUnidad <inst/chilevalora/ucl/U-1> ; reg:emitidoPor <inst/ec> ;
            reg:fechaEmision "2026-03-01"^^xsd:date ; reg:resultadoEvaluacion "competente" .
        <inst/ec/titular/abc> reg:seudonimo "abc" .
        <correspondencia-nivel/mctp-3-mncp-4> a reg:CorrespondenciaNivel ;
            reg:nivelOrigen <marco/mctp/nivel/3> ; reg:nivelDestino <marco/mncp/nivel/4> .
        <marco/mctp/nivel/3> reg:marco <marco/mctp> ; reg:numeroNivel 3 ;
            skos:closeMatch <marco/mncp/nivel/4> .
        """,
        None,
    ),
    "incoherente_unidad_que_es_indicador": (
        "<x> a reg:UnidadCompetencia , reg:IndicadorLogro .",
        "reg:UnidadCompetencia (disjuntas)",
    ),
    "incoherente_criterio_usado_como_indicador": (
        # reg:tieneIndicador tiene rango reg:IndicadorLogro, disjunta de reg:CriterioDesempeno.
        "<cap> reg:tieneIndicador <c> . <c> a reg:CriterioDesempeno .",
        "reg:CriterioDesempeno (disjuntas)",
    ),
    "incoherente_programa_que_es_norma": (
        "<p> reg:tieneModulo <m> ; reg:tieneUnidad <u> .",
        "reg:NormaCompetencia (disjuntas)",
    ),
    "incoherente_decimal_mal_escrito": (
        '<regla> reg:umbral "ochenta"^^xsd:decimal .',
        "'ochenta' does not match its datatype",
    ),
    "incoherente_sameas_y_differentfrom": (
        "<a> owl:sameAs <b> ; owl:differentFrom <b> .",
        "owl:sameAs y owl:differentFrom",
    ),
}


@pytest.mark.parametrize(("datos", "esperado"), CASOS_CIERRE.values(), ids=CASOS_CIERRE.keys())
def test_cierre_owl_rl_casos(datos: str, esperado: str | None) -> None:
    """``esperado``: fragmento del problema que debe detectarse; ``None`` si los datos son coherentes."""
    g = _copia(_ontologia(), _alineamientos())
    g.parse(data=(PREFIJOS + datos).encode(), format="turtle")
    problemas = _problemas_cierre(g)
    if esperado is None:
        assert not problemas, "falsos positivos del cierre OWL RL:\n" + "\n".join(problemas)
    else:
        assert any(esperado in p for p in problemas), f"no se detectó «{esperado}»; problemas: {problemas}"
