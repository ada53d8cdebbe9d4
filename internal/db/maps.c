/*
 * internal/db/maps.c: the GeoJSON maps (see maps.h). PostgreSQL builds each
 * FeatureCollection whole: the borders are stored as json (text), so they are
 * copied into the answer without being parsed again.
 */
#include "maps.h"

#include <stdlib.h>
#include <string.h>

#include "coverage_sql.h"
#include "kept_routes.h"

/* Each place's cells of the shown types (all recommended ones, or $4), from
 * CELLS (cells, or kept_cells), as one row per place. */
#define MAP_CELLS_CTE(CELLS)                                                                                  \
    "shown AS (SELECT * FROM types WHERE $4::text IS NULL OR type_slug = $4::text), "                        \
    "per_place AS (SELECT c.code, count(*) AS types, count(*) FILTER (WHERE c.covered) AS covered, "          \
    "                     json_object_agg(c.type_slug, json_build_object('covered', coalesce(c.covered, false), " \
    "                       'route', c.kind, 'status', c.status) ORDER BY c.type_slug) AS cells, "             \
    "                     min(c.status) FILTER (WHERE c.covered) AS best_status "                               \
    "              FROM " CELLS " c JOIN shown s ON s.type_id = c.type_id GROUP BY c.code) "

/* {"missing": ...} when the county or the type names nothing; else DOC. No
 * row when the knowledge support does not exist, or CONDITION does not hold. */
#define MAP_MISSING_OR(DOC, CONDITION)                                                                        \
    "SELECT CASE WHEN $1::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM counties WHERE code = $1::text) "    \
    "            THEN '{\"missing\": \"county\"}' "                                                           \
    "            WHEN $4::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM intervention_types WHERE slug = $4::text) " \
    "            THEN '{\"missing\": \"intervention type\"}' "                                                \
    "            ELSE " DOC " END "                                                                              \
    "WHERE EXISTS (SELECT 1 FROM ks)" CONDITION

/* The places of $1 and the types shown, then CELLS_CTES, whose CELLS a map
 * reads: MAP_ROUTE_CELLS (computed from the routes) or MAP_KEPT_CELLS. */
#define MAP_PLACES_CTES(CELLS_CTES, CELLS)                                                                    \
    "WITH places AS (SELECT code, name, county_code FROM municipalities "                                     \
    "                WHERE $1::text IS NULL OR county_code = $1::text), "                                     \
    CELLS_CTES ", " MAP_CELLS_CTE(CELLS) ", "
#define MAP_TYPE_FILTER "$4::text IS NULL OR t.slug = $4::text"
#define MAP_ROUTE_CELLS COVERAGE_CTES_OF_TYPES(MAP_TYPE_FILTER)
/* Only the types of COVERAGE_CTES: a statement that named the route CTEs
 * would start their executor nodes on every run without reading them. */
#define MAP_KEPT_CELLS COVERAGE_TYPES_CTES(MAP_TYPE_FILTER) ", " KEPT_CELLS_CTE

/*
 * $1 county code or NULL (all), $2 knowledge support (NULL: the 2021 one),
 * $3 date or NULL, $4 intervention type slug or NULL (every recommended one).
 * See MAP_MISSING_OR for a county or type that names nothing.
 */
#define MAP_MUNICIPALITIES_SQL(CELLS_CTES, CELLS, CONDITION)                                                  \
    MAP_PLACES_CTES(CELLS_CTES, CELLS)                                                                          \
    "collection AS (SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(" \
    "  'type', 'Feature', 'id', pl.code, 'geometry', b.geometry, "                                              \
    "  'properties', json_build_object('code', pl.code, 'name', pl.name, 'county', pl.county_code, "           \
    "     'intervention_type', $4::text, 'types', coalesce(pp.types, 0), 'covered', coalesce(pp.covered, 0), " \
    "     'cells', coalesce(pp.cells, '{}'::json))) ORDER BY pl.code), '[]'::json))::text AS doc "             \
    "  FROM places pl LEFT JOIN municipality_borders b ON b.code = pl.code LEFT JOIN per_place pp ON pp.code = pl.code) " \
    MAP_MISSING_OR("(SELECT doc FROM collection)", CONDITION)

/* The same parameters ($1 narrows it to one county). Covered: a municipality
 * that has every shown type. */
#define MAP_COUNTIES_SQL(CELLS_CTES, CELLS, CONDITION)                                                        \
    MAP_PLACES_CTES(CELLS_CTES, CELLS)                                                                          \
    "per_county AS (SELECT pl.county_code, count(*) AS municipalities, "                                        \
    "                      count(*) FILTER (WHERE pp.types > 0 AND pp.covered = pp.types) AS covered, "        \
    "                      min(pp.best_status) AS best_status "                                                 \
    "               FROM places pl LEFT JOIN per_place pp ON pp.code = pl.code GROUP BY pl.county_code), "     \
    "collection AS (SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(" \
    "  'type', 'Feature', 'id', co.code, 'geometry', b.geometry, "                                              \
    "  'properties', json_build_object('code', co.code, 'name', co.name, 'intervention_type', $4::text, "      \
    "     'municipalities', coalesce(pc.municipalities, 0), 'covered', coalesce(pc.covered, 0), "               \
    "     'share', CASE WHEN coalesce(pc.municipalities, 0) = 0 THEN 0 "                                        \
    "                   ELSE round(pc.covered::numeric / pc.municipalities, 2) END, "                          \
    "     'best_status', CASE WHEN $4::text IS NOT NULL THEN pc.best_status END)) ORDER BY co.code), '[]'::json))::text " \
    "  AS doc "                                                                                                  \
    "  FROM counties co LEFT JOIN county_borders b ON b.code = co.code LEFT JOIN per_county pc ON pc.county_code = co.code " \
    "  WHERE $1::text IS NULL OR co.code = $1::text) "                                                          \
    MAP_MISSING_OR("(SELECT doc FROM collection)", CONDITION)

/* Computed from the routes: any day, any knowledge support. */
static const char map_municipalities_sql[] = MAP_MUNICIPALITIES_SQL(MAP_ROUTE_CELLS, "cells", "");
static const char map_counties_sql[] = MAP_COUNTIES_SQL(MAP_ROUTE_CELLS, "cells", "");

/* From the rows kept for the day (sql/0019): no row unless they may answer,
 * and then the statements above do. */
static const char map_municipalities_kept_sql[] =
    MAP_MUNICIPALITIES_SQL(MAP_KEPT_CELLS, "kept_cells", " AND " KEPT_ROWS_USABLE);
static const char map_counties_kept_sql[] = MAP_COUNTIES_SQL(MAP_KEPT_CELLS, "kept_cells", " AND " KEPT_ROWS_USABLE);

const struct db_statement db_maps_statements[] = {
    { "map_municipalities", map_municipalities_sql },
    { "map_municipalities_kept", map_municipalities_kept_sql },
    { "map_counties", map_counties_sql },
    { "map_counties_kept", map_counties_kept_sql },
    { NULL, NULL },
};

/* Turns a {"missing": ...} document into *missing (static), freeing it. */
static enum db_status take_map(enum db_status status, char **out, const char **missing)
{
    static const char *const kinds[] = { "county", "intervention type" };

    *missing = NULL;
    if (status != DB_OK || strncmp(*out, "{\"missing\"", 10) != 0)
        return status;
    *missing = strstr(*out, kinds[1]) ? kinds[1] : kinds[0];
    free(*out);
    *out = NULL;
    return DB_OK;
}

/* The map from the kept rows when they may answer, else from the routes. */
static enum db_status fetch_map(struct db_pool *pool, const struct db_map_query *q, const char *kept_statement,
                                const char *statement, char **out)
{
    const char *params[] = { q->county, q->knowledge_support, q->on, q->intervention_type };
    return db_kept_fetch_document(pool, q->read, kept_statement, statement, 4, params, out);
}

enum db_status db_map_municipalities(struct db_pool *pool, const struct db_map_query *q, char **out,
                                     const char **missing)
{
    return take_map(fetch_map(pool, q, "map_municipalities_kept", "map_municipalities", out), out, missing);
}

enum db_status db_map_counties(struct db_pool *pool, const struct db_map_query *q, char **out, const char **missing)
{
    return take_map(fetch_map(pool, q, "map_counties_kept", "map_counties", out), out, missing);
}
