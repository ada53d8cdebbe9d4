/*
 * internal/http/cost_estimate.c: what a method would cost a group of
 * municipalities, each alone and together in one agreement
 * (avtalssamverkan), split by each compensation model.
 *
 * This file only checks the query; the arithmetic is one statement in
 * db/cost_estimate.c, and whether the municipalities and the offering exist
 * is answered by that same statement.
 */
#include <stdio.h>
#include <string.h>

#include "../db/cost_estimate.h"
#include "../validate/validate.h"
#include "handlers.h"
#include "params.h"
#include "problem.h"
#include "respond.h"

#define COST_ESTIMATE_MAX_MUNICIPALITIES 30
#define COST_ESTIMATE_MAX_STAFF 100
#define COST_ESTIMATE_MAX_CASES 10000
#define MUNICIPALITY_CODE_LENGTH 4
#define COST_ESTIMATE_DEFAULT_STAFF "2"
#define COST_ESTIMATE_DEFAULT_CASES "10"

/*
 * Appends an error naming "municipalities" unless value is 1 to 30 distinct
 * municipality codes separated by commas. Whether each code exists is for
 * the database to say (422, not 400).
 */
static void check_municipalities(const char *value, struct field_errors *errors)
{
    char seen[COST_ESTIMATE_MAX_MUNICIPALITIES][MUNICIPALITY_CODE_LENGTH + 1];
    char code[MUNICIPALITY_CODE_LENGTH + 1];
    char quoted[80];
    size_t count = 0;

    if (value == NULL) {
        field_errors_add(errors, "municipalities", "Query parameter \"municipalities\" is required: 1 to %d "
                         "municipality codes separated by commas, such as \"0381,0305\".",
                         COST_ESTIMATE_MAX_MUNICIPALITIES);
        return;
    }
    for (const char *item = value;; item += MUNICIPALITY_CODE_LENGTH + 1) {
        size_t length = strcspn(item, ",");
        if (length != MUNICIPALITY_CODE_LENGTH || count == COST_ESTIMATE_MAX_MUNICIPALITIES)
            goto bad_shape;
        memcpy(code, item, MUNICIPALITY_CODE_LENGTH);
        code[MUNICIPALITY_CODE_LENGTH] = '\0';
        if (!validate_is_municipality_code(code))
            goto bad_shape;
        for (size_t i = 0; i < count; i++)
            if (strcmp(seen[i], code) == 0) {
                field_errors_add(errors, "municipalities", "Query parameter \"municipalities\" names \"%s\" more "
                                 "than once.", code);
                return;
            }
        memcpy(seen[count++], code, sizeof(code));
        if (item[length] == '\0')
            return;
    }
bad_shape:
    validate_quote(value, quoted, sizeof(quoted));
    field_errors_add(errors, "municipalities", "Query parameter \"municipalities\" must be 1 to %d municipality "
                     "codes (four digits) separated by commas, such as \"0381,0305\". It was \"%s\".",
                     COST_ESTIMATE_MAX_MUNICIPALITIES, quoted);
}

/* GET /v1/methods/{slug}/cost-estimate?municipalities=&staff=&cases=&offering=&on= */
void handle_method_cost_estimate(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                 struct db_read *read)
{
    static const struct param_spec specs[] = {
        { .name = "offering", .kind = PARAM_ID },
        { .name = "on", .kind = PARAM_DATE },
    };
    static const char *const allowed[] = { "municipalities", "staff", "cases", "offering", "on", NULL };
    static const char *const path_params[] = { "slug", NULL };
    struct field_errors errors = { .count = 0 };
    struct db_cost_estimate estimate = { 0 };
    const char *slug = u_map_get(req->map_url, "slug");
    struct db_cost_estimate_query query = {
        .method = slug,
        .municipalities = u_map_get(req->map_url, "municipalities"),
        .staff = u_map_get(req->map_url, "staff"),
        .cases = u_map_get(req->map_url, "cases"),
        .offering = u_map_get(req->map_url, "offering"),
        .on = u_map_get(req->map_url, "on"),
        .read = read,
    };

    params_check_known(req, allowed, path_params, &errors);
    check_municipalities(query.municipalities, &errors);
    params_check_long("staff", query.staff, 1, COST_ESTIMATE_MAX_STAFF, NULL, &errors);
    params_check_long("cases", query.cases, 0, COST_ESTIMATE_MAX_CASES, NULL, &errors);
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        params_check(&specs[i], u_map_get(req->map_url, specs[i].name), &errors);
    if (!params_ok_or_problem(resp, &errors))
        return;
    if (!validate_is_slug(slug)) {
        problem_not_found(resp, "method", "slug", slug);
        return;
    }
    if (query.staff == NULL)
        query.staff = COST_ESTIMATE_DEFAULT_STAFF;
    if (query.cases == NULL)
        query.cases = COST_ESTIMATE_DEFAULT_CASES;

    enum db_status status = db_cost_estimate(app->read_pool, &query, &estimate);
    if (status != DB_OK)
        problem_from_db(resp, status, "method", "slug", slug);
    else if (estimate.unresolved_field != NULL)
        problem_unresolved_reference(resp, estimate.unresolved_field, estimate.unresolved_value);
    else
        respond_json_text(resp, 200, estimate.document);
    db_cost_estimate_release(&estimate);
}
