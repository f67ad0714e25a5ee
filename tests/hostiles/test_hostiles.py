"""Corpus hostil (``generar.py``) por las tres vías de entrada: ``validar_contenido``, ``enviar`` y HTTP.

Para cada caso se comprueba que (1) las tres vías lo rechazan con un error del registro —nunca una
excepción de una biblioteca— cuyo texto está en español y nombra el problema esperado; (2) el almacén no
cambió (huella del volcado idéntica antes y después); (3) el proceso sigue sano (``/salud`` responde).
Al final, un envío normal se acepta por la API en el mismo proceso y el mismo almacén.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registro import acceso, ingesta
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.api import crear_app
from registro.errores import ErrorRegistro
from tests.fiabilidad.entorno import (
    INST,
    LIMITE,
    bearer,
    clonar,
    configuracion,
    es_espanol,
    huella,
    programa_modificado,
)
from tests.hostiles import generar

CASOS = generar.casos()
RECHAZOS: Counter[str] = Counter()
"""Vía → casos rechazados limpiamente (se informa al final del módulo)."""


@dataclass
class Entorno:
    almacen: AlmacenOxigraph
    cliente: TestClient
    token: str
    huella: str


@pytest.fixture(scope="module")
def entorno(tmp_path_factory: pytest.TempPathFactory, volcado_piloto: bytes) -> Iterator[Entorno]:
    a = clonar(volcado_piloto, Path(tmp_path_factory.mktemp("hostiles")) / "almacen")
    token = acceso.emitir(a, rol="institucion", institucion=INST).token
    with TestClient(crear_app(configuracion(), almacen=a)) as c:
        yield Entorno(a, c, token, huella(a))
    a.cerrar()


def _rechazo(llamada: Callable[[], object]) -> str:
    """Texto del rechazo: el ``ErrorRegistro`` lanzado, o el informe de un resultado no conforme."""
    try:
        resultado = llamada()
    except ErrorRegistro as exc:
        return str(exc)
    conforme = getattr(resultado, "aceptado", getattr(resultado, "conforme", None))
    assert conforme is False, f"el envío hostil se aceptó: {resultado}"
    informe = getattr(resultado, "informe", resultado)
    return informe.texto()  # type: ignore[attr-defined]


def _comprobar_texto(caso: generar.Caso, texto: str, via: str) -> None:
    assert es_espanol(texto), f"{via}: mensaje no está en español: {texto[:300]}"
    assert any(f in texto.lower() for f in caso.espera), f"{via}: se esperaba {caso.espera} en: {texto[:600]}"


@pytest.mark.parametrize("caso", CASOS, ids=[c.nombre for c in CASOS])
def test_envio_hostil_se_rechaza_por_las_tres_vias_sin_escribir(entorno: Entorno, caso: generar.Caso) -> None:
    a, contenido = entorno.almacen, caso.contenido
    argumentos = {"nombre": caso.archivo, "formato": caso.formato, "institucion": INST, "limite": LIMITE}

    cuadruplas = len(a.store)  # control barato tras cada vía; la huella completa, al final del caso
    texto = _rechazo(lambda: ingesta.validar_contenido(a, contenido, **argumentos))  # type: ignore[arg-type]
    _comprobar_texto(caso, texto, "validar_contenido")
    assert len(a.store) == cuadruplas
    RECHAZOS["validar_contenido"] += 1

    texto = _rechazo(lambda: ingesta.enviar(a, contenido, **argumentos))  # type: ignore[arg-type]
    _comprobar_texto(caso, texto, "enviar")
    assert len(a.store) == cuadruplas
    RECHAZOS["enviar"] += 1

    r = entorno.cliente.post(
        "/api/envios",
        files={"archivo": (caso.archivo, contenido, "application/octet-stream")},
        headers=bearer(entorno.token),
    )
    assert r.status_code in {400, 403, 413, 415, 422}, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/problem+json")
    cuerpo = r.json()
    texto = " ".join(str(cuerpo.get(k, "")) for k in ("title", "detail", "informe_texto"))
    assert es_espanol(texto), texto[:300]
    if r.status_code != 413:  # el 413 del intermediario corta antes de leer: no sabe qué había dentro
        _comprobar_texto(caso, texto, "HTTP")
    assert huella(a) == entorno.huella
    RECHAZOS["http"] += 1

    assert entorno.cliente.get("/salud").status_code == 200


def test_despues_del_corpus_un_envio_normal_se_acepta(entorno: Entorno) -> None:
    """El proceso y el almacén siguen sanos: el mismo cliente publica una versión nueva."""
    a = entorno.almacen
    informe = ingesta.validar_contenido(
        a, programa_modificado("2031"), nombre="programa-telecom.ttl", institucion=INST, limite=LIMITE
    )
    assert informe.conforme, informe.texto()
    r = entorno.cliente.post(
        "/api/envios",
        files={"archivo": ("programa-telecom.ttl", programa_modificado("2031"), "text/turtle")},
        headers=bearer(entorno.token),
    )
    assert r.status_code == 201, r.text[:800]
    assert huella(a) != entorno.huella
    if sum(RECHAZOS.values()):
        print(f"\nCorpus hostil: {len(CASOS)} casos; rechazos limpios por vía: {dict(RECHAZOS)}")
    if RECHAZOS["http"] == len(CASOS):
        assert (
            Counter({"validar_contenido": len(CASOS), "enviar": len(CASOS), "http": len(CASOS)}) == RECHAZOS
        )
