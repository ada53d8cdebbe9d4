/*
 * tests/api/test_agreement_lifecycle.c: an agreement over its life, against the
 * real server: every lifecycle transition, legal and illegal, and the
 * decision gate before "aktiv"; validated transition requests; the history;
 * delete of drafts only, and not of a scope that coverage rests on; the
 * preconditions, keys and bodies of writes.
 *
 * The world (its type, methods and keys) and the helpers are in
 * support_agreements.{c,h}; each binary makes and removes its own.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#include <pthread.h>
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
#include "support_agreements.h"

/* ---- the lifecycle ---------------------------------------------------------- */

static const char *const all_statuses[] = { "utkast", "föreslagen", "aktiv", "uppsagd", "upphört" };
#define STATUS_COUNT (sizeof(all_statuses) / sizeof(all_statuses[0]))

/* The lifecycle as the brief gives it. */
static bool transition_allowed(const char *from, const char *to)
{
    static const char *const pairs[][2] = {
        { "utkast", "föreslagen" }, { "föreslagen", "utkast" }, { "föreslagen", "aktiv" },
        { "aktiv", "uppsagd" }, { "uppsagd", "upphört" },
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (strcmp(pairs[i][0], from) == 0 && strcmp(pairs[i][1], to) == 0)
            return true;
    return false;
}

/* Every illegal transition out of current is refused with 409, naming both statuses, and changes nothing. */
static void expect_illegal_transitions(struct expectations *e, long long id, const char *current, enum who w)
{
    struct http_response r = { 0 };
    char label[200];

    for (size_t s = 0; s < STATUS_COUNT; s++) {
        if (transition_allowed(current, all_statuses[s]))
            continue;
        snprintf(label, sizeof(label), "transition %s → %s (%s)", current, all_statuses[s], agreements_who_label[w]);
        char *before = agreements_db_state();
        agreements_transition(id, all_statuses[s], w, &r);
        if (expect_problem(e, &r, 409, "/problems/illegal-transition", NULL, label)) {
            EXPECT(e, json_string_is(r.json, "current_status", current), "%s: current_status: %.400s", label, r.body);
            EXPECT(e, json_string_is(r.json, "requested_status", all_statuses[s]), "%s: requested_status: %.400s",
                   label, r.body);
        }
        expect_unchanged(e, agreements_db_state, before, label);
        free(before);
    }
    http_response_free(&r);
}

static void test_lifecycle_transitions(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], label[200];
    static const struct { const char *to; enum who as; } steps[] = {
        { "föreslagen", KEY_A }, { "utkast", KEY_B }, { "föreslagen", ADMIN },
        { "aktiv", KEY_B }, { "uppsagd", KEY_A }, { "upphört", ADMIN },
    };
    (void)state;

    /* No notice period: notice ends it the same day, so "upphört" can follow "uppsagd" at once. */
    long long id = agreements_create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ livscykel', 'notice_period_months': 0, "
                                        "'parties': [" PA_DEC ", " PB_DEC "]}", &r);
    if (!agreements_expect_written(&e, &r, 201, "an agreement for the lifecycle"))
        goto done;
    agreements_agreement_path(id, path);
    const char *current = "utkast";
    for (size_t step = 0;; step++) {
        expect_illegal_transitions(&e, id, current, step % 2 ? KEY_A : ADMIN);

        /* Only a draft can be deleted. */
        if (strcmp(current, "utkast") != 0) {
            snprintf(label, sizeof(label), "DELETE in %s", current);
            char *before = agreements_db_state();
            agreements_write_as("DELETE", id, "", ADMIN, NULL, &r);
            expect_problem(&e, &r, 409, "/problems/wrong-state", NULL, label);
            expect_unchanged(&e, agreements_db_state, before, label);
            free(before);
        }
        /* Terms change only in utkast and föreslagen. */
        snprintf(label, sizeof(label), "PATCH of the terms in %s", current);
        bool terms_open = strcmp(current, "utkast") == 0 || strcmp(current, "föreslagen") == 0;
        char *before = agreements_db_state();
        char patch[120];
        snprintf(patch, sizeof(patch), "{'description': 'Villkor ändrade i steg %zu.'}", step);
        agreements_write_as("PATCH", id, "", step % 2 ? KEY_B : ADMIN, patch, &r);
        if (terms_open) {
            /* The decisions were about the old terms: cleared, and the answer says how many. */
            if (agreements_expect_written(&e, &r, 200, label))
                EXPECT(&e, json_is_false(json_object_get(r.json, "decisions_complete")), "%s: decisions remain", label);
            /* They are recorded again (a change of decisions only) before the next step. */
            agreements_write_as("PATCH", id, "", ADMIN, "{'parties': [" PA_DEC ", " PB_DEC "]}", &r);
            if (agreements_expect_written(&e, &r, 200, "the decisions recorded again"))
                EXPECT(&e, json_is_true(json_object_get(r.json, "decisions_complete"))
                           && http_header(&r, "Decisions-Cleared") == NULL,
                       "recording the decisions again cleared them: %.300s", r.body);
        } else {
            expect_problem(&e, &r, 409, "/problems/wrong-state", NULL, label);
            expect_unchanged(&e, agreements_db_state, before, label);
        }
        free(before);
        snprintf(label, sizeof(label), "PUT in %s", current);
        if (!terms_open) {
            before = agreements_db_state();
            json_t *body = agreements_body_of(BASE_EQUAL, "{'title': 'TA @W@ livscykel', 'parties': [" PA_DEC ", " PB_DEC "]}");
            char *text = json_dumps(body, JSON_COMPACT);
            char etag[ETAG_MAX];
            agreements_agreement_etag(id, etag);
            agreements_send_as("PUT", path, agreements_auth[ADMIN], etag, text, &r);
            expect_problem(&e, &r, 409, "/problems/wrong-state", NULL, label);
            expect_unchanged(&e, agreements_db_state, before, label);
            free(before);
            free(text);
            json_decref(body);
        }

        agreements_get_as(path, NOBODY, &r);
        if (strcmp(current, "utkast") == 0) {
            expect_problem(&e, &r, 404, "/problems/not-found", NULL, "the public reads the draft");
        } else if (expect_json(&e, &r, 200, "the public reads the agreement")) {
            EXPECT(&e, json_string_is(r.json, "status", current), "status is not %s: %.300s", current, r.body);
            EXPECT(&e, json_string_is(r.json, "effective_status", current), "effective_status is not %s", current);
        }
        if (step == sizeof(steps) / sizeof(steps[0]))
            break;

        snprintf(label, sizeof(label), "transition %s → %s (%s)", current, steps[step].to, agreements_who_label[steps[step].as]);
        char etag_before[ETAG_MAX];
        agreements_agreement_etag(id, etag_before);
        long long audits = agreements_audit_count(id);
        agreements_transition(id, steps[step].to, steps[step].as, &r);
        if (!agreements_expect_written(&e, &r, 200, label))
            break;
        EXPECT(&e, json_string_is(r.json, "status", steps[step].to), "%s: the answer's status: %.300s", label,
               r.body);
        EXPECT(&e, http_header(&r, "ETag") == NULL || strcmp(http_header(&r, "ETag"), etag_before) != 0,
               "%s: the ETag did not change", label);
        EXPECT(&e, agreements_audit_count(id) == audits + 1, "%s: %lld audit entries, wanted %lld", label, agreements_audit_count(id),
               audits + 1);
        current = steps[step].to;
    }
    EXPECT(&e, strcmp(current, "upphört") == 0, "the lifecycle stopped in %s", current);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* föreslagen → aktiv only when every party has its decision; an illegal transition is reported as such first. */
static void test_decision_gate(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    long long id = agreements_create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ beslut', 'parties': [" PA ", " PB ", " PC "]}",
                             &r);
    if (!agreements_expect_written(&e, &r, 201, "an agreement without decisions"))
        goto done;
    EXPECT(&e, json_is_false(json_object_get(r.json, "decisions_complete")), "decisions_complete without decisions");

    char *before = agreements_db_state();
    agreements_transition(id, "aktiv", ADMIN, &r);
    expect_problem(&e, &r, 409, "/problems/illegal-transition", NULL, "utkast → aktiv without decisions");
    expect_unchanged(&e, agreements_db_state, before, "utkast → aktiv without decisions");
    free(before);

    agreements_transition(id, "föreslagen", KEY_C, &r);
    agreements_expect_written(&e, &r, 200, "utkast → föreslagen by a party");

    static const struct { enum who as; const char *patch; const char *label; bool complete; } records[] = {
        { KEY_A, "{'parties': [" PA_DEC ", " PB ", " PC "]}", "0381 records its decision", false },
        { KEY_B, "{'parties': [" PA_DEC ", " PB_DEC ", " PC "]}", "0380 records its decision", false },
        { KEY_C, "{'parties': [" PA_DEC ", " PB_DEC ", " PC_DEC "]}", "0360 records its decision", true },
    };
    for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
        char label[200];
        snprintf(label, sizeof(label), "föreslagen → aktiv before %s", records[i].label);
        before = agreements_db_state();
        agreements_transition(id, "aktiv", i % 2 ? KEY_A : ADMIN, &r);
        expect_problem(&e, &r, 409, "/problems/decisions-missing", NULL, label);
        expect_unchanged(&e, agreements_db_state, before, label);
        free(before);

        agreements_write_as("PATCH", id, "", records[i].as, records[i].patch, &r);
        if (agreements_expect_written(&e, &r, 200, records[i].label))
            EXPECT(&e, json_is_boolean(json_object_get(r.json, "decisions_complete"))
                           && json_is_true(json_object_get(r.json, "decisions_complete")) == records[i].complete,
                   "%s: decisions_complete: %.300s", records[i].label, r.body);
    }
    agreements_transition(id, "aktiv", KEY_B, &r);
    if (agreements_expect_written(&e, &r, 200, "föreslagen → aktiv with every decision"))
        EXPECT(&e, json_string_is(r.json, "status", "aktiv"), "the agreement is active: %.300s", r.body);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* A transition to something that is not a status is a bad request, like any other unknown choice. */
static void test_transition_requests_are_validated(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[200];
    (void)state;

    long long id = agreements_create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ övergångar'}", &r);
    if (!agreements_expect_written(&e, &r, 201, "an agreement for transition requests"))
        goto done;
    snprintf(path, sizeof(path), "/v1/agreements/%lld/transitions", id);
    static const struct { const char *body; const char *field; } bodies[] = {
        { "{}", "to" }, { "{'to': 3}", "to" }, { "{'to': null}", "to" }, { "{'to': 'föreslagen', 'why': 'x'}", "to" },
        { "{'status': 'föreslagen'}", "to" }, { "['föreslagen']", NULL }, { "{'to': ", NULL },
        { "{'to': 'avslutat'}", "to" },
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        snprintf(label, sizeof(label), "transition with the body %s", bodies[i].body);
        char *before = agreements_db_state();
        agreements_write_as("POST", id, "/transitions", ADMIN, bodies[i].body, &r);
        expect_problem(&e, &r, 400, "/problems/invalid-body", bodies[i].field, label);
        expect_unchanged(&e, agreements_db_state, before, label);
        free(before);
    }
    /* Preconditions and keys. */
    char *before = agreements_db_state();
    agreements_send_as("POST", path, agreements_auth[ADMIN], NULL, "{\"to\": \"föreslagen\"}", &r);
    expect_problem(&e, &r, 428, "/problems/precondition-required", NULL, "a transition without If-Match");
    agreements_send_as("POST", path, agreements_auth[ADMIN], "\"0123456789abcdef0123456789abcdef\"", "{\"to\": \"föreslagen\"}", &r);
    expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, "a transition with a stale ETag");
    agreements_write_as("POST", id, "/transitions", NOBODY, "{'to': 'föreslagen'}", &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "a transition without a key");
    agreements_write_as("POST", id, "/transitions", KEY_P, "{'to': 'föreslagen'}", &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "a transition with a provider key");
    agreements_write_as("POST", id, "/transitions", KEY_X, "{'to': 'föreslagen'}", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "a transition of a draft by a non-party");
    agreements_send_as("POST", "/v1/agreements/999999999999/transitions", agreements_auth[ADMIN], "\"x\"", "{\"to\": \"föreslagen\"}", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "a transition of an agreement that does not exist");
    agreements_send_as("POST", "/v1/agreements/abc/transitions", agreements_auth[ADMIN], "\"x\"", "{\"to\": \"föreslagen\"}", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "a transition of /v1/agreements/abc");
    expect_unchanged(&e, agreements_db_state, before, "refused transitions");
    free(before);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- history ------------------------------------------------------------------- */

static void test_history(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], history[100], id_text[24];
    (void)state;

    long long id = agreements_create_as(KEY_A, BASE_EQUAL, "{'title': 'TA @W@ historik'}", &r);
    if (!agreements_expect_written(&e, &r, 201, "an agreement with a history"))
        goto done;
    agreements_agreement_path(id, path);
    snprintf(history, sizeof(history), "%s/history", path);
    snprintf(id_text, sizeof(id_text), "%lld", id);
    agreements_write_as("PATCH", id, "", KEY_B, "{'title': 'TA @W@ historik 2'}", &r);
    agreements_expect_written(&e, &r, 200, "history: 0380's patch");
    agreements_transition(id, "föreslagen", ADMIN, &r);
    agreements_expect_written(&e, &r, 200, "history: admin proposes");
    agreements_transition(id, "utkast", KEY_A, &r);
    agreements_expect_written(&e, &r, 200, "history: 0381 withdraws");
    agreements_write_as("DELETE", id, "", KEY_A, NULL, &r);
    agreements_expect_written(&e, &r, 204, "history: 0381, which wrote it, deletes the draft");

    agreements_get_as(history, NOBODY, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "the history without a key");
    agreements_get_as(history, KEY_X, &r);
    /* The history is admin's alone, whoever else asks and whether or not the agreement exists. */
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "the history with a non-party's key");
    agreements_get_as(history, ADMIN, &r);
    if (!expect_json(&e, &r, 200, history))
        goto done;
    json_t *items = json_at(r.json, "items");
    static const char *const actions[] = { "delete", "update", "update", "update", "create" };
    static const char *const statuses_after[] = { NULL, "utkast", "föreslagen", "utkast", "utkast" };
    const enum who keys[] = { KEY_A, KEY_A, ADMIN, KEY_B, KEY_A };
    if (!EXPECT(&e, json_array_size(items) == 5, "%zu history entries, wanted 5: %.1500s", json_array_size(items),
                r.body))
        goto done;
    for (size_t i = 0; i < 5; i++) {
        json_t *item = json_array_get(items, i);
        EXPECT(&e, json_string_is(item, "action", actions[i]), "entry %zu: action", i);
        EXPECT(&e, json_string_is(item, "entity", "agreement"), "entry %zu: entity", i);
        EXPECT(&e, json_string_is(item, "entity_id", id_text), "entry %zu: entity_id", i);
        EXPECT(&e, json_string_is(item, "key.name", agreements_key_name[keys[i]]), "entry %zu: key %s, wanted %s", i,
               json_string_value(json_at(item, "key.name")) ? json_string_value(json_at(item, "key.name")) : "?",
               agreements_key_name[keys[i]]);
        if (statuses_after[i] != NULL)
            EXPECT(&e, json_string_is(item, "after.status", statuses_after[i]), "entry %zu: after.status", i);
        else
            EXPECT(&e, json_is_null(json_object_get(item, "after")), "entry %zu: the delete has an after", i);
        if (i + 1 < 5)
            EXPECT(&e, json_equal(json_object_get(item, "before"), json_object_get(json_array_get(items, i + 1), "after")),
                   "entry %zu's before is not entry %zu's after", i, i + 1);
    }
    EXPECT(&e, json_is_null(json_object_get(json_array_get(items, 4), "before")), "the create has a before");
    EXPECT(&e, agreements_json_is_text(json_array_get(items, 3), "after.title", "'TA @W@ historik 2'"),
           "entry 3: after.title is not the patched title");
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- delete ------------------------------------------------------------------ */

static void test_only_drafts_are_deleted(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64];
    (void)state;

    long long id = agreements_create_as(KEY_A, BASE_EQUAL, "{'title': 'TA @W@ radera'}", &r);
    if (!agreements_expect_written(&e, &r, 201, "an agreement to delete"))
        goto done;
    agreements_agreement_path(id, path);

    char *before = agreements_db_state();
    agreements_send_as("DELETE", path, agreements_auth[ADMIN], NULL, NULL, &r);
    expect_problem(&e, &r, 428, "/problems/precondition-required", NULL, "DELETE without If-Match");
    agreements_send_as("DELETE", path, agreements_auth[ADMIN], "\"0123456789abcdef0123456789abcdef\"", NULL, &r);
    expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, "DELETE with a stale ETag");
    agreements_write_as("DELETE", id, "", NOBODY, NULL, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "DELETE without a key");
    agreements_write_as("DELETE", id, "", KEY_X, NULL, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "DELETE of a draft by a non-party");
    agreements_write_as("DELETE", id, "", KEY_B, NULL, &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "DELETE of 0381's draft by 0380, a party");
    agreements_write_as("DELETE", id, "", KEY_P, NULL, &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "DELETE with a provider key");
    expect_unchanged(&e, agreements_db_state, before, "refused deletes of a draft");
    free(before);

    agreements_transition(id, "föreslagen", ADMIN, &r);
    agreements_expect_written(&e, &r, 200, "propose it");
    before = agreements_db_state();
    agreements_write_as("DELETE", id, "", ADMIN, NULL, &r);
    expect_problem(&e, &r, 409, "/problems/wrong-state", NULL, "DELETE of a proposal by admin");
    agreements_write_as("DELETE", id, "", KEY_A, NULL, &r);
    expect_problem(&e, &r, 409, "/problems/wrong-state", NULL, "DELETE of a proposal by the party that wrote it");
    expect_unchanged(&e, agreements_db_state, before, "refused deletes of a proposal");
    free(before);

    agreements_transition(id, "utkast", ADMIN, &r);
    agreements_expect_written(&e, &r, 200, "withdraw it");
    long long audits = agreements_audit_count(id);
    agreements_write_as("DELETE", id, "", KEY_A, NULL, &r);
    agreements_expect_written(&e, &r, 204, "DELETE of a draft by a party");
    EXPECT(&e, agreements_audit_count(id) == audits + 1, "the delete is in the audit trail");
    agreements_get_as(path, ADMIN, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "the deleted draft");
    agreements_send_as("DELETE", path, agreements_auth[ADMIN], "\"x\"", NULL, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "a second DELETE");
    agreements_send_as("DELETE", "/v1/agreements/abc", agreements_auth[ADMIN], "\"x\"", NULL, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "DELETE /v1/agreements/abc");
    const char *params[] = { path + strlen("/v1/agreements/") };
    char *left = db_text("SELECT count(*) FROM agreement_parties WHERE agreement_id = $1::bigint", 1, params);
    EXPECT(&e, left && strcmp(left, "0") == 0, "the deleted agreement's parties are gone (%s left)", left ? left : "?");
    free(left);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- writes: preconditions, keys, bodies ---------------------------------------------- */

static void test_write_preconditions_and_bodies(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], label[200], body[TEXT_MAX];
    (void)state;

    long long id = agreements_create_as(ADMIN, BASE_FAST, "{'title': 'TA @W@ skrivningar'}", &r);
    if (!agreements_expect_written(&e, &r, 201, "an agreement to write"))
        goto done;
    agreements_agreement_path(id, path);

    char *before = agreements_db_state();
    agreements_send_as("PATCH", path, agreements_auth[ADMIN], NULL, "{\"title\": \"TA utan If-Match\"}", &r);
    expect_problem(&e, &r, 428, "/problems/precondition-required", NULL, "PATCH without If-Match");
    agreements_send_as("PATCH", path, agreements_auth[ADMIN], "\"0123456789abcdef0123456789abcdef\"", "{\"title\": \"TA gammal\"}", &r);
    expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, "PATCH with a stale ETag");
    agreements_expand(BASE_FAST, body, sizeof(body));
    agreements_send_as("PUT", path, agreements_auth[ADMIN], NULL, body, &r);
    expect_problem(&e, &r, 428, "/problems/precondition-required", NULL, "PUT without If-Match");
    agreements_write_as("PATCH", id, "", NOBODY, "{'title': 'TA utan nyckel'}", &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "PATCH without a key");
    char etag[ETAG_MAX];
    agreements_agreement_etag(id, etag);
    agreements_send_as("PATCH", path, "Bearer ik_1_not-a-secret", etag, "{\"title\": \"TA fel nyckel\"}", &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "PATCH with a wrong key");
    agreements_send_as("PATCH", "/v1/agreements/999999999999", agreements_auth[ADMIN], "\"x\"", "{\"title\": \"TA ingen\"}", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "PATCH of an agreement that does not exist");
    expect_unchanged(&e, agreements_db_state, before, "refused writes");
    free(before);

    static const struct { const char *body; long status; const char *type; const char *field; } patches[] = {
        { "{'valid_to': '2020-01-01'}", INVALID_BODY, "valid_to" },
        { "{'parties': 5}", INVALID_BODY, "parties" },
        { "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 99.99}]}",
          INVALID_BODY, "parties" },
        { "{'methods': ['ta-ingen-metod-@W@']}", UNRESOLVED, "methods[0]" },
        { "{'methods': null}", INVALID_BODY, "methods" },
        { "{'compensation_model': 'per ärende', 'per_case_sek': 900}", INVALID_BODY, "yearly_amount_sek" },
        { "{'includes_public_authority': true}", INVALID_BODY, "delegation" },
        { "{'title': null}", INVALID_BODY, "title" },
        { "{'status': 'aktiv'}", INVALID_BODY, "status" },
        { "{'parties': [" PA ", {'municipality': '0999', 'role': 'beställare', 'share_percent': 100}]}",
          UNRESOLVED, "parties[1].municipality" },
        { "[1]", INVALID_BODY, NULL },
        { "{'title': ", INVALID_BODY, NULL },
    };
    for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
        snprintf(label, sizeof(label), "PATCH %s", patches[i].body);
        before = agreements_db_state();
        agreements_write_as("PATCH", id, "", ADMIN, patches[i].body, &r);
        expect_problem(&e, &r, patches[i].status, patches[i].type, patches[i].field, label);
        expect_unchanged(&e, agreements_db_state, before, label);
        free(before);
    }

    char etag_before[ETAG_MAX];
    agreements_agreement_etag(id, etag_before);
    agreements_write_as("PATCH", id, "", ADMIN, "{'title': 'TA @W@ ändrad', 'compensation_model': 'lika delar', "
             "'parties': [" PA ", " PB ", " PC "]}", &r);
    if (agreements_expect_written(&e, &r, 200, "PATCH to equal shares")) {
        EXPECT(&e, agreements_json_is_text(r.json, "parties.1.share_percent", "50"), "equal shares: %.600s", r.body);
        EXPECT(&e, http_header(&r, "ETag") == NULL || strcmp(http_header(&r, "ETag"), etag_before) != 0,
               "the ETag changed");
    }
    agreements_agreement_etag(id, etag);
    agreements_expand(BASE_FAST, body, sizeof(body));
    agreements_send_as("PUT", path, agreements_auth[ADMIN], etag, body, &r);
    if (agreements_expect_written(&e, &r, 200, "PUT back to a fixed fee"))
        EXPECT(&e, agreements_json_is_text(r.json, "compensation.model", "'fast årsavgift'"), "PUT: %.300s", r.body);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* A method or intervention type an agreement covers cannot be deleted from under it, and says why. */
static void test_covered_scope_cannot_be_deleted(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], id_text[24];
    (void)state;

    long long id = agreements_create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ omfattning', 'methods': ['@M2@']}", &r);
    if (!agreements_expect_written(&e, &r, 201, "an agreement covering M2"))
        goto done;
    snprintf(id_text, sizeof(id_text), "%lld", id);
    snprintf(path, sizeof(path), "/v1/methods/%s", agreements_method_m2);
    char etag[ETAG_MAX] = "\"none\"";
    agreements_get_as(path, NOBODY, &r);
    if (http_header(&r, "ETag"))
        snprintf(etag, sizeof(etag), "%s", http_header(&r, "ETag"));
    char *before = agreements_db_state();
    agreements_send_as("DELETE", path, agreements_auth[ADMIN], etag, NULL, &r);
    if (expect_problem(&e, &r, 409, "/problems/still-referenced", NULL, "DELETE of a method an agreement covers")) {
        bool named = false;
        size_t i;
        json_t *referrer;
        json_array_foreach(json_object_get(r.json, "referrers"), i, referrer)
            named = named || (json_string_is(referrer, "entity", "agreement") && json_string_is(referrer, "id", id_text));
        EXPECT(&e, named, "the referrers do not name agreement %s: %.500s", id_text, r.body);
    }
    expect_unchanged(&e, agreements_db_state, before, "DELETE of a covered method");
    free(before);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_transitions),
        cmocka_unit_test(test_decision_gate),
        cmocka_unit_test(test_transition_requests_are_validated),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_only_drafts_are_deleted),
        cmocka_unit_test(test_write_preconditions_and_bodies),
        cmocka_unit_test(test_covered_scope_cannot_be_deleted),
    };
    return cmocka_run_group_tests_name("agreement_lifecycle", tests, agreements_setup_group, agreements_teardown_group);
}
