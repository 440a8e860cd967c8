/* Conformance of the C library to the official OpenAPI spec (issue 7).
 *
 * Run by scripts/conformance/run.sh (make conformance) against Prism serving the prepared spec,
 * with OPENAI_CONFORMANCE_URL=http://127.0.0.1:PORT/v1. Without it, it fails: nothing passes
 * here without having talked to the spec's server.
 *
 * The same matrix as the Rust and Python suites, through the C API: every endpoint with a
 * minimal request and with every typed parameter (2xx and parsed), a negative canary per
 * endpoint (an invalid body must get 422, else Prism skipped validation), and a forced 429. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

  /* forced 429: a typed rate-limit error, after the retries the client is configured for */
  openai_client *limited = client_with(url, 1, "code=429");
  openai_chat_request *hello = NULL;
  openai_chat_request_new("gpt-4o-mini", &hello);
  openai_chat_request_add_message(hello, OPENAI_ROLE_USER, "Hello!");
  openai_chat_response *resp = NULL;
  st = openai_client_chat(limited, hello, NULL, &resp);
  check(st == OPENAI_STATUS_RATE_LIMITED && openai_last_error_http_status() == 429 && resp == NULL,
        "429: typed rate-limit error, out-param untouched");
  openai_chat_request_free(hello);
  openai_client_free(limited);

  openai_client_free(c);
  printf("%d passed, %d failed\n", passes, failures);
  return failures ? 1 : 0;
}
