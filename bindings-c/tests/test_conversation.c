/* Conversations through the C API: turns, usage and cost against the mock's usage, trimming to
 * the context window, the budget, streamed turns appended once, save/load, and offline token
 * counts against the reference corpus of OpenAI's tiktoken. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <unistd.h>

#include "harness.h"
#include "token_corpus.h"

/* Test prices (USD per 1M tokens) so the expected cost does not depend on the built-in table. */
#define PRICE_IN 2.0
#define PRICE_OUT 8.0

/* Writes a price file for MODEL into a temporary path (static buffer). */
static const char *price_file(void) {
    static char path[64];
    FILE *f;
    snprintf(path, sizeof path, "/tmp/openai-c-prices-%ld.json", (long)getpid());
    f = fopen(path, "w");
    if (!f) return NULL;
    fprintf(f, "{\"models\": {\"%s\": {\"input\": %g, \"cached_input\": 1.0, \"output\": %g}}}", MODEL,
            PRICE_IN, PRICE_OUT);
    fclose(f);
    return path;
}

static int close_enough(double a, double b) { return fabs(a - b) <= 1e-12 + 1e-9 * fabs(b); }

/* The body of the last request the mock journaled for `id` (malloc'd), NULL on failure. */
static char *last_request(const char *id) {
    char path[256];
    char *json = NULL, *copy = NULL;
    const char *last;
    openai_client *c = mock_client(NULL, NULL, 0);
    if (!c) return NULL;
    snprintf(path, sizeof path, "__mock/journal?test_id=%s", id);
    if (openai_client_request_json(c, "GET", path, NULL, NULL, &json) == OPENAI_STATUS_OK) {
        const char *p = json;
        last = NULL;
        while ((p = strstr(p, "\"seq\"")) != NULL) last = p++;
        if (last) {
            copy = malloc(strlen(last) + 1);
            if (copy) strcpy(copy, last);
        }
    } else {
        print_last_error();
    }
    openai_string_free(json);
    openai_client_free(c);
    return copy;
}

static openai_conversation *new_conv(void) {
    openai_conversation *conv = NULL;
    const char *prices = price_file();
    if (!prices || openai_conversation_new(MODEL, &conv) ||
        openai_conversation_set_system(conv, "You are a terse assistant.") ||
        openai_conversation_load_prices(conv, prices)) {
        print_last_error();
        openai_conversation_free(conv);
        return NULL;
    }
    unlink(prices);
    return conv;
}

int test_conversation_turns(void) {
    const char *id = test_id("conv-turns");
    const char *inputs[] = {"alpha one", "beta two", "gamma three"};
    openai_client *c = mock_client(NULL, id, 0);
    openai_conversation *conv = new_conv();
    openai_usage_totals u;
    openai_call_report last;
    uint64_t prompt = 0, completion = 0, counted = 0;
    double cost = 0;
    char *messages = NULL;
    char want[64];
    size_t i;
    CHECK(c && conv);
    CHECK_STATUS(openai_conversation_last_call(conv, &last), OPENAI_STATUS_INVALID_ARGUMENT);
    for (i = 0; i < 3; i++) {
        openai_chat_response *r = NULL;
        CHECK_OK(openai_conversation_send(conv, c, inputs[i], NULL, &r));
        snprintf(want, sizeof want, "You said: %s", inputs[i]);
        CHECK_STR(openai_chat_response_content(r, 0), want);
        prompt += openai_chat_response_prompt_tokens(r);
        completion += openai_chat_response_completion_tokens(r);
        cost += (openai_chat_response_prompt_tokens(r) * PRICE_IN +
                 openai_chat_response_completion_tokens(r) * PRICE_OUT) / 1e6;
        CHECK_OK(openai_conversation_last_call(conv, &last));
        CHECK(last.prompt_tokens == openai_chat_response_prompt_tokens(r));
        CHECK(last.completion_tokens == openai_chat_response_completion_tokens(r));
        CHECK(last.has_cost && !last.usage_estimated && last.dropped_messages == 0);
        CHECK(last.estimated_prompt_tokens > 0);
        openai_chat_response_free(r);
    }
    /* Each request resent the whole history: the mock counted the system message every time. */
    CHECK(journal_count(id) == 3);
    CHECK(openai_conversation_message_count(conv) == 7);
    memset(&u, 0xab, sizeof u);
    CHECK_OK(openai_conversation_usage(conv, &u));
    CHECK(u.calls == 3 && u.prompt_tokens == prompt && u.completion_tokens == completion);
    CHECK(u.total_tokens == prompt + completion && u.unpriced_calls == 0 && u.cached_tokens == 0);
    if (!close_enough(u.cost_usd, cost)) FAIL("cost %.12f, expected %.12f", u.cost_usd, cost);
    CHECK(close_enough(openai_conversation_cost_usd(conv), cost));
    /* The history's offline count is the message list's count. */
    CHECK_OK(openai_conversation_messages_json(conv, &messages));
    CHECK_CONTAINS(messages, "\"You said: gamma three\"");
    CHECK_OK(openai_count_message_tokens(MODEL, messages, &counted));
    CHECK(counted > 0 && counted == openai_conversation_count_tokens(conv));
    openai_string_free(messages);
    /* Undo removes the last turn, not what it cost. */
    CHECK(openai_conversation_undo(conv) == 2);
    CHECK(openai_conversation_message_count(conv) == 5);
    CHECK(close_enough(openai_conversation_cost_usd(conv), cost));
    /* A failed send appends nothing. */
    {
        openai_client *bad = mock_client("status=500;times=9", test_id("conv-500"), 0);
        CHECK(bad);
        CHECK_STATUS(openai_conversation_send(conv, bad, "lost", NULL, NULL), OPENAI_STATUS_SERVER);
        CHECK(openai_conversation_message_count(conv) == 5);
        openai_client_free(bad);
    }
    openai_conversation_free(conv);
    openai_client_free(c);
    return 0;
}

int test_conversation_trimming(void) {
    const char *id = test_id("conv-trim");
    openai_client *c = mock_client(NULL, id, 0);
    openai_conversation *conv = new_conv();
    openai_call_report last;
    char *body;
    size_t before;
    uint64_t kept = 0;
    CHECK(c && conv);
    /* The oldest turn holds a tool call and its result: they must go together. */
    CHECK_OK(openai_conversation_push(conv, OPENAI_ROLE_USER, "oldest turn-one question about the weather"));
    CHECK_OK(openai_conversation_push_json(
        conv, "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_w1\",\"type\":\"function\","
              "\"function\":{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}"));
    CHECK_OK(openai_conversation_push_json(conv, "{\"role\":\"tool\",\"tool_call_id\":\"call_w1\",\"content\":\"sunny\"}"));
    CHECK_OK(openai_conversation_push(conv, OPENAI_ROLE_ASSISTANT, "It is sunny in Paris."));
    CHECK_OK(openai_conversation_push(conv, OPENAI_ROLE_USER, "turn-two something else entirely"));
    CHECK_OK(openai_conversation_push(conv, OPENAI_ROLE_ASSISTANT, "Sure."));
    /* A window with room for the system message, the second turn and the new message (and 2
     * tokens to spare), plus 20 reserved for the reply: the first turn must go. */
    CHECK_OK(openai_count_message_tokens(
        MODEL,
        "[{\"role\":\"system\",\"content\":\"You are a terse assistant.\"},"
        "{\"role\":\"user\",\"content\":\"turn-two something else entirely\"},"
        "{\"role\":\"assistant\",\"content\":\"Sure.\"},{\"role\":\"user\",\"content\":\"turn-three newest\"}]",
        &kept));
    CHECK_OK(openai_conversation_set_context_window(conv, kept + 2 + 20));
    CHECK_OK(openai_conversation_set_reserve_output_tokens(conv, 20));
    CHECK(openai_conversation_context_window(conv) == kept + 22);
    CHECK_OK(openai_conversation_send(conv, c, "turn-three newest", NULL, NULL));
    CHECK_OK(openai_conversation_last_call(conv, &last));
    CHECK(last.dropped_messages == 4); /* the whole first turn, tool pair included */
    body = last_request(id);
    CHECK(body);
    CHECK_CONTAINS(body, "terse assistant"); /* system kept */
    CHECK_CONTAINS(body, "turn-two");
    CHECK_CONTAINS(body, "turn-three");
    if (contains(body, "turn-one") || contains(body, "call_w1") || contains(body, "sunny"))
        FAIL("the oldest turn (with its tool pair) was sent: %s", body);
    free(body);
    /* The history keeps everything. */
    CHECK(openai_conversation_message_count(conv) == 9);
    /* A turn that cannot fit even alone: refused before sending, nothing appended. */
    before = openai_conversation_message_count(conv);
    {
        char big[2048];
        size_t i;
        for (i = 0; i + 6 < sizeof big; i += 6) memcpy(big + i, "word  ", 6);
        big[i] = '\0';
        CHECK_STATUS(openai_conversation_send(conv, c, big, NULL, NULL), OPENAI_STATUS_CONTEXT_OVERFLOW);
        CHECK_CONTAINS(openai_last_error_message(), "does not fit");
    }
    CHECK(journal_count(id) == 1);
    CHECK(openai_conversation_message_count(conv) == before);
    openai_conversation_free(conv);
    openai_client_free(c);
    return 0;
}

int test_conversation_budget(void) {
    const char *id = test_id("conv-budget");
    openai_client *c = mock_client(NULL, id, 0);
    openai_conversation *conv = new_conv();
    double spent;
    CHECK(c && conv);
    CHECK_OK(openai_conversation_set_params_json(conv, "{\"max_tokens\": 100}"));
    CHECK_OK(openai_conversation_send(conv, c, "first", NULL, NULL));
    spent = openai_conversation_cost_usd(conv);
    CHECK(spent > 0);
    /* Room for a 5-token reply ($0.00004 + the prompt), not for a 100-token one ($0.0008). */
    CHECK_OK(openai_conversation_set_budget_usd(conv, spent + 0.00015));
    CHECK_STATUS(openai_conversation_send(conv, c, "second", NULL, NULL), OPENAI_STATUS_BUDGET_EXCEEDED);
    CHECK_CONTAINS(openai_last_error_message(), "budget");
    CHECK(journal_count(id) == 1);
    CHECK(openai_conversation_message_count(conv) == 3);
    /* A smaller reply fits. */
    CHECK_OK(openai_conversation_set_params_json(conv, "{\"max_tokens\": 5}"));
    CHECK_OK(openai_conversation_send(conv, c, "second", NULL, NULL));
    CHECK(journal_count(id) == 2);
    /* No budget again. */
    CHECK_OK(openai_conversation_set_budget_usd(conv, -1));
    CHECK_STATUS(openai_conversation_set_budget_usd(conv, NAN), OPENAI_STATUS_INVALID_ARGUMENT);
    openai_conversation_free(conv);
    openai_client_free(c);
    return 0;
}

int test_conversation_stream(void) {
    const char *id = test_id("conv-stream");
    openai_client *c = mock_client(NULL, id, 0);
    openai_client *cut = mock_client("truncate-after=2", test_id("conv-stream-cut"), 0);
    openai_conversation *conv = new_conv();
    openai_chat_stream *s = NULL;
    const openai_chat_delta *d = NULL;
    openai_usage_totals u;
    char text[256] = "";
    char *messages = NULL;
    CHECK(c && cut && conv);
    CHECK_OK(openai_conversation_stream(conv, c, "stream me please", NULL, &s));
    for (;;) {
        CHECK_OK(openai_chat_stream_next(s, &d));
        if (!d) break;
        if (openai_chat_delta_content(d)) strncat(text, openai_chat_delta_content(d), sizeof text - strlen(text) - 1);
        /* Nothing is appended while the stream runs. */
        CHECK(openai_conversation_message_count(conv) == 1);
    }
    CHECK_STR(text, "You said: stream me please");
    CHECK(openai_chat_stream_is_complete(s));
    CHECK(openai_conversation_message_count(conv) == 3);
    /* Reading past the end appends nothing more. */
    CHECK_OK(openai_chat_stream_next(s, &d));
    CHECK(d == NULL);
    CHECK(openai_conversation_message_count(conv) == 3);
    openai_chat_stream_free(s);
    CHECK_OK(openai_conversation_messages_json(conv, &messages));
    CHECK_CONTAINS(messages, "{\"role\":\"assistant\",\"content\":\"You said: stream me please\"}");
    openai_string_free(messages);
    /* The usage of the last chunk was asked for and counted. */
    CHECK_OK(openai_conversation_usage(conv, &u));
    CHECK(u.calls == 1 && u.prompt_tokens > 0 && u.completion_tokens == 6 && u.cost_usd > 0);
    /* A stream cut short appends nothing, and says so again when asked again. */
    s = NULL;
    CHECK_OK(openai_conversation_stream(conv, cut, "this one breaks", NULL, &s));
    while (openai_chat_stream_next(s, &d) == OPENAI_STATUS_OK && d) {
    }
    CHECK(openai_last_error_status() == OPENAI_STATUS_STREAM_TRUNCATED);
    CHECK_STATUS(openai_chat_stream_next(s, &d), OPENAI_STATUS_STREAM_TRUNCATED);
    CHECK(openai_conversation_message_count(conv) == 3);
    openai_chat_stream_free(s);
    /* A stream abandoned half way appends nothing. */
    s = NULL;
    CHECK_OK(openai_conversation_stream(conv, c, "abandon this one", NULL, &s));
    CHECK_OK(openai_chat_stream_next(s, &d));
    CHECK(d != NULL);
    openai_chat_stream_free(s);
    CHECK(openai_conversation_message_count(conv) == 3);
    /* A stream that outlives its conversation still works; its reply goes nowhere. */
    s = NULL;
    CHECK_OK(openai_conversation_stream(conv, c, "orphan", NULL, &s));
    openai_conversation_free(conv);
    while (openai_chat_stream_next(s, &d) == OPENAI_STATUS_OK && d) {
    }
    CHECK(openai_last_error_status() == OPENAI_STATUS_OK);
    CHECK_STR(openai_chat_stream_content(s), "You said: orphan");
    openai_chat_stream_free(s);
    openai_client_free(cut);
    openai_client_free(c);
    return 0;
}

int test_conversation_save_load(void) {
    const char *id = test_id("conv-save");
    openai_client *c = mock_client(NULL, id, 0);
    openai_conversation *conv = new_conv(), *copy = NULL, *loaded = NULL, *branch = NULL;
    openai_usage_totals u1, u2;
    char *j1 = NULL, *j2 = NULL, *j3 = NULL;
    char path[64];
    CHECK(c && conv);
    CHECK_OK(openai_conversation_set_params_json(conv, "{\"temperature\": 0.5}"));
    CHECK_OK(openai_conversation_set_context_window(conv, 5000));
    CHECK_OK(openai_conversation_send(conv, c, "remember this: 42 🐘", NULL, NULL));
    CHECK_OK(openai_conversation_to_json(conv, &j1));
    CHECK_CONTAINS(j1, "\"format\": \"openai-rs.conversation\"");
    CHECK_OK(openai_conversation_from_json(j1, &copy));
    CHECK_OK(openai_conversation_to_json(copy, &j2));
    CHECK_STR(j2, j1);
    snprintf(path, sizeof path, "/tmp/openai-c-conv-%ld.json", (long)getpid());
    CHECK_OK(openai_conversation_save(conv, path));
    CHECK_OK(openai_conversation_load(path, &loaded));
    unlink(path);
    CHECK_OK(openai_conversation_to_json(loaded, &j3));
    CHECK_STR(j3, j1);
    CHECK_OK(openai_conversation_usage(conv, &u1));
    CHECK_OK(openai_conversation_usage(loaded, &u2));
    CHECK(memcmp(&u1, &u2, sizeof u1) == 0);
    CHECK(openai_conversation_context_window(loaded) == 5000);
    /* The loaded conversation goes on; a branch goes its own way. */
    CHECK_OK(openai_conversation_clone(loaded, &branch));
    CHECK_OK(openai_conversation_send(loaded, c, "and then?", NULL, NULL));
    CHECK(openai_conversation_message_count(loaded) == 5);
    CHECK(openai_conversation_message_count(branch) == 3);
    /* Bad input: clear errors, nothing written. */
    {
        openai_conversation *none = (openai_conversation *)0x1;
        CHECK_STATUS(openai_conversation_from_json("{\"format\": \"something else\"}", &none),
                     OPENAI_STATUS_INVALID_ARGUMENT);
        CHECK_STATUS(openai_conversation_from_json("not json", &none), OPENAI_STATUS_INVALID_ARGUMENT);
        CHECK_STATUS(openai_conversation_load("/nonexistent/conv.json", &none), OPENAI_STATUS_INVALID_ARGUMENT);
        CHECK(none == (openai_conversation *)0x1);
    }
    openai_string_free(j1);
    openai_string_free(j2);
    openai_string_free(j3);
    openai_conversation_free(branch);
    openai_conversation_free(loaded);
    openai_conversation_free(copy);
    openai_conversation_free(conv);
    openai_client_free(c);
    return 0;
}

int test_conversation_bad_input(void) {
    openai_client *c = mock_client(NULL, test_id("conv-bad"), 0);
    openai_conversation *conv = NULL;
    CHECK(c);
    CHECK_STATUS(openai_conversation_new("  ", &conv), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK(conv == NULL);
    CHECK_OK(openai_conversation_new(MODEL, &conv));
    /* Nothing to send yet. */
    CHECK_STATUS(openai_conversation_send(conv, c, NULL, NULL, NULL), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_conversation_push(conv, OPENAI_ROLE_TOOL, "x"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_conversation_push(conv, 99, "x"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_conversation_push_json(conv, "{\"role\":\"tool\",\"content\":\"x\"}"),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_CONTAINS(openai_last_error_message(), "tool_call_id");
    CHECK_STATUS(openai_conversation_push_json(conv, "[1,2"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_conversation_set_params_json(conv, "{\"messages\": []}"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_conversation_set_params_json(conv, "{\"temperature\": 7}"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_conversation_set_encoding(conv, "p50k_nope"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_OK(openai_conversation_set_encoding(conv, "cl100k_base"));
    CHECK_OK(openai_conversation_set_encoding(conv, NULL));
    CHECK_STATUS(openai_conversation_push(conv, OPENAI_ROLE_USER, "\xff"), OPENAI_STATUS_INVALID_UTF8);
    CHECK(openai_conversation_message_count(conv) == 0);
    /* Pushed tool results are then sent with a NULL user text. */
    CHECK_OK(openai_conversation_push(conv, OPENAI_ROLE_USER, "hi"));
    CHECK_OK(openai_conversation_send(conv, c, NULL, NULL, NULL));
    CHECK(openai_conversation_message_count(conv) == 2);
    CHECK_OK(openai_conversation_clear(conv));
    CHECK(openai_conversation_message_count(conv) == 0);
    openai_conversation_free(conv);
    openai_client_free(c);
    return 0;
}

int test_token_corpus(void) {
    const struct corpus_text *t;
    const struct corpus_messages *m;
    int n = 0;
    for (t = CORPUS_TEXTS; t->text; t++, n++) {
        uint64_t cl = 0, o = 0;
        CHECK_OK(openai_count_tokens("gpt-4", t->text, &cl));
        CHECK_OK(openai_count_tokens("gpt-4o", t->text, &o));
        if (cl != t->cl100k_base || o != t->o200k_base)
            FAIL("\"%s\": %llu/%llu tokens, tiktoken says %u/%u", t->text, (unsigned long long)cl,
                 (unsigned long long)o, t->cl100k_base, t->o200k_base);
    }
    CHECK(n >= 30);
    for (m = CORPUS_MESSAGES; m->name; m++) {
        uint64_t got = 0;
        CHECK_OK(openai_count_message_tokens(m->model, m->messages_json, &got));
        if (got != m->count)
            FAIL("%s with %s: %llu tokens, tiktoken says %u", m->name, m->model, (unsigned long long)got, m->count);
    }
    {
        uint64_t untouched = 7;
        CHECK_STATUS(openai_count_message_tokens(MODEL, "[{\"role\":\"user\"}]", &untouched),
                     OPENAI_STATUS_INVALID_ARGUMENT);
        CHECK(untouched == 7);
    }
    return 0;
}
