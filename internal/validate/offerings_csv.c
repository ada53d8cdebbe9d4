/*
 * internal/validate/offerings_csv.c: the offerings CSV file parsed with
 * libcsv and checked cell by cell (see offerings_csv.h). No I/O and no
 * database: the references and the upsert are db/offerings_csv.c's.
 */
#include "offerings_csv.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offerings.h"
#include "validate.h"

/* tag-offerings-csv-header: the names below and VALIDATE_OFFERINGS_CSV_HEADER must agree. */
const char *const validate_offerings_csv_columns[VALIDATE_OFFERINGS_CSV_COLUMNS] = {
    "provider_organisation_number", "method", "startup_fee_sek", "training_cost_per_participant_sek",
    "cost_per_case_sek", "yearly_fee_sek", "training_days", "training_for", "certification_required",
    "delivery", "languages", "valid_from", "valid_to", "verified_on",
};

/* The one column the JSON writes do not have: they name the provider by id. */
static const struct field_spec organisation_number_column =
    FIELD_SPEC_OF("provider_organisation_number", FIELD_ORGANISATION_NUMBER, true);

/* A column's type, limits, choices and whether it is required: the JSON field of the same name. */
static const struct field_spec *column_spec(int column)
{
    const char *name = validate_offerings_csv_column_name(column);
    return column == OFFERINGS_CSV_ORGANISATION_NUMBER ? &organisation_number_column : validate_offering_field(name);
}

static size_t count_choices(const char *const *choices)
{
    size_t count = 0;
    while (choices[count] != NULL)
        count++;
    return count;
}

const char *validate_offerings_csv_column_name(int column)
{
    if (column < 1 || column > VALIDATE_OFFERINGS_CSV_COLUMNS)
        return "(row)";
    return validate_offerings_csv_columns[column - 1];
}

void validate_csv_errors_add(struct field_errors *errors, long row, int column, const char *format, ...)
{
    va_list args;

    if (errors->keep < VALIDATE_CSV_ERRORS_KEPT)
        errors->keep = VALIDATE_CSV_ERRORS_KEPT;
    va_start(args, format);
    field_errors_vadd_in_file(errors, row, column, validate_offerings_csv_column_name(column), format, args);
    va_end(args);
}

/* A number of days from 0 to max with at most one decimal ("2", "2.5"): the column is numeric(5, 1). */
static bool is_training_days(const char *text, long max)
{
    const char *dot = strchr(text, '.');
    char whole[8];
    size_t length = dot ? (size_t)(dot - text) : strlen(text);
    long days;

    if (length == 0 || length >= sizeof(whole))
        return false;
    memcpy(whole, text, length);
    whole[length] = '\0';
    if (!validate_parse_long(whole, 0, max, &days))
        return false;
    if (dot == NULL)
        return true;
    return dot[1] >= '0' && dot[1] <= '9' && dot[2] == '\0' && (days < max || dot[1] == '0');
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
                  && (choices == NULL || validate_is_choice_n(choices, start, length));
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

/* Checks one non-empty cell by its column's field spec; returns its typed
 * value, or NULL after adding an error. */
static json_t *cell_value(int column, const char *text, long row, struct field_errors *errors)
{
    const struct field_spec *spec = column_spec(column);
    const char *name = spec->name;
    char copy[VALIDATE_QUOTED_SIZE], choices[100];
    json_t *value = NULL;
    long number;
    bool flag;

    switch (spec->type) {
    case FIELD_ORGANISATION_NUMBER:
        if (validate_is_organisation_number(text))
            return json_string(text);
        validate_csv_errors_add(errors, row, column, "Column \"%s\" must be a Swedish organisation number: ten "
                                "digits without a hyphen, the last a correct check digit. It is \"%s\".", name,
                                validate_quote(text, copy, sizeof(copy)));
        return NULL;
    case FIELD_REFERENCE:
        if (validate_is_slug(text))
            return json_string(text);
        validate_csv_errors_add(errors, row, column, "Column \"%s\" must be a method slug such as \"triple-p\". "
                                "It is \"%s\".", name, validate_quote(text, copy, sizeof(copy)));
        return NULL;
    case FIELD_INTEGER:
        if (validate_parse_long(text, spec->minimum, spec->maximum, &number))
            return json_integer(number);
        validate_csv_errors_add(errors, row, column, "Column \"%s\" must be a whole number of kronor from %ld to "
                                "%ld. It is \"%s\".", name, spec->minimum, spec->maximum,
                                validate_quote(text, copy, sizeof(copy)));
        return NULL;
    case FIELD_NUMBER:
        if (is_training_days(text, spec->maximum))
            return json_string(text);
        validate_csv_errors_add(errors, row, column, "Column \"%s\" must be a number of days from %ld to %ld with "
                                "at most one decimal, such as \"2.5\". It is \"%s\".", name, spec->minimum,
                                spec->maximum, validate_quote(text, copy, sizeof(copy)));
        return NULL;
    case FIELD_CHOICE_ARRAY:
        if ((value = split_list(text, spec->choices, count_choices(spec->choices), sizeof(choices))) != NULL)
            return value;
        validate_join_choices(spec->choices, choices, sizeof(choices));
        validate_csv_errors_add(errors, row, column, "Column \"%s\" must be distinct values from %s joined with "
                                "\"|\", or empty. It is \"%s\".", name, choices,
                                validate_quote(text, copy, sizeof(copy)));
        return NULL;
    case FIELD_BOOLEAN:
        if (validate_parse_bool(text, &flag))
            return json_boolean(flag);
        validate_csv_errors_add(errors, row, column, "Column \"%s\" must be \"true\" or \"false\". It is \"%s\".",
                                name, validate_quote(text, copy, sizeof(copy)));
        return NULL;
    case FIELD_CHOICE:
        if (validate_is_choice(spec->choices, text))
            return json_string(text);
        validate_join_choices(spec->choices, choices, sizeof(choices));
        validate_csv_errors_add(errors, row, column, "Column \"%s\" must be one of %s. It is \"%s\".", name,
                                choices, validate_quote(text, copy, sizeof(copy)));
        return NULL;
    case FIELD_TEXT_ARRAY:
        if ((value = split_list(text, NULL, (size_t)spec->maximum, spec->max_length)) != NULL)
            return value;
        validate_csv_errors_add(errors, row, column, "Column \"%s\" must be at most %ld distinct languages of 1 to "
                                "%zu bytes joined with \"|\", or empty. It is \"%s\".", name, spec->maximum,
                                spec->max_length, validate_quote(text, copy, sizeof(copy)));
        return NULL;
    case FIELD_DATE:
        if (validate_is_date(text))
            return json_string(text);
        validate_csv_errors_add(errors, row, column, "Column \"%s\" must be a date such as \"2025-01-31\". "
                                "It is \"%s\".", name, validate_quote(text, copy, sizeof(copy)));
        return NULL;
    default:
        /* Only the types above name a CSV column (validate_offering_fields). */
        validate_csv_errors_add(errors, row, column, "Column \"%s\" cannot be read from CSV.", name);
        return NULL;
    }
}

/* An offering's key in the file, to find rows that repeat one. */
struct row_key {
    char *text;     /* "organisation number|method|valid_from" */
    long row;
};

/* What the libcsv callbacks build up while the file is fed to the parser. */
struct parse_state {
    struct field_errors *errors;
    json_t *rows;
    char *cells[VALIDATE_OFFERINGS_CSV_COLUMNS];   /* the current record's cells; NULL: a NUL byte inside */
    int cell_count;                                /* may exceed the columns; only the first are kept */
    long line;                                     /* the line being fed */
    long record_row;                               /* the line where the current record started */
    bool awaiting_record;                          /* between records: the next non-blank byte starts one */
    long record_count;                             /* records seen, the header included */
    bool stop;                                     /* a wrong header: the rest has no meaning */
    bool out_of_memory;
    struct row_key *keys;
    size_t key_count, key_capacity;
};

static void on_cell(void *text, size_t length, void *data)
{
    struct parse_state *state = data;
    char *copy = NULL;

    if (state->cell_count < VALIDATE_OFFERINGS_CSV_COLUMNS) {
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
    char copy[VALIDATE_QUOTED_SIZE];

    state->stop = state->cell_count != VALIDATE_OFFERINGS_CSV_COLUMNS;
    if (state->stop)
        validate_csv_errors_add(state->errors, state->record_row, 0, "The header must have %d columns, from "
                                "provider_organisation_number to verified_on; it has %d.",
                                VALIDATE_OFFERINGS_CSV_COLUMNS, state->cell_count);
    for (int i = 0; i < state->cell_count && i < VALIDATE_OFFERINGS_CSV_COLUMNS; i++) {
        const char *cell = state->cells[i] ? state->cells[i] : "";
        if (strcmp(cell, validate_offerings_csv_columns[i]) == 0)
            continue;
        state->stop = true;
        validate_csv_errors_add(state->errors, state->record_row, i + 1, "Header column %d must be \"%s\"; it is "
                                "\"%s\".", i + 1, validate_offerings_csv_columns[i],
                                validate_quote(cell, copy, sizeof(copy)));
    }
}

/* The checked text of a row object's cell; NULL when the cell is empty or was refused. */
static const char *text_of(const json_t *row, enum validate_offerings_csv_column column)
{
    return json_string_value(json_object_get(row, validate_offerings_csv_column_name(column)));
}

static void remember_key(struct parse_state *state, const json_t *row)
{
    const char *organisation_number = text_of(row, OFFERINGS_CSV_ORGANISATION_NUMBER);
    const char *method = text_of(row, OFFERINGS_CSV_METHOD);
    const char *valid_from = text_of(row, OFFERINGS_CSV_VALID_FROM);
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

    if (state->cell_count != VALIDATE_OFFERINGS_CSV_COLUMNS) {
        validate_csv_errors_add(state->errors, row, 0, "The row has %d cells; it must have %d, like the header.",
                                state->cell_count, VALIDATE_OFFERINGS_CSV_COLUMNS);
        return;
    }
    if ((object = json_pack("{s:I}", "line", (json_int_t)row)) == NULL) {
        state->out_of_memory = true;
        return;
    }
    for (int column = 1; column <= VALIDATE_OFFERINGS_CSV_COLUMNS; column++) {
        const char *name = validate_offerings_csv_columns[column - 1];
        const char *text = state->cells[column - 1];
        const struct field_spec *spec = column_spec(column);
        json_t *value;

        if (text == NULL || !validate_is_clean_utf8(text)) {
            validate_csv_errors_add(state->errors, row, column, "Column \"%s\" must be UTF-8 text without control "
                                    "characters.", name);
            continue;
        }
        if (text[0] == '\0') {
            if (spec->required)
                validate_csv_errors_add(state->errors, row, column, "Column \"%s\" is required; the cell is empty.",
                                        name);
            else   /* empty lists are none; every other empty cell is NULL */
                json_object_set_new(object, name, spec->type == FIELD_CHOICE_ARRAY || spec->type == FIELD_TEXT_ARRAY
                                                      ? json_array() : json_null());
            continue;
        }
        if ((value = cell_value(column, text, row, state->errors)) != NULL)
            json_object_set_new(object, name, value);
    }
    const char *from = text_of(object, OFFERINGS_CSV_VALID_FROM);
    const char *to = text_of(object, OFFERINGS_CSV_VALID_TO);
    if (from != NULL && to != NULL && strcmp(to, from) < 0)
        validate_csv_errors_add(state->errors, row, OFFERINGS_CSV_VALID_TO, "Column \"valid_to\" must not be before "
                                "valid_from (\"%s\"). It is \"%s\".", from, to);
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
    for (int i = 0; i < VALIDATE_OFFERINGS_CSV_COLUMNS; i++) {
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
            validate_csv_errors_add(state->errors, state->keys[i].row, 0, "The row repeats the offering of row %ld: "
                                    "the same provider_organisation_number, method and valid_from.",
                                    state->keys[first].row);
    }
}

static bool is_line_break(const char *data, size_t length, size_t i)
{
    return data[i] == '\n' || (data[i] == '\r' && (i + 1 == length || data[i + 1] != '\n'));
}

bool validate_offerings_csv_parse(const char *data, size_t length, json_t **rows_out,
                                  struct field_errors *errors)
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
            validate_csv_errors_add(errors, state.record_row, state.cell_count + 1, "The CSV syntax is broken on line "
                                    "%ld: a quote inside a cell that does not start with one, or text after a closing "
                                    "quote.", state.line);
            broken = true;
            break;
        }
        if (is_line_break(data, length, i))
            state.line++;
    }
    if (!broken && !state.stop && csv_fini(&parser, on_cell, on_record, &state) != 0)
        validate_csv_errors_add(errors, state.record_row, state.cell_count + 1, "A quoted cell that starts in this row "
                                "is never closed.");
    if (state.record_count == 0 && !broken)
        validate_csv_errors_add(errors, 1, 0, "The file is empty. Its first row must be the header, naming the %d "
                                "columns from provider_organisation_number to verified_on.",
                                VALIDATE_OFFERINGS_CSV_COLUMNS);
    check_repeated_keys(&state);
    field_errors_sort_by_place(errors);
    if (!state.out_of_memory) {
        *rows_out = state.rows;
        state.rows = NULL;
    }
cleanup:
    if (parser_ready)
        csv_free(&parser);
    for (int c = 0; c < VALIDATE_OFFERINGS_CSV_COLUMNS; c++)
        free(state.cells[c]);
    for (size_t k = 0; k < state.key_count; k++)
        free(state.keys[k].text);
    free(state.keys);
    json_decref(state.rows);
    return *rows_out != NULL;
}
