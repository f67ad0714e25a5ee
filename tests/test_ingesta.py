"""Orquestación de envíos (``registro.ingesta``) sobre el almacén embebido real.

Cada prueba recibe un almacén Oxigraph **en disco** con ontología y datos de referencia (copiado de
un volcado hecho una vez por sesión con ``arranque.iniciar``) y los archivos de
``tests/datos/envios/``. «No se escribió nada» se comprueba comparando el volcado N-Quads completo,
ordenado, antes y después.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV

from registro import arranque, ingesta, recursos, versiones
from registro import vocabulario as voc
from registro.almacen.base import Vista
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.errores import (
    EntradaDemasiadoGrande,
    EntradaInvalida,
    EntradaPeligrosa,
    FormatoDesconocido,
    NoConforme,
)
from registro.vocabulario import GRAFO_REGISTRO, REG

ENVIOS = Path(__file__).resolve().parent / "datos" / "envios"
INST = "iest-piloto"
PROGRAMA = voc.de_institucion(INST, "programa", "PE-PRB-01")
INDICADOR_3 = voc.de_institucion(INST, "programa", "PE-PRB-01", "ud", "PRB-101", "indicador", "3")


def _leer(nombre: str) -> bytes:
    return (ENVIOS / nombre).read_bytes()


def volcado(almacen: AlmacenOxigraph) -> list[str]:
    """Todo el almacén en N-Quads, líneas ordenadas (comparación byte a byte del contenido)."""
    salida = io.BytesIO()
    almacen.volcar(salida, "nquads")
    return sorted(salida.getvalue().decode("utf-8").splitlines())


@pytest.fixture(scope="session")
def volcado_referencia() -> bytes:
    """Ontología + referencia cargadas una vez con ``arranque.iniciar`` (sin piloto)."""
    a = AlmacenOxigraph(None)
    arranque.iniciar(a, con_piloto=False)
    salida = io.BytesIO()
    a.volcar(salida, "nquads")
    return salida.getvalue()


@pytest.fixture
def almacen(tmp_path: Path, volcado_referencia: bytes):
    a = AlmacenOxigraph(tmp_path / "almacen")
    a.cargar(volcado_referencia, "nquads")
    yield a
    a.cerrar()


def _enviar(almacen, archivo: str, **opciones) -> ingesta.ResultadoEnvio:
    opciones.setdefault("institucion", INST)
    return ingesta.enviar(almacen, _leer(archivo), nombre=archivo, **opciones)


def _tripletas_de(almacen, grafo: str) -> int:
    consulta = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{grafo}> {{ ?s ?p ?o }} }}"
    res = almacen.consultar(consulta, vista=Vista.TODO)
    return int(res.filas[0]["n"].toPython())


# --- envíos aceptados y versiones --------------------------------------------------------------------
def test_envio_correcto_se_publica_como_version_nueva(almacen):
    contenido = _leer("programa-correcto.ttl")
    res = _enviar(almacen, "programa-correcto.ttl")
    assert res.aceptado and not res.sin_cambios, res.informe.texto()
    assert res.informe.conforme
    assert res.clave == "programa-correcto"
    assert res.sha256 == hashlib.sha256(contenido).hexdigest()
    assert res.version is not None and res.version.numero == 1 and res.version.anterior is None
    assert res.version.grafo == str(voc.grafo_envio(INST, "programa-correcto", 1))
    assert _tripletas_de(almacen, res.version.grafo) == res.triples == 38

    # Metadatos PROV de la versión, en grafo:registro.
    meta = almacen.grafo(GRAFO_REGISTRO)
    g = URIRef(res.version.grafo)
    assert (g, REG.institucion, voc.institucion(INST)) in meta
    assert str(meta.value(g, REG.sha256)) == res.sha256
    assert str(meta.value(g, REG.versionFormas)) == recursos.huella_ontologia()
    assert (g, PROV.wasAttributedTo, voc.institucion(INST)) in meta
    assert meta.value(g, PROV.generatedAtTime) is not None

    # Visible en la vista vigente (pública).
    res_vista = almacen.consultar("ASK { ?p a ?t }", {"p": PROGRAMA}, vista=Vista.PUBLICA)
    assert res_vista.booleano


def test_reenvio_modificado_crea_v2_y_v1_sigue_consultable(almacen):
    v1 = _enviar(almacen, "programa-correcto.ttl", clave="programa-PE-PRB-01").version
    res = _enviar(almacen, "programa-modificado.ttl", clave="programa-PE-PRB-01")
    assert res.aceptado, res.informe.texto()
    v2 = res.version
    assert v1 is not None and v2 is not None
    assert v2.numero == 2 and v2.anterior == v1.grafo

    estado = {v.numero: v for v in versiones.versiones(almacen, INST, "programa-PE-PRB-01")}
    assert estado[1].vigente is False and estado[2].vigente is True
    meta = almacen.grafo(GRAFO_REGISTRO)
    assert (URIRef(v2.grafo), PROV.wasRevisionOf, URIRef(v1.grafo)) in meta

    # v1 sigue consultable con GRAPH <v1>; la vista vigente solo ve v2.
    assert _tripletas_de(almacen, v1.grafo) == 38
    en_v1 = almacen.consultar(
        "ASK { GRAPH ?g { ?i ?p ?o } }", {"g": URIRef(v1.grafo), "i": INDICADOR_3}, vista=Vista.TODO
    )
    en_v2 = almacen.consultar(
        "ASK { GRAPH ?g { ?i ?p ?o } }", {"g": URIRef(v2.grafo), "i": INDICADOR_3}, vista=Vista.TODO
    )
    vigente = almacen.consultar("ASK { ?i ?p ?o }", {"i": INDICADOR_3}, vista=Vista.COMPLETA)
    assert not en_v1.booleano and en_v2.booleano and vigente.booleano
    etiquetas = almacen.consultar(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ <{PROGRAMA}> <{voc.SKOS.prefLabel}> ?e }}",
        vista=Vista.COMPLETA,
    )
    assert int(etiquetas.filas[0]["n"].toPython()) == 2, "la vista no mezcla v1 con v2"


def test_reenvio_identico_no_crea_version(almacen):
    primera = _enviar(almacen, "programa-correcto.ttl")
    antes = volcado(almacen)
    segunda = _enviar(almacen, "programa-correcto.ttl")
    assert segunda.aceptado and segunda.sin_cambios
    assert segunda.version == primera.version
    assert "Sin cambios" in segunda.texto()
    assert volcado(almacen) == antes


def test_el_mismo_programa_en_jsonld_es_otra_version_del_conjunto(almacen):
    a = _enviar(almacen, "programa-correcto.ttl")
    b = _enviar(almacen, "programa-correcto.jsonld")
    assert a.clave == b.clave == "programa-correcto"
    assert b.aceptado and not b.sin_cambios and b.version is not None and b.version.numero == 2


def test_referencia_a_lo_que_solo_existe_en_la_version_sustituida(almacen):
    """La versión vigente del mismo conjunto no cuenta como «existente»: el envío la reemplaza."""
    assert _enviar(almacen, "programa-modificado.ttl", clave="prb").aceptado
    antes = volcado(almacen)
    res = _enviar(almacen, "programa-referencia-a-version-anterior.ttl", clave="prb")
    assert not res.aceptado
    assert any(p.valor == str(INDICADOR_3) for p in res.informe.problemas), res.informe.texto()
    assert volcado(almacen) == antes


# --- envíos legibles pero rechazados: informe en español y nada escrito --------------------------------
RECHAZADOS = [
    # archivo, fragmentos que deben aparecer en el informe
    ("ajeno-otra-institucion.ttl", ["pertenece a la institución «mtpe»", "ECL-TEL-001/uc/1"]),
    ("ajeno-ontologia.ttl", ["término de esquema reg:ProgramaEstudios", "reg:tieneModulo"]),
    ("ajeno-referencia.ttl", ["dato de referencia", "marco/mncp/nivel/4"]),
    ("referencias-inexistentes.ttl", ["nivel/9", "NO-EXISTE/uc/1", "modulo/7"]),
    ("matriz-programa-inexistente.ttl", ["PE-NO-EXISTE", "ECL-TEL-001"]),
    ("termino-desconocido.ttl", ["reg:tieneModullo", "reg:ModuloFormatibo", "no existe en la ontología"]),
    ("nodo-en-blanco-suelto.ttl", ["nodo en blanco"]),
    ("programa-sin-modulos.ttl", ["reg:tieneModulo", "al menos un módulo"]),
]


@pytest.mark.parametrize(("archivo", "fragmentos"), RECHAZADOS)
def test_envio_rechazado_no_escribe_nada(almacen, archivo, fragmentos):
    antes = volcado(almacen)
    res = _enviar(almacen, archivo)
    texto = res.informe.texto()
    assert not res.aceptado and res.version is None
    assert not res.informe.conforme
    assert "RECHAZADO" in res.texto() and "No se escribió nada" in res.texto()
    for fragmento in fragmentos:
        assert fragmento in texto, f"falta «{fragmento}» en:\n{texto}"
    assert all(p.mensaje for p in res.informe.problemas)
    assert volcado(almacen) == antes
    assert versiones.versiones(almacen, INST) == []


def test_institucion_desconocida(almacen):
    antes = volcado(almacen)
    res = _enviar(almacen, "programa-correcto.ttl", institucion="no-existe")
    assert not res.aceptado
    assert "La institución «no-existe» no está en el registro de instituciones" in res.informe.texto()
    assert volcado(almacen) == antes


@pytest.mark.parametrize("codigo", ["", "../mtpe", "a b"])
def test_codigo_de_institucion_invalido(almacen, codigo):
    with pytest.raises(EntradaInvalida):
        _enviar(almacen, "programa-correcto.ttl", institucion=codigo)


# --- entradas ilegibles: excepción clara y nada escrito ----------------------------------------------
ILEGIBLES = [
    ("sintaxis-rota.ttl", EntradaInvalida, "línea 7, columna 1"),
    ("vacio.ttl", EntradaInvalida, "vacío"),
    ("formato-desconocido.dat", FormatoDesconocido, "formato"),
    ("latin1-no-utf8.ttl", EntradaInvalida, "UTF-8"),
    ("jsonld-contexto-remoto.jsonld", EntradaPeligrosa, "http://example.org/ctx.jsonld"),
    ("jsonld-contexto-archivo.jsonld", EntradaPeligrosa, "file:///etc/passwd"),
    ("rdfxml-entidades.rdf", EntradaPeligrosa, "DOCTYPE"),
    ("trig-grafo-con-nombre.trig", EntradaInvalida, "grafo con nombre"),
]


@pytest.mark.parametrize(("archivo", "clase", "fragmento"), ILEGIBLES)
def test_entrada_ilegible_no_escribe_nada(almacen, archivo, clase, fragmento):
    antes = volcado(almacen)
    with pytest.raises(clase) as exc:
        _enviar(almacen, archivo)
    assert fragmento in str(exc.value)
    with pytest.raises(clase):
        ingesta.validar_contenido(almacen, _leer(archivo), nombre=archivo, institucion=INST)
    assert volcado(almacen) == antes


def test_exceso_de_tamano_no_escribe_nada(almacen):
    antes = volcado(almacen)
    with pytest.raises(EntradaDemasiadoGrande):
        _enviar(almacen, "programa-correcto.ttl", limite=100)
    assert volcado(almacen) == antes


# --- validar sin escribir ------------------------------------------------------------------------------
def test_validar_contenido_no_escribe(almacen):
    antes = volcado(almacen)
    informe = ingesta.validar_contenido(
        almacen, _leer("programa-correcto.ttl"), nombre="p.ttl", institucion=INST
    )
    assert informe.conforme and informe.problemas == ()
    sin_inst = ingesta.validar_contenido(almacen, _leer("ajeno-otra-institucion.ttl"), nombre="a.ttl")
    assert sin_inst.conforme, "sin institución no se aplican las reglas de propiedad"
    con_inst = ingesta.validar_contenido(
        almacen, _leer("ajeno-otra-institucion.ttl"), nombre="a.ttl", institucion=INST
    )
    assert not con_inst.conforme
    assert volcado(almacen) == antes


def test_informe_rdf_incluye_los_problemas_de_propiedad(almacen):
    from rdflib.namespace import SH

    informe = ingesta.validar_contenido(
        almacen, _leer("termino-desconocido.ttl"), nombre="r.ttl", institucion=INST
    )
    g = informe.grafo_informe
    raiz = next(g.subjects(voc.RDF.type, SH.ValidationReport))
    assert g.value(raiz, SH.conforms) == Literal(False)
    propios = set(g.subjects(SH.sourceConstraintComponent, ingesta.COMPONENTE_PROPIEDAD))
    assert propios <= set(g.objects(raiz, SH.result))
    assert len(propios) == sum(1 for p in informe.problemas if p.forma is None) > 0


# --- clave del conjunto -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("nombre", "clave", "esperada"),
    [
        ("programa-correcto.ttl", None, "programa-correcto"),
        ("C:\\envios\\Programa TEL (2025).ttl", None, "Programa-TEL-2025"),
        ("/tmp/Educación técnica.ttl", None, "Educacion-tecnica"),
        (None, None, "programa-PE-PRB-01"),
        ("x.ttl", "explicita-1", "explicita-1"),
        ("¿¿??.ttl", None, "programa-PE-PRB-01"),
    ],
)
def test_clave_del_conjunto(nombre, clave, esperada):
    g = Graph()
    g.parse(data=_leer("programa-correcto.ttl"), format="turtle")
    assert ingesta.clave_de(g, INST, clave=clave, nombre=nombre) == esperada


@pytest.mark.parametrize("clave", ["con espacio", "../x", "-x", "á"])
def test_clave_explicita_invalida(clave):
    with pytest.raises(EntradaInvalida, match="Clave de conjunto inválida"):
        ingesta.clave_de(Graph(), INST, clave=clave)


def test_sin_recurso_principal_pide_la_clave():
    g = Graph()
    g.parse(data=_leer("programa-correcto.ttl"), format="turtle")
    g.add((voc.de_institucion(INST, "matriz", "M1"), voc.SKOS.prefLabel, Literal("M", lang="es")))
    with pytest.raises(EntradaInvalida, match="clave"):
        ingesta.clave_de(g, INST)


# --- enviar_grafo: planillas y matrices --------------------------------------------------------------
def test_enviar_grafo_lleva_ubicaciones_al_informe(almacen):
    g = Graph()
    g.parse(data=_leer("programa-sin-modulos.ttl"), format="turtle")
    sha = hashlib.sha256(b"planilla").hexdigest()
    antes = volcado(almacen)
    res = ingesta.enviar_grafo(
        almacen, g, institucion=INST, clave="planilla-prb", sha256=sha,
        ubicaciones={str(PROGRAMA): "hoja «Programa», fila 2"},
    )
    assert not res.aceptado
    assert {p.ubicacion for p in res.informe.problemas} == {"hoja «Programa», fila 2"}
    assert volcado(almacen) == antes

    g2 = Graph()
    g2.parse(data=_leer("programa-correcto.ttl"), format="turtle")
    ok = ingesta.enviar_grafo(
        almacen, g2, institucion=INST, clave="planilla-prb", sha256=sha, agente="https://example.org/persona/1"
    )
    assert ok.aceptado and ok.version is not None
    meta = almacen.grafo(GRAFO_REGISTRO)
    assert (URIRef(ok.version.grafo), PROV.wasAttributedTo, URIRef("https://example.org/persona/1")) in meta


def test_enviar_grafo_exige_huella_valida(almacen):
    with pytest.raises(ValueError):
        ingesta.enviar_grafo(almacen, Graph(), institucion=INST, clave="x", sha256="abc")


# --- datos piloto por la vía validada ------------------------------------------------------------------
def test_publicar_piloto_rechaza_un_piloto_no_conforme(almacen):
    with pytest.raises(NoConforme) as exc:
        ingesta.publicar_piloto(almacen, INST, "roto", _leer("programa-sin-modulos.ttl"), "roto.ttl")
    assert "roto.ttl" in exc.value.mensaje and "al menos un módulo" in (exc.value.detalle or "")
    assert versiones.versiones(almacen, INST) == []


def test_el_piloto_entero_pasa_por_la_ingesta():
    """DISENO §6: los datos piloto siempre validan, por la misma vía que cualquier envío."""
    a = AlmacenOxigraph(None)
    resumen = arranque.iniciar(a, publicador=ingesta.publicar_piloto)
    assert len(resumen.versiones_nuevas) == len(arranque.archivos_piloto())
    otra_vez = arranque.iniciar(a, publicador=ingesta.publicar_piloto)
    assert otra_vez.versiones_nuevas == (), "iniciar es idempotente"
