/* Threads, cancellation, resource cycles, the panic boundary and fork. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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

/* A forked child reports its verdict through a pipe, not its exit status: under Valgrind a child
 * of a threaded parent always "leaks" (the parent's threads' thread-locals have no owner there),
 * and Valgrind turns that into its error exit code. */
struct child {
    pid_t pid;
    int verdict_fd;
};

/* Waits up to `limit_ms` for the child; kills it if it is still running (a hang). 1 if the child
 * reported success and exited normally. */
static int child_succeeded(struct child ch, double limit_ms, const char *what) {
    int status = 0;
    char verdict = 0;
    double start = now_ms();
    for (;;) {
        pid_t got = waitpid(ch.pid, &status, WNOHANG);
        if (got == ch.pid) break;
        if (got < 0) {
            fprintf(stderr, "%s: waitpid failed\n", what);
            close(ch.verdict_fd);
            return 0;
        }
        if (now_ms() - start > limit_ms) {
            kill(ch.pid, SIGKILL);
            waitpid(ch.pid, &status, 0);
            fprintf(stderr, "%s: child still running after %.0f ms (hung), killed\n", what, limit_ms);
            close(ch.verdict_fd);
            return 0;
        }
        sleep_ms(5);
    }
    if (read(ch.verdict_fd, &verdict, 1) != 1) verdict = 0;
    close(ch.verdict_fd);
    if (!WIFEXITED(status) || verdict != 'K') {
        fprintf(stderr, "%s: child failed (wait status %d, verdict '%c') after %.0f ms\n", what, status,
                verdict ? verdict : '-', now_ms() - start);
        return 0;
    }
    return 1;
}

/* Forks a child that makes one chat call with the parent's client and must get `want` back;
 * `alarm` ends a hung child. Returns the child to wait for (pid -1 if fork failed). */
static struct child fork_chat(openai_client *c, openai_chat_request *r, const char *want) {
    struct child ch = {-1, -1};
    int fds[2];
    if (pipe(fds) != 0) return ch;
    fflush(NULL);
    ch.pid = fork();
    if (ch.pid == 0) {
        openai_chat_response *resp = NULL;
        openai_status st;
        char verdict = 'F';
        close(fds[0]);
        alarm(10);
        st = openai_client_chat(c, r, NULL, &resp);
        if (st != OPENAI_STATUS_OK)
            fprintf(stderr, "child: %s: %s\n", status_name(st), openai_last_error_message());
        else if (strcmp(openai_chat_response_content(resp, 0), want) != 0)
            fprintf(stderr, "child: unexpected reply %s\n", openai_chat_response_content(resp, 0));
        else
            verdict = 'K';
        openai_chat_response_free(resp);
        if (write(fds[1], &verdict, 1) != 1) _exit(5);
        _exit(0);
    }
    close(fds[1]);
    ch.verdict_fd = fds[0];
    if (ch.pid < 0) close(fds[0]);
    return ch;
}

int test_fork_child(void) { /* matrix F-10 / P-3 */
    openai_client *c = mock_client(NULL, NULL, 0);
    openai_chat_request *r = user_request("before fork");
    openai_chat_response *resp = NULL;
    struct child ch;
    CHECK(c && r);
    /* The parent has a live runtime and connection pool. */
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    openai_chat_response_free(resp);
    /* The child's call with the parent's client works: the library builds a runtime and a pool
     * of its own there (the parent's threads do not exist in the child). */
    ch = fork_chat(c, r, "You said: before fork");
    CHECK(ch.pid > 0);
    CHECK(child_succeeded(ch, 15000.0, "fork_child"));
    /* The parent still works. */
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    openai_chat_response_free(resp);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

#define BUSY_THREADS 4

struct busy {
    openai_client *client;
    atomic_int stop;
    atomic_int done;
    atomic_int failed;
};

static void *keep_busy(void *arg) {
    struct busy *b = arg;
    openai_chat_request *r = user_request("in flight");
    if (!r) {
        atomic_fetch_add(&b->failed, 1);
        return NULL;
    }
    while (!atomic_load(&b->stop)) {
        openai_chat_response *resp = NULL;
        if (openai_client_chat(b->client, r, NULL, &resp) == OPENAI_STATUS_OK)
            atomic_fetch_add(&b->done, 1);
        else
            atomic_fetch_add(&b->failed, 1);
        openai_chat_response_free(resp);
    }
    openai_chat_request_free(r);
    return NULL;
}

/* fork() while other threads have requests in flight on the same client (their locks, tasks and
 * connections are the parent's): each child's call must finish, and in bounded time. */
int test_fork_with_requests_in_flight(void) {
#if defined(__SANITIZE_ADDRESS__)
    /* ASan's own allocator locks are not fork-safe in this toolchain: a child forked while
     * another thread is inside malloc blocks forever in ASan's allocator (seen in gdb:
     * SizeClassAllocator64::GetFromAllocator), whatever the library does. The plain and
     * Valgrind runs of this test cover it. */
    fprintf(stderr, "skipped under AddressSanitizer (its allocator deadlocks in forked children)\n");
    return 77;
#endif
    unsigned forks = scaled(20);
    struct busy b;
    pthread_t th[BUSY_THREADS];
    openai_chat_request *r = user_request("child of a busy parent");
    b.client = mock_client("latency=5", NULL, 0);
    atomic_init(&b.stop, 0);
    atomic_init(&b.done, 0);
    atomic_init(&b.failed, 0);
    CHECK(b.client && r);
    for (int i = 0; i < BUSY_THREADS; i++) CHECK(pthread_create(&th[i], NULL, keep_busy, &b) == 0);
    while (atomic_load(&b.done) < BUSY_THREADS) sleep_ms(1);
    if (forks < 3) forks = 3;
    for (unsigned i = 0; i < forks; i++) {
        struct child ch = fork_chat(b.client, r, "You said: child of a busy parent");
        CHECK(ch.pid > 0);
        if (!child_succeeded(ch, 15000.0, "fork_with_requests_in_flight")) {
            atomic_store(&b.stop, 1);
            for (int t = 0; t < BUSY_THREADS; t++) pthread_join(th[t], NULL);
            FAIL("fork %u of %u: the child did not complete its call", i + 1, forks);
        }
        sleep_ms(3);
    }
    atomic_store(&b.stop, 1);
    for (int i = 0; i < BUSY_THREADS; i++) pthread_join(th[i], NULL);
    CHECK(atomic_load(&b.failed) == 0);
    openai_chat_request_free(r);
    openai_client_free(b.client);
    return 0;
}
