/*
 * tests/api/test_cost_estimate_refusals.c: the queries GET
 * /v1/methods/{slug}/cost-estimate refuses, against the real server: each bad
 * parameter is named in the problem, references to nothing are unresolved,
 * and an unknown method is not found.
 *
 * The world (two methods, two providers, four offerings, three populations)
 * is made and removed by support_cost.c.
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

#include <cmocka.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_cost.h"

/* ---- refused queries ------------------------------------------------------ */

static void test_bad_queries_name_the_parameter(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[PATH_MAX_LENGTH + 8];
    char thirty[260], thirty_one[260];
    (void)state;

    snprintf(thirty, sizeof(thirty), "municipalities=%s", cost_thirty_codes);
    snprintf(thirty_one, sizeof(thirty_one), "municipalities=%s,2584", cost_thirty_codes);   /* 2584: Kiruna */
    const struct { const char *query; long status; const char *names; } cases[] = {
        { "", 400, "municipalities" },                        /* required */
        { "municipalities=", 400, "municipalities" },         /* empty */
        { "municipalities=0381,", 400, "municipalities" },    /* trailing comma */
        { "municipalities=,0381", 400, "municipalities" },
        { "municipalities=381", 400, "municipalities" },      /* three digits */
        { "municipalities=03810", 400, "municipalities" },    /* five */
        { "municipalities=038a", 400, "municipalities" },
        { "municipalities=0381;0305", 400, "municipalities" },
        { "municipalities=0381,%200305", 400, "municipalities" },   /* a space after the comma */
        { "municipalities=0381,0381", 400, "municipalities" },      /* duplicate */
        { "municipalities=0305,0381,0305", 400, "municipalities" },
        { "municipalities=%FF%FE%FD%FC", 400, "municipalities" },   /* invalid UTF-8 */
        { thirty, 200, NULL },                                /* the most */
        { thirty_one, 400, "municipalities" },                /* one more */
        { "municipalities=0381&staff=1", 200, NULL },
        { "municipalities=0381&staff=100", 200, NULL },
        { "municipalities=0381&staff=0", 400, "staff" },
        { "municipalities=0381&staff=101", 400, "staff" },
        { "municipalities=0381&staff=-1", 400, "staff" },
        { "municipalities=0381&staff=02", 400, "staff" },     /* leading zero */
        { "municipalities=0381&staff=", 400, "staff" },
        { "municipalities=0381&staff=two", 400, "staff" },
        { "municipalities=0381&cases=0", 200, NULL },
        { "municipalities=0381&cases=10000", 200, NULL },
        { "municipalities=0381&cases=-1", 400, "cases" },
        { "municipalities=0381&cases=10001", 400, "cases" },
        { "municipalities=0381&cases=1.5", 400, "cases" },
        { "municipalities=0381&offering=0", 400, "offering" },
        { "municipalities=0381&offering=abc", 400, "offering" },
        { "municipalities=0381&on=2024-13-01", 400, "on" },
        { "municipalities=0381&on=2024-02-30", 400, "on" },
        { "municipalities=0381&municipality=0305", 400, "municipality" },   /* misspelt: not ignored */
        { "municipalities=0381,0381&staff=0&cases=-1", 400, "municipalities staff cases" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(path, sizeof(path), "/v1/methods/%s/cost-estimate?%s", cost_method_m, cases[i].query);
        snprintf(label, sizeof(label), "GET %s", path);
        http_response_free(&r);
        http_get(path, NULL, &r);
        if (cases[i].status == 200) {
            if (expect_json(&e, &r, 200, label))
                cost_expect_consistent(&e, r.json, label);
            continue;
        }
        char names[64], *save = NULL;
        snprintf(names, sizeof(names), "%s", cases[i].names);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", NULL, label);
        size_t count = 0;
        for (char *name = strtok_r(names, " ", &save); name != NULL; name = strtok_r(NULL, " ", &save), count++)
            EXPECT(&e, problem_names_field(&r, name), "%s: errors[] does not name \"%s\": %.300s", label, name,
                   r.body);
        EXPECT(&e, json_array_size(json_at(r.json, "errors")) == count, "%s: errors[] names %zu, expected %zu: %.300s",
               label, json_array_size(json_at(r.json, "errors")), count, r.body);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_references_to_nothing_are_unresolved(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[PATH_MAX_LENGTH + 8];
    char other_method[64], expired[64];
    (void)state;

    snprintf(other_method, sizeof(other_method), "municipalities=0381&offering=%lld", cost_offering_id[O_OTHER]);
    snprintf(expired, sizeof(expired), "municipalities=0381&offering=%lld", cost_offering_id[O_OLD]);
    const struct { const char *query; const char *field, *value; } cases[] = {
        { "municipalities=0381,0999", "municipalities", "0999" },        /* no such code */
        { "municipalities=0998,0381,0999", "municipalities", "0998" },   /* the first one named */
        { "municipalities=0381&offering=999999999999", "offering", "999999999999" },
        { other_method, "offering", NULL },                             /* another method's */
        { expired, "offering", NULL },                                  /* not valid today */
        { "municipalities=0999&offering=999999999999", "municipalities", "0999" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(path, sizeof(path), "/v1/methods/%s/cost-estimate?%s", cost_method_m, cases[i].query);
        snprintf(label, sizeof(label), "GET %s", path);
        http_response_free(&r);
        http_get(path, NULL, &r);
        if (!expect_problem(&e, &r, 422, "/problems/unresolved-reference", cases[i].field, label))
            continue;
        if (cases[i].value != NULL) {
            const char *detail = json_string_value(json_at(r.json, "detail"));
            EXPECT(&e, detail != NULL && strstr(detail, cases[i].value) != NULL, "%s: the detail does not name "
                   "\"%s\": %s", label, cases[i].value, detail ? detail : "(none)");
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_an_unknown_method_is_not_found(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    const char *slugs[] = { "ce-none", "Not_A_Slug", "%FF" };
    (void)state;

    for (size_t i = 0; i < sizeof(slugs) / sizeof(slugs[0]); i++) {
        snprintf(path, sizeof(path), "/v1/methods/%s-%s/cost-estimate?municipalities=0381", slugs[i], cost_tag);
        http_response_free(&r);
        http_get(path, NULL, &r);
        expect_problem(&e, &r, 404, "/problems/not-found", NULL, path);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_queries_name_the_parameter),
        cmocka_unit_test(test_references_to_nothing_are_unresolved),
        cmocka_unit_test(test_an_unknown_method_is_not_found),
    };
    return cmocka_run_group_tests_name("cost estimate refusals", tests, cost_world_create, cost_world_destroy);
}
