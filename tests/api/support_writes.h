/*
 * tests/api/support_writes.h: what the write API test files
 * (test_writes_catalogue.c, test_writes_refusals.c, test_writes_references.c,
 * test_audit.c) share.
 *
 * writes_setup_group(), as a cmocka group setup, opens the database and
 * creates through the API with ADMIN_KEY one record of each writable resource
 * (slugs "tw-fx-<resource>-<tag>", the tag unique to the run: the audit trail
 * is append-only, so a slug is never reused between runs);
 * writes_teardown_group() deletes them again and closes the database. Each
 * test binary makes its own fixtures, so the binaries can run one after
 * another on one database. Test records start with "tw-" and end with the tag;
 * seeded records are only ever sent requests that must be refused.
 *
 * A refused request must change nothing: writes_db_state() is a fingerprint of
 * every writable table and the audit trail to compare before and after.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#ifndef INSATSKATALOG_TESTS_API_SUPPORT_WRITES_H
#define INSATSKATALOG_TESTS_API_SUPPORT_WRITES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "http_client.h"

#define SLUG_MAX 80
#define PATH_MAX_LENGTH 256
#define LABEL_MAX 1024
#define MIB (1024 * 1024)

/* ---- the resources ------------------------------------------------------- */

enum resource_id { KS, TYPE, REC, METHOD, INSTRUMENT, MATERIAL, RESOURCE_COUNT };

struct resource {
    const char *short_name;      /* in the slugs of test records */
    const char *path;            /* the collection */
    const char *entity;          /* in the audit trail */
    const char *inputs_view;     /* the record as a client writes it (sql/0005_write_access.sql) */
    const char *text_field;      /* a required text field that PATCH changes */
    const char *optional_field;  /* an optional field that PATCH with null removes */
    const char *after_null;      /* that field in the inputs view once removed, as JSON */
    bool optional_in_doc;        /* whether the served document shows that field */
};

/* The six writable resources, indexed by enum resource_id. */
extern const struct resource writes_resources[RESOURCE_COUNT];

/* ---- state, set by writes_setup_group() ---------------------------------- */

extern char writes_tag[24];                            /* unique to this run */
extern char writes_admin_auth[300];                     /* "Bearer <ADMIN_KEY>" */
extern char writes_municipality_auth[300];              /* "Bearer <MUNICIPALITY_KEY>" */
extern long long writes_admin_key_id;                   /* ADMIN_KEY's id, as the audit trail names it */
extern char writes_admin_key_name[100];                 /* and its name */
extern char writes_fixture[RESOURCE_COUNT][SLUG_MAX];   /* one record of each resource, made by the group setup */

/* ---- requests, bodies and checks ----------------------------------------- */

/* A request as admin with a text body (NULL: none), Content-Type and If-Match (NULL: none); as request_as(). */
int writes_as_admin(const char *method, const char *path, const char *content_type, const char *if_match,
                    const char *body, struct http_response *r);

/* As writes_as_admin(), with a JSON body (borrowed). */
int writes_as_admin_json(const char *method, const char *path, const char *content_type, const char *if_match,
                         const json_t *body, struct http_response *r);

/* GET path with one extra header line (NULL: none), without a key. */
int writes_get_with(const char *path, const char *header_line, struct http_response *r);

/* The path of one record: "<collection>/<slug>". */
void writes_record_path(enum resource_id id, const char *slug, char out[PATH_MAX_LENGTH]);

/* Whether etag is a strong ETag: longer than two characters and in double quotes. */
bool writes_is_quoted_etag(const char *etag);

/* Deletes a record if it exists (for cleaning up); returns the status of the DELETE, or 404. */
long writes_delete_record(enum resource_id id, const char *slug);

/* Percent-encodes a query value. */
void writes_url_encode(const char *value, char *out, size_t out_size);

/* A fingerprint of everything a write can change: the audit trail and each writable table. */
char *writes_db_state(void);

/* A complete, valid body for a new record; references name the fixtures. */
json_t *writes_valid_body(enum resource_id id, const char *slug);

/* Applies a merge patch (null members remove) to target; false when patch is not an object. */
bool writes_merge_into(json_t *target, const json_t *patch);

/* A body of exactly size bytes: {"slug":"...","description":"aaa..."}. */
char *writes_body_of_size(const char *slug, size_t size);

/* errors[] names exactly these fields (each at least once, and no other). */
bool writes_expect_fields(struct expectations *e, const struct http_response *r, const char *const *fields,
                          const char *label);

/* cmocka group setup: opens the database and creates the fixtures; -1 (the reason on stderr) when it cannot. */
int writes_setup_group(void **state);

/* cmocka group teardown: deletes the fixtures (a missing one is fine) and closes the database. */
int writes_teardown_group(void **state);

/*
 * GET <collection>/<slug>/history as admin: exactly actions (NULL-terminated,
 * newest first), each entry of that entity and slug, by ADMIN_KEY, its before
 * the previous entry's after; a failure names label.
 */
void writes_check_history(struct expectations *e, enum resource_id id, const char *slug, const char *const *actions,
                          const char *label);

#endif
