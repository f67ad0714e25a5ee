"""Credenciales de la API: tokens al portador con institución y rol.

Por qué así:

- El token es aleatorio (``secrets.token_urlsafe``) y se muestra **una sola vez** al emitirlo; el
  almacén guarda solo su huella SHA-256 en ``grafo:privado/credenciales``, un grafo que no forma parte
  de ninguna vista vigente (ni pública ni completa) ni de las exportaciones públicas. Quien lea el
  almacén no puede reconstruir un token.
- El token lleva su identificador (``reg_{id}_{secreto}``): la credencial se busca por identificador y
  la huella se compara con ``hmac.compare_digest`` (tiempo constante), así la comparación no revela
  cuántos caracteres coinciden.
- No hay caché: cada petición consulta el almacén (una búsqueda por IRI, microsegundos en Oxigraph),
  de modo que una revocación vale desde la petición siguiente.

Roles (decisión documentada en ``docs/api.md``):

- ``institucion``: envía datos solo de su propia institución (la ingesta además verifica que el
  contenido describa solo IRIs de su espacio) y convalida solo en sus propios programas.
- ``analista``: envía matrices de equivalencia y mapeos entre países (claves ``matriz…``/``mapeo…``) de
  cualquier institución, y convalida en cualquier programa.
- ``administrador``: todo lo anterior y la gestión de credenciales.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from registro import vocabulario as voc
from registro.almacen.base import Almacen, Vista, a_ntriples
from registro.errores import EntradaInvalida, NoAutorizado, NoEncontrado
from registro.vocabulario import GRAFO_CREDENCIALES, REG

ROLES: tuple[str, ...] = ("institucion", "analista", "administrador")
"""Roles posibles de una credencial, de menor a mayor alcance."""

_PREFIJO_TOKEN = "reg"
_ID = re.compile(r"^[0-9a-f]{12}$")
_CODIGO_INST = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class Credencial:
    """Lo que el registro sabe de una credencial (nunca el token)."""

    id: str
    rol: str
    institucion: str | None
    creada: str
    revocada: str | None = None
    descripcion: str = ""

    @property
    def activa(self) -> bool:
        return self.revocada is None

    @property
    def iri(self) -> URIRef:
        return voc.credencial(self.id)


@dataclass(frozen=True)
class TokenEmitido:
    """Resultado de ``emitir``: el token en claro solo existe en este objeto."""

    credencial: Credencial
    token: str


def huella(secreto: str) -> str:
    return hashlib.sha256(secreto.encode("utf-8")).hexdigest()


def emitir(
    almacen: Almacen, *, rol: str, institucion: str | None = None, descripcion: str = ""
) -> TokenEmitido:
    """Crea una credencial y devuelve el token en claro (no se puede recuperar después)."""
    if rol not in ROLES:
        raise EntradaInvalida(f"Rol desconocido: {rol!r}", detalle=f"Roles válidos: {', '.join(ROLES)}.")
    if rol == "institucion" and not institucion:
        raise EntradaInvalida(
            "Una credencial con rol «institucion» necesita una institución",
            detalle="Indique el código de la institución (p. ej. --institucion iest-piloto).",
        )
    if institucion is not None:
        _verificar_institucion(almacen, institucion)
    ident = secrets.token_hex(6)
    secreto = secrets.token_urlsafe(32)
    ahora = datetime.now(UTC).replace(microsecond=0).isoformat()
    cred = Credencial(ident, rol, institucion, ahora, None, descripcion)
    iri = cred.iri
    tripletas = [
        (iri, RDF.type, REG.Credencial),
        (iri, REG.rol, Literal(rol)),
        (iri, REG.sha256, Literal(huella(secreto))),
        (iri, DCTERMS.created, Literal(ahora, datatype=XSD.dateTime)),
    ]
    if institucion is not None:
        tripletas.append((iri, REG.institucion, voc.institucion(institucion)))
    if descripcion:
        tripletas.append((iri, RDFS.comment, Literal(descripcion)))
    almacen.actualizar(f"INSERT DATA {{ GRAPH <{GRAFO_CREDENCIALES}> {{\n{a_ntriples(tripletas)}\n}} }}")
    return TokenEmitido(cred, f"{_PREFIJO_TOKEN}_{ident}_{secreto}")


def revocar(almacen: Almacen, identificador: str) -> Credencial:
    """Revoca una credencial (idempotente); vale desde la petición siguiente."""
    cred = obtener(almacen, identificador)
    if cred.revocada is not None:
        return cred
    ahora = datetime.now(UTC).replace(microsecond=0).isoformat()
    almacen.actualizar(
        f"INSERT DATA {{ GRAPH <{GRAFO_CREDENCIALES}> {{ <{cred.iri}> <{PROV.invalidatedAtTime}> "
        f"{Literal(ahora, datatype=XSD.dateTime).n3()} }} }}"
    )
    return Credencial(cred.id, cred.rol, cred.institucion, cred.creada, ahora, cred.descripcion)


_CONSULTA = f"""
SELECT ?c ?rol ?inst ?creada ?revocada ?huella ?desc WHERE {{
  GRAPH <{GRAFO_CREDENCIALES}> {{
    ?c a <{REG.Credencial}> ; <{REG.rol}> ?rol ; <{REG.sha256}> ?huella ; <{DCTERMS.created}> ?creada .
    OPTIONAL {{ ?c <{REG.institucion}> ?inst }}
    OPTIONAL {{ ?c <{PROV.invalidatedAtTime}> ?revocada }}
    OPTIONAL {{ ?c <{RDFS.comment}> ?desc }}
  }}
}} ORDER BY ?creada ?c
"""


def _leer(almacen: Almacen, iri: URIRef | None = None) -> list[tuple[Credencial, str]]:
    res = almacen.consultar(_CONSULTA, {"c": iri} if iri is not None else None, vista=Vista.TODO)
    salida = []
    for f in res.filas:
        ident = str(f["c"]).rsplit("/", 1)[-1]
        inst = voc.codigo_institucion_de(str(f["inst"])) if "inst" in f else None
        salida.append(
            (
                Credencial(
                    id=ident,
                    rol=str(f["rol"]),
                    institucion=inst,
                    creada=str(f["creada"]),
                    revocada=str(f["revocada"]) if "revocada" in f else None,
                    descripcion=str(f.get("desc", "")),
                ),
                str(f["huella"]),
            )
        )
    return salida


def listar(almacen: Almacen) -> list[Credencial]:
    """Todas las credenciales (activas y revocadas), por fecha de creación."""
    return [c for c, _ in _leer(almacen)]


def obtener(almacen: Almacen, identificador: str) -> Credencial:
    if not _ID.match(identificador):
        raise EntradaInvalida(
            f"Identificador de credencial inválido: {identificador!r}",
            detalle="Es el código de 12 caracteres hexadecimales que muestra «registro token listar».",
        )
    filas = _leer(almacen, voc.credencial(identificador))
    if not filas:
        raise NoEncontrado(f"No existe la credencial {identificador}")
    return filas[0][0]


def verificar(almacen: Almacen, token: str) -> Credencial:
    """Credencial activa del token, o ``NoAutorizado`` (mismo mensaje para todo fallo: no da pistas)."""
    partes = token.strip().split("_", 2)
    if len(partes) != 3 or partes[0] != _PREFIJO_TOKEN or not _ID.match(partes[1]) or not partes[2]:
        raise NoAutorizado(
            "El token no es válido", detalle="Use el token completo que entregó «registro token emitir»."
        )
    filas = _leer(almacen, voc.credencial(partes[1]))
    esperado = filas[0][1] if filas else "0" * 64
    # Se compara siempre (también si no existe) para no distinguir por tiempo «no existe» de «no coincide».
    coincide = hmac.compare_digest(huella(partes[2]).encode(), esperado.encode())
    if not filas or not coincide:
        raise NoAutorizado(
            "El token no es válido", detalle="Use el token completo que entregó «registro token emitir»."
        )
    cred = filas[0][0]
    if cred.revocada is not None:
        raise NoAutorizado("El token fue revocado", detalle="Pida una credencial nueva al administrador.")
    return cred


def _verificar_institucion(almacen: Almacen, codigo: str) -> None:
    if not _CODIGO_INST.match(codigo):
        raise EntradaInvalida(f"Código de institución inválido: {codigo!r}")
    # El IRI sale de ``vocabulario`` (código ya validado): no hay texto del usuario en la consulta.
    res = almacen.consultar(f"ASK {{ <{voc.institucion(codigo)}> ?p ?o }}", vista=Vista.COMPLETA)
    if not res.booleano:
        raise NoEncontrado(
            f"La institución «{codigo}» no está en el registro de instituciones",
            detalle="Revise el código (p. ej. iest-piloto, mtpe, chilevalora).",
        )
