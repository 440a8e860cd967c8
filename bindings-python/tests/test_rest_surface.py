"""Audio, moderations, legacy completions, image edits, model deletion, stored chat
completions, raw responses, the generic get/post and the legacy v0 names, against the mock."""

from __future__ import annotations

import asyncio

import pytest

import openai_rs
from conftest import MSG, fault
from openai_rs import types

RATE_HEADERS = (
    "x-ratelimit-limit-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens",
)


# ------------------------------------------------------------------------------------ audio


def test_transcription_multipart_fields_and_formats(client, mock, test_id):
    audio = b"\x01" * 2048
    t = client.audio.transcriptions.create(
        file=("clip.wav", audio),
        model="whisper-1",
        language="en",
        extra_headers={"x-test-id": test_id},
    )
    assert isinstance(t, types.Transcription)
    assert t.text == "transcript of clip.wav (2048 bytes)"
    [entry] = mock.journal(test_id)
    parts = {p["name"]: p for p in entry["multipart"]}
    assert set(parts) == {"file", "model", "language"}
    assert (parts["file"]["filename"], parts["file"]["content_type"]) == ("clip.wav", "audio/wav")
    assert parts["file"]["bytes"] == len(audio)
    text = client.audio.transcriptions.create(
        file=("clip.wav", audio), model="whisper-1", response_format="text"
    )
    assert text == "transcript of clip.wav (2048 bytes)\n"
    raw = client.audio.transcriptions.with_raw_response.create(
        file=("clip.wav", audio), model="whisper-1", response_format="srt"
    )
    assert raw.headers["content-type"].startswith("text/") and "-->" in raw.text()
    verbose = client.audio.transcriptions.create(
        file=("clip.wav", audio), model="whisper-1", response_format="verbose_json"
    )
    assert verbose.task == "transcribe" and len(verbose.segments) == 1


def test_transcription_stream(client):
    events = list(
        client.audio.transcriptions.create(file=("s.wav", b"x" * 10), model="m", stream=True)
    )
    assert events[-1]["type"] == "transcript.text.done"
    deltas = "".join(e["delta"] for e in events if e["type"] == "transcript.text.delta")
    assert deltas == events[-1]["text"] == "transcript of s.wav (10 bytes)"


def test_translation_and_missing_model(client):
    t = client.audio.translations.create(file=("fr.mp3", b"x"), model="whisper-1")
    assert isinstance(t, types.Translation) and t.text.startswith("transcript of fr.mp3")
    with pytest.raises(openai_rs.BadRequestError) as e:
        client.audio.translations.create(file=("fr.mp3", b"x"), model="")
    assert e.value.param == "model"


def test_speech_binary_read_iter_and_files(client, tmp_path):
    sp = client.audio.speech.create(model="tts-1", input="hello", voice="alloy")
    assert sp.headers["content-type"] == "audio/mpeg"
    data = sp.content
    assert len(data) == len("hello") * 1024
    again = client.audio.speech.create(model="tts-1", input="hello", voice="alloy")
    assert b"".join(again.iter_bytes()) == data
    out = tmp_path / "a.mp3"
    client.audio.speech.create(model="tts-1", input="hello", voice="alloy").write_to_file(out)
    assert out.read_bytes() == data
    wav = client.audio.speech.create(
        model="tts-1", input="hi", voice="alloy", response_format="wav"
    )
    assert wav.read()[:4] == b"RIFF"


def test_speech_streaming_response_reads_lazily(client, tmp_path):
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", input="x" * 64, voice="alloy"
    ) as resp:
        assert resp.status_code == 200
        assert resp.headers.get("Content-Type") == "audio/mpeg"
        # Nothing is read yet: the body comes in pieces (the mock sends 4 KiB chunks).
        pieces = list(resp.iter_bytes())
    assert sum(map(len, pieces)) == 64 * 1024 and len(pieces) > 1
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", input="y", voice="alloy"
    ) as resp:
        resp.parse().stream_to_file(tmp_path / "y.mp3")
    assert (tmp_path / "y.mp3").stat().st_size == 1024


# ------------------------------------------------------------------ moderations, completions


def test_moderations(client):
    m = client.moderations.create(input=["I will kill it", "a nice day"])
    assert isinstance(m, types.ModerationCreateResponse)
    assert isinstance(m.results[0], types.Moderation)
    assert [r.flagged for r in m.results] == [True, False]
    assert m.results[0].categories["violence"] is True
    assert m.model == "omni-moderation-latest"


def test_text_completions_and_stream(client):
    c = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hello", max_tokens=5)
    assert isinstance(c, types.Completion) and isinstance(c.choices[0], types.CompletionChoice)
    assert c.choices[0].text == "You said: hello" and c.usage.prompt_tokens > 0
    with client.completions.create(
        model="m", prompt="hello there", stream=True, stream_options={"include_usage": True}
    ) as stream:
        chunks = list(stream)
    assert all(isinstance(x, types.Completion) for x in chunks)
    assert "".join(x.choices[0].text for x in chunks if x.choices) == "You said: hello there"
    assert chunks[-1].usage.total_tokens > 0


def test_text_completion_stream_cut_before_done_is_an_error(client, test_id):
    stream = client.completions.create(
        model="m", prompt="a b c", stream=True, extra_headers=fault(test_id, "truncate-after=2")
    )
    with pytest.raises(openai_rs.APIStreamTruncatedError):
        list(stream)


# ---------------------------------------------------------------------- images and models


def test_image_edit_and_variation_multipart(client, mock, test_id):
    r = client.images.edit(
        image=[("a.png", b"\x89PNG1"), ("b.png", b"\x89PNG2")],
        mask=("m.png", b"\x89PNGm"),
        prompt="add a hat",
        n=2,
        extra_headers={"x-test-id": test_id},
    )
    assert isinstance(r, types.ImagesResponse) and len(r.data) == 2
    [entry] = mock.journal(test_id)
    got = [(p["name"], p["filename"], p["content_type"]) for p in entry["multipart"]]
    assert ("image[]", "a.png", "image/png") in got and ("image[]", "b.png", "image/png") in got
    assert ("mask", "m.png", "image/png") in got
    assert ("prompt", None, None) in got and ("n", None, None) in got
    v = client.images.create_variation(image=("v.png", b"\x89PNG"))
    assert v.data[0].revised_prompt == ""
    with pytest.raises(openai_rs.BadRequestError):
        client.images.edit(image=("a.png", b"x"), prompt="")


def test_models_delete(client):
    d = client.models.delete("ft:gpt-4o-mini:org:del-test:1")
    assert isinstance(d, types.ModelDeleted) and d.deleted
    with pytest.raises(openai_rs.NotFoundError):
        client.models.delete("ft:gpt-4o-mini:org:del-test:1")
    with pytest.raises(openai_rs.PermissionDeniedError):
        client.models.delete("gpt-4o-mini")


# --------------------------------------------------------------------- stored chat completions


def test_stored_chat_completions(client, mock, test_id):
    tag = test_id
    made = [
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "system", "content": "s"}, {"role": "user", "content": f"q{i}"}],
            store=True,
            metadata={"tag": tag},
        )
        for i in range(3)
    ]
    got = client.chat.completions.retrieve(made[0].id)
    assert isinstance(got, types.ChatCompletion) and got.id == made[0].id
    listed = client.chat.completions.list(
        metadata={"tag": tag}, limit=2, extra_headers={"x-test-id": test_id}
    )
    assert [c.id for c in listed] == [c.id for c in made]
    assert len(mock.journal(test_id)) == 2
    assert (
        "metadata%5Btag%5D=" in mock.journal(test_id)[0]["query"]
        or "metadata[tag]=" in (mock.journal(test_id)[0]["query"])
    )
    msgs = list(client.chat.completions.messages.list(made[1].id, limit=1))
    assert all(isinstance(m, types.ChatCompletionStoreMessage) for m in msgs)
    assert [(m.role, m.content) for m in msgs] == [("system", "s"), ("user", "q1")]
    up = client.chat.completions.update(made[2].id, metadata={"tag": "other"})
    assert up.id == made[2].id
    assert len(list(client.chat.completions.list(metadata={"tag": tag}))) == 2
    d = client.chat.completions.delete(made[0].id)
    assert isinstance(d, types.ChatCompletionDeleted) and d.deleted
    with pytest.raises(openai_rs.NotFoundError):
        client.chat.completions.retrieve(made[0].id)


# ----------------------------------------------------------------------------- raw responses


def test_with_raw_response_headers_rate_limits_and_parse(client):
    raw = client.files.with_raw_response.list(limit=1)
    assert raw.status_code == 200
    for h in RATE_HEADERS:
        assert h in raw.headers and raw.headers[h.upper()] == raw.headers[h]
    assert raw.headers["x-ratelimit-limit-requests"] == "10000"
    assert raw.request_id and raw.request_id == raw.headers["X-Request-ID"]
    page = raw.parse()
    assert isinstance(page.data, list)
    assert raw.json()["object"] == "list"
    chat = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MSG)
    parsed = chat.parse()
    assert isinstance(parsed, types.ChatCompletion) and parsed._request_id == chat.request_id
    assert parsed.choices[0].message.content == "You said: Hello!"
    m = client.models.with_raw_response.retrieve("gpt-4o-mini")
    assert isinstance(m.parse(), types.Model) and m.status_code == 200
    e = client.embeddings.with_raw_response.create(model="text-embedding-3-small", input="x")
    assert isinstance(e.parse(), types.CreateEmbeddingResponse)
    img = client.images.with_raw_response.generate(prompt="x")
    assert isinstance(img.parse(), types.ImagesResponse)
    content = client.files.with_raw_response.content(
        client.files.create(file=("r.txt", b"raw!"), purpose="user_data").id
    )
    assert content.headers["content-length"] == "4" and content.read() == b"raw!"


def test_raw_response_of_a_stream_has_its_headers(client):
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MSG, stream=True
    )
    assert raw.headers["content-type"].startswith("text/event-stream")
    assert "x-ratelimit-remaining-tokens" in raw.headers and raw.request_id
    text = "".join(c.choices[0].delta.content or "" for c in raw.parse() if c.choices)
    assert text == "You said: Hello!"
    r = client.responses.with_raw_response.create(model="gpt-4o-mini", input="hi", stream=True)
    assert r.request_id and r.parse().__next__().type == "response.created"


def test_http_request_is_the_request_on_the_wire(client, mock, test_id):
    """Method and URL of every kind of raw answer (JSON, page, binary, stream), sync and async,
    against what the mock received."""
    h = {"x-test-id": test_id}
    fid = client.files.create(file=("r.txt", b"raw!"), purpose="user_data", extra_headers=h).id
    raws = [
        client.files.with_raw_response.retrieve(fid, extra_headers=h),
        client.files.with_raw_response.list(limit=1, order="asc", extra_headers=h),
        client.files.with_raw_response.content(fid, extra_headers=h),
        client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=MSG, stream=True, extra_headers=h
        ),
        client.models.with_raw_response.retrieve(
            "gpt-4o-mini", extra_headers=h, extra_query={"x": "1"}
        ),
    ]
    seen = mock.journal(test_id)[1:]
    assert len(seen) == len(raws)
    root = client.base_url.rsplit("/v1/", 1)[0]
    for raw, entry in zip(raws, seen, strict=True):
        req = raw.http_request
        want = root + entry["path"] + ("?" + entry["query"] if entry["query"] else "")
        assert (req.method, req.url) == (entry["method"], want)
        assert raw.url == want
    assert seen[1]["query"] == "limit=1&order=asc"

    async def main() -> None:
        a = openai_rs.AsyncOpenAI(api_key="sk-test-key", base_url=client.base_url)
        async with a.files.with_streaming_response.retrieve(fid, extra_headers=h) as resp:
            assert resp.http_request.url.endswith(f"/v1/files/{fid}")
        raw = await a.files.with_raw_response.delete(fid, extra_headers=h)
        assert raw.http_request.method == "DELETE" and raw.http_request.url.endswith(fid)

    import asyncio

    asyncio.run(main())


def test_raw_response_errors_raise_as_usual(client):
    with pytest.raises(openai_rs.NotFoundError):
        client.files.with_raw_response.retrieve("file-nope")


def test_streaming_response_is_a_context_manager_sending_on_enter(client, mock, test_id):
    cm = client.batches.with_streaming_response.list(extra_headers={"x-test-id": test_id})
    assert mock.journal(test_id) == []
    with cm as resp:
        assert resp.status_code == 200 and len(mock.journal(test_id)) == 1
        assert isinstance(resp.parse(), openai_rs._resources.SyncPage)
        assert resp.text().startswith("{")
    # Nested resources are in the same mode.
    raw_parts = client.uploads.with_raw_response.parts
    up = client.uploads.create(bytes=1, filename="p", mime_type="text/plain", purpose="batch")
    assert raw_parts.create(up.id, data=b"x").status_code == 200
    raw_msgs = client.chat.with_raw_response.completions.messages
    assert raw_msgs._mode == client.chat.completions.with_raw_response.messages._mode == 1


def test_async_raw_and_streaming_responses(aclient):
    async def main() -> None:
        raw = await aclient.moderations.with_raw_response.create(input="x")
        assert raw.status_code == 200 and isinstance(raw.parse(), types.ModerationCreateResponse)
        page = await aclient.files.with_raw_response.list()
        assert "x-ratelimit-reset-tokens" in page.headers
        async with aclient.audio.speech.with_streaming_response.create(
            model="tts-1", input="ab", voice="alloy"
        ) as resp:
            assert resp.status_code == 200
            assert len(b"".join([c async for c in resp.iter_bytes()])) == 2048
        async with aclient.models.with_streaming_response.retrieve("gpt-4o-mini") as resp:
            assert (await resp.parse()).id == "gpt-4o-mini"
            assert (await resp.json())["id"] == "gpt-4o-mini"

    asyncio.run(main())


# ------------------------------------------------------------------------- async endpoints


def test_async_rest_surface(aclient):
    async def main() -> None:
        t = await aclient.audio.transcriptions.create(file=("a.wav", b"x"), model="whisper-1")
        assert t.text == "transcript of a.wav (1 bytes)"
        txt = await aclient.audio.transcriptions.create(
            file=("a.wav", b"x"), model="whisper-1", response_format="srt"
        )
        assert isinstance(txt, str) and "transcript of a.wav" in txt
        tr = await aclient.audio.translations.create(file=("a.wav", b"x"), model="whisper-1")
        assert isinstance(tr, types.Translation)
        sp = await aclient.audio.speech.create(model="tts-1", input="abc", voice="alloy")
        assert len(await sp.aread()) == 3 * 1024
        m = await aclient.moderations.create(input="steal")
        assert m.results[0].categories["illicit"] is True
        c = await aclient.completions.create(model="m", prompt="yo")
        assert c.choices[0].text == "You said: yo"
        stream = await aclient.completions.create(model="m", prompt="yo yo", stream=True)
        text = "".join([x.choices[0].text async for x in stream if x.choices])
        assert text == "You said: yo yo"
        edit = await aclient.images.edit(image=("a.png", b"x"), prompt="p")
        assert isinstance(edit, types.ImagesResponse)
        var = await aclient.images.create_variation(image=("a.png", b"x"))
        assert isinstance(var, types.ImagesResponse)
        d = await aclient.models.delete("ft:gpt-4o-mini:org:async-del:1")
        assert d.deleted
        cc = await aclient.chat.completions.create(model="gpt-4o-mini", messages=MSG, store=True)
        assert (await aclient.chat.completions.retrieve(cc.id)).id == cc.id
        upd = await aclient.chat.completions.update(cc.id, metadata={"a": "b"})
        assert upd.id == cc.id
        ids = [x.id async for x in aclient.chat.completions.list(metadata={"a": "b"})]
        assert cc.id in ids
        msgs = [x.content async for x in aclient.chat.completions.messages.list(cc.id)]
        assert msgs == ["Hello!"]
        assert (await aclient.chat.completions.delete(cc.id)).deleted
        models = await aclient.get("/models", cast_to=types.ModelsPage)
        assert isinstance(models, types.ModelsPage) and models._request_id

    asyncio.run(main())


# ------------------------------------------------------------------------- generic requests


def test_generic_get_post_delete(client):
    m = client.get("/models/gpt-4o-mini", cast_to=types.Model)
    assert isinstance(m, types.Model) and m.id == "gpt-4o-mini" and m._request_id
    mod = client.post("moderations", cast_to=types.ModerationCreateResponse, body={"input": "x"})
    assert isinstance(mod, types.ModerationCreateResponse) and mod.results[0].flagged is False
    plain = client.get("files", options={"params": {"limit": 1}})
    assert isinstance(plain, types.OpenAIObject) and len(plain.data) <= 1
    f = client.files.create(file=("g.txt", b"g"), purpose="user_data")
    assert client.delete(f"/files/{f.id}", cast_to=types.FileDeleted).deleted
    with pytest.raises(openai_rs.NotFoundError):
        client.get(f"/files/{f.id}", options={"headers": {"x-test": "1"}})


# ------------------------------------------------------------------------------ legacy names


def test_legacy_v0_names(module_settings, base_url, tmp_path):
    openai = module_settings
    openai.api_key = "sk-v0"
    openai.api_base = base_url
    c = openai.Completion.create(model="text-davinci-003", prompt="hi", request_timeout=30)
    assert c["choices"][0]["text"] == "You said: hi"
    chunks = list(openai.Completion.create(model="m", prompt="hi", stream=True))
    assert "".join(x["choices"][0]["text"] for x in chunks if x["choices"]) == "You said: hi"
    assert openai.Moderation.create(input="hateful")["results"][0]["flagged"] is True
    p = tmp_path / "train.jsonl"
    p.write_bytes(b'{"prompt": "a", "completion": "b"}\n')
    with open(p, "rb") as fh:
        f = openai.File.create(file=fh, purpose="fine-tune")
    assert f["filename"] == "train.jsonl" and f.purpose == "fine-tune"
    named = openai.File.create(file=b"x", purpose="fine-tune", user_provided_filename="n.jsonl")
    assert named.filename == "n.jsonl"
    assert f.id in [x.id for x in openai.File.list(purpose="fine-tune")]
    assert openai.File.retrieve(f.id)["bytes"] == p.stat().st_size
    assert openai.File.download(f.id) == p.read_bytes()
    assert openai.File.delete(f.id)["deleted"] is True
    with open(p, "rb") as audio:
        t = openai.Audio.transcribe("whisper-1", audio)
    assert t["text"] == f"transcript of train.jsonl ({p.stat().st_size} bytes)"
    assert openai.Audio.translate("whisper-1", ("x.mp3", b"x")).text.startswith("transcript")

    async def v0_async() -> None:
        c = await openai.Completion.acreate(model="m", prompt="async")
        assert c.choices[0].text == "You said: async"
        s = await openai.Completion.acreate(model="m", prompt="a b", stream=True)
        assert "".join([x.choices[0].text async for x in s if x.choices]) == "You said: a b"
        assert (await openai.Moderation.acreate(input="harassing"))["results"][0]["flagged"]
        t = await openai.Audio.atranscribe("whisper-1", ("v.wav", b"xy"))
        assert t.text == "transcript of v.wav (2 bytes)"

    asyncio.run(v0_async())
    # The v1 module-level resources too.
    assert openai.moderations.create(input="x").results[0].flagged is False
    assert isinstance(openai.files.retrieve(named.id), types.FileObject)


RESOURCES = (
    "chat",
    "chat.completions",
    "chat.completions.messages",
    "images",
    "embeddings",
    "models",
    "responses",
    "responses.input_items",
    "responses.input_tokens",
    "files",
    "uploads",
    "uploads.parts",
    "batches",
    "audio",
    "audio.transcriptions",
    "audio.translations",
    "audio.speech",
    "moderations",
    "completions",
)


@pytest.mark.parametrize("aio", [False, True])
def test_every_resource_has_raw_and_streaming_forms(client, aclient, aio):
    root = aclient if aio else client
    for path in RESOURCES:
        res = root
        for part in path.split("."):
            res = getattr(res, part)
        raw, streaming = res.with_raw_response, res.with_streaming_response
        assert type(raw) is type(res) is type(streaming), path
        assert (res._mode, raw._mode, streaming._mode, raw._aio) == (0, 1, 2, aio), path
        # Sub-resources of a raw resource are raw too.
        for part in ("completions", "messages", "parts", "speech", "input_items"):
            if hasattr(raw, part):
                assert getattr(raw, part)._mode == 1, f"{path}.{part}"
