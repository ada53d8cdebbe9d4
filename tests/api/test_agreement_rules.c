/*
 * tests/api/test_agreement_rules.c: creating agreements (avtalssamverkan under
 * kommunallagen 9 kap. 37 §) against the real server: every rule of the
 * parties, shares, compensation, dates, myndighetsutövning and scope, legal
 * and illegal; shares with three decimals; a population split that uses the
 * municipality's figure.
 *
 * A refused request must change nothing: each one compares
 * agreements_db_state() before and after.
 *
 * The world (its type, methods and keys) and the helpers are in
 * support_agreements.{c,h}; each binary makes and removes its own.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#include <pthread.h>
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
#include "support_agreements.h"

/* ---- creating: what is legal ------------------------------------------------ */

struct doc_check {
    const char *path;       /* dotted, into the document */
    const char *value;      /* a JSON template */
};

struct valid_row {
    const char *label;
    enum who as;
    const char *base;
    const char *overlay;
    struct doc_check checks[12];   /* a value starting with ~ is an array compared as a set */
};

static const struct valid_row valid_rows[] = {
    { "fast årsavgift, shares 60 + 40", ADMIN, BASE_FAST, NULL,
      { { "status", "'utkast'" }, { "effective_status", "'utkast'" }, { "performer.code", "'0381'" },
        { "parties.0.role", "'utförare'" }, { "parties.0.share_percent", "null" },
        { "parties.1.municipality", "'0360'" }, { "parties.1.share_percent", "40" },
        { "parties.2.share_percent", "60" }, { "compensation.yearly_amount_sek", "120000" },
        { "term.until_further_notice", "false" }, { "methods", "['@M@']" }, { "decisions_complete", "false" } } },
    { "fast årsavgift, one orderer with 100", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 100}]}",
      { { "parties.1.share_percent", "100" }, { "parties.1.county", "'03'" }, { "parties.1.name", "'Uppsala'" } } },
    { "fast årsavgift, 33.33 + 33.33 + 33.34", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 33.33}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 33.33}, "
      "{'municipality': '0331', 'role': 'beställare', 'share_percent': 33.34}]}",
      { { "parties.1.municipality", "'0331'" }, { "parties.1.share_percent", "33.34" },
        { "parties.2.share_percent", "33.33" }, { "parties.3.share_percent", "33.33" } } },
    { "befolkningsandel from the parties' own populations", ADMIN, BASE_FAST,
      "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
      "{'municipality': '0380', 'role': 'beställare', 'population': 30000}, "
      "{'municipality': '0360', 'role': 'beställare', 'population': 10000}]}",
      { { "compensation.model", "'befolkningsandel'" }, { "parties.1.population", "10000" },
        { "parties.1.share_percent", "25" }, { "parties.2.population", "30000" }, { "parties.2.share_percent", "75" },
        { "parties.0.share_percent", "null" } } },
    { "lika delar, three orderers", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", " PB ", " PC ", {'municipality': '0331', 'role': 'beställare'}]}",
      { { "parties.1.share_percent", "33.33" }, { "parties.2.share_percent", "33.33" },
        { "parties.3.share_percent", "33.33" }, { "compensation.model", "'lika delar'" },
        { "term.until_further_notice", "true" }, { "term.valid_to", "null" } } },
    { "per ärende with per_case_sek", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'per ärende', 'yearly_amount_sek': null, 'per_case_sek': 25000}",
      { { "compensation.per_case_sek", "25000" }, { "compensation.yearly_amount_sek", "null" },
        { "parties.1.share_percent", "null" } } },
    { "myndighetsutövning with its delegation", ADMIN, BASE_EQUAL,
      "{'includes_public_authority': true, 'delegation': 'Socialnämnden i Uppsala delegerar beslut enligt LVU.'}",
      { { "includes_public_authority", "true" },
        { "delegation", "'Socialnämnden i Uppsala delegerar beslut enligt LVU.'" } } },
    { "only an intervention type", ADMIN, BASE_EQUAL, "{'methods': null, 'intervention_types': ['@T@']}",
      { { "methods", "[]" }, { "intervention_types", "['@T@']" } } },
    { "a method and an intervention type", ADMIN, BASE_EQUAL,
      "{'methods': ['@M2@', '@M@'], 'intervention_types': ['@T@']}",
      { { "methods", "~['@M2@', '@M@']" }, { "intervention_types", "['@T@']" } } },
    { "a term of one day", ADMIN, BASE_EQUAL, "{'valid_from': '2026-03-01', 'valid_to': '2026-03-01'}",
      { { "term.valid_from", "'2026-03-01'" }, { "term.valid_to", "'2026-03-01'" },
        { "term.until_further_notice", "false" } } },
    { "every optional field", ADMIN, BASE_EQUAL,
      "{'description': 'Ett påhittat avtal.', 'legal_basis': 'kommunallagen (2017:725) 9 kap. 37 §, 38 §', "
      "'indexation': 'omräknas årligen med OPI', 'automatic_renewal': true, 'notice_period_months': 6, "
      "'example': false, 'valid_to': '2028-12-31'}",
      { { "description", "'Ett påhittat avtal.'" }, { "legal_basis", "'kommunallagen (2017:725) 9 kap. 37 §, 38 §'" },
        { "compensation.indexation", "'omräknas årligen med OPI'" }, { "term.automatic_renewal", "true" },
        { "term.notice_period_months", "6" }, { "procurement_exemption", "'intern upphandling'" },
        { "example", "false" } } },
    { "a party's own key, with its own decision", KEY_A, BASE_FAST,
      "{'parties': [" PA_DEC ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 60}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}]}",
      { { "parties.0.decision", DEC_KF }, { "parties.1.decision", "null" }, { "decisions_complete", "false" } } },
    { "every party's decision, by admin", ADMIN, BASE_EQUAL, "{'parties': [" PA_DEC ", " PB_DEC "]}",
      { { "parties.0.decision.body", "'kommunfullmäktige'" }, { "parties.1.decision.date", "'2025-02-20'" },
        { "parties.1.decision.paragraph", "null" }, { "decisions_complete", "true" } } },
    { "another municipality's own agreement", KEY_X, BASE_EQUAL,
      "{'parties': [{'municipality': '0580', 'role': 'utförare'}, {'municipality': '0180', 'role': 'beställare'}]}",
      { { "performer.code", "'0580'" }, { "performer.name", "'Linköping'" }, { "parties.1.county", "'01'" } } },
};

static void test_valid_agreements_are_created(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], location[64], label[200];
    (void)state;

    for (size_t i = 0; i < sizeof(valid_rows) / sizeof(valid_rows[0]); i++) {
        const struct valid_row *row = &valid_rows[i];
        snprintf(label, sizeof(label), "create: %s (%s)", row->label, agreements_who_label[row->as]);
        long long id = agreements_create_as(row->as, row->base, row->overlay, &r);
        if (!agreements_expect_written(&e, &r, 201, label) || !EXPECT(&e, id > 0, "%s: no id", label))
            continue;
        agreements_agreement_path(id, path);
        snprintf(location, sizeof(location), "%s", path);
        EXPECT(&e, http_header(&r, "Location") && strcmp(http_header(&r, "Location"), location) == 0,
               "%s: Location \"%s\"", label, http_header(&r, "Location") ? http_header(&r, "Location") : "(none)");
        EXPECT(&e, json_string_is(r.json, "status", "utkast"), "%s: a new agreement is a draft", label);
        for (size_t c = 0; c < sizeof(row->checks) / sizeof(row->checks[0]) && row->checks[c].path; c++) {
            const char *value = row->checks[c].value;
            bool same = value[0] == '~' ? agreements_json_is_set(r.json, row->checks[c].path, value + 1)
                                        : agreements_json_is_text(r.json, row->checks[c].path, value);
            EXPECT(&e, same, "%s: %s is not %s: %.1500s", label, row->checks[c].path, value, r.body);
        }

        /* A read gives what the write answered. */
        json_t *written = json_incref(r.json);
        char etag[ETAG_MAX];
        snprintf(etag, sizeof(etag), "%s", http_header(&r, "ETag") ? http_header(&r, "ETag") : "");
        agreements_get_as(path, row->as, &r);
        if (expect_json(&e, &r, 200, label)) {
            EXPECT(&e, json_equal(r.json, written), "%s: GET differs from the create answer", label);
            EXPECT(&e, http_header(&r, "ETag") && strcmp(http_header(&r, "ETag"), etag) == 0,
                   "%s: GET ETag differs from the create answer's", label);
        }
        json_decref(written);

        /* What was stored validates again: a PATCH of the title alone succeeds. */
        agreements_write_as("PATCH", id, "", row->as, "{'title': 'TA @W@ omdöpt'}", &r);
        if (agreements_expect_written(&e, &r, 200, label))
            EXPECT(&e, agreements_json_is_text(r.json, "title", "'TA @W@ omdöpt'"), "%s: the patched title: %.300s", label,
                   r.body);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/*
 * Shares with more decimals than the database keeps (numeric(5,2)) must
 * either be refused, or be kept in a way that still validates: an agreement
 * once accepted must stay writable.
 */
static void test_shares_with_three_decimals(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    char *before = agreements_db_state();
    long long id = agreements_create_as(ADMIN, BASE_FAST,
                             "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 33.333}, "
                             "{'municipality': '0360', 'role': 'beställare', 'share_percent': 33.333}, "
                             "{'municipality': '0331', 'role': 'beställare', 'share_percent': 33.334}]}",
                             &r);
    if (id < 0) {
        expect_problem(&e, &r, 400, "/problems/invalid-body", NULL, "shares 33.333 + 33.333 + 33.334");
        expect_unchanged(&e, agreements_db_state, before, "shares 33.333 + 33.333 + 33.334");
    } else {
        double sum = 0;
        size_t i;
        json_t *party;
        json_array_foreach(json_object_get(r.json, "parties"), i, party)
            sum += json_number_value(json_object_get(party, "share_percent"));
        EXPECT(&e, sum > 99.995 && sum < 100.005, "shares accepted as 33.333 + 33.333 + 33.334 are stored adding up "
               "to %.2f: %.800s", sum, r.body);
        agreements_write_as("PATCH", id, "", ADMIN, "{'description': 'Bara en ny beskrivning.'}", &r);
        agreements_expect_written(&e, &r, 200, "PATCH of the description of an agreement created with shares 33.333 + 33.333 + "
                       "33.334");
    }
    free(before);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- creating: what is refused ------------------------------------------- */

struct invalid_row {
    const char *label;
    enum who as;
    const char *base;
    const char *overlay;
    long status;
    const char *type;
    const char *field;      /* errors[] names it; NULL: no check */
};



static const struct invalid_row invalid_rows[] = {
    /* the parties */
    { "one party only", ADMIN, BASE_EQUAL, "{'parties': [" PA "]}", INVALID_BODY, "parties" },
    { "no parties", ADMIN, BASE_EQUAL, "{'parties': []}", INVALID_BODY, "parties" },
    { "parties left out", ADMIN, BASE_EQUAL, "{'parties': null}", INVALID_BODY, "parties" },
    { "the performer is also an orderer", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0381', 'role': 'beställare'}]}", INVALID_BODY, "parties" },
    { "the same orderer twice", ADMIN, BASE_EQUAL, "{'parties': [" PA ", " PB ", " PB "]}", INVALID_BODY, "parties" },
    { "two performers", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'utförare'}, " PC "]}", INVALID_BODY, "parties" },
    { "no performer", ADMIN, BASE_EQUAL,
      "{'parties': [{'municipality': '0381', 'role': 'beställare'}, " PB "]}", INVALID_BODY, "parties" },
    { "no orderer", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'utförare'}]}", INVALID_BODY, "parties" },
    { "a municipality that does not exist", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", " PB ", {'municipality': '0999', 'role': 'beställare'}]}", UNRESOLVED,
      "parties[2].municipality" },
    { "a performer that does not exist", ADMIN, BASE_EQUAL,
      "{'parties': [{'municipality': '0998', 'role': 'utförare'}, " PB "]}", UNRESOLVED, "parties[0].municipality" },
    { "a malformed municipality code", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '380', 'role': 'beställare'}]}", INVALID_BODY, "parties[1].municipality" },
    { "an unknown role", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'köpare'}]}", INVALID_BODY, "parties[1].role" },
    { "a party without a role", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380'}]}", INVALID_BODY, "parties[1].role" },
    { "an unknown party field", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'colour': 'blå'}]}", INVALID_BODY,
      "parties[1].colour" },
    { "a party that is not an object", ADMIN, BASE_EQUAL, "{'parties': [" PA ", '0380']}", INVALID_BODY, NULL },
    { "parties not an array", ADMIN, BASE_EQUAL, "{'parties': '0381'}", INVALID_BODY, "parties" },
    /* the shares */
    { "fast årsavgift, shares adding up to 99.99", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 59.99}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}]}", INVALID_BODY, "parties" },
    { "fast årsavgift, shares adding up to 100.01", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 60.01}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}]}", INVALID_BODY, "parties" },
    { "fast årsavgift, one orderer with 99.99", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 99.99}]}", INVALID_BODY,
      "parties" },
    { "fast årsavgift, an orderer without a share", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 100}, " PC "]}",
      INVALID_BODY, "parties" },
    { "fast årsavgift, a share for the performer", ADMIN, BASE_FAST,
      "{'parties': [{'municipality': '0381', 'role': 'utförare', 'share_percent': 10}, "
      "{'municipality': '0380', 'role': 'beställare', 'share_percent': 60}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}]}", INVALID_BODY, "parties" },
    { "a share above 100", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 120}]}", INVALID_BODY,
      "parties[1].share_percent" },
    { "a negative share", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 110}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': -10}]}", INVALID_BODY,
      "parties[2].share_percent" },
    { "a share of 0", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 100}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 0}]}", INVALID_BODY,
      "parties[2].share_percent" },
    { "a share that is a string", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': '100'}]}", INVALID_BODY,
      "parties[1].share_percent" },
    { "lika delar with stated shares", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 50}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 50}]}", INVALID_BODY, "parties" },
    { "befolkningsandel with a stated share", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
      "{'municipality': '0380', 'role': 'beställare', 'population': 1000, 'share_percent': 100}]}", INVALID_BODY,
      "parties" },
    { "per ärende with a stated share", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'per ärende', 'yearly_amount_sek': null, 'per_case_sek': 900, "
      "'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 100}]}", INVALID_BODY,
      "parties" },
    /* the compensation */
    { "per ärende without per_case_sek", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'per ärende', 'yearly_amount_sek': null}", INVALID_BODY, "per_case_sek" },
    { "per ärende with yearly_amount_sek", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'per ärende', 'per_case_sek': 900}", INVALID_BODY, "yearly_amount_sek" },
    { "fast årsavgift without yearly_amount_sek", ADMIN, BASE_FAST, "{'yearly_amount_sek': null}", INVALID_BODY,
      "yearly_amount_sek" },
    { "lika delar without yearly_amount_sek", ADMIN, BASE_EQUAL, "{'yearly_amount_sek': null}", INVALID_BODY,
      "yearly_amount_sek" },
    { "fast årsavgift with per_case_sek", ADMIN, BASE_FAST, "{'per_case_sek': 900}", INVALID_BODY, "per_case_sek" },
    { "a negative yearly amount", ADMIN, BASE_EQUAL, "{'yearly_amount_sek': -1}", INVALID_BODY, "yearly_amount_sek" },
    { "an unknown compensation model", ADMIN, BASE_EQUAL, "{'compensation_model': 'gratis'}", INVALID_BODY,
      "compensation_model" },
    /* the populations */
    { "befolkningsandel, the second orderer's population unknown", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
      "{'municipality': '0380', 'role': 'beställare', 'population': 30000}, "
      "{'municipality': '@N@', 'role': 'beställare'}]}", INVALID_BODY, "parties[2].population" },
    { "befolkningsandel, the first orderer's population unknown", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", {'municipality': '@N@', 'role': 'beställare'}, "
      "{'municipality': '0380', 'role': 'beställare', 'population': 30000}]}", INVALID_BODY, "parties[1].population" },
    { "a population of 0", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
      "{'municipality': '0380', 'role': 'beställare', 'population': 0}]}", INVALID_BODY, "parties[1].population" },
    /* the term */
    { "valid_to before valid_from", ADMIN, BASE_FAST, "{'valid_to': '2024-12-31'}", INVALID_BODY, "valid_to" },
    { "valid_from left out", ADMIN, BASE_FAST, "{'valid_from': null}", INVALID_BODY, "valid_from" },
    { "a valid_from that is no date", ADMIN, BASE_FAST, "{'valid_from': '2025-13-01'}", INVALID_BODY, "valid_from" },
    { "a valid_to that is no date", ADMIN, BASE_FAST, "{'valid_to': 'tills vidare'}", INVALID_BODY, "valid_to" },
    { "a notice period over 120 months", ADMIN, BASE_EQUAL, "{'notice_period_months': 121}", INVALID_BODY,
      "notice_period_months" },
    /* myndighetsutövning */
    { "myndighetsutövning without delegation", ADMIN, BASE_EQUAL, "{'includes_public_authority': true}",
      INVALID_BODY, "delegation" },
    { "myndighetsutövning with an empty delegation", ADMIN, BASE_EQUAL,
      "{'includes_public_authority': true, 'delegation': ''}", INVALID_BODY, "delegation" },
    /* the scope */
    { "no method or intervention type", ADMIN, BASE_EQUAL, "{'methods': null}", INVALID_BODY, "methods" },
    { "empty methods and intervention types", ADMIN, BASE_EQUAL, "{'methods': [], 'intervention_types': []}",
      INVALID_BODY, "methods" },
    { "a method that does not exist", ADMIN, BASE_EQUAL, "{'methods': ['@M@', 'ta-ingen-metod-@W@']}", UNRESOLVED,
      "methods[1]" },
    { "an intervention type that does not exist", ADMIN, BASE_EQUAL,
      "{'intervention_types': ['ta-ingen-typ-@W@']}", UNRESOLVED, "intervention_types[0]" },
    { "a method named twice", ADMIN, BASE_EQUAL, "{'methods': ['@M@', '@M@']}", INVALID_BODY, "methods" },
    { "an offering that does not exist", ADMIN, BASE_EQUAL, "{'offering_id': 999999999999}", UNRESOLVED,
      "offering_id" },
    /* the rest of the body */
    { "no title", ADMIN, BASE_EQUAL, "{'title': null}", INVALID_BODY, "title" },
    { "an empty title", ADMIN, BASE_EQUAL, "{'title': ''}", INVALID_BODY, "title" },
    { "an unknown field", ADMIN, BASE_EQUAL, "{'colour': 'blå'}", INVALID_BODY, "colour" },
    { "a status in the body", ADMIN, BASE_EQUAL, "{'status': 'aktiv'}", INVALID_BODY, "status" },
    { "an unknown procurement exemption", ADMIN, BASE_EQUAL, "{'procurement_exemption': 'upphandlat'}",
      INVALID_BODY, "procurement_exemption" },
    { "a decision without a date", ADMIN, BASE_EQUAL,
      "{'parties': [{'municipality': '0381', 'role': 'utförare', 'decision': {'body': 'kommunstyrelse'}}, " PB "]}",
      INVALID_BODY, "parties[0].decision.date" },
    { "a decision by an unknown body", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'decision': "
      "{'body': 'kommunrevisionen', 'date': '2025-01-01'}}]}", INVALID_BODY, "parties[1].decision.body" },
    { "a decision with an unknown field", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'decision': "
      "{'body': 'socialnämnd', 'date': '2025-01-01', 'vote': 'enhälligt'}}]}", INVALID_BODY,
      "parties[1].decision.vote" },
    /* who may create */
    { "no key", NOBODY, BASE_EQUAL, NULL, 401, "/problems/unauthorized", NULL },
    { "a provider key", KEY_P, BASE_EQUAL, NULL, 403, "/problems/forbidden", NULL },
    { "a municipality that is not a party", KEY_X, BASE_EQUAL, NULL, 403, "/problems/forbidden", NULL },
    { "a party recording another party's decision", KEY_A, BASE_EQUAL, "{'parties': [" PA ", " PB_DEC "]}", 403,
      "/problems/forbidden", NULL },
    { "a party recording every party's decision", KEY_B, BASE_EQUAL, "{'parties': [" PA_DEC ", " PB_DEC "]}", 403,
      "/problems/forbidden", NULL },
};

static void test_invalid_agreements_are_refused(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[200];
    (void)state;

    for (size_t i = 0; i < sizeof(invalid_rows) / sizeof(invalid_rows[0]); i++) {
        const struct invalid_row *row = &invalid_rows[i];
        snprintf(label, sizeof(label), "create: %s (%s)", row->label, agreements_who_label[row->as]);
        char *before = agreements_db_state();
        long long id = agreements_create_as(row->as, row->base, row->overlay, &r);
        EXPECT(&e, id < 0, "%s: was created as %lld", label, id);
        expect_problem(&e, &r, row->status, row->type, row->field, label);
        expect_unchanged(&e, agreements_db_state, before, label);
        free(before);
    }
    /* Not JSON, and JSON that is not an object. */
    static const char *const bodies[] = { "{\"title\": ", "[]", "\"avtal\"" };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        snprintf(label, sizeof(label), "create with the body %s", bodies[i]);
        char *before = agreements_db_state();
        agreements_send_as("POST", "/v1/agreements", agreements_auth[ADMIN], NULL, bodies[i], &r);
        expect_problem(&e, &r, 400, "/problems/invalid-body", NULL, label);
        expect_unchanged(&e, agreements_db_state, before, label);
        free(before);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- populations ------------------------------------------------------------ */

/* A population split takes the municipality's own figure when the agreement states none. */
static void test_population_split_uses_the_municipality_figure(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    const char *exclude[] = { agreements_null_population_code };
    char *code = db_text("SELECT code FROM municipalities WHERE population IS NOT NULL AND population > 0 "
                         "AND code NOT IN ('0381', '0380', $1) ORDER BY code LIMIT 1", 1, exclude);
    if (code != NULL) {
        snprintf(agreements_figure_code, sizeof(agreements_figure_code), "%s", code);
    } else {
        /* None known (the reference data has no figures): give one municipality a figure for this test. */
        snprintf(agreements_figure_code, sizeof(agreements_figure_code), "%s", strcmp(agreements_null_population_code, "0382") ? "0382" : "0305");
        const char *params[] = { agreements_figure_code };
        agreements_figure_set_here = db_command("UPDATE municipalities SET population = 10000, population_year = 2024 "
                                     "WHERE code = $1 AND population IS NULL", 1, params);
    }
    free(code);
    const char *params[] = { agreements_figure_code };
    char *figure_text = db_text("SELECT population FROM municipalities WHERE code = $1", 1, params);
    long figure = figure_text ? atol(figure_text) : 0;
    free(figure_text);
    if (!EXPECT(&e, figure > 0, "no population figure for %s", agreements_figure_code))
        goto done;

    /* 0380 states three times the figure: it pays 75 %, the municipality with the figure 25 %. */
    char overlay[600];
    snprintf(overlay, sizeof(overlay),
             "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
             "{'municipality': '0380', 'role': 'beställare', 'population': %ld}, "
             "{'municipality': '@F@', 'role': 'beställare'}]}", 3 * figure);
    long long id = agreements_create_as(ADMIN, BASE_EQUAL, overlay, &r);
    if (agreements_expect_written(&e, &r, 201, "befolkningsandel with one orderer's figure from the municipality")) {
        json_t *with_figure = agreements_party_of(r.json, agreements_figure_code);
        json_t *stated = agreements_party_of(r.json, CODE_B);
        EXPECT(&e, json_integer_value(json_object_get(with_figure, "population")) == figure,
               "the party without a stated population has the municipality's figure %ld: %.1000s", figure, r.body);
        EXPECT(&e, agreements_json_is_text(with_figure, "share_percent", "25") && agreements_json_is_text(stated, "share_percent", "75"),
               "shares 25/75 from the municipality's figure and the stated one: %.1000s", r.body);
    }
    /* A stated population wins over the municipality's figure. */
    snprintf(overlay, sizeof(overlay),
             "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
             "{'municipality': '0380', 'role': 'beställare', 'population': %ld}, "
             "{'municipality': '@F@', 'role': 'beställare', 'population': %ld}]}", figure, figure);
    id = agreements_create_as(ADMIN, BASE_EQUAL, overlay, &r);
    if (agreements_expect_written(&e, &r, 201, "befolkningsandel with a stated population")) {
        EXPECT(&e, agreements_json_is_text(agreements_party_of(r.json, agreements_figure_code), "share_percent", "50"),
               "a stated population is used: %.1000s", r.body);
    }
    (void)id;
done:
    if (agreements_figure_set_here) {
        db_command("UPDATE municipalities SET population = NULL, population_year = NULL WHERE code = $1", 1, params);
        agreements_figure_set_here = false;
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_agreements_are_created),
        cmocka_unit_test(test_shares_with_three_decimals),
        cmocka_unit_test(test_invalid_agreements_are_refused),
        cmocka_unit_test(test_population_split_uses_the_municipality_figure),
    };
    return cmocka_run_group_tests_name("agreement_rules", tests, agreements_setup_group, agreements_teardown_group);
}
