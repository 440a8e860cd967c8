/* NULL for every pointer parameter of every function (matrix F-2), table-driven.
 *
 * Each row is one (function, parameter) pair with every other argument valid:
 *   N(fn, param, call)   must return OPENAI_STATUS_NULL_ARGUMENT naming `param`, writing nothing;
 *   G(fn, param, call)   an infallible getter: must return NULL / 0 / false;
 *   F(fn, param, call)   a free function: NULL is a no-op;
 *   OK(fn, param, call)  a parameter documented as nullable: must succeed;
 *   NOPTR(fn)            a function without pointer parameters (listed for completeness).
 * The CTest `null_table_complete` checks that every function of openai.h and every pointer
 * parameter has a row here, so a new export cannot be forgotten. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "harness.h"

static openai_client_options *O;
static openai_client *C;
static openai_cancel_token *T;
static openai_chat_request *R;
static openai_chat_response *RESP;
static openai_chat_stream *S;
static const openai_chat_delta *D;
static openai_images_response *IMG;
static openai_conversation *CV;
static openai_responses_request *RR;
static openai_response *RP;
static openai_responses_stream *RS;
static const openai_response_event *RE;
static openai_form *FORM;
static openai_pager *PG;
static openai_queue *Q;
static char FILE_ID[128];
static char FILE_PATH_JSON[200];
static char DEST[128];
static char UPLOAD[128];

/* Out-parameter slots: must stay at their sentinel after a refused call. */
#define SENTINEL ((void *)0x5e5e)
static void *slot;
#define OUT(type) ((type)&slot)

static int continue_cb(void *u, const openai_chat_delta *d) {
    (void)u;
    (void)d;
    return OPENAI_ITER_CONTINUE;
}

static openai_status nullable_client_new(void) {
    openai_client *c = NULL;
    openai_status st = openai_client_new(NULL, &c);
    openai_client_free(c);
    return st;
}
static openai_status nullable_chat_cancel(void) {
    openai_chat_response *r = NULL;
    openai_status st = openai_client_chat(C, R, NULL, &r);
    openai_chat_response_free(r);
    return st;
}
static openai_status nullable_stream_cancel(void) {
    openai_chat_stream *s = NULL;
    openai_status st = openai_client_chat_stream(C, R, NULL, &s);
    openai_chat_stream_free(s);
    return st;
}
static openai_status nullable_each(int which) {
    openai_chat_response *r = NULL;
    openai_cancel_token *t = NULL;
    int u = 0;
    openai_status st = openai_cancel_token_new(&t);
    if (st) return st;
    st = openai_client_chat_stream_each(C, R, which == 0 ? NULL : t, continue_cb, which == 1 ? NULL : &u,
                                        which == 2 ? NULL : &r);
    openai_chat_response_free(r);
    openai_cancel_token_free(t);
    return st;
}
static openai_status nullable_images_cancel(void) {
    openai_images_response *r = NULL;
    openai_status st = openai_client_images_generate(C, "{\"prompt\":\"p\"}", NULL, &r);
    openai_images_response_free(r);
    return st;
}
static openai_status nullable_json(int which) {
    char *s = NULL;
    openai_status st;
    switch (which) {
    case 0: st = openai_client_embeddings(C, "{\"model\":\"m\",\"input\":\"x\"}", NULL, &s); break;
    case 1: st = openai_client_models_list(C, NULL, &s); break;
    case 2: st = openai_client_models_retrieve(C, MODEL, NULL, &s); break;
    case 3: st = openai_client_request_json(C, "GET", "models", NULL, T, &s); break;
    default: st = openai_client_request_json(C, "GET", "models", "{}", NULL, &s); break;
    }
    openai_string_free(s);
    return st;
}

#define EMB "{\"model\":\"m\",\"input\":\"x\"}"

static int continue_event_cb(void *u, const openai_response_event *e) {
    (void)u;
    (void)e;
    return OPENAI_ITER_CONTINUE;
}

/* The nullable parameters of the responses calls and the generic call: each must succeed. */
static openai_status nullable_responses(int which) {
    openai_responses_request *r = NULL;
    openai_response *resp = NULL;
    openai_responses_stream *s = NULL;
    char *json = NULL;
    int u = 0;
    openai_status st;
    switch (which) {
    case 0: st = openai_responses_request_new(MODEL, NULL, &r); break;
    case 1: st = openai_client_responses_create(C, RR, NULL, &resp); break;
    case 2: st = openai_client_responses_stream(C, RR, NULL, &s); break;
    case 3: st = openai_client_responses_stream_each(C, RR, NULL, continue_event_cb, &u, &resp); break;
    case 4: st = openai_client_responses_stream_each(C, RR, T, continue_event_cb, NULL, &resp); break;
    case 5: st = openai_client_responses_stream_each(C, RR, T, continue_event_cb, &u, NULL); break;
    case 6: st = openai_client_call(C, "listModels", NULL, "{}", NULL, T, &json); break;
    case 7: st = openai_client_call(C, "listModels", "{}", NULL, NULL, T, &json); break;
    case 8: st = openai_client_call(C, "listModels", "{}", "{}", NULL, T, &json); break;
    default: st = openai_client_call(C, "listModels", NULL, NULL, NULL, NULL, &json); break;
    }
    openai_string_free(json);
    openai_responses_stream_free(s);
    openai_response_free(resp);
    openai_responses_request_free(r);
    return st;
}
static uint64_t U1;

static int continue_bytes_cb(void *u, const uint8_t *d, size_t n) {
    (void)u;
    (void)d;
    (void)n;
    return OPENAI_ITER_CONTINUE;
}

static char BULK_IN[128];
static char BULK_OUT[140];

static int continue_bulk_cb(void *u, const openai_bulk_result *r) {
    (void)u;
    (void)r;
    return OPENAI_ITER_CONTINUE;
}

/* The nullable parameters of openai_client_bulk_run: each must succeed when NULL (0: every
 * nullable one NULL at once; 1: everything but user_data given). */
static openai_status nullable_bulk(int which) {
    openai_bulk_summary sum;
    if (which == 0) return openai_client_bulk_run(C, BULK_IN, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    return openai_client_bulk_run(C, BULK_IN, BULK_OUT, "{\"concurrency\":1}", T, continue_bulk_cb, NULL, NULL, &sum);
}

/* The nullable parameters of the generic calls: each must succeed when NULL. */
static openai_status nullable_generic(int which) {
    char *json = NULL;
    openai_pager *pg = NULL;
    uint64_t n = 0;
    int u = 0;
    openai_status st;
    switch (which) {
    case 0: st = openai_form_add_file(FORM, "extra", UPLOAD, NULL, "text/plain"); break;
    case 1: st = openai_form_add_file(FORM, "extra", UPLOAD, "x.txt", NULL); break;
    case 2: st = openai_form_add_bytes(FORM, "extra", (const uint8_t *)"x", 1, "x.txt", NULL); break;
    case 3: st = openai_client_call_form(C, "createFile", NULL, "{}", FORM, T, &json); break;
    case 4: st = openai_client_call_form(C, "createFile", "{}", NULL, FORM, T, &json); break;
    case 5: st = openai_client_call_form(C, "createFile", "{}", "{}", FORM, NULL, &json); break;
    case 6: st = openai_client_download_to_file(C, "downloadFile", FILE_PATH_JSON, "{}", NULL, DEST, T, &n); break;
    case 7: st = openai_client_download_to_file(C, "downloadFile", FILE_PATH_JSON, NULL, NULL, DEST, NULL, NULL); break;
    case 8: st = openai_client_download_each(C, "downloadFile", FILE_PATH_JSON, NULL, NULL, NULL, continue_bytes_cb, NULL, NULL); break;
    case 9: st = openai_client_download_each(C, "downloadFile", FILE_PATH_JSON, "{}", NULL, T, continue_bytes_cb, &u, &n); break;
    case 10: st = openai_client_pages(C, "listFiles", NULL, NULL, &pg); break;
    case 11: st = openai_pager_next(PG, NULL, &json); break;
    case 12: st = openai_client_files_upload(C, UPLOAD, "assistants", NULL, &json); break;
    case 13: st = openai_client_files_download(C, FILE_ID, DEST, NULL, NULL); break;
    case 14: st = openai_client_batches_create(C, FILE_ID, "/v1/chat/completions", NULL, &json); break;
    case 15: st = openai_client_download_to_file(C, "downloadFile", NULL, NULL, NULL, DEST, NULL, NULL); break;
    default: st = openai_client_batches_retrieve(C, "batch_mock1", NULL, &json); break;
    }
    if (which == 15) st = st == OPENAI_STATUS_INVALID_ARGUMENT ? OPENAI_STATUS_OK : OPENAI_STATUS_INTERNAL;
    if (which == 16) st = st == OPENAI_STATUS_OK || st == OPENAI_STATUS_NOT_FOUND ? OPENAI_STATUS_OK : st;
    openai_pager_free(pg);
    openai_string_free(json);
    return st;
}

/* The nullable parameters of the queue's submissions: each must succeed when NULL. */
static openai_status nullable_queue(int which) {
    switch (which) {
    case 0: return openai_queue_submit_chat(Q, R, 0, NULL);
    case 1: return openai_queue_submit_chat_stream(Q, R, 0, NULL);
    default: return openai_queue_submit_call(Q, "listModels", NULL, NULL, NULL, 0, NULL);
    }
}

/* The nullable parameters of the conversation calls: each must succeed when NULL. */
static openai_status nullable_conversation(int which) {
    openai_chat_response *r = NULL;
    openai_chat_stream *s = NULL;
    const openai_chat_delta *d = NULL;
    openai_status st;
    switch (which) {
    case 0: st = openai_conversation_set_encoding(CV, NULL); break;
    case 1: st = openai_conversation_send(CV, C, "x", NULL, &r); break;
    case 2: st = openai_conversation_send(CV, C, NULL, T, &r); break;
    case 3: st = openai_conversation_send(CV, C, "x", T, NULL); break;
    case 4:
        st = openai_conversation_stream(CV, C, "x", NULL, &s);
        while (st == OPENAI_STATUS_OK && (st = openai_chat_stream_next(s, &d)) == OPENAI_STATUS_OK && d) {
        }
        break;
    default:
        st = openai_conversation_stream(CV, C, NULL, T, &s);
        while (st == OPENAI_STATUS_OK && (st = openai_chat_stream_next(s, &d)) == OPENAI_STATUS_OK && d) {
        }
        break;
    }
    openai_chat_stream_free(s);
    openai_chat_response_free(r);
    return st;
}
static openai_usage_totals USAGE;
static openai_call_report REPORT;
static uint64_t COUNT;

/* clang-format off */
#define NULL_CASES(N, G, F, OK, NOPTR) \
    NOPTR(openai_version) \
    F(openai_string_free, s, openai_string_free(NULL)) \
    NOPTR(openai_last_error_status) \
    NOPTR(openai_last_error_message) \
    NOPTR(openai_last_error_http_status) \
    NOPTR(openai_last_error_type) \
    NOPTR(openai_last_error_code) \
    NOPTR(openai_last_error_param) \
    NOPTR(openai_last_error_request_id) \
    NOPTR(openai_last_error_body) \
    NOPTR(openai_status_name) \
    N(openai_client_options_new, out, openai_client_options_new(NULL)) \
    F(openai_client_options_free, options, openai_client_options_free(NULL)) \
    N(openai_client_options_set_api_key, options, openai_client_options_set_api_key(NULL, "k")) \
    N(openai_client_options_set_api_key, key, openai_client_options_set_api_key(O, NULL)) \
    N(openai_client_options_set_base_url, options, openai_client_options_set_base_url(NULL, "http://x")) \
    N(openai_client_options_set_base_url, url, openai_client_options_set_base_url(O, NULL)) \
    N(openai_client_options_set_organization, options, openai_client_options_set_organization(NULL, "o")) \
    N(openai_client_options_set_organization, organization, openai_client_options_set_organization(O, NULL)) \
    N(openai_client_options_set_project, options, openai_client_options_set_project(NULL, "p")) \
    N(openai_client_options_set_project, project, openai_client_options_set_project(O, NULL)) \
    N(openai_client_options_set_azure_endpoint, options, openai_client_options_set_azure_endpoint(NULL, "http://x")) \
    N(openai_client_options_set_azure_endpoint, url, openai_client_options_set_azure_endpoint(O, NULL)) \
    N(openai_client_options_set_azure_deployment, options, openai_client_options_set_azure_deployment(NULL, "d")) \
    N(openai_client_options_set_azure_deployment, deployment, openai_client_options_set_azure_deployment(O, NULL)) \
    N(openai_client_options_set_azure_api_version, options, openai_client_options_set_azure_api_version(NULL, "v")) \
    N(openai_client_options_set_azure_api_version, api_version, openai_client_options_set_azure_api_version(O, NULL)) \
    N(openai_client_options_set_azure_ad_token, options, openai_client_options_set_azure_ad_token(NULL, "t")) \
    N(openai_client_options_set_azure_ad_token, token, openai_client_options_set_azure_ad_token(O, NULL)) \
    N(openai_client_options_set_azure_ad_token_per_request, options, openai_client_options_set_azure_ad_token_per_request(NULL)) \
    N(openai_client_options_set_proxy, options, openai_client_options_set_proxy(NULL, "http://p:1")) \
    N(openai_client_options_set_proxy, proxy_url, openai_client_options_set_proxy(O, NULL)) \
    N(openai_client_options_set_ca_file, options, openai_client_options_set_ca_file(NULL, "/x.pem")) \
    N(openai_client_options_set_ca_file, pem_path, openai_client_options_set_ca_file(O, NULL)) \
    N(openai_client_options_add_header, options, openai_client_options_add_header(NULL, "a", "b")) \
    N(openai_client_options_add_header, name, openai_client_options_add_header(O, NULL, "b")) \
    N(openai_client_options_add_header, value, openai_client_options_add_header(O, "a", NULL)) \
    N(openai_client_options_set_connect_timeout_ms, options, openai_client_options_set_connect_timeout_ms(NULL, 1)) \
    N(openai_client_options_set_request_timeout_ms, options, openai_client_options_set_request_timeout_ms(NULL, 1)) \
    N(openai_client_options_set_stream_idle_timeout_ms, options, openai_client_options_set_stream_idle_timeout_ms(NULL, 1)) \
    N(openai_client_options_set_total_timeout_ms, options, openai_client_options_set_total_timeout_ms(NULL, 1)) \
    N(openai_client_options_set_max_retries, options, openai_client_options_set_max_retries(NULL, 1)) \
    OK(openai_client_new, options, nullable_client_new()) \
    N(openai_client_new, out, openai_client_new(O, NULL)) \
    F(openai_client_free, client, openai_client_free(NULL)) \
    N(openai_client_set_credential, client, openai_client_set_credential(NULL, "sk-rotated-0123")) \
    N(openai_client_set_credential, token, openai_client_set_credential(C, NULL)) \
    N(openai_cancel_token_new, out, openai_cancel_token_new(NULL)) \
    N(openai_cancel_token_cancel, token, openai_cancel_token_cancel(NULL)) \
    G(openai_cancel_token_is_cancelled, token, openai_cancel_token_is_cancelled(NULL)) \
    F(openai_cancel_token_free, token, openai_cancel_token_free(NULL)) \
    N(openai_chat_request_new, model, openai_chat_request_new(NULL, OUT(openai_chat_request **))) \
    N(openai_chat_request_new, out, openai_chat_request_new(MODEL, NULL)) \
    N(openai_chat_request_from_json, json, openai_chat_request_from_json(NULL, OUT(openai_chat_request **))) \
    N(openai_chat_request_from_json, out, openai_chat_request_from_json("{}", NULL)) \
    F(openai_chat_request_free, request, openai_chat_request_free(NULL)) \
    N(openai_chat_request_add_message, request, openai_chat_request_add_message(NULL, OPENAI_ROLE_USER, "x")) \
    N(openai_chat_request_add_message, text, openai_chat_request_add_message(R, OPENAI_ROLE_USER, NULL)) \
    N(openai_chat_request_add_tool_result, request, openai_chat_request_add_tool_result(NULL, "id", "x")) \
    N(openai_chat_request_add_tool_result, tool_call_id, openai_chat_request_add_tool_result(R, NULL, "x")) \
    N(openai_chat_request_add_tool_result, text, openai_chat_request_add_tool_result(R, "id", NULL)) \
    N(openai_chat_request_add_image_url, request, openai_chat_request_add_image_url(NULL, "u", 0)) \
    N(openai_chat_request_add_image_url, url, openai_chat_request_add_image_url(R, NULL, 0)) \
    N(openai_chat_request_add_text_part, request, openai_chat_request_add_text_part(NULL, "x")) \
    N(openai_chat_request_add_text_part, text, openai_chat_request_add_text_part(R, NULL)) \
    N(openai_chat_request_set_max_tokens, request, openai_chat_request_set_max_tokens(NULL, 1)) \
    N(openai_chat_request_set_temperature, request, openai_chat_request_set_temperature(NULL, 1.0)) \
    N(openai_chat_request_set_json_mode, request, openai_chat_request_set_json_mode(NULL, true)) \
    N(openai_chat_request_set_field, request, openai_chat_request_set_field(NULL, "seed", "1")) \
    N(openai_chat_request_set_field, key, openai_chat_request_set_field(R, NULL, "1")) \
    N(openai_chat_request_set_field, value_json, openai_chat_request_set_field(R, "seed", NULL)) \
    G(openai_chat_request_message_count, request, openai_chat_request_message_count(NULL)) \
    N(openai_chat_request_to_json, request, openai_chat_request_to_json(NULL, OUT(char **))) \
    N(openai_chat_request_to_json, json_out, openai_chat_request_to_json(R, NULL)) \
    N(openai_client_chat, client, openai_client_chat(NULL, R, NULL, OUT(openai_chat_response **))) \
    N(openai_client_chat, request, openai_client_chat(C, NULL, NULL, OUT(openai_chat_response **))) \
    OK(openai_client_chat, cancel, nullable_chat_cancel()) \
    N(openai_client_chat, out, openai_client_chat(C, R, T, NULL)) \
    F(openai_chat_response_free, response, openai_chat_response_free(NULL)) \
    G(openai_chat_response_choice_count, response, openai_chat_response_choice_count(NULL)) \
    G(openai_chat_response_content, response, openai_chat_response_content(NULL, 0)) \
    G(openai_chat_response_finish_reason, response, openai_chat_response_finish_reason(NULL, 0)) \
    G(openai_chat_response_prompt_tokens, response, openai_chat_response_prompt_tokens(NULL)) \
    G(openai_chat_response_completion_tokens, response, openai_chat_response_completion_tokens(NULL)) \
    G(openai_chat_response_total_tokens, response, openai_chat_response_total_tokens(NULL)) \
    G(openai_chat_response_id, response, openai_chat_response_id(NULL)) \
    G(openai_chat_response_model, response, openai_chat_response_model(NULL)) \
    G(openai_chat_response_request_id, response, openai_chat_response_request_id(NULL)) \
    G(openai_chat_response_raw_json, response, openai_chat_response_raw_json(NULL)) \
    G(openai_chat_response_retries_taken, response, openai_chat_response_retries_taken(NULL)) \
    N(openai_client_chat_stream, client, openai_client_chat_stream(NULL, R, NULL, OUT(openai_chat_stream **))) \
    N(openai_client_chat_stream, request, openai_client_chat_stream(C, NULL, NULL, OUT(openai_chat_stream **))) \
    OK(openai_client_chat_stream, cancel, nullable_stream_cancel()) \
    N(openai_client_chat_stream, out, openai_client_chat_stream(C, R, T, NULL)) \
    N(openai_chat_stream_next, stream, openai_chat_stream_next(NULL, OUT(const openai_chat_delta **))) \
    N(openai_chat_stream_next, delta_out, openai_chat_stream_next(S, NULL)) \
    F(openai_chat_stream_free, stream, openai_chat_stream_free(NULL)) \
    G(openai_chat_stream_content, stream, openai_chat_stream_content(NULL)) \
    G(openai_chat_stream_finish_reason, stream, openai_chat_stream_finish_reason(NULL)) \
    G(openai_chat_stream_request_id, stream, openai_chat_stream_request_id(NULL)) \
    G(openai_chat_stream_is_complete, stream, openai_chat_stream_is_complete(NULL)) \
    N(openai_chat_stream_completion, stream, openai_chat_stream_completion(NULL, OUT(openai_chat_response **))) \
    N(openai_chat_stream_completion, out, openai_chat_stream_completion(S, NULL)) \
    G(openai_chat_delta_content, delta, openai_chat_delta_content(NULL)) \
    G(openai_chat_delta_finish_reason, delta, openai_chat_delta_finish_reason(NULL)) \
    G(openai_chat_delta_choice_count, delta, openai_chat_delta_choice_count(NULL)) \
    G(openai_chat_delta_raw_json, delta, openai_chat_delta_raw_json(NULL)) \
    N(openai_client_chat_stream_each, client, openai_client_chat_stream_each(NULL, R, NULL, continue_cb, NULL, NULL)) \
    N(openai_client_chat_stream_each, request, openai_client_chat_stream_each(C, NULL, NULL, continue_cb, NULL, NULL)) \
    OK(openai_client_chat_stream_each, cancel, nullable_each(0)) \
    N(openai_client_chat_stream_each, callback, openai_client_chat_stream_each(C, R, NULL, NULL, NULL, OUT(openai_chat_response **))) \
    OK(openai_client_chat_stream_each, user_data, nullable_each(1)) \
    OK(openai_client_chat_stream_each, out, nullable_each(2)) \
    N(openai_client_images_generate, client, openai_client_images_generate(NULL, "{\"prompt\":\"p\"}", NULL, OUT(openai_images_response **))) \
    N(openai_client_images_generate, request_json, openai_client_images_generate(C, NULL, NULL, OUT(openai_images_response **))) \
    OK(openai_client_images_generate, cancel, nullable_images_cancel()) \
    N(openai_client_images_generate, out, openai_client_images_generate(C, "{\"prompt\":\"p\"}", T, NULL)) \
    F(openai_images_response_free, response, openai_images_response_free(NULL)) \
    G(openai_images_response_count, response, openai_images_response_count(NULL)) \
    G(openai_images_response_url, response, openai_images_response_url(NULL, 0)) \
    G(openai_images_response_b64_json, response, openai_images_response_b64_json(NULL, 0)) \
    G(openai_images_response_revised_prompt, response, openai_images_response_revised_prompt(NULL, 0)) \
    G(openai_images_response_raw_json, response, openai_images_response_raw_json(NULL)) \
    N(openai_client_embeddings, client, openai_client_embeddings(NULL, EMB, NULL, OUT(char **))) \
    N(openai_client_embeddings, request_json, openai_client_embeddings(C, NULL, NULL, OUT(char **))) \
    OK(openai_client_embeddings, cancel, nullable_json(0)) \
    N(openai_client_embeddings, response_json_out, openai_client_embeddings(C, EMB, T, NULL)) \
    N(openai_client_models_list, client, openai_client_models_list(NULL, NULL, OUT(char **))) \
    OK(openai_client_models_list, cancel, nullable_json(1)) \
    N(openai_client_models_list, response_json_out, openai_client_models_list(C, T, NULL)) \
    N(openai_client_models_retrieve, client, openai_client_models_retrieve(NULL, MODEL, NULL, OUT(char **))) \
    N(openai_client_models_retrieve, model_id, openai_client_models_retrieve(C, NULL, NULL, OUT(char **))) \
    OK(openai_client_models_retrieve, cancel, nullable_json(2)) \
    N(openai_client_models_retrieve, response_json_out, openai_client_models_retrieve(C, MODEL, T, NULL)) \
    N(openai_client_request_json, client, openai_client_request_json(NULL, "GET", "models", NULL, NULL, OUT(char **))) \
    N(openai_client_request_json, method, openai_client_request_json(C, NULL, "models", NULL, NULL, OUT(char **))) \
    N(openai_client_request_json, path, openai_client_request_json(C, "GET", NULL, NULL, NULL, OUT(char **))) \
    OK(openai_client_request_json, body_json, nullable_json(3)) \
    OK(openai_client_request_json, cancel, nullable_json(4)) \
    N(openai_client_request_json, response_json_out, openai_client_request_json(C, "GET", "models", NULL, T, NULL)) \
    N(openai_responses_request_new, model, openai_responses_request_new(NULL, "x", OUT(openai_responses_request **))) \
    OK(openai_responses_request_new, input, nullable_responses(0)) \
    N(openai_responses_request_new, out, openai_responses_request_new(MODEL, "x", NULL)) \
    N(openai_responses_request_from_json, json, openai_responses_request_from_json(NULL, OUT(openai_responses_request **))) \
    N(openai_responses_request_from_json, out, openai_responses_request_from_json("{}", NULL)) \
    F(openai_responses_request_free, request, openai_responses_request_free(NULL)) \
    N(openai_responses_request_add_message, request, openai_responses_request_add_message(NULL, "user", "x")) \
    N(openai_responses_request_add_message, role, openai_responses_request_add_message(RR, NULL, "x")) \
    N(openai_responses_request_add_message, text, openai_responses_request_add_message(RR, "user", NULL)) \
    N(openai_responses_request_add_function_call_output, request, openai_responses_request_add_function_call_output(NULL, "c", "o")) \
    N(openai_responses_request_add_function_call_output, call_id, openai_responses_request_add_function_call_output(RR, NULL, "o")) \
    N(openai_responses_request_add_function_call_output, output, openai_responses_request_add_function_call_output(RR, "c", NULL)) \
    N(openai_responses_request_add_item_json, request, openai_responses_request_add_item_json(NULL, "{}")) \
    N(openai_responses_request_add_item_json, item_json, openai_responses_request_add_item_json(RR, NULL)) \
    N(openai_responses_request_set_field, request, openai_responses_request_set_field(NULL, "store", "true")) \
    N(openai_responses_request_set_field, key, openai_responses_request_set_field(RR, NULL, "true")) \
    N(openai_responses_request_set_field, value_json, openai_responses_request_set_field(RR, "store", NULL)) \
    N(openai_responses_request_to_json, request, openai_responses_request_to_json(NULL, OUT(char **))) \
    N(openai_responses_request_to_json, json_out, openai_responses_request_to_json(RR, NULL)) \
    N(openai_client_responses_create, client, openai_client_responses_create(NULL, RR, NULL, OUT(openai_response **))) \
    N(openai_client_responses_create, request, openai_client_responses_create(C, NULL, NULL, OUT(openai_response **))) \
    OK(openai_client_responses_create, cancel, nullable_responses(1)) \
    N(openai_client_responses_create, out, openai_client_responses_create(C, RR, T, NULL)) \
    F(openai_response_free, response, openai_response_free(NULL)) \
    G(openai_response_output_text, response, openai_response_output_text(NULL)) \
    G(openai_response_id, response, openai_response_id(NULL)) \
    G(openai_response_status, response, openai_response_status(NULL)) \
    G(openai_response_request_id, response, openai_response_request_id(NULL)) \
    G(openai_response_raw_json, response, openai_response_raw_json(NULL)) \
    G(openai_response_usage, response, openai_response_usage(NULL, &U1, &U1, &U1)) \
    OK(openai_response_usage, input_tokens, openai_response_usage(RP, NULL, &U1, &U1) ? OPENAI_STATUS_OK : OPENAI_STATUS_INTERNAL) \
    OK(openai_response_usage, output_tokens, openai_response_usage(RP, &U1, NULL, &U1) ? OPENAI_STATUS_OK : OPENAI_STATUS_INTERNAL) \
    OK(openai_response_usage, total_tokens, openai_response_usage(RP, &U1, &U1, NULL) ? OPENAI_STATUS_OK : OPENAI_STATUS_INTERNAL) \
    G(openai_response_output_count, response, openai_response_output_count(NULL)) \
    G(openai_response_output_item_type, response, openai_response_output_item_type(NULL, 0)) \
    G(openai_response_output_item_call_id, response, openai_response_output_item_call_id(NULL, 0)) \
    G(openai_response_output_item_name, response, openai_response_output_item_name(NULL, 0)) \
    G(openai_response_output_item_arguments, response, openai_response_output_item_arguments(NULL, 0)) \
    G(openai_response_output_item_json, response, openai_response_output_item_json(NULL, 0)) \
    N(openai_client_responses_stream, client, openai_client_responses_stream(NULL, RR, NULL, OUT(openai_responses_stream **))) \
    N(openai_client_responses_stream, request, openai_client_responses_stream(C, NULL, NULL, OUT(openai_responses_stream **))) \
    OK(openai_client_responses_stream, cancel, nullable_responses(2)) \
    N(openai_client_responses_stream, out, openai_client_responses_stream(C, RR, T, NULL)) \
    N(openai_responses_stream_next, stream, openai_responses_stream_next(NULL, OUT(const openai_response_event **))) \
    N(openai_responses_stream_next, event_out, openai_responses_stream_next(RS, NULL)) \
    F(openai_responses_stream_free, stream, openai_responses_stream_free(NULL)) \
    G(openai_responses_stream_is_complete, stream, openai_responses_stream_is_complete(NULL)) \
    G(openai_responses_stream_request_id, stream, openai_responses_stream_request_id(NULL)) \
    N(openai_responses_stream_response, stream, openai_responses_stream_response(NULL, OUT(openai_response **))) \
    N(openai_responses_stream_response, out, openai_responses_stream_response(RS, NULL)) \
    G(openai_response_event_type, event, openai_response_event_type(NULL)) \
    G(openai_response_event_sequence_number, event, openai_response_event_sequence_number(NULL) != -1) \
    G(openai_response_event_delta, event, openai_response_event_delta(NULL)) \
    G(openai_response_event_raw_json, event, openai_response_event_raw_json(NULL)) \
    N(openai_client_responses_stream_each, client, openai_client_responses_stream_each(NULL, RR, NULL, continue_event_cb, NULL, NULL)) \
    N(openai_client_responses_stream_each, request, openai_client_responses_stream_each(C, NULL, NULL, continue_event_cb, NULL, NULL)) \
    OK(openai_client_responses_stream_each, cancel, nullable_responses(3)) \
    N(openai_client_responses_stream_each, callback, openai_client_responses_stream_each(C, RR, NULL, NULL, NULL, OUT(openai_response **))) \
    OK(openai_client_responses_stream_each, user_data, nullable_responses(4)) \
    OK(openai_client_responses_stream_each, out, nullable_responses(5)) \
    N(openai_client_call, client, openai_client_call(NULL, "listModels", NULL, NULL, NULL, NULL, OUT(char **))) \
    N(openai_client_call, operation_id, openai_client_call(C, NULL, NULL, NULL, NULL, NULL, OUT(char **))) \
    OK(openai_client_call, path_json, nullable_responses(6)) \
    OK(openai_client_call, query_json, nullable_responses(7)) \
    OK(openai_client_call, body_json, nullable_responses(8)) \
    OK(openai_client_call, cancel, nullable_responses(9)) \
    N(openai_client_call, response_json_out, openai_client_call(C, "listModels", NULL, NULL, NULL, T, NULL)) \
    NOPTR(openai_last_response_status) \
    G(openai_last_response_header, name, openai_last_response_header(NULL)) \
    G(openai_last_response_rate_limits, out, openai_last_response_rate_limits(NULL)) \
    N(openai_form_new, out, openai_form_new(NULL)) \
    F(openai_form_free, form, openai_form_free(NULL)) \
    N(openai_form_add_text, form, openai_form_add_text(NULL, "a", "b")) \
    N(openai_form_add_text, name, openai_form_add_text(FORM, NULL, "b")) \
    N(openai_form_add_text, value, openai_form_add_text(FORM, "a", NULL)) \
    N(openai_form_add_file, form, openai_form_add_file(NULL, "file", UPLOAD, NULL, NULL)) \
    N(openai_form_add_file, name, openai_form_add_file(FORM, NULL, UPLOAD, NULL, NULL)) \
    N(openai_form_add_file, path, openai_form_add_file(FORM, "file", NULL, NULL, NULL)) \
    OK(openai_form_add_file, filename, nullable_generic(0)) \
    OK(openai_form_add_file, content_type, nullable_generic(1)) \
    N(openai_form_add_bytes, form, openai_form_add_bytes(NULL, "f", (const uint8_t *)"x", 1, "x.txt", NULL)) \
    N(openai_form_add_bytes, name, openai_form_add_bytes(FORM, NULL, (const uint8_t *)"x", 1, "x.txt", NULL)) \
    N(openai_form_add_bytes, data, openai_form_add_bytes(FORM, "f", NULL, 1, "x.txt", NULL)) \
    N(openai_form_add_bytes, filename, openai_form_add_bytes(FORM, "f", (const uint8_t *)"x", 1, NULL, NULL)) \
    OK(openai_form_add_bytes, content_type, nullable_generic(2)) \
    N(openai_client_call_form, client, openai_client_call_form(NULL, "createFile", NULL, NULL, FORM, NULL, OUT(char **))) \
    N(openai_client_call_form, operation_id, openai_client_call_form(C, NULL, NULL, NULL, FORM, NULL, OUT(char **))) \
    OK(openai_client_call_form, path_json, nullable_generic(3)) \
    OK(openai_client_call_form, query_json, nullable_generic(4)) \
    N(openai_client_call_form, form, openai_client_call_form(C, "createFile", NULL, NULL, NULL, NULL, OUT(char **))) \
    OK(openai_client_call_form, cancel, nullable_generic(5)) \
    N(openai_client_call_form, response_json_out, openai_client_call_form(C, "createFile", NULL, NULL, FORM, NULL, NULL)) \
    N(openai_client_download_to_file, client, openai_client_download_to_file(NULL, "downloadFile", FILE_PATH_JSON, NULL, NULL, DEST, NULL, NULL)) \
    N(openai_client_download_to_file, operation_id, openai_client_download_to_file(C, NULL, FILE_PATH_JSON, NULL, NULL, DEST, NULL, NULL)) \
    OK(openai_client_download_to_file, path_json, nullable_generic(15)) \
    OK(openai_client_download_to_file, query_json, nullable_generic(7)) \
    OK(openai_client_download_to_file, body_json, nullable_generic(6)) \
    N(openai_client_download_to_file, dest_path, openai_client_download_to_file(C, "downloadFile", FILE_PATH_JSON, NULL, NULL, NULL, NULL, NULL)) \
    OK(openai_client_download_to_file, cancel, nullable_generic(7)) \
    OK(openai_client_download_to_file, bytes_out, nullable_generic(7)) \
    N(openai_client_download_each, client, openai_client_download_each(NULL, "downloadFile", FILE_PATH_JSON, NULL, NULL, NULL, continue_bytes_cb, NULL, NULL)) \
    N(openai_client_download_each, operation_id, openai_client_download_each(C, NULL, FILE_PATH_JSON, NULL, NULL, NULL, continue_bytes_cb, NULL, NULL)) \
    OK(openai_client_download_each, path_json, nullable_generic(15)) \
    OK(openai_client_download_each, query_json, nullable_generic(8)) \
    OK(openai_client_download_each, body_json, nullable_generic(9)) \
    OK(openai_client_download_each, cancel, nullable_generic(8)) \
    N(openai_client_download_each, callback, openai_client_download_each(C, "downloadFile", FILE_PATH_JSON, NULL, NULL, NULL, NULL, NULL, NULL)) \
    OK(openai_client_download_each, user_data, nullable_generic(8)) \
    OK(openai_client_download_each, bytes_out, nullable_generic(8)) \
    N(openai_client_pages, client, openai_client_pages(NULL, "listFiles", NULL, NULL, OUT(openai_pager **))) \
    N(openai_client_pages, operation_id, openai_client_pages(C, NULL, NULL, NULL, OUT(openai_pager **))) \
    OK(openai_client_pages, path_json, nullable_generic(10)) \
    OK(openai_client_pages, query_json, nullable_generic(10)) \
    N(openai_client_pages, out, openai_client_pages(C, "listFiles", NULL, NULL, NULL)) \
    N(openai_pager_next, pager, openai_pager_next(NULL, NULL, OUT(char **))) \
    OK(openai_pager_next, cancel, nullable_generic(11)) \
    N(openai_pager_next, page_json_out, openai_pager_next(PG, NULL, NULL)) \
    G(openai_pager_has_next, pager, openai_pager_has_next(NULL)) \
    F(openai_pager_free, pager, openai_pager_free(NULL)) \
    N(openai_client_files_upload, client, openai_client_files_upload(NULL, UPLOAD, "batch", NULL, OUT(char **))) \
    N(openai_client_files_upload, path, openai_client_files_upload(C, NULL, "batch", NULL, OUT(char **))) \
    N(openai_client_files_upload, purpose, openai_client_files_upload(C, UPLOAD, NULL, NULL, OUT(char **))) \
    OK(openai_client_files_upload, cancel, nullable_generic(12)) \
    N(openai_client_files_upload, file_json_out, openai_client_files_upload(C, UPLOAD, "batch", NULL, NULL)) \
    N(openai_client_files_download, client, openai_client_files_download(NULL, FILE_ID, DEST, NULL, NULL)) \
    N(openai_client_files_download, file_id, openai_client_files_download(C, NULL, DEST, NULL, NULL)) \
    N(openai_client_files_download, dest_path, openai_client_files_download(C, FILE_ID, NULL, NULL, NULL)) \
    OK(openai_client_files_download, cancel, nullable_generic(13)) \
    OK(openai_client_files_download, bytes_out, nullable_generic(13)) \
    N(openai_client_batches_create, client, openai_client_batches_create(NULL, FILE_ID, "/v1/chat/completions", NULL, OUT(char **))) \
    N(openai_client_batches_create, input_file_id, openai_client_batches_create(C, NULL, "/v1/chat/completions", NULL, OUT(char **))) \
    N(openai_client_batches_create, endpoint, openai_client_batches_create(C, FILE_ID, NULL, NULL, OUT(char **))) \
    OK(openai_client_batches_create, cancel, nullable_generic(14)) \
    N(openai_client_batches_create, batch_json_out, openai_client_batches_create(C, FILE_ID, "/v1/chat/completions", NULL, NULL)) \
    N(openai_client_batches_retrieve, client, openai_client_batches_retrieve(NULL, "b", NULL, OUT(char **))) \
    N(openai_client_batches_retrieve, batch_id, openai_client_batches_retrieve(C, NULL, NULL, OUT(char **))) \
    OK(openai_client_batches_retrieve, cancel, nullable_generic(16)) \
    N(openai_client_batches_retrieve, batch_json_out, openai_client_batches_retrieve(C, "b", NULL, NULL)) \
    N(openai_client_bulk_run, client, openai_client_bulk_run(NULL, BULK_IN, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) \
    N(openai_client_bulk_run, input_path, openai_client_bulk_run(C, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) \
    OK(openai_client_bulk_run, output_path, nullable_bulk(0)) \
    OK(openai_client_bulk_run, options_json, nullable_bulk(0)) \
    OK(openai_client_bulk_run, cancel, nullable_bulk(0)) \
    OK(openai_client_bulk_run, on_result, nullable_bulk(0)) \
    OK(openai_client_bulk_run, on_progress, nullable_bulk(0)) \
    OK(openai_client_bulk_run, user_data, nullable_bulk(1)) \
    OK(openai_client_bulk_run, summary_out, nullable_bulk(0)) \
    N(openai_queue_new, client, openai_queue_new(NULL, OUT(openai_queue **))) \
    N(openai_queue_new, out, openai_queue_new(C, NULL)) \
    F(openai_queue_free, queue, openai_queue_free(NULL)) \
    G(openai_queue_fd, queue, openai_queue_fd(NULL) != -1) \
    N(openai_queue_submit_chat, queue, openai_queue_submit_chat(NULL, R, 0, NULL)) \
    N(openai_queue_submit_chat, request, openai_queue_submit_chat(Q, NULL, 0, NULL)) \
    OK(openai_queue_submit_chat, id_out, nullable_queue(0)) \
    N(openai_queue_submit_chat_stream, queue, openai_queue_submit_chat_stream(NULL, R, 0, NULL)) \
    N(openai_queue_submit_chat_stream, request, openai_queue_submit_chat_stream(Q, NULL, 0, NULL)) \
    OK(openai_queue_submit_chat_stream, id_out, nullable_queue(1)) \
    N(openai_queue_submit_call, queue, openai_queue_submit_call(NULL, "listModels", NULL, NULL, NULL, 0, NULL)) \
    N(openai_queue_submit_call, operation_id, openai_queue_submit_call(Q, NULL, NULL, NULL, NULL, 0, NULL)) \
    OK(openai_queue_submit_call, path_json, nullable_queue(2)) \
    OK(openai_queue_submit_call, query_json, nullable_queue(2)) \
    OK(openai_queue_submit_call, body_json, nullable_queue(2)) \
    OK(openai_queue_submit_call, id_out, nullable_queue(2)) \
    G(openai_queue_cancel, queue, openai_queue_cancel(NULL, 1)) \
    G(openai_queue_pop, queue, openai_queue_pop(NULL)) \
    N(openai_queue_wait, queue, openai_queue_wait(NULL, 0)) \
    G(openai_queue_outstanding, queue, openai_queue_outstanding(NULL)) \
    F(openai_completion_free, completion, openai_completion_free(NULL)) \
    G(openai_completion_id, completion, openai_completion_id(NULL)) \
    G(openai_completion_tag, completion, openai_completion_tag(NULL)) \
    G(openai_completion_get_kind, completion, openai_completion_get_kind(NULL)) \
    G(openai_completion_status, completion, openai_completion_status(NULL) != OPENAI_STATUS_NULL_ARGUMENT) \
    G(openai_completion_http_status, completion, openai_completion_http_status(NULL)) \
    G(openai_completion_error_message, completion, openai_completion_error_message(NULL)) \
    G(openai_completion_body, completion, openai_completion_body(NULL)) \
    G(openai_completion_chat_response, completion, openai_completion_chat_response(NULL)) \
    G(openai_completion_delta, completion, openai_completion_delta(NULL)) \
    N(openai_conversation_new, model, openai_conversation_new(NULL, OUT(openai_conversation **))) \
    N(openai_conversation_new, out, openai_conversation_new(MODEL, NULL)) \
    N(openai_conversation_clone, conversation, openai_conversation_clone(NULL, OUT(openai_conversation **))) \
    N(openai_conversation_clone, out, openai_conversation_clone(CV, NULL)) \
    F(openai_conversation_free, conversation, openai_conversation_free(NULL)) \
    N(openai_conversation_set_system, conversation, openai_conversation_set_system(NULL, "s")) \
    N(openai_conversation_set_system, text, openai_conversation_set_system(CV, NULL)) \
    N(openai_conversation_push, conversation, openai_conversation_push(NULL, OPENAI_ROLE_USER, "x")) \
    N(openai_conversation_push, text, openai_conversation_push(CV, OPENAI_ROLE_USER, NULL)) \
    N(openai_conversation_push_json, conversation, openai_conversation_push_json(NULL, "{}")) \
    N(openai_conversation_push_json, message_json, openai_conversation_push_json(CV, NULL)) \
    N(openai_conversation_set_params_json, conversation, openai_conversation_set_params_json(NULL, "{}")) \
    N(openai_conversation_set_params_json, params_json, openai_conversation_set_params_json(CV, NULL)) \
    G(openai_conversation_undo, conversation, openai_conversation_undo(NULL)) \
    N(openai_conversation_clear, conversation, openai_conversation_clear(NULL)) \
    G(openai_conversation_message_count, conversation, openai_conversation_message_count(NULL)) \
    N(openai_conversation_messages_json, conversation, openai_conversation_messages_json(NULL, OUT(char **))) \
    N(openai_conversation_messages_json, out, openai_conversation_messages_json(CV, NULL)) \
    N(openai_conversation_set_context_window, conversation, openai_conversation_set_context_window(NULL, 1000)) \
    G(openai_conversation_context_window, conversation, openai_conversation_context_window(NULL)) \
    N(openai_conversation_set_reserve_output_tokens, conversation, openai_conversation_set_reserve_output_tokens(NULL, 10)) \
    N(openai_conversation_set_encoding, conversation, openai_conversation_set_encoding(NULL, "o200k_base")) \
    OK(openai_conversation_set_encoding, name, nullable_conversation(0)) \
    N(openai_conversation_set_budget_usd, conversation, openai_conversation_set_budget_usd(NULL, 1.0)) \
    N(openai_conversation_set_use_responses_api, conversation, openai_conversation_set_use_responses_api(NULL, true)) \
    N(openai_conversation_load_prices, conversation, openai_conversation_load_prices(NULL, "/x.json")) \
    N(openai_conversation_load_prices, path, openai_conversation_load_prices(CV, NULL)) \
    G(openai_conversation_count_tokens, conversation, openai_conversation_count_tokens(NULL)) \
    N(openai_conversation_usage, conversation, openai_conversation_usage(NULL, &USAGE)) \
    N(openai_conversation_usage, out, openai_conversation_usage(CV, NULL)) \
    G(openai_conversation_cost_usd, conversation, openai_conversation_cost_usd(NULL) != 0.0) \
    N(openai_conversation_last_call, conversation, openai_conversation_last_call(NULL, &REPORT)) \
    N(openai_conversation_last_call, out, openai_conversation_last_call(CV, NULL)) \
    N(openai_count_tokens, model, openai_count_tokens(NULL, "x", &COUNT)) \
    N(openai_count_tokens, text, openai_count_tokens(MODEL, NULL, &COUNT)) \
    N(openai_count_tokens, out, openai_count_tokens(MODEL, "x", NULL)) \
    N(openai_count_message_tokens, model, openai_count_message_tokens(NULL, "[]", &COUNT)) \
    N(openai_count_message_tokens, messages_json, openai_count_message_tokens(MODEL, NULL, &COUNT)) \
    N(openai_count_message_tokens, out, openai_count_message_tokens(MODEL, "[]", NULL)) \
    N(openai_conversation_send, conversation, openai_conversation_send(NULL, C, "x", NULL, OUT(openai_chat_response **))) \
    N(openai_conversation_send, client, openai_conversation_send(CV, NULL, "x", NULL, OUT(openai_chat_response **))) \
    OK(openai_conversation_send, user_text, nullable_conversation(2)) \
    OK(openai_conversation_send, cancel, nullable_conversation(1)) \
    OK(openai_conversation_send, out, nullable_conversation(3)) \
    N(openai_conversation_stream, conversation, openai_conversation_stream(NULL, C, "x", NULL, OUT(openai_chat_stream **))) \
    N(openai_conversation_stream, client, openai_conversation_stream(CV, NULL, "x", NULL, OUT(openai_chat_stream **))) \
    OK(openai_conversation_stream, user_text, nullable_conversation(5)) \
    OK(openai_conversation_stream, cancel, nullable_conversation(4)) \
    N(openai_conversation_stream, out, openai_conversation_stream(CV, C, "x", T, NULL)) \
    N(openai_conversation_to_json, conversation, openai_conversation_to_json(NULL, OUT(char **))) \
    N(openai_conversation_to_json, out, openai_conversation_to_json(CV, NULL)) \
    N(openai_conversation_from_json, json, openai_conversation_from_json(NULL, OUT(openai_conversation **))) \
    N(openai_conversation_from_json, out, openai_conversation_from_json("{}", NULL)) \
    N(openai_conversation_save, conversation, openai_conversation_save(NULL, "/tmp/x.json")) \
    N(openai_conversation_save, path, openai_conversation_save(CV, NULL)) \
    N(openai_conversation_load, path, openai_conversation_load(NULL, OUT(openai_conversation **))) \
    N(openai_conversation_load, out, openai_conversation_load("/tmp/x.json", NULL))
/* clang-format on */

static int fail_row(const char *fn, const char *param, const char *why) {
    fprintf(stderr, "%s(%s = NULL): %s\n", fn, param, why);
    print_last_error();
    return 1;
}

#define DEF_N(fn, param, call)                                                                     \
    static int row_##fn##_##param(void) {                                                          \
        openai_status st;                                                                          \
        slot = SENTINEL;                                                                           \
        st = (call);                                                                               \
        if (st != OPENAI_STATUS_NULL_ARGUMENT) return fail_row(#fn, #param, status_name(st));      \
        if (slot != SENTINEL) return fail_row(#fn, #param, "an out-parameter was written");        \
        if (!contains(openai_last_error_message(), "`" #param "`"))                                \
            return fail_row(#fn, #param, "the message does not name the parameter");               \
        return 0;                                                                                  \
    }
#define DEF_G(fn, param, call)                                                                     \
    static int row_##fn##_##param(void) {                                                          \
        return (call) ? fail_row(#fn, #param, "returned non-zero") : 0;                            \
    }
#define DEF_F(fn, param, call)                                                                     \
    static int row_##fn##_##param(void) {                                                          \
        call;                                                                                      \
        return 0;                                                                                  \
    }
#define DEF_OK(fn, param, call)                                                                    \
    static int row_##fn##_##param(void) {                                                          \
        openai_status st = (call);                                                                 \
        return st == OPENAI_STATUS_OK ? 0 : fail_row(#fn, #param, status_name(st));                \
    }
#define DEF_NOPTR(fn)

NULL_CASES(DEF_N, DEF_G, DEF_F, DEF_OK, DEF_NOPTR)

struct row {
    const char *fn;
    const char *param;
    int (*run)(void);
};
#define ROW(fn, param, call) {#fn, #param, row_##fn##_##param},
#define ROW_NOPTR(fn)
static const struct row ROWS[] = {NULL_CASES(ROW, ROW, ROW, ROW, ROW_NOPTR){NULL, NULL, NULL}};

int test_null_arguments(void) {
    const struct row *row;
    int failures = 0, n = 0;
    C = mock_client(NULL, NULL, 0);
    R = user_request("null table");
    CHECK(C && R);
    CHECK_OK(openai_client_options_new(&O));
    CHECK_OK(openai_cancel_token_new(&T));
    CHECK_OK(openai_queue_new(C, &Q));
    CHECK_OK(openai_client_chat(C, R, NULL, &RESP));
    CHECK_OK(openai_client_chat_stream(C, R, NULL, &S));
    CHECK_OK(openai_chat_stream_next(S, &D));
    CHECK(D != NULL);
    CHECK_OK(openai_client_images_generate(C, "{\"prompt\":\"p\"}", NULL, &IMG));
    CHECK_OK(openai_conversation_new(MODEL, &CV));
    CHECK_OK(openai_conversation_push(CV, OPENAI_ROLE_USER, "null table"));
    CHECK_OK(openai_responses_request_new(MODEL, "null table", &RR));
    CHECK_OK(openai_client_responses_create(C, RR, NULL, &RP));
    CHECK_OK(openai_client_responses_stream(C, RR, NULL, &RS));
    CHECK_OK(openai_responses_stream_next(RS, &RE));
    CHECK(RE != NULL);
    {
        FILE *f;
        char *json = NULL;
        snprintf(UPLOAD, sizeof UPLOAD, "/tmp/openai-null-%ld.jsonl", (long)getpid());
        snprintf(DEST, sizeof DEST, "/tmp/openai-null-%ld.out", (long)getpid());
        f = fopen(UPLOAD, "wb");
        CHECK(f != NULL);
        fputs("{\"a\":1}\n", f);
        fclose(f);
        CHECK_OK(openai_client_files_upload(C, UPLOAD, "batch", NULL, &json));
        CHECK(sscanf(strstr(json, "\"id\":\"") + 6, "%127[^\"]", FILE_ID) == 1);
        openai_string_free(json);
        snprintf(FILE_PATH_JSON, sizeof FILE_PATH_JSON, "{\"file_id\":\"%s\"}", FILE_ID);
        CHECK_OK(openai_form_new(&FORM));
        CHECK_OK(openai_form_add_text(FORM, "purpose", "assistants"));
        CHECK_OK(openai_form_add_file(FORM, "file", UPLOAD, NULL, NULL));
        CHECK_OK(openai_client_pages(C, "listFiles", NULL, "{\"limit\":1}", &PG));
        snprintf(BULK_IN, sizeof BULK_IN, "/tmp/openai-null-%ld.bulk.jsonl", (long)getpid());
        snprintf(BULK_OUT, sizeof BULK_OUT, "%s.out", BULK_IN);
        f = fopen(BULK_IN, "wb");
        CHECK(f != NULL);
        fputs("{\"custom_id\":\"n\",\"method\":\"POST\",\"url\":\"/v1/embeddings\","
              "\"body\":{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}}\n", f);
        fclose(f);
    }
    for (row = ROWS; row->fn; row++, n++) failures += row->run();
    /* The fixtures are intact: the stream goes on where it was. */
    CHECK_OK(openai_chat_stream_next(S, &D));
    CHECK(D != NULL);
    CHECK_OK(openai_responses_stream_next(RS, &RE));
    CHECK(RE != NULL);
    fprintf(stderr, "%d NULL-argument rows, %d failures\n", n, failures);
    openai_images_response_free(IMG);
    openai_pager_free(PG);
    openai_queue_free(Q);
    openai_form_free(FORM);
    unlink(UPLOAD);
    unlink(DEST);
    unlink(BULK_IN);
    unlink(BULK_OUT);
    openai_responses_stream_free(RS);
    openai_response_free(RP);
    openai_responses_request_free(RR);
    openai_conversation_free(CV);
    openai_chat_stream_free(S);
    openai_chat_response_free(RESP);
    openai_cancel_token_free(T);
    openai_client_options_free(O);
    openai_chat_request_free(R);
    openai_client_free(C);
    return failures ? 1 : 0;
}
