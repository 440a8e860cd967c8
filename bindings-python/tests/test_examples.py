"""Every script in examples/python runs against the mock and prints what it should.

The scripts from the guides are copies of ../shared/seed-scripts with only the import line
changed; `test_seed_copies_differ_only_in_the_import_line` checks that when the seeds are there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

EXAMPLES = REPO / "examples" / "python"
SEEDS = Path(os.environ.get("OPENAI_RS_SEED_SCRIPTS", REPO.parent / "shared" / "seed-scripts"))

EXPECTED = {
    "v1_env_key_chat.py": ["You said: 用比喻解释神经网络的工作原理"],
    "v1_dotenv_chat.py": [
        "You said: Compose a poem that explains the concept of recursion in programming."
    ],
    "v1_custom_env_name.py": ["You said: Hello!"],
    "v1_multi_turn.py": ["You said: Where was it played?", "stop"],
    "v1_vision.py": ["You said: 描述图片内容 [image]", "You said: Describe this image. [image]"],
    "v1_json_mode.py": ['{"reply": "You said: 生成3个机器学习术语及解释"}'],
    "v1_image_generation.py": ["https://mock.openai.local/images/"],
    "v0_legacy_chat.py": ["You said: Hello!"],
    "stream.py": [
        "You said: Write a haiku about recursion.",
        "finish_reason: stop",
        "total tokens:",
    ],
    "async_stream.py": [
        "A: You said: What is a monad?",
        "A: You said: What is a coroutine?",
        "You said: Count to five.",
    ],
    "legacy_stream.py": ["You said: Tell me a short joke.", "error: 404 model_not_found"],
    "files_and_batches.py": [
        "uploaded: requests.jsonl",
        "batch: validating",
        "batch: completed | requests left: 9999",
        "done: 3 of 3 succeeded, 0 failed",
        "q1: What is the capital of France? -> You said: What is the capital of France?",
        "q2: What is 2 + 2? -> You said: What is 2 + 2?",
        "q3: Name a prime number. -> You said: Name a prime number.",
        "input file still listed: False",
    ],
    "structured_outputs.py": [
        "chat parsed: CalendarEvent You said: Alice and Bob are going to a science fair",
        "responses parsed: CalendarEvent",
        "tool: GetWeather city='Paris'",
    ],
    "bulk.py": [
        "first run: 20 ok, 0 failed, 0 skipped",
        "q0: You said: What is 0 + 0?",
        "second run: 0 ok, 20 skipped",
        "output lines: 20",
    ],
    "azure.py": [
        "key: You said: Hello from Azure!",
        "token: You said: Two?",
        "token provider called: 2 times",
    ],
    "responses.py": [
        "output_text: You said: Explain recursion in one sentence. [instructions]",
        "streamed: You said: Explain recursion in one sentence.\nfinal status: completed",
        "function call: get_weather {'input': 'What is the weather in Paris?'}",
        "answer: Tool result: sunny, 21 C",
    ],
}


def run(
    name: str,
    base_url: str,
    tmp_path: Path,
    stdin: str | None = None,
    extra_env: dict[str, str] | None = None,
):
    env = {
        **os.environ,
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "sk-mock-key",
        "CUSTOM_ENV_NAME": "sk-mock-custom",
        "AZURE_OPENAI_ENDPOINT": base_url.rsplit("/v1", 1)[0],
        "AZURE_OPENAI_API_KEY": "az-mock-key",
        "OPENAI_API_VERSION": "2024-10-21",
        "PYTHONIOENCODING": "utf-8",
        **(extra_env or {}),
    }
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_every_example_is_covered():
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECTED) | {
        "v0_chat_loop.py",
        "chat_loop.py",
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(name, base_url, tmp_path):
    p = run(name, base_url, tmp_path)
    assert p.returncode == 0, p.stderr
    for expected in EXPECTED[name]:
        assert expected in p.stdout, p.stdout


def test_dotenv_example_reads_a_dotenv_file(base_url, tmp_path):
    """v1_dotenv_chat.py with the key only in ./.env (python-dotenv loads it)."""
    (tmp_path / ".env").write_text("OPENAI_API_KEY=sk-from-dotenv\n")
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["OPENAI_BASE_URL"] = base_url
    p = subprocess.run(
        [sys.executable, str(EXAMPLES / "v1_dotenv_chat.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    assert "You said: Compose a poem" in p.stdout


def test_chat_loop_keeps_the_history(base_url, tmp_path):
    """The interactive loop, fed three lines; it ends with EOFError when stdin runs out (the
    script loops forever, as in the guide)."""
    p = run("v0_chat_loop.py", base_url, tmp_path, stdin="你好\nWhat is 2+2?\nbye\n")
    assert "AI回复：You said: 你好" in p.stdout
    assert "AI回复：You said: What is 2+2?" in p.stdout
    assert "AI回复：You said: bye" in p.stdout
    assert p.stdout.count("AI回复") == 3
    assert "EOFError" in p.stderr


# What run-examples.sh feeds chat_loop.py too.
CHAT_LOOP_STDIN = (
    "Hello!\nWhat did I just say?\nTell me more please.\n/tokens\n/cost\n/undo\n/tokens\n"
    "Thanks, bye.\n/quit\nnever sent\n"
)


def test_conversation_chat_loop(base_url, tmp_path):
    """chat_loop.py on a Conversation with an 80-token window: the replies, the trimming line,
    and the /tokens, /cost, /undo, /quit commands."""
    p = run(
        "chat_loop.py",
        base_url,
        tmp_path,
        stdin=CHAT_LOOP_STDIN,
        extra_env={"OPENAI_RS_CONTEXT_WINDOW": "80"},
    )
    assert p.returncode == 0, p.stderr
    out = p.stdout
    for said in ("Hello!", "What did I just say?", "Tell me more please.", "Thanks, bye."):
        assert f"assistant> You said: {said}" in out, out
    assert "never sent" not in out, "/quit ends the loop"
    # The window holds the system message and about one turn: older turns are left out.
    assert out.count("(trimmed: 2 older messages not sent)") == 2, out
    # /tokens: the whole history (system + 3 turns), then after /undo (system + 2 turns).
    tokens = [
        int(line.split("history: ")[1].split(" ")[0])
        for line in out.splitlines()
        if "history: " in line
    ]
    assert len(tokens) == 2 and tokens[0] > tokens[1] > 0, out
    assert out.count("context window: 80)") == 2, out
    assert "(3 calls, " in out and " completion tokens, $0.0000" in out, out
    assert "(removed the last turn: 2 messages)" in out, out


def test_seed_copies_differ_only_in_the_import_line():
    if not SEEDS.is_dir():
        pytest.skip(f"seed scripts not found at {SEEDS}")
    for seed in sorted(SEEDS.glob("*.py")):
        ours = (EXAMPLES / seed.name).read_text(encoding="utf-8").splitlines()
        theirs = seed.read_text(encoding="utf-8").splitlines()
        assert len(ours) == len(theirs), seed.name
        diff = [(a, b) for a, b in zip(theirs, ours, strict=True) if a != b]
        assert diff in (
            [("from openai import OpenAI", "from openai_rs import OpenAI")],
            [("import openai", "import openai_rs as openai")],
        ), (seed.name, diff)
