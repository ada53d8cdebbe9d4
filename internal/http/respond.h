/*
 * internal/http/respond.h: successful responses. ETags, 304 and CORS are
 * added for every response by the dispatcher (routes.c), not here.
 */
#ifndef INSATSKATALOG_HTTP_RESPOND_H
#define INSATSKATALOG_HTTP_RESPOND_H

#include <stdbool.h>
#include <ulfius.h>

/* Sends a JSON document (text already serialised, copied into the response). */
void respond_json_text(struct _u_response *resp, unsigned status, const char *json_text);

/* Sends bytes with the given content type (copied into the response). */
void respond_bytes(struct _u_response *resp, unsigned status, const char *content_type, const char *bytes,
                   size_t length);

/* The q of the most specific range in the Accept header value accept that
 * matches media_type ("text/csv"), and how specific it was: 3 exact, 2
 * "type/ *", 1 "* / *", 0 no match (then q is 0). Case-insensitive names;
 * q is clamped to 0..1, and a range without q has 1. */
double respond_accept_quality(const char *accept, const char *media_type, int *specificity);

/* Whether the request's Accept header prefers text/csv to application/json
 * (by q value, then by how specific the matching range is). Absent: JSON. */
bool respond_prefers_csv(const struct _u_request *req);

/* The same for text/html: a browser's Accept prefers it, curl's does not. */
bool respond_prefers_html(const struct _u_request *req);

/* Whether the Accept header names media_type itself (not through a wildcard)
 * with a q above 0 and at least those of application/json and text/csv. */
bool respond_prefers_media_type(const struct _u_request *req, const char *media_type);

#endif
