/*
 * tests/api/test_writes_references.c: deleting what other records name,
 * against the real server: 409 /problems/still-referenced with the referrers,
 * for catalogue records and for a method that a provider's offering names;
 * nothing changes.
 *
 * The fixtures and helpers are in support_writes.{c,h}; the provider and
 * offering the second test makes are its own and deleted by it.
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

/* ---- references ----------------------------------------------------------- */

/* 409 /problems/still-referenced with the referrers, for deleting what others name; nothing changes. */
static void test_delete_of_a_referenced_record(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], etag[ETAG_MAX], label[LABEL_MAX];
    (void)state;

    json_t *type_referrers = json_pack("[{s:s, s:s}, {s:s, s:s}]", "entity", "method", "id", writes_fixture[METHOD],
                                       "entity", "recommendation", "id", writes_fixture[REC]);
    json_t *ks_referrers = json_pack("[{s:s, s:s}, {s:s, s:s}]", "entity", "material", "id", writes_fixture[MATERIAL],
                                     "entity", "recommendation", "id", writes_fixture[REC]);
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
        { TYPE, writes_fixture[TYPE], type_referrers },
        { KS, writes_fixture[KS], ks_referrers },
        { METHOD, "fft", seeded_method },
        { INSTRUMENT, "savry", seeded_instrument },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *before = writes_db_state();
        writes_record_path(rows[i].resource, rows[i].slug, path);
        snprintf(label, sizeof(label), "DELETE %s", path);
        if (!EXPECT(&e, current_etag(path, NULL, etag), "%s: cannot read it", label)) {
            free(before);
            continue;
        }
        writes_as_admin("DELETE", path, NULL, etag, NULL, &r);
        if (expect_problem(&e, &r, 409, "/problems/still-referenced", NULL, label)) {
            char *got = json_dumps(json_at(r.json, "referrers"), JSON_COMPACT);
            EXPECT(&e, json_equal(json_at(r.json, "referrers"), rows[i].referrers), "%s: referrers %s", label,
                   got ? got : "(none)");
            free(got);
        }
        expect_unchanged(&e, writes_db_state, before, label);
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
        writes_as_admin("DELETE", path, NULL, etag, NULL, &r);
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

    snprintf(slug, sizeof(slug), "tw-offered-%s", writes_tag);
    writes_record_path(METHOD, slug, method_path);
    json_t *body = writes_valid_body(METHOD, slug);
    writes_as_admin_json("POST", writes_resources[METHOD].path, "application/json", NULL, body, &r);
    json_decref(body);
    EXPECT(&e, r.status == 201, "POST method: %ld %.200s", r.status, r.body);

    organisation_number(strtoul(writes_tag, NULL, 16), number);
    body = json_pack("{s:s, s:s, s:s, s:s}", "name", "TW-utföraren", "organisation_number", number, "kind", "privat",
                     "home_county", "01");
    writes_as_admin_json("POST", "/v1/providers", "application/json", NULL, body, &r);
    json_decref(body);
    if (EXPECT(&e, r.status == 201 && http_header(&r, "Location") != NULL, "POST provider: %ld %.300s", r.status,
               r.body))
        snprintf(provider_path, sizeof(provider_path), "%s", http_header(&r, "Location"));
    long long provider_id = json_integer_value(json_object_get(r.json, "id"));

    body = json_pack("{s:I, s:s, s:s, s:s}", "provider_id", (json_int_t)provider_id, "method", slug, "delivery",
                     "digitalt", "valid_from", "2025-01-01");
    writes_as_admin_json("POST", "/v1/offerings", "application/json", NULL, body, &r);
    json_decref(body);
    if (EXPECT(&e, r.status == 201 && http_header(&r, "Location") != NULL, "POST offering: %ld %.300s", r.status,
               r.body)) {
        snprintf(offering_path, sizeof(offering_path), "%s", http_header(&r, "Location"));
        offering_id = json_integer_value(json_object_get(r.json, "id"));
    }

    char *before = writes_db_state();
    if (EXPECT(&e, current_etag(method_path, NULL, etag), "GET %s", method_path)) {
        writes_as_admin("DELETE", method_path, NULL, etag, NULL, &r);
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
    expect_unchanged(&e, writes_db_state, before, "DELETE a method with an offering");
    free(before);

    if (offering_path[0])
        EXPECT(&e, delete_path(offering_path) == 204, "DELETE %s", offering_path);
    if (provider_path[0])
        EXPECT(&e, delete_path(provider_path) == 204, "DELETE %s", provider_path);
    EXPECT(&e, delete_path(method_path) == 204, "DELETE %s once unreferenced", method_path);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delete_of_a_referenced_record),
        cmocka_unit_test(test_delete_of_a_method_with_offerings),
    };
    return cmocka_run_group_tests_name("writes_references", tests, writes_setup_group, writes_teardown_group);
}
