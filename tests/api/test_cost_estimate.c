/*
 * tests/api/test_cost_estimate.c: GET /v1/methods/{slug}/cost-estimate
 * against the real server: the figures of one offering and the median of
 * several, a figure nobody states, offerings valid on a date, each
 * municipality alone, one shared agreement split by every compensation
 * model with the rounding remainder at the performer, and every refused
 * query.
 *
 * The group setup creates its own world through the API with ADMIN_KEY: two
 * methods (slugs "ce-...-<tag>", so no other offering counts in a median),
 * two providers and four offerings with figures chosen so that every
 * expected amount below is computed by hand in a comment. It records the
 * populations of 0381 Enköping, 0305 Håbo and 0330 Knivsta with libpq
 * (47000, 28000 and none), and puts the old values back in the teardown.
 *
 * Every 200 answer is also checked for its invariants: alone totals are the
 * sums of their parts; every computable model's parts add up exactly to the
 * shared totals; each saving is the municipality's alone cost minus its part.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY (as set by tests/run.sh).
 */
#include <limits.h>
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

#define PATH_MAX_LENGTH 512
#define MODEL_COUNT 4
#define NONE (-1)

static char tag[16];
static char admin_auth[300];
static char method_m[64], method_m2[64];
static char thirty_codes[200];       /* the first 30 municipality codes, joined by "," */
static char saved_population[3][2][16];   /* population and year of the three below, "" for NULL */
static bool populations_set;

static const char *const population_codes[3] = { "0381", "0305", "0330" };
static const char *const population_values[3] = { "47000", "28000", NULL };

/* ---- the fixture ---------------------------------------------------------- */

enum provider_index { P_1, P_2, PROVIDER_COUNT };
enum offering_index { O_A, O_B, O_OLD, O_OTHER, OFFERING_COUNT };

struct offering_fixture {
    enum provider_index provider;
    bool second_method;
    const char *valid_from, *valid_to, *verified_on;
    int startup, training, per_case, yearly;   /* NONE: not stated */
};

/*
 * Today the method has A and B: medians startup (100000+60000)/2 = 80000,
 * training (20000+15000)/2 = 17500, per case (50000+40001)/2 = 45000.5,
 * rounded half away from zero to 45001, yearly 30000 (B states none, and a
 * median ignores it). On 2023-06-01 only OLD is valid; before 2020 none.
 */
static const struct offering_fixture offering_fixtures[OFFERING_COUNT] = {
    [O_A] = { P_1, false, "2024-01-01", NULL, "2025-02-01", 100000, 20000, 50000, 30000 },
    [O_B] = { P_2, false, "2024-06-01", NULL, "2025-05-15", 60000, 15000, 40001, NONE },
    [O_OLD] = { P_1, false, "2020-01-01", "2023-12-31", "2020-03-01", 40000, 10000, 30000, 12000 },
    [O_OTHER] = { P_2, true, "2024-01-01", NULL, NULL, 1, 1, 1, 1 },
};

static long long provider_id[PROVIDER_COUNT];
static long long offering_id[OFFERING_COUNT];

/* ---- requests and the database ------------------------------------------- */

static int send_as(const char *method, const char *path, const char *if_match, const char *body,
                   struct http_response *r)
{
    http_response_free(r);
    return request_as(method, path, admin_auth, "application/json", if_match, body, r);
}

/* POSTs body (taken) to collection; on 201 remembers the record at path_of(id or slug). */
static bool create(const char *collection, json_t *body, long long *id_out, const char *slug)
{
    struct http_response r = { 0 };
    char *text = json_dumps(body, JSON_COMPACT);
    char path[96];
    bool ok;

    send_as("POST", collection, NULL, text, &r);
    free(text);
    json_decref(body);
    ok = r.status == 201 && (slug != NULL || json_is_integer(json_at(r.json, "id")));
    if (!ok) {
        fprintf(stderr, "# setup: POST %s failed: %ld %.400s\n", collection, r.status, r.body ? r.body : "");
    } else if (slug != NULL) {
        snprintf(path, sizeof(path), "%s/%s", collection, slug);
        remember_created(path);
    } else {
        *id_out = json_integer_value(json_at(r.json, "id"));
        snprintf(path, sizeof(path), "%s/%lld", collection, *id_out);
        remember_created(path);
    }
    http_response_free(&r);
    return ok;
}

static bool set_population(const char *code, const char *population, const char *year)
{
    const char *params[] = { code, population, year };
    PGresult *res = PQexecParams(db_connection(), "UPDATE municipalities SET population = $2::integer, "
                                 "population_year = $3::integer WHERE code = $1", 3, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdTuples(res), "1") == 0;
    if (!ok)
        fprintf(stderr, "# setting the population of %s failed: %s", code, PQerrorMessage(db_connection()));
    PQclear(res);
    return ok;
}

/* ---- setup --------------------------------------------------------------- */

static bool create_world(unsigned long seed)
{
    snprintf(method_m, sizeof(method_m), "ce-m-%s", tag);
    snprintf(method_m2, sizeof(method_m2), "ce-m2-%s", tag);
    for (int i = 0; i < 2; i++) {
        const char *slug = i == 0 ? method_m : method_m2;
        json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s}", "slug", slug,
                                 "abbreviation", "CE", "name_sv", "KE-metoden", "name_en", "The CE method",
                                 "intervention_type", "familjebehandling", "age_min", 6, "age_max", 17, "format",
                                 "familj", "availability", "planerad", "description",
                                 "En metod som kostnadstesterna skapar.");
        if (!create("/v1/methods", body, NULL, slug))
            return false;
    }
    for (int p = 0; p < PROVIDER_COUNT; p++) {
        bool ok = false;
        /* An organisation number left over from an interrupted run is taken: try the next. */
        for (int attempt = 0; attempt < 5 && !ok; attempt++) {
            char nine[16], org[16], name[64];
            snprintf(nine, sizeof(nine), "8%05lu%03d", (seed >> 8) % 100000, (int)((seed + p * 7 + attempt) % 1000));
            organisation_number_of(nine, true, org);
            snprintf(name, sizeof(name), "KE %s %d", tag, p + 1);
            ok = create("/v1/providers", json_pack("{s:s, s:s, s:s, s:s}", "name", name, "organisation_number", org,
                                                   "kind", "privat", "home_county", "03"), &provider_id[p], NULL);
        }
        if (!ok)
            return false;
    }
    for (int o = 0; o < OFFERING_COUNT; o++) {
        const struct offering_fixture *f = &offering_fixtures[o];
        json_t *body = json_pack("{s:I, s:s, s:s, s:s}", "provider_id", (json_int_t)provider_id[f->provider],
                                 "method", f->second_method ? method_m2 : method_m, "delivery", "båda",
                                 "valid_from", f->valid_from);
        const struct { const char *name; int value; } figures[] = {
            { "startup_fee_sek", f->startup }, { "training_cost_per_participant_sek", f->training },
            { "cost_per_case_sek", f->per_case }, { "yearly_fee_sek", f->yearly },
        };
        for (size_t i = 0; i < 4; i++)
            if (figures[i].value != NONE)
                json_object_set_new(body, figures[i].name, json_integer(figures[i].value));
        if (f->valid_to != NULL)
            json_object_set_new(body, "valid_to", json_string(f->valid_to));
        if (f->verified_on != NULL)
            json_object_set_new(body, "verified_on", json_string(f->verified_on));
        if (!create("/v1/offerings", body, &offering_id[o], NULL))
            return false;
    }
    return true;
}

static bool set_populations(void)
{
    for (int i = 0; i < 3; i++) {
        const char *params[] = { population_codes[i] };
        char *population = db_text("SELECT population FROM municipalities WHERE code = $1", 1, params);
        char *year = db_text("SELECT population_year FROM municipalities WHERE code = $1", 1, params);
        snprintf(saved_population[i][0], sizeof(saved_population[i][0]), "%s", population ? population : "");
        snprintf(saved_population[i][1], sizeof(saved_population[i][1]), "%s", year ? year : "");
        free(population);
        free(year);
    }
    populations_set = true;
    for (int i = 0; i < 3; i++)
        if (!set_population(population_codes[i], population_values[i], population_values[i] ? "2024" : NULL))
            return false;
    return true;
}

static int setup_group(void **state)
{
    const char *url = getenv("DATABASE_URL");
    const char *admin = getenv("ADMIN_KEY");
    (void)state;

    if (url == NULL || admin == NULL) {
        fprintf(stderr, "# DATABASE_URL and ADMIN_KEY must be set (tests/run.sh sets them)\n");
        return -1;
    }
    if (!db_open(url))
        return -1;
    snprintf(admin_auth, sizeof(admin_auth), "Bearer %s", admin);
    unsigned long seed = run_seed();
    tag_of_seed(seed, tag, sizeof(tag));

    char *codes = db_text("SELECT string_agg(code, ',' ORDER BY code) FROM "
                          "(SELECT code FROM municipalities ORDER BY code LIMIT 30) AS first", 0, NULL);
    snprintf(thirty_codes, sizeof(thirty_codes), "%s", codes ? codes : "");
    free(codes);
    if (strlen(thirty_codes) != 30 * 5 - 1) {
        fprintf(stderr, "# fewer than 30 municipalities: load the reference data first\n");
        return -1;
    }
    if (!create_world(seed) || !set_populations())
        return -1;
    return 0;
}

static int teardown_group(void **state)
{
    int failed;
    (void)state;

    failed = delete_created(admin_auth);
    for (int i = 0; populations_set && i < 3; i++)
        if (!set_population(population_codes[i], saved_population[i][0][0] ? saved_population[i][0] : NULL,
                            saved_population[i][1][0] ? saved_population[i][1] : NULL))
            failed = -1;
    db_close();
    return failed;
}

/* ---- checks -------------------------------------------------------------- */

static long long int_at(const json_t *root, const char *path)
{
    json_t *value = json_at(root, path);
    return json_is_integer(value) ? (long long)json_integer_value(value) : LLONG_MIN;
}

static bool expect_number(struct expectations *e, const json_t *root, const char *path, long long expected,
                       const char *label)
{
    long long got = int_at(root, path);
    return EXPECT(e, got == expected, "%s: %s is %lld, expected %lld", label, path, got, expected);
}

static bool expect_text(struct expectations *e, const json_t *root, const char *path, const char *expected,
                          const char *label)
{
    const char *got = json_string_value(json_at(root, path));
    return EXPECT(e, got != NULL && strcmp(got, expected) == 0, "%s: %s is \"%s\", expected \"%s\"", label, path,
                  got ? got : "(not a string)", expected);
}

/* shared.models[] entry of the model, or NULL. */
static json_t *find_model(const json_t *answer, const char *model)
{
    json_t *item;
    size_t i;
    json_array_foreach(json_at(answer, "shared.models"), i, item)
        if (json_is_string(json_object_get(item, "model"))
            && strcmp(json_string_value(json_object_get(item, "model")), model) == 0)
            return item;
    return NULL;
}

/* The invariants every estimate with figures must hold, whatever the numbers. */
static void expect_consistent(struct expectations *e, const json_t *answer, const char *label)
{
    static const char *const models[MODEL_COUNT] = { "fast årsavgift", "per ärende", "befolkningsandel",
                                                     "lika delar" };
    const json_t *alone = json_at(answer, "alone.parts");
    long long first_sum = 0, running_sum = 0;
    size_t n = json_array_size(alone);
    char path[64];

    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "alone.parts.%zu.first_year_sek", i);
        first_sum += int_at(answer, path);
        snprintf(path, sizeof(path), "alone.parts.%zu.running_year_sek", i);
        running_sum += int_at(answer, path);
    }
    expect_number(e, answer, "alone.first_year_total_sek", first_sum, label);
    expect_number(e, answer, "alone.running_year_total_sek", running_sum, label);
    expect_number(e, answer, "shared.saving_first_year_sek", first_sum - int_at(answer, "shared.first_year_total_sek"),
               label);
    expect_number(e, answer, "shared.saving_running_year_sek",
               running_sum - int_at(answer, "shared.running_year_total_sek"), label);
    EXPECT(e, json_array_size(json_at(answer, "shared.models")) == MODEL_COUNT, "%s: not one entry per model", label);
    for (int m = 0; m < MODEL_COUNT; m++) {
        json_t *model = find_model(answer, models[m]);
        json_t *parts = json_object_get(model, "parts");
        long long first = 0, running = 0;

        if (!EXPECT(e, model != NULL, "%s: the model \"%s\" is missing", label, models[m])
            || !json_is_true(json_object_get(model, "computable")))
            continue;
        if (!EXPECT(e, json_array_size(parts) == n, "%s, %s: %zu parts for %zu municipalities", label, models[m],
                    json_array_size(parts), n))
            continue;
        for (size_t i = 0; i < n; i++) {
            json_t *part = json_array_get(parts, i);
            json_t *own = json_array_get(alone, i);
            long long part_first = int_at(part, "first_year_sek"), part_running = int_at(part, "running_year_sek");
            EXPECT(e, json_equal(json_object_get(part, "municipality"), json_object_get(own, "municipality")),
                   "%s, %s: part %zu is not in list order", label, models[m], i);
            EXPECT(e, int_at(part, "saving_first_year_sek") == int_at(own, "first_year_sek") - part_first,
                   "%s, %s: part %zu saving_first_year_sek is not alone minus shared", label, models[m], i);
            EXPECT(e, int_at(part, "saving_running_year_sek") == int_at(own, "running_year_sek") - part_running,
                   "%s, %s: part %zu saving_running_year_sek is not alone minus shared", label, models[m], i);
            first += part_first;
            running += part_running;
        }
        EXPECT(e, first == int_at(answer, "shared.first_year_total_sek"),
               "%s, %s: the first-year parts add up to %lld, not the total %lld", label, models[m], first,
               int_at(answer, "shared.first_year_total_sek"));
        EXPECT(e, running == int_at(answer, "shared.running_year_total_sek"),
               "%s, %s: the running parts add up to %lld, not the total %lld", label, models[m], running,
               int_at(answer, "shared.running_year_total_sek"));
    }
}

/* One municipality's expected amounts: alone (first, running) or a model's part (the same and savings). */
struct amounts {
    const char *code;
    long long first_year, running_year, saving_first_year, saving_running_year;
};

static void expect_alone(struct expectations *e, const json_t *answer, const struct amounts *expected, size_t count,
                         const char *label)
{
    char path[64];
    EXPECT(e, json_array_size(json_at(answer, "alone.parts")) == count, "%s: alone has %zu parts", label,
           json_array_size(json_at(answer, "alone.parts")));
    for (size_t i = 0; i < count; i++) {
        snprintf(path, sizeof(path), "alone.parts.%zu.municipality", i);
        expect_text(e, answer, path, expected[i].code, label);
        snprintf(path, sizeof(path), "alone.parts.%zu.first_year_sek", i);
        expect_number(e, answer, path, expected[i].first_year, label);
        snprintf(path, sizeof(path), "alone.parts.%zu.running_year_sek", i);
        expect_number(e, answer, path, expected[i].running_year, label);
    }
}

static void expect_model(struct expectations *e, const json_t *answer, const char *model_name,
                         const struct amounts *expected, size_t count, const char *label)
{
    json_t *model = find_model(answer, model_name);
    char where[160];

    snprintf(where, sizeof(where), "%s, %s", label, model_name);
    if (!EXPECT(e, model != NULL && json_is_true(json_object_get(model, "computable")), "%s: not computable",
                where))
        return;
    EXPECT(e, json_is_string(json_object_get(model, "note")), "%s: no note", where);
    EXPECT(e, json_array_size(json_object_get(model, "parts")) == count, "%s: %zu parts", where,
           json_array_size(json_object_get(model, "parts")));
    for (size_t i = 0; i < count; i++) {
        json_t *part = json_array_get(json_object_get(model, "parts"), i);
        expect_text(e, part, "municipality", expected[i].code, where);
        expect_number(e, part, "first_year_sek", expected[i].first_year, where);
        expect_number(e, part, "running_year_sek", expected[i].running_year, where);
        expect_number(e, part, "saving_first_year_sek", expected[i].saving_first_year, where);
        expect_number(e, part, "saving_running_year_sek", expected[i].saving_running_year, where);
    }
}

static void expect_not_computable(struct expectations *e, const json_t *answer, const char *model_name,
                                  const char *missing_population_json, const char *label)
{
    json_t *model = find_model(answer, model_name);
    json_t *missing = missing_population_json ? json_loads(missing_population_json, 0, NULL) : json_null();

    EXPECT(e, model != NULL && json_is_false(json_object_get(model, "computable")), "%s, %s: computable", label,
           model_name);
    EXPECT(e, json_is_null(json_object_get(model, "parts")), "%s, %s: parts without a split", label, model_name);
    EXPECT(e, json_is_string(json_object_get(model, "note")), "%s, %s: no note saying why", label, model_name);
    EXPECT(e, json_equal(json_object_get(model, "missing_population"), missing),
           "%s, %s: missing_population is not %s", label, model_name,
           missing_population_json ? missing_population_json : "null");
    json_decref(missing);
}

static bool get_estimate(struct expectations *e, const char *slug, const char *query, struct http_response *r,
                         char *label, size_t label_size)
{
    char path[PATH_MAX_LENGTH];
    snprintf(path, sizeof(path), "/v1/methods/%s/cost-estimate?%s", slug, query);
    snprintf(label, label_size, "GET %s", path);
    http_response_free(r);
    http_get(path, NULL, r);
    return expect_json(e, r, 200, label);
}

/* ---- the estimates -------------------------------------------------------- */

static void test_one_offering_shared_by_three_gives_the_remainder_to_the_performer(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char query[160], label[PATH_MAX_LENGTH + 8];
    (void)state;

    /*
     * Offering A: startup 100000, training 20000 per participant, 50000 per
     * case, yearly 30000. Five staff, ten cases each.
     * Alone, each: 100000 + 5 * 20000 + 30000 + 10 * 50000 = 730000 the first
     * year, 30000 + 500000 = 530000 after; together 2190000 and 1590000.
     * Shared: fixed 100000 + 100000 + 30000 = 230000 first year, 30000 after;
     * 30 cases * 50000 = 1500000. Totals 1730000 and 1530000; savings 460000
     * and 60000.
     * Equal thirds of 230000 = 76666.67: 0305 and 0330 pay 76667, the
     * performer 0381 the rest, 230000 - 2 * 76667 = 76666. First year
     * 576666 (0381), 576667, 576667; after, 10000 + 500000 = 510000 each.
     * Per case: equal cases, so the same. By population: 0330 has none.
     */
    static const struct amounts alone[] = {
        { "0381", 730000, 530000, 0, 0 }, { "0305", 730000, 530000, 0, 0 }, { "0330", 730000, 530000, 0, 0 },
    };
    static const struct amounts equal[] = {
        { "0381", 576666, 510000, 153334, 20000 },
        { "0305", 576667, 510000, 153333, 20000 },
        { "0330", 576667, 510000, 153333, 20000 },
    };

    snprintf(query, sizeof(query), "municipalities=0381,0305,0330&staff=5&cases=10&offering=%lld",
             offering_id[O_A]);
    if (get_estimate(&e, method_m, query, &r, label, sizeof(label))) {
        expect_text(&e, r.json, "basis", "offering", label);
        expect_number(&e, r.json, "offering_id", offering_id[O_A], label);
        expect_number(&e, r.json, "offerings", 1, label);
        expect_number(&e, r.json, "staff", 5, label);
        expect_number(&e, r.json, "cases_per_municipality", 10, label);
        expect_number(&e, r.json, "figures.startup_fee_sek", 100000, label);
        expect_number(&e, r.json, "figures.training_cost_per_participant_sek", 20000, label);
        expect_number(&e, r.json, "figures.cost_per_case_sek", 50000, label);
        expect_number(&e, r.json, "figures.yearly_fee_sek", 30000, label);
        EXPECT(&e, json_array_size(json_at(r.json, "missing_figures")) == 0
               && json_is_array(json_at(r.json, "missing_figures")), "%s: missing_figures is not []", label);
        expect_text(&e, r.json, "based_on.offerings_verified.oldest", "2025-02-01", label);
        expect_text(&e, r.json, "based_on.offerings_verified.newest", "2025-02-01", label);
        EXPECT(&e, json_is_null(json_at(r.json, "explanation")), "%s: an explanation with figures", label);
        expect_text(&e, r.json, "municipalities.0.role", "utförare", label);
        expect_text(&e, r.json, "municipalities.2.role", "beställare", label);
        EXPECT(&e, json_is_null(json_at(r.json, "municipalities.2.population")), "%s: 0330 has a population",
               label);
        expect_alone(&e, r.json, alone, 3, label);
        expect_number(&e, r.json, "alone.first_year_total_sek", 2190000, label);
        expect_number(&e, r.json, "alone.running_year_total_sek", 1590000, label);
        expect_text(&e, r.json, "shared.performer", "0381", label);
        expect_number(&e, r.json, "shared.fixed_first_year_sek", 230000, label);
        expect_number(&e, r.json, "shared.fixed_running_year_sek", 30000, label);
        expect_number(&e, r.json, "shared.cases_per_year", 30, label);
        expect_number(&e, r.json, "shared.first_year_total_sek", 1730000, label);
        expect_number(&e, r.json, "shared.running_year_total_sek", 1530000, label);
        expect_number(&e, r.json, "shared.saving_first_year_sek", 460000, label);
        expect_number(&e, r.json, "shared.saving_running_year_sek", 60000, label);
        expect_model(&e, r.json, "lika delar", equal, 3, label);
        expect_model(&e, r.json, "per ärende", equal, 3, label);
        expect_model(&e, r.json, "fast årsavgift", equal, 3, label);
        expect_not_computable(&e, r.json, "befolkningsandel", "[\"0330\"]", label);
        const char *note = json_string_value(json_at(find_model(r.json, "fast årsavgift"), "note"));
        EXPECT(&e, note != NULL && strstr(note, "equal shares") != NULL,
               "%s: fast årsavgift does not say it used equal shares", label);
        expect_consistent(&e, r.json, label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_median_of_offerings_split_by_population(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[PATH_MAX_LENGTH + 8];
    (void)state;

    /*
     * Medians of A and B: startup 80000, training 17500, per case 45001,
     * yearly 30000. Three staff, seven cases each.
     * Alone, each: 80000 + 3 * 17500 + 30000 + 7 * 45001 = 80000 + 52500 +
     * 30000 + 315007 = 477507; after 30000 + 315007 = 345007.
     * Shared: fixed 162500 and 30000; 14 cases * 45001 = 630014; totals
     * 792514 and 660014.
     * Equal halves: 81250 + 315007 = 396257, after 15000 + 315007 = 330007.
     * By population (0381 47000, 0305 28000, of 75000): 0305 pays
     * round(162500 * 28/75) = round(60666.67) = 60667, so 375674; the
     * performer 162500 - 60667 = 101833, so 416840. After: 30000 * 28/75 =
     * 11200 (326207) and 18800 (333807).
     */
    static const struct amounts alone[] = { { "0381", 477507, 345007, 0, 0 }, { "0305", 477507, 345007, 0, 0 } };
    static const struct amounts equal[] = {
        { "0381", 396257, 330007, 81250, 15000 }, { "0305", 396257, 330007, 81250, 15000 },
    };
    static const struct amounts by_population[] = {
        { "0381", 416840, 333807, 477507 - 416840, 345007 - 333807 },
        { "0305", 375674, 326207, 477507 - 375674, 345007 - 326207 },
    };

    if (get_estimate(&e, method_m, "municipalities=0381,0305&staff=3&cases=7", &r, label, sizeof(label))) {
        expect_text(&e, r.json, "basis", "median", label);
        EXPECT(&e, json_is_null(json_at(r.json, "offering_id")), "%s: offering_id with a median", label);
        expect_number(&e, r.json, "offerings", 2, label);
        expect_number(&e, r.json, "figures.startup_fee_sek", 80000, label);
        expect_number(&e, r.json, "figures.training_cost_per_participant_sek", 17500, label);
        expect_number(&e, r.json, "figures.cost_per_case_sek", 45001, label);
        expect_number(&e, r.json, "figures.yearly_fee_sek", 30000, label);
        EXPECT(&e, json_is_array(json_at(r.json, "missing_figures"))
               && json_array_size(json_at(r.json, "missing_figures")) == 0,
               "%s: a figure one offering states is missing", label);
        expect_text(&e, r.json, "based_on.offerings_verified.oldest", "2025-02-01", label);
        expect_text(&e, r.json, "based_on.offerings_verified.newest", "2025-05-15", label);
        expect_number(&e, r.json, "municipalities.0.population", 47000, label);
        expect_alone(&e, r.json, alone, 2, label);
        expect_number(&e, r.json, "shared.first_year_total_sek", 792514, label);
        expect_number(&e, r.json, "shared.running_year_total_sek", 660014, label);
        expect_model(&e, r.json, "lika delar", equal, 2, label);
        expect_model(&e, r.json, "per ärende", equal, 2, label);
        expect_model(&e, r.json, "fast årsavgift", equal, 2, label);
        expect_model(&e, r.json, "befolkningsandel", by_population, 2, label);
        expect_consistent(&e, r.json, label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_a_figure_nobody_states_counts_as_zero_and_is_listed(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char query[160], label[PATH_MAX_LENGTH + 8];
    (void)state;

    /*
     * Offering B states no yearly fee. One staff, no cases, 0381 alone:
     * 60000 + 15000 + 0 + 0 = 75000 the first year, 0 after. Shared by one,
     * the same, so no saving. No cases: per ärende cannot be computed.
     */
    static const struct amounts alone[] = { { "0381", 75000, 0, 0, 0 } };
    static const struct amounts one[] = { { "0381", 75000, 0, 0, 0 } };

    snprintf(query, sizeof(query), "municipalities=0381&staff=1&cases=0&offering=%lld", offering_id[O_B]);
    if (get_estimate(&e, method_m, query, &r, label, sizeof(label))) {
        EXPECT(&e, json_is_null(json_at(r.json, "figures.yearly_fee_sek")), "%s: yearly_fee_sek is not null", label);
        EXPECT(&e, json_array_size(json_at(r.json, "missing_figures")) == 1, "%s: missing_figures", label);
        expect_text(&e, r.json, "missing_figures.0", "yearly_fee_sek", label);
        expect_text(&e, r.json, "based_on.offerings_verified.newest", "2025-05-15", label);
        expect_alone(&e, r.json, alone, 1, label);
        expect_number(&e, r.json, "shared.cases_per_year", 0, label);
        expect_number(&e, r.json, "shared.saving_first_year_sek", 0, label);
        expect_model(&e, r.json, "lika delar", one, 1, label);
        expect_model(&e, r.json, "befolkningsandel", one, 1, label);
        expect_not_computable(&e, r.json, "per ärende", NULL, label);
        expect_consistent(&e, r.json, label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_defaults_and_a_past_date_use_the_offerings_valid_then(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char query[160], label[PATH_MAX_LENGTH + 8];
    (void)state;

    /*
     * On 2023-06-01 only OLD is valid (40000, 10000, 30000, 12000). Defaults:
     * 2 staff, 10 cases. Håbo first, so Håbo performs.
     * Alone: 40000 + 20000 + 12000 + 300000 = 372000; after 312000.
     * Shared: fixed 72000 and 12000; 20 cases * 30000 = 600000; totals
     * 672000 and 612000. By population (0305 28000, 0381 47000): 0381 pays
     * 72000 * 47/75 = 45120 (345120), the performer 26880 (326880); after,
     * 12000 * 47/75 = 7520 (307520) and 4480 (304480).
     */
    static const struct amounts alone[] = { { "0305", 372000, 312000, 0, 0 }, { "0381", 372000, 312000, 0, 0 } };
    static const struct amounts by_population[] = {
        { "0305", 326880, 304480, 372000 - 326880, 312000 - 304480 },
        { "0381", 345120, 307520, 372000 - 345120, 312000 - 307520 },
    };

    if (get_estimate(&e, method_m, "municipalities=0305,0381&on=2023-06-01", &r, label, sizeof(label))) {
        expect_text(&e, r.json, "on", "2023-06-01", label);
        expect_number(&e, r.json, "staff", 2, label);
        expect_number(&e, r.json, "cases_per_municipality", 10, label);
        expect_text(&e, r.json, "basis", "median", label);
        expect_number(&e, r.json, "offerings", 1, label);
        expect_number(&e, r.json, "figures.startup_fee_sek", 40000, label);
        expect_number(&e, r.json, "figures.yearly_fee_sek", 12000, label);
        expect_text(&e, r.json, "based_on.offerings_verified.oldest", "2020-03-01", label);
        expect_text(&e, r.json, "based_on.offerings_verified.newest", "2020-03-01", label);
        expect_text(&e, r.json, "shared.performer", "0305", label);
        expect_alone(&e, r.json, alone, 2, label);
        expect_number(&e, r.json, "shared.first_year_total_sek", 672000, label);
        expect_number(&e, r.json, "shared.running_year_total_sek", 612000, label);
        expect_model(&e, r.json, "befolkningsandel", by_population, 2, label);
        expect_consistent(&e, r.json, label);
    }
    /* An offering no longer valid today may still be chosen for a day it was. */
    snprintf(query, sizeof(query), "municipalities=0381&offering=%lld&on=2023-12-31", offering_id[O_OLD]);
    if (get_estimate(&e, method_m, query, &r, label, sizeof(label))) {
        expect_text(&e, r.json, "basis", "offering", label);
        expect_number(&e, r.json, "figures.cost_per_case_sek", 30000, label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_no_offering_on_the_day_gives_no_figures(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[PATH_MAX_LENGTH + 8];
    const char *slugs[] = { method_m, method_m2 };
    (void)state;

    for (int i = 0; i < 2; i++) {
        if (!get_estimate(&e, slugs[i], "municipalities=0381,0305&on=2019-12-31", &r, label, sizeof(label)))
            continue;
        expect_text(&e, r.json, "basis", "median", label);
        expect_number(&e, r.json, "offerings", 0, label);
        EXPECT(&e, json_is_null(json_at(r.json, "figures")), "%s: figures is not null", label);
        EXPECT(&e, json_is_string(json_at(r.json, "explanation")), "%s: no explanation", label);
        EXPECT(&e, json_is_null(json_at(r.json, "alone")) && json_is_null(json_at(r.json, "shared")),
               "%s: estimates without figures", label);
        EXPECT(&e, json_is_null(json_at(r.json, "based_on.offerings_verified.oldest")), "%s: a verified date",
               label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- refused queries ------------------------------------------------------ */

static void test_bad_queries_name_the_parameter(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[PATH_MAX_LENGTH + 8];
    char thirty[260], thirty_one[260];
    (void)state;

    snprintf(thirty, sizeof(thirty), "municipalities=%s", thirty_codes);
    snprintf(thirty_one, sizeof(thirty_one), "municipalities=%s,2584", thirty_codes);   /* 2584: Kiruna */
    const struct { const char *query; long status; const char *names; } cases[] = {
        { "", 400, "municipalities" },                        /* required */
        { "municipalities=", 400, "municipalities" },         /* empty */
        { "municipalities=0381,", 400, "municipalities" },    /* trailing comma */
        { "municipalities=,0381", 400, "municipalities" },
        { "municipalities=381", 400, "municipalities" },      /* three digits */
        { "municipalities=03810", 400, "municipalities" },    /* five */
        { "municipalities=038a", 400, "municipalities" },
        { "municipalities=0381;0305", 400, "municipalities" },
        { "municipalities=0381,%200305", 400, "municipalities" },   /* a space after the comma */
        { "municipalities=0381,0381", 400, "municipalities" },      /* duplicate */
        { "municipalities=0305,0381,0305", 400, "municipalities" },
        { "municipalities=%FF%FE%FD%FC", 400, "municipalities" },   /* invalid UTF-8 */
        { thirty, 200, NULL },                                /* the most */
        { thirty_one, 400, "municipalities" },                /* one more */
        { "municipalities=0381&staff=1", 200, NULL },
        { "municipalities=0381&staff=100", 200, NULL },
        { "municipalities=0381&staff=0", 400, "staff" },
        { "municipalities=0381&staff=101", 400, "staff" },
        { "municipalities=0381&staff=-1", 400, "staff" },
        { "municipalities=0381&staff=02", 400, "staff" },     /* leading zero */
        { "municipalities=0381&staff=", 400, "staff" },
        { "municipalities=0381&staff=two", 400, "staff" },
        { "municipalities=0381&cases=0", 200, NULL },
        { "municipalities=0381&cases=10000", 200, NULL },
        { "municipalities=0381&cases=-1", 400, "cases" },
        { "municipalities=0381&cases=10001", 400, "cases" },
        { "municipalities=0381&cases=1.5", 400, "cases" },
        { "municipalities=0381&offering=0", 400, "offering" },
        { "municipalities=0381&offering=abc", 400, "offering" },
        { "municipalities=0381&on=2024-13-01", 400, "on" },
        { "municipalities=0381&on=2024-02-30", 400, "on" },
        { "municipalities=0381&municipality=0305", 400, "municipality" },   /* misspelt: not ignored */
        { "municipalities=0381,0381&staff=0&cases=-1", 400, "municipalities staff cases" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(path, sizeof(path), "/v1/methods/%s/cost-estimate?%s", method_m, cases[i].query);
        snprintf(label, sizeof(label), "GET %s", path);
        http_response_free(&r);
        http_get(path, NULL, &r);
        if (cases[i].status == 200) {
            if (expect_json(&e, &r, 200, label))
                expect_consistent(&e, r.json, label);
            continue;
        }
        char names[64], *save = NULL;
        snprintf(names, sizeof(names), "%s", cases[i].names);
        expect_problem(&e, &r, 400, "/problems/invalid-parameter", NULL, label);
        size_t count = 0;
        for (char *name = strtok_r(names, " ", &save); name != NULL; name = strtok_r(NULL, " ", &save), count++)
            EXPECT(&e, problem_names_field(&r, name), "%s: errors[] does not name \"%s\": %.300s", label, name,
                   r.body);
        EXPECT(&e, json_array_size(json_at(r.json, "errors")) == count, "%s: errors[] names %zu, expected %zu: %.300s",
               label, json_array_size(json_at(r.json, "errors")), count, r.body);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_references_to_nothing_are_unresolved(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[PATH_MAX_LENGTH + 8];
    char other_method[64], expired[64];
    (void)state;

    snprintf(other_method, sizeof(other_method), "municipalities=0381&offering=%lld", offering_id[O_OTHER]);
    snprintf(expired, sizeof(expired), "municipalities=0381&offering=%lld", offering_id[O_OLD]);
    const struct { const char *query; const char *field, *value; } cases[] = {
        { "municipalities=0381,0999", "municipalities", "0999" },        /* no such code */
        { "municipalities=0998,0381,0999", "municipalities", "0998" },   /* the first one named */
        { "municipalities=0381&offering=999999999999", "offering", "999999999999" },
        { other_method, "offering", NULL },                             /* another method's */
        { expired, "offering", NULL },                                  /* not valid today */
        { "municipalities=0999&offering=999999999999", "municipalities", "0999" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(path, sizeof(path), "/v1/methods/%s/cost-estimate?%s", method_m, cases[i].query);
        snprintf(label, sizeof(label), "GET %s", path);
        http_response_free(&r);
        http_get(path, NULL, &r);
        if (!expect_problem(&e, &r, 422, "/problems/unresolved-reference", cases[i].field, label))
            continue;
        if (cases[i].value != NULL) {
            const char *detail = json_string_value(json_at(r.json, "detail"));
            EXPECT(&e, detail != NULL && strstr(detail, cases[i].value) != NULL, "%s: the detail does not name "
                   "\"%s\": %s", label, cases[i].value, detail ? detail : "(none)");
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_an_unknown_method_is_not_found(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    const char *slugs[] = { "ce-none", "Not_A_Slug", "%FF" };
    (void)state;

    for (size_t i = 0; i < sizeof(slugs) / sizeof(slugs[0]); i++) {
        snprintf(path, sizeof(path), "/v1/methods/%s-%s/cost-estimate?municipalities=0381", slugs[i], tag);
        http_response_free(&r);
        http_get(path, NULL, &r);
        expect_problem(&e, &r, 404, "/problems/not-found", NULL, path);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_offering_shared_by_three_gives_the_remainder_to_the_performer),
        cmocka_unit_test(test_median_of_offerings_split_by_population),
        cmocka_unit_test(test_a_figure_nobody_states_counts_as_zero_and_is_listed),
        cmocka_unit_test(test_defaults_and_a_past_date_use_the_offerings_valid_then),
        cmocka_unit_test(test_no_offering_on_the_day_gives_no_figures),
        cmocka_unit_test(test_bad_queries_name_the_parameter),
        cmocka_unit_test(test_references_to_nothing_are_unresolved),
        cmocka_unit_test(test_an_unknown_method_is_not_found),
    };
    return cmocka_run_group_tests_name("cost estimate", tests, setup_group, teardown_group);
}
