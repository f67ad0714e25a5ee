"""Plantillas de planilla (``registro.hojas``): generación, conversión con la forma del piloto, errores
ubicados por hoja, fila y columna, archivos hostiles, variante CSV y CLI.

Las planillas se construyen en cada prueba a partir de la plantilla generada y rellenada con openpyxl
con el contenido de los archivos piloto (``datos_ttl/piloto``): así «misma forma RDF que el piloto» se
comprueba como isomorfismo de grafos. La fila 2 de ejemplo (gris) se deja en su sitio: el conversor
debe ignorarla. «No se escribió nada» se comprueba comparando el volcado N-Quads del almacén.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import functools
import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS
from typer.testing import CliRunner

from registro import arranque, hojas, ingesta, recursos
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.cli import app
from registro.errores import EntradaDemasiadoGrande, EntradaInvalida, EntradaPeligrosa
from registro.hojas import lectura
from registro.vocabulario import ID, REG

LIMITE = 20 * 1024 * 1024
PROGRAMA = URIRef(f"{ID}inst/iest-piloto/programa/PE-TEL-01")
UD_TEL101 = f"{PROGRAMA}/ud/TEL-101"
runner = CliRunner()


# =================================================================================================
# Contenido del piloto como filas de planilla
# =================================================================================================


@functools.cache
def _piloto_cache(relativa: str) -> Graph:
    g = Graph()
    g.parse(data=(recursos.carpeta("datos_ttl") / "piloto" / relativa).read_bytes(), format="turtle")
    return g


def _piloto(relativa: str) -> Graph:
    """Grafo de un archivo piloto (leído una vez; se devuelve una copia para que nadie lo altere)."""
    copia = Graph()
    copia += _piloto_cache(relativa)
    return copia


@functools.cache
def _plantilla(tipo: str, formato: str = "xlsx") -> bytes:
    return hojas.generar_plantilla(tipo, formato)


def _es(g: Graph, s: object, idioma: str = "es") -> str | None:
    return next((str(o) for o in g.objects(s, SKOS.prefLabel) if o.language == idioma), None)  # type: ignore[arg-type]


def _seg(iri: object) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _num(g: Graph, s: object) -> str:
    return str(g.value(s, REG.numero))  # type: ignore[arg-type]


IEST = "iest-piloto/programa-telecom.ttl"


def datos_programa(relativa: str = IEST) -> dict[str, object]:
    """Un programa del piloto como ficha y filas de la plantilla «programa» (copia modificable)."""
    return copy.deepcopy(_datos_programa(relativa))


@functools.cache
def _datos_programa(relativa: str) -> dict[str, object]:
    g, estandar = _piloto(relativa), _piloto("mtpe/estandar-instalacion-telecom.ttl")
    prog = next(g.subjects(RDF.type, REG.ProgramaEstudios))

    def orden(x: object) -> int:
        return int(g.value(x, REG.orden))  # type: ignore[arg-type]

    def valor(s: object, p: URIRef, convertir: Callable[[object], object] = str) -> object | None:
        v = g.value(s, p)  # type: ignore[arg-type]
        return None if v is None else convertir(v.toPython() if hasattr(v, "toPython") else v)

    nivel = str(g.value(prog, REG.nivel))
    ficha = {
        "Código": valor(prog, REG.codigo),
        "Nombre": _es(g, prog),
        "Nombre en inglés": _es(g, prog, "en"),
        "Descripción": valor(prog, SKOS.definition),
        "Versión": valor(prog, REG.version),
        "Institución": _seg(g.value(prog, REG.ofrecidoPor)),
        "País": _seg(g.value(prog, REG.pais)),
        "Nivel formativo": valor(prog, REG.nivelFormativo),
        "Marco de cualificaciones": nivel.split("/")[-3],
        "Nivel": int(_seg(nivel)),
        "Sector": _seg(g.value(prog, REG.sector)),
        "Campo de educación (CINE-F)": _seg(g.value(prog, REG.campoEducacion)),
        "Horas": valor(prog, REG.horas, int),
        "Vigente desde": valor(prog, REG.vigenteDesde, lambda d: d),
    }
    modulos, uds, capacidades, indicadores = [], [], [], []
    for m in sorted(g.objects(prog, REG.tieneModulo), key=orden):
        uc = g.value(m, REG.unidadCompetenciaAsociada)
        codigo_m = str(g.value(m, REG.codigo))
        modulos.append(
            {
                "N.º": orden(m),
                "Código": codigo_m,
                "Nombre": _es(g, m),
                "Créditos": valor(m, REG.creditos, float),
                "Horas": valor(m, REG.horas, int),
                "Unidad de competencia asociada": str(estandar.value(uc, REG.codigo)) if uc else None,
            }
        )
        padres = [("Módulo", codigo_m, m)]
        for u in sorted(g.objects(m, REG.tieneUnidadDidactica), key=orden):
            codigo = str(g.value(u, REG.codigo))
            padres.append(("Unidad didáctica", codigo, u))
            uds.append(
                {
                    "Módulo": codigo_m,
                    "Código": codigo,
                    "Nombre": _es(g, u),
                    "Ciclo": valor(u, REG.ciclo),
                    "Créditos": valor(u, REG.creditos, float),
                    "Horas de teoría": valor(u, REG.horasTeoria, int),
                    "Horas de práctica": valor(u, REG.horasPractica, int),
                    "Horas": valor(u, REG.horas, int),
                }
            )
        for columna, codigo, padre in padres:
            for c in sorted(g.objects(padre, REG.tieneCapacidad), key=orden):
                capacidades.append({columna: codigo, "N.º": orden(c), "Enunciado": _es(g, c)})
                for i in sorted(g.objects(c, REG.tieneIndicador), key=orden):
                    indicadores.append({columna: codigo, "Capacidad": orden(c), "Enunciado": _es(g, i)})
    return {
        "Programa": ficha,
        "Módulos": modulos,
        "Unidades didácticas": uds,
        "Capacidades": capacidades,
        "Indicadores": indicadores,
    }


def datos_norma(relativa: str, inst: str, norma: str, *, perfil: bool) -> dict[str, object]:
    """Un estándar o perfil del piloto como ficha y filas de la plantilla «norma» (todas sus hojas)."""
    g = _piloto(relativa)
    n = URIRef(f"{ID}inst/{inst}/{norma}")
    ficha = {
        "Tipo": "perfil ocupacional" if perfil else "estándar de competencia",
        "Código": str(g.value(n, REG.codigo)),
        "Versión": str(g.value(n, REG.version)),
        "Nombre": _es(g, n),
        "Nombre en inglés": _es(g, n, "en"),
        "Propósito": str(g.value(n, REG.proposito)),
        "Área ocupacional": str(g.value(n, REG.areaOcupacional)),
        "Institución emisora": inst,
        "País": _seg(g.value(n, REG.pais)),
        "Sector": _seg(g.value(n, REG.sector)),
        "Subsector": str(g.value(n, REG.subsector)),
        "Marco de cualificaciones": str(g.value(n, REG.nivel)).split("/")[-3],
        "Nivel": int(_seg(g.value(n, REG.nivel))),
        "Ocupación (CIUO-08)": _seg(g.value(n, REG.ocupacion)),
        "Actividad económica (CIIU)": _seg(g.value(n, REG.actividadEconomica)),
        "Estado de vigencia": str(g.value(n, REG.estadoVigencia)),
        "Vigente desde": g.value(n, REG.vigenteDesde).toPython(),  # type: ignore[union-attr]
        "Vigente hasta": g.value(n, REG.vigenteHasta).toPython(),  # type: ignore[union-attr]
    }
    hojas_: dict[str, list[dict[str, object]]] = {
        h: []
        for h in (
            "Unidades",
            "Actividades clave",
            "Criterios",
            "Conocimientos",
            "Habilidades",
            "Competencias transversales",
            "Evidencias",
            "Contextos",
        )
    }
    if perfil:
        unidades = [
            (int(g.value(i, REG.orden)), g.value(i, REG.unidad), i) for i in g.objects(n, REG.inclusion)
        ]  # type: ignore[arg-type]
    else:
        unidades = [(int(_num(g, u)), u, None) for u in g.objects(n, REG.tieneUnidad)]
    padres: list[tuple[str | None, object]] = [(None, n)]
    for numero, u, inclusion in sorted(unidades, key=lambda t: t[0]):
        codigo = str(g.value(u, REG.codigo))
        padres.append((codigo, u))
        fila: dict[str, object] = {
            "N.º": numero,
            "Código": codigo,
            "Nombre": _es(g, u),
            "Nombre en inglés": _es(g, u, "en"),
        }
        if int(_seg(g.value(u, REG.nivel))) != ficha["Nivel"]:
            fila["Nivel"] = int(_seg(g.value(u, REG.nivel)))
        if perfil:
            fila["Proceso principal"] = str(g.value(u, REG.procesoPrincipal))
            fila["Transversal"] = "sí" if g.value(inclusion, REG.transversal).toPython() else "no"  # type: ignore[union-attr]
        hojas_["Unidades"].append(fila)
        for a in sorted(g.objects(u, REG.tieneActividad), key=lambda x: _num(g, x)):
            hojas_["Actividades clave"].append({"Unidad": codigo, "N.º": _num(g, a), "Enunciado": _es(g, a)})
            for c in sorted(g.objects(a, REG.tieneCriterio), key=lambda x: _num(g, x)):
                hojas_["Criterios"].append(
                    {"Unidad": codigo, "Actividad": _num(g, a), "Enunciado": _es(g, c)}
                )
        for c in sorted(g.objects(u, REG.tieneCriterio), key=lambda x: _num(g, x)):
            hojas_["Criterios"].append({"Unidad": codigo, "N.º": _num(g, c), "Enunciado": _es(g, c)})
        for prop, hoja in (
            (REG.tieneConocimiento, "Conocimientos"),
            (REG.tieneHabilidad, "Habilidades"),
            (REG.tieneCompetenciaTransversal, "Competencias transversales"),
        ):
            for c in sorted(g.objects(u, prop), key=lambda x: _num(g, x)):
                hojas_[hoja].append({"Unidad": codigo, "N.º": _num(g, c), "Enunciado": _es(g, c)})
    for codigo, padre in padres:
        for e in sorted(g.objects(padre, REG.tieneRequisitoEvidencia), key=lambda x: int(_seg(x))):
            hojas_["Evidencias"].append(
                {
                    "Unidad": codigo,
                    "Tipo de evidencia": str(g.value(e, REG.tipoEvidencia)),
                    "Descripción": _es(g, e),
                }
            )
        for c in sorted(g.objects(padre, REG.tieneContexto), key=lambda x: int(_seg(x))):
            hojas_["Contextos"].append(
                {
                    "Unidad": codigo,
                    "N.º": int(_seg(c)),
                    "Tipo de contexto": _es(g, c),
                    "Texto": str(g.value(c, REG.texto)),
                }
            )
    return {"Norma": ficha, **hojas_}


# =================================================================================================
# Rellenar plantillas
# =================================================================================================


def rellenar_xlsx(
    tipo: str, datos: dict[str, object], ajustar: Callable[[openpyxl.Workbook], None] | None = None
) -> bytes:
    """Plantilla generada y rellenada desde la fila 3 (la fila 2 de ejemplo queda intacta)."""
    libro = openpyxl.load_workbook(io.BytesIO(_plantilla(tipo)))
    for nombre, contenido in datos.items():
        ws = libro[nombre]
        if isinstance(contenido, dict):
            for fila in ws.iter_rows(min_row=2):
                campo = str(fila[0].value).removesuffix(" *")
                if campo in contenido:
                    fila[1].value = contenido[campo]
            continue
        cabecera = [str(c.value).removesuffix(" *") for c in ws[1]]
        for n, valores in enumerate(contenido, start=3):  # type: ignore[arg-type]
            for clave, valor in valores.items():
                ws.cell(row=n, column=cabecera.index(clave) + 1, value=valor)
    if ajustar is not None:
        ajustar(libro)
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def rellenar_csv(tipo: str, datos: dict[str, object]) -> bytes:
    """Variante CSV: el .zip generado, con cada CSV reescrito con los datos (separador «;»)."""
    origen = zipfile.ZipFile(io.BytesIO(_plantilla(tipo, "csv")))
    plantilla = hojas.tipo_plantilla(tipo)
    salida = io.BytesIO()
    with zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("LEAME.txt", origen.read("LEAME.txt"))
        for hoja in plantilla.hojas:
            filas = list(csv.reader(io.StringIO(origen.read(hoja.archivo).decode("utf-8-sig"))))
            contenido = datos.get(hoja.nombre, [])
            texto = io.StringIO()
            escritor = csv.writer(texto, delimiter=";", lineterminator="\n")
            if isinstance(contenido, dict):
                escritor.writerow(filas[0])
                for f in filas[1:]:
                    valor = contenido.get(f[0].removesuffix(" *"))
                    escritor.writerow([f[0], _texto(valor), f[2], f[3]])
            else:
                cabecera = [c.removesuffix(" *") for c in filas[0]]
                escritor.writerows(filas)  # encabezado y fila de ejemplo
                for valores in contenido:  # type: ignore[union-attr]
                    escritor.writerow([_texto(valores.get(c)) for c in cabecera])
            z.writestr(hoja.archivo, texto.getvalue().encode("utf-8"))
    return salida.getvalue()


def _texto(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


# =================================================================================================
# Almacén
# =================================================================================================


@pytest.fixture(scope="session")
def volcado_base() -> bytes:
    """Ontología + referencia (``arranque.iniciar`` sin piloto) + el estándar MTPE que cita el programa."""
    a = AlmacenOxigraph(None)
    arranque.iniciar(a, con_piloto=False)
    ruta = recursos.carpeta("datos_ttl") / "piloto" / "mtpe" / "estandar-instalacion-telecom.ttl"
    r = ingesta.enviar(a, ruta.read_bytes(), institucion="mtpe", nombre=ruta.name)
    assert r.aceptado, r.informe.texto()
    salida = io.BytesIO()
    a.volcar(salida, "nquads")
    return salida.getvalue()


@pytest.fixture
def almacen(tmp_path: Path, volcado_base: bytes):
    a = AlmacenOxigraph(tmp_path / "almacen")
    a.cargar(volcado_base, "nquads")
    yield a
    a.cerrar()


@pytest.fixture(scope="module")
def almacen_lectura(tmp_path_factory: pytest.TempPathFactory, volcado_base: bytes):
    """Almacén en disco compartido por las pruebas de rechazo (cada una comprueba que nada cambió)."""
    a = AlmacenOxigraph(tmp_path_factory.mktemp("hojas") / "almacen")
    a.cargar(volcado_base, "nquads")
    yield a
    a.cerrar()


def volcado(a: AlmacenOxigraph) -> list[str]:
    salida = io.BytesIO()
    a.volcar(salida, "nquads")
    return sorted(salida.getvalue().decode("utf-8").splitlines())


@pytest.fixture(scope="session")
def planilla_programa() -> bytes:
    return rellenar_xlsx("programa", datos_programa())


def _con(datos: dict[str, object], hoja: str, indice: int, **cambios: object) -> dict[str, object]:
    """Copia de ``datos`` con cambios en una fila (``indice`` desde 0) de una hoja."""
    copia = {k: (list(v) if isinstance(v, list) else dict(v)) for k, v in datos.items()}  # type: ignore[call-overload]
    filas = copia[hoja]
    filas[indice] = {**filas[indice], **{k.replace("_", " "): v for k, v in cambios.items()}}  # type: ignore[index]
    return copia


# =================================================================================================
# Generación de plantillas
# =================================================================================================


def test_plantilla_programa_abre_con_sus_hojas_encabezados_y_ayudas() -> None:
    libro = openpyxl.load_workbook(io.BytesIO(hojas.generar_plantilla("programa")))
    assert libro.sheetnames == [
        "Léame",
        "Programa",
        "Módulos",
        "Unidades didácticas",
        "Capacidades",
        "Indicadores",
        "Listas",
    ]
    assert libro["Listas"].sheet_state == "hidden"
    ud = libro["Unidades didácticas"]
    assert [c.value for c in ud[1]] == [
        "Módulo *",
        "N.º",
        "Código *",
        "Nombre *",
        "Ciclo",
        "Créditos *",
        "Horas de teoría",
        "Horas de práctica",
        "Horas",
    ]
    assert ud.freeze_panes == "A2"
    assert ud["F1"].comment is not None and "16" in ud["F1"].comment.text
    assert ud["C2"].value == "TEL-101" and ud["C2"].font.i  # fila de ejemplo en gris cursiva
    validaciones = {str(dv.sqref): dv for dv in ud.data_validations.dataValidation}
    assert validaciones["E2:E1000"].type == "list"  # ciclo I–VI desde la hoja oculta «Listas»
    columna = next(col for col in libro["Listas"].iter_cols() if col[0].value == "ciclos")
    ciclos = [c.value for c in columna[1:] if c.value is not None]
    assert ciclos == ["I", "II", "III", "IV", "V", "VI"]
    campos = [c.value for c in libro["Programa"]["A"]]
    assert campos[:3] == ["Campo", "Código *", "Nombre *"] and "Nivel" in campos
    assert [c.value for c in libro["Indicadores"][1]] == [
        "Unidad didáctica",
        "Módulo",
        "Capacidad",
        "N.º",
        "Enunciado *",
        "Peso",
    ]
    leame = "\n".join(str(c.value or "") for c in libro["Léame"]["A"])
    assert "registro validar" in leame and "fórmulas" in leame and "16" in leame


def test_plantilla_norma_csv_es_un_zip_con_un_csv_por_hoja() -> None:
    z = zipfile.ZipFile(io.BytesIO(hojas.generar_plantilla("estandar", "csv")))
    assert set(z.namelist()) == {
        "LEAME.txt",
        "norma.csv",
        "unidades.csv",
        "actividades-clave.csv",
        "criterios.csv",
        "conocimientos.csv",
        "habilidades.csv",
        "competencias-transversales.csv",
        "evidencias.csv",
        "contextos.csv",
    }
    criterios = list(csv.reader(io.StringIO(z.read("criterios.csv").decode("utf-8-sig"))))
    assert criterios[0] == ["Unidad *", "Actividad", "N.º", "Enunciado *"]
    libro = openpyxl.load_workbook(io.BytesIO(hojas.generar_plantilla("estandar")))
    assert libro.sheetnames[:6] == [
        "Léame",
        "Norma",
        "Unidades",
        "Actividades clave",
        "Criterios",
        "Conocimientos",
    ]


# =================================================================================================
# Conversión: la misma forma RDF que el piloto
# =================================================================================================


def test_programa_del_piloto_en_planilla_da_el_mismo_grafo(almacen_lectura, planilla_programa: bytes) -> None:
    conversion = hojas.convertir(
        planilla_programa, nombre="programa.xlsx", limite=LIMITE, almacen=almacen_lectura
    )
    assert isomorphic(conversion.grafo, _piloto("iest-piloto/programa-telecom.ttl"))
    assert conversion.raiz == PROGRAMA and conversion.institucion == "iest-piloto"
    assert (
        conversion.ubicaciones.textos()[f"{PROGRAMA}/ud/TEL-102"]
        == "hoja «Unidades didácticas», fila 4, columna C («Código»)"
    )


@pytest.mark.parametrize(
    "archivo", ["cetpro-piloto/programa-instalador.ttl", "cft-piloto/carrera-telecom.ttl"]
)
def test_programas_cetpro_y_cft_del_piloto_dan_el_mismo_grafo(almacen_lectura, archivo: str) -> None:
    """CETPRO: capacidades terminales e indicadores bajo el módulo; CFT: horas totales y créditos SCT."""
    planilla = rellenar_xlsx("programa", datos_programa(archivo))
    conversion = hojas.convertir(planilla, nombre="p.xlsx", limite=LIMITE, almacen=almacen_lectura)
    assert isomorphic(_decimales_canonicos(conversion.grafo), _decimales_canonicos(_piloto(archivo)))


def _decimales_canonicos(g: Graph) -> Graph:
    """El piloto escribe créditos «6» o «6.0»; la planilla da siempre «6.0»: se comparan por valor."""
    from rdflib.namespace import XSD  # local: pytest avisa al inspeccionar XSD entre los globales

    salida = Graph()
    for s_, p_, o in g:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(format(o.toPython().normalize(), "f"), datatype=XSD.decimal)
        salida.add((s_, p_, o))
    return salida


@pytest.mark.parametrize(
    ("archivo", "inst", "norma", "perfil"),
    [
        ("chilevalora/perfil-instalador-internet.ttl", "chilevalora", "perfil/P-6110-7422-001-V01", True),
        ("mtpe/estandar-instalacion-telecom.ttl", "mtpe", "estandar/ECL-TEL-001", False),
    ],
)
def test_normas_del_piloto_en_planilla_dan_el_mismo_grafo(
    archivo: str, inst: str, norma: str, perfil: bool
) -> None:
    planilla = rellenar_xlsx("estandar", datos_norma(archivo, inst, norma, perfil=perfil))
    conversion = hojas.convertir(planilla, nombre="norma.xlsx", limite=LIMITE)
    assert isomorphic(conversion.grafo, _piloto(archivo))


def test_programa_en_planilla_se_publica_como_version_nueva(almacen, planilla_programa: bytes) -> None:
    r = ingesta.enviar(almacen, planilla_programa, institucion="iest-piloto", nombre="programa-telecom.xlsx")
    assert r.aceptado, r.informe.texto()
    assert r.version is not None and r.version.numero == 1 and r.clave == "programa-telecom"
    assert r.triples == len(_piloto("iest-piloto/programa-telecom.ttl"))
    otra = rellenar_xlsx(
        "programa", _con(datos_programa(), "Indicadores", 0, Enunciado="Selecciona materiales.")
    )
    r2 = ingesta.enviar(almacen, otra, institucion="iest-piloto", nombre="programa-telecom.xlsx")
    assert r2.aceptado and r2.version is not None and r2.version.numero == 2
    assert r2.version.anterior == r.version.grafo


# =================================================================================================
# Errores del conversor: hoja, fila, columna y cómo corregir; nada se escribe
# =================================================================================================


def _rechazo(almacen, contenido: bytes, nombre: str = "programa.xlsx", tipo=EntradaInvalida) -> str:
    antes = volcado(almacen)
    with pytest.raises(tipo) as exc:
        ingesta.enviar(almacen, contenido, institucion="iest-piloto", nombre=nombre)
    assert volcado(almacen) == antes
    return str(exc.value)


def test_columna_que_falta_nombra_hoja_y_columna(almacen_lectura) -> None:
    def quitar(libro):
        libro["Unidades didácticas"]["F1"] = None

    texto = _rechazo(almacen_lectura, rellenar_xlsx("programa", datos_programa(), quitar))
    assert "Falta la columna «Créditos» en la hoja «Unidades didácticas»" in texto
    assert isinstance(_excepcion(rellenar_xlsx("programa", datos_programa(), quitar)), hojas.PlanillaInvalida)


def test_columna_renombrada_sugiere_el_nombre_de_la_plantilla() -> None:
    def renombrar(libro):
        libro["Unidades didácticas"]["F1"] = "Creditos UD"

    texto = str(_excepcion(rellenar_xlsx("programa", datos_programa(), renombrar)))
    assert "Columna desconocida «Creditos UD»" in texto
    assert "¿Es la columna «Créditos» con otro nombre?" in texto
    assert "hoja «Unidades didácticas», fila 1, columna F" in texto


def test_celdas_combinadas_nombran_hoja_y_rango(almacen_lectura) -> None:
    def combinar(libro):
        libro["Módulos"].merge_cells("C5:D5")

    texto = _rechazo(almacen_lectura, rellenar_xlsx("programa", datos_programa(), combinar))
    assert "celdas combinadas (C5:D5)" in texto and "hoja «Módulos», fila 5, columna C" in texto


def test_formula_se_rechaza_sin_evaluarla(almacen_lectura) -> None:
    def formula(libro):
        libro["Unidades didácticas"]["F3"] = "=G3/16+H3/32"

    texto = _rechazo(almacen_lectura, rellenar_xlsx("programa", datos_programa(), formula))
    assert "fórmula (=G3/16+H3/32)" in texto and "nunca evalúa" in texto
    assert "hoja «Unidades didácticas», fila 3, columna F («Créditos»)" in texto


def test_errores_de_contenido_se_informan_juntos_con_su_celda() -> None:
    datos = datos_programa()
    datos["Módulos"] = [*datos["Módulos"], {"N.º": 5, "Código": "MF1", "Nombre": "Repetido"}]  # type: ignore[list-item]
    datos["Unidades didácticas"] = [
        *datos["Unidades didácticas"],  # type: ignore[list-item]
        {"Módulo": "MF9", "Código": "X-1", "Nombre": "Sin módulo", "Créditos": 1},
    ]
    datos = _con(datos, "Unidades didácticas", 1, Créditos="tres")
    datos = _con(datos, "Indicadores", 2, Enunciado=None)
    exc = _excepcion(rellenar_xlsx("programa", datos))
    assert isinstance(exc, hojas.PlanillaInvalida)
    textos = [e.texto() for e in exc.errores]
    esperados = [
        "hoja «Módulos», fila 7, columna B («Código»): El código de módulo «MF1» está repetido "
        "(también en la fila 3).",
        "hoja «Unidades didácticas», fila 11, columna A («Módulo»): El módulo «MF9» no existe en la "
        "hoja «Módulos».",
        "hoja «Unidades didácticas», fila 4, columna F («Créditos»): «tres» no es un número.",
        "hoja «Indicadores», fila 5, columna E («Enunciado»): Falta el valor obligatorio «Enunciado».",
    ]
    for esperado in esperados:
        assert any(t.startswith(esperado) for t in textos), (esperado, textos)
    assert len(exc.errores) == 4


def test_planilla_de_otra_institucion_se_rechaza(almacen_lectura, planilla_programa: bytes) -> None:
    antes = volcado(almacen_lectura)
    with pytest.raises(hojas.PlanillaInvalida, match="se envía como «cetpro-piloto»"):
        ingesta.enviar(almacen_lectura, planilla_programa, institucion="cetpro-piloto", nombre="p.xlsx")
    assert volcado(almacen_lectura) == antes


def _excepcion(contenido: bytes, nombre: str = "programa.xlsx") -> Exception:
    with pytest.raises(EntradaInvalida) as exc:
        hojas.convertir(contenido, nombre=nombre, limite=LIMITE, resolutor=lambda c: [URIRef(f"{ID}x/{c}")])
    return exc.value


# =================================================================================================
# Problemas SHACL ubicados en la planilla
# =================================================================================================


def test_problemas_shacl_apuntan_a_hoja_fila_y_columna(almacen_lectura) -> None:
    datos = _con(datos_programa(), "Unidades didácticas", 0, Créditos=4.0)  # 32/16 + 32/32 = 3, no 4
    datos["Indicadores"] = [f for f in datos["Indicadores"] if f["Unidad didáctica"] != "TEL-102"]  # type: ignore[union-attr,index]
    antes = volcado(almacen_lectura)
    r = ingesta.enviar(
        almacen_lectura, rellenar_xlsx("programa", datos), institucion="iest-piloto", nombre="p.xlsx"
    )
    assert not r.aceptado and volcado(almacen_lectura) == antes
    creditos = next(p for p in r.informe.problemas if p.foco == UD_TEL101 and p.ruta == "reg:creditos")
    assert creditos.ubicacion == "hoja «Unidades didácticas», fila 3, columna F («Créditos»)"
    assert creditos.codigo == "TEL-101"
    sin_indicadores = next(p for p in r.informe.problemas if p.foco == f"{PROGRAMA}/ud/TEL-102/capacidad/1")
    assert sin_indicadores.ubicacion is not None and sin_indicadores.ubicacion.startswith(
        "hoja «Capacidades», fila 4"
    )
    assert "(hoja «Unidades didácticas», fila 3, columna F («Créditos»))" in r.informe.texto()
    informe = ingesta.validar_contenido(almacen_lectura, rellenar_xlsx("programa", datos), nombre="p.xlsx")
    assert any(p.ubicacion == creditos.ubicacion for p in informe.problemas)


# =================================================================================================
# Archivos hostiles: rechazados antes de openpyxl, nada se escribe
# =================================================================================================


def _zip_con(base: bytes, extra: dict[str, bytes]) -> bytes:
    origen = zipfile.ZipFile(io.BytesIO(base))
    salida = io.BytesIO()
    with zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as z:
        for info in origen.infolist():
            z.writestr(info, origen.read(info))
        for nombre, datos in extra.items():
            z.writestr(nombre, datos)
    return salida.getvalue()


def test_bomba_zip_disfrazada_de_xlsx_se_rechaza_por_su_razon(
    almacen_lectura, planilla_programa: bytes
) -> None:
    bomba = _zip_con(planilla_programa, {"xl/media/relleno.bin": b"\0" * (4 * 1024 * 1024)})
    assert len(bomba) < 100_000
    texto = _rechazo(almacen_lectura, bomba, tipo=EntradaPeligrosa)
    assert "bomba ZIP" in texto and "relleno.bin" in texto


def test_tamano_declarado_en_el_directorio_se_mira_antes_de_descomprimir(
    almacen_lectura, planilla_programa: bytes
) -> None:
    datos = bytearray(planilla_programa)
    central = datos.find(b"PK\x01\x02")
    assert central > 0
    datos[central + 24 : central + 28] = struct.pack("<I", 0xF0000000)  # tamaño descomprimido: 4 GB
    texto = _rechazo(almacen_lectura, bytes(datos), tipo=EntradaPeligrosa)
    assert "bomba ZIP" in texto


def test_archivo_que_no_es_zip_se_rechaza(almacen_lectura) -> None:
    texto = _rechazo(almacen_lectura, b"Codigo;Nombre\nPE-TEL-01;Programa\n", nombre="programa.xlsx")
    assert "no es un libro .xlsx" in texto


def test_xlsm_y_vbaproject_se_rechazan(almacen_lectura, planilla_programa: bytes) -> None:
    assert "macros" in _rechazo(
        almacen_lectura, planilla_programa, nombre="programa.xlsm", tipo=EntradaPeligrosa
    )
    con_vba = _zip_con(planilla_programa, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    assert "vbaProject.bin" in _rechazo(almacen_lectura, con_vba, tipo=EntradaPeligrosa)


def test_dtd_dentro_del_xlsx_se_rechaza(almacen_lectura, planilla_programa: bytes) -> None:
    dtd = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>'
    texto = _rechazo(
        almacen_lectura, _zip_con(planilla_programa, {"xl/extra.xml": dtd}), tipo=EntradaPeligrosa
    )
    assert "DOCTYPE" in texto


def test_demasiadas_filas_se_rechazan(almacen_lectura, planilla_programa: bytes, monkeypatch) -> None:
    monkeypatch.setattr(lectura, "FILAS_MAXIMAS", 20)
    texto = _rechazo(almacen_lectura, planilla_programa, tipo=EntradaDemasiadoGrande)
    assert "«Indicadores» tiene más de 20 filas" in texto


# =================================================================================================
# Variante CSV
# =================================================================================================


def test_variante_csv_da_el_mismo_grafo_y_ubica_por_archivo(almacen) -> None:
    datos = datos_programa()
    conversion = hojas.convertir(
        rellenar_csv("programa", datos), nombre="programa.zip", limite=LIMITE, almacen=almacen
    )
    assert isomorphic(conversion.grafo, _piloto("iest-piloto/programa-telecom.ttl"))
    malo = rellenar_csv("programa", _con(datos, "Unidades didácticas", 0, Créditos=4))
    r = ingesta.enviar(almacen, malo, institucion="iest-piloto", nombre="programa.zip")
    assert not r.aceptado
    problema = next(p for p in r.informe.problemas if p.foco == UD_TEL101 and p.ruta == "reg:creditos")
    assert problema.ubicacion == "archivo «unidades-didacticas.csv», fila 3, columna F («Créditos»)"
    ok = ingesta.enviar(
        almacen, rellenar_csv("programa", datos), institucion="iest-piloto", nombre="programa.zip"
    )
    assert ok.aceptado, ok.informe.texto()


def test_variante_csv_rechaza_formulas_y_csv_suelto() -> None:
    datos = _con(datos_programa(), "Unidades didácticas", 0, Créditos="=G3/16+H3/32")
    texto = str(_excepcion(rellenar_csv("programa", datos), nombre="programa.zip"))
    assert "archivo «unidades-didacticas.csv», fila 3, columna F («Créditos»)" in texto and "fórmula" in texto
    assert "CSV suelto" in str(_excepcion(b"Campo;Valor\n", nombre="programa.csv"))


# =================================================================================================
# CLI
# =================================================================================================


@pytest.fixture
def ruta_almacen(tmp_path: Path, volcado_base: bytes) -> str:
    ruta = tmp_path / "almacen-cli"
    a = AlmacenOxigraph(ruta)
    a.cargar(volcado_base, "nquads")
    a.cerrar()
    return str(ruta)


def test_cli_plantilla_validar_y_enviar(tmp_path: Path, ruta_almacen: str, planilla_programa: bytes) -> None:
    vacia = tmp_path / "x.xlsx"
    r = runner.invoke(app, ["plantilla", "programa", "--salida", str(vacia)])
    assert r.exit_code == 0, r.output
    assert "Programa" in openpyxl.load_workbook(vacia, read_only=True).sheetnames
    assert runner.invoke(app, ["plantilla", "programa", "--salida", str(vacia)]).exit_code == 2  # ya existe
    csv_zip = tmp_path / "x.zip"
    assert (
        runner.invoke(app, ["plantilla", "estandar", "--formato", "csv", "-o", str(csv_zip)]).exit_code == 0
    )
    assert zipfile.is_zipfile(csv_zip)

    r = runner.invoke(app, ["validar", str(vacia), "--almacen", ruta_almacen])
    assert r.exit_code == 2 and "hoja «Programa», fila 2, columna B («Código»)" in r.output

    llena = tmp_path / "programa-telecom.xlsx"
    llena.write_bytes(planilla_programa)
    r = runner.invoke(app, ["validar", str(llena), "--institucion", "iest-piloto", "--almacen", ruta_almacen])
    assert r.exit_code == 0, r.output

    mala = tmp_path / "mala.xlsx"
    mala.write_bytes(
        rellenar_xlsx("programa", _con(datos_programa(), "Unidades didácticas", 0, Créditos=4.0))
    )
    r = runner.invoke(app, ["validar", str(mala), "--almacen", ruta_almacen])
    assert r.exit_code == 1 and "hoja «Unidades didácticas», fila 3, columna F («Créditos»)" in r.output

    r = runner.invoke(app, ["enviar", str(llena), "--institucion", "iest-piloto", "--almacen", ruta_almacen])
    assert r.exit_code == 0 and "Versión 1 publicada" in r.output, r.output
