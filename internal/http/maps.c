/*
 * internal/http/maps.c: coverage as GeoJSON (application/geo+json, RFC 7946):
 * GET /v1/maps/municipalities, GET /v1/maps/counties, and the county map that
 * GET /v1/counties/{code}/coverage answers with Accept: application/geo+json.
 *
 * This file only checks the query; PostgreSQL builds each map (db/maps.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../db/maps.h"
#include "handlers.h"
#include "maps.h"
#include "params.h"
#include "problem.h"
#include "respond.h"

#define GEOJSON_MEDIA_TYPE "application/geo+json"

static void send_map(struct _u_response *resp, enum db_status status, const char *body, const char *missing,
                     const struct db_map_query *query)
{
    if (status == DB_OK && missing == NULL)
        respond_bytes(resp, 200, GEOJSON_MEDIA_TYPE, body, strlen(body));
    else if (status == DB_OK && strcmp(missing, "county") == 0)
        problem_not_found(resp, "county", "code", query->county);
    else if (status == DB_OK)
        problem_not_found(resp, "intervention type", "slug", query->intervention_type);
    else
        problem_from_db(resp, status, "knowledge support", "slug",
                        query->knowledge_support ? query->knowledge_support : "normbrytande-beteende-2021");
}

/* Checks the query of a map; county_allowed says whether it takes county. */
static bool map_query_or_problem(const struct _u_request *req, struct _u_response *resp, bool county_allowed,
                                 struct db_read *read, struct db_map_query *out)
{
    static const char *const with_county[] = { "intervention_type", "county", "on", NULL };
    static const char *const without_county[] = { "intervention_type", "on", NULL };
    static const struct param_spec specs[] = {
        { .name = "intervention_type", .kind = PARAM_SLUG },
        { .name = "county", .kind = PARAM_COUNTY_CODE },
        { .name = "on", .kind = PARAM_DATE },
    };
    struct field_errors errors = { .count = 0 };

    params_check_known(req, county_allowed ? with_county : without_county, NULL, &errors);
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        params_check(&specs[i], u_map_get(req->map_url, specs[i].name), &errors);
    *out = (struct db_map_query){
        .county = county_allowed ? u_map_get(req->map_url, "county") : NULL,
        .intervention_type = u_map_get(req->map_url, "intervention_type"),
        .knowledge_support = NULL,
        .on = u_map_get(req->map_url, "on"),
        .read = read,
    };
    return params_ok_or_problem(resp, &errors);
}

/* GET /v1/maps/municipalities?intervention_type=&county=&on= */
void handle_map_municipalities(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                               struct db_read *read)
{
    struct db_map_query query;
    const char *missing = NULL;
    char *body = NULL;

    if (!map_query_or_problem(req, resp, true, read, &query))
        return;
    enum db_status status = db_map_municipalities(app->read_pool, &query, &body, &missing);
    send_map(resp, status, body, missing, &query);
    free(body);
}

/* GET /v1/maps/counties?intervention_type=&on= */
void handle_map_counties(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                         struct db_read *read)
{
    struct db_map_query query;
    const char *missing = NULL;
    char *body = NULL;

    if (!map_query_or_problem(req, resp, false, read, &query))
        return;
    enum db_status status = db_map_counties(app->read_pool, &query, &body, &missing);
    send_map(resp, status, body, missing, &query);
    free(body);
}

bool maps_prefers_geojson(const struct _u_request *req)
{
    return respond_prefers_media_type(req, GEOJSON_MEDIA_TYPE);
}

void maps_send_county(struct _u_response *resp, const struct app *app, const char *code,
                      const char *knowledge_support, const char *on, struct db_read *read)
{
    struct db_map_query query = { .county = code, .knowledge_support = knowledge_support, .on = on, .read = read };
    const char *missing = NULL;
    char *body = NULL;

    enum db_status status = db_map_municipalities(app->read_pool, &query, &body, &missing);
    if (status == DB_NOT_FOUND)   /* as the JSON answer says it */
        problem_not_found(resp, "county or knowledge support", "code", code);
    else
        send_map(resp, status, body, missing, &query);
    free(body);
}
