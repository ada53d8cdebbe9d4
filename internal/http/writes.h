/*
 * internal/http/writes.h: the generic create, replace (PUT), merge-patch
 * (PATCH) and delete handlers behind every writable resource.
 *
 * Writes need an API key with the admin scope (or an owner scope the resource names),
 * validate every field at once, and change a record only with If-Match
 * naming its current ETag: without If-Match they are refused with 428, so
 * no client can overwrite a change it has not seen. A create may carry an
 * Idempotency-Key: a retry with the same key and body gets the first answer.
 */
#ifndef INSATSKATALOG_HTTP_WRITES_H
#define INSATSKATALOG_HTTP_WRITES_H

#include <ulfius.h>

#include "../db/write.h"
#include "../validate/fields.h"
#include "app.h"

struct writable_resource {
    const char *kind;                  /* "method", for details */
    const char *collection_path;       /* "/v1/methods", for Location */
    const struct field_spec *fields;   /* ended by {NULL} */
    const char *low_field, *high_field;   /* an ordered pair (age_min <= age_max, dates), or NULL */
    const struct db_writable *db;
    const char *key_name;              /* the path parameter: NULL means "slug" */
    bool key_is_id;                    /* the key is a numeric id (server-assigned) instead of a slug */
    enum db_scope_kind owner_scope;    /* e.g. DB_SCOPE_PROVIDER: such keys may write what they own */
    void (*extra_check)(const json_t *input, struct field_errors *errors);   /* rules across fields, or NULL */
    const char *unique_fields;         /* what must be unique, for 409: NULL means "slug" */
    const char *note_header;           /* the header an update's note goes in (result.note), or NULL */
};

/* POST <collection>: 201 with Location, ETag and the new record. */
void writes_create(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                   const struct writable_resource *resource);

/* PUT <collection>/{slug}: full replacement; 200 with the record and its new ETag. */
void writes_replace(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                    const struct writable_resource *resource);

/* PATCH <collection>/{slug}: JSON merge patch (RFC 7386); 200 with the record. */
void writes_patch(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                  const struct writable_resource *resource);

/* DELETE <collection>/{slug}: 204; 409 with referrers while others refer to it. */
void writes_delete(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                   const struct writable_resource *resource);

/* The steps of a write, for handlers that compose their own (the agreement lifecycle). */

/* The path's key; otherwise 400 (a query parameter) or 404 has been sent and NULL returned. */
const char *writes_path_key_or_problem(const struct _u_request *req, struct _u_response *resp,
                                       const struct writable_resource *resource);
/* The If-Match header; otherwise 428 has been sent and NULL returned. */
const char *writes_if_match_or_problem(const struct _u_request *req, struct _u_response *resp);
/* An admin key, or one of the resource's owner scope; else 401/403 sent. */
bool writes_writer_or_problem(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                              const struct writable_resource *resource, struct db_key *actor);
/* Answers a write a rule of the record's state refused (result.refusal), after its transaction. */
void writes_respond_refusal(struct _u_response *resp, const struct db_write_refusal *refusal);
/* Answers a finished write: the new representation (success_status), 204, or the problem. */
void writes_respond(const struct _u_request *req, struct _u_response *resp, const struct writable_resource *resource,
                    const struct db_write_result *result, const char *key, const json_t *input,
                    unsigned success_status);

/* The four thin handlers of a resource, named handle_<name>_create and so on. */
#define DEFINE_WRITE_HANDLERS(name, resource)                                                                   \
    void handle_##name##_create(const struct _u_request *req, struct _u_response *resp, const struct app *app) \
    {                                                                                                           \
        writes_create(req, resp, app, resource);                                                                \
    }                                                                                                           \
    void handle_##name##_replace(const struct _u_request *req, struct _u_response *resp, const struct app *app)\
    {                                                                                                           \
        writes_replace(req, resp, app, resource);                                                               \
    }                                                                                                           \
    void handle_##name##_patch(const struct _u_request *req, struct _u_response *resp, const struct app *app)  \
    {                                                                                                           \
        writes_patch(req, resp, app, resource);                                                                 \
    }                                                                                                           \
    void handle_##name##_delete(const struct _u_request *req, struct _u_response *resp, const struct app *app) \
    {                                                                                                           \
        writes_delete(req, resp, app, resource);                                                                \
    }

#endif
