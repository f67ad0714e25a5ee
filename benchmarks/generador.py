"""Generador sintético del registro a escala nacional, determinista con una semilla.

Produce datos con la forma del registro real (docs/modelo.md): estándares de competencia con unidades
y criterios, programas de estudios con módulos, unidades didácticas, capacidades e indicadores, y
matrices de equivalencia con correspondencias aprobadas. Cada conjunto va en su propio grafo de
versión (``grafo:envio/{inst}/{clave}/v1``) registrado como vigente y público en ``grafo:registro``,
igual que lo dejaría ``ingesta.enviar``; las instituciones sintéticas se registran en un grafo propio
(``grafo:sintetico/instituciones``), también vigente.

Para ser rápido escribe **texto N-Quads directamente** (sin rdflib) y lo carga con la vía masiva del
almacén (``pyoxigraph.Store.bulk_load``). Otros benchmarks lo reutilizan::

    from benchmarks.generador import Escala, poblar, programa_turtle
    resumen = poblar(almacen, Escala.para_tripletas(1_000_000), semilla=7)

Uso directo: ``python benchmarks/generador.py --tripletas 1000000 --salida sintetico.nq``.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

BASE = "https://w3id.org/registro/"
ID = BASE + "id/"
REG = BASE + "ontologia#"
GRAFO = BASE + "grafo/"
GRAFO_REGISTRO = GRAFO + "registro"
GRAFO_INSTITUCIONES = GRAFO + "sintetico/instituciones"
GRAFO_ENVIO = GRAFO + "envio/"
GRAFO_VIGENTE_PUBLICO = GRAFO + "vigente/publico"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"

FECHA = "2026-01-01T00:00:00Z"
"""Fecha fija de las versiones sintéticas (determinismo)."""

_VERBOS = ("Instalar", "Configurar", "Diagnosticar", "Reparar", "Mantener", "Verificar", "Documentar",
           "Planificar", "Medir", "Supervisar", "Ensamblar", "Probar")
_OBJETOS = ("acometidas de fibra óptica", "equipos terminales", "redes de acceso", "servicios de datos",
            "cableado estructurado", "enlaces inalámbricos", "centrales telefónicas", "redes eléctricas",
            "sistemas de climatización", "tableros de control", "sensores industriales",
            "software de gestión")
_CONDICIONES = ("según la orden de servicio", "de acuerdo con las normas de seguridad",
                "con las herramientas especificadas", "en el plazo acordado con el cliente",
                "según el manual del fabricante", "registrando los resultados")


@dataclass(frozen=True)
class Escala:
    """Tamaño del registro sintético. Los valores por defecto dan ≈ 1,1 millones de tripletas."""

    estandares: int = 1_000
    unidades: int = 5
    """Unidades de competencia por estándar."""
    criterios: int = 8
    """Criterios de desempeño por unidad."""
    instituciones: int = 60
    programas: int = 1_200
    modulos: int = 6
    uds: int = 2
    """Unidades didácticas por módulo."""
    indicadores: int = 5
    """Indicadores de logro por unidad didáctica (una capacidad por unidad)."""
    correspondencias: int = 30
    """Correspondencias (aprobadas) de la matriz de cada programa."""
    mapeos: int = 0
    """Mapeos entre unidades de normas distintas (reconocimiento entre países), en un envío aparte.
    Se generan al final, con su propio generador aleatorio: con 0 (por defecto) los datos son
    idénticos a los de antes de existir esta opción."""

    @classmethod
    def para_tripletas(cls, objetivo: int) -> Escala:
        """Escala proporcional a la de por defecto para acercarse a ``objetivo`` tripletas."""
        base = cls()
        factor = objetivo / base.tripletas_estimadas()
        return cls(
            estandares=max(1, math.ceil(base.estandares * factor)),
            instituciones=max(1, math.ceil(base.instituciones * factor)),
            programas=max(1, math.ceil(base.programas * factor)),
        )

    def tripletas_estimadas(self) -> int:
        """Número exacto de cuádruplas que escribe ``escribir_nquads`` (10 por versión registrada)."""
        por_estandar = 10 + 8 + self.unidades * (6 + self.criterios * 5)
        por_programa = 10 + 9 + self.modulos * (7 + self.uds * (10 + 3 + self.indicadores * 4))
        por_matriz = 10 + 8 + self.correspondencias * 9
        instituciones = 5 * self.instituciones + 2
        mapeos = (10 + self.mapeos * 6) if self.mapeos else 0
        programas = self.programas * (por_programa + por_matriz)
        return self.estandares * por_estandar + programas + instituciones + mapeos


@dataclass(frozen=True)
class Resumen:
    """Qué se generó (para informes y para elegir IRIs a los que apuntar en un envío de prueba)."""

    tripletas: int
    grafos: int
    segundos: float
    estandares: tuple[str, ...] = field(repr=False)
    """IRIs de los estándares generados (en orden)."""
    instituciones: tuple[str, ...] = field(repr=False)
    """Códigos de las instituciones formativas sintéticas."""


def _iri(*partes: str) -> str:
    return "<" + ID + "/".join(partes) + ">"


def _lit(texto: str, idioma: str | None = None, tipo: str | None = None) -> str:
    escapado = texto.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if idioma:
        return f'"{escapado}"@{idioma}'
    if tipo:
        return f'"{escapado}"^^<{XSD}{tipo}>'
    return f'"{escapado}"'


def _enunciado(rnd: random.Random) -> str:
    return f"{rnd.choice(_VERBOS)} {rnd.choice(_OBJETOS)} {rnd.choice(_CONDICIONES)}"


class _Escritor:
    """Escribe cuádruplas N-Quads en un grafo dado y cuenta cuántas.

    Con ``union``, cada tripleta de un grafo de versión se escribe además en ese grafo (la unión de
    versiones vigentes que materializa ``versiones.publicar``): así una carga masiva no necesita
    ``versiones.reconstruir_uniones``, que a escala nacional tardaba más de un cuarto de hora.
    """

    def __init__(self, salida: TextIO, union: str | None = None) -> None:
        self.salida = salida
        self.union = union
        self.cuenta = 0
        self.grafos = 0
        self._buffer: list[str] = []

    def q(self, s: str, p: str, o: str, g: str) -> None:
        self._buffer.append(f"{s} <{p}> {o} <{g}> .\n")
        if self.union is not None and g.startswith(GRAFO_ENVIO):
            self._buffer.append(f"{s} <{p}> {o} <{self.union}> .\n")
        self.cuenta += 1
        if len(self._buffer) >= 50_000:
            self.vaciar()

    def vaciar(self) -> None:
        self.salida.write("".join(self._buffer))
        self._buffer.clear()

    def version(self, inst: str, clave: str) -> str:
        """Registra ``grafo:envio/{inst}/{clave}/v1`` como versión vigente y pública; devuelve su IRI."""
        g = f"{GRAFO}envio/{inst}/{clave}/v1"
        s = f"<{g}>"
        r = GRAFO_REGISTRO
        self.q(s, RDF_TYPE, f"<{REG}VersionEnvio>", r)
        self.q(s, REG + "institucion", _iri("inst", inst), r)
        self.q(s, REG + "clave", _lit(clave), r)
        self.q(s, REG + "numeroVersion", _lit("1", tipo="integer"), r)
        self.q(s, REG + "vigente", _lit("true", tipo="boolean"), r)
        self.q(s, REG + "publico", _lit("true", tipo="boolean"), r)
        self.q(s, REG + "sha256", _lit(hashlib.sha256(f"{inst}/{clave}".encode()).hexdigest()), r)
        self.q(s, REG + "versionFormas", _lit("sintetico"), r)
        self.q(s, PROV + "generatedAtTime", _lit(FECHA, tipo="dateTime"), r)
        self.q(s, PROV + "wasAttributedTo", _iri("inst", inst), r)
        self.grafos += 1
        return g


def _estandar(w: _Escritor, rnd: random.Random, i: int, escala: Escala) -> tuple[str, list[str], list[str]]:
    """Un estándar MTPE sintético; devuelve (IRI, IRIs de unidades, IRIs de criterios)."""
    cod = f"SYN-{i:05d}"
    g = w.version("mtpe", f"estandar-{cod}")
    e = _iri("inst", "mtpe", "estandar", cod)
    nivel = rnd.randint(2, 5)
    w.q(e, RDF_TYPE, f"<{REG}EstandarCompetencia>", g)
    w.q(e, REG + "codigo", _lit(cod), g)
    w.q(e, SKOS + "prefLabel", _lit(f"Estándar sintético {cod}: {_enunciado(rnd)}", "es"), g)
    w.q(e, REG + "proposito", _lit(_enunciado(rnd)), g)
    w.q(e, REG + "pais", _iri("pais", "PE"), g)
    w.q(e, REG + "emitidoPor", _iri("inst", "mtpe"), g)
    w.q(e, REG + "nivel", _iri("marco", "mncp", "nivel", str(nivel)), g)
    w.q(e, REG + "sector", _iri("sector", "telecomunicaciones"), g)
    unidades, criterios = [], []
    for u in range(1, escala.unidades + 1):
        uc = _iri("inst", "mtpe", "estandar", cod, "uc", str(u))
        unidades.append(uc)
        w.q(e, REG + "tieneUnidad", uc, g)
        w.q(uc, RDF_TYPE, f"<{REG}UnidadCompetencia>", g)
        w.q(uc, REG + "codigo", _lit(f"{cod}-UC{u}"), g)
        w.q(uc, REG + "numero", _lit(str(u)), g)
        w.q(uc, SKOS + "prefLabel", _lit(_enunciado(rnd), "es"), g)
        w.q(uc, REG + "nivel", _iri("marco", "mncp", "nivel", str(nivel)), g)
        for c in range(1, escala.criterios + 1):
            cr = _iri("inst", "mtpe", "estandar", cod, "uc", str(u), "criterio", f"{u}.{c}")
            criterios.append(cr)
            w.q(uc, REG + "tieneCriterio", cr, g)
            w.q(cr, RDF_TYPE, f"<{REG}CriterioDesempeno>", g)
            w.q(cr, REG + "numero", _lit(f"{u}.{c}"), g)
            w.q(cr, SKOS + "prefLabel", _lit(_enunciado(rnd), "es"), g)
            w.q(cr, REG + "orden", _lit(str(c), tipo="integer"), g)
    return e, unidades, criterios


def _programa(
    w: _Escritor, rnd: random.Random, inst: str, p: int, escala: Escala, unidades: list[str]
) -> tuple[str, list[str]]:
    """Un programa sintético; devuelve (IRI, IRIs de indicadores)."""
    cod = f"PSYN-{p:05d}"
    g = w.version(inst, f"programa-{cod}")
    prog = _iri("inst", inst, "programa", cod)
    w.q(prog, RDF_TYPE, f"<{REG}ProgramaEstudios>", g)
    w.q(prog, REG + "codigo", _lit(cod), g)
    w.q(prog, SKOS + "prefLabel", _lit(f"Programa sintético {cod}", "es"), g)
    w.q(prog, SKOS + "definition", _lit(_enunciado(rnd), "es"), g)
    w.q(prog, REG + "nivelFormativo", _lit("profesional técnico"), g)
    w.q(prog, REG + "nivel", _iri("marco", "mncp", "nivel", str(rnd.randint(3, 6))), g)
    w.q(prog, REG + "ofrecidoPor", _iri("inst", inst), g)
    w.q(prog, REG + "pais", _iri("pais", "PE"), g)
    w.q(prog, REG + "sector", _iri("sector", "telecomunicaciones"), g)
    indicadores = []
    for m in range(1, escala.modulos + 1):
        mod = _iri("inst", inst, "programa", cod, "modulo", str(m))
        w.q(prog, REG + "tieneModulo", mod, g)
        w.q(mod, RDF_TYPE, f"<{REG}ModuloFormativo>", g)
        w.q(mod, REG + "codigo", _lit(f"MF{m}"), g)
        w.q(mod, REG + "orden", _lit(str(m), tipo="integer"), g)
        w.q(mod, SKOS + "prefLabel", _lit(_enunciado(rnd), "es"), g)
        w.q(mod, REG + "unidadCompetenciaAsociada", rnd.choice(unidades), g)
        w.q(mod, REG + "creditos", _lit(f"{escala.uds * 3}.0", tipo="decimal"), g)
        for u in range(1, escala.uds + 1):
            cod_ud = f"U{m}{u:02d}"
            ud = _iri("inst", inst, "programa", cod, "ud", cod_ud)
            cap = _iri("inst", inst, "programa", cod, "ud", cod_ud, "capacidad", "1")
            w.q(mod, REG + "tieneUnidadDidactica", ud, g)
            w.q(ud, RDF_TYPE, f"<{REG}UnidadDidactica>", g)
            w.q(ud, REG + "codigo", _lit(cod_ud), g)
            w.q(ud, REG + "orden", _lit(str(u), tipo="integer"), g)
            w.q(ud, SKOS + "prefLabel", _lit(_enunciado(rnd), "es"), g)
            w.q(ud, REG + "ciclo", _lit(("I", "II", "III", "IV", "V", "VI")[(m - 1) % 6]), g)
            w.q(ud, REG + "horasTeoria", _lit("32", tipo="integer"), g)
            w.q(ud, REG + "horasPractica", _lit("32", tipo="integer"), g)
            w.q(ud, REG + "creditos", _lit("3.0", tipo="decimal"), g)
            w.q(ud, REG + "tieneCapacidad", cap, g)
            w.q(cap, RDF_TYPE, f"<{REG}Capacidad>", g)
            w.q(cap, REG + "orden", _lit("1", tipo="integer"), g)
            w.q(cap, SKOS + "prefLabel", _lit(_enunciado(rnd), "es"), g)
            for k in range(1, escala.indicadores + 1):
                ind = _iri("inst", inst, "programa", cod, "ud", cod_ud, "indicador", str(k))
                indicadores.append(ind)
                w.q(cap, REG + "tieneIndicador", ind, g)
                w.q(ind, RDF_TYPE, f"<{REG}IndicadorLogro>", g)
                w.q(ind, REG + "orden", _lit(str(k), tipo="integer"), g)
                w.q(ind, SKOS + "prefLabel", _lit(_enunciado(rnd), "es"), g)
    return prog, indicadores


_VALORACIONES = ("total", "total", "total", "parcial", "nula")


def _matriz(
    w: _Escritor, rnd: random.Random, inst: str, p: int, escala: Escala,
    estandar: str, programa: str, indicadores: list[str], criterios: list[str],
) -> None:
    cod = f"M-PSYN-{p:05d}"
    g = w.version(inst, f"matriz-{cod}")
    m = _iri("inst", inst, "matriz", cod)
    w.q(m, RDF_TYPE, f"<{REG}MatrizEquivalencia>", g)
    w.q(m, REG + "codigo", _lit(cod), g)
    w.q(m, SKOS + "prefLabel", _lit(f"Matriz sintética {cod}", "es"), g)
    w.q(m, REG + "estandar", estandar, g)
    w.q(m, REG + "programa", programa, g)
    w.q(m, REG + "regla", _iri("regla", "iest-pe"), g)
    w.q(m, "http://purl.org/dc/terms/creator", _lit("Generador sintético"), g)
    w.q(m, "http://purl.org/dc/terms/date", _lit("2026-01-01", tipo="date"), g)
    for n in range(1, escala.correspondencias + 1):
        c = _iri("inst", inst, "matriz", cod, "c", str(n))
        w.q(c, RDF_TYPE, f"<{REG}Correspondencia>", g)
        w.q(c, REG + "enMatriz", m, g)
        w.q(c, REG + "indicador", rnd.choice(indicadores), g)
        w.q(c, REG + "criterio", rnd.choice(criterios), g)
        w.q(c, REG + "valoracion", _iri("valoracion", rnd.choice(_VALORACIONES)), g)
        w.q(c, REG + "estado", _iri("estado", "aprobada"), g)
        w.q(c, REG + "justificacion", _lit("Correspondencia sintética.", "es"), g)
        w.q(c, REG + "confianza", _lit(f"0.{rnd.randint(50, 99)}", tipo="decimal"), g)
        w.q(c, "http://purl.org/dc/terms/creator", _lit("Generador sintético"), g)


def _mapeos(w: _Escritor, semilla: int, escala: Escala, unidades: list[list[str]]) -> None:
    """Mapeos entre unidades de dos normas distintas, como los de una comisión binacional.

    Cuatro de cada cinco aprobados (el resto sugeridos); predicados exactMatch, closeMatch y
    broadMatch (este último no lo acepta la regla IEST: no debe contar).
    """
    rnd = random.Random(semilla * 7919 + 1)
    g = w.version("mtpe", "mapeos-sinteticos")
    predicados = ("exactMatch", "exactMatch", "closeMatch", "broadMatch")
    for n in range(1, escala.mapeos + 1):
        a, b = rnd.sample(range(len(unidades)), 2)
        m = _iri("inst", "mtpe", "mapeo", f"sint-{n}")
        w.q(m, RDF_TYPE, f"<{REG}MapeoUnidades>", g)
        w.q(m, REG + "unidadOrigen", rnd.choice(unidades[a]), g)
        w.q(m, REG + "unidadDestino", rnd.choice(unidades[b]), g)
        w.q(m, REG + "predicadoMapeo", f"<{SKOS}{rnd.choice(predicados)}>", g)
        w.q(m, REG + "estado", _iri("estado", "aprobada" if rnd.random() < 0.8 else "sugerida"), g)
        w.q(m, REG + "justificacionMapeo", "<https://w3id.org/semapv/vocab/ManualMappingCuration>", g)


def escribir_nquads(
    salida: TextIO, escala: Escala, semilla: int = 7, *, con_union: bool = False
) -> Resumen:
    """Escribe el registro sintético en ``salida`` (texto N-Quads). Determinista para una semilla.

    ``con_union`` escribe también la unión pública de versiones vigentes (``grafo:vigente/publico``)
    y la registra, como la dejaría ``versiones.publicar``: el resultado se carga con ``bulk_load`` sin
    reconstruir uniones. El recuento de ``Resumen.tripletas`` no incluye esas copias.
    """
    inicio = time.perf_counter()
    rnd = random.Random(semilla)
    w = _Escritor(salida, GRAFO_VIGENTE_PUBLICO if con_union else None)
    instituciones = tuple(f"sint-{i:03d}" for i in range(1, escala.instituciones + 1))
    for cod in instituciones:
        s = _iri("inst", cod)
        w.q(s, RDF_TYPE, f"<{REG}IEST>", GRAFO_INSTITUCIONES)
        w.q(s, RDF_TYPE, f"<{REG}Institucion>", GRAFO_INSTITUCIONES)
        w.q(s, REG + "codigo", _lit(cod), GRAFO_INSTITUCIONES)
        w.q(s, SKOS + "prefLabel", _lit(f"IEST sintético {cod}", "es"), GRAFO_INSTITUCIONES)
        w.q(s, REG + "pais", _iri("pais", "PE"), GRAFO_INSTITUCIONES)
    w.q(f"<{GRAFO_INSTITUCIONES}>", REG + "vigente", _lit("true", tipo="boolean"), GRAFO_REGISTRO)
    w.q(f"<{GRAFO_INSTITUCIONES}>", REG + "publico", _lit("true", tipo="boolean"), GRAFO_REGISTRO)

    estandares: list[tuple[str, list[str], list[str]]] = []
    for i in range(escala.estandares):
        estandares.append(_estandar(w, rnd, i, escala))
    for p in range(escala.programas):
        inst = instituciones[p % len(instituciones)]
        estandar, unidades, criterios = estandares[rnd.randrange(len(estandares))]
        programa, indicadores = _programa(w, rnd, inst, p, escala, unidades)
        _matriz(w, rnd, inst, p, escala, estandar, programa, indicadores, criterios)
    if escala.mapeos:
        _mapeos(w, semilla, escala, [e[1] for e in estandares])
    if con_union:
        w.q(f"<{GRAFO_VIGENTE_PUBLICO}>", REG + "vigente", _lit("true", tipo="boolean"), GRAFO_REGISTRO)
        w.q(f"<{GRAFO_VIGENTE_PUBLICO}>", REG + "publico", _lit("true", tipo="boolean"), GRAFO_REGISTRO)
        w.cuenta -= 2  # registro de la unión: no es parte del registro sintético
    w.vaciar()
    return Resumen(
        tripletas=w.cuenta,
        grafos=w.grafos + 1,
        segundos=time.perf_counter() - inicio,
        estandares=tuple(e[0][1:-1] for e in estandares),
        instituciones=instituciones,
    )


def poblar(almacen: object, escala: Escala, semilla: int = 7, carpeta: Path | None = None) -> Resumen:
    """Genera y carga el registro sintético en un ``AlmacenOxigraph`` por la vía masiva.

    El almacén ya debe tener ontología y referencia (``arranque.iniciar``). ``bulk_load`` no es
    transaccional: solo para benchmarks, nunca para datos reales.
    """
    import pyoxigraph as ox

    with tempfile.TemporaryDirectory(dir=carpeta) as tmp:
        ruta = Path(tmp) / "sintetico.nq"
        with ruta.open("w", encoding="utf-8") as salida:
            resumen = escribir_nquads(salida, escala, semilla)
        inicio = time.perf_counter()
        # lenient: el texto lo acaba de escribir este módulo (IRI y literales válidos por construcción).
        almacen.store.bulk_load(path=str(ruta), format=ox.RdfFormat.N_QUADS, lenient=True)  # type: ignore[attr-defined]
        almacen.invalidar_vista()  # type: ignore[attr-defined]
        # Las versiones escritas a mano deben entrar en las uniones vigentes (como haría publicar).
        from registro import versiones

        versiones.reconstruir_uniones(almacen)  # type: ignore[arg-type]
        carga = time.perf_counter() - inicio
    return Resumen(resumen.tripletas, resumen.grafos, resumen.segundos + carga,
                   resumen.estandares, resumen.instituciones)


def programa_turtle(
    institucion: str,
    codigo: str,
    *,
    modulos: int = 10,
    uds: int = 5,
    indicadores: int = 21,
    unidades: tuple[str, ...] = (),
    semilla: int = 11,
) -> bytes:
    """Un envío de programa en Turtle (conforme a las formas): 4 920 tripletas por defecto.

    ``unidades`` son IRIs de unidades de competencia existentes a las que asociar los módulos (si no
    se dan, los módulos no citan ninguna).
    """
    rnd = random.Random(semilla)
    base = f"{ID}inst/{institucion}/"
    lineas = [
        f"@prefix reg: <{REG}> .",
        f"@prefix skos: <{SKOS}> .",
        f"@prefix xsd: <{XSD}> .",
        f"@base <{base}> .",
        "",
        f"<programa/{codigo}> a reg:ProgramaEstudios ;",
        f'  reg:codigo "{codigo}" ;',
        f'  skos:prefLabel "Programa de referencia {codigo}"@es , "Benchmark programme {codigo}"@en ;',
        '  skos:definition "Programa generado para medir la validación de envíos."@es ;',
        '  reg:nivelFormativo "profesional técnico" ;',
        f"  reg:nivel <{ID}marco/mncp/nivel/4> ;",
        f"  reg:ofrecidoPor <{ID}inst/{institucion}> ;",
        f"  reg:pais <{ID}pais/PE> ;",
        f"  reg:sector <{ID}sector/telecomunicaciones> ;",
        "  reg:tieneModulo " + " , ".join(f"<programa/{codigo}/modulo/{m}>" for m in range(1, modulos + 1)),
        "  .",
    ]
    for m in range(1, modulos + 1):
        mod = f"programa/{codigo}/modulo/{m}"
        uds_mod = [f"programa/{codigo}/ud/U{m:02d}{u:02d}" for u in range(1, uds + 1)]
        lineas += [
            f"<{mod}> a reg:ModuloFormativo ; reg:codigo \"MF{m}\" ; reg:orden {m} ;",
            f'  skos:prefLabel "{_enunciado(rnd)}"@es ;',
            f'  reg:creditos "{uds * 3}.0"^^xsd:decimal ;',
        ]
        if unidades:
            lineas.append(f"  reg:unidadCompetenciaAsociada <{unidades[(m - 1) % len(unidades)]}> ;")
        lineas.append("  reg:tieneUnidadDidactica " + " , ".join(f"<{u}>" for u in uds_mod) + " .")
        for u, ud in enumerate(uds_mod, start=1):
            cap = f"{ud}/capacidad/1"
            inds = [f"{ud}/indicador/{k}" for k in range(1, indicadores + 1)]
            lineas += [
                f"<{ud}> a reg:UnidadDidactica ; reg:codigo \"U{m:02d}{u:02d}\" ; reg:orden {u} ;",
                f'  skos:prefLabel "{_enunciado(rnd)}"@es ; reg:ciclo "I" ;',
                '  reg:horasTeoria 32 ; reg:horasPractica 32 ; reg:creditos "3.0"^^xsd:decimal ;',
                f"  reg:tieneCapacidad <{cap}> .",
                f'<{cap}> a reg:Capacidad ; reg:orden 1 ; skos:prefLabel "{_enunciado(rnd)}"@es ;',
                "  reg:tieneIndicador " + " , ".join(f"<{i}>" for i in inds) + " .",
            ]
            lineas += [
                f'<{i}> a reg:IndicadorLogro ; reg:orden {k} ; skos:prefLabel "{_enunciado(rnd)}"@es .'
                for k, i in enumerate(inds, start=1)
            ]
    return ("\n".join(lineas) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tripletas", type=int, default=1_000_000, help="tamaño aproximado")
    parser.add_argument("--semilla", type=int, default=7)
    parser.add_argument("--salida", type=Path, help="archivo .nq (por defecto, la salida estándar)")
    args = parser.parse_args(argv)
    escala = Escala.para_tripletas(args.tripletas)
    if args.salida is None:
        resumen = escribir_nquads(sys.stdout, escala, args.semilla)
    else:
        with args.salida.open("w", encoding="utf-8") as salida:
            resumen = escribir_nquads(salida, escala, args.semilla)
    print(f"{resumen.tripletas:,} cuádruplas en {resumen.grafos:,} grafos ({resumen.segundos:.1f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
