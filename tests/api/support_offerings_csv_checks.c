/*
 * tests/api/support_offerings_csv_checks.c: the requests and checks the
 * offerings CSV test files share (see support_offerings_csv_checks.h for
 * the contracts). Exports are compared byte for byte with
 * csv_expected_export(); offerings and the audit trail are read back
 * through the JSON API and with libpq.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_offerings_csv.h"
#include "support_offerings_csv_checks.h"

/* ---- the audit trail ------------------------------------------------------ */

/*
 * The audit entries after after_id are exactly one per expected offering,
 * entity "offering", with its action, key_name, and a "before" exactly when
 * it is an update.
 */
void csv_expect_audit_since(struct expectations *e, long long after_id, const struct audit_expectation *expected,
                            size_t count, const char *key_name, const char *label)
{
    char after_text[24];
    snprintf(after_text, sizeof(after_text), "%lld", after_id);
    const char *params[] = { after_text };
    PGresult *res = db_query("SELECT entity, entity_id, action::text, key_name, (before IS NULL)::text, "
                             "(after IS NULL)::text FROM audit_log WHERE id > $1::bigint ORDER BY id", 1, params);
    bool seen[16] = { false };

    if (!EXPECT(e, PQresultStatus(res) == PGRES_TUPLES_OK, "%s: reading the audit trail failed", label)) {
        PQclear(res);
        return;
    }
    EXPECT(e, (size_t)PQntuples(res) == count, "%s: %d audit entries written; expected %zu", label, PQntuples(res),
           count);
    for (int i = 0; i < PQntuples(res); i++) {
        long long id = atoll(PQgetvalue(res, i, 1));
        size_t match = count;
        for (size_t j = 0; j < count; j++)
            if (expected[j].entity_id == id && !seen[j])
                match = j;
        if (!EXPECT(e, strcmp(PQgetvalue(res, i, 0), "offering") == 0 && match < count,
                    "%s: an unexpected audit entry: %s %s %s", label, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                    PQgetvalue(res, i, 2)))
            continue;
        seen[match] = true;
        bool create = strcmp(expected[match].action, "create") == 0;
        EXPECT(e, strcmp(PQgetvalue(res, i, 2), expected[match].action) == 0, "%s: offering %lld audited as %s, "
               "expected %s", label, id, PQgetvalue(res, i, 2), expected[match].action);
        EXPECT(e, strcmp(PQgetvalue(res, i, 3), key_name) == 0, "%s: offering %lld audited in the name of \"%s\", "
               "expected \"%s\"", label, id, PQgetvalue(res, i, 3), key_name);
        EXPECT(e, strcmp(PQgetvalue(res, i, 4), create ? "true" : "false") == 0
                      && strcmp(PQgetvalue(res, i, 5), "false") == 0,
               "%s: offering %lld: audit before/after", label, id);
    }
    for (size_t j = 0; j < count; j++)
        EXPECT(e, seen[j], "%s: no audit entry for offering %lld", label, expected[j].entity_id);
    PQclear(res);
}

/* ---- requests and checks ------------------------------------------------------- */

/* GET path (with @TOKENS@) with the given Accept header line ("Accept:" sends none). */
void csv_get_with_accept(const char *path_template, const char *accept_line, struct http_response *r)
{
    char *path = csv_expand(path_template);
    const char *headers[] = { accept_line, NULL };
    http_response_free(r);
    http_get(path, headers, r);
    free(path);
}

/* POST /v1/offerings/import<query> with the body as Content-Type (NULL: none) and authorization (NULL: none). */
void csv_import_as(const char *authorization, const char *content_type, const char *query, const char *body,
                   struct http_response *r)
{
    char path[PATH_MAX_LENGTH];
    snprintf(path, sizeof(path), "%s%s", IMPORT_PATH, query ? query : "");
    http_response_free(r);
    request_as("POST", path, authorization, content_type, NULL, body, r);
}

bool csv_header_has_token(const struct http_response *r, const char *name, const char *token)
{
    const char *value = http_header(r, name);
    return value != NULL && strcasestr(value, token) != NULL;
}

/* 200 {created, updated, unchanged} with exactly those counts, never stored by a cache. */
bool csv_expect_counts(struct expectations *e, const struct http_response *r, long long created,
                       long long updated, long long unchanged, const char *label)
{
    if (!expect_json(e, r, 200, label))
        return false;
    bool ok = EXPECT(e, json_object_size(r->json) == 3 && json_is_integer(json_at(r->json, "created"))
                            && json_is_integer(json_at(r->json, "updated"))
                            && json_is_integer(json_at(r->json, "unchanged")),
                     "%s: not {created, updated, unchanged}: %.300s", label, r->body);
    ok &= EXPECT(e, json_integer_value(json_at(r->json, "created")) == created
                        && json_integer_value(json_at(r->json, "updated")) == updated
                        && json_integer_value(json_at(r->json, "unchanged")) == unchanged,
                 "%s: expected {created %lld, updated %lld, unchanged %lld}, got %.300s", label, created, updated,
                 unchanged, r->body);
    ok &= EXPECT(e, csv_header_has_token(r, "Cache-Control", "no-store"), "%s: Cache-Control \"%s\"", label,
                 http_header(r, "Cache-Control") ? http_header(r, "Cache-Control") : "(none)");
    ok &= EXPECT(e, csv_header_has_token(r, "Vary", "Accept"), "%s: no Vary: Accept", label);
    return ok;
}

/* A 200 text/csv; charset=utf-8 answer with Vary: Accept and an ETag whose body is exactly expected. */
bool csv_expect_body(struct expectations *e, const struct http_response *r, const char *expected,
                     const char *label)
{
    const char *type = http_header(r, "Content-Type");
    bool ok = EXPECT(e, r->status == 200, "%s: status %ld: %.400s", label, r->status, r->body ? r->body : "");
    ok &= EXPECT(e, http_media_type_is(r, "text/csv") && type != NULL && strcasestr(type, "charset=utf-8") != NULL,
                 "%s: Content-Type \"%s\"", label, type ? type : "(none)");
    ok &= EXPECT(e, csv_header_has_token(r, "Vary", "Accept"), "%s: no Vary: Accept", label);
    ok &= EXPECT(e, http_header(r, "ETag") != NULL && http_header(r, "ETag")[0] == '"', "%s: no quoted ETag", label);
    ok &= EXPECT(e, http_header(r, "Access-Control-Allow-Origin") != NULL, "%s: no CORS header", label);
    ok &= EXPECT(e, r->body != NULL && strcmp(r->body, expected) == 0,
                 "%s: the CSV differs.\n# expected:\n%s\n# got:\n%s", label, expected, r->body ? r->body : "(none)");
    return ok;
}

/* The ids on one JSON page of path (with @TOKENS@, a query already begun) are exactly the setup's offerings in mask. */
bool csv_expect_json_ids(struct expectations *e, const struct http_response *r, unsigned mask, const char *label)
{
    json_t *items = json_at(r->json, "items");
    json_t *item;
    size_t i;
    unsigned seen = 0;
    bool ok = true;

    if (!expect_json(e, r, 200, label)
        || !EXPECT(e, json_is_array(items) && json_is_null(json_at(r->json, "next")),
                   "%s: not one page of items: %.300s", label, r->body))
        return false;
    json_array_foreach(items, i, item) {
        long long id = json_integer_value(json_object_get(item, "id"));
        int found = -1;
        for (int o = 0; o < OFFERING_COUNT; o++)
            if (csv_offering_id[o] == id)
                found = o;
        ok &= EXPECT(e, found >= 0 && (mask & BIT(found)) && !(seen & BIT(found)),
                     "%s: offering %lld is listed but should not be (or twice)", label, id);
        if (found >= 0)
            seen |= BIT(found);
    }
    ok &= EXPECT(e, seen == mask, "%s: listed offerings %#x, expected %#x: %.500s", label, seen, mask, r->body);
    return ok;
}

json_t *csv_json_list_of(const char *joined)   /* "a|b" -> ["a", "b"]; "" -> [] */
{
    json_t *array = json_array();
    const char *start = joined;

    while (*joined != '\0') {
        const char *bar = strchr(start, '|');
        size_t length = bar ? (size_t)(bar - start) : strlen(start);
        json_array_append_new(array, json_stringn(start, length));
        if (bar == NULL)
            break;
        start = bar + 1;
    }
    return array;
}

static bool json_null_or_string(const json_t *doc, const char *path, const char *value)
{
    return value == NULL ? json_is_null(json_at(doc, path)) : json_string_is(doc, path, value);
}

static bool json_null_or_integer(const json_t *doc, const char *path, const char *digits)
{
    json_t *got = json_at(doc, path);
    return digits == NULL ? json_is_null(got) : json_is_integer(got) && json_integer_value(got) == atoll(digits);
}

/* GET /v1/offerings/{id} shows exactly the fixture's values (languages NULL: ["svenska"]). */
void csv_expect_offering_document(struct expectations *e, long long id, const struct offering_fixture *f,
                                  const char *label)
{
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    json_t *days, *roles = csv_json_list_of(f->training_for);
    json_t *languages = f->languages ? csv_json_list_of(f->languages) : json_pack("[s]", "svenska");

    snprintf(path, sizeof(path), "/v1/offerings/%lld", id);
    http_get(path, NULL, &r);
    if (expect_json(e, &r, 200, label)) {
        days = json_at(r.json, "training.days");
        EXPECT(e, json_integer_value(json_at(r.json, "provider.id")) == csv_provider_id[f->provider], "%s: provider",
               label);
        EXPECT(e, json_string_is(r.json, "method.slug", f->method == 1 ? csv_method_m1 : csv_method_m2), "%s: method",
               label);
        EXPECT(e, json_null_or_integer(r.json, "costs.startup_fee_sek", f->startup), "%s: startup_fee_sek %.600s",
               label, r.body);
        EXPECT(e, json_null_or_integer(r.json, "costs.training_cost_per_participant_sek", f->training_cost),
               "%s: training_cost_per_participant_sek %.600s", label, r.body);
        EXPECT(e, json_null_or_integer(r.json, "costs.cost_per_case_sek", f->cost_per_case),
               "%s: cost_per_case_sek %.600s", label, r.body);
        EXPECT(e, json_null_or_integer(r.json, "costs.yearly_fee_sek", f->yearly), "%s: yearly_fee_sek %.600s", label,
               r.body);
        EXPECT(e, f->days == NULL ? json_is_null(days)
                                  : json_is_number(days) && json_number_value(days) == strtod(f->days, NULL),
               "%s: training.days %.600s", label, r.body);
        EXPECT(e, json_equal(json_at(r.json, "training.for"), roles), "%s: training.for %.600s", label, r.body);
        EXPECT(e, f->certification != NULL && strcmp(f->certification, "true") == 0
                      ? json_is_true(json_at(r.json, "training.certification_required"))
                      : json_is_false(json_at(r.json, "training.certification_required")),
               "%s: training.certification_required %.600s", label, r.body);
        EXPECT(e, json_string_is(r.json, "delivery", f->delivery), "%s: delivery %.600s", label, r.body);
        EXPECT(e, json_equal(json_at(r.json, "languages"), languages), "%s: languages %.600s", label, r.body);
        EXPECT(e, json_string_is(r.json, "valid_from", f->valid_from), "%s: valid_from", label);
        EXPECT(e, json_null_or_string(r.json, "valid_to", f->valid_to), "%s: valid_to %.600s", label, r.body);
        EXPECT(e, json_null_or_string(r.json, "verified_on", f->verified_on), "%s: verified_on %.600s", label, r.body);
    }
    json_decref(roles);
    json_decref(languages);
    http_response_free(&r);
}


/*
 * 400 /problems/invalid-csv listing exactly the expected errors (count of
 * them, ending at a zero row), in order of row and column, each with a
 * message; error_count is total (0: count).
 */
bool csv_expect_errors(struct expectations *e, const struct http_response *r, const struct csv_error *expected,
                       size_t total, const char *label)
{
    json_t *errors = json_at(r->json, "errors");
    size_t count = 0;
    bool ok;

    while (count < MAX_ERRORS && expected[count].row != 0)
        count++;
    if (total == 0)
        total = count;
    if (!expect_problem(e, r, 400, "/problems/invalid-csv", NULL, label))
        return false;
    ok = EXPECT(e, json_is_array(errors) && json_array_size(errors) == count, "%s: %zu errors listed, expected %zu: "
                "%.3000s", label, json_array_size(errors), count, r->body);
    ok &= EXPECT(e, json_is_integer(json_at(r->json, "error_count"))
                        && (size_t)json_integer_value(json_at(r->json, "error_count")) == total,
                 "%s: error_count, expected %zu: %.200s", label, total, r->body);
    for (size_t i = 0; i < count && i < json_array_size(errors); i++) {
        json_t *error = json_array_get(errors, i);
        json_t *column = json_object_get(error, "column");
        const char *field = json_string_value(json_object_get(error, "field"));
        const char *message = json_string_value(json_object_get(error, "message"));
        bool column_same = expected[i].column == 0
                               ? json_is_null(column)
                               : json_is_integer(column) && json_integer_value(column) == expected[i].column;
        bool same = json_is_integer(json_object_get(error, "row"))
                    && json_integer_value(json_object_get(error, "row")) == expected[i].row && column_same
                    && field != NULL && strcmp(field, expected[i].field) == 0;
        char *got = json_dumps(error, JSON_COMPACT);
        ok &= EXPECT(e, same, "%s: error %zu should be row %ld, column %d (%s); it is %s", label, i, expected[i].row,
                     expected[i].column, expected[i].field, got ? got : "?");
        free(got);
        ok &= EXPECT(e, message != NULL && message[0] != '\0', "%s: error %zu has no message", label, i);
    }
    return ok;
}
