/* One benchmark client process for libopenai:
 *   c_client --base URL --mode seq|conc|queue|stream|rseq|rstream|upload|download|bulk [--n N]
 *            [--concurrency C] [--seconds S] [--file F] [--rpm R] [--fault F]
 * Prints one JSON object (latencies in ms, counts, elapsed seconds), like the other clients. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "openai.h"

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This process's own peak RSS (VmHWM), -1 if unknown. The harness's wait4 figure is no use: a
 * child's ru_maxrss starts at the RSS of the harness it was forked from, before the exec. */
static long peak_rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) { kib = atol(line + 6); break; }
  fclose(f);
  return kib;
}

static const char *base = NULL;
static const char *mode = "seq";
static const char *stream_fault = "events=99"; /* stream modes: the mock's fault header */
static long n = 100, concurrency = 64, rpm = 0;
static double seconds = 30.0, started = 0.0;
static const char *file = NULL;

static int count_bytes(void *user_data, const uint8_t *data, size_t len) {
  (void)data;
  *(long *)user_data += (long)len;
  return OPENAI_ITER_CONTINUE;
}

static openai_client *make_client(const char *fault) {
  openai_client_options *o = NULL;
  openai_client *c = NULL;
  if (openai_client_options_new(&o) != OPENAI_STATUS_OK) return NULL;
  openai_client_options_set_api_key(o, "sk-bench");
  openai_client_options_set_base_url(o, base);
  openai_client_options_set_max_retries(o, 0);
  if (fault) openai_client_options_add_header(o, "x-mock-fault", fault);
  if (openai_client_new(o, &c) != OPENAI_STATUS_OK) c = NULL;
  openai_client_options_free(o);
  return c;
}

static openai_chat_request *hello(void) {
  openai_chat_request *r = NULL;
  if (openai_chat_request_new("gpt-4o-mini", &r) != OPENAI_STATUS_OK) return NULL;
  openai_chat_request_add_message(r, OPENAI_ROLE_USER, "Hello!");
  return r;
}

/* One non-streaming call; 0 on success. */
static int one(const openai_client *c, const openai_chat_request *req) {
  openai_chat_response *resp = NULL;
  if (openai_client_chat(c, req, NULL, &resp) != OPENAI_STATUS_OK) return 1;
  int bad = openai_chat_response_content(resp, 0) == NULL;
  openai_chat_response_free(resp);
  return bad;
}

struct worker {
  const openai_client *client;
  const openai_chat_request *req;
  long count;
  double *lat;
  long done;
  long errors;
};

struct bulk_count {
  long ok, failed;
};

/* Every finished row of a bulk run: its Batch API output line is there to read; count it. */
static int on_bulk_row(void *user_data, const openai_bulk_result *r) {
  struct bulk_count *c = user_data;
  if (r->status == OPENAI_STATUS_OK && r->line_json) c->ok++;
  else c->failed++;
  return OPENAI_ITER_CONTINUE;
}

static void *run_worker(void *arg) {
  struct worker *w = arg;
  for (long i = 0; i < w->count; i++) {
    double t = now_s();
    w->errors += one(w->client, w->req);
    w->lat[w->done++] = (now_s() - t) * 1e3;
    if (now_s() - started > seconds) break;
  }
  return NULL;
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--base")) base = argv[i + 1];
    else if (!strcmp(argv[i], "--mode")) mode = argv[i + 1];
    else if (!strcmp(argv[i], "--n")) n = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--concurrency")) concurrency = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--file")) file = argv[i + 1];
    else if (!strcmp(argv[i], "--rpm")) rpm = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--fault")) stream_fault = argv[i + 1];
    else { fprintf(stderr, "unknown flag %s\n", argv[i]); return 2; }
  }
  if (!base || n <= 0 || concurrency <= 0) { fprintf(stderr, "usage: --base URL\n"); return 2; }
  int streaming = !strcmp(mode, "stream") || !strcmp(mode, "rstream");
  openai_client *client = make_client(streaming ? stream_fault : NULL);
  openai_chat_request *req = hello();
  if (!client || !req) { fprintf(stderr, "setup failed: %s\n", openai_last_error_message()); return 1; }
  double *lat = calloc((size_t)n + (size_t)concurrency, sizeof(double));
  long done = 0, errors = 0, chunks = 0, rate_limited = -1, nlat = -1;
  started = now_s();
  double cpu0 = cpu_s();
  if (!strcmp(mode, "seq")) {
    struct worker w = {client, req, n, lat, 0, 0};
    run_worker(&w);
    done = w.done; errors = w.errors;
  } else if (!strcmp(mode, "conc")) {
    long per = (n + concurrency - 1) / concurrency;
    pthread_t *th = calloc((size_t)concurrency, sizeof(pthread_t));
    struct worker *ws = calloc((size_t)concurrency, sizeof(struct worker));
    for (long t = 0; t < concurrency; t++) {
      ws[t] = (struct worker){client, req, per, calloc((size_t)per, sizeof(double)), 0, 0};
      pthread_create(&th[t], NULL, run_worker, &ws[t]);
    }
    for (long t = 0; t < concurrency; t++) {
      pthread_join(th[t], NULL);
      for (long k = 0; k < ws[t].done && done < n; k++) lat[done++] = ws[t].lat[k];
      errors += ws[t].errors;
      free(ws[t].lat);
    }
    free(th); free(ws);
  } else if (!strcmp(mode, "queue")) {
    /* One thread, `concurrency` requests kept in flight through the completion queue. */
    openai_queue *q = NULL;
    double *sent = calloc((size_t)concurrency, sizeof(double));
    long submitted = 0;
    if (openai_queue_new(client, &q) != OPENAI_STATUS_OK) { fprintf(stderr, "queue: %s\n", openai_last_error_message()); return 1; }
    for (long s = 0; s < concurrency && submitted < n; s++, submitted++) {
      sent[s] = now_s();
      if (openai_queue_submit_chat(q, req, (uint64_t)s, NULL) != OPENAI_STATUS_OK) errors++;
    }
    while (openai_queue_outstanding(q) > 0) {
      struct pollfd p = {openai_queue_fd(q), POLLIN, 0};
      openai_completion *k;
      if (poll(&p, 1, 10000) <= 0) { fprintf(stderr, "queue: nothing within 10 s\n"); return 1; }
      while ((k = openai_queue_pop(q)) != NULL) {
        long s = (long)openai_completion_tag(k);
        lat[done++] = (now_s() - sent[s]) * 1e3;
        if (openai_completion_status(k) != OPENAI_STATUS_OK ||
            openai_chat_response_content(openai_completion_chat_response(k), 0) == NULL) errors++;
        openai_completion_free(k);
        if (submitted < n && now_s() - started <= seconds) {
          sent[s] = now_s();
          submitted++;
          if (openai_queue_submit_chat(q, req, (uint64_t)s, NULL) != OPENAI_STATUS_OK) errors++;
        }
      }
    }
    openai_queue_free(q);
    free(sent);
  } else if (!strcmp(mode, "bulk")) {
    /* N chat rows as a Batch API input file, written before the clock starts (the caller's
     * data), run by openai_client_bulk_run at --concurrency, under --rpm when given. */
    char input[] = "/tmp/c_client_bulk_XXXXXX";
    int fd = mkstemp(input);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) { fprintf(stderr, "cannot write the bulk input\n"); return 1; }
    for (long i = 0; i < n; i++)
      fprintf(f, "{\"custom_id\":\"row-%ld\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                 "\"body\":{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}}\n",
              i);
    fclose(f);
    char options[128];
    if (rpm > 0) snprintf(options, sizeof options, "{\"concurrency\":%ld,\"max_retries\":2,\"rpm\":%ld}", concurrency, rpm);
    else snprintf(options, sizeof options, "{\"concurrency\":%ld,\"max_retries\":2}", concurrency);
    struct bulk_count count = {0, 0};
    openai_bulk_summary summary;
    started = now_s();
    cpu0 = cpu_s();
    openai_status st = openai_client_bulk_run(client, input, NULL, options, NULL, on_bulk_row, NULL, &count, &summary);
    remove(input);
    if (st != OPENAI_STATUS_OK) { fprintf(stderr, "bulk run failed: %s\n", openai_last_error_message()); return 1; }
    done = count.ok + count.failed;
    errors = count.failed;
    rate_limited = (long)summary.rate_limited;
    nlat = 0; /* a run has no per-row latencies to report */
  } else if (!strcmp(mode, "upload") || !strcmp(mode, "download")) {
    char id[128] = "", *json = NULL;
    FILE *f = file ? fopen(file, "rb") : NULL;
    long size = 0;
    if (!f) { fprintf(stderr, "--file is needed\n"); return 2; }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fclose(f);
    if (!strcmp(mode, "download")) {
      if (openai_client_files_upload(client, file, "user_data", NULL, &json) != OPENAI_STATUS_OK) return 1;
      sscanf(strstr(json, "\"id\":\"") + 6, "%127[^\"]", id);
      openai_string_free(json);
    }
    for (long i = 0; i < n; i++) {
      double t = now_s();
      if (!id[0]) {
        json = NULL;
        if (openai_client_files_upload(client, file, "user_data", NULL, &json) != OPENAI_STATUS_OK) errors++;
        else chunks += size;
        openai_string_free(json);
      } else {
        char path[200];
        snprintf(path, sizeof path, "{\"file_id\":\"%s\"}", id);
        if (openai_client_download_each(client, "downloadFile", path, NULL, NULL, NULL, count_bytes, &chunks, NULL) !=
            OPENAI_STATUS_OK)
          errors++;
      }
      lat[done++] = (now_s() - t) * 1e3;
      if (now_s() - started > seconds) break;
    }
  } else if (!strcmp(mode, "rseq") || !strcmp(mode, "rstream")) {
    openai_responses_request *rr = NULL;
    if (openai_responses_request_new("gpt-4o-mini", "Hello!", &rr) != OPENAI_STATUS_OK) return 1;
    for (long i = 0; i < n; i++) {
      double t = now_s();
      if (!strcmp(mode, "rseq")) {
        openai_response *r = NULL;
        if (openai_client_responses_create(client, rr, NULL, &r) != OPENAI_STATUS_OK) errors++;
        else (void)openai_response_output_text(r);
        openai_response_free(r);
      } else {
        openai_responses_stream *s = NULL;
        const openai_response_event *e = NULL;
        if (openai_client_responses_stream(client, rr, NULL, &s) != OPENAI_STATUS_OK) { errors++; continue; }
        for (;;) {
          if (openai_responses_stream_next(s, &e) != OPENAI_STATUS_OK) { errors++; break; }
          if (!e) break;
          (void)openai_response_event_type(e);
          chunks++;
        }
        openai_responses_stream_free(s);
      }
      lat[done++] = (now_s() - t) * 1e3;
      if (now_s() - started > seconds) break;
    }
    openai_responses_request_free(rr);
  } else if (streaming) {
    for (long i = 0; i < n; i++) {
      double t = now_s();
      openai_chat_stream *s = NULL;
      if (openai_client_chat_stream(client, req, NULL, &s) != OPENAI_STATUS_OK) { errors++; continue; }
      const openai_chat_delta *d = NULL;
      for (;;) {
        if (openai_chat_stream_next(s, &d) != OPENAI_STATUS_OK) { errors++; break; }
        if (!d) break;
        (void)openai_chat_delta_content(d);
        chunks++;
      }
      openai_chat_stream_free(s);
      lat[done++] = (now_s() - t) * 1e3;
      if (now_s() - started > seconds) break;
    }
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  double elapsed = now_s() - started;
  printf("{\"requests\": %ld, \"errors\": %ld, \"chunks\": %ld, \"elapsed_s\": %.6f, \"cpu_loop_s\": %.6f, \"peak_rss_kib\": %ld, ",
         done, errors, chunks, elapsed, cpu_s() - cpu0, peak_rss_kib());
  if (rate_limited >= 0) printf("\"rate_limited\": %ld, ", rate_limited);
  printf("\"latencies_ms\": [");
  if (nlat < 0) nlat = done;
  for (long i = 0; i < nlat; i++) printf(i ? ",%.4f" : "%.4f", lat[i]);
  printf("]}\n");
  free(lat);
  openai_chat_request_free(req);
  openai_client_free(client);
  return 0;
}
