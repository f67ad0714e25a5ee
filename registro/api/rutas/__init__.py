"""Un router por recurso de la API (ver ``registro.api.crear_app``)."""
