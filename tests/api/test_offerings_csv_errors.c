/*
 * tests/api/test_offerings_csv_errors.c: imports that are refused. A bad
 * file is refused as a whole, every error listed by row, column and field
 * (400 /problems/invalid-csv); the request itself is refused for its key
 * (401, 403), Content-Type (415), size (413) or a query parameter (400);
 * a file of exactly 1 MiB is read, its listed errors capped. Each refusal
 * changes nothing: csv_state() is compared before and after.
 *
 * The world (support_offerings_csv.h) is made for this binary alone; the
 * one import accepted here (the refused file, sent rightly) creates an
 * offering of provider C that the teardown deletes.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_offerings_csv.h"
#include "support_offerings_csv_checks.h"

/* ---- imports that are refused ------------------------------------------------------ */


/*
 * A file with errors is refused as a whole, 400 /problems/invalid-csv,
 * listing every error by row (a record's first line; the header is row 1),
 * column and field, and nothing changes. A bad header stops there.
 */
static void test_bad_csv_lists_every_error(void **state)
{
    static const struct {
        const char *label;
        const char *csv;   /* @TOKENS@ expanded */
        struct csv_error errors[MAX_ERRORS];
    } cases[] = {
        { "many bad rows and cells",
          CSV_HEADER "\r\n"
          "@BADORG@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n"                                   /* 2 */
          "@OA@,@NOMETHOD@,,,,,,,,digitalt,,2030-01-03,,\r\n"                                 /* 3 */
          "@OA@,@M1@,,,-100,,,,,digitalt,,2030-01-04,,\r\n"                                   /* 4 */
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-05,2030-01-04,\r\n"                             /* 5 */
          "@OA@,@M1@,,,,,,,,brevduva,,2030-01-06,,\r\n"                                       /* 6 */
          "@OA@,@M1@,2030-01-07\r\n"                                                          /* 7 */
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-08,,,extra\r\n"                                 /* 8 */
          "@OA@,@M1@,12 000,,,,400,chef,ja,digitalt,,2030-02-30,,\r\n"                        /* 9 */
          "@OA@,@M1@,,,,,,,,digitalt,\"persiska, dari|tigrinja \"\"T\"\"\",2030-01-10,,\r\n"  /* 10: fine */
          "@OA@,@M1@,1,,,,,,,digitalt,,2030-01-10,,\r\n"                                      /* 11: repeats 10 */
          "@OA@,@M1@,,,,,,,,digitalt,\"rad\nbrytning\",2030-01-12,,\r\n"                      /* 12-13 */
          "\r\n"                                                                              /* 14 */
          "@OA@,,,,,,,,,,,,,\r\n"                                                             /* 15 */
          "@NOORG@,@M1@,,,,,,,,digitalt,,2030-01-16,,\r\n"                                    /* 16 */
          "@OA@,Triple P,,,,,,,,digitalt,,2030-01-17,,\r\n"                                   /* 17 */
          "@OA@,@M1@,,,,100000001,,,,digitalt,,2030-01-18,,\r\n"                              /* 18 */
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-19,,2024-1-01\r\n"                              /* 19 */
          "@OA@,@M1@,,,,,2.25,behandlare|behandlare,,digitalt,svenska||finska,2030-01-20,,\r\n" /* 20 */
          "@OA@,@M1@,,,,,,,,digitalt,svenska\xff,2030-01-21,,\r\n"                            /* 21 */
          "@OA@,@M1@,,,,,,,,digitalt,svenska|" "abcdefghijabcdefghijabcdefghijabcdefghijk" /* 41 bytes */
          ",2030-01-22,,\r\n",                                                                /* 22 */
          {
              ROW(2, 1, "provider_organisation_number"),
              ROW(3, 2, "method"),
              ROW(4, 5, "cost_per_case_sek"),
              ROW(5, 13, "valid_to"),
              ROW(6, 10, "delivery"),
              WHOLE_ROW(7),
              WHOLE_ROW(8),
              ROW(9, 3, "startup_fee_sek"), ROW(9, 7, "training_days"), ROW(9, 8, "training_for"),
              ROW(9, 9, "certification_required"), ROW(9, 12, "valid_from"),
              WHOLE_ROW(11),
              ROW(12, 11, "languages"),
              ROW(15, 2, "method"), ROW(15, 10, "delivery"), ROW(15, 12, "valid_from"),
              ROW(16, 1, "provider_organisation_number"),
              ROW(17, 2, "method"),
              ROW(18, 6, "yearly_fee_sek"),
              ROW(19, 14, "verified_on"),
              ROW(20, 7, "training_days"), ROW(20, 8, "training_for"), ROW(20, 11, "languages"),
              ROW(21, 11, "languages"),
              ROW(22, 11, "languages"),
          } },
        { "a misspelt header column (the bad rows after it are not read)",
          "provider_organisation_number,metod,startup_fee_sek,training_cost_per_participant_sek,cost_per_case_sek,"
          "yearly_fee_sek,training_days,training_for,certification_required,delivery,languages,valid_from,valid_to,"
          "verified_on\r\n"
          "@BADORG@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n",
          { ROW(1, 2, "method") } },
        { "a header without its last column",
          "provider_organisation_number,method,startup_fee_sek,training_cost_per_participant_sek,cost_per_case_sek,"
          "yearly_fee_sek,training_days,training_for,certification_required,delivery,languages,valid_from,valid_to\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-02,\r\n",
          { WHOLE_ROW(1) } },
        { "two header columns swapped",
          "provider_organisation_number,method,startup_fee_sek,training_cost_per_participant_sek,cost_per_case_sek,"
          "yearly_fee_sek,training_days,training_for,certification_required,delivery,languages,valid_to,valid_from,"
          "verified_on\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n",
          { ROW(1, 12, "valid_from"), ROW(1, 13, "valid_to") } },
        { "an empty file", "", { WHOLE_ROW(1) } },
        { "a row that repeats another's key", CSV_HEADER "\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-03,,\r\n"
          "@OA@,@M1@,5,,,,,,,båda,,2030-01-02,,\r\n",
          { WHOLE_ROW(4) } },
        { "a quote inside an unquoted cell", CSV_HEADER "\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,svenska \"x\",2030-01-03,,\r\n",
          { ROW(3, 11, "languages") } },
        { "text after a closing quote", CSV_HEADER "\r\n"
          "\"@OA@\"x,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n",
          { ROW(2, 1, "provider_organisation_number") } },
        { "a quoted cell never closed", CSV_HEADER "\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,\"svenska,2030-01-03,,\r\n",
          { ROW(3, 11, "languages") } },
        { "a provider and a method that do not exist", CSV_HEADER "\r\n"
          "@NOORG@,@NOMETHOD@,,,,,,,,digitalt,,2030-01-02,,\r\n",
          { ROW(2, 1, "provider_organisation_number"), ROW(2, 2, "method") } },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *csv = csv_expand(cases[i].csv);
        char *before = csv_state();

        csv_import_as(csv_admin_auth, "text/csv", NULL, csv, &r);
        csv_expect_errors(&e, &r, cases[i].errors, 0, cases[i].label);
        expect_unchanged(&e, csv_state, before, cases[i].label);
        free(before);
        free(csv);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* The key, the Content-Type, the size and the query are checked; each refusal changes nothing. */
static void test_import_refusals(void **state)
{
    enum who { NOBODY, UNKNOWN_KEY, MUNICIPALITY, ADMIN, PROVIDER_C_KEY_D };
    static const struct {
        const char *label;
        enum who who;
        const char *content_type;   /* NULL: none */
        const char *query;
        size_t size;                /* 0: the small valid file; else a body of that many bytes */
        long status;
        const char *type, *field;
    } rows[] = {
        { "no key", NOBODY, "text/csv", NULL, 0, 401, "/problems/unauthorized", NULL },
        { "an unknown key", UNKNOWN_KEY, "text/csv", NULL, 0, 401, "/problems/unauthorized", NULL },
        { "a municipality key", MUNICIPALITY, "text/csv", NULL, 0, 403, "/problems/forbidden", NULL },
        { "a municipality key, a JSON Content-Type", MUNICIPALITY, "application/json", NULL, 0, 403,
          "/problems/forbidden", NULL },
        { "Content-Type application/json", ADMIN, "application/json", NULL, 0, 415, "/problems/unsupported-media-type",
          NULL },
        { "Content-Type text/plain", ADMIN, "text/plain", NULL, 0, 415, "/problems/unsupported-media-type", NULL },
        { "Content-Type text/csvx", ADMIN, "text/csvx", NULL, 0, 415, "/problems/unsupported-media-type", NULL },
        { "no Content-Type", ADMIN, NULL, NULL, 0, 415, "/problems/unsupported-media-type", NULL },
        { "a provider key, a JSON Content-Type", PROVIDER_C_KEY_D, "application/json", NULL, 0, 415,
          "/problems/unsupported-media-type", NULL },
        { "a query parameter", ADMIN, "text/csv", "?dry_run=true", 0, 400, "/problems/invalid-parameter", "dry_run" },
        { "a body of 1 MiB and a byte", ADMIN, "text/csv", NULL, MIB + 1, 413, "/problems/body-too-large", NULL },
        { "a body of 4 MiB", ADMIN, "text/csv", NULL, 4 * MIB, 413, "/problems/body-too-large", NULL },
    };
    /* What the import would do if it were let: create an offering for provider C. */
    const struct offering_fixture would_create = {
        P_C, 1, NULL, NULL, "1", NULL, NULL, NULL, "", NULL, "digitalt", "", "2031-01-01", NULL, NULL,
    };
    const struct offering_fixture *rows_of_file[] = { &would_create };
    char *small = csv_file(rows_of_file, 1, AS_WRITTEN, NULL);
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[LABEL_MAX];
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *auth = rows[i].who == NOBODY         ? NULL
                           : rows[i].who == UNKNOWN_KEY  ? "Bearer ik_999999999_unknownsecret"
                           : rows[i].who == MUNICIPALITY ? csv_municipality_auth
                           : rows[i].who == ADMIN        ? csv_admin_auth
                                                         : csv_key_d_auth;
        char *body = small;
        if (rows[i].size > 0) {   /* a header, then rows of "x" up to the size */
            body = malloc(rows[i].size + 1);
            assert_non_null(body);
            memset(body, 'x', rows[i].size);
            memcpy(body, CSV_HEADER "\r\n", strlen(CSV_HEADER "\r\n"));
            for (size_t at = strlen(CSV_HEADER "\r\n") + 80; at < rows[i].size; at += 81)
                body[at] = '\n';
            body[rows[i].size] = '\0';
        }
        char *before = csv_state();
        snprintf(label, sizeof(label), "import with %s", rows[i].label);
        csv_import_as(auth, rows[i].content_type, rows[i].query, body, &r);
        if (expect_problem(&e, &r, rows[i].status, rows[i].type, rows[i].field, label))
            EXPECT(&e, csv_header_has_token(&r, "Vary", "Accept"), "%s: no Vary: Accept", label);
        expect_unchanged(&e, csv_state, before, label);
        free(before);
        if (body != small)
            free(body);
    }
    /* The path answers POST and OPTIONS only. */
    http_response_free(&r);
    http_request("OPTIONS", IMPORT_PATH, NULL, NULL, &r);
    const char *allow = http_header(&r, "Allow");
    EXPECT(&e, r.status == 204 && allow != NULL && strcmp(allow, "POST, OPTIONS") == 0, "OPTIONS %s: %ld, Allow \"%s\"",
           IMPORT_PATH, r.status, allow ? allow : "(none)");

    /* The same file, as admin, is accepted: the refusals were for the request, not the file. */
    csv_import_as(csv_admin_auth, "text/csv", NULL, small, &r);
    csv_expect_counts(&e, &r, 1, 0, 0, "the refused file, sent rightly");
    free(small);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/*
 * Exactly 1 MiB is read (and refused for its content, not its size), with
 * the errors listed capped (the first 1000) while error_count counts all.
 */
static void test_a_file_of_exactly_one_mib(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    struct csv_error expected[MAX_ERRORS] = { WHOLE_ROW(2), WHOLE_ROW(3), WHOLE_ROW(4) };
    size_t header = strlen(CSV_HEADER "\r\n"), rest = MIB - header, data_rows = rest / 3;
    char *body = malloc(MIB + 1);
    char *before = csv_state();
    json_t *errors;
    (void)state;

    assert_non_null(body);
    memcpy(body, CSV_HEADER "\r\n", header);
    /* rows "x\r\n"; the first one longer by what does not divide by 3 */
    size_t at = header;
    for (size_t k = 0; k < rest % 3; k++)
        body[at++] = 'x';
    for (size_t row = 0; row < data_rows; row++) {
        memcpy(body + at, "x\r\n", 3);
        at += 3;
    }
    assert_int_equal(at, MIB);
    body[MIB] = '\0';
    csv_import_as(csv_admin_auth, "text/csv", NULL, body, &r);
    if (expect_problem(&e, &r, 400, "/problems/invalid-csv", NULL, "a file of exactly 1 MiB")) {
        errors = json_at(r.json, "errors");
        EXPECT(&e, json_array_size(errors) == 1000, "1 MiB: %zu errors listed, expected the first 1000",
               json_array_size(errors));
        EXPECT(&e, (size_t)json_integer_value(json_at(r.json, "error_count")) == data_rows,
               "1 MiB: error_count %lld, expected %zu", (long long)json_integer_value(json_at(r.json, "error_count")),
               data_rows);
        for (size_t i = 0; i < 3; i++) {
            json_t *error = json_array_get(errors, i);
            EXPECT(&e, json_integer_value(json_object_get(error, "row")) == expected[i].row
                           && json_is_null(json_object_get(error, "column"))
                           && json_string_is(error, "field", "(row)"),
                   "1 MiB: error %zu should be row %ld (row)", i, expected[i].row);
        }
        EXPECT(&e, json_integer_value(json_at(json_array_get(errors, 999), "row")) == 1001,
               "1 MiB: the 1000th error is of row 1001");
    }
    expect_unchanged(&e, csv_state, before, "a file of exactly 1 MiB");
    free(before);
    free(body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_csv_lists_every_error),
        cmocka_unit_test(test_import_refusals),
        cmocka_unit_test(test_a_file_of_exactly_one_mib),
    };
    return cmocka_run_group_tests(tests, csv_world_create, csv_world_destroy);
}
