-- 0003_views.sql: the JSON documents the read API serves, built by PostgreSQL.
--
-- Each *_docs view has the columns a list filters and sorts on, and `doc`,
-- the record as the API shows it (json, not jsonb, so keys keep the order
-- written here). The C code passes documents through without parsing them.

-- One page of a keyset-paginated list. docs and keys hold up to page_limit + 1
-- rows in list order; the extra row only tells that a next page exists, and
-- the last key shown becomes the cursor for it.
CREATE FUNCTION page_body(docs json[], keys text[], page_limit integer, next_prefix text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object(
        'items', coalesce(to_json(docs[1:page_limit]), '[]'::json),
        'limit', page_limit,
        'next_cursor', CASE WHEN cardinality(docs) > page_limit THEN keys[page_limit] END,
        'next', CASE WHEN cardinality(docs) > page_limit THEN next_prefix || keys[page_limit] END)::text
$$;

-- Newest survey figure for a method, type or instrument, as embedded in its document.
CREATE VIEW survey_figures AS
SELECT r.method_id, r.intervention_type_id, r.assessment_instrument_id,
       json_build_object(
           'percent_of_municipalities', r.percent_of_municipalities,
           'subject', r.subject,
           'note', r.note,
           'survey', s.slug,
           'period', s.period,
           'source', s.source) AS doc,
       row_number() OVER (PARTITION BY r.method_id, r.intervention_type_id, r.assessment_instrument_id
                          ORDER BY s.published_year DESC, s.id DESC) AS newest
FROM survey_results r
JOIN surveys s ON s.id = r.survey_id;

CREATE VIEW intervention_type_docs AS
SELECT t.id, t.slug, t.updated_at,
       json_build_object(
           'slug', t.slug,
           'name_sv', t.name_sv,
           'name_en', t.name_en,
           'description', t.description,
           'methods', (SELECT coalesce(json_agg(m.slug ORDER BY m.slug), '[]'::json)
                       FROM methods m WHERE m.intervention_type_id = t.id),
           'pilot_survey', (SELECT f.doc FROM survey_figures f
                            WHERE f.intervention_type_id = t.id AND f.newest = 1),
           'updated_at', t.updated_at) AS doc
FROM intervention_types t;

CREATE VIEW method_docs AS
SELECT m.id, m.slug, t.slug AS intervention_type_slug, m.age_min, m.age_max,
       m.availability = 'tillgänglig' AS available_in_sweden, m.updated_at,
       json_build_object(
           'slug', m.slug,
           'abbreviation', m.abbreviation,
           'name_sv', m.name_sv,
           'name_en', m.name_en,
           'intervention_type', json_build_object('slug', t.slug, 'name_sv', t.name_sv, 'name_en', t.name_en),
           'age_min', m.age_min,
           'age_max', m.age_max,
           'format', m.format,
           'typical_duration', m.typical_duration,
           'purveyor', m.purveyor,
           'availability', m.availability,
           'available_in_sweden', m.availability = 'tillgänglig',
           'availability_note', m.availability_note,
           'swedish_presenter_2023', m.swedish_presenter_2023,
           'description', m.description,
           'pilot_survey', (SELECT f.doc FROM survey_figures f WHERE f.method_id = m.id AND f.newest = 1),
           'updated_at', m.updated_at) AS doc
FROM methods m
JOIN intervention_types t ON t.id = m.intervention_type_id;

CREATE VIEW recommendation_docs AS
SELECT r.id, r.slug, r.knowledge_support_id, r.rank, r.updated_at,
       json_build_object(
           'slug', r.slug,
           'knowledge_support', k.slug,
           'intervention_type', json_build_object('slug', t.slug, 'name_sv', t.name_sv),
           'target_group', r.target_group,
           'age_min', r.age_min,
           'age_max', r.age_max,
           'strength', r.strength,
           -- "bör inte": a frontend shows these as a warning, never as an offer.
           'advised_against', r.strength = 'bör inte',
           'statement', r.statement,
           'example_methods', (SELECT coalesce(json_agg(m.slug ORDER BY m.slug), '[]'::json)
                               FROM methods m WHERE m.intervention_type_id = t.id),
           'updated_at', r.updated_at) AS doc
FROM recommendations r
JOIN knowledge_supports k ON k.id = r.knowledge_support_id
JOIN intervention_types t ON t.id = r.intervention_type_id;

CREATE VIEW knowledge_support_docs AS
SELECT k.id, k.slug, k.updated_at,
       json_build_object(
           'slug', k.slug,
           'title', k.title,
           'publisher', k.publisher,
           'published_year', k.published_year,
           'target_group', k.target_group,
           'age_min', k.age_min,
           'age_max', k.age_max,
           'model', k.model,
           'description', k.description,
           'url', k.url,
           'recommendations', (SELECT coalesce(json_agg(r.doc ORDER BY r.rank, r.slug), '[]'::json)
                               FROM recommendation_docs r WHERE r.knowledge_support_id = k.id),
           'updated_at', k.updated_at) AS doc
FROM knowledge_supports k;

CREATE VIEW assessment_instrument_docs AS
SELECT a.id, a.slug, a.age_min, a.age_max, a.updated_at,
       json_build_object(
           'slug', a.slug,
           'abbreviation', a.abbreviation,
           'name', a.name,
           'other_names', to_json(a.other_names),
           'assesses', a.assesses,
           'age_min', a.age_min,
           'age_max', a.age_max,
           'publisher', a.publisher,
           'description', a.description,
           'pilot_survey', (SELECT f.doc FROM survey_figures f
                            WHERE f.assessment_instrument_id = a.id AND f.newest = 1),
           'updated_at', a.updated_at) AS doc
FROM assessment_instruments a;

CREATE VIEW material_docs AS
SELECT mt.id, mt.slug, mt.kinds, mt.updated_at,
       json_build_object(
           'slug', mt.slug,
           'title', mt.title,
           'kinds', to_json(mt.kinds),
           'audience', mt.audience,
           'publisher', mt.publisher,
           'knowledge_support', k.slug,
           'description', mt.description,
           'url', mt.url,
           'updated_at', mt.updated_at) AS doc
FROM materials mt
LEFT JOIN knowledge_supports k ON k.id = mt.knowledge_support_id;

CREATE VIEW survey_docs AS
SELECT s.id, s.slug, s.updated_at,
       json_build_object(
           'slug', s.slug,
           'title', s.title,
           'period', s.period,
           'published_year', s.published_year,
           'source', s.source,
           'municipalities', s.municipalities,
           'city_districts', s.city_districts,
           'counties', s.counties,
           'description', s.description,
           'results', (SELECT coalesce(json_agg(json_build_object(
                                 'subject', r.subject,
                                 'percent_of_municipalities', r.percent_of_municipalities,
                                 'method', m.slug,
                                 'intervention_type', t.slug,
                                 'assessment_instrument', a.slug,
                                 'note', r.note)
                             ORDER BY r.percent_of_municipalities DESC, r.subject), '[]'::json)
                       FROM survey_results r
                       LEFT JOIN methods m ON m.id = r.method_id
                       LEFT JOIN intervention_types t ON t.id = r.intervention_type_id
                       LEFT JOIN assessment_instruments a ON a.id = r.assessment_instrument_id
                       WHERE r.survey_id = s.id),
           'updated_at', s.updated_at) AS doc
FROM surveys s;

CREATE VIEW county_docs AS
SELECT c.code, c.updated_at,
       json_build_object(
           'code', c.code,
           'name', c.name,
           'municipality_count', (SELECT count(*) FROM municipalities m WHERE m.county_code = c.code),
           'updated_at', c.updated_at) AS doc
FROM counties c;

CREATE VIEW municipality_docs AS
SELECT m.code, m.county_code, m.updated_at,
       json_build_object(
           'code', m.code,
           'name', m.name,
           'county', json_build_object('code', c.code, 'name', c.name),
           'population', m.population,
           'population_year', m.population_year,
           'updated_at', m.updated_at) AS doc
FROM municipalities m
JOIN counties c ON c.code = m.county_code;

-- Turns free text into a prefix query: every word of the text, stemmed by
-- the Swedish dictionary, must begin a word of the document, so "familj"
-- finds "familjebehandling" and "familjebehandlingar" finds it too.
-- Only plain alphanumeric lexemes are kept, so no input can break the syntax.
CREATE FUNCTION swedish_prefix_query(text) RETURNS tsquery LANGUAGE sql IMMUTABLE AS $$
    SELECT to_tsquery('simple', string_agg(quote_literal(lexeme) || ':*', ' & '))
    FROM unnest(to_tsvector('swedish', $1))
    WHERE lexeme ~ '^[[:alnum:]]+$'
$$;

CREATE VIEW search_documents AS
-- "KOMET – kommunikationsmetod" already starts with its abbreviation: do not repeat it.
SELECT 'method' AS kind, slug,
       CASE WHEN starts_with(name_sv, abbreviation) THEN name_sv ELSE abbreviation || ' – ' || name_sv END AS title,
       description AS summary,
       '/v1/methods/' || slug AS href, search FROM methods
UNION ALL
SELECT 'intervention_type', slug, name_sv, description, '/v1/intervention-types/' || slug, search
FROM intervention_types
UNION ALL
SELECT 'assessment_instrument', slug, abbreviation || ' – ' || name, description,
       '/v1/assessment-instruments/' || slug, search FROM assessment_instruments
UNION ALL
SELECT 'material', slug, title, description, '/v1/materials/' || slug, search FROM materials;
