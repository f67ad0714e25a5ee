"""REST: búsquedas sin tildes, filtros, paginación con ``Link`` y parámetros inválidos."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import ESTANDAR_MTPE, PERFIL_CL, PROGRAMA_IEST


def _iris(r) -> list[str]:
    return [e["iri"] for e in r.json()["elementos"]]


@pytest.mark.parametrize("q", ["telecomunicacion", "TELECOMUNICACIÓN", "Telecomunicación", "telecomunicaci"])
def test_busqueda_sin_tildes_ni_mayusculas(cliente, q):
    r = cliente.get("/api/programas", params={"q": q})
    assert r.status_code == 200
    assert PROGRAMA_IEST in _iris(r)


@pytest.mark.parametrize("q", ["instalacion", "INSTALACIÓN", "instalación"])
def test_busqueda_encuentra_etiqueta_con_tilde(cliente, q):
    # La etiqueta de ECL-TEL-001 empieza por «Instalación, mantenimiento y reparación…».
    assert ESTANDAR_MTPE in _iris(cliente.get("/api/estandares", params={"q": q}))


def test_busqueda_por_codigo_y_sin_resultados(cliente):
    assert _iris(cliente.get("/api/estandares", params={"q": "ecl-tel-001"})) == [ESTANDAR_MTPE]
    r = cliente.get("/api/estandares", params={"q": "astronautica"})
    assert r.status_code == 200 and r.json()["total"] == 0 and r.json()["elementos"] == []


def test_filtros_por_pais_y_nivel(cliente):
    assert _iris(cliente.get("/api/estandares", params={"pais": "PE"})) == [ESTANDAR_MTPE]
    assert _iris(cliente.get("/api/estandares", params={"pais": "CL"})) == [PERFIL_CL]
    assert _iris(cliente.get("/api/estandares", params={"nivel": "mctp-3"})) == [PERFIL_CL]
    assert _iris(cliente.get("/api/programas", params={"nivel": "mncp/4", "institucion": "iest-piloto"})) == [
        PROGRAMA_IEST
    ]
    r = cliente.get("/api/estandares", params={"institucion": "mtpe", "sector": "telecomunicaciones"})
    assert _iris(r) == [ESTANDAR_MTPE]


def test_ficha_de_estandar(cliente):
    e = cliente.get("/api/estandares", params={"q": "ECL-TEL-001"}).json()["elementos"][0]
    assert e["codigo"] == "ECL-TEL-001"
    assert e["pais"]["codigo"] == "PE"
    assert e["institucion"]["iri"].endswith("/inst/mtpe")
    assert e["enlace"] == "/id/inst/mtpe/estandar/ECL-TEL-001"
    assert e["unidades"] == 3


def test_paginacion_con_link(cliente):
    r = cliente.get("/api/instituciones", params={"por_pagina": 3, "pagina": 2})
    assert r.status_code == 200
    cuerpo = r.json()
    total = cuerpo["total"]
    assert total >= 7 and cuerpo["paginas"] == -(-total // 3)
    assert r.headers["x-total-count"] == str(total)
    enlaces = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', r.headers["link"]))
    assert set(enlaces) == {"first", "prev", "next", "last"}
    assert "pagina=1&" in enlaces["first"] and "pagina=3&" in enlaces["next"]
    assert f"pagina={cuerpo['paginas']}&" in enlaces["last"]
    assert all("por_pagina=3" in u for u in enlaces.values())
    # Las páginas no se solapan y juntas dan el total.
    vistos = []
    for n in range(1, cuerpo["paginas"] + 1):
        vistos += _iris(cliente.get("/api/instituciones", params={"por_pagina": 3, "pagina": n}))
    assert len(vistos) == len(set(vistos)) == total


def test_primera_pagina_sin_prev(cliente):
    r = cliente.get("/api/programas", params={"por_pagina": 100})
    assert 'rel="prev"' not in r.headers["link"] and 'rel="next"' not in r.headers["link"]


@pytest.mark.parametrize(
    ("url", "estado", "texto"),
    [
        ("/api/programas?por_pagina=101", 422, "menor o igual que 100"),
        ("/api/programas?por_pagina=0", 422, "mayor o igual que 1"),
        ("/api/programas?pagina=dos", 422, "número entero"),
        ("/api/programas?sectr=x", 400, "Parámetro desconocido: «sectr»"),
        ("/api/estandares?nivel=cinco", 400, "Nivel mal escrito"),
        ("/api/mapeos?estado=quizas", 422, "debe ser uno de"),
        ("/api/instituciones?tipo=Marciano", 400, "Tipo de institución desconocido"),
        ("/api/marcos/xyz/niveles", 404, "No existe el marco"),
        ("/api/marcos/mn%20cp/niveles", 422, "caracteres no admitidos"),
        ("/api/equivalencias?estandar=ECL-TEL-001", 422, "falta este parámetro obligatorio"),
        ("/api/equivalencias?estandar=NO-EXISTE&programa=PE-TEL-01", 404, "NO-EXISTE"),
        ("/api/cambios?desde=ayer", 422, "ISO 8601"),
        ("/api/nada", 404, "no existe"),
    ],
)
def test_parametros_invalidos_en_espanol(cliente, url, estado, texto):
    r = cliente.get(url)
    assert r.status_code == estado, r.text
    assert r.headers["content-type"] == "application/problem+json"
    cuerpo = r.json()
    assert cuerpo["status"] == estado
    assert texto in cuerpo["detail"]


def test_metodo_no_permitido(cliente):
    r = cliente.delete("/api/programas")
    assert r.status_code == 405
    assert r.json()["title"] == "Método no permitido"


def test_marcos_y_niveles(cliente):
    marcos = {m["codigo"]: m for m in cliente.get("/api/marcos").json()["elementos"]}
    assert {"mncp", "mctp", "eqf"} <= set(marcos)
    assert marcos["mncp"]["niveles"] == 8 and marcos["mctp"]["niveles"] == 5
    niveles = cliente.get("/api/marcos/mncp/niveles").json()
    assert [n["numero"] for n in niveles] == list(range(1, 9))
    assert _iris(cliente.get("/api/marcos", params={"q": "tecnico-profesional"}))[0].endswith("/marco/mctp")


def test_mapeos_filtrados(cliente):
    todos = cliente.get("/api/mapeos").json()
    assert todos["total"] >= 3
    exactos = cliente.get("/api/mapeos", params={"predicado": "exactMatch", "estado": "aprobada"}).json()
    assert exactos["total"] >= 1
    assert all(
        m["predicado"] == "skos:exactMatch" and m["estado"]["codigo"] == "aprobada"
        for m in exactos["elementos"]
    )


def test_equivalencias_estandar_programa(cliente):
    r = cliente.get("/api/equivalencias", params={"estandar": "ECL-TEL-001", "programa": "PE-TEL-01"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["programa"] == PROGRAMA_IEST and d["estandar"] == ESTANDAR_MTPE
    assert d["regla"]["umbral"] == "0.80" or d["regla"]["umbral"].startswith("0.8")
    assert d["unidades"] and all("porcentaje" in u for u in d["unidades"])
    assert 0 <= float(d["cobertura_norma"]) <= 1
    assert d["celdas"]


def test_openapi_en_espanol_y_docs_sin_cdn(cliente):
    esquema = cliente.get("/openapi.json").json()
    assert esquema["paths"]["/api/programas"]["get"]["summary"] == "Buscar programas de estudios"
    assert {"SPARQL", "Datos enlazados", "Envíos"} <= {t["name"] for t in esquema["tags"]}
    docs = cliente.get("/docs").text
    assert "/docs/recursos/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert cliente.get("/docs/recursos/swagger-ui-bundle.js").status_code == 200
