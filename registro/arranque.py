"""``registro iniciar``: crea o abre el almacén y carga ontología, referencia y datos piloto.

Es idempotente: la ontología y la referencia se sustituyen enteras (mismo contenido → mismas
tripletas) y cada archivo piloto solo genera una versión nueva si su SHA-256 cambió. Los archivos
piloto se publican como envíos de su institución (``datos_ttl/piloto/{inst}/{clave}.ttl``), por la
misma vía que cualquier envío; los certificados van a un grafo privado.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from registro import recursos, versiones
from registro import vocabulario as voc
from registro.almacen.base import Almacen
from registro.errores import EntradaInvalida
from registro.vocabulario import GRAFO_CERTIFICADOS, GRAFO_ONTOLOGIA, GRAFO_REFERENCIA, GRAFO_RESULTADOS

Publicador = Callable[[Almacen, str, str, bytes, str], object]
"""Función ``(almacen, institucion, clave, contenido, nombre_archivo)`` que publica un archivo piloto."""


@dataclass(frozen=True)
class ResumenInicio:
    """Qué hizo ``iniciar`` y qué contiene el almacén después."""

    versiones_nuevas: tuple[str, ...]
    conteos: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.conteos.values())


def leer_turtle(ruta: Path) -> Graph:
    """Lee un Turtle propio del registro (bytes con formato explícito: nunca una «ubicación»)."""
    g = Graph()
    try:
        g.parse(data=ruta.read_bytes(), format="turtle")
    except Exception as exc:  # rdflib lanza varias clases según el error
        raise EntradaInvalida(f"No se pudo leer {ruta.name}", donde=str(ruta), detalle=str(exc)) from exc
    return g


def _unir(rutas: list[Path]) -> Graph:
    g = Graph()
    for r in rutas:
        g += leer_turtle(r)
    return g


def archivos_piloto() -> list[tuple[str, str, Path]]:
    """``(institucion, clave, ruta)`` de cada archivo piloto, cada uno después de aquellos de los que depende.

    La ingesta validada exige que todo recurso citado exista ya (un programa cita las unidades de un
    estándar de otra institución), así que el orden es topológico por institución citada; a igualdad,
    matrices y mapeos al final y luego orden alfabético.
    """
    base = recursos.carpeta("datos_ttl") / "piloto"
    salida = []
    for ruta in sorted(base.glob("*/*.ttl")):
        salida.append((ruta.parent.name, ruta.stem, ruta))
    return _por_dependencias(sorted(salida, key=lambda t: (t[1].startswith(("matriz", "mapeo")), t[0], t[1])))


def _por_dependencias(archivos: list[tuple[str, str, Path]]) -> list[tuple[str, str, Path]]:
    """Orden estable en que ningún archivo precede a uno de una institución cuyos recursos cita."""
    citas: dict[Path, set[str]] = {}
    for inst, _clave, ruta in archivos:
        citas[ruta] = {
            cod
            for o in leer_turtle(ruta).objects(unique=True)
            if isinstance(o, URIRef)
            and (cod := voc.codigo_institucion_de(str(o))) not in (None, inst)
            and str(o).startswith(voc.espacio_institucion(cod))
        }
    pendientes, ordenados = list(archivos), []
    while pendientes:
        for i, (_inst, _clave, ruta) in enumerate(pendientes):
            if not any(otro[0] in citas[ruta] for otro in pendientes if otro[2] != ruta):
                ordenados.append(pendientes.pop(i))
                break
        else:  # ciclo entre instituciones: se conserva el orden base
            ordenados.append(pendientes.pop(0))
    return ordenados


def publicar_sin_validar(almacen: Almacen, inst: str, clave: str, contenido: bytes, nombre: str) -> object:
    """Publicación directa (sin SHACL); ``ingesta`` ofrece la vía validada."""
    g = Graph()
    g.parse(data=contenido, format="turtle")
    return versiones.publicar(
        almacen, inst, clave, g,
        sha256=versiones.huella(contenido), version_formas=recursos.huella_ontologia(),
    )


def iniciar(
    almacen: Almacen,
    *,
    con_piloto: bool = True,
    publicador: Publicador | None = None,
    avisar: Callable[[str], None] | None = None,
) -> ResumenInicio:
    """Carga (o actualiza) ontología, referencia, piloto y certificados piloto."""
    avisar = avisar or (lambda _m: None)
    ontologia = _unir(recursos.archivos("ontologia", "*.ttl"))
    referencia = _unir(recursos.archivos("datos_ttl", "referencia/*.ttl"))
    privados = recursos.archivos("datos_ttl", "privado/*.ttl")
    grafos_fijos = {GRAFO_ONTOLOGIA: ontologia, GRAFO_REFERENCIA: referencia}
    extra = [
        versiones.registrar_grafo_fijo(GRAFO_ONTOLOGIA, publico=True),
        versiones.registrar_grafo_fijo(GRAFO_REFERENCIA, publico=True),
        versiones.registrar_grafo_fijo(GRAFO_RESULTADOS, publico=False),
    ]
    if con_piloto and privados:
        grafos_fijos[GRAFO_CERTIFICADOS] = _unir(privados)
        extra.append(versiones.registrar_grafo_fijo(GRAFO_CERTIFICADOS, publico=False))
    avisar(f"Ontología: {len(ontologia)} tripletas; referencia: {len(referencia)} tripletas.")
    almacen.reemplazar_grafos(grafos_fijos, " ;\n".join(extra))

    if not versiones.uniones_al_dia(almacen):
        avisar("Reconstruyendo las uniones de versiones vigentes…")
        versiones.reconstruir_uniones(almacen)
    nuevas: list[str] = []
    if con_piloto:
        publicar = publicador or publicar_sin_validar
        for inst, clave, ruta in archivos_piloto():
            contenido = ruta.read_bytes()
            actual = versiones.vigente(almacen, inst, clave)
            if actual is not None and actual.sha256 == versiones.huella(contenido):
                continue
            publicar(almacen, inst, clave, contenido, ruta.name)
            nuevas.append(f"{inst}/{clave}")
            avisar(f"Piloto publicado: {inst}/{clave}")
    return ResumenInicio(tuple(nuevas), almacen.conteos())
