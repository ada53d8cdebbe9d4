/*
 * tests/api/support_coverage.c: the world and helpers the coverage test files
 * share (see support_coverage.h).
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

/* ---- state ------------------------------------------------------------------ */

char coverage_admin_auth[300];
static char word[16];
static unsigned long run_number;
static int org_counter;
static char last_lsn[64];            /* X-Consistency-LSN of the newest write, sent on every read */

char coverage_county[3];
bool coverage_county_clean;            /* nothing but this run's rows can be valid there 2030-2032 */
char coverage_municipality[MUNICIPALITIES_MAX][5];
char coverage_municipality_name[MUNICIPALITIES_MAX][80];
size_t coverage_municipality_count;
char coverage_type_slug[TYPES_MAX][64];   /* the recommended types, sorted */
size_t coverage_type_count;
long long coverage_agreement_id = -1;

static struct {
    char path[96];
    bool live;
} created[CREATED_MAX];
static size_t created_count;


static const struct {
    const char *suffix, *kind;
    bool own;                        /* linked to municipality M_OWN */
} provider_fixtures[PROVIDER_COUNT] = {
    [P_OWN] = { "Egen", "kommun", true },
    [P_X] = { "Xeta", "privat", false },
    [P_Y] = { "Ypsilon", "idéburen", false },
};

const struct offering_fixture coverage_offering_fixtures[OFFERING_COUNT] = {
    [O_OWN] = { P_OWN, "cope", "2031-01-01", "2031-12-31", "2030-04-01", 12000 },
    [O_OWN2] = { P_OWN, "snap", "2031-01-01", "2031-12-31", "2028-11-30", 20000 },
    [O_PLAN] = { P_X, "komet", "2031-01-01", "2031-12-31", "2030-02-01", 5000 },
    [O_NONE] = { P_X, "dina", "2031-01-01", "2031-12-31", "2030-03-01", 3000 },
    [O_V] = { P_X, "mst", "2031-01-01", "2031-12-31", "2029-01-15", 1000 },
    [O_T] = { P_Y, "fft", "2031-01-01", "2031-12-31", "2030-06-01", 50000 },
    [O_T3] = { P_X, "bsft", "2031-01-01", "2031-12-31", "2030-07-01", 40000 },
    [O_T2] = { P_Y, "mdft", "2031-01-01", "2031-12-31", "2030-08-01", 100 },
    [O_MUNI] = { P_Y, "tfco", "2031-01-01", "2031-12-31", "2030-09-01", 30000 },
    [O_OLD] = { P_Y, "fft", "2030-01-01", "2030-12-31", "2029-06-01", 0 },
};

static const struct {
    enum offering_index offering;
    int place;                       /* NONE: a county-level row, else the municipality's index */
    const char *status;
    int lead_time;                   /* NONE: null */
} availability_fixtures[] = {
    { O_PLAN, NONE, "planerad", NONE },
    { O_NONE, NONE, "ej tillgänglig", 1 },
    { O_V, NONE, "väntelista", 10 },
    { O_T, NONE, "tillgänglig", 20 },
    { O_T3, NONE, "tillgänglig", 20 },
    { O_T2, NONE, "tillgänglig", 25 },
    { O_MUNI, NONE, "ej tillgänglig", 0 },
    { O_MUNI, M_ROW, "tillgänglig", 2 },
    { O_MUNI, M_PLANNED, "planerad", NONE },
    { O_OLD, NONE, "tillgänglig", 0 },
};
#define AVAILABILITY_COUNT (sizeof(availability_fixtures) / sizeof(availability_fixtures[0]))

long long coverage_provider_id[PROVIDER_COUNT];
long long coverage_offering_id[OFFERING_COUNT];

bool coverage_status_covers(const char *status)
{
    return status != NULL && (strcmp(status, "tillgänglig") == 0 || strcmp(status, "begränsad") == 0
                              || strcmp(status, "väntelista") == 0);
}

/* ---- requests ---------------------------------------------------------------- */

static void note_lsn(const struct http_response *r)
{
    const char *lsn = http_header(r, "X-Consistency-LSN");
    if (lsn != NULL && strlen(lsn) < sizeof(last_lsn))
        snprintf(last_lsn, sizeof(last_lsn), "%s", lsn);
}

int coverage_send_as(const char *method, const char *path, const char *authorization, const char *if_match,
                   const char *body, struct http_response *r)
{
    http_response_free(r);
    int rc = request_as(method, path, authorization, "application/json", if_match, body, r);
    if (r->status >= 200 && r->status < 300 && strcmp(method, "GET") != 0)
        note_lsn(r);
    return rc;
}

/* A read that must see every write made so far (X-Consistency-LSN); accept may be NULL. */
int coverage_get(const char *path, const char *accept, struct http_response *r)
{
    char lsn_line[100], accept_line[100];
    const char *headers[3];
    size_t n = 0;

    http_response_free(r);
    if (last_lsn[0] != '\0') {
        snprintf(lsn_line, sizeof(lsn_line), "X-Consistency-LSN: %s", last_lsn);
        headers[n++] = lsn_line;
    }
    if (accept != NULL) {
        snprintf(accept_line, sizeof(accept_line), "Accept: %s", accept);
        headers[n++] = accept_line;
    }
    headers[n] = NULL;
    return http_get(path, headers, r);
}

static void remember(const char *collection, long long id)
{
    if (created_count < CREATED_MAX) {
        snprintf(created[created_count].path, sizeof(created[0].path), "%s/%lld", collection, id);
        created[created_count++].live = true;
    }
}

/* POSTs body (taken) to collection as admin; returns the new id, or -1 (the reason printed). */
static long long create(const char *collection, json_t *body)
{
    struct http_response r = { 0 };
    char *text = json_dumps(body, JSON_COMPACT);
    long long id = -1;

    coverage_send_as("POST", collection, coverage_admin_auth, NULL, text, &r);
    if (r.status == 201 && json_is_integer(json_at(r.json, "id"))) {
        id = json_integer_value(json_at(r.json, "id"));
        remember(collection, id);
    } else {
        fprintf(stderr, "# setup: POST %s %s -> %ld %.400s\n", collection, text, r.status, r.body ? r.body : "");
    }
    free(text);
    json_decref(body);
    http_response_free(&r);
    return id;
}

/* ---- the database ---------------------------------------------------------- */

/* A county with at least five municipalities where nothing else can be valid 2030-2032, fewest first. */
static bool choose_county(void)
{
    static const char *const sql =
        "SELECT c.code, NOT EXISTS (SELECT 1 FROM offering_availability av JOIN offerings o ON o.id = av.offering_id "
        "                   WHERE av.county_code = c.code AND o.valid_from <= '2032-12-31' "
        "                     AND (o.valid_to IS NULL OR o.valid_to >= '2030-01-01')) "
        "   AND NOT EXISTS (SELECT 1 FROM providers p JOIN municipalities m ON m.code = p.municipality_code "
        "                   JOIN offerings o ON o.provider_id = p.id "
        "                   WHERE m.county_code = c.code AND o.valid_from <= '2032-12-31' "
        "                     AND (o.valid_to IS NULL OR o.valid_to >= '2030-01-01')) "
        "   AND NOT EXISTS (SELECT 1 FROM agreement_parties ap JOIN municipalities m ON m.code = ap.municipality_code "
        "                   JOIN agreements a ON a.id = ap.agreement_id "
        "                   WHERE m.county_code = c.code AND a.valid_from <= '2032-12-31' "
        "                     AND (a.valid_to IS NULL OR a.valid_to >= '2030-01-01')) AS clean "
        "FROM counties c WHERE (SELECT count(*) FROM municipalities m WHERE m.county_code = c.code) BETWEEN 5 AND 40 "
        "ORDER BY 2 DESC, (SELECT count(*) FROM municipalities m WHERE m.county_code = c.code), c.code LIMIT 1";
    PGresult *res = db_query(sql, 0, NULL);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;

    if (ok) {
        snprintf(coverage_county, sizeof(coverage_county), "%s", PQgetvalue(res, 0, 0));
        coverage_county_clean = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    }
    PQclear(res);
    if (!ok)
        return false;
    if (!coverage_county_clean)
        fprintf(stderr, "# no county is free of other routes in 2030-2032 (example data?): the cell tables are "
                        "skipped; using county %s\n", coverage_county);

    const char *params[] = { coverage_county };
    res = db_query("SELECT code, name FROM municipalities WHERE county_code = $1 ORDER BY code COLLATE \"C\"", 1,
                   params);
    coverage_municipality_count = 0;
    for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res) && i < MUNICIPALITIES_MAX; i++) {
        snprintf(coverage_municipality[i], sizeof(coverage_municipality[i]), "%s", PQgetvalue(res, i, 0));
        snprintf(coverage_municipality_name[i], sizeof(coverage_municipality_name[i]), "%s", PQgetvalue(res, i, 1));
        coverage_municipality_count++;
    }
    PQclear(res);

    /* The recommended types: every strength but "bör inte". */
    res = db_query("SELECT t.slug FROM recommendations r JOIN knowledge_supports k ON k.id = r.knowledge_support_id "
                   "JOIN intervention_types t ON t.id = r.intervention_type_id "
                   "WHERE k.slug = '" KNOWLEDGE_SUPPORT "' AND r.strength::text IN ('bör', 'kan', 'kan i undantagsfall') "
                   "GROUP BY t.slug ORDER BY t.slug COLLATE \"C\"", 0, NULL);
    coverage_type_count = 0;
    for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res) && i < TYPES_MAX; i++)
        snprintf(coverage_type_slug[coverage_type_count++], sizeof(coverage_type_slug[0]), "%s", PQgetvalue(res, i, 0));
    PQclear(res);
    if (coverage_municipality_count < 5 || coverage_type_count == 0) {
        fprintf(stderr, "# county %s has %zu municipalities, %zu recommended types\n", coverage_county, coverage_municipality_count,
                coverage_type_count);
        return false;
    }
    return true;
}

/* ---- organisation numbers ------------------------------------------------------ */

static void organisation_number(char out[11])
{
    char nine[16];
    snprintf(nine, sizeof(nine), "96%05lu%02d", run_number % 100000, org_counter++ % 100);
    organisation_number_of(nine, true, out);
}

/* ---- setup ---------------------------------------------------------------------- */

static json_t *agreement_body(void)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:I, s:[s], s:[{s:s, s:s, s:{s:s, s:s, s:s}}, "
                     "{s:s, s:s, s:{s:s, s:s, s:s}}]}",
                     "title", "TC avtalssamverkan kbt", "compensation_model", "per ärende", "per_case_sek", 25000,
                     "valid_from", "2031-01-01", "valid_to", "2031-12-31", "procurement_exemption",
                     "myndighetssamverkan", "offering_id", (json_int_t)coverage_offering_id[O_OWN2], "intervention_types",
                     "kbt-fardighetstraning", "parties", "municipality", coverage_municipality[M_OWN], "role", "utförare",
                     "decision", "body", "socialnämnd", "date", "2030-03-01", "paragraph", "§ 7", "municipality",
                     coverage_municipality[M_ORDERER], "role", "beställare", "decision", "body", "kommunfullmäktige", "date",
                     "2030-03-15", "reference", "KS 2030/12");
}

static bool create_world(void)
{
    for (int p = 0; p < PROVIDER_COUNT; p++) {
        char name[80], org[11];
        coverage_provider_id[p] = -1;
        for (int attempt = 0; attempt < 5 && coverage_provider_id[p] < 0; attempt++) {
            organisation_number(org);
            snprintf(name, sizeof(name), "TC %s %s", word, provider_fixtures[p].suffix);
            json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "organisation_number", org, "kind",
                                     provider_fixtures[p].kind, "home_county", coverage_county);
            if (provider_fixtures[p].own)
                json_object_set_new(body, "municipality", json_string(coverage_municipality[M_OWN]));
            coverage_provider_id[p] = create("/v1/providers", body);
        }
        if (coverage_provider_id[p] < 0)
            return false;
    }
    for (int o = 0; o < OFFERING_COUNT; o++) {
        coverage_offering_id[o] = create("/v1/offerings",
                                json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i}", "provider_id",
                                          (json_int_t)coverage_provider_id[coverage_offering_fixtures[o].provider], "method",
                                          coverage_offering_fixtures[o].method, "delivery", "på plats", "valid_from",
                                          coverage_offering_fixtures[o].valid_from, "valid_to", coverage_offering_fixtures[o].valid_to,
                                          "verified_on", coverage_offering_fixtures[o].verified_on, "cost_per_case_sek",
                                          coverage_offering_fixtures[o].cost));
        if (coverage_offering_id[o] < 0)
            return false;
    }
    for (size_t a = 0; a < AVAILABILITY_COUNT; a++) {
        json_t *body = json_pack("{s:I, s:s, s:s}", "offering_id",
                                 (json_int_t)coverage_offering_id[availability_fixtures[a].offering], "county", coverage_county,
                                 "status", availability_fixtures[a].status);
        if (availability_fixtures[a].place != NONE)
            json_object_set_new(body, "municipality", json_string(coverage_municipality[availability_fixtures[a].place]));
        if (availability_fixtures[a].lead_time != NONE)
            json_object_set_new(body, "lead_time_weeks", json_integer(availability_fixtures[a].lead_time));
        if (create("/v1/availability", body) < 0)
            return false;
    }
    /* A draft with every party's decision; the first test moves it through its lifecycle. */
    coverage_agreement_id = create("/v1/agreements", agreement_body());
    return coverage_agreement_id >= 0;
}

int coverage_setup_group(void **state)
{
    (void)state;

    if (!fixtures_open_environment(coverage_admin_auth, sizeof(coverage_admin_auth), NULL, 0))
        return -1;
    unsigned long seed = run_seed();
    word_of_seed(seed, 'c', word, sizeof(word));
    run_number = (seed * 2654435761UL) % 100000;

    if (!choose_county() || !create_world())
        return -1;
    return 0;
}

static bool delete_path(const char *path)
{
    struct http_response r = { 0 };
    char etag[ETAG_MAX];
    bool ok = true;

    /* The teardown changes agreements in SQL behind the server's back: until the change
     * notification reaches the server's cache, a GET may still give the old ETag (412). */
    for (int attempt = 0; attempt < 50 && current_etag(path, coverage_admin_auth, etag); attempt++) {
        http_response_free(&r);
        coverage_send_as("DELETE", path, coverage_admin_auth, etag, NULL, &r);
        if (r.status != 412)
            break;
        usleep(20 * 1000);
    }
    if (r.status != 0) {
        ok = r.status == 204 || r.status == 404;
        if (!ok)
            fprintf(stderr, "# teardown: DELETE %s -> %ld %.300s\n", path, r.status, r.body);
    }
    http_response_free(&r);
    return ok;
}

int coverage_teardown_group(void **state)
{
    int failed = 0;
    (void)state;

    for (size_t i = created_count; i-- > 0;) {
        if (!created[i].live)
            continue;
        if (strncmp(created[i].path, "/v1/agreements/", 15) == 0) {
            /* Only a draft can be deleted: set it back first. */
            const char *params[] = { created[i].path + 15 };
            PQclear(db_query("UPDATE agreements SET status = 'utkast' WHERE id = $1::bigint", 1, params));
            if (!delete_path(created[i].path)) {
                PQclear(db_query("DELETE FROM agreements WHERE id = $1::bigint", 1, params));
                failed = -1;
            }
        } else if (!delete_path(created[i].path)) {
            failed = -1;
        }
        created[i].live = false;
    }
    db_close();
    return failed;
}

/* ---- reading the answers ------------------------------------------------------ */

bool coverage_json_int_is(const json_t *object, const char *dotted_path, long long value)
{
    json_t *got = json_at(object, dotted_path);
    return value == NONE ? json_is_null(got) : json_is_integer(got) && json_integer_value(got) == value;
}

const char *coverage_text_of(const json_t *value)
{
    return json_is_string(value) ? json_string_value(value) : json_is_null(value) ? "null" : "(missing)";
}

/* A JSON value as compact text, into buf (for messages). */
const char *coverage_dump(const json_t *value, char *buf, size_t size)
{
    char *text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    snprintf(buf, size, "%s", text ? text : "(missing)");
    free(text);
    return buf;
}

void coverage_coverage_path(char *out, size_t size, const char *what, const char *code, const char *on)
{
    snprintf(out, size, "/v1/%s/%s/coverage%s%s", what, code, on ? "?on=" : "", on ? on : "");
}

/* GETs a municipality's coverage on a date (NULL: today); true when a good JSON answer came. */
bool coverage_get_municipality(struct expectations *e, size_t m, const char *on, struct http_response *r)
{
    char path[PATH_MAX_LENGTH];
    coverage_coverage_path(path, sizeof(path), "municipalities", coverage_municipality[m], on);
    coverage_get(path, NULL, r);
    return expect_json(e, r, 200, path);
}

bool coverage_get_county(struct expectations *e, const char *on, struct http_response *r)
{
    char path[PATH_MAX_LENGTH];
    coverage_coverage_path(path, sizeof(path), "counties", coverage_county, on);
    coverage_get(path, NULL, r);
    return expect_json(e, r, 200, path);
}

/* The entry for type in a municipality answer's intervention_types, or NULL. */
json_t *coverage_type_entry(const json_t *answer, const char *type)
{
    json_t *types = json_at(answer, "intervention_types"), *entry;
    size_t i;
    json_array_foreach(types, i, entry)
        if (json_string_is(entry, "slug", type))
            return entry;
    return NULL;
}

/* The row for code in a county answer, or NULL. */
json_t *coverage_county_row(const json_t *answer, const char *code)
{
    json_t *rows = json_at(answer, "rows"), *row;
    size_t i;
    json_array_foreach(rows, i, row)
        if (json_string_is(row, "municipality.code", code))
            return row;
    return NULL;
}

/* Checks a best route (or its absence) against the table. */
void coverage_expect_route(struct expectations *e, const json_t *route, const json_t *covered,
                         const struct cell_expect *x, const char *label)
{
    char buf[600];

    if (x == NULL) {
        EXPECT(e, json_is_null(route), "%s: a route where there is none: %s", label, coverage_dump(route, buf, sizeof(buf)));
        EXPECT(e, json_is_false(covered), "%s: covered without a route", label);
        return;
    }
    if (!EXPECT(e, json_is_object(route), "%s: no best route, wanted %s %s via offering %lld", label, x->kind,
                x->status, coverage_offering_id[x->offering]))
        return;
    EXPECT(e, json_is_boolean(covered) && json_is_true(covered) == coverage_status_covers(x->status),
           "%s: covered is %s for a best route %s", label, coverage_dump(covered, buf, sizeof(buf)), x->status);
    EXPECT(e, json_string_is(route, "kind", x->kind), "%s: kind %s, wanted %s: %s", label,
           coverage_text_of(json_at(route, "kind")), x->kind, coverage_dump(route, buf, sizeof(buf)));
    EXPECT(e, json_string_is(route, "status", x->status), "%s: status %s, wanted %s: %s", label,
           coverage_text_of(json_at(route, "status")), x->status, coverage_dump(route, buf, sizeof(buf)));
    EXPECT(e, coverage_json_int_is(route, "lead_time_weeks", x->lead_time), "%s: lead_time_weeks, wanted %d: %s", label,
           x->lead_time, coverage_dump(route, buf, sizeof(buf)));
    EXPECT(e, coverage_json_int_is(route, "cost_per_case_sek", x->cost), "%s: cost_per_case_sek, wanted %d: %s", label,
           x->cost, coverage_dump(route, buf, sizeof(buf)));
    EXPECT(e, coverage_json_int_is(route, "offering_id", coverage_offering_id[x->offering]), "%s: offering_id, wanted %lld: %s", label,
           coverage_offering_id[x->offering], coverage_dump(route, buf, sizeof(buf)));
    if (strcmp(x->kind, "avtalssamverkan") == 0) {
        EXPECT(e, coverage_json_int_is(route, "agreement.id", coverage_agreement_id), "%s: agreement.id, wanted %lld: %s", label,
               coverage_agreement_id, coverage_dump(route, buf, sizeof(buf)));
        EXPECT(e, json_string_is(route, "agreement.performer", coverage_municipality[M_OWN]), "%s: agreement.performer: %s",
               label, coverage_dump(route, buf, sizeof(buf)));
        EXPECT(e, json_is_null(json_at(route, "provider")), "%s: an agreement route names a provider", label);

    } else {
        EXPECT(e, json_string_is(route, "method", coverage_offering_fixtures[x->offering].method), "%s: method %s, wanted %s",
               label, coverage_text_of(json_at(route, "method")), coverage_offering_fixtures[x->offering].method);
        EXPECT(e, coverage_json_int_is(route, "provider.id", coverage_provider_id[coverage_offering_fixtures[x->offering].provider]),
               "%s: provider.id: %s", label, coverage_dump(route, buf, sizeof(buf)));
        EXPECT(e, json_is_null(json_at(route, "agreement")), "%s: a %s route names an agreement", label, x->kind);
    }
}

bool coverage_transition(struct expectations *e, const char *to)
{
    struct http_response r = { 0 };
    char path[100], etag[ETAG_MAX], body[64];

    snprintf(path, sizeof(path), "/v1/agreements/%lld", coverage_agreement_id);
    if (!current_etag(path, coverage_admin_auth, etag))
        snprintf(etag, sizeof(etag), "\"none\"");
    snprintf(path, sizeof(path), "/v1/agreements/%lld/transitions", coverage_agreement_id);
    snprintf(body, sizeof(body), "{\"to\":\"%s\"}", to);
    coverage_send_as("POST", path, coverage_admin_auth, etag, body, &r);
    bool ok = EXPECT(e, r.status == 200 && json_string_is(r.json, "status", to), "POST %s %s: %ld %.300s", path, body,
                     r.status, r.body);
    http_response_free(&r);
    return ok;
}

/* The verified_on of an offering: the fixture's, or the server's for one this run did not make. */
bool coverage_verified_on(long long id, char out[16])
{
    for (int o = 0; o < OFFERING_COUNT; o++)
        if (coverage_offering_id[o] == id) {
            snprintf(out, 16, "%s", coverage_offering_fixtures[o].verified_on);
            return true;
        }
    struct http_response r = { 0 };
    char path[64];
    snprintf(path, sizeof(path), "/v1/offerings/%lld", id);
    coverage_get(path, NULL, &r);
    const char *value = json_string_value(json_at(r.json, "verified_on"));
    snprintf(out, 16, "%s", value ? value : "");
    http_response_free(&r);
    return value != NULL;
}
