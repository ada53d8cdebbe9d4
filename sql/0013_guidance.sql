-- 0013_guidance.sql: the RBM rules behind GET /v1/guidance, and the geography
-- behind neighbours, partners and the maps.
--
-- The rules are data, not C: each row says what one principle of the RBM model
-- (risk, behov, mottaglighet) leads to, where that comes from, and whether our
-- sources are explicit about it (needs_review with a note where they are not).
-- Sources:
--   KS    Socialstyrelsen (2021), "Insatser för att motverka fortsatt
--         normbrytande beteende och återfall i brott" (the knowledge support:
--         its target group is children 6–17 at high risk; its recommendations
--         are per age band 6–11 and 12–17; seed 001, 002).
--   RBM   Andrews & Bonta, "The Psychology of Criminal Conduct" (the risk,
--         need and responsivity principles the knowledge support rests on).
-- The geography tables are filled by `insatskatalog-admin load-reference`
-- from sql/reference/ (municipality_centroids.csv, municipality_neighbours.csv,
-- municipalities.geojson, counties.geojson; sources in the README).
-- Nothing here is about a child: the guidance takes an age, a level and need
-- areas as query parameters and stores none of them.

CREATE TYPE risk_level AS ENUM ('låg', 'måttlig', 'hög');
CREATE TYPE rbm_principle AS ENUM ('risk', 'behov', 'mottaglighet');

-- The criminogenic need areas GET /v1/guidance accepts in `needs`.
-- tag-need-areas: internal/http/guidance.c lists the same slugs.
CREATE TABLE need_areas (
    slug         slug PRIMARY KEY,
    name_sv      text NOT NULL CHECK (name_sv <> ''),
    description  text NOT NULL CHECK (description <> ''),
    rank         integer NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE guidance_rules (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          slug NOT NULL UNIQUE,
    principle     rbm_principle NOT NULL,
    risk          risk_level,
    need_area     slug REFERENCES need_areas (slug),
    age_min       integer CHECK (age_min BETWEEN 0 AND 25),
    age_max       integer CHECK (age_max BETWEEN 0 AND 25),
    intensity     risk_level,
    recommends    boolean,
    format        text,
    statement     text NOT NULL CHECK (statement <> ''),
    source        text NOT NULL CHECK (source <> ''),
    needs_review  boolean NOT NULL,
    review_note   text,
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Each principle has its own condition and outcome columns.
    CHECK (principle <> 'risk' OR (risk IS NOT NULL AND intensity IS NOT NULL AND recommends IS NOT NULL
                                   AND need_area IS NULL AND age_min IS NULL)),
    CHECK (principle <> 'behov' OR (need_area IS NOT NULL AND risk IS NULL AND age_min IS NULL)),
    CHECK (principle <> 'mottaglighet' OR (format IS NOT NULL AND risk IS NULL AND need_area IS NULL)),
    CHECK ((age_min IS NULL) = (age_max IS NULL) AND (age_min IS NULL OR age_min <= age_max)),
    CHECK (needs_review = (review_note IS NOT NULL)),
    UNIQUE (principle, risk)
);

-- The intervention types a rule leads to (a need area → types; an age → types).
CREATE TABLE guidance_rule_types (
    rule_id               bigint NOT NULL REFERENCES guidance_rules (id) ON DELETE CASCADE,
    intervention_type_id  bigint NOT NULL REFERENCES intervention_types (id),
    PRIMARY KEY (rule_id, intervention_type_id)
);
CREATE INDEX guidance_rule_types_type_idx ON guidance_rule_types (intervention_type_id);

INSERT INTO need_areas (slug, name_sv, description, rank) VALUES
    ('familj', 'Familj och föräldraskap', 'Samspelet i familjen, föräldrarnas tillsyn, gränssättning och stöd.', 1),
    ('kamrater', 'Kamrater', 'Umgänge med kamrater som begår brott eller bryter normer, och brist på prosociala kamrater.', 2),
    ('skola', 'Skola', 'Skolfrånvaro, svaga skolresultat och konflikter i skolan.', 3),
    ('attityder', 'Attityder', 'Kriminalitetsbejakande attityder, värderingar och tankemönster.', 4),
    ('missbruk', 'Missbruk', 'Bruk av alkohol, narkotika eller andra beroendeframkallande medel.', 5),
    ('fritid', 'Fritid', 'Ostrukturerad fritid utan prosociala aktiviteter.', 6),
    ('personlighet', 'Personlighet och beteende', 'Impulsivitet, aggressivitet, bristande problemlösning och känsloreglering.', 7);

INSERT INTO guidance_rules
    (slug, principle, risk, need_area, age_min, age_max, intensity, recommends, format, statement, source,
     needs_review, review_note)
VALUES
    ('risk-hog', 'risk', 'hög', NULL, NULL, NULL, 'hög', true, NULL,
     'Kunskapsstödets rekommendationer gäller barn med hög risk för fortsatt normbrytande beteende. '
     'Strukturerade, intensiva insatser är avsedda för just dem.',
     'KS: målgruppen är barn 6–17 år med hög risk; RBM: riskprincipen (insatsens intensitet ska motsvara risken)',
     false, NULL),
    ('risk-mattlig', 'risk', 'måttlig', NULL, NULL, NULL, 'måttlig', false, NULL,
     'Kunskapsstödets rekommendationer gäller barn med hög risk, inte måttlig. Enligt riskprincipen ska '
     'insatsen vara mindre intensiv än vid hög risk; följ upp risken och bedöm den på nytt om den ökar.',
     'RBM: riskprincipen; KS: målgruppen är barn med hög risk',
     true,
     'Kunskapsstödet säger inte vilka insatser som passar vid måttlig risk, och vad "måttlig" betyder beror '
     'på bedömningsinstrumentet.'),
    ('risk-lag', 'risk', 'låg', NULL, NULL, NULL, 'låg', false, NULL,
     'Kunskapsstödets rekommendationer gäller barn med hög risk. Vid låg risk ska intensiva insatser inte '
     'ges: enligt riskprincipen kan de tvärtom öka risken för fortsatt normbrytande beteende.',
     'RBM: riskprincipen; KS: målgruppen är barn med hög risk',
     false, NULL),
    ('behov-familj', 'behov', NULL, 'familj', NULL, NULL, NULL, NULL, NULL,
     'Brister i familjens samspel och föräldrarnas tillsyn möts med insatser som arbetar med föräldrarna '
     'eller hela familjen.',
     'RBM: behovsprincipen (insatsen riktas mot de behov som driver beteendet); KS: insatstyperna',
     true, 'Kopplingen mellan behovsområde och insatstyp är härledd här ur insatstypernas beskrivningar; '
           'kunskapsstödet anger den inte som en tabell.'),
    ('behov-kamrater', 'behov', NULL, 'kamrater', NULL, NULL, NULL, NULL, NULL,
     'Ett normbrytande kamratumgänge möts med insatser som tränar sociala färdigheter eller arbetar med '
     'familjen kring barnets kamrater, och vid placering med tät tillsyn av umgänget.',
     'RBM: behovsprincipen; KS: insatstyperna',
     true, 'Kopplingen mellan behovsområde och insatstyp är härledd här ur insatstypernas beskrivningar; '
           'kunskapsstödet anger den inte som en tabell.'),
    ('behov-skola', 'behov', NULL, 'skola', NULL, NULL, NULL, NULL, NULL,
     'Problem i skolan möts med familjebehandling som också arbetar med skolan, eller med färdighetsträning.',
     'RBM: behovsprincipen; KS: insatstyperna',
     true, 'Kopplingen mellan behovsområde och insatstyp är härledd här ur insatstypernas beskrivningar; '
           'kunskapsstödet anger den inte som en tabell.'),
    ('behov-attityder', 'behov', NULL, 'attityder', NULL, NULL, NULL, NULL, NULL,
     'Kriminalitetsbejakande attityder och tankemönster möts med KBT-baserad behandling.',
     'RBM: behovsprincipen; KS: insatstyperna (individuell KBT riktar sig mot kriminalitetsbejakande tankemönster)',
     true, 'Kopplingen mellan behovsområde och insatstyp är härledd här ur insatstypernas beskrivningar; '
           'kunskapsstödet anger den inte som en tabell.'),
    ('behov-missbruk', 'behov', NULL, 'missbruk', NULL, NULL, NULL, NULL, NULL,
     'Missbruk möts med familjebehandling som är utvecklad även för missbruk, eller med individuell KBT.',
     'RBM: behovsprincipen; KS: insatstyperna',
     true, 'Kopplingen mellan behovsområde och insatstyp är härledd här ur insatstypernas beskrivningar; '
           'kunskapsstödet anger den inte som en tabell.'),
    ('behov-fritid', 'behov', NULL, 'fritid', NULL, NULL, NULL, NULL, NULL,
     'En ostrukturerad fritid möts med insatser som arbetar med barnets hela omgivning.',
     'RBM: behovsprincipen; KS: insatstyperna',
     true, 'Kopplingen mellan behovsområde och insatstyp är härledd här ur insatstypernas beskrivningar; '
           'kunskapsstödet anger den inte som en tabell.'),
    ('behov-personlighet', 'behov', NULL, 'personlighet', NULL, NULL, NULL, NULL, NULL,
     'Impulsivitet, aggressivitet och bristande problemlösning möts med KBT-baserad färdighetsträning.',
     'RBM: behovsprincipen; KS: insatstyperna (färdighetsträning och individuell KBT)',
     true, 'Kopplingen mellan behovsområde och insatstyp är härledd här ur insatstypernas beskrivningar; '
           'kunskapsstödet anger den inte som en tabell.'),
    ('mottaglighet-6-11', 'mottaglighet', NULL, NULL, 6, 11, NULL, NULL,
     'föräldrarna och barnet: föräldraskapsstöd, och färdighetsträning i grupp med en del för föräldrarna',
     'För barn 6–11 år riktar sig de rekommenderade insatserna till föräldrarna eller till barnet och '
     'föräldrarna tillsammans.',
     'KS: rekommendationerna för åldersgruppen 6–11 år',
     false, NULL),
    ('mottaglighet-12-17', 'mottaglighet', NULL, NULL, 12, 17, NULL, NULL,
     'den unge och familjen: familjebehandling, individuell KBT, eller behandlingsfamilj i stället för institution',
     'För ungdomar 12–17 år riktar sig de rekommenderade insatserna till den unge och familjen, och vid '
     'placering till en behandlingsfamilj i stället för institution.',
     'KS: rekommendationerna för åldersgruppen 12–17 år',
     false, NULL),
    ('mottaglighet-anpassning', 'mottaglighet', NULL, NULL, NULL, NULL, NULL, NULL,
     'anpassat till barnets och familjens förmåga, motivation, språk och sätt att lära',
     'Insatsen utformas så att barnet och familjen kan ta till sig den: efter förmåga, motivation, språk '
     'och sätt att lära.',
     'RBM: mottaglighetsprincipen; KS: RBM-modellen',
     false, NULL);

INSERT INTO guidance_rule_types (rule_id, intervention_type_id)
SELECT r.id, t.id
FROM (VALUES
    ('behov-familj', 'foraldraskapsstod'), ('behov-familj', 'familjebehandling'), ('behov-familj', 'behandlingsfamilj'),
    ('behov-kamrater', 'kbt-fardighetstraning'), ('behov-kamrater', 'familjebehandling'),
    ('behov-kamrater', 'behandlingsfamilj'),
    ('behov-skola', 'familjebehandling'), ('behov-skola', 'kbt-fardighetstraning'),
    ('behov-attityder', 'individuell-kbt'), ('behov-attityder', 'kbt-fardighetstraning'),
    ('behov-missbruk', 'familjebehandling'), ('behov-missbruk', 'individuell-kbt'),
    ('behov-fritid', 'familjebehandling'), ('behov-fritid', 'behandlingsfamilj'),
    ('behov-personlighet', 'individuell-kbt'), ('behov-personlighet', 'kbt-fardighetstraning'),
    ('mottaglighet-6-11', 'foraldraskapsstod'), ('mottaglighet-6-11', 'kbt-fardighetstraning'),
    ('mottaglighet-12-17', 'familjebehandling'), ('mottaglighet-12-17', 'individuell-kbt'),
    ('mottaglighet-12-17', 'behandlingsfamilj')
) AS v(rule, type)
JOIN guidance_rules r ON r.slug = v.rule
JOIN intervention_types t ON t.slug = v.type;

-- ---------------------------------------------------------------------------
-- Geography: centroids, borders that meet, and the borders themselves
-- ---------------------------------------------------------------------------

-- A representative point per municipality (WGS84), for distances.
CREATE TABLE municipality_centroids (
    code        text PRIMARY KEY REFERENCES municipalities (code),
    lat         double precision NOT NULL CHECK (lat BETWEEN 55 AND 70),
    lon         double precision NOT NULL CHECK (lon BETWEEN 10 AND 25),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Pairs of municipalities whose borders meet, each pair once (code_a < code_b).
CREATE TABLE municipality_neighbours (
    code_a      text NOT NULL REFERENCES municipalities (code),
    code_b      text NOT NULL REFERENCES municipalities (code),
    PRIMARY KEY (code_a, code_b),
    CHECK (code_a < code_b)
);
CREATE INDEX municipality_neighbours_b_idx ON municipality_neighbours (code_b, code_a);

-- Both directions, so a query asks for (code, neighbour) without a UNION of its own.
CREATE VIEW municipality_neighbour_pairs AS
    SELECT code_a AS code, code_b AS neighbour FROM municipality_neighbours
    UNION ALL
    SELECT code_b, code_a FROM municipality_neighbours;

-- GeoJSON geometries as json (text), so a map embeds them without re-parsing.
CREATE TABLE municipality_borders (
    code        text PRIMARY KEY REFERENCES municipalities (code),
    geometry    json NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE county_borders (
    code        text PRIMARY KEY REFERENCES counties (code),
    geometry    json NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Great-circle distance in km (haversine, mean Earth radius 6371 km).
CREATE FUNCTION distance_km(lat1 double precision, lon1 double precision,
                            lat2 double precision, lon2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 2 * 6371 * asin(sqrt(power(sin(radians(lat2 - lat1) / 2), 2)
                                + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2)))
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['need_areas', 'guidance_rules', 'municipality_centroids', 'municipality_borders',
                             'county_borders']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION touch_updated_at()',
                       t || '_touch', t);
    END LOOP;
    -- Cached documents (guidance, partners, maps) rest on all of these.
    FOREACH t IN ARRAY ARRAY['need_areas', 'guidance_rules', 'guidance_rule_types', 'municipality_centroids',
                             'municipality_neighbours', 'municipality_borders', 'county_borders']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed()',
                       t || '_notify', t);
    END LOOP;
END;
$$;
