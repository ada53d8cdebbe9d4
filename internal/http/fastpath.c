/*
 * internal/http/fastpath.c: a cached answer straight from libmicrohttpd
 * (see fastpath.h for why and when).
 */
#include "fastpath.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../log/log.h"
#include "answers.h"
#include "exchange.h"
#include "metrics.h"
#include "ratelimit.h"
#include "router.h"
#include "routes.h"

/* Longer paths go the usual way (they are not what a cache serves). */
#define PATH_MAX_BYTES 512

/* The request headers this path reads. */
enum wanted { ACCEPT, ACCEPT_ENCODING, IF_NONE_MATCH, REQUEST_ID, FORWARDED_FOR, WANTED_COUNT };

static const char *const wanted_names[WANTED_COUNT] = {
    "Accept", "Accept-Encoding", "If-None-Match", "X-Request-Id", "X-Forwarded-For",
};

/* Headers that send a request the usual way: a key, a consistency position, a body. */
static const char *const declining_names[] = {
    "Authorization", "X-Consistency-LSN", "Content-Length", "Transfer-Encoding", NULL,
};

struct request_headers {
    const char *values[WANTED_COUNT];
    bool declined;
};

/* One pass over the headers. A header given twice is declined: ulfius joins
 * the values with commas, and the dispatcher should read what it reads. */
static enum MHD_Result read_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct request_headers *h = cls;
    (void)kind;

    if (key == NULL)
        return MHD_YES;
    for (const char *const *n = declining_names; *n != NULL; n++) {
        if (strcasecmp(key, *n) == 0) {
            h->declined = true;
            return MHD_NO;
        }
    }
    for (int i = 0; i < WANTED_COUNT; i++) {
        if (strcasecmp(key, wanted_names[i]) != 0)
            continue;
        if (h->values[i] != NULL) {
            h->declined = true;
            return MHD_NO;
        }
        h->values[i] = value != NULL ? value : "";
        break;
    }
    return MHD_YES;
}

struct hit_context {
    const struct app *app;
    struct MHD_Connection *connection;
    const char *method;
    const char *uri;
    const struct request_headers *headers;
    const char *template;
    char id[EXCHANGE_REQUEST_ID_SIZE];
    unsigned status;    /* of the answer queued */
};

/* The rate limit's charge, as the dispatcher's admission makes it; state gets the RateLimit value. */
static bool charged(struct hit_context *c, char state[RATELIMIT_STATE_SIZE])
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct ratelimit_request r = {
        .method = c->method,
        .url = c->uri,
        .peer = info != NULL ? info->client_addr : NULL,
        .forwarded_for = c->headers->values[FORWARDED_FOR],
        .accept = c->headers->values[ACCEPT],
    };
    unsigned retry_after_s;
    double cost;

    return ratelimit_charge(c->app->ratelimit, &r, c->template, state, &retry_after_s, &cost);
}

/* Under the cache's read lock: charge, then queue the answer with the
 * dispatcher's headers in its order (rate limit, the handler's, ETag,
 * Content-Encoding, request id, the shared ones). */
static bool queue_hit(const struct answers_hit *hit, void *context)
{
    struct hit_context *c = context;
    struct MHD_Response *response = NULL;
    char state[RATELIMIT_STATE_SIZE];
    bool ok = true;

    if (c->app->ratelimit != NULL && !charged(c, state))
        return false;   /* the dispatcher answers 429 */
    /* The body is not copied: libmicrohttpd holds it until it is sent (the
     * entry may be evicted meanwhile). A 304 has none, as ulfius makes it. */
    void *held = answers_hold_body(hit);
    if (held != NULL)
        response = MHD_create_response_from_buffer_with_free_callback_cls(hit->length, (void *)hit->body,
                                                                          answers_release_body, held);
    else
        response = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (response == NULL) {
        answers_release_body(held);
        return false;
    }
    exchange_request_id(c->headers->values[REQUEST_ID], c->id);
    if (c->app->ratelimit != NULL)
        ok = MHD_add_response_header(response, "RateLimit-Policy", ratelimit_policy(c->app->ratelimit)) == MHD_YES
             && MHD_add_response_header(response, "RateLimit", state) == MHD_YES;
    for (size_t i = 0; ok && i < hit->header_count; i++)
        ok = MHD_add_response_header(response, hit->names[i], hit->values[i]) == MHD_YES;
    ok = ok && MHD_add_response_header(response, "ETag", hit->etag) == MHD_YES;
    if (ok && hit->gzip)
        ok = MHD_add_response_header(response, "Content-Encoding", "gzip") == MHD_YES;
    ok = ok && MHD_add_response_header(response, "X-Request-Id", c->id) == MHD_YES;
    for (size_t i = 0; ok && i < EXCHANGE_SHARED_COUNT; i++)
        ok = MHD_add_response_header(response, exchange_shared_names[i], exchange_shared_values[i]) == MHD_YES;
    ok = ok && MHD_queue_response(c->connection, hit->status, response) == MHD_YES;
    c->status = hit->status;
    MHD_destroy_response(response);   /* libmicrohttpd keeps its own reference while it sends */
    return ok;
}

static double ms_since(const struct timespec *start)
{
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start->tv_sec) * 1e3 + (double)(end.tv_nsec - start->tv_nsec) / 1e6;
}

bool fastpath_answer(const struct app *app, struct MHD_Connection *connection, const char *method, const char *uri)
{
    struct request_headers headers = { 0 };
    struct router_match match;
    struct timespec start;
    char path[PATH_MAX_BYTES], key[ANSWERS_KEY_MAX];

    clock_gettime(CLOCK_MONOTONIC, &start);
    if (app == NULL || app->cache == NULL || app->routes == NULL || uri == NULL
        || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
        return false;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, read_header, &headers);
    size_t path_length = strcspn(uri, "?");
    if (headers.declined || path_length >= sizeof(path))
        return false;
    memcpy(path, uri, path_length);
    path[path_length] = '\0';
    router_match(routes_router(app->routes), method, path, &match);
    if (match.route == NULL || match.route->reader == NULL
        || !answers_key_for(uri, headers.values[ACCEPT], key))
        return false;

    struct hit_context c = {
        .app = app, .connection = connection, .method = method, .uri = uri, .headers = &headers,
        .template = match.path->template,
    };
    routes_count_in_flight(app->routes, 1);
    /* A miss is not counted here: the dispatcher looks the key up again and counts it. */
    bool answered = answers_use(app->cache, key, headers.values[ACCEPT_ENCODING], headers.values[IF_NONE_MATCH],
                                queue_hit, &c, false);
    if (answered) {
        double duration_ms = ms_since(&start);
        size_t series = match.head ? match.path->head_series : match.path->series[match.method];
        char loggable[160];
        if (app->metrics != NULL)
            metrics_observe(app->metrics, series, (long)c.status, duration_ms / 1e3);
        exchange_loggable(uri, path_length, loggable, sizeof(loggable));
        log_request(method, loggable, (long)c.status, duration_ms, c.id);
    }
    routes_count_in_flight(app->routes, -1);
    /* A miss, a refusal, or a queue that failed (out of memory): the dispatcher answers. */
    return answered;
}
