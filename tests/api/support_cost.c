/*
 * tests/api/support_cost.c: the world of the cost estimate tests, made and
 * removed through the API (and the populations of three municipalities set
 * and restored with libpq), and the checks of an estimate the cost estimate
 * test files share (see support_cost.h for the contracts).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"
#include "support_cost.h"

#define MODEL_COUNT 4
#define NONE (-1)

char cost_tag[16];
static char admin_auth[300];
char cost_method_m[64], cost_method_m2[64];
char cost_thirty_codes[200];       /* the first 30 municipality codes, joined by "," */
static char saved_population[3][2][16];   /* population and year of the three below, "" for NULL */
static bool populations_set;

static const char *const population_codes[3] = { "0381", "0305", "0330" };
static const char *const population_values[3] = { "47000", "28000", NULL };

/* ---- the fixture ---------------------------------------------------------- */

enum provider_index { P_1, P_2, PROVIDER_COUNT };

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
long long cost_offering_id[OFFERING_COUNT];

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
    snprintf(cost_method_m, sizeof(cost_method_m), "ce-m-%s", cost_tag);
    snprintf(cost_method_m2, sizeof(cost_method_m2), "ce-m2-%s", cost_tag);
    for (int i = 0; i < 2; i++) {
        const char *slug = i == 0 ? cost_method_m : cost_method_m2;
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
            snprintf(name, sizeof(name), "KE %s %d", cost_tag, p + 1);
            ok = create("/v1/providers", json_pack("{s:s, s:s, s:s, s:s}", "name", name, "organisation_number", org,
                                                   "kind", "privat", "home_county", "03"), &provider_id[p], NULL);
        }
        if (!ok)
            return false;
    }
    for (int o = 0; o < OFFERING_COUNT; o++) {
        const struct offering_fixture *f = &offering_fixtures[o];
        json_t *body = json_pack("{s:I, s:s, s:s, s:s}", "provider_id", (json_int_t)provider_id[f->provider],
                                 "method", f->second_method ? cost_method_m2 : cost_method_m, "delivery", "båda",
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
        if (!create("/v1/offerings", body, &cost_offering_id[o], NULL))
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

int cost_world_create(void **state)
{
    (void)state;

    if (!fixtures_open_environment(admin_auth, sizeof(admin_auth), NULL, 0))
        return -1;
    unsigned long seed = run_seed();
    tag_of_seed(seed, cost_tag, sizeof(cost_tag));

    char *codes = db_text("SELECT string_agg(code, ',' ORDER BY code) FROM "
                          "(SELECT code FROM municipalities ORDER BY code LIMIT 30) AS first", 0, NULL);
    snprintf(cost_thirty_codes, sizeof(cost_thirty_codes), "%s", codes ? codes : "");
    free(codes);
    if (strlen(cost_thirty_codes) != 30 * 5 - 1) {
        fprintf(stderr, "# fewer than 30 municipalities: load the reference data first\n");
        return -1;
    }
    if (!create_world(seed) || !set_populations())
        return -1;
    return 0;
}

int cost_world_destroy(void **state)
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

long long cost_int_at(const json_t *root, const char *path)
{
    json_t *value = json_at(root, path);
    return json_is_integer(value) ? (long long)json_integer_value(value) : LLONG_MIN;
}

bool cost_expect_number(struct expectations *e, const json_t *root, const char *path, long long expected,
                        const char *label)
{
    long long got = cost_int_at(root, path);
    return EXPECT(e, got == expected, "%s: %s is %lld, expected %lld", label, path, got, expected);
}

bool cost_expect_text(struct expectations *e, const json_t *root, const char *path, const char *expected,
                      const char *label)
{
    const char *got = json_string_value(json_at(root, path));
    return EXPECT(e, got != NULL && strcmp(got, expected) == 0, "%s: %s is \"%s\", expected \"%s\"", label, path,
                  got ? got : "(not a string)", expected);
}

/* shared.models[] entry of the model, or NULL. */
json_t *cost_find_model(const json_t *answer, const char *model)
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
void cost_expect_consistent(struct expectations *e, const json_t *answer, const char *label)
{
    static const char *const models[MODEL_COUNT] = { "fast årsavgift", "per ärende", "befolkningsandel",
                                                     "lika delar" };
    const json_t *alone = json_at(answer, "alone.parts");
    long long first_sum = 0, running_sum = 0;
    size_t n = json_array_size(alone);
    char path[64];

    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "alone.parts.%zu.first_year_sek", i);
        first_sum += cost_int_at(answer, path);
        snprintf(path, sizeof(path), "alone.parts.%zu.running_year_sek", i);
        running_sum += cost_int_at(answer, path);
    }
    cost_expect_number(e, answer, "alone.first_year_total_sek", first_sum, label);
    cost_expect_number(e, answer, "alone.running_year_total_sek", running_sum, label);
    cost_expect_number(e, answer, "shared.saving_first_year_sek", first_sum - cost_int_at(answer, "shared.first_year_total_sek"),
               label);
    cost_expect_number(e, answer, "shared.saving_running_year_sek",
               running_sum - cost_int_at(answer, "shared.running_year_total_sek"), label);
    EXPECT(e, json_array_size(json_at(answer, "shared.models")) == MODEL_COUNT, "%s: not one entry per model", label);
    for (int m = 0; m < MODEL_COUNT; m++) {
        json_t *model = cost_find_model(answer, models[m]);
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
            long long part_first = cost_int_at(part, "first_year_sek"), part_running = cost_int_at(part, "running_year_sek");
            EXPECT(e, json_equal(json_object_get(part, "municipality"), json_object_get(own, "municipality")),
                   "%s, %s: part %zu is not in list order", label, models[m], i);
            EXPECT(e, cost_int_at(part, "saving_first_year_sek") == cost_int_at(own, "first_year_sek") - part_first,
                   "%s, %s: part %zu saving_first_year_sek is not alone minus shared", label, models[m], i);
            EXPECT(e, cost_int_at(part, "saving_running_year_sek") == cost_int_at(own, "running_year_sek") - part_running,
                   "%s, %s: part %zu saving_running_year_sek is not alone minus shared", label, models[m], i);
            first += part_first;
            running += part_running;
        }
        EXPECT(e, first == cost_int_at(answer, "shared.first_year_total_sek"),
               "%s, %s: the first-year parts add up to %lld, not the total %lld", label, models[m], first,
               cost_int_at(answer, "shared.first_year_total_sek"));
        EXPECT(e, running == cost_int_at(answer, "shared.running_year_total_sek"),
               "%s, %s: the running parts add up to %lld, not the total %lld", label, models[m], running,
               cost_int_at(answer, "shared.running_year_total_sek"));
    }
}

