/*
 * tests/api/test_offerings_csv_import.c: offerings as CSV, in: files
 * written in the ways a CSV file may be written import unchanged; an import
 * that creates and updates, with its counts, values, audit trail and
 * updated_at; the provider:<id> key scope (a key imports its own
 * provider's rows only); and a language holding "|" through a round trip.
 *
 * The world (support_offerings_csv.h) is made for this binary alone. Each
 * test writes only to its own provider (A: none, C, D, E), so none depends
 * on another's rows.
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

/* ---- imports that work -------------------------------------------------------------- */

/* The same rows, written in other ways a CSV file may be written, import unchanged. */
static void test_import_accepts_csv_variants(void **state)
{
    static const struct {
        const char *label;
        struct csv_style style;
        const char *content_type;
        bool header_only;
    } rows[] = {
        { "as exported", { 0 }, "text/csv", false },
        { "Content-Type with charset", { 0 }, "text/csv; charset=utf-8", false },
        { "Content-Type in capitals", { 0 }, "Text/CSV", false },
        { "LF line ends", { .lf = true }, "text/csv", false },
        { "CR line ends", { .cr = true }, "text/csv", false },
        { "a byte order mark", { .bom = true }, "text/csv", false },
        { "no final line break", { .no_final_break = true }, "text/csv", false },
        { "blank lines between rows", { .blank_lines = true }, "text/csv", false },
        { "rows in another order", { .reversed = true }, "text/csv", false },
        { "every cell quoted", { .quote_always = true }, "text/csv", false },
        { "every cell quoted, LF, BOM, no final break",
          { .quote_always = true, .lf = true, .bom = true, .no_final_break = true }, "text/csv", false },
        { "the header alone", { 0 }, "text/csv", true },
    };
    const struct offering_fixture *a[] = { &csv_offering_fixtures[O_A1], &csv_offering_fixtures[O_A2],
                                           &csv_offering_fixtures[O_A3] };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[LABEL_MAX];
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t count = rows[i].header_only ? 0 : 3;
        char *csv = csv_file(a, count, AS_EXPORTED, &rows[i].style);
        char *before = csv_state();

        snprintf(label, sizeof(label), "import of provider A's rows, %s", rows[i].label);
        csv_import_as(csv_admin_auth, rows[i].content_type, NULL, csv, &r);
        csv_expect_counts(&e, &r, 0, 0, (long long)count, label);
        expect_unchanged(&e, csv_state, before, label);
        free(before);
        free(csv);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* What provider C's rows become: C1 changed, C2 as it is, C3 and C4 new. */
static const struct offering_fixture c1_changed = {
    P_C, 1, NULL, NULL, "12000", NULL, NULL, NULL, "behandlare", "true", "digitalt", "svenska|finska", "2024-01-01",
    NULL, "2025-05-05",
};
static const struct offering_fixture c3_new = {
    P_C, 1, "40000", "9000", "13000", "2500", "4.5", "4.5", "behandlare|handledare", "true", "på plats",
    "persiska, dari|tigrinja \"T\"| inledande blanksteg", "2026-01-01", "2026-12-31", "2026-01-15",
};
static const struct offering_fixture c4_new = {
    P_C, 1, NULL, NULL, NULL, NULL, NULL, NULL, "", NULL, "båda", "", "2027-01-01", NULL, NULL,
};
/* C1 again with every optional cell empty: each clears its value. */
static const struct offering_fixture c1_cleared = {
    P_C, 1, NULL, NULL, NULL, NULL, NULL, NULL, "", NULL, "digitalt", "", "2024-01-01", NULL, NULL,
};

/*
 * An import that creates and updates: the counts, the values through the
 * JSON API, one audit entry per created or changed offering in the key's
 * name, updated_at moved only where something changed; then the same file
 * again, and the new export, change nothing; then empty cells clear values.
 */
static void test_import_creates_and_updates(void **state)
{
    const struct offering_fixture *rows[] = { &c1_changed, &csv_offering_fixtures[O_C2], &c3_new, &c4_new };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char *csv = csv_file(rows, 4, AS_EXPORTED, NULL);   /* C2 as it is: "svenska", the JSON default */
    char *c1_before = csv_updated_at_of(csv_offering_id[O_C1]);
    char *c2_before = csv_updated_at_of(csv_offering_id[O_C2]);
    char *c1_after = NULL, *c2_after = NULL, *before = NULL, *export = NULL;
    long long audit_before = csv_newest_audit_id();
    long long c3, c4;
    char cid[24];
    (void)state;

    snprintf(cid, sizeof(cid), "%lld", csv_provider_id[P_C]);
    const char *cid_params[] = { cid };
    csv_import_as(csv_admin_auth, "text/csv", NULL, csv, &r);
    csv_expect_counts(&e, &r, 2, 1, 1, "import into provider C");
    c3 = csv_offering_id_of(P_C, 1, c3_new.valid_from);
    c4 = csv_offering_id_of(P_C, 1, c4_new.valid_from);
    EXPECT(&e, c3 > 0 && c4 > 0, "the two new offerings exist (%lld, %lld)", c3, c4);
    EXPECT(&e, db_count("SELECT count(*) FROM offerings WHERE provider_id = $1::bigint", 1, cid_params) == 4,
           "provider C has four offerings");
    const struct audit_expectation audited[] = {
        { csv_offering_id[O_C1], "update" }, { c3, "create" }, { c4, "create" },
    };
    csv_expect_audit_since(&e, audit_before, audited, 3, csv_admin_key_name, "import into provider C");
    c1_after = csv_updated_at_of(csv_offering_id[O_C1]);
    c2_after = csv_updated_at_of(csv_offering_id[O_C2]);
    EXPECT(&e, c1_before && c1_after && strcmp(c1_before, c1_after) != 0, "C1's updated_at moved (%s, %s)",
           c1_before ? c1_before : "?", c1_after ? c1_after : "?");
    EXPECT(&e, c2_before && c2_after && strcmp(c2_before, c2_after) == 0, "C2's updated_at stayed (%s, %s)",
           c2_before ? c2_before : "?", c2_after ? c2_after : "?");

    csv_expect_offering_document(&e, csv_offering_id[O_C1], &c1_changed, "C1 after the import");
    csv_expect_offering_document(&e, csv_offering_id[O_C2], &csv_offering_fixtures[O_C2], "C2 after the import");
    csv_expect_offering_document(&e, c3, &c3_new, "C3 created by the import");
    csv_expect_offering_document(&e, c4, &c4_new, "C4 created by the import");
    csv_get_with_accept("/v1/offerings?provider=@PC@&limit=100", "Accept: application/json", &r);
    if (expect_json(&e, &r, 200, "JSON list of provider C"))
        EXPECT(&e, json_array_size(json_at(r.json, "items")) == 4, "provider C lists 4 offerings: %.300s", r.body);

    /* The same file again, and the export now, change nothing. */
    before = csv_state();
    csv_import_as(csv_admin_auth, "text/csv", NULL, csv, &r);
    csv_expect_counts(&e, &r, 0, 0, 4, "the same import again");
    expect_unchanged(&e, csv_state, before, "the same import again");
    {
        const struct offering_fixture *by_id[] = { &c1_changed, &csv_offering_fixtures[O_C2],
                                                   c3 < c4 ? &c3_new : &c4_new, c3 < c4 ? &c4_new : &c3_new };
        char *expected = csv_file(by_id, 4, AS_EXPORTED, NULL);
        csv_get_with_accept("/v1/offerings?provider=@PC@", "Accept: text/csv", &r);
        if (csv_expect_body(&e, &r, expected, "export of provider C after the import"))
            export = strdup(r.body);
        free(expected);
    }
    if (export != NULL) {
        csv_import_as(csv_admin_auth, "text/csv", NULL, export, &r);
        csv_expect_counts(&e, &r, 0, 0, 4, "re-import of provider C's export");
        expect_unchanged(&e, csv_state, before, "re-import of provider C's export");
    }

    /* Empty cells clear: C1 back to nothing but its required values. */
    {
        const struct offering_fixture *cleared[] = { &c1_cleared };
        char *clear_csv = csv_file(cleared, 1, AS_WRITTEN, NULL);
        long long audit_now = csv_newest_audit_id();
        const struct audit_expectation cleared_audit[] = { { csv_offering_id[O_C1], "update" } };
        csv_import_as(csv_admin_auth, "text/csv", NULL, clear_csv, &r);
        csv_expect_counts(&e, &r, 0, 1, 0, "import clearing C1's optional cells");
        csv_expect_audit_since(&e, audit_now, cleared_audit, 1, csv_admin_key_name,
                               "import clearing C1's optional cells");
        csv_expect_offering_document(&e, csv_offering_id[O_C1], &c1_cleared, "C1 after its cells were cleared");
        free(clear_csv);
    }

    free(export);
    free(before);
    free(c1_before);
    free(c2_before);
    free(c1_after);
    free(c2_after);
    free(csv);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- provider keys ------------------------------------------------------------------ */

static const struct offering_fixture d1_changed = {
    P_D, 1, NULL, NULL, "6000", NULL, "1.5", "1.5", "handledare", NULL, "båda", "svenska", "2024-01-01", NULL, NULL,
};
static const struct offering_fixture d2_new = {
    P_D, 1, NULL, "3000", NULL, NULL, NULL, NULL, "", "true", "på plats", "svenska|somaliska", "2025-01-01", NULL,
    NULL,
};

/*
 * A provider:<id> key imports its provider's rows only: a row of another
 * provider is an error of that row (column 1) and nothing is imported;
 * its own rows are accepted and audited in the key's name.
 */
static void test_provider_keys_import_only_their_own_rows(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char *before, *csv;
    (void)state;

    /* Provider D's key with a row of provider B among its own. */
    {
        const struct offering_fixture *rows[] = { &d1_changed, &csv_offering_fixtures[O_B1], &d2_new };
        const struct csv_error expected[MAX_ERRORS] = { ROW(3, 1, "provider_organisation_number") };
        csv = csv_file(rows, 3, AS_WRITTEN, NULL);
        before = csv_state();
        csv_import_as(csv_key_d_auth, "text/csv", NULL, csv, &r);
        csv_expect_errors(&e, &r, expected, 0, "provider D's key, a row of provider B among its own");
        expect_unchanged(&e, csv_state, before, "provider D's key, a row of provider B among its own");
        free(before);
        free(csv);
    }
    /* Provider D's key with provider A's export: every row is another provider's. */
    {
        const struct csv_error expected[MAX_ERRORS] = {
            ROW(2, 1, "provider_organisation_number"), ROW(3, 1, "provider_organisation_number"),
            ROW(4, 1, "provider_organisation_number"),
        };
        csv = csv_expected_export(ALL_OF_A);
        before = csv_state();
        csv_import_as(csv_key_d_auth, "text/csv", NULL, csv, &r);
        csv_expect_errors(&e, &r, expected, 0, "provider D's key, provider A's export");
        expect_unchanged(&e, csv_state, before, "provider D's key, provider A's export");
        free(before);
        free(csv);
    }
    /* Provider B's key with a row of D that also names no method: both errors of the row. */
    {
        const struct csv_error expected[MAX_ERRORS] = {
            ROW(2, 1, "provider_organisation_number"), ROW(2, 2, "method"),
        };
        csv = csv_expand(CSV_HEADER "\r\n@OD@,@NOMETHOD@,,,,,,,,digitalt,,2030-01-02,,\r\n");
        before = csv_state();
        csv_import_as(csv_key_b_auth, "text/csv", NULL, csv, &r);
        csv_expect_errors(&e, &r, expected, 0, "provider B's key, a row of D with an unknown method");
        expect_unchanged(&e, csv_state, before, "provider B's key, a row of D with an unknown method");
        free(before);
        free(csv);
    }
    /* Own rows unchanged: {0, 0, N}, nothing written. */
    {
        const struct {
            const char *label, *auth;
            unsigned mask;
        } own[] = {
            { "provider D's key, its own export", csv_key_d_auth, BIT(O_D1) },
            { "provider B's key, its own export", csv_key_b_auth, BIT(O_B1) },
        };
        for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
            csv = csv_expected_export(own[i].mask);
            before = csv_state();
            csv_import_as(own[i].auth, "text/csv", NULL, csv, &r);
            csv_expect_counts(&e, &r, 0, 0, 1, own[i].label);
            expect_unchanged(&e, csv_state, before, own[i].label);
            free(before);
            free(csv);
        }
    }
    /* Own rows changed and new: accepted, audited in the key's name. */
    {
        const struct offering_fixture *rows[] = { &d1_changed, &d2_new };
        long long audit_before = csv_newest_audit_id();
        csv = csv_file(rows, 2, AS_WRITTEN, NULL);
        csv_import_as(csv_key_d_auth, "text/csv", NULL, csv, &r);
        csv_expect_counts(&e, &r, 1, 1, 0, "provider D's key, its own rows changed and new");
        long long d2 = csv_offering_id_of(P_D, 1, d2_new.valid_from);
        const struct audit_expectation audited[] = { { csv_offering_id[O_D1], "update" }, { d2, "create" } };
        csv_expect_audit_since(&e, audit_before, audited, 2, csv_key_d_name, "provider D's key, its own rows");
        csv_expect_offering_document(&e, csv_offering_id[O_D1], &d1_changed, "D1 after provider D's import");
        if (EXPECT(&e, d2 > 0, "D2 was created"))
            csv_expect_offering_document(&e, d2, &d2_new, "D2 created by provider D's import");
        free(csv);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- quoting ------------------------------------------------------------------------ */

/*
 * Languages are joined with "|" in a cell. The JSON API takes a language
 * with "|" in it; it must either refuse it, or the export must re-import
 * unchanged ("An export re-imports unchanged") with the language intact.
 */
static void test_a_language_with_a_bar_round_trips(void **state)
{
    const struct offering_fixture bar = {
        P_E, 1, NULL, NULL, NULL, NULL, NULL, NULL, "", NULL, "digitalt", NULL, "2024-01-01", NULL, NULL,
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    json_t *body = csv_offering_body(&bar);
    char *text, *before;
    long long id;
    (void)state;

    json_object_set_new(body, "languages", json_pack("[s, s]", "svenska|engelska", "finska, tornedalsfinska"));
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    request_as("POST", "/v1/offerings", csv_admin_auth, "application/json", NULL, text, &r);
    free(text);
    if (r.status == 400) {   /* refused: then it can never reach a CSV */
        expect_problem(&e, &r, 400, "/problems/invalid-body", "languages", "a language with \"|\"");
        http_response_free(&r);
        assert_int_equal(e.failed, 0);
        return;
    }
    if (!EXPECT(&e, r.status == 201, "POST an offering with a language holding \"|\": %ld %.300s", r.status, r.body)) {
        http_response_free(&r);
        assert_int_equal(e.failed, 0);
        return;
    }
    id = json_integer_value(json_at(r.json, "id"));
    csv_get_with_accept("/v1/offerings?provider=@PE@", "Accept: text/csv", &r);
    if (EXPECT(&e, r.status == 200, "export of provider E: %ld", r.status)) {
        char *export = strdup(r.body);
        before = csv_state();
        csv_import_as(csv_admin_auth, "text/csv", NULL, export, &r);
        csv_expect_counts(&e, &r, 0, 0, 1, "re-import of an export with a language holding \"|\"");
        expect_unchanged(&e, csv_state, before, "re-import of an export with a language holding \"|\"");
        char path[PATH_MAX_LENGTH];
        snprintf(path, sizeof(path), "/v1/offerings/%lld", id);
        http_response_free(&r);
        http_get(path, NULL, &r);
        json_t *languages = json_pack("[s, s]", "svenska|engelska", "finska, tornedalsfinska");
        EXPECT(&e, json_equal(json_at(r.json, "languages"), languages), "the languages after the round trip: %.300s",
               r.body);
        json_decref(languages);
        free(before);
        free(export);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_accepts_csv_variants),
        cmocka_unit_test(test_import_creates_and_updates),
        cmocka_unit_test(test_provider_keys_import_only_their_own_rows),
        cmocka_unit_test(test_a_language_with_a_bar_round_trips),
    };
    return cmocka_run_group_tests(tests, csv_world_create, csv_world_destroy);
}
