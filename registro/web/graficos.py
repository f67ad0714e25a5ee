"""Gráficos en SVG generados en el servidor (sin bibliotecas de gráficos ni JavaScript).

Por qué SVG en línea: la página se ve completa sin scripts, se imprime bien, lo leen los lectores de
pantalla (``role="img"`` con ``aria-label`` que dice la cifra) y respeta la política de contenido
(los anchos son atributos de SVG, no estilos en línea). Los colores vienen de clases CSS; la cifra y
la decisión van siempre además en texto junto al gráfico: el color nunca es la única señal.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from markupsafe import Markup, escape

from registro.equivalencias import porcentaje_texto

_ANCHO = 200


def _fraccion(valor: Fraction | Decimal | float | None) -> float:
    if valor is None:
        return 0.0
    return max(0.0, min(1.0, float(valor)))


def barra(
    valor: Fraction | Decimal | float | None,
    umbral: Fraction | Decimal | float | None = None,
    *,
    etiqueta: str = "",
    alcanza: bool | None = None,
) -> Markup:
    """Barra de porcentaje con una línea vertical en el umbral.

    ``alcanza`` decide el color (verde si alcanza el umbral, ámbar si no); si es ``None`` se calcula con
    los flotantes solo para pintar: la decisión exacta la toma siempre el motor de equivalencias.
    """
    v = _fraccion(valor)
    if alcanza is None:
        alcanza = umbral is not None and Fraction(str(v)) >= Fraction(str(_fraccion(umbral)))
    clase = "ok" if alcanza else ("no" if umbral is not None else "neutra")
    texto = porcentaje_texto(Fraction(valor) if isinstance(valor, Decimal | Fraction) else Fraction(str(v)))
    descripcion = f"{etiqueta}: {texto}" if etiqueta else texto
    if umbral is not None:
        descripcion += f"; umbral {porcentaje_texto(Fraction(str(_fraccion(umbral))))}"
    ancho = round(v * _ANCHO, 2)
    partes = [
        f'<svg class="barra barra-{clase}" viewBox="0 0 {_ANCHO} 20" preserveAspectRatio="none" '
        f'role="img" aria-label="{escape(descripcion)}" focusable="false">',
        f'<rect class="barra-fondo" x="0" y="3" width="{_ANCHO}" height="14" rx="2"/>',
        f'<rect class="barra-valor" x="0" y="3" width="{ancho}" height="14" rx="2"/>',
    ]
    if umbral is not None:
        x = round(_fraccion(umbral) * _ANCHO, 2)
        partes.append(
            f'<line class="barra-umbral" x1="{x}" x2="{x}" y1="0" y2="20" '
            'vector-effect="non-scaling-stroke"/>'
        )
    partes.append("</svg>")
    return Markup("".join(partes))


def anillo(valor: Fraction | Decimal | float | None, *, etiqueta: str = "") -> Markup:
    """Indicador circular de un porcentaje global (p. ej. el del programa en el simulador)."""
    v = _fraccion(valor)
    radio = 42
    circunferencia = 2 * 3.14159265 * radio
    trazo = round(v * circunferencia, 2)
    texto = porcentaje_texto(Fraction(valor) if isinstance(valor, Decimal | Fraction) else Fraction(str(v)))
    descripcion = f"{etiqueta}: {texto}" if etiqueta else texto
    return Markup(
        f'<svg class="anillo" viewBox="0 0 100 100" role="img" aria-label="{escape(descripcion)}" '
        'focusable="false">'
        f'<circle class="anillo-fondo" cx="50" cy="50" r="{radio}"/>'
        f'<circle class="anillo-valor" cx="50" cy="50" r="{radio}" '
        f'stroke-dasharray="{trazo} {round(circunferencia, 2)}" transform="rotate(-90 50 50)"/>'
        '<text x="50" y="55" text-anchor="middle" class="anillo-texto">'
        f"{escape(texto.replace(' %', '%'))}</text>"
        "</svg>"
    )
