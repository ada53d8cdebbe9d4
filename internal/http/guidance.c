/*
 * internal/http/guidance.c: GET /v1/guidance and /v1/guidance/rules.
 *
 * This file only checks the query: what the guidance says is the rule table
 * and the catalogue, in one statement in db/guidance.c. The parameters
 * describe a situation, never a child, and nothing of them is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/guidance.h"
#include "../validate/validate.h"
#include "handlers.h"
#include "params.h"
#include "problem.h"
#include "respond.h"

/* The ages the knowledge support covers. */
#define GUIDANCE_AGE_MIN 6
#define GUIDANCE_AGE_MAX 17

/* tag-need-areas: the slugs of the need_areas table (sql/0013_guidance.sql). */
static const char *const need_areas[] = { "familj", "kamrater", "skola", "attityder", "missbruk", "fritid",
                                          "personlighet", NULL };
static const char *const risk_levels[] = { "låg", "måttlig", "hög", NULL };

#define NEED_AREA_COUNT (sizeof(need_areas) / sizeof(need_areas[0]) - 1)

static void check_age(const char *value, struct field_errors *errors)
{
    char quoted[VALIDATE_QUOTED_SIZE];
    long age;

    if (value == NULL) {
        field_errors_add(errors, "age", "Query parameter \"age\" is required: an integer from %d to %d, the ages "
                         "the knowledge support covers.", GUIDANCE_AGE_MIN, GUIDANCE_AGE_MAX);
        return;
    }
    if (validate_parse_long(value, GUIDANCE_AGE_MIN, GUIDANCE_AGE_MAX, &age))
        return;
    validate_quote(value, quoted, sizeof(quoted));
    field_errors_add(errors, "age", "Query parameter \"age\" must be an integer from %d to %d, the ages the "
                     "knowledge support covers. It was \"%s\".", GUIDANCE_AGE_MIN, GUIDANCE_AGE_MAX, quoted);
}

/* Appends an error naming "needs" unless value lists known need areas, each once. */
static void check_needs(const char *value, struct field_errors *errors)
{
    bool seen[NEED_AREA_COUNT] = { false };
    char quoted[VALIDATE_QUOTED_SIZE];

    if (value == NULL)
        return;
    for (const char *item = value;;) {
        size_t length = strcspn(item, ",");
        size_t found = NEED_AREA_COUNT;
        for (size_t i = 0; i < NEED_AREA_COUNT; i++)
            if (strlen(need_areas[i]) == length && strncmp(need_areas[i], item, length) == 0)
                found = i;
        if (found == NEED_AREA_COUNT || seen[found])
            break;
        seen[found] = true;
        if (item[length] == '\0')
            return;
        item += length + 1;
    }
    validate_quote(value, quoted, sizeof(quoted));
    field_errors_add(errors, "needs", "Query parameter \"needs\" must list need areas from familj, kamrater, skola, "
                     "attityder, missbruk, fritid, personlighet, each once. It was \"%s\".", quoted);
}

/* GET /v1/guidance?age=&risk=&needs=&municipality=&on= */
void handle_guidance(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                     struct db_read *read)
{
    static const char *const allowed[] = { "age", "risk", "needs", "municipality", "on", NULL };
    static const struct param_spec specs[] = {
        { .name = "risk", .kind = PARAM_CHOICE, .choices = risk_levels },
        { .name = "municipality", .kind = PARAM_MUNICIPALITY_CODE },
        { .name = "on", .kind = PARAM_DATE },
    };
    struct field_errors errors = { .count = 0 };
    struct db_guidance_query query = {
        .age = u_map_get(req->map_url, "age"),
        .risk = u_map_get(req->map_url, "risk"),
        .needs = u_map_get(req->map_url, "needs"),
        .municipality = u_map_get(req->map_url, "municipality"),
        .on = u_map_get(req->map_url, "on"),
        .read = read,
    };
    char *body = NULL;

    params_check_known(req, allowed, NULL, &errors);
    check_age(query.age, &errors);
    if (query.risk == NULL)
        field_errors_add(&errors, "risk", "Query parameter \"risk\" is required: one of \"låg\", \"måttlig\", "
                         "\"hög\", as a structured assessment gives it.");
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        params_check(&specs[i], u_map_get(req->map_url, specs[i].name), &errors);
    check_needs(query.needs, &errors);
    if (!params_ok_or_problem(resp, &errors))
        return;
    enum db_status status = db_guidance(app->read_pool, &query, &body);
    if (status == DB_OK)
        respond_json_text(resp, 200, body);
    else
        problem_from_db(resp, status, "municipality", "code", query.municipality ? query.municipality : "");
    free(body);
}

/* GET /v1/guidance/rules */
void handle_guidance_rules(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                           struct db_read *read)
{
    static const char *const allowed[] = { NULL };
    struct field_errors errors = { .count = 0 };
    char *body = NULL;

    params_check_known(req, allowed, NULL, &errors);
    if (!params_ok_or_problem(resp, &errors))
        return;
    enum db_status status = db_guidance_rules(app->read_pool, read, &body);
    if (status == DB_OK)
        respond_json_text(resp, 200, body);
    else
        problem_from_db(resp, status, "rule table", "name", "guidance");
    free(body);
}
