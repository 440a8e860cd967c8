/* The Responses API and the generic call by operation id, against the mock. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>

#include "harness.h"

int test_responses_create(void) {
    openai_client *c = mock_client(NULL, NULL, 0);
    openai_responses_request *r = NULL;
    openai_response *resp = NULL;
    uint64_t in = 0, out = 0, total = 0;
    CHECK(c != NULL);
    CHECK_OK(openai_responses_request_new(MODEL, "Hello from C", &r));
    CHECK_OK(openai_client_responses_create(c, r, NULL, &resp));
    CHECK(strcmp(openai_response_output_text(resp), "You said: Hello from C") == 0);
    CHECK(strcmp(openai_response_status(resp), "completed") == 0);
    CHECK(strncmp(openai_response_id(resp), "resp_", 5) == 0);
    CHECK(openai_response_request_id(resp) != NULL);
    CHECK(openai_response_usage(resp, &in, &out, &total));
    CHECK(in > 0 && out > 0 && total == in + out);
    CHECK(openai_response_output_count(resp) == 1);
    CHECK(strcmp(openai_response_output_item_type(resp, 0), "message") == 0);
    CHECK(openai_response_output_item_call_id(resp, 0) == NULL);
    CHECK(openai_response_output_item_type(resp, 1) == NULL);
    CHECK(contains(openai_response_raw_json(resp), "\"object\":\"response\""));
    openai_response_free(resp);
    openai_responses_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_responses_builder_and_json(void) {
    openai_client *c = mock_client(NULL, NULL, 0);
    openai_responses_request *r = NULL, *j = NULL;
    openai_response *resp = NULL;
    char *json = NULL;
    CHECK(c != NULL);
    CHECK_OK(openai_responses_request_new(MODEL, NULL, &r));
    CHECK_OK(openai_responses_request_add_message(r, "user", "first"));
    CHECK_OK(openai_responses_request_add_message(r, "user", "second"));
    CHECK_OK(openai_responses_request_set_field(r, "instructions", "\"Be brief.\""));
    CHECK_STATUS(openai_responses_request_add_message(r, "robot", "x"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_responses_request_set_field(r, "stream", "true"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_responses_request_set_field(r, "max_output_tokens", "\"many\""),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_responses_request_add_item_json(r, "[1]"), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_OK(openai_responses_request_to_json(r, &json));
    CHECK(contains(json, "\"instructions\":\"Be brief.\""));
    CHECK(contains(json, "\"content\":\"second\""));
    CHECK_OK(openai_client_responses_create(c, r, NULL, &resp));
    CHECK(contains(openai_response_output_text(resp), "You said: second"));
    CHECK(contains(openai_response_output_text(resp), "instructions"));
    openai_response_free(resp);
    resp = NULL;
    CHECK_OK(openai_responses_request_from_json(json, &j));
    CHECK_OK(openai_client_responses_create(c, j, NULL, &resp));
    CHECK(contains(openai_response_output_text(resp), "You said: second"));
    CHECK_STATUS(openai_responses_request_from_json("[]", &j), OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_responses_request_from_json("{\"model\": 5}", &j), OPENAI_STATUS_INVALID_ARGUMENT);
    openai_string_free(json);
    openai_response_free(resp);
    openai_responses_request_free(j);
    openai_responses_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_responses_function_calls(void) {
    openai_client *c = mock_client(NULL, NULL, 0);
    openai_responses_request *r = NULL;
    openai_response *first = NULL, *second = NULL;
    const char *tools = "[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":"
                        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}]";
    CHECK(c != NULL);
    CHECK_OK(openai_responses_request_new(MODEL, NULL, &r));
    CHECK_OK(openai_responses_request_add_message(r, "user", "Weather in Paris?"));
    CHECK_OK(openai_responses_request_set_field(r, "tools", tools));
    CHECK_OK(openai_client_responses_create(c, r, NULL, &first));
    CHECK(strcmp(openai_response_output_item_type(first, 0), "function_call") == 0);
    CHECK(strcmp(openai_response_output_item_name(first, 0), "get_weather") == 0);
    CHECK(openai_response_output_item_arguments(first, 0) != NULL);
    CHECK(strcmp(openai_response_output_text(first), "") == 0);
    CHECK_OK(openai_responses_request_add_item_json(r, openai_response_output_item_json(first, 0)));
    CHECK_OK(openai_responses_request_add_function_call_output(
        r, openai_response_output_item_call_id(first, 0), "sunny"));
    CHECK_OK(openai_client_responses_create(c, r, NULL, &second));
    CHECK(strcmp(openai_response_output_text(second), "Tool result: sunny") == 0);
    openai_response_free(second);
    openai_response_free(first);
    openai_responses_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_responses_stream_pull(void) {
    openai_client *c = mock_client(NULL, test_id("rstream"), 0);
    openai_responses_request *r = NULL;
    openai_responses_stream *s = NULL;
    const openai_response_event *e = NULL;
    openai_response *plain = NULL, *assembled = NULL;
    char text[512] = "";
    int events = 0;
    int64_t last_seq = -1;
    openai_status st;
    CHECK(c != NULL);
    CHECK_OK(openai_responses_request_new(MODEL, "stream to C", &r));
    CHECK_OK(openai_client_responses_create(c, r, NULL, &plain));
    CHECK_OK(openai_client_responses_stream(c, r, NULL, &s));
    CHECK(openai_responses_stream_request_id(s) != NULL);
    while ((st = openai_responses_stream_next(s, &e)) == OPENAI_STATUS_OK && e != NULL) {
        const char *type = openai_response_event_type(e);
        CHECK(openai_response_event_sequence_number(e) == last_seq + 1);
        last_seq = openai_response_event_sequence_number(e);
        if (events++ == 0) CHECK(strcmp(type, "response.created") == 0);
        if (strcmp(type, "response.output_text.delta") == 0) {
            CHECK(openai_response_event_delta(e) != NULL);
            strncat(text, openai_response_event_delta(e), sizeof text - strlen(text) - 1);
        }
        CHECK(contains(openai_response_event_raw_json(e), type));
    }
    CHECK_OK(st);
    CHECK(openai_responses_stream_is_complete(s));
    CHECK(strcmp(text, openai_response_output_text(plain)) == 0);
    /* After the end the stream stays ended. */
    CHECK_OK(openai_responses_stream_next(s, &e));
    CHECK(e == NULL);
    CHECK_OK(openai_responses_stream_response(s, &assembled));
    CHECK(strcmp(openai_response_output_text(assembled), openai_response_output_text(plain)) == 0);
    CHECK(strcmp(openai_response_id(assembled), openai_response_id(plain)) == 0);
    openai_response_free(assembled);
    openai_response_free(plain);
    openai_responses_stream_free(s);
    openai_responses_request_free(r);
    openai_client_free(c);
    return 0;
}

static int count_events(void *user_data, const openai_response_event *e) {
    int *n = user_data;
    (void)e;
    return ++*n >= 1000 ? OPENAI_ITER_BREAK : OPENAI_ITER_CONTINUE;
}

static int stop_at_first_delta(void *user_data, const openai_response_event *e) {
    (void)user_data;
    return strcmp(openai_response_event_type(e), "response.output_text.delta") == 0 ? OPENAI_ITER_BREAK
                                                                                    : OPENAI_ITER_CONTINUE;
}

int test_responses_stream_callback(void) {
    openai_client *c = mock_client(NULL, NULL, 0);
    openai_responses_request *r = NULL;
    openai_response *resp = NULL;
    int n = 0;
    CHECK(c != NULL);
    CHECK_OK(openai_responses_request_new(MODEL, "callbacks in C", &r));
    CHECK_OK(openai_client_responses_stream_each(c, r, NULL, count_events, &n, &resp));
    CHECK(n > 5);
    CHECK(strcmp(openai_response_output_text(resp), "You said: callbacks in C") == 0);
    CHECK_STATUS(openai_client_responses_stream_each(c, r, NULL, stop_at_first_delta, NULL, NULL),
                 OPENAI_STATUS_ABORTED_BY_CALLBACK);
    openai_response_free(resp);
    openai_responses_request_free(r);
    openai_client_free(c);
    return 0;
}

static int expect_responses_failure(const char *fault, openai_status want, int want_deltas) {
    const char *id = test_id("rfail");
    openai_client *c = mock_client(fault, id, 0);
    openai_responses_request *r = NULL;
    openai_responses_stream *s = NULL;
    const openai_response_event *e = NULL;
    openai_status st;
    int deltas = 0;
    CHECK(c != NULL);
    CHECK_OK(openai_responses_request_new(MODEL, "cut me short please", &r));
    CHECK_OK(openai_client_responses_stream(c, r, NULL, &s));
    while ((st = openai_responses_stream_next(s, &e)) == OPENAI_STATUS_OK && e != NULL) {
        if (strcmp(openai_response_event_type(e), "response.output_text.delta") == 0) deltas++;
        CHECK(!contains(openai_response_event_type(e), "response.completed"));
    }
    CHECK_STATUS(st, want);
    if (want == OPENAI_STATUS_STREAM_EVENT) CHECK(contains(openai_last_error_code(), "overloaded"));
    CHECK(deltas == want_deltas);
    CHECK(!openai_responses_stream_is_complete(s));
    /* The failure is sticky. */
    CHECK_STATUS(openai_responses_stream_next(s, &e), want);
    CHECK(journal_count(id) == 1);
    openai_responses_stream_free(s);
    openai_responses_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_responses_stream_failures(void) {
    if (expect_responses_failure("close-after=2", OPENAI_STATUS_STREAM_TRUNCATED, 2)) return 1;
    if (expect_responses_failure("reset-after=2", OPENAI_STATUS_STREAM_TRUNCATED, 2)) return 1;
    if (expect_responses_failure("truncate-after=2", OPENAI_STATUS_STREAM_TRUNCATED, 2)) return 1;
    return expect_responses_failure("error-after=1;code=overloaded", OPENAI_STATUS_STREAM_EVENT, 1);
}

int test_responses_unknown_events(void) {
    openai_client *c = mock_client("unknown-event-after=1;no-sequence-number", NULL, 0);
    openai_responses_request *r = NULL;
    openai_responses_stream *s = NULL;
    const openai_response_event *e = NULL;
    openai_status st;
    int unknown = 0;
    CHECK(c != NULL);
    CHECK_OK(openai_responses_request_new(MODEL, "odd server", &r));
    CHECK_OK(openai_client_responses_stream(c, r, NULL, &s));
    while ((st = openai_responses_stream_next(s, &e)) == OPENAI_STATUS_OK && e != NULL) {
        if (strcmp(openai_response_event_type(e), "response.mock_unknown") == 0) unknown++;
        CHECK(openai_response_event_sequence_number(e) == -1);
    }
    CHECK_OK(st);
    CHECK(unknown == 1);
    openai_responses_stream_free(s);
    openai_responses_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_call_by_operation_id(void) {
    const char *id = test_id("call");
    openai_client *c = mock_client(NULL, id, 0);
    openai_responses_request *r = NULL;
    openai_response *resp = NULL;
    char *json = NULL, path[128];
    CHECK(c != NULL);
    CHECK_OK(openai_client_call(c, "listModels", NULL, NULL, NULL, NULL, &json));
    CHECK(contains(json, "\"object\":\"list\""));
    openai_string_free(json);
    CHECK_OK(openai_client_call(c, "retrieveModel", "{\"model\": \"gpt-4o-mini\"}", NULL, NULL, NULL, &json));
    CHECK(contains(json, "\"id\":\"gpt-4o-mini\""));
    openai_string_free(json);
    /* A stored response through the generic call: retrieve, input items with a query, delete. */
    CHECK_OK(openai_responses_request_new(MODEL, "generic", &r));
    CHECK_OK(openai_client_responses_create(c, r, NULL, &resp));
    snprintf(path, sizeof path, "{\"response_id\": \"%s\"}", openai_response_id(resp));
    CHECK_OK(openai_client_call(c, "getResponse", path, NULL, NULL, NULL, &json));
    CHECK(contains(json, openai_response_id(resp)));
    openai_string_free(json);
    CHECK_OK(openai_client_call(c, "listInputItems", path, "{\"limit\": 1, \"order\": \"asc\"}", NULL, NULL, &json));
    CHECK(contains(json, "\"has_more\":false"));
    openai_string_free(json);
    CHECK_OK(openai_client_call(c, "deleteResponse", path, NULL, NULL, NULL, &json));
    CHECK(contains(json, "\"deleted\":true"));
    openai_string_free(json);
    CHECK_STATUS(openai_client_call(c, "getResponse", path, NULL, NULL, NULL, &json), OPENAI_STATUS_NOT_FOUND);
    /* Refused before sending: an unknown id, a missing path parameter, a body where none goes. */
    json = NULL;
    CHECK_STATUS(openai_client_call(c, "noSuchOperation", NULL, NULL, NULL, NULL, &json),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_client_call(c, "getResponse", NULL, NULL, NULL, NULL, &json),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_client_call(c, "listModels", NULL, NULL, "{}", NULL, &json),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(openai_client_call(c, "listModels", "[1]", NULL, NULL, NULL, &json),
                 OPENAI_STATUS_INVALID_ARGUMENT);
    CHECK(json == NULL);
    openai_response_free(resp);
    openai_responses_request_free(r);
    openai_client_free(c);
    return 0;
}

int test_conversation_over_responses(void) {
    const char *id = test_id("conv-resp");
    openai_client *c = mock_client(NULL, id, 0);
    openai_conversation *conv = NULL;
    openai_chat_response *r = NULL;
    openai_chat_stream *s = NULL;
    const openai_chat_delta *d = NULL;
    openai_status st;
    char text[256] = "";
    CHECK(c != NULL);
    CHECK_OK(openai_conversation_new(MODEL, &conv));
    CHECK_OK(openai_conversation_set_system(conv, "Be brief."));
    CHECK_OK(openai_conversation_set_use_responses_api(conv, true));
    CHECK_OK(openai_conversation_send(conv, c, "hello over responses", NULL, &r));
    CHECK(contains(openai_chat_response_content(r, 0), "You said: hello over responses"));
    CHECK_OK(openai_conversation_stream(conv, c, "and streamed", NULL, &s));
    while ((st = openai_chat_stream_next(s, &d)) == OPENAI_STATUS_OK && d != NULL) {
        if (openai_chat_delta_content(d)) strncat(text, openai_chat_delta_content(d), sizeof text - strlen(text) - 1);
    }
    CHECK_OK(st);
    CHECK(contains(text, "You said: and streamed"));
    CHECK(openai_conversation_message_count(conv) == 5);
    CHECK(journal_count(id) == 2);
    openai_chat_stream_free(s);
    openai_chat_response_free(r);
    openai_conversation_free(conv);
    openai_client_free(c);
    return 0;
}
