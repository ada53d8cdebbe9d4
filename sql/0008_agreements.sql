-- 0008_agreements.sql: avtalssamverkan, agreements under kommunallagen
-- 9 kap. 37 § in which one municipality (utförare) performs a task for one
-- or more others (beställare), with the methods it covers, its terms, each
-- party's share and decision, and its lifecycle.

CREATE TYPE agreement_status AS ENUM ('utkast', 'föreslagen', 'aktiv', 'uppsagd', 'upphört');
CREATE TYPE compensation_model AS ENUM ('fast årsavgift', 'per ärende', 'befolkningsandel', 'lika delar');
CREATE TYPE procurement_exemption AS ENUM ('myndighetssamverkan', 'intern upphandling');
CREATE TYPE party_role AS ENUM ('utförare', 'beställare');
CREATE TYPE decision_body AS ENUM ('kommunfullmäktige', 'kommunstyrelse', 'socialnämnd', 'annan nämnd');

CREATE TABLE agreements (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title                       text NOT NULL CHECK (title <> '' AND length(title) <= 300),
    description                 text NOT NULL DEFAULT '',
    legal_basis                 text NOT NULL DEFAULT 'kommunallagen (2017:725) 9 kap. 37 §',
    offering_id                 bigint REFERENCES offerings (id),
    compensation_model          compensation_model NOT NULL,
    -- Whole SEK: the yearly amount the orderers pay together (fixed fee,
    -- population split, equal shares) or the price of one case (per case).
    yearly_amount_sek           integer CHECK (yearly_amount_sek >= 0),
    per_case_sek                integer CHECK (per_case_sek >= 0),
    valid_from                  date NOT NULL,
    valid_to                    date,          -- NULL: until further notice (tills vidare)
    automatic_renewal           boolean NOT NULL DEFAULT false,
    notice_period_months        integer NOT NULL DEFAULT 12 CHECK (notice_period_months BETWEEN 0 AND 120),
    indexation                  text,          -- e.g. "omräknas årligen med OPI"
    includes_public_authority   boolean NOT NULL DEFAULT false,   -- myndighetsutövning
    delegation                  text,          -- the delegation that goes with it
    procurement_exemption       procurement_exemption NOT NULL,
    status                      agreement_status NOT NULL DEFAULT 'utkast',
    example                     boolean NOT NULL DEFAULT false,
    updated_at                  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    CHECK (NOT includes_public_authority OR coalesce(delegation, '') <> ''),
    CHECK ((compensation_model = 'per ärende') = (per_case_sek IS NOT NULL)),
    CHECK ((compensation_model <> 'per ärende') = (yearly_amount_sek IS NOT NULL))
);
CREATE INDEX agreements_status_idx ON agreements (status, valid_from);

CREATE TABLE agreement_parties (
    agreement_id         bigint NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    municipality_code    text NOT NULL REFERENCES municipalities (code),
    role                 party_role NOT NULL,
    share_percent        numeric(5, 2) CHECK (share_percent > 0 AND share_percent <= 100),
    population           integer CHECK (population > 0),
    decision_body        decision_body,
    decision_date        date,
    decision_paragraph   text,
    decision_reference   text,                 -- diarienummer
    PRIMARY KEY (agreement_id, municipality_code),
    -- A decision is recorded whole or not at all.
    CHECK ((decision_body IS NULL) = (decision_date IS NULL))
);
-- "Agreements municipality M is a party to" (GET /v1/municipalities/{code}/agreements).
CREATE INDEX agreement_parties_municipality_idx ON agreement_parties (municipality_code, agreement_id);
-- Exactly one performer per agreement.
CREATE UNIQUE INDEX agreement_parties_one_performer_idx ON agreement_parties (agreement_id) WHERE role = 'utförare';

CREATE TABLE agreement_scope (
    agreement_id          bigint NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    method_id             bigint REFERENCES methods (id),
    intervention_type_id  bigint REFERENCES intervention_types (id),
    CHECK (num_nonnulls(method_id, intervention_type_id) = 1),
    UNIQUE (agreement_id, method_id),
    UNIQUE (agreement_id, intervention_type_id)
);
CREATE INDEX agreement_scope_method_idx ON agreement_scope (method_id) WHERE method_id IS NOT NULL;

-- The status as the calendar makes it: an active agreement whose term has
-- ended has ended (upphört), even before anyone records it.
CREATE FUNCTION agreement_effective_status(status agreement_status, valid_to date, on_date date)
RETURNS agreement_status LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status IN ('aktiv', 'uppsagd') AND valid_to IS NOT NULL AND valid_to < on_date
                THEN 'upphört'::agreement_status ELSE status END
$$;

-- Writes the parties and scope of an agreement from its input object, in the
-- caller's transaction. A reference to nothing raises foreign_key_violation
-- with COLUMN naming the input field (reported as a 422); a population split
-- without a population raises not_null_violation likewise (reported as a 400).
CREATE FUNCTION agreement_save_details(agreement bigint, input jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    party jsonb;
    item jsonb;
    i integer := 0;
BEGIN
    DELETE FROM agreement_parties WHERE agreement_id = agreement;
    DELETE FROM agreement_scope WHERE agreement_id = agreement;
    FOR party IN SELECT value FROM jsonb_array_elements(input->'parties') LOOP
        IF NOT EXISTS (SELECT 1 FROM municipalities WHERE code = party->>'municipality') THEN
            RAISE foreign_key_violation USING COLUMN = format('parties[%s].municipality', i),
                MESSAGE = 'no such municipality';
        END IF;
        INSERT INTO agreement_parties (agreement_id, municipality_code, role, share_percent, population,
                                       decision_body, decision_date, decision_paragraph, decision_reference)
        SELECT agreement, party->>'municipality', (party->>'role')::party_role, (party->>'share_percent')::numeric,
               -- The municipality's recorded figure unless the agreement states its own.
               coalesce((party->>'population')::integer, m.population),
               (party->'decision'->>'body')::decision_body, (party->'decision'->>'date')::date,
               party->'decision'->>'paragraph', party->'decision'->>'reference'
        FROM municipalities m WHERE m.code = party->>'municipality';
        i := i + 1;
    END LOOP;
    IF input->>'compensation_model' = 'befolkningsandel' THEN
        SELECT min(ordinality - 1) INTO i
        FROM jsonb_array_elements(input->'parties') WITH ORDINALITY AS p(value, ordinality)
        JOIN agreement_parties ap ON ap.agreement_id = agreement AND ap.municipality_code = p.value->>'municipality'
        WHERE ap.role = 'beställare' AND ap.population IS NULL;
        IF i IS NOT NULL THEN
            RAISE not_null_violation USING COLUMN = format('parties[%s].population', i),
                MESSAGE = 'a population split needs the population of every orderer';
        END IF;
    END IF;
    i := 0;
    FOR item IN SELECT value FROM jsonb_array_elements(coalesce(input->'methods', '[]')) LOOP
        IF NOT EXISTS (SELECT 1 FROM methods WHERE slug = item #>> '{}') THEN
            RAISE foreign_key_violation USING COLUMN = format('methods[%s]', i), MESSAGE = 'no such method';
        END IF;
        INSERT INTO agreement_scope (agreement_id, method_id) SELECT agreement, id FROM methods WHERE slug = item #>> '{}';
        i := i + 1;
    END LOOP;
    i := 0;
    FOR item IN SELECT value FROM jsonb_array_elements(coalesce(input->'intervention_types', '[]')) LOOP
        IF NOT EXISTS (SELECT 1 FROM intervention_types WHERE slug = item #>> '{}') THEN
            RAISE foreign_key_violation USING COLUMN = format('intervention_types[%s]', i),
                MESSAGE = 'no such intervention type';
        END IF;
        INSERT INTO agreement_scope (agreement_id, intervention_type_id)
        SELECT agreement, id FROM intervention_types WHERE slug = item #>> '{}';
        i := i + 1;
    END LOOP;
END;
$$;

CREATE TRIGGER agreements_touch BEFORE UPDATE ON agreements FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['agreements', 'agreement_parties', 'agreement_scope']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed()', t || '_notify', t);
    END LOOP;
END;
$$;

CREATE VIEW agreement_docs AS
SELECT a.id, a.status, a.valid_from, a.valid_to, a.updated_at,
       json_build_object(
           'id', a.id,
           'title', a.title,
           'description', a.description,
           'status', a.status,
           'effective_status', agreement_effective_status(a.status, a.valid_to, current_date),
           'legal_basis', a.legal_basis,
           'performer', (SELECT json_build_object('code', m.code, 'name', m.name)
                         FROM agreement_parties p JOIN municipalities m ON m.code = p.municipality_code
                         WHERE p.agreement_id = a.id AND p.role = 'utförare'),
           -- Shares each orderer pays: stated (fixed yearly fee), by population, or
           -- equal; computed from this agreement's parties only (totals below).
           'parties', (SELECT coalesce(json_agg(json_build_object(
                               'municipality', p.municipality_code,
                               'name', m.name,
                               'county', m.county_code,
                               'role', p.role,
                               'share_percent', CASE
                                   WHEN p.role = 'utförare' THEN NULL
                                   WHEN a.compensation_model = 'fast årsavgift' THEN p.share_percent
                                   WHEN a.compensation_model = 'befolkningsandel'
                                       THEN round(100.0 * p.population / nullif(totals.population, 0), 2)
                                   WHEN a.compensation_model = 'lika delar'
                                       THEN round(100.0 / nullif(totals.orderers, 0), 2) END,
                               'population', p.population,
                               'decision', CASE WHEN p.decision_body IS NOT NULL THEN json_build_object(
                                   'body', p.decision_body, 'date', p.decision_date,
                                   'paragraph', p.decision_paragraph, 'reference', p.decision_reference) END)
                           ORDER BY p.role, p.municipality_code), '[]'::json)
                       FROM agreement_parties p
                       JOIN municipalities m ON m.code = p.municipality_code
                       CROSS JOIN (SELECT sum(population) FILTER (WHERE role = 'beställare') AS population,
                                          count(*) FILTER (WHERE role = 'beställare') AS orderers
                                   FROM agreement_parties WHERE agreement_id = a.id) totals
                       WHERE p.agreement_id = a.id),
           'methods', (SELECT coalesce(json_agg(m.slug ORDER BY m.slug), '[]'::json)
                       FROM agreement_scope sc JOIN methods m ON m.id = sc.method_id WHERE sc.agreement_id = a.id),
           'intervention_types', (SELECT coalesce(json_agg(t.slug ORDER BY t.slug), '[]'::json)
                                  FROM agreement_scope sc JOIN intervention_types t ON t.id = sc.intervention_type_id
                                  WHERE sc.agreement_id = a.id),
           'offering_id', a.offering_id,
           'compensation', json_build_object('model', a.compensation_model,
                                             'yearly_amount_sek', a.yearly_amount_sek,
                                             'per_case_sek', a.per_case_sek,
                                             'indexation', a.indexation),
           'term', json_build_object('valid_from', a.valid_from, 'valid_to', a.valid_to,
                                     'until_further_notice', a.valid_to IS NULL,
                                     'automatic_renewal', a.automatic_renewal,
                                     'notice_period_months', a.notice_period_months),
           'includes_public_authority', a.includes_public_authority,
           'delegation', a.delegation,
           'procurement_exemption', a.procurement_exemption,
           'decisions_complete', NOT EXISTS (SELECT 1 FROM agreement_parties p
                                             WHERE p.agreement_id = a.id AND p.decision_body IS NULL),
           'example', a.example,
           'updated_at', a.updated_at) AS doc
FROM agreements a;

CREATE VIEW agreement_inputs AS
SELECT a.id, jsonb_build_object(
    'title', a.title, 'description', a.description, 'legal_basis', a.legal_basis,
    'offering_id', a.offering_id, 'compensation_model', a.compensation_model,
    'yearly_amount_sek', a.yearly_amount_sek, 'per_case_sek', a.per_case_sek,
    'valid_from', a.valid_from, 'valid_to', a.valid_to, 'automatic_renewal', a.automatic_renewal,
    'notice_period_months', a.notice_period_months, 'indexation', a.indexation,
    'includes_public_authority', a.includes_public_authority, 'delegation', a.delegation,
    'procurement_exemption', a.procurement_exemption, 'example', a.example,
    'parties', (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                        'municipality', p.municipality_code, 'role', p.role, 'share_percent', p.share_percent,
                        'population', p.population,
                        'decision', CASE WHEN p.decision_body IS NOT NULL THEN jsonb_strip_nulls(jsonb_build_object(
                            'body', p.decision_body, 'date', p.decision_date, 'paragraph', p.decision_paragraph,
                            'reference', p.decision_reference)) END))
                    ORDER BY p.role, p.municipality_code), '[]'::jsonb)
                FROM agreement_parties p WHERE p.agreement_id = a.id),
    'methods', (SELECT coalesce(jsonb_agg(m.slug ORDER BY m.slug), '[]'::jsonb)
                FROM agreement_scope sc JOIN methods m ON m.id = sc.method_id WHERE sc.agreement_id = a.id),
    'intervention_types', (SELECT coalesce(jsonb_agg(t.slug ORDER BY t.slug), '[]'::jsonb)
                           FROM agreement_scope sc JOIN intervention_types t ON t.id = sc.intervention_type_id
                           WHERE sc.agreement_id = a.id)) AS input
FROM agreements a;

-- Creating and changing an agreement with its parties and scope is one call,
-- inside the service's write transaction. Terms can change only before the
-- agreement is in force; after that the lifecycle moves it on.
CREATE FUNCTION agreement_create(input jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO agreements (title, description, legal_basis, offering_id, compensation_model, yearly_amount_sek,
                            per_case_sek, valid_from, valid_to, automatic_renewal, notice_period_months, indexation,
                            includes_public_authority, delegation, procurement_exemption, example)
    SELECT r.title, coalesce(r.description, ''), coalesce(r.legal_basis, 'kommunallagen (2017:725) 9 kap. 37 §'),
           r.offering_id, r.compensation_model, r.yearly_amount_sek, r.per_case_sek, r.valid_from, r.valid_to,
           coalesce(r.automatic_renewal, false), coalesce(r.notice_period_months, 12), r.indexation,
           coalesce(r.includes_public_authority, false), r.delegation, r.procurement_exemption,
           coalesce(r.example, false)
    FROM jsonb_to_record(input) AS r(title text, description text, legal_basis text, offering_id bigint,
         compensation_model compensation_model, yearly_amount_sek integer, per_case_sek integer, valid_from date,
         valid_to date, automatic_renewal boolean, notice_period_months integer, indexation text,
         includes_public_authority boolean, delegation text, procurement_exemption procurement_exemption,
         example boolean)
    RETURNING id INTO new_id;
    PERFORM agreement_save_details(new_id, input);
    RETURN new_id;
END;
$$;

CREATE FUNCTION agreement_update(agreement bigint, input jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT status FROM agreements WHERE id = agreement) NOT IN ('utkast', 'föreslagen') THEN
        RAISE restrict_violation USING MESSAGE = 'the terms of an agreement in force cannot change';
    END IF;
    UPDATE agreements a SET title = r.title, description = coalesce(r.description, ''),
           legal_basis = coalesce(r.legal_basis, 'kommunallagen (2017:725) 9 kap. 37 §'), offering_id = r.offering_id,
           compensation_model = r.compensation_model, yearly_amount_sek = r.yearly_amount_sek,
           per_case_sek = r.per_case_sek, valid_from = r.valid_from, valid_to = r.valid_to,
           automatic_renewal = coalesce(r.automatic_renewal, false),
           notice_period_months = coalesce(r.notice_period_months, 12), indexation = r.indexation,
           includes_public_authority = coalesce(r.includes_public_authority, false), delegation = r.delegation,
           procurement_exemption = r.procurement_exemption, example = coalesce(r.example, false)
    FROM jsonb_to_record(input) AS r(title text, description text, legal_basis text, offering_id bigint,
         compensation_model compensation_model, yearly_amount_sek integer, per_case_sek integer, valid_from date,
         valid_to date, automatic_renewal boolean, notice_period_months integer, indexation text,
         includes_public_authority boolean, delegation text, procurement_exemption procurement_exemption,
         example boolean)
    WHERE a.id = agreement;
    PERFORM agreement_save_details(agreement, input);
END;
$$;

-- Only drafts can be deleted: from "föreslagen" on an agreement is a public
-- record, ended through its lifecycle instead.
CREATE FUNCTION refuse_non_draft_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'utkast' THEN
        RAISE restrict_violation USING MESSAGE = 'only a draft agreement can be deleted';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER agreements_delete_drafts_only BEFORE DELETE ON agreements
    FOR EACH ROW EXECUTE FUNCTION refuse_non_draft_delete();
