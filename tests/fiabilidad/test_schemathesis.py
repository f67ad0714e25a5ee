"""Schemathesis contra el esquema OpenAPI de la aplicación real: ningún 5xx, con o sin token.

La aplicación (``crear_app`` sobre una copia del piloto) corre en uvicorn en 127.0.0.1; el esquema se
lee de su ``/openapi.json``. Las operaciones que piden token reciben uno de administrador (el rol que
más puede hacer); el límite de tasa está desactivado. La única comprobación es ``not_a_server_error``:
los 4xx son respuestas válidas a datos generados al azar. El número de ejemplos por operación es bajo
(la suite debe ser rápida); se cuentan las llamadas en ``LLAMADAS``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from registro import acceso
from registro.api import crear_app
from tests.fiabilidad.entorno import bearer, clonar, configuracion, servidor_hilo

LLAMADAS: Counter[str] = Counter()

# El esquema no necesita la aplicación arrancada: se genera al importar (sin almacén abierto).
esquema = schemathesis.openapi.from_dict(crear_app(configuracion()).openapi())
esquema.config.phases.coverage.enabled = False  # la fase de cobertura multiplica las llamadas (~8×)


@pytest.fixture(scope="module")
def servidor(tmp_path_factory: pytest.TempPathFactory, volcado_piloto: bytes) -> Iterator[dict[str, str]]:
    """uvicorn sobre una copia del piloto, con un token de administrador para las operaciones protegidas."""
    a = clonar(volcado_piloto, Path(tmp_path_factory.mktemp("schemathesis")) / "almacen")
    token = acceso.emitir(a, rol="administrador").token
    with servidor_hilo(a, configuracion(trabajadores_sparql=0, tiempo_maximo_consulta=5.0)) as url:
        yield {"url": url, "token": token}
    a.cerrar()


@esquema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_ninguna_operacion_responde_5xx(case: schemathesis.Case, servidor: dict[str, str]) -> None:
    cabeceras = bearer(servidor["token"]) if case.operation.definition.raw.get("security") else None
    respuesta = case.call(base_url=servidor["url"], headers=cabeceras, timeout=60)
    LLAMADAS[case.operation.label] += 1
    LLAMADAS["total"] += 1
    case.validate_response(respuesta, checks=[not_a_server_error])


def test_cuenta_de_llamadas() -> None:
    if LLAMADAS:
        print(f"\nSchemathesis: {LLAMADAS['total']} llamadas en {len(LLAMADAS) - 1} operaciones, ningún 5xx")
