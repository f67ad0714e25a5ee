"""``/api/solicitudes``: el ciclo de vida de las solicitudes de reconocimiento (siempre con token).

Quién ve y hace qué (``registro.solicitudes.ROLES_PASO``):

- rol ``institucion``: ve y gestiona solo las solicitudes de su institución (otra → 403); registra,
  verifica, analiza, resuelve, notifica y registra apelaciones; **no decide**.
- rol ``analista`` (la comisión): decide, y puede dar los demás pasos, en cualquier institución.
- rol ``administrador``: todo.

El agente que queda en el historial PROV es la credencial del token (``id:credencial/{id}``) con su
rol. Las respuestas llevan el seudónimo del titular: ``Cache-Control: no-store``. Un paso fuera de
orden responde 409, una verificación fallida 422, una acción sin el rol 403; en todos los casos la
solicitud queda como estaba.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from registro import informe
from registro import solicitudes as sol
from registro.acceso import Credencial
from registro.api.dependencias import (
    PATRON_CODIGO,
    AlmacenDep,
    CredencialDep,
    PaginacionDep,
    exigir_rol,
    paginar,
    rechazar_desconocidos,
)
from registro.api.modelos import Modelo
from registro.api.rutas._json import a_json
from registro.errores import EntradaInvalida, Prohibido

router = APIRouter(
    prefix="/api/solicitudes",
    tags=["Solicitudes de reconocimiento"],
    dependencies=[Depends(rechazar_desconocidos)],
)

_ROLES = ("institucion", "analista", "administrador")
_NO_GUARDAR = {"Cache-Control": "no-store"}

Institucion = Annotated[
    str, Path(pattern=PATRON_CODIGO, max_length=64, description="Código de la institución.")
]
Codigo = Annotated[
    str, Path(pattern=r"^\d{4}-\d{1,9}$", description="Año y número de la solicitud, p. ej. 2026-1.")
]


class PeticionSolicitud(Modelo):
    institucion: str | None = Field(
        None,
        max_length=64,
        pattern=PATRON_CODIGO,
        description="Institución que recibe la solicitud (por defecto, la de la credencial).",
    )
    programa: str = Field(min_length=1, max_length=300, description="Código o IRI del programa de estudios.")
    certificados: list[str] = Field(
        min_length=1, max_length=50, description="Códigos o IRIs de los certificados."
    )
    titular_seudonimo: str = Field(
        min_length=1, max_length=64, description="Seudónimo del titular (nunca su nombre)."
    )


class AjusteJSON(Modelo):
    unidad: str = Field(min_length=1, max_length=300, description="Código o IRI de la unidad de decisión.")
    convalidable: bool = Field(description="true: se reconoce; false: no se reconoce.")
    motivo: str = Field(min_length=1, max_length=4000)


class PeticionDecision(Modelo):
    resultado: str = Field(pattern="^(aprobar|ajustar|rechazar)$", description="aprobar, ajustar o rechazar.")
    motivo: str = Field("", max_length=4000, description="Obligatorio al ajustar o rechazar.")
    ajustes: list[AjusteJSON] = Field(default_factory=list, max_length=100)


class PeticionNotificacion(Modelo):
    medio: str = Field("", max_length=300, description="Cómo se notificó a la persona.")


class PeticionApelacion(Modelo):
    motivo: str = Field(min_length=1, max_length=4000, description="Lo que expone la persona al apelar.")


def _json(s: sol.Solicitud) -> dict[str, Any]:
    salida = a_json(s)
    salida.update(
        {
            "referencia": s.referencia,
            "estado_etiqueta": s.estado_etiqueta,
            "numero_acta": s.numero_acta,
            "siguiente": s.siguiente,
            "enlace": _ruta(s.institucion, s.codigo),
            "acta": _ruta(s.institucion, s.codigo) + "/acta" if s.numero_acta else None,
        }
    )
    return salida


def _ruta(inst: str, codigo: str) -> str:
    return f"/api/solicitudes/{inst}/{codigo}"


def _ver(cred: Credencial, inst: str) -> None:
    """Una credencial de institución solo ve lo suyo (analistas y administradores, todo)."""
    exigir_rol(cred, *_ROLES)
    if cred.rol == "institucion" and cred.institucion != inst:
        raise Prohibido(
            "Solo puede ver las solicitudes de su propia institución",
            detalle=f"La credencial es de «{cred.institucion}».",
        )


def _respuesta(s: sol.Solicitud, estado: int = 200) -> JSONResponse:
    cabeceras = dict(_NO_GUARDAR)
    if estado == 201:
        cabeceras["Location"] = _ruta(s.institucion, s.codigo)
    return JSONResponse(_json(s), status_code=estado, headers=cabeceras)


@router.get(
    "",
    summary="Bandeja de solicitudes",
    description="Solicitudes de reconocimiento, de la más reciente a la más antigua. Una credencial de "
    "institución solo ve las suyas. `vencidas=true` lista las que pasaron su plazo (`reg:plazoDias` de la "
    "regla) sin estar resueltas ni notificadas.",
)
def listar(
    request: Request,
    response: Response,
    almacen: AlmacenDep,
    cred: CredencialDep,
    pag: PaginacionDep,
    institucion: Annotated[str | None, Query(pattern=PATRON_CODIGO, max_length=64)] = None,
    estado: Annotated[str | None, Query(pattern="^(" + "|".join(sol.ESTADOS) + ")$")] = None,
    vencidas: Annotated[bool, Query(description="Solo las vencidas.")] = False,
) -> dict[str, Any]:
    exigir_rol(cred, *_ROLES)
    if cred.rol == "institucion":
        if institucion and institucion != cred.institucion:
            _ver(cred, institucion)
        institucion = cred.institucion
    filas = sol.listar(almacen, institucion=institucion, estado=estado, vencidas=vencidas)
    datos = paginar(request, response, pag, len(filas))
    response.headers.update(_NO_GUARDAR)
    elementos = []
    for r in filas[pag.desde : pag.hasta]:
        e = a_json(r)
        e.update(
            {
                "referencia": r.referencia,
                "estado_etiqueta": r.estado_etiqueta,
                "vencida": r.vencida(),
                "enlace": _ruta(r.institucion, r.codigo),
            }
        )
        elementos.append(e)
    return {**datos, "elementos": elementos}


@router.post(
    "",
    status_code=201,
    summary="Registrar una solicitud recibida",
    description="Crea la solicitud (estado «recibida») con el número siguiente de la institución en el año. "
    "Responde 201 con `Location`. Un certificado que no existe en el registro es un 404.",
)
def crear(peticion: PeticionSolicitud, almacen: AlmacenDep, cred: CredencialDep) -> JSONResponse:
    exigir_rol(cred, *_ROLES)
    inst = peticion.institucion or cred.institucion
    if not inst:
        raise EntradaInvalida("Indique la institución que recibe la solicitud (campo «institucion»)")
    s = sol.crear(
        almacen,
        institucion=inst,
        programa=peticion.programa,
        certificados=peticion.certificados,
        titular_seudonimo=peticion.titular_seudonimo,
        agente=sol.Agente.de_credencial(cred),
    )
    return _respuesta(s, 201)


@router.get(
    "/estadisticas",
    summary="Sistematización de las solicitudes",
    description="Las tablas del informe (`registro informe`): por estado, programa, norma y país del "
    "certificado; unidades reconocidas; tiempos hasta la decisión; brechas más frecuentes. Una credencial "
    "de institución recibe solo las cifras de su institución.",
)
def estadisticas(
    almacen: AlmacenDep,
    cred: CredencialDep,
    institucion: Annotated[str | None, Query(pattern=PATRON_CODIGO, max_length=64)] = None,
) -> JSONResponse:
    exigir_rol(cred, *_ROLES)
    if cred.rol == "institucion":
        if institucion and institucion != cred.institucion:
            _ver(cred, institucion)
        institucion = cred.institucion
    datos = informe.generar(almacen, institucion=institucion)
    cuerpo = {
        "generado": datos.generado.isoformat(),
        "institucion": datos.institucion,
        "tablas": [
            {
                "clave": t.clave,
                "titulo": t.titulo,
                "columnas": list(t.columnas),
                "filas": [list(f) for f in t.filas],
                "nota": t.nota,
            }
            for t in datos.tablas
        ],
    }
    return JSONResponse(cuerpo, headers=_NO_GUARDAR)


@router.get(
    "/{inst}/{codigo}",
    summary="Expediente de una solicitud",
    description="Certificados, unidades analizadas (cálculo y decisión vigente), decisiones (todas: las "
    "apelaciones no borran las anteriores) e historial PROV de transiciones.",
)
def ver(inst: Institucion, codigo: Codigo, almacen: AlmacenDep, cred: CredencialDep) -> JSONResponse:
    _ver(cred, inst)
    return _respuesta(sol.ver(almacen, f"{inst}/{codigo}"))


def _paso(nombre: str, inst: str, codigo: str, almacen: Any, cred: Credencial, **extra: Any) -> JSONResponse:
    _ver(cred, inst)
    s = getattr(sol, nombre)(almacen, f"{inst}/{codigo}", agente=sol.Agente.de_credencial(cred), **extra)
    return _respuesta(s)


@router.post(
    "/{inst}/{codigo}/verificar",
    summary="Verificar los certificados",
    description="Existen, son del titular, los emitió una entidad autorizada en esa fecha, estaban vigentes "
    "al recibirse la solicitud y certifican la versión vigente de la norma. Si algo falla: 422 con la lista "
    "de problemas y la solicitud sin cambios.",
)
def verificar(inst: Institucion, codigo: Codigo, almacen: AlmacenDep, cred: CredencialDep) -> JSONResponse:
    return _paso("verificar", inst, codigo, almacen, cred)


@router.post(
    "/{inst}/{codigo}/analizar",
    summary="Analizar la equivalencia",
    description="Calcula la equivalencia con su evidencia (regla de la solicitud) y guarda el resultado "
    "enlazado a la solicitud.",
)
def analizar(inst: Institucion, codigo: Codigo, almacen: AlmacenDep, cred: CredencialDep) -> JSONResponse:
    return _paso("analizar", inst, codigo, almacen, cred)


@router.post(
    "/{inst}/{codigo}/decidir",
    summary="Decisión de la comisión",
    description="Solo roles `analista` (comisión) o `administrador`. `aprobar` el cálculo, `ajustar` "
    "unidades con un motivo por ajuste, o `rechazar` con motivo.",
)
def decidir(
    inst: Institucion, codigo: Codigo, peticion: PeticionDecision, almacen: AlmacenDep, cred: CredencialDep
) -> JSONResponse:
    ajustes = [sol.Ajuste(a.unidad, a.convalidable, a.motivo) for a in peticion.ajustes]
    return _paso(
        "decidir",
        inst,
        codigo,
        almacen,
        cred,
        resultado=peticion.resultado,
        motivo=peticion.motivo,
        ajustes=ajustes,
    )


@router.post(
    "/{inst}/{codigo}/resolver",
    summary="Resolver (emitir el acta numerada)",
    description="Asigna el número de acta siguiente de la institución en el año (p. ej. "
    "IEST-PILOTO-2026-0001). El PDF está en `…/acta`.",
)
def resolver(inst: Institucion, codigo: Codigo, almacen: AlmacenDep, cred: CredencialDep) -> JSONResponse:
    return _paso("resolver", inst, codigo, almacen, cred)


@router.post("/{inst}/{codigo}/notificar", summary="Registrar la notificación")
def notificar(
    inst: Institucion,
    codigo: Codigo,
    almacen: AlmacenDep,
    cred: CredencialDep,
    peticion: PeticionNotificacion | None = None,
) -> JSONResponse:
    return _paso("notificar", inst, codigo, almacen, cred, medio=peticion.medio if peticion else "")


@router.post(
    "/{inst}/{codigo}/apelar",
    summary="Registrar una apelación",
    description="La comisión debe decidir de nuevo; la decisión apelada y su acta se conservan.",
)
def apelar(
    inst: Institucion, codigo: Codigo, peticion: PeticionApelacion, almacen: AlmacenDep, cred: CredencialDep
) -> JSONResponse:
    return _paso("apelar", inst, codigo, almacen, cred, motivo=peticion.motivo)


@router.get(
    "/{inst}/{codigo}/acta",
    summary="Acta en PDF",
    description="El acta numerada de la decisión vigente (o de la decisión `decision`, p. ej. la apelada). "
    "409 si la solicitud aún no está resuelta.",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def acta(
    inst: Institucion,
    codigo: Codigo,
    almacen: AlmacenDep,
    cred: CredencialDep,
    decision: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> Response:
    _ver(cred, inst)
    contenido = sol.acta_pdf(almacen, f"{inst}/{codigo}", decision=decision)
    nombre = f"acta-{inst}-{codigo}.pdf"
    return Response(
        contenido,
        media_type="application/pdf",
        headers={**_NO_GUARDAR, "Content-Disposition": f'attachment; filename="{nombre}"'},
    )
