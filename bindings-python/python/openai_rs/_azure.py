"""``AzureOpenAI`` and ``AsyncAzureOpenAI``: the same clients, routed the Azure way.

The routing lives in the core (``api-version`` on every request, ``api-key`` or a Microsoft
Entra token, the deployment endpoints under ``/deployments/{deployment or model}``); these
classes only map the official constructor onto it. A token provider is called in Python before
each call, on the caller's thread or awaited on the caller's loop, and its token handed to the
core, so no core thread ever runs Python.
"""

from __future__ import annotations

from . import _native
from ._client import AsyncOpenAI, OpenAI, _native_kwargs
from ._client_util import http_client_settings
from .types import NOT_GIVEN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping
    from typing import Any

__all__ = ["AsyncAzureOpenAI", "AzureOpenAI"]


def _checked(token: object) -> str:
    if not isinstance(token, str) or not token:
        raise ValueError(
            "Expected `azure_ad_token_provider` argument to return a non-empty string."
        )
    return str.__str__(token)


_REFRESHING: set[Any] = set()
# Native calls that send no request, so need no token.
_SENDS_NOTHING = frozenset({"request_line", "set_credential", "expose_api_key", "with_options"})


class _TokenCalls:
    """The native client with a fresh token before every call: what the resources call when
    the client has a token provider. Native calls whose name starts with ``a`` answer an
    awaitable, so an async provider is awaited before them; the few other calls (pagers,
    downloads, streams) start their I/O later and use the newest token, which an async
    provider refreshes in the background."""

    __slots__ = ("_n", "_provider")

    def __init__(self, native: _native.Client, provider: Callable[[], Any]) -> None:
        self._n = native
        self._provider = provider

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._n, name)
        if not callable(method) or name in _SENDS_NOTHING:
            return method
        native, provider = self._n, self._provider

        def call(*args: Any, **kwargs: Any) -> Any:
            token = provider()
            if not hasattr(token, "__await__"):
                native.set_credential(_checked(token))
                return method(*args, **kwargs)
            if name.startswith("a"):
                return _after(token, method, args, kwargs)
            import asyncio

            task = asyncio.ensure_future(_refresh(token))
            _REFRESHING.add(task)  # a task nobody holds may be collected before it runs
            task.add_done_callback(_REFRESHING.discard)
            return method(*args, **kwargs)

        async def _after(token: Awaitable[Any], method: Any, args: Any, kwargs: Any) -> Any:
            native.set_credential(_checked(await token))
            return await method(*args, **kwargs)

        async def _refresh(token: Awaitable[Any]) -> None:
            native.set_credential(_checked(await token))

        return call


class _AzureMixin:
    """The constructor, ``with_options`` and pickling shared by both Azure clients. (No
    ``__slots__``: the provider lives in the instance ``__dict__``, so that these shared
    methods may set it; mypy refuses a slot that only the subclasses declare.)"""

    _provider: Callable[[], Any] | None

    def _azure_init(
        self,
        api_version: str | None,
        azure_endpoint: str | None,
        azure_deployment: str | None,
        api_key: str | None,
        azure_ad_token: str | None,
        azure_ad_token_provider: Callable[[], Any] | None,
        rest: dict[str, Any],
    ) -> None:
        rest["timeout"], rest["proxy"], rest["ca_file"] = http_client_settings(
            rest.pop("http_client", None),
            rest.get("timeout", NOT_GIVEN),
            rest.get("proxy"),
            rest.get("ca_file"),
            stacklevel=4,
        )
        for ignored in ("websocket_base_url", "webhook_secret", "_strict_response_validation"):
            rest.pop(ignored, None)
        if azure_ad_token_provider is not None and not callable(azure_ad_token_provider):
            raise TypeError("azure_ad_token_provider must be a callable returning a token")
        azure = {
            "endpoint": azure_endpoint,
            "deployment": azure_deployment,
            "api_version": api_version,
            "ad_token": azure_ad_token,
            "token_per_request": azure_ad_token_provider is not None,
        }
        kw = _native_kwargs(
            api_key,
            rest.pop("organization", None),
            rest.pop("project", None),
            rest.pop("base_url", None),
            rest.pop("timeout", NOT_GIVEN),
            rest.pop("max_retries", 2),
            rest.pop("default_headers", None),
            rest.pop("default_query", None),
            rest.pop("proxy", None),
            rest.pop("ca_file", None),
        )
        if rest:
            raise TypeError(f"unexpected keyword argument {next(iter(rest))!r}")
        self._provider = azure_ad_token_provider
        self._bind(_native.Client(**kw, azure=azure))  # type: ignore[attr-defined]

    def _calls(self, native: _native.Client) -> Any:
        provider = getattr(self, "_provider", None)
        return native if provider is None else _TokenCalls(native, provider)

    def with_options(self, **kwargs: Any) -> Any:
        """A new client with some settings replaced; the token provider is carried over."""
        new = super().with_options(**kwargs)  # type: ignore[misc]
        new._provider = self._provider
        new._bind(new._native)
        return new

    copy = with_options

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_azure, (type(self), self._native, self._provider))  # type: ignore[attr-defined]


def _restore_azure(cls: type[Any], native: _native.Client, provider: Any) -> Any:
    obj = object.__new__(cls)
    obj._provider = provider
    obj._bind(native)
    return obj


class AzureOpenAI(_AzureMixin, OpenAI):
    """The synchronous Azure OpenAI client::

        client = AzureOpenAI(azure_endpoint="https://example.openai.azure.com",
                             api_version="2024-10-21", api_key="...")
        client.chat.completions.create(model="my-deployment", messages=[...])

    Settings not given come from ``AZURE_OPENAI_API_KEY``, ``AZURE_OPENAI_AD_TOKEN``,
    ``AZURE_OPENAI_ENDPOINT`` and ``OPENAI_API_VERSION``. ``azure_ad_token_provider`` is called
    before every request.
    """

    def __init__(
        self,
        *,
        api_version: str | None = None,
        azure_endpoint: str | None = None,
        azure_deployment: str | None = None,
        api_key: str | None = None,
        azure_ad_token: str | None = None,
        azure_ad_token_provider: Callable[[], str] | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        timeout: Any = NOT_GIVEN,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        **rest: Any,
    ) -> None:
        rest.update(
            organization=organization,
            project=project,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
        )
        self._azure_init(
            api_version,
            azure_endpoint,
            azure_deployment,
            api_key,
            azure_ad_token,
            azure_ad_token_provider,
            rest,
        )


class AsyncAzureOpenAI(_AzureMixin, AsyncOpenAI):
    """The asyncio Azure OpenAI client; ``azure_ad_token_provider`` may be a coroutine
    function, awaited before every request."""

    def __init__(
        self,
        *,
        api_version: str | None = None,
        azure_endpoint: str | None = None,
        azure_deployment: str | None = None,
        api_key: str | None = None,
        azure_ad_token: str | None = None,
        azure_ad_token_provider: Callable[[], str | Awaitable[str]] | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        timeout: Any = NOT_GIVEN,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        **rest: Any,
    ) -> None:
        rest.update(
            organization=organization,
            project=project,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
        )
        self._azure_init(
            api_version,
            azure_endpoint,
            azure_deployment,
            api_key,
            azure_ad_token,
            azure_ad_token_provider,
            rest,
        )
