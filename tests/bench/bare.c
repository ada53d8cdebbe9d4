/*
 * tests/bench/bare.c: the yardstick of make bench. A bare ulfius program
 * with one endpoint that answers a constant JSON body, started the way
 * ulfius starts by default (a thread per connection), or with
 * libmicrohttpd's epoll and a pool of threads. Whatever our server does on
 * top of the framework shows as its ratio to this program in the same run.
 *
 * Usage: bare PORT [BODY_BYTES [THREADS]]
 *   BODY_BYTES  size of the JSON body (default 15, {"status":"ok"})
 *   THREADS     0 (default): ulfius_start_framework; N: epoll with N threads
 * Stops on SIGTERM or SIGINT.
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

static char *body;
static size_t body_length;

static int answer(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
    (void)req;
    (void)user_data;
    ulfius_set_binary_body_response(resp, 200, body, body_length);
    u_map_put(resp->map_header, "Content-Type", "application/json");
    return U_CALLBACK_COMPLETE;
}

/* {"status":"ok"} for the default size, else {"pad":"xxx..."} of the size asked. */
static char *make_body(size_t size)
{
    const char tiny[] = "{\"status\":\"ok\"}";
    char *out = malloc(size + sizeof(tiny));

    if (out == NULL)
        return NULL;
    if (size <= sizeof(tiny) - 1) {
        memcpy(out, tiny, sizeof(tiny));
        body_length = sizeof(tiny) - 1;
        return out;
    }
    memset(out, 'x', size);
    memcpy(out, "{\"pad\":\"", 8);
    memcpy(out + size - 2, "\"}", 2);
    out[size] = '\0';
    body_length = size;
    return out;
}

int main(int argc, char **argv)
{
    struct _u_instance instance;
    sigset_t signals;
    int received, status;
    long port = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    long size = argc > 2 ? strtol(argv[2], NULL, 10) : 15;
    long threads = argc > 3 ? strtol(argv[3], NULL, 10) : 0;

    if (port <= 0 || port > 65535 || size < 0 || threads < 0) {
        fprintf(stderr, "usage: bare PORT [BODY_BYTES [THREADS]]\n");
        return 2;
    }
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    if ((body = make_body((size_t)size)) == NULL || ulfius_init_instance(&instance, (unsigned)port, NULL, NULL) != U_OK)
        return 1;
    ulfius_add_endpoint_by_val(&instance, "GET", NULL, "/healthz", 0, answer, NULL);
    if (threads == 0) {
        status = ulfius_start_framework(&instance);
    } else {
        struct MHD_OptionItem options[] = {
            { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL },
            { MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL },
            { MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL },
            { MHD_OPTION_END, 0, NULL },
        };
        status = ulfius_start_framework_with_mhd_options(
            &instance, MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, options);
    }
    if (status != U_OK) {
        fprintf(stderr, "bare: cannot listen on port %ld\n", port);
        return 1;
    }
    sigwait(&signals, &received);
    ulfius_stop_framework(&instance);
    ulfius_clean_instance(&instance);
    free(body);
    return 0;
}
