/*
 * tests/api/support_providers.c: the world of the provider tests, made and
 * removed through the API, and the requests and checks the provider test
 * files share (see support_providers.h for the contracts).
 *
 * The organisation numbers are "9", five digits of the run and a counter,
 * with the Luhn check digit from fixtures.c; one left over from an
 * interrupted run is skipped. A refused request must change nothing:
 * providers_db_state() fingerprints the three tables and the audit trail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_providers.h"

/* ---- state shared by the tests ------------------------------------------- */

char providers_tag[16];                 /* hex, unique to the run: in slugs and key names */
char providers_word[16];                /* letters, unique to the run: in provider names, for q= */
static unsigned long run_number;     /* digits of the organisation numbers */
static int org_counter;
char providers_admin_auth[300];
char providers_municipality_auth[300];
char providers_key_a_auth[300], providers_key_b_auth[300];
char providers_key_a_name[64], providers_key_b_name[64];
char providers_admin_key_name[100];
char providers_method_m[64], providers_method_m2[64];

long long providers_provider_id[PROVIDER_COUNT];
char providers_provider_org[PROVIDER_COUNT][11];
long long providers_offering_id[OFFERING_COUNT];
long long providers_availability_id[AVAILABILITY_COUNT];

/* ---- the fixture ---------------------------------------------------------- */

const struct provider_fixture providers_provider_fixtures[PROVIDER_COUNT] = {
    [P_A] = { "Alfa", "privat", "03", NULL },
    [P_B] = { "Beta", "idéburen", "01", NULL },
    [P_K] = { "Kommun", "kommun", "03", "0380" },
    [P_E] = { "Tom", "universitet", "05", NULL },   /* no offerings */
};

const struct offering_fixture providers_offering_fixtures[OFFERING_COUNT] = {
    [O_A_OLD] = { P_A, false, "2019-01-01", "2020-12-31", 10000, "2", "[\"behandlare\"]", "på plats" },
    [O_A] = { P_A, false, "2025-01-01", NULL, 15000, "5.5", "[\"behandlare\", \"handledare\"]", "båda" },
    [O_B] = { P_B, false, "2024-01-01", NULL, 20000, "3", "[\"behandlare\"]", "digitalt" },
    [O_K] = { P_K, false, "2024-06-01", NULL, 5000, "1", "[\"handledare\"]", "på plats" },
    [O_K2] = { P_K, true, "2024-01-01", NULL, 7000, "2", "[\"behandlare\"]", "på plats" },
};

const struct availability_fixture providers_availability_fixtures[AVAILABILITY_COUNT] = {
    [AV0] = { O_A_OLD, "03", NULL, "tillgänglig", 50, 1 },
    [AV1] = { O_A, "03", NULL, "tillgänglig", 20, 9 },
    [AV2] = { O_A, "01", NULL, "väntelista", 5, 12 },
    [AV3] = { O_B, "03", NULL, "begränsad", 10, 3 },
    [AV4] = { O_B, "01", NULL, "tillgänglig", 30, 2 },
    [AV5] = { O_K, "03", "0380", "planerad", NONE, NONE },
    [AV6] = { O_K2, "05", NULL, "ej tillgänglig", NONE, NONE },
    [AV7] = { O_K2, "04", NULL, "tillgänglig", 8, 6 },
};

/* ---- organisation numbers --------------------------------------------------- */

/* A fresh organisation number: "9", five digits of the run, a counter; valid, or with a wrong check digit. */
void providers_organisation_number(char out[11], bool valid)
{
    char nine[16];
    snprintf(nine, sizeof(nine), "9%05lu%03d", run_number % 100000, org_counter++ % 1000);
    organisation_number_of(nine, valid, out);
}

/* ---- requests ------------------------------------------------------------ */

/* A request with Authorization (NULL: none), a JSON body (NULL: none) and If-Match (NULL: none). */
int providers_send_as(const char *method, const char *path, const char *authorization, const char *if_match,
                      const char *body, struct http_response *r)
{
    http_response_free(r);
    return request_as(method, path, authorization,
                      strcmp(method, "PATCH") == 0 ? "application/merge-patch+json" : "application/json", if_match,
                      body, r);
}

int providers_get(const char *path, struct http_response *r)
{
    http_response_free(r);
    return http_get(path, NULL, r);
}

/* PUT, PATCH or DELETE with the record's current ETag, so only the key or the body can be the problem. */
int providers_write_as(const char *method, const char *path, const char *authorization, const char *body,
                       struct http_response *r)
{
    char etag[ETAG_MAX];
    if (!current_etag(path, NULL, etag))
        snprintf(etag, sizeof(etag), "\"none\"");
    return providers_send_as(method, path, authorization, etag, body, r);
}

void providers_remember(const char *collection, long long id)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/%lld", collection, id);
    remember_created(path);
}

/* POSTs body (borrowed) to collection; on 201 remembers the record and returns its id, else -1. */
long long providers_create_as(const char *collection, const char *authorization, const json_t *body,
                              struct http_response *r)
{
    char *text = json_dumps(body, JSON_COMPACT);
    long long id = -1;

    providers_send_as("POST", collection, authorization, NULL, text, r);
    free(text);
    if (r->status == 201 && json_is_integer(json_at(r->json, "id"))) {
        id = json_integer_value(json_at(r->json, "id"));
        providers_remember(collection, id);
    }
    return id;
}

/* ---- the database -------------------------------------------------------- */

/* A fingerprint of everything a provider write can change. */
char *providers_db_state(void)
{
    static const char *const tables[] = { "providers", "offerings", "offering_availability", NULL };
    return db_fingerprint(tables);
}

/* ---- checks -------------------------------------------------------------- */

/* A nullable integer member equals value (NONE: null). */
bool providers_json_int_is(const json_t *object, const char *dotted_path, int value)
{
    json_t *got = json_at(object, dotted_path);
    return value == NONE ? json_is_null(got) : json_is_integer(got) && json_integer_value(got) == value;
}

/* A member equals the JSON text. */
bool providers_json_is_text(const json_t *object, const char *dotted_path, const char *json_text)
{
    json_t *expected = json_loads(json_text, JSON_DECODE_ANY, NULL);
    json_t *got = json_at(object, dotted_path);
    bool same = expected != NULL && got != NULL && json_equal(got, expected);
    if (!same && expected != NULL && got != NULL && json_is_number(got) && json_is_number(expected))
        same = json_number_value(got) == json_number_value(expected);   /* 5 and 5.0 */
    json_decref(expected);
    return same;
}

/* ---- setup --------------------------------------------------------------- */

/* Runs the admin command to make a key scoped provider:<id>; writes "Bearer <key>". */
static bool make_provider_key(const char *name, long long id, char *authorization, size_t size)
{
    char scope[40];
    snprintf(scope, sizeof(scope), "provider:%lld", id);
    return make_key(name, scope, authorization, size);
}

json_t *providers_provider_body(enum provider_index p, const char *org)
{
    const struct provider_fixture *f = &providers_provider_fixtures[p];
    char name[80];

    snprintf(name, sizeof(name), "TP %s %s", providers_word, f->suffix);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", name, "organisation_number", org,
                             "kind", f->kind, "home_county", f->home_county, "email", "kontakt@example.se", "phone",
                             "+46 18-12 34 56", "website", "https://example.se/tp", "description",
                             "En utförare som testerna skapar.");
    if (f->municipality != NULL)
        json_object_set_new(body, "municipality", json_string(f->municipality));
    return body;
}

json_t *providers_offering_body(enum offering_index o)
{
    const struct offering_fixture *f = &providers_offering_fixtures[o];
    json_t *body = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "provider_id", (json_int_t)providers_provider_id[f->provider],
                             "method", f->second_method ? providers_method_m2 : providers_method_m, "delivery", f->delivery, "valid_from",
                             f->valid_from, "training_days", json_loads(f->training_days, JSON_DECODE_ANY, NULL),
                             "training_for", json_loads(f->training_for, 0, NULL));
    if (f->valid_to != NULL)
        json_object_set_new(body, "valid_to", json_string(f->valid_to));
    if (f->cost_per_case != NONE)
        json_object_set_new(body, "cost_per_case_sek", json_integer(f->cost_per_case));
    if (o == O_A) {   /* one offering with every optional field */
        json_object_set_new(body, "startup_fee_sek", json_integer(50000));
        json_object_set_new(body, "training_cost_per_participant_sek", json_integer(12000));
        json_object_set_new(body, "yearly_fee_sek", json_integer(8000));
        json_object_set_new(body, "certification_required", json_true());
        json_object_set_new(body, "languages", json_pack("[s,s]", "svenska", "engelska"));
        json_object_set_new(body, "verified_on", json_string("2025-03-01"));
    }
    return body;
}

json_t *providers_availability_body(enum availability_index a)
{
    const struct availability_fixture *f = &providers_availability_fixtures[a];
    json_t *body = json_pack("{s:I, s:s, s:s}", "offering_id", (json_int_t)providers_offering_id[f->offering], "county",
                             f->county, "status", f->status);
    if (f->municipality != NULL)
        json_object_set_new(body, "municipality", json_string(f->municipality));
    if (f->capacity != NONE)
        json_object_set_new(body, "capacity_cases_per_year", json_integer(f->capacity));
    if (f->lead_time != NONE)
        json_object_set_new(body, "lead_time_weeks", json_integer(f->lead_time));
    return body;
}

static json_t *method_body(const char *slug)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s}", "slug", slug, "abbreviation", "TP",
                     "name_sv", "TP-metoden", "name_en", "The TP method", "intervention_type", "familjebehandling",
                     "age_min", 6, "age_max", 17, "format", "familj", "availability", "planerad", "description",
                     "En metod som utförartesterna skapar.");
}

static bool setup_fail(struct http_response *r, const char *what)
{
    fprintf(stderr, "# setup: creating %s failed: %ld %.400s\n", what, r->status, r->body ? r->body : "");
    http_response_free(r);
    return false;
}

static bool create_world(void)
{
    struct http_response r = { 0 };
    json_t *body;

    snprintf(providers_method_m, sizeof(providers_method_m), "tp-m-%s", providers_tag);
    snprintf(providers_method_m2, sizeof(providers_method_m2), "tp-m2-%s", providers_tag);
    for (int i = 0; i < 2; i++) {
        const char *slug = i == 0 ? providers_method_m : providers_method_m2;
        char *text;
        body = method_body(slug);
        text = json_dumps(body, JSON_COMPACT);
        providers_send_as("POST", "/v1/methods", providers_admin_auth, NULL, text, &r);
        free(text);
        json_decref(body);
        if (r.status != 201)
            return setup_fail(&r, slug);
        char path[96];
        snprintf(path, sizeof(path), "/v1/methods/%s", slug);
        remember_created(path);
    }
    for (int p = 0; p < PROVIDER_COUNT; p++) {
        /* An organisation number left over from an interrupted run is taken: try the next. */
        for (int attempt = 0; attempt < 5; attempt++) {
            providers_organisation_number(providers_provider_org[p], true);
            body = providers_provider_body((enum provider_index)p, providers_provider_org[p]);
            providers_provider_id[p] = providers_create_as("/v1/providers", providers_admin_auth, body, &r);
            json_decref(body);
            if (r.status != 409)
                break;
        }
        if (providers_provider_id[p] < 0)
            return setup_fail(&r, providers_provider_fixtures[p].suffix);
    }
    for (int o = 0; o < OFFERING_COUNT; o++) {
        body = providers_offering_body((enum offering_index)o);
        providers_offering_id[o] = providers_create_as("/v1/offerings", providers_admin_auth, body, &r);
        json_decref(body);
        if (providers_offering_id[o] < 0)
            return setup_fail(&r, "an offering");
    }
    for (int a = 0; a < AVAILABILITY_COUNT; a++) {
        body = providers_availability_body((enum availability_index)a);
        providers_availability_id[a] = providers_create_as("/v1/availability", providers_admin_auth, body, &r);
        json_decref(body);
        if (providers_availability_id[a] < 0)
            return setup_fail(&r, "an availability record");
    }
    http_response_free(&r);
    return true;
}

int providers_world_create(void **state)
{
    (void)state;

    if (!fixtures_open_environment(providers_admin_auth, sizeof(providers_admin_auth), providers_municipality_auth,
                                   sizeof(providers_municipality_auth)))
        return -1;
    key_name_of(getenv("ADMIN_KEY"), providers_admin_key_name, sizeof(providers_admin_key_name));

    unsigned long seed = run_seed();
    tag_of_seed(seed, providers_tag, sizeof(providers_tag));
    word_of_seed(seed, 'q', providers_word, sizeof(providers_word));
    run_number = (seed * 2654435761UL) % 100000;

    if (!create_world())
        return -1;
    snprintf(providers_key_a_name, sizeof(providers_key_a_name), "tp-%s-a", providers_tag);
    snprintf(providers_key_b_name, sizeof(providers_key_b_name), "tp-%s-b", providers_tag);
    if (!make_provider_key(providers_key_a_name, providers_provider_id[P_A], providers_key_a_auth, sizeof(providers_key_a_auth))
        || !make_provider_key(providers_key_b_name, providers_provider_id[P_B], providers_key_b_auth, sizeof(providers_key_b_auth))) {
        providers_key_a_name[0] = providers_key_b_name[0] = '\0';
        return -1;
    }
    return 0;
}

int providers_world_destroy(void **state)
{
    int failed;
    (void)state;

    failed = delete_created(providers_admin_auth);
    revoke_key(providers_key_a_name);
    revoke_key(providers_key_b_name);
    db_close();
    return failed;
}

json_t *providers_valid_body(enum body_kind kind)
{
    char org[11], name[80];

    switch (kind) {
    case PROVIDER:
        providers_organisation_number(org, true);
        snprintf(name, sizeof(name), "TP %s Validering", providers_word);
        return json_pack("{s:s, s:s, s:s, s:s}", "name", name, "organisation_number", org, "kind", "privat",
                         "home_county", "03");
    case OFFERING:
        return json_pack("{s:I, s:s, s:s, s:s, s:[s]}", "provider_id", (json_int_t)providers_provider_id[P_E], "method",
                         providers_method_m2, "delivery", "på plats", "valid_from", "2030-01-01", "training_for", "behandlare");
    case AVAILABILITY:
        return json_pack("{s:I, s:s, s:s}", "offering_id", (json_int_t)providers_offering_id[O_A_OLD], "county", "06", "status",
                         "tillgänglig");
    }
    return NULL;
}
