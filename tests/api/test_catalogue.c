/*
 * tests/api/test_catalogue.c: the catalogue as served, against the loaded
 * reference data (sql/0002_catalogue.sql, the CSV files in sql/reference).
 *
 * Every test is a table: a new resource, document fact or filter is a new row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"

#define MAX_PAGES 100

/* ---- every list ---------------------------------------------------------- */

struct list_row {
    const char *path;
    const char *key;        /* the field the list is keyed and ordered by */
    size_t count;           /* how many records the reference data has */
};

static const struct list_row lists[] = {
    { "/v1/knowledge-supports", "slug", 1 },
    { "/v1/intervention-types", "slug", 6 },
    { "/v1/methods", "slug", 12 },
    { "/v1/assessment-instruments", "slug", 5 },
    { "/v1/materials", "slug", 4 },
    { "/v1/recommendations", "slug", 6 },
    { "/v1/surveys", "slug", 1 },
    { "/v1/counties", "code", 21 },
    { "/v1/municipalities", "code", 290 },
};

#define LIST_COUNT (sizeof(lists) / sizeof(lists[0]))

/* The first page with no parameters: the shape, the default limit of 50, CORS. */
static void test_lists_answer_a_page(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < LIST_COUNT; i++) {
        const struct list_row *row = &lists[i];
        http_get(row->path, NULL, &r);
        if (!expect_page(&e, &r, row->key, row->path))
            continue;
        size_t expected_items = row->count < 50 ? row->count : 50;
        EXPECT(&e, json_integer_value(json_at(r.json, "limit")) == 50, "%s: default limit is not 50", row->path);
        EXPECT(&e, json_array_size(json_at(r.json, "items")) == expected_items, "%s: %zu items on page 1, wanted %zu",
               row->path, json_array_size(json_at(r.json, "items")), expected_items);
        EXPECT(&e, (row->count > 50) == json_is_string(json_at(r.json, "next")), "%s: next link wrong for %zu records",
               row->path, row->count);
        const char *origin = http_header(&r, "Access-Control-Allow-Origin");
        EXPECT(&e, origin != NULL && strcmp(origin, "*") == 0, "%s: Access-Control-Allow-Origin", row->path);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Every record exactly once, walking limit=200 pages through "next". */
static void test_lists_hold_every_record_once(void **state)
{
    struct expectations e = { 0 };
    char path[128];
    (void)state;

    for (size_t i = 0; i < LIST_COUNT; i++) {
        const struct list_row *row = &lists[i];
        json_t *items = json_array();
        snprintf(path, sizeof(path), "%s?limit=200", row->path);
        int pages = walk_pages(&e, path, row->key, MAX_PAGES, items);
        EXPECT(&e, json_array_size(items) == row->count, "%s: %zu records, wanted %zu", path, json_array_size(items),
               row->count);
        EXPECT(&e, pages == (int)(row->count + 199) / 200, "%s: %d pages for %zu records", path, pages, row->count);
        json_decref(items);
    }
    assert_int_equal(e.failed, 0);
}

/* What a list shows of a record is what GET of its key shows. */
static void test_list_items_equal_their_documents(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[256];
    (void)state;

    for (size_t i = 0; i < LIST_COUNT; i++) {
        const struct list_row *row = &lists[i];
        json_t *items = json_array();
        size_t j;
        json_t *item;

        snprintf(path, sizeof(path), "%s?limit=200", row->path);
        walk_pages(&e, path, row->key, MAX_PAGES, items);
        json_array_foreach(items, j, item) {
            /* All of a small list; every 29th municipality is enough to catch a drift. */
            if (row->count > 50 && j % 29 != 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", row->path, json_string_value(json_object_get(item, row->key)));
            http_get(path, NULL, &r);
            if (!expect_json(&e, &r, 200, path))
                continue;
            EXPECT(&e, json_equal(r.json, item), "%s: the document differs from its list item", path);
            const char *etag = http_header(&r, "ETag");
            EXPECT(&e, etag != NULL && etag[0] == '"', "%s: no strong ETag", path);
        }
        json_decref(items);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- documents ----------------------------------------------------------- */

enum fact_kind {
    FACT_STRING,        /* json_at(path) is the string text */
    FACT_INTEGER,       /* json_at(path) is the integer number */
    FACT_TRUE,          /* json_at(path) is true */
    FACT_FALSE,         /* json_at(path) is false */
    FACT_NULL,          /* json_at(path) is null */
    FACT_LENGTH,        /* json_at(path) is an array of number elements */
    FACT_HAS_STRING,    /* json_at(path) is an array with the string text among its elements */
    FACT_STRINGS,       /* json_at(path) is an array of exactly the strings in text, "a,b,c", in order */
};

struct fact_row {
    const char *path;
    const char *json_path;
    enum fact_kind kind;
    const char *text;
    long long number;
};

static const struct fact_row facts[] = {
    { "/v1/methods/fft", "slug", FACT_STRING, "fft", 0 },
    { "/v1/methods/fft", "abbreviation", FACT_STRING, "FFT", 0 },
    { "/v1/methods/fft", "intervention_type.slug", FACT_STRING, "familjebehandling", 0 },
    { "/v1/methods/fft", "pilot_survey.percent_of_municipalities", FACT_INTEGER, NULL, 41 },
    { "/v1/methods/fft", "pilot_survey.survey", FACT_STRING, "samverkanspilot-2022-2023", 0 },
    { "/v1/methods/fft", "available_in_sweden", FACT_TRUE, NULL, 0 },
    { "/v1/methods/fft", "age_min", FACT_INTEGER, NULL, 11 },
    { "/v1/methods/fft", "age_max", FACT_INTEGER, NULL, 18 },
    { "/v1/methods/komet", "pilot_survey.percent_of_municipalities", FACT_INTEGER, NULL, 34 },
    { "/v1/methods/tfco", "intervention_type.slug", FACT_STRING, "behandlingsfamilj", 0 },
    { "/v1/methods/bsft", "pilot_survey", FACT_NULL, NULL, 0 },
    { "/v1/methods/triple-p", "available_in_sweden", FACT_FALSE, NULL, 0 },
    { "/v1/methods/triple-p", "pilot_survey.percent_of_municipalities", FACT_INTEGER, NULL, 0 },
    { "/v1/methods/coping-power", "availability", FACT_STRING, "forskningspilot", 0 },
    { "/v1/methods/coping-power", "available_in_sweden", FACT_FALSE, NULL, 0 },
    { "/v1/methods/snap", "availability", FACT_STRING, "planerad", 0 },
    { "/v1/methods/snap", "available_in_sweden", FACT_FALSE, NULL, 0 },
    { "/v1/assessment-instruments/erasor", "other_names", FACT_HAS_STRING, "Erador", 0 },
    { "/v1/assessment-instruments/erasor", "pilot_survey.percent_of_municipalities", FACT_INTEGER, NULL, 29 },
    { "/v1/assessment-instruments/earl", "other_names", FACT_STRINGS, "EARL-20B,EARL-21G", 0 },
    { "/v1/assessment-instruments/savry", "other_names", FACT_LENGTH, NULL, 0 },
    { "/v1/assessment-instruments/yls-cmi", "abbreviation", FACT_STRING, "YLS/CMI", 0 },
    { "/v1/counties/03", "code", FACT_STRING, "03", 0 },
    { "/v1/counties/03", "name", FACT_STRING, "Uppsala län", 0 },
    { "/v1/counties/03", "municipality_count", FACT_INTEGER, NULL, 8 },
    { "/v1/counties/01", "name", FACT_STRING, "Stockholms län", 0 },
    { "/v1/municipalities/0381", "name", FACT_STRING, "Enköping", 0 },
    { "/v1/municipalities/0381", "county.code", FACT_STRING, "03", 0 },
    { "/v1/municipalities/0381", "county.name", FACT_STRING, "Uppsala län", 0 },
    { "/v1/municipalities/0180", "name", FACT_STRING, "Stockholm", 0 },
    { "/v1/municipalities/2584", "name", FACT_STRING, "Kiruna", 0 },
    { "/v1/municipalities/2584", "county.code", FACT_STRING, "25", 0 },
    { "/v1/surveys/samverkanspilot-2022-2023", "municipalities", FACT_INTEGER, NULL, 65 },
    { "/v1/surveys/samverkanspilot-2022-2023", "city_districts", FACT_INTEGER, NULL, 12 },
    { "/v1/surveys/samverkanspilot-2022-2023", "counties", FACT_INTEGER, NULL, 14 },
    { "/v1/surveys/samverkanspilot-2022-2023", "period", FACT_STRING, "2022/23", 0 },
    { "/v1/surveys/samverkanspilot-2022-2023", "results", FACT_LENGTH, NULL, 16 },
    { "/v1/surveys/samverkanspilot-2022-2023", "results.0.percent_of_municipalities", FACT_INTEGER, NULL, 93 },
    { "/v1/knowledge-supports/normbrytande-beteende-2021", "recommendations", FACT_LENGTH, NULL, 6 },
    { "/v1/knowledge-supports/normbrytande-beteende-2021", "age_min", FACT_INTEGER, NULL, 6 },
    { "/v1/knowledge-supports/normbrytande-beteende-2021", "age_max", FACT_INTEGER, NULL, 17 },
    { "/v1/knowledge-supports/normbrytande-beteende-2021", "publisher", FACT_STRING, "Socialstyrelsen", 0 },
    /* As published (sql/0012_recommendation_grades.sql): all five "bör"; "bör inte" for all of 6–17. */
    { "/v1/recommendations/avskrackande-program", "strength", FACT_STRING, "bör inte", 0 },
    { "/v1/recommendations/avskrackande-program", "advised_against", FACT_TRUE, NULL, 0 },
    { "/v1/recommendations/avskrackande-program", "age_min", FACT_INTEGER, NULL, 6 },
    { "/v1/recommendations/avskrackande-program", "age_max", FACT_INTEGER, NULL, 17 },
    { "/v1/recommendations/individuell-kbt-12-17", "strength", FACT_STRING, "bör", 0 },
    { "/v1/recommendations/behandlingsfamilj-12-17", "strength", FACT_STRING, "bör", 0 },
    { "/v1/recommendations/foraldraskapsstod-6-11", "advised_against", FACT_FALSE, NULL, 0 },
    { "/v1/recommendations/foraldraskapsstod-6-11", "age_max", FACT_INTEGER, NULL, 11 },
    { "/v1/intervention-types/familjebehandling", "methods", FACT_STRINGS, "bsft,fft,mdft,mst", 0 },
    { "/v1/intervention-types/avskrackande-program", "methods", FACT_LENGTH, NULL, 0 },
    { "/v1/intervention-types/individuell-kbt", "pilot_survey.percent_of_municipalities", FACT_INTEGER, NULL, 29 },
    { "/v1/materials/film-rbm", "kinds", FACT_STRINGS, "film,workshopstöd", 0 },
    { "/v1/materials/film-rbm", "knowledge_support", FACT_STRING, "normbrytande-beteende-2021", 0 },
    { "/v1/materials/information-exempelmetoder", "kinds", FACT_STRINGS, "information", 0 },
};

/* Whether array holds exactly the comma-separated strings of list, in order. */
static bool array_is_strings(const json_t *array, const char *list)
{
    char copy[256];
    char *saveptr = NULL;
    size_t index = 0;

    if (!json_is_array(array))
        return false;
    snprintf(copy, sizeof(copy), "%s", list);
    for (char *word = strtok_r(copy, ",", &saveptr); word != NULL; word = strtok_r(NULL, ",", &saveptr), index++) {
        const char *got = json_string_value(json_array_get(array, index));
        if (got == NULL || strcmp(got, word) != 0)
            return false;
    }
    return index == json_array_size(array);
}

static bool array_has_string(const json_t *array, const char *text)
{
    size_t i;
    json_t *element;

    json_array_foreach(array, i, element)
        if (json_is_string(element) && strcmp(json_string_value(element), text) == 0)
            return true;
    return false;
}

static bool fact_holds(const json_t *value, const struct fact_row *row)
{
    switch (row->kind) {
    case FACT_STRING:
        return json_is_string(value) && strcmp(json_string_value(value), row->text) == 0;
    case FACT_INTEGER:
        return json_is_integer(value) && json_integer_value(value) == row->number;
    case FACT_TRUE:
        return json_is_true(value);
    case FACT_FALSE:
        return json_is_false(value);
    case FACT_NULL:
        return json_is_null(value);
    case FACT_LENGTH:
        return json_is_array(value) && json_array_size(value) == (size_t)row->number;
    case FACT_HAS_STRING:
        return array_has_string(value, row->text);
    case FACT_STRINGS:
        return array_is_strings(value, row->text);
    }
    return false;
}

static void test_documents_hold_the_reference_facts(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
        const struct fact_row *row = &facts[i];
        http_get(row->path, NULL, &r);
        if (!expect_json(&e, &r, 200, row->path))
            continue;
        json_t *value = json_at(r.json, row->json_path);
        char *shown = value ? json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        EXPECT(&e, fact_holds(value, row), "%s: %s is %s, wanted %s %lld", row->path, row->json_path,
               shown ? shown : "(missing)", row->text ? row->text : "", row->number);
        free(shown);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* The six recommendations: bands 6-11 and 12-17, and the one advised against (6-17). */
static void test_recommendations(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    const char *path = "/v1/knowledge-supports/normbrytande-beteende-2021";
    bool band_6_11 = false;
    bool band_12_17 = false;
    int advised_against = 0;
    size_t i;
    json_t *rec;
    (void)state;

    http_get(path, NULL, &r);
    assert_true(expect_json(&e, &r, 200, path));
    json_t *recommendations = json_at(r.json, "recommendations");
    assert_int_equal(json_array_size(recommendations), 6);
    json_array_foreach(recommendations, i, rec) {
        const char *slug = json_string_value(json_object_get(rec, "slug"));
        const char *strength = json_string_value(json_object_get(rec, "strength"));
        const char *type = json_string_value(json_at(rec, "intervention_type.slug"));
        json_int_t min = json_integer_value(json_object_get(rec, "age_min"));
        json_int_t max = json_integer_value(json_object_get(rec, "age_max"));
        bool against = json_is_true(json_object_get(rec, "advised_against"));

        if (!EXPECT(&e, slug != NULL && strength != NULL && type != NULL, "recommendation %zu lacks a field", i))
            continue;
        band_6_11 |= min == 6 && max == 11;
        band_12_17 |= min == 12 && max == 17;
        /* The five to offer are per band; the one advised against holds for the whole target group
         * (sql/0012_recommendation_grades.sql). All five are "bör", the strong grade. */
        if (against)
            EXPECT(&e, min == 6 && max == 17, "%s: age band %lld-%lld", slug, (long long)min, (long long)max);
        else
            EXPECT(&e, ((min == 6 && max == 11) || (min == 12 && max == 17)) && strcmp(strength, "bör") == 0,
                   "%s: age band %lld-%lld, strength \"%s\"", slug, (long long)min, (long long)max, strength);
        EXPECT(&e, json_is_boolean(json_object_get(rec, "advised_against")), "%s: advised_against not a boolean",
               slug);
        EXPECT(&e, against == (strcmp(strength, "bör inte") == 0), "%s: strength \"%s\" but advised_against %d", slug,
               strength, against);
        EXPECT(&e, strcmp(json_string_value(json_object_get(rec, "knowledge_support")) ?: "",
                          "normbrytande-beteende-2021") == 0, "%s: knowledge_support", slug);
        if (strcmp(type, "avskrackande-program") == 0) {
            EXPECT(&e, strcmp(strength, "bör inte") == 0, "avskrackande-program: strength \"%s\"", strength);
            EXPECT(&e, against, "avskrackande-program: not advised against");
            EXPECT(&e, json_array_size(json_object_get(rec, "example_methods")) == 0,
                   "avskrackande-program: offers example methods");
        }
        if (strcmp(type, "familjebehandling") == 0)
            EXPECT(&e, array_is_strings(json_object_get(rec, "example_methods"), "bsft,fft,mdft,mst"),
                   "familjebehandling: example_methods");
        advised_against += against;
    }
    EXPECT(&e, band_6_11, "no recommendation for ages 6-11");
    EXPECT(&e, band_12_17, "no recommendation for ages 12-17");
    EXPECT(&e, advised_against == 1, "%d recommendations advised against, wanted 1", advised_against);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Geography: every municipality is in the county its code starts with, and
 * the counties' municipality_count adds up to the municipalities listed. */
static void test_geography_is_consistent(void **state)
{
    struct expectations e = { 0 };
    json_t *counties = json_array();
    json_t *municipalities = json_array();
    json_int_t total = 0;
    size_t i;
    json_t *item;
    (void)state;

    walk_pages(&e, "/v1/counties?limit=200", "code", MAX_PAGES, counties);
    walk_pages(&e, "/v1/municipalities?limit=200", "code", MAX_PAGES, municipalities);
    json_array_foreach(counties, i, item) {
        const char *code = json_string_value(json_object_get(item, "code"));
        EXPECT(&e, code != NULL && strlen(code) == 2, "county code %s", code ? code : "(none)");
        EXPECT(&e, json_string_length(json_object_get(item, "name")) > 0, "county %s has no name", code);
        total += json_integer_value(json_object_get(item, "municipality_count"));
    }
    EXPECT(&e, total == 290, "municipality_count adds up to %lld", (long long)total);
    json_array_foreach(municipalities, i, item) {
        const char *code = json_string_value(json_object_get(item, "code"));
        const char *county = json_string_value(json_at(item, "county.code"));
        if (!EXPECT(&e, code != NULL && county != NULL && strlen(code) == 4, "municipality %zu", i))
            continue;
        EXPECT(&e, strncmp(code, county, 2) == 0, "municipality %s in county %s", code, county);
        EXPECT(&e, json_string_length(json_object_get(item, "name")) > 0, "municipality %s has no name", code);
    }
    json_decref(counties);
    json_decref(municipalities);
    assert_int_equal(e.failed, 0);
}

/* ---- filters ------------------------------------------------------------- */

enum predicate {
    ANY,                   /* no per-item check beyond the expected keys */
    TYPE_IS_ARG,           /* intervention_type.slug == arg */
    AGE_IN_RANGE,          /* age_min <= number <= age_max */
    AVAILABLE_IS_NUMBER,   /* available_in_sweden == (number != 0) */
    KINDS_HAVE_ARG,        /* kinds contains arg */
    COUNTY_IS_ARG,         /* county.code == arg and code starts with it */
};

struct filter_row {
    const char *path;           /* the filtered list */
    const char *all;            /* the unfiltered list, to work out what the filter must keep */
    const char *key;
    const char *expected;       /* the keys wanted, comma-separated in order; NULL: only the count */
    size_t count;
    enum predicate predicate;
    const char *arg;
    long number;
};

static const struct filter_row filters[] = {
    { "/v1/methods?intervention_type=familjebehandling", "/v1/methods", "slug", "bsft,fft,mdft,mst", 4,
      TYPE_IS_ARG, "familjebehandling", 0 },
    { "/v1/methods?intervention_type=foraldraskapsstod", "/v1/methods", "slug",
      "cope,de-otroliga-aren,komet,triple-p", 4, TYPE_IS_ARG, "foraldraskapsstod", 0 },
    { "/v1/methods?intervention_type=avskrackande-program", "/v1/methods", "slug", "", 0, ANY, NULL, 0 },
    { "/v1/methods?intervention_type=no-such-type", "/v1/methods", "slug", "", 0, ANY, NULL, 0 },
    { "/v1/methods?age=7", "/v1/methods", "slug", "cope,de-otroliga-aren,dina,komet,snap,triple-p", 6,
      AGE_IN_RANGE, NULL, 7 },
    { "/v1/methods?age=0", "/v1/methods", "slug", "triple-p", 1, AGE_IN_RANGE, NULL, 0 },
    { "/v1/methods?age=18", "/v1/methods", "slug", "bsft,fft,komet,mdft", 4, AGE_IN_RANGE, NULL, 18 },
    { "/v1/methods?age=11", "/v1/methods", "slug", NULL, 8, AGE_IN_RANGE, NULL, 11 },
    { "/v1/methods?age=25", "/v1/methods", "slug", "", 0, AGE_IN_RANGE, NULL, 25 },
    { "/v1/methods?available_in_sweden=false", "/v1/methods", "slug",
      "coping-power,de-otroliga-aren,dina,snap,triple-p", 5, AVAILABLE_IS_NUMBER, NULL, 0 },
    { "/v1/methods?available_in_sweden=true", "/v1/methods", "slug", "bsft,cope,fft,komet,mdft,mst,tfco", 7,
      AVAILABLE_IS_NUMBER, NULL, 1 },
    { "/v1/methods?intervention_type=familjebehandling&age=11", "/v1/methods?intervention_type=familjebehandling",
      "slug", "fft,mdft", 2, AGE_IN_RANGE, NULL, 11 },
    { "/v1/methods?intervention_type=kbt-fardighetstraning&available_in_sweden=false&age=8",
      "/v1/methods?intervention_type=kbt-fardighetstraning&available_in_sweden=false", "slug", "coping-power,dina,snap",
      3, AGE_IN_RANGE, NULL, 8 },
    { "/v1/assessment-instruments?age=6", "/v1/assessment-instruments", "slug", "earl,ester", 2, AGE_IN_RANGE, NULL,
      6 },
    { "/v1/assessment-instruments?age=13", "/v1/assessment-instruments", "slug", "erasor,ester,savry,yls-cmi", 4,
      AGE_IN_RANGE, NULL, 13 },
    { "/v1/assessment-instruments?age=18", "/v1/assessment-instruments", "slug", "erasor,ester,savry", 3,
      AGE_IN_RANGE, NULL, 18 },
    { "/v1/materials?kind=film", "/v1/materials", "slug",
      "film-avtalssamverkan,film-presentation-kunskapsstodet,film-rbm", 3, KINDS_HAVE_ARG, "film", 0 },
    { "/v1/materials?kind=workshopst%C3%B6d", "/v1/materials", "slug", "film-presentation-kunskapsstodet,film-rbm", 2,
      KINDS_HAVE_ARG, "workshopstöd", 0 },
    { "/v1/materials?kind=information", "/v1/materials", "slug", "information-exempelmetoder", 1, KINDS_HAVE_ARG,
      "information", 0 },
    { "/v1/materials?kind=rapport", "/v1/materials", "slug", "", 0, KINDS_HAVE_ARG, "rapport", 0 },
    { "/v1/municipalities?county=03", "/v1/municipalities?limit=200", "code", NULL, 8, COUNTY_IS_ARG, "03", 0 },
    { "/v1/municipalities?county=25", "/v1/municipalities?limit=200", "code", NULL, 14, COUNTY_IS_ARG, "25", 0 },
    { "/v1/municipalities?county=99", "/v1/municipalities?limit=200", "code", "", 0, COUNTY_IS_ARG, "99", 0 },
};

static bool predicate_holds(const json_t *item, const struct filter_row *row)
{
    switch (row->predicate) {
    case ANY:
        return true;
    case TYPE_IS_ARG:
        return strcmp(json_string_value(json_at(item, "intervention_type.slug")) ?: "", row->arg) == 0;
    case AGE_IN_RANGE:
        return json_integer_value(json_object_get(item, "age_min")) <= row->number
               && row->number <= json_integer_value(json_object_get(item, "age_max"));
    case AVAILABLE_IS_NUMBER:
        return json_is_boolean(json_object_get(item, "available_in_sweden"))
               && json_is_true(json_object_get(item, "available_in_sweden")) == (row->number != 0);
    case KINDS_HAVE_ARG:
        return array_has_string(json_object_get(item, "kinds"), row->arg);
    case COUNTY_IS_ARG:
        return strcmp(json_string_value(json_at(item, "county.code")) ?: "", row->arg) == 0
               && strncmp(json_string_value(json_object_get(item, "code")) ?: "", row->arg, 2) == 0;
    }
    return false;
}

/* Keys of items, comma-separated. */
static void join_keys(const json_t *items, const char *key, char *out, size_t out_size)
{
    size_t used = 0;
    size_t i;
    json_t *item;

    out[0] = '\0';
    json_array_foreach(items, i, item)
        if (used < out_size)
            used += (size_t)snprintf(out + used, out_size - used, "%s%s", i ? "," : "",
                                     json_string_value(json_object_get(item, key)) ?: "?");
}

/*
 * Each filter keeps exactly the records the predicate holds for: checked
 * against the row's expected keys, and against the unfiltered list (so an
 * item wrongly dropped is caught as well as one wrongly kept).
 */
static void test_filters_keep_exactly_the_matching_records(void **state)
{
    struct expectations e = { 0 };
    char got[2048];
    char wanted[2048];
    (void)state;

    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        const struct filter_row *row = &filters[i];
        json_t *items = json_array();
        json_t *all = json_array();
        json_t *kept = json_array();
        size_t j;
        json_t *item;

        walk_pages(&e, row->path, row->key, MAX_PAGES, items);
        walk_pages(&e, row->all, row->key, MAX_PAGES, all);
        json_array_foreach(items, j, item)
            EXPECT(&e, predicate_holds(item, row), "%s: %s does not match the filter", row->path,
                   json_string_value(json_object_get(item, row->key)));
        json_array_foreach(all, j, item)
            if (predicate_holds(item, row))
                json_array_append(kept, item);
        join_keys(items, row->key, got, sizeof(got));
        join_keys(kept, row->key, wanted, sizeof(wanted));
        if (row->predicate != ANY)
            EXPECT(&e, strcmp(got, wanted) == 0, "%s: gave [%s], the unfiltered list says [%s]", row->path, got,
                   wanted);
        if (row->expected != NULL)
            EXPECT(&e, strcmp(got, row->expected) == 0, "%s: gave [%s], wanted [%s]", row->path, got, row->expected);
        else
            EXPECT(&e, json_array_size(items) == row->count, "%s: %zu items, wanted %zu", row->path,
                   json_array_size(items), row->count);
        json_decref(items);
        json_decref(all);
        json_decref(kept);
    }
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_answer_a_page),
        cmocka_unit_test(test_lists_hold_every_record_once),
        cmocka_unit_test(test_list_items_equal_their_documents),
        cmocka_unit_test(test_documents_hold_the_reference_facts),
        cmocka_unit_test(test_recommendations),
        cmocka_unit_test(test_geography_is_consistent),
        cmocka_unit_test(test_filters_keep_exactly_the_matching_records),
    };
    return cmocka_run_group_tests_name("catalogue", tests, NULL, NULL);
}
