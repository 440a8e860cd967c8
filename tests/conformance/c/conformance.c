/* Conformance of the C library to the official OpenAPI spec (issue 7).
 *
 * Run by scripts/conformance/run.sh (make conformance) against Prism serving the prepared spec,
 * with OPENAI_CONFORMANCE_URL=http://127.0.0.1:PORT/v1. Without it, it fails: nothing passes
 * here without having talked to the spec's server.
 *
 * The same matrix as the Rust and Python suites, through the C API: every endpoint with a
 * minimal request and with every typed parameter (2xx and parsed), a negative canary per
 * endpoint (an invalid body must get 422, else Prism skipped validation), and a forced 429. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "openai.h"

static int failures = 0, passes = 0;

static void check(int ok, const char *what) {
  if (ok) {
    passes++;
    printf("ok   %s\n", what);
  } else {
    failures++;
    printf("FAIL %s: %s (status %s, http %u)\n", what, openai_last_error_message(),
           openai_status_name(openai_last_error_status()), (unsigned)openai_last_error_http_status());
  }
}

static openai_client *client_with(const char *url, uint32_t retries, const char *prefer) {
  openai_client_options *o = NULL;
  openai_client *c = NULL;
  if (openai_client_options_new(&o)) return NULL;
  openai_client_options_set_api_key(o, "sk-test");
  openai_client_options_set_base_url(o, url);
  openai_client_options_set_max_retries(o, retries);
  if (prefer) openai_client_options_add_header(o, "Prefer", prefer);
  if (openai_client_new(o, &c)) c = NULL;
  openai_client_options_free(o);
  return c;
}

static int chat_ok(const openai_client *c, openai_chat_request *req) {
  openai_chat_response *resp = NULL;
  openai_status st = openai_client_chat(c, req, NULL, &resp);
  int ok = st == OPENAI_STATUS_OK && openai_chat_response_choice_count(resp) >= 1 &&
           openai_chat_response_raw_json(resp) != NULL;
  openai_chat_response_free(resp);
  return ok;
}

static int json_ok(openai_status st, char *out) {
  int ok = st == OPENAI_STATUS_OK && out != NULL && out[0] == '{';
  openai_string_free(out);
  return ok;
}

/* An invalid body sent as-is (the client's own checks would stop it otherwise). */
static int canary_422(const openai_client *c, const char *method, const char *path, const char *body) {
  char *out = NULL;
  openai_status st = openai_client_request_json(c, method, path, body, NULL, &out);
  openai_string_free(out);
  return st == OPENAI_STATUS_UNPROCESSABLE_ENTITY && openai_last_error_http_status() == 422;
}

/* ---- a TCP proxy in front of Prism that counts the client's attempts -------------------------
 * Like the Rust suite's CountingProxy: every request the client sends carries
 * x-stainless-retry-count, so its lines in the forwarded bytes are the attempts (their values in
 * order); the Retry-After of the answers is noted too, since it decides how many attempts are
 * right (above the 120 s cap the client fails fast). */
struct counting_proxy {
  int listener;
  int upstream_port;
  pthread_mutex_t lock;
  char counts[16]; /* the retry-count values seen, as digits, in order */
  int attempts;
  double retry_after; /* of the last answer; -1 if none */
};

/* Scans `line` (one header line, lowercased) for the two headers of interest. */
static void proxy_line(struct counting_proxy *p, const char *line, int from_client) {
  pthread_mutex_lock(&p->lock);
  if (from_client && strncmp(line, "x-stainless-retry-count:", 24) == 0) {
    const char *v = line + 24;
    while (*v == ' ') v++;
    if (p->attempts < (int)sizeof p->counts - 1) p->counts[p->attempts] = *v;
    p->attempts++;
  } else if (!from_client && strncmp(line, "retry-after:", 12) == 0) {
    p->retry_after = atof(line + 12);
  }
  pthread_mutex_unlock(&p->lock);
}

/* Splits forwarded bytes into lines (kept across reads in `acc`). */
static void proxy_scan(struct counting_proxy *p, char *acc, size_t *len, const char *buf, size_t n,
                       int from_client) {
  for (size_t i = 0; i < n; i++) {
    char ch = buf[i];
    if (ch == '\n') {
      acc[*len] = '\0';
      proxy_line(p, acc, from_client);
      *len = 0;
    } else if (ch != '\r' && *len < 255) {
      acc[(*len)++] = (char)tolower((unsigned char)ch);
    }
  }
}

struct proxy_conn {
  struct counting_proxy *p;
  int in;
};

/* Forwards one client connection to Prism and back, scanning both directions. */
static void *proxy_conn_main(void *arg) {
  struct proxy_conn *pc = arg;
  struct counting_proxy *p = pc->p;
  int in = pc->in;
  free(pc);
  int out = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in up;
  memset(&up, 0, sizeof up);
  up.sin_family = AF_INET;
  up.sin_port = htons((unsigned short)p->upstream_port);
  up.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (out < 0 || connect(out, (struct sockaddr *)&up, sizeof up) != 0) {
    close(in);
    if (out >= 0) close(out);
    return NULL;
  }
  char acc_in[256], acc_out[256], buf[16384];
  size_t len_in = 0, len_out = 0;
  struct pollfd fds[2] = {{in, POLLIN, 0}, {out, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, 60000) <= 0) break;
    if (fds[0].revents) {
      ssize_t n = read(in, buf, sizeof buf);
      if (n <= 0 || write(out, buf, (size_t)n) != n) break;
      proxy_scan(p, acc_in, &len_in, buf, (size_t)n, 1);
    }
    if (fds[1].revents) {
      ssize_t n = read(out, buf, sizeof buf);
      if (n <= 0 || write(in, buf, (size_t)n) != n) break;
      proxy_scan(p, acc_out, &len_out, buf, (size_t)n, 0);
    }
  }
  close(in);
  close(out);
  return NULL;
}

static void *proxy_main(void *arg) {
  struct counting_proxy *p = arg;
  for (;;) {
    pthread_t th;
    struct proxy_conn *pc = malloc(sizeof *pc);
    if (!pc) return NULL;
    pc->p = p;
    pc->in = accept(p->listener, NULL, NULL);
    if (pc->in < 0 || pthread_create(&th, NULL, proxy_conn_main, pc) != 0) {
      if (pc->in >= 0) close(pc->in);
      free(pc);
      return NULL;
    }
    pthread_detach(th);
  }
}

/* Starts the proxy for `upstream` (http://127.0.0.1:PORT/v1); writes its base URL to `url`. */
static int proxy_start(struct counting_proxy *p, const char *upstream, char *url, size_t url_len) {
  struct sockaddr_in addr;
  socklen_t alen = sizeof addr;
  pthread_t th;
  const char *port = strrchr(upstream, ':');
  memset(p, 0, sizeof *p);
  p->retry_after = -1;
  pthread_mutex_init(&p->lock, NULL);
  if (!port || strncmp(upstream, "http://127.0.0.1:", 17) != 0) return -1;
  p->upstream_port = atoi(port + 1);
  p->listener = socket(AF_INET, SOCK_STREAM, 0);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (p->listener < 0 || bind(p->listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      listen(p->listener, 8) != 0 || getsockname(p->listener, (struct sockaddr *)&addr, &alen) != 0)
    return -1;
  snprintf(url, url_len, "http://127.0.0.1:%d/v1", ntohs(addr.sin_port));
  if (pthread_create(&th, NULL, proxy_main, p) != 0) return -1;
  pthread_detach(th);
  return 0;
}

int main(void) {
  const char *url = getenv("OPENAI_CONFORMANCE_URL");
  if (!url || !*url) {
    fprintf(stderr, "OPENAI_CONFORMANCE_URL is not set: run `make conformance`\n");
    return 2;
  }
  openai_client *c = client_with(url, 0, NULL);
  if (!c) { fprintf(stderr, "client: %s\n", openai_last_error_message()); return 2; }

  /* chat: minimal */
  openai_chat_request *req = NULL;
  openai_chat_request_new("gpt-4o-mini", &req);
  openai_chat_request_add_message(req, OPENAI_ROLE_USER, "Hello!");
  check(chat_ok(c, req), "chat: minimal");
  openai_chat_request_free(req);

  /* chat: every typed parameter, every role, image parts, tools */
  req = NULL;
  openai_chat_request_new("gpt-4o", &req);
  openai_chat_request_add_message(req, OPENAI_ROLE_SYSTEM, "You are terse.");
  openai_chat_request_add_message(req, OPENAI_ROLE_DEVELOPER, "Answer in French.");
  openai_chat_request_add_message(req, OPENAI_ROLE_USER, "What is in this image?");
  openai_chat_request_add_image_url(req, "https://example.com/cat.png", OPENAI_IMAGE_DETAIL_LOW);
  openai_chat_request_add_text_part(req, "And the weather?");
  openai_chat_request_set_field(req, "tools",
      "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather\","
      "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]");
  openai_chat_request_set_field(req, "tool_choice", "\"auto\"");
  openai_chat_request_set_max_tokens(req, 50);
  openai_chat_request_set_temperature(req, 0.5);
  openai_chat_request_set_field(req, "top_p", "0.9");
  openai_chat_request_set_field(req, "n", "1");
  openai_chat_request_set_field(req, "stop", "[\"\\n\\n\"]");
  openai_chat_request_set_field(req, "seed", "42");
  openai_chat_request_set_field(req, "user", "user-1");
  check(chat_ok(c, req), "chat: every typed parameter");
  openai_chat_request_set_json_mode(req, true);
  check(chat_ok(c, req), "chat: json_object response format");
  openai_chat_request_set_field(req, "response_format",
      "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"answer\",\"schema\":{\"type\":\"object\","
      "\"properties\":{\"a\":{\"type\":\"string\"}}}}}");
  openai_chat_request_set_field(req, "max_tokens", "null");
  openai_chat_request_set_field(req, "max_completion_tokens", "60");
  check(chat_ok(c, req), "chat: json_schema response format, max_completion_tokens");
  openai_chat_request_free(req);

  /* chat: a raw body with an assistant tool call and its result */
  req = NULL;
  openai_chat_request_from_json(
      "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
      "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
      "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
      "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny\"}]}",
      &req);
  check(req != NULL && chat_ok(c, req), "chat: tool call and tool result from a raw body");
  openai_chat_request_free(req);

  /* images */
  openai_images_response *img = NULL;
  openai_status st = openai_client_images_generate(c, "{\"prompt\":\"A cat\"}", NULL, &img);
  check(st == OPENAI_STATUS_OK && openai_images_response_count(img) >= 1, "images: minimal");
  openai_images_response_free(img);
  img = NULL;
  st = openai_client_images_generate(c,
      "{\"prompt\":\"A cat\",\"model\":\"dall-e-3\",\"n\":1,\"size\":\"1024x1024\",\"quality\":\"hd\","
      "\"style\":\"vivid\",\"response_format\":\"url\",\"user\":\"user-1\"}", NULL, &img);
  check(st == OPENAI_STATUS_OK, "images: every typed parameter");
  openai_images_response_free(img);

  /* embeddings */
  char *out = NULL;
  st = openai_client_embeddings(c, "{\"input\":\"hello\",\"model\":\"text-embedding-3-small\"}", NULL, &out);
  check(json_ok(st, out), "embeddings: minimal");
  out = NULL;
  st = openai_client_embeddings(c,
      "{\"input\":[\"a\",\"b\"],\"model\":\"text-embedding-3-small\",\"encoding_format\":\"float\","
      "\"dimensions\":8,\"user\":\"user-1\"}", NULL, &out);
  check(json_ok(st, out), "embeddings: every typed parameter");

  /* models and a generic request (call first: argument evaluation order is unspecified) */
  out = NULL;
  st = openai_client_models_list(c, NULL, &out);
  check(json_ok(st, out), "models: list");
  out = NULL;
  st = openai_client_models_retrieve(c, "gpt-4o", NULL, &out);
  check(json_ok(st, out), "models: retrieve");
  out = NULL;
  st = openai_client_request_json(c, "POST", "moderations", "{\"input\":\"hello\"}", NULL, &out);
  check(json_ok(st, out), "generic: POST moderations");

  /* issue 13's endpoints through the generic calls, and a canary per body kind */
  {
    static const char *const json_ops[][4] = {
        {"listFiles", NULL, "{\"limit\":2,\"order\":\"asc\"}", NULL},
        {"retrieveFile", "{\"file_id\":\"file-abc\"}", NULL, NULL},
        {"deleteFile", "{\"file_id\":\"file-abc\"}", NULL, NULL},
        {"createUpload", NULL, NULL,
         "{\"filename\":\"b.jsonl\",\"purpose\":\"batch\",\"bytes\":10,\"mime_type\":\"text/jsonl\"}"},
        {"completeUpload", "{\"upload_id\":\"upload_abc\"}", NULL, "{\"part_ids\":[\"part_1\"]}"},
        {"cancelUpload", "{\"upload_id\":\"upload_abc\"}", NULL, NULL},
        {"createBatch", NULL, NULL,
         "{\"input_file_id\":\"file-abc\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"},
        {"retrieveBatch", "{\"batch_id\":\"batch_abc\"}", NULL, NULL},
        {"listBatches", NULL, "{\"limit\":2}", NULL},
        {"cancelBatch", "{\"batch_id\":\"batch_abc\"}", NULL, NULL},
        {"createModeration", NULL, NULL, "{\"input\":\"hello\"}"},
        {"createCompletion", NULL, NULL, "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hi\",\"max_tokens\":5}"},
        {"deleteModel", "{\"model\":\"ft:gpt-4o-mini:org:x:1\"}", NULL, NULL},
        {"listChatCompletions", NULL, "{\"limit\":2}", NULL},
        {"getChatCompletion", "{\"completion_id\":\"chatcmpl-1\"}", NULL, NULL},
        {"updateChatCompletion", "{\"completion_id\":\"chatcmpl-1\"}", NULL, "{\"metadata\":{\"k\":\"v\"}}"},
        {"deleteChatCompletion", "{\"completion_id\":\"chatcmpl-1\"}", NULL, NULL},
        {"getChatCompletionMessages", "{\"completion_id\":\"chatcmpl-1\"}", NULL, NULL},
    };
    char what[128];
    for (size_t i = 0; i < sizeof json_ops / sizeof json_ops[0]; i++) {
      out = NULL;
      st = openai_client_call(c, json_ops[i][0], json_ops[i][1], json_ops[i][2], json_ops[i][3], NULL, &out);
      snprintf(what, sizeof what, "issue 13: %s", json_ops[i][0]);
      check(st == OPENAI_STATUS_OK && out != NULL, what);
      openai_string_free(out);
    }
    static const char *const form_ops[][3] = {
        {"createFile", "purpose", "batch"},
        {"createTranscription", "model", "whisper-1"},
        {"createTranslation", "model", "whisper-1"},
        {"createImageEdit", "prompt", "a hat"},
        {"createImageVariation", NULL, NULL},
        {"addUploadPart", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof form_ops / sizeof form_ops[0]; i++) {
      openai_form *f = NULL;
      const char *op = form_ops[i][0];
      const char *field = !strncmp(op, "createImage", 11) ? "image" : !strcmp(op, "addUploadPart") ? "data" : "file";
      openai_form_new(&f);
      if (form_ops[i][1]) openai_form_add_text(f, form_ops[i][1], form_ops[i][2]);
      openai_form_add_bytes(f, field, (const uint8_t *)"\x89PNG\r\n\x1a\n", 8, "a.png", NULL);
      out = NULL;
      st = openai_client_call_form(c, op, !strcmp(op, "addUploadPart") ? "{\"upload_id\":\"upload_abc\"}" : NULL,
                                   NULL, f, NULL, &out);
      snprintf(what, sizeof what, "issue 13: %s (multipart)", op);
      check(st == OPENAI_STATUS_OK && out != NULL, what);
      openai_string_free(out);
      openai_form_free(f);
    }
    uint64_t n = 0;
    st = openai_client_download_to_file(c, "downloadFile", "{\"file_id\":\"file-abc\"}", NULL, NULL,
                                        "/tmp/openai-conformance-download.bin", NULL, &n);
    check(st == OPENAI_STATUS_OK, "issue 13: downloadFile (binary)");
    st = openai_client_download_to_file(c, "createSpeech", NULL, NULL,
                                        "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"alloy\"}",
                                        "/tmp/openai-conformance-download.bin", NULL, &n);
    check(st == OPENAI_STATUS_OK, "issue 13: createSpeech (binary)");
    remove("/tmp/openai-conformance-download.bin");
    openai_form *bad = NULL;
    openai_form_new(&bad);
    openai_form_add_bytes(bad, "file", (const uint8_t *)"x\n", 2, "x.jsonl", NULL);
    st = openai_client_call_form(c, "createFile", NULL, NULL, bad, NULL, &out);
    check(st == OPENAI_STATUS_UNPROCESSABLE_ENTITY, "canary: a form without purpose gets 422");
    openai_form_free(bad);
    st = openai_client_call(c, "createBatch", NULL, NULL,
                            "{\"input_file_id\":\"file-abc\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"1h\"}",
                            NULL, &out);
    check(st == OPENAI_STATUS_UNPROCESSABLE_ENTITY, "canary: a batch with a 1h window gets 422");
    st = openai_client_call(c, "listFiles", NULL, "{\"order\":\"sideways\"}", NULL, NULL, &out);
    check(st == OPENAI_STATUS_UNPROCESSABLE_ENTITY, "canary: files listed with order=sideways gets 422");
  }

  /* responses: minimal, every typed parameter (from JSON), the other operations by id, canaries */
  {
    openai_responses_request *rr = NULL;
    openai_response *rp = NULL;
    openai_responses_request_new("gpt-4o", "Hello", &rr);
    st = openai_client_responses_create(c, rr, NULL, &rp);
    check(st == OPENAI_STATUS_OK && openai_response_output_count(rp) >= 1, "responses: minimal");
    openai_response_free(rp);
    openai_responses_request_free(rr);
    rp = NULL;
    rr = NULL;
    st = openai_responses_request_from_json(
        "{\"model\":\"gpt-4o\",\"instructions\":\"Be brief.\",\"previous_response_id\":\"resp_123\","
        "\"input\":[{\"role\":\"developer\",\"content\":\"Answer in French.\"},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"What is this?\"},"
        "{\"type\":\"input_image\",\"image_url\":\"https://example.com/cat.png\",\"detail\":\"auto\"}]},"
        "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"sunny\"}],"
        "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"strict\":true,\"parameters\":"
        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"],"
        "\"additionalProperties\":false}}],\"tool_choice\":\"auto\",\"max_output_tokens\":200,"
        "\"temperature\":0.5,\"top_p\":0.9,\"store\":true,\"metadata\":{\"k\":\"v\"},"
        "\"reasoning\":{\"effort\":\"low\"},\"text\":{\"format\":{\"type\":\"json_object\"}}}",
        &rr);
    if (st == OPENAI_STATUS_OK) st = openai_client_responses_create(c, rr, NULL, &rp);
    check(st == OPENAI_STATUS_OK && openai_response_id(rp) != NULL, "responses: every typed parameter");
    openai_response_free(rp);
    openai_responses_request_free(rr);
    static const char *const ops[][4] = {
        {"getResponse", "{\"response_id\":\"resp_1\"}", NULL, "responses: retrieve"},
        {"deleteResponse", "{\"response_id\":\"resp_1\"}", NULL, "responses: delete"},
        {"cancelResponse", "{\"response_id\":\"resp_1\"}", NULL, "responses: cancel"},
        {"listInputItems", "{\"response_id\":\"resp_1\"}", "{\"limit\":5,\"order\":\"asc\"}",
         "responses: input items"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
      out = NULL;
      st = openai_client_call(c, ops[i][0], ops[i][1], ops[i][2], NULL, NULL, &out);
      check(st == OPENAI_STATUS_OK && out != NULL, ops[i][3]);
      openai_string_free(out);
    }
    out = NULL;
    st = openai_client_call(c, "Getinputtokencounts", NULL, NULL, "{\"model\":\"gpt-4o\",\"input\":\"hi\"}",
                            NULL, &out);
    check(json_ok(st, out), "responses: input token count");
    check(canary_422(c, "POST", "responses", "{\"model\":5,\"input\":\"hi\"}"),
          "canary: responses with a numeric model gets 422");
    out = NULL;
    st = openai_client_call(c, "getResponse", "{\"response_id\":\"resp_1\"}", "{\"starting_after\":\"abc\"}",
                            NULL, NULL, &out);
    check(st == OPENAI_STATUS_UNPROCESSABLE_ENTITY, "canary: retrieve with a text starting_after gets 422");
    st = openai_client_call(c, "listInputItems", "{\"response_id\":\"resp_1\"}", "{\"order\":\"sideways\"}",
                            NULL, NULL, &out);
    check(st == OPENAI_STATUS_UNPROCESSABLE_ENTITY, "canary: input items with order=sideways gets 422");
    st = openai_client_call(c, "Getinputtokencounts", NULL, NULL, "{\"model\":5}", NULL, &out);
    check(st == OPENAI_STATUS_UNPROCESSABLE_ENTITY, "canary: input tokens with a numeric model gets 422");
    /* Delete and cancel take nothing that can be invalid: the security requirement is the canary. */
    openai_client_options *na = NULL;
    openai_client *noauth = NULL;
    openai_client_options_new(&na);
    openai_client_options_set_api_key(na, "sk-test");
    openai_client_options_set_base_url(na, url);
    openai_client_options_set_max_retries(na, 0);
    openai_client_options_add_header(na, "Authorization", "");
    openai_client_new(na, &noauth);
    openai_client_options_free(na);
    st = openai_client_call(noauth, "deleteResponse", "{\"response_id\":\"resp_1\"}", NULL, NULL, NULL, &out);
    check(st == OPENAI_STATUS_AUTHENTICATION, "canary: delete without a key gets 401");
    st = openai_client_call(noauth, "cancelResponse", "{\"response_id\":\"resp_1\"}", NULL, NULL, NULL, &out);
    check(st == OPENAI_STATUS_AUTHENTICATION, "canary: cancel without a key gets 401");
    openai_client_free(noauth);
  }

  /* negative canaries: if any of these gets a 2xx, Prism skipped validation */
  check(canary_422(c, "POST", "chat/completions", "{\"model\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
        "canary: chat with a numeric model gets 422");
  check(canary_422(c, "POST", "chat/completions",
                   "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":3}"),
        "canary: chat with temperature 3 gets 422");
  check(canary_422(c, "POST", "images/generations", "{\"prompt\":7}"),
        "canary: images with a numeric prompt gets 422");
  check(canary_422(c, "POST", "embeddings", "{\"model\":\"text-embedding-3-small\"}"),
        "canary: embeddings without input gets 422");
  check(canary_422(c, "POST", "moderations", "{\"input\":5}"),
        "canary: moderations with a numeric input gets 422");

  /* forced 429: a typed rate-limit error, after exactly the attempts the client is configured
   * for (counted by the proxy): 2 with max_retries 1 when Retry-After is within the 120 s cap,
   * 1 (fail fast) above it. */
  struct counting_proxy proxy;
  char proxy_url[64];
  if (proxy_start(&proxy, url, proxy_url, sizeof proxy_url) != 0) {
    check(0, "429: counting proxy started");
  } else {
    openai_client *limited = client_with(proxy_url, 1, "code=429");
    openai_chat_request *hello = NULL;
    openai_chat_request_new("gpt-4o-mini", &hello);
    openai_chat_request_add_message(hello, OPENAI_ROLE_USER, "Hello!");
    openai_chat_response *resp = NULL;
    st = openai_client_chat(limited, hello, NULL, &resp);
    check(st == OPENAI_STATUS_RATE_LIMITED && openai_last_error_http_status() == 429 && resp == NULL,
          "429: typed rate-limit error, out-param untouched");
    pthread_mutex_lock(&proxy.lock);
    int attempts = proxy.attempts;
    double retry_after = proxy.retry_after;
    char counts[16];
    memcpy(counts, proxy.counts, sizeof counts);
    pthread_mutex_unlock(&proxy.lock);
    int want = retry_after >= 0 && retry_after <= 120 ? 2 : 1;
    printf("     429: Retry-After %g, %d attempts (retry counts \"%s\")\n", retry_after, attempts,
           counts);
    check(attempts == want && strncmp(counts, want == 2 ? "01" : "0", 3) == 0,
          "429: retried exactly max_retries times (proxy count), fail fast above the cap");
    openai_chat_request_free(hello);
    openai_client_free(limited);
  }

  openai_client_free(c);
  printf("%d passed, %d failed\n", passes, failures);
  return failures ? 1 : 0;
}
