"""El único lugar que localiza y lee los archivos propios del registro.

En un checkout los activos están en la raíz del repositorio (``ontologia/``, ``datos_ttl/``,
``consultas_sparql/``); instalado como rueda, el empaquetado los copia a ``registro/_activos/``.
Buscar primero en el paquete y luego en el checkout permite las dos formas sin configurar nada.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from registro.errores import ErrorActivos

_PAQUETE = Path(__file__).resolve().parent
_CARPETAS = ("ontologia", "datos_ttl", "consultas_sparql")


@cache
def carpeta(nombre: str) -> Path:
    """Ruta de una carpeta de activos (``ontologia``, ``datos_ttl`` o ``consultas_sparql``)."""
    if nombre not in _CARPETAS:
        raise ErrorActivos(f"Carpeta de activos desconocida: {nombre!r}")
    for candidata in (_PAQUETE / "_activos" / nombre, _PAQUETE.parent / nombre):
        if candidata.is_dir():
            return candidata
    raise ErrorActivos(
        f"No se encuentra la carpeta de activos {nombre!r}",
        detalle="Reinstale el paquete (pip install .) o ejecute desde un checkout completo.",
    )


def archivos(nombre: str, patron: str = "*") -> list[Path]:
    """Archivos de una carpeta de activos, recursivamente y en orden estable."""
    return sorted(p for p in carpeta(nombre).rglob(patron) if p.is_file())


def ruta(nombre: str, relativa: str) -> Path:
    """Ruta de un archivo concreto dentro de una carpeta de activos (debe existir)."""
    destino = carpeta(nombre) / relativa
    if not destino.is_file():
        raise ErrorActivos(f"Falta el archivo del registro {nombre}/{relativa}")
    return destino


def leer_bytes(nombre: str, relativa: str) -> bytes:
    return ruta(nombre, relativa).read_bytes()


def leer_texto(nombre: str, relativa: str) -> str:
    return ruta(nombre, relativa).read_text(encoding="utf-8")


@cache
def huella_ontologia() -> str:
    """SHA-256 (16 hex) de ontología + formas: identifica la versión de formas usada en un envío."""
    h = hashlib.sha256()
    for p in archivos("ontologia", "*.ttl"):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]
