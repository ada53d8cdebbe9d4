/*
 * internal/db/cost_estimate.c: the SQL of GET /v1/methods/{slug}/cost-estimate.
 *
 * One statement does all the arithmetic, so every figure in an answer comes
 * from one snapshot of the offerings and municipalities. Amounts are whole
 * SEK in bigint: 100 staff times a training fee near 2^31 overflows integer.
 */
#include "cost_estimate.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log/log.h"

/*
 * $1 method slug, $2 municipality codes joined by "," (the first is the
 * performer), $3 staff per team, $4 cases per municipality per year,
 * $5 offering id or NULL (then the median over the method's offerings),
 * $6 date or NULL (today).
 *
 * No row when the method does not exist. {"unresolved": {field, value}} when
 * a municipality or the offering names nothing; otherwise the estimate.
 *
 * The figures: percentile_cont ignores NULLs, so a figure is NULL only when
 * no offering used states it; it then counts as 0 and is listed in
 * missing_figures. With one offering the median is its own figure, so both
 * bases share one path.
 *
 * The fixed part of a shared agreement (start-up fee, training of one team
 * at the performer, yearly fee) is split by weight per compensation model:
 * 1 each (lika delar, and fast årsavgift without stated shares), cases (per
 * ärende), population (befolkningsandel). Every party but the performer
 * pays its share rounded to whole SEK; the performer pays the rest, so the
 * parts add up exactly to the total. Per-case costs are never split: each
 * party pays for its own cases.
 */
static const char cost_estimate_sql[] =
    "WITH method AS (SELECT id FROM methods WHERE slug = $1::text), "
    "day AS (SELECT coalesce($6::date, current_date) AS on_date), "
    "asked AS ("
    "  SELECT a.code, a.seq FROM unnest(string_to_array($2::text, ',')) WITH ORDINALITY AS a(code, seq)), "
    "unresolved AS ("
    "  SELECT 1 AS n, 'municipalities' AS field, a.code AS value, a.seq FROM asked a "
    "  WHERE NOT EXISTS (SELECT 1 FROM municipalities m WHERE m.code = a.code) "
    "  UNION ALL "
    "  SELECT 2, 'offering', $5::text, 0 FROM day "
    "  WHERE $5::bigint IS NOT NULL AND NOT EXISTS ("
    "    SELECT 1 FROM offerings o JOIN method ON method.id = o.method_id WHERE o.id = $5::bigint "
    "      AND o.valid_from <= day.on_date AND (o.valid_to IS NULL OR o.valid_to >= day.on_date))), "
    "places AS ("
    "  SELECT a.seq, m.code, m.name, m.population, $4::bigint AS cases "
    "  FROM asked a JOIN municipalities m ON m.code = a.code), "
    "used AS ("
    "  SELECT o.* FROM offerings o JOIN method ON method.id = o.method_id, day "
    "  WHERE ($5::bigint IS NULL OR o.id = $5::bigint) "
    "    AND o.valid_from <= day.on_date AND (o.valid_to IS NULL OR o.valid_to >= day.on_date)), "
    /* Through numeric: round() of a double rounds half to even, of a numeric half away from zero. */
    "figures AS ("
    "  SELECT count(*) AS offerings, min(verified_on) AS oldest, max(verified_on) AS newest, "
    "    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY startup_fee_sek)::numeric)::bigint AS startup_fee_sek, "
    "    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY training_cost_per_participant_sek)::numeric)::bigint "
    "      AS training_cost_per_participant_sek, "
    "    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cost_per_case_sek)::numeric)::bigint AS cost_per_case_sek, "
    "    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY yearly_fee_sek)::numeric)::bigint AS yearly_fee_sek "
    "  FROM used), "
    /* fixed_first: start-up fee, one team's training and the yearly fee; fixed_running: the yearly fee. */
    "costs AS ("
    "  SELECT coalesce(f.startup_fee_sek, 0) + $3::bigint * coalesce(f.training_cost_per_participant_sek, 0) "
    "           + coalesce(f.yearly_fee_sek, 0) AS fixed_first, "
    "         coalesce(f.yearly_fee_sek, 0) AS fixed_running, coalesce(f.cost_per_case_sek, 0) AS per_case, "
    "         (SELECT sum(cases) FROM places)::bigint AS cases "
    "  FROM figures f), "
    "alone AS ("
    "  SELECT p.*, c.fixed_first + p.cases * c.per_case AS first_year_sek, "
    "         c.fixed_running + p.cases * c.per_case AS running_year_sek "
    "  FROM places p, costs c), "
    "weights AS ("
    "  SELECT model, p.seq, p.code, p.cases, "
    "         (CASE model WHEN 'per ärende' THEN p.cases WHEN 'befolkningsandel' THEN p.population ELSE 1 END)::numeric "
    "           AS weight "
    "  FROM unnest(enum_range(NULL::compensation_model)) AS model, places p), "
    "models AS ("
    "  SELECT w.model, sum(w.weight) AS total_weight, "
    "         array_agg(w.code ORDER BY w.seq) FILTER (WHERE w.weight IS NULL) AS lacking "
    "  FROM weights w GROUP BY w.model), "
    "rounded AS ("
    "  SELECT w.model, w.seq, w.code, w.cases, "
    "         CASE WHEN w.seq > 1 THEN round(c.fixed_first * w.weight / m.total_weight)::bigint END AS first_fixed, "
    "         CASE WHEN w.seq > 1 THEN round(c.fixed_running * w.weight / m.total_weight)::bigint END AS running_fixed "
    "  FROM weights w JOIN models m ON m.model = w.model, costs c "
    "  WHERE m.lacking IS NULL AND m.total_weight > 0), "
    "parts AS ("
    "  SELECT r.model, r.seq, r.code, "
    "         coalesce(r.first_fixed, c.fixed_first - coalesce(sum(r.first_fixed) OVER by_model, 0)) "
    "           + r.cases * c.per_case AS first_year_sek, "
    "         coalesce(r.running_fixed, c.fixed_running - coalesce(sum(r.running_fixed) OVER by_model, 0)) "
    "           + r.cases * c.per_case AS running_year_sek "
    "  FROM rounded r, costs c "
    "  WINDOW by_model AS (PARTITION BY r.model)) "
    "SELECT coalesce("
    "  (SELECT json_build_object('unresolved', json_build_object('field', u.field, 'value', u.value)) "
    "   FROM unresolved u ORDER BY u.n, u.seq LIMIT 1), "
    "  json_build_object("
    "    'method', $1::text, 'on', d.on_date, 'staff', $3::int, 'cases_per_municipality', $4::int, "
    "    'municipalities', (SELECT json_agg(json_build_object('code', p.code, 'name', p.name, "
    "                         'population', p.population, "
    "                         'role', CASE WHEN p.seq = 1 THEN 'utförare' ELSE 'beställare' END) ORDER BY p.seq) "
    "                       FROM places p), "
    "    'basis', CASE WHEN $5::bigint IS NULL THEN 'median' ELSE 'offering' END, "
    "    'offering_id', $5::bigint, "
    "    'offerings', f.offerings, "
    "    'figures', CASE WHEN f.offerings > 0 THEN json_build_object("
    "                 'startup_fee_sek', f.startup_fee_sek, "
    "                 'training_cost_per_participant_sek', f.training_cost_per_participant_sek, "
    "                 'cost_per_case_sek', f.cost_per_case_sek, 'yearly_fee_sek', f.yearly_fee_sek) END, "
    "    'missing_figures', CASE WHEN f.offerings > 0 THEN ("
    "                 SELECT coalesce(json_agg(v.name ORDER BY v.n), '[]'::json) "
    "                 FROM (VALUES (1, 'startup_fee_sek', f.startup_fee_sek), "
    "                              (2, 'training_cost_per_participant_sek', f.training_cost_per_participant_sek), "
    "                              (3, 'cost_per_case_sek', f.cost_per_case_sek), "
    "                              (4, 'yearly_fee_sek', f.yearly_fee_sek)) AS v(n, name, value) "
    "                 WHERE v.value IS NULL) END, "
    "    'based_on', json_build_object('offerings_verified', "
    "                 json_build_object('oldest', f.oldest, 'newest', f.newest)), "
    "    'explanation', CASE WHEN f.offerings = 0 THEN "
    "                 'No offering of this method is valid on ' || d.on_date || ', so there are no figures to "
    "estimate from. Try another date (on=), or see who offers the method at /v1/methods/' || $1::text "
    "                 || '/providers.' END, "
    "    'alone', CASE WHEN f.offerings > 0 THEN ("
    "                 SELECT json_build_object("
    "                   'first_year_total_sek', sum(a.first_year_sek)::bigint, "
    "                   'running_year_total_sek', sum(a.running_year_sek)::bigint, "
    "                   'parts', json_agg(json_build_object('municipality', a.code, "
    "                              'first_year_sek', a.first_year_sek, 'running_year_sek', a.running_year_sek) "
    "                            ORDER BY a.seq)) "
    "                 FROM alone a) END, "
    "    'shared', CASE WHEN f.offerings > 0 THEN ("
    "                 SELECT json_build_object("
    "                   'performer', (SELECT code FROM places WHERE seq = 1), "
    "                   'fixed_first_year_sek', c.fixed_first, "
    "                   'fixed_running_year_sek', c.fixed_running, "
    "                   'cases_per_year', c.cases, "
    "                   'first_year_total_sek', c.fixed_first + c.cases * c.per_case, "
    "                   'running_year_total_sek', c.fixed_running + c.cases * c.per_case, "
    "                   'saving_first_year_sek', (SELECT sum(first_year_sek) FROM alone)::bigint "
    "                                            - (c.fixed_first + c.cases * c.per_case), "
    "                   'saving_running_year_sek', (SELECT sum(running_year_sek) FROM alone)::bigint "
    "                                              - (c.fixed_running + c.cases * c.per_case), "
    "                   'models', ("
    "                     SELECT json_agg(json_build_object("
    "                       'model', m.model, "
    "                       'computable', m.lacking IS NULL AND m.total_weight > 0, "
    "                       'note', CASE "
    "                         WHEN m.lacking IS NOT NULL THEN 'The population of ' "
    "                           || array_to_string(m.lacking, ', ') "
    "                           || ' is not recorded, so the fixed costs cannot be split by population.' "
    "                         WHEN m.total_weight = 0 AND m.model = 'per ärende' THEN 'No cases are expected, "
    "so the fixed costs cannot be spread over cases.' "
    "                         WHEN m.total_weight = 0 THEN 'The recorded populations add up to 0, so the fixed "
    "costs cannot be split by population.' "
    "                         WHEN m.model = 'fast årsavgift' THEN 'An agreement of this model states each "
    "municipality''s share. None was given, so the fixed costs are split in equal shares; each municipality "
    "pays for its own cases.' "
    "                         WHEN m.model = 'per ärende' THEN 'The fixed costs are spread over all cases: each "
    "municipality pays for its cases the cost per case plus the fixed costs per case.' "
    "                         WHEN m.model = 'befolkningsandel' THEN 'The fixed costs are split by population; "
    "each municipality pays for its own cases.' "
    "                         ELSE 'The fixed costs are split equally; each municipality pays for its own "
    "cases.' END, "
    "                       'missing_population', to_json(m.lacking), "
    "                       'parts', ("
    "                         SELECT json_agg(json_build_object("
    "                           'municipality', pt.code, "
    "                           'first_year_sek', pt.first_year_sek, "
    "                           'running_year_sek', pt.running_year_sek, "
    "                           'saving_first_year_sek', a.first_year_sek - pt.first_year_sek, "
    "                           'saving_running_year_sek', a.running_year_sek - pt.running_year_sek) "
    "                           ORDER BY pt.seq) "
    "                         FROM parts pt JOIN alone a ON a.seq = pt.seq WHERE pt.model = m.model)) "
    /* compensation_model sorts in its declared order (sql/0008_agreements.sql). */
    "                       ORDER BY m.model) "
    "                     FROM models m)) "
    "                 FROM costs c) END))::text "
    "FROM figures f, day d "
    "WHERE EXISTS (SELECT 1 FROM method)";

const struct db_statement db_cost_estimate_statements[] = {
    { "cost_estimate", cost_estimate_sql },
    { NULL, NULL },
};

/* The fields an unresolved answer may name, as static strings for out->unresolved_field. */
static const char *const reference_fields[] = { "municipalities", "offering", NULL };

/* Moves document into out, or out->unresolved_* when it names a reference to nothing. */
static enum db_status take_document(char *document, struct db_cost_estimate *out)
{
    json_t *parsed = json_loads(document, 0, NULL);
    json_t *unresolved = json_object_get(parsed, "unresolved");
    const char *field = json_string_value(json_object_get(unresolved, "field"));
    const char *value = json_string_value(json_object_get(unresolved, "value"));
    enum db_status status = DB_OK;

    if (parsed == NULL) {
        log_error("the cost estimate is not JSON");
        status = DB_ERROR;
    } else if (unresolved == NULL) {
        out->document = document;
        document = NULL;
    } else {
        status = DB_ERROR;
        for (size_t i = 0; field != NULL && reference_fields[i] != NULL; i++)
            if (strcmp(field, reference_fields[i]) == 0) {
                out->unresolved_field = reference_fields[i];
                snprintf(out->unresolved_value, sizeof(out->unresolved_value), "%s", value ? value : "");
                status = DB_OK;
            }
        if (status != DB_OK)
            log_error("the cost estimate names an unexpected reference");
    }
    json_decref(parsed);
    free(document);
    return status;
}

enum db_status db_cost_estimate(struct db_pool *pool, const struct db_cost_estimate_query *query,
                                struct db_cost_estimate *out)
{
    const char *params[] = { query->method, query->municipalities, query->staff,
                             query->cases, query->offering, query->on };
    char *document = NULL;

    memset(out, 0, sizeof(*out));
    enum db_status status = db_fetch_document(pool, query->read_after, "cost_estimate", 6, params, &document);
    if (status != DB_OK)
        return status;
    return take_document(document, out);
}

void db_cost_estimate_release(struct db_cost_estimate *estimate)
{
    free(estimate->document);
    memset(estimate, 0, sizeof(*estimate));
}
