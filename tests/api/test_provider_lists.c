/*
 * tests/api/test_provider_lists.c: the lists of providers and offerings,
 * against the real server: GET /v1/providers with its filters (q, kind,
 * county, method), GET /v1/offerings and GET /v1/counties/{code}/offerings
 * with theirs, every page walked, and the refused parameters.
 *
 * The world made by support_providers.c is compared exactly: a list must hold
 * each of this run's records it should, once, and none of the others (records
 * of other runs are ignored).
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

/* ---- checks -------------------------------------------------------------- */

/* GETs path and every "next" link after it, appending the items to items; returns pages read or -1. */
static int walk(struct expectations *e, const char *path, json_t *items, const char *label)
{
    struct http_response r = { 0 };
    char next[PATH_MAX_LENGTH];
    int pages = 0;

    snprintf(next, sizeof(next), "%s", path);
    while (pages < 100) {
        providers_get(next, &r);
        pages++;
        if (!expect_json(e, &r, 200, label) || !EXPECT(e, json_is_array(json_at(r.json, "items")),
                                                       "%s: no items: %.300s", label, r.body)) {
            pages = -1;
            break;
        }
        json_array_extend(items, json_at(r.json, "items"));
        const char *link = json_string_value(json_at(r.json, "next"));
        if (link == NULL) {
            EXPECT(e, json_is_null(json_at(r.json, "next")), "%s: next is neither a link nor null", label);
            break;
        }
        if (!EXPECT(e, strlen(link) < sizeof(next) && link[0] == '/', "%s: next link \"%s\"", label, link)) {
            pages = -1;
            break;
        }
        snprintf(next, sizeof(next), "%s", link);
    }
    http_response_free(&r);
    return pages;
}

static bool in_list(long long id, const long long *ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/*
 * The items' ids (at id_path), restricted to universe (NULL: all), are
 * exactly expected, each once.
 */
static bool expect_id_set(struct expectations *e, const json_t *items, const char *id_path, const long long *expected,
                          size_t expected_count, const long long *universe, size_t universe_count, const char *label)
{
    size_t i;
    json_t *item;
    bool ok = true;
    long long seen[CREATED_MAX];
    size_t seen_count = 0;

    json_array_foreach(items, i, item) {
        json_t *value = json_at(item, id_path);
        if (!EXPECT(e, json_is_integer(value), "%s: item %zu has no integer %s", label, i, id_path)) {
            ok = false;
            continue;
        }
        long long id = json_integer_value(value);
        if (universe != NULL && !in_list(id, universe, universe_count))
            continue;
        ok &= EXPECT(e, in_list(id, expected, expected_count), "%s: %s %lld is listed but should not be", label,
                     id_path, id);
        ok &= EXPECT(e, !in_list(id, seen, seen_count), "%s: %s %lld is listed twice", label, id_path, id);
        if (seen_count < CREATED_MAX)
            seen[seen_count++] = id;
    }
    for (i = 0; i < expected_count; i++)
        ok &= EXPECT(e, in_list(expected[i], seen, seen_count), "%s: %s %lld is missing", label, id_path,
                     expected[i]);
    return ok;
}

/* ---- lists -------------------------------------------------------------------- */

/* An id list and its length, for expect_list. */
#define LIST(...) ((const long long[]){ __VA_ARGS__ }), sizeof((const long long[]){ __VA_ARGS__ }) / sizeof(long long)

static void expect_list(struct expectations *e, const char *path, const char *id_path, const long long *expected,
                        size_t count, const long long *universe, size_t universe_count)
{
    json_t *items = json_array();
    if (walk(e, path, items, path) > 0)
        expect_id_set(e, items, id_path, expected, count, universe, universe_count, path);
    json_decref(items);
}

static void test_provider_list_filters(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    const long long *mine = providers_provider_id;
    const long long a = providers_provider_id[P_A], b = providers_provider_id[P_B], k = providers_provider_id[P_K], x = providers_provider_id[P_E];
    json_t *items;
    size_t i;
    json_t *item;
    (void)state;

    snprintf(path, sizeof(path), "/v1/providers?q=%s&limit=2", providers_word);
    expect_list(&e, path, "id", LIST(a, b, k, x), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?q=%s%%20alfa", providers_word);
    expect_list(&e, path, "id", LIST(a), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?q=%s&kind=kommun", providers_word);
    expect_list(&e, path, "id", LIST(k), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?q=%s&kind=id%%C3%%A9buren", providers_word);
    expect_list(&e, path, "id", LIST(b), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?q=%s&county=03", providers_word);
    expect_list(&e, path, "id", LIST(a, b, k), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?q=%s&county=01", providers_word);
    expect_list(&e, path, "id", LIST(a, b), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?q=%s&county=04", providers_word);
    expect_list(&e, path, "id", LIST(k), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?q=%s&county=06", providers_word);
    expect_list(&e, path, "id", NULL, 0, NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?method=%s", providers_method_m);
    expect_list(&e, path, "id", LIST(a, b, k), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?method=%s", providers_method_m2);
    expect_list(&e, path, "id", LIST(k), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?method=%s&county=01", providers_method_m);
    expect_list(&e, path, "id", LIST(a, b), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?method=%s&kind=privat", providers_method_m);
    expect_list(&e, path, "id", LIST(a), NULL, 0);
    snprintf(path, sizeof(path), "/v1/providers?method=tp-no-such-method-%s", providers_tag);
    expect_list(&e, path, "id", NULL, 0, NULL, 0);
    /* "ej tillgänglig" is not available: K's only row in 05 says so. */
    expect_list(&e, "/v1/providers?county=05&limit=200", "id", NULL, 0, mine, PROVIDER_COUNT);
    expect_list(&e, "/v1/providers?county=03&limit=200", "id", LIST(a, b, k), mine, PROVIDER_COUNT);
    expect_list(&e, "/v1/providers?kind=universitet&limit=200", "id", LIST(x), mine, PROVIDER_COUNT);

    /* Every item of a kind= list has that kind. */
    items = json_array();
    /* The world has a kommun provider: an empty list would pass the check below without testing it. */
    if (walk(&e, "/v1/providers?kind=kommun&limit=200", items, "kind=kommun") > 0
        && EXPECT(&e, json_array_size(items) > 0, "kind=kommun lists nothing"))
        json_array_foreach(items, i, item)
            EXPECT(&e, json_string_is(item, "kind", "kommun"), "kind=kommun lists a %s",
                   json_string_value(json_object_get(item, "kind")) ? json_string_value(json_object_get(item, "kind"))
                                                                    : "?");
    json_decref(items);

    static const struct { const char *query; const char *field; } bad[] = {
        { "kind=bolag", "kind" }, { "county=3", "county" }, { "method=Not_A_Slug", "method" }, { "q=", "q" },
        { "limit=0", "limit" }, { "cursor=abc", "cursor" }, { "sort=cost", "sort" },
    };
    for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
        snprintf(path, sizeof(path), "/v1/providers?%s", bad[j].query);
        providers_get(path, &r);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", bad[j].field, path);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_offering_lists(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    const long long *o = providers_offering_id;
    json_t *items;
    size_t i;
    json_t *item;
    (void)state;

    snprintf(path, sizeof(path), "/v1/offerings?method=%s&limit=1", providers_method_m);
    expect_list(&e, path, "id", LIST(o[O_A_OLD], o[O_A], o[O_B], o[O_K]), NULL, 0);
    snprintf(path, sizeof(path), "/v1/offerings?method=%s&provider=%lld", providers_method_m, providers_provider_id[P_A]);
    expect_list(&e, path, "id", LIST(o[O_A_OLD], o[O_A]), NULL, 0);
    snprintf(path, sizeof(path), "/v1/offerings?method=%s&county=01", providers_method_m);
    expect_list(&e, path, "id", LIST(o[O_A], o[O_B]), NULL, 0);
    snprintf(path, sizeof(path), "/v1/offerings?method=%s&county=03", providers_method_m);
    expect_list(&e, path, "id", LIST(o[O_A_OLD], o[O_A], o[O_B], o[O_K]), NULL, 0);
    snprintf(path, sizeof(path), "/v1/offerings?method=%s&county=05", providers_method_m2);
    expect_list(&e, path, "id", NULL, 0, NULL, 0);
    snprintf(path, sizeof(path), "/v1/offerings?method=%s&county=04", providers_method_m2);
    expect_list(&e, path, "id", LIST(o[O_K2]), NULL, 0);
    snprintf(path, sizeof(path), "/v1/offerings?provider=%lld", providers_provider_id[P_K]);
    expect_list(&e, path, "id", LIST(o[O_K], o[O_K2]), NULL, 0);
    snprintf(path, sizeof(path), "/v1/offerings?provider=%lld", providers_provider_id[P_E]);
    expect_list(&e, path, "id", NULL, 0, NULL, 0);
    snprintf(path, sizeof(path), "/v1/offerings?provider=%lld&county=01", providers_provider_id[P_B]);
    expect_list(&e, path, "id", LIST(o[O_B]), NULL, 0);

    /* The county's own path gives the same lists. */
    snprintf(path, sizeof(path), "/v1/counties/03/offerings?method=%s&limit=3", providers_method_m);
    expect_list(&e, path, "id", LIST(o[O_A_OLD], o[O_A], o[O_B], o[O_K]), NULL, 0);
    snprintf(path, sizeof(path), "/v1/counties/01/offerings?method=%s", providers_method_m);
    expect_list(&e, path, "id", LIST(o[O_A], o[O_B]), NULL, 0);
    snprintf(path, sizeof(path), "/v1/counties/05/offerings?provider=%lld", providers_provider_id[P_K]);
    expect_list(&e, path, "id", NULL, 0, NULL, 0);
    snprintf(path, sizeof(path), "/v1/counties/04/offerings?provider=%lld", providers_provider_id[P_K]);
    expect_list(&e, path, "id", LIST(o[O_K2]), NULL, 0);
    expect_list(&e, "/v1/counties/04/offerings?limit=200", "id", LIST(o[O_K2]), o, OFFERING_COUNT);

    /* Every item of a county's list has availability there, other than "ej tillgänglig". */
    items = json_array();
    if (walk(&e, "/v1/counties/01/offerings?limit=200", items, "/v1/counties/01/offerings") > 0
        && EXPECT(&e, json_array_size(items) > 0, "/v1/counties/01/offerings lists nothing")) {
        json_array_foreach(items, i, item) {
            size_t j;
            json_t *place;
            bool there = false;
            json_array_foreach(json_object_get(item, "availability"), j, place)
                there = there || (json_string_is(place, "county", "01")
                                  && !json_string_is(place, "status", "ej tillgänglig"));
            EXPECT(&e, there, "offering %lld is listed for 01 without availability there",
                   (long long)json_integer_value(json_object_get(item, "id")));
        }
    }
    json_decref(items);

    static const char *const bad[] = {
        "/v1/offerings?provider=0", "/v1/offerings?provider=x", "/v1/offerings?county=3",
        "/v1/offerings?method=Not_A_Slug", "/v1/offerings?kind=privat", "/v1/counties/03/offerings?county=01",
        "/v1/counties/03/offerings?provider=-1", "/v1/counties/3/offerings?provider=-1",
    };
    for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
        providers_get(bad[j], &r);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", NULL, bad[j]);
    }
    /* A path key that cannot name a county names nothing. */
    providers_get("/v1/counties/3/offerings", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "/v1/counties/3/offerings");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provider_list_filters),
        cmocka_unit_test(test_offering_lists),
    };
    return cmocka_run_group_tests_name("provider lists", tests, providers_world_create, providers_world_destroy);
}
