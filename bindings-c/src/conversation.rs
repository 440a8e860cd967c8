//! Conversations: the core's `Conversation` (history fitted into the context window, usage,
//! cost, budget, save/load) behind a handle, and offline token counting.

use std::ffi::c_char;
use std::sync::{Arc, Mutex};

use openai_core::blocking::{CancellationToken, block_on_cancellable};
use openai_core::conversation::CallReport;
use openai_core::lock_shared as lock;
use openai_core::tokens::TokenCounter;
use openai_core::{
    Client, Conversation, Encoding, Message, RequestOptions, SharedTurnStream, UsageTotals,
};

use crate::chat::{openai_chat_response, role_from_u32};
use crate::client::{cancel_arg, client_arg, openai_cancel_token, openai_client};
use crate::error::{FfiError, FfiResult, ffi_get, ffi_guard, openai_status};
use crate::stream::openai_chat_stream;
use crate::util::{self, as_ref, free_handle, into_handle, json_arg, owned_string, str_arg};

/// The conversation as shared with the streams started from it.
pub(crate) type Shared = openai_core::SharedConversation;

/// A chat with its history: every message of every role, the request parameters, the model's
/// context window (older turns are left out of a request when the history outgrows it; the
/// history itself keeps them), usage and cost summed over its calls, and an optional budget.
///
/// A turn is all or nothing: a failed send, a failed or abandoned stream, a budget refusal or a
/// turn too large for the window leave the conversation exactly as it was.
///
/// Thread-safe: calls on one conversation are serialised by a lock that is not held while a
/// request is in flight. A reply that arrives after the history was changed by another call
/// (`_push`, `_undo`, another turn) is refused with `OPENAI_STATUS_INVALID_ARGUMENT` rather than
/// interleaved.
pub struct openai_conversation {
    conv: Shared,
}

/// Usage and cost summed over calls (`openai_conversation_usage`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct openai_usage_totals {
    /// Completed calls.
    pub calls: u64,
    /// Prompt tokens, cached ones included.
    pub prompt_tokens: u64,
    /// Completion tokens, reasoning ones included.
    pub completion_tokens: u64,
    /// Prompt plus completion.
    pub total_tokens: u64,
    /// Prompt tokens served from the prompt cache.
    pub cached_tokens: u64,
    /// Completion tokens spent on reasoning.
    pub reasoning_tokens: u64,
    /// Calls whose model has no known price (not included in `cost_usd`).
    pub unpriced_calls: u64,
    /// USD spent on the calls whose model has a price.
    pub cost_usd: f64,
}

impl From<&UsageTotals> for openai_usage_totals {
    fn from(u: &UsageTotals) -> Self {
        openai_usage_totals {
            calls: u.calls,
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
            cached_tokens: u.cached_tokens,
            reasoning_tokens: u.reasoning_tokens,
            unpriced_calls: u.unpriced_calls,
            cost_usd: u.cost_usd,
        }
    }
}

/// What the last call of a conversation did (`openai_conversation_last_call`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct openai_call_report {
    /// The API's usage for the call (counted offline if the server sent none: see
    /// `usage_estimated`).
    pub prompt_tokens: u64,
    /// Completion tokens of the call.
    pub completion_tokens: u64,
    /// Prompt plus completion.
    pub total_tokens: u64,
    /// Prompt tokens served from the prompt cache.
    pub cached_tokens: u64,
    /// The prompt tokens counted offline before sending.
    pub estimated_prompt_tokens: u64,
    /// How many older messages were left out of the request to fit the context window.
    pub dropped_messages: u64,
    /// USD; meaningful only when `has_cost`.
    pub cost_usd: f64,
    /// False when the model has no known price.
    pub has_cost: bool,
    /// True when the server reported no usage and it was counted offline.
    pub usage_estimated: bool,
}

impl From<&CallReport> for openai_call_report {
    fn from(r: &CallReport) -> Self {
        openai_call_report {
            prompt_tokens: r.usage.prompt_tokens,
            completion_tokens: r.usage.completion_tokens,
            total_tokens: r.usage.total_tokens,
            cached_tokens: r.usage.cached_tokens(),
            estimated_prompt_tokens: r.estimated_prompt_tokens,
            dropped_messages: r.dropped.len() as u64,
            cost_usd: r.cost_usd.unwrap_or(0.0),
            has_cost: r.cost_usd.is_some(),
            usage_estimated: r.usage_estimated,
        }
    }
}

/// Runs `f` on a locked conversation inside the boundary guard.
unsafe fn with_conv(
    conv: *const openai_conversation,
    f: impl FnOnce(&mut Conversation) -> FfiResult<()>,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let c = unsafe { as_ref(conv, "conversation") }?;
        f(&mut lock(&c.conv))
    })
}

/// An infallible read of a locked conversation: `fallback` for NULL.
unsafe fn read_conv<T>(
    conv: *const openai_conversation,
    fallback: T,
    f: impl FnOnce(&Conversation) -> T,
) -> T {
    // SAFETY: the C contract.
    ffi_get(unsafe { conv.as_ref() }, fallback, |c| {
        Some(f(&lock(&c.conv)))
    })
}

fn new_handle(conv: Conversation) -> *mut openai_conversation {
    into_handle(openai_conversation {
        conv: Arc::new(Mutex::new(conv)),
    })
}

/// Writes a fallible `Conversation` result into `*out` as a new handle.
fn out_conv(
    out: *mut *mut openai_conversation,
    make: impl FnOnce() -> FfiResult<Conversation>,
) -> openai_status {
    ffi_guard(|| {
        let out = util::out(out, "out")?;
        out.write(new_handle(make()?));
        Ok(())
    })
}

/// The input of a turn: the user's text, or nothing (NULL) to ask again from the history as it
/// is (after pushing tool results, say).
unsafe fn turn_input(user_text: *const c_char) -> FfiResult<Vec<Message>> {
    if user_text.is_null() {
        return Ok(Vec::new());
    }
    // SAFETY: the C contract.
    Ok(vec![Message::user(unsafe {
        str_arg(user_text, "user_text")
    }?)])
}

/// The arguments of a turn (`_send`, `_stream`): the conversation, a client reference, the
/// input (see [`turn_input`]) and the cancel token.
unsafe fn turn_args<'a>(
    conversation: *const openai_conversation,
    client: *const openai_client,
    user_text: *const c_char,
    cancel: *const openai_cancel_token,
) -> FfiResult<(&'a Shared, Client, Vec<Message>, Option<CancellationToken>)> {
    // SAFETY: the C contract for every pointer argument.
    unsafe {
        Ok((
            &as_ref(conversation, "conversation")?.conv,
            client_arg(client)?,
            turn_input(user_text)?,
            cancel_arg(cancel),
        ))
    }
}

// ================================================================================================
// Lifecycle
// ================================================================================================

/// Creates an empty conversation with `model` (e.g. `"gpt-4o-mini"`), which also picks the
/// tokenizer, the context window and the price. On success `*out` is owned by the caller: free it
/// with `openai_conversation_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_new(
    model: *const c_char,
    out: *mut *mut openai_conversation,
) -> openai_status {
    // SAFETY: the C contract.
    let model = unsafe { str_arg(model, "model") };
    out_conv(out, || {
        let model = model?;
        if model.trim().is_empty() {
            return Err(FfiError::invalid("model must not be empty"));
        }
        Ok(Conversation::new(model))
    })
}

/// A copy of the conversation (history, parameters, settings, usage so far) that goes its own
/// way: a branch. On success `*out` is owned by the caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_clone(
    conversation: *const openai_conversation,
    out: *mut *mut openai_conversation,
) -> openai_status {
    // SAFETY: the C contract.
    let c = unsafe { as_ref(conversation, "conversation") };
    out_conv(out, || Ok(lock(&c?.conv).clone()))
}

/// Frees a conversation. NULL is a no-op. A stream started from it keeps what it needs and
/// still works; its reply then goes nowhere.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_free(conversation: *mut openai_conversation) {
    // SAFETY: the C contract: NULL or a handle from this library, freed once.
    unsafe { free_handle(conversation) }
}

// ================================================================================================
// History and parameters
// ================================================================================================

/// Sets the system message (replacing a leading system or developer message). `text` is
/// borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_set_system(
    conversation: *const openai_conversation,
    text: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let text = unsafe { str_arg(text, "text") };
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            c.set_system(text?);
            Ok(())
        })
    }
}

/// Appends a text message of `role` (`OPENAI_ROLE_SYSTEM`, `_DEVELOPER`, `_USER`, `_ASSISTANT`):
/// few-shot examples, or history from elsewhere. For tool results, tool calls and image parts use
/// `openai_conversation_push_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_push(
    conversation: *const openai_conversation,
    role: u32,
    text: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let text = unsafe { str_arg(text, "text") };
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            Ok(c.push(Message::new(role_from_u32(role)?, text?))?)
        })
    }
}

/// Appends any message given as the API's JSON (`{"role": "tool", "tool_call_id": "...",
/// "content": "..."}`, a user message with image parts, ...). Checked as the API would.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_push_json(
    conversation: *const openai_conversation,
    message_json: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let v = unsafe { json_arg(message_json, "message_json") };
    // SAFETY: forwarded C contract.
    unsafe { with_conv(conversation, |c| Ok(c.push(Message::from_json(v?)?)?)) }
}

/// Merges request parameters sent with every call, as a JSON object (`{"temperature": 0.2,
/// "max_tokens": 200, "tools": [...]}`); a `null` value removes one. `messages` and `stream` are
/// refused (the conversation sets them), and so is anything the API would refuse.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_set_params_json(
    conversation: *const openai_conversation,
    params_json: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let v = unsafe { json_arg(params_json, "params_json") };
    // SAFETY: forwarded C contract.
    unsafe { with_conv(conversation, |c| Ok(c.set_params_json(v?)?)) }
}

/// Removes the last turn: the last user message and everything after it. Returns how many
/// messages were removed (0 if there was no user message, or for NULL). Usage is not refunded.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_undo(
    conversation: *const openai_conversation,
) -> usize {
    // SAFETY: the C contract.
    let c = unsafe { conversation.as_ref() };
    ffi_get(c, 0, |c| Some(lock(&c.conv).undo().len()))
}

/// Removes every message but the system and developer ones. Usage is kept.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_clear(
    conversation: *const openai_conversation,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            c.clear();
            Ok(())
        })
    }
}

/// The number of messages in the history (all of them, including those a request leaves out).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_message_count(
    conversation: *const openai_conversation,
) -> usize {
    // SAFETY: forwarded C contract.
    unsafe { read_conv(conversation, 0, |c| c.messages().len()) }
}

/// The whole history as a JSON array of messages. On success `*out` is owned by the caller: free
/// it with `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_messages_json(
    conversation: *const openai_conversation,
    out: *mut *mut c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            let out = util::out(out, "out")?;
            let json = serde_json::to_string(c.messages())
                .map_err(|e| FfiError::Boundary(openai_status::Internal, e.to_string()))?;
            out.write(owned_string(&json));
            Ok(())
        })
    }
}

// ================================================================================================
// Context window, tokens, budget, prices
// ================================================================================================

/// Sets the context window in tokens, for a compatible server or a model newer than the built-in
/// table; 0 goes back to the table (a model it does not know is then never trimmed).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_set_context_window(
    conversation: *const openai_conversation,
    tokens: u64,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            c.settings_mut().context_window = (tokens > 0).then_some(tokens);
            Ok(())
        })
    }
}

/// The context window used for trimming (the override, else the built-in table's); 0 when
/// unknown or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_context_window(
    conversation: *const openai_conversation,
) -> u64 {
    // SAFETY: forwarded C contract.
    unsafe { read_conv(conversation, 0, |c| c.context_window().unwrap_or(0)) }
}

/// Sets how many tokens of the window are kept free for the reply when the parameters set no
/// `max_tokens`; 0 goes back to the default (the model's maximum output, at most a quarter of
/// the window).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_set_reserve_output_tokens(
    conversation: *const openai_conversation,
    tokens: u64,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            c.settings_mut().reserve_output_tokens = (tokens > 0).then_some(tokens);
            Ok(())
        })
    }
}

/// Sets the tokenizer by name (`"o200k_base"`, `"cl100k_base"`) for a model whose name does not
/// tell; NULL goes back to choosing by model name.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_set_encoding(
    conversation: *const openai_conversation,
    name: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let name = (!name.is_null()).then(|| unsafe { str_arg(name, "name") });
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            let encoding = match name {
                Some(n) => Some(Encoding::from_name(n?)?),
                None => None,
            };
            c.settings_mut().encoding = encoding;
            Ok(())
        })
    }
}

/// Refuses, before sending, any call whose estimated cost (its prompt counted offline plus the
/// reserved output at the output price) would bring the total over `usd`
/// (`OPENAI_STATUS_BUDGET_EXCEEDED`). A negative value removes the budget; NaN and infinity are
/// refused.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_set_budget_usd(
    conversation: *const openai_conversation,
    usd: f64,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            if !usd.is_finite() {
                return Err(FfiError::invalid(format!(
                    "budget must be a finite number, not {usd}"
                )));
            }
            c.settings_mut().budget_usd = (usd >= 0.0).then_some(usd);
            Ok(())
        })
    }
}

/// Sends the turns over the Responses API (`true`) or chat completions (`false`, the default).
/// The history, trimming, token counting, usage, cost and budget work the same either way;
/// streamed turns still come out as `openai_chat_stream` chunks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_set_use_responses_api(
    conversation: *const openai_conversation,
    on: bool,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            c.settings_mut().use_responses_api = on;
            Ok(())
        })
    }
}

/// Adds prices from a JSON file over the built-in table: `{"models": {"gpt-4o-mini": {"input":
/// 0.15, "cached_input": 0.075, "output": 0.6}}}`, USD per 1M tokens. `path` is borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_load_prices(
    conversation: *const openai_conversation,
    path: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let path = unsafe { str_arg(path, "path") };
    // SAFETY: forwarded C contract.
    unsafe { with_conv(conversation, |c| Ok(c.load_prices(path?)?)) }
}

/// The prompt tokens of the whole history as it would be sent untrimmed (message overhead, tools
/// and images included), counted offline; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_count_tokens(
    conversation: *const openai_conversation,
) -> u64 {
    // SAFETY: forwarded C contract.
    unsafe { read_conv(conversation, 0, Conversation::count_tokens) }
}

/// Usage and cost summed over every call of this conversation (and of its ancestors, for a
/// clone), into `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_usage(
    conversation: *const openai_conversation,
    out: *mut openai_usage_totals,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            util::out(out, "out")?.write(c.usage().into());
            Ok(())
        })
    }
}

/// The USD spent so far (the `cost_usd` of `openai_conversation_usage`); 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_cost_usd(
    conversation: *const openai_conversation,
) -> f64 {
    // SAFETY: forwarded C contract.
    unsafe { read_conv(conversation, 0.0, |c| c.usage().cost_usd) }
}

/// What the last call did (usage, cost, messages left out to fit the window), into `*out`.
/// `OPENAI_STATUS_INVALID_ARGUMENT` if there was no call since the history was last rearranged
/// (undo, clear, a new system message).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_last_call(
    conversation: *const openai_conversation,
    out: *mut openai_call_report,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            let out = util::out(out, "out")?;
            let r = c
                .last_call()
                .ok_or_else(|| FfiError::invalid("no call yet"))?;
            out.write(r.into());
            Ok(())
        })
    }
}

/// Counts the tokens of `text` with the tokenizer of `model` (offline). `*out` on success.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_count_tokens(
    model: *const c_char,
    text: *const c_char,
    out: *mut u64,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let (model, text) = unsafe { (str_arg(model, "model")?, str_arg(text, "text")?) };
        util::out(out, "out")?.write(TokenCounter::for_model(model).count_text(text));
        Ok(())
    })
}

/// Counts a JSON array of messages the way the API bills them as a prompt (per-message overhead,
/// reply priming, image tiles), with the tokenizer of `model`. `*out` on success.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_count_message_tokens(
    model: *const c_char,
    messages_json: *const c_char,
    out: *mut u64,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let (model, v) = unsafe {
            (
                str_arg(model, "model")?,
                json_arg(messages_json, "messages_json")?,
            )
        };
        let out = util::out(out, "out")?;
        let messages = Message::list_from_json(v)?;
        out.write(TokenCounter::for_model(model).count_messages(&messages));
        Ok(())
    })
}

// ================================================================================================
// Calls
// ================================================================================================

/// Sends a turn: appends `user_text` and the reply to the history, after fitting it into the
/// context window and checking the budget. `user_text` NULL sends the history as it is (after
/// `openai_conversation_push_json` of tool results, say). `cancel` may be NULL.
///
/// On success, if `out` is not NULL, `*out` is the reply, owned by the caller (free it with
/// `openai_chat_response_free`). On any error nothing is appended:
/// `OPENAI_STATUS_CONTEXT_OVERFLOW` or `OPENAI_STATUS_BUDGET_EXCEEDED` before anything is sent,
/// or the request's own error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_send(
    conversation: *const openai_conversation,
    client: *const openai_client,
    user_text: *const c_char,
    cancel: *const openai_cancel_token,
    out: *mut *mut openai_chat_response,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (conv, client, input, cancel) =
            unsafe { turn_args(conversation, client, user_text, cancel) }?;
        let turn = lock(conv).prepare(input)?;
        let opts = RequestOptions::default();
        let call = client.chat_completion(turn.request(), &opts);
        let mut resp = block_on_cancellable(call, cancel.as_ref())??;
        let completion = std::mem::take(&mut resp.data);
        resp.data = lock(conv)
            .commit(turn.complete_with(completion))?
            .completion;
        if !out.is_null() {
            let r = openai_chat_response::from_response(resp);
            util::out(out, "out")?.write(into_handle(r));
        }
        Ok(())
    })
}

/// Streams a turn. The user message and the reply are appended once, when
/// `openai_chat_stream_next` reports the end (`[DONE]`); an error, or freeing the stream early,
/// appends nothing. `user_text` NULL and the errors before sending: as `openai_conversation_send`.
/// Usage is asked for in the last chunk, so the cost is counted.
///
/// On success `*out` is owned by the caller: read it with the `openai_chat_stream_*` functions,
/// free it with `openai_chat_stream_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_stream(
    conversation: *const openai_conversation,
    client: *const openai_client,
    user_text: *const c_char,
    cancel: *const openai_cancel_token,
    out: *mut *mut openai_chat_stream,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (conv, client, input, cancel) =
            unsafe { turn_args(conversation, client, user_text, cancel) }?;
        let out = util::out(out, "out")?;
        let turn = lock(conv).prepare(input)?;
        let opts = RequestOptions::default();
        let ts = block_on_cancellable(turn.stream(&client, &opts), cancel.as_ref())??;
        let turn = SharedTurnStream::started(ts, conv.clone(), client.clone());
        let s = openai_chat_stream::for_turn(turn, cancel);
        out.write(into_handle(s));
        Ok(())
    })
}

// ================================================================================================
// Save and load
// ================================================================================================

/// The conversation as versioned JSON (model, history, parameters, settings, usage). On success
/// `*out` is owned by the caller: free it with `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_to_json(
    conversation: *const openai_conversation,
    out: *mut *mut c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        with_conv(conversation, |c| {
            let out = util::out(out, "out")?;
            out.write(owned_string(&c.to_json()?));
            Ok(())
        })
    }
}

/// Reads what `openai_conversation_to_json` wrote. On success `*out` is owned by the caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_from_json(
    json: *const c_char,
    out: *mut *mut openai_conversation,
) -> openai_status {
    // SAFETY: the C contract.
    let json = unsafe { str_arg(json, "json") };
    out_conv(out, || Ok(Conversation::from_json(json?)?))
}

/// Writes the conversation to `path` atomically (a temporary file, then a rename).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_save(
    conversation: *const openai_conversation,
    path: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let path = unsafe { str_arg(path, "path") };
    // SAFETY: forwarded C contract.
    unsafe { with_conv(conversation, |c| Ok(c.save(path?)?)) }
}

/// Reads a file written by `openai_conversation_save`. On success `*out` is owned by the caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_conversation_load(
    path: *const c_char,
    out: *mut *mut openai_conversation,
) -> openai_status {
    // SAFETY: the C contract.
    let path = unsafe { str_arg(path, "path") };
    out_conv(out, || Ok(Conversation::load(path?)?))
}
