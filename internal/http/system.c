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

/* GET /readyz: the database answers too. */
void handle_readyz(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    (void)req;
    enum db_status status = db_ping(app->pool);
    if (status == DB_OK && app->read_pool != app->pool)
        status = db_ping(app->read_pool);   /* the replica must answer too */
    if (status != DB_OK) {
        problem_from_db(resp, DB_UNAVAILABLE, "database", "name", "database");
        return;
    }
    respond_json_text(resp, 200, "{\"status\":\"ready\",\"database\":\"ok\"}");
    u_map_put(resp->map_header, "Cache-Control", "no-store");
}

/* GET /openapi.yaml */
void handle_openapi(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    (void)req;
    respond_bytes(resp, 200, "application/yaml", app->openapi_yaml, app->openapi_length);
}

/* GET / and GET /v1: where to start. */
void handle_index(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    char body[1536];
    (void)req;
    snprintf(body, sizeof(body),
             "{\"name\":\"insatskatalog\",\"version\":\"%s\",\"openapi\":\"/openapi.yaml\","
             "\"resources\":[\"/v1/knowledge-supports\",\"/v1/intervention-types\",\"/v1/methods\","
             "\"/v1/assessment-instruments\",\"/v1/materials\",\"/v1/surveys\",\"/v1/counties\","
             "\"/v1/municipalities\",\"/v1/recommendations\",\"/v1/providers\",\"/v1/offerings\","
             "\"/v1/agreements\",\"/v1/gaps\",\"/v1/search\",\"/v1/audit\",\"/metrics\"]}",
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
    int failed = metrics_write(app->metrics, app->pool, app->cache, app->routes ? routes_in_flight(app->routes) : 0,
                               out);
    if (fclose(out) != 0 || failed)
        problem_internal(resp);
    else
        respond_bytes(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, length);
    u_map_put(resp->map_header, "Cache-Control", "no-store");
    free(text);
}
