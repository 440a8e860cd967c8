//! A deterministic OpenAI-compatible HTTP/1.1 server for tests, examples and
//! benchmarks, with fault injection that real HTTP stacks cannot produce.
//!
//! # Use from Rust
//!
//! ```no_run
//! let server = openai_mock::MockServer::start();
//! let url = server.base_url(); // "http://127.0.0.1:PORT/v1"
//! // ... point a client at `url`, send `x-test-id: my-test` ...
//! let seen = server.journal_for("my-test");
//! # let _ = (url, seen);
//! ```
//!
//! The server runs on its own thread with its own tokio runtime, so blocking
//! and async tests can both use it; dropping the [`MockServer`] stops it.
//!
//! # Behaviour
//!
//! All API routes live under `/v1` and need `Authorization: Bearer <key>`
//! (any non-empty key). Every response carries `x-request-id:
//! req_<16 hex>` and `openai-processing-ms`, and every `/v1` response the
//! six `x-ratelimit-*` headers ([Rate limits](#rate-limits)). Errors use
//! OpenAI's envelope `{"error": {"message", "type", "param", "code"}}`.
//!
//! * `POST /v1/chat/completions`: replies `"You said: " + <last user text>`
//!   (string content, or the parts in order: text parts separated by `" "`,
//!   each image part adding `" [image]"`). A last message with role `tool`
//!   yields `"Tool result: <its content>"`. With non-empty `tools` and a
//!   `tool_choice` other than `"none"` the reply is one tool call to the
//!   named (else the first) function with arguments
//!   `{"input": "<last user text>"}` (a `strict` function's parameters
//!   schema is filled instead, as `json_schema` is). JSON mode (`json_object`) wraps the
//!   text as `{"reply": "<text>"}`; `json_schema` fills the schema as the
//!   Responses route's `text.format` does (below). `max_tokens`/`max_completion_tokens` below the
//!   reply's token count cut it (`finish_reason: "length"`). `n` gives n
//!   identical choices. `stream: true` streams one chunk per token.
//! * `POST /v1/responses`: the Responses API, answering as the chat route
//!   does (same echo, tool trigger, token counts and `events=N`); see
//!   [Responses](#responses).
//! * `GET /v1/responses/{id}`, `DELETE /v1/responses/{id}`,
//!   `POST /v1/responses/{id}/cancel`, `GET /v1/responses/{id}/input_items`,
//!   `POST /v1/responses/input_tokens`.
//! * `POST /v1/embeddings`: unit vectors (`dimensions`, default 8) seeded by
//!   an FNV-1a hash of each input; `encoding_format: "base64"` supported.
//! * `POST /v1/images/generations`: `url`s or a 1x1 PNG as `b64_json`.
//! * `GET /v1/models`, `GET /v1/models/{id}`.
//! * Files, Uploads, Batches, audio, moderations, legacy completions, image
//!   edits and variations, `DELETE /v1/models/{id}` and stored chat
//!   completions: see their sections below.
//! * Azure OpenAI's paths: `/openai/deployments/{name}/X` and `/openai/X`
//!   answer as `/v1/X`, but only with an `api-version` query parameter (else
//!   404), and `/openai/v1/X` as `/v1/X`; an `api-key` header authenticates
//!   as a bearer key does.
//! * `GET /__mock/journal[?test_id=X]`, `DELETE /__mock/journal`,
//!   `GET /__mock/health`, `GET /__mock/stats` (no auth, not journaled).
//!
//! # Responses
//!
//! `POST /v1/responses` takes `model` and `input` (400 naming the missing
//! one; unknown fields are accepted). `input` is a string (one user message)
//! or a list of items: messages (`role` user/system/developer/assistant,
//! `content` a string or `input_text`/`input_image`/`input_file` parts, with
//! or without `"type": "message"`), `function_call` and
//! `function_call_output` items; other item types are kept as they are.
//!
//! * The answer is a `Response` with every field the spec requires, echoing
//!   the request's settings (`instructions`, `tools`, `tool_choice`, `text`,
//!   `reasoning`, `temperature`, `top_p`, `max_output_tokens`, `store`,
//!   `metadata`, ...) or the API's defaults, `created_at` = 1700000000.
//! * `output` is one `message` with one `output_text` part: `"You said:
//!   <last user text>"`, plus ` [turn T; N items; instructions]` naming
//!   whichever differs from a single plain input: T = responses in the
//!   `previous_response_id` chain counting this one, N = items seen (the
//!   chain's inputs and outputs plus this input), `instructions` when given.
//!   E.g. `"You said: two [turn 2; 3 items]"`.
//! * With `function` tools (other tool types are ignored) and `tool_choice`
//!   not `"none"`, unless the last input is a `function_call_output`: one
//!   `function_call` item to the function `tool_choice` names (else the
//!   first), arguments `{"input": "<last user text>"}`. After a
//!   `function_call_output`: `"Tool result: <its output>"`.
//! * `text.format` `json_object`: `{"reply": "<text>"}`; `json_schema`
//!   (needs `name`): an object with every property of the schema (strings
//!   the text, numbers 0, booleans true, arrays empty, enums their first
//!   value, `$ref`s into `$defs` followed, `anyOf` its first non-null
//!   branch), or `{"reply": ...}` when the schema has no `properties`.
//! * `max_output_tokens` below the text's token count cuts it: `status:
//!   "incomplete"`, `incomplete_details: {"reason": "max_output_tokens"}`.
//! * Usage: `input_tokens` = the chat formula over the context, instructions
//!   first as a `developer` message (a `function_call` counts its arguments
//!   as `assistant`, a `function_call_output` its output as `tool`);
//!   `output_tokens` = tokens of the text or arguments.
//! * Ids are not counted but hashed: `resp_<16 hex>` from the body without
//!   `stream`/`stream_options`, the `x-test-id` and any `events=N`; items are
//!   `msg_`/`fc_`/`fco_`/`item_<hex>_<index>`, calls `call_<hex>_<index>`
//!   (indexes run over the input items, then the output). So the same body in
//!   the same test gives the same response, streamed or not: a stream's
//!   terminal event carries exactly the non-streamed body. Sending the same
//!   body again in one test replaces the stored copy.
//! * `stream: true`: `text/event-stream` of named events, `event: <type>` and
//!   `data: {"type": <type>, ..., "sequence_number": n}` (n from 0), no
//!   `[DONE]`: `response.created`, `response.in_progress` (the response with
//!   status `in_progress`, no output, no usage), `response.output_item.added`,
//!   then for text `response.content_part.added`, one
//!   `response.output_text.delta` per token, `response.output_text.done`,
//!   `response.content_part.done`, or for a call one
//!   `response.function_call_arguments.delta` per token and
//!   `response.function_call_arguments.done`; then
//!   `response.output_item.done` and `response.completed` (or
//!   `response.incomplete`) with the final response.
//! * Stored unless `store: false` (the newest 10,000, in memory). `GET`
//!   returns it; `DELETE` answers `{"id", "object": "response.deleted",
//!   "deleted": true}`; unknown ids are 404 `Response with id '<id>' not
//!   found.`; an unknown `previous_response_id` is 404 with `param:
//!   previous_response_id`, `code: previous_response_not_found`.
//! * `background: true` (needs `store`) answers `status: "queued"` with no
//!   output; the first `GET` completes it, `cancel` before that makes it
//!   `cancelled` (again: the same object). Cancelling a non-background
//!   response is a 400 `Cannot cancel a synchronous response.`, a completed
//!   background one a 400 too.
//! * `input_items`: this request's input items (not the chain's), with ids,
//!   as `{"object": "list", "data", "first_id", "last_id", "has_more"}`;
//!   `order` `desc` (default) or `asc`, `limit` 1..=100 (default 20), `after`
//!   an item id of the same order. Following `after=<last_id>` while
//!   `has_more` visits every item once. An empty page has null ids.
//! * `input_tokens`: `{"object": "response.input_tokens", "input_tokens"}`,
//!   the `usage.input_tokens` a create with that body would report.
//!
//! # Multipart bodies and the journal
//!
//! A `POST` with `Content-Type: multipart/form-data; boundary=...` (length
//! or chunked framing) is parsed as it streams in: parts are split on the
//! boundary from the header, part headers are read (`Content-Disposition`
//! `name`, `filename` or RFC 5987 `filename*`, `Content-Type`), bodies are
//! binary-safe. Parts up to 8 MiB stay in memory; bigger ones are written as
//! they arrive, sparsely (all-zero 4 KiB blocks become holes), under
//! `<system temp>/openai-mock-<pid>-<n>/`, which the server removes when it
//! stops (a SIGKILLed process leaves it, named by its pid). A malformed body
//! (no boundary, junk after a boundary, no final boundary, a part without
//! `Content-Disposition`) is a 400 `Could not parse multipart form: <why>.`
//! (`param` null); the connection stays usable. Multipart routes given
//! another content type answer 400 `Invalid Content-Type header, expected
//! multipart/form-data.`. Bodies of other requests are still read whole
//! (at most 64 MiB, else 413).
//!
//! Journal entries carry `body_bytes` (the body's length). A body that is
//! not UTF-8 also has `body_base64`, its exact bytes
//! ([`JournalEntry::body_raw`] decodes either). A streamed multipart body
//! over 64 KiB is not kept: `body` is empty and `body_fnv1a64` holds the
//! FNV-1a 64 of the whole body (16 hex digits), so two attempts can be
//! compared. Multipart entries also have `multipart`: `[{"name",
//! "filename", "content_type", "bytes"}]` in body order.
//!
//! # Files and uploads
//!
//! * `POST /v1/files`: parts `file` (needs a filename) and `purpose`
//!   (`assistants`, `batch`, `fine-tune`, `vision`, `user_data`, `evals`);
//!   400 `Missing required parameter: 'file'.` (or `'purpose'`) with that
//!   `param`. Answers a FileObject `{"id": "file-mockN", "object": "file",
//!   "bytes", "created_at": 1700000000 + N, "filename", "purpose", "status":
//!   "processed", "expires_at": null, "status_details": null}` (N counts
//!   files from 1 per server, output files included).
//! * `GET /v1/files?purpose&limit&order&after`: `{"object": "list",
//!   "data", "first_id", "last_id", "has_more"}`, newest first by default,
//!   `limit` 1..=10000 (default 10000), `after` an id of the same order.
//!   Following `after=<last_id>` while `has_more` visits every file once; an
//!   empty page has null ids; an unknown `after` is a 400.
//! * `GET /v1/files/{id}`, `DELETE /v1/files/{id}` (`{"id", "object":
//!   "file", "deleted": true}`), `GET /v1/files/{id}/content`: the bytes as
//!   `application/octet-stream` with `Content-Length`, spooled files
//!   streamed from disk. Unknown ids: 404 `No such File object: <id>`
//!   (`param` `id`).
//! * `POST /v1/uploads` (JSON `filename`, `purpose`, `bytes`, `mime_type`):
//!   `{"id": "upload_mockN", "object": "upload", "bytes", "created_at",
//!   "filename", "purpose", "status": "pending", "expires_at", "file":
//!   null}`. `POST /v1/uploads/{id}/parts` (multipart `data`): `{"id":
//!   "part_mockN", "object": "upload.part", "created_at", "upload_id"}`.
//!   `POST /v1/uploads/{id}/complete` (`part_ids` in order, `md5` ignored):
//!   the Upload with `status: "completed"` and `file` the FileObject whose
//!   content is the parts in that order; 400 (`param` `bytes`) unless they
//!   add up to the declared `bytes`, 400 (`part_ids`) for a part of another
//!   upload. `POST /v1/uploads/{id}/cancel`: `status: "cancelled"`. A
//!   completed or cancelled upload takes no more calls (400); unknown ids
//!   404.
//!
//! # Batches
//!
//! `POST /v1/batches` takes `input_file_id` (a file with purpose `batch`,
//! else 400; unknown 404), `endpoint` (`/v1/chat/completions`,
//! `/v1/embeddings`, `/v1/responses`, `/v1/completions`, `/v1/moderations`),
//! `completion_window: "24h"` and optional `metadata`, each missing or wrong
//! one a 400 naming it. It answers a Batch (`id` `batch_mockN`, `status`
//! `validating`, `request_counts` `{total, completed: 0, failed: 0}`,
//! `created_at` = 1700000000 + 10N, `expires_at` a day later, `model` from
//! the first line, every timestamp field present).
//!
//! Each `GET /v1/batches/{id}` moves it one step. By default it completes
//! on the 3rd: `in_progress`, `finalizing`, `completed`. The knob
//! `x-mock-fault: batch-polls=N` on the create makes it complete on the Nth
//! `GET` (N=1: the first; N=2: `in_progress`, then `completed`; N≥3:
//! `in_progress` ×(N−2), `finalizing`, `completed`; N=0: the create answers
//! it completed). `GET /v1/batches` (list) does not move batches.
//!
//! Once completed it has `request_counts`, `usage` (input/output tokens
//! summed over the lines), `output_file_id` and, only when some line
//! failed, `error_file_id` (files with purpose `batch_output`, named
//! `<batch>_output.jsonl` / `<batch>_error.jsonl`). Every line is answered
//! with the body its live route would give (ids derived from the batch id
//! and line index) as `{"id": "batch_req_<16 hex>", "custom_id",
//! "response": {"status_code", "request_id": "req_<16 hex>", "body"},
//! "error": null}`: 200 lines go to the output file, lines the route
//! rejects go to the error file with the route's status (400) and error
//! envelope as `body`. Lines come out **shuffled** (by a hash of
//! `custom_id`, never the input order when there are two or more), in both
//! files.
//!
//! An input that is not valid JSONL fails validation: the first `GET`
//! answers `status: "failed"` with `errors: {"object": "list", "data":
//! [{"code", "message", "param", "line"}]}` (1-based lines; codes
//! `invalid_json_line`, `missing_required_parameter` (`custom_id` or
//! `body`), `duplicate_custom_id`, `invalid_method`, `mismatched_endpoint`
//! (a line's `url` is not the batch's endpoint), `empty_file`).
//!
//! `POST /v1/batches/{id}/cancel` before completion answers `cancelling`;
//! the next `GET` answers `cancelled` (no output files). Cancelling a
//! completed, failed or cancelled batch is a 409. `GET
//! /v1/batches?after&limit` lists newest first (`limit` 1..=100, default
//! 20) with `first_id`/`last_id`/`has_more` as for files.
//!
//! # Audio
//!
//! * `POST /v1/audio/transcriptions` and `/v1/audio/translations`
//!   (multipart `file` and `model`, else 400 naming them; optional
//!   `response_format`, `language`): the text is `transcript of <filename>
//!   (<n> bytes)`. `json` (default): `{"text"}`; `text`: the text and a
//!   newline as `text/plain; charset=utf-8`; `verbose_json`: `{"task",
//!   "language", "duration", "text", "segments": [one]}` (duration = bytes /
//!   16384 s, at least 1); `srt`, `vtt`: one cue. A transcription with the
//!   field `stream=true` answers `text/event-stream` of `data:` events (no
//!   `event:` lines, no `[DONE]`): `{"type": "transcript.text.delta",
//!   "delta"}` per token of the text, then `{"type":
//!   "transcript.text.done", "text", "usage": {"type": "tokens",
//!   "input_tokens" (one per KiB of audio, at least 1), "output_tokens",
//!   "total_tokens"}}`; the stream faults count the deltas and a cut point
//!   past them fires before the done event.
//! * `POST /v1/audio/speech` (JSON `model`, `input` ≤ 4096 chars, `voice`,
//!   `response_format` `mp3` (default), `opus`, `aac`, `flac`, `wav`,
//!   `pcm`): `len(input in UTF-8 bytes) × 1024` deterministic bytes (the
//!   format's magic number, then a pattern seeded by the input), content
//!   type `audio/mpeg`, `audio/opus`, `audio/aac`, `audio/flac`,
//!   `audio/wav` or `audio/pcm`, chunked in 4 KiB chunks (`interval=MS`
//!   sleeps between them).
//!
//! # Moderations, legacy completions, image edits, model deletion
//!
//! * `POST /v1/moderations` (`input` a string, a list of strings or a list
//!   of `text`/`image_url` parts; `model` default `omni-moderation-latest`):
//!   `{"id": "modr-mockN", "model", "results"}`, one result per string (one
//!   for a parts list) with `flagged`, all 13 `categories`,
//!   `category_scores` (0.9 when triggered, else 0.0001) and
//!   `category_applied_input_types`. Triggers, by whole lowercased word: a
//!   word starting with `kill` → `violence`; `hate`/`hateful` → `hate`;
//!   starting with `harass` → `harassment`; `steal` → `illicit`;
//!   `self-harm` → `self-harm`.
//! * `POST /v1/completions` (`model`, `prompt` a string, strings, a token
//!   array or token arrays; `n`, `max_tokens` default 16, `echo`, `stream`,
//!   `stream_options.include_usage`): per prompt and choice the text `You
//!   said: <prompt>` (token arrays as their numbers joined by spaces), cut
//!   to `max_tokens` (`finish_reason: "length"`), prefixed by the prompt
//!   with `echo`. `{"id": "cmpl-mockN", "object": "text_completion",
//!   "created", "model", "system_fingerprint", "choices": [{"text",
//!   "index", "logprobs": null, "finish_reason"}], "usage"}` (prompt tokens
//!   by the mock's tokenizer). `stream: true`: `data:` chunks of the same
//!   object, one per token, then one with the choice's `finish_reason`,
//!   with `include_usage` a last chunk with `choices: []` and `usage`, then
//!   `data: [DONE]`; the chat stream faults (`events`, `interval`,
//!   `*-after`, `split-bytes`) apply the same way.
//! * `POST /v1/images/edits` (multipart `image`, or one or several
//!   `image[]`; optional `mask`; `prompt` required; `n`, `response_format`)
//!   and `POST /v1/images/variations` (`image`, no prompt) answer like
//!   `/v1/images/generations` (a variation's `revised_prompt` is empty);
//!   400 naming `image` or `prompt` when missing.
//! * `DELETE /v1/models/{id}`: a fine-tuned id (`ft:...`) answers `{"id",
//!   "object": "model", "deleted": true}` the first time and 404 after;
//!   a base model is a 403; an unknown id the usual 404 `model_not_found`.
//!
//! # Stored chat completions
//!
//! A chat completion created with `store: true` (streamed or not) is kept
//! as its non-streamed body plus `metadata` (the request's, or `{}`); the
//! newest 10,000 are kept.
//! * `GET /v1/chat/completions?after&limit&order&model&metadata[k]=v`:
//!   oldest first by default (`order=desc` for newest), `limit` 1..=100
//!   (default 20), filters on `model` and each `metadata[key]=value`.
//! * `GET /v1/chat/completions/{id}`; `POST /v1/chat/completions/{id}`
//!   (`{"metadata": {...}}`, at most 16 string values) replaces the
//!   metadata and answers the completion; `DELETE` answers `{"object":
//!   "chat.completion.deleted", "id", "deleted": true}`; unknown ids 404.
//! * `GET /v1/chat/completions/{id}/messages?after&limit&order`: the
//!   request's messages, `{"id": "<completion id>-<index>", "role",
//!   "content" (text, parts joined as for the echo), "refusal": null,
//!   "name", "content_parts" (the parts, or null)}`, oldest first.
//!
//! # Rate limits
//!
//! Every `/v1` answer (errors and faults included) carries
//! `x-ratelimit-limit-requests`, `x-ratelimit-limit-tokens`,
//! `x-ratelimit-remaining-requests`, `x-ratelimit-remaining-tokens`,
//! `x-ratelimit-reset-requests` and `x-ratelimit-reset-tokens`, the resets
//! as Go durations (`20ms`, `1s`, `8.64s`, `6m0s`; under a second, whole
//! milliseconds rounded up). Unenforced they are constant: 10000, 30000000,
//! 9999, 30000000, `6ms`, `0s`.
//!
//! An enforced limit comes from the server (`--rpm R`, `--tpm T`,
//! `--rate-window-ms W` on the binary; [`MockOptions::rpm`] etc.: one
//! bucket for every request) or from a test (`x-mock-fault: rpm=R;tpm=T;
//! rate-window=MS`: one bucket per test id and setting, taking precedence
//! over the server's). Either limit alone leaves the other at its default.
//! Two token buckets, one for requests and one for tokens, each holding
//! `limit × window / 60 s` (window default 60 s, so a minute's worth, as
//! the real API), refilled continuously at `limit / 60` per second, full at
//! the start. A request takes 1 request and its token cost; when either
//! bucket is short it is refused, without taking anything, with a 429
//! `{"error": {"message": "Rate limit reached for requests in organization
//! org-mock on requests per min (RPM): Limit R, Used U, Requested 1. Please
//! try again in 100ms. ...", "type": "requests" (or "tokens", for TPM),
//! "param": null, "code": "rate_limit_exceeded"}}`, `retry-after-ms` (the
//! exact wait, rounded up to a millisecond) and `retry-after` (in whole
//! seconds, rounded up). The headers then report the buckets: `remaining`
//! is the whole units left after this request, `reset` the time until the
//! bucket is full again. Token cost: chat, `usage.prompt_tokens` + `n` ×
//! (`max_completion_tokens` or `max_tokens` or 0); Responses,
//! `input_tokens` + `max_output_tokens`; completions, prompt tokens +
//! choices × `max_tokens` (default 16); embeddings, prompt tokens; other
//! routes 0. The fault header's `times=K` switches the per-test limit off
//! with the rest after K attempts.
//!
//! # Tokens
//!
//! A token is a maximal run of ASCII alphanumerics, or any single other
//! non-whitespace char (so each punctuation mark, CJK char or emoji is one
//! token): `"You said: hello"` is 4 tokens. Usage is
//! `prompt_tokens = 3 + Σ over messages (3 + tokens(role) + tokens(text))`,
//! `completion_tokens = n × tokens(reply)` (for a tool call, tokens of its
//! arguments string), `total = prompt + completion`. Stream deltas are each
//! token with the whitespace before it, so they concatenate to the
//! non-streaming content. Embedding usage counts tokens of each string
//! input, or the length of each token-array input.
//!
//! # Faults
//!
//! Per request, `x-mock-fault: key=value;key=value;flag`, with optional
//! `x-test-id` (attempts are counted per test id; requests without one share
//! a counter). Unknown keys are a 400 (`code: invalid_mock_fault`).
//!
//! | key | effect |
//! |---|---|
//! | `status=N` | answer N with the envelope for N |
//! | `code=X` | error code (`insufficient_quota` also sets the type) |
//! | `body=html` | a text/html page instead (status from `status`, else 200) |
//! | `times=K` | the whole fault applies to the first K attempts only |
//! | `retry-after=V`, `retry-after-ms=V` | raw headers |
//! | `retry-after-date=+S` | `retry-after` as an HTTP-date S seconds ahead |
//! | `should-retry=true\|false` | `x-should-retry` |
//! | `delay-headers=MS`, `latency=MS` | sleep before anything is written (`latency` replaces the server-wide latency); a client hanging up meanwhile is journaled as `hangup_ms` |
//! | `dribble=MS` | non-streaming body one byte every MS ms |
//! | `drop` | close without answering |
//! | `reset` | TCP RST without answering |
//! | `malformed-json`, `empty-body`, `content-type=T` | 200 with `{invalid`, spaces, or `not json` as T |
//! | `events=N` | the reply is exactly N tokens `w0 w1 …` (also non-streaming) |
//! | `interval=MS` | sleep between content events |
//! | `stall-after=N` | go silent after N content events (up to 120 s, or until the client hangs up: journaled as `hangup_ms`) |
//! | `reset-after=N` | RST after N content events |
//! | `close-after=N` | terminating chunk and close after N events (no `[DONE]`) |
//! | `truncate-after=N` | close after N events without the terminating chunk |
//! | `error-after=N` | an SSE error event after N events, then end the body |
//! | `split-bytes` | every byte of the SSE body as its own HTTP chunk |
//! | `one-write` | the whole SSE body as one HTTP chunk in one write, once it is complete (the benchmark's parsing-cost mode) |
//! | `unknown-event-after=N` | Responses: a `response.mock_unknown` event (with `item_id`, `output_index`, `mock`) after N deltas; the stream then goes on |
//! | `no-sequence-number` | Responses: events without `sequence_number`, as some compatible servers send |
//! | `batch-polls=N` | Batches (on the create): the Nth `GET` completes it (default 3, 0 = at once) |
//! | `rpm=R`, `tpm=T`, `rate-window=MS` | enforce a rate limit for this test id (see [Rate limits](#rate-limits)) |
//! | `verbatim` | Chat: the reply is the last user text exactly (no `You said: `, no JSON wrapping), or a tool call's arguments are; lets a test choose the content a client parses (a `length` cut stays cut) |
//! | `finish-reason=R` | Chat: every choice reports R (`stop`, `length`, `tool_calls`, `content_filter`, `function_call`), streamed or not |
//! | `echo-key[=data\|event]` | an error quoting the `Authorization` header in every field (see `echo.rs`) |
//!
//! A stream cut point beyond the end of the reply fires before the final
//! `finish_reason` chunk. The journal records every attempt, faulted or not.
//!
//! In Responses streams the "content events" are the `output_text` or
//! `function_call_arguments` deltas, and a cut point past the last one fires
//! just before the terminal event, so every cut leaves the stream without
//! `response.completed`: `close-after` ends the body cleanly, `truncate-after`
//! closes the connection mid-body, `reset-after` resets it, `stall-after`
//! goes silent, and `error-after` sends `event: error` with `data:
//! {"type": "error", "code": "stream_error" (or the `code=X` key), "message":
//! "mock stream error", "param": null, "sequence_number": n}` and ends the
//! body. A stream cut short still leaves the response stored, as the real
//! API keeps a response whose client went away.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

mod audio;
mod batches;
mod chatstore;
mod echo;
mod fault;
mod files;
mod http;
mod journal;
mod legacy;
mod multipart;
mod openai;
mod ratelimit;
mod responses;
mod server;
mod tokens;

#[doc(hidden)]
pub use server::{Engine, bind};

/// How to start a [`MockServer`].
#[derive(Clone, Debug)]
pub struct MockOptions {
    /// Added before every `/v1` response (a `latency=` fault overrides it).
    pub latency: Duration,
    pub tls: Option<TlsFiles>,
    /// Record requests (default true). Benchmarks may turn it off.
    pub journal: bool,
    /// 0 picks a free port.
    pub port: u16,
    /// Enforce this many requests per minute on every request (one bucket
    /// for the whole server); see the crate docs on rate limits.
    pub rpm: Option<u64>,
    /// Enforce this many tokens per minute on every request.
    pub tpm: Option<u64>,
    /// The enforced buckets hold `limit × rate_window / 60 s` (default
    /// 60 s: a minute's worth, as the real API's do).
    pub rate_window: Duration,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            latency: Duration::ZERO,
            tls: None,
            journal: true,
            port: 0,
            rpm: None,
            tpm: None,
            rate_window: Duration::from_secs(60),
        }
    }
}

/// PEM files for serving HTTPS.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

impl TlsFiles {
    /// A certificate for `localhost`, `127.0.0.1` and `::1` shipped with this
    /// crate, signed by [`TlsFiles::test_ca_pem`].
    pub fn test_fixture() -> TlsFiles {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("certs");
        TlsFiles {
            cert_pem: dir.join("cert.pem"),
            key_pem: dir.join("key.pem"),
        }
    }

    /// The CA that signed the fixture certificate, for clients to trust.
    pub fn test_ca_pem() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("certs")
            .join("ca.pem")
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug, Serialize)]
pub struct JournalEntry {
    /// 1-based, in arrival order.
    pub seq: u64,
    /// When the head and body were fully read, in ms since server start
    /// (monotonic clock).
    pub at_ms: f64,
    pub method: String,
    pub path: String,
    pub query: String,
    /// Names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced; see `body_base64`).
    pub body: String,
    /// The body's length in bytes, whether or not it was kept.
    pub body_bytes: u64,
    /// The exact body, base64, when it is not valid UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    /// FNV-1a 64 (16 hex digits) of a streamed multipart body over 64 KiB,
    /// which is not kept (`body` is then empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_fnv1a64: Option<String>,
    /// The parts of a `multipart/form-data` body, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multipart: Option<Vec<JournalPart>>,
    pub test_id: Option<String>,
    /// 1-based count of requests seen with this test id.
    pub attempt: u32,
    /// The status sent; 0 if no response was sent (drop, reset, or not yet).
    pub status: u16,
    /// When the server saw the client close the connection (EOF or reset) while it was holding
    /// the request — during `delay-headers`/`latency`, or a stream stalled by `stall-after` — in
    /// ms since server start; `None` otherwise. This is how tests observe that a cancelled
    /// request or a dropped stream really closed its connection.
    pub hangup_ms: Option<f64>,
}

/// One part of a multipart request, as the mock parsed it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct JournalPart {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: u64,
}

impl JournalEntry {
    /// The exact body bytes, when they were kept.
    pub fn body_raw(&self) -> Vec<u8> {
        use base64::Engine as _;
        match &self.body_base64 {
            Some(b) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .unwrap_or_default(),
            None => self.body.as_bytes().to_vec(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// A running mock server; dropping it stops accepting and ends every
/// connection.
pub struct MockServer {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    tls: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Starts with default options on a free port. Panics if it cannot.
    pub fn start() -> MockServer {
        MockServer::start_with(MockOptions::default())
            .expect("openai-mock: cannot start the mock server")
    }

    pub fn start_with(opts: MockOptions) -> std::io::Result<MockServer> {
        let engine = Engine::new(&opts)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("openai-mock")
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            bind(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::LOCALHOST,
                opts.port,
            )))?
        };
        let addr = listener.local_addr()?;
        let shared = engine.shared.clone();
        let tls = engine.is_tls();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("openai-mock".into())
            .spawn(move || {
                runtime.block_on(engine.run(listener, async {
                    let _ = stopped.await;
                }));
                // Dropping the runtime drops every connection task, closing
                // their sockets; no task blocks, so this returns promptly.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(MockServer {
            shared,
            addr,
            tls,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT/v1` (`https://` when serving TLS).
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}/v1",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.journal.entries(None)
    }

    /// Entries whose `x-test-id` equals `test_id`, in arrival order.
    pub fn journal_for(&self, test_id: &str) -> Vec<JournalEntry> {
        self.shared.journal.entries(Some(test_id))
    }

    /// Forgets the recorded entries. Attempt counters are kept, so a
    /// concurrent test's `times=K` fault is not re-armed.
    pub fn clear_journal(&self) {
        self.shared.journal.clear();
    }

    /// TCP connections accepted so far, including TLS ones whose handshake
    /// failed.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.base_url())
            .finish()
    }
}
