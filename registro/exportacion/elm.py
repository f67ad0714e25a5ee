"""Exportación al modelo europeo ELM v3, conforme al perfil SHACL oficial LOQ
(«Learning Opportunities and Qualifications», ``ontologia/externos/elm/LOQ-constraints.ttl``).

Correspondencias (y por qué):

- **Norma** (estándar MTPE, perfil ChileValora, la de cualquier país: toda subclase de
  ``reg:NormaCompetencia``) → ``elm:Qualification`` con ``elm:hasPart`` a sus unidades.
- **Unidad de competencia** (UC/UCL) → ``elm:Qualification`` parcial
  (``elm:isPartialQualification true``, ``elm:isPartOf`` la norma): se certifica por separado.
- **Criterios de desempeño** y **habilidades** → ``elm:LearningOutcome`` de tipo ESCO *skill*;
  **conocimientos** → de tipo ESCO *knowledge*. La norma reúne los resultados de sus unidades.
- **Programa** → ``elm:LearningOpportunity`` (ofrecida por la institución) que apunta a una
  especificación: ``elm:Qualification`` si el programa conduce a un nivel de marco, si no
  ``elm:LearningAchievementSpecification``. Sus **módulos** son oportunidades parte del programa y
  sus **unidades didácticas** especificaciones parte del módulo; los **indicadores de logro** son
  ``elm:LearningOutcome``.
- **Instituciones** → ``elm:Organisation`` con ``rov:legalName`` y ``elm:location`` (país).
- Las **entidades certificadoras** autorizadas por quien emite la norma en su sector son el
  ``elm:awardingBody`` de la norma (son quienes entregan el certificado).

Lo que exige el perfil LOQ y cómo se obtiene:

- Las formas son **cerradas** (``sh:closed``): un nodo ELM solo lleva propiedades ELM. Por eso el
  resultado es un grafo nuevo, construido aquí, y no la vista del registro con tipos añadidos.
- ``dc:title`` y demás textos son ``rdf:langString`` con ``sh:uniqueLang``: uno por idioma (@es primero,
  @en cuando existe); los literales sin idioma del registro se exportan como @es.
- ``elm:EQFLevel`` (exactamente 1): no hay correspondencia oficial MNCP/MCTP ↔ EQF; se usa la
  **hipótesis** de los datos de referencia (``skos:closeMatch`` con el nivel EQF y su
  ``skos:exactMatch`` en ``http://data.europa.eu/snb/eqf/N``) y se declara como tal en una
  ``elm:additionalNote``. ``elm:NQFLevel`` es el nivel del marco nacional (IRI del registro).
- ``elm:ISCEDFCode`` (al menos 1): el ``reg:campoEducacion`` propio o, si la norma no lo tiene, el de
  los programas alineados con ella (módulos asociados a sus unidades o matrices de equivalencia),
  también anotado. Se usa el concepto de la Comisión (``skos:exactMatch`` de la referencia).
- Conceptos de vocabularios controlados (``sh:class skos:Concept``): el exportador incluye las
  tripletas mínimas (``a skos:Concept``, ``skos:prefLabel``, ``skos:inScheme`` y el esquema como
  ``skos:ConceptScheme``), porque el validador solo ve el grafo exportado.
- Un recurso al que le falta lo que ELM exige a una cualificación (nivel EQF, campo ISCED-F o algún
  resultado de aprendizaje) se exporta como ``elm:LearningAchievementSpecification``, el tipo
  general de ELM, en vez de afirmar una cualificación incompleta.

Nodos auxiliares (identificadores, notas, ubicaciones, páginas) son nodos en blanco: no son
recursos del registro y no deben recibir IRIs propios.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SH, SKOS, XSD
from rdflib.term import Node

from registro.almacen.base import Almacen
from registro.exportacion._comun import (
    Opciones,
    grafo_publico,
    instancias,
    orden,
    pais_de,
    pais_iri,
    texto,
    textos,
    valor,
)
from registro.vocabulario import ELM, REG

ADMS = Namespace("http://www.w3.org/ns/adms#")
ROV = Namespace("http://www.w3.org/ns/regorg#")

PREFIJO_EQF = "http://data.europa.eu/snb/eqf/"
ESQUEMA_EQF = URIRef("http://data.europa.eu/snb/eqf/25831c2")
PREFIJO_ISCEDF = "http://data.europa.eu/snb/isced-f/"
ESQUEMA_ISCEDF = URIRef("http://data.europa.eu/snb/isced-f/25831c2")
PREFIJO_PAIS = "http://publications.europa.eu/resource/authority/country/"
ESQUEMA_PAIS = URIRef("http://publications.europa.eu/resource/authority/country")
ESQUEMA_IDIOMA = URIRef("http://publications.europa.eu/resource/authority/language")
IDIOMAS: dict[str, tuple[URIRef, str, dict[str, str]]] = {
    "es": (URIRef(f"{ESQUEMA_IDIOMA}/SPA"), "SPA", {"es": "español", "en": "Spanish"}),
    "en": (URIRef(f"{ESQUEMA_IDIOMA}/ENG"), "ENG", {"es": "inglés", "en": "English"}),
}
"""Etiquetas BCP 47 → lista de idiomas de la Oficina de Publicaciones de la UE (no son datos de país)."""

TIPO_DESTREZA = URIRef("http://data.europa.eu/esco/skill-type/skill")
TIPO_CONOCIMIENTO = URIRef("http://data.europa.eu/esco/skill-type/knowledge")
_ETIQUETAS_TIPO = {
    TIPO_DESTREZA: {"es": "destreza o competencia", "en": "skill"},
    TIPO_CONOCIMIENTO: {"es": "conocimiento", "en": "knowledge"},
}

_NOTA_EQF = {
    "es": "Nivel EQF indicativo: deducido de la hipótesis de correspondencia de niveles del registro "
    "({origen} ≈ {destino}); no existe una correspondencia oficial con el Marco Europeo de Cualificaciones.",
    "en": "Indicative EQF level: derived from the registry's level-correspondence hypothesis "
    "({origen} ≈ {destino}); there is no official referencing to the European Qualifications Framework.",
}
_NOTA_ISCEDF = {
    "es": "Campo de educación (CINE-F) deducido de los programas de estudio alineados con esta norma.",
    "en": "Field of education (ISCED-F) derived from the study programmes aligned with this standard.",
}


@dataclass
class _Contexto:
    """Estado de una exportación: fuente (vista pública), salida y lo ya emitido."""

    fuente: Graph
    salida: Graph
    pais: URIRef | None
    hechos: set[Node] = field(default_factory=set)
    cualificaciones: set[URIRef] = field(default_factory=set)

    def una_vez(self, nodo: Node) -> bool:
        """Verdadero la primera vez que se emite ``nodo`` (organizaciones, conceptos, resultados)."""
        if nodo in self.hechos:
            return False
        self.hechos.add(nodo)
        return True


def exportar(almacen: Almacen, destino: BinaryIO, opciones: Opciones | None = None) -> None:
    """Escribe en Turtle las normas, unidades y programas públicos vigentes (o los de un país)."""
    opciones = opciones or Opciones()
    pais = pais_iri(almacen, opciones.pais) if opciones.pais else None
    destino.write(grafo_elm(grafo_publico(almacen), pais).serialize(format="turtle", encoding="utf-8"))


def grafo_elm(fuente: Graph, pais: URIRef | None = None) -> Graph:
    """Construye el grafo ELM a partir de la vista pública ``fuente`` (opcionalmente, de un país)."""
    salida = Graph()
    for prefijo, ns in {
        "elm": ELM,
        "dct": DCTERMS,
        "skos": SKOS,
        "adms": ADMS,
        "rov": ROV,
        "foaf": FOAF,
        "xsd": XSD,
        "id": Namespace("https://w3id.org/registro/id/"),
    }.items():
        salida.bind(prefijo, ns)
    ctx = _Contexto(fuente, salida, pais)
    for norma in instancias(fuente, REG.NormaCompetencia):
        if pais is None or pais_de(fuente, norma) == pais:
            _norma(ctx, norma)
    for programa in instancias(fuente, REG.ProgramaEstudios):
        if pais is None or pais_de(fuente, programa) == pais:
            _programa(ctx, programa)
    return salida


# --- normas y unidades --------------------------------------------------------------------------


def _unidades(fuente: Graph, norma: URIRef) -> list[URIRef]:
    unidades = set(fuente.objects(norma, REG.tieneUnidad))
    for inclusion in fuente.objects(norma, REG.inclusion):
        unidades.update(fuente.objects(inclusion, REG.unidad))
    return sorted((u for u in unidades if isinstance(u, URIRef)), key=lambda u: orden(fuente, u))


def _resultados_unidad(fuente: Graph, unidad: URIRef) -> list[tuple[URIRef, URIRef]]:
    """(resultado, tipo ESCO) de una unidad: criterios (directos o por actividad clave), habilidades y
    conocimientos, en orden."""
    criterios = set(fuente.objects(unidad, REG.tieneCriterio))
    for actividad in fuente.objects(unidad, REG.tieneActividad):
        criterios.update(fuente.objects(actividad, REG.tieneCriterio))
    grupos = (
        (criterios, TIPO_DESTREZA),
        (set(fuente.objects(unidad, REG.tieneHabilidad)), TIPO_DESTREZA),
        (set(fuente.objects(unidad, REG.tieneConocimiento)), TIPO_CONOCIMIENTO),
    )
    salida: list[tuple[URIRef, URIRef]] = []
    for nodos, tipo in grupos:
        for n in sorted((n for n in nodos if isinstance(n, URIRef)), key=lambda n: orden(fuente, n)):
            salida.append((n, tipo))
    return salida


def _norma(ctx: _Contexto, norma: URIRef) -> None:
    f = ctx.fuente
    unidades = _unidades(f, norma)
    nivel = valor(f, norma, REG.nivel)
    campos, deducidos = _campos_iscedf(f, norma)
    resultados = [r for u in unidades for r in _resultados_unidad(f, u)]
    emisor = valor(f, norma, REG.emitidoPor)
    es_cualificacion = _especificacion(
        ctx,
        norma,
        nivel=nivel,
        campos=campos,
        resultados=resultados,
        descripcion=(REG.proposito, SKOS.definition),
        publicador=emisor,
        parcial=False,
        nota_campos=deducidos,
    )
    for unidad in unidades:
        nivel_u = valor(f, unidad, REG.nivel) or nivel
        _especificacion(
            ctx,
            unidad,
            nivel=nivel_u,
            campos=campos,
            resultados=_resultados_unidad(f, unidad),
            descripcion=(SKOS.definition,),
            publicador=emisor,
            parcial=True,
            nota_campos=deducidos,
        )
        if es_cualificacion and unidad in ctx.cualificaciones:
            ctx.salida.add((norma, ELM.hasPart, unidad))
            ctx.salida.add((unidad, ELM.isPartOf, norma))
    if emisor is not None and es_cualificacion:
        _oportunidad_otorgamiento(ctx, norma, emisor)


def _especificacion(
    ctx: _Contexto,
    nodo: Node,
    *,
    nivel: Node | None,
    campos: list[URIRef],
    resultados: list[tuple[URIRef, URIRef | None]],
    descripcion: Iterable[URIRef],
    publicador: Node | None,
    parcial: bool | None,
    nota_campos: bool = False,
    titulo_de: Node | None = None,
) -> bool:
    """Emite ``nodo`` como cualificación (si ELM lo permite) o especificación de logro; devuelve si es
    cualificación."""
    f, g = ctx.fuente, ctx.salida
    origen_titulo = titulo_de if titulo_de is not None else nodo
    titulos = textos(f, origen_titulo, (SKOS.prefLabel,))
    eqf = _nivel_eqf(f, nivel) if isinstance(nivel, URIRef) else None
    es_cualificacion = bool(titulos and eqf and campos and resultados and nivel is not None)
    g.add((nodo, RDF.type, ELM.Qualification if es_cualificacion else ELM.LearningAchievementSpecification))
    if es_cualificacion and isinstance(nodo, URIRef):
        ctx.cualificaciones.add(nodo)
    for lit in titulos.values():
        g.add((nodo, DCTERMS.title, lit))
    for lit in textos(f, origen_titulo, descripcion).values():
        g.add((nodo, DCTERMS.description, lit))
    codigo = valor(f, origen_titulo, REG.codigo)
    if codigo is not None:
        g.add((nodo, ADMS.identifier, _identificador(ctx, str(codigo), publicador)))
    if isinstance(origen_titulo, URIRef):
        g.add((nodo, FOAF.homepage, _pagina(ctx, origen_titulo)))
    g.add((nodo, DCTERMS.language, _idioma(ctx, "es")))
    for campo in campos:
        g.add((nodo, ELM.ISCEDFCode, _concepto_iscedf(ctx, campo)))
    for resultado, tipo in resultados:
        g.add((nodo, ELM.learningOutcome, _resultado(ctx, resultado, tipo)))
    estado = valor(f, origen_titulo, REG.estadoVigencia)
    if estado is not None:
        g.add((nodo, ELM.status, Literal(str(estado))))
    if publicador is not None and _organizacion(ctx, publicador):
        g.add((nodo, DCTERMS.publisher, publicador))
    if nota_campos and campos:
        g.add((nodo, ELM.additionalNote, _nota(ctx, _NOTA_ISCEDF)))
    if es_cualificacion:
        assert eqf is not None and isinstance(nivel, URIRef)
        concepto_eqf, intermedio = eqf
        g.add((nodo, ELM.EQFLevel, _concepto_eqf(ctx, concepto_eqf, intermedio)))
        g.add((nodo, ELM.NQFLevel, _concepto_nivel(ctx, nivel)))
        if parcial is not None:
            g.add((nodo, ELM.isPartialQualification, Literal(parcial)))
        if intermedio is not None and intermedio != nivel:
            plantilla = {
                k: v.format(origen=_sigla_nivel(f, nivel), destino=_sigla_nivel(f, intermedio))
                for k, v in _NOTA_EQF.items()
            }
            g.add((nodo, ELM.additionalNote, _nota(ctx, plantilla)))
    elif isinstance(nivel, URIRef):
        g.add((nodo, ELM.educationLevel, _concepto_nivel(ctx, nivel)))
    return es_cualificacion


def _oportunidad_otorgamiento(ctx: _Contexto, norma: URIRef, emisor: Node) -> None:
    """Quién entrega el certificado y dónde: entidades autorizadas por el emisor en el sector."""
    f, g = ctx.fuente, ctx.salida
    sectores = set(f.objects(norma, REG.sector))
    entidades = sorted(
        e
        for e in f.subjects(REG.autorizadoPor, emisor)
        if isinstance(e, URIRef) and (not sectores or sectores & set(f.objects(e, REG.sector)))
    )
    otorgantes = [e for e in entidades if _organizacion(ctx, e)]
    if not otorgantes:
        return
    oportunidad = BNode()
    g.add((oportunidad, RDF.type, ELM.AwardingOpportunity))
    for e in otorgantes:
        g.add((oportunidad, ELM.awardingBody, e))
    g.add((oportunidad, ELM.learningAchievementSpecification, norma))
    pais = pais_de(f, norma)
    if pais is not None:
        g.add((oportunidad, ELM.location, _ubicacion(ctx, pais, None)))
    g.add((norma, ELM.awardingOpportunity, oportunidad))


# --- programas -----------------------------------------------------------------------------------


def _indicadores(fuente: Graph, nodo: Node) -> list[URIRef]:
    """Indicadores de logro de un programa, módulo o unidad didáctica (por sus capacidades), en orden."""
    salida: list[URIRef] = []
    for hijo in _hijos(fuente, nodo, REG.tieneModulo) + _hijos(fuente, nodo, REG.tieneUnidadDidactica):
        salida.extend(_indicadores(fuente, hijo))
    for capacidad in _hijos(fuente, nodo, REG.tieneCapacidad):
        salida.extend(_hijos(fuente, capacidad, REG.tieneIndicador))
    vistos: set[URIRef] = set()
    return [i for i in salida if not (i in vistos or vistos.add(i))]


def _hijos(fuente: Graph, nodo: Node, p: URIRef) -> list[URIRef]:
    return sorted(
        (h for h in fuente.objects(nodo, p) if isinstance(h, URIRef)), key=lambda h: orden(fuente, h)
    )


def _programa(ctx: _Contexto, programa: URIRef) -> None:
    f, g = ctx.fuente, ctx.salida
    proveedor = valor(f, programa, REG.ofrecidoPor)
    if proveedor is None or not _organizacion(ctx, proveedor):
        return  # ELM exige quién ofrece la oportunidad: sin institución no hay oportunidad publicable
    campos, _ = _campos_iscedf(f, programa)
    especificacion = BNode()
    _especificacion(
        ctx,
        especificacion,
        nivel=valor(f, programa, REG.nivel),
        campos=campos,
        resultados=[(i, None) for i in _indicadores(f, programa)],
        descripcion=(SKOS.definition, REG.proposito),
        publicador=proveedor,
        parcial=False,
        titulo_de=programa,
    )
    _oportunidad(ctx, programa, proveedor, especificacion)
    for modulo in _hijos(f, programa, REG.tieneModulo):
        espec_modulo = _especificacion_parcial(ctx, modulo, campos)
        for ud in _hijos(f, modulo, REG.tieneUnidadDidactica):
            espec_ud = _especificacion_parcial(ctx, ud, campos)
            g.add((espec_modulo, ELM.hasPart, espec_ud))
            g.add((espec_ud, ELM.isPartOf, espec_modulo))
        _oportunidad(ctx, modulo, proveedor, espec_modulo)
        g.add((programa, ELM.hasPart, modulo))
        g.add((modulo, ELM.isPartOf, programa))


def _oportunidad(ctx: _Contexto, nodo: URIRef, proveedor: Node, especificacion: Node) -> None:
    g = ctx.salida
    g.add((nodo, RDF.type, ELM.LearningOpportunity))
    for lit in textos(ctx.fuente, nodo, (SKOS.prefLabel,)).values():
        g.add((nodo, DCTERMS.title, lit))
    codigo = valor(ctx.fuente, nodo, REG.codigo)
    if codigo is not None:
        g.add((nodo, ADMS.identifier, _identificador(ctx, str(codigo), proveedor)))
    g.add((nodo, FOAF.homepage, _pagina(ctx, nodo)))
    g.add((nodo, ELM.providedBy, proveedor))
    g.add((nodo, ELM.learningAchievementSpecification, especificacion))
    g.add((nodo, ELM.defaultLanguage, _idioma(ctx, "es")))


def _especificacion_parcial(ctx: _Contexto, nodo: URIRef, campos: list[URIRef]) -> BNode:
    """Especificación de logro de un módulo o una unidad didáctica (sus indicadores y horas)."""
    f, g = ctx.fuente, ctx.salida
    espec = BNode()
    g.add((espec, RDF.type, ELM.LearningAchievementSpecification))
    for lit in textos(f, nodo, (SKOS.prefLabel,)).values():
        g.add((espec, DCTERMS.title, lit))
    g.add((espec, DCTERMS.language, _idioma(ctx, "es")))
    for campo in campos:
        g.add((espec, ELM.ISCEDFCode, _concepto_iscedf(ctx, campo)))
    for indicador in _indicadores(f, nodo):
        g.add((espec, ELM.learningOutcome, _resultado(ctx, indicador, None)))
    horas = _horas(f, nodo)
    if horas:
        g.add((espec, ELM.volumeOfLearning, Literal(f"PT{horas}H", datatype=XSD.duration)))
    capacidades = [texto(f, c) for c in _hijos(f, nodo, REG.tieneCapacidad)]
    if any(capacidades):
        g.add((espec, ELM.learningOutcomeSummary, _nota(ctx, {"es": " ".join(c for c in capacidades if c)})))
    unidad = valor(f, nodo, REG.unidadCompetenciaAsociada)
    if unidad is not None:
        codigo = valor(f, unidad, REG.codigo)
        etiqueta = f"{codigo} — {texto(f, unidad)}" if codigo else texto(f, unidad) or str(unidad)
        g.add((espec, ELM.additionalNote, _nota(ctx, {"es": f"Unidad de competencia asociada: {etiqueta}"})))
    return espec


def _horas(fuente: Graph, nodo: Node) -> int:
    total = valor(fuente, nodo, REG.horas)
    if total is not None:
        return int(float(str(total)))
    partes = [valor(fuente, nodo, REG.horasTeoria), valor(fuente, nodo, REG.horasPractica)]
    return sum(int(float(str(p))) for p in partes if p is not None)


# --- nodos auxiliares ----------------------------------------------------------------------------


def _resultado(ctx: _Contexto, nodo: URIRef, tipo: URIRef | None) -> URIRef:
    if ctx.una_vez(nodo):
        g = ctx.salida
        g.add((nodo, RDF.type, ELM.LearningOutcome))
        titulos = textos(ctx.fuente, nodo, (SKOS.prefLabel, REG.texto))
        for lit in titulos.values():
            g.add((nodo, DCTERMS.title, lit))
        if not titulos:  # ELM exige un título; el número es mejor que nada
            g.add((nodo, DCTERMS.title, Literal(str(valor(ctx.fuente, nodo, REG.numero) or nodo), lang="es")))
        numero = valor(ctx.fuente, nodo, REG.numero)
        if numero is not None:
            g.add((nodo, ADMS.identifier, _identificador(ctx, str(numero), None)))
        if tipo is not None:
            g.add((nodo, DCTERMS.type, _concepto(ctx, tipo, _ETIQUETAS_TIPO[tipo], None)))
    return nodo


def _identificador(ctx: _Contexto, codigo: str, agencia: Node | None) -> BNode:
    g = ctx.salida
    ident = BNode()
    g.add((ident, RDF.type, ELM.Identifier))
    g.add((ident, SKOS.notation, Literal(codigo)))
    if isinstance(agencia, URIRef):
        g.add((ident, DCTERMS.creator, agencia))
        nombre = textos(ctx.fuente, agencia, (SKOS.prefLabel,)).get("es")
        if nombre is not None:
            g.add((ident, ADMS.schemeAgency, nombre))
    return ident


def _pagina(ctx: _Contexto, recurso: URIRef) -> BNode:
    """Página del recurso: su IRI del registro, que se resuelve en HTTP bajo ``/id/…``."""
    g = ctx.salida
    pagina = BNode()
    g.add((pagina, RDF.type, ELM.WebResource))
    g.add((pagina, ELM.contentUrl, Literal(str(recurso), datatype=XSD.anyURI)))
    return pagina


def _nota(ctx: _Contexto, textos_nota: dict[str, str]) -> BNode:
    g = ctx.salida
    nota = BNode()
    g.add((nota, RDF.type, ELM.Note))
    for idioma, contenido in textos_nota.items():
        g.add((nota, ELM.noteLiteral, Literal(contenido, lang=idioma)))
    return nota


def _organizacion(ctx: _Contexto, org: Node) -> bool:
    """Emite la organización una vez; falso si no se puede describir como ELM exige (nombre y país)."""
    f, g = ctx.fuente, ctx.salida
    if not isinstance(org, URIRef):
        return False
    if org in ctx.hechos:
        return (org, RDF.type, ELM.Organisation) in g
    ctx.hechos.add(org)
    nombres = textos(f, org, (SKOS.prefLabel,))
    pais = pais_de(f, org)
    if not nombres or pais is None:
        return False
    g.add((org, RDF.type, ELM.Organisation))
    for lit in nombres.values():
        g.add((org, ROV.legalName, lit))
    for alt in sorted(f.objects(org, SKOS.altLabel), key=str):
        if isinstance(alt, Literal) and alt.language and alt not in nombres.values():
            g.add((org, SKOS.altLabel, alt))
    codigo = valor(f, org, REG.codigo)
    if codigo is not None:
        g.add((org, ADMS.identifier, _identificador(ctx, str(codigo), None)))
    g.add((org, FOAF.homepage, _pagina(ctx, org)))
    localidad = valor(f, org, REG.localidad)
    g.add((org, ELM.location, _ubicacion(ctx, pais, str(localidad) if localidad is not None else None)))
    return True


def _ubicacion(ctx: _Contexto, pais: URIRef, localidad: str | None) -> BNode:
    g = ctx.salida
    ubicacion, direccion = BNode(), BNode()
    g.add((ubicacion, RDF.type, DCTERMS.Location))
    if localidad:
        g.add((ubicacion, ELM.geographicName, Literal(localidad, lang="es")))
    g.add((ubicacion, ELM.address, direccion))
    g.add((direccion, RDF.type, ELM.Address))
    g.add((direccion, ELM.countryCode, _concepto_pais(ctx, pais)))
    return ubicacion


def _equivalente(fuente: Graph, concepto: URIRef, prefijo: str) -> URIRef | None:
    """El ``skos:exactMatch`` de ``concepto`` en el vocabulario europeo de prefijo ``prefijo``."""
    for o in sorted(fuente.objects(concepto, SKOS.exactMatch), key=str):
        if isinstance(o, URIRef) and str(o).startswith(prefijo):
            return o
    return None


def _concepto(
    ctx: _Contexto,
    iri: URIRef,
    etiquetas: dict[str, str] | dict[str, Literal],
    esquema: URIRef | None,
    esquema_etiquetas: dict[str, Literal] | None = None,
    notacion: str | None = None,
) -> URIRef:
    """Tripletas mínimas de un concepto controlado (las que comprueba ``sh:class skos:Concept``)."""
    if ctx.una_vez(iri):
        g = ctx.salida
        g.add((iri, RDF.type, SKOS.Concept))
        for idioma, etiqueta in etiquetas.items():
            g.add((iri, SKOS.prefLabel, Literal(str(etiqueta), lang=idioma)))
        if notacion:
            g.add((iri, SKOS.notation, Literal(notacion)))
        if esquema is not None:
            g.add((iri, SKOS.inScheme, esquema))
            if ctx.una_vez(esquema):
                g.add((esquema, RDF.type, SKOS.ConceptScheme))
                for lit in (esquema_etiquetas or {}).values():
                    g.add((esquema, SKOS.prefLabel, lit))
    return iri


def _concepto_pais(ctx: _Contexto, pais: URIRef) -> URIRef:
    """El país en la lista de países de la UE si la referencia lo enlaza; si no, el IRI del registro."""
    f = ctx.fuente
    europeo = _equivalente(f, pais, PREFIJO_PAIS)
    etiquetas = textos(f, pais, (SKOS.prefLabel,))
    if europeo is not None:
        return _concepto(ctx, europeo, etiquetas, ESQUEMA_PAIS, notacion=europeo.rsplit("/", 1)[-1])
    return _concepto(ctx, pais, etiquetas, None)


def _idioma(ctx: _Contexto, etiqueta: str) -> URIRef:
    iri, notacion, etiquetas = IDIOMAS[etiqueta]
    return _concepto(ctx, iri, etiquetas, ESQUEMA_IDIOMA, notacion=notacion)


def _concepto_iscedf(ctx: _Contexto, campo: URIRef) -> URIRef:
    f = ctx.fuente
    europeo = _equivalente(f, campo, PREFIJO_ISCEDF)
    etiquetas = textos(f, campo, (SKOS.prefLabel,))
    notacion = valor(f, campo, SKOS.notation)
    if europeo is not None:
        return _concepto(
            ctx, europeo, etiquetas, ESQUEMA_ISCEDF, notacion=str(notacion) if notacion else None
        )
    return _concepto_del_registro(ctx, campo)


def _concepto_eqf(ctx: _Contexto, europeo: URIRef, nivel_eqf: URIRef | None) -> URIRef:
    f = ctx.fuente
    etiquetas = textos(f, nivel_eqf, (SKOS.altLabel, SKOS.prefLabel)) if nivel_eqf is not None else {}
    return _concepto(ctx, europeo, etiquetas, ESQUEMA_EQF, notacion=europeo.rsplit("/", 1)[-1])


def _concepto_nivel(ctx: _Contexto, nivel: URIRef) -> URIRef:
    return _concepto_del_registro(ctx, nivel)


def _concepto_del_registro(ctx: _Contexto, concepto: URIRef) -> URIRef:
    """Un concepto del registro (nivel MNCP/MCTP, código CINE-F sin equivalente) con su esquema."""
    f = ctx.fuente
    etiquetas = textos(f, concepto, (SKOS.altLabel, SKOS.prefLabel))
    esquema = valor(f, concepto, SKOS.inScheme) or valor(f, concepto, REG.marco)
    notacion = valor(f, concepto, SKOS.notation)
    esquema_iri = esquema if isinstance(esquema, URIRef) else None
    etiquetas_esquema = textos(f, esquema_iri, (SKOS.prefLabel,)) if esquema_iri is not None else None
    return _concepto(
        ctx,
        concepto,
        etiquetas,
        esquema_iri,
        etiquetas_esquema,
        notacion=str(notacion) if notacion is not None else None,
    )


def _nivel_eqf(fuente: Graph, nivel: URIRef) -> tuple[URIRef, URIRef | None] | None:
    """(concepto EQF europeo, nivel EQF del registro usado) para un nivel de marco nacional.

    Primero el propio nivel (si es EQF, ``skos:exactMatch`` directo); si no, un salto por
    ``skos:closeMatch`` en cualquier sentido (la hipótesis de la referencia), en orden estable.
    """
    directo = _equivalente(fuente, nivel, PREFIJO_EQF)
    if directo is not None:
        return directo, nivel
    vecinos = set(fuente.objects(nivel, SKOS.closeMatch)) | set(fuente.subjects(SKOS.closeMatch, nivel))
    for vecino in sorted((v for v in vecinos if isinstance(v, URIRef)), key=str):
        europeo = _equivalente(fuente, vecino, PREFIJO_EQF)
        if europeo is not None:
            return europeo, vecino
    return None


def _sigla_nivel(fuente: Graph, nivel: URIRef) -> str:
    """«MCTP 3», «EQF 4»: la etiqueta alternativa del nivel o, si falta, su etiqueta preferente."""
    return texto(fuente, nivel, SKOS.altLabel) or texto(fuente, nivel) or str(nivel)


def _campos_iscedf(fuente: Graph, recurso: URIRef) -> tuple[list[URIRef], bool]:
    """Campos CINE-F del recurso; si no tiene, los de los programas alineados (y ``True``: deducido)."""
    propios = sorted(c for c in fuente.objects(recurso, REG.campoEducacion) if isinstance(c, URIRef))
    if propios:
        return propios, False
    programas: set[Node] = set(fuente.subjects(REG.estandar, recurso))  # matrices de la norma
    programas = {p for m in programas for p in fuente.objects(m, REG.programa)}
    for unidad in _unidades(fuente, recurso):
        for modulo in fuente.subjects(REG.unidadCompetenciaAsociada, unidad):
            programas.update(fuente.subjects(REG.tieneModulo, modulo))
    deducidos = sorted(
        {c for p in programas for c in fuente.objects(p, REG.campoEducacion) if isinstance(c, URIRef)}
    )
    return deducidos, bool(deducidos)


# --- validación con el perfil oficial ------------------------------------------------------------

CARPETA_ELM = Path(__file__).resolve().parent / "externos" / "elm"
"""Copia del modelo ELM v3 y del perfil LOQ oficiales (EUPL-1.2; ``VERSION`` dice la revisión)."""


def formas_loq(carpeta: Path | None = None) -> Graph:
    """Las formas LOQ, con dos construcciones de expresiones regulares de Java traducidas a Python.

    pyshacl evalúa ``sh:pattern`` con el módulo ``re`` de Python, que no admite dos cosas que el
    perfil (escrito para un validador Java) usa en ``:URLRegexRestriction``: la bandera ``(?i)``
    después de ``^`` y las clases ``\\p{L}\\p{Nl}\\p{Nd}``. Se traducen sin cambiar qué URL aceptan
    en la práctica: ``(?i)`` pasa a ``sh:flags "i"`` y las clases Unicode a ``\\w`` (letras y dígitos
    Unicode; admite además «_»). Nada más del perfil se toca.
    """
    ruta = (carpeta or CARPETA_ELM) / "LOQ-constraints.ttl"
    g = Graph()
    g.parse(data=ruta.read_bytes(), format="turtle")
    for forma, patron in list(g.subject_objects(SH.pattern)):
        texto_patron = str(patron)
        nuevo = texto_patron.replace(r"\p{L}\p{Nl}\p{Nd}", r"\w")
        if nuevo.startswith("^(?i)"):
            nuevo = "^" + nuevo[len("^(?i)") :]
            g.add((forma, SH.flags, Literal("i")))
        if nuevo != texto_patron:
            g.remove((forma, SH.pattern, patron))
            g.add((forma, SH.pattern, Literal(nuevo)))
    return g


def validar_loq(datos: Graph, carpeta: Path | None = None) -> tuple[bool, Graph, str]:
    """Valida un grafo ELM con el perfil LOQ: ``(conforma, informe, texto)``.

    Sin ``ont_graph`` ni inferencia: el perfil está escrito para datos sin inferir (usa ``sh:or``
    de ``elm:Agent``/``elm:Organisation`` en vez de confiar en ``rdfs:subClassOf``). Mezclar
    ``ELM.ttl`` haría que cada ``elm:Organisation`` fuera también ``elm:Agent`` y cada
    ``elm:Qualification`` también ``elm:Specification``, y sus formas cerradas (que no admiten
    ``rov:legalName`` ni ``elm:learningOutcome``) rechazarían cualquier dato correcto.
    """
    import pyshacl

    conforma, informe, texto_informe = pyshacl.validate(
        datos, shacl_graph=formas_loq(carpeta), inference="none", allow_warnings=True
    )
    return bool(conforma), informe, str(texto_informe)
