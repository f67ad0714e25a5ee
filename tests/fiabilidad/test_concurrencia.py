"""Concurrencia: envíos simultáneos (hilos con ``ingesta.enviar`` y POST HTTP a ``/api/envios``) sobre el
mismo almacén embebido, con un lector que mira todo el tiempo.

Garantías comprobadas: cada envío se acepta entero o no se escribe; los números de versión de cada
conjunto son consecutivos, sin repetidos ni huecos; ningún envío se pierde (cada contenido enviado está
exactamente en una versión, con todas sus tripletas); un lector nunca ve una versión a medias (metadatos
sin grafo, grafo sin metadatos, dos versiones vigentes). Incluye la regresión de la carrera de
``versiones.publicar`` (antes: números repetidos y versiones perdidas).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import httpx
from rdflib import Graph, Literal, URIRef

from registro import acceso, analisis, ingesta, recursos, versiones
from registro.almacen.oxigraph import AlmacenOxigraph
from tests.fiabilidad.entorno import LIMITE, bearer, configuracion, servidor_hilo

PILOTO = recursos.carpeta("datos_ttl") / "piloto"
CONJUNTOS = {
    # institución: (archivo piloto, texto a variar)
    "iest-piloto": (PILOTO / "iest-piloto" / "programa-telecom.ttl", 'reg:version "2025"'),
    "cetpro-piloto": (PILOTO / "cetpro-piloto" / "programa-instalador.ttl", 'reg:version "2026"'),
    "cft-piloto": (PILOTO / "cft-piloto" / "carrera-telecom.ttl", 'reg:version "2025"'),
}
_REG = "https://w3id.org/registro/ontologia#"
_FOTO = f"""
SELECT ?g ?inst ?clave ?n ?vigente (COUNT(?s) AS ?t) WHERE {{
  GRAPH <https://w3id.org/registro/grafo/registro> {{
    ?g a <{_REG}VersionEnvio> ; <{_REG}institucion> ?inst ; <{_REG}clave> ?clave ;
       <{_REG}numeroVersion> ?n ; <{_REG}vigente> ?vigente .
  }}
  OPTIONAL {{ GRAPH ?g {{ ?s ?p ?o }} }}
}} GROUP BY ?g ?inst ?clave ?n ?vigente
"""
_HUERFANOS = f"""
SELECT DISTINCT ?g WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  FILTER(STRSTARTS(STR(?g), "https://w3id.org/registro/grafo/envio/"))
  FILTER NOT EXISTS {{ GRAPH <https://w3id.org/registro/grafo/registro> {{ ?g a <{_REG}VersionEnvio> }} }}
}}
"""


def _foto(a: AlmacenOxigraph) -> list[str]:
    """Incoherencias visibles en UNA instantánea de lectura (cada consulta de Oxigraph ve una sola)."""
    problemas = []
    por_conjunto: dict[tuple[str, str], list[tuple[int, bool]]] = defaultdict(list)
    for f in a.store.query(_FOTO):
        if int(f["t"].value) == 0:
            problemas.append(f"versión sin tripletas: {f['g'].value}")
        por_conjunto[(f["inst"].value, f["clave"].value)].append(
            (int(f["n"].value), f["vigente"].value == "true")
        )
    for clave, vs in por_conjunto.items():
        numeros = sorted(n for n, _ in vs)
        if numeros != list(range(1, len(numeros) + 1)):
            problemas.append(f"{clave}: números {numeros}")
        if sum(v for _, v in vs) != 1:
            problemas.append(f"{clave}: {sum(v for _, v in vs)} vigentes")
    problemas += [f"grafo sin metadatos: {f['g'].value}" for f in a.store.query(_HUERFANOS)]
    return problemas


def _lector(a: AlmacenOxigraph, parar: threading.Event, vistos: list[str], lecturas: list[int]) -> None:
    while not parar.is_set():
        vistos.extend(_foto(a))
        lecturas[0] += 1


def _variante(inst: str, k: int) -> bytes:
    ruta, texto = CONJUNTOS[inst]
    contenido = ruta.read_text(encoding="utf-8")
    assert texto in contenido
    return contenido.replace(texto, texto[:-1] + f'-c{k}"', 1).encode("utf-8")


def test_publicar_en_paralelo_da_numeros_consecutivos_y_no_pierde_versiones(tmp_path: Path) -> None:
    """Regresión: sin el cerrojo, 12 publicaciones simultáneas repetían números y se pisaban los grafos."""
    a = AlmacenOxigraph(tmp_path / "almacen")
    errores: list[BaseException] = []

    def publicar(i: int) -> None:
        try:
            g = Graph()
            g.add(
                (
                    URIRef(f"https://w3id.org/registro/id/inst/x/r/{i}"),
                    URIRef(f"{_REG}codigo"),
                    Literal(str(i)),
                )
            )
            versiones.publicar(a, "x", "conjunto", g, sha256=f"{i:064x}")
        except BaseException as exc:
            errores.append(exc)

    hilos = [threading.Thread(target=publicar, args=(i,)) for i in range(12)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    assert not errores
    vs = versiones.versiones(a, "x", "conjunto")
    assert sorted(v.numero for v in vs) == list(range(1, 13))
    assert [v.numero for v in vs if v.vigente] == [12]
    assert sorted(v.sha256 for v in vs) == sorted(f"{i:064x}" for i in range(12))
    for v in vs:
        assert len(a.grafo(URIRef(v.grafo))) == 1
        if v.numero > 1:
            assert v.anterior is not None and v.anterior.endswith(f"/v{v.numero - 1}")
    assert _foto(a) == []
    a.cerrar()


def test_envios_simultaneos_por_hilos_y_por_http_sin_perdidas_ni_huecos(
    piloto_disco: AlmacenOxigraph,
) -> None:
    a = piloto_disco
    tokens = {inst: acceso.emitir(a, rol="institucion", institucion=inst).token for inst in CONJUNTOS}
    previas = {inst: len(versiones.versiones(a, inst, CONJUNTOS[inst][0].stem)) for inst in CONJUNTOS}
    envios = {(inst, k): _variante(inst, k) for inst in CONJUNTOS for k in range(3)}
    resultados: dict[tuple[str, int], str] = {}
    errores: list[str] = []
    parar, vistos, lecturas = threading.Event(), [], [0]
    lector = threading.Thread(target=_lector, args=(a, parar, vistos, lecturas))
    lector.start()
    with servidor_hilo(a, configuracion()) as url:

        def directo(inst: str, k: int) -> None:
            r = ingesta.enviar(
                a, envios[inst, k], institucion=inst, nombre=CONJUNTOS[inst][0].name, limite=LIMITE
            )
            resultados[inst, k] = "aceptado" if r.aceptado and r.version else r.informe.texto()[:300]

        def por_http(inst: str, k: int) -> None:
            with httpx.Client(base_url=url, timeout=120) as c:
                r = c.post(
                    "/api/envios",
                    files={"archivo": (CONJUNTOS[inst][0].name, envios[inst, k], "text/turtle")},
                    headers=bearer(tokens[inst]),
                )
            resultados[inst, k] = "aceptado" if r.status_code == 201 else f"{r.status_code} {r.text[:300]}"

        def protegido(f: Callable[[str, int], None], inst: str, k: int) -> None:
            try:
                f(inst, k)
            except BaseException as exc:
                errores.append(f"{inst}/{k}: {type(exc).__name__}: {exc}")

        hilos = [
            threading.Thread(target=protegido, args=(por_http if k == 1 else directo, inst, k))
            for inst in CONJUNTOS
            for k in range(3)
        ]
        for h in hilos:
            h.start()
        for h in hilos:
            h.join()
    parar.set()
    lector.join()
    assert not errores, errores
    assert resultados == dict.fromkeys(envios, "aceptado"), resultados
    assert vistos == [], vistos[:5]
    assert lecturas[0] > 0
    for inst, (ruta, _texto) in CONJUNTOS.items():
        vs = versiones.versiones(a, inst, ruta.stem)
        nuevas = [v for v in vs if v.numero > previas[inst]]
        assert sorted(v.numero for v in nuevas) == [previas[inst] + i for i in (1, 2, 3)]
        assert [v.numero for v in vs if v.vigente] == [previas[inst] + 3]
        huellas = {v.sha256: v for v in nuevas}
        for k in range(3):
            v = huellas[versiones.huella(envios[inst, k])]  # cada envío está en exactamente una versión
            esperado = analisis.analizar(
                envios[inst, k],
                formato="turtle",
                limite=LIMITE,
                base=f"https://w3id.org/registro/id/inst/{inst}/",
            )
            assert len(a.grafo(URIRef(v.grafo))) == len(esperado)
    assert _foto(a) == []
    print(
        f"\nConcurrencia: {len(envios)} envíos simultáneos aceptados, 0 perdidos; "
        f"{lecturas[0]} lecturas coherentes"
    )
