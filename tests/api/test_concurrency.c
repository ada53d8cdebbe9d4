/*
 * tests/api/test_concurrency.c: optimistic locking and reference checks
 * under concurrent writers, against the real server.
 *
 * Each race starts two requests at the same moment: both libcurl easy
 * handles are fully prepared first, then two threads wait on a barrier and
 * call curl_easy_perform together. Every race is run many times; each round
 * must end in exactly one winner, a record that shows the winner's change,
 * and exactly one audit row per successful write (read with libpq).
 *
 * Records are created with slugs "tw-race-...-<tag>" and deleted again.
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY (as set by tests/run.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_race.h"

#define ROUNDS 20
#define SLUG_MAX 80
#define PATH_MAX_LENGTH 256

static char tag[24];
static char admin_auth[300];
static char type_slug[SLUG_MAX];     /* an intervention type the race records refer to */

/* ---- plain requests (setup, checks) -------------------------------------- */

static int as_admin(const char *method, const char *path, const char *content_type, const char *if_match,
                    const char *body, struct http_response *r)
{
    return request_as(method, path, admin_auth, content_type, if_match, body, r);
}

static long post_json(const char *path, json_t *body /* stolen */)
{
    struct http_response r = { 0 };
    char *text = json_dumps(body, JSON_COMPACT);
    long status;

    as_admin("POST", path, "application/json", NULL, text, &r);
    status = r.status;
    if (status != 201)
        fprintf(stderr, "# POST %s: %ld %.300s\n", path, r.status, r.body);
    free(text);
    json_decref(body);
    http_response_free(&r);
    return status;
}

static json_t *method_body(const char *slug, const char *type)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s}", "slug", slug, "abbreviation", "TWR",
                     "name_sv", "TW-kapplöpning", "name_en", "TW race", "intervention_type", type, "age_min", 6,
                     "age_max", 12, "format", "Grupp", "availability", "planerad");
}

static json_t *type_body(const char *slug)
{
    return json_pack("{s:s, s:s, s:s}", "slug", slug, "name_sv", "TW-kapplöpningstyp", "name_en", "TW race type");
}

static json_t *knowledge_support_body(const char *slug)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:i}", "slug", slug, "title", "TW-kapplöpningsstöd", "publisher",
                     "TW", "published_year", 2024, "target_group", "Barn", "age_min", 0, "age_max", 18);
}

static json_t *material_body(const char *slug, const char *knowledge_support)
{
    return json_pack("{s:s, s:s, s:s, s:[s], s:s, s:s}", "slug", slug, "knowledge_support", knowledge_support, "title",
                     "TW-kapplöpningsfilm", "kinds", "film", "audience", "Alla", "publisher", "TW");
}

/* ---- racing ------------------------------------------------------------- */

/* The racer's answer is a problem of this type. */
static bool is_problem(const struct race_request *racer, long status, const char *type)
{
    json_t *json = race_json(racer);
    const char *got = json_string_value(json_object_get(json, "type"));
    bool ok = racer->status == status && racer->content_type != NULL
              && strncmp(racer->content_type, "application/problem+json", 24) == 0 && got != NULL
              && strcmp(got, type) == 0;
    json_decref(json);
    return ok;
}

/* ---- setup --------------------------------------------------------------- */

static int setup_group(void **state)
{
    (void)state;

    if (!fixtures_open_environment(admin_auth, sizeof(admin_auth), NULL, 0))
        return -1;
    run_tag(tag, sizeof(tag));
    snprintf(type_slug, sizeof(type_slug), "tw-race-type-%s", tag);
    return post_json("/v1/intervention-types", type_body(type_slug)) == 201 ? 0 : -1;
}

static int teardown_group(void **state)
{
    char path[PATH_MAX_LENGTH];
    long status;
    (void)state;

    snprintf(path, sizeof(path), "/v1/intervention-types/%s", type_slug);
    status = delete_if_present(path, admin_auth);
    db_close();
    return status == 204 ? 0 : -1;   /* the type the setup made is there to delete */
}

/* ---- the races ----------------------------------------------------------- */

/* Two PATCHes (or PUTs) with the same If-Match: exactly one 200 and one 412, ROUNDS times. */
static void same_etag_race(const char *method, const char *content_type)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char slug[SLUG_MAX], path[PATH_MAX_LENGTH], etag[ETAG_MAX];
    int wins[2] = { 0, 0 };
    bool is_put = strcmp(method, "PUT") == 0;

    snprintf(slug, sizeof(slug), "tw-race-%s-%s", is_put ? "put" : "patch", tag);
    snprintf(path, sizeof(path), "/v1/methods/%s", slug);
    assert_int_equal(post_json("/v1/methods", method_body(slug, type_slug)), 201);
    long long audit_before = audit_count_for("method", slug);

    for (int round = 0; round < ROUNDS; round++) {
        pthread_barrier_t barrier;
        struct race_request racers[2];
        char *bodies[2];
        char name[2][64];

        if (!EXPECT(&e, current_etag(path, NULL, etag), "round %d: cannot read %s", round, path))
            break;
        for (int i = 0; i < 2; i++) {
            snprintf(name[i], sizeof(name[i]), "TW %c round %d", 'A' + i, round);
            json_t *body = is_put ? method_body(slug, type_slug) : json_object();
            json_object_set_new(body, "name_sv", json_string(name[i]));
            bodies[i] = json_dumps(body, JSON_COMPACT);
            json_decref(body);
        }
        pthread_barrier_init(&barrier, NULL, 2);
        for (int i = 0; i < 2; i++)
            race_prepare(&racers[i], &barrier, admin_auth, method, path, content_type, etag, bodies[i]);
        race_both(racers);

        int winner = racers[0].status == 200 ? 0 : racers[1].status == 200 ? 1 : -1;
        if (EXPECT(&e, winner >= 0 && racers[1 - winner].status == 412, "round %d: %s answered %ld and %ld, wanted "
                   "one 200 and one 412", round, method, racers[0].status, racers[1].status)) {
            wins[winner]++;
            EXPECT(&e, is_problem(&racers[1 - winner], 412, "/problems/precondition-failed"),
                   "round %d: the loser's answer is not a 412 problem: %.200s", round, racers[1 - winner].body_out);
            http_get(path, NULL, &r);
            const char *shown = json_string_value(json_object_get(r.json, "name_sv"));
            EXPECT(&e, shown != NULL && strcmp(shown, name[winner]) == 0,
                   "round %d: the record shows \"%s\", the winner wrote \"%s\"", round, shown ? shown : "(none)",
                   name[winner]);
            json_t *answer = race_json(&racers[winner]);
            EXPECT(&e, json_equal(answer, r.json), "round %d: the winner's answer is not the stored record", round);
            json_decref(answer);
        }
        for (int i = 0; i < 2; i++) {
            race_release(&racers[i]);
            free(bodies[i]);
        }
        pthread_barrier_destroy(&barrier);
    }
    long long audit_after = audit_count_for("method", slug);
    EXPECT(&e, audit_after - audit_before == wins[0] + wins[1], "%lld audit rows for %d successful writes",
           audit_after - audit_before, wins[0] + wins[1]);
    fprintf(stderr, "# %s race: A won %d, B won %d of %d rounds\n", method, wins[0], wins[1], ROUNDS);
    EXPECT(&e, delete_if_present(path, admin_auth) == 204, "DELETE %s", path);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_patch_race_has_one_winner(void **state)
{
    (void)state;
    same_etag_race("PATCH", "application/merge-patch+json");
}

static void test_put_race_has_one_winner(void **state)
{
    (void)state;
    same_etag_race("PUT", "application/json");
}

/* DELETE and PATCH with the same If-Match: one succeeds; the other gets 412 or 404; the record agrees. */
static void test_delete_and_patch_race(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char slug[SLUG_MAX], path[PATH_MAX_LENGTH], etag[ETAG_MAX];
    int deleted = 0, patched = 0;
    (void)state;

    for (int round = 0; round < ROUNDS / 2; round++) {
        pthread_barrier_t barrier;
        struct race_request racers[2];   /* 0 deletes, 1 patches */

        snprintf(slug, sizeof(slug), "tw-race-del-%d-%s", round, tag);
        snprintf(path, sizeof(path), "/v1/methods/%s", slug);
        if (!EXPECT(&e, post_json("/v1/methods", method_body(slug, type_slug)) == 201, "round %d: POST", round)
            || !EXPECT(&e, current_etag(path, NULL, etag), "round %d: GET", round))
            continue;
        pthread_barrier_init(&barrier, NULL, 2);
        race_prepare(&racers[0], &barrier, admin_auth, "DELETE", path, NULL, etag, NULL);
        race_prepare(&racers[1], &barrier, admin_auth, "PATCH", path, "application/merge-patch+json", etag,
                      "{\"name_sv\": \"TW patched\"}");
        race_both(racers);
        http_get(path, NULL, &r);
        if (racers[0].status == 204) {
            deleted++;
            /* The PATCH waits on the row lock the DELETE holds; once it may look, the row is gone. */
            EXPECT(&e, is_problem(&racers[1], 404, "/problems/not-found"), "round %d: DELETE won, PATCH answered %ld",
                   round, racers[1].status);
            EXPECT(&e, r.status == 404, "round %d: deleted, yet GET answers %ld", round, r.status);
        } else if (racers[1].status == 200) {
            patched++;
            EXPECT(&e, is_problem(&racers[0], 412, "/problems/precondition-failed"),
                   "round %d: PATCH won, DELETE answered %ld", round, racers[0].status);
            const char *shown = json_string_value(json_object_get(r.json, "name_sv"));
            EXPECT(&e, r.status == 200 && shown != NULL && strcmp(shown, "TW patched") == 0,
                   "round %d: patched, yet GET shows %.200s", round, r.body);
        } else {
            EXPECT(&e, false, "round %d: no winner: DELETE %ld, PATCH %ld", round, racers[0].status, racers[1].status);
        }
        EXPECT(&e, audit_count_for("method", slug) == 2,
               "round %d: %lld audit rows, wanted 2 (create and the winner)", round, audit_count_for("method", slug));
        for (int i = 0; i < 2; i++)
            race_release(&racers[i]);
        pthread_barrier_destroy(&barrier);
        delete_if_present(path, admin_auth);
    }
    fprintf(stderr, "# DELETE/PATCH race: DELETE won %d, PATCH won %d\n", deleted, patched);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Two POSTs of the same slug: one 201, one 409 duplicate; one audit row. */
static void test_create_race_has_one_winner(void **state)
{
    struct expectations e = { 0 };
    char slug[SLUG_MAX], path[PATH_MAX_LENGTH];
    (void)state;

    for (int round = 0; round < ROUNDS / 2; round++) {
        pthread_barrier_t barrier;
        struct race_request racers[2];
        char *bodies[2];

        snprintf(slug, sizeof(slug), "tw-race-new-%d-%s", round, tag);
        snprintf(path, sizeof(path), "/v1/methods/%s", slug);
        for (int i = 0; i < 2; i++) {
            json_t *body = method_body(slug, type_slug);
            json_object_set_new(body, "abbreviation", json_string(i == 0 ? "TWA" : "TWB"));
            bodies[i] = json_dumps(body, JSON_COMPACT);
            json_decref(body);
        }
        pthread_barrier_init(&barrier, NULL, 2);
        for (int i = 0; i < 2; i++)
            race_prepare(&racers[i], &barrier, admin_auth, "POST", "/v1/methods", "application/json", NULL, bodies[i]);
        race_both(racers);
        int winner = racers[0].status == 201 ? 0 : racers[1].status == 201 ? 1 : -1;
        if (EXPECT(&e, winner >= 0, "round %d: POSTs answered %ld and %ld", round, racers[0].status,
                   racers[1].status))
            EXPECT(&e, is_problem(&racers[1 - winner], 409, "/problems/duplicate"),
                   "round %d: the second POST answered %ld %.200s, wanted 409 duplicate", round,
                   racers[1 - winner].status, racers[1 - winner].body_out);
        EXPECT(&e, audit_count_for("method", slug) == 1, "round %d: %lld audit rows, wanted 1", round,
               audit_count_for("method", slug));
        for (int i = 0; i < 2; i++) {
            race_release(&racers[i]);
            free(bodies[i]);
        }
        pthread_barrier_destroy(&barrier);
        delete_if_present(path, admin_auth);
    }
    assert_int_equal(e.failed, 0);
}

/* One kind of reference: a record of one collection naming a record of another by slug. */
struct reference_kind {
    const char *label;
    const char *target_collection;      /* what is deleted */
    json_t *(*target_body)(const char *slug);
    const char *referrer_collection;    /* what is created */
    const char *referrer_entity;
    const char *field;                  /* the referrer's field naming the target */
    json_t *(*referrer_body)(const char *slug, const char *target);
};

static json_t *material_of(const char *slug, const char *knowledge_support)
{
    return material_body(slug, knowledge_support);
}

static json_t *method_of(const char *slug, const char *type)
{
    return method_body(slug, type);
}

/*
 * Creating a record that refers to X while X is deleted: either the create
 * wins (201, the reference kept, and the DELETE refused as still referenced)
 * or the delete wins (204, and the create refused as an unresolved
 * reference). Never a record that silently lost its reference, and never a
 * "still referenced" answer to a create.
 */
static void reference_and_delete_race(const struct reference_kind *kind)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char target[SLUG_MAX], target_path[PATH_MAX_LENGTH], referrer[SLUG_MAX], referrer_path[PATH_MAX_LENGTH],
        etag[ETAG_MAX];
    int created = 0, deleted = 0;

    for (int round = 0; round < ROUNDS; round++) {
        pthread_barrier_t barrier;
        struct race_request racers[2];   /* 0 creates the referrer, 1 deletes the target */

        snprintf(target, sizeof(target), "tw-race-target-%d-%s", round, tag);
        snprintf(target_path, sizeof(target_path), "%s/%s", kind->target_collection, target);
        snprintf(referrer, sizeof(referrer), "tw-race-referrer-%d-%s", round, tag);
        snprintf(referrer_path, sizeof(referrer_path), "%s/%s", kind->referrer_collection, referrer);
        if (!EXPECT(&e, post_json(kind->target_collection, kind->target_body(target)) == 201, "round %d", round)
            || !EXPECT(&e, current_etag(target_path, NULL, etag), "round %d: GET", round))
            continue;
        json_t *json = kind->referrer_body(referrer, target);
        char *body = json_dumps(json, JSON_COMPACT);
        json_decref(json);
        pthread_barrier_init(&barrier, NULL, 2);
        race_prepare(&racers[0], &barrier, admin_auth, "POST", kind->referrer_collection, "application/json", NULL, body);
        race_prepare(&racers[1], &barrier, admin_auth, "DELETE", target_path, NULL, etag, NULL);
        race_both(racers);

        http_get(referrer_path, NULL, &r);
        if (racers[0].status == 201) {
            created++;
            json_t *named = json_object_get(r.json, kind->field);
            const char *named_slug = json_is_object(named) ? json_string_value(json_object_get(named, "slug"))
                                                           : json_string_value(named);
            EXPECT(&e, r.status == 200 && named_slug != NULL && strcmp(named_slug, target) == 0,
                   "%s, round %d: created without its reference: %.300s", kind->label, round, r.body);
            /* 412 too: a target whose document lists its referrers (a type's "methods") has changed. */
            EXPECT(&e, is_problem(&racers[1], 409, "/problems/still-referenced")
                           || is_problem(&racers[1], 412, "/problems/precondition-failed"),
                   "%s, round %d: the create won, and the DELETE answered %ld %.200s", kind->label, round,
                   racers[1].status, racers[1].body_out);
        } else {
            deleted++;
            EXPECT(&e, is_problem(&racers[0], 422, "/problems/unresolved-reference"),
                   "%s, round %d: POST naming a record being deleted answered %ld %.300s, wanted 422 "
                   "unresolved-reference", kind->label, round, racers[0].status, racers[0].body_out);
            EXPECT(&e, racers[1].status == 204, "%s, round %d: DELETE answered %ld", kind->label, round,
                   racers[1].status);
            EXPECT(&e, r.status == 404, "%s, round %d: the refused record exists", kind->label, round);
        }
        EXPECT(&e, audit_count_for(kind->referrer_entity, referrer) == (r.status == 200 ? 1 : 0),
               "%s, round %d: audit rows do not match the record's existence", kind->label, round);
        for (int i = 0; i < 2; i++)
            race_release(&racers[i]);
        pthread_barrier_destroy(&barrier);
        free(body);
        delete_if_present(referrer_path, admin_auth);
        delete_if_present(target_path, admin_auth);
    }
    fprintf(stderr, "# %s: the create won %d, the delete won %d\n", kind->label, created, deleted);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_material_create_and_knowledge_support_delete_race(void **state)
{
    static const struct reference_kind kind = {
        "material naming a knowledge support", "/v1/knowledge-supports", knowledge_support_body, "/v1/materials",
        "material", "knowledge_support", material_of,
    };
    (void)state;
    reference_and_delete_race(&kind);
}

static void test_method_create_and_type_delete_race(void **state)
{
    static const struct reference_kind kind = {
        "method naming an intervention type", "/v1/intervention-types", type_body, "/v1/methods", "method",
        "intervention_type", method_of,
    };
    (void)state;
    reference_and_delete_race(&kind);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patch_race_has_one_winner),
        cmocka_unit_test(test_put_race_has_one_winner),
        cmocka_unit_test(test_delete_and_patch_race),
        cmocka_unit_test(test_create_race_has_one_winner),
        cmocka_unit_test(test_material_create_and_knowledge_support_delete_race),
        cmocka_unit_test(test_method_create_and_type_delete_race),
    };
    return cmocka_run_group_tests_name("concurrency", tests, setup_group, teardown_group);
}
