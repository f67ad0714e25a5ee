"""Respaldo y restauración (``registro.respaldo``, ``registro respaldar`` / ``registro restaurar``).

Ida y vuelta sin pérdidas (volcado idéntico, con grafos privados, procedencia e historial de versiones);
negativa a restaurar encima de datos salvo ``--reemplazar`` (que conserva el anterior); respaldo dañado o
sin manifiesto rechazado sin tocar el destino; instantánea coherente aunque se publique mientras tanto;
nada a medio escribir con el nombre final si el respaldo falla.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from registro import acceso, ingesta, respaldo
from registro.almacen.oxigraph import AlmacenOxigraph
from registro.cli import app
from registro.vocabulario import GRAFO_CERTIFICADOS, GRAFO_CREDENCIALES, GRAFO_REGISTRO
from tests.fiabilidad.entorno import INST, LIMITE, programa_modificado, volcado
from tests.fiabilidad.test_concurrencia import _foto

runner = CliRunner()


def _ordenado(a: AlmacenOxigraph) -> list[bytes]:
    return sorted(volcado(a).splitlines())


@pytest.fixture
def con_historia(piloto_disco: AlmacenOxigraph) -> AlmacenOxigraph:
    """El piloto con dos versiones más del programa (historial) y una credencial (grafo privado)."""
    for anio in ("2030", "2031"):
        r = ingesta.enviar(
            piloto_disco,
            programa_modificado(anio),
            institucion=INST,
            nombre="programa-telecom.ttl",
            limite=LIMITE,
        )
        assert r.aceptado
    acceso.emitir(piloto_disco, rol="institucion", institucion=INST)
    return piloto_disco


def test_ida_y_vuelta_sin_perdidas(con_historia: AlmacenOxigraph, tmp_path: Path) -> None:
    salida = tmp_path / "respaldo.nq"
    m = respaldo.respaldar(con_historia, salida)
    grafos = set(m.grafos)
    assert {str(GRAFO_REGISTRO), str(GRAFO_CERTIFICADOS), str(GRAFO_CREDENCIALES)} <= grafos
    assert any(g.endswith("/programa-telecom/v3") for g in grafos) and any(g.endswith("/v1") for g in grafos)
    assert m.grafos == {g: n for g, n in con_historia.conteos().items() if n}
    assert m.cuadruplas == sum(m.grafos.values())
    r = respaldo.restaurar(salida, tmp_path / "restaurado")
    assert r.anterior is None
    restaurado = AlmacenOxigraph(tmp_path / "restaurado")
    assert _ordenado(restaurado) == _ordenado(con_historia)
    # Respaldar lo restaurado da el mismo archivo, byte a byte (identificadores de nodos en blanco incluidos).
    respaldo.respaldar(restaurado, tmp_path / "otra.nq")
    assert sorted((tmp_path / "otra.nq").read_bytes().splitlines()) == sorted(
        salida.read_bytes().splitlines()
    )
    restaurado.cerrar()


def test_cli_respaldar_restaurar_y_negativas(con_historia: AlmacenOxigraph, tmp_path: Path) -> None:
    origen = Path(str(con_historia.ruta))
    esperado = _ordenado(con_historia)
    con_historia.cerrar()  # la CLI abre el almacén en su propio ciclo (un solo proceso escritor)
    salida = tmp_path / "r.nq"
    r = runner.invoke(app, ["respaldar", "--salida", str(salida), "--almacen", str(origen)])
    assert r.exit_code == 0, r.output
    assert "cuádruplas" in r.output and respaldo.ruta_manifiesto(salida).is_file()
    manifiesto = json.loads(respaldo.ruta_manifiesto(salida).read_text(encoding="utf-8"))
    assert len(manifiesto["sha256"]) == 64 and manifiesto["archivo"] == "r.nq"

    destino = tmp_path / "nuevo"
    r = runner.invoke(app, ["restaurar", str(salida), "--almacen", str(destino)])
    assert r.exit_code == 0, r.output
    # Encima de datos: se niega (código 1) y no toca nada.
    r = runner.invoke(app, ["restaurar", str(salida), "--almacen", str(origen)])
    assert r.exit_code == 1 and "ya tiene datos" in r.output
    # Con --reemplazar: restaura y conserva el almacén anterior aparte.
    r = runner.invoke(app, ["restaurar", str(salida), "--almacen", str(origen), "--reemplazar"])
    assert r.exit_code == 0, r.output
    anteriores = list(tmp_path.glob("almacen.anterior-*"))
    assert len(anteriores) == 1
    for ruta in (destino, origen, anteriores[0]):
        a = AlmacenOxigraph(ruta)
        assert _ordenado(a) == esperado
        a.cerrar()


def test_respaldo_danado_o_sin_manifiesto_no_toca_el_destino(
    con_historia: AlmacenOxigraph, tmp_path: Path
) -> None:
    salida = tmp_path / "r.nq"
    respaldo.respaldar(con_historia, salida)
    datos = bytearray(salida.read_bytes())
    datos[len(datos) // 2] ^= 0x01  # un bit cambiado en mitad del archivo
    danado = tmp_path / "danado.nq"
    danado.write_bytes(bytes(datos))
    respaldo.ruta_manifiesto(danado).write_bytes(respaldo.ruta_manifiesto(salida).read_bytes())
    r = runner.invoke(app, ["restaurar", str(danado), "--almacen", str(tmp_path / "d1")])
    assert r.exit_code == 2 and "no coincide con su manifiesto" in r.output
    assert not (tmp_path / "d1").exists()
    truncado = tmp_path / "truncado.nq"
    truncado.write_bytes(salida.read_bytes()[:-100])
    respaldo.ruta_manifiesto(truncado).write_bytes(respaldo.ruta_manifiesto(salida).read_bytes())
    assert runner.invoke(app, ["restaurar", str(truncado), "--almacen", str(tmp_path / "d2")]).exit_code == 2
    sin = tmp_path / "sin-manifiesto.nq"
    sin.write_bytes(salida.read_bytes())
    r = runner.invoke(app, ["restaurar", str(sin), "--almacen", str(tmp_path / "d3")])
    assert r.exit_code == 2 and "Falta el manifiesto" in r.output
    assert not any((tmp_path / d).exists() for d in ("d1", "d2", "d3"))
    assert not list(tmp_path.glob(".*restaurando*"))


def test_instantanea_coherente_aunque_se_publique_durante_el_respaldo(
    piloto_disco: AlmacenOxigraph, tmp_path: Path
) -> None:
    parar = threading.Event()
    publicadas = [0]

    def escritor() -> None:
        k = 0
        while not parar.is_set():
            k += 1
            r = ingesta.enviar(
                piloto_disco,
                programa_modificado(f"20{k:02d}"),
                institucion=INST,
                nombre="programa-telecom.ttl",
                limite=LIMITE,
            )
            publicadas[0] += int(r.aceptado)

    hilo = threading.Thread(target=escritor)
    hilo.start()
    try:
        for i in range(2):
            m = respaldo.respaldar(piloto_disco, tmp_path / f"r{i}.nq")
            restaurado = tmp_path / f"a{i}"
            respaldo.restaurar(tmp_path / f"r{i}.nq", restaurado)
            a = AlmacenOxigraph(restaurado)
            assert _foto(a) == []  # ninguna versión a medias en la instantánea
            assert sum(a.conteos().values()) == m.cuadruplas
            a.cerrar()
    finally:
        parar.set()
        hilo.join()
    assert publicadas[0] >= 1


def test_un_respaldo_que_falla_no_deja_nada_con_el_nombre_final(
    piloto_disco: AlmacenOxigraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def falla(_ruta: Path) -> dict[str, int]:
        raise OSError("disco lleno (simulado)")

    monkeypatch.setattr(respaldo, "_conteos_archivo", falla)
    with pytest.raises(OSError):
        respaldo.respaldar(piloto_disco, tmp_path / "r.nq")
    assert list(tmp_path.iterdir()) == [tmp_path / "almacen"]
