/* Signals: nothing the library's threads do may raise a signal in the host. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* A server that, like a proxy with a body-size limit, answers 413 as soon as it has the request
 * head, without reading the body, and closes: the client is still uploading into a socket whose
 * peer is gone, which is what raises SIGPIPE. */
struct early_413 {
    int listener;
    atomic_int served;
};

static void *serve_413(void *arg) {
    struct early_413 *s = arg;
    static const char reply[] = "HTTP/1.1 413 Payload Too Large\r\n"
                                "content-type: application/json\r\n"
                                "content-length: 58\r\n"
                                "connection: close\r\n\r\n"
                                "{\"error\":{\"message\":\"too large\",\"type\":\"invalid_request\"}}";
    for (;;) {
        char head[8192];
        size_t got = 0;
        int fd = accept(s->listener, NULL, NULL);
        if (fd < 0) return NULL;
        while (got < sizeof head - 1) {
            ssize_t n = read(fd, head + got, sizeof head - 1 - got);
            if (n <= 0) break;
            got += (size_t)n;
            head[got] = '\0';
            if (strstr(head, "\r\n\r\n")) break;
        }
        if (write(fd, reply, sizeof reply - 1) < 0) { /* the client went away: nothing to do */
        }
        /* FIN after the reply, then a close with the body unread: the kernel answers every further
         * segment of the upload with RST, and the client's next writes fail with EPIPE. */
        shutdown(fd, SHUT_WR);
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
        close(fd);
        atomic_fetch_add(&s->served, 1);
    }
}

int test_sigpipe_not_raised(void) {
    struct early_413 srv;
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    pthread_t thread;
    openai_client_options *o = NULL;
    openai_client *c = NULL;
    char base[64], *out = NULL, *body;
    const size_t body_len = 16u << 20;
    /* A C program that never touched SIGPIPE: the default action kills the process. */
    signal(SIGPIPE, SIG_DFL);
    atomic_init(&srv.served, 0);
    srv.listener = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(srv.listener >= 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(srv.listener, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(srv.listener, 8) == 0);
    CHECK(getsockname(srv.listener, (struct sockaddr *)&addr, &len) == 0);
    snprintf(base, sizeof base, "http://127.0.0.1:%d/v1", ntohs(addr.sin_port));
    CHECK(pthread_create(&thread, NULL, serve_413, &srv) == 0);

    body = malloc(body_len + 32);
    CHECK(body != NULL);
    strcpy(body, "{\"input\":\"");
    memset(body + 10, 'a', body_len);
    strcpy(body + 10 + body_len, "\"}");

    CHECK_OK(openai_client_options_new(&o));
    CHECK_OK(openai_client_options_set_base_url(o, base));
    CHECK_OK(openai_client_options_set_api_key(o, "sk-test"));
    CHECK_OK(openai_client_options_set_max_retries(o, 0));
    CHECK_OK(openai_client_new(o, &c));
    openai_client_options_free(o);
    for (int i = 0; i < 3; i++) {
        openai_status st = openai_client_request_json(c, "POST", "embeddings", body, NULL, &out);
        /* The status, delivered although the upload failed behind it; never a signal. Under
         * Valgrind (scaled-down runs, 20-50x slower) the failed write can beat the reading of the
         * answer: then the EPIPE itself is the result, still a status and not a signal. */
        if (st == OPENAI_STATUS_CONNECTION && scaled(100) < 100) {
            CHECK_CONTAINS(openai_last_error_message(), "Broken pipe");
            continue;
        }
        CHECK_STATUS(st, OPENAI_STATUS_API_STATUS);
        CHECK(openai_last_error_http_status() == 413);
        CHECK_CONTAINS(openai_last_error_message(), "too large");
    }
    /* The upload of the last call may still be failing on a library thread after the call
     * returned: give it time to hit the closed socket. */
    {
        struct timespec pause = {0, 300 * 1000000L};
        nanosleep(&pause, NULL);
    }
    CHECK(atomic_load(&srv.served) >= 3);
    openai_client_free(c);
    free(body);
    shutdown(srv.listener, SHUT_RDWR);
    close(srv.listener);
    pthread_join(thread, NULL);
    return 0;
}
