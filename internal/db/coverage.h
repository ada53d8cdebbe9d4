/*
 * internal/db/coverage.h: what the catalogue, the providers and the
 * agreements add up to for a municipality or a county: for each
 * intervention type a knowledge support recommends, the routes by which a
 * child there can get it on a given day, and the best of them.
 *
 * A route is the municipality's own delivery (a provider linked to it), an
 * active agreement it is a party to, or a provider available in its county.
 * The best route: available first, then the shortest lead time, then the
 * lowest cost per case. Each answer is one statement (one query plan).
 */
#ifndef INSATSKATALOG_DB_COVERAGE_H
#define INSATSKATALOG_DB_COVERAGE_H

#include "pool.h"

extern const struct db_statement db_coverage_statements[];

struct db_coverage_query {
    const char *knowledge_support;   /* slug, or NULL for the 2021 one */
    const char *on;                  /* date, or NULL for today */
    struct db_read *read;            /* the request's reads: the position to see, what was read (pool.h) */
};

/* One municipality, every route. DB_NOT_FOUND: no such municipality or knowledge support. */
enum db_status db_coverage_municipality(struct db_pool *pool, const char *code, const struct db_coverage_query *q,
                                        char **out);

/* The county's municipalities × recommended types, the best route in each cell;
 * csv: the same table as text/csv. DB_NOT_FOUND: no such county or knowledge support. */
enum db_status db_coverage_county(struct db_pool *pool, const char *code, const struct db_coverage_query *q, bool csv,
                                  char **out);

/* Municipalities (of county, or all) without a route to a recommended type
 * (or to intervention_type only). */
enum db_status db_coverage_gaps(struct db_pool *pool, const char *county, const char *intervention_type,
                                const struct db_coverage_query *q, char **out);

#endif
