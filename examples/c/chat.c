/* One chat completion: a system and a user message, then the reply, finish reason and usage.
 * Configuration comes from the environment: OPENAI_API_KEY, OPENAI_BASE_URL (or .env). */
#include <stdio.h>
#include <stdlib.h>

#include <openai.h>

static int fail(const char *what, openai_status st) {
    fprintf(stderr, "%s failed: %s: %s\n", what, openai_status_name(st), openai_last_error_message());
    if (openai_last_error_request_id()) fprintf(stderr, "request id: %s\n", openai_last_error_request_id());
    return 1;
}

int main(void) {
    const char *model = getenv("OPENAI_MODEL") ? getenv("OPENAI_MODEL") : "gpt-4o-mini";
    openai_client *client = NULL;
    openai_chat_request *req = NULL;
    openai_chat_response *resp = NULL;
    openai_status st;
    int rc = 1;

    if ((st = openai_client_new(NULL, &client))) return fail("openai_client_new", st);
    if ((st = openai_chat_request_new(model, &req)) ||
        (st = openai_chat_request_add_message(req, OPENAI_ROLE_SYSTEM, "You are a helpful assistant.")) ||
        (st = openai_chat_request_add_message(req, OPENAI_ROLE_USER,
                                              "Explain how a neural network works, with a metaphor."))) {
        rc = fail("building the request", st);
        goto out;
    }
    if ((st = openai_client_chat(client, req, NULL, &resp))) {
        rc = fail("openai_client_chat", st);
        goto out;
    }
    printf("%s\n\n", openai_chat_response_content(resp, 0));
    printf("finish_reason: %s\n", openai_chat_response_finish_reason(resp, 0));
    printf("tokens: %llu prompt + %llu completion = %llu\n",
           (unsigned long long)openai_chat_response_prompt_tokens(resp),
           (unsigned long long)openai_chat_response_completion_tokens(resp),
           (unsigned long long)openai_chat_response_total_tokens(resp));
    rc = 0;
out:
    openai_chat_response_free(resp);
    openai_chat_request_free(req);
    openai_client_free(client);
    return rc;
}
