/*
 * tests/api/support_writes.c: the world the write API test files share (see
 * support_writes.h): the six writable resources, one fixture record of each,
 * the requests, bodies and checks, and the history check.
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

const struct resource writes_resources[RESOURCE_COUNT] = {
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

char writes_tag[24];                               /* unique to this run */
char writes_admin_auth[300];                       /* "Bearer <ADMIN_KEY>" */
char writes_municipality_auth[300];
long long writes_admin_key_id;
char writes_admin_key_name[100];
char writes_fixture[RESOURCE_COUNT][SLUG_MAX];     /* one record of each resource, made by the group setup */

/* ---- requests ------------------------------------------------------------ */

int writes_as_admin(const char *method, const char *path, const char *content_type, const char *if_match,
                    const char *body, struct http_response *r)
{
    return request_as(method, path, writes_admin_auth, content_type, if_match, body, r);
}

/* As writes_as_admin(), with a JSON body (borrowed). */
int writes_as_admin_json(const char *method, const char *path, const char *content_type, const char *if_match,
                         const json_t *body, struct http_response *r)
{
    char *text = json_dumps(body, JSON_COMPACT);
    int result = writes_as_admin(method, path, content_type, if_match, text, r);
    free(text);
    return result;
}

int writes_get_with(const char *path, const char *header_line, struct http_response *r)
{
    const char *headers[] = { header_line, NULL };
    return http_get(path, header_line != NULL ? headers : NULL, r);
}

void writes_record_path(enum resource_id id, const char *slug, char out[PATH_MAX_LENGTH])
{
    snprintf(out, PATH_MAX_LENGTH, "%s/%s", writes_resources[id].path, slug);
}

bool writes_is_quoted_etag(const char *etag)
{
    size_t length = etag ? strlen(etag) : 0;
    return length > 2 && etag[0] == '"' && etag[length - 1] == '"';
}

/* Deletes a record if it exists (for cleaning up); returns the status of the DELETE, or 404. */
long writes_delete_record(enum resource_id id, const char *slug)
{
    char path[PATH_MAX_LENGTH];

    writes_record_path(id, slug, path);
    return delete_if_present(path, writes_admin_auth);
}

/* Percent-encodes a query value. */
void writes_url_encode(const char *value, char *out, size_t out_size)
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
char *writes_db_state(void)
{
    static const char *const tables[] = { "knowledge_supports", "intervention_types", "recommendations", "methods",
                                          "assessment_instruments", "materials", "providers", "offerings",
                                          "offering_availability", NULL };
    return db_fingerprint(tables);
}

/* ---- bodies ------------------------------------------------------------- */

/* A complete, valid body for a new record; references name the fixtures. */
json_t *writes_valid_body(enum resource_id id, const char *slug)
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
                         writes_fixture[KS], "intervention_type", writes_fixture[TYPE], "target_group", "Barn 6–11 år", "age_min",
                         6, "age_max", 11, "strength", "kan", "statement", "Socialtjänsten kan erbjuda TW.", "rank",
                         5);
    case METHOD:
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "slug", slug,
                         "abbreviation", "TW", "name_sv", "TW-metoden", "name_en", "The TW method",
                         "intervention_type", writes_fixture[TYPE], "age_min", 6, "age_max", 12, "format",
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
                         writes_fixture[KS], "title", "TW-filmen", "kinds", "film", "föreläsning", "audience",
                         "Socialtjänstens personal", "publisher", "TW", "description", "Ett material som testerna "
                         "skapar.", "url", "https://example.org/tw-film");
    case RESOURCE_COUNT:
        break;
    }
    return NULL;
}

/* Applies a merge patch (null members remove) to target; false when patch is not an object. */
bool writes_merge_into(json_t *target, const json_t *patch)
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
char *writes_body_of_size(const char *slug, size_t size)
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
bool writes_expect_fields(struct expectations *e, const struct http_response *r, const char *const *fields,
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

int writes_setup_group(void **state)
{
    struct http_response r = { 0 };
    (void)state;

    if (!fixtures_open_environment(writes_admin_auth, sizeof(writes_admin_auth), writes_municipality_auth,
                                   sizeof(writes_municipality_auth)))
        return -1;
    const char *admin = getenv("ADMIN_KEY");
    if ((writes_admin_key_id = key_id_of(admin)) < 0) {
        fprintf(stderr, "# ADMIN_KEY is not ik_<id>_<secret>\n");
        return -1;
    }
    key_name_of(admin, writes_admin_key_name, sizeof(writes_admin_key_name));
    run_tag(writes_tag, sizeof(writes_tag));
    /* The order matters: the later ones refer to the type and the knowledge support. */
    static const enum resource_id order[] = { TYPE, KS, METHOD, REC, INSTRUMENT, MATERIAL };
    for (size_t i = 0; i < RESOURCE_COUNT; i++) {
        enum resource_id id = order[i];
        snprintf(writes_fixture[id], SLUG_MAX, "tw-fx-%s-%s", writes_resources[id].short_name, writes_tag);
        json_t *body = writes_valid_body(id, writes_fixture[id]);
        writes_as_admin_json("POST", writes_resources[id].path, "application/json", NULL, body, &r);
        json_decref(body);
        if (r.status != 201) {
            fprintf(stderr, "# creating the fixture %s failed: %ld %.300s\n", writes_fixture[id], r.status, r.body);
            http_response_free(&r);
            return -1;
        }
    }
    http_response_free(&r);
    return 0;
}

int writes_teardown_group(void **state)
{
    static const enum resource_id order[] = { MATERIAL, INSTRUMENT, REC, METHOD, KS, TYPE };
    int failed = 0;
    (void)state;

    for (size_t i = 0; i < RESOURCE_COUNT; i++) {
        enum resource_id id = order[i];
        long status = writes_fixture[id][0] ? writes_delete_record(id, writes_fixture[id]) : 404;
        if (status != 204 && status != 404) {
            fprintf(stderr, "# deleting the fixture %s failed: %ld\n", writes_fixture[id], status);
            failed = -1;
        }
    }
    db_close();
    return failed;
}

void writes_check_history(struct expectations *e, enum resource_id id, const char *slug, const char *const *actions,
                          const char *label)
{
    const struct resource *res = &writes_resources[id];
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    size_t count = 0, i;
    json_t *item;

    while (actions[count] != NULL)
        count++;
    snprintf(path, sizeof(path), "%s/%s/history", res->path, slug);
    writes_as_admin("GET", path, NULL, NULL, NULL, &r);
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
        EXPECT(e, json_integer_value(json_at(item, "key.id")) == writes_admin_key_id, "%s: entry %zu key.id", label, i);
        EXPECT(e, json_string_is(item, "key.name", writes_admin_key_name), "%s: entry %zu key.name", label, i);
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
