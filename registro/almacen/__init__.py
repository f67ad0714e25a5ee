"""Almacenes RDF: Oxigraph embebido (por defecto) o un servidor SPARQL 1.1 remoto.

``abrir(config)`` elige el backend según ``config.almacen``: una carpeta, ``memoria`` o
``http(s)://…``. El resto del paquete solo usa la interfaz de ``base.Almacen``.
"""

from __future__ import annotations

from registro.almacen.base import Almacen, ResultadoConsulta, Vista, VistaGrafos
from registro.configuracion import Configuracion

__all__ = ["Almacen", "ResultadoConsulta", "Vista", "VistaGrafos", "abrir"]


def abrir(config: Configuracion) -> Almacen:
    """Abre el almacén configurado."""
    if config.es_remoto:
        from registro.almacen.remoto import AlmacenRemoto

        return AlmacenRemoto.desde_configuracion(config)
    from registro.almacen.oxigraph import AlmacenOxigraph

    if config.almacen in {"memoria", ":memory:"}:
        return AlmacenOxigraph(None)
    return AlmacenOxigraph(config.almacen)
