/*
 * tests/api/support_offerings_csv_checks.h: the requests and checks the
 * offerings CSV test files share: GET with an Accept header, POST of a CSV
 * file to /v1/offerings/import, and what an answer, an offering or the
 * audit trail must then be. Each check records its failures in the
 * expectations (fixtures.h) and goes on; the test asserts e.failed == 0.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#ifndef INSATSKATALOG_TESTS_API_SUPPORT_OFFERINGS_CSV_CHECKS_H
#define INSATSKATALOG_TESTS_API_SUPPORT_OFFERINGS_CSV_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_offerings_csv.h"

/* ---- requests ------------------------------------------------------------ */

/* GET path (with @TOKENS@) with the given Accept header line ("Accept:" sends none). Frees r first. */
void csv_get_with_accept(const char *path_template, const char *accept_line, struct http_response *r);

/*
 * POST /v1/offerings/import<query> (query NULL: none) with the body as
 * Content-Type (NULL: none) and authorization (NULL: none). Frees r first.
 */
void csv_import_as(const char *authorization, const char *content_type, const char *query, const char *body,
                   struct http_response *r);

/* ---- checks ------------------------------------------------------------------ */

/* Header name is present and holds token (case-insensitive). */
bool csv_header_has_token(const struct http_response *r, const char *name, const char *token);

/* 200 {created, updated, unchanged} with exactly those counts, never stored by a cache. */
bool csv_expect_counts(struct expectations *e, const struct http_response *r, long long created,
                       long long updated, long long unchanged, const char *label);

/* A 200 text/csv; charset=utf-8 answer with Vary: Accept and an ETag whose body is exactly expected. */
bool csv_expect_body(struct expectations *e, const struct http_response *r, const char *expected,
                     const char *label);

/* One JSON page (next null) whose items are exactly the setup's offerings in mask, each once. */
bool csv_expect_json_ids(struct expectations *e, const struct http_response *r, unsigned mask, const char *label);

/* "a|b" -> ["a", "b"]; "" -> [] (a new reference). */
json_t *csv_json_list_of(const char *joined);

/* GET /v1/offerings/{id} shows exactly the fixture's values (languages NULL: ["svenska"]). */
void csv_expect_offering_document(struct expectations *e, long long id, const struct offering_fixture *f,
                                  const char *label);

struct audit_expectation {
    long long entity_id;
    const char *action;   /* "create" or "update" */
};

/*
 * The audit entries after after_id are exactly one per expected offering,
 * entity "offering", with its action, key_name, and a "before" exactly when
 * it is an update.
 */
void csv_expect_audit_since(struct expectations *e, long long after_id, const struct audit_expectation *expected,
                            size_t count, const char *key_name, const char *label);

/* One error an invalid-csv problem must list. column 0: about the whole row (JSON null, field "(row)"). */
struct csv_error {
    long row;
    int column;
    const char *field;
};

#define ROW(R, C, F) { R, C, F }
#define WHOLE_ROW(R) { R, 0, "(row)" }

/*
 * 400 /problems/invalid-csv listing exactly the expected errors (count of
 * them, ending at a zero row), in order of row and column, each with a
 * message; error_count is total (0: count).
 */
bool csv_expect_errors(struct expectations *e, const struct http_response *r, const struct csv_error *expected,
                       size_t total, const char *label);

#endif
