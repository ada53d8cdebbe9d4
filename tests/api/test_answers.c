/*
 * tests/api/test_answers.c: whole answers in the cache (internal/http/
 * answers.c): the gzip variant with its own ETag and 304s per variant, and
 * a change notification that drops only the answers built from its table.
 *
 * Reads with Authorization or X-Consistency-LSN never use these answers
 * (answers_key). Whether a read was a cache hit is read from /metrics: a hit counts one
 * lookup hit and no miss (routes answered without cached documents, such as
 * /metrics itself, are not looked up once the server has seen one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fixtures.h"
#include "http_client.h"

static const char *const gzip_header[] = { "Accept-Encoding: gzip", NULL };
static char admin[256];   /* "Bearer <$ADMIN_KEY>" */

static void get_ok(const char *path, const char *const *headers, struct http_response *r)
{
    http_response_free(r);
    assert_int_equal(http_get(path, headers, r), 0);
    assert_int_equal(r->status, 200);
}

static void gzip_is_another_representation_with_its_own_tag(void **state)
{
    struct http_response plain = { 0 }, gzip = { 0 }, again = { 0 };
    char etag[ETAG_MAX], gzip_etag[ETAG_MAX], header[ETAG_MAX + 32];
    (void)state;

    get_ok("/v1/methods", NULL, &plain);
    get_ok("/v1/methods", NULL, &plain);   /* the second is whole from the cache */
    get_ok("/v1/methods", gzip_header, &gzip);
    assert_string_equal(http_header(&gzip, "Content-Encoding") ?: "", "gzip");
    assert_null(http_header(&plain, "Content-Encoding"));
    assert_non_null(strstr(http_header(&gzip, "Vary") ?: "", "Accept-Encoding"));
    assert_non_null(strstr(http_header(&plain, "Vary") ?: "", "Accept-Encoding"));
    /* gzip's magic bytes, and at most a quarter of the plain size. */
    assert_true(gzip.body_length > 2 && (unsigned char)gzip.body[0] == 0x1f && (unsigned char)gzip.body[1] == 0x8b);
    assert_true(gzip.body_length * 4 <= plain.body_length);
    snprintf(etag, sizeof(etag), "%s", http_header(&plain, "ETag") ?: "");
    snprintf(gzip_etag, sizeof(gzip_etag), "%s", http_header(&gzip, "ETag") ?: "");
    assert_true(etag[0] == '"' && gzip_etag[0] == '"');
    assert_string_not_equal(etag, gzip_etag);

    /* If-None-Match answers 304 for the variant it names, and only for it. */
    snprintf(header, sizeof(header), "If-None-Match: %s", gzip_etag);
    const char *gzip_revalidate[] = { "Accept-Encoding: gzip", header, NULL };
    const char *plain_with_gzip_tag[] = { header, NULL };
    assert_int_equal(http_get("/v1/methods", gzip_revalidate, &again), 0);
    assert_int_equal(again.status, 304);
    assert_string_equal(http_header(&again, "ETag") ?: "", gzip_etag);
    http_response_free(&again);
    assert_int_equal(http_get("/v1/methods", plain_with_gzip_tag, &again), 0);
    assert_int_equal(again.status, 200);
    assert_string_equal(http_header(&again, "ETag") ?: "", etag);
    http_response_free(&again);
    snprintf(header, sizeof(header), "If-None-Match: %s", etag);
    const char *plain_revalidate[] = { header, NULL };
    assert_int_equal(http_get("/v1/methods", plain_revalidate, &again), 0);
    assert_int_equal(again.status, 304);

    /* A small body stays plain, whatever the client accepts. */
    get_ok("/healthz", gzip_header, &again);
    assert_null(http_header(&again, "Content-Encoding"));
    http_response_free(&plain);
    http_response_free(&gzip);
    http_response_free(&again);
}

struct lookups {
    long long hits, misses, invalidations;
};

/* The value on the line that starts with name (not the # HELP line that mentions it). */
static long long metric(const char *text, const char *name)
{
    for (const char *line = text; line != NULL; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, name, strlen(name)) == 0)
            return atoll(line + strlen(name));
    return -1;
}

static struct lookups read_lookups(void)
{
    struct http_response r = { 0 };
    struct lookups l;

    get_ok("/metrics", NULL, &r);
    l.hits = metric(r.body, "insatskatalog_cache_lookups_total{result=\"hit\"} ");
    l.misses = metric(r.body, "insatskatalog_cache_lookups_total{result=\"miss\"} ");
    l.invalidations = metric(r.body, "insatskatalog_cache_invalidations_total ");
    http_response_free(&r);
    return l;
}

/* Whether GET path was answered from the cache (one hit, no miss). */
static bool was_hit(const char *path)
{
    struct http_response r = { 0 };
    read_lookups();   /* once, so that /metrics is known not to be cached */
    struct lookups before = read_lookups();
    get_ok(path, NULL, &r);
    http_response_free(&r);
    struct lookups after = read_lookups();
    return after.hits - before.hits == 1 && after.misses == before.misses;
}

/* A statement that changes no row still fires the statement trigger's NOTIFY. */
static void touch_table(const char *table)
{
    char sql[128];
    struct lookups before = read_lookups();

    snprintf(sql, sizeof(sql), "UPDATE %s SET updated_at = updated_at WHERE false", table);
    assert_true(db_command(sql, 0, NULL));
    for (int i = 0; i < 200 && read_lookups().invalidations == before.invalidations; i++) {
        struct timespec pause = { 0, 10 * 1000 * 1000 };
        nanosleep(&pause, NULL);
    }
    assert_true(read_lookups().invalidations > before.invalidations);
}

static void a_change_drops_only_the_answers_built_from_its_table(void **state)
{
    const char *method = "/v1/methods/fft";
    const char *providers = "/v1/methods/fft/providers?county=03";
    struct http_response r = { 0 };
    (void)state;

    get_ok(method, NULL, &r);
    get_ok(providers, NULL, &r);
    http_response_free(&r);
    assert_true(was_hit(method));
    assert_true(was_hit(providers));

    /* Availability changed: the providers of a method go, the catalogue stays. */
    touch_table("offering_availability");
    assert_true(was_hit(method));
    assert_false(was_hit(providers));   /* refilled by this read */
    assert_true(was_hit(providers));

    /* The method itself changed: both go (providers embed methods). */
    touch_table("methods");
    assert_false(was_hit(method));
    assert_false(was_hit(providers));
}

static void a_cached_answer_gets_this_request_s_own_headers(void **state)
{
    struct http_response r = { 0 };
    const char *first[] = { "X-Request-Id: answers-first", NULL };
    const char *second[] = { "X-Request-Id: answers-second", NULL };
    (void)state;

    get_ok("/v1/methods/mst", first, &r);
    assert_true(was_hit("/v1/methods/mst"));
    get_ok("/v1/methods/mst", second, &r);
    assert_string_equal(http_header(&r, "X-Request-Id") ?: "", "answers-second");
    assert_string_equal(http_header(&r, "Access-Control-Allow-Origin") ?: "", "*");
    assert_string_equal(http_header(&r, "Cache-Control") ?: "", "no-cache");
    assert_true(http_media_type_is(&r, "application/json"));
    http_response_free(&r);
}

/* A client that read the gzip answer holds its tag; a write takes it in If-Match like the plain one. */
static void a_write_accepts_the_gzip_answer_s_tag(void **state)
{
    struct http_response r = { 0 }, w = { 0 };
    char gzip_etag[ETAG_MAX], body[1200];
    (void)state;

    get_ok("/v1/methods/fft", NULL, &r);
    get_ok("/v1/methods/fft", gzip_header, &r);
    snprintf(gzip_etag, sizeof(gzip_etag), "%s", http_header(&r, "ETag") ?: "");
    assert_non_null(strstr(gzip_etag, "-gzip\""));
    /* The note it has now: the write changes nothing but updated_at. */
    get_ok("/v1/methods/fft", NULL, &r);
    json_t *note = json_pack("{s:O}", "availability_note", json_at(r.json, "availability_note"));
    char *text = json_dumps(note, JSON_COMPACT);
    snprintf(body, sizeof(body), "%s", text);
    free(text);
    json_decref(note);
    assert_int_equal(request_as("PATCH", "/v1/methods/fft", admin, "application/merge-patch+json", gzip_etag, body, &w), 0);
    assert_int_equal(w.status, 200);
    http_response_free(&w);
    /* Now stale, like any tag of the record before the write. */
    assert_int_equal(request_as("PATCH", "/v1/methods/fft", admin, "application/merge-patch+json", gzip_etag, body, &w), 0);
    assert_int_equal(w.status, 412);
    http_response_free(&w);
    http_response_free(&r);
}

/*
 * internal/db/tables.c lists the statements that read only the catalogue,
 * so that a change elsewhere keeps their answers. They read these views;
 * the views must be built from catalogue tables alone.
 */
static void catalogue_views_read_only_catalogue_tables(void **state)
{
    (void)state;
    char *outside = db_text(
        "WITH RECURSIVE deps(view_name, rel) AS ("
        "  SELECT view_name::text, table_name::text FROM information_schema.view_table_usage"
        "   WHERE view_schema = 'public' AND view_name IN ('knowledge_support_docs', 'intervention_type_docs',"
        "     'method_docs', 'assessment_instrument_docs', 'material_docs', 'survey_docs', 'county_docs',"
        "     'municipality_docs', 'search_documents', 'recommendation_docs')"
        "  UNION SELECT d.view_name, u.table_name::text FROM deps d"
        "   JOIN information_schema.view_table_usage u ON u.view_name = d.rel AND u.view_schema = 'public') "
        "SELECT coalesce(string_agg(DISTINCT view_name || ' reads ' || rel, ', '), '') FROM deps "
        "WHERE rel NOT IN (SELECT table_name FROM information_schema.views WHERE table_schema = 'public')"
        "  AND rel NOT IN ('counties', 'municipalities', 'knowledge_supports', 'intervention_types',"
        "    'recommendations', 'methods', 'assessment_instruments', 'materials', 'surveys', 'survey_results')",
        0, NULL);
    assert_non_null(outside);
    assert_string_equal(outside, "");
    free(outside);
}

static int setup(void **state)
{
    (void)state;
    return fixtures_open_environment(admin, sizeof(admin), NULL, 0) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    db_close();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gzip_is_another_representation_with_its_own_tag),
        cmocka_unit_test(a_change_drops_only_the_answers_built_from_its_table),
        cmocka_unit_test(a_cached_answer_gets_this_request_s_own_headers),
        cmocka_unit_test(catalogue_views_read_only_catalogue_tables),
        cmocka_unit_test(a_write_accepts_the_gzip_answer_s_tag),
    };
    return cmocka_run_group_tests_name("answers", tests, setup, teardown);
}
