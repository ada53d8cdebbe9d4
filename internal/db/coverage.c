/*
 * internal/db/coverage.c: the coverage statements (see coverage.h).
 *
 * All three share one prefix of CTEs: the recommended types and their
 * example methods, and the candidate routes for a set of places. Provider
 * routes are taken per county once (the best county-wide row per method)
 * plus the rows for the places' own municipalities, so a county matrix does
 * not multiply the county's availability by its municipalities.
 */
#include "coverage.h"
#include "coverage_sql.h"

/* What the answer rests on, so a planner can judge how fresh it is. */
#define BASED_ON                                                                                               \
    "json_build_object("                                                                                       \
    "  'offerings_verified', json_build_object('oldest', (SELECT min(verified_on) FROM candidates), "           \
    "                                          'newest', (SELECT max(verified_on) FROM candidates)), "          \
    "  'availability_updated', json_build_object("                                                              \
    "     'oldest', (SELECT min(updated_at) FROM candidates WHERE kind = 'utförare'), "                        \
    "     'newest', (SELECT max(updated_at) FROM candidates WHERE kind = 'utförare')), "                       \
    "  'agreements_updated', (SELECT max(updated_at) FROM candidates WHERE kind = 'avtalssamverkan'))"

const struct db_statement db_coverage_statements[] = {
    /* $1 municipality code. Provider routes are shown five per method, best
     * first; all_providers links to the full list. */
    { "coverage_municipality",
      "WITH places AS (SELECT code, name, county_code FROM municipalities WHERE code = $1::text), "
      COVERAGE_CTES ", "
      "shown AS (SELECT code, type_id, method_id, kind, status, lead_time_weeks, cost_per_case_sek, offering_id, "
      "                 provider_id, agreement_id FROM own_routes "
      "          UNION ALL SELECT code, type_id, method_id, kind, status, lead_time_weeks, cost_per_case_sek, "
      "                 offering_id, provider_id, agreement_id FROM agreement_routes "
      "          UNION ALL SELECT code, type_id, method_id, kind, status, lead_time_weeks, cost_per_case_sek, "
      "                 offering_id, provider_id, agreement_id FROM provider_routes) "
      "SELECT json_build_object("
      "  'municipality', (SELECT json_build_object('code', code, 'name', name, 'county', county_code) FROM places), "
      "  'knowledge_support', (SELECT slug FROM ks), 'on', (SELECT on_date FROM params), "
      "  'intervention_types', (SELECT coalesce(json_agg(json_build_object("
      "       'slug', t.type_slug, 'name_sv', t.type_name, "
      "       'recommendation', json_build_object('strength', t.strength, 'age_min', t.age_min, 'age_max', t.age_max), "
      "       'covered', coalesce(c.covered, false), "
      "       'best_route', (SELECT " ROUTE_JSON("b") " FROM best b WHERE b.type_id = t.type_id), "
      /* Agreements that cover the whole type without naming an offering. */
      "       'type_routes', (SELECT coalesce(json_agg(" ROUTE_JSON("s") " ORDER BY s.agreement_id), '[]'::json) "
      "                       FROM shown s WHERE s.type_id = t.type_id AND s.method_id IS NULL), "
      "       'methods', (SELECT coalesce(json_agg(json_build_object("
      "            'slug', tm.method_slug, 'abbreviation', tm.abbreviation, "
      "            'routes', (SELECT coalesce(json_agg(" ROUTE_JSON("s") " ORDER BY s.status, s.lead_time_weeks NULLS LAST, "
      "                       s.cost_per_case_sek NULLS LAST, s.kind, s.offering_id, s.agreement_id), '[]'::json) "
      "                       FROM shown s WHERE s.method_id = tm.method_id), "
      "            'all_providers', '/v1/methods/' || tm.method_slug || '/providers?county=' "
      "                             || (SELECT county_code FROM places)) "
      "          ORDER BY tm.method_slug), '[]'::json) FROM type_methods tm WHERE tm.type_id = t.type_id)) "
      "     ORDER BY t.type_slug), '[]'::json) FROM types t LEFT JOIN cells c ON c.type_id = t.type_id), "
      "  'summary', json_build_object("
      "     'recommended_types', (SELECT count(*) FROM types), "
      "     'covered', (SELECT count(*) FROM cells WHERE covered), "
      "     'not_covered', (SELECT coalesce(json_agg(type_slug ORDER BY type_slug), '[]'::json) FROM cells "
      "                     WHERE NOT coalesce(covered, false))), "
      "  'based_on', " BASED_ON ")::text "
      "WHERE EXISTS (SELECT 1 FROM places) AND EXISTS (SELECT 1 FROM ks)" },

    /* $1 county code: the matrix, one row per municipality. */
    { "coverage_county",
      "WITH places AS (SELECT code, name, county_code FROM municipalities WHERE county_code = $1::text), "
      COVERAGE_CTES
      "SELECT json_build_object("
      "  'county', (SELECT json_build_object('code', code, 'name', name) FROM counties WHERE code = $1::text), "
      "  'knowledge_support', (SELECT slug FROM ks), 'on', (SELECT on_date FROM params), "
      "  'intervention_types', (SELECT coalesce(json_agg(json_build_object('slug', type_slug, 'name_sv', type_name, "
      "                         'strength', strength) ORDER BY type_slug), '[]'::json) FROM types), "
      "  'rows', (SELECT coalesce(json_agg(json_build_object("
      "       'municipality', json_build_object('code', pl.code, 'name', pl.name), "
      "       'covered', (SELECT count(*) FROM cells c WHERE c.code = pl.code AND c.covered), "
      "       'cells', (SELECT json_object_agg(c.type_slug, json_build_object('covered', coalesce(c.covered, false), "
      "                  'best_route', " ROUTE_JSON("b") ") ORDER BY c.type_slug) "
      "                 FROM cells c LEFT JOIN best b ON b.code = c.code AND b.type_id = c.type_id "
      "                 WHERE c.code = pl.code)) ORDER BY pl.code), '[]'::json) FROM places pl), "
      "  'based_on', " BASED_ON ")::text "
      "WHERE EXISTS (SELECT 1 FROM counties WHERE code = $1::text) AND EXISTS (SELECT 1 FROM ks)" },

    /* The same matrix as CSV, one line per cell, with a header line. */
    { "coverage_county_csv",
      "WITH places AS (SELECT code, name, county_code FROM municipalities WHERE county_code = $1::text), "
      COVERAGE_CTES
      "SELECT 'municipality_code,municipality,intervention_type,covered,route,status,lead_time_weeks,"
      "cost_per_case_sek,method,provider_id,agreement_id,offering_id' || E'\\r\\n' || "
      /* Every field through csv_field, so an empty value keeps its column. */
      "  coalesce(string_agg(concat_ws(',', c.code, csv_field(c.name), c.type_slug, "
      "    CASE WHEN coalesce(c.covered, false) THEN 'true' ELSE 'false' END, csv_field(b.kind), "
      "    csv_field(b.status::text), csv_field(b.lead_time_weeks::text), csv_field(b.cost_per_case_sek::text), "
      "    csv_field((SELECT slug FROM methods WHERE id = b.method_id)), csv_field(b.provider_id::text), "
      "    csv_field(b.agreement_id::text), csv_field(b.offering_id::text)), E'\\r\\n' ORDER BY c.code, c.type_slug) "
      "  || E'\\r\\n', '') "
      "FROM cells c LEFT JOIN best b ON b.code = c.code AND b.type_id = c.type_id "
      "HAVING EXISTS (SELECT 1 FROM counties WHERE code = $1::text) AND EXISTS (SELECT 1 FROM ks)" },

    /* $1 county code or NULL (all), $4 intervention type slug or NULL. */
    { "coverage_gaps",
      "WITH places AS (SELECT code, name, county_code FROM municipalities "
      "                WHERE $1::text IS NULL OR county_code = $1::text), "
      COVERAGE_CTES
      "SELECT json_build_object('county', $1::text, 'intervention_type', $4::text, "
      "  'knowledge_support', (SELECT slug FROM ks), 'on', (SELECT on_date FROM params), "
      "  'items', coalesce(json_agg(json_build_object('municipality', json_build_object('code', c.code, 'name', c.name), "
      "                     'intervention_type', c.type_slug, 'nearest', " ROUTE_JSON("b") ") "
      "                   ORDER BY c.code, c.type_slug), '[]'::json), "
      "  'total', count(*))::text "
      "FROM cells c LEFT JOIN best b ON b.code = c.code AND b.type_id = c.type_id "
      "WHERE NOT coalesce(c.covered, false) AND ($4::text IS NULL OR c.type_slug = $4::text) "
      "HAVING ($1::text IS NULL OR EXISTS (SELECT 1 FROM counties WHERE code = $1::text)) AND EXISTS (SELECT 1 FROM ks) "
      "   AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM intervention_types WHERE slug = $4::text))" },
    { NULL, NULL },
};

enum db_status db_coverage_municipality(struct db_pool *pool, const char *code, const struct db_coverage_query *q,
                                        char **out)
{
    const char *params[] = { code, q->knowledge_support, q->on };
    return db_fetch_document(pool, q->read, "coverage_municipality", 3, params, out);
}

enum db_status db_coverage_county(struct db_pool *pool, const char *code, const struct db_coverage_query *q, bool csv,
                                  char **out)
{
    const char *params[] = { code, q->knowledge_support, q->on };
    return db_fetch_document(pool, q->read, csv ? "coverage_county_csv" : "coverage_county", 3, params, out);
}

enum db_status db_coverage_gaps(struct db_pool *pool, const char *county, const char *intervention_type,
                                const struct db_coverage_query *q, char **out)
{
    const char *params[] = { county, q->knowledge_support, q->on, intervention_type };
    return db_fetch_document(pool, q->read, "coverage_gaps", 4, params, out);
}
