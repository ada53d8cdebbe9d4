-- 0019_kept_guidance_routes.sql: each municipality's coverage and nearest
-- partners per recommended intervention type, kept ready for the current day,
-- so GET /v1/guidance with a municipality reads a few rows instead of ranking
-- every route near it (issue 15: uncached guidance p99 at 32 connections).
--
-- What is kept, for the day in kept_routes_state and the 2021 knowledge
-- support (the one the guidance answers about):
--   kept_best_routes  a municipality's coverage of a type: whether it is
--                     covered, and its best route as the guidance prints it;
--   kept_partners     the three nearest municipalities (bordering or within
--                     100 km) that perform the type themselves, as printed.
-- The rows are computed by the server from the same SQL text as the answer
-- it replaces (internal/db/kept_routes.c, from internal/db/coverage_sql.h),
-- so there is one definition of the ranking, not a copy here.
--
-- The rows are used only when nothing they rest on has changed since: the
-- guidance falls back to its full query when kept_routes_state.day is not
-- the day asked about, or kept_routes_dirty has any row. Triggers here mark a
-- municipality dirty when anything its rows rest on changes, in the writing
-- transaction; the server recomputes the dirty municipalities (and the
-- partners of those near them) before the same transaction commits, and a
-- background tick catches writes made outside the API and the change of day.
-- Nothing can leave a wrong row in use: a row is either recomputed in the
-- transaction that changed its inputs, or its municipality stays dirty and
-- the full query answers.
--
-- Marks: a municipality and an intervention type, or '*' for everything (a
-- change of the recommendations, a method's slug or type, municipalities,
-- distances).

CREATE TABLE kept_routes_state (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- The day the rows are for; NULL: none (the next refresh computes all).
    day        date
);
INSERT INTO kept_routes_state (day) VALUES (NULL);

-- No key: two transactions marking the same code must not wait for each other.
CREATE TABLE kept_routes_dirty (
    code      text NOT NULL,
    -- The intervention type whose rows of the municipality are to recompute;
    -- NULL with '*' (all of them).
    type_id   bigint,
    -- Its routes changed, so also the partners of those near it; false: only
    -- its coverage (a county's provider routes are nobody's partner route).
    partners  boolean NOT NULL DEFAULT true
);

CREATE TABLE kept_best_routes (
    code        text NOT NULL,
    type_id     bigint NOT NULL,
    covered     boolean NOT NULL,
    best_route  json,
    PRIMARY KEY (code, type_id)
);

CREATE TABLE kept_partners (
    code      text NOT NULL,
    type_id   bigint NOT NULL,
    partners  json NOT NULL,
    PRIMARY KEY (code, type_id)
);

-- A provider's new name reaches the county rows that name it by index.
CREATE INDEX county_provider_routes_provider_idx ON county_provider_routes (provider_id);
-- The municipalities near one in the guidance's order, for its partners (the
-- guidance's radius, 100 km, is in the predicate so its query can use it):
-- 50 index entries instead of 289 rows, and no sort.
CREATE INDEX municipality_distances_near_idx ON municipality_distances (code, neighbour DESC, distance_km, other)
    WHERE neighbour OR km <= 100;

-- Each trigger marks (municipality, type) pairs, so a change of one
-- method's offering recomputes that type's rows only.

-- A municipality's own delivery and its agreements (sql/0016).
CREATE FUNCTION kept_routes_after_municipality_routes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO kept_routes_dirty (code, type_id, partners) SELECT DISTINCT code, type_id, true FROM new_rows;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO kept_routes_dirty (code, type_id, partners) SELECT DISTINCT code, type_id, true FROM old_rows;
    END IF;
    RETURN NULL;
END;
$$;

-- County-wide provider routes (sql/0018): every municipality of the county,
-- for the type of the route's method (a bulk load: the counties and methods
-- first, then their municipalities).
CREATE FUNCTION kept_routes_after_county_provider_routes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO kept_routes_dirty (code, type_id, partners)
        SELECT DISTINCT m.code, me.intervention_type_id, false
        FROM (SELECT DISTINCT county_code, method_id FROM new_rows) c
        JOIN methods me ON me.id = c.method_id JOIN municipalities m ON m.county_code = c.county_code;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO kept_routes_dirty (code, type_id, partners)
        SELECT DISTINCT m.code, me.intervention_type_id, false
        FROM (SELECT DISTINCT county_code, method_id FROM old_rows) c
        JOIN methods me ON me.id = c.method_id JOIN municipalities m ON m.county_code = c.county_code;
    END IF;
    RETURN NULL;
END;
$$;

-- Availability in one municipality only (read from the tables, not kept).
CREATE FUNCTION kept_routes_after_availability() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO kept_routes_dirty (code, type_id, partners)
        SELECT DISTINCT n.municipality_code, me.intervention_type_id, false
        FROM new_rows n JOIN methods me ON me.id = n.method_id WHERE n.municipality_code IS NOT NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO kept_routes_dirty (code, type_id, partners)
        SELECT DISTINCT o.municipality_code, me.intervention_type_id, false
        FROM old_rows o JOIN methods me ON me.id = o.method_id WHERE o.municipality_code IS NOT NULL;
    END IF;
    RETURN NULL;
END;
$$;

-- An offering's cost and days, for its availability in one municipality (its
-- own delivery and county rows are marked through the kept tables above).
CREATE FUNCTION kept_routes_after_offerings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kept_routes_dirty (code, type_id, partners)
    SELECT DISTINCT av.municipality_code, me.intervention_type_id, false
    FROM offering_availability av JOIN methods me ON me.id = av.method_id
    WHERE av.offering_id IN (SELECT id FROM new_rows) AND av.municipality_code IS NOT NULL;
    RETURN NULL;
END;
$$;

-- A provider's name is printed in every route through it. Own delivery is a
-- partner's route; the others are only coverage.
CREATE FUNCTION kept_routes_after_providers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kept_routes_dirty (code, type_id, partners)
    SELECT DISTINCT code, type_id, true FROM municipality_routes WHERE provider_id IN (SELECT id FROM new_rows)
    UNION
    SELECT m.code, me.intervention_type_id, false
    FROM (SELECT DISTINCT county_code, method_id FROM county_provider_routes
          WHERE provider_id IN (SELECT id FROM new_rows)) c
    JOIN methods me ON me.id = c.method_id JOIN municipalities m ON m.county_code = c.county_code
    UNION
    SELECT av.municipality_code, me.intervention_type_id, false
    FROM offering_availability av JOIN offerings o ON o.id = av.offering_id JOIN methods me ON me.id = av.method_id
    WHERE o.provider_id IN (SELECT id FROM new_rows) AND av.municipality_code IS NOT NULL;
    RETURN NULL;
END;
$$;

CREATE FUNCTION kept_routes_after_catalogue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kept_routes_dirty (code) VALUES ('*');
    RETURN NULL;
END;
$$;

-- A method's slug is printed in its routes, and its type decides whose rows
-- they are; its other columns (names, texts, training) are not in the rows,
-- and a method is edited far more often than it moves.
CREATE FUNCTION kept_routes_after_methods() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
               WHERE n.slug IS DISTINCT FROM o.slug OR n.intervention_type_id IS DISTINCT FROM o.intervention_type_id) THEN
        INSERT INTO kept_routes_dirty (code) VALUES ('*');
    END IF;
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t text;
    f text;
BEGIN
    FOREACH t IN ARRAY ARRAY['municipality_routes', 'county_provider_routes', 'offering_availability']
    LOOP
        f := CASE t WHEN 'municipality_routes' THEN 'kept_routes_after_municipality_routes'
                    WHEN 'county_provider_routes' THEN 'kept_routes_after_county_provider_routes'
                    ELSE 'kept_routes_after_availability' END;
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_kept_insert', t, f);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_kept_update', t, f);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_kept_delete', t, f);
    END LOOP;
    EXECUTE 'CREATE TRIGGER offerings_kept_update AFTER UPDATE ON offerings REFERENCING NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION kept_routes_after_offerings()';
    EXECUTE 'CREATE TRIGGER methods_kept_update AFTER UPDATE ON methods '
            'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION kept_routes_after_methods()';
    EXECUTE 'CREATE TRIGGER providers_kept_update AFTER UPDATE ON providers REFERENCING NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION kept_routes_after_providers()';
    -- Everything, for a change of which types are recommended, of a
    -- municipality (its name and county are printed) or of the distances.
    -- A type's own columns are not in the rows: its id is.
    FOREACH t IN ARRAY ARRAY['recommendations', 'knowledge_supports', 'municipalities', 'municipality_distances']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION kept_routes_after_catalogue()', t || '_kept', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['municipality_routes', 'county_provider_routes', 'offering_availability', 'offerings',
                             'providers', 'methods']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION kept_routes_after_catalogue()', t || '_kept_truncate', t);
    END LOOP;
END;
$$;

-- The first refresh (the admin's setup, or the server's tick) computes all.
INSERT INTO kept_routes_dirty (code) VALUES ('*');
