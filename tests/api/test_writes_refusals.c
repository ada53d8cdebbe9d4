/*
 * tests/api/test_writes_refusals.c: writes the server must refuse for their
 * body or request, against the real server: invalid bodies naming every bad
 * field, duplicates and unresolved references, malformed JSON, wrong content
 * types, bodies over 1 MiB, and query parameters on a write.
 *
 * Every test is a table: a new hostile input is a new row. A refused request
 * must change nothing, so each row compares writes_db_state() before and
 * after. The fixtures and helpers are in support_writes.{c,h}.
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
    const struct resource *res = &writes_resources[row->resource];
    char slug[SLUG_MAX];
    bool is_post = strcmp(row->method, "POST") == 0;

    if (row->target == NULL && is_post)
        snprintf(slug, sizeof(slug), "tw-refused-%s", writes_tag);
    else if (row->target == NULL)
        snprintf(slug, sizeof(slug), "%s", writes_fixture[row->resource]);
    else if (strcmp(row->target, "@fixture") == 0)
        snprintf(slug, sizeof(slug), "%s", writes_fixture[row->resource]);
    else
        snprintf(slug, sizeof(slug), "%s", row->target);
    if (is_post)
        snprintf(path, PATH_MAX_LENGTH, "%s", res->path);
    else
        writes_record_path(row->resource, slug, path);

    if (row->raw != NULL) {
        /* "@fixture" inside a raw body stands for the fixture's slug. */
        const char *at = strstr(row->raw, "@fixture");
        if (at == NULL)
            *body = strdup(row->raw);
        else if (asprintf(body, "%.*s%s%s", (int)(at - row->raw), row->raw, writes_fixture[row->resource],
                          at + strlen("@fixture")) < 0)
            *body = NULL;
        return *body != NULL;
    }
    if (strcmp(row->method, "PATCH") == 0) {
        *body = strdup(row->merge ? row->merge : "{}");
        return *body != NULL;
    }
    json_t *whole = writes_valid_body(row->resource, slug);
    json_t *patch = row->merge ? json_loads(row->merge, 0, NULL) : json_object();
    bool ok = whole != NULL && patch != NULL && writes_merge_into(whole, patch);
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
        char *before = writes_db_state();

        snprintf(label, sizeof(label), "%s (%s %s)", row->label, row->method, writes_resources[row->resource].path);
        if (!EXPECT(e, build_row(row, path, &body), "%s: the row's body does not parse", label)) {
            free(before);
            continue;
        }
        if (!current_etag(path, NULL, etag))
            snprintf(etag, sizeof(etag), "*");   /* a record that does not exist: any tag */
        writes_as_admin(row->method, path, strcmp(row->method, "PATCH") == 0 ? "application/merge-patch+json"
                                                                       : "application/json",
                 strcmp(row->method, "POST") == 0 ? NULL : etag, body, &r);
        if (expect_problem(e, &r, row->status, row->type, NULL, label) && row->fields[0] != NULL)
            writes_expect_fields(e, &r, row->fields, label);
        expect_unchanged(e, writes_db_state, before, label);
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

    writes_record_path(METHOD, writes_fixture[METHOD], fixture_path);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        static const char *const methods[] = { "POST", "PUT", "PATCH" };
        for (size_t m = 0; m < 3; m++) {
            bool is_post = m == 0;
            char *before = writes_db_state();
            snprintf(label, sizeof(label), "%s (%s)", rows[i].label, methods[m]);
            current_etag(fixture_path, NULL, etag);
            writes_as_admin(methods[m], is_post ? writes_resources[METHOD].path : fixture_path,
                     m == 2 ? "application/merge-patch+json" : "application/json", is_post ? NULL : etag,
                     rows[i].body, &r);
            if (expect_problem(&e, &r, 400, "/problems/invalid-body", NULL, label))
                writes_expect_fields(&e, &r, body_field, label);
            expect_unchanged(&e, writes_db_state, before, label);
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

    writes_record_path(TYPE, writes_fixture[TYPE], fixture_path);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bool is_post = strcmp(rows[i].method, "POST") == 0;
        char *before = writes_db_state();
        char *body;
        json_t *json;

        snprintf(label, sizeof(label), "%s with Content-Type %s", rows[i].method,
                 rows[i].content_type ? rows[i].content_type : "(none)");
        snprintf(slug, sizeof(slug), "tw-ct-%zu-%s", i, writes_tag);
        if (is_post)
            json = writes_valid_body(TYPE, slug);
        else if (strcmp(rows[i].method, "PUT") == 0)
            json = writes_valid_body(TYPE, writes_fixture[TYPE]);
        else
            json = json_pack("{s:s}", "description", "TW via PATCH");
        body = json_dumps(json, JSON_COMPACT);
        json_decref(json);
        current_etag(fixture_path, NULL, etag);
        writes_as_admin(rows[i].method, is_post ? writes_resources[TYPE].path : fixture_path, rows[i].content_type,
                 is_post ? NULL : etag, body, &r);
        if (rows[i].status == 415) {
            expect_problem(&e, &r, 415, "/problems/unsupported-media-type", NULL, label);
            expect_unchanged(&e, writes_db_state, before, label);
        } else {
            expect_json(&e, &r, rows[i].status, label);
        }
        if (is_post)
            writes_delete_record(TYPE, slug);
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

    writes_record_path(METHOD, writes_fixture[METHOD], fixture_path);
    snprintf(slug, sizeof(slug), "tw-big-%s", writes_tag);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bool is_post = strcmp(rows[i].method, "POST") == 0;
        char *before = writes_db_state();
        char *body = writes_body_of_size(is_post ? slug : writes_fixture[METHOD], rows[i].size);

        snprintf(label, sizeof(label), "%s of %zu bytes", rows[i].method, rows[i].size);
        current_etag(fixture_path, NULL, etag);
        writes_as_admin(rows[i].method, is_post ? writes_resources[METHOD].path : fixture_path, "application/json",
                 is_post ? NULL : etag, body, &r);
        if (expect_problem(&e, &r, rows[i].status, rows[i].type, NULL, label) && rows[i].status == 400)
            EXPECT(&e, problem_names_field(&r, "description"), "%s: description not named", label);
        expect_unchanged(&e, writes_db_state, before, label);
        free(body);
        free(before);
    }
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

    writes_record_path(TYPE, writes_fixture[TYPE], fixture_path);
    snprintf(slug, sizeof(slug), "tw-query-%s", writes_tag);
    json_t *json = writes_valid_body(TYPE, slug);
    char *post_body = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    json = writes_valid_body(TYPE, writes_fixture[TYPE]);
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
        char *before = writes_db_state();
        const char *body = strcmp(rows[i].method, "POST") == 0 ? post_body
                           : strcmp(rows[i].method, "PUT") == 0 ? put_body
                           : strcmp(rows[i].method, "PATCH") == 0 ? "{\"name_sv\": \"TW med parameter\"}" : NULL;
        snprintf(path, sizeof(path), "%s%s", rows[i].on_fixture ? fixture_path : writes_resources[TYPE].path,
                 rows[i].query);
        snprintf(label, sizeof(label), "%s %s", rows[i].method, path);
        current_etag(fixture_path, NULL, etag);
        writes_as_admin(rows[i].method, path, "application/json", rows[i].on_fixture ? etag : NULL, body, &r);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", rows[i].field, label);
        expect_unchanged(&e, writes_db_state, before, label);
        free(before);
        writes_delete_record(TYPE, slug);
    }
    EXPECT(&e, current_etag("/v1/intervention-types/familjebehandling", NULL, etag), "familjebehandling is gone");
    free(post_body);
    free(put_body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_bodies_name_every_field),
        cmocka_unit_test(test_conflicts_and_missing_references),
        cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_content_types),
        cmocka_unit_test(test_body_size_limit),
        cmocka_unit_test(test_writes_refuse_query_parameters),
    };
    return cmocka_run_group_tests_name("writes_refusals", tests, writes_setup_group, writes_teardown_group);
}
