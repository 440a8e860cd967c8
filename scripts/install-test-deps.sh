#!/usr/bin/env bash
# Installs the system tools the tests start themselves (real proxies, openssl for test
# certificates), only when missing. Debian/Ubuntu; uses sudo when not root.
set -euo pipefail
need=()
command -v tinyproxy >/dev/null 2>&1 || [ -x /usr/bin/tinyproxy ] || need+=(tinyproxy-bin)
command -v microsocks >/dev/null 2>&1 || need+=(microsocks)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || need+=(python3-venv)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing test dependencies: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
