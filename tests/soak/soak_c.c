/* The C part of `make soak`: THREADS threads share one client per fault kind and loop over a
 * fault mix against the mock until DURATION seconds have passed. Every call's status is counted
 * by name; a status not expected for its fault is an "untyped" failure. Prints one line per
 * (fault, status) and the totals; exit 0 only if every failure was the expected one.
 *
 * usage: soak_c BASE_URL THREADS DURATION_S */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "openai.h"

struct fault {
  const char *name, *spec;
  int stream;
  openai_status want; /* OK, or the one error status this fault must give */
  openai_client *client;
  atomic_long ok, expected, unexpected;
};

static struct fault faults[] = {
    {"ok", "", 0, OPENAI_STATUS_OK, NULL, 0, 0, 0},
    {"stream-ok", "", 1, OPENAI_STATUS_OK, NULL, 0, 0, 0},
    {"429", "status=429", 0, OPENAI_STATUS_RATE_LIMITED, NULL, 0, 0, 0},
    {"500", "status=500", 0, OPENAI_STATUS_SERVER, NULL, 0, 0, 0},
    {"reset", "reset", 0, OPENAI_STATUS_CONNECTION, NULL, 0, 0, 0},
    {"malformed-json", "malformed-json", 0, OPENAI_STATUS_DECODE, NULL, 0, 0, 0},
    {"stall", "delay-headers=2000", 0, OPENAI_STATUS_TIMEOUT, NULL, 0, 0, 0},
    {"stream-truncated", "truncate-after=2", 1, OPENAI_STATUS_STREAM_TRUNCATED, NULL, 0, 0, 0},
    {"stream-reset", "reset-after=2", 1, OPENAI_STATUS_STREAM_TRUNCATED, NULL, 0, 0, 0},
    {"stream-error-event", "error-after=2", 1, OPENAI_STATUS_STREAM_EVENT, NULL, 0, 0, 0},
    {"stream-stall", "stall-after=1", 1, OPENAI_STATUS_TIMEOUT, NULL, 0, 0, 0},
};
#define NFAULTS (sizeof faults / sizeof faults[0])

static double deadline;
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg) {
  unsigned seed = (unsigned)(size_t)arg;
  openai_chat_request *r = NULL;
  if (openai_chat_request_new("gpt-4o-mini", &r) ||
      openai_chat_request_add_message(r, OPENAI_ROLE_USER, "one two three four five"))
    return NULL;
  while (now_s() < deadline) {
    struct fault *f = &faults[rand_r(&seed) % NFAULTS];
    openai_status st;
    if (f->stream) {
      openai_chat_stream *s = NULL;
      const openai_chat_delta *d = NULL;
      st = openai_client_chat_stream(f->client, r, NULL, &s);
      while (st == OPENAI_STATUS_OK && (st = openai_chat_stream_next(s, &d)) == OPENAI_STATUS_OK && d) {
      }
      openai_chat_stream_free(s);
    } else {
      openai_chat_response *resp = NULL;
      st = openai_client_chat(f->client, r, NULL, &resp);
      openai_chat_response_free(resp);
    }
    if (st == OPENAI_STATUS_OK && f->want == OPENAI_STATUS_OK)
      atomic_fetch_add(&f->ok, 1);
    else if (st == f->want)
      atomic_fetch_add(&f->expected, 1);
    else {
      atomic_fetch_add(&f->unexpected, 1);
      fprintf(stderr, "soak_c: %s gave %s: %s\n", f->name, openai_status_name(st),
              openai_last_error_message());
    }
  }
  openai_chat_request_free(r);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s BASE_URL THREADS DURATION_S\n", argv[0]);
    return 2;
  }
  int threads = atoi(argv[2]);
  pthread_t th[256];
  if (threads < 1 || threads > 256) return 2;
  for (size_t i = 0; i < NFAULTS; i++) {
    openai_client_options *o = NULL;
    if (openai_client_options_new(&o) || openai_client_options_set_base_url(o, argv[1]) ||
        openai_client_options_set_api_key(o, "sk-soak") || openai_client_options_set_max_retries(o, 0) ||
        openai_client_options_set_request_timeout_ms(o, 300) ||
        openai_client_options_set_stream_idle_timeout_ms(o, 300) ||
        (faults[i].spec[0] && openai_client_options_add_header(o, "x-mock-fault", faults[i].spec)) ||
        openai_client_new(o, &faults[i].client)) {
      fprintf(stderr, "soak_c: client: %s\n", openai_last_error_message());
      return 2;
    }
    openai_client_options_free(o);
  }
  deadline = now_s() + atof(argv[3]);
  printf("ready\n");
  fflush(stdout);
  for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, worker, (void *)(size_t)(i + 1));
  for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
  long bad = 0;
  for (size_t i = 0; i < NFAULTS; i++) {
    printf("c %s ok=%ld expected_error=%ld untyped=%ld\n", faults[i].name, atomic_load(&faults[i].ok),
           atomic_load(&faults[i].expected), atomic_load(&faults[i].unexpected));
    bad += atomic_load(&faults[i].unexpected);
    openai_client_free(faults[i].client);
  }
  return bad ? 1 : 0;
}
