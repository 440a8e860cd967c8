/* Version, options, one-shot calls and error details. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"

#define STR2(x) #x
#define STR(x) STR2(x)

int test_version(void) {
    char macros[64];
    snprintf(macros, sizeof macros, "%d.%d.%d", OPENAI_VERSION_MAJOR, OPENAI_VERSION_MINOR,
             OPENAI_VERSION_PATCH);
    CHECK_STR(openai_version(), macros);
    CHECK_STR(openai_version(), OPENAI_VERSION_STRING);
    CHECK(openai_version() == openai_version()); /* static, never freed */
    return 0;
}

int test_status_names(void) {
    static const struct {
        openai_status st;
        const char *name;
    } cases[] = {
        {OPENAI_STATUS_OK, "OPENAI_STATUS_OK"},
        {OPENAI_STATUS_NULL_ARGUMENT, "OPENAI_STATUS_NULL_ARGUMENT"},
        {OPENAI_STATUS_INVALID_UTF8, "OPENAI_STATUS_INVALID_UTF8"},
        {OPENAI_STATUS_RATE_LIMITED, "OPENAI_STATUS_RATE_LIMITED"},
        {OPENAI_STATUS_STREAM_TRUNCATED, "OPENAI_STATUS_STREAM_TRUNCATED"},
        {OPENAI_STATUS_ABORTED_BY_CALLBACK, "OPENAI_STATUS_ABORTED_BY_CALLBACK"},
        {OPENAI_STATUS_PANIC, "OPENAI_STATUS_PANIC"},
    };
    size_t i;
    uint32_t v;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) CHECK_STR(openai_status_name(cases[i].st), cases[i].name);
    CHECK(OPENAI_STATUS_OK == 0);
    /* Every value either has a name or is not a status; unknown values are NULL, not a crash. */
    for (v = 0; v < 1000; v++) {
        const char *n = openai_status_name(v);
        if (n) CHECK(strncmp(n, "OPENAI_STATUS_", 14) == 0);
    }
    CHECK(openai_status_name(UINT32_MAX) == NULL);
    CHECK(openai_status_name(7) == NULL);
    return 0;
}

/* Invalid UTF-8: not UTF-8 at all, an overlong '/', and a CESU-8 lone surrogate. */
static const char *const BAD_UTF8[] = {"\xff\xfe", "sk-\xc0\xaf", "ab\xed\xa0\x80"};

int test_invalid_utf8(void) {
    size_t i;
    for (i = 0; i < sizeof BAD_UTF8 / sizeof BAD_UTF8[0]; i++) {
        const char *bad = BAD_UTF8[i];
        openai_client_options *o = NULL;
        openai_chat_request *r = NULL, *r2 = (openai_chat_request *)0x1;
        openai_client *c = mock_client(NULL, NULL, 0);
        char *out = (char *)0x1;
        char body[128];
        CHECK(c != NULL);
        CHECK_OK(openai_client_options_new(&o));
        CHECK_STATUS(openai_client_options_set_api_key(o, bad), OPENAI_STATUS_INVALID_UTF8);
        CHECK(contains(openai_last_error_message(), "UTF-8"));
        CHECK_STATUS(openai_client_options_set_base_url(o, bad), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_options_set_organization(o, bad), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_options_set_project(o, bad), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_options_set_proxy(o, bad), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_options_set_ca_file(o, bad), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_options_add_header(o, bad, "v"), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_options_add_header(o, "x-h", bad), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_chat_request_new(bad, &r2), OPENAI_STATUS_INVALID_UTF8);
        CHECK(r2 == (openai_chat_request *)0x1);
        snprintf(body, sizeof body, "{\"model\":\"%s\",\"messages\":[]}", bad);
        CHECK_STATUS(openai_chat_request_from_json(body, &r2), OPENAI_STATUS_INVALID_UTF8);
        CHECK_OK(openai_chat_request_new(MODEL, &r));
        CHECK_STATUS(openai_chat_request_add_message(r, OPENAI_ROLE_USER, bad), OPENAI_STATUS_INVALID_UTF8);
        CHECK_OK(openai_chat_request_add_message(r, OPENAI_ROLE_USER, "ok"));
        CHECK_STATUS(openai_chat_request_add_text_part(r, bad), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_chat_request_add_image_url(r, bad, 0), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_chat_request_add_tool_result(r, bad, "x"), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_chat_request_set_field(r, bad, "1"), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_chat_request_set_field(r, "seed", bad), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_request_json(c, bad, "models", NULL, NULL, &out), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_request_json(c, "GET", bad, NULL, NULL, &out), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_request_json(c, "POST", "chat/completions", bad, NULL, &out),
                     OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_models_retrieve(c, bad, NULL, &out), OPENAI_STATUS_INVALID_UTF8);
        CHECK_STATUS(openai_client_embeddings(c, bad, NULL, &out), OPENAI_STATUS_INVALID_UTF8);
        CHECK(out == (char *)0x1);
        openai_chat_request_free(r);
        openai_client_options_free(o);
        openai_client_free(c);
    }
    return 0;
}

int test_invalid_enums(void) {
    openai_chat_request *r = NULL;
    CHECK_OK(openai_chat_request_new(MODEL, &r));
    CHECK_STATUS(openai_chat_request_add_message(r, 5, "x"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_chat_request_add_message(r, UINT32_MAX, "x"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_chat_request_add_message(r, OPENAI_ROLE_TOOL, "x"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_OK(openai_chat_request_add_message(r, OPENAI_ROLE_USER, "x"));
    CHECK_STATUS(openai_chat_request_add_image_url(r, "https://x/y.png", 4), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_chat_request_add_image_url(r, "https://x/y.png", 0x80000000u),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_OK(openai_chat_request_add_image_url(r, "https://x/y.png", OPENAI_IMAGE_DETAIL_LOW));
    CHECK_STATUS(openai_chat_request_set_temperature(r, 2.5), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_chat_request_set_temperature(r, -0.1), OPENAI_STATUS_INVALID_ARGUMENT);
    openai_chat_request_free(r);
    return 0;
}

int test_client_options(void) {
    openai_client_options *o = NULL;
    openai_client *c = (openai_client *)0x1;
    CHECK_OK(openai_client_options_new(&o));
    CHECK_OK(openai_client_options_set_api_key(o, "sk-test"));
    CHECK_OK(openai_client_options_set_base_url(o, "ftp://nope"));
    CHECK_STATUS(openai_client_new(o, &c), OPENAI_STATUS_CONFIG);
    CHECK(c == (openai_client *)0x1);
    CHECK_CONTAINS(openai_last_error_message(), "ftp://nope");
    CHECK_OK(openai_client_options_set_base_url(o, getenv("OPENAI_BASE_URL")));
    CHECK_OK(openai_client_options_set_proxy(o, "gopher://x:1"));
    CHECK_STATUS(openai_client_new(o, &c), OPENAI_STATUS_CONFIG);
    CHECK_OK(openai_client_options_set_proxy(o, "http://127.0.0.1:9"));
    CHECK_OK(openai_client_options_set_ca_file(o, "/nonexistent/ca.pem"));
    CHECK_STATUS(openai_client_new(o, &c), OPENAI_STATUS_CONFIG);
    openai_client_options_free(o);

    CHECK_OK(openai_client_options_new(&o));
    CHECK_STATUS(openai_client_options_set_connect_timeout_ms(o, 0), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_client_options_set_request_timeout_ms(o, 0), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_client_options_set_stream_idle_timeout_ms(o, 0), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_client_options_set_total_timeout_ms(o, 0), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_OK(openai_client_options_set_connect_timeout_ms(o, 2000));
    CHECK_OK(openai_client_options_set_request_timeout_ms(o, 20000));
    CHECK_OK(openai_client_options_set_stream_idle_timeout_ms(o, 20000));
    CHECK_OK(openai_client_options_set_total_timeout_ms(o, 60000));
    CHECK_OK(openai_client_options_set_max_retries(o, 1));
    CHECK_OK(openai_client_options_set_organization(o, "org-test"));
    CHECK_OK(openai_client_options_set_project(o, "proj-test"));
    CHECK_OK(openai_client_options_add_header(o, "x-bad header", "v"));
    CHECK_STATUS(openai_client_new(o, &c), OPENAI_STATUS_INVALID_ARGUMENT);
    openai_client_options_free(o);
    return 0;
}

int test_env_defaults(void) {
    /* NULL options: key and base URL come from OPENAI_API_KEY / OPENAI_BASE_URL. */
    openai_client *c = NULL;
    openai_chat_request *r = user_request("from the environment");
    openai_chat_response *resp = NULL;
    char *saved;
    CHECK(r != NULL);
    CHECK_OK(openai_client_new(NULL, &c));
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK_STR(openai_chat_response_content(resp, 0), "You said: from the environment");
    openai_chat_response_free(resp);
    openai_client_free(c);
    /* Without a key anywhere (no .env in the test directory) it is a config error. */
    saved = strdup(getenv("OPENAI_API_KEY"));
    unsetenv("OPENAI_API_KEY");
    c = (openai_client *)0x1;
    CHECK_STATUS(openai_client_new(NULL, &c), OPENAI_STATUS_CONFIG);
    CHECK(c == (openai_client *)0x1);
    CHECK_CONTAINS(openai_last_error_message(), "OPENAI_API_KEY");
    setenv("OPENAI_API_KEY", saved, 1);
    free(saved);
    openai_chat_request_free(r);
    return 0;
}

/* No error field of this thread's last error holds `needle`. */
static int last_error_free_of(const char *needle) {
    const char *fields[] = {openai_last_error_message(), openai_last_error_body(),
                            openai_last_error_param(),   openai_last_error_code(),
                            openai_last_error_type(),    openai_last_error_request_id()};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (contains(fields[i], needle)) {
            fprintf(stderr, "error field %zu holds the key: %s\n", i, fields[i]);
            return 0;
        }
    return 1;
}

int test_api_key_never_shown(void) {
    const char *canary = "sk-test-CANARY-7f3a9c";
    openai_client_options *o = NULL;
    openai_client *c = NULL;
    openai_chat_request *r = user_request("hi");
    openai_chat_response *resp = NULL;
    openai_chat_stream *s = NULL;
    const openai_chat_delta *d = NULL;
    const char *echo_faults[] = {"echo-key", "echo-key=event"};
    CHECK(r != NULL);
    CHECK_OK(openai_client_options_new(&o));
    CHECK_OK(openai_client_options_set_base_url(o, getenv("OPENAI_BASE_URL")));
    CHECK_OK(openai_client_options_set_api_key(o, canary));
    CHECK_OK(openai_client_options_add_header(o, "x-mock-fault", "status=401"));
    CHECK_OK(openai_client_new(o, &c));
    CHECK_STATUS(openai_client_chat(c, r, NULL, &resp), OPENAI_STATUS_AUTHENTICATION);
    CHECK(last_error_free_of("CANARY"));
    openai_client_free(c);
    openai_client_options_free(o);
    /* A server that quotes "Bearer <key>" in message, type, param, code and body (the mock's
     * echo-key fault): the library replaces the key everywhere, for a JSON error and for both SSE
     * error-event forms. The marker proves the echo happened. */
    for (size_t i = 0; i < 2; i++) {
        CHECK_OK(openai_client_options_new(&o));
        CHECK_OK(openai_client_options_set_base_url(o, getenv("OPENAI_BASE_URL")));
        CHECK_OK(openai_client_options_set_api_key(o, canary));
        CHECK_OK(openai_client_options_set_max_retries(o, 0));
        CHECK_OK(openai_client_options_add_header(o, "x-mock-fault", echo_faults[i]));
        CHECK_OK(openai_client_new(o, &c));
        openai_client_options_free(o);
        CHECK_STATUS(openai_client_chat(c, r, NULL, &resp), OPENAI_STATUS_AUTHENTICATION);
        CHECK_CONTAINS(openai_last_error_param(), "Bearer [REDACTED]");
        CHECK_CONTAINS(openai_last_error_message(), "Bearer [REDACTED]");
        CHECK(last_error_free_of("CANARY"));
        CHECK_OK(openai_client_chat_stream(c, r, NULL, &s));
        CHECK_OK(openai_chat_stream_next(s, &d));
        CHECK(d != NULL);
        CHECK_STATUS(openai_chat_stream_next(s, &d), OPENAI_STATUS_STREAM_EVENT);
        CHECK_CONTAINS(openai_last_error_param(), "Bearer [REDACTED]");
        CHECK(last_error_free_of("CANARY"));
        openai_chat_stream_free(s);
        openai_client_free(c);
    }
    /* A key that cannot be sent in a header is refused without being echoed. */
    CHECK_OK(openai_client_options_new(&o));
    CHECK_OK(openai_client_options_set_api_key(o, "sk-test-CANARY-7f3a9c\n"));
    CHECK_STATUS(openai_client_new(o, &c), OPENAI_STATUS_CONFIG);
    CHECK(!contains(openai_last_error_message(), "CANARY"));
    openai_client_options_free(o);
    openai_chat_request_free(r);
    return 0;
}

int test_chat_basic(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    openai_chat_request *r = user_request("hello there");
    openai_chat_response *resp = NULL;
    CHECK(c && r);
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK(openai_last_error_status() == OPENAI_STATUS_OK);
    CHECK_STR(openai_last_error_message(), "");
    CHECK(openai_chat_response_choice_count(resp) == 1);
    CHECK_STR(openai_chat_response_content(resp, 0), "You said: hello there");
    CHECK_STR(openai_chat_response_finish_reason(resp, 0), "stop");
    CHECK(openai_chat_response_content(resp, 1) == NULL);
    CHECK(openai_chat_response_completion_tokens(resp) == 5);
    CHECK(openai_chat_response_prompt_tokens(resp) > 0);
    CHECK(openai_chat_response_total_tokens(resp) ==
          openai_chat_response_prompt_tokens(resp) + openai_chat_response_completion_tokens(resp));
    CHECK(strncmp(openai_chat_response_request_id(resp), "req_", 4) == 0);
    CHECK_CONTAINS(openai_chat_response_raw_json(resp), "\"choices\"");
    CHECK_CONTAINS(openai_chat_response_id(resp), "chatcmpl");
    CHECK(openai_chat_response_model(resp) != NULL);
    CHECK(openai_chat_response_retries_taken(resp) == 0);
    openai_chat_response_free(resp);
    /* The same request can be sent again. */
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    openai_chat_response_free(resp);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_chat_builder(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    openai_chat_request *r = NULL;
    openai_chat_response *resp = NULL;
    char *json = NULL;
    CHECK(c != NULL);

    /* Roles, image parts with detail, a text part, temperature, extra fields. */
    CHECK_OK(openai_chat_request_new(MODEL, &r));
    CHECK_OK(openai_chat_request_add_message(r, OPENAI_ROLE_SYSTEM, "You describe images."));
    CHECK_OK(openai_chat_request_add_message(r, OPENAI_ROLE_DEVELOPER, "Be brief."));
    CHECK_OK(openai_chat_request_add_message(r, OPENAI_ROLE_USER, "What is in this image?"));
    CHECK_OK(openai_chat_request_add_image_url(r, "https://example.com/cat.png", OPENAI_IMAGE_DETAIL_HIGH));
    CHECK_OK(openai_chat_request_add_image_url(r, "data:image/png;base64,iVBORw0KGgo=", OPENAI_IMAGE_DETAIL_DEFAULT));
    CHECK_OK(openai_chat_request_add_text_part(r, "Answer in French."));
    CHECK_OK(openai_chat_request_set_temperature(r, 0.2));
    CHECK_OK(openai_chat_request_set_field(r, "seed", "7"));
    CHECK_OK(openai_chat_request_set_field(r, "metadata", "{\"from\":\"c\"}"));
    CHECK_STATUS(openai_chat_request_set_field(r, "stream", "true"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_chat_request_set_field(r, "seed", "{not json"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_OK(openai_chat_request_to_json(r, &json));
    CHECK_CONTAINS(json, "\"detail\":\"high\"");
    CHECK_CONTAINS(json, "\"seed\":7");
    CHECK_CONTAINS(json, "\"role\":\"developer\"");
    openai_string_free(json);
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK_STR(openai_chat_response_content(resp, 0),
              "You said: What is in this image? [image] [image] Answer in French.");
    openai_chat_response_free(resp);
    openai_chat_request_free(r);

    /* JSON mode. */
    r = user_request("Reply in JSON please");
    CHECK(r != NULL);
    CHECK_OK(openai_chat_request_set_json_mode(r, true));
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK_STR(openai_chat_response_content(resp, 0), "{\"reply\": \"You said: Reply in JSON please\"}");
    openai_chat_response_free(resp);
    CHECK_OK(openai_chat_request_set_json_mode(r, false));
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK_STR(openai_chat_response_content(resp, 0), "You said: Reply in JSON please");
    openai_chat_response_free(resp);

    /* max_tokens below the reply length: finish_reason "length". */
    CHECK_OK(openai_chat_request_set_max_tokens(r, 2));
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK_STR(openai_chat_response_finish_reason(resp, 0), "length");
    CHECK(openai_chat_response_completion_tokens(resp) == 2);
    openai_chat_response_free(resp);

    /* n through a field: several choices. */
    CHECK_OK(openai_chat_request_set_field(r, "max_tokens", "null"));
    CHECK_OK(openai_chat_request_set_field(r, "n", "3"));
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK(openai_chat_response_choice_count(resp) == 3);
    CHECK_STR(openai_chat_response_content(resp, 2), "You said: Reply in JSON please");
    openai_chat_response_free(resp);

    /* A conversation with history and a tool result. */
    CHECK_OK(openai_chat_request_add_message(r, OPENAI_ROLE_ASSISTANT, "Calling a tool."));
    CHECK_OK(openai_chat_request_add_tool_result(r, "call_1", "42"));
    CHECK_OK(openai_chat_request_set_field(r, "n", "null"));
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK_STR(openai_chat_response_content(resp, 0), "Tool result: 42");
    openai_chat_response_free(resp);
    openai_chat_request_free(r);

    /* Tools: the reply is a tool call (no text), visible in the raw JSON. */
    r = user_request("weather in Paris");
    CHECK(r != NULL);
    CHECK_OK(openai_chat_request_set_field(
        r, "tools",
        "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]"));
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK_STR(openai_chat_response_finish_reason(resp, 0), "tool_calls");
    CHECK(openai_chat_response_content(resp, 0) == NULL);
    CHECK_CONTAINS(openai_chat_response_raw_json(resp), "get_weather");
    openai_chat_response_free(resp);
    openai_chat_request_free(r);

    /* An empty request is refused before sending. */
    CHECK_OK(openai_chat_request_new(MODEL, &r));
    resp = (openai_chat_response *)0x1;
    CHECK_STATUS(openai_client_chat(c, r, NULL, &resp), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK(resp == (openai_chat_response *)0x1);
    CHECK_CONTAINS(openai_last_error_message(), "messages");
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_chat_from_json(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    openai_chat_request *r = NULL;
    openai_chat_response *resp = NULL;
    CHECK(c != NULL);
    CHECK_OK(openai_chat_request_from_json(
        "{\"model\":\"gpt-4o-mini\",\"max_tokens\":50,\"messages\":["
        "{\"role\":\"system\",\"content\":\"Be terse.\"},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"raw body\"},"
        "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]}]}",
        &r));
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK_STR(openai_chat_response_content(resp, 0), "You said: raw body [image]");
    openai_chat_response_free(resp);
    openai_chat_request_free(r);
    r = (openai_chat_request *)0x1;
    CHECK_STATUS(openai_chat_request_from_json("{\"model\":\"m\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}", &r),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_CONTAINS(openai_last_error_message(), "wizard");
    CHECK_STATUS(openai_chat_request_from_json("[1,2", &r), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK(r == (openai_chat_request *)0x1);
    openai_client_free(c);
    return 0;
}

static int check_http_error(const char *fault, openai_status want, unsigned http, const char *code) {
    const char *id = test_id("err");
    openai_client *c = mock_client(fault, id, 0);
    openai_chat_request *r = user_request("hi");
    openai_chat_response *resp = (openai_chat_response *)0xdead;
    const char *rid;
    CHECK(c && r);
    CHECK_STATUS(openai_client_chat(c, r, NULL, &resp), want);
    CHECK(resp == (openai_chat_response *)0xdead); /* out-param untouched */
    CHECK(openai_last_error_status() == want);
    CHECK(openai_last_error_http_status() == http);
    rid = openai_last_error_request_id();
    CHECK(rid != NULL && strncmp(rid, "req_", 4) == 0);
    CHECK(openai_last_error_type() != NULL);
    CHECK(openai_last_error_message()[0] != '\0');
    CHECK(openai_last_error_body() != NULL);
    if (code) CHECK_STR(openai_last_error_code(), code);
    CHECK(journal_count(id) == 1); /* max_retries 0: exactly one attempt */
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_error_429(void) {
    return check_http_error("status=429", OPENAI_STATUS_RATE_LIMITED, 429, "rate_limit_exceeded");
}

int test_error_500(void) {
    return check_http_error("status=500", OPENAI_STATUS_SERVER, 500, NULL);
}

int test_error_details_lifetime(void) {
    openai_client *c = mock_client("status=400", NULL, 0);
    openai_chat_request *r = user_request("hi");
    openai_chat_response *resp = NULL;
    const char *msg;
    char copy[512];
    CHECK(c && r);
    CHECK_STATUS(openai_client_chat(c, r, NULL, &resp), OPENAI_STATUS_BAD_REQUEST);
    msg = openai_last_error_message();
    snprintf(copy, sizeof copy, "%s", msg);
    /* Infallible getters do not disturb it. */
    (void)openai_chat_response_content(NULL, 0);
    (void)openai_status_name(OPENAI_STATUS_OK);
    (void)openai_version();
    CHECK(openai_last_error_message() == msg);
    CHECK_STR(msg, copy);
    CHECK(openai_last_error_status() == OPENAI_STATUS_BAD_REQUEST);
    /* The next fallible call clears it. */
    CHECK_OK(openai_chat_request_set_max_tokens(r, 10));
    CHECK(openai_last_error_status() == OPENAI_STATUS_OK);
    CHECK_STR(openai_last_error_message(), "");
    CHECK(openai_last_error_http_status() == 0);
    CHECK(openai_last_error_request_id() == NULL);
    CHECK(openai_last_error_code() == NULL);
    CHECK(openai_last_error_type() == NULL);
    CHECK(openai_last_error_param() == NULL);
    CHECK(openai_last_error_body() == NULL);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_retry_after_then_success(void) { /* matrix R-1 */
    const char *id = test_id("r1");
    openai_client *c = mock_client("status=429;retry-after=1;times=1", id, 2);
    openai_chat_request *r = user_request("retry me");
    openai_chat_response *resp = NULL;
    double start, elapsed;
    CHECK(c && r);
    start = now_ms();
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    elapsed = now_ms() - start;
    CHECK(openai_chat_response_retries_taken(resp) == 1);
    CHECK_STR(openai_chat_response_content(resp, 0), "You said: retry me");
    CHECK(journal_count(id) == 2);
    if (elapsed < 1000.0 || elapsed > 3000.0) FAIL("elapsed %.0f ms, expected about 1000", elapsed);
    openai_chat_response_free(resp);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_retries_exhausted(void) { /* matrix R-4 */
    const char *id = test_id("r4");
    openai_client *c = mock_client("status=500", id, -1);
    openai_chat_request *r = user_request("always failing");
    openai_chat_response *resp = NULL;
    double start, elapsed;
    CHECK(c && r);
    start = now_ms();
    CHECK_STATUS(openai_client_chat(c, r, NULL, &resp), OPENAI_STATUS_SERVER);
    elapsed = now_ms() - start;
    CHECK(openai_last_error_http_status() == 500);
    CHECK(journal_count(id) == 3);
    if (elapsed < 1000.0 || elapsed > 4000.0) FAIL("elapsed %.0f ms, expected 1125..1500", elapsed);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_dropped_connection_retried(void) { /* matrix R-13, with dropped connections */
    const char *id = test_id("r13");
    openai_client *c = mock_client("drop;times=2", id, 2);
    openai_chat_request *r = user_request("third time lucky");
    openai_chat_response *resp = NULL;
    CHECK(c && r);
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK(openai_chat_response_retries_taken(resp) == 2);
    CHECK(journal_count(id) == 3);
    openai_chat_response_free(resp);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_connection_refused(void) {
    openai_client_options *o = NULL;
    openai_client *c = NULL;
    openai_chat_request *r = user_request("anyone?");
    openai_chat_response *resp = NULL;
    double start;
    CHECK(r != NULL);
    CHECK_OK(openai_client_options_new(&o));
    CHECK_OK(openai_client_options_set_base_url(o, "http://127.0.0.1:1/v1"));
    CHECK_OK(openai_client_options_set_api_key(o, "sk-test"));
    CHECK_OK(openai_client_options_set_max_retries(o, 0));
    CHECK_OK(openai_client_new(o, &c));
    start = now_ms();
    CHECK_STATUS(openai_client_chat(c, r, NULL, &resp), OPENAI_STATUS_CONNECTION);
    CHECK(now_ms() - start < 3000.0);
    CHECK(openai_last_error_http_status() == 0);
    openai_client_free(c);
    openai_client_options_free(o);
    openai_chat_request_free(r);
    return 0;
}

int test_request_timeout(void) {
    openai_client_options *o = NULL;
    openai_client *c = NULL;
    openai_chat_request *r = user_request("slow");
    openai_chat_response *resp = NULL;
    double start, elapsed;
    CHECK(r != NULL);
    CHECK_OK(openai_client_options_new(&o));
    CHECK_OK(openai_client_options_set_base_url(o, getenv("OPENAI_BASE_URL")));
    CHECK_OK(openai_client_options_set_api_key(o, "sk-test"));
    CHECK_OK(openai_client_options_set_max_retries(o, 0));
    CHECK_OK(openai_client_options_set_request_timeout_ms(o, 300));
    CHECK_OK(openai_client_options_add_header(o, "x-mock-fault", "latency=5000"));
    CHECK_OK(openai_client_new(o, &c));
    start = now_ms();
    CHECK_STATUS(openai_client_chat(c, r, NULL, &resp), OPENAI_STATUS_TIMEOUT);
    elapsed = now_ms() - start;
    if (elapsed < 250.0 || elapsed > 2500.0) FAIL("timed out after %.0f ms, expected about 300", elapsed);
    openai_client_free(c);
    openai_client_options_free(o);
    openai_chat_request_free(r);
    return 0;
}

int test_malformed_json(void) { /* matrix E-3 */
    openai_client *c = mock_client("malformed-json", NULL, 0);
    openai_chat_request *r = user_request("hi");
    openai_chat_response *resp = NULL;
    CHECK(c && r);
    CHECK_STATUS(openai_client_chat(c, r, NULL, &resp), OPENAI_STATUS_DECODE);
    CHECK_STR(openai_last_error_body(), "{invalid");
    CHECK(openai_last_error_http_status() == 200);
    openai_client_free(c);
    c = mock_client("content-type=text/plain", NULL, 0);
    CHECK(c != NULL);
    CHECK_STATUS(openai_client_chat(c, r, NULL, &resp), OPENAI_STATUS_DECODE);
    CHECK_CONTAINS(openai_last_error_message(), "text/plain");
    openai_client_free(c);
    openai_chat_request_free(r);
    return 0;
}

int test_not_found(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    char *json = (char *)0x1;
    CHECK(c != NULL);
    CHECK_STATUS(openai_client_models_retrieve(c, "no-such", NULL, &json), OPENAI_STATUS_NOT_FOUND);
    CHECK(json == (char *)0x1);
    CHECK(openai_last_error_http_status() == 404);
    CHECK(openai_last_error_request_id() != NULL);
    openai_client_free(c);
    return 0;
}

int test_images(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    openai_images_response *img = NULL;
    CHECK(c != NULL);
    CHECK_OK(openai_client_images_generate(c, "{\"model\":\"dall-e-3\",\"prompt\":\"a lighthouse\",\"n\":2}", NULL, &img));
    CHECK(openai_images_response_count(img) == 2);
    CHECK(strncmp(openai_images_response_url(img, 1), "https://", 8) == 0);
    CHECK(openai_images_response_b64_json(img, 0) == NULL);
    CHECK(openai_images_response_url(img, 2) == NULL);
    CHECK_CONTAINS(openai_images_response_raw_json(img), "\"data\"");
    openai_images_response_free(img);
    CHECK_OK(openai_client_images_generate(c, "{\"prompt\":\"a dot\",\"response_format\":\"b64_json\"}", NULL, &img));
    CHECK(openai_images_response_count(img) == 1);
    CHECK(openai_images_response_url(img, 0) == NULL);
    CHECK(strncmp(openai_images_response_b64_json(img, 0), "iVBOR", 5) == 0);
    openai_images_response_free(img);
    img = (openai_images_response *)0x1;
    CHECK_STATUS(openai_client_images_generate(c, "{\"prompt\":\"\"}", NULL, &img), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_client_images_generate(c, "{\"size\":\"1x1\"}", NULL, &img), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK(img == (openai_images_response *)0x1);
    openai_client_free(c);
    return 0;
}

int test_embeddings(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    char *json = NULL;
    CHECK(c != NULL);
    CHECK_OK(openai_client_embeddings(c, "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}", NULL, &json));
    CHECK_CONTAINS(json, "\"embedding\"");
    CHECK_CONTAINS(json, "\"index\":1");
    openai_string_free(json);
    json = (char *)0x1;
    CHECK_STATUS(openai_client_embeddings(c, "{\"model\":\"m\",\"input\":[]}", NULL, &json), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK(json == (char *)0x1);
    openai_client_free(c);
    return 0;
}

int test_models(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    char *json = NULL;
    CHECK(c != NULL);
    CHECK_OK(openai_client_models_list(c, NULL, &json));
    CHECK_CONTAINS(json, "\"data\"");
    CHECK_CONTAINS(json, MODEL);
    openai_string_free(json);
    CHECK_OK(openai_client_models_retrieve(c, MODEL, NULL, &json));
    CHECK_CONTAINS(json, MODEL);
    openai_string_free(json);
    openai_client_free(c);
    return 0;
}

int test_request_json(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    char *json = NULL;
    CHECK(c != NULL);
    CHECK_OK(openai_client_request_json(c, "GET", "models", NULL, NULL, &json));
    CHECK_CONTAINS(json, "\"object\"");
    openai_string_free(json);
    CHECK_OK(openai_client_request_json(
        c, "post", "chat/completions",
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"generic\"}]}", NULL, &json));
    CHECK_CONTAINS(json, "You said: generic");
    openai_string_free(json);
    json = (char *)0x1;
    CHECK_STATUS(openai_client_request_json(c, "GET", "models/no-such", NULL, NULL, &json), OPENAI_STATUS_NOT_FOUND);
    CHECK_STATUS(openai_client_request_json(c, "BAD METHOD", "models", NULL, NULL, &json),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_client_request_json(c, "POST", "chat/completions", "{oops", NULL, &json),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK(json == (char *)0x1);
    openai_client_free(c);
    return 0;
}
