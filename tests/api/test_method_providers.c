/*
 * tests/api/test_method_providers.c: GET /v1/methods/{slug}/providers, "who
 * can deliver this method in this county", against the real server: the rows
 * of a county (and a municipality), the offerings valid on a date, the sorts,
 * the pages and their links, and the refused queries.
 *
 * The world made by support_providers.c has methods of its own (slugs with
 * the run's tag), so every answer about them is exact, row by row, whatever
 * else the database holds.
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
#include "support_providers.h"

/* The order of availability_status (sql/0006_providers.sql): best first. */
static int status_rank(const char *status)
{
    static const char *const order[] = { "tillgänglig", "begränsad", "väntelista", "planerad", "ej tillgänglig" };
    for (int i = 0; status != NULL && i < 5; i++)
        if (strcmp(order[i], status) == 0)
            return i;
    return 99;
}

/* ---- who can deliver a method in a county ------------------------------------ */

/* The items are exactly the availability rows expected, in that order, each showing its terms. */
static bool expect_rows(struct expectations *e, const json_t *answer, const enum availability_index *expected,
                        size_t count, const char *label)
{
    json_t *items = json_at(answer, "items");
    bool ok = true;
    char *text = json_dumps(items, JSON_COMPACT);

    if (!EXPECT(e, json_is_array(items) && json_array_size(items) == count, "%s: %zu items, wanted %zu: %.900s",
                label, json_array_size(items), count, text ? text : "?"))
        ok = false;
    free(text);
    for (size_t i = 0; i < count && i < json_array_size(items); i++) {
        const json_t *item = json_array_get(items, i);
        const struct availability_fixture *a = &providers_availability_fixtures[expected[i]];
        const struct offering_fixture *o = &providers_offering_fixtures[a->offering];
        char href[64];
        snprintf(href, sizeof(href), "/v1/offerings/%lld", providers_offering_id[a->offering]);
        bool same = json_integer_value(json_at(item, "offering_id")) == providers_offering_id[a->offering]
                    && json_string_is(item, "county", a->county)
                    && (a->municipality ? json_string_is(item, "municipality", a->municipality)
                                        : json_is_null(json_at(item, "municipality")));
        ok &= EXPECT(e, same, "%s: item %zu is offering %lld in %s/%s, wanted offering %lld in %s/%s", label, i,
                     (long long)json_integer_value(json_at(item, "offering_id")),
                     json_string_value(json_at(item, "county")) ? json_string_value(json_at(item, "county")) : "?",
                     json_string_value(json_at(item, "municipality")) ? json_string_value(json_at(item, "municipality"))
                                                                      : "-",
                     providers_offering_id[a->offering], a->county, a->municipality ? a->municipality : "-");
        if (!same)
            continue;
        ok &= EXPECT(e, json_integer_value(json_at(item, "provider.id")) == providers_provider_id[o->provider]
                            && json_string_is(item, "provider.kind", providers_provider_fixtures[o->provider].kind)
                            && json_string_is(item, "provider.home_county", providers_provider_fixtures[o->provider].home_county)
                            && json_is_string(json_at(item, "provider.name")),
                     "%s: item %zu provider", label, i);
        ok &= EXPECT(e, json_string_is(item, "status", a->status), "%s: item %zu status", label, i);
        ok &= EXPECT(e, providers_json_int_is(item, "capacity_cases_per_year", a->capacity), "%s: item %zu capacity", label, i);
        ok &= EXPECT(e, providers_json_int_is(item, "lead_time_weeks", a->lead_time), "%s: item %zu lead time", label, i);
        ok &= EXPECT(e, providers_json_int_is(item, "costs.cost_per_case_sek", o->cost_per_case), "%s: item %zu cost", label,
                     i);
        ok &= EXPECT(e, json_is_object(json_at(item, "costs"))
                            && json_object_size(json_at(item, "costs")) == 4, "%s: item %zu costs", label, i);
        ok &= EXPECT(e, providers_json_is_text(item, "training.days", o->training_days), "%s: item %zu training days", label,
                     i);
        ok &= EXPECT(e, providers_json_is_text(item, "training.for", o->training_for), "%s: item %zu training for", label, i);
        ok &= EXPECT(e, json_string_is(item, "delivery", o->delivery), "%s: item %zu delivery", label, i);
        ok &= EXPECT(e, json_string_is(item, "valid_from", o->valid_from), "%s: item %zu valid_from", label, i);
        ok &= EXPECT(e, o->valid_to ? json_string_is(item, "valid_to", o->valid_to)
                                    : json_is_null(json_at(item, "valid_to")), "%s: item %zu valid_to", label, i);
        ok &= EXPECT(e, json_string_is(item, "href", href), "%s: item %zu href", label, i);
        ok &= EXPECT(e, json_is_string(json_at(item, "availability_updated_at")), "%s: item %zu updated", label, i);
    }
    return ok;
}

/* GETs the method's providers with the query; expects 200 and the rows in order. */
static void expect_method_providers(struct expectations *e, const char *method, const char *query,
                                    const enum availability_index *expected, size_t count)
{
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[PATH_MAX_LENGTH + 8];

    snprintf(path, sizeof(path), "/v1/methods/%s/providers%s%s", method, query[0] ? "?" : "", query);
    snprintf(label, sizeof(label), "GET %s", path);
    providers_get(path, &r);
    if (expect_json(e, &r, 200, label)) {
        expect_rows(e, r.json, expected, count, label);
        EXPECT(e, json_integer_value(json_at(r.json, "total")) == (json_int_t)count, "%s: total %lld", label,
               (long long)json_integer_value(json_at(r.json, "total")));
        EXPECT(e, json_string_is(r.json, "method", method), "%s: method", label);
        EXPECT(e, json_is_null(json_at(r.json, "next")), "%s: next is not null", label);
        EXPECT(e, json_is_object(json_at(r.json, "based_on")), "%s: no based_on", label);
    }
    http_response_free(&r);
}

#define ROWS(...) ((const enum availability_index[]){ __VA_ARGS__ }), \
                  sizeof((const enum availability_index[]){ __VA_ARGS__ }) / sizeof(enum availability_index)

static void test_method_providers_in_a_county(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    (void)state;

    /* Today: the old offering (valid_to 2020-12-31) is gone; status order, then lead time. */
    expect_method_providers(&e, providers_method_m, "county=03", ROWS(AV1, AV3, AV5));
    expect_method_providers(&e, providers_method_m, "county=01", ROWS(AV4, AV2));
    expect_method_providers(&e, providers_method_m, "", ROWS(AV4, AV1, AV3, AV2, AV5));
    expect_method_providers(&e, providers_method_m2, "county=04", ROWS(AV7));
    expect_method_providers(&e, providers_method_m, "county=04", NULL, 0);
    expect_method_providers(&e, providers_method_m, "county=25", NULL, 0);

    snprintf(path, sizeof(path), "/v1/methods/%s/providers?county=03", providers_method_m);
    providers_get(path, &r);
    if (expect_json(&e, &r, 200, path)) {
        EXPECT(&e, json_string_is(r.json, "county", "03"), "county echoed");
        EXPECT(&e, json_string_is(r.json, "sort", "availability"), "default sort");
        EXPECT(&e, json_integer_value(json_at(r.json, "limit")) == 50, "default limit");
        EXPECT(&e, json_integer_value(json_at(r.json, "offset")) == 0, "default offset");
        EXPECT(&e, json_string_is(r.json, "based_on.offerings_verified.oldest", "2025-03-01"),
               "based_on.offerings_verified.oldest: %.600s", r.body);
        EXPECT(&e, json_is_string(json_at(r.json, "based_on.availability_updated.newest")), "based_on.availability");
        const char *on = json_string_value(json_at(r.json, "on"));
        EXPECT(&e, on != NULL && strlen(on) == 10, "on is the day used: %s", on ? on : "(none)");
    }

    /* The "ej tillgänglig" row of method_m2 in 05: if it is listed, it comes last and says so. */
    snprintf(path, sizeof(path), "/v1/methods/%s/providers?county=05", providers_method_m2);
    providers_get(path, &r);
    if (expect_json(&e, &r, 200, path)) {
        json_t *items = json_at(r.json, "items");
        if (json_array_size(items) > 0) {
            fprintf(stderr, "# note: %s lists an offering whose availability there is \"ej tillgänglig\"; "
                    "/v1/providers?county= and /v1/offerings?county= leave such rows out\n", path);
            EXPECT(&e, json_string_is(json_array_get(items, json_array_size(items) - 1), "status", "ej tillgänglig"),
                   "an unavailable row is listed and is not last");
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_method_providers_on_a_date(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    (void)state;

    /* valid_from and valid_to are both inclusive. */
    expect_method_providers(&e, providers_method_m, "county=03&on=2018-12-31", NULL, 0);
    expect_method_providers(&e, providers_method_m, "county=03&on=2019-01-01", ROWS(AV0));
    expect_method_providers(&e, providers_method_m, "county=03&on=2020-01-01", ROWS(AV0));
    expect_method_providers(&e, providers_method_m, "county=03&on=2020-12-31", ROWS(AV0));
    expect_method_providers(&e, providers_method_m, "county=03&on=2021-01-01", NULL, 0);
    expect_method_providers(&e, providers_method_m, "county=03&on=2024-01-01", ROWS(AV3));
    expect_method_providers(&e, providers_method_m, "county=03&on=2024-05-31", ROWS(AV3));
    expect_method_providers(&e, providers_method_m, "county=03&on=2024-06-01", ROWS(AV3, AV5));
    expect_method_providers(&e, providers_method_m, "county=03&on=2024-12-31", ROWS(AV3, AV5));
    expect_method_providers(&e, providers_method_m, "county=03&on=2025-01-01", ROWS(AV1, AV3, AV5));
    expect_method_providers(&e, providers_method_m, "county=01&on=2020-01-01", NULL, 0);
    expect_method_providers(&e, providers_method_m, "on=2020-06-15", ROWS(AV0));
    expect_method_providers(&e, providers_method_m, "county=03&on=2099-12-31", ROWS(AV1, AV3, AV5));

    snprintf(path, sizeof(path), "/v1/methods/%s/providers?county=03&on=2020-01-01", providers_method_m);
    providers_get(path, &r);
    if (expect_json(&e, &r, 200, path))
        EXPECT(&e, json_string_is(r.json, "on", "2020-01-01"), "on echoed: %.200s", r.body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Each item's key for a sort; false when it is null (sorted last). */
static bool sort_key(const json_t *item, const char *sort, double *out)
{
    json_t *value;

    if (strcmp(sort, "availability") == 0) {
        *out = status_rank(json_string_value(json_at(item, "status")));
        return true;
    }
    value = json_at(item, strcmp(sort, "cost") == 0            ? "costs.cost_per_case_sek"
                          : strcmp(sort, "training_days") == 0 ? "training.days"
                                                               : "lead_time_weeks");
    if (!json_is_number(value))
        return false;
    *out = json_number_value(value);
    return true;
}

/* The items are in non-decreasing order of the sort's key, with nulls last. */
static bool expect_sorted(struct expectations *e, const json_t *items, const char *sort, const char *label)
{
    bool ok = true, seen_null = false;
    double previous = -1e300;
    size_t i;
    json_t *item;

    json_array_foreach(items, i, item) {
        double key;
        if (!sort_key(item, sort, &key)) {
            seen_null = true;
            continue;
        }
        ok &= EXPECT(e, !seen_null, "%s: item %zu has a %s after a null", label, i, sort);
        ok &= EXPECT(e, key >= previous, "%s: item %zu's %s %g comes after %g", label, i, sort, key, previous);
        previous = key;
    }
    return ok;
}

static void test_method_providers_sorts(void **state)
{
    static const struct {
        const char *query;
        bool all_counties;
        enum availability_index rows[5];
        size_t count;
    } cases[] = {
        { "county=03&sort=availability", false, { AV1, AV3, AV5 }, 3 },
        { "county=03&sort=cost", false, { AV5, AV1, AV3 }, 3 },
        { "county=03&sort=training_days", false, { AV5, AV3, AV1 }, 3 },
        { "county=03&sort=lead_time", false, { AV3, AV1, AV5 }, 3 },
        { "sort=availability", true, { AV4, AV1, AV3, AV2, AV5 }, 5 },
        { "sort=cost", true, { AV5, AV1, AV2, AV4, AV3 }, 5 },
        { "sort=training_days", true, { AV5, AV4, AV3, AV1, AV2 }, 5 },
        { "sort=lead_time", true, { AV4, AV3, AV1, AV2, AV5 }, 5 },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        expect_method_providers(&e, providers_method_m, cases[i].query, cases[i].rows, cases[i].count);
        snprintf(path, sizeof(path), "/v1/methods/%s/providers?%s", providers_method_m, cases[i].query);
        providers_get(path, &r);
        if (expect_json(&e, &r, 200, path)) {
            const char *sort = strstr(cases[i].query, "sort=") + 5;
            expect_sorted(&e, json_at(r.json, "items"), sort, path);
            EXPECT(&e, json_string_is(r.json, "sort", sort), "%s: sort echoed", path);
        }
    }
    /* The same orders hold over whatever else the database holds, e.g. example data for a seeded method. */
    static const char *const sorts[] = { "availability", "cost", "training_days", "lead_time" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "/v1/methods/mst/providers?sort=%s&limit=200", sorts[i]);
        providers_get(path, &r);
        if (expect_json(&e, &r, 200, path))
            expect_sorted(&e, json_at(r.json, "items"), sorts[i], path);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_method_providers_pages(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[PATH_MAX_LENGTH + 32];
    static const enum availability_index by_cost[] = { AV5, AV1, AV2, AV4, AV3 };
    json_t *all = json_array();
    int pages = 0;
    (void)state;

    snprintf(path, sizeof(path), "/v1/methods/%s/providers?sort=cost&limit=2", providers_method_m);
    while (path[0] != '\0' && pages < 10) {
        snprintf(label, sizeof(label), "page %d: %s", pages, path);
        providers_get(path, &r);
        if (!expect_json(&e, &r, 200, label))
            break;
        EXPECT(&e, json_integer_value(json_at(r.json, "limit")) == 2, "%s: limit", label);
        EXPECT(&e, json_integer_value(json_at(r.json, "offset")) == 2 * pages, "%s: offset %lld", label,
               (long long)json_integer_value(json_at(r.json, "offset")));
        EXPECT(&e, json_integer_value(json_at(r.json, "total")) == 5, "%s: total", label);
        EXPECT(&e, json_array_size(json_at(r.json, "items")) == (pages < 2 ? 2u : 1u), "%s: %zu items", label,
               json_array_size(json_at(r.json, "items")));
        EXPECT(&e, json_string_is(r.json, "sort", "cost"), "%s: the sort is carried", label);
        json_array_extend(all, json_at(r.json, "items"));
        const char *next = json_string_value(json_at(r.json, "next"));
        pages++;
        if (next == NULL) {
            EXPECT(&e, json_is_null(json_at(r.json, "next")), "%s: next neither link nor null", label);
            path[0] = '\0';
        } else {
            char offset[32];
            snprintf(offset, sizeof(offset), "offset=%d", 2 * pages);
            EXPECT(&e, strstr(next, "sort=cost") != NULL && strstr(next, "limit=2") != NULL
                           && strlen(next) >= strlen(offset) && strcmp(next + strlen(next) - strlen(offset), offset) == 0
                           && strncmp(next, "/v1/methods/", 12) == 0,
                   "%s: next link \"%s\"", label, next);
            snprintf(path, sizeof(path), "%s", next);
        }
    }
    EXPECT(&e, pages == 3, "%d pages, wanted 3", pages);
    json_t *whole = json_pack("{s:O}", "items", all);
    expect_rows(&e, whole, by_cost, 5, "the pages together");
    json_decref(whole);
    json_decref(all);

    /* Past the end, and at the largest limit. */
    snprintf(path, sizeof(path), "/v1/methods/%s/providers?offset=5", providers_method_m);
    providers_get(path, &r);
    if (expect_json(&e, &r, 200, path)) {
        EXPECT(&e, json_array_size(json_at(r.json, "items")) == 0, "%s: items past the end", path);
        EXPECT(&e, json_integer_value(json_at(r.json, "total")) == 5, "%s: total", path);
        EXPECT(&e, json_is_null(json_at(r.json, "next")), "%s: next", path);
    }
    snprintf(path, sizeof(path), "/v1/methods/%s/providers?limit=200&offset=100000", providers_method_m);
    providers_get(path, &r);
    expect_json(&e, &r, 200, path);
    snprintf(path, sizeof(path), "/v1/methods/%s/providers?limit=4", providers_method_m);
    providers_get(path, &r);
    if (expect_json(&e, &r, 200, path)) {
        const char *next = json_string_value(json_at(r.json, "next"));
        EXPECT(&e, next != NULL && strstr(next, "offset=4") != NULL, "%s: next %s", path, next ? next : "(null)");
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_method_providers_bad_requests(void **state)
{
    static const struct { const char *query; const char *field; } bad[] = {
        { "county=3", "county" },
        { "county=003", "county" },
        { "county=ab", "county" },
        { "county=", "county" },
        { "sort=price", "sort" },
        { "sort=Cost", "sort" },
        { "sort=", "sort" },
        { "on=2020-13-01", "on" },
        { "on=2021-02-29", "on" },
        { "on=2020-1-1", "on" },
        { "on=yesterday", "on" },
        { "on=2020-01-01T00:00:00Z", "on" },
        { "limit=0", "limit" },
        { "limit=201", "limit" },
        { "limit=-1", "limit" },
        { "limit=abc", "limit" },
        { "limit=05", "limit" },
        { "offset=-1", "offset" },
        { "offset=100001", "offset" },
        { "offset=x", "offset" },
        { "page=2", "page" },
        { "county=03&sort=price&limit=0", "sort" },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(path, sizeof(path), "/v1/methods/%s/providers?%s", providers_method_m, bad[i].query);
        providers_get(path, &r);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", bad[i].field, path);
    }
    snprintf(path, sizeof(path), "/v1/methods/tp-no-such-method-%s/providers", providers_tag);
    providers_get(path, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, path);
    snprintf(path, sizeof(path), "/v1/methods/tp-no-such-method-%s/providers?county=03&on=2020-01-01", providers_tag);
    providers_get(path, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, path);
    providers_get("/v1/methods/Not_A_Slug/providers", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "a method path that is no slug");
    /* A county code that names no county is a 404 naming the parameter, not an empty list. */
    snprintf(path, sizeof(path), "/v1/methods/%s/providers?county=99&sort=cost", providers_method_m);
    providers_get(path, &r);
    if (expect_problem(&e, &r, 404, "/problems/not-found", "county", path))
        EXPECT(&e, json_string_is(r.json, "detail", "No county has the code \"99\"."), "%s: %.300s", path, r.body);
    /* With both missing, the method in the path is the one named. */
    snprintf(path, sizeof(path), "/v1/methods/tp-no-such-method-%s/providers?county=99", providers_tag);
    providers_get(path, &r);
    if (expect_problem(&e, &r, 404, "/problems/not-found", NULL, path))
        EXPECT(&e, json_at(r.json, "errors") == NULL && strstr(r.body, "No method has the slug") != NULL,
               "%s: %.300s", path, r.body);
    snprintf(path, sizeof(path), "/v1/methods/%s/providers", providers_method_m);
    providers_send_as("POST", path, providers_admin_auth, NULL, "{}", &r);
    expect_problem(&e, &r, 405, "/problems/method-not-allowed", NULL, "POST to the providers of a method");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method_providers_in_a_county),
        cmocka_unit_test(test_method_providers_on_a_date),
        cmocka_unit_test(test_method_providers_sorts),
        cmocka_unit_test(test_method_providers_pages),
        cmocka_unit_test(test_method_providers_bad_requests),
    };
    return cmocka_run_group_tests_name("method providers", tests, providers_world_create, providers_world_destroy);
}
