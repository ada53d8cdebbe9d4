/*
 * cmd/insatskatalog/main.c: start-up and orderly shutdown of the server.
 *
 * Usage: insatskatalog            serve on $PORT until SIGTERM or SIGINT
 *        insatskatalog healthcheck  GET /healthz on $PORT; exit 0 if it answers 200
 *                                   (the container HEALTHCHECK, so the image needs no curl)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <ulfius.h>

#include "../../internal/config/config.h"
#include "../../internal/db/cache.h"
#include "../../internal/db/kept_routes.h"
#include "../../internal/db/notify.h"
#include "../../internal/db/pool.h"
#include "../../internal/db/registry.h"
#include "../../internal/file/file.h"
#include "../../internal/http/app.h"
#include "../../internal/http/body.h"
#include "../../internal/http/body_gate.h"
#include "../../internal/http/connections.h"
#include "../../internal/http/metrics.h"
#include "../../internal/http/ratelimit.h"
#include "../../internal/http/routes.h"
#include "../../internal/http/static.h"
#include "../../internal/log/log.h"

#ifndef INSATSKATALOG_VERSION
#define INSATSKATALOG_VERSION "dev"
#endif

/* How long shutdown waits for requests in flight before closing anyway. */
#define DRAIN_TIMEOUT_MS 10000

/* A bare HTTP/1.0 GET over loopback: no libcurl needed in the runtime image. */
static int run_healthcheck(unsigned port)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    const char request[] = "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n";
    char reply[64] = { 0 };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int ok = 0;

    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&address, sizeof(address)) == 0
        && write(fd, request, sizeof(request) - 1) == (ssize_t)(sizeof(request) - 1)
        && read(fd, reply, sizeof(reply) - 1) > 12)
        ok = strncmp(reply + 8, " 200", 4) == 0;
    if (fd >= 0)
        close(fd);
    return ok ? 0 : 1;
}

/* Room for every option http_options() sets, and for more (limits, timeouts) added beside them. */
#define HTTP_OPTIONS_MAX (8 + CONNECTIONS_OPTION_COUNT)

/*
 * The libmicrohttpd flags and options the server starts with: every choice
 * about how connections are served is made here. Returns the flags; fills
 * options (MHD_OPTION_END last).
 *
 * HTTP_THREADS > 0 (the default): epoll and a pool of that many threads, each
 * serving many connections; a request holds its thread while it runs, so a
 * read that waits for PostgreSQL delays the other connections of its thread
 * (the bench's mixed row measures that; see README). HTTP_THREADS=0: a thread
 * per connection, as ulfius starts by default. The connection limits and
 * deadlines of http/connections.c come last: a later option overrides an
 * earlier one.
 */
static unsigned int http_options(const struct config *config, struct connections *connections,
                                 struct MHD_OptionItem options[HTTP_OPTIONS_MAX])
{
    /* MHD_USE_ITC: MHD_quiesce_daemon needs it to stop accepting while requests in flight finish. */
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    size_t count = 0;

    options[count++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)body_gate_request_completed,
                                                NULL };
    /* libmicrohttpd zeroes a connection's whole memory pool after every
     * request (32 KiB by default, a few per cent of a cached read's CPU);
     * 16 KiB still holds request headers far beyond what clients send. */
    options[count++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 16 * 1024, NULL };
    if (config->http_threads > 0) {
        flags |= MHD_USE_EPOLL_INTERNAL_THREAD;
        if (config->http_threads > 1)
            options[count++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, config->http_threads, NULL };
    } else {
        flags |= MHD_USE_THREAD_PER_CONNECTION;
    }
    connections_options(connections, options, &count);
    options[count] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    return flags;
}

static int start_http(struct _u_instance *instance, const struct config *config, struct connections *connections)
{
    struct MHD_OptionItem options[HTTP_OPTIONS_MAX];
    unsigned int flags = http_options(config, connections, options);
    return ulfius_start_framework_with_mhd_options(instance, flags, options);
}

static void wait_for_signal(void)
{
    sigset_t signals;
    int received = 0;

    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigwait(&signals, &received);
    log_info("received %s; stopping", received == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void drain(struct _u_instance *instance, const struct routes *routes)
{
    MHD_quiesce_daemon(instance->mhd_daemon);
    for (int waited_ms = 0; routes_in_flight(routes) > 0 && waited_ms < DRAIN_TIMEOUT_MS; waited_ms += 10)
        usleep(10 * 1000);
}

int main(int argc, char **argv)
{
    struct config config;
    struct app app = { .config = &config, .version = INSATSKATALOG_VERSION };
    struct _u_instance instance;
    struct routes *routes = NULL;
    struct db_cache *cache = NULL;
    struct db_pool *read_pool = NULL;
    struct db_listener *listener = NULL;
    struct db_keeper *keeper = NULL;
    struct web_files *web = NULL;
    struct connections *connections = NULL;
    char *openapi = NULL;
    bool instance_ready = false;
    int exit_code = 1;
    sigset_t signals;

    if (config_load(&config, argc < 2, stderr) != 0)
        return 2;
    if (argc == 2 && strcmp(argv[1], "healthcheck") == 0)
        return run_healthcheck(config.port);
    if (argc != 1) {
        fprintf(stderr, "usage: insatskatalog [healthcheck]\n");
        return 2;
    }

    /* Block the stop signals in every thread; the main thread waits for them. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    log_setup("insatskatalog", config.log_level, config.log_json);
    if (sodium_init() < 0) {
        log_error("libsodium could not be initialised");
        goto cleanup;
    }
    if ((openapi = file_read_all(config.openapi_path, &app.openapi_length)) == NULL) {
        fprintf(stderr, "OPENAPI_PATH \"%s\" cannot be read: %s.\n", config.openapi_path, strerror(errno));
        exit_code = 2;
        goto cleanup;
    }
    app.openapi_yaml = openapi;
    if ((web = static_load(config.web_root)) == NULL)
        goto cleanup;
    app.web = web;
    struct db_session_settings session = {
        .statement_timeout_ms = config.db_statement_timeout_ms,
        .lock_timeout_ms = config.db_lock_timeout_ms,
        .idle_in_transaction_timeout_ms = config.db_idle_in_transaction_timeout_ms,
        .tcp_user_timeout_ms = config.db_tcp_user_timeout_ms,
    };
    char db_error[512];
    if (db_check_usable(config.database_url, &session, db_error, sizeof(db_error)) < 0) {
        fprintf(stderr, "%s.\n", db_error);
        exit_code = 2;
        goto cleanup;
    }
    if ((app.pool = db_pool_create(config.database_url, config.pool_size, &session, db_all_statements)) == NULL)
        goto cleanup;
    app.read_pool = app.pool;
    if (config.database_read_url != NULL) {
        if ((read_pool = db_pool_create(config.database_read_url, config.pool_size, &session, db_all_statements)) == NULL)
            goto cleanup;
        db_pool_set_primary(read_pool, app.pool);
        app.read_pool = read_pool;
    }
    if ((keeper = db_keeper_start(app.pool)) == NULL)
        goto cleanup;
    if (config.cache_mib > 0) {
        if ((cache = db_cache_create((size_t)config.cache_mib << 20)) == NULL
            || (listener = db_listener_start(config.database_url, &session, cache)) == NULL)
            goto cleanup;
        db_pool_set_cache(app.pool, cache);
        db_pool_set_cache(app.read_pool, cache);
        app.cache = cache;
    }
    if (ulfius_init_instance(&instance, config.port, NULL, NULL) != U_OK)
        goto cleanup;
    instance_ready = true;
    instance.check_utf8 = 0;   /* validate/ checks UTF-8 and answers 400, instead of dropping the value */
    /* One byte over the limit, so body.c can tell a body that was too long. */
    instance.max_post_body_size = BODY_MAX_BYTES + 1;
    /* Bodies are JSON or CSV, never forms: without this, a multipart body
     * that is not one makes libmicrohttpd drop the connection instead of
     * letting body.c answer 415. */
    instance.allowed_post_processor = U_POST_PROCESS_NONE;
    if (config.metrics && (app.metrics = metrics_create(routes_binding_count(), app.version)) == NULL)
        goto cleanup;
    bool rate_limit_off = false;
    if ((app.ratelimit = ratelimit_create(&config, &rate_limit_off)) == NULL && !rate_limit_off)
        goto cleanup;
    if ((routes = routes_register(&instance, &app)) == NULL)
        goto cleanup;
    app.routes = routes;
    if ((connections = connections_create(&config)) == NULL)
        goto cleanup;
    body_gate_install(&app, connections);
    if (start_http(&instance, &config, connections) != U_OK) {
        fprintf(stderr, "PORT %u cannot be listened on (is it in use?). Choose another with PORT=.\n", config.port);
        exit_code = 2;
        goto cleanup;
    }
    log_info("insatskatalog %s listening on port %u (%s) with %u database connections%s; %zu web files from %s",
             app.version, config.port, config.http_threads > 0 ? "epoll" : "a thread per connection", config.pool_size,
             read_pool ? " to the primary and as many to the read replica" : "", static_count(web), config.web_root);

    wait_for_signal();
    drain(&instance, routes);
    ulfius_stop_framework(&instance);
    log_info("insatskatalog stopped");
    exit_code = 0;
cleanup:
    if (instance_ready)
        ulfius_clean_instance(&instance);
    connections_destroy(connections);
    routes_release(routes);
    db_listener_stop(listener);
    db_keeper_stop(keeper);
    db_pool_destroy(read_pool);
    db_pool_destroy(app.pool);
    db_cache_destroy(cache);
    free(openapi);
    static_free(web);
    metrics_destroy(app.metrics);
    ratelimit_destroy(app.ratelimit);
    log_close();
    return exit_code;
}
