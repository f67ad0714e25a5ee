"""Configuración tipada del registro, leída de variables de entorno con prefijo ``REGISTRO_``.

Un solo objeto inmutable (``Configuracion``) viaja de la CLI o de la fábrica de la API hacia abajo;
ningún módulo lee el entorno por su cuenta, así las pruebas construyen configuraciones explícitas.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from registro.errores import EntradaInvalida

_PREFIJO = "REGISTRO_"


def _almacen_por_defecto() -> str:
    """Carpeta del almacén embebido: ``./.registro`` (predecible para quien empieza)."""
    return str(Path.cwd() / ".registro")


@dataclass(frozen=True)
class Configuracion:
    """Parámetros de funcionamiento; todos tienen un valor por defecto razonable."""

    almacen: str = field(default_factory=_almacen_por_defecto)
    """Carpeta del almacén Oxigraph embebido, ``memoria`` o ``http(s)://…`` (servidor SPARQL)."""
    url_actualizacion: str | None = None
    """URL de SPARQL Update del servidor remoto (si difiere de la de consulta)."""
    url_almacen_grafos: str | None = None
    """URL del Graph Store Protocol del servidor remoto."""
    usuario_remoto: str | None = None
    clave_remota: str | None = None
    host: str = "127.0.0.1"
    puerto: int = 8000
    base_publica: str = "http://127.0.0.1:8000"
    """Dirección pública del servicio, para enlaces absolutos en respuestas HTTP."""
    tamano_maximo_envio: int = 20 * 1024 * 1024
    """Bytes máximos de un archivo enviado o cargado por la API."""
    tiempo_maximo_consulta: float = 10.0
    """Segundos máximos de una consulta SPARQL pública."""
    filas_maximas_consulta: int = 10_000
    """Filas máximas devueltas por el punto SPARQL público."""
    trabajadores_sparql: int = 2
    """Procesos que evalúan las consultas SPARQL públicas (0: en el servidor, sin corte real por tiempo)."""
    limite_tasa: float = 100.0
    """Peticiones por segundo sostenidas por cliente (token o IP) en la API y la web; 0 lo desactiva."""
    rafaga_tasa: int = 1000
    """Peticiones seguidas que un cliente puede hacer antes de que se note ``limite_tasa`` (429)."""

    @classmethod
    def desde_entorno(cls, **sobrescrituras: object) -> Configuracion:
        """Construye la configuración desde ``REGISTRO_*``; los argumentos explícitos mandan."""
        valores: dict[str, object] = {}
        for nombre, campo in cls.__dataclass_fields__.items():
            crudo = os.environ.get(_PREFIJO + nombre.upper())
            if crudo is None:
                continue
            valores[nombre] = _convertir(nombre, crudo, campo.type)
        valores.update({k: v for k, v in sobrescrituras.items() if v is not None})
        return cls(**valores)  # type: ignore[arg-type]

    def con(self, **cambios: object) -> Configuracion:
        """Copia con cambios (la configuración es inmutable)."""
        return replace(self, **cambios)  # type: ignore[arg-type]

    @property
    def es_remoto(self) -> bool:
        return self.almacen.startswith(("http://", "https://"))


def _convertir(nombre: str, crudo: str, tipo: object) -> object:
    tipo_txt = str(tipo)
    try:
        if tipo_txt.startswith("int"):
            return int(crudo)
        if tipo_txt.startswith("float"):
            return float(crudo)
    except ValueError as exc:
        raise EntradaInvalida(
            f"La variable de entorno {_PREFIJO}{nombre.upper()} tiene un valor no numérico: {crudo!r}",
            detalle="Corrija el valor o elimine la variable para usar el valor por defecto.",
        ) from exc
    return crudo
