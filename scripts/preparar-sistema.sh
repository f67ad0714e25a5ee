#!/usr/bin/env bash
# Paquetes del sistema (Debian) que necesitan algunas pruebas: se instalan solo si faltan y si somos
# root; si no se pueden instalar, las pruebas que los necesitan se omiten con un motivo claro.
set -uo pipefail
faltan=()
command -v pdftoppm >/dev/null 2>&1 || faltan+=(poppler-utils)
command -v virtuoso-t >/dev/null 2>&1 || faltan+=(virtuoso-opensource)  # pruebas del almacén remoto (tests/servidores.py)
[ -x /usr/bin/chromium ] || faltan+=(chromium)  # pruebas de navegador (tests/e2e, Playwright sin «playwright install»)
if [ ${#faltan[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Instalando paquetes del sistema: ${faltan[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${faltan[@]}") >/dev/null 2>&1 \
    || echo "Aviso: no se pudieron instalar ${faltan[*]}; las pruebas que los usan se omitirán."
fi
exit 0
