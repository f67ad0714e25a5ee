"""registro: registro de cualificaciones en datos enlazados (Perú – Chile).

El paquete sigue el flujo de datos de docs/DISENO: análisis → validación → almacén → consultas →
equivalencias → API/CLI/exportaciones. Nada por debajo de ``api`` y ``cli`` importa FastAPI ni Typer.
"""

__version__ = "0.1.0"
