/*
 * tests/api/test_guidance.c: GET /v1/guidance and /v1/guidance/rules against
 * the real server and the catalogue as migrated (0002, corrected by 0012),
 * read back through libpq where the answer must agree with the tables.
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
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"

#define PATH_SIZE 256
#define LOW "l%C3%A5g"
#define MODERATE "m%C3%A5ttlig"
#define HIGH "h%C3%B6g"

static char admin_auth[256];

static int setup(void **state)
{
    (void)state;
    return fixtures_open_environment(admin_auth, sizeof(admin_auth), NULL, 0) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    db_close();
    return 0;
}

/* The element of array whose member key is value, or NULL. */
static json_t *find_by(const json_t *array, const char *key, const char *value)
{
    size_t i;
    json_t *item;

    json_array_foreach(array, i, item)
        if (json_string_is(item, key, value))
            return item;
    return NULL;
}

/* Whether any recommendation of the answer lists the method slug. */
static bool offers_method(const json_t *answer, const char *method)
{
    size_t i;
    json_t *rec;

    json_array_foreach(json_at(answer, "recommendations"), i, rec)
        if (find_by(json_at(rec, "methods"), "slug", method) != NULL)
            return true;
    return false;
}

static long long db_number(const char *sql, const char *param)
{
    const char *params[] = { param };
    return db_count(sql, param ? 1 : 0, params);
}

/* Ages 8, 14 and 17 at each risk level, checked against the tables. */
static void test_guidance_by_age_and_risk(void **state)
{
    static const int ages[] = { 8, 14, 17 };
    static const struct {
        const char *query, *text;
        bool applies;
    } risks[] = { { LOW, "låg", false }, { MODERATE, "måttlig", false }, { HIGH, "hög", true } };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_SIZE], age_text[8];
    (void)state;

    for (size_t a = 0; a < sizeof(ages) / sizeof(ages[0]); a++) {
        snprintf(age_text, sizeof(age_text), "%d", ages[a]);
        for (size_t k = 0; k < sizeof(risks) / sizeof(risks[0]); k++) {
            snprintf(path, sizeof(path), "/v1/guidance?age=%d&risk=%s", ages[a], risks[k].query);
            http_get(path, NULL, &r);
            if (!expect_json(&e, &r, 200, path))
                continue;
            EXPECT(&e, json_integer_value(json_at(r.json, "age")) == ages[a], "%s: age", path);
            EXPECT(&e, json_string_is(r.json, "risk", risks[k].text), "%s: risk", path);
            EXPECT(&e, json_is_true(json_at(r.json, "risk_principle.recommendations_apply")) == risks[k].applies,
                   "%s: recommendations_apply", path);
            EXPECT(&e, json_is_string(json_at(r.json, "risk_principle.text")), "%s: no risk principle text", path);
            EXPECT(&e, json_is_null(json_at(r.json, "municipality")), "%s: a municipality without one asked", path);
            EXPECT(&e, http_header(&r, "ETag") != NULL, "%s: no ETag", path);

            /* The recommendations: at high risk exactly the positive ones whose band holds the age. */
            json_t *recs = json_at(r.json, "recommendations");
            long long wanted = risks[k].applies
                ? db_number("SELECT count(*) FROM recommendations WHERE strength <> 'bör inte' "
                            "AND $1::int BETWEEN age_min AND age_max", age_text)
                : 0;
            EXPECT(&e, json_is_array(recs) && (long long)json_array_size(recs) == wanted,
                   "%s: %zu recommendations, wanted %lld", path, json_array_size(recs), wanted);
            size_t i;
            json_t *rec;
            json_array_foreach(recs, i, rec) {
                json_int_t lo = json_integer_value(json_at(rec, "age_min"));
                json_int_t hi = json_integer_value(json_at(rec, "age_max"));
                EXPECT(&e, lo <= ages[a] && ages[a] <= hi, "%s: band %lld-%lld", path, (long long)lo, (long long)hi);
                EXPECT(&e, json_string_is(rec, "strength", "bör"), "%s: %s is not \"bör\"", path,
                       json_string_value(json_at(rec, "slug")));
                size_t j;
                json_t *method;
                json_array_foreach(json_at(rec, "methods"), j, method) {
                    json_int_t mlo = json_integer_value(json_at(method, "age_min"));
                    json_int_t mhi = json_integer_value(json_at(method, "age_max"));
                    EXPECT(&e, mlo <= ages[a] && ages[a] <= mhi, "%s: method %s is for %lld-%lld", path,
                           json_string_value(json_at(method, "slug")), (long long)mlo, (long long)mhi);
                }
            }

            /* "Bör inte" is a warning at every age and every level. */
            json_t *warning = find_by(json_at(r.json, "warnings"), "slug", "avskrackande-program");
            EXPECT(&e, warning != NULL && json_string_is(warning, "strength", "bör inte")
                           && json_string_is(warning, "intervention_type.slug", "avskrackande-program"),
                   "%s: the Scared Straight warning is missing", path);
            EXPECT(&e, find_by(recs, "slug", "avskrackande-program") == NULL, "%s: advised against but recommended",
                   path);

            /* The instruments: exactly those whose range holds the age. */
            json_t *instruments = json_at(r.json, "assessment_instruments");
            long long instrument_count = db_number("SELECT count(*) FROM assessment_instruments "
                                                   "WHERE $1::int BETWEEN age_min AND age_max", age_text);
            EXPECT(&e, (long long)json_array_size(instruments) == instrument_count, "%s: %zu instruments, wanted %lld",
                   path, json_array_size(instruments), instrument_count);
            EXPECT(&e, (find_by(instruments, "slug", "savry") != NULL) == (ages[a] >= 12),
                   "%s: SAVRY offered wrongly", path);

            /* The rule that applied to the level is in the answer, with its source. */
            json_t *rules = json_at(r.json, "rules");
            json_t *risk_rule = NULL;
            json_array_foreach(rules, i, rec)
                if (json_string_is(rec, "principle", "risk"))
                    risk_rule = rec;
            EXPECT(&e, risk_rule != NULL && json_string_is(risk_rule, "risk", risks[k].text)
                           && json_is_string(json_at(risk_rule, "source")) && json_is_boolean(json_at(risk_rule, "needs_review")),
                   "%s: the risk rule is missing", path);
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* The cases the issue names: FFT at 14 but not 8, SAVRY at 14, the age bands. */
static void test_guidance_named_cases(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    http_get("/v1/guidance?age=14&risk=" HIGH, NULL, &r);
    if (expect_json(&e, &r, 200, "age 14 high")) {
        EXPECT(&e, offers_method(r.json, "fft"), "FFT is not offered at 14, high risk");
        EXPECT(&e, find_by(json_at(r.json, "assessment_instruments"), "slug", "savry") != NULL, "no SAVRY at 14");
        EXPECT(&e, json_integer_value(json_at(r.json, "age_band.age_min")) == 12, "age band of 14");
        EXPECT(&e, find_by(json_at(r.json, "recommendations"), "slug", "behandlingsfamilj-12-17") != NULL,
               "no treatment foster care at 14");
    }
    http_get("/v1/guidance?age=8&risk=" HIGH, NULL, &r);
    if (expect_json(&e, &r, 200, "age 8 high")) {
        EXPECT(&e, !offers_method(r.json, "fft"), "FFT offered at 8");
        EXPECT(&e, offers_method(r.json, "coping-power"), "Coping Power (8-14) not offered at 8");
        EXPECT(&e, offers_method(r.json, "snap"), "SNAP (6-11) not offered at 8");
        EXPECT(&e, find_by(json_at(r.json, "assessment_instruments"), "slug", "savry") == NULL, "SAVRY offered at 8");
        EXPECT(&e, find_by(json_at(r.json, "assessment_instruments"), "slug", "earl") != NULL, "no EARL at 8");
        EXPECT(&e, json_integer_value(json_at(r.json, "age_band.age_max")) == 11, "age band of 8");
    }
    /* Low risk: nothing recommended, and the answer says why. */
    http_get("/v1/guidance?age=14&risk=" LOW, NULL, &r);
    if (expect_json(&e, &r, 200, "age 14 low")) {
        EXPECT(&e, json_array_size(json_at(r.json, "recommendations")) == 0, "recommendations at low risk");
        const char *text = json_string_value(json_at(r.json, "risk_principle.text"));
        EXPECT(&e, text != NULL && strstr(text, "hög risk") != NULL && strstr(text, "intensiva") != NULL,
               "low risk text: %s", text ? text : "(none)");
        EXPECT(&e, !offers_method(r.json, "fft"), "FFT offered at low risk");
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Needs order the recommendations: the type that meets the given need comes first. */
static void test_guidance_needs_order(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    http_get("/v1/guidance?age=14&risk=" HIGH "&needs=attityder", NULL, &r);
    if (expect_json(&e, &r, 200, "needs=attityder")) {
        EXPECT(&e, json_string_is(r.json, "recommendations.0.intervention_type.slug", "individuell-kbt"),
               "attityder: first is %s", json_string_value(json_at(r.json, "recommendations.0.intervention_type.slug")));
        EXPECT(&e, json_string_is(r.json, "recommendations.0.needs_met.0", "attityder"), "needs_met");
        EXPECT(&e, json_string_is(r.json, "needs.0", "attityder"), "needs echoed");
        json_t *rules = json_at(r.json, "rules");
        json_t *need_rule = find_by(rules, "slug", "behov-attityder");
        EXPECT(&e, need_rule != NULL && json_is_true(json_at(need_rule, "needs_review"))
                       && json_is_string(json_at(need_rule, "review_note")),
               "the need rule is not flagged for review");
    }
    http_get("/v1/guidance?age=14&risk=" HIGH "&needs=familj,missbruk", NULL, &r);
    if (expect_json(&e, &r, 200, "needs=familj,missbruk")) {
        EXPECT(&e, json_string_is(r.json, "recommendations.0.intervention_type.slug", "familjebehandling"),
               "familj,missbruk: first is %s",
               json_string_value(json_at(r.json, "recommendations.0.intervention_type.slug")));
        EXPECT(&e, json_array_size(json_at(r.json, "recommendations.0.needs_met")) == 2, "needs_met of the first");
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* With a municipality: its coverage of each type and its nearest partners. */
static void test_guidance_with_municipality(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    http_get("/v1/guidance?age=14&risk=" HIGH "&municipality=0381", NULL, &r);
    if (expect_json(&e, &r, 200, "municipality=0381")) {
        EXPECT(&e, json_string_is(r.json, "municipality.code", "0381")
                       && json_string_is(r.json, "municipality.name", "Enköping"), "municipality");
        size_t i;
        json_t *rec;
        json_array_foreach(json_at(r.json, "recommendations"), i, rec) {
            json_t *coverage = json_at(rec, "coverage");
            EXPECT(&e, json_is_object(coverage) && json_is_boolean(json_at(coverage, "covered")),
                   "%s: no coverage", json_string_value(json_at(rec, "slug")));
            EXPECT(&e, !json_is_true(json_at(coverage, "covered")) || json_is_object(json_at(coverage, "best_route")),
                   "%s: covered without a route", json_string_value(json_at(rec, "slug")));
            json_t *partners = json_at(rec, "partners");
            EXPECT(&e, json_is_array(partners) && json_array_size(partners) <= 3, "partners");
        }
    }
    http_get("/v1/guidance?age=14&risk=" HIGH, NULL, &r);
    if (expect_json(&e, &r, 200, "without municipality"))
        EXPECT(&e, json_is_null(json_at(r.json, "recommendations.0.coverage"))
                       && json_is_null(json_at(r.json, "recommendations.0.partners")),
               "coverage without a municipality");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_guidance_rules(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    http_get("/v1/guidance/rules", NULL, &r);
    if (expect_json(&e, &r, 200, "/v1/guidance/rules")) {
        long long rules = db_number("SELECT count(*) FROM guidance_rules", NULL);
        EXPECT(&e, (long long)json_array_size(json_at(r.json, "rules")) == rules && rules >= 3, "rule count");
        EXPECT(&e, json_array_size(json_at(r.json, "need_areas")) == 7, "need areas");
        size_t i;
        json_t *rule;
        json_array_foreach(json_at(r.json, "rules"), i, rule)
            EXPECT(&e, json_is_string(json_at(rule, "source"))
                           && json_is_true(json_at(rule, "needs_review")) == json_is_string(json_at(rule, "review_note")),
                   "rule %s: source or review flag", json_string_value(json_at(rule, "slug")));
    }
    http_get("/v1/guidance/rules?x=1", NULL, &r);
    expect_problem(&e, &r, 400, "/problems/invalid-parameter", "x", "rules?x=1");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_guidance_errors(void **state)
{
    static const struct {
        const char *path;
        long status;
        const char *field;
    } rows[] = {
        { "/v1/guidance?risk=" HIGH, 400, "age" },
        { "/v1/guidance?age=14", 400, "risk" },
        { "/v1/guidance", 400, "age" },
        { "/v1/guidance?age=5&risk=" HIGH, 400, "age" },
        { "/v1/guidance?age=18&risk=" HIGH, 400, "age" },
        { "/v1/guidance?age=014&risk=" HIGH, 400, "age" },
        { "/v1/guidance?age=fjorton&risk=" HIGH, 400, "age" },
        { "/v1/guidance?age=&risk=" HIGH, 400, "age" },
        { "/v1/guidance?age=14&risk=extrem", 400, "risk" },
        { "/v1/guidance?age=14&risk=hog", 400, "risk" },
        { "/v1/guidance?age=14&risk=" HIGH "&needs=ekonomi", 400, "needs" },
        { "/v1/guidance?age=14&risk=" HIGH "&needs=familj,familj", 400, "needs" },
        { "/v1/guidance?age=14&risk=" HIGH "&needs=familj,", 400, "needs" },
        { "/v1/guidance?age=14&risk=" HIGH "&needs=", 400, "needs" },
        { "/v1/guidance?age=14&risk=" HIGH "&municipality=381", 400, "municipality" },
        { "/v1/guidance?age=14&risk=" HIGH "&on=idag", 400, "on" },
        { "/v1/guidance?age=14&risk=" HIGH "&personnummer=200801011234", 400, "personnummer" },
        { "/v1/guidance?age=14&risk=" HIGH "&municipality=0399", 404, NULL },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        http_get(rows[i].path, NULL, &r);
        expect_problem(&e, &r, rows[i].status, rows[i].status == 400 ? "/problems/invalid-parameter"
                                                                     : "/problems/not-found",
                       rows[i].field, rows[i].path);
    }
    http_get("/v1/guidance?age=18&risk=" HIGH, NULL, &r);
    const char *detail = json_string_value(json_at(r.json, "detail"));
    EXPECT(&e, detail != NULL && strstr(detail, "6 to 17") != NULL, "age detail: %s", detail ? detail : "(none)");
    /* Every error at once. */
    http_get("/v1/guidance?age=3&risk=x&needs=y", NULL, &r);
    EXPECT(&e, problem_names_field(&r, "age") && problem_names_field(&r, "risk") && problem_names_field(&r, "needs"),
           "not every error named: %s", r.body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guidance_by_age_and_risk),
        cmocka_unit_test(test_guidance_named_cases),
        cmocka_unit_test(test_guidance_needs_order),
        cmocka_unit_test(test_guidance_with_municipality),
        cmocka_unit_test(test_guidance_rules),
        cmocka_unit_test(test_guidance_errors),
    };
    return cmocka_run_group_tests_name("guidance", tests, setup, teardown);
}
