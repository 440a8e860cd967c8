/* openai.hpp: a header-only C++17 wrapper over the openai C API (openai.h).
 *
 * RAII classes own the C handles (move-only), strings are std::string, and every failure throws
 * openai::Error carrying the status, message, HTTP status, API error code/type and request id.
 *
 *     openai::Client client;                       // OPENAI_API_KEY, OPENAI_BASE_URL, .env
 *     openai::ChatRequest req("gpt-4o-mini");
 *     req.user("Hello!");
 *     std::cout << client.chat(req).content() << "\n";
 *     for (const auto &delta : client.chat_stream(req)) std::cout << delta.content();
 *
 * Thread safety is that of the C API: a Client and a CancelToken may be shared between threads;
 * everything else belongs to one thread at a time. */
#ifndef OPENAI_HPP
#define OPENAI_HPP

#include <cstddef>
#include <cstdint>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "openai.h"

namespace openai {

/** The error of a failed call: the C status and the details of openai_last_error_*. */
class Error : public std::runtime_error {
public:
    Error(openai_status status, const std::string &message, std::uint16_t http_status = 0,
          std::string request_id = {}, std::string code = {}, std::string type = {},
          std::string body = {})
        : std::runtime_error(message), status_(status), http_status_(http_status),
          request_id_(std::move(request_id)), code_(std::move(code)), type_(std::move(type)),
          body_(std::move(body)) {}

    /** Captures the calling thread's last error (call right after the failing C call). */
    static Error last(openai_status status) {
        auto s = [](const char *p) { return p ? std::string(p) : std::string(); };
        return Error(status, s(openai_last_error_message()), openai_last_error_http_status(),
                     s(openai_last_error_request_id()), s(openai_last_error_code()),
                     s(openai_last_error_type()), s(openai_last_error_body()));
    }

    openai_status status() const noexcept { return status_; }
    /** "OPENAI_STATUS_RATE_LIMITED", ... */
    const char *status_name() const noexcept {
        const char *n = openai_status_name(status_);
        return n ? n : "OPENAI_STATUS_UNKNOWN";
    }
    /** 0 when the error did not come from an HTTP response. */
    std::uint16_t http_status() const noexcept { return http_status_; }
    /** Empty when the server sent none. */
    const std::string &request_id() const noexcept { return request_id_; }
    /** The API error code, e.g. "rate_limit_exceeded"; empty if none. */
    const std::string &code() const noexcept { return code_; }
    /** The API error type, e.g. "invalid_request_error"; empty if none. */
    const std::string &type() const noexcept { return type_; }
    /** The raw response body; empty if none. */
    const std::string &body() const noexcept { return body_; }

private:
    openai_status status_;
    std::uint16_t http_status_;
    std::string request_id_, code_, type_, body_;
};

namespace detail {
inline void check(openai_status st) {
    if (st != OPENAI_STATUS_OK) throw Error::last(st);
}
inline std::string str(const char *p) { return p ? std::string(p) : std::string(); }
inline std::string_view view(const char *p) { return p ? std::string_view(p) : std::string_view(); }
/** Takes ownership of a string from a char ** out-parameter. */
inline std::string take(char *p) {
    std::string s = p ? std::string(p) : std::string();
    openai_string_free(p);
    return s;
}
template <typename T, void (*Free)(T *)> struct Deleter {
    void operator()(T *p) const noexcept { Free(p); }
};
template <typename T, void (*Free)(T *)> using Handle = std::unique_ptr<T, Deleter<T, Free>>;
/** Calls a C++ callback for a C one: void or bool (false stops), an exception kept in `error`. */
template <typename F, typename A> std::int32_t call_back(std::exception_ptr &error, F &f, const A &arg) {
    try {
        if constexpr (std::is_void_v<std::invoke_result_t<F &, const A &>>) {
            f(arg);
            return OPENAI_ITER_CONTINUE;
        } else {
            return f(arg) ? OPENAI_ITER_CONTINUE : OPENAI_ITER_BREAK;
        }
    } catch (...) {
        error = std::current_exception();
        return OPENAI_ITER_BREAK;
    }
}
} // namespace detail

/** The library version, e.g. "0.1.0". */
inline std::string version() { return openai_version(); }

enum class Role : std::uint32_t {
    System = OPENAI_ROLE_SYSTEM,
    Developer = OPENAI_ROLE_DEVELOPER,
    User = OPENAI_ROLE_USER,
    Assistant = OPENAI_ROLE_ASSISTANT,
};

enum class ImageDetail : std::uint32_t {
    Default = OPENAI_IMAGE_DETAIL_DEFAULT,
    Auto = OPENAI_IMAGE_DETAIL_AUTO,
    Low = OPENAI_IMAGE_DETAIL_LOW,
    High = OPENAI_IMAGE_DETAIL_HIGH,
};

/** Client settings; anything not set comes from the environment and .env. */
class ClientOptions {
public:
    ClientOptions() {
        openai_client_options *o = nullptr;
        detail::check(openai_client_options_new(&o));
        h_.reset(o);
    }
    ClientOptions &api_key(const std::string &v) { return set(openai_client_options_set_api_key, v); }
    ClientOptions &base_url(const std::string &v) { return set(openai_client_options_set_base_url, v); }
    ClientOptions &organization(const std::string &v) {
        return set(openai_client_options_set_organization, v);
    }
    ClientOptions &project(const std::string &v) { return set(openai_client_options_set_project, v); }
    ClientOptions &proxy(const std::string &v) { return set(openai_client_options_set_proxy, v); }
    ClientOptions &ca_file(const std::string &v) { return set(openai_client_options_set_ca_file, v); }
    ClientOptions &header(const std::string &name, const std::string &value) {
        detail::check(openai_client_options_add_header(h_.get(), name.c_str(), value.c_str()));
        return *this;
    }
    ClientOptions &connect_timeout_ms(std::uint64_t ms) {
        detail::check(openai_client_options_set_connect_timeout_ms(h_.get(), ms));
        return *this;
    }
    ClientOptions &request_timeout_ms(std::uint64_t ms) {
        detail::check(openai_client_options_set_request_timeout_ms(h_.get(), ms));
        return *this;
    }
    ClientOptions &stream_idle_timeout_ms(std::uint64_t ms) {
        detail::check(openai_client_options_set_stream_idle_timeout_ms(h_.get(), ms));
        return *this;
    }
    ClientOptions &total_timeout_ms(std::uint64_t ms) {
        detail::check(openai_client_options_set_total_timeout_ms(h_.get(), ms));
        return *this;
    }
    ClientOptions &max_retries(std::uint32_t n) {
        detail::check(openai_client_options_set_max_retries(h_.get(), n));
        return *this;
    }
    /** Azure OpenAI: the resource URL; see openai_client_options_set_azure_endpoint. */
    ClientOptions &azure_endpoint(const std::string &v) {
        return set(openai_client_options_set_azure_endpoint, v);
    }
    ClientOptions &azure_deployment(const std::string &v) {
        return set(openai_client_options_set_azure_deployment, v);
    }
    ClientOptions &azure_api_version(const std::string &v) {
        return set(openai_client_options_set_azure_api_version, v);
    }
    ClientOptions &azure_ad_token(const std::string &v) { return set(openai_client_options_set_azure_ad_token, v); }
    /** The token comes from Client::set_credential, before the first request and on renewal. */
    ClientOptions &azure_ad_token_per_request() {
        detail::check(openai_client_options_set_azure_ad_token_per_request(h_.get()));
        return *this;
    }
    const openai_client_options *get() const noexcept { return h_.get(); }

private:
    ClientOptions &set(openai_status (*f)(openai_client_options *, const char *), const std::string &v) {
        detail::check(f(h_.get(), v.c_str()));
        return *this;
    }
    detail::Handle<openai_client_options, openai_client_options_free> h_;
};

/** A cancellation flag; cancel() may be called from any thread. */
class CancelToken {
public:
    CancelToken() {
        openai_cancel_token *t = nullptr;
        detail::check(openai_cancel_token_new(&t));
        h_.reset(t);
    }
    void cancel() const { detail::check(openai_cancel_token_cancel(h_.get())); }
    bool cancelled() const noexcept { return openai_cancel_token_is_cancelled(h_.get()); }
    const openai_cancel_token *get() const noexcept { return h_.get(); }

private:
    detail::Handle<openai_cancel_token, openai_cancel_token_free> h_;
};

/** A chat completion request: model, messages, parameters. Setters chain. */
class ChatRequest {
public:
    explicit ChatRequest(const std::string &model) {
        openai_chat_request *r = nullptr;
        detail::check(openai_chat_request_new(model.c_str(), &r));
        h_.reset(r);
    }
    /** A request from a complete JSON body. */
    static ChatRequest from_json(const std::string &json) {
        openai_chat_request *r = nullptr;
        detail::check(openai_chat_request_from_json(json.c_str(), &r));
        return ChatRequest(r);
    }
    ChatRequest &message(Role role, const std::string &text) {
        detail::check(openai_chat_request_add_message(h_.get(), static_cast<std::uint32_t>(role), text.c_str()));
        return *this;
    }
    ChatRequest &system(const std::string &text) { return message(Role::System, text); }
    ChatRequest &developer(const std::string &text) { return message(Role::Developer, text); }
    ChatRequest &user(const std::string &text) { return message(Role::User, text); }
    ChatRequest &assistant(const std::string &text) { return message(Role::Assistant, text); }
    ChatRequest &tool_result(const std::string &tool_call_id, const std::string &text) {
        detail::check(openai_chat_request_add_tool_result(h_.get(), tool_call_id.c_str(), text.c_str()));
        return *this;
    }
    /** Adds an image to the last message. */
    ChatRequest &image_url(const std::string &url, ImageDetail detail = ImageDetail::Default) {
        detail::check(openai_chat_request_add_image_url(h_.get(), url.c_str(), static_cast<std::uint32_t>(detail)));
        return *this;
    }
    /** Adds a text part to the last message. */
    ChatRequest &text_part(const std::string &text) {
        detail::check(openai_chat_request_add_text_part(h_.get(), text.c_str()));
        return *this;
    }
    ChatRequest &max_tokens(std::uint64_t n) {
        detail::check(openai_chat_request_set_max_tokens(h_.get(), n));
        return *this;
    }
    ChatRequest &temperature(double t) {
        detail::check(openai_chat_request_set_temperature(h_.get(), t));
        return *this;
    }
    ChatRequest &json_mode(bool on = true) {
        detail::check(openai_chat_request_set_json_mode(h_.get(), on));
        return *this;
    }
    /** Sets any top-level body field to a JSON value, e.g. field("seed", "42"). */
    ChatRequest &field(const std::string &key, const std::string &value_json) {
        detail::check(openai_chat_request_set_field(h_.get(), key.c_str(), value_json.c_str()));
        return *this;
    }
    std::string to_json() const {
        char *s = nullptr;
        detail::check(openai_chat_request_to_json(h_.get(), &s));
        return detail::take(s);
    }
    const openai_chat_request *get() const noexcept { return h_.get(); }

private:
    explicit ChatRequest(openai_chat_request *r) : h_(r) {}
    detail::Handle<openai_chat_request, openai_chat_request_free> h_;
};

/** A chat completion (or an assembled stream). */
class ChatResponse {
public:
    explicit ChatResponse(openai_chat_response *r) : h_(r) {}
    std::size_t choice_count() const noexcept { return openai_chat_response_choice_count(h_.get()); }
    /** The text of choice `index`; empty if it has none. */
    std::string content(std::size_t index = 0) const {
        return detail::str(openai_chat_response_content(h_.get(), index));
    }
    /** Whether choice `index` has text (a tool-call reply has none). */
    bool has_content(std::size_t index = 0) const noexcept {
        return openai_chat_response_content(h_.get(), index) != nullptr;
    }
    std::string finish_reason(std::size_t index = 0) const {
        return detail::str(openai_chat_response_finish_reason(h_.get(), index));
    }
    std::uint64_t prompt_tokens() const noexcept { return openai_chat_response_prompt_tokens(h_.get()); }
    std::uint64_t completion_tokens() const noexcept {
        return openai_chat_response_completion_tokens(h_.get());
    }
    std::uint64_t total_tokens() const noexcept { return openai_chat_response_total_tokens(h_.get()); }
    std::string id() const { return detail::str(openai_chat_response_id(h_.get())); }
    std::string model() const { return detail::str(openai_chat_response_model(h_.get())); }
    std::string request_id() const { return detail::str(openai_chat_response_request_id(h_.get())); }
    std::string raw_json() const { return detail::str(openai_chat_response_raw_json(h_.get())); }
    std::uint32_t retries_taken() const noexcept { return openai_chat_response_retries_taken(h_.get()); }
    const openai_chat_response *get() const noexcept { return h_.get(); }

private:
    detail::Handle<openai_chat_response, openai_chat_response_free> h_;
};

/** One chunk of a stream; a view valid until the stream advances. */
class ChatDelta {
public:
    explicit ChatDelta(const openai_chat_delta *d) noexcept : d_(d) {}
    /** The new text (empty if this chunk has none). */
    std::string_view content() const noexcept { return detail::view(openai_chat_delta_content(d_)); }
    bool has_content() const noexcept { return openai_chat_delta_content(d_) != nullptr; }
    std::string_view finish_reason() const noexcept {
        return detail::view(openai_chat_delta_finish_reason(d_));
    }
    std::string_view raw_json() const noexcept { return detail::view(openai_chat_delta_raw_json(d_)); }
    const openai_chat_delta *get() const noexcept { return d_; }

private:
    const openai_chat_delta *d_;
};

/** A streamed chat completion: iterate it (range-for), then read the assembled reply. Iteration
 * throws openai::Error on truncation, error events, timeouts and cancellation. */
class ChatStream {
public:
    explicit ChatStream(openai_chat_stream *s) : h_(s) {}

    /** The next chunk, or nullptr at the normal end. */
    const openai_chat_delta *next() {
        const openai_chat_delta *d = nullptr;
        detail::check(openai_chat_stream_next(h_.get(), &d));
        return d;
    }

    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = ChatDelta;
        using difference_type = std::ptrdiff_t;
        using pointer = const ChatDelta *;
        using reference = const ChatDelta &;

        iterator() noexcept : stream_(nullptr), delta_(nullptr) {}
        explicit iterator(ChatStream *s) : stream_(s), delta_(s->next()) {
            if (!delta_.get()) stream_ = nullptr;
        }
        reference operator*() const noexcept { return delta_; }
        pointer operator->() const noexcept { return &delta_; }
        iterator &operator++() {
            delta_ = ChatDelta(stream_->next());
            if (!delta_.get()) stream_ = nullptr;
            return *this;
        }
        bool operator==(const iterator &o) const noexcept { return stream_ == o.stream_; }
        bool operator!=(const iterator &o) const noexcept { return !(*this == o); }

    private:
        ChatStream *stream_;
        ChatDelta delta_;
    };

    /** Starts pulling: each stream can be iterated once. */
    iterator begin() { return iterator(this); }
    iterator end() noexcept { return iterator(); }

    /** The whole reply text, once the stream has ended. */
    std::string content() const { return detail::str(openai_chat_stream_content(h_.get())); }
    std::string finish_reason() const { return detail::str(openai_chat_stream_finish_reason(h_.get())); }
    std::string request_id() const { return detail::str(openai_chat_stream_request_id(h_.get())); }
    bool complete() const noexcept { return openai_chat_stream_is_complete(h_.get()); }
    /** Everything received so far, assembled. */
    ChatResponse completion() const {
        openai_chat_response *r = nullptr;
        detail::check(openai_chat_stream_completion(h_.get(), &r));
        return ChatResponse(r);
    }

private:
    detail::Handle<openai_chat_stream, openai_chat_stream_free> h_;
};

/** Generated images. */
class ImagesResponse {
public:
    explicit ImagesResponse(openai_images_response *r) : h_(r) {}
    std::size_t size() const noexcept { return openai_images_response_count(h_.get()); }
    std::string url(std::size_t i) const { return detail::str(openai_images_response_url(h_.get(), i)); }
    std::string b64_json(std::size_t i) const {
        return detail::str(openai_images_response_b64_json(h_.get(), i));
    }
    std::string revised_prompt(std::size_t i) const {
        return detail::str(openai_images_response_revised_prompt(h_.get(), i));
    }
    std::string raw_json() const { return detail::str(openai_images_response_raw_json(h_.get())); }

private:
    detail::Handle<openai_images_response, openai_images_response_free> h_;
};

/** A Responses API request (`POST /responses`): a text input, or messages and items added one by
 * one; any other field with set(). */
class ResponsesRequest {
public:
    /** A request for `model`; an empty `input` starts with no input (add messages). */
    explicit ResponsesRequest(const std::string &model, const std::string &input = {}) {
        openai_responses_request *r = nullptr;
        detail::check(openai_responses_request_new(model.c_str(), input.empty() ? nullptr : input.c_str(), &r));
        h_.reset(r);
    }
    /** A request from a whole JSON body. */
    static ResponsesRequest from_json(const std::string &json) {
        openai_responses_request *r = nullptr;
        detail::check(openai_responses_request_from_json(json.c_str(), &r));
        return ResponsesRequest(r);
    }
    ResponsesRequest &message(const std::string &role, const std::string &text) {
        detail::check(openai_responses_request_add_message(h_.get(), role.c_str(), text.c_str()));
        return *this;
    }
    ResponsesRequest &function_call_output(const std::string &call_id, const std::string &output) {
        detail::check(
            openai_responses_request_add_function_call_output(h_.get(), call_id.c_str(), output.c_str()));
        return *this;
    }
    ResponsesRequest &item_json(const std::string &item) {
        detail::check(openai_responses_request_add_item_json(h_.get(), item.c_str()));
        return *this;
    }
    /** Any top-level field as JSON, e.g. set("instructions", "\"Be brief.\""). */
    ResponsesRequest &set(const std::string &key, const std::string &value_json) {
        detail::check(openai_responses_request_set_field(h_.get(), key.c_str(), value_json.c_str()));
        return *this;
    }
    std::string to_json() const {
        char *s = nullptr;
        detail::check(openai_responses_request_to_json(h_.get(), &s));
        return detail::take(s);
    }
    const openai_responses_request *get() const noexcept { return h_.get(); }

private:
    explicit ResponsesRequest(openai_responses_request *r) : h_(r) {}
    detail::Handle<openai_responses_request, openai_responses_request_free> h_;
};

/** A response object: output_text(), status, usage and the output items. */
class Response {
public:
    explicit Response(openai_response *r) : h_(r) {}
    /** Every output text joined, as the official SDKs compute it. */
    std::string output_text() const { return detail::str(openai_response_output_text(h_.get())); }
    std::string id() const { return detail::str(openai_response_id(h_.get())); }
    std::string status() const { return detail::str(openai_response_status(h_.get())); }
    std::string request_id() const { return detail::str(openai_response_request_id(h_.get())); }
    std::string raw_json() const { return detail::str(openai_response_raw_json(h_.get())); }
    std::uint64_t input_tokens() const noexcept { return usage(0); }
    std::uint64_t output_tokens() const noexcept { return usage(1); }
    std::uint64_t total_tokens() const noexcept { return usage(2); }
    std::size_t output_count() const noexcept { return openai_response_output_count(h_.get()); }
    std::string item_type(std::size_t i) const { return detail::str(openai_response_output_item_type(h_.get(), i)); }
    std::string item_call_id(std::size_t i) const {
        return detail::str(openai_response_output_item_call_id(h_.get(), i));
    }
    std::string item_name(std::size_t i) const { return detail::str(openai_response_output_item_name(h_.get(), i)); }
    std::string item_arguments(std::size_t i) const {
        return detail::str(openai_response_output_item_arguments(h_.get(), i));
    }
    std::string item_json(std::size_t i) const { return detail::str(openai_response_output_item_json(h_.get(), i)); }

private:
    std::uint64_t usage(int which) const noexcept {
        std::uint64_t v[3] = {0, 0, 0};
        openai_response_usage(h_.get(), &v[0], &v[1], &v[2]);
        return v[which];
    }
    detail::Handle<openai_response, openai_response_free> h_;
};

/** One event of a responses stream; a view valid until the stream advances. */
class ResponseEvent {
public:
    explicit ResponseEvent(const openai_response_event *e) noexcept : e_(e) {}
    std::string_view type() const noexcept { return detail::view(openai_response_event_type(e_)); }
    /** -1 when the server sent no sequence number. */
    std::int64_t sequence_number() const noexcept { return openai_response_event_sequence_number(e_); }
    std::string_view delta() const noexcept { return detail::view(openai_response_event_delta(e_)); }
    std::string_view raw_json() const noexcept { return detail::view(openai_response_event_raw_json(e_)); }
    const openai_response_event *get() const noexcept { return e_; }

private:
    const openai_response_event *e_;
};

/** A responses stream: iterate it (range-for) until the terminal event, then read response().
 * Iteration throws openai::Error on truncation, error events, timeouts and cancellation. */
class ResponsesStream {
public:
    explicit ResponsesStream(openai_responses_stream *s) : h_(s) {}

    /** The next event, or nullptr after the terminal one. */
    const openai_response_event *next() {
        const openai_response_event *e = nullptr;
        detail::check(openai_responses_stream_next(h_.get(), &e));
        return e;
    }

    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = ResponseEvent;
        using difference_type = std::ptrdiff_t;
        using pointer = const ResponseEvent *;
        using reference = const ResponseEvent &;

        iterator() noexcept : stream_(nullptr), event_(nullptr) {}
        explicit iterator(ResponsesStream *s) : stream_(s), event_(s->next()) {
            if (!event_.get()) stream_ = nullptr;
        }
        reference operator*() const noexcept { return event_; }
        pointer operator->() const noexcept { return &event_; }
        iterator &operator++() {
            event_ = ResponseEvent(stream_->next());
            if (!event_.get()) stream_ = nullptr;
            return *this;
        }
        bool operator==(const iterator &o) const noexcept { return stream_ == o.stream_; }
        bool operator!=(const iterator &o) const noexcept { return !(*this == o); }

    private:
        ResponsesStream *stream_;
        ResponseEvent event_;
    };

    iterator begin() { return iterator(this); }
    iterator end() noexcept { return iterator(); }
    bool complete() const noexcept { return openai_responses_stream_is_complete(h_.get()); }
    std::string request_id() const { return detail::str(openai_responses_stream_request_id(h_.get())); }
    /** The response assembled from the events so far. */
    Response response() const {
        openai_response *r = nullptr;
        detail::check(openai_responses_stream_response(h_.get(), &r));
        return Response(r);
    }

private:
    detail::Handle<openai_responses_stream, openai_responses_stream_free> h_;
};

/** A multipart form for the operations that take files; files are read when it is sent. */
class Form {
public:
    Form() {
        openai_form *f = nullptr;
        detail::check(openai_form_new(&f));
        h_.reset(f);
    }
    Form &text(const std::string &name, const std::string &value) {
        detail::check(openai_form_add_text(h_.get(), name.c_str(), value.c_str()));
        return *this;
    }
    /** A file read from `path` when the form is sent; empty strings mean "guess". */
    Form &file(const std::string &name, const std::string &path, const std::string &filename = {},
               const std::string &content_type = {}) {
        detail::check(openai_form_add_file(h_.get(), name.c_str(), path.c_str(),
                                           filename.empty() ? nullptr : filename.c_str(),
                                           content_type.empty() ? nullptr : content_type.c_str()));
        return *this;
    }
    Form &bytes(const std::string &name, std::string_view data, const std::string &filename,
                const std::string &content_type = {}) {
        detail::check(openai_form_add_bytes(h_.get(), name.c_str(), reinterpret_cast<const std::uint8_t *>(data.data()),
                                            data.size(), filename.c_str(),
                                            content_type.empty() ? nullptr : content_type.c_str()));
        return *this;
    }
    const openai_form *get() const noexcept { return h_.get(); }

private:
    detail::Handle<openai_form, openai_form_free> h_;
};

/** Every page of a list operation: call next() until it returns false. */
class Pager {
public:
    explicit Pager(openai_pager *p) : h_(p) {}
    /** The next page's JSON into `page`; false after the last page. */
    bool next(std::string &page) {
        char *s = nullptr;
        detail::check(openai_pager_next(h_.get(), nullptr, &s));
        if (!s) return false;
        page = detail::take(s);
        return true;
    }
    bool has_next() const noexcept { return openai_pager_has_next(h_.get()); }

private:
    detail::Handle<openai_pager, openai_pager_free> h_;
};

/** An OpenAI client. Thread-safe: share one between threads. */
class Client {
public:
    /** Everything from the environment (OPENAI_API_KEY, OPENAI_BASE_URL, .env). */
    Client() { init(nullptr); }
    explicit Client(const ClientOptions &options) { init(options.get()); }

    /** A renewed token or rotated key for every request from now on; any thread. */
    void set_credential(const std::string &token) const {
        detail::check(openai_client_set_credential(h_.get(), token.c_str()));
    }

    ChatResponse chat(const ChatRequest &req, const CancelToken *cancel = nullptr) const {
        openai_chat_response *r = nullptr;
        detail::check(openai_client_chat(h_.get(), req.get(), tok(cancel), &r));
        return ChatResponse(r);
    }

    ChatStream chat_stream(const ChatRequest &req, const CancelToken *cancel = nullptr) const {
        openai_chat_stream *s = nullptr;
        detail::check(openai_client_chat_stream(h_.get(), req.get(), tok(cancel), &s));
        return ChatStream(s);
    }

    /** Streams with a callback `f(const ChatDelta &)` returning void or bool (false stops, and
     * then openai::Error with OPENAI_STATUS_ABORTED_BY_CALLBACK is thrown). An exception thrown
     * by `f` stops the stream and is rethrown here. Returns the assembled reply. */
    template <typename F>
    ChatResponse chat_stream_each(const ChatRequest &req, F &&f, const CancelToken *cancel = nullptr) const {
        struct Ctx {
            F *f;
            std::exception_ptr error;
        } ctx{&f, nullptr};
        auto trampoline = [](void *user_data, const openai_chat_delta *d) -> std::int32_t {
            auto *c = static_cast<Ctx *>(user_data);
            try {
                ChatDelta delta(d);
                if constexpr (std::is_void_v<std::invoke_result_t<F &, const ChatDelta &>>) {
                    (*c->f)(delta);
                    return OPENAI_ITER_CONTINUE;
                } else {
                    return (*c->f)(delta) ? OPENAI_ITER_CONTINUE : OPENAI_ITER_BREAK;
                }
            } catch (...) {
                c->error = std::current_exception();
                return OPENAI_ITER_BREAK;
            }
        };
        openai_chat_response *r = nullptr;
        openai_status st = openai_client_chat_stream_each(h_.get(), req.get(), tok(cancel), trampoline, &ctx, &r);
        if (ctx.error) std::rethrow_exception(ctx.error);
        detail::check(st);
        return ChatResponse(r);
    }

    ImagesResponse images_generate(const std::string &request_json, const CancelToken *cancel = nullptr) const {
        openai_images_response *r = nullptr;
        detail::check(openai_client_images_generate(h_.get(), request_json.c_str(), tok(cancel), &r));
        return ImagesResponse(r);
    }

    /** The response body of POST /embeddings. */
    std::string embeddings(const std::string &request_json, const CancelToken *cancel = nullptr) const {
        char *s = nullptr;
        detail::check(openai_client_embeddings(h_.get(), request_json.c_str(), tok(cancel), &s));
        return detail::take(s);
    }

    std::string models_list(const CancelToken *cancel = nullptr) const {
        char *s = nullptr;
        detail::check(openai_client_models_list(h_.get(), tok(cancel), &s));
        return detail::take(s);
    }

    std::string models_retrieve(const std::string &id, const CancelToken *cancel = nullptr) const {
        char *s = nullptr;
        detail::check(openai_client_models_retrieve(h_.get(), id.c_str(), tok(cancel), &s));
        return detail::take(s);
    }

    /** Any endpoint; an empty body_json sends no body. */
    std::string request_json(const std::string &method, const std::string &path,
                             const std::string &body_json = {}, const CancelToken *cancel = nullptr) const {
        char *s = nullptr;
        detail::check(openai_client_request_json(h_.get(), method.c_str(), path.c_str(),
                                                 body_json.empty() ? nullptr : body_json.c_str(), tok(cancel), &s));
        return detail::take(s);
    }

    Response responses_create(const ResponsesRequest &req, const CancelToken *cancel = nullptr) const {
        openai_response *r = nullptr;
        detail::check(openai_client_responses_create(h_.get(), req.get(), tok(cancel), &r));
        return Response(r);
    }

    ResponsesStream responses_stream(const ResponsesRequest &req, const CancelToken *cancel = nullptr) const {
        openai_responses_stream *s = nullptr;
        detail::check(openai_client_responses_stream(h_.get(), req.get(), tok(cancel), &s));
        return ResponsesStream(s);
    }

    /** A multipart operation ("createFile", "createTranscription", ...) with `form`. */
    std::string call_form(const std::string &operation_id, const Form &form, const std::string &path_json = {},
                          const std::string &query_json = {}, const CancelToken *cancel = nullptr) const {
        auto opt = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
        char *s = nullptr;
        detail::check(openai_client_call_form(h_.get(), operation_id.c_str(), opt(path_json), opt(query_json),
                                              form.get(), tok(cancel), &s));
        return detail::take(s);
    }

    /** A binary answer ("downloadFile", "createSpeech", ...) written to `dest_path`; the byte count. */
    std::uint64_t download_to_file(const std::string &operation_id, const std::string &dest_path,
                                   const std::string &path_json = {}, const std::string &body_json = {},
                                   const CancelToken *cancel = nullptr) const {
        auto opt = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
        std::uint64_t n = 0;
        detail::check(openai_client_download_to_file(h_.get(), operation_id.c_str(), opt(path_json), nullptr,
                                                     opt(body_json), dest_path.c_str(), tok(cancel), &n));
        return n;
    }

    /** Every page of a list operation ("listFiles", "listBatches", ...). */
    Pager pages(const std::string &operation_id, const std::string &path_json = {},
                const std::string &query_json = {}) const {
        auto opt = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
        openai_pager *p = nullptr;
        detail::check(openai_client_pages(h_.get(), operation_id.c_str(), opt(path_json), opt(query_json), &p));
        return Pager(p);
    }

    /** Uploads a file (streamed from disk); the file object's JSON. */
    std::string files_upload(const std::string &path, const std::string &purpose,
                             const CancelToken *cancel = nullptr) const {
        char *s = nullptr;
        detail::check(openai_client_files_upload(h_.get(), path.c_str(), purpose.c_str(), tok(cancel), &s));
        return detail::take(s);
    }

    std::uint64_t files_download(const std::string &file_id, const std::string &dest_path,
                                 const CancelToken *cancel = nullptr) const {
        std::uint64_t n = 0;
        detail::check(openai_client_files_download(h_.get(), file_id.c_str(), dest_path.c_str(), tok(cancel), &n));
        return n;
    }

    std::string batches_create(const std::string &input_file_id, const std::string &endpoint,
                               const CancelToken *cancel = nullptr) const {
        char *s = nullptr;
        detail::check(
            openai_client_batches_create(h_.get(), input_file_id.c_str(), endpoint.c_str(), tok(cancel), &s));
        return detail::take(s);
    }

    std::string batches_retrieve(const std::string &batch_id, const CancelToken *cancel = nullptr) const {
        char *s = nullptr;
        detail::check(openai_client_batches_retrieve(h_.get(), batch_id.c_str(), tok(cancel), &s));
        return detail::take(s);
    }

    /** Runs every row of a Batch API input file under rate limits (see openai_client_bulk_run;
     * `options_json` like {"concurrency":16,"rpm":500,"tpm":200000}, empty for the defaults; an
     * empty `output_path` writes no file). `on_result(const openai_bulk_result &)` is called per
     * finished row and `on_progress(const openai_bulk_progress &)` with the newest progress as
     * rows finish and every half second, on this thread; each returns void or bool (false stops the run, and then
     * openai::Error with OPENAI_STATUS_ABORTED_BY_CALLBACK is thrown). An exception thrown by a
     * callback stops the run and is rethrown here. */
    template <typename R, typename P>
    openai_bulk_summary bulk_run(const std::string &input_path, const std::string &output_path,
                                 const std::string &options_json, R &&on_result, P &&on_progress,
                                 const CancelToken *cancel = nullptr) const {
        struct Ctx {
            R *r;
            P *p;
            std::exception_ptr error;
        } ctx{&on_result, &on_progress, nullptr};
        auto result = [](void *u, const openai_bulk_result *r) -> std::int32_t {
            auto *c = static_cast<Ctx *>(u);
            return detail::call_back(c->error, *c->r, *r);
        };
        auto progress = [](void *u, const openai_bulk_progress *p) -> std::int32_t {
            auto *c = static_cast<Ctx *>(u);
            return detail::call_back(c->error, *c->p, *p);
        };
        auto opt = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
        openai_bulk_summary sum{};
        openai_status st = openai_client_bulk_run(h_.get(), input_path.c_str(), opt(output_path), opt(options_json),
                                                  tok(cancel), result, progress, &ctx, &sum);
        if (ctx.error) std::rethrow_exception(ctx.error);
        detail::check(st);
        return sum;
    }

    /** bulk_run without callbacks: the summary only (per-row outcomes are in the output file). */
    openai_bulk_summary bulk_run(const std::string &input_path, const std::string &output_path,
                                 const std::string &options_json = {}, const CancelToken *cancel = nullptr) const {
        auto opt = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
        openai_bulk_summary sum{};
        detail::check(openai_client_bulk_run(h_.get(), input_path.c_str(), opt(output_path), opt(options_json),
                                             tok(cancel), nullptr, nullptr, nullptr, &sum));
        return sum;
    }

    /** Any operation of the spec by operation id; empty JSON strings are not sent. */
    std::string call(const std::string &operation_id, const std::string &path_json = {},
                     const std::string &query_json = {}, const std::string &body_json = {},
                     const CancelToken *cancel = nullptr) const {
        auto opt = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
        char *s = nullptr;
        detail::check(openai_client_call(h_.get(), operation_id.c_str(), opt(path_json), opt(query_json),
                                         opt(body_json), tok(cancel), &s));
        return detail::take(s);
    }

    const openai_client *get() const noexcept { return h_.get(); }

private:
    void init(const openai_client_options *o) {
        openai_client *c = nullptr;
        detail::check(openai_client_new(o, &c));
        h_.reset(c);
    }
    static const openai_cancel_token *tok(const CancelToken *c) noexcept { return c ? c->get() : nullptr; }
    detail::Handle<openai_client, openai_client_free> h_;
};

/** Usage and cost summed over a conversation's calls. */
using UsageTotals = openai_usage_totals;
/** What a conversation's last call did. */
using CallReport = openai_call_report;

/** A chat with its history, fitted into the model's context window before every call (older turns
 * are left out of the request, never out of the history), with usage, cost and an optional
 * budget. A turn is all or nothing: on any error (thrown) nothing is appended.
 *
 *     openai::Conversation conv("gpt-4o-mini");
 *     conv.system("You are terse.");
 *     std::cout << conv.send(client, "Hello!").content() << " $" << conv.cost_usd() << "\n";
 *     for (const auto &d : conv.stream(client, "And again?")) std::cout << d.content();
 *
 * Thread-safe like the C handle: calls are serialised, no lock is held during a request. */
class Conversation {
public:
    explicit Conversation(const std::string &model) {
        openai_conversation *c = nullptr;
        detail::check(openai_conversation_new(model.c_str(), &c));
        h_.reset(c);
    }
    static Conversation from_json(const std::string &json) {
        openai_conversation *c = nullptr;
        detail::check(openai_conversation_from_json(json.c_str(), &c));
        return Conversation(c);
    }
    static Conversation load(const std::string &path) {
        openai_conversation *c = nullptr;
        detail::check(openai_conversation_load(path.c_str(), &c));
        return Conversation(c);
    }
    /** A branch: an independent copy of the history, settings and usage so far. */
    Conversation clone() const {
        openai_conversation *c = nullptr;
        detail::check(openai_conversation_clone(h_.get(), &c));
        return Conversation(c);
    }

    Conversation &system(const std::string &text) {
        detail::check(openai_conversation_set_system(h_.get(), text.c_str()));
        return *this;
    }
    Conversation &push(Role role, const std::string &text) {
        detail::check(openai_conversation_push(h_.get(), static_cast<std::uint32_t>(role), text.c_str()));
        return *this;
    }
    /** Any message as the API's JSON (tool results, image parts). */
    Conversation &push_json(const std::string &message_json) {
        detail::check(openai_conversation_push_json(h_.get(), message_json.c_str()));
        return *this;
    }
    /** Request parameters sent with every call, as a JSON object; null removes one. */
    Conversation &params(const std::string &params_json) {
        detail::check(openai_conversation_set_params_json(h_.get(), params_json.c_str()));
        return *this;
    }
    /** 0: the built-in table's window. */
    Conversation &context_window(std::uint64_t tokens) {
        detail::check(openai_conversation_set_context_window(h_.get(), tokens));
        return *this;
    }
    Conversation &reserve_output_tokens(std::uint64_t tokens) {
        detail::check(openai_conversation_set_reserve_output_tokens(h_.get(), tokens));
        return *this;
    }
    /** Negative: no budget. */
    Conversation &budget_usd(double usd) {
        detail::check(openai_conversation_set_budget_usd(h_.get(), usd));
        return *this;
    }
    Conversation &load_prices(const std::string &path) {
        detail::check(openai_conversation_load_prices(h_.get(), path.c_str()));
        return *this;
    }

    /** Sends `user_text` and appends it and the reply. */
    ChatResponse send(const Client &client, const std::string &user_text, const CancelToken *cancel = nullptr) {
        openai_chat_response *r = nullptr;
        detail::check(openai_conversation_send(h_.get(), client.get(), user_text.c_str(), tok(cancel), &r));
        return ChatResponse(r);
    }
    /** Streams the reply; the turn is appended once the stream is read to its end. */
    ChatStream stream(const Client &client, const std::string &user_text, const CancelToken *cancel = nullptr) {
        openai_chat_stream *s = nullptr;
        detail::check(openai_conversation_stream(h_.get(), client.get(), user_text.c_str(), tok(cancel), &s));
        return ChatStream(s);
    }

    /** Removes the last turn; returns how many messages went. */
    std::size_t undo() noexcept { return openai_conversation_undo(h_.get()); }
    void clear() { detail::check(openai_conversation_clear(h_.get())); }
    std::size_t size() const noexcept { return openai_conversation_message_count(h_.get()); }
    std::string messages_json() const {
        char *s = nullptr;
        detail::check(openai_conversation_messages_json(h_.get(), &s));
        return detail::take(s);
    }
    /** The history's prompt tokens, counted offline. */
    std::uint64_t count_tokens() const noexcept { return openai_conversation_count_tokens(h_.get()); }
    /** 0 when unknown. */
    std::uint64_t context_window() const noexcept { return openai_conversation_context_window(h_.get()); }
    UsageTotals usage() const {
        UsageTotals u{};
        detail::check(openai_conversation_usage(h_.get(), &u));
        return u;
    }
    double cost_usd() const noexcept { return openai_conversation_cost_usd(h_.get()); }
    CallReport last_call() const {
        CallReport r{};
        detail::check(openai_conversation_last_call(h_.get(), &r));
        return r;
    }
    std::string to_json() const {
        char *s = nullptr;
        detail::check(openai_conversation_to_json(h_.get(), &s));
        return detail::take(s);
    }
    void save(const std::string &path) const { detail::check(openai_conversation_save(h_.get(), path.c_str())); }
    const openai_conversation *get() const noexcept { return h_.get(); }

private:
    explicit Conversation(openai_conversation *c) : h_(c) {}
    static const openai_cancel_token *tok(const CancelToken *c) noexcept { return c ? c->get() : nullptr; }
    detail::Handle<openai_conversation, openai_conversation_free> h_;
};

enum class CompletionKind : std::uint32_t {
    Response = OPENAI_COMPLETION_KIND_RESPONSE,
    StreamDelta = OPENAI_COMPLETION_KIND_STREAM_DELTA,
    StreamEnd = OPENAI_COMPLETION_KIND_STREAM_END,
};

/** One result taken from a Queue (owns it; see openai_completion). */
class Completion {
public:
    explicit Completion(openai_completion *c) noexcept : h_(c) {}
    std::uint64_t id() const noexcept { return openai_completion_id(h_.get()); }
    std::uint64_t tag() const noexcept { return openai_completion_tag(h_.get()); }
    CompletionKind kind() const noexcept { return CompletionKind(openai_completion_get_kind(h_.get())); }
    /** Whether this is a request's last completion (not a stream chunk). */
    bool is_final() const noexcept { return kind() != CompletionKind::StreamDelta; }
    bool ok() const noexcept { return status() == OPENAI_STATUS_OK; }
    openai_status status() const noexcept { return openai_completion_status(h_.get()); }
    std::uint16_t http_status() const noexcept { return openai_completion_http_status(h_.get()); }
    std::string error_message() const { return detail::str(openai_completion_error_message(h_.get())); }
    /** The answer's JSON (see openai_completion_body); a view valid while this object lives. */
    std::string_view body() const noexcept { return detail::view(openai_completion_body(h_.get())); }
    /** The text of a chat reply's choice `index` (a chat answer or a stream's end); empty if none. */
    std::string content(std::size_t index = 0) const {
        return detail::str(openai_chat_response_content(openai_completion_chat_response(h_.get()), index));
    }
    /** The chat reply, borrowed (nullptr unless a chat answer or a stream's successful end). */
    const openai_chat_response *chat_response() const noexcept {
        return openai_completion_chat_response(h_.get());
    }
    /** A stream chunk, valid while this object lives; empty unless kind() is StreamDelta. */
    std::optional<ChatDelta> delta() const noexcept {
        const openai_chat_delta *d = openai_completion_delta(h_.get());
        return d ? std::optional<ChatDelta>(ChatDelta(d)) : std::nullopt;
    }
    /** Throws openai::Error for a failed request (status, message, HTTP status, error body). */
    void check() const {
        if (!ok()) throw Error(status(), error_message(), http_status(), {}, {}, {}, std::string(body()));
    }
    const openai_completion *get() const noexcept { return h_.get(); }

private:
    detail::Handle<openai_completion, openai_completion_free> h_;
};

/** A completion queue for event loops (see openai_queue): submit without blocking, poll fd(),
 * pop() what finished. Thread-safe; it keeps the client's pool alive by itself.
 *
 *     openai::Queue q(client);
 *     for (int i = 0; i < 1000; i++) q.submit_chat(req, i);
 *     while (q.outstanding() > 0) {
 *         q.wait();                          // or poll(q.fd()) in your own loop
 *         while (auto c = q.pop()) { c->check(); std::cout << c->tag() << ": " << c->content(); }
 *     } */
class Queue {
public:
    explicit Queue(const Client &client) {
        openai_queue *q = nullptr;
        detail::check(openai_queue_new(client.get(), &q));
        h_.reset(q);
    }
    /** Readable while completions wait; poll it, never read or close it. */
    int fd() const noexcept { return openai_queue_fd(h_.get()); }
    /** Returns the request's id (for cancel); `tag` comes back in its completions. */
    std::uint64_t submit_chat(const ChatRequest &req, std::uint64_t tag = 0) const {
        std::uint64_t id = 0;
        detail::check(openai_queue_submit_chat(h_.get(), req.get(), tag, &id));
        return id;
    }
    std::uint64_t submit_chat_stream(const ChatRequest &req, std::uint64_t tag = 0) const {
        std::uint64_t id = 0;
        detail::check(openai_queue_submit_chat_stream(h_.get(), req.get(), tag, &id));
        return id;
    }
    /** Any operation by id (see openai_client_call); an empty JSON string is left out. */
    std::uint64_t submit_call(const std::string &operation_id, const std::string &path_json = {},
                              const std::string &query_json = {}, const std::string &body_json = {},
                              std::uint64_t tag = 0) const {
        auto opt = [](const std::string &s) { return s.empty() ? nullptr : s.c_str(); };
        std::uint64_t id = 0;
        detail::check(openai_queue_submit_call(h_.get(), operation_id.c_str(), opt(path_json),
                                               opt(query_json), opt(body_json), tag, &id));
        return id;
    }
    /** False when the request already finished. */
    bool cancel(std::uint64_t id) const noexcept { return openai_queue_cancel(h_.get(), id); }
    /** The oldest waiting completion, or nothing (never blocks). */
    std::optional<Completion> pop() const noexcept {
        openai_completion *c = openai_queue_pop(h_.get());
        return c ? std::optional<Completion>(Completion(c)) : std::nullopt;
    }
    /** Waits up to `timeout_ms` (negative: no limit) for a completion; false if none came or
     * nothing is outstanding. */
    bool wait(int timeout_ms = -1) const {
        openai_status st = openai_queue_wait(h_.get(), timeout_ms);
        if (st == OPENAI_STATUS_TIMEOUT) return false;
        detail::check(st);
        return true;
    }
    std::size_t outstanding() const noexcept { return openai_queue_outstanding(h_.get()); }
    const openai_queue *get() const noexcept { return h_.get(); }

private:
    detail::Handle<openai_queue, openai_queue_free> h_;
};

/** Tokens of `text` with the tokenizer of `model`, counted offline. */
inline std::uint64_t count_tokens(const std::string &model, const std::string &text) {
    std::uint64_t n = 0;
    detail::check(openai_count_tokens(model.c_str(), text.c_str(), &n));
    return n;
}

} // namespace openai

#endif /* OPENAI_HPP */
