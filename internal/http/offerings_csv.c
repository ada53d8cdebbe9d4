/*
 * internal/http/offerings_csv.c: offerings as text/csv, out and in.
 *
 * Parsing and checks are validate/offerings_csv.c's, SQL db/offerings_csv.c's,
 * both shared with the admin command; this file negotiates, authorizes, and
 * turns outcomes into answers.
 */
#include "offerings_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../db/offerings_csv.h"
#include "../validate/offerings_csv.h"
#include "auth.h"
#include "body.h"
#include "handlers.h"
#include "problem.h"
#include "respond.h"

void offerings_csv_send_export(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                               const struct list_spec *spec)
{
    static const char *const paging[] = { "limit", "cursor" };
    const char *since_name = spec->since_name ? spec->since_name : "updated_since";
    const struct param_spec since_spec = { .name = since_name, .kind = PARAM_TIMESTAMP };
    const char *allowed[DB_PAGE_MAX_FILTERS + 4] = { since_name, paging[0], paging[1] };
    const char *path_params[DB_PAGE_MAX_FILTERS + 1] = { NULL };
    struct db_page_request request = { .filter_count = 0 };
    struct field_errors errors = { .count = 0 };
    size_t allowed_count = 3, path_count = 0;
    char *body = NULL;

    for (int i = 0; spec->filters[i].name != NULL; i++) {
        const struct param_spec *filter = &spec->filters[i];
        const char *value = filter->constant ? filter->constant : u_map_get(req->map_url, filter->name);
        if (filter->in_path)
            path_params[path_count++] = filter->name;
        else if (filter->constant == NULL)
            allowed[allowed_count++] = filter->name;
        if (params_check(filter, value, &errors))
            request.filters[i] = value;
        request.filter_count = i + 1;
    }
    params_check_known(req, allowed, path_params, &errors);
    for (size_t i = 0; i < sizeof(paging) / sizeof(paging[0]); i++)
        if (u_map_get(req->map_url, paging[i]) != NULL)
            field_errors_add(&errors, paging[i], "Query parameter \"%s\" does not apply to text/csv: the CSV holds "
                             "every matching offering, without pages.", paging[i]);
    request.updated_since = u_map_get(req->map_url, since_name);
    params_check(&since_spec, request.updated_since, &errors);
    if (!params_ok_or_problem(resp, &errors))
        return;
    request.read_after = params_read_after(req);
    enum db_status status = db_offerings_csv_export(app->pool, &request, &body);
    if (status == DB_OK)
        respond_bytes(resp, 200, "text/csv; charset=utf-8", body, strlen(body));
    else
        problem_from_db(resp, status, "list", "path", req->url_path);
    free(body);
}

/* 400 invalid-csv: every error with its row, column and message; nothing was imported. */
static void problem_invalid_csv(struct _u_response *resp, const struct validate_csv_errors *errors)
{
    json_t *members = json_object();
    json_t *list = json_array();
    char detail[512];

    for (size_t i = 0; i < errors->count; i++) {
        const struct validate_csv_error *e = &errors->items[i];
        json_array_append_new(list, json_pack("{s:I, s:o, s:s, s:s}", "row", (json_int_t)e->row, "column",
                                              e->column > 0 ? json_integer(e->column) : json_null(), "field",
                                              validate_offerings_csv_column_name(e->column), "message", e->message));
    }
    if (errors->count == 1 && errors->items[0].column > 0)
        snprintf(detail, sizeof(detail), "Row %ld, column %d (\"%s\"): %s Nothing was imported.", errors->items[0].row,
                 errors->items[0].column, validate_offerings_csv_column_name(errors->items[0].column),
                 errors->items[0].message);
    else if (errors->count == 1)
        snprintf(detail, sizeof(detail), "Row %ld: %s Nothing was imported.", errors->items[0].row,
                 errors->items[0].message);
    else if (errors->total > errors->count)
        snprintf(detail, sizeof(detail), "The CSV has %zu errors; errors lists the first %zu. Nothing was imported.",
                 errors->total, errors->count);
    else
        snprintf(detail, sizeof(detail), "The CSV has %zu errors; errors lists each. Nothing was imported.",
                 errors->total);
    json_object_set_new(members, "errors", list);
    json_object_set_new(members, "error_count", json_integer((json_int_t)errors->total));
    problem_send_extended(resp, 400, "/problems/invalid-csv", "invalid CSV", detail, NULL, 0, members);
    json_decref(members);
}

/* POST /v1/offerings/import (Content-Type: text/csv; admin or a provider's key) */
void handle_offerings_import(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    struct db_csv_import_result result = { .outcome = DB_CSV_FAILED };
    struct field_errors errors = { .count = 0 };
    struct db_key actor;
    json_t *counts = NULL;
    char *answer = NULL;

    if (!auth_key_or_problem(req, resp, app, &actor))
        return;
    enum db_scope_kind scope = db_key_scope(&actor, NULL);
    if (scope != DB_SCOPE_ADMIN && scope != DB_SCOPE_PROVIDER) {
        problem_forbidden(resp, "The API key's scope does not allow importing offerings; it needs \"admin\" or "
                                "\"provider:<id>\".");
        return;
    }
    params_check_known(req, NULL, NULL, &errors);
    if (!params_ok_or_problem(resp, &errors))
        return;
    if (!body_is_media_type(u_map_get_case(req->map_header, "Content-Type"), "text/csv")) {
        problem_unsupported_media_type(resp, "text/csv");
        return;
    }
    /* ulfius stops reading at max_post_body_size, set one byte above the limit. */
    if (req->binary_body_length > BODY_MAX_BYTES) {
        problem_body_too_large(resp, BODY_MAX_BYTES);
        return;
    }
    db_offerings_csv_import(app->pool, req->binary_body, req->binary_body_length, &actor, false, &result);
    switch (result.outcome) {
    case DB_CSV_DONE:
        counts = json_pack("{s:I, s:I, s:I}", "created", (json_int_t)result.created, "updated",
                           (json_int_t)result.updated, "unchanged", (json_int_t)result.unchanged);
        answer = counts ? json_dumps(counts, JSON_COMPACT) : NULL;
        break;
    case DB_CSV_INVALID:
        problem_invalid_csv(resp, &result.errors);
        break;
    case DB_CSV_UNAVAILABLE:
        problem_from_db(resp, DB_UNAVAILABLE, "offering", "id", "");
        break;
    case DB_CSV_FAILED:
        problem_internal(resp);
        break;
    }
    if (result.outcome == DB_CSV_DONE && answer == NULL)
        problem_internal(resp);
    else if (answer != NULL) {
        respond_json_text(resp, 200, answer);
        u_map_put(resp->map_header, "Cache-Control", "no-store");
    }
    free(answer);
    json_decref(counts);
    db_csv_import_result_release(&result);
}
