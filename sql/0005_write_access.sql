-- 0005_write_access.sql: API keys and the audit trail of every write.
--
-- A key is shown once, at creation, as "ik_<id>_<secret>"; only a BLAKE2b
-- hash of the secret is kept. The secret is 256 random bits, so a fast hash
-- is enough: there is nothing to brute-force, unlike a password.

CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,79}$'),
    scope        text NOT NULL CHECK (scope ~ '^(admin|municipality:[0-9]{4}|provider:[1-9][0-9]{0,17})$'),
    secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz
);

CREATE TYPE audit_action AS ENUM ('create', 'update', 'delete');

-- Who changed what, when, and the record as the API showed it before and after.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    key_id      bigint NOT NULL REFERENCES api_keys (id),
    key_name    text NOT NULL,
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    action      audit_action NOT NULL,
    before      jsonb,
    after       jsonb,
    CHECK ((action = 'create') = (before IS NULL)),
    CHECK ((action = 'delete') = (after IS NULL))
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_key_idx ON audit_log (key_id, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- The trail is append-only for everyone, the service included.
CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

-- The catalogue as a client writes it: the editable fields, with references
-- by slug. PATCH merges into this; PUT and POST bodies have the same shape.
CREATE VIEW knowledge_support_inputs AS
SELECT k.slug, jsonb_build_object(
    'slug', k.slug, 'title', k.title, 'publisher', k.publisher, 'published_year', k.published_year,
    'target_group', k.target_group, 'age_min', k.age_min, 'age_max', k.age_max, 'model', k.model,
    'description', k.description, 'url', k.url) AS input
FROM knowledge_supports k;

CREATE VIEW intervention_type_inputs AS
SELECT t.slug, jsonb_build_object(
    'slug', t.slug, 'name_sv', t.name_sv, 'name_en', t.name_en, 'description', t.description) AS input
FROM intervention_types t;

CREATE VIEW recommendation_inputs AS
SELECT r.slug, jsonb_build_object(
    'slug', r.slug, 'knowledge_support', k.slug, 'intervention_type', t.slug, 'target_group', r.target_group,
    'age_min', r.age_min, 'age_max', r.age_max, 'strength', r.strength, 'statement', r.statement,
    'rank', r.rank) AS input
FROM recommendations r
JOIN knowledge_supports k ON k.id = r.knowledge_support_id
JOIN intervention_types t ON t.id = r.intervention_type_id;

CREATE VIEW method_inputs AS
SELECT m.slug, jsonb_build_object(
    'slug', m.slug, 'abbreviation', m.abbreviation, 'name_sv', m.name_sv, 'name_en', m.name_en,
    'intervention_type', t.slug, 'age_min', m.age_min, 'age_max', m.age_max, 'format', m.format,
    'typical_duration', m.typical_duration, 'purveyor', m.purveyor, 'availability', m.availability,
    'availability_note', m.availability_note, 'swedish_presenter_2023', m.swedish_presenter_2023,
    'description', m.description) AS input
FROM methods m
JOIN intervention_types t ON t.id = m.intervention_type_id;

CREATE VIEW assessment_instrument_inputs AS
SELECT a.slug, jsonb_build_object(
    'slug', a.slug, 'abbreviation', a.abbreviation, 'name', a.name, 'other_names', to_jsonb(a.other_names),
    'assesses', a.assesses, 'age_min', a.age_min, 'age_max', a.age_max, 'publisher', a.publisher,
    'description', a.description) AS input
FROM assessment_instruments a;

CREATE VIEW material_inputs AS
SELECT mt.slug, jsonb_build_object(
    'slug', mt.slug, 'knowledge_support', k.slug, 'title', mt.title, 'kinds', to_jsonb(mt.kinds),
    'audience', mt.audience, 'publisher', mt.publisher, 'description', mt.description, 'url', mt.url) AS input
FROM materials mt
LEFT JOIN knowledge_supports k ON k.id = mt.knowledge_support_id;

-- A standalone read of recommendations, now that they can be edited one by one.
-- (recommendation_docs already exists in 0003_views.sql.)
