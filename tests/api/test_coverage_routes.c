/*
 * tests/api/test_coverage_routes.c: the routes of coverage, against the real
 * server: an agreement counts only from "aktiv" on and within its term, and
 * still when given notice but not once ended (the first test makes the
 * agreement "aktiv", the last ends it); the routes of each method, best
 * first; what based_on says.
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

static int status_rank(const char *status)
{
    static const char *const order[] = { "tillgänglig", "begränsad", "väntelista", "planerad", "ej tillgänglig" };
    for (int i = 0; status != NULL && i < 5; i++)
        if (strcmp(order[i], status) == 0)
            return i;
    return 99;
}

/* The order of routes: status, then lead time (null last), then cost (null last). */
static int route_compare(const json_t *a, const json_t *b)
{
    int sa = status_rank(json_string_value(json_at(a, "status")));
    int sb = status_rank(json_string_value(json_at(b, "status")));
    if (sa != sb)
        return sa < sb ? -1 : 1;
    const char *keys[] = { "lead_time_weeks", "cost_per_case_sek" };
    for (int k = 0; k < 2; k++) {
        json_t *x = json_at(a, keys[k]), *y = json_at(b, keys[k]);
        bool nx = !json_is_integer(x), ny = !json_is_integer(y);
        if (nx != ny)
            return nx ? 1 : -1;
        if (!nx && json_integer_value(x) != json_integer_value(y))
            return json_integer_value(x) < json_integer_value(y) ? -1 : 1;
    }
    return 0;
}

/* The orderer's cell for kbt-färdighetsträning on a date: the agreement route or nothing. */
static void expect_orderer_kbt(struct expectations *e, const char *on, bool agreement_route, const char *stage)
{
    static const struct cell_expect via_agreement = { AT(M_ORDERER), "kbt-fardighetstraning", "avtalssamverkan",
                                                      "tillgänglig", 0, 25000, O_OWN2 };
    static const struct cell_expect own = { AT(M_OWN), "kbt-fardighetstraning", "egen regi", "tillgänglig", 0,
                                            20000, O_OWN2 };
    struct http_response r = { 0 };
    char label[1200];
    bool own_valid = strcmp(on, "2031-01-01") >= 0 && strcmp(on, "2031-12-31") <= 0;

    snprintf(label, sizeof(label), "agreement %s: orderer %s kbt-fardighetstraning on %s", stage,
             coverage_municipality[M_ORDERER], on);
    if (coverage_get_municipality(e, M_ORDERER, on, &r)) {
        json_t *entry = coverage_type_entry(r.json, "kbt-fardighetstraning");
        if (EXPECT(e, entry != NULL, "%s: type missing", label))
            coverage_expect_route(e, json_at(entry, "best_route"), json_at(entry, "covered"),
                         agreement_route ? &via_agreement : NULL, label);
        json_t *not_covered = json_at(r.json, "summary.not_covered"), *slug;
        size_t i;
        bool listed = false;
        json_array_foreach(not_covered, i, slug)
            listed |= json_is_string(slug) && strcmp(json_string_value(slug), "kbt-fardighetstraning") == 0;
        EXPECT(e, listed != agreement_route, "%s: summary.not_covered %s kbt-fardighetstraning", label,
               listed ? "lists" : "does not list");
    }
    /* The performer delivers it itself whatever the agreement's state. */
    snprintf(label, sizeof(label), "agreement %s: performer %s kbt-fardighetstraning on %s", stage,
             coverage_municipality[M_OWN], on);
    if (coverage_get_municipality(e, M_OWN, on, &r)) {
        json_t *entry = coverage_type_entry(r.json, "kbt-fardighetstraning");
        if (EXPECT(e, entry != NULL, "%s: type missing", label))
            coverage_expect_route(e, json_at(entry, "best_route"), json_at(entry, "covered"), own_valid ? &own : NULL, label);
    }
    http_response_free(&r);
}

/* (b) An agreement counts from "aktiv" on, and only within its term. */
static void test_agreement_counts_only_when_active(void **state)
{
    struct expectations e = { 0 };
    (void)state;
    REQUIRE_CLEAN_COUNTY();

    expect_orderer_kbt(&e, ON_2031, false, "utkast");
    if (coverage_transition(&e, "föreslagen"))
        expect_orderer_kbt(&e, ON_2031, false, "föreslagen");
    if (coverage_transition(&e, "aktiv")) {
        expect_orderer_kbt(&e, ON_2031, true, "aktiv");
        expect_orderer_kbt(&e, "2031-01-01", true, "aktiv, first day");
        expect_orderer_kbt(&e, "2031-12-31", true, "aktiv, last day");
        expect_orderer_kbt(&e, ON_BEFORE_AGREEMENT, false, "aktiv, before valid_from");
        expect_orderer_kbt(&e, ON_AFTER, false, "aktiv, after valid_to");
    }
    assert_int_equal(e.failed, 0);
}

/* (c) The routes each method shows, best first, and the best route is the first of them all. */
static void test_routes_are_ranked(void **state)
{
    static const struct {
        const char *method;
        enum offering_index offering;   /* the one provider route each shows in 2031 (O_OLD ended in 2030) */
    } shown[] = { { "mst", O_V }, { "fft", O_T }, { "bsft", O_T3 }, { "mdft", O_T2 } };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[1200], buf[600], buf2[600];
    (void)state;

    /* Generic: in every answer the best route is the first of all routes shown by status, lead, cost. */
    for (size_t m = 0; m < coverage_municipality_count; m++) {
        if (!coverage_get_municipality(&e, m, ON_2031, &r))
            continue;
        json_t *entry, *method, *route;
        size_t i, j, k;
        json_array_foreach(json_at(r.json, "intervention_types"), i, entry) {
            const json_t *first = NULL;
            snprintf(label, sizeof(label), "municipality %s, %s", coverage_municipality[m],
                     coverage_text_of(json_at(entry, "slug")));
            json_array_foreach(json_at(entry, "methods"), j, method) {
                const json_t *previous = NULL;
                json_array_foreach(json_at(method, "routes"), k, route) {
                    EXPECT(&e, previous == NULL || route_compare(previous, route) <= 0,
                           "%s, method %s: routes out of order: %s", label, coverage_text_of(json_at(method, "slug")),
                           coverage_dump(json_at(method, "routes"), buf, sizeof(buf)));
                    EXPECT(&e, !json_string_is(route, "status", "ej tillgänglig"),
                           "%s: an \"ej tillgänglig\" route is shown", label);
                    if (first == NULL || route_compare(route, first) < 0)
                        first = route;
                    previous = route;
                }
            }
            json_t *best = json_at(entry, "best_route");
            if (first == NULL)
                EXPECT(&e, json_is_null(best), "%s: a best route but no route shown: %s", label,
                       coverage_dump(best, buf, sizeof(buf)));
            else
                EXPECT(&e, json_is_object(best) && route_compare(best, first) == 0,
                       "%s: best route %s, but %s ranks first", label, coverage_dump(best, buf, sizeof(buf)),
                       coverage_dump(first, buf2, sizeof(buf2)));
        }
    }
    if (coverage_county_clean && coverage_get_municipality(&e, M_PLAIN, ON_2031, &r)) {
        json_t *entry = coverage_type_entry(r.json, "familjebehandling"), *method;
        size_t i;
        json_array_foreach(json_at(entry, "methods"), i, method) {
            for (size_t s = 0; s < sizeof(shown) / sizeof(shown[0]); s++) {
                if (!json_string_is(method, "slug", shown[s].method))
                    continue;
                snprintf(label, sizeof(label), "municipality %s, familjebehandling, method %s", coverage_municipality[M_PLAIN],
                         shown[s].method);
                EXPECT(&e, json_array_size(json_at(method, "routes")) == 1
                               && coverage_json_int_is(method, "routes.0.offering_id", coverage_offering_id[shown[s].offering])
                               && json_string_is(method, "routes.0.kind", "utförare"),
                       "%s: routes %s, wanted offering %lld only", label,
                       coverage_dump(json_at(method, "routes"), buf, sizeof(buf)), coverage_offering_id[shown[s].offering]);
                snprintf(buf2, sizeof(buf2), "/v1/methods/%s/providers?county=%s", shown[s].method, coverage_county);
                EXPECT(&e, json_string_is(method, "all_providers", buf2), "%s: all_providers %s, wanted %s", label,
                       coverage_text_of(json_at(method, "all_providers")), buf2);
            }
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- based_on --------------------------------------------------------------------------- */

/* Widens [oldest, newest] by the verified_on of the route's offering (an agreement's too). */
static void widen(const json_t *route, char oldest[16], char newest[16])
{
    char date[16];
    json_t *id = json_at(route, "offering_id");
    if (!json_is_integer(id) || !coverage_verified_on(json_integer_value(id), date))
        return;
    if (oldest[0] == '\0' || strcmp(date, oldest) < 0)
        snprintf(oldest, 16, "%s", date);
    if (newest[0] == '\0' || strcmp(date, newest) > 0)
        snprintf(newest, 16, "%s", date);
}

static void expect_verified(struct expectations *e, const json_t *answer, const char *oldest, const char *newest,
                            const char *label)
{
    char buf[300];
    json_t *got = json_at(answer, "based_on.offerings_verified");
    bool ok = oldest[0] ? json_string_is(got, "oldest", oldest) : json_is_null(json_at(got, "oldest"));
    ok &= newest[0] ? json_string_is(got, "newest", newest) : json_is_null(json_at(got, "newest"));
    EXPECT(e, ok, "%s: based_on.offerings_verified %s, the offerings of its routes were verified %s .. %s", label,
           coverage_dump(got, buf, sizeof(buf)), oldest[0] ? oldest : "null", newest[0] ? newest : "null");
}

/* Weaker than expect_verified: the offerings of the best routes (an agreement's offering too) lie within based_on. */
static void expect_best_routes_within(struct expectations *e, const json_t *answer, const char *label)
{
    const char *oldest = json_string_value(json_at(answer, "based_on.offerings_verified.oldest"));
    const char *newest = json_string_value(json_at(answer, "based_on.offerings_verified.newest"));
    char date[16];
    json_t *entry;
    size_t i;

    json_array_foreach(json_at(answer, "intervention_types"), i, entry) {
        json_t *id = json_at(entry, "best_route.offering_id");
        if (!json_is_integer(id) || !coverage_verified_on(json_integer_value(id), date))
            continue;
        EXPECT(e, oldest != NULL && newest != NULL && strcmp(oldest, date) <= 0 && strcmp(date, newest) <= 0,
               "%s, %s: the best route (%s) rests on offering %lld, verified %s, outside based_on %s .. %s", label,
               coverage_text_of(json_at(entry, "slug")), coverage_text_of(json_at(entry, "best_route.kind")),
               (long long)json_integer_value(id), date, oldest ? oldest : "null", newest ? newest : "null");
    }
}

/* based_on: the oldest and newest verification of the offerings the answer's routes rest on. */
static void test_based_on(void **state)
{
    const char *dates[] = { ON_2031, ON_2030, ON_AFTER };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[1200], oldest[16], newest[16], buf[300];
    (void)state;

    for (size_t d = 0; d < sizeof(dates) / sizeof(dates[0]); d++) {
        for (size_t m = 0; m < coverage_municipality_count; m++) {
            if (!coverage_get_municipality(&e, m, dates[d], &r))
                continue;
            snprintf(label, sizeof(label), "municipality %s on %s", coverage_municipality[m], dates[d]);
            oldest[0] = newest[0] = '\0';
            bool provider_route = false, agreement_route = false;
            json_t *entry, *method, *route;
            size_t i, j, k;
            json_array_foreach(json_at(r.json, "intervention_types"), i, entry) {
                widen(json_at(entry, "best_route"), oldest, newest);
                json_array_foreach(json_at(entry, "methods"), j, method)
                    json_array_foreach(json_at(method, "routes"), k, route) {
                        widen(route, oldest, newest);
                        provider_route |= json_string_is(route, "kind", "utförare");
                        agreement_route |= json_string_is(route, "kind", "avtalssamverkan");
                    }
            }
            expect_verified(&e, r.json, oldest, newest, label);
            expect_best_routes_within(&e, r.json, label);
            json_t *availability = json_at(r.json, "based_on.availability_updated");
            EXPECT(&e, provider_route == json_is_string(json_at(availability, "oldest"))
                           && provider_route == json_is_string(json_at(availability, "newest")),
                   "%s: based_on.availability_updated %s with%s provider routes", label,
                   coverage_dump(availability, buf, sizeof(buf)), provider_route ? "" : "out");
            EXPECT(&e, agreement_route == json_is_string(json_at(r.json, "based_on.agreements_updated")),
                   "%s: based_on.agreements_updated %s with%s agreement routes", label,
                   coverage_dump(json_at(r.json, "based_on.agreements_updated"), buf, sizeof(buf)),
                   agreement_route ? "" : "out");
        }
        if (!coverage_get_county(&e, dates[d], &r))
            continue;
        snprintf(label, sizeof(label), "county %s on %s", coverage_county, dates[d]);
        oldest[0] = newest[0] = '\0';
        json_t *row, *cell;
        const char *key;
        size_t i;
        json_array_foreach(json_at(r.json, "rows"), i, row)
            json_object_foreach(json_at(row, "cells"), key, cell)
                widen(json_at(cell, "best_route"), oldest, newest);
        /* The matrix shows only the best routes, but others were weighed: it must at least span the best. */
        const char *got_oldest = json_string_value(json_at(r.json, "based_on.offerings_verified.oldest"));
        const char *got_newest = json_string_value(json_at(r.json, "based_on.offerings_verified.newest"));
        if (oldest[0] == '\0')
            EXPECT(&e, json_is_null(json_at(r.json, "based_on.offerings_verified.oldest"))
                           == json_is_null(json_at(r.json, "based_on.offerings_verified.newest")),
                   "%s: based_on.offerings_verified %s", label,
                   coverage_dump(json_at(r.json, "based_on.offerings_verified"), buf, sizeof(buf)));
        else
            EXPECT(&e, got_oldest != NULL && got_newest != NULL && strcmp(got_oldest, oldest) <= 0
                           && strcmp(newest, got_newest) <= 0,
                   "%s: based_on.offerings_verified %s does not span the best routes' offerings, verified %s .. %s",
                   label, coverage_dump(json_at(r.json, "based_on.offerings_verified"), buf, sizeof(buf)), oldest, newest);
    }
    if (coverage_county_clean && coverage_get_municipality(&e, M_ORDERER, ON_2031, &r)) {
        /* The agreement's last change. */
        struct http_response agreement = { 0 };
        char path[64];
        snprintf(path, sizeof(path), "/v1/agreements/%lld", coverage_agreement_id);
        coverage_send_as("GET", path, coverage_admin_auth, NULL, NULL, &agreement);
        EXPECT(&e, json_is_string(json_at(agreement.json, "updated_at"))
                       && json_equal(json_at(agreement.json, "updated_at"), json_at(r.json, "based_on.agreements_updated")),
               "municipality %s: based_on.agreements_updated %s, the agreement was updated %s", coverage_municipality[M_ORDERER],
               coverage_text_of(json_at(r.json, "based_on.agreements_updated")), coverage_text_of(json_at(agreement.json, "updated_at")));
        http_response_free(&agreement);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/*
 * An agreement given notice counts until the day the notice gives, not after
 * (sql/0011). Given today, the 12 months' notice runs out before the 2031
 * term: no route in 2031, and "upphört" is refused until that day. (A route
 * under notice before its end is in test_agreement_notice_coverage.c.) Runs last: it
 * gives notice.
 */
static void test_ended_agreements(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[100], etag[ETAG_MAX];
    (void)state;
    REQUIRE_CLEAN_COUNTY();

    if (coverage_transition(&e, "uppsagd")) {
        expect_orderer_kbt(&e, ON_2031, false, "uppsagd, its notice run out before 2031");
        snprintf(path, sizeof(path), "/v1/agreements/%lld", coverage_agreement_id);
        if (!current_etag(path, coverage_admin_auth, etag))
            snprintf(etag, sizeof(etag), "\"none\"");
        snprintf(path, sizeof(path), "/v1/agreements/%lld/transitions", coverage_agreement_id);
        coverage_send_as("POST", path, coverage_admin_auth, etag, "{\"to\":\"upphört\"}", &r);
        if (expect_problem(&e, &r, 409, "/problems/notice-period-running", NULL, "upphört before the notice ends"))
            EXPECT(&e, json_is_string(json_object_get(r.json, "ends_on")), "no ends_on: %.300s", r.body);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agreement_counts_only_when_active),
        cmocka_unit_test(test_routes_are_ranked),
        cmocka_unit_test(test_based_on),
        cmocka_unit_test(test_ended_agreements),
    };
    return cmocka_run_group_tests_name("coverage_routes", tests, coverage_setup_group, coverage_teardown_group);
}
