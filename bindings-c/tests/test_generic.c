/* Any operation from C: multipart forms, binary downloads, page cursors, the last response's
 * headers, and the file and batch helpers, against the mock. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <unistd.h>

#include "harness.h"

static const char *write_temp(const char *name, const char *data, size_t len, char *path, size_t cap) {
    FILE *f;
    snprintf(path, cap, "/tmp/openai-c-%ld-%s", (long)getpid(), name);
    f = fopen(path, "wb");
    if (!f) return NULL;
    if (len && fwrite(data, 1, len, f) != len) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    return path;
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* The value of "id" in a JSON object, copied into `out`. */
static int json_id(const char *json, char *out, size_t cap) {
    const char *p = strstr(json, "\"id\":\"");
    const char *e;
    if (!p) return 0;
    p += 6;
    e = strchr(p, '"');
    if (!e || (size_t)(e - p) >= cap) return 0;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return 1;
}

int test_form_upload_and_download(void) {
    const char *id = test_id("form");
    openai_client *c = mock_client(NULL, id, 0);
    openai_form *form = NULL;
    char path[256], dest[300], file_id[128], query[200];
    const char data[] = "{\"custom_id\":\"a\"}\n\0binary\xff\n";
    char *json = NULL, *back = NULL;
    size_t back_len = 0;
    uint64_t n = 0;
    CHECK(c != NULL);
    CHECK(write_temp("form.jsonl", data, sizeof data - 1, path, sizeof path) != NULL);
    CHECK_OK(openai_form_new(&form));
    CHECK_OK(openai_form_add_text(form, "purpose", "batch"));
    CHECK_OK(openai_form_add_file(form, "file", path, NULL, NULL));
    CHECK_STATUS(openai_form_add_file(form, "file", "/nonexistent/x", NULL, NULL), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_OK(openai_client_call_form(c, "createFile", NULL, NULL, form, NULL, &json));
    CHECK(contains(json, "-form.jsonl\"") && contains(json, "\"filename\":\"openai-c-"));
    CHECK(contains(json, "\"purpose\":\"batch\""));
    CHECK(json_id(json, file_id, sizeof file_id));
    CHECK(openai_last_response_status() == 200);
    CHECK(openai_last_response_header("X-Request-Id") != NULL);
    openai_string_free(json);
    /* The form is reusable: a second upload of the same form. */
    CHECK_OK(openai_client_call_form(c, "createFile", NULL, NULL, form, NULL, &json));
    openai_string_free(json);
    CHECK(journal_count(id) == 2);
    /* A JSON-only operation refuses a form before sending. */
    CHECK_STATUS(openai_client_call_form(c, "createBatch", NULL, NULL, form, NULL, &json),
                 OPENAI_STATUS_INVALID_ARGUMENT);

    snprintf(dest, sizeof dest, "%s.out", path);
    snprintf(query, sizeof query, "{\"file_id\":\"%s\"}", file_id);
    CHECK_OK(openai_client_download_to_file(c, "downloadFile", query, NULL, NULL, dest, NULL, &n));
    CHECK(n == sizeof data - 1);
    back = read_all(dest, &back_len);
    CHECK(back != NULL && back_len == sizeof data - 1 && memcmp(back, data, back_len) == 0);
    free(back);
    n = 0;
    CHECK_OK(openai_client_files_download(c, file_id, dest, NULL, &n));
    CHECK(n == sizeof data - 1);
    /* An unknown file: an error, and no partial file left behind. */
    unlink(dest);
    CHECK_STATUS(openai_client_files_download(c, "file-nope", dest, NULL, NULL), OPENAI_STATUS_NOT_FOUND);
    CHECK(access(dest, F_OK) != 0);
    openai_form_free(form);
    unlink(path);
    openai_client_free(c);
    return 0;
}

struct counter {
    uint64_t bytes;
    int calls;
    int stop_after;
};

static int count_bytes(void *user_data, const uint8_t *data, size_t len) {
    struct counter *k = user_data;
    (void)data;
    k->bytes += len;
    k->calls++;
    return k->stop_after && k->calls >= k->stop_after ? OPENAI_ITER_BREAK : OPENAI_ITER_CONTINUE;
}

int test_download_each(void) {
    openai_client *c = mock_client(NULL, NULL, 0);
    struct counter k = {0, 0, 0};
    uint64_t n = 0;
    const char *body = "{\"model\":\"gpt-4o-mini-tts\",\"input\":\"Say this.\",\"voice\":\"alloy\"}";
    CHECK(c != NULL);
    CHECK_OK(openai_client_download_each(c, "createSpeech", NULL, NULL, body, NULL, count_bytes, &k, &n));
    CHECK(k.bytes == 9 * 1024 && n == k.bytes);
    CHECK(k.calls > 1);
    CHECK(contains(openai_last_response_header("content-type"), "audio/"));
    k.bytes = 0;
    k.calls = 0;
    k.stop_after = 1;
    CHECK_STATUS(openai_client_download_each(c, "createSpeech", NULL, NULL, body, NULL, count_bytes, &k, NULL),
                 OPENAI_STATUS_ABORTED_BY_CALLBACK);
    CHECK(k.calls == 1);
    openai_client_free(c);
    return 0;
}

int test_pager_walks_every_page(void) {
    const char *id = test_id("pager");
    openai_client *c = mock_client(NULL, id, 0);
    openai_pager *p = NULL;
    char *page = NULL, *json = NULL;
    int pages = 0, i;
    openai_rate_limits rl;
    CHECK(c != NULL);
    for (i = 0; i < 3; i++) {
        char name[32];
        openai_form *f = NULL;
        snprintf(name, sizeof name, "pager-%d.jsonl", i);
        CHECK_OK(openai_form_new(&f));
        CHECK_OK(openai_form_add_text(f, "purpose", "assistants"));
        CHECK_OK(openai_form_add_bytes(f, "file", (const uint8_t *)"x\n", 2, name, NULL));
        CHECK_OK(openai_client_call_form(c, "createFile", NULL, NULL, f, NULL, &json));
        openai_string_free(json);
        openai_form_free(f);
    }
    CHECK_OK(openai_client_pages(c, "listFiles", NULL, "{\"limit\":1,\"purpose\":\"assistants\"}", &p));
    CHECK(openai_pager_has_next(p));
    for (;;) {
        CHECK_OK(openai_pager_next(p, NULL, &page));
        if (page == NULL) break;
        CHECK(contains(page, "\"object\":\"list\""));
        pages++;
        openai_string_free(page);
    }
    CHECK(pages >= 3);
    CHECK(!openai_pager_has_next(p));
    CHECK(journal_count(id) == 3 + pages);
    CHECK(openai_last_response_rate_limits(&rl));
    CHECK(rl.limit_requests > 0 && rl.remaining_requests >= 0 && rl.reset_requests_ms >= 0);
    CHECK(!openai_last_response_rate_limits(NULL));
    openai_pager_free(p);
    CHECK_STATUS(openai_client_pages(c, "getResponse", NULL, NULL, &p), OPENAI_STATUS_INVALID_ARGUMENT);
    openai_client_free(c);
    return 0;
}

int test_batches_helpers(void) {
    openai_client *c = mock_client("batch-polls=1", NULL, 0);
    char path[256], file_id[128], batch_id[128];
    char *json = NULL;
    const char *lines = "{\"custom_id\":\"r1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                        "\"body\":{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"one\"}]}}\n"
                        "{\"custom_id\":\"r2\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                        "\"body\":{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"two\"}]}}\n";
    CHECK(c != NULL);
    CHECK(write_temp("batch.jsonl", lines, strlen(lines), path, sizeof path) != NULL);
    CHECK_OK(openai_client_files_upload(c, path, "batch", NULL, &json));
    CHECK(json_id(json, file_id, sizeof file_id));
    openai_string_free(json);
    CHECK_OK(openai_client_batches_create(c, file_id, "/v1/chat/completions", NULL, &json));
    CHECK(contains(json, "\"status\":\"validating\""));
    CHECK(json_id(json, batch_id, sizeof batch_id));
    openai_string_free(json);
    CHECK_OK(openai_client_batches_retrieve(c, batch_id, NULL, &json));
    CHECK(contains(json, "\"status\":\"completed\""));
    CHECK(contains(json, "\"output_file_id\":\"file-"));
    openai_string_free(json);
    CHECK_STATUS(openai_client_batches_retrieve(c, "batch_nope", NULL, &json), OPENAI_STATUS_NOT_FOUND);
    CHECK_STATUS(openai_client_files_upload(c, "/nonexistent/file.jsonl", "batch", NULL, &json),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    unlink(path);
    openai_client_free(c);
    return 0;
}

int test_last_response_after_chat(void) {
    openai_client *c = mock_client(NULL, NULL, 0);
    openai_chat_request *r = user_request("headers please");
    openai_chat_response *resp = NULL;
    openai_rate_limits rl;
    CHECK(c != NULL && r != NULL);
    CHECK_OK(openai_client_chat(c, r, NULL, &resp));
    CHECK(openai_last_response_status() == 200);
    CHECK(strcmp(openai_last_response_header("x-request-id"), openai_chat_response_request_id(resp)) == 0);
    CHECK(openai_last_response_header("no-such-header") == NULL);
    CHECK(openai_last_response_rate_limits(&rl) && rl.limit_tokens > 0);
    openai_chat_response_free(resp);
    openai_chat_request_free(r);
    openai_client_free(c);
    return 0;
}

/* The rest of issue 13's endpoints by operation id: uploads, audio, moderations, completions,
 * image edits, model deletion, stored chat completions. */
int test_long_tail_by_operation_id(void) {
    openai_client *c = mock_client(NULL, NULL, 0);
    openai_form *audio = NULL, *part = NULL, *img = NULL;
    char *json = NULL, up[128], path[200], body[300], model[160];
    CHECK(c != NULL);
    CHECK_OK(openai_client_call(c, "createUpload", NULL, NULL,
                                "{\"filename\":\"u.txt\",\"purpose\":\"assistants\",\"bytes\":5,\"mime_type\":\"text/plain\"}",
                                NULL, &json));
    CHECK(json_id(json, up, sizeof up));
    openai_string_free(json);
    snprintf(path, sizeof path, "{\"upload_id\":\"%s\"}", up);
    CHECK_OK(openai_form_new(&part));
    CHECK_OK(openai_form_add_bytes(part, "data", (const uint8_t *)"hello", 5, "part", NULL));
    CHECK_OK(openai_client_call_form(c, "addUploadPart", path, NULL, part, NULL, &json));
    CHECK(json_id(json, model, sizeof model));
    openai_string_free(json);
    snprintf(body, sizeof body, "{\"part_ids\":[\"%s\"]}", model);
    CHECK_OK(openai_client_call(c, "completeUpload", path, NULL, body, NULL, &json));
    CHECK(contains(json, "\"status\":\"completed\""));
    openai_string_free(json);

    CHECK_OK(openai_form_new(&audio));
    CHECK_OK(openai_form_add_text(audio, "model", "whisper-1"));
    CHECK_OK(openai_form_add_bytes(audio, "file", (const uint8_t *)"RIFFWAVE", 8, "talk.wav", NULL));
    CHECK_OK(openai_client_call_form(c, "createTranscription", NULL, NULL, audio, NULL, &json));
    CHECK(contains(json, "transcript of talk.wav (8 bytes)"));
    openai_string_free(json);

    CHECK_OK(openai_client_call(c, "createModeration", NULL, NULL, "{\"input\":\"kill it\"}", NULL, &json));
    CHECK(contains(json, "\"flagged\":true"));
    openai_string_free(json);
    CHECK_OK(openai_client_call(c, "createCompletion", NULL, NULL,
                                "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say this\"}", NULL, &json));
    CHECK(contains(json, "You said: Say this"));
    openai_string_free(json);

    CHECK_OK(openai_form_new(&img));
    CHECK_OK(openai_form_add_text(img, "prompt", "a hat"));
    CHECK_OK(openai_form_add_bytes(img, "image", (const uint8_t *)"\x89PNG\r\n\x1a\n", 8, "in.png", NULL));
    CHECK_OK(openai_client_call_form(c, "createImageEdit", NULL, NULL, img, NULL, &json));
    CHECK(contains(json, "\"data\""));
    openai_string_free(json);

    snprintf(model, sizeof model, "{\"model\":\"ft:gpt-4o-mini:org:%s\"}", test_id("ft"));
    CHECK_OK(openai_client_call(c, "deleteModel", model, NULL, NULL, NULL, &json));
    CHECK(contains(json, "\"deleted\":true"));
    openai_string_free(json);
    CHECK_STATUS(openai_client_call(c, "deleteModel", model, NULL, NULL, NULL, &json), OPENAI_STATUS_NOT_FOUND);

    CHECK_OK(openai_client_call(c, "createChatCompletion", NULL, NULL,
                                "{\"model\":\"gpt-4o-mini\",\"store\":true,\"messages\":[{\"role\":\"user\",\"content\":\"keep me\"}]}",
                                NULL, &json));
    CHECK(json_id(json, up, sizeof up));
    openai_string_free(json);
    snprintf(path, sizeof path, "{\"completion_id\":\"%s\"}", up);
    CHECK_OK(openai_client_call(c, "getChatCompletionMessages", path, NULL, NULL, NULL, &json));
    CHECK(contains(json, "keep me"));
    openai_string_free(json);
    CHECK_OK(openai_client_call(c, "deleteChatCompletion", path, NULL, NULL, NULL, &json));
    CHECK(contains(json, "\"deleted\":true"));
    openai_string_free(json);

    openai_form_free(img);
    openai_form_free(audio);
    openai_form_free(part);
    openai_client_free(c);
    return 0;
}

/* An Azure client: the deployment path, api-version and api-key on the wire; then a client whose
 * Entra token is handed over per request, refused before the first one. */
int test_azure_routing_and_auth(void) {
    const char *id = test_id("azure");
    const char *base = getenv("OPENAI_BASE_URL");
    char endpoint[256];
    openai_client_options *o = NULL;
    openai_client *c = NULL;
    openai_chat_request *req = user_request("Hello!");
    openai_chat_response *resp = NULL;
    char *journal = NULL;
    size_t n;
    CHECK(base != NULL && req != NULL);
    n = strlen(base);
    CHECK(n > 3 && n < sizeof endpoint && strcmp(base + n - 3, "/v1") == 0);
    memcpy(endpoint, base, n - 3);
    endpoint[n - 3] = '\0';

    CHECK_OK(openai_client_options_new(&o));
    CHECK_OK(openai_client_options_set_azure_endpoint(o, endpoint));
    CHECK_OK(openai_client_options_set_azure_api_version(o, "2024-10-21"));
    CHECK_OK(openai_client_options_set_api_key(o, "azure-key-0123456789"));
    CHECK_OK(openai_client_options_add_header(o, "x-test-id", id));
    CHECK_OK(openai_client_new(o, &c));
    CHECK_OK(openai_client_chat(c, req, NULL, &resp));
    CHECK_STR(openai_chat_response_content(resp, 0), "You said: Hello!");
    openai_chat_response_free(resp);
    resp = NULL;
    openai_client_free(c);
    openai_client_options_free(o);

    journal = journal_json(id);
    CHECK_CONTAINS(journal, "\"path\":\"/openai/deployments/" MODEL "/chat/completions\"");
    CHECK_CONTAINS(journal, "\"query\":\"api-version=2024-10-21\"");
    CHECK_CONTAINS(journal, "[\"api-key\",\"azure-key-0123456789\"]");
    CHECK(!contains(journal, "authorization"));
    openai_string_free(journal);

    id = test_id("azure-token");
    CHECK_OK(openai_client_options_new(&o));
    CHECK_OK(openai_client_options_set_azure_endpoint(o, endpoint));
    CHECK_OK(openai_client_options_set_azure_deployment(o, "prod"));
    CHECK_OK(openai_client_options_set_azure_api_version(o, "2024-10-21"));
    CHECK_OK(openai_client_options_set_azure_ad_token_per_request(o));
    CHECK_OK(openai_client_options_add_header(o, "x-test-id", id));
    CHECK_OK(openai_client_new(o, &c));
    openai_client_options_free(o);
    CHECK_STATUS(openai_client_chat(c, req, NULL, &resp), OPENAI_STATUS_CONFIG);
    CHECK(resp == NULL);
    CHECK(journal_count(id) == 0);
    CHECK_OK(openai_client_set_credential(c, "entra-token-0123456789"));
    CHECK_OK(openai_client_chat(c, req, NULL, &resp));
    openai_chat_response_free(resp);
    openai_client_free(c);
    openai_chat_request_free(req);
    journal = journal_json(id);
    CHECK_CONTAINS(journal, "\"path\":\"/openai/deployments/prod/chat/completions\"");
    CHECK_CONTAINS(journal, "[\"authorization\",\"Bearer entra-token-0123456789\"]");
    openai_string_free(journal);
    return 0;
}
