/* The completion queue: many requests driven from one thread with poll(), streams through the
 * queue, cancellation that closes the connection, errors as completions. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <time.h>

#include "harness.h"

static int readable(const openai_queue *q, int timeout_ms) {
    struct pollfd p;
    p.fd = openai_queue_fd(q);
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/* Pops the next completion, waiting on the descriptor up to 10 s; NULL if none came. */
static openai_completion *next_completion(openai_queue *q) {
    openai_completion *c = openai_queue_pop(q);
    double t0 = now_ms();
    while (c == NULL && now_ms() - t0 < 10000.0) {
        if (readable(q, 1000)) c = openai_queue_pop(q);
    }
    return c;
}

int test_queue_many_from_one_thread(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    openai_queue *q = NULL;
    unsigned i, n = scaled(256), done = 0, calls = 0;
    unsigned char *seen;
    CHECK(c != NULL);
    CHECK_OK(openai_queue_new(c, &q));
    /* The queue keeps its own reference to the client's pool. */
    openai_client_free(c);
    CHECK(openai_queue_fd(q) >= 0);
    CHECK(!readable(q, 0));
    CHECK(openai_queue_pop(q) == NULL);
    seen = calloc(n + 1, 1);
    CHECK(seen != NULL);
    for (i = 0; i < n; i++) {
        char text[64];
        uint64_t id = 0;
        openai_chat_request *r;
        snprintf(text, sizeof text, "row %u", i);
        r = user_request(text);
        CHECK(r != NULL);
        CHECK_OK(openai_queue_submit_chat(q, r, i, &id));
        CHECK(id != 0);
        openai_chat_request_free(r); /* copied at submission */
    }
    CHECK_OK(openai_queue_submit_call(q, "listModels", NULL, NULL, NULL, n, NULL));
    CHECK(openai_queue_outstanding(q) == n + 1);
    while (openai_queue_outstanding(q) > 0) {
        openai_completion *k;
        if (!readable(q, 10000)) FAIL("no completion within 10 s, %zu outstanding", openai_queue_outstanding(q));
        while ((k = openai_queue_pop(q)) != NULL) {
            uint64_t tag = openai_completion_tag(k);
            CHECK(openai_completion_get_kind(k) == OPENAI_COMPLETION_KIND_RESPONSE);
            CHECK_STATUS(openai_completion_status(k), OPENAI_STATUS_OK);
            CHECK(openai_completion_http_status(k) == 200);
            CHECK(openai_completion_error_message(k) == NULL);
            CHECK(tag <= n && !seen[tag]);
            seen[tag] = 1;
            if (tag == n) {
                CHECK(openai_completion_chat_response(k) == NULL);
                CHECK_CONTAINS(openai_completion_body(k), "\"object\":\"list\"");
                calls++;
            } else {
                char want[64];
                const openai_chat_response *resp = openai_completion_chat_response(k);
                snprintf(want, sizeof want, "You said: row %u", (unsigned)tag);
                CHECK_STR(openai_chat_response_content(resp, 0), want);
                CHECK_CONTAINS(openai_completion_body(k), want);
                done++;
            }
            openai_completion_free(k);
        }
    }
    CHECK(done == n && calls == 1);
    /* Drained: the descriptor is quiet again and waiting has nothing to wait for. */
    CHECK(!readable(q, 0));
    CHECK_STATUS(openai_queue_wait(q, 1000), OPENAI_STATUS_TIMEOUT);
    free(seen);
    openai_queue_free(q);
    return 0;
}

int test_queue_streams(void) {
    openai_client *c = mock_client(NULL, NULL, -1);
    openai_queue *q = NULL;
    char text[2][256] = {"", ""};
    int ended[2] = {0, 0}, deltas[2] = {0, 0}, k;
    CHECK(c != NULL);
    CHECK_OK(openai_queue_new(c, &q));
    for (k = 0; k < 2; k++) {
        openai_chat_request *r = user_request(k ? "second stream" : "first stream");
        CHECK(r != NULL);
        CHECK_OK(openai_queue_submit_chat_stream(q, r, (uint64_t)k, NULL));
        openai_chat_request_free(r);
    }
    while (openai_queue_outstanding(q) > 0) {
        openai_completion *e = next_completion(q);
        unsigned tag;
        CHECK(e != NULL);
        tag = (unsigned)openai_completion_tag(e);
        CHECK(tag < 2 && !ended[tag]);
        CHECK_STATUS(openai_completion_status(e), OPENAI_STATUS_OK);
        if (openai_completion_get_kind(e) == OPENAI_COMPLETION_KIND_STREAM_DELTA) {
            const openai_chat_delta *d = openai_completion_delta(e);
            CHECK(d != NULL);
            CHECK(openai_completion_chat_response(e) == NULL);
            CHECK(openai_completion_body(e) == openai_chat_delta_raw_json(d));
            if (openai_chat_delta_content(d))
                strncat(text[tag], openai_chat_delta_content(d), sizeof text[0] - strlen(text[tag]) - 1);
            deltas[tag]++;
        } else {
            const openai_chat_response *resp = openai_completion_chat_response(e);
            CHECK(openai_completion_get_kind(e) == OPENAI_COMPLETION_KIND_STREAM_END);
            CHECK(openai_completion_delta(e) == NULL);
            CHECK_STR(openai_chat_response_content(resp, 0), text[tag]);
            CHECK_STR(openai_chat_response_finish_reason(resp, 0), "stop");
            ended[tag] = 1;
        }
        openai_completion_free(e);
    }
    CHECK(ended[0] && ended[1] && deltas[0] >= 3 && deltas[1] >= 3);
    CHECK_STR(text[0], "You said: first stream");
    CHECK_STR(text[1], "You said: second stream");
    openai_queue_free(q);
    openai_client_free(c);
    return 0;
}

/* Waits until the mock has seen `want` hangups for `id`; the time it took in ms, or -1. */
static double wait_hangups(const char *id, int want, double limit_ms) {
    double t0 = now_ms();
    while (journal_hangups(id) < want) {
        struct timespec ts = {0, 2 * 1000000L};
        if (now_ms() - t0 > limit_ms) return -1;
        nanosleep(&ts, NULL);
    }
    return now_ms() - t0;
}

int test_queue_cancel(void) { /* matrix S-13 for the queue: cancel and free close the connection */
    const char *id = test_id("queue-cancel");
    openai_client *c = mock_client("events=200;stall-after=1", id, 0);
    openai_client *slow = mock_client("delay-headers=5000", NULL, 0);
    openai_chat_request *r = user_request("cancel me");
    openai_queue *q = NULL, *q2 = NULL;
    openai_completion *e;
    uint64_t sid = 0, nid = 0;
    double t0, took, limit_ms = scaled(100) < 100 ? 5000.0 : 350.0;
    CHECK(c && slow && r);
    CHECK_OK(openai_queue_new(c, &q));
    /* A stream that stalls after its first chunk: the server holds it open until we hang up. */
    CHECK_OK(openai_queue_submit_chat_stream(q, r, 7, &sid));
    e = next_completion(q);
    CHECK(e != NULL && openai_completion_get_kind(e) == OPENAI_COMPLETION_KIND_STREAM_DELTA);
    openai_completion_free(e);
    CHECK(journal_hangups(id) == 0);
    CHECK(openai_queue_cancel(q, sid));
    took = wait_hangups(id, 1, limit_ms);
    if (took < 0) FAIL("the server saw no hangup within %.0f ms of the cancel", limit_ms);
    /* Chunks that were queued before the cancel stay; then comes the final completion. */
    while ((e = next_completion(q)) != NULL &&
           openai_completion_get_kind(e) == OPENAI_COMPLETION_KIND_STREAM_DELTA)
        openai_completion_free(e);
    CHECK(e != NULL);
    CHECK(openai_completion_id(e) == sid && openai_completion_tag(e) == 7);
    CHECK(openai_completion_get_kind(e) == OPENAI_COMPLETION_KIND_STREAM_END);
    CHECK_STATUS(openai_completion_status(e), OPENAI_STATUS_CANCELLED);
    CHECK(openai_completion_http_status(e) == 0);
    CHECK_CONTAINS(openai_completion_error_message(e), "cancel");
    openai_completion_free(e);
    CHECK(!openai_queue_cancel(q, sid)); /* already over */
    CHECK(!openai_queue_cancel(q, 999999));
    CHECK(openai_queue_outstanding(q) == 0);
    CHECK(openai_queue_pop(q) == NULL); /* nothing else comes for it */

    /* A non-streamed request whose answer would take 5 s: cancelled, it ends at once. */
    CHECK_OK(openai_queue_new(slow, &q2));
    CHECK_OK(openai_queue_submit_chat(q2, r, 8, &nid));
    t0 = now_ms();
    CHECK(openai_queue_cancel(q2, nid));
    CHECK_OK(openai_queue_wait(q2, 4500));
    e = openai_queue_pop(q2);
    CHECK(e != NULL && openai_completion_get_kind(e) == OPENAI_COMPLETION_KIND_RESPONSE);
    CHECK_STATUS(openai_completion_status(e), OPENAI_STATUS_CANCELLED);
    CHECK(now_ms() - t0 < (scaled(100) < 100 ? 4500.0 : 1000.0));
    openai_completion_free(e);
    openai_queue_free(q2);

    /* Freeing a queue with a stream in flight closes its connection too. */
    CHECK_OK(openai_queue_submit_chat_stream(q, r, 9, NULL));
    e = next_completion(q);
    CHECK(e != NULL && openai_completion_get_kind(e) == OPENAI_COMPLETION_KIND_STREAM_DELTA);
    CHECK(journal_hangups(id) == 1);
    openai_queue_free(q);
    openai_completion_free(e); /* a popped completion outlives its queue */
    if (wait_hangups(id, 2, limit_ms) < 0) FAIL("no hangup within %.0f ms of freeing the queue", limit_ms);
    CHECK(journal_count(id) == 2); /* one request per stream, none retried */
    openai_chat_request_free(r);
    openai_client_free(c);
    openai_client_free(slow);
    return 0;
}

int test_queue_errors(void) {
    openai_client *c = mock_client("status=429", NULL, 0);
    openai_queue *q = NULL;
    openai_chat_request *r = user_request("limited");
    openai_completion *e;
    CHECK(c && r);
    CHECK_OK(openai_queue_new(c, &q));
    /* Bad arguments fail at submission and queue nothing. */
    CHECK_STATUS(openai_queue_submit_call(q, "noSuchOperation", NULL, NULL, NULL, 1, NULL),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_queue_submit_call(q, "retrieveFile", NULL, NULL, NULL, 1, NULL),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_queue_submit_call(q, "listModels", NULL, NULL, "{not json", 1, NULL),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK(openai_queue_outstanding(q) == 0);
    CHECK_STATUS(openai_queue_wait(q, -1), OPENAI_STATUS_TIMEOUT); /* nothing can come */
    /* An HTTP error is the request's completion, with its details. */
    CHECK_OK(openai_queue_submit_chat(q, r, 3, NULL));
    CHECK_OK(openai_queue_wait(q, 10000));
    e = openai_queue_pop(q);
    CHECK(e != NULL && openai_completion_tag(e) == 3);
    CHECK_STATUS(openai_completion_status(e), OPENAI_STATUS_RATE_LIMITED);
    CHECK(openai_completion_http_status(e) == 429);
    CHECK(openai_completion_error_message(e) != NULL);
    CHECK(openai_completion_chat_response(e) == NULL);
    CHECK_CONTAINS(openai_completion_body(e), "rate_limit_exceeded");
    openai_completion_free(e);
    openai_queue_free(q);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}
