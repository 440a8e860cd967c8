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
    CHECK_OK(openai_client_chat(C, R, NULL, &RESP));
    CHECK_OK(openai_client_chat_stream(C, R, NULL, &S));
    CHECK_OK(openai_chat_stream_next(S, &D));
    CHECK(D != NULL);
    CHECK_OK(openai_client_images_generate(C, "{\"prompt\":\"p\"}", NULL, &IMG));
    CHECK_OK(openai_conversation_new(MODEL, &CV));
    CHECK_OK(openai_conversation_push(CV, OPENAI_ROLE_USER, "null table"));
    for (row = ROWS; row->fn; row++, n++) failures += row->run();
    /* The fixtures are intact: the stream goes on where it was. */
    CHECK_OK(openai_chat_stream_next(S, &D));
    CHECK(D != NULL);
    fprintf(stderr, "%d NULL-argument rows, %d failures\n", n, failures);
    openai_images_response_free(IMG);
    openai_conversation_free(CV);
    openai_chat_stream_free(S);
    openai_chat_response_free(RESP);
    openai_cancel_token_free(T);
    openai_client_options_free(O);
    openai_chat_request_free(R);
    openai_client_free(C);
    return failures ? 1 : 0;
}
