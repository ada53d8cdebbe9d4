/*
 * tests/api/test_coverage_errors.c: the refused coverage requests, against the
 * real server.
 *
 * The world (a clean county, and what is built there) and the helpers are in
 * support_coverage.{c,h}; each binary builds and removes its own. When no
 * county is free of other data, the tests that check cells against the table
 * are skipped; the consistency checks still run.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY (as set by tests/run.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_coverage.h"

/* ---- errors ------------------------------------------------------------------------------ */

static void test_errors(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char m0[PATH_MAX_LENGTH], c0[PATH_MAX_LENGTH];
    (void)state;

    snprintf(m0, sizeof(m0), "/v1/municipalities/%s/coverage", coverage_municipality[0]);
    snprintf(c0, sizeof(c0), "/v1/counties/%s/coverage", coverage_county);
    const struct {
        const char *base;            /* NULL: the path alone */
        const char *path;            /* appended to base */
        long status;
        const char *type, *field;
    } rows[] = {
        { NULL, "/v1/municipalities/9999/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/municipalities/0000/coverage?on=" ON_2031, 404, "/problems/not-found", NULL },
        { NULL, "/v1/municipalities/038/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/municipalities/03811/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/municipalities/abcd/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/municipalities/03%2081/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/counties/99/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/counties/00/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/counties/3/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/counties/033/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/counties/ab/coverage", 404, "/problems/not-found", NULL },
        { m0, "?on=2031-13-01", 400, "/problems/invalid-parameter", "on" },
        { m0, "?on=2031-02-29", 400, "/problems/invalid-parameter", "on" },
        { m0, "?on=31-06-01", 400, "/problems/invalid-parameter", "on" },
        { m0, "?on=", 400, "/problems/invalid-parameter", "on" },
        { m0, "?on=today", 400, "/problems/invalid-parameter", "on" },
        { c0, "?on=2031-13-01", 400, "/problems/invalid-parameter", "on" },
        { NULL, "/v1/gaps?on=2031-13-01", 400, "/problems/invalid-parameter", "on" },
        { m0, "?county=03", 400, "/problems/invalid-parameter", "county" },
        { m0, "?onn=" ON_2031, 400, "/problems/invalid-parameter", "onn" },
        { c0, "?intervention_type=familjebehandling", 400, "/problems/invalid-parameter", "intervention_type" },
        { c0, "?limit=10", 400, "/problems/invalid-parameter", "limit" },
        { NULL, "/v1/gaps?municipality=0381", 400, "/problems/invalid-parameter", "municipality" },
        { m0, "?knowledge_support=nope", 404, "/problems/not-found", NULL },
        { c0, "?knowledge_support=nope", 404, "/problems/not-found", NULL },
        { NULL, "/v1/gaps?knowledge_support=nope", 404, "/problems/not-found", NULL },
        { m0, "?knowledge_support=Not_A_Slug", 400, "/problems/invalid-parameter", "knowledge_support" },
        { NULL, "/v1/gaps?county=99", 404, "/problems/not-found", NULL },
        { NULL, "/v1/gaps?county=9", 400, "/problems/invalid-parameter", "county" },
        { NULL, "/v1/gaps?county=abc", 400, "/problems/invalid-parameter", "county" },
        { NULL, "/v1/gaps?intervention_type=nope", 404, "/problems/not-found", NULL },
        { NULL, "/v1/gaps?intervention_type=Nope!", 400, "/problems/invalid-parameter", "intervention_type" },
    };
    char path[PATH_MAX_LENGTH];

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", rows[i].base ? rows[i].base : "", rows[i].path);
        coverage_get(path, NULL, &r);
        expect_problem(&e, &r, rows[i].status, rows[i].type, rows[i].field, path);
    }
    /* The same filters on a county that exists are fine. */
    snprintf(path, sizeof(path), "/v1/gaps?county=%s&intervention_type=nope", coverage_county);
    coverage_get(path, NULL, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, path);
    snprintf(path, sizeof(path), "%.300s?knowledge_support=" KNOWLEDGE_SUPPORT "&on=" ON_2031, m0);
    coverage_get(path, NULL, &r);
    expect_json(&e, &r, 200, path);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("coverage_errors", tests, coverage_setup_group, coverage_teardown_group);
}
