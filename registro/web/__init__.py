"""Interfaz web en español para analistas e instituciones (HTML generado en el servidor).

``registro.web.paginas.router`` contiene las páginas; ``instalar(app)`` las monta en la aplicación
junto con los archivos estáticos de ``/estaticos``. La lógica de datos está en ``datos`` (consultas
``consultas_sparql/web-*.rq``), la seguridad de sesión en ``sesiones`` y los gráficos SVG en
``graficos``.
"""

from __future__ import annotations

__all__ = ["instalar"]


def instalar(app) -> None:
    """Monta las páginas web y ``/estaticos`` en ``app`` (ver ``paginas.instalar``)."""
    from registro.web.paginas import instalar as _instalar
    from registro.web.solicitudes import router as _solicitudes

    _instalar(app)
    app.include_router(_solicitudes)
