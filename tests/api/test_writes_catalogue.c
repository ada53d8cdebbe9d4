/*
 * tests/api/test_writes_catalogue.c: writes that succeed, against the real
 * server: the whole create, read, patch, put, delete round trip and its
 * history for every writable resource; optimistic locking (If-Match required,
 * a stale one refused, ETags that change at once after a write); a PUT that
 * leaves the slug out; every seeded record passing validation as it is.
 *
 * The fixtures and helpers are in support_writes.{c,h}.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_writes.h"

/* ---- the happy path, for every resource ----------------------------------- */

/* GET path: 200, its ETag equals etag and its body equals body (when given). */
static void expect_served(struct expectations *e, const char *path, const char *etag, const char *body,
                          const char *label)
{
    struct http_response r = { 0 };
    const char *got;

    http_get(path, NULL, &r);
    if (expect_json(e, &r, 200, label)) {
        got = http_header(&r, "ETag");
        EXPECT(e, got != NULL && strcmp(got, etag) == 0, "%s: GET gives ETag %s, the write gave %s", label,
               got ? got : "(none)", etag);
        if (body != NULL)
            EXPECT(e, strcmp(r.body, body) == 0, "%s: GET body differs from the write's answer", label);
    }
    http_response_free(&r);
}

/* A write answer: status, JSON, a quoted ETag different from old_etag; copies the ETag and body. */
static bool expect_write_answer(struct expectations *e, const struct http_response *r, long status,
                                const char *old_etag, char etag_out[ETAG_MAX], char **body_out, const char *label)
{
    const char *etag = http_header(r, "ETag");
    const char *cache = http_header(r, "Cache-Control");

    if (!expect_json(e, r, status, label))
        return false;
    EXPECT(e, cache != NULL && strstr(cache, "no-store") != NULL, "%s: Cache-Control %s", label,
           cache ? cache : "(none)");
    if (!EXPECT(e, writes_is_quoted_etag(etag) && strlen(etag) < ETAG_MAX, "%s: ETag %s", label, etag ? etag : "(none)"))
        return false;
    EXPECT(e, old_etag == NULL || strcmp(etag, old_etag) != 0, "%s: the ETag did not change: %s", label, etag);
    snprintf(etag_out, ETAG_MAX, "%s", etag);
    if (body_out != NULL)
        *body_out = strdup(r->body);
    return true;
}

/* create -> GET -> PATCH -> PUT -> PATCH null -> history -> DELETE -> 404 -> history, for every resource. */
static void test_every_resource_round_trips(void **state)
{
    struct expectations e = { 0 };
    (void)state;

    for (enum resource_id id = 0; id < RESOURCE_COUNT; id++) {
        const struct resource *res = &writes_resources[id];
        struct http_response r = { 0 };
        char slug[SLUG_MAX], path[PATH_MAX_LENGTH], label[LABEL_MAX];
        char created[ETAG_MAX], patched[ETAG_MAX], replaced[ETAG_MAX], nulled[ETAG_MAX];
        char *body = NULL;
        json_t *input;

        snprintf(slug, sizeof(slug), "tw-hp-%s-%s", res->short_name, writes_tag);
        writes_record_path(id, slug, path);

        /* POST */
        snprintf(label, sizeof(label), "POST %s", res->path);
        input = writes_valid_body(id, slug);
        writes_as_admin_json("POST", res->path, "application/json", NULL, input, &r);
        if (!expect_write_answer(&e, &r, 201, NULL, created, &body, label)) {
            json_decref(input);
            http_response_free(&r);
            continue;
        }
        const char *location = http_header(&r, "Location");
        EXPECT(&e, location != NULL && strcmp(location, path) == 0, "%s: Location %s, wanted %s", label,
               location ? location : "(none)", path);
        EXPECT(&e, json_string_is(r.json, "slug", slug), "%s: answer has no slug %s", label, slug);
        EXPECT(&e, json_string_is(r.json, res->text_field, json_string_value(json_object_get(input, res->text_field))),
               "%s: answer lacks the %s written", label, res->text_field);
        EXPECT(&e, audit_count_for(res->entity, slug) == 1, "%s: not one audit entry after the create", label);
        snprintf(label, sizeof(label), "GET %s after POST", path);
        expect_served(&e, path, created, body, label);
        free(body);
        body = NULL;

        /* PATCH one field */
        snprintf(label, sizeof(label), "PATCH %s %s", path, res->text_field);
        json_t *patch = json_pack("{s:s}", res->text_field, "TW ändrad");
        writes_as_admin_json("PATCH", path, "application/merge-patch+json", created, patch, &r);
        json_decref(patch);
        if (expect_write_answer(&e, &r, 200, created, patched, &body, label)) {
            EXPECT(&e, json_string_is(r.json, res->text_field, "TW ändrad"), "%s: field not changed", label);
            EXPECT(&e, json_string_is(r.json, "slug", slug), "%s: slug changed", label);
            snprintf(label, sizeof(label), "GET %s after PATCH", path);
            expect_served(&e, path, patched, body, label);
        }
        free(body);
        body = NULL;

        /* The old tag no longer matches: a full 200, never 304; the new one does. */
        char line[200];
        snprintf(line, sizeof(line), "If-None-Match: %s", created);
        writes_get_with(path, line, &r);
        EXPECT(&e, r.status == 200 && r.body_length > 0, "GET %s with the pre-write ETag: %ld, wanted 200", path,
               r.status);
        snprintf(line, sizeof(line), "If-None-Match: %s", patched);
        writes_get_with(path, line, &r);
        EXPECT(&e, r.status == 304, "GET %s with the current ETag: %ld, wanted 304", path, r.status);

        /* PUT the whole record */
        snprintf(label, sizeof(label), "PUT %s", path);
        json_object_set_new(input, res->text_field, json_string("TW ersatt"));
        writes_as_admin_json("PUT", path, "application/json", patched, input, &r);
        if (expect_write_answer(&e, &r, 200, patched, replaced, &body, label)) {
            EXPECT(&e, json_string_is(r.json, res->text_field, "TW ersatt"), "%s: field not replaced", label);
            snprintf(label, sizeof(label), "GET %s after PUT", path);
            expect_served(&e, path, replaced, body, label);
        }
        free(body);
        body = NULL;

        /* PATCH with null removes an optional field (sent as plain application/json). */
        snprintf(label, sizeof(label), "PATCH %s {\"%s\": null}", path, res->optional_field);
        patch = json_pack("{s:n}", res->optional_field);
        writes_as_admin_json("PATCH", path, "application/json", replaced, patch, &r);
        json_decref(patch);
        if (expect_write_answer(&e, &r, 200, replaced, nulled, &body, label)) {
            char sql[300];
            const char *params[] = { slug };
            snprintf(sql, sizeof(sql), "SELECT (input->'%s')::text FROM %s WHERE slug = $1", res->optional_field,
                     res->inputs_view);
            char *stored = db_text(sql, 1, params);
            EXPECT(&e, stored != NULL && strcmp(stored, res->after_null) == 0, "%s: stored as %s, wanted %s", label,
                   stored ? stored : "(nothing)", res->after_null);
            free(stored);
            if (res->optional_in_doc) {
                json_t *wanted = json_loads(res->after_null, JSON_DECODE_ANY, NULL);
                EXPECT(&e, json_equal(json_object_get(r.json, res->optional_field), wanted),
                       "%s: the document still shows the field", label);
                json_decref(wanted);
            }
            EXPECT(&e, json_string_is(r.json, res->text_field, "TW ersatt"), "%s: other fields changed", label);
            snprintf(label, sizeof(label), "GET %s after PATCH null", path);
            expect_served(&e, path, nulled, body, label);
        }
        free(body);
        body = NULL;
        json_decref(input);

        snprintf(label, sizeof(label), "history of %s before DELETE", path);
        writes_check_history(&e, id, slug, (const char *const[]){ "update", "update", "update", "create", NULL }, label);

        /* DELETE, then it is gone */
        snprintf(label, sizeof(label), "DELETE %s", path);
        writes_as_admin("DELETE", path, NULL, nulled, NULL, &r);
        EXPECT(&e, r.status == 204 && r.body_length == 0, "%s: %ld %.200s, wanted 204 without a body", label,
               r.status, r.body);
        http_get(path, NULL, &r);
        snprintf(label, sizeof(label), "GET %s after DELETE", path);
        expect_problem(&e, &r, 404, "/problems/not-found", NULL, label);
        snprintf(label, sizeof(label), "DELETE %s again", path);
        writes_as_admin("DELETE", path, NULL, nulled, NULL, &r);
        expect_problem(&e, &r, 404, "/problems/not-found", NULL, label);

        snprintf(label, sizeof(label), "history of %s after DELETE", path);
        writes_check_history(&e, id, slug, (const char *const[]){ "delete", "update", "update", "update", "create", NULL },
                      label);
        EXPECT(&e, audit_count_for(res->entity, slug) == 5, "%s: %lld audit rows, wanted 5", path,
               audit_count_for(res->entity, slug));
        http_response_free(&r);
        writes_delete_record(id, slug);
    }
    assert_int_equal(e.failed, 0);
}

/* ---- optimistic locking --------------------------------------------------- */

/* 428 without If-Match, for PUT, PATCH and DELETE of every resource. */
static void test_if_match_is_required(void **state)
{
    static const char *const methods[] = { "PUT", "PATCH", "DELETE" };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[LABEL_MAX];
    (void)state;

    for (enum resource_id id = 0; id < RESOURCE_COUNT; id++) {
        writes_record_path(id, writes_fixture[id], path);
        for (size_t m = 0; m < 3; m++) {
            char *before = writes_db_state();
            json_t *json = m == 0 ? writes_valid_body(id, writes_fixture[id]) : json_object();
            char *body = m == 2 ? NULL : json_dumps(json, JSON_COMPACT);
            snprintf(label, sizeof(label), "%s %s without If-Match", methods[m], path);
            writes_as_admin(methods[m], path, "application/json", NULL, body, &r);
            expect_problem(&e, &r, 428, "/problems/precondition-required", NULL, label);
            expect_unchanged(&e, writes_db_state, before, label);
            json_decref(json);
            free(body);
            free(before);
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* 412 for an If-Match that is not the current strong ETag; nothing changes. */
static void test_stale_if_match(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], old_etag[ETAG_MAX], etag[ETAG_MAX], label[LABEL_MAX];
    char weak[ETAG_MAX + 4], bare[ETAG_MAX], stale_list[2 * ETAG_MAX + 8], good_list[2 * ETAG_MAX + 8];
    (void)state;

    writes_record_path(METHOD, writes_fixture[METHOD], path);
    assert_true(current_etag(path, NULL, old_etag));
    writes_as_admin("PATCH", path, "application/merge-patch+json", old_etag, "{\"format\": \"TW format 1\"}", &r);
    assert_int_equal(r.status, 200);
    assert_true(current_etag(path, NULL, etag));
    assert_string_not_equal(etag, old_etag);

    snprintf(weak, sizeof(weak), "W/%s", etag);
    snprintf(bare, sizeof(bare), "%.*s", (int)strlen(etag) - 2, etag + 1);
    snprintf(stale_list, sizeof(stale_list), "%s, \"0123\"", old_etag);
    snprintf(good_list, sizeof(good_list), "\"0123\", %s", etag);
    json_t *put_json = writes_valid_body(METHOD, writes_fixture[METHOD]);
    char *put_body = json_dumps(put_json, JSON_COMPACT);
    json_decref(put_json);

    const struct {
        const char *label;
        const char *method;
        const char *if_match;
    } rows[] = {
        { "PATCH with the ETag from before the last write", "PATCH", old_etag },
        { "PUT with the ETag from before the last write", "PUT", old_etag },
        { "DELETE with the ETag from before the last write", "DELETE", old_etag },
        { "PATCH with a made-up ETag", "PATCH", "\"00000000000000000000000000000000\"" },
        { "PUT with a made-up ETag", "PUT", "\"tw\"" },
        { "DELETE with a made-up ETag", "DELETE", "\"tw\"" },
        { "PATCH with the current ETag made weak", "PATCH", weak },
        { "PUT with the current ETag made weak", "PUT", weak },
        { "DELETE with the current ETag made weak", "DELETE", weak },
        { "PATCH with the current ETag unquoted", "PATCH", bare },
        { "PATCH with a list of stale ETags", "PATCH", stale_list },
        { "DELETE with a list of stale ETags", "DELETE", stale_list },
        { "PATCH with an empty tag", "PATCH", "\"\"" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *before = writes_db_state();
        const char *body = strcmp(rows[i].method, "PUT") == 0 ? put_body
                           : strcmp(rows[i].method, "PATCH") == 0 ? "{\"format\": \"TW stale\"}" : NULL;
        snprintf(label, sizeof(label), "%s (If-Match: %s)", rows[i].label, rows[i].if_match);
        writes_as_admin(rows[i].method, path, strcmp(rows[i].method, "PATCH") == 0 ? "application/merge-patch+json"
                                                                            : "application/json",
                 rows[i].if_match, body, &r);
        expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, label);
        expect_unchanged(&e, writes_db_state, before, label);
        free(before);
    }
    /* The version is checked before the patch is merged: a stale PATCH is 412 even when the
     * patch would make the record invalid, and a valid PATCH with the current tag is not. */
    char *before = writes_db_state();
    writes_as_admin("PATCH", path, "application/merge-patch+json", old_etag, "{\"name_sv\": 12}", &r);
    expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, "an invalid PATCH with a stale ETag");
    expect_unchanged(&e, writes_db_state, before, "an invalid PATCH with a stale ETag");
    writes_as_admin("PATCH", path, "application/merge-patch+json", etag, "{\"name_sv\": 12}", &r);
    expect_problem(&e, &r, 400, "/problems/invalid-body", "name_sv", "an invalid PATCH with the current ETag");
    expect_unchanged(&e, writes_db_state, before, "an invalid PATCH with the current ETag");
    free(before);
    char now[ETAG_MAX];
    EXPECT(&e, current_etag(path, NULL, now) && strcmp(now, etag) == 0, "the record changed after refused writes");

    /* A list holding the current tag, and "*", do match. */
    writes_as_admin("PATCH", path, "application/merge-patch+json", good_list, "{\"format\": \"TW format 2\"}", &r);
    expect_json(&e, &r, 200, "PATCH with a list holding the current ETag");
    writes_as_admin("PATCH", path, "application/merge-patch+json", "*", "{\"format\": \"TW format 3\"}", &r);
    expect_json(&e, &r, 200, "PATCH with If-Match: *");

    /* A lost update is prevented: B read before A wrote; B's PUT is refused and A's change stays. */
    char read_by_both[ETAG_MAX];
    current_etag(path, NULL, read_by_both);
    writes_as_admin("PATCH", path, "application/merge-patch+json", read_by_both, "{\"format\": \"TW by A\"}", &r);
    expect_json(&e, &r, 200, "A's PATCH");
    writes_as_admin("PUT", path, "application/json", read_by_both, put_body, &r);
    expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, "B's PUT after A's PATCH");
    http_get(path, NULL, &r);
    EXPECT(&e, json_string_is(r.json, "format", "TW by A"), "A's change was overwritten: %.300s", r.body);

    free(put_body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* The ETag of a GET changes at once after a write, for the record and for its list. */
static void test_etags_change_after_a_write(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], line[200];
    char before[ETAG_MAX], after[ETAG_MAX], list_before[ETAG_MAX], list_after[ETAG_MAX], type_before[ETAG_MAX],
        type_after[ETAG_MAX], type_path[PATH_MAX_LENGTH];
    (void)state;

    writes_record_path(METHOD, writes_fixture[METHOD], path);
    writes_record_path(TYPE, writes_fixture[TYPE], type_path);
    assert_true(current_etag(path, NULL, before));
    assert_true(current_etag("/v1/methods?limit=200", NULL, list_before));
    assert_true(current_etag(type_path, NULL, type_before));
    /* Warm any cache with a conditional GET first. */
    snprintf(line, sizeof(line), "If-None-Match: %s", before);
    writes_get_with(path, line, &r);
    EXPECT(&e, r.status == 304, "GET with the current ETag: %ld, wanted 304", r.status);

    writes_as_admin("PATCH", path, "application/merge-patch+json", before, "{\"name_sv\": \"TW nytt namn\"}", &r);
    expect_json(&e, &r, 200, "PATCH name_sv");

    writes_get_with(path, line, &r);
    EXPECT(&e, r.status == 200, "GET with the pre-write ETag: %ld, wanted 200", r.status);
    EXPECT(&e, json_string_is(r.json, "name_sv", "TW nytt namn"), "GET right after the write shows old data: %.200s",
           r.body);
    EXPECT(&e, http_header(&r, "ETag") != NULL && strcmp(http_header(&r, "ETag"), before) != 0,
           "the ETag did not change");
    r.status = 0;
    http_request("HEAD", path, (const char *const[]){ line, NULL }, NULL, &r);
    EXPECT(&e, r.status == 200, "HEAD with the pre-write ETag: %ld, wanted 200", r.status);
    assert_true(current_etag(path, NULL, after));
    EXPECT(&e, strcmp(after, before) != 0, "ETag unchanged after a write");
    EXPECT(&e, current_etag("/v1/methods?limit=200", NULL, list_after) && strcmp(list_after, list_before) != 0,
           "the list's ETag did not change after a write");
    snprintf(line, sizeof(line), "If-None-Match: %s", list_before);
    writes_get_with("/v1/methods?limit=200", line, &r);
    EXPECT(&e, r.status == 200, "list GET with the pre-write ETag: %ld, wanted 200", r.status);
    /* The type's document embeds the type's methods by slug only; a name change leaves it alone. */
    EXPECT(&e, current_etag(type_path, NULL, type_after) && strcmp(type_after, type_before) == 0,
           "the intervention type's ETag changed though its document did not");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* A PUT may leave the slug out: the path names the record (the 400 for a changed slug says so). */
static void test_put_may_leave_out_the_slug(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], etag[ETAG_MAX];
    (void)state;

    writes_record_path(TYPE, writes_fixture[TYPE], path);
    assert_true(current_etag(path, NULL, etag));
    json_t *body = writes_valid_body(TYPE, writes_fixture[TYPE]);
    json_object_del(body, "slug");
    json_object_set_new(body, "name_sv", json_string("TW utan slug"));
    writes_as_admin_json("PUT", path, "application/json", etag, body, &r);
    json_decref(body);
    if (expect_json(&e, &r, 200, "PUT without a slug in the body"))
        EXPECT(&e, json_string_is(r.json, "slug", writes_fixture[TYPE]) && json_string_is(r.json, "name_sv", "TW utan slug"),
               "PUT without slug: %.300s", r.body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Every seeded record, written back as it is, passes validation (so a PATCH of one field never fails on
 * another). Sent with a stale If-Match, so the answer is 412 and nothing changes. */
static void test_seeded_records_pass_validation(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], sql[200], label[LABEL_MAX];
    (void)state;

    for (enum resource_id id = 0; id < RESOURCE_COUNT; id++) {
        snprintf(sql, sizeof(sql), "SELECT slug, input::text FROM %s WHERE slug NOT LIKE 'tw-%%' ORDER BY slug",
                 writes_resources[id].inputs_view);
        PGresult *res = PQexec(db_connection(), sql);
        if (!EXPECT(&e, PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(db_connection()))) {
            PQclear(res);
            continue;
        }
        /* The seeded catalogue has records of every kind: none would make this pass unseen. */
        EXPECT(&e, PQntuples(res) > 0, "%s: no stored records to PUT back", sql);
        for (int row = 0; row < PQntuples(res); row++) {
            char *before = writes_db_state();
            writes_record_path(id, PQgetvalue(res, row, 0), path);
            snprintf(label, sizeof(label), "PUT %s as stored, with a stale If-Match", path);
            writes_as_admin("PUT", path, "application/json", "\"stale\"", PQgetvalue(res, row, 1), &r);
            expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, label);
            expect_unchanged(&e, writes_db_state, before, label);
            free(before);
        }
        PQclear(res);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_resource_round_trips),
        cmocka_unit_test(test_if_match_is_required),
        cmocka_unit_test(test_stale_if_match),
        cmocka_unit_test(test_etags_change_after_a_write),
        cmocka_unit_test(test_put_may_leave_out_the_slug),
        cmocka_unit_test(test_seeded_records_pass_validation),
    };
    return cmocka_run_group_tests_name("writes_catalogue", tests, writes_setup_group, writes_teardown_group);
}
