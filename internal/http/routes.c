/*
 * internal/http/routes.c: the whole API on one screen, and the dispatcher.
 *
 * Every route goes through dispatch(), so cross-cutting behaviour lives in
 * one place instead of in each handler. Each path also gets a catch-all
 * binding at a lower priority that answers OPTIONS (CORS preflight) and 405
 * with an Allow header; the default endpoint answers 404 as a problem.
 */
#include "routes.h"

#include <ctype.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../log/log.h"
#include "../model/etag.h"
#include "handlers.h"
#include "metrics.h"
#include "problem.h"
#include "ratelimit.h"

struct route {
    const char *method;
    const char *path;       /* ulfius format, ":name" for a path parameter */
    handler_fn *handler;
};

static const struct route route_table[] = {
    { "GET", "/healthz", handle_healthz },
    { "GET", "/readyz", handle_readyz },
    { "GET", "/openapi.yaml", handle_openapi },
    { "GET", "/metrics", handle_metrics },
    { "GET", "/", handle_index },
    { "GET", "/v1", handle_index },
    { "GET", "/v1/knowledge-supports", handle_knowledge_supports_list },
    { "GET", "/v1/knowledge-supports/:slug", handle_knowledge_supports_get },
    { "POST", "/v1/knowledge-supports", handle_knowledge_supports_create },
    { "PUT", "/v1/knowledge-supports/:slug", handle_knowledge_supports_replace },
    { "PATCH", "/v1/knowledge-supports/:slug", handle_knowledge_supports_patch },
    { "DELETE", "/v1/knowledge-supports/:slug", handle_knowledge_supports_delete },
    { "GET", "/v1/knowledge-supports/:slug/history", handle_knowledge_supports_history },
    { "GET", "/v1/recommendations", handle_recommendations_list },
    { "GET", "/v1/recommendations/:slug", handle_recommendations_get },
    { "POST", "/v1/recommendations", handle_recommendations_create },
    { "PUT", "/v1/recommendations/:slug", handle_recommendations_replace },
    { "PATCH", "/v1/recommendations/:slug", handle_recommendations_patch },
    { "DELETE", "/v1/recommendations/:slug", handle_recommendations_delete },
    { "GET", "/v1/recommendations/:slug/history", handle_recommendations_history },
    { "GET", "/v1/intervention-types", handle_intervention_types_list },
    { "GET", "/v1/intervention-types/:slug", handle_intervention_types_get },
    { "POST", "/v1/intervention-types", handle_intervention_types_create },
    { "PUT", "/v1/intervention-types/:slug", handle_intervention_types_replace },
    { "PATCH", "/v1/intervention-types/:slug", handle_intervention_types_patch },
    { "DELETE", "/v1/intervention-types/:slug", handle_intervention_types_delete },
    { "GET", "/v1/intervention-types/:slug/history", handle_intervention_types_history },
    { "GET", "/v1/methods", handle_methods_list },
    { "GET", "/v1/methods/:slug", handle_methods_get },
    { "POST", "/v1/methods", handle_methods_create },
    { "PUT", "/v1/methods/:slug", handle_methods_replace },
    { "PATCH", "/v1/methods/:slug", handle_methods_patch },
    { "DELETE", "/v1/methods/:slug", handle_methods_delete },
    { "GET", "/v1/methods/:slug/history", handle_methods_history },
    { "GET", "/v1/assessment-instruments", handle_assessment_instruments_list },
    { "GET", "/v1/assessment-instruments/:slug", handle_assessment_instruments_get },
    { "POST", "/v1/assessment-instruments", handle_assessment_instruments_create },
    { "PUT", "/v1/assessment-instruments/:slug", handle_assessment_instruments_replace },
    { "PATCH", "/v1/assessment-instruments/:slug", handle_assessment_instruments_patch },
    { "DELETE", "/v1/assessment-instruments/:slug", handle_assessment_instruments_delete },
    { "GET", "/v1/assessment-instruments/:slug/history", handle_assessment_instruments_history },
    { "GET", "/v1/materials", handle_materials_list },
    { "GET", "/v1/materials/:slug", handle_materials_get },
    { "POST", "/v1/materials", handle_materials_create },
    { "PUT", "/v1/materials/:slug", handle_materials_replace },
    { "PATCH", "/v1/materials/:slug", handle_materials_patch },
    { "DELETE", "/v1/materials/:slug", handle_materials_delete },
    { "GET", "/v1/materials/:slug/history", handle_materials_history },
    { "GET", "/v1/surveys", handle_surveys_list },
    { "GET", "/v1/surveys/:slug", handle_surveys_get },
    { "GET", "/v1/counties", handle_counties_list },
    { "GET", "/v1/counties/:code", handle_counties_get },
    { "GET", "/v1/municipalities", handle_municipalities_list },
    { "GET", "/v1/municipalities/:code", handle_municipalities_get },
    { "GET", "/v1/methods/:slug/providers", handle_method_providers },
    { "GET", "/v1/methods/:slug/cost-estimate", handle_method_cost_estimate },
    { "GET", "/v1/counties/:code/offerings", handle_county_offerings },
    { "GET", "/v1/providers", handle_providers_list },
    { "GET", "/v1/providers/:id", handle_providers_get },
    { "POST", "/v1/providers", handle_providers_create },
    { "PUT", "/v1/providers/:id", handle_providers_replace },
    { "PATCH", "/v1/providers/:id", handle_providers_patch },
    { "DELETE", "/v1/providers/:id", handle_providers_delete },
    { "GET", "/v1/providers/:id/history", handle_providers_history },
    { "GET", "/v1/offerings", handle_offerings_list },
    { "POST", "/v1/offerings/import", handle_offerings_import },
    { "GET", "/v1/offerings/:id", handle_offerings_get },
    { "POST", "/v1/offerings", handle_offerings_create },
    { "PUT", "/v1/offerings/:id", handle_offerings_replace },
    { "PATCH", "/v1/offerings/:id", handle_offerings_patch },
    { "DELETE", "/v1/offerings/:id", handle_offerings_delete },
    { "GET", "/v1/offerings/:id/history", handle_offerings_history },
    { "GET", "/v1/availability/:id", handle_availability_get },
    { "POST", "/v1/availability", handle_availability_create },
    { "PUT", "/v1/availability/:id", handle_availability_replace },
    { "PATCH", "/v1/availability/:id", handle_availability_patch },
    { "DELETE", "/v1/availability/:id", handle_availability_delete },
    { "GET", "/v1/availability/:id/history", handle_availability_history },
    { "GET", "/v1/agreements", handle_agreements_list },
    { "GET", "/v1/agreements/:id", handle_agreements_get },
    { "POST", "/v1/agreements", handle_agreements_create },
    { "PUT", "/v1/agreements/:id", handle_agreements_replace },
    { "PATCH", "/v1/agreements/:id", handle_agreements_patch },
    { "DELETE", "/v1/agreements/:id", handle_agreements_delete },
    { "GET", "/v1/agreements/:id/history", handle_agreements_history },
    { "POST", "/v1/agreements/:id/transitions", handle_agreement_transitions },
    { "GET", "/v1/municipalities/:code/agreements", handle_municipality_agreements },
    { "GET", "/v1/municipalities/:code/coverage", handle_municipality_coverage },
    { "GET", "/v1/counties/:code/coverage", handle_county_coverage },
    { "GET", "/v1/gaps", handle_gaps },
    { "GET", "/v1/search", handle_search },
    { "GET", "/v1/audit", handle_audit_list },
};

#define ROUTE_COUNT (sizeof(route_table) / sizeof(route_table[0]))

/* What dispatch() needs for one registered (method, path). */
struct binding {
    struct routes *routes;
    const struct route *route;   /* NULL for the catch-all and the default endpoint */
    const char *path;            /* the path as registered, for the Allow header */
    char allow[96];              /* methods this path answers, for 405 and OPTIONS */
    size_t series;               /* its metrics series */
};

struct routes {
    const struct app *app;
    atomic_int in_flight;
    struct binding bindings[3 * ROUTE_COUNT + 1];   /* GET, HEAD, catch-all per route; default */
    size_t count;
};

static void allowed_methods(const char *path, char *out, size_t out_size)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        if (strcmp(route_table[i].path, path) != 0)
            continue;
        used += (size_t)snprintf(out + used, out_size - used, "%s, ", route_table[i].method);
        if (strcmp(route_table[i].method, "GET") == 0)
            used += (size_t)snprintf(out + used, out_size - used, "HEAD, ");
    }
    snprintf(out + used, out_size - used, "OPTIONS");
}

/* Copies text for a log line with control characters replaced, so a path
 * cannot forge log lines. */
static void loggable(const char *text, char *out, size_t out_size)
{
    size_t i = 0;
    for (; text != NULL && text[i] != '\0' && i + 1 < out_size; i++)
        out[i] = ((unsigned char)text[i] < 0x20 || text[i] == 0x7f || text[i] == '"') ? '?' : text[i];
    out[i] = '\0';
}

static bool is_sane_request_id(const char *id)
{
    size_t length = id ? strlen(id) : 0;
    if (length == 0 || length > 64)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.')
            return false;
    return true;
}

static void request_id(const struct _u_request *req, char out[65])
{
    const char *given = u_map_get_case(req->map_header, "X-Request-Id");
    unsigned char random[16];

    if (is_sane_request_id(given)) {
        snprintf(out, 65, "%s", given);
        return;
    }
    randombytes_buf(random, sizeof(random));
    sodium_bin2hex(out, 65, random, sizeof(random));
}

static void add_shared_headers(const struct _u_request *req, struct _u_response *resp, const char *id)
{
    u_map_put(resp->map_header, "X-Request-Id", id);
    u_map_put(resp->map_header, "Access-Control-Allow-Origin", "*");
    u_map_put(resp->map_header, "Access-Control-Expose-Headers",
              "ETag, Location, Retry-After, X-Request-Id, X-Consistency-LSN, RateLimit, RateLimit-Policy");
    u_map_put(resp->map_header, "X-Content-Type-Options", "nosniff");
    /* Access-Control-Allow-Origin is "*" for everyone, so only Accept varies the answer (JSON or CSV). */
    u_map_put(resp->map_header, "Vary", "Accept");

    /* What a key may read (the audit trail) must not sit in shared caches. */
    if (u_map_get_case(req->map_header, "Authorization") != NULL)
        u_map_put(resp->map_header, "Cache-Control", "private, no-store");

    bool is_read = strcmp(req->http_verb, "GET") == 0 || strcmp(req->http_verb, "HEAD") == 0;
    /* Reads and write answers (200, 201) both carry the representation's tag. */
    if ((resp->status != 200 && resp->status != 201) || resp->binary_body == NULL)
        return;
    char etag[ETAG_SIZE];
    etag_of(resp->binary_body, resp->binary_body_length, etag);
    u_map_put(resp->map_header, "ETag", etag);
    const char *if_none_match = u_map_get_case(req->map_header, "If-None-Match");
    if (is_read && if_none_match != NULL && etag_list_matches(if_none_match, etag, true)) {
        o_free(resp->binary_body);
        resp->binary_body = NULL;
        resp->binary_body_length = 0;
        resp->status = 304;
    }
}

/* OPTIONS (CORS preflight) and methods a path does not answer. */
static void handle_other_method(const struct _u_request *req, struct _u_response *resp, const struct binding *b)
{
    if (strcmp(req->http_verb, "OPTIONS") == 0) {
        ulfius_set_empty_body_response(resp, 204);
        u_map_put(resp->map_header, "Allow", b->allow);
        u_map_put(resp->map_header, "Access-Control-Allow-Methods", b->allow);
        u_map_put(resp->map_header, "Access-Control-Allow-Headers",
                  "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id, X-Consistency-LSN");
        u_map_put(resp->map_header, "Access-Control-Max-Age", "86400");
        return;
    }
    problem_method_not_allowed(resp, req->http_verb, b->allow);
}

static int dispatch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
    const struct binding *b = user_data;
    struct timespec start, end;
    char id[65];
    char path[160];

    clock_gettime(CLOCK_MONOTONIC, &start);
    atomic_fetch_add(&b->routes->in_flight, 1);
    request_id(req, id);

    const char *consistency = u_map_get_case(req->map_header, "X-Consistency-LSN");
    uint64_t read_after = 0;
    bool ahead = false;
    struct ratelimit *limiter = b->routes->app->ratelimit;
    if (limiter != NULL && !ratelimit_admit(limiter, req, resp, b->route != NULL ? b->path : NULL))
        ;   /* resp holds the 429 */
    else if (consistency != NULL && !db_lsn_parse(consistency, &read_after))
        problem_invalid_header(resp, "X-Consistency-LSN",
                               "Header \"X-Consistency-LSN\" must be a WAL position as a write returned it, "
                               "such as \"0/16B3748\".");
    else if (read_after != 0 && b->route != NULL
             && db_lsn_check_ahead(b->routes->app->read_pool, read_after, &ahead) == DB_OK && ahead)
        /* No write returned it, and a read waiting for it would bypass the cache for ever. */
        problem_invalid_header(resp, "X-Consistency-LSN",
                               "Header \"X-Consistency-LSN\" is ahead of every position the database has "
                               "written; send the value a write returned.");
    else if (b->route != NULL) {
        db_request_set_read_after(read_after);
        b->route->handler(req, resp, b->routes->app);
        db_request_set_read_after(0);
    }
    else if (b->path != NULL)
        handle_other_method(req, resp, b);
    else
        problem_no_route(resp, req->url_path);
    add_shared_headers(req, resp, id);

    clock_gettime(CLOCK_MONOTONIC, &end);
    double duration_ms = (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6;
    if (b->routes->app->metrics != NULL)
        metrics_observe(b->routes->app->metrics, b->series, resp->status, duration_ms / 1e3);
    loggable(req->url_path, path, sizeof(path));
    log_request(req->http_verb, path, resp->status, duration_ms, id);
    atomic_fetch_sub(&b->routes->in_flight, 1);
    return U_CALLBACK_COMPLETE;
}

static bool bind_route(struct _u_instance *instance, struct routes *routes, const char *method, const char *path,
                 unsigned priority, const struct route *route)
{
    struct binding *b = &routes->bindings[routes->count++];

    b->routes = routes;
    b->route = route;
    b->path = path;
    if (path != NULL)
        allowed_methods(path, b->allow, sizeof(b->allow));
    if (routes->app->metrics != NULL) {
        /* The template as OpenAPI writes it: "/v1/methods/:slug" -> "/v1/methods/{slug}". */
        char template[96] = "(unmatched)";
        size_t used = 0;
        for (const char *p = path; p != NULL && *p != '\0' && used + 3 < sizeof(template); p++) {
            if (*p == ':') {
                template[used++] = '{';
                while (p[1] != '\0' && p[1] != '/' && used + 2 < sizeof(template))
                    template[used++] = *++p;
                template[used++] = '}';
            } else {
                template[used++] = *p;
            }
            template[used] = '\0';
        }
        b->series = metrics_add_route(routes->app->metrics, method ? method : "*", template);
    }
    if (method == NULL)
        return ulfius_set_default_endpoint(instance, dispatch, b) == U_OK;
    return ulfius_add_endpoint_by_val(instance, method, NULL, path, priority, dispatch, b) == U_OK;
}

struct routes *routes_register(struct _u_instance *instance, const struct app *app)
{
    struct routes *routes = calloc(1, sizeof(*routes));
    bool ok = routes != NULL;

    if (!ok)
        return NULL;
    routes->app = app;
    atomic_init(&routes->in_flight, 0);
    for (size_t i = 0; ok && i < ROUTE_COUNT; i++) {
        const struct route *r = &route_table[i];
        ok = bind_route(instance, routes, r->method, r->path, 0, r);
        /* HEAD is GET without the body; libmicrohttpd drops the body itself. */
        if (ok && strcmp(r->method, "GET") == 0)
            ok = bind_route(instance, routes, "HEAD", r->path, 0, r);
    }
    /* One catch-all per distinct path, after the real routes (priority 1). */
    for (size_t i = 0; ok && i < ROUTE_COUNT; i++) {
        bool first = true;
        for (size_t j = 0; j < i; j++)
            if (strcmp(route_table[j].path, route_table[i].path) == 0)
                first = false;
        if (first)
            ok = bind_route(instance, routes, "*", route_table[i].path, 1, NULL);
    }
    ok = ok && bind_route(instance, routes, NULL, NULL, 0, NULL);
    if (!ok) {
        log_error("cannot register the routes");
        free(routes);
        return NULL;
    }
    return routes;
}

size_t routes_binding_count(void)
{
    return sizeof(((struct routes *)NULL)->bindings) / sizeof(struct binding);
}

int routes_in_flight(const struct routes *routes)
{
    return atomic_load(&((struct routes *)routes)->in_flight);
}

void routes_release(struct routes *routes)
{
    free(routes);
}
