/*
 * tests/api/test_coverage_matrix.c: coverage cell by cell, against the real
 * server: every cell of every municipality against a table, for several
 * dates; that each municipality's answer equals its row of the county
 * matrix; that the CSV is that matrix; that the gaps are exactly its
 * uncovered cells.
 *
 * The world (a clean county, and what is built there) and the helpers are in
 * support_coverage.{c,h}; each binary builds and removes its own. When no
 * county is free of other data, the tests that check cells against the table
 * are skipped; the consistency checks still run.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY (as set by tests/run.sh).
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
#include "support_coverage.h"

static const struct cell_expect cells_2031[] = {
    /* status first (väntelista lead 10 loses), then lead (25 loses), then cost (50 000 loses) */
    { EVERYWHERE, "familjebehandling", "utförare", "tillgänglig", 20, 40000, O_T3 },
    { AT(M_OWN), "foraldraskapsstod", "egen regi", "tillgänglig", 0, 12000, O_OWN },
    { EVERYWHERE & ~AT(M_OWN), "foraldraskapsstod", "utförare", "planerad", NONE, 5000, O_PLAN },
    /* own delivery at 20 000 beats the agreement at 25 000 for the performer itself */
    { AT(M_OWN), "kbt-fardighetstraning", "egen regi", "tillgänglig", 0, 20000, O_OWN2 },
    { AT(M_ORDERER), "kbt-fardighetstraning", "avtalssamverkan", "tillgänglig", 0, 25000, O_OWN2 },
    { AT(M_ROW), "behandlingsfamilj", "utförare", "tillgänglig", 2, 30000, O_MUNI },
    { AT(M_PLANNED), "behandlingsfamilj", "utförare", "planerad", NONE, 30000, O_MUNI },
};

static const struct cell_expect cells_2030[] = {
    { EVERYWHERE, "familjebehandling", "utförare", "tillgänglig", 0, 0, O_OLD },
};

static const struct {
    const char *on;
    const struct cell_expect *cells;
    size_t count;
} scenarios[] = {
    { ON_2031, cells_2031, sizeof(cells_2031) / sizeof(cells_2031[0]) },
    { ON_2030, cells_2030, 1 },
    { ON_BEFORE_AGREEMENT, cells_2030, 1 },   /* the agreement starts the next day */
    { ON_AFTER, NULL, 0 },
};

static bool at_place(unsigned places, size_t m)
{
    return (places & AT(m < M_PLAIN ? m : M_PLAIN)) != 0;
}

static const struct cell_expect *expected_cell(const struct cell_expect *cells, size_t count, size_t m,
                                               const char *type)
{
    for (size_t i = 0; i < count; i++)
        if (at_place(cells[i].places, m) && strcmp(cells[i].type, type) == 0)
            return &cells[i];
    return NULL;
}

/* Compares a municipality answer with the table: every type, the summary. */
static void expect_municipality_answer(struct expectations *e, const json_t *answer, size_t m,
                                       const struct cell_expect *cells, size_t count, const char *on)
{
    char label[1200], buf[400];
    json_t *not_covered = json_array();
    int covered = 0;

    EXPECT(e, json_string_is(answer, "municipality.code", coverage_municipality[m]), "%s on %s: municipality.code",
           coverage_municipality[m], on);
    EXPECT(e, json_string_is(answer, "municipality.county", coverage_county), "%s on %s: municipality.county", coverage_municipality[m],
           on);
    EXPECT(e, json_string_is(answer, "on", on), "%s: on is %s, wanted %s", coverage_municipality[m],
           coverage_text_of(json_at(answer, "on")), on);
    EXPECT(e, json_string_is(answer, "knowledge_support", KNOWLEDGE_SUPPORT), "%s on %s: knowledge_support",
           coverage_municipality[m], on);
    EXPECT(e, json_array_size(json_at(answer, "intervention_types")) == coverage_type_count,
           "%s on %s: %zu intervention types, wanted %zu", coverage_municipality[m], on,
           json_array_size(json_at(answer, "intervention_types")), coverage_type_count);
    for (size_t t = 0; t < coverage_type_count; t++) {
        const struct cell_expect *x = expected_cell(cells, count, m, coverage_type_slug[t]);
        json_t *entry = coverage_type_entry(answer, coverage_type_slug[t]);
        snprintf(label, sizeof(label), "municipality %s (M%zu), %s, on %s", coverage_municipality[m], m, coverage_type_slug[t], on);
        if (!EXPECT(e, entry != NULL, "%s: type missing from the answer", label))
            continue;
        snprintf(buf, sizeof(buf), "intervention_types.%zu.slug", t);
        EXPECT(e, json_string_is(answer, buf, coverage_type_slug[t]), "%s: not in position %zu (sorted by slug)", label, t);
        coverage_expect_route(e, json_at(entry, "best_route"), json_at(entry, "covered"), x, label);
        /* An agreement that names an offering: the route's method is that offering's, not another of the type's. */
        if (x != NULL && strcmp(x->kind, "avtalssamverkan") == 0)
            EXPECT(e, json_string_is(entry, "best_route.method", coverage_offering_fixtures[x->offering].method),
                   "%s: the agreement route's method is %s, but its offering %lld is of %s", label,
                   coverage_text_of(json_at(entry, "best_route.method")), coverage_offering_id[x->offering],
                   coverage_offering_fixtures[x->offering].method);
        if (x != NULL && coverage_status_covers(x->status))
            covered++;
        else
            json_array_append_new(not_covered, json_string(coverage_type_slug[t]));
    }
    EXPECT(e, coverage_json_int_is(answer, "summary.recommended_types", (long long)coverage_type_count),
           "%s on %s: summary.recommended_types: %s", coverage_municipality[m], on,
           coverage_dump(json_at(answer, "summary"), buf, sizeof(buf)));
    EXPECT(e, coverage_json_int_is(answer, "summary.covered", covered), "%s on %s: summary.covered, wanted %d: %s",
           coverage_municipality[m], on, covered, coverage_dump(json_at(answer, "summary"), buf, sizeof(buf)));
    EXPECT(e, json_equal(json_at(answer, "summary.not_covered"), not_covered),
           "%s on %s: summary.not_covered: %s", coverage_municipality[m], on,
           coverage_dump(json_at(answer, "summary"), buf, sizeof(buf)));
    json_decref(not_covered);
}

/* (a)-(e): every cell of every municipality on each date against the table, with the summary. */
static void test_municipality_cells_by_date(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;
    REQUIRE_CLEAN_COUNTY();

    for (size_t s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++)
        for (size_t m = 0; m < coverage_municipality_count; m++)
            if (coverage_get_municipality(&e, m, scenarios[s].on, &r))
                expect_municipality_answer(&e, r.json, m, scenarios[s].cells, scenarios[s].count, scenarios[s].on);
    /* "bör inte" is no recommendation to cover. */
    if (coverage_get_municipality(&e, M_PLAIN, ON_2031, &r)) {
        PGresult *res = db_query("SELECT t.slug FROM recommendations r JOIN intervention_types t ON t.id = "
                                 "r.intervention_type_id JOIN knowledge_supports k ON k.id = r.knowledge_support_id "
                                 "WHERE k.slug = '" KNOWLEDGE_SUPPORT "' AND r.strength::text = 'bör inte'", 0, NULL);
        for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++)
            EXPECT(&e, coverage_type_entry(r.json, PQgetvalue(res, i, 0)) == NULL, "\"bör inte\" type %s is listed",
                   PQgetvalue(res, i, 0));
        PQclear(res);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* A municipality's coverage equals its row of the county matrix, for every municipality of the county. */
static void test_municipality_equals_county_row(void **state)
{
    const char *dates[] = { ON_2031, ON_2030, ON_BEFORE_AGREEMENT, ON_AFTER, NULL /* today */ };
    struct expectations e = { 0 };
    struct http_response county_answer = { 0 }, r = { 0 };
    char label[1200], buf[600], buf2[600];
    (void)state;

    for (size_t d = 0; d < sizeof(dates) / sizeof(dates[0]); d++) {
        const char *on = dates[d];
        if (!coverage_get_county(&e, on, &county_answer))
            continue;
        json_t *answer = county_answer.json;
        const char *county_on = json_string_value(json_at(answer, "on"));
        EXPECT(&e, json_string_is(answer, "county.code", coverage_county), "county %s: county.code", coverage_county);
        EXPECT(&e, json_is_string(json_at(answer, "county.name")), "county %s: county.name", coverage_county);
        EXPECT(&e, on == NULL || json_string_is(answer, "on", on), "county %s: on %s, wanted %s", coverage_county,
               coverage_text_of(json_at(answer, "on")), on);
        EXPECT(&e, json_array_size(json_at(answer, "intervention_types")) == coverage_type_count,
               "county %s: %zu intervention types, wanted %zu", coverage_county,
               json_array_size(json_at(answer, "intervention_types")), coverage_type_count);
        for (size_t t = 0; t < coverage_type_count; t++) {
            snprintf(buf, sizeof(buf), "intervention_types.%zu.slug", t);
            EXPECT(&e, json_string_is(answer, buf, coverage_type_slug[t]), "county %s: intervention type %zu is %s, wanted %s",
                   coverage_county, t, coverage_text_of(json_at(answer, buf)), coverage_type_slug[t]);
        }
        EXPECT(&e, json_array_size(json_at(answer, "rows")) == coverage_municipality_count,
               "county %s on %s: %zu rows, wanted %zu", coverage_county, on ? on : "today",
               json_array_size(json_at(answer, "rows")), coverage_municipality_count);
        for (size_t m = 0; m < coverage_municipality_count; m++) {
            snprintf(buf, sizeof(buf), "rows.%zu.municipality.code", m);
            EXPECT(&e, json_string_is(answer, buf, coverage_municipality[m]), "county %s: row %zu is %s, wanted %s", coverage_county,
                   m, coverage_text_of(json_at(answer, buf)), coverage_municipality[m]);
            json_t *row = coverage_county_row(answer, coverage_municipality[m]);
            snprintf(label, sizeof(label), "municipality %s on %s", coverage_municipality[m], on ? on : "today");
            if (!EXPECT(&e, row != NULL, "%s: no row in the county matrix", label))
                continue;
            EXPECT(&e, json_string_is(row, "municipality.name", coverage_municipality_name[m]), "%s: name", label);
            if (!coverage_get_municipality(&e, m, on, &r))
                continue;
            if (on == NULL && (county_on == NULL || !json_string_is(r.json, "on", county_on)))
                continue;   /* midnight passed between the two requests */
            json_t *cells = json_at(row, "cells");
            EXPECT(&e, json_object_size(cells) == coverage_type_count, "%s: %zu cells, wanted %zu", label,
                   json_object_size(cells), coverage_type_count);
            for (size_t t = 0; t < coverage_type_count; t++) {
                json_t *entry = coverage_type_entry(r.json, coverage_type_slug[t]);
                json_t *cell = json_object_get(cells, coverage_type_slug[t]);
                if (!EXPECT(&e, entry != NULL && cell != NULL, "%s, %s: missing from one of the answers", label,
                            coverage_type_slug[t]))
                    continue;
                EXPECT(&e, json_equal(json_at(entry, "covered"), json_at(cell, "covered")),
                       "%s, %s: covered %s in the municipality's answer, %s in the county's", label, coverage_type_slug[t],
                       coverage_dump(json_at(entry, "covered"), buf, 20), coverage_dump(json_at(cell, "covered"), buf2, 20));
                EXPECT(&e, json_equal(json_at(entry, "best_route"), json_at(cell, "best_route")),
                       "%s, %s: best route %s in the municipality's answer, %s in the county's", label, coverage_type_slug[t],
                       coverage_dump(json_at(entry, "best_route"), buf, sizeof(buf)),
                       coverage_dump(json_at(cell, "best_route"), buf2, sizeof(buf2)));
            }
            EXPECT(&e, json_equal(json_at(row, "covered"), json_at(r.json, "summary.covered")),
                   "%s: covered %s in the county row, summary.covered %s", label,
                   coverage_dump(json_at(row, "covered"), buf, 40), coverage_dump(json_at(r.json, "summary.covered"), buf2, 40));
        }
        /* No date means today; no knowledge support means the 2021 one. */
        if (on == NULL && county_on != NULL) {
            char path[PATH_MAX_LENGTH];
            snprintf(path, sizeof(path), "/v1/counties/%s/coverage?on=%s&knowledge_support=" KNOWLEDGE_SUPPORT,
                     coverage_county, county_on);
            coverage_get(path, NULL, &r);
            if (expect_json(&e, &r, 200, path))
                EXPECT(&e, json_equal(r.json, answer), "%s differs from the answer without parameters", path);
        }
    }
    http_response_free(&county_answer);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- CSV --------------------------------------------------------------------------- */

#define CSV_FIELDS 12

/* Reads one RFC 4180 record ending in CRLF from *p into fields; returns the field count, or -1. */
static int csv_record(const char **p, char fields[][160], int max)
{
    const char *s = *p;
    int count = 0;

    for (;;) {
        char *out = count < max ? fields[count] : NULL;
        size_t n = 0;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '\0')
                    return -1;
                if (*s == '"' && s[1] == '"') {
                    if (out && n < 159)
                        out[n++] = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    if (out && n < 159)
                        out[n++] = *s;
                    s++;
                }
            }
        } else {
            while (*s != ',' && *s != '\r' && *s != '\n' && *s != '\0') {
                if (*s == '"')
                    return -1;
                if (out && n < 159)
                    out[n++] = *s;
                s++;
            }
        }
        if (out)
            out[n] = '\0';
        count++;
        if (*s == ',') {
            s++;
            continue;
        }
        if (s[0] == '\r' && s[1] == '\n') {
            *p = s + 2;
            return count;
        }
        return -1;   /* a bare LF, or the body ends without CRLF */
    }
}

/* A JSON scalar as its CSV text: "" for null or missing. */
static const char *csv_text(const json_t *value, char *buf, size_t size)
{
    if (json_is_string(value))
        snprintf(buf, size, "%s", json_string_value(value));
    else if (json_is_integer(value))
        snprintf(buf, size, "%lld", (long long)json_integer_value(value));
    else if (json_is_boolean(value))
        snprintf(buf, size, "%s", json_is_true(value) ? "true" : "false");
    else
        buf[0] = '\0';
    return buf;
}

static void test_county_csv_agrees_with_json(void **state)
{
    static const char *const header[CSV_FIELDS] = { "municipality_code", "municipality", "intervention_type",
                                                    "covered", "route", "status", "lead_time_weeks",
                                                    "cost_per_case_sek", "method", "provider_id", "agreement_id",
                                                    "offering_id" };
    const char *dates[] = { ON_2031, ON_2030, ON_AFTER };
    struct expectations e = { 0 };
    struct http_response csv = { 0 }, json = { 0 };
    char path[PATH_MAX_LENGTH], label[1200], fields[CSV_FIELDS + 2][160], want[160];
    (void)state;

    for (size_t d = 0; d < sizeof(dates) / sizeof(dates[0]); d++) {
        coverage_coverage_path(path, sizeof(path), "counties", coverage_county, dates[d]);
        if (!coverage_get_county(&e, dates[d], &json))
            continue;
        coverage_get(path, "text/csv", &csv);
        if (!EXPECT(&e, csv.status == 200 && http_media_type_is(&csv, "text/csv"), "%s as CSV: %ld %s %.200s", path,
                    csv.status, http_header(&csv, "Content-Type") ? http_header(&csv, "Content-Type") : "-",
                    csv.body))
            continue;
        /* One URL, two representations: caches must key on Accept, and the ETags differ. */
        const char *vary = http_header(&csv, "Vary");
        const char *csv_etag = http_header(&csv, "ETag"), *json_etag = http_header(&json, "ETag");
        EXPECT(&e, vary != NULL && strcasestr(vary, "Accept") != NULL, "%s as CSV: Vary \"%s\"", path,
               vary ? vary : "(none)");
        EXPECT(&e, csv_etag == NULL || json_etag == NULL || strcmp(csv_etag, json_etag) != 0,
               "%s: the CSV and the JSON have the same ETag %s", path, csv_etag);
        const char *p = csv.body;
        int n = csv_record(&p, fields, CSV_FIELDS + 2);
        bool header_ok = n == CSV_FIELDS;
        for (int i = 0; header_ok && i < CSV_FIELDS; i++)
            header_ok = strcmp(fields[i], header[i]) == 0;
        EXPECT(&e, header_ok, "%s as CSV: header line %.200s", path, csv.body);
        size_t lines = 1;
        for (size_t m = 0; m < coverage_municipality_count; m++) {
            json_t *row = coverage_county_row(json.json, coverage_municipality[m]);
            for (size_t t = 0; t < coverage_type_count; t++) {
                snprintf(label, sizeof(label), "%s as CSV, line %zu (%s, %s)", path, lines + 1, coverage_municipality[m],
                         coverage_type_slug[t]);
                if (*p == '\0') {
                    EXPECT(&e, false, "%s: missing", label);
                    continue;
                }
                n = csv_record(&p, fields, CSV_FIELDS + 2);
                lines++;
                if (!EXPECT(&e, n == CSV_FIELDS, "%s: %d fields", label, n))
                    break;
                json_t *cell = json_object_get(json_at(row, "cells"), coverage_type_slug[t]);
                json_t *route = json_at(cell, "best_route");
                const struct {
                    const char *column;
                    const json_t *value;
                } columns[CSV_FIELDS] = {
                    { "municipality_code", json_at(row, "municipality.code") },
                    { "municipality", json_at(row, "municipality.name") },
                    { "intervention_type", NULL },
                    { "covered", json_at(cell, "covered") },
                    { "route", json_at(route, "kind") },
                    { "status", json_at(route, "status") },
                    { "lead_time_weeks", json_at(route, "lead_time_weeks") },
                    { "cost_per_case_sek", json_at(route, "cost_per_case_sek") },
                    { "method", json_at(route, "method") },
                    { "provider_id", json_at(route, "provider.id") },
                    { "agreement_id", json_at(route, "agreement.id") },
                    { "offering_id", json_at(route, "offering_id") },
                };
                for (int c = 0; c < CSV_FIELDS; c++) {
                    if (c == 2)
                        snprintf(want, sizeof(want), "%s", coverage_type_slug[t]);
                    else
                        csv_text(columns[c].value, want, sizeof(want));
                    EXPECT(&e, strcmp(fields[c], want) == 0, "%s: %s is \"%s\", the JSON says \"%s\"", label,
                           columns[c].column, fields[c], want);
                }
            }
        }
        EXPECT(&e, *p == '\0', "%s as CSV: more than 1 + %zu x %zu lines: %.200s", path, coverage_municipality_count,
               coverage_type_count, p);
        EXPECT(&e, lines == 1 + coverage_municipality_count * coverage_type_count, "%s as CSV: %zu lines, wanted %zu", path, lines,
               1 + coverage_municipality_count * coverage_type_count);
    }
    /* Errors stay problems when CSV is asked for. */
    coverage_get("/v1/counties/99/coverage", "text/csv", &csv);
    expect_problem(&e, &csv, 404, "/problems/not-found", NULL, "GET /v1/counties/99/coverage as CSV");
    snprintf(path, sizeof(path), "/v1/counties/%s/coverage?knowledge_support=nope", coverage_county);
    coverage_get(path, "text/csv", &csv);
    expect_problem(&e, &csv, 404, "/problems/not-found", NULL, path);
    http_response_free(&csv);
    http_response_free(&json);
    assert_int_equal(e.failed, 0);
}

/* ---- gaps ------------------------------------------------------------------------------ */

/* The gaps answer lists exactly the uncovered cells of the county matrix (of type, or all when NULL). */
static void expect_gaps(struct expectations *e, const json_t *matrix, const json_t *gaps, const char *type,
                        bool only_county, const char *label)
{
    char buf[600], buf2[600];
    size_t expected = 0, listed = 0, i;
    json_t *item;

    json_array_foreach(json_at(gaps, "items"), i, item) {
        const char *code = json_string_value(json_at(item, "municipality.code"));
        const char *slug = json_string_value(json_at(item, "intervention_type"));
        if (type != NULL)
            EXPECT(e, slug != NULL && strcmp(slug, type) == 0, "%s: item %zu is of type %s", label, i,
                   slug ? slug : "(none)");
        if (code == NULL || strncmp(code, coverage_county, 2) != 0) {
            EXPECT(e, !only_county, "%s: item %zu is in municipality %s, outside the county", label, i,
                   code ? code : "(none)");
            continue;
        }
        listed++;
        json_t *row = coverage_county_row(matrix, code);
        json_t *cell = json_object_get(json_at(row, "cells"), slug ? slug : "");
        if (!EXPECT(e, cell != NULL, "%s: item %zu (%s, %s) is no cell of the matrix", label, i, code,
                    slug ? slug : "(none)"))
            continue;
        EXPECT(e, json_is_false(json_at(cell, "covered")), "%s: %s %s is listed but covered", label, code, slug);
        EXPECT(e, json_equal(json_at(item, "nearest"), json_at(cell, "best_route")),
               "%s: %s %s: nearest %s, the matrix's best route %s", label, code, slug,
               coverage_dump(json_at(item, "nearest"), buf, sizeof(buf)), coverage_dump(json_at(cell, "best_route"), buf2, sizeof(buf2)));
        EXPECT(e, json_string_is(item, "municipality.name", json_string_value(json_at(row, "municipality.name"))),
               "%s: %s: municipality.name", label, code);
    }
    for (size_t m = 0; m < coverage_municipality_count; m++) {
        json_t *row = coverage_county_row(matrix, coverage_municipality[m]);
        for (size_t t = 0; t < coverage_type_count; t++) {
            if (type != NULL && strcmp(type, coverage_type_slug[t]) != 0)
                continue;
            if (!json_is_false(json_at(json_object_get(json_at(row, "cells"), coverage_type_slug[t]), "covered")))
                continue;
            expected++;
            bool found = false;
            json_array_foreach(json_at(gaps, "items"), i, item)
                found |= json_string_is(item, "municipality.code", coverage_municipality[m])
                         && json_string_is(item, "intervention_type", coverage_type_slug[t]);
            EXPECT(e, found, "%s: the uncovered cell %s %s is not listed", label, coverage_municipality[m], coverage_type_slug[t]);
        }
    }
    EXPECT(e, listed == expected, "%s: %zu items in county %s, %zu uncovered cells", label, listed, coverage_county, expected);
    EXPECT(e, coverage_json_int_is(gaps, "total", (long long)json_array_size(json_at(gaps, "items"))),
           "%s: total %s for %zu items", label, coverage_dump(json_at(gaps, "total"), buf, 40),
           json_array_size(json_at(gaps, "items")));
}

static void test_gaps_are_the_uncovered_cells(void **state)
{
    const char *dates[] = { ON_2031, ON_2030 };
    struct expectations e = { 0 };
    struct http_response matrix = { 0 }, r = { 0 };
    char path[PATH_MAX_LENGTH];
    (void)state;

    for (size_t d = 0; d < sizeof(dates) / sizeof(dates[0]); d++) {
        if (!coverage_get_county(&e, dates[d], &matrix))
            continue;
        snprintf(path, sizeof(path), "/v1/gaps?county=%s&on=%s", coverage_county, dates[d]);
        coverage_get(path, NULL, &r);
        if (expect_json(&e, &r, 200, path)) {
            expect_gaps(&e, matrix.json, r.json, NULL, true, path);
            EXPECT(&e, json_string_is(r.json, "county", coverage_county), "%s: county", path);
            EXPECT(&e, json_string_is(r.json, "on", dates[d]), "%s: on", path);
        }
        for (size_t t = 0; t < coverage_type_count; t++) {
            snprintf(path, sizeof(path), "/v1/gaps?county=%s&intervention_type=%s&on=%s", coverage_county, coverage_type_slug[t],
                     dates[d]);
            coverage_get(path, NULL, &r);
            if (expect_json(&e, &r, 200, path)) {
                expect_gaps(&e, matrix.json, r.json, coverage_type_slug[t], true, path);
                EXPECT(&e, json_string_is(r.json, "intervention_type", coverage_type_slug[t]), "%s: intervention_type", path);
            }
            /* The whole country, filtered by type: this county's part is the same. */
            snprintf(path, sizeof(path), "/v1/gaps?intervention_type=%s&on=%s", coverage_type_slug[t], dates[d]);
            coverage_get(path, NULL, &r);
            if (expect_json(&e, &r, 200, path))
                expect_gaps(&e, matrix.json, r.json, coverage_type_slug[t], false, path);
        }
    }
    if (coverage_county_clean) {
        /* In 2031 the table's cells decide: 2 of 5 types for the orderer are covered, etc. */
        size_t uncovered = 0;
        for (size_t m = 0; m < coverage_municipality_count; m++)
            for (size_t t = 0; t < coverage_type_count; t++) {
                const struct cell_expect *x = expected_cell(cells_2031, sizeof(cells_2031) / sizeof(cells_2031[0]),
                                                            m, coverage_type_slug[t]);
                uncovered += x == NULL || !coverage_status_covers(x->status);
            }
        snprintf(path, sizeof(path), "/v1/gaps?county=%s&on=" ON_2031, coverage_county);
        coverage_get(path, NULL, &r);
        if (expect_json(&e, &r, 200, path))
            EXPECT(&e, coverage_json_int_is(r.json, "total", (long long)uncovered), "%s: total %lld, the table says %zu", path,
                   (long long)json_integer_value(json_at(r.json, "total")), uncovered);
        snprintf(path, sizeof(path), "/v1/gaps?county=%s&intervention_type=familjebehandling&on=" ON_2031, coverage_county);
        coverage_get(path, NULL, &r);
        if (expect_json(&e, &r, 200, path))
            EXPECT(&e, coverage_json_int_is(r.json, "total", 0), "%s: familjebehandling is covered everywhere: %.300s", path,
                   r.body);
        snprintf(path, sizeof(path), "/v1/gaps?county=%s&on=" ON_AFTER, coverage_county);
        coverage_get(path, NULL, &r);
        if (expect_json(&e, &r, 200, path))
            EXPECT(&e, coverage_json_int_is(r.json, "total", (long long)(coverage_municipality_count * coverage_type_count)),
                   "%s: nothing is valid in 2032, so every cell is a gap", path);
    }
    /* A type that is not recommended is nobody's gap. */
    PGresult *res = db_query("SELECT t.slug FROM intervention_types t WHERE NOT EXISTS (SELECT 1 FROM recommendations "
                             "r JOIN knowledge_supports k ON k.id = r.knowledge_support_id WHERE k.slug = '"
                             KNOWLEDGE_SUPPORT "' AND r.intervention_type_id = t.id AND r.strength::text <> 'bör inte') "
                             "ORDER BY t.slug LIMIT 1", 0, NULL);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        snprintf(path, sizeof(path), "/v1/gaps?county=%s&intervention_type=%s&on=" ON_2031, coverage_county,
                 PQgetvalue(res, 0, 0));
        coverage_get(path, NULL, &r);
        if (expect_json(&e, &r, 200, path))
            EXPECT(&e, coverage_json_int_is(r.json, "total", 0) && json_array_size(json_at(r.json, "items")) == 0,
                   "%s: a type that is not recommended has gaps: %.300s", path, r.body);
    }
    PQclear(res);
    http_response_free(&matrix);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/*
 * The group setup: coverage_setup_group()'s world, with its agreement made
 * "aktiv" (as test_coverage_routes.c's first test does), so that the cells are
 * those of an agreement in force. In a county with other data that test is
 * skipped, and the agreement stays a draft here too.
 */
static int setup_matrix(void **state)
{
    struct expectations e = { 0 };

    if (coverage_setup_group(state) != 0)
        return -1;
    if (coverage_county_clean && !(coverage_transition(&e, "föreslagen") && coverage_transition(&e, "aktiv"))) {
        fprintf(stderr, "# setup: the agreement could not be made \"aktiv\"\n");
        coverage_teardown_group(state);
        return -1;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_municipality_cells_by_date),
        cmocka_unit_test(test_municipality_equals_county_row),
        cmocka_unit_test(test_county_csv_agrees_with_json),
        cmocka_unit_test(test_gaps_are_the_uncovered_cells),
    };
    return cmocka_run_group_tests_name("coverage_matrix", tests, setup_matrix, coverage_teardown_group);
}
