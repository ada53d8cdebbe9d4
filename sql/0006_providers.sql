-- 0006_providers.sql: who can deliver a method, at what cost and training,
-- and where. This migration only adds: the catalogue stays as it was.

-- Swedish organisation numbers: ten digits, the last a Luhn (mod 10) check
-- digit over the first nine.
CREATE FUNCTION luhn_check_digit(digits text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT (10 - sum(CASE WHEN i % 2 = 1 THEN (d * 2) / 10 + (d * 2) % 10 ELSE d END) % 10) % 10
    FROM (SELECT i, substr(digits, i, 1)::int AS d FROM generate_series(1, length(digits)) AS i) AS x
$$;

CREATE FUNCTION is_organisation_number(text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT $1 ~ '^[0-9]{10}$' AND luhn_check_digit(left($1, 9)) = right($1, 1)::int
$$;

CREATE TYPE provider_kind AS ENUM ('kommun', 'region', 'statlig', 'privat', 'idéburen', 'universitet');
CREATE TYPE delivery_mode AS ENUM ('på plats', 'digitalt', 'båda');
CREATE TYPE availability_status AS ENUM ('tillgänglig', 'begränsad', 'väntelista', 'planerad', 'ej tillgänglig');
CREATE TYPE trainee_role AS ENUM ('behandlare', 'handledare');

CREATE TABLE providers (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                 text NOT NULL CHECK (name <> '' AND length(name) <= 200),
    organisation_number  text NOT NULL UNIQUE CHECK (is_organisation_number(organisation_number)),
    kind                 provider_kind NOT NULL,
    email                text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    phone                text CHECK (phone ~ '^\+?[0-9 ()-]{5,20}$'),
    website              text CHECK (website ~ '^https?://'),
    home_county_code     text NOT NULL REFERENCES counties (code),
    -- A municipality that delivers a method itself is a provider linked to it.
    municipality_code    text REFERENCES municipalities (code),
    description          text NOT NULL DEFAULT '',
    example              boolean NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (municipality_code IS NULL OR kind = 'kommun'),
    CHECK (municipality_code IS NULL OR left(municipality_code, 2) = home_county_code)
);
CREATE INDEX providers_home_county_idx ON providers (home_county_code);
CREATE INDEX providers_municipality_idx ON providers (municipality_code) WHERE municipality_code IS NOT NULL;
CREATE INDEX providers_name_search_idx ON providers USING gin (to_tsvector('swedish', name));

CREATE TABLE offerings (
    id                                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id                         bigint NOT NULL REFERENCES providers (id),
    method_id                           bigint NOT NULL REFERENCES methods (id),
    startup_fee_sek                     integer CHECK (startup_fee_sek >= 0),
    training_cost_per_participant_sek   integer CHECK (training_cost_per_participant_sek >= 0),
    cost_per_case_sek                   integer CHECK (cost_per_case_sek >= 0),
    yearly_fee_sek                      integer CHECK (yearly_fee_sek >= 0),
    training_days                       numeric(5, 1) CHECK (training_days >= 0),
    training_for                        trainee_role[] NOT NULL DEFAULT '{}',
    certification_required              boolean NOT NULL DEFAULT false,
    delivery                            delivery_mode NOT NULL,
    languages                           text[] NOT NULL DEFAULT '{svenska}',
    valid_from                          date NOT NULL,
    valid_to                            date,
    verified_on                         date,
    example                             boolean NOT NULL DEFAULT false,
    updated_at                          timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (provider_id, method_id, valid_from),
    UNIQUE (id, method_id),   -- the target of availability's (offering_id, method_id)
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX offerings_method_idx ON offerings (method_id, provider_id);
CREATE INDEX offerings_provider_idx ON offerings (provider_id);

CREATE TABLE offering_availability (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    offering_id               bigint NOT NULL,
    -- The offering's method, repeated so that "method M in county C" is one
    -- index range (see the index below); the foreign key keeps it true.
    method_id                 bigint NOT NULL,
    county_code               text NOT NULL REFERENCES counties (code),
    municipality_code         text REFERENCES municipalities (code),
    status                    availability_status NOT NULL,
    capacity_cases_per_year   integer CHECK (capacity_cases_per_year >= 0),
    lead_time_weeks           integer CHECK (lead_time_weeks >= 0),
    example                   boolean NOT NULL DEFAULT false,
    updated_at                timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (offering_id, method_id) REFERENCES offerings (id, method_id) ON UPDATE CASCADE ON DELETE CASCADE,
    CHECK (municipality_code IS NULL OR left(municipality_code, 2) = county_code)
);

-- Writers name only the offering; the method is taken from it.
CREATE FUNCTION fill_availability_method() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.method_id := (SELECT method_id FROM offerings WHERE id = NEW.offering_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER offering_availability_method BEFORE INSERT OR UPDATE OF offering_id ON offering_availability
    FOR EACH ROW EXECUTE FUNCTION fill_availability_method();

-- One row per offering and county, or per offering and municipality.
CREATE UNIQUE INDEX offering_availability_place_idx
    ON offering_availability (offering_id, county_code, coalesce(municipality_code, ''));
-- "Who can deliver method M in county C" (GET /v1/methods/{slug}/providers?county=).
CREATE INDEX offering_availability_method_county_idx ON offering_availability (method_id, county_code);
-- "What is offered in county C" (GET /v1/counties/{code}/offerings, ?county= filters).
CREATE INDEX offering_availability_county_idx ON offering_availability (county_code, offering_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['providers', 'offerings', 'offering_availability']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION touch_updated_at()',
                       t || '_touch', t);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed()',
                       t || '_notify', t);
    END LOOP;
END;
$$;

