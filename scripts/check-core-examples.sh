#!/usr/bin/env bash
# Runs the Rust examples of the core (against the mock server when run under with-mock.sh)
# and checks what they print.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${EXAMPLES_DIR:-$root/target/debug/examples}
fail=0
check() { # name, then patterns the output must contain
  local name=$1; shift
  local out
  if ! out=$("$bin/$name" 2>&1); then
    echo "FAIL example $name exited non-zero:"; echo "$out"; fail=1; return
  fi
  for pat in "$@"; do
    if ! grep -qF -- "$pat" <<<"$out"; then
      echo "FAIL example $name: missing \"$pat\" in:"; echo "$out"; fail=1; return
    fi
  done
  echo "ok   example $name"
}
if [ "${OPENAI_RS_REAL_API:-0}" = "1" ]; then
  check chat "finish_reason:"
  check stream "finish_reason:"
  check tour "json:" "image:" "embedding:" "models:" "error: not_found"
else
  check chat "You said: Explain how a neural network works, with a metaphor." "finish_reason: stop" "tokens:"
  check stream "You said: Write a haiku about recursion." "finish_reason: stop" "total tokens:"
  check tour 'json: {"reply"' "image: https://" "embedding: 8 dimensions" "models:" "error: not_found (status Some(404))"
fi
exit $fail
