/* A tiny test harness for the C tests of libopenai: checks that print the last error, helpers
 * that build clients pointed at the mock server (OPENAI_BASE_URL, set by scripts/with-mock.sh),
 * and timing. Each test is `int test_<name>(void)` returning 0 on success. */
#ifndef OPENAI_TEST_HARNESS_H
#define OPENAI_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openai.h"

#define MODEL "gpt-4o-mini"

const char *status_name(openai_status st);
void print_last_error(void);
double now_ms(void);
/* Iteration counts scaled by OPENAI_TEST_SCALE (percent, default 100; valgrind runs use less). */
unsigned scaled(unsigned n);
/* A unique x-test-id for this process and purpose. */
const char *test_id(const char *purpose);
/* A client for the mock: base URL from OPENAI_BASE_URL, key "sk-test", optional fault header,
 * optional test id, max_retries (negative = default). NULL on failure (printed). */
openai_client *mock_client(const char *fault, const char *id, int max_retries);
/* A request for MODEL with one user message. NULL on failure (printed). */
openai_chat_request *user_request(const char *text);
/* How many requests the mock saw with this x-test-id (-1 if the journal cannot be read). */
int journal_count(const char *id);
/* How many of the requests with this x-test-id the mock saw the client hang up on while it held
 * their stalled stream (`stall-after`; journal field hangup_ms); -1 if it cannot be read. */
int journal_hangups(const char *id);
/* The mock's journal for this x-test-id as JSON (free with openai_string_free); NULL on failure. */
char *journal_json(const char *id);
/* Whether `haystack` contains `needle` (NULL-safe). */
int contains(const char *haystack, const char *needle);

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                            \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fprintf(stderr, "\n");                                                                     \
        return 1;                                                                                  \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);               \
            print_last_error();                                                                    \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_STATUS(expr, want)                                                                   \
    do {                                                                                           \
        openai_status st_ = (expr);                                                                \
        if (st_ != (openai_status)(want)) {                                                        \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s\n", __FILE__, __LINE__, #expr,     \
                    status_name(st_), status_name((openai_status)(want)));                         \
            print_last_error();                                                                    \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, OPENAI_STATUS_OK)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *g_ = (got);                                                                    \
        const char *w_ = (want);                                                                   \
        if (g_ == NULL || strcmp(g_, w_) != 0) {                                                   \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #got,    \
                    g_ ? g_ : "(null)", w_);                                                       \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_CONTAINS(got, needle)                                                                \
    do {                                                                                           \
        const char *g_ = (got);                                                                    \
        if (!contains(g_, (needle))) {                                                             \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected it to contain \"%s\"\n", __FILE__,      \
                    __LINE__, #got, g_ ? g_ : "(null)", (needle));                                 \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#endif
