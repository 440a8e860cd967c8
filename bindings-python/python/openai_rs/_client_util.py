"""Small helpers shared by the client and the resources."""

from __future__ import annotations

from .types import NOT_GIVEN, NotGiven

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def request_timeout(timeout: Any) -> float | None:
    """Per-request ``timeout=`` (seconds, or a ``Timeout``/``httpx.Timeout``) → seconds."""
    if timeout is None or timeout is NOT_GIVEN:
        return None
    if isinstance(timeout, (int, float)):
        return float(timeout)
    if isinstance(timeout, tuple):  # v0 (connect, read)
        return float(timeout[-1])
    read = getattr(timeout, "read", None)
    return None if read is None else float(read)


class HttpClientNotUsedWarning(UserWarning):
    """``http_client=`` was passed: openai_rs sends requests with its own (Rust) HTTP stack."""


_warned_http_client: list[bool] = [False]


class DefaultHttpxClient:
    """Stands in for the official ``DefaultHttpxClient`` (an ``httpx.Client`` with the SDK's
    defaults), so ``OpenAI(http_client=DefaultHttpxClient(proxy=...))`` runs without httpx:
    its ``proxy``, ``timeout`` and ``verify`` (a CA bundle path) are honoured; other arguments
    (``transport``, ``limits``, ...) are kept and warned about, as openai_rs has no use for
    them::

        client = OpenAI(http_client=DefaultHttpxClient(proxy="http://proxy.internal:3128"))
    """

    def __init__(
        self, *, proxy: Any = None, timeout: Any = NOT_GIVEN, verify: Any = True, **kwargs: Any
    ) -> None:
        self.proxy = proxy
        self.timeout = timeout
        self.verify = verify
        self.unused = sorted(kwargs)
        if verify is False:
            self.unused.append("verify=False")


class DefaultAsyncHttpxClient(DefaultHttpxClient):
    """The asyncio twin of ``DefaultHttpxClient`` (the same settings are honoured)."""


def http_client_settings(
    http_client: Any, timeout: Any, proxy: Any, ca_file: Any, stacklevel: int = 3
) -> tuple[Any, Any, Any]:
    """``(timeout, proxy, ca_file)`` once ``http_client=`` is taken into account.

    Our HTTP is in the core, so an httpx client is not used: passing one warns, once per
    process. Its ``timeout`` is the one setting readable without importing httpx, and the
    official SDK honours it when ``timeout=`` is not given and it is not httpx's default
    (5 s everywhere), so it is honoured the same way here. A ``DefaultHttpxClient`` of ours
    also gives its proxy and CA bundle, and warns only about what it cannot honour.
    ``stacklevel`` points the warning at the caller's line.
    """
    if http_client is None:
        return timeout, proxy, ca_file
    ours = isinstance(http_client, DefaultHttpxClient)
    if ours:
        if proxy is None and http_client.proxy is not None:
            p = http_client.proxy
            proxy = p if isinstance(p, (str, dict)) else str(getattr(p, "url", p))
        if ca_file is None and isinstance(http_client.verify, str):
            ca_file = http_client.verify
    if (not ours or http_client.unused) and not _warned_http_client[0]:
        _warned_http_client[0] = True
        import warnings

        what = ", ".join(http_client.unused) if ours else "proxy, certificates, transport, limits"
        warnings.warn(
            "openai_rs does not use http_client= (its HTTP stack is in the Rust core); its "
            f"timeout is honoured, not the rest ({what}): pass proxy=, ca_file=, timeout= and "
            "default_headers= to the client instead",
            HttpClientNotUsedWarning,
            stacklevel=stacklevel,
        )
    if not isinstance(timeout, NotGiven):
        return timeout, proxy, ca_file
    t = getattr(http_client, "timeout", None)
    parts = [getattr(t, n, None) for n in ("connect", "read", "write", "pool")]
    if t is None or isinstance(t, NotGiven) or parts == [5.0, 5.0, 5.0, 5.0]:
        return NOT_GIVEN, proxy, ca_file
    return t, proxy, ca_file
