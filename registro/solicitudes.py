"""Solicitudes de reconocimiento: ciclo de vida, historial PROV, numeración de actas y plazos.

Una persona presenta sus certificados a una institución formativa; la institución registra la
**solicitud** y la lleva, paso a paso, por este ciclo (``docs/modelo.md``, «Solicitudes»)::

    recibida → verificada → analizada → decidida → resuelta → notificada
                                ↑            ↑                     │
                                └─ apelada ←─┴─────────────────────┘

- **verificar**: cada certificado existe, es del titular (seudónimo), lo emitió una entidad autorizada
  en la fecha de emisión, estaba vigente al recibir la solicitud, la evaluación fue «competente» y
  certifica la versión vigente de la norma. Si algo falla, nada cambia y el error lo dice todo junto.
- **analizar**: el motor de equivalencias calcula con la regla aplicable; el resultado (con sus
  porcentajes por unidad) se guarda en ``grafo:resultados`` y queda enlazado a la solicitud.
- **decidir**: la comisión (rol ``analista`` o ``administrador``) aprueba, ajusta unidad por unidad con
  un motivo escrito, o rechaza.
- **resolver**: se emite el acta, numerada por institución y año (``IEST-PILOTO-2026-0001``).
- **notificar**; **apelar**: la persona apela y la comisión decide otra vez; la decisión anterior y su
  acta se conservan (la nueva decisión es ``prov:wasRevisionOf`` de la anterior).

Por qué así:

- Cada transición es **una** petición SPARQL Update guardada por el estado esperado
  (``DELETE {… estado <esperado>} INSERT {…} WHERE {… estado <esperado> . FILTER NOT EXISTS {<paso k>}}``)
  y por el contador de numeración cuando asigna un número (compara y escribe). Se ejecuta bajo un
  cerrojo por almacén y se comprueba después: de dos transiciones simultáneas sobre la misma solicitud
  solo una puede escribir; la otra recibe ``ConflictoEstado`` y no deja rastro. El cerrojo hace falta:
  un Update de pyoxigraph aísla como «lectura repetible», no serializa (medido: sin cerrojo, dos Updates
  guardados simultáneos escribieron los dos en 17 de 200 carreras). El cerrojo serializa dentro de un
  proceso (el almacén embebido admite un solo proceso); con un servidor SPARQL compartido por varios
  procesos la guarda del Update reduce la ventana y la marca única de cada paso delata una doble
  escritura (ambos reciben ``ConflictoEstado``).
- Cada transición es su propio nodo (``reg:TransicionSolicitud``, ``prov:Activity``) con agente, rol,
  hora, motivo y avisos, encadenado al anterior con ``prov:wasInformedBy``. Nada se borra.
- Todo vive en ``grafo:privado/solicitudes``: hay un seudónimo de persona, así que nunca se publica.
- El reloj es un parámetro (``ahora``): las pruebas y la guía son reproducibles, y la CLI puede registrar
  actos ya ocurridos en papel (nunca anteriores al último paso registrado).
"""

from __future__ import annotations

import re
import threading
import uuid
import weakref
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD
from rdflib.term import Node

from registro import consultas
from registro import equivalencias as eq
from registro import vocabulario as voc
from registro.acceso import Credencial
from registro.almacen.base import Almacen, Vista, a_ntriples, validar_iri
from registro.errores import (
    ConflictoEstado,
    EntradaInvalida,
    ErrorRegistro,
    NoEncontrado,
    Prohibido,
)
from registro.versiones import registrar_grafo_fijo
from registro.vocabulario import GRAFO_RESULTADOS, GRAFO_SOLICITUDES, REG

# --- estados, pasos y roles (metodología: no dependen de ningún país) ----------------------------------

ESTADOS: tuple[str, ...] = (
    "recibida",
    "verificada",
    "analizada",
    "decidida",
    "resuelta",
    "notificada",
    "apelada",
)
"""Estados del ciclo de vida, en el orden normal (``apelada`` reabre el ciclo)."""

ETIQUETAS_ESTADO: dict[str, str] = {
    "recibida": "recibida",
    "verificada": "certificados verificados",
    "analizada": "analizada",
    "decidida": "decidida",
    "resuelta": "resuelta",
    "notificada": "notificada",
    "apelada": "apelada",
}

TRANSICIONES: dict[str, tuple[tuple[str, ...], str]] = {
    "verificar": (("recibida",), "verificada"),
    "analizar": (("verificada", "apelada"), "analizada"),
    "decidir": (("analizada", "apelada"), "decidida"),
    "resolver": (("decidida",), "resuelta"),
    "notificar": (("resuelta",), "notificada"),
    "apelar": (("notificada",), "apelada"),
}
"""Paso → (estados desde los que se puede dar, estado al que lleva). Ningún paso puede saltarse."""

SIGUIENTE: dict[str, str] = {
    "recibida": "verificar los certificados",
    "verificada": "analizar la equivalencia",
    "analizada": "que la comisión decida",
    "decidida": "resolver (emitir el acta)",
    "resuelta": "notificar a la persona",
    "notificada": "nada más, salvo que la persona apele",
    "apelada": "que la comisión decida de nuevo (o analizar otra vez)",
}

ROLES_PASO: dict[str, tuple[str, ...]] = {
    "crear": ("institucion", "analista", "administrador"),
    "verificar": ("institucion", "analista", "administrador"),
    "analizar": ("institucion", "analista", "administrador"),
    "decidir": ("analista", "administrador"),
    "resolver": ("institucion", "analista", "administrador"),
    "notificar": ("institucion", "analista", "administrador"),
    "apelar": ("institucion", "analista", "administrador"),
}
"""Quién puede dar cada paso. Decidir es de la comisión (rol ``analista``) o de un administrador; una
credencial de ``institucion`` solo actúa sobre las solicitudes de su propia institución."""

RESULTADOS_DECISION: dict[str, str] = {"aprobar": "aprobada", "ajustar": "ajustada", "rechazar": "rechazada"}
"""Lo que la comisión puede resolver → sentido guardado de la decisión."""

_CODIGO = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_REFERENCIA = re.compile(r"^([A-Za-z0-9._-]+)/(\d{4})-(\d{1,9})$")
_MOTIVO_MAXIMO = 4000


def estado_iri(nombre: str) -> URIRef:
    """IRI del estado (``reg:EstadoRecibida``…) a partir de su nombre corto."""
    if nombre not in ESTADOS:
        raise EntradaInvalida(
            f"Estado de solicitud desconocido: «{nombre}»", detalle="Estados: " + ", ".join(ESTADOS) + "."
        )
    return REG["Estado" + nombre.capitalize()]


def estado_nombre(iri: str | Node) -> str:
    """Nombre corto de un estado a partir de su IRI."""
    local = str(iri).rsplit("#", 1)[-1]
    return local.removeprefix("Estado").lower()


# --- errores propios ---------------------------------------------------------------------------------


class VerificacionFallida(ErrorRegistro):
    """Algún certificado de la solicitud no pasa la verificación; la solicitud no cambió."""

    codigo_http = 422
    titulo = "Certificados no verificados"

    def __init__(self, mensaje: str, *, problemas: Sequence[str] = (), **kwargs: str | None) -> None:
        super().__init__(mensaje, **kwargs)
        self.problemas = tuple(problemas)


# --- dataclasses ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agente:
    """Quién da un paso: una credencial de la API o un agente local de la CLI, con su rol."""

    iri: str
    rol: str
    institucion: str | None = None
    nombre: str = ""

    @classmethod
    def de_credencial(cls, credencial: Credencial) -> Agente:
        """Agente de una credencial verificada: su IRI es el de la credencial (nunca el token)."""
        return cls(
            iri=str(voc.credencial(credencial.id)),
            rol=credencial.rol,
            institucion=credencial.institucion,
            nombre=f"credencial {credencial.id}",
        )

    @classmethod
    def local(cls, codigo: str, rol: str = "administrador", institucion: str | None = None) -> Agente:
        """Agente de la CLI (``id:agente/{codigo}``): quien tiene el almacén ya tiene acceso completo."""
        if not _CODIGO.match(codigo or ""):
            raise EntradaInvalida(
                f"Código de agente inválido: «{codigo}»",
                detalle="Use letras, números, punto, guion o guion bajo (p. ej. comision-iest).",
            )
        if rol not in ("institucion", "analista", "administrador"):
            raise EntradaInvalida(
                f"Rol desconocido: «{rol}»", detalle="Roles: institucion, analista, administrador."
            )
        if rol == "institucion" and not institucion:
            raise EntradaInvalida(
                "Un agente con rol «institucion» necesita su institución (--institucion-agente)"
            )
        return cls(iri=str(voc.agente(codigo)), rol=rol, institucion=institucion, nombre=codigo)


@dataclass(frozen=True)
class Ajuste:
    """Corrección motivada de la comisión sobre una unidad de decisión (código o IRI de la unidad)."""

    unidad: str
    convalidable: bool
    motivo: str
    codigo: str = ""


@dataclass(frozen=True)
class Transicion:
    """Un paso del historial (actividad PROV)."""

    iri: str
    orden: int
    desde: str | None
    hacia: str
    cuando: datetime
    agente: str
    rol: str
    motivo: str
    notas: tuple[str, ...]
    generado: str | None


@dataclass(frozen=True)
class DecisionComite:
    """Una decisión de la comisión; tras una apelación hay varias y ninguna se pierde."""

    iri: str
    numero: int
    sentido: str
    motivo: str
    cuando: datetime
    agente: str
    resultado: str | None
    numero_acta: str | None
    emitida: datetime | None
    revisa: str | None
    ajustes: tuple[Ajuste, ...]


@dataclass(frozen=True)
class UnidadAnalizada:
    """Una unidad de decisión del análisis: lo calculado y lo que rige tras la decisión vigente."""

    unidad: str
    codigo: str
    etiqueta: str
    porcentaje: Decimal
    convalidable_calculado: bool
    convalidable: bool
    ajuste: Ajuste | None = None


@dataclass(frozen=True)
class CertificadoPresentado:
    iri: str
    codigo: str
    emisor: str
    norma: str
    pais: str


@dataclass(frozen=True)
class Solicitud:
    """Una solicitud con todo lo que muestran su expediente, la API y el acta."""

    iri: str
    institucion: str
    codigo: str
    programa: str
    programa_codigo: str
    programa_etiqueta: str
    titular_seudonimo: str
    estado: str
    recibida: datetime
    plazo_vence: date | None
    regla: str | None
    regla_etiqueta: str
    resultado: str | None
    certificados: tuple[CertificadoPresentado, ...]
    historial: tuple[Transicion, ...]
    decisiones: tuple[DecisionComite, ...]
    unidades: tuple[UnidadAnalizada, ...]

    @property
    def referencia(self) -> str:
        """Cómo se nombra en la CLI y en las rutas: ``{institucion}/{anio}-{n}``."""
        return f"{self.institucion}/{self.codigo}"

    @property
    def estado_etiqueta(self) -> str:
        return ETIQUETAS_ESTADO.get(self.estado, self.estado)

    @property
    def decision_vigente(self) -> DecisionComite | None:
        return self.decisiones[-1] if self.decisiones else None

    @property
    def numero_acta(self) -> str | None:
        d = self.decision_vigente
        return d.numero_acta if d else None

    @property
    def reconocidas(self) -> tuple[UnidadAnalizada, ...]:
        """Unidades que rigen como reconocidas (solo si hay decisión)."""
        if self.decision_vigente is None:
            return ()
        return tuple(u for u in self.unidades if u.convalidable)

    @property
    def siguiente(self) -> str:
        return SIGUIENTE.get(self.estado, "")

    def vencida(self, hoy: date | None = None) -> bool:
        """Pasó el plazo sin estar resuelta ni notificada."""
        hoy = hoy or datetime.now(UTC).date()
        return (
            self.plazo_vence is not None
            and self.plazo_vence < hoy
            and self.estado not in ("resuelta", "notificada")
        )


@dataclass(frozen=True)
class ResumenSolicitud:
    """Una fila de la bandeja de solicitudes."""

    iri: str
    institucion: str
    codigo: str
    programa: str
    programa_codigo: str
    titular_seudonimo: str
    estado: str
    recibida: datetime
    plazo_vence: date | None
    numero_acta: str | None
    sentido: str | None

    @property
    def referencia(self) -> str:
        return f"{self.institucion}/{self.codigo}"

    @property
    def estado_etiqueta(self) -> str:
        return ETIQUETAS_ESTADO.get(self.estado, self.estado)

    def vencida(self, hoy: date | None = None) -> bool:
        hoy = hoy or datetime.now(UTC).date()
        return (
            self.plazo_vence is not None
            and self.plazo_vence < hoy
            and self.estado not in ("resuelta", "notificada")
        )


@dataclass(frozen=True)
class _Ficha:
    """Lo que un paso necesita saber de la solicitud, leído bajo el cerrojo."""

    iri: str
    institucion: str
    programa: str
    seudonimo: str
    estado: str
    recibida: datetime
    regla: str | None
    resultado: str | None
    certificados: tuple[str, ...]
    pasos: int
    ultimo_paso: str | None
    ultima_hora: datetime | None
    decisiones: tuple[str, ...]
    decision_vigente: str | None


# --- cerrojo por almacén ---------------------------------------------------------------------------------

_CERROJOS: weakref.WeakKeyDictionary[Almacen, threading.Lock] = weakref.WeakKeyDictionary()
_CERROJO_REGISTRO = threading.Lock()


@contextmanager
def _exclusivo(almacen: Almacen) -> Iterator[None]:
    """Serializa lectura-comprobación-escritura de pasos sobre un mismo almacén (dentro del proceso)."""
    with _CERROJO_REGISTRO:
        cerrojo = _CERROJOS.get(almacen)
        if cerrojo is None:
            cerrojo = _CERROJOS[almacen] = threading.Lock()
    with cerrojo:
        yield


# --- API pública -------------------------------------------------------------------------------------------


def crear(
    almacen: Almacen,
    *,
    institucion: str,
    programa: str,
    certificados: Sequence[str],
    titular_seudonimo: str,
    agente: Agente,
    ahora: datetime | None = None,
) -> Solicitud:
    """Registra una solicitud recibida (paso 1) con número correlativo por institución y año.

    Comprueba lo que no puede quedar mal escrito: la institución existe, el programa es suyo, cada
    certificado existe en el registro. Lo demás (titular, vigencia, autorización, versión) es la
    verificación, el paso siguiente.
    """
    cuando = _ahora(ahora)
    inst = _codigo_institucion(almacen, institucion)
    _autorizar(agente, "crear", inst)
    seudonimo = (titular_seudonimo or "").strip()
    if not _CODIGO.match(seudonimo):
        raise EntradaInvalida(
            f"Seudónimo del titular inválido: «{titular_seudonimo}»",
            detalle="Es el seudónimo que figura en los certificados (p. ej. T-7F3A2C); "
            "nunca el nombre de la persona.",
        )
    if not certificados:
        raise EntradaInvalida("Indique al menos un certificado")
    if len(certificados) > 50:
        raise EntradaInvalida("Demasiados certificados en una solicitud", detalle="El máximo es 50.")
    prog = eq.resolver(almacen, programa, eq.CLASE_PROGRAMA, que="programa")
    if not prog.startswith(voc.espacio_institucion(inst)):
        raise EntradaInvalida(
            f"El programa {_corto(prog)} no pertenece a la institución «{inst}»",
            detalle="Una solicitud se presenta a la institución que ofrece el programa.",
        )
    certs = tuple(
        dict.fromkeys(eq.resolver(almacen, c, eq.CLASE_CERTIFICADO, que="certificado") for c in certificados)
    )
    la_regla = eq.regla_aplicable(almacen, prog)
    plazo = _plazo_dias(almacen, la_regla.iri)
    anio = cuando.year
    secuencia = voc.secuencia(inst, "solicitud", anio)
    with _exclusivo(almacen):
        anterior = _ultimo_numero(almacen, secuencia)
        numero = anterior + 1
        iri = voc.solicitud(inst, anio, numero)
        s = URIRef(iri)
        g = Graph()
        g.add((s, RDF.type, REG.SolicitudReconocimiento))
        g.add((s, REG.codigo, Literal(f"{anio}-{numero}")))
        g.add((s, REG.institucion, voc.institucion(inst)))
        g.add((s, REG.programa, URIRef(prog)))
        for c in certs:
            g.add((s, REG.certificadoEvaluado, URIRef(c)))
        g.add((s, REG.seudonimoTitular, Literal(seudonimo)))
        g.add((s, REG.reglaAplicada, URIRef(la_regla.iri)))
        g.add((s, DCTERMS.dateSubmitted, _literal_hora(cuando)))
        if plazo is not None:
            g.add(
                (
                    s,
                    REG.plazoVence,
                    Literal((cuando.date() + timedelta(days=plazo)).isoformat(), datatype=XSD.date),
                )
            )
        g.add((secuencia, RDF.type, REG.SecuenciaNumeracion))
        g.add((secuencia, REG.ultimoNumero, Literal(numero, datatype=XSD.integer)))
        ficha = _Ficha(
            str(s), inst, prog, seudonimo, "", cuando, la_regla.iri, None, certs, 0, None, None, (), None
        )
        motivo = f"Solicitud recibida con {len(certs)} certificado{'s' if len(certs) != 1 else ''}."
        if plazo is not None:
            motivo += f" Plazo para resolver: {plazo} días (regla {_corto(la_regla.iri)})."
        _escribir(
            almacen,
            ficha,
            hacia="recibida",
            agente=agente,
            cuando=cuando,
            motivo=motivo,
            extra=g,
            secuencia=(secuencia, anterior),
            registrar_grafo=True,
        )
    return ver(almacen, str(s))


def verificar(
    almacen: Almacen, solicitud: str, *, agente: Agente, ahora: datetime | None = None
) -> Solicitud:
    """Comprueba los certificados; si todos pasan, la solicitud queda «certificados verificados».

    La vigencia se juzga a la fecha de recepción (la persona no pierde por la demora de la
    institución); la autorización de la entidad, a la fecha de emisión del certificado.
    """
    cuando = _ahora(ahora)
    iri = _iri_solicitud(solicitud)
    with _exclusivo(almacen):
        ficha = _comprobar(almacen, iri, "verificar", agente, cuando)
        problemas, notas = _problemas_certificados(almacen, ficha)
        if problemas:
            raise VerificacionFallida(
                f"No se pueden verificar los certificados de la solicitud {_ref(ficha)}: "
                + "; ".join(problemas),
                detalle="La solicitud sigue «recibida» y no se modificó. "
                "Pida a la persona un certificado válido "
                "o registre una solicitud nueva con los certificados correctos.",
                problemas=problemas,
            )
        motivo = (
            f"{len(ficha.certificados)} certificado{'s' if len(ficha.certificados) != 1 else ''} verificado"
            f"{'s' if len(ficha.certificados) != 1 else ''}: existen en el registro, son del titular, "
            "los emitió una "
            "entidad autorizada, estaban vigentes y certifican la versión vigente de la norma."
        )
        extra = Graph()
        paso = voc.paso_solicitud(iri, ficha.pasos + 1)
        for c in ficha.certificados:
            extra.add((paso, PROV.used, URIRef(c)))
        _escribir(
            almacen,
            ficha,
            hacia="verificada",
            agente=agente,
            cuando=cuando,
            motivo=motivo,
            notas=notas,
            extra=extra,
        )
    return ver(almacen, iri)


def analizar(almacen: Almacen, solicitud: str, *, agente: Agente, ahora: datetime | None = None) -> Solicitud:
    """Calcula la equivalencia con su evidencia y guarda el resultado enlazado a la solicitud.

    El resultado y la transición se escriben en la misma actualización: no puede quedar un análisis sin
    solicitud ni una solicitud «analizada» sin resultado.
    """
    cuando = _ahora(ahora)
    iri = _iri_solicitud(solicitud)
    previa = _comprobar(almacen, iri, "analizar", agente, cuando)  # falla pronto, sin calcular
    decision = eq.convalidar(
        almacen,
        certificados=list(previa.certificados),
        programa=previa.programa,
        regla=previa.regla,
        guardar=False,
        hoy=previa.recibida.date(),
    )
    decision, g_resultado = eq.grafo_resultado(decision)
    with _exclusivo(almacen):
        ficha = _comprobar(almacen, iri, "analizar", agente, cuando)
        s = URIRef(iri)
        res = URIRef(decision.resultado or "")
        paso = voc.paso_solicitud(iri, ficha.pasos + 1)
        extra = Graph()
        extra.add((s, REG.resultadoEquivalencia, res))
        extra.add((paso, PROV.generated, res))
        for u in decision.unidades:
            for i in u.indicadores:
                if i.valor == 0:
                    extra.add((s, REG.indicadorNoCubierto, URIRef(i.indicador)))
        conv = len(decision.convalidables)
        motivo = (
            f"Equivalencia calculada con la regla {decision.regla.etiqueta}: "
            f"{conv} de {len(decision.unidades)} "
            f"unidades alcanzan el umbral ({eq.porcentaje_texto(decision.regla.umbral)}); programa completo "
            f"{eq.porcentaje_texto(decision.porcentaje_programa)}."
        )
        _escribir(
            almacen,
            ficha,
            hacia="analizada",
            agente=agente,
            cuando=cuando,
            motivo=motivo,
            notas=decision.avisos,
            extra=extra,
            resultados=g_resultado,
            reemplazar=(REG.resultadoEquivalencia, REG.indicadorNoCubierto),
        )
    return ver(almacen, iri)


def decidir(
    almacen: Almacen,
    solicitud: str,
    *,
    agente: Agente,
    resultado: str,
    motivo: str = "",
    ajustes: Sequence[Ajuste] = (),
    ahora: datetime | None = None,
) -> Solicitud:
    """Decisión de la comisión: ``aprobar`` el cálculo, ``ajustar`` unidades con motivo, o ``rechazar``.

    Ajustar y rechazar exigen un motivo escrito (la persona tiene derecho a saber por qué); cada ajuste
    también. Un ajuste que no cambia lo calculado es un error: no documenta nada.
    """
    cuando = _ahora(ahora)
    iri = _iri_solicitud(solicitud)
    sentido = RESULTADOS_DECISION.get(resultado)
    if sentido is None:
        raise EntradaInvalida(
            f"Resultado de decisión desconocido: «{resultado}»", detalle="Use aprobar, ajustar o rechazar."
        )
    motivo = _texto(motivo, "motivo")
    if sentido in ("ajustada", "rechazada") and not motivo:
        raise EntradaInvalida(
            f"Para {resultado} hace falta un motivo escrito",
            detalle="Explique la decisión de la comisión (--motivo): queda en el acta y en el historial.",
        )
    if sentido == "ajustada" and not ajustes:
        raise EntradaInvalida(
            "Para ajustar indique al menos un ajuste por unidad (--ajuste UNIDAD=si|no:motivo)"
        )
    if sentido != "ajustada" and ajustes:
        raise EntradaInvalida("Solo una decisión «ajustar» lleva ajustes por unidad")
    with _exclusivo(almacen):
        ficha = _comprobar(almacen, iri, "decidir", agente, cuando)
        if not ficha.resultado:
            raise ConflictoEstado(
                f"La solicitud {_ref(ficha)} no tiene un análisis guardado; analícela primero"
            )
        unidades = _unidades_resultado(almacen, ficha.resultado)
        normalizados = _normalizar_ajustes(ajustes, unidades)
        k = len(ficha.decisiones) + 1
        d = voc.decision_solicitud(iri, k)
        s = URIRef(iri)
        paso = voc.paso_solicitud(iri, ficha.pasos + 1)
        g = Graph()
        g.add((d, RDF.type, REG.Decision))
        g.add((d, RDF.type, PROV.Activity))
        g.add((d, REG.solicitud, s))
        g.add((d, REG.sentidoDecision, Literal(sentido)))
        if motivo:
            g.add((d, REG.motivo, Literal(motivo)))
        g.add((d, PROV.endedAtTime, _literal_hora(cuando)))
        g.add((d, PROV.wasAssociatedWith, URIRef(agente.iri)))
        g.add((d, PROV.used, URIRef(ficha.resultado)))
        if ficha.decision_vigente:
            g.add((d, PROV.wasRevisionOf, URIRef(ficha.decision_vigente)))
        for m, a in enumerate(normalizados, start=1):
            nodo = voc.ajuste_decision(str(d), m)
            g.add((d, REG.ajuste, nodo))
            g.add((nodo, RDF.type, REG.AjusteUnidad))
            g.add((nodo, REG.unidadEvaluada, URIRef(a.unidad)))
            g.add((nodo, REG.convalidable, Literal(a.convalidable)))
            g.add((nodo, REG.motivo, Literal(a.motivo)))
        g.add((s, REG.decision, d))
        g.add((s, REG.decisionVigente, d))
        g.add((paso, PROV.generated, d))
        texto = {
            "aprobada": "La comisión aprueba el resultado calculado",
            "ajustada": f"La comisión ajusta {len(normalizados)} "
            f"unidad{'es' if len(normalizados) != 1 else ''}",
            "rechazada": "La comisión rechaza la solicitud",
        }[sentido]
        if ficha.decision_vigente:
            texto += " (nueva decisión tras la apelación; la anterior se conserva)"
        _escribir(
            almacen,
            ficha,
            hacia="decidida",
            agente=agente,
            cuando=cuando,
            motivo=texto + (f": {motivo}" if motivo else "."),
            extra=g,
            reemplazar=(REG.decisionVigente,),
        )
    return ver(almacen, iri)


def resolver(almacen: Almacen, solicitud: str, *, agente: Agente, ahora: datetime | None = None) -> Solicitud:
    """Emite el acta de la decisión vigente con el número siguiente de la institución en el año.

    El número sale de un contador guardado en el almacén; el mismo Update que cambia el estado lo
    incrementa comparando su valor previo, así dos resoluciones nunca comparten número. El PDF se
    obtiene con ``acta_pdf``.
    """
    cuando = _ahora(ahora)
    iri = _iri_solicitud(solicitud)
    with _exclusivo(almacen):
        ficha = _comprobar(almacen, iri, "resolver", agente, cuando)
        if not ficha.decision_vigente:
            raise ConflictoEstado(f"La solicitud {_ref(ficha)} no tiene una decisión que resolver")
        secuencia = voc.secuencia(ficha.institucion, "acta", cuando.year)
        anterior = _ultimo_numero(almacen, secuencia)
        numero = numero_acta(ficha.institucion, cuando.year, anterior + 1)
        d = URIRef(ficha.decision_vigente)
        paso = voc.paso_solicitud(iri, ficha.pasos + 1)
        g = Graph()
        g.add((d, REG.numeroActa, Literal(numero)))
        g.add((d, DCTERMS.issued, _literal_hora(cuando)))
        g.add((secuencia, RDF.type, REG.SecuenciaNumeracion))
        g.add((secuencia, REG.ultimoNumero, Literal(anterior + 1, datatype=XSD.integer)))
        g.add((paso, PROV.generated, d))
        _escribir(
            almacen,
            ficha,
            hacia="resuelta",
            agente=agente,
            cuando=cuando,
            motivo=f"Acta {numero} emitida.",
            extra=g,
            secuencia=(secuencia, anterior),
        )
    return ver(almacen, iri)


def notificar(
    almacen: Almacen, solicitud: str, *, agente: Agente, medio: str = "", ahora: datetime | None = None
) -> Solicitud:
    """Registra que la resolución se comunicó a la persona (``medio``: cómo, p. ej. «correo electrónico»)."""
    cuando = _ahora(ahora)
    iri = _iri_solicitud(solicitud)
    medio = _texto(medio, "medio")
    with _exclusivo(almacen):
        ficha = _comprobar(almacen, iri, "notificar", agente, cuando)
        motivo = "Resolución notificada a la persona" + (f" ({medio})." if medio else ".")
        _escribir(almacen, ficha, hacia="notificada", agente=agente, cuando=cuando, motivo=motivo)
    return ver(almacen, iri)


def apelar(
    almacen: Almacen, solicitud: str, *, agente: Agente, motivo: str, ahora: datetime | None = None
) -> Solicitud:
    """Registra la apelación de la persona; corre un plazo nuevo y la comisión debe decidir otra vez.

    La decisión apelada y su acta no se tocan: la próxima decisión será una revisión de ella.
    """
    cuando = _ahora(ahora)
    iri = _iri_solicitud(solicitud)
    motivo = _texto(motivo, "motivo")
    if not motivo:
        raise EntradaInvalida("Una apelación necesita el motivo que expone la persona (--motivo)")
    with _exclusivo(almacen):
        ficha = _comprobar(almacen, iri, "apelar", agente, cuando)
        extra = Graph()
        plazo = _plazo_dias(almacen, ficha.regla) if ficha.regla else None
        texto = f"Apelación presentada: {motivo.rstrip('.')}."
        if plazo is not None:
            vence = cuando.date() + timedelta(days=plazo)
            extra.add((URIRef(iri), REG.plazoVence, Literal(vence.isoformat(), datatype=XSD.date)))
            texto += f" Nuevo plazo para resolver: {plazo} días."
        _escribir(
            almacen,
            ficha,
            hacia="apelada",
            agente=agente,
            cuando=cuando,
            motivo=texto,
            extra=extra,
            reemplazar=(REG.plazoVence,) if plazo is not None else (),
        )
    return ver(almacen, iri)


def ver(almacen: Almacen, solicitud: str) -> Solicitud:
    """La solicitud completa: datos, certificados, unidades analizadas, decisiones e historial."""
    iri = _iri_solicitud(solicitud)
    cat = consultas.catalogo()
    par = {"solicitud": URIRef(iri)}
    filas = cat.ejecutar(almacen, "solicitud-ficha", par, Vista.COMPLETA).filas
    if not filas:
        raise NoEncontrado(
            f"No existe la solicitud {_ref_iri(iri)}",
            detalle="Vea la bandeja con «registro solicitud listar».",
        )
    f = filas[0]
    certificados = tuple(
        CertificadoPresentado(
            iri=str(c["certificado"]),
            codigo=str(c.get("codigo", _corto(str(c["certificado"])))),
            emisor=str(c.get("emisorCodigo", "")),
            norma=str(c.get("normaCodigo", "")),
            pais=_corto(str(c["pais"])) if "pais" in c else "",
        )
        for c in cat.ejecutar(almacen, "solicitud-certificados", par, Vista.COMPLETA).filas
    )
    historial = _historial(almacen, iri)
    decisiones = _decisiones(almacen, iri)
    resultado = str(f["resultado"]) if "resultado" in f else None
    vigente = decisiones[-1] if decisiones else None
    base = vigente.resultado if vigente and vigente.resultado else resultado
    unidades = _unidades_finales(_unidades_resultado(almacen, base) if base else (), vigente)
    inst_iri = str(f["institucion"])
    return Solicitud(
        iri=iri,
        institucion=str(f.get("institucionCodigo") or voc.codigo_institucion_de(inst_iri) or inst_iri),
        codigo=iri.rsplit("/", 1)[-1],
        programa=str(f["programa"]),
        programa_codigo=str(f.get("programaCodigo", _corto(str(f["programa"])))),
        programa_etiqueta=str(f.get("programaEtiqueta", "")),
        titular_seudonimo=str(f["seudonimo"]),
        estado=estado_nombre(f["estado"]),
        recibida=_hora(f["recepcion"]),
        plazo_vence=_fecha(f.get("plazoVence")),
        regla=str(f["regla"]) if "regla" in f else None,
        regla_etiqueta=str(f.get("reglaEtiqueta", "")),
        resultado=resultado,
        certificados=certificados,
        historial=historial,
        decisiones=decisiones,
        unidades=unidades,
    )


def listar(
    almacen: Almacen,
    institucion: str | None = None,
    estado: str | None = None,
    vencidas: bool = False,
    ahora: datetime | None = None,
) -> tuple[ResumenSolicitud, ...]:
    """Bandeja de solicitudes (de una institución, en un estado); ``vencidas``: solo las fuera de plazo.

    Vencida = la fecha ``ahora`` es posterior a ``plazoVence`` (recepción o apelación + ``reg:plazoDias``
    de la regla) y la solicitud no está resuelta ni notificada.
    """
    params: dict[str, Node] = {}
    if institucion:
        if not _CODIGO.match(institucion):
            raise EntradaInvalida(f"Código de institución inválido: «{institucion}»")
        params["institucion"] = voc.institucion(institucion)
    if estado:
        params["estado"] = estado_iri(estado)
    if vencidas:
        params["vencidasAl"] = Literal(_ahora(ahora).date().isoformat(), datatype=XSD.date)
    filas = consultas.catalogo().ejecutar(almacen, "solicitudes-listar", params, Vista.COMPLETA).filas
    return tuple(
        ResumenSolicitud(
            iri=str(f["solicitud"]),
            institucion=str(
                f.get("institucionCodigo") or voc.codigo_institucion_de(str(f["institucion"])) or ""
            ),
            codigo=str(f["solicitud"]).rsplit("/", 1)[-1],
            programa=str(f["programa"]),
            programa_codigo=str(f.get("programaCodigo", _corto(str(f["programa"])))),
            titular_seudonimo=str(f["seudonimo"]),
            estado=estado_nombre(f["estado"]),
            recibida=_hora(f["recepcion"]),
            plazo_vence=_fecha(f.get("plazoVence")),
            numero_acta=str(f["numeroActa"]) if "numeroActa" in f else None,
            sentido=str(f["sentido"]) if "sentido" in f else None,
        )
        for f in filas
    )


def acta_pdf(almacen: Almacen, solicitud: str, *, decision: int | None = None) -> bytes:
    """El acta numerada (PDF) de la decisión vigente, o de la decisión ``decision`` (1, 2…) si se pide.

    Recalcula la evidencia con los mismos certificados, programa, regla y fecha de referencia que el
    análisis; si los datos cambiaron desde entonces, el acta lo advierte (las cifras decididas son las
    del resultado guardado).
    """
    from registro import acta

    s = ver(almacen, solicitud)
    if not s.decisiones:
        raise ConflictoEstado(
            f"La solicitud {s.referencia} todavía no tiene acta: está «{s.estado_etiqueta}»",
            detalle="El acta se emite al resolver una decisión de la comisión; falta " + s.siguiente + ".",
        )
    if decision is None:
        d = s.decisiones[-1]
    else:
        if not 1 <= decision <= len(s.decisiones):
            raise NoEncontrado(f"La solicitud {s.referencia} no tiene la decisión {decision}")
        d = s.decisiones[decision - 1]
    if not d.numero_acta or d.emitida is None:
        raise ConflictoEstado(
            f"La decisión de la solicitud {s.referencia} todavía no tiene acta: está «{s.estado_etiqueta}»",
            detalle="Resuelva la solicitud («registro solicitud resolver») para emitir el acta numerada.",
        )
    calculo = evidencia(almacen, s)
    unidades = _unidades_finales(_unidades_resultado(almacen, d.resultado) if d.resultado else (), d)
    avisos = list(calculo.avisos)
    calculadas = {u.unidad: u.convalidable_calculado for u in unidades}
    if any(calculadas.get(u.unidad, u.convalidable) != u.convalidable for u in calculo.unidades):
        avisos.append(
            "Los datos del registro cambiaron desde el análisis: rigen las cifras del resultado guardado "
            f"({d.resultado}), no las de este recálculo."
        )
    calculo = replace(calculo, avisos=tuple(avisos), resultado=d.resultado)
    anteriores = tuple(
        f"decisión {x.numero} ({x.sentido}{', acta ' + x.numero_acta if x.numero_acta else ''}) del "
        f"{x.cuando:%d/%m/%Y}"
        for x in s.decisiones[: d.numero - 1]
    )
    resolucion = acta.Resolucion(
        numero=d.numero_acta,
        solicitud=s.referencia,
        institucion=s.institucion,
        fecha=d.emitida,
        sentido=d.sentido,
        motivo=d.motivo,
        reconocidas=tuple(u.codigo for u in unidades if u.convalidable),
        ajustes=tuple(
            (a.codigo or _corto(a.unidad), "se reconoce" if a.convalidable else "no se reconoce", a.motivo)
            for a in d.ajustes
        ),
        anteriores=anteriores,
    )
    return acta.pdf(calculo, resolucion)


def evidencia(almacen: Almacen, solicitud: Solicitud) -> eq.Decision:
    """El cálculo de la solicitud con evidencia por indicador (criterio, correspondencia, cadena de países).

    Se recalcula con los mismos certificados, programa, regla y fecha de referencia (la de recepción) que
    el análisis; no se guarda. Lo que la comisión decidió se apoya en el resultado guardado.
    """
    return eq.convalidar(
        almacen,
        certificados=[c.iri for c in solicitud.certificados],
        programa=solicitud.programa,
        regla=solicitud.regla,
        guardar=False,
        hoy=solicitud.recibida.date(),
    )


def numero_acta(institucion: str, anio: int, numero: int) -> str:
    """Número legible del acta: código de la institución en mayúsculas, año y 4 cifras."""
    return f"{institucion.upper()}-{int(anio)}-{int(numero):04d}"


def referencia(iri: str) -> str:
    """``https://…/id/inst/iest-piloto/solicitud/2026-1`` → ``iest-piloto/2026-1``."""
    return _ref_iri(iri)


# --- pasos: comprobar y escribir --------------------------------------------------------------------------


def _comprobar(almacen: Almacen, iri: str, paso: str, agente: Agente, cuando: datetime) -> _Ficha:
    """Estado, rol, institución y orden temporal; lanza el error claro que corresponde sin escribir nada."""
    ficha = _ficha(almacen, iri)
    _autorizar(agente, paso, ficha.institucion)
    desde, _hacia = TRANSICIONES[paso]
    if ficha.estado not in desde:
        raise ConflictoEstado(
            f"No se puede {paso} la solicitud {_ref(ficha)}: "
            f"está «{ETIQUETAS_ESTADO.get(ficha.estado, ficha.estado)}»",
            detalle=f"«{paso}» solo vale desde: {', '.join(ETIQUETAS_ESTADO[e] for e in desde)}. "
            f"Ahora corresponde {SIGUIENTE.get(ficha.estado, '—')}. Ningún paso puede saltarse.",
        )
    if ficha.ultima_hora is not None and cuando < ficha.ultima_hora:
        raise EntradaInvalida(
            f"La fecha del paso ({cuando:%d/%m/%Y %H:%M}) es anterior al último paso registrado "
            f"({ficha.ultima_hora:%d/%m/%Y %H:%M})",
            detalle="El historial no puede desordenarse: use una fecha igual o posterior.",
        )
    return ficha


def _autorizar(agente: Agente, paso: str, institucion: str) -> None:
    roles = ROLES_PASO[paso]
    if agente.rol not in roles:
        quien = "la comisión (rol analista) o un administrador" if paso == "decidir" else ", ".join(roles)
        raise Prohibido(
            f"El rol «{agente.rol}» no puede {paso} solicitudes",
            detalle=f"Este paso lo da {quien}. La solicitud no se modificó.",
        )
    if agente.rol == "institucion" and agente.institucion != institucion:
        raise Prohibido(
            f"La solicitud es de «{institucion}» y la credencial es de «{agente.institucion}»",
            detalle="Una institución solo gestiona sus propias solicitudes.",
        )


def _escribir(
    almacen: Almacen,
    ficha: _Ficha,
    *,
    hacia: str,
    agente: Agente,
    cuando: datetime,
    motivo: str,
    notas: Sequence[str] = (),
    extra: Graph | None = None,
    resultados: Graph | None = None,
    secuencia: tuple[URIRef, int] | None = None,
    reemplazar: Sequence[URIRef] = (),
    registrar_grafo: bool = False,
) -> URIRef:
    """Una transición = una petición SPARQL Update guardada por el estado esperado, y su comprobación.

    La guarda (``WHERE``) exige el estado leído, que el paso ``k+1`` no exista todavía y, si se asigna un
    número, que el contador siga en su valor leído. Si otra transición se adelantó, el ``WHERE`` no da
    solución, no se escribe nada y la comprobación posterior lanza ``ConflictoEstado``.
    """
    s = URIRef(ficha.iri)
    paso = voc.paso_solicitud(ficha.iri, ficha.pasos + 1)
    g = Graph()
    g += extra or Graph()
    g.add((s, REG.estadoSolicitud, estado_iri(hacia)))
    g.add((paso, RDF.type, REG.TransicionSolicitud))
    g.add((paso, RDF.type, PROV.Activity))
    g.add((paso, REG.solicitud, s))
    g.add((paso, REG.orden, Literal(ficha.pasos + 1, datatype=XSD.integer)))
    if ficha.estado:
        g.add((paso, REG.estadoAnterior, estado_iri(ficha.estado)))
    g.add((paso, REG.estadoNuevo, estado_iri(hacia)))
    g.add((paso, PROV.endedAtTime, _literal_hora(cuando)))
    g.add((paso, PROV.wasAssociatedWith, URIRef(agente.iri)))
    g.add((paso, REG.rolAgente, Literal(agente.rol)))
    marca = uuid.uuid4().hex
    g.add((paso, DCTERMS.identifier, Literal(marca)))  # distingue esta escritura de otra simultánea
    g.add((URIRef(agente.iri), RDF.type, PROV.Agent))
    if motivo:
        g.add((paso, REG.motivo, Literal(motivo)))
    for n in notas:
        g.add((paso, SKOS.note, Literal(n)))
    if ficha.ultimo_paso:
        g.add((paso, PROV.wasInformedBy, URIRef(ficha.ultimo_paso)))
    for t in (s, paso, URIRef(agente.iri)):
        validar_iri(str(t))
    borrar = []
    donde = []
    if ficha.estado:
        borrar.append(f"<{s}> <{REG.estadoSolicitud}> <{estado_iri(ficha.estado)}> .")
        donde.append(
            f"GRAPH <{GRAFO_SOLICITUDES}> {{ <{s}> <{REG.estadoSolicitud}> <{estado_iri(ficha.estado)}> }}"
        )
    else:
        donde.append(f"FILTER NOT EXISTS {{ GRAPH <{GRAFO_SOLICITUDES}> {{ <{s}> ?pS ?oS }} }}")
    donde.append(f"FILTER NOT EXISTS {{ GRAPH <{GRAFO_SOLICITUDES}> {{ <{paso}> ?pP ?oP }} }}")
    for n, prop in enumerate(reemplazar):
        borrar.append(f"<{s}> <{prop}> ?viejo{n} .")
        donde.append(f"OPTIONAL {{ GRAPH <{GRAFO_SOLICITUDES}> {{ <{s}> <{prop}> ?viejo{n} }} }}")
    if secuencia is not None:
        contador, previo = secuencia
        validar_iri(str(contador))
        borrar.append(f"<{contador}> <{REG.ultimoNumero}> ?ultimo .")
        donde.append(
            f"OPTIONAL {{ GRAPH <{GRAFO_SOLICITUDES}> {{ <{contador}> <{REG.ultimoNumero}> ?ultimo }} }}"
        )
        donde.append(f"FILTER(COALESCE(?ultimo, 0) = {int(previo)})")
    insertar = f"GRAPH <{GRAFO_SOLICITUDES}> {{\n{a_ntriples(g)}\n}}"
    if resultados is not None and len(resultados):
        insertar += f"\nGRAPH <{GRAFO_RESULTADOS}> {{\n{a_ntriples(resultados)}\n}}"
    update = (
        f"DELETE {{ GRAPH <{GRAFO_SOLICITUDES}> {{ {' '.join(borrar)} }} }}\n"
        f"INSERT {{ {insertar} }}\n"
        f"WHERE {{ {' '.join(donde)} }}"
    )
    if registrar_grafo:
        update += " ;\n" + registrar_grafo_fijo(GRAFO_SOLICITUDES, publico=False)
    almacen.actualizar(update)
    filas = consultas.catalogo().ejecutar(almacen, "solicitud-paso", {"paso": paso}, Vista.COMPLETA).filas
    marcas = {str(f["marca"]) for f in filas if "marca" in f}
    if not filas or estado_nombre(filas[0]["nuevo"]) != hacia or marcas != {marca}:
        raise ConflictoEstado(
            f"Otra persona cambió la solicitud {_ref(ficha)} al mismo tiempo; este paso no se registró",
            detalle="Vuelva a abrir la solicitud para ver su estado actual y repita el paso "
            "si todavía corresponde.",
        )
    return paso


def _problemas_certificados(almacen: Almacen, ficha: _Ficha) -> tuple[list[str], list[str]]:
    """(problemas que impiden verificar, avisos informativos) de los certificados de una solicitud."""
    referencia_fecha = ficha.recibida.date()
    certs = eq.leer_certificados(almacen, list(ficha.certificados), hoy=referencia_fecha)
    filas = (
        consultas.catalogo()
        .ejecutar(
            almacen,
            "solicitud-emisores",
            {"certificados": [URIRef(c) for c in ficha.certificados]},
            Vista.COMPLETA,
        )
        .filas
    )
    emisores = {str(f["certificado"]): f for f in filas}
    problemas: list[str] = []
    notas: list[str] = []
    for c in certs:
        e = emisores.get(c.iri, {})
        if c.seudonimo != ficha.seudonimo:
            problemas.append(
                f"el certificado {c.codigo} pertenece a otra persona (su titular no es {ficha.seudonimo})"
            )
        if c.vencido and c.vigente_hasta is not None:
            problemas.append(
                f"el certificado {c.codigo} venció el {c.vigente_hasta:%d/%m/%Y}, "
                "antes de recibirse la solicitud "
                f"({referencia_fecha:%d/%m/%Y})"
            )
        if c.version_desactualizada:
            problemas.append(
                f"el certificado {c.codigo} certifica la norma {c.norma_codigo or _corto(c.norma or '')}"
                f"{' versión ' + c.norma_version if c.norma_version else ''}, "
                "que ya no es la versión vigente "
                f"(hay otra más nueva: {', '.join(c.normas_nuevas)})"
            )
        evaluacion = str(e.get("resultadoEvaluacion", "")) if e else ""
        if evaluacion and evaluacion.lower() != "competente":
            problemas.append(
                f"el certificado {c.codigo} no acredita un resultado «competente» ({evaluacion})"
            )
        emisor = str(e.get("emisorCodigo") or _corto(str(e["emisor"]))) if e and "emisor" in e else ""
        emision = _fecha(e.get("fechaEmision")) if e else None
        if not emisor:
            problemas.append(f"el certificado {c.codigo} no indica la entidad que lo emitió")
        elif not e.get("autorizadoPor"):
            problemas.append(
                f"la entidad {emisor}, que emitió el certificado {c.codigo}, "
                "no figura como autorizada por ningún "
                "organismo en el registro de instituciones"
            )
        elif emision is None:
            problemas.append(f"el certificado {c.codigo} no indica su fecha de emisión")
        else:
            desde, hasta = _fecha(e.get("autorizadoDesde")), _fecha(e.get("autorizadoHasta"))
            if (desde and emision < desde) or (hasta and emision > hasta):
                periodo = f"{desde:%d/%m/%Y}" if desde else "sin inicio"
                periodo += f" – {hasta:%d/%m/%Y}" if hasta else " – sin fin"
                problemas.append(
                    f"el certificado {c.codigo} se emitió el {emision:%d/%m/%Y}, "
                    "fuera del periodo en que la entidad "
                    f"{emisor} estaba autorizada ({periodo})"
                )
            elif hasta and hasta < referencia_fecha:
                notas.append(
                    f"La autorización de {emisor} terminó el {hasta:%d/%m/%Y}; "
                    f"el certificado {c.codigo} se emitió "
                    "dentro de ella y sigue siendo válido."
                )
    return problemas, notas


def _normalizar_ajustes(ajustes: Sequence[Ajuste], unidades: Sequence[UnidadAnalizada]) -> list[Ajuste]:
    """Resuelve el código o IRI de cada ajuste contra las unidades analizadas y valida su motivo."""
    por_clave: dict[str, UnidadAnalizada] = {}
    for u in unidades:
        por_clave[u.unidad] = u
        por_clave[u.codigo] = u
    salida: list[Ajuste] = []
    vistas: set[str] = set()
    for a in ajustes:
        u = por_clave.get((a.unidad or "").strip())
        if u is None:
            raise EntradaInvalida(
                f"La unidad «{a.unidad}» no está entre las unidades analizadas de la solicitud",
                detalle="Unidades: " + ", ".join(x.codigo for x in unidades) + ".",
            )
        if u.unidad in vistas:
            raise EntradaInvalida(f"La unidad {u.codigo} tiene más de un ajuste")
        vistas.add(u.unidad)
        motivo = _texto(a.motivo, "motivo del ajuste")
        if not motivo:
            raise EntradaInvalida(f"El ajuste de {u.codigo} necesita un motivo escrito")
        if a.convalidable == u.convalidable_calculado:
            raise EntradaInvalida(
                f"El ajuste de {u.codigo} no cambia nada: el cálculo ya la declara "
                f"{'convalidable' if u.convalidable_calculado else 'no convalidable'}",
                detalle="Un ajuste reconoce una unidad que no llega al umbral, "
                "o deja de reconocer una que llega.",
            )
        salida.append(Ajuste(u.unidad, a.convalidable, motivo, u.codigo))
    return salida


# --- lecturas -------------------------------------------------------------------------------------


def _ficha(almacen: Almacen, iri: str) -> _Ficha:
    cat = consultas.catalogo()
    par = {"solicitud": URIRef(iri)}
    filas = cat.ejecutar(almacen, "solicitud-ficha", par, Vista.COMPLETA).filas
    if not filas:
        raise NoEncontrado(
            f"No existe la solicitud {_ref_iri(iri)}",
            detalle="Vea la bandeja con «registro solicitud listar».",
        )
    f = filas[0]
    historial = _historial(almacen, iri)
    certs = tuple(
        str(c["certificado"])
        for c in cat.ejecutar(almacen, "solicitud-certificados", par, Vista.COMPLETA).filas
    )
    decisiones = tuple(
        dict.fromkeys(
            str(d["decision"])
            for d in cat.ejecutar(almacen, "solicitud-decisiones", par, Vista.COMPLETA).filas
        )
    )
    inst_iri = str(f["institucion"])
    return _Ficha(
        iri=iri,
        institucion=str(f.get("institucionCodigo") or voc.codigo_institucion_de(inst_iri) or ""),
        programa=str(f["programa"]),
        seudonimo=str(f["seudonimo"]),
        estado=estado_nombre(f["estado"]),
        recibida=_hora(f["recepcion"]),
        regla=str(f["regla"]) if "regla" in f else None,
        resultado=str(f["resultado"]) if "resultado" in f else None,
        certificados=certs,
        pasos=max((t.orden for t in historial), default=0),
        ultimo_paso=historial[-1].iri if historial else None,
        ultima_hora=max((t.cuando for t in historial), default=None),
        decisiones=decisiones,
        decision_vigente=str(f["decisionVigente"]) if "decisionVigente" in f else None,
    )


def _historial(almacen: Almacen, iri: str) -> tuple[Transicion, ...]:
    filas = (
        consultas.catalogo()
        .ejecutar(almacen, "solicitud-historial", {"solicitud": URIRef(iri)}, Vista.COMPLETA)
        .filas
    )
    return tuple(
        Transicion(
            iri=str(f["paso"]),
            orden=int(str(f["orden"])),
            desde=estado_nombre(f["anterior"]) if "anterior" in f else None,
            hacia=estado_nombre(f["nuevo"]),
            cuando=_hora(f["cuando"]),
            agente=str(f["agente"]),
            rol=str(f.get("rol", "")),
            motivo=str(f.get("motivo", "")),
            notas=tuple(n for n in str(f.get("notas", "")).split("\n") if n),
            generado=str(f["generado"]) if "generado" in f else None,
        )
        for f in sorted(filas, key=lambda x: int(str(x["orden"])))
    )


def _decisiones(almacen: Almacen, iri: str) -> tuple[DecisionComite, ...]:
    filas = (
        consultas.catalogo()
        .ejecutar(almacen, "solicitud-decisiones", {"solicitud": URIRef(iri)}, Vista.COMPLETA)
        .filas
    )
    por_decision: dict[str, list[Mapping[str, Node]]] = defaultdict(list)
    for f in filas:
        por_decision[str(f["decision"])].append(f)
    salida = []
    for d, fs in por_decision.items():
        f0 = fs[0]
        ajustes = tuple(
            Ajuste(
                unidad=str(f["unidad"]),
                convalidable=str(f["convalidable"]).lower() in ("true", "1"),
                motivo=str(f.get("ajusteMotivo", "")),
                codigo=str(f.get("unidadCodigo", _corto(str(f["unidad"])))),
            )
            for f in sorted(fs, key=lambda x: _numero_final(str(x.get("ajuste", ""))))
            if "ajuste" in f
        )
        salida.append(
            DecisionComite(
                iri=d,
                numero=_numero_final(d),
                sentido=str(f0["sentido"]),
                motivo=str(f0.get("motivo", "")),
                cuando=_hora(f0["cuando"]),
                agente=str(f0.get("agente", "")),
                resultado=str(f0["resultado"]) if "resultado" in f0 else None,
                numero_acta=str(f0["numeroActa"]) if "numeroActa" in f0 else None,
                emitida=_hora(f0["emitida"]) if "emitida" in f0 else None,
                revisa=str(f0["revisa"]) if "revisa" in f0 else None,
                ajustes=ajustes,
            )
        )
    return tuple(sorted(salida, key=lambda x: x.numero))


def _unidades_resultado(almacen: Almacen, resultado: str) -> tuple[UnidadAnalizada, ...]:
    filas = (
        consultas.catalogo()
        .ejecutar(almacen, "solicitud-unidades", {"resultado": URIRef(resultado)}, Vista.COMPLETA)
        .filas
    )
    vistas: dict[str, UnidadAnalizada] = {}
    for f in filas:
        u = str(f["unidad"])
        if u in vistas:
            continue
        conv = str(f["convalidable"]).lower() in ("true", "1")
        vistas[u] = UnidadAnalizada(
            unidad=u,
            codigo=str(f.get("codigo", _corto(u))),
            etiqueta=str(f.get("etiqueta", "")),
            porcentaje=Decimal(str(f["porcentaje"])),
            convalidable_calculado=conv,
            convalidable=conv,
        )
    return tuple(vistas.values())


def _unidades_finales(
    unidades: Sequence[UnidadAnalizada], decision: DecisionComite | None
) -> tuple[UnidadAnalizada, ...]:
    """Aplica la decisión: rechazada → nada se reconoce; ajustada → los ajustes mandan sobre el cálculo."""
    if decision is None:
        return tuple(unidades)
    ajustes = {a.unidad: a for a in decision.ajustes}
    salida = []
    for u in unidades:
        a = ajustes.get(u.unidad)
        if decision.sentido == "rechazada":
            final = False
        elif a is not None:
            final = a.convalidable
        else:
            final = u.convalidable_calculado
        salida.append(
            UnidadAnalizada(u.unidad, u.codigo, u.etiqueta, u.porcentaje, u.convalidable_calculado, final, a)
        )
    return tuple(salida)


def _ultimo_numero(almacen: Almacen, secuencia: URIRef) -> int:
    filas = (
        consultas.catalogo()
        .ejecutar(almacen, "solicitud-secuencia", {"secuencia": secuencia}, Vista.COMPLETA)
        .filas
    )
    return max((int(str(f["ultimo"])) for f in filas), default=0)


def _plazo_dias(almacen: Almacen, regla: str) -> int | None:
    filas = consultas.catalogo().ejecutar(almacen, "solicitud-plazo", {"regla": URIRef(regla)}).filas
    if not filas:
        return None
    try:
        return int(str(filas[0]["plazoDias"]))
    except ValueError as exc:
        raise eq.ReglaInaplicable(
            f"La regla {_corto(regla)} tiene un reg:plazoDias que no es un entero"
        ) from exc


def _codigo_institucion(almacen: Almacen, institucion: str) -> str:
    """Código de una institución existente (acepta el código o el IRI ``id:inst/{cod}``)."""
    texto = (institucion or "").strip()
    if texto.startswith(("http://", "https://")):
        texto = voc.codigo_institucion_de(texto) or ""
    if not _CODIGO.match(texto):
        raise EntradaInvalida(f"Código de institución inválido: «{institucion}»")
    eq.resolver(almacen, str(voc.institucion(texto)), REG.Institucion, que="institución")
    return texto


# --- utilidades ---------------------------------------------------------------------------------------------


def _iri_solicitud(solicitud: str) -> str:
    """IRI de una solicitud a partir de su IRI o de su referencia ``{institucion}/{anio}-{n}``."""
    texto = (solicitud or "").strip()
    if texto.startswith(str(voc.ID)):
        validar_iri(texto)
        resto = texto[len(str(voc.ID)) :]
        partes = resto.split("/")
        if (
            len(partes) == 4
            and partes[0] == "inst"
            and partes[2] == "solicitud"
            and _REFERENCIA.match(f"{partes[1]}/{partes[3]}")
        ):
            return texto
    m = _REFERENCIA.match(texto)
    if m:
        return str(voc.solicitud(m.group(1), int(m.group(2)), int(m.group(3))))
    raise EntradaInvalida(
        f"Referencia de solicitud inválida: «{solicitud}»",
        detalle="Use «institución/año-número» (p. ej. iest-piloto/2026-1) o el IRI completo de la solicitud.",
    )


def _ref(ficha: _Ficha) -> str:
    return _ref_iri(ficha.iri)


def _ref_iri(iri: str) -> str:
    inst = voc.codigo_institucion_de(iri) or ""
    return f"{inst}/{iri.rsplit('/', 1)[-1]}"


def _ahora(ahora: datetime | None) -> datetime:
    if ahora is None:
        return datetime.now(UTC).replace(microsecond=0)
    if ahora.tzinfo is None:
        ahora = ahora.replace(tzinfo=UTC)
    return ahora.astimezone(UTC).replace(microsecond=0)


def _literal_hora(cuando: datetime) -> Literal:
    return Literal(cuando.isoformat(), datatype=XSD.dateTime)


def _hora(t: Node) -> datetime:
    texto = str(t).replace("Z", "+00:00")
    valor = datetime.fromisoformat(texto)
    return valor if valor.tzinfo else valor.replace(tzinfo=UTC)


def _fecha(t: Node | None) -> date | None:
    if t is None:
        return None
    try:
        return date.fromisoformat(str(t)[:10])
    except ValueError:
        return None


def _texto(valor: str | None, que: str) -> str:
    texto = " ".join((valor or "").split())
    if len(texto) > _MOTIVO_MAXIMO:
        raise EntradaInvalida(f"El {que} es demasiado largo", detalle=f"Máximo {_MOTIVO_MAXIMO} caracteres.")
    return texto


def _numero_final(iri: str) -> int:
    try:
        return int(iri.rstrip("/").rsplit("/", 1)[-1])
    except ValueError:
        return 0


def _corto(iri: str) -> str:
    """Último segmento de un IRI (o el nombre local tras «#»), para mensajes."""
    texto = str(iri)
    return texto.rsplit("#", 1)[-1] if "#" in texto else texto.rstrip("/").rsplit("/", 1)[-1]
