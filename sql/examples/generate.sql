-- sql/examples/generate.sql: GENERATED, FICTITIOUS example providers.
--
-- Nothing here is real. Our sources hold no figures about who delivers the
-- methods, at what cost or where, so this file makes up a clearly fictitious
-- data set to develop, demonstrate and load-test the provider endpoints with:
-- every name says "Exempel..." and "(fiktiv)", every e-mail address and web
-- site is under example.org (reserved for examples, RFC 2606), every telephone
-- number is in 070-174 06 05..99 (reserved by PTS for fiction), and every
-- description says, in Swedish, that the row is invented. Every row has
-- example = true, so it can be filtered out, told apart and removed.
--
-- Organisation numbers are '99', then the row number as seven digits, then a
-- Luhn check digit: they pass is_organisation_number(), and none can belong to
-- a real organisation (a real one has 2 or more as its third digit, so that it
-- cannot be mistaken for a personal identity number; this one's is 0).
--
-- Not a migration: the migrator only reads sql/NNNN_*.sql, never this folder.
-- `insatskatalog-admin load-examples [small|bench]` runs this file (which only
-- defines functions) and then SELECT * FROM load_example_data(P, O), both in
-- one transaction. By hand, on a database migrated with sql/000*.sql and with
-- the reference data loaded (insatskatalog-admin setup):
--
--     \i sql/examples/generate.sql
--     SELECT * FROM load_example_data(40, 150);      -- the "small" set
--     SELECT * FROM load_example_data(2000, 10000);  -- the "bench" set
--     SELECT * FROM load_example_data(0, 0);         -- remove the examples
--
-- Each call first deletes every row with example = true from
-- offering_availability, offerings and providers (in that order) and never
-- touches a row with example = false. Then it inserts provider_count
-- providers, offering_count offerings (spread evenly over the providers, each
-- of a provider's offerings for a different method, so offering_count may be
-- at most provider_count times the number of methods) and, for every offering,
-- one availability row per county plus, for a municipality's own provider, a
-- row for that municipality. Same counts, same data: every value is derived
-- from an md5 of the row's key (never random()), and all inserts are
-- set-based, so 2,000 providers / 10,000 offerings / ~214,000 availability
-- rows take seconds.

-- A deterministic number in 0 .. modulus-1 for a key and a salt: the first 48
-- bits of md5(salt:key). md5 is stable across PostgreSQL versions (hashtext
-- is not guaranteed to be). Inlined by the planner: plain SQL, IMMUTABLE.
CREATE OR REPLACE FUNCTION example_data_pick(key text, salt text, modulus integer)
RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (('x' || substr(md5(salt || ':' || key), 1, 12))::bit(48)::bigint % modulus)::integer
$$;

-- The result type may change between versions of this file; CREATE OR REPLACE
-- cannot change it, so the old definition goes first.
DROP FUNCTION IF EXISTS load_example_data(integer, integer, boolean);

-- agreement_ready is accepted for the caller's interface and has no effect yet:
-- the schema holds nothing about agreements for it to set.
CREATE OR REPLACE FUNCTION load_example_data(provider_count integer, offering_count integer,
                                             agreement_ready boolean DEFAULT false)
RETURNS TABLE (providers_loaded integer, offerings_loaded integer, availability_loaded integer,
               example_rows_removed integer)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_method_count  integer;
    v_county_count  integer;
    v_removed       integer := 0;
    v_rows          integer;
    v_base          integer;   -- offerings every provider has
    v_extra         integer;   -- providers 1 .. v_extra have one more
BEGIN
    IF provider_count IS NULL OR offering_count IS NULL OR provider_count < 0 OR offering_count < 0 THEN
        RAISE EXCEPTION 'load_example_data: counts must be 0 or more';
    END IF;
    -- Seven digits of row number in the organisation number, third digit 0.
    IF provider_count > 999999 THEN
        RAISE EXCEPTION 'load_example_data: at most 999999 example providers';
    END IF;
    SELECT count(*) INTO v_method_count FROM methods;
    SELECT count(*) INTO v_county_count FROM counties;
    IF offering_count > provider_count::bigint * v_method_count THEN
        RAISE EXCEPTION 'load_example_data: % offerings need more than % providers (% methods each at most)',
            offering_count, provider_count, v_method_count;
    END IF;
    IF provider_count > 0 AND (v_county_count = 0 OR NOT EXISTS (SELECT 1 FROM municipalities)) THEN
        RAISE EXCEPTION 'load_example_data: no counties or municipalities; load the reference data first '
                        '(insatskatalog-admin setup)';
    END IF;

    -- Removing the previous examples must not take real rows with it: the
    -- cascade from offerings would delete real availability rows, and a real
    -- offering would block the deletion of its example provider.
    IF EXISTS (SELECT 1 FROM offering_availability a JOIN offerings o ON o.id = a.offering_id
               WHERE o.example AND NOT a.example) THEN
        RAISE EXCEPTION 'load_example_data: real (example = false) availability rows belong to example '
                        'offerings; nothing was changed';
    END IF;
    IF EXISTS (SELECT 1 FROM offerings o JOIN providers p ON p.id = o.provider_id
               WHERE p.example AND NOT o.example) THEN
        RAISE EXCEPTION 'load_example_data: real (example = false) offerings belong to example providers; '
                        'nothing was changed';
    END IF;
    DELETE FROM offering_availability WHERE example;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    v_removed := v_removed + v_rows;
    DELETE FROM offerings WHERE example;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    v_removed := v_removed + v_rows;
    DELETE FROM providers WHERE example;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    v_removed := v_removed + v_rows;

    -- Providers. n is the row number; k its zero-padded text, the key of
    -- every hash. Kinds: 35 % kommun, 28 % privat, 14 % idéburen,
    -- 11 % region, 7 % universitet, 5 % statlig.
    INSERT INTO providers (name, organisation_number, kind, email, phone, website, home_county_code,
                           municipality_code, description, example)
    SELECT
        CASE g.kind
            WHEN 'kommun' THEN 'Exempelkommunens familjebehandling ' || g.k || ' (fiktiv)'
            WHEN 'privat' THEN 'Exempelutförare ' || g.k || ' AB (fiktiv)'
            WHEN 'idéburen' THEN 'Exempelföreningen för barn och familj ' || g.k || ' (fiktiv)'
            WHEN 'region' THEN 'Exempelregionens barn- och ungdomspsykiatri ' || g.k || ' (fiktiv)'
            WHEN 'universitet' THEN 'Exempeluniversitetets behandlingsenhet ' || g.k || ' (fiktiv)'
            ELSE 'Exempelmyndigheten ' || g.k || ' (fiktiv)'
        END,
        g.orgnr9 || luhn_check_digit(g.orgnr9)::text,
        g.kind,
        'kontakt' || g.k || '@exempel.example.org',
        CASE WHEN example_data_pick(g.k, 'phone?', 10) < 8
             THEN '070-174 06 ' || lpad((5 + example_data_pick(g.k, 'phone', 95))::text, 2, '0') END,
        'https://exempel.example.org/utforare/' || g.k,
        coalesce(g.muni_county, (SELECT c.code FROM counties c ORDER BY c.code
                                 OFFSET example_data_pick(g.k, 'county', v_county_count) LIMIT 1)),
        g.muni_code,
        'Fiktiv exempelutförare, genererad för utveckling och test. Inte en verklig utförare: namn, '
        'organisationsnummer, kontaktuppgifter, priser och tillgänglighet är påhittade, inte verkliga uppgifter.',
        true
    FROM (
        SELECT s.n, s.k, s.kind, '99' || lpad(s.n::text, 7, '0') AS orgnr9,
               m.code AS muni_code, m.county_code AS muni_county
        FROM (
            SELECT n, k,
                   (CASE WHEN b < 35 THEN 'kommun' WHEN b < 63 THEN 'privat' WHEN b < 77 THEN 'idéburen'
                         WHEN b < 88 THEN 'region' WHEN b < 95 THEN 'universitet'
                         ELSE 'statlig' END)::provider_kind AS kind
            FROM (SELECT n, lpad(n::text, greatest(4, length(n::text)), '0') AS k
                  FROM generate_series(1, provider_count) AS n) AS r,
                 LATERAL (SELECT example_data_pick(r.k, 'kind', 100) AS b) AS bucket
        ) AS s
        -- A kommun provider belongs to a real municipality (and its county).
        LEFT JOIN LATERAL (
            SELECT mu.code, mu.county_code FROM municipalities mu
            WHERE s.kind = 'kommun'
            ORDER BY mu.code
            OFFSET example_data_pick(s.k, 'municipality', (SELECT count(*)::integer FROM municipalities))
            LIMIT 1
        ) AS m ON true
    ) AS g
    ORDER BY g.n;
    GET DIAGNOSTICS providers_loaded = ROW_COUNT;

    -- Offerings: provider n gets v_base (+1 for the first v_extra) offerings,
    -- for the methods that come first in its own hash order of the methods.
    IF provider_count > 0 THEN
        v_base := offering_count / provider_count;
        v_extra := offering_count % provider_count;
    END IF;
    INSERT INTO offerings (provider_id, method_id, startup_fee_sek, training_cost_per_participant_sek,
                           cost_per_case_sek, yearly_fee_sek, training_days, training_for,
                           certification_required, delivery, languages, valid_from, valid_to, verified_on,
                           example)
    SELECT
        x.provider_id,
        x.method_id,
        CASE WHEN example_data_pick(x.k, 'startup?', 10) > 0 THEN example_data_pick(x.k, 'startup', 61) * 5000 END,
        CASE WHEN example_data_pick(x.k, 'training?', 10) > 0
             THEN 5000 + example_data_pick(x.k, 'training', 111) * 500 END,
        CASE WHEN example_data_pick(x.k, 'case?', 10) > 1 THEN 20000 + example_data_pick(x.k, 'case', 461) * 500 END,
        CASE WHEN example_data_pick(x.k, 'yearly?', 10) > 2 THEN example_data_pick(x.k, 'yearly', 151) * 1000 END,
        (2 + example_data_pick(x.k, 'days', 39)) / 2.0,
        CASE example_data_pick(x.k, 'trainees', 6)
            WHEN 0 THEN '{behandlare}' WHEN 1 THEN '{behandlare}' WHEN 2 THEN '{handledare}'
            WHEN 3 THEN '{}' ELSE '{behandlare,handledare}' END::trainee_role[],
        example_data_pick(x.k, 'certification', 10) < 6,
        (ARRAY['på plats', 'på plats', 'på plats', 'båda', 'båda', 'digitalt']::delivery_mode[])
            [1 + example_data_pick(x.k, 'delivery', 6)],
        ARRAY['svenska']
            || CASE WHEN example_data_pick(x.k, 'english', 10) < 4 THEN ARRAY['engelska'] ELSE '{}' END
            || CASE example_data_pick(x.k, 'language', 16)
                   WHEN 0 THEN ARRAY['arabiska'] WHEN 1 THEN ARRAY['somaliska']
                   WHEN 2 THEN ARRAY['finska'] WHEN 3 THEN ARRAY['persiska']
                   WHEN 4 THEN ARRAY['tigrinja'] WHEN 5 THEN ARRAY['arabiska', 'somaliska']
                   WHEN 6 THEN ARRAY['bosniska/kroatiska/serbiska'] ELSE '{}' END,
        x.valid_from,
        CASE WHEN example_data_pick(x.k, 'ends?', 10) < 4
             THEN (x.valid_from + make_interval(years => 1 + example_data_pick(x.k, 'ends', 3)))::date - 1 END,
        date '2025-01-01' + example_data_pick(x.k, 'verified', 730),
        true
    FROM (
        SELECT pm.provider_id, pm.method_id, pm.k,
               make_date(2024 + example_data_pick(pm.k, 'year', 3), 1 + example_data_pick(pm.k, 'month', 12), 1)
                   AS valid_from
        FROM (
            SELECT p.id AS provider_id, p.n, m.id AS method_id, p.n || ':' || m.slug AS k,
                   row_number() OVER (PARTITION BY p.id
                                      ORDER BY example_data_pick(p.n || ':' || m.slug, 'method order', 1000000),
                                               m.slug) AS slot
            FROM (SELECT id, substr(organisation_number, 3, 7)::integer AS n FROM providers WHERE example) AS p
            CROSS JOIN methods AS m
        ) AS pm
        WHERE pm.slot <= v_base + CASE WHEN pm.n <= v_extra THEN 1 ELSE 0 END
    ) AS x
    ORDER BY x.k;
    GET DIAGNOSTICS offerings_loaded = ROW_COUNT;

    -- Availability: every example offering in every county; its provider's
    -- home county is mostly open. A municipality's own provider also gets a
    -- row for that municipality.
    INSERT INTO offering_availability (offering_id, county_code, municipality_code, status,
                                       capacity_cases_per_year, lead_time_weeks, example)
    SELECT a.offering_id, a.county_code, a.municipality_code, a.status,
           CASE WHEN a.status = 'ej tillgänglig' THEN CASE WHEN example_data_pick(a.k, 'capacity?', 2) = 0 THEN 0 END
                WHEN example_data_pick(a.k, 'capacity?', 10) < 2 THEN NULL
                WHEN a.status = 'planerad' THEN example_data_pick(a.k, 'capacity', 51)
                ELSE example_data_pick(a.k, 'capacity', 201) END,
           CASE WHEN a.status = 'ej tillgänglig' OR example_data_pick(a.k, 'lead?', 10) < 2 THEN NULL
                WHEN a.status = 'tillgänglig' THEN example_data_pick(a.k, 'lead', 7)
                ELSE example_data_pick(a.k, 'lead', 27) END,
           true
    FROM (
        SELECT o.offering_id, c.code AS county_code, NULL::text AS municipality_code, o.k || ':' || c.code AS k,
               (CASE WHEN c.code = o.home_county_code THEN
                         (ARRAY['tillgänglig', 'tillgänglig', 'tillgänglig', 'begränsad', 'väntelista'])
                             [1 + example_data_pick(o.k || ':' || c.code, 'status', 5)]
                     ELSE
                         (ARRAY['tillgänglig', 'tillgänglig', 'tillgänglig', 'tillgänglig', 'tillgänglig',
                                'tillgänglig', 'tillgänglig', 'begränsad', 'begränsad', 'begränsad',
                                'begränsad', 'begränsad', 'väntelista', 'väntelista', 'väntelista',
                                'väntelista', 'planerad', 'planerad', 'ej tillgänglig', 'ej tillgänglig'])
                             [1 + example_data_pick(o.k || ':' || c.code, 'status', 20)]
                END)::availability_status AS status
        FROM (SELECT ofr.id AS offering_id, p.home_county_code,
                     substr(p.organisation_number, 3, 7)::integer || ':' || m.slug AS k
              FROM offerings ofr
              JOIN providers p ON p.id = ofr.provider_id
              JOIN methods m ON m.id = ofr.method_id
              WHERE ofr.example) AS o
        CROSS JOIN counties AS c
        UNION ALL
        SELECT ofr.id, p.home_county_code, p.municipality_code,
               substr(p.organisation_number, 3, 7)::integer || ':' || m.slug || ':' || p.municipality_code,
               'tillgänglig'::availability_status
        FROM offerings ofr
        JOIN providers p ON p.id = ofr.provider_id
        JOIN methods m ON m.id = ofr.method_id
        WHERE ofr.example AND p.municipality_code IS NOT NULL
    ) AS a
    ORDER BY a.offering_id, a.county_code, a.municipality_code NULLS FIRST;
    GET DIAGNOSTICS availability_loaded = ROW_COUNT;

    example_rows_removed := v_removed;
    -- Thousands of new rows: let the planner know before the first query.
    ANALYZE providers;
    ANALYZE offerings;
    ANALYZE offering_availability;
    RETURN NEXT;
END;
$fn$;

COMMENT ON FUNCTION load_example_data(integer, integer, boolean) IS
    'Replaces the fictitious example providers, offerings and availability (example = true) with a '
    'generated set of the given size; never touches rows with example = false. See sql/examples/generate.sql.';
