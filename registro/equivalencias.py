"""Motor de equivalencias: convalidación por certificados, alineamiento, matriz y resúmenes (DISENO §3).

Todo lo que es metodología vive en SPARQL (``consultas_sparql/convalidacion-*.rq``, ``brechas.rq``…) y
todo lo que es regla vive en datos (umbral, escala, ponderación, unidad de decisión, agregación,
mapeos aceptados, mínimos por dimensión): aquí no hay nada de un país. Este módulo:

- resuelve códigos a IRIs y elige la regla aplicable;
- comprueba los certificados (desconocidos, vencidos, de una versión de norma ya sustituida);
- agrega las filas de las consultas con aritmética exacta (``fractions.Fraction`` sobre
  ``decimal.Decimal`` leídos del lexical de los literales): exactamente 0,80 pasa un umbral de 80 %, y
  0,7999 no. Los porcentajes se muestran con dos decimales truncados —nunca redondeados hacia arriba—
  para que un 79,995 % que no pasa no aparezca como «80,00 %»;
- guarda el resultado con su procedencia (regla, versiones usadas, certificados, fecha) en
  ``grafo:resultados`` y calcula al leer si quedó desactualizado.

Las funciones son simples (sin estado) y devuelven dataclasses inmutables: la CLI, la API y las actas
las usan tal cual.

Lecturas de la metodología que fija este módulo (todas salen de datos; cambiar la regla las cambia):

- peso de un indicador = ``reg:peso`` propio (1 si falta) × 1, créditos u horas de su unidad
  didáctica (o del módulo si no tiene unidades), según ``reg:ponderacion``;
- media ponderada de un módulo (y del programa) = media de sus unidades de decisión ponderada por
  créditos (por horas si la regla pondera por horas); «indicadores agrupados» = Σ peso·v / Σ peso;
- regla por defecto de un programa: la de su institución, si no la de su tipo de institución, si no
  la que nombra su matriz; empate en el mismo nivel = error que pide ``--regla``;
- un certificado sin ``reg:certificaUnidad`` certifica todas las unidades de su norma; una versión
  más nueva de la norma es otra norma que es ``prov:wasRevisionOf``/``dct:replaces`` de la
  certificada (o ``dct:isReplacedBy`` desde ella), o una ``reg:version`` del certificado distinta de
  la de la norma;
- reglas con ``reg:minimoDimension``: cada dimensión (criterios ``reg:criterio``, actividades
  ``reg:actividad``, conocimientos ``reg:conocimiento``) se calcula como la equivalencia normal sobre
  TODOS los indicadores de la unidad; congruencia = Σ pesoDimension·dimensión / Σ pesoDimension;
  convalidable si llega al umbral y cada dimensión a su mínimo (datos_ttl/piloto/LEEME.md §d). Sin
  dimensiones, solo cuentan las correspondencias con criterios de desempeño;
- mapeos entre países: solo aprobados, con predicado aceptado por la regla y su factor; se leen en los
  dos sentidos (broadMatch/narrowMatch se invierten al leerlos al revés); un salto, nunca cadenas.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from itertools import product
from types import MappingProxyType

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD
from rdflib.term import Node

from registro import consultas
from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista, VistaAcotada, a_ntriples, validar_iri
from registro.errores import EntradaInvalida, ErrorRegistro, NoEncontrado
from registro.vocabulario import GRAFO_RESULTADOS, REG

# --- errores propios ----------------------------------------------------------------------------------


class UnidadSinIndicadores(ErrorRegistro):
    """Una unidad de decisión no tiene indicadores: su equivalencia no existe (nunca es 100 %)."""

    codigo_http = 422
    titulo = "Unidad de decisión sin indicadores"


class ReglaInaplicable(ErrorRegistro):
    """La regla no puede aplicarse a estos datos (falta umbral, escala, créditos u horas…)."""

    codigo_http = 422
    titulo = "Regla de equivalencia inaplicable"


# --- clases del modelo que el código necesita nombrar (metodología, no país) ---------------------------
CLASE_PROGRAMA = REG.ProgramaEstudios
CLASE_NORMA = REG.NormaCompetencia
CLASE_CERTIFICADO = REG.Certificado
CLASE_REGLA = REG.ReglaEquivalencia
CLASE_MATRIZ = REG.MatrizEquivalencia
DIMENSION_CRITERIOS = str(REG.DimensionCriterios)
_AGREGACION_MEDIA = str(REG.AgregacionMediaPonderada)

_CIEN = Fraction(100)


# --- dataclasses -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MapeoAceptado:
    """Un predicado de mapeo entre unidades que la regla acepta, con su factor."""

    predicado: str
    factor: Decimal


@dataclass(frozen=True)
class DimensionRegla:
    """Mínimo y peso de una dimensión de congruencia (reglas de reconocimiento por dimensiones)."""

    dimension: str
    minimo: Decimal | None
    peso: Decimal


@dataclass(frozen=True)
class Regla:
    """Los parámetros de una regla de equivalencia, tal como están en los datos."""

    iri: str
    etiqueta: str
    umbral: Decimal
    escala: str
    ponderacion: str
    unidad_decision: str
    agregacion: str
    mapeos: tuple[MapeoAceptado, ...] = ()
    dimensiones: tuple[DimensionRegla, ...] = ()
    motivo: str = "indicada explícitamente"

    @property
    def por_dimensiones(self) -> bool:
        """Verdadero si la decisión combina dimensiones con mínimos (congruencia curricular)."""
        return bool(self.dimensiones)


@dataclass(frozen=True)
class Certificado:
    """Un certificado evaluado, con lo que se comprobó de él."""

    iri: str
    codigo: str
    seudonimo: str
    norma: str | None
    norma_codigo: str
    norma_version: str
    unidades: tuple[str, ...]
    fecha_emision: date | None
    vigente_hasta: date | None
    vencido: bool
    normas_nuevas: tuple[str, ...] = ()
    """Versiones vigentes más nuevas de la norma certificada (códigos o IRIs)."""

    @property
    def version_desactualizada(self) -> bool:
        return bool(self.normas_nuevas)

    @property
    def cuenta(self) -> bool:
        """Un certificado vencido se informa pero no cuenta en la decisión."""
        return not self.vencido


@dataclass(frozen=True)
class Eslabon:
    """Cómo una unidad certificada llega a la unidad cuyo criterio se usó (reconocimiento entre países)."""

    unidad_certificada: str
    certificados: tuple[str, ...]
    unidad: str
    mapeo: str | None = None
    predicado: str | None = None
    sentido: str | None = None
    factor: Decimal = Decimal(1)

    @property
    def directo(self) -> bool:
        return self.mapeo is None


@dataclass(frozen=True)
class Evidencia:
    """La correspondencia aprobada que da el valor de un indicador en una dimensión."""

    dimension: str
    valor: Decimal
    correspondencia: str
    valoracion: str
    criterio: str
    unidad: str
    matriz: str | None
    cadena: Eslabon


@dataclass(frozen=True)
class ValorIndicador:
    """v(i, C) de un indicador: valor, peso y de dónde sale (por dimensión si la regla las usa)."""

    indicador: str
    etiqueta: str
    orden: int | None
    peso: Decimal
    valor: Decimal
    evidencia: Evidencia | None
    por_dimension: Mapping[str, Evidencia | None] = field(default_factory=dict)

    @property
    def es_brecha(self) -> bool:
        return self.valor < 1


@dataclass(frozen=True)
class ValorDimension:
    """Porcentaje de una dimensión en una unidad de decisión, con su mínimo."""

    dimension: str
    etiqueta: str
    porcentaje: Fraction
    minimo: Decimal | None
    peso: Decimal

    @property
    def cumple(self) -> bool:
        return self.minimo is None or self.porcentaje >= Fraction(self.minimo)


@dataclass(frozen=True)
class ResultadoUnidad:
    """Decisión sobre una unidad de decisión (unidad didáctica o módulo, según la regla)."""

    unidad: str
    modulo: str
    codigo: str
    etiqueta: str
    peso_unidad: Decimal | None
    porcentaje: Fraction
    umbral: Decimal
    convalidable: bool
    indicadores: tuple[ValorIndicador, ...]
    dimensiones: tuple[ValorDimension, ...] = ()


@dataclass(frozen=True)
class ResultadoModulo:
    """Porcentaje de un módulo con las dos agregaciones; ``porcentaje`` es la que elige la regla."""

    modulo: str
    codigo: str
    etiqueta: str
    porcentaje: Fraction
    porcentaje_indicadores: Fraction
    porcentaje_media_ponderada: Fraction | None
    unidades: tuple[str, ...]
    convalidables: int


@dataclass(frozen=True)
class Cobertura:
    """Una correspondencia aprobada que subiría el valor de un indicador (qué habría que certificar)."""

    criterio: str
    unidad: str
    norma: str
    valor: Decimal


@dataclass(frozen=True)
class Brecha:
    """Indicador con v(i, C) < 1: lo que falta y qué lo cubriría."""

    indicador: str
    etiqueta: str
    unidad_decision: str
    valor: Decimal
    documentada: str | None
    """Justificación de la correspondencia «nula» o parcial aprobada que documenta la brecha."""
    cubririan: tuple[Cobertura, ...]


@dataclass(frozen=True)
class Decision:
    """Resultado completo de una convalidación: lo que muestra el acta y lo que se guarda."""

    programa: str
    programa_codigo: str
    programa_etiqueta: str
    regla: Regla
    certificados: tuple[Certificado, ...]
    unidades_certificadas: tuple[str, ...]
    unidades: tuple[ResultadoUnidad, ...]
    modulos: tuple[ResultadoModulo, ...]
    porcentaje_programa: Fraction
    brechas: tuple[Brecha, ...]
    avisos: tuple[str, ...]
    fecha: datetime
    versiones_usadas: tuple[str, ...]
    etiquetas: Mapping[str, str]
    resultado: str | None = None
    """IRI del resultado guardado (``None`` si no se guardó)."""

    @property
    def convalidables(self) -> tuple[ResultadoUnidad, ...]:
        return tuple(u for u in self.unidades if u.convalidable)

    def codigo(self, iri: str | None) -> str:
        """Código corto de un recurso usado en la decisión (o el último segmento de su IRI)."""
        if iri is None:
            return ""
        return self.etiquetas.get(f"codigo:{iri}") or iri.rsplit("/", 1)[-1]

    def etiqueta(self, iri: str | None) -> str:
        """Etiqueta legible de un recurso usado en la decisión (código o enunciado)."""
        if iri is None:
            return ""
        return self.etiquetas.get(iri) or iri.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ResultadoGuardado:
    """Un resultado de ``grafo:resultados``; ``desactualizado`` se calcula al leer."""

    iri: str
    fecha: str
    regla: str
    programa: str
    porcentaje: Decimal | None
    convalidables: int
    certificados: tuple[str, ...]
    desactualizado: bool


@dataclass(frozen=True)
class UnidadAlineada:
    """Cobertura de una unidad de competencia de la norma por el programa (lado de la norma)."""

    unidad: str
    codigo: str
    etiqueta: str
    criterios: int
    cubiertos: int
    parciales: int
    cobertura: Fraction


@dataclass(frozen=True)
class Alineamiento:
    estandar: str
    programa: str
    unidades: tuple[UnidadAlineada, ...]
    cobertura: Fraction
    """Σ valor de los criterios cubiertos / criterios de la norma."""


@dataclass(frozen=True)
class CeldaMatriz:
    correspondencia: str
    matriz: str | None
    indicador: str
    criterio: str
    valoracion: str | None
    codigo_valoracion: str
    valor: Decimal | None
    estado: str | None
    codigo_estado: str
    justificacion: str
    justificacion_mapeo: str | None
    autor: str
    revisor: str
    fecha: str
    confianza: Decimal | None


@dataclass(frozen=True)
class Matriz:
    """Matriz indicadores × criterios de un par norma–programa, con porcentajes por unidad."""

    estandar: str
    programa: str
    regla: Regla
    indicadores: tuple[tuple[str, str, str], ...]
    """(indicador, unidad de decisión, enunciado) en orden del programa."""
    criterios: tuple[tuple[str, str, str], ...]
    """(criterio, unidad de competencia, número y enunciado) en orden de la norma."""
    celdas: tuple[CeldaMatriz, ...]
    unidades: tuple[ResultadoUnidad, ...]
    """Porcentaje de cada unidad de decisión si se certificaran todas las unidades de la norma."""
    etiquetas: Mapping[str, str]
    matrices: tuple[str, ...]


@dataclass(frozen=True)
class FilaResumen:
    """Un par programa × norma de la matriz resumen."""

    programa: str
    programa_codigo: str
    estandar: str
    estandar_codigo: str
    regla: str
    unidades_decision: int
    convalidables: int
    porcentaje: Fraction
    cobertura: Fraction | None


# --- utilidades públicas ----------------------------------------------------------------------------------
def porcentaje_texto(valor: Fraction | Decimal | None, *, decimales: int = 2) -> str:
    """«79,99 %»: dos decimales truncados (nunca sube a 80,00 % un valor que no llega)."""
    if valor is None:
        return "—"
    pct = Decimal(Fraction(valor).numerator * 100) / Decimal(Fraction(valor).denominator)
    cuanto = pct.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_DOWN)
    return f"{cuanto:.{decimales}f}".replace(".", ",") + " %"


def porcentaje_decimal(valor: Fraction | None, *, decimales: int = 6) -> Decimal | None:
    """Fracción 0–1 como ``Decimal`` truncado (para JSON y RDF; las decisiones ya se tomaron exactas)."""
    if valor is None:
        return None
    return (Decimal(valor.numerator) / Decimal(valor.denominator)).quantize(
        Decimal(1).scaleb(-decimales), rounding=ROUND_DOWN
    )


def resolver(almacen: Almacen, codigo_o_iri: str, clase: URIRef, *, que: str = "recurso") -> str:
    """IRI de un recurso a partir de su código (``reg:codigo``) o de su IRI, comprobando la clase.

    Un código desconocido o ambiguo da un error que lista candidatos: quien escribe en la CLI ve a qué
    podía referirse.
    """
    texto = (codigo_o_iri or "").strip()
    if not texto:
        raise EntradaInvalida(f"Falta el código del {que}")
    cat = consultas.catalogo()
    if texto.startswith(("http://", "https://")):
        validar_iri(texto)
        existe = almacen.consultar(
            "ASK { ?r a ?t . ?t <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }",
            {"r": URIRef(texto), "c": clase},
        ).booleano
        if not existe:
            raise NoEncontrado(
                f"No existe el {que} {texto}", detalle=f"Se esperaba un recurso de tipo {_corto(clase)}."
            )
        return texto
    res = cat.ejecutar(almacen, "resolver-codigo", {"codigo": Literal(texto), "clase": clase}, Vista.COMPLETA)
    encontrados = sorted({str(f["recurso"]) for f in res.filas})
    if len(encontrados) == 1:
        return encontrados[0]
    if len(encontrados) > 1:
        raise EntradaInvalida(
            f"El código «{texto}» es ambiguo: corresponde a {len(encontrados)} recursos",
            detalle="Use el IRI completo de uno de ellos: " + "; ".join(encontrados),
        )
    if clase == CLASE_REGLA:  # las reglas de referencia se nombran por su IRI id:regla/{cod}
        candidata = str(voc.regla(texto))
        if almacen.consultar("ASK { ?r a ?c }", {"r": URIRef(candidata), "c": clase}).booleano:
            return candidata
    parecidos = cat.ejecutar(
        almacen, "codigos-parecidos", {"texto": Literal(texto[:40]), "clase": clase}, Vista.COMPLETA
    )
    sugerencias = [f"{f['codigo']}" for f in parecidos.filas]
    raise NoEncontrado(
        f"No hay ningún {que} con el código «{texto}»",
        detalle=("¿Quiso decir: " + ", ".join(sugerencias) + "?")
        if sugerencias
        else "Revise el código (se distinguen mayúsculas) o use el IRI completo.",
    )


def regla(almacen: Almacen, regla_iri: str) -> Regla:
    """Lee una regla de equivalencia; falla con un mensaje claro si le falta algo imprescindible.

    Se recuerda hasta la próxima escritura (``Almacen.recordar``): cada decisión la lee y casi todas
    usan la misma (a escala nacional, 3 ms de cada decisión).
    """
    return almacen.recordar(("regla", regla_iri), lambda: _leer_regla(almacen, regla_iri))


def _leer_regla(almacen: Almacen, regla_iri: str) -> Regla:
    res = consultas.catalogo().ejecutar(almacen, "regla-equivalencia", {"regla": URIRef(regla_iri)})
    if not res.filas:
        raise NoEncontrado(f"No existe la regla de equivalencia {regla_iri}")
    general = res.filas[0]
    faltan = [n for n in ("umbral", "escala", "ponderacion", "unidadDecision") if n not in general]
    if faltan:
        raise ReglaInaplicable(
            f"La regla {_corto(regla_iri)} no define: {', '.join(faltan)}",
            detalle="Complete la regla en los datos de referencia (reg:umbral, reg:escala, reg:ponderacion, "
            "reg:unidadDecision).",
        )
    mapeos = tuple(
        MapeoAceptado(str(f["predicado"]), _decimal(f.get("factor"), Decimal(1)))
        for f in res.filas
        if str(f.get("aspecto")) == "mapeo"
    )
    dimensiones = tuple(
        DimensionRegla(
            str(f["dimension"]),
            _decimal(f.get("minimo")) if "minimo" in f else None,
            _decimal(f.get("pesoDimension"), Decimal(1)),
        )
        for f in res.filas
        if str(f.get("aspecto")) == "dimension"
    )
    return Regla(
        iri=regla_iri,
        etiqueta=str(general.get("etiqueta", _corto(regla_iri))),
        umbral=_decimal(general["umbral"]),
        escala=str(general["escala"]),
        ponderacion=str(general["ponderacion"]),
        unidad_decision=str(general["unidadDecision"]),
        agregacion=str(general.get("agregacion", REG.AgregacionIndicadores)),
        mapeos=mapeos,
        dimensiones=dimensiones,
    )


def regla_aplicable(almacen: Almacen, programa: str, regla_pedida: str | None = None) -> Regla:
    """La regla indicada o, si no, la del programa: de su institución, de su tipo o de su matriz."""
    if regla_pedida:
        return regla(almacen, resolver(almacen, regla_pedida, CLASE_REGLA, que="regla"))
    res = consultas.catalogo().ejecutar(almacen, "reglas-aplicables", {"programa": URIRef(programa)})
    if not res.filas:
        raise ReglaInaplicable(
            f"Ninguna regla de equivalencia se aplica al programa {_corto(programa)}",
            detalle="Indique la regla (--regla) o publique una con reg:aplicaAInstitucion o reg:aplicaATipo.",
        )
    mejor = min(int(f["prioridad"].toPython()) for f in res.filas)
    candidatas = sorted(
        {(str(f["regla"]), str(f["motivo"])) for f in res.filas if int(f["prioridad"].toPython()) == mejor}
    )
    if len({c[0] for c in candidatas}) > 1:
        raise ReglaInaplicable(
            f"Hay varias reglas posibles para el programa {_corto(programa)}",
            detalle="Indique una con --regla: " + ", ".join(_corto(c[0]) for c in candidatas),
        )
    r = regla(almacen, candidatas[0][0])
    return _con_motivo(r, candidatas[0][1])


def leer_certificados(
    almacen: Almacen, iris: Sequence[str], *, hoy: date | None = None
) -> tuple[Certificado, ...]:
    """Lee certificados (datos privados) y comprueba vigencia y versión de la norma certificada."""
    hoy = hoy or date.today()
    res = consultas.catalogo().ejecutar(
        almacen, "certificados", {"certificados": [URIRef(i) for i in iris]}, Vista.COMPLETA
    )
    por_cert: dict[str, list[Mapping[str, Node]]] = defaultdict(list)
    for f in res.filas:
        por_cert[str(f["certificado"])].append(f)
    faltan = [i for i in iris if i not in por_cert]
    if faltan:
        raise NoEncontrado(
            "No se encontró el certificado " + ", ".join(faltan),
            detalle="Compruebe el código; los certificados solo se ven con acceso a los datos privados.",
        )
    normas = sorted({str(f["norma"]) for f in res.filas if "norma" in f})
    nuevas_de: dict[str, set[str]] = defaultdict(set)
    if normas:
        for f in (
            consultas.catalogo()
            .ejecutar(almacen, "normas-nuevas", {"normas": [URIRef(n) for n in normas]}, Vista.COMPLETA)
            .filas
        ):
            nuevas_de[str(f["norma"])].add(str(f.get("normaNuevaCodigo", f["normaNueva"])))
    salida = []
    for iri in dict.fromkeys(iris):
        filas = por_cert[iri]
        f0 = filas[0]
        hasta = _fecha(f0.get("vigenteHasta"))
        version_cert = str(f0.get("versionCertificada", ""))
        version_norma = str(f0.get("normaVersion", ""))
        nuevas = {n for f in filas if "norma" in f for n in nuevas_de.get(str(f["norma"]), ())}
        if version_cert and version_norma and version_cert != version_norma:
            nuevas.add(f"{f0.get('normaCodigo', _corto(str(f0.get('norma', ''))))} versión {version_norma}")
        salida.append(
            Certificado(
                iri=iri,
                codigo=str(f0.get("codigo", _corto(iri))),
                seudonimo=str(f0.get("seudonimo", "")),
                norma=str(f0["norma"]) if "norma" in f0 else None,
                norma_codigo=str(f0.get("normaCodigo", "")),
                norma_version=version_cert or version_norma,
                unidades=tuple(dict.fromkeys(str(f["unidad"]) for f in filas if "unidad" in f)),
                fecha_emision=_fecha(f0.get("fechaEmision")),
                vigente_hasta=hasta,
                vencido=hasta is not None and hasta < hoy,
                normas_nuevas=tuple(sorted(nuevas)),
            )
        )
    return tuple(salida)


def convalidar(
    almacen: Almacen,
    *,
    certificados: Sequence[str],
    programa: str,
    regla: str | None = None,
    guardar: bool = True,
    hoy: date | None = None,
) -> Decision:
    """Decide qué unidades de un programa son convalidables con unos certificados (DISENO §3).

    ``certificados`` y ``programa`` aceptan códigos o IRIs. Los certificados vencidos se informan y no
    cuentan; los de una versión de norma sustituida se informan y cuentan. Una unidad de decisión sin
    indicadores es un error (``UnidadSinIndicadores``), nunca un 100 %. Con ``guardar`` el resultado
    queda en ``grafo:resultados`` con su procedencia.
    """
    if not certificados:
        raise EntradaInvalida("Indique al menos un certificado")
    prog = resolver(almacen, programa, CLASE_PROGRAMA, que="programa")
    iris_cert = [resolver(almacen, c, CLASE_CERTIFICADO, que="certificado") for c in certificados]
    la_regla = regla_aplicable(almacen, prog, regla)
    certs = leer_certificados(almacen, iris_cert, hoy=hoy)
    avisos = _avisos_certificados(certs)
    cert_por_unidad: dict[str, list[str]] = defaultdict(list)
    for c in certs:
        if c.cuenta:
            for u in c.unidades:
                cert_por_unidad[u].append(c.codigo)
    unidades_c = tuple(cert_por_unidad)
    if not unidades_c:
        avisos.append(
            "Ningún certificado válido aporta unidades de competencia: todas las unidades quedan en 0 %."
        )
    unidades, brechas, usadas = _evaluar(almacen, prog, la_regla, unidades_c, cert_por_unidad)
    modulos, total = _agregar(la_regla, unidades)
    etiquetas = _etiquetas(
        almacen,
        [
            prog,
            *unidades_c,
            *usadas,
            *(u.unidad for u in unidades),
            *(m.modulo for m in modulos),
            *(i.indicador for u in unidades for i in u.indicadores),
            *(c.criterio for b in brechas for c in b.cubririan),
            *(c.norma for b in brechas for c in b.cubririan),
            *_criterios_usados(unidades),
        ],
    )
    versiones_usadas = _versiones_usadas(almacen, [prog, *unidades_c, *usadas])
    decision = Decision(
        programa=prog,
        programa_codigo=etiquetas.get(f"codigo:{prog}", _corto(prog)),
        programa_etiqueta=etiquetas.get(prog, _corto(prog)),
        regla=la_regla,
        certificados=certs,
        unidades_certificadas=unidades_c,
        unidades=tuple(_con_etiqueta(u, etiquetas) for u in unidades),
        modulos=tuple(_modulo_con_etiqueta(m, etiquetas) for m in modulos),
        porcentaje_programa=total,
        brechas=tuple(_brecha_con_etiqueta(b, etiquetas) for b in brechas),
        avisos=tuple(avisos),
        fecha=datetime.now(UTC).replace(microsecond=0),
        versiones_usadas=versiones_usadas,
        etiquetas=etiquetas,
    )
    if guardar:
        decision = guardar_resultado(almacen, decision)
    return decision


def congruencia_rap(
    almacen: Almacen,
    *,
    certificados: Sequence[str],
    programa: str,
    regla: str | None = None,
    guardar: bool = False,
    hoy: date | None = None,
) -> Decision:
    """Congruencia curricular por dimensiones (criterios, actividades clave, conocimientos).

    Es ``convalidar`` con una regla que define mínimos por dimensión (``reg:minimoDimension``): cada
    ``ResultadoUnidad`` trae sus ``dimensiones`` y es convalidable si la congruencia ponderada llega al
    umbral y cada dimensión a su mínimo. Falla si la regla no define dimensiones.
    """
    decision = convalidar(
        almacen, certificados=certificados, programa=programa, regla=regla, guardar=guardar, hoy=hoy
    )
    if not decision.regla.por_dimensiones:
        raise ReglaInaplicable(
            f"La regla {_corto(decision.regla.iri)} no define mínimos por dimensión",
            detalle="Use una regla con reg:minimoDimension "
            "(p. ej. la de reconocimiento de aprendizajes previos).",
        )
    return decision


def guardar_resultado(almacen: Almacen, decision: Decision) -> Decision:
    """Escribe la decisión en ``grafo:resultados`` (una sola actualización) y devuelve su IRI."""
    decision, g = grafo_resultado(decision)
    almacen.actualizar(f"INSERT DATA {{ GRAPH <{GRAFO_RESULTADOS}> {{\n{a_ntriples(g)}\n}} }}")
    return decision


def grafo_resultado(decision: Decision) -> tuple[Decision, Graph]:
    """Tripletas del resultado guardable (para ``grafo:resultados``) y la decisión con su IRI, sin escribir.

    Separado de ``guardar_resultado`` para que quien necesite escribir el resultado junto con otros
    datos en **una sola** actualización atómica (p. ej. el análisis de una solicitud) pueda hacerlo.
    """
    ident = str(uuid.uuid4())
    res = voc.resultado(ident)
    g = Graph()
    g.add((res, RDF.type, REG.ResultadoEquivalencia))
    g.add((res, REG.reglaAplicada, URIRef(decision.regla.iri)))
    g.add((res, REG.programaEvaluado, URIRef(decision.programa)))
    g.add((res, PROV.generatedAtTime, Literal(decision.fecha.isoformat(), datatype=XSD.dateTime)))
    g.add(
        (res, REG.porcentaje, Literal(porcentaje_decimal(decision.porcentaje_programa), datatype=XSD.decimal))
    )
    for c in decision.certificados:
        g.add((res, REG.certificadoEvaluado, URIRef(c.iri)))
        # prov:wasDerivedFrom y no prov:used: el resultado es una entidad (prov:used es de actividades, y
        # en PROV-O actividad y entidad son disjuntas).
        g.add((res, PROV.wasDerivedFrom, URIRef(c.iri)))
    g.add((res, PROV.wasDerivedFrom, URIRef(decision.regla.iri)))
    for v in decision.versiones_usadas:
        g.add((res, REG.versionGrafo, URIRef(v)))
    for n, u in enumerate(decision.unidades, start=1):
        nodo = voc.resultado_unidad(ident, n)
        g.add((nodo, RDF.type, REG.ResultadoUnidad))
        g.add((nodo, DCTERMS.isPartOf, res))
        g.add((nodo, REG.unidadEvaluada, URIRef(u.unidad)))
        g.add((nodo, REG.porcentaje, Literal(porcentaje_decimal(u.porcentaje), datatype=XSD.decimal)))
        g.add((nodo, REG.convalidable, Literal(u.convalidable)))
    return _reemplazar(decision, resultado=str(res)), g


def resultados(almacen: Almacen, programa: str | None = None) -> tuple[ResultadoGuardado, ...]:
    """Resultados guardados, del más reciente al más antiguo, con ``desactualizado`` calculado ahora."""
    params: dict[str, Node] = {}
    if programa:
        params["programa"] = URIRef(resolver(almacen, programa, CLASE_PROGRAMA, que="programa"))
    res = consultas.catalogo().ejecutar(almacen, "resultados-equivalencia", params, Vista.COMPLETA)
    return tuple(
        ResultadoGuardado(
            iri=str(f["resultado"]),
            fecha=str(f["fecha"]),
            regla=str(f["regla"]),
            programa=str(f["programa"]),
            porcentaje=_decimal(f["porcentaje"]) if "porcentaje" in f else None,
            convalidables=int(f["convalidables"].toPython()) if "convalidables" in f else 0,
            certificados=tuple(str(f.get("certificados", "")).split()),
            desactualizado=bool(f["desactualizado"].toPython()),
        )
        for f in res.filas
    )


def alinear(almacen: Almacen, estandar: str, programa: str) -> Alineamiento:
    """Cobertura de los criterios de una norma por los indicadores de un programa (diseño curricular)."""
    est = resolver(almacen, estandar, CLASE_NORMA, que="estándar o perfil")
    prog = resolver(almacen, programa, CLASE_PROGRAMA, que="programa")
    res = consultas.catalogo().ejecutar(
        almacen, "alineamiento", {"estandar": URIRef(est), "programa": [URIRef(prog)]}
    )
    unidades = []
    total_criterios, total_suma = 0, Fraction(0)
    for f in res.filas:
        n = int(f["criterios"].toPython())
        suma = Fraction(_decimal(f["suma"]))
        total_criterios += n
        total_suma += suma
        unidades.append(
            UnidadAlineada(
                unidad=str(f["unidad"]),
                codigo=str(f.get("codigoUnidad", _corto(str(f["unidad"])))),
                etiqueta=str(f.get("etiquetaUnidad", "")),
                criterios=n,
                cubiertos=int(f["cubiertos"].toPython()),
                parciales=int(f["parciales"].toPython()),
                cobertura=suma / n if n else Fraction(0),
            )
        )
    return Alineamiento(
        est, prog, tuple(unidades), total_suma / total_criterios if total_criterios else Fraction(0)
    )


def matriz(almacen: Almacen, estandar: str, programa: str, regla: str | None = None) -> Matriz:
    """Matriz indicadores × criterios con valoraciones, justificaciones y porcentajes por unidad.

    Los porcentajes por unidad de decisión suponen certificadas todas las unidades de la norma: es lo
    que el par puede dar como máximo, y lo que el analista ajusta al editar la matriz.
    """
    cat = consultas.catalogo()
    est = resolver(almacen, estandar, CLASE_NORMA, que="estándar o perfil")
    prog = resolver(almacen, programa, CLASE_PROGRAMA, que="programa")
    la_regla = regla_aplicable(almacen, prog, regla)
    codigos = {f.valoracion: f.codigo for f in valores_escala(almacen, la_regla.iri)}
    est_filas = cat.ejecutar(almacen, "unidades-y-criterios-de-estandar", {"estandar": URIRef(est)}).filas
    criterios = tuple(
        dict.fromkeys(
            (str(f["criterio"]), str(f["unidad"]), f"{f.get('numero', '')} {f.get('enunciado', '')}".strip())
            for f in est_filas
        )
    )
    unidades_norma = tuple(dict.fromkeys(str(f["unidad"]) for f in est_filas))
    unidades, _brechas, _usadas = _evaluar(
        almacen, prog, la_regla, unidades_norma, {u: [] for u in unidades_norma}, con_brechas=False
    )
    celdas = _celdas(
        almacen,
        [i.indicador for u in unidades for i in u.indicadores],
        {c[0] for c in criterios},
        codigos,
    )
    indicadores = tuple((i.indicador, u.unidad, i.etiqueta) for u in unidades for i in u.indicadores)
    etiquetas = _etiquetas(almacen, [est, prog, *(u.unidad for u in unidades), *(i[0] for i in indicadores)])
    matrices = tuple(sorted({c.matriz for c in celdas if c.matriz}))
    return Matriz(
        estandar=est,
        programa=prog,
        regla=la_regla,
        indicadores=tuple((i, u, etiquetas.get(i, e)) for i, u, e in indicadores),
        criterios=criterios,
        celdas=celdas,
        unidades=tuple(_con_etiqueta(u, etiquetas) for u in unidades),
        etiquetas=etiquetas,
        matrices=matrices,
    )


def _celdas(
    almacen: Almacen, indicadores: Sequence[str], criterios: set[str], codigos: Mapping[str, str]
) -> tuple[CeldaMatriz, ...]:
    """Celdas de la matriz: las correspondencias de los indicadores del programa con criterios de la norma.

    Vía rápida de ``matriz-equivalencia.rq`` (mismas celdas, en el mismo orden): una consulta que
    empieza por los indicadores (``matriz-celdas``) y el armado aquí. Si una correspondencia repite
    una propiedad (dos estados, dos justificaciones…), da una celda por combinación, como las filas
    de la consulta de referencia.
    """
    if not indicadores:
        return ()
    res = consultas.catalogo().ejecutar(
        almacen, "matriz-celdas", {"indicadores": [URIRef(i) for i in dict.fromkeys(indicadores)]}
    )
    props: dict[tuple[str, str], dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
    valores: dict[str, list[Node]] = defaultdict(list)
    for f in res.filas:
        if str(f["propiedad"]) == str(REG.valor):  # aquí «correspondencia» es la valoración
            if f["valor"] not in valores[str(f["correspondencia"])]:
                valores[str(f["correspondencia"])].append(f["valor"])
        else:
            props[(str(f["correspondencia"]), str(f["indicador"]))][str(f["propiedad"])].append(f["valor"])
    claves = (
        str(REG.enMatriz),
        str(REG.valoracion),
        str(REG.estado),
        str(REG.justificacion),
        str(REG.justificacionMapeo),
        str(DCTERMS.creator),
        str(REG.revisor),
        str(DCTERMS.date),
        str(REG.confianza),
    )
    salida: list[CeldaMatriz] = []
    for (corr, ind), p in sorted(props.items()):
        for criterio in sorted({str(c) for c in p.get(str(REG.criterio), ())} & criterios):
            opciones = [sorted(p.get(k, ()), key=str) or [None] for k in claves]
            for matriz_, valoracion, estado, just, just_m, autor, revisor, fecha, confianza in product(
                *opciones
            ):
                for valor in sorted(valores.get(str(valoracion), ()), key=str) or [None]:
                    salida.append(
                        CeldaMatriz(
                            correspondencia=corr,
                            matriz=str(matriz_) if matriz_ is not None else None,
                            indicador=ind,
                            criterio=criterio,
                            valoracion=str(valoracion) if valoracion is not None else None,
                            codigo_valoracion=codigos.get(
                                str(valoracion or ""), _corto(str(valoracion or ""))
                            ),
                            valor=_decimal(valor) if valor is not None else None,
                            estado=str(estado) if estado is not None else None,
                            codigo_estado=_corto(str(estado or "")),
                            justificacion=str(just or ""),
                            justificacion_mapeo=str(just_m) if just_m is not None else None,
                            autor=str(autor or ""),
                            revisor=str(revisor or ""),
                            fecha=str(fecha or ""),
                            confianza=_decimal(confianza) if confianza is not None else None,
                        )
                    )
    return tuple(salida)


@dataclass(frozen=True)
class ValorEscala:
    valoracion: str
    codigo: str
    valor: Decimal
    etiqueta: str


def valores_escala(almacen: Almacen, regla_iri: str) -> tuple[ValorEscala, ...]:
    """Valores de la escala de una regla, del mayor al menor (códigos para hojas de cálculo)."""
    res = consultas.catalogo().ejecutar(almacen, "valores-de-escala", {"regla": URIRef(regla_iri)})
    return tuple(
        ValorEscala(
            str(f["valoracion"]), str(f.get("codigo", "")), _decimal(f["valor"]), str(f.get("etiqueta", ""))
        )
        for f in res.filas
    )


def resumen_programa(almacen: Almacen, programa: str, regla: str | None = None) -> tuple[FilaResumen, ...]:
    """Un programa frente a cada norma que alcanza alguno de sus indicadores (también por mapeos)."""
    prog = resolver(almacen, programa, CLASE_PROGRAMA, que="programa")
    la_regla = regla_aplicable(almacen, prog, regla)
    return _resumen_por_reglas(almacen, {la_regla.iri: [prog]})  # type: ignore[return-value]


def resumen_global(almacen: Almacen) -> tuple[FilaResumen, ...]:
    """Matriz resumen: cada par programa × norma con correspondencias, con la regla de cada programa.

    Los programas se agrupan por regla aplicable (institución > tipo > matriz); los datos se leen una
    vez para todos (``_resumen_rapido``) y cada grupo se calcula con su regla.
    """
    res = consultas.catalogo().ejecutar(almacen, "reglas-aplicables", {})
    por_programa: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for f in res.filas:
        por_programa[str(f["programa"])].append((int(f["prioridad"].toPython()), str(f["regla"])))
    por_regla: dict[str, list[str]] = defaultdict(list)
    for prog, opciones in por_programa.items():
        mejor = min(p for p, _ in opciones)
        reglas = sorted({r for p, r in opciones if p == mejor})
        if len(reglas) == 1:  # los ambiguos no tienen regla: no entran en el resumen
            por_regla[reglas[0]].append(prog)
    filas = _resumen_por_reglas(almacen, {r: sorted(progs) for r, progs in por_regla.items()})
    return tuple(sorted(filas, key=lambda f: (f.programa_codigo, f.estandar_codigo)))


# --- núcleo del cálculo ---------------------------------------------------------------------------------
def _evaluar(
    almacen: Almacen,
    programa: str,
    la_regla: Regla,
    unidades_c: Sequence[str],
    cert_por_unidad: Mapping[str, Sequence[str]],
    *,
    con_brechas: bool = True,
) -> tuple[list[ResultadoUnidad], list[Brecha], set[str]]:
    """Evalúa cada unidad de decisión del programa con las unidades certificadas C."""
    filas = _filas_indicadores(almacen, programa, la_regla, unidades_c)
    if not filas:
        raise NoEncontrado(
            f"El programa {_corto(programa)} no tiene módulos ni unidades que evaluar",
            detalle="Compruebe que el programa está publicado y tiene reg:tieneModulo.",
        )
    dimensiones = [d.dimension for d in la_regla.dimensiones] or [DIMENSION_CRITERIOS]
    orden_unidades: dict[str, str] = {}
    pesos_unidad: dict[str, Decimal] = {}
    indicadores: dict[str, dict[str, object]] = {}
    sin_peso: set[str] = set()
    usadas: set[str] = set()
    for f in filas:
        du = str(f["unidadDecision"])
        orden_unidades.setdefault(du, str(f["modulo"]))
        if "pesoUnidad" in f:
            pesos_unidad[du] = _decimal(f["pesoUnidad"])
        if "indicador" not in f:
            continue
        ind = str(f["indicador"])
        if "peso" not in f:
            sin_peso.add(du)
            continue
        datos = indicadores.setdefault(
            ind,
            {"du": du, "peso": _decimal(f["peso"]), "orden": _entero(f.get("orden")), "mejor": {}},
        )
        if "correspondencia" not in f:
            continue
        dim = str(f["dimension"])
        mejor: dict[str, Evidencia] = datos["mejor"]  # type: ignore[assignment]
        if (
            dim not in dimensiones or dim in mejor
        ):  # filas en orden: la primera de cada dimensión es el máximo
            continue
        unidad = str(f["unidad"])
        certificada = str(f["unidadCertificada"])
        usadas.update({unidad, certificada})
        if "mapeo" in f:
            usadas.add(str(f["mapeo"]))
        mejor[dim] = Evidencia(
            dimension=dim,
            valor=_decimal(f["valor"]),
            correspondencia=str(f["correspondencia"]),
            valoracion=str(f["valoracion"]),
            criterio=str(f["criterio"]),
            unidad=unidad,
            matriz=str(f["matriz"]) if "matriz" in f else None,
            cadena=Eslabon(
                unidad_certificada=certificada,
                certificados=tuple(cert_por_unidad.get(certificada, ())),
                unidad=unidad,
                mapeo=str(f["mapeo"]) if "mapeo" in f else None,
                predicado=str(f["predicado"]) if "predicado" in f else None,
                sentido=str(f["sentido"]) if "sentido" in f else None,
                factor=_decimal(f["factor"]),
            ),
        )
    if sin_peso:
        raise ReglaInaplicable(
            "No se puede ponderar: la regla pondera por "
            f"{_corto(la_regla.ponderacion)} y falta ese dato en "
            + ", ".join(sorted(_corto(u) for u in sin_peso)),
            detalle="Complete reg:creditos (o reg:horas / reg:horasTeoria y reg:horasPractica) "
            "en el programa.",
        )
    por_unidad: dict[str, list[ValorIndicador]] = {du: [] for du in orden_unidades}
    for ind, datos in indicadores.items():
        mejor = datos["mejor"]  # type: ignore[assignment]
        principal = mejor.get(dimensiones[0]) if not la_regla.por_dimensiones else _mejor_de(mejor.values())
        por_unidad[datos["du"]].append(  # type: ignore[index]
            ValorIndicador(
                indicador=ind,
                etiqueta="",
                orden=datos["orden"],  # type: ignore[arg-type]
                peso=datos["peso"],  # type: ignore[arg-type]
                valor=_valor_indicador(la_regla, mejor),
                evidencia=principal,
                por_dimension={d: mejor.get(d) for d in dimensiones} if la_regla.por_dimensiones else {},
            )
        )
    vacias = [du for du, inds in por_unidad.items() if not inds]
    if vacias:
        raise UnidadSinIndicadores(
            "Estas unidades de decisión no tienen indicadores de logro: "
            + ", ".join(_corto(u) for u in vacias),
            detalle="Una unidad sin indicadores no puede evaluarse (no es 100 % ni 0 %). Complete sus "
            "capacidades e indicadores en el programa y vuelva a enviarlo.",
        )
    resultados_ud = [
        _decidir_unidad(la_regla, du, orden_unidades[du], pesos_unidad.get(du), inds)
        for du, inds in por_unidad.items()
    ]
    brechas = _brechas(almacen, indicadores) if con_brechas else []
    return resultados_ud, brechas, usadas


Fila = Mapping[str, Node]
"""Una fila con las columnas de ``convalidacion-por-indicador.rq`` (las dos vías dan las mismas)."""


def _filas_sparql(almacen: Almacen, programa: str, la_regla: Regla, unidades_c: Sequence[str]) -> list[Fila]:
    """Vía de referencia: toda la metodología en una consulta (``convalidacion-por-indicador.rq``).

    Es la definición legible del cálculo y la que se usa para comprobar la vía rápida
    (``tests/equivalencias/test_via_rapida.py``), pero a escala nacional tarda segundos por decisión:
    el planificador de Oxigraph evalúa sus OPTIONAL, UNION y subconsultas sobre todo el registro.
    """
    params = {
        "programa": [URIRef(programa)],
        "regla": [URIRef(la_regla.iri)],
        "unidades": [URIRef(u) for u in unidades_c],
    }
    return list(consultas.catalogo().ejecutar(almacen, "convalidacion-por-indicador", params).filas)


_ENLACES_ARBOL = frozenset(
    str(p) for p in (REG.tieneModulo, REG.tieneUnidadDidactica, REG.tieneCapacidad, REG.tieneIndicador)
)
_ENLACE_DIMENSION = {
    str(REG.criterio): str(REG.DimensionCriterios),
    str(REG.actividad): str(REG.DimensionActividades),
    str(REG.conocimiento): str(REG.DimensionConocimientos),
}
_PRECEDENCIA_DIMENSION = (str(REG.actividad), str(REG.conocimiento), str(REG.criterio))
"""Si una correspondencia une el mismo elemento por varias propiedades, la dimensión es la primera
de esta lista (como el ``IF(EXISTS …)`` de la consulta de referencia)."""
_APROBADA = str(voc.ID["estado/aprobada"])
_FACTOR_DIRECTO = Decimal("1.0")


def _acotada(*predicados: URIRef) -> VistaAcotada:
    """``Vista.COMPLETA`` sin los grafos que no tienen ninguno de ``predicados`` (ver ``VistaAcotada``).

    Cada consulta de la decisión declara aquí TODOS los predicados de sus patrones: así la vista es
    exacta y el grafo por defecto deja fuera ontología, resultados, certificados… que no los usan
    (a escala nacional, cada búsqueda por índice costaba ~3× más con los 6 grafos).
    """
    return VistaAcotada(Vista.COMPLETA, frozenset(predicados))


_VISTA_ESTRUCTURA = _acotada(
    REG.tieneModulo,
    REG.tieneUnidadDidactica,
    REG.tieneCapacidad,
    REG.tieneIndicador,
    REG.creditos,
    REG.horas,
    REG.horasTeoria,
    REG.horasPractica,
    REG.peso,
)
_VISTA_ORDEN = _acotada(REG.orden)
_VISTA_ALCANCE = _acotada(
    REG.tieneUnidad, REG.unidadOrigen, REG.unidadDestino, REG.predicadoMapeo, REG.estado
)
_VISTA_ELEMENTOS = _acotada(REG.tieneCriterio, REG.tieneActividad, REG.tieneConocimiento)
_VISTA_CORRESPONDENCIAS = _acotada(
    REG.indicador, REG.criterio, REG.actividad, REG.conocimiento, REG.estado, REG.valoracion, REG.enMatriz
)
_VISTA_CUBRIMIENTO = _acotada(REG.indicador, REG.criterio, REG.estado, REG.valoracion, REG.valor)
_VISTA_UNIDADES_DE_ELEMENTOS = _acotada(
    REG.tieneCriterio, REG.tieneActividad, REG.tieneConocimiento, REG.tieneUnidad
)
_VISTA_ETIQUETAS = _acotada(REG.codigo, REG.numero, SKOS.prefLabel)
_VISTA_NORMAS = _acotada(REG.tieneUnidad)
"""Factor de una unidad certificada que cuenta por sí misma (``COALESCE(?factorMapeo, 1.0)``)."""


def _sparql_decimal(valor: Decimal) -> Decimal:
    """El resultado de una operación aritmética tal como lo escribe Oxigraph (``3.0 × 1`` → ``3``).

    Las dos vías deben dar decisiones idénticas, también en lo que se muestra (el acta escribe pesos y
    valores tal cual): Oxigraph da los decimales en forma canónica, sin ceros finales ni exponente.
    """
    return Decimal(format(valor.normalize(), "f"))


def _numero(t: Node | None) -> Decimal | None:
    """Valor numérico exacto de un literal, o ``None`` si falta o no es un número (como en SPARQL)."""
    if t is None:
        return None
    try:
        d = Decimal(str(t))
    except ArithmeticError:
        return None
    return d if d.is_finite() else None


def _filas_rapidas(almacen: Almacen, programa: str, la_regla: Regla, unidades_c: Sequence[str]) -> list[Fila]:
    """Vía rápida: las mismas filas que ``convalidacion-por-indicador.rq`` con tres consultas pequeñas.

    Cada consulta empieza por IRIs ya conocidos (``VALUES``) y solo lee aristas; la unión y la
    metodología (peso, alcance por mapeos aceptados con su factor, máximo por dimensión) se hacen aquí
    con aritmética exacta:

    1. ``convalidacion-estructura``: módulos, unidades didácticas, capacidades, indicadores, créditos,
       horas y pesos del programa, y ``convalidacion-orden``: el orden de los indicadores (aparte para
       que la estructura solo lea los grafos de las versiones, ver ``_acotada``);
    2. ``convalidacion-alcance``: unidades alcanzadas desde C (ella misma o por mapeos aprobados, con el
       predicado leído desde C), y ``convalidacion-elementos``: sus criterios, actividades y
       conocimientos;
    3. ``convalidacion-correspondencias``: correspondencias de los indicadores del programa.

    Más ``valores-de-escala`` (valor de cada valoración de la escala de la regla). A escala nacional
    (2,9 M tripletas) cada una tarda milisegundos; la consulta única, segundos.
    """
    cat = consultas.catalogo()
    aristas = cat.ejecutar(
        almacen, "convalidacion-estructura", {"programa": [URIRef(programa)]}, _VISTA_ESTRUCTURA
    ).filas
    hijos: dict[tuple[str, str], list[str]] = defaultdict(list)
    datos: dict[tuple[str, str], list[Node]] = defaultdict(list)
    for f in aristas:
        clave = (str(f["nodo"]), str(f["propiedad"]))
        if clave[1] in _ENLACES_ARBOL:
            hijos[clave].append(str(f["valor"]))
        else:
            datos[clave].append(f["valor"])
    for lista in hijos.values():
        lista.sort()
    todos = sorted({i for (_n, p), hs in hijos.items() if p == str(REG.tieneIndicador) for i in hs})
    if todos:
        for f in cat.ejecutar(
            almacen, "convalidacion-orden", {"indicadores": [URIRef(i) for i in todos]}, _VISTA_ORDEN
        ).filas:
            datos[(str(f["indicador"]), str(REG.orden))].append(f["orden"])

    def dato(nodo: str, propiedad: URIRef) -> Node | None:
        valores = datos.get((nodo, str(propiedad)))
        return min(valores, key=str) if valores else None

    def horas(nodo: str) -> Decimal | None:
        total = dato(nodo, REG.horas)
        if total is not None:
            return _numero(total)
        teoria, practica = dato(nodo, REG.horasTeoria), dato(nodo, REG.horasPractica)
        if teoria is None and practica is None:
            return None
        t, p = (
            _numero(teoria) if teoria is not None else Decimal(0),
            (_numero(practica) if practica is not None else Decimal(0)),
        )
        return None if t is None or p is None else _sparql_decimal(t + p)

    def base(contenedor: str) -> Decimal | None:
        if la_regla.ponderacion == str(REG.PonderacionCreditos):
            return _numero(dato(contenedor, REG.creditos))
        if la_regla.ponderacion == str(REG.PonderacionHoras):
            return horas(contenedor)
        return Decimal(1)

    def peso_unidad(du: str) -> Node | None:
        if la_regla.ponderacion == str(REG.PonderacionHoras):
            h = horas(du)
            total = dato(du, REG.horas)
            return total if total is not None else (Literal(h) if h is not None else None)
        return dato(du, REG.creditos)

    por_modulo = la_regla.unidad_decision == str(REG.ModuloFormativo)
    estructura: list[dict[str, Node]] = []
    indicadores: list[str] = []
    for modulo in hijos.get((programa, str(REG.tieneModulo)), []):
        uds = hijos.get((modulo, str(REG.tieneUnidadDidactica)), [])
        for contenedor in [modulo, *uds]:
            inds = list(
                dict.fromkeys(
                    i
                    for cap in hijos.get((contenedor, str(REG.tieneCapacidad)), [])
                    for i in hijos.get((cap, str(REG.tieneIndicador)), [])
                )
            )
            if not inds and contenedor == modulo and uds:
                continue  # el módulo con unidades didácticas no es contenedor de capacidades
            du = modulo if por_modulo else contenedor
            comun: dict[str, Node] = {
                "modulo": URIRef(modulo),
                "unidadDecision": URIRef(du),
                "contenedor": URIRef(contenedor),
            }
            pu = peso_unidad(du)
            if pu is not None:
                comun["pesoUnidad"] = pu
            if not inds:
                estructura.append(comun)
                continue
            b = base(contenedor)
            for ind in inds:
                fila = dict(comun, indicador=URIRef(ind))
                orden = dato(ind, REG.orden)
                if orden is not None:
                    fila["orden"] = orden
                propio = dato(ind, REG.peso)
                factor_propio = _numero(propio) if propio is not None else Decimal(1)
                if b is not None and factor_propio is not None:
                    fila["peso"] = Literal(_sparql_decimal(factor_propio * b))
                estructura.append(fila)
                indicadores.append(ind)
    candidatos = _candidatos(almacen, la_regla, unidades_c, list(dict.fromkeys(indicadores)))
    filas: list[Fila] = []
    for fila in estructura:
        filas.append(fila)
        ind = fila.get("indicador")
        if ind is not None:
            filas.extend(dict(fila, **c) for c in candidatos.get(str(ind), ()))
    filas.sort(key=_orden_fila)
    return filas


def _valores_escala(almacen: Almacen, regla_iri: str) -> Mapping[str, tuple[Decimal, ...]]:
    """Valores numéricos de cada valoración de la escala de la regla (``valores-de-escala``)."""
    escala: dict[str, list[Decimal]] = defaultdict(list)
    for v in consultas.catalogo().ejecutar(almacen, "valores-de-escala", {"regla": URIRef(regla_iri)}).filas:
        valor = _numero(v["valor"])
        if valor is not None:
            escala[str(v["valoracion"])].append(valor)
    return MappingProxyType({k: tuple(vs) for k, vs in escala.items()})


def _candidatos(
    almacen: Almacen, la_regla: Regla, unidades_c: Sequence[str], indicadores: Sequence[str]
) -> dict[str, list[dict[str, Node]]]:
    """Por indicador, cada correspondencia aprobada que lo une con un elemento de una unidad alcanzada."""
    if not unidades_c or not indicadores:
        return {}
    cat = consultas.catalogo()
    factores: dict[str, list[Decimal]] = defaultdict(list)
    for m in la_regla.mapeos:
        factores[m.predicado].append(m.factor)
    # elemento → caminos (unidad certificada, unidad alcanzada, mapeo, predicado, sentido, factor)
    caminos: dict[str, set[tuple[str, str, str | None, str | None, str | None, Decimal]]] = defaultdict(set)
    alcance = cat.ejecutar(
        almacen, "convalidacion-alcance", {"unidades": [URIRef(u) for u in unidades_c]}, _VISTA_ALCANCE
    )
    por_unidad: dict[str, set[tuple[str, str, str | None, str | None, str | None, Decimal]]] = defaultdict(
        set
    )
    for f in alcance.filas:
        cert, unidad = str(f["unidadCertificada"]), str(f["unidad"])
        if "mapeo" not in f:
            por_unidad[unidad].add((cert, unidad, None, None, None, _FACTOR_DIRECTO))
            continue
        predicado = str(f["predicado"])
        for factor in factores.get(predicado, ()):
            por_unidad[unidad].add((cert, unidad, str(f["mapeo"]), predicado, str(f["sentido"]), factor))
    if por_unidad:
        elementos_res = cat.ejecutar(
            almacen,
            "convalidacion-elementos",
            {"unidades": [URIRef(u) for u in sorted(por_unidad)]},
            _VISTA_ELEMENTOS,
        )
        for f in elementos_res.filas:
            caminos[str(f["elemento"])].update(por_unidad[str(f["unidad"])])
    if not caminos:
        return {}
    escala = almacen.recordar(("escala", la_regla.iri), lambda: _valores_escala(almacen, la_regla.iri))
    props: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    res = cat.ejecutar(
        almacen,
        "convalidacion-correspondencias",
        {"indicadores": [URIRef(i) for i in indicadores], "elementos": [URIRef(e) for e in sorted(caminos)]},
        _VISTA_CORRESPONDENCIAS,
    )
    for f in res.filas:
        props[(str(f["indicador"]), str(f["correspondencia"]))][str(f["propiedad"])].add(str(f["valor"]))
    salida: dict[str, list[dict[str, Node]]] = defaultdict(list)
    for (ind, corr), p in props.items():
        if _APROBADA not in p.get(str(REG.estado), ()):
            continue
        valoraciones = [(v, x) for v in sorted(p.get(str(REG.valoracion), ())) for x in escala.get(v, ())]
        if not valoraciones:
            continue
        matrices = sorted(p.get(str(REG.enMatriz), ()))
        elementos: dict[str, str] = {}
        for enlace in reversed(_PRECEDENCIA_DIMENSION):  # la de más precedencia escribe la última
            for e in p.get(enlace, ()):
                elementos[e] = _ENLACE_DIMENSION[enlace]
        vistos: set[tuple[object, ...]] = set()
        for elemento, dimension in elementos.items():
            for cert, unidad, mapeo, predicado, sentido, factor in caminos.get(elemento, ()):
                for valoracion, valor_escala in valoraciones:
                    for matriz in matrices or [None]:
                        clave = (
                            matriz,
                            valoracion,
                            dimension,
                            elemento,
                            unidad,
                            cert,
                            mapeo,
                            predicado,
                            sentido,
                            factor,
                            valor_escala,
                        )
                        if clave in vistos:
                            continue
                        vistos.add(clave)
                        c: dict[str, Node] = {
                            "correspondencia": URIRef(corr),
                            "valoracion": URIRef(valoracion),
                            "dimension": URIRef(dimension),
                            "criterio": URIRef(elemento),
                            "unidad": URIRef(unidad),
                            "unidadCertificada": URIRef(cert),
                            "factor": Literal(factor),
                            "valor": Literal(_sparql_decimal(valor_escala * factor)),
                        }
                        if matriz is not None:
                            c["matriz"] = URIRef(matriz)
                        if mapeo is not None:
                            c["mapeo"] = URIRef(mapeo)
                            c["predicado"] = URIRef(predicado or "")
                            c["sentido"] = Literal(sentido)
                        salida[ind].append(c)
    return salida


def _orden_fila(f: Fila) -> tuple[object, ...]:
    """``ORDER BY ?modulo ?unidadDecision ?orden ?indicador ?dimension DESC(?valor) ?mapeo ?correspondencia``.

    Como en SPARQL, lo no ligado va primero (y, en DESC, último); el orden se compara como número.
    """

    def asc(t: Node | None) -> tuple[int, str]:
        return (0, "") if t is None else (1, str(t))

    orden = _numero(f.get("orden"))
    valor = _numero(f.get("valor"))
    return (
        asc(f.get("modulo")),
        asc(f.get("unidadDecision")),
        (0, Decimal(0)) if orden is None else (1, orden),
        asc(f.get("indicador")),
        asc(f.get("dimension")),
        (1, Decimal(0)) if valor is None else (0, -valor),
        asc(f.get("mapeo")),
        asc(f.get("correspondencia")),
    )


_filas_indicadores = _filas_rapidas
"""Vía con la que se evalúa (las pruebas la cambian por ``_filas_sparql`` para comparar)."""


def _valor_indicador(la_regla: Regla, mejor: Mapping[str, Evidencia]) -> Decimal:
    """Valor que se muestra por indicador: el de criterios, o el ponderado por dimensiones."""
    if not la_regla.por_dimensiones:
        ev = mejor.get(DIMENSION_CRITERIOS)
        return ev.valor if ev else Decimal(0)
    total = sum((d.peso for d in la_regla.dimensiones), Decimal(0))
    if not total:
        return Decimal(0)
    suma = sum(
        (d.peso * (mejor[d.dimension].valor if mejor.get(d.dimension) else 0) for d in la_regla.dimensiones),
        Decimal(0),
    )
    return suma / total


def _mejor_de(evidencias: Iterable[Evidencia]) -> Evidencia | None:
    lista = sorted(evidencias, key=lambda e: e.valor, reverse=True)
    return lista[0] if lista else None


def _decidir_unidad(
    la_regla: Regla, du: str, modulo: str, peso_unidad: Decimal | None, inds: list[ValorIndicador]
) -> ResultadoUnidad:
    """Σ peso·v / Σ peso (o congruencia ponderada por dimensiones) y la decisión exacta."""
    inds.sort(key=lambda i: (i.orden if i.orden is not None else 10**9, i.indicador))
    suma_pesos = sum((Fraction(i.peso) for i in inds), Fraction(0))
    umbral = Fraction(la_regla.umbral)
    if suma_pesos == 0:
        raise ReglaInaplicable(
            f"Los indicadores de {_corto(du)} suman peso 0",
            detalle="Revise reg:peso de sus indicadores o los créditos/horas de la unidad.",
        )
    if not la_regla.por_dimensiones:
        pct = sum((Fraction(i.peso) * Fraction(i.valor) for i in inds), Fraction(0)) / suma_pesos
        return ResultadoUnidad(
            du, modulo, "", "", peso_unidad, pct, la_regla.umbral, pct >= umbral, tuple(inds)
        )
    dims = []
    for d in la_regla.dimensiones:
        suma = sum(
            (Fraction(i.peso) * Fraction(ev.valor) for i in inds if (ev := i.por_dimension.get(d.dimension))),
            Fraction(0),
        )
        dims.append(ValorDimension(d.dimension, _corto(d.dimension), suma / suma_pesos, d.minimo, d.peso))
    total_pesos = sum((Fraction(d.peso) for d in dims), Fraction(0))
    pct = (
        sum((Fraction(d.peso) * d.porcentaje for d in dims), Fraction(0)) / total_pesos
        if total_pesos
        else Fraction(0)
    )
    convalidable = pct >= umbral and all(d.cumple for d in dims)
    return ResultadoUnidad(
        du, modulo, "", "", peso_unidad, pct, la_regla.umbral, convalidable, tuple(inds), tuple(dims)
    )


def _agregar(la_regla: Regla, unidades: Sequence[ResultadoUnidad]) -> tuple[list[ResultadoModulo], Fraction]:
    """Porcentaje de cada módulo y del programa con la agregación de la regla (las dos se informan)."""
    por_modulo: dict[str, list[ResultadoUnidad]] = defaultdict(list)
    for u in unidades:
        por_modulo[u.modulo].append(u)
    modulos = []
    for mod, uds in por_modulo.items():
        pooled, media = _combinar(uds)
        elegido = media if la_regla.agregacion == _AGREGACION_MEDIA and media is not None else pooled
        modulos.append(
            ResultadoModulo(
                mod,
                "",
                "",
                elegido,
                pooled,
                media,
                tuple(u.unidad for u in uds),
                sum(u.convalidable for u in uds),
            )
        )
    pooled, media = _combinar(unidades)
    total = media if la_regla.agregacion == _AGREGACION_MEDIA and media is not None else pooled
    return modulos, total


def _combinar(uds: Sequence[ResultadoUnidad]) -> tuple[Fraction, Fraction | None]:
    """(indicadores agrupados, media ponderada por peso de unidad —créditos u horas—)."""
    pesos = sum((Fraction(i.peso) for u in uds for i in u.indicadores), Fraction(0))
    if (
        uds and uds[0].dimensiones
    ):  # por dimensiones, el «agrupado» pondera cada unidad por su peso de indicadores
        suma = sum(
            (u.porcentaje * sum((Fraction(i.peso) for i in u.indicadores), Fraction(0)) for u in uds),
            Fraction(0),
        )
    else:
        suma = sum((Fraction(i.peso) * Fraction(i.valor) for u in uds for i in u.indicadores), Fraction(0))
    pooled = suma / pesos if pesos else Fraction(0)
    if any(u.peso_unidad is None for u in uds):
        return pooled, None
    total_w = sum((Fraction(u.peso_unidad) for u in uds), Fraction(0))  # type: ignore[arg-type]
    media = (
        sum((Fraction(u.peso_unidad) * u.porcentaje for u in uds), Fraction(0)) / total_w if total_w else None
    )  # type: ignore[arg-type]
    return pooled, media


def _brechas(almacen: Almacen, indicadores: Mapping[str, Mapping[str, object]]) -> list[Brecha]:
    """Indicadores con v < 1, la correspondencia que documenta la brecha y qué los cubriría.

    v(i, C) ya está calculado (filas de ``convalidacion-por-indicador``); aquí solo se buscan las
    correspondencias aprobadas de esos indicadores que darían más (``convalidacion-cubrimiento``) y la
    unidad y la norma de sus criterios (``convalidacion-unidades-de-elementos``): lo mismo que
    ``cubrimiento-de-indicadores`` (la versión para analistas), en dos búsquedas más baratas.
    """
    valores: dict[str, Decimal] = {}
    for ind, datos in indicadores.items():
        ev = datos["mejor"].get(DIMENSION_CRITERIOS)  # type: ignore[attr-defined]
        v = ev.valor if ev else Decimal(0)
        if v < 1:
            valores[ind] = v
    if not valores:
        return []
    cat = consultas.catalogo()
    res = cat.ejecutar(
        almacen,
        "convalidacion-cubrimiento",
        {"indicadores": [URIRef(i) for i in valores]},
        _VISTA_CUBRIMIENTO,
    )
    mejores = [f for f in res.filas if _decimal(f["valor"]) > valores[str(f["indicador"])]]
    donde: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if mejores:
        for f in cat.ejecutar(
            almacen,
            "convalidacion-unidades-de-elementos",
            {"elementos": sorted({URIRef(f["criterio"]) for f in mejores})},
            _VISTA_UNIDADES_DE_ELEMENTOS,
        ).filas:
            donde[str(f["elemento"])].append((str(f["unidad"]), str(f["norma"])))
    cubren: dict[str, list[Cobertura]] = defaultdict(list)
    # El orden de ``cubrimiento-de-indicadores``: por indicador, de más a menos valor, luego norma,
    # unidad y criterio.
    for ind, valor, norma, unidad, criterio in sorted(
        (
            (str(f["indicador"]), _decimal(f["valor"]), norma, unidad, str(f["criterio"]))
            for f in mejores
            for unidad, norma in donde.get(str(f["criterio"]), ())
        ),
        key=lambda x: (x[0], -x[1], x[2], x[3], x[4]),
    ):
        cubren[ind].append(Cobertura(criterio, unidad, norma, valor))
    salida = []
    for ind, v in valores.items():
        ev = indicadores[ind]["mejor"].get(DIMENSION_CRITERIOS)  # type: ignore[attr-defined]
        salida.append(
            Brecha(
                indicador=ind,
                etiqueta="",
                unidad_decision=str(indicadores[ind]["du"]),
                valor=v,
                documentada=ev.correspondencia if ev else None,
                cubririan=tuple(dict.fromkeys(cubren.get(ind, ()))),
            )
        )
    return salida


def _resumen_referencia(almacen: Almacen, regla_iri: str, programas: Sequence[str]) -> list[FilaResumen]:
    """Referencia de una regla: numeradores por norma, denominadores por unidad y cobertura en SPARQL."""
    cat = consultas.catalogo()
    la_regla = regla(almacen, regla_iri)
    progs = [URIRef(p) for p in programas]
    base = cat.ejecutar(
        almacen, "convalidacion-por-unidad", {"programa": progs, "regla": [URIRef(regla_iri)], "unidades": []}
    )
    unidades: dict[str, list[tuple[str, Fraction, Decimal | None]]] = defaultdict(list)
    for f in base.filas:
        unidades[str(f["programa"])].append(
            (
                str(f["unidadDecision"]),
                Fraction(_decimal(f["sumaPesos"])),
                _decimal(f["pesoUnidad"]) if "pesoUnidad" in f else None,
            )
        )
    num = cat.ejecutar(
        almacen, "equivalencia-por-estandar", {"programa": progs, "regla": [URIRef(regla_iri)]}
    )
    numeradores: dict[tuple[str, str], dict[str, Fraction]] = defaultdict(dict)
    for f in num.filas:
        numeradores[(str(f["programa"]), str(f["estandar"]))][str(f["unidadDecision"])] = Fraction(
            _decimal(f["sumaPonderada"])
        )
    cob = cat.ejecutar(almacen, "cobertura-por-estandar", {"programa": progs})
    coberturas = {
        (str(f["programa"]), str(f["estandar"])): Fraction(_decimal(f["sumaCobertura"]))
        / int(f["criterios"].toPython())
        for f in cob.filas
    }
    pares = set(numeradores) | set(coberturas)
    codigos = _etiquetas(almacen, [*programas, *{e for _p, e in pares}], codigos=True)
    filas = [
        _fila_par(
            la_regla,
            prog,
            est,
            unidades.get(prog, []),
            numeradores.get((prog, est), {}),
            coberturas.get((prog, est)),
            codigos,
        )
        for prog, est in pares
    ]
    return sorted(filas, key=lambda f: (f.programa_codigo, f.estandar_codigo))


def _resumen_sparql(almacen: Almacen, grupos: Mapping[str, Sequence[str]]) -> list[FilaResumen]:
    """Vía de referencia del resumen: las tres consultas agregadas por cada regla (``_resumen_referencia``).

    Es la definición legible del cálculo y la que comprueba la vía rápida
    (``tests/equivalencias/test_resumen_rapido.py``), pero a escala nacional tarda minutos: el
    planificador de Oxigraph recorre todo el registro en ``equivalencia-por-estandar``.
    """
    filas: list[FilaResumen] = []
    for r, progs in sorted(grupos.items()):
        filas.extend(_resumen_referencia(almacen, r, progs))
    return filas


_LOTE_RESUMEN = 2_000
"""IRIs por bloque VALUES en las consultas del resumen contra un servidor (el texto de la consulta viaja
por HTTP). En Oxigraph embebido va un solo bloque: con miles de IRIs el planificador ya no recorre desde
cada una sino que une el bloque con un recorrido del predicado, y ese recorrido se paga una vez por
consulta (a 1/10 de la escala nacional, 9.600 indicadores: 11,3 s en lotes de 2.000, 3,9 s en uno)."""
_ENLACES_CRITERIO = frozenset({"criterio", "actividad-criterio"})
"""Enlaces unidad → elemento de ``reg:tieneActividad?/reg:tieneCriterio`` (los que cuenta la cobertura)."""
_NUMERO_UNO = Fraction(1)

Valor = Fraction | None
"""Un número de los datos o de una operación; ``None`` = sin ligar o error, como en SPARQL."""


@dataclass
class _DatosResumen:
    """Lo que el resumen lee del almacén, ya indexado; no depende de la regla (la regla se aplica luego)."""

    hijos: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    datos: dict[tuple[str, str], list[Node]] = field(default_factory=lambda: defaultdict(list))
    correspondencias: dict[str, dict[str, dict[str, set[str]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
    )
    """indicador → correspondencia APROBADA → propiedad (enlace, reg:valoracion, reg:estado) → valores."""
    elementos: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    """elemento → {(unidad, enlace)}."""
    normas: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """unidad → normas que la tienen."""
    mapeos: dict[str, set[tuple[str, str, str]]] = field(default_factory=lambda: defaultdict(set))
    """unidad alcanzada → {(unidad de la norma, predicado leído desde ella, sentido)}."""
    criterios: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """norma → sus criterios de desempeño."""
    valores: dict[str, list[Fraction]] = field(default_factory=lambda: defaultdict(list))
    esquemas: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _por_lotes(almacen: Almacen, consulta: str, parametro: str, iris: Iterable[str]) -> list[Fila]:
    """Ejecuta una consulta de lista por bloques de ``_LOTE_RESUMEN`` IRIs (VALUES), siempre en streaming."""
    from registro.almacen.oxigraph import AlmacenOxigraph

    cat = consultas.catalogo()
    lista = sorted(set(iris))
    tamano = max(1, len(lista)) if isinstance(almacen, AlmacenOxigraph) else _LOTE_RESUMEN
    filas: list[Fila] = []
    for i in range(0, len(lista), tamano):
        lote = [URIRef(x) for x in lista[i : i + tamano]]
        filas.extend(cat.ejecutar(almacen, consulta, {parametro: lote}).filas)
    return filas


def _leer_resumen(almacen: Almacen, programas: Sequence[str]) -> _DatosResumen:
    """Lee con consultas pequeñas (cada una empieza por IRIs ya conocidos) todo lo que el resumen usa.

    Orden: estructura de los programas → correspondencias de sus indicadores → unidades de los
    elementos que unen las aprobadas → normas de esas unidades y mapeos aprobados hacia ellas → normas
    del otro lado de los mapeos → criterios de cada norma y valores de las valoraciones. Ninguna
    consulta agrega ni recorre el registro entero: a escala nacional eso es lo que costaba minutos.
    """
    d = _DatosResumen()
    for f in _por_lotes(almacen, "resumen-estructura", "programas", programas):
        clave = (str(f["nodo"]), str(f["propiedad"]))
        if clave[1] in _ENLACES_ARBOL:
            d.hijos[clave].append(str(f["valor"]))
        else:
            d.datos[clave].append(f["valor"])
    for lista in d.hijos.values():
        lista.sort()
    indicadores = {v for (_n, p), vs in d.hijos.items() if p == str(REG.tieneIndicador) for v in vs}
    for f in _por_lotes(almacen, "resumen-correspondencias", "indicadores", indicadores):
        props = d.correspondencias[str(f["indicador"])][str(f["correspondencia"])]
        props[str(f["enlace"])].add(str(f["elemento"]))
        props[str(REG.valoracion)].add(str(f["valoracion"]))
        props[str(REG.estado)].add(_APROBADA)  # la consulta solo da las aprobadas
    aprobadas = [p for por_corr in d.correspondencias.values() for p in por_corr.values()]
    elementos = {e for p in aprobadas for enlace in _ENLACE_DIMENSION for e in p.get(enlace, ())}
    for f in _por_lotes(almacen, "resumen-elementos", "elementos", elementos):
        d.elementos[str(f["elemento"])].add((str(f["unidad"]), str(f["enlace"])))
    alcanzadas = {u for pares in d.elementos.values() for u, _e in pares}
    for f in _por_lotes(almacen, "resumen-mapeos", "unidades", alcanzadas):
        d.mapeos[str(f["unidad"])].add((str(f["otra"]), str(f["predicado"]), str(f["sentido"])))
    otras = {o for vs in d.mapeos.values() for o, _p, _s in vs}
    for f in _por_lotes(almacen, "resumen-normas-de-unidades", "unidades", alcanzadas | otras):
        d.normas[str(f["unidad"])].add(str(f["estandar"]))
    normas = {n for vs in d.normas.values() for n in vs}
    for f in _por_lotes(almacen, "resumen-criterios-de-norma", "estandares", normas):
        d.criterios[str(f["estandar"])].add(str(f["criterio"]))
    valoraciones = {v for p in aprobadas for v in p.get(str(REG.valoracion), ())}
    for f in _por_lotes(almacen, "resumen-valoraciones", "valoraciones", valoraciones):
        if str(f["propiedad"]) == str(REG.valor):
            numero = _numero(f["valor"])
            if numero is not None:
                d.valores[str(f["valoracion"])].append(Fraction(numero))
        else:
            d.esquemas[str(f["valoracion"])].add(str(f["valor"]))
    return d


def _resumen_rapido(almacen: Almacen, grupos: Mapping[str, Sequence[str]]) -> list[FilaResumen]:
    """Vía rápida del resumen: las mismas filas que ``_resumen_sparql`` con consultas planas y Python.

    ``grupos`` = regla → programas que la aplican. Los datos se leen una sola vez para todos los
    programas (``_leer_resumen``) y cada grupo se calcula con su regla (``_filas_resumen``), con la
    misma aritmética exacta y la misma semántica que las consultas agregadas de referencia.
    """
    reglas = {r: regla(almacen, r) for r in grupos}
    datos = _leer_resumen(almacen, sorted({p for progs in grupos.values() for p in progs}))
    escalas: dict[str, set[str]] = defaultdict(set)
    factores: dict[str, dict[str, set[Fraction]]] = defaultdict(lambda: defaultdict(set))
    for f in _por_lotes(almacen, "resumen-reglas", "reglas", grupos):
        r = str(f["regla"])
        if str(f["aspecto"]) == "escala":
            escalas[r].add(str(f["escala"]))
        else:
            factor = _numero(f["factor"])
            if factor is not None:
                factores[r][str(f["predicado"])].add(Fraction(factor))
    filas: list[FilaResumen] = []
    for r, progs in sorted(grupos.items()):
        filas.extend(_filas_resumen(almacen, datos, reglas[r], escalas[r], factores[r], progs))
    return filas


def _filas_resumen(
    almacen: Almacen,
    d: _DatosResumen,
    la_regla: Regla,
    escalas: set[str],
    factores: Mapping[str, set[Fraction]],
    programas: Sequence[str],
) -> list[FilaResumen]:
    """Numeradores por norma y unidad de decisión, denominadores por unidad y cobertura, como la referencia.

    Semántica que reproduce (la de ``convalidacion-por-unidad``, ``equivalencia-por-estandar`` y
    ``cobertura-por-estandar``):

    - peso de un indicador = ``reg:peso`` (1 si falta) × base del contenedor; cada valor de los datos
      da su propia fila (como los OPTIONAL); un dato ausente o no numérico deja el peso sin ligar;
    - denominador de una unidad = Σ de los pesos distintos (indicador, peso) de su grupo, incluido el
      «sin indicador» de un contenedor vacío; con un peso sin ligar, el SUM de Oxigraph da error y
      el COALESCE de la consulta lo deja en 0;
    - numerador (norma, unidad) = Σ peso · v(i, norma) sobre los indicadores con alguna
      correspondencia aprobada que alcanza la norma (v = máximo de valor·factor de las de criterios, 0
      si solo las hay de actividades o conocimientos);
    - cobertura = Σ por criterio de la norma del máximo valor (cualquier escala) / nº de criterios.
    """
    por_modulo = la_regla.unidad_decision == str(REG.ModuloFormativo)
    por_horas = la_regla.ponderacion == str(REG.PonderacionHoras)
    por_creditos = la_regla.ponderacion == str(REG.PonderacionCreditos)

    def numeros(nodo: str, propiedad: URIRef) -> list[Valor]:
        valores = d.datos.get((nodo, str(propiedad)))
        if not valores:
            return [None]
        return [Fraction(n) if (n := _numero(v)) is not None else None for v in valores]

    def presentes(nodo: str, propiedad: URIRef) -> list[tuple[bool, Valor]]:
        valores = d.datos.get((nodo, str(propiedad)))
        if not valores:
            return [(False, None)]
        return [(True, Fraction(n) if (n := _numero(v)) is not None else None) for v in valores]

    def horas(nodo: str) -> set[Valor]:
        """COALESCE(?horas, IF(BOUND(teoría) || BOUND(práctica), teoría + práctica, sin ligar))."""
        salida: set[Valor] = set()
        for (hay_total, total), (hay_t, t), (hay_p, p) in product(
            presentes(nodo, REG.horas), presentes(nodo, REG.horasTeoria), presentes(nodo, REG.horasPractica)
        ):
            if hay_total:
                salida.add(total)
            elif hay_t or hay_p:
                a = t if hay_t else Fraction(0)
                b = p if hay_p else Fraction(0)
                salida.add(None if a is None or b is None else a + b)
            else:
                salida.add(None)
        return salida

    def bases(contenedor: str) -> set[Valor]:
        if por_creditos:
            return set(numeros(contenedor, REG.creditos))
        if por_horas:
            return horas(contenedor)
        return {_NUMERO_UNO}

    def pesos_unidad(du: str) -> set[Valor]:
        return horas(du) if por_horas else set(numeros(du, REG.creditos))

    # v(i, norma) con la regla: escala, mapeos aceptados y sus factores.
    alcance: dict[str, set[tuple[str, Fraction]]] = {}

    def normas_que_alcanzan(unidad: str) -> set[tuple[str, Fraction]]:
        if unidad not in alcance:
            salida = {(n, _NUMERO_UNO) for n in d.normas.get(unidad, ())}
            for otra, predicado, _sentido in d.mapeos.get(unidad, ()):
                for factor in factores.get(predicado, ()):
                    salida.update((n, factor) for n in d.normas.get(otra, ()))
            alcance[unidad] = salida
        return alcance[unidad]

    valores_v: dict[str, dict[str, Fraction]] = {}

    def v_por_norma(indicador: str) -> dict[str, Fraction]:
        if indicador in valores_v:
            return valores_v[indicador]
        salida: dict[str, Fraction] = {}
        for p in d.correspondencias.get(indicador, {}).values():
            if _APROBADA not in p.get(str(REG.estado), ()):
                continue
            escala = [
                x
                for val in p.get(str(REG.valoracion), ())
                if d.esquemas.get(val, set()) & escalas
                for x in d.valores.get(val, ())
            ]
            if not escala:
                continue
            por_actividad = p.get(str(REG.actividad), set())
            por_conocimiento = p.get(str(REG.conocimiento), set())
            for enlace in _ENLACE_DIMENSION:
                for e in p.get(enlace, ()):
                    de_criterios = e not in por_actividad and e not in por_conocimiento
                    for unidad, _enlace in d.elementos.get(e, ()):
                        for norma, factor in normas_que_alcanzan(unidad):
                            v = max(x * factor for x in escala) if de_criterios else Fraction(0)
                            if norma not in salida or v > salida[norma]:
                                salida[norma] = v
        valores_v[indicador] = salida
        return salida

    def cobertura_de(indicador: str) -> dict[tuple[str, str], Fraction]:
        """(norma, criterio) → máximo valor de las correspondencias aprobadas por reg:criterio."""
        salida: dict[tuple[str, str], Fraction] = {}
        for p in d.correspondencias.get(indicador, {}).values():
            if _APROBADA not in p.get(str(REG.estado), ()):
                continue
            valores = [x for val in p.get(str(REG.valoracion), ()) for x in d.valores.get(val, ())]
            if not valores:
                continue
            maximo = max(valores)
            for c in p.get(str(REG.criterio), ()):
                for unidad, enlace in d.elementos.get(c, ()):
                    if enlace not in _ENLACES_CRITERIO:
                        continue
                    for norma in d.normas.get(unidad, ()):
                        clave = (norma, c)
                        if clave not in salida or maximo > salida[clave]:
                            salida[clave] = maximo
        return salida

    filas: list[FilaResumen] = []
    por_programa: list[tuple[str, list[tuple[str, Fraction, Valor]], dict, dict]] = []
    for prog in programas:
        grupos: dict[tuple[str, str], set[tuple[str | None, Valor]]] = defaultdict(set)
        todos_indicadores: set[str] = set()
        for modulo in d.hijos.get((prog, str(REG.tieneModulo)), []):
            uds = d.hijos.get((modulo, str(REG.tieneUnidadDidactica)), [])
            for contenedor in [modulo, *uds]:
                inds = {
                    i
                    for cap in d.hijos.get((contenedor, str(REG.tieneCapacidad)), [])
                    for i in d.hijos.get((cap, str(REG.tieneIndicador)), [])
                }
                todos_indicadores |= inds
                if not inds and contenedor == modulo and uds:
                    continue  # el módulo con unidades didácticas no es contenedor de capacidades
                grupo = grupos[(modulo, modulo if por_modulo else contenedor)]
                bs = bases(contenedor)
                if not inds:
                    grupo.update((None, b) for b in bs)
                for i in inds:
                    for propio in numeros(i, REG.peso) if (i, str(REG.peso)) in d.datos else [_NUMERO_UNO]:
                        for b in bs:
                            grupo.add((i, None if propio is None or b is None else propio * b))
        uds_prog: list[tuple[str, Fraction, Valor]] = []
        por_unidad: dict[str, dict[tuple[str, str], Fraction | None]] = defaultdict(dict)
        for (modulo, du), grupo in grupos.items():
            pesos = [peso for _i, peso in grupo]
            den = sum(pesos, Fraction(0)) if all(p is not None for p in pesos) else Fraction(0)  # type: ignore[arg-type]
            uds_prog.extend((du, den, w) for w in pesos_unidad(du))
            for i, peso in grupo:
                if i is None:
                    continue
                for norma, v in v_por_norma(i).items():
                    previo = por_unidad[norma].get((modulo, du), Fraction(0))
                    por_unidad[norma][(modulo, du)] = (
                        None if previo is None or peso is None else previo + peso * v
                    )
        numeradores: dict[str, dict[str, Fraction]] = {}
        for norma, sumas in por_unidad.items():
            por_du: dict[str, Fraction] = {}
            for (_modulo, du), suma in sorted(sumas.items(), key=lambda kv: kv[0]):  # ORDER BY ?modulo
                if suma is None:
                    raise ReglaInaplicable(
                        f"No se puede ponderar {_corto(du)}: la regla pondera por "
                        f"{_corto(la_regla.ponderacion)} y falta ese dato",
                        detalle="Complete reg:creditos (o reg:horas / reg:horasTeoria y reg:horasPractica) "
                        "en el programa.",
                    )
                por_du[du] = suma
            numeradores[norma] = por_du
        maximos: dict[tuple[str, str], Fraction] = {}
        for i in todos_indicadores:
            for clave, valor in cobertura_de(i).items():
                if clave not in maximos or valor > maximos[clave]:
                    maximos[clave] = valor
        suma_cobertura: dict[str, Fraction] = defaultdict(Fraction)
        for (norma, _c), valor in maximos.items():
            suma_cobertura[norma] += valor
        coberturas = {n: s / len(d.criterios[n]) for n, s in suma_cobertura.items() if d.criterios.get(n)}
        por_programa.append((prog, uds_prog, numeradores, coberturas))
    codigos = _etiquetas(
        almacen,
        [*programas, *{n for _p, _u, nums, cob in por_programa for n in (*nums, *cob)}],
        codigos=True,
    )
    for prog, uds, numeradores, coberturas in por_programa:
        for est in set(numeradores) | set(coberturas):
            filas.append(
                _fila_par(la_regla, prog, est, uds, numeradores.get(est, {}), coberturas.get(est), codigos)
            )
    return sorted(filas, key=lambda f: (f.programa_codigo, f.estandar_codigo))


def _fila_par(
    la_regla: Regla,
    prog: str,
    est: str,
    uds: Sequence[tuple[str, Fraction, Fraction | Decimal | None]],
    nums: Mapping[str, Fraction],
    cobertura: Fraction | None,
    codigos: Mapping[str, str],
) -> FilaResumen:
    """Fila del resumen de un par programa × norma (la misma en la vía rápida y en la de referencia)."""
    conv, total = _agregar_par(
        uds, nums, Fraction(la_regla.umbral), la_regla.agregacion == _AGREGACION_MEDIA
    )
    return FilaResumen(
        programa=prog,
        programa_codigo=codigos.get(prog, _corto(prog)),
        estandar=est,
        estandar_codigo=codigos.get(est, _corto(est)),
        regla=la_regla.iri,
        unidades_decision=len(uds),
        convalidables=conv,
        porcentaje=total,
        cobertura=cobertura,
    )


def _agregar_par(
    uds: Sequence[tuple[str, Fraction, Fraction | Decimal | None]],
    nums: Mapping[str, Fraction],
    umbral: Fraction,
    agregacion_media: bool,
) -> tuple[int, Fraction]:
    """Convalidables y porcentaje de un par programa × norma a partir de sus unidades de decisión.

    ``uds`` son ``(unidad, denominador, peso)``; ``nums``, el numerador de cada unidad frente a la norma.
    Agrupado = Σ numeradores / Σ denominadores; media ponderada = Σ peso·porcentaje / Σ peso, solo si
    todas las unidades tienen peso (si no, se usa el agrupado). Compartido por la vía rápida y la de
    referencia: así las pruebas que comparan las dos comparan sus consultas, con la misma aritmética.
    """
    conv = 0
    suma_num = suma_den = suma_media = suma_w = Fraction(0)
    media_ok = True
    for du, den, w in uds:
        n = nums.get(du, Fraction(0))
        pct = n / den if den else Fraction(0)
        conv += bool(den) and n >= umbral * den
        suma_num += n
        suma_den += den
        if w is None:
            media_ok = False
        else:
            suma_media += Fraction(w) * pct
            suma_w += Fraction(w)
    pooled = suma_num / suma_den if suma_den else Fraction(0)
    media = suma_media / suma_w if media_ok and suma_w else None
    return conv, media if agregacion_media and media is not None else pooled


_resumen_por_reglas = _resumen_rapido
"""Vía con la que se calcula el resumen (las pruebas la cambian por ``_resumen_sparql`` para comparar)."""


# --- auxiliares -------------------------------------------------------------------------------------------
def _avisos_certificados(certs: Sequence[Certificado]) -> list[str]:
    avisos = []
    for c in certs:
        if c.vencido:
            avisos.append(
                f"El certificado {c.codigo} venció el {c.vigente_hasta:%d/%m/%Y} y NO se tiene en cuenta: "
                "la persona debe renovarlo o presentar uno vigente."
            )
        if c.version_desactualizada:
            avisos.append(
                f"El certificado {c.codigo} certifica la norma {c.norma_codigo or _corto(c.norma or '')}"
                f"{' versión ' + c.norma_version if c.norma_version else ''}, que ya tiene una versión más "
                f"nueva vigente ({', '.join(c.normas_nuevas)}): se tiene en cuenta, pero la comisión debe "
                "valorar los cambios entre versiones."
            )
        if not c.unidades:
            avisos.append(
                f"El certificado {c.codigo} no indica unidades certificadas ni una norma con unidades."
            )
    return avisos


def _etiquetas(almacen: Almacen, recursos: Iterable[str], *, codigos: bool = False) -> dict[str, str]:
    """Etiqueta legible de cada recurso («código — enunciado»); con ``codigos``, solo el código."""
    lista = [URIRef(r) for r in dict.fromkeys(r for r in recursos if r)]
    if not lista:
        return {}
    # Lo mismo que ``etiquetas.rq`` en dos consultas de aristas sin OPTIONAL ni GROUP BY, cada una con su
    # grafo por defecto acotado (a escala nacional, ~60 → ~15 ms por decisión). Si un recurso tiene
    # varios valores, se elige el menor (``SAMPLE`` elegía uno cualquiera).
    cat = consultas.catalogo()
    valores: dict[tuple[str, str], list[Node]] = defaultdict(list)
    for f in cat.ejecutar(almacen, "convalidacion-etiquetas", {"recursos": lista}, _VISTA_ETIQUETAS).filas:
        valores[(str(f["recurso"]), str(f["propiedad"]))].append(f["valor"])
    normas: dict[str, list[str]] = defaultdict(list)
    if not codigos:
        for f in cat.ejecutar(almacen, "convalidacion-normas", {"recursos": lista}, _VISTA_NORMAS).filas:
            normas[str(f["recurso"])].append(str(f["norma"]))

    def uno(r: str, propiedad: URIRef) -> Node | None:
        vs = valores.get((r, str(propiedad)))
        return min(vs, key=str) if vs else None

    salida: dict[str, str] = {}
    for recurso in lista:
        r = str(recurso)
        codigo = str(uno(r, REG.codigo) or uno(r, REG.numero) or "")
        etiqueta = str(uno(r, SKOS.prefLabel) or "")
        if codigos:
            salida[r] = codigo or _corto(r)
            continue
        salida[r] = " — ".join(x for x in (codigo, etiqueta) if x) or _corto(r)
        if codigo:
            salida[f"codigo:{r}"] = codigo
        if normas.get(r):
            salida[f"norma:{r}"] = min(normas[r])
    return salida


def _versiones_usadas(almacen: Almacen, recursos: Iterable[str]) -> tuple[str, ...]:
    """Versiones vigentes de envío de las que depende la decisión (para PROV y para marcarla desactualizada).

    Sin conjunto de datos (``Vista.TODO``): la consulta lo nombra todo con ``GRAPH`` y filtra por
    ``grafo:registro``; con una vista, un almacén remoto tendría que enviar la lista de todas las versiones.
    """
    lista = [URIRef(r) for r in dict.fromkeys(recursos) if r]
    res = consultas.catalogo().ejecutar(
        almacen, "convalidacion-versiones", {"recursos": lista}, Vista.TODO
    )
    return tuple(sorted({str(f["grafo"]) for f in res.filas}))


def _criterios_usados(unidades: Iterable[ResultadoUnidad]) -> list[str]:
    salida = []
    for u in unidades:
        for i in u.indicadores:
            evs = [i.evidencia, *i.por_dimension.values()]
            for ev in evs:
                if ev is not None:
                    salida += [ev.criterio, ev.unidad, ev.cadena.unidad_certificada]
                    if ev.cadena.mapeo:
                        salida.append(ev.cadena.mapeo)
    return salida


def _con_etiqueta(u: ResultadoUnidad, etiquetas: Mapping[str, str]) -> ResultadoUnidad:
    inds = tuple(
        _reemplazar(i, etiqueta=etiquetas.get(i.indicador, _corto(i.indicador))) for i in u.indicadores
    )
    return _reemplazar(
        u,
        codigo=etiquetas.get(f"codigo:{u.unidad}", _corto(u.unidad)),
        etiqueta=etiquetas.get(u.unidad, _corto(u.unidad)),
        indicadores=inds,
    )


def _modulo_con_etiqueta(m: ResultadoModulo, etiquetas: Mapping[str, str]) -> ResultadoModulo:
    return _reemplazar(
        m,
        codigo=etiquetas.get(f"codigo:{m.modulo}", _corto(m.modulo)),
        etiqueta=etiquetas.get(m.modulo, _corto(m.modulo)),
    )


def _brecha_con_etiqueta(b: Brecha, etiquetas: Mapping[str, str]) -> Brecha:
    return _reemplazar(b, etiqueta=etiquetas.get(b.indicador, _corto(b.indicador)))


def _con_motivo(r: Regla, motivo: str) -> Regla:
    return _reemplazar(r, motivo=motivo)


def _reemplazar(obj, **cambios):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(obj, **cambios)


def _decimal(t: Node | None, por_defecto: Decimal | None = None) -> Decimal:
    """Decimal exacto desde el lexical de un literal (nunca pasa por ``float``)."""
    if t is None:
        if por_defecto is None:
            raise ReglaInaplicable("Falta un valor numérico en los datos")
        return por_defecto
    return Decimal(str(t))


def _entero(t: Node | None) -> int | None:
    try:
        return int(str(t)) if t is not None else None
    except ValueError:
        return None


def _fecha(t: Node | None) -> date | None:
    if t is None:
        return None
    try:
        return date.fromisoformat(str(t)[:10])
    except ValueError:
        return None


def _corto(iri: str | URIRef) -> str:
    """Último segmento de un IRI (o el nombre local tras «#»), para mensajes."""
    texto = str(iri)
    return texto.rsplit("#", 1)[-1] if "#" in texto else texto.rstrip("/").rsplit("/", 1)[-1]
