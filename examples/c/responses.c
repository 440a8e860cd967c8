/* The Responses API from C: one response, then the same question streamed as typed events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openai.h>

int main(void) {
    const char *model = getenv("OPENAI_MODEL") ? getenv("OPENAI_MODEL") : "gpt-4o-mini";
    openai_client *client = NULL;
    openai_responses_request *req = NULL;
    openai_response *resp = NULL, *streamed = NULL;
    openai_responses_stream *stream = NULL;
    const openai_response_event *event = NULL;
    uint64_t in = 0, out_tokens = 0, total = 0;
    openai_status st;
    int rc = 1;

    if ((st = openai_client_new(NULL, &client)) ||
        (st = openai_responses_request_new(model, "Explain recursion in one sentence.", &req)) ||
        (st = openai_responses_request_set_field(req, "instructions", "\"Be brief.\"")) ||
        (st = openai_client_responses_create(client, req, NULL, &resp)))
        goto out;
    printf("output_text: %s\n", openai_response_output_text(resp));
    printf("status: %s\n", openai_response_status(resp));
    if (openai_response_usage(resp, &in, &out_tokens, &total))
        printf("tokens: %llu input + %llu output = %llu\n", (unsigned long long)in,
               (unsigned long long)out_tokens, (unsigned long long)total);

    /* Events are borrowed until the next call; NULL with OPENAI_STATUS_OK is the normal end. */
    if ((st = openai_client_responses_stream(client, req, NULL, &stream))) goto out;
    printf("streamed: ");
    while ((st = openai_responses_stream_next(stream, &event)) == OPENAI_STATUS_OK && event != NULL) {
        if (strcmp(openai_response_event_type(event), "response.output_text.delta") == 0) {
            fputs(openai_response_event_delta(event), stdout);
            fflush(stdout);
        }
    }
    if (st) goto out; /* truncated, error event, timeout, ... */
    if ((st = openai_responses_stream_response(stream, &streamed))) goto out;
    printf("\nfinal status: %s\n", openai_response_status(streamed));
    rc = 0;
out:
    if (rc) fprintf(stderr, "\nerror: %s: %s\n", openai_status_name(st), openai_last_error_message());
    openai_response_free(streamed);
    openai_responses_stream_free(stream);
    openai_response_free(resp);
    openai_responses_request_free(req);
    openai_client_free(client);
    return rc;
}
