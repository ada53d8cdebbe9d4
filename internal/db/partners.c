/*
 * internal/db/partners.c: the SQL of GET /v1/municipalities/{code}/neighbours
 * and /partners (see partners.h), and the cost estimates the partners carry.
 *
 * The partners are one statement over the coverage CTEs for the asking
 * municipality and those near it. Each partner's cost estimate is the cost
 * estimate itself (db/cost_estimate.c), run for the two municipalities, so
 * its figures are always those /v1/methods/{slug}/cost-estimate gives.
 */
#include "partners.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log/log.h"
#include "cost_estimate.h"
#include "coverage_sql.h"

/* The cost estimate's own defaults (COST_ESTIMATE_DEFAULT_* in http/cost_estimate.c). */
#define PARTNER_ESTIMATE_STAFF "2"
#define PARTNER_ESTIMATE_CASES "10"

/* $1 municipality code. No row when it does not exist. */
static const char neighbours_sql[] =
    "SELECT json_build_object("
    "  'municipality', json_build_object('code', m.code, 'name', m.name, 'county', m.county_code), "
    "  'neighbours', (SELECT coalesce(json_agg(json_build_object('code', n.code, 'name', n.name, "
    "                  'county', n.county_code, 'distance_km', d.km) ORDER BY d.km NULLS LAST, n.code), '[]'::json) "
    "                 FROM municipality_neighbour_pairs p JOIN municipalities n ON n.code = p.neighbour "
    "                 LEFT JOIN municipality_centroids nc ON nc.code = n.code, "
    "                 LATERAL (SELECT round(distance_km(c.lat, c.lon, nc.lat, nc.lon)::numeric, 1) AS km) d "
    "                 WHERE p.code = m.code))::text "
    "FROM municipalities m LEFT JOIN municipality_centroids c ON c.code = m.code WHERE m.code = $1::text";

/* Route order: status (declared best first), lead time, cost per case, then stable keys. */
#define ROUTE_ORDER(R)                                                                                        \
    R ".status, " R ".lead_time_weeks NULLS LAST, " R ".cost_per_case_sek NULLS LAST, " R ".kind, "          \
    R ".offering_id NULLS LAST, " R ".agreement_id NULLS LAST, " R ".method_id NULLS LAST"

/*
 * $1 municipality code, $2 knowledge support (NULL: the 2021 one), $3 date or
 * NULL, $4 intervention type slug or NULL, $5 method slug or NULL (exactly one
 * of $4 and $5), $6 radius in km.
 *
 * {"missing": "municipality" | "intervention_type" | "method"} when one names
 * nothing. Each partner carries "estimate_for" ({method, municipalities}, or
 * null), which db_partners() replaces by "cost_estimate".
 */
static const char partners_sql[] =
    "WITH " NEARBY_CTES("$6::int")
    "places AS (SELECT code, name, county_code FROM origin UNION ALL SELECT code, name, county_code FROM nearby), "
    "target AS (SELECT t.id AS type_id, t.slug AS type_slug, me.id AS method_id, me.slug AS method_slug "
    "           FROM intervention_types t LEFT JOIN methods me ON me.slug = $5::text AND me.intervention_type_id = t.id "
    "           WHERE ($5::text IS NULL AND t.slug = $4::text) OR ($5::text IS NOT NULL AND me.id IS NOT NULL)), "
    /* Only the target's type is ranked. */
    COVERAGE_CTES_OF_TYPES("t.id IN (SELECT type_id FROM target)") ", " PERFORMING_CTE ", "
    /* A route to the target: one for its type, for its method or (an agreement) for the whole type. */
    "routes AS (SELECT c.* FROM candidates c JOIN target tg ON tg.type_id = c.type_id "
    "           WHERE tg.method_id IS NULL OR c.method_id = tg.method_id OR c.method_id IS NULL), "
    "best_of AS (SELECT DISTINCT ON (r.code) r.* FROM routes r ORDER BY r.code, " ROUTE_ORDER("r") "), "
    "performs AS (SELECT DISTINCT ON (p.code) p.* FROM performing p JOIN target tg ON tg.type_id = p.type_id "
    "             WHERE tg.method_id IS NULL OR p.method_id = tg.method_id OR p.method_id IS NULL "
    "             ORDER BY p.code, " ROUTE_ORDER("p") "), "
    "listed AS (SELECT n.*, CASE WHEN pf.code IS NOT NULL THEN 'utförare' ELSE 'medbeställare' END AS partner_kind, "
    "                  s.* "
    "           FROM nearby n LEFT JOIN performs pf ON pf.code = n.code LEFT JOIN best_of b ON b.code = n.code "
    "           LEFT JOIN LATERAL (SELECT pf.kind, pf.status, pf.lead_time_weeks, pf.cost_per_case_sek, pf.method_id, "
    "                                     pf.offering_id, pf.provider_id, pf.agreement_id WHERE pf.code IS NOT NULL "
    "                              UNION ALL "
    "                              SELECT b.kind, b.status, b.lead_time_weeks, b.cost_per_case_sek, b.method_id, "
    "                                     b.offering_id, b.provider_id, b.agreement_id WHERE pf.code IS NULL) s ON true "
    "           WHERE EXISTS (SELECT 1 FROM types ty JOIN target tg ON tg.type_id = ty.type_id) "
    "             AND (pf.code IS NOT NULL "
    "                  OR NOT coalesce(b.status IN ('tillgänglig', 'begränsad', 'väntelista'), false))) "
    "SELECT CASE "
    "  WHEN NOT EXISTS (SELECT 1 FROM origin) THEN json_build_object('missing', 'municipality') "
    "  WHEN NOT EXISTS (SELECT 1 FROM target) THEN "
    "       json_build_object('missing', CASE WHEN $5::text IS NULL THEN 'intervention_type' ELSE 'method' END) "
    "  ELSE json_build_object("
    "    'municipality', (SELECT json_build_object('code', code, 'name', name, 'county', county_code) FROM origin), "
    "    'intervention_type', (SELECT type_slug FROM target), 'method', (SELECT method_slug FROM target), "
    "    'on', (SELECT on_date FROM params), 'radius_km', $6::int, "
    "    'own_route', (SELECT " ROUTE_JSON("b") " FROM best_of b WHERE b.code = $1::text), "
    "    'partners', (SELECT coalesce(json_agg(json_build_object("
    "        'municipality', json_build_object('code', l.code, 'name', l.name, 'county', l.county_code), "
    "        'neighbour', l.neighbour, 'distance_km', l.distance_km, 'partner_kind', l.partner_kind, "
    "        'route', " ROUTE_JSON("l") ", "
    "        'estimate_for', (SELECT CASE WHEN e.method IS NULL THEN NULL ELSE json_build_object('method', e.method, "
    "                           'municipalities', CASE WHEN l.partner_kind = 'utförare' THEN l.code || ',' || $1::text "
    "                                             ELSE $1::text || ',' || l.code END) END "
    "                         FROM (SELECT coalesce((SELECT method_slug FROM target), "
    "                                 CASE WHEN l.partner_kind = 'utförare' THEN "
    "                                   (SELECT slug FROM methods WHERE id = l.method_id) END) AS method) e)) "
    "        ORDER BY l.neighbour DESC, l.distance_km, l.code), '[]'::json) FROM listed l), "
    "    'total', (SELECT count(*) FROM listed)) END::text "
    "WHERE EXISTS (SELECT 1 FROM ks)";

const struct db_statement db_partners_statements[] = {
    { "neighbours", neighbours_sql },
    { "partners", partners_sql },
    { NULL, NULL },
};

enum db_status db_neighbours(struct db_pool *pool, struct db_read *read, const char *code, char **out)
{
    const char *params[] = { code };
    return db_fetch_document(pool, read, "neighbours", 1, params, out);
}

/* "0380,0381" as ["0380", "0381"]; NULL when out of memory. */
static json_t *code_array(const char *codes)
{
    json_t *array = json_array();
    const char *start = codes;

    while (array != NULL && start != NULL) {
        const char *comma = strchr(start, ',');
        size_t length = comma ? (size_t)(comma - start) : strlen(start);
        if (json_array_append_new(array, json_stringn(start, length)) != 0) {
            json_decref(array);
            return NULL;
        }
        start = comma ? comma + 1 : NULL;
    }
    return array;
}

/* The key figures of one shared agreement as the cost estimate gives them,
 * or NULL when there are none (no offering of the method is valid on the
 * day) or the estimate could not be made; the partner is listed either way. */
static json_t *estimate_for(struct db_pool *pool, const json_t *wanted, const char *on)
{
    const char *method = json_string_value(json_object_get(wanted, "method"));
    const char *codes = json_string_value(json_object_get(wanted, "municipalities"));
    struct db_cost_estimate_query query = {
        .method = method, .municipalities = codes, .staff = PARTNER_ESTIMATE_STAFF,
        .cases = PARTNER_ESTIMATE_CASES, .offering = NULL, .on = on,
    };
    struct db_cost_estimate estimate = { 0 };
    json_t *document = NULL, *summary = NULL;
    char href[160];

    if (method == NULL || codes == NULL || db_cost_estimate(pool, &query, &estimate) != DB_OK
        || estimate.document == NULL || (document = json_loads(estimate.document, 0, NULL)) == NULL)
        goto cleanup;
    json_t *shared = json_object_get(document, "shared");
    if (!json_is_object(shared))
        goto cleanup;
    snprintf(href, sizeof(href), "/v1/methods/%s/cost-estimate?municipalities=%s%s%s", method, codes,
             on ? "&on=" : "", on ? on : "");
    summary = json_pack("{s:s, s:o?, s:O, s:O, s:O, s:O, s:O, s:O, s:s}",
                        "method", method,
                        "municipalities", code_array(codes),
                        "staff", json_object_get(document, "staff"),
                        "cases_per_municipality", json_object_get(document, "cases_per_municipality"),
                        "first_year_total_sek", json_object_get(shared, "first_year_total_sek"),
                        "running_year_total_sek", json_object_get(shared, "running_year_total_sek"),
                        "saving_first_year_sek", json_object_get(shared, "saving_first_year_sek"),
                        "saving_running_year_sek", json_object_get(shared, "saving_running_year_sek"),
                        "href", href);
cleanup:
    json_decref(document);
    db_cost_estimate_release(&estimate);
    return summary;
}

/* Replaces each partner's "estimate_for" by its "cost_estimate". */
static bool add_estimates(struct db_pool *pool, json_t *document, const char *on)
{
    json_t *partners = json_object_get(document, "partners");
    size_t i;
    json_t *partner;

    json_array_foreach(partners, i, partner) {
        json_t *estimate = estimate_for(pool, json_object_get(partner, "estimate_for"), on);
        if (json_object_set_new(partner, "cost_estimate", estimate ? estimate : json_null()) != 0
            || json_object_del(partner, "estimate_for") != 0)
            return false;
    }
    return true;
}

enum db_status db_partners(struct db_pool *pool, const struct db_partners_query *q, struct db_partners *out)
{
    const char *params[] = { q->code, NULL, q->on, q->intervention_type, q->method, q->radius_km };
    char *text = NULL;
    json_t *document = NULL;
    enum db_status status;

    memset(out, 0, sizeof(*out));
    if ((status = db_fetch_document(pool, q->read, "partners", 6, params, &text)) != DB_OK)
        goto cleanup;
    status = DB_ERROR;
    if ((document = json_loads(text, 0, NULL)) == NULL) {
        log_error("the partners answer is not JSON");
        goto cleanup;
    }
    const char *missing = json_string_value(json_object_get(document, "missing"));
    if (missing != NULL) {
        out->missing = strcmp(missing, "municipality") == 0        ? "municipality"
                       : strcmp(missing, "intervention_type") == 0 ? "intervention type"
                                                                   : "method";
        status = DB_OK;
        goto cleanup;
    }
    /* The estimates are for the day asked, or for the day the answer says is today. */
    const char *on = q->on ? q->on : json_string_value(json_object_get(document, "on"));
    if (!add_estimates(pool, document, on) || (out->document = json_dumps(document, JSON_COMPACT)) == NULL)
        goto cleanup;
    status = DB_OK;
cleanup:
    json_decref(document);
    free(text);
    return status;
}

void db_partners_release(struct db_partners *partners)
{
    free(partners->document);
    memset(partners, 0, sizeof(*partners));
}
