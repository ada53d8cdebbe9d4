/*
 * tests/api/test_kept_routes.c: the rows kept ready for the guidance and
 * the maps (sql/0019, internal/db/kept_routes.c), against the real server.
 *
 * After each kind of write that changes a municipality's coverage or its
 * partners, the guidance (and the maps of the county) the server answers
 * from the kept rows must be the very bytes its full statements give, and
 * the guidance must have changed. The full
 * statement's answer is had by making the kept rows unusable for a moment:
 * the test holds the advisory lock every recomputing takes (so nothing
 * recomputes meanwhile), marks everything dirty, asks for the same guidance
 * under another URL (on= today, so no cache holds it) and takes its mark
 * away again. A trigger that failed to mark, or a recomputing that missed a
 * municipality, shows as a difference.
 *
 * The fixture world lies far from every real municipality (the nearest is
 * 170 km away), inserted with libpq and removed afterwards:
 *
 *   county 96: K1 9601 (55.5 N 10.2 E), K2 9602 (borders K1, 22 km),
 *              K3 9603 (44 km from K1, borders nobody)
 *
 * Everything the tests create is valid from a year ago on, so it is a route
 * today, the day the kept rows are for.
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
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"

#define PATH_SIZE 256
#define HIGH "h%C3%B6g"
/* internal/db/kept_routes.c: KEPT_ROUTES_LOCK_KEY. */
#define LOCK_KEY "7123400119"
/* The server's day (its sessions are in UTC), which the kept rows are for. */
#define TODAY_SQL "(now() AT TIME ZONE 'UTC')::date"

static const char *const codes[] = { "9601", "9602", "9603" };
/* Ages on both sides of 12, so both sets of recommended types are compared. */
static const char *const queries[] = { "age=14&risk=" HIGH "&needs=familj", "age=8&risk=" HIGH };
/* The maps read the kept coverage too (the counties map is national). */
static const char *const maps[] = {
    "/v1/maps/municipalities?county=96",
    "/v1/maps/municipalities?county=96&intervention_type=familjebehandling",
    "/v1/maps/counties",
    "/v1/maps/counties?intervention_type=behandlingsfamilj",
};
#define CODE_COUNT (sizeof(codes) / sizeof(codes[0]))
#define QUERY_COUNT (sizeof(queries) / sizeof(queries[0]))
#define MAP_COUNT (sizeof(maps) / sizeof(maps[0]))
/* The guidance for each code and query, then the maps. */
#define ANSWER_COUNT (CODE_COUNT * QUERY_COUNT + MAP_COUNT)

static char admin_auth[256];
static unsigned long seed;
static int org_counter;
static char today[64], year_ago[64], year_ahead[64];
static long long k2_offering = -1;

static const char *const fixture_sql[] = {
    "INSERT INTO counties (code, name) VALUES ('96', 'Testlän 96 (fixtur)')",
    "INSERT INTO municipalities (code, name, county_code) VALUES "
    "('9601', 'Test K1', '96'), ('9602', 'Test K2', '96'), ('9603', 'Test K3', '96')",
    "INSERT INTO municipality_centroids (code, lat, lon) VALUES "
    "('9601', 55.5, 10.2), ('9602', 55.7, 10.2), ('9603', 55.5, 10.9)",
    "INSERT INTO municipality_neighbours (code_a, code_b) VALUES ('9601', '9602')",
};

/* Also what a run that stopped before its teardown created there through the API. */
static void remove_fixture_world(void)
{
    static const char *const sql[] = {
        "UPDATE agreements SET status = 'utkast' WHERE id IN (SELECT agreement_id FROM agreement_parties "
        "WHERE municipality_code LIKE '96%')",
        "DELETE FROM agreements WHERE id IN (SELECT agreement_id FROM agreement_parties "
        "WHERE municipality_code LIKE '96%')",
        "DELETE FROM offering_availability WHERE county_code = '96' OR offering_id IN (SELECT id FROM offerings "
        "WHERE provider_id IN (SELECT id FROM providers WHERE home_county_code = '96'))",
        "DELETE FROM offerings WHERE provider_id IN (SELECT id FROM providers WHERE home_county_code = '96')",
        "DELETE FROM providers WHERE home_county_code = '96'",
        "DELETE FROM municipality_neighbours WHERE code_a LIKE '96%' OR code_b LIKE '96%'",
        "DELETE FROM municipality_centroids WHERE code LIKE '96%'",
        "DELETE FROM municipalities WHERE code LIKE '96%'",
        "DELETE FROM counties WHERE code = '96'",
    };
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
        PQclear(db_query(sql[i], 0, NULL));
}

/* POSTs body (taken) as admin; the new id, remembered for cleanup, or -1. */
static long long create(const char *collection, json_t *body)
{
    return create_remembered(collection, admin_auth, body);
}

/* PATCHes path with body (taken) at its current ETag; whether it answered 200. */
static bool patch(const char *path, json_t *body)
{
    struct http_response r = { 0 };
    char etag[ETAG_MAX];
    bool ok = current_etag(path, admin_auth, etag);
    char *text = json_dumps(body, JSON_COMPACT);

    if (ok) {
        request_as("PATCH", path, admin_auth, "application/json", etag, text, &r);
        ok = r.status == 200;
        if (!ok)
            fprintf(stderr, "# PATCH %s -> %ld %.300s\n", path, r.status, r.body ? r.body : "");
    }
    free(text);
    json_decref(body);
    http_response_free(&r);
    return ok;
}

/* A provider in county 96 (of municipality code when kind is "kommun"), its id or -1. */
static long long provider(const char *kind, const char *code, const char *suffix)
{
    char nine[16], org[11], name[64];
    long long id = -1;

    for (int attempt = 0; attempt < 5 && id < 0; attempt++) {
        snprintf(nine, sizeof(nine), "96%05lu%02d", seed % 100000, org_counter++ % 100);
        organisation_number_of(nine, true, org);
        snprintf(name, sizeof(name), "TK %s %lu", suffix, seed % 100000);
        json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "organisation_number", org, "kind", kind,
                                 "home_county", "96");
        if (code != NULL)
            json_object_set_new(body, "municipality", json_string(code));
        id = create("/v1/providers", body);
    }
    return id;
}

static long long offering(long long provider_id, const char *method, int cost)
{
    return create("/v1/offerings",
                  json_pack("{s:I, s:s, s:s, s:s, s:s, s:i}", "provider_id", (json_int_t)provider_id, "method", method,
                            "delivery", "på plats", "valid_from", year_ago, "verified_on", year_ago,
                            "cost_per_case_sek", cost));
}

static bool kept_rows_are_current(void)
{
    return db_count("SELECT count(*) FROM kept_routes_dirty", 0, NULL) == 0
           && db_count("SELECT count(*) FROM kept_routes_state WHERE day = " TODAY_SQL, 0, NULL) == 1;
}

/* The path of answer i, with on ("" for the kept rows, or "&on=<today>"). */
static void answer_path(size_t i, const char *on, char path[PATH_SIZE])
{
    if (i < CODE_COUNT * QUERY_COUNT)
        snprintf(path, PATH_SIZE, "/v1/guidance?%s&municipality=%s%s", queries[i % QUERY_COUNT],
                 codes[i / QUERY_COUNT], on);
    else {
        const char *map = maps[i - CODE_COUNT * QUERY_COUNT];
        /* "&on=…" after a query, "?on=…" when the map has none. */
        snprintf(path, PATH_SIZE, "%s%s%s", map, on[0] != '\0' && strchr(map, '?') == NULL ? "?" : "",
                 on[0] != '\0' && strchr(map, '?') == NULL ? on + 1 : on);
    }
}

/* Every answer, each a 200; on as in answer_path. */
static bool fetch_answers(struct expectations *e, const char *on, char *answers[ANSWER_COUNT])
{
    struct http_response r = { 0 };
    char path[PATH_SIZE];
    bool ok = true;

    for (size_t i = 0; i < ANSWER_COUNT; i++) {
        answer_path(i, on, path);
        http_get(path, NULL, &r);
        ok = EXPECT(e, r.status == 200 && r.body != NULL, "GET %s: %ld %.300s", path, r.status, r.body ? r.body : "")
             && ok;
        answers[i] = r.body != NULL ? strdup(r.body) : NULL;
        http_response_free(&r);
    }
    return ok;
}

static void free_answers(char *answers[ANSWER_COUNT])
{
    for (size_t i = 0; i < ANSWER_COUNT; i++) {
        free(answers[i]);
        answers[i] = NULL;
    }
}

/*
 * The kept answers (right after a write, so no cache holds an older one) are
 * the full statement's, byte for byte. When before is not NULL, the answer
 * for before_index must differ from it (the write changed what is kept);
 * answers receives the kept answers (the caller frees them), or NULL.
 */
static void expect_kept_is_full(struct expectations *e, const char *label, char **answers, const char *before,
                                size_t before_index)
{
    char *kept[ANSWER_COUNT] = { 0 }, *full[ANSWER_COUNT] = { 0 };
    char on[80];
    bool locked = false, marked = false;

    snprintf(on, sizeof(on), "&on=%s", today);
    if (!EXPECT(e, kept_rows_are_current(), "%s: the write left marks or another day", label))
        goto cleanup;
    if (!fetch_answers(e, "", kept))
        goto cleanup;
    locked = db_command("SELECT pg_advisory_lock(" LOCK_KEY ")", 0, NULL);
    marked = locked && db_command("INSERT INTO kept_routes_dirty (code) VALUES ('*')", 0, NULL);
    if (!EXPECT(e, marked, "%s: could not mark the kept rows dirty", label) || !fetch_answers(e, on, full))
        goto cleanup;
    for (size_t i = 0; i < ANSWER_COUNT; i++) {
        char path[PATH_SIZE];
        answer_path(i, "", path);
        EXPECT(e, kept[i] != NULL && full[i] != NULL && strcmp(kept[i], full[i]) == 0,
               "%s: %s from the kept rows:\n%s\nfrom the full statement:\n%s", label, path, kept[i], full[i]);
    }
    if (before != NULL)
        EXPECT(e, kept[before_index] != NULL && strcmp(kept[before_index], before) != 0,
               "%s: the answer for %s did not change", label, codes[before_index / QUERY_COUNT]);
cleanup:
    if (marked)
        db_command("DELETE FROM kept_routes_dirty WHERE code = '*'", 0, NULL);
    if (locked)
        db_command("SELECT pg_advisory_unlock(" LOCK_KEY ")", 0, NULL);
    if (answers != NULL)
        for (size_t i = 0; i < ANSWER_COUNT; i++) {
            answers[i] = kept[i];
            kept[i] = NULL;
        }
    free_answers(kept);
    free_answers(full);
}

/* After a write: expect_kept_is_full, with the answer at index changed from
 * answers[index]; answers then holds the new answers. */
static void expect_write_kept(struct expectations *e, const char *label, char *answers[ANSWER_COUNT], size_t index)
{
    char *next[ANSWER_COUNT] = { 0 };

    expect_kept_is_full(e, label, next, answers[index], index);
    free_answers(answers);
    memcpy(answers, next, sizeof(next));
}

/* Where K1's answer at 14 (familj) is among the answers. */
#define K1_AT_14 0
#define K3_AT_14 (2 * QUERY_COUNT)

static int setup(void **state)
{
    (void)state;
    if (!fixtures_open_environment(admin_auth, sizeof(admin_auth), NULL, 0))
        return -1;
    seed = run_seed();
    if (!db_date(TODAY_SQL, today) || !db_date(TODAY_SQL " - 365", year_ago) || !db_date(TODAY_SQL " + 365", year_ahead))
        return -1;
    remove_fixture_world();   /* what a crashed earlier run left */
    for (size_t i = 0; i < sizeof(fixture_sql) / sizeof(fixture_sql[0]); i++)
        if (!db_command(fixture_sql[i], 0, NULL))
            return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* Only a draft may be deleted through the API. */
    PQclear(db_query("UPDATE agreements SET status = 'utkast' WHERE id IN (SELECT agreement_id FROM agreement_parties "
                     "WHERE municipality_code LIKE '96%')", 0, NULL));
    int failed = delete_created(admin_auth);
    remove_fixture_world();
    db_close();
    return failed;
}

/* Whether the server's keeper recomputed what is marked within 20 s (it looks every 5 s). */
static bool keeper_caught_up(void)
{
    bool current = false;
    for (int i = 0; i < 100 && !(current = kept_rows_are_current()); i++)
        usleep(200 * 1000);
    return current;
}

/* The fixture world came in with libpq, outside the API: the server's keeper
 * recomputes it within seconds, and everything when the day changes. */
static void test_the_keeper_recomputes_writes_outside_the_api_and_the_day(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    EXPECT(&e, db_count("SELECT count(*) FROM kept_routes_dirty", 0, NULL) > 0, "the fixture world left no mark");
    EXPECT(&e, keeper_caught_up(), "the keeper did not recompute the fixture world within 20 s");
    EXPECT(&e, db_count("SELECT count(*) FROM kept_partners WHERE code LIKE '96%'", 0, NULL) > 0,
           "no kept rows for the fixture world");
    /* No write since the fixture came in: nothing cached can be older than it. */
    expect_kept_is_full(&e, "fixture world", NULL, NULL, 0);

    /* The answer is read from the kept rows: one changed behind the server's
     * back (no mark) shows in an answer no cache holds yet. */
    if (EXPECT(&e, db_command("UPDATE kept_partners SET partners = '[\"changed behind its back\"]' "
                              "WHERE code = '9601'", 0, NULL), "could not change a kept row")) {
        http_get("/v1/guidance?age=14&risk=" HIGH "&needs=kamrater&municipality=9601", NULL, &r);
        EXPECT(&e, r.status == 200 && r.body != NULL && strstr(r.body, "changed behind its back") != NULL,
               "the guidance did not come from the kept rows: %ld %.300s", r.status, r.body ? r.body : "");
        http_response_free(&r);
        /* The rows as if made yesterday, with nothing marked: the change of
         * day makes the keeper recompute every row, the changed one too. */
        db_command("UPDATE kept_routes_state SET day = day - 1", 0, NULL);
        EXPECT(&e, keeper_caught_up(), "the keeper did not recompute the day's rows within 20 s");
        http_get("/v1/guidance?age=14&risk=" HIGH "&needs=skola&municipality=9601", NULL, &r);
        EXPECT(&e, r.status == 200 && r.body != NULL && strstr(r.body, "changed behind its back") == NULL,
               "the changed row outlived the change of day: %ld %.300s", r.status, r.body ? r.body : "");
        http_response_free(&r);
    }
    assert_int_equal(e.failed, 0);
}

/* K2's own delivery of FFT makes K2 K1's first familjebehandling partner. */
static void test_own_delivery(void **state)
{
    struct expectations e = { 0 };
    char *answers[ANSWER_COUNT] = { 0 };
    (void)state;

    expect_kept_is_full(&e, "before", answers, NULL, 0);
    long long k2_provider = provider("kommun", "9602", "egen regi");
    k2_offering = k2_provider >= 0 ? offering(k2_provider, "fft", 61000) : -1;
    if (EXPECT(&e, k2_offering >= 0, "could not create K2's own FFT"))
        expect_write_kept(&e, "K2's own FFT", answers, K1_AT_14);
    free_answers(answers);
    assert_int_equal(e.failed, 0);
}

/* A private provider's MST for the whole county, then its new name, then a
 * new cost: each reaches every municipality of the county. */
static void test_county_provider_name_and_cost(void **state)
{
    struct expectations e = { 0 };
    char *answers[ANSWER_COUNT] = { 0 };
    char path[PATH_SIZE];
    (void)state;

    expect_kept_is_full(&e, "before", answers, NULL, 0);
    long long county_provider = provider("privat", NULL, "länet");
    long long county_offering = county_provider >= 0 ? offering(county_provider, "mst", 72000) : -1;
    if (!EXPECT(&e, county_offering >= 0
                        && create("/v1/availability",
                                  json_pack("{s:I, s:s, s:s, s:i}", "offering_id", (json_int_t)county_offering, "county",
                                            "96", "status", "tillgänglig", "lead_time_weeks", 3))
                               >= 0,
                "could not make an MST available in county 96"))
        goto cleanup;
    expect_write_kept(&e, "county-wide MST", answers, K3_AT_14);

    snprintf(path, sizeof(path), "/v1/providers/%lld", county_provider);
    if (EXPECT(&e, patch(path, json_pack("{s:s}", "name", "TK länet, nytt namn")), "rename"))
        expect_write_kept(&e, "the provider's new name", answers, K3_AT_14);

    snprintf(path, sizeof(path), "/v1/offerings/%lld", county_offering);
    if (EXPECT(&e, patch(path, json_pack("{s:i}", "cost_per_case_sek", 70500)), "new cost"))
        expect_write_kept(&e, "the offering's new cost", answers, K3_AT_14);
cleanup:
    free_answers(answers);
    assert_int_equal(e.failed, 0);
}

/* Availability in K3 alone (read from the tables, not from a kept table). */
static void test_availability_in_one_municipality(void **state)
{
    struct expectations e = { 0 };
    char *answers[ANSWER_COUNT] = { 0 };
    (void)state;

    expect_kept_is_full(&e, "before", answers, NULL, 0);
    long long local_provider = provider("privat", NULL, "K3");
    long long local_offering = local_provider >= 0 ? offering(local_provider, "tfco", 90000) : -1;
    if (EXPECT(&e, local_offering >= 0
                   && create("/v1/availability",
                             json_pack("{s:I, s:s, s:s, s:s, s:i}", "offering_id", (json_int_t)local_offering,
                                       "county", "96", "municipality", "9603", "status", "tillgänglig",
                                       "lead_time_weeks", 1))
                          >= 0,
               "could not make TFCO available in K3"))
        expect_write_kept(&e, "TFCO in K3", answers, K3_AT_14);
    free_answers(answers);
    assert_int_equal(e.failed, 0);
}

/* An agreement in force in which K2 performs individual CBT for K3: K3's
 * route, and K2 a partner of K1 and K3 for it. */
static void test_agreement(void **state)
{
    struct expectations e = { 0 };
    char *answers[ANSWER_COUNT] = { 0 };
    char path[PATH_SIZE], etag[ETAG_MAX];
    struct http_response r = { 0 };
    (void)state;

    expect_kept_is_full(&e, "before", answers, NULL, 0);
    long long id = create(
        "/v1/agreements",
        json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:[s], s:[{s:s, s:s, s:{s:s, s:s, s:s}}, "
                  "{s:s, s:s, s:{s:s, s:s, s:s}}]}",
                  "title", "TK avtalssamverkan individuell KBT", "compensation_model", "per ärende", "per_case_sek", 31000,
                  "valid_from", year_ago, "valid_to", year_ahead, "procurement_exemption", "myndighetssamverkan",
                  "intervention_types", "individuell-kbt", "parties", "municipality", "9602", "role", "utförare",
                  "decision", "body", "socialnämnd", "date", year_ago, "paragraph", "§ 7", "municipality", "9603", "role",
                  "beställare", "decision", "body", "kommunfullmäktige", "date", year_ago, "reference", "KS 1/1"));
    if (!EXPECT(&e, id >= 0, "could not create the agreement"))
        goto cleanup;
    static const char *const steps[] = { "föreslagen", "aktiv" };
    for (size_t s = 0; s < 2; s++) {
        char body[64];
        snprintf(path, sizeof(path), "/v1/agreements/%lld", id);
        bool ok = current_etag(path, admin_auth, etag);
        snprintf(path, sizeof(path), "/v1/agreements/%lld/transitions", id);
        snprintf(body, sizeof(body), "{\"to\":\"%s\"}", steps[s]);
        if (ok)
            request_as("POST", path, admin_auth, "application/json", etag, body, &r);
        if (!EXPECT(&e, ok && r.status == 200, "%s: %ld %.300s", steps[s], r.status, r.body ? r.body : ""))
            goto cleanup;
        http_response_free(&r);
    }
    expect_write_kept(&e, "the agreement in force", answers, K3_AT_14);
cleanup:
    http_response_free(&r);
    free_answers(answers);
    assert_int_equal(e.failed, 0);
}

/* K2's offering gone: K1 loses its partner again. */
static void test_deleted_offering(void **state)
{
    struct expectations e = { 0 };
    char *answers[ANSWER_COUNT] = { 0 };
    char path[PATH_SIZE];
    (void)state;

    if (!EXPECT(&e, k2_offering >= 0, "no offering of K2 to delete"))
        goto cleanup;
    expect_kept_is_full(&e, "before", answers, NULL, 0);
    snprintf(path, sizeof(path), "/v1/offerings/%lld", k2_offering);
    if (EXPECT(&e, delete_if_present(path, admin_auth) == 204, "DELETE %s", path)) {
        forget_created(path);
        expect_write_kept(&e, "K2's FFT deleted", answers, K1_AT_14);
    }
cleanup:
    free_answers(answers);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_keeper_recomputes_writes_outside_the_api_and_the_day),
        cmocka_unit_test(test_own_delivery),
        cmocka_unit_test(test_county_provider_name_and_cost),
        cmocka_unit_test(test_availability_in_one_municipality),
        cmocka_unit_test(test_agreement),
        cmocka_unit_test(test_deleted_offering),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
