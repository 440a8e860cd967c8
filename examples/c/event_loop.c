/* Many requests from one thread with poll(): submit them all to a completion queue, then wait
 * on its descriptor (beside your program's own, in a real loop) and handle each result as it
 * finishes. No thread per request, no blocking call. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>

#include "openai.h"

static const char *QUESTIONS[] = {
    "Name a prime number.",
    "Name a colour.",
    "Name a planet.",
    "Name a river.",
};
#define N_QUESTIONS (sizeof QUESTIONS / sizeof QUESTIONS[0])
#define STREAM_TAG 100

static int fail(const char *what, openai_status st) {
    fprintf(stderr, "%s: %s: %s\n", what, openai_status_name(st), openai_last_error_message());
    return 1;
}

int main(void) {
    openai_client *client = NULL;
    openai_queue *queue = NULL;
    openai_status st;
    size_t i;
    unsigned answered = 0, failed = 0, chunks = 0;

    if ((st = openai_client_new(NULL, &client)) != OPENAI_STATUS_OK) return fail("client", st);
    if ((st = openai_queue_new(client, &queue)) != OPENAI_STATUS_OK) return fail("queue", st);

    for (i = 0; i <= N_QUESTIONS; i++) {
        openai_chat_request *req = NULL;
        const char *q = i < N_QUESTIONS ? QUESTIONS[i] : "Tell me a very short story.";
        if ((st = openai_chat_request_new("gpt-4o-mini", &req)) != OPENAI_STATUS_OK ||
            (st = openai_chat_request_add_message(req, OPENAI_ROLE_USER, q)) != OPENAI_STATUS_OK)
            return fail("request", st);
        /* Returns at once; the tag comes back with the result. The request is copied. */
        st = i < N_QUESTIONS ? openai_queue_submit_chat(queue, req, i, NULL)
                             : openai_queue_submit_chat_stream(queue, req, STREAM_TAG, NULL);
        openai_chat_request_free(req);
        if (st != OPENAI_STATUS_OK) return fail("submit", st);
    }

    while (openai_queue_outstanding(queue) > 0) {
        /* Your loop's other descriptors go in this array too. */
        struct pollfd fds[1] = {{0, POLLIN, 0}};
        openai_completion *c;
        fds[0].fd = openai_queue_fd(queue);
        if (poll(fds, 1, 30000) <= 0) {
            fprintf(stderr, "nothing finished within 30 s\n");
            return 1;
        }
        while ((c = openai_queue_pop(queue)) != NULL) {
            uint64_t tag = openai_completion_tag(c);
            const openai_chat_response *reply = openai_completion_chat_response(c);
            if (openai_completion_status(c) != OPENAI_STATUS_OK) {
                fprintf(stderr, "request %llu failed: %s\n", (unsigned long long)tag,
                        openai_completion_error_message(c));
                failed++;
            } else if (openai_completion_get_kind(c) == OPENAI_COMPLETION_KIND_STREAM_DELTA) {
                chunks++; /* openai_chat_delta_content(openai_completion_delta(c)): the new text */
            } else if (tag == STREAM_TAG) {
                printf("story (%u chunks): %s\nstory finish_reason: %s\n", chunks,
                       openai_chat_response_content(reply, 0),
                       openai_chat_response_finish_reason(reply, 0));
            } else {
                printf("answer %llu (%s): %s\n", (unsigned long long)tag, QUESTIONS[tag],
                       openai_chat_response_content(reply, 0));
                answered++;
            }
            openai_completion_free(c);
        }
    }
    printf("done: %u answers, %u failed\n", answered, failed);
    openai_queue_free(queue);
    openai_client_free(client);
    return failed ? 1 : 0;
}
