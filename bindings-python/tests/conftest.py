"""Shared fixtures: the mock server (one per session), clients, the journal, real proxies."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MOCK_BIN = Path(os.environ.get("OPENAI_MOCK_BIN", REPO / "target" / "debug" / "openai-mock"))
CERTS = REPO / "tests" / "mock-server" / "certs"

# Tests must not pick up a developer's real settings.
for _var in (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_LOG",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = ""


class Mock:
    """A running openai-mock process."""

    def __init__(self, *args: str) -> None:
        if not MOCK_BIN.exists():
            pytest.fail(f"{MOCK_BIN} is not built: run `cargo build -p openai-mock`")
        self.proc = subprocess.Popen(
            [str(MOCK_BIN), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http"), self.url
        self.port = int(self.url.split(":")[2].split("/")[0])

    def journal(self, test_id: str) -> list[dict]:
        root = self.url.rsplit("/v1", 1)[0]
        req = urllib.request.Request(f"{root}/__mock/journal?test_id={test_id}")
        ctx = None
        if self.url.startswith("https"):
            import ssl

            ctx = ssl.create_default_context(cafile=str(CERTS / "ca.pem"))
        with urllib.request.urlopen(req, timeout=5, context=ctx) as r:
            return json.load(r)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture(scope="session")
def mock():
    m = Mock()
    yield m
    m.stop()


@pytest.fixture(scope="session")
def base_url(mock: Mock) -> str:
    return mock.url


@pytest.fixture
def test_id() -> str:
    return f"py-{uuid.uuid4().hex[:12]}"


def header(entry: dict, name: str) -> str | None:
    for k, v in entry["headers"]:
        if k == name.lower():
            return v
    return None


def fault(test_id: str, spec: str) -> dict[str, str]:
    """extra_headers selecting a mock fault for one test."""
    return {"x-mock-fault": spec, "x-test-id": test_id}


@pytest.fixture
def client(base_url: str):
    import openai_rs

    return openai_rs.OpenAI(api_key="sk-test-key", base_url=base_url)


@pytest.fixture
def aclient(base_url: str):
    import openai_rs

    return openai_rs.AsyncOpenAI(api_key="sk-test-key", base_url=base_url)


@pytest.fixture
def module_settings():
    """Restores the openai_rs module-level settings after a test."""
    import openai_rs

    names = ("api_key", "api_base", "base_url", "organization", "project", "proxy", "timeout")
    saved = {n: getattr(openai_rs, n) for n in names}
    saved["max_retries"] = openai_rs.max_retries
    yield openai_rs
    for n, v in saved.items():
        setattr(openai_rs, n, v)


MSG = [{"role": "user", "content": "Hello!"}]


def sigint_default() -> None:
    """``preexec_fn`` for a child that a test interrupts with SIGINT: a shell without job
    control starts background jobs with SIGINT ignored, and a child inherits that (CI runners
    launched that way made the Ctrl-C tests fail for want of a signal)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture(scope="session")
def tinyproxy(tmp_path_factory):
    """A real HTTP proxy (Debian tinyproxy); yields its URL."""
    exe = shutil.which("tinyproxy") or (
        "/usr/bin/tinyproxy" if Path("/usr/bin/tinyproxy").exists() else None
    )
    if exe is None:
        pytest.skip("tinyproxy is not installed (scripts/install-test-deps.sh)")
    port = free_port()
    d = tmp_path_factory.mktemp("tinyproxy")
    conf = d / "tinyproxy.conf"
    conf.write_text(
        f"Port {port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\n"
        f'LogLevel Critical\nLogFile "{d / "log"}"\nPidFile "{d / "pid"}"\n'
        "MaxClients 50\nDisableViaHeader No\nConnectPort 443\nConnectPort 80\n"
    )
    proc = subprocess.Popen(
        [exe, "-d", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_port(port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(5)


@pytest.fixture(scope="session")
def microsocks():
    """A real SOCKS5 proxy (microsocks); yields its URL."""
    exe = shutil.which("microsocks")
    if exe is None:
        pytest.skip("microsocks is not installed (scripts/install-test-deps.sh)")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "-i", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_port(port)
    yield f"socks5://127.0.0.1:{port}", proc
    proc.terminate()
    proc.wait(5)
    if proc.stdout is not None:
        proc.stdout.close()
