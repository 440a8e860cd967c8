/* JSON mode: the model answers with a JSON object (the prompt must mention JSON). */
#include <stdio.h>
#include <stdlib.h>

#include <openai.h>

int main(void) {
    const char *model = getenv("OPENAI_MODEL") ? getenv("OPENAI_MODEL") : "gpt-4o-mini";
    openai_client *client = NULL;
    openai_chat_request *req = NULL;
    openai_chat_response *resp = NULL;
    openai_status st;

    if ((st = openai_client_new(NULL, &client)) || (st = openai_chat_request_new(model, &req)) ||
        (st = openai_chat_request_add_message(req, OPENAI_ROLE_SYSTEM, "Reply with a JSON object.")) ||
        (st = openai_chat_request_add_message(req, OPENAI_ROLE_USER, "List three primary colors as JSON.")) ||
        (st = openai_chat_request_set_json_mode(req, true)) ||
        (st = openai_client_chat(client, req, NULL, &resp))) {
        fprintf(stderr, "error: %s: %s\n", openai_status_name(st), openai_last_error_message());
    } else {
        printf("json: %s\n", openai_chat_response_content(resp, 0));
    }
    openai_chat_response_free(resp);
    openai_chat_request_free(req);
    openai_client_free(client);
    return st ? 1 : 0;
}
