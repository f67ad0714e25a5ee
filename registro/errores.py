"""Jerarquía única de errores del registro, con mensajes en español.

Los errores de bibliotecas de terceros (rdflib, pyoxigraph, pyshacl, openpyxl) se traducen a estas
clases en la frontera donde ocurren, añadiendo el contexto que necesita quien usa el registro: qué
elemento, qué línea, cómo corregirlo. La CLI y la API solo conocen esta jerarquía.
"""

from __future__ import annotations


class ErrorRegistro(Exception):
    """Raíz de todos los errores del registro.

    ``mensaje`` es el texto para personas (español); ``detalle`` añade dónde ocurrió y cómo
    corregirlo. ``codigo_http`` lo usa la API para elegir el estado de la respuesta.
    """

    codigo_http = 500
    titulo = "Error interno del registro"

    def __init__(self, mensaje: str, *, detalle: str | None = None, donde: str | None = None) -> None:
        super().__init__(mensaje)
        self.mensaje = mensaje
        self.detalle = detalle
        self.donde = donde

    def __str__(self) -> str:
        partes = [self.mensaje]
        if self.donde:
            partes.append(f"(en {self.donde})")
        if self.detalle:
            partes.append(f"— {self.detalle}")
        return " ".join(partes)


class EntradaInvalida(ErrorRegistro):
    """El archivo o parámetro recibido no se puede leer (sintaxis, formato, tamaño)."""

    codigo_http = 400
    titulo = "Entrada inválida"


class FormatoDesconocido(EntradaInvalida):
    """No se reconoce el formato del archivo."""

    titulo = "Formato desconocido"


class EntradaDemasiadoGrande(EntradaInvalida):
    """La entrada supera el límite de tamaño configurado."""

    codigo_http = 413
    titulo = "Entrada demasiado grande"


class EntradaPeligrosa(EntradaInvalida):
    """La entrada intenta algo prohibido (entidades XML, contextos remotos, federación)."""

    titulo = "Entrada rechazada por seguridad"


class NoConforme(ErrorRegistro):
    """Los datos no cumplen las formas SHACL o las reglas de propiedad; nada se escribió."""

    codigo_http = 422
    titulo = "Datos no conformes"

    def __init__(self, mensaje: str, *, informe: object | None = None, **kwargs: str | None) -> None:
        super().__init__(mensaje, **kwargs)
        self.informe = informe


class NoEncontrado(ErrorRegistro):
    """El recurso, la consulta o el código pedido no existe en el registro."""

    codigo_http = 404
    titulo = "No encontrado"


class ErrorConsulta(ErrorRegistro):
    """Una consulta SPARQL es inválida o falló al ejecutarse."""

    codigo_http = 400
    titulo = "Consulta SPARQL inválida"


class ConsultaProhibida(ErrorConsulta):
    """La consulta intenta escribir o federar (UPDATE, LOAD, SERVICE) en un punto de solo lectura."""

    codigo_http = 403
    titulo = "Consulta no permitida"


class ConsultaDemasiadoAmplia(ErrorConsulta):
    """El servidor SPARQL no acepta el conjunto de datos que la consulta necesita (p. ej. Virtuoso y una
    lista de miles de grafos con nombre para ``GRAPH ?g``): reescribirla más acotada lo resuelve."""

    codigo_http = 400
    titulo = "Consulta demasiado amplia para el servidor SPARQL"


class TiempoAgotado(ErrorConsulta):
    """La consulta superó el tiempo máximo permitido."""

    codigo_http = 503
    titulo = "Tiempo de consulta agotado"


class ErrorAlmacen(ErrorRegistro):
    """El almacén no está disponible o falló una escritura (no se escribió nada)."""

    codigo_http = 503
    titulo = "Almacén no disponible"


class ErrorActivos(ErrorRegistro):
    """Falta o está dañado un archivo del propio registro (ontología, consultas, datos)."""

    titulo = "Archivo del registro dañado o ausente"


class NoAutorizado(ErrorRegistro):
    """Falta la credencial o no es válida."""

    codigo_http = 401
    titulo = "No autorizado"


class Prohibido(ErrorRegistro):
    """La credencial es válida pero no permite esta acción (rol o espacio de nombres ajeno)."""

    codigo_http = 403
    titulo = "Acción no permitida"


class ConflictoEstado(ErrorRegistro):
    """La acción no corresponde al estado actual del recurso (p. ej. un paso fuera de orden)."""

    codigo_http = 409
    titulo = "Conflicto de estado"
