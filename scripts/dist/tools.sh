#!/usr/bin/env bash
# Creates (or refreshes) the venv with the release tools pinned in scripts/dist/requirements.txt:
# maturin, ziglang, auditwheel. Usage: scripts/dist/tools.sh VENV_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:?usage: tools.sh VENV_DIR}
req=$here/requirements.txt
stamp=$venv/.dist-tools
python=${PYTHON:-python3}
if [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then exit 0; fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv" || {
  echo "dist: '$python -m venv' failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
cp "$req" "$stamp"
