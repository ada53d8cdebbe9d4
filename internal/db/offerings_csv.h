/*
 * internal/db/offerings_csv.h: offerings as CSV, out (export) and in (import).
 *
 * The file's columns and cells are described, parsed and checked in
 * validate/offerings_csv.h, which is pure. This half needs the database:
 * the export (built by PostgreSQL), the references (does the provider, the
 * method exist?) and the all-or-nothing upsert with its audit trail. An
 * offering is named by (organisation number, method slug, valid_from), so an
 * import updates the offering with that key or creates it; an export
 * re-imports unchanged. The HTTP handler and the admin command share every
 * step.
 */
#ifndef INSATSKATALOG_DB_OFFERINGS_CSV_H
#define INSATSKATALOG_DB_OFFERINGS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../validate/offerings_csv.h"
#include "keys.h"
#include "page.h"
#include "pool.h"

/* The statements below, prepared by db/pool.c on every connection (see registry.c). */
extern const struct db_statement db_offerings_csv_statements[];

enum db_csv_outcome {
    DB_CSV_DONE,          /* imported (or, dry run, checked and rolled back) */
    DB_CSV_INVALID,       /* errors lists why; nothing changed */
    DB_CSV_UNAVAILABLE,   /* the database could not be reached */
    DB_CSV_FAILED,        /* anything else; logged */
};

struct db_csv_import_result {
    enum db_csv_outcome outcome;
    size_t created, updated, unchanged;
    struct field_errors errors;         /* INVALID: every problem; release with db_csv_import_result_release */
};

/*
 * Imports a CSV file of length bytes in one transaction: parse and check
 * every cell (validate_offerings_csv_parse), resolve organisation numbers
 * and method slugs (a key scoped "provider:<id>" may import rows of provider
 * <id> only), then upsert every row, touching only rows whose values
 * differ, and append one audit entry per created or changed offering in
 * actor's name. Any error rolls everything back.
 * dry_run: the same, but rolled back at the end and without audit entries;
 * the counts say what would have happened. Always fills *out.
 */
void db_offerings_csv_import(struct db_pool *pool, const char *data, size_t length, const struct db_key *actor,
                             bool dry_run, struct db_csv_import_result *out);

/* Frees what *result owns (its errors); accepts a zeroed result. */
void db_csv_import_result_release(struct db_csv_import_result *result);

/*
 * The export: every offering matching the filters of request (method slug,
 * provider id, county code, in the order of db_offerings_list, and
 * updated_since; limit and cursor are ignored), ordered by id, as CSV text
 * with the header and CRLF line ends. On DB_OK *out is a new string the
 * caller frees with free().
 */
enum db_status db_offerings_csv_export(struct db_pool *pool, const struct db_page_request *request, char **out);

/*
 * Admin command: imports the CSV file at path (dry_run: checks and counts
 * only). Errors are reported one a line as "row R, column C (name): message".
 * The audit trail names the key "admin-cli" (scope admin), created on first
 * use with revoked_at set and a random hash that no secret matches, so it
 * names the command in the trail and can never authenticate a request.
 * Returns 0 on success.
 */
int db_admin_import_offerings(const char *url, const char *path, bool dry_run, FILE *report);

#endif
