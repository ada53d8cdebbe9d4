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
                               struct db_read *read, const struct list_spec *spec)
{
    static const char *const paging[] = { "limit", "cursor", NULL };
    struct listing_query query;
    struct field_errors errors = { .count = 0 };
    char *body = NULL;

    listing_check_query(req, spec, paging, &query, &errors);
    for (size_t i = 0; paging[i] != NULL; i++)
        if (u_map_get(req->map_url, paging[i]) != NULL)
            field_errors_add(&errors, paging[i], "Query parameter \"%s\" does not apply to text/csv: the CSV holds "
                             "every matching offering, without pages.", paging[i]);
    if (!params_ok_or_problem(resp, &errors))
        return;
    query.request.read = read;
    enum db_status status = db_offerings_csv_export(app->pool, &query.request, &body);
    if (status == DB_OK)
        respond_bytes(resp, 200, "text/csv; charset=utf-8", body, strlen(body));
    else
        problem_from_db(resp, status, "list", "path", req->url_path);
    free(body);
}

/* 400 invalid-csv: every error with its row, column and message; nothing was imported. */
static void problem_invalid_csv(struct _u_response *resp, const struct field_errors *errors)
{
    json_t *members = json_object();
    json_t *list = json_array();
    char detail[512];

    for (size_t i = 0; i < errors->count; i++) {
        const struct field_error *e = &errors->items[i];
        json_t *entry = json_pack("{s:I, s:o}", "row", (json_int_t)e->row, "column",
                                  e->column > 0 ? json_integer(e->column) : json_null());
        json_t *field = problem_error_entry(e);
        json_object_update(entry, field);   /* row and column first, as before */
        json_decref(field);
        json_array_append_new(list, entry);
    }
    if (errors->count == 1 && errors->items[0].column > 0)
        snprintf(detail, sizeof(detail), "Row %ld, column %d (\"%s\"): %s Nothing was imported.", errors->items[0].row,
                 errors->items[0].column, errors->items[0].field, errors->items[0].message);
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
