/*
 * internal/http/body.h: request bodies: media type, size and JSON syntax.
 */
#ifndef INSATSKATALOG_HTTP_BODY_H
#define INSATSKATALOG_HTTP_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <ulfius.h>

/* Bodies above this are answered 413 (the server reads at most one byte more). */
#define BODY_MAX_BYTES (1024 * 1024)

/*
 * Parses the body as JSON when its Content-Type is application/json (or,
 * with merge_patch, application/merge-patch+json). On success *out is a new
 * reference; otherwise 413, 415 or 400 has been sent and *out is NULL.
 */
bool body_json_or_problem(const struct _u_request *req, struct _u_response *resp, bool merge_patch, json_t **out);

/* Whether a Content-Type names media_type, parameters (charset) allowed. */
bool body_is_media_type(const char *content_type, const char *media_type);

#endif
