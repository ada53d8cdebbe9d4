/*
 * tests/api/test_offerings_csv.c: offerings as CSV, out and in, against the
 * real server: the export (GET /v1/offerings and GET /v1/counties/{code}/
 * offerings with Accept: text/csv), the Accept negotiation around it, and
 * the import (POST /v1/offerings/import, Content-Type: text/csv): the round
 * trip of an export, creates and updates with their audit trail, every
 * error of a bad file listed by row, column and field, the quoting of
 * cells, the refusals (401, 403, 413, 415, query parameters) and the
 * provider:<id> key scope.
 *
 * The group setup creates its own world through the JSON API with ADMIN_KEY:
 * two methods ("tc-m1-<tag>", "tc-m2-<tag>"), five providers with
 * organisation numbers unique to the run (the Luhn check digit computed by
 * fixtures.c), seven offerings and five availability records; and two
 * provider-scoped keys made with build/insatskatalog-admin. Every offering
 * of those providers (imports create more) is deleted again through the
 * API, then the providers and methods, and the keys are revoked.
 *
 * Each expected CSV line is built here from the same table the offerings
 * were created from, so an export is compared byte for byte. A refused or
 * no-op import must change nothing: the fingerprint of the database (audit
 * trail size, row counts and newest updated_at of providers, offerings and
 * availability, and every updated_at of this run's offerings) is compared
 * before and after, read with libpq.
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
#include <strings.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"

#define MIB (1024 * 1024)
#define PATH_MAX_LENGTH 512
#define LABEL_MAX 700
#define MAX_ERRORS 32
#define IMPORT_PATH "/v1/offerings/import"
#define CSV_HEADER                                                                                        \
    "provider_organisation_number,method,startup_fee_sek,training_cost_per_participant_sek,"             \
    "cost_per_case_sek,yearly_fee_sek,training_days,training_for,certification_required,delivery,"        \
    "languages,valid_from,valid_to,verified_on"

/* ---- state shared by the tests ------------------------------------------- */

static char tag[16];
static unsigned long run_number;
static int org_counter;
static char admin_auth[300], municipality_auth[300], admin_key_name[100];
static char key_b_auth[300], key_d_auth[300], key_b_name[64], key_d_name[64];
static char method_m1[64], method_m2[64], missing_method[64];
static char provider_ids_array[200];   /* "{1,2,3,4,5}": this run's providers, for SQL */

enum provider_index { P_A, P_B, P_C, P_D, P_E, PROVIDER_COUNT };
static long long provider_id[PROVIDER_COUNT];
static char provider_org[PROVIDER_COUNT][11];
static char unknown_org[11];     /* a valid organisation number no provider has */
static char bad_check_org[11];   /* ten digits with a wrong check digit */

static const struct {
    const char *suffix, *kind, *home_county;
} provider_fixtures[PROVIDER_COUNT] = {
    [P_A] = { "Alfa", "privat", "03" },
    [P_B] = { "Beta", "idéburen", "01" },
    [P_C] = { "Gamma", "privat", "05" },
    [P_D] = { "Delta", "universitet", "04" },
    [P_E] = { "Epsilon", "privat", "03" },
};

/*
 * One offering, as values. Created through the JSON API (the setup's), or
 * written as an import row; either way the export line is built from it.
 */
struct offering_fixture {
    enum provider_index provider;
    int method;                      /* 1: method_m1, 2: method_m2 */
    const char *startup, *training_cost, *cost_per_case, *yearly;   /* digits; NULL: none */
    const char *days;                /* as sent (JSON number, CSV cell); NULL: none */
    const char *days_csv;            /* as the export writes it (numeric(5, 1)) */
    const char *training_for;        /* "|"-joined; "": none */
    const char *certification;       /* "true", "false"; NULL: not given (false) */
    const char *delivery;
    const char *languages;           /* "|"-joined (no value holds "|"); NULL: not given (JSON: ["svenska"]) */
    const char *valid_from, *valid_to, *verified_on;   /* NULL: none */
};

enum offering_index { O_A1, O_A2, O_A3, O_B1, O_C1, O_C2, O_D1, OFFERING_COUNT };
#define BIT(o) (1u << (o))
#define ALL_OF_A (BIT(O_A1) | BIT(O_A2) | BIT(O_A3))

static const struct offering_fixture offering_fixtures[OFFERING_COUNT] = {
    /* every value, and languages that need quoting: a comma, a quote, a trailing blank */
    [O_A1] = { P_A, 1, "50000", "12000", "15000", "8000", "5.5", "5.5", "behandlare|handledare", "true", "båda",
               "svenska|arabiska, syriska|tigrinja \"T\"|sista ", "2024-01-01", "2025-12-31", "2025-03-01" },
    [O_A2] = { P_A, 2, NULL, NULL, NULL, NULL, NULL, NULL, "", NULL, "digitalt", NULL, "2023-01-01", "2023-12-31",
               NULL },
    [O_A3] = { P_A, 1, NULL, NULL, "9000", NULL, "2", "2.0", "handledare", "false", "på plats", "", "2025-06-01",
               NULL, NULL },
    [O_B1] = { P_B, 2, "0", NULL, NULL, NULL, "0.5", "0.5", "behandlare", NULL, "på plats", "finska", "2024-01-01",
               NULL, "2024-02-02" },
    [O_C1] = { P_C, 1, NULL, NULL, "10000", NULL, NULL, NULL, "", NULL, "digitalt", NULL, "2024-01-01", NULL, NULL },
    [O_C2] = { P_C, 1, NULL, NULL, "11000", NULL, "3", "3.0", "behandlare", NULL, "på plats", NULL, "2023-01-01",
               "2023-06-30", NULL },
    [O_D1] = { P_D, 1, NULL, NULL, "5000", NULL, NULL, NULL, "", NULL, "båda", NULL, "2024-01-01", NULL, NULL },
};
static long long offering_id[OFFERING_COUNT];

/* Availability: county 03 lists A1 (county-wide) and A3 (in a municipality); county 01 lists A2 and A3. */
static const struct {
    enum offering_index offering;
    const char *county, *municipality, *status;
} availability_fixtures[] = {
    { O_A1, "03", NULL, "tillgänglig" },
    { O_A2, "03", NULL, "ej tillgänglig" },
    { O_A2, "01", NULL, "begränsad" },
    { O_A3, "01", NULL, "tillgänglig" },
    { O_A3, "03", "0380", "planerad" },
};

/* ---- text ------------------------------------------------------------------ */

struct text {
    char *data;
    size_t length, capacity;
};

static void text_add(struct text *t, const char *bytes, size_t length)
{
    if (t->length + length + 1 > t->capacity) {
        size_t capacity = t->capacity ? t->capacity : 256;
        while (t->length + length + 1 > capacity)
            capacity *= 2;
        char *data = realloc(t->data, capacity);
        assert_non_null(data);
        t->data = data;
        t->capacity = capacity;
    }
    memcpy(t->data + t->length, bytes, length);
    t->length += length;
    t->data[t->length] = '\0';
}

static void text_puts(struct text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

/* The text, never NULL (an empty string when nothing was added); the caller frees it. */
static char *text_take(struct text *t)
{
    if (t->data == NULL)
        text_add(t, "", 0);
    return t->data;
}

/* Replaces the @TOKENS@ of a template (paths, CSV files) with this run's values; the caller frees it. */
static char *expand(const char *template)
{
    char ids[PROVIDER_COUNT][24];
    for (int p = 0; p < PROVIDER_COUNT; p++)
        snprintf(ids[p], sizeof(ids[p]), "%lld", provider_id[p]);
    const struct {
        const char *name, *value;
    } tokens[] = {
        { "@PA@", ids[P_A] }, { "@PB@", ids[P_B] }, { "@PC@", ids[P_C] }, { "@PD@", ids[P_D] },
        { "@PE@", ids[P_E] }, { "@OA@", provider_org[P_A] }, { "@OB@", provider_org[P_B] },
        { "@OC@", provider_org[P_C] }, { "@OD@", provider_org[P_D] }, { "@M1@", method_m1 }, { "@M2@", method_m2 },
        { "@NOMETHOD@", missing_method }, { "@NOORG@", unknown_org }, { "@BADORG@", bad_check_org },
    };
    struct text out = { 0 };

    for (const char *p = template; *p != '\0';) {
        bool replaced = false;
        if (*p == '@')
            for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]) && !replaced; i++)
                if (strncmp(p, tokens[i].name, strlen(tokens[i].name)) == 0) {
                    text_puts(&out, tokens[i].value);
                    p += strlen(tokens[i].name);
                    replaced = true;
                }
        if (!replaced)
            text_add(&out, p++, 1);
    }
    return text_take(&out);
}

/* ---- CSV as this file writes it ---------------------------------------------- */

/* One cell: quoted (quotes doubled) when it must be, as the export does it, or always. */
static void csv_cell(struct text *t, const char *value, bool quote_always)
{
    size_t length = strlen(value);
    bool quote = quote_always || strpbrk(value, "\",\r\n") != NULL
                 || (length > 0 && (strchr(" \t", value[0]) != NULL || strchr(" \t", value[length - 1]) != NULL));

    if (!quote) {
        text_puts(t, value);
        return;
    }
    text_puts(t, "\"");
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '"')
            text_puts(t, "\"\"");
        else
            text_add(t, p, 1);
    }
    text_puts(t, "\"");
}

enum line_mode {
    AS_EXPORTED,   /* what the export writes: false for no certification, "svenska" for no languages given */
    AS_WRITTEN,    /* the fixture's own cells: empty for each NULL */
};

/* The fixture's 14 cells, without a line end. */
static void csv_line(struct text *t, const struct offering_fixture *f, enum line_mode mode, bool quote_always)
{
    const char *cells[14] = {
        provider_org[f->provider],
        f->method == 1 ? method_m1 : method_m2,
        f->startup ? f->startup : "",
        f->training_cost ? f->training_cost : "",
        f->cost_per_case ? f->cost_per_case : "",
        f->yearly ? f->yearly : "",
        mode == AS_EXPORTED ? (f->days_csv ? f->days_csv : "") : (f->days ? f->days : ""),
        f->training_for,
        f->certification ? f->certification : mode == AS_EXPORTED ? "false" : "",
        f->delivery,
        f->languages ? f->languages : mode == AS_EXPORTED ? "svenska" : "",
        f->valid_from,
        f->valid_to ? f->valid_to : "",
        f->verified_on ? f->verified_on : "",
    };
    for (int i = 0; i < 14; i++) {
        if (i > 0)
            text_puts(t, ",");
        csv_cell(t, cells[i], quote_always);
    }
}

/* How a whole file is written. Zero: CRLF, a final line break, cells quoted only when needed. */
struct csv_style {
    bool lf;               /* "\n" line ends */
    bool cr;               /* "\r" line ends */
    bool bom;              /* a UTF-8 byte order mark first */
    bool no_final_break;   /* no line break after the last row */
    bool blank_lines;      /* an empty line before every data row */
    bool reversed;         /* rows last to first */
    bool quote_always;     /* every cell quoted, the header's too */
};

/* A file: the header and a line per fixture, in order; the caller frees it. */
static char *csv_file(const struct offering_fixture *const *rows, size_t count, enum line_mode mode,
                      const struct csv_style *style)
{
    static const struct csv_style plain = { 0 };
    struct text t = { 0 };
    const char *end;

    if (style == NULL)
        style = &plain;
    end = style->lf ? "\n" : style->cr ? "\r" : "\r\n";
    if (style->bom)
        text_puts(&t, "\xef\xbb\xbf");
    if (style->quote_always) {
        char header[] = CSV_HEADER, *save = NULL;
        for (char *name = strtok_r(header, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
            if (name != header)
                text_puts(&t, ",");
            csv_cell(&t, name, true);
        }
    } else
        text_puts(&t, CSV_HEADER);
    for (size_t i = 0; i < count; i++) {
        text_puts(&t, end);
        if (style->blank_lines)
            text_puts(&t, end);
        csv_line(&t, rows[style->reversed ? count - 1 - i : i], mode, style->quote_always);
    }
    if (!style->no_final_break)
        text_puts(&t, end);
    return text_take(&t);
}

/* The export of the setup's offerings in mask, byte for byte (they were created in index order, so by id). */
static char *expected_export(unsigned mask)
{
    const struct offering_fixture *rows[OFFERING_COUNT];
    size_t count = 0;

    for (int o = 0; o < OFFERING_COUNT; o++)
        if (mask & BIT(o))
            rows[count++] = &offering_fixtures[o];
    return csv_file(rows, count, AS_EXPORTED, NULL);
}

static size_t bits_in(unsigned mask)
{
    size_t count = 0;
    for (; mask != 0; mask &= mask - 1)
        count++;
    return count;
}

/* ---- the database -------------------------------------------------------- */

/* What an import can change: the audit trail, the three tables, and each of this run's offerings. */
static char *csv_state(void)
{
    static const char *const tables[] = { "providers", "offerings", "offering_availability", NULL };
    const char *params[] = { provider_ids_array };
    char *global = db_fingerprint(tables);
    char *mine = db_text("SELECT coalesce(string_agg(id || '@' || updated_at, ',' ORDER BY id), '-') "
                         "FROM offerings WHERE provider_id = ANY($1::bigint[])", 1, params);
    char *both = NULL;

    if (global != NULL && mine != NULL && asprintf(&both, "%s | %s", global, mine) < 0)
        both = NULL;
    free(global);
    free(mine);
    return both;
}

static long long newest_audit_id(void)
{
    return db_count("SELECT coalesce(max(id), 0) FROM audit_log", 0, NULL);
}

/* The id of provider p's offering of method (1, 2) from valid_from; -1 when there is none. */
static long long offering_id_of(enum provider_index p, int method, const char *valid_from)
{
    char id[24];
    snprintf(id, sizeof(id), "%lld", provider_id[p]);
    const char *params[] = { id, method == 1 ? method_m1 : method_m2, valid_from };
    return db_count("SELECT coalesce((SELECT o.id FROM offerings o JOIN methods m ON m.id = o.method_id "
                    "WHERE o.provider_id = $1::bigint AND m.slug = $2 AND o.valid_from = $3::date), -1)",
                    3, params);
}

static char *updated_at_of(long long id)
{
    char id_text[24];
    snprintf(id_text, sizeof(id_text), "%lld", id);
    const char *params[] = { id_text };
    return db_text("SELECT updated_at::text FROM offerings WHERE id = $1::bigint", 1, params);
}

struct audit_expectation {
    long long entity_id;
    const char *action;   /* "create" or "update" */
};

/*
 * The audit entries after after_id are exactly one per expected offering,
 * entity "offering", with its action, key_name, and a "before" exactly when
 * it is an update.
 */
static void expect_audit_since(struct expectations *e, long long after_id, const struct audit_expectation *expected,
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
static void get_with_accept(const char *path_template, const char *accept_line, struct http_response *r)
{
    char *path = expand(path_template);
    const char *headers[] = { accept_line, NULL };
    http_response_free(r);
    http_get(path, headers, r);
    free(path);
}

/* POST /v1/offerings/import<query> with the body as Content-Type (NULL: none) and authorization (NULL: none). */
static void import_as(const char *authorization, const char *content_type, const char *query, const char *body,
                      struct http_response *r)
{
    char path[PATH_MAX_LENGTH];
    snprintf(path, sizeof(path), "%s%s", IMPORT_PATH, query ? query : "");
    http_response_free(r);
    request_as("POST", path, authorization, content_type, NULL, body, r);
}

static bool header_has_token(const struct http_response *r, const char *name, const char *token)
{
    const char *value = http_header(r, name);
    return value != NULL && strcasestr(value, token) != NULL;
}

/* 200 {created, updated, unchanged} with exactly those counts, never stored by a cache. */
static bool expect_counts(struct expectations *e, const struct http_response *r, long long created,
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
    ok &= EXPECT(e, header_has_token(r, "Cache-Control", "no-store"), "%s: Cache-Control \"%s\"", label,
                 http_header(r, "Cache-Control") ? http_header(r, "Cache-Control") : "(none)");
    ok &= EXPECT(e, header_has_token(r, "Vary", "Accept"), "%s: no Vary: Accept", label);
    return ok;
}

/* A 200 text/csv; charset=utf-8 answer with Vary: Accept and an ETag whose body is exactly expected. */
static bool expect_csv_body(struct expectations *e, const struct http_response *r, const char *expected,
                            const char *label)
{
    const char *type = http_header(r, "Content-Type");
    bool ok = EXPECT(e, r->status == 200, "%s: status %ld: %.400s", label, r->status, r->body ? r->body : "");
    ok &= EXPECT(e, http_media_type_is(r, "text/csv") && type != NULL && strcasestr(type, "charset=utf-8") != NULL,
                 "%s: Content-Type \"%s\"", label, type ? type : "(none)");
    ok &= EXPECT(e, header_has_token(r, "Vary", "Accept"), "%s: no Vary: Accept", label);
    ok &= EXPECT(e, http_header(r, "ETag") != NULL && http_header(r, "ETag")[0] == '"', "%s: no quoted ETag", label);
    ok &= EXPECT(e, http_header(r, "Access-Control-Allow-Origin") != NULL, "%s: no CORS header", label);
    ok &= EXPECT(e, r->body != NULL && strcmp(r->body, expected) == 0,
                 "%s: the CSV differs.\n# expected:\n%s\n# got:\n%s", label, expected, r->body ? r->body : "(none)");
    return ok;
}

/* The ids on one JSON page of path (with @TOKENS@, a query already begun) are exactly the setup's offerings in mask. */
static bool expect_json_ids(struct expectations *e, const struct http_response *r, unsigned mask, const char *label)
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
            if (offering_id[o] == id)
                found = o;
        ok &= EXPECT(e, found >= 0 && (mask & BIT(found)) && !(seen & BIT(found)),
                     "%s: offering %lld is listed but should not be (or twice)", label, id);
        if (found >= 0)
            seen |= BIT(found);
    }
    ok &= EXPECT(e, seen == mask, "%s: listed offerings %#x, expected %#x: %.500s", label, seen, mask, r->body);
    return ok;
}

static json_t *json_list_of(const char *joined)   /* "a|b" -> ["a", "b"]; "" -> [] */
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
static void expect_offering_document(struct expectations *e, long long id, const struct offering_fixture *f,
                                     const char *label)
{
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    json_t *days, *roles = json_list_of(f->training_for);
    json_t *languages = f->languages ? json_list_of(f->languages) : json_pack("[s]", "svenska");

    snprintf(path, sizeof(path), "/v1/offerings/%lld", id);
    http_get(path, NULL, &r);
    if (expect_json(e, &r, 200, label)) {
        days = json_at(r.json, "training.days");
        EXPECT(e, json_integer_value(json_at(r.json, "provider.id")) == provider_id[f->provider], "%s: provider",
               label);
        EXPECT(e, json_string_is(r.json, "method.slug", f->method == 1 ? method_m1 : method_m2), "%s: method", label);
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

/* One error an invalid-csv problem must list. column 0: about the whole row (JSON null, field "(row)"). */
struct csv_error {
    long row;
    int column;
    const char *field;
};

/*
 * 400 /problems/invalid-csv listing exactly the expected errors (count of
 * them, ending at a zero row), in order of row and column, each with a
 * message; error_count is total (0: count).
 */
static bool expect_csv_errors(struct expectations *e, const struct http_response *r, const struct csv_error *expected,
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

/* ---- setup --------------------------------------------------------------- */

static bool setup_fail(struct http_response *r, const char *what)
{
    fprintf(stderr, "# setup: creating %s failed: %ld %.400s\n", what, r->status, r->body ? r->body : "");
    http_response_free(r);
    return false;
}

/* POSTs body (taken) to collection as admin; on 201 remembers the record and returns its id, else -1. */
static long long create_record(const char *collection, json_t *body, struct http_response *r)
{
    char *text = json_dumps(body, JSON_COMPACT);
    char path[PATH_MAX_LENGTH];
    long long id = -1;

    json_decref(body);
    http_response_free(r);
    request_as("POST", collection, admin_auth, "application/json", NULL, text, r);
    free(text);
    if (r->status == 201 && json_is_integer(json_at(r->json, "id"))) {
        id = json_integer_value(json_at(r->json, "id"));
        snprintf(path, sizeof(path), "%s/%lld", collection, id);
        remember_created(path);
    }
    return id;
}

static json_t *offering_body(const struct offering_fixture *f)
{
    json_t *body = json_pack("{s:I, s:s, s:s, s:s}", "provider_id", (json_int_t)provider_id[f->provider], "method",
                             f->method == 1 ? method_m1 : method_m2, "delivery", f->delivery, "valid_from",
                             f->valid_from);
    const struct {
        const char *name, *digits;
    } costs[] = { { "startup_fee_sek", f->startup }, { "training_cost_per_participant_sek", f->training_cost },
                  { "cost_per_case_sek", f->cost_per_case }, { "yearly_fee_sek", f->yearly } };

    for (size_t i = 0; i < 4; i++)
        if (costs[i].digits != NULL)
            json_object_set_new(body, costs[i].name, json_integer(atoll(costs[i].digits)));
    if (f->training_for[0] != '\0')   /* the JSON API takes a non-empty list, or none */
        json_object_set_new(body, "training_for", json_list_of(f->training_for));
    if (f->days != NULL)
        json_object_set_new(body, "training_days", json_real(strtod(f->days, NULL)));
    if (f->certification != NULL)
        json_object_set_new(body, "certification_required", json_boolean(strcmp(f->certification, "true") == 0));
    if (f->languages != NULL)
        json_object_set_new(body, "languages", json_list_of(f->languages));
    if (f->valid_to != NULL)
        json_object_set_new(body, "valid_to", json_string(f->valid_to));
    if (f->verified_on != NULL)
        json_object_set_new(body, "verified_on", json_string(f->verified_on));
    return body;
}

static bool create_world(void)
{
    struct http_response r = { 0 };
    char nine[16], name[80], path[PATH_MAX_LENGTH];

    snprintf(method_m1, sizeof(method_m1), "tc-m1-%s", tag);
    snprintf(method_m2, sizeof(method_m2), "tc-m2-%s", tag);
    snprintf(missing_method, sizeof(missing_method), "tc-none-%s", tag);
    for (int i = 0; i < 2; i++) {
        const char *slug = i == 0 ? method_m1 : method_m2;
        json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s}", "slug", slug, "abbreviation",
                                 "TC", "name_sv", "TC-metoden", "name_en", "The TC method", "intervention_type",
                                 "familjebehandling", "age_min", 6, "age_max", 17, "format", "familj", "availability",
                                 "planerad", "description", "En metod som CSV-testerna skapar.");
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        request_as("POST", "/v1/methods", admin_auth, "application/json", NULL, text, &r);
        free(text);
        if (r.status != 201)
            return setup_fail(&r, slug);
        snprintf(path, sizeof(path), "/v1/methods/%s", slug);
        remember_created(path);
        http_response_free(&r);
    }
    for (int p = 0; p < PROVIDER_COUNT; p++) {
        /* An organisation number left over from an interrupted run is taken: try the next. */
        for (int attempt = 0; attempt < 5; attempt++) {
            snprintf(nine, sizeof(nine), "8%05lu%03d", run_number % 100000, org_counter++ % 1000);
            organisation_number_of(nine, true, provider_org[p]);
            snprintf(name, sizeof(name), "TC %s %s", tag, provider_fixtures[p].suffix);
            provider_id[p] = create_record("/v1/providers",
                                           json_pack("{s:s, s:s, s:s, s:s}", "name", name, "organisation_number",
                                                     provider_org[p], "kind", provider_fixtures[p].kind,
                                                     "home_county", provider_fixtures[p].home_county), &r);
            if (r.status != 409)
                break;
        }
        if (provider_id[p] < 0)
            return setup_fail(&r, provider_fixtures[p].suffix);
    }
    snprintf(nine, sizeof(nine), "8%05lu%03d", run_number % 100000, 900 + org_counter % 100);
    organisation_number_of(nine, true, unknown_org);
    organisation_number_of(nine, false, bad_check_org);
    snprintf(provider_ids_array, sizeof(provider_ids_array), "{%lld,%lld,%lld,%lld,%lld}", provider_id[P_A],
             provider_id[P_B], provider_id[P_C], provider_id[P_D], provider_id[P_E]);

    for (int o = 0; o < OFFERING_COUNT; o++) {
        offering_id[o] = create_record("/v1/offerings", offering_body(&offering_fixtures[o]), &r);
        if (offering_id[o] < 0)
            return setup_fail(&r, "an offering");
    }
    for (size_t a = 0; a < sizeof(availability_fixtures) / sizeof(availability_fixtures[0]); a++) {
        json_t *body = json_pack("{s:I, s:s, s:s}", "offering_id",
                                 (json_int_t)offering_id[availability_fixtures[a].offering], "county",
                                 availability_fixtures[a].county, "status", availability_fixtures[a].status);
        if (availability_fixtures[a].municipality != NULL)
            json_object_set_new(body, "municipality", json_string(availability_fixtures[a].municipality));
        if (create_record("/v1/availability", body, &r) < 0)
            return setup_fail(&r, "an availability record");
    }
    http_response_free(&r);
    return true;
}

static int teardown_group(void **state);

/* A failed setup cleans up what it made: cmocka runs no group teardown after it. */
static int setup_failed(void)
{
    teardown_group(NULL);
    return -1;
}

static int setup_group(void **state)
{
    const char *url = getenv("DATABASE_URL");
    const char *admin = getenv("ADMIN_KEY");
    const char *municipality = getenv("MUNICIPALITY_KEY");
    char scope[40];
    (void)state;

    if (url == NULL || admin == NULL || municipality == NULL) {
        fprintf(stderr, "# DATABASE_URL, ADMIN_KEY and MUNICIPALITY_KEY must be set (tests/run.sh sets them)\n");
        return -1;
    }
    if (!db_open(url))
        return -1;
    snprintf(admin_auth, sizeof(admin_auth), "Bearer %s", admin);
    snprintf(municipality_auth, sizeof(municipality_auth), "Bearer %s", municipality);
    key_name_of(admin, admin_key_name, sizeof(admin_key_name));

    unsigned long seed = run_seed();
    tag_of_seed(seed, tag, sizeof(tag));
    run_number = (seed * 2654435761UL) % 100000;
    if (!create_world())
        return setup_failed();

    snprintf(key_b_name, sizeof(key_b_name), "tc-%s-b", tag);
    snprintf(key_d_name, sizeof(key_d_name), "tc-%s-d", tag);
    snprintf(scope, sizeof(scope), "provider:%lld", provider_id[P_B]);
    if (!make_key(key_b_name, scope, key_b_auth, sizeof(key_b_auth))) {
        key_b_name[0] = key_d_name[0] = '\0';
        return setup_failed();
    }
    snprintf(scope, sizeof(scope), "provider:%lld", provider_id[P_D]);
    if (!make_key(key_d_name, scope, key_d_auth, sizeof(key_d_auth))) {
        key_d_name[0] = '\0';
        return setup_failed();
    }
    return 0;
}

/* Deletes through the API every path the SQL lists (one id a row) under collection; false when one failed. */
static bool delete_listed(const char *sql, const char *collection)
{
    const char *params[] = { provider_ids_array };
    PGresult *res = db_query(sql, 1, params);
    char path[PATH_MAX_LENGTH];
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;

    for (int i = 0; ok && i < PQntuples(res); i++) {
        snprintf(path, sizeof(path), "%s/%s", collection, PQgetvalue(res, i, 0));
        long status = delete_if_present(path, admin_auth);
        if (status != 204 && status != 404) {
            fprintf(stderr, "# teardown: deleting %s failed: %ld\n", path, status);
            ok = false;
        }
    }
    PQclear(res);
    return ok;
}

static int teardown_group(void **state)
{
    int failed = 0;
    (void)state;

    /* Imports create offerings the setup did not: delete every one of this run's providers, newest first. */
    if (provider_ids_array[0] != '\0') {
        if (!delete_listed("SELECT a.id FROM offering_availability a JOIN offerings o ON o.id = a.offering_id "
                           "WHERE o.provider_id = ANY($1::bigint[]) ORDER BY a.id DESC", "/v1/availability"))
            failed = -1;
        if (!delete_listed("SELECT id FROM offerings WHERE provider_id = ANY($1::bigint[]) ORDER BY id DESC",
                           "/v1/offerings"))
            failed = -1;
    }
    if (delete_created(admin_auth) != 0)
        failed = -1;
    revoke_key(key_b_name);
    revoke_key(key_d_name);
    db_close();
    return failed;
}

/* ---- the export and its round trip ---------------------------------------------- */

/*
 * Each export is exactly the expected offerings (byte for byte, in id
 * order), agrees with the JSON list of the same filters, and re-imported as
 * it is changes nothing: {0, 0, N}, no updated_at moves, no audit entry.
 */
static void test_export_reimports_unchanged(void **state)
{
    static const struct {
        const char *label, *path;
        unsigned mask;
        bool json_too;   /* the JSON list answers the same set */
    } rows[] = {
        { "provider A", "/v1/offerings?provider=@PA@", ALL_OF_A, true },
        { "county 03, provider A", "/v1/counties/03/offerings?provider=@PA@", BIT(O_A1) | BIT(O_A3), true },
        { "county 01, provider A", "/v1/counties/01/offerings?provider=@PA@", BIT(O_A2) | BIT(O_A3), true },
        { "county 01, provider A, method m1", "/v1/counties/01/offerings?provider=@PA@&method=@M1@", BIT(O_A3), true },
        { "?county=03, provider A", "/v1/offerings?provider=@PA@&county=03", BIT(O_A1) | BIT(O_A3), true },
        { "provider A, method m1", "/v1/offerings?provider=@PA@&method=@M1@", BIT(O_A1) | BIT(O_A3), true },
        { "method m2 (providers A and B)", "/v1/offerings?method=@M2@", BIT(O_A2) | BIT(O_B1), true },
        { "provider B", "/v1/offerings?provider=@PB@", BIT(O_B1), true },
        { "provider A, updated since 2000", "/v1/offerings?provider=@PA@&updated_since=2000-01-01T00:00:00Z",
          ALL_OF_A, true },
        { "provider A, updated since 2999 (header only)",
          "/v1/offerings?provider=@PA@&updated_since=2999-01-01T00:00:00Z", 0, true },
        { "provider E, which has none (header only)", "/v1/offerings?provider=@PE@", 0, true },
        /* openapi.yaml: a code that names no county answers the header only with Accept: text/csv */
        { "county 02, which does not exist (header only)", "/v1/counties/02/offerings?provider=@PA@", 0, false },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[LABEL_MAX];
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *expected = expected_export(rows[i].mask);
        char *path = NULL, *export = NULL, *before = NULL;

        snprintf(label, sizeof(label), "export %s", rows[i].label);
        get_with_accept(rows[i].path, "Accept: text/csv", &r);
        if (expect_csv_body(&e, &r, expected, label))
            export = strdup(r.body);
        if (rows[i].json_too) {
            path = expand(rows[i].path);
            char json_path[PATH_MAX_LENGTH];
            snprintf(json_path, sizeof(json_path), "%s&limit=100", path);
            snprintf(label, sizeof(label), "JSON list %s", rows[i].label);
            get_with_accept(json_path, "Accept: application/json", &r);
            expect_json_ids(&e, &r, rows[i].mask, label);
        }
        if (export != NULL) {
            snprintf(label, sizeof(label), "re-import of the export %s", rows[i].label);
            before = csv_state();
            import_as(admin_auth, "text/csv", NULL, export, &r);
            expect_counts(&e, &r, 0, 0, (long long)bits_in(rows[i].mask), label);
            expect_unchanged(&e, csv_state, before, label);
        }
        free(before);
        free(export);
        free(path);
        free(expected);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* With Accept: text/csv, limit and cursor are refused (the CSV has no pages), as are bad filters. */
static void test_export_refuses_pages_and_bad_filters(void **state)
{
    static const struct {
        const char *path;
        long status;
        const char *type;
        const char *fields;   /* space-separated: each must be named */
    } rows[] = {
        { "/v1/offerings?provider=@PA@&limit=10", 400, "/problems/invalid-parameter", "limit" },
        { "/v1/offerings?provider=@PA@&cursor=5", 400, "/problems/invalid-parameter", "cursor" },
        { "/v1/offerings?provider=@PA@&limit=10&cursor=5", 400, "/problems/invalid-parameter", "limit cursor" },
        { "/v1/counties/03/offerings?limit=1", 400, "/problems/invalid-parameter", "limit" },
        { "/v1/offerings?provider=abc", 400, "/problems/invalid-parameter", "provider" },
        { "/v1/offerings?provider=@PA@&updated_since=yesterday", 400, "/problems/invalid-parameter",
          "updated_since" },
        { "/v1/offerings?provider=@PA@&colour=red", 400, "/problems/invalid-parameter", "colour" },
        { "/v1/offerings?method=Not%20A%20Slug", 400, "/problems/invalid-parameter", "method" },
        { "/v1/counties/3/offerings", 400, "/problems/invalid-parameter", "code" },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[LABEL_MAX], fields[64];
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        snprintf(label, sizeof(label), "GET %s as text/csv", rows[i].path);
        get_with_accept(rows[i].path, "Accept: text/csv", &r);
        if (!expect_problem(&e, &r, rows[i].status, rows[i].type, NULL, label))
            continue;
        EXPECT(&e, header_has_token(&r, "Vary", "Accept"), "%s: no Vary: Accept", label);
        snprintf(fields, sizeof(fields), "%s", rows[i].fields);
        char *save = NULL;
        for (char *field = strtok_r(fields, " ", &save); field != NULL; field = strtok_r(NULL, " ", &save))
            EXPECT(&e, problem_names_field(&r, field), "%s: errors[] does not name %s: %.400s", label, field, r.body);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- Accept --------------------------------------------------------------------- */

/*
 * CSV only when Accept prefers it to JSON (a higher q, or the same q from a
 * more specific range); every answer has Vary: Accept; the two forms have
 * their own ETags, and If-None-Match revalidates each.
 */
static void test_accept_negotiation(void **state)
{
    static const struct {
        const char *accept;   /* the header line; "Accept:" sends none */
        bool csv;
    } variants[] = {
        { "Accept:", false },
        { "Accept: */*", false },
        { "Accept: application/json", false },
        { "Accept: text/csv", true },
        { "Accept: text/csv;q=0.5, application/json", false },
        { "Accept: application/json, text/csv;q=0.9", false },
        { "Accept: text/csv, application/json;q=0.9", true },
        { "Accept: application/json;q=0.5, text/csv", true },
        { "Accept: text/*", true },
        { "Accept: text/csv, */*", true },
        { "Accept: application/json, text/csv", false },
        { "Accept: TEXT/CSV", true },
        { "Accept: application/*, text/csv;q=0.1", false },
    };
    static const struct {
        const char *path;
        unsigned mask;
    } paths[] = {
        { "/v1/offerings?provider=@PA@", ALL_OF_A },
        { "/v1/counties/03/offerings?provider=@PA@", BIT(O_A1) | BIT(O_A3) },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[LABEL_MAX], json_etag[ETAG_MAX], csv_etag[ETAG_MAX], line[ETAG_MAX + 20];
    (void)state;

    for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
        char *expected = expected_export(paths[p].mask);
        for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
            snprintf(label, sizeof(label), "GET %s with \"%s\"", paths[p].path, variants[v].accept);
            get_with_accept(paths[p].path, variants[v].accept, &r);
            if (variants[v].csv)
                expect_csv_body(&e, &r, expected, label);
            else
                expect_json_ids(&e, &r, paths[p].mask, label);
            EXPECT(&e, header_has_token(&r, "Vary", "Accept"), "%s: no Vary: Accept", label);
        }

        /* Two representations, two ETags; If-None-Match answers 304 only for the one it names. */
        get_with_accept(paths[p].path, "Accept: application/json", &r);
        snprintf(json_etag, sizeof(json_etag), "%s", http_header(&r, "ETag") ? http_header(&r, "ETag") : "");
        get_with_accept(paths[p].path, "Accept: text/csv", &r);
        snprintf(csv_etag, sizeof(csv_etag), "%s", http_header(&r, "ETag") ? http_header(&r, "ETag") : "");
        snprintf(label, sizeof(label), "ETags of %s", paths[p].path);
        if (EXPECT(&e, json_etag[0] != '\0' && csv_etag[0] != '\0' && strcmp(json_etag, csv_etag) != 0,
                   "%s: JSON %s, CSV %s", label, json_etag, csv_etag)) {
            char *path = expand(paths[p].path);
            snprintf(line, sizeof(line), "If-None-Match: %s", csv_etag);
            const char *csv_again[] = { "Accept: text/csv", line, NULL };
            const char *json_with_csv_tag[] = { "Accept: application/json", line, NULL };
            http_response_free(&r);
            http_get(path, csv_again, &r);
            EXPECT(&e, r.status == 304 && header_has_token(&r, "Vary", "Accept"), "%s: CSV revalidation: %ld", label,
                   r.status);
            http_response_free(&r);
            http_get(path, json_with_csv_tag, &r);
            snprintf(label, sizeof(label), "GET %s as JSON with the CSV's ETag in If-None-Match", paths[p].path);
            expect_json_ids(&e, &r, paths[p].mask, label);
            free(path);
        }
        free(expected);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- imports that work -------------------------------------------------------------- */

/* The same rows, written in other ways a CSV file may be written, import unchanged. */
static void test_import_accepts_csv_variants(void **state)
{
    static const struct {
        const char *label;
        struct csv_style style;
        const char *content_type;
        bool header_only;
    } rows[] = {
        { "as exported", { 0 }, "text/csv", false },
        { "Content-Type with charset", { 0 }, "text/csv; charset=utf-8", false },
        { "Content-Type in capitals", { 0 }, "Text/CSV", false },
        { "LF line ends", { .lf = true }, "text/csv", false },
        { "CR line ends", { .cr = true }, "text/csv", false },
        { "a byte order mark", { .bom = true }, "text/csv", false },
        { "no final line break", { .no_final_break = true }, "text/csv", false },
        { "blank lines between rows", { .blank_lines = true }, "text/csv", false },
        { "rows in another order", { .reversed = true }, "text/csv", false },
        { "every cell quoted", { .quote_always = true }, "text/csv", false },
        { "every cell quoted, LF, BOM, no final break",
          { .quote_always = true, .lf = true, .bom = true, .no_final_break = true }, "text/csv", false },
        { "the header alone", { 0 }, "text/csv", true },
    };
    const struct offering_fixture *a[] = { &offering_fixtures[O_A1], &offering_fixtures[O_A2],
                                           &offering_fixtures[O_A3] };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[LABEL_MAX];
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t count = rows[i].header_only ? 0 : 3;
        char *csv = csv_file(a, count, AS_EXPORTED, &rows[i].style);
        char *before = csv_state();

        snprintf(label, sizeof(label), "import of provider A's rows, %s", rows[i].label);
        import_as(admin_auth, rows[i].content_type, NULL, csv, &r);
        expect_counts(&e, &r, 0, 0, (long long)count, label);
        expect_unchanged(&e, csv_state, before, label);
        free(before);
        free(csv);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* What provider C's rows become: C1 changed, C2 as it is, C3 and C4 new. */
static const struct offering_fixture c1_changed = {
    P_C, 1, NULL, NULL, "12000", NULL, NULL, NULL, "behandlare", "true", "digitalt", "svenska|finska", "2024-01-01",
    NULL, "2025-05-05",
};
static const struct offering_fixture c3_new = {
    P_C, 1, "40000", "9000", "13000", "2500", "4.5", "4.5", "behandlare|handledare", "true", "på plats",
    "persiska, dari|tigrinja \"T\"| inledande blanksteg", "2026-01-01", "2026-12-31", "2026-01-15",
};
static const struct offering_fixture c4_new = {
    P_C, 1, NULL, NULL, NULL, NULL, NULL, NULL, "", NULL, "båda", "", "2027-01-01", NULL, NULL,
};
/* C1 again with every optional cell empty: each clears its value. */
static const struct offering_fixture c1_cleared = {
    P_C, 1, NULL, NULL, NULL, NULL, NULL, NULL, "", NULL, "digitalt", "", "2024-01-01", NULL, NULL,
};

/*
 * An import that creates and updates: the counts, the values through the
 * JSON API, one audit entry per created or changed offering in the key's
 * name, updated_at moved only where something changed; then the same file
 * again, and the new export, change nothing; then empty cells clear values.
 */
static void test_import_creates_and_updates(void **state)
{
    const struct offering_fixture *rows[] = { &c1_changed, &offering_fixtures[O_C2], &c3_new, &c4_new };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char *csv = csv_file(rows, 4, AS_EXPORTED, NULL);   /* C2 as it is: "svenska", the JSON default */
    char *c1_before = updated_at_of(offering_id[O_C1]);
    char *c2_before = updated_at_of(offering_id[O_C2]);
    char *c1_after = NULL, *c2_after = NULL, *before = NULL, *export = NULL;
    long long audit_before = newest_audit_id();
    long long c3, c4;
    char cid[24];
    (void)state;

    snprintf(cid, sizeof(cid), "%lld", provider_id[P_C]);
    const char *cid_params[] = { cid };
    import_as(admin_auth, "text/csv", NULL, csv, &r);
    expect_counts(&e, &r, 2, 1, 1, "import into provider C");
    c3 = offering_id_of(P_C, 1, c3_new.valid_from);
    c4 = offering_id_of(P_C, 1, c4_new.valid_from);
    EXPECT(&e, c3 > 0 && c4 > 0, "the two new offerings exist (%lld, %lld)", c3, c4);
    EXPECT(&e, db_count("SELECT count(*) FROM offerings WHERE provider_id = $1::bigint", 1, cid_params) == 4,
           "provider C has four offerings");
    const struct audit_expectation audited[] = {
        { offering_id[O_C1], "update" }, { c3, "create" }, { c4, "create" },
    };
    expect_audit_since(&e, audit_before, audited, 3, admin_key_name, "import into provider C");
    c1_after = updated_at_of(offering_id[O_C1]);
    c2_after = updated_at_of(offering_id[O_C2]);
    EXPECT(&e, c1_before && c1_after && strcmp(c1_before, c1_after) != 0, "C1's updated_at moved (%s, %s)",
           c1_before ? c1_before : "?", c1_after ? c1_after : "?");
    EXPECT(&e, c2_before && c2_after && strcmp(c2_before, c2_after) == 0, "C2's updated_at stayed (%s, %s)",
           c2_before ? c2_before : "?", c2_after ? c2_after : "?");

    expect_offering_document(&e, offering_id[O_C1], &c1_changed, "C1 after the import");
    expect_offering_document(&e, offering_id[O_C2], &offering_fixtures[O_C2], "C2 after the import");
    expect_offering_document(&e, c3, &c3_new, "C3 created by the import");
    expect_offering_document(&e, c4, &c4_new, "C4 created by the import");
    get_with_accept("/v1/offerings?provider=@PC@&limit=100", "Accept: application/json", &r);
    if (expect_json(&e, &r, 200, "JSON list of provider C"))
        EXPECT(&e, json_array_size(json_at(r.json, "items")) == 4, "provider C lists 4 offerings: %.300s", r.body);

    /* The same file again, and the export now, change nothing. */
    before = csv_state();
    import_as(admin_auth, "text/csv", NULL, csv, &r);
    expect_counts(&e, &r, 0, 0, 4, "the same import again");
    expect_unchanged(&e, csv_state, before, "the same import again");
    {
        const struct offering_fixture *by_id[] = { &c1_changed, &offering_fixtures[O_C2], c3 < c4 ? &c3_new : &c4_new,
                                                   c3 < c4 ? &c4_new : &c3_new };
        char *expected = csv_file(by_id, 4, AS_EXPORTED, NULL);
        get_with_accept("/v1/offerings?provider=@PC@", "Accept: text/csv", &r);
        if (expect_csv_body(&e, &r, expected, "export of provider C after the import"))
            export = strdup(r.body);
        free(expected);
    }
    if (export != NULL) {
        import_as(admin_auth, "text/csv", NULL, export, &r);
        expect_counts(&e, &r, 0, 0, 4, "re-import of provider C's export");
        expect_unchanged(&e, csv_state, before, "re-import of provider C's export");
    }

    /* Empty cells clear: C1 back to nothing but its required values. */
    {
        const struct offering_fixture *cleared[] = { &c1_cleared };
        char *clear_csv = csv_file(cleared, 1, AS_WRITTEN, NULL);
        long long audit_now = newest_audit_id();
        const struct audit_expectation cleared_audit[] = { { offering_id[O_C1], "update" } };
        import_as(admin_auth, "text/csv", NULL, clear_csv, &r);
        expect_counts(&e, &r, 0, 1, 0, "import clearing C1's optional cells");
        expect_audit_since(&e, audit_now, cleared_audit, 1, admin_key_name, "import clearing C1's optional cells");
        expect_offering_document(&e, offering_id[O_C1], &c1_cleared, "C1 after its cells were cleared");
        free(clear_csv);
    }

    free(export);
    free(before);
    free(c1_before);
    free(c2_before);
    free(c1_after);
    free(c2_after);
    free(csv);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- imports that are refused ------------------------------------------------------ */

#define ROW(R, C, F) { R, C, F }
#define WHOLE_ROW(R) { R, 0, "(row)" }

/*
 * A file with errors is refused as a whole, 400 /problems/invalid-csv,
 * listing every error by row (a record's first line; the header is row 1),
 * column and field, and nothing changes. A bad header stops there.
 */
static void test_bad_csv_lists_every_error(void **state)
{
    static const struct {
        const char *label;
        const char *csv;   /* @TOKENS@ expanded */
        struct csv_error errors[MAX_ERRORS];
    } cases[] = {
        { "many bad rows and cells",
          CSV_HEADER "\r\n"
          "@BADORG@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n"                                   /* 2 */
          "@OA@,@NOMETHOD@,,,,,,,,digitalt,,2030-01-03,,\r\n"                                 /* 3 */
          "@OA@,@M1@,,,-100,,,,,digitalt,,2030-01-04,,\r\n"                                   /* 4 */
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-05,2030-01-04,\r\n"                             /* 5 */
          "@OA@,@M1@,,,,,,,,brevduva,,2030-01-06,,\r\n"                                       /* 6 */
          "@OA@,@M1@,2030-01-07\r\n"                                                          /* 7 */
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-08,,,extra\r\n"                                 /* 8 */
          "@OA@,@M1@,12 000,,,,400,chef,ja,digitalt,,2030-02-30,,\r\n"                        /* 9 */
          "@OA@,@M1@,,,,,,,,digitalt,\"persiska, dari|tigrinja \"\"T\"\"\",2030-01-10,,\r\n"  /* 10: fine */
          "@OA@,@M1@,1,,,,,,,digitalt,,2030-01-10,,\r\n"                                      /* 11: repeats 10 */
          "@OA@,@M1@,,,,,,,,digitalt,\"rad\nbrytning\",2030-01-12,,\r\n"                      /* 12-13 */
          "\r\n"                                                                              /* 14 */
          "@OA@,,,,,,,,,,,,,\r\n"                                                             /* 15 */
          "@NOORG@,@M1@,,,,,,,,digitalt,,2030-01-16,,\r\n"                                    /* 16 */
          "@OA@,Triple P,,,,,,,,digitalt,,2030-01-17,,\r\n"                                   /* 17 */
          "@OA@,@M1@,,,,100000001,,,,digitalt,,2030-01-18,,\r\n"                              /* 18 */
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-19,,2024-1-01\r\n"                              /* 19 */
          "@OA@,@M1@,,,,,2.25,behandlare|behandlare,,digitalt,svenska||finska,2030-01-20,,\r\n" /* 20 */
          "@OA@,@M1@,,,,,,,,digitalt,svenska\xff,2030-01-21,,\r\n"                            /* 21 */
          "@OA@,@M1@,,,,,,,,digitalt,svenska|" "abcdefghijabcdefghijabcdefghijabcdefghijk" /* 41 bytes */
          ",2030-01-22,,\r\n",                                                                /* 22 */
          {
              ROW(2, 1, "provider_organisation_number"),
              ROW(3, 2, "method"),
              ROW(4, 5, "cost_per_case_sek"),
              ROW(5, 13, "valid_to"),
              ROW(6, 10, "delivery"),
              WHOLE_ROW(7),
              WHOLE_ROW(8),
              ROW(9, 3, "startup_fee_sek"), ROW(9, 7, "training_days"), ROW(9, 8, "training_for"),
              ROW(9, 9, "certification_required"), ROW(9, 12, "valid_from"),
              WHOLE_ROW(11),
              ROW(12, 11, "languages"),
              ROW(15, 2, "method"), ROW(15, 10, "delivery"), ROW(15, 12, "valid_from"),
              ROW(16, 1, "provider_organisation_number"),
              ROW(17, 2, "method"),
              ROW(18, 6, "yearly_fee_sek"),
              ROW(19, 14, "verified_on"),
              ROW(20, 7, "training_days"), ROW(20, 8, "training_for"), ROW(20, 11, "languages"),
              ROW(21, 11, "languages"),
              ROW(22, 11, "languages"),
          } },
        { "a misspelt header column (the bad rows after it are not read)",
          "provider_organisation_number,metod,startup_fee_sek,training_cost_per_participant_sek,cost_per_case_sek,"
          "yearly_fee_sek,training_days,training_for,certification_required,delivery,languages,valid_from,valid_to,"
          "verified_on\r\n"
          "@BADORG@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n",
          { ROW(1, 2, "method") } },
        { "a header without its last column",
          "provider_organisation_number,method,startup_fee_sek,training_cost_per_participant_sek,cost_per_case_sek,"
          "yearly_fee_sek,training_days,training_for,certification_required,delivery,languages,valid_from,valid_to\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-02,\r\n",
          { WHOLE_ROW(1) } },
        { "two header columns swapped",
          "provider_organisation_number,method,startup_fee_sek,training_cost_per_participant_sek,cost_per_case_sek,"
          "yearly_fee_sek,training_days,training_for,certification_required,delivery,languages,valid_to,valid_from,"
          "verified_on\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n",
          { ROW(1, 12, "valid_from"), ROW(1, 13, "valid_to") } },
        { "an empty file", "", { WHOLE_ROW(1) } },
        { "a row that repeats another's key", CSV_HEADER "\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-03,,\r\n"
          "@OA@,@M1@,5,,,,,,,båda,,2030-01-02,,\r\n",
          { WHOLE_ROW(4) } },
        { "a quote inside an unquoted cell", CSV_HEADER "\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,svenska \"x\",2030-01-03,,\r\n",
          { ROW(3, 11, "languages") } },
        { "text after a closing quote", CSV_HEADER "\r\n"
          "\"@OA@\"x,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n",
          { ROW(2, 1, "provider_organisation_number") } },
        { "a quoted cell never closed", CSV_HEADER "\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,,2030-01-02,,\r\n"
          "@OA@,@M1@,,,,,,,,digitalt,\"svenska,2030-01-03,,\r\n",
          { ROW(3, 11, "languages") } },
        { "a provider and a method that do not exist", CSV_HEADER "\r\n"
          "@NOORG@,@NOMETHOD@,,,,,,,,digitalt,,2030-01-02,,\r\n",
          { ROW(2, 1, "provider_organisation_number"), ROW(2, 2, "method") } },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *csv = expand(cases[i].csv);
        char *before = csv_state();

        import_as(admin_auth, "text/csv", NULL, csv, &r);
        expect_csv_errors(&e, &r, cases[i].errors, 0, cases[i].label);
        expect_unchanged(&e, csv_state, before, cases[i].label);
        free(before);
        free(csv);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* The key, the Content-Type, the size and the query are checked; each refusal changes nothing. */
static void test_import_refusals(void **state)
{
    enum who { NOBODY, UNKNOWN_KEY, MUNICIPALITY, ADMIN, PROVIDER_C_KEY_D };
    static const struct {
        const char *label;
        enum who who;
        const char *content_type;   /* NULL: none */
        const char *query;
        size_t size;                /* 0: the small valid file; else a body of that many bytes */
        long status;
        const char *type, *field;
    } rows[] = {
        { "no key", NOBODY, "text/csv", NULL, 0, 401, "/problems/unauthorized", NULL },
        { "an unknown key", UNKNOWN_KEY, "text/csv", NULL, 0, 401, "/problems/unauthorized", NULL },
        { "a municipality key", MUNICIPALITY, "text/csv", NULL, 0, 403, "/problems/forbidden", NULL },
        { "a municipality key, a JSON Content-Type", MUNICIPALITY, "application/json", NULL, 0, 403,
          "/problems/forbidden", NULL },
        { "Content-Type application/json", ADMIN, "application/json", NULL, 0, 415, "/problems/unsupported-media-type",
          NULL },
        { "Content-Type text/plain", ADMIN, "text/plain", NULL, 0, 415, "/problems/unsupported-media-type", NULL },
        { "Content-Type text/csvx", ADMIN, "text/csvx", NULL, 0, 415, "/problems/unsupported-media-type", NULL },
        { "no Content-Type", ADMIN, NULL, NULL, 0, 415, "/problems/unsupported-media-type", NULL },
        { "a provider key, a JSON Content-Type", PROVIDER_C_KEY_D, "application/json", NULL, 0, 415,
          "/problems/unsupported-media-type", NULL },
        { "a query parameter", ADMIN, "text/csv", "?dry_run=true", 0, 400, "/problems/invalid-parameter", "dry_run" },
        { "a body of 1 MiB and a byte", ADMIN, "text/csv", NULL, MIB + 1, 413, "/problems/body-too-large", NULL },
        { "a body of 4 MiB", ADMIN, "text/csv", NULL, 4 * MIB, 413, "/problems/body-too-large", NULL },
    };
    /* What the import would do if it were let: create an offering for provider C. */
    const struct offering_fixture would_create = {
        P_C, 1, NULL, NULL, "1", NULL, NULL, NULL, "", NULL, "digitalt", "", "2031-01-01", NULL, NULL,
    };
    const struct offering_fixture *rows_of_file[] = { &would_create };
    char *small = csv_file(rows_of_file, 1, AS_WRITTEN, NULL);
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[LABEL_MAX];
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *auth = rows[i].who == NOBODY         ? NULL
                           : rows[i].who == UNKNOWN_KEY  ? "Bearer ik_999999999_unknownsecret"
                           : rows[i].who == MUNICIPALITY ? municipality_auth
                           : rows[i].who == ADMIN        ? admin_auth
                                                         : key_d_auth;
        char *body = small;
        if (rows[i].size > 0) {   /* a header, then rows of "x" up to the size */
            body = malloc(rows[i].size + 1);
            assert_non_null(body);
            memset(body, 'x', rows[i].size);
            memcpy(body, CSV_HEADER "\r\n", strlen(CSV_HEADER "\r\n"));
            for (size_t at = strlen(CSV_HEADER "\r\n") + 80; at < rows[i].size; at += 81)
                body[at] = '\n';
            body[rows[i].size] = '\0';
        }
        char *before = csv_state();
        snprintf(label, sizeof(label), "import with %s", rows[i].label);
        import_as(auth, rows[i].content_type, rows[i].query, body, &r);
        if (expect_problem(&e, &r, rows[i].status, rows[i].type, rows[i].field, label))
            EXPECT(&e, header_has_token(&r, "Vary", "Accept"), "%s: no Vary: Accept", label);
        expect_unchanged(&e, csv_state, before, label);
        free(before);
        if (body != small)
            free(body);
    }
    /* The path answers POST and OPTIONS only. */
    http_response_free(&r);
    http_request("OPTIONS", IMPORT_PATH, NULL, NULL, &r);
    const char *allow = http_header(&r, "Allow");
    EXPECT(&e, r.status == 204 && allow != NULL && strcmp(allow, "POST, OPTIONS") == 0, "OPTIONS %s: %ld, Allow \"%s\"",
           IMPORT_PATH, r.status, allow ? allow : "(none)");

    /* The same file, as admin, is accepted: the refusals were for the request, not the file. */
    import_as(admin_auth, "text/csv", NULL, small, &r);
    expect_counts(&e, &r, 1, 0, 0, "the refused file, sent rightly");
    free(small);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/*
 * Exactly 1 MiB is read (and refused for its content, not its size), with
 * the errors listed capped (the first 1000) while error_count counts all.
 */
static void test_a_file_of_exactly_one_mib(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    struct csv_error expected[MAX_ERRORS] = { WHOLE_ROW(2), WHOLE_ROW(3), WHOLE_ROW(4) };
    size_t header = strlen(CSV_HEADER "\r\n"), rest = MIB - header, data_rows = rest / 3;
    char *body = malloc(MIB + 1);
    char *before = csv_state();
    json_t *errors;
    (void)state;

    assert_non_null(body);
    memcpy(body, CSV_HEADER "\r\n", header);
    /* rows "x\r\n"; the first one longer by what does not divide by 3 */
    size_t at = header;
    for (size_t k = 0; k < rest % 3; k++)
        body[at++] = 'x';
    for (size_t row = 0; row < data_rows; row++) {
        memcpy(body + at, "x\r\n", 3);
        at += 3;
    }
    assert_int_equal(at, MIB);
    body[MIB] = '\0';
    import_as(admin_auth, "text/csv", NULL, body, &r);
    if (expect_problem(&e, &r, 400, "/problems/invalid-csv", NULL, "a file of exactly 1 MiB")) {
        errors = json_at(r.json, "errors");
        EXPECT(&e, json_array_size(errors) == 1000, "1 MiB: %zu errors listed, expected the first 1000",
               json_array_size(errors));
        EXPECT(&e, (size_t)json_integer_value(json_at(r.json, "error_count")) == data_rows,
               "1 MiB: error_count %lld, expected %zu", (long long)json_integer_value(json_at(r.json, "error_count")),
               data_rows);
        for (size_t i = 0; i < 3; i++) {
            json_t *error = json_array_get(errors, i);
            EXPECT(&e, json_integer_value(json_object_get(error, "row")) == expected[i].row
                           && json_is_null(json_object_get(error, "column"))
                           && json_string_is(error, "field", "(row)"),
                   "1 MiB: error %zu should be row %ld (row)", i, expected[i].row);
        }
        EXPECT(&e, json_integer_value(json_at(json_array_get(errors, 999), "row")) == 1001,
               "1 MiB: the 1000th error is of row 1001");
    }
    expect_unchanged(&e, csv_state, before, "a file of exactly 1 MiB");
    free(before);
    free(body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- provider keys ------------------------------------------------------------------ */

static const struct offering_fixture d1_changed = {
    P_D, 1, NULL, NULL, "6000", NULL, "1.5", "1.5", "handledare", NULL, "båda", "svenska", "2024-01-01", NULL, NULL,
};
static const struct offering_fixture d2_new = {
    P_D, 1, NULL, "3000", NULL, NULL, NULL, NULL, "", "true", "på plats", "svenska|somaliska", "2025-01-01", NULL,
    NULL,
};

/*
 * A provider:<id> key imports its provider's rows only: a row of another
 * provider is an error of that row (column 1) and nothing is imported;
 * its own rows are accepted and audited in the key's name.
 */
static void test_provider_keys_import_only_their_own_rows(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char *before, *csv;
    (void)state;

    /* Provider D's key with a row of provider B among its own. */
    {
        const struct offering_fixture *rows[] = { &d1_changed, &offering_fixtures[O_B1], &d2_new };
        const struct csv_error expected[MAX_ERRORS] = { ROW(3, 1, "provider_organisation_number") };
        csv = csv_file(rows, 3, AS_WRITTEN, NULL);
        before = csv_state();
        import_as(key_d_auth, "text/csv", NULL, csv, &r);
        expect_csv_errors(&e, &r, expected, 0, "provider D's key, a row of provider B among its own");
        expect_unchanged(&e, csv_state, before, "provider D's key, a row of provider B among its own");
        free(before);
        free(csv);
    }
    /* Provider D's key with provider A's export: every row is another provider's. */
    {
        const struct csv_error expected[MAX_ERRORS] = {
            ROW(2, 1, "provider_organisation_number"), ROW(3, 1, "provider_organisation_number"),
            ROW(4, 1, "provider_organisation_number"),
        };
        csv = expected_export(ALL_OF_A);
        before = csv_state();
        import_as(key_d_auth, "text/csv", NULL, csv, &r);
        expect_csv_errors(&e, &r, expected, 0, "provider D's key, provider A's export");
        expect_unchanged(&e, csv_state, before, "provider D's key, provider A's export");
        free(before);
        free(csv);
    }
    /* Provider B's key with a row of D that also names no method: both errors of the row. */
    {
        const struct csv_error expected[MAX_ERRORS] = {
            ROW(2, 1, "provider_organisation_number"), ROW(2, 2, "method"),
        };
        csv = expand(CSV_HEADER "\r\n@OD@,@NOMETHOD@,,,,,,,,digitalt,,2030-01-02,,\r\n");
        before = csv_state();
        import_as(key_b_auth, "text/csv", NULL, csv, &r);
        expect_csv_errors(&e, &r, expected, 0, "provider B's key, a row of D with an unknown method");
        expect_unchanged(&e, csv_state, before, "provider B's key, a row of D with an unknown method");
        free(before);
        free(csv);
    }
    /* Own rows unchanged: {0, 0, N}, nothing written. */
    {
        const struct {
            const char *label, *auth;
            unsigned mask;
        } own[] = {
            { "provider D's key, its own export", key_d_auth, BIT(O_D1) },
            { "provider B's key, its own export", key_b_auth, BIT(O_B1) },
        };
        for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
            csv = expected_export(own[i].mask);
            before = csv_state();
            import_as(own[i].auth, "text/csv", NULL, csv, &r);
            expect_counts(&e, &r, 0, 0, 1, own[i].label);
            expect_unchanged(&e, csv_state, before, own[i].label);
            free(before);
            free(csv);
        }
    }
    /* Own rows changed and new: accepted, audited in the key's name. */
    {
        const struct offering_fixture *rows[] = { &d1_changed, &d2_new };
        long long audit_before = newest_audit_id();
        csv = csv_file(rows, 2, AS_WRITTEN, NULL);
        import_as(key_d_auth, "text/csv", NULL, csv, &r);
        expect_counts(&e, &r, 1, 1, 0, "provider D's key, its own rows changed and new");
        long long d2 = offering_id_of(P_D, 1, d2_new.valid_from);
        const struct audit_expectation audited[] = { { offering_id[O_D1], "update" }, { d2, "create" } };
        expect_audit_since(&e, audit_before, audited, 2, key_d_name, "provider D's key, its own rows");
        expect_offering_document(&e, offering_id[O_D1], &d1_changed, "D1 after provider D's import");
        if (EXPECT(&e, d2 > 0, "D2 was created"))
            expect_offering_document(&e, d2, &d2_new, "D2 created by provider D's import");
        free(csv);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- quoting ------------------------------------------------------------------------ */

/*
 * Languages are joined with "|" in a cell. The JSON API takes a language
 * with "|" in it; it must either refuse it, or the export must re-import
 * unchanged ("An export re-imports unchanged") with the language intact.
 */
static void test_a_language_with_a_bar_round_trips(void **state)
{
    const struct offering_fixture bar = {
        P_E, 1, NULL, NULL, NULL, NULL, NULL, NULL, "", NULL, "digitalt", NULL, "2024-01-01", NULL, NULL,
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    json_t *body = offering_body(&bar);
    char *text, *before;
    long long id;
    (void)state;

    json_object_set_new(body, "languages", json_pack("[s, s]", "svenska|engelska", "finska, tornedalsfinska"));
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    request_as("POST", "/v1/offerings", admin_auth, "application/json", NULL, text, &r);
    free(text);
    if (r.status == 400) {   /* refused: then it can never reach a CSV */
        expect_problem(&e, &r, 400, "/problems/invalid-body", "languages", "a language with \"|\"");
        http_response_free(&r);
        assert_int_equal(e.failed, 0);
        return;
    }
    if (!EXPECT(&e, r.status == 201, "POST an offering with a language holding \"|\": %ld %.300s", r.status, r.body)) {
        http_response_free(&r);
        assert_int_equal(e.failed, 0);
        return;
    }
    id = json_integer_value(json_at(r.json, "id"));
    get_with_accept("/v1/offerings?provider=@PE@", "Accept: text/csv", &r);
    if (EXPECT(&e, r.status == 200, "export of provider E: %ld", r.status)) {
        char *export = strdup(r.body);
        before = csv_state();
        import_as(admin_auth, "text/csv", NULL, export, &r);
        expect_counts(&e, &r, 0, 0, 1, "re-import of an export with a language holding \"|\"");
        expect_unchanged(&e, csv_state, before, "re-import of an export with a language holding \"|\"");
        char path[PATH_MAX_LENGTH];
        snprintf(path, sizeof(path), "/v1/offerings/%lld", id);
        http_response_free(&r);
        http_get(path, NULL, &r);
        json_t *languages = json_pack("[s, s]", "svenska|engelska", "finska, tornedalsfinska");
        EXPECT(&e, json_equal(json_at(r.json, "languages"), languages), "the languages after the round trip: %.300s",
               r.body);
        json_decref(languages);
        free(before);
        free(export);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_reimports_unchanged),
        cmocka_unit_test(test_export_refuses_pages_and_bad_filters),
        cmocka_unit_test(test_accept_negotiation),
        cmocka_unit_test(test_import_accepts_csv_variants),
        cmocka_unit_test(test_import_creates_and_updates),
        cmocka_unit_test(test_bad_csv_lists_every_error),
        cmocka_unit_test(test_import_refusals),
        cmocka_unit_test(test_a_file_of_exactly_one_mib),
        cmocka_unit_test(test_provider_keys_import_only_their_own_rows),
        cmocka_unit_test(test_a_language_with_a_bar_round_trips),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
