/*
 * tests/api/test_audit.c: the audit trail of the write API, against the real
 * server: GET /v1/audit with its filters and paging, the history of one
 * record, and a trail that the database itself keeps append-only.
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

/* ---- the audit trail ------------------------------------------------------ */

/*
 * Reads every page from path (as admin), following "next", expecting each to
 * be a page of audit entries newest first. Appends the entries to items.
 * Returns the number of pages, or -1.
 */
static int walk_audit(struct expectations *e, const char *path, json_t *items, int max_pages)
{
    struct http_response r = { 0 };
    char next[PATH_MAX_LENGTH];
    long long previous = -1;
    int pages = 0;

    snprintf(next, sizeof(next), "%s", path);
    while (pages < max_pages) {
        writes_as_admin("GET", next, NULL, NULL, NULL, &r);
        if (!expect_json(e, &r, 200, next))
            break;
        pages++;
        json_t *page_items = json_at(r.json, "items");
        json_t *link = json_at(r.json, "next");
        json_t *cursor = json_at(r.json, "next_cursor");
        long long limit = json_integer_value(json_at(r.json, "limit"));
        size_t i;
        json_t *item;

        if (!EXPECT(e, json_is_array(page_items), "%s: no items", next))
            break;
        json_array_foreach(page_items, i, item) {
            long long id = json_integer_value(json_object_get(item, "id"));
            EXPECT(e, json_is_integer(json_object_get(item, "id")) && (previous < 0 || id < previous),
                   "%s: entry ids not strictly decreasing (%lld after %lld)", next, id, previous);
            EXPECT(e, json_is_string(json_object_get(item, "at")) && json_is_string(json_object_get(item, "entity"))
                          && json_is_string(json_object_get(item, "entity_id"))
                          && json_is_string(json_object_get(item, "action"))
                          && json_is_integer(json_at(item, "key.id")) && json_is_string(json_at(item, "key.name"))
                          && json_object_get(item, "before") != NULL && json_object_get(item, "after") != NULL,
                   "%s: entry %lld lacks a member", next, id);
            previous = id;
            json_array_append(items, item);
        }
        EXPECT(e, json_array_size(page_items) <= (size_t)limit, "%s: more items than the limit", next);
        EXPECT(e, json_is_null(link) == json_is_null(cursor), "%s: next and next_cursor disagree", next);
        if (json_is_null(link) || link == NULL) {
            http_response_free(&r);
            return pages;
        }
        char last_id[32], tail[48];
        snprintf(last_id, sizeof(last_id), "%lld", previous);
        snprintf(tail, sizeof(tail), "cursor=%s", last_id);
        const char *link_text = json_string_value(link);
        EXPECT(e, json_array_size(page_items) == (size_t)limit, "%s: a page before the last is not full", next);
        EXPECT(e, json_string_is(r.json, "next_cursor", last_id), "%s: next_cursor is not the last id %s", next,
               last_id);
        if (!EXPECT(e, link_text != NULL && strlen(link_text) >= strlen(tail)
                           && strcmp(link_text + strlen(link_text) - strlen(tail), tail) == 0
                           && strlen(link_text) < sizeof(next),
                    "%s: next link %s", next, link_text ? link_text : "(none)"))
            break;
        snprintf(next, sizeof(next), "%s", link_text);
    }
    http_response_free(&r);
    return -1;
}

/* GET /v1/audit with filters: entity, id, key, since, until; limit=1 pages through "next". */
static void test_audit_list_filters_and_pages(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char slug[SLUG_MAX], path[PATH_MAX_LENGTH], etag[ETAG_MAX], query[2 * PATH_MAX_LENGTH];
    char first_at[80], last_at[80], encoded_first[200], encoded_last[200], key_id[24], encoded_name[300];
    long long audit_before = db_count("SELECT count(*) FROM audit_log", 0, NULL);
    (void)state;

    /* Four writes of one record: create, two updates, delete. */
    snprintf(slug, sizeof(slug), "tw-audit-%s", writes_tag);
    writes_record_path(TYPE, slug, path);
    json_t *body = writes_valid_body(TYPE, slug);
    writes_as_admin_json("POST", writes_resources[TYPE].path, "application/json", NULL, body, &r);
    json_decref(body);
    assert_int_equal(r.status, 201);
    for (int i = 0; i < 2; i++) {
        current_etag(path, NULL, etag);
        writes_as_admin("PATCH", path, "application/merge-patch+json", etag,
                 i == 0 ? "{\"name_sv\": \"TW ett\"}" : "{\"name_sv\": \"TW två\"}", &r);
        EXPECT(&e, r.status == 200, "PATCH %d: %ld", i, r.status);
    }
    current_etag(path, NULL, etag);
    writes_as_admin("DELETE", path, NULL, etag, NULL, &r);
    EXPECT(&e, r.status == 204, "DELETE: %ld", r.status);
    EXPECT(&e, db_count("SELECT count(*) FROM audit_log", 0, NULL) == audit_before + 4,
           "four writes did not add four audit rows");

    /* All four, newest first, with the right actions and states. */
    json_t *items = json_array();
    snprintf(query, sizeof(query), "/v1/audit?entity=intervention_type&id=%s", slug);
    int pages = walk_audit(&e, query, items, 5);
    EXPECT(&e, pages == 1 && json_array_size(items) == 4, "%s: %d pages, %zu entries", query, pages,
           json_array_size(items));
    static const char *const actions[] = { "delete", "update", "update", "create" };
    for (size_t i = 0; i < json_array_size(items) && i < 4; i++) {
        json_t *item = json_array_get(items, i);
        EXPECT(&e, json_string_is(item, "action", actions[i]), "entry %zu is not %s", i, actions[i]);
        EXPECT(&e, json_string_is(item, "entity_id", slug), "entry %zu is of another record", i);
        EXPECT(&e, json_integer_value(json_at(item, "key.id")) == writes_admin_key_id
                       && json_string_is(item, "key.name", writes_admin_key_name), "entry %zu names another key", i);
    }
    if (json_array_size(items) == 4) {
        EXPECT(&e, json_string_is(json_array_get(items, 1), "after.name_sv", "TW två")
                       && json_string_is(json_array_get(items, 1), "before.name_sv", "TW ett")
                       && json_string_is(json_array_get(items, 2), "before.name_sv", "TW-insatstyp"),
               "the updates' before and after are wrong");
        snprintf(first_at, sizeof(first_at), "%s", json_string_value(json_at(json_array_get(items, 3), "at")));
        snprintf(last_at, sizeof(last_at), "%s", json_string_value(json_at(json_array_get(items, 0), "at")));
    } else {
        first_at[0] = last_at[0] = '\0';
    }

    /* limit=1: four pages of one, in the same order. */
    json_t *walked = json_array();
    snprintf(query, sizeof(query), "/v1/audit?id=%s&limit=1", slug);
    pages = walk_audit(&e, query, walked, 10);
    EXPECT(&e, pages == 4 && json_equal(walked, items), "limit=1 walk: %d pages, %zu entries, same as unpaged: %d",
           pages, json_array_size(walked), json_equal(walked, items));
    json_decref(walked);

    /* Each filter, with the count it must give among this record's entries. */
    writes_url_encode(first_at, encoded_first, sizeof(encoded_first));
    writes_url_encode(last_at, encoded_last, sizeof(encoded_last));
    writes_url_encode(writes_admin_key_name, encoded_name, sizeof(encoded_name));
    snprintf(key_id, sizeof(key_id), "%lld", writes_admin_key_id);
    struct {
        char query[2 * PATH_MAX_LENGTH];
        size_t count;
    } rows[10];
    size_t n = 0;
    snprintf(rows[n].query, sizeof(rows[n].query), "/v1/audit?id=%s", slug), rows[n++].count = 4;
    snprintf(rows[n].query, sizeof(rows[n].query), "/v1/audit?id=%s&entity=method", slug), rows[n++].count = 0;
    snprintf(rows[n].query, sizeof(rows[n].query), "/v1/audit?id=%s&key=%s", slug, key_id), rows[n++].count = 4;
    snprintf(rows[n].query, sizeof(rows[n].query), "/v1/audit?id=%s&key=%s", slug, encoded_name), rows[n++].count = 4;
    snprintf(rows[n].query, sizeof(rows[n].query), "/v1/audit?id=%s&key=tw-no-such-key", slug), rows[n++].count = 0;
    snprintf(rows[n].query, sizeof(rows[n].query), "/v1/audit?id=%s&since=%s", slug, encoded_first), rows[n++].count = 4;
    snprintf(rows[n].query, sizeof(rows[n].query), "/v1/audit?id=%s&until=%s", slug, encoded_first), rows[n++].count = 0;
    snprintf(rows[n].query, sizeof(rows[n].query), "/v1/audit?id=%s&since=%s", slug, encoded_last), rows[n++].count = 1;
    snprintf(rows[n].query, sizeof(rows[n].query), "/v1/audit?id=%s&until=%s&limit=2", slug, encoded_last),
        rows[n++].count = 3;
    snprintf(rows[n].query, sizeof(rows[n].query), "/v1/audit?id=%s&since=%s&until=%s", slug, encoded_first, encoded_last),
        rows[n++].count = 3;
    for (size_t i = 0; i < n; i++) {
        json_t *found = json_array();
        walk_audit(&e, rows[i].query, found, 10);
        EXPECT(&e, json_array_size(found) == rows[i].count, "%s: %zu entries, wanted %zu", rows[i].query,
               json_array_size(found), rows[i].count);
        size_t j;
        json_t *item;
        json_array_foreach(found, j, item)
            EXPECT(&e, json_string_is(item, "entity_id", slug), "%s: entry of another record", rows[i].query);
        json_decref(found);
    }

    /* The whole trail, newest first: its first entry is at least as new as ours. It is for the key's
     * holder only: never stored by a shared cache. */
    writes_as_admin("GET", "/v1/audit?limit=1", NULL, NULL, NULL, &r);
    const char *cache = http_header(&r, "Cache-Control");
    EXPECT(&e, cache != NULL && strstr(cache, "private") != NULL && strstr(cache, "no-store") != NULL,
           "GET /v1/audit: Cache-Control %s, wanted private, no-store", cache ? cache : "(none)");
    if (expect_json(&e, &r, 200, "GET /v1/audit?limit=1") && json_array_size(items) == 4)
        EXPECT(&e, json_integer_value(json_at(r.json, "items.0.id"))
                       >= json_integer_value(json_object_get(json_array_get(items, 0), "id")),
               "the unfiltered trail does not start with the newest entry");
    json_decref(items);

    /* Bad parameters: 400 naming each. */
    static const struct {
        const char *query;
        const char *field;
    } bad[] = {
        { "/v1/audit?entity=methods", "entity" },
        { "/v1/audit?entity=", "entity" },
        { "/v1/audit?limit=0", "limit" },
        { "/v1/audit?limit=abc", "limit" },
        { "/v1/audit?limit=100000", "limit" },
        { "/v1/audit?cursor=abc", "cursor" },
        { "/v1/audit?cursor=-1", "cursor" },
        { "/v1/audit?since=yesterday", "since" },
        { "/v1/audit?until=2024-13-01", "until" },
        { "/v1/audit?updated_since=2024-01-01", "updated_since" },
        { "/v1/audit?colour=red", "colour" },
        { "/v1/audit?id=", "id" },
        { "/v1/audit?key=%01", "key" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        writes_as_admin("GET", bad[i].query, NULL, NULL, NULL, &r);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", bad[i].field, bad[i].query);
    }

    /* Only for admins. */
    request_as("GET", "/v1/audit", writes_municipality_auth, NULL, NULL, NULL, &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "GET /v1/audit with a municipality key");
    request_as("GET", "/v1/audit", NULL, NULL, NULL, NULL, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "GET /v1/audit without a key");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* GET /v1/<resource>/{slug}/history: only that record of that kind, paged; admin only. */
static void test_history_of_a_record(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char slug[SLUG_MAX], method_path[PATH_MAX_LENGTH], type_path[PATH_MAX_LENGTH], history[2 * PATH_MAX_LENGTH],
        etag[ETAG_MAX], query[2 * PATH_MAX_LENGTH];
    (void)state;

    /* A method and an intervention type with the same slug: each history holds only its own kind. */
    snprintf(slug, sizeof(slug), "tw-twin-%s", writes_tag);
    writes_record_path(TYPE, slug, type_path);
    writes_record_path(METHOD, slug, method_path);
    json_t *body = writes_valid_body(TYPE, slug);
    writes_as_admin_json("POST", writes_resources[TYPE].path, "application/json", NULL, body, &r);
    json_decref(body);
    EXPECT(&e, r.status == 201, "POST type: %ld", r.status);
    body = writes_valid_body(METHOD, slug);
    json_object_set_new(body, "intervention_type", json_string(slug));
    writes_as_admin_json("POST", writes_resources[METHOD].path, "application/json", NULL, body, &r);
    json_decref(body);
    EXPECT(&e, r.status == 201, "POST method: %ld", r.status);
    for (int i = 0; i < 2; i++) {
        current_etag(method_path, NULL, etag);
        writes_as_admin("PATCH", method_path, "application/merge-patch+json", etag,
                 i == 0 ? "{\"abbreviation\": \"TW1\"}" : "{\"abbreviation\": \"TW2\"}", &r);
        EXPECT(&e, r.status == 200, "PATCH %d: %ld", i, r.status);
    }

    writes_check_history(&e, METHOD, slug, (const char *const[]){ "update", "update", "create", NULL }, "method history");
    writes_check_history(&e, TYPE, slug, (const char *const[]){ "create", NULL }, "type history");

    /* limit=1: three pages; the next links stay on the history path. */
    json_t *items = json_array();
    snprintf(query, sizeof(query), "%s/history?limit=1", method_path);
    int pages = walk_audit(&e, query, items, 10);
    EXPECT(&e, pages == 3 && json_array_size(items) == 3, "%s: %d pages, %zu entries", query, pages,
           json_array_size(items));
    json_decref(items);
    snprintf(query, sizeof(query), "%s/history?limit=1", method_path);
    writes_as_admin("GET", query, NULL, NULL, NULL, &r);
    const char *next = json_string_value(json_at(r.json, "next"));
    snprintf(history, sizeof(history), "%s/history?", method_path);
    EXPECT(&e, next != NULL && strncmp(next, history, strlen(history)) == 0, "next link %s is not under %s",
           next ? next : "(none)", history);
    const char *cache = http_header(&r, "Cache-Control");
    EXPECT(&e, cache != NULL && strstr(cache, "private") != NULL && strstr(cache, "no-store") != NULL,
           "GET %s: Cache-Control %s, wanted private, no-store", query, cache ? cache : "(none)");

    /* Bad parameters. */
    static const struct {
        const char *suffix;
        const char *field;
    } bad[] = {
        { "/history?limit=0", "limit" },
        { "/history?cursor=x", "cursor" },
        { "/history?until=soon", "until" },
        { "/history?entity=method", "entity" },
        { "/history?slug=fft", "slug" },
        { "/history?colour=red", "colour" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(query, sizeof(query), "%s%s", method_path, bad[i].suffix);
        writes_as_admin("GET", query, NULL, NULL, NULL, &r);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", bad[i].field, query);
    }

    /* A path that cannot name a record: 404, as for the record itself. */
    writes_as_admin("GET", "/v1/methods/Not_A_Slug/history", NULL, NULL, NULL, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "history of a path that is not a slug");

    /* Admin only. */
    snprintf(query, sizeof(query), "%s/history", method_path);
    request_as("GET", query, writes_municipality_auth, NULL, NULL, NULL, &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "history with a municipality key");
    request_as("GET", query, NULL, NULL, NULL, NULL, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "history without a key");

    EXPECT(&e, writes_delete_record(METHOD, slug) == 204, "DELETE the method");
    EXPECT(&e, writes_delete_record(TYPE, slug) == 204, "DELETE the type");
    /* The history outlives the record. */
    writes_check_history(&e, METHOD, slug, (const char *const[]){ "delete", "update", "update", "create", NULL },
                  "method history after DELETE");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* The trail is append-only in the database itself: UPDATE, DELETE and TRUNCATE are refused. */
static void test_audit_trail_is_append_only(void **state)
{
    static const char *const statements[] = {
        "UPDATE audit_log SET key_name = 'tw-forged' WHERE id = (SELECT max(id) FROM audit_log)",
        "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
        "TRUNCATE audit_log",
    };
    struct expectations e = { 0 };
    (void)state;

    assert_true(db_count("SELECT count(*) FROM audit_log", 0, NULL) > 0);
    expect_refused_for_privilege(&e, statements, sizeof(statements) / sizeof(statements[0]), writes_db_state);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_list_filters_and_pages),
        cmocka_unit_test(test_history_of_a_record),
        cmocka_unit_test(test_audit_trail_is_append_only),
    };
    return cmocka_run_group_tests_name("audit", tests, writes_setup_group, writes_teardown_group);
}
