/*
 * internal/db/maps.h: coverage as maps: GeoJSON FeatureCollections (RFC 7946)
 * of the municipality and county borders, each feature's properties holding
 * its code, its name and its coverage of one or every recommended type.
 * Cached like the other documents; a change to the borders, the routes or
 * the catalogue drops them.
 */
#ifndef INSATSKATALOG_DB_MAPS_H
#define INSATSKATALOG_DB_MAPS_H

#include "pool.h"

extern const struct db_statement db_maps_statements[];

struct db_map_query {
    const char *county;              /* only its municipalities (or itself), or NULL for all */
    const char *intervention_type;   /* slug, or NULL for every recommended type */
    const char *knowledge_support;   /* slug, or NULL for the 2021 one */
    const char *on;                  /* "YYYY-MM-DD", or NULL for today */
    struct db_read *read;            /* the request's reads: the position to see, what was read (pool.h) */
};

/* One feature per municipality, in code order. On DB_OK exactly one of *out
 * (a new string to free) and *missing ("county" or "intervention type": it
 * names nothing; static) is set. DB_NOT_FOUND: no such knowledge support. */
enum db_status db_map_municipalities(struct db_pool *pool, const struct db_map_query *q, char **out,
                                     const char **missing);

/* One feature per county, in code order; the same contract. */
enum db_status db_map_counties(struct db_pool *pool, const struct db_map_query *q, char **out, const char **missing);

#endif
