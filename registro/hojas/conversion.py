"""Tablas de una planilla → grafo RDF con la misma forma que los datos piloto.

La conversión solo interpreta la planilla; **no valida el dominio**: la aritmética de créditos, los
valores admitidos de ciclo o nivel formativo, los códigos ChileValora o la existencia de un nivel los
juzgan las formas SHACL y las reglas de propiedad de ``ingesta``, igual que para un envío en Turtle, y
sus problemas vuelven a la planilla por ``Ubicaciones``. Aquí se detecta lo que impide construir el
grafo o lo haría ambiguo: hojas o columnas que faltan, celdas combinadas, fórmulas, valores que no son
del tipo de la columna, obligatorios vacíos, códigos repetidos y referencias a filas que no existen.
Esos errores se acumulan (hasta ``ERRORES_MAXIMOS``) y se lanzan juntos como ``PlanillaInvalida``, para
que quien corrige vea todos a la vez; nada se escribe.

Los IRIs los acuña ``registro.vocabulario`` con el esquema de ``docs/modelo.md``:
programa ``id:inst/{inst}/programa/{cod}``, módulo ``…/modulo/N``, unidad didáctica ``…/ud/{COD}``,
capacidad ``…/ud/{COD}/capacidad/N``, indicador ``…/ud/{COD}/indicador/N`` (CETPRO: capacidad
``…/modulo/N/capacidad/N`` e indicador ``…/capacidad/N/indicador/N``); estándar
``id:inst/{inst}/estandar/{cod}/uc/N/criterio/N.N``; perfil ``id:inst/{inst}/perfil/{P-…}`` con UCL
``id:inst/{inst}/ucl/{U-…}``, ``…/actividad/N``, ``…/criterio/N.N``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from registro import vocabulario as voc
from registro.almacen.base import validar_iri
from registro.errores import EntradaInvalida
from registro.hojas import esquema as E
from registro.hojas.lectura import ErrorCelda, Formula, Libro, Tabla, Valor
from registro.hojas.ubicaciones import Anotaciones, Celda, Ubicaciones, columna_de_letra
from registro.vocabulario import REG

_PRINCIPALES = ("codigo", "enunciado")
"""Columna que representa la fila entera en las ubicaciones (la que identifica al elemento)."""

ERRORES_MAXIMOS = 50
"""Errores que se informan a la vez (después se corta: suelen ser el mismo error repetido)."""

Resolutor = Callable[[str], Sequence[URIRef]]
"""Código de unidad de competencia → IRIs del registro con ese código (vacío si no existe)."""


# =================================================================================================
# Resultado y errores
# =================================================================================================


@dataclass(frozen=True)
class ErrorPlanilla:
    """Un error de la planilla: dónde, qué pasa y cómo corregirlo."""

    celda: Celda | None
    mensaje: str
    correccion: str = ""

    def texto(self) -> str:
        lugar = f"{self.celda.texto()}: " if self.celda is not None else ""
        return f"{lugar}{self.mensaje}" + (f" {self.correccion}" if self.correccion else "")


class PlanillaInvalida(EntradaInvalida):
    """La planilla no se puede convertir; ``errores`` dice dónde y cómo corregir cada problema."""

    titulo = "Planilla con errores"

    def __init__(self, errores: Sequence[ErrorPlanilla], nombre: str | None) -> None:
        self.errores = tuple(errores)
        primero = self.errores[0]
        if len(self.errores) == 1:
            super().__init__(
                primero.mensaje,
                donde=_con_archivo(nombre, primero.celda),
                detalle=(primero.correccion or None),
            )
            return
        cola = (
            "" if len(self.errores) < ERRORES_MAXIMOS else f"\n  (se muestran los primeros {ERRORES_MAXIMOS})"
        )
        super().__init__(
            f"La planilla tiene {len(self.errores)} errores; no se validó ni se escribió nada",
            donde=nombre,
            detalle="\n" + "\n".join(f"  • {e.texto()}" for e in self.errores) + cola,
        )


def _con_archivo(nombre: str | None, celda: Celda | None) -> str | None:
    partes = [p for p in (nombre, celda.texto() if celda else None) if p]
    return ", ".join(partes) or None


class _Demasiados(Exception):
    """Se alcanzó ``ERRORES_MAXIMOS``: se deja de leer."""


@dataclass(frozen=True)
class Conversion:
    """Resultado de convertir una planilla: el grafo del envío y dónde está cada elemento."""

    grafo: Graph
    ubicaciones: Ubicaciones
    plantilla: str
    """``programa`` o ``norma``."""
    institucion: str
    codigo: str
    raiz: URIRef
    """IRI del programa o de la norma."""
    formato: str
    """``xlsx`` o ``csv``."""


# =================================================================================================
# Filas leídas
# =================================================================================================


@dataclass
class _Fila:
    """Una fila con sus valores ya convertidos (solo los no vacíos) y la celda de cada columna."""

    hoja: E.Hoja
    numero: int
    valores: dict[str, object]
    celdas: dict[str, Celda]
    principal: Celda

    def get(self, clave: str) -> object | None:
        return self.valores.get(clave)

    def celda(self, clave: str) -> Celda:
        return self.celdas.get(clave, self.principal)


@dataclass
class _Nodo:
    """Un elemento creado (módulo, unidad, capacidad…) y lo que cuelga de él, para las referencias."""

    iri: URIRef
    partes: tuple[str, ...]
    """Segmentos del IRI bajo ``id:inst/{inst}/`` (para acuñar los IRIs de sus hijos)."""
    fila: _Fila
    codigo: str = ""
    numero: str = ""
    hijos: dict[str, _Nodo] = field(default_factory=dict)
    contadores: dict[str, int] = field(default_factory=dict)
    usados: dict[tuple[str, str], _Fila] = field(default_factory=dict)

    def siguiente(self, espacio: str) -> int:
        self.contadores[espacio] = self.contadores.get(espacio, 0) + 1
        return self.contadores[espacio]


# =================================================================================================
# Conversión
# =================================================================================================


def convertir_libro(
    libro: Libro, *, institucion: str | None = None, resolutor: Resolutor | None = None
) -> Conversion:
    """Convierte un libro leído por ``lectura.leer``; lanza ``PlanillaInvalida`` si hay errores."""
    plantilla = _identificar(libro)
    conversor = _Conversor(libro, plantilla, institucion, resolutor)
    try:
        resultado = conversor.programa() if plantilla.tipo == "programa" else conversor.norma()
    except _Demasiados:
        resultado = None
    if conversor.errores or resultado is None:
        raise PlanillaInvalida(conversor.errores, libro.nombre)
    return resultado


def hojas_conocidas() -> frozenset[str]:
    """Nombres normalizados de todas las hojas de todas las plantillas (las únicas que se leen)."""
    return frozenset(E.normalizar(h.nombre) for p in E.PLANTILLAS.values() for h in p.hojas)


def _identificar(libro: Libro) -> E.Plantilla:
    candidatas = [p for p in E.PLANTILLAS.values() if E.normalizar(p.principal) in libro.tablas]
    if len(candidatas) == 1:
        return candidatas[0]
    presentes = ", ".join(f"«{h}»" for h in libro.hojas_presentes) or "ninguna"
    if not candidatas and {"correspondencias", "_registro"} <= {
        E.normalizar(h) for h in libro.hojas_presentes
    }:
        raise EntradaInvalida(
            "La planilla es una matriz de equivalencia exportada, no una plantilla de programa o norma",
            donde=libro.nombre,
            detalle="Impórtela con «registro importar-matriz ARCHIVO --institucion COD».",
        )
    if not candidatas:
        raise EntradaInvalida(
            "La planilla no es una plantilla del registro: no tiene la hoja «Programa» ni la hoja «Norma»",
            donde=libro.nombre,
            detalle=f"Hojas encontradas: {presentes}. Genere la plantilla con «registro plantilla "
            "programa» o «registro plantilla estandar» y copie en ella sus datos sin renombrar las hojas.",
        )
    raise EntradaInvalida(
        "La planilla mezcla las plantillas de programa y de norma (tiene las hojas «Programa» y «Norma»)",
        donde=libro.nombre,
        detalle="Envíe el programa y la norma en planillas separadas.",
    )


class _Conversor:
    """Estado de una conversión: grafo, ubicaciones y errores acumulados."""

    def __init__(
        self, libro: Libro, plantilla: E.Plantilla, institucion: str | None, resolutor: Resolutor | None
    ) -> None:
        self.libro = libro
        self.plantilla = plantilla
        self.institucion = institucion
        self.resolutor = resolutor
        self.grafo = Graph()
        for prefijo, espacio in (("reg", voc.REG), ("skos", SKOS), ("xsd", XSD)):
            self.grafo.bind(prefijo, espacio)
        self.ubicaciones = Anotaciones()
        self.errores: list[ErrorPlanilla] = []
        self.listas = E.listas()
        self._resueltos: dict[str, Sequence[URIRef]] = {}

    # --- errores ------------------------------------------------------------------------------------
    def error(self, celda: Celda | None, mensaje: str, correccion: str = "") -> None:
        self.errores.append(ErrorPlanilla(celda, mensaje, correccion))
        if len(self.errores) >= ERRORES_MAXIMOS:
            raise _Demasiados

    # --- lectura de hojas ---------------------------------------------------------------------------
    def _tabla_de(self, hoja: E.Hoja) -> Tabla | None:
        tabla = self.libro.tablas.get(E.normalizar(hoja.nombre))
        if tabla is None and hoja.obligatoria:
            presentes = ", ".join(f"«{h}»" for h in self.libro.hojas_presentes)
            donde = "el .zip" if self.libro.formato == "csv" else "el libro"
            self.error(
                Celda(hoja.nombre, archivo=hoja.archivo if self.libro.formato == "csv" else None),
                f"Falta la hoja «{hoja.nombre}»"
                + (f" (archivo {hoja.archivo})" if self.libro.formato == "csv" else "")
                + ".",
                f"Use la plantilla de «registro plantilla» sin renombrar ni borrar hojas. En {donde} hay: "
                f"{presentes}.",
            )
        if tabla is not None:
            for rango in tabla.fusiones:
                self.error(
                    self._celda(tabla, hoja, *_inicio_rango(rango)),
                    f"Hay celdas combinadas ({rango}) en la hoja «{tabla.nombre}».",
                    "Separe las celdas (Inicio → Combinar y centrar → Separar celdas) y escriba el valor "
                    "completo en cada fila: el registro lee un elemento por fila.",
                )
        return tabla

    def _celda(
        self, tabla: Tabla, hoja: E.Hoja, fila: int | None, columna: int | None, encabezado: str | None = None
    ) -> Celda:
        return Celda(hoja.nombre, fila, columna, encabezado, tabla.archivo)

    def ficha(self, hoja: E.Hoja) -> _Fila | None:
        """Hoja «Campo | Valor»: una fila por campo."""
        tabla = self._tabla_de(hoja)
        if tabla is None:
            return None
        encabezados = [_plano(v) for v in (tabla.filas[0] if tabla.filas else ())]
        normal = [E.normalizar(t) for t in encabezados]
        if "campo" not in normal or "valor" not in normal:
            self.error(
                self._celda(tabla, hoja, 1, None),
                f"La hoja «{tabla.nombre}» no tiene los encabezados «Campo» y «Valor» en la fila 1.",
                "Restaure la fila 1 de la plantilla (Campo | Valor | Ejemplo | Ayuda) y escriba cada dato en "
                "la columna «Valor».",
            )
            return None
        i_campo, i_valor = normal.index("campo"), normal.index("valor")
        por_nombre = _por_nombre(hoja.columnas)
        valores: dict[str, object] = {}
        celdas: dict[str, Celda] = {}
        filas_campo: dict[str, int] = {}
        for n, fila in enumerate(tabla.filas[1:], start=2):
            campo = fila[i_campo] if i_campo < len(fila) else None
            crudo = fila[i_valor] if i_valor < len(fila) else None
            if campo is None:
                if crudo is not None:
                    self.error(
                        self._celda(tabla, hoja, n, i_valor + 1),
                        "Hay un valor sin nombre de campo en la columna «Campo».",
                        "Escriba el nombre del campo o borre el valor.",
                    )
                continue
            texto = _plano(campo)
            columna = por_nombre.get(E.normalizar(texto))
            if columna is None:
                if not E.normalizar(texto).startswith("nota"):
                    self._desconocida(self._celda(tabla, hoja, n, i_campo + 1), texto, hoja, "campo")
                continue
            celda = self._celda(tabla, hoja, n, i_valor + 1, columna.encabezado)
            if columna.clave in filas_campo:
                self.error(
                    celda,
                    f"El campo «{columna.encabezado}» está repetido (también en la fila "
                    f"{filas_campo[columna.clave]}).",
                    "Deje una sola fila por campo.",
                )
                continue
            filas_campo[columna.clave] = n
            celdas[columna.clave] = celda
            valor = self._valor(columna, crudo, celda, ficha=True)
            if valor is not None:
                valores[columna.clave] = valor
        for columna in hoja.columnas:
            if not columna.obligatoria or columna.clave in valores:
                continue
            if columna.clave in celdas:
                continue  # vacío: ya informado por _valor
            self.error(
                self._celda(tabla, hoja, None, None),
                f"Falta el campo obligatorio «{columna.encabezado}» en la hoja «{tabla.nombre}».",
                "Agregue la fila con ese nombre en la columna «Campo» y su valor en «Valor».",
            )
        principal = celdas.get("codigo", self._celda(tabla, hoja, 2, i_valor + 1))
        return _Fila(hoja, principal.fila or 2, valores, celdas, principal)

    def tabla(self, hoja: E.Hoja) -> list[_Fila]:
        """Hoja tabular: fila 1 de encabezados, una fila por elemento; ignora vacías y el ejemplo."""
        tabla = self._tabla_de(hoja)
        if tabla is None:
            return []
        if not tabla.filas:
            if hoja.obligatoria:
                self.error(
                    self._celda(tabla, hoja, 1, None),
                    f"La hoja «{tabla.nombre}» está vacía.",
                    "Restaure la fila 1 de encabezados de la plantilla.",
                )
            return []
        indices = self._encabezados(tabla, hoja)
        if indices is None:
            return []
        salida: list[_Fila] = []
        ejemplo = E.fila_ejemplo(hoja)
        hay_ejemplo = bool(ejemplo)
        for n, fila in enumerate(tabla.filas[1:], start=2):
            crudos = {clave: (fila[i] if i < len(fila) else None) for clave, i in indices.items()}
            if all(v is None for v in crudos.values()):
                continue
            if hay_ejemplo and all(_plano(v) == ejemplo[k] for k, v in crudos.items()):
                continue  # fila de ejemplo de la plantilla, sin cambios
            celdas = {
                c.clave: self._celda(tabla, hoja, n, indices[c.clave] + 1, c.encabezado)
                for c in hoja.columnas
                if c.clave in indices
            }
            valores: dict[str, object] = {}
            for columna in hoja.columnas:
                if columna.clave not in indices:
                    continue
                valor = self._valor(columna, crudos[columna.clave], celdas[columna.clave])
                if valor is not None:
                    valores[columna.clave] = valor
            principal = next(
                (
                    celdas[clave]
                    for clave in (*_PRINCIPALES, *(c.clave for c in hoja.columnas if c.obligatoria))
                    if clave in celdas
                ),
                self._celda(tabla, hoja, n, 1),
            )
            salida.append(_Fila(hoja, n, valores, celdas, principal))
        return salida

    def _encabezados(self, tabla: Tabla, hoja: E.Hoja) -> dict[str, int] | None:
        por_nombre = _por_nombre(hoja.columnas)
        indices: dict[str, int] = {}
        desconocidas: list[tuple[int, str]] = []
        for i, crudo in enumerate(tabla.filas[0]):
            if crudo is None:
                continue
            if isinstance(crudo, Formula):
                self.error(
                    self._celda(tabla, hoja, 1, i + 1),
                    "Un encabezado contiene una fórmula.",
                    "Escriba el encabezado de la plantilla como texto.",
                )
                continue
            texto = _plano(crudo)
            columna = por_nombre.get(E.normalizar(texto))
            if columna is None:
                if not E.normalizar(texto).startswith("nota"):
                    desconocidas.append((i, texto))
                continue
            if columna.clave in indices:
                self.error(
                    self._celda(tabla, hoja, 1, i + 1, columna.encabezado),
                    f"La columna «{columna.encabezado}» está repetida.",
                    "Deje una sola columna.",
                )
                continue
            indices[columna.clave] = i
        faltan = [c for c in hoja.columnas if c.obligatoria and c.clave not in indices]
        for i, texto in desconocidas:
            self._desconocida(self._celda(tabla, hoja, 1, i + 1), texto, hoja, "columna", faltan)
        for c in faltan:
            encontradas = ", ".join(f"«{_plano(v)}»" for v in tabla.filas[0] if v is not None) or "ninguna"
            self.error(
                self._celda(tabla, hoja, 1, None),
                f"Falta la columna «{c.encabezado}» en la hoja «{tabla.nombre}».",
                "Restaure su encabezado en la fila 1 (las columnas pueden estar en cualquier orden, pero con "
                f"el nombre exacto de la plantilla). Encabezados encontrados: {encontradas}.",
            )
        return None if faltan else indices

    def _desconocida(
        self, celda: Celda, texto: str, hoja: E.Hoja, que: str, faltan: Sequence[E.Columna] = ()
    ) -> None:
        candidatos = [c.encabezado for c in (faltan or hoja.columnas)]
        parecidos = difflib.get_close_matches(texto, candidatos, n=1, cutoff=0.5)
        if faltan and not parecidos and len(faltan) == 1:
            parecidos = [faltan[0].encabezado]
        el, desconocido, admitidos = (
            ("la columna", "Columna desconocida", "Las columnas admitidas son")
            if que == "columna"
            else ("el campo", "Campo desconocido", "Los campos admitidos son")
        )
        pista = (
            f"¿Es {el} «{parecidos[0]}» con otro nombre? Restaure el nombre de la plantilla. "
            if parecidos
            else ""
        )
        self.error(
            celda,
            f"{desconocido} «{texto}» en la hoja «{hoja.nombre}».",
            pista
            + f"{admitidos}: "
            + ", ".join(f"«{c.encabezado}»" for c in hoja.columnas)
            + ". Para anotaciones propias use un encabezado que empiece por «Nota».",
        )

    # --- valores ------------------------------------------------------------------------------------
    def _valor(self, columna: E.Columna, crudo: Valor, celda: Celda, *, ficha: bool = False) -> object | None:
        if isinstance(crudo, Formula):
            self.error(
                celda,
                f"La celda contiene una fórmula (={crudo.texto[:60]}); el registro nunca evalúa fórmulas.",
                "Escriba el valor, o copie la columna y péguela con «Pegado especial → Valores».",
            )
            return None
        if isinstance(crudo, ErrorCelda):
            self.error(
                celda,
                f"La celda contiene un error de la hoja de cálculo ({crudo.texto}).",
                "Escriba el valor correcto.",
            )
            return None
        if crudo is None:
            if columna.obligatoria:
                self.error(
                    celda,
                    f"Falta el valor obligatorio «{columna.encabezado}».",
                    "Escríbalo en la columna «Valor»."
                    if ficha
                    else "Escríbalo, o borre la fila entera si sobra.",
                )
            return None
        try:
            return _convertir(columna, crudo, self.listas)
        except _Invalido as exc:
            self.error(celda, exc.mensaje, exc.correccion)
            return None

    # --- utilidades de construcción -----------------------------------------------------------------
    def agregar(
        self, s: URIRef, p: URIRef, o: URIRef | Literal, fila: _Fila | None = None, clave: str | None = None
    ) -> None:
        self.grafo.add((s, p, o))
        if fila is not None and clave is not None:
            self.ubicaciones.anotar(s, fila.celda(clave), p)

    def literal(self, s: URIRef, p: URIRef, fila: _Fila, clave: str, *, idioma: str | None = None) -> None:
        """Agrega el valor de la columna ``clave`` (si no está vacío) como literal con su celda."""
        valor = fila.get(clave)
        if valor is None:
            return
        self.agregar(s, p, _literal(valor, idioma), fila, clave)

    def nivel(self, s: URIRef, fila: _Fila, marco: str | None, celda_marco: Celda | None) -> None:
        """``reg:nivel`` con el marco de la ficha y el número de la fila (sin marco no hay IRI de nivel)."""
        numero = fila.get("nivel")
        if numero is None:
            return
        if not marco:
            self.error(
                celda_marco or fila.celda("nivel"),
                "Falta el marco de cualificaciones del nivel.",
                "Indique el marco (p. ej. " + ", ".join(self.listas["marcos"]) + ") en la hoja "
                f"«{self.plantilla.principal}».",
            )
            return
        self.agregar(s, REG.nivel, voc.nivel(marco, int(numero)), fila, "nivel")  # type: ignore[arg-type]

    def referencia(self, codigo: object, fila: _Fila, clave: str) -> URIRef | None:
        """Código (o IRI completo) de una unidad de competencia del registro → su IRI."""
        texto = str(codigo)
        if texto.startswith(("http://", "https://")):
            try:
                validar_iri(texto)
            except EntradaInvalida as exc:
                self.error(fila.celda(clave), f"El IRI «{texto}» no es válido.", exc.detalle or "")
                return None
            return URIRef(texto)
        if self.resolutor is None:
            self.error(
                fila.celda(clave),
                f"No se puede buscar el código «{texto}» sin el registro.",
                "Valide o envíe la planilla con «registro validar/enviar», o escriba el IRI completo.",
            )
            return None
        if texto not in self._resueltos:
            self._resueltos[texto] = tuple(self.resolutor(texto))
        hallados = self._resueltos[texto]
        if len(hallados) == 1:
            return hallados[0]
        if not hallados:
            self.error(
                fila.celda(clave),
                f"No existe en el registro ninguna unidad de competencia con el código «{texto}».",
                "Revise el código (p. ej. ECL-TEL-001-UC1) o escriba el IRI completo de la unidad; la "
                "norma que la contiene debe estar publicada antes.",
            )
        else:
            self.error(
                fila.celda(clave),
                f"El código «{texto}» corresponde a {len(hallados)} unidades de competencia del registro.",
                "Escriba el IRI completo de la que corresponde: " + ", ".join(map(str, hallados)) + ".",
            )
        return None

    def unico(self, padre: _Nodo, espacio: str, valor: str, fila: _Fila, clave: str, que: str) -> bool:
        """Verdadero si ``valor`` no se usó antes en ``espacio`` de ``padre``; si no, informa el error."""
        previa = padre.usados.get((espacio, valor))
        if previa is not None:
            self.error(
                fila.celda(clave),
                f"{que} «{valor}» está repetido (también en la fila {previa.numero}).",
                "Cada elemento necesita un código o número distinto dentro de su grupo.",
            )
            return False
        padre.usados[(espacio, valor)] = fila
        return True

    def buscar(
        self, nodos: dict[str, _Nodo], codigo: object, fila: _Fila, clave: str, hoja: str, que: str
    ) -> _Nodo | None:
        nodo = nodos.get(str(codigo))
        if nodo is None:
            conocidos = ", ".join(sorted(nodos)) or "ninguno"
            self.error(
                fila.celda(clave),
                f"{que} «{codigo}» no existe en la hoja «{hoja}».",
                f"Escriba el código de uno de los de esa hoja ({conocidos}) o agréguelo allí.",
            )
        return nodo

    def cabecera(self, ficha: _Fila) -> tuple[str, str] | None:
        """Institución y código de la ficha, comprobados (sin ellos no se puede acuñar ningún IRI)."""
        inst, codigo = ficha.get("institucion"), ficha.get("codigo")
        if inst is not None and voc.segmento(str(inst)) != inst:
            self.error(
                ficha.celda("institucion"),
                f"Código de institución inválido: «{inst}».",
                "Use el código del registro de instituciones (letras, cifras, «.», «_», «-»).",
            )
            inst = None
        if inst is not None and self.institucion is not None and inst != self.institucion:
            self.error(
                ficha.celda("institucion"),
                f"La planilla es de la institución «{inst}», pero se envía como «{self.institucion}».",
                "Corrija el código de institución de la planilla o envíela con --institucion "
                f"{inst} (una institución solo describe sus propios recursos).",
            )
            inst = None
        if inst is None or codigo is None:
            return None
        return str(inst), str(codigo)

    # =================================================================================================
    # Programa de estudios
    # =================================================================================================
    def programa(self) -> Conversion | None:
        p = self.plantilla
        ficha = self.ficha(p.hoja("Programa"))
        filas_mod = self.tabla(p.hoja("Módulos"))
        filas_ud = self.tabla(p.hoja("Unidades didácticas"))
        filas_cap = self.tabla(p.hoja("Capacidades"))
        filas_ind = self.tabla(p.hoja("Indicadores"))
        cabecera = self.cabecera(ficha) if ficha is not None else None
        if ficha is None or cabecera is None:
            return None
        inst, cod = cabecera
        base = ("programa", cod)
        prog = voc.de_institucion(inst, *base)
        raiz = _Nodo(prog, base, ficha, cod)
        self.ubicaciones.anotar(prog, ficha.principal)
        self.agregar(prog, RDF.type, REG.ProgramaEstudios)
        self.literal(prog, REG.codigo, ficha, "codigo")
        self.literal(prog, REG.version, ficha, "version")
        self.literal(prog, SKOS.prefLabel, ficha, "nombre", idioma="es")
        self.literal(prog, SKOS.prefLabel, ficha, "nombre_en", idioma="en")
        self.literal(prog, SKOS.definition, ficha, "descripcion", idioma="es")
        self.literal(prog, REG.nivelFormativo, ficha, "nivel_formativo")
        self.nivel(prog, ficha, _texto(ficha.get("marco")), ficha.celdas.get("marco"))
        self.agregar(prog, REG.ofrecidoPor, voc.institucion(inst), ficha, "institucion")
        self._referencias_comunes(prog, ficha)
        for c in ficha.get("campo") or ():  # type: ignore[union-attr]
            self.agregar(prog, REG.campoEducacion, voc.recurso("clasificacion", "cinef", c), ficha, "campo")
        self.literal(prog, REG.horas, ficha, "horas")
        self.literal(prog, REG.vigenteDesde, ficha, "vigente_desde")
        self.literal(prog, REG.vigenteHasta, ficha, "vigente_hasta")

        modulos: dict[str, _Nodo] = {}
        for pos, fila in enumerate(filas_mod, start=1):
            codigo = _texto(fila.get("codigo"))
            numero = self._numero_orden(fila, pos)
            if codigo is None or numero is None:
                continue
            if not (
                self.unico(raiz, "modulo", codigo, fila, "codigo", "El código de módulo")
                and self.unico(raiz, "modulo-n", str(numero), fila, "numero", "El N.º de módulo")
            ):
                continue
            partes = (*base, "modulo", str(numero))
            iri = voc.de_institucion(inst, *partes)
            modulos[codigo] = _Nodo(iri, partes, fila, codigo, str(numero))
            self.ubicaciones.anotar(iri, fila.principal)
            self.agregar(prog, REG.tieneModulo, iri)
            self.agregar(iri, RDF.type, REG.ModuloFormativo)
            self.agregar(iri, REG.codigo, Literal(codigo), fila, "codigo")
            self.agregar(iri, REG.orden, Literal(numero), fila, "numero")
            self.literal(iri, SKOS.prefLabel, fila, "nombre", idioma="es")
            self.literal(iri, REG.creditos, fila, "creditos")
            self.literal(iri, REG.horas, fila, "horas")
            uc = fila.get("unidad_competencia")
            if uc is not None:
                destino = self.referencia(uc, fila, "unidad_competencia")
                if destino is not None:
                    self.agregar(iri, REG.unidadCompetenciaAsociada, destino, fila, "unidad_competencia")

        uds: dict[str, _Nodo] = {}
        for fila in filas_ud:
            codigo = _texto(fila.get("codigo"))
            modulo = (
                self.buscar(modulos, fila.get("modulo"), fila, "modulo", "Módulos", "El módulo")
                if fila.get("modulo") is not None
                else None
            )
            if codigo is None or modulo is None:
                continue
            if not self.unico(raiz, "ud", codigo, fila, "codigo", "El código de unidad didáctica"):
                continue
            numero = fila.get("numero")
            orden = int(numero) if numero is not None else modulo.siguiente("ud")  # type: ignore[call-overload]
            if numero is not None and not self.unico(
                modulo,
                "ud-n",
                str(orden),
                fila,
                "numero",
                f"El N.º de unidad didáctica en el módulo {modulo.codigo}",
            ):
                continue
            partes = (*base, "ud", codigo)
            iri = voc.de_institucion(inst, *partes)
            uds[codigo] = _Nodo(iri, partes, fila, codigo, str(orden), hijos={"modulo": modulo})
            self.ubicaciones.anotar(iri, fila.principal)
            self.agregar(modulo.iri, REG.tieneUnidadDidactica, iri)
            self.agregar(iri, RDF.type, REG.UnidadDidactica)
            self.agregar(iri, REG.codigo, Literal(codigo), fila, "codigo")
            self.agregar(iri, REG.orden, Literal(orden), fila, "numero")
            self.literal(iri, SKOS.prefLabel, fila, "nombre", idioma="es")
            self.literal(iri, REG.ciclo, fila, "ciclo")
            self.literal(iri, REG.horasTeoria, fila, "horas_teoria")
            self.literal(iri, REG.horasPractica, fila, "horas_practica")
            self.literal(iri, REG.creditos, fila, "creditos")
            self.literal(iri, REG.horas, fila, "horas")

        for fila in filas_cap:
            padre = self._padre_formativo(fila, uds, modulos)
            if padre is None:
                continue
            numero = self._numero_en(padre, "capacidad", fila)
            if numero is None:
                continue
            partes = (*padre.partes, "capacidad", str(numero))
            iri = voc.de_institucion(inst, *partes)
            padre.hijos[f"capacidad/{numero}"] = _Nodo(iri, partes, fila, numero=str(numero))
            self.ubicaciones.anotar(iri, fila.principal)
            self.agregar(padre.iri, REG.tieneCapacidad, iri)
            self.agregar(iri, RDF.type, REG.Capacidad)
            self.agregar(iri, REG.orden, Literal(numero), fila, "numero")
            self.literal(iri, SKOS.prefLabel, fila, "enunciado", idioma="es")

        for fila in filas_ind:
            padre = self._padre_formativo(fila, uds, modulos)
            if padre is None:
                continue
            capacidad = self._capacidad(padre, fila)
            if capacidad is None:
                continue
            # IEST/CFT: indicadores numerados por unidad didáctica; CETPRO: por capacidad del módulo.
            ambito = padre if "ud" in padre.partes else capacidad
            numero = self._numero_en(ambito, "indicador", fila)
            if numero is None:
                continue
            iri = voc.de_institucion(inst, *ambito.partes, "indicador", str(numero))
            self.ubicaciones.anotar(iri, fila.principal)
            self.agregar(capacidad.iri, REG.tieneIndicador, iri)
            self.agregar(iri, RDF.type, REG.IndicadorLogro)
            self.agregar(iri, REG.orden, Literal(numero), fila, "numero")
            self.literal(iri, SKOS.prefLabel, fila, "enunciado", idioma="es")
            self.literal(iri, REG.peso, fila, "peso")
        return self._resultado(inst, cod, prog)

    def _numero_orden(self, fila: _Fila, posicion: int) -> int | None:
        numero = fila.get("numero")
        if numero is None:
            return posicion
        if int(numero) < 1:  # type: ignore[call-overload]
            self.error(fila.celda("numero"), f"El N.º debe ser 1 o mayor (es {numero}).", "Corríjalo.")
            return None
        return int(numero)  # type: ignore[call-overload]

    def _numero_en(self, padre: _Nodo, espacio: str, fila: _Fila) -> int | None:
        """N.º explícito (único en ``padre``) o el siguiente libre del espacio."""
        numero = fila.get("numero")
        if numero is None:
            n = padre.siguiente(espacio)
            while (espacio, str(n)) in padre.usados:
                n = padre.siguiente(espacio)
            padre.usados[(espacio, str(n))] = fila
            return n
        if int(numero) < 1:  # type: ignore[call-overload]
            self.error(fila.celda("numero"), f"El N.º debe ser 1 o mayor (es {numero}).", "Corríjalo.")
            return None
        que = f"El N.º de {espacio}"
        if not self.unico(padre, espacio, str(numero), fila, "numero", que):
            return None
        return int(numero)  # type: ignore[call-overload]

    def _padre_formativo(self, fila: _Fila, uds: dict[str, _Nodo], modulos: dict[str, _Nodo]) -> _Nodo | None:
        """Unidad didáctica (o, en CETPRO, módulo) de una fila de capacidades o indicadores."""
        ud, modulo = fila.get("ud"), fila.get("modulo")
        if ud is not None:
            nodo = self.buscar(uds, ud, fila, "ud", "Unidades didácticas", "La unidad didáctica")
            if nodo is not None and modulo is not None and nodo.hijos["modulo"].codigo != str(modulo):
                self.error(
                    fila.celda("modulo"),
                    f"La unidad didáctica «{ud}» pertenece al módulo «{nodo.hijos['modulo'].codigo}», "
                    f"no a «{modulo}».",
                    "Deje vacía la columna «Módulo» o corríjala.",
                )
                return None
            return nodo
        if modulo is not None:
            return self.buscar(modulos, modulo, fila, "modulo", "Módulos", "El módulo")
        self.error(
            fila.celda("ud"),
            "Falta la unidad didáctica a la que pertenece la fila.",
            "Escriba el código de la unidad didáctica (o, en un CETPRO, el del módulo en la columna "
            "«Módulo»).",
        )
        return None

    def _capacidad(self, padre: _Nodo, fila: _Fila) -> _Nodo | None:
        capacidades = {k.split("/", 1)[1]: v for k, v in padre.hijos.items() if k.startswith("capacidad/")}
        numero = fila.get("capacidad")
        nombre = f"«{padre.codigo}»"
        if numero is None:
            if len(capacidades) == 1:
                return next(iter(capacidades.values()))
            if not capacidades:
                self.error(
                    fila.principal,
                    f"{nombre} no tiene capacidades en la hoja «Capacidades».",
                    "Agregue la capacidad a la que pertenece este indicador.",
                )
            else:
                self.error(
                    fila.celda("capacidad"),
                    f"{nombre} tiene {len(capacidades)} capacidades: indique a cuál pertenece el indicador.",
                    "Escriba el N.º de la capacidad en la columna «Capacidad».",
                )
            return None
        capacidad = capacidades.get(str(numero))
        if capacidad is None:
            conocidas = ", ".join(sorted(capacidades)) or "ninguna"
            self.error(
                fila.celda("capacidad"),
                f"{nombre} no tiene la capacidad N.º {numero}.",
                f"Capacidades de {nombre} en la hoja «Capacidades»: {conocidas}.",
            )
        return capacidad

    def _referencias_comunes(self, s: URIRef, ficha: _Fila) -> None:
        pais, sector = _texto(ficha.get("pais")), _texto(ficha.get("sector"))
        if pais:
            self.agregar(s, REG.pais, voc.recurso("pais", pais), ficha, "pais")
        if sector:
            self.agregar(s, REG.sector, voc.recurso("sector", sector), ficha, "sector")

    def _resultado(self, inst: str, cod: str, raiz: URIRef) -> Conversion | None:
        if self.errores:
            return None
        return Conversion(
            self.grafo, self.ubicaciones.congelar(), self.plantilla.tipo, inst, cod, raiz, self.libro.formato
        )

    # =================================================================================================
    # Norma de competencia
    # =================================================================================================
    def norma(self) -> Conversion | None:
        p = self.plantilla
        ficha = self.ficha(p.hoja("Norma"))
        filas_u = self.tabla(p.hoja("Unidades"))
        filas_act = self.tabla(p.hoja("Actividades clave"))
        filas_cri = self.tabla(p.hoja("Criterios"))
        listas_enunciados = [
            (self.tabla(p.hoja(h)), seg, clase, prop)
            for h, seg, clase, prop in (
                ("Conocimientos", "conocimiento", REG.Conocimiento, REG.tieneConocimiento),
                ("Habilidades", "habilidad", REG.Habilidad, REG.tieneHabilidad),
                (
                    "Competencias transversales",
                    "competencia-transversal",
                    REG.CompetenciaTransversal,
                    REG.tieneCompetenciaTransversal,
                ),
            )
        ]
        filas_evi = self.tabla(p.hoja("Evidencias"))
        filas_ctx = self.tabla(p.hoja("Contextos"))
        cabecera = self.cabecera(ficha) if ficha is not None else None
        if ficha is None or cabecera is None or ficha.get("tipo") is None:
            return None
        inst, cod = cabecera
        perfil = ficha.get("tipo") == E.TIPOS_NORMA[1]
        base = ("perfil" if perfil else "estandar", cod)
        norma = voc.de_institucion(inst, *base)
        raiz = _Nodo(norma, base, ficha, cod)
        marco = _texto(ficha.get("marco"))
        self.ubicaciones.anotar(norma, ficha.principal)
        self.agregar(
            norma, RDF.type, REG.PerfilOcupacional if perfil else REG.EstandarCompetencia, ficha, "tipo"
        )
        self.literal(norma, REG.codigo, ficha, "codigo")
        self.literal(norma, REG.version, ficha, "version")
        self.literal(norma, SKOS.prefLabel, ficha, "nombre", idioma="es")
        self.literal(norma, SKOS.prefLabel, ficha, "nombre_en", idioma="en")
        self.agregar(norma, REG.emitidoPor, voc.institucion(inst), ficha, "institucion")
        self._referencias_comunes(norma, ficha)
        self.literal(norma, REG.subsector, ficha, "subsector")
        self.literal(norma, REG.proposito, ficha, "proposito")
        self.literal(norma, REG.areaOcupacional, ficha, "area")
        self._clasificaciones(norma, ficha)
        self.nivel(norma, ficha, marco, ficha.celdas.get("marco"))
        self.literal(norma, REG.estadoVigencia, ficha, "estado")
        self.literal(norma, REG.vigenteDesde, ficha, "vigente_desde")
        self.literal(norma, REG.vigenteHasta, ficha, "vigente_hasta")

        unidades: dict[str, _Nodo] = {}
        for pos, fila in enumerate(filas_u, start=1):
            codigo = _texto(fila.get("codigo"))
            numero = self._numero_orden(fila, pos)
            if codigo is None or numero is None:
                continue
            if not (
                self.unico(raiz, "uc", codigo, fila, "codigo", "El código de unidad")
                and self.unico(raiz, "uc-n", str(numero), fila, "numero", "El N.º de unidad")
            ):
                continue
            partes = ("ucl", codigo) if perfil else (*base, "uc", str(numero))
            iri = voc.de_institucion(inst, *partes)
            unidades[codigo] = _Nodo(iri, partes, fila, codigo, str(numero))
            self._unidad(iri, fila, ficha, numero, inst=inst, base=base, perfil=perfil, marco=marco)

        for fila in filas_act:
            unidad = self._unidad_de(fila, unidades)
            if unidad is None:
                continue
            numero = self._numero_texto(unidad, "actividad", fila, lambda k: str(k))
            if numero is None:
                continue
            iri = voc.de_institucion(inst, *unidad.partes, "actividad", numero)
            unidad.hijos[f"actividad/{numero}"] = _Nodo(
                iri, (*unidad.partes, "actividad", numero), fila, numero=numero
            )
            self.ubicaciones.anotar(iri, fila.principal)
            self.agregar(unidad.iri, REG.tieneActividad, iri)
            self.agregar(iri, RDF.type, REG.ActividadClave)
            self.agregar(iri, REG.numero, Literal(numero), fila, "numero")
            self.literal(iri, SKOS.prefLabel, fila, "enunciado", idioma="es")

        for fila in filas_cri:
            unidad = self._unidad_de(fila, unidades)
            if unidad is None:
                continue
            padre = unidad
            actividad = fila.get("actividad")
            if actividad is not None:
                padre = unidad.hijos.get(f"actividad/{actividad}")  # type: ignore[assignment]
                if padre is None:
                    conocidas = ", ".join(
                        k.split("/", 1)[1] for k in unidad.hijos if k.startswith("actividad/")
                    )
                    self.error(
                        fila.celda("actividad"),
                        f"La unidad «{unidad.codigo}» no tiene la actividad clave N.º {actividad}.",
                        "Agréguela en la hoja «Actividades clave» o corrija el número "
                        f"(actividades de la unidad: {conocidas or 'ninguna'}).",
                    )
                    continue
            prefijo = str(actividad) if actividad is not None else unidad.numero
            numero = self._numero_texto(
                unidad, "criterio", fila, lambda k, pre=prefijo: f"{pre}.{k}", contador=padre
            )
            if numero is None:
                continue
            iri = voc.de_institucion(inst, *unidad.partes, "criterio", numero)
            self.ubicaciones.anotar(iri, fila.principal)
            self.agregar(padre.iri, REG.tieneCriterio, iri)
            self.agregar(iri, RDF.type, REG.CriterioDesempeno)
            self.agregar(iri, REG.numero, Literal(numero), fila, "numero")
            self.literal(iri, SKOS.prefLabel, fila, "enunciado", idioma="es")

        for filas, segmento, clase, propiedad in listas_enunciados:
            for fila in filas:
                unidad = self._unidad_de(fila, unidades)
                if unidad is None:
                    continue
                numero = self._numero_texto(unidad, segmento, fila, lambda k: str(k))
                if numero is None:
                    continue
                iri = voc.de_institucion(inst, *unidad.partes, segmento, numero)
                self.ubicaciones.anotar(iri, fila.principal)
                self.agregar(unidad.iri, propiedad, iri)
                self.agregar(iri, RDF.type, clase)
                self.agregar(iri, REG.numero, Literal(numero), fila, "numero")
                self.literal(iri, SKOS.prefLabel, fila, "enunciado", idioma="es")

        for fila in filas_evi:
            padre = raiz if fila.get("unidad") is None else self._unidad_de(fila, unidades)
            numero = self._numero_en(padre, "evidencia", fila) if padre is not None else None
            if padre is None or numero is None:
                continue
            iri = voc.de_institucion(inst, *padre.partes, "evidencia", str(numero))
            self.ubicaciones.anotar(iri, fila.principal)
            self.agregar(padre.iri, REG.tieneRequisitoEvidencia, iri)
            self.agregar(iri, RDF.type, REG.RequisitoEvidencia)
            self.literal(iri, REG.tipoEvidencia, fila, "tipo")
            self.literal(iri, SKOS.prefLabel, fila, "enunciado", idioma="es")

        for fila in filas_ctx:
            padre = raiz if fila.get("unidad") is None else self._unidad_de(fila, unidades)
            numero = self._numero_en(padre, "contexto", fila) if padre is not None else None
            if padre is None or numero is None:
                continue
            iri = voc.de_institucion(inst, *padre.partes, "contexto", str(numero))
            self.ubicaciones.anotar(iri, fila.principal)
            self.agregar(padre.iri, REG.tieneContexto, iri)
            self.agregar(iri, RDF.type, REG.ContextoCompetencia)
            self.agregar(iri, REG.orden, Literal(numero), fila, "numero")
            self.literal(iri, SKOS.prefLabel, fila, "enunciado", idioma="es")
            self.literal(iri, REG.texto, fila, "texto")
        return self._resultado(inst, cod, norma)

    def _unidad(
        self,
        iri: URIRef,
        fila: _Fila,
        ficha: _Fila,
        numero: int,
        *,
        inst: str,
        base: tuple[str, ...],
        perfil: bool,
        marco: str | None,
    ) -> None:
        """Una unidad de competencia; lo que deja vacío lo toma de la ficha de la norma (documentado)."""
        norma = voc.de_institucion(inst, *base)
        self.ubicaciones.anotar(iri, fila.principal)
        self.agregar(norma, REG.tieneUnidad, iri)
        self.agregar(iri, RDF.type, REG.UnidadCompetencia)
        self.literal(iri, REG.codigo, fila, "codigo")
        if not perfil:
            self.agregar(iri, REG.numero, Literal(str(numero)), fila, "numero")
        origen = {
            clave: (fila if fila.get(clave) is not None else ficha)
            for clave in (
                "version",
                "nivel",
                "ocupacion",
                "actividad",
                "subsector",
                "vigente_desde",
                "vigente_hasta",
            )
        }
        self.literal(iri, REG.version, origen["version"], "version")
        self.literal(iri, SKOS.prefLabel, fila, "nombre", idioma="es")
        self.literal(iri, SKOS.prefLabel, fila, "nombre_en", idioma="en")
        if perfil:
            self.agregar(iri, REG.emitidoPor, voc.institucion(inst), ficha, "institucion")
            self._referencias_comunes(iri, ficha)
            self.literal(iri, REG.subsector, origen["subsector"], "subsector")
        elif fila.get("subsector") is not None:
            self.literal(iri, REG.subsector, fila, "subsector")
        self.literal(iri, REG.procesoPrincipal, fila, "proceso")
        self.nivel(iri, origen["nivel"], marco, ficha.celdas.get("marco"))
        self._clasificaciones(iri, origen["ocupacion"], solo="ocupacion")
        self._clasificaciones(iri, origen["actividad"], solo="actividad")
        self.literal(iri, REG.vigenteDesde, origen["vigente_desde"], "vigente_desde")
        self.literal(iri, REG.vigenteHasta, origen["vigente_hasta"], "vigente_hasta")
        if perfil:
            inclusion = voc.de_institucion(inst, *base, "inclusion", str(numero))
            self.ubicaciones.anotar(inclusion, fila.celda("obligatoria"))
            self.agregar(norma, REG.inclusion, inclusion)
            self.agregar(inclusion, RDF.type, REG.InclusionUnidad)
            self.agregar(inclusion, REG.unidad, iri, fila, "codigo")
            self.agregar(inclusion, REG.orden, Literal(numero), fila, "numero")
            obligatoria, transversal = fila.get("obligatoria"), fila.get("transversal")
            self.agregar(
                inclusion,
                REG.obligatoria,
                Literal(True if obligatoria is None else obligatoria),
                fila,
                "obligatoria",
            )
            self.agregar(
                inclusion,
                REG.transversal,
                Literal(False if transversal is None else transversal),
                fila,
                "transversal",
            )
        else:
            for clave in ("obligatoria", "transversal"):
                if fila.get(clave) is not None:
                    self.error(
                        fila.celda(clave),
                        f"«{fila.hoja.columna(clave).encabezado}» solo se usa en perfiles ocupacionales.",
                        "Deje la celda vacía (en un estándar todas las unidades forman parte de la norma) "
                        "o cambie el «Tipo» de la norma a «perfil ocupacional».",
                    )

    def _clasificaciones(self, s: URIRef, fila: _Fila, solo: str | None = None) -> None:
        for clave, esquema, propiedad in (
            ("ocupacion", "ciuo08", REG.ocupacion),
            ("actividad", "ciiu4", REG.actividadEconomica),
        ):
            if solo is not None and clave != solo:
                continue
            for codigo in fila.get(clave) or ():  # type: ignore[union-attr]
                self.agregar(s, propiedad, voc.recurso("clasificacion", esquema, codigo), fila, clave)

    def _unidad_de(self, fila: _Fila, unidades: dict[str, _Nodo]) -> _Nodo | None:
        codigo = fila.get("unidad")
        if codigo is None:
            return None  # obligatoria vacía: ya informado
        return self.buscar(unidades, codigo, fila, "unidad", "Unidades", "La unidad")

    def _numero_texto(
        self,
        unidad: _Nodo,
        espacio: str,
        fila: _Fila,
        por_defecto: Callable[[int], str],
        contador: _Nodo | None = None,
    ) -> str | None:
        """N.º (texto «1» o «1.2») único en la unidad; vacío: ``por_defecto`` del siguiente correlativo."""
        numero = _texto(fila.get("numero"))
        if numero is None:
            contador = contador or unidad
            numero = por_defecto(contador.siguiente(espacio))
            while (espacio, numero) in unidad.usados:
                numero = por_defecto(contador.siguiente(espacio))
        que = {"actividad": "El N.º de actividad", "criterio": "El N.º de criterio"}.get(espacio, "El N.º")
        if not self.unico(unidad, espacio, numero, fila, "numero", f"{que} en la unidad {unidad.codigo}"):
            return None
        return numero


# =================================================================================================
# Valores de celda
# =================================================================================================


class _Invalido(Exception):
    def __init__(self, mensaje: str, correccion: str) -> None:
        super().__init__(mensaje)
        self.mensaje = mensaje
        self.correccion = correccion


def _por_nombre(columnas: Sequence[E.Columna]) -> dict[str, E.Columna]:
    salida: dict[str, E.Columna] = {}
    for c in columnas:
        for nombre in (c.encabezado, *c.alias):
            salida.setdefault(E.normalizar(nombre), c)
    return salida


def _inicio_rango(rango: str) -> tuple[int | None, int | None]:
    """``C5:D5`` → (fila 5, columna 3): la celda superior izquierda de un rango combinado."""
    hallazgo = re.match(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)", rango)
    if hallazgo is None:
        return None, None
    return int(hallazgo.group(2)), columna_de_letra(hallazgo.group(1))


def _plano(v: Valor | object) -> str:
    """Texto de una celda tal como lo ve una persona (para comparar encabezados y la fila de ejemplo)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "sí" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).replace("\r\n", "\n").strip()


def _texto(v: object | None) -> str | None:
    return None if v is None else str(v)


_RE_DECIMAL = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_RE_ENTERO = re.compile(r"^[+-]?\d+(?:[.,]0+)?$")
_RE_NUMERO = re.compile(r"^[0-9]+(?:[.][0-9]+)*$")
_VERDADERO = {"si", "s", "x", "verdadero", "true", "1", "yes"}
_FALSO = {"no", "n", "falso", "false", "0"}


def _convertir(columna: E.Columna, v: Valor, listas: dict[str, tuple[str, ...]]) -> object:
    """Valor de celda → valor Python del tipo de la columna; ``_Invalido`` explica qué escribir."""
    tipo = columna.tipo
    if tipo == E.TEXTO:
        texto = _plano(v)
        if columna.lista:
            opciones = {E.normalizar(o): o for o in listas.get(columna.lista, ())}
            return opciones.get(E.normalizar(texto), texto)
        return texto
    if tipo in (E.CODIGO, E.REFERENCIA):
        texto = _plano(v)
        if re.search(r"\s", texto):
            raise _Invalido(f"El código «{texto}» contiene espacios.", "Escríbalo sin espacios (use «-»).")
        if columna.lista:
            opciones = {E.normalizar(o): o for o in listas.get(columna.lista, ())}
            return opciones.get(E.normalizar(texto), texto)
        return texto
    if tipo == E.CLASIFICACION:
        if isinstance(v, int | float) and not isinstance(v, bool):
            raise _Invalido(
                f"El código {_plano(v)} está guardado como número: la hoja de cálculo pudo quitar ceros "
                "iniciales.",
                "Dé formato de texto a la celda y escriba el código completo (p. ej. 0714).",
            )
        codigos = tuple(c.strip() for c in re.split(r"[;,]", _plano(v)) if c.strip())
        for c in codigos:
            if re.search(r"\s", c):
                raise _Invalido(f"El código «{c}» contiene espacios.", "Separe varios códigos con «;».")
        return codigos
    if tipo == E.DECIMAL:
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise _Invalido(f"«{_plano(v)}» no es un número.", "Escriba un número, p. ej. 3 o 3,5.")
        texto = repr(v) if isinstance(v, float) else str(v).strip()
        if isinstance(v, str) and not _RE_DECIMAL.match(texto):
            raise _Invalido(
                f"«{texto}» no es un número.", "Escriba un número, p. ej. 3 o 3,5 (sin unidades)."
            )
        try:
            valor = Decimal(texto.replace(",", "."))
        except InvalidOperation as exc:
            raise _Invalido(f"«{texto}» no es un número.", "Escriba un número, p. ej. 3 o 3,5.") from exc
        if not valor.is_finite():
            raise _Invalido(f"«{texto}» no es un número.", "Escriba un número, p. ej. 3 o 3,5.")
        return valor
    if tipo == E.ENTERO:
        if isinstance(v, bool):
            raise _Invalido(f"«{_plano(v)}» no es un número entero.", "Escriba un número entero, p. ej. 32.")
        if isinstance(v, int):
            return v
        if isinstance(v, float) and v.is_integer():
            return int(v)
        texto = _plano(v)
        if isinstance(v, str) and _RE_ENTERO.match(texto):
            return int(re.split(r"[.,]", texto)[0])
        raise _Invalido(
            f"«{texto}» no es un número entero.", "Escriba un número entero, p. ej. 32 (sin decimales)."
        )
    if tipo == E.NUMERO:
        if isinstance(v, bool):
            raise _Invalido(f"«{_plano(v)}» no es un número.", "Escriba un número como 1 o 1.2.")
        texto = repr(v) if isinstance(v, float) and not v.is_integer() else _plano(v)
        texto = texto.rstrip(".")
        if not _RE_NUMERO.match(texto):
            raise _Invalido(
                f"«{texto}» no es un número como «1» o «1.2».",
                "Escriba números separados por puntos, sin espacios ni letras.",
            )
        return texto
    if tipo == E.FECHA:
        return _fecha(v)
    if tipo == E.BOOLEANO:
        if isinstance(v, bool):
            return v
        texto = E.normalizar(_plano(v))
        if texto in _VERDADERO:
            return True
        if texto in _FALSO:
            return False
        raise _Invalido(f"«{_plano(v)}» no es «sí» ni «no».", "Escriba «sí» o «no».")
    if tipo == E.CICLO:
        ciclos = listas.get("ciclos", ())
        texto = _plano(v).upper()
        if texto.isdigit() and 1 <= int(texto) <= len(ciclos):
            return ciclos[int(texto) - 1]
        return texto
    if tipo == E.OPCION:
        opciones = listas.get(columna.lista or "", ())
        texto = E.normalizar(_plano(v))
        for o in opciones:
            if E.normalizar(o) == texto or (texto and E.normalizar(o).startswith(texto)):
                return o
        raise _Invalido(
            f"«{_plano(v)}» no es un valor admitido.",
            "Elija uno de: " + ", ".join(f"«{o}»" for o in opciones) + ".",
        )
    raise AssertionError(f"tipo de columna desconocido: {tipo}")  # pragma: no cover


def _fecha(v: Valor) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    texto = _plano(v)
    for formato in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(texto, formato).date()
        except ValueError:
            continue
    raise _Invalido(
        f"«{texto}» no es una fecha.",
        "Escriba la fecha como AAAA-MM-DD (p. ej. 2025-03-31) o "
        "DD/MM/AAAA, o use una celda con formato de fecha.",
    )


def _literal(valor: object, idioma: str | None) -> Literal:
    """Literal con el tipo de dato de los datos piloto (``"3.0"^^xsd:decimal``, fechas ``xsd:date``)."""
    if idioma is not None:
        return Literal(str(valor), lang=idioma)
    if isinstance(valor, Decimal):
        texto = format(valor.normalize(), "f")
        return Literal(texto if "." in texto else f"{texto}.0", datatype=XSD.decimal)
    if isinstance(valor, bool):
        return Literal(valor)
    if isinstance(valor, int):
        return Literal(valor)
    if isinstance(valor, dt.date):
        return Literal(valor.isoformat(), datatype=XSD.date)
    return Literal(str(valor))
