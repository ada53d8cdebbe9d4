-- 0017_search_stop_words.sql: a search finds a record by its abbreviation when
-- every word of the query is a Swedish stop word (run by the "search"
-- statement in internal/db/catalogue.c).
--
-- The Swedish text search configuration drops stop words from documents and
-- queries alike, so "dina" ("your"), the abbreviation of the method Dina,
-- found nothing. A query made only of such words now matches them, exactly,
-- against the abbreviations of methods and assessment instruments, read with
-- the 'simple' configuration, which drops nothing. A query with any other
-- word is matched and ranked as before.

-- The words of a query that the Swedish configuration drops, as a 'simple'
-- tsquery that matches each exactly; NULL when there are none.
CREATE FUNCTION search_stop_word_query(text) RETURNS tsquery LANGUAGE sql IMMUTABLE AS $$
    SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' & '))
    FROM unnest(to_tsvector('simple', $1))
    WHERE lexeme ~ '^[[:alnum:]]+$' AND to_tsvector('swedish', lexeme) = ''::tsvector
$$;

-- As in 0003_views.sql, with "names": the abbreviation as 'simple' lexemes
-- (NULL for records without one).
CREATE OR REPLACE VIEW search_documents AS
-- "KOMET – kommunikationsmetod" already starts with its abbreviation: do not repeat it.
SELECT 'method' AS kind, slug,
       CASE WHEN starts_with(name_sv, abbreviation) THEN name_sv ELSE abbreviation || ' – ' || name_sv END AS title,
       description AS summary,
       '/v1/methods/' || slug AS href, search,
       setweight(to_tsvector('simple', abbreviation), 'A') AS names FROM methods
UNION ALL
SELECT 'intervention_type', slug, name_sv, description, '/v1/intervention-types/' || slug, search, NULL::tsvector
FROM intervention_types
UNION ALL
SELECT 'assessment_instrument', slug, abbreviation || ' – ' || name, description,
       '/v1/assessment-instruments/' || slug, search, setweight(to_tsvector('simple', abbreviation), 'A')
FROM assessment_instruments
UNION ALL
SELECT 'material', slug, title, description, '/v1/materials/' || slug, search, NULL::tsvector FROM materials;
