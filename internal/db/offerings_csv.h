/*
 * internal/db/offerings_csv.h: offerings as CSV, out (export) and in (import).
 *
 * The file has one header row and these columns, in this order:
 *
 *   provider_organisation_number, method, startup_fee_sek,
 *   training_cost_per_participant_sek, cost_per_case_sek, yearly_fee_sek,
 *   training_days, training_for, certification_required, delivery,
 *   languages, valid_from, valid_to, verified_on
 *
 * An empty cell is NULL. training_for and languages join their values with
 * "|" ("behandlare|handledare"); empty means none. An offering is named by
 * (organisation number, method slug, valid_from), so an import updates the
 * offering with that key or creates it. An export re-imports unchanged.
 *
 * Two halves. db_offerings_csv_parse() is pure (no I/O): it parses with
 * libcsv and checks every cell, so it can be unit-tested and fuzzed. The
 * rest needs the database: references (does the provider, the method
 * exist?) and the all-or-nothing upsert with its audit trail. The HTTP
 * handler and the admin command share every step.
 */
#ifndef INSATSKATALOG_DB_OFFERINGS_CSV_H
#define INSATSKATALOG_DB_OFFERINGS_CSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "keys.h"
#include "page.h"
#include "pool.h"

extern const struct db_statement db_offerings_csv_statements[];

#define DB_OFFERINGS_CSV_COLUMNS 14

/* The header, in file order. */
extern const char *const db_offerings_csv_columns[DB_OFFERINGS_CSV_COLUMNS];

/* At most this many errors are kept; all are counted. */
#define DB_CSV_ERRORS_KEPT 1000

struct db_csv_error {
    long row;            /* the file's line where the record starts; the header is row 1 */
    int column;          /* 1-based; 0 when the error is about the whole row */
    char message[256];
    size_t sequence;     /* order of discovery, so sorting keeps it within a cell */
};

struct db_csv_errors {
    struct db_csv_error *items;   /* owned; the first DB_CSV_ERRORS_KEPT found */
    size_t count;                 /* kept */
    size_t capacity;
    size_t total;                 /* found, kept or not */
};

/* The column's header name, or "(row)" for column 0. */
const char *db_offerings_csv_column_name(int column);

/* Frees the kept errors; accepts a zeroed struct. */
void db_csv_errors_release(struct db_csv_errors *errors);

/*
 * Parses a whole CSV file (length bytes; NUL bytes inside are refused, not
 * trusted) and checks the header and every cell of every row, appending one
 * error per problem to *errors, sorted by row and column. A wrong header
 * stops there: without it the cells have no meaning. Rows that repeat an
 * earlier row's key are errors too.
 *
 * *rows_out becomes a new array (the caller decrefs it) of one object per
 * data row with the right number of cells: "line" (its row number) and,
 * keyed by column name, every cell that passed its check, typed as the
 * upsert reads it (integers, booleans, arrays of strings, dates and
 * training_days as strings). Returns false only when out of memory (then
 * *rows_out is NULL); errors in the file are reported through *errors.
 */
bool db_offerings_csv_parse(const char *data, size_t length, json_t **rows_out, struct db_csv_errors *errors);

enum db_csv_outcome {
    DB_CSV_DONE,          /* imported (or, dry run, checked and rolled back) */
    DB_CSV_INVALID,       /* errors lists why; nothing changed */
    DB_CSV_UNAVAILABLE,   /* the database could not be reached */
    DB_CSV_FAILED,        /* anything else; logged */
};

struct db_csv_import_result {
    enum db_csv_outcome outcome;
    size_t created, updated, unchanged;
    struct db_csv_errors errors;   /* INVALID: every problem; release with db_csv_import_result_release */
};

/*
 * Imports a CSV file in one transaction: parse and check every cell, resolve
 * organisation numbers and method slugs (a key scoped "provider:<id>" may
 * import rows of provider <id> only), then upsert every row, touching only
 * rows whose values differ, and append one audit entry per created or
 * changed offering in actor's name. Any error rolls everything back.
 * dry_run: the same, but rolled back at the end and without audit entries;
 * the counts say what would have happened. Always fills *out.
 */
void db_offerings_csv_import(struct db_pool *pool, const char *data, size_t length, const struct db_key *actor,
                             bool dry_run, struct db_csv_import_result *out);

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
