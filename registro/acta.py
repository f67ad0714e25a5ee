"""Acta de convalidación: la ``Decision`` del motor como documento (HTML y PDF) para la comisión.

El acta muestra lo que la comisión firma: titular (solo su seudónimo), certificados y su situación,
programa, regla, unidades reconocidas con porcentaje y umbral, evidencia por indicador (criterio,
unidad, correspondencia y, si la hubo, la cadena de mapeos entre países), brechas, versiones de datos
usadas, fecha y líneas de firma. La plantilla HTML (Jinja2) vive dentro del paquete
(``registro/plantillas``) y se lee con ``importlib.resources``: funciona también instalado como rueda.
El PDF se compone con fpdf2 (Python puro); usa DejaVu Sans si el sistema la tiene y, si no, una
fuente base con el texto reducido a latin-1 (los acentos del español caben).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path

from fpdf import FPDF
from jinja2 import Environment, select_autoescape

from registro import equivalencias as eq
from registro.errores import EntradaInvalida

_FUENTES_DEJAVU = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)


@cache
def _entorno() -> Environment:
    return Environment(autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)


def plantilla(nombre: str) -> str:
    """Texto de una plantilla de ``registro/plantillas`` (también con el paquete instalado)."""
    return resources.files("registro").joinpath("plantillas", nombre).read_text(encoding="utf-8")


def _corto(iri: str | None) -> str:
    return eq._corto(iri or "")


def _titular(d: eq.Decision) -> str:
    seudonimos = sorted({c.seudonimo for c in d.certificados if c.seudonimo})
    return ", ".join(seudonimos) or "sin seudónimo"


def _cadena(d: eq.Decision) -> Callable[[eq.Eslabon], str]:
    def texto(e: eq.Eslabon) -> str:
        certs = ", ".join(e.certificados) or "certificado"
        if e.directo:
            return f"{certs} → {d.codigo(e.unidad)} (certificada)"
        return (
            f"{certs} → {d.codigo(e.unidad_certificada)} → mapeo {_corto(e.mapeo)} ({_corto(e.predicado)}"
            f"{', leído en sentido inverso' if e.sentido == 'inverso' else ''}, factor {e.factor})"
            f" → {d.codigo(e.unidad)}"
        )

    return texto


def html(d: eq.Decision) -> str:
    """Acta en HTML (autónoma: estilos incluidos)."""
    entorno = _entorno().overlay()
    entorno.filters["codigo"] = d.codigo
    return entorno.from_string(plantilla("acta.html.j2")).render(
        d=d,
        titular=_titular(d),
        fecha=f"{d.fecha:%d/%m/%Y %H:%M} UTC",
        pct=eq.porcentaje_texto,
        corto=_corto,
        cadena=_cadena(d),
        norma=_norma,
    )


class _Pdf(FPDF):
    def __init__(self, titulo: str) -> None:
        super().__init__(format="A4")
        self.titulo = titulo
        self.unicode = all(p.is_file() for p in _FUENTES_DEJAVU)
        if self.unicode:
            self.add_font("DejaVu", "", str(_FUENTES_DEJAVU[0]))
            self.add_font("DejaVu", "B", str(_FUENTES_DEJAVU[1]))
            self.familia = "DejaVu"
        else:
            self.familia = "Helvetica"
        self.set_auto_page_break(True, margin=18)
        self.set_margins(16, 16, 16)

    def t(self, texto: object) -> str:
        """Texto apto para la fuente: latin-1 con la fuente base (sustituye lo que no cabe)."""
        s = str(texto)
        if self.unicode:
            return s
        for a, b in (("→", "->"), ("—", "-"), ("≥", ">="), ("…", "..."), ("«", '"'), ("»", '"')):
            s = s.replace(a, b)
        return s.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.familia, "", 7)
        self.cell(0, 5, self.t(f"{self.titulo} — página {self.page_no()}/{{nb}}"), align="C")


@dataclass(frozen=True)
class Resolucion:
    """Lo que añade al acta la resolución de una solicitud (``registro.solicitudes``): número y decisión.

    Vive aquí (y no en ``solicitudes``) para que el acta no dependa del ciclo de vida de las solicitudes:
    el motor de actas solo sabe componer documentos.
    """

    numero: str
    """Número correlativo por institución y año, p. ej. «IEST-PILOTO-2026-0001»."""
    solicitud: str
    institucion: str
    fecha: datetime
    sentido: str
    """«aprobada», «ajustada» o «rechazada»."""
    motivo: str
    reconocidas: tuple[str, ...]
    """Códigos de las unidades que la comisión reconoce (después de los ajustes)."""
    ajustes: tuple[tuple[str, str, str], ...] = ()
    """(unidad, «se reconoce» | «no se reconoce», motivo) de cada ajuste de la comisión."""
    anteriores: tuple[str, ...] = ()
    """Decisiones anteriores que esta revisa (apelaciones), en texto."""


def pdf(d: eq.Decision, resolucion: Resolucion | None = None) -> bytes:
    """Acta en PDF (A4); con ``resolucion``, el acta numerada que resuelve una solicitud."""
    if resolucion is not None:
        doc = _Pdf(f"Acta N.º {resolucion.numero} — {resolucion.solicitud}")
    else:
        doc = _Pdf(f"Acta de convalidación {d.programa_codigo} — {_titular(d)}")
    doc.alias_nb_pages()
    doc.add_page()
    f = doc.familia
    pct = eq.porcentaje_texto

    def titulo(texto: str, tam: int = 12) -> None:
        doc.ln(2)
        doc.set_font(f, "B", tam)
        doc.multi_cell(0, 6, doc.t(texto), new_x="LMARGIN", new_y="NEXT")
        doc.set_font(f, "", 9)

    def parrafo(texto: str, tam: int = 9) -> None:
        doc.set_font(f, "", tam)
        doc.multi_cell(0, 4.6, doc.t(texto), new_x="LMARGIN", new_y="NEXT")

    def tabla(cabecera: tuple[str, ...], filas: list[tuple[object, ...]], anchos: tuple[float, ...]) -> None:
        doc.set_font(f, "", 8)
        with doc.table(
            col_widths=anchos, text_align="LEFT", line_height=4.2, first_row_as_headings=True
        ) as t:
            fila = t.row()
            for c in cabecera:
                fila.cell(doc.t(c))
            for valores in filas:
                fila = t.row()
                for v in valores:
                    fila.cell(doc.t(v))
        doc.ln(1)

    titulo("Acta de convalidación por certificados de competencia laboral", 14)
    if resolucion is not None:
        _resolucion(doc, resolucion, titulo, parrafo, tabla)
    parrafo(f"Fecha del cálculo: {d.fecha:%d/%m/%Y %H:%M} UTC · Resultado: {d.resultado or 'no guardado'}", 8)
    titulo("1. Solicitante y certificados")
    parrafo(f"Titular (seudónimo): {_titular(d)}")
    tabla(
        ("Certificado", "Norma", "Unidades", "Vigente hasta", "Situación"),
        [
            (
                c.codigo,
                _norma(c),
                "; ".join(d.codigo(u) for u in c.unidades),
                c.vigente_hasta or "sin vencimiento",
                "vencido: no cuenta"
                if c.vencido
                else ("norma con versión más nueva" if c.version_desactualizada else "válido"),
            )
            for c in d.certificados
        ],
        (30, 30, 50, 25, 43),
    )
    for aviso in d.avisos:
        parrafo(f"Aviso: {aviso}", 8)
    titulo("2. Programa y regla")
    parrafo(f"Programa: {d.programa_etiqueta}")
    parrafo(
        f"Regla: {d.regla.etiqueta} ({d.regla.motivo}); umbral {pct(d.regla.umbral)}; unidad de decisión "
        f"{_corto(d.regla.unidad_decision)}; ponderación {_corto(d.regla.ponderacion)}; agregación "
        f"{_corto(d.regla.agregacion)}."
    )
    titulo("3. Unidades reconocidas")
    filas = []
    for u in d.unidades:
        dims = "; ".join(
            f"{_corto(x.dimension).replace('Dimension', '')} {pct(x.porcentaje)}"
            f"{'' if x.cumple else ' (bajo el mínimo)'}"
            for x in u.dimensiones
        )
        filas.append(
            (u.etiqueta, pct(u.porcentaje), pct(u.umbral), "CONVALIDABLE" if u.convalidable else "no", dims)
        )
    if d.regla.por_dimensiones:
        tabla(("Unidad", "Equivalencia", "Umbral", "Decisión", "Dimensiones"), filas, (62, 24, 18, 26, 48))
    else:
        tabla(("Unidad", "Equivalencia", "Umbral", "Decisión"), [f[:4] for f in filas], (100, 28, 22, 28))
    tabla(
        ("Módulo", "Porcentaje (regla)", "Indicadores agrupados", "Media ponderada"),
        [
            (m.etiqueta, pct(m.porcentaje), pct(m.porcentaje_indicadores), pct(m.porcentaje_media_ponderada))
            for m in d.modulos
        ],
        (88, 30, 30, 30),
    )
    parrafo(
        f"Programa completo: {pct(d.porcentaje_programa)}. Unidades convalidables: {len(d.convalidables)} de "
        f"{len(d.unidades)}: " + (", ".join(u.codigo for u in d.convalidables) or "ninguna") + "."
    )
    titulo("4. Evidencia por indicador")
    cadena = _cadena(d)
    for u in d.unidades:
        doc.set_font(f, "B", 9)
        doc.multi_cell(0, 5, doc.t(f"{u.etiqueta} — {pct(u.porcentaje)}"), new_x="LMARGIN", new_y="NEXT")
        tabla(
            ("Indicador", "Valor", "Criterio (unidad; valoración)", "Cadena"),
            [
                (
                    i.etiqueta,
                    _num(i.valor),
                    f"{d.etiqueta(i.evidencia.criterio)} ({d.codigo(i.evidencia.unidad)}; "
                    f"{_corto(i.evidencia.valoracion)})"
                    if i.evidencia
                    else "sin correspondencia aprobada",
                    cadena(i.evidencia.cadena) if i.evidencia else "",
                )
                for i in u.indicadores
            ],
            (55, 13, 62, 48),
        )
    if d.brechas:
        titulo("5. Brechas")
        tabla(
            ("Indicador", "Valor", "Lo cubriría"),
            [
                (
                    b.etiqueta,
                    _num(b.valor),
                    "; ".join(f"{d.etiqueta(c.criterio)} ({d.codigo(c.unidad)})" for c in b.cubririan)
                    or "ninguna correspondencia aprobada",
                )
                for b in d.brechas
            ],
            (70, 13, 95),
        )
    parrafo("Versiones de datos usadas: " + ", ".join(d.versiones_usadas), 7)
    parrafo(
        "Los porcentajes se muestran con dos decimales truncados; la decisión se toma con aritmética exacta.",
        7,
    )
    if doc.get_y() > doc.h - 50:
        doc.add_page()
    doc.ln(22)
    y = doc.get_y()
    ancho = (doc.w - doc.l_margin - doc.r_margin - 20) / 3
    for n, rol in enumerate(
        ("Presidencia de la comisión", "Secretaría académica", "Dirección de la institución")
    ):
        x = doc.l_margin + n * (ancho + 10)
        doc.line(x, y, x + ancho, y)
        doc.set_xy(x, y + 1)
        doc.set_font(f, "", 8)
        doc.cell(ancho, 4, doc.t(rol), align="C")
    return bytes(doc.output())


def _resolucion(
    doc: _Pdf,
    r: Resolucion,
    titulo: Callable[..., None],
    parrafo: Callable[..., None],
    tabla: Callable[..., None],
) -> None:
    """Cabecera de un acta que resuelve una solicitud: número, decisión, ajustes y unidades reconocidas."""
    sentidos = {
        "aprobada": "APROBADA: se reconoce el resultado calculado",
        "ajustada": "AJUSTADA: se reconoce el resultado calculado con los ajustes indicados",
        "rechazada": "RECHAZADA: no se reconoce ninguna unidad",
    }
    titulo(f"Acta N.º {r.numero}", 13)
    parrafo(f"Solicitud {r.solicitud} · {r.institucion} · emitida el {r.fecha:%d/%m/%Y %H:%M} UTC")
    parrafo(f"Decisión de la comisión: {sentidos.get(r.sentido, r.sentido)}.")
    if r.motivo:
        parrafo(f"Motivo: {r.motivo}")
    if r.ajustes:
        tabla(("Unidad", "Ajuste", "Motivo"), [tuple(a) for a in r.ajustes], (40, 35, 103))
    parrafo("Unidades reconocidas: " + (", ".join(r.reconocidas) or "ninguna") + ".")
    for anterior in r.anteriores:
        parrafo(f"Revisa la decisión anterior: {anterior}", 8)
    parrafo("El detalle del cálculo que sustenta la decisión sigue a continuación.", 8)


def escribir(d: eq.Decision, ruta: Path) -> Path:
    """Escribe el acta en ``ruta`` según su extensión (.html o .pdf), sin dejar archivos a medias."""
    sufijo = ruta.suffix.lower()
    if sufijo in {".html", ".htm"}:
        contenido = html(d).encode("utf-8")
    elif sufijo == ".pdf":
        contenido = pdf(d)
    else:
        raise EntradaInvalida(
            f"Formato de acta desconocido: {ruta.name}", detalle="Use un archivo .html o .pdf."
        )
    tmp = ruta.with_name(ruta.name + ".parcial")
    tmp.write_bytes(contenido)
    tmp.replace(ruta)
    return ruta


def _norma(c: eq.Certificado) -> str:
    """Código de la norma certificada con su versión, sin repetirla si el código ya la lleva."""
    if c.norma_version and not c.norma_codigo.endswith(c.norma_version):
        return f"{c.norma_codigo} versión {c.norma_version}"
    return c.norma_codigo


def _num(v: Decimal | Fraction) -> str:
    return f"{Decimal(v.numerator) / Decimal(v.denominator) if isinstance(v, Fraction) else v:f}".replace(
        ".", ","
    )
