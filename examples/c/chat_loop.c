/* A multi-turn chat: reads lines from stdin, sends the whole history each turn, and appends each
 * reply to it. Empty line or end of input quits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openai.h>

int main(void) {
    const char *model = getenv("OPENAI_MODEL") ? getenv("OPENAI_MODEL") : "gpt-4o-mini";
    openai_client *client = NULL;
    openai_chat_request *history = NULL;
    openai_status st;
    char line[4096];
    int turns = 0;

    if ((st = openai_client_new(NULL, &client)) || (st = openai_chat_request_new(model, &history)) ||
        (st = openai_chat_request_add_message(history, OPENAI_ROLE_SYSTEM, "You are a friendly assistant."))) {
        fprintf(stderr, "error: %s: %s\n", openai_status_name(st), openai_last_error_message());
        return 1;
    }
    for (;;) {
        openai_chat_response *resp = NULL;
        printf("you> ");
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin)) break;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0') break;
        if ((st = openai_chat_request_add_message(history, OPENAI_ROLE_USER, line)) ||
            (st = openai_client_chat(client, history, NULL, &resp))) {
            /* A failed turn is reported; the conversation goes on. */
            fprintf(stderr, "error: %s: %s\n", openai_status_name(st), openai_last_error_message());
            continue;
        }
        printf("assistant> %s\n", openai_chat_response_content(resp, 0));
        /* Keep the reply in the history so the next turn has the context. */
        if (openai_chat_response_content(resp, 0))
            openai_chat_request_add_message(history, OPENAI_ROLE_ASSISTANT, openai_chat_response_content(resp, 0));
        openai_chat_response_free(resp);
        turns++;
    }
    printf("\n%d turns, %zu messages in the history\n", turns, openai_chat_request_message_count(history));
    openai_chat_request_free(history);
    openai_client_free(client);
    return 0;
}
