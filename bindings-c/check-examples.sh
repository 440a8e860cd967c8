#!/usr/bin/env bash
# Runs the C and C++ examples and checks what they print: exact mock replies under the mock
# server (scripts/with-mock.sh), looser checks against the real API (OPENAI_RS_REAL_API=1).
# Usage: bindings-c/check-examples.sh C_BIN_DIR CPP_BIN_DIR   (-q: print only failures and a summary)
set -euo pipefail
quiet=0
if [ "${1:-}" = "-q" ]; then quiet=1; shift; fi
c_dir=${1:?usage: check-examples.sh [-q] C_BIN_DIR CPP_BIN_DIR}
cpp_dir=${2:?usage: check-examples.sh [-q] C_BIN_DIR CPP_BIN_DIR}
real=${OPENAI_RS_REAL_API:-0}
fail=0
passed=0

check() { # label, binary, stdin, then patterns the output must contain
  local label=$1 bin=$2 input=$3 out
  shift 3
  if ! out=$(printf '%b' "$input" | timeout 120 "$bin" 2>&1); then
    echo "FAIL example $label exited non-zero:"; echo "$out"; fail=1; return
  fi
  for pat in "$@"; do
    if ! grep -qF -- "$pat" <<<"$out"; then
      echo "FAIL example $label: missing \"$pat\" in:"; echo "$out"; fail=1; return
    fi
  done
  passed=$((passed + 1))
  [ $quiet = 1 ] || echo "ok   example $label"
}

if [ "$real" = "1" ]; then
  check c/chat "$c_dir/chat" "" "finish_reason:" "tokens:"
  check c/stream "$c_dir/stream" "" "finish_reason:" "total tokens:"
  check c/vision "$c_dir/vision" "" ""
  check c/json_mode "$c_dir/json_mode" "" "json: {"
  check c/chat_loop "$c_dir/chat_loop" "Say hi.\n/tokens\n/cost\nNow say bye.\n/undo\n" "assistant> " \
    "history: " "usage: 1 calls" "undone: 2 messages removed" "1 turns, 3 messages in the history"
  check cpp/chat "$cpp_dir/chat" "" "finish_reason:"
  check cpp/stream "$cpp_dir/stream" "" "finish_reason:"
  check c/responses "$c_dir/responses" "" "output_text: " "status: completed" "final status: completed"
  check cpp/responses "$cpp_dir/responses" "" "output_text: " "final status: completed"
  check c/event_loop "$c_dir/event_loop" "" "answer 0 (Name a prime number.): " "story finish_reason: " \
    "done: 4 answers, 0 failed"
  # image_gen costs money and minutes: only when asked for.
  if [ "${OPENAI_RS_IMAGES:-0}" = "1" ]; then check c/image_gen "$c_dir/image_gen" "" "image: "; fi
else
  check c/chat "$c_dir/chat" "" "You said: Explain how a neural network works, with a metaphor." \
    "finish_reason: stop" "tokens: 28 prompt + 14 completion = 42"
  check c/stream "$c_dir/stream" "" "You said: Write a haiku about recursion." "finish_reason: stop" \
    "total tokens: 22"
  check c/vision "$c_dir/vision" "" "You said: What is in this image? [image]"
  check c/json_mode "$c_dir/json_mode" "" 'json: {"reply": "You said: List three primary colors as JSON."}'
  check c/image_gen "$c_dir/image_gen" "" "image: https://"
  # A 60-token window: the second turn cannot carry the first, which is left out of the request.
  OPENAI_RS_CONTEXT_WINDOW=60 check c/chat_loop "$c_dir/chat_loop" \
    "hello there, this is my first message\nand a second message for you\n/tokens\n/cost\n/undo\n/tokens\n" \
    "assistant> You said: hello there, this is my first message" \
    "assistant> You said: and a second message for you" "(trimmed: 2 older messages not sent" \
    "history: 63 tokens in 5 messages; context window: 60 tokens" \
    "usage: 2 calls, 48 prompt + 20 completion tokens" "undone: 2 messages removed" \
    "history: 40 tokens in 3 messages" "1 turns, 3 messages in the history"
  check cpp/chat "$cpp_dir/chat" "" "You said: Explain how a neural network works, with a metaphor." \
    "finish_reason: stop" "tokens: 28 prompt + 14 completion = 42"
  check cpp/stream "$cpp_dir/stream" "" "You said: Write a haiku about recursion." "finish_reason: stop" \
    "total tokens: 22"
  check c/responses "$c_dir/responses" "" \
    "output_text: You said: Explain recursion in one sentence. [instructions]" "status: completed" \
    "tokens: 20 input + 12 output = 32" \
    "streamed: You said: Explain recursion in one sentence. [instructions]" "final status: completed"
  check cpp/responses "$cpp_dir/responses" "" \
    "output_text: You said: Explain recursion in one sentence. [instructions]" \
    "tokens: 20 input + 12 output = 32" \
    "streamed: You said: Explain recursion in one sentence. [instructions]" "final status: completed"
  check c/event_loop "$c_dir/event_loop" "" "answer 0 (Name a prime number.): You said: Name a prime number." \
    "answer 3 (Name a river.): You said: Name a river." \
    "story (" "chunks): You said: Tell me a very short story." "story finish_reason: stop" \
    "done: 4 answers, 0 failed"
fi
# Built only where libuv is installed (make test installs it).
if [ -x "$c_dir/event_loop_uv" ]; then
  if [ "$real" = "1" ]; then
    check c/event_loop_uv "$c_dir/event_loop_uv" "" "uv answer 0 (Name a prime number.): " "uv done: 3 answers, 0 failed"
  else
    check c/event_loop_uv "$c_dir/event_loop_uv" "" \
      "uv answer 0 (Name a prime number.): You said: Name a prime number." \
      "uv answer 2 (Name a planet.): You said: Name a planet." "uv done: 3 answers, 0 failed"
  fi
else
  echo "skip example c/event_loop_uv: libuv was not found when the examples were built"
fi
[ $fail = 0 ] && echo "C/C++ examples: $passed passed"
exit $fail
