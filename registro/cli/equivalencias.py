"""Órdenes del motor de equivalencias: equivalencia, convalidar, sugerir, importar-matriz, resultados.

Finas: cada orden resuelve opciones, llama a ``registro.equivalencias`` (o a ``acta``,
``matriz_excel``, ``sugerencias``) y presenta. Códigos de salida del contrato (DISENO §5).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from registro import acta, matriz_excel, sugerencias
from registro import equivalencias as eq
from registro.cli import app
from registro.cli._comun import OpcionAlmacen, almacen_abierto
from registro.errores import EntradaInvalida
from registro.formatos import tabla_texto

OpcionRegla = Annotated[
    str | None,
    typer.Option(
        "--regla", help="Regla de equivalencia (código, p. ej. iest-pe, o IRI); por defecto la del programa."
    ),
]
_pct = eq.porcentaje_texto


def _decimal(valor) -> str | None:  # type: ignore[no-untyped-def]
    d = eq.porcentaje_decimal(valor)
    return None if d is None else str(d)


def decision_json(d: eq.Decision) -> dict[str, object]:
    """La decisión como JSON (porcentajes como texto decimal exacto a 6 cifras, truncado)."""
    return {
        "resultado": d.resultado,
        "fecha": d.fecha.isoformat(),
        "programa": {"iri": d.programa, "codigo": d.programa_codigo, "etiqueta": d.programa_etiqueta},
        "regla": {
            "iri": d.regla.iri,
            "etiqueta": d.regla.etiqueta,
            "umbral": str(d.regla.umbral),
            "motivo": d.regla.motivo,
        },
        "certificados": [
            {
                "iri": c.iri,
                "codigo": c.codigo,
                "seudonimo": c.seudonimo,
                "vencido": c.vencido,
                "version_desactualizada": c.version_desactualizada,
                "normas_nuevas": list(c.normas_nuevas),
                "unidades": list(c.unidades),
            }
            for c in d.certificados
        ],
        "avisos": list(d.avisos),
        "porcentaje_programa": _decimal(d.porcentaje_programa),
        "unidades": [
            {
                "iri": u.unidad,
                "codigo": u.codigo,
                "etiqueta": u.etiqueta,
                "porcentaje": _decimal(u.porcentaje),
                "porcentaje_texto": _pct(u.porcentaje),
                "umbral": str(u.umbral),
                "convalidable": u.convalidable,
                "dimensiones": [
                    {
                        "dimension": x.dimension,
                        "porcentaje": _decimal(x.porcentaje),
                        "minimo": str(x.minimo) if x.minimo is not None else None,
                        "cumple": x.cumple,
                    }
                    for x in u.dimensiones
                ],
                "indicadores": [
                    {
                        "iri": i.indicador,
                        "etiqueta": i.etiqueta,
                        "peso": str(i.peso),
                        "valor": str(i.valor),
                        "correspondencia": i.evidencia.correspondencia if i.evidencia else None,
                        "criterio": i.evidencia.criterio if i.evidencia else None,
                        "unidad": i.evidencia.unidad if i.evidencia else None,
                        "cadena": (
                            {
                                "unidad_certificada": i.evidencia.cadena.unidad_certificada,
                                "certificados": list(i.evidencia.cadena.certificados),
                                "mapeo": i.evidencia.cadena.mapeo,
                                "predicado": i.evidencia.cadena.predicado,
                                "sentido": i.evidencia.cadena.sentido,
                                "factor": str(i.evidencia.cadena.factor),
                            }
                            if i.evidencia
                            else None
                        ),
                    }
                    for i in u.indicadores
                ],
            }
            for u in d.unidades
        ],
        "modulos": [
            {
                "iri": m.modulo,
                "codigo": m.codigo,
                "porcentaje": _decimal(m.porcentaje),
                "porcentaje_indicadores": _decimal(m.porcentaje_indicadores),
                "porcentaje_media_ponderada": _decimal(m.porcentaje_media_ponderada),
            }
            for m in d.modulos
        ],
        "brechas": [
            {
                "indicador": b.indicador,
                "valor": str(b.valor),
                "documentada": b.documentada,
                "cubririan": [
                    {"criterio": c.criterio, "unidad": c.unidad, "norma": c.norma, "valor": str(c.valor)}
                    for c in b.cubririan
                ],
            }
            for b in d.brechas
        ],
        "versiones_usadas": list(d.versiones_usadas),
    }


@app.command()
def convalidar(
    certificado: Annotated[
        list[str], typer.Option("--certificado", "-c", help="Código o IRI de un certificado (repetible).")
    ],
    programa: Annotated[str, typer.Option("--programa", "-p", help="Código o IRI del programa de estudios.")],
    regla: OpcionRegla = None,
    formato: Annotated[str, typer.Option("--formato", "-f", help="tabla o json.")] = "tabla",
    acta_archivo: Annotated[
        Path | None, typer.Option("--acta", help="Escribe el acta en un archivo .html o .pdf.")
    ] = None,
    no_guardar: Annotated[
        bool, typer.Option("--no-guardar", help="No guarda el resultado en el registro.")
    ] = False,
    almacen: OpcionAlmacen = None,
) -> None:
    """Decide qué unidades de un programa se convalidan con unos certificados (y escribe el acta)."""
    if formato not in ("tabla", "json"):
        raise EntradaInvalida(f"Formato desconocido: {formato!r}", detalle="Use tabla o json.")
    if acta_archivo is not None and acta_archivo.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise EntradaInvalida(f"El acta debe ser .html o .pdf: {acta_archivo.name}")
    with almacen_abierto(almacen) as a:
        d = eq.convalidar(a, certificados=certificado, programa=programa, regla=regla, guardar=not no_guardar)
    if acta_archivo is not None:
        acta.escribir(d, acta_archivo)
        typer.echo(f"Acta escrita en {acta_archivo}.", err=True)
    if formato == "json":
        typer.echo(json.dumps(decision_json(d), ensure_ascii=False, indent=2))
        return
    for aviso in d.avisos:
        typer.secho(f"Aviso: {aviso}", fg=typer.colors.YELLOW, err=True)
    typer.echo(f"Programa: {d.programa_etiqueta}")
    typer.echo(f"Regla: {d.regla.etiqueta} ({d.regla.motivo}); umbral {_pct(d.regla.umbral)}")
    filas = [
        {
            "unidad": u.etiqueta,
            "porcentaje": _pct(u.porcentaje),
            "umbral": _pct(u.umbral),
            "decisión": "CONVALIDABLE" if u.convalidable else "no",
            "dimensiones": "; ".join(f"{eq._corto(x.dimension)} {_pct(x.porcentaje)}" for x in u.dimensiones),
        }
        for u in d.unidades
    ]
    columnas = ("unidad", "porcentaje", "umbral", "decisión") + (
        ("dimensiones",) if d.regla.por_dimensiones else ()
    )
    typer.echo(tabla_texto(columnas, filas, ancho_max=70))
    typer.echo(
        tabla_texto(
            ("módulo", "porcentaje", "indicadores agrupados", "media ponderada"),
            [
                {
                    "módulo": m.etiqueta,
                    "porcentaje": _pct(m.porcentaje),
                    "indicadores agrupados": _pct(m.porcentaje_indicadores),
                    "media ponderada": _pct(m.porcentaje_media_ponderada),
                }
                for m in d.modulos
            ],
            ancho_max=70,
        )
    )
    typer.echo(
        f"Programa completo: {_pct(d.porcentaje_programa)}; "
        f"convalidables {len(d.convalidables)} de {len(d.unidades)}; "
        f"brechas: {len(d.brechas)} indicadores."
    )
    if d.resultado:
        typer.echo(f"Resultado guardado: {d.resultado}")


@app.command()
def equivalencia(
    estandar: Annotated[str, typer.Option("--estandar", "-e", help="Código o IRI del estándar o perfil.")],
    programa: Annotated[str, typer.Option("--programa", "-p", help="Código o IRI del programa de estudios.")],
    regla: OpcionRegla = None,
    formato: Annotated[str, typer.Option("--formato", "-f", help="tabla, csv, json o xlsx.")] = "tabla",
    salida: Annotated[
        Path | None, typer.Option("--salida", "-o", help="Archivo de salida (obligatorio con xlsx).")
    ] = None,
    almacen: OpcionAlmacen = None,
) -> None:
    """Matriz de equivalencia de un par norma × programa: correspondencias, cobertura y porcentajes."""
    if formato not in ("tabla", "csv", "json", "xlsx"):
        raise EntradaInvalida(f"Formato desconocido: {formato!r}", detalle="Use tabla, csv, json o xlsx.")
    if formato == "xlsx" and salida is None:
        raise EntradaInvalida("Con --formato xlsx indique el archivo con --salida ARCHIVO.xlsx")
    with almacen_abierto(almacen) as a:
        if formato == "xlsx":
            assert salida is not None
            datos = matriz_excel.exportar(a, estandar, programa, regla)
            tmp = salida.with_name(salida.name + ".parcial")
            tmp.write_bytes(datos)
            tmp.replace(salida)
            typer.echo(
                f"Matriz exportada a {salida} ({len(datos):,} bytes). Edite la hoja «Correspondencias» e "
                "impórtela con «registro importar-matriz».",
                err=True,
            )
            return
        m = eq.matriz(a, estandar, programa, regla)
        al = eq.alinear(a, m.estandar, m.programa)
    filas = [
        {
            "correspondencia": c.correspondencia.rsplit("/", 3)[-3]
            + "/"
            + c.correspondencia.rsplit("/", 1)[-1],
            "indicador": m.etiquetas.get(c.indicador, c.indicador)[:60],
            "criterio": c.criterio.rsplit("/", 1)[-1],
            "valoración": c.codigo_valoracion,
            "estado": c.codigo_estado,
            "justificación": c.justificacion,
        }
        for c in m.celdas
    ]
    unidades = [
        {
            "unidad": u.etiqueta,
            "porcentaje": _pct(u.porcentaje),
            "convalidable": "sí" if u.convalidable else "no",
        }
        for u in m.unidades
    ]
    if formato == "json":
        texto = json.dumps(
            {
                "estandar": m.estandar,
                "programa": m.programa,
                "regla": m.regla.iri,
                "cobertura": _decimal(al.cobertura),
                "correspondencias": filas,
                "unidades": [
                    {**u, "iri": r.unidad, "porcentaje": _decimal(r.porcentaje)}
                    for u, r in zip(unidades, m.unidades, strict=True)
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
    elif formato == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.DictWriter(
            buf, fieldnames=list(filas[0]) if filas else ["correspondencia"], lineterminator="\n"
        )
        w.writeheader()
        w.writerows(filas)
        texto = buf.getvalue()
    else:
        texto = "\n".join(
            [
                f"Cobertura de la norma por el programa (alineamiento): {_pct(al.cobertura)}",
                tabla_texto(("unidad", "porcentaje", "convalidable"), unidades, ancho_max=70),
                "Porcentajes si se certificaran todas las unidades de la norma (regla: "
                + m.regla.etiqueta
                + ").",
                tabla_texto(tuple(filas[0]) if filas else ("correspondencia",), filas, ancho_max=50),
            ]
        )
    if salida is not None:
        salida.write_text(texto, encoding="utf-8")
    else:
        typer.echo(texto)


@app.command()
def sugerir(
    estandar: Annotated[str, typer.Option("--estandar", "-e", help="Código o IRI del estándar o perfil.")],
    programa: Annotated[str, typer.Option("--programa", "-p", help="Código o IRI del programa de estudios.")],
    guardar: Annotated[
        bool, typer.Option("--guardar", help="Publica las sugerencias en la matriz (estado «sugerida»).")
    ] = False,
    por_indicador: Annotated[int, typer.Option("--por-indicador", help="Candidatos por indicador.")] = 3,
    minimo: Annotated[float, typer.Option("--minimo", help="Similitud mínima (0–1).")] = 0.10,
    almacen: OpcionAlmacen = None,
) -> None:
    """Sugiere correspondencias indicador ↔ criterio por similitud de textos (no cuentan hasta aprobarse)."""
    if por_indicador < 1 or not 0 <= minimo <= 1:
        raise EntradaInvalida("--por-indicador debe ser ≥ 1 y --minimo estar entre 0 y 1")
    with almacen_abierto(almacen) as a:
        res = sugerencias.sugerir(
            a, estandar, programa, por_indicador=por_indicador, minimo=minimo, guardar=guardar
        )
    typer.echo(
        tabla_texto(
            ("puesto", "confianza", "indicador", "criterio"),
            [
                {
                    "puesto": s.puesto,
                    "confianza": str(s.confianza),
                    "indicador": s.texto_indicador,
                    "criterio": s.texto_criterio,
                }
                for s in res
            ],
            ancho_max=60,
        )
    )
    if guardar:
        typer.echo(
            f"{len(res)} sugerencias publicadas como «sugerida» en la matriz (versión nueva).", err=True
        )


@app.command("importar-matriz")
def importar_matriz(
    archivo: Annotated[
        Path,
        typer.Argument(help="Libro .xlsx exportado con «registro equivalencia --formato xlsx» y editado."),
    ],
    institucion: Annotated[
        str, typer.Option("--institucion", "-i", help="Código de la institución dueña de la matriz.")
    ],
    agente: Annotated[str | None, typer.Option("--agente", help="IRI de quien envía (procedencia).")] = None,
    almacen: OpcionAlmacen = None,
) -> None:
    """Importa la hoja «Correspondencias» editada como versión nueva de la matriz (por la ingesta)."""
    if not archivo.is_file():
        raise EntradaInvalida(f"No existe el archivo {archivo}")
    with almacen_abierto(almacen) as a:
        res = matriz_excel.importar(
            a, archivo.read_bytes(), institucion=institucion, agente=agente, nombre=archivo.name
        )
    typer.echo(res.texto())
    if not res.aceptado:
        sys.exit(1)


@app.command()
def resultados(
    programa: Annotated[
        str | None, typer.Option("--programa", "-p", help="Solo los de este programa.")
    ] = None,
    formato: Annotated[str, typer.Option("--formato", "-f", help="tabla o json.")] = "tabla",
    almacen: OpcionAlmacen = None,
) -> None:
    """Resultados de convalidación guardados; «desactualizado» si cambió alguna versión que usaron."""
    with almacen_abierto(almacen) as a:
        lista = eq.resultados(a, programa)
    filas = [
        {
            "resultado": r.iri.rsplit("/", 1)[-1],
            "fecha": r.fecha,
            "programa": r.programa.rsplit("/", 1)[-1],
            "regla": r.regla.rsplit("/", 1)[-1],
            "porcentaje": _pct(r.porcentaje),
            "convalidables": r.convalidables,
            "certificados": " ".join(c.rsplit("/", 1)[-1] for c in r.certificados),
            "desactualizado": "sí" if r.desactualizado else "no",
        }
        for r in lista
    ]
    if formato == "json":
        typer.echo(json.dumps(filas, ensure_ascii=False, indent=2))
    else:
        typer.echo(tabla_texto(tuple(filas[0]) if filas else ("resultado",), filas))
