"""The guides' interactive chat loop, on a Conversation: the history is kept for you, fitted into
the model's context window before each call (older turns are left out of the request, not
forgotten), and usage and cost are tracked.

Commands: /tokens (the history's size and the context window), /cost (usage and USD so far),
/undo (remove the last turn), /quit. End of input (Ctrl-D) ends it too.

    python chat_loop.py [--context-window N]

OPENAI_API_KEY (and OPENAI_BASE_URL) as usual; OPENAI_RS_MODEL picks the model (gpt-4o-mini);
OPENAI_RS_CONTEXT_WINDOW=N, or --context-window N, pretends the window is N tokens, to watch the
trimming happen on a short chat.
"""

import argparse
import os

import openai_rs
from openai_rs import Conversation, OpenAI


def main() -> None:
    parser = argparse.ArgumentParser(description="Chat with a model; the history is kept.")
    parser.add_argument(
        "--context-window",
        type=int,
        default=int(os.environ.get("OPENAI_RS_CONTEXT_WINDOW", "0")) or None,
        help="context window in tokens (default: the model's)",
    )
    args = parser.parse_args()

    conv = Conversation(
        OpenAI(),
        model=os.environ.get("OPENAI_RS_MODEL", "gpt-4o-mini"),
        system="You are a helpful assistant. Keep answers short.",
        max_context_tokens=args.context_window,
    )
    while True:
        try:
            user_input = input("you> ").strip()
        except EOFError:
            print()
            break
        if not user_input:
            continue
        if user_input == "/quit":
            break
        if user_input == "/tokens":
            print(f"(history: {conv.count_tokens()} tokens; context window: {conv.context_window})")
            continue
        if user_input == "/cost":
            u = conv.usage
            print(
                f"({u.calls} calls, {u.prompt_tokens} prompt + {u.completion_tokens} completion "
                f"tokens, ${u.cost_usd:.6f})"
            )
            continue
        if user_input == "/undo":
            removed = conv.undo()
            print(f"(removed the last turn: {len(removed)} messages)" if removed else "(nothing to undo)")
            continue
        try:
            reply = conv.send(user_input)
        except openai_rs.ContextWindowExceededError as e:
            print(f"(not sent: {e})")
            continue
        except openai_rs.APIError as e:
            print(f"(error: {e})")
            continue
        if reply.dropped:
            print(f"(trimmed: {len(reply.dropped)} older messages not sent)")
        print(f"assistant> {reply}")


if __name__ == "__main__":
    main()
