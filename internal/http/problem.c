/*
 * internal/http/problem.c: application/problem+json responses.
 *
 * The "type" of each problem is a relative URI under /problems/, described
 * in openapi.yaml (components/schemas/Problem) and api/problems.md, so a
 * client can branch on it without parsing English.
 */
#include "problem.h"

#include <stdio.h>
#include <string.h>

#include "../log/log.h"
#include "../validate/validate.h"

void problem_quote_value(const char *value, char *out, size_t out_size)
{
    size_t length;

    if (value == NULL || !validate_is_clean_utf8(value)) {
        snprintf(out, out_size, "%s", "(a value that is not valid UTF-8 text)");
        return;
    }
    length = strlen(value);
    if (length + 1 <= out_size && length <= 60) {
        memcpy(out, value, length + 1);
        return;
    }
    length = out_size > 64 ? 60 : out_size - 4;
    /* Step back to the start of a UTF-8 character so the cut stays valid. */
    while (length > 0 && ((unsigned char)value[length] & 0xc0) == 0x80)
        length--;
    memcpy(out, value, length);
    memcpy(out + length, "...", 4);
}

void problem_send(struct _u_response *resp, unsigned status, const char *type, const char *title,
                  const char *detail, const struct problem_error *errors, size_t error_count)
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
            json_array_append_new(list, json_pack("{s:s, s:s}", "field", errors[i].field,
                                                  "message", errors[i].message));
        json_object_set_new(body, "errors", list);
    }
    ulfius_set_json_body_response(resp, status, body);
    json_decref(body);
headers:
    /* After the body: ulfius_set_json_body_response sets application/json. */
    u_map_put(resp->map_header, "Content-Type", "application/problem+json");
    u_map_put(resp->map_header, "Cache-Control", "no-store");
}

void problem_invalid_parameters(struct _u_response *resp, const struct problem_error *errors, size_t count)
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
    char quoted[80];
    char detail[256];

    problem_quote_value(key, quoted, sizeof(quoted));
    snprintf(detail, sizeof(detail), "No %s has the %s \"%s\".", kind, key_name, quoted);
    problem_send(resp, 404, "/problems/not-found", "resource not found", detail, NULL, 0);
}

void problem_no_route(struct _u_response *resp, const char *path)
{
    char quoted[80];
    char detail[256];

    problem_quote_value(path, quoted, sizeof(quoted));
    snprintf(detail, sizeof(detail), "No resource is at the path \"%s\". The paths are listed in /openapi.yaml.",
             quoted);
    problem_send(resp, 404, "/problems/not-found", "resource not found", detail, NULL, 0);
}

void problem_method_not_allowed(struct _u_response *resp, const char *method, const char *allow)
{
    char quoted[80];
    char detail[256];

    problem_quote_value(method, quoted, sizeof(quoted));
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
