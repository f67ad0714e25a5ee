"""Sugerencias de correspondencias indicador ↔ criterio por similitud de textos en español.

El analista arma la matriz a mano; el registro le propone candidatos ordenados para no empezar de
cero. Cómo se comparan los textos (todo en Python puro, sin modelos externos):

1. normalización: minúsculas, sin tildes ni diéresis (``configuración`` = ``configuracion``), solo
   letras y dígitos;
2. palabras vacías del español fuera (artículos, preposiciones, conectores y verbos de relleno
   frecuentes en enunciados de competencias);
3. un lematizador ligero (``raiz``): quita sufijos flexivos y derivativos frecuentes (plurales,
   «-ción/-ciones», «-mente», «-ando/-iendo», «-ado/-ido», terminaciones verbales) para que
   «instala», «instalación» e «instalando» compartan raíz;
4. TF-IDF (idf suavizado sobre los textos del par norma–programa) y coseno.

Cada sugerencia se guarda como ``reg:Correspondencia`` con estado ``id:estado/sugerida``,
``reg:justificacionMapeo semapv:LexicalMatching`` y ``reg:confianza`` = similitud (0–1). Una sugerida
nunca cuenta en una decisión: solo cuando un analista la aprueba (``aprobar``) con una valoración.
Aprobar o rechazar publica una versión nueva del conjunto de la matriz por la ingesta.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from registro import conjuntos, consultas, ingesta
from registro import equivalencias as eq
from registro import vocabulario as voc
from registro.almacen.base import Almacen
from registro.errores import ConflictoEstado, EntradaInvalida, NoEncontrado
from registro.vocabulario import REG, SEMAPV

_VACIAS = frozenset(
    [
        "a",
        "al",
        "ante",
        "bajo",
        "con",
        "contra",
        "de",
        "del",
        "desde",
        "durante",
        "e",
        "el",
        "en",
        "entre",
        "hacia",
        "hasta",
        "la",
        "las",
        "lo",
        "los",
        "mediante",
        "o",
        "para",
        "por",
        "segun",
        "sin",
        "sobre",
        "tras",
        "u",
        "un",
        "una",
        "unas",
        "unos",
        "y",
        "ya",
        "que",
        "se",
        "su",
        "sus",
        "sus",
        "le",
        "les",
        "es",
        "son",
        "ser",
        "esta",
        "este",
        "estos",
        "estas",
        "ese",
        "esa",
        "esos",
        "esas",
        "como",
        "cuando",
        "donde",
        "cual",
        "cuales",
        "mas",
        "muy",
        "otro",
        "otra",
        "otros",
        "otras",
        "cada",
        "todo",
        "toda",
        "todos",
        "todas",
        "segun",
        "asi",
        "tambien",
        "etc",
        "acuerdo",
        "caso",
        "forma",
        "manera",
        "tipo",
        "tipos",
        "base",
        "conforme",
        "respectivo",
        "respectiva",
        "correspondiente",
        "correspondientes",
        "establecido",
        "establecidos",
        "establecida",
        "establecidas",
        "vigente",
        "vigentes",
    ]
)
_SUFIJOS = (
    "aciones",
    "iciones",
    "amientos",
    "imientos",
    "amiento",
    "imiento",
    "acion",
    "icion",
    "aciones",
    "mente",
    "idades",
    "idad",
    "ables",
    "ibles",
    "able",
    "ible",
    "ancias",
    "encias",
    "ancia",
    "encia",
    "adoras",
    "adores",
    "adora",
    "ador",
    "ando",
    "iendo",
    "yendo",
    "adas",
    "idas",
    "ados",
    "idos",
    "ada",
    "ida",
    "ado",
    "ido",
    "ar",
    "er",
    "ir",
    "an",
    "en",
    "as",
    "es",
    "os",
    "a",
    "e",
    "o",
    "s",
)
_PALABRA = re.compile(r"[a-z0-9]+")


def normalizar(texto: str) -> str:
    """Minúsculas sin tildes: «Configuración» → «configuracion»."""
    descompuesto = unicodedata.normalize("NFD", texto.lower())
    return "".join(c for c in descompuesto if not unicodedata.combining(c))


@cache
def raiz(palabra: str) -> str:
    """Lematizador ligero: quita el sufijo más largo que deje una raíz de 4 letras o más."""
    for sufijo in _SUFIJOS:
        if palabra.endswith(sufijo) and len(palabra) - len(sufijo) >= 4:
            return palabra[: -len(sufijo)]
    return palabra


def terminos(texto: str) -> list[str]:
    """Raíces de las palabras con contenido de un texto."""
    return [raiz(p) for p in _PALABRA.findall(normalizar(texto)) if p not in _VACIAS and len(p) > 2]


def _vectores(textos: Sequence[str]) -> list[dict[str, float]]:
    """TF-IDF normalizado (idf suavizado) de cada texto."""
    bolsas = [Counter(terminos(t)) for t in textos]
    df: Counter[str] = Counter()
    for b in bolsas:
        df.update(b.keys())
    n = len(bolsas)
    vectores = []
    for b in bolsas:
        v = {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in b.items()}
        norma = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectores.append({t: x / norma for t, x in v.items()})
    return vectores


def similitud(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())


@dataclass(frozen=True)
class Sugerencia:
    indicador: str
    texto_indicador: str
    criterio: str
    texto_criterio: str
    confianza: Decimal
    puesto: int
    """1 = el criterio más parecido para ese indicador."""


def sugerir(
    almacen: Almacen,
    estandar: str,
    programa: str,
    *,
    por_indicador: int = 3,
    minimo: float = 0.10,
    guardar: bool = False,
    agente: str | None = None,
) -> tuple[Sugerencia, ...]:
    """Para cada indicador del programa, los criterios de la norma más parecidos (hasta ``por_indicador``).

    Se omiten los pares que ya tienen una correspondencia (cualquier estado): no se vuelve a sugerir lo
    que un analista ya aprobó o rechazó. Con ``guardar`` se publican como correspondencias sugeridas.
    """
    est = eq.resolver(almacen, estandar, eq.CLASE_NORMA, que="estándar o perfil")
    prog = eq.resolver(almacen, programa, eq.CLASE_PROGRAMA, que="programa")
    indicadores, criterios = _textos(almacen, est, prog)
    existentes = {(c.indicador, c.criterio) for c in _celdas(almacen, est, prog)}
    sugerencias = _ranking(indicadores, criterios, por_indicador, minimo, existentes)
    if guardar and sugerencias:
        _guardar(almacen, est, prog, sugerencias, agente)
    return tuple(sugerencias)


def _ranking(
    indicadores: Sequence[tuple[str, str]],
    criterios: Sequence[tuple[str, str]],
    por_indicador: int,
    minimo: float,
    existentes: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
) -> list[Sugerencia]:
    vectores = _vectores([t for _i, t in indicadores] + [t for _c, t in criterios])
    v_ind, v_crit = vectores[: len(indicadores)], vectores[len(indicadores) :]
    salida = []
    for (ind, texto_ind), vi in zip(indicadores, v_ind, strict=True):
        puntuados = sorted(
            (
                (similitud(vi, vc), crit, texto_crit)
                for (crit, texto_crit), vc in zip(criterios, v_crit, strict=True)
            ),
            key=lambda x: (-x[0], x[1]),
        )
        puesto = 0
        for score, crit, texto_crit in puntuados:
            if score < minimo or puesto >= por_indicador:
                break
            puesto += 1
            if (ind, crit) in existentes:
                continue
            salida.append(Sugerencia(ind, texto_ind, crit, texto_crit, Decimal(str(round(score, 3))), puesto))
    return salida


def ranking_de_textos(
    indicadores: Sequence[tuple[str, str]], criterios: Sequence[tuple[str, str]], por_indicador: int = 3
) -> list[Sugerencia]:
    """Ranking puro (sin almacén) para el benchmark y las pruebas."""
    return _ranking(indicadores, criterios, por_indicador, 0.0)


def aprobar(
    almacen: Almacen,
    correspondencia: str,
    valoracion: str,
    autor: str,
    *,
    justificacion: str | None = None,
    agente: str | None = None,
) -> ingesta.ResultadoEnvio:
    """Aprueba una correspondencia con una valoración (código o IRI): versión nueva de la matriz."""
    return _revisar(
        almacen,
        correspondencia,
        "aprobada",
        autor,
        valoracion=valoracion,
        justificacion=justificacion,
        agente=agente,
    )


def rechazar(
    almacen: Almacen,
    correspondencia: str,
    autor: str,
    *,
    justificacion: str | None = None,
    agente: str | None = None,
) -> ingesta.ResultadoEnvio:
    """Rechaza una correspondencia (se conserva como registro); versión nueva de la matriz."""
    return _revisar(almacen, correspondencia, "rechazada", autor, justificacion=justificacion, agente=agente)


# --- internos ----------------------------------------------------------------------------------------
def _textos(almacen: Almacen, est: str, prog: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    cat = consultas.catalogo()
    crit = cat.ejecutar(almacen, "unidades-y-criterios-de-estandar", {"estandar": URIRef(est)}).filas
    ind = cat.ejecutar(almacen, "modulos-e-indicadores-de-programa", {"programa": URIRef(prog)}).filas
    criterios = list(
        dict.fromkeys((str(f["criterio"]), str(f.get("enunciado", ""))) for f in crit if "enunciado" in f)
    )
    indicadores = list(
        dict.fromkeys((str(f["indicador"]), str(f.get("enunciado", ""))) for f in ind if "enunciado" in f)
    )
    if not criterios or not indicadores:
        raise NoEncontrado(
            "No hay textos que comparar",
            detalle=f"La norma tiene {len(criterios)} criterios con enunciado y el programa "
            f"{len(indicadores)} indicadores.",
        )
    return indicadores, criterios


def _celdas(almacen: Almacen, est: str, prog: str) -> Iterable[eq.CeldaMatriz]:
    res = consultas.catalogo().ejecutar(
        almacen, "matriz-equivalencia", {"estandar": URIRef(est), "programa": URIRef(prog)}
    )
    for f in res.filas:
        yield eq.CeldaMatriz(
            str(f["correspondencia"]),
            None,
            str(f["indicador"]),
            str(f["criterio"]),
            None,
            "",
            None,
            None,
            "",
            "",
            None,
            "",
            "",
            "",
            None,
        )


def _matriz_del_par(almacen: Almacen, est: str, prog: str) -> str | None:
    res = almacen.consultar(
        "PREFIX reg: <https://w3id.org/registro/ontologia#>\n"
        "SELECT ?m WHERE { ?m a reg:MatrizEquivalencia ; reg:estandar ?e ; reg:programa ?p } ORDER BY ?m",
        {"e": URIRef(est), "p": URIRef(prog)},
    )
    matrices = [str(f["m"]) for f in res.filas]
    return matrices[0] if matrices else None


def _guardar(
    almacen: Almacen, est: str, prog: str, sugerencias: Sequence[Sugerencia], agente: str | None
) -> None:
    regla = eq.regla_aplicable(almacen, prog)
    tope = max(eq.valores_escala(almacen, regla.iri), key=lambda v: v.valor)
    matriz = _matriz_del_par(almacen, est, prog)
    institucion = voc.codigo_institucion_de(prog) or ""
    if matriz is not None:
        conjunto = conjuntos.conjunto_de(almacen, matriz)
        grafo = conjuntos.grafo_vigente(almacen, conjunto)
        m = URIRef(matriz)
    else:
        codigo = f"M-{est.rsplit('/', 1)[-1]}-{prog.rsplit('/', 1)[-1]}"
        m, grafo = conjuntos.nueva_matriz(institucion, codigo, est, prog, regla.iri)
        conjunto = conjuntos.Conjunto(institucion, f"matriz-{codigo}"[:120], "")
    n = conjuntos.siguiente_numero(grafo, m)
    hoy = Literal(date.today().isoformat(), datatype=XSD.date)
    for s in sugerencias:
        c = voc.correspondencia(str(m), n)
        n += 1
        grafo.add((c, RDF.type, REG.Correspondencia))
        grafo.add((c, REG.enMatriz, m))
        grafo.add((c, REG.indicador, URIRef(s.indicador)))
        grafo.add((c, REG.criterio, URIRef(s.criterio)))
        grafo.add((c, REG.valoracion, URIRef(tope.valoracion)))  # propuesta; el analista la fija al aprobar
        grafo.add((c, REG.estado, voc.estado("sugerida")))
        grafo.add((c, REG.justificacionMapeo, SEMAPV.LexicalMatching))
        grafo.add((c, REG.confianza, Literal(s.confianza, datatype=XSD.decimal)))
        grafo.add((c, DCTERMS.creator, Literal("sugeridor automático del registro (similitud de textos)")))
        grafo.add((c, DCTERMS.date, hoy))
    resultado = conjuntos.republicar(almacen, conjunto, grafo, agente=agente)
    _exigir_aceptado(resultado)


def _revisar(
    almacen: Almacen,
    correspondencia: str,
    estado: str,
    autor: str,
    *,
    valoracion: str | None = None,
    justificacion: str | None = None,
    agente: str | None = None,
) -> ingesta.ResultadoEnvio:
    if not autor.strip():
        raise EntradaInvalida("Indique quién revisa la correspondencia (autor)")
    c = URIRef(correspondencia)
    conjunto = conjuntos.conjunto_de(almacen, correspondencia)
    grafo = conjuntos.grafo_vigente(almacen, conjunto)
    if (c, RDF.type, REG.Correspondencia) not in grafo:
        raise NoEncontrado(f"No existe la correspondencia {correspondencia}")
    actual = grafo.value(c, REG.estado)
    if actual == voc.estado(estado):
        raise ConflictoEstado(f"La correspondencia ya está {estado}")
    if valoracion is not None:
        grafo.set((c, REG.valoracion, URIRef(_valoracion(almacen, grafo, c, valoracion))))
    confianza = grafo.value(c, REG.confianza)
    grafo.set((c, REG.estado, voc.estado(estado)))
    grafo.set((c, REG.revisor, Literal(autor.strip())))
    grafo.set((c, DCTERMS.date, Literal(date.today().isoformat(), datatype=XSD.date)))
    texto = justificacion or (
        f"{'Aprobada' if estado == 'aprobada' else 'Rechazada'} por {autor.strip()} "
        "tras revisar la sugerencia" + (f" (similitud {confianza})" if confianza is not None else "")
    )
    grafo.set((c, REG.justificacion, Literal(texto, lang="es")))
    resultado = conjuntos.republicar(almacen, conjunto, grafo, agente=agente)
    _exigir_aceptado(resultado)
    return resultado


def _valoracion(almacen: Almacen, grafo, c: URIRef, valoracion: str) -> str:  # type: ignore[no-untyped-def]
    matriz = grafo.value(c, REG.enMatriz)
    regla = grafo.value(matriz, REG.regla) if matriz is not None else None
    if regla is None:
        regla_iri = eq.regla_aplicable(almacen, str(_programa_de(almacen, grafo, c))).iri
    else:
        regla_iri = str(regla)
    escala = eq.valores_escala(almacen, regla_iri)
    for v in escala:
        if valoracion in (v.valoracion, v.codigo) or valoracion.lower() == v.codigo.lower():
            return v.valoracion
    raise EntradaInvalida(
        f"Valoración desconocida: «{valoracion}»",
        detalle="Use una de: " + ", ".join(v.codigo for v in escala) + ".",
    )


def _programa_de(almacen: Almacen, grafo, c: URIRef) -> str:  # type: ignore[no-untyped-def]
    matriz = grafo.value(c, REG.enMatriz)
    programa = grafo.value(matriz, REG.programa) if matriz is not None else None
    if programa is None:
        raise EntradaInvalida("La correspondencia no está en una matriz con programa: indique la regla")
    return str(programa)


def _exigir_aceptado(resultado: ingesta.ResultadoEnvio) -> None:
    if not resultado.aceptado:
        from registro.errores import NoConforme

        raise NoConforme(
            "La versión nueva de la matriz no es conforme; no se publicó",
            informe=resultado.informe,
            detalle=resultado.informe.texto(),
        )
