"""Validación SHACL de los envíos: el único módulo que importa pyshacl.

Un envío se valida junto con una *porción de contexto* del registro (``contexto_de``): el tipo, el
esquema, el marco, el país… de los recursos a los que apunta y que no describe él mismo. Así las
formas de la capa de vocabulario (``sh:class``, ``skos:inScheme``) funcionan sin cargar el registro
entero en memoria (NOTAS-TECNICAS: el registro completo cuesta segundos y cientos de MB; la porción,
milisegundos). Solo se informan los problemas cuyo foco es un sujeto del envío: los nodos del
contexto no son responsabilidad de quien envía.

Las formas (``ontologia/formas.ttl``) usan solo SHACL Core. Las cuatro reglas que Core no expresa
(aritmética de créditos, fecha de hoy, comparar valores alcanzados por dos caminos) se evalúan aquí
en Python, pero sus mensajes y severidad siguen viviendo en ``formas.ttl`` como formas desactivadas
con ``regsh:comprobacion "python"``: un solo lugar para los textos que leen las personas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cache

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from registro import recursos
from registro.almacen.base import Almacen, Vista, valores_sparql
from registro.errores import ErrorActivos
from registro.vocabulario import GRAFO_ONTOLOGIA, GRAFO_REFERENCIA, PREFIJOS, REG, REGSH

__all__ = ["InformeValidacion", "Problema", "contexto_de", "formas", "validar"]

ARCHIVO_FORMAS = "formas.ttl"

SEVERIDADES = ("Violation", "Warning", "Info")
"""Severidades SHACL, de la más grave a la más leve (nombres locales de ``sh:``)."""

_NOMBRE_SEVERIDAD = {"Violation": "Error", "Warning": "Advertencia", "Info": "Información"}
_CUENTA_SEVERIDAD = {
    "Violation": ("error", "errores"),
    "Warning": ("advertencia", "advertencias"),
    "Info": ("aviso informativo", "avisos informativos"),
}
_ORDEN_SEVERIDAD = {s: i for i, s in enumerate(SEVERIDADES)}

_PREFIJOS_INFORME: dict[str, str] = {
    **PREFIJOS,
    "sh": str(SH),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}
_PREFIJOS_ORDENADOS = sorted(_PREFIJOS_INFORME.items(), key=lambda kv: len(kv[1]), reverse=True)


# =================================================================================================
# Resultado
# =================================================================================================


@dataclass(frozen=True)
class Problema:
    """Un problema de validación, listo para mostrarlo a una persona o a un programa."""

    severidad: str
    """``"Violation"`` (bloquea), ``"Warning"`` o ``"Info"`` (informan)."""
    foco: str
    """IRI (o identificador de nodo en blanco) del elemento con el problema."""
    codigo: str | None
    """``reg:codigo`` (o ``reg:numero``) del elemento, para que la persona lo reconozca."""
    etiqueta: str | None
    """``skos:prefLabel`` en español (o ``rdfs:label``) del elemento."""
    ruta: str | None
    """Propiedad afectada como nombre con prefijo, p. ej. ``reg:creditos``."""
    valor: str | None
    """Valor que causó el problema, como texto (IRI completo o forma léxica)."""
    mensaje: str
    """Qué está mal y cómo corregirlo (``sh:message`` en español de la forma)."""
    forma: str | None
    """IRI de la forma SHACL que detectó el problema (``None`` si es anónima)."""
    ubicacion: str | None = None
    """Dónde está en el archivo original, p. ej. «hoja «Indicadores», fila 7, columna C»."""

    def texto(self) -> str:
        """Una línea en español: severidad, elemento, propiedad y valor, mensaje y ubicación."""
        linea = f"[{_NOMBRE_SEVERIDAD.get(self.severidad, self.severidad)}] {self.elemento()}"
        if self.ruta:
            linea += f" — {self.ruta}"
            if self.valor is not None:
                linea += f" = «{_compactar(self.valor)}»"
        linea += f": {self.mensaje}"
        if self.ubicacion:
            linea += f" ({self.ubicacion})"
        return linea

    def elemento(self) -> str:
        """Nombre humano del elemento: código y etiqueta si los tiene; si no, su IRI abreviado."""
        partes = [p for p in (self.codigo, f"«{self.etiqueta}»" if self.etiqueta else None) if p]
        return " ".join(partes) if partes else _compactar(self.foco)


@dataclass(frozen=True)
class InformeValidacion:
    """Resultado de validar un envío: conforme si no hay ninguna violación."""

    conforme: bool
    problemas: tuple[Problema, ...]
    grafo_informe: Graph = field(compare=False, repr=False)
    """Informe SHACL (``sh:ValidationReport``) con solo los resultados informados."""

    def conteos(self) -> dict[str, int]:
        """Cantidad de problemas por severidad (siempre con las tres claves)."""
        cuenta = dict.fromkeys(SEVERIDADES, 0)
        for p in self.problemas:
            cuenta[p.severidad] = cuenta.get(p.severidad, 0) + 1
        return cuenta

    def texto(self) -> str:
        """Informe para personas, en español, agrupado por elemento y con los totales."""
        cuenta = self.conteos()
        estado = "conforme" if self.conforme else "NO conforme (el envío se rechaza)"
        if not self.problemas:
            return f"Resultado: {estado}, sin problemas."
        grupos = _agrupar(self.problemas)
        totales = ", ".join(_contar(cuenta[s], *_CUENTA_SEVERIDAD[s]) for s in SEVERIDADES)
        lineas = [f"Resultado: {estado} — {totales} en {_contar(len(grupos), 'elemento', 'elementos')}.", ""]
        for foco, problemas in grupos.items():
            lineas.append(f"• {problemas[0].elemento()}  <{foco}>")
            for p in problemas:
                detalle = p.ruta or ""
                if p.ruta and p.valor is not None:
                    detalle += f" = «{_compactar(p.valor)}»"
                sev = _NOMBRE_SEVERIDAD.get(p.severidad, p.severidad)
                linea = f"    [{sev}] {detalle + ': ' if detalle else ''}{p.mensaje}"
                if p.ubicacion:
                    linea += f" ({p.ubicacion})"
                lineas.append(linea)
        return "\n".join(lineas)

    def como_json(self) -> dict:
        """Resumen para programas: conforme, conteos por severidad y la lista de problemas."""
        return {
            "conforme": self.conforme,
            "conteos": self.conteos(),
            "total": len(self.problemas),
            "elementos": len({p.foco for p in self.problemas}),
            "problemas": [asdict(p) for p in self.problemas],
        }

    def con_ubicaciones(self, ubicaciones: Mapping[str, str]) -> InformeValidacion:
        """Copia con ``ubicacion`` rellenada por IRI de foco (la usa el conversor de planillas)."""
        problemas = tuple(
            replace(p, ubicacion=ubicaciones[p.foco]) if p.foco in ubicaciones else p for p in self.problemas
        )
        return replace(self, problemas=problemas)


def _contar(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _agrupar(problemas: Iterable[Problema]) -> dict[str, list[Problema]]:
    grupos: dict[str, list[Problema]] = {}
    for p in problemas:
        grupos.setdefault(p.foco, []).append(p)
    return grupos


# =================================================================================================
# Formas y jerarquía de clases (activos del registro, leídos una vez)
# =================================================================================================


@cache
def formas() -> Graph:
    """Grafo de formas SHACL, leído una vez por proceso. No lo modifique: es compartido."""
    g = Graph()
    try:
        g.parse(data=recursos.leer_bytes("ontologia", ARCHIVO_FORMAS), format="turtle")
    except ErrorActivos:
        raise
    except Exception as exc:  # rdflib lanza varias clases según el error de sintaxis
        raise ErrorActivos(
            f"El archivo de formas ontologia/{ARCHIVO_FORMAS} no se puede leer",
            detalle=str(exc),
        ) from exc
    return g


@cache
def _jerarquia() -> Graph:
    """``rdfs:subClassOf`` entre clases con IRI de la ontología del paquete.

    pyshacl (sin inferencia) resuelve ``sh:targetClass`` y ``sh:class`` siguiendo
    ``rdfs:subClassOf`` *en el grafo de datos*; por eso la jerarquía viaja siempre con los datos: un
    ``reg:PerfilOcupacional`` debe valer como ``reg:NormaCompetencia`` aunque no haya almacén.
    """
    g = Graph()
    for ruta in recursos.archivos("ontologia", "*.ttl"):
        if ruta.name == ARCHIVO_FORMAS:
            continue
        onto = Graph()
        try:
            onto.parse(data=ruta.read_bytes(), format="turtle")
        except Exception as exc:  # rdflib lanza varias clases según el error de sintaxis
            raise ErrorActivos(f"La ontología {ruta.name} no se puede leer", detalle=str(exc)) from exc
        for s, o in onto.subject_objects(RDFS.subClassOf):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                g.add((s, RDFS.subClassOf, o))
    return g


@cache
def _formas_python() -> dict[str, tuple[URIRef, str, str, URIRef | None]]:
    """Formas desactivadas evaluadas en Python: nombre → (IRI, severidad, mensaje @es, ruta)."""
    g = formas()
    salida: dict[str, tuple[URIRef, str, str, URIRef | None]] = {}
    for forma in g.subjects(REGSH.comprobacion, Literal("python")):
        if not isinstance(forma, URIRef):
            continue
        severidad = g.value(forma, SH.severity)
        ruta = g.value(forma, REGSH.rutaInforme)
        salida[forma.split("#")[-1]] = (
            forma,
            _local(severidad) if isinstance(severidad, URIRef) else "Violation",
            _texto_es(g.objects(forma, SH.message)) or "",
            ruta if isinstance(ruta, URIRef) else None,
        )
    return salida


# =================================================================================================
# Validación
# =================================================================================================


def validar(datos: Graph, contexto: Graph | None = None) -> InformeValidacion:
    """Valida ``datos ∪ contexto`` e informa solo los problemas de los sujetos de ``datos``.

    ``contexto`` es la porción del registro que devuelve ``contexto_de``: sin ella, todo lo que el
    envío referencia del registro (niveles, clasificaciones, unidades de otra institución) figura
    como inexistente.
    """
    grafo = Graph()
    grafo += datos
    if contexto is not None:
        grafo += contexto
    grafo += _jerarquia()
    sujetos = set(datos.subjects())
    try:
        _, informe_shacl, _ = pyshacl.validate(
            grafo,
            shacl_graph=formas(),
            inference="none",
            advanced=False,
            allow_warnings=True,
            allow_infos=True,
            inplace=True,
        )
    except ErrorActivos:
        raise
    except Exception as exc:  # pyshacl informa formas mal construidas con excepciones propias
        raise ErrorActivos("Las formas SHACL del registro no se pudieron aplicar", detalle=str(exc)) from exc
    if not isinstance(informe_shacl, Graph):  # pragma: no cover - pyshacl devuelve un grafo sin serializar
        raise ErrorActivos("pyshacl no devolvió un grafo de informe")

    problemas: set[Problema] = set()
    informe = _informe_vacio()
    raiz = informe.value(predicate=RDF.type, object=SH.ValidationReport)
    for resultado in informe_shacl.objects(None, SH.result):
        foco = informe_shacl.value(resultado, SH.focusNode)
        if foco is None or foco not in sujetos:
            continue
        problema = _problema_shacl(informe_shacl, resultado, foco, grafo)
        if problema not in problemas:  # pyshacl puede repetir un resultado idéntico
            problemas.add(problema)
            informe.add((raiz, SH.result, resultado))
            _copiar_nodo(informe_shacl, informe, resultado)

    for comprobar in _COMPROBACIONES:
        for problema, nodo_valor in comprobar(grafo, sujetos):
            if problema not in problemas:
                problemas.add(problema)
                _anotar_resultado(informe, raiz, problema, nodo_valor)

    ordenados = tuple(sorted(problemas, key=_clave_orden))
    conforme = not any(p.severidad == "Violation" for p in ordenados)
    informe.set((raiz, SH.conforms, Literal(conforme)))
    return InformeValidacion(conforme=conforme, problemas=ordenados, grafo_informe=informe)


def _clave_orden(p: Problema) -> tuple:
    return (
        p.foco,
        _ORDEN_SEVERIDAD.get(p.severidad, 9),
        p.ruta or "",
        p.valor or "",
        p.mensaje,
        p.forma or "",
    )


def _informe_vacio() -> Graph:
    g = Graph()
    for prefijo, ns in _PREFIJOS_INFORME.items():
        g.bind(prefijo, ns)
    raiz = BNode()
    g.add((raiz, RDF.type, SH.ValidationReport))
    return g


def _copiar_nodo(origen: Graph, destino: Graph, nodo: Node) -> None:
    """Copia las tripletas de ``nodo`` y, recursivamente, de sus nodos en blanco (rutas, listas)."""
    pendientes = [nodo]
    vistos: set[Node] = set()
    while pendientes:
        actual = pendientes.pop()
        if actual in vistos:
            continue
        vistos.add(actual)
        for p, o in origen.predicate_objects(actual):
            destino.add((actual, p, o))
            if isinstance(o, BNode):
                pendientes.append(o)


def _anotar_resultado(informe: Graph, raiz: Node, problema: Problema, valor: Node | None) -> None:
    """Agrega al informe RDF un ``sh:ValidationResult`` para un problema de una comprobación Python."""
    r = BNode()
    informe.add((raiz, SH.result, r))
    informe.add((r, RDF.type, SH.ValidationResult))
    informe.add((r, SH.focusNode, _termino_foco(problema.foco)))
    informe.add((r, SH.resultSeverity, SH[problema.severidad]))
    informe.add((r, SH.resultMessage, Literal(problema.mensaje, lang="es")))
    if problema.forma:
        informe.add((r, SH.sourceShape, URIRef(problema.forma)))
    forma = _formas_python().get(problema.forma.split("#")[-1]) if problema.forma else None
    if forma is not None and forma[3] is not None:
        informe.add((r, SH.resultPath, forma[3]))
    if valor is not None:
        informe.add((r, SH.value, valor))


def _termino_foco(foco: str) -> URIRef | BNode:
    return BNode(foco[2:]) if foco.startswith("_:") else URIRef(foco)


# --- de un resultado SHACL a un Problema ---------------------------------------------------------


def _problema_shacl(informe: Graph, resultado: Node, foco: Node, datos: Graph) -> Problema:
    severidad_nodo = informe.value(resultado, SH.resultSeverity)
    severidad = _local(severidad_nodo) if isinstance(severidad_nodo, URIRef) else "Violation"
    forma = informe.value(resultado, SH.sourceShape)
    ruta_nodo = informe.value(resultado, SH.resultPath)
    valor_nodo = informe.value(resultado, SH.value)
    ruta = _ruta_texto(informe, ruta_nodo) if ruta_nodo is not None else None
    if ruta is None and isinstance(forma, URIRef):
        # Formas de nodo (sh:or, sh:not, sh:closed…): la forma declara qué propiedad mostrar y el
        # valor que interesa es el de esa propiedad, no el propio foco.
        anotada = formas().value(forma, REGSH.rutaInforme)
        if isinstance(anotada, URIRef):
            ruta = _compactar(str(anotada))
            if valor_nodo == foco:
                valor_nodo = next(iter(sorted(datos.objects(foco, anotada))), None)
    if valor_nodo == foco and ruta_nodo is None:
        valor_nodo = None
    mensaje = _texto_es(informe.objects(resultado, SH.resultMessage))
    if not mensaje and isinstance(forma, URIRef):
        mensaje = _texto_es(formas().objects(forma, SH.message))
    if not mensaje:
        componente = informe.value(resultado, SH.sourceConstraintComponent)
        mensaje = _mensaje_generico(componente, ruta)
    return Problema(
        severidad=severidad,
        foco=_texto_nodo(foco),
        codigo=_codigo(datos, foco),
        etiqueta=_etiqueta(datos, foco),
        ruta=ruta,
        valor=_texto_nodo(valor_nodo) if valor_nodo is not None else None,
        mensaje=mensaje,
        forma=str(forma) if isinstance(forma, URIRef) else None,
    )


_GENERICOS: dict[str, str] = {
    "MinCountConstraintComponent": "Falta el valor obligatorio de {ruta}. Agréguelo.",
    "MaxCountConstraintComponent": "{ruta} tiene más valores de los permitidos. Deje solo los necesarios.",
    "DatatypeConstraintComponent": "El valor de {ruta} no tiene el tipo de dato esperado. Corríjalo.",
    "NodeKindConstraintComponent": "El valor de {ruta} debe ser un IRI (o un literal, según la propiedad).",
    "ClassConstraintComponent": "El valor de {ruta} no existe en el registro o no es de la clase esperada.",
    "PatternConstraintComponent": "El valor de {ruta} no tiene el formato esperado.",
    "InConstraintComponent": "El valor de {ruta} no está entre los valores permitidos.",
    "HasValueConstraintComponent": "A {ruta} le falta el valor requerido.",
    "MinInclusiveConstraintComponent": "El valor de {ruta} es menor que el mínimo permitido.",
    "MaxInclusiveConstraintComponent": "El valor de {ruta} es mayor que el máximo permitido.",
    "MinExclusiveConstraintComponent": "El valor de {ruta} es menor o igual que el mínimo permitido.",
    "MaxExclusiveConstraintComponent": "El valor de {ruta} es mayor o igual que el máximo permitido.",
    "MinLengthConstraintComponent": "El texto de {ruta} es demasiado corto.",
    "MaxLengthConstraintComponent": "El texto de {ruta} es demasiado largo.",
    "LanguageInConstraintComponent": "El texto de {ruta} no está en un idioma permitido.",
    "UniqueLangConstraintComponent": "{ruta} tiene más de un texto en el mismo idioma. Deje uno por idioma.",
    "QualifiedMinCountConstraintComponent": "Faltan valores de {ruta} con las características exigidas.",
    "QualifiedMaxCountConstraintComponent": "Sobran valores de {ruta} con ciertas características.",
    "EqualsConstraintComponent": "Los valores de {ruta} deben coincidir con los de la propiedad indicada.",
    "DisjointConstraintComponent": "{ruta} no puede compartir valores con la propiedad indicada.",
    "LessThanConstraintComponent": "El valor de {ruta} debe ser menor que el de la propiedad indicada.",
    "LessThanOrEqualsConstraintComponent": (
        "El valor de {ruta} no puede ser mayor que el de la propiedad indicada."
    ),
    "ClosedConstraintComponent": "El elemento usa una propiedad no permitida ({ruta}). Elimínela.",
    "NodeConstraintComponent": "El valor de {ruta} no cumple las condiciones exigidas.",
    "NotConstraintComponent": "El elemento cumple una condición prohibida ({ruta}).",
    "OrConstraintComponent": "El elemento no cumple ninguna de las alternativas permitidas ({ruta}).",
    "AndConstraintComponent": "El elemento no cumple todas las condiciones exigidas ({ruta}).",
    "XoneConstraintComponent": "El elemento debe cumplir exactamente una de las alternativas ({ruta}).",
}


def _mensaje_generico(componente: Node | None, ruta: str | None) -> str:
    """Mensaje español de respaldo, según el componente SHACL, si la forma no trae ``sh:message``."""
    nombre = _local(componente) if isinstance(componente, URIRef) else ""
    plantilla = _GENERICOS.get(nombre, "El elemento no cumple una regla de validación ({ruta}).")
    return plantilla.format(ruta=ruta or "la propiedad")


def _ruta_texto(g: Graph, ruta: Node) -> str:
    """Ruta SHACL como texto al estilo de SPARQL (``reg:a/reg:b``, ``^reg:c``, ``(a|b)``)."""
    if isinstance(ruta, URIRef):
        compacto = _compactar(str(ruta))
        return compacto if compacto != str(ruta) else f"<{ruta}>"
    if (ruta, RDF.first, None) in g:
        return "/".join(_ruta_texto(g, m) for m in Collection(g, ruta))
    for predicado, plantilla in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        interno = g.value(ruta, predicado)
        if interno is not None:
            return plantilla.format(_ruta_texto_atomica(g, interno))
    alternativas = g.value(ruta, SH.alternativePath)
    if alternativas is not None:
        return "(" + "|".join(_ruta_texto(g, m) for m in Collection(g, alternativas)) + ")"
    return str(ruta)


def _ruta_texto_atomica(g: Graph, ruta: Node) -> str:
    texto = _ruta_texto(g, ruta)
    return f"({texto})" if "/" in texto else texto


# =================================================================================================
# Comprobaciones que SHACL Core no expresa
# =================================================================================================

Comprobacion = Callable[[Graph, set[Node]], Iterator[tuple[Problema, Node | None]]]


def _hoy() -> dt.date:
    """Fecha de referencia para la vigencia (función aparte para poder fijarla en pruebas)."""
    return dt.date.today()


def _problema_python(
    nombre: str, g: Graph, foco: Node, valor: Node | None, detalle: str = ""
) -> tuple[Problema, Node | None]:
    forma, severidad, mensaje, ruta = _formas_python()[nombre]
    return (
        Problema(
            severidad=severidad,
            foco=_texto_nodo(foco),
            codigo=_codigo(g, foco),
            etiqueta=_etiqueta(g, foco),
            ruta=_compactar(str(ruta)) if ruta is not None else None,
            valor=_texto_nodo(valor) if valor is not None else None,
            mensaje=f"{mensaje} {detalle}".strip(),
            forma=str(forma),
        ),
        valor,
    )


def _comprobar_creditos(g: Graph, focos: set[Node]) -> Iterator[tuple[Problema, Node | None]]:
    """créditos = horasTeoria/16 + horasPractica/32 (tolerancia 0.01 por redondeo del plan)."""
    for ud in sorted(focos & _instancias(g, REG.UnidadDidactica), key=str):
        creditos = list(g.objects(ud, REG.creditos))
        if len(creditos) != 1:
            continue  # falta o sobra: lo informa la forma de estructura
        declarados = _decimal(creditos[0])
        teoria = _entero(g.value(ud, REG.horasTeoria))
        practica = _entero(g.value(ud, REG.horasPractica))
        if declarados is None or (teoria is None and practica is None):
            continue
        esperados = Decimal(teoria or 0) / 16 + Decimal(practica or 0) / 32
        if abs(declarados - esperados) > Decimal("0.01"):
            detalle = (
                f"Con {teoria or 0} h de teoría y {practica or 0} h de práctica corresponden "
                f"{_decimal_texto(esperados)} créditos, no {_decimal_texto(declarados)}."
            )
            yield _problema_python("CreditosHorasForma", g, ud, creditos[0], detalle)


def _comprobar_valoracion_en_escala(g: Graph, focos: set[Node]) -> Iterator[tuple[Problema, Node | None]]:
    """La valoración pertenece a la escala de la regla de la matriz de la correspondencia."""
    for c in sorted(focos & _instancias(g, REG.Correspondencia), key=str):
        escalas = {
            e
            for m in g.objects(c, REG.enMatriz)
            for r in g.objects(m, REG.regla)
            for e in g.objects(r, REG.escala)
        }
        if not escalas:
            continue  # sin matriz, regla o escala: lo informan las formas de estructura y referencias
        for v in g.objects(c, REG.valoracion):
            if (v, RDF.type, None) not in g:
                continue  # valoración inexistente: la informa regsh:CorrespondenciaRef-valoracion
            esquemas = set(g.objects(v, SKOS.inScheme)) | set(g.objects(v, SKOS.topConceptOf))
            if esquemas.isdisjoint(escalas):
                detalle = (
                    "Escala de la regla: " + ", ".join(sorted(_compactar(str(e)) for e in escalas)) + "."
                )
                yield _problema_python("ValoracionEnEscalaReglaForma", g, c, v, detalle)


def _comprobar_nivel_pais_institucion(g: Graph, focos: set[Node]) -> Iterator[tuple[Problema, Node | None]]:
    """Recursos sin ``reg:pais`` propio: el marco del nivel es del país de su institución."""
    for r in sorted((s for s in focos if (s, REG.nivel, None) in g), key=str):
        if (r, REG.pais, None) in g:
            continue  # lo comprueba la forma SHACL regsh:NivelDelPaisForma
        paises = _paises_responsables(g, r)
        if not paises:
            continue
        for nivel in g.objects(r, REG.nivel):
            marcos = set(g.objects(nivel, REG.marco)) | set(g.objects(nivel, SKOS.inScheme))
            if not marcos:
                continue  # nivel inexistente: lo informa regsh:Nivel-valor
            paises_nivel = {p for m in marcos for p in g.objects(m, REG.pais)}
            if paises_nivel.isdisjoint(paises):
                yield _problema_python("NivelDelPaisInstitucionForma", g, r, nivel)


def _paises_responsables(g: Graph, r: Node) -> set[Node]:
    """País de la institución que ofrece o emite el recurso o, para una unidad, de su norma."""
    paises = {
        p
        for prop in (REG.ofrecidoPor, REG.emitidoPor)
        for i in g.objects(r, prop)
        for p in g.objects(i, REG.pais)
    }
    if paises:
        return paises
    normas = set(g.subjects(REG.tieneUnidad, r)) | {
        n for inc in g.subjects(REG.unidad, r) for n in g.subjects(REG.inclusion, inc)
    }
    for n in normas:
        paises |= set(g.objects(n, REG.pais))
        paises |= {p for i in g.objects(n, REG.emitidoPor) for p in g.objects(i, REG.pais)}
    return paises


def _comprobar_vigencia(g: Graph, focos: set[Node]) -> Iterator[tuple[Problema, Node | None]]:
    """Aviso si ``reg:vigenteHasta`` ya pasó (SHACL Core no conoce la fecha de hoy)."""
    hoy = _hoy()
    for r in sorted((s for s in focos if (s, REG.vigenteHasta, None) in g), key=str):
        for v in g.objects(r, REG.vigenteHasta):
            fecha = v.toPython() if isinstance(v, Literal) and v.datatype == XSD.date else None
            if isinstance(fecha, dt.date) and fecha < hoy:
                yield _problema_python("VigenciaVencidaForma", g, r, v)


_COMPROBACIONES: tuple[Comprobacion, ...] = (
    _comprobar_creditos,
    _comprobar_valoracion_en_escala,
    _comprobar_nivel_pais_institucion,
    _comprobar_vigencia,
)


def _instancias(g: Graph, clase: URIRef) -> set[Node]:
    """Instancias de ``clase`` o de sus subclases (según ``rdfs:subClassOf`` del grafo)."""
    clases = set(g.transitive_subjects(RDFS.subClassOf, clase))
    return {s for c in clases for s in g.subjects(RDF.type, c)}


def _decimal(v: Node | None) -> Decimal | None:
    if not isinstance(v, Literal) or v.datatype not in (XSD.decimal, XSD.integer, XSD.double, XSD.float):
        return None
    try:
        return Decimal(str(v))
    except InvalidOperation:
        return None


def _entero(v: Node | None) -> int | None:
    if not isinstance(v, Literal) or v.datatype != XSD.integer:
        return None
    try:
        return int(str(v))
    except ValueError:
        return None


def _decimal_texto(d: Decimal) -> str:
    """Decimal legible para el mensaje: ``3``, ``2.875`` (a lo sumo cuatro decimales)."""
    return format(d.quantize(Decimal("0.0001")).normalize(), "f")


# =================================================================================================
# Porción de contexto
# =================================================================================================

_PROPIEDADES_CONTEXTO: tuple[URIRef, ...] = (
    RDF.type,
    SKOS.inScheme,
    SKOS.topConceptOf,
    SKOS.prefLabel,
    RDFS.label,
    REG.marco,
    REG.pais,
    REG.valor,
    REG.escala,
    REG.regla,
    REG.codigo,
    REG.numero,
    REG.emitidoPor,
    REG.ofrecidoPor,
)
"""Lo que las formas y las comprobaciones miran de un recurso referenciado (y sus nombres, para los
mensajes). Agregar aquí toda propiedad nueva que una forma consulte en un nodo del contexto."""

_PROPIEDADES_A_SEGUIR = frozenset({REG.marco, SKOS.inScheme, REG.regla, REG.emitidoPor})
"""Propiedades cuyo objeto también entra en el contexto: nivel → marco (su país), matriz → regla
(su escala), norma → organismo (su país)."""

_RONDAS = 3
_LOTE = 500

_CONSULTA_CONTEXTO = f"""
SELECT DISTINCT ?s ?p ?o WHERE {{
  VALUES ?s {{ #SUJETOS# }}
  {{ ?s ?p ?o }}
  UNION
  {{ GRAPH <{GRAFO_ONTOLOGIA}> {{ ?s ?p ?o }} }}
  UNION
  {{ GRAPH <{GRAFO_REFERENCIA}> {{ ?s ?p ?o }} }}
  FILTER(?p IN ({", ".join(valores_sparql([p]) for p in _PROPIEDADES_CONTEXTO)}))
}}
"""
"""Un recorrido por sujeto y un filtro de propiedades: medido 5 veces más rápido en Oxigraph que un
segundo bloque ``VALUES ?p`` (que multiplica las búsquedas por el número de propiedades). Grafos
constantes y no ``VALUES ?g … GRAPH ?g``: con una variable, un almacén remoto tiene que enviar todos los
grafos como «named-graph-uri» (miles de versiones, que Virtuoso no admite)."""

_CONSULTA_SUBCLASES = f"""
SELECT DISTINCT ?s ?o WHERE {{
  {{ ?s <{RDFS.subClassOf}> ?o }}
  UNION
  {{ GRAPH <{GRAFO_ONTOLOGIA}> {{ ?s <{RDFS.subClassOf}> ?o }} }}
}}
"""


def contexto_de(almacen: Almacen, datos: Graph) -> Graph:
    """Porción del registro que necesita la validación de ``datos``.

    Para cada IRI usado como objeto en ``datos`` que ``datos`` no describe (no es sujeto), trae de
    la vista completa del almacén sus propiedades de ``_PROPIEDADES_CONTEXTO``; sigue unos pocos
    enlaces (nivel → marco, matriz → regla) hasta ``_RONDAS`` saltos, en lotes de ``_LOTE`` IRIs
    por consulta (bloque ``VALUES`` serializado con ``valores_sparql``). Agrega la jerarquía de
    clases de la ontología para que ``sh:class`` acepte subclases. Los grafos de ontología y
    referencia se consultan también por nombre, por si la vista vigente aún no los registra.
    """
    sujetos = set(datos.subjects())
    pendientes: set[URIRef] = {
        o
        for p, o in datos.predicate_objects()
        if isinstance(o, URIRef) and p != RDF.type and o not in sujetos
    }
    vistos: set[URIRef] = set()
    contexto = Graph()
    for _ in range(_RONDAS):
        lote = sorted(pendientes - vistos)
        if not lote:
            break
        vistos.update(lote)
        siguientes: set[URIRef] = set()
        for trozo in _trozos(lote, _LOTE):
            consulta = _CONSULTA_CONTEXTO.replace("#SUJETOS#", valores_sparql(trozo))
            for fila in almacen.consultar(consulta, vista=Vista.COMPLETA).filas:
                s, p, o = fila["s"], fila["p"], fila["o"]
                contexto.add((s, p, o))
                if p in _PROPIEDADES_A_SEGUIR and isinstance(o, URIRef) and o not in sujetos:
                    siguientes.add(o)
        pendientes = siguientes
    for fila in almacen.consultar(_CONSULTA_SUBCLASES, vista=Vista.COMPLETA).filas:
        s, o = fila["s"], fila["o"]
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            contexto.add((s, RDFS.subClassOf, o))
    return contexto


def _trozos(elementos: Sequence[URIRef], tamano: int) -> Iterator[Sequence[URIRef]]:
    for i in range(0, len(elementos), tamano):
        yield elementos[i : i + tamano]


# =================================================================================================
# Utilidades de presentación
# =================================================================================================


def _local(iri: URIRef) -> str:
    texto = str(iri)
    return texto.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _compactar(iri: str) -> str:
    """IRI abreviado con los prefijos del registro (``reg:creditos``, ``id:inst/…``)."""
    for prefijo, ns in _PREFIJOS_ORDENADOS:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefijo}:{iri[len(ns) :]}"
    return iri


def _texto_nodo(n: Node) -> str:
    if isinstance(n, BNode):
        return f"_:{n}"
    return str(n)


def _texto_es(valores: Iterable[Node]) -> str | None:
    """Texto en español de una lista de literales (o el primero sin idioma, o cualquiera)."""
    literales = [v for v in valores if isinstance(v, Literal)]
    for preferido in (
        lambda lit: lit.language is not None and lit.language.lower().startswith("es"),
        lambda lit: lit.language is None,
        lambda lit: True,
    ):
        candidatos = sorted(str(lit) for lit in literales if preferido(lit))
        if candidatos:
            return candidatos[0]
    return None


def _codigo(g: Graph, foco: Node) -> str | None:
    for prop in (REG.codigo, REG.numero):
        valor = g.value(foco, prop)
        if valor is not None:
            return str(valor)
    return None


def _etiqueta(g: Graph, foco: Node) -> str | None:
    return _texto_es(g.objects(foco, SKOS.prefLabel)) or _texto_es(g.objects(foco, RDFS.label))
