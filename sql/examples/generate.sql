-- sql/examples/generate.sql: GENERATED, FICTITIOUS example providers and
-- agreements.
--
-- Nothing here is real. Our sources hold no figures about who delivers the
-- methods, at what cost or where, nor about which municipalities have agreed
-- with which, so this file makes up a clearly fictitious data set to develop,
-- demonstrate and load-test the provider and agreement endpoints with: every
-- provider name says "Exempel..." and "(fiktiv)", every agreement title
-- "Exempelavtal ... (fiktivt)", every e-mail address and web site is under
-- example.org (reserved for examples, RFC 2606), every telephone number is in
-- 070-174 06 05..99 (reserved by PTS for fiction), and every description
-- says, in Swedish, that the row is invented. Every row has example = true,
-- so it can be filtered out, told apart and removed. The municipalities in
-- the agreements are real (the reference data); their parts in them, the
-- decisions, the diarienummer and the population figures are not.
--
-- Organisation numbers are '99', then the row number as seven digits, then a
-- Luhn check digit: they pass is_organisation_number(), and none can belong to
-- a real organisation (a real one has 2 or more as its third digit, so that it
-- cannot be mistaken for a personal identity number; this one's is 0).
--
-- Not a migration: the migrator only reads sql/NNNN_*.sql, never this folder.
-- `insatskatalog-admin load-examples [small|bench]` runs this file (which only
-- defines functions) and then SELECT * FROM load_example_data(P, O, A), both
-- in one transaction. By hand, on a database migrated with sql/000*.sql and
-- with the reference data loaded (insatskatalog-admin setup):
--
--     \i sql/examples/generate.sql
--     SELECT * FROM load_example_data(40, 150, 60);       -- the "small" set
--     SELECT * FROM load_example_data(2000, 10000, 5000); -- the "bench" set
--     SELECT * FROM load_example_data(0, 0, 0);           -- remove the examples
--
-- Each call first deletes every row with example = true from agreements
-- (their parties and scope go with them), offering_availability, offerings
-- and providers (in that order) and never touches a row with example = false.
-- Then it inserts provider_count providers, offering_count offerings (spread
-- evenly over the providers, each of a provider's offerings for a different
-- method, so offering_count may be at most provider_count times the number of
-- methods) and, for every offering, one availability row per county plus, for
-- a municipality's own provider, a row for that municipality; then
-- agreement_count agreements (avtalssamverkan), each with one performer
-- (utförare), 1-5 orderers (beställare) and 1-3 methods. Agreement 1 is
-- always the same: "Exempelavtal (fiktivt): TFCO i norra Uppland", Enköping
-- performing for Håbo, Tierp, Älvkarleby and Heby, active, every decision
-- recorded. Same counts, same data: every value is derived from an md5 of
-- the row's key (never random()), and all inserts are set-based, so 2,000
-- providers / 10,000 offerings / ~214,000 availability rows / 5,000
-- agreements take seconds.

-- A deterministic number in 0 .. modulus-1 for a key and a salt: the first 48
-- bits of md5(salt:key). md5 is stable across PostgreSQL versions (hashtext
-- is not guaranteed to be). Inlined by the planner: plain SQL, IMMUTABLE.
CREATE OR REPLACE FUNCTION example_data_pick(key text, salt text, modulus integer)
RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (('x' || substr(md5(salt || ':' || key), 1, 12))::bit(48)::bigint % modulus)::integer
$$;


-- The result type and the parameters may change between versions of this
-- file; CREATE OR REPLACE cannot change either, so the old definitions go
-- first (the one before agreements took a boolean third parameter).
DROP FUNCTION IF EXISTS load_example_data(integer, integer, boolean);
DROP FUNCTION IF EXISTS load_example_data(integer, integer, integer);

CREATE OR REPLACE FUNCTION load_example_data(provider_count integer, offering_count integer,
                                             agreement_count integer)
RETURNS TABLE (providers_loaded integer, offerings_loaded integer, availability_loaded integer,
               agreements_loaded integer, agreement_parties_loaded integer, agreement_scope_loaded integer,
               example_rows_removed integer)
-- The planner's estimates for these generated sets are large enough to turn
-- JIT compilation on, which then costs seconds more than it saves.
LANGUAGE plpgsql SET jit = off AS $fn$
DECLARE
    v_method_count        integer;
    v_county_count        integer;
    v_municipality_count  integer;
    v_removed             integer := 0;
    v_rows                integer;
    v_base                integer;   -- offerings every provider has
    v_extra               integer;   -- providers 1 .. v_extra have one more
BEGIN
    IF provider_count IS NULL OR offering_count IS NULL OR agreement_count IS NULL
       OR provider_count < 0 OR offering_count < 0 OR agreement_count < 0 THEN
        RAISE EXCEPTION 'load_example_data: counts must be 0 or more';
    END IF;
    -- Seven digits of row number in the organisation number, third digit 0.
    IF provider_count > 999999 THEN
        RAISE EXCEPTION 'load_example_data: at most 999999 example providers';
    END IF;
    IF agreement_count > 999999 THEN
        RAISE EXCEPTION 'load_example_data: at most 999999 example agreements';
    END IF;
    SELECT count(*) INTO v_method_count FROM methods;
    SELECT count(*) INTO v_county_count FROM counties;
    SELECT count(*) INTO v_municipality_count FROM municipalities;
    IF offering_count > provider_count::bigint * v_method_count THEN
        RAISE EXCEPTION 'load_example_data: % offerings need more than % providers (% methods each at most)',
            offering_count, provider_count, v_method_count;
    END IF;
    IF (provider_count > 0 OR agreement_count > 0) AND (v_county_count = 0 OR v_municipality_count = 0) THEN
        RAISE EXCEPTION 'load_example_data: no counties or municipalities; load the reference data first '
                        '(insatskatalog-admin setup)';
    END IF;
    -- The fixed first agreement names these.
    IF agreement_count > 0 AND ((SELECT count(*) FROM municipalities
                                 WHERE code IN ('0381', '0305', '0360', '0319', '0331')) <> 5
                                OR NOT EXISTS (SELECT 1 FROM methods WHERE slug = 'tfco')) THEN
        RAISE EXCEPTION 'load_example_data: the reference data lacks Enköping, Håbo, Tierp, Älvkarleby or Heby '
                        '(0381, 0305, 0360, 0319, 0331) or the method tfco';
    END IF;

    -- Removing the previous examples must not take real rows with it: the
    -- cascade from offerings would delete real availability rows, and a real
    -- offering or agreement would block the deletion of its example provider
    -- or offering.
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
    IF EXISTS (SELECT 1 FROM agreements a JOIN offerings o ON o.id = a.offering_id
               WHERE o.example AND NOT a.example) THEN
        RAISE EXCEPTION 'load_example_data: real (example = false) agreements refer to example offerings; '
                        'nothing was changed';
    END IF;
    -- Agreements first (parties and scope cascade). Only a draft can be
    -- deleted (refuse_non_draft_delete), so the examples become drafts first.
    SELECT (SELECT count(*) FROM agreement_parties p JOIN agreements a ON a.id = p.agreement_id WHERE a.example)
         + (SELECT count(*) FROM agreement_scope s JOIN agreements a ON a.id = s.agreement_id WHERE a.example)
    INTO v_rows;
    v_removed := v_removed + v_rows;
    UPDATE agreements SET status = 'utkast' WHERE example AND status <> 'utkast';
    DELETE FROM agreements WHERE example;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    v_removed := v_removed + v_rows;
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

    -- Agreements (avtalssamverkan). n is the agreement number, k its
    -- zero-padded text, the key of every hash. Agreement 1 is the fixed TFCO
    -- agreement in Uppsala län. Agreement n > 1 has as performer the
    -- municipality in slot (n - 2) mod 290 of an order that takes one
    -- municipality from every county in turn: the first 21 agreements cover
    -- every county, every 290 every municipality. Its 1-5 orderers are other
    -- municipalities of the performer's county; one in five agreements with
    -- two or more has one orderer from a neighbouring county, and a county
    -- too small for them all (Gotland) takes them from there too.
    -- Status: 60 % aktiv, 10 % each utkast, föreslagen, uppsagd, upphört.
    -- Model: 35 % fast årsavgift, 25 % per ärende, 25 % befolkningsandel,
    -- 15 % lika delar.
    WITH county_neighbour AS MATERIALIZED (
        -- The county with the nearest lower code (else the nearest higher)
        -- that has more than one municipality: codes follow geography, roughly.
        SELECT c.code,
               (SELECT count(*)::integer FROM municipalities mu WHERE mu.county_code = c.code) AS size,
               (SELECT c2.code FROM counties c2
                WHERE c2.code <> c.code
                  AND (SELECT count(*) FROM municipalities mu WHERE mu.county_code = c2.code) > 1
                ORDER BY c2.code > c.code, CASE WHEN c2.code < c.code THEN c2.code END DESC, c2.code
                LIMIT 1) AS neighbour
        FROM counties c
    ),
    performer_slot AS MATERIALIZED (
        SELECT r.code, (row_number() OVER (ORDER BY r.rank_in_county,
                                                    example_data_pick(r.county_code, 'county order', 1000000),
                                                    r.county_code) - 1)::integer AS slot
        FROM (SELECT mu.code, mu.county_code,
                     row_number() OVER (PARTITION BY mu.county_code
                                        ORDER BY example_data_pick(mu.code, 'performer order', 1000000), mu.code)
                         AS rank_in_county
              FROM municipalities mu) AS r
    ),
    plan AS MATERIALIZED (
        SELECT d.*,
               CASE WHEN d.n = 1 THEN 'Exempelavtal (fiktivt): TFCO i norra Uppland'
                    ELSE 'Exempelavtal ' || d.k || ' (fiktivt): ' || d.method_names || ' – ' || d.performer_name
                         || ' utför åt ' || d.orderer_count
                         || CASE WHEN d.orderer_count = 1 THEN ' kommun' ELSE ' kommuner' END
               END AS title,
               CASE WHEN d.n = 1 THEN NULL
                    WHEN d.status = 'aktiv' THEN
                        CASE WHEN d.ends < 5 THEN NULL
                             -- Over by now: effective_status shows upphört.
                             WHEN d.ends = 5 THEN (d.valid_from + interval '1 year')::date - 1
                             ELSE (d.valid_from + make_interval(years => 3 + example_data_pick(d.k, 'term', 3)))::date - 1
                        END
                    WHEN d.status = 'uppsagd' THEN
                        (d.valid_from + make_interval(years => 2 + example_data_pick(d.k, 'term', 3)))::date - 1
                    WHEN d.status = 'upphört' THEN
                        (d.valid_from + make_interval(years => 1 + example_data_pick(d.k, 'term', 2)))::date - 1
                    WHEN d.ends < 5 THEN NULL
                    ELSE (d.valid_from + interval '3 years')::date - 1
               END AS valid_to
        FROM (
            SELECT s.*, pm.name AS performer_name, pm.county_code, cn.neighbour,
                   least(s.orderer_count - s.cross_count, cn.size - 1) AS home_take,
                   CASE WHEN s.n = 1 THEN date '2024-01-01'
                        ELSE make_date(CASE WHEN s.status IN ('utkast', 'föreslagen') THEN 2026
                                            WHEN s.status = 'upphört' OR (s.status = 'aktiv' AND s.ends = 5)
                                                THEN 2023 + example_data_pick(s.k, 'year', 2)
                                            ELSE 2023 + example_data_pick(s.k, 'year', 4) END,
                                       1 + example_data_pick(s.k, 'month', 12), 1)
                   END AS valid_from,
                   ms.method_ids, ms.first_type,
                   CASE WHEN ms.names_count = 1 THEN ms.names[1]
                        ELSE array_to_string(ms.names[1:ms.names_count - 1], ', ') || ' och ' || ms.names[ms.names_count]
                   END AS method_names
            FROM (
                SELECT g.n, g.k,
                       coalesce(ps.code, '0381') AS performer,
                       CASE WHEN g.n = 1 THEN 'aktiv'
                            ELSE (ARRAY['aktiv', 'aktiv', 'aktiv', 'aktiv', 'aktiv', 'aktiv', 'aktiv', 'aktiv',
                                        'aktiv', 'aktiv', 'aktiv', 'aktiv', 'utkast', 'utkast', 'föreslagen',
                                        'föreslagen', 'uppsagd', 'uppsagd', 'upphört', 'upphört'])
                                     [1 + example_data_pick(g.k, 'status', 20)]
                       END::agreement_status AS status,
                       CASE WHEN g.n = 1 THEN 'fast årsavgift'
                            ELSE (ARRAY['fast årsavgift', 'fast årsavgift', 'fast årsavgift', 'fast årsavgift',
                                        'fast årsavgift', 'fast årsavgift', 'fast årsavgift', 'per ärende',
                                        'per ärende', 'per ärende', 'per ärende', 'per ärende',
                                        'befolkningsandel', 'befolkningsandel', 'befolkningsandel',
                                        'befolkningsandel', 'befolkningsandel', 'lika delar', 'lika delar',
                                        'lika delar'])
                                     [1 + example_data_pick(g.k, 'model', 20)]
                       END::compensation_model AS model,
                       CASE WHEN g.n = 1 THEN 4
                            ELSE (ARRAY[1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5])
                                     [1 + example_data_pick(g.k, 'orderers', 20)]
                       END AS orderer_count,
                       CASE WHEN g.n = 1 THEN 0
                            WHEN example_data_pick(g.k, 'cross', 10) < 2 THEN 1 ELSE 0 END AS cross_count,
                       CASE WHEN g.n = 1 THEN 1
                            ELSE (ARRAY[1, 1, 1, 1, 1, 1, 2, 2, 2, 3])[1 + example_data_pick(g.k, 'methods', 10)]
                       END AS method_count,
                       example_data_pick(g.k, 'ends', 10) AS ends
                FROM (SELECT n, lpad(n::text, greatest(4, length(n::text)), '0') AS k
                      FROM generate_series(1, agreement_count) AS n) AS g
                LEFT JOIN performer_slot ps ON g.n > 1 AND ps.slot = (g.n - 2) % v_municipality_count
            ) AS s
            JOIN municipalities pm ON pm.code = s.performer
            JOIN county_neighbour cn ON cn.code = pm.county_code
            CROSS JOIN LATERAL (
                SELECT array_agg(mo.id ORDER BY mo.o) AS method_ids,
                       array_agg(mo.abbreviation ORDER BY mo.o) AS names,
                       count(*)::integer AS names_count,
                       -- Sometimes the agreement also covers the whole
                       -- intervention type of its first method.
                       CASE WHEN s.n > 1 AND example_data_pick(s.k, 'type?', 10) < 2
                            THEN (array_agg(mo.intervention_type_id ORDER BY mo.o))[1] END AS first_type
                FROM (SELECT me.id, me.abbreviation, me.intervention_type_id, me.slug,
                             row_number() OVER (ORDER BY example_data_pick(s.k || ':' || me.slug, 'method', 1000000),
                                                         me.slug) AS o
                      FROM methods me) AS mo
                WHERE CASE WHEN s.n = 1 THEN mo.slug = 'tfco' ELSE mo.o <= s.method_count END
            ) AS ms
        ) AS d
    ),
    orderer AS (
        SELECT p.n, c.code
        FROM plan p
        JOIN LATERAL (
            SELECT mu.code, mu.county_code = p.county_code AS home,
                   row_number() OVER (PARTITION BY mu.county_code = p.county_code
                                      ORDER BY example_data_pick(p.k || ':' || mu.code, 'orderer', 1000000), mu.code)
                       AS r
            FROM municipalities mu
            WHERE mu.county_code IN (p.county_code, p.neighbour) AND mu.code <> p.performer
        ) AS c ON (c.home AND c.r <= p.home_take) OR (NOT c.home AND c.r <= p.orderer_count - p.home_take)
        WHERE p.n > 1
        UNION ALL
        SELECT 1, fixed.code
        FROM unnest(ARRAY['0305', '0360', '0319', '0331']) AS fixed(code)
        WHERE agreement_count > 0
    ),
    -- A fixed yearly fee's shares: weights 1-10, rounded to hundredths; the
    -- last orderer (by code) takes what rounding left, so they add up to
    -- exactly 100.00.
    orderer_share AS (
        SELECT w.n, w.code,
               CASE WHEN w.last THEN 100 - sum(w.rounded) OVER (PARTITION BY w.n) + w.rounded
                    ELSE w.rounded END AS share_percent
        FROM (SELECT o.n, o.code,
                     row_number() OVER (PARTITION BY o.n ORDER BY o.code DESC) = 1 AS last,
                     round(100.0 * (1 + example_data_pick(p.k || ':' || o.code, 'share', 10))
                           / sum(1 + example_data_pick(p.k || ':' || o.code, 'share', 10)) OVER (PARTITION BY o.n),
                           2) AS rounded
              FROM orderer o JOIN plan p ON p.n = o.n) AS w
    ),
    new_agreement AS (
        INSERT INTO agreements (title, description, compensation_model, yearly_amount_sek, per_case_sek,
                                valid_from, valid_to, automatic_renewal, notice_period_months, indexation,
                                includes_public_authority, delegation, procurement_exemption, status, example)
        SELECT p.title,
               'Fiktivt exempelavtal, genererat för utveckling och test. Inte ett verkligt avtal: parter, beslut, '
               'diarienummer, befolkningstal, belopp och villkor är påhittade, inte verkliga uppgifter.',
               p.model,
               CASE WHEN p.n = 1 THEN 2400000
                    WHEN p.model <> 'per ärende'
                        THEN p.orderer_count * (100 + example_data_pick(p.k, 'amount', 801)) * 1000 END,
               CASE WHEN p.model = 'per ärende' THEN 20000 + example_data_pick(p.k, 'per case', 361) * 500 END,
               p.valid_from,
               p.valid_to,
               p.valid_to IS NOT NULL AND example_data_pick(p.k, 'renewal', 10) < 4,
               CASE WHEN p.n = 1 THEN 12
                    ELSE (ARRAY[6, 12, 12, 12, 12, 18, 24])[1 + example_data_pick(p.k, 'notice', 7)] END,
               CASE WHEN p.n = 1 OR example_data_pick(p.k, 'index', 10) < 5
                        THEN 'Omräknas årligen med omsorgsprisindex (OPI).'
                    WHEN example_data_pick(p.k, 'index', 10) < 7 THEN 'Omräknas årligen med KPI.' END,
               p.n > 1 AND example_data_pick(p.k, 'authority', 10) < 3,
               CASE WHEN p.n > 1 AND example_data_pick(p.k, 'authority', 10) < 3
                    THEN 'Beställarkommunernas socialnämnder uppdrar enligt 9 kap. 38 § kommunallagen åt anställda '
                         'i ' || p.performer_name || ' att besluta i ärenden om ' || p.method_names
                         || ' (fiktiv delegation, exempeldata).' END,
               CASE WHEN p.n = 1 OR example_data_pick(p.k, 'procurement', 10) < 8
                    THEN 'myndighetssamverkan' ELSE 'intern upphandling' END::procurement_exemption,
               p.status,
               true
        FROM plan p
        ORDER BY p.n
        RETURNING id, title
    ),
    new_party AS (
        INSERT INTO agreement_parties (agreement_id, municipality_code, role, share_percent, population,
                                       decision_body, decision_date, decision_paragraph, decision_reference)
        SELECT a.id, x.code, x.role,
               CASE WHEN p.model = 'fast årsavgift' THEN s.share_percent END,
               -- Reference data has no population (NULL) until
               -- load-population: a split by population then gets a made-up
               -- one, the same for a municipality in every agreement, spread
               -- like Swedish municipalities' (about log-normal, median about
               -- 16,000, from 2,500 to some 280,000), rounded to tens.
               CASE WHEN p.model = 'befolkningsandel'
                    THEN coalesce(mu.population,
                                  greatest(2500, round(exp(9.7 + 0.95 * 2 * (
                                      (example_data_pick(x.code, 'population 1', 1000)
                                       + example_data_pick(x.code, 'population 2', 1000)
                                       + example_data_pick(x.code, 'population 3', 1000)) / 1000.0 - 1.5)), -1))::integer)
                    ELSE mu.population END,
               CASE WHEN dd.decided
                    THEN (ARRAY['kommunfullmäktige', 'kommunfullmäktige', 'kommunfullmäktige', 'kommunfullmäktige',
                                'kommunfullmäktige', 'kommunfullmäktige', 'kommunfullmäktige', 'kommunfullmäktige',
                                'kommunstyrelse', 'kommunstyrelse', 'kommunstyrelse', 'kommunstyrelse',
                                'kommunstyrelse', 'socialnämnd', 'socialnämnd', 'socialnämnd', 'socialnämnd',
                                'socialnämnd', 'socialnämnd', 'annan nämnd'])
                             [1 + example_data_pick(dd.key, 'body', 20)]::decision_body END,
               CASE WHEN dd.decided THEN dd.day END,
               CASE WHEN dd.decided THEN '§ ' || (1 + example_data_pick(dd.key, 'paragraph', 240)) END,
               CASE WHEN dd.decided THEN 'KS ' || extract(year FROM dd.day)::integer || '/'
                                         || lpad((1 + example_data_pick(dd.key, 'reference', 999))::text, 3, '0') END
        FROM plan p
        JOIN new_agreement a ON a.title = p.title
        JOIN (SELECT pl.n, pl.performer AS code, 'utförare'::party_role AS role FROM plan pl
              UNION ALL
              SELECT o.n, o.code, 'beställare'::party_role FROM orderer o) AS x ON x.n = p.n
        JOIN municipalities mu ON mu.code = x.code
        LEFT JOIN orderer_share s ON s.n = x.n AND s.code = x.code AND x.role = 'beställare'
        -- In force or ended: every party has decided. Proposed: the
        -- performer and about half the orderers. Draft: nobody yet.
        CROSS JOIN LATERAL (
            SELECT p.k || ':' || x.code AS key,
                   p.status IN ('aktiv', 'uppsagd', 'upphört')
                       OR (p.status = 'föreslagen'
                           AND (x.role = 'utförare' OR example_data_pick(p.k || ':' || x.code, 'decided?', 2) = 0))
                       AS decided,
                   p.valid_from - (14 + example_data_pick(p.k || ':' || x.code, 'decision date', 160)) AS day
        ) AS dd
        ORDER BY a.id, x.code
        RETURNING 1
    ),
    new_scope AS (
        INSERT INTO agreement_scope (agreement_id, method_id, intervention_type_id)
        SELECT a.id, sc.method_id, sc.intervention_type_id
        FROM plan p
        JOIN new_agreement a ON a.title = p.title
        CROSS JOIN LATERAL (
            SELECT m.method_id, NULL::bigint AS intervention_type_id FROM unnest(p.method_ids) AS m(method_id)
            UNION ALL
            SELECT NULL, p.first_type WHERE p.first_type IS NOT NULL
        ) AS sc
        ORDER BY a.id
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM new_agreement), (SELECT count(*) FROM new_party), (SELECT count(*) FROM new_scope)
    INTO agreements_loaded, agreement_parties_loaded, agreement_scope_loaded;

    example_rows_removed := v_removed;
    -- Thousands of new rows: let the planner know before the first query.
    ANALYZE providers;
    ANALYZE offerings;
    ANALYZE offering_availability;
    ANALYZE agreements;
    ANALYZE agreement_parties;
    ANALYZE agreement_scope;
    RETURN NEXT;
END;
$fn$;

COMMENT ON FUNCTION load_example_data(integer, integer, integer) IS
    'Replaces the fictitious example providers, offerings, availability and agreements (example = true) with a '
    'generated set of the given size; never touches rows with example = false. See sql/examples/generate.sql.';
