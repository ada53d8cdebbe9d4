/*
 * tests/api/test_agreement_decisions.c: agreements mean what their parties
 * decided (issue 12), asked with the parties' own municipality keys as their
 * systems would: a change of terms clears the decisions taken on the old
 * ones; notice records who gave it and when, and the agreement ends on the
 * day the service computes; only the party that wrote a draft (or admin)
 * deletes it, and a non-party cannot tell a draft from a missing id; a
 * retried create with the same Idempotency-Key creates once.
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
#include "support_race.h"

/* The three parties of BASE_FAST with decisions, as each records its own in turn. */
#define PB_60 "{'municipality': '0380', 'role': 'beställare', 'share_percent': 60}"
#define PB_60_DEC "{'municipality': '0380', 'role': 'beställare', 'share_percent': 60, 'decision': " DEC_SN "}"
#define PC_40 "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}"
#define PC_40_DEC "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40, 'decision': " DEC_KS "}"

static const struct {
    enum who as;
    const char *patch;
} own_decisions[] = {
    { KEY_A, "{'parties': [" PA_DEC ", " PB_60 ", " PC_40 "]}" },
    { KEY_B, "{'parties': [" PA_DEC ", " PB_60_DEC ", " PC_40 "]}" },
    { KEY_C, "{'parties': [" PA_DEC ", " PB_60_DEC ", " PC_40_DEC "]}" },
};

/* Each party records its own decision with its own key; none of these changes the terms. */
static bool record_every_decision(struct expectations *e, long long id, const char *stage)
{
    struct http_response r = { 0 };
    char label[200];
    bool ok = true;

    for (size_t i = 0; i < sizeof(own_decisions) / sizeof(own_decisions[0]); i++) {
        snprintf(label, sizeof(label), "%s: %s records its decision", stage, agreements_who_label[own_decisions[i].as]);
        agreements_write_as("PATCH", id, "", own_decisions[i].as, own_decisions[i].patch, &r);
        ok &= agreements_expect_written(e, &r, 200, label)
              && EXPECT(e, http_header(&r, "Decisions-Cleared") == NULL, "%s: it cleared decisions (%s)", label,
                        http_header(&r, "Decisions-Cleared"));
    }
    if (ok)
        ok = EXPECT(e, json_is_true(json_object_get(r.json, "decisions_complete")), "%s: decisions not complete: %.600s",
                    stage, r.body);
    http_response_free(&r);
    return ok;
}

/* ---- a change of terms ------------------------------------------------------- */

/* The issue's case: all three decide, the performer raises the fee, then tries to activate. */
static void test_a_change_of_terms_clears_every_decision(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    long long id = agreements_create_as(KEY_A, BASE_FAST, "{'title': 'TA @W@ villkor', 'yearly_amount_sek': 1200000}", &r);
    if (!agreements_expect_written(&e, &r, 201, "0381 writes a three-party agreement"))
        goto done;
    agreements_transition(id, "föreslagen", KEY_A, &r);
    agreements_expect_written(&e, &r, 200, "0381 proposes it");
    if (!record_every_decision(&e, id, "on 1 200 000 kr"))
        goto done;

    agreements_write_as("PATCH", id, "", KEY_A, "{'yearly_amount_sek': 9900000}", &r);
    if (agreements_expect_written(&e, &r, 200, "the performer raises the fee after every party decided")) {
        const char *cleared = http_header(&r, "Decisions-Cleared");
        EXPECT(&e, cleared != NULL && strcmp(cleared, "3") == 0, "Decisions-Cleared: %s, wanted 3",
               cleared ? cleared : "(absent)");
        EXPECT(&e, agreements_json_is_text(r.json, "compensation.yearly_amount_sek", "9900000"), "the new fee: %.400s",
               r.body);
        EXPECT(&e, json_is_false(json_object_get(r.json, "decisions_complete")), "decisions_complete after the change");
        EXPECT(&e, json_is_string(json_object_get(r.json, "decisions_cleared_at")), "no decisions_cleared_at: %.300s",
               r.body);
        const char *codes[] = { CODE_A, CODE_B, CODE_C };
        for (size_t i = 0; i < 3; i++)
            EXPECT(&e, json_is_null(json_object_get(agreements_party_of(r.json, codes[i]), "decision")),
                   "%s's decision survived the change of terms: %.1200s", codes[i], r.body);
    }

    char *before = agreements_db_state();
    agreements_transition(id, "aktiv", KEY_A, &r);
    expect_problem(&e, &r, 409, "/problems/decisions-missing", NULL, "activation with the decisions cleared");
    expect_unchanged(&e, agreements_db_state, before, "activation with the decisions cleared");
    free(before);

    /* Decided again, on the terms as they now stand, it can be activated. */
    if (record_every_decision(&e, id, "on 9 900 000 kr")) {
        agreements_transition(id, "aktiv", KEY_B, &r);
        if (agreements_expect_written(&e, &r, 200, "activation once every party decided again"))
            EXPECT(&e, agreements_json_is_text(r.json, "compensation.yearly_amount_sek", "9900000"), "activated fee");
    }

    /* A party that changes the terms and records its own decision at once keeps that decision only. */
    long long second = agreements_create_as(KEY_A, BASE_FAST, "{'title': 'TA @W@ villkor 2'}", &r);
    if (agreements_expect_written(&e, &r, 201, "a second agreement") && record_every_decision(&e, second, "second")) {
        agreements_write_as("PATCH", second, "", KEY_B,
                            "{'description': 'Ny beskrivning.', 'parties': [" PA_DEC ", "
                            "{'municipality': '0380', 'role': 'beställare', 'share_percent': 60, 'decision': " DEC_KS "}, "
                            PC_40_DEC "]}", &r);
        if (agreements_expect_written(&e, &r, 200, "0380 changes the terms and decides anew")) {
            const char *cleared = http_header(&r, "Decisions-Cleared");
            EXPECT(&e, cleared != NULL && strcmp(cleared, "2") == 0, "Decisions-Cleared: %s, wanted 2",
                   cleared ? cleared : "(absent)");
            EXPECT(&e, agreements_json_is_text(agreements_party_of(r.json, CODE_B), "decision", DEC_KS),
                   "0380's new decision: %.1200s", r.body);
            EXPECT(&e, json_is_null(json_object_get(agreements_party_of(r.json, CODE_A), "decision"))
                       && json_is_null(json_object_get(agreements_party_of(r.json, CODE_C), "decision")),
                   "the others' decisions survived: %.1200s", r.body);
        }
    }
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- notice -------------------------------------------------------------------- */

/* An active three-party agreement with every decision, made by admin; -1 when it could not be made. */
static long long active_agreement(struct expectations *e, const char *overlay, const char *label)
{
    struct http_response r = { 0 };
    char full[600];

    snprintf(full, sizeof(full), "%s", overlay);
    long long id = agreements_create_as(ADMIN, BASE_FAST, full, &r);
    bool ok = agreements_expect_written(e, &r, 201, label);
    if (ok) {
        agreements_write_as("PATCH", id, "", ADMIN, "{'parties': [" PA_DEC ", " PB_60_DEC ", " PC_40_DEC "]}", &r);
        ok = agreements_expect_written(e, &r, 200, label);
    }
    for (size_t i = 0; ok && i < 2; i++) {
        agreements_transition(id, i == 0 ? "föreslagen" : "aktiv", ADMIN, &r);
        ok = agreements_expect_written(e, &r, 200, label);
    }
    http_response_free(&r);
    return ok ? id : -1;
}

static void test_notice_ends_the_agreement_on_the_day_it_gives(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char today[64], ends[64], after[64], path[300], overlay[600];
    (void)state;

    if (!EXPECT(&e, db_date("current_date", today) && db_date("current_date + interval '12 months'", ends)
                        && db_date("(current_date + interval '12 months')::date + 1", after),
                "the dates from the database"))
        goto done;
    long long id = active_agreement(&e, "{'title': 'TA @W@ uppsägning', 'valid_from': '2025-01-01', "
                                        "'valid_to': '2099-12-31', 'notice_period_months': 12}", "an active agreement");
    if (id < 0)
        goto done;

    /* A party gives notice for itself only. */
    char *before = agreements_db_state();
    agreements_write_as("POST", id, "/transitions", KEY_B, "{'to': 'uppsagd', 'given_by': '0360'}", &r);
    if (expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "0380 gives notice for 0360"))
        EXPECT(&e, problem_names_field(&r, "given_by"), "the refusal does not name given_by: %.300s", r.body);
    agreements_write_as("POST", id, "/transitions", KEY_X, "{'to': 'uppsagd'}", &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "a non-party gives notice on a public agreement");
    expect_unchanged(&e, agreements_db_state, before, "refused notices");
    free(before);

    agreements_transition(id, "uppsagd", KEY_B, &r);
    if (agreements_expect_written(&e, &r, 200, "0380 gives notice")) {
        EXPECT(&e, json_string_is(r.json, "notice.given_by", CODE_B), "notice.given_by: %.600s", r.body);
        EXPECT(&e, json_string_is(r.json, "notice.given_on", today), "notice.given_on is not %s: %.600s", today, r.body);
        EXPECT(&e, json_string_is(r.json, "notice.ends_on", ends), "notice.ends_on is not %s: %.600s", ends, r.body);
        EXPECT(&e, json_string_is(r.json, "effective_status", "uppsagd"), "effective_status: %.300s", r.body);
    }

    /* Ended at once, every party would lose the route it has for twelve more months. */
    before = agreements_db_state();
    agreements_transition(id, "upphört", KEY_C, &r);
    if (expect_problem(&e, &r, 409, "/problems/notice-period-running", NULL, "upphört before the notice ends")) {
        EXPECT(&e, json_string_is(r.json, "ends_on", ends), "ends_on is not %s: %.400s", ends, r.body);
        const char *detail = json_string_value(json_object_get(r.json, "detail"));
        EXPECT(&e, detail != NULL && strstr(detail, ends) != NULL, "the detail does not name %s: %.400s", ends, r.body);
    }
    expect_unchanged(&e, agreements_db_state, before, "upphört before the notice ends");
    free(before);

    /* In force (a route, for coverage too: the same rule) until it ends, not a day longer. */
    snprintf(path, sizeof(path), "/v1/agreements?municipality=0360&active_on=%s", today);
    agreements_expect_listed(&e, path, ADMIN, id, true, "in force today, under notice");
    snprintf(path, sizeof(path), "/v1/agreements?municipality=0360&active_on=%s", ends);
    agreements_expect_listed(&e, path, ADMIN, id, true, "in force on the day it ends");
    snprintf(path, sizeof(path), "/v1/agreements?municipality=0360&active_on=%s", after);
    agreements_expect_listed(&e, path, ADMIN, id, false, "not in force the day after it ends");

    /* A valid_to before the notice runs out ends it first; admin may record a notice without naming the party. */
    char valid_to[64];
    if (db_date("current_date + 30", valid_to)) {
        snprintf(overlay, sizeof(overlay), "{'title': 'TA @W@ uppsägning 2', 'valid_from': '2025-01-01', "
                 "'valid_to': '%s', 'notice_period_months': 6}", valid_to);
        long long early = active_agreement(&e, overlay, "an agreement that ends before its notice would");
        agreements_transition(early, "uppsagd", ADMIN, &r);
        if (agreements_expect_written(&e, &r, 200, "admin records a notice")) {
            EXPECT(&e, json_string_is(r.json, "notice.ends_on", valid_to), "ends_on is not valid_to %s: %.600s",
                   valid_to, r.body);
            EXPECT(&e, json_is_null(json_at(r.json, "notice.given_by")), "given_by: %.600s", r.body);
        }
    }

    /* Without a notice period it ends the day notice is given. */
    long long prompt = active_agreement(&e, "{'title': 'TA @W@ uppsägning 3', 'valid_from': '2025-01-01', "
                                            "'notice_period_months': 0}", "an agreement without a notice period");
    agreements_transition(prompt, "uppsagd", KEY_A, &r);
    agreements_expect_written(&e, &r, 200, "0381 gives notice without a notice period");
    agreements_transition(prompt, "upphört", KEY_A, &r);
    if (agreements_expect_written(&e, &r, 200, "upphört on the day notice ends"))
        EXPECT(&e, json_string_is(r.json, "notice.ends_on", today), "ends_on: %.600s", r.body);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- drafts: who deletes, who sees --------------------------------------------- */

/* r's body with the first id from (quoted in a JSON string: \"<from>\") replaced by to, into out. */
static void with_id_replaced(const struct http_response *r, long long from, long long to, char *out, size_t size)
{
    char needle[32], replacement[32];
    snprintf(needle, sizeof(needle), "\\\"%lld\\\"", from);
    snprintf(replacement, sizeof(replacement), "\\\"%lld\\\"", to);
    const char *at = r->body ? strstr(r->body, needle) : NULL;
    if (at == NULL)
        snprintf(out, size, "%s", r->body ? r->body : "");
    else
        snprintf(out, size, "%.*s%s%s", (int)(at - r->body), r->body, replacement, at + strlen(needle));
}

static void test_drafts_are_deleted_by_their_writer_and_hidden_from_others(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 }, missing = { 0 };
    char label[200], same[TEXT_MAX];
    (void)state;

    long long id = agreements_create_as(KEY_B, BASE_EQUAL, "{'title': 'TA @W@ utkast'}", &r);
    if (!agreements_expect_written(&e, &r, 201, "0380 writes a draft"))
        goto done;
    EXPECT(&e, json_string_is(r.json, "created_by", CODE_B), "created_by: %.300s", r.body);
    long long absent = id + 1000000;

    /* A non-party is told exactly what it is told for an id nobody has. */
    static const struct { const char *method, *suffix, *body; } asks[] = {
        { "GET", "", NULL }, { "PATCH", "", "{'title': 'TA @W@ kapad'}" }, { "PUT", "", "{'title': 'TA @W@ kapad'}" },
        { "DELETE", "", NULL }, { "POST", "/transitions", "{'to': 'föreslagen'}" },
    };
    char *before = agreements_db_state();
    for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
        snprintf(label, sizeof(label), "%s%s of 0380's draft by 0580", asks[i].method, asks[i].suffix);
        const char *body = asks[i].body;
        char text[TEXT_MAX] = "";
        if (body != NULL && strcmp(asks[i].method, "PUT") == 0) {
            json_t *full = agreements_body_of(BASE_EQUAL, body);
            char *dumped = json_dumps(full, JSON_COMPACT);
            snprintf(text, sizeof(text), "%s", dumped ? dumped : "{}");
            free(dumped);
            json_decref(full);
        } else if (body != NULL) {
            agreements_expand(body, text, sizeof(text));
        }
        char path[PATH_MAX_LENGTH], missing_path[PATH_MAX_LENGTH];
        snprintf(path, sizeof(path), "/v1/agreements/%lld%s", id, asks[i].suffix);
        snprintf(missing_path, sizeof(missing_path), "/v1/agreements/%lld%s", absent, asks[i].suffix);
        agreements_send_as(asks[i].method, path, agreements_auth_of(KEY_X), "\"any\"", body ? text : NULL, &r);
        agreements_send_as(asks[i].method, missing_path, agreements_auth_of(KEY_X), "\"any\"", body ? text : NULL,
                           &missing);
        /* With any If-Match: the check of who may write comes before the ETag's. */
        if (expect_problem(&e, &r, 404, "/problems/not-found", NULL, label)) {
            with_id_replaced(&r, id, absent, same, sizeof(same));
            EXPECT(&e, missing.body != NULL && strcmp(same, missing.body) == 0, "%s: [%s] differs from a missing id's [%s]",
                   label, r.body, missing.body ? missing.body : "");
        }
    }
    /* A party that did not write it may not delete it. */
    agreements_write_as("DELETE", id, "", KEY_A, NULL, &r);
    if (expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "0381 deletes 0380's draft")) {
        const char *detail = json_string_value(json_object_get(r.json, "detail"));
        EXPECT(&e, detail != NULL && strstr(detail, CODE_B) != NULL, "the detail does not name 0380: %.300s", r.body);
    }
    expect_unchanged(&e, agreements_db_state, before, "refused deletes and hidden writes");
    free(before);

    agreements_write_as("DELETE", id, "", KEY_B, NULL, &r);
    agreements_expect_written(&e, &r, 204, "0380 deletes the draft it wrote");

    /* Admin deletes any draft. */
    long long other = agreements_create_as(KEY_A, BASE_EQUAL, "{'title': 'TA @W@ utkast 2'}", &r);
    if (agreements_expect_written(&e, &r, 201, "0381 writes a draft")) {
        agreements_write_as("DELETE", other, "", ADMIN, NULL, &r);
        agreements_expect_written(&e, &r, 204, "admin deletes 0381's draft");
    }
done:
    http_response_free(&r);
    http_response_free(&missing);
    assert_int_equal(e.failed, 0);
}

/* ---- Idempotency-Key ------------------------------------------------------------ */

/* POST /v1/agreements as w with this Idempotency-Key header value (NULL: none) and template body. */
static void post_with_key(enum who w, const char *key, const char *overlay, struct http_response *r)
{
    char authorization[340], idempotency[300];
    json_t *body = agreements_body_of(BASE_EQUAL, overlay);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

    snprintf(authorization, sizeof(authorization), "Authorization: %s", agreements_auth_of(w));
    snprintf(idempotency, sizeof(idempotency), "Idempotency-Key: %s", key ? key : "");
    const char *headers[] = { authorization, "Content-Type: application/json", key ? idempotency : NULL, NULL };
    http_response_free(r);
    http_request("POST", "/v1/agreements", headers, text ? text : "{}", r);
    if (r->status == 201 && json_is_integer(json_at(r->json, "id")))
        agreements_remember(json_integer_value(json_at(r->json, "id")));
    free(text);
    json_decref(body);
}

static void test_a_retried_create_creates_once(void **state)
{
    struct expectations e = { 0 };
    struct http_response first = { 0 }, r = { 0 };
    char key[80], quoted[90], word_key[64];
    (void)state;

    agreements_expand("idem-@W@", word_key, sizeof(word_key));
    snprintf(key, sizeof(key), "%s-%ld", word_key, (long)time(NULL));
    snprintf(quoted, sizeof(quoted), "\"%s\"", key);

    post_with_key(KEY_A, quoted, "{'title': 'TA @W@ idem 1'}", &first);
    if (!agreements_expect_written(&e, &first, 201, "the first create with an Idempotency-Key"))
        goto done;
    EXPECT(&e, http_header(&first, "Idempotent-Replayed") == NULL, "the first answer says it is replayed");

    char *before = agreements_db_state();
    post_with_key(KEY_A, quoted, "{'title': 'TA @W@ idem 1'}", &r);
    if (expect_json(&e, &r, 201, "the retry")) {
        EXPECT(&e, strcmp(r.body, first.body) == 0, "the retry's body differs: %.300s", r.body);
        EXPECT(&e, http_header(&r, "Location") && http_header(&first, "Location")
                       && strcmp(http_header(&r, "Location"), http_header(&first, "Location")) == 0,
               "the retry's Location differs");
        EXPECT(&e, http_header(&r, "Idempotent-Replayed") != NULL, "no Idempotent-Replayed on the retry");
        EXPECT(&e, http_header(&r, "ETag") && http_header(&first, "ETag")
                       && strcmp(http_header(&r, "ETag"), http_header(&first, "ETag")) == 0, "the retry's ETag differs");
    }
    /* The key as a bare value (as many clients send it) is the same key. */
    post_with_key(KEY_A, key, "{'title': 'TA @W@ idem 1'}", &r);
    EXPECT(&e, r.status == 201 && r.body && strcmp(r.body, first.body) == 0, "the bare key: %ld %.300s", r.status,
           r.body);
    expect_unchanged(&e, agreements_db_state, before, "retries with the same key and body");

    post_with_key(KEY_A, quoted, "{'title': 'TA @W@ idem 2'}", &r);
    if (expect_problem(&e, &r, 422, "/problems/idempotency-key-reused", NULL, "the same key with another body"))
        EXPECT(&e, problem_names_field(&r, "Idempotency-Key"), "the refusal does not name the header: %.300s", r.body);
    post_with_key(KEY_A, "\"\"", "{'title': 'TA @W@ idem 3'}", &r);
    if (expect_problem(&e, &r, 400, "/problems/invalid-header", NULL, "an empty Idempotency-Key"))
        EXPECT(&e, problem_names_field(&r, "Idempotency-Key"), "the refusal does not name the header: %.300s", r.body);
    expect_unchanged(&e, agreements_db_state, before, "refused keys");
    free(before);

    /* Keys belong to the API key that sent them. */
    post_with_key(KEY_B, quoted, "{'title': 'TA @W@ idem 1'}", &r);
    if (agreements_expect_written(&e, &r, 201, "0380's key with 0381's Idempotency-Key"))
        EXPECT(&e, json_integer_value(json_at(r.json, "id")) != json_integer_value(json_at(first.json, "id")),
               "0380 got 0381's agreement");

    /* After 24 hours a key is forgotten: it may name a new request. */
    const char *params[] = { key };
    EXPECT(&e, db_command("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
                          "WHERE idempotency_key = $1", 1, params), "aging the key");
    post_with_key(KEY_A, quoted, "{'title': 'TA @W@ idem 2'}", &r);
    if (agreements_expect_written(&e, &r, 201, "the key after 24 hours, with another body"))
        EXPECT(&e, json_integer_value(json_at(r.json, "id")) != json_integer_value(json_at(first.json, "id"))
                       && http_header(&r, "Idempotent-Replayed") == NULL,
               "the expired key replayed the first answer: %.300s", r.body);
done:
    http_response_free(&first);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Two identical creates with one Idempotency-Key at the same moment: one agreement, the same answer twice. */
static void test_concurrent_retries_create_once(void **state)
{
    struct expectations e = { 0 };
    char key[120], word_key[64], body[TEXT_MAX];
    (void)state;

    for (int round = 0; round < 5; round++) {
        pthread_barrier_t barrier;
        struct race_request racers[2];
        agreements_expand("idem-race-@W@", word_key, sizeof(word_key));
        snprintf(key, sizeof(key), "Idempotency-Key: \"%s-%ld-%d\"", word_key, (long)time(NULL), round);
        json_t *json = agreements_body_of(BASE_EQUAL, "{'title': 'TA @W@ idem samtidigt'}");
        char *text = json_dumps(json, JSON_COMPACT);
        snprintf(body, sizeof(body), "%s", text ? text : "{}");
        free(text);
        json_decref(json);
        long long agreements_before = db_count("SELECT count(*) FROM agreements", 0, NULL);

        pthread_barrier_init(&barrier, NULL, 2);
        for (int i = 0; i < 2; i++) {
            race_prepare(&racers[i], &barrier, agreements_auth_of(KEY_A), "POST", "/v1/agreements", "application/json",
                         NULL, body);
            racers[i].headers = curl_slist_append(racers[i].headers, key);   /* appended to the list curl holds */
        }
        race_both(racers);
        json_t *first = race_json(&racers[0]), *second = race_json(&racers[1]);
        long long id = json_integer_value(json_object_get(first, "id"));
        if (id > 0)
            agreements_remember(id);
        EXPECT(&e, racers[0].status == 201 && racers[1].status == 201, "round %d: %ld and %ld, wanted 201 twice", round,
               racers[0].status, racers[1].status);
        EXPECT(&e, id > 0 && json_integer_value(json_object_get(second, "id")) == id, "round %d: two agreements made",
               round);
        EXPECT(&e, db_count("SELECT count(*) FROM agreements", 0, NULL) == agreements_before + 1,
               "round %d: %lld agreements made, wanted 1", round,
               db_count("SELECT count(*) FROM agreements", 0, NULL) - agreements_before);
        json_decref(first);
        json_decref(second);
        race_release(&racers[0]);
        race_release(&racers[1]);
        pthread_barrier_destroy(&barrier);
    }
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_change_of_terms_clears_every_decision),
        cmocka_unit_test(test_notice_ends_the_agreement_on_the_day_it_gives),
        cmocka_unit_test(test_drafts_are_deleted_by_their_writer_and_hidden_from_others),
        cmocka_unit_test(test_a_retried_create_creates_once),
        cmocka_unit_test(test_concurrent_retries_create_once),
    };
    return cmocka_run_group_tests_name("agreement_decisions", tests, agreements_setup_group, agreements_teardown_group);
}
