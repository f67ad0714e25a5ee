"""``/api/cambios``: feed de cambios para que un registro socio se sincronice.

Cada elemento es una versión pública publicada (alta de un conjunto o revisión que sustituye a otra),
en orden de publicación (fecha, grafo). ``desde`` es **inclusivo**: el socio guarda la fecha del
último cambio que aplicó, vuelve a pedir ``?desde=<esa fecha>`` y descarta los grafos que ya tiene
(la precisión de las fechas es de un segundo: dos versiones pueden compartirla). El contenido de cada
versión se descarga de ``enlace`` (``/api/envios/{inst}/{clave}/{n}``); nada se borra nunca, así
que una versión sustituida sigue disponible.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from registro import versiones
from registro.api.dependencias import AlmacenDep, PaginacionDep, paginar, rechazar_desconocidos
from registro.api.modelos import Cambio, Pagina
from registro.api.rutas.envios import version_json
from registro.errores import EntradaInvalida

router = APIRouter(
    prefix="/api/cambios", tags=["Sincronización"], dependencies=[Depends(rechazar_desconocidos)]
)


@router.get(
    "",
    response_model=Pagina[Cambio],
    summary="Feed de cambios",
    description="Versiones públicas publicadas desde `desde` (ISO 8601, inclusivo), en orden de "
    "publicación, paginadas (cabeceras `Link`). Cada cambio enlaza el contenido RDF de la versión.",
)
def cambios(
    request: Request,
    response: Response,
    almacen: AlmacenDep,
    pag: PaginacionDep,
    desde: Annotated[
        datetime | None, Query(description="Fecha y hora ISO 8601 (p. ej. `2026-01-31T12:00:00Z`).")
    ] = None,
) -> dict[str, Any]:
    limite = _utc(desde) if desde is not None else None
    lista = []
    for v in versiones.versiones(almacen):
        if not v.publico:
            continue
        fecha = _utc(_fecha(v.fecha))
        if limite is not None and fecha < limite:
            continue
        lista.append((fecha, v.grafo, v))
    lista.sort(key=lambda t: (t[0], t[1]))
    datos = paginar(request, response, pag, len(lista))
    elementos = [
        {**version_json(v), "tipo": "revision" if v.anterior else "alta"}
        for _, _, v in lista[pag.desde : pag.hasta]
    ]
    if lista:
        response.headers["Last-Modified"] = lista[-1][0].strftime("%a, %d %b %Y %H:%M:%S GMT")
    return {**datos, "elementos": elementos}


def _fecha(texto: str) -> datetime:
    try:
        return datetime.fromisoformat(texto.replace("Z", "+00:00"))
    except ValueError as exc:  # pragma: no cover - fechas escritas por versiones.publicar
        raise EntradaInvalida(f"Fecha de versión ilegible: {texto!r}") from exc


def _utc(fecha: datetime) -> datetime:
    return fecha.replace(tzinfo=UTC) if fecha.tzinfo is None else fecha.astimezone(UTC)
