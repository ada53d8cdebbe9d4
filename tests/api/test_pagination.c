/*
 * tests/api/test_pagination.c: keyset pagination, updated_since, and the
 * checking of every list parameter (internal/http/listing.c, params.c,
 * internal/validate/validate.c).
 *
 * Tables: a new hostile value is a new row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"

#define INVALID "/problems/invalid-parameter"
#define MAX_PAGES 400

static const char *const all_methods[] = {
    "bsft", "cope", "coping-power", "de-otroliga-aren", "dina", "fft",
    "komet", "mdft", "mst", "snap", "tfco", "triple-p",
};

#define METHOD_COUNT (sizeof(all_methods) / sizeof(all_methods[0]))

/* ---- walking ------------------------------------------------------------- */

struct walk_row {
    const char *path;           /* the first page */
    const char *key;
    size_t items;               /* records in all pages together */
    int pages;
    const char *carried;        /* a parameter every next link must keep, or NULL */
};

static const struct walk_row walks[] = {
    { "/v1/methods?limit=1", "slug", 12, 12, "limit=1" },
    { "/v1/methods?limit=5", "slug", 12, 3, "limit=5" },
    { "/v1/methods?limit=12", "slug", 12, 1, NULL },
    { "/v1/methods?limit=11", "slug", 12, 2, "limit=11" },
    { "/v1/methods?intervention_type=familjebehandling&limit=1", "slug", 4, 4, "intervention_type=familjebehandling" },
    { "/v1/methods?age=7&limit=2", "slug", 6, 3, "age=7" },
    { "/v1/methods?available_in_sweden=false&limit=2", "slug", 5, 3, "available_in_sweden=false" },
    { "/v1/methods?updated_since=2000-01-01&limit=5", "slug", 12, 3, "updated_since=2000-01-01" },
    { "/v1/materials?kind=film&limit=1", "slug", 3, 3, "kind=film" },
    { "/v1/materials?kind=workshopst%C3%B6d&limit=1", "slug", 2, 2, "kind=workshopst%C3%B6d" },
    { "/v1/municipalities?county=03&limit=3", "code", 8, 3, "county=03" },
    { "/v1/municipalities?limit=200", "code", 290, 2, "limit=200" },
    { "/v1/municipalities?limit=1", "code", 290, 290, "limit=1" },
    { "/v1/counties?limit=7", "code", 21, 3, "limit=7" },
    { "/v1/assessment-instruments?limit=2", "slug", 5, 3, "limit=2" },
    { "/v1/intervention-types?limit=4", "slug", 6, 2, "limit=4" },
};

/* limit=1 through every next link: the 12 methods, each once, in slug order. */
static void test_limit_1_walk_gives_every_method_once_in_order(void **state)
{
    struct expectations e = { 0 };
    json_t *items = json_array();
    size_t i;
    json_t *item;
    (void)state;

    int pages = walk_pages(&e, "/v1/methods?limit=1", "slug", MAX_PAGES, items);
    EXPECT(&e, pages == 12, "%d pages", pages);
    EXPECT(&e, json_array_size(items) == METHOD_COUNT, "%zu methods", json_array_size(items));
    json_array_foreach(items, i, item) {
        const char *slug = json_string_value(json_object_get(item, "slug"));
        EXPECT(&e, i < METHOD_COUNT && slug != NULL && strcmp(slug, all_methods[i]) == 0, "method %zu is %s, wanted %s",
               i, slug ? slug : "(none)", i < METHOD_COUNT ? all_methods[i] : "nothing");
    }
    json_decref(items);
    assert_int_equal(e.failed, 0);
}

/* Walks with filters: the right total, page count, and the filters carried in every next link. */
static void test_walks_carry_their_parameters(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(walks) / sizeof(walks[0]); i++) {
        const struct walk_row *row = &walks[i];
        json_t *items = json_array();
        int pages = walk_pages(&e, row->path, row->key, MAX_PAGES, items);
        EXPECT(&e, json_array_size(items) == row->items, "%s: %zu items, wanted %zu", row->path,
               json_array_size(items), row->items);
        EXPECT(&e, pages == row->pages, "%s: %d pages, wanted %d", row->path, pages, row->pages);
        json_decref(items);

        /* The first page's next link keeps the filter (walk_pages checked its cursor). */
        http_get(row->path, NULL, &r);
        const char *next = json_string_value(json_at(r.json, "next"));
        if (row->carried != NULL)
            EXPECT(&e, next != NULL && strstr(next, row->carried) != NULL, "%s: next \"%s\" lacks %s", row->path,
                   next ? next : "(null)", row->carried);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- cursors and updated_since that are valid ------------------------------ */

struct page_row {
    const char *path;
    const char *key;
    const char *expected;       /* the keys on the first page, comma-separated */
};

static const struct page_row pages[] = {
    { "/v1/methods?cursor=fft", "slug", "komet,mdft,mst,snap,tfco,triple-p" },
    { "/v1/methods?cursor=fft&limit=2", "slug", "komet,mdft" },
    { "/v1/methods?cursor=a", "slug", "bsft,cope,coping-power,de-otroliga-aren,dina,fft,komet,mdft,mst,snap,tfco,triple-p" },
    { "/v1/methods?cursor=triple-p", "slug", "" },
    { "/v1/methods?cursor=zzz", "slug", "" },
    { "/v1/methods?cursor=coping", "slug", "coping-power,de-otroliga-aren,dina,fft,komet,mdft,mst,snap,tfco,triple-p" },
    { "/v1/methods?intervention_type=familjebehandling&cursor=fft", "slug", "mdft,mst" },
    { "/v1/counties?cursor=23", "code", "24,25" },
    { "/v1/municipalities?county=03&cursor=0380", "code", "0381,0382" },
    { "/v1/methods?updated_since=2999-01-01", "slug", "" },
    { "/v1/methods?updated_since=2999-01-01T00:00:00Z", "slug", "" },
    { "/v1/counties?updated_since=2999-12-31", "code", "" },
    { "/v1/municipalities?updated_since=2999-12-31", "code", "" },
    { "/v1/methods?updated_since=9999-12-31T23:59:59Z", "slug", "" },
    { "/v1/methods?limit=2&updated_since=2000-01-01", "slug", "bsft,cope" },
    { "/v1/methods?limit=2&updated_since=2000-01-01T00:00:00Z", "slug", "bsft,cope" },
    { "/v1/methods?limit=2&updated_since=2000-01-01T00:00:00.123456Z", "slug", "bsft,cope" },
    { "/v1/methods?limit=2&updated_since=2000-01-01T00:00:00%2B02:00", "slug", "bsft,cope" },
    { "/v1/methods?limit=2&updated_since=2000-01-01T00:00:00-05:30", "slug", "bsft,cope" },
    { "/v1/methods?limit=2&updated_since=2000-02-29", "slug", "bsft,cope" },
    { "/v1/methods?limit=2&updated_since=2016-12-31T23:59:60Z", "slug", "bsft,cope" },
    { "/v1/methods?limit=2&updated_since=0001-01-01", "slug", "bsft,cope" },
    { "/v1/methods?limit=2&updated_since=2000-01-01t00:00:00z", "slug", "bsft,cope" },
};

static void test_valid_cursors_and_dates_give_the_right_page(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char got[1024];
    (void)state;

    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        const struct page_row *row = &pages[i];
        size_t used = 0;
        size_t j;
        json_t *item;

        http_get(row->path, NULL, &r);
        if (!expect_page(&e, &r, row->key, row->path))
            continue;
        got[0] = '\0';
        json_array_foreach(json_at(r.json, "items"), j, item)
            used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", j ? "," : "",
                                     json_string_value(json_object_get(item, row->key)));
        EXPECT(&e, strcmp(got, row->expected) == 0, "%s: [%s], wanted [%s]", row->path, got, row->expected);
        if (row->expected[0] == '\0')
            EXPECT(&e, json_is_null(json_at(r.json, "next")), "%s: a next link after nothing", row->path);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- what must be refused ------------------------------------------------ */

struct bad_row {
    const char *path;
    const char *field;          /* the parameter errors[] must name */
};

static const struct bad_row bad[] = {
    /* limit */
    { "/v1/methods?limit=0", "limit" },
    { "/v1/methods?limit=201", "limit" },
    { "/v1/methods?limit=01", "limit" },
    { "/v1/methods?limit=abc", "limit" },
    { "/v1/methods?limit=-1", "limit" },
    { "/v1/methods?limit=", "limit" },
    { "/v1/methods?limit", "limit" },
    { "/v1/methods?limit=1.5", "limit" },
    { "/v1/methods?limit=%2B1", "limit" },
    { "/v1/methods?limit=%201", "limit" },
    { "/v1/methods?limit=1%20", "limit" },
    { "/v1/methods?limit=0x10", "limit" },
    { "/v1/methods?limit=1e2", "limit" },
    { "/v1/methods?limit=99999999999999999999999", "limit" },
    { "/v1/methods?limit=18446744073709551617", "limit" },
    { "/v1/methods?limit=%00", "limit" },
    { "/v1/methods?limit=%EF%BC%91", "limit" },      /* fullwidth digit one */
    { "/v1/methods?limit=1&limit=2", "limit" },
    { "/v1/counties?limit=1000", "limit" },
    { "/v1/municipalities?limit=-200", "limit" },
    /* cursor: the list's key shape */
    { "/v1/methods?cursor=FFT!", "cursor" },
    { "/v1/methods?cursor=FFT", "cursor" },
    { "/v1/methods?cursor=", "cursor" },
    { "/v1/methods?cursor=fft--x", "cursor" },
    { "/v1/methods?cursor=-fft", "cursor" },
    { "/v1/methods?cursor=%27%20OR%201=1--", "cursor" },
    { "/v1/methods?cursor=%FF", "cursor" },
    { "/v1/methods?cursor=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "cursor" },   /* 65 */
    { "/v1/counties?cursor=3", "cursor" },
    { "/v1/counties?cursor=fft", "cursor" },
    { "/v1/municipalities?cursor=038", "cursor" },
    { "/v1/municipalities?cursor=03810", "cursor" },
    /* updated_since */
    { "/v1/methods?updated_since=2024-13-01", "updated_since" },
    { "/v1/methods?updated_since=yesterday", "updated_since" },
    { "/v1/methods?updated_since=", "updated_since" },
    { "/v1/methods?updated_since=2023-02-29", "updated_since" },
    { "/v1/methods?updated_since=2024-04-31", "updated_since" },
    { "/v1/methods?updated_since=2024-00-10", "updated_since" },
    { "/v1/methods?updated_since=0000-01-01", "updated_since" },
    { "/v1/methods?updated_since=2024-1-1", "updated_since" },
    { "/v1/methods?updated_since=20240101", "updated_since" },
    { "/v1/methods?updated_since=2024-01-01T25:00:00Z", "updated_since" },
    { "/v1/methods?updated_since=2024-01-01T12:60:00Z", "updated_since" },
    { "/v1/methods?updated_since=2024-01-01T12:00:00", "updated_since" },
    { "/v1/methods?updated_since=2024-01-01%2012:00:00Z", "updated_since" },
    { "/v1/methods?updated_since=2024-01-01T12:00Z", "updated_since" },
    { "/v1/methods?updated_since=2024-01-01T12:00:00.Z", "updated_since" },
    { "/v1/methods?updated_since=2024-01-01T12:00:00%2B0100", "updated_since" },
    { "/v1/methods?updated_since=2024-01-01T12:00:00%2B24:00", "updated_since" },
    { "/v1/methods?updated_since=2024-01-01T12:00:00ZZ", "updated_since" },
    { "/v1/methods?updated_since=now()", "updated_since" },
    { "/v1/methods?updated_since=infinity", "updated_since" },
    { "/v1/methods?updated_since=epoch", "updated_since" },
    { "/v1/counties?updated_since=2024-13-01", "updated_since" },
    /* filters */
    { "/v1/municipalities?county=3", "county" },
    { "/v1/municipalities?county=003", "county" },
    { "/v1/municipalities?county=ab", "county" },
    { "/v1/municipalities?county=%FF", "county" },
    { "/v1/municipalities?county=", "county" },
    { "/v1/municipalities?county=%EF%BC%90%EF%BC%93", "county" },   /* fullwidth 03 */
    { "/v1/methods?age=26", "age" },
    { "/v1/methods?age=x", "age" },
    { "/v1/methods?age=-1", "age" },
    { "/v1/methods?age=07", "age" },
    { "/v1/methods?age=7.5", "age" },
    { "/v1/methods?age=", "age" },
    { "/v1/methods?age=9223372036854775808", "age" },
    { "/v1/assessment-instruments?age=100", "age" },
    { "/v1/methods?available_in_sweden=yes", "available_in_sweden" },
    { "/v1/methods?available_in_sweden=TRUE", "available_in_sweden" },
    { "/v1/methods?available_in_sweden=1", "available_in_sweden" },
    { "/v1/methods?available_in_sweden=", "available_in_sweden" },
    { "/v1/methods?available_in_sweden=t", "available_in_sweden" },
    { "/v1/methods?intervention_type=Familjebehandling", "intervention_type" },
    { "/v1/methods?intervention_type=familje%20behandling", "intervention_type" },
    { "/v1/methods?intervention_type=%27;DROP%20TABLE%20methods;--", "intervention_type" },
    { "/v1/materials?kind=video", "kind" },
    { "/v1/materials?kind=Film", "kind" },
    { "/v1/materials?kind=workshopstod", "kind" },
    { "/v1/materials?kind=", "kind" },
    /* parameters a list does not have */
    { "/v1/methods?foo=1", "foo" },
    { "/v1/methods?sort=slug", "sort" },
    { "/v1/methods?Limit=5", "Limit" },
    { "/v1/methods?offset=5", "offset" },
    { "/v1/methods?q=fft", "q" },
    { "/v1/methods?kind=film", "kind" },
    { "/v1/methods?county=03", "county" },
    { "/v1/counties?county=03", "county" },
    { "/v1/counties?age=7", "age" },
    { "/v1/surveys?intervention_type=familjebehandling", "intervention_type" },
    { "/v1/knowledge-supports?slug=x", "slug" },
    { "/v1/municipalities?code=0381", "code" },
    { "/v1/methods/fft?limit=1", "limit" },
    { "/v1/methods/fft?slug=mst", "slug" },
    { "/v1/counties/03?x=1", "x" },
};

static void test_bad_parameters_are_refused_naming_them(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        http_get(bad[i].path, NULL, &r);
        expect_problem(&e, &r, 400, INVALID, bad[i].field, bad[i].path);
        EXPECT(&e, json_array_size(json_at(r.json, "errors")) == 1, "%s: %zu errors, wanted 1", bad[i].path,
               json_array_size(json_at(r.json, "errors")));
        const char *cache = http_header(&r, "Cache-Control");
        EXPECT(&e, cache != NULL && strstr(cache, "no-store") != NULL, "%s: Cache-Control %s", bad[i].path,
               cache ? cache : "(none)");
        EXPECT(&e, http_header(&r, "ETag") == NULL, "%s: an error has an ETag", bad[i].path);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/*
 * Values at the edge of what the validator and PostgreSQL each accept: the
 * server may take them (200) or refuse them (400 naming the parameter), but
 * never fail (500). RFC 3339 allows offsets of hours 00-23; PostgreSQL
 * refuses displacements beyond 15:59.
 */
static const struct bad_row edges[] = {
    { "/v1/methods?updated_since=2000-01-01T00:00:00%2B20:00", "updated_since" },
    { "/v1/methods?updated_since=2000-01-01T00:00:00-23:59", "updated_since" },
    { "/v1/methods?updated_since=2000-01-01T00:00:00%2B16:00", "updated_since" },
    { "/v1/methods?updated_since=2000-01-01T00:00:00%2B15:59", "updated_since" },
    { "/v1/methods?updated_since=9999-12-31T23:59:60Z", "updated_since" },
    { "/v1/methods?updated_since=9999-12-31T23:59:59-23:59", "updated_since" },
    { "/v1/methods?updated_since=0001-01-01T00:00:00%2B23:59", "updated_since" },
    { "/v1/methods?updated_since=2000-01-01T00:00:00.999999999Z", "updated_since" },
    { "/v1/municipalities?cursor=9999", "cursor" },
    { "/v1/methods?cursor=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "cursor" },
};

static void test_edge_values_are_taken_or_refused_never_failed(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char text[200];
    (void)state;

    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        http_get(edges[i].path, NULL, &r);
        snprintf(text, sizeof(text), "%.180s", r.body);
        if (r.status == 400)
            expect_problem(&e, &r, 400, INVALID, edges[i].field, edges[i].path);
        else
            EXPECT(&e, r.status == 200 && expect_page(&e, &r, strstr(edges[i].path, "municipalities") ? "code" : "slug",
                                                      edges[i].path),
                   "%s: status %ld: %s", edges[i].path, r.status, text);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Several bad parameters in one request: one 400 naming each. */
struct many_row {
    const char *path;
    const char *fields[8];      /* NULL-terminated */
};

static const struct many_row many[] = {
    { "/v1/methods?limit=0&age=x&available_in_sweden=yes&bogus=1",
      { "limit", "age", "available_in_sweden", "bogus", NULL } },
    { "/v1/methods?cursor=FFT!&updated_since=yesterday", { "cursor", "updated_since", NULL } },
    { "/v1/methods?intervention_type=X&age=99&limit=201&cursor=&updated_since=2024-13-01",
      { "intervention_type", "age", "limit", "cursor", "updated_since", NULL } },
    { "/v1/municipalities?county=3&limit=abc", { "county", "limit", NULL } },
    { "/v1/materials?kind=video&x=1&y=2", { "kind", "x", "y", NULL } },
};

static void test_several_bad_parameters_are_all_named(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++) {
        const struct many_row *row = &many[i];
        size_t count = 0;

        http_get(row->path, NULL, &r);
        if (!expect_problem(&e, &r, 400, INVALID, NULL, row->path))
            continue;
        for (; row->fields[count] != NULL; count++)
            EXPECT(&e, problem_names_field(&r, row->fields[count]), "%s: errors[] lacks %s", row->path,
                   row->fields[count]);
        EXPECT(&e, json_array_size(json_at(r.json, "errors")) == count, "%s: %zu errors, wanted %zu", row->path,
               json_array_size(json_at(r.json, "errors")), count);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Limits that are allowed give at most that many items and say so. */
static void test_limit_boundaries_accepted(void **state)
{
    static const struct { const char *path; long limit; size_t items; } rows[] = {
        { "/v1/methods?limit=1", 1, 1 },
        { "/v1/methods?limit=2", 2, 2 },
        { "/v1/methods?limit=50", 50, 12 },
        { "/v1/methods?limit=199", 199, 12 },
        { "/v1/methods?limit=200", 200, 12 },
        { "/v1/municipalities?limit=200", 200, 200 },
        { "/v1/municipalities?limit=199", 199, 199 },
        { "/v1/municipalities", 50, 50 },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        http_get(rows[i].path, NULL, &r);
        if (!expect_page(&e, &r, strstr(rows[i].path, "municipalities") ? "code" : "slug", rows[i].path))
            continue;
        EXPECT(&e, json_integer_value(json_at(r.json, "limit")) == rows[i].limit, "%s: limit %lld", rows[i].path,
               (long long)json_integer_value(json_at(r.json, "limit")));
        EXPECT(&e, json_array_size(json_at(r.json, "items")) == rows[i].items, "%s: %zu items, wanted %zu",
               rows[i].path, json_array_size(json_at(r.json, "items")), rows[i].items);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_1_walk_gives_every_method_once_in_order),
        cmocka_unit_test(test_walks_carry_their_parameters),
        cmocka_unit_test(test_valid_cursors_and_dates_give_the_right_page),
        cmocka_unit_test(test_limit_boundaries_accepted),
        cmocka_unit_test(test_bad_parameters_are_refused_naming_them),
        cmocka_unit_test(test_several_bad_parameters_are_all_named),
        cmocka_unit_test(test_edge_values_are_taken_or_refused_never_failed),
    };
    return cmocka_run_group_tests_name("pagination", tests, NULL, NULL);
}
