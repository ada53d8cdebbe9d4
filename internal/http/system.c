/*
 * internal/http/system.c: liveness, readiness, the contract and the index.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../db/catalogue.h"
#include "handlers.h"
#include "metrics.h"
#include "routes.h"
#include "problem.h"
#include "respond.h"
#include "static.h"

/* METRICS_TOKEN set: /metrics wants "Authorization: Bearer <that token>", compared in
 * constant time; anything else is a 401 that says nothing about the metrics. */
static bool metrics_token_accepted(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    const char *wanted = app->config->metrics_token;
    const char *header = u_map_get_case(req->map_header, "Authorization");
    unsigned char given_hash[crypto_generichash_BYTES], wanted_hash[crypto_generichash_BYTES];

    if (wanted == NULL)
        return true;
    if (header != NULL && strncasecmp(header, "Bearer ", 7) == 0) {
        /* Hashes of equal length, so the comparison takes as long whatever the token's length. */
        crypto_generichash(given_hash, sizeof(given_hash), (const unsigned char *)header + 7, strlen(header + 7),
                           NULL, 0);
        crypto_generichash(wanted_hash, sizeof(wanted_hash), (const unsigned char *)wanted, strlen(wanted), NULL, 0);
        if (sodium_memcmp(given_hash, wanted_hash, sizeof(given_hash)) == 0)
            return true;
    }
    problem_unauthorized(resp, "/metrics needs \"Authorization: Bearer <METRICS_TOKEN>\".");
    return false;
}

/* GET /healthz: the process answers. Constant, so it is also the bench ceiling. */
void handle_healthz(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    (void)req;
    (void)app;
    respond_json_text(resp, 200, "{\"status\":\"ok\"}");
    u_map_put(resp->map_header, "Cache-Control", "no-store");
}

/* How long /readyz waits for the database: under the probe's 3 s timeout (deploy/k8s). */
#define READYZ_TIMEOUT_MS 1000

/*
 * GET /readyz: the primary answers too, on a session of its own (never
 * queued behind a busy pool). The read replica is reported, not required:
 * while it is away reads go to the primary, so this process still serves.
 */
void handle_readyz(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    bool replica_away = false;
    unsigned long fallbacks = 0;
    (void)req;

    if (db_pool_check(app->pool, READYZ_TIMEOUT_MS) != DB_OK) {
        problem_from_db(resp, DB_UNAVAILABLE, "database", "name", "database");
        return;
    }
    if (app->read_pool != app->pool && db_pool_get_replica_stats(app->read_pool, &replica_away, &fallbacks))
        respond_json_text(resp, 200, replica_away
                                         ? "{\"status\":\"ready\",\"database\":\"ok\",\"read_replica\":\"away\"}"
                                         : "{\"status\":\"ready\",\"database\":\"ok\",\"read_replica\":\"ok\"}");
    else
        respond_json_text(resp, 200, "{\"status\":\"ready\",\"database\":\"ok\"}");
    u_map_put(resp->map_header, "Cache-Control", "no-store");
}

/* GET /openapi.yaml */
void handle_openapi(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    (void)req;
    respond_bytes(resp, 200, "application/yaml", app->openapi_yaml, app->openapi_length);
}

/* GET / and GET /v1: where to start. A browser asking for / gets the page. */
void handle_index(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    char body[1536];

    if (strcmp(req->url_path, "/") == 0 && static_send_page_if_html(req, resp, app))
        return;
    snprintf(body, sizeof(body),
             "{\"name\":\"insatskatalog\",\"version\":\"%s\",\"openapi\":\"/openapi.yaml\","
             "\"resources\":[\"/v1/knowledge-supports\",\"/v1/intervention-types\",\"/v1/methods\","
             "\"/v1/assessment-instruments\",\"/v1/materials\",\"/v1/surveys\",\"/v1/counties\","
             "\"/v1/municipalities\",\"/v1/recommendations\",\"/v1/providers\",\"/v1/offerings\","
             "\"/v1/agreements\",\"/v1/gaps\",\"/v1/guidance\",\"/v1/guidance/rules\",\"/v1/maps/municipalities\","
             "\"/v1/maps/counties\",\"/v1/search\",\"/v1/audit\",\"/metrics\"]}",
             app->version);
    respond_json_text(resp, 200, body);
}

/* GET /metrics: Prometheus text format; 404 when METRICS=off. */
void handle_metrics(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    char *text = NULL;
    size_t length = 0;
    FILE *out;

    if (app->metrics == NULL) {
        problem_no_route(resp, req->url_path);
        return;
    }
    if (!metrics_token_accepted(req, resp, app))
        return;
    if ((out = open_memstream(&text, &length)) == NULL) {
        problem_internal(resp);
        return;
    }
    int failed = metrics_write(app->metrics, app->pool, app->read_pool, app->cache,
                               app->routes ? routes_in_flight(app->routes) : 0, out);
    if (fclose(out) != 0 || failed)
        problem_internal(resp);
    else
        respond_bytes(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, length);
    u_map_put(resp->map_header, "Cache-Control", "no-store");
    free(text);
}
