-- 0011_agreement_decisions.sql: agreements that mean what their parties
-- decided. A change of terms clears the decisions taken on the old terms;
-- notice records who gave it and when, and the service computes the day the
-- agreement ends; a draft records which party wrote it (only that party or
-- admin deletes it); retried creates with an Idempotency-Key create once.

ALTER TABLE agreements
    -- The party that created the agreement (its municipality code); NULL: admin.
    ADD COLUMN created_by text REFERENCES municipalities (code),
    -- When a change of terms last cleared decisions recorded on earlier terms.
    ADD COLUMN decisions_cleared_at timestamptz,
    -- Notice (uppsägning): the party that gave it, the day, and the day the
    -- agreement ends: the notice period from that day, or valid_to if earlier.
    ADD COLUMN notice_given_by text REFERENCES municipalities (code),
    ADD COLUMN notice_given_on date,
    ADD COLUMN ends_on date,
    ADD CONSTRAINT agreements_notice_whole
        CHECK ((notice_given_on IS NULL) = (ends_on IS NULL) AND (notice_given_by IS NULL OR notice_given_on IS NOT NULL));

-- Agreements made before this migration: the creator is the municipality
-- whose key wrote the audit trail's create entry, if it was one.
UPDATE agreements a SET created_by = substring(k.scope FROM '^municipality:([0-9]{4})$')
FROM audit_log l JOIN api_keys k ON k.id = l.key_id
WHERE l.entity = 'agreement' AND l.action = 'create' AND l.entity_id = a.id::text;

-- The status as the calendar makes it: an agreement in force whose term has
-- ended, or whose notice has run out, has ended (upphört), even before anyone
-- records it.
CREATE FUNCTION agreement_effective_status(status agreement_status, valid_to date, ends_on date, on_date date)
RETURNS agreement_status LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status IN ('aktiv', 'uppsagd') AND least(valid_to, ends_on) < on_date
                THEN 'upphört'::agreement_status ELSE status END
$$;

-- Whether an agreement is a route on on_date: in force, in its term, and not
-- past the end its notice gives (a terminated agreement serves until it ends).
CREATE FUNCTION agreement_in_force(status agreement_status, valid_from date, valid_to date, ends_on date, on_date date)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT status IN ('aktiv', 'uppsagd') AND valid_from <= on_date AND coalesce(least(valid_to, ends_on), on_date) >= on_date
$$;

-- The terms of an input: everything but the parties' decisions.
CREATE FUNCTION agreement_terms(input jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT (input - 'parties') || jsonb_build_object('parties',
        (SELECT coalesce(jsonb_agg(p - 'decision' ORDER BY p->>'municipality'), '[]'::jsonb)
         FROM jsonb_array_elements(input->'parties') p))
$$;

CREATE FUNCTION agreement_create(input jsonb, created_by text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint := agreement_create(input);
BEGIN
    UPDATE agreements SET created_by = agreement_create.created_by WHERE id = new_id;
    RETURN new_id;
END;
$$;

-- Changes an agreement's input (agreement_update) and, when its terms
-- changed, clears every decision recorded on the earlier terms: a decision
-- approves the terms as they then stood. A decision this change records
-- itself stays. Returns how many decisions were cleared.
CREATE FUNCTION agreement_change(agreement bigint, input jsonb) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    before jsonb;
    after jsonb;
    cleared integer := 0;
BEGIN
    SELECT i.input INTO before FROM agreement_inputs i WHERE i.id = agreement;
    PERFORM agreement_update(agreement, input);
    SELECT i.input INTO after FROM agreement_inputs i WHERE i.id = agreement;
    IF agreement_terms(before) IS DISTINCT FROM agreement_terms(after) THEN
        UPDATE agreement_parties p
        SET decision_body = NULL, decision_date = NULL, decision_paragraph = NULL, decision_reference = NULL
        WHERE p.agreement_id = agreement AND p.decision_body IS NOT NULL
          AND (SELECT x->'decision' FROM jsonb_array_elements(before->'parties') x
               WHERE x->>'municipality' = p.municipality_code)
              IS NOT DISTINCT FROM
              (SELECT x->'decision' FROM jsonb_array_elements(after->'parties') x
               WHERE x->>'municipality' = p.municipality_code);
        GET DIAGNOSTICS cleared = ROW_COUNT;
        IF cleared > 0 THEN
            UPDATE agreements SET decisions_cleared_at = clock_timestamp() WHERE id = agreement;
        END IF;
    END IF;
    RETURN cleared;
END;
$$;

-- Moves an agreement along its lifecycle (the service has checked the move).
-- change: {"to": status} and, for "uppsagd", "given_by": the party giving
-- notice (a non-party raises foreign_key_violation naming given_by; absent:
-- admin recorded the notice without naming the party).
CREATE FUNCTION agreement_transition(agreement bigint, change jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF change->>'to' = 'uppsagd' THEN
        IF change->>'given_by' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agreement_parties
                       WHERE agreement_id = agreement AND municipality_code = change->>'given_by') THEN
            RAISE foreign_key_violation USING COLUMN = 'given_by', MESSAGE = 'notice is given by a party';
        END IF;
        UPDATE agreements a SET status = 'uppsagd', notice_given_by = change->>'given_by',
               notice_given_on = current_date,
               ends_on = least(a.valid_to, (current_date + make_interval(months => a.notice_period_months))::date)
        WHERE a.id = agreement;
    ELSE
        UPDATE agreements SET status = (change->>'to')::agreement_status WHERE id = agreement;
    END IF;
END;
$$;

CREATE OR REPLACE VIEW agreement_docs AS
SELECT a.id, a.status, a.valid_from, a.valid_to, a.updated_at,
       json_build_object(
           'id', a.id,
           'title', a.title,
           'description', a.description,
           'status', a.status,
           'effective_status', agreement_effective_status(a.status, a.valid_to, a.ends_on, current_date),
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
           'decisions_cleared_at', a.decisions_cleared_at,
           'notice', CASE WHEN a.notice_given_on IS NOT NULL THEN json_build_object(
                         'given_by', a.notice_given_by, 'given_on', a.notice_given_on, 'ends_on', a.ends_on) END,
           'created_by', a.created_by,
           'example', a.example,
           'updated_at', a.updated_at) AS doc,
       a.ends_on
FROM agreements a;


-- Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header) for
-- creates: per API key, the key the client chose, a hash of what it sent, and
-- the answer its first request got; replayed for 24 hours.
CREATE TABLE idempotency_keys (
    api_key_id       bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_hash     text NOT NULL,            -- hex SHA-256 of method, path and body
    status           integer NOT NULL,
    resource_key     text,                     -- the created record's key, for Location
    body             text NOT NULL,            -- the first answer's body
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (api_key_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
