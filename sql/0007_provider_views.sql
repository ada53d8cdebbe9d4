-- 0007_provider_views.sql: providers, offerings and availability as the API
-- shows them (doc) and as a client writes them (input).

CREATE VIEW provider_docs AS
SELECT p.id, p.updated_at,
       json_build_object(
           'id', p.id,
           'name', p.name,
           'organisation_number', p.organisation_number,
           'kind', p.kind,
           'contact', json_build_object('email', p.email, 'phone', p.phone, 'website', p.website),
           'home_county', json_build_object('code', c.code, 'name', c.name),
           'municipality', CASE WHEN m.code IS NOT NULL THEN json_build_object('code', m.code, 'name', m.name) END,
           'description', p.description,
           'example', p.example,
           'updated_at', p.updated_at) AS doc
FROM providers p
JOIN counties c ON c.code = p.home_county_code
LEFT JOIN municipalities m ON m.code = p.municipality_code;

CREATE VIEW provider_inputs AS
SELECT p.id, jsonb_build_object(
    'name', p.name, 'organisation_number', p.organisation_number, 'kind', p.kind, 'email', p.email,
    'phone', p.phone, 'website', p.website, 'home_county', p.home_county_code,
    'municipality', p.municipality_code, 'description', p.description, 'example', p.example) AS input
FROM providers p;

CREATE VIEW availability_docs AS
SELECT a.id, a.offering_id, a.updated_at,
       json_build_object(
           'id', a.id,
           'offering_id', a.offering_id,
           'county', a.county_code,
           'municipality', a.municipality_code,
           'status', a.status,
           'capacity_cases_per_year', a.capacity_cases_per_year,
           'lead_time_weeks', a.lead_time_weeks,
           'example', a.example,
           'updated_at', a.updated_at) AS doc
FROM offering_availability a;

CREATE VIEW availability_inputs AS
SELECT a.id, jsonb_build_object(
    'offering_id', a.offering_id, 'county', a.county_code, 'municipality', a.municipality_code,
    'status', a.status, 'capacity_cases_per_year', a.capacity_cases_per_year,
    'lead_time_weeks', a.lead_time_weeks, 'example', a.example) AS input
FROM offering_availability a;

CREATE VIEW offering_docs AS
SELECT o.id, o.provider_id, o.method_id, o.updated_at,
       json_build_object(
           'id', o.id,
           'provider', json_build_object('id', p.id, 'name', p.name, 'kind', p.kind, 'example', p.example),
           'method', json_build_object('slug', m.slug, 'abbreviation', m.abbreviation, 'name_sv', m.name_sv),
           'costs', json_build_object(
               'startup_fee_sek', o.startup_fee_sek,
               'training_cost_per_participant_sek', o.training_cost_per_participant_sek,
               'cost_per_case_sek', o.cost_per_case_sek,
               'yearly_fee_sek', o.yearly_fee_sek),
           'training', json_build_object(
               'days', o.training_days,
               'for', to_json(o.training_for),
               'certification_required', o.certification_required),
           'delivery', o.delivery,
           'languages', to_json(o.languages),
           'valid_from', o.valid_from,
           'valid_to', o.valid_to,
           'verified_on', o.verified_on,
           'availability', (SELECT coalesce(json_agg(a.doc ORDER BY a.doc->>'county', a.doc->>'municipality' NULLS FIRST),
                                            '[]'::json)
                            FROM availability_docs a WHERE a.offering_id = o.id),
           'example', o.example,
           'updated_at', o.updated_at) AS doc
FROM offerings o
JOIN providers p ON p.id = o.provider_id
JOIN methods m ON m.id = o.method_id;

CREATE VIEW offering_inputs AS
SELECT o.id, jsonb_build_object(
    'provider_id', o.provider_id, 'method', m.slug, 'startup_fee_sek', o.startup_fee_sek,
    'training_cost_per_participant_sek', o.training_cost_per_participant_sek,
    'cost_per_case_sek', o.cost_per_case_sek, 'yearly_fee_sek', o.yearly_fee_sek,
    'training_days', o.training_days,
    -- No roles is stored as '{}' but written by leaving the field out, so a
    -- PATCH that merges into this input passes validation unchanged.
    'training_for', CASE WHEN cardinality(o.training_for) > 0 THEN to_jsonb(o.training_for) END,
    'certification_required', o.certification_required, 'delivery', o.delivery,
    'languages', to_jsonb(o.languages), 'valid_from', o.valid_from, 'valid_to', o.valid_to,
    'verified_on', o.verified_on, 'example', o.example) AS input
FROM offerings o
JOIN methods m ON m.id = o.method_id;
