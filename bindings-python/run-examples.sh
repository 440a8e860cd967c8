#!/usr/bin/env bash
# Runs every script in examples/python and shows what it prints (used by `make py-demo`, under
# scripts/with-mock.sh). Against the mock every script must succeed; against the real API a
# failure is reported but does not stop the others (v0_legacy_chat.py hard-codes the guide's
# placeholder key "YOUR_API_KEY", and v1_vision.py points at an example.com image).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/examples/python
python=${PYTHON:-python}
export CUSTOM_ENV_NAME=${CUSTOM_ENV_NAME:-${OPENAI_API_KEY:-}}
real=0
[ "${OPENAI_RS_USE_MOCK:-0}" = "1" ] || real=1
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for script in "$dir"/*.py; do
  name=$(basename "$script")
  echo "---- $name"
  if [ "$name" = chat_loop.py ]; then
    # The Conversation loop with a small context window, so the trimming shows; then the
    # commands. The same lines as tests/test_examples.py feeds it.
    printf 'Hello!\nWhat did I just say?\nTell me more please.\n/tokens\n/cost\n/undo\n/tokens\nThanks, bye.\n/quit\n' \
      | OPENAI_RS_CONTEXT_WINDOW=${OPENAI_RS_CONTEXT_WINDOW:-80} "$python" "$script" \
      || { echo "FAILED: $name"; failed=1; }
    echo
    continue
  fi
  if [ "$name" = v0_chat_loop.py ]; then
    # The guide's loop never ends on its own: feed it three turns; EOF ends it.
    printf 'Hello!\nWhat did I just say?\nThanks, bye.\n' | "$python" "$script" 2>/dev/null
    echo
    continue
  fi
  if ! (cd "$work" && "$python" "$script"); then
    echo "FAILED: $name"
    failed=1
  fi
done
if [ "$failed" = 1 ] && [ "$real" = 0 ]; then exit 1; fi
exit 0
