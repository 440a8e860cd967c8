#!/usr/bin/env bash
# Runs a command with OPENAI_BASE_URL/OPENAI_API_KEY (and the Azure variables) pointing at a fresh openai-mock server,
# or, when OPENAI_API_KEY is already set and OPENAI_RS_USE_MOCK is not 1, against the real API.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${OPENAI_API_KEY:-}" ] && [ "${OPENAI_RS_USE_MOCK:-0}" != "1" ]; then
  exec "$@"
fi
mock_bin=${OPENAI_MOCK_BIN:-$root/target/debug/openai-mock}
[ -x "$mock_bin" ] || { echo "with-mock: $mock_bin not built (cargo build -p openai-mock)" >&2; exit 2; }
fifo=$(mktemp -u)
mkfifo "$fifo"
"$mock_bin" ${OPENAI_MOCK_ARGS:-} >"$fifo" &
mock_pid=$!
trap 'kill $mock_pid 2>/dev/null || true; rm -f "$fifo"' EXIT
exec 3<"$fifo"
read -r -t 20 url <&3 || { echo "with-mock: the mock server did not start" >&2; exit 2; }
export OPENAI_BASE_URL="$url"
export OPENAI_API_KEY="sk-mock-key"
# The mock also serves the Azure routes (/openai/deployments/...), for the Azure example.
export AZURE_OPENAI_ENDPOINT="${url%/v1}"
export AZURE_OPENAI_API_KEY="az-mock-key"
export OPENAI_API_VERSION="2024-10-21"
"$@"
