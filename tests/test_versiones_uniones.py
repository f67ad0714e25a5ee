"""Uniones de versiones vigentes: reconstrucción masiva y publicaciones fallidas, en cada backend.

* ``versiones.reconstruir_uniones`` (vía masiva, no transaccional) deja exactamente las mismas uniones
  que ``versiones.publicar`` mantiene de forma incremental: tripletas compartidas entre versiones,
  públicas frente a privadas, cambio de visibilidad y nodos en blanco (el mismo nodo en la versión y
  en la unión).
* Una reconstrucción interrumpida nunca parece terminada (``uniones_al_dia`` es falso y la vista no
  incluye la unión a medias).
* Una publicación que falla a medias deja el almacén idéntico, volcado contra volcado; en Virtuoso
  (sin transacciones) sin copiar las uniones enteras.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from registro import versiones
from registro.almacen.base import Almacen, Vista
from registro.errores import ErrorAlmacen
from registro.vocabulario import GRAFO_REGISTRO, GRAFO_VIGENTE_PRIVADO, GRAFO_VIGENTE_PUBLICO, REG
from tests.utiles import firma

EX = "https://w3id.org/registro/id/inst/prueba/"
_NUNCA = "urn:x-prueba:grafo-que-nunca-existio"
"""``DROP GRAPH`` (sin SILENT) de este grafo falla al ejecutarse en los tres backends."""
_UNIONES = (str(GRAFO_VIGENTE_PUBLICO), str(GRAFO_VIGENTE_PRIVADO))


def _t(nombre: str, valor: str) -> tuple[URIRef, URIRef, Literal]:
    return (URIRef(f"{EX}{nombre}"), REG.codigo, Literal(valor))


def _grafo(*tripletas: tuple) -> Graph:
    g = Graph()
    for t in tripletas:
        g.add(t)
    return g


def _volcado(a: Almacen) -> list[bytes]:
    """Líneas N-Quads de todo el almacén, ordenadas (sin nodos en blanco, comparables byte a byte)."""
    buf = io.BytesIO()
    a.volcar(buf, "nquads")
    return sorted(linea for linea in buf.getvalue().splitlines() if linea.strip())


def _uniones(a: Almacen) -> dict[str, tuple[str, ...]]:
    return {g: lineas for g, lineas in firma(a).items() if g in _UNIONES}


def _historia(a: Almacen) -> None:
    """Publicaciones que ejercitan todo lo que mantiene ``publicar`` incrementalmente."""
    compartida, otra = _t("compartida", "c"), _t("otra", "o")
    versiones.publicar(a, "prueba", "a", _grafo(_t("a", "1"), compartida), sha256="a1")
    versiones.publicar(a, "prueba", "b", _grafo(compartida, otra), sha256="b1")
    # Privada con una tripleta que también afirman versiones públicas: va a la unión privada.
    versiones.publicar(a, "prueba", "p", _grafo(otra, _t("p", "1")), sha256="p1", publico=False)
    # Nueva versión de «a» sin la compartida: la unión pública la conserva (la afirma «b»).
    versiones.publicar(a, "prueba", "a", _grafo(_t("a", "2")), sha256="a2")
    # Cambio de visibilidad: «q» pasa de pública a privada.
    versiones.publicar(a, "prueba", "q", _grafo(_t("q", "1"), otra), sha256="q1")
    versiones.publicar(a, "prueba", "q", _grafo(_t("q", "2")), sha256="q2", publico=False)
    # Nodos en blanco: deben ser el mismo nodo en la versión y en la unión.
    nodo = BNode()
    versiones.publicar(
        a, "prueba", "blanco",
        _grafo((URIRef(f"{EX}x"), REG.tieneIndicador, nodo), (nodo, REG.codigo, Literal("interno"))),
        sha256="n1",
    )


def _nodo_compartido(a: Almacen, version: str) -> bool:
    return bool(
        a.consultar(
            f"ASK {{ GRAPH <{version}> {{ <{EX}x> <{REG.tieneIndicador}> ?n }} "
            f"GRAPH <{GRAFO_VIGENTE_PUBLICO}> {{ <{EX}x> <{REG.tieneIndicador}> ?n . "
            f"?n <{REG.codigo}> ?c }} }}",
            vista=Vista.TODO,
        ).booleano
    )


def test_reconstruir_uniones_da_lo_mismo_que_publicar(almacen_referencia: Almacen) -> None:
    a = almacen_referencia
    _historia(a)
    incremental, todo = _uniones(a), firma(a)
    assert set(incremental) == set(_UNIONES)
    assert any("compartida" in linea for linea in incremental[str(GRAFO_VIGENTE_PUBLICO)])
    assert any("/otra>" in linea for linea in incremental[str(GRAFO_VIGENTE_PRIVADO)])
    blanco = versiones.vigente(a, "prueba", "blanco")
    assert blanco is not None and _nodo_compartido(a, blanco.grafo)

    avances: list[tuple[int, int]] = []
    versiones.reconstruir_uniones(a, progreso=lambda hecho, total: avances.append((hecho, total)))
    assert _uniones(a) == incremental
    assert firma(a) == todo  # también las marcas de grafo:registro, idénticas
    assert _nodo_compartido(a, blanco.grafo)
    assert versiones.uniones_al_dia(a)
    vigentes = sum(v.vigente for v in versiones.versiones(a))
    assert avances[-1] == (vigentes, vigentes)
    assert [h for h, _ in avances] == sorted(h for h, _ in avances)

    # Desde uniones vacías y sin marcas (almacén anterior, o versiones cargadas a granel): lo mismo.
    a.actualizar(
        " ;\n".join(f"DROP SILENT GRAPH <{u}>" for u in _UNIONES)
        + " ;\n"
        + " ;\n".join(f"DELETE WHERE {{ GRAPH <{GRAFO_REGISTRO}> {{ <{u}> ?p ?o }} }}" for u in _UNIONES)
    )
    assert not versiones.uniones_al_dia(a)
    versiones.reconstruir_uniones(a)
    assert firma(a) == todo


def test_reconstruccion_interrumpida_no_parece_terminada(almacen_referencia: Almacen) -> None:
    a = almacen_referencia
    _historia(a)
    todo = firma(a)
    publica = f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s <{REG.codigo}> \"2\" }}"
    assert int(a.consultar(publica, vista=Vista.PUBLICA).filas[0]["n"].toPython()) == 1

    class Corte(Exception):
        pass

    def cortar(hecho: int, _total: int) -> None:
        if hecho >= 1:  # el proceso «muere» tras la primera versión copiada
            raise Corte

    with pytest.raises(Corte):
        versiones.reconstruir_uniones(a, progreso=cortar)
    # Sin marcas: la unión a medias no cuenta como al día ni entra en la vista vigente.
    assert not versiones.uniones_al_dia(a)
    assert int(a.consultar(publica, vista=Vista.PUBLICA).filas[0]["n"].toPython()) == 0
    versiones.reconstruir_uniones(a)
    assert versiones.uniones_al_dia(a)
    assert firma(a) == todo


def test_union_huerfana_con_datos_no_esta_al_dia(almacen_referencia: Almacen) -> None:
    """Sin versiones vigentes, una unión con tripletas y sin marca es un resto de un corte: se limpia."""
    a = almacen_referencia
    assert versiones.uniones_al_dia(a)
    a.actualizar(f"INSERT DATA {{ GRAPH <{GRAFO_VIGENTE_PRIVADO}> {{ <{EX}resto> <{REG.codigo}> \"r\" }} }}")
    assert not versiones.uniones_al_dia(a)
    versiones.reconstruir_uniones(a)
    assert versiones.uniones_al_dia(a)
    assert str(GRAFO_VIGENTE_PRIVADO) not in a.conteos()


@pytest.mark.parametrize("publico", [True, False], ids=["misma-visibilidad", "pasa-a-privada"])
def test_publicacion_fallida_deja_el_almacen_identico(
    almacen_referencia: Almacen, backend: str, monkeypatch: pytest.MonkeyPatch, publico: bool
) -> None:
    """Falla DESPUÉS de escribir la versión nueva y tocar las uniones (la actualización extra va al
    final): el volcado es idéntico. En Virtuoso, además, las uniones no se copian enteras."""
    a = almacen_referencia
    compartida = _t("compartida", "c")
    versiones.publicar(a, "prueba", "a", _grafo(_t("a", "1"), compartida, _t("solo-a", "s")), sha256="a1")
    versiones.publicar(a, "prueba", "b", _grafo(compartida, _t("b", "1")), sha256="b1")
    versiones.publicar(a, "prueba", "p", _grafo(_t("p", "1")), sha256="p1", publico=False)
    antes = _volcado(a)

    leidos: list[str] = []
    if backend != "embebido":
        from registro.almacen.remoto import AlmacenRemoto

        original = AlmacenRemoto._leer_grafo

        def leer_y_anotar(self: AlmacenRemoto, grafo: str) -> bytes:
            leidos.append(grafo)
            return original(self, grafo)

        monkeypatch.setattr(AlmacenRemoto, "_leer_grafo", leer_y_anotar)

    nueva = _grafo(compartida, _t("b", "1"), _t("a", "2"), _t("p", "1"))  # comparte con «b» y con «p»
    with pytest.raises(ErrorAlmacen):
        versiones.publicar(
            a, "prueba", "a", nueva, sha256="a2", publico=publico,
            actualizacion_extra=f"DROP GRAPH <{_NUNCA}>",
        )
    assert _volcado(a) == antes
    if backend == "virtuoso":
        assert leidos, "Virtuoso no es transaccional: debe copiar lo que escribe"
        assert not set(leidos) & set(_UNIONES), f"se copiaron uniones enteras: {leidos}"

    # Y la misma publicación, sin el fallo, deja las uniones que daría reconstruirlas.
    versiones.publicar(a, "prueba", "a", nueva, sha256="a2", publico=publico)
    incremental = _uniones(a)
    versiones.reconstruir_uniones(a)
    assert _uniones(a) == incremental


def test_publicacion_fallida_con_nodos_en_blanco(almacen_referencia: Almacen) -> None:
    """Si la parte de la unión que cambia tiene nodos en blanco, Virtuoso copia la unión entera."""
    a = almacen_referencia
    nodo = BNode()
    con_blanco = _grafo((URIRef(f"{EX}x"), REG.tieneIndicador, nodo), (nodo, REG.codigo, Literal("i")))
    versiones.publicar(a, "prueba", "a", con_blanco, sha256="a1")
    antes = firma(a)
    with pytest.raises(ErrorAlmacen):
        versiones.publicar(
            a, "prueba", "a", _grafo(_t("a", "2")), sha256="a2", actualizacion_extra=f"DROP GRAPH <{_NUNCA}>"
        )
    assert firma(a) == antes


def test_registro_cargar_reconstruye_las_uniones_de_versiones_cargadas(tmp_path: Path) -> None:
    """``registro cargar`` de versiones sin uniones (un volcado antiguo, el generador sintético) deja las
    uniones al día, con avance; si ya lo están, no repite el trabajo salvo que se pida."""
    from typer.testing import CliRunner

    from registro.almacen.oxigraph import AlmacenOxigraph
    from registro.cli import app

    envio = "https://w3id.org/registro/grafo/envio/prueba/"
    xsd, r = "http://www.w3.org/2001/XMLSchema#", f"<{GRAFO_REGISTRO}>"
    lineas = []
    for clave, publico in (("pub", "true"), ("priv", "false")):
        g = f"<{envio}{clave}/v1>"
        lineas += [
            f"{g} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{REG.VersionEnvio}> {r} .",
            f"{g} <{REG.institucion}> <{EX}> {r} .",
            f'{g} <{REG.clave}> "{clave}" {r} .',
            f'{g} <{REG.numeroVersion}> "1"^^<{xsd}integer> {r} .',
            f'{g} <{REG.vigente}> "true"^^<{xsd}boolean> {r} .',
            f'{g} <{REG.publico}> "{publico}"^^<{xsd}boolean> {r} .',
            f'{g} <http://www.w3.org/ns/prov#generatedAtTime> "2026-01-01T00:00:00Z"^^<{xsd}dateTime> {r} .',
            f'<{EX}{clave}> <{REG.codigo}> "{clave}" {g} .',
        ]
    archivo = tmp_path / "versiones.nq"
    archivo.write_text("\n".join(lineas) + "\n", encoding="utf-8")
    ruta = str(tmp_path / "almacen")
    runner = CliRunner()
    r = runner.invoke(app, ["cargar", str(archivo), "--almacen", ruta], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "Uniones de versiones vigentes reconstruidas" in r.output
    assert "2 de 2 versiones" in r.output  # el avance (en la salida de errores)
    a = AlmacenOxigraph(ruta)
    try:
        assert versiones.uniones_al_dia(a)
        uniones = _uniones(a)
        assert [x for x in uniones[str(GRAFO_VIGENTE_PUBLICO)] if "/pub>" in x]
        assert [x for x in uniones[str(GRAFO_VIGENTE_PRIVADO)] if "/priv>" in x]
        assert not [x for x in uniones[str(GRAFO_VIGENTE_PUBLICO)] if "/priv>" in x]
    finally:
        a.cerrar()
    r = runner.invoke(app, ["cargar", str(archivo), "--almacen", ruta], catch_exceptions=False)
    assert r.exit_code == 0 and "reconstruidas" not in r.output
    r = runner.invoke(
        app, ["cargar", str(archivo), "--almacen", ruta, "--reconstruir-uniones"], catch_exceptions=False
    )
    assert r.exit_code == 0 and "reconstruidas" in r.output
