/* The bulk runner from C against the mock: every row once through the result callback, the
 * output file, resume, a callback that stops the run, a 429 burst and bad input. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <unistd.h>

#include "harness.h"

#define ROWS 24

struct seen {
    int answered[ROWS];
    int ok, failed, progress_calls, stop_after;
    uint64_t last_done;
    int64_t last_total;
};

static int on_result(void *user_data, const openai_bulk_result *r) {
    struct seen *s = user_data;
    int i;
    if (r->status == OPENAI_STATUS_OK) {
        s->ok++;
        if (sscanf(r->custom_id, "row-%d", &i) == 1 && i >= 0 && i < ROWS) s->answered[i]++;
        if (!contains(r->line_json, "\"status_code\":200") || r->error_message != NULL) return 1;
    } else {
        s->failed++;
    }
    if (!contains(r->line_json, r->custom_id)) return 1;
    if (s->stop_after && s->ok + s->failed >= s->stop_after) return 1;
    return OPENAI_ITER_CONTINUE;
}

static int on_progress(void *user_data, const openai_bulk_progress *p) {
    struct seen *s = user_data;
    s->progress_calls++;
    s->last_done = p->done;
    s->last_total = p->total;
    return OPENAI_ITER_CONTINUE;
}

static const char *write_input(const char *name, int rows, const char *extra, char *path, size_t cap) {
    FILE *f;
    int i;
    snprintf(path, cap, "/tmp/openai-c-bulk-%ld-%s", (long)getpid(), name);
    f = fopen(path, "wb");
    if (!f) return NULL;
    for (i = 0; i < rows; i++)
        fprintf(f,
                "{\"custom_id\":\"row-%d\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                "\"body\":{\"model\":\"" MODEL "\",\"messages\":[{\"role\":\"user\",\"content\":\"row %d\"}]}}\n",
                i, i);
    if (extra) fputs(extra, f);
    fclose(f);
    return path;
}

/* Lines of a file, and how often `needle` occurs in it. */
static int count_in_file(const char *path, const char *needle, int *lines) {
    char buf[8192];
    int n = 0;
    FILE *f = fopen(path, "rb");
    *lines = 0;
    if (!f) return -1;
    while (fgets(buf, sizeof buf, f)) {
        (*lines)++;
        if (strstr(buf, needle)) n++;
    }
    fclose(f);
    return n;
}

static int each_row_once(const char *out) {
    char needle[64];
    int i, lines;
    for (i = 0; i < ROWS; i++) {
        snprintf(needle, sizeof needle, "\"custom_id\":\"row-%d\"", i);
        if (count_in_file(out, needle, &lines) != 1) {
            fprintf(stderr, "row-%d is in %s %d times\n", i, out, count_in_file(out, needle, &lines));
            return 0;
        }
    }
    return 1;
}

int test_bulk_every_row_once_and_resume(void) {
    const char *id = test_id("bulk");
    openai_client *c = mock_client(NULL, NULL, 0);
    char in[256], out[300], opts[256];
    struct seen s;
    openai_bulk_summary sum;
    int i, lines;
    const char *bad = "{\"custom_id\":\"bad-url\",\"url\":\"/v1/images/generations\",\"body\":{}}\n";
    CHECK(c != NULL);
    /* A url the runner does not serve is refused with the whole file, before anything is sent. */
    CHECK(write_input("once.jsonl", ROWS, bad, in, sizeof in) != NULL);
    snprintf(out, sizeof out, "%s.out", in);
    unlink(out);
    snprintf(opts, sizeof opts, "{\"concurrency\":4,\"headers\":{\"x-test-id\":\"%s\"}}", id);
    CHECK_STATUS(openai_client_bulk_run(c, in, out, opts, NULL, NULL, NULL, NULL, NULL),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_CONTAINS(openai_last_error_message(), "line 25");
    CHECK(journal_count(id) == 0);

    CHECK(write_input("once.jsonl", ROWS, NULL, in, sizeof in) != NULL);
    memset(&s, 0, sizeof s);
    CHECK_OK(openai_client_bulk_run(c, in, out, opts, NULL, on_result, on_progress, &s, &sum));
    CHECK(sum.ok == ROWS && sum.failed == 0 && sum.skipped == 0);
    CHECK(s.ok == ROWS && s.failed == 0);
    for (i = 0; i < ROWS; i++) CHECK(s.answered[i] == 1);
    CHECK(s.progress_calls > 0 && s.last_done == ROWS && s.last_total == ROWS);
    CHECK(sum.prompt_tokens > 0 && sum.cost_usd > 0);
    CHECK(journal_count(id) == ROWS);
    CHECK(each_row_once(out));

    /* Again: every row is in the output already, nothing is sent. */
    memset(&s, 0, sizeof s);
    CHECK_OK(openai_client_bulk_run(c, in, out, opts, NULL, on_result, NULL, &s, &sum));
    CHECK(sum.skipped == ROWS && sum.ok == 0 && s.ok == 0);
    CHECK(journal_count(id) == ROWS);
    CHECK(count_in_file(out, "custom_id", &lines) == ROWS && lines == ROWS);
    unlink(in);
    unlink(out);
    openai_client_free(c);
    return 0;
}

int test_bulk_callback_stops_and_resume(void) {
    const char *id = test_id("bulk-stop");
    openai_client *c = mock_client(NULL, NULL, 0);
    char in[256], out[300], opts[256];
    struct seen s;
    openai_bulk_summary sum;
    int lines, kept;
    CHECK(c != NULL);
    CHECK(write_input("stop.jsonl", ROWS, NULL, in, sizeof in) != NULL);
    snprintf(out, sizeof out, "%s.out", in);
    unlink(out);
    snprintf(opts, sizeof opts,
             "{\"concurrency\":2,\"headers\":{\"x-test-id\":\"%s\",\"x-mock-fault\":\"latency=20\"}}", id);
    memset(&s, 0, sizeof s);
    s.stop_after = 5;
    memset(&sum, 0x5e, sizeof sum);
    CHECK_STATUS(openai_client_bulk_run(c, in, out, opts, NULL, on_result, NULL, &s, &sum),
                 OPENAI_STATUS_ABORTED_BY_CALLBACK);
    CHECK(sum.ok == 0x5e5e5e5e5e5e5e5eULL); /* not written on failure */
    CHECK(count_in_file(out, "custom_id", &lines) >= 5);
    kept = lines;
    CHECK(kept >= 5 && kept < ROWS);

    /* A cancel token that has fired stops the run at once. */
    {
        openai_cancel_token *t = NULL;
        CHECK_OK(openai_cancel_token_new(&t));
        openai_cancel_token_cancel(t);
        CHECK_STATUS(openai_client_bulk_run(c, in, out, opts, t, NULL, NULL, NULL, NULL),
                     OPENAI_STATUS_CANCELLED);
        openai_cancel_token_free(t);
    }
    count_in_file(out, "custom_id", &lines);
    kept = lines;

    memset(&s, 0, sizeof s);
    CHECK_OK(openai_client_bulk_run(c, in, out, opts, NULL, on_result, NULL, &s, &sum));
    CHECK((int)sum.skipped == kept && (int)sum.ok == ROWS - kept);
    CHECK(each_row_once(out));
    unlink(in);
    unlink(out);
    openai_client_free(c);
    return 0;
}

int test_bulk_rate_limited_and_bad_input(void) {
    const char *id = test_id("bulk-429");
    openai_client *c = mock_client(NULL, NULL, 0);
    char in[256], opts[256];
    struct seen s;
    openai_bulk_summary sum;
    int i;
    CHECK(c != NULL);
    CHECK(write_input("burst.jsonl", ROWS, NULL, in, sizeof in) != NULL);
    /* The server holds 5 requests and refills 10 a second; 8 go out at once. */
    snprintf(opts, sizeof opts,
             "{\"concurrency\":8,\"headers\":{\"x-test-id\":\"%s\",\"x-mock-fault\":\"rpm=600;rate-window=500\"}}",
             id);
    memset(&s, 0, sizeof s);
    CHECK_OK(openai_client_bulk_run(c, in, NULL, opts, NULL, on_result, NULL, &s, &sum));
    CHECK(sum.ok == ROWS && s.ok == ROWS);
    for (i = 0; i < ROWS; i++) CHECK(s.answered[i] == 1);
    CHECK(sum.rate_limited >= 1 && sum.rate_limited <= 8);
    CHECK(sum.pauses >= 1 && sum.pauses <= 3);
    CHECK(journal_count(id) == ROWS + (int)sum.rate_limited);

    CHECK_STATUS(openai_client_bulk_run(c, in, NULL, "{\"concurency\":2}", NULL, NULL, NULL, NULL, NULL),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_CONTAINS(openai_last_error_message(), "concurency");
    CHECK_STATUS(openai_client_bulk_run(c, in, NULL, "{\"concurrency\":0}", NULL, NULL, NULL, NULL, NULL),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_client_bulk_run(c, "/nonexistent/in.jsonl", NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    unlink(in);
    openai_client_free(c);
    return 0;
}

/* The same file through the Batch API: every row answered once through the callback, in input
 * order; a second run with the state file creates no new batch; an output path is refused. */
int test_bulk_through_the_batch_api(void) {
    const char *id = test_id("bulk-batch");
    openai_client *c = mock_client(NULL, NULL, 0);
    char in[256], state[300], opts[512];
    struct seen s;
    openai_bulk_summary sum;
    int i, batches_before;
    CHECK(c != NULL);
    CHECK(write_input("batch.jsonl", ROWS, NULL, in, sizeof in) != NULL);
    snprintf(state, sizeof state, "%s.state", in);
    unlink(state);
    snprintf(opts, sizeof opts,
             "{\"headers\":{\"x-test-id\":\"%s\",\"x-mock-fault\":\"batch-polls=2\"},"
             "\"batch_api\":{\"state_file\":\"%s\",\"poll_interval_ms\":1}}",
             id, state);
    CHECK_STATUS(openai_client_bulk_run(c, in, "/tmp/never-written", opts, NULL, NULL, NULL, NULL, NULL),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK(journal_count(id) == 0);

    memset(&s, 0, sizeof s);
    CHECK_OK(openai_client_bulk_run(c, in, NULL, opts, NULL, on_result, on_progress, &s, &sum));
    CHECK(sum.ok == ROWS && sum.failed == 0);
    CHECK(s.ok == ROWS);
    for (i = 0; i < ROWS; i++) CHECK(s.answered[i] == 1);
    CHECK(s.progress_calls > 0 && s.last_done == ROWS);
    CHECK(sum.prompt_tokens > 0);
    batches_before = journal_count(id);
    CHECK(batches_before > 0);

    memset(&s, 0, sizeof s);
    CHECK_OK(openai_client_bulk_run(c, in, NULL, opts, NULL, on_result, NULL, &s, &sum));
    CHECK(s.ok == ROWS && sum.ok == ROWS);
    /* The rerun only polls and downloads: one GET per batch and file, no upload, no create. */
    {
        char *journal = journal_json(id);
        int creates = 0;
        const char *p = journal;
        while (p && (p = strstr(p, "\"method\":\"POST\",\"path\":\"/v1/batches\"")) != NULL) {
            creates++;
            p++;
        }
        openai_string_free(journal);
        CHECK(creates == 1);
    }
    unlink(in);
    unlink(state);
    openai_client_free(c);
    return 0;
}
