/*
 * tests/api/support_providers.h: the world that the provider test files
 * (test_provider_validation.c, test_provider_scope.c, test_method_providers.c,
 * test_provider_lists.c) share, and the requests and checks they all use.
 *
 * providers_world_create(), as a cmocka group setup, creates through the API
 * with ADMIN_KEY: two methods (slugs "tp-m-<tag>", "tp-m2-<tag>", so answers
 * about them are exact whatever else the database holds), four providers with
 * organisation numbers unique to the run, five offerings and eight
 * availability rows, all as the tables below say; and two keys scoped
 * provider:<id> of providers A and B, made with build/insatskatalog-admin
 * (run from the repository root, with DATABASE_URL). providers_world_destroy()
 * deletes everything created, newest first, and revokes the keys. Each test
 * binary makes its own world, so the binaries can run one after another on
 * one database.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#ifndef INSATSKATALOG_TESTS_API_SUPPORT_PROVIDERS_H
#define INSATSKATALOG_TESTS_API_SUPPORT_PROVIDERS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "http_client.h"

#define PATH_MAX_LENGTH 512
#define BODY_MAX 16384
#define CREATED_MAX 256
#define NONE (-1)

/* ---- the fixture ---------------------------------------------------------- */

enum provider_index { P_A, P_B, P_K, P_E, PROVIDER_COUNT };
enum offering_index { O_A_OLD, O_A, O_B, O_K, O_K2, OFFERING_COUNT };
enum availability_index { AV0, AV1, AV2, AV3, AV4, AV5, AV6, AV7, AVAILABILITY_COUNT };

struct provider_fixture {
    const char *suffix;            /* of the name "TP <word> <suffix>" */
    const char *kind;
    const char *home_county;
    const char *municipality;      /* NULL: none */
};

struct offering_fixture {
    enum provider_index provider;
    bool second_method;            /* method_m2 instead of method_m */
    const char *valid_from, *valid_to;
    int cost_per_case;             /* NONE: null */
    const char *training_days;     /* JSON number text */
    const char *training_for;      /* JSON array text */
    const char *delivery;
};

struct availability_fixture {
    enum offering_index offering;
    const char *county, *municipality, *status;
    int capacity, lead_time;       /* NONE: null */
};

/* What the world is made of: P_E has no offerings; O_A has every optional field. */
extern const struct provider_fixture providers_provider_fixtures[PROVIDER_COUNT];
extern const struct offering_fixture providers_offering_fixtures[OFFERING_COUNT];
extern const struct availability_fixture providers_availability_fixtures[AVAILABILITY_COUNT];

/* ---- state set by providers_world_create() ---------------------------------- */

extern char providers_tag[16];                /* hex, unique to the run: in slugs and key names */
extern char providers_word[16];               /* letters, unique to the run: in provider names, for q= */
extern char providers_admin_auth[300];        /* "Bearer <ADMIN_KEY>" */
extern char providers_municipality_auth[300]; /* "Bearer <MUNICIPALITY_KEY>" */
extern char providers_key_a_auth[300], providers_key_b_auth[300];   /* scoped provider:<A>, provider:<B> */
extern char providers_key_a_name[64], providers_key_b_name[64];
extern char providers_admin_key_name[100];
extern char providers_method_m[64], providers_method_m2[64];

extern long long providers_provider_id[PROVIDER_COUNT];
extern char providers_provider_org[PROVIDER_COUNT][11];
extern long long providers_offering_id[OFFERING_COUNT];
extern long long providers_availability_id[AVAILABILITY_COUNT];

/*
 * cmocka group setup: opens the database, reads the keys from the
 * environment and creates the world and the two provider keys. Returns -1
 * (the reason on stderr) when any of it fails.
 */
int providers_world_create(void **state);

/* cmocka group teardown: deletes what this run created, revokes the keys, closes the database. */
int providers_world_destroy(void **state);

/* ---- requests ------------------------------------------------------------ */

/* A fresh organisation number unique to the run; valid, or with a wrong check digit. */
void providers_organisation_number(char out[11], bool valid);

/*
 * A request with Authorization (NULL: none), a JSON body (NULL: none) and
 * If-Match (NULL: none); PATCH is sent as application/merge-patch+json.
 * Frees r first.
 */
int providers_send_as(const char *method, const char *path, const char *authorization, const char *if_match,
                      const char *body, struct http_response *r);

/* GET without a key. Frees r first. */
int providers_get(const char *path, struct http_response *r);

/* PUT, PATCH or DELETE with the record's current ETag, so only the key or the body can be the problem. */
int providers_write_as(const char *method, const char *path, const char *authorization, const char *body,
                       struct http_response *r);

/* Remembers collection/id for providers_world_destroy() to delete. */
void providers_remember(const char *collection, long long id);

/* POSTs body (borrowed) to collection; on 201 remembers the record and returns its id, else -1. */
long long providers_create_as(const char *collection, const char *authorization, const json_t *body,
                              struct http_response *r);

/* ---- bodies ----------------------------------------------------------------- */

/* The body each fixture row was created from (new references; org is the organisation number to use). */
json_t *providers_provider_body(enum provider_index p, const char *org);
json_t *providers_offering_body(enum offering_index o);
json_t *providers_availability_body(enum availability_index a);

enum body_kind { PROVIDER, OFFERING, AVAILABILITY };

/*
 * A valid body with only the required fields, for a new record: a privat
 * provider with a fresh organisation number; an offering of P_E for
 * method_m2 from 2030-01-01; availability of O_A_OLD in county 06.
 */
json_t *providers_valid_body(enum body_kind kind);

/* ---- the database and checks ------------------------------------------------ */

/* A fingerprint of everything a provider write can change (for expect_unchanged). */
char *providers_db_state(void);

/* A nullable integer member equals value (NONE: null). */
bool providers_json_int_is(const json_t *object, const char *dotted_path, int value);

/* A member equals the JSON text (5 and 5.0 are equal). */
bool providers_json_is_text(const json_t *object, const char *dotted_path, const char *json_text);

#endif
