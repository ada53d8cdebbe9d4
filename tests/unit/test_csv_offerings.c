/*
 * tests/unit/test_csv_offerings.c: the pure half of the offerings CSV import
 * (validate_offerings_csv_parse): libcsv parsing, the header, every cell's
 * check, row numbers as in the file, and every error collected at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../internal/validate/offerings.h"
#include "../../internal/validate/offerings_csv.h"

#define HEADER "provider_organisation_number,method,startup_fee_sek,training_cost_per_participant_sek," \
               "cost_per_case_sek,yearly_fee_sek,training_days,training_for,certification_required,delivery," \
               "languages,valid_from,valid_to,verified_on\n"

/* A valid row, cell by cell; a case replaces one cell. */
static const char *const valid_cells[VALIDATE_OFFERINGS_CSV_COLUMNS] = {
    "5560160680", "triple-p", "25000", "8000", "", "1200", "2.5", "behandlare|handledare", "true",
    "på plats", "svenska|engelska", "2025-01-01", "2025-12-31", "2025-01-15",
};

/* Writes HEADER and one row whose cell at column (1-based; 0: none) is value, as written (already CSV). */
static void row_with(int column, const char *value, char *out, size_t out_size)
{
    size_t used = (size_t)snprintf(out, out_size, "%s", HEADER);
    for (int c = 1; c <= VALIDATE_OFFERINGS_CSV_COLUMNS; c++)
        used += (size_t)snprintf(out + used, out_size - used, "%s%s", c > 1 ? "," : "",
                                 c == column ? value : valid_cells[c - 1]);
    snprintf(out + used, out_size - used, "\n");
}

struct parsed {
    json_t *rows;
    struct field_errors errors;
};

static void parse(const char *csv, size_t length, struct parsed *out)
{
    memset(out, 0, sizeof(*out));
    assert_true(validate_offerings_csv_parse(csv, length, &out->rows, &out->errors));
    assert_non_null(out->rows);
}

static void release(struct parsed *p)
{
    json_decref(p->rows);
    field_errors_release(&p->errors);
}

static void a_valid_row_becomes_typed_values(void **state)
{
    char csv[2048];
    struct parsed p;
    json_t *row;

    (void)state;
    row_with(0, NULL, csv, sizeof(csv));
    parse(csv, strlen(csv), &p);
    assert_int_equal(p.errors.total, 0);
    assert_int_equal(json_array_size(p.rows), 1);
    row = json_array_get(p.rows, 0);
    assert_int_equal(json_integer_value(json_object_get(row, "line")), 2);
    assert_string_equal(json_string_value(json_object_get(row, "provider_organisation_number")), "5560160680");
    assert_int_equal(json_integer_value(json_object_get(row, "startup_fee_sek")), 25000);
    assert_true(json_is_null(json_object_get(row, "cost_per_case_sek")));   /* empty cell = NULL */
    assert_string_equal(json_string_value(json_object_get(row, "training_days")), "2.5");
    assert_int_equal(json_array_size(json_object_get(row, "training_for")), 2);
    assert_true(json_is_true(json_object_get(row, "certification_required")));
    assert_string_equal(json_string_value(json_object_get(row, "delivery")), "på plats");
    assert_string_equal(json_string_value(json_array_get(json_object_get(row, "languages"), 1)), "engelska");
    release(&p);
}

static void each_bad_cell_is_named_by_row_and_column(void **state)
{
    static const struct { int column; const char *value; bool ok; } cases[] = {
        { 1, "5560160681", false },                 /* wrong check digit */
        { 1, "556016-0680", false },                /* hyphen */
        { 1, "", false },                           /* required */
        { 2, "Triple P", false },
        { 2, "", false },
        { 3, "0", true },
        { 3, "100000000", true },
        { 3, "100000001", false },
        { 3, "-1", false },                         /* negative cost */
        { 3, "007", false },
        { 3, "1e3", false },
        { 3, "12.5", false },
        { 6, "", true },
        { 7, "0", true },
        { 7, "365", true },
        { 7, "365.0", true },
        { 7, "365.5", false },
        { 7, "366", false },
        { 7, "2.55", false },                       /* the column keeps one decimal */
        { 7, ".5", false },
        { 7, "2.", false },
        { 7, "-1", false },
        { 8, "", true },                            /* none */
        { 8, "handledare", true },
        { 8, "behandlare|chef", false },            /* unrecognized */
        { 8, "behandlare|behandlare", false },      /* repeated */
        { 8, "behandlare|", false },                /* empty item */
        { 9, "false", true },
        { 9, "", true },
        { 9, "yes", false },
        { 9, "TRUE", false },
        { 10, "digitalt", true },
        { 10, "båda", true },
        { 10, "post", false },
        { 10, "", false },                          /* required */
        { 11, "", true },
        { 11, "\"svenska, lätt|tecken \"\"TSS\"\"\"", true },   /* comma and quotes inside */
        { 11, "svenska||engelska", false },
        { 11, "svenska|svenska", false },
        { 11, "a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t", true },   /* 20 */
        { 11, "a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t|u", false }, /* 21 */
        { 11, "0123456789012345678901234567890123456789", true },      /* 40 bytes */
        { 11, "01234567890123456789012345678901234567890", false },    /* 41 bytes */
        { 12, "2025-02-30", false },
        { 12, "2025-1-1", false },
        { 12, "", false },                          /* required */
        { 13, "", true },
        { 13, "2025-01-01", true },                 /* the same day as valid_from */
        { 13, "2024-12-31", false },                /* before valid_from */
        { 14, "31/01/2025", false },
    };
    char csv[2048];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed p;
        row_with(cases[i].column, cases[i].value, csv, sizeof(csv));
        parse(csv, strlen(csv), &p);
        if (cases[i].ok != (p.errors.total == 0))
            fail_msg("case %zu column %d \"%s\": expected %s, got %zu errors (%s)", i, cases[i].column,
                     cases[i].value, cases[i].ok ? "accepted" : "refused", p.errors.total,
                     p.errors.count ? p.errors.items[0].message : "");
        if (!cases[i].ok) {
            assert_int_equal(p.errors.total, 1);
            assert_int_equal(p.errors.items[0].row, 2);
            assert_int_equal(p.errors.items[0].column, cases[i].column);
            assert_non_null(strstr(p.errors.items[0].message, validate_offerings_csv_column_name(cases[i].column)));
            assert_string_equal(p.errors.items[0].field, validate_offerings_csv_column_name(cases[i].column));
        }
        release(&p);
    }
}

static void quoted_cells_keep_commas_quotes_and_spaces(void **state)
{
    char csv[2048];
    struct parsed p;
    json_t *languages;

    (void)state;
    row_with(11, "\" svenska, lätt|tecken \"\"TSS\"\"\"", csv, sizeof(csv));
    parse(csv, strlen(csv), &p);
    assert_int_equal(p.errors.total, 0);
    languages = json_object_get(json_array_get(p.rows, 0), "languages");
    assert_string_equal(json_string_value(json_array_get(languages, 0)), " svenska, lätt");
    assert_string_equal(json_string_value(json_array_get(languages, 1)), "tecken \"TSS\"");
    release(&p);
}

static void every_error_of_every_row_is_collected_in_order(void **state)
{
    const char *csv = HEADER
        "5560160680,triple-p,-5,,,,,,,digitalt,,2025-01-01,2024-01-01,\n"   /* row 2: columns 3 and 13 */
        "5560160680,triple-p,,,,,,,,digitalt,,2026-01-01,,\n"               /* row 3: fine */
        "1,x y,,,,,,,maybe,post,,never,,\n"                                 /* row 4: columns 1 2 9 10 12 */
        "5560160680,triple-p\n";                                            /* row 5: too few cells */
    static const struct { long row; int column; } expected[] = {
        { 2, 3 }, { 2, 13 }, { 4, 1 }, { 4, 2 }, { 4, 9 }, { 4, 10 }, { 4, 12 }, { 5, 0 },
    };
    struct parsed p;

    (void)state;
    parse(csv, strlen(csv), &p);
    assert_int_equal(p.errors.total, sizeof(expected) / sizeof(expected[0]));
    for (size_t i = 0; i < p.errors.count; i++) {
        assert_int_equal(p.errors.items[i].row, expected[i].row);
        assert_int_equal(p.errors.items[i].column, expected[i].column);
    }
    assert_string_equal(validate_offerings_csv_column_name(0), "(row)");
    release(&p);
}

static void rows_are_numbered_by_their_first_line_in_the_file(void **state)
{
    const char *csv = HEADER
        "\n"                                                                          /* line 2: blank */
        "5560160680,triple-p,,,,,,,,digitalt,\"svenska\r\nengelska\",2025-01-01,,\r\n" /* lines 3-4 */
        "5560160680,triple-p,,,,,,,,post,,2026-01-01,,\n";                           /* line 5 */
    struct parsed p;

    (void)state;
    parse(csv, strlen(csv), &p);
    assert_int_equal(p.errors.total, 2);
    assert_int_equal(p.errors.items[0].row, 3);    /* a line break is a control character */
    assert_int_equal(p.errors.items[0].column, 11);
    assert_int_equal(p.errors.items[1].row, 5);
    assert_int_equal(p.errors.items[1].column, 10);
    release(&p);
}

static void a_wrong_header_stops_before_the_rows(void **state)
{
    static const struct { const char *csv; int column; } cases[] = {
        { "provider_organisation_number,method,startup_fee,training_cost_per_participant_sek,cost_per_case_sek,"
          "yearly_fee_sek,training_days,training_for,certification_required,delivery,languages,valid_from,"
          "valid_to,verified_on\nrubbish\n", 3 },
        { "provider_organisation_number,method\nrubbish\n", 0 },
        { "", 0 },
        { "\n\n", 0 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed p;
        parse(cases[i].csv, strlen(cases[i].csv), &p);
        assert_int_equal(p.errors.total, 1);
        assert_int_equal(p.errors.items[0].row, 1);
        assert_int_equal(p.errors.items[0].column, cases[i].column);
        assert_int_equal(json_array_size(p.rows), 0);
        release(&p);
    }
}

static void a_header_alone_with_a_byte_order_mark_is_an_empty_import(void **state)
{
    const char *csv = "\xef\xbb\xbf" HEADER;
    struct parsed p;

    (void)state;
    parse(csv, strlen(csv), &p);
    assert_int_equal(p.errors.total, 0);
    assert_int_equal(json_array_size(p.rows), 0);
    release(&p);
}

static void broken_quoting_is_reported_where_it_starts(void **state)
{
    static const struct { const char *csv; long row; } cases[] = {
        { HEADER "5560160680,tri\"ple-p,,,,,,,,digitalt,,2025-01-01,,\n", 2 },     /* quote inside a cell */
        { HEADER "5560160680,\"triple-p\"x,,,,,,,,digitalt,,2025-01-01,,\n", 2 },  /* text after the quote */
        { HEADER "\n5560160680,triple-p,,,,,,,,digitalt,\"svenska,2025-01-01,,\n", 3 },  /* never closed */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed p;
        parse(cases[i].csv, strlen(cases[i].csv), &p);
        assert_int_equal(p.errors.total, 1);
        assert_int_equal(p.errors.items[0].row, cases[i].row);
        release(&p);
    }
}

static void a_repeated_offering_names_the_row_it_repeats(void **state)
{
    const char *csv = HEADER
        "5560160680,triple-p,,,,,,,,digitalt,,2025-01-01,,\n"
        "5560160680,triple-p,,,,,,,,digitalt,,2026-01-01,,\n"   /* another valid_from: another offering */
        "5560160680,triple-p,1,,,,,,,båda,,2025-01-01,,\n";
    struct parsed p;

    (void)state;
    parse(csv, strlen(csv), &p);
    assert_int_equal(p.errors.total, 1);
    assert_int_equal(p.errors.items[0].row, 4);
    assert_int_equal(p.errors.items[0].column, 0);
    assert_non_null(strstr(p.errors.items[0].message, "row 2"));
    release(&p);
}

static void nul_bytes_and_control_characters_are_refused(void **state)
{
    const char csv[] = HEADER "5560160680,triple-p,,,,,,,,digitalt,sven\0ska,2025-01-01,,\n"
                              "5560160680,triple-p,,,,,,,,digitalt,\"sven\tska\",2026-01-01,,\n";
    struct parsed p;

    (void)state;
    parse(csv, sizeof(csv) - 1, &p);
    assert_int_equal(p.errors.total, 2);
    assert_int_equal(p.errors.items[0].column, 11);
    assert_int_equal(p.errors.items[1].column, 11);
    release(&p);
}

/* tag-offerings-csv-header: the export writes the header line, the parser checks the names. */
static void the_exported_header_names_the_parsed_columns_in_order(void **state)
{
    char header[] = VALIDATE_OFFERINGS_CSV_HEADER;
    char *rest = header;
    int column = 0;

    (void)state;
    for (char *name = strsep(&rest, ","); name != NULL; name = strsep(&rest, ","))
        assert_string_equal(name, validate_offerings_csv_column_name(++column));
    assert_int_equal(column, VALIDATE_OFFERINGS_CSV_COLUMNS);
    assert_string_equal(VALIDATE_OFFERINGS_CSV_HEADER "\n", HEADER);
}

static void errors_past_the_kept_limit_are_counted(void **state)
{
    size_t rows = VALIDATE_CSV_ERRORS_KEPT + 5;
    size_t size = sizeof(HEADER) + rows * 64;
    char *csv = malloc(size);
    size_t used;
    struct parsed p;

    (void)state;
    assert_non_null(csv);
    used = (size_t)snprintf(csv, size, "%s", HEADER);
    for (size_t i = 0; i < rows; i++)
        used += (size_t)snprintf(csv + used, size - used, "5560160680,triple-p,-1,,,,,,,digitalt,,2025-01-01,,\n");
    parse(csv, used, &p);
    assert_int_equal(p.errors.total, rows + rows - 1);   /* each cost, and each repeat of row 2's offering */
    assert_int_equal(p.errors.count, VALIDATE_CSV_ERRORS_KEPT);
    release(&p);
    free(csv);
}

/* One table: every column but the organisation number is a JSON field of the same name, and the
 * JSON writes and the CSV agree on what they require. */
static void every_column_is_a_json_offering_field(void **state)
{
    (void)state;
    for (int column = 2; column <= VALIDATE_OFFERINGS_CSV_COLUMNS; column++) {
        const char *name = validate_offerings_csv_column_name(column);
        if (validate_offering_field(name) == NULL)
            fail_msg("column %d \"%s\" is not in validate_offering_fields", column, name);
    }
    assert_null(validate_offering_field("provider_organisation_number"));
    assert_true(validate_offering_field("delivery")->required);
    assert_false(validate_offering_field("training_days")->required);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_valid_row_becomes_typed_values),
        cmocka_unit_test(every_column_is_a_json_offering_field),
        cmocka_unit_test(each_bad_cell_is_named_by_row_and_column),
        cmocka_unit_test(quoted_cells_keep_commas_quotes_and_spaces),
        cmocka_unit_test(every_error_of_every_row_is_collected_in_order),
        cmocka_unit_test(rows_are_numbered_by_their_first_line_in_the_file),
        cmocka_unit_test(a_wrong_header_stops_before_the_rows),
        cmocka_unit_test(a_header_alone_with_a_byte_order_mark_is_an_empty_import),
        cmocka_unit_test(broken_quoting_is_reported_where_it_starts),
        cmocka_unit_test(a_repeated_offering_names_the_row_it_repeats),
        cmocka_unit_test(nul_bytes_and_control_characters_are_refused),
        cmocka_unit_test(the_exported_header_names_the_parsed_columns_in_order),
        cmocka_unit_test(errors_past_the_kept_limit_are_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
