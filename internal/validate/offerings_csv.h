/*
 * internal/validate/offerings_csv.h: the offerings CSV file, parsed and
 * checked cell by cell.
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
 * (organisation number, method slug, valid_from).
 *
 * Pure: no I/O and no database, so it can be unit-tested and fuzzed. What
 * needs the database (does the provider, the method exist?), the upsert and
 * the export are db/offerings_csv.c's; it adds its errors to the same list.
 */
#ifndef INSATSKATALOG_VALIDATE_OFFERINGS_CSV_H
#define INSATSKATALOG_VALIDATE_OFFERINGS_CSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "fields.h"

#define VALIDATE_OFFERINGS_CSV_COLUMNS 14

/* tag-offerings-csv-header: the header line and the names below must agree. */
#define VALIDATE_OFFERINGS_CSV_HEADER                                                                      \
    "provider_organisation_number,method,startup_fee_sek,training_cost_per_participant_sek,"             \
    "cost_per_case_sek,yearly_fee_sek,training_days,training_for,certification_required,delivery,"        \
    "languages,valid_from,valid_to,verified_on"

/* The header, in file order. */
extern const char *const validate_offerings_csv_columns[VALIDATE_OFFERINGS_CSV_COLUMNS];

/* Column numbers, 1-based as errors name them. */
enum validate_offerings_csv_column {
    OFFERINGS_CSV_ORGANISATION_NUMBER = 1,
    OFFERINGS_CSV_METHOD = 2,
    OFFERINGS_CSV_VALID_FROM = 12,
    OFFERINGS_CSV_VALID_TO = 13,
};

/* The column's header name, or "(row)" for column 0 (or any number outside 1..14). */
const char *validate_offerings_csv_column_name(int column);

/* At most this many errors of a file are kept; all are counted. */
#define VALIDATE_CSV_ERRORS_KEPT 1000

/*
 * Appends an error about row and column (0: the whole row) to a file's
 * collector (fields.h; the field is the column's name, or "(row)"), its
 * message formatted like printf. The collector then keeps up to
 * VALIDATE_CSV_ERRORS_KEPT (fewer when memory runs out); release it with
 * field_errors_release().
 */
void validate_csv_errors_add(struct field_errors *errors, long row, int column, const char *format, ...)
    __attribute__((format(printf, 4, 5)));


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
bool validate_offerings_csv_parse(const char *data, size_t length, json_t **rows_out,
                                  struct field_errors *errors);

#endif
