/*
 * internal/http/coverage.c: coverage of a municipality and of a county, and
 * the gaps: for each intervention type the knowledge support recommends,
 * can a child there get it, through whom, how soon and at what cost.
 */
#include <stdlib.h>
#include <string.h>

#include "../db/coverage.h"
#include "handlers.h"
#include "maps.h"
#include "params.h"
#include "problem.h"
#include "respond.h"

/* Checks the parameters every coverage answer takes, plus extra (may be NULL). */
static bool coverage_query_or_problem(const struct _u_request *req, struct _u_response *resp,
                                      const char *const *allowed, const char *const *path_params,
                                      const struct param_spec *extra, size_t extra_count, struct db_read *read,
                                      struct db_coverage_query *out)
{
    static const struct param_spec common[] = {
        { .name = "knowledge_support", .kind = PARAM_SLUG },
        { .name = "on", .kind = PARAM_DATE },
    };
    struct field_errors errors = { .count = 0 };

    params_check_known(req, allowed, path_params, &errors);
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
        params_check(&common[i], u_map_get(req->map_url, common[i].name), &errors);
    for (size_t i = 0; i < extra_count; i++)
        params_check(&extra[i], u_map_get(req->map_url, extra[i].name), &errors);
    out->knowledge_support = u_map_get(req->map_url, "knowledge_support");
    out->on = u_map_get(req->map_url, "on");
    out->read = read;
    return params_ok_or_problem(resp, &errors);
}

static void send_coverage(struct _u_response *resp, enum db_status status, const char *body, bool csv, const char *kind,
                 const char *key_name, const char *key)
{
    if (status != DB_OK)
        problem_from_db(resp, status, kind, key_name, key);
    else if (csv)
        respond_bytes(resp, 200, "text/csv; charset=utf-8", body, strlen(body));
    else
        respond_json_text(resp, 200, body);
}

/* GET /v1/municipalities/{code}/coverage?knowledge_support=&on= */
void handle_municipality_coverage(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                  struct db_read *read)
{
    static const char *const allowed[] = { "knowledge_support", "on", NULL };
    static const char *const path_params[] = { "code", NULL };
    static const struct param_spec code_spec = { .name = "code", .kind = PARAM_MUNICIPALITY_CODE };
    const char *code = u_map_get(req->map_url, "code");
    struct field_errors ignored = { .count = 0 };
    struct db_coverage_query query;
    char *body = NULL;

    if (!coverage_query_or_problem(req, resp, allowed, path_params, NULL, 0, read, &query))
        return;
    if (!params_check(&code_spec, code, &ignored)) {
        problem_not_found(resp, "municipality", "code", code);
        return;
    }
    enum db_status status = db_coverage_municipality(app->read_pool, code, &query, &body);
    /* No row: the municipality or the knowledge support does not exist. */
    send_coverage(resp, status, body, false, query.knowledge_support ? "municipality or knowledge support" : "municipality",
         "code", code);
    free(body);
}

/* GET /v1/counties/{code}/coverage?knowledge_support=&on=  (Accept: text/csv for the table,
 * application/geo+json for the map) */
void handle_county_coverage(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                            struct db_read *read)
{
    static const char *const allowed[] = { "knowledge_support", "on", NULL };
    static const char *const path_params[] = { "code", NULL };
    static const struct param_spec code_spec = { .name = "code", .kind = PARAM_COUNTY_CODE };
    const char *code = u_map_get(req->map_url, "code");
    struct field_errors ignored = { .count = 0 };
    struct db_coverage_query query;
    bool csv = respond_prefers_csv(req);
    char *body = NULL;

    if (!coverage_query_or_problem(req, resp, allowed, path_params, NULL, 0, read, &query))
        return;
    if (!params_check(&code_spec, code, &ignored)) {
        problem_not_found(resp, "county", "code", code);
        return;
    }
    if (maps_prefers_geojson(req)) {
        maps_send_county(resp, app, code, query.knowledge_support, query.on, read);
        return;
    }
    enum db_status status = db_coverage_county(app->read_pool, code, &query, csv, &body);
    send_coverage(resp, status, body, csv, query.knowledge_support ? "county or knowledge support" : "county", "code", code);
    free(body);
}

/* GET /v1/gaps?county=&intervention_type=&knowledge_support=&on= */
void handle_gaps(const struct _u_request *req, struct _u_response *resp, const struct app *app, struct db_read *read)
{
    static const char *const allowed[] = { "county", "intervention_type", "knowledge_support", "on", NULL };
    static const struct param_spec extra[] = {
        { .name = "county", .kind = PARAM_COUNTY_CODE },
        { .name = "intervention_type", .kind = PARAM_SLUG },
    };
    struct db_coverage_query query;
    char *body = NULL;

    if (!coverage_query_or_problem(req, resp, allowed, NULL, extra, 2, read, &query))
        return;
    const char *county = u_map_get(req->map_url, "county");
    enum db_status status = db_coverage_gaps(app->read_pool, county, u_map_get(req->map_url, "intervention_type"),
                                             &query, &body);
    send_coverage(resp, status, body, false, "county, intervention type or knowledge support", "filter",
         county ? county : "");
    free(body);
}
