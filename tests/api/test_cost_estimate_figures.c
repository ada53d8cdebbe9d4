/*
 * tests/api/test_cost_estimate_figures.c: the figures of GET
 * /v1/methods/{slug}/cost-estimate against the real server: the figures of
 * one offering and the median of several, a figure nobody states, offerings
 * valid on a date, each municipality alone, one shared agreement split by
 * every compensation model with the rounding remainder at the performer, and
 * no figures when no offering is valid on the day.
 *
 * The world (two methods, two providers, four offerings, three populations)
 * is made and removed by support_cost.c; every expected amount below is
 * computed by hand from its offering_fixtures[]. Every 200 answer is also
 * checked for its invariants with cost_expect_consistent().
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

/* ---- checks -------------------------------------------------------------- */

/* One municipality's expected amounts: alone (first, running) or a model's part (the same and savings). */
struct amounts {
    const char *code;
    long long first_year, running_year, saving_first_year, saving_running_year;
};

static void expect_alone(struct expectations *e, const json_t *answer, const struct amounts *expected, size_t count,
                         const char *label)
{
    char path[64];
    EXPECT(e, json_array_size(json_at(answer, "alone.parts")) == count, "%s: alone has %zu parts", label,
           json_array_size(json_at(answer, "alone.parts")));
    for (size_t i = 0; i < count; i++) {
        snprintf(path, sizeof(path), "alone.parts.%zu.municipality", i);
        cost_expect_text(e, answer, path, expected[i].code, label);
        snprintf(path, sizeof(path), "alone.parts.%zu.first_year_sek", i);
        cost_expect_number(e, answer, path, expected[i].first_year, label);
        snprintf(path, sizeof(path), "alone.parts.%zu.running_year_sek", i);
        cost_expect_number(e, answer, path, expected[i].running_year, label);
    }
}

/* The note of a computable split under each compensation model. */
static const char *model_note(const char *model_name)
{
    static const struct { const char *model, *note; } notes[] = {
        { "lika delar", "equal_shares" },
        { "fast årsavgift", "equal_shares_none_stated" },
        { "per ärende", "spread_over_cases" },
        { "befolkningsandel", "split_by_population" },
    };
    for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
        if (strcmp(notes[i].model, model_name) == 0)
            return notes[i].note;
    return "(no such model)";
}

static void expect_model(struct expectations *e, const json_t *answer, const char *model_name,
                         const struct amounts *expected, size_t count, const char *label)
{
    json_t *model = cost_find_model(answer, model_name);
    char where[160];

    snprintf(where, sizeof(where), "%s, %s", label, model_name);
    if (!EXPECT(e, model != NULL && json_is_true(json_object_get(model, "computable")), "%s: not computable",
                where))
        return;
    EXPECT(e, json_is_string(json_object_get(model, "note")), "%s: no note", where);
    EXPECT(e, strcmp(json_string_value(json_object_get(model, "note")) ?: "", model_note(model_name)) == 0,
           "%s: note \"%s\", wanted \"%s\"", where, json_string_value(json_object_get(model, "note")) ?: "",
           model_note(model_name));
    EXPECT(e, json_array_size(json_object_get(model, "parts")) == count, "%s: %zu parts", where,
           json_array_size(json_object_get(model, "parts")));
    for (size_t i = 0; i < count; i++) {
        json_t *part = json_array_get(json_object_get(model, "parts"), i);
        cost_expect_text(e, part, "municipality", expected[i].code, where);
        cost_expect_number(e, part, "first_year_sek", expected[i].first_year, where);
        cost_expect_number(e, part, "running_year_sek", expected[i].running_year, where);
        cost_expect_number(e, part, "saving_first_year_sek", expected[i].saving_first_year, where);
        cost_expect_number(e, part, "saving_running_year_sek", expected[i].saving_running_year, where);
    }
}

static void expect_not_computable(struct expectations *e, const json_t *answer, const char *model_name,
                                  const char *missing_population_json, const char *label)
{
    json_t *model = cost_find_model(answer, model_name);
    json_t *missing = missing_population_json ? json_loads(missing_population_json, 0, NULL) : json_null();

    EXPECT(e, model != NULL && json_is_false(json_object_get(model, "computable")), "%s, %s: computable", label,
           model_name);
    EXPECT(e, json_is_null(json_object_get(model, "parts")), "%s, %s: parts without a split", label, model_name);
    EXPECT(e, json_string_is(model, "note", missing_population_json ? "population_missing" : "no_cases"),
           "%s, %s: no note saying why: %s", label, model_name,
           json_string_value(json_object_get(model, "note")) ?: "(none)");
    EXPECT(e, json_equal(json_object_get(model, "missing_population"), missing),
           "%s, %s: missing_population is not %s", label, model_name,
           missing_population_json ? missing_population_json : "null");
    json_decref(missing);
}

static bool get_estimate(struct expectations *e, const char *slug, const char *query, struct http_response *r,
                         char *label, size_t label_size)
{
    char path[PATH_MAX_LENGTH];
    snprintf(path, sizeof(path), "/v1/methods/%s/cost-estimate?%s", slug, query);
    snprintf(label, label_size, "GET %s", path);
    http_response_free(r);
    http_get(path, NULL, r);
    return expect_json(e, r, 200, label);
}

/* ---- the estimates -------------------------------------------------------- */

static void test_one_offering_shared_by_three_gives_the_remainder_to_the_performer(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char query[160], label[PATH_MAX_LENGTH + 8];
    (void)state;

    /*
     * Offering A: startup 100000, training 20000 per participant, 50000 per
     * case, yearly 30000. Five staff, ten cases each.
     * Alone, each: 100000 + 5 * 20000 + 30000 + 10 * 50000 = 730000 the first
     * year, 30000 + 500000 = 530000 after; together 2190000 and 1590000.
     * Shared: fixed 100000 + 100000 + 30000 = 230000 first year, 30000 after;
     * 30 cases * 50000 = 1500000. Totals 1730000 and 1530000; savings 460000
     * and 60000.
     * Equal thirds of 230000 = 76666.67: 0305 and 0330 pay 76667, the
     * performer 0381 the rest, 230000 - 2 * 76667 = 76666. First year
     * 576666 (0381), 576667, 576667; after, 10000 + 500000 = 510000 each.
     * Per case: equal cases, so the same. By population: 0330 has none.
     */
    static const struct amounts alone[] = {
        { "0381", 730000, 530000, 0, 0 }, { "0305", 730000, 530000, 0, 0 }, { "0330", 730000, 530000, 0, 0 },
    };
    static const struct amounts equal[] = {
        { "0381", 576666, 510000, 153334, 20000 },
        { "0305", 576667, 510000, 153333, 20000 },
        { "0330", 576667, 510000, 153333, 20000 },
    };

    snprintf(query, sizeof(query), "municipalities=0381,0305,0330&staff=5&cases=10&offering=%lld",
             cost_offering_id[O_A]);
    if (get_estimate(&e, cost_method_m, query, &r, label, sizeof(label))) {
        cost_expect_text(&e, r.json, "basis", "offering", label);
        cost_expect_number(&e, r.json, "offering_id", cost_offering_id[O_A], label);
        cost_expect_number(&e, r.json, "offerings", 1, label);
        cost_expect_number(&e, r.json, "staff", 5, label);
        cost_expect_number(&e, r.json, "cases_per_municipality", 10, label);
        cost_expect_number(&e, r.json, "figures.startup_fee_sek", 100000, label);
        cost_expect_number(&e, r.json, "figures.training_cost_per_participant_sek", 20000, label);
        cost_expect_number(&e, r.json, "figures.cost_per_case_sek", 50000, label);
        cost_expect_number(&e, r.json, "figures.yearly_fee_sek", 30000, label);
        EXPECT(&e, json_array_size(json_at(r.json, "missing_figures")) == 0
               && json_is_array(json_at(r.json, "missing_figures")), "%s: missing_figures is not []", label);
        cost_expect_text(&e, r.json, "based_on.offerings_verified.oldest", "2025-02-01", label);
        cost_expect_text(&e, r.json, "based_on.offerings_verified.newest", "2025-02-01", label);
        EXPECT(&e, json_is_null(json_at(r.json, "explanation")), "%s: an explanation with figures", label);
        cost_expect_text(&e, r.json, "municipalities.0.role", "utförare", label);
        cost_expect_text(&e, r.json, "municipalities.2.role", "beställare", label);
        EXPECT(&e, json_is_null(json_at(r.json, "municipalities.2.population")), "%s: 0330 has a population",
               label);
        expect_alone(&e, r.json, alone, 3, label);
        cost_expect_number(&e, r.json, "alone.first_year_total_sek", 2190000, label);
        cost_expect_number(&e, r.json, "alone.running_year_total_sek", 1590000, label);
        cost_expect_text(&e, r.json, "shared.performer", "0381", label);
        cost_expect_number(&e, r.json, "shared.fixed_first_year_sek", 230000, label);
        cost_expect_number(&e, r.json, "shared.fixed_running_year_sek", 30000, label);
        cost_expect_number(&e, r.json, "shared.cases_per_year", 30, label);
        cost_expect_number(&e, r.json, "shared.first_year_total_sek", 1730000, label);
        cost_expect_number(&e, r.json, "shared.running_year_total_sek", 1530000, label);
        cost_expect_number(&e, r.json, "shared.saving_first_year_sek", 460000, label);
        cost_expect_number(&e, r.json, "shared.saving_running_year_sek", 60000, label);
        expect_model(&e, r.json, "lika delar", equal, 3, label);
        expect_model(&e, r.json, "per ärende", equal, 3, label);
        expect_model(&e, r.json, "fast årsavgift", equal, 3, label);
        expect_not_computable(&e, r.json, "befolkningsandel", "[\"0330\"]", label);
        cost_expect_consistent(&e, r.json, label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_median_of_offerings_split_by_population(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[PATH_MAX_LENGTH + 8];
    (void)state;

    /*
     * Medians of A and B: startup 80000, training 17500, per case 45001,
     * yearly 30000. Three staff, seven cases each.
     * Alone, each: 80000 + 3 * 17500 + 30000 + 7 * 45001 = 80000 + 52500 +
     * 30000 + 315007 = 477507; after 30000 + 315007 = 345007.
     * Shared: fixed 162500 and 30000; 14 cases * 45001 = 630014; totals
     * 792514 and 660014.
     * Equal halves: 81250 + 315007 = 396257, after 15000 + 315007 = 330007.
     * By population (0381 47000, 0305 28000, of 75000): 0305 pays
     * round(162500 * 28/75) = round(60666.67) = 60667, so 375674; the
     * performer 162500 - 60667 = 101833, so 416840. After: 30000 * 28/75 =
     * 11200 (326207) and 18800 (333807).
     */
    static const struct amounts alone[] = { { "0381", 477507, 345007, 0, 0 }, { "0305", 477507, 345007, 0, 0 } };
    static const struct amounts equal[] = {
        { "0381", 396257, 330007, 81250, 15000 }, { "0305", 396257, 330007, 81250, 15000 },
    };
    static const struct amounts by_population[] = {
        { "0381", 416840, 333807, 477507 - 416840, 345007 - 333807 },
        { "0305", 375674, 326207, 477507 - 375674, 345007 - 326207 },
    };

    if (get_estimate(&e, cost_method_m, "municipalities=0381,0305&staff=3&cases=7", &r, label, sizeof(label))) {
        cost_expect_text(&e, r.json, "basis", "median", label);
        EXPECT(&e, json_is_null(json_at(r.json, "offering_id")), "%s: offering_id with a median", label);
        cost_expect_number(&e, r.json, "offerings", 2, label);
        cost_expect_number(&e, r.json, "figures.startup_fee_sek", 80000, label);
        cost_expect_number(&e, r.json, "figures.training_cost_per_participant_sek", 17500, label);
        cost_expect_number(&e, r.json, "figures.cost_per_case_sek", 45001, label);
        cost_expect_number(&e, r.json, "figures.yearly_fee_sek", 30000, label);
        EXPECT(&e, json_is_array(json_at(r.json, "missing_figures"))
               && json_array_size(json_at(r.json, "missing_figures")) == 0,
               "%s: a figure one offering states is missing", label);
        cost_expect_text(&e, r.json, "based_on.offerings_verified.oldest", "2025-02-01", label);
        cost_expect_text(&e, r.json, "based_on.offerings_verified.newest", "2025-05-15", label);
        cost_expect_number(&e, r.json, "municipalities.0.population", 47000, label);
        expect_alone(&e, r.json, alone, 2, label);
        cost_expect_number(&e, r.json, "shared.first_year_total_sek", 792514, label);
        cost_expect_number(&e, r.json, "shared.running_year_total_sek", 660014, label);
        expect_model(&e, r.json, "lika delar", equal, 2, label);
        expect_model(&e, r.json, "per ärende", equal, 2, label);
        expect_model(&e, r.json, "fast årsavgift", equal, 2, label);
        expect_model(&e, r.json, "befolkningsandel", by_population, 2, label);
        cost_expect_consistent(&e, r.json, label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_a_figure_nobody_states_counts_as_zero_and_is_listed(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char query[160], label[PATH_MAX_LENGTH + 8];
    (void)state;

    /*
     * Offering B states no yearly fee. One staff, no cases, 0381 alone:
     * 60000 + 15000 + 0 + 0 = 75000 the first year, 0 after. Shared by one,
     * the same, so no saving. No cases: per ärende cannot be computed.
     */
    static const struct amounts alone[] = { { "0381", 75000, 0, 0, 0 } };
    static const struct amounts one[] = { { "0381", 75000, 0, 0, 0 } };

    snprintf(query, sizeof(query), "municipalities=0381&staff=1&cases=0&offering=%lld", cost_offering_id[O_B]);
    if (get_estimate(&e, cost_method_m, query, &r, label, sizeof(label))) {
        EXPECT(&e, json_is_null(json_at(r.json, "figures.yearly_fee_sek")), "%s: yearly_fee_sek is not null", label);
        EXPECT(&e, json_array_size(json_at(r.json, "missing_figures")) == 1, "%s: missing_figures", label);
        cost_expect_text(&e, r.json, "missing_figures.0", "yearly_fee_sek", label);
        cost_expect_text(&e, r.json, "based_on.offerings_verified.newest", "2025-05-15", label);
        expect_alone(&e, r.json, alone, 1, label);
        cost_expect_number(&e, r.json, "shared.cases_per_year", 0, label);
        cost_expect_number(&e, r.json, "shared.saving_first_year_sek", 0, label);
        expect_model(&e, r.json, "lika delar", one, 1, label);
        expect_model(&e, r.json, "befolkningsandel", one, 1, label);
        expect_not_computable(&e, r.json, "per ärende", NULL, label);
        cost_expect_consistent(&e, r.json, label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_defaults_and_a_past_date_use_the_offerings_valid_then(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char query[160], label[PATH_MAX_LENGTH + 8];
    (void)state;

    /*
     * On 2023-06-01 only OLD is valid (40000, 10000, 30000, 12000). Defaults:
     * 2 staff, 10 cases. Håbo first, so Håbo performs.
     * Alone: 40000 + 20000 + 12000 + 300000 = 372000; after 312000.
     * Shared: fixed 72000 and 12000; 20 cases * 30000 = 600000; totals
     * 672000 and 612000. By population (0305 28000, 0381 47000): 0381 pays
     * 72000 * 47/75 = 45120 (345120), the performer 26880 (326880); after,
     * 12000 * 47/75 = 7520 (307520) and 4480 (304480).
     */
    static const struct amounts alone[] = { { "0305", 372000, 312000, 0, 0 }, { "0381", 372000, 312000, 0, 0 } };
    static const struct amounts by_population[] = {
        { "0305", 326880, 304480, 372000 - 326880, 312000 - 304480 },
        { "0381", 345120, 307520, 372000 - 345120, 312000 - 307520 },
    };

    if (get_estimate(&e, cost_method_m, "municipalities=0305,0381&on=2023-06-01", &r, label, sizeof(label))) {
        cost_expect_text(&e, r.json, "on", "2023-06-01", label);
        cost_expect_number(&e, r.json, "staff", 2, label);
        cost_expect_number(&e, r.json, "cases_per_municipality", 10, label);
        cost_expect_text(&e, r.json, "basis", "median", label);
        cost_expect_number(&e, r.json, "offerings", 1, label);
        cost_expect_number(&e, r.json, "figures.startup_fee_sek", 40000, label);
        cost_expect_number(&e, r.json, "figures.yearly_fee_sek", 12000, label);
        cost_expect_text(&e, r.json, "based_on.offerings_verified.oldest", "2020-03-01", label);
        cost_expect_text(&e, r.json, "based_on.offerings_verified.newest", "2020-03-01", label);
        cost_expect_text(&e, r.json, "shared.performer", "0305", label);
        expect_alone(&e, r.json, alone, 2, label);
        cost_expect_number(&e, r.json, "shared.first_year_total_sek", 672000, label);
        cost_expect_number(&e, r.json, "shared.running_year_total_sek", 612000, label);
        expect_model(&e, r.json, "befolkningsandel", by_population, 2, label);
        cost_expect_consistent(&e, r.json, label);
    }
    /* An offering no longer valid today may still be chosen for a day it was. */
    snprintf(query, sizeof(query), "municipalities=0381&offering=%lld&on=2023-12-31", cost_offering_id[O_OLD]);
    if (get_estimate(&e, cost_method_m, query, &r, label, sizeof(label))) {
        cost_expect_text(&e, r.json, "basis", "offering", label);
        cost_expect_number(&e, r.json, "figures.cost_per_case_sek", 30000, label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_no_offering_on_the_day_gives_no_figures(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[PATH_MAX_LENGTH + 8];
    const char *slugs[] = { cost_method_m, cost_method_m2 };
    (void)state;

    for (int i = 0; i < 2; i++) {
        if (!get_estimate(&e, slugs[i], "municipalities=0381,0305&on=2019-12-31", &r, label, sizeof(label)))
            continue;
        cost_expect_text(&e, r.json, "basis", "median", label);
        cost_expect_number(&e, r.json, "offerings", 0, label);
        EXPECT(&e, json_is_null(json_at(r.json, "figures")), "%s: figures is not null", label);
        EXPECT(&e, json_string_is(r.json, "explanation", "no_valid_offering"), "%s: explanation is not "
               "no_valid_offering: %.200s", label, r.body);
        EXPECT(&e, json_is_null(json_at(r.json, "alone")) && json_is_null(json_at(r.json, "shared")),
               "%s: estimates without figures", label);
        EXPECT(&e, json_is_null(json_at(r.json, "based_on.offerings_verified.oldest")), "%s: a verified date",
               label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_offering_shared_by_three_gives_the_remainder_to_the_performer),
        cmocka_unit_test(test_median_of_offerings_split_by_population),
        cmocka_unit_test(test_a_figure_nobody_states_counts_as_zero_and_is_listed),
        cmocka_unit_test(test_defaults_and_a_past_date_use_the_offerings_valid_then),
        cmocka_unit_test(test_no_offering_on_the_day_gives_no_figures),
    };
    return cmocka_run_group_tests_name("cost estimate figures", tests, cost_world_create, cost_world_destroy);
}
