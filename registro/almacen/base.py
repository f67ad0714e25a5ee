"""Interfaz común de los almacenes y la «vista vigente» del registro.

Cada backend (Oxigraph embebido, servidor SPARQL remoto) implementa unas pocas primitivas; aquí se
construye lo que es igual para todos: qué grafos forman la vista vigente (pública o completa), la
sustitución atómica de grafos con una sola petición SPARQL Update y la conversión de términos.
"""

from __future__ import annotations

import enum
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from registro.vocabulario import GRAFO_REGISTRO, GRAFO_VIGENTE_PRIVADO, GRAFO_VIGENTE_PUBLICO, REG

T = TypeVar("T")

_UNIONES = frozenset({GRAFO_VIGENTE_PUBLICO, GRAFO_VIGENTE_PRIVADO})

Progreso = Callable[[int, int], None]
"""Función ``(hecho, total)`` que recibe el avance de una operación larga (bytes o tripletas)."""


class Vista(enum.Enum):
    """Qué grafos ve una consulta."""

    PUBLICA = "publica"
    """Versiones vigentes públicas: nunca datos personales."""
    COMPLETA = "completa"
    """Versiones vigentes públicas y privadas (certificados, resultados): uso interno y autorizado."""
    TODO = "todo"
    """Sin restricción: todos los grafos como grafos con nombre, grafo por defecto vacío (respaldos)."""


@dataclass(frozen=True)
class ResultadoConsulta:
    """Resultado neutral respecto del backend, con términos de rdflib."""

    tipo: str
    """``filas`` (SELECT), ``booleano`` (ASK) o ``grafo`` (CONSTRUCT/DESCRIBE)."""
    variables: tuple[str, ...] = ()
    filas: tuple[dict[str, Node], ...] = ()
    booleano: bool | None = None
    grafo: Graph | None = None

    def __iter__(self):  # pragma: no cover - comodidad
        return iter(self.filas)

    def __len__(self) -> int:
        return len(self.filas)


@dataclass(frozen=True)
class VistaGrafos:
    """Conjunto de datos SPARQL de una vista: grafo por defecto y grafos con nombre visibles."""

    por_defecto: tuple[URIRef, ...]
    """Grafos que forman el grafo por defecto: los fijos y las uniones de versiones vigentes."""
    con_nombre: tuple[URIRef, ...] | None
    """``None`` significa todos los grafos con nombre."""
    vigentes: tuple[URIRef, ...] = ()
    """Todos los grafos vigentes uno a uno (fijos y versiones de envíos), para saber qué está vigente."""


@dataclass(frozen=True)
class VistaAcotada:
    """Una vista cuyo grafo por defecto deja fuera los grafos sin ninguna tripleta de ``predicados``.

    Por qué: Oxigraph busca cada patrón en cada grafo del grafo por defecto por separado; a escala
    nacional, con los 6 grafos de ``Vista.COMPLETA`` cada búsqueda por índice costaba ~3× más que con
    uno (etiquetas de una decisión: 63 ms frente a 12 ms). Es **exacta** —mismas respuestas que
    ``vista``— para toda consulta cuyos patrones de tripleta usan, todos, un predicado de
    ``predicados`` (constante, o variable limitada con ``FILTER(?p IN (…))``): el grafo por defecto es
    la unión de sus grafos y un grafo sin tripletas de esos predicados no aporta ninguna coincidencia.
    Los grafos con nombre (``GRAPH``) no cambian. Quien la use debe declarar *todos* los predicados de
    la consulta (``rdf:type`` incluido) y no usar caminos de longitud cero (``p*``, ``p?``) con los dos
    extremos libres (enumeran todos los nodos del grafo); las pruebas comparan con la vista entera.
    """

    vista: Vista
    predicados: frozenset[URIRef]


@dataclass
class _CacheVista:
    vistas: dict[Vista | VistaAcotada, VistaGrafos] = field(default_factory=dict)
    datos: dict[Hashable, object] = field(default_factory=dict)


_CONSULTA_GRAFOS = f"""
SELECT ?g ?vigente ?publico ?version WHERE {{
  GRAPH <{GRAFO_REGISTRO}> {{
    ?g <{REG.vigente}> ?vigente .
    OPTIONAL {{ ?g <{REG.publico}> ?publico }}
    OPTIONAL {{ ?g a ?version . FILTER(?version = <{REG.VersionEnvio}>) }}
  }}
}}
"""


class Almacen(ABC):
    """Almacén RDF del registro. Las escrituras son atómicas: todo o nada."""

    def __init__(self) -> None:
        self._cache = _CacheVista()

    # --- primitivas de cada backend -------------------------------------------------------------
    @abstractmethod
    def _ejecutar(
        self,
        sparql: str,
        enlaces: Mapping[str, Node] | None,
        grafos: VistaGrafos | None,
    ) -> ResultadoConsulta:
        """Ejecuta una consulta SPARQL; ``grafos=None`` usa el conjunto de datos del almacén tal cual."""

    @abstractmethod
    def _ejecutar_serializado(
        self, sparql: str, formato: str, grafos: VistaGrafos | None
    ) -> tuple[bytes, str]:
        """Ejecuta y serializa en el formato pedido (tipo MIME); devuelve (cuerpo, tipo MIME)."""

    @abstractmethod
    def _actualizar(self, sparql_update: str) -> None:
        """Ejecuta una petición SPARQL Update en una sola transacción."""

    @abstractmethod
    def cargar(
        self,
        origen: Path | bytes,
        formato: str,
        grafo: URIRef | None = None,
        progreso: Progreso | None = None,
        *,
        reanudar: bool = False,
    ) -> int:
        """Carga RDF por la vía más rápida del backend.

        Un archivo con errores de sintaxis no deja nada escrito (se valida entero antes de escribir).
        El almacén embebido escribe todo o nada; un servidor remoto carga por lotes y guarda un punto
        de control junto al archivo, de modo que ``reanudar=True`` continúa tras el último lote
        confirmado. Devuelve el número de tripletas/cuádruplas leídas.
        """

    @abstractmethod
    def volcar(self, destino: BinaryIO, formato: str = "nquads") -> None:
        """Escribe todo el almacén (todos los grafos) en TriG o N-Quads."""

    @abstractmethod
    def conteos(self) -> dict[str, int]:
        """Número de tripletas por grafo con nombre (IRI → cantidad)."""

    def cerrar(self) -> None:  # noqa: B027 - por defecto no hay nada que cerrar
        """Libera recursos del backend."""

    def optimizar(self) -> None:  # noqa: B027 - los servidores compactan por su cuenta
        """Compacta el almacén tras una carga masiva (si el backend lo necesita)."""

    @property
    def cerrojo_escritura(self) -> threading.RLock:
        """Cerrojo (reentrante) de las escrituras que *leen y luego escriben* en este almacén.

        Por qué: publicar una versión lee el último número y escribe el siguiente; dos hilos que lo
        hicieran a la vez obtendrían el mismo número y el segundo ``DROP``/``INSERT`` borraría el grafo
        del primero (medido: 12 publicaciones simultáneas dejaron 3 números repetidos, 5 versiones
        «vigentes» y envíos perdidos). El almacén embebido solo admite un proceso (RocksDB bloquea la
        carpeta), así que un cerrojo por objeto basta para él. Se crea al primer uso para no depender de
        que cada backend llame a ``Almacen.__init__``.
        """
        cerrojo = self.__dict__.get("_cerrojo_escritura")
        if cerrojo is None:
            with _CREAR_CERROJO:
                cerrojo = self.__dict__.setdefault("_cerrojo_escritura", threading.RLock())
        return cerrojo

    # --- API común ---------------------------------------------------------------------------------
    def consultar(
        self,
        sparql: str,
        enlaces: Mapping[str, Node] | None = None,
        vista: Vista | VistaAcotada = Vista.COMPLETA,
    ) -> ResultadoConsulta:
        """Consulta sobre la vista pedida; ``enlaces`` fija variables (nunca se formatea texto).

        Los enlaces se convierten en un bloque ``VALUES`` al principio del grupo ``WHERE`` exterior,
        con los términos serializados y validados: funciona igual en todos los backends y, a
        diferencia de ``substitutions`` de pyoxigraph, no exige proyectar la variable.
        """
        if enlaces:
            sparql = inyectar_valores(sparql, enlaces)
        return self._ejecutar(sparql, None, self.grafos_de(vista))

    def consultar_serializado(
        self, sparql: str, formato: str, vista: Vista = Vista.PUBLICA
    ) -> tuple[bytes, str]:
        """Consulta y devuelve el cuerpo ya serializado (para el punto SPARQL)."""
        return self._ejecutar_serializado(sparql, formato, self.grafos_de(vista))

    def actualizar(self, sparql_update: str) -> None:
        """Petición SPARQL Update atómica; invalida la vista en caché."""
        try:
            self._actualizar(sparql_update)
        finally:
            self.invalidar_vista()

    def reemplazar_grafos(
        self,
        grafos: Mapping[URIRef, Graph],
        actualizacion_extra: str = "",
        *,
        cambios_acotados: Mapping[URIRef, Sequence[URIRef]] | None = None,
    ) -> None:
        """Sustituye el contenido de varios grafos (y ejecuta ``actualizacion_extra``) atómicamente.

        Es una sola petición SPARQL Update: o se aplica entera o no se aplica nada.

        ``cambios_acotados`` declara, para grafos grandes que ``actualizacion_extra`` escribe (las
        uniones de versiones vigentes), los grafos *fuente* que acotan el cambio: la actualización solo
        añade o quita en ese grafo tripletas que están en alguna fuente (tal como queda tras escribir
        ``grafos``) y no escribe en las fuentes. Un backend transaccional no lo necesita; uno sin
        transacciones (Virtuoso) lo usa para copiar solo ``grafo ∩ fuentes`` antes de escribir, en vez
        del grafo entero (ver ``AlmacenRemoto.reemplazar_grafos``).
        """
        partes: list[str] = []
        for nombre, g in grafos.items():
            validar_iri(str(nombre))
            partes.append(f"DROP SILENT GRAPH <{nombre}>")
            partes.extend(insercion_grafo(nombre, g))
        if actualizacion_extra.strip():
            partes.append(actualizacion_extra)
        if partes:
            self.actualizar(" ;\n".join(partes))

    def unir_grafos(
        self, destino: URIRef, fuentes: Sequence[URIRef], progreso: Progreso | None = None
    ) -> None:
        """Sustituye ``destino`` por la unión de las tripletas de ``fuentes``, por lotes y SIN atomicidad.

        Es la vía masiva de ``versiones.reconstruir_uniones``: con millones de tripletas, una sola
        transacción (``DROP`` + ``INSERT … WHERE``) tardaba más de un cuarto de hora. Quien la llame
        debe dejar constancia antes de que ``destino`` no es fiable (las uniones retiran su marca de
        vigencia) y restaurarla al terminar: un fallo a medias deja el grafo incompleto pero marcado
        como tal. ``progreso`` recibe ``(fuentes hechas, total)``.

        Por defecto: ``DROP`` y un ``INSERT … WHERE`` por grupo de fuentes (una transacción acotada
        cada uno); el embebido usa su cargador masivo y el remoto envía los grupos sin copia previa.
        """
        validar_iri(str(destino))
        self._actualizar(f"DROP SILENT GRAPH <{destino}>")
        for hechas, texto in lotes_union(destino, fuentes):
            self._actualizar(texto)
            if progreso is not None:
                progreso(hechas, len(fuentes))
        self.invalidar_vista()

    def grafos_de(self, vista: Vista | VistaAcotada) -> VistaGrafos | None:
        """Grafos de la vista pedida, leídos de ``grafo:registro`` (en caché hasta la próxima escritura)."""
        if isinstance(vista, VistaAcotada):
            return self._grafos_acotados(vista)
        if vista is Vista.TODO:
            return None
        if vista not in self._cache.vistas:
            self._cache.vistas.update(self._calcular_vistas())
        return self._cache.vistas[vista]

    def _grafos_acotados(self, acotada: VistaAcotada) -> VistaGrafos | None:
        """``VistaAcotada``: una consulta (en caché con la vista) dice qué grafos tienen esos predicados.

        La caché se vacía en cada escritura (``invalidar_vista``), igual que la de las vistas: un grafo
        que gana un predicado después vuelve a entrar.
        """
        completa = self.grafos_de(acotada.vista)
        if completa is None or not acotada.predicados or not completa.por_defecto:
            return completa
        guardada = self._cache.vistas.get(acotada)
        if guardada is not None:
            return guardada
        grafos = valores_sparql(completa.por_defecto)
        predicados = valores_sparql(sorted(acotada.predicados))
        res = self._ejecutar(
            f"SELECT DISTINCT ?g WHERE {{ VALUES ?g {{ {grafos} }} VALUES ?p {{ {predicados} }} "
            "FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }",
            None,
            None,
        )
        con = {f["g"] for f in res.filas}
        if not con:
            # Ningún grafo tiene esos predicados: la consulta no encuentra nada con ninguna de las dos
            # vistas. Se deja la entera porque un grafo por defecto vacío no es portable (un servidor
            # remoto sin ``default-graph-uri`` usaría todos sus grafos).
            self._cache.vistas[acotada] = completa
            return completa
        acotados = VistaGrafos(
            tuple(g for g in completa.por_defecto if g in con), completa.con_nombre, completa.vigentes
        )
        self._cache.vistas[acotada] = acotados
        return acotados

    def invalidar_vista(self) -> None:
        self._cache.vistas.clear()
        self._cache.datos.clear()

    def recordar(self, clave: Hashable, calcular: Callable[[], T]) -> T:
        """``calcular()``, recordado hasta la próxima escritura (la misma caché que las vistas).

        Para lecturas que se repiten igual entre escrituras y cuestan una consulta cada vez (p. ej. los
        parámetros de una regla de equivalencia, leídos en cada decisión). Un error no se recuerda. El
        valor debe ser inmutable: se comparte entre quienes lo pidan.
        """
        self._caducar_cache()
        if clave in self._cache.datos:
            return self._cache.datos[clave]  # type: ignore[return-value]
        valor = calcular()
        self._cache.datos[clave] = valor
        return valor

    def _caducar_cache(self) -> None:
        """Gancho: un backend que comparte el almacén con otros procesos vacía aquí la caché vieja."""
        return None

    def grafo(self, nombre: URIRef) -> Graph:
        """Contenido de un grafo con nombre como ``rdflib.Graph``."""
        res = self._ejecutar(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{nombre}> {{ ?s ?p ?o }} }}", None, None
        )
        return res.grafo if res.grafo is not None else Graph()

    # --- internos ----------------------------------------------------------------------------------
    def _calcular_vistas(self) -> dict[Vista, VistaGrafos]:
        """Lee ``grafo:registro``. Las versiones de envíos no entran una a una en el grafo por defecto:
        sus tripletas están materializadas en ``grafo:vigente/publico`` y ``grafo:vigente/privado``
        (``versiones.publicar`` las mantiene en la misma transacción). Con miles de versiones, pasar
        cada grafo a Oxigraph como grafo por defecto hacía cada búsqueda ~400 veces más lenta.
        """
        res = self._ejecutar(_CONSULTA_GRAFOS, None, None)
        defecto_publico: list[URIRef] = []
        defecto_completo: list[URIRef] = []
        vigentes_publicos: list[URIRef] = []
        vigentes_todos: list[URIRef] = []
        publicos: list[URIRef] = [GRAFO_REGISTRO]
        for fila in res.filas:
            g = fila["g"]
            if not isinstance(g, URIRef):
                continue
            vigente = _verdadero(fila.get("vigente"))
            publico = _verdadero(fila.get("publico"), por_defecto=True)
            es_version = "version" in fila
            if publico:
                publicos.append(g)
            if not vigente:
                continue
            if g not in _UNIONES:  # las uniones son derivadas: no cuentan como grafos vigentes propios
                vigentes_todos.append(g)
                if publico:
                    vigentes_publicos.append(g)
            if es_version:
                continue
            defecto_completo.append(g)
            if publico:
                defecto_publico.append(g)
        return {
            Vista.PUBLICA: VistaGrafos(
                tuple(sorted(defecto_publico)), tuple(sorted(set(publicos))), tuple(sorted(vigentes_publicos))
            ),
            Vista.COMPLETA: VistaGrafos(tuple(sorted(defecto_completo)), None, tuple(sorted(vigentes_todos))),
        }


_CREAR_CERROJO = threading.Lock()


def _verdadero(valor: Node | None, por_defecto: bool = False) -> bool:
    if valor is None:
        return por_defecto
    if isinstance(valor, Literal):
        return bool(valor.toPython()) if not isinstance(valor.toPython(), str) else valor == Literal(True)
    return por_defecto


def insercion_grafo(nombre: URIRef, g: Graph) -> list[str]:
    """Operaciones SPARQL Update que insertan ``g`` en el grafo ``nombre``.

    Las tripletas sin nodos en blanco van en ``INSERT DATA``; las que tienen nodos en blanco van en
    ``INSERT { … } WHERE {}`` (todas en una plantilla, para que una misma etiqueta sea un mismo nodo).
    Así funciona en todos los servidores: Virtuoso rechaza nodos en blanco dentro de ``INSERT DATA``
    («Blank node … is not allowed in a constant clause»), y la plantilla es SPARQL 1.1 estándar.
    """
    con_blancos = [t for t in g if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
    if con_blancos:
        fijas = Graph()
        for t in g:
            if not (isinstance(t[0], BNode) or isinstance(t[2], BNode)):
                fijas.add(t)
    else:
        fijas = g
    partes = []
    cuerpo = a_ntriples(fijas)
    if cuerpo:
        partes.append(f"INSERT DATA {{ GRAPH <{nombre}> {{\n{cuerpo}\n}} }}")
    if con_blancos:
        plantilla = a_ntriples(con_blancos)
        partes.append(f"INSERT {{ GRAPH <{nombre}> {{\n{plantilla}\n}} }} WHERE {{}}")
    return partes


_FUENTES_POR_LOTE = 100
"""Grafos fuente por petición al reconstruir una unión: miles de versiones en una sola petición la
harían enorme (y una sola transacción); una por versión serían miles de idas y vueltas."""


def lotes_union(
    destino: URIRef,
    fuentes: Sequence[URIRef],
    tamano: int = _FUENTES_POR_LOTE,
    *,
    con_valores: bool = False,
) -> Iterator[tuple[int, str]]:
    """Peticiones SPARQL Update que copian ``fuentes`` en ``destino``, por grupos: ``(hechas, texto)``.

    Por defecto cada grupo son operaciones ``INSERT … WHERE`` con el grafo fuente explícito: en Oxigraph
    cada una recorre solo su grafo. Con ``con_valores`` cada grupo es UNA operación ``INSERT … WHERE {
    VALUES ?g { … } GRAPH ?g { … } }``: Virtuoso cobra cada operación de una petición (100 operaciones
    por petición: 105,7 s con 600 k tripletas, frente a 36,2 s de una sola operación para todo), y con
    ``VALUES`` la petición es una sola operación sin dejar de ir por grupos. Ambas formas conservan la
    identidad de los nodos en blanco, como ``versiones.publicar``.
    """
    for inicio in range(0, len(fuentes), tamano):
        grupo = fuentes[inicio : inicio + tamano]
        for g in grupo:
            validar_iri(str(g))
        if con_valores:
            valores = " ".join(f"<{g}>" for g in grupo)
            texto = (
                f"INSERT {{ GRAPH <{destino}> {{ ?s ?p ?o }} }} "
                f"WHERE {{ VALUES ?g {{ {valores} }} GRAPH ?g {{ ?s ?p ?o }} }}"
            )
        else:
            texto = " ;\n".join(
                f"INSERT {{ GRAPH <{destino}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"
                for g in grupo
            )
        yield inicio + len(grupo), texto


def a_ntriples(g: Graph | Iterable[tuple[Node, Node, Node]]) -> str:
    """Serializa tripletas en N-Triples (escape correcto de literales e IRIs)."""
    if isinstance(g, Graph):
        return g.serialize(format="nt", encoding="utf-8").decode("utf-8").strip()
    tmp = Graph()
    for t in g:
        tmp.add(t)
    return tmp.serialize(format="nt", encoding="utf-8").decode("utf-8").strip()


def valores_sparql(terminos: Sequence[Node]) -> str:
    """Serializa términos RDF para un bloque ``VALUES`` (serialización de términos, no de texto libre)."""
    partes = []
    for t in terminos:
        if isinstance(t, URIRef):
            validar_iri(str(t))
        partes.append(t.n3())
    return " ".join(partes)


_PROHIBIDOS_IRI = set('<>"{}|^`\\ \n\r\t')
_IRI_PROHIBIDO = re.compile("[" + re.escape("".join(sorted(_PROHIBIDOS_IRI))) + "\x00-\x1f]")
"""Los mismos caracteres en una expresión regular: cada decisión de convalidación valida cientos de IRIs
(bloques VALUES) y recorrerlos carácter a carácter en Python era lo tercero en el perfil (0,5 s de 8 s
en 20 decisiones con cProfile; sin perfilador la ganancia queda dentro del ruido de la medición)."""


def validar_iri(iri: str) -> None:
    """Rechaza IRIs con caracteres que romperían la sintaxis SPARQL o N-Triples."""
    from registro.errores import EntradaInvalida

    if not iri or _IRI_PROHIBIDO.search(iri):
        raise EntradaInvalida(
            f"IRI inválido: {iri!r}",
            detalle='Un IRI no puede contener espacios, caracteres de control ni <>"{}|^`\\.',
        )


_FORMAS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def inyectar_valores(sparql: str, enlaces: Mapping[str, Node]) -> str:
    """Inserta ``VALUES (?a ?b) { (t1 t2) }`` tras la llave que abre el ``WHERE`` exterior."""
    from registro.errores import ErrorConsulta

    for nombre in enlaces:
        if not nombre.replace("_", "a").isalnum():
            raise ErrorConsulta(f"Nombre de variable inválido: {nombre!r}")
    posicion = _llave_where(sparql)
    if posicion < 0:
        raise ErrorConsulta("No se encontró el grupo WHERE de la consulta para enlazar parámetros")
    variables = " ".join(f"?{n}" for n in enlaces)
    terminos = valores_sparql(list(enlaces.values()))
    bloque = f" VALUES ({variables}) {{ ({terminos}) }} "
    return sparql[: posicion + 1] + bloque + sparql[posicion + 1 :]


def _saltar_cadena(sparql: str, i: int) -> int:
    c = sparql[i]
    triple = c * 3
    if sparql.startswith(triple, i):
        fin = sparql.find(triple, i + 3)
        return len(sparql) if fin < 0 else fin + 3
    j = i + 1
    while j < len(sparql) and sparql[j] != c:
        j += 2 if sparql[j] == "\\" else 1
    return j + 1


def _saltar_iri(sparql: str, i: int) -> int:
    """Fin de un ``<IRI>`` que empieza en ``i``; ``i`` si el ``<`` es un operador."""
    j = i + 1
    while j < len(sparql) and sparql[j] not in '<>"{}|^`\\ \t\n\r':
        j += 1
    return j + 1 if j < len(sparql) and sparql[j] == ">" else i


def _llave_where(sparql: str) -> int:
    """Índice de la ``{`` que abre el patrón principal, saltando comentarios, cadenas e IRIs."""
    i, n, profundidad = 0, len(sparql), 0
    visto_where = False
    forma = ""
    while i < n:
        c = sparql[i]
        if c == "#":
            fin = sparql.find("\n", i)
            i = n if fin < 0 else fin + 1
        elif c in "'\"":
            i = _saltar_cadena(sparql, i)
        elif c == "<" and _saltar_iri(sparql, i) != i:
            i = _saltar_iri(sparql, i)
        elif (
            c.isalpha()
            and profundidad == 0
            and (i == 0 or not (sparql[i - 1].isalnum() or sparql[i - 1] in "?$_:"))
        ):
            j = i
            while j < n and (sparql[j].isalnum() or sparql[j] == "_"):
                j += 1
            palabra = sparql[i:j].upper()
            if palabra == "WHERE":
                visto_where = True
            elif palabra in _FORMAS and not forma:
                forma = palabra
            i = j
        else:
            if c == "{":
                if profundidad == 0 and (visto_where or (forma and forma != "CONSTRUCT")):
                    return i
                profundidad += 1
            elif c == "}":
                profundidad -= 1
            i += 1
    return -1
