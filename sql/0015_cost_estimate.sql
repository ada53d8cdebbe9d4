-- 0015_cost_estimate.sql: the arithmetic of GET /v1/methods/{slug}/cost-estimate
-- (run by internal/db/cost_estimate.c; the fields are described in openapi.yaml).
--
-- Parameters of both functions: $1 method slug; $2 municipality codes joined
-- by "," (the first is the performer); then, for cost_estimate, $3 staff per
-- team and $4 cases per municipality per year; $5 offering id or NULL (the
-- median over the method's offerings); $6 day or NULL (today).
--
-- One statement does all the arithmetic, so every figure in an answer comes
-- from one snapshot. Amounts are whole SEK in bigint: 100 staff times a
-- training fee near 2^31 overflows integer.

-- The references that name nothing, in the order they are reported: each
-- municipality code in list order, then the offering (one of the method's
-- offerings valid on the day). No row when the method does not exist.
CREATE FUNCTION cost_estimate_unresolved(text, text, bigint, date)
RETURNS TABLE (field text, value text) LANGUAGE sql STABLE AS $$
    WITH method AS (SELECT id FROM methods WHERE slug = $1),
    day AS (SELECT coalesce($4, current_date) AS on_date),
    asked AS (SELECT a.code, a.seq FROM unnest(string_to_array($2, ',')) WITH ORDINALITY AS a(code, seq))
    SELECT u.field, u.value FROM (
        SELECT 1 AS n, 'municipalities' AS field, a.code AS value, a.seq FROM asked a
        WHERE NOT EXISTS (SELECT 1 FROM municipalities m WHERE m.code = a.code)
        UNION ALL
        SELECT 2, 'offering', $3::text, 0 FROM day
        WHERE $3 IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM offerings o JOIN method ON method.id = o.method_id WHERE o.id = $3
              AND o.valid_from <= day.on_date AND (o.valid_to IS NULL OR o.valid_to >= day.on_date))) AS u
    WHERE EXISTS (SELECT 1 FROM method)
    ORDER BY u.n, u.seq
$$;

-- The estimate, or NULL when the method does not exist or a reference names
-- nothing (cost_estimate_unresolved says which).
--
-- percentile_cont ignores NULLs, so a figure is NULL only when no offering
-- used states it; it then counts as 0 and is listed in missing_figures. With
-- one offering the median is its own figure, so both bases share one path.
--
-- The fixed part of a shared agreement (start-up fee, training of one team at
-- the performer, yearly fee) is split by weight per compensation model: 1
-- each (lika delar, and fast årsavgift without stated shares), cases (per
-- ärende), population (befolkningsandel). Every party but the performer pays
-- its share rounded to whole SEK; the performer pays the rest, so the parts
-- add up exactly to the total. Per-case costs are never split.
--
-- explanation, note and reason carry codes; their words are in openapi.yaml.
CREATE FUNCTION cost_estimate(text, text, integer, integer, bigint, date)
RETURNS json LANGUAGE sql STABLE AS $$
    WITH method AS (SELECT id FROM methods WHERE slug = $1),
    day AS (SELECT coalesce($6, current_date) AS on_date),
    asked AS (SELECT a.code, a.seq FROM unnest(string_to_array($2, ',')) WITH ORDINALITY AS a(code, seq)),
    places AS (
        SELECT a.seq, m.code, m.name, m.population, $4::bigint AS cases
        FROM asked a JOIN municipalities m ON m.code = a.code),
    used AS (
        SELECT o.* FROM offerings o JOIN method ON method.id = o.method_id, day
        WHERE ($5 IS NULL OR o.id = $5)
          AND o.valid_from <= day.on_date AND (o.valid_to IS NULL OR o.valid_to >= day.on_date)),
    -- Through numeric: round() of a double rounds half to even, of a numeric half away from zero.
    figures AS (
        SELECT count(*) AS offerings, min(verified_on) AS oldest, max(verified_on) AS newest,
            round(percentile_cont(0.5) WITHIN GROUP (ORDER BY startup_fee_sek)::numeric)::bigint AS startup_fee_sek,
            round(percentile_cont(0.5) WITHIN GROUP (ORDER BY training_cost_per_participant_sek)::numeric)::bigint
                AS training_cost_per_participant_sek,
            round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cost_per_case_sek)::numeric)::bigint AS cost_per_case_sek,
            round(percentile_cont(0.5) WITHIN GROUP (ORDER BY yearly_fee_sek)::numeric)::bigint AS yearly_fee_sek
        FROM used),
    -- fixed_first: start-up fee, one team's training and the yearly fee; fixed_running: the yearly fee.
    costs AS (
        SELECT coalesce(f.startup_fee_sek, 0) + $3::bigint * coalesce(f.training_cost_per_participant_sek, 0)
                   + coalesce(f.yearly_fee_sek, 0) AS fixed_first,
               coalesce(f.yearly_fee_sek, 0) AS fixed_running, coalesce(f.cost_per_case_sek, 0) AS per_case,
               (SELECT sum(cases) FROM places)::bigint AS cases
        FROM figures f),
    alone AS (
        SELECT p.*, c.fixed_first + p.cases * c.per_case AS first_year_sek,
               c.fixed_running + p.cases * c.per_case AS running_year_sek
        FROM places p, costs c),
    weights AS (
        SELECT model, p.seq, p.code, p.cases,
               (CASE model WHEN 'per ärende' THEN p.cases WHEN 'befolkningsandel' THEN p.population ELSE 1 END)::numeric
                   AS weight
        FROM unnest(enum_range(NULL::compensation_model)) AS model, places p),
    models AS (
        SELECT w.model, sum(w.weight) AS total_weight,
               array_agg(w.code ORDER BY w.seq) FILTER (WHERE w.weight IS NULL) AS lacking
        FROM weights w GROUP BY w.model),
    rounded AS (
        SELECT w.model, w.seq, w.code, w.cases,
               CASE WHEN w.seq > 1 THEN round(c.fixed_first * w.weight / m.total_weight)::bigint END AS first_fixed,
               CASE WHEN w.seq > 1 THEN round(c.fixed_running * w.weight / m.total_weight)::bigint END AS running_fixed
        FROM weights w JOIN models m ON m.model = w.model, costs c
        WHERE m.lacking IS NULL AND m.total_weight > 0),
    parts AS (
        SELECT r.model, r.seq, r.code,
               coalesce(r.first_fixed, c.fixed_first - coalesce(sum(r.first_fixed) OVER by_model, 0))
                   + r.cases * c.per_case AS first_year_sek,
               coalesce(r.running_fixed, c.fixed_running - coalesce(sum(r.running_fixed) OVER by_model, 0))
                   + r.cases * c.per_case AS running_year_sek
        FROM rounded r, costs c
        WINDOW by_model AS (PARTITION BY r.model))
    SELECT json_build_object(
        'method', $1, 'on', d.on_date, 'staff', $3, 'cases_per_municipality', $4,
        'municipalities', (SELECT json_agg(json_build_object('code', p.code, 'name', p.name,
                                'population', p.population,
                                'role', CASE WHEN p.seq = 1 THEN 'utförare' ELSE 'beställare' END) ORDER BY p.seq)
                           FROM places p),
        'basis', CASE WHEN $5 IS NULL THEN 'median' ELSE 'offering' END,
        'offering_id', $5,
        'offerings', f.offerings,
        'figures', CASE WHEN f.offerings > 0 THEN json_build_object(
                       'startup_fee_sek', f.startup_fee_sek,
                       'training_cost_per_participant_sek', f.training_cost_per_participant_sek,
                       'cost_per_case_sek', f.cost_per_case_sek, 'yearly_fee_sek', f.yearly_fee_sek) END,
        'missing_figures', CASE WHEN f.offerings > 0 THEN (
                       SELECT coalesce(json_agg(v.name ORDER BY v.n), '[]'::json)
                       FROM (VALUES (1, 'startup_fee_sek', f.startup_fee_sek),
                                    (2, 'training_cost_per_participant_sek', f.training_cost_per_participant_sek),
                                    (3, 'cost_per_case_sek', f.cost_per_case_sek),
                                    (4, 'yearly_fee_sek', f.yearly_fee_sek)) AS v(n, name, value)
                       WHERE v.value IS NULL) END,
        'based_on', json_build_object('offerings_verified',
                       json_build_object('oldest', f.oldest, 'newest', f.newest)),
        'explanation', CASE WHEN f.offerings = 0 THEN 'no_valid_offering' END,
        'alone', CASE WHEN f.offerings > 0 THEN (
                       SELECT json_build_object(
                           'first_year_total_sek', sum(a.first_year_sek)::bigint,
                           'running_year_total_sek', sum(a.running_year_sek)::bigint,
                           'parts', json_agg(json_build_object('municipality', a.code,
                                        'first_year_sek', a.first_year_sek, 'running_year_sek', a.running_year_sek)
                                    ORDER BY a.seq))
                       FROM alone a) END,
        'shared', CASE WHEN f.offerings > 0 THEN (
                       SELECT json_build_object(
                           'performer', (SELECT code FROM places WHERE seq = 1),
                           'fixed_first_year_sek', c.fixed_first,
                           'fixed_running_year_sek', c.fixed_running,
                           'cases_per_year', c.cases,
                           'first_year_total_sek', c.fixed_first + c.cases * c.per_case,
                           'running_year_total_sek', c.fixed_running + c.cases * c.per_case,
                           'saving_first_year_sek', (SELECT sum(first_year_sek) FROM alone)::bigint
                                                    - (c.fixed_first + c.cases * c.per_case),
                           'saving_running_year_sek', (SELECT sum(running_year_sek) FROM alone)::bigint
                                                      - (c.fixed_running + c.cases * c.per_case),
                           'models', (
                               SELECT json_agg(json_build_object(
                                   'model', m.model,
                                   'computable', m.lacking IS NULL AND m.total_weight > 0,
                                   'note', CASE
                                       WHEN m.lacking IS NOT NULL THEN 'population_missing'
                                       WHEN m.total_weight = 0 AND m.model = 'per ärende' THEN 'no_cases'
                                       WHEN m.total_weight = 0 THEN 'population_zero'
                                       WHEN m.model = 'fast årsavgift' THEN 'equal_shares_none_stated'
                                       WHEN m.model = 'per ärende' THEN 'spread_over_cases'
                                       WHEN m.model = 'befolkningsandel' THEN 'split_by_population'
                                       ELSE 'equal_shares' END,
                                   'missing_population', to_json(m.lacking),
                                   'parts', (
                                       SELECT json_agg(json_build_object(
                                           'municipality', pt.code,
                                           'first_year_sek', pt.first_year_sek,
                                           'running_year_sek', pt.running_year_sek,
                                           'saving_first_year_sek', a.first_year_sek - pt.first_year_sek,
                                           'saving_running_year_sek', a.running_year_sek - pt.running_year_sek)
                                           ORDER BY pt.seq)
                                       FROM parts pt JOIN alone a ON a.seq = pt.seq WHERE pt.model = m.model))
                                   -- compensation_model sorts in its declared order (0008_agreements.sql).
                                   ORDER BY m.model)
                               FROM models m))
                       FROM costs c) END)
    FROM figures f, day d
    WHERE EXISTS (SELECT 1 FROM method)
      AND NOT EXISTS (SELECT 1 FROM cost_estimate_unresolved($1, $2, $5, $6))
$$;
