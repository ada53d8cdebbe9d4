/*
 * tests/api/support_coverage.h: the world and helpers that the coverage test
 * files (test_coverage_routes.c, test_coverage_matrix.c,
 * test_coverage_errors.c) share.
 *
 * coverage_setup_group(), as a cmocka group setup, picks a county with at
 * least five municipalities in which nothing else can be valid between 2030
 * and 2032 (no availability row, no own provider's offering and no agreement
 * of its municipalities overlapping those years; checked with libpq) and
 * builds a world there through the API with ADMIN_KEY, all of it valid only in
 * 2031 (one offering only in 2030):
 *
 *   M0 (own)      a kommun provider of its own offering cope (föräldraskapsstöd)
 *                 and snap (kbt-färdighetsträning)
 *   M0 + M1       an agreement (a draft), M0 performing for M1, over
 *                 kbt-färdighetsträning (per case, naming M0's snap offering),
 *                 valid 2031
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
 * coverage_teardown_group() deletes everything created (an agreement in force
 * is first set back to a draft with libpq, since only drafts can be deleted).
 * Each test binary builds its own world, so the binaries can run one after
 * another on one database; the county is found again each time.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY (as set by tests/run.sh).
 */
#ifndef INSATSKATALOG_TESTS_API_SUPPORT_COVERAGE_H
#define INSATSKATALOG_TESTS_API_SUPPORT_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

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

/* Places, by index into the county's municipalities (sorted by code); bits for the tables. */
enum { M_OWN, M_ORDERER, M_ROW, M_PLANNED, M_PLAIN };
#define AT(m) (1u << (m))
#define EVERYWHERE 0x1fu                /* M_PLAIN stands for every municipality from index 4 on */

enum provider_index { P_OWN, P_X, P_Y, PROVIDER_COUNT };
enum offering_index { O_OWN, O_OWN2, O_PLAN, O_NONE, O_V, O_T, O_T3, O_T2, O_MUNI, O_OLD, OFFERING_COUNT };

/* An offering of the world: its provider, method, validity, verified_on and cost per case. */
struct offering_fixture {
    enum provider_index provider;
    const char *method, *valid_from, *valid_to, *verified_on;
    int cost;
};

/* The best route expected in a cell; a cell no row names has no route at all. */
struct cell_expect {
    unsigned places;
    const char *type;
    const char *kind, *status;
    int lead_time, cost;
    enum offering_index offering;
};

/* Skips a test that checks cells against the table when the county holds other data. */
#define REQUIRE_CLEAN_COUNTY()                                                                                \
    do {                                                                                                      \
        if (!coverage_county_clean) {                                                                         \
            fprintf(stderr, "# skipped: county %s has routes this test did not create\n", coverage_county);   \
            skip();                                                                                           \
        }                                                                                                     \
    } while (0)

/* ---- the world, set by coverage_setup_group() ---------------------------- */

extern char coverage_admin_auth[300]; /* "Bearer <ADMIN_KEY>" */
extern char coverage_county[3]; /* the county chosen */
extern bool coverage_county_clean; /* nothing but this run's rows can be valid there 2030-2032 */

/* The county's municipalities, sorted by code: M_OWN, M_ORDERER, ... index them. */
extern char coverage_municipality[MUNICIPALITIES_MAX][5];
extern char coverage_municipality_name[MUNICIPALITIES_MAX][80];
extern size_t coverage_municipality_count;
extern char coverage_type_slug[TYPES_MAX][64]; /* the recommended types, sorted */
extern size_t coverage_type_count;
extern long long coverage_agreement_id; /* M_OWN performing for M_ORDERER; made a draft */

/* The offerings made, and the ids the server gave them and their providers. */
extern const struct offering_fixture coverage_offering_fixtures[OFFERING_COUNT];
extern long long coverage_provider_id[PROVIDER_COUNT];
extern long long coverage_offering_id[OFFERING_COUNT];

/* ---- requests and reading the answers ------------------------------------ */

/* Whether a route of this status covers its cell: tillgänglig, begränsad or väntelista. */
bool coverage_status_covers(const char *status);

/* A write (or other request) with Authorization and If-Match (NULL: none); notes the consistency LSN. */
int coverage_send_as(const char *method, const char *path, const char *authorization, const char *if_match,
                   const char *body, struct http_response *r);

/* A read that must see every write made so far (X-Consistency-LSN); accept may be NULL. */
int coverage_get(const char *path, const char *accept, struct http_response *r);

/* cmocka group setup: chooses the county and builds the world; -1 (the reason on stderr) when it cannot. */
int coverage_setup_group(void **state);

/* cmocka group teardown: deletes everything created, newest first, and closes the database. */
int coverage_teardown_group(void **state);

/* The member is that integer, or null when value is NONE. */
bool coverage_json_int_is(const json_t *object, const char *dotted_path, long long value);

/* A string member's text, "null" or "(missing)", for messages. */
const char *coverage_text_of(const json_t *value);

/* A JSON value as compact text, into buf (for messages). */
const char *coverage_dump(const json_t *value, char *buf, size_t size);

/* "/v1/<what>/<code>/coverage", with ?on=<on> unless on is NULL. */
void coverage_coverage_path(char *out, size_t size, const char *what, const char *code, const char *on);

/* GETs a municipality's coverage on a date (NULL: today); true when a good JSON answer came. */
bool coverage_get_municipality(struct expectations *e, size_t m, const char *on, struct http_response *r);

/* GETs the county's coverage on a date (NULL: today); true when a good JSON answer came. */
bool coverage_get_county(struct expectations *e, const char *on, struct http_response *r);

/* The entry for type in a municipality answer's intervention_types, or NULL. */
json_t *coverage_type_entry(const json_t *answer, const char *type);

/* The row for code in a county answer, or NULL. */
json_t *coverage_county_row(const json_t *answer, const char *code);

/* Checks a best route (or its absence) against the table. */
void coverage_expect_route(struct expectations *e, const json_t *route, const json_t *covered,
                         const struct cell_expect *x, const char *label);

/* POSTs the transition of the world's agreement to to, as admin, with its ETag; a failure is counted in e. */
bool coverage_transition(struct expectations *e, const char *to);

/* The verified_on of an offering: the fixture's, or the server's for one this run did not make. */
bool coverage_verified_on(long long id, char out[16]);

#endif
