/*
 * tests/api/fixtures.h: what several API test files need besides HTTP.
 *
 * Four parts:
 *   1. the database ($DATABASE_URL, one libpq connection per test binary):
 *      single values, commands, and fingerprints of tables, so a test can
 *      prove that a refused request changed nothing;
 *   2. API keys made and revoked with build/insatskatalog-admin (run the
 *      tests from the repository root, after make build);
 *   3. names unique to a run: tags for slugs and key names, words for
 *      titles, Swedish organisation numbers with a Luhn check digit;
 *   4. requests that set up and clean up: a write with Authorization,
 *      Content-Type and If-Match, the current ETag, delete-if-present, and
 *      a list of created records to delete again, newest first.
 *
 * Nothing here asserts: a test decides what a failure means. Functions that
 * can fail say why on stderr, as "# ..." lines that TAP output keeps.
 */
#ifndef INSATSKATALOG_TESTS_API_FIXTURES_H
#define INSATSKATALOG_TESTS_API_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "http_client.h"

#define ETAG_MAX 80
#define ADMIN_COMMAND "build/insatskatalog-admin"

/* ---- the database ------------------------------------------------------------ */

/*
 * Connects to url (normally $DATABASE_URL). Returns false, with the reason on
 * stderr, when it cannot. Call once, from a group setup; db_close() undoes it.
 */
bool db_open(const char *url);

/*
 * What every write test starts from, as tests/run.sh sets it: opens
 * $DATABASE_URL and writes "Bearer <$ADMIN_KEY>" into admin_auth and, when
 * municipality_auth is not NULL, "Bearer <$MUNICIPALITY_KEY>" into it.
 * Returns false, naming what is missing, when it cannot.
 */
bool fixtures_open_environment(char *admin_auth, size_t admin_size, char *municipality_auth,
                               size_t municipality_size);

/* Closes the connection db_open() made; does nothing when there is none. */
void db_close(void);

/* cmocka group setup and teardown for tests that need only the database: db_open($DATABASE_URL), db_close(). */
int fixtures_group_open_database(void **state);
int fixtures_group_close_database(void **state);

/* The connection db_open() made, for the few tests that need raw libpq; NULL before it. */
PGconn *db_connection(void);

/*
 * Runs sql with count text parameters. Returns the result (never NULL; free
 * with PQclear). A status other than TUPLES_OK or COMMAND_OK is reported on stderr.
 */
PGresult *db_query(const char *sql, int count, const char *const *params);

/* The first value of the first row, malloc'd; NULL on error, no row or SQL NULL. */
char *db_text(const char *sql, int count, const char *const *params);

/* Runs a statement for its effect; false (reported on stderr) when it failed. */
bool db_command(const char *sql, int count, const char *const *params);

/* The first value of the first row as a number (count(*) ...); -1 on error or no row. */
long long db_count(const char *sql, int count, const char *const *params);

/*
 * A fingerprint of what a write can change, malloc'd (NULL on error): the
 * audit trail's "count/newest id", then "count/newest updated_at" of each of
 * tables (NULL-terminated), joined by " | ". Equal before and after a request
 * means it wrote nothing there.
 */
char *db_fingerprint(const char *const *tables);

/*
 * Expects state() now to equal before (both taken by the same function):
 * a refused request changed nothing. Records a failure naming label and
 * both fingerprints otherwise. Returns whether they were equal.
 */
bool expect_unchanged(struct expectations *e, char *(*state)(void), const char *before, const char *label);

/*
 * Runs each of statements in a transaction it rolls back, on the test's own
 * database session, and expects PostgreSQL to refuse it for want of privilege
 * (SQLSTATE 42501) and state() to be unchanged afterwards.
 */
void expect_refused_for_privilege(struct expectations *e, const char *const *statements, size_t count,
                                  char *(*state)(void));

/* A date the database computes from expression, as "YYYY-MM-DD", into out
 * (64 bytes); false when it cannot. expression is the test's own SQL text. */
bool db_date(const char *expression, char out[64]);

/* The number of audit entries of entity/entity_id; -1 on error. */
long long audit_count_for(const char *entity, const char *entity_id);

/* ---- API keys ---------------------------------------------------------------- */

/* The id of a key "ik_<id>_<secret>"; -1 when key does not have that form. */
long long key_id_of(const char *key);

/* The name of the key "ik_<id>_..." in the database, into out; "" when unknown. */
void key_name_of(const char *key, char *out, size_t size);

/*
 * Runs "build/insatskatalog-admin key create <name> <scope>" and writes
 * "Bearer <key>" into authorization. Returns false (the command's output on
 * stderr) when the command is missing, fails, or prints no key.
 */
bool make_key(const char *name, const char *scope, char *authorization, size_t size);

/* Runs "build/insatskatalog-admin key revoke <name>"; nothing when name is "". Failure is reported. */
void revoke_key(const char *name);

/* ---- names unique to a run --------------------------------------------------- */

/* A hex tag from the time and the process id (40 bits), for slugs the append-only audit trail never saw. */
void run_tag(char *out, size_t size);

/* A seed from the time, the process id and the CPU clock, for tag_of_seed(), word_of_seed() and numbers. */
unsigned long run_seed(void);

/* The low 32 bits of seed in hex. */
void tag_of_seed(unsigned long seed, char *out, size_t size);

/* first, then seven letters a-p taken from seed: a word for titles and q= searches. size must be >= 9. */
void word_of_seed(unsigned long seed, char first, char *out, size_t size);

/* The Luhn check digit of nine digits: weights 2, 1, 2, ... from the left, digits of products added. */
int luhn_digit(const char *nine);

/* nine digits and their check digit (or, when valid is false, a wrong one) into out. */
void organisation_number_of(const char *nine, bool valid, char out[11]);

/* ---- requests that set up and clean up ------------------------------------------ */

/*
 * Sends a request with the given Authorization value (NULL: none), Content-Type
 * (NULL with a body: none at all, not even libcurl's default; ignored without
 * a body) and If-Match (NULL: none). With a body, "Expect:" is sent too, so a
 * big body needs no 100-continue round trip. As http_request() otherwise.
 */
int request_as(const char *method, const char *path, const char *authorization, const char *content_type,
               const char *if_match, const char *body, struct http_response *r);

/*
 * The ETag a GET of path (as authorization; NULL: none) gives now, into out.
 * False, with out "", when the answer is not a 200 with an ETag.
 */
bool current_etag(const char *path, const char *authorization, char out[ETAG_MAX]);

/*
 * Deletes path as authorization with its current ETag, if it exists (for
 * cleaning up). Returns the DELETE's status, or 404 when there was nothing.
 * Forgets path in the created list when the record is gone (204 or 404).
 */
long delete_if_present(const char *path, const char *authorization);

/* Remembers path as created by this run, for delete_created(). */
void remember_created(const char *path);

/* POSTs body (JSON, taken) to collection as authorization and remembers the
 * record it made; its "id", or -1 with the answer on stderr. */
long long create_remembered(const char *collection, const char *authorization, json_t *body);

/* Marks path as already deleted, so delete_created() skips it. */
void forget_created(const char *path);

/*
 * Deletes every remembered record still there, newest first, as
 * authorization. Returns 0, or -1 when a DELETE answered other than 204
 * or 404 (each reported on stderr).
 */
int delete_created(const char *authorization);

/* ---- reading answers ----------------------------------------------------------- */

/* A string member of a JSON value (json_at path) equals value. */
bool json_string_is(const json_t *object, const char *dotted_path, const char *value);

#endif
