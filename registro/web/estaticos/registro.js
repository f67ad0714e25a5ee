/* Registro de Cualificaciones — mejoras progresivas. Sin este archivo todo sigue funcionando:
   las celdas de la matriz enlazan con su justificación, los formularios se envían normalmente. */
(function () {
  "use strict";

  /* «Abrir o cerrar todas» las secciones desplegables de un contenedor. */
  document.querySelectorAll("[data-alternar-detalles]").forEach(function (boton) {
    boton.addEventListener("click", function () {
      var cont = document.getElementById(boton.getAttribute("data-alternar-detalles"));
      if (!cont) { return; }
      var detalles = cont.querySelectorAll("details");
      var abrir = Array.prototype.some.call(detalles, function (d) { return !d.open; });
      detalles.forEach(function (d) { d.open = abrir; });
    });
  });

  /* Confirmación antes de una acción que no se puede deshacer fácilmente (p. ej. rechazar). */
  document.querySelectorAll("[data-confirmar]").forEach(function (boton) {
    boton.addEventListener("click", function (ev) {
      if (!window.confirm(boton.getAttribute("data-confirmar"))) { ev.preventDefault(); }
    });
  });

  /* Aviso inmediato si el archivo supera el tamaño máximo del servidor. */
  var archivo = document.getElementById("archivo");
  if (archivo) {
    archivo.addEventListener("change", function () {
      var maximo = 20 * 1024 * 1024;
      if (archivo.files && archivo.files[0] && archivo.files[0].size > maximo) {
        archivo.setCustomValidity("El archivo supera el máximo de 20 MB.");
      } else {
        archivo.setCustomValidity("");
      }
      archivo.reportValidity();
    });
  }

  /* Matriz: al activar una celda se muestra su justificación en un panel, sin perder la posición. */
  var panel = document.getElementById("panel-celda");
  if (!panel) { return; }
  var cuerpo = panel.querySelector(".panel-celda-cuerpo");
  var origen = null;

  function cerrar() {
    panel.hidden = true;
    cuerpo.innerHTML = "";
    if (origen) { origen.focus(); origen = null; }
  }

  document.querySelectorAll("a.celda-enlace[data-detalle]").forEach(function (enlace) {
    enlace.addEventListener("click", function (ev) {
      var destino = document.getElementById(enlace.getAttribute("data-detalle"));
      if (!destino) { return; }
      ev.preventDefault();
      origen = enlace;
      cuerpo.innerHTML = "";
      var copia = destino.cloneNode(true);
      copia.removeAttribute("id");
      cuerpo.appendChild(copia);
      panel.hidden = false;
      panel.querySelector("[data-cerrar-panel]").focus();
    });
  });
  panel.querySelector("[data-cerrar-panel]").addEventListener("click", cerrar);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !panel.hidden) { cerrar(); }
  });
})();
