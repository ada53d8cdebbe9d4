/*
 * tests/api/test_offerings_csv_export.c: offerings as CSV, out: the export
 * (GET /v1/offerings and GET /v1/counties/{code}/offerings with Accept:
 * text/csv) compared byte for byte with the setup's offerings, its agreement
 * with the JSON list of the same filters and its round trip through the
 * import; the refusal of pages and bad filters; and the Accept negotiation
 * around it, with the ETags of the two representations.
 *
 * The world (support_offerings_csv.h) is made for this binary alone; these
 * tests only read it (their re-imports change nothing).
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

/* ---- the export and its round trip ---------------------------------------------- */

/*
 * Each export is exactly the expected offerings (byte for byte, in id
 * order), agrees with the JSON list of the same filters, and re-imported as
 * it is changes nothing: {0, 0, N}, no updated_at moves, no audit entry.
 */
static void test_export_reimports_unchanged(void **state)
{
    static const struct {
        const char *label, *path;
        unsigned mask;
        bool json_too;   /* the JSON list answers the same set */
    } rows[] = {
        { "provider A", "/v1/offerings?provider=@PA@", ALL_OF_A, true },
        { "county 03, provider A", "/v1/counties/03/offerings?provider=@PA@", BIT(O_A1) | BIT(O_A3), true },
        { "county 01, provider A", "/v1/counties/01/offerings?provider=@PA@", BIT(O_A2) | BIT(O_A3), true },
        { "county 01, provider A, method m1", "/v1/counties/01/offerings?provider=@PA@&method=@M1@", BIT(O_A3), true },
        { "?county=03, provider A", "/v1/offerings?provider=@PA@&county=03", BIT(O_A1) | BIT(O_A3), true },
        { "provider A, method m1", "/v1/offerings?provider=@PA@&method=@M1@", BIT(O_A1) | BIT(O_A3), true },
        { "method m2 (providers A and B)", "/v1/offerings?method=@M2@", BIT(O_A2) | BIT(O_B1), true },
        { "provider B", "/v1/offerings?provider=@PB@", BIT(O_B1), true },
        { "provider A, updated since 2000", "/v1/offerings?provider=@PA@&updated_since=2000-01-01T00:00:00Z",
          ALL_OF_A, true },
        { "provider A, updated since 2999 (header only)",
          "/v1/offerings?provider=@PA@&updated_since=2999-01-01T00:00:00Z", 0, true },
        { "provider E, which has none (header only)", "/v1/offerings?provider=@PE@", 0, true },
        /* openapi.yaml: a code that names no county answers the header only with Accept: text/csv */
        { "county 02, which does not exist (header only)", "/v1/counties/02/offerings?provider=@PA@", 0, false },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[LABEL_MAX];
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *expected = csv_expected_export(rows[i].mask);
        char *path = NULL, *export = NULL, *before = NULL;

        snprintf(label, sizeof(label), "export %s", rows[i].label);
        csv_get_with_accept(rows[i].path, "Accept: text/csv", &r);
        if (csv_expect_body(&e, &r, expected, label))
            export = strdup(r.body);
        if (rows[i].json_too) {
            path = csv_expand(rows[i].path);
            char json_path[PATH_MAX_LENGTH];
            snprintf(json_path, sizeof(json_path), "%s&limit=100", path);
            snprintf(label, sizeof(label), "JSON list %s", rows[i].label);
            csv_get_with_accept(json_path, "Accept: application/json", &r);
            csv_expect_json_ids(&e, &r, rows[i].mask, label);
        }
        if (export != NULL) {
            snprintf(label, sizeof(label), "re-import of the export %s", rows[i].label);
            before = csv_state();
            csv_import_as(csv_admin_auth, "text/csv", NULL, export, &r);
            csv_expect_counts(&e, &r, 0, 0, (long long)csv_bits_in(rows[i].mask), label);
            expect_unchanged(&e, csv_state, before, label);
        }
        free(before);
        free(export);
        free(path);
        free(expected);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* With Accept: text/csv, limit and cursor are refused (the CSV has no pages), as are bad filters. */
static void test_export_refuses_pages_and_bad_filters(void **state)
{
    static const struct {
        const char *path;
        long status;
        const char *type;
        const char *fields;   /* space-separated: each must be named */
    } rows[] = {
        { "/v1/offerings?provider=@PA@&limit=10", 400, "/problems/invalid-parameter", "limit" },
        { "/v1/offerings?provider=@PA@&cursor=5", 400, "/problems/invalid-parameter", "cursor" },
        { "/v1/offerings?provider=@PA@&limit=10&cursor=5", 400, "/problems/invalid-parameter", "limit cursor" },
        { "/v1/counties/03/offerings?limit=1", 400, "/problems/invalid-parameter", "limit" },
        { "/v1/offerings?provider=abc", 400, "/problems/invalid-parameter", "provider" },
        { "/v1/offerings?provider=@PA@&updated_since=yesterday", 400, "/problems/invalid-parameter",
          "updated_since" },
        { "/v1/offerings?provider=@PA@&colour=red", 400, "/problems/invalid-parameter", "colour" },
        { "/v1/offerings?method=Not%20A%20Slug", 400, "/problems/invalid-parameter", "method" },
        { "/v1/counties/3/offerings", 400, "/problems/invalid-parameter", "code" },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[LABEL_MAX], fields[64];
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        snprintf(label, sizeof(label), "GET %s as text/csv", rows[i].path);
        csv_get_with_accept(rows[i].path, "Accept: text/csv", &r);
        if (!expect_problem(&e, &r, rows[i].status, rows[i].type, NULL, label))
            continue;
        EXPECT(&e, csv_header_has_token(&r, "Vary", "Accept"), "%s: no Vary: Accept", label);
        snprintf(fields, sizeof(fields), "%s", rows[i].fields);
        char *save = NULL;
        for (char *field = strtok_r(fields, " ", &save); field != NULL; field = strtok_r(NULL, " ", &save))
            EXPECT(&e, problem_names_field(&r, field), "%s: errors[] does not name %s: %.400s", label, field, r.body);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- Accept --------------------------------------------------------------------- */

/*
 * CSV only when Accept prefers it to JSON (a higher q, or the same q from a
 * more specific range); every answer has Vary: Accept; the two forms have
 * their own ETags, and If-None-Match revalidates each.
 */
static void test_accept_negotiation(void **state)
{
    static const struct {
        const char *accept;   /* the header line; "Accept:" sends none */
        bool csv;
    } variants[] = {
        { "Accept:", false },
        { "Accept: */*", false },
        { "Accept: application/json", false },
        { "Accept: text/csv", true },
        { "Accept: text/csv;q=0.5, application/json", false },
        { "Accept: application/json, text/csv;q=0.9", false },
        { "Accept: text/csv, application/json;q=0.9", true },
        { "Accept: application/json;q=0.5, text/csv", true },
        { "Accept: text/*", true },
        { "Accept: text/csv, */*", true },
        { "Accept: application/json, text/csv", false },
        { "Accept: TEXT/CSV", true },
        { "Accept: application/*, text/csv;q=0.1", false },
    };
    static const struct {
        const char *path;
        unsigned mask;
    } paths[] = {
        { "/v1/offerings?provider=@PA@", ALL_OF_A },
        { "/v1/counties/03/offerings?provider=@PA@", BIT(O_A1) | BIT(O_A3) },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[LABEL_MAX], json_etag[ETAG_MAX], csv_etag[ETAG_MAX], line[ETAG_MAX + 20];
    (void)state;

    for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
        char *expected = csv_expected_export(paths[p].mask);
        for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
            snprintf(label, sizeof(label), "GET %s with \"%s\"", paths[p].path, variants[v].accept);
            csv_get_with_accept(paths[p].path, variants[v].accept, &r);
            if (variants[v].csv)
                csv_expect_body(&e, &r, expected, label);
            else
                csv_expect_json_ids(&e, &r, paths[p].mask, label);
            EXPECT(&e, csv_header_has_token(&r, "Vary", "Accept"), "%s: no Vary: Accept", label);
        }

        /* Two representations, two ETags; If-None-Match answers 304 only for the one it names. */
        csv_get_with_accept(paths[p].path, "Accept: application/json", &r);
        snprintf(json_etag, sizeof(json_etag), "%s", http_header(&r, "ETag") ? http_header(&r, "ETag") : "");
        csv_get_with_accept(paths[p].path, "Accept: text/csv", &r);
        snprintf(csv_etag, sizeof(csv_etag), "%s", http_header(&r, "ETag") ? http_header(&r, "ETag") : "");
        snprintf(label, sizeof(label), "ETags of %s", paths[p].path);
        if (EXPECT(&e, json_etag[0] != '\0' && csv_etag[0] != '\0' && strcmp(json_etag, csv_etag) != 0,
                   "%s: JSON %s, CSV %s", label, json_etag, csv_etag)) {
            char *path = csv_expand(paths[p].path);
            snprintf(line, sizeof(line), "If-None-Match: %s", csv_etag);
            const char *csv_again[] = { "Accept: text/csv", line, NULL };
            const char *json_with_csv_tag[] = { "Accept: application/json", line, NULL };
            http_response_free(&r);
            http_get(path, csv_again, &r);
            EXPECT(&e, r.status == 304 && csv_header_has_token(&r, "Vary", "Accept"), "%s: CSV revalidation: %ld",
                   label, r.status);
            http_response_free(&r);
            http_get(path, json_with_csv_tag, &r);
            snprintf(label, sizeof(label), "GET %s as JSON with the CSV's ETag in If-None-Match", paths[p].path);
            csv_expect_json_ids(&e, &r, paths[p].mask, label);
            free(path);
        }
        free(expected);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_reimports_unchanged),
        cmocka_unit_test(test_export_refuses_pages_and_bad_filters),
        cmocka_unit_test(test_accept_negotiation),
    };
    return cmocka_run_group_tests(tests, csv_world_create, csv_world_destroy);
}
