/*
 * internal/http/listing.c: one body for every list and get handler.
 */
#include "listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../validate/validate.h"
#include "problem.h"
#include "respond.h"

char *listing_next_prefix(const struct _u_request *req, const char *path, const char *const *names,
                          const char *last_name)
{
    char *prefix = o_strdup(path);
    char separator = '?';

    for (size_t i = 0; prefix != NULL && names[i] != NULL; i++) {
        const char *value = u_map_get(req->map_url, names[i]);
        char *encoded;
        if (value == NULL)
            continue;
        if ((encoded = ulfius_url_encode(value)) == NULL) {
            o_free(prefix);
            return NULL;
        }
        prefix = mstrcatf(prefix, "%c%s=%s", separator, names[i], encoded);
        separator = '&';
        o_free(encoded);
    }
    if (prefix != NULL)
        prefix = mstrcatf(prefix, "%c%s=", separator, last_name);
    return prefix;
}

void listing_check_query(const struct _u_request *req, const struct list_spec *spec, const char *const *paging,
                         struct listing_query *out, struct field_errors *errors)
{
    const char *since_name = spec->since_name ? spec->since_name : "updated_since";
    const struct param_spec since_spec = { .name = since_name, .kind = PARAM_TIMESTAMP };
    const char *allowed[DB_PAGE_MAX_FILTERS + 8] = { since_name };
    const char *path_params[DB_PAGE_MAX_FILTERS + 1] = { NULL };
    size_t allowed_count = 1, carried_count = 2, path_count = 0;

    memset(out, 0, sizeof(*out));
    out->carried[0] = "limit";
    out->carried[1] = since_name;
    for (size_t i = 0; paging != NULL && paging[i] != NULL && allowed_count < 5; i++)
        allowed[allowed_count++] = paging[i];
    for (int i = 0; spec->filters[i].name != NULL; i++) {
        const struct param_spec *filter = &spec->filters[i];
        if (filter->in_path)
            path_params[path_count++] = filter->name;
        else if (filter->constant == NULL) {
            allowed[allowed_count++] = filter->name;
            out->carried[carried_count++] = filter->name;
        }
    }
    out->path_param = path_params[0];
    /* First, so that a query parameter shadowing a path key is reported as such. */
    params_check_known(req, allowed, path_params, errors);
    for (int i = 0; spec->filters[i].name != NULL; i++) {
        const struct param_spec *filter = &spec->filters[i];
        const char *value = filter->constant ? filter->constant : u_map_get(req->map_url, filter->name);
        if (params_check(filter, value, errors))
            out->request.filters[i] = value;
        else if (filter->in_path && errors->count == 1)
            out->bad_path_key = filter;
        out->request.filter_count = i + 1;
    }
    out->request.updated_since = u_map_get(req->map_url, since_name);
    params_check(&since_spec, out->request.updated_since, errors);
}

void listing_send_page(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                       struct db_read *read, const struct list_spec *spec)
{
    static const char *const paging[] = { "limit", "cursor", NULL };
    struct listing_query query;
    struct field_errors errors = { .count = 0 };
    struct param_spec cursor_spec = spec->key;
    char limit_text[16];
    char *next_prefix = NULL;
    char *body = NULL;
    long limit = LISTING_DEFAULT_LIMIT;
    const char *limit_value = u_map_get(req->map_url, "limit");
    struct db_page_request *request = &query.request;

    listing_check_query(req, spec, paging, &query, &errors);
    if (query.bad_path_key != NULL) {
        /* A path key of the wrong shape cannot name a record (unless a
         * shadowing query parameter garbled it: that is a 400). */
        const char *name = query.bad_path_key->name;
        problem_not_found(resp, "record", name, u_map_get(req->map_url, name));
        return;
    }
    params_check_long("limit", limit_value, 1, LISTING_MAX_LIMIT, &limit, &errors);
    cursor_spec.name = "cursor";
    request->cursor = u_map_get(req->map_url, "cursor");
    params_check(&cursor_spec, request->cursor, &errors);
    if (!params_ok_or_problem(resp, &errors))
        goto cleanup;

    snprintf(limit_text, sizeof(limit_text), "%ld", limit);
    request->limit = limit_text;
    next_prefix = listing_next_prefix(req, spec->path ? spec->path : req->url_path, query.carried, "cursor");
    if (next_prefix == NULL) {
        problem_internal(resp);
        goto cleanup;
    }
    request->next_prefix = next_prefix;
    request->read = read;
    enum db_status status = spec->fetch(app->read_pool, request, &body);
    if (status == DB_NOT_FOUND && spec->path_kind != NULL && query.path_param != NULL) {
        problem_not_found(resp, spec->path_kind, query.path_param, u_map_get(req->map_url, query.path_param));
        goto cleanup;
    }
    if (status != DB_OK) {
        problem_from_db(resp, status, "list", "path", req->url_path);
        goto cleanup;
    }
    respond_json_text(resp, 200, body);
cleanup:
    free(body);
    o_free(next_prefix);
}

void listing_send_one(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                      struct db_read *read, const struct get_spec *spec)
{
    const char *path_params[] = { spec->key.name, NULL };
    const char *key = u_map_get(req->map_url, spec->key.name);
    struct field_errors errors = { .count = 0 };
    char *body = NULL;

    params_check_known(req, NULL, path_params, &errors);
    if (!params_ok_or_problem(resp, &errors))
        return;
    /* A key of the wrong shape cannot name a record: 404 without asking the database. */
    if (!params_check(&spec->key, key, &errors) || key == NULL) {
        problem_not_found(resp, spec->kind, spec->key.name, key);
        return;
    }
    enum db_status status = spec->fetch(app->read_pool, key, read, &body);
    if (status == DB_OK)
        respond_json_text(resp, 200, body);
    else
        problem_from_db(resp, status, spec->kind, spec->key.name, key);
    free(body);
}
