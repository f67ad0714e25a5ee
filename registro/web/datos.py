"""Datos de las páginas web: ejecuta consultas del catálogo y arma estructuras listas para plantillas.

Por qué un módulo aparte: las plantillas solo recorren listas y leen atributos; toda decisión (orden,
agrupación, qué cuenta como brecha, qué celda de la matriz se muestra) se toma aquí, en Python tipado
y probado, y el SPARQL vive únicamente en ``consultas_sparql/web-*.rq`` y en las consultas que ya
usan la API y el motor de equivalencias. Las páginas públicas usan la vista **pública**; solo el
simulador (certificados) lee la vista completa, y solo con una sesión autorizada.
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from rdflib import Literal, URIRef
from rdflib.term import Node

from registro import equivalencias, versiones
from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista
from registro.consultas import catalogo
from registro.formatos import valor_simple

Fila = Mapping[str, Node]


# --- utilidades ------------------------------------------------------------------------------------
def normalizar(texto: str) -> str:
    """Minúsculas sin tildes: la misma normalización que aplican las consultas a las etiquetas."""
    descompuesto = unicodedata.normalize("NFD", texto)
    sin_marcas = "".join(c for c in descompuesto if unicodedata.category(c) != "Mn")
    return " ".join(sin_marcas.lower().split())


def enlace(iri: str | None) -> str | None:
    """Ruta local de un IRI del registro (``https://w3id.org/registro/id/x`` → ``/id/x``)."""
    if not iri or not voc.es_del_registro(iri):
        return None
    return "/id/" + iri[len(str(voc.ID)) :]


def _t(fila: Fila, clave: str) -> str | None:
    v = valor_simple(fila.get(clave))
    return None if v is None or v == "" else str(v)


def _n(fila: Fila, clave: str) -> int | None:
    v = fila.get(clave)
    if v is None:
        return None
    try:
        return int(str(v))
    except ValueError:
        return None


def _d(fila: Fila, clave: str) -> Decimal | None:
    v = fila.get(clave)
    if v is None:
        return None
    try:
        return Decimal(str(v))
    except ArithmeticError:
        return None


def _clave_orden(*valores: object) -> tuple:
    """Orden natural: números como números («1.10» después de «1.9»), ausentes al final."""
    salida: list[tuple[int, object]] = []
    for v in valores:
        if v is None or v == "":
            salida.append((2, ""))
            continue
        partes = str(v).replace("-", ".").split(".")
        if all(p.isdigit() for p in partes):
            salida.append((0, tuple(int(p) for p in partes)))
        else:
            salida.append((1, str(v)))
    return tuple(salida)


def _filas(
    almacen: Almacen,
    nombre: str,
    parametros: Mapping[str, object] | None = None,
    vista: Vista = Vista.PUBLICA,
) -> tuple[Fila, ...]:
    return catalogo().ejecutar(almacen, nombre, parametros or {}, vista).filas  # type: ignore[arg-type]


def porcentaje(valor: Fraction | Decimal | None) -> str:
    """«62,50 %» (dos decimales truncados: nunca muestra 80,00 % un valor que no llega)."""
    return equivalencias.porcentaje_texto(valor)


def fraccion(valor: Fraction | Decimal | None) -> float:
    """Fracción 0–1 para dibujar (solo presentación: las decisiones ya se tomaron exactas)."""
    return 0.0 if valor is None else max(0.0, min(1.0, float(valor)))


# --- búsqueda y portada ----------------------------------------------------------------------------
GRUPOS = {
    1: "Normas de competencia",
    2: "Unidades de competencia",
    3: "Programas de estudios",
    4: "Instituciones",
    5: "Marcos de cualificaciones",
}


@dataclass(frozen=True)
class Resultado:
    iri: str
    enlace: str | None
    grupo: int
    tipo: str
    codigo: str | None
    etiqueta: str
    padre: str | None
    padre_enlace: str | None
    pais: str | None


def buscar(almacen: Almacen, texto: str) -> OrderedDict[str, list[Resultado]]:
    """Resultados agrupados por clase (normas, unidades, programas, instituciones, marcos)."""
    q = normalizar(texto)
    grupos: OrderedDict[str, list[Resultado]] = OrderedDict()
    if not q:
        return grupos
    for f in _filas(almacen, "web-buscar", {"q": Literal(q)}):
        grupo = _n(f, "grupo") or 9
        padre = _t(f, "padre")
        r = Resultado(
            iri=str(f["recurso"]),
            enlace=enlace(str(f["recurso"])),
            grupo=grupo,
            tipo=_t(f, "tipoEtiqueta") or "",
            codigo=_t(f, "codigo"),
            etiqueta=_t(f, "etiqueta") or _t(f, "codigo") or str(f["recurso"]),
            padre=" — ".join(x for x in (_t(f, "padreCodigo"), _t(f, "padreEtiqueta")) if x) or None,
            padre_enlace=enlace(padre),
            pais=_t(f, "paisEtiqueta"),
        )
        grupos.setdefault(GRUPOS.get(grupo, "Otros"), []).append(r)
    for lista in grupos.values():
        lista.sort(key=lambda r: _clave_orden(r.codigo, r.etiqueta))
    return grupos


def conteos(almacen: Almacen) -> dict[str, int]:
    """Cantidad de recursos por clase del registro (nombre local de la clase → cantidad)."""
    salida = {}
    for f in _filas(almacen, "conteo-por-tipo"):
        salida[str(f["clase"]).rsplit("#", 1)[-1]] = _n(f, "cantidad") or 0
    return salida


# --- listados -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fichita:
    """Una fila de un listado: enlace, código, nombre y datos breves."""

    iri: str
    enlace: str | None
    codigo: str | None
    etiqueta: str
    datos: tuple[tuple[str, str], ...] = ()


def marcos(almacen: Almacen) -> list[Fichita]:
    salida = []
    for f in _filas(almacen, "web-listado-marcos"):
        datos = [("País", _t(f, "paisEtiqueta") or "Supranacional"), ("Niveles", _t(f, "niveles") or "—")]
        if _t(f, "version"):
            datos.append(("Versión", _t(f, "version") or ""))
        iri = str(f["recurso"])
        salida.append(Fichita(iri, enlace(iri), _t(f, "sigla"), _t(f, "etiqueta") or iri, tuple(datos)))
    return sorted(salida, key=lambda m: (m.codigo == "EQF", m.codigo or ""))


def _listado(almacen: Almacen, consulta: str, rotulo_tipo: str) -> list[Fichita]:
    salida = []
    for f in _filas(almacen, consulta):
        iri = str(f["recurso"])
        datos = [
            (rotulo_tipo, (_t(f, "tipoEtiqueta") or "—").capitalize()),
            ("País", _t(f, "paisEtiqueta") or "—"),
            ("Institución", _t(f, "institucionEtiqueta") or "—"),
            ("Nivel", _t(f, "nivelEtiqueta") or "—"),
        ]
        salida.append(Fichita(iri, enlace(iri), _t(f, "codigo"), _t(f, "etiqueta") or iri, tuple(datos)))
    return salida


def normas(almacen: Almacen) -> list[Fichita]:
    return _listado(almacen, "web-listado-normas", "Tipo")


def programas(almacen: Almacen) -> list[Fichita]:
    return _listado(almacen, "web-listado-programas", "Nivel formativo")


@dataclass(frozen=True)
class MatrizResumen:
    iri: str
    enlace_vista: str
    codigo: str
    etiqueta: str
    estandar: str
    estandar_codigo: str
    estandar_etiqueta: str
    programa: str
    programa_codigo: str
    programa_etiqueta: str
    institucion: str
    regla: str
    regla_etiqueta: str
    fecha: str | None
    correspondencias: int
    aprobadas: int
    sugeridas: int
    rechazadas: int


def ruta_matriz(iri: str) -> str:
    """``id:inst/{inst}/matriz/{cod}`` → ``/matrices/{inst}/{cod}`` (vista de mapa de calor)."""
    resto = iri[len(str(voc.ID)) :] if voc.es_del_registro(iri) else iri
    partes = resto.split("/")
    if len(partes) == 4 and partes[0] == "inst" and partes[2] == "matriz":
        return f"/matrices/{partes[1]}/{partes[3]}"
    return enlace(iri) or "/matrices"


def matrices(almacen: Almacen) -> list[MatrizResumen]:
    salida = []
    for f in _filas(almacen, "web-matrices"):
        iri = str(f["matriz"])
        salida.append(
            MatrizResumen(
                iri=iri,
                enlace_vista=ruta_matriz(iri),
                codigo=_t(f, "codigo") or iri.rsplit("/", 1)[-1],
                etiqueta=_t(f, "etiqueta") or "",
                estandar=_t(f, "estandar") or "",
                estandar_codigo=_t(f, "estandarCodigo") or "",
                estandar_etiqueta=_t(f, "estandarEtiqueta") or "",
                programa=_t(f, "programa") or "",
                programa_codigo=_t(f, "programaCodigo") or "",
                programa_etiqueta=_t(f, "programaEtiqueta") or "",
                institucion=_t(f, "institucionEtiqueta") or "",
                regla=_t(f, "regla") or "",
                regla_etiqueta=_t(f, "reglaEtiqueta") or "",
                fecha=_t(f, "fecha"),
                correspondencias=_n(f, "correspondencias") or 0,
                aprobadas=_n(f, "aprobadas") or 0,
                sugeridas=_n(f, "sugeridas") or 0,
                rechazadas=_n(f, "rechazadas") or 0,
            )
        )
    return salida


# --- ficha genérica -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ficha:
    """Datos comunes de un recurso (``web-ficha.rq``) y su tipo."""

    iri: str
    tipo: str
    tipo_etiqueta: str
    valores: Mapping[str, str]

    @property
    def titulo(self) -> str:
        return self.valores.get("etiqueta") or self.valores.get("codigo") or self.iri.rsplit("/", 1)[-1]

    @property
    def clase(self) -> str:
        return self.tipo.rsplit("#", 1)[-1]


def ficha(almacen: Almacen, iri: str, vista: Vista = Vista.PUBLICA) -> Ficha | None:
    filas = _filas(almacen, "web-ficha", {"recurso": URIRef(iri)}, vista)
    if not filas or "tipo" not in filas[0]:
        return None
    f = filas[0]
    valores = {k: s for k in f if (s := _t(f, k)) is not None}
    return Ficha(iri, str(f["tipo"]), valores.get("tipoEtiqueta", ""), valores)


def datos_ficha(f: Ficha) -> list[tuple[str, str, str | None]]:
    """Pares (rótulo, valor, enlace) de la ficha para la tabla de datos de la página."""
    filas: list[tuple[str, str, str | None]] = []

    def poner(rotulo: str, valor: str | None, destino: str | None = None) -> None:
        if valor:
            valor = _fecha_legible(valor)
            filas.append((rotulo, valor[:1].upper() + valor[1:], enlace(destino) if destino else None))

    v = f.valores
    poner("Código", v.get("codigo"))
    poner("Versión", v.get("version"))
    poner("Tipo", v.get("tipoEtiqueta"))
    institucion = " — ".join(x for x in (v.get("institucionSigla"), v.get("institucionEtiqueta")) if x)
    poner(
        "Institución" if f.clase == "ProgramaEstudios" else "Emitido por", institucion, v.get("institucion")
    )
    poner("País", v.get("paisEtiqueta"), v.get("pais"))
    poner("Sector", v.get("sectorEtiqueta"), v.get("sector"))
    poner("Subsector", v.get("subsector"))
    poner("Proceso principal", v.get("proceso"))
    poner("Área ocupacional", v.get("area"))
    poner("Nivel formativo", v.get("nivelFormativo"))
    poner("Nivel de cualificación", v.get("nivelEtiqueta"), v.get("nivel"))
    if v.get("ocupacion"):
        poner(
            "Ocupación (CIUO-08)",
            f"{v.get('ocupacionNotacion', '')} {v.get('ocupacionEtiqueta', '')}".strip(),
            v.get("ocupacion"),
        )
    if v.get("actividadEconomica"):
        poner(
            "Actividad económica (CIIU)",
            f"{v.get('actividadNotacion', '')} {v.get('actividadEtiqueta', '')}".strip(),
            v.get("actividadEconomica"),
        )
    if v.get("campo"):
        poner(
            "Campo de educación (CINE-F)",
            f"{v.get('campoNotacion', '')} {v.get('campoEtiqueta', '')}".strip(),
            v.get("campo"),
        )
    poner("Estado", v.get("estado"))
    poner("Vigente desde", v.get("vigenteDesde"))
    poner("Vigente hasta", v.get("vigenteHasta"))
    poner("Créditos", v.get("creditos"))
    poner("Horas", v.get("horas"))
    poner("Localidad", v.get("localidad"))
    return filas


def _fecha_legible(texto: str) -> str:
    """``2023-11-15`` → ``15/11/2023`` (solo fechas ISO completas; el resto queda igual)."""
    if len(texto) == 10 and texto[4] == "-" and texto[7] == "-" and texto.replace("-", "").isdigit():
        return f"{texto[8:10]}/{texto[5:7]}/{texto[0:4]}"
    return texto


@dataclass(frozen=True)
class VersionVista:
    numero: int
    clave: str
    institucion: str
    fecha: str
    vigente: bool
    grafo: str


def versiones_de(almacen: Almacen, iri: str) -> list[VersionVista]:
    """Versiones de envío (públicas) que describen el recurso, de la más nueva a la más vieja."""
    salida = []
    # Sin conjunto de datos: la consulta filtra ella misma las versiones no públicas (ver su cabecera).
    for f in _filas(almacen, "web-versiones-recurso", {"recurso": URIRef(iri)}, Vista.TODO):
        salida.append(
            VersionVista(
                numero=_n(f, "numero") or 0,
                clave=_t(f, "clave") or "",
                institucion=voc.codigo_institucion_de(str(f["institucion"])) or str(f["institucion"]),
                fecha=(_t(f, "fecha") or "")[:19].replace("T", " "),
                vigente=str(f.get("vigente", "")).lower() in {"true", "1"},
                grafo=str(f["grafo"]),
            )
        )
    return salida


@dataclass(frozen=True)
class Revision:
    enlace: str | None
    relacion: str
    codigo: str
    version: str
    estado: str


def revisiones(almacen: Almacen, iri: str) -> list[Revision]:
    return [
        Revision(
            enlace(str(f["otra"])),
            _t(f, "relacion") or "",
            _t(f, "codigo") or str(f["otra"]),
            _t(f, "version") or "",
            _t(f, "estado") or "",
        )
        for f in _filas(almacen, "web-revisiones-norma", {"recurso": URIRef(iri)})
    ]


# --- marcos ----------------------------------------------------------------------------------------
@dataclass
class Columna:
    dimension: str
    etiqueta: str
    grupo: str | None
    grupo_etiqueta: str | None


@dataclass
class NivelMarco:
    iri: str
    enlace: str | None
    numero: int
    etiqueta: str
    definicion: str
    descriptores: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hipotesis:
    iri: str
    enlace: str | None
    origen: str
    origen_enlace: str | None
    destino: str
    destino_enlace: str | None
    nota: str
    autor: str
    fecha: str
    fuente: str
    cercano: bool
    origen_sigla: str = ""
    origen_numero: int = 0
    destino_sigla: str = ""
    destino_numero: int = 0


@dataclass
class MarcoVista:
    ficha: Mapping[str, str]
    columnas: list[Columna]
    grupos: list[tuple[str | None, str | None, int]]
    """(grupo, etiqueta, cuántas columnas abarca) para la fila superior de la cabecera; una columna sin
    grupo aparece como ``(None, etiqueta de la columna, 1)`` y ocupa las dos filas."""
    niveles: list[NivelMarco]
    hipotesis: list[Hipotesis]

    @property
    def con_grupos(self) -> bool:
        return any(g for g, _e, _n in self.grupos)


def marco(almacen: Almacen, iri: str) -> MarcoVista:
    filas = _filas(almacen, "web-marco-ficha", {"marco": URIRef(iri)})
    ficha_marco = {k: s for k in filas[0] if (s := _t(filas[0], k)) is not None} if filas else {}
    niveles: OrderedDict[str, NivelMarco] = OrderedDict()
    columnas: OrderedDict[str, tuple[tuple, Columna]] = OrderedDict()
    for f in _filas(almacen, "web-marco-descriptores", {"marco": URIRef(iri)}):
        nivel_iri = str(f["nivel"])
        nivel = niveles.setdefault(
            nivel_iri,
            NivelMarco(
                nivel_iri,
                enlace(nivel_iri),
                _n(f, "numero") or 0,
                _t(f, "etiquetaNivel") or "",
                _t(f, "definicionNivel") or "",
            ),
        )
        dim = _t(f, "dimension")
        if dim is None:
            continue
        nivel.descriptores[dim] = _t(f, "texto") or ""
        if dim not in columnas:
            orden = (
                _n(f, "grupoOrden") if _t(f, "grupo") else _n(f, "dimensionOrden"),
                _n(f, "dimensionOrden") if _t(f, "grupo") else 0,
            )
            columnas[dim] = (
                (orden[0] or 0, orden[1] or 0),
                Columna(
                    dim,
                    _t(f, "dimensionEtiqueta") or dim.rsplit("/", 1)[-1],
                    _t(f, "grupo"),
                    _t(f, "grupoEtiqueta"),
                ),
            )
    ordenadas = [c for _o, c in sorted(columnas.values(), key=lambda x: x[0])]
    grupos: list[tuple[str | None, str | None, int]] = []
    for c in ordenadas:
        if grupos and c.grupo is not None and grupos[-1][0] == c.grupo:
            g, e, n = grupos[-1]
            grupos[-1] = (g, e, n + 1)
        else:
            grupos.append((c.grupo, c.grupo_etiqueta if c.grupo else c.etiqueta, 1))
    return MarcoVista(
        ficha_marco,
        ordenadas,
        grupos,
        sorted(niveles.values(), key=lambda n: n.numero),
        hipotesis_de(almacen, iri),
    )


def hipotesis_de(almacen: Almacen, iri: str) -> list[Hipotesis]:
    """Hipótesis de correspondencia entre niveles en las que participa el marco ``iri``."""
    hipotesis = []
    for f in _filas(almacen, "web-correspondencias-nivel", {"marco": URIRef(iri)}):
        hipotesis.append(
            Hipotesis(
                iri=str(f["correspondencia"]),
                enlace=enlace(str(f["correspondencia"])),
                origen=f"{_t(f, 'origenSigla') or ''} {_t(f, 'origenNumero') or ''}".strip(),
                origen_enlace=enlace(_t(f, "origen")),
                destino=f"{_t(f, 'destinoSigla') or ''} {_t(f, 'destinoNumero') or ''}".strip(),
                destino_enlace=enlace(_t(f, "destino")),
                nota=_t(f, "nota") or "",
                autor=_t(f, "autorEtiqueta") or _t(f, "autor") or "",
                fecha=(_t(f, "fecha") or "")[:10],
                fuente=_t(f, "fuente") or "",
                cercano=str(f.get("cercano", "")).lower() in {"true", "1"},
                origen_sigla=_t(f, "origenSigla") or "",
                origen_numero=_n(f, "origenNumero") or 0,
                destino_sigla=_t(f, "destinoSigla") or "",
                destino_numero=_n(f, "destinoNumero") or 0,
            )
        )
    return hipotesis


@dataclass(frozen=True)
class Comparacion:
    """Niveles de todos los marcos lado a lado, alineados por las hipótesis de correspondencia."""

    pivote: Fichita
    otros: list[Fichita]
    filas: list[tuple[int, str | None, list[list[tuple[str, str | None]]]]]
    """(número de nivel del pivote, enlace, por cada otro marco: [(nivel cercano, enlace)…])."""


def comparacion_marcos(almacen: Almacen) -> Comparacion | None:
    """Tabla comparativa: filas = niveles del marco de referencia; columnas = los demás marcos.

    El marco de referencia (pivote) se elige con los datos, no por nombre: el de más niveles, luego el
    que más hipótesis tiene y, a igualdad, el que no pertenece a un país (un marco supranacional).
    """
    lista = marcos(almacen)
    if len(lista) < 2:
        return None
    hip: dict[str, Hipotesis] = {}
    por_marco: dict[str, int] = defaultdict(int)
    for m in lista:
        for h in hipotesis_de(almacen, m.iri):
            hip[h.iri] = h
    for h in hip.values():
        por_marco[h.origen_sigla] += 1
        por_marco[h.destino_sigla] += 1

    def niveles_de(m: Fichita) -> int:
        return int(dict(m.datos).get("Niveles", "0") or 0)

    def sin_pais(m: Fichita) -> bool:
        return dict(m.datos).get("País") == "Supranacional"

    pivote = sorted(lista, key=lambda m: (-niveles_de(m), -por_marco[m.codigo or ""], not sin_pais(m)))[0]
    otros = [m for m in lista if m.iri != pivote.iri]
    filas = []
    for n in range(1, niveles_de(pivote) + 1):
        celdas: list[list[tuple[str, str | None]]] = []
        for otro in otros:
            cercanos = []
            for h in hip.values():
                if (h.origen_sigla, h.origen_numero, h.destino_sigla) == (pivote.codigo, n, otro.codigo):
                    cercanos.append((h.destino, h.destino_enlace, h.destino_numero))
                elif (h.destino_sigla, h.destino_numero, h.origen_sigla) == (pivote.codigo, n, otro.codigo):
                    cercanos.append((h.origen, h.origen_enlace, h.origen_numero))
            celdas.append([(t, e) for t, e, _n in sorted(cercanos, key=lambda c: c[2])])
        filas.append((n, f"{pivote.enlace}/nivel/{n}" if pivote.enlace else None, celdas))
    return Comparacion(pivote, otros, filas)


# --- normas ----------------------------------------------------------------------------------------
@dataclass
class Elemento:
    iri: str
    enlace: str | None
    numero: str | None
    etiqueta: str
    texto: str | None = None
    tipo_evidencia: str | None = None


@dataclass
class Actividad:
    elemento: Elemento
    criterios: list[Elemento] = field(default_factory=list)


@dataclass
class UnidadVista:
    iri: str
    enlace: str | None
    codigo: str | None
    numero: str | None
    etiqueta: str
    nivel: str | None
    nivel_enlace: str | None
    obligatoria: bool | None
    transversal: bool | None
    orden: int | None
    actividades: list[Actividad] = field(default_factory=list)
    criterios: list[Elemento] = field(default_factory=list)
    """Criterios que cuelgan directamente de la unidad (estándares MTPE)."""
    conocimientos: list[Elemento] = field(default_factory=list)
    habilidades: list[Elemento] = field(default_factory=list)
    transversales: list[Elemento] = field(default_factory=list)
    evidencias: list[Elemento] = field(default_factory=list)
    contextos: list[Elemento] = field(default_factory=list)

    @property
    def total_criterios(self) -> int:
        return len(self.criterios) + sum(len(a.criterios) for a in self.actividades)


@dataclass
class NormaVista:
    unidades: list[UnidadVista]
    contextos: list[Elemento]
    evidencias: list[Elemento]

    @property
    def total_criterios(self) -> int:
        return sum(u.total_criterios for u in self.unidades)


def _booleano(fila: Fila, clave: str) -> bool | None:
    v = fila.get(clave)
    return None if v is None else str(v).lower() in {"true", "1"}


def norma(almacen: Almacen, iri: str) -> NormaVista:
    unidades: OrderedDict[str, UnidadVista] = OrderedDict()
    actividades: dict[tuple[str, str], Actividad] = {}
    contextos: list[Elemento] = []
    evidencias: list[Elemento] = []
    vistos: set[tuple[str, str, str]] = set()
    filas = _filas(almacen, "web-norma-estructura", {"norma": URIRef(iri)})
    for f in filas:
        el_iri = str(f["elemento"])
        el = Elemento(
            el_iri,
            enlace(el_iri),
            _t(f, "numero") or _t(f, "orden"),
            _t(f, "etiqueta") or "",
            _t(f, "texto"),
            _t(f, "tipoEvidencia"),
        )
        clase = _t(f, "clase") or ""
        u_iri = _t(f, "unidad")
        if u_iri is None:
            (contextos if clase == "contexto" else evidencias).append(el)
            continue
        if u_iri not in unidades:
            unidades[u_iri] = UnidadVista(
                u_iri,
                enlace(u_iri),
                _t(f, "codigoUnidad"),
                _t(f, "numeroUnidad"),
                _t(f, "etiquetaUnidad") or "",
                _t(f, "nivelUnidadEtiqueta"),
                enlace(_t(f, "nivelUnidad")),
                _booleano(f, "obligatoria"),
                _booleano(f, "transversal"),
                _n(f, "ordenUnidad"),
            )
        u = unidades[u_iri]
        clave = (u_iri, clase, el_iri)
        if clave in vistos:
            continue
        vistos.add(clave)
        act = _t(f, "actividad")
        if clase == "actividad":
            actividad = actividades.setdefault((u_iri, el_iri), Actividad(el))
            actividad.elemento = el
            if actividad not in u.actividades:
                u.actividades.append(actividad)
        elif clase == "criterio" and act:
            actividad = actividades.setdefault((u_iri, act), Actividad(Elemento(act, enlace(act), None, "")))
            if actividad not in u.actividades:
                u.actividades.append(actividad)
            actividad.criterios.append(el)
        elif clase == "criterio":
            u.criterios.append(el)
        else:
            destino = {
                "conocimiento": u.conocimientos,
                "habilidad": u.habilidades,
                "transversal": u.transversales,
                "evidencia": u.evidencias,
                "contexto": u.contextos,
            }.get(clase)
            if destino is not None:
                destino.append(el)
    for u in unidades.values():
        u.actividades.sort(key=lambda a: _clave_orden(a.elemento.numero))
        for a in u.actividades:
            a.criterios.sort(key=lambda c: _clave_orden(c.numero))
        for lista in (
            u.criterios,
            u.conocimientos,
            u.habilidades,
            u.transversales,
            u.evidencias,
            u.contextos,
        ):
            lista.sort(key=lambda e: _clave_orden(e.numero, e.etiqueta))
    ordenadas = sorted(unidades.values(), key=lambda u: _clave_orden(u.orden, u.numero, u.codigo))
    contextos.sort(key=lambda e: _clave_orden(e.numero))
    evidencias.sort(key=lambda e: (e.tipo_evidencia or "", e.etiqueta))
    return NormaVista(ordenadas, contextos, evidencias)


# --- programas -------------------------------------------------------------------------------------
@dataclass
class Capacidad:
    iri: str
    enlace: str | None
    etiqueta: str
    orden: int | None
    indicadores: list[Elemento] = field(default_factory=list)


@dataclass
class UDVista:
    iri: str
    enlace: str | None
    codigo: str | None
    etiqueta: str
    ciclo: str | None
    creditos: Decimal | None
    horas_teoria: int | None
    horas_practica: int | None
    orden: int | None
    capacidades: list[Capacidad] = field(default_factory=list)

    @property
    def horas(self) -> int:
        return (self.horas_teoria or 0) + (self.horas_practica or 0)

    @property
    def total_indicadores(self) -> int:
        return sum(len(c.indicadores) for c in self.capacidades)


@dataclass
class ModuloVista:
    iri: str
    enlace: str | None
    codigo: str | None
    etiqueta: str
    orden: int | None
    creditos: Decimal | None
    horas: int | None
    uc: str | None
    uc_enlace: str | None
    uc_etiqueta: str | None
    uds: list[UDVista] = field(default_factory=list)
    capacidades: list[Capacidad] = field(default_factory=list)
    """Capacidades del propio módulo (programas sin unidades didácticas, p. ej. CETPRO)."""

    @property
    def total_indicadores(self) -> int:
        return sum(u.total_indicadores for u in self.uds) + sum(len(c.indicadores) for c in self.capacidades)

    @property
    def creditos_totales(self) -> Decimal | None:
        if self.creditos is not None:
            return self.creditos
        valores = [u.creditos for u in self.uds if u.creditos is not None]
        return sum(valores, Decimal(0)) if valores else None

    @property
    def horas_totales(self) -> int | None:
        if self.horas is not None:
            return self.horas
        return sum(u.horas for u in self.uds) or None


@dataclass
class ProgramaVista:
    modulos: list[ModuloVista]

    @property
    def total_indicadores(self) -> int:
        return sum(m.total_indicadores for m in self.modulos)

    @property
    def total_uds(self) -> int:
        return sum(len(m.uds) for m in self.modulos)

    @property
    def total_creditos(self) -> Decimal | None:
        valores = [m.creditos_totales for m in self.modulos if m.creditos_totales is not None]
        return sum(valores, Decimal(0)) if valores else None

    @property
    def total_horas(self) -> int | None:
        return sum(m.horas_totales or 0 for m in self.modulos) or None


def programa(almacen: Almacen, iri: str) -> ProgramaVista:
    modulos: OrderedDict[str, ModuloVista] = OrderedDict()
    uds: dict[str, UDVista] = {}
    capacidades: dict[str, Capacidad] = {}
    for f in _filas(almacen, "web-programa-estructura", {"programa": URIRef(iri)}):
        m_iri = str(f["modulo"])
        if m_iri not in modulos:
            modulos[m_iri] = ModuloVista(
                m_iri,
                enlace(m_iri),
                _t(f, "codigoModulo"),
                _t(f, "etiquetaModulo") or "",
                _n(f, "ordenModulo"),
                _d(f, "creditosModulo"),
                _n(f, "horasModulo"),
                _t(f, "ucCodigo"),
                enlace(_t(f, "uc")),
                _t(f, "ucEtiqueta"),
            )
        m = modulos[m_iri]
        ud_iri = _t(f, "ud")
        if ud_iri and ud_iri not in uds:
            uds[ud_iri] = UDVista(
                ud_iri,
                enlace(ud_iri),
                _t(f, "codigoUD"),
                _t(f, "etiquetaUD") or "",
                _t(f, "ciclo"),
                _d(f, "creditos"),
                _n(f, "horasTeoria"),
                _n(f, "horasPractica"),
                _n(f, "ordenUD"),
            )
            m.uds.append(uds[ud_iri])
        c_iri = str(f["capacidad"])
        if c_iri not in capacidades:
            capacidades[c_iri] = Capacidad(
                c_iri, enlace(c_iri), _t(f, "etiquetaCapacidad") or "", _n(f, "ordenCapacidad")
            )
            (uds[ud_iri].capacidades if ud_iri else m.capacidades).append(capacidades[c_iri])
        ind = _t(f, "indicador")
        if ind and all(i.iri != ind for i in capacidades[c_iri].indicadores):
            capacidades[c_iri].indicadores.append(
                Elemento(ind, enlace(ind), _t(f, "ordenIndicador"), _t(f, "enunciado") or "")
            )
    for m in modulos.values():
        m.uds.sort(key=lambda u: _clave_orden(u.orden, u.codigo))
        for c in [*m.capacidades, *(c for u in m.uds for c in u.capacidades)]:
            c.indicadores.sort(key=lambda i: _clave_orden(i.numero))
    return ProgramaVista(sorted(modulos.values(), key=lambda m: _clave_orden(m.orden, m.codigo)))


# --- instituciones ----------------------------------------------------------------------------------
def publicado_por(almacen: Almacen, iri: str) -> list[Fichita]:
    return [
        Fichita(
            str(f["recurso"]),
            ruta_matriz(str(f["recurso"])) if "/matriz/" in str(f["recurso"]) else enlace(str(f["recurso"])),
            _t(f, "codigo"),
            _t(f, "etiqueta") or "",
            (("Tipo", _t(f, "tipoEtiqueta") or ""),),
        )
        for f in _filas(almacen, "web-institucion-recursos", {"institucion": URIRef(iri)})
    ]


# --- matriz de equivalencia ----------------------------------------------------------------------------
ORDEN_ESTADO = {"aprobada": 0, "sugerida": 1, "rechazada": 2}


@dataclass(frozen=True)
class Celda:
    """Lo que se dibuja en un cruce indicador × criterio: la correspondencia que manda y las demás."""

    principal: equivalencias.CeldaMatriz
    otras: tuple[equivalencias.CeldaMatriz, ...]
    ancla: str

    @property
    def clase(self) -> str:
        c = self.principal
        return f"v-{c.codigo_valoracion or 'sin'} e-{c.codigo_estado or 'sin'}"

    @property
    def letra(self) -> str:
        return {"total": "T", "parcial": "P", "nula": "N"}.get(self.principal.codigo_valoracion, "?")

    @property
    def cuenta(self) -> bool:
        return self.principal.codigo_estado == "aprobada"


@dataclass(frozen=True)
class FilaIndicador:
    iri: str
    enlace: str | None
    numero: str
    etiqueta: str
    valor: Decimal
    celdas: tuple[Celda | None, ...]

    @property
    def brecha(self) -> bool:
        return self.valor < 1


@dataclass(frozen=True)
class GrupoFilas:
    unidad: equivalencias.ResultadoUnidad
    enlace: str | None
    filas: tuple[FilaIndicador, ...]


@dataclass(frozen=True)
class ColumnaCriterio:
    iri: str
    enlace: str | None
    numero: str
    texto: str
    unidad: str


@dataclass(frozen=True)
class GrupoColumnas:
    unidad: str
    enlace: str | None
    codigo: str
    etiqueta: str
    columnas: tuple[ColumnaCriterio, ...]


@dataclass(frozen=True)
class Detalle:
    """Una correspondencia en la lista de justificaciones (destino de los enlaces de las celdas)."""

    ancla: str
    celda: equivalencias.CeldaMatriz
    indicador: str
    criterio: str


@dataclass(frozen=True)
class OtraCorrespondencia:
    """Correspondencia con una actividad clave o un conocimiento (congruencia por dimensiones)."""

    iri: str
    dimension: str
    indicador: str
    elemento: str
    elemento_enlace: str | None
    unidad: str
    valoracion: str
    estado: str
    justificacion: str


@dataclass
class MatrizVista:
    resumen: MatrizResumen
    datos: equivalencias.Matriz
    grupos_columnas: list[GrupoColumnas]
    grupos_filas: list[GrupoFilas]
    detalles: list[Detalle]
    alineamiento: equivalencias.Alineamiento
    conteo: dict[str, int]
    otras: list[OtraCorrespondencia] = field(default_factory=list)
    """Correspondencias que no son con criterios (actividades clave, conocimientos): fuera del mapa."""
    nombre_unidad: str = "unidad didáctica"
    """Nombre de la unidad de decisión de la regla (unidad didáctica, módulo…), para los rótulos."""

    @property
    def brechas(self) -> list[tuple[GrupoFilas, FilaIndicador]]:
        return [(g, f) for g in self.grupos_filas for f in g.filas if f.brecha]

    @property
    def total_columnas(self) -> int:
        return sum(len(g.columnas) for g in self.grupos_columnas)

    @property
    def inicios_grupo(self) -> frozenset[int]:
        """Índices de columna donde empieza una unidad de competencia (para dibujar el separador)."""
        inicios, n = set(), 0
        for g in self.grupos_columnas:
            inicios.add(n)
            n += len(g.columnas)
        return frozenset(inicios)


def resumen_matriz(almacen: Almacen, iri: str) -> MatrizResumen | None:
    for m in matrices(almacen):
        if m.iri == iri:
            return m
    return None


def _numero_indicador(iri: str, orden: int | None) -> str:
    return str(orden) if orden is not None else iri.rsplit("/", 1)[-1]


def matriz(almacen: Almacen, iri: str) -> MatrizVista | None:
    """Mapa de calor de una matriz: filas = indicadores por unidad de decisión; columnas = criterios."""
    resumen = resumen_matriz(almacen, iri)
    if resumen is None or not resumen.estandar or not resumen.programa:
        return None
    datos = equivalencias.matriz(almacen, resumen.estandar, resumen.programa, resumen.regla or None)
    alineamiento = equivalencias.alinear(almacen, resumen.estandar, resumen.programa)
    codigos_uc = {u.unidad: (u.codigo, u.etiqueta) for u in alineamiento.unidades}
    por_uc: OrderedDict[str, list[ColumnaCriterio]] = OrderedDict()
    for crit, uc, texto in datos.criterios:
        numero, _, enunciado = texto.partition(" ")
        por_uc.setdefault(uc, []).append(ColumnaCriterio(crit, enlace(crit), numero, enunciado or texto, uc))
    grupos_columnas = [
        GrupoColumnas(
            uc,
            enlace(uc),
            codigos_uc.get(uc, (uc.rsplit("/", 2)[-2:][0], ""))[0] or uc,
            codigos_uc.get(uc, ("", ""))[1],
            tuple(cols),
        )
        for uc, cols in por_uc.items()
    ]
    orden_columnas = [c.iri for g in grupos_columnas for c in g.columnas]
    por_cruce: dict[tuple[str, str], list[equivalencias.CeldaMatriz]] = defaultdict(list)
    for c in datos.celdas:
        por_cruce[(c.indicador, c.criterio)].append(c)
    anclas = {
        c.correspondencia: f"c-{n}"
        for n, c in enumerate(
            sorted(datos.celdas, key=lambda c: _clave_orden(c.correspondencia.rsplit("/", 1)[-1])), start=1
        )
    }
    grupos_filas = []
    for u in datos.unidades:
        filas = []
        for ind in u.indicadores:
            celdas: list[Celda | None] = []
            for crit in orden_columnas:
                lista = sorted(
                    por_cruce.get((ind.indicador, crit), []),
                    key=lambda c: (ORDEN_ESTADO.get(c.codigo_estado, 9), -(c.valor or 0)),
                )
                celdas.append(
                    Celda(lista[0], tuple(lista[1:]), anclas[lista[0].correspondencia]) if lista else None
                )
            filas.append(
                FilaIndicador(
                    ind.indicador,
                    enlace(ind.indicador),
                    _numero_indicador(ind.indicador, ind.orden),
                    ind.etiqueta,
                    ind.valor,
                    tuple(celdas),
                )
            )
        grupos_filas.append(GrupoFilas(u, enlace(u.unidad), tuple(filas)))
    textos_criterio = {c.iri: f"{c.numero} {c.texto}" for g in grupos_columnas for c in g.columnas}
    textos_indicador = {
        f.iri: f"{g.unidad.codigo} · indicador {f.numero}: {f.etiqueta}"
        for g in grupos_filas
        for f in g.filas
    }
    detalles = [
        Detalle(
            anclas[c.correspondencia],
            c,
            textos_indicador.get(c.indicador, c.indicador),
            textos_criterio.get(c.criterio, c.criterio),
        )
        for c in sorted(datos.celdas, key=lambda c: anclas[c.correspondencia][2:].zfill(6))
    ]
    conteo: dict[str, int] = defaultdict(int)
    for c in datos.celdas:
        conteo[c.codigo_estado] += 1
        if c.codigo_estado == "aprobada":
            conteo[c.codigo_valoracion] += 1
    otras = []
    for f in _filas(almacen, "web-matriz-celdas", {"matriz": URIRef(iri)}, Vista.COMPLETA):
        dimension = _t(f, "dimension") or "criterio"
        if dimension == "criterio":
            continue
        otras.append(
            OtraCorrespondencia(
                iri=str(f["correspondencia"]),
                dimension={"actividad": "Actividad clave", "conocimiento": "Conocimiento"}.get(
                    dimension, dimension
                ),
                indicador=textos_indicador.get(_t(f, "indicador") or "", _t(f, "indicador") or ""),
                elemento=f"{_t(f, 'elementoNumero') or ''} {_t(f, 'elementoTexto') or ''}".strip(),
                elemento_enlace=enlace(_t(f, "elemento")),
                unidad=_t(f, "unidadCodigo") or "",
                valoracion=_t(f, "valorCodigo") or "",
                estado=_t(f, "estadoCodigo") or "",
                justificacion=_t(f, "justificacion") or "",
            )
        )
    otras.sort(key=lambda o: (o.indicador, o.dimension, o.elemento))
    return MatrizVista(
        resumen,
        datos,
        grupos_columnas,
        grupos_filas,
        detalles,
        alineamiento,
        dict(conteo),
        otras,
        _nombre_unidad_decision(almacen, datos.regla.unidad_decision),
    )


def _nombre_unidad_decision(almacen: Almacen, clase: str) -> str:
    """Etiqueta en español de la clase de unidad de decisión de la regla (dato de la ontología)."""
    for f in _filas(almacen, "api-etiquetas-ontologia"):
        if str(f["termino"]) == clase and _t(f, "etiqueta"):
            return str(_t(f, "etiqueta")).split(" (")[0]
    return clase.rsplit("#", 1)[-1]


def filas_csv_matriz(vista: MatrizVista) -> list[list[str]]:
    """La matriz como tabla plana (una fila por correspondencia), para descargar en CSV."""
    cabecera = [
        "unidad_decision",
        "indicador",
        "enunciado_indicador",
        "unidad_competencia",
        "criterio",
        "enunciado_criterio",
        "valoracion",
        "valor",
        "estado",
        "justificacion",
        "autor",
        "revisor",
        "fecha",
        "confianza",
        "correspondencia",
    ]
    por_indicador = {f.iri: (g.unidad.codigo, f) for g in vista.grupos_filas for f in g.filas}
    por_criterio = {c.iri: (g.codigo, c) for g in vista.grupos_columnas for c in g.columnas}
    filas = [cabecera]
    for d in vista.detalles:
        c = d.celda
        ud, ind = por_indicador.get(c.indicador, ("", None))
        uc, crit = por_criterio.get(c.criterio, ("", None))
        filas.append(
            [
                ud,
                ind.numero if ind else "",
                ind.etiqueta if ind else c.indicador,
                uc,
                crit.numero if crit else "",
                crit.texto if crit else c.criterio,
                c.codigo_valoracion,
                "" if c.valor is None else str(c.valor),
                c.codigo_estado,
                c.justificacion,
                c.autor,
                c.revisor,
                c.fecha,
                "" if c.confianza is None else str(c.confianza),
                c.correspondencia,
            ]
        )
    return filas


# --- simulador --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CertificadoOpcion:
    iri: str
    codigo: str
    seudonimo: str
    norma_codigo: str
    norma_etiqueta: str
    pais: str
    emisor: str
    fecha_emision: str
    vigente_hasta: str | None
    unidades: str


def certificados(almacen: Almacen) -> list[CertificadoOpcion]:
    """Certificados (datos privados, vista completa): solo para sesiones autorizadas."""
    return [
        CertificadoOpcion(
            str(f["certificado"]),
            _t(f, "codigo") or "",
            _t(f, "seudonimo") or "",
            _t(f, "normaCodigo") or "",
            _t(f, "normaEtiqueta") or "",
            _t(f, "paisEtiqueta") or "",
            _t(f, "emisorEtiqueta") or "",
            _t(f, "fechaEmision") or "",
            _t(f, "vigenteHasta"),
            _t(f, "unidades") or "",
        )
        for f in _filas(almacen, "web-certificados", vista=Vista.COMPLETA)
    ]


# --- sugerencias ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sugerencia:
    iri: str
    matriz: str | None
    matriz_codigo: str
    matriz_enlace: str | None
    indicador: str
    indicador_enlace: str | None
    indicador_texto: str
    contenedor: str
    elemento: str
    elemento_enlace: str | None
    dimension: str
    elemento_numero: str
    elemento_texto: str
    unidad_codigo: str
    valoracion: str
    confianza: Decimal | None
    justificacion: str
    metodo: str
    autor: str
    fecha: str


def sugerencias(almacen: Almacen, estado: str = "sugerida") -> list[Sugerencia]:
    salida = []
    for f in _filas(almacen, "web-sugerencias", {"estado": voc.estado(estado)}, Vista.COMPLETA):
        m = _t(f, "matriz")
        salida.append(
            Sugerencia(
                iri=str(f["correspondencia"]),
                matriz=m,
                matriz_codigo=_t(f, "matrizCodigo") or "",
                matriz_enlace=ruta_matriz(m) if m else None,
                indicador=_t(f, "indicador") or "",
                indicador_enlace=enlace(_t(f, "indicador")),
                indicador_texto=_t(f, "indicadorTexto") or "",
                contenedor=" — ".join(
                    x for x in (_t(f, "contenedorCodigo"), _t(f, "contenedorEtiqueta")) if x
                ),
                elemento=_t(f, "elemento") or "",
                elemento_enlace=enlace(_t(f, "elemento")),
                dimension=_t(f, "dimension") or "criterio",
                elemento_numero=_t(f, "elementoNumero") or "",
                elemento_texto=_t(f, "elementoTexto") or "",
                unidad_codigo=_t(f, "unidadCodigo") or "",
                valoracion=_t(f, "valorCodigo") or "",
                confianza=_d(f, "confianza"),
                justificacion=_t(f, "justificacion") or "",
                metodo=(_t(f, "justificacionMapeo") or "").rsplit("/", 1)[-1],
                autor=_t(f, "autor") or "",
                fecha=_t(f, "fecha") or "",
            )
        )
    return salida


# --- envíos ---------------------------------------------------------------------------------------------
def historial(almacen: Almacen, institucion: str | None) -> list[versiones.Version]:
    """Versiones enviadas por una institución (todas con ``None``), de la más reciente a la más vieja."""
    return sorted(versiones.versiones(almacen, institucion), key=lambda v: (v.fecha, v.numero), reverse=True)


def instituciones_codigos(almacen: Almacen) -> list[tuple[str, str]]:
    """(código, nombre) de las instituciones, para el selector del administrador."""
    return [
        (_t(f, "codigo") or "", _t(f, "etiqueta") or "") for f in _filas(almacen, "web-listado-instituciones")
    ]


def unicos(valores: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in valores if v))
