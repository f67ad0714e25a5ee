"""Backend Oxigraph embebido (en disco por defecto; en memoria para pruebas unitarias).

Las agregaciones se ejecutan en Oxigraph (decenas de veces más rápido que el motor de rdflib, ver
NOTAS-TECNICAS). Las escrituras van por ``Store.update`` (una transacción) o ``Store.load``
(transaccional); la carga masiva de archivos grandes valida primero la sintaxis leyendo el archivo sin
escribir y solo entonces usa ``bulk_load``, para que un archivo dañado no deje nada a medias.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from registro.almacen.base import Almacen, Progreso, ResultadoConsulta, VistaGrafos, inyectar_valores
from registro.errores import EntradaInvalida, ErrorAlmacen, ErrorConsulta, FormatoDesconocido

FORMATOS_RDF: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "nq": ox.RdfFormat.N_QUADS,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "rdf": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
}

FORMATOS_RESULTADOS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}

_UMBRAL_MASIVO = 64 * 1024 * 1024
"""A partir de este tamaño, ``cargar`` usa ``bulk_load`` (no transaccional) tras validar la sintaxis."""


def formato_rdf(nombre: str) -> ox.RdfFormat:
    """Formato pyoxigraph por nombre corto (``turtle``, ``trig``, ``nquads``…)."""
    try:
        return FORMATOS_RDF[nombre.lower().lstrip(".")]
    except KeyError as exc:
        raise FormatoDesconocido(
            f"Formato RDF desconocido: {nombre!r}",
            detalle="Use turtle, trig, nquads, ntriples, rdfxml o jsonld.",
        ) from exc


class AlmacenOxigraph(Almacen):
    """Almacén Oxigraph; ``ruta=None`` crea uno en memoria."""

    def __init__(self, ruta: str | Path | None = None) -> None:
        super().__init__()
        self.ruta = Path(ruta) if ruta is not None else None
        try:
            if self.ruta is None:
                self._store = ox.Store()
            else:
                self.ruta.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.ruta))
        except OSError as exc:
            raise ErrorAlmacen(
                f"No se puede abrir el almacén en {self.ruta}",
                detalle=f"{exc}. ¿Hay otro proceso del registro usándolo (p. ej. «registro servir»)?",
            ) from exc

    @property
    def store(self) -> ox.Store:
        """El ``pyoxigraph.Store`` subyacente (para benchmarks y exportaciones rápidas)."""
        return self._store

    # --- consultas ---------------------------------------------------------------------------------
    def _argumentos(self, grafos: VistaGrafos | None) -> dict:
        args: dict = {}
        if grafos is not None:
            args["default_graph"] = [ox.NamedNode(str(g)) for g in grafos.por_defecto] or ox.DefaultGraph()
            if grafos.con_nombre is not None:
                args["named_graphs"] = [ox.NamedNode(str(g)) for g in grafos.con_nombre]
        return args

    def _ejecutar(
        self, sparql: str, enlaces: Mapping[str, Node] | None, grafos: VistaGrafos | None
    ) -> ResultadoConsulta:
        # ``consultar`` ya convierte los enlaces en VALUES; quien llame aquí directamente recibe el
        # mismo trato (no ``substitutions`` de pyoxigraph, que exige la variable en la proyección).
        texto = inyectar_valores(sparql, enlaces) if enlaces else sparql
        try:
            res = self._store.query(texto, **self._argumentos(grafos))
        except SyntaxError as exc:
            raise ErrorConsulta("La consulta SPARQL tiene un error de sintaxis", detalle=str(exc)) from exc
        except OSError as exc:
            raise ErrorAlmacen("Error del almacén al ejecutar la consulta", detalle=str(exc)) from exc
        except RuntimeError as exc:
            raise ErrorConsulta("La consulta SPARQL falló al ejecutarse", detalle=str(exc)) from exc
        if isinstance(res, ox.QueryBoolean):
            return ResultadoConsulta(tipo="booleano", booleano=bool(res))
        if isinstance(res, ox.QuerySolutions):
            variables = tuple(v.value for v in res.variables)
            filas = tuple(
                {v: a_rdflib(t) for v, t in zip(variables, sol, strict=True) if t is not None} for sol in res
            )
            return ResultadoConsulta(tipo="filas", variables=variables, filas=filas)
        g = Graph()
        for t in res:
            g.add((a_rdflib(t.subject), a_rdflib(t.predicate), a_rdflib(t.object)))
        return ResultadoConsulta(tipo="grafo", grafo=g)

    def _ejecutar_serializado(
        self, sparql: str, formato: str, grafos: VistaGrafos | None
    ) -> tuple[bytes, str]:
        try:
            res = self._store.query(sparql, **self._argumentos(grafos))
        except SyntaxError as exc:
            raise ErrorConsulta("La consulta SPARQL tiene un error de sintaxis", detalle=str(exc)) from exc
        except RuntimeError as exc:
            raise ErrorConsulta("La consulta SPARQL falló al ejecutarse", detalle=str(exc)) from exc
        if isinstance(res, ox.QueryTriples):
            fmt = ox.RdfFormat.from_media_type(formato) or ox.RdfFormat.TURTLE
            return res.serialize(format=fmt), fmt.media_type
        fmt_res = FORMATOS_RESULTADOS.get(formato, ox.QueryResultsFormat.JSON)
        return res.serialize(format=fmt_res), fmt_res.media_type

    # --- escrituras --------------------------------------------------------------------------------
    def _actualizar(self, sparql_update: str) -> None:
        try:
            self._store.update(sparql_update)
        except SyntaxError as exc:
            raise ErrorConsulta("La actualización SPARQL es inválida", detalle=str(exc)) from exc
        except (OSError, RuntimeError) as exc:
            # RuntimeError: fallo durante la ejecución (p. ej. CREATE GRAPH de un grafo existente);
            # la transacción de pyoxigraph ya se deshizo entera.
            raise ErrorAlmacen(
                "No se pudo aplicar la actualización; no se escribió nada", detalle=str(exc)
            ) from exc

    def cargar(
        self,
        origen: Path | bytes,
        formato: str,
        grafo: URIRef | None = None,
        progreso: Progreso | None = None,
        *,
        reanudar: bool = False,
    ) -> int:
        # ``reanudar`` no aplica: la carga embebida es todo o nada, no hay lotes que continuar.
        fmt = formato_rdf(formato)
        destino = ox.NamedNode(str(grafo)) if grafo is not None else None
        if not fmt.supports_datasets and destino is None:
            raise EntradaInvalida(
                "Un archivo de tripletas necesita un grafo de destino",
                detalle="Indique el grafo con --grafo o use TriG/N-Quads.",
            )
        total = origen.stat().st_size if isinstance(origen, Path) else len(origen)
        # 1) Validar sintaxis sin escribir nada (y contar), con avance.
        cantidad = 0
        try:
            for _ in ox.parse(_lector(origen, total, progreso), format=fmt):
                cantidad += 1
        except SyntaxError as exc:
            raise EntradaInvalida(
                "El archivo tiene un error de sintaxis; no se cargó nada",
                donde=str(origen) if isinstance(origen, Path) else None,
                detalle=str(exc),
            ) from exc
        # 2) Escribir: transaccional si cabe en memoria; masivo si es grande (ya validado).
        datos = origen.read_bytes() if isinstance(origen, Path) and total < _UMBRAL_MASIVO else origen
        try:
            if isinstance(datos, bytes):
                self._store.load(datos, format=fmt, to_graph=destino)
            else:
                self._store.bulk_load(path=str(datos), format=fmt, to_graph=destino)
        except (SyntaxError, OSError) as exc:
            raise ErrorAlmacen("Falló la carga en el almacén", detalle=str(exc)) from exc
        finally:
            self.invalidar_vista()
        return cantidad

    def unir_grafos(
        self, destino: URIRef, fuentes: Sequence[URIRef], progreso: Progreso | None = None
    ) -> None:
        """Vía masiva: las cuádruplas de cada fuente, redirigidas a ``destino``, en ``bulk_extend``.

        Medido con 600.705 cuádruplas en 1.789 grafos (máquina de 2 núcleos compartida): el
        ``INSERT … WHERE`` de una transacción tardaba 64 s y crece peor que linealmente (1.048 s con
        2,9 M); el cargador masivo escribe los índices sin transacción y crece linealmente.
        ``bulk_extend`` recibe los mismos términos que devuelve el almacén, así que un nodo en blanco de
        una versión es el mismo nodo en la unión, como con ``INSERT … WHERE`` (volcar a N-Triples y
        cargar con ``bulk_load`` daría nodos nuevos: medido).

        No es transaccional: ver ``Almacen.unir_grafos`` (quien llama retira antes la marca de vigencia
        del destino). Vaciar un destino con datos (solo en reparaciones) sí es una transacción.
        """
        nombre = ox.NamedNode(str(destino))
        origenes = [ox.NamedNode(str(g)) for g in fuentes]

        def cuadruplas() -> Iterator[ox.Quad]:
            for hechas, g in enumerate(origenes, start=1):
                for q in self._store.quads_for_pattern(None, None, None, g):
                    yield ox.Quad(q.subject, q.predicate, q.object, nombre)
                if progreso is not None:
                    progreso(hechas, len(origenes))

        try:
            if next(iter(self._store.quads_for_pattern(None, None, None, nombre)), None) is not None:
                self._store.clear_graph(nombre)
            self._store.bulk_extend(cuadruplas())
        except OSError as exc:
            raise ErrorAlmacen(
                "Falló la reconstrucción masiva del grafo", donde=str(destino), detalle=str(exc)
            ) from exc
        finally:
            self.invalidar_vista()

    def volcar(self, destino: BinaryIO, formato: str = "nquads") -> None:
        fmt = formato_rdf(formato)
        if not fmt.supports_datasets:
            raise FormatoDesconocido("El volcado completo necesita un formato con grafos: trig o nquads")
        self._store.dump(destino, format=fmt)

    def conteos(self) -> dict[str, int]:
        res = self._store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {sol["g"].value: int(sol["n"].value) for sol in res}

    def optimizar(self) -> None:
        """Compacta el almacén en disco tras cargas grandes.

        Tras una carga masiva RocksDB queda con muchos archivos sin compactar y compacta en segundo
        plano mientras se consulta: medido a escala nacional (2,9 M tripletas, benchmarks/equivalencias.py),
        p50 de una decisión de convalidación 180,8 ms sin compactar frente a 118,5 ms compactado (18 s).
        """
        if self.ruta is not None:
            self._store.optimize()

    def cerrar(self) -> None:
        """Escribe lo pendiente y suelta el almacén (y su cerrojo en disco); idempotente."""
        store = self.__dict__.pop("_store", None)
        if store is not None and self.ruta is not None:
            store.flush()


class _LectorConAvance(io.RawIOBase):
    def __init__(self, base: BinaryIO, total: int, progreso: Progreso) -> None:
        self._base, self._total, self._progreso, self._hecho = base, total, progreso, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        datos = self._base.read(len(b))
        n = len(datos)
        b[:n] = datos
        self._hecho += n
        self._progreso(self._hecho, self._total)
        return n


def _lector(origen: Path | bytes, total: int, progreso: Progreso | None) -> BinaryIO:
    base: BinaryIO = origen.open("rb") if isinstance(origen, Path) else io.BytesIO(origen)
    if progreso is None:
        return base
    return io.BufferedReader(_LectorConAvance(base, total, progreso), buffer_size=1 << 20)


_MAX_LITERALES = 200_000
_literales: dict[ox.Literal, Literal] = {}
"""Literales ya convertidos (los términos son inmutables: compartirlos es seguro)."""


def a_rdflib(t: object) -> Node:
    """Término pyoxigraph → término rdflib.

    Es el bucle más caliente de una consulta pequeña: crear un ``Literal`` de rdflib cuesta ~8 µs
    (analiza el lexema y lo normaliza) y un ``URIRef`` ~0,8 µs (valida el IRI con una expresión
    regular). Los IRIs que da Oxigraph ya son válidos, así que se crean sin volver a validarlos, y los
    literales se recuerdan: en una decisión de convalidación casi todos se repiten (valoraciones,
    órdenes, créditos). A escala nacional la conversión pasaba de un tercio del tiempo de la decisión.
    """
    if type(t) is ox.NamedNode:
        return _uri(t.value)
    if type(t) is ox.Literal:
        lit = _literales.get(t)
        if lit is None:
            if t.language:
                lit = Literal(t.value, lang=t.language)
            else:
                lit = Literal(t.value, datatype=_uri(t.datatype.value))
            if len(_literales) >= _MAX_LITERALES:
                _literales.clear()
            _literales[t] = lit
        return lit
    if type(t) is ox.BlankNode:
        return BNode(t.value)
    raise TypeError(f"término no soportado: {t!r}")


def _uri(valor: str) -> URIRef:
    """``URIRef`` sin la validación de rdflib (``URIRef.__new__`` no hace nada más que validar)."""
    return str.__new__(URIRef, valor)


def a_oxigraph(t: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """Término rdflib → término pyoxigraph."""
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    raise TypeError(f"término no soportado: {t!r}")
