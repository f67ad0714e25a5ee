"""Backend remoto: cualquier servidor SPARQL 1.1 Protocol + Graph Store Protocol (GSP).

Probado con el servidor ``oxigraph`` (PyPI) y con Virtuoso 7 de Debian; documentado para GraphDB,
Fuseki y Neptune (``docs/despliegue.md``). Se elige con ``REGISTRO_ALMACEN=http(s)://…``.

Qué hace igual que el almacén embebido (y cómo):

* **Parámetros**: ``Almacen.consultar`` los convierte en un bloque ``VALUES`` con términos
  serializados (``base.inyectar_valores``) antes de llegar a cualquier backend; nunca se formatea
  texto del usuario.
* **Términos**: los resultados JSON se convierten a términos de rdflib igual que ``a_rdflib`` del
  embebido: literales simples con ``xsd:string`` explícito, etiquetas de idioma en minúsculas y formas
  canónicas de Oxigraph para números y booleanos (Virtuoso devuelve ``"1"^^xsd:boolean`` y
  ``"100.0"^^xsd:double`` donde Oxigraph da ``true`` y ``100``).
* **Vista vigente**: parámetros ``default-graph-uri``/``named-graph-uri`` por POST. Como Virtuoso *une*
  los ``FROM`` de la consulta con los del protocolo (el protocolo dice que mandan los de la petición),
  las cláusulas ``FROM`` se quitan del texto cuando se aplica una vista.
* **Atomicidad**: en servidores transaccionales (Oxigraph, Fuseki, GraphDB, Neptune) una petición
  SPARQL Update es todo o nada. Virtuoso aplica las operaciones anteriores a un fallo; para él se
  copia antes cada grafo que la petición va a escribir y, si algo falla, se restaura.
* **Errores**: ``httpx`` y las respuestas del servidor se traducen a ``registro.errores`` en español.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from registro.almacen._sparql import (
    decimales_explicitos,
    forma_consulta,
    grafos_con_nombre_usados,
    grafos_escritos,
    quitar_conjunto_datos,
)
from registro.almacen.base import (
    Almacen,
    Progreso,
    ResultadoConsulta,
    VistaGrafos,
    a_ntriples,
    inyectar_valores,
    lotes_union,
    validar_iri,
)
from registro.almacen.oxigraph import formato_rdf
from registro.configuracion import Configuracion
from registro.errores import (
    ConsultaDemasiadoAmplia,
    EntradaInvalida,
    ErrorAlmacen,
    ErrorConsulta,
    ErrorRegistro,
    FormatoDesconocido,
    TiempoAgotado,
)

GRAFO_VACIO = "urn:x-registro:grafo-vacio"
"""Grafo que nunca existe: se usa como grafo por defecto cuando la vista no tiene ninguno (si no se
indicara nada, Virtuoso usaría la unión de todos los grafos, incluidos los privados)."""

_JSON_RESULTADOS = "application/sparql-results+json"
_ACEPTA_GRAFO = "application/n-triples, text/turtle;q=0.8"
_MAX_DETALLE = 600
_LOTE_POR_DEFECTO = 100_000


# --- perfiles de servidor ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Perfil:
    """Diferencias de comportamiento entre servidores que el backend necesita conocer."""

    nombre: str
    transaccional: bool
    """Una petición SPARQL Update se aplica entera o no se aplica (SPARQL 1.1 Update lo recomienda)."""
    cuadruplas_en_almacen: bool
    """El punto GSP acepta N-Quads sin ``?graph`` (carga y volcado de todo el conjunto de una vez)."""
    grafos_internos: tuple[str, ...] = ()
    """Prefijos de grafos propios del servidor que no son datos del registro."""
    union_por_valores: bool = False
    """Reconstruir uniones con una operación ``VALUES ?g`` por grupo (ver ``base.lotes_union``)."""
    fuentes_por_lote: int = 100
    """Grafos fuente por petición al reconstruir una unión."""
    bytes_lista_grafos: int | None = None
    """Tamaño máximo (codificado) de la lista ``named-graph-uri`` que el servidor admite."""


PERFILES: dict[str, Perfil] = {
    "oxigraph": Perfil("oxigraph", transaccional=True, cuadruplas_en_almacen=True),
    "virtuoso": Perfil(
        "virtuoso",
        transaccional=False,
        cuadruplas_en_almacen=False,
        union_por_valores=True,
        fuentes_por_lote=1000,
        bytes_lista_grafos=95_000,  # medido: falla desde ~100 KB con IRIs cortos, ~124 KB con largos
        grafos_internos=(
            "http://www.openlinksw.com/schemas/virtrdf#",
            "http://www.w3.org/ns/ldp#",
            "http://localuriqaserver/",
            "http://www.openlinksw.com/",
        ),
    ),
    "generico": Perfil("generico", transaccional=True, cuadruplas_en_almacen=False),
}


@dataclass(frozen=True)
class PuntosRemotos:
    """URLs de consulta, actualización y Graph Store Protocol de un servidor."""

    consulta: str
    actualizacion: str
    grafos: str | None


def puntos_desde_url(
    url: str, url_actualizacion: str | None = None, url_almacen_grafos: str | None = None
) -> PuntosRemotos:
    """Deduce las URLs a partir de ``REGISTRO_ALMACEN``.

    * ``http://host:puerto`` (sin ruta): disposición del servidor Oxigraph (``/query``, ``/update``,
      ``/store``).
    * ``…/query``: ``…/update`` y ``…/store`` al lado (Oxigraph; Fuseki usa ``…/data``: configúrelo).
    * ``…/sparql`` o ``…/sparql-auth`` (Virtuoso): actualización en la misma URL y GSP en
      ``…/sparql-graph-crud`` o ``…/sparql-graph-crud-auth``.
    * Cualquier otra: consulta y actualización en la misma URL, sin GSP salvo que se configure.
    """
    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise EntradaInvalida(f"URL de almacén inválida: {url!r}") from exc
    if u.scheme not in {"http", "https"} or not u.host:
        raise EntradaInvalida(
            f"URL de almacén inválida: {url!r}", detalle="Use http(s)://servidor:puerto/ruta-del-punto-sparql."
        )
    ruta = u.path.rstrip("/")
    base = str(u.copy_with(path="/", query=None, fragment=None)).rstrip("/")
    if not ruta:
        consulta, act, grafos = f"{base}/query", f"{base}/update", f"{base}/store"
    elif ruta.endswith("/query"):
        raiz = base + ruta[: -len("/query")]
        consulta, act, grafos = base + ruta, f"{raiz}/update", f"{raiz}/store"
    elif ruta.endswith(("/sparql", "/sparql-auth")):
        consulta = act = base + ruta
        grafos = base + ruta.replace("/sparql", "/sparql-graph-crud")
    else:
        consulta = act = base + ruta
        grafos = None
    return PuntosRemotos(consulta, url_actualizacion or act, url_almacen_grafos or grafos)


# --- autenticación -----------------------------------------------------------------------------------------
class _Credenciales(httpx.Auth):
    """Básica o Digest según lo que pida el servidor (Virtuoso ``/sparql-auth`` exige Digest).

    No envía la clave hasta recibir el desafío: nunca manda una clave Básica a un servidor que pidió
    Digest. Después recuerda el esquema y, con Básica, la envía de entrada.
    """

    def __init__(self, usuario: str, clave: str) -> None:
        self._basica = httpx.BasicAuth(usuario, clave)
        self._digest = httpx.DigestAuth(usuario, clave)
        self._esquema: str | None = None
        self._cerrojo = threading.Lock()

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        if self._esquema == "basic":
            yield from self._basica.auth_flow(request)
            return
        if self._esquema == "digest":
            yield from self._digest.auth_flow(request)
            return
        respuesta = yield request
        if respuesta.status_code != 401:
            return
        desafio = respuesta.headers.get("www-authenticate", "").lower()
        with self._cerrojo:
            self._esquema = "digest" if desafio.startswith("digest") else "basic"
        if self._esquema == "digest":
            yield from self._digest.auth_flow(request)
        else:
            yield from self._basica.auth_flow(request)


# --- conversión de términos ---------------------------------------------------------------------
_ENTEROS = {
    str(XSD[n])
    for n in (
        "integer", "long", "int", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
}
_BOOLEANO, _DECIMAL = str(XSD.boolean), str(XSD.decimal)
_REALES = {str(XSD.double), str(XSD.float)}
_ETIQUETA_BLANCO = re.compile(r"[^A-Za-z0-9_-]")


def canonico(valor: str, tipo: str) -> str:
    """Forma léxica canónica de Oxigraph para booleanos y números (lo demás, tal cual)."""
    if tipo == _BOOLEANO:
        limpio = valor.strip()
        return {"1": "true", "0": "false"}.get(limpio, limpio)
    try:
        if tipo in _ENTEROS:
            return str(int(valor.strip()))
        if tipo == _DECIMAL:
            texto = format(Decimal(valor.strip()).normalize(), "f")
            return "0" if texto == "-0" else texto
        if tipo in _REALES:
            limpio = valor.strip()
            if limpio.upper() in {"INF", "+INF", "-INF", "NAN"}:
                return {"NAN": "NaN", "+INF": "INF"}.get(limpio.upper(), limpio.upper())
            return format(Decimal(repr(float(limpio))).normalize(), "f")
    except (ValueError, InvalidOperation):
        return valor
    return valor


def _etiqueta_blanco(valor: str) -> str:
    """``nodeID://b10001`` (Virtuoso) → ``b10001``: una etiqueta válida en N-Triples y en rdflib."""
    return _ETIQUETA_BLANCO.sub("_", valor.removeprefix("nodeID://").removeprefix("_:")) or "b"


def termino_json(d: Mapping[str, str]) -> Node:
    """Término de un resultado SPARQL JSON → término rdflib, como lo daría el almacén embebido."""
    tipo = d.get("type")
    valor = d.get("value", "")
    if tipo == "uri":
        return URIRef(valor)
    if tipo == "bnode":
        return BNode(_etiqueta_blanco(valor))
    if tipo in {"literal", "typed-literal"}:
        idioma = d.get("xml:lang") or d.get("lang")
        if idioma:
            return Literal(valor, lang=idioma.lower())
        datatype = d.get("datatype") or str(XSD.string)
        return Literal(canonico(valor, datatype), datatype=URIRef(datatype))
    raise ErrorAlmacen(f"El servidor SPARQL devolvió un término no admitido: {tipo!r}")


def _ox_a_rdflib(t: object) -> Node:
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(_etiqueta_blanco(t.value))
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language.lower())
        tipo = t.datatype.value
        return Literal(canonico(t.value, tipo), datatype=URIRef(tipo))
    raise ErrorAlmacen(f"El servidor SPARQL devolvió un término no admitido: {t!r}")


# --- punto de control de cargas ---------------------------------------------------------------------------
@dataclass
class _EstadoCarga:
    archivo: str
    tamano: int
    mtime_ns: int
    almacen: str
    grafo: str | None
    formato: str
    lote: int
    total: int
    posicion: int
    """Cuádruplas del archivo (en orden) ya confirmadas, sin contar las de nodos en blanco."""


def ruta_punto_control(origen: Path) -> Path:
    """Archivo de punto de control de una carga: junto al archivo de origen."""
    return origen.with_name(origen.name + ".reanudar.json")


# --- lector de flujo HTTP -----------------------------------------------------------------------
class _LectorFlujo(io.RawIOBase):
    """Adapta ``Response.iter_raw`` a un archivo para que pyoxigraph analice mientras descarga."""

    def __init__(self, trozos: Iterator[bytes]) -> None:
        self._trozos, self._resto = trozos, b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while not self._resto:
            try:
                self._resto = next(self._trozos)
            except StopIteration:
                return 0
        n = min(len(b), len(self._resto))
        b[:n], self._resto = self._resto[:n], self._resto[n:]
        return n


class _LectorConAvance(io.RawIOBase):
    def __init__(self, base: BinaryIO, progreso: Progreso, desplazamiento: int, total: int) -> None:
        self._base, self._progreso = base, progreso
        self._desplazamiento, self._total, self._hecho = desplazamiento, total, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        datos = self._base.read(len(b))
        n = len(datos)
        b[:n] = datos
        self._hecho += n
        self._progreso(self._desplazamiento + self._hecho, self._total)
        return n


def _abrir(origen: Path | bytes, progreso: Progreso | None, desplazamiento: int, total: int) -> BinaryIO:
    base: BinaryIO = origen.open("rb") if isinstance(origen, Path) else io.BytesIO(origen)
    if progreso is None:
        return base
    return io.BufferedReader(_LectorConAvance(base, progreso, desplazamiento, total), buffer_size=1 << 20)


def _tiene_blanco(q: ox.Quad) -> bool:
    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)


@dataclass
class _Copia:
    """Copia previa de una escritura en un servidor sin transacciones (ver ``AlmacenRemoto._respaldo``)."""

    completos: dict[str, bytes]
    """Grafo → su contenido entero en N-Triples (vacío si no existía)."""
    acotados: dict[str, tuple[tuple[str, ...], bytes]]
    """Grafo → (fuentes que acotan el cambio, N-Triples de ``grafo ∩ fuentes`` antes de escribir)."""


# --- el almacén ---------------------------------------------------------------------------------
class AlmacenRemoto(Almacen):
    """Almacén en un servidor SPARQL 1.1 remoto (consulta, actualización y Graph Store Protocol)."""

    def __init__(
        self,
        url: str,
        *,
        url_actualizacion: str | None = None,
        url_almacen_grafos: str | None = None,
        usuario: str | None = None,
        clave: str | None = None,
        perfil: str | None = None,
        tiempo_espera: float = 300.0,
        conexiones: int = 8,
        lote_carga: int = _LOTE_POR_DEFECTO,
        vigencia_vista: float = 5.0,
    ) -> None:
        """``perfil`` (``oxigraph``, ``virtuoso``, ``generico``) se detecta por la cabecera ``Server``
        si no se indica. ``vigencia_vista``: segundos que se reutiliza la lista de grafos vigentes;
        con un servidor compartido otro proceso puede publicar versiones, así que no es eterna."""
        super().__init__()
        self.url = url
        self.puntos = puntos_desde_url(url, url_actualizacion, url_almacen_grafos)
        if perfil is not None and perfil not in PERFILES:
            raise EntradaInvalida(
                f"Perfil de servidor desconocido: {perfil!r}", detalle=f"Use {', '.join(PERFILES)}."
            )
        self._perfil_fijo = PERFILES[perfil] if perfil else None
        self._perfil_detectado: Perfil | None = None
        self._grafos_fijados = url_almacen_grafos is not None
        self.lote_carga = lote_carga
        self._vigencia_vista = vigencia_vista
        self._momento_vista = 0.0
        self._todos_grafos: tuple[str, ...] | None = None
        auth = _Credenciales(usuario, clave or "") if usuario else None
        self._cliente = httpx.Client(
            auth=auth,
            timeout=httpx.Timeout(tiempo_espera, connect=10.0),
            limits=httpx.Limits(max_connections=conexiones, max_keepalive_connections=conexiones),
            follow_redirects=False,
            headers={"User-Agent": "registro-cualificaciones"},
        )

    @property
    def autenticacion(self) -> httpx.Auth | None:
        """Credenciales del servidor, para otros clientes HTTP del mismo servidor (punto SPARQL público)."""
        return self._cliente.auth

    @classmethod
    def desde_configuracion(cls, config: Configuracion) -> AlmacenRemoto:
        """Construye el almacén desde ``REGISTRO_ALMACEN``, ``REGISTRO_URL_ACTUALIZACION``, etc."""
        return cls(
            config.almacen,
            url_actualizacion=config.url_actualizacion,
            url_almacen_grafos=config.url_almacen_grafos,
            usuario=config.usuario_remoto,
            clave=config.clave_remota,
        )

    # --- perfil -----------------------------------------------------------------------------------------
    @property
    def perfil(self) -> Perfil:
        """Perfil del servidor: fijado al construir o detectado en la primera petición."""
        if self._perfil_fijo is not None:
            return self._perfil_fijo
        if self._perfil_detectado is None:
            r = self._peticion(
                "POST", self.puntos.consulta, que="consulta", data={"query": "ASK {}"},
                headers={"Accept": _JSON_RESULTADOS},
            )
            servidor = r.headers.get("server", "").lower()
            nombre = next((n for n in ("oxigraph", "virtuoso") if n in servidor), "generico")
            self._perfil_detectado = PERFILES[nombre]
        return self._perfil_detectado

    @property
    def _url_grafos(self) -> str | None:
        if self._grafos_fijados or self.perfil.nombre in {"oxigraph", "virtuoso"}:
            return self.puntos.grafos
        return None

    # --- HTTP ------------------------------------------------------------------------------------------
    def _peticion(
        self, metodo: str, url: str, *, que: str, permitir: Iterable[int] = (), **kwargs: object
    ) -> httpx.Response:
        """Hace una petición y traduce los fallos de red y los códigos de error del servidor."""
        try:
            r = self._cliente.request(metodo, url, **kwargs)  # type: ignore[arg-type]
        except httpx.TimeoutException as exc:
            raise TiempoAgotado(
                f"El servidor SPARQL no respondió a tiempo ({que})",
                donde=url,
                detalle="Si era una escritura, compruebe su estado: el servidor pudo terminarla igualmente.",
            ) from exc
        except httpx.TransportError as exc:
            raise error_lista_de_grafos(kwargs.get("data"), str(exc)) or ErrorAlmacen(
                f"No se puede conectar con el servidor SPARQL ({que})",
                donde=url,
                detalle=f"{exc}. ¿Está en marcha y es correcta REGISTRO_ALMACEN?",
            ) from exc
        if r.status_code < 400 or r.status_code in set(permitir):
            return r
        raise error_lista_de_grafos(kwargs.get("data"), _texto_error(r)) or self._error_http(r, que)

    def _error_http(self, r: httpx.Response, que: str) -> ErrorRegistro:
        detalle = _texto_error(r)
        url = str(r.request.url.copy_with(query=None))
        codigo = r.status_code
        if codigo in {401, 403}:
            return ErrorAlmacen(
                f"El servidor SPARQL rechazó las credenciales o los permisos (HTTP {codigo}, {que})",
                donde=url,
                detalle="Revise REGISTRO_USUARIO_REMOTO y REGISTRO_CLAVE_REMOTA y que ese usuario pueda "
                f"escribir (en Virtuoso: rol SPARQL_UPDATE). Servidor: {detalle}",
            )
        if codigo == 404:
            return ErrorAlmacen(
                f"La URL del servidor SPARQL no existe (HTTP 404, {que})",
                donde=url,
                detalle="Revise REGISTRO_ALMACEN, REGISTRO_URL_ACTUALIZACION y REGISTRO_URL_ALMACEN_GRAFOS.",
            )
        if codigo == 413:
            return ErrorAlmacen(
                f"El servidor SPARQL rechazó una petición demasiado grande ({que})",
                donde=url,
                detalle="Reduzca el tamaño del lote de carga o aumente el límite del servidor.",
            )
        de_compilacion = codigo == 400 or "SP030" in detalle or "SP031" in detalle or "37000" in detalle
        if que == "actualización":
            if de_compilacion:
                return ErrorConsulta("La actualización SPARQL es inválida", donde=url, detalle=detalle)
            return ErrorAlmacen(
                "No se pudo aplicar la actualización; no se escribió nada", donde=url, detalle=detalle
            )
        if que == "consulta":
            if de_compilacion:
                return ErrorConsulta(
                    "La consulta SPARQL tiene un error de sintaxis", donde=url, detalle=detalle
                )
            if codigo in {503, 504}:
                return TiempoAgotado("El servidor SPARQL abandonó la consulta", donde=url, detalle=detalle)
            return ErrorConsulta("La consulta SPARQL falló al ejecutarse", donde=url, detalle=detalle)
        return ErrorAlmacen(
            f"El servidor SPARQL devolvió un error (HTTP {codigo}, {que})", donde=url, detalle=detalle
        )

    @staticmethod
    def _comprobar_truncado(r: httpx.Response) -> None:
        """Virtuoso corta en ``ResultSetMaxRows`` filas y solo lo dice en una cabecera: es un error."""
        maximo = r.headers.get("x-sparql-maxrows")
        if maximo:
            raise ErrorAlmacen(
                f"El servidor SPARQL truncó el resultado a {maximo} filas",
                detalle="Aumente ResultSetMaxRows en la sección [SPARQL] de virtuoso.ini "
                "(ver docs/despliegue.md); un resultado parcial daría equivalencias falsas.",
            )

    # --- vista -------------------------------------------------------------------------------------------
    def grafos_de(self, vista):  # type: ignore[override]
        self._caducar_cache()
        return super().grafos_de(vista)

    def _caducar_cache(self) -> None:
        # Otros procesos pueden escribir en el mismo servidor: la caché de vistas y de ``recordar`` dura
        # como mucho ``vigencia_vista`` segundos.
        if time.monotonic() - self._momento_vista > self._vigencia_vista:
            self.invalidar_vista()

    def invalidar_vista(self) -> None:
        super().invalidar_vista()
        self._todos_grafos = None
        # Todo lo que haya en la caché a partir de ahora se calculó después de este momento.
        self._momento_vista = time.monotonic()

    def _lista_grafos(self) -> tuple[str, ...]:
        """Todos los grafos con nombre (para «todos» en servidores que exigen la lista explícita)."""
        if self._todos_grafos is None:
            # Sin conjunto de datos en la petición (no ``_ejecutar``, que lo pediría recursivamente).
            # Oxigraph enumera sus grafos con ``GRAPH ?g {}``; en Virtuoso ese patrón no devuelve
            # nada y ``SELECT DISTINCT ?g`` recorre todo (8 s con 60.000 tripletas), mientras que
            # agrupar y contar usa el índice por grafo (0,06 s).
            consulta = (
                "SELECT ?g WHERE { GRAPH ?g { } }"
                if self.perfil.nombre == "oxigraph"
                else "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            )
            r = self._peticion(
                "POST", self.puntos.consulta, que="consulta", headers={"Accept": _JSON_RESULTADOS},
                data={"query": consulta},
            )
            self._comprobar_truncado(r)
            res = _resultado_json(r.content)
            self._todos_grafos = tuple(
                sorted(str(f["g"]) for f in res.filas if "g" in f and not self._es_interno(str(f["g"])))
            )
        return self._todos_grafos

    def _es_interno(self, grafo: str) -> bool:
        return grafo.startswith(self.perfil.grafos_internos) if self.perfil.grafos_internos else False

    def _conjunto_datos(
        self, grafos: VistaGrafos | None, con_nombre: bool | frozenset[str] = True
    ) -> dict[str, list[str]]:
        """Parámetros del protocolo para la vista. ``con_nombre=False`` (la consulta no usa ``GRAPH``)
        omite la lista de grafos con nombre, que con miles de versiones pesa megabytes; un conjunto (los
        ``GRAPH <iri>`` constantes de la consulta) la reduce a los de la vista que la consulta nombra."""
        if grafos is None:
            # «El almacén tal cual» (Vista.TODO: administración y metadatos, nunca público). En
            # Virtuoso su grafo por defecto es la unión de todos, no el grafo por defecto vacío del
            # embebido; todas las consultas TODO del registro nombran sus grafos con GRAPH, y enviar la
            # lista de todos los grafos (miles) en cada una costaba ~0,2 s por consulta.
            return {}
        # «Todos los grafos con nombre» hay que enumerarlos: con solo ``default-graph-uri`` Oxigraph
        # no ve ninguno (como dice el protocolo) y Virtuoso ve todos con ``GRAPH ?g`` pero ninguno con
        # ``GRAPH <iri>``.
        datos = {"default-graph-uri": [str(g) for g in grafos.por_defecto] or [GRAFO_VACIO]}
        if isinstance(con_nombre, frozenset):
            permitidos = (
                sorted(con_nombre)
                if grafos.con_nombre is None
                else [str(g) for g in grafos.con_nombre if str(g) in con_nombre]
            )
            datos["named-graph-uri"] = permitidos or [GRAFO_VACIO]
        elif con_nombre:
            nombrados = grafos.con_nombre if grafos.con_nombre is not None else self._lista_grafos()
            datos["named-graph-uri"] = [str(g) for g in nombrados] or [GRAFO_VACIO]
        return datos

    # --- consultas ---------------------------------------------------------------------------------------
    def _preparar(self, sparql: str, grafos: VistaGrafos | None) -> tuple[str, dict[str, object]]:
        texto = quitar_conjunto_datos(sparql) if grafos is not None else sparql
        datos: dict[str, object] = {
            "query": texto, **self._conjunto_datos(grafos, grafos_con_nombre_usados(texto))
        }
        comprobar_lista_de_grafos(self.perfil, datos)
        return texto, datos

    def _ejecutar(
        self, sparql: str, enlaces: Mapping[str, Node] | None, grafos: VistaGrafos | None
    ) -> ResultadoConsulta:
        texto, datos = self._preparar(inyectar_valores(sparql, enlaces) if enlaces else sparql, grafos)
        forma = forma_consulta(texto)
        acepta = _JSON_RESULTADOS if forma in {"SELECT", "ASK"} else _ACEPTA_GRAFO
        r = self._peticion(
            "POST", self.puntos.consulta, que="consulta", data=datos, headers={"Accept": acepta}
        )
        self._comprobar_truncado(r)
        tipo = r.headers.get("content-type", "").split(";")[0].strip().lower()
        if "json" in tipo:
            return _resultado_json(r.content)
        g = Graph()
        for q in _analizar(r.content, tipo):
            g.add((_ox_a_rdflib(q.subject), _ox_a_rdflib(q.predicate), _ox_a_rdflib(q.object)))
        return ResultadoConsulta(tipo="grafo", grafo=g)

    def _ejecutar_serializado(
        self, sparql: str, formato: str, grafos: VistaGrafos | None
    ) -> tuple[bytes, str]:
        """Pasa el cuerpo del servidor tal cual (sin reinterpretar), tras comprobar que no esté truncado."""
        texto, datos = self._preparar(sparql, grafos)
        forma = forma_consulta(texto)
        if forma in {"SELECT", "ASK"}:
            acepta = formato if formato in _FORMATOS_RESULTADOS else _JSON_RESULTADOS
        else:
            acepta = formato if formato in _FORMATOS_GRAFO else "text/turtle"
        r = self._peticion(
            "POST", self.puntos.consulta, que="consulta", data=datos, headers={"Accept": acepta}
        )
        self._comprobar_truncado(r)
        recibido = r.headers.get("content-type", acepta).split(";")[0].strip().lower()
        if forma not in {"SELECT", "ASK"} and recibido != acepta:
            # Algunos servidores ignoran el formato pedido para CONSTRUCT (Virtuoso puede dar Turtle
            # o text/plain): quien pide N-Triples los recibe, se reserializa.
            pedido = ox.RdfFormat.from_media_type(acepta) or ox.RdfFormat.TURTLE
            return ox.serialize(_analizar(r.content, recibido), format=pedido), pedido.media_type
        return r.content, recibido

    # --- escrituras ---------------------------------------------------------------------------------------
    def _enviar_actualizacion(self, sparql_update: str) -> None:
        if self.perfil.nombre == "virtuoso":
            sparql_update = decimales_explicitos(sparql_update)
        self._peticion("POST", self.puntos.actualizacion, que="actualización", data={"update": sparql_update})

    def _actualizar(self, sparql_update: str) -> None:
        if self.perfil.transaccional:
            self._enviar_actualizacion(sparql_update)
            return
        afectados = grafos_escritos(sparql_update)
        if afectados is None:
            raise ErrorConsulta(
                "Este servidor no aplica las actualizaciones de forma atómica y esta no nombra sus grafos",
                detalle="En Virtuoso solo se admiten actualizaciones con grafos explícitos (GRAPH <…>), "
                "para poder restaurarlos si algo falla.",
            )
        with self._respaldo(afectados):
            self._enviar_actualizacion(sparql_update)

    def unir_grafos(
        self, destino: URIRef, fuentes: Sequence[URIRef], progreso: Progreso | None = None
    ) -> None:
        """Grupos de ``INSERT … WHERE`` en el servidor (los datos no viajan), sin copia previa.

        Sin copia previa también en Virtuoso: la reconstrucción no es atómica por contrato (ver
        ``Almacen.unir_grafos``) y copiar la unión entera antes de cada grupo era justo lo caro. Cada
        grupo es una transacción acotada en los servidores transaccionales.
        """
        validar_iri(str(destino))
        try:
            self._enviar_actualizacion(f"DROP SILENT GRAPH <{destino}>")
            lotes = lotes_union(
                destino, fuentes, self.perfil.fuentes_por_lote, con_valores=self.perfil.union_por_valores
            )
            for hechas, texto in lotes:
                self._enviar_actualizacion(texto)
                if progreso is not None:
                    progreso(hechas, len(fuentes))
        finally:
            self.invalidar_vista()

    def reemplazar_grafos(
        self,
        grafos: Mapping[URIRef, Graph],
        actualizacion_extra: str = "",
        *,
        cambios_acotados: Mapping[URIRef, Sequence[URIRef]] | None = None,
    ) -> None:
        """Como en la base (una petición) si el servidor es transaccional; si no, GSP ``PUT`` por grafo.

        En Virtuoso una petición con muchas tripletas en ``INSERT DATA`` falla («generated SQL text has
        exceeded 10000 lines» hacia las 2.000 tripletas) o tarda minutos; ``PUT`` carga 20.000
        tripletas en ~2 s. La atomicidad la da la copia previa de los grafos afectados: entera para los
        grafos normales y, para los de ``cambios_acotados`` (las uniones de versiones vigentes, es decir
        todo el registro), solo ``grafo ∩ fuentes``, tomada tras los ``PUT`` y justo antes de la
        actualización adicional (ver ``_copiar_acotado``).
        """
        if self.perfil.transaccional or self._url_grafos is None:
            super().reemplazar_grafos(grafos, actualizacion_extra, cambios_acotados=cambios_acotados)
            return
        afectados = {str(g) for g in grafos}
        extra: set[str] = set()
        if actualizacion_extra.strip():
            escritos = grafos_escritos(actualizacion_extra)
            if escritos is None:
                raise ErrorConsulta("La actualización adicional debe nombrar sus grafos (GRAPH <…>)")
            extra = escritos
        acotados: dict[str, tuple[str, ...]] = {}
        for g, fuentes in (cambios_acotados or {}).items():
            nombres = tuple(dict.fromkeys(str(f) for f in fuentes))
            # Solo vale si la actualización escribe el grafo, no lo sustituye entero (PUT) y no escribe
            # en las fuentes; si no, copia entera (más lenta, siempre correcta).
            if str(g) in extra and str(g) not in afectados and not set(nombres) & extra:
                acotados[str(g)] = nombres
        afectados |= extra - acotados.keys()
        try:
            with self._respaldo(afectados) as copia:
                for nombre, g in grafos.items():
                    self._poner_grafo(str(nombre), a_ntriples(g).encode("utf-8"))
                if actualizacion_extra.strip():
                    for g, fuentes in acotados.items():
                        self._copiar_acotado(copia, g, fuentes)
                    self._enviar_actualizacion(actualizacion_extra)
        finally:
            self.invalidar_vista()

    def _poner_grafo(self, grafo: str, ntriples: bytes) -> None:
        """Sustituye el contenido de un grafo (GSP ``PUT``; un grafo vacío se elimina)."""
        if not ntriples.strip():
            self._enviar_actualizacion(f"DROP SILENT GRAPH <{grafo}>")
            return
        assert self._url_grafos is not None
        self._peticion(
            "PUT", self._url_grafos, que="escritura de grafo", params={"graph": grafo}, content=ntriples,
            headers={"Content-Type": "application/n-triples"},
        )

    def _leer_grafo(self, grafo: str) -> bytes:
        """N-Triples de un grafo (vacío si no existe); comprueba que el servidor no lo truncó."""
        if self._url_grafos is not None:
            r = self._peticion(
                "GET", self._url_grafos, que="lectura de grafo", permitir=(404,), params={"graph": grafo},
                headers={"Accept": "application/n-triples"},
            )
            if r.status_code == 404:
                return b""
            if not r.headers.get("x-sparql-maxrows"):
                tipo = r.headers.get("content-type", "").split(";")[0].strip().lower()
                if tipo in {"application/n-triples", "text/plain"}:
                    return r.content
                return ox.serialize(_analizar(r.content, tipo), format=ox.RdfFormat.N_TRIPLES)
        return ox.serialize(
            (ox.Triple(q.subject, q.predicate, q.object) for q in self._cuadruplas_paginadas(grafo)),
            format=ox.RdfFormat.N_TRIPLES,
        )

    def _copiar_acotado(self, copia: _Copia, grafo: str, fuentes: tuple[str, ...]) -> None:
        """Copia ``grafo ∩ fuentes`` (en el servidor: un ``CONSTRUCT`` por fuente) en vez del grafo entero.

        Por qué basta: si la actualización solo cambia ``grafo`` en tripletas de ``fuentes`` (``D``),
        entonces ``después ∖ D = antes ∖ D``, y restaurar es quitar ``D`` y volver a poner
        ``antes ∩ D``. Para una publicación, ``D`` son la versión anterior y la nueva (miles de
        tripletas) y ``grafo`` la unión vigente (millones). Si la intersección tiene nodos en blanco,
        se copia el grafo entero: reinsertar un nodo en blanco por texto crearía un nodo distinto del
        de la versión y la unión ya no casaría con ella al retirarla.
        """
        tripletas: set[ox.Triple] = set()
        for fuente in fuentes:
            texto = (
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{grafo}> {{ ?s ?p ?o }} "
                f"GRAPH <{fuente}> {{ ?s ?p ?o }} }}"
            )
            r = self._peticion(
                "POST", self.puntos.consulta, que="consulta", data={"query": texto},
                headers={"Accept": _ACEPTA_GRAFO},
            )
            self._comprobar_truncado(r)
            tipo = r.headers.get("content-type", "").split(";")[0].strip().lower()
            for q in _analizar(r.content, tipo):
                t = ox.Triple(q.subject, q.predicate, q.object)
                if _tiene_blanco(ox.Quad(t.subject, t.predicate, t.object)):
                    copia.completos[grafo] = self._leer_grafo(grafo)
                    return
                tripletas.add(t)
        cuerpo = ox.serialize(sorted(tripletas, key=str), format=ox.RdfFormat.N_TRIPLES)
        copia.acotados[grafo] = (fuentes, cuerpo)

    def _restaurar_acotado(self, grafo: str, fuentes: tuple[str, ...], interseccion: bytes) -> None:
        """Quita de ``grafo`` las tripletas de las fuentes y vuelve a poner las que tenía (``POST`` GSP)."""
        self._enviar_actualizacion(
            " ;\n".join(
                f"DELETE {{ GRAPH <{grafo}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{f}> {{ ?s ?p ?o }} }}"
                for f in fuentes
            )
        )
        if interseccion.strip():
            assert self._url_grafos is not None
            self._peticion(
                "POST", self._url_grafos, que="escritura de grafo", params={"graph": grafo},
                content=interseccion, headers={"Content-Type": "application/n-triples"},
            )

    @contextlib.contextmanager
    def _respaldo(self, grafos: set[str]) -> Iterator[_Copia]:
        """Copia los grafos antes de escribir y los restaura si la escritura falla (servidor no atómico).

        Dentro del bloque pueden añadirse copias acotadas (``_copiar_acotado``); se restauran primero,
        mientras sus fuentes (p. ej. la versión nueva recién escrita) siguen como estaban al fallar, y
        después las copias enteras.
        """
        copia = _Copia({g: self._leer_grafo(g) for g in sorted(grafos)}, {})
        try:
            yield copia
        except ErrorRegistro as exc:
            # Se restaura siempre: aunque esta petición no llegara a ejecutarse (error de sintaxis),
            # las anteriores del mismo bloque (p. ej. los PUT de ``reemplazar_grafos``) sí lo hicieron.
            fallidos = []
            for g, (fuentes, interseccion) in copia.acotados.items():
                try:
                    self._restaurar_acotado(g, fuentes, interseccion)
                except ErrorRegistro:
                    fallidos.append(g)
            for g, contenido in copia.completos.items():
                try:
                    self._poner_grafo(g, contenido)
                except ErrorRegistro:
                    fallidos.append(g)
            if fallidos:
                raise ErrorAlmacen(
                    "La escritura falló y no se pudo restaurar el estado anterior",
                    detalle=f"Revise a mano estos grafos: {', '.join(fallidos)}. Error original: {exc}",
                ) from exc
            if isinstance(exc, ErrorConsulta) and not isinstance(exc, TiempoAgotado):
                raise  # consulta inválida: el mismo error que daría un servidor transaccional
            raise ErrorAlmacen(
                "No se pudo aplicar la actualización; no se escribió nada", detalle=str(exc)
            ) from exc
        finally:
            self.invalidar_vista()

    # --- carga masiva ------------------------------------------------------------------------------
    def cargar(
        self,
        origen: Path | bytes,
        formato: str,
        grafo: URIRef | None = None,
        progreso: Progreso | None = None,
        *,
        reanudar: bool = False,
    ) -> int:
        """Valida el archivo entero y luego lo envía por lotes (GSP ``POST``) con punto de control.

        Las cuádruplas con nodos en blanco se guardan y se envían juntas al final en una sola
        petición: cada petición GSP es un documento aparte y el servidor daría nodos distintos a una
        misma etiqueta repartida entre dos lotes.
        """
        fmt = formato_rdf(formato)
        destino = ox.NamedNode(str(grafo)) if grafo is not None else None
        if not fmt.supports_datasets and destino is None:
            raise EntradaInvalida(
                "Un archivo de tripletas necesita un grafo de destino",
                detalle="Indique el grafo con --grafo o use TriG/N-Quads.",
            )
        tamano = origen.stat().st_size if isinstance(origen, Path) else len(origen)
        control = ruta_punto_control(origen) if isinstance(origen, Path) else None
        estado = self._leer_control(control, origen, fmt, grafo) if reanudar and control else None
        # Avance: la validación ocupa la primera mitad y el envío la segunda (al reanudar, solo envío).
        reanudando = estado is not None
        total_avance = tamano if reanudando else 2 * tamano
        if estado is None:
            cantidad = 0
            try:
                for _ in ox.parse(_abrir(origen, progreso, 0, total_avance), format=fmt):
                    cantidad += 1
            except SyntaxError as exc:
                raise EntradaInvalida(
                    "El archivo tiene un error de sintaxis; no se cargó nada",
                    donde=str(origen) if isinstance(origen, Path) else None,
                    detalle=str(exc),
                ) from exc
            estado = _EstadoCarga(
                archivo=str(origen) if isinstance(origen, Path) else "",
                tamano=tamano,
                mtime_ns=origen.stat().st_mtime_ns if isinstance(origen, Path) else 0,
                almacen=self.url,
                grafo=str(grafo) if grafo is not None else None,
                formato=str(fmt.file_extension),
                lote=self.lote_carga,
                total=cantidad,
                posicion=0,
            )
        desplazamiento = 0 if reanudando else tamano
        try:
            self._enviar_lotes(origen, fmt, destino, estado, control, progreso, desplazamiento, total_avance)
        except ErrorRegistro as exc:
            if control is not None:
                raise ErrorAlmacen(
                    f"La carga se interrumpió con {estado.posicion:,} de {estado.total:,} cuádruplas "
                    "confirmadas",
                    donde=str(origen),
                    detalle=f"Repita la orden con --reanudar para seguir desde el último lote (punto de "
                    f"control: {control.name}). Causa: {exc}",
                ) from exc
            raise
        finally:
            self.invalidar_vista()
        if control is not None:
            control.unlink(missing_ok=True)
        return estado.total

    def _leer_control(
        self, control: Path, origen: Path, fmt: ox.RdfFormat, grafo: URIRef | None
    ) -> _EstadoCarga | None:
        if not control.is_file():
            return None
        try:
            estado = _EstadoCarga(**json.loads(control.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise EntradaInvalida(
                f"El punto de control {control.name} está dañado", detalle="Bórrelo y cargue sin --reanudar."
            ) from exc
        st = origen.stat()
        esperado = (st.st_size, st.st_mtime_ns, self.url, str(grafo) if grafo is not None else None,
                    str(fmt.file_extension))
        if (estado.tamano, estado.mtime_ns, estado.almacen, estado.grafo, estado.formato) != esperado:
            raise EntradaInvalida(
                f"El punto de control {control.name} corresponde a otro archivo, almacén o grafo",
                detalle="El archivo cambió desde la carga interrumpida: bórrelo y cargue sin --reanudar.",
            )
        return estado

    def _enviar_lotes(
        self,
        origen: Path | bytes,
        fmt: ox.RdfFormat,
        destino: ox.NamedNode | None,
        estado: _EstadoCarga,
        control: Path | None,
        progreso: Progreso | None,
        desplazamiento: int,
        total_avance: int,
    ) -> None:
        lote: list[ox.Quad] = []
        blancos: list[ox.Quad] = []
        posicion = 0
        saltar = estado.posicion
        for q in ox.parse(_abrir(origen, progreso, desplazamiento, total_avance), format=fmt):
            if destino is not None:
                q = ox.Quad(q.subject, q.predicate, q.object, destino)
            posicion += 1
            if _tiene_blanco(q):
                blancos.append(q)
                continue
            if posicion <= saltar:
                continue
            lote.append(q)
            if len(lote) >= estado.lote:
                self._enviar_cuadruplas(lote)
                lote = []
                estado.posicion = posicion
                self._guardar_control(control, estado)
        if lote:
            self._enviar_cuadruplas(lote)
        estado.posicion = posicion
        self._guardar_control(control, estado)
        if blancos:
            self._enviar_cuadruplas(blancos)

    @staticmethod
    def _guardar_control(control: Path | None, estado: _EstadoCarga) -> None:
        if control is None:
            return
        tmp = control.with_name(control.name + ".tmp")
        tmp.write_text(json.dumps(asdict(estado), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, control)

    def _enviar_cuadruplas(self, cuadruplas: list[ox.Quad]) -> None:
        """Un lote: N-Quads de una vez si el servidor lo admite; si no, N-Triples por grafo."""
        url = self._url_grafos
        if url is not None and self.perfil.cuadruplas_en_almacen:
            # ``no_transaction`` (Oxigraph): el lote entra por el cargador masivo, sin transacción. No
            # cambia la garantía: la atomicidad de la carga remota es por lote, y un lote a medias se
            # vuelve a enviar entero al reanudar (mismas tripletas: idempotente).
            self._peticion(
                "POST", url, que="carga", params={"no_transaction": ""},
                content=ox.serialize(cuadruplas, format=ox.RdfFormat.N_QUADS),
                headers={"Content-Type": "application/n-quads"},
            )
            return
        por_grafo: dict[object, list[ox.Triple]] = {}
        for q in cuadruplas:
            por_grafo.setdefault(q.graph_name, []).append(ox.Triple(q.subject, q.predicate, q.object))
        for g, tripletas in por_grafo.items():
            cuerpo = ox.serialize(tripletas, format=ox.RdfFormat.N_TRIPLES)
            if url is not None:
                params = {"graph": g.value} if isinstance(g, ox.NamedNode) else {"default": ""}
                self._peticion(
                    "POST", url, que="carga", params=params, content=cuerpo,
                    headers={"Content-Type": "application/n-triples"},
                )
            else:
                destino = f"GRAPH <{g.value}> " if isinstance(g, ox.NamedNode) else ""
                texto = cuerpo.decode("utf-8")
                if any(_tiene_blanco(ox.Quad(t.subject, t.predicate, t.object)) for t in tripletas):
                    self._enviar_actualizacion(f"INSERT {{ {destino}{{ {texto} }} }} WHERE {{}}")
                else:
                    self._enviar_actualizacion(f"INSERT DATA {{ {destino}{{ {texto} }} }}")

    # --- volcado y conteos --------------------------------------------------------------------------------
    def volcar(self, destino: BinaryIO, formato: str = "nquads") -> None:
        fmt = formato_rdf(formato)
        if not fmt.supports_datasets:
            raise FormatoDesconocido("El volcado completo necesita un formato con grafos: trig o nquads")
        url = self._url_grafos
        if url is not None and self.perfil.cuadruplas_en_almacen:
            # Oxigraph: todo el conjunto en un solo GET, en flujo (sin cargarlo en memoria).
            with self._cliente.stream("GET", url, headers={"Accept": "application/n-quads"}) as r:
                if r.status_code >= 400:
                    r.read()
                    raise self._error_http(r, "volcado")
                self._comprobar_truncado(r)
                if fmt == ox.RdfFormat.N_QUADS:
                    for trozo in r.iter_raw():
                        destino.write(trozo)
                else:
                    cuadruplas = ox.parse(_LectorFlujo(r.iter_raw()), format=ox.RdfFormat.N_QUADS)
                    ox.serialize(cuadruplas, destino, fmt)
            return
        ox.serialize(self._cuadruplas_de_todo(), destino, fmt)

    def _cuadruplas_de_todo(self) -> Iterator[ox.Quad]:
        for grafo in sorted(self.conteos()):
            g = ox.NamedNode(grafo)
            url = self._url_grafos
            if url is None:
                yield from self._cuadruplas_paginadas(grafo)
                continue
            with self._cliente.stream(
                "GET", url, params={"graph": grafo}, headers={"Accept": "application/n-triples"}
            ) as r:
                if r.status_code >= 400:
                    r.read()
                    raise self._error_http(r, "volcado")
                if r.headers.get("x-sparql-maxrows"):
                    truncado = True
                else:
                    truncado = False
                    tipo = r.headers.get("content-type", "").split(";")[0].strip().lower()
                    for q in ox.parse(_LectorFlujo(r.iter_raw()), format=_formato_respuesta(tipo)):
                        yield ox.Quad(q.subject, q.predicate, q.object, g)
            if truncado:
                yield from self._cuadruplas_paginadas(grafo)

    def _cuadruplas_paginadas(self, grafo: str, pagina: int = 10_000) -> Iterator[ox.Quad]:
        """CONSTRUCT por páginas ordenadas: evita el tope de filas de Virtuoso (y su límite de ORDER BY
        con OFFSET grandes, por eso la subconsulta)."""
        g = ox.NamedNode(grafo)
        desde = 0
        while True:
            texto = (
                "CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s ?p ?o WHERE { GRAPH "
                f"<{grafo}> {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o }} }} LIMIT {pagina} OFFSET {desde}"
            )
            datos = {"query": texto, **self._conjunto_datos(None)}
            r = self._peticion(
                "POST", self.puntos.consulta, que="consulta", data=datos, headers={"Accept": _ACEPTA_GRAFO}
            )
            tipo = r.headers.get("content-type", "").split(";")[0].strip().lower()
            cuadruplas = [ox.Quad(q.subject, q.predicate, q.object, g) for q in _analizar(r.content, tipo)]
            yield from cuadruplas
            if len(cuadruplas) < pagina:
                return
            desde += pagina

    def conteos(self) -> dict[str, int]:
        res = self._ejecutar(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", None, None
        )
        return {
            str(f["g"]): int(f["n"].toPython())
            for f in res.filas
            if "g" in f and not self._es_interno(str(f["g"]))
        }

    def cerrar(self) -> None:
        self._cliente.close()


_FORMATOS_RESULTADOS = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
_FORMATOS_GRAFO = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
                   "application/n-quads", "application/trig"}


def _formato_respuesta(tipo: str) -> ox.RdfFormat:
    if tipo in {"text/plain", "application/n-triples"}:
        return ox.RdfFormat.N_TRIPLES
    fmt = ox.RdfFormat.from_media_type(tipo)
    if fmt is None:
        raise ErrorAlmacen(f"El servidor SPARQL respondió en un formato inesperado: {tipo or 'sin tipo'}")
    return fmt


def _analizar(cuerpo: bytes, tipo: str) -> Iterator[ox.Quad]:
    try:
        yield from ox.parse(cuerpo, format=_formato_respuesta(tipo))
    except SyntaxError as exc:
        raise ErrorAlmacen(
            "La respuesta del servidor SPARQL está incompleta o dañada",
            detalle=f"{exc}. ¿Cortó el servidor la respuesta por tiempo (p. ej. --timeout-s de Oxigraph)?",
        ) from exc


def _resultado_json(cuerpo: bytes) -> ResultadoConsulta:
    try:
        datos = json.loads(cuerpo)
    except ValueError as exc:
        raise ErrorAlmacen(
            "La respuesta del servidor SPARQL está incompleta o dañada",
            detalle=f"{exc}. ¿Cortó el servidor la respuesta por tiempo (p. ej. --timeout-s de Oxigraph)?",
        ) from exc
    if "boolean" in datos:
        return ResultadoConsulta(tipo="booleano", booleano=bool(datos["boolean"]))
    variables = tuple(datos.get("head", {}).get("vars", ()))
    filas = tuple(
        {v: termino_json(b[v]) for v in variables if v in b}
        for b in datos.get("results", {}).get("bindings", ())
    )
    return ResultadoConsulta(tipo="filas", variables=variables, filas=filas)


_FALLOS_LISTA_DE_GRAFOS = ("receive buffer too long", "too many arguments for standard built-in")
"""Cómo rechaza Virtuoso 7.2 una lista larga de ``named-graph-uri``: corta la conexión (a partir de
~100–124 KB de petición según la longitud de los IRIs) o, con IRIs cortos, no compila."""
_LISTA_LARGA = 500
"""Por debajo de tantos grafos ningún servidor medido rechaza la lista: no hace falta mirarla."""


def comprobar_lista_de_grafos(perfil: Perfil, datos: Mapping[str, object]) -> None:
    """Rechaza, antes de enviarla, una lista de grafos con nombre que el servidor no admitiría.

    Virtuoso tarda segundos en rechazarla (4–8 s medidos con el piloto, a veces más que el tiempo
    máximo de la consulta, y entonces el usuario veía un 503 por tiempo que no explica nada).
    """
    grafos = datos.get("named-graph-uri")
    if perfil.bytes_lista_grafos is None or not isinstance(grafos, list) or len(grafos) < _LISTA_LARGA:
        return
    tam = len(urlencode({"named-graph-uri": grafos}, doseq=True))
    if tam > perfil.bytes_lista_grafos:
        limite = perfil.bytes_lista_grafos // 1000
        raise _demasiado_amplia(
            len(grafos), f"la lista ocupa {tam // 1000} KB y {perfil.nombre} admite unos {limite} KB"
        )


def error_lista_de_grafos(datos: object, fallo: str) -> ConsultaDemasiadoAmplia | None:
    """Traduce el rechazo de una lista de grafos con nombre demasiado larga, o ``None`` si no lo es.

    El fallo llega como conexión cortada o como error de compilación, que por sí solos mandarían a
    revisar la red o la sintaxis; la causa real es que la consulta usa ``GRAPH ?g`` y la vista tiene
    demasiadas versiones para enumerarlas en la petición.
    """
    grafos = datos.get("named-graph-uri") if isinstance(datos, Mapping) else None
    n = len(grafos) if isinstance(grafos, list) else 0
    if n < _LISTA_LARGA or not any(f in fallo.lower() for f in _FALLOS_LISTA_DE_GRAFOS):
        return None
    return _demasiado_amplia(n, f"el servidor respondió: {fallo[:_MAX_DETALLE]}")


def _demasiado_amplia(n: int, causa: str) -> ConsultaDemasiadoAmplia:
    return ConsultaDemasiadoAmplia(
        f"La consulta recorre {n} grafos con nombre y el servidor SPARQL no admite una lista tan larga",
        detalle=(
            "Con GRAPH y una variable hay que enviar al servidor la lista de todas las versiones que la "
            "consulta puede ver. Nombre la versión con GRAPH <IRI>, consulte el grafo por defecto (las "
            f"versiones vigentes) o descargue una exportación en /api/exportaciones ({causa})."
        ),
    )


def _texto_error(r: httpx.Response) -> str:
    """Mensaje del servidor, sin el eco de la consulta (Virtuoso la repite entera) y acotado."""
    try:
        texto = r.text
    except (UnicodeDecodeError, httpx.ResponseNotRead):
        return f"HTTP {r.status_code}"
    texto = texto.split("\nSPARQL query:", 1)[0].strip()
    texto = re.sub(r"<[^>]+>", " ", texto) if "<html" in texto.lower() else texto
    texto = " ".join(texto.split())
    return (texto[:_MAX_DETALLE] + "…") if len(texto) > _MAX_DETALLE else (texto or f"HTTP {r.status_code}")
