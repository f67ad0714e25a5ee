"""Páginas de las solicitudes de reconocimiento: bandeja, expediente, acta en PDF e informe con gráficos.

Siguen la disposición de ``registro.web.paginas`` (misma plantilla base, sesión por token pegado en
«Entrar», CSRF en todo formulario, errores como página HTML) y reutilizan sus piezas. Todo exige sesión:
una solicitud lleva el seudónimo de una persona. Una credencial de institución solo ve y gestiona sus
solicitudes; la comisión (rol ``analista``) decide; el administrador, todo.

Los pasos se dan con formularios POST que vuelven al expediente (patrón POST → redirección → GET); si el
paso falla, el expediente se muestra otra vez con el error y la solicitud está como estaba.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from registro import informe
from registro import solicitudes as sol
from registro import vocabulario as voc
from registro.errores import EntradaInvalida, ErrorRegistro, NoAutorizado, Prohibido
from registro.web import paginas, sesiones
from registro.web.sesiones import Sesion

router = APIRouter(route_class=paginas._RutaWeb, include_in_schema=False)

ROLES = ("institucion", "analista", "administrador")
_CODIGO = r"^\d{4}-\d{1,9}$"
_INST = r"^[A-Za-z0-9._-]{1,64}$"
_CSS = "/estaticos/solicitudes.css"


def _sesion(request: Request) -> Sesion:
    return sesiones.exigir(sesiones.sesion_actual(request, paginas._almacen(request)), ROLES)


def _agente(sesion: Sesion) -> sol.Agente:
    """El agente del historial es la credencial de la sesión (nunca el token)."""
    if not sesion.credencial or not sesion.rol:
        raise NoAutorizado("Entre con su token para gestionar solicitudes")
    return sol.Agente(
        str(voc.credencial(sesion.credencial)),
        sesion.rol,
        sesion.institucion,
        f"credencial {sesion.credencial}",
    )


def _alcance(sesion: Sesion, institucion: str) -> None:
    if sesion.rol == "institucion" and sesion.institucion != institucion:
        raise Prohibido(
            "Solo puede ver las solicitudes de su propia institución",
            detalle=f"Su sesión es de «{sesion.institucion}».",
        )


def _pasos_posibles(s: sol.Solicitud, sesion: Sesion) -> list[str]:
    """Pasos que corresponden al estado y que el rol de la sesión puede dar (los botones del expediente)."""
    return [
        p
        for p, (desde, _h) in sol.TRANSICIONES.items()
        if s.estado in desde and (sesion.rol or "") in sol.ROLES_PASO[p]
    ]


# --- bandeja --------------------------------------------------------------------------------------------


@router.get("/solicitudes", response_class=HTMLResponse)
def bandeja(
    request: Request,
    estado: Annotated[str, Query(pattern="^(|" + "|".join(sol.ESTADOS) + ")$")] = "",
    vencidas: Annotated[bool, Query()] = False,
    institucion: Annotated[str, Query(pattern=r"^[A-Za-z0-9._-]{0,64}$")] = "",
) -> Response:
    sesion = _sesion(request)
    if sesion.rol == "institucion":
        institucion = sesion.institucion or ""
    filas = sol.listar(
        paginas._almacen(request), institucion=institucion or None, estado=estado or None, vencidas=vencidas
    )
    return paginas._html(
        request,
        "solicitudes.html",
        {
            "filas": filas,
            "estado": estado,
            "vencidas": vencidas,
            "institucion": institucion,
            "estados": [(e, sol.ETIQUETAS_ESTADO[e]) for e in sol.ESTADOS],
            "css": _CSS,
            "puede_crear": sesion.rol in sol.ROLES_PASO["crear"],
        },
        seccion="solicitudes",
        migas=[("Solicitudes", None)],
    )


@router.post("/solicitudes", response_class=HTMLResponse)
def crear(
    request: Request,
    csrf: Annotated[str, Form(max_length=200)] = "",
    programa: Annotated[str, Form(max_length=300)] = "",
    certificados: Annotated[str, Form(max_length=2000)] = "",
    titular: Annotated[str, Form(max_length=64)] = "",
    institucion: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    almacen = paginas._almacen(request)
    sesion = _sesion(request)
    sesiones.verificar_csrf(request, sesion, csrf)
    inst = sesion.institucion if sesion.rol == "institucion" else (institucion.strip() or sesion.institucion)
    if not inst:
        raise EntradaInvalida("Indique la institución que recibe la solicitud")
    codigos = [c.strip() for c in certificados.replace(",", "\n").splitlines() if c.strip()]
    s = sol.crear(
        almacen,
        institucion=inst,
        programa=programa,
        certificados=codigos,
        titular_seudonimo=titular,
        agente=_agente(sesion),
    )
    sesiones.dejar_aviso(
        request, sesion, f"Solicitud {s.referencia} registrada. Siguiente paso: {s.siguiente}."
    )
    return paginas._con_cabeceras(RedirectResponse(_ruta(s), status_code=303))


# --- expediente -----------------------------------------------------------------------------------------


def _ruta(s: sol.Solicitud | sol.ResumenSolicitud) -> str:
    return f"/solicitudes/{s.institucion}/{s.codigo}"


def _expediente(request: Request, inst: str, codigo: str, error: ErrorRegistro | None = None) -> Response:
    almacen = paginas._almacen(request)
    sesion = _sesion(request)
    _alcance(sesion, inst)
    s = sol.ver(almacen, f"{inst}/{codigo}")
    calculo = None
    if s.resultado:
        try:
            calculo = sol.evidencia(almacen, s)
        except ErrorRegistro:  # p. ej. un programa retirado: el expediente se muestra igual, sin evidencia
            calculo = None
    return paginas._html(
        request,
        "solicitud.html",
        {
            "s": s,
            "d": calculo,
            "pasos": _pasos_posibles(s, sesion),
            "error": error,
            "css": _CSS,
            "vencida": s.vencida(),
            "umbral": calculo.regla.umbral if calculo else None,
        },
        estado=error.codigo_http if error else 200,
        seccion="solicitudes",
        migas=[("Solicitudes", "/solicitudes"), (s.referencia, None)],
    )


@router.get("/solicitudes/{inst}/{codigo}", response_class=HTMLResponse)
def expediente(request: Request, inst: str, codigo: str) -> Response:
    _validar(inst, codigo)
    return _expediente(request, inst, codigo)


@router.get("/solicitudes/{inst}/{codigo}/acta.pdf")
def acta(
    request: Request, inst: str, codigo: str, decision: Annotated[int | None, Query(ge=1, le=1000)] = None
) -> Response:
    """El acta firmada (numerada) en PDF; también la de una decisión anterior apelada (``?decision=1``)."""
    _validar(inst, codigo)
    sesion = _sesion(request)
    _alcance(sesion, inst)
    contenido = sol.acta_pdf(paginas._almacen(request), f"{inst}/{codigo}", decision=decision)
    return paginas._con_cabeceras(
        Response(
            contenido,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="acta-{inst}-{codigo}.pdf"'},
        )
    )


@router.post("/solicitudes/{inst}/{codigo}/{paso}", response_class=HTMLResponse)
async def dar_paso(request: Request, inst: str, codigo: str, paso: str) -> Response:
    """Un paso del ciclo desde el expediente (los campos dependen del paso: motivo, ajustes, medio)."""
    _validar(inst, codigo)
    if paso not in sol.TRANSICIONES:
        raise EntradaInvalida(f"Paso desconocido: «{paso}»")
    formulario = await request.form()
    return await run_in_threadpool(_dar_paso, request, inst, codigo, paso, formulario)


def _dar_paso(request: Request, inst: str, codigo: str, paso: str, formulario: Any) -> Response:
    almacen = paginas._almacen(request)
    sesion = _sesion(request)
    sesiones.verificar_csrf(request, sesion, str(formulario.get("csrf", ""))[:200])
    _alcance(sesion, inst)
    extra: dict[str, Any] = {}
    if paso == "decidir":
        extra = {
            "resultado": _campo(formulario, "resultado", 20),
            "motivo": _campo(formulario, "motivo", 4000),
            "ajustes": _ajustes(formulario),
        }
    elif paso == "apelar":
        extra = {"motivo": _campo(formulario, "motivo", 4000)}
    elif paso == "notificar":
        extra = {"medio": _campo(formulario, "medio", 300)}
    try:
        s = getattr(sol, paso)(almacen, f"{inst}/{codigo}", agente=_agente(sesion), **extra)
    except NoAutorizado:
        raise  # sin sesión válida: «Entrar» (lo hace la ruta web)
    except ErrorRegistro as exc:
        return _expediente(request, inst, codigo, error=exc)
    aviso = f"Paso «{paso}» registrado: la solicitud está «{s.estado_etiqueta}»."
    if paso == "resolver" and s.numero_acta:
        aviso += f" Acta {s.numero_acta} emitida."
    sesiones.dejar_aviso(request, sesion, aviso)
    return paginas._con_cabeceras(RedirectResponse(_ruta(s), status_code=303))


def _campo(formulario: Any, nombre: str, maximo: int) -> str:
    valor = str(formulario.get(nombre, "") or "")
    if len(valor) > maximo:
        raise EntradaInvalida(f"El campo «{nombre}» es demasiado largo")
    return valor


def _ajustes(formulario: Any) -> list[sol.Ajuste]:
    """Campos ``ajuste-{unidad}`` (``si``/``no``/vacío) y ``motivo-{unidad}`` del formulario de decisión."""
    salida = []
    for clave in formulario:
        if not clave.startswith("ajuste-"):
            continue
        valor = str(formulario.get(clave, ""))
        if valor not in ("si", "no"):
            continue
        unidad = clave.removeprefix("ajuste-")
        salida.append(sol.Ajuste(unidad, valor == "si", _campo(formulario, f"motivo-{unidad}", 4000)))
        if len(salida) > 200:
            raise EntradaInvalida("Demasiados ajustes")
    return salida


def _validar(inst: str, codigo: str) -> None:
    if not re.match(_INST, inst) or not re.match(_CODIGO, codigo):
        raise EntradaInvalida(
            "Referencia de solicitud inválida", detalle="Use /solicitudes/institución/año-número."
        )


# --- informe --------------------------------------------------------------------------------------------


@router.get("/solicitudes/informe", response_class=HTMLResponse)
def pagina_informe(request: Request) -> Response:
    sesion = _sesion(request)
    inst = sesion.institucion if sesion.rol == "institucion" else None
    datos = informe.generar(paginas._almacen(request), institucion=inst)
    graficos = {
        "por_estado": barras(
            [(f"{f[0]} · {f[1]}", int(f[2])) for f in datos.tabla("por_estado").filas],
            titulo="Solicitudes por estado",
        ),
        "por_norma": barras(
            [(f"{f[0]} ({f[1]})", int(f[2])) for f in datos.tabla("por_norma").filas],
            titulo="Solicitudes por norma y país del certificado",
        ),
        "brechas": barras(
            [(f"{f[2]}", int(f[4])) for f in datos.tabla("brechas").filas[:10]],
            titulo="Indicadores sin cubrir más frecuentes",
        ),
    }
    return paginas._html(
        request,
        "informe.html",
        {"i": datos, "graficos": graficos, "css": _CSS},
        seccion="solicitudes",
        migas=[("Solicitudes", "/solicitudes"), ("Informe", None)],
    )


def barras(filas: Sequence[tuple[str, int]], *, titulo: str) -> Markup:
    """Gráfico de barras horizontales en SVG (sin estilos en línea: clases de ``solicitudes.css``).

    La cifra va escrita junto a cada barra y el ``aria-label`` resume el gráfico: el color no es la única
    señal y un lector de pantalla lo lee completo.
    """
    if not filas:
        return Markup('<p class="nota">Sin datos todavía.</p>')
    alto_fila, ancho_etiqueta, ancho_barras = 24, 260, 300
    maximo = max(v for _e, v in filas) or 1
    alto = alto_fila * len(filas) + 8
    resumen = "; ".join(f"{e}: {v}" for e, v in filas)
    partes = [
        f'<svg class="grafico-barras" viewBox="0 0 {ancho_etiqueta + ancho_barras + 50} {alto}" role="img" '
        f'aria-label="{escape(titulo)}: {escape(resumen)}" focusable="false">'
    ]
    for n, (etiqueta, valor) in enumerate(filas):
        y = 4 + n * alto_fila
        ancho = round(valor / maximo * ancho_barras, 1)
        corta = etiqueta if len(etiqueta) <= 38 else etiqueta[:37] + "…"
        partes.append(
            f'<text class="gb-etiqueta" x="{ancho_etiqueta - 6}" y="{y + 15}" '
            f'text-anchor="end">{escape(corta)}</text>'
            f'<rect class="gb-fondo" x="{ancho_etiqueta}" y="{y + 3}" width="{ancho_barras}" '
            'height="16" rx="2"/>'
            f'<rect class="gb-valor" x="{ancho_etiqueta}" y="{y + 3}" width="{ancho}" height="16" rx="2"/>'
            f'<text class="gb-cifra" x="{ancho_etiqueta + ancho + 6}" y="{y + 15}">{valor}</text>'
        )
    partes.append("</svg>")
    return Markup("".join(partes))
