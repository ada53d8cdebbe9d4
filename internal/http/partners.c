/*
 * internal/http/partners.c: a municipality's neighbours, and the
 * municipalities near it that could share an intervention with it through an
 * agreement (GET /v1/municipalities/{code}/neighbours and /partners).
 *
 * This file only checks the query; db/partners.c answers it, and says
 * whether the municipality, the type or the method exists.
 */
#include <stdlib.h>
#include <string.h>

#include "../db/partners.h"
#include "handlers.h"
#include "params.h"
#include "problem.h"
#include "respond.h"

#define PARTNERS_MAX_RADIUS_KM 1000
#define PARTNERS_DEFAULT_RADIUS_KM "100"

/* The path's municipality code, or a 404 (a code of another shape names none). */
static const char *code_or_problem(const struct _u_request *req, struct _u_response *resp)
{
    static const struct param_spec code_spec = { .name = "code", .kind = PARAM_MUNICIPALITY_CODE };
    struct field_errors ignored = { .count = 0 };
    const char *code = u_map_get(req->map_url, "code");

    if (code != NULL && params_check(&code_spec, code, &ignored))
        return code;
    problem_not_found(resp, "municipality", "code", code ? code : "");
    return NULL;
}

/* GET /v1/municipalities/{code}/neighbours */
void handle_municipality_neighbours(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                    struct db_read *read)
{
    static const char *const allowed[] = { NULL };
    static const char *const path_params[] = { "code", NULL };
    struct field_errors errors = { .count = 0 };
    const char *code;
    char *body = NULL;

    params_check_known(req, allowed, path_params, &errors);
    if (!params_ok_or_problem(resp, &errors) || (code = code_or_problem(req, resp)) == NULL)
        return;
    enum db_status status = db_neighbours(app->read_pool, read, code, &body);
    if (status == DB_OK)
        respond_json_text(resp, 200, body);
    else
        problem_from_db(resp, status, "municipality", "code", code);
    free(body);
}

/* GET /v1/municipalities/{code}/partners?intervention_type=|method=&radius_km=&on= */
void handle_municipality_partners(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                  struct db_read *read)
{
    static const char *const allowed[] = { "intervention_type", "method", "radius_km", "on", NULL };
    static const char *const path_params[] = { "code", NULL };
    static const struct param_spec specs[] = {
        { .name = "intervention_type", .kind = PARAM_SLUG },
        { .name = "method", .kind = PARAM_SLUG },
        { .name = "on", .kind = PARAM_DATE },
    };
    struct field_errors errors = { .count = 0 };
    struct db_partners_query query = {
        .intervention_type = u_map_get(req->map_url, "intervention_type"),
        .method = u_map_get(req->map_url, "method"),
        .radius_km = u_map_get(req->map_url, "radius_km"),
        .on = u_map_get(req->map_url, "on"),
        .read = read,
    };
    struct db_partners partners = { 0 };

    params_check_known(req, allowed, path_params, &errors);
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        params_check(&specs[i], u_map_get(req->map_url, specs[i].name), &errors);
    if (query.intervention_type == NULL && query.method == NULL)
        field_errors_add(&errors, "intervention_type", "Query parameter \"intervention_type\" or \"method\" is "
                         "required; give exactly one of them.");
    else if (query.intervention_type != NULL && query.method != NULL)
        field_errors_add(&errors, "method", "Query parameters \"intervention_type\" and \"method\" cannot both be "
                         "given; give exactly one of them.");
    params_check_long("radius_km", query.radius_km, 1, PARTNERS_MAX_RADIUS_KM, NULL, &errors);
    if (!params_ok_or_problem(resp, &errors) || (query.code = code_or_problem(req, resp)) == NULL)
        return;
    if (query.radius_km == NULL)
        query.radius_km = PARTNERS_DEFAULT_RADIUS_KM;

    enum db_status status = db_partners(app->read_pool, &query, &partners);
    if (status == DB_OK && partners.missing == NULL)
        respond_json_text(resp, 200, partners.document);
    else if (status == DB_OK && strcmp(partners.missing, "municipality") == 0)
        problem_not_found(resp, "municipality", "code", query.code);
    else if (status == DB_OK)
        problem_not_found(resp, partners.missing, "slug", query.method ? query.method : query.intervention_type);
    else
        problem_from_db(resp, status, "municipality", "code", query.code);
    db_partners_release(&partners);
}
