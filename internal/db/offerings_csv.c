/*
 * internal/db/offerings_csv.c: offerings as CSV (see offerings_csv.h): the
 * SQL of the export (the CSV is built by PostgreSQL), of reference
 * resolution and of the upsert, and the admin command around the import.
 * Parsing and the check of every cell are validate/offerings_csv.c's.
 */
#include "offerings_csv.h"
#include "kept_routes.h"
#include "tables.h"

#include "admin.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../file/file.h"
#include "../log/log.h"
#include "../validate/validate.h"
#include "registry.h"
#include "write.h"

/* A text value as one CSV cell: quoted when it holds a comma, quote or line
 * break, or starts or ends with white space (libcsv trims unquoted cells). */
#define CSV_CELL(X)                                                                                        \
    "CASE WHEN (" X ") ~ '[\",\\r\\n]|^\\s|\\s$' THEN '\"' || replace(" X ", '\"', '\"\"') || '\"' "        \
    "ELSE coalesce(" X ", '') END"
#define CSV_PLAIN(X) "coalesce((" X ")::text, '')"

/* The record type the upsert reads the rows as: the keys validate_offerings_csv_parse() writes. */
#define ROW_RECORD                                                                                          \
    "r(line bigint, provider_id bigint, method_id bigint, startup_fee_sek int, "                           \
    "training_cost_per_participant_sek int, cost_per_case_sek int, yearly_fee_sek int, training_days numeric, " \
    "training_for trainee_role[], certification_required boolean, delivery delivery_mode, languages text[], " \
    "valid_from date, valid_to date, verified_on date)"
/* Every column an import writes, but the key; T is "" or a qualifier such as "o.". */
#define OFFERING_VALUES(T)                                                                                  \
    T "startup_fee_sek, " T "training_cost_per_participant_sek, " T "cost_per_case_sek, "                 \
    T "yearly_fee_sek, " T "training_days, " T "training_for, " T "certification_required, "             \
    T "delivery, " T "languages, " T "valid_to, " T "verified_on"

const struct db_statement db_offerings_csv_statements[] = {
    /* $1 updated_since, $2 method slug, $3 provider id, $4 county code: the filters of offerings_list. */
    { "offerings_csv_export",
      "SELECT '" VALIDATE_OFFERINGS_CSV_HEADER "' || E'\\r\\n' || coalesce(string_agg("
      CSV_CELL("p.organisation_number") " || ',' || " CSV_CELL("m.slug") " || ',' || "
      CSV_PLAIN("o.startup_fee_sek") " || ',' || " CSV_PLAIN("o.training_cost_per_participant_sek") " || ',' || "
      CSV_PLAIN("o.cost_per_case_sek") " || ',' || " CSV_PLAIN("o.yearly_fee_sek") " || ',' || "
      CSV_PLAIN("o.training_days") " || ',' || " CSV_CELL("array_to_string(o.training_for, '|')") " || ',' || "
      CSV_PLAIN("o.certification_required") " || ',' || " CSV_CELL("o.delivery::text") " || ',' || "
      CSV_CELL("array_to_string(o.languages, '|')") " || ',' || "
      CSV_PLAIN("to_char(o.valid_from, 'YYYY-MM-DD')") " || ',' || " CSV_PLAIN("to_char(o.valid_to, 'YYYY-MM-DD')")
      " || ',' || " CSV_PLAIN("to_char(o.verified_on, 'YYYY-MM-DD')") " || E'\\r\\n', '' ORDER BY o.id), '') "
      "FROM offerings o JOIN providers p ON p.id = o.provider_id JOIN methods m ON m.id = o.method_id "
      "WHERE ($1::timestamptz IS NULL OR o.updated_at > $1::timestamptz) "
      "AND ($2::text IS NULL OR m.slug = $2::text) AND ($3::bigint IS NULL OR o.provider_id = $3::bigint) "
      "AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM offering_availability a WHERE a.offering_id = o.id "
      "   AND a.county_code = $4::text AND a.status <> 'ej tillgänglig'))" },
    /* $1 rows: per row in line order, the provider and method ids, NULL when there is none. Like the
     * *_exists statements of the JSON writes, it holds what it finds (FOR KEY SHARE) until COMMIT, so a
     * concurrent delete waits and then sees the new offerings as referrers. */
    { "offerings_csv_resolve",
      "SELECT r.line, "
      "(SELECT p.id FROM providers p WHERE p.organisation_number = r.provider_organisation_number "
      "   FOR KEY SHARE)::text, "
      "(SELECT m.id FROM methods m WHERE m.slug = r.method FOR KEY SHARE)::text "
      "FROM jsonb_to_recordset($1::jsonb) AS r(line bigint, provider_organisation_number text, method text) "
      "ORDER BY r.line" },
    /* Locks the offerings the rows name, in id order so that concurrent imports cannot deadlock; the
     * upsert, a later statement, then reads them as they are now. */
    { "offerings_csv_lock",
      "SELECT o.id FROM offerings o JOIN jsonb_to_recordset($1::jsonb) AS "
      "r(provider_id bigint, method_id bigint, valid_from date) "
      "ON o.provider_id = r.provider_id AND o.method_id = r.method_id AND o.valid_from = r.valid_from "
      "ORDER BY o.id FOR UPDATE OF o" },
    /* Inserts new offerings and updates those that differ; returns each created or changed one with its
     * document from before (NULL when created). Unchanged rows are not touched: updated_at stays. */
    { "offerings_csv_upsert",
      "WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS " ROW_RECORD "), "
      "before AS (SELECT o.id, d.doc FROM offerings o JOIN input i ON o.provider_id = i.provider_id "
      "   AND o.method_id = i.method_id AND o.valid_from = i.valid_from JOIN offering_docs d ON d.id = o.id), "
      "upserted AS (INSERT INTO offerings AS o (provider_id, method_id, startup_fee_sek, "
      "   training_cost_per_participant_sek, cost_per_case_sek, yearly_fee_sek, training_days, training_for, "
      "   certification_required, delivery, languages, valid_to, verified_on, valid_from) "
      "   SELECT provider_id, method_id, startup_fee_sek, training_cost_per_participant_sek, cost_per_case_sek, "
      "   yearly_fee_sek, training_days, coalesce(training_for, '{}'), coalesce(certification_required, false), "
      "   delivery, coalesce(languages, '{}'), valid_to, verified_on, valid_from FROM input "
      "   ON CONFLICT (provider_id, method_id, valid_from) DO UPDATE SET (" OFFERING_VALUES("") ") = "
      "   (" OFFERING_VALUES("EXCLUDED.") ") "
      "   WHERE (" OFFERING_VALUES("o.") ") IS DISTINCT FROM (" OFFERING_VALUES("EXCLUDED.") ") "
      "   RETURNING o.id, o.xmax::text = '0' AS created) "
      "SELECT u.id::text, u.created, b.doc::text FROM upserted u LEFT JOIN before b ON b.id = u.id ORDER BY u.id" },
    { NULL, NULL },
};

/* The admin command's audit key (see db_admin_import_offerings); $1 32 random bytes as hex. */
static const char sql_admin_cli_key[] =
    "WITH created AS (INSERT INTO api_keys (name, scope, secret_hash, revoked_at) "
    "   VALUES ('admin-cli', 'admin', decode($1::text, 'hex'), now()) ON CONFLICT (name) DO NOTHING "
    "   RETURNING id, name, scope) "
    "SELECT id::text, name, scope FROM created UNION ALL SELECT id::text, name, scope FROM api_keys "
    "WHERE name = 'admin-cli'";

enum db_status db_offerings_csv_export(struct db_pool *pool, const struct db_page_request *request, char **out)
{
    const char *params[] = { request->updated_since, request->filters[0], request->filters[1], request->filters[2] };
    return db_fetch_document(pool, request->read, "offerings_csv_export", 4, params, out);
}

/*
 * Runs a prepared statement of the import's transaction; NULL (with *outcome
 * set and the cause logged) when it fails. Not write.c's query(): that one
 * sorts a failure by SQLSTATE into what a single write answers its client
 * (duplicate, missing reference, refused column, wrong state) and leaves
 * those unlogged. Here every cell is checked and every reference resolved
 * before the first write, so any failure is the service's own: it goes to
 * db_status_from_result(), which logs it and counts it in the pool's errors.
 */
static PGresult *run_statement(struct db_pool *pool, PGconn *conn, const char *statement, int count,
                               const char *const *params, enum db_csv_outcome *outcome)
{
    PGresult *res = PQexecPrepared(conn, statement, count, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(res);

    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
        return res;
    *outcome = db_status_from_result(pool, conn, res) == DB_UNAVAILABLE ? DB_CSV_UNAVAILABLE : DB_CSV_FAILED;
    PQclear(res);
    return NULL;
}

/*
 * Sets provider_id and method_id on every row object that names an existing
 * provider and method; adds an error for each reference to nothing, and for
 * a provider other than the one a "provider:<id>" key may write.
 */
static bool resolve_references(struct db_pool *pool, PGconn *conn, json_t *rows, const struct db_key *actor,
                               struct field_errors *errors, enum db_csv_outcome *outcome)
{
    const char *owner = NULL;
    if (db_key_scope(actor, &owner) != DB_SCOPE_PROVIDER)
        owner = NULL;   /* admin: any provider */
    char *rows_text = json_dumps(rows, JSON_COMPACT);
    const char *params[] = { rows_text };
    PGresult *res = NULL;
    bool ok = false;
    const char *organisation_number_name = validate_offerings_csv_column_name(OFFERINGS_CSV_ORGANISATION_NUMBER);
    const char *method_name = validate_offerings_csv_column_name(OFFERINGS_CSV_METHOD);
    char copy[VALIDATE_QUOTED_SIZE];

    if (rows_text == NULL || (res = run_statement(pool, conn, "offerings_csv_resolve", 1, params, outcome)) == NULL)
        goto cleanup;
    if ((size_t)PQntuples(res) != json_array_size(rows)) {
        log_error("offerings_csv_resolve returned %d rows for %zu", PQntuples(res), json_array_size(rows));
        goto cleanup;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *row = json_array_get(rows, (size_t)i);
        long line = (long)json_integer_value(json_object_get(row, "line"));
        const char *organisation_number = json_string_value(json_object_get(row, organisation_number_name));
        const char *method = json_string_value(json_object_get(row, method_name));
        const char *provider_id = PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1);

        if (organisation_number != NULL && provider_id == NULL)
            validate_csv_errors_add(errors, line, OFFERINGS_CSV_ORGANISATION_NUMBER, "No provider has the "
                                    "organisation number \"%s\".",
                                    validate_quote(organisation_number, copy, sizeof(copy)));
        else if (organisation_number != NULL && owner != NULL && strcmp(provider_id, owner) != 0)
            validate_csv_errors_add(errors, line, OFFERINGS_CSV_ORGANISATION_NUMBER, "The API key may import "
                                    "offerings of provider %s only; the organisation number \"%s\" is another "
                                    "provider's.", owner, validate_quote(organisation_number, copy, sizeof(copy)));
        else if (organisation_number != NULL)
            json_object_set_new(row, "provider_id", json_string(provider_id));
        if (method != NULL && PQgetisnull(res, i, 2))
            validate_csv_errors_add(errors, line, OFFERINGS_CSV_METHOD, "No method has the slug \"%s\".",
                                    validate_quote(method, copy, sizeof(copy)));
        else if (method != NULL)
            json_object_set_new(row, "method_id", json_string(PQgetvalue(res, i, 2)));
    }
    ok = true;
cleanup:
    PQclear(res);
    free(rows_text);
    return ok;
}

/* Appends the audit entry of one created or changed offering, with its document as it is now. */
static bool append_audit(struct db_pool *pool, PGconn *conn, const struct db_key *actor, const char *id,
                         bool created, const char *before, enum db_csv_outcome *outcome)
{
    const char *get_params[] = { id };
    PGresult *document = run_statement(pool, conn, "offerings_get", 1, get_params, outcome);
    PGresult *res = NULL;
    char key_id[24];

    if (document == NULL)
        return false;
    if (PQntuples(document) == 1) {
        snprintf(key_id, sizeof(key_id), "%lld", actor->id);
        const char *audit[] = { key_id, actor->name, "offering", id, created ? "create" : "update", before,
                                PQgetvalue(document, 0, 0) };
        res = run_statement(pool, conn, "audit_append", 7, audit, outcome);
    }
    PQclear(document);
    PQclear(res);
    return res != NULL;
}

void db_offerings_csv_import(struct db_pool *pool, const char *data, size_t length, const struct db_key *actor,
                             bool dry_run, struct db_csv_import_result *out)
{
    json_t *rows = NULL;
    char *rows_text = NULL;
    PGconn *conn = NULL;
    PGresult *res = NULL;
    bool in_transaction = false;

    memset(out, 0, sizeof(*out));
    out->outcome = DB_CSV_FAILED;
    if (!validate_offerings_csv_parse(data, length, &rows, &out->errors))
        goto cleanup;
    if (json_array_size(rows) == 0) {   /* a header alone imports nothing */
        out->outcome = out->errors.total > 0 ? DB_CSV_INVALID : DB_CSV_DONE;
        goto cleanup;
    }
    if ((conn = db_pool_acquire(pool)) == NULL) {
        out->outcome = DB_CSV_UNAVAILABLE;
        goto cleanup;
    }
    if (!db_command_ok(conn, "BEGIN")) {
        out->outcome = PQstatus(conn) == CONNECTION_OK ? DB_CSV_FAILED : DB_CSV_UNAVAILABLE;
        goto cleanup;
    }
    in_transaction = true;
    if (!resolve_references(pool, conn, rows, actor, &out->errors, &out->outcome))
        goto cleanup;
    if (out->errors.total > 0) {
        field_errors_sort_by_place(&out->errors);
        out->outcome = DB_CSV_INVALID;
        goto cleanup;
    }
    const char *params[] = { rows_text = json_dumps(rows, JSON_COMPACT) };
    if (rows_text == NULL || (res = run_statement(pool, conn, "offerings_csv_lock", 1, params, &out->outcome)) == NULL)
        goto cleanup;
    PQclear(res);
    if ((res = run_statement(pool, conn, "offerings_csv_upsert", 1, params, &out->outcome)) == NULL)
        goto cleanup;
    for (int i = 0; i < PQntuples(res); i++) {
        bool created = strcmp(PQgetvalue(res, i, 1), "t") == 0;
        const char *before = PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2);
        if (created)
            out->created++;
        else
            out->updated++;
        /* An offering another writer created between the lock and the upsert has no
         * "before": the audit check refuses the entry, and the import rolls back. */
        if (!dry_run && !append_audit(pool, conn, actor, PQgetvalue(res, i, 0), created, before, &out->outcome))
            goto cleanup;
    }
    out->unchanged = json_array_size(rows) - (size_t)PQntuples(res);
    if (dry_run) {
        out->outcome = DB_CSV_DONE;   /* cleanup rolls it all back */
        goto cleanup;
    }
    db_kept_routes_refresh_before_commit(conn);
    if (!db_command_ok(conn, "COMMIT")) {
        out->outcome = PQstatus(conn) == CONNECTION_OK ? DB_CSV_FAILED : DB_CSV_UNAVAILABLE;
        goto cleanup;
    }
    in_transaction = false;
    db_pool_invalidate_tables_at(pool, db_entity_tables("offering"), 0);
    log_info("import entity=offering created=%zu updated=%zu unchanged=%zu key=\"%s\"", out->created, out->updated,
             out->unchanged, actor->name);
    out->outcome = DB_CSV_DONE;
cleanup:
    if (in_transaction)
        PQclear(PQexec(conn, "ROLLBACK"));
    if (out->outcome != DB_CSV_DONE)
        out->created = out->updated = out->unchanged = 0;
    PQclear(res);
    free(rows_text);
    json_decref(rows);
    db_pool_release(pool, conn);
}

void db_csv_import_result_release(struct db_csv_import_result *result)
{
    field_errors_release(&result->errors);
}

/* ---- the admin command -------------------------------------------------- */

/*
 * Finds or creates the "admin-cli" key the trail names for the admin
 * command. Its stored hash is 32 random bytes, the hash of no secret, and it
 * is revoked from the start: it exists to be named, never presented.
 */
static bool admin_cli_actor(struct db_pool *pool, struct db_key *out, FILE *report)
{
    unsigned char random[32];
    char random_hex[2 * sizeof(random) + 1];
    const char *params[] = { random_hex };
    PGconn *conn = db_pool_acquire(pool);
    PGresult *res = NULL;
    bool ok = false;

    if (conn == NULL) {
        fprintf(report, "the database could not be reached; check DATABASE_URL\n");
        return false;
    }
    randombytes_buf(random, sizeof(random));
    sodium_bin2hex(random_hex, sizeof(random_hex), random, sizeof(random));
    res = PQexecParams(conn, sql_admin_cli_key, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        fprintf(report, "finding the admin-cli key failed: %s", PQerrorMessage(conn));
    else if (strcmp(PQgetvalue(res, 0, 2), "admin") != 0)
        fprintf(report, "the key named \"admin-cli\" has the scope \"%s\"; the admin command records its imports "
                        "under an admin key of that name. Revoke and rename that key first.\n", PQgetvalue(res, 0, 2));
    else {
        out->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 1));
        snprintf(out->scope, sizeof(out->scope), "%s", PQgetvalue(res, 0, 2));
        ok = true;
    }
    PQclear(res);
    db_pool_release(pool, conn);
    return ok;
}

static void report_errors(const struct field_errors *errors, const char *path, FILE *report)
{
    for (size_t i = 0; i < errors->count; i++) {
        const struct field_error *e = &errors->items[i];
        if (e->column == 0)
            fprintf(report, "row %ld: %s\n", e->row, e->message);
        else
            fprintf(report, "row %ld, column %d (%s): %s\n", e->row, e->column, e->field, e->message);
    }
    if (errors->total > errors->count)
        fprintf(report, "... and %zu more errors\n", errors->total - errors->count);
    fprintf(report, "%s: %zu error%s; nothing was imported\n", path, errors->total, errors->total == 1 ? "" : "s");
}

int db_admin_import_offerings(const char *url, const char *path, bool dry_run, FILE *report)
{
    struct db_csv_import_result result = { .outcome = DB_CSV_FAILED };
    struct db_key actor = { .id = 0, .name = "admin-cli", .scope = "admin" };
    struct db_pool *pool = NULL;
    char *data = NULL;
    size_t length = 0;
    int failed = 1;

    /* With its length: a NUL byte inside is refused by row and column, not taken as the end. */
    if ((data = file_read_all(path, &length)) == NULL) {
        fprintf(report, "cannot read %s\n", path);
        goto cleanup;
    }
    if (sodium_init() < 0 || (pool = db_pool_create(url, 1, &db_session_none, db_all_statements)) == NULL) {
        fprintf(report, "out of memory\n");
        goto cleanup;
    }
    /* A dry run writes no audit entries, so it needs no key. */
    if (!dry_run && !admin_cli_actor(pool, &actor, report))
        goto cleanup;
    db_offerings_csv_import(pool, data, length, &actor, dry_run, &result);
    switch (result.outcome) {
    case DB_CSV_DONE:
        fprintf(report, "%s%s: %zu created, %zu updated, %zu unchanged\n", dry_run ? "dry run, nothing changed: " : "",
                path, result.created, result.updated, result.unchanged);
        failed = 0;
        break;
    case DB_CSV_INVALID:
        report_errors(&result.errors, path, report);
        break;
    case DB_CSV_UNAVAILABLE:
        fprintf(report, "the database could not be reached; check DATABASE_URL. Nothing was imported.\n");
        break;
    case DB_CSV_FAILED:
        fprintf(report, "the import failed; nothing was imported. Is the database migrated (setup)?\n");
        break;
    }
cleanup:
    db_csv_import_result_release(&result);
    db_pool_destroy(pool);
    free(data);
    return failed;
}
