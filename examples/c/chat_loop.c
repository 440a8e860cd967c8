/* The guides' multi-turn chat loop on an openai_conversation: it keeps the history, resends it
 * every turn (leaving out the oldest turns when it outgrows the context window), streams each
 * reply, and counts tokens and cost.
 *
 * Commands: /tokens (the history's size), /cost (usage so far), /undo (forget the last turn),
 * /quit. An empty line or the end of input quits too.
 * OPENAI_MODEL picks the model; OPENAI_RS_CONTEXT_WINDOW sets a smaller window, to see trimming. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openai.h>

static int fail(openai_status st) {
    fprintf(stderr, "error: %s: %s\n", openai_status_name(st), openai_last_error_message());
    return 1;
}

/* Streams one turn, printing the reply as it arrives; nothing is kept if it fails. */
static openai_status turn(openai_conversation *conv, const openai_client *client, const char *text) {
    openai_chat_stream *stream = NULL;
    const openai_chat_delta *delta = NULL;
    openai_status st = openai_conversation_stream(conv, client, text, NULL, &stream);
    if (st) return st;
    printf("assistant> ");
    while ((st = openai_chat_stream_next(stream, &delta)) == OPENAI_STATUS_OK && delta) {
        if (openai_chat_delta_content(delta)) fputs(openai_chat_delta_content(delta), stdout);
        fflush(stdout);
    }
    printf("\n");
    openai_chat_stream_free(stream);
    return st;
}

int main(void) {
    const char *model = getenv("OPENAI_MODEL") ? getenv("OPENAI_MODEL") : "gpt-4o-mini";
    const char *window = getenv("OPENAI_RS_CONTEXT_WINDOW");
    openai_client *client = NULL;
    openai_conversation *conv = NULL;
    openai_status st;
    char line[4096];
    int turns = 0;

    if ((st = openai_client_new(NULL, &client)) || (st = openai_conversation_new(model, &conv)) ||
        (st = openai_conversation_set_system(conv, "You are a friendly assistant.")) ||
        (window && (st = openai_conversation_set_context_window(conv, strtoull(window, NULL, 10)))))
        return fail(st);
    for (;;) {
        openai_call_report report;
        printf("you> ");
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin)) break;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || strcmp(line, "/quit") == 0) break;
        if (strcmp(line, "/tokens") == 0) {
            printf("history: %llu tokens in %zu messages; context window: %llu tokens\n",
                   (unsigned long long)openai_conversation_count_tokens(conv), openai_conversation_message_count(conv),
                   (unsigned long long)openai_conversation_context_window(conv));
            continue;
        }
        if (strcmp(line, "/cost") == 0) {
            openai_usage_totals u;
            if ((st = openai_conversation_usage(conv, &u))) return fail(st);
            printf("usage: %llu calls, %llu prompt + %llu completion tokens, $%.6f\n", (unsigned long long)u.calls,
                   (unsigned long long)u.prompt_tokens, (unsigned long long)u.completion_tokens, u.cost_usd);
            continue;
        }
        if (strcmp(line, "/undo") == 0) {
            size_t removed = openai_conversation_undo(conv);
            if (removed) turns--;
            printf("undone: %zu messages removed\n", removed);
            continue;
        }
        if ((st = turn(conv, client, line))) {
            /* A failed turn is reported and left out; the conversation goes on. */
            fail(st);
            continue;
        }
        turns++;
        if (openai_conversation_last_call(conv, &report) == OPENAI_STATUS_OK && report.dropped_messages)
            printf("(trimmed: %llu older messages not sent, to fit the context window)\n",
                   (unsigned long long)report.dropped_messages);
    }
    printf("\n%d turns, %zu messages in the history\n", turns, openai_conversation_message_count(conv));
    openai_conversation_free(conv);
    openai_client_free(client);
    return 0;
}
