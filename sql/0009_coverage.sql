-- 0009_coverage.sql: support for the coverage answers (internal/db/coverage.c).

-- One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
-- break, or starts or ends with a space; NULL is the empty field.
CREATE FUNCTION csv_field(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN $1 IS NULL THEN ''
                WHEN $1 ~ '[",\r\n]' OR $1 ~ '^\s' OR $1 ~ '\s$' THEN '"' || replace($1, '"', '""') || '"'
                ELSE $1 END
$$;

-- Agreements a municipality takes part in, by status, for the coverage routes.
CREATE INDEX agreement_scope_type_idx ON agreement_scope (intervention_type_id) WHERE intervention_type_id IS NOT NULL;

-- The best provider routes of a method in a county, in coverage order:
-- status (best first), then lead time; a scan can stop after a few rows.
CREATE INDEX offering_availability_best_idx
    ON offering_availability (method_id, county_code, status, lead_time_weeks NULLS LAST)
    WHERE municipality_code IS NULL;
CREATE INDEX offering_availability_local_idx
    ON offering_availability (municipality_code, method_id) WHERE municipality_code IS NOT NULL;
