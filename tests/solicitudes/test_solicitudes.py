"""Ciclo de vida de las solicitudes de reconocimiento sobre el almacén embebido real con el piloto.

Cada entrada inválida se prueba con un error claro en español **y** con la solicitud intacta: se
comparan las tripletas de ``grafo:privado/solicitudes`` y de ``grafo:resultados`` antes y después.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF

from registro import solicitudes as sol
from registro import versiones
from registro.almacen.base import Almacen, Vista
from registro.errores import ConflictoEstado, EntradaInvalida, NoEncontrado, Prohibido
from registro.vocabulario import GRAFO_RESULTADOS, GRAFO_SOLICITUDES, REG
from tests.solicitudes.conftest import (
    ADMIN,
    CERT_CL,
    CERT_PE,
    CERT_VENCIDO,
    COMISION,
    INSTITUCION,
    OTRA_INSTITUCION,
    hora,
)

RAIZ = Path(__file__).resolve().parents[2]


# --- utilidades --------------------------------------------------------------------------------------


def foto(almacen: Almacen) -> tuple[frozenset, frozenset]:
    """Todo lo que un paso podría tocar: las solicitudes (con contadores) y los resultados."""
    return frozenset(almacen.grafo(GRAFO_SOLICITUDES)), frozenset(almacen.grafo(GRAFO_RESULTADOS))


def nueva(
    almacen: Almacen,
    *,
    cert: str = CERT_PE,
    titular: str = "T-7F3A2C",
    cuando: str = "2026-03-02T09:00",
    programa: str = "PE-TEL-01",
    institucion: str = "iest-piloto",
    agente: sol.Agente = INSTITUCION,
) -> sol.Solicitud:
    return sol.crear(
        almacen,
        institucion=institucion,
        programa=programa,
        certificados=[cert],
        titular_seudonimo=titular,
        agente=agente,
        ahora=hora(cuando),
    )


def hasta(almacen: Almacen, s: sol.Solicitud, estado: str, *, dia: int = 3, mes: int = 3) -> sol.Solicitud:
    """Avanza la solicitud por el camino normal hasta ``estado`` (un paso por día desde ``dia``)."""
    pasos = ["verificar", "analizar", "decidir", "resolver", "notificar"]
    destino = {"verificada": 1, "analizada": 2, "decidida": 3, "resuelta": 4, "notificada": 5}[estado]
    for n, paso in enumerate(pasos[:destino]):
        cuando = hora(f"2026-{mes:02d}-{dia + n:02d}T10:00")
        if paso == "decidir":
            s = sol.decidir(almacen, s.iri, agente=COMISION, resultado="aprobar", ahora=cuando)
        elif paso == "notificar":
            s = sol.notificar(almacen, s.iri, agente=INSTITUCION, medio="correo electrónico", ahora=cuando)
        else:
            s = getattr(sol, paso)(almacen, s.iri, agente=INSTITUCION, ahora=cuando)
    return s


# --- ciclo completo ------------------------------------------------------------------------------------


def test_ciclo_completo_con_historial_prov(almacen):
    s = nueva(almacen)
    assert s.estado == "recibida"
    assert re.fullmatch(r"iest-piloto/2026-\d+", s.referencia)
    assert str(s.plazo_vence) == "2026-04-01"  # 2 de marzo + 30 días (reg:plazoDias de iest-pe)
    s = sol.verificar(almacen, s.referencia, agente=INSTITUCION, ahora=hora("2026-03-03T10:00"))
    assert s.estado == "verificada"
    s = sol.analizar(almacen, s.referencia, agente=INSTITUCION, ahora=hora("2026-03-04T10:00"))
    assert s.estado == "analizada" and s.resultado
    calculado = {u.codigo: u.porcentaje for u in s.unidades}
    assert str(calculado["TEL-101"]) == "0.625" and str(calculado["TEL-201"]) == "0.8"
    assert [u.codigo for u in s.unidades if u.convalidable_calculado] == ["TEL-102", "TEL-201"]
    s = sol.decidir(
        almacen,
        s.referencia,
        agente=COMISION,
        resultado="ajustar",
        motivo="La persona acredita dos años instalando redes de acceso.",
        ajustes=[sol.Ajuste("TEL-101", True, "Experiencia laboral documentada en redes de acceso")],
        ahora=hora("2026-03-10T12:00"),
    )
    assert s.estado == "decidida"
    assert [u.codigo for u in s.reconocidas] == ["TEL-101", "TEL-102", "TEL-201"]
    s = sol.resolver(almacen, s.referencia, agente=INSTITUCION, ahora=hora("2026-03-11T09:00"))
    assert s.estado == "resuelta"
    assert re.fullmatch(r"IEST-PILOTO-2026-\d{4}", s.numero_acta or "")
    s = sol.notificar(
        almacen, s.referencia, agente=INSTITUCION, medio="correo electrónico", ahora=hora("2026-03-12T09:00")
    )
    assert s.estado == "notificada"
    assert [(t.desde, t.hacia) for t in s.historial] == [
        (None, "recibida"),
        ("recibida", "verificada"),
        ("verificada", "analizada"),
        ("analizada", "decidida"),
        ("decidida", "resuelta"),
        ("resuelta", "notificada"),
    ]
    assert [t.rol for t in s.historial] == [
        "institucion",
        "institucion",
        "institucion",
        "analista",
        "institucion",
        "institucion",
    ]
    assert s.historial[3].agente.endswith("/agente/comision-iest")
    assert all(t.motivo for t in s.historial)
    # Cada transición es su propio nodo PROV, encadenado al anterior.
    g = almacen.grafo(GRAFO_SOLICITUDES)
    pasos = [URIRef(t.iri) for t in s.historial]
    assert all((p, RDF.type, PROV.Activity) in g for p in pasos)
    assert all((p, PROV.wasInformedBy, pasos[n]) in g for n, p in enumerate(pasos[1:]))
    assert (pasos[2], PROV.generated, URIRef(s.resultado)) in g


def test_datos_privados_fuera_de_la_vista_publica(almacen):
    nueva(almacen, cuando="2026-03-02T12:00")
    publica = almacen.grafos_de(Vista.PUBLICA)
    assert GRAFO_SOLICITUDES not in publica.con_nombre
    assert GRAFO_SOLICITUDES not in publica.por_defecto
    res = almacen.consultar(
        "SELECT ?s WHERE { { ?s a ?c } UNION { GRAPH ?g { ?s a ?c } } }",
        {"c": REG.SolicitudReconocimiento},
        Vista.PUBLICA,
    )
    assert not res.filas


# --- entradas inválidas: error claro y solicitud intacta -------------------------------------------------


@pytest.fixture(scope="module")
def analizada(almacen) -> sol.Solicitud:
    """Una solicitud analizada que las pruebas de errores comparten (un error no la cambia)."""
    return hasta(almacen, nueva(almacen, cuando="2026-03-02T15:00"), "analizada")


def test_certificado_inexistente_no_crea_nada(almacen):
    antes = foto(almacen)
    with pytest.raises(NoEncontrado, match="certificado con el código «CCL-NO-EXISTE»"):
        nueva(almacen, cert="CCL-NO-EXISTE")
    assert foto(almacen) == antes


def test_certificado_vencido(almacen):
    s = nueva(almacen, cert=CERT_VENCIDO, titular="T-2B9D41", cuando="2026-03-02T13:00")
    antes = foto(almacen)
    with pytest.raises(sol.VerificacionFallida) as info:
        sol.verificar(almacen, s.referencia, agente=INSTITUCION, ahora=hora("2026-03-03T10:00"))
    assert "venció el 09/05/2024" in info.value.mensaje
    # Emitido en 2019, antes de que la entidad estuviera autorizada (desde 2024-03-01): también se dice.
    assert "fuera del periodo en que la entidad ecl-telecom-pe estaba autorizada" in info.value.mensaje
    assert "sigue «recibida» y no se modificó" in (info.value.detalle or "")
    assert foto(almacen) == antes
    assert sol.ver(almacen, s.referencia).estado == "recibida"


def test_certificado_de_otra_persona(almacen):
    s = nueva(almacen, titular="T-0TRA01", cuando="2026-03-02T14:00")
    antes = foto(almacen)
    with pytest.raises(sol.VerificacionFallida, match="pertenece a otra persona"):
        sol.verificar(almacen, s.referencia, agente=INSTITUCION, ahora=hora("2026-03-03T10:00"))
    assert foto(almacen) == antes


def test_version_de_norma_desactualizada(almacen_propio):
    a = almacen_propio
    s = nueva(a)
    nueva_version = Graph().parse(
        data="""
        @prefix reg: <https://w3id.org/registro/ontologia#> .
        @prefix prov: <http://www.w3.org/ns/prov#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://w3id.org/registro/id/inst/mtpe/estandar/ECL-TEL-001-V2> a reg:EstandarCompetencia ;
            reg:codigo "ECL-TEL-001-V2" ; reg:version "2" ; reg:estadoVigencia "vigente" ;
            skos:prefLabel "Instalación de servicios de telecomunicaciones (versión 2)"@es ;
            prov:wasRevisionOf <https://w3id.org/registro/id/inst/mtpe/estandar/ECL-TEL-001> .
    """,
        format="turtle",
    )
    versiones.publicar(a, "mtpe", "estandar-telecom-v2", nueva_version, sha256="0" * 64)
    antes = foto(a)
    with pytest.raises(sol.VerificacionFallida, match="ya no es la versión vigente"):
        sol.verificar(a, s.referencia, agente=INSTITUCION, ahora=hora("2026-03-03T10:00"))
    assert foto(a) == antes


def test_decision_sin_el_rol(almacen, analizada):
    s = analizada
    antes = foto(almacen)
    with pytest.raises(Prohibido, match="El rol «institucion» no puede decidir") as info:
        sol.decidir(almacen, s.referencia, agente=INSTITUCION, resultado="aprobar", ahora=hora("2026-03-09"))
    assert "comisión" in (info.value.detalle or "")
    assert foto(almacen) == antes


def test_otra_institucion_no_toca_la_solicitud(almacen):
    s = nueva(almacen, cuando="2026-03-02T16:00")
    antes = foto(almacen)
    with pytest.raises(Prohibido, match="es de «iest-piloto»"):
        sol.verificar(almacen, s.referencia, agente=OTRA_INSTITUCION, ahora=hora("2026-03-03"))
    assert foto(almacen) == antes


@pytest.mark.parametrize(
    ("paso", "esperado"),
    [
        ("resolver", "No se puede resolver la solicitud .*: está «recibida»"),
        ("analizar", "No se puede analizar la solicitud .*: está «recibida»"),
        ("notificar", "No se puede notificar"),
        ("apelar", "No se puede apelar"),
    ],
)
def test_transicion_fuera_de_orden(almacen, paso, esperado):
    s = nueva(almacen, cuando="2026-03-02T17:00")
    antes = foto(almacen)
    with pytest.raises(ConflictoEstado, match=esperado) as info:
        if paso == "apelar":
            sol.apelar(almacen, s.referencia, agente=INSTITUCION, motivo="x", ahora=hora("2026-03-05"))
        else:
            getattr(sol, paso)(almacen, s.referencia, agente=INSTITUCION, ahora=hora("2026-03-05"))
    assert "Ningún paso puede saltarse" in (info.value.detalle or "")
    assert foto(almacen) == antes


def test_resolver_antes_de_decidir(almacen, analizada):
    s = analizada
    antes = foto(almacen)
    with pytest.raises(ConflictoEstado, match="está «analizada»"):
        sol.resolver(almacen, s.referencia, agente=INSTITUCION, ahora=hora("2026-03-09"))
    assert foto(almacen) == antes


def test_acta_pedida_antes_de_la_decision(almacen, analizada):
    antes = foto(almacen)
    with pytest.raises(ConflictoEstado, match="todavía no tiene acta: está «analizada»") as info:
        sol.acta_pdf(almacen, analizada.referencia)
    assert "que la comisión decida" in (info.value.detalle or "")
    assert foto(almacen) == antes


@pytest.mark.parametrize(
    ("resultado", "motivo", "ajustes", "esperado"),
    [
        ("rechazar", "", [], "hace falta un motivo escrito"),
        ("ajustar", "Motivo", [], "al menos un ajuste"),
        (
            "ajustar",
            "Motivo",
            [sol.Ajuste("TEL-999", True, "m")],
            "«TEL-999» no está entre las unidades analizadas",
        ),
        ("ajustar", "Motivo", [sol.Ajuste("TEL-102", True, "m")], "no cambia nada"),
        ("ajustar", "Motivo", [sol.Ajuste("TEL-101", True, "  ")], "necesita un motivo escrito"),
        ("aprobar", "", [sol.Ajuste("TEL-101", True, "m")], "Solo una decisión «ajustar»"),
        ("otorgar", "", [], "Resultado de decisión desconocido"),
    ],
)
def test_decision_invalida(almacen, analizada, resultado, motivo, ajustes, esperado):
    s = analizada
    antes = foto(almacen)
    with pytest.raises(EntradaInvalida, match=esperado):
        sol.decidir(
            almacen,
            s.referencia,
            agente=COMISION,
            resultado=resultado,
            motivo=motivo,
            ajustes=ajustes,
            ahora=hora("2026-03-09"),
        )
    assert foto(almacen) == antes


def test_fecha_anterior_al_ultimo_paso(almacen):
    s = nueva(almacen, cuando="2026-03-02T21:00")
    antes = foto(almacen)
    with pytest.raises(EntradaInvalida, match="anterior al último paso"):
        sol.verificar(almacen, s.referencia, agente=INSTITUCION, ahora=hora("2026-03-01"))
    assert foto(almacen) == antes


def test_solicitud_inexistente_y_referencia_invalida(almacen):
    with pytest.raises(NoEncontrado, match="No existe la solicitud iest-piloto/2026-999"):
        sol.ver(almacen, "iest-piloto/2026-999")
    with pytest.raises(EntradaInvalida, match="Referencia de solicitud inválida"):
        sol.ver(almacen, "../mtpe/2026-1")


# --- apelación, numeración, plazos, concurrencia -------------------------------------------------------


def test_apelacion_conserva_la_primera_decision(almacen):
    s = hasta(almacen, nueva(almacen, cuando="2026-03-02T22:00"), "notificada")
    primera = s.decision_vigente
    assert primera is not None and primera.numero_acta
    s = sol.apelar(
        almacen,
        s.referencia,
        agente=INSTITUCION,
        motivo="Pide reconocer TEL-202 por su experiencia",
        ahora=hora("2026-03-15"),
    )
    assert s.estado == "apelada"
    assert str(s.plazo_vence) == "2026-04-14"  # nuevo plazo: apelación + 30 días
    s = sol.decidir(
        almacen,
        s.referencia,
        agente=COMISION,
        resultado="ajustar",
        motivo="Revisión por apelación",
        ajustes=[sol.Ajuste("TEL-202", True, "Acredita la reparación de averías de red interna")],
        ahora=hora("2026-03-20"),
    )
    with pytest.raises(ConflictoEstado, match="todavía no tiene acta"):
        sol.acta_pdf(almacen, s.referencia)  # la decisión nueva aún no se resolvió
    s = sol.resolver(almacen, s.referencia, agente=INSTITUCION, ahora=hora("2026-03-21"))
    assert len(s.decisiones) == 2
    assert s.decisiones[0] == primera  # intacta: mismo sentido, motivo, acta y fecha
    assert s.decisiones[1].revisa == primera.iri
    assert s.decisiones[1].numero_acta != primera.numero_acta
    assert [u.codigo for u in s.reconocidas] == ["TEL-102", "TEL-201", "TEL-202"]
    assert sol.acta_pdf(almacen, s.referencia, decision=1).startswith(b"%PDF")  # la primera acta sigue
    assert [t.hacia for t in s.historial][-4:] == ["notificada", "apelada", "decidida", "resuelta"]


def test_numeracion_secuencial_por_institucion_y_anio(almacen_propio):
    a = almacen_propio
    refs = [nueva(a, cuando=f"2026-03-02T0{n}:00").referencia for n in range(1, 4)]
    assert refs == ["iest-piloto/2026-1", "iest-piloto/2026-2", "iest-piloto/2026-3"]
    actas = [hasta(a, sol.ver(a, r), "resuelta").numero_acta for r in (refs[2], refs[0])]
    assert actas == ["IEST-PILOTO-2026-0001", "IEST-PILOTO-2026-0002"]  # por orden de resolución
    # Otro año: la numeración vuelve a empezar (solicitudes y actas).
    s = nueva(a, cuando="2027-01-04T09:00")
    assert s.referencia == "iest-piloto/2027-1"
    s = sol.verificar(a, s.iri, agente=INSTITUCION, ahora=hora("2027-01-05"))
    s = sol.analizar(a, s.iri, agente=INSTITUCION, ahora=hora("2027-01-06"))
    s = sol.decidir(a, s.iri, agente=COMISION, resultado="aprobar", ahora=hora("2027-01-07"))
    assert (
        sol.resolver(a, s.iri, agente=INSTITUCION, ahora=hora("2027-01-08")).numero_acta
        == "IEST-PILOTO-2027-0001"
    )
    # Otra institución: su propia secuencia.
    cetpro = sol.Agente.local("secretaria-cetpro", "institucion", "cetpro-piloto")
    c = nueva(a, programa="CT-INST-01", institucion="cetpro-piloto", agente=cetpro, cuando="2026-03-02T10:00")
    assert c.referencia == "cetpro-piloto/2026-1"
    for paso, dia in (("verificar", 3), ("analizar", 4)):
        c = getattr(sol, paso)(a, c.iri, agente=cetpro, ahora=hora(f"2026-03-0{dia}"))
    c = sol.decidir(a, c.iri, agente=COMISION, resultado="aprobar", ahora=hora("2026-03-05"))
    assert (
        sol.resolver(a, c.iri, agente=cetpro, ahora=hora("2026-03-06")).numero_acta
        == "CETPRO-PILOTO-2026-0001"
    )


def test_vencidas_respetan_plazo_dias(almacen):
    iest = nueva(almacen, cuando="2026-05-04T09:00")  # iest-pe: 30 días → vence 2026-06-03
    cft_agente = sol.Agente.local("secretaria-cft", "institucion", "cft-piloto")
    cft = nueva(
        almacen,
        cert=CERT_CL,
        titular="T-C81E5B",
        programa="CFT-TEL-2025",
        institucion="cft-piloto",
        agente=cft_agente,
        cuando="2026-05-04T09:00",
    )  # rap-cl: 45 días → vence 2026-06-18
    resuelta = hasta(almacen, nueva(almacen, cuando="2026-05-04T10:00"), "resuelta", dia=5, mes=5)
    assert str(iest.plazo_vence) == "2026-06-03" and str(cft.plazo_vence) == "2026-06-18"

    def vencidas(dia: str) -> set[str]:
        return {r.referencia for r in sol.listar(almacen, vencidas=True, ahora=hora(dia))} & {
            iest.referencia,
            cft.referencia,
            resuelta.referencia,
        }

    assert vencidas("2026-06-03") == set()  # el último día del plazo aún no vence
    assert vencidas("2026-06-04") == {iest.referencia}
    assert vencidas("2026-06-19") == {iest.referencia, cft.referencia}  # la resuelta nunca vence
    assert sol.ver(almacen, iest.referencia).vencida(hora("2026-06-04").date())
    solo_cft = sol.listar(almacen, institucion="cft-piloto", vencidas=True, ahora=hora("2026-06-19"))
    assert {r.referencia for r in solo_cft} == {cft.referencia}


def test_dos_decisiones_simultaneas_solo_una_gana(almacen):
    s = hasta(almacen, nueva(almacen, cuando="2026-03-03T08:00"), "analizada")
    barrera = threading.Barrier(2)
    ganadores: list[str] = []
    errores: list[Exception] = []

    def decidir(resultado: str, motivo: str) -> None:
        barrera.wait()
        try:
            sol.decidir(
                almacen,
                s.referencia,
                agente=COMISION,
                resultado=resultado,
                motivo=motivo,
                ahora=hora("2026-03-09"),
            )
            ganadores.append(resultado)
        except ConflictoEstado as exc:
            errores.append(exc)

    hilos = [
        threading.Thread(target=decidir, args=("aprobar", "")),
        threading.Thread(target=decidir, args=("rechazar", "No acredita experiencia")),
    ]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    assert len(ganadores) == 1 and len(errores) == 1
    final = sol.ver(almacen, s.referencia)
    assert (
        len(final.decisiones) == 1
        and final.decisiones[0].sentido == {"aprobar": "aprobada", "rechazar": "rechazada"}[ganadores[0]]
    )
    assert [t.hacia for t in final.historial].count("decidida") == 1


def test_la_guarda_del_update_protege_aun_sin_cerrojo(almacen):
    """Un paso escrito con un estado ya superado (lectura vieja) no escribe nada: lo impide el WHERE."""
    s = nueva(almacen, cuando="2026-03-03T09:00")
    vieja = sol._ficha(almacen, s.iri)
    sol.verificar(almacen, s.iri, agente=INSTITUCION, ahora=hora("2026-03-04"))
    antes = foto(almacen)
    with pytest.raises(ConflictoEstado, match="al mismo tiempo"):
        sol._escribir(
            almacen, vieja, hacia="verificada", agente=ADMIN, cuando=hora("2026-03-04"), motivo="tarde"
        )
    assert foto(almacen) == antes


# --- vocabulario -------------------------------------------------------------------------------------------


def test_terminos_reg_usados_definidos_y_bilingues():
    ont = Graph().parse(RAIZ / "ontologia" / "registro.ttl")
    archivos = [
        RAIZ / "registro" / "solicitudes.py",
        RAIZ / "registro" / "informe.py",
        *sorted((RAIZ / "consultas_sparql").glob("solicitud*.rq")),
        *sorted((RAIZ / "consultas_sparql").glob("estadisticas-*.rq")),
    ]
    usados: set[str] = set()
    for ruta in archivos:
        if ruta.is_file():
            texto = ruta.read_text(encoding="utf-8")
            usados |= set(re.findall(r"\bREG\.(\w+)", texto)) | set(re.findall(r"\breg:(\w+)", texto))
            usados |= {f"Estado{e.capitalize()}" for e in sol.ESTADOS}
    from rdflib.namespace import RDFS, SKOS

    faltan = []
    for t in sorted(usados):
        iri = REG[t]
        idiomas = {o.language for o in ont.objects(iri, RDFS.label)} & {
            o.language for o in ont.objects(iri, SKOS.definition)
        }
        if not {"es", "en"} <= idiomas:
            faltan.append(t)
    assert not faltan, f"términos reg: sin etiqueta y definición en es y en: {faltan}"
