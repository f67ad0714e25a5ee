"""Credenciales: huellas en el grafo privado, comparación, revocación y roles."""

from __future__ import annotations

import pytest

from registro import acceso
from registro.almacen.base import Vista
from registro.errores import EntradaInvalida, NoAutorizado, NoEncontrado
from registro.vocabulario import GRAFO_CREDENCIALES


@pytest.fixture(scope="module")
def almacen():
    from registro import arranque
    from registro.almacen.oxigraph import AlmacenOxigraph

    a = AlmacenOxigraph(None)
    arranque.iniciar(a, con_piloto=False)
    return a


def test_emitir_guarda_solo_la_huella(almacen):
    nuevo = acceso.emitir(almacen, rol="institucion", institucion="iest-piloto")
    secreto = nuevo.token.split("_", 2)[2]
    volcado = almacen.grafo(GRAFO_CREDENCIALES).serialize(format="nt")
    assert secreto not in volcado and nuevo.token not in volcado
    assert acceso.huella(secreto) in volcado
    assert acceso.verificar(almacen, nuevo.token).institucion == "iest-piloto"


def test_credenciales_fuera_de_las_vistas(almacen):
    acceso.emitir(almacen, rol="administrador")
    for vista in (Vista.PUBLICA, Vista.COMPLETA):
        grafos = almacen.grafos_de(vista)
        assert GRAFO_CREDENCIALES not in grafos.por_defecto
    assert GRAFO_CREDENCIALES not in (almacen.grafos_de(Vista.PUBLICA).con_nombre or ())


def test_revocacion_inmediata(almacen):
    nuevo = acceso.emitir(almacen, rol="analista")
    acceso.revocar(almacen, nuevo.credencial.id)
    with pytest.raises(NoAutorizado, match="revocado"):
        acceso.verificar(almacen, nuevo.token)
    assert acceso.revocar(almacen, nuevo.credencial.id).revocada is not None  # idempotente


@pytest.mark.parametrize("token", ["", "reg", "reg_x_y", "reg_0123456789ab_", "Bearer reg_0123456789ab_zz"])
def test_tokens_mal_formados(almacen, token):
    with pytest.raises(NoAutorizado):
        acceso.verificar(almacen, token)


def test_validaciones_de_emision(almacen):
    with pytest.raises(EntradaInvalida):
        acceso.emitir(almacen, rol="superusuario")
    with pytest.raises(EntradaInvalida):
        acceso.emitir(almacen, rol="institucion")
    with pytest.raises(NoEncontrado):
        acceso.emitir(almacen, rol="institucion", institucion="no-existe")
    with pytest.raises(EntradaInvalida):
        acceso.obtener(almacen, "../../x")
