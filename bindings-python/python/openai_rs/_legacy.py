"""The legacy (v0) API: ``openai.ChatCompletion.create(...)`` and friends.

They use the module-level settings (``openai_rs.api_key``, ``api_base``, ``organization``,
``proxy``; the proxy is honoured) through the module-level client, and accept the v0 per-call
arguments ``api_key=``, ``api_base=``, ``organization=``, ``request_timeout=`` and ``headers=``.
Responses are the same dict-with-attributes objects as in v1, so ``resp["choices"][0]["message"]``
and ``resp.choices[0].message["content"]`` both work.
"""

from __future__ import annotations

from ._client import _request_timeout
from ._exceptions import InvalidArgumentError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from . import _native

__all__ = ["ChatCompletion", "Embedding", "Image", "Model"]

_overrides: list[Any] = [None, None]  # [(native, key, base, org), client]


def _native_for(api_key: Any, api_base: Any, organization: Any) -> _native.Client:
    from . import _module_client

    native = _module_client()._native
    if api_key is None and api_base is None and organization is None:
        return native
    key = (native, api_key, api_base, organization)
    if _overrides[0] != key:
        _overrides[1] = native.with_options(
            api_key=api_key, base_url=api_base, organization=organization
        )
        _overrides[0] = key
    return _overrides[1]  # type: ignore[no-any-return]


def _split(params: dict[str, Any]) -> tuple[_native.Client, Any, float | None]:
    """Pops the v0 per-call settings out of `params`."""
    for azure in ("engine", "deployment_id"):
        if params.pop(azure, None) is not None and "model" not in params:
            raise InvalidArgumentError(
                f"{azure}= (Azure routing) is not supported by openai_rs; pass model= instead"
            )
    native = _native_for(
        params.pop("api_key", None), params.pop("api_base", None), params.pop("organization", None)
    )
    for ignored in ("api_type", "api_version"):
        params.pop(ignored, None)
    headers = params.pop("headers", None)
    timeout = _request_timeout(params.pop("request_timeout", params.pop("timeout", None)))
    return native, headers, timeout


class ChatCompletion:
    """``openai.ChatCompletion`` (v0)."""

    @classmethod
    def create(cls, **params: Any) -> Any:
        native, headers, t = _split(params)
        if params.pop("stream", False):
            return native.chat_completion_stream(params, headers, None, None, t)
        return native.chat_completion(params, headers, None, None, t)

    @classmethod
    def acreate(cls, **params: Any) -> Any:
        native, headers, t = _split(params)
        if params.pop("stream", False):
            return native.achat_completion_stream(params, headers, None, None, t)
        return native.achat_completion(params, headers, None, None, t)


class Image:
    """``openai.Image`` (v0)."""

    @classmethod
    def create(cls, **params: Any) -> Any:
        native, headers, t = _split(params)
        return native.images_generate(params, headers, None, None, t)

    @classmethod
    def acreate(cls, **params: Any) -> Any:
        native, headers, t = _split(params)
        return native.aimages_generate(params, headers, None, None, t)


class Embedding:
    """``openai.Embedding`` (v0). ``engine=`` is accepted as the model name."""

    @classmethod
    def create(cls, **params: Any) -> Any:
        if "engine" in params and "model" not in params:
            params["model"] = params.pop("engine")
        native, headers, t = _split(params)
        return native.embeddings(params, headers, None, None, t)

    @classmethod
    def acreate(cls, **params: Any) -> Any:
        if "engine" in params and "model" not in params:
            params["model"] = params.pop("engine")
        native, headers, t = _split(params)
        return native.aembeddings(params, headers, None, None, t)


class Model:
    """``openai.Model`` (v0)."""

    @classmethod
    def list(cls, **params: Any) -> Any:
        native, headers, t = _split(params)
        return native.models_list(headers, None, t)

    @classmethod
    def retrieve(cls, id: str, **params: Any) -> Any:  # noqa: A002 - the v0 parameter name
        native, headers, t = _split(params)
        return native.models_retrieve(id, headers, None, t)
