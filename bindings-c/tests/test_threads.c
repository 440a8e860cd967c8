/* Threads, cancellation, resource cycles, the panic boundary and fork. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* Test-only exports of the `ffi-test-hooks` feature (not in openai.h), looked up at run time so
 * the same tests also run against a release library without them. */
typedef openai_status (*test_panic_fn)(void);
typedef void (*test_set_callback_panic_fn)(bool enabled);

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

struct canceller {
    const openai_cancel_token *token;
    long after_ms;
    openai_status st;
};

static void *cancel_later(void *arg) {
    struct canceller *k = (struct canceller *)arg;
    sleep_ms(k->after_ms);
    k->st = openai_cancel_token_cancel(k->token);
    return NULL;
}

int test_cancel_from_thread(void) {
    /* Headers only after 5 s; cancelled after 200 ms from another thread. */
    openai_client *c = mock_client("delay-headers=5000", NULL, 2);
    openai_chat_request *r = user_request("wait for it");
    openai_chat_response *resp = (openai_chat_response *)0x1;
    openai_cancel_token *tok = NULL;
    struct canceller k;
    pthread_t th;
    double start, elapsed;
    CHECK(c && r);
    CHECK_OK(openai_cancel_token_new(&tok));
    CHECK(!openai_cancel_token_is_cancelled(tok));
    k.token = tok;
    k.after_ms = 200;
    k.st = OPENAI_STATUS_INTERNAL;
    start = now_ms();
    CHECK(pthread_create(&th, NULL, cancel_later, &k) == 0);
    CHECK_STATUS(openai_client_chat(c, r, tok, &resp), OPENAI_STATUS_CANCELLED);
    elapsed = now_ms() - start;
    pthread_join(th, NULL);
    CHECK(k.st == OPENAI_STATUS_OK);
    CHECK(resp == (openai_chat_response *)0x1);
    CHECK(openai_cancel_token_is_cancelled(tok));
    if (elapsed < 150.0 || elapsed > 1500.0) FAIL("cancelled after %.0f ms, expected about 200", elapsed);
    /* Cancelling twice is fine. */
    CHECK_OK(openai_cancel_token_cancel(tok));
    openai_cancel_token_free(tok);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_cancel_stream_from_thread(void) {
    /* A stream that stalls after one event; the token given at open also stops `next`. */
    openai_client *c = mock_client("stall-after=1", NULL, 0);
    openai_chat_request *r = user_request("stall");
    openai_chat_stream *s = NULL;
    const openai_chat_delta *d = NULL;
    openai_cancel_token *tok = NULL;
    struct canceller k;
    pthread_t th;
    openai_status st;
    double start;
    CHECK(c && r);
    CHECK_OK(openai_cancel_token_new(&tok));
    CHECK_OK(openai_client_chat_stream(c, r, tok, &s));
    k.token = tok;
    k.after_ms = 200;
    start = now_ms();
    CHECK(pthread_create(&th, NULL, cancel_later, &k) == 0);
    while ((st = openai_chat_stream_next(s, &d)) == OPENAI_STATUS_OK && d != NULL) {
    }
    pthread_join(th, NULL);
    CHECK_STATUS(st, OPENAI_STATUS_CANCELLED);
    CHECK(now_ms() - start < 1500.0);
    /* The token can be freed before the stream (the stream keeps its own reference). */
    openai_cancel_token_free(tok);
    openai_chat_stream_free(s);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_cancel_before_call(void) {
    openai_client *c = mock_client(NULL, NULL, 0);
    openai_chat_request *r = user_request("never sent");
    openai_cancel_token *tok = NULL;
    openai_chat_response *resp = NULL;
    openai_chat_stream *s = NULL;
    char *json = NULL;
    CHECK(c && r);
    CHECK_OK(openai_cancel_token_new(&tok));
    CHECK_OK(openai_cancel_token_cancel(tok));
    CHECK_STATUS(openai_client_chat(c, r, tok, &resp), OPENAI_STATUS_CANCELLED);
    CHECK_STATUS(openai_client_chat_stream(c, r, tok, &s), OPENAI_STATUS_CANCELLED);
    CHECK_STATUS(openai_client_models_list(c, tok, &json), OPENAI_STATUS_CANCELLED);
    CHECK_STATUS(openai_client_request_json(c, "GET", "models", NULL, tok, &json), OPENAI_STATUS_CANCELLED);
    CHECK(resp == NULL && s == NULL && json == NULL);
    openai_cancel_token_free(tok);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

/* ============================================================================================ */

#define THREADS 32

struct worker {
    const openai_client *client;
    int index;
    unsigned requests;
    int failures;
    char why[256];
};

static void *worker_main(void *arg) {
    struct worker *w = (struct worker *)arg;
    unsigned i;
    char text[64], want[96];
    for (i = 0; i < w->requests && !w->failures; i++) {
        openai_chat_request *r = NULL;
        openai_chat_response *resp = NULL;
        snprintf(text, sizeof text, "thread %d request %u", w->index, i);
        snprintf(want, sizeof want, "You said: %s", text);
        if (openai_chat_request_new(MODEL, &r) != OPENAI_STATUS_OK ||
            openai_chat_request_add_message(r, OPENAI_ROLE_USER, text) != OPENAI_STATUS_OK) {
            w->failures++;
        } else if (i % 4 == 3) {
            /* Streams are confined to their thread. */
            openai_chat_stream *s = NULL;
            const openai_chat_delta *d = NULL;
            openai_status st = openai_client_chat_stream(w->client, r, NULL, &s);
            while (st == OPENAI_STATUS_OK && (st = openai_chat_stream_next(s, &d)) == OPENAI_STATUS_OK && d) {
            }
            if (st != OPENAI_STATUS_OK || !contains(openai_chat_stream_content(s), want)) {
                w->failures++;
                snprintf(w->why, sizeof w->why, "stream: %s %s", status_name(st), openai_last_error_message());
            }
            openai_chat_stream_free(s);
        } else {
            openai_status st = openai_client_chat(w->client, r, NULL, &resp);
            if (st != OPENAI_STATUS_OK) {
                w->failures++;
                snprintf(w->why, sizeof w->why, "chat: %s %s", status_name(st), openai_last_error_message());
            } else if (strcmp(openai_chat_response_content(resp, 0), want) != 0) {
                w->failures++; /* cross-talk */
                snprintf(w->why, sizeof w->why, "got \"%s\" for \"%s\"", openai_chat_response_content(resp, 0), text);
            }
            openai_chat_response_free(resp);
        }
        openai_chat_request_free(r);
    }
    return NULL;
}

int test_threads_share_client(void) { /* matrix C-2 / F-7 */
    openai_client *c = mock_client(NULL, NULL, 2);
    pthread_t th[THREADS];
    struct worker w[THREADS];
    int i, failures = 0;
    unsigned per_thread = scaled(100); /* 3,200 requests, a quarter of them streams */
    CHECK(c != NULL);
    for (i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].client = c;
        w[i].index = i;
        w[i].requests = per_thread;
        CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        if (w[i].failures) fprintf(stderr, "thread %d: %s\n", i, w[i].why);
        failures += w[i].failures;
    }
    CHECK(failures == 0);
    openai_client_free(c);
    return 0;
}

/* ============================================================================================ */

int test_new_free_cycles(void) { /* matrix F-6 */
    unsigned i, n = scaled(2000), n_net = scaled(100);
    openai_client *c = mock_client(NULL, NULL, 0);
    openai_chat_request *hello = user_request("cycle");
    CHECK(c && hello);
    /* _free(NULL) is a no-op for every handle. */
    openai_client_options_free(NULL);
    openai_client_free(NULL);
    openai_cancel_token_free(NULL);
    openai_chat_request_free(NULL);
    openai_chat_response_free(NULL);
    openai_chat_stream_free(NULL);
    openai_images_response_free(NULL);
    openai_string_free(NULL);
    for (i = 0; i < n; i++) {
        openai_client_options *o = NULL;
        openai_cancel_token *t = NULL;
        openai_chat_request *r = NULL;
        char *json = NULL;
        CHECK_OK(openai_client_options_new(&o));
        CHECK_OK(openai_client_options_set_api_key(o, "sk-test"));
        CHECK_OK(openai_client_options_add_header(o, "x-a", "b"));
        openai_client_options_free(o);
        CHECK_OK(openai_cancel_token_new(&t));
        CHECK_OK(openai_cancel_token_cancel(t));
        openai_cancel_token_free(t);
        CHECK_OK(openai_chat_request_new(MODEL, &r));
        CHECK_OK(openai_chat_request_add_message(r, OPENAI_ROLE_USER, "x"));
        CHECK_OK(openai_chat_request_add_image_url(r, "https://x/y.png", OPENAI_IMAGE_DETAIL_LOW));
        CHECK_OK(openai_chat_request_set_field(r, "seed", "1"));
        CHECK_OK(openai_chat_request_to_json(r, &json));
        openai_string_free(json);
        openai_chat_request_free(r);
        /* Failures allocate error details; they must be released too. */
        CHECK_STATUS(openai_chat_request_new(NULL, &r), OPENAI_STATUS_NULL_ARGUMENT);
    }
    for (i = 0; i < n_net; i++) {
        openai_client *cc = NULL;
        openai_client_options *o = NULL;
        openai_chat_response *resp = NULL;
        openai_chat_stream *s = NULL;
        openai_images_response *img = NULL;
        const openai_chat_delta *d = NULL;
        char *json = NULL;
        CHECK_OK(openai_client_options_new(&o));
        CHECK_OK(openai_client_options_set_base_url(o, getenv("OPENAI_BASE_URL")));
        CHECK_OK(openai_client_options_set_api_key(o, "sk-test"));
        CHECK_OK(openai_client_new(o, &cc));
        openai_client_options_free(o);
        CHECK_OK(openai_client_chat(cc, hello, NULL, &resp));
        openai_chat_response_free(resp);
        openai_client_free(cc);
        /* Streams: read fully, or abandoned after the first chunk. */
        CHECK_OK(openai_client_chat_stream(c, hello, NULL, &s));
        do {
            CHECK_OK(openai_chat_stream_next(s, &d));
        } while (d != NULL && (i % 2 == 0));
        openai_chat_stream_free(s);
        CHECK_OK(openai_client_images_generate(c, "{\"prompt\":\"p\"}", NULL, &img));
        openai_images_response_free(img);
        CHECK_OK(openai_client_models_list(c, NULL, &json));
        openai_string_free(json);
        CHECK_STATUS(openai_client_models_retrieve(c, "no-such", NULL, &json), OPENAI_STATUS_NOT_FOUND);
    }
    openai_chat_request_free(hello);
    openai_client_free(c);
    return 0;
}

/* ============================================================================================ */

static int panic_cb(void *user_data, const openai_chat_delta *d) {
    (void)d;
    ++*(int *)user_data;
    return OPENAI_ITER_CONTINUE;
}

int test_panic_boundary(void) { /* matrix F-1 */
    test_panic_fn test_panic;
    test_set_callback_panic_fn set_callback_panic;
    openai_client *c;
    openai_chat_request *r = user_request("panic");
    openai_chat_response *resp = (openai_chat_response *)0x1;
    int calls = 0;
    *(void **)&test_panic = dlsym(RTLD_DEFAULT, "openai__test_panic");
    *(void **)&set_callback_panic = dlsym(RTLD_DEFAULT, "openai__test_set_callback_panic");
    if (!test_panic || !set_callback_panic) {
        if (getenv("OPENAI_TEST_REQUIRE_HOOKS")) FAIL("libopenai was built without --features ffi-test-hooks");
        fprintf(stderr, "skipped: libopenai was built without --features ffi-test-hooks\n");
        openai_chat_request_free(r);
        return 77;
    }
    c = mock_client(NULL, NULL, 0);
    CHECK(c && r);
    CHECK_STATUS(test_panic(), OPENAI_STATUS_PANIC);
    CHECK_CONTAINS(openai_last_error_message(), "panic");
    /* The next call works. */
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    openai_chat_response_free(resp);
    resp = (openai_chat_response *)0x1;
    /* A panic inside the callback trampoline of a stream. */
    set_callback_panic(true);
    CHECK_STATUS(openai_client_chat_stream_each(c, r, NULL, panic_cb, &calls, &resp), OPENAI_STATUS_PANIC);
    set_callback_panic(false);
    CHECK(calls == 0);
    CHECK(resp == (openai_chat_response *)0x1);
    CHECK_OK(openai_client_chat_stream_each(c, r, NULL, panic_cb, &calls, NULL));
    CHECK(calls > 0);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

/* ============================================================================================ */

int test_fork_child(void) { /* matrix F-10 / P-3 */
    openai_client *c = mock_client(NULL, NULL, 0);
    openai_chat_request *r = user_request("before fork");
    openai_chat_response *resp = NULL;
    pid_t pid;
    int status = 0;
    double start;
    CHECK(c && r);
    /* The parent has a live runtime and connection pool. */
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    openai_chat_response_free(resp);
    fflush(NULL);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        /* The child must work (fresh runtime and pool) or fail fast with FORKED_PROCESS;
         * never hang. */
        openai_status st;
        double t0 = now_ms();
        alarm(10);
        st = openai_client_chat(c, r, NULL, &resp);
        if (st == OPENAI_STATUS_OK) {
            int ok = strcmp(openai_chat_response_content(resp, 0), "You said: before fork") == 0;
            openai_chat_response_free(resp);
            _exit(ok ? 0 : 3);
        }
        fprintf(stderr, "child: %s after %.0f ms: %s\n", status_name(st), now_ms() - t0, openai_last_error_message());
        _exit(st == OPENAI_STATUS_FORKED_PROCESS && now_ms() - t0 < 100.0 ? 0 : 4);
    }
    start = now_ms();
    CHECK(waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        FAIL("child failed (status %d) after %.0f ms", status, now_ms() - start);
    /* The parent still works. */
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    openai_chat_response_free(resp);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}
