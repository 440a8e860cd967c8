/* Streaming: pull style, callback style, and every way a stream can end. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "harness.h"

int test_stream_pull(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    openai_chat_request *r = user_request("stream this please");
    openai_chat_stream *s = NULL;
    const openai_chat_delta *d = NULL;
    openai_chat_response *resp = NULL;
    char text[256] = "";
    int chunks = 0;
    CHECK(c && r);
    CHECK_OK(openai_client_chat_stream(c, r, NULL, &s));
    CHECK(strncmp(openai_chat_stream_request_id(s), "req_", 4) == 0);
    CHECK(openai_chat_stream_content(s) == NULL); /* not finished yet */
    CHECK(!openai_chat_stream_is_complete(s));
    for (;;) {
        CHECK_OK(openai_chat_stream_next(s, &d));
        if (d == NULL) break;
        chunks++;
        CHECK(openai_chat_delta_raw_json(d) != NULL);
        if (openai_chat_delta_content(d)) strncat(text, openai_chat_delta_content(d), sizeof text - strlen(text) - 1);
    }
    CHECK(chunks >= 5);
    CHECK_STR(text, "You said: stream this please");
    CHECK(openai_chat_stream_is_complete(s));
    CHECK_STR(openai_chat_stream_content(s), "You said: stream this please");
    CHECK_STR(openai_chat_stream_finish_reason(s), "stop");
    /* After the end, next keeps reporting the end. */
    d = (const openai_chat_delta *)0x1;
    CHECK_OK(openai_chat_stream_next(s, &d));
    CHECK(d == NULL);
    CHECK_OK(openai_chat_stream_completion(s, &resp));
    CHECK_STR(openai_chat_response_content(resp, 0), "You said: stream this please");
    CHECK_STR(openai_chat_response_finish_reason(resp, 0), "stop");
    CHECK_CONTAINS(openai_chat_response_raw_json(resp), "You said: stream this please");
    openai_chat_response_free(resp);
    openai_chat_stream_free(s);

    /* Usage on request (stream_options), as a last chunk without choices. */
    CHECK_OK(openai_chat_request_set_field(r, "stream_options", "{\"include_usage\":true}"));
    CHECK_OK(openai_client_chat_stream(c, r, NULL, &s));
    do {
        CHECK_OK(openai_chat_stream_next(s, &d));
    } while (d != NULL);
    CHECK_OK(openai_chat_stream_completion(s, &resp));
    CHECK(openai_chat_response_completion_tokens(resp) == 6);
    openai_chat_response_free(resp);
    openai_chat_stream_free(s);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

struct collect {
    char text[256];
    int calls;
    int stop_after;
};

static int collect_cb(void *user_data, const openai_chat_delta *d) {
    struct collect *col = (struct collect *)user_data;
    const char *t = openai_chat_delta_content(d);
    col->calls++;
    if (t) strncat(col->text, t, sizeof col->text - strlen(col->text) - 1);
    return (col->stop_after && col->calls >= col->stop_after) ? OPENAI_ITER_BREAK : OPENAI_ITER_CONTINUE;
}

int test_stream_callback(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    openai_chat_request *r = user_request("call me back");
    openai_chat_response *resp = NULL;
    struct collect col;
    CHECK(c && r);
    memset(&col, 0, sizeof col);
    CHECK_OK(openai_client_chat_stream_each(c, r, NULL, collect_cb, &col, &resp));
    CHECK_STR(col.text, "You said: call me back");
    CHECK_STR(openai_chat_response_content(resp, 0), "You said: call me back");
    CHECK_STR(openai_chat_response_finish_reason(resp, 0), "stop");
    openai_chat_response_free(resp);
    /* The reply out-param is optional. */
    memset(&col, 0, sizeof col);
    CHECK_OK(openai_client_chat_stream_each(c, r, NULL, collect_cb, &col, NULL));
    CHECK_STR(col.text, "You said: call me back");
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_stream_callback_stops(void) { /* matrix F-9 */
    /* 100 events 50 ms apart would take 5 s; stopping after 2 must return at once. */
    const char *id = test_id("stop");
    openai_client *c = mock_client("events=100;interval=50", id, 0);
    openai_chat_request *r = user_request("long");
    openai_chat_response *resp = (openai_chat_response *)0x1;
    struct collect col;
    double start;
    CHECK(c && r);
    memset(&col, 0, sizeof col);
    col.stop_after = 2;
    start = now_ms();
    CHECK_STATUS(openai_client_chat_stream_each(c, r, NULL, collect_cb, &col, &resp),
                 OPENAI_STATUS_ABORTED_BY_CALLBACK);
    CHECK(now_ms() - start < 2000.0);
    CHECK(col.calls == 2);
    CHECK(resp == (openai_chat_response *)0x1);
    CHECK(journal_count(id) == 1);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_stream_abandoned(void) { /* matrix S-13 / F-6: free mid-way closes the connection */
    const char *id = test_id("abandon");
    /* The mock holds each stream open after one event until the client hangs up, and journals
     * when it saw the hangup. */
    openai_client *c = mock_client("events=200;stall-after=1", id, 0);
    openai_client *plain = mock_client(NULL, NULL, 0);
    openai_chat_request *r = user_request("abandon");
    openai_chat_response *resp = NULL;
    const openai_chat_delta *d = NULL;
    unsigned i, n = scaled(20);
    /* 100 ms + 250 ms of CI slack; Valgrind runs (scaled down) are 20-50x slower. */
    double limit_ms = scaled(100) < 100 ? 5000.0 : 350.0;
    CHECK(c && plain && r);
    for (i = 0; i < n; i++) {
        openai_chat_stream *s = NULL;
        double freed;
        int seen;
        CHECK_OK(openai_client_chat_stream(c, r, NULL, &s));
        CHECK_OK(openai_chat_stream_next(s, &d));
        CHECK(d != NULL);
        CHECK(journal_hangups(id) == (int)i); /* this one is still open */
        freed = now_ms();
        openai_chat_stream_free(s);
        while ((seen = journal_hangups(id)) == (int)i && now_ms() - freed < limit_ms) {
            struct timespec ts = {0, 2 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (seen != (int)i + 1)
            FAIL("stream %u: the server saw %d hangups %.0f ms after the free, expected %u", i, seen,
                 now_ms() - freed, i + 1);
    }
    CHECK(journal_count(id) == (int)n); /* one request per stream, none retried */
    CHECK_OK(openai_client_chat(plain, r, NULL, &resp));
    openai_chat_response_free(resp);
    openai_chat_request_free(r);
    openai_client_free(c);
    openai_client_free(plain);
    return 0;
}

/* Reads a stream until it fails; checks the status, the number of deltas before it, and that the
 * failure is sticky. */
static int expect_stream_failure(const char *fault, openai_status want, int want_deltas, const char *partial) {
    const char *id = test_id("sfail");
    openai_client *c = mock_client(fault, id, 2); /* retries on: a started stream is never retried */
    openai_chat_request *r = user_request("one two three four five six seven eight");
    openai_chat_stream *s = NULL;
    const openai_chat_delta *d = NULL;
    int deltas = 0;
    openai_status st;
    CHECK(c && r);
    CHECK_OK(openai_client_chat_stream(c, r, NULL, &s));
    for (;;) {
        d = (const openai_chat_delta *)0x1;
        st = openai_chat_stream_next(s, &d);
        if (st != OPENAI_STATUS_OK) break;
        CHECK(d != (const openai_chat_delta *)0x1);
        if (d == NULL) FAIL("stream with fault %s ended normally", fault);
        if (openai_chat_delta_content(d) && openai_chat_delta_content(d)[0]) deltas++;
    }
    CHECK(d == (const openai_chat_delta *)0x1); /* untouched on failure */
    CHECK_STATUS(st, want);
    if (want_deltas >= 0 && deltas != want_deltas) FAIL("%d content deltas before the failure, expected %d", deltas, want_deltas);
    CHECK(!openai_chat_stream_is_complete(s));
    if (partial) CHECK_STR(openai_chat_stream_content(s), partial);
    CHECK_STATUS(openai_chat_stream_next(s, &d), want); /* sticky */
    CHECK(journal_count(id) == 1);                     /* not retried */
    openai_chat_stream_free(s);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_stream_truncated(void) { /* matrix S-11 */
    return expect_stream_failure("truncate-after=3", OPENAI_STATUS_STREAM_TRUNCATED, 3, "You said:");
}

int test_stream_reset(void) { /* matrix S-10 */
    return expect_stream_failure("reset-after=3", OPENAI_STATUS_STREAM_TRUNCATED, 3, "You said:");
}

int test_stream_closed_without_done(void) { /* matrix S-12 */
    return expect_stream_failure("close-after=3", OPENAI_STATUS_STREAM_TRUNCATED, -1, NULL);
}

int test_stream_error_event(void) {
    if (expect_stream_failure("error-after=2", OPENAI_STATUS_STREAM_EVENT, 2, "You said")) return 1;
    return 0;
}

int test_stream_idle_timeout(void) {
    openai_client_options *o = NULL;
    openai_client *c = NULL;
    openai_chat_request *r = user_request("then silence");
    openai_chat_stream *s = NULL;
    const openai_chat_delta *d = NULL;
    openai_status st;
    double start;
    CHECK(r != NULL);
    CHECK_OK(openai_client_options_new(&o));
    CHECK_OK(openai_client_options_set_base_url(o, getenv("OPENAI_BASE_URL")));
    CHECK_OK(openai_client_options_set_api_key(o, "sk-test"));
    CHECK_OK(openai_client_options_set_stream_idle_timeout_ms(o, 300));
    CHECK_OK(openai_client_options_add_header(o, "x-mock-fault", "stall-after=1"));
    CHECK_OK(openai_client_new(o, &c));
    CHECK_OK(openai_client_chat_stream(c, r, NULL, &s));
    start = now_ms();
    while ((st = openai_chat_stream_next(s, &d)) == OPENAI_STATUS_OK && d != NULL) {
    }
    CHECK_STATUS(st, OPENAI_STATUS_TIMEOUT);
    CHECK(now_ms() - start < 3000.0);
    openai_chat_stream_free(s);
    openai_client_free(c);
    openai_client_options_free(o);
    openai_chat_request_free(r);
    return 0;
}

struct reentrant {
    openai_client *client;
    const openai_chat_request *inner;
    int calls;
    int inner_ok;
};

static int reentrant_cb(void *user_data, const openai_chat_delta *d) {
    struct reentrant *re = (struct reentrant *)user_data;
    (void)d;
    re->calls++;
    if (re->calls == 2) {
        /* A new request on the same client, from inside the callback. */
        openai_chat_response *resp = NULL;
        if (openai_client_chat(re->client, re->inner, NULL, &resp) == OPENAI_STATUS_OK &&
            strcmp(openai_chat_response_content(resp, 0), "You said: inner") == 0)
            re->inner_ok = 1;
        openai_chat_response_free(resp);
    } else if (re->calls == 3) {
        /* Freeing the client handle: the running call keeps its own reference. */
        openai_client_free(re->client);
        re->client = NULL;
    }
    return OPENAI_ITER_CONTINUE;
}

int test_stream_callback_reentrant(void) { /* matrix F-8 (c), and freeing the client */
    struct reentrant re;
    openai_chat_request *outer = user_request("outer call");
    openai_chat_request *inner = user_request("inner");
    openai_chat_response *resp = NULL;
    CHECK(outer && inner);
    memset(&re, 0, sizeof re);
    re.client = mock_client(NULL, NULL, 0);
    re.inner = inner;
    CHECK(re.client != NULL);
    CHECK_OK(openai_client_chat_stream_each(re.client, outer, NULL, reentrant_cb, &re, &resp));
    CHECK(re.inner_ok);
    CHECK(re.client == NULL);
    CHECK_STR(openai_chat_response_content(resp, 0), "You said: outer call");
    openai_chat_response_free(resp);
    openai_chat_request_free(outer);
    openai_chat_request_free(inner);
    return 0;
}
