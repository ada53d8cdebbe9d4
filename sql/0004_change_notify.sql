-- 0004_change_notify.sql: announce every change to the catalogue.
--
-- Each replica keeps an in-process cache of read documents and drops it when
-- it hears "catalogue_changed" (internal/db/cache.h). Statement-level
-- triggers send one notification per statement; PostgreSQL folds identical
-- notifications of one transaction into one and delivers them only after
-- COMMIT, so a rolled-back change announces nothing.

CREATE FUNCTION notify_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('catalogue_changed', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['counties', 'municipalities', 'knowledge_supports', 'intervention_types',
                             'recommendations', 'methods', 'assessment_instruments', 'materials',
                             'surveys', 'survey_results']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_changed()',
                       t || '_notify', t);
    END LOOP;
END;
$$;
