"""Páginas de la interfaz web en español (``router``) y la cara HTML de los IRIs ``/id/…``.

La interfaz es HTML generado en el servidor con Jinja2: funciona sin JavaScript (el script de
``/estaticos`` solo mejora: tooltips de la matriz, confirmaciones, filtros), no carga nada de fuera
del servidor y cada respuesta lleva cabeceras de seguridad estrictas (``sesiones.CABECERAS_SEGURIDAD``).

- Páginas públicas (vista pública del almacén): portada y búsqueda, listados, fichas de marcos,
  normas, unidades, programas, instituciones y la matriz de equivalencia como mapa de calor.
- Páginas con sesión (token de la API pegado en «Entrar»; ver ``sesiones``): simulador de
  reconocimiento (lee certificados: vista completa), envíos de datos de una institución y revisión de
  sugerencias (analistas).

``instalar(app)`` monta el router y los archivos estáticos; ``pagina_recurso`` es la cara HTML que
usa ``/id/{ruta}`` (``registro.api.rutas.recursos``) cuando el cliente pide ``text/html``.
"""

from __future__ import annotations

import csv
import importlib
import io
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from starlette.types import Scope

from registro import equivalencias, hojas, ingesta
from registro import vocabulario as voc
from registro.almacen.base import Almacen, validar_iri
from registro.errores import EntradaInvalida, ErrorRegistro, NoAutorizado, NoEncontrado, Prohibido
from registro.formatos import compactar_iri
from registro.web import datos, graficos, sesiones
from registro.web.sesiones import Sesion

_log = logging.getLogger(__name__)

_CARPETA = Path(__file__).resolve().parent
PLANTILLAS = _CARPETA / "plantillas"
ESTATICOS = _CARPETA / "estaticos"

NOMBRE_REGISTRO = "Registro de Cualificaciones Perú – Chile"

NAVEGACION: tuple[tuple[str, str, str], ...] = (
    ("buscar", "/buscar", "Buscar"),
    ("marcos", "/marcos", "Marcos"),
    ("normas", "/normas", "Normas"),
    ("programas", "/programas", "Programas"),
    ("matrices", "/matrices", "Matrices"),
    ("simulador", "/simulador", "Simulador"),
    ("envios", "/envios", "Envíos"),
    ("sugerencias", "/sugerencias", "Sugerencias"),
    ("solicitudes", "/solicitudes", "Solicitudes"),
)
"""(clave, ruta, texto) del menú principal, en orden."""

FORMATOS_RDF: tuple[tuple[str, str], ...] = (
    ("ttl", "Turtle"),
    ("jsonld", "JSON-LD"),
    ("nt", "N-Triples"),
    ("rdf", "RDF/XML"),
)


# --- infraestructura -------------------------------------------------------------------------------------
class _RutaWeb(APIRoute):
    """Ruta que convierte los errores del registro en páginas HTML (no en ``problem+json``).

    Sin sesión, una página protegida redirige a «Entrar» y vuelve después a la página pedida.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def manejador(request: Request) -> Response:
            try:
                return await original(request)
            except NoAutorizado as exc:
                if request.method == "GET" and request.url.path != "/entrar":
                    destino = "/entrar?" + urlencode({"siguiente": _ruta_local(request)})
                    return _con_cabeceras(RedirectResponse(destino, status_code=303))
                return _pagina_error(request, exc)
            except ErrorRegistro as exc:
                return _pagina_error(request, exc)

        return manejador


router = APIRouter(route_class=_RutaWeb, include_in_schema=False)


class _Estaticos(StaticFiles):
    """Archivos estáticos con las mismas cabeceras de seguridad que las páginas."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        respuesta = await super().get_response(path, scope)
        respuesta.headers.update(sesiones.CABECERAS_SEGURIDAD)
        respuesta.headers.setdefault("Cache-Control", "public, max-age=3600")
        return respuesta


def instalar(app: FastAPI) -> None:
    """Añade la interfaz web a la aplicación: páginas y ``/estaticos`` (CSS, JS, iconos)."""
    app.include_router(router)
    app.mount("/estaticos", _Estaticos(directory=ESTATICOS), name="estaticos")


@cache
def _entorno() -> Environment:
    entorno = Environment(
        loader=FileSystemLoader(PLANTILLAS),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    entorno.globals.update(
        porcentaje=datos.porcentaje,
        barra=graficos.barra,
        anillo=graficos.anillo,
        enlace=datos.enlace,
        ruta_matriz=datos.ruta_matriz,
        NOMBRE_REGISTRO=NOMBRE_REGISTRO,
        NAVEGACION=NAVEGACION,
        FORMATOS_RDF=FORMATOS_RDF,
    )
    entorno.globals["ordenar_problemas"] = _ordenar_problemas
    entorno.filters["fecha"] = _fecha
    entorno.filters["decimal"] = _decimal
    return entorno


_GRAVEDAD = {"Violation": 0, "Warning": 1, "Info": 2}


def _ordenar_problemas(problemas: Sequence[Any]) -> list[Any]:
    """Errores primero, luego advertencias e informativos; dentro, en el orden del informe."""
    return sorted(problemas, key=lambda p: _GRAVEDAD.get(getattr(p, "severidad", ""), 3))


def _fecha(valor: object) -> str:
    """``2026-09-14T10:20:00+00:00`` → ``14/09/2026 10:20``; ``2026-09-14`` → ``14/09/2026``."""
    texto = str(valor or "")
    if len(texto) >= 10 and texto[4] == "-" and texto[7] == "-":
        fecha = f"{texto[8:10]}/{texto[5:7]}/{texto[0:4]}"
        if len(texto) >= 16 and texto[10] in "T ":
            return f"{fecha} {texto[11:16]}"
        return fecha
    return texto


def _decimal(valor: object) -> str:
    """Decimal con coma y sin ceros sobrantes: ``3.0`` → ``3``, ``3.50`` → ``3,5``."""
    if valor is None or valor == "":
        return "—"
    texto = str(valor)
    if "." in texto:
        texto = texto.rstrip("0").rstrip(".")
    return texto.replace(".", ",")


def _almacen(request: Request) -> Almacen:
    estado = getattr(request.app.state, "registro", None)
    almacen = getattr(estado, "almacen", None) or getattr(request.app.state, "almacen", None)
    if almacen is None:  # pragma: no cover - error de montaje
        raise ErrorRegistro("La aplicación no tiene un almacén configurado")
    return almacen


def _ruta_local(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _con_cabeceras(respuesta: Response) -> Response:
    respuesta.headers.update(sesiones.CABECERAS_SEGURIDAD)
    respuesta.headers.setdefault("Cache-Control", "no-store")
    return respuesta


def _html(
    request: Request,
    plantilla: str,
    contexto: Mapping[str, Any] | None = None,
    *,
    estado: int = 200,
    seccion: str | None = None,
    migas: Sequence[tuple[str, str | None]] = (),
    sesion_nueva: bool = False,
) -> HTMLResponse:
    """Página HTML con la sesión, el aviso de una sola vez, migas de pan y cabeceras de seguridad."""
    almacen = _almacen(request)
    cookies: list[str] = []
    sesion = (
        sesiones.asegurar_sesion(request, almacen, cookies)
        if sesion_nueva
        else sesiones.sesion_actual(request, almacen)
    )
    valores = {
        "request": request,
        "sesion": sesion,
        "csrf": sesion.csrf if sesion else "",
        "aviso": sesiones.tomar_aviso(request, sesion),
        "seccion": seccion,
        "migas": [("Inicio", "/"), *migas],
        "ruta_actual": request.url.path,
        **(contexto or {}),
    }
    cuerpo = _entorno().get_template(plantilla).render(valores)
    respuesta = HTMLResponse(cuerpo, status_code=estado)
    for ident in cookies:
        sesiones.poner_cookie(respuesta, ident)
    return _con_cabeceras(respuesta)  # type: ignore[return-value]


def _pagina_error(request: Request, exc: ErrorRegistro) -> Response:
    estado = exc.codigo_http if 400 <= exc.codigo_http < 600 else 500
    if estado >= 500:
        _log.exception("Error en la página %s", request.url.path, exc_info=exc)
    try:
        return _html(
            request, "error.html", {"error": exc, "estado": estado}, estado=estado, migas=[(exc.titulo, None)]
        )
    except Exception:  # pragma: no cover - último recurso: el error no debe ocultarse tras otro
        _log.exception("No se pudo mostrar la página de error")
        return _con_cabeceras(HTMLResponse(f"<h1>{estado}</h1>", status_code=estado))


def _opcional(nombre: str) -> Any | None:
    """Módulo de otra parte del registro (actas, sugerencias, Excel) que puede faltar en una instalación.

    Si no se puede importar (módulo o dependencia ausente, p. ej. fpdf2 para las actas), la función de
    la página correspondiente se desactiva con un aviso en vez de impedir que arranque toda la interfaz.
    """
    try:
        return importlib.import_module(nombre)
    except ImportError as exc:
        _log.warning("La interfaz web no puede usar %s: %s", nombre, exc)
        return None


def _iri_registro(texto: str) -> str:
    """Valida que un valor de formulario sea un IRI del registro (nunca otra cosa en una consulta)."""
    texto = (texto or "").strip()
    validar_iri(texto)
    if not voc.es_del_registro(texto):
        raise EntradaInvalida("El recurso indicado no pertenece al registro", detalle=texto)
    return texto


# --- portada, búsqueda y listados ------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def inicio(request: Request) -> Response:
    almacen = _almacen(request)
    cuentas = datos.conteos(almacen)
    cifras = [
        (
            "Normas de competencia",
            cuentas.get("EstandarCompetencia", 0) + cuentas.get("PerfilOcupacional", 0),
            "/normas",
        ),
        ("Unidades de competencia", cuentas.get("UnidadCompetencia", 0), "/normas"),
        ("Programas de estudios", cuentas.get("ProgramaEstudios", 0), "/programas"),
        ("Matrices de equivalencia", cuentas.get("MatrizEquivalencia", 0), "/matrices"),
        ("Correspondencias", cuentas.get("Correspondencia", 0), "/matrices"),
        ("Marcos de cualificaciones", cuentas.get("MarcoCualificaciones", 0), "/marcos"),
    ]
    return _html(
        request,
        "inicio.html",
        {"cifras": cifras, "marcos": datos.marcos(almacen)},
        seccion="inicio",
        migas=[],
    )


@router.get("/buscar", response_class=HTMLResponse)
def buscar(request: Request, q: Annotated[str, Query(max_length=200)] = "") -> Response:
    grupos = datos.buscar(_almacen(request), q) if q.strip() else {}
    total = sum(len(v) for v in grupos.values())
    return _html(
        request,
        "buscar.html",
        {"q": q, "grupos": grupos, "total": total},
        seccion="buscar",
        migas=[("Buscar", None)],
    )


@router.get("/marcos", response_class=HTMLResponse)
def marcos(request: Request) -> Response:
    return _html(
        request,
        "listado.html",
        {
            "titulo": "Marcos de cualificaciones",
            "intro": "Marcos nacionales y de referencia con sus niveles y descriptores. Las correspondencias "
            "entre niveles de distintos marcos son hipótesis de trabajo, no equivalencias oficiales.",
            "elementos": datos.marcos(_almacen(request)),
            "columna_codigo": "Sigla",
            "comparacion": datos.comparacion_marcos(_almacen(request)),
        },
        seccion="marcos",
        migas=[("Marcos", None)],
    )


@router.get("/normas", response_class=HTMLResponse)
def normas(request: Request) -> Response:
    return _html(
        request,
        "listado.html",
        {
            "titulo": "Normas de competencia laboral",
            "intro": "Estándares de competencia laboral (MTPE, Perú) y perfiles ocupacionales (ChileValora, "
            "Chile) con sus unidades de competencia.",
            "elementos": datos.normas(_almacen(request)),
            "columna_codigo": "Código",
        },
        seccion="normas",
        migas=[("Normas", None)],
    )


@router.get("/programas", response_class=HTMLResponse)
def programas(request: Request) -> Response:
    return _html(
        request,
        "listado.html",
        {
            "titulo": "Programas de estudios",
            "intro": "Programas de IEST y CETPRO (Perú) y carreras de CFT e IP (Chile) con sus módulos, "
            "unidades didácticas e indicadores de logro.",
            "elementos": datos.programas(_almacen(request)),
            "columna_codigo": "Código",
        },
        seccion="programas",
        migas=[("Programas", None)],
    )


@router.get("/matrices", response_class=HTMLResponse)
def matrices(request: Request) -> Response:
    return _html(
        request,
        "matrices.html",
        {"matrices": datos.matrices(_almacen(request))},
        seccion="matrices",
        migas=[("Matrices", None)],
    )


# --- matriz de equivalencia -----------------------------------------------------------------------------
def _vista_matriz(request: Request, inst: str, codigo: str) -> datos.MatrizVista:
    iri = str(voc.matriz(inst, codigo))
    vista = datos.matriz(_almacen(request), iri)
    if vista is None:
        raise NoEncontrado(
            f"No existe la matriz {codigo} de {inst}",
            detalle="Vea la lista de matrices publicadas en /matrices.",
        )
    return vista


def pagina_matriz(request: Request, vista: datos.MatrizVista) -> Response:
    r = vista.resumen
    return _html(
        request,
        "matriz.html",
        {
            "m": vista,
            "r": r,
            "umbral": vista.datos.regla.umbral,
            "iri": r.iri,
            "ruta_id": datos.enlace(r.iri),
        },
        seccion="matrices",
        migas=[("Matrices", "/matrices"), (r.codigo, None)],
    )


@router.get("/matrices/{inst}/{codigo}", response_class=HTMLResponse)
def matriz(request: Request, inst: str, codigo: str) -> Response:
    return pagina_matriz(request, _vista_matriz(request, inst, codigo))


@router.get("/matrices/{inst}/{codigo}/descargar")
def descargar_matriz(
    request: Request, inst: str, codigo: str, formato: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv"
) -> Response:
    """La matriz en CSV (una fila por correspondencia) o en XLSX (plantilla editable del registro)."""
    if formato == "xlsx":
        modulo = _opcional("registro.matriz_excel")
        if modulo is None:
            raise NoEncontrado(
                "La descarga en Excel no está disponible en este servidor",
                detalle="Descargue la matriz en CSV.",
            )
        resumen = datos.resumen_matriz(_almacen(request), str(voc.matriz(inst, codigo)))
        if resumen is None:
            raise NoEncontrado(f"No existe la matriz {codigo} de {inst}")
        contenido = modulo.exportar(
            _almacen(request), resumen.estandar, resumen.programa, resumen.regla or None
        )
        tipo = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        vista = _vista_matriz(request, inst, codigo)
        salida = io.StringIO()
        csv.writer(salida, lineterminator="\r\n").writerows(datos.filas_csv_matriz(vista))
        contenido = ("\ufeff" + salida.getvalue()).encode("utf-8")  # BOM: Excel abre bien las tildes
        tipo = "text/csv; charset=utf-8"
    nombre = f"matriz-{voc.segmento(codigo)}.{formato}"
    return _con_cabeceras(
        Response(
            contenido, media_type=tipo, headers={"Content-Disposition": f'attachment; filename="{nombre}"'}
        )
    )


# --- cara HTML de /id/… ----------------------------------------------------------------------------------
def pagina_recurso(request: Request, iri: str) -> Response:
    """Página HTML del recurso ``iri`` (vista pública): la plantilla depende de su clase.

    Marcos, normas (estándares y perfiles), unidades de competencia, programas, instituciones y
    matrices tienen página propia; cualquier otro recurso (criterio, indicador, nivel, regla…) se
    muestra con su descripción genérica. Un IRI sin tripletas públicas responde 404 (no revela si
    existe en datos privados).
    """
    try:
        return _pagina_recurso(request, iri)
    except NoAutorizado as exc:  # pragma: no cover - no hay páginas /id protegidas
        return _pagina_error(request, exc)
    except ErrorRegistro as exc:
        return _pagina_error(request, exc)


def _pagina_recurso(request: Request, iri: str) -> Response:
    almacen = _almacen(request)
    ficha = datos.ficha(almacen, iri)
    if ficha is None:
        raise NoEncontrado(f"No existe el recurso {iri}", detalle="Busque por nombre o código en /buscar.")
    ruta_id = datos.enlace(iri)
    comun = {"f": ficha, "iri": iri, "ruta_id": ruta_id, "datos_ficha": datos.datos_ficha(ficha)}
    clase = ficha.clase
    if clase == "MarcoCualificaciones":
        vista = datos.marco(almacen, iri)
        return _html(
            request,
            "marco.html",
            {**comun, "m": vista},
            seccion="marcos",
            migas=[("Marcos", "/marcos"), (vista.ficha.get("sigla") or ficha.titulo, None)],
        )
    if clase in ("EstandarCompetencia", "PerfilOcupacional") or _es_norma(almacen, ficha):
        return _html(
            request,
            "norma.html",
            {
                **comun,
                "n": datos.norma(almacen, iri),
                "versiones": datos.versiones_de(almacen, iri),
                "revisiones": datos.revisiones(almacen, iri),
                "matrices": [m for m in datos.matrices(almacen) if m.estandar == iri],
            },
            seccion="normas",
            migas=[("Normas", "/normas"), (ficha.valores.get("codigo") or ficha.titulo, None)],
        )
    if clase == "UnidadCompetencia":
        return _pagina_unidad(request, almacen, ficha, comun)
    if clase == "ProgramaEstudios":
        return _html(
            request,
            "programa.html",
            {
                **comun,
                "p": datos.programa(almacen, iri),
                "versiones": datos.versiones_de(almacen, iri),
                "matrices": [m for m in datos.matrices(almacen) if m.programa == iri],
            },
            seccion="programas",
            migas=[("Programas", "/programas"), (ficha.valores.get("codigo") or ficha.titulo, None)],
        )
    if clase == "MatrizEquivalencia":
        vista = datos.matriz(almacen, iri)
        if vista is not None:
            return pagina_matriz(request, vista)
    if _es_institucion(almacen, ficha):
        return _html(
            request,
            "institucion.html",
            {**comun, "publica": datos.publicado_por(almacen, iri)},
            migas=[("Instituciones", None), (ficha.valores.get("sigla") or ficha.titulo, None)],
        )
    return _pagina_generica(request, almacen, ficha, comun)


def _es_norma(almacen: Almacen, ficha: datos.Ficha) -> bool:
    return _subclase(almacen, ficha.tipo, str(voc.REG.NormaCompetencia))


def _es_institucion(almacen: Almacen, ficha: datos.Ficha) -> bool:
    return _subclase(almacen, ficha.tipo, str(voc.REG.Institucion))


def _subclase(almacen: Almacen, clase: str, madre: str) -> bool:
    res = almacen.consultar(
        "ASK { ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?m }",
        {"c": URIRef(clase), "m": URIRef(madre)},
    )
    return bool(res.booleano)


def _pagina_unidad(request: Request, almacen: Almacen, ficha: datos.Ficha, comun: dict[str, Any]) -> Response:
    """Una unidad de competencia se muestra con la estructura que tiene dentro de su norma."""
    padre = ficha.valores.get("padre")
    unidad = None
    if padre:
        unidad = next((u for u in datos.norma(almacen, padre).unidades if u.iri == ficha.iri), None)
    codigo_padre = ficha.valores.get("padreCodigo") or "Norma"
    return _html(
        request,
        "unidad.html",
        {
            **comun,
            "u": unidad,
            "padre_enlace": datos.enlace(padre),
            "versiones": datos.versiones_de(almacen, ficha.iri),
        },
        seccion="normas",
        migas=[
            ("Normas", "/normas"),
            *([(codigo_padre, datos.enlace(padre))] if padre else []),
            (ficha.valores.get("codigo") or ficha.titulo, None),
        ],
    )


def _pagina_generica(
    request: Request, almacen: Almacen, ficha: datos.Ficha, comun: dict[str, Any]
) -> Response:
    """Recurso sin plantilla propia: su descripción (propiedades y recursos relacionados)."""
    from registro.api.rutas import recursos as rutas_recursos

    grafo = rutas_recursos.describir(almacen, ficha.iri)
    etiquetas = getattr(getattr(request.app.state, "registro", None), "etiquetas", {}) or {}
    propiedades, relacionados = _descripcion(grafo, ficha.iri, etiquetas)
    return _html(
        request,
        "recurso.html",
        {**comun, "propiedades": propiedades, "relacionados": relacionados},
        migas=[(ficha.tipo_etiqueta.capitalize() or "Recurso", None)],
    )


_ETIQUETAS_EXTERNAS: dict[str, str] = {
    "http://www.w3.org/2004/02/skos/core#prefLabel": "Nombre",
    "http://www.w3.org/2004/02/skos/core#altLabel": "Sigla o nombre alternativo",
    "http://www.w3.org/2004/02/skos/core#definition": "Definición",
    "http://www.w3.org/2004/02/skos/core#notation": "Notación",
    "http://www.w3.org/2004/02/skos/core#note": "Nota",
    "http://www.w3.org/2004/02/skos/core#scopeNote": "Nota de alcance",
    "http://www.w3.org/2004/02/skos/core#inScheme": "Esquema",
    "http://www.w3.org/2004/02/skos/core#topConceptOf": "Concepto principal de",
    "http://www.w3.org/2004/02/skos/core#hasTopConcept": "Conceptos principales",
    "http://www.w3.org/2004/02/skos/core#broader": "Concepto más general",
    "http://www.w3.org/2004/02/skos/core#narrower": "Concepto más específico",
    "http://www.w3.org/2004/02/skos/core#closeMatch": "Cercano a (hipótesis)",
    "http://www.w3.org/2004/02/skos/core#exactMatch": "Equivalente exacto",
    "http://www.w3.org/2000/01/rdf-schema#label": "Etiqueta",
    "http://www.w3.org/2000/01/rdf-schema#comment": "Comentario",
    "http://purl.org/dc/terms/source": "Fuente",
    "http://purl.org/dc/terms/creator": "Autoría",
    "http://purl.org/dc/terms/date": "Fecha",
    "http://purl.org/dc/terms/publisher": "Publica",
    "http://www.w3.org/ns/prov#wasAttributedTo": "Atribuido a",
    "http://www.w3.org/ns/prov#generatedAtTime": "Generado el",
    "http://www.w3.org/ns/prov#wasDerivedFrom": "Derivado de",
    "http://www.w3.org/2002/07/owl#versionInfo": "Versión",
}
"""Nombres en español de propiedades de vocabularios externos (las del registro vienen de la ontología)."""


def _nombre_propiedad(p: str, etiquetas: Mapping[str, str]) -> str:
    nombre = etiquetas.get(p) or _ETIQUETAS_EXTERNAS.get(p) or compactar_iri(p)
    return nombre[:1].upper() + nombre[1:]


def _descripcion(grafo: Any, iri: str, etiquetas: Mapping[str, str]) -> tuple[list, list]:
    def etiqueta(nodo: Any) -> str | None:
        mejor = None
        for p in (SKOS.prefLabel, RDFS.label):
            for v in grafo.objects(nodo, p):
                if isinstance(v, Literal) and v.language == "es":
                    return str(v)
                mejor = mejor or str(v)
        return mejor

    def valor(o: Any) -> dict[str, Any]:
        if isinstance(o, Literal):
            return {"texto": str(o), "idioma": o.language, "enlace": None}
        codigo = grafo.value(o, voc.REG.codigo)
        et = etiqueta(o)
        texto = f"{codigo} — {et}" if codigo and et else (et or str(codigo or "") or compactar_iri(str(o)))
        return {"texto": texto, "idioma": None, "enlace": datos.enlace(str(o))}

    sujeto = URIRef(iri)
    props: dict[str, list[dict[str, Any]]] = {}
    for p, o in grafo.predicate_objects(sujeto):
        if p == RDF.type:
            continue
        props.setdefault(_nombre_propiedad(str(p), etiquetas), []).append(valor(o))
    rel: dict[str, list[dict[str, Any]]] = {}
    for s, p in grafo.subject_predicates(sujeto):
        if s != sujeto:
            rel.setdefault(_nombre_propiedad(str(p), etiquetas), []).append(valor(s))
    for lista in [*props.values(), *rel.values()]:
        lista.sort(key=lambda v: (v["idioma"] not in (None, "es"), v["idioma"] or "", v["texto"]))
    return sorted(props.items()), sorted(rel.items())


# --- entrar y salir -------------------------------------------------------------------------------------
def _siguiente_seguro(siguiente: str | None) -> str:
    """Solo rutas locales (evita redirecciones abiertas a otro sitio)."""
    if siguiente and siguiente.startswith("/") and not siguiente.startswith("//") and "\\" not in siguiente:
        return siguiente
    return "/"


@router.get("/entrar", response_class=HTMLResponse)
def entrar(request: Request, siguiente: str = "/") -> Response:
    return _html(
        request,
        "entrar.html",
        {"siguiente": _siguiente_seguro(siguiente), "error": None},
        sesion_nueva=True,
        migas=[("Entrar", None)],
    )


@router.post("/entrar", response_class=HTMLResponse)
def entrar_enviar(
    request: Request,
    token: Annotated[str, Form(max_length=400)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    siguiente: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    almacen = _almacen(request)
    sesiones.verificar_csrf(request, sesiones.sesion_actual(request, almacen), csrf)
    try:
        sesion = sesiones.iniciar(request, almacen, token)
    except (NoAutorizado, EntradaInvalida) as exc:
        return _html(
            request,
            "entrar.html",
            {"siguiente": _siguiente_seguro(siguiente), "error": exc},
            estado=401,
            sesion_nueva=True,
            migas=[("Entrar", None)],
        )
    respuesta = RedirectResponse(_siguiente_seguro(siguiente), status_code=303)
    sesiones.poner_cookie(respuesta, sesion.id)
    return _con_cabeceras(respuesta)


@router.post("/salir")
def salir(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    sesiones.verificar_csrf(request, sesiones.sesion_actual(request, _almacen(request)), csrf)
    sesiones.cerrar(request)
    respuesta = RedirectResponse("/", status_code=303)
    sesiones.borrar_cookie(respuesta)
    return _con_cabeceras(respuesta)


def _sesion(request: Request, roles: tuple[str, ...]) -> Sesion:
    return sesiones.exigir(sesiones.sesion_actual(request, _almacen(request)), roles)


# --- simulador -----------------------------------------------------------------------------------------
def _programas_permitidos(almacen: Almacen, sesion: Sesion) -> list[datos.Fichita]:
    """Una institución solo simula en sus propios programas; analistas y administradores, en todos."""
    todos = datos.programas(almacen)
    if sesion.rol == "institucion" and sesion.institucion:
        prefijo = voc.espacio_institucion(sesion.institucion)
        return [p for p in todos if p.iri.startswith(prefijo)]
    return todos


def _contexto_simulador(almacen: Almacen, sesion: Sesion) -> dict[str, Any]:
    return {
        "programas": _programas_permitidos(almacen, sesion),
        "certificados": datos.certificados(almacen) if sesion.rol in ("analista", "administrador") else [],
        "hoy_iso": date.today().isoformat(),
    }


@router.get("/simulador", response_class=HTMLResponse)
def simulador(request: Request) -> Response:
    sesion = _sesion(request, sesiones.ROLES_SIMULADOR)
    contexto = _contexto_simulador(_almacen(request), sesion)
    return _html(
        request,
        "simulador.html",
        {
            **contexto,
            "elegidos": [],
            "programa_elegido": None,
            "codigos": "",
            "decision": None,
            "error": None,
        },
        seccion="simulador",
        migas=[("Simulador", None)],
    )


def _certificados_pedidos(certificado: list[str], codigos: str) -> list[str]:
    pedidos = [c.strip() for c in certificado if c.strip()]
    pedidos += [c.strip() for c in codigos.replace(",", "\n").splitlines() if c.strip()]
    if len(pedidos) > 20:
        raise EntradaInvalida("Demasiados certificados", detalle="Simule con 20 certificados como máximo.")
    return datos.unicos(pedidos)


def _decidir(almacen: Almacen, sesion: Sesion, programa: str, pedidos: list[str]) -> equivalencias.Decision:
    if not programa:
        raise EntradaInvalida("Elija un programa de estudios")
    if not pedidos:
        raise EntradaInvalida("Elija o escriba al menos un certificado")
    programa = _iri_registro(programa)
    if not any(p.iri == programa for p in _programas_permitidos(almacen, sesion)):
        raise Prohibido(
            "Su institución no puede simular en ese programa",
            detalle="Una institución simula solo con sus propios programas de estudios.",
        )
    return equivalencias.convalidar(almacen, certificados=pedidos, programa=programa, guardar=False)


@router.post("/simulador", response_class=HTMLResponse)
def simulador_calcular(
    request: Request,
    csrf: Annotated[str, Form(max_length=200)] = "",
    programa: Annotated[str, Form(max_length=500)] = "",
    certificado: Annotated[list[str] | None, Form()] = None,
    codigos: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    almacen = _almacen(request)
    sesion = _sesion(request, sesiones.ROLES_SIMULADOR)
    sesiones.verificar_csrf(request, sesion, csrf)
    pedidos = _certificados_pedidos(certificado or [], codigos)
    contexto = {
        **_contexto_simulador(almacen, sesion),
        "elegidos": pedidos,
        "programa_elegido": programa,
        "codigos": codigos,
        "decision": None,
        "error": None,
    }
    try:
        contexto["decision"] = _decidir(almacen, sesion, programa, pedidos)
    except (
        EntradaInvalida,
        NoEncontrado,
        equivalencias.ReglaInaplicable,
        equivalencias.UnidadSinIndicadores,
    ) as exc:
        contexto["error"] = exc
        return _html(
            request,
            "simulador.html",
            contexto,
            estado=exc.codigo_http,
            seccion="simulador",
            migas=[("Simulador", "/simulador"), ("Resultado", None)],
        )
    contexto["acta_disponible"] = _funcion_acta() is not None
    return _html(
        request,
        "simulador.html",
        contexto,
        seccion="simulador",
        migas=[("Simulador", "/simulador"), ("Resultado", None)],
    )


def _funcion_acta() -> Callable[..., Any] | None:
    """``registro.acta.pdf`` (decisión → PDF), o ``None`` si las actas no están disponibles."""
    modulo = _opcional("registro.acta")
    funcion = getattr(modulo, "pdf", None) if modulo is not None else None
    return funcion if callable(funcion) else None


@router.post("/simulador/acta")
def simulador_acta(
    request: Request,
    csrf: Annotated[str, Form(max_length=200)] = "",
    programa: Annotated[str, Form(max_length=500)] = "",
    certificado: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Acta de reconocimiento en PDF de la simulación (el resultado se guarda con su procedencia)."""
    almacen = _almacen(request)
    sesion = _sesion(request, sesiones.ROLES_SIMULADOR)
    sesiones.verificar_csrf(request, sesion, csrf)
    funcion = _funcion_acta()
    if funcion is None:
        raise NoEncontrado("La generación de actas no está disponible en este servidor")
    decision = _decidir(almacen, sesion, programa, _certificados_pedidos(certificado or [], ""))
    decision = equivalencias.guardar_resultado(almacen, decision)
    contenido = funcion(decision)
    nombre = f"acta-{voc.segmento(decision.programa_codigo)}.pdf"
    return _con_cabeceras(
        Response(
            bytes(contenido),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{nombre}"'},
        )
    )


# --- envíos ----------------------------------------------------------------------------------------------
def _institucion_envio(request: Request, sesion: Sesion, pedida: str | None) -> str | None:
    if sesion.rol == "institucion":
        return sesion.institucion
    if pedida:
        codigos = {c for c, _n in datos.instituciones_codigos(_almacen(request))}
        if pedida not in codigos:
            raise EntradaInvalida(f"Institución desconocida: «{pedida}»")
        return pedida
    return None


def _contexto_envios(request: Request, sesion: Sesion, institucion: str | None) -> dict[str, Any]:
    almacen = _almacen(request)
    return {
        "institucion": institucion,
        "instituciones": datos.instituciones_codigos(almacen) if sesion.rol == "administrador" else [],
        "historial": datos.historial(almacen, institucion) if institucion else [],
        "resultado": None,
        "modo": "enviar",
        "error": None,
        "errores_planilla": [],
    }


@router.get("/envios", response_class=HTMLResponse)
def envios(request: Request, institucion: str | None = None) -> Response:
    sesion = _sesion(request, sesiones.ROLES_ENVIOS)
    contexto = _contexto_envios(request, sesion, _institucion_envio(request, sesion, institucion))
    return _html(request, "envios.html", contexto, seccion="envios", migas=[("Envíos", None)])


@router.post("/envios", response_class=HTMLResponse)
def envios_enviar(
    request: Request,
    archivo: Annotated[UploadFile | None, File()] = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
    clave: Annotated[str, Form(max_length=128)] = "",
    institucion: Annotated[str, Form(max_length=64)] = "",
    modo: Annotated[str, Form(pattern="^(enviar|validar)$")] = "enviar",
) -> Response:
    almacen = _almacen(request)
    sesion = _sesion(request, sesiones.ROLES_ENVIOS)
    sesiones.verificar_csrf(request, sesion, csrf)
    inst = _institucion_envio(request, sesion, institucion or None)
    if not inst:
        raise EntradaInvalida("Elija la institución que envía los datos")
    contexto = _contexto_envios(request, sesion, inst)
    contexto["modo"] = modo
    nombre = (archivo.filename or "envio") if archivo is not None else ""
    contenido = archivo.file.read() if archivo is not None else b""
    if not contenido:
        contexto["error"] = EntradaInvalida(
            "Elija un archivo para enviar",
            detalle="RDF (Turtle, JSON-LD, RDF/XML, N-Triples, TriG) o la planilla .xlsx.",
        )
        return _html(
            request,
            "envios.html",
            contexto,
            estado=400,
            seccion="envios",
            migas=[("Envíos", "/envios"), ("Informe", None)],
        )
    try:
        if modo == "validar":
            informe = ingesta.validar_contenido(
                almacen, contenido, nombre=nombre, institucion=inst, clave=clave or None
            )
            contexto["resultado"] = {
                "aceptado": informe.conforme,
                "informe": informe,
                "validacion": True,
                "version": None,
                "clave": clave,
                "sin_cambios": False,
                "triples": None,
            }
        else:
            res = ingesta.enviar(
                almacen,
                contenido,
                institucion=inst,
                nombre=nombre,
                clave=clave or None,
                agente=str(voc.credencial(sesion.credencial)) if sesion.credencial else None,
            )
            contexto["resultado"] = {
                "aceptado": res.aceptado,
                "informe": res.informe,
                "validacion": False,
                "version": res.version,
                "clave": res.clave,
                "sin_cambios": res.sin_cambios,
                "triples": res.triples,
            }
            contexto["historial"] = datos.historial(almacen, inst)
    except hojas.PlanillaInvalida as exc:
        contexto["errores_planilla"] = [
            (e.celda.texto() if e.celda is not None else "", e.mensaje, e.correccion) for e in exc.errores
        ]
        return _html(
            request,
            "envios.html",
            contexto,
            estado=422,
            seccion="envios",
            migas=[("Envíos", "/envios"), ("Informe", None)],
        )
    except EntradaInvalida as exc:
        contexto["error"] = exc
        return _html(
            request,
            "envios.html",
            contexto,
            estado=exc.codigo_http,
            seccion="envios",
            migas=[("Envíos", "/envios"), ("Informe", None)],
        )
    aceptado = contexto["resultado"]["aceptado"]
    return _html(
        request,
        "envios.html",
        contexto,
        estado=200 if aceptado else 422,
        seccion="envios",
        migas=[("Envíos", "/envios"), ("Informe", None)],
    )


# --- sugerencias -----------------------------------------------------------------------------------------
def _modulo_sugerencias() -> Any | None:
    return _opcional("registro.sugerencias")


@router.get("/sugerencias", response_class=HTMLResponse)
def sugerencias(
    request: Request, estado: Annotated[str, Query(pattern="^(sugerida|aprobada|rechazada)$")] = "sugerida"
) -> Response:
    _sesion(request, sesiones.ROLES_SUGERENCIAS)
    lista = datos.sugerencias(_almacen(request), estado)
    return _html(
        request,
        "sugerencias.html",
        {
            "sugerencias": lista,
            "estado": estado,
            "disponible": _modulo_sugerencias() is not None,
            "valoraciones": (("total", "Total"), ("parcial", "Parcial"), ("nula", "Nula")),
        },
        seccion="sugerencias",
        migas=[("Sugerencias", None)],
    )


@router.post("/sugerencias")
def sugerencias_decidir(
    request: Request,
    csrf: Annotated[str, Form(max_length=200)] = "",
    correspondencia: Annotated[str, Form(max_length=500)] = "",
    accion: Annotated[str, Form(pattern="^(aprobar|rechazar)$")] = "aprobar",
    valoracion: Annotated[str, Form(pattern="^[a-z-]{0,40}$")] = "",
    nota: Annotated[str, Form(max_length=2000)] = "",
    volver: Annotated[str, Form(max_length=500)] = "/sugerencias",
) -> Response:
    almacen = _almacen(request)
    sesion = _sesion(request, sesiones.ROLES_SUGERENCIAS)
    sesiones.verificar_csrf(request, sesion, csrf)
    modulo = _modulo_sugerencias()
    if modulo is None:
        raise NoEncontrado("La revisión de sugerencias no está disponible en este servidor")
    iri = _iri_registro(correspondencia)
    revisor = f"{sesion.nombre_rol.capitalize()} del registro (credencial {sesion.credencial})"
    agente = str(voc.credencial(sesion.credencial)) if sesion.credencial else None
    if accion == "aprobar":
        if not valoracion:
            raise EntradaInvalida("Elija la valoración con la que aprueba la correspondencia")
        modulo.aprobar(almacen, iri, valoracion, revisor, justificacion=nota.strip() or None, agente=agente)
        mensaje = (
            f"Correspondencia aprobada como «{valoracion}»: ya cuenta en la matriz y en las convalidaciones."
        )
    else:
        modulo.rechazar(almacen, iri, revisor, justificacion=nota.strip() or None, agente=agente)
        mensaje = "Correspondencia rechazada: no cuenta en ningún cálculo."
    sesiones.dejar_aviso(request, sesion, mensaje)
    return _con_cabeceras(RedirectResponse(_siguiente_seguro(volver), status_code=303))


def ruta_busqueda(texto: str) -> str:
    """Enlace a la búsqueda de ``texto`` (para otras páginas y pruebas)."""
    return "/buscar?q=" + quote(texto)
