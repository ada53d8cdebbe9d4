/*
 * tests/api/support_cost.h: the world that the cost estimate test files
 * (test_cost_estimate_figures.c, test_cost_estimate_refusals.c) share, and
 * the checks of an estimate they both use.
 *
 * cost_world_create(), as a cmocka group setup, creates through the API with
 * ADMIN_KEY two methods (slugs "ce-m-<tag>", "ce-m2-<tag>", so no other
 * offering counts in a median), two providers and four offerings with the
 * figures of offering_fixtures[] in support_cost.c (every expected amount in
 * the tests is computed by hand from them). It records the populations of
 * 0381 Enköping, 0305 Håbo and 0330 Knivsta with libpq (47000, 28000 and
 * none); cost_world_destroy() deletes what was created and puts the old
 * populations back. Each test binary makes its own world, so the binaries
 * can run one after another on one database.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY (as set by tests/run.sh).
 */
#ifndef INSATSKATALOG_TESTS_API_SUPPORT_COST_H
#define INSATSKATALOG_TESTS_API_SUPPORT_COST_H

#include <stdbool.h>

#include <jansson.h>

#include "http_client.h"

#define PATH_MAX_LENGTH 512

/*
 * The offerings: A and B of method_m valid today, OLD of method_m valid
 * 2020-01-01 to 2023-12-31, OTHER of method_m2.
 */
enum offering_index { O_A, O_B, O_OLD, O_OTHER, OFFERING_COUNT };

extern char cost_tag[16];                          /* hex, unique to the run */
extern char cost_method_m[64], cost_method_m2[64]; /* the two methods' slugs */
extern char cost_thirty_codes[200];                /* the first 30 municipality codes, joined by "," */
extern long long cost_offering_id[OFFERING_COUNT];

/* cmocka group setup: opens the database and makes the world; -1 (the reason on stderr) when it cannot. */
int cost_world_create(void **state);

/* cmocka group teardown: deletes the world, restores the populations, closes the database. */
int cost_world_destroy(void **state);

/* The integer at path, or LLONG_MIN when there is none. */
long long cost_int_at(const json_t *root, const char *path);

/* The integer at path equals expected; a failure names label and path. */
bool cost_expect_number(struct expectations *e, const json_t *root, const char *path, long long expected,
                        const char *label);

/* The string at path equals expected; a failure names label and path. */
bool cost_expect_text(struct expectations *e, const json_t *root, const char *path, const char *expected,
                      const char *label);

/* The shared.models[] entry of the model, or NULL. */
json_t *cost_find_model(const json_t *answer, const char *model);

/*
 * The invariants every estimate with figures must hold, whatever the
 * numbers: alone totals are the sums of their parts; every computable
 * model's parts add up exactly to the shared totals, in list order; each
 * saving is the municipality's alone cost minus its part.
 */
void cost_expect_consistent(struct expectations *e, const json_t *answer, const char *label);

#endif
