/* A streamed reply, printed as it arrives (pull style: openai_chat_stream_next until NULL). */
#include <stdio.h>
#include <stdlib.h>

#include <openai.h>

int main(void) {
    const char *model = getenv("OPENAI_MODEL") ? getenv("OPENAI_MODEL") : "gpt-4o-mini";
    openai_client *client = NULL;
    openai_chat_request *req = NULL;
    openai_chat_stream *stream = NULL;
    openai_chat_response *done = NULL;
    const openai_chat_delta *delta = NULL;
    openai_status st;
    int rc = 1;

    if ((st = openai_client_new(NULL, &client)) || (st = openai_chat_request_new(model, &req)) ||
        (st = openai_chat_request_add_message(req, OPENAI_ROLE_USER, "Write a haiku about recursion.")) ||
        (st = openai_chat_request_set_field(req, "stream_options", "{\"include_usage\": true}")) ||
        (st = openai_client_chat_stream(client, req, NULL, &stream)))
        goto out;
    /* Each delta is borrowed until the next call; NULL with OPENAI_STATUS_OK is the normal end. */
    while ((st = openai_chat_stream_next(stream, &delta)) == OPENAI_STATUS_OK && delta != NULL) {
        const char *text = openai_chat_delta_content(delta);
        if (text) {
            fputs(text, stdout);
            fflush(stdout);
        }
    }
    if (st) goto out; /* truncated, error event, timeout, ... */
    if ((st = openai_chat_stream_completion(stream, &done))) goto out;
    printf("\n\nfinish_reason: %s\n", openai_chat_stream_finish_reason(stream));
    printf("total tokens: %llu\n", (unsigned long long)openai_chat_response_total_tokens(done));
    rc = 0;
out:
    if (rc) fprintf(stderr, "\nerror: %s: %s\n", openai_status_name(st), openai_last_error_message());
    openai_chat_response_free(done);
    openai_chat_stream_free(stream);
    openai_chat_request_free(req);
    openai_client_free(client);
    return rc;
}
