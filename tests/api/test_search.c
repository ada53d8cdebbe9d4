/*
 * tests/api/test_search.c: GET /v1/search (internal/http/search.c, the
 * "search" statement in internal/db/catalogue.c, swedish_prefix_query and
 * search_documents in sql/0003_views.sql).
 *
 * Tables: a new query worth keeping an eye on is a new row.
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

/* Where each kind of hit lives, for its href. */
static const char *kind_path(const char *kind)
{
    static const char *const kinds[][2] = {
        { "method", "/v1/methods/" },
        { "intervention_type", "/v1/intervention-types/" },
        { "assessment_instrument", "/v1/assessment-instruments/" },
        { "material", "/v1/materials/" },
    };
    for (size_t i = 0; kind != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i][0], kind) == 0)
            return kinds[i][1];
    return NULL;
}

/*
 * Expects a good search answer: 200 JSON echoing q, integer limit, offset
 * and total, a next that is null or a /v1/search link, and items each with
 * a known kind, a slug, a title, an href to its record and a numeric rank,
 * ranks non-increasing.
 */
static bool expect_search_page(struct expectations *e, const struct http_response *r, const char *q,
                               const char *label)
{
    json_t *items = json_at(r->json, "items");
    double previous_rank = 1e9;
    bool ok = true;
    size_t i;
    json_t *item;

    if (!expect_json(e, r, 200, label))
        return false;
    if (q != NULL)
        ok &= EXPECT(e, strcmp(json_string_value(json_at(r->json, "query")) ?: "", q) == 0, "%s: query \"%s\"", label,
                     json_string_value(json_at(r->json, "query")) ?: "(none)");
    ok &= EXPECT(e, json_is_array(items), "%s: no items", label);
    ok &= EXPECT(e, json_is_integer(json_at(r->json, "limit")) && json_is_integer(json_at(r->json, "offset"))
                    && json_is_integer(json_at(r->json, "total")), "%s: limit, offset or total missing", label);
    json_t *next = json_at(r->json, "next");
    ok &= EXPECT(e, next != NULL && (json_is_null(next) || strncmp(json_string_value(next) ?: "", "/v1/search?", 11) == 0),
                 "%s: next", label);
    json_int_t total = json_integer_value(json_at(r->json, "total"));
    json_int_t offset = json_integer_value(json_at(r->json, "offset"));
    json_int_t limit = json_integer_value(json_at(r->json, "limit"));
    ok &= EXPECT(e, (json_int_t)json_array_size(items) <= limit, "%s: more items than limit", label);
    ok &= EXPECT(e, offset >= total || (json_int_t)json_array_size(items) == (total - offset < limit ? total - offset : limit),
                 "%s: %zu items for total %lld, offset %lld, limit %lld", label, json_array_size(items),
                 (long long)total, (long long)offset, (long long)limit);
    ok &= EXPECT(e, json_is_null(next) == (offset + limit >= total), "%s: next is %s with total %lld", label,
                 json_is_null(next) ? "null" : "given", (long long)total);
    json_array_foreach(items, i, item) {
        const char *kind = json_string_value(json_object_get(item, "kind"));
        const char *slug = json_string_value(json_object_get(item, "slug"));
        const char *href = json_string_value(json_object_get(item, "href"));
        const char *path = kind_path(kind);
        json_t *rank = json_object_get(item, "rank");
        char wanted[200];

        if (!EXPECT(e, path != NULL && slug != NULL, "%s: item %zu kind %s", label, i, kind ?: "(none)")) {
            ok = false;
            continue;
        }
        snprintf(wanted, sizeof(wanted), "%s%s", path, slug);
        ok &= EXPECT(e, href != NULL && strcmp(href, wanted) == 0, "%s: href %s, wanted %s", label, href ?: "(none)",
                     wanted);
        ok &= EXPECT(e, json_string_length(json_object_get(item, "title")) > 0, "%s: %s has no title", label, slug);
        ok &= EXPECT(e, json_is_number(rank) && json_number_value(rank) > 0, "%s: %s rank", label, slug);
        ok &= EXPECT(e, json_number_value(rank) <= previous_rank, "%s: rank of %s rises to %g after %g", label, slug,
                     json_number_value(rank), previous_rank);
        previous_rank = json_number_value(rank);
    }
    return ok;
}

static bool has_hit(const json_t *items, const char *kind, const char *slug)
{
    size_t i;
    json_t *item;

    json_array_foreach(items, i, item)
        if (strcmp(json_string_value(json_object_get(item, "kind")) ?: "", kind) == 0
            && strcmp(json_string_value(json_object_get(item, "slug")) ?: "", slug) == 0)
            return true;
    return false;
}

/* ---- what queries find --------------------------------------------------- */

struct hit_row {
    const char *q_encoded;      /* as sent */
    const char *q;              /* as the server must echo it */
    const char *hits[6][2];     /* {kind, slug} that must be among the results; ended by {NULL} */
    const char *first;          /* the slug ranked first, or NULL */
    const char *absent[3][2];   /* {kind, slug} that must not be */
};

static const struct hit_row hits[] = {
    { "familjebehandlingar", "familjebehandlingar",
      { { "intervention_type", "familjebehandling" }, { "method", "fft" }, { "method", "mst" }, { "method", "bsft" },
        { "method", "mdft" }, { NULL, NULL } },
      "familjebehandling", { { "method", "komet" }, { NULL, NULL } } },
    { "familj", "familj", { { "method", "fft" }, { "intervention_type", "familjebehandling" }, { NULL, NULL } }, NULL,
      { { "method", "dina" }, { NULL, NULL } } },
    { "Familj", "Familj", { { "method", "fft" }, { NULL, NULL } }, NULL, { { NULL, NULL } } },
    { "FFT", "FFT", { { "method", "fft" }, { NULL, NULL } }, "fft", { { "method", "mst" }, { NULL, NULL } } },
    { "funktionell%20familjeterapi", "funktionell familjeterapi", { { "method", "fft" }, { NULL, NULL } }, "fft",
      { { NULL, NULL } } },
    /* Found through its description, which names it: other_names itself is not in the search vector. */
    { "erador", "erador", { { "assessment_instrument", "erasor" }, { NULL, NULL } }, "erasor", { { NULL, NULL } } },
    { "ERASOR", "ERASOR", { { "assessment_instrument", "erasor" }, { NULL, NULL } }, "erasor", { { NULL, NULL } } },
    { "EARL-20B", "EARL-20B", { { "assessment_instrument", "earl" }, { NULL, NULL } }, "earl", { { NULL, NULL } } },
    { "scared%20straight", "scared straight", { { "intervention_type", "avskrackande-program" }, { NULL, NULL } },
      "avskrackande-program", { { NULL, NULL } } },
    { "f%C3%B6r%C3%A4ldraskapsst%C3%B6d", "föräldraskapsstöd",
      { { "intervention_type", "foraldraskapsstod" }, { "method", "cope" }, { NULL, NULL } }, NULL,
      { { "method", "fft" }, { NULL, NULL } } },
    { "F%C3%96R%C3%84LDRA", "FÖRÄLDRA", { { "intervention_type", "foraldraskapsstod" }, { NULL, NULL } }, NULL,
      { { NULL, NULL } } },
    { "workshop", "workshop",
      { { "material", "film-rbm" }, { "material", "film-presentation-kunskapsstodet" }, { NULL, NULL } }, NULL,
      { { "material", "information-exempelmetoder" }, { NULL, NULL } } },
    { "RBM", "RBM", { { "material", "film-rbm" }, { NULL, NULL } }, NULL, { { NULL, NULL } } },
    { "behandlingsfamilj", "behandlingsfamilj", { { "intervention_type", "behandlingsfamilj" }, { "method", "tfco" },
      { NULL, NULL } }, NULL, { { NULL, NULL } } },
    /* "Dina" is a Swedish stop word ("your"): a query of stop words only matches abbreviations, exactly. */
    { "dina", "dina", { { "method", "dina" }, { NULL, NULL } }, "dina", { { "method", "fft" }, { NULL, NULL } } },
    { "Dina", "Dina", { { "method", "dina" }, { NULL, NULL } }, "dina", { { NULL, NULL } } },
    { "de", "de", { { "method", "de-otroliga-aren" }, { NULL, NULL } }, "de-otroliga-aren",
      { { "method", "dina" }, { NULL, NULL } } },
    /* With another word, stop words are left out as before: "dina program" is "program". */
    { "dina%20program", "dina program", { { "method", "dina" }, { "method", "coping-power" }, { NULL, NULL } }, NULL,
      { { NULL, NULL } } },
    /* Every word must match: "fft mst" names no single record. */
    { "fft%20mst", "fft mst", { { NULL, NULL } }, NULL, { { "method", "fft" }, { "method", "mst" }, { NULL, NULL } } },
};

static void test_queries_find_what_they_should(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[300];
    (void)state;

    for (size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
        const struct hit_row *row = &hits[i];
        snprintf(path, sizeof(path), "/v1/search?q=%s&limit=100", row->q_encoded);
        http_get(path, NULL, &r);
        if (!expect_search_page(&e, &r, row->q, path))
            continue;
        json_t *items = json_at(r.json, "items");
        for (size_t j = 0; row->hits[j][0] != NULL; j++)
            EXPECT(&e, has_hit(items, row->hits[j][0], row->hits[j][1]), "%s: no %s %s", path, row->hits[j][0],
                   row->hits[j][1]);
        for (size_t j = 0; row->absent[j][0] != NULL; j++)
            EXPECT(&e, !has_hit(items, row->absent[j][0], row->absent[j][1]), "%s: %s %s should not match", path,
                   row->absent[j][0], row->absent[j][1]);
        if (row->first != NULL)
            EXPECT(&e, strcmp(json_string_value(json_at(items, "0.slug")) ?: "", row->first) == 0,
                   "%s: first hit %s, wanted %s", path, json_string_value(json_at(items, "0.slug")) ?: "(none)",
                   row->first);
        EXPECT(&e, json_integer_value(json_at(r.json, "total")) == (json_int_t)json_array_size(items),
               "%s: total %lld for %zu items", path, (long long)json_integer_value(json_at(r.json, "total")),
               json_array_size(items));
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Every hit's href answers, and names the record the hit is about. */
static void test_hits_link_to_their_records(void **state)
{
    static const char *const queries[] = { "familj", "program", "risk", "film", "barn" };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    struct http_response record = { 0 };
    char path[200];
    (void)state;

    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        size_t j;
        json_t *item;

        snprintf(path, sizeof(path), "/v1/search?q=%s&limit=100", queries[i]);
        http_get(path, NULL, &r);
        if (!expect_search_page(&e, &r, queries[i], path))
            continue;
        EXPECT(&e, json_array_size(json_at(r.json, "items")) > 0, "%s: no hits", path);
        json_array_foreach(json_at(r.json, "items"), j, item) {
            const char *href = json_string_value(json_object_get(item, "href"));
            const char *slug = json_string_value(json_object_get(item, "slug"));
            if (href == NULL || slug == NULL)
                continue;
            http_get(href, NULL, &record);
            if (expect_json(&e, &record, 200, href))
                EXPECT(&e, strcmp(json_string_value(json_at(record.json, "slug")) ?: "", slug) == 0, "%s: slug %s",
                       href, json_string_value(json_at(record.json, "slug")) ?: "(none)");
        }
    }
    http_response_free(&r);
    http_response_free(&record);
    assert_int_equal(e.failed, 0);
}

/*
 * A hit's title names the record once: a method titled "COPE – COPE –
 * föräldraskapsstöd i grupp" shows its abbreviation twice.
 */
static void test_hit_titles_do_not_repeat_the_abbreviation(void **state)
{
    static const char *const queries[] = { "cope", "komet", "triple", "otroliga", "coping", "dina", "dinosaur",
                                           "familj" };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[200];
    (void)state;

    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        size_t j;
        json_t *item;

        snprintf(path, sizeof(path), "/v1/search?q=%s&limit=100", queries[i]);
        http_get(path, NULL, &r);
        /* Every query names catalogue records: no hits would make the check below pass unseen. */
        EXPECT(&e, json_array_size(json_at(r.json, "items")) > 0, "%s: no hits (status %ld)", path, r.status);
        json_array_foreach(json_at(r.json, "items"), j, item) {
            const char *title = json_string_value(json_object_get(item, "title")) ?: "";
            const char *dash = strstr(title, " – ");
            size_t head = dash ? (size_t)(dash - title) : 0;
            const char *rest = dash ? dash + strlen(" – ") : "";
            /* "X – X" or "X – X – more": the same words on both sides of the dash. */
            bool repeated = dash != NULL && strncmp(rest, title, head) == 0
                            && (rest[head] == '\0' || strncmp(rest + head, " – ", strlen(" – ")) == 0);
            EXPECT(&e, !repeated, "%s: title \"%s\" repeats \"%.*s\"", path, title, (int)head, title);
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- paging -------------------------------------------------------------- */

struct paging_row {
    const char *first;          /* the first page */
    const char *all;            /* the same query in one page */
    const char *q;
};

static const struct paging_row paging[] = {
    { "/v1/search?q=familj&limit=2", "/v1/search?q=familj&limit=100", "familj" },
    { "/v1/search?q=familj&limit=1", "/v1/search?q=familj&limit=100", "familj" },
    { "/v1/search?q=barn&limit=3", "/v1/search?q=barn&limit=100", "barn" },
    { "/v1/search?q=f%C3%B6r%C3%A4ldra&limit=1", "/v1/search?q=f%C3%B6r%C3%A4ldra&limit=100", "föräldra" },
    { "/v1/search?limit=2&q=risk%20bed%C3%B6mning", "/v1/search?q=risk%20bed%C3%B6mning&limit=100", "risk bedömning" },
    { "/v1/search?q=familj&limit=2&offset=3", NULL, "familj" },
};

/* Following next gives the one-page answer, in the same order, each hit once. */
static void test_paging_through_next(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(paging) / sizeof(paging[0]); i++) {
        const struct paging_row *row = &paging[i];
        json_t *walked = json_array();
        char *path = strdup(row->first);
        double previous_rank = 1e9;
        int pages = 0;

        while (path != NULL && pages < 100) {
            size_t j;
            json_t *item;

            http_get(path, NULL, &r);
            pages++;
            if (!expect_search_page(&e, &r, row->q, path))
                break;
            json_array_foreach(json_at(r.json, "items"), j, item) {
                double rank = json_number_value(json_object_get(item, "rank"));
                EXPECT(&e, rank <= previous_rank, "%s: rank rises across pages to %g", path, rank);
                previous_rank = rank;
                json_array_append(walked, item);
            }
            const char *next = json_string_value(json_at(r.json, "next"));
            if (next != NULL)
                EXPECT(&e, strstr(next, "offset=") != NULL && strstr(next, "limit=") != NULL, "%s: next %s", path, next);
            free(path);
            path = next ? strdup(next) : NULL;
        }
        free(path);
        if (row->all != NULL) {
            http_get(row->all, NULL, &r);
            if (expect_search_page(&e, &r, row->q, row->all)) {
                EXPECT(&e, json_array_size(json_at(r.json, "items")) > 1, "%s: too few hits to page", row->all);
                EXPECT(&e, json_equal(walked, json_at(r.json, "items")), "%s: pages (%zu hits) differ from one page "
                       "(%zu hits)", row->first, json_array_size(walked), json_array_size(json_at(r.json, "items")));
            }
        } else {
            http_get("/v1/search?q=familj&limit=100", NULL, &r);
            json_t *tail = json_array();
            for (size_t j = 3; j < json_array_size(json_at(r.json, "items")); j++)
                json_array_append(tail, json_array_get(json_at(r.json, "items"), j));
            EXPECT(&e, json_equal(walked, tail), "%s: pages from offset 3 differ", row->first);
            json_decref(tail);
        }
        json_decref(walked);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- parameters ---------------------------------------------------------- */

struct bad_row {
    const char *path;
    const char *field;
};

static const struct bad_row bad[] = {
    { "/v1/search", "q" },
    { "/v1/search?limit=5", "q" },
    { "/v1/search?q=", "q" },
    { "/v1/search?q=%00", "q" },
    { "/v1/search?q=%FF", "q" },
    { "/v1/search?q=%C3%28", "q" },
    { "/v1/search?q=%C0%AF", "q" },                     /* overlong "/" */
    { "/v1/search?q=%ED%A0%80", "q" },                  /* a UTF-16 surrogate */
    { "/v1/search?q=%F4%90%80%80", "q" },               /* above U+10FFFF */
    { "/v1/search?q=fft%0Amst", "q" },
    { "/v1/search?q=fft%0D%0AX-Injected:%201", "q" },
    { "/v1/search?q=%09fft", "q" },
    { "/v1/search?q=%7F", "q" },
    { "/v1/search?q=%C2%85", "q" },                     /* NEL, a C1 control */
    { "/v1/search?q=%1B%5B31m", "q" },
    { "/v1/search?q=fft&limit=0", "limit" },
    { "/v1/search?q=fft&limit=101", "limit" },
    { "/v1/search?q=fft&limit=-1", "limit" },
    { "/v1/search?q=fft&limit=abc", "limit" },
    { "/v1/search?q=fft&limit=", "limit" },
    { "/v1/search?q=fft&limit=010", "limit" },
    { "/v1/search?q=fft&offset=-1", "offset" },
    { "/v1/search?q=fft&offset=10001", "offset" },
    { "/v1/search?q=fft&offset=abc", "offset" },
    { "/v1/search?q=fft&offset=", "offset" },
    { "/v1/search?q=fft&offset=01", "offset" },
    { "/v1/search?q=fft&offset=99999999999999999999", "offset" },
    { "/v1/search?q=fft&cursor=fft", "cursor" },
    { "/v1/search?q=fft&page=2", "page" },
    { "/v1/search?q=fft&kind=method", "kind" },
    { "/v1/search?Q=fft", "Q" },
};

static void test_bad_parameters_are_refused_naming_them(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        http_get(bad[i].path, NULL, &r);
        expect_problem(&e, &r, 400, INVALID, bad[i].field, bad[i].path);
    }
    /* All at once: each named. */
    http_get("/v1/search?limit=0&offset=-1&page=2", NULL, &r);
    if (expect_problem(&e, &r, 400, INVALID, "q", "no q, bad limit and offset, unknown page"))
        EXPECT(&e, problem_names_field(&r, "limit") && problem_names_field(&r, "offset")
                   && problem_names_field(&r, "page") && json_array_size(json_at(r.json, "errors")) == 4,
               "errors: %s", r.body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* The 200-byte limit on q is in bytes of UTF-8. */
static void test_q_length_limit(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[2048];
    (void)state;

    static const struct { const char *unit_encoded; size_t unit_bytes; size_t count; long status; } rows[] = {
        { "a", 1, 200, 200 },
        { "a", 1, 201, 400 },
        { "%C3%B6", 2, 100, 200 },                      /* ö: 200 bytes */
        { "%C3%B6", 2, 101, 400 },
        { "%E2%82%AC", 3, 66, 200 },                    /* €: 198 bytes */
        { "%E2%82%AC", 3, 67, 400 },                    /* 201 bytes */
        { "a%20", 2, 100, 200 },                        /* 100 one-letter words */
        { "%F0%9F%98%80", 4, 50, 200 },                 /* 50 emoji: 200 bytes */
        { "%F0%9F%98%80", 4, 51, 400 },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t used = (size_t)snprintf(path, sizeof(path), "/v1/search?q=");
        for (size_t j = 0; j < rows[i].count && used + strlen(rows[i].unit_encoded) < sizeof(path); j++)
            used += (size_t)snprintf(path + used, sizeof(path) - used, "%s", rows[i].unit_encoded);
        char label[80];
        snprintf(label, sizeof(label), "q of %zu bytes (%zu x %s)", rows[i].count * rows[i].unit_bytes, rows[i].count,
                 rows[i].unit_encoded);
        http_get(path, NULL, &r);
        if (rows[i].status == 400)
            expect_problem(&e, &r, 400, INVALID, "q", label);
        else
            expect_search_page(&e, &r, NULL, label);
        EXPECT(&e, r.seconds < 5, "%s took %.1f s", label, r.seconds);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Limits and offsets that are allowed. */
static void test_limit_and_offset_accepted(void **state)
{
    static const struct { const char *path; long limit; long offset; } rows[] = {
        { "/v1/search?q=familj", 20, 0 },
        { "/v1/search?q=familj&limit=1", 1, 0 },
        { "/v1/search?q=familj&limit=100", 100, 0 },
        { "/v1/search?q=familj&offset=0", 20, 0 },
        { "/v1/search?q=familj&offset=6", 20, 6 },
        { "/v1/search?q=familj&offset=7", 20, 7 },
        { "/v1/search?q=familj&offset=10000", 20, 10000 },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        http_get(rows[i].path, NULL, &r);
        if (!expect_search_page(&e, &r, "familj", rows[i].path))
            continue;
        EXPECT(&e, json_integer_value(json_at(r.json, "limit")) == rows[i].limit, "%s: limit", rows[i].path);
        EXPECT(&e, json_integer_value(json_at(r.json, "offset")) == rows[i].offset, "%s: offset", rows[i].path);
        EXPECT(&e, json_integer_value(json_at(r.json, "total")) == 7, "%s: total %lld", rows[i].path,
               (long long)json_integer_value(json_at(r.json, "total")));
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- hostile queries ----------------------------------------------------- */

struct hostile_row {
    const char *q_encoded;
    size_t max_items;           /* how many hits are plausible; (size_t)-1 for any */
};

static const struct hostile_row hostile[] = {
    { "och", 0 },                                       /* only a stopword */
    { "och%20att%20det", 0 },
    { "%20", 0 },
    { "%20%20%20", 0 },
    { "%27%20OR%201=1%20--", 0 },
    { "%27%3B%20DROP%20TABLE%20methods%3B%20--", 0 },
    { "%27%27%27", 0 },
    { "%5C", 0 },
    { "%5C%27", 0 },
    { "a:*%26!|", (size_t)-1 },
    { "fft%20%26%20mst", 0 },
    { "fft%20%7C%20mst", 0 },
    { "!fft", 1 },
    { "(fft", 1 },
    { "fft)", 1 },
    { "fft:*", 1 },
    { "fft%3AA", (size_t)-1 },
    { "fft%20%3C-%3E%20mst", 0 },
    { "%3C%3E", 0 },
    { "*", 0 },
    { "%25", 0 },
    { "%25%25%25", 0 },
    { "_", 0 },
    { "%24%24", 0 },
    { "%24%24%3B%20SELECT%201%3B%20%24%24", (size_t)-1 },
    { "%F0%9F%98%80", 0 },
    { "%E2%80%8B", 0 },                                 /* zero-width space */
    { "%EF%BB%BF", 0 },                                 /* a byte-order mark */
    { "%D7%A9%D7%9C%D7%95%D7%9D", 0 },                  /* Hebrew */
    { "x%00y", (size_t)-1 },                            /* NUL mid-value: the server sees "x", or refuses */
    { "%00fft", (size_t)-1 },
};

static void test_hostile_queries_are_harmless(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[300];
    (void)state;

    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        snprintf(path, sizeof(path), "/v1/search?q=%s", hostile[i].q_encoded);
        http_get(path, NULL, &r);
        if (r.status == 400) {
            expect_problem(&e, &r, 400, INVALID, "q", path);
            continue;
        }
        if (!expect_search_page(&e, &r, NULL, path))
            continue;
        if (hostile[i].max_items != (size_t)-1)
            EXPECT(&e, json_array_size(json_at(r.json, "items")) <= hostile[i].max_items, "%s: %zu hits", path,
                   json_array_size(json_at(r.json, "items")));
        EXPECT(&e, r.seconds < 5, "%s took %.1f s", path, r.seconds);
    }
    /* The catalogue is still whole. */
    http_get("/v1/methods?limit=200", NULL, &r);
    EXPECT(&e, json_array_size(json_at(r.json, "items")) == 12, "methods afterwards: %zu",
           json_array_size(json_at(r.json, "items")));
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queries_find_what_they_should),
        cmocka_unit_test(test_hits_link_to_their_records),
        cmocka_unit_test(test_hit_titles_do_not_repeat_the_abbreviation),
        cmocka_unit_test(test_paging_through_next),
        cmocka_unit_test(test_bad_parameters_are_refused_naming_them),
        cmocka_unit_test(test_q_length_limit),
        cmocka_unit_test(test_limit_and_offset_accepted),
        cmocka_unit_test(test_hostile_queries_are_harmless),
    };
    return cmocka_run_group_tests_name("search", tests, NULL, NULL);
}
