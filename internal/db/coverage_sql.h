/*
 * internal/db/coverage_sql.h: the SQL text the coverage answers share with
 * the answers built on coverage (guidance, partners, maps): the common table
 * expressions that rank every route of a set of places, and a route as JSON.
 * Text only, for string concatenation in the statement tables.
 */
#ifndef INSATSKATALOG_DB_COVERAGE_SQL_H
#define INSATSKATALOG_DB_COVERAGE_SQL_H

/*
 * $2 knowledge support slug (NULL: the 2021 one), $3 date (NULL: today).
 * PLACES must be defined before this prefix: code, name, county_code.
 * Route ranking: status (availability_status is declared best first),
 * lead time, cost per case; own delivery and agreements count as available
 * at once.
 */
#define COVERAGE_CTES COVERAGE_CTES_OF_TYPES("true")

/* Only the day, the knowledge support and the recommended types (TYPE_FILTER
 * as below) of COVERAGE_CTES: what an answer read from the rows kept for the
 * day needs. A statement that names the route CTEs without reading them
 * still plans them and starts their executor nodes on every run (a CTE
 * another unused one names is not dropped), a quarter of such a statement's
 * time. */
#define COVERAGE_PARAMS_CTES                                                                                  \
    "params AS (SELECT coalesce($3::date, current_date) AS on_date), "                                        \
    "ks AS (SELECT id, slug FROM knowledge_supports WHERE slug = coalesce($2::text, 'normbrytande-beteende-2021'))"
#define COVERAGE_TYPES_CTES(TYPE_FILTER)                                                                      \
    COVERAGE_PARAMS_CTES ", "                                                                                  \
    "types AS (SELECT DISTINCT ON (r.intervention_type_id) r.intervention_type_id AS type_id, t.slug AS type_slug, " \
    "          t.name_sv AS type_name, r.strength, r.age_min, r.age_max "                                        \
    "          FROM recommendations r JOIN ks ON ks.id = r.knowledge_support_id "                               \
    "          JOIN intervention_types t ON t.id = r.intervention_type_id "                                     \
    "          WHERE r.strength IN ('bör', 'kan', 'kan i undantagsfall') AND (" TYPE_FILTER ") "              \
    "          ORDER BY r.intervention_type_id, r.strength)"

/* The same, for the recommended types whose row t (intervention_types) meets
 * TYPE_FILTER only: an answer about one type ranks only that type's routes. */
#define COVERAGE_CTES_OF_TYPES(TYPE_FILTER)                                                                    \
    COVERAGE_TYPES_CTES(TYPE_FILTER) ", "                                                                      \
    "type_methods AS (SELECT m.id AS method_id, m.slug AS method_slug, m.abbreviation, t.type_id "            \
    "          FROM types t JOIN methods m ON m.intervention_type_id = t.type_id), "                             \
    "own_routes AS (" OWN_ROUTES_OF("places") "), "                                                           \
    AGREEMENT_ROUTES_CTE

/* A municipality's own delivery of a recommended type, for each row pl of
 * PLACES, from the routes kept ready in municipality_routes (sql/0016). */
#define OWN_ROUTES_OF(PLACES)                                                                                 \
    "  SELECT pl.code, r.type_id, r.method_id, 'egen regi'::text AS kind, "                                    \
    "         'tillgänglig'::availability_status AS status, 0 AS lead_time_weeks, r.cost_per_case_sek, "       \
    "         r.offering_id, r.provider_id, NULL::bigint AS agreement_id, r.verified_on, r.updated_at "        \
    "  FROM " PLACES " pl JOIN municipality_routes r ON r.code = pl.code AND r.kind = 'egen regi' "             \
    "  CROSS JOIN params "                                                                                     \
    "  WHERE r.type_id IN (SELECT type_id FROM types) "                                                        \
    "    AND r.valid_from <= params.on_date AND (r.valid_to IS NULL OR r.valid_to >= params.on_date)"

/* The agreements in force that a row pl of PLACES is a party to (with
 * PARTY_FILTER on its row r of municipality_routes: "true", or "r.performer"
 * for those it performs). An agreement covers a method by name, or a whole
 * type: then its route is for the method of the offering it names, or for no
 * particular method (the rows are made so in sql/0016). */
#define AGREEMENT_ROUTES_OF(PLACES, PARTY_FILTER)                                                            \
    "  SELECT pl.code, r.type_id, r.method_id, 'avtalssamverkan'::text AS kind, "                              \
    "         'tillgänglig'::availability_status AS status, 0 AS lead_time_weeks, r.cost_per_case_sek, "       \
    "         r.offering_id, NULL::bigint AS provider_id, r.agreement_id, r.verified_on, r.updated_at "        \
    "  FROM " PLACES " pl JOIN municipality_routes r ON r.code = pl.code AND r.kind = 'avtalssamverkan' "       \
    "       AND (" PARTY_FILTER ") "                                                                           \
    "  CROSS JOIN params "                                                                                     \
    /* Under notice, a route until the day it ends (sql/0011). */                                          \
    "  WHERE r.type_id IN (SELECT type_id FROM types) "                                                        \
    "    AND agreement_in_force(r.status, r.valid_from, r.valid_to, r.ends_on, params.on_date)"

/* The rest of COVERAGE_CTES_OF_TYPES, after own_routes. */
#define AGREEMENT_ROUTES_CTE                                                                                  \
    "agreement_routes AS (" AGREEMENT_ROUTES_OF("places", "true") "), "                                      \
    /* The five best county-wide provider routes per county and method, from  \
     * the routes kept ready in route order (sql/0018): the scan stops at the   \
     * fifth valid on the day. MATERIALIZED: once per county, not once per      \
     * municipality of it. */                                                   \
    "provider_top AS MATERIALIZED ("                                                                           \
    "  SELECT c.county_code, tm.type_id, tm.method_id, 'utförare'::text AS kind, top.status, "                 \
    "         top.lead_time_weeks, top.cost_per_case_sek, top.offering_id, top.provider_id, "                  \
    "         NULL::bigint AS agreement_id, top.verified_on, top.updated_at, top.n "                           \
    "  FROM (SELECT DISTINCT county_code FROM places) c CROSS JOIN type_methods tm, params, "                  \
    "  LATERAL (SELECT r.status, r.lead_time_weeks, r.cost_per_case_sek, r.offering_id, r.provider_id, "       \
    "                  r.verified_on, r.updated_at, row_number() OVER (ORDER BY r.status, "                    \
    "                  r.lead_time_weeks NULLS LAST, r.cost_per_case_sek NULLS LAST, r.offering_id) AS n "    \
    "           FROM county_provider_routes r "                                                                \
    "           WHERE r.method_id = tm.method_id AND r.county_code = c.county_code "                           \
    "             AND r.valid_from <= params.on_date AND (r.valid_to IS NULL OR r.valid_to >= params.on_date) " \
    "           ORDER BY r.status, r.lead_time_weeks NULLS LAST, r.cost_per_case_sek NULLS LAST, r.offering_id " \
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
    /* The best route of each cell. The county-wide provider routes enter it as   \
     * the best of each county and type only: the best of the bests is the same  \
     * route (the order is total), from 5 routes per method and place fewer. */ \
    "best AS (SELECT DISTINCT ON (c.code, c.type_id) c.* FROM ("                                              \
    "           SELECT * FROM own_routes UNION ALL SELECT * FROM agreement_routes "                           \
    "           UNION ALL SELECT pl.code, t.type_id, t.method_id, t.kind, t.status, t.lead_time_weeks, "       \
    "                  t.cost_per_case_sek, t.offering_id, t.provider_id, t.agreement_id, t.verified_on, "     \
    "                  t.updated_at "                                                                          \
    "           FROM places pl JOIN (SELECT DISTINCT ON (p.county_code, p.type_id) p.* FROM provider_top p "   \
    "                                ORDER BY p.county_code, p.type_id, p.status, p.lead_time_weeks NULLS LAST, " \
    "                                         p.cost_per_case_sek NULLS LAST, p.kind, p.offering_id NULLS LAST, " \
    "                                         p.agreement_id NULLS LAST, p.method_id NULLS LAST) t "          \
    "                ON t.county_code = pl.county_code "                                                       \
    "           UNION ALL SELECT * FROM provider_local) c "                                                    \
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


/* Every municipality bordering CODE and the others within RADIUS km of its
 * centroid, with their distance, from the distances kept ready (sql/0018):
 * rows of code, name, county_code, neighbour, distance_km. */
#define NEARBY_OF(CODE, RADIUS)                                                                               \
    "SELECT m.code, m.name, m.county_code, d.neighbour, d.distance_km "                                        \
    "FROM municipality_distances d JOIN municipalities m ON m.code = d.other "                                 \
    "WHERE d.code = " CODE " AND (d.neighbour OR d.km <= " RADIUS ")"

/* origin: the municipality $1 (none when $1 is NULL); nearby: NEARBY_OF it. */
#define NEARBY_CTES(RADIUS)                                                                                   \
    "origin AS (SELECT m.code, m.name, m.county_code FROM municipalities m WHERE m.code = $1::text), "         \
    "nearby AS MATERIALIZED (" NEARBY_OF("$1::text", RADIUS) "), "

/* Whether the rows kept for the day (sql/0019, kept_routes.c) may answer in
 * place of the COVERAGE_CTES: they are for the day in params and the 2021
 * knowledge support ($2 NULL), and nothing is marked dirty. */
#define KEPT_ROWS_USABLE                                                                                      \
    "$2::text IS NULL AND EXISTS (SELECT 1 FROM kept_routes_state s, params WHERE s.day = params.on_date) "   \
    "AND NOT EXISTS (SELECT 1 FROM kept_routes_dirty)"

/* The cells of COVERAGE_CTES (each row pl of places and each type of types:
 * covered, and the best route's kind and status) read from the rows kept for
 * the day; only where KEPT_ROWS_USABLE holds. A cell without a route is not
 * covered (false, where the cells CTE has NULL). */
#define KEPT_CELLS_CTE                                                                                        \
    "kept_cells AS (SELECT pl.code, pl.name, t.type_id, t.type_slug, k.best_route->>'kind' AS kind, "         \
    "                      (k.best_route->>'status')::availability_status AS status, k.covered "             \
    "               FROM places pl CROSS JOIN types t "                                                        \
    "               JOIN kept_best_routes k ON k.code = pl.code AND k.type_id = t.type_id)"

/* How far the guidance looks for partners (the partners answer's default).
 * The index municipality_distances_near_idx (sql/0019) has the same number
 * in its predicate: change both or neither. */
#define GUIDANCE_PARTNER_RADIUS_KM "100"

/* Routes by which a place performs a type itself: its own delivery, or an
 * agreement in force in which it is the performer. Needs COVERAGE_CTES. */
#define PERFORMING_CTE                                                                                        \
    "performing AS (SELECT c.* FROM candidates c WHERE c.kind = 'egen regi' "                                 \
    "   OR (c.kind = 'avtalssamverkan' AND EXISTS (SELECT 1 FROM agreement_parties ap "                        \
    "       WHERE ap.agreement_id = c.agreement_id AND ap.municipality_code = c.code AND ap.role = 'utförare'))) "

/* The best route by which the municipality CODE performs the type TYPE
 * itself on the day (its own delivery, or an agreement in force in which it
 * is the performer), as one row with the route columns, or none: the same
 * route as the first of PERFORMING_CTE's rows for it in route order (both
 * kinds are available at once, so the order starts at the cost). An index
 * probe per municipality instead of ranking every route of every one near. */
#define PERFORMED_ROUTE_OF(CODE, TYPE)                                                                        \
    "SELECT mr.kind, 'tillgänglig'::availability_status AS status, 0 AS lead_time_weeks, mr.cost_per_case_sek, " \
    "       mr.method_id, mr.offering_id, mr.provider_id, mr.agreement_id "                                    \
    "FROM municipality_routes mr, params "                                                                     \
    "WHERE mr.code = " CODE " AND mr.type_id = " TYPE " AND mr.performer "                                     \
    "  AND mr.type_id IN (SELECT type_id FROM types) "                                                         \
    "  AND CASE WHEN mr.kind = 'egen regi' "                                                                   \
    "           THEN mr.valid_from <= params.on_date AND (mr.valid_to IS NULL OR mr.valid_to >= params.on_date) " \
    "           ELSE agreement_in_force(mr.status, mr.valid_from, mr.valid_to, mr.ends_on, params.on_date) END " \
    "ORDER BY mr.cost_per_case_sek NULLS LAST, mr.kind, mr.offering_id NULLS LAST, mr.agreement_id NULLS LAST, " \
    "         mr.method_id NULLS LAST LIMIT 1"

/* The guidance's partners for the type TYPE: the first three of NEARBY (a
 * table or a subquery with NEARBY_OF's columns), bordering first and then
 * nearest, that perform the type themselves, as a JSON array. Needs
 * COVERAGE_CTES. Nearest first, so the route probes stop at the third. */
#define PARTNERS_JSON(NEARBY, TYPE)                                                                           \
    "(SELECT coalesce(json_agg(json_build_object("                                                              \
    "   'municipality', json_build_object('code', q.code, 'name', q.name, 'county', q.county_code), "           \
    "   'neighbour', q.neighbour, 'distance_km', q.distance_km, 'route', " ROUTE_JSON("q") ") "                  \
    "   ORDER BY q.neighbour DESC, q.distance_km, q.code), '[]'::json) "                                        \
    " FROM (SELECT n.code, n.name, n.county_code, n.neighbour, n.distance_km, p.* "                             \
    "       FROM (SELECT * FROM " NEARBY " ORDER BY neighbour DESC, distance_km, code) n "                      \
    "       CROSS JOIN LATERAL (" PERFORMED_ROUTE_OF("n.code", TYPE) ") p "                                     \
    "       ORDER BY n.neighbour DESC, n.distance_km, n.code LIMIT 3) q)"

#endif
