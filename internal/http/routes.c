/*
 * internal/http/routes.c: the whole API on one screen, and the dispatcher.
 *
 * ulfius gets one catch-all endpoint; the route is found here, in a trie
 * built at start from route_table (router.c), so finding it costs the same
 * with 100 routes as with 10. Every request goes through dispatch(), so
 * cross-cutting behaviour lives in one place instead of in each handler:
 * admission, 404 as a problem, 405 with Allow, OPTIONS (CORS preflight),
 * HEAD through the GET handler, ETag and 304, the shared headers, metrics
 * and the log line.
 */
#include "routes.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../log/log.h"
#include "../model/etag.h"
#include "answers.h"
#include "exchange.h"
#include "handlers.h"
#include "metrics.h"
#include "problem.h"
#include "ratelimit.h"
#include "router.h"

/*
 * Rows of method, template (":name" for a path parameter), and handler or
 * reader. A reader is a read whose answer is made only of cached documents:
 * its answers are cached whole (run_cacheable). Health, metrics, the page,
 * the histories and the audit trail are handlers.
 */
static const struct route route_table[] = {
    { "GET", "/healthz", .handler = handle_healthz },
    { "GET", "/readyz", .handler = handle_readyz },
    { "GET", "/openapi.yaml", .handler = handle_openapi },
    { "GET", "/metrics", .handler = handle_metrics },
    { "GET", "/", .handler = handle_index },
    { "GET", "/v1", .handler = handle_index },
    { "GET", "/v1/knowledge-supports", .reader = handle_knowledge_supports_list },
    { "GET", "/v1/knowledge-supports/:slug", .reader = handle_knowledge_supports_get },
    { "POST", "/v1/knowledge-supports", .handler = handle_knowledge_supports_create },
    { "PUT", "/v1/knowledge-supports/:slug", .handler = handle_knowledge_supports_replace },
    { "PATCH", "/v1/knowledge-supports/:slug", .handler = handle_knowledge_supports_patch },
    { "DELETE", "/v1/knowledge-supports/:slug", .handler = handle_knowledge_supports_delete },
    { "GET", "/v1/knowledge-supports/:slug/history", .handler = handle_knowledge_supports_history },
    { "GET", "/v1/recommendations", .reader = handle_recommendations_list },
    { "GET", "/v1/recommendations/:slug", .reader = handle_recommendations_get },
    { "POST", "/v1/recommendations", .handler = handle_recommendations_create },
    { "PUT", "/v1/recommendations/:slug", .handler = handle_recommendations_replace },
    { "PATCH", "/v1/recommendations/:slug", .handler = handle_recommendations_patch },
    { "DELETE", "/v1/recommendations/:slug", .handler = handle_recommendations_delete },
    { "GET", "/v1/recommendations/:slug/history", .handler = handle_recommendations_history },
    { "GET", "/v1/intervention-types", .reader = handle_intervention_types_list },
    { "GET", "/v1/intervention-types/:slug", .reader = handle_intervention_types_get },
    { "POST", "/v1/intervention-types", .handler = handle_intervention_types_create },
    { "PUT", "/v1/intervention-types/:slug", .handler = handle_intervention_types_replace },
    { "PATCH", "/v1/intervention-types/:slug", .handler = handle_intervention_types_patch },
    { "DELETE", "/v1/intervention-types/:slug", .handler = handle_intervention_types_delete },
    { "GET", "/v1/intervention-types/:slug/history", .handler = handle_intervention_types_history },
    { "GET", "/v1/methods", .reader = handle_methods_list },
    { "GET", "/v1/methods/:slug", .reader = handle_methods_get },
    { "POST", "/v1/methods", .handler = handle_methods_create },
    { "PUT", "/v1/methods/:slug", .handler = handle_methods_replace },
    { "PATCH", "/v1/methods/:slug", .handler = handle_methods_patch },
    { "DELETE", "/v1/methods/:slug", .handler = handle_methods_delete },
    { "GET", "/v1/methods/:slug/history", .handler = handle_methods_history },
    { "GET", "/v1/assessment-instruments", .reader = handle_assessment_instruments_list },
    { "GET", "/v1/assessment-instruments/:slug", .reader = handle_assessment_instruments_get },
    { "POST", "/v1/assessment-instruments", .handler = handle_assessment_instruments_create },
    { "PUT", "/v1/assessment-instruments/:slug", .handler = handle_assessment_instruments_replace },
    { "PATCH", "/v1/assessment-instruments/:slug", .handler = handle_assessment_instruments_patch },
    { "DELETE", "/v1/assessment-instruments/:slug", .handler = handle_assessment_instruments_delete },
    { "GET", "/v1/assessment-instruments/:slug/history", .handler = handle_assessment_instruments_history },
    { "GET", "/v1/materials", .reader = handle_materials_list },
    { "GET", "/v1/materials/:slug", .reader = handle_materials_get },
    { "POST", "/v1/materials", .handler = handle_materials_create },
    { "PUT", "/v1/materials/:slug", .handler = handle_materials_replace },
    { "PATCH", "/v1/materials/:slug", .handler = handle_materials_patch },
    { "DELETE", "/v1/materials/:slug", .handler = handle_materials_delete },
    { "GET", "/v1/materials/:slug/history", .handler = handle_materials_history },
    { "GET", "/v1/surveys", .reader = handle_surveys_list },
    { "GET", "/v1/surveys/:slug", .reader = handle_surveys_get },
    { "GET", "/v1/counties", .reader = handle_counties_list },
    { "GET", "/v1/counties/:code", .reader = handle_counties_get },
    { "GET", "/v1/municipalities", .reader = handle_municipalities_list },
    { "GET", "/v1/municipalities/:code", .reader = handle_municipalities_get },
    { "GET", "/v1/methods/:slug/providers", .reader = handle_method_providers },
    { "GET", "/v1/methods/:slug/cost-estimate", .reader = handle_method_cost_estimate },
    { "GET", "/v1/counties/:code/offerings", .reader = handle_county_offerings },
    { "GET", "/v1/providers", .reader = handle_providers_list },
    { "GET", "/v1/providers/:id", .reader = handle_providers_get },
    { "POST", "/v1/providers", .handler = handle_providers_create },
    { "PUT", "/v1/providers/:id", .handler = handle_providers_replace },
    { "PATCH", "/v1/providers/:id", .handler = handle_providers_patch },
    { "DELETE", "/v1/providers/:id", .handler = handle_providers_delete },
    { "GET", "/v1/providers/:id/history", .handler = handle_providers_history },
    { "GET", "/v1/offerings", .reader = handle_offerings_list },
    { "POST", "/v1/offerings/import", .handler = handle_offerings_import },
    { "GET", "/v1/offerings/:id", .reader = handle_offerings_get },
    { "POST", "/v1/offerings", .handler = handle_offerings_create },
    { "PUT", "/v1/offerings/:id", .handler = handle_offerings_replace },
    { "PATCH", "/v1/offerings/:id", .handler = handle_offerings_patch },
    { "DELETE", "/v1/offerings/:id", .handler = handle_offerings_delete },
    { "GET", "/v1/offerings/:id/history", .handler = handle_offerings_history },
    { "GET", "/v1/availability/:id", .reader = handle_availability_get },
    { "POST", "/v1/availability", .handler = handle_availability_create },
    { "PUT", "/v1/availability/:id", .handler = handle_availability_replace },
    { "PATCH", "/v1/availability/:id", .handler = handle_availability_patch },
    { "DELETE", "/v1/availability/:id", .handler = handle_availability_delete },
    { "GET", "/v1/availability/:id/history", .handler = handle_availability_history },
    { "GET", "/v1/agreements", .reader = handle_agreements_list },
    { "GET", "/v1/agreements/:id", .reader = handle_agreements_get },
    { "POST", "/v1/agreements", .handler = handle_agreements_create },
    { "PUT", "/v1/agreements/:id", .handler = handle_agreements_replace },
    { "PATCH", "/v1/agreements/:id", .handler = handle_agreements_patch },
    { "DELETE", "/v1/agreements/:id", .handler = handle_agreements_delete },
    { "GET", "/v1/agreements/:id/history", .handler = handle_agreements_history },
    { "POST", "/v1/agreements/:id/transitions", .handler = handle_agreement_transitions },
    { "GET", "/v1/municipalities/:code/agreements", .reader = handle_municipality_agreements },
    { "GET", "/v1/municipalities/:code/coverage", .reader = handle_municipality_coverage },
    { "GET", "/v1/counties/:code/coverage", .reader = handle_county_coverage },
    { "GET", "/v1/gaps", .reader = handle_gaps },
    { "GET", "/v1/guidance", .reader = handle_guidance },
    { "GET", "/v1/guidance/rules", .reader = handle_guidance_rules },
    { "GET", "/v1/municipalities/:code/neighbours", .reader = handle_municipality_neighbours },
    { "GET", "/v1/municipalities/:code/partners", .reader = handle_municipality_partners },
    { "GET", "/v1/maps/municipalities", .reader = handle_map_municipalities },
    { "GET", "/v1/maps/counties", .reader = handle_map_counties },
    { "GET", "/v1/search", .reader = handle_search },
    { "GET", "/v1/audit", .handler = handle_audit_list },
    { "GET", "/app", .handler = handle_app_page },
    { "GET", "/app/:file", .handler = handle_app_file },
    { "GET", "/app/vendor/:file", .handler = handle_app_vendor_file },
    { "GET", "/docs", .handler = handle_docs },
};

#define ROUTE_COUNT (sizeof(route_table) / sizeof(route_table[0]))

struct routes {
    const struct app *app;
    struct router *router;
    atomic_int in_flight;
    size_t unmatched_series;   /* requests no template matched (404) */
};

/* cached: the answer came whole from the cache, with its ETag. */
static void add_shared_headers(const struct _u_request *req, struct _u_response *resp, const char *id, bool cached)
{
    u_map_put(resp->map_header, "X-Request-Id", id);
    for (size_t i = 0; i < EXCHANGE_SHARED_COUNT; i++)
        u_map_put(resp->map_header, exchange_shared_names[i], exchange_shared_values[i]);

    /* What a key may read (the audit trail) must not sit in shared caches. */
    if (u_map_get_case(req->map_header, "Authorization") != NULL)
        u_map_put(resp->map_header, "Cache-Control", "private, no-store");

    bool is_read = strcmp(req->http_verb, "GET") == 0 || strcmp(req->http_verb, "HEAD") == 0;
    /* Reads and write answers (200, 201) both carry the representation's tag. */
    if (cached || (resp->status != 200 && resp->status != 201) || resp->binary_body == NULL)
        return;
    /* A handler that knows its tag already (static files, hashed once at start) is not hashed again. */
    char etag[ETAG_GZIP_SIZE];   /* a static file's gzip variant may carry a longer tag */
    const char *known = u_map_get_case(resp->map_header, "ETag");
    if (known != NULL)
        snprintf(etag, sizeof(etag), "%s", known);
    else {
        etag_of(resp->binary_body, resp->binary_body_length, etag);
        u_map_put(resp->map_header, "ETag", etag);
    }
    const char *if_none_match = u_map_get_case(req->map_header, "If-None-Match");
    if (is_read && if_none_match != NULL && etag_list_matches(if_none_match, etag, true)) {
        o_free(resp->binary_body);
        resp->binary_body = NULL;
        resp->binary_body_length = 0;
        resp->status = 304;
    }
}

/* OPTIONS (CORS preflight) and methods a path does not answer. */
static void handle_other_method(const struct _u_request *req, struct _u_response *resp,
                                const struct router_path *path)
{
    if (strcmp(req->http_verb, "OPTIONS") == 0) {
        ulfius_set_empty_body_response(resp, 204);
        u_map_put(resp->map_header, "Allow", path->allow);
        u_map_put(resp->map_header, "Access-Control-Allow-Methods", path->allow);
        u_map_put(resp->map_header, "Access-Control-Allow-Headers",
                  "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id, X-Consistency-LSN, "
                  "Idempotency-Key");
        u_map_put(resp->map_header, "Access-Control-Max-Age", "86400");
        return;
    }
    problem_method_not_allowed(resp, req->http_verb, path->allow);
}

/*
 * Admission: the one place where a request may be refused before its
 * handler runs or the cache answers it (a rate limit answers 429 here).
 * match says what it asks for: match->path->template is the route's
 * template, NULL for a path no route has. Returns false when resp already
 * holds the refusal.
 */
static bool admitted(const struct _u_request *req, struct _u_response *resp, const struct routes *routes,
                     const struct router_match *match)
{
    struct ratelimit *limiter = routes->app->ratelimit;
    return limiter == NULL || ratelimit_admit(limiter, req, resp, match->path != NULL ? match->path->template : NULL);
}

static size_t series_of(const struct routes *routes, const struct router_match *match)
{
    if (match->path == NULL)
        return routes->unmatched_series;
    if (match->route == NULL)
        return match->path->other_series;
    if (match->head)
        return match->path->head_series;
    return match->path->series[match->method];
}

/*
 * Runs a reader whose answer may come from the cache: a hit answers at once;
 * a miss runs the reader and stores its 200 under the tables its documents
 * were built from. Returns whether resp came from the cache.
 */
static bool run_cacheable(const struct _u_request *req, struct _u_response *resp, const struct routes *routes,
                          const struct router_match *match, const char *key, struct db_read *read)
{
    struct db_cache *cache = routes->app->cache;

    if (answers_serve(cache, key, req, resp))
        return true;
    /* Taken before the reader: a change heard meanwhile makes its answer unstorable. */
    uint64_t generation = db_cache_generation(cache);
    if (!router_put_params(match, req->map_url)) {
        problem_internal(resp);
        return false;
    }
    match->route->reader(req, resp, routes->app, read);
    if (resp->status == 200 && read->documents > 0 && generation != UINT64_MAX)
        answers_store(cache, key, resp, read->tables, generation);
    return false;
}

/* Runs the matched handler, or answers 404, 405 or OPTIONS itself. Returns
 * whether the answer came whole from the cache. */
static bool route(const struct _u_request *req, struct _u_response *resp, const struct routes *routes,
                  const struct router_match *match)
{
    const char *consistency = u_map_get_case(req->map_header, "X-Consistency-LSN");
    struct db_read read = { .read_after = 0 };
    bool ahead = false;

    if (consistency != NULL && !db_lsn_parse(consistency, &read.read_after))
        problem_invalid_header(resp, "X-Consistency-LSN",
                               "Header \"X-Consistency-LSN\" must be a WAL position as a write returned it, "
                               "such as \"0/16B3748\".");
    else if (read.read_after != 0 && match->route != NULL
             && db_lsn_check_ahead(routes->app->read_pool, read.read_after, &ahead) == DB_OK && ahead)
        /* No write returned it, and a read waiting for it would bypass the cache for ever. */
        problem_invalid_header(resp, "X-Consistency-LSN",
                               "Header \"X-Consistency-LSN\" is ahead of every position the database has "
                               "written; send the value a write returned.");
    else if (match->route != NULL) {
        char key[ANSWERS_KEY_MAX];
        bool is_read = strcmp(req->http_verb, "GET") == 0 || strcmp(req->http_verb, "HEAD") == 0;
        if (match->route->reader != NULL && routes->app->cache != NULL && is_read && answers_key(req, key))
            return run_cacheable(req, resp, routes, match, key, &read);
        if (!router_put_params(match, req->map_url)) {
            problem_internal(resp);
            return false;
        }
        if (match->route->reader != NULL)
            match->route->reader(req, resp, routes->app, &read);
        else
            match->route->handler(req, resp, routes->app);
    }
    else if (match->path != NULL)
        handle_other_method(req, resp, match->path);
    else
        problem_no_route(resp, req->url_path);
    return false;
}

static int dispatch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
    struct routes *routes = user_data;
    struct router_match match;
    struct timespec start, end;
    char id[EXCHANGE_REQUEST_ID_SIZE];
    char path[160];

    clock_gettime(CLOCK_MONOTONIC, &start);
    atomic_fetch_add(&routes->in_flight, 1);
    exchange_request_id(u_map_get_case(req->map_header, "X-Request-Id"), id);

    router_match(routes->router, req->http_verb, req->url_path, &match);
    bool cached = admitted(req, resp, routes, &match) && route(req, resp, routes, &match);
    add_shared_headers(req, resp, id, cached);

    clock_gettime(CLOCK_MONOTONIC, &end);
    double duration_ms = (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6;
    if (routes->app->metrics != NULL)
        metrics_observe(routes->app->metrics, series_of(routes, &match), resp->status, duration_ms / 1e3);
    exchange_loggable(req->url_path, SIZE_MAX, path, sizeof(path));
    log_request(req->http_verb, path, resp->status, duration_ms, id);
    atomic_fetch_sub(&routes->in_flight, 1);
    return U_CALLBACK_COMPLETE;
}

/* The template as OpenAPI writes it: "/v1/methods/:slug" -> "/v1/methods/{slug}". */
static void openapi_template(const char *path, char *out, size_t out_size)
{
    size_t used = 0;

    out[0] = '\0';
    for (const char *p = path; *p != '\0' && used + 3 < out_size; p++) {
        if (*p == ':') {
            out[used++] = '{';
            while (p[1] != '\0' && p[1] != '/' && used + 2 < out_size)
                out[used++] = *++p;
            out[used++] = '}';
        } else {
            out[used++] = *p;
        }
        out[used] = '\0';
    }
}

static void add_series(struct routes *routes)
{
    static const char *const names[ROUTER_METHODS] = { "GET", "POST", "PUT", "PATCH", "DELETE" };
    struct metrics *metrics = routes->app->metrics;
    size_t count;
    struct router_path **paths = router_paths(routes->router, &count);

    if (metrics == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        char template[96];
        openapi_template(paths[i]->template, template, sizeof(template));
        for (int m = 0; m < ROUTER_METHODS; m++) {
            if (paths[i]->routes[m] == NULL)
                continue;
            paths[i]->series[m] = metrics_add_route(metrics, names[m], template);
            if (m == ROUTER_GET)
                paths[i]->head_series = metrics_add_route(metrics, "HEAD", template);
        }
        paths[i]->other_series = metrics_add_route(metrics, "*", template);
    }
    routes->unmatched_series = metrics_add_route(metrics, "*", "(unmatched)");
}

struct routes *routes_register(struct _u_instance *instance, const struct app *app)
{
    struct routes *routes = calloc(1, sizeof(*routes));

    if (routes == NULL)
        return NULL;
    routes->app = app;
    atomic_init(&routes->in_flight, 0);
    for (size_t i = 0; i < ROUTE_COUNT; i++)
        if ((route_table[i].handler == NULL) == (route_table[i].reader == NULL)) {
            log_error("route %s %s must name a handler or a reader", route_table[i].method, route_table[i].path);
            goto fail;
        }
    if ((routes->router = router_build(route_table, ROUTE_COUNT)) == NULL)
        goto fail;
    add_series(routes);
    /* One endpoint that matches everything: ulfius only hands the request over. */
    if (ulfius_add_endpoint_by_val(instance, "*", NULL, "*", 0, dispatch, routes) != U_OK)
        goto fail;
    return routes;
fail:
    log_error("cannot register the routes");
    routes_release(routes);
    return NULL;
}

size_t routes_binding_count(void)
{
    /* At most a series per row, a HEAD per GET row, one "*" per template, and the unmatched one. */
    return 3 * ROUTE_COUNT + 1;
}

const struct router *routes_router(const struct routes *routes)
{
    return routes->router;
}

void routes_count_in_flight(const struct routes *routes, int delta)
{
    atomic_fetch_add(&((struct routes *)routes)->in_flight, delta);
}

int routes_in_flight(const struct routes *routes)
{
    return atomic_load(&((struct routes *)routes)->in_flight);
}

void routes_release(struct routes *routes)
{
    if (routes == NULL)
        return;
    router_free(routes->router);
    free(routes);
}
