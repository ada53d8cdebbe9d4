/*
 * tests/api/test_agreement_parties.c: who writes what in an agreement, against
 * the real server: a party records only its own decision, and two parties
 * recording their decisions at the same moment both keep theirs.
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
#include "support_race.h"
#include "support_agreements.h"

/* ---- who writes what ----------------------------------------------------------- */

struct party_step {
    const char *label;
    const char *method;     /* PATCH, PUT, DELETE, POST (a transition) */
    enum who as;
    const char *body;       /* template; a PUT body is BASE_EQUAL with this overlay */
    long status;
    const char *type;       /* for a refusal */
    const char *check_path; /* after a success, in the answer */
    const char *check_value;
};

#define FORBIDDEN 403, "/problems/forbidden", NULL, NULL
/* A draft is not shown to a non-party: its writes are told what a missing id is told. */
#define HIDDEN 404, "/problems/not-found", NULL, NULL

static const struct party_step party_steps[] = {
    { "a non-party changes the title", "PATCH", KEY_X, "{'title': 'TA @W@ kapad'}", HIDDEN },
    { "a non-party replaces the agreement", "PUT", KEY_X, "{'title': 'TA @W@ kapad'}", HIDDEN },
    { "a non-party adds itself", "PATCH", KEY_X,
      "{'parties': [" PA ", " PB ", {'municipality': '0580', 'role': 'beställare'}]}", HIDDEN },
    { "a non-party proposes it", "POST", KEY_X, "{'to': 'föreslagen'}", HIDDEN },
    { "a non-party deletes it", "DELETE", KEY_X, NULL, HIDDEN },
    { "a provider key changes the title", "PATCH", KEY_P, "{'title': 'TA @W@ kapad'}", FORBIDDEN },
    { "a provider key deletes it", "DELETE", KEY_P, NULL, FORBIDDEN },
    { "no key changes the title", "PATCH", NOBODY, "{'title': 'TA @W@ kapad'}", 401, "/problems/unauthorized", NULL,
      NULL },
    { "0381 leaves the agreement it performs", "PATCH", KEY_A,
      "{'parties': [{'municipality': '0360', 'role': 'utförare'}, " PB "]}", FORBIDDEN },
    { "0381 records 0380's decision", "PATCH", KEY_A, "{'parties': [" PA ", " PB_DEC "]}", FORBIDDEN },
    { "0381 records both decisions", "PATCH", KEY_A, "{'parties': [" PA_DEC ", " PB_DEC "]}", FORBIDDEN },
    { "0381 records its own decision", "PATCH", KEY_A, "{'parties': [" PA_DEC ", " PB "]}", 200, NULL,
      "parties.0.decision", DEC_KF },
    { "0380 changes 0381's decision", "PATCH", KEY_B, "{'parties': [" PA_DEC2 ", " PB "]}", FORBIDDEN },
    { "0380 removes 0381's decision", "PATCH", KEY_B, "{'parties': [" PA ", " PB_DEC "]}", FORBIDDEN },
    { "0380 replaces the agreement without 0381's decision", "PUT", KEY_B, "{'parties': [" PA ", " PB_DEC "]}",
      FORBIDDEN },
    { "0380 records its own decision, keeping 0381's", "PATCH", KEY_B, "{'parties': [" PA_DEC ", " PB_DEC "]}", 200,
      NULL, "parties.1.decision", DEC_SN },
    { "0381 changes 0380's decision", "PATCH", KEY_A, "{'parties': [" PA_DEC ", " PB_DEC2 "]}", FORBIDDEN },
    { "0381 removes 0380's decision", "PATCH", KEY_A, "{'parties': [" PA_DEC ", " PB "]}", FORBIDDEN },
    { "0381 drops 0380, which has decided, from the parties", "PATCH", KEY_A,
      "{'parties': [" PA_DEC ", " PC "]}", FORBIDDEN },
    { "0381 changes its own decision", "PATCH", KEY_A, "{'parties': [" PA_DEC2 ", " PB_DEC "]}", 200, NULL,
      "parties.0.decision", DEC_AN },
    /* A decision approves the terms as they stood: a change of terms clears every one (sql/0011). */
    { "0381 changes the title: the decisions taken are cleared", "PATCH", KEY_A, "{'title': 'TA @W@ parter 2'}", 200,
      NULL, "decisions_complete", "false" },
    { "0381 records its decision on the new terms", "PATCH", KEY_A, "{'parties': [" PA_DEC2 ", " PB "]}", 200, NULL,
      "parties.0.decision", DEC_AN },
    { "0380 records its decision on the new terms", "PATCH", KEY_B, "{'parties': [" PA_DEC2 ", " PB_DEC "]}", 200,
      NULL, "parties.1.decision", DEC_SN },
    { "0380 replaces the agreement with the same terms, keeping every decision", "PUT", KEY_B,
      "{'title': 'TA @W@ parter 2', 'parties': [" PA_DEC2 ", " PB_DEC "]}", 200, NULL, "parties.0.decision", DEC_AN },
    { "0381 sends 0380's decision unchanged, with its empty members as null", "PATCH", KEY_A,
      "{'parties': [" PA_DEC2 ", {'municipality': '0380', 'role': 'beställare', 'decision': "
      "{'body': 'socialnämnd', 'date': '2025-02-20', 'paragraph': null, 'reference': null}}]}", 200, NULL,
      "parties.1.decision", DEC_SN },
    { "admin changes 0380's decision", "PATCH", ADMIN, "{'parties': [" PA_DEC2 ", " PB_DEC2 "]}", 200, NULL,
      "parties.1.decision", DEC_KS },
    { "0380 proposes it", "POST", KEY_B, "{'to': 'föreslagen'}", 200, NULL, "status", "'föreslagen'" },
    { "a non-party withdraws the proposal", "POST", KEY_X, "{'to': 'utkast'}", FORBIDDEN },
    { "0381 withdraws the proposal", "POST", KEY_A, "{'to': 'utkast'}", 200, NULL, "status", "'utkast'" },
    { "0380 deletes the draft", "DELETE", KEY_B, NULL, 204, NULL, NULL, NULL },
};

static void test_party_rules(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], label[300];
    (void)state;

    /* 0380 writes it, so 0380 may delete the draft at the end. */
    long long id = agreements_create_as(KEY_B, BASE_EQUAL, "{'title': 'TA @W@ parter'}", &r);
    if (!agreements_expect_written(&e, &r, 201, "an agreement of 0381 and 0380"))
        goto done;
    agreements_agreement_path(id, path);
    for (size_t i = 0; i < sizeof(party_steps) / sizeof(party_steps[0]); i++) {
        const struct party_step *s = &party_steps[i];
        snprintf(label, sizeof(label), "%s (%s %s)", s->label, s->method, agreements_who_label[s->as]);
        char *before = agreements_db_state();
        if (strcmp(s->method, "PUT") == 0) {
            json_t *full = agreements_body_of(BASE_EQUAL, s->body);
            char *text = json_dumps(full, JSON_COMPACT);
            char etag[ETAG_MAX];
            agreements_agreement_etag(id, etag);
            agreements_send_as("PUT", path, agreements_auth_of(s->as), etag, text, &r);
            free(text);
            json_decref(full);
        } else {
            agreements_write_as(s->method, id, strcmp(s->method, "POST") == 0 ? "/transitions" : "", s->as, s->body, &r);
        }
        if (s->status >= 400) {
            expect_problem(&e, &r, s->status, s->type, NULL, label);
            expect_unchanged(&e, agreements_db_state, before, label);
        } else if (agreements_expect_written(&e, &r, s->status, label) && s->check_path != NULL) {
            EXPECT(&e, agreements_json_is_text(r.json, s->check_path, s->check_value), "%s: %s is not %s: %.1000s", label,
                   s->check_path, s->check_value, r.body);
        }
        free(before);
    }
    agreements_get_as(path, ADMIN, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "the deleted agreement");
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- two parties at once ------------------------------------------------------- */

/* The parties of a document as an input array, with decision (a template) set for code. */
static json_t *parties_with_decision(const json_t *doc, const char *code, const char *decision)
{
    json_t *parties = json_array();
    size_t i;
    json_t *party;

    json_array_foreach(json_object_get(doc, "parties"), i, party) {
        json_t *input = json_pack("{s:O, s:O}", "municipality", json_object_get(party, "municipality"), "role",
                                  json_object_get(party, "role"));
        json_t *stated = json_object_get(party, "decision");
        if (strcmp(json_string_value(json_object_get(party, "municipality")), code) == 0) {
            json_object_set_new(input, "decision", agreements_json_from(decision));
        } else if (json_is_object(stated)) {
            json_t *copy = json_object();
            const char *name;
            json_t *value;
            json_object_foreach(stated, name, value)
                if (!json_is_null(value))
                    json_object_set(copy, name, value);
            json_object_set_new(input, "decision", copy);
        }
        json_array_append_new(parties, input);
    }
    return parties;
}

static void test_concurrent_decisions_are_not_lost(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], label[200];
    (void)state;

    for (int round = 0; round < 3; round++) {
        long long id = agreements_create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ samtidigt'}", &r);
        snprintf(label, sizeof(label), "round %d", round);
        if (!agreements_expect_written(&e, &r, 201, label))
            continue;
        agreements_agreement_path(id, path);
        char etag[ETAG_MAX];
        agreements_agreement_etag(id, etag);
        char body_a[TEXT_MAX], body_b[TEXT_MAX];
        agreements_expand("{'parties': [" PA_DEC ", " PB "]}", body_a, sizeof(body_a));
        agreements_expand("{'parties': [" PA ", " PB_DEC "]}", body_b, sizeof(body_b));

        pthread_barrier_t barrier;
        pthread_barrier_init(&barrier, NULL, 2);
        struct race_request racers[2];
        bool prepared = race_prepare(&racers[0], &barrier, agreements_auth[KEY_A], "PATCH", path,
                                     "application/merge-patch+json", etag, body_a);
        prepared &= race_prepare(&racers[1], &barrier, agreements_auth[KEY_B], "PATCH", path,
                                 "application/merge-patch+json", etag, body_b);
        race_both(racers);
        pthread_barrier_destroy(&barrier);

        int winners = (racers[0].status == 200) + (racers[1].status == 200);
        int losers = (racers[0].status == 412) + (racers[1].status == 412);
        EXPECT(&e, prepared && winners == 1 && losers == 1,
               "%s: two parties with the same ETag got %ld (%.200s) and %ld (%.200s), wanted one 200 and one 412",
               label, racers[0].status, racers[0].body_out ? racers[0].body_out : "",
               racers[1].status, racers[1].body_out ? racers[1].body_out : "");
        for (int i = 0; i < 2; i++)
            if (racers[i].status == 412)
                EXPECT(&e, racers[i].body_out && strstr(racers[i].body_out, "/problems/precondition-failed"),
                       "%s: the loser's answer is not a precondition-failed problem: %.300s", label,
                       racers[i].body_out ? racers[i].body_out : "");

        /* The loser reads again, and records its decision on top of the winner's. */
        for (int i = 0; i < 2; i++) {
            if (racers[i].status == 200)
                continue;
            enum who loser = i == 0 ? KEY_A : KEY_B;
            json_t *doc = agreements_agreement_doc(id);
            json_t *parties = parties_with_decision(doc, i == 0 ? CODE_A : CODE_B, i == 0 ? DEC_KF : DEC_SN);
            json_t *patch = json_pack("{s:o}", "parties", parties);
            char *text = json_dumps(patch, JSON_COMPACT);
            agreements_agreement_etag(id, etag);
            agreements_send_as("PATCH", path, agreements_auth[loser], etag, text, &r);
            snprintf(label, sizeof(label), "round %d: the loser (%s) retries with the new ETag", round,
                     agreements_who_label[loser]);
            agreements_expect_written(&e, &r, 200, label);
            free(text);
            json_decref(patch);
            json_decref(doc);
        }
        json_t *doc = agreements_agreement_doc(id);
        EXPECT(&e, agreements_json_is_text(agreements_party_of(doc, CODE_A), "decision", DEC_KF)
                       && agreements_json_is_text(agreements_party_of(doc, CODE_B), "decision", DEC_SN)
                       && json_is_true(json_object_get(doc, "decisions_complete")),
               "round %d: both decisions are kept: %s", round, doc ? "see the document" : "no document");
        EXPECT(&e, agreements_audit_count(id) == 3, "round %d: %lld audit entries, wanted 3 (create and two updates)", round,
               agreements_audit_count(id));
        json_decref(doc);
        for (int i = 0; i < 2; i++)
            race_release(&racers[i]);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_party_rules),
        cmocka_unit_test(test_concurrent_decisions_are_not_lost),
    };
    return cmocka_run_group_tests_name("agreement_parties", tests, agreements_setup_group, agreements_teardown_group);
}
