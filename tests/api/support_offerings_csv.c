/*
 * tests/api/support_offerings_csv.c: the world of the offerings CSV tests,
 * made and removed through the API, the CSV files the tests write and what
 * they read from the database (see support_offerings_csv.h for the
 * contracts).
 *
 * The organisation numbers are "8", five digits of the run and a counter,
 * with the Luhn check digit from fixtures.c; one left over from an
 * interrupted run is skipped. Each expected CSV line is built here from the
 * same table the offerings were created from, so an export is compared byte
 * for byte. A refused or no-op import must change nothing: csv_state()
 * fingerprints the database with libpq.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_offerings_csv.h"
#include "support_offerings_csv_checks.h"

/* ---- state shared by the tests ------------------------------------------- */

char csv_tag[16];
static unsigned long run_number;
static int org_counter;
char csv_admin_auth[300], csv_municipality_auth[300], csv_admin_key_name[100];
char csv_key_b_auth[300], csv_key_d_auth[300], csv_key_b_name[64], csv_key_d_name[64];
char csv_method_m1[64], csv_method_m2[64];
static char missing_method[64];
static char provider_ids_array[200];   /* "{1,2,3,4,5}": this run's providers, for SQL */

long long csv_provider_id[PROVIDER_COUNT];
char csv_provider_org[PROVIDER_COUNT][11];
static char unknown_org[11];     /* a valid organisation number no provider has */
static char bad_check_org[11];   /* ten digits with a wrong check digit */

/* ---- the fixture ---------------------------------------------------------- */

static const struct {
    const char *suffix, *kind, *home_county;
} provider_fixtures[PROVIDER_COUNT] = {
    [P_A] = { "Alfa", "privat", "03" },
    [P_B] = { "Beta", "idéburen", "01" },
    [P_C] = { "Gamma", "privat", "05" },
    [P_D] = { "Delta", "universitet", "04" },
    [P_E] = { "Epsilon", "privat", "03" },
};

const struct offering_fixture csv_offering_fixtures[OFFERING_COUNT] = {
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
long long csv_offering_id[OFFERING_COUNT];

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
char *csv_expand(const char *template)
{
    char ids[PROVIDER_COUNT][24];
    for (int p = 0; p < PROVIDER_COUNT; p++)
        snprintf(ids[p], sizeof(ids[p]), "%lld", csv_provider_id[p]);
    const struct {
        const char *name, *value;
    } tokens[] = {
        { "@PA@", ids[P_A] }, { "@PB@", ids[P_B] }, { "@PC@", ids[P_C] }, { "@PD@", ids[P_D] },
        { "@PE@", ids[P_E] }, { "@OA@", csv_provider_org[P_A] }, { "@OB@", csv_provider_org[P_B] },
        { "@OC@", csv_provider_org[P_C] }, { "@OD@", csv_provider_org[P_D] }, { "@M1@", csv_method_m1 },
        { "@M2@", csv_method_m2 },
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

/* The fixture's 14 cells, without a line end. */
static void csv_line(struct text *t, const struct offering_fixture *f, enum line_mode mode, bool quote_always)
{
    const char *cells[14] = {
        csv_provider_org[f->provider],
        f->method == 1 ? csv_method_m1 : csv_method_m2,
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

/* A file: the header and a line per fixture, in order; the caller frees it. */
char *csv_file(const struct offering_fixture *const *rows, size_t count, enum line_mode mode,
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
char *csv_expected_export(unsigned mask)
{
    const struct offering_fixture *rows[OFFERING_COUNT];
    size_t count = 0;

    for (int o = 0; o < OFFERING_COUNT; o++)
        if (mask & BIT(o))
            rows[count++] = &csv_offering_fixtures[o];
    return csv_file(rows, count, AS_EXPORTED, NULL);
}

size_t csv_bits_in(unsigned mask)
{
    size_t count = 0;
    for (; mask != 0; mask &= mask - 1)
        count++;
    return count;
}

/* ---- the database -------------------------------------------------------- */

/* What an import can change: the audit trail, the three tables, and each of this run's offerings. */
char *csv_state(void)
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

long long csv_newest_audit_id(void)
{
    return db_count("SELECT coalesce(max(id), 0) FROM audit_log", 0, NULL);
}

/* The id of provider p's offering of method (1, 2) from valid_from; -1 when there is none. */
long long csv_offering_id_of(enum provider_index p, int method, const char *valid_from)
{
    char id[24];
    snprintf(id, sizeof(id), "%lld", csv_provider_id[p]);
    const char *params[] = { id, method == 1 ? csv_method_m1 : csv_method_m2, valid_from };
    return db_count("SELECT coalesce((SELECT o.id FROM offerings o JOIN methods m ON m.id = o.method_id "
                    "WHERE o.provider_id = $1::bigint AND m.slug = $2 AND o.valid_from = $3::date), -1)",
                    3, params);
}

char *csv_updated_at_of(long long id)
{
    char id_text[24];
    snprintf(id_text, sizeof(id_text), "%lld", id);
    const char *params[] = { id_text };
    return db_text("SELECT updated_at::text FROM offerings WHERE id = $1::bigint", 1, params);
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
    request_as("POST", collection, csv_admin_auth, "application/json", NULL, text, r);
    free(text);
    if (r->status == 201 && json_is_integer(json_at(r->json, "id"))) {
        id = json_integer_value(json_at(r->json, "id"));
        snprintf(path, sizeof(path), "%s/%lld", collection, id);
        remember_created(path);
    }
    return id;
}

json_t *csv_offering_body(const struct offering_fixture *f)
{
    json_t *body = json_pack("{s:I, s:s, s:s, s:s}", "provider_id", (json_int_t)csv_provider_id[f->provider], "method",
                             f->method == 1 ? csv_method_m1 : csv_method_m2, "delivery", f->delivery, "valid_from",
                             f->valid_from);
    const struct {
        const char *name, *digits;
    } costs[] = { { "startup_fee_sek", f->startup }, { "training_cost_per_participant_sek", f->training_cost },
                  { "cost_per_case_sek", f->cost_per_case }, { "yearly_fee_sek", f->yearly } };

    for (size_t i = 0; i < 4; i++)
        if (costs[i].digits != NULL)
            json_object_set_new(body, costs[i].name, json_integer(atoll(costs[i].digits)));
    if (f->training_for[0] != '\0')   /* the JSON API takes a non-empty list, or none */
        json_object_set_new(body, "training_for", csv_json_list_of(f->training_for));
    if (f->days != NULL)
        json_object_set_new(body, "training_days", json_real(strtod(f->days, NULL)));
    if (f->certification != NULL)
        json_object_set_new(body, "certification_required", json_boolean(strcmp(f->certification, "true") == 0));
    if (f->languages != NULL)
        json_object_set_new(body, "languages", csv_json_list_of(f->languages));
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

    snprintf(csv_method_m1, sizeof(csv_method_m1), "tc-m1-%s", csv_tag);
    snprintf(csv_method_m2, sizeof(csv_method_m2), "tc-m2-%s", csv_tag);
    snprintf(missing_method, sizeof(missing_method), "tc-none-%s", csv_tag);
    for (int i = 0; i < 2; i++) {
        const char *slug = i == 0 ? csv_method_m1 : csv_method_m2;
        json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s}", "slug", slug, "abbreviation",
                                 "TC", "name_sv", "TC-metoden", "name_en", "The TC method", "intervention_type",
                                 "familjebehandling", "age_min", 6, "age_max", 17, "format", "familj", "availability",
                                 "planerad", "description", "En metod som CSV-testerna skapar.");
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        request_as("POST", "/v1/methods", csv_admin_auth, "application/json", NULL, text, &r);
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
            organisation_number_of(nine, true, csv_provider_org[p]);
            snprintf(name, sizeof(name), "TC %s %s", csv_tag, provider_fixtures[p].suffix);
            csv_provider_id[p] = create_record("/v1/providers",
                                           json_pack("{s:s, s:s, s:s, s:s}", "name", name, "organisation_number",
                                                     csv_provider_org[p], "kind", provider_fixtures[p].kind,
                                                     "home_county", provider_fixtures[p].home_county), &r);
            if (r.status != 409)
                break;
        }
        if (csv_provider_id[p] < 0)
            return setup_fail(&r, provider_fixtures[p].suffix);
    }
    snprintf(nine, sizeof(nine), "8%05lu%03d", run_number % 100000, 900 + org_counter % 100);
    organisation_number_of(nine, true, unknown_org);
    organisation_number_of(nine, false, bad_check_org);
    snprintf(provider_ids_array, sizeof(provider_ids_array), "{%lld,%lld,%lld,%lld,%lld}", csv_provider_id[P_A],
             csv_provider_id[P_B], csv_provider_id[P_C], csv_provider_id[P_D], csv_provider_id[P_E]);

    for (int o = 0; o < OFFERING_COUNT; o++) {
        csv_offering_id[o] = create_record("/v1/offerings", csv_offering_body(&csv_offering_fixtures[o]), &r);
        if (csv_offering_id[o] < 0)
            return setup_fail(&r, "an offering");
    }
    for (size_t a = 0; a < sizeof(availability_fixtures) / sizeof(availability_fixtures[0]); a++) {
        json_t *body = json_pack("{s:I, s:s, s:s}", "offering_id",
                                 (json_int_t)csv_offering_id[availability_fixtures[a].offering], "county",
                                 availability_fixtures[a].county, "status", availability_fixtures[a].status);
        if (availability_fixtures[a].municipality != NULL)
            json_object_set_new(body, "municipality", json_string(availability_fixtures[a].municipality));
        if (create_record("/v1/availability", body, &r) < 0)
            return setup_fail(&r, "an availability record");
    }
    http_response_free(&r);
    return true;
}


/* A failed setup cleans up what it made: cmocka runs no group teardown after it. */
static int setup_failed(void)
{
    csv_world_destroy(NULL);
    return -1;
}

int csv_world_create(void **state)
{
    char scope[40];
    (void)state;

    if (!fixtures_open_environment(csv_admin_auth, sizeof(csv_admin_auth), csv_municipality_auth,
                                   sizeof(csv_municipality_auth)))
        return -1;
    key_name_of(getenv("ADMIN_KEY"), csv_admin_key_name, sizeof(csv_admin_key_name));

    unsigned long seed = run_seed();
    tag_of_seed(seed, csv_tag, sizeof(csv_tag));
    run_number = (seed * 2654435761UL) % 100000;
    if (!create_world())
        return setup_failed();

    snprintf(csv_key_b_name, sizeof(csv_key_b_name), "tc-%s-b", csv_tag);
    snprintf(csv_key_d_name, sizeof(csv_key_d_name), "tc-%s-d", csv_tag);
    snprintf(scope, sizeof(scope), "provider:%lld", csv_provider_id[P_B]);
    if (!make_key(csv_key_b_name, scope, csv_key_b_auth, sizeof(csv_key_b_auth))) {
        csv_key_b_name[0] = csv_key_d_name[0] = '\0';
        return setup_failed();
    }
    snprintf(scope, sizeof(scope), "provider:%lld", csv_provider_id[P_D]);
    if (!make_key(csv_key_d_name, scope, csv_key_d_auth, sizeof(csv_key_d_auth))) {
        csv_key_d_name[0] = '\0';
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
        long status = delete_if_present(path, csv_admin_auth);
        if (status != 204 && status != 404) {
            fprintf(stderr, "# teardown: deleting %s failed: %ld\n", path, status);
            ok = false;
        }
    }
    PQclear(res);
    return ok;
}

int csv_world_destroy(void **state)
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
    if (delete_created(csv_admin_auth) != 0)
        failed = -1;
    revoke_key(csv_key_b_name);
    revoke_key(csv_key_d_name);
    db_close();
    return failed;
}
