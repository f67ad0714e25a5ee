"""Las pruebas del corpus hostil usan las mismas fixtures que las de fiabilidad."""

from tests.fiabilidad.conftest import piloto_disco, volcado_piloto  # noqa: F401
