//! A conversation: the history the guides keep by hand, fitted into the context window before
//! every call, with usage, cost and an optional budget.
//!
//! ```no_run
//! use openai_core::{Client, Conversation, RequestOptions};
//!
//! # async fn demo() -> openai_core::Result<()> {
//! let client = Client::new()?;
//! let mut conv = Conversation::new("gpt-4o-mini");
//! conv.set_system("You are a terse assistant.");
//! conv.settings_mut().budget_usd = Some(0.50);
//! let reply = conv.send(&client, "Hello!", &RequestOptions::default()).await?;
//! println!("{} (${:.6} so far)", reply.text(), conv.usage().cost_usd);
//! # Ok(()) }
//! ```
//!
//! # Decisions
//!
//! - **The history keeps everything; only the request is trimmed.** Before each call the oldest
//!   turns (a user message and everything up to the next user message, so a tool call always
//!   travels with its results) are left out of the request until it fits in the context window
//!   minus the tokens reserved for the reply. System and developer messages are always sent. What
//!   was left out is reported ([`CallReport::dropped`]); [`Conversation::messages`] still has it,
//!   so a save file is the whole conversation.
//! - **All or nothing.** A call is prepared without touching the conversation ([`PreparedTurn`]),
//!   and only a successful reply commits the new messages and the reply together. A failed call,
//!   a failed or abandoned stream, a budget refusal or a turn too large for the window leave the
//!   conversation exactly as it was, so a retry is clean.
//! - **A plain value.** `Conversation` is `Clone` (clone to branch) and serde-serializable, with
//!   no lock and no client inside: bindings own the locking, and the async split
//!   ([`Conversation::prepare`], [`PreparedTurn::send`], [`Conversation::commit`]) lets them hold
//!   no lock while a request is in flight. A commit onto a conversation that changed in the
//!   meantime is refused rather than interleaving two turns.
//! - **Undo does not refund.** [`Conversation::undo`] removes the last turn from the history;
//!   usage and cost stay, because they were spent.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{Client, RequestOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::models::{ModelLimits, ModelPrice, PriceTable, model_limits};
use crate::stream::ChatStream;
use crate::tokens::{Encoding, REPLY_PRIMING_TOKENS, TokenCounter};
use crate::types::{
    ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Content, Message, Role, Usage,
};

/// The `format` field of a saved conversation.
pub const FILE_FORMAT: &str = "openai-rs.conversation";
/// The version of the saved format this library writes and the newest it reads.
pub const FILE_VERSION: u64 = 1;
/// Tokens reserved for the reply when neither the request nor the settings say, and the model's
/// limits are unknown.
pub const DEFAULT_RESERVE_UNKNOWN_MODEL: u64 = 4_096;

/// What a conversation may override about its model. Every field defaults to "use the built-in
/// knowledge".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationSettings {
    /// The context window in tokens, for a compatible server or a model newer than the built-in
    /// table. `None`: the table's; unknown model: no trimming.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    /// Tokens kept free for the reply when the request sets no `max_tokens` /
    /// `max_completion_tokens` (those win when set). `None`: the model's maximum output, capped
    /// at a quarter of the window, so a small window still leaves room for history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve_output_tokens: Option<u64>,
    /// The tokenizer, when the model name does not tell (a compatible server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// Refuse a call, before sending it, if its estimated cost (prompt counted offline, plus the
    /// reserved output at the output price) would bring the total over this many USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_usd: Option<f64>,
    /// Prices that win over the built-in table (see [`PriceTable::load`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<PriceTable>,
    /// Send the turns over the Responses API instead of chat completions. The history and every
    /// rule above stay the same; only the wire format changes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_responses_api: bool,
}

/// Usage summed over calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageTotals {
    /// Completed calls.
    #[serde(default)]
    pub calls: u64,
    /// Prompt tokens, cached ones included.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Completion tokens, reasoning ones included.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Prompt plus completion.
    #[serde(default)]
    pub total_tokens: u64,
    /// Prompt tokens served from the prompt cache.
    #[serde(default)]
    pub cached_tokens: u64,
    /// Completion tokens spent on reasoning.
    #[serde(default)]
    pub reasoning_tokens: u64,
    /// USD spent on the calls whose model has a price.
    #[serde(default)]
    pub cost_usd: f64,
    /// Calls whose model has no known price (not in `cost_usd`).
    #[serde(default)]
    pub unpriced_calls: u64,
}

impl UsageTotals {
    /// Adds one call.
    pub fn add(&mut self, usage: &Usage, cost_usd: Option<f64>) {
        self.calls += 1;
        self.prompt_tokens += usage.prompt_tokens;
        self.completion_tokens += usage.completion_tokens;
        self.total_tokens += usage.total_tokens;
        self.cached_tokens += usage.cached_tokens();
        self.reasoning_tokens += usage.reasoning_tokens();
        match cost_usd {
            Some(c) => self.cost_usd += c,
            None => self.unpriced_calls += 1,
        }
    }
}

/// What one call did: usage, cost and what the context window left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallReport {
    /// The model that answered (the response's, else the request's).
    pub model: String,
    /// The API's usage; estimated offline when the server sent none (see `usage_estimated`).
    pub usage: Usage,
    /// True when the server reported no usage and it was counted offline instead.
    #[serde(default)]
    pub usage_estimated: bool,
    /// USD, `None` when the model has no known price.
    #[serde(default)]
    pub cost_usd: Option<f64>,
    /// The prompt tokens counted offline before sending.
    #[serde(default)]
    pub estimated_prompt_tokens: u64,
    /// Indices in [`Conversation::messages`] of the messages left out of the request to fit the
    /// context window, oldest first.
    #[serde(default)]
    pub dropped: Vec<usize>,
    /// Why the reply ended (`stop`, `length`, `tool_calls`, ...).
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// A call ready to be sent: the trimmed request and what will be committed with the reply.
/// Preparing changes nothing, so dropping a `PreparedTurn` is always safe.
#[derive(Clone, Debug)]
pub struct PreparedTurn {
    request: ChatCompletionRequest,
    input: Vec<Message>,
    dropped: Vec<usize>,
    prompt_tokens: u64,
    reserve: u64,
    estimated_cost_usd: Option<f64>,
    base_revision: u64,
    use_responses_api: bool,
}

impl PreparedTurn {
    /// The request that will be sent (history fitted to the window, parameters applied).
    pub fn request(&self) -> &ChatCompletionRequest {
        &self.request
    }

    /// The messages this turn adds before the reply (the user message, or tool results).
    pub fn input(&self) -> &[Message] {
        &self.input
    }

    /// History indices left out of the request, oldest first.
    pub fn dropped(&self) -> &[usize] {
        &self.dropped
    }

    /// The request's prompt tokens, counted offline.
    pub fn prompt_tokens(&self) -> u64 {
        self.prompt_tokens
    }

    /// Tokens kept free for the reply.
    pub fn reserved_output_tokens(&self) -> u64 {
        self.reserve
    }

    /// The most this call should cost: the prompt, plus the reserved output at the output price.
    pub fn estimated_cost_usd(&self) -> Option<f64> {
        self.estimated_cost_usd
    }

    /// Sends the request; commit the result with [`Conversation::commit`].
    pub async fn send(self, client: &Client, opts: &RequestOptions) -> Result<CompletedTurn> {
        if self.use_responses_api {
            let req = crate::responses_chat::chat_to_responses(&self.request)?;
            let resp = client.responses_create(&req, opts).await?;
            let completion = crate::responses_chat::response_to_chat(&resp.data)?;
            return Ok(self.complete_with(completion));
        }
        let resp = client.chat_completion(&self.request, opts).await?;
        Ok(self.complete_with(resp.data))
    }

    /// Starts a stream (asking for usage in its last chunk unless the parameters set
    /// `stream_options`); finish with [`Conversation::finish_stream`].
    pub async fn stream(mut self, client: &Client, opts: &RequestOptions) -> Result<TurnStream> {
        if self.use_responses_api {
            let req = crate::responses_chat::chat_to_responses(&self.request)?;
            let stream = ChatStream::from_responses(client.responses_stream(&req, opts).await?);
            return Ok(TurnStream { turn: self, stream });
        }
        if self.request.stream_options.is_none() {
            self.request.stream_options = Some(serde_json::json!({"include_usage": true}));
        }
        let stream = client.chat_completion_stream(&self.request, opts).await?;
        Ok(TurnStream { turn: self, stream })
    }

    /// Pairs the turn with a completion obtained some other way (a binding's own call loop).
    pub fn complete_with(self, completion: ChatCompletion) -> CompletedTurn {
        CompletedTurn {
            turn: self,
            completion,
        }
    }
}

/// A reply received and not yet committed.
#[derive(Clone, Debug)]
pub struct CompletedTurn {
    turn: PreparedTurn,
    completion: ChatCompletion,
}

impl CompletedTurn {
    /// The reply.
    pub fn completion(&self) -> &ChatCompletion {
        &self.completion
    }
}

/// A streamed turn that owns its stream (no borrow of the conversation), for bindings that keep
/// the conversation behind a lock. Read it to the end, then [`Conversation::finish_stream`].
#[derive(Debug)]
pub struct TurnStream {
    turn: PreparedTurn,
    stream: ChatStream,
}

impl TurnStream {
    /// The next chunk, `None` at the end (see [`ChatStream::next_chunk`]).
    pub async fn next_chunk(&mut self) -> Option<Result<ChatCompletionChunk>> {
        self.stream.next_chunk().await
    }

    /// The next piece of the reply's text (choice 0), skipping chunks that carry none (the role,
    /// tool-call deltas, the usage chunk); `None` at the end. For bindings that hand out text
    /// deltas; everything else still reaches the committed completion.
    pub async fn next_text(&mut self) -> Option<Result<String>> {
        loop {
            let chunk = match self.stream.next_chunk().await? {
                Ok(chunk) => chunk,
                Err(e) => return Some(Err(e)),
            };
            let text = chunk
                .choices
                .into_iter()
                .find(|c| c.index == 0)
                .and_then(|c| c.delta.content)
                .filter(|t| !t.is_empty());
            if let Some(text) = text {
                return Some(Ok(text));
            }
        }
    }

    /// The underlying stream (request id, accumulated text so far).
    pub fn chat_stream(&self) -> &ChatStream {
        &self.stream
    }

    /// The underlying stream, for a binding that drives it with its own interrupt checks.
    pub fn chat_stream_mut(&mut self) -> &mut ChatStream {
        &mut self.stream
    }

    /// The prepared turn (request, dropped messages, estimates).
    pub fn turn(&self) -> &PreparedTurn {
        &self.turn
    }

    /// True once the stream ended with `[DONE]`.
    pub fn is_complete(&self) -> bool {
        self.stream.is_complete()
    }

    /// The completed turn; an error if the stream did not reach `[DONE]` (nothing is appended
    /// from a partial reply).
    pub fn into_completed(self) -> Result<CompletedTurn> {
        self.turn.complete_from(&self.stream)
    }
}

impl PreparedTurn {
    /// Pairs the turn with the reply a stream assembled, if the stream reached `[DONE]`.
    fn complete_from(self, stream: &ChatStream) -> Result<CompletedTurn> {
        if !stream.is_complete() {
            return Err(Error::new(
                ErrorKind::StreamTruncated,
                "the stream did not complete; nothing was added to the conversation",
            ));
        }
        Ok(self.complete_with(stream.completion()))
    }
}

/// A committed turn: the reply as appended, the whole completion, and the call's report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TurnResult {
    /// The assistant message appended to the history.
    pub message: Message,
    /// The completion as received (or as assembled from the stream).
    pub completion: ChatCompletion,
    /// Usage, cost, what was dropped.
    pub report: CallReport,
}

impl TurnResult {
    /// The reply's text (empty for a tool-call-only reply).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        self.message.text()
    }
}

/// A conversation behind a lock, shared by a binding's threads and by the streams started from
/// it.
pub type SharedConversation = std::sync::Arc<std::sync::Mutex<Conversation>>;

/// Locks a shared conversation. Every change to a conversation is all-or-nothing, so one left
/// by a panic elsewhere is still whole, and a poisoned lock is taken anyway.
pub fn lock_shared(conv: &SharedConversation) -> std::sync::MutexGuard<'_, Conversation> {
    conv.lock().unwrap_or_else(|p| p.into_inner())
}

/// A streamed turn of a [`SharedConversation`] that owns what it needs (no borrow), for a
/// binding to hand out as an object of its own: sent on the first read unless started already,
/// and appended to the conversation once, when the reply completes (`[DONE]`). An error, a
/// truncated stream, or closing it first appends nothing; after an error it reads as ended.
#[derive(Debug)]
pub struct SharedTurnStream {
    state: SharedState,
    conv: SharedConversation,
    client: Client,
    result: Option<TurnResult>,
}

#[derive(Debug)]
enum SharedState {
    /// Not sent yet. Kept until the request is under way (the start clones it), so a start that
    /// is abandoned midway loses nothing.
    Pending(Box<(PreparedTurn, RequestOptions)>),
    Open(Box<TurnStream>),
    /// Committed or failed (the stream is kept for what arrived), or closed (it is gone).
    Ended(Option<Box<ChatStream>>),
}

impl SharedTurnStream {
    /// A turn sent on the first read.
    pub fn new(
        turn: PreparedTurn,
        opts: RequestOptions,
        conv: SharedConversation,
        client: Client,
    ) -> Self {
        SharedTurnStream {
            state: SharedState::Pending(Box::new((turn, opts))),
            conv,
            client,
            result: None,
        }
    }

    /// A turn whose stream has started already.
    pub fn started(stream: TurnStream, conv: SharedConversation, client: Client) -> Self {
        SharedTurnStream {
            state: SharedState::Open(Box::new(stream)),
            conv,
            client,
            result: None,
        }
    }

    /// Whether the request has gone out. A read abandoned before that (its future dropped) may
    /// still have reached the server, so code that polls without waiting should leave an
    /// unstarted stream alone.
    pub fn is_started(&self) -> bool {
        !matches!(self.state, SharedState::Pending(_))
    }

    /// Sends the request, if not sent yet; a failure ends the stream.
    pub async fn start(&mut self) -> Result<()> {
        if let SharedState::Pending(pending) = &self.state {
            let (turn, opts) = &**pending;
            match turn.clone().stream(&self.client, opts).await {
                Ok(ts) => self.state = SharedState::Open(Box::new(ts)),
                Err(e) => {
                    self.state = SharedState::Ended(None);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// The stream once started (request id, what has arrived), also after it ended, unless it
    /// was closed.
    pub fn chat_stream(&self) -> Option<&ChatStream> {
        match &self.state {
            SharedState::Open(ts) => Some(ts.chat_stream()),
            SharedState::Ended(stream) => stream.as_deref(),
            _ => None,
        }
    }

    /// The next chunk and its JSON; `None` at the end, once the turn was appended. The append
    /// can fail (the history changed meanwhile): that is the last item, an error.
    pub async fn next_with_raw(&mut self) -> Option<Result<(ChatCompletionChunk, String)>> {
        if let Err(e) = self.start().await {
            return Some(Err(e));
        }
        let SharedState::Open(ts) = &mut self.state else {
            return None;
        };
        match ts.chat_stream_mut().next_with_raw().await {
            Some(Ok(item)) => Some(Ok(item)),
            Some(Err(e)) => {
                self.end();
                Some(Err(e))
            }
            None => self.commit().err().map(Err),
        }
    }

    /// The next piece of the reply's text (see [`TurnStream::next_text`]); `None` at the end,
    /// once the turn was appended.
    pub async fn next_text(&mut self) -> Result<Option<String>> {
        self.start().await?;
        let SharedState::Open(ts) = &mut self.state else {
            return Ok(None);
        };
        match ts.next_text().await {
            Some(Ok(text)) => Ok(Some(text)),
            Some(Err(e)) => {
                self.end();
                Err(e)
            }
            None => self.commit().map(|()| None),
        }
    }

    /// Reads to the end; the committed turn, `None` if the stream was closed before it completed.
    pub async fn finish(&mut self) -> Result<Option<&TurnResult>> {
        while self.next_text().await?.is_some() {}
        Ok(self.result.as_ref())
    }

    /// The committed turn, once the stream completed.
    pub fn result(&self) -> Option<&TurnResult> {
        self.result.as_ref()
    }

    /// Drops the stream (closing its connection); nothing is appended unless it had completed.
    pub fn close(&mut self) {
        self.state = SharedState::Ended(None);
    }

    /// Ends the stream, keeping what arrived; the turn itself, if the stream was open.
    fn end(&mut self) -> Option<PreparedTurn> {
        match std::mem::replace(&mut self.state, SharedState::Ended(None)) {
            SharedState::Open(ts) => {
                let TurnStream { turn, stream } = *ts;
                self.state = SharedState::Ended(Some(Box::new(stream)));
                Some(turn)
            }
            other => {
                self.state = other;
                None
            }
        }
    }

    /// At the end of the stream: appends the turn (the stream is kept for its accessors).
    fn commit(&mut self) -> Result<()> {
        let Some(turn) = self.end() else {
            return Ok(());
        };
        let SharedState::Ended(Some(stream)) = &self.state else {
            return Ok(());
        };
        let done = turn.complete_from(stream)?;
        self.result = Some(lock_shared(&self.conv).commit(done)?);
        Ok(())
    }
}

/// A stream that commits its reply to the conversation when it completes (see
/// [`Conversation::stream`]). Dropping it early, or an error, appends nothing.
#[derive(Debug)]
pub struct ConversationStream<'a> {
    conv: &'a mut Conversation,
    inner: Option<TurnStream>,
    result: Option<TurnResult>,
}

impl ConversationStream<'_> {
    /// The next chunk; `None` at the end, after the reply was appended.
    pub async fn next_chunk(&mut self) -> Option<Result<ChatCompletionChunk>> {
        let inner = self.inner.as_mut()?;
        if let Some(item) = inner.next_chunk().await {
            return Some(item);
        }
        let inner = self.inner.take()?;
        if !inner.is_complete() {
            return None;
        }
        match self.conv.finish_stream(inner) {
            Ok(r) => {
                self.result = Some(r);
                None
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// The committed turn, once the stream has ended well.
    pub fn result(&self) -> Option<&TurnResult> {
        self.result.as_ref()
    }

    /// The committed turn, once the stream has ended well.
    pub fn into_result(self) -> Option<TurnResult> {
        self.result
    }
}

/// A chat with its history, parameters, settings and running usage. See the module docs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Conversation {
    /// The model, the whole history (`messages`) and the parameters sent with every call.
    request: ChatCompletionRequest,
    #[serde(default)]
    settings: ConversationSettings,
    #[serde(default)]
    usage: UsageTotals,
    #[serde(default)]
    last_call: Option<CallReport>,
    /// Changes with every change to the history, so a commit can tell the history moved under
    /// it. Drawn from a process-wide counter, so a turn prepared on one conversation is not
    /// committed to another by accident (a clone shares it until either changes: same history).
    #[serde(skip, default = "next_revision")]
    revision: u64,
}

fn next_revision() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl PartialEq for Conversation {
    fn eq(&self, other: &Self) -> bool {
        self.request == other.request
            && self.settings == other.settings
            && self.usage == other.usage
            && self.last_call == other.last_call
    }
}

impl Conversation {
    /// An empty conversation with `model`.
    pub fn new(model: impl Into<String>) -> Conversation {
        Conversation {
            request: ChatCompletionRequest::new(model, Vec::new()),
            settings: ConversationSettings::default(),
            usage: UsageTotals::default(),
            last_call: None,
            revision: next_revision(),
        }
    }

    // --------------------------------------------------------------------------------------------
    // Model, parameters, settings
    // --------------------------------------------------------------------------------------------

    /// The model.
    pub fn model(&self) -> &str {
        &self.request.model
    }

    /// Changes the model for the next calls.
    pub fn set_model(&mut self, model: impl Into<String>) {
        self.request.model = model.into();
    }

    /// The request template: model, history (`messages`) and parameters.
    pub fn request(&self) -> &ChatCompletionRequest {
        &self.request
    }

    /// Edits the parameters sent with every call (temperature, max_tokens, tools, ...). The
    /// history and `stream` are not editable here and are restored afterwards.
    pub fn update_params(&mut self, f: impl FnOnce(&mut ChatCompletionRequest)) {
        let history = std::mem::take(&mut self.request.messages);
        f(&mut self.request);
        self.request.messages = history;
        self.request.stream = None;
    }

    /// Merges a JSON object of request parameters (a Python kwargs dict, a C JSON string) into
    /// the template; a `null` value removes a parameter. `messages` and `stream` are refused.
    pub fn set_params_json(&mut self, params: Value) -> Result<()> {
        let Value::Object(params) = params else {
            return Err(Error::invalid_argument("parameters must be a JSON object"));
        };
        for key in ["messages", "stream"] {
            if params.contains_key(key) {
                return Err(Error::invalid_argument(format!(
                    "{key:?} cannot be a conversation parameter; the conversation sets it"
                )));
            }
        }
        let mut template = Map::new();
        if let Value::Object(mut current) = serde_json::to_value(&self.request)
            .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot encode request: {e}")))?
        {
            current.remove("messages");
            template = current;
        }
        for (k, v) in params {
            if v.is_null() {
                template.remove(&k);
            } else {
                template.insert(k, v);
            }
        }
        template.insert("messages".into(), Value::Array(Vec::new()));
        let mut merged: ChatCompletionRequest = serde_json::from_value(Value::Object(template))
            .map_err(|e| {
                Error::invalid_argument(format!("invalid conversation parameters: {e}"))
            })?;
        // Refuse now what the API would refuse at every call (temperature 3, a bad
        // response_format, ...), checked on a stand-in message.
        merged.messages = vec![Message::user("")];
        merged.validate()?;
        merged.messages = std::mem::take(&mut self.request.messages);
        merged.stream = None;
        self.request = merged;
        Ok(())
    }

    /// The overrides.
    pub fn settings(&self) -> &ConversationSettings {
        &self.settings
    }

    /// The overrides, to change (window, reserve, encoding, budget, prices).
    pub fn settings_mut(&mut self) -> &mut ConversationSettings {
        &mut self.settings
    }

    /// Adds prices from a JSON file (see [`PriceTable::load`]) over the built-in ones.
    pub fn load_prices(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let table = PriceTable::load(path)?;
        self.settings
            .prices
            .get_or_insert_with(PriceTable::default)
            .merge(table);
        Ok(())
    }

    /// The context window used for trimming: the override, else the built-in table's.
    pub fn context_window(&self) -> Option<u64> {
        self.settings
            .context_window
            .or_else(|| self.limits().map(|l| l.context_window))
    }

    fn limits(&self) -> Option<ModelLimits> {
        model_limits(&self.request.model)
    }

    /// Tokens kept free for the reply: the request's `max_completion_tokens` or `max_tokens`,
    /// else the setting, else the model's maximum output capped at a quarter of the window.
    pub fn reserved_output_tokens(&self) -> u64 {
        if let Some(n) = self
            .request
            .max_completion_tokens
            .or(self.request.max_tokens)
        {
            return n;
        }
        if let Some(n) = self.settings.reserve_output_tokens {
            return n;
        }
        let window = self.context_window();
        match (self.limits().map(|l| l.max_output_tokens), window) {
            (Some(out), Some(w)) => out.min(w / 4),
            (None, Some(w)) => w / 4,
            (Some(out), None) => out,
            (None, None) => DEFAULT_RESERVE_UNKNOWN_MODEL,
        }
    }

    /// The price of the conversation's model: the settings' table, else the built-in one.
    pub fn price(&self) -> Option<ModelPrice> {
        self.price_of(&self.request.model)
    }

    fn price_of(&self, model: &str) -> Option<ModelPrice> {
        self.settings
            .prices
            .as_ref()
            .and_then(|t| t.get(model))
            .or_else(|| PriceTable::builtin().get(model))
            .copied()
    }

    /// The token counter for the model (and the encoding override).
    pub fn token_counter(&self) -> TokenCounter {
        let c = TokenCounter::for_model(&self.request.model);
        match self.settings.encoding {
            Some(e) => c.with_encoding(e),
            None => c,
        }
    }

    // --------------------------------------------------------------------------------------------
    // History
    // --------------------------------------------------------------------------------------------

    /// The whole history, system messages included, nothing trimmed.
    pub fn messages(&self) -> &[Message] {
        &self.request.messages
    }

    /// Sets the system message (replacing a leading system or developer message).
    pub fn set_system(&mut self, content: impl Into<Content>) {
        self.set_instructions(Role::System, content.into());
    }

    /// Sets the developer message, the o-series' name for system instructions (replacing a
    /// leading system or developer message).
    pub fn set_developer(&mut self, content: impl Into<Content>) {
        self.set_instructions(Role::Developer, content.into());
    }

    fn set_instructions(&mut self, role: Role, content: Content) {
        let msg = Message::new(role, content);
        match self.request.messages.first_mut() {
            Some(first) if matches!(first.role, Role::System | Role::Developer) => {
                *first = msg;
                self.changed(false);
            }
            _ => {
                self.request.messages.insert(0, msg);
                self.changed(true);
            }
        }
    }

    /// Appends a message of any role (few-shot examples, a tool result to send with the next
    /// call, an assistant message from elsewhere). Checked as the API would.
    pub fn push(&mut self, message: Message) -> Result<()> {
        message.validate(self.request.messages.len())?;
        self.request.messages.push(message);
        self.changed(false);
        Ok(())
    }

    /// Removes the last turn: the last user message and everything after it. Returns what was
    /// removed (empty if there was no user message). Usage and cost are not refunded.
    pub fn undo(&mut self) -> Vec<Message> {
        let Some(at) = self
            .request
            .messages
            .iter()
            .rposition(|m| m.role == Role::User)
        else {
            return Vec::new();
        };
        let removed = self.request.messages.split_off(at);
        self.changed(true);
        removed
    }

    /// Removes every message but the system and developer ones.
    pub fn clear(&mut self) {
        self.request
            .messages
            .retain(|m| matches!(m.role, Role::System | Role::Developer));
        self.changed(true);
    }

    /// The history changed: turns prepared before can no longer be committed. `reindexed` when
    /// existing messages moved or went, so the last call's `dropped` indices are stale.
    fn changed(&mut self, reindexed: bool) {
        self.revision = next_revision();
        if reindexed {
            self.last_call = None;
        }
    }

    // --------------------------------------------------------------------------------------------
    // Usage
    // --------------------------------------------------------------------------------------------

    /// Usage and cost summed over every call of this conversation (and its ancestors, for a
    /// branch).
    pub fn usage(&self) -> &UsageTotals {
        &self.usage
    }

    /// The report of the last call, until the history changes otherwise.
    pub fn last_call(&self) -> Option<&CallReport> {
        self.last_call.as_ref()
    }

    /// The prompt tokens of the whole history as it would be sent untrimmed (with the tools).
    pub fn count_tokens(&self) -> u64 {
        self.token_counter().count_request(&self.request)
    }

    // --------------------------------------------------------------------------------------------
    // Calls
    // --------------------------------------------------------------------------------------------

    /// Prepares a call that adds `input` (a user message; tool results; or nothing, to ask again
    /// from the history as it is): validates it, fits the history into the context window, checks
    /// the budget. Changes nothing; send with [`PreparedTurn::send`] or [`PreparedTurn::stream`].
    pub fn prepare(&self, input: Vec<Message>) -> Result<PreparedTurn> {
        let history = &self.request.messages;
        for (i, m) in input.iter().enumerate() {
            m.validate(history.len() + i)?;
        }
        let all: Vec<&Message> = history.iter().chain(input.iter()).collect();
        if all.is_empty() {
            return Err(Error::invalid_argument(
                "nothing to send: the conversation is empty and no message was given",
            ));
        }
        let counter = self.token_counter();
        let counts: Vec<u64> = all.iter().map(|m| counter.count_message(m)).collect();
        let fixed = REPLY_PRIMING_TOKENS
            + self
                .request
                .tools
                .as_deref()
                .map_or(0, |t| counter.count_tools(t));
        let reserve = self.reserved_output_tokens();
        let limit = match self.context_window() {
            Some(window) if reserve >= window => {
                return Err(Error::new(
                    ErrorKind::ContextOverflow,
                    format!(
                        "{reserve} tokens reserved for the reply leave no room in {}'s context window of \
                     {window} tokens; lower max_tokens or the reserve",
                        self.request.model
                    ),
                ));
            }
            Some(window) => Some((window, window - reserve)),
            None => None,
        };
        let roles: Vec<Role> = all.iter().map(|m| m.role).collect();
        let fit = fit(&roles, &counts, fixed, limit.map(|(_, l)| l)).map_err(|need| {
            let (window, l) = limit.unwrap_or_default();
            Error::new(ErrorKind::ContextOverflow, format!(
                "the newest turn does not fit: with the system messages{} it needs {need} tokens, \
                 but {}'s context window of {window} tokens minus {reserve} reserved for the reply \
                 leaves {l}; shorten the message, lower max_tokens, or raise the context window",
                if fixed > REPLY_PRIMING_TOKENS {
                    " and tools"
                } else {
                    ""
                },
                self.request.model,
            ))
        })?;

        let mut request = self.request.clone();
        request.messages = fit.keep.iter().map(|&i| all[i].clone()).collect();
        request.stream = None;
        let dropped: Vec<usize> = fit
            .drop
            .into_iter()
            .filter(|&i| i < history.len())
            .collect();

        let price = self.price();
        let estimated_cost_usd = price.map(|p| p.cost_of(fit.tokens, 0, reserve));
        if let Some(budget) = self.settings.budget_usd {
            let Some(est) = estimated_cost_usd else {
                return Err(Error::invalid_argument(format!(
                    "a budget is set but no price is known for {:?}; add one to the price table \
                     or remove the budget",
                    self.request.model
                )));
            };
            if self.usage.cost_usd + est > budget {
                return Err(Error::new(
                    ErrorKind::BudgetExceeded,
                    format!(
                        "budget exceeded: this call may cost up to ${est:.6} ({} prompt tokens + {reserve} \
                     reserved for the reply), and ${:.6} of the ${budget:.6} budget is spent; \
                     nothing was sent (lower max_tokens or raise the budget)",
                        fit.tokens, self.usage.cost_usd
                    ),
                ));
            }
        }
        Ok(PreparedTurn {
            request,
            input,
            dropped,
            prompt_tokens: fit.tokens,
            reserve,
            estimated_cost_usd,
            base_revision: self.revision,
            use_responses_api: self.settings.use_responses_api,
        })
    }

    /// Appends a completed turn: its input messages, then the reply (choice 0), and adds its
    /// usage and cost. Refused if the history changed since the turn was prepared.
    pub fn commit(&mut self, done: CompletedTurn) -> Result<TurnResult> {
        let CompletedTurn { turn, completion } = done;
        if turn.base_revision != self.revision {
            return Err(Error::invalid_argument(
                "the conversation changed while this call was in flight; its reply was not added",
            ));
        }
        let Some(choice) = completion.choices.first() else {
            return Err(Error::decode(
                "the response has no choices; nothing was added to the conversation",
                "",
            ));
        };
        let mut message = choice.message.to_message();
        if message.content.is_none() && message.tool_calls.is_none() {
            // A refusal or a filtered reply: keep it sendable in the next request.
            message.content = Some(Content::Text(String::new()));
        }
        let counter = self.token_counter();
        let (usage, usage_estimated) = match &completion.usage {
            Some(u) => (u.clone(), false),
            None => {
                let completion_tokens = counter.count_message(&message)
                    - crate::tokens::TOKENS_PER_MESSAGE
                    - counter.count_text(message.role.as_str());
                (
                    Usage {
                        prompt_tokens: turn.prompt_tokens,
                        completion_tokens,
                        total_tokens: turn.prompt_tokens + completion_tokens,
                        ..Usage::default()
                    },
                    true,
                )
            }
        };
        let model = if completion.model.is_empty() {
            self.request.model.clone()
        } else {
            completion.model.clone()
        };
        let cost_usd = self
            .price_of(&model)
            .or_else(|| self.price())
            .map(|p| p.cost(&usage));
        self.usage.add(&usage, cost_usd);
        let report = CallReport {
            model,
            usage,
            usage_estimated,
            cost_usd,
            estimated_prompt_tokens: turn.prompt_tokens,
            dropped: turn.dropped,
            finish_reason: choice.finish_reason.clone(),
        };
        self.request.messages.extend(turn.input);
        self.request.messages.push(message.clone());
        self.changed(false);
        self.last_call = Some(report.clone());
        Ok(TurnResult {
            message,
            completion,
            report,
        })
    }

    /// Sends `user` (text, or content parts with images) and appends it and the reply. On any
    /// error nothing is appended.
    pub async fn send(
        &mut self,
        client: &Client,
        user: impl Into<Content>,
        opts: &RequestOptions,
    ) -> Result<TurnResult> {
        self.send_messages(client, vec![Message::user(user)], opts)
            .await
    }

    /// Like [`Conversation::send`] with any messages as the turn's input: tool results after a
    /// tool-call reply, or none to ask again from the history.
    pub async fn send_messages(
        &mut self,
        client: &Client,
        input: Vec<Message>,
        opts: &RequestOptions,
    ) -> Result<TurnResult> {
        let done = self.prepare(input)?.send(client, opts).await?;
        self.commit(done)
    }

    /// Streams the reply to `user`; the user message and the reply are appended once, when the
    /// stream completes. An error or an early drop appends nothing.
    pub async fn stream(
        &mut self,
        client: &Client,
        user: impl Into<Content>,
        opts: &RequestOptions,
    ) -> Result<ConversationStream<'_>> {
        self.stream_messages(client, vec![Message::user(user)], opts)
            .await
    }

    /// [`Conversation::stream`] with any messages as the turn's input.
    pub async fn stream_messages(
        &mut self,
        client: &Client,
        input: Vec<Message>,
        opts: &RequestOptions,
    ) -> Result<ConversationStream<'_>> {
        let inner = self.prepare(input)?.stream(client, opts).await?;
        Ok(ConversationStream {
            conv: self,
            inner: Some(inner),
            result: None,
        })
    }

    /// Commits a stream that was read to its end.
    pub fn finish_stream(&mut self, stream: TurnStream) -> Result<TurnResult> {
        self.commit(stream.into_completed()?)
    }

    // --------------------------------------------------------------------------------------------
    // Save and load
    // --------------------------------------------------------------------------------------------

    /// The conversation as versioned JSON: `{"format": "openai-rs.conversation", "version": 1,
    /// "request": {model, messages, parameters}, "settings", "usage", "last_call"}`.
    pub fn to_json(&self) -> Result<String> {
        let body = serde_json::to_value(self).map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("cannot encode conversation: {e}"),
            )
        })?;
        let mut file = Map::new();
        file.insert("format".into(), FILE_FORMAT.into());
        file.insert("version".into(), FILE_VERSION.into());
        if let Value::Object(fields) = body {
            file.extend(fields);
        }
        serde_json::to_string_pretty(&Value::Object(file)).map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("cannot encode conversation: {e}"),
            )
        })
    }

    /// Reads what [`Conversation::to_json`] wrote (this version or an older one).
    pub fn from_json(json: &str) -> Result<Conversation> {
        let v: Value = serde_json::from_str(json)
            .map_err(|e| Error::invalid_argument(format!("conversation is not valid JSON: {e}")))?;
        match v.get("format") {
            None => {}
            Some(Value::String(f)) if f == FILE_FORMAT => {}
            Some(other) => {
                return Err(Error::invalid_argument(format!(
                    "not a conversation file (format {other}, expected {FILE_FORMAT:?})"
                )));
            }
        }
        if let Some(version) = v.get("version") {
            match version.as_u64() {
                Some(n) if (1..=FILE_VERSION).contains(&n) => {}
                _ => {
                    return Err(Error::invalid_argument(format!(
                        "conversation file version {version} is not supported (this library reads up \
                         to {FILE_VERSION}); upgrade openai-rs"
                    )));
                }
            }
        }
        let conv: Conversation = serde_json::from_value(v)
            .map_err(|e| Error::invalid_argument(format!("invalid conversation file: {e}")))?;
        if conv.request.model.trim().is_empty() {
            return Err(Error::invalid_argument(
                "invalid conversation file: empty model",
            ));
        }
        for (i, m) in conv.request.messages.iter().enumerate() {
            m.validate(i).map_err(|e| {
                Error::invalid_argument(format!("invalid conversation file: {}", e.message()))
            })?;
        }
        Ok(conv)
    }

    /// Writes [`Conversation::to_json`] to `path`, replacing it atomically (a temporary file in
    /// the same directory, then a rename), so a crash never leaves half a file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let json = self.to_json()?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp);
        let io = |e: std::io::Error| {
            Error::invalid_argument(format!(
                "cannot save conversation to {}: {e}",
                path.display()
            ))
        };
        std::fs::write(&tmp, json).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
    }

    /// Reads a file written by [`Conversation::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Conversation> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid_argument(format!("cannot read conversation {}: {e}", path.display()))
        })?;
        Conversation::from_json(&text)
    }
}

/// Which messages a request keeps.
#[derive(Debug, PartialEq)]
struct Fit {
    keep: Vec<usize>,
    drop: Vec<usize>,
    tokens: u64,
}

/// Fits messages into `limit` tokens (`None`: no limit). System and developer messages are
/// always kept; the others form turns, each starting at a user message (those before the first
/// user message form one more), and whole turns are dropped oldest first. The newest turn is
/// never dropped: if it cannot fit, `Err(tokens needed)`.
fn fit(
    roles: &[Role],
    counts: &[u64],
    fixed: u64,
    limit: Option<u64>,
) -> std::result::Result<Fit, u64> {
    let pinned = |r: Role| matches!(r, Role::System | Role::Developer);
    let total: u64 = fixed + counts.iter().sum::<u64>();
    let Some(limit) = limit.filter(|&l| total > l) else {
        return Ok(Fit {
            keep: (0..roles.len()).collect(),
            drop: Vec::new(),
            tokens: total,
        });
    };
    // Turn number of each non-pinned message.
    let mut turn_of = vec![None; roles.len()];
    let mut turn = 0usize;
    let mut seen_any = false;
    for (i, &r) in roles.iter().enumerate() {
        if pinned(r) {
            continue;
        }
        if r == Role::User && seen_any {
            turn += 1;
        }
        seen_any = true;
        turn_of[i] = Some(turn);
    }
    let last_turn = turn;
    let mut tokens = total;
    let mut dropped_turns = 0usize;
    while tokens > limit && dropped_turns < last_turn {
        tokens -= roles
            .iter()
            .enumerate()
            .filter(|(i, _)| turn_of[*i] == Some(dropped_turns))
            .map(|(i, _)| counts[i])
            .sum::<u64>();
        dropped_turns += 1;
    }
    if tokens > limit {
        return Err(tokens);
    }
    let (drop, keep) =
        (0..roles.len()).partition(|&i| turn_of[i].is_some_and(|t| t < dropped_turns));
    Ok(Fit { keep, drop, tokens })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roles(s: &str) -> Vec<Role> {
        s.chars()
            .map(|c| match c {
                's' => Role::System,
                'd' => Role::Developer,
                'u' => Role::User,
                'a' => Role::Assistant,
                't' => Role::Tool,
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn fit_keeps_everything_when_it_fits() {
        let r = roles("suau");
        let f = fit(&r, &[5, 5, 5, 5], 3, Some(23)).unwrap();
        assert_eq!(
            f,
            Fit {
                keep: vec![0, 1, 2, 3],
                drop: vec![],
                tokens: 23
            }
        );
        assert_eq!(fit(&r, &[5, 5, 5, 5], 3, None).unwrap().tokens, 23);
    }

    #[test]
    fn fit_drops_oldest_turns_and_keeps_system() {
        // s u a u a u: three turns of 10 tokens each (5 + 5), system 5, fixed 3.
        let r = roles("suauau");
        let c = [5, 5, 5, 5, 5, 5];
        let f = fit(&r, &c, 3, Some(20)).unwrap();
        assert_eq!(f.keep, vec![0, 5]);
        assert_eq!(f.drop, vec![1, 2, 3, 4]);
        assert_eq!(f.tokens, 13);
        let f = fit(&r, &c, 3, Some(25)).unwrap();
        assert_eq!(f.keep, vec![0, 3, 4, 5]);
        assert_eq!(f.drop, vec![1, 2]);
        // A system message in the middle is kept too.
        let r = roles("uasua");
        let f = fit(&r, &[5, 5, 5, 5, 5], 0, Some(15)).unwrap();
        assert_eq!(f.keep, vec![2, 3, 4]);
    }

    #[test]
    fn fit_keeps_tool_calls_with_their_results() {
        // s u a(tool_calls) t t a | u : the tool turn goes as a whole or not at all.
        let r = roles("suattau");
        let c = [2, 2, 2, 2, 2, 2, 2];
        let f = fit(&r, &c, 0, Some(14)).unwrap();
        assert_eq!(f.keep, vec![0, 1, 2, 3, 4, 5, 6]);
        let f = fit(&r, &c, 0, Some(12)).unwrap();
        assert_eq!(f.keep, vec![0, 6]);
        assert_eq!(f.drop, vec![1, 2, 3, 4, 5]);
        // The newest turn holding tool results is never split either.
        let r = roles("suausatt");
        let f = fit(&r, &[1, 1, 1, 1, 1, 1, 1, 1], 0, Some(6)).unwrap();
        assert_eq!(f.keep, vec![0, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn fit_errors_when_the_newest_turn_cannot_fit() {
        let r = roles("suau");
        assert_eq!(fit(&r, &[5, 5, 5, 50], 3, Some(40)), Err(58));
        // Leading assistant messages without a user message form their own droppable turn.
        let r = roles("sau");
        let f = fit(&r, &[1, 10, 1], 0, Some(5)).unwrap();
        assert_eq!(f.keep, vec![0, 2]);
    }

    fn conv_with_history(n: usize) -> Conversation {
        let mut c = Conversation::new("gpt-4o-mini");
        c.set_system("You are terse.");
        for i in 0..n {
            c.push(Message::user(format!("question number {i}")))
                .unwrap();
            c.push(Message::assistant(format!("answer number {i}")))
                .unwrap();
        }
        c
    }

    #[test]
    fn prepare_trims_the_request_not_the_history() {
        let mut c = conv_with_history(5);
        let counter = c.token_counter();
        let turn_tokens = counter.count_message(&Message::user("question number 1"))
            + counter.count_message(&Message::assistant("answer number 1"));
        let sys = counter.count_message(&c.messages()[0]);
        let new_msg = Message::user("question number 5");
        let need_last_two =
            sys + turn_tokens + counter.count_message(&new_msg) + REPLY_PRIMING_TOKENS;
        c.update_params(|p| p.max_tokens = Some(10));
        c.settings_mut().context_window = Some(need_last_two + 10);
        let t = c.prepare(vec![new_msg]).unwrap();
        assert_eq!(t.dropped(), &[1, 2, 3, 4, 5, 6, 7, 8]);
        let sent: Vec<String> = t
            .request()
            .messages
            .iter()
            .map(|m| m.text().into_owned())
            .collect();
        assert_eq!(
            sent,
            [
                "You are terse.",
                "question number 4",
                "answer number 4",
                "question number 5"
            ]
        );
        assert_eq!(t.prompt_tokens(), need_last_two);
        assert_eq!(
            t.prompt_tokens(),
            counter.count_messages(&t.request().messages)
        );
        assert_eq!(t.reserved_output_tokens(), 10);
        assert_eq!(c.messages().len(), 11, "the history is untouched");
    }

    #[test]
    fn prepare_refuses_a_turn_that_cannot_fit() {
        let mut c = conv_with_history(2);
        c.settings_mut().context_window = Some(100);
        c.settings_mut().reserve_output_tokens = Some(20);
        let big = "word ".repeat(200);
        let e = c.prepare(vec![Message::user(big)]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ContextOverflow);
        assert!(
            e.message().contains("does not fit") && e.message().contains("80"),
            "{e}"
        );
        c.settings_mut().reserve_output_tokens = Some(100);
        let e = c.prepare(vec![Message::user("hi")]).unwrap_err();
        assert!(e.message().contains("leave no room"), "{e}");
        assert_eq!(e.kind(), ErrorKind::ContextOverflow);
    }

    #[test]
    fn reserve_defaults() {
        let mut c = Conversation::new("gpt-3.5-turbo");
        assert_eq!(c.context_window(), Some(4_096));
        assert_eq!(c.reserved_output_tokens(), 1_024);
        c.set_model("gpt-4o");
        assert_eq!(c.reserved_output_tokens(), 16_384);
        c.update_params(|p| p.max_tokens = Some(100));
        assert_eq!(c.reserved_output_tokens(), 100);
        c.update_params(|p| p.max_completion_tokens = Some(50));
        assert_eq!(c.reserved_output_tokens(), 50);
        let mut c = Conversation::new("my-local-llama");
        assert_eq!(c.context_window(), None);
        assert_eq!(c.reserved_output_tokens(), DEFAULT_RESERVE_UNKNOWN_MODEL);
        c.settings_mut().context_window = Some(8_000);
        assert_eq!(c.reserved_output_tokens(), 2_000);
        c.settings_mut().reserve_output_tokens = Some(300);
        assert_eq!(c.reserved_output_tokens(), 300);
    }

    #[test]
    fn budget_refuses_before_sending() {
        let mut c = Conversation::new("gpt-4o");
        c.update_params(|p| p.max_tokens = Some(1000));
        // 1000 output tokens at $10/1M = $0.01, plus the prompt.
        c.settings_mut().budget_usd = Some(0.01);
        let e = c.prepare(vec![Message::user("hi")]).unwrap_err();
        assert!(e.message().starts_with("budget exceeded"), "{e}");
        c.settings_mut().budget_usd = Some(0.011);
        let t = c.prepare(vec![Message::user("hi")]).unwrap();
        // "hi" as a request: 3 + role 1 + text 1 + priming 3 = 8 prompt tokens.
        assert_eq!(t.prompt_tokens(), 8);
        let want = (8.0 * 2.5 + 1000.0 * 10.0) / 1e6;
        assert!((t.estimated_cost_usd().unwrap() - want).abs() < 1e-12);
        c.set_model("unpriced-model");
        let e = c.prepare(vec![Message::user("hi")]).unwrap_err();
        assert!(e.message().contains("no price"), "{e}");
    }

    fn completion(text: &str, usage: Option<Value>) -> ChatCompletion {
        serde_json::from_value(json!({
            "id": "c", "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}],
            "usage": usage,
        }))
        .unwrap()
    }

    #[test]
    fn commit_appends_and_accounts() {
        let mut c = conv_with_history(0);
        let t = c.prepare(vec![Message::user("hi")]).unwrap();
        let usage = json!({"prompt_tokens": 2000, "completion_tokens": 100, "total_tokens": 2100,
            "prompt_tokens_details": {"cached_tokens": 1000},
            "completion_tokens_details": {"reasoning_tokens": 40}});
        let r = c
            .commit(t.complete_with(completion("hello", Some(usage))))
            .unwrap();
        assert_eq!(r.text(), "hello");
        assert_eq!(c.messages().len(), 3);
        assert_eq!(c.messages()[1], Message::user("hi"));
        let want = (1000.0 * 0.15 + 1000.0 * 0.075 + 100.0 * 0.60) / 1e6;
        assert!((r.report.cost_usd.unwrap() - want).abs() < 1e-15);
        let u = c.usage();
        assert_eq!(
            (
                u.calls,
                u.prompt_tokens,
                u.cached_tokens,
                u.reasoning_tokens
            ),
            (1, 2000, 1000, 40)
        );
        assert_eq!(
            c.last_call().unwrap().finish_reason.as_deref(),
            Some("stop")
        );

        // No usage from the server: counted offline, flagged.
        let t = c.prepare(vec![Message::user("again")]).unwrap();
        let est = t.prompt_tokens();
        let r = c
            .commit(t.complete_with(completion("hello there", None)))
            .unwrap();
        assert!(r.report.usage_estimated);
        assert_eq!(r.report.usage.prompt_tokens, est);
        assert_eq!(
            r.report.usage.completion_tokens,
            c.token_counter().count_text("hello there")
        );
        assert_eq!(c.usage().calls, 2);
    }

    #[test]
    fn commit_refuses_a_stale_turn() {
        let mut c = conv_with_history(1);
        let t = c.prepare(vec![Message::user("hi")]).unwrap();
        c.push(Message::user("meanwhile")).unwrap();
        let e = c
            .commit(t.complete_with(completion("x", None)))
            .unwrap_err();
        assert!(e.message().contains("changed"), "{e}");
        assert_eq!(c.messages().len(), 4);
        assert_eq!(c.usage().calls, 0);
        // A turn prepared on another conversation is refused too.
        let other = conv_with_history(1);
        let t = other.prepare(vec![Message::user("hi")]).unwrap();
        assert!(c.commit(t.complete_with(completion("x", None))).is_err());
        let t = c.prepare(vec![]).unwrap();
        let e = c
            .commit(t.complete_with(ChatCompletion::default()))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
    }

    #[test]
    fn undo_and_clear() {
        let mut c = conv_with_history(2);
        let removed = c.undo();
        assert_eq!(
            removed,
            vec![
                Message::user("question number 1"),
                Message::assistant("answer number 1")
            ]
        );
        assert_eq!(c.messages().len(), 3);
        c.clear();
        assert_eq!(c.messages().len(), 1);
        assert!(c.undo().is_empty());
        c.set_developer("Be brief.");
        assert_eq!(c.messages().len(), 1);
        assert_eq!(c.messages()[0].role, Role::Developer);
    }

    #[test]
    fn params_json_merges_and_refuses_history() {
        let mut c = conv_with_history(1);
        c.set_params_json(json!({"temperature": 0.2, "max_tokens": 50, "logit_bias": {"1": -100}}))
            .unwrap();
        assert_eq!(c.request().temperature, Some(0.2));
        assert_eq!(c.request().extra["logit_bias"]["1"], -100);
        c.set_params_json(json!({"temperature": null, "model": "gpt-4o"}))
            .unwrap();
        assert_eq!(c.request().temperature, None);
        assert_eq!(c.request().max_tokens, Some(50));
        assert_eq!(c.model(), "gpt-4o");
        assert_eq!(c.messages().len(), 3);
        for bad in [
            json!({"messages": []}),
            json!({"stream": true}),
            json!([1]),
            json!({"max_tokens": "x"}),
            json!({"temperature": 3}),
            json!({"model": ""}),
        ] {
            assert_eq!(
                c.set_params_json(bad).unwrap_err().kind(),
                ErrorKind::InvalidArgument
            );
        }
        assert_eq!(c.model(), "gpt-4o", "a refused change changes nothing");
        assert_eq!(c.request().max_tokens, Some(50));
    }

    #[test]
    fn save_load_round_trip() {
        let mut c = conv_with_history(2);
        c.update_params(|p| {
            p.temperature = Some(0.5);
            p.tools = Some(vec![json!({"type": "function", "function": {"name": "f"}})]);
        });
        c.settings_mut().context_window = Some(1000);
        c.settings_mut().encoding = Some(Encoding::Cl100kBase);
        c.settings_mut().budget_usd = Some(1.5);
        let t = c.prepare(vec![Message::user("hi 你好 🙂")]).unwrap();
        c.commit(t.complete_with(completion(
            "ok",
            Some(json!({"prompt_tokens": 10,
            "completion_tokens": 2, "total_tokens": 12})),
        )))
        .unwrap();
        let text = c.to_json().unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["format"], FILE_FORMAT);
        assert_eq!(v["version"], 1);
        assert_eq!(v["request"]["model"], "gpt-4o-mini");
        let back = Conversation::from_json(&text).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.to_json().unwrap(), text);

        let dir = std::env::temp_dir().join(format!("openai-rs-conv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chat.json");
        c.save(&path).unwrap();
        assert_eq!(Conversation::load(&path).unwrap(), c);
        std::fs::remove_dir_all(&dir).unwrap();

        // A bare serde encoding (no header) loads too; other formats and newer versions do not.
        let bare = serde_json::to_string(&c).unwrap();
        assert_eq!(Conversation::from_json(&bare).unwrap(), c);
        for bad in [
            r#"{"format": "something-else", "version": 1}"#.to_owned(),
            text.replacen("\"version\": 1", "\"version\": 2", 1),
            r#"{"request": {"model": "m", "messages": [{"role": "tool", "content": "x"}]}}"#
                .to_owned(),
            "[]".to_owned(),
        ] {
            let e = Conversation::from_json(&bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
        }
        assert!(Conversation::load("/nonexistent/chat.json").is_err());
    }

    #[test]
    fn types_bindings_share_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<Conversation>();
        send_sync::<PreparedTurn>();
        send_sync::<CompletedTurn>();
        send_sync::<TurnResult>();
        send::<TurnStream>();
        send::<ConversationStream<'static>>();
    }

    #[tokio::test]
    async fn next_text_skips_chunks_without_text_and_commits_at_the_end() {
        let mut c = conv_with_history(0);
        let turn = c.prepare(vec![Message::user("hi")]).unwrap();
        let body = concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},",
            "\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,",
            "\"total_tokens\":7}}\n\n",
            "data: [DONE]\n\n",
        );
        let parts: Vec<reqwest::Result<bytes::Bytes>> = vec![Ok(bytes::Bytes::from(body))];
        let stream =
            ChatStream::from_byte_stream(Box::pin(futures_util::stream::iter(parts)), None, None);
        let mut ts = TurnStream { turn, stream };
        let mut texts = Vec::new();
        while let Some(t) = ts.next_text().await {
            texts.push(t.unwrap());
        }
        assert_eq!(texts, ["Hel", "lo"]);
        let r = c.finish_stream(ts).unwrap();
        assert_eq!(r.text(), "Hello");
        assert_eq!(r.report.usage.total_tokens, 7);
        assert_eq!(c.messages().len(), 3);

        // An error ends the texts with the error; nothing can be committed.
        let turn = c.prepare(vec![Message::user("again")]).unwrap();
        let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";
        let parts: Vec<reqwest::Result<bytes::Bytes>> = vec![Ok(bytes::Bytes::from(body))];
        let stream =
            ChatStream::from_byte_stream(Box::pin(futures_util::stream::iter(parts)), None, None);
        let mut ts = TurnStream { turn, stream };
        assert_eq!(ts.next_text().await.unwrap().unwrap(), "x");
        let e = ts.next_text().await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StreamTruncated);
        assert!(ts.next_text().await.is_none());
        assert!(c.finish_stream(ts).is_err());
        assert_eq!(c.messages().len(), 3);
    }

    #[test]
    fn branches_are_independent() {
        let a = conv_with_history(1);
        let mut b = a.clone();
        b.push(Message::user("only in b")).unwrap();
        assert_eq!(a.messages().len(), 3);
        assert_eq!(b.messages().len(), 4);
    }
}
