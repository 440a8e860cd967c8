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

__all__ = [
    "Audio",
    "ChatCompletion",
    "Completion",
    "Embedding",
    "File",
    "Image",
    "Model",
    "Moderation",
]

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


def _resource(native: _native.Client, aio: bool = False) -> Any:
    from ._resources import _Resource

    return _Resource(native, aio)


def _completion(params: dict[str, Any], aio: bool) -> Any:
    native, headers, t = _split(params)
    opts = {"extra_headers": headers, "timeout": t}
    res = _resource(native, aio)
    if params.pop("stream", False):
        return res._stream("createCompletion", "Completion", opts, body=params)
    return res._call("createCompletion", "Completion", opts, body=params)


def _moderation(params: dict[str, Any], aio: bool) -> Any:
    native, headers, t = _split(params)
    opts = {"extra_headers": headers, "timeout": t}
    res = _resource(native, aio)
    return res._call("createModeration", "ModerationCreateResponse", opts, body=params)


class Completion:
    """``openai.Completion`` (v0): legacy text completions (``stream=True`` too)."""

    @classmethod
    def create(cls, **params: Any) -> Any:
        return _completion(params, False)

    @classmethod
    def acreate(cls, **params: Any) -> Any:
        return _completion(params, True)


class Moderation:
    """``openai.Moderation`` (v0)."""

    @classmethod
    def create(cls, **params: Any) -> Any:
        return _moderation(params, False)

    @classmethod
    def acreate(cls, **params: Any) -> Any:
        return _moderation(params, True)


class File:
    """``openai.File`` (v0): ``create(file=open(...), purpose=...)``, ``list()``,
    ``retrieve(id)``, ``delete(id)``, ``download(id)`` (bytes)."""

    @classmethod
    def _files(cls, params: dict[str, Any]) -> Any:
        from ._resources import Files

        native, headers, t = _split(params)
        return Files(native, False), {"extra_headers": headers, "timeout": t}

    @classmethod
    def create(cls, **params: Any) -> Any:
        files, opts = cls._files(params)
        # v0 took a user-given file name as `user_provided_filename`.
        name = params.pop("user_provided_filename", None)
        file = params.pop("file")
        return files.create(file=(name, file) if name else file, **params, **opts)

    @classmethod
    def list(cls, **params: Any) -> Any:
        files, opts = cls._files(params)
        return files.list(**params, **opts)

    @classmethod
    def retrieve(cls, id: str, **params: Any) -> Any:  # noqa: A002 - the v0 parameter name
        files, opts = cls._files(params)
        return files.retrieve(id, **opts)

    @classmethod
    def delete(cls, sid: str, **params: Any) -> Any:
        files, opts = cls._files(params)
        return files.delete(sid, **opts)

    @classmethod
    def download(cls, id: str, **params: Any) -> bytes:  # noqa: A002 - the v0 parameter name
        files, opts = cls._files(params)
        return files.content(id, **opts).read()  # type: ignore[no-any-return]


class Audio:
    """``openai.Audio`` (v0): ``transcribe(model, file)``, ``translate(model, file)`` and their
    async forms ``atranscribe`` / ``atranslate``."""

    @classmethod
    def _run(cls, which: str, model: str, file: Any, params: dict[str, Any], aio: bool) -> Any:
        from ._resources import Audio as _Audio

        native, headers, t = _split(params)
        res = getattr(_Audio(native, aio), which)
        return res.create(model=model, file=file, extra_headers=headers, timeout=t, **params)

    @classmethod
    def transcribe(cls, model: str, file: Any, **params: Any) -> Any:
        return cls._run("transcriptions", model, file, params, False)

    @classmethod
    def translate(cls, model: str, file: Any, **params: Any) -> Any:
        return cls._run("translations", model, file, params, False)

    @classmethod
    def atranscribe(cls, model: str, file: Any, **params: Any) -> Any:
        return cls._run("transcriptions", model, file, params, True)

    @classmethod
    def atranslate(cls, model: str, file: Any, **params: Any) -> Any:
        return cls._run("translations", model, file, params, True)
