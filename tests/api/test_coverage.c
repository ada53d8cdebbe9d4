/*
 * tests/api/test_coverage.c: coverage of a municipality and of a county, and
 * the gaps, against the real server.
 *
 * The group setup picks a county with at least five municipalities in which
 * nothing else can be valid between 2030 and 2032 (no availability row, no
 * own provider's offering and no agreement of its municipalities overlapping
 * those years; checked with libpq) and builds a world there through the API
 * with ADMIN_KEY, all of it valid only in 2031 (one offering only in 2030):
 *
 *   M0 (own)      a kommun provider of its own offering cope (föräldraskapsstöd)
 *                 and snap (kbt-färdighetsträning)
 *   M0 + M1       an agreement, M0 performing for M1, over kbt-färdighetsträning
 *                 (per case, naming M0's snap offering), valid 2031
 *   county-wide   familjebehandling: mst väntelista lead 10 cost 1 000,
 *                 fft tillgänglig lead 20 cost 50 000, bsft tillgänglig lead 20
 *                 cost 40 000 (the best: status, then lead, then cost),
 *                 mdft tillgänglig lead 25 cost 100; fft also (another
 *                 offering) tillgänglig lead 0 cost 0, but only in 2030;
 *                 komet planerad (not covered); dina ej tillgänglig (no route);
 *                 tfco ej tillgänglig
 *   M2            tfco tillgänglig lead 2 (a municipality-level row)
 *   M3            tfco planerad (a municipality-level row)
 *   M4 …          nothing of its own
 *
 * and checks every cell against a table, for several dates and for each step
 * of the agreement's lifecycle; that each municipality's answer equals its row
 * of the county matrix; that the CSV is that matrix; that the gaps are exactly
 * its uncovered cells; what based_on says; and the errors. Everything created
 * is deleted again (an agreement in force is first set back to a draft with
 * libpq, since only drafts can be deleted).
 *
 * When no county is free of other data (example data loaded), the tests that
 * check cells against the table are skipped; the consistency checks still run.
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

#define PATH_MAX_LENGTH 512
#define CREATED_MAX 64
#define MUNICIPALITIES_MAX 64
#define TYPES_MAX 32
#define NONE (-1)

#define KNOWLEDGE_SUPPORT "normbrytande-beteende-2021"
#define ON_2031 "2031-06-01"
#define ON_2030 "2030-06-01"
#define ON_BEFORE_AGREEMENT "2030-12-31"
#define ON_AFTER "2032-01-01"

/* ---- state ------------------------------------------------------------------ */

static char admin_auth[300];
static char word[16];
static unsigned long run_number;
static int org_counter;
static char last_lsn[64];            /* X-Consistency-LSN of the newest write, sent on every read */

static char county[3];
static bool county_clean;            /* nothing but this run's rows can be valid there 2030-2032 */
static char municipality[MUNICIPALITIES_MAX][5];
static char municipality_name[MUNICIPALITIES_MAX][80];
static size_t municipality_count;
static char type_slug[TYPES_MAX][64];   /* the recommended types, sorted */
static size_t type_count;
static long long agreement_id = -1;

static struct {
    char path[96];
    bool live;
} created[CREATED_MAX];
static size_t created_count;

/* ---- the fixture -------------------------------------------------------------- */

/* Places, by index into the county's municipalities (sorted by code); bits for the tables. */
enum { M_OWN, M_ORDERER, M_ROW, M_PLANNED, M_PLAIN };
#define AT(m) (1u << (m))
#define EVERYWHERE 0x1fu                /* M_PLAIN stands for every municipality from index 4 on */

enum provider_index { P_OWN, P_X, P_Y, PROVIDER_COUNT };
enum offering_index { O_OWN, O_OWN2, O_PLAN, O_NONE, O_V, O_T, O_T3, O_T2, O_MUNI, O_OLD, OFFERING_COUNT };

static const struct {
    const char *suffix, *kind;
    bool own;                        /* linked to municipality M_OWN */
} provider_fixtures[PROVIDER_COUNT] = {
    [P_OWN] = { "Egen", "kommun", true },
    [P_X] = { "Xeta", "privat", false },
    [P_Y] = { "Ypsilon", "idéburen", false },
};

static const struct {
    enum provider_index provider;
    const char *method, *valid_from, *valid_to, *verified_on;
    int cost;
} offering_fixtures[OFFERING_COUNT] = {
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

static long long provider_id[PROVIDER_COUNT];
static long long offering_id[OFFERING_COUNT];

/* The best route expected in a cell; a cell no row names has no route at all. */
struct cell_expect {
    unsigned places;
    const char *type;
    const char *kind, *status;
    int lead_time, cost;
    enum offering_index offering;
};

static const struct cell_expect cells_2031[] = {
    /* status first (väntelista lead 10 loses), then lead (25 loses), then cost (50 000 loses) */
    { EVERYWHERE, "familjebehandling", "utförare", "tillgänglig", 20, 40000, O_T3 },
    { AT(M_OWN), "foraldraskapsstod", "egen regi", "tillgänglig", 0, 12000, O_OWN },
    { EVERYWHERE & ~AT(M_OWN), "foraldraskapsstod", "utförare", "planerad", NONE, 5000, O_PLAN },
    /* own delivery at 20 000 beats the agreement at 25 000 for the performer itself */
    { AT(M_OWN), "kbt-fardighetstraning", "egen regi", "tillgänglig", 0, 20000, O_OWN2 },
    { AT(M_ORDERER), "kbt-fardighetstraning", "avtalssamverkan", "tillgänglig", 0, 25000, O_OWN2 },
    { AT(M_ROW), "behandlingsfamilj", "utförare", "tillgänglig", 2, 30000, O_MUNI },
    { AT(M_PLANNED), "behandlingsfamilj", "utförare", "planerad", NONE, 30000, O_MUNI },
};

static const struct cell_expect cells_2030[] = {
    { EVERYWHERE, "familjebehandling", "utförare", "tillgänglig", 0, 0, O_OLD },
};

static const struct {
    const char *on;
    const struct cell_expect *cells;
    size_t count;
} scenarios[] = {
    { ON_2031, cells_2031, sizeof(cells_2031) / sizeof(cells_2031[0]) },
    { ON_2030, cells_2030, 1 },
    { ON_BEFORE_AGREEMENT, cells_2030, 1 },   /* the agreement starts the next day */
    { ON_AFTER, NULL, 0 },
};

static bool at_place(unsigned places, size_t m)
{
    return (places & AT(m < M_PLAIN ? m : M_PLAIN)) != 0;
}

static const struct cell_expect *expected_cell(const struct cell_expect *cells, size_t count, size_t m,
                                               const char *type)
{
    for (size_t i = 0; i < count; i++)
        if (at_place(cells[i].places, m) && strcmp(cells[i].type, type) == 0)
            return &cells[i];
    return NULL;
}

static bool status_covers(const char *status)
{
    return status != NULL && (strcmp(status, "tillgänglig") == 0 || strcmp(status, "begränsad") == 0
                              || strcmp(status, "väntelista") == 0);
}

static int status_rank(const char *status)
{
    static const char *const order[] = { "tillgänglig", "begränsad", "väntelista", "planerad", "ej tillgänglig" };
    for (int i = 0; status != NULL && i < 5; i++)
        if (strcmp(order[i], status) == 0)
            return i;
    return 99;
}

/* ---- requests ---------------------------------------------------------------- */

static void note_lsn(const struct http_response *r)
{
    const char *lsn = http_header(r, "X-Consistency-LSN");
    if (lsn != NULL && strlen(lsn) < sizeof(last_lsn))
        snprintf(last_lsn, sizeof(last_lsn), "%s", lsn);
}

static int send_as(const char *method, const char *path, const char *authorization, const char *if_match,
                   const char *body, struct http_response *r)
{
    http_response_free(r);
    int rc = request_as(method, path, authorization, "application/json", if_match, body, r);
    if (r->status >= 200 && r->status < 300 && strcmp(method, "GET") != 0)
        note_lsn(r);
    return rc;
}

/* A read that must see every write made so far (X-Consistency-LSN); accept may be NULL. */
static int get(const char *path, const char *accept, struct http_response *r)
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

    send_as("POST", collection, admin_auth, NULL, text, &r);
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
        snprintf(county, sizeof(county), "%s", PQgetvalue(res, 0, 0));
        county_clean = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    }
    PQclear(res);
    if (!ok)
        return false;
    if (!county_clean)
        fprintf(stderr, "# no county is free of other routes in 2030-2032 (example data?): the cell tables are "
                        "skipped; using county %s\n", county);

    const char *params[] = { county };
    res = db_query("SELECT code, name FROM municipalities WHERE county_code = $1 ORDER BY code COLLATE \"C\"", 1,
                   params);
    municipality_count = 0;
    for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res) && i < MUNICIPALITIES_MAX; i++) {
        snprintf(municipality[i], sizeof(municipality[i]), "%s", PQgetvalue(res, i, 0));
        snprintf(municipality_name[i], sizeof(municipality_name[i]), "%s", PQgetvalue(res, i, 1));
        municipality_count++;
    }
    PQclear(res);

    /* The recommended types: every strength but "bör inte". */
    res = db_query("SELECT t.slug FROM recommendations r JOIN knowledge_supports k ON k.id = r.knowledge_support_id "
                   "JOIN intervention_types t ON t.id = r.intervention_type_id "
                   "WHERE k.slug = '" KNOWLEDGE_SUPPORT "' AND r.strength::text IN ('bör', 'kan', 'kan i undantagsfall') "
                   "GROUP BY t.slug ORDER BY t.slug COLLATE \"C\"", 0, NULL);
    type_count = 0;
    for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res) && i < TYPES_MAX; i++)
        snprintf(type_slug[type_count++], sizeof(type_slug[0]), "%s", PQgetvalue(res, i, 0));
    PQclear(res);
    if (municipality_count < 5 || type_count == 0) {
        fprintf(stderr, "# county %s has %zu municipalities, %zu recommended types\n", county, municipality_count,
                type_count);
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
                     "myndighetssamverkan", "offering_id", (json_int_t)offering_id[O_OWN2], "intervention_types",
                     "kbt-fardighetstraning", "parties", "municipality", municipality[M_OWN], "role", "utförare",
                     "decision", "body", "socialnämnd", "date", "2030-03-01", "paragraph", "§ 7", "municipality",
                     municipality[M_ORDERER], "role", "beställare", "decision", "body", "kommunfullmäktige", "date",
                     "2030-03-15", "reference", "KS 2030/12");
}

static bool create_world(void)
{
    for (int p = 0; p < PROVIDER_COUNT; p++) {
        char name[80], org[11];
        provider_id[p] = -1;
        for (int attempt = 0; attempt < 5 && provider_id[p] < 0; attempt++) {
            organisation_number(org);
            snprintf(name, sizeof(name), "TC %s %s", word, provider_fixtures[p].suffix);
            json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "organisation_number", org, "kind",
                                     provider_fixtures[p].kind, "home_county", county);
            if (provider_fixtures[p].own)
                json_object_set_new(body, "municipality", json_string(municipality[M_OWN]));
            provider_id[p] = create("/v1/providers", body);
        }
        if (provider_id[p] < 0)
            return false;
    }
    for (int o = 0; o < OFFERING_COUNT; o++) {
        offering_id[o] = create("/v1/offerings",
                                json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i}", "provider_id",
                                          (json_int_t)provider_id[offering_fixtures[o].provider], "method",
                                          offering_fixtures[o].method, "delivery", "på plats", "valid_from",
                                          offering_fixtures[o].valid_from, "valid_to", offering_fixtures[o].valid_to,
                                          "verified_on", offering_fixtures[o].verified_on, "cost_per_case_sek",
                                          offering_fixtures[o].cost));
        if (offering_id[o] < 0)
            return false;
    }
    for (size_t a = 0; a < AVAILABILITY_COUNT; a++) {
        json_t *body = json_pack("{s:I, s:s, s:s}", "offering_id",
                                 (json_int_t)offering_id[availability_fixtures[a].offering], "county", county,
                                 "status", availability_fixtures[a].status);
        if (availability_fixtures[a].place != NONE)
            json_object_set_new(body, "municipality", json_string(municipality[availability_fixtures[a].place]));
        if (availability_fixtures[a].lead_time != NONE)
            json_object_set_new(body, "lead_time_weeks", json_integer(availability_fixtures[a].lead_time));
        if (create("/v1/availability", body) < 0)
            return false;
    }
    /* A draft with every party's decision; the first test moves it through its lifecycle. */
    agreement_id = create("/v1/agreements", agreement_body());
    return agreement_id >= 0;
}

static int setup_group(void **state)
{
    const char *url = getenv("DATABASE_URL");
    const char *admin = getenv("ADMIN_KEY");
    (void)state;

    if (url == NULL || admin == NULL) {
        fprintf(stderr, "# DATABASE_URL and ADMIN_KEY must be set (tests/run.sh sets them)\n");
        return -1;
    }
    if (!db_open(url))
        return -1;
    snprintf(admin_auth, sizeof(admin_auth), "Bearer %s", admin);
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

    if (current_etag(path, admin_auth, etag)) {
        send_as("DELETE", path, admin_auth, etag, NULL, &r);
        ok = r.status == 204 || r.status == 404;
        if (!ok)
            fprintf(stderr, "# teardown: DELETE %s -> %ld %.300s\n", path, r.status, r.body);
    }
    http_response_free(&r);
    return ok;
}

static int teardown_group(void **state)
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

static bool json_int_is(const json_t *object, const char *dotted_path, long long value)
{
    json_t *got = json_at(object, dotted_path);
    return value == NONE ? json_is_null(got) : json_is_integer(got) && json_integer_value(got) == value;
}

static const char *text_of(const json_t *value)
{
    return json_is_string(value) ? json_string_value(value) : json_is_null(value) ? "null" : "(missing)";
}

/* A JSON value as compact text, into buf (for messages). */
static const char *dump(const json_t *value, char *buf, size_t size)
{
    char *text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    snprintf(buf, size, "%s", text ? text : "(missing)");
    free(text);
    return buf;
}

static void coverage_path(char *out, size_t size, const char *what, const char *code, const char *on)
{
    snprintf(out, size, "/v1/%s/%s/coverage%s%s", what, code, on ? "?on=" : "", on ? on : "");
}

/* GETs a municipality's coverage on a date (NULL: today); true when a good JSON answer came. */
static bool get_municipality(struct expectations *e, size_t m, const char *on, struct http_response *r)
{
    char path[PATH_MAX_LENGTH];
    coverage_path(path, sizeof(path), "municipalities", municipality[m], on);
    get(path, NULL, r);
    return expect_json(e, r, 200, path);
}

static bool get_county(struct expectations *e, const char *on, struct http_response *r)
{
    char path[PATH_MAX_LENGTH];
    coverage_path(path, sizeof(path), "counties", county, on);
    get(path, NULL, r);
    return expect_json(e, r, 200, path);
}

/* The entry for type in a municipality answer's intervention_types, or NULL. */
static json_t *type_entry(const json_t *answer, const char *type)
{
    json_t *types = json_at(answer, "intervention_types"), *entry;
    size_t i;
    json_array_foreach(types, i, entry)
        if (json_string_is(entry, "slug", type))
            return entry;
    return NULL;
}

/* The row for code in a county answer, or NULL. */
static json_t *county_row(const json_t *answer, const char *code)
{
    json_t *rows = json_at(answer, "rows"), *row;
    size_t i;
    json_array_foreach(rows, i, row)
        if (json_string_is(row, "municipality.code", code))
            return row;
    return NULL;
}

/* Checks a best route (or its absence) against the table. */
static void expect_route(struct expectations *e, const json_t *route, const json_t *covered,
                         const struct cell_expect *x, const char *label)
{
    char buf[600];

    if (x == NULL) {
        EXPECT(e, json_is_null(route), "%s: a route where there is none: %s", label, dump(route, buf, sizeof(buf)));
        EXPECT(e, json_is_false(covered), "%s: covered without a route", label);
        return;
    }
    if (!EXPECT(e, json_is_object(route), "%s: no best route, wanted %s %s via offering %lld", label, x->kind,
                x->status, offering_id[x->offering]))
        return;
    EXPECT(e, json_is_boolean(covered) && json_is_true(covered) == status_covers(x->status),
           "%s: covered is %s for a best route %s", label, dump(covered, buf, sizeof(buf)), x->status);
    EXPECT(e, json_string_is(route, "kind", x->kind), "%s: kind %s, wanted %s: %s", label,
           text_of(json_at(route, "kind")), x->kind, dump(route, buf, sizeof(buf)));
    EXPECT(e, json_string_is(route, "status", x->status), "%s: status %s, wanted %s: %s", label,
           text_of(json_at(route, "status")), x->status, dump(route, buf, sizeof(buf)));
    EXPECT(e, json_int_is(route, "lead_time_weeks", x->lead_time), "%s: lead_time_weeks, wanted %d: %s", label,
           x->lead_time, dump(route, buf, sizeof(buf)));
    EXPECT(e, json_int_is(route, "cost_per_case_sek", x->cost), "%s: cost_per_case_sek, wanted %d: %s", label,
           x->cost, dump(route, buf, sizeof(buf)));
    EXPECT(e, json_int_is(route, "offering_id", offering_id[x->offering]), "%s: offering_id, wanted %lld: %s", label,
           offering_id[x->offering], dump(route, buf, sizeof(buf)));
    if (strcmp(x->kind, "avtalssamverkan") == 0) {
        EXPECT(e, json_int_is(route, "agreement.id", agreement_id), "%s: agreement.id, wanted %lld: %s", label,
               agreement_id, dump(route, buf, sizeof(buf)));
        EXPECT(e, json_string_is(route, "agreement.performer", municipality[M_OWN]), "%s: agreement.performer: %s",
               label, dump(route, buf, sizeof(buf)));
        EXPECT(e, json_is_null(json_at(route, "provider")), "%s: an agreement route names a provider", label);

    } else {
        EXPECT(e, json_string_is(route, "method", offering_fixtures[x->offering].method), "%s: method %s, wanted %s",
               label, text_of(json_at(route, "method")), offering_fixtures[x->offering].method);
        EXPECT(e, json_int_is(route, "provider.id", provider_id[offering_fixtures[x->offering].provider]),
               "%s: provider.id: %s", label, dump(route, buf, sizeof(buf)));
        EXPECT(e, json_is_null(json_at(route, "agreement")), "%s: a %s route names an agreement", label, x->kind);
    }
}

/* Compares a municipality answer with the table: every type, the summary. */
static void expect_municipality_answer(struct expectations *e, const json_t *answer, size_t m,
                                       const struct cell_expect *cells, size_t count, const char *on)
{
    char label[1200], buf[400];
    json_t *not_covered = json_array();
    int covered = 0;

    EXPECT(e, json_string_is(answer, "municipality.code", municipality[m]), "%s on %s: municipality.code",
           municipality[m], on);
    EXPECT(e, json_string_is(answer, "municipality.county", county), "%s on %s: municipality.county", municipality[m],
           on);
    EXPECT(e, json_string_is(answer, "on", on), "%s: on is %s, wanted %s", municipality[m],
           text_of(json_at(answer, "on")), on);
    EXPECT(e, json_string_is(answer, "knowledge_support", KNOWLEDGE_SUPPORT), "%s on %s: knowledge_support",
           municipality[m], on);
    EXPECT(e, json_array_size(json_at(answer, "intervention_types")) == type_count,
           "%s on %s: %zu intervention types, wanted %zu", municipality[m], on,
           json_array_size(json_at(answer, "intervention_types")), type_count);
    for (size_t t = 0; t < type_count; t++) {
        const struct cell_expect *x = expected_cell(cells, count, m, type_slug[t]);
        json_t *entry = type_entry(answer, type_slug[t]);
        snprintf(label, sizeof(label), "municipality %s (M%zu), %s, on %s", municipality[m], m, type_slug[t], on);
        if (!EXPECT(e, entry != NULL, "%s: type missing from the answer", label))
            continue;
        snprintf(buf, sizeof(buf), "intervention_types.%zu.slug", t);
        EXPECT(e, json_string_is(answer, buf, type_slug[t]), "%s: not in position %zu (sorted by slug)", label, t);
        expect_route(e, json_at(entry, "best_route"), json_at(entry, "covered"), x, label);
        /* An agreement that names an offering: the route's method is that offering's, not another of the type's. */
        if (x != NULL && strcmp(x->kind, "avtalssamverkan") == 0)
            EXPECT(e, json_string_is(entry, "best_route.method", offering_fixtures[x->offering].method),
                   "%s: the agreement route's method is %s, but its offering %lld is of %s", label,
                   text_of(json_at(entry, "best_route.method")), offering_id[x->offering],
                   offering_fixtures[x->offering].method);
        if (x != NULL && status_covers(x->status))
            covered++;
        else
            json_array_append_new(not_covered, json_string(type_slug[t]));
    }
    EXPECT(e, json_int_is(answer, "summary.recommended_types", (long long)type_count),
           "%s on %s: summary.recommended_types: %s", municipality[m], on,
           dump(json_at(answer, "summary"), buf, sizeof(buf)));
    EXPECT(e, json_int_is(answer, "summary.covered", covered), "%s on %s: summary.covered, wanted %d: %s",
           municipality[m], on, covered, dump(json_at(answer, "summary"), buf, sizeof(buf)));
    EXPECT(e, json_equal(json_at(answer, "summary.not_covered"), not_covered),
           "%s on %s: summary.not_covered: %s", municipality[m], on,
           dump(json_at(answer, "summary"), buf, sizeof(buf)));
    json_decref(not_covered);
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

/* ---- the tests ------------------------------------------------------------------ */

#define REQUIRE_CLEAN_COUNTY()                                                                                \
    do {                                                                                                     \
        if (!county_clean) {                                                                                 \
            fprintf(stderr, "# skipped: county %s has routes this test did not create\n", county);            \
            skip();                                                                                          \
        }                                                                                                    \
    } while (0)

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
             municipality[M_ORDERER], on);
    if (get_municipality(e, M_ORDERER, on, &r)) {
        json_t *entry = type_entry(r.json, "kbt-fardighetstraning");
        if (EXPECT(e, entry != NULL, "%s: type missing", label))
            expect_route(e, json_at(entry, "best_route"), json_at(entry, "covered"),
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
             municipality[M_OWN], on);
    if (get_municipality(e, M_OWN, on, &r)) {
        json_t *entry = type_entry(r.json, "kbt-fardighetstraning");
        if (EXPECT(e, entry != NULL, "%s: type missing", label))
            expect_route(e, json_at(entry, "best_route"), json_at(entry, "covered"), own_valid ? &own : NULL, label);
    }
    http_response_free(&r);
}

static bool transition(struct expectations *e, const char *to)
{
    struct http_response r = { 0 };
    char path[100], etag[ETAG_MAX], body[64];

    snprintf(path, sizeof(path), "/v1/agreements/%lld", agreement_id);
    if (!current_etag(path, admin_auth, etag))
        snprintf(etag, sizeof(etag), "\"none\"");
    snprintf(path, sizeof(path), "/v1/agreements/%lld/transitions", agreement_id);
    snprintf(body, sizeof(body), "{\"to\":\"%s\"}", to);
    send_as("POST", path, admin_auth, etag, body, &r);
    bool ok = EXPECT(e, r.status == 200 && json_string_is(r.json, "status", to), "POST %s %s: %ld %.300s", path, body,
                     r.status, r.body);
    http_response_free(&r);
    return ok;
}

/* (b) An agreement counts from "aktiv" on, and only within its term. */
static void test_agreement_counts_only_when_active(void **state)
{
    struct expectations e = { 0 };
    (void)state;
    REQUIRE_CLEAN_COUNTY();

    expect_orderer_kbt(&e, ON_2031, false, "utkast");
    if (transition(&e, "föreslagen"))
        expect_orderer_kbt(&e, ON_2031, false, "föreslagen");
    if (transition(&e, "aktiv")) {
        expect_orderer_kbt(&e, ON_2031, true, "aktiv");
        expect_orderer_kbt(&e, "2031-01-01", true, "aktiv, first day");
        expect_orderer_kbt(&e, "2031-12-31", true, "aktiv, last day");
        expect_orderer_kbt(&e, ON_BEFORE_AGREEMENT, false, "aktiv, before valid_from");
        expect_orderer_kbt(&e, ON_AFTER, false, "aktiv, after valid_to");
    }
    assert_int_equal(e.failed, 0);
}

/* (a)-(e): every cell of every municipality on each date against the table, with the summary. */
static void test_municipality_cells_by_date(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;
    REQUIRE_CLEAN_COUNTY();

    for (size_t s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++)
        for (size_t m = 0; m < municipality_count; m++)
            if (get_municipality(&e, m, scenarios[s].on, &r))
                expect_municipality_answer(&e, r.json, m, scenarios[s].cells, scenarios[s].count, scenarios[s].on);
    /* "bör inte" is no recommendation to cover. */
    if (get_municipality(&e, M_PLAIN, ON_2031, &r)) {
        PGresult *res = db_query("SELECT t.slug FROM recommendations r JOIN intervention_types t ON t.id = "
                                 "r.intervention_type_id JOIN knowledge_supports k ON k.id = r.knowledge_support_id "
                                 "WHERE k.slug = '" KNOWLEDGE_SUPPORT "' AND r.strength::text = 'bör inte'", 0, NULL);
        for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++)
            EXPECT(&e, type_entry(r.json, PQgetvalue(res, i, 0)) == NULL, "\"bör inte\" type %s is listed",
                   PQgetvalue(res, i, 0));
        PQclear(res);
    }
    http_response_free(&r);
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
    for (size_t m = 0; m < municipality_count; m++) {
        if (!get_municipality(&e, m, ON_2031, &r))
            continue;
        json_t *entry, *method, *route;
        size_t i, j, k;
        json_array_foreach(json_at(r.json, "intervention_types"), i, entry) {
            const json_t *first = NULL;
            snprintf(label, sizeof(label), "municipality %s, %s", municipality[m],
                     text_of(json_at(entry, "slug")));
            json_array_foreach(json_at(entry, "methods"), j, method) {
                const json_t *previous = NULL;
                json_array_foreach(json_at(method, "routes"), k, route) {
                    EXPECT(&e, previous == NULL || route_compare(previous, route) <= 0,
                           "%s, method %s: routes out of order: %s", label, text_of(json_at(method, "slug")),
                           dump(json_at(method, "routes"), buf, sizeof(buf)));
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
                       dump(best, buf, sizeof(buf)));
            else
                EXPECT(&e, json_is_object(best) && route_compare(best, first) == 0,
                       "%s: best route %s, but %s ranks first", label, dump(best, buf, sizeof(buf)),
                       dump(first, buf2, sizeof(buf2)));
        }
    }
    if (county_clean && get_municipality(&e, M_PLAIN, ON_2031, &r)) {
        json_t *entry = type_entry(r.json, "familjebehandling"), *method;
        size_t i;
        json_array_foreach(json_at(entry, "methods"), i, method) {
            for (size_t s = 0; s < sizeof(shown) / sizeof(shown[0]); s++) {
                if (!json_string_is(method, "slug", shown[s].method))
                    continue;
                snprintf(label, sizeof(label), "municipality %s, familjebehandling, method %s", municipality[M_PLAIN],
                         shown[s].method);
                EXPECT(&e, json_array_size(json_at(method, "routes")) == 1
                               && json_int_is(method, "routes.0.offering_id", offering_id[shown[s].offering])
                               && json_string_is(method, "routes.0.kind", "utförare"),
                       "%s: routes %s, wanted offering %lld only", label,
                       dump(json_at(method, "routes"), buf, sizeof(buf)), offering_id[shown[s].offering]);
                snprintf(buf2, sizeof(buf2), "/v1/methods/%s/providers?county=%s", shown[s].method, county);
                EXPECT(&e, json_string_is(method, "all_providers", buf2), "%s: all_providers %s, wanted %s", label,
                       text_of(json_at(method, "all_providers")), buf2);
            }
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* A municipality's coverage equals its row of the county matrix, for every municipality of the county. */
static void test_municipality_equals_county_row(void **state)
{
    const char *dates[] = { ON_2031, ON_2030, ON_BEFORE_AGREEMENT, ON_AFTER, NULL /* today */ };
    struct expectations e = { 0 };
    struct http_response county_answer = { 0 }, r = { 0 };
    char label[1200], buf[600], buf2[600];
    (void)state;

    for (size_t d = 0; d < sizeof(dates) / sizeof(dates[0]); d++) {
        const char *on = dates[d];
        if (!get_county(&e, on, &county_answer))
            continue;
        json_t *answer = county_answer.json;
        const char *county_on = json_string_value(json_at(answer, "on"));
        EXPECT(&e, json_string_is(answer, "county.code", county), "county %s: county.code", county);
        EXPECT(&e, json_is_string(json_at(answer, "county.name")), "county %s: county.name", county);
        EXPECT(&e, on == NULL || json_string_is(answer, "on", on), "county %s: on %s, wanted %s", county,
               text_of(json_at(answer, "on")), on);
        EXPECT(&e, json_array_size(json_at(answer, "intervention_types")) == type_count,
               "county %s: %zu intervention types, wanted %zu", county,
               json_array_size(json_at(answer, "intervention_types")), type_count);
        for (size_t t = 0; t < type_count; t++) {
            snprintf(buf, sizeof(buf), "intervention_types.%zu.slug", t);
            EXPECT(&e, json_string_is(answer, buf, type_slug[t]), "county %s: intervention type %zu is %s, wanted %s",
                   county, t, text_of(json_at(answer, buf)), type_slug[t]);
        }
        EXPECT(&e, json_array_size(json_at(answer, "rows")) == municipality_count,
               "county %s on %s: %zu rows, wanted %zu", county, on ? on : "today",
               json_array_size(json_at(answer, "rows")), municipality_count);
        for (size_t m = 0; m < municipality_count; m++) {
            snprintf(buf, sizeof(buf), "rows.%zu.municipality.code", m);
            EXPECT(&e, json_string_is(answer, buf, municipality[m]), "county %s: row %zu is %s, wanted %s", county,
                   m, text_of(json_at(answer, buf)), municipality[m]);
            json_t *row = county_row(answer, municipality[m]);
            snprintf(label, sizeof(label), "municipality %s on %s", municipality[m], on ? on : "today");
            if (!EXPECT(&e, row != NULL, "%s: no row in the county matrix", label))
                continue;
            EXPECT(&e, json_string_is(row, "municipality.name", municipality_name[m]), "%s: name", label);
            if (!get_municipality(&e, m, on, &r))
                continue;
            if (on == NULL && (county_on == NULL || !json_string_is(r.json, "on", county_on)))
                continue;   /* midnight passed between the two requests */
            json_t *cells = json_at(row, "cells");
            EXPECT(&e, json_object_size(cells) == type_count, "%s: %zu cells, wanted %zu", label,
                   json_object_size(cells), type_count);
            for (size_t t = 0; t < type_count; t++) {
                json_t *entry = type_entry(r.json, type_slug[t]);
                json_t *cell = json_object_get(cells, type_slug[t]);
                if (!EXPECT(&e, entry != NULL && cell != NULL, "%s, %s: missing from one of the answers", label,
                            type_slug[t]))
                    continue;
                EXPECT(&e, json_equal(json_at(entry, "covered"), json_at(cell, "covered")),
                       "%s, %s: covered %s in the municipality's answer, %s in the county's", label, type_slug[t],
                       dump(json_at(entry, "covered"), buf, 20), dump(json_at(cell, "covered"), buf2, 20));
                EXPECT(&e, json_equal(json_at(entry, "best_route"), json_at(cell, "best_route")),
                       "%s, %s: best route %s in the municipality's answer, %s in the county's", label, type_slug[t],
                       dump(json_at(entry, "best_route"), buf, sizeof(buf)),
                       dump(json_at(cell, "best_route"), buf2, sizeof(buf2)));
            }
            EXPECT(&e, json_equal(json_at(row, "covered"), json_at(r.json, "summary.covered")),
                   "%s: covered %s in the county row, summary.covered %s", label,
                   dump(json_at(row, "covered"), buf, 40), dump(json_at(r.json, "summary.covered"), buf2, 40));
        }
        /* No date means today; no knowledge support means the 2021 one. */
        if (on == NULL && county_on != NULL) {
            char path[PATH_MAX_LENGTH];
            snprintf(path, sizeof(path), "/v1/counties/%s/coverage?on=%s&knowledge_support=" KNOWLEDGE_SUPPORT,
                     county, county_on);
            get(path, NULL, &r);
            if (expect_json(&e, &r, 200, path))
                EXPECT(&e, json_equal(r.json, answer), "%s differs from the answer without parameters", path);
        }
    }
    http_response_free(&county_answer);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- CSV --------------------------------------------------------------------------- */

#define CSV_FIELDS 12

/* Reads one RFC 4180 record ending in CRLF from *p into fields; returns the field count, or -1. */
static int csv_record(const char **p, char fields[][160], int max)
{
    const char *s = *p;
    int count = 0;

    for (;;) {
        char *out = count < max ? fields[count] : NULL;
        size_t n = 0;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '\0')
                    return -1;
                if (*s == '"' && s[1] == '"') {
                    if (out && n < 159)
                        out[n++] = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    if (out && n < 159)
                        out[n++] = *s;
                    s++;
                }
            }
        } else {
            while (*s != ',' && *s != '\r' && *s != '\n' && *s != '\0') {
                if (*s == '"')
                    return -1;
                if (out && n < 159)
                    out[n++] = *s;
                s++;
            }
        }
        if (out)
            out[n] = '\0';
        count++;
        if (*s == ',') {
            s++;
            continue;
        }
        if (s[0] == '\r' && s[1] == '\n') {
            *p = s + 2;
            return count;
        }
        return -1;   /* a bare LF, or the body ends without CRLF */
    }
}

/* A JSON scalar as its CSV text: "" for null or missing. */
static const char *csv_text(const json_t *value, char *buf, size_t size)
{
    if (json_is_string(value))
        snprintf(buf, size, "%s", json_string_value(value));
    else if (json_is_integer(value))
        snprintf(buf, size, "%lld", (long long)json_integer_value(value));
    else if (json_is_boolean(value))
        snprintf(buf, size, "%s", json_is_true(value) ? "true" : "false");
    else
        buf[0] = '\0';
    return buf;
}

static void test_county_csv_agrees_with_json(void **state)
{
    static const char *const header[CSV_FIELDS] = { "municipality_code", "municipality", "intervention_type",
                                                    "covered", "route", "status", "lead_time_weeks",
                                                    "cost_per_case_sek", "method", "provider_id", "agreement_id",
                                                    "offering_id" };
    const char *dates[] = { ON_2031, ON_2030, ON_AFTER };
    struct expectations e = { 0 };
    struct http_response csv = { 0 }, json = { 0 };
    char path[PATH_MAX_LENGTH], label[1200], fields[CSV_FIELDS + 2][160], want[160];
    (void)state;

    for (size_t d = 0; d < sizeof(dates) / sizeof(dates[0]); d++) {
        coverage_path(path, sizeof(path), "counties", county, dates[d]);
        if (!get_county(&e, dates[d], &json))
            continue;
        get(path, "text/csv", &csv);
        if (!EXPECT(&e, csv.status == 200 && http_media_type_is(&csv, "text/csv"), "%s as CSV: %ld %s %.200s", path,
                    csv.status, http_header(&csv, "Content-Type") ? http_header(&csv, "Content-Type") : "-",
                    csv.body))
            continue;
        /* One URL, two representations: caches must key on Accept, and the ETags differ. */
        const char *vary = http_header(&csv, "Vary");
        const char *csv_etag = http_header(&csv, "ETag"), *json_etag = http_header(&json, "ETag");
        EXPECT(&e, vary != NULL && strcasestr(vary, "Accept") != NULL, "%s as CSV: Vary \"%s\"", path,
               vary ? vary : "(none)");
        EXPECT(&e, csv_etag == NULL || json_etag == NULL || strcmp(csv_etag, json_etag) != 0,
               "%s: the CSV and the JSON have the same ETag %s", path, csv_etag);
        const char *p = csv.body;
        int n = csv_record(&p, fields, CSV_FIELDS + 2);
        bool header_ok = n == CSV_FIELDS;
        for (int i = 0; header_ok && i < CSV_FIELDS; i++)
            header_ok = strcmp(fields[i], header[i]) == 0;
        EXPECT(&e, header_ok, "%s as CSV: header line %.200s", path, csv.body);
        size_t lines = 1;
        for (size_t m = 0; m < municipality_count; m++) {
            json_t *row = county_row(json.json, municipality[m]);
            for (size_t t = 0; t < type_count; t++) {
                snprintf(label, sizeof(label), "%s as CSV, line %zu (%s, %s)", path, lines + 1, municipality[m],
                         type_slug[t]);
                if (*p == '\0') {
                    EXPECT(&e, false, "%s: missing", label);
                    continue;
                }
                n = csv_record(&p, fields, CSV_FIELDS + 2);
                lines++;
                if (!EXPECT(&e, n == CSV_FIELDS, "%s: %d fields", label, n))
                    break;
                json_t *cell = json_object_get(json_at(row, "cells"), type_slug[t]);
                json_t *route = json_at(cell, "best_route");
                const struct {
                    const char *column;
                    const json_t *value;
                } columns[CSV_FIELDS] = {
                    { "municipality_code", json_at(row, "municipality.code") },
                    { "municipality", json_at(row, "municipality.name") },
                    { "intervention_type", NULL },
                    { "covered", json_at(cell, "covered") },
                    { "route", json_at(route, "kind") },
                    { "status", json_at(route, "status") },
                    { "lead_time_weeks", json_at(route, "lead_time_weeks") },
                    { "cost_per_case_sek", json_at(route, "cost_per_case_sek") },
                    { "method", json_at(route, "method") },
                    { "provider_id", json_at(route, "provider.id") },
                    { "agreement_id", json_at(route, "agreement.id") },
                    { "offering_id", json_at(route, "offering_id") },
                };
                for (int c = 0; c < CSV_FIELDS; c++) {
                    if (c == 2)
                        snprintf(want, sizeof(want), "%s", type_slug[t]);
                    else
                        csv_text(columns[c].value, want, sizeof(want));
                    EXPECT(&e, strcmp(fields[c], want) == 0, "%s: %s is \"%s\", the JSON says \"%s\"", label,
                           columns[c].column, fields[c], want);
                }
            }
        }
        EXPECT(&e, *p == '\0', "%s as CSV: more than 1 + %zu x %zu lines: %.200s", path, municipality_count,
               type_count, p);
        EXPECT(&e, lines == 1 + municipality_count * type_count, "%s as CSV: %zu lines, wanted %zu", path, lines,
               1 + municipality_count * type_count);
    }
    /* Errors stay problems when CSV is asked for. */
    get("/v1/counties/99/coverage", "text/csv", &csv);
    expect_problem(&e, &csv, 404, "/problems/not-found", NULL, "GET /v1/counties/99/coverage as CSV");
    snprintf(path, sizeof(path), "/v1/counties/%s/coverage?knowledge_support=nope", county);
    get(path, "text/csv", &csv);
    expect_problem(&e, &csv, 404, "/problems/not-found", NULL, path);
    http_response_free(&csv);
    http_response_free(&json);
    assert_int_equal(e.failed, 0);
}

/* ---- gaps ------------------------------------------------------------------------------ */

/* The gaps answer lists exactly the uncovered cells of the county matrix (of type, or all when NULL). */
static void expect_gaps(struct expectations *e, const json_t *matrix, const json_t *gaps, const char *type,
                        bool only_county, const char *label)
{
    char buf[600], buf2[600];
    size_t expected = 0, listed = 0, i;
    json_t *item;

    json_array_foreach(json_at(gaps, "items"), i, item) {
        const char *code = json_string_value(json_at(item, "municipality.code"));
        const char *slug = json_string_value(json_at(item, "intervention_type"));
        if (type != NULL)
            EXPECT(e, slug != NULL && strcmp(slug, type) == 0, "%s: item %zu is of type %s", label, i,
                   slug ? slug : "(none)");
        if (code == NULL || strncmp(code, county, 2) != 0) {
            EXPECT(e, !only_county, "%s: item %zu is in municipality %s, outside the county", label, i,
                   code ? code : "(none)");
            continue;
        }
        listed++;
        json_t *row = county_row(matrix, code);
        json_t *cell = json_object_get(json_at(row, "cells"), slug ? slug : "");
        if (!EXPECT(e, cell != NULL, "%s: item %zu (%s, %s) is no cell of the matrix", label, i, code,
                    slug ? slug : "(none)"))
            continue;
        EXPECT(e, json_is_false(json_at(cell, "covered")), "%s: %s %s is listed but covered", label, code, slug);
        EXPECT(e, json_equal(json_at(item, "nearest"), json_at(cell, "best_route")),
               "%s: %s %s: nearest %s, the matrix's best route %s", label, code, slug,
               dump(json_at(item, "nearest"), buf, sizeof(buf)), dump(json_at(cell, "best_route"), buf2, sizeof(buf2)));
        EXPECT(e, json_string_is(item, "municipality.name", json_string_value(json_at(row, "municipality.name"))),
               "%s: %s: municipality.name", label, code);
    }
    for (size_t m = 0; m < municipality_count; m++) {
        json_t *row = county_row(matrix, municipality[m]);
        for (size_t t = 0; t < type_count; t++) {
            if (type != NULL && strcmp(type, type_slug[t]) != 0)
                continue;
            if (!json_is_false(json_at(json_object_get(json_at(row, "cells"), type_slug[t]), "covered")))
                continue;
            expected++;
            bool found = false;
            json_array_foreach(json_at(gaps, "items"), i, item)
                found |= json_string_is(item, "municipality.code", municipality[m])
                         && json_string_is(item, "intervention_type", type_slug[t]);
            EXPECT(e, found, "%s: the uncovered cell %s %s is not listed", label, municipality[m], type_slug[t]);
        }
    }
    EXPECT(e, listed == expected, "%s: %zu items in county %s, %zu uncovered cells", label, listed, county, expected);
    EXPECT(e, json_int_is(gaps, "total", (long long)json_array_size(json_at(gaps, "items"))),
           "%s: total %s for %zu items", label, dump(json_at(gaps, "total"), buf, 40),
           json_array_size(json_at(gaps, "items")));
}

static void test_gaps_are_the_uncovered_cells(void **state)
{
    const char *dates[] = { ON_2031, ON_2030 };
    struct expectations e = { 0 };
    struct http_response matrix = { 0 }, r = { 0 };
    char path[PATH_MAX_LENGTH];
    (void)state;

    for (size_t d = 0; d < sizeof(dates) / sizeof(dates[0]); d++) {
        if (!get_county(&e, dates[d], &matrix))
            continue;
        snprintf(path, sizeof(path), "/v1/gaps?county=%s&on=%s", county, dates[d]);
        get(path, NULL, &r);
        if (expect_json(&e, &r, 200, path)) {
            expect_gaps(&e, matrix.json, r.json, NULL, true, path);
            EXPECT(&e, json_string_is(r.json, "county", county), "%s: county", path);
            EXPECT(&e, json_string_is(r.json, "on", dates[d]), "%s: on", path);
        }
        for (size_t t = 0; t < type_count; t++) {
            snprintf(path, sizeof(path), "/v1/gaps?county=%s&intervention_type=%s&on=%s", county, type_slug[t],
                     dates[d]);
            get(path, NULL, &r);
            if (expect_json(&e, &r, 200, path)) {
                expect_gaps(&e, matrix.json, r.json, type_slug[t], true, path);
                EXPECT(&e, json_string_is(r.json, "intervention_type", type_slug[t]), "%s: intervention_type", path);
            }
            /* The whole country, filtered by type: this county's part is the same. */
            snprintf(path, sizeof(path), "/v1/gaps?intervention_type=%s&on=%s", type_slug[t], dates[d]);
            get(path, NULL, &r);
            if (expect_json(&e, &r, 200, path))
                expect_gaps(&e, matrix.json, r.json, type_slug[t], false, path);
        }
    }
    if (county_clean) {
        /* In 2031 the table's cells decide: 2 of 5 types for the orderer are covered, etc. */
        size_t uncovered = 0;
        for (size_t m = 0; m < municipality_count; m++)
            for (size_t t = 0; t < type_count; t++) {
                const struct cell_expect *x = expected_cell(cells_2031, sizeof(cells_2031) / sizeof(cells_2031[0]),
                                                            m, type_slug[t]);
                uncovered += x == NULL || !status_covers(x->status);
            }
        snprintf(path, sizeof(path), "/v1/gaps?county=%s&on=" ON_2031, county);
        get(path, NULL, &r);
        if (expect_json(&e, &r, 200, path))
            EXPECT(&e, json_int_is(r.json, "total", (long long)uncovered), "%s: total %lld, the table says %zu", path,
                   (long long)json_integer_value(json_at(r.json, "total")), uncovered);
        snprintf(path, sizeof(path), "/v1/gaps?county=%s&intervention_type=familjebehandling&on=" ON_2031, county);
        get(path, NULL, &r);
        if (expect_json(&e, &r, 200, path))
            EXPECT(&e, json_int_is(r.json, "total", 0), "%s: familjebehandling is covered everywhere: %.300s", path,
                   r.body);
        snprintf(path, sizeof(path), "/v1/gaps?county=%s&on=" ON_AFTER, county);
        get(path, NULL, &r);
        if (expect_json(&e, &r, 200, path))
            EXPECT(&e, json_int_is(r.json, "total", (long long)(municipality_count * type_count)),
                   "%s: nothing is valid in 2032, so every cell is a gap", path);
    }
    /* A type that is not recommended is nobody's gap. */
    PGresult *res = db_query("SELECT t.slug FROM intervention_types t WHERE NOT EXISTS (SELECT 1 FROM recommendations "
                             "r JOIN knowledge_supports k ON k.id = r.knowledge_support_id WHERE k.slug = '"
                             KNOWLEDGE_SUPPORT "' AND r.intervention_type_id = t.id AND r.strength::text <> 'bör inte') "
                             "ORDER BY t.slug LIMIT 1", 0, NULL);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        snprintf(path, sizeof(path), "/v1/gaps?county=%s&intervention_type=%s&on=" ON_2031, county,
                 PQgetvalue(res, 0, 0));
        get(path, NULL, &r);
        if (expect_json(&e, &r, 200, path))
            EXPECT(&e, json_int_is(r.json, "total", 0) && json_array_size(json_at(r.json, "items")) == 0,
                   "%s: a type that is not recommended has gaps: %.300s", path, r.body);
    }
    PQclear(res);
    http_response_free(&matrix);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- based_on --------------------------------------------------------------------------- */

/* The verified_on of an offering: the fixture's, or the server's for one this run did not make. */
static bool verified_on(long long id, char out[16])
{
    for (int o = 0; o < OFFERING_COUNT; o++)
        if (offering_id[o] == id) {
            snprintf(out, 16, "%s", offering_fixtures[o].verified_on);
            return true;
        }
    struct http_response r = { 0 };
    char path[64];
    snprintf(path, sizeof(path), "/v1/offerings/%lld", id);
    get(path, NULL, &r);
    const char *value = json_string_value(json_at(r.json, "verified_on"));
    snprintf(out, 16, "%s", value ? value : "");
    http_response_free(&r);
    return value != NULL;
}

/* Widens [oldest, newest] by the verified_on of the route's offering (an agreement's too). */
static void widen(const json_t *route, char oldest[16], char newest[16])
{
    char date[16];
    json_t *id = json_at(route, "offering_id");
    if (!json_is_integer(id) || !verified_on(json_integer_value(id), date))
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
           dump(got, buf, sizeof(buf)), oldest[0] ? oldest : "null", newest[0] ? newest : "null");
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
        if (!json_is_integer(id) || !verified_on(json_integer_value(id), date))
            continue;
        EXPECT(e, oldest != NULL && newest != NULL && strcmp(oldest, date) <= 0 && strcmp(date, newest) <= 0,
               "%s, %s: the best route (%s) rests on offering %lld, verified %s, outside based_on %s .. %s", label,
               text_of(json_at(entry, "slug")), text_of(json_at(entry, "best_route.kind")),
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
        for (size_t m = 0; m < municipality_count; m++) {
            if (!get_municipality(&e, m, dates[d], &r))
                continue;
            snprintf(label, sizeof(label), "municipality %s on %s", municipality[m], dates[d]);
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
                   dump(availability, buf, sizeof(buf)), provider_route ? "" : "out");
            EXPECT(&e, agreement_route == json_is_string(json_at(r.json, "based_on.agreements_updated")),
                   "%s: based_on.agreements_updated %s with%s agreement routes", label,
                   dump(json_at(r.json, "based_on.agreements_updated"), buf, sizeof(buf)),
                   agreement_route ? "" : "out");
        }
        if (!get_county(&e, dates[d], &r))
            continue;
        snprintf(label, sizeof(label), "county %s on %s", county, dates[d]);
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
                   dump(json_at(r.json, "based_on.offerings_verified"), buf, sizeof(buf)));
        else
            EXPECT(&e, got_oldest != NULL && got_newest != NULL && strcmp(got_oldest, oldest) <= 0
                           && strcmp(newest, got_newest) <= 0,
                   "%s: based_on.offerings_verified %s does not span the best routes' offerings, verified %s .. %s",
                   label, dump(json_at(r.json, "based_on.offerings_verified"), buf, sizeof(buf)), oldest, newest);
    }
    if (county_clean && get_municipality(&e, M_ORDERER, ON_2031, &r)) {
        /* The agreement's last change. */
        struct http_response agreement = { 0 };
        char path[64];
        snprintf(path, sizeof(path), "/v1/agreements/%lld", agreement_id);
        send_as("GET", path, admin_auth, NULL, NULL, &agreement);
        EXPECT(&e, json_is_string(json_at(agreement.json, "updated_at"))
                       && json_equal(json_at(agreement.json, "updated_at"), json_at(r.json, "based_on.agreements_updated")),
               "municipality %s: based_on.agreements_updated %s, the agreement was updated %s", municipality[M_ORDERER],
               text_of(json_at(r.json, "based_on.agreements_updated")), text_of(json_at(agreement.json, "updated_at")));
        http_response_free(&agreement);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_errors(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char m0[PATH_MAX_LENGTH], c0[PATH_MAX_LENGTH];
    (void)state;

    snprintf(m0, sizeof(m0), "/v1/municipalities/%s/coverage", municipality[0]);
    snprintf(c0, sizeof(c0), "/v1/counties/%s/coverage", county);
    const struct {
        const char *base;            /* NULL: the path alone */
        const char *path;            /* appended to base */
        long status;
        const char *type, *field;
    } rows[] = {
        { NULL, "/v1/municipalities/9999/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/municipalities/0000/coverage?on=" ON_2031, 404, "/problems/not-found", NULL },
        { NULL, "/v1/municipalities/038/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/municipalities/03811/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/municipalities/abcd/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/municipalities/03%2081/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/counties/99/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/counties/00/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/counties/3/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/counties/033/coverage", 404, "/problems/not-found", NULL },
        { NULL, "/v1/counties/ab/coverage", 404, "/problems/not-found", NULL },
        { m0, "?on=2031-13-01", 400, "/problems/invalid-parameter", "on" },
        { m0, "?on=2031-02-29", 400, "/problems/invalid-parameter", "on" },
        { m0, "?on=31-06-01", 400, "/problems/invalid-parameter", "on" },
        { m0, "?on=", 400, "/problems/invalid-parameter", "on" },
        { m0, "?on=today", 400, "/problems/invalid-parameter", "on" },
        { c0, "?on=2031-13-01", 400, "/problems/invalid-parameter", "on" },
        { NULL, "/v1/gaps?on=2031-13-01", 400, "/problems/invalid-parameter", "on" },
        { m0, "?county=03", 400, "/problems/invalid-parameter", "county" },
        { m0, "?onn=" ON_2031, 400, "/problems/invalid-parameter", "onn" },
        { c0, "?intervention_type=familjebehandling", 400, "/problems/invalid-parameter", "intervention_type" },
        { c0, "?limit=10", 400, "/problems/invalid-parameter", "limit" },
        { NULL, "/v1/gaps?municipality=0381", 400, "/problems/invalid-parameter", "municipality" },
        { m0, "?knowledge_support=nope", 404, "/problems/not-found", NULL },
        { c0, "?knowledge_support=nope", 404, "/problems/not-found", NULL },
        { NULL, "/v1/gaps?knowledge_support=nope", 404, "/problems/not-found", NULL },
        { m0, "?knowledge_support=Not_A_Slug", 400, "/problems/invalid-parameter", "knowledge_support" },
        { NULL, "/v1/gaps?county=99", 404, "/problems/not-found", NULL },
        { NULL, "/v1/gaps?county=9", 400, "/problems/invalid-parameter", "county" },
        { NULL, "/v1/gaps?county=abc", 400, "/problems/invalid-parameter", "county" },
        { NULL, "/v1/gaps?intervention_type=nope", 404, "/problems/not-found", NULL },
        { NULL, "/v1/gaps?intervention_type=Nope!", 400, "/problems/invalid-parameter", "intervention_type" },
    };
    char path[PATH_MAX_LENGTH];

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", rows[i].base ? rows[i].base : "", rows[i].path);
        get(path, NULL, &r);
        expect_problem(&e, &r, rows[i].status, rows[i].type, rows[i].field, path);
    }
    /* The same filters on a county that exists are fine. */
    snprintf(path, sizeof(path), "/v1/gaps?county=%s&intervention_type=nope", county);
    get(path, NULL, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, path);
    snprintf(path, sizeof(path), "%.300s?knowledge_support=" KNOWLEDGE_SUPPORT "&on=" ON_2031, m0);
    get(path, NULL, &r);
    expect_json(&e, &r, 200, path);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* An agreement given notice still counts; once ended it does not. Runs last: it ends the agreement. */
static void test_ended_agreements(void **state)
{
    struct expectations e = { 0 };
    (void)state;
    REQUIRE_CLEAN_COUNTY();

    if (transition(&e, "uppsagd"))
        expect_orderer_kbt(&e, ON_2031, true, "uppsagd");
    if (transition(&e, "upphört"))
        expect_orderer_kbt(&e, ON_2031, false, "upphört");
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agreement_counts_only_when_active),
        cmocka_unit_test(test_municipality_cells_by_date),
        cmocka_unit_test(test_routes_are_ranked),
        cmocka_unit_test(test_municipality_equals_county_row),
        cmocka_unit_test(test_county_csv_agrees_with_json),
        cmocka_unit_test(test_gaps_are_the_uncovered_cells),
        cmocka_unit_test(test_based_on),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_ended_agreements),
    };
    return cmocka_run_group_tests_name("coverage", tests, setup_group, teardown_group);
}
