/*
 * tests/api/test_provider_validation.c: providers, offerings and availability
 * as written and read back, against the real server: the documents show every
 * field that was written; every field of a new record is validated, all
 * problems named at once in errors[]; a PATCH is checked as a whole after the
 * merge; a duplicate is a 409 that names what is duplicated.
 *
 * The world (two methods, four providers, five offerings, eight availability
 * rows) is made and removed by support_providers.c. A refused request must
 * change nothing: each compares providers_db_state() before and after.
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

#include <cmocka.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_providers.h"

/* ---- checks -------------------------------------------------------------- */

/* errors[] names exactly the space-separated fields (each at least once, and no other). */
static bool expect_fields(struct expectations *e, const struct http_response *r, const char *fields,
                          const char *label)
{
    char copy[256], *save = NULL;
    json_t *errors = json_at(r->json, "errors");
    json_t *error;
    size_t i;
    bool ok = true;

    snprintf(copy, sizeof(copy), "%s", fields);
    for (char *field = strtok_r(copy, " ", &save); field != NULL; field = strtok_r(NULL, " ", &save))
        ok &= EXPECT(e, problem_names_field(r, field), "%s: errors[] does not name \"%s\": %.400s", label, field,
                     r->body);
    json_array_foreach(errors, i, error) {
        const char *named = json_string_value(json_object_get(error, "field"));
        char padded[260], list[260];
        snprintf(padded, sizeof(padded), " %s ", named ? named : "(none)");
        snprintf(list, sizeof(list), " %s ", fields);
        ok &= EXPECT(e, strstr(list, padded) != NULL, "%s: errors[] names \"%s\", which is not wrong: %.400s", label,
                     named ? named : "(none)", r->body);
    }
    return ok;
}


/* ---- the documents ------------------------------------------------------- */

static void test_documents_show_what_was_written(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[PATH_MAX_LENGTH + 8];
    (void)state;

    for (int p = 0; p < PROVIDER_COUNT; p++) {
        const struct provider_fixture *f = &providers_provider_fixtures[p];
        snprintf(path, sizeof(path), "/v1/providers/%lld", providers_provider_id[p]);
        snprintf(label, sizeof(label), "GET %s", path);
        providers_get(path, &r);
        if (!expect_json(&e, &r, 200, label))
            continue;
        EXPECT(&e, json_string_is(r.json, "organisation_number", providers_provider_org[p]), "%s: organisation_number", label);
        EXPECT(&e, json_string_is(r.json, "kind", f->kind), "%s: kind", label);
        EXPECT(&e, json_string_is(r.json, "home_county.code", f->home_county), "%s: home_county", label);
        EXPECT(&e, json_is_string(json_at(r.json, "home_county.name")), "%s: home_county.name", label);
        EXPECT(&e, json_string_is(r.json, "contact.email", "kontakt@example.se"), "%s: contact.email", label);
        EXPECT(&e, json_string_is(r.json, "contact.phone", "+46 18-12 34 56"), "%s: contact.phone", label);
        EXPECT(&e, json_string_is(r.json, "contact.website", "https://example.se/tp"), "%s: contact.website", label);
        EXPECT(&e, f->municipality ? json_string_is(r.json, "municipality.code", f->municipality)
                                   : json_is_null(json_at(r.json, "municipality")), "%s: municipality %.300s", label,
               r.body);
        EXPECT(&e, json_is_false(json_at(r.json, "example")), "%s: example", label);
    }

    snprintf(path, sizeof(path), "/v1/offerings/%lld", providers_offering_id[O_A]);
    providers_get(path, &r);
    if (expect_json(&e, &r, 200, "GET offering A")) {
        EXPECT(&e, json_integer_value(json_at(r.json, "provider.id")) == providers_provider_id[P_A], "offering A: provider");
        EXPECT(&e, json_string_is(r.json, "method.slug", providers_method_m), "offering A: method");
        EXPECT(&e, providers_json_int_is(r.json, "costs.startup_fee_sek", 50000), "offering A: startup fee");
        EXPECT(&e, providers_json_int_is(r.json, "costs.training_cost_per_participant_sek", 12000), "offering A: training cost");
        EXPECT(&e, providers_json_int_is(r.json, "costs.cost_per_case_sek", 15000), "offering A: cost per case");
        EXPECT(&e, providers_json_int_is(r.json, "costs.yearly_fee_sek", 8000), "offering A: yearly fee");
        EXPECT(&e, providers_json_is_text(r.json, "training.days", "5.5"), "offering A: training days %.400s", r.body);
        EXPECT(&e, providers_json_is_text(r.json, "training.for", "[\"behandlare\", \"handledare\"]"), "offering A: for");
        EXPECT(&e, json_is_true(json_at(r.json, "training.certification_required")), "offering A: certification");
        EXPECT(&e, providers_json_is_text(r.json, "languages", "[\"svenska\", \"engelska\"]"), "offering A: languages");
        EXPECT(&e, json_string_is(r.json, "delivery", "båda"), "offering A: delivery");
        EXPECT(&e, json_string_is(r.json, "valid_from", "2025-01-01"), "offering A: valid_from");
        EXPECT(&e, json_is_null(json_at(r.json, "valid_to")), "offering A: valid_to");
        EXPECT(&e, json_string_is(r.json, "verified_on", "2025-03-01"), "offering A: verified_on");
        EXPECT(&e, json_array_size(json_at(r.json, "availability")) == 2, "offering A: availability %.500s", r.body);
        EXPECT(&e, json_string_is(r.json, "availability.0.county", "01")
                       && json_string_is(r.json, "availability.1.county", "03"),
               "offering A: availability ordered by county");
    }
    snprintf(path, sizeof(path), "/v1/offerings/%lld", providers_offering_id[O_K]);
    providers_get(path, &r);
    if (expect_json(&e, &r, 200, "GET offering K")) {
        EXPECT(&e, providers_json_is_text(r.json, "languages", "[\"svenska\"]"), "offering K: default languages %.300s", r.body);
        EXPECT(&e, json_is_false(json_at(r.json, "training.certification_required")), "offering K: certification");
        EXPECT(&e, json_is_null(json_at(r.json, "costs.startup_fee_sek")), "offering K: no startup fee");
    }
    snprintf(path, sizeof(path), "/v1/availability/%lld", providers_availability_id[AV5]);
    providers_get(path, &r);
    if (expect_json(&e, &r, 200, "GET availability K")) {
        EXPECT(&e, json_integer_value(json_at(r.json, "offering_id")) == providers_offering_id[O_K], "availability: offering");
        EXPECT(&e, json_string_is(r.json, "county", "03") && json_string_is(r.json, "municipality", "0380"),
               "availability: place %.300s", r.body);
        EXPECT(&e, json_string_is(r.json, "status", "planerad"), "availability: status");
        EXPECT(&e, json_is_null(json_at(r.json, "lead_time_weeks")), "availability: lead time");
    }
    providers_get("/v1/providers/999999999999", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "GET an unknown provider");
    providers_get("/v1/offerings/0", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "GET offering 0");
    providers_get("/v1/availability/abc", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "GET availability abc");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- validation ----------------------------------------------------------- */

struct body_row {
    const char *label;
    enum body_kind kind;
    const char *patch;      /* merged into a valid body (null removes); @TOKENS@ are replaced */
    long status;
    const char *fields;     /* the fields errors[] must name (exactly), space-separated; NULL: not checked */
    const char *check_path; /* on 201: a member of the answer ... */
    const char *check_json; /* ... and the JSON it must equal */
};

#define INVALID "/problems/invalid-body"
#define UNRESOLVED "/problems/unresolved-reference"

static const struct body_row body_rows[] = {
    /* providers */
    { "provider: valid", PROVIDER, "{}", 201, NULL, "kind", "\"privat\"" },
    { "provider: wrong check digit", PROVIDER, "{\"organisation_number\": \"@ORG_BAD@\"}", 400,
      "organisation_number", NULL, NULL },
    { "provider: real number, check digit +1", PROVIDER, "{\"organisation_number\": \"5560160681\"}", 400,
      "organisation_number", NULL, NULL },
    { "provider: hyphen", PROVIDER, "{\"organisation_number\": \"556016-0680\"}", 400, "organisation_number", NULL,
      NULL },
    { "provider: 9 digits", PROVIDER, "{\"organisation_number\": \"556016068\"}", 400, "organisation_number", NULL,
      NULL },
    { "provider: 11 digits", PROVIDER, "{\"organisation_number\": \"55601606800\"}", 400, "organisation_number", NULL,
      NULL },
    { "provider: number, not string", PROVIDER, "{\"organisation_number\": 5560160680}", 400, "organisation_number",
      NULL, NULL },
    { "provider: no organisation number", PROVIDER, "{\"organisation_number\": null}", 400, "organisation_number",
      NULL, NULL },
    { "provider: empty name", PROVIDER, "{\"name\": \"\"}", 400, "name", NULL, NULL },
    { "provider: name of 201 bytes", PROVIDER, "{\"name\": \"@TEXT201@\"}", 400, "name", NULL, NULL },
    { "provider: name of 200 bytes", PROVIDER, "{\"name\": \"@TEXT200@\"}", 201, NULL, "name", "\"@TEXT200@\"" },
    { "provider: no name", PROVIDER, "{\"name\": null}", 400, "name", NULL, NULL },
    { "provider: unknown kind", PROVIDER, "{\"kind\": \"bolag\"}", 400, "kind", NULL, NULL },
    { "provider: e-mail without a dotted domain", PROVIDER, "{\"email\": \"info@exempel\"}", 400, "email", NULL,
      NULL },
    { "provider: e-mail without @", PROVIDER, "{\"email\": \"info.exempel.se\"}", 400, "email", NULL, NULL },
    { "provider: e-mail with a space", PROVIDER, "{\"email\": \"in fo@exempel.se\"}", 400, "email", NULL, NULL },
    { "provider: phone of 4 digits", PROVIDER, "{\"phone\": \"1234\"}", 400, "phone", NULL, NULL },
    { "provider: phone with a letter", PROVIDER, "{\"phone\": \"018-12a456\"}", 400, "phone", NULL, NULL },
    { "provider: phone as a number", PROVIDER, "{\"phone\": 18123456}", 400, "phone", NULL, NULL },
    { "provider: website ftp", PROVIDER, "{\"website\": \"ftp://example.se\"}", 400, "website", NULL, NULL },
    { "provider: website without scheme", PROVIDER, "{\"website\": \"www.example.se\"}", 400, "website", NULL,
      NULL },
    { "provider: county of one digit", PROVIDER, "{\"home_county\": \"3\"}", 400, "home_county", NULL, NULL },
    { "provider: county as a number", PROVIDER, "{\"home_county\": 3}", 400, "home_county", NULL, NULL },
    { "provider: unknown county", PROVIDER, "{\"home_county\": \"99\"}", 422, "home_county", NULL, NULL },
    { "provider: no county", PROVIDER, "{\"home_county\": null}", 400, "home_county", NULL, NULL },
    { "provider: municipality on a privat provider", PROVIDER, "{\"municipality\": \"0380\"}", 400, "municipality",
      NULL, NULL },
    { "provider: municipality outside the home county", PROVIDER,
      "{\"kind\": \"kommun\", \"municipality\": \"0180\"}", 400, "municipality", NULL, NULL },
    { "provider: municipality on a privat provider outside the county", PROVIDER, "{\"municipality\": \"0180\"}", 400,
      "municipality", NULL, NULL },
    { "provider: unknown municipality in the county", PROVIDER, "{\"kind\": \"kommun\", \"municipality\": \"0399\"}",
      422, "municipality", NULL, NULL },
    { "provider: municipality of three digits", PROVIDER, "{\"kind\": \"kommun\", \"municipality\": \"380\"}", 400,
      "municipality", NULL, NULL },
    { "provider: kommun with its municipality", PROVIDER, "{\"kind\": \"kommun\", \"municipality\": \"0380\"}", 201,
      NULL, "municipality.code", "\"0380\"" },
    { "provider: kommun without a municipality", PROVIDER, "{\"kind\": \"kommun\"}", 201, NULL, "municipality",
      "null" },
    { "provider: kind idéburen", PROVIDER, "{\"kind\": \"idéburen\"}", 201, NULL, "kind", "\"idéburen\"" },
    { "provider: unknown field", PROVIDER, "{\"county\": \"03\"}", 400, "county", NULL, NULL },
    { "provider: example not a boolean", PROVIDER, "{\"example\": \"ja\"}", 400, "example", NULL, NULL },
    { "provider: description of 10001 bytes", PROVIDER, "{\"description\": \"@TEXT10001@\"}", 400, "description",
      NULL, NULL },
    { "provider: every problem at once", PROVIDER,
      "{\"organisation_number\": \"@ORG_BAD@\", \"email\": \"x\", \"phone\": \"x\", \"website\": \"x\", "
      "\"kind\": \"x\"}", 400, "organisation_number email phone website kind", NULL, NULL },

    /* offerings (of the provider without offerings, for method_m2) */
    { "offering: valid", OFFERING, "{}", 201, NULL, "method.slug", "\"@METHOD2@\"" },
    { "offering: training_days 5.5", OFFERING, "{\"training_days\": 5.5}", 201, NULL, "training.days", "5.5" },
    { "offering: training_days 5", OFFERING, "{\"training_days\": 5}", 201, NULL, "training.days", "5" },
    { "offering: training_days 0", OFFERING, "{\"training_days\": 0}", 201, NULL, "training.days", "0" },
    { "offering: training_days 365", OFFERING, "{\"training_days\": 365}", 201, NULL, "training.days", "365" },
    { "offering: training_days 365.5", OFFERING, "{\"training_days\": 365.5}", 400, "training_days", NULL, NULL },
    /* One decimal, as the CSV import: 2.55 would be rounded by the column, so it is refused. */
    { "offering: training_days 2.55", OFFERING, "{\"training_days\": 2.55}", 400, "training_days", NULL, NULL },
    { "offering: training_days 2.25", OFFERING, "{\"training_days\": 2.25}", 400, "training_days", NULL, NULL },
    { "offering: training_days 0.05", OFFERING, "{\"training_days\": 0.05}", 400, "training_days", NULL, NULL },
    { "offering: training_days 2.1", OFFERING, "{\"training_days\": 2.1}", 201, NULL, "training.days", "2.1" },
    { "offering: training_days -0.5", OFFERING, "{\"training_days\": -0.5}", 400, "training_days", NULL, NULL },
    { "offering: training_days as text", OFFERING, "{\"training_days\": \"5\"}", 400, "training_days", NULL, NULL },
    { "offering: negative startup fee", OFFERING, "{\"startup_fee_sek\": -1}", 400, "startup_fee_sek", NULL, NULL },
    { "offering: negative training cost", OFFERING, "{\"training_cost_per_participant_sek\": -1}", 400,
      "training_cost_per_participant_sek", NULL, NULL },
    { "offering: negative cost per case", OFFERING, "{\"cost_per_case_sek\": -500}", 400, "cost_per_case_sek", NULL,
      NULL },
    { "offering: negative yearly fee", OFFERING, "{\"yearly_fee_sek\": -1}", 400, "yearly_fee_sek", NULL, NULL },
    { "offering: cost with a fraction", OFFERING, "{\"cost_per_case_sek\": 1500.5}", 400, "cost_per_case_sek", NULL,
      NULL },
    { "offering: cost as text", OFFERING, "{\"cost_per_case_sek\": \"1500\"}", 400, "cost_per_case_sek", NULL,
      NULL },
    { "offering: cost 100000001", OFFERING, "{\"cost_per_case_sek\": 100000001}", 400, "cost_per_case_sek", NULL,
      NULL },
    { "offering: cost 100000000", OFFERING, "{\"cost_per_case_sek\": 100000000}", 201, NULL,
      "costs.cost_per_case_sek", "100000000" },
    { "offering: costs 0", OFFERING, "{\"startup_fee_sek\": 0, \"yearly_fee_sek\": 0}", 201, NULL,
      "costs.yearly_fee_sek", "0" },
    { "offering: every cost negative", OFFERING,
      "{\"startup_fee_sek\": -1, \"training_cost_per_participant_sek\": -1, \"cost_per_case_sek\": -1, "
      "\"yearly_fee_sek\": -1}", 400,
      "startup_fee_sek training_cost_per_participant_sek cost_per_case_sek yearly_fee_sek", NULL, NULL },
    { "offering: valid_to before valid_from", OFFERING, "{\"valid_from\": \"2025-01-01\", \"valid_to\": \"2024-12-31\"}",
      400, "valid_to", NULL, NULL },
    { "offering: valid_to on valid_from", OFFERING, "{\"valid_from\": \"2025-01-01\", \"valid_to\": \"2025-01-01\"}",
      201, NULL, "valid_to", "\"2025-01-01\"" },
    { "offering: valid_from 30 February", OFFERING, "{\"valid_from\": \"2025-02-30\"}", 400, "valid_from", NULL,
      NULL },
    { "offering: valid_from a timestamp", OFFERING, "{\"valid_from\": \"2025-01-01T00:00:00Z\"}", 400, "valid_from",
      NULL, NULL },
    { "offering: no valid_from", OFFERING, "{\"valid_from\": null}", 400, "valid_from", NULL, NULL },
    { "offering: verified_on month 13", OFFERING, "{\"verified_on\": \"2025-13-01\"}", 400, "verified_on", NULL,
      NULL },
    { "offering: unknown method", OFFERING, "{\"method\": \"tp-no-such-method-@TAG@\"}", 422, "method", NULL, NULL },
    { "offering: method not a slug", OFFERING, "{\"method\": \"Not A Slug\"}", 400, "method", NULL, NULL },
    { "offering: unknown provider", OFFERING, "{\"provider_id\": 999999999999}", 422, "provider_id", NULL, NULL },
    { "offering: provider 0", OFFERING, "{\"provider_id\": 0}", 400, "provider_id", NULL, NULL },
    { "offering: provider as text", OFFERING, "{\"provider_id\": \"@P_E@\"}", 400, "provider_id", NULL, NULL },
    { "offering: unknown role", OFFERING, "{\"training_for\": [\"chef\"]}", 400, "training_for", NULL, NULL },
    { "offering: a known and an unknown role", OFFERING, "{\"training_for\": [\"behandlare\", \"chef\"]}", 400,
      "training_for", NULL, NULL },
    { "offering: a role twice", OFFERING, "{\"training_for\": [\"behandlare\", \"behandlare\"]}", 400,
      "training_for", NULL, NULL },
    { "offering: no roles", OFFERING, "{\"training_for\": []}", 400, "training_for", NULL, NULL },
    { "offering: role as text", OFFERING, "{\"training_for\": \"behandlare\"}", 400, "training_for", NULL, NULL },
    { "offering: both roles, in the order given", OFFERING,
      "{\"training_for\": [\"handledare\", \"behandlare\"]}", 201, NULL, "training.for",
      "[\"handledare\", \"behandlare\"]" },
    { "offering: two languages", OFFERING, "{\"languages\": [\"svenska\", \"arabiska\"]}", 201, NULL, "languages",
      "[\"svenska\", \"arabiska\"]" },
    { "offering: no languages", OFFERING, "{\"languages\": []}", 201, NULL, "languages", "[]" },
    { "offering: a language twice", OFFERING, "{\"languages\": [\"svenska\", \"svenska\"]}", 400, "languages", NULL,
      NULL },
    { "offering: an empty language", OFFERING, "{\"languages\": [\"\"]}", 400, "languages", NULL, NULL },
    { "offering: a language of 41 bytes", OFFERING, "{\"languages\": [\"@TEXT41@\"]}", 400, "languages", NULL, NULL },
    { "offering: a language of 40 bytes", OFFERING, "{\"languages\": [\"@TEXT40@\"]}", 201, NULL, "languages",
      "[\"@TEXT40@\"]" },
    { "offering: 21 languages", OFFERING, "{\"languages\": @LANGUAGES21@}", 400, "languages", NULL, NULL },
    { "offering: 20 languages", OFFERING, "{\"languages\": @LANGUAGES20@}", 201, NULL, "languages", "@LANGUAGES20@" },
    { "offering: languages as text", OFFERING, "{\"languages\": \"svenska\"}", 400, "languages", NULL, NULL },
    { "offering: unknown delivery", OFFERING, "{\"delivery\": \"hybrid\"}", 400, "delivery", NULL, NULL },
    { "offering: no delivery", OFFERING, "{\"delivery\": null}", 400, "delivery", NULL, NULL },
    { "offering: certification as text", OFFERING, "{\"certification_required\": \"ja\"}", 400,
      "certification_required", NULL, NULL },
    { "offering: unknown field", OFFERING, "{\"cost\": 5}", 400, "cost", NULL, NULL },
    { "offering: every problem at once", OFFERING,
      "{\"cost_per_case_sek\": -1, \"training_days\": 400, \"delivery\": \"x\", \"valid_to\": \"2000-01-01\"}", 400,
      "cost_per_case_sek training_days delivery valid_to", NULL, NULL },

    /* availability (of the old offering, in Jönköpings län) */
    { "availability: valid", AVAILABILITY, "{}", 201, NULL, "county", "\"06\"" },
    { "availability: with municipality", AVAILABILITY, "{\"municipality\": \"0680\"}", 201, NULL, "municipality",
      "\"0680\"" },
    { "availability: unknown county", AVAILABILITY, "{\"county\": \"99\"}", 422, "county", NULL, NULL },
    { "availability: county of one digit", AVAILABILITY, "{\"county\": \"6\"}", 400, "county", NULL, NULL },
    { "availability: no county", AVAILABILITY, "{\"county\": null}", 400, "county", NULL, NULL },
    { "availability: municipality in another county", AVAILABILITY, "{\"municipality\": \"0380\"}", 400,
      "municipality", NULL, NULL },
    { "availability: unknown municipality in the county", AVAILABILITY, "{\"municipality\": \"0699\"}", 422,
      "municipality", NULL, NULL },
    { "availability: unknown status", AVAILABILITY, "{\"status\": \"öppen\"}", 400, "status", NULL, NULL },
    { "availability: no status", AVAILABILITY, "{\"status\": null}", 400, "status", NULL, NULL },
    { "availability: negative lead time", AVAILABILITY, "{\"lead_time_weeks\": -1}", 400, "lead_time_weeks", NULL,
      NULL },
    { "availability: lead time 521", AVAILABILITY, "{\"lead_time_weeks\": 521}", 400, "lead_time_weeks", NULL, NULL },
    { "availability: lead time 520", AVAILABILITY, "{\"lead_time_weeks\": 520}", 201, NULL, "lead_time_weeks", "520" },
    { "availability: lead time with a fraction", AVAILABILITY, "{\"lead_time_weeks\": 1.5}", 400, "lead_time_weeks",
      NULL, NULL },
    { "availability: negative capacity", AVAILABILITY, "{\"capacity_cases_per_year\": -1}", 400,
      "capacity_cases_per_year", NULL, NULL },
    { "availability: capacity 0", AVAILABILITY, "{\"capacity_cases_per_year\": 0}", 201, NULL,
      "capacity_cases_per_year", "0" },
    { "availability: unknown offering", AVAILABILITY, "{\"offering_id\": 999999999999}", 422, "offering_id", NULL,
      NULL },
    { "availability: offering 0", AVAILABILITY, "{\"offering_id\": 0}", 400, "offering_id", NULL, NULL },
    { "availability: unknown field", AVAILABILITY, "{\"method\": \"fft\"}", 400, "method", NULL, NULL },
};

/* A JSON array text of count distinct languages. */
static void languages_text(int count, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "[");
    for (int i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s\"språk %d\"", i ? ", " : "", i);
    if (used < size)
        snprintf(out + used, size - used, "]");
}

/* Copies text with every @TOKEN@ replaced; false when it does not fit. */
static bool substitute(const char *text, char *out, size_t size)
{
    char org_bad[11], p_e[24], texts[4][10002], languages20[400], languages21[400];
    static const size_t lengths[4] = { 40, 41, 200, 201 };
    const struct { const char *token; const char *value; } tokens[] = {
        { "@ORG_BAD@", org_bad }, { "@P_E@", p_e }, { "@TAG@", providers_tag }, { "@METHOD2@", providers_method_m2 },
        { "@TEXT40@", texts[0] }, { "@TEXT41@", texts[1] }, { "@TEXT200@", texts[2] }, { "@TEXT201@", texts[3] },
        { "@TEXT10001@", NULL }, { "@LANGUAGES20@", languages20 }, { "@LANGUAGES21@", languages21 },
    };
    size_t used = 0;

    providers_organisation_number(org_bad, false);
    snprintf(p_e, sizeof(p_e), "%lld", providers_provider_id[P_E]);
    for (int i = 0; i < 4; i++) {
        memset(texts[i], 'a', lengths[i]);
        texts[i][lengths[i]] = '\0';
    }
    languages_text(20, languages20, sizeof(languages20));
    languages_text(21, languages21, sizeof(languages21));
    while (*text != '\0') {
        bool replaced = false;
        for (size_t t = 0; t < sizeof(tokens) / sizeof(tokens[0]) && !replaced; t++) {
            size_t token_length = strlen(tokens[t].token);
            if (strncmp(text, tokens[t].token, token_length) != 0)
                continue;
            if (tokens[t].value == NULL) {   /* 10001 bytes */
                if (used + 10001 >= size)
                    return false;
                memset(out + used, 'a', 10001);
                used += 10001;
            } else {
                size_t value_length = strlen(tokens[t].value);
                if (used + value_length >= size)
                    return false;
                memcpy(out + used, tokens[t].value, value_length);
                used += value_length;
            }
            text += token_length;
            replaced = true;
        }
        if (!replaced) {
            if (used + 1 >= size)
                return false;
            out[used++] = *text++;
        }
    }
    out[used] = '\0';
    return true;
}


static const char *const collections[] = { [PROVIDER] = "/v1/providers", [OFFERING] = "/v1/offerings",
                                           [AVAILABILITY] = "/v1/availability" };

static void run_body_rows(struct expectations *e, const struct body_row *rows, size_t count)
{
    static char patch_text[BODY_MAX], check_text[BODY_MAX];
    struct http_response r = { 0 };

    for (size_t i = 0; i < count; i++) {
        const struct body_row *row = &rows[i];
        json_t *body = providers_valid_body(row->kind);
        json_error_t error;

        if (!substitute(row->patch, patch_text, sizeof(patch_text))) {
            EXPECT(e, false, "%s: the row does not fit", row->label);
            json_decref(body);
            continue;
        }
        json_t *patch = json_loads(patch_text, 0, &error);
        if (!EXPECT(e, patch != NULL, "%s: the row's patch does not parse: %s", row->label, error.text)) {
            json_decref(body);
            continue;
        }
        const char *key;
        json_t *value;
        json_object_foreach(patch, key, value) {
            if (json_is_null(value))
                json_object_del(body, key);
            else
                json_object_set(body, key, value);
        }
        char *before = providers_db_state();
        long long id = providers_create_as(collections[row->kind], providers_admin_auth, body, &r);
        if (row->status == 201) {
            if (expect_json(e, &r, 201, row->label) && row->check_path != NULL && row->check_json != NULL
                && substitute(row->check_json, check_text, sizeof(check_text)))
                EXPECT(e, providers_json_is_text(r.json, row->check_path, check_text), "%s: %s is not %.100s: %.500s",
                       row->label, row->check_path, check_text, r.body);
            if (id > 0) {
                char path[PATH_MAX_LENGTH];
                snprintf(path, sizeof(path), "%s/%lld", collections[row->kind], id);
                EXPECT(e, delete_if_present(path, providers_admin_auth) == 204, "%s: deleting the new record failed", row->label);
            }
        } else {
            const char *type = row->status == 422 ? UNRESOLVED : INVALID;
            if (expect_problem(e, &r, row->status, type, NULL, row->label) && row->fields != NULL)
                expect_fields(e, &r, row->fields, row->label);
            expect_unchanged(e, providers_db_state, before, row->label);
        }
        free(before);
        json_decref(patch);
        json_decref(body);
    }
    http_response_free(&r);
}

static void test_provider_fields_are_validated(void **state)
{
    struct expectations e = { 0 };
    struct body_row rows[sizeof(body_rows) / sizeof(body_rows[0])];
    size_t count = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(body_rows) / sizeof(body_rows[0]); i++)
        if (body_rows[i].kind == PROVIDER)
            rows[count++] = body_rows[i];
    run_body_rows(&e, rows, count);
    assert_int_equal(e.failed, 0);
}

static void test_offering_fields_are_validated(void **state)
{
    struct expectations e = { 0 };
    struct body_row rows[sizeof(body_rows) / sizeof(body_rows[0])];
    size_t count = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(body_rows) / sizeof(body_rows[0]); i++)
        if (body_rows[i].kind == OFFERING)
            rows[count++] = body_rows[i];
    run_body_rows(&e, rows, count);
    assert_int_equal(e.failed, 0);
}

static void test_availability_fields_are_validated(void **state)
{
    struct expectations e = { 0 };
    struct body_row rows[sizeof(body_rows) / sizeof(body_rows[0])];
    size_t count = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(body_rows) / sizeof(body_rows[0]); i++)
        if (body_rows[i].kind == AVAILABILITY)
            rows[count++] = body_rows[i];
    run_body_rows(&e, rows, count);
    assert_int_equal(e.failed, 0);
}

/* PATCH merges into the stored record and checks the result as a whole. */
static void test_patches_are_validated_as_a_whole(void **state)
{
    static const struct { const char *label; int which; const char *patch; const char *fields; } rows[] = {
        { "municipality on the privat provider", 0, "{\"municipality\": \"0380\"}", "municipality" },
        { "the kommun provider becomes privat with its municipality", 1, "{\"kind\": \"privat\"}", "municipality" },
        { "the kommun provider moves to another county", 1, "{\"home_county\": \"01\"}", "municipality" },
        { "organisation number with a wrong check digit", 0, "{\"organisation_number\": \"5560160681\"}",
          "organisation_number" },
        { "required name removed", 0, "{\"name\": null}", "name" },
        { "offering ends before it starts", 2, "{\"valid_to\": \"2024-12-31\"}", "valid_to" },
        { "offering starts after it ends", 3, "{\"valid_from\": \"2021-01-01\"}", "valid_to" },
        { "offering cost negative", 2, "{\"cost_per_case_sek\": -1}", "cost_per_case_sek" },
        { "offering with an unknown role", 2, "{\"training_for\": [\"chef\"]}", "training_for" },
        { "availability in a municipality of another county", 4, "{\"municipality\": \"0180\"}", "municipality" },
        { "availability status removed", 4, "{\"status\": null}", "status" },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        switch (rows[i].which) {
        case 0: snprintf(path, sizeof(path), "/v1/providers/%lld", providers_provider_id[P_A]); break;
        case 1: snprintf(path, sizeof(path), "/v1/providers/%lld", providers_provider_id[P_K]); break;
        case 2: snprintf(path, sizeof(path), "/v1/offerings/%lld", providers_offering_id[O_A]); break;
        case 3: snprintf(path, sizeof(path), "/v1/offerings/%lld", providers_offering_id[O_A_OLD]); break;
        default: snprintf(path, sizeof(path), "/v1/availability/%lld", providers_availability_id[AV1]); break;
        }
        char *before = providers_db_state();
        providers_write_as("PATCH", path, providers_admin_auth, rows[i].patch, &r);
        if (expect_problem(&e, &r, 400, INVALID, NULL, rows[i].label))
            expect_fields(&e, &r, rows[i].fields, rows[i].label);
        expect_unchanged(&e, providers_db_state, before, rows[i].label);
        free(before);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* A duplicate is a 409 that names what is duplicated, not a "slug" these resources do not have. */
static void expect_duplicate(struct expectations *e, const struct http_response *r, const char *label)
{
    const char *detail = json_string_value(json_at(r->json, "detail"));

    if (!expect_problem(e, r, 409, "/problems/duplicate", NULL, label))
        return;
    EXPECT(e, !problem_names_field(r, "slug"), "%s: errors[] names \"slug\", which providers, offerings and "
           "availability do not have: %.400s", label, r->body);
    EXPECT(e, detail != NULL && strstr(detail, "slug") == NULL && strstr(detail, "not valid UTF-8") == NULL,
           "%s: the detail speaks of a slug: %s", label, detail ? detail : "(none)");
}

static void test_duplicates_are_conflicts(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    json_t *body;
    char *before;
    (void)state;

    /* The organisation number of provider A, again. */
    body = providers_valid_body(PROVIDER);
    json_object_set_new(body, "organisation_number", json_string(providers_provider_org[P_A]));
    before = providers_db_state();
    providers_create_as("/v1/providers", providers_admin_auth, body, &r);
    expect_duplicate(&e, &r, "a second provider with A's organisation number");
    expect_unchanged(&e, providers_db_state, before, "duplicate provider");
    free(before);
    json_decref(body);

    /* Provider, method and valid_from of offering B, again. */
    body = providers_offering_body(O_B);
    before = providers_db_state();
    providers_create_as("/v1/offerings", providers_admin_auth, body, &r);
    expect_duplicate(&e, &r, "a second offering like B");
    expect_unchanged(&e, providers_db_state, before, "duplicate offering");
    free(before);
    json_decref(body);

    /* Offering B in county 03, again. */
    body = providers_availability_body(AV3);
    json_object_set_new(body, "status", json_string("väntelista"));
    before = providers_db_state();
    providers_create_as("/v1/availability", providers_admin_auth, body, &r);
    expect_duplicate(&e, &r, "offering B's availability in 03 again");
    expect_unchanged(&e, providers_db_state, before, "duplicate availability");
    free(before);
    json_decref(body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents_show_what_was_written),
        cmocka_unit_test(test_provider_fields_are_validated),
        cmocka_unit_test(test_offering_fields_are_validated),
        cmocka_unit_test(test_availability_fields_are_validated),
        cmocka_unit_test(test_patches_are_validated_as_a_whole),
        cmocka_unit_test(test_duplicates_are_conflicts),
    };
    return cmocka_run_group_tests_name("provider validation", tests, providers_world_create, providers_world_destroy);
}
