/*
 * tests/api/test_provider_scope.c: who may write providers, offerings and
 * availability, against the real server: a provider:<id> key writes its own
 * records (and the audit trail names it) and nothing else; municipality,
 * missing, expired and revoked keys write nothing; a provider with offerings
 * cannot be deleted, and the refusal names them; an offering's history lists
 * each write with its key; records created with only the defaults can be
 * patched.
 *
 * The world and the two provider keys (of providers A and B) are made and
 * removed by support_providers.c. A refused request must change nothing:
 * each compares providers_db_state() before and after.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_providers.h"

/* The key name on the newest audit entry of entity/id. */
static char *last_audit_key(const char *entity, long long id)
{
    char id_text[24];
    snprintf(id_text, sizeof(id_text), "%lld", id);
    const char *params[] = { entity, id_text };
    return db_text("SELECT key_name FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT 1",
                   2, params);
}

/* ---- the provider scope ---------------------------------------------------- */

struct scope_row {
    const char *label;
    const char *method;
    char path[PATH_MAX_LENGTH];
    const char *authorization;
    char body[1024];
    long status;
};

/* Sends a request that must be refused with status, and checks that nothing changed. */
static void expect_refused(struct expectations *e, const char *label, const char *method, const char *path,
                           const char *authorization, const char *body, long status)
{
    struct http_response r = { 0 };
    char *before = providers_db_state();
    static const char *const types[] = { [0] = "", [1] = "/problems/unauthorized", [3] = "/problems/forbidden",
                                         [4] = "/problems/not-found" };

    if (strcmp(method, "POST") == 0)
        providers_send_as(method, path, authorization, NULL, body, &r);
    else
        providers_write_as(method, path, authorization, body, &r);
    expect_problem(e, &r, status, types[status - 400], NULL, label);
    expect_unchanged(e, providers_db_state, before, label);
    free(before);
    http_response_free(&r);
}

static void test_provider_keys_write_their_own_records(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], body[1024], own_offering[PATH_MAX_LENGTH], own_availability[PATH_MAX_LENGTH];
    (void)state;

    /* Its own provider record. */
    snprintf(path, sizeof(path), "/v1/providers/%lld", providers_provider_id[P_A]);
    providers_write_as("PATCH", path, providers_key_a_auth, "{\"description\": \"Ändrad av utföraren själv.\"}", &r);
    if (expect_json(&e, &r, 200, "provider A patches itself"))
        EXPECT(&e, json_string_is(r.json, "description", "Ändrad av utföraren själv."), "provider A: description");
    char *who = last_audit_key("provider", providers_provider_id[P_A]);
    EXPECT(&e, who != NULL && strcmp(who, providers_key_a_name) == 0, "the audit trail names %s, not the key %s",
           who ? who : "(nobody)", providers_key_a_name);
    free(who);

    /* A new offering of its own, patched, with availability created, patched and deleted, then deleted. */
    json_t *offering = json_pack("{s:I, s:s, s:s, s:s, s:[s], s:i}", "provider_id", (json_int_t)providers_provider_id[P_A],
                                 "method", providers_method_m2, "delivery", "digitalt", "valid_from", "2026-01-01",
                                 "training_for", "behandlare", "cost_per_case_sek", 1000);
    long long id = providers_create_as("/v1/offerings", providers_key_a_auth, offering, &r);
    json_decref(offering);
    if (!expect_json(&e, &r, 201, "provider A creates an offering"))
        goto done;
    snprintf(own_offering, sizeof(own_offering), "/v1/offerings/%lld", id);
    who = last_audit_key("offering", id);
    EXPECT(&e, who != NULL && strcmp(who, providers_key_a_name) == 0, "offering create: audit names %s", who ? who : "?");
    free(who);
    providers_write_as("PATCH", own_offering, providers_key_a_auth, "{\"cost_per_case_sek\": 2000}", &r);
    if (expect_json(&e, &r, 200, "provider A patches its offering"))
        EXPECT(&e, providers_json_int_is(r.json, "costs.cost_per_case_sek", 2000), "patched cost");
    snprintf(body, sizeof(body), "{\"offering_id\": %lld, \"county\": \"03\", \"status\": \"planerad\"}", id);
    providers_send_as("POST", "/v1/availability", providers_key_a_auth, NULL, body, &r);
    if (!expect_json(&e, &r, 201, "provider A creates availability"))
        goto done;
    long long availability = json_integer_value(json_at(r.json, "id"));
    providers_remember("/v1/availability", availability);
    snprintf(own_availability, sizeof(own_availability), "/v1/availability/%lld", availability);
    providers_write_as("PATCH", own_availability, providers_key_a_auth, "{\"status\": \"tillgänglig\", \"lead_time_weeks\": 2}", &r);
    if (expect_json(&e, &r, 200, "provider A patches its availability"))
        EXPECT(&e, json_string_is(r.json, "status", "tillgänglig"), "patched status");

    /* What it must not do. */
    snprintf(path, sizeof(path), "/v1/providers/%lld", providers_provider_id[P_B]);
    expect_refused(&e, "A patches provider B", "PATCH", path, providers_key_a_auth, "{\"description\": \"x\"}", 403);
    expect_refused(&e, "A deletes provider B", "DELETE", path, providers_key_a_auth, NULL, 403);
    json_t *whole = providers_provider_body(P_B, providers_provider_org[P_B]);
    char *whole_text = json_dumps(whole, JSON_COMPACT);
    expect_refused(&e, "A replaces provider B", "PUT", path, providers_key_a_auth, whole_text, 403);
    free(whole_text);
    json_decref(whole);
    whole = providers_valid_body(PROVIDER);
    whole_text = json_dumps(whole, JSON_COMPACT);
    expect_refused(&e, "A creates a provider", "POST", "/v1/providers", providers_key_a_auth, whole_text, 403);
    expect_refused(&e, "B creates a provider", "POST", "/v1/providers", providers_key_b_auth, whole_text, 403);
    free(whole_text);
    json_decref(whole);

    snprintf(body, sizeof(body), "{\"provider_id\": %lld, \"method\": \"%s\", \"delivery\": \"digitalt\", "
             "\"valid_from\": \"2026-02-01\", \"training_for\": [\"behandlare\"]}", providers_provider_id[P_B], providers_method_m2);
    expect_refused(&e, "A creates an offering for provider B", "POST", "/v1/offerings", providers_key_a_auth, body, 403);
    snprintf(body, sizeof(body), "{\"provider_id\": %lld}", providers_provider_id[P_B]);
    expect_refused(&e, "A moves its offering to provider B", "PATCH", own_offering, providers_key_a_auth, body, 403);
    snprintf(path, sizeof(path), "/v1/offerings/%lld", providers_offering_id[O_B]);
    expect_refused(&e, "A patches B's offering", "PATCH", path, providers_key_a_auth, "{\"cost_per_case_sek\": 1}", 403);
    snprintf(body, sizeof(body), "{\"provider_id\": %lld}", providers_provider_id[P_A]);
    expect_refused(&e, "A takes B's offering", "PATCH", path, providers_key_a_auth, body, 403);
    expect_refused(&e, "A deletes B's offering", "DELETE", path, providers_key_a_auth, NULL, 403);
    json_t *b_offering = providers_offering_body(O_B);
    char *b_text = json_dumps(b_offering, JSON_COMPACT);
    expect_refused(&e, "A replaces B's offering", "PUT", path, providers_key_a_auth, b_text, 403);
    free(b_text);
    json_decref(b_offering);

    snprintf(body, sizeof(body), "{\"offering_id\": %lld, \"county\": \"06\", \"status\": \"planerad\"}",
             providers_offering_id[O_B]);
    expect_refused(&e, "A adds availability to B's offering", "POST", "/v1/availability", providers_key_a_auth, body, 403);
    snprintf(body, sizeof(body), "{\"offering_id\": %lld}", providers_offering_id[O_B]);
    expect_refused(&e, "A moves its availability to B's offering", "PATCH", own_availability, providers_key_a_auth, body, 403);
    snprintf(path, sizeof(path), "/v1/availability/%lld", providers_availability_id[AV3]);
    expect_refused(&e, "A patches B's availability", "PATCH", path, providers_key_a_auth, "{\"status\": \"planerad\"}", 403);
    expect_refused(&e, "A deletes B's availability", "DELETE", path, providers_key_a_auth, NULL, 403);
    snprintf(path, sizeof(path), "/v1/methods/%s", providers_method_m);
    expect_refused(&e, "A patches a method", "PATCH", path, providers_key_a_auth, "{\"format\": \"x\"}", 403);
    expect_refused(&e, "A patches an unknown offering", "PATCH", "/v1/offerings/999999999999", providers_key_a_auth,
                   "{\"cost_per_case_sek\": 1}", 404);

    /* B's key writes B's records, and not A's. */
    snprintf(path, sizeof(path), "/v1/offerings/%lld", providers_offering_id[O_B]);
    providers_write_as("PATCH", path, providers_key_b_auth, "{\"verified_on\": \"2025-06-01\"}", &r);
    if (expect_json(&e, &r, 200, "B patches its offering"))
        EXPECT(&e, json_string_is(r.json, "verified_on", "2025-06-01"), "B's verified_on");
    expect_refused(&e, "B patches A's new offering", "PATCH", own_offering, providers_key_b_auth, "{\"cost_per_case_sek\": 1}",
                   403);
    expect_refused(&e, "B deletes A's availability", "DELETE", own_availability, providers_key_b_auth, NULL, 403);

    /* A cleans up after itself. */
    providers_write_as("DELETE", own_availability, providers_key_a_auth, NULL, &r);
    EXPECT(&e, r.status == 204, "A deletes its availability: %ld %.300s", r.status, r.body);
    forget_created(own_availability);
    providers_write_as("DELETE", own_offering, providers_key_a_auth, NULL, &r);
    EXPECT(&e, r.status == 204, "A deletes its offering: %ld %.300s", r.status, r.body);
    forget_created(own_offering);
    providers_get(own_offering, &r);
    EXPECT(&e, r.status == 404, "the deleted offering is still served: %ld", r.status);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Other scopes, and no key at all, write nothing here. */
static void test_other_keys_cannot_write_providers(void **state)
{
    struct expectations e = { 0 };
    char path[PATH_MAX_LENGTH], body[1024];
    const char *expired = getenv("EXPIRED_KEY");
    const char *revoked = getenv("REVOKED_KEY");
    char expired_auth[300], revoked_auth[300];
    (void)state;

    snprintf(path, sizeof(path), "/v1/providers/%lld", providers_provider_id[P_K]);
    expect_refused(&e, "municipality key patches a kommun provider", "PATCH", path, providers_municipality_auth,
                   "{\"description\": \"x\"}", 403);
    expect_refused(&e, "municipality key deletes a provider", "DELETE", path, providers_municipality_auth, NULL, 403);
    json_t *provider = providers_valid_body(PROVIDER);
    char *text = json_dumps(provider, JSON_COMPACT);
    expect_refused(&e, "municipality key creates a provider", "POST", "/v1/providers", providers_municipality_auth, text, 403);
    expect_refused(&e, "no key creates a provider", "POST", "/v1/providers", NULL, text, 401);
    free(text);
    json_decref(provider);
    snprintf(body, sizeof(body), "{\"provider_id\": %lld, \"method\": \"%s\", \"delivery\": \"digitalt\", "
             "\"valid_from\": \"2026-03-01\", \"training_for\": [\"behandlare\"]}", providers_provider_id[P_K], providers_method_m2);
    expect_refused(&e, "municipality key creates an offering", "POST", "/v1/offerings", providers_municipality_auth, body, 403);
    expect_refused(&e, "no key creates an offering", "POST", "/v1/offerings", NULL, body, 401);
    snprintf(path, sizeof(path), "/v1/offerings/%lld", providers_offering_id[O_K]);
    expect_refused(&e, "municipality key patches an offering", "PATCH", path, providers_municipality_auth,
                   "{\"cost_per_case_sek\": 1}", 403);
    snprintf(body, sizeof(body), "{\"offering_id\": %lld, \"county\": \"06\", \"status\": \"planerad\"}",
             providers_offering_id[O_K]);
    expect_refused(&e, "municipality key creates availability", "POST", "/v1/availability", providers_municipality_auth, body,
                   403);
    snprintf(path, sizeof(path), "/v1/availability/%lld", providers_availability_id[AV5]);
    expect_refused(&e, "municipality key deletes availability", "DELETE", path, providers_municipality_auth, NULL, 403);
    expect_refused(&e, "no key deletes availability", "DELETE", path, NULL, NULL, 401);
    if (expired != NULL) {
        snprintf(expired_auth, sizeof(expired_auth), "Bearer %s", expired);
        expect_refused(&e, "expired key patches availability", "PATCH", path, expired_auth, "{\"status\": \"planerad\"}",
                       401);
    }
    if (revoked != NULL) {
        snprintf(revoked_auth, sizeof(revoked_auth), "Bearer %s", revoked);
        expect_refused(&e, "revoked key patches availability", "PATCH", path, revoked_auth,
                       "{\"status\": \"planerad\"}", 401);
    }
    assert_int_equal(e.failed, 0);
}

/* ---- delete and history --------------------------------------------------------- */

static void test_delete_of_a_provider_with_offerings(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    (void)state;

    for (int p = P_A; p <= P_K; p++) {
        long long expected[OFFERING_COUNT];
        size_t count = 0;
        for (int o = 0; o < OFFERING_COUNT; o++)
            if ((int)providers_offering_fixtures[o].provider == p)
                expected[count++] = providers_offering_id[o];
        snprintf(path, sizeof(path), "/v1/providers/%lld", providers_provider_id[p]);
        char *before = providers_db_state();
        providers_write_as("DELETE", path, providers_admin_auth, NULL, &r);
        if (expect_problem(&e, &r, 409, "/problems/still-referenced", NULL, path)) {
            json_t *referrers = json_at(r.json, "referrers");
            EXPECT(&e, json_array_size(referrers) == count, "%s: %zu referrers, wanted %zu: %.400s", path,
                   json_array_size(referrers), count, r.body);
            for (size_t i = 0; i < count && i < json_array_size(referrers); i++) {
                char id[24];
                snprintf(id, sizeof(id), "%lld", expected[i]);
                EXPECT(&e, json_string_is(json_array_get(referrers, i), "entity", "offering")
                               && json_string_is(json_array_get(referrers, i), "id", id),
                       "%s: referrer %zu is not offering %s: %.400s", path, i, id, r.body);
            }
        }
        expect_unchanged(&e, providers_db_state, before, path);
        free(before);
        providers_get(path, &r);
        EXPECT(&e, r.status == 200, "%s is gone after a refused delete", path);
    }
    /* A's own key is refused the same way. */
    snprintf(path, sizeof(path), "/v1/providers/%lld", providers_provider_id[P_A]);
    providers_write_as("DELETE", path, providers_key_a_auth, NULL, &r);
    expect_problem(&e, &r, 409, "/problems/still-referenced", NULL, "A deletes itself while it has offerings");

    /* A provider without offerings can go; its key then writes nothing. */
    json_t *body = providers_valid_body(PROVIDER);
    long long id = providers_create_as("/v1/providers", providers_admin_auth, body, &r);
    json_decref(body);
    if (expect_json(&e, &r, 201, "a provider to delete")) {
        snprintf(path, sizeof(path), "/v1/providers/%lld", id);
        providers_write_as("DELETE", path, providers_admin_auth, NULL, &r);
        EXPECT(&e, r.status == 204, "delete of a provider without offerings: %ld %.300s", r.status, r.body);
        forget_created(path);
        providers_get(path, &r);
        expect_problem(&e, &r, 404, "/problems/not-found", NULL, "the deleted provider");
        providers_write_as("DELETE", path, providers_admin_auth, NULL, &r);
        expect_problem(&e, &r, 404, "/problems/not-found", NULL, "a second delete");
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_history_of_an_offering(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], history[PATH_MAX_LENGTH + 16], id_text[24];
    static const char *const actions[] = { "delete", "update", "update", "create" };
    const char *keys[] = { providers_key_a_name, providers_admin_key_name, providers_key_a_name, providers_admin_key_name };
    (void)state;

    json_t *body = json_pack("{s:I, s:s, s:s, s:s, s:[s], s:i}", "provider_id", (json_int_t)providers_provider_id[P_A],
                             "method", providers_method_m2, "delivery", "båda", "valid_from", "2027-01-01", "training_for",
                             "handledare", "cost_per_case_sek", 100);
    long long id = providers_create_as("/v1/offerings", providers_admin_auth, body, &r);
    json_decref(body);
    if (!expect_json(&e, &r, 201, "an offering with a history"))
        goto done;
    snprintf(path, sizeof(path), "/v1/offerings/%lld", id);
    snprintf(history, sizeof(history), "%s/history", path);
    snprintf(id_text, sizeof(id_text), "%lld", id);
    providers_write_as("PATCH", path, providers_key_a_auth, "{\"cost_per_case_sek\": 200}", &r);
    expect_json(&e, &r, 200, "history: A's patch");
    providers_write_as("PATCH", path, providers_admin_auth, "{\"cost_per_case_sek\": 300, \"training_days\": 2.5}", &r);
    expect_json(&e, &r, 200, "history: admin's patch");
    providers_write_as("DELETE", path, providers_key_a_auth, NULL, &r);
    EXPECT(&e, r.status == 204, "history: A's delete: %ld %.300s", r.status, r.body);
    forget_created(path);

    providers_get(history, &r);
    EXPECT(&e, r.status == 401, "the history without a key: %ld", r.status);
    providers_send_as("GET", history, providers_admin_auth, NULL, NULL, &r);
    if (!expect_json(&e, &r, 200, history))
        goto done;
    json_t *items = json_at(r.json, "items");
    if (!EXPECT(&e, json_array_size(items) == 4, "%zu history entries, wanted 4: %.800s", json_array_size(items),
                r.body))
        goto done;
    static const int costs_after[] = { -1, 300, 200, 100 };
    for (size_t i = 0; i < 4; i++) {
        json_t *item = json_array_get(items, i);
        EXPECT(&e, json_string_is(item, "action", actions[i]), "entry %zu action", i);
        EXPECT(&e, json_string_is(item, "entity", "offering"), "entry %zu entity", i);
        EXPECT(&e, json_string_is(item, "entity_id", id_text), "entry %zu entity_id", i);
        EXPECT(&e, json_string_is(item, "key.name", keys[i]), "entry %zu key is %s, wanted %s", i,
               json_string_value(json_at(item, "key.name")) ? json_string_value(json_at(item, "key.name")) : "?",
               keys[i]);
        if (i + 1 < 4)
            EXPECT(&e, json_equal(json_object_get(item, "before"), json_object_get(json_array_get(items, i + 1), "after")),
                   "entry %zu's before is not entry %zu's after", i, i + 1);
        if (costs_after[i] >= 0)
            EXPECT(&e, providers_json_int_is(item, "after.costs.cost_per_case_sek", costs_after[i]), "entry %zu after cost", i);
        else
            EXPECT(&e, json_is_null(json_object_get(item, "after")), "the delete entry has an after");
    }
    EXPECT(&e, json_is_null(json_object_get(json_array_get(items, 3), "before")), "the create entry has a before");
    EXPECT(&e, providers_json_is_text(json_array_get(items, 1), "after.training.days", "2.5"), "admin's patch: training days");
    providers_send_as("GET", history, providers_key_a_auth, NULL, NULL, &r);
    /* The history is admin's alone, even of the provider's own record. */
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "the history with a provider key");
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* An offering created with the defaults (no training_for) can be patched like any other. */
static void test_patch_of_an_offering_with_defaults(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    (void)state;

    json_t *body = json_pack("{s:I, s:s, s:s, s:s}", "provider_id", (json_int_t)providers_provider_id[P_E], "method", providers_method_m2,
                             "delivery", "digitalt", "valid_from", "2028-01-01");
    long long id = providers_create_as("/v1/offerings", providers_admin_auth, body, &r);
    json_decref(body);
    if (expect_json(&e, &r, 201, "an offering with the defaults")) {
        EXPECT(&e, providers_json_is_text(r.json, "training.for", "[]"), "default training.for: %.300s", r.body);
        snprintf(path, sizeof(path), "/v1/offerings/%lld", id);
        providers_write_as("PATCH", path, providers_admin_auth, "{\"cost_per_case_sek\": 1234}", &r);
        if (expect_json(&e, &r, 200, "PATCH of an offering created without training_for"))
            EXPECT(&e, providers_json_int_is(r.json, "costs.cost_per_case_sek", 1234), "patched cost");
        EXPECT(&e, delete_if_present(path, providers_admin_auth) == 204, "deleting the offering with the defaults");
    }
    /* The same for a provider with only the required fields. */
    body = providers_valid_body(PROVIDER);
    id = providers_create_as("/v1/providers", providers_admin_auth, body, &r);
    json_decref(body);
    if (expect_json(&e, &r, 201, "a provider with only the required fields")) {
        snprintf(path, sizeof(path), "/v1/providers/%lld", id);
        providers_write_as("PATCH", path, providers_admin_auth, "{\"phone\": \"018-10 20 30\"}", &r);
        if (expect_json(&e, &r, 200, "PATCH of a provider with only the required fields"))
            EXPECT(&e, json_string_is(r.json, "contact.phone", "018-10 20 30"), "patched phone");
        providers_write_as("PATCH", path, providers_admin_auth, "{\"phone\": null}", &r);
        if (expect_json(&e, &r, 200, "PATCH null removes the phone"))
            EXPECT(&e, json_is_null(json_at(r.json, "contact.phone")), "phone removed");
        EXPECT(&e, delete_if_present(path, providers_admin_auth) == 204, "deleting the minimal provider");
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/*
 * A provider's own key keeps to its place: who and where it is (kind,
 * municipality, home_county, organisation_number) are admin's to change. A
 * kind "kommun" with a municipality would make its offerings that
 * municipality's own delivery (egen regi) in coverage.
 */
static void test_provider_keys_cannot_change_their_identity(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], org[11], body[200];
    (void)state;

    snprintf(path, sizeof(path), "/v1/providers/%lld", providers_provider_id[P_A]);
    providers_organisation_number(org, true);
    snprintf(body, sizeof(body), "{\"organisation_number\": \"%s\"}", org);
    static const struct { const char *label, *field; const char *body; } rows[] = {
        { "becomes the municipality 0380 (kommun)", "kind", "{\"kind\": \"kommun\", \"municipality\": \"0380\"}" },
        { "changes its kind", "kind", "{\"kind\": \"idéburen\"}" },
        { "moves to another county", "home_county", "{\"home_county\": \"01\"}" },
        { "changes its organisation number", "organisation_number", NULL },
    };
    char *before = providers_db_state();
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char label[200];
        snprintf(label, sizeof(label), "provider A's key %s", rows[i].label);
        providers_write_as("PATCH", path, providers_key_a_auth, rows[i].body ? rows[i].body : body, &r);
        if (expect_problem(&e, &r, 403, "/problems/forbidden", NULL, label))
            EXPECT(&e, problem_names_field(&r, rows[i].field), "%s: the refusal does not name %s: %.300s", label,
                   rows[i].field, r.body);
    }
    expect_unchanged(&e, providers_db_state, before, "identity changes by the provider's own key");
    free(before);

    /* What else it is, it may change; and admin may change who it is. */
    providers_write_as("PATCH", path, providers_key_a_auth, "{\"description\": \"Vi byter bara beskrivning.\"}", &r);
    expect_json(&e, &r, 200, "provider A's key changes its description");
    providers_write_as("PATCH", path, providers_admin_auth, body, &r);
    if (expect_json(&e, &r, 200, "admin changes provider A's organisation number"))
        EXPECT(&e, json_string_is(r.json, "organisation_number", org), "organisation_number: %.300s", r.body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provider_keys_write_their_own_records),
        cmocka_unit_test(test_other_keys_cannot_write_providers),
        cmocka_unit_test(test_delete_of_a_provider_with_offerings),
        cmocka_unit_test(test_history_of_an_offering),
        cmocka_unit_test(test_patch_of_an_offering_with_defaults),
        cmocka_unit_test(test_provider_keys_cannot_change_their_identity),
    };
    return cmocka_run_group_tests_name("provider scope", tests, providers_world_create, providers_world_destroy);
}
