/*
 * internal/http/problem.c: application/problem+json responses.
 *
 * The "type" of each problem is a relative URI under /problems/, described
 * in openapi.yaml (components/schemas/Problem) and api/problems.md, so a
 * client can branch on it without parsing English.
 */
#include "problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log/log.h"
#include "../validate/validate.h"

json_t *problem_error_entry(const struct field_error *error)
{
    json_t *entry = json_pack("{s:s, s:s}", "field", error->field, "message", error->message);

    /* Only text that is not UTF-8 fails here: name the field as details quote such values. */
    if (entry == NULL) {
        log_error("a field error could not be encoded as JSON");
        entry = json_pack("{s:s, s:s}", "field", "(a name that is not valid UTF-8 text)", "message",
                          "This field name is not valid UTF-8 text.");
    }
    return entry;
}

void problem_send(struct _u_response *resp, unsigned status, const char *type, const char *title,
                  const char *detail, const struct field_error *errors, size_t error_count)
{
    problem_send_extended(resp, status, type, title, detail, errors, error_count, NULL);
}

void problem_send_extended(struct _u_response *resp, unsigned status, const char *type, const char *title,
                           const char *detail, const struct field_error *errors, size_t error_count,
                           json_t *members)
{
    json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", title, "status", (int)status,
                             "detail", detail);
    json_t *list = NULL;

    if (body == NULL) {
        ulfius_set_string_body_response(resp, 500, "{\"title\":\"internal error\",\"status\":500}");
        goto headers;
    }
    if (errors != NULL && error_count > 0) {
        list = json_array();
        for (size_t i = 0; i < error_count; i++)
            json_array_append_new(list, problem_error_entry(&errors[i]));
        json_object_set_new(body, "errors", list);
    }
    if (members != NULL)
        json_object_update(body, members);
    ulfius_set_json_body_response(resp, status, body);
    json_decref(body);
headers:
    /* After the body: ulfius_set_json_body_response sets application/json. */
    u_map_put(resp->map_header, "Content-Type", "application/problem+json");
    u_map_put(resp->map_header, "Cache-Control", "no-store");
}

void problem_invalid_parameters(struct _u_response *resp, const struct field_error *errors, size_t count)
{
    char detail[512];

    if (count == 1)
        snprintf(detail, sizeof(detail), "%s", errors[0].message);
    else
        snprintf(detail, sizeof(detail), "%zu query parameters are invalid; see errors for each.", count);
    problem_send(resp, 400, "/problems/invalid-parameter", "invalid query parameter", detail, errors, count);
}

void problem_not_found(struct _u_response *resp, const char *kind, const char *key_name, const char *key)
{
    problem_not_found_param(resp, NULL, kind, key_name, key);
}

void problem_not_found_param(struct _u_response *resp, const char *param, const char *kind, const char *key_name,
                             const char *key)
{
    struct field_errors errors = { .count = 0 };
    char quoted[80];
    char detail[256];

    validate_quote(key, quoted, sizeof(quoted));
    snprintf(detail, sizeof(detail), "No %s has the %s \"%s\".", kind, key_name, quoted);
    if (param != NULL)
        field_errors_add(&errors, param, "%s", detail);
    problem_send(resp, 404, "/problems/not-found", "resource not found", detail, errors.items, errors.count);
}

void problem_no_route(struct _u_response *resp, const char *path)
{
    char quoted[80];
    char detail[256];

    validate_quote(path, quoted, sizeof(quoted));
    snprintf(detail, sizeof(detail), "No resource is at the path \"%s\". The paths are listed in /openapi.yaml.",
             quoted);
    problem_send(resp, 404, "/problems/not-found", "resource not found", detail, NULL, 0);
}

void problem_method_not_allowed(struct _u_response *resp, const char *method, const char *allow)
{
    char quoted[80];
    char detail[256];

    validate_quote(method, quoted, sizeof(quoted));
    snprintf(detail, sizeof(detail), "The method \"%s\" cannot be used on this resource. Allowed: %s.", quoted,
             allow);
    problem_send(resp, 405, "/problems/method-not-allowed", "method not allowed", detail, NULL, 0);
    u_map_put(resp->map_header, "Allow", allow);
}

void problem_internal(struct _u_response *resp)
{
    problem_send(resp, 500, "/problems/internal-error", "internal error",
                 "The request could not be completed because of an internal error. It has been logged.", NULL, 0);
}

void problem_from_db(struct _u_response *resp, enum db_status status, const char *kind,
                     const char *key_name, const char *key)
{
    switch (status) {
    case DB_NOT_FOUND:
        problem_not_found(resp, kind, key_name, key);
        return;
    case DB_UNAVAILABLE:
        problem_send(resp, 503, "/problems/service-unavailable", "service unavailable",
                     "The database could not be reached. Retry after the time in Retry-After.", NULL, 0);
        u_map_put(resp->map_header, "Retry-After", "5");
        return;
    case DB_CONFLICT:
        problem_send(resp, 409, "/problems/conflict", "conflict",
                     "The request conflicts with the current state of the catalogue.", NULL, 0);
        return;
    case DB_OK:
    case DB_ERROR:
    default:
        problem_internal(resp);
        return;
    }
}

void problem_unauthorized(struct _u_response *resp, const char *detail)
{
    problem_send(resp, 401, "/problems/unauthorized", "authentication required", detail, NULL, 0);
    u_map_put(resp->map_header, "WWW-Authenticate", "Bearer realm=\"insatskatalog\"");
}

void problem_forbidden(struct _u_response *resp, const char *detail)
{
    problem_send(resp, 403, "/problems/forbidden", "forbidden", detail, NULL, 0);
}

void problem_invalid_body(struct _u_response *resp, const struct field_error *errors, size_t count)
{
    char detail[300];

    if (count == 1)
        snprintf(detail, sizeof(detail), "%s", errors[0].message);
    else
        snprintf(detail, sizeof(detail), "%zu fields are invalid; see errors for each.", count);
    problem_send(resp, 400, "/problems/invalid-body", "invalid request body", detail, errors, count);
}

void problem_unresolved_reference(struct _u_response *resp, const char *field, const char *value)
{
    char quoted[80];
    char detail[256];
    struct field_error error = { .field = field };

    if (value == NULL) {
        snprintf(detail, sizeof(detail), "Field \"%s\" names a record that does not exist.", field);
    } else {
        validate_quote(value, quoted, sizeof(quoted));
        snprintf(detail, sizeof(detail), "Field \"%s\" names \"%s\", which does not exist.", field, quoted);
    }
    snprintf(error.message, sizeof(error.message), "%s", detail);
    problem_send(resp, 422, "/problems/unresolved-reference", "unresolved reference", detail, &error, 1);
}

void problem_duplicate(struct _u_response *resp, const char *kind, const char *key)
{
    char quoted[80];
    char detail[256];
    struct field_error error = { .field = "slug" };

    validate_quote(key, quoted, sizeof(quoted));
    snprintf(detail, sizeof(detail), "The slug \"%s\" is already taken by another %s.", quoted, kind);
    snprintf(error.message, sizeof(error.message), "%s", detail);
    problem_send(resp, 409, "/problems/duplicate", "duplicate", detail, &error, 1);
}

void problem_still_referenced(struct _u_response *resp, const char *kind, const char *key,
                              const char *referrers_json)
{
    char quoted[80];
    char detail[300];
    json_t *referrers = referrers_json ? json_loads(referrers_json, 0, NULL) : NULL;
    json_t *members = json_object();
    size_t count = json_array_size(referrers);

    validate_quote(key, quoted, sizeof(quoted));
    if (count > 0)
        snprintf(detail, sizeof(detail), "The %s \"%s\" cannot be deleted while %zu %s to it; "
                 "referrers lists them.", kind, quoted, count, count == 1 ? "record refers" : "records refer");
    else
        snprintf(detail, sizeof(detail), "The %s \"%s\" cannot be deleted while other records refer to it.",
                 kind, quoted);
    json_object_set_new(members, "referrers", referrers ? referrers : json_array());
    problem_send_extended(resp, 409, "/problems/still-referenced", "still referenced", detail, NULL, 0, members);
    json_decref(members);
}

void problem_precondition_failed(struct _u_response *resp)
{
    problem_send(resp, 412, "/problems/precondition-failed", "precondition failed",
                 "The record has changed since the ETag in If-Match was read. GET it again and retry.", NULL, 0);
}

void problem_precondition_required(struct _u_response *resp)
{
    problem_send(resp, 428, "/problems/precondition-required", "precondition required",
                 "This request must carry If-Match with the ETag of the record, as a GET returned it, so that "
                 "no other change is overwritten.", NULL, 0);
}

void problem_body_too_large(struct _u_response *resp, size_t limit)
{
    char detail[160];
    snprintf(detail, sizeof(detail), "The request body must be at most %zu bytes.", limit);
    problem_send(resp, 413, "/problems/body-too-large", "request body too large", detail, NULL, 0);
}

void problem_unsupported_media_type(struct _u_response *resp, const char *accepted)
{
    char detail[200];
    snprintf(detail, sizeof(detail), "The request body must have Content-Type %s.", accepted);
    problem_send(resp, 415, "/problems/unsupported-media-type", "unsupported media type", detail, NULL, 0);
}

void problem_invalid_value(struct _u_response *resp, const char *kind)
{
    char detail[200];
    snprintf(detail, sizeof(detail), "The %s was refused by a rule of the catalogue. Check the values against "
             "the schema in /openapi.yaml.", kind);
    problem_send(resp, 422, "/problems/invalid-value", "invalid value", detail, NULL, 0);
}

void problem_invalid_header(struct _u_response *resp, const char *header, const char *message)
{
    struct field_error error = { .field = header };
    snprintf(error.message, sizeof(error.message), "%s", message);
    problem_send(resp, 400, "/problems/invalid-header", "invalid header", message, &error, 1);
}

void problem_duplicate_fields(struct _u_response *resp, const char *kind, const char *fields)
{
    char detail[256];
    struct field_error error;
    size_t length = strcspn(fields, ",");

    snprintf(detail, sizeof(detail), "Another %s has the same %s.", kind, fields);
    /* The first field named is the one the error points at. */
    snprintf(error.message, sizeof(error.message), "%s", detail);
    char *first = strndup(fields, length);
    error.field = first ? first : "(body)";
    problem_send(resp, 409, "/problems/duplicate", "duplicate", detail, &error, 1);
    free(first);
}

void problem_wrong_state(struct _u_response *resp, const char *kind)
{
    char detail[256];
    snprintf(detail, sizeof(detail), "The %s's status does not allow this change: only a draft can be deleted, and "
             "terms can change only until the %s is in force.", kind, kind);
    problem_send(resp, 409, "/problems/wrong-state", "wrong state", detail, NULL, 0);
}
