/*
 * tests/api/test_agreement_notice_coverage.c: an agreement under notice is
 * still a route in coverage until the day its notice ends, and not a day
 * longer (issue 12; agreement_in_force in sql/0011, used by the agreement
 * routes of internal/db/coverage_sql.h). test_agreement_decisions.c checks
 * the same rule through GET /v1/agreements?active_on=; this asks coverage.
 *
 * Asked as the parties' systems would: 0381 (the performer) writes an
 * agreement with 0380 and 0360 (the orderers, all of Uppsala län), each party
 * records its own decision with its own key, 0381 activates it and 0380 gives
 * notice. Coverage is then read for 0380, 0360 and 0381 on the day before
 * ends_on, on ends_on and on the day after.
 *
 * The agreement covers the run's own method of the run's own intervention
 * type (support_agreements.c), which has no offering anywhere: in coverage
 * the agreement is the only route that type can have, so the cell is the
 * agreement's or empty, whatever else the database holds. Coverage shows the
 * recommended types only, so the group setup recommends the run's type in
 * normbrytande-beteende-2021 (through the API), and the teardown removes the
 * recommendation before the type goes.
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
#include "support_agreements.h"

#define KNOWLEDGE_SUPPORT_2021 "normbrytande-beteende-2021"

static char type_slug[64];            /* the run's type (@T@) */
static char recommendation_path[PATH_MAX_LENGTH];
static bool recommendation_made;

/* The parties of BASE_FAST, with decisions as each records its own in turn. */
#define PB_60 "{'municipality': '0380', 'role': 'beställare', 'share_percent': 60}"
#define PB_60_DEC "{'municipality': '0380', 'role': 'beställare', 'share_percent': 60, 'decision': " DEC_SN "}"
#define PC_40 "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}"
#define PC_40_DEC "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40, 'decision': " DEC_KS "}"

/* An agreement in force: written, decided by each party with its own key, proposed and activated by 0381. */
static long long agreement_in_force(struct expectations *e, const char *overlay)
{
    static const struct {
        enum who as;
        const char *patch;
    } decisions[] = {
        { KEY_A, "{'parties': [" PA_DEC ", " PB_60 ", " PC_40 "]}" },
        { KEY_B, "{'parties': [" PA_DEC ", " PB_60_DEC ", " PC_40 "]}" },
        { KEY_C, "{'parties': [" PA_DEC ", " PB_60_DEC ", " PC_40_DEC "]}" },
    };
    struct http_response r = { 0 };
    char label[200];

    long long id = agreements_create_as(KEY_A, BASE_FAST, overlay, &r);
    bool ok = agreements_expect_written(e, &r, 201, "0381 writes the agreement");
    for (size_t i = 0; ok && i < sizeof(decisions) / sizeof(decisions[0]); i++) {
        snprintf(label, sizeof(label), "%s records its decision", agreements_who_label[decisions[i].as]);
        agreements_write_as("PATCH", id, "", decisions[i].as, decisions[i].patch, &r);
        ok = agreements_expect_written(e, &r, 200, label);
    }
    for (size_t i = 0; ok && i < 2; i++) {
        agreements_transition(id, i == 0 ? "föreslagen" : "aktiv", KEY_A, &r);
        ok = agreements_expect_written(e, &r, 200, i == 0 ? "0381 proposes it" : "0381 activates it");
    }
    http_response_free(&r);
    return ok ? id : -1;
}

/*
 * The run's type in code's coverage on a date: the agreement's route (performed
 * by 0381), or no route at all.
 */
static void expect_route(struct expectations *e, const char *code, const char *on, long long id, bool route,
                         const char *stage)
{
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[300];

    snprintf(label, sizeof(label), "%s: %s's coverage of %s on %s", stage, code, type_slug, on);
    snprintf(path, sizeof(path), "/v1/municipalities/%s/coverage?on=%s", code, on);
    agreements_get_as(path, KEY_B, &r);
    if (!expect_json(e, &r, 200, label))
        goto done;
    json_t *entry = NULL, *candidate;
    size_t i;
    json_array_foreach(json_at(r.json, "intervention_types"), i, candidate)
        if (json_string_is(candidate, "slug", type_slug))
            entry = candidate;
    if (!EXPECT(e, entry != NULL, "%s: the type is missing: %.600s", label, r.body))
        goto done;
    json_t *best = json_at(entry, "best_route");
    char *dumped = json_dumps(entry, JSON_COMPACT);
    if (route) {
        EXPECT(e, json_string_is(best, "kind", "avtalssamverkan"), "%s: not the agreement's route: %.800s", label, dumped);
        EXPECT(e, json_is_integer(json_at(best, "agreement.id")) && json_integer_value(json_at(best, "agreement.id")) == id,
               "%s: the route is not agreement %lld: %.800s", label, id, dumped);
        EXPECT(e, json_string_is(best, "agreement.performer", CODE_A), "%s: performer: %.800s", label, dumped);
        EXPECT(e, json_is_true(json_at(entry, "covered")), "%s: not covered: %.800s", label, dumped);
    } else {
        EXPECT(e, best == NULL || json_is_null(best), "%s: a route after the agreement ended: %.800s", label, dumped);
        EXPECT(e, !json_is_true(json_at(entry, "covered")), "%s: covered: %.800s", label, dumped);
    }
    free(dumped);
done:
    http_response_free(&r);
}

static void test_an_agreement_under_notice_is_a_route_until_it_ends(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char today[64], day_before[64], ends[64], after[64];
    (void)state;

    if (!EXPECT(&e, db_date("current_date", today)
                        && db_date("(current_date + interval '12 months')::date - 1", day_before)
                        && db_date("current_date + interval '12 months'", ends)
                        && db_date("(current_date + interval '12 months')::date + 1", after),
                "the dates from the database"))
        goto done;
    long long id = agreement_in_force(&e, "{'title': 'TA @W@ uppsagd täckning', 'valid_from': '2025-01-01', "
                                          "'valid_to': '2099-12-31', 'notice_period_months': 12}");
    if (id < 0)
        goto done;

    /* In force and not under notice: a route today and in two years, for orderers and performer. */
    expect_route(&e, CODE_B, today, id, true, "aktiv");
    expect_route(&e, CODE_B, after, id, true, "aktiv");

    agreements_transition(id, "uppsagd", KEY_B, &r);
    if (!agreements_expect_written(&e, &r, 200, "0380 gives notice"))
        goto done;
    EXPECT(&e, json_string_is(r.json, "notice.given_by", CODE_B), "notice.given_by: %.600s", r.body);
    if (!EXPECT(&e, json_string_is(r.json, "notice.ends_on", ends), "notice.ends_on is not %s: %.600s", ends, r.body))
        goto done;

    /* Under notice, every party keeps the route until ends_on (the last day, as with valid_to), not after. */
    static const char *const parties[] = { CODE_B, CODE_C, CODE_A };
    for (size_t i = 0; i < sizeof(parties) / sizeof(parties[0]); i++) {
        expect_route(&e, parties[i], today, id, true, "uppsagd, today");
        expect_route(&e, parties[i], day_before, id, true, "uppsagd, the day before ends_on");
        expect_route(&e, parties[i], ends, id, true, "uppsagd, on ends_on");
        expect_route(&e, parties[i], after, id, false, "uppsagd, the day after ends_on");
    }
    /* A municipality of the county that is no party never had it. */
    expect_route(&e, "0305", today, id, false, "uppsagd, not a party");
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* The agreements world, and the run's type recommended so coverage shows it. */
static int setup(void **state)
{
    struct http_response r = { 0 };

    if (agreements_setup_group(state) != 0)
        return -1;
    agreements_expand("@T@", type_slug, sizeof(type_slug));
    json_t *body = json_pack("{s:s+, s:s, s:s, s:s, s:i, s:i, s:s, s:s}", "slug", "rek-", type_slug, "knowledge_support",
                             KNOWLEDGE_SUPPORT_2021, "intervention_type", type_slug, "target_group",
                             "Barn 6–17 år (påhittad rekommendation för avtalstesterna)", "age_min", 6, "age_max", 17,
                             "strength", "kan", "statement", "Socialtjänsten kan erbjuda TA-insatsen (påhittad).");
    char *text = json_dumps(body, JSON_COMPACT);
    agreements_send_as("POST", "/v1/recommendations", agreements_auth_of(ADMIN), NULL, text, &r);
    free(text);
    json_decref(body);
    if (r.status != 201) {
        fprintf(stderr, "# setup: POST /v1/recommendations: %ld %.300s\n", r.status, r.body);
        http_response_free(&r);
        agreements_teardown_group(state);
        return -1;
    }
    snprintf(recommendation_path, sizeof(recommendation_path), "/v1/recommendations/rek-%s", type_slug);
    recommendation_made = true;
    http_response_free(&r);
    return 0;
}

static int teardown(void **state)
{
    int failed = 0;
    if (recommendation_made && delete_if_present(recommendation_path, agreements_auth_of(ADMIN)) != 204) {
        fprintf(stderr, "# teardown: DELETE %s failed\n", recommendation_path);
        failed = -1;
    }
    if (agreements_teardown_group(state) != 0)
        failed = -1;
    return failed;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_agreement_under_notice_is_a_route_until_it_ends),
    };
    return cmocka_run_group_tests_name("agreement_notice_coverage", tests, setup, teardown);
}
