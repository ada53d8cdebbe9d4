/*
 * internal/http/problem.h: the one builder of application/problem+json
 * (RFC 9457) responses. Every failure leaves through here.
 *
 * Titles are fixed per type; details are complete sentences naming the
 * object and the reason, with user values in double quotes. Nothing from a
 * database message ever reaches a detail.
 */
#ifndef INSATSKATALOG_HTTP_PROBLEM_H
#define INSATSKATALOG_HTTP_PROBLEM_H

#include <jansson.h>
#include <ulfius.h>

#include "../db/pool.h"
#include "../validate/fields.h"

/* One entry of a problem's errors: {"field", "message"}, a new object; never
 * NULL but when out of memory (a field that is not UTF-8 is described). */
json_t *problem_error_entry(const struct field_error *error);

/* Sends a problem; errors may be NULL. Takes a reference to nothing. */
void problem_send(struct _u_response *resp, unsigned status, const char *type, const char *title,
                  const char *detail, const struct field_error *errors, size_t error_count);

/* problem_send with more top-level members (copied from members; may be NULL). */
void problem_send_extended(struct _u_response *resp, unsigned status, const char *type, const char *title,
                           const char *detail, const struct field_error *errors, size_t error_count,
                           json_t *members);

/* 401 with WWW-Authenticate: Bearer. */
void problem_unauthorized(struct _u_response *resp, const char *detail);
/* 403: the key is valid but its scope does not cover the request. */
void problem_forbidden(struct _u_response *resp, const char *detail);
/* 400 invalid-body naming every bad field. */
void problem_invalid_body(struct _u_response *resp, const struct field_error *errors, size_t count);
/* 422: a reference by slug names nothing. */
void problem_unresolved_reference(struct _u_response *resp, const char *field, const char *value);
/* 409: the slug is taken. */
void problem_duplicate(struct _u_response *resp, const char *kind, const char *key);
/* 409: another record has the same values in fields (comma-separated; the first is named in errors). */
void problem_duplicate_fields(struct _u_response *resp, const char *kind, const char *fields);
/* 409 with "referrers": the records that still refer to the one being deleted. */
void problem_still_referenced(struct _u_response *resp, const char *kind, const char *key,
                              const char *referrers_json);
/* 412 and 428 for If-Match. */
void problem_precondition_failed(struct _u_response *resp);
void problem_precondition_required(struct _u_response *resp);
/* 413 and 415 for request bodies. */
void problem_body_too_large(struct _u_response *resp, size_t limit);
void problem_unsupported_media_type(struct _u_response *resp, const char *accepted);
/* 422 when a database rule refused values validation let through. */
void problem_invalid_value(struct _u_response *resp, const char *kind);

/* 400 invalid-parameter naming every bad query parameter at once. */
void problem_invalid_parameters(struct _u_response *resp, const struct field_error *errors, size_t count);

/* 404 for a record: "No <kind> has the <key_name> \"<key>\"." */
void problem_not_found(struct _u_response *resp, const char *kind, const char *key_name, const char *key);

/* 404 for a record named by a query parameter: the detail as problem_not_found's,
 * and errors names the parameter, e.g. ?county=99. */
void problem_not_found_param(struct _u_response *resp, const char *param, const char *kind, const char *key_name,
                             const char *key);

/* 404 for a path that names no resource. */
void problem_no_route(struct _u_response *resp, const char *path);

/* 405 with an Allow header. */
void problem_method_not_allowed(struct _u_response *resp, const char *method, const char *allow);

/* Maps a failed db status: DB_NOT_FOUND 404, DB_UNAVAILABLE 503 with
 * Retry-After, DB_CONFLICT 409, anything else 500 with a fixed detail. */
void problem_from_db(struct _u_response *resp, enum db_status status, const char *kind,
                     const char *key_name, const char *key);

/* 400 for a request header with a value of the wrong shape. */
void problem_invalid_header(struct _u_response *resp, const char *header, const char *message);

/* 409 when the record's lifecycle state does not allow the change. */
void problem_wrong_state(struct _u_response *resp, const char *kind);

/* 500 with a fixed detail; the cause goes to the log only. */
void problem_internal(struct _u_response *resp);

/* User values in details are quoted with validate_quote() (validate/validate.h). */

#endif
