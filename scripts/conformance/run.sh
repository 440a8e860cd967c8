#!/usr/bin/env bash
# Conformance to the official OpenAPI spec (issue 7): `make conformance`.
#
# 1. installs the pinned Prism (tests/conformance/prism/package-lock.json) when missing;
# 2. writes the prepared spec (OpenAPI 3.0 keywords rewritten, paths under /v1) with the
#    `prepare-spec` binary of tests/conformance;
# 3. serves it with Prism on a free 127.0.0.1 port, waits for "Prism is listening";
# 4. runs each language's suite against it (Rust always; Python when the openai_rs module
#    imports in .venv; C always, through libopenai), with OPENAI_CONFORMANCE_URL=http://127.0.0.1:PORT/v1;
# 5. stops Prism, whatever happened.
#
# Environment: CARGO (cargo), PRISM_START_TIMEOUT (180 s), CONFORMANCE_KEEP_LOG=1 to print Prism's
# log at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
CARGO=${CARGO:-cargo}
build_dir=$root/target/conformance
prism_dir=$root/tests/conformance/prism
prism_version=5.16.0
start_timeout=${PRISM_START_TIMEOUT:-180}
mkdir -p "$build_dir"
t0=$SECONDS
say() { echo "== conformance: $*"; }

# --- node and the pinned Prism -------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  say "installing node and npm (Debian packages)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null
  $sudo apt-get install -y -q --no-install-recommends nodejs npm >/dev/null
fi
installed=$(node -p "try { require('$prism_dir/node_modules/@stoplight/prism-cli/package.json').version } catch (e) { '' }")
if [ "$installed" != "$prism_version" ]; then
  say "installing @stoplight/prism-cli $prism_version (npm ci, tests/conformance/prism)"
  # --ignore-scripts: the only install script in the tree is a telemetry ping.
  npm ci --prefix "$prism_dir" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
fi

# --- the prepared spec -----------------------------------------------------------------------------
say "building openai-conformance (prepare-spec and the test binaries)"
$CARGO build -q -p openai-conformance --bins --tests
spec=$build_dir/openapi.prepared.json
"$root/target/debug/prepare-spec" --prefix /v1 "$root/tests/spec/openapi.yaml" "$spec"

# --- Prism ------------------------------------------------------------------------------------------
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
log=$build_dir/prism.log
prism_pid=""
stop_prism() {
  if [ -n "$prism_pid" ]; then
    # Prism runs in its own process group (setsid): end that group, then reap it.
    kill -TERM -- "-$prism_pid" 2>/dev/null || kill -TERM "$prism_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$prism_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$prism_pid" 2>/dev/null || true
    wait "$prism_pid" 2>/dev/null || true
    prism_pid=""
  fi
  if [ "${CONFORMANCE_KEEP_LOG:-0}" = "1" ] && [ -f "$log" ]; then cat "$log"; fi
}
trap stop_prism EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
say "starting Prism $prism_version on 127.0.0.1:$port (log: ${log#"$root"/})"
SCARF_ANALYTICS=false DO_NOT_TRACK=1 setsid node "$prism_dir/node_modules/@stoplight/prism-cli/dist/index.js" \
  mock --host 127.0.0.1 --port "$port" "$spec" >"$log" 2>&1 &
prism_pid=$!
started=$SECONDS
until grep -q "Prism is listening" "$log" 2>/dev/null; do
  if ! kill -0 "$prism_pid" 2>/dev/null; then
    echo "conformance: Prism exited before listening:"; tail -n 40 "$log"; exit 1
  fi
  if [ $((SECONDS - started)) -ge "$start_timeout" ]; then
    echo "conformance: Prism not listening after ${start_timeout}s:"; tail -n 20 "$log"; exit 1
  fi
  sleep 1
done
say "Prism listening after $((SECONDS - started))s"
export OPENAI_CONFORMANCE_URL="http://127.0.0.1:$port/v1"

# --- the suites ------------------------------------------------------------------------------------
failed=()
skipped=()
passed=()

say "Rust suite (tests/conformance: offline schema checks + every endpoint against Prism)"
if $CARGO test -q -p openai-conformance -- --include-ignored; then
  passed+=(rust)
else
  failed+=(rust)
fi

py=$root/.venv/bin/python
if [ -x "$py" ] && "$py" -c 'import openai_rs' >/dev/null 2>&1; then
  say "Python suite (tests/conformance/python)"
  if "$py" -m pytest -q -p no:cacheprovider -p no:asyncio "$root/tests/conformance/python"; then
    passed+=(python)
  else
    failed+=(python)
  fi
else
  echo "SKIPPED: Python conformance suite: openai_rs is not importable from .venv/bin/python (build the binding into .venv first)"
  skipped+=(python)
fi

# C: the same matrix through libopenai (built by `make c-test`, or here when missing).
if [ ! -f "$root/target/release/libopenai.so" ]; then
  say "building libopenai (release) for the C suite"
  $CARGO build -q -p openai-ffi --release
fi
say "C suite"
if cc -std=c99 -Wall -Wextra -Werror -pedantic -I "$root/bindings-c/include" \
     "$root/tests/conformance/c/conformance.c" -L "$root/target/release" -lopenai \
     -Wl,-rpath,"$root/target/release" -o "$build_dir/c-conformance" \
   && "$build_dir/c-conformance"; then
  passed+=(c)
else
  failed+=(c)
fi

say "done in $((SECONDS - t0))s: passed [${passed[*]-}] failed [${failed[*]-}] skipped [${skipped[*]-}]"
[ ${#failed[@]} -eq 0 ]
