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

/* Whether the request's Accept header prefers text/csv to application/json
 * (by q value, then by how specific the matching range is). Absent: JSON. */
bool respond_prefers_csv(const struct _u_request *req);

/* Whether the Accept header names media_type itself (not through a wildcard)
 * with a q above 0 and at least those of application/json and text/csv. */
bool respond_prefers_media_type(const struct _u_request *req, const char *media_type);

#endif
