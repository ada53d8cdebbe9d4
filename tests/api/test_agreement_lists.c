/*
 * tests/api/test_agreement_lists.c: who sees an agreement and how lists filter
 * them, against the real server: a draft is seen only by its parties and
 * admin; every list filter, and the refused ones. Nothing assumes global
 * counts: lists are compared only on the agreements this run made.
 *
 * The world (its type, methods and keys) and the helpers are in
 * support_agreements.{c,h}; each binary makes and removes its own.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#include <pthread.h>
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
#include "support_agreements.h"

/* ---- who sees a draft ------------------------------------------------------- */

static void expect_visibility(struct expectations *e, long long id, const bool visible[WHO_COUNT], const char *when)
{
    struct http_response r = { 0 };
    char path[64], label[300], list[PATH_MAX_LENGTH];

    agreements_agreement_path(id, path);
    for (int w = 0; w < WHO_COUNT; w++) {
        snprintf(label, sizeof(label), "%s: GET as %s", when, agreements_who_label[w]);
        agreements_get_as(path, (enum who)w, &r);
        if (visible[w])
            expect_json(e, &r, 200, label);
        else
            expect_problem(e, &r, 404, "/problems/not-found", NULL, label);

        static const char *const lists[] = {
            "/v1/agreements?municipality=0381", "/v1/municipalities/0380/agreements",
            "/v1/agreements?method=@M@&county=03", "/v1/municipalities/0381/agreements?method=@M@",
        };
        for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
            agreements_expand(lists[l], list, sizeof(list));
            snprintf(label, sizeof(label), "%.60s: %.200s as %.30s", when, list, agreements_who_label[w]);
            agreements_expect_listed(e, list, (enum who)w, id, visible[w], label);
        }
    }
    http_response_free(&r);
}

static void test_draft_visibility(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64];
    (void)state;

    long long id = agreements_create_as(KEY_A, BASE_EQUAL, "{'title': 'TA @W@ synlighet'}", &r);
    if (!agreements_expect_written(&e, &r, 201, "a draft by 0381"))
        goto done;
    agreements_agreement_path(id, path);

    static const bool draft[WHO_COUNT] = { [ADMIN] = true, [KEY_A] = true, [KEY_B] = true };
    static const bool everyone[WHO_COUNT] = { true, true, true, true, true, true, true };
    expect_visibility(&e, id, draft, "a draft");

    /* The status filter does not open drafts either; nor can a client name itself the viewer. */
    agreements_expect_listed(&e, "/v1/agreements?status=utkast", NOBODY, id, false, "status=utkast for the public");
    agreements_expect_listed(&e, "/v1/agreements?status=utkast", KEY_X, id, false, "status=utkast for a non-party");
    agreements_expect_listed(&e, "/v1/agreements?status=utkast", KEY_B, id, true, "status=utkast for a party");
    agreements_get_as("/v1/agreements?viewer=admin", NOBODY, &r);
    expect_problem(&e, &r, 400, "/problems/invalid-parameter", NULL, "a client naming the viewer");
    agreements_get_as("/v1/municipalities/0381/agreements?viewer=0381", NOBODY, &r);
    expect_problem(&e, &r, 400, "/problems/invalid-parameter", NULL, "a client naming the viewer (municipality)");
    /* A key that is sent must be valid, even on a read. */
    agreements_send_as("GET", path, "Bearer ik_1_not-a-secret", NULL, NULL, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "GET of the draft with a wrong key");
    agreements_send_as("GET", "/v1/agreements", "Bearer ik_1_not-a-secret", NULL, NULL, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "the list with a wrong key");
    /* Nor can a non-party reach it by writing: it is not theirs. */
    char *before = agreements_db_state();
    agreements_write_as("PATCH", id, "", KEY_X, "{'title': 'TA @W@ kapad'}", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "a non-party's PATCH of a draft");
    expect_unchanged(&e, agreements_db_state, before, "a non-party's PATCH of a draft");
    free(before);

    /* From föreslagen on, the agreement is public. */
    agreements_transition(id, "föreslagen", KEY_B, &r);
    if (agreements_expect_written(&e, &r, 200, "the draft is proposed"))
        expect_visibility(&e, id, everyone, "a proposed agreement");

    /* Back to a draft, hidden again. */
    agreements_transition(id, "utkast", KEY_A, &r);
    if (agreements_expect_written(&e, &r, 200, "the proposal goes back to a draft"))
        expect_visibility(&e, id, draft, "a draft again");
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- lists ------------------------------------------------------------------ */

enum { F1, F2, F3, F4, F5, F_COUNT };
static long long filter_ids[F_COUNT];

/*
 * F1 aktiv, 0381 for 0380 (county 03), method M, from 2024, until further notice.
 * F2 föreslagen, 0180 for 0114 (county 01), intervention type T (covering M), 2025-2027.
 * F3 aktiv but ended by the calendar (2020-2021), 0381 for 1480 (counties 03 and 14), method M2.
 * F4 uppsagd, 0380 for 0360 (03), method M2, 2023-2030; 120 months' notice, so the notice given today runs
 *    past valid_to and the agreement stays in force to the end of 2030.
 * F5 a draft, 0381 for 0380, method M.
 */
static const struct {
    const char *overlay;
    const char *path[3];   /* transitions, in order */
} filter_fixtures[F_COUNT] = {
    [F1] = { "{'title': 'TA @W@ F1', 'valid_from': '2024-01-01', 'parties': [" PA_DEC ", " PB_DEC "]}",
             { "föreslagen", "aktiv" } },
    [F2] = { "{'title': 'TA @W@ F2', 'valid_from': '2025-01-01', 'valid_to': '2027-12-31', 'methods': null, "
             "'intervention_types': ['@T@'], 'parties': [{'municipality': '0180', 'role': 'utförare'}, "
             "{'municipality': '0114', 'role': 'beställare'}]}",
             { "föreslagen" } },
    [F3] = { "{'title': 'TA @W@ F3', 'valid_from': '2020-01-01', 'valid_to': '2021-12-31', 'methods': ['@M2@'], "
             "'parties': [" PA_DEC ", {'municipality': '1480', 'role': 'beställare', 'decision': " DEC_SN "}]}",
             { "föreslagen", "aktiv" } },
    [F4] = { "{'title': 'TA @W@ F4', 'valid_from': '2023-01-01', 'valid_to': '2030-12-31', 'methods': ['@M2@'], "
             "'notice_period_months': 120, "
             "'parties': [{'municipality': '0380', 'role': 'utförare', 'decision': " DEC_KS "}, " PC_DEC "]}",
             { "föreslagen", "aktiv", "uppsagd" } },
    [F5] = { "{'title': 'TA @W@ F5'}", { NULL } },
};

struct filter_row {
    const char *path;       /* template */
    enum who as;
    const char *expected;   /* digits of F1..F5 */
};

static const struct filter_row filter_rows[] = {
    { "/v1/agreements", ADMIN, "12345" },
    { "/v1/agreements", NOBODY, "1234" },
    { "/v1/agreements", KEY_X, "1234" },
    { "/v1/agreements", KEY_B, "12345" },
    { "/v1/agreements?municipality=0381", ADMIN, "135" },
    { "/v1/agreements?municipality=0381", NOBODY, "13" },
    { "/v1/agreements?municipality=0180", ADMIN, "2" },
    { "/v1/agreements?municipality=0360", ADMIN, "4" },
    { "/v1/agreements?municipality=1480", NOBODY, "3" },
    { "/v1/agreements?county=03", ADMIN, "1345" },
    { "/v1/agreements?county=03", NOBODY, "134" },
    { "/v1/agreements?county=01", ADMIN, "2" },
    { "/v1/agreements?county=14", ADMIN, "3" },
    { "/v1/agreements?county=25", ADMIN, "" },
    { "/v1/agreements?method=@M@", ADMIN, "125" },
    { "/v1/agreements?method=@M@", NOBODY, "12" },
    { "/v1/agreements?method=@M2@", ADMIN, "34" },
    { "/v1/agreements?method=bsft", ADMIN, "" },
    { "/v1/agreements?status=aktiv", ADMIN, "1" },
    { "/v1/agreements?status=upph%C3%B6rt", ADMIN, "3" },
    { "/v1/agreements?status=f%C3%B6reslagen", NOBODY, "2" },
    { "/v1/agreements?status=uppsagd", ADMIN, "4" },
    { "/v1/agreements?status=utkast", ADMIN, "5" },
    { "/v1/agreements?status=utkast", KEY_A, "5" },
    { "/v1/agreements?status=utkast", NOBODY, "" },
    { "/v1/agreements?active_on=2021-06-01", ADMIN, "3" },
    { "/v1/agreements?active_on=2025-06-01", ADMIN, "14" },
    { "/v1/agreements?active_on=2031-01-01", ADMIN, "1" },
    { "/v1/agreements?active_on=2019-12-31", ADMIN, "" },
    { "/v1/agreements?municipality=0381&status=aktiv", ADMIN, "1" },
    { "/v1/agreements?county=03&method=@M2@", ADMIN, "34" },
    { "/v1/agreements?method=@M@&active_on=2025-06-01", ADMIN, "1" },
    { "/v1/agreements?municipality=0380&method=@M2@&status=uppsagd&active_on=2029-01-01", ADMIN, "4" },
    { "/v1/agreements?municipality=0381&limit=1", ADMIN, "135" },
    { "/v1/municipalities/0381/agreements", ADMIN, "135" },
    { "/v1/municipalities/0381/agreements", NOBODY, "13" },
    { "/v1/municipalities/0381/agreements", KEY_A, "135" },
    { "/v1/municipalities/0381/agreements", KEY_C, "13" },
    { "/v1/municipalities/0114/agreements", NOBODY, "2" },
    { "/v1/municipalities/0360/agreements", NOBODY, "4" },
    { "/v1/municipalities/0381/agreements?status=upph%C3%B6rt", NOBODY, "3" },
    { "/v1/municipalities/0381/agreements?method=@M@", ADMIN, "15" },
    { "/v1/municipalities/0381/agreements?county=14", ADMIN, "3" },
    { "/v1/municipalities/0381/agreements?active_on=2021-06-01", ADMIN, "3" },
    { "/v1/municipalities/0381/agreements?limit=1", KEY_B, "135" },
    { "/v1/municipalities/0580/agreements", NOBODY, "" },
};

struct bad_list_row {
    const char *path;
    long status;
    const char *type;
};

static const struct bad_list_row bad_list_rows[] = {
    { "/v1/municipalities/9999/agreements", 404, "/problems/not-found" },
    { "/v1/municipalities/abc/agreements", 404, "/problems/not-found" },
    { "/v1/agreements?municipality=9999", 404, "/problems/not-found" },
    { "/v1/agreements?municipality=abc", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?county=3", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?method=Inte_En_Slug", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?status=avslutat", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?active_on=2025-13-01", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?active_on=idag", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?colour=blue", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?limit=0", 400, "/problems/invalid-parameter" },
    { "/v1/municipalities/0381/agreements?municipality=0380", 400, "/problems/invalid-parameter" },
    { "/v1/municipalities/0381/agreements?status=bogus", 400, "/problems/invalid-parameter" },
};

static bool create_filter_world(struct expectations *e)
{
    struct http_response r = { 0 };
    bool ok = true;

    for (int f = 0; f < F_COUNT && ok; f++) {
        char label[100];
        snprintf(label, sizeof(label), "filter agreement F%d", f + 1);
        filter_ids[f] = agreements_create_as(ADMIN, BASE_EQUAL, filter_fixtures[f].overlay, &r);
        ok = agreements_expect_written(e, &r, 201, label);
        for (int t = 0; ok && t < 3 && filter_fixtures[f].path[t] != NULL; t++) {
            agreements_transition(filter_ids[f], filter_fixtures[f].path[t], ADMIN, &r);
            ok = agreements_expect_written(e, &r, 200, label);
        }
    }
    http_response_free(&r);
    return ok;
}

static void test_list_filters(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[PATH_MAX_LENGTH + 60];
    (void)state;

    if (!create_filter_world(&e))
        goto done;

    /* The effective status: an active agreement whose term has passed has ended. */
    agreements_agreement_path(filter_ids[F3], path);
    agreements_get_as(path, NOBODY, &r);
    if (expect_json(&e, &r, 200, "F3")) {
        EXPECT(&e, json_string_is(r.json, "status", "aktiv"), "F3 status: %.300s", r.body);
        EXPECT(&e, json_string_is(r.json, "effective_status", "upphört"), "F3 effective_status: %.300s", r.body);
    }
    agreements_agreement_path(filter_ids[F1], path);
    agreements_get_as(path, NOBODY, &r);
    if (expect_json(&e, &r, 200, "F1"))
        EXPECT(&e, json_string_is(r.json, "effective_status", "aktiv"), "F1 effective_status: %.300s", r.body);
    agreements_agreement_path(filter_ids[F4], path);
    agreements_get_as(path, NOBODY, &r);
    if (expect_json(&e, &r, 200, "F4"))
        EXPECT(&e, json_string_is(r.json, "effective_status", "uppsagd"), "F4 effective_status: %.300s", r.body);

    for (size_t i = 0; i < sizeof(filter_rows) / sizeof(filter_rows[0]); i++) {
        const struct filter_row *row = &filter_rows[i];
        agreements_expand(row->path, path, sizeof(path));
        snprintf(label, sizeof(label), "%s as %s", path, agreements_who_label[row->as]);
        json_t *items = json_array();
        if (agreements_walk_as(&e, path, row->as, items, label) >= 0) {
            for (int f = 0; f < F_COUNT; f++) {
                bool wanted = strchr(row->expected, '1' + f) != NULL;
                EXPECT(&e, agreements_items_hold(items, filter_ids[f]) == wanted, "%s: F%d (%lld) %s", label, f + 1,
                       filter_ids[f], wanted ? "is missing" : "is listed but should not be");
            }
            /* Every item is an agreement the viewer may see, each once, in id order. */
            size_t k;
            json_t *item;
            long long previous = 0;
            json_array_foreach(items, k, item) {
                long long id = json_integer_value(json_object_get(item, "id"));
                EXPECT(&e, id > previous, "%s: ids not increasing at %lld", label, id);
                previous = id;
                if (row->as == NOBODY || row->as == KEY_P || (row->as == KEY_X && agreements_party_of(item, CODE_X) == NULL))
                    EXPECT(&e, !json_string_is(item, "status", "utkast"), "%s: a draft (%lld) is listed", label, id);
            }
        }
        json_decref(items);
    }
    for (size_t i = 0; i < sizeof(bad_list_rows) / sizeof(bad_list_rows[0]); i++) {
        agreements_get_as(bad_list_rows[i].path, NOBODY, &r);
        expect_problem(&e, &r, bad_list_rows[i].status, bad_list_rows[i].type, NULL, bad_list_rows[i].path);
    }
    /* An agreement that does not exist, or a path that cannot name one. */
    agreements_get_as("/v1/agreements/999999999999", ADMIN, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "GET of an agreement that does not exist");
    agreements_get_as("/v1/agreements/abc", ADMIN, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "GET /v1/agreements/abc");
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draft_visibility),
        cmocka_unit_test(test_list_filters),
    };
    return cmocka_run_group_tests_name("agreement_lists", tests, agreements_setup_group, agreements_teardown_group);
}
