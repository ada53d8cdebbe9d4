-- 0001_schema.sql: the knowledge-support catalogue and the geography it is used in.
--
-- Tables hold facts only; the JSON the API serves is built by the views in
-- 0003_views.sql, so a change of representation never needs a data migration.
-- Every table has updated_at, kept current by one trigger, so clients can sync
-- with ?updated_since= and ETags change whenever the data does.
-- No table holds anything about a child: this is a catalogue of services.

CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END;
$$;

-- Slugs are the public keys of catalogue records: lower-case ASCII words
-- joined by single hyphens, so they are safe in URLs without encoding.
CREATE DOMAIN slug AS text
    CHECK (VALUE ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(VALUE) <= 64);

-- array_to_string is only STABLE (it may call type output functions); for
-- text[] it cannot change, so this wrapper may feed a generated column.
CREATE FUNCTION join_words(text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT array_to_string($1, ' ')
$$;

CREATE TABLE counties (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
    name        text NOT NULL CHECK (name <> ''),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE municipalities (
    code             text PRIMARY KEY CHECK (code ~ '^[0-9]{4}$'),
    name             text NOT NULL CHECK (name <> ''),
    county_code      text NOT NULL REFERENCES counties (code),
    population       integer CHECK (population >= 0),
    population_year  integer CHECK (population_year BETWEEN 1900 AND 2100),
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- SCB codes: the first two digits of a municipality code are its county.
    CHECK (left(code, 2) = county_code),
    CHECK ((population IS NULL) = (population_year IS NULL))
);
CREATE INDEX municipalities_county_code_idx ON municipalities (county_code, code);

CREATE TABLE knowledge_supports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          slug NOT NULL UNIQUE,
    title         text NOT NULL CHECK (title <> ''),
    publisher     text NOT NULL CHECK (publisher <> ''),
    published_year integer NOT NULL CHECK (published_year BETWEEN 1990 AND 2100),
    target_group  text NOT NULL CHECK (target_group <> ''),
    age_min       integer NOT NULL CHECK (age_min BETWEEN 0 AND 25),
    age_max       integer NOT NULL CHECK (age_max BETWEEN 0 AND 25),
    model         text,
    description   text NOT NULL DEFAULT '',
    url           text,
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (age_min <= age_max)
);

CREATE TABLE intervention_types (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         slug NOT NULL UNIQUE,
    name_sv      text NOT NULL CHECK (name_sv <> ''),
    name_en      text NOT NULL CHECK (name_en <> ''),
    description  text NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    search       tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('swedish', name_sv), 'A') ||
        setweight(to_tsvector('swedish', description), 'B')) STORED
);

-- Socialstyrelsen's scale for recommendations in its knowledge supports.
CREATE TYPE recommendation_strength AS ENUM ('bör', 'kan', 'kan i undantagsfall', 'bör inte', 'FoU');

CREATE TABLE recommendations (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                  slug NOT NULL UNIQUE,
    knowledge_support_id  bigint NOT NULL REFERENCES knowledge_supports (id),
    intervention_type_id  bigint NOT NULL REFERENCES intervention_types (id),
    target_group          text NOT NULL CHECK (target_group <> ''),
    age_min               integer NOT NULL CHECK (age_min BETWEEN 0 AND 25),
    age_max               integer NOT NULL CHECK (age_max BETWEEN 0 AND 25),
    strength              recommendation_strength NOT NULL,
    statement             text NOT NULL CHECK (statement <> ''),
    rank                  integer NOT NULL DEFAULT 0,
    updated_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (age_min <= age_max)
);
CREATE INDEX recommendations_knowledge_support_idx ON recommendations (knowledge_support_id, rank);
CREATE INDEX recommendations_intervention_type_idx ON recommendations (intervention_type_id);

-- How a method can be had in Sweden: the pilot found several without anyone
-- offering them, one in a research pilot and one planned by a private actor.
CREATE TYPE availability_in_sweden AS ENUM ('tillgänglig', 'forskningspilot', 'planerad', 'ej tillgänglig');

CREATE TABLE methods (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                  slug NOT NULL UNIQUE,
    abbreviation          text NOT NULL CHECK (abbreviation <> ''),
    name_sv               text NOT NULL CHECK (name_sv <> ''),
    name_en               text NOT NULL CHECK (name_en <> ''),
    intervention_type_id  bigint NOT NULL REFERENCES intervention_types (id),
    age_min               integer NOT NULL CHECK (age_min BETWEEN 0 AND 25),
    age_max               integer NOT NULL CHECK (age_max BETWEEN 0 AND 25),
    format                text NOT NULL CHECK (format <> ''),
    typical_duration      text,
    purveyor              text,
    availability          availability_in_sweden NOT NULL,
    availability_note     text,
    swedish_presenter_2023 boolean,
    description           text NOT NULL DEFAULT '',
    updated_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    search                tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('swedish', abbreviation || ' ' || name_sv || ' ' || name_en), 'A') ||
        setweight(to_tsvector('swedish', format || ' ' || coalesce(typical_duration, '')), 'C') ||
        setweight(to_tsvector('swedish', description), 'B')) STORED,
    CHECK (age_min <= age_max)
);
CREATE INDEX methods_intervention_type_idx ON methods (intervention_type_id);
CREATE INDEX methods_search_idx ON methods USING gin (search);

CREATE TABLE assessment_instruments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug           slug NOT NULL UNIQUE,
    abbreviation   text NOT NULL CHECK (abbreviation <> ''),
    name           text NOT NULL CHECK (name <> ''),
    other_names    text[] NOT NULL DEFAULT '{}',
    assesses       text NOT NULL CHECK (assesses <> ''),
    age_min        integer NOT NULL CHECK (age_min BETWEEN 0 AND 25),
    age_max        integer NOT NULL CHECK (age_max BETWEEN 0 AND 25),
    publisher      text,
    description    text NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    search         tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('swedish', abbreviation || ' ' || name || ' ' || join_words(other_names)), 'A') ||
        setweight(to_tsvector('swedish', assesses || ' ' || description), 'B')) STORED,
    CHECK (age_min <= age_max)
);
CREATE INDEX assessment_instruments_search_idx ON assessment_instruments USING gin (search);

CREATE TYPE material_kind AS ENUM ('film', 'workshopstöd', 'föreläsning', 'information', 'rapport');

CREATE TABLE materials (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                  slug NOT NULL UNIQUE,
    knowledge_support_id  bigint REFERENCES knowledge_supports (id),
    title                 text NOT NULL CHECK (title <> ''),
    kinds                 material_kind[] NOT NULL CHECK (cardinality(kinds) > 0),
    audience              text NOT NULL CHECK (audience <> ''),
    publisher             text NOT NULL CHECK (publisher <> ''),
    description           text NOT NULL DEFAULT '',
    url                   text,
    updated_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    search                tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('swedish', title), 'A') ||
        setweight(to_tsvector('swedish', audience || ' ' || description), 'B')) STORED
);
CREATE INDEX materials_search_idx ON materials USING gin (search);

-- A survey (such as the pilot's follow-up of 2022/23) and the share of its
-- respondents that used each method, intervention type or instrument.
CREATE TABLE surveys (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                 slug NOT NULL UNIQUE,
    title                text NOT NULL CHECK (title <> ''),
    period               text NOT NULL CHECK (period <> ''),
    published_year       integer NOT NULL CHECK (published_year BETWEEN 1990 AND 2100),
    source               text NOT NULL CHECK (source <> ''),
    municipalities       integer CHECK (municipalities >= 0),
    city_districts       integer CHECK (city_districts >= 0),
    counties             integer CHECK (counties >= 0),
    description          text NOT NULL DEFAULT '',
    updated_at           timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE survey_results (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id                bigint NOT NULL REFERENCES surveys (id),
    subject                  text NOT NULL CHECK (subject <> ''),
    percent_of_municipalities integer NOT NULL CHECK (percent_of_municipalities BETWEEN 0 AND 100),
    method_id                bigint REFERENCES methods (id),
    intervention_type_id     bigint REFERENCES intervention_types (id),
    assessment_instrument_id bigint REFERENCES assessment_instruments (id),
    note                     text,
    updated_at               timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (survey_id, subject),
    -- A result is about at most one catalogue record (or none, e.g. "stödsamtal").
    CHECK (num_nonnulls(method_id, intervention_type_id, assessment_instrument_id) <= 1)
);
CREATE INDEX survey_results_method_idx ON survey_results (method_id) WHERE method_id IS NOT NULL;
CREATE INDEX survey_results_instrument_idx ON survey_results (assessment_instrument_id) WHERE assessment_instrument_id IS NOT NULL;
CREATE INDEX survey_results_type_idx ON survey_results (intervention_type_id) WHERE intervention_type_id IS NOT NULL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['counties', 'municipalities', 'knowledge_supports', 'intervention_types',
                             'recommendations', 'methods', 'assessment_instruments', 'materials',
                             'surveys', 'survey_results']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION touch_updated_at()',
                       t || '_touch', t);
    END LOOP;
END;
$$;
