/* The completion queue on a libuv loop: its descriptor watched by a uv_poll_t, results handled
 * in the poll callback, a timer running beside it on the same thread. */
#define _POSIX_C_SOURCE 200809L /* uv.h needs the POSIX types (pthread_rwlock_t) */
#include <stdio.h>

#include <uv.h>

#include "openai.h"

static const char *QUESTIONS[] = {"Name a prime number.", "Name a colour.", "Name a planet."};
#define N_QUESTIONS (sizeof QUESTIONS / sizeof QUESTIONS[0])

struct app {
    openai_queue *queue;
    uv_poll_t poll;
    uv_timer_t guard;
    unsigned answered, failed, ticks;
};

static void on_tick(uv_timer_t *t) {
    struct app *app = t->data;
    app->ticks++; /* the loop stays free for other work while requests run */
    if (app->ticks > 3000) { /* 30 s: give up */
        fprintf(stderr, "nothing finished within 30 s\n");
        app->failed++;
        uv_poll_stop(&app->poll);
        uv_timer_stop(&app->guard);
    }
}

static void on_ready(uv_poll_t *p, int status, int events) {
    struct app *app = p->data;
    openai_completion *c;
    (void)events;
    if (status < 0) {
        fprintf(stderr, "poll: %s\n", uv_strerror(status));
        app->failed++;
        uv_poll_stop(p);
        uv_timer_stop(&app->guard);
        return;
    }
    while ((c = openai_queue_pop(app->queue)) != NULL) {
        uint64_t tag = openai_completion_tag(c);
        if (openai_completion_status(c) == OPENAI_STATUS_OK) {
            printf("uv answer %llu (%s): %s\n", (unsigned long long)tag, QUESTIONS[tag],
                   openai_chat_response_content(openai_completion_chat_response(c), 0));
            app->answered++;
        } else {
            fprintf(stderr, "request %llu failed: %s\n", (unsigned long long)tag,
                    openai_completion_error_message(c));
            app->failed++;
        }
        openai_completion_free(c);
    }
    if (openai_queue_outstanding(app->queue) == 0) {
        uv_poll_stop(p);
        uv_timer_stop(&app->guard);
    }
}

int main(void) {
    openai_client *client = NULL;
    struct app app = {0};
    uv_loop_t *loop = uv_default_loop();
    size_t i;
    if (openai_client_new(NULL, &client) != OPENAI_STATUS_OK ||
        openai_queue_new(client, &app.queue) != OPENAI_STATUS_OK) {
        fprintf(stderr, "%s\n", openai_last_error_message());
        return 1;
    }
    for (i = 0; i < N_QUESTIONS; i++) {
        openai_chat_request *req = NULL;
        if (openai_chat_request_new("gpt-4o-mini", &req) != OPENAI_STATUS_OK ||
            openai_chat_request_add_message(req, OPENAI_ROLE_USER, QUESTIONS[i]) != OPENAI_STATUS_OK ||
            openai_queue_submit_chat(app.queue, req, i, NULL) != OPENAI_STATUS_OK) {
            fprintf(stderr, "%s\n", openai_last_error_message());
            return 1;
        }
        openai_chat_request_free(req);
    }
    uv_poll_init(loop, &app.poll, openai_queue_fd(app.queue));
    app.poll.data = &app;
    uv_poll_start(&app.poll, UV_READABLE, on_ready);
    uv_timer_init(loop, &app.guard);
    app.guard.data = &app;
    uv_timer_start(&app.guard, on_tick, 10, 10);
    uv_run(loop, UV_RUN_DEFAULT);
    /* Handles are closed before the queue that owns the descriptor. */
    uv_close((uv_handle_t *)&app.poll, NULL);
    uv_close((uv_handle_t *)&app.guard, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    printf("uv done: %u answers, %u failed\n", app.answered, app.failed);
    openai_queue_free(app.queue);
    openai_client_free(client);
    return app.failed ? 1 : 0;
}
