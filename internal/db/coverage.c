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

/*
 * $2 knowledge support slug (NULL: the 2021 one), $3 date (NULL: today).
 * PLACES must be defined before this prefix: code, name, county_code.
 * Route ranking: status (availability_status is declared best first),
 * lead time, cost per case; own delivery and agreements count as available
 * at once.
 */
#define COVERAGE_CTES                                                                                         \
    "params AS (SELECT coalesce($3::date, current_date) AS on_date), "                                        \
    "ks AS (SELECT id, slug FROM knowledge_supports WHERE slug = coalesce($2::text, 'normbrytande-beteende-2021')), " \
    "types AS (SELECT DISTINCT ON (r.intervention_type_id) r.intervention_type_id AS type_id, t.slug AS type_slug, " \
    "          t.name_sv AS type_name, r.strength, r.age_min, r.age_max "                                        \
    "          FROM recommendations r JOIN ks ON ks.id = r.knowledge_support_id "                               \
    "          JOIN intervention_types t ON t.id = r.intervention_type_id "                                     \
    "          WHERE r.strength IN ('bör', 'kan', 'kan i undantagsfall') "                                      \
    "          ORDER BY r.intervention_type_id, r.strength), "                                                  \
    "type_methods AS (SELECT m.id AS method_id, m.slug AS method_slug, m.abbreviation, t.type_id "            \
    "          FROM types t JOIN methods m ON m.intervention_type_id = t.type_id), "                             \
    "own_routes AS ("                                                                                          \
    "  SELECT pl.code, tm.type_id, tm.method_id, 'egen regi'::text AS kind, "                                  \
    "         'tillgänglig'::availability_status AS status, 0 AS lead_time_weeks, o.cost_per_case_sek, "       \
    "         o.id AS offering_id, o.provider_id, NULL::bigint AS agreement_id, o.verified_on, o.updated_at "  \
    "  FROM places pl JOIN providers p ON p.municipality_code = pl.code "                                     \
    "  JOIN offerings o ON o.provider_id = p.id JOIN type_methods tm ON tm.method_id = o.method_id, params "   \
    "  WHERE o.valid_from <= params.on_date AND (o.valid_to IS NULL OR o.valid_to >= params.on_date)), "      \
    /* An agreement covers a method by name, or a whole type: then its route is   \
     * for the method of the offering it names, or for no particular method. */   \
    "agreement_routes AS ("                                                                                    \
    "  SELECT DISTINCT pl.code, t.type_id, CASE WHEN sc.method_id IS NOT NULL THEN sc.method_id "             \
    "         ELSE named.method_id END AS method_id, 'avtalssamverkan'::text AS kind, "                        \
    "         'tillgänglig'::availability_status AS status, 0 AS lead_time_weeks, a.per_case_sek AS cost_per_case_sek, " \
    "         a.offering_id, NULL::bigint AS provider_id, a.id AS agreement_id, named.verified_on, "           \
    "         a.updated_at "                                                                                   \
    "  FROM places pl JOIN agreement_parties ap ON ap.municipality_code = pl.code "                            \
    "  JOIN agreements a ON a.id = ap.agreement_id JOIN agreement_scope sc ON sc.agreement_id = a.id "         \
    "  LEFT JOIN offerings named ON named.id = a.offering_id "                                                 \
    "  JOIN types t ON t.type_id = coalesce(sc.intervention_type_id, "                                         \
    "                  (SELECT intervention_type_id FROM methods WHERE id = sc.method_id)), params "           \
    /* Under notice, a route until the day it ends (sql/0011). */                                          \
    "  WHERE agreement_in_force(a.status, a.valid_from, a.valid_to, a.ends_on, params.on_date) "               \
    "    AND (sc.method_id IS NULL OR sc.method_id IN (SELECT method_id FROM type_methods))), "                 \
    /* The five best county-wide provider routes per county and method. The      \
     * LATERAL scan follows offering_availability_best_idx (method, county,      \
     * status, lead time) and stops as soon as the order is settled, instead of  \
     * sorting every row of the county. MATERIALIZED: once per county, not once \
     * per municipality of it. */                                      \
    "provider_top AS MATERIALIZED ("                                                                                      \
    "  SELECT c.county_code, tm.type_id, tm.method_id, 'utförare'::text AS kind, top.status, "                 \
    "         top.lead_time_weeks, top.cost_per_case_sek, top.offering_id, top.provider_id, "                  \
    "         NULL::bigint AS agreement_id, top.verified_on, top.updated_at, top.n "                           \
    "  FROM (SELECT DISTINCT county_code FROM places) c CROSS JOIN type_methods tm, params, "                  \
    "  LATERAL (SELECT av.status, av.lead_time_weeks, o.cost_per_case_sek, o.id AS offering_id, o.provider_id, " \
    "                  o.verified_on, av.updated_at, row_number() OVER (ORDER BY av.status, "                  \
    "                  av.lead_time_weeks NULLS LAST, o.cost_per_case_sek NULLS LAST, o.id) AS n "            \
    "           FROM offering_availability av JOIN offerings o ON o.id = av.offering_id "                     \
    "           WHERE av.method_id = tm.method_id AND av.county_code = c.county_code "                        \
    "             AND av.municipality_code IS NULL AND av.status <> 'ej tillgänglig' "                         \
    "             AND o.valid_from <= params.on_date AND (o.valid_to IS NULL OR o.valid_to >= params.on_date) " \
    "           ORDER BY av.status, av.lead_time_weeks NULLS LAST, o.cost_per_case_sek NULLS LAST, o.id "      \
    "           LIMIT 5) top), "                                                                               \
    /* Rows for the places' own municipalities (few: most availability is county-wide). */                     \
    "provider_local AS ("                                                                                      \
    "  SELECT av.municipality_code AS code, tm.type_id, tm.method_id, 'utförare'::text AS kind, av.status, "    \
    "         av.lead_time_weeks, o.cost_per_case_sek, o.id AS offering_id, o.provider_id, "                    \
    "         NULL::bigint AS agreement_id, o.verified_on, av.updated_at "                                     \
    "  FROM offering_availability av JOIN type_methods tm ON tm.method_id = av.method_id "                     \
    "  JOIN offerings o ON o.id = av.offering_id, params "                                                     \
    "  WHERE av.municipality_code IN (SELECT code FROM places) AND av.status <> 'ej tillgänglig' "              \
    "    AND o.valid_from <= params.on_date AND (o.valid_to IS NULL OR o.valid_to >= params.on_date)), "        \
    "provider_routes AS ("                                                                                     \
    "  SELECT pl.code, t.type_id, t.method_id, t.kind, t.status, t.lead_time_weeks, t.cost_per_case_sek, "     \
    "         t.offering_id, t.provider_id, t.agreement_id, t.verified_on, t.updated_at "                      \
    "  FROM places pl JOIN provider_top t ON t.county_code = pl.county_code "                                  \
    "  UNION ALL SELECT * FROM provider_local), "                                                              \
    "candidates AS (SELECT * FROM own_routes UNION ALL SELECT * FROM agreement_routes "                         \
    "               UNION ALL SELECT * FROM provider_routes), "                                                 \
    "best AS (SELECT DISTINCT ON (c.code, c.type_id) c.* FROM candidates c "                                   \
    "         ORDER BY c.code, c.type_id, c.status, c.lead_time_weeks NULLS LAST, c.cost_per_case_sek NULLS LAST, " \
    "                  c.kind, c.offering_id NULLS LAST, c.agreement_id NULLS LAST, c.method_id NULLS LAST), "   \
    "cells AS (SELECT pl.code, pl.name, t.type_id, t.type_slug, b.kind, b.status, b.lead_time_weeks, "         \
    "                 b.cost_per_case_sek, b.offering_id, b.provider_id, b.agreement_id, "                     \
    "                 b.status IN ('tillgänglig', 'begränsad', 'väntelista') AS covered "                      \
    "          FROM places pl CROSS JOIN types t "                                                               \
    "          LEFT JOIN best b ON b.code = pl.code AND b.type_id = t.type_id) "

/* A route as JSON, from a row r with the route columns. */
#define ROUTE_JSON(R)                                                                                          \
    "CASE WHEN " R ".kind IS NULL THEN NULL ELSE json_build_object("                                           \
    "  'kind', " R ".kind, 'status', " R ".status, 'lead_time_weeks', " R ".lead_time_weeks, "               \
    "  'cost_per_case_sek', " R ".cost_per_case_sek, "                                                         \
    "  'method', (SELECT slug FROM methods WHERE id = " R ".method_id), "                                      \
    "  'offering_id', " R ".offering_id, "                                                                     \
    "  'provider', (SELECT json_build_object('id', p.id, 'name', p.name, 'example', p.example) "               \
    "               FROM providers p WHERE p.id = " R ".provider_id), "                                        \
    "  'agreement', (SELECT json_build_object('id', a.id, 'title', a.title, "                                   \
    "                  'performer', (SELECT municipality_code FROM agreement_parties "                          \
    "                                WHERE agreement_id = a.id AND role = 'utförare'), "                         \
    "                  'compensation_model', a.compensation_model, 'valid_to', a.valid_to) "                    \
    "                FROM agreements a WHERE a.id = " R ".agreement_id)) END"

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
      "                       s.cost_per_case_sek NULLS LAST, s.kind, s.offering_id), '[]'::json) "
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
    return db_fetch_document(pool, q->read_after, "coverage_municipality", 3, params, out);
}

enum db_status db_coverage_county(struct db_pool *pool, const char *code, const struct db_coverage_query *q, bool csv,
                                  char **out)
{
    const char *params[] = { code, q->knowledge_support, q->on };
    return db_fetch_document(pool, q->read_after, csv ? "coverage_county_csv" : "coverage_county", 3, params, out);
}

enum db_status db_coverage_gaps(struct db_pool *pool, const char *county, const char *intervention_type,
                                const struct db_coverage_query *q, char **out)
{
    const char *params[] = { county, q->knowledge_support, q->on, intervention_type };
    return db_fetch_document(pool, q->read_after, "coverage_gaps", 4, params, out);
}
