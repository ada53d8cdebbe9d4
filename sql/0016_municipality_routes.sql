-- 0016_municipality_routes.sql: each municipality's own routes to a method,
-- kept ready, so coverage, guidance, partners and the maps read them by index
-- instead of joining providers, offerings, agreements, parties and scope for
-- every request (issue 15: guidance with a municipality at 32 connections).
--
-- A row is one route a municipality has whatever the day: its own delivery
-- (an offering of a provider of the municipality) or an agreement it is a
-- party to, for one intervention type and method. The day an answer is about
-- is applied when it is read: the offering's valid_from/valid_to, or
-- agreement_in_force() over the agreement's status and dates, stored as they
-- are in the agreement so the function stays the one definition of "in force".
-- Which types count (the knowledge support's recommendations) is also applied
-- when read.
--
-- Triggers keep the table right in the transaction of every write to the
-- tables it is made of: offerings, providers, methods (a method's type),
-- agreements, agreement_parties and agreement_scope. Each recomputes only the
-- rows of the offerings and agreements the statement touched (transition
-- tables), so a bulk load costs one pass and a single write a few rows.

CREATE TABLE municipality_routes (
    code               text NOT NULL,
    type_id            bigint NOT NULL,
    -- NULL: an agreement for a whole type that names no offering.
    method_id          bigint,
    kind               text NOT NULL CHECK (kind IN ('egen regi', 'avtalssamverkan')),
    -- Own delivery, or the municipality is the agreement's performer.
    performer          boolean NOT NULL,
    cost_per_case_sek  integer,
    offering_id        bigint,
    provider_id        bigint,
    agreement_id       bigint,
    verified_on        date,
    updated_at         timestamptz,
    -- The offering's days, or the agreement's status and days (agreement_in_force()).
    status             agreement_status,
    valid_from         date NOT NULL,
    valid_to           date,
    ends_on            date,
    CHECK ((kind = 'egen regi') = (agreement_id IS NULL))
);
CREATE INDEX municipality_routes_code_idx ON municipality_routes (code, type_id);
-- What a municipality performs itself (guidance's partners probe it per municipality near).
CREATE INDEX municipality_routes_performer_idx ON municipality_routes (code, type_id) WHERE performer;
-- The rows of an offering: its own delivery, and the agreements that name it.
CREATE INDEX municipality_routes_offering_idx ON municipality_routes (offering_id) WHERE offering_id IS NOT NULL;
CREATE INDEX municipality_routes_agreement_idx ON municipality_routes (agreement_id) WHERE agreement_id IS NOT NULL;
-- Which agreements name an offering, when it changes (a write costs an index probe, not a scan).
CREATE INDEX agreements_offering_idx ON agreements (offering_id) WHERE offering_id IS NOT NULL;

-- What the rows are, from the tables they are made of. An agreement covers a
-- method by name, or a whole type: then its route is for the method of the
-- offering it names, or for no particular method (as sql/0009 coverage).
CREATE VIEW municipality_own_route_source AS
    SELECT p.municipality_code AS code, m.intervention_type_id AS type_id, o.method_id, 'egen regi'::text AS kind,
           true AS performer, o.cost_per_case_sek, o.id AS offering_id, o.provider_id, NULL::bigint AS agreement_id,
           o.verified_on, o.updated_at, NULL::agreement_status AS status, o.valid_from, o.valid_to,
           NULL::date AS ends_on
    FROM offerings o JOIN providers p ON p.id = o.provider_id JOIN methods m ON m.id = o.method_id
    WHERE p.municipality_code IS NOT NULL;

CREATE VIEW municipality_agreement_route_source AS
    SELECT DISTINCT ap.municipality_code AS code, coalesce(sc.intervention_type_id, sm.intervention_type_id) AS type_id,
           CASE WHEN sc.method_id IS NOT NULL THEN sc.method_id ELSE named.method_id END AS method_id,
           'avtalssamverkan'::text AS kind, ap.role = 'utförare' AS performer, a.per_case_sek AS cost_per_case_sek,
           a.offering_id, NULL::bigint AS provider_id, a.id AS agreement_id, named.verified_on, a.updated_at,
           a.status, a.valid_from, a.valid_to, a.ends_on
    FROM agreement_parties ap JOIN agreements a ON a.id = ap.agreement_id
    JOIN agreement_scope sc ON sc.agreement_id = a.id
    LEFT JOIN methods sm ON sm.id = sc.method_id
    LEFT JOIN offerings named ON named.id = a.offering_id;

-- Recomputes the rows of these offerings (own delivery) and agreements, and
-- of the agreements that name one of the offerings.
--
-- Two transactions writing different tables (say, a party of an agreement and
-- the offering it names) would each recompute the same rows without seeing
-- the other's change. So the offerings and agreements are locked first, in id
-- order (FOR NO KEY UPDATE: as an UPDATE of them would, without blocking the
-- key-share locks of foreign keys): the second transaction waits for the first
-- to commit, and its statements after the lock (each with a new snapshot, as
-- READ COMMITTED takes) recompute from both changes.
CREATE FUNCTION municipality_routes_refresh(offering_ids bigint[], agreement_ids bigint[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    agreements_touched bigint[];
BEGIN
    offering_ids := coalesce(offering_ids, '{}');
    PERFORM 1 FROM offerings WHERE id = ANY (offering_ids) ORDER BY id FOR NO KEY UPDATE;
    agreements_touched := ARRAY(
        SELECT unnest(coalesce(agreement_ids, '{}'))
        UNION SELECT a.id FROM agreements a WHERE a.offering_id = ANY (offering_ids)
        UNION SELECT r.agreement_id FROM municipality_routes r
              WHERE r.agreement_id IS NOT NULL AND r.offering_id = ANY (offering_ids));
    PERFORM 1 FROM agreements WHERE id = ANY (agreements_touched) ORDER BY id FOR NO KEY UPDATE;
    IF cardinality(offering_ids) > 0 THEN
        DELETE FROM municipality_routes WHERE kind = 'egen regi' AND offering_id = ANY (offering_ids);
        INSERT INTO municipality_routes SELECT * FROM municipality_own_route_source WHERE offering_id = ANY (offering_ids);
    END IF;
    IF cardinality(agreements_touched) > 0 THEN
        DELETE FROM municipality_routes WHERE agreement_id = ANY (agreements_touched);
        INSERT INTO municipality_routes
            SELECT * FROM municipality_agreement_route_source WHERE agreement_id = ANY (agreements_touched);
    END IF;
END;
$$;

-- Every row again (the first fill, and after a TRUNCATE of a source table).
CREATE FUNCTION municipality_routes_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM municipality_routes;
    INSERT INTO municipality_routes SELECT * FROM municipality_own_route_source;
    INSERT INTO municipality_routes SELECT * FROM municipality_agreement_route_source;
$$;

-- One function per source table; TG_OP says which transition tables exist.
CREATE FUNCTION municipality_routes_after_offerings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM municipality_routes_refresh(ARRAY(SELECT id FROM new_rows), NULL);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM municipality_routes_refresh(ARRAY(SELECT id FROM new_rows UNION SELECT id FROM old_rows), NULL);
    ELSE
        PERFORM municipality_routes_refresh(ARRAY(SELECT id FROM old_rows), NULL);
    END IF;
    RETURN NULL;
END;
$$;

-- A provider's municipality decides whose own delivery its offerings are.
CREATE FUNCTION municipality_routes_after_providers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM municipality_routes_refresh(ARRAY(
            SELECT o.id FROM offerings o JOIN new_rows n ON n.id = o.provider_id JOIN old_rows d ON d.id = n.id
            WHERE n.municipality_code IS DISTINCT FROM d.municipality_code), NULL);
    ELSE
        -- A deleted provider had no offerings left (offerings_provider_id_fkey); the
        -- rows of any removed with it in the same statement went with their offerings.
        PERFORM municipality_routes_refresh(ARRAY(SELECT r.offering_id FROM municipality_routes r
                                                  JOIN old_rows d ON d.id = r.provider_id), NULL);
    END IF;
    RETURN NULL;
END;
$$;

-- A method's type decides which type its offerings and agreements are routes to.
CREATE FUNCTION municipality_routes_after_methods() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[] := ARRAY(SELECT n.id FROM new_rows n JOIN old_rows d ON d.id = n.id
                              WHERE n.intervention_type_id IS DISTINCT FROM d.intervention_type_id);
BEGIN
    IF cardinality(changed) > 0 THEN
        PERFORM municipality_routes_refresh(
            ARRAY(SELECT id FROM offerings WHERE method_id = ANY (changed)),
            ARRAY(SELECT agreement_id FROM agreement_scope WHERE method_id = ANY (changed)));
    END IF;
    RETURN NULL;
END;
$$;

-- agreements, agreement_parties and agreement_scope: the agreements touched.
CREATE FUNCTION municipality_routes_after_agreements() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    key text := CASE WHEN TG_TABLE_NAME = 'agreements' THEN 'id' ELSE 'agreement_id' END;
    ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT ARRAY(SELECT %I FROM new_rows)', key) INTO ids;
    ELSIF TG_OP = 'UPDATE' THEN
        EXECUTE format('SELECT ARRAY(SELECT %1$I FROM new_rows UNION SELECT %1$I FROM old_rows)', key) INTO ids;
    ELSE
        EXECUTE format('SELECT ARRAY(SELECT %I FROM old_rows)', key) INTO ids;
    END IF;
    PERFORM municipality_routes_refresh(NULL, ids);
    RETURN NULL;
END;
$$;

CREATE FUNCTION municipality_routes_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM municipality_routes_rebuild();
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t text;
    f text;
BEGIN
    FOREACH t IN ARRAY ARRAY['offerings', 'providers', 'methods', 'agreements', 'agreement_parties', 'agreement_scope']
    LOOP
        f := CASE t WHEN 'offerings' THEN 'municipality_routes_after_offerings'
                    WHEN 'providers' THEN 'municipality_routes_after_providers'
                    WHEN 'methods' THEN 'municipality_routes_after_methods'
                    ELSE 'municipality_routes_after_agreements' END;
        -- A new provider or method has no offerings yet: no insert trigger for them.
        IF t NOT IN ('providers', 'methods') THEN
            EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                           'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_routes_insert', t, f);
        END IF;
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_routes_update', t, f);
        IF t <> 'methods' THEN
            EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                           'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_routes_delete', t, f);
        END IF;
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION municipality_routes_after_truncate()', t || '_routes_truncate', t);
    END LOOP;
END;
$$;

SELECT municipality_routes_rebuild();
ANALYZE municipality_routes;
