/*
 * internal/http/search.c: ranked Swedish full-text search over the catalogue.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../db/catalogue.h"
#include "../validate/validate.h"
#include "handlers.h"
#include "listing.h"
#include "problem.h"
#include "respond.h"

#define SEARCH_DEFAULT_LIMIT 20
#define SEARCH_MAX_LIMIT 100
#define SEARCH_MAX_OFFSET 10000

/* GET /v1/search?q=&limit=&offset= */
void handle_search(const struct _u_request *req, struct _u_response *resp, const struct app *app, struct db_read *read)
{
    static const struct param_spec q_spec = { .name = "q", .kind = PARAM_TEXT };
    static const char *const allowed[] = { "q", "limit", "offset", NULL };
    static const char *const carried[] = { "q", "limit", NULL };
    const char *q = u_map_get(req->map_url, "q");
    const char *limit_value = u_map_get(req->map_url, "limit");
    const char *offset_value = u_map_get(req->map_url, "offset");
    struct field_errors errors = { .count = 0 };
    long limit = SEARCH_DEFAULT_LIMIT;
    long offset = 0;
    char limit_text[16];
    char offset_text[16];
    char *next_prefix = NULL;
    char *body = NULL;

    params_check_known(req, allowed, NULL, &errors);
    if (q == NULL)
        field_errors_add(&errors, "q", "Query parameter \"q\" is required: the words to search for.");
    else
        params_check(&q_spec, q, &errors);
    params_check_long("limit", limit_value, 1, SEARCH_MAX_LIMIT, &limit, &errors);
    params_check_long("offset", offset_value, 0, SEARCH_MAX_OFFSET, &offset, &errors);
    if (!params_ok_or_problem(resp, &errors))
        goto cleanup;

    snprintf(limit_text, sizeof(limit_text), "%ld", limit);
    snprintf(offset_text, sizeof(offset_text), "%ld", offset);
    if ((next_prefix = listing_next_prefix(req, "/v1/search", carried, "offset")) == NULL) {
        problem_internal(resp);
        goto cleanup;
    }
    enum db_status status = db_search(app->read_pool, q, limit_text, offset_text, next_prefix, read, &body);
    if (status == DB_OK)
        respond_json_text(resp, 200, body);
    else
        problem_from_db(resp, status, "search", "query", q);
cleanup:
    free(body);
    o_free(next_prefix);
}
