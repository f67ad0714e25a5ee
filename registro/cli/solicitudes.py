"""``registro solicitud …`` (ciclo de vida de una solicitud de reconocimiento) y ``registro informe``.

Quién da cada paso queda en el historial (PROV): con ``--token`` (o ``REGISTRO_TOKEN``) es la
credencial verificada, con su rol e institución; sin token, ``--agente CODIGO`` (``REGISTRO_AGENTE``)
con ``--rol`` declara un agente local: quien abre el almacén directamente ya tiene acceso completo, así
que la CLI confía en lo que declara, pero lo deja escrito. ``--fecha`` registra un acto ya ocurrido
(p. ej. al pasar al registro expedientes en papel); nunca puede ser anterior al último paso.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from registro import acceso, informe
from registro import solicitudes as sol
from registro.almacen.base import Almacen
from registro.cli import app
from registro.cli._comun import OpcionAlmacen, almacen_abierto
from registro.equivalencias import porcentaje_texto
from registro.errores import EntradaInvalida
from registro.formatos import tabla_texto

solicitud_app = typer.Typer(
    help="Solicitudes de reconocimiento: crear, verificar, analizar, decidir, resolver, notificar, apelar.",
    no_args_is_help=True,
)
app.add_typer(solicitud_app, name="solicitud")

Referencia = Annotated[
    str, typer.Argument(help="Solicitud: institución/año-número (p. ej. iest-piloto/2026-1) o su IRI.")
]
OpcionToken = Annotated[
    str | None,
    typer.Option(
        "--token", envvar="REGISTRO_TOKEN", help="Token de la API de quien da el paso.", show_default=False
    ),
]
OpcionAgente = Annotated[
    str | None,
    typer.Option(
        "--agente", envvar="REGISTRO_AGENTE", help="Código del agente local (sin token).", show_default=False
    ),
]
OpcionRol = Annotated[
    str,
    typer.Option(
        "--rol", envvar="REGISTRO_ROL", help="Rol del agente local: institucion, analista o administrador."
    ),
]
OpcionInstAgente = Annotated[
    str | None,
    typer.Option(
        "--institucion-agente",
        envvar="REGISTRO_INSTITUCION_AGENTE",
        help="Institución del agente local con rol institucion.",
        show_default=False,
    ),
]
OpcionFecha = Annotated[
    str | None,
    typer.Option(
        "--fecha",
        help="Fecha y hora del acto (AAAA-MM-DD o AAAA-MM-DDTHH:MM, UTC); por defecto, ahora.",
        show_default=False,
    ),
]
OpcionFormato = Annotated[str, typer.Option("--formato", "-f", help="texto o json.")]


def _agente(
    a: Almacen, token: str | None, agente: str | None, rol: str, institucion: str | None
) -> sol.Agente:
    if token:
        return sol.Agente.de_credencial(acceso.verificar(a, token))
    if agente:
        return sol.Agente.local(agente, rol, institucion)
    raise EntradaInvalida(
        "Indique quién da el paso",
        detalle="Use --token (o REGISTRO_TOKEN) o --agente CODIGO --rol ROL "
        "(o REGISTRO_AGENTE / REGISTRO_ROL).",
    )


def _a_json(valor: object) -> object:
    """Dataclasses, fechas y decimales a JSON (sin importar la API: la CLI arranca más rápido)."""
    if dataclasses.is_dataclass(valor) and not isinstance(valor, type):
        return {c.name: _a_json(getattr(valor, c.name)) for c in dataclasses.fields(valor)}
    if isinstance(valor, datetime | date):
        return valor.isoformat()
    if isinstance(valor, Decimal):
        return str(valor)
    if isinstance(valor, list | tuple):
        return [_a_json(v) for v in valor]
    return valor


def _fecha(texto: str | None) -> datetime | None:
    if not texto:
        return None
    try:
        valor = datetime.fromisoformat(texto.strip())
    except ValueError as exc:
        raise EntradaInvalida(
            f"Fecha inválida: {texto!r}", detalle="Use AAAA-MM-DD o AAAA-MM-DDTHH:MM."
        ) from exc
    return valor if valor.tzinfo else valor.replace(tzinfo=UTC)


def _mostrar(s: sol.Solicitud, formato: str) -> None:
    if formato == "json":
        datos = _a_json(s)
        assert isinstance(datos, dict)
        datos["referencia"] = s.referencia
        datos["numero_acta"] = s.numero_acta
        typer.echo(json.dumps(datos, ensure_ascii=False, indent=2))
        return
    if formato != "texto":
        raise EntradaInvalida(f"Formato desconocido: {formato!r}", detalle="Use texto o json.")
    typer.echo(texto_solicitud(s))


def texto_solicitud(s: sol.Solicitud) -> str:
    """Expediente de una solicitud en texto (lo que muestra ``registro solicitud ver``)."""
    lineas = [
        f"Solicitud {s.referencia} — {s.estado_etiqueta.upper()}",
        f"  Programa: {s.programa_codigo} — {s.programa_etiqueta}",
        f"  Titular (seudónimo): {s.titular_seudonimo}",
        f"  Recibida: {s.recibida:%d/%m/%Y %H:%M} UTC"
        + (f" · plazo hasta {s.plazo_vence:%d/%m/%Y}" if s.plazo_vence else " · sin plazo"),
        f"  Regla: {s.regla_etiqueta or s.regla or '—'}",
        "  Certificados: " + ", ".join(f"{c.codigo} ({c.norma}, {c.pais})" for c in s.certificados),
    ]
    if s.numero_acta:
        lineas.append(f"  Acta: {s.numero_acta}")
    if s.decision_vigente is not None:
        lineas.append("  Unidades reconocidas: " + (", ".join(u.codigo for u in s.reconocidas) or "ninguna"))
    if s.unidades:
        lineas.append("")
        filas = [
            {
                "unidad": u.codigo,
                "equivalencia": porcentaje_texto(u.porcentaje),
                "cálculo": "convalidable" if u.convalidable_calculado else "no",
                "decisión": (
                    "—" if s.decision_vigente is None else ("RECONOCIDA" if u.convalidable else "no")
                )
                + (" (ajuste)" if u.ajuste else ""),
            }
            for u in s.unidades
        ]
        lineas.append(tabla_texto(("unidad", "equivalencia", "cálculo", "decisión"), filas))
    for d in s.decisiones:
        lineas.append(
            f"\nDecisión {d.numero} ({d.cuando:%d/%m/%Y}): {d.sentido}"
            + (f" · acta {d.numero_acta}" if d.numero_acta else " · sin acta")
            + (f"\n  Motivo: {d.motivo}" if d.motivo else "")
        )
        for a in d.ajustes:
            lineas.append(
                f"  Ajuste {a.codigo}: {'se reconoce' if a.convalidable else 'no se reconoce'} — {a.motivo}"
            )
    lineas.append("\nHistorial:")
    for t in s.historial:
        quien = t.agente.rsplit("/", 1)[-1]
        lineas.append(f"  {t.orden}. {t.cuando:%d/%m/%Y %H:%M} {t.hacia:<11} {quien} ({t.rol}) — {t.motivo}")
        lineas.extend(f"       aviso: {n}" for n in t.notas)
    lineas.append(f"\nSiguiente paso: {s.siguiente}.")
    return "\n".join(lineas)


@solicitud_app.command("crear")
def crear(
    institucion: Annotated[
        str, typer.Option("--institucion", help="Código de la institución que recibe la solicitud.")
    ],
    programa: Annotated[str, typer.Option("--programa", help="Código o IRI del programa de estudios.")],
    certificado: Annotated[
        list[str], typer.Option("--certificado", help="Código o IRI de un certificado (repetible).")
    ],
    titular: Annotated[
        str, typer.Option("--titular", help="Seudónimo del titular (el de los certificados).")
    ],
    token: OpcionToken = None,
    agente: OpcionAgente = None,
    rol: OpcionRol = "administrador",
    institucion_agente: OpcionInstAgente = None,
    fecha: OpcionFecha = None,
    formato: OpcionFormato = "texto",
    almacen: OpcionAlmacen = None,
) -> None:
    """Registra una solicitud recibida; le da el número siguiente de la institución en el año."""
    with almacen_abierto(almacen) as a:
        s = sol.crear(
            a,
            institucion=institucion,
            programa=programa,
            certificados=certificado,
            titular_seudonimo=titular,
            agente=_agente(a, token, agente, rol, institucion_agente),
            ahora=_fecha(fecha),
        )
        _mostrar(s, formato)


@solicitud_app.command("ver")
def ver(solicitud: Referencia, formato: OpcionFormato = "texto", almacen: OpcionAlmacen = None) -> None:
    """Muestra el expediente: certificados, unidades analizadas, decisiones e historial."""
    with almacen_abierto(almacen) as a:
        _mostrar(sol.ver(a, solicitud), formato)


def _paso(
    nombre: str,
    solicitud: str,
    token: str | None,
    agente: str | None,
    rol: str,
    institucion: str | None,
    fecha: str | None,
    formato: str,
    almacen: str | None,
    **extra: object,
) -> None:
    with almacen_abierto(almacen) as a:
        s = getattr(sol, nombre)(
            a, solicitud, agente=_agente(a, token, agente, rol, institucion), ahora=_fecha(fecha), **extra
        )
        _mostrar(s, formato)


@solicitud_app.command("verificar")
def verificar(
    solicitud: Referencia,
    token: OpcionToken = None,
    agente: OpcionAgente = None,
    rol: OpcionRol = "administrador",
    institucion_agente: OpcionInstAgente = None,
    fecha: OpcionFecha = None,
    formato: OpcionFormato = "texto",
    almacen: OpcionAlmacen = None,
) -> None:
    """Verifica los certificados (existen, son del titular, entidad autorizada, vigencia, versión vigente)."""
    _paso("verificar", solicitud, token, agente, rol, institucion_agente, fecha, formato, almacen)


@solicitud_app.command("analizar")
def analizar(
    solicitud: Referencia,
    token: OpcionToken = None,
    agente: OpcionAgente = None,
    rol: OpcionRol = "administrador",
    institucion_agente: OpcionInstAgente = None,
    fecha: OpcionFecha = None,
    formato: OpcionFormato = "texto",
    almacen: OpcionAlmacen = None,
) -> None:
    """Calcula la equivalencia con evidencia y guarda el resultado enlazado a la solicitud."""
    _paso("analizar", solicitud, token, agente, rol, institucion_agente, fecha, formato, almacen)


def _ajustes(textos: list[str] | None) -> list[sol.Ajuste]:
    """``TEL-101=si:motivo`` → Ajuste(TEL-101, True, motivo)."""
    salida = []
    for t in textos or []:
        unidad, _, resto = t.partition("=")
        decision, _, motivo = resto.partition(":")
        valor = {"si": True, "sí": True, "no": False}.get(decision.strip().lower())
        if not unidad.strip() or valor is None:
            raise EntradaInvalida(
                f"Ajuste mal escrito: {t!r}",
                detalle="Use --ajuste UNIDAD=si:motivo o --ajuste UNIDAD=no:motivo.",
            )
        salida.append(sol.Ajuste(unidad.strip(), valor, motivo.strip()))
    return salida


@solicitud_app.command("decidir")
def decidir(
    solicitud: Referencia,
    resultado: Annotated[str, typer.Option("--resultado", help="aprobar, ajustar o rechazar.")],
    motivo: Annotated[
        str, typer.Option("--motivo", help="Motivo escrito (obligatorio al ajustar o rechazar).")
    ] = "",
    ajuste: Annotated[
        list[str] | None, typer.Option("--ajuste", help="UNIDAD=si:motivo o UNIDAD=no:motivo (repetible).")
    ] = None,
    token: OpcionToken = None,
    agente: OpcionAgente = None,
    rol: OpcionRol = "administrador",
    institucion_agente: OpcionInstAgente = None,
    fecha: OpcionFecha = None,
    formato: OpcionFormato = "texto",
    almacen: OpcionAlmacen = None,
) -> None:
    """Decisión de la comisión (rol analista o administrador): aprobar, ajustar con motivos o rechazar."""
    _paso(
        "decidir",
        solicitud,
        token,
        agente,
        rol,
        institucion_agente,
        fecha,
        formato,
        almacen,
        resultado=resultado,
        motivo=motivo,
        ajustes=_ajustes(ajuste),
    )


@solicitud_app.command("resolver")
def resolver(
    solicitud: Referencia,
    salida: Annotated[
        Path | None, typer.Option("--salida", help="Escribe el acta en PDF en este archivo.")
    ] = None,
    token: OpcionToken = None,
    agente: OpcionAgente = None,
    rol: OpcionRol = "administrador",
    institucion_agente: OpcionInstAgente = None,
    fecha: OpcionFecha = None,
    formato: OpcionFormato = "texto",
    almacen: OpcionAlmacen = None,
) -> None:
    """Emite el acta numerada por institución y año (y la escribe en PDF con --salida)."""
    with almacen_abierto(almacen) as a:
        s = sol.resolver(
            a, solicitud, agente=_agente(a, token, agente, rol, institucion_agente), ahora=_fecha(fecha)
        )
        if salida is not None:
            _escribir(salida, sol.acta_pdf(a, s.iri))
        _mostrar(s, formato)


@solicitud_app.command("acta")
def acta(
    solicitud: Referencia,
    salida: Annotated[Path, typer.Option("--salida", help="Archivo PDF de destino.")],
    decision: Annotated[
        int | None, typer.Option("--decision", help="Número de decisión (por defecto, la vigente).")
    ] = None,
    almacen: OpcionAlmacen = None,
) -> None:
    """Escribe en PDF el acta de una solicitud resuelta (también la de una decisión anterior apelada)."""
    with almacen_abierto(almacen) as a:
        _escribir(salida, sol.acta_pdf(a, solicitud, decision=decision))


def _escribir(ruta: Path, contenido: bytes) -> None:
    tmp = ruta.with_name(ruta.name + ".parcial")
    tmp.write_bytes(contenido)
    tmp.replace(ruta)
    typer.echo(f"Acta escrita en {ruta} ({len(contenido):,} bytes).", err=True)


@solicitud_app.command("notificar")
def notificar(
    solicitud: Referencia,
    medio: Annotated[str, typer.Option("--medio", help="Cómo se notificó (p. ej. correo electrónico).")] = "",
    token: OpcionToken = None,
    agente: OpcionAgente = None,
    rol: OpcionRol = "administrador",
    institucion_agente: OpcionInstAgente = None,
    fecha: OpcionFecha = None,
    formato: OpcionFormato = "texto",
    almacen: OpcionAlmacen = None,
) -> None:
    """Registra la notificación de la resolución a la persona."""
    _paso(
        "notificar", solicitud, token, agente, rol, institucion_agente, fecha, formato, almacen, medio=medio
    )


@solicitud_app.command("apelar")
def apelar(
    solicitud: Referencia,
    motivo: Annotated[str, typer.Option("--motivo", help="Lo que expone la persona al apelar.")],
    token: OpcionToken = None,
    agente: OpcionAgente = None,
    rol: OpcionRol = "administrador",
    institucion_agente: OpcionInstAgente = None,
    fecha: OpcionFecha = None,
    formato: OpcionFormato = "texto",
    almacen: OpcionAlmacen = None,
) -> None:
    """Registra una apelación: la comisión debe decidir de nuevo (la decisión anterior se conserva)."""
    _paso("apelar", solicitud, token, agente, rol, institucion_agente, fecha, formato, almacen, motivo=motivo)


@solicitud_app.command("listar")
def listar(
    institucion: Annotated[str | None, typer.Option("--institucion", help="Solo esta institución.")] = None,
    estado: Annotated[
        str | None, typer.Option("--estado", help="Solo este estado (recibida, verificada…).")
    ] = None,
    vencidas: Annotated[
        bool, typer.Option("--vencidas", help="Solo las que pasaron su plazo sin resolverse.")
    ] = False,
    hoy: Annotated[
        str | None, typer.Option("--hoy", help="Fecha de referencia para --vencidas (AAAA-MM-DD).")
    ] = None,
    formato: Annotated[str, typer.Option("--formato", "-f", help="tabla, csv o json.")] = "tabla",
    almacen: OpcionAlmacen = None,
) -> None:
    """Bandeja de solicitudes, de la más reciente a la más antigua."""
    with almacen_abierto(almacen) as a:
        filas = sol.listar(a, institucion=institucion, estado=estado, vencidas=vencidas, ahora=_fecha(hoy))
    referencia = _fecha(hoy).date() if hoy else None  # type: ignore[union-attr]
    columnas = ("solicitud", "programa", "titular", "estado", "recibida", "plazo", "vencida", "acta")
    datos = [
        {
            "solicitud": r.referencia,
            "programa": r.programa_codigo,
            "titular": r.titular_seudonimo,
            "estado": r.estado_etiqueta,
            "recibida": f"{r.recibida:%Y-%m-%d}",
            "plazo": f"{r.plazo_vence:%Y-%m-%d}" if r.plazo_vence else "—",
            "vencida": "sí" if r.vencida(referencia) else "no",
            "acta": r.numero_acta or "—",
        }
        for r in filas
    ]
    if formato == "json":
        typer.echo(json.dumps(datos, ensure_ascii=False, indent=2))
    elif formato == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=columnas, lineterminator="\n")
        w.writeheader()
        w.writerows(datos)
        typer.echo(buf.getvalue(), nl=False)
    elif formato == "tabla":
        typer.echo(tabla_texto(columnas, datos))
    else:
        raise EntradaInvalida(f"Formato desconocido: {formato!r}", detalle="Use tabla, csv o json.")


@app.command("informe")
def informe_cmd(
    formato: Annotated[str, typer.Option("--formato", "-f", help="tabla, csv o xlsx.")] = "tabla",
    salida: Annotated[
        Path | None, typer.Option("--salida", help="Archivo de destino (obligatorio con xlsx).")
    ] = None,
    institucion: Annotated[str | None, typer.Option("--institucion", help="Solo esta institución.")] = None,
    hoy: Annotated[
        str | None, typer.Option("--hoy", help="Fecha de referencia de los plazos vencidos.")
    ] = None,
    almacen: OpcionAlmacen = None,
) -> None:
    """Sistematización de las solicitudes: estados, programas, normas y países, unidades reconocidas,
    tiempos hasta la decisión y brechas más frecuentes."""
    if formato not in ("tabla", "csv", "xlsx"):
        raise EntradaInvalida(f"Formato desconocido: {formato!r}", detalle="Use tabla, csv o xlsx.")
    if formato == "xlsx" and salida is None:
        raise EntradaInvalida("El formato xlsx necesita --salida ARCHIVO.xlsx")
    with almacen_abierto(almacen) as a:
        datos = informe.generar(a, institucion=institucion, ahora=_fecha(hoy))
    if formato == "xlsx":
        contenido = informe.a_xlsx(datos)
    elif formato == "csv":
        contenido = ("\ufeff" + informe.a_csv(datos)).encode("utf-8")
    else:
        contenido = informe.a_texto(datos).encode("utf-8")
    if salida is None:
        typer.echo(contenido.decode("utf-8").lstrip("\ufeff"), nl=False)
        return
    tmp = salida.with_name(salida.name + ".parcial")
    tmp.write_bytes(contenido)
    tmp.replace(salida)
    typer.echo(f"Informe escrito en {salida}.", err=True)
