/*
 * tests/api/test_writes.c: the write API (POST, PUT, PATCH, DELETE), its
 * optimistic locking and its audit trail, against the real server.
 *
 * Every test is a table: a new hostile input is a new row. A refused request
 * must change nothing, so each row compares a fingerprint of the database
 * (row counts and newest updated_at of every writable table, and the size
 * of the audit trail) before and after, read with libpq from $DATABASE_URL.
 *
 * The tests create their own records, with slugs that start with "tw-" and
 * end with a tag unique to the run (the audit trail is append-only, so a
 * slug is never reused between runs), and delete them again. Seeded records
 * are only ever sent requests that must be refused.
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

#define SLUG_MAX 80
#define PATH_MAX_LENGTH 256
#define LABEL_MAX 1024
#define MIB (1024 * 1024)

/* ---- the resources ------------------------------------------------------- */

enum resource_id { KS, TYPE, REC, METHOD, INSTRUMENT, MATERIAL, RESOURCE_COUNT };

struct resource {
    const char *short_name;      /* in the slugs of test records */
    const char *path;            /* the collection */
    const char *entity;          /* in the audit trail */
    const char *inputs_view;     /* the record as a client writes it (sql/0005_write_access.sql) */
    const char *text_field;      /* a required text field that PATCH changes */
    const char *optional_field;  /* an optional field that PATCH with null removes */
    const char *after_null;      /* that field in the inputs view once removed, as JSON */
    bool optional_in_doc;        /* whether the served document shows that field */
};

static const struct resource resources[RESOURCE_COUNT] = {
    [KS] = { "ks", "/v1/knowledge-supports", "knowledge_support", "knowledge_support_inputs", "title", "model",
             "null", true },
    [TYPE] = { "type", "/v1/intervention-types", "intervention_type", "intervention_type_inputs", "name_sv",
               "description", "\"\"", true },
    [REC] = { "rec", "/v1/recommendations", "recommendation", "recommendation_inputs", "statement", "rank", "0",
              false },
    [METHOD] = { "method", "/v1/methods", "method", "method_inputs", "name_sv", "purveyor", "null", true },
    [INSTRUMENT] = { "ai", "/v1/assessment-instruments", "assessment_instrument", "assessment_instrument_inputs",
                     "name", "publisher", "null", true },
    [MATERIAL] = { "mat", "/v1/materials", "material", "material_inputs", "title", "knowledge_support", "null",
                   true },
};

/* ---- state shared by the tests ------------------------------------------- */

static char tag[24];                               /* unique to this run */
static char admin_auth[300];                       /* "Bearer <ADMIN_KEY>" */
static char municipality_auth[300];
static long long admin_key_id;
static char admin_key_name[100];
static char fixture[RESOURCE_COUNT][SLUG_MAX];     /* one record of each resource, made by the group setup */

/* ---- requests ------------------------------------------------------------ */

static int as_admin(const char *method, const char *path, const char *content_type, const char *if_match,
                    const char *body, struct http_response *r)
{
    return request_as(method, path, admin_auth, content_type, if_match, body, r);
}

/* As as_admin, with a JSON body (borrowed). */
static int as_admin_json(const char *method, const char *path, const char *content_type, const char *if_match,
                         const json_t *body, struct http_response *r)
{
    char *text = json_dumps(body, JSON_COMPACT);
    int result = as_admin(method, path, content_type, if_match, text, r);
    free(text);
    return result;
}

static int get_with(const char *path, const char *header_line, struct http_response *r)
{
    const char *headers[] = { header_line, NULL };
    return http_get(path, header_line != NULL ? headers : NULL, r);
}

static void record_path(enum resource_id id, const char *slug, char out[PATH_MAX_LENGTH])
{
    snprintf(out, PATH_MAX_LENGTH, "%s/%s", resources[id].path, slug);
}

static bool is_quoted_etag(const char *etag)
{
    size_t length = etag ? strlen(etag) : 0;
    return length > 2 && etag[0] == '"' && etag[length - 1] == '"';
}

/* Deletes a record if it exists (for cleaning up); returns the status of the DELETE, or 404. */
static long delete_record(enum resource_id id, const char *slug)
{
    char path[PATH_MAX_LENGTH];

    record_path(id, slug, path);
    return delete_if_present(path, admin_auth);
}

/* Percent-encodes a query value. */
static void url_encode(const char *value, char *out, size_t out_size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t used = 0;

    for (const unsigned char *p = (const unsigned char *)value; *p != '\0' && used + 4 < out_size; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'
            || *p == '.' || *p == '_' || *p == '~') {
            out[used++] = (char)*p;
        } else {
            out[used++] = '%';
            out[used++] = hex[*p >> 4];
            out[used++] = hex[*p & 15];
        }
    }
    out[used] = '\0';
}

/* ---- the database -------------------------------------------------------- */

/* A fingerprint of everything a write can change: the audit trail and each writable table. */
static char *db_state(void)
{
    static const char *const tables[] = { "knowledge_supports", "intervention_types", "recommendations", "methods",
                                          "assessment_instruments", "materials", "providers", "offerings",
                                          "offering_availability", NULL };
    return db_fingerprint(tables);
}

/* ---- bodies ------------------------------------------------------------- */

/* A complete, valid body for a new record; references name the fixtures. */
static json_t *valid_body(enum resource_id id, const char *slug)
{
    switch (id) {
    case KS:
        return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:i, s:s, s:s, s:s}", "slug", slug, "title",
                         "TW kunskapsstöd", "publisher", "TW", "published_year", 2024, "target_group",
                         "Barn 6–12 år", "age_min", 6, "age_max", 12, "model", "TW-modellen", "description",
                         "Ett kunskapsstöd som testerna skapar.", "url", "https://example.org/tw");
    case TYPE:
        return json_pack("{s:s, s:s, s:s, s:s}", "slug", slug, "name_sv", "TW-insatstyp", "name_en",
                         "TW intervention type", "description", "En insatstyp som testerna skapar.");
    case REC:
        return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:i}", "slug", slug, "knowledge_support",
                         fixture[KS], "intervention_type", fixture[TYPE], "target_group", "Barn 6–11 år", "age_min",
                         6, "age_max", 11, "strength", "kan", "statement", "Socialtjänsten kan erbjuda TW.", "rank",
                         5);
    case METHOD:
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "slug", slug,
                         "abbreviation", "TW", "name_sv", "TW-metoden", "name_en", "The TW method",
                         "intervention_type", fixture[TYPE], "age_min", 6, "age_max", 12, "format",
                         "Familjebehandling i hemmet", "typical_duration", "3–5 månader", "purveyor", "TW AB",
                         "availability", "planerad", "availability_note", "Planeras.", "swedish_presenter_2023", 0,
                         "description", "En metod som testerna skapar.");
    case INSTRUMENT:
        return json_pack("{s:s, s:s, s:s, s:[s,s], s:s, s:i, s:i, s:s, s:s}", "slug", slug, "abbreviation", "TWI",
                         "name", "TW-instrumentet", "other_names", "TWI-1", "TWI-2", "assesses",
                         "Risk för normbrytande beteende", "age_min", 12, "age_max", 17, "publisher", "TW förlag",
                         "description", "Ett instrument som testerna skapar.");
    case MATERIAL:
        return json_pack("{s:s, s:s, s:s, s:[s,s], s:s, s:s, s:s, s:s}", "slug", slug, "knowledge_support",
                         fixture[KS], "title", "TW-filmen", "kinds", "film", "föreläsning", "audience",
                         "Socialtjänstens personal", "publisher", "TW", "description", "Ett material som testerna "
                         "skapar.", "url", "https://example.org/tw-film");
    case RESOURCE_COUNT:
        break;
    }
    return NULL;
}

/* Applies a merge patch (null members remove) to target; false when patch is not an object. */
static bool merge_into(json_t *target, const json_t *patch)
{
    const char *key;
    json_t *value;

    if (!json_is_object(patch))
        return false;
    json_object_foreach((json_t *)patch, key, value) {
        if (json_is_null(value))
            json_object_del(target, key);
        else
            json_object_set(target, key, value);
    }
    return true;
}

/* A body of exactly size bytes: {"slug":"...","description":"aaa..."}. */
static char *body_of_size(const char *slug, size_t size)
{
    char head[160];
    size_t head_length = (size_t)snprintf(head, sizeof(head), "{\"slug\":\"%s\",\"description\":\"", slug);
    char *body = malloc(size + 1);

    if (body == NULL || size < head_length + 2)
        return body;
    memcpy(body, head, head_length);
    memset(body + head_length, 'a', size - head_length - 2);
    memcpy(body + size - 2, "\"}", 3);
    return body;
}

/* ---- checks -------------------------------------------------------------- */

/* errors[] names exactly these fields (each at least once, and no other). */
static bool expect_fields(struct expectations *e, const struct http_response *r, const char *const *fields,
                          const char *label)
{
    json_t *errors = json_at(r->json, "errors");
    json_t *error;
    size_t i;
    bool ok = true;

    for (i = 0; fields[i] != NULL; i++)
        ok &= EXPECT(e, problem_names_field(r, fields[i]), "%s: errors[] does not name \"%s\": %.400s", label,
                     fields[i], r->body);
    ok &= EXPECT(e, json_is_array(errors) && json_array_size(errors) > 0, "%s: no errors[]: %.300s", label,
                 r->body);
    json_array_foreach(errors, i, error) {
        const char *named = json_string_value(json_object_get(error, "field"));
        bool expected = false;
        for (size_t j = 0; named != NULL && fields[j] != NULL; j++)
            expected = expected || strcmp(fields[j], named) == 0;
        ok &= EXPECT(e, expected, "%s: errors[] names \"%s\", which is not wrong", label, named ? named : "(none)");
        ok &= EXPECT(e, json_string_length(json_object_get(error, "message")) > 0, "%s: error %zu has no message",
                     label, i);
    }
    return ok;
}

/* ---- setup --------------------------------------------------------------- */

static int setup_group(void **state)
{
    const char *url = getenv("DATABASE_URL");
    const char *admin = getenv("ADMIN_KEY");
    const char *municipality = getenv("MUNICIPALITY_KEY");
    struct http_response r = { 0 };
    (void)state;

    if (url == NULL || admin == NULL || municipality == NULL) {
        fprintf(stderr, "# DATABASE_URL, ADMIN_KEY and MUNICIPALITY_KEY must be set (tests/run.sh sets them)\n");
        return -1;
    }
    if (!db_open(url))
        return -1;
    snprintf(admin_auth, sizeof(admin_auth), "Bearer %s", admin);
    snprintf(municipality_auth, sizeof(municipality_auth), "Bearer %s", municipality);
    if ((admin_key_id = key_id_of(admin)) < 0) {
        fprintf(stderr, "# ADMIN_KEY is not ik_<id>_<secret>\n");
        return -1;
    }
    key_name_of(admin, admin_key_name, sizeof(admin_key_name));
    run_tag(tag, sizeof(tag));
    /* The order matters: the later ones refer to the type and the knowledge support. */
    static const enum resource_id order[] = { TYPE, KS, METHOD, REC, INSTRUMENT, MATERIAL };
    for (size_t i = 0; i < RESOURCE_COUNT; i++) {
        enum resource_id id = order[i];
        snprintf(fixture[id], SLUG_MAX, "tw-fx-%s-%s", resources[id].short_name, tag);
        json_t *body = valid_body(id, fixture[id]);
        as_admin_json("POST", resources[id].path, "application/json", NULL, body, &r);
        json_decref(body);
        if (r.status != 201) {
            fprintf(stderr, "# creating the fixture %s failed: %ld %.300s\n", fixture[id], r.status, r.body);
            http_response_free(&r);
            return -1;
        }
    }
    http_response_free(&r);
    return 0;
}

static int teardown_group(void **state)
{
    static const enum resource_id order[] = { MATERIAL, INSTRUMENT, REC, METHOD, KS, TYPE };
    int failed = 0;
    (void)state;

    for (size_t i = 0; i < RESOURCE_COUNT; i++) {
        enum resource_id id = order[i];
        long status = fixture[id][0] ? delete_record(id, fixture[id]) : 404;
        if (status != 204 && status != 404) {
            fprintf(stderr, "# deleting the fixture %s failed: %ld\n", fixture[id], status);
            failed = -1;
        }
    }
    db_close();
    return failed;
}

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
    if (!EXPECT(e, is_quoted_etag(etag) && strlen(etag) < ETAG_MAX, "%s: ETag %s", label, etag ? etag : "(none)"))
        return false;
    EXPECT(e, old_etag == NULL || strcmp(etag, old_etag) != 0, "%s: the ETag did not change: %s", label, etag);
    snprintf(etag_out, ETAG_MAX, "%s", etag);
    if (body_out != NULL)
        *body_out = strdup(r->body);
    return true;
}

static void check_history(struct expectations *e, enum resource_id id, const char *slug, const char *const *actions,
                          const char *label)
{
    const struct resource *res = &resources[id];
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    size_t count = 0, i;
    json_t *item;

    while (actions[count] != NULL)
        count++;
    snprintf(path, sizeof(path), "%s/%s/history", res->path, slug);
    as_admin("GET", path, NULL, NULL, NULL, &r);
    if (!expect_json(e, &r, 200, label))
        goto done;
    json_t *items = json_at(r.json, "items");
    if (!EXPECT(e, json_array_size(items) == count, "%s: %zu history entries, wanted %zu: %.500s", label,
                json_array_size(items), count, r.body))
        goto done;
    EXPECT(e, json_is_null(json_at(r.json, "next")), "%s: history has a next page", label);
    json_array_foreach(items, i, item) {
        const char *action = json_string_value(json_object_get(item, "action"));
        EXPECT(e, action != NULL && strcmp(action, actions[i]) == 0, "%s: entry %zu is \"%s\", wanted \"%s\"",
               label, i, action ? action : "(none)", actions[i]);
        EXPECT(e, json_string_is(item, "entity", res->entity), "%s: entry %zu entity", label, i);
        EXPECT(e, json_string_is(item, "entity_id", slug), "%s: entry %zu entity_id", label, i);
        EXPECT(e, json_integer_value(json_at(item, "key.id")) == admin_key_id, "%s: entry %zu key.id", label, i);
        EXPECT(e, json_string_is(item, "key.name", admin_key_name), "%s: entry %zu key.name", label, i);
        EXPECT(e, json_is_string(json_object_get(item, "at")), "%s: entry %zu has no time", label, i);
        if (i > 0)
            EXPECT(e, json_integer_value(json_object_get(item, "id"))
                          < json_integer_value(json_object_get(json_array_get(items, i - 1), "id")),
                   "%s: entries not newest first", label);
        /* Each change starts from the state the previous one left. */
        if (i + 1 < count)
            EXPECT(e, json_equal(json_object_get(item, "before"),
                                 json_object_get(json_array_get(items, i + 1), "after")),
                   "%s: entry %zu's before is not entry %zu's after", label, i, i + 1);
        if (action != NULL && strcmp(action, "create") == 0)
            EXPECT(e, json_is_null(json_object_get(item, "before")) && json_string_is(item, "after.slug", slug),
                   "%s: create entry has before %s", label, "not null or after without the slug");
        else if (action != NULL && strcmp(action, "delete") == 0)
            EXPECT(e, json_is_null(json_object_get(item, "after")) && json_string_is(item, "before.slug", slug),
                   "%s: delete entry has after %s", label, "not null or before without the slug");
        else
            EXPECT(e, json_string_is(item, "before.slug", slug) && json_string_is(item, "after.slug", slug),
                   "%s: update entry without before and after", label);
    }
done:
    http_response_free(&r);
}

/* create -> GET -> PATCH -> PUT -> PATCH null -> history -> DELETE -> 404 -> history, for every resource. */
static void test_every_resource_round_trips(void **state)
{
    struct expectations e = { 0 };
    (void)state;

    for (enum resource_id id = 0; id < RESOURCE_COUNT; id++) {
        const struct resource *res = &resources[id];
        struct http_response r = { 0 };
        char slug[SLUG_MAX], path[PATH_MAX_LENGTH], label[LABEL_MAX];
        char created[ETAG_MAX], patched[ETAG_MAX], replaced[ETAG_MAX], nulled[ETAG_MAX];
        char *body = NULL;
        json_t *input;

        snprintf(slug, sizeof(slug), "tw-hp-%s-%s", res->short_name, tag);
        record_path(id, slug, path);

        /* POST */
        snprintf(label, sizeof(label), "POST %s", res->path);
        input = valid_body(id, slug);
        as_admin_json("POST", res->path, "application/json", NULL, input, &r);
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
        as_admin_json("PATCH", path, "application/merge-patch+json", created, patch, &r);
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
        get_with(path, line, &r);
        EXPECT(&e, r.status == 200 && r.body_length > 0, "GET %s with the pre-write ETag: %ld, wanted 200", path,
               r.status);
        snprintf(line, sizeof(line), "If-None-Match: %s", patched);
        get_with(path, line, &r);
        EXPECT(&e, r.status == 304, "GET %s with the current ETag: %ld, wanted 304", path, r.status);

        /* PUT the whole record */
        snprintf(label, sizeof(label), "PUT %s", path);
        json_object_set_new(input, res->text_field, json_string("TW ersatt"));
        as_admin_json("PUT", path, "application/json", patched, input, &r);
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
        as_admin_json("PATCH", path, "application/json", replaced, patch, &r);
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
        check_history(&e, id, slug, (const char *const[]){ "update", "update", "update", "create", NULL }, label);

        /* DELETE, then it is gone */
        snprintf(label, sizeof(label), "DELETE %s", path);
        as_admin("DELETE", path, NULL, nulled, NULL, &r);
        EXPECT(&e, r.status == 204 && r.body_length == 0, "%s: %ld %.200s, wanted 204 without a body", label,
               r.status, r.body);
        http_get(path, NULL, &r);
        snprintf(label, sizeof(label), "GET %s after DELETE", path);
        expect_problem(&e, &r, 404, "/problems/not-found", NULL, label);
        snprintf(label, sizeof(label), "DELETE %s again", path);
        as_admin("DELETE", path, NULL, nulled, NULL, &r);
        expect_problem(&e, &r, 404, "/problems/not-found", NULL, label);

        snprintf(label, sizeof(label), "history of %s after DELETE", path);
        check_history(&e, id, slug, (const char *const[]){ "delete", "update", "update", "update", "create", NULL },
                      label);
        EXPECT(&e, audit_count_for(res->entity, slug) == 5, "%s: %lld audit rows, wanted 5", path,
               audit_count_for(res->entity, slug));
        http_response_free(&r);
        delete_record(id, slug);
    }
    assert_int_equal(e.failed, 0);
}

/* ---- refused bodies, and other refused writes ------------------------------ */

/* One write that must be refused. */
struct write_row {
    const char *label;
    const char *method;          /* POST, PUT or PATCH */
    enum resource_id resource;
    const char *target;          /* the slug: NULL for a new one (POST) or the fixture (PUT, PATCH); "@fixture" */
    const char *merge;           /* POST, PUT: merged into a valid body (null members remove); PATCH: the body */
    const char *raw;             /* when not NULL, the body exactly */
    long status;
    const char *type;
    const char *fields[12];      /* errors[].field, exactly; empty when the problem has none to name */
};

#define INVALID 400, "/problems/invalid-body"
#define A10 "aaaaaaaaaa"
#define A100 A10 A10 A10 A10 A10 A10 A10 A10 A10 A10
#define ALL_METHOD_FIELDS "abbreviation", "name_sv", "name_en", "intervention_type", "age_min", "age_max", \
                          "format", "availability"

static const struct write_row invalid_rows[] = {
    /* unknown and missing fields */
    { "unknown field", "POST", METHOD, NULL, "{\"colour\": \"red\"}", NULL, INVALID, { "colour" } },
    { "two unknown fields", "POST", METHOD, NULL, "{\"colour\": \"red\", \"Size\": 1}", NULL, INVALID,
      { "colour", "Size" } },
    { "a field name in the wrong case", "POST", METHOD, NULL, "{\"Name_sv\": \"x\"}", NULL, INVALID, { "Name_sv" } },
    { "a document-only field", "POST", METHOD, NULL, "{\"updated_at\": \"2024-01-01T00:00:00Z\"}", NULL, INVALID,
      { "updated_at" } },
    { "empty object", "POST", METHOD, NULL, NULL, "{}", INVALID, { "slug", ALL_METHOD_FIELDS } },
    { "required fields null", "POST", TYPE, NULL, NULL, "{\"slug\": null, \"name_sv\": null, \"name_en\": null}",
      INVALID, { "slug", "name_sv", "name_en" } },
    { "only the slug", "POST", TYPE, NULL, NULL, "{\"slug\": \"tw-only-a-slug\"}", INVALID,
      { "name_sv", "name_en" } },
    { "required field missing", "POST", METHOD, NULL, "{\"format\": null}", NULL, INVALID, { "format" } },
    /* integers */
    { "integer as a string", "POST", METHOD, NULL, "{\"age_min\": \"3\"}", NULL, INVALID, { "age_min" } },
    { "integer with a fraction", "POST", METHOD, NULL, "{\"age_min\": 3.5}", NULL, INVALID, { "age_min" } },
    { "integer as 3.0", "POST", METHOD, NULL, "{\"age_min\": 3.0}", NULL, INVALID, { "age_min" } },
    { "integer as a boolean", "POST", METHOD, NULL, "{\"age_min\": true}", NULL, INVALID, { "age_min" } },
    { "age below 0", "POST", METHOD, NULL, "{\"age_min\": -1}", NULL, INVALID, { "age_min" } },
    { "age above 25", "POST", METHOD, NULL, "{\"age_max\": 26}", NULL, INVALID, { "age_max" } },
    { "huge integer", "POST", METHOD, NULL, "{\"age_max\": 9223372036854775807}", NULL, INVALID, { "age_max" } },
    { "huge negative integer", "POST", METHOD, NULL, "{\"age_min\": -9223372036854775807}", NULL, INVALID,
      { "age_min" } },
    { "age_max below age_min", "POST", METHOD, NULL, "{\"age_min\": 12, \"age_max\": 6}", NULL, INVALID,
      { "age_max" } },
    { "age_max below age_min (knowledge support)", "POST", KS, NULL, "{\"age_min\": 18, \"age_max\": 17}", NULL,
      INVALID, { "age_max" } },
    { "age_max below age_min (recommendation)", "POST", REC, NULL, "{\"age_min\": 7, \"age_max\": 6}", NULL,
      INVALID, { "age_max" } },
    { "age_max below age_min (instrument)", "POST", INSTRUMENT, NULL, "{\"age_min\": 25, \"age_max\": 0}", NULL,
      INVALID, { "age_max" } },
    { "age_min out of range and above age_max: only age_min is wrong", "POST", METHOD, NULL,
      "{\"age_min\": 26, \"age_max\": 25}", NULL, INVALID, { "age_min" } },
    { "age_max out of range and below age_min: only age_max is wrong", "POST", KS, NULL,
      "{\"age_min\": 5, \"age_max\": -1}", NULL, INVALID, { "age_max" } },
    { "published_year before 1990", "POST", KS, NULL, "{\"published_year\": 1989}", NULL, INVALID,
      { "published_year" } },
    { "published_year after 2100", "POST", KS, NULL, "{\"published_year\": 2101}", NULL, INVALID,
      { "published_year" } },
    { "rank above 1000", "POST", REC, NULL, "{\"rank\": 1001}", NULL, INVALID, { "rank" } },
    { "rank below 0", "POST", REC, NULL, "{\"rank\": -1}", NULL, INVALID, { "rank" } },
    /* slugs */
    { "slug with a space", "POST", METHOD, NULL, "{\"slug\": \"tw bad\"}", NULL, INVALID, { "slug" } },
    { "slug with upper case", "POST", METHOD, NULL, "{\"slug\": \"TW-Bad\"}", NULL, INVALID, { "slug" } },
    { "slug with a leading hyphen", "POST", METHOD, NULL, "{\"slug\": \"-tw\"}", NULL, INVALID, { "slug" } },
    { "slug with a trailing hyphen", "POST", METHOD, NULL, "{\"slug\": \"tw-\"}", NULL, INVALID, { "slug" } },
    { "slug with a double hyphen", "POST", METHOD, NULL, "{\"slug\": \"tw--bad\"}", NULL, INVALID, { "slug" } },
    { "slug with an underscore", "POST", METHOD, NULL, "{\"slug\": \"tw_bad\"}", NULL, INVALID, { "slug" } },
    { "slug with a slash", "POST", METHOD, NULL, "{\"slug\": \"tw/bad\"}", NULL, INVALID, { "slug" } },
    { "slug with non-ASCII letters", "POST", METHOD, NULL, "{\"slug\": \"tw-åäö\"}", NULL, INVALID, { "slug" } },
    { "empty slug", "POST", METHOD, NULL, "{\"slug\": \"\"}", NULL, INVALID, { "slug" } },
    { "slug of 65 characters", "POST", METHOD, NULL, "{\"slug\": \"" A10 A10 A10 A10 A10 A10 "aaaaa\"}", NULL,
      INVALID, { "slug" } },
    { "slug as a number", "POST", METHOD, NULL, "{\"slug\": 5}", NULL, INVALID, { "slug" } },
    { "reference that is not a slug", "POST", METHOD, NULL, "{\"intervention_type\": \"Not A Slug\"}", NULL,
      INVALID, { "intervention_type" } },
    { "reference as a number", "POST", METHOD, NULL, "{\"intervention_type\": 7}", NULL, INVALID,
      { "intervention_type" } },
    { "reference as an object", "POST", REC, NULL, "{\"knowledge_support\": {\"slug\": \"x\"}}", NULL, INVALID,
      { "knowledge_support" } },
    /* text */
    { "empty required text", "POST", METHOD, NULL, "{\"name_sv\": \"\"}", NULL, INVALID, { "name_sv" } },
    { "text over its limit", "POST", METHOD, NULL, "{\"name_sv\": \"" A100 A100 "a\"}", NULL, INVALID,
      { "name_sv" } },
    { "abbreviation over 40 bytes", "POST", METHOD, NULL, "{\"abbreviation\": \"" A10 A10 A10 A10 "a\"}", NULL,
      INVALID, { "abbreviation" } },
    { "text with a control character", "POST", METHOD, NULL, "{\"name_sv\": \"TW\\u0001\"}", NULL, INVALID,
      { "name_sv" } },
    { "text with DEL", "POST", METHOD, NULL, "{\"name_en\": \"TW\\u007f\"}", NULL, INVALID, { "name_en" } },
    { "text as an array", "POST", METHOD, NULL, "{\"description\": [\"x\"]}", NULL, INVALID, { "description" } },
    { "text as an object", "POST", METHOD, NULL, "{\"description\": {\"sv\": \"x\"}}", NULL, INVALID,
      { "description" } },
    { "text as a number", "POST", TYPE, NULL, "{\"name_en\": 12}", NULL, INVALID, { "name_en" } },
    /* choices and booleans */
    { "availability not a choice", "POST", METHOD, NULL, "{\"availability\": \"kanske\"}", NULL, INVALID,
      { "availability" } },
    { "availability in the wrong case", "POST", METHOD, NULL, "{\"availability\": \"Planerad\"}", NULL, INVALID,
      { "availability" } },
    { "boolean as a string", "POST", METHOD, NULL, "{\"swedish_presenter_2023\": \"yes\"}", NULL, INVALID,
      { "swedish_presenter_2023" } },
    { "boolean as 1", "POST", METHOD, NULL, "{\"swedish_presenter_2023\": 1}", NULL, INVALID,
      { "swedish_presenter_2023" } },
    { "strength not a choice", "POST", REC, NULL, "{\"strength\": \"should\"}", NULL, INVALID, { "strength" } },
    /* URLs */
    { "url with another scheme", "POST", KS, NULL, "{\"url\": \"ftp://example.org/x\"}", NULL, INVALID, { "url" } },
    { "url with only a scheme", "POST", KS, NULL, "{\"url\": \"https://\"}", NULL, INVALID, { "url" } },
    { "url that is script", "POST", MATERIAL, NULL, "{\"url\": \"javascript:alert(1)\"}", NULL, INVALID, { "url" } },
    { "url as a number", "POST", MATERIAL, NULL, "{\"url\": 80}", NULL, INVALID, { "url" } },
    { "url over 500 bytes", "POST", KS, NULL, "{\"url\": \"https://" A100 A100 A100 A100 A100 "\"}", NULL, INVALID,
      { "url" } },
    /* arrays */
    { "kinds empty", "POST", MATERIAL, NULL, "{\"kinds\": []}", NULL, INVALID, { "kinds" } },
    { "kinds repeated", "POST", MATERIAL, NULL, "{\"kinds\": [\"film\", \"film\"]}", NULL, INVALID, { "kinds" } },
    { "kinds not a choice", "POST", MATERIAL, NULL, "{\"kinds\": [\"film\", \"video\"]}", NULL, INVALID,
      { "kinds" } },
    { "kinds as a string", "POST", MATERIAL, NULL, "{\"kinds\": \"film\"}", NULL, INVALID, { "kinds" } },
    { "kinds with a number", "POST", MATERIAL, NULL, "{\"kinds\": [1]}", NULL, INVALID, { "kinds" } },
    { "other_names with 11 items", "POST", INSTRUMENT, NULL,
      "{\"other_names\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\", \"j\", \"k\"]}", NULL,
      INVALID, { "other_names" } },
    { "other_names with an empty name", "POST", INSTRUMENT, NULL, "{\"other_names\": [\"\"]}", NULL, INVALID,
      { "other_names" } },
    { "other_names repeated", "POST", INSTRUMENT, NULL, "{\"other_names\": [\"x\", \"x\"]}", NULL, INVALID,
      { "other_names" } },
    { "other_names with a number", "POST", INSTRUMENT, NULL, "{\"other_names\": [\"x\", 2]}", NULL, INVALID,
      { "other_names" } },
    { "other_names with a long name", "POST", INSTRUMENT, NULL, "{\"other_names\": [\"" A100 "a\"]}", NULL, INVALID,
      { "other_names" } },
    /* many at once: every one is named */
    { "four problems at once", "POST", METHOD, NULL,
      "{\"slug\": \"Bad\", \"age_min\": \"x\", \"colour\": 1, \"format\": null}", NULL, INVALID,
      { "slug", "age_min", "colour", "format" } },
    { "every field wrong", "POST", TYPE, NULL, NULL,
      "{\"slug\": 1, \"name_sv\": 2, \"name_en\": [], \"description\": {}, \"extra\": true}", INVALID,
      { "slug", "name_sv", "name_en", "description", "extra" } },
    /* PUT */
    { "PUT changing the slug", "PUT", METHOD, NULL, "{\"slug\": \"tw-another-slug\"}", NULL, INVALID, { "slug" } },
    { "PUT with an invalid slug", "PUT", METHOD, NULL, "{\"slug\": \"Not A Slug\"}", NULL, INVALID, { "slug" } },
    { "PUT missing a required field", "PUT", METHOD, NULL, "{\"name_sv\": null}", NULL, INVALID, { "name_sv" } },
    { "PUT with age_max below age_min", "PUT", METHOD, NULL, "{\"age_min\": 13}", NULL, INVALID, { "age_max" } },
    { "PUT with an unknown field", "PUT", INSTRUMENT, NULL, "{\"pilot_survey\": null, \"aliases\": []}", NULL,
      INVALID, { "aliases" } },
    { "PUT of the slug alone", "PUT", METHOD, "@fixture", NULL, "{\"slug\": \"@fixture\"}", INVALID,
      { ALL_METHOD_FIELDS } },
    /* PATCH */
    { "PATCH changing the slug", "PATCH", METHOD, NULL, "{\"slug\": \"tw-another-slug\"}", NULL, INVALID,
      { "slug" } },
    { "PATCH changing the slug of a material", "PATCH", MATERIAL, NULL, "{\"slug\": \"fft\"}", NULL, INVALID,
      { "slug" } },
    { "PATCH removing the slug", "PATCH", METHOD, NULL, "{\"slug\": null}", NULL, INVALID, { "slug" } },
    { "PATCH removing a required field", "PATCH", METHOD, NULL, "{\"name_sv\": null}", NULL, INVALID,
      { "name_sv" } },
    { "PATCH removing a required reference", "PATCH", REC, NULL, "{\"intervention_type\": null}", NULL, INVALID,
      { "intervention_type" } },
    { "PATCH making age_max below the stored age_min", "PATCH", METHOD, NULL, "{\"age_min\": 20}", NULL, INVALID,
      { "age_max" } },
    { "PATCH with an unknown field", "PATCH", METHOD, NULL, "{\"colour\": \"red\"}", NULL, INVALID, { "colour" } },
    { "PATCH with two bad values", "PATCH", METHOD, NULL, "{\"age_min\": \"x\", \"format\": \"\"}", NULL, INVALID,
      { "age_min", "format" } },
    { "PATCH with a nested object", "PATCH", KS, NULL, "{\"title\": {\"sv\": \"x\"}}", NULL, INVALID, { "title" } },
    { "PATCH with a bad kinds", "PATCH", MATERIAL, NULL, "{\"kinds\": []}", NULL, INVALID, { "kinds" } },
};

static const struct write_row conflict_rows[] = {
    /* 409: the slug is taken */
    { "duplicate knowledge support", "POST", KS, "@fixture", NULL, NULL, 409, "/problems/duplicate", { "slug" } },
    { "duplicate intervention type", "POST", TYPE, "@fixture", NULL, NULL, 409, "/problems/duplicate", { "slug" } },
    { "duplicate recommendation", "POST", REC, "@fixture", NULL, NULL, 409, "/problems/duplicate", { "slug" } },
    { "duplicate method", "POST", METHOD, "@fixture", NULL, NULL, 409, "/problems/duplicate", { "slug" } },
    { "duplicate instrument", "POST", INSTRUMENT, "@fixture", NULL, NULL, 409, "/problems/duplicate", { "slug" } },
    { "duplicate material", "POST", MATERIAL, "@fixture", NULL, NULL, 409, "/problems/duplicate", { "slug" } },
    { "seeded method slug", "POST", METHOD, "fft", NULL, NULL, 409, "/problems/duplicate", { "slug" } },
    { "seeded intervention type slug", "POST", TYPE, "familjebehandling", NULL, NULL, 409, "/problems/duplicate",
      { "slug" } },
    { "seeded knowledge support slug", "POST", KS, "normbrytande-beteende-2021", NULL, NULL, 409,
      "/problems/duplicate", { "slug" } },
    /* 422: a reference to nothing */
    { "method of a missing type", "POST", METHOD, NULL, "{\"intervention_type\": \"tw-no-such-type\"}", NULL, 422,
      "/problems/unresolved-reference", { "intervention_type" } },
    { "recommendation of a missing knowledge support", "POST", REC, NULL,
      "{\"knowledge_support\": \"tw-no-such-support\"}", NULL, 422, "/problems/unresolved-reference",
      { "knowledge_support" } },
    { "recommendation of a missing type", "POST", REC, NULL, "{\"intervention_type\": \"tw-no-such-type\"}", NULL,
      422, "/problems/unresolved-reference", { "intervention_type" } },
    { "material of a missing knowledge support", "POST", MATERIAL, NULL,
      "{\"knowledge_support\": \"tw-no-such-support\"}", NULL, 422, "/problems/unresolved-reference",
      { "knowledge_support" } },
    { "reference to a record of another kind", "POST", METHOD, NULL, "{\"intervention_type\": \"fft\"}", NULL, 422,
      "/problems/unresolved-reference", { "intervention_type" } },
    { "PUT to a missing type", "PUT", METHOD, NULL, "{\"intervention_type\": \"tw-no-such-type\"}", NULL, 422,
      "/problems/unresolved-reference", { "intervention_type" } },
    { "PATCH to a missing type", "PATCH", METHOD, NULL, "{\"intervention_type\": \"tw-no-such-type\"}", NULL, 422,
      "/problems/unresolved-reference", { "intervention_type" } },
    { "PATCH to a missing knowledge support", "PATCH", MATERIAL, NULL,
      "{\"knowledge_support\": \"tw-no-such-support\"}", NULL, 422, "/problems/unresolved-reference",
      { "knowledge_support" } },
    /* 404: nothing to write to (PUT does not create) */
    { "PUT to a missing record", "PUT", TYPE, "tw-no-such-record", NULL, NULL, 404, "/problems/not-found", { NULL } },
    { "PATCH of a missing record", "PATCH", TYPE, "tw-no-such-record", "{\"name_sv\": \"x\"}", NULL, 404,
      "/problems/not-found", { NULL } },
    { "PATCH of a path that is not a slug", "PATCH", TYPE, "Not_A_Slug", "{\"name_sv\": \"x\"}", NULL, 404,
      "/problems/not-found", { NULL } },
    { "PUT to a path that is not a slug", "PUT", METHOD, "FFT", NULL, NULL, 404, "/problems/not-found", { NULL } },
};

/* Fills path and body for a row; returns false when the body cannot be built. */
static bool build_row(const struct write_row *row, char path[PATH_MAX_LENGTH], char **body)
{
    const struct resource *res = &resources[row->resource];
    char slug[SLUG_MAX];
    bool is_post = strcmp(row->method, "POST") == 0;

    if (row->target == NULL && is_post)
        snprintf(slug, sizeof(slug), "tw-refused-%s", tag);
    else if (row->target == NULL)
        snprintf(slug, sizeof(slug), "%s", fixture[row->resource]);
    else if (strcmp(row->target, "@fixture") == 0)
        snprintf(slug, sizeof(slug), "%s", fixture[row->resource]);
    else
        snprintf(slug, sizeof(slug), "%s", row->target);
    if (is_post)
        snprintf(path, PATH_MAX_LENGTH, "%s", res->path);
    else
        record_path(row->resource, slug, path);

    if (row->raw != NULL) {
        /* "@fixture" inside a raw body stands for the fixture's slug. */
        const char *at = strstr(row->raw, "@fixture");
        if (at == NULL)
            *body = strdup(row->raw);
        else if (asprintf(body, "%.*s%s%s", (int)(at - row->raw), row->raw, fixture[row->resource],
                          at + strlen("@fixture")) < 0)
            *body = NULL;
        return *body != NULL;
    }
    if (strcmp(row->method, "PATCH") == 0) {
        *body = strdup(row->merge ? row->merge : "{}");
        return *body != NULL;
    }
    json_t *whole = valid_body(row->resource, slug);
    json_t *patch = row->merge ? json_loads(row->merge, 0, NULL) : json_object();
    bool ok = whole != NULL && patch != NULL && merge_into(whole, patch);
    *body = ok ? json_dumps(whole, JSON_COMPACT) : NULL;
    json_decref(whole);
    json_decref(patch);
    return *body != NULL;
}

static void run_write_rows(struct expectations *e, const struct write_row *rows, size_t count)
{
    struct http_response r = { 0 };

    for (size_t i = 0; i < count; i++) {
        const struct write_row *row = &rows[i];
        char path[PATH_MAX_LENGTH], etag[ETAG_MAX], label[LABEL_MAX];
        char *body = NULL;
        char *before = db_state();

        snprintf(label, sizeof(label), "%s (%s %s)", row->label, row->method, resources[row->resource].path);
        if (!EXPECT(e, build_row(row, path, &body), "%s: the row's body does not parse", label)) {
            free(before);
            continue;
        }
        if (!current_etag(path, NULL, etag))
            snprintf(etag, sizeof(etag), "*");   /* a record that does not exist: any tag */
        as_admin(row->method, path, strcmp(row->method, "PATCH") == 0 ? "application/merge-patch+json"
                                                                       : "application/json",
                 strcmp(row->method, "POST") == 0 ? NULL : etag, body, &r);
        if (expect_problem(e, &r, row->status, row->type, NULL, label) && row->fields[0] != NULL)
            expect_fields(e, &r, row->fields, label);
        expect_unchanged(e, db_state, before, label);
        free(body);
        free(before);
    }
    http_response_free(&r);
}

/* 400 /problems/invalid-body naming every bad field, and nothing written. */
static void test_invalid_bodies_name_every_field(void **state)
{
    struct expectations e = { 0 };
    (void)state;
    run_write_rows(&e, invalid_rows, sizeof(invalid_rows) / sizeof(invalid_rows[0]));
    assert_int_equal(e.failed, 0);
}

/* 409 duplicate, 422 unresolved reference and 404, and nothing written. */
static void test_conflicts_and_missing_references(void **state)
{
    struct expectations e = { 0 };
    (void)state;
    run_write_rows(&e, conflict_rows, sizeof(conflict_rows) / sizeof(conflict_rows[0]));
    assert_int_equal(e.failed, 0);
}

/* Bodies that are not a JSON object at all: one error, for "(body)", on POST, PUT and PATCH. */
static void test_malformed_bodies(void **state)
{
    static const struct {
        const char *label;
        const char *body;
    } rows[] = {
        { "empty body", "" },
        { "only blanks", "   \r\n" },
        { "truncated object", "{\"slug\": \"tw-x\"" },
        { "a lone brace", "{" },
        { "trailing comma", "{\"slug\": \"tw-x\",}" },
        { "single quotes", "{'slug': 'tw-x'}" },
        { "unquoted key", "{slug: \"tw-x\"}" },
        { "an empty array", "[]" },
        { "an array of an object", "[{\"slug\": \"tw-x\"}]" },
        { "a number", "42" },
        { "a string", "\"tw-x\"" },
        { "null", "null" },
        { "true", "true" },
        { "a repeated key", "{\"name_sv\": \"a\", \"name_sv\": \"b\"}" },
        { "two objects", "{} {}" },
        { "trailing text", "{}x" },
        { "an escaped NUL", "{\"name_sv\": \"a\\u0000b\"}" },
        { "a lone surrogate", "{\"name_sv\": \"\\ud800\"}" },
        { "invalid UTF-8", "{\"name_sv\": \"\xff\xfe\"}" },
        { "an overlong UTF-8 sequence", "{\"name_sv\": \"\xc0\xaf\"}" },
        { "a UTF-8 byte order mark", "\xef\xbb\xbf{\"name_sv\": \"x\"}" },
        { "a number too big for an integer", "{\"age_min\": 99999999999999999999999}" },
        { "NaN", "{\"age_min\": NaN}" },
        { "a comment", "{/* x */}" },
    };
    static const char *const body_field[] = { "(body)", NULL };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char fixture_path[PATH_MAX_LENGTH], etag[ETAG_MAX], label[LABEL_MAX];
    (void)state;

    record_path(METHOD, fixture[METHOD], fixture_path);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        static const char *const methods[] = { "POST", "PUT", "PATCH" };
        for (size_t m = 0; m < 3; m++) {
            bool is_post = m == 0;
            char *before = db_state();
            snprintf(label, sizeof(label), "%s (%s)", rows[i].label, methods[m]);
            current_etag(fixture_path, NULL, etag);
            as_admin(methods[m], is_post ? resources[METHOD].path : fixture_path,
                     m == 2 ? "application/merge-patch+json" : "application/json", is_post ? NULL : etag,
                     rows[i].body, &r);
            if (expect_problem(&e, &r, 400, "/problems/invalid-body", NULL, label))
                expect_fields(&e, &r, body_field, label);
            expect_unchanged(&e, db_state, before, label);
            free(before);
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* 415 for anything but JSON (and merge patches for PATCH); JSON with parameters or in upper case is fine. */
static void test_content_types(void **state)
{
    static const struct {
        const char *method;
        const char *content_type;   /* NULL: none */
        long status;
    } rows[] = {
        { "POST", "text/plain", 415 },
        { "POST", NULL, 415 },
        { "POST", "application/x-www-form-urlencoded", 415 },
        { "POST", "multipart/form-data; boundary=x", 415 },
        { "POST", "text/json", 415 },
        { "POST", "application/jsonx", 415 },
        { "POST", "application/json-patch+json", 415 },
        { "POST", "application/merge-patch+json", 415 },
        { "POST", "application/problem+json", 415 },
        { "POST", "application/json; charset=utf-8", 201 },
        { "POST", "Application/JSON", 201 },
        { "PUT", "text/plain", 415 },
        { "PUT", NULL, 415 },
        { "PUT", "application/merge-patch+json", 415 },
        { "PUT", "application/json;charset=UTF-8", 200 },
        { "PATCH", "text/plain", 415 },
        { "PATCH", NULL, 415 },
        { "PATCH", "application/json-patch+json", 415 },
        { "PATCH", "application/x-www-form-urlencoded", 415 },
        { "PATCH", "application/merge-patch+json", 200 },
        { "PATCH", "application/merge-patch+json; charset=utf-8", 200 },
        { "PATCH", "application/json", 200 },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char fixture_path[PATH_MAX_LENGTH], etag[ETAG_MAX], label[LABEL_MAX], slug[SLUG_MAX];
    (void)state;

    record_path(TYPE, fixture[TYPE], fixture_path);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bool is_post = strcmp(rows[i].method, "POST") == 0;
        char *before = db_state();
        char *body;
        json_t *json;

        snprintf(label, sizeof(label), "%s with Content-Type %s", rows[i].method,
                 rows[i].content_type ? rows[i].content_type : "(none)");
        snprintf(slug, sizeof(slug), "tw-ct-%zu-%s", i, tag);
        if (is_post)
            json = valid_body(TYPE, slug);
        else if (strcmp(rows[i].method, "PUT") == 0)
            json = valid_body(TYPE, fixture[TYPE]);
        else
            json = json_pack("{s:s}", "description", "TW via PATCH");
        body = json_dumps(json, JSON_COMPACT);
        json_decref(json);
        current_etag(fixture_path, NULL, etag);
        as_admin(rows[i].method, is_post ? resources[TYPE].path : fixture_path, rows[i].content_type,
                 is_post ? NULL : etag, body, &r);
        if (rows[i].status == 415) {
            expect_problem(&e, &r, 415, "/problems/unsupported-media-type", NULL, label);
            expect_unchanged(&e, db_state, before, label);
        } else {
            expect_json(&e, &r, rows[i].status, label);
        }
        if (is_post)
            delete_record(TYPE, slug);
        free(body);
        free(before);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* 413 for a body over 1 MiB; exactly 1 MiB is read (and refused for its content, not its size). */
static void test_body_size_limit(void **state)
{
    static const struct {
        const char *method;
        size_t size;
        long status;
        const char *type;
    } rows[] = {
        { "POST", MIB + 1, 413, "/problems/body-too-large" },
        { "POST", 4 * MIB, 413, "/problems/body-too-large" },
        { "PUT", MIB + 1, 413, "/problems/body-too-large" },
        { "PATCH", MIB + 1, 413, "/problems/body-too-large" },
        { "POST", MIB, 400, "/problems/invalid-body" },   /* description over 10000 bytes, fields missing */
        { "PATCH", MIB, 400, "/problems/invalid-body" },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char fixture_path[PATH_MAX_LENGTH], etag[ETAG_MAX], label[LABEL_MAX], slug[SLUG_MAX];
    (void)state;

    record_path(METHOD, fixture[METHOD], fixture_path);
    snprintf(slug, sizeof(slug), "tw-big-%s", tag);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bool is_post = strcmp(rows[i].method, "POST") == 0;
        char *before = db_state();
        char *body = body_of_size(is_post ? slug : fixture[METHOD], rows[i].size);

        snprintf(label, sizeof(label), "%s of %zu bytes", rows[i].method, rows[i].size);
        current_etag(fixture_path, NULL, etag);
        as_admin(rows[i].method, is_post ? resources[METHOD].path : fixture_path, "application/json",
                 is_post ? NULL : etag, body, &r);
        if (expect_problem(&e, &r, rows[i].status, rows[i].type, NULL, label) && rows[i].status == 400)
            EXPECT(&e, problem_names_field(&r, "description"), "%s: description not named", label);
        expect_unchanged(&e, db_state, before, label);
        free(body);
        free(before);
    }
    http_response_free(&r);
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
        record_path(id, fixture[id], path);
        for (size_t m = 0; m < 3; m++) {
            char *before = db_state();
            json_t *json = m == 0 ? valid_body(id, fixture[id]) : json_object();
            char *body = m == 2 ? NULL : json_dumps(json, JSON_COMPACT);
            snprintf(label, sizeof(label), "%s %s without If-Match", methods[m], path);
            as_admin(methods[m], path, "application/json", NULL, body, &r);
            expect_problem(&e, &r, 428, "/problems/precondition-required", NULL, label);
            expect_unchanged(&e, db_state, before, label);
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

    record_path(METHOD, fixture[METHOD], path);
    assert_true(current_etag(path, NULL, old_etag));
    as_admin("PATCH", path, "application/merge-patch+json", old_etag, "{\"format\": \"TW format 1\"}", &r);
    assert_int_equal(r.status, 200);
    assert_true(current_etag(path, NULL, etag));
    assert_string_not_equal(etag, old_etag);

    snprintf(weak, sizeof(weak), "W/%s", etag);
    snprintf(bare, sizeof(bare), "%.*s", (int)strlen(etag) - 2, etag + 1);
    snprintf(stale_list, sizeof(stale_list), "%s, \"0123\"", old_etag);
    snprintf(good_list, sizeof(good_list), "\"0123\", %s", etag);
    json_t *put_json = valid_body(METHOD, fixture[METHOD]);
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
        char *before = db_state();
        const char *body = strcmp(rows[i].method, "PUT") == 0 ? put_body
                           : strcmp(rows[i].method, "PATCH") == 0 ? "{\"format\": \"TW stale\"}" : NULL;
        snprintf(label, sizeof(label), "%s (If-Match: %s)", rows[i].label, rows[i].if_match);
        as_admin(rows[i].method, path, strcmp(rows[i].method, "PATCH") == 0 ? "application/merge-patch+json"
                                                                            : "application/json",
                 rows[i].if_match, body, &r);
        expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, label);
        expect_unchanged(&e, db_state, before, label);
        free(before);
    }
    char now[ETAG_MAX];
    EXPECT(&e, current_etag(path, NULL, now) && strcmp(now, etag) == 0, "the record changed after refused writes");

    /* A list holding the current tag, and "*", do match. */
    as_admin("PATCH", path, "application/merge-patch+json", good_list, "{\"format\": \"TW format 2\"}", &r);
    expect_json(&e, &r, 200, "PATCH with a list holding the current ETag");
    as_admin("PATCH", path, "application/merge-patch+json", "*", "{\"format\": \"TW format 3\"}", &r);
    expect_json(&e, &r, 200, "PATCH with If-Match: *");

    /* A lost update is prevented: B read before A wrote; B's PUT is refused and A's change stays. */
    char read_by_both[ETAG_MAX];
    current_etag(path, NULL, read_by_both);
    as_admin("PATCH", path, "application/merge-patch+json", read_by_both, "{\"format\": \"TW by A\"}", &r);
    expect_json(&e, &r, 200, "A's PATCH");
    as_admin("PUT", path, "application/json", read_by_both, put_body, &r);
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

    record_path(METHOD, fixture[METHOD], path);
    record_path(TYPE, fixture[TYPE], type_path);
    assert_true(current_etag(path, NULL, before));
    assert_true(current_etag("/v1/methods?limit=200", NULL, list_before));
    assert_true(current_etag(type_path, NULL, type_before));
    /* Warm any cache with a conditional GET first. */
    snprintf(line, sizeof(line), "If-None-Match: %s", before);
    get_with(path, line, &r);
    EXPECT(&e, r.status == 304, "GET with the current ETag: %ld, wanted 304", r.status);

    as_admin("PATCH", path, "application/merge-patch+json", before, "{\"name_sv\": \"TW nytt namn\"}", &r);
    expect_json(&e, &r, 200, "PATCH name_sv");

    get_with(path, line, &r);
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
    get_with("/v1/methods?limit=200", line, &r);
    EXPECT(&e, r.status == 200, "list GET with the pre-write ETag: %ld, wanted 200", r.status);
    /* The type's document embeds the type's methods by slug only; a name change leaves it alone. */
    EXPECT(&e, current_etag(type_path, NULL, type_after) && strcmp(type_after, type_before) == 0,
           "the intervention type's ETag changed though its document did not");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- references ----------------------------------------------------------- */

/* 409 /problems/still-referenced with the referrers, for deleting what others name; nothing changes. */
static void test_delete_of_a_referenced_record(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], etag[ETAG_MAX], label[LABEL_MAX];
    (void)state;

    json_t *type_referrers = json_pack("[{s:s, s:s}, {s:s, s:s}]", "entity", "method", "id", fixture[METHOD],
                                       "entity", "recommendation", "id", fixture[REC]);
    json_t *ks_referrers = json_pack("[{s:s, s:s}, {s:s, s:s}]", "entity", "material", "id", fixture[MATERIAL],
                                     "entity", "recommendation", "id", fixture[REC]);
    json_t *seeded_type = json_pack("[{s:s,s:s}, {s:s,s:s}, {s:s,s:s}, {s:s,s:s}, {s:s,s:s}]", "entity", "method",
                                    "id", "bsft", "entity", "method", "id", "fft", "entity", "method", "id", "mdft",
                                    "entity", "method", "id", "mst", "entity", "recommendation", "id",
                                    "familjebehandling-12-17");
    json_t *seeded_method = json_pack("[{s:s, s:s}]", "entity", "survey_result", "id", "FFT");
    json_t *seeded_instrument = json_pack("[{s:s, s:s}]", "entity", "survey_result", "id", "SAVRY");
    const struct {
        enum resource_id resource;
        const char *slug;
        json_t *referrers;
    } rows[] = {
        { TYPE, "familjebehandling", seeded_type },
        { TYPE, fixture[TYPE], type_referrers },
        { KS, fixture[KS], ks_referrers },
        { METHOD, "fft", seeded_method },
        { INSTRUMENT, "savry", seeded_instrument },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *before = db_state();
        record_path(rows[i].resource, rows[i].slug, path);
        snprintf(label, sizeof(label), "DELETE %s", path);
        if (!EXPECT(&e, current_etag(path, NULL, etag), "%s: cannot read it", label)) {
            free(before);
            continue;
        }
        as_admin("DELETE", path, NULL, etag, NULL, &r);
        if (expect_problem(&e, &r, 409, "/problems/still-referenced", NULL, label)) {
            char *got = json_dumps(json_at(r.json, "referrers"), JSON_COMPACT);
            EXPECT(&e, json_equal(json_at(r.json, "referrers"), rows[i].referrers), "%s: referrers %s", label,
                   got ? got : "(none)");
            free(got);
        }
        expect_unchanged(&e, db_state, before, label);
        char now[ETAG_MAX];
        EXPECT(&e, current_etag(path, NULL, now) && strcmp(now, etag) == 0, "%s: the record changed", label);
        free(before);
    }
    json_decref(type_referrers);
    json_decref(ks_referrers);
    json_decref(seeded_type);
    json_decref(seeded_method);
    json_decref(seeded_instrument);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Writes take no query parameters (one named like the path key would shadow it); nothing changes. */
static void test_writes_refuse_query_parameters(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char fixture_path[PATH_MAX_LENGTH], path[2 * PATH_MAX_LENGTH], etag[ETAG_MAX], label[LABEL_MAX],
        slug[SLUG_MAX];
    (void)state;

    record_path(TYPE, fixture[TYPE], fixture_path);
    snprintf(slug, sizeof(slug), "tw-query-%s", tag);
    json_t *json = valid_body(TYPE, slug);
    char *post_body = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    json = valid_body(TYPE, fixture[TYPE]);
    char *put_body = json_dumps(json, JSON_COMPACT);
    json_decref(json);

    const struct {
        const char *method;
        bool on_fixture;
        const char *query;
        const char *field;
    } rows[] = {
        { "POST", false, "?colour=red", "colour" },
        { "POST", false, "?slug=tw-elsewhere", "slug" },
        { "PUT", true, "?dry_run=true", "dry_run" },
        { "PUT", true, "?slug=familjebehandling", "slug" },
        { "PATCH", true, "?slug=familjebehandling", "slug" },
        { "PATCH", true, "?x", "x" },
        { "DELETE", true, "?force=true", "force" },
        { "DELETE", true, "?slug=familjebehandling", "slug" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *before = db_state();
        const char *body = strcmp(rows[i].method, "POST") == 0 ? post_body
                           : strcmp(rows[i].method, "PUT") == 0 ? put_body
                           : strcmp(rows[i].method, "PATCH") == 0 ? "{\"name_sv\": \"TW med parameter\"}" : NULL;
        snprintf(path, sizeof(path), "%s%s", rows[i].on_fixture ? fixture_path : resources[TYPE].path,
                 rows[i].query);
        snprintf(label, sizeof(label), "%s %s", rows[i].method, path);
        current_etag(fixture_path, NULL, etag);
        as_admin(rows[i].method, path, "application/json", rows[i].on_fixture ? etag : NULL, body, &r);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", rows[i].field, label);
        expect_unchanged(&e, db_state, before, label);
        free(before);
        delete_record(TYPE, slug);
    }
    EXPECT(&e, current_etag("/v1/intervention-types/familjebehandling", NULL, etag), "familjebehandling is gone");
    free(post_body);
    free(put_body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* A Swedish organisation number (ten digits, Luhn check digit) made from seed. */
static void organisation_number(unsigned long seed, char out[11])
{
    int sum = 0;

    snprintf(out, 11, "55%07lu", seed % 10000000UL);
    for (int i = 0; i < 9; i++) {
        int d = out[i] - '0';
        sum += i % 2 == 0 ? (d * 2) / 10 + (d * 2) % 10 : d;
    }
    out[9] = (char)('0' + (10 - sum % 10) % 10);
    out[10] = '\0';
}

/* Deletes what a path names, with the ETag a GET gives; returns the DELETE's status. */
static long delete_path(const char *path)
{
    struct http_response r = { 0 };
    char etag[ETAG_MAX];
    long status = 404;

    if (current_etag(path, NULL, etag)) {
        as_admin("DELETE", path, NULL, etag, NULL, &r);
        status = r.status;
    }
    http_response_free(&r);
    return status;
}

/* A method that a provider's offering names cannot be deleted either, and the offering is listed. */
static void test_delete_of_a_method_with_offerings(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char slug[SLUG_MAX], method_path[PATH_MAX_LENGTH], provider_path[PATH_MAX_LENGTH] = "",
        offering_path[PATH_MAX_LENGTH] = "", etag[ETAG_MAX], number[11];
    long long offering_id = 0;
    (void)state;

    snprintf(slug, sizeof(slug), "tw-offered-%s", tag);
    record_path(METHOD, slug, method_path);
    json_t *body = valid_body(METHOD, slug);
    as_admin_json("POST", resources[METHOD].path, "application/json", NULL, body, &r);
    json_decref(body);
    EXPECT(&e, r.status == 201, "POST method: %ld %.200s", r.status, r.body);

    organisation_number(strtoul(tag, NULL, 16), number);
    body = json_pack("{s:s, s:s, s:s, s:s}", "name", "TW-utföraren", "organisation_number", number, "kind", "privat",
                     "home_county", "01");
    as_admin_json("POST", "/v1/providers", "application/json", NULL, body, &r);
    json_decref(body);
    if (EXPECT(&e, r.status == 201 && http_header(&r, "Location") != NULL, "POST provider: %ld %.300s", r.status,
               r.body))
        snprintf(provider_path, sizeof(provider_path), "%s", http_header(&r, "Location"));
    long long provider_id = json_integer_value(json_object_get(r.json, "id"));

    body = json_pack("{s:I, s:s, s:s, s:s}", "provider_id", (json_int_t)provider_id, "method", slug, "delivery",
                     "digitalt", "valid_from", "2025-01-01");
    as_admin_json("POST", "/v1/offerings", "application/json", NULL, body, &r);
    json_decref(body);
    if (EXPECT(&e, r.status == 201 && http_header(&r, "Location") != NULL, "POST offering: %ld %.300s", r.status,
               r.body)) {
        snprintf(offering_path, sizeof(offering_path), "%s", http_header(&r, "Location"));
        offering_id = json_integer_value(json_object_get(r.json, "id"));
    }

    char *before = db_state();
    if (EXPECT(&e, current_etag(method_path, NULL, etag), "GET %s", method_path)) {
        as_admin("DELETE", method_path, NULL, etag, NULL, &r);
        if (expect_problem(&e, &r, 409, "/problems/still-referenced", NULL, "DELETE a method with an offering")) {
            json_t *referrers = json_at(r.json, "referrers");
            json_t *first = json_array_get(referrers, 0);
            json_t *id = json_object_get(first, "id");
            char wanted[24];
            snprintf(wanted, sizeof(wanted), "%lld", offering_id);
            EXPECT(&e, json_array_size(referrers) == 1 && json_string_is(first, "entity", "offering")
                           && ((json_is_string(id) && strcmp(json_string_value(id), wanted) == 0)
                               || (json_is_integer(id) && json_integer_value(id) == offering_id)),
                   "DELETE %s: referrers should list offering %lld: %.300s", method_path, offering_id, r.body);
        }
    }
    expect_unchanged(&e, db_state, before, "DELETE a method with an offering");
    free(before);

    if (offering_path[0])
        EXPECT(&e, delete_path(offering_path) == 204, "DELETE %s", offering_path);
    if (provider_path[0])
        EXPECT(&e, delete_path(provider_path) == 204, "DELETE %s", provider_path);
    EXPECT(&e, delete_path(method_path) == 204, "DELETE %s once unreferenced", method_path);
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

    record_path(TYPE, fixture[TYPE], path);
    assert_true(current_etag(path, NULL, etag));
    json_t *body = valid_body(TYPE, fixture[TYPE]);
    json_object_del(body, "slug");
    json_object_set_new(body, "name_sv", json_string("TW utan slug"));
    as_admin_json("PUT", path, "application/json", etag, body, &r);
    json_decref(body);
    if (expect_json(&e, &r, 200, "PUT without a slug in the body"))
        EXPECT(&e, json_string_is(r.json, "slug", fixture[TYPE]) && json_string_is(r.json, "name_sv", "TW utan slug"),
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
                 resources[id].inputs_view);
        PGresult *res = PQexec(db_connection(), sql);
        if (!EXPECT(&e, PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(db_connection()))) {
            PQclear(res);
            continue;
        }
        for (int row = 0; row < PQntuples(res); row++) {
            char *before = db_state();
            record_path(id, PQgetvalue(res, row, 0), path);
            snprintf(label, sizeof(label), "PUT %s as stored, with a stale If-Match", path);
            as_admin("PUT", path, "application/json", "\"stale\"", PQgetvalue(res, row, 1), &r);
            expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, label);
            expect_unchanged(&e, db_state, before, label);
            free(before);
        }
        PQclear(res);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

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
        as_admin("GET", next, NULL, NULL, NULL, &r);
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
    snprintf(slug, sizeof(slug), "tw-audit-%s", tag);
    record_path(TYPE, slug, path);
    json_t *body = valid_body(TYPE, slug);
    as_admin_json("POST", resources[TYPE].path, "application/json", NULL, body, &r);
    json_decref(body);
    assert_int_equal(r.status, 201);
    for (int i = 0; i < 2; i++) {
        current_etag(path, NULL, etag);
        as_admin("PATCH", path, "application/merge-patch+json", etag,
                 i == 0 ? "{\"name_sv\": \"TW ett\"}" : "{\"name_sv\": \"TW två\"}", &r);
        EXPECT(&e, r.status == 200, "PATCH %d: %ld", i, r.status);
    }
    current_etag(path, NULL, etag);
    as_admin("DELETE", path, NULL, etag, NULL, &r);
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
        EXPECT(&e, json_integer_value(json_at(item, "key.id")) == admin_key_id
                       && json_string_is(item, "key.name", admin_key_name), "entry %zu names another key", i);
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
    url_encode(first_at, encoded_first, sizeof(encoded_first));
    url_encode(last_at, encoded_last, sizeof(encoded_last));
    url_encode(admin_key_name, encoded_name, sizeof(encoded_name));
    snprintf(key_id, sizeof(key_id), "%lld", admin_key_id);
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
    as_admin("GET", "/v1/audit?limit=1", NULL, NULL, NULL, &r);
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
        as_admin("GET", bad[i].query, NULL, NULL, NULL, &r);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", bad[i].field, bad[i].query);
    }

    /* Only for admins. */
    request_as("GET", "/v1/audit", municipality_auth, NULL, NULL, NULL, &r);
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
    snprintf(slug, sizeof(slug), "tw-twin-%s", tag);
    record_path(TYPE, slug, type_path);
    record_path(METHOD, slug, method_path);
    json_t *body = valid_body(TYPE, slug);
    as_admin_json("POST", resources[TYPE].path, "application/json", NULL, body, &r);
    json_decref(body);
    EXPECT(&e, r.status == 201, "POST type: %ld", r.status);
    body = valid_body(METHOD, slug);
    json_object_set_new(body, "intervention_type", json_string(slug));
    as_admin_json("POST", resources[METHOD].path, "application/json", NULL, body, &r);
    json_decref(body);
    EXPECT(&e, r.status == 201, "POST method: %ld", r.status);
    for (int i = 0; i < 2; i++) {
        current_etag(method_path, NULL, etag);
        as_admin("PATCH", method_path, "application/merge-patch+json", etag,
                 i == 0 ? "{\"abbreviation\": \"TW1\"}" : "{\"abbreviation\": \"TW2\"}", &r);
        EXPECT(&e, r.status == 200, "PATCH %d: %ld", i, r.status);
    }

    check_history(&e, METHOD, slug, (const char *const[]){ "update", "update", "create", NULL }, "method history");
    check_history(&e, TYPE, slug, (const char *const[]){ "create", NULL }, "type history");

    /* limit=1: three pages; the next links stay on the history path. */
    json_t *items = json_array();
    snprintf(query, sizeof(query), "%s/history?limit=1", method_path);
    int pages = walk_audit(&e, query, items, 10);
    EXPECT(&e, pages == 3 && json_array_size(items) == 3, "%s: %d pages, %zu entries", query, pages,
           json_array_size(items));
    json_decref(items);
    snprintf(query, sizeof(query), "%s/history?limit=1", method_path);
    as_admin("GET", query, NULL, NULL, NULL, &r);
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
        as_admin("GET", query, NULL, NULL, NULL, &r);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", bad[i].field, query);
    }

    /* A path that cannot name a record: 404, as for the record itself. */
    as_admin("GET", "/v1/methods/Not_A_Slug/history", NULL, NULL, NULL, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "history of a path that is not a slug");

    /* Admin only. */
    snprintf(query, sizeof(query), "%s/history", method_path);
    request_as("GET", query, municipality_auth, NULL, NULL, NULL, &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "history with a municipality key");
    request_as("GET", query, NULL, NULL, NULL, NULL, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "history without a key");

    EXPECT(&e, delete_record(METHOD, slug) == 204, "DELETE the method");
    EXPECT(&e, delete_record(TYPE, slug) == 204, "DELETE the type");
    /* The history outlives the record. */
    check_history(&e, METHOD, slug, (const char *const[]){ "delete", "update", "update", "create", NULL },
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
    for (size_t i = 0; i < sizeof(statements) / sizeof(statements[0]); i++) {
        char *before = db_state();
        PQclear(PQexec(db_connection(), "BEGIN"));
        PGresult *res = PQexec(db_connection(), statements[i]);
        const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        EXPECT(&e, PQresultStatus(res) == PGRES_FATAL_ERROR && sqlstate != NULL && strcmp(sqlstate, "42501") == 0,
               "%s: %s (SQLSTATE %s)", statements[i], PQresStatus(PQresultStatus(res)), sqlstate ? sqlstate : "-");
        PQclear(res);
        PQclear(PQexec(db_connection(), "ROLLBACK"));
        expect_unchanged(&e, db_state, before, statements[i]);
        free(before);
    }
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_resource_round_trips),
        cmocka_unit_test(test_invalid_bodies_name_every_field),
        cmocka_unit_test(test_conflicts_and_missing_references),
        cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_content_types),
        cmocka_unit_test(test_body_size_limit),
        cmocka_unit_test(test_if_match_is_required),
        cmocka_unit_test(test_stale_if_match),
        cmocka_unit_test(test_etags_change_after_a_write),
        cmocka_unit_test(test_delete_of_a_referenced_record),
        cmocka_unit_test(test_writes_refuse_query_parameters),
        cmocka_unit_test(test_delete_of_a_method_with_offerings),
        cmocka_unit_test(test_put_may_leave_out_the_slug),
        cmocka_unit_test(test_seeded_records_pass_validation),
        cmocka_unit_test(test_audit_list_filters_and_pages),
        cmocka_unit_test(test_history_of_a_record),
        cmocka_unit_test(test_audit_trail_is_append_only),
    };
    return cmocka_run_group_tests_name("writes", tests, setup_group, teardown_group);
}
