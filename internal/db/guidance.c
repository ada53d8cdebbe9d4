/*
 * internal/db/guidance.c: the SQL of GET /v1/guidance and /v1/guidance/rules
 * (see guidance.h).
 *
 * The guidance is one statement over the recommendations, the methods, the
 * instruments and the RBM rule table (sql/0013_guidance.sql); the C around it
 * only passes the parameters. With a municipality the coverage CTEs run over
 * it alone, and its nearest partners come from what the municipalities near
 * it deliver themselves (no provider routes: those are not a partner's).
 * For the current day both are read from the rows kept ready for it
 * (kept_routes.c); the full statement answers whenever those are not usable.
 */
#include "guidance.h"

#include "coverage_sql.h"
#include "kept_routes.h"

/* A rule row g as JSON, with its intervention types by slug. */
#define RULE_JSON(G)                                                                                          \
    "json_build_object('slug', " G ".slug, 'principle', " G ".principle, 'risk', " G ".risk, "               \
    "  'need_area', " G ".need_area, 'age_min', " G ".age_min, 'age_max', " G ".age_max, "                   \
    "  'intensity', " G ".intensity, 'recommends', " G ".recommends, 'format', " G ".format, "                \
    "  'intervention_types', (SELECT coalesce(json_agg(t.slug ORDER BY t.slug), '[]'::json) "                 \
    "                         FROM guidance_rule_types gt JOIN intervention_types t ON t.id = gt.intervention_type_id " \
    "                         WHERE gt.rule_id = " G ".id), "                                                    \
    "  'statement', " G ".statement, 'source', " G ".source, 'needs_review', " G ".needs_review, "           \
    "  'review_note', " G ".review_note)"

/* origin (the municipality $1), and the rest of the routes' CTEs that the
 * full statement reads: the municipalities near it and the coverage of the
 * types the answer recommends (those with a recommendation for the age, and
 * none when the risk level's rule recommends nothing). */
#define GUIDANCE_ROUTE_CTES                                                                                   \
    NEARBY_CTES(GUIDANCE_PARTNER_RADIUS_KM) "places AS (SELECT code, name, county_code FROM origin), "         \
    COVERAGE_CTES_OF_TYPES("t.id IN (SELECT intervention_type_id FROM recommendations "                        \
                           "WHERE $4::int BETWEEN age_min AND age_max) "                                         \
                           "AND EXISTS (SELECT 1 FROM guidance_rules WHERE principle = 'risk' "                  \
                           "AND risk::text = $5::text AND recommends)")

/* What the statement from the kept rows needs of them: origin, the day, the
 * knowledge support. */
#define GUIDANCE_KEPT_CTES                                                                                    \
    "origin AS (SELECT m.code, m.name, m.county_code FROM municipalities m WHERE m.code = $1::text), "         \
    COVERAGE_PARAMS_CTES

/*
 * The guidance, after the CTES (GUIDANCE_ROUTE_CTES or GUIDANCE_KEPT_CTES),
 * with COVERAGE and PARTNERS the expressions that give a recommendation r's
 * coverage and partners in the municipality $1, and CONDITION what else must
 * hold for a row.
 * $1 municipality code or NULL, $2 knowledge support (NULL: the 2021 one),
 * $3 date or NULL, $4 age, $5 risk level, $6 need areas joined by "," or NULL.
 * No row when the municipality or the knowledge support does not exist.
 */
#define GUIDANCE_SQL(CTES, COVERAGE, PARTNERS, CONDITION)                                                     \
    "WITH " CTES ", "                                                                                            \
    "given_needs AS (SELECT g.need, g.n FROM unnest(string_to_array(nullif($6::text, ''), ',')) "               \
    "                WITH ORDINALITY AS g(need, n)), "                                                            \
    "risk_rule AS (SELECT * FROM guidance_rules WHERE principle = 'risk' AND risk::text = $5::text), "           \
    "applied AS (SELECT g.* FROM guidance_rules g WHERE g.id IN (SELECT id FROM risk_rule) "                     \
    "              OR (g.principle = 'behov' AND g.need_area IN (SELECT need FROM given_needs)) "                \
    "              OR (g.principle = 'mottaglighet' AND (g.age_min IS NULL OR $4::int BETWEEN g.age_min AND g.age_max))), " \
    "recs AS (SELECT r.*, t.slug AS type_slug, t.name_sv AS type_name, "                                          \
    "                (SELECT coalesce(array_agg(DISTINCT g.need_area::text), '{}') FROM applied g "               \
    "                 JOIN guidance_rule_types gt ON gt.rule_id = g.id "                                          \
    "                 WHERE g.principle = 'behov' AND gt.intervention_type_id = r.intervention_type_id) AS needs_met " \
    "         FROM recommendations r JOIN ks ON ks.id = r.knowledge_support_id "                                  \
    "         JOIN intervention_types t ON t.id = r.intervention_type_id "                                        \
    "         WHERE $4::int BETWEEN r.age_min AND r.age_max) "                                                    \
    "SELECT json_build_object("                                                                                  \
    "  'age', $4::int, 'risk', $5::text, "                                                                        \
    "  'needs', (SELECT coalesce(json_agg(need ORDER BY n), '[]'::json) FROM given_needs), "                      \
    "  'knowledge_support', (SELECT slug FROM ks), 'on', (SELECT on_date FROM params), "                         \
    "  'age_band', (SELECT json_build_object('age_min', r.age_min, 'age_max', r.age_max) FROM recs r "            \
    "               WHERE r.strength <> 'bör inte' ORDER BY r.age_max - r.age_min, r.age_min LIMIT 1), "          \
    "  'risk_principle', (SELECT json_build_object('risk', risk, 'recommendations_apply', recommends, "           \
    "                     'intensity', intensity, 'text', statement) FROM risk_rule), "                           \
    "  'municipality', (SELECT json_build_object('code', code, 'name', name, 'county', county_code) FROM origin), " \
    "  'recommendations', (SELECT coalesce(json_agg(json_build_object("                                          \
    "       'slug', r.slug, 'strength', r.strength, 'age_min', r.age_min, 'age_max', r.age_max, "               \
    "       'statement', r.statement, "                                                                          \
    "       'intervention_type', json_build_object('slug', r.type_slug, 'name_sv', r.type_name), "              \
    "       'needs_met', (SELECT coalesce(json_agg(g.need ORDER BY g.n), '[]'::json) FROM given_needs g "         \
    "                     WHERE g.need = ANY (r.needs_met)), "                                                    \
    "       'methods', (SELECT coalesce(json_agg(json_build_object('slug', m.slug, 'abbreviation', m.abbreviation, " \
    "                     'name_sv', m.name_sv, 'age_min', m.age_min, 'age_max', m.age_max, 'format', m.format, " \
    "                     'availability', m.availability) ORDER BY m.slug), '[]'::json) "                        \
    "                   FROM methods m WHERE m.intervention_type_id = r.intervention_type_id "                   \
    "                     AND $4::int BETWEEN m.age_min AND m.age_max), "                                         \
    "       'coverage', CASE WHEN $1::text IS NOT NULL THEN " COVERAGE " END, "                                   \
    "       'partners', CASE WHEN $1::text IS NOT NULL THEN " PARTNERS " END) "                                   \
    "     ORDER BY cardinality(r.needs_met) DESC, r.rank, r.slug), '[]'::json) "                                  \
    "     FROM recs r WHERE r.strength <> 'bör inte' AND (SELECT recommends FROM risk_rule)), "                    \
    "  'warnings', (SELECT coalesce(json_agg(json_build_object("                                                 \
    "       'slug', r.slug, 'strength', r.strength, 'age_min', r.age_min, 'age_max', r.age_max, "               \
    "       'statement', r.statement, "                                                                          \
    "       'intervention_type', json_build_object('slug', r.type_slug, 'name_sv', r.type_name)) "              \
    "     ORDER BY r.rank, r.slug), '[]'::json) FROM recs r WHERE r.strength = 'bör inte'), "                    \
    "  'assessment_instruments', (SELECT coalesce(json_agg(json_build_object('slug', a.slug, "                  \
    "       'abbreviation', a.abbreviation, 'name', a.name, 'assesses', a.assesses, 'age_min', a.age_min, "      \
    "       'age_max', a.age_max) ORDER BY a.slug), '[]'::json) "                                                \
    "     FROM assessment_instruments a WHERE $4::int BETWEEN a.age_min AND a.age_max), "                         \
    "  'rules', (SELECT coalesce(json_agg(" RULE_JSON("g") " ORDER BY g.principle, g.slug), '[]'::json) "        \
    "            FROM applied g))::text "                                                                         \
    "WHERE ($1::text IS NULL OR EXISTS (SELECT 1 FROM origin)) AND EXISTS (SELECT 1 FROM ks)" CONDITION

/* The guidance computed from the routes: any day, any knowledge support. */
static const char guidance_sql[] = GUIDANCE_SQL(
    GUIDANCE_ROUTE_CTES,
    "json_build_object("
    "  'covered', coalesce((SELECT c.covered FROM cells c WHERE c.code = $1::text "
    "                       AND c.type_id = r.intervention_type_id), false), "
    "  'best_route', (SELECT " ROUTE_JSON("b") " FROM best b WHERE b.code = $1::text "
    "                 AND b.type_id = r.intervention_type_id))",
    PARTNERS_JSON("nearby", "r.intervention_type_id"),
    "");

/* The same answer from the rows kept for the day (sql/0019, kept_routes.c):
 * no row unless they are for the day asked about and nothing is dirty, and
 * then the guidance above answers. The rows print exactly what it would. */
static const char guidance_kept_sql[] = GUIDANCE_SQL(
    GUIDANCE_KEPT_CTES,
    "(SELECT json_build_object('covered', k.covered, 'best_route', k.best_route) FROM kept_best_routes k "
    " WHERE k.code = $1::text AND k.type_id = r.intervention_type_id)",
    "(SELECT k.partners FROM kept_partners k WHERE k.code = $1::text AND k.type_id = r.intervention_type_id)",
    " AND $1::text IS NOT NULL AND " KEPT_ROWS_USABLE);

static const char guidance_rules_sql[] =
    "SELECT json_build_object("
    "  'need_areas', (SELECT coalesce(json_agg(json_build_object('slug', slug, 'name_sv', name_sv, "
    "                 'description', description) ORDER BY rank, slug), '[]'::json) FROM need_areas), "
    "  'rules', (SELECT coalesce(json_agg(" RULE_JSON("g") " ORDER BY g.principle, g.slug), '[]'::json) "
    "            FROM guidance_rules g))::text";

const struct db_statement db_guidance_statements[] = {
    { "guidance", guidance_sql },
    { "guidance_kept", guidance_kept_sql },
    { "guidance_rules", guidance_rules_sql },
    { NULL, NULL },
};

enum db_status db_guidance(struct db_pool *pool, const struct db_guidance_query *q, char **out)
{
    const char *params[] = { q->municipality, NULL, q->on, q->age, q->risk, q->needs };

    /* Only a municipality's routes are kept: without one the answer is the catalogue's. */
    if (q->municipality == NULL)
        return db_fetch_document(pool, q->read, "guidance", 6, params, out);
    return db_kept_fetch_document(pool, q->read, "guidance_kept", "guidance", 6, params, out);
}

enum db_status db_guidance_rules(struct db_pool *pool, struct db_read *read, char **out)
{
    return db_fetch_document(pool, read, "guidance_rules", 0, NULL, out);
}
