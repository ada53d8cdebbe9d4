-- 0018_distances_and_provider_routes.sql: two things the coverage answers computed
-- per request, kept ready (issue 15: uncached guidance at 32 connections):
-- the distance between every two municipalities, and the county-wide
-- provider routes with the offering's cost and days beside the availability.
--
-- Distances. Guidance and partners read the municipalities near one by
-- index instead of computing the great-circle distance to all 289 others and
-- joining the neighbour pairs per request.
--
-- A row is (code, other) for every municipality code and every other
-- municipality with a centroid, made exactly as the per-request join was
-- (sql/0013: distance_km() between the centroids; NULL when code has none):
-- km is the distance a radius is compared with, distance_km the figure the
-- answers show (rounded to 0.1 km, as numeric, as they printed it).
--
-- The table depends on reference data only (municipalities, their centroids
-- and the pairs whose borders meet), written by the admin's reference load,
-- never by the API: each statement that writes one of those tables rebuilds
-- all rows (84,000, a fraction of a second) in its own transaction.

CREATE TABLE municipality_distances (
    code         text NOT NULL,
    other        text NOT NULL,
    neighbour    boolean NOT NULL,
    km           double precision,
    distance_km  numeric,
    PRIMARY KEY (code, other)
);

CREATE VIEW municipality_distance_source AS
    SELECT m.code, c.code AS other, (np.neighbour IS NOT NULL) AS neighbour,
           distance_km(oc.lat, oc.lon, c.lat, c.lon) AS km,
           round(distance_km(oc.lat, oc.lon, c.lat, c.lon)::numeric, 1) AS distance_km
    FROM municipalities m LEFT JOIN municipality_centroids oc ON oc.code = m.code
    JOIN municipality_centroids c ON c.code <> m.code
    JOIN municipalities cm ON cm.code = c.code
    LEFT JOIN municipality_neighbour_pairs np ON np.code = m.code AND np.neighbour = c.code;

-- Statistics for a kept table right after a bulk change, in the same
-- transaction: the answers' plans (an index scan that stops after a few rows)
-- are chosen from them, and autovacuum's own ANALYZE may come a minute later
-- (a load of the example data followed at once by requests: the plan from an
-- empty table's statistics sorted every route of a county). SECURITY DEFINER:
-- ANALYZE is the owner's, and a bulk write may come from the server's role.
CREATE FUNCTION kept_table_analyze(name text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
BEGIN
    IF name IN ('municipality_distances', 'county_provider_routes') THEN
        EXECUTE format('ANALYZE public.%I', name);
    END IF;
END;
$$;

CREATE FUNCTION municipality_distances_rebuild() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM municipality_distances;
    -- In code order, so the rows of one municipality share a few pages.
    INSERT INTO municipality_distances SELECT * FROM municipality_distance_source ORDER BY code, other;
    PERFORM kept_table_analyze('municipality_distances');
    RETURN NULL;
END;
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['municipalities', 'municipality_centroids', 'municipality_neighbours']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION municipality_distances_rebuild()',
                       t || '_distances', t);
    END LOOP;
END;
$$;

INSERT INTO municipality_distances SELECT * FROM municipality_distance_source ORDER BY code, other;
ANALYZE municipality_distances;

-- County-wide provider routes. The best routes of a county and method were an
-- index range of offering_availability joined to offerings for the cost and
-- the days, sorted by cost within each status and lead time: every row of the
-- range was read. Here a row is one county-wide availability (not "ej
-- tillgänglig") with its offering's columns, so one index gives the whole
-- route order and a scan stops at the fifth route valid on the day. The day
-- is applied when read (valid_from/valid_to are in the row), as in sql/0016.
CREATE VIEW county_provider_route_source AS
    SELECT av.id AS availability_id, av.county_code, av.method_id, av.status, av.lead_time_weeks,
           o.cost_per_case_sek, o.id AS offering_id, o.provider_id, o.verified_on, av.updated_at,
           o.valid_from, o.valid_to
    FROM offering_availability av JOIN offerings o ON o.id = av.offering_id
    WHERE av.municipality_code IS NULL AND av.status <> 'ej tillgänglig';

CREATE TABLE county_provider_routes AS SELECT * FROM county_provider_route_source WITH NO DATA;
ALTER TABLE county_provider_routes ADD PRIMARY KEY (availability_id);
-- The order of provider_top in internal/db/coverage_sql.h.
CREATE INDEX county_provider_routes_best_idx ON county_provider_routes
    (method_id, county_code, status, lead_time_weeks NULLS LAST, cost_per_case_sek NULLS LAST, offering_id);
CREATE INDEX county_provider_routes_offering_idx ON county_provider_routes (offering_id);

-- Recomputes the rows of these offerings. The offerings are locked first, in
-- id order (as sql/0016 does, for the same reason): a transaction writing an
-- offering and another writing its availability wait for each other, and the
-- second recomputes from both changes.
CREATE FUNCTION county_provider_routes_refresh(offering_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(offering_ids) > 0 THEN
        PERFORM 1 FROM offerings WHERE id = ANY (offering_ids) ORDER BY id FOR NO KEY UPDATE;
        DELETE FROM county_provider_routes WHERE offering_id = ANY (offering_ids);
        INSERT INTO county_provider_routes SELECT * FROM county_provider_route_source WHERE offering_id = ANY (offering_ids);
        -- A bulk load or import (a single write touches one offering).
        IF cardinality(offering_ids) >= 1000 THEN
            PERFORM kept_table_analyze('county_provider_routes');
        END IF;
    END IF;
END;
$$;

CREATE FUNCTION county_provider_routes_after_availability() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM county_provider_routes_refresh(ARRAY(SELECT DISTINCT offering_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM county_provider_routes_refresh(ARRAY(SELECT offering_id FROM new_rows UNION SELECT offering_id FROM old_rows));
    ELSE
        PERFORM county_provider_routes_refresh(ARRAY(SELECT DISTINCT offering_id FROM old_rows));
    END IF;
    RETURN NULL;
END;
$$;

-- Only the offering columns a row holds (an availability write touches the
-- offering's updated_at, which no row holds). A new offering has no
-- availability yet; a deleted one's availability goes with it (ON DELETE CASCADE).
CREATE FUNCTION county_provider_routes_after_offerings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- EXCEPT both ways (hashed or sorted): a join of the two transition tables,
    -- which have no statistics, was a nested loop (10 s for the 10,000 offerings
    -- an example load touches).
    PERFORM county_provider_routes_refresh(ARRAY(
        SELECT DISTINCT id FROM (
            (SELECT id, cost_per_case_sek, provider_id, verified_on, valid_from, valid_to, method_id FROM new_rows
             EXCEPT SELECT id, cost_per_case_sek, provider_id, verified_on, valid_from, valid_to, method_id FROM old_rows)
            UNION ALL
            (SELECT id, cost_per_case_sek, provider_id, verified_on, valid_from, valid_to, method_id FROM old_rows
             EXCEPT SELECT id, cost_per_case_sek, provider_id, verified_on, valid_from, valid_to, method_id FROM new_rows)
        ) changed));
    RETURN NULL;
END;
$$;

CREATE FUNCTION county_provider_routes_rebuild() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM county_provider_routes;
    INSERT INTO county_provider_routes SELECT * FROM county_provider_route_source;
    PERFORM kept_table_analyze('county_provider_routes');
    RETURN NULL;
END;
$$;

CREATE TRIGGER offering_availability_provider_routes_insert AFTER INSERT ON offering_availability
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION county_provider_routes_after_availability();
CREATE TRIGGER offering_availability_provider_routes_update AFTER UPDATE ON offering_availability
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION county_provider_routes_after_availability();
CREATE TRIGGER offering_availability_provider_routes_delete AFTER DELETE ON offering_availability
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION county_provider_routes_after_availability();
CREATE TRIGGER offerings_provider_routes_update AFTER UPDATE ON offerings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION county_provider_routes_after_offerings();
CREATE TRIGGER offering_availability_provider_routes_truncate AFTER TRUNCATE ON offering_availability
    FOR EACH STATEMENT EXECUTE FUNCTION county_provider_routes_rebuild();
CREATE TRIGGER offerings_provider_routes_truncate AFTER TRUNCATE ON offerings
    FOR EACH STATEMENT EXECUTE FUNCTION county_provider_routes_rebuild();

INSERT INTO county_provider_routes SELECT * FROM county_provider_route_source;
ANALYZE county_provider_routes;
