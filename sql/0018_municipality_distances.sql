-- 0018_municipality_distances.sql: the distance between every two
-- municipalities, and whether their borders meet, kept ready (issue 15:
-- uncached guidance at 32 connections). Guidance and partners read the
-- municipalities near one by index instead of computing the great-circle
-- distance to all 289 others and joining the neighbour pairs per request.
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

CREATE FUNCTION municipality_distances_rebuild() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM municipality_distances;
    INSERT INTO municipality_distances SELECT * FROM municipality_distance_source;
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

INSERT INTO municipality_distances SELECT * FROM municipality_distance_source;
ANALYZE municipality_distances;
