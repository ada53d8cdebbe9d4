/*
 * internal/http/body.c: request bodies.
 */
#include "body.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../validate/validate.h"
#include "problem.h"

bool body_is_media_type(const char *content_type, const char *media_type)
{
    size_t length = strlen(media_type);
    if (content_type == NULL || strncasecmp(content_type, media_type, length) != 0)
        return false;
    return content_type[length] == '\0' || content_type[length] == ';' || content_type[length] == ' ';
}

bool body_json_or_problem(const struct _u_request *req, struct _u_response *resp, bool merge_patch, json_t **out)
{
    const char *content_type = u_map_get_case(req->map_header, "Content-Type");
    json_error_t error;
    char detail[256];

    *out = NULL;
    if (!body_is_media_type(content_type, "application/json")
        && !(merge_patch && body_is_media_type(content_type, "application/merge-patch+json"))) {
        problem_unsupported_media_type(resp, merge_patch ? "application/merge-patch+json or application/json"
                                                         : "application/json");
        return false;
    }
    /* ulfius stops reading at max_post_body_size, set one byte above the limit. */
    if (req->binary_body_length > BODY_MAX_BYTES) {
        problem_body_too_large(resp, BODY_MAX_BYTES);
        return false;
    }
    if (req->binary_body == NULL || req->binary_body_length == 0) {
        struct field_error missing = { .field = "(body)", .message = "The request body is empty; it must be a JSON object." };
        problem_invalid_body(resp, &missing, 1);
        return false;
    }
    *out = json_loadb(req->binary_body, req->binary_body_length, JSON_REJECT_DUPLICATES, &error);
    if (*out == NULL) {
        struct field_error syntax = { .field = "(body)" };
        char reason[80];
        validate_quote(error.text, reason, sizeof(reason));   /* it may quote the bad bytes */
        snprintf(detail, sizeof(detail), "The request body is not valid JSON: %s (line %d, column %d).", reason,
                 error.line, error.column);
        snprintf(syntax.message, sizeof(syntax.message), "%s", detail);
        problem_invalid_body(resp, &syntax, 1);
        return false;
    }
    return true;
}
