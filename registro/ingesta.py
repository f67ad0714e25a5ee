"""El único orquestador de un envío institucional (DISENO §1): analizar → validar → publicar.

Todas las vías de entrada —CLI (``registro validar``/``enviar``), API (``/api/envios``), la plantilla
de planilla, la importación de matrices Excel y los datos piloto de ``registro iniciar``— pasan por
aquí, para que un mismo archivo reciba siempre el mismo veredicto y el mismo informe:

1. ``analisis.analizar``: bytes → ``rdflib.Graph`` (tamaño, UTF-8, formato, sintaxis, sin red).
2. Reglas de propiedad (``propiedad.comprobar``): solo recursos propios; toda referencia existe.
3. SHACL (``validacion.validar``) sobre el envío **más el contexto de referencia** al que apunta
   (``validacion.contexto_de``): no sobre todo el registro (NOTAS-TECNICAS: el registro entero cuesta
   segundos y cientos de MB; el contexto, milisegundos).
4. Conforme → ``versiones.publicar``: **una** actualización atómica con el grafo nuevo y sus metadatos
   PROV (institución, hora, SHA-256 de la entrada, versión de las formas, ``prov:wasRevisionOf``).
   No conforme → no se escribe nada.

**Clave del conjunto** (``clave``, segmento de ``grafo:envio/{inst}/{clave}/v{n}``), por orden:
(a) la indicada explícitamente; (b) el nombre del archivo sin extensión, normalizado
(``Programa TEL (2025).ttl`` → ``Programa-TEL-2025``); (c) sin nombre de archivo, la ruta común de
los recursos del envío dentro del espacio de la institución, con sus dos primeros segmentos
(``id:inst/iest-piloto/programa/TEL/…`` → ``programa-TEL``). Reenviar el mismo conjunto con otra clave
crea otro conjunto: por eso la API y la CLI muestran la clave usada.

**Sin cambios**: si el contenido es idéntico byte a byte (mismo SHA-256) a la versión vigente del
mismo conjunto, se valida igualmente (el informe es real) pero no se crea una versión nueva.

Dentro de un proceso, los envíos al mismo almacén se serializan con un cerrojo: la validación de
referencias y la publicación ven el mismo estado y dos envíos simultáneos del mismo conjunto no
pueden obtener el mismo número de versión.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import unicodedata
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PureWindowsPath

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from registro import analisis, hojas, propiedad, recursos, validacion, versiones
from registro import vocabulario as voc
from registro.almacen.base import Almacen, validar_iri
from registro.configuracion import Configuracion
from registro.errores import EntradaInvalida, NoConforme
from registro.validacion import InformeValidacion, Problema

LIMITE_POR_DEFECTO: int = Configuracion.__dataclass_fields__["tamano_maximo_envio"].default  # type: ignore[assignment]
"""Tamaño máximo de un envío si quien llama no indica otro (``REGISTRO_TAMANO_MAXIMO_ENVIO``)."""

COMPONENTE_PROPIEDAD = voc.REGSH["ReglaPropiedad"]
"""``sh:sourceConstraintComponent`` de los resultados de propiedad añadidos al grafo del informe."""

_CLAVE_VALIDA = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class ResultadoEnvio:
    """Qué pasó con un envío. ``aceptado`` y ``version is None`` nunca se contradicen."""

    aceptado: bool
    informe: InformeValidacion
    version: versiones.Version | None
    """La versión creada; con ``sin_cambios``, la versión vigente que ya tenía ese contenido."""
    sha256: str
    institucion: str
    clave: str
    triples: int
    sin_cambios: bool = False
    """Contenido idéntico a la versión vigente: no se creó ninguna versión."""

    def texto(self) -> str:
        """Resumen para personas (CLI), en español."""
        cabecera = (f"Conjunto {self.institucion}/{self.clave} ({self.triples:,} tripletas, "
                    f"SHA-256 {self.sha256[:12]}…)")
        if not self.aceptado:
            return f"RECHAZADO: {cabecera}. No se escribió nada.\n\n{self.informe.texto()}"
        assert self.version is not None
        if self.sin_cambios:
            return (f"Sin cambios: {cabecera} es idéntico a la versión vigente v{self.version.numero} "
                    f"(<{self.version.grafo}>); no se creó ninguna versión.")
        lineas = [f"Aceptado: {cabecera}.",
                  f"Versión {self.version.numero} publicada en <{self.version.grafo}>."]
        if self.version.anterior:
            lineas.append(f"Sustituye a <{self.version.anterior}>, que sigue consultable con GRAPH.")
        avisos = [p for p in self.informe.problemas if p.severidad != propiedad.SEVERIDAD]
        if avisos:
            lineas += ["", self.informe.texto()]
        return "\n".join(lineas)

    def como_json(self) -> dict[str, object]:
        """Resumen serializable (CLI ``--json`` y API)."""
        return {
            "aceptado": self.aceptado,
            "sin_cambios": self.sin_cambios,
            "institucion": self.institucion,
            "clave": self.clave,
            "sha256": self.sha256,
            "tripletas": self.triples,
            "version": dataclasses.asdict(self.version) if self.version is not None else None,
            "informe": self.informe.como_json(),
        }


# --- API pública --------------------------------------------------------------------------------------
def validar_contenido(
    almacen: Almacen,
    contenido: bytes,
    *,
    formato: str | None = None,
    nombre: str | None = None,
    institucion: str | None = None,
    clave: str | None = None,
    limite: int | None = None,
) -> InformeValidacion:
    """Informe de validación de un archivo, sin escribir nada.

    Con ``institucion`` se aplican además las reglas de propiedad exactamente como en ``enviar``
    (incluida la clave, que decide qué versión vigente sustituiría el envío).
    """
    ubicaciones: hojas.Ubicaciones | None = None
    if hojas.es_planilla(nombre, contenido, formato):  # plantilla .xlsx / .zip de CSV (registro.hojas)
        conversion = hojas.convertir(
            contenido, nombre=nombre, limite=_limite(limite), almacen=almacen, institucion=institucion
        )
        grafo, ubicaciones = conversion.grafo, conversion.ubicaciones
    else:
        base = voc.espacio_institucion(institucion) if institucion else None
        grafo = analisis.analizar(
            contenido, formato=formato, nombre=nombre, limite=_limite(limite), base=base
        )
    if institucion is None:
        informe = _validar_shacl(almacen, grafo)
    else:
        try:
            clave_final: str | None = clave_de(grafo, institucion, clave=clave, nombre=nombre)
        except EntradaInvalida:
            if clave is not None:
                raise
            clave_final = None  # validar no necesita clave: solo decide qué versión se sustituiría
        anterior = versiones.vigente(almacen, institucion, clave_final) if clave_final else None
        informe = _validar(almacen, grafo, institucion, anterior)
    return ubicaciones.precisar(informe) if ubicaciones is not None else informe


def enviar(
    almacen: Almacen,
    contenido: bytes,
    *,
    institucion: str,
    formato: str | None = None,
    nombre: str | None = None,
    clave: str | None = None,
    agente: str | None = None,
    limite: int | None = None,
) -> ResultadoEnvio:
    """Analiza, valida y, si es conforme, publica un archivo como nueva versión del conjunto.

    Los errores de lectura (``EntradaInvalida`` y subclases) se lanzan; un envío legible pero no
    conforme devuelve ``aceptado=False`` con el informe y no escribe nada.
    """
    _exigir_codigo(institucion)
    if hojas.es_planilla(nombre, contenido, formato):  # plantilla .xlsx / .zip de CSV (registro.hojas)
        conversion = hojas.convertir(
            contenido, nombre=nombre, limite=_limite(limite), almacen=almacen, institucion=institucion
        )
        resultado = enviar_grafo(
            almacen,
            conversion.grafo,
            institucion=institucion,
            clave=clave_de(conversion.grafo, institucion, clave=clave, nombre=nombre),
            sha256=versiones.huella(contenido),
            ubicaciones=conversion.ubicaciones.textos(),
            agente=agente,
        )
        return dataclasses.replace(resultado, informe=conversion.ubicaciones.precisar(resultado.informe))
    grafo = analisis.analizar(
        contenido,
        formato=formato,
        nombre=nombre,
        limite=_limite(limite),
        base=voc.espacio_institucion(institucion),
    )
    return enviar_grafo(
        almacen,
        grafo,
        institucion=institucion,
        clave=clave_de(grafo, institucion, clave=clave, nombre=nombre),
        sha256=versiones.huella(contenido),
        agente=agente,
    )


def enviar_grafo(
    almacen: Almacen,
    grafo: Graph,
    *,
    institucion: str,
    clave: str,
    sha256: str,
    ubicaciones: Mapping[str, str] | None = None,
    agente: str | None = None,
) -> ResultadoEnvio:
    """Valida y publica un grafo ya construido (planillas, matrices Excel).

    ``sha256`` es la huella de la entrada original (la planilla), para detectar reenvíos idénticos;
    ``ubicaciones`` (IRI del foco → «hoja X, fila N») se copia en los problemas del informe.
    """
    _exigir_codigo(institucion)
    _exigir_clave(clave)
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("sha256 debe ser la huella hexadecimal (64 caracteres) de la entrada original")
    agente_iri = _agente(agente)
    with _cerrojo(almacen):
        anterior = versiones.vigente(almacen, institucion, clave)
        informe = _validar(almacen, grafo, institucion, anterior)
        if ubicaciones:
            informe = informe.con_ubicaciones(ubicaciones)
        comun = {"informe": informe, "sha256": sha256, "institucion": institucion, "clave": clave,
                 "triples": len(grafo)}
        if not informe.conforme:
            return ResultadoEnvio(aceptado=False, version=None, **comun)  # type: ignore[arg-type]
        if anterior is not None and anterior.sha256 == sha256:
            return ResultadoEnvio(aceptado=True, version=anterior, sin_cambios=True, **comun)  # type: ignore[arg-type]
        version = versiones.publicar(
            almacen,
            institucion,
            clave,
            grafo,
            sha256=sha256,
            version_formas=recursos.huella_ontologia(),
            agente=agente_iri,
        )
        return ResultadoEnvio(aceptado=True, version=version, **comun)  # type: ignore[arg-type]


def publicar_piloto(
    almacen: Almacen, inst: str, clave: str, contenido: bytes, nombre: str
) -> versiones.Version:
    """``Publicador`` de ``arranque.iniciar``: los datos piloto pasan por la misma vía que un envío.

    Si el piloto no es conforme se lanza ``NoConforme`` con el informe: un piloto roto es un error
    del registro, no algo que deba quedar publicado a medias.
    """
    resultado = enviar(
        almacen, contenido, institucion=inst, clave=clave, nombre=nombre,
        limite=max(len(contenido), LIMITE_POR_DEFECTO),
    )
    if not resultado.aceptado:
        raise NoConforme(
            f"El archivo piloto {inst}/{nombre} no es conforme; no se publicó",
            informe=resultado.informe,
            detalle=resultado.informe.texto(),
        )
    assert resultado.version is not None
    return resultado.version


def clave_de(grafo: Graph, institucion: str, *, clave: str | None = None, nombre: str | None = None) -> str:
    """Clave del conjunto según las reglas del módulo: explícita, nombre de archivo o recurso principal."""
    if clave is not None:
        _exigir_clave(clave)
        return clave
    if nombre:
        normalizada = _normalizar_clave(PureWindowsPath(nombre).stem)
        if normalizada:
            return normalizada
    derivada = _clave_por_recursos(grafo, institucion)
    if derivada is None:
        raise EntradaInvalida(
            "No se puede deducir la clave del conjunto enviado",
            detalle="Los recursos del envío no comparten un recurso principal (p. ej. programa/PE-TEL-01). "
            "Indique la clave explícitamente (--clave programa-PE-TEL-01).",
        )
    return derivada


# --- validación -------------------------------------------------------------------------------------
def _validar(
    almacen: Almacen, grafo: Graph, institucion: str, anterior: versiones.Version | None
) -> InformeValidacion:
    informe = _validar_shacl(almacen, grafo)
    excluir = (URIRef(anterior.grafo),) if anterior is not None else ()
    return _combinar(informe, propiedad.comprobar(almacen, grafo, institucion, excluir=excluir))


def _validar_shacl(almacen: Almacen, grafo: Graph) -> InformeValidacion:
    """SHACL sobre el envío más su contexto de referencia (leído del almacén fuera de la guardia)."""
    contexto = validacion.contexto_de(almacen, grafo)
    with analisis.sin_red():
        return validacion.validar(grafo, contexto)


def _combinar(informe: InformeValidacion, propios: tuple[Problema, ...]) -> InformeValidacion:
    """Añade los problemas de propiedad al informe SHACL (y al grafo del informe, para ``--informe-ttl``).

    Si una forma SHACL ya informa una violación del mismo elemento, propiedad y valor (p. ej. un nivel
    inexistente), se deja solo la de la forma: su mensaje es más específico y el informe no se repite.
    """
    ya_informados = {
        (p.foco, p.ruta, p.valor) for p in informe.problemas if p.severidad == propiedad.SEVERIDAD
    }
    propios = tuple(p for p in propios if (p.foco, p.ruta, p.valor) not in ya_informados)
    if not propios:
        return informe
    bloquea = any(p.severidad == propiedad.SEVERIDAD for p in propios)
    grafo = Graph()
    for prefijo, espacio in informe.grafo_informe.namespaces():
        grafo.bind(prefijo, espacio)
    grafo += informe.grafo_informe
    raiz = next(iter(grafo.subjects(RDF.type, SH.ValidationReport)), None)
    if raiz is None:
        raiz = BNode()
        grafo.add((raiz, RDF.type, SH.ValidationReport))
    if bloquea:
        grafo.remove((raiz, SH.conforms, None))
        grafo.add((raiz, SH.conforms, Literal(False)))
    for p in propios:
        r = BNode()
        grafo.add((raiz, SH.result, r))
        grafo.add((r, RDF.type, SH.ValidationResult))
        grafo.add((r, SH.resultSeverity, SH[p.severidad]))
        grafo.add((r, SH.sourceConstraintComponent, COMPONENTE_PROPIEDAD))
        grafo.add((r, SH.focusNode, BNode(p.foco[2:]) if p.foco.startswith("_:") else URIRef(p.foco)))
        grafo.add((r, SH.resultMessage, Literal(p.mensaje, lang="es")))
        if p.ruta:
            grafo.add((r, SH.resultPath, _expandir(p.ruta)))
        if p.valor:
            valor = URIRef(p.valor) if p.valor.startswith(("http://", "https://")) else Literal(p.valor)
            grafo.add((r, SH.value, valor))
    return dataclasses.replace(
        informe,
        conforme=informe.conforme and not bloquea,
        problemas=tuple(propios) + tuple(informe.problemas),
        grafo_informe=grafo,
    )


def _expandir(nombre: str) -> URIRef:
    """``reg:nivel`` → IRI completo (los problemas muestran rutas abreviadas; el informe RDF no)."""
    if nombre.startswith("<") and nombre.endswith(">"):
        return URIRef(nombre[1:-1])
    prefijo, _, local = nombre.partition(":")
    return URIRef(voc.PREFIJOS[prefijo] + local) if prefijo in voc.PREFIJOS else URIRef(nombre)


# --- utilidades -------------------------------------------------------------------------------------
def _limite(limite: int | None) -> int:
    return LIMITE_POR_DEFECTO if limite is None else limite


def _exigir_codigo(institucion: str) -> None:
    if not institucion or not institucion.strip():
        raise EntradaInvalida("Falta el código de la institución", detalle="Indique --institucion COD.")
    if voc.segmento(institucion) != institucion:
        raise EntradaInvalida(
            f"Código de institución inválido: «{institucion}»",
            detalle="Los códigos de institución solo usan letras, cifras, «.», «_», «~» y «-».",
        )


def _exigir_clave(clave: str) -> None:
    if not _CLAVE_VALIDA.match(clave):
        raise EntradaInvalida(
            f"Clave de conjunto inválida: «{clave}»",
            detalle="Use de 1 a 128 letras sin tilde, cifras, «.», «_» o «-», empezando por letra o cifra "
            "(p. ej. programa-PE-TEL-01).",
        )


def _agente(agente: str | None) -> URIRef | None:
    if agente is None:
        return None
    validar_iri(agente)
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", agente):
        raise EntradaInvalida(f"El agente debe ser un IRI absoluto: «{agente}»")
    return URIRef(agente)


def _normalizar_clave(texto: str) -> str:
    """Texto libre → clave: sin tildes, solo ``[A-Za-z0-9._-]``, sin guiones sobrantes."""
    sin_tildes = unicodedata.normalize("NFKD", texto).encode("ascii", "ignore").decode("ascii")
    clave = re.sub(r"[^A-Za-z0-9._-]+", "-", sin_tildes).strip("-._")
    clave = re.sub(r"-{2,}", "-", clave)[:128].rstrip("-._")
    return clave if _CLAVE_VALIDA.match(clave) else ""


def _clave_por_recursos(grafo: Graph, institucion: str) -> str | None:
    """Dos primeros segmentos comunes de los sujetos propios (``programa/TEL`` → ``programa-TEL``)."""
    espacio = voc.espacio_institucion(institucion)
    rutas = [
        str(s)[len(espacio):].split("/")
        for s in grafo.subjects(unique=True)
        if isinstance(s, URIRef) and propiedad.es_propio(str(s), espacio)
    ]
    if not rutas:
        return None
    comun = rutas[0]
    for r in rutas[1:]:
        n = 0
        while n < min(len(comun), len(r)) and comun[n] == r[n]:
            n += 1
        comun = comun[:n]
    if len(comun) < 2:
        return None
    clave = _normalizar_clave("-".join(comun[:2]))
    return clave or None


_CERROJOS: weakref.WeakKeyDictionary[Almacen, threading.Lock] = weakref.WeakKeyDictionary()
_CERROJO_GLOBAL = threading.Lock()


def _cerrojo(almacen: Almacen) -> threading.Lock:
    with _CERROJO_GLOBAL:
        cerrojo = _CERROJOS.get(almacen)
        if cerrojo is None:
            cerrojo = _CERROJOS[almacen] = threading.Lock()
        return cerrojo

