/* The test runner: `openai_c_tests NAME` runs one test (CTest runs each as its own process),
 * `openai_c_tests --list` lists them. The TEST(...) lines below are also read by CMakeLists.txt. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define TESTS(TEST)                                                                                \
    TEST(version)                                                                                  \
    TEST(status_names)                                                                             \
    TEST(null_arguments)                                                                           \
    TEST(invalid_utf8)                                                                             \
    TEST(invalid_enums)                                                                            \
    TEST(client_options)                                                                           \
    TEST(env_defaults)                                                                             \
    TEST(api_key_never_shown)                                                                      \
    TEST(chat_basic)                                                                               \
    TEST(chat_builder)                                                                             \
    TEST(chat_from_json)                                                                           \
    TEST(error_429)                                                                                \
    TEST(error_500)                                                                                \
    TEST(error_details_lifetime)                                                                   \
    TEST(retry_after_then_success)                                                                 \
    TEST(retries_exhausted)                                                                        \
    TEST(dropped_connection_retried)                                                               \
    TEST(connection_refused)                                                                       \
    TEST(request_timeout)                                                                          \
    TEST(malformed_json)                                                                           \
    TEST(not_found)                                                                                \
    TEST(stream_pull)                                                                              \
    TEST(stream_callback)                                                                          \
    TEST(stream_callback_stops)                                                                    \
    TEST(stream_callback_reentrant)                                                                \
    TEST(stream_abandoned)                                                                         \
    TEST(stream_truncated)                                                                         \
    TEST(stream_reset)                                                                             \
    TEST(stream_closed_without_done)                                                               \
    TEST(stream_error_event)                                                                       \
    TEST(stream_idle_timeout)                                                                      \
    TEST(cancel_from_thread)                                                                       \
    TEST(cancel_stream_from_thread)                                                                \
    TEST(cancel_before_call)                                                                       \
    TEST(threads_share_client)                                                                     \
    TEST(new_free_cycles)                                                                          \
    TEST(panic_boundary)                                                                           \
    TEST(fork_child)                                                                               \
    TEST(fork_with_requests_in_flight)                                                             \
    TEST(sigpipe_not_raised)                                                                       \
    TEST(images)                                                                                   \
    TEST(embeddings)                                                                               \
    TEST(models)                                                                                   \
    TEST(request_json)                                                                             \
    TEST(responses_create)                                                                         \
    TEST(responses_builder_and_json)                                                               \
    TEST(responses_function_calls)                                                                 \
    TEST(responses_stream_pull)                                                                    \
    TEST(responses_stream_callback)                                                                \
    TEST(responses_stream_failures)                                                                \
    TEST(responses_unknown_events)                                                                 \
    TEST(call_by_operation_id)                                                                     \
    TEST(conversation_over_responses)                                                              \
    TEST(form_upload_and_download)                                                                 \
    TEST(azure_routing_and_auth)                                                                   \
    TEST(download_each)                                                                            \
    TEST(pager_walks_every_page)                                                                   \
    TEST(batches_helpers)                                                                          \
    TEST(bulk_every_row_once_and_resume)                                                           \
    TEST(bulk_callback_stops_and_resume)                                                           \
    TEST(bulk_rate_limited_and_bad_input)                                                          \
    TEST(bulk_through_the_batch_api)                                                               \
    TEST(queue_many_from_one_thread)                                                               \
    TEST(queue_streams)                                                                            \
    TEST(queue_cancel)                                                                             \
    TEST(queue_errors)                                                                             \
    TEST(last_response_after_chat)                                                                 \
    TEST(long_tail_by_operation_id)                                                                \
    TEST(conversation_turns)                                                                       \
    TEST(conversation_trimming)                                                                    \
    TEST(conversation_budget)                                                                      \
    TEST(conversation_stream)                                                                      \
    TEST(conversation_save_load)                                                                   \
    TEST(conversation_bad_input)                                                                   \
    TEST(token_corpus)

#define DECLARE(name) int test_##name(void);
TESTS(DECLARE)

struct test_entry {
    const char *name;
    int (*fn)(void);
};

#define ENTRY(name) {#name, test_##name},
static const struct test_entry ALL_TESTS[] = {TESTS(ENTRY){NULL, NULL}};

const char *status_name(openai_status st) {
    const char *n = openai_status_name(st);
    return n ? n : "(not an openai_status)";
}

void print_last_error(void) {
    const char *rid = openai_last_error_request_id();
    fprintf(stderr, "  last error: %s (http %u, request id %s): %s\n",
            status_name(openai_last_error_status()), (unsigned)openai_last_error_http_status(),
            rid ? rid : "-", openai_last_error_message());
}

double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

unsigned scaled(unsigned n) {
    const char *s = getenv("OPENAI_TEST_SCALE");
    unsigned pct = s ? (unsigned)atoi(s) : 100;
    unsigned v = n * pct / 100;
    return v ? v : 1;
}

const char *test_id(const char *purpose) {
    static char buf[8][128];
    static int next;
    char *b = buf[next++ % 8];
    snprintf(b, sizeof buf[0], "c-%s-%ld-%d", purpose, (long)getpid(), next);
    return b;
}

int contains(const char *haystack, const char *needle) {
    return haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL;
}

openai_client *mock_client(const char *fault, const char *id, int max_retries) {
    const char *base = getenv("OPENAI_BASE_URL");
    openai_client_options *o = NULL;
    openai_client *c = NULL;
    if (base == NULL) {
        fprintf(stderr, "OPENAI_BASE_URL is not set: run the tests under scripts/with-mock.sh\n");
        return NULL;
    }
    if (openai_client_options_new(&o) != OPENAI_STATUS_OK ||
        openai_client_options_set_base_url(o, base) != OPENAI_STATUS_OK ||
        openai_client_options_set_api_key(o, "sk-test") != OPENAI_STATUS_OK ||
        (fault && openai_client_options_add_header(o, "x-mock-fault", fault) != OPENAI_STATUS_OK) ||
        (id && openai_client_options_add_header(o, "x-test-id", id) != OPENAI_STATUS_OK) ||
        (max_retries >= 0 &&
         openai_client_options_set_max_retries(o, (uint32_t)max_retries) != OPENAI_STATUS_OK) ||
        openai_client_new(o, &c) != OPENAI_STATUS_OK) {
        print_last_error();
        c = NULL;
    }
    openai_client_options_free(o);
    return c;
}

openai_chat_request *user_request(const char *text) {
    openai_chat_request *r = NULL;
    if (openai_chat_request_new(MODEL, &r) != OPENAI_STATUS_OK) {
        print_last_error();
        return NULL;
    }
    if (openai_chat_request_add_message(r, OPENAI_ROLE_USER, text) != OPENAI_STATUS_OK) {
        print_last_error();
        openai_chat_request_free(r);
        return NULL;
    }
    return r;
}

int journal_count(const char *id) {
    char path[256];
    char *json = NULL;
    int n = 0;
    const char *p;
    openai_client *c = mock_client(NULL, NULL, 0);
    if (c == NULL) return -1;
    snprintf(path, sizeof path, "__mock/journal?test_id=%s", id);
    if (openai_client_request_json(c, "GET", path, NULL, NULL, &json) != OPENAI_STATUS_OK) {
        print_last_error();
        openai_client_free(c);
        return -1;
    }
    for (p = json; (p = strstr(p, "\"seq\"")) != NULL; p++) n++;
    openai_string_free(json);
    openai_client_free(c);
    return n;
}

char *journal_json(const char *id) {
    char path[256];
    char *json = NULL;
    openai_client *c = mock_client(NULL, NULL, 0);
    if (c == NULL) return NULL;
    snprintf(path, sizeof path, "__mock/journal?test_id=%s", id);
    if (openai_client_request_json(c, "GET", path, NULL, NULL, &json) != OPENAI_STATUS_OK) {
        print_last_error();
        json = NULL;
    }
    openai_client_free(c);
    return json;
}

int journal_hangups(const char *id) {
    char path[256];
    char *json = NULL;
    int n = 0;
    const char *p;
    openai_client *c = mock_client(NULL, NULL, 0);
    if (c == NULL) return -1;
    snprintf(path, sizeof path, "__mock/journal?test_id=%s", id);
    if (openai_client_request_json(c, "GET", path, NULL, NULL, &json) != OPENAI_STATUS_OK) {
        print_last_error();
        openai_client_free(c);
        return -1;
    }
    /* "hangup_ms":null while the connection is open, a number once the client closed it. */
    for (p = json; (p = strstr(p, "\"hangup_ms\":")) != NULL; p++)
        if (p[12] >= '0' && p[12] <= '9') n++;
    openai_string_free(json);
    openai_client_free(c);
    return n;
}

int main(int argc, char **argv) {
    const struct test_entry *t;
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (t = ALL_TESTS; t->name; t++) printf("%s\n", t->name);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s TEST | --list\n", argv[0]);
        return 2;
    }
    for (t = ALL_TESTS; t->name; t++) {
        if (strcmp(t->name, argv[1]) == 0) {
            double start = now_ms();
            int rc = t->fn();
            fprintf(stderr, "%s: %s (%.0f ms)\n", t->name, rc == 77 ? "skipped" : rc ? "FAILED" : "ok",
                    now_ms() - start);
            return rc == 77 ? 77 : rc ? 1 : 0;
        }
    }
    fprintf(stderr, "no test named %s\n", argv[1]);
    return 2;
}
