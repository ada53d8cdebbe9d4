/*
 * tests/api/test_partners_maps.c: neighbours, partners and the GeoJSON maps,
 * against the real server.
 *
 * Neighbours are checked on the reference data (Enköping, Gotland). Partners
 * are ranked in a fixture world far from every real municipality (the
 * nearest is 163 km away), inserted with libpq and removed afterwards:
 *
 *   county 99: A 9901 (asks), N1 9902 (borders A, 40 km), N2 9903 (borders A, 20 km)
 *   county 98: F1 9801 (30 km), F2 9802 (70 km), F3 9803 (150 km); none borders A
 *   own delivery of FFT in 2031 (a kommun provider's offering): N2 and F2
 *
 * Two counties of three, so the coverage tests (which look for a county of at
 * least five municipalities) never pick them.
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
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"

#define PATH_SIZE 256
#define ON "2031-06-01"
#define GEOJSON "application/geo+json"

static char admin_auth[256];
static unsigned long seed;
static int org_counter;

/* The fixture geography: A at 69.0 N 24.0 E; 1° of latitude is 111.2 km. */
static const char *const fixture_sql[] = {
    "INSERT INTO counties (code, name) VALUES ('99', 'Testlän 99 (fixtur)'), ('98', 'Testlän 98 (fixtur)')",
    "INSERT INTO municipalities (code, name, county_code) VALUES "
    "('9901', 'Test A', '99'), ('9902', 'Test N1', '99'), ('9903', 'Test N2', '99'), "
    "('9801', 'Test F1', '98'), ('9802', 'Test F2', '98'), ('9803', 'Test F3', '98')",
    "INSERT INTO municipality_centroids (code, lat, lon) VALUES "
    "('9901', 69.0, 24.0), ('9902', 68.6403, 24.0), ('9903', 69.1799, 24.0), "
    "('9801', 69.0, 24.7528), ('9802', 68.3705, 24.0), ('9803', 67.651, 24.0)",
    "INSERT INTO municipality_neighbours (code_a, code_b) VALUES ('9901', '9902'), ('9901', '9903')",
};

/* Also what a run that stopped before its teardown created there through the API. */
static void remove_fixture_geography(void)
{
    PQclear(db_query("DELETE FROM offering_availability WHERE offering_id IN (SELECT id FROM offerings "
                     "WHERE provider_id IN (SELECT id FROM providers WHERE home_county_code IN ('98', '99')))",
                     0, NULL));
    PQclear(db_query("DELETE FROM offerings WHERE provider_id IN (SELECT id FROM providers "
                     "WHERE home_county_code IN ('98', '99'))", 0, NULL));
    PQclear(db_query("DELETE FROM providers WHERE home_county_code IN ('98', '99')", 0, NULL));
    PQclear(db_query("DELETE FROM municipality_neighbours "
                     "WHERE left(code_a, 2) IN ('98', '99') OR left(code_b, 2) IN ('98', '99')", 0, NULL));
    PQclear(db_query("DELETE FROM municipality_centroids WHERE left(code, 2) IN ('98', '99')", 0, NULL));
    PQclear(db_query("DELETE FROM municipalities WHERE left(code, 2) IN ('98', '99')", 0, NULL));
    PQclear(db_query("DELETE FROM counties WHERE code IN ('98', '99')", 0, NULL));
}

/* POSTs body (taken) as admin; the new id, remembered for cleanup, or -1. */
static long long create(const char *collection, json_t *body)
{
    return create_remembered(collection, admin_auth, body);
}

static long long last_provider;                         /* the provider own_fft() made last */
static long long n2_offering, f2_offering, f2_provider;  /* N2's and F2's own FFT */

/* A kommun provider of municipality code with an FFT offering valid in 2031; the offering's id or -1. */
static long long own_fft(const char *code)
{
    char nine[16], org[11], name[64], county[3] = { code[0], code[1], '\0' };
    long long provider = -1;

    for (int attempt = 0; attempt < 5 && provider < 0; attempt++) {
        snprintf(nine, sizeof(nine), "97%05lu%02d", seed % 100000, org_counter++ % 100);
        organisation_number_of(nine, true, org);
        snprintf(name, sizeof(name), "TP %s egen regi %lu", code, seed % 100000);
        provider = create("/v1/providers", json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", name, "organisation_number",
                                                     org, "kind", "kommun", "home_county", county, "municipality", code));
    }
    if (provider < 0)
        return -1;
    last_provider = provider;
    return create("/v1/offerings",
                  json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "provider_id", (json_int_t)provider,
                            "method", "fft", "delivery", "på plats", "valid_from", "2031-01-01", "valid_to", "2031-12-31",
                            "verified_on", "2030-06-01", "cost_per_case_sek", 60000, "startup_fee_sek", 200000,
                            "training_cost_per_participant_sek", 30000));
}

static int setup(void **state)
{
    (void)state;
    if (!fixtures_open_environment(admin_auth, sizeof(admin_auth), NULL, 0))
        return -1;
    seed = run_seed();
    remove_fixture_geography();   /* what a crashed earlier run left */
    for (size_t i = 0; i < sizeof(fixture_sql) / sizeof(fixture_sql[0]); i++)
        if (!db_command(fixture_sql[i], 0, NULL))
            return -1;
    if ((n2_offering = own_fft("9903")) < 0 || (f2_offering = own_fft("9802")) < 0)
        return -1;
    f2_provider = last_provider;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int failed = delete_created(admin_auth);
    remove_fixture_geography();
    db_close();
    return failed;
}

/* ---- neighbours ------------------------------------------------------------------ */

static void test_neighbours_of_enkoping(void **state)
{
    static const char *const names[] = { "Håbo", "Uppsala", "Heby", "Sala", "Västerås", "Strängnäs", "Upplands-Bro",
                                         "Ekerö" };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    http_get("/v1/municipalities/0381/neighbours", NULL, &r);
    if (expect_json(&e, &r, 200, "neighbours of 0381")) {
        json_t *neighbours = json_at(r.json, "neighbours");
        EXPECT(&e, json_string_is(r.json, "municipality.name", "Enköping"), "municipality");
        EXPECT(&e, json_array_size(neighbours) == 8, "%zu neighbours, wanted 8: %s", json_array_size(neighbours), r.body);
        for (size_t i = 0; i < 8; i++) {
            bool found = false;
            size_t j;
            json_t *n;
            json_array_foreach(neighbours, j, n)
                found = found || json_string_is(n, "name", names[i]);
            EXPECT(&e, found, "%s is not a neighbour of Enköping", names[i]);
        }
        double previous = 0;
        size_t j;
        json_t *n;
        json_array_foreach(neighbours, j, n) {
            double km = json_number_value(json_at(n, "distance_km"));
            EXPECT(&e, json_is_number(json_at(n, "distance_km")) && km > 0 && km < 100 && km >= previous,
                   "distance %g after %g", km, previous);
            previous = km;
        }
    }
    http_get("/v1/municipalities/0980/neighbours", NULL, &r);
    if (expect_json(&e, &r, 200, "neighbours of Gotland"))
        EXPECT(&e, json_is_array(json_at(r.json, "neighbours")) && json_array_size(json_at(r.json, "neighbours")) == 0,
               "Gotland has neighbours: %s", r.body);
    /* Symmetric: Håbo (0305) has Enköping among its neighbours. */
    http_get("/v1/municipalities/0305/neighbours", NULL, &r);
    if (expect_json(&e, &r, 200, "neighbours of Håbo")) {
        bool found = false;
        size_t j;
        json_t *n;
        json_array_foreach(json_at(r.json, "neighbours"), j, n)
            found = found || json_string_is(n, "code", "0381");
        EXPECT(&e, found, "Enköping is not a neighbour of Håbo");
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- partners -------------------------------------------------------------------- */

struct partner_expect {
    const char *code, *kind;
    bool neighbour;
    const char *estimate_first;   /* the performer of the estimate; NULL: no estimate */
};

static void expect_partners(struct expectations *e, const char *path, const struct partner_expect *want, size_t count)
{
    struct http_response r = { 0 };

    http_get(path, NULL, &r);
    if (!expect_json(e, &r, 200, path)) {
        http_response_free(&r);
        return;
    }
    json_t *partners = json_at(r.json, "partners");
    EXPECT(e, json_array_size(partners) == count && json_integer_value(json_at(r.json, "total")) == (json_int_t)count,
           "%s: %zu partners, wanted %zu: %s", path, json_array_size(partners), count, r.body);
    EXPECT(e, json_is_null(json_at(r.json, "own_route")), "%s: A has a route of its own", path);
    for (size_t i = 0; i < count && i < json_array_size(partners); i++) {
        json_t *p = json_array_get(partners, i);
        EXPECT(e, json_string_is(p, "municipality.code", want[i].code), "%s: partner %zu is %s, wanted %s", path, i,
               json_string_value(json_at(p, "municipality.code")), want[i].code);
        EXPECT(e, json_string_is(p, "partner_kind", want[i].kind), "%s: %s is %s, wanted %s", path, want[i].code,
               json_string_value(json_at(p, "partner_kind")), want[i].kind);
        EXPECT(e, json_is_true(json_at(p, "neighbour")) == want[i].neighbour, "%s: %s neighbour", path, want[i].code);
        EXPECT(e, json_is_number(json_at(p, "distance_km")), "%s: %s distance", path, want[i].code);
        if (strcmp(want[i].kind, "utförare") == 0)
            EXPECT(e, json_string_is(p, "route.kind", "egen regi") && json_string_is(p, "route.method", "fft"),
                   "%s: %s route", path, want[i].code);
        else
            EXPECT(e, json_is_null(json_at(p, "route")), "%s: %s has a route", path, want[i].code);
        json_t *estimate = json_at(p, "cost_estimate");
        if (want[i].estimate_first == NULL) {
            EXPECT(e, json_is_null(estimate), "%s: %s has an estimate", path, want[i].code);
            continue;
        }
        const char *other = strcmp(want[i].estimate_first, want[i].code) == 0 ? "9901" : want[i].code;
        EXPECT(e, json_string_is(estimate, "method", "fft") && json_string_is(estimate, "municipalities.0",
                                                                              want[i].estimate_first)
                      && json_string_is(estimate, "municipalities.1", other)
                      && json_integer_value(json_at(estimate, "first_year_total_sek")) > 0
                      && json_is_integer(json_at(estimate, "saving_first_year_sek"))
                      && json_is_string(json_at(estimate, "href")),
               "%s: %s estimate: %.600s", path, want[i].code, r.body);
    }
    http_response_free(&r);
}

/* Neighbours first (by distance), then the others within the radius by distance. */
static void test_partners_ranking(void **state)
{
    static const struct partner_expect by_method[] = {
        { "9903", "utförare", true, "9903" },
        { "9902", "medbeställare", true, "9901" },
        { "9801", "medbeställare", false, "9901" },
        { "9802", "utförare", false, "9802" },
    };
    static const struct partner_expect wider[] = {
        { "9903", "utförare", true, "9903" },
        { "9902", "medbeställare", true, "9901" },
        { "9801", "medbeställare", false, "9901" },
        { "9802", "utförare", false, "9802" },
        { "9803", "medbeställare", false, "9901" },
    };
    static const struct partner_expect by_type[] = {
        { "9903", "utförare", true, "9903" },
        { "9902", "medbeställare", true, NULL },
        { "9801", "medbeställare", false, NULL },
        { "9802", "utförare", false, "9802" },
    };
    struct expectations e = { 0 };
    (void)state;

    expect_partners(&e, "/v1/municipalities/9901/partners?method=fft&on=" ON, by_method, 4);
    expect_partners(&e, "/v1/municipalities/9901/partners?method=fft&on=" ON "&radius_km=155", wider, 5);
    /* Bordering municipalities are partners however small the radius. */
    expect_partners(&e, "/v1/municipalities/9901/partners?method=fft&on=" ON "&radius_km=1", by_method, 2);
    expect_partners(&e, "/v1/municipalities/9901/partners?intervention_type=familjebehandling&on=" ON, by_type, 4);
    assert_int_equal(e.failed, 0);
}

static void test_partners_errors(void **state)
{
    static const struct {
        const char *path;
        long status;
        const char *field;
    } rows[] = {
        { "/v1/municipalities/0381/partners", 400, "intervention_type" },
        { "/v1/municipalities/0381/partners?method=fft&intervention_type=familjebehandling", 400, "method" },
        { "/v1/municipalities/0381/partners?method=fft&radius_km=0", 400, "radius_km" },
        { "/v1/municipalities/0381/partners?method=fft&radius_km=1001", 400, "radius_km" },
        { "/v1/municipalities/0381/partners?method=fft&radius_km=ten", 400, "radius_km" },
        { "/v1/municipalities/0381/partners?method=fft&radius_km=-5", 400, "radius_km" },
        { "/v1/municipalities/0381/partners?method=FFT!", 400, "method" },
        { "/v1/municipalities/0381/partners?method=fft&on=2031-02-30", 400, "on" },
        { "/v1/municipalities/0381/partners?method=fft&county=03", 400, "county" },
        { "/v1/municipalities/0381/partners?method=nope", 404, NULL },
        { "/v1/municipalities/0381/partners?intervention_type=nope", 404, NULL },
        { "/v1/municipalities/0399/partners?method=fft", 404, NULL },
        { "/v1/municipalities/038/partners?method=fft", 404, NULL },
        { "/v1/municipalities/0399/neighbours", 404, NULL },
        { "/v1/municipalities/abcd/neighbours", 404, NULL },
        { "/v1/municipalities/0381/neighbours?radius_km=5", 400, "radius_km" },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        http_get(rows[i].path, NULL, &r);
        expect_problem(&e, &r, rows[i].status,
                       rows[i].status == 400 ? "/problems/invalid-parameter" : "/problems/not-found", rows[i].field,
                       rows[i].path);
    }
    http_get("/v1/municipalities/0381/partners?method=nope", NULL, &r);
    const char *detail = json_string_value(json_at(r.json, "detail"));
    EXPECT(&e, detail != NULL && strcmp(detail, "No method has the slug \"nope\".") == 0, "detail: %s",
           detail ? detail : "(none)");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- maps ------------------------------------------------------------------------ */

/* Expects a FeatureCollection of count features in code order; returns the features (borrowed) or NULL. */
static json_t *expect_collection(struct expectations *e, const struct http_response *r, long long count,
                                 const char *county, const char *label)
{
    if (!EXPECT(e, r->status == 200 && http_media_type_is(r, GEOJSON) && json_is_object(r->json),
                "%s: %ld %s", label, r->status, http_header(r, "Content-Type") ?: "(no type)"))
        return NULL;
    json_t *features = json_at(r->json, "features");
    EXPECT(e, json_string_is(r->json, "type", "FeatureCollection"), "%s: type", label);
    EXPECT(e, http_header(r, "ETag") != NULL, "%s: no ETag", label);
    EXPECT(e, (long long)json_array_size(features) == count, "%s: %zu features, wanted %lld", label,
           json_array_size(features), count);
    const char *previous = "";
    size_t i;
    json_t *f;
    json_array_foreach(features, i, f) {
        const char *code = json_string_value(json_at(f, "properties.code"));
        json_t *geometry = json_at(f, "geometry");
        EXPECT(e, json_string_is(f, "type", "Feature") && code != NULL && json_string_is(f, "id", code)
                      && strcmp(code, previous) > 0 && json_is_string(json_at(f, "properties.name")),
               "%s: feature %zu", label, i);
        EXPECT(e, json_is_null(geometry) || ((json_string_is(geometry, "type", "Polygon")
                                              || json_string_is(geometry, "type", "MultiPolygon"))
                                             && json_is_array(json_at(geometry, "coordinates"))),
               "%s: %s geometry", label, code ? code : "?");
        if (county != NULL)
            EXPECT(e, code != NULL && strncmp(code, county, 2) == 0, "%s: %s is not in county %s", label, code, county);
        previous = code ? code : previous;
    }
    return features;
}

static void test_maps(void **state)
{
    static const char *const accept_geojson[] = { "Accept: application/geo+json", NULL };
    static const char *const accept_any[] = { "Accept: */*", NULL };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    const char *params[] = { "03" };
    long long in_03 = db_count("SELECT count(*) FROM municipalities WHERE county_code = $1", 1, params);
    long long all = db_count("SELECT count(*) FROM municipalities", 0, NULL);
    long long counties = db_count("SELECT count(*) FROM counties", 0, NULL);
    (void)state;

    http_get("/v1/counties/03/coverage", accept_geojson, &r);
    json_t *features = expect_collection(&e, &r, in_03, "03", "county 03 coverage as GeoJSON");
    EXPECT(&e, in_03 == 8, "county 03 has %lld municipalities", in_03);
    EXPECT(&e, features != NULL && json_is_object(json_at(json_array_get(features, 0), "geometry"))
                   && json_is_object(json_at(json_array_get(features, 0), "properties.cells")),
           "the first feature has no border or no cells");
    http_get("/v1/counties/03/coverage", accept_any, &r);
    expect_json(&e, &r, 200, "county coverage with Accept: */*");
    http_get("/v1/counties/98/coverage", accept_geojson, &r);
    expect_collection(&e, &r, 3, "98", "fixture county 98 as GeoJSON (no borders)");
    http_get("/v1/counties/97/coverage", accept_geojson, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "county 97 as GeoJSON");

    http_get("/v1/maps/municipalities", NULL, &r);
    expect_collection(&e, &r, all, NULL, "the national map");
    http_get("/v1/maps/municipalities?county=03&intervention_type=familjebehandling", NULL, &r);
    features = expect_collection(&e, &r, in_03, "03", "county 03, one type");
    EXPECT(&e, features != NULL && json_integer_value(json_at(json_array_get(features, 0), "properties.types")) == 1
                   && json_is_object(json_at(json_array_get(features, 0), "properties.cells.familjebehandling")),
           "one type: properties");
    http_get("/v1/maps/counties?intervention_type=behandlingsfamilj", NULL, &r);
    features = expect_collection(&e, &r, counties, NULL, "the county map");
    EXPECT(&e, features != NULL && json_is_number(json_at(json_array_get(features, 0), "properties.share")),
           "county map: share");

    static const struct {
        const char *path;
        long status;
        const char *field;
    } rows[] = {
        { "/v1/maps/municipalities?county=3", 400, "county" },
        { "/v1/maps/municipalities?county=97", 404, NULL },
        { "/v1/maps/municipalities?intervention_type=nope", 404, NULL },
        { "/v1/maps/municipalities?intervention_type=Nope!", 400, "intervention_type" },
        { "/v1/maps/municipalities?on=2031-13-01", 400, "on" },
        { "/v1/maps/municipalities?colour=red", 400, "colour" },
        { "/v1/maps/counties?county=03", 400, "county" },
        { "/v1/maps/counties?intervention_type=nope", 404, NULL },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        http_get(rows[i].path, NULL, &r);
        expect_problem(&e, &r, rows[i].status,
                       rows[i].status == 400 ? "/problems/invalid-parameter" : "/problems/not-found", rows[i].field,
                       rows[i].path);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- guidance follows writes ------------------------------------------------------ */

/* A's guidance in 2031: familjebehandling (FFT's type) is recommended at 14 and high risk. */
#define GUIDANCE_A "/v1/guidance?age=14&risk=h%C3%B6g&needs=familj&municipality=9901&on=" ON
#define DECISION "{\"body\": \"socialnämnd\", \"date\": \"2030-11-01\"}"

/* GETs A's guidance into r; its familjebehandling recommendation (borrowed from r), or NULL. */
static json_t *familjebehandling_of_a(struct expectations *e, struct http_response *r, const char *label)
{
    json_t *rec, *found = NULL;
    size_t i;

    http_get(GUIDANCE_A, NULL, r);
    if (!expect_json(e, r, 200, label))
        return NULL;
    json_array_foreach(json_at(r->json, "recommendations"), i, rec)
        if (json_string_is(rec, "intervention_type.slug", "familjebehandling"))
            found = rec;
    EXPECT(e, found != NULL, "%s: no familjebehandling: %.600s", label, r->body);
    return found;
}

/*
 * A's familjebehandling in the guidance, as "covered|code:route kind,..." (its
 * coverage, then its partners in order), into out; false when it is not there.
 */
static bool guidance_of_a(struct expectations *e, char *out, size_t size, const char *label)
{
    struct http_response r = { 0 };
    json_t *partner;
    size_t i, used = 0;

    out[0] = '\0';
    json_t *found = familjebehandling_of_a(e, &r, label);
    if (found != NULL) {
        used = (size_t)snprintf(out, size, "%s|",
                                json_is_true(json_at(found, "coverage.covered")) ? "covered" : "not covered");
        json_array_foreach(json_at(found, "partners"), i, partner)
            if (used < size)
                used += (size_t)snprintf(out + used, size - used, "%s%s:%s", i ? "," : "",
                                         json_string_value(json_at(partner, "municipality.code")),
                                         json_string_value(json_at(partner, "route.kind")));
    }
    http_response_free(&r);
    return found != NULL;
}

/* METHOD path with body as admin, with the record's current ETag; the status, or -1. */
static long write_as_admin(const char *method, const char *path, const char *etag_of, const char *body)
{
    struct http_response r = { 0 };
    char etag[ETAG_MAX];
    long status = -1;

    if (current_etag(etag_of, admin_auth, etag)) {
        request_as(method, path, admin_auth, "application/json", etag, body, &r);
        status = r.status;
        if (status != 200 && status != 201)
            fprintf(stderr, "# %s %s %s -> %ld %.300s\n", method, path, body, status, r.body ? r.body : "");
    }
    http_response_free(&r);
    return status;
}

static void expect_guidance(struct expectations *e, const char *want, const char *label)
{
    char got[512];

    if (guidance_of_a(e, got, sizeof(got), label))
        EXPECT(e, strcmp(got, want) == 0, "%s: %s, wanted %s", label, got, want);
}

/*
 * The guidance (cached like every document) follows each kind of write its
 * routes rest on: an offering's days, a provider's municipality, an agreement
 * coming into force and its notice. Each write is undone, so the world is as
 * before for the tests after this one.
 */
static void test_guidance_follows_writes(void **state)
{
    static const char *const before = "not covered|9903:egen regi,9802:egen regi";
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_SIZE], agreement_path[PATH_SIZE], body[1024];
    long long agreement = -1;
    (void)state;

    expect_guidance(&e, before, "before");

    snprintf(path, sizeof(path), "/v1/offerings/%lld", n2_offering);
    EXPECT(&e, write_as_admin("PATCH", path, path, "{\"valid_to\": \"2031-05-31\"}") == 200, "N2's offering ends");
    expect_guidance(&e, "not covered|9802:egen regi", "N2's offering ended before the day");
    EXPECT(&e, write_as_admin("PATCH", path, path, "{\"valid_to\": \"2031-12-31\"}") == 200, "N2's offering back");
    expect_guidance(&e, before, "N2's offering back");

    snprintf(path, sizeof(path), "/v1/providers/%lld", f2_provider);
    EXPECT(&e, write_as_admin("PATCH", path, path, "{\"municipality\": \"9801\"}") == 200, "F2's provider moves");
    expect_guidance(&e, "not covered|9903:egen regi,9801:egen regi", "F2's provider is F1's now");
    EXPECT(&e, write_as_admin("PATCH", path, path, "{\"municipality\": \"9802\"}") == 200, "F2's provider back");
    expect_guidance(&e, before, "F2's provider back");

    /* F1 performs FFT for A by an agreement in force in 2031. */
    snprintf(body, sizeof(body),
             "{\"title\": \"TP %lu F1 utför FFT åt A (fiktivt)\", \"compensation_model\": \"lika delar\", "
             "\"yearly_amount_sek\": 50000, \"valid_from\": \"2031-01-01\", \"notice_period_months\": 6, "
             "\"procurement_exemption\": \"intern upphandling\", \"methods\": [\"fft\"], \"parties\": ["
             "{\"municipality\": \"9801\", \"role\": \"utförare\", \"decision\": " DECISION "}, "
             "{\"municipality\": \"9901\", \"role\": \"beställare\", \"decision\": " DECISION "}]}",
             seed % 100000);
    request_as("POST", "/v1/agreements", admin_auth, "application/json", NULL, body, &r);
    if (EXPECT(&e, r.status == 201 && json_is_integer(json_at(r.json, "id")), "the agreement: %ld %.600s", r.status,
               r.body ? r.body : "")) {
        agreement = json_integer_value(json_at(r.json, "id"));
        snprintf(agreement_path, sizeof(agreement_path), "/v1/agreements/%lld", agreement);
        snprintf(path, sizeof(path), "/v1/agreements/%lld/transitions", agreement);
        EXPECT(&e, write_as_admin("POST", path, agreement_path, "{\"to\": \"föreslagen\"}") == 200, "proposed");
        expect_guidance(&e, before, "a proposed agreement is no route");
        EXPECT(&e, write_as_admin("POST", path, agreement_path, "{\"to\": \"aktiv\"}") == 200, "activated");
        expect_guidance(&e, "covered|9903:egen regi,9801:avtalssamverkan,9802:egen regi", "the agreement in force");
        /* Notice now ends it within months, long before the day asked. */
        EXPECT(&e, write_as_admin("POST", path, agreement_path, "{\"to\": \"uppsagd\"}") == 200, "notice given");
        expect_guidance(&e, before, "the agreement has ended by the day asked");
    }
    http_response_free(&r);
    if (agreement > 0) {
        /* Only drafts can be deleted (sql/0008), through libpq as the other agreement tests do. */
        char id[32];
        snprintf(id, sizeof(id), "%lld", agreement);
        const char *params[] = { id };
        EXPECT(&e, db_command("UPDATE agreements SET status = 'utkast', notice_given_on = NULL, notice_given_by = NULL, "
                              "ends_on = NULL WHERE id = $1::bigint", 1, params)
                       && db_command("DELETE FROM agreements WHERE id = $1::bigint", 1, params),
               "could not remove agreement %s", id);
    }
    assert_int_equal(e.failed, 0);
}

/*
 * A's familjebehandling in the guidance, as "covered|kind|status|lead time|cost|offering"
 * of its best route ("not covered|none" without one), into out; false when it is not there.
 */
static bool best_route_of_a(struct expectations *e, char *out, size_t size, const char *label)
{
    struct http_response r = { 0 };
    json_t *route;

    out[0] = '\0';
    json_t *found = familjebehandling_of_a(e, &r, label);
    if (found != NULL) {
        route = json_at(found, "coverage.best_route");
        if (json_is_object(route))
            snprintf(out, size, "%s|%s|%s|%lld|%lld|%lld",
                     json_is_true(json_at(found, "coverage.covered")) ? "covered" : "not covered",
                     json_string_value(json_at(route, "kind")), json_string_value(json_at(route, "status")),
                     (long long)json_integer_value(json_at(route, "lead_time_weeks")),
                     (long long)json_integer_value(json_at(route, "cost_per_case_sek")),
                     (long long)json_integer_value(json_at(route, "offering_id")));
        else
            snprintf(out, size, "%s|none", json_is_true(json_at(found, "coverage.covered")) ? "covered" : "not covered");
    }
    http_response_free(&r);
    return found != NULL;
}

static void expect_best_route(struct expectations *e, const char *want, const char *label)
{
    char got[256];

    if (best_route_of_a(e, got, sizeof(got), label))
        EXPECT(e, strcmp(got, want) == 0, "%s: %s, wanted %s", label, got, want);
}

/*
 * A county-wide provider route (kept ready with its offering's cost and days,
 * sql/0018) follows each write it rests on: the availability's status and
 * lead time, the offering's cost and days (applied for the day asked). N2's
 * own FFT offered county-wide in county 99 is A's best route while it is
 * offered; it is withdrawn at the end, so the map test after this one sees
 * county 99 as before.
 */
static void test_provider_route_follows_writes(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char offering_path[PATH_SIZE], path[PATH_SIZE], want[256];
    long long availability = -1;
    (void)state;

    expect_best_route(&e, "not covered|none", "before");
    snprintf(offering_path, sizeof(offering_path), "/v1/offerings/%lld", n2_offering);
    availability = create("/v1/availability", json_pack("{s:I, s:s, s:s, s:i}", "offering_id", (json_int_t)n2_offering,
                                                         "county", "99", "status", "väntelista", "lead_time_weeks", 4));
    if (EXPECT(&e, availability > 0, "could not offer N2's FFT in county 99")) {
        snprintf(path, sizeof(path), "/v1/availability/%lld", availability);
        snprintf(want, sizeof(want), "covered|utförare|väntelista|4|60000|%lld", n2_offering);
        expect_best_route(&e, want, "N2's FFT offered county-wide");

        EXPECT(&e, write_as_admin("PATCH", offering_path, offering_path, "{\"cost_per_case_sek\": 55000}") == 200,
               "N2's offering costs less");
        snprintf(want, sizeof(want), "covered|utförare|väntelista|4|55000|%lld", n2_offering);
        expect_best_route(&e, want, "the offering's new cost");

        EXPECT(&e, write_as_admin("PATCH", path, path, "{\"status\": \"tillgänglig\", \"lead_time_weeks\": 1}") == 200,
               "available at once");
        snprintf(want, sizeof(want), "covered|utförare|tillgänglig|1|55000|%lld", n2_offering);
        expect_best_route(&e, want, "the availability's new status and lead time");

        EXPECT(&e, write_as_admin("PATCH", offering_path, offering_path, "{\"valid_to\": \"2031-05-31\"}") == 200,
               "N2's offering ends");
        expect_best_route(&e, "not covered|none", "the offering ended before the day asked");
        EXPECT(&e, write_as_admin("PATCH", offering_path, offering_path,
                                  "{\"valid_to\": \"2031-12-31\", \"cost_per_case_sek\": 60000}") == 200,
               "N2's offering back");
        snprintf(want, sizeof(want), "covered|utförare|tillgänglig|1|60000|%lld", n2_offering);
        expect_best_route(&e, want, "the offering back");

        EXPECT(&e, write_as_admin("PATCH", path, path, "{\"status\": \"ej tillgänglig\"}") == 200, "withdrawn");
        expect_best_route(&e, "not covered|none", "a withdrawn availability is no route");
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* The cached map and partners change as soon as a municipality starts to deliver. */
static void test_map_follows_a_change(void **state)
{
    static const char *const path = "/v1/maps/municipalities?county=99&intervention_type=familjebehandling&on=" ON;
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    http_get(path, NULL, &r);
    json_t *features = expect_collection(&e, &r, 3, "99", "county 99 before");
    EXPECT(&e, features != NULL && json_string_is(json_array_get(features, 1), "properties.code", "9902")
                   && json_integer_value(json_at(json_array_get(features, 1), "properties.covered")) == 0
                   && json_integer_value(json_at(json_array_get(features, 2), "properties.covered")) == 1
                   && json_string_is(json_array_get(features, 2), "properties.cells.familjebehandling.route", "egen regi"),
           "before: %.600s", r.body);
    EXPECT(&e, own_fft("9902") > 0, "could not add N1's own FFT");
    http_get(path, NULL, &r);
    features = expect_collection(&e, &r, 3, "99", "county 99 after");
    EXPECT(&e, features != NULL && json_integer_value(json_at(json_array_get(features, 1), "properties.covered")) == 1,
           "after: the map did not change: %.600s", r.body);
    http_get("/v1/municipalities/9901/partners?method=fft&on=" ON, NULL, &r);
    EXPECT(&e, json_string_is(r.json, "partners.1.municipality.code", "9902")
                   && json_string_is(r.json, "partners.1.partner_kind", "utförare"),
           "after: partners did not change: %.600s", r.body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_neighbours_of_enkoping),
        cmocka_unit_test(test_partners_ranking),
        cmocka_unit_test(test_partners_errors),
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_guidance_follows_writes),
        cmocka_unit_test(test_provider_route_follows_writes),
        cmocka_unit_test(test_map_follows_a_change),   /* last: it changes the world */
    };
    return cmocka_run_group_tests_name("partners_maps", tests, setup, teardown);
}
