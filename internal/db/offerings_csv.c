/*
 * internal/db/offerings_csv.c: offerings as CSV (see offerings_csv.h).
 *
 * First the pure half: libcsv parsing and the check of every cell, with no
 * I/O. Then the SQL: the export (the CSV is built by PostgreSQL), reference
 * resolution and the upsert, and the admin command around the import.
 */
#include "offerings_csv.h"

#include <csv.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../log/log.h"
#include "../validate/validate.h"
#include "registry.h"

/* tag-offerings-csv-header: the names below and CSV_HEADER must agree. */
const char *const db_offerings_csv_columns[DB_OFFERINGS_CSV_COLUMNS] = {
    "provider_organisation_number", "method", "startup_fee_sek", "training_cost_per_participant_sek",
    "cost_per_case_sek", "yearly_fee_sek", "training_days", "training_for", "certification_required",
    "delivery", "languages", "valid_from", "valid_to", "verified_on",
};
#define CSV_HEADER                                                                                        \
    "provider_organisation_number,method,startup_fee_sek,training_cost_per_participant_sek,"             \
    "cost_per_case_sek,yearly_fee_sek,training_days,training_for,certification_required,delivery,"        \
    "languages,valid_from,valid_to,verified_on"

enum cell_kind { CELL_ORGANISATION_NUMBER, CELL_SLUG, CELL_SEK, CELL_DAYS, CELL_ROLES, CELL_BOOLEAN,
                 CELL_DELIVERY, CELL_LANGUAGES, CELL_DATE };

static const struct { enum cell_kind kind; bool required; } column_rules[DB_OFFERINGS_CSV_COLUMNS] = {
    { CELL_ORGANISATION_NUMBER, true }, { CELL_SLUG, true }, { CELL_SEK, false }, { CELL_SEK, false },
    { CELL_SEK, false }, { CELL_SEK, false }, { CELL_DAYS, false }, { CELL_ROLES, false },
    { CELL_BOOLEAN, false }, { CELL_DELIVERY, true }, { CELL_LANGUAGES, false }, { CELL_DATE, true },
    { CELL_DATE, false }, { CELL_DATE, false },
};
enum { COLUMN_ORGANISATION_NUMBER = 1, COLUMN_METHOD = 2, COLUMN_VALID_FROM = 12, COLUMN_VALID_TO = 13 };

/* The same limits as the JSON writes (offering_fields in http/offerings.c). */
#define MAX_SEK 100000000L
#define MAX_TRAINING_DAYS 365L
#define MAX_LANGUAGES 20
#define MAX_LANGUAGE_BYTES 40

/* Must match the trainee_role and delivery_mode enums in sql/0006_providers.sql. */
static const char *const trainee_roles[] = { "behandlare", "handledare", NULL };
static const char *const delivery_modes[] = { "på plats", "digitalt", "båda", NULL };

const char *db_offerings_csv_column_name(int column)
{
    return column >= 1 && column <= DB_OFFERINGS_CSV_COLUMNS ? db_offerings_csv_columns[column - 1] : "(row)";
}

void db_csv_errors_release(struct db_csv_errors *errors)
{
    free(errors->items);
    memset(errors, 0, sizeof(*errors));
}

static void errors_add(struct db_csv_errors *errors, long row, int column, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Counts every error; keeps the first DB_CSV_ERRORS_KEPT (fewer when memory runs out). */
static void errors_add(struct db_csv_errors *errors, long row, int column, const char *format, ...)
{
    va_list args;
    struct db_csv_error *error;

    errors->total++;
    if (errors->count >= DB_CSV_ERRORS_KEPT)
        return;
    if (errors->count == errors->capacity) {
        size_t capacity = errors->capacity ? 2 * errors->capacity : 16;
        struct db_csv_error *items;
        if ((items = realloc(errors->items, capacity * sizeof(*items))) == NULL)
            return;
        errors->items = items;
        errors->capacity = capacity;
    }
    error = &errors->items[errors->count];
    error->row = row;
    error->column = column;
    error->sequence = errors->total;
    va_start(args, format);
    vsnprintf(error->message, sizeof(error->message), format, args);
    va_end(args);
    errors->count++;
}

static int compare_errors(const void *a, const void *b)
{
    const struct db_csv_error *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    return x->sequence < y->sequence ? -1 : x->sequence > y->sequence;
}

static void errors_sort(struct db_csv_errors *errors)
{
    if (errors->count > 1)
        qsort(errors->items, errors->count, sizeof(errors->items[0]), compare_errors);
}

/* Copies a cell for quoting in a message: clean UTF-8, at most 60 bytes, cut at a character. */
static const char *quoted(const char *value, char out[64])
{
    size_t length = strlen(value);

    if (!validate_is_clean_utf8(value))
        return "(text that is not valid UTF-8 or has control characters)";
    if (length > 60) {
        length = 56;
        while (length > 0 && ((unsigned char)value[length] & 0xc0) == 0x80)
            length--;
        memcpy(out, value, length);
        memcpy(out + length, "...", 4);
        return out;
    }
    memcpy(out, value, length + 1);
    return out;
}

static bool is_choice(const char *const *choices, const char *value, size_t length)
{
    for (; *choices != NULL; choices++)
        if (strlen(*choices) == length && strncmp(*choices, value, length) == 0)
            return true;
    return false;
}

/* A number of days from 0 to 365 with at most one decimal ("2", "2.5"): the column is numeric(5, 1). */
static bool is_training_days(const char *text)
{
    const char *dot = strchr(text, '.');
    char whole[8];
    size_t length = dot ? (size_t)(dot - text) : strlen(text);
    long days;

    if (length == 0 || length >= sizeof(whole))
        return false;
    memcpy(whole, text, length);
    whole[length] = '\0';
    if (!validate_parse_long(whole, 0, MAX_TRAINING_DAYS, &days))
        return false;
    if (dot == NULL)
        return true;
    return dot[1] >= '0' && dot[1] <= '9' && dot[2] == '\0' && (days < MAX_TRAINING_DAYS || dot[1] == '0');
}

/*
 * Splits a "|"-joined cell into an array: choices (when not NULL) or texts
 * of 1 to max_bytes bytes; distinct, at most max_items. NULL when invalid.
 */
static json_t *split_list(const char *text, const char *const *choices, size_t max_items, size_t max_bytes)
{
    json_t *items = json_array();
    const char *start = text;

    while (items != NULL) {
        const char *end = strchr(start, '|');
        size_t length = end ? (size_t)(end - start) : strlen(start);
        char *item = strndup(start, length);
        bool ok = item != NULL && length > 0 && length <= max_bytes && json_array_size(items) < max_items
                  && (choices == NULL || is_choice(choices, start, length));
        for (size_t i = 0; ok && i < json_array_size(items); i++)
            ok = strcmp(json_string_value(json_array_get(items, i)), item) != 0;
        if (ok)
            ok = json_array_append_new(items, json_string(item)) == 0;
        free(item);
        if (!ok) {
            json_decref(items);
            return NULL;
        }
        if (end == NULL)
            break;
        start = end + 1;
    }
    return items;
}

static void list_choices(const char *const *choices, char *out, size_t out_size)
{
    size_t used = 0;
    out[0] = '\0';
    for (; *choices != NULL && used < out_size; choices++)
        used += (size_t)snprintf(out + used, out_size - used, "%s\"%s\"", used ? ", " : "", *choices);
}

/* Checks one non-empty cell; returns its typed value, or NULL after adding an error. */
static json_t *cell_value(int column, const char *text, long row, struct db_csv_errors *errors)
{
    const char *name = db_offerings_csv_column_name(column);
    char copy[64], choices[100];
    json_t *value = NULL;
    long number;
    bool flag;

    switch (column_rules[column - 1].kind) {
    case CELL_ORGANISATION_NUMBER:
        if (validate_is_organisation_number(text))
            return json_string(text);
        errors_add(errors, row, column, "Column \"%s\" must be a Swedish organisation number: ten digits without a "
                   "hyphen, the last a correct check digit. It is \"%s\".", name, quoted(text, copy));
        return NULL;
    case CELL_SLUG:
        if (validate_is_slug(text))
            return json_string(text);
        errors_add(errors, row, column, "Column \"%s\" must be a method slug such as \"triple-p\". It is \"%s\".",
                   name, quoted(text, copy));
        return NULL;
    case CELL_SEK:
        if (validate_parse_long(text, 0, MAX_SEK, &number))
            return json_integer(number);
        errors_add(errors, row, column, "Column \"%s\" must be a whole number of kronor from 0 to %ld. It is \"%s\".",
                   name, MAX_SEK, quoted(text, copy));
        return NULL;
    case CELL_DAYS:
        if (is_training_days(text))
            return json_string(text);
        errors_add(errors, row, column, "Column \"%s\" must be a number of days from 0 to %ld with at most one "
                   "decimal, such as \"2.5\". It is \"%s\".", name, MAX_TRAINING_DAYS, quoted(text, copy));
        return NULL;
    case CELL_ROLES:
        if ((value = split_list(text, trainee_roles, 2, 20)) != NULL)
            return value;
        list_choices(trainee_roles, choices, sizeof(choices));
        errors_add(errors, row, column, "Column \"%s\" must be distinct values from %s joined with \"|\", or empty. "
                   "It is \"%s\".", name, choices, quoted(text, copy));
        return NULL;
    case CELL_BOOLEAN:
        if (validate_parse_bool(text, &flag))
            return json_boolean(flag);
        errors_add(errors, row, column, "Column \"%s\" must be \"true\" or \"false\". It is \"%s\".", name,
                   quoted(text, copy));
        return NULL;
    case CELL_DELIVERY:
        if (is_choice(delivery_modes, text, strlen(text)))
            return json_string(text);
        list_choices(delivery_modes, choices, sizeof(choices));
        errors_add(errors, row, column, "Column \"%s\" must be one of %s. It is \"%s\".", name, choices,
                   quoted(text, copy));
        return NULL;
    case CELL_LANGUAGES:
        if ((value = split_list(text, NULL, MAX_LANGUAGES, MAX_LANGUAGE_BYTES)) != NULL)
            return value;
        errors_add(errors, row, column, "Column \"%s\" must be at most %d distinct languages of 1 to %d bytes joined "
                   "with \"|\", or empty. It is \"%s\".", name, MAX_LANGUAGES, MAX_LANGUAGE_BYTES, quoted(text, copy));
        return NULL;
    case CELL_DATE:
        if (validate_is_date(text))
            return json_string(text);
        errors_add(errors, row, column, "Column \"%s\" must be a date such as \"2025-01-31\". It is \"%s\".", name,
                   quoted(text, copy));
        return NULL;
    }
    return NULL;
}

/* An offering's key in the file, to find rows that repeat one. */
struct row_key {
    char *text;     /* "organisation number|method|valid_from" */
    long row;
};

/* What the libcsv callbacks build up while the file is fed to the parser. */
struct parse_state {
    struct db_csv_errors *errors;
    json_t *rows;
    char *cells[DB_OFFERINGS_CSV_COLUMNS];   /* the current record's cells; NULL: a NUL byte inside */
    int cell_count;                          /* may exceed the columns; only the first are kept */
    long line;                               /* the line being fed */
    long record_row;                         /* the line where the current record started */
    bool awaiting_record;                    /* between records: the next non-blank byte starts one */
    long record_count;                       /* records seen, the header included */
    bool stop;                               /* a wrong header: the rest has no meaning */
    bool out_of_memory;
    struct row_key *keys;
    size_t key_count, key_capacity;
};

static void on_cell(void *text, size_t length, void *data)
{
    struct parse_state *state = data;
    char *copy = NULL;

    if (state->cell_count < DB_OFFERINGS_CSV_COLUMNS) {
        /* A cell with a NUL byte inside is kept as NULL and refused when checked. */
        if (text == NULL || length == 0 || memchr(text, '\0', length) == NULL) {
            if ((copy = malloc(length + 1)) == NULL)
                state->out_of_memory = true;
            else {
                if (length > 0)
                    memcpy(copy, text, length);
                copy[length] = '\0';
            }
        }
        state->cells[state->cell_count] = copy;
    }
    state->cell_count++;
}

static void check_header(struct parse_state *state)
{
    char copy[64];

    state->stop = state->cell_count != DB_OFFERINGS_CSV_COLUMNS;
    if (state->stop)
        errors_add(state->errors, state->record_row, 0, "The header must have %d columns, from "
                   "provider_organisation_number to verified_on; it has %d.", DB_OFFERINGS_CSV_COLUMNS,
                   state->cell_count);
    for (int i = 0; i < state->cell_count && i < DB_OFFERINGS_CSV_COLUMNS; i++) {
        const char *cell = state->cells[i] ? state->cells[i] : "";
        if (strcmp(cell, db_offerings_csv_columns[i]) == 0)
            continue;
        state->stop = true;
        errors_add(state->errors, state->record_row, i + 1, "Header column %d must be \"%s\"; it is \"%s\".", i + 1,
                   db_offerings_csv_columns[i], quoted(cell, copy));
    }
}

static void remember_key(struct parse_state *state, const json_t *row)
{
    const char *organisation_number = json_string_value(json_object_get(row, db_offerings_csv_columns[0]));
    const char *method = json_string_value(json_object_get(row, db_offerings_csv_columns[1]));
    const char *valid_from = json_string_value(json_object_get(row, db_offerings_csv_columns[COLUMN_VALID_FROM - 1]));
    char *text = NULL;

    if (organisation_number == NULL || method == NULL || valid_from == NULL)
        return;
    if (state->key_count == state->key_capacity) {
        size_t capacity = state->key_capacity ? 2 * state->key_capacity : 64;
        struct row_key *keys = realloc(state->keys, capacity * sizeof(*keys));
        if (keys == NULL) {
            state->out_of_memory = true;
            return;
        }
        state->keys = keys;
        state->key_capacity = capacity;
    }
    if (asprintf(&text, "%s|%s|%s", organisation_number, method, valid_from) < 0) {
        state->out_of_memory = true;
        return;
    }
    state->keys[state->key_count++] = (struct row_key){ .text = text, .row = state->record_row };
}

/* Checks a data row's cells; appends its object to state->rows when the cell count is right. */
static void check_row(struct parse_state *state)
{
    long row = state->record_row;
    json_t *object;

    if (state->cell_count != DB_OFFERINGS_CSV_COLUMNS) {
        errors_add(state->errors, row, 0, "The row has %d cells; it must have %d, like the header.", state->cell_count,
                   DB_OFFERINGS_CSV_COLUMNS);
        return;
    }
    if ((object = json_pack("{s:I}", "line", (json_int_t)row)) == NULL) {
        state->out_of_memory = true;
        return;
    }
    for (int column = 1; column <= DB_OFFERINGS_CSV_COLUMNS; column++) {
        const char *name = db_offerings_csv_columns[column - 1];
        const char *text = state->cells[column - 1];
        enum cell_kind kind = column_rules[column - 1].kind;
        json_t *value;

        if (text == NULL || !validate_is_clean_utf8(text)) {
            errors_add(state->errors, row, column, "Column \"%s\" must be UTF-8 text without control characters.",
                       name);
            continue;
        }
        if (text[0] == '\0') {
            if (column_rules[column - 1].required)
                errors_add(state->errors, row, column, "Column \"%s\" is required; the cell is empty.", name);
            else   /* empty lists are none; every other empty cell is NULL */
                json_object_set_new(object, name, kind == CELL_ROLES || kind == CELL_LANGUAGES ? json_array()
                                                                                               : json_null());
            continue;
        }
        if ((value = cell_value(column, text, row, state->errors)) != NULL)
            json_object_set_new(object, name, value);
    }
    const char *from = json_string_value(json_object_get(object, db_offerings_csv_columns[COLUMN_VALID_FROM - 1]));
    const char *to = json_string_value(json_object_get(object, db_offerings_csv_columns[COLUMN_VALID_TO - 1]));
    if (from != NULL && to != NULL && strcmp(to, from) < 0)
        errors_add(state->errors, row, COLUMN_VALID_TO, "Column \"valid_to\" must not be before valid_from (\"%s\"). "
                   "It is \"%s\".", from, to);
    remember_key(state, object);
    if (json_array_append_new(state->rows, object) != 0)
        state->out_of_memory = true;
}

static void on_record(int terminator, void *data)
{
    struct parse_state *state = data;

    (void)terminator;
    if (state->record_count++ == 0)
        check_header(state);
    else if (!state->stop)
        check_row(state);
    for (int i = 0; i < DB_OFFERINGS_CSV_COLUMNS; i++) {
        free(state->cells[i]);
        state->cells[i] = NULL;
    }
    state->cell_count = 0;
    state->awaiting_record = true;
}

static int compare_keys(const void *a, const void *b)
{
    const struct row_key *x = a, *y = b;
    int order = strcmp(x->text, y->text);
    return order != 0 ? order : (x->row < y->row ? -1 : x->row > y->row);
}

/* Two rows with one key would make the upsert touch one offering twice. */
static void check_repeated_keys(struct parse_state *state)
{
    size_t first = 0;   /* the earliest row of the current key */

    if (state->key_count > 1)
        qsort(state->keys, state->key_count, sizeof(state->keys[0]), compare_keys);
    for (size_t i = 1; i < state->key_count; i++) {
        if (strcmp(state->keys[first].text, state->keys[i].text) != 0)
            first = i;
        else
            errors_add(state->errors, state->keys[i].row, 0, "The row repeats the offering of row %ld: the same "
                       "provider_organisation_number, method and valid_from.", state->keys[first].row);
    }
}

static bool is_line_break(const char *data, size_t length, size_t i)
{
    return data[i] == '\n' || (data[i] == '\r' && (i + 1 == length || data[i + 1] != '\n'));
}

bool db_offerings_csv_parse(const char *data, size_t length, json_t **rows_out, struct db_csv_errors *errors)
{
    struct parse_state state = { .errors = errors, .line = 1, .awaiting_record = true };
    struct csv_parser parser;
    bool parser_ready = false;
    bool broken = false;
    size_t i = 0;

    *rows_out = NULL;
    if ((state.rows = json_array()) == NULL || csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        goto cleanup;
    parser_ready = true;
    if (length >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        i = 3;   /* the byte order mark some spreadsheets write */
    /* One byte at a time, so each record's first line is known: rows are named by it. */
    for (; i < length && !state.stop && !state.out_of_memory; i++) {
        char byte = data[i];
        if (state.awaiting_record && byte != '\r' && byte != '\n' && byte != ' ' && byte != '\t') {
            state.record_row = state.line;
            state.awaiting_record = false;
        }
        if (csv_parse(&parser, &data[i], 1, on_cell, on_record, &state) != 1) {
            errors_add(errors, state.record_row, state.cell_count + 1, "The CSV syntax is broken on line %ld: a "
                       "quote inside a cell that does not start with one, or text after a closing quote.", state.line);
            broken = true;
            break;
        }
        if (is_line_break(data, length, i))
            state.line++;
    }
    if (!broken && !state.stop && csv_fini(&parser, on_cell, on_record, &state) != 0)
        errors_add(errors, state.record_row, state.cell_count + 1, "A quoted cell that starts in this row is never "
                   "closed.");
    if (state.record_count == 0 && !broken)
        errors_add(errors, 1, 0, "The file is empty. Its first row must be the header, naming "
                   "the %d columns from provider_organisation_number to verified_on.", DB_OFFERINGS_CSV_COLUMNS);
    check_repeated_keys(&state);
    errors_sort(errors);
    if (!state.out_of_memory) {
        *rows_out = state.rows;
        state.rows = NULL;
    }
cleanup:
    if (parser_ready)
        csv_free(&parser);
    for (int c = 0; c < DB_OFFERINGS_CSV_COLUMNS; c++)
        free(state.cells[c]);
    for (size_t k = 0; k < state.key_count; k++)
        free(state.keys[k].text);
    free(state.keys);
    json_decref(state.rows);
    return *rows_out != NULL;
}

/* ---- SQL ---------------------------------------------------------------- */

/* A text value as one CSV cell: quoted when it holds a comma, quote or line
 * break, or starts or ends with white space (libcsv trims unquoted cells). */
#define CSV_CELL(X)                                                                                        \
    "CASE WHEN (" X ") ~ '[\",\\r\\n]|^\\s|\\s$' THEN '\"' || replace(" X ", '\"', '\"\"') || '\"' "        \
    "ELSE coalesce(" X ", '') END"
#define CSV_PLAIN(X) "coalesce((" X ")::text, '')"

/* The record type the upsert reads the rows as: the keys db_offerings_csv_parse() writes. */
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
      "SELECT '" CSV_HEADER "' || E'\\r\\n' || coalesce(string_agg("
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
    return db_fetch_document(pool, "offerings_csv_export", 4, params, out);
}

/* Runs a prepared statement; NULL (with *outcome set and the cause logged) when it fails. */
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

static bool command_ok(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

/*
 * Sets provider_id and method_id on every row object that names an existing
 * provider and method; adds an error for each reference to nothing, and for
 * a provider other than the one a "provider:<id>" key may write.
 */
static bool resolve_references(struct db_pool *pool, PGconn *conn, json_t *rows, const struct db_key *actor,
                               struct db_csv_errors *errors, enum db_csv_outcome *outcome)
{
    const char *owner = strncmp(actor->scope, "provider:", 9) == 0 ? actor->scope + 9 : NULL;
    char *rows_text = json_dumps(rows, JSON_COMPACT);
    const char *params[] = { rows_text };
    PGresult *res = NULL;
    bool ok = false;
    char copy[64];

    if (rows_text == NULL || (res = run_statement(pool, conn, "offerings_csv_resolve", 1, params, outcome)) == NULL)
        goto cleanup;
    if ((size_t)PQntuples(res) != json_array_size(rows)) {
        log_error("offerings_csv_resolve returned %d rows for %zu", PQntuples(res), json_array_size(rows));
        goto cleanup;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *row = json_array_get(rows, (size_t)i);
        long line = (long)json_integer_value(json_object_get(row, "line"));
        const char *organisation_number = json_string_value(json_object_get(row, db_offerings_csv_columns[0]));
        const char *method = json_string_value(json_object_get(row, db_offerings_csv_columns[1]));
        const char *provider_id = PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1);

        if (organisation_number != NULL && provider_id == NULL)
            errors_add(errors, line, COLUMN_ORGANISATION_NUMBER, "No provider has the organisation number \"%s\".",
                       quoted(organisation_number, copy));
        else if (organisation_number != NULL && owner != NULL && strcmp(provider_id, owner) != 0)
            errors_add(errors, line, COLUMN_ORGANISATION_NUMBER, "The API key may import offerings of provider %s "
                       "only; the organisation number \"%s\" is another provider's.", owner,
                       quoted(organisation_number, copy));
        else if (organisation_number != NULL)
            json_object_set_new(row, "provider_id", json_string(provider_id));
        if (method != NULL && PQgetisnull(res, i, 2))
            errors_add(errors, line, COLUMN_METHOD, "No method has the slug \"%s\".", quoted(method, copy));
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
    if (!db_offerings_csv_parse(data, length, &rows, &out->errors))
        goto cleanup;
    if (json_array_size(rows) == 0) {   /* a header alone imports nothing */
        out->outcome = out->errors.total > 0 ? DB_CSV_INVALID : DB_CSV_DONE;
        goto cleanup;
    }
    if ((conn = db_pool_acquire(pool)) == NULL) {
        out->outcome = DB_CSV_UNAVAILABLE;
        goto cleanup;
    }
    if (!command_ok(conn, "BEGIN")) {
        out->outcome = PQstatus(conn) == CONNECTION_OK ? DB_CSV_FAILED : DB_CSV_UNAVAILABLE;
        goto cleanup;
    }
    in_transaction = true;
    if (!resolve_references(pool, conn, rows, actor, &out->errors, &out->outcome))
        goto cleanup;
    if (out->errors.total > 0) {
        errors_sort(&out->errors);
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
    if (!command_ok(conn, "COMMIT")) {
        out->outcome = PQstatus(conn) == CONNECTION_OK ? DB_CSV_FAILED : DB_CSV_UNAVAILABLE;
        goto cleanup;
    }
    in_transaction = false;
    db_pool_invalidate_cache(pool);
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
    db_csv_errors_release(&result->errors);
}

/* ---- the admin command -------------------------------------------------- */

/* Reads a whole file, NUL bytes and all; NULL when it cannot. */
static char *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    char *data = NULL;
    long size;

    if (file == NULL)
        return NULL;
    if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 && fseek(file, 0, SEEK_SET) == 0
        && (data = malloc((size_t)size + 1)) != NULL) {
        if (fread(data, 1, (size_t)size, file) == (size_t)size) {
            data[size] = '\0';
            *length = (size_t)size;
        } else {
            free(data);
            data = NULL;
        }
    }
    fclose(file);
    return data;
}

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

static void report_errors(const struct db_csv_errors *errors, const char *path, FILE *report)
{
    for (size_t i = 0; i < errors->count; i++) {
        const struct db_csv_error *e = &errors->items[i];
        if (e->column == 0)
            fprintf(report, "row %ld: %s\n", e->row, e->message);
        else
            fprintf(report, "row %ld, column %d (%s): %s\n", e->row, e->column,
                    db_offerings_csv_column_name(e->column), e->message);
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

    if ((data = read_file(path, &length)) == NULL) {
        fprintf(report, "cannot read %s\n", path);
        goto cleanup;
    }
    if (sodium_init() < 0 || (pool = db_pool_create(url, 1, db_all_statements)) == NULL) {
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
