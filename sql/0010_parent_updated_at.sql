-- 0010_parent_updated_at.sql: a record whose document embeds others changes
-- when they change, so ?updated_since= finds it (its ETag already changes,
-- being a hash of the document). Statement-level triggers with transition
-- tables: a load of many rows touches each parent once.

-- An offering embeds its availability rows.
CREATE FUNCTION touch_offerings_of_availability() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE offerings SET updated_at = clock_timestamp() WHERE id IN (SELECT offering_id FROM new_rows);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE offerings SET updated_at = clock_timestamp() WHERE id IN (SELECT offering_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER offering_availability_touch_insert AFTER INSERT ON offering_availability
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_offerings_of_availability();
CREATE TRIGGER offering_availability_touch_update AFTER UPDATE ON offering_availability
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_offerings_of_availability();
CREATE TRIGGER offering_availability_touch_delete AFTER DELETE ON offering_availability
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_offerings_of_availability();

-- A knowledge support embeds its recommendations.
CREATE FUNCTION touch_knowledge_supports_of_recommendations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE knowledge_supports SET updated_at = clock_timestamp()
        WHERE id IN (SELECT knowledge_support_id FROM new_rows);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE knowledge_supports SET updated_at = clock_timestamp()
        WHERE id IN (SELECT knowledge_support_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER recommendations_touch_insert AFTER INSERT ON recommendations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_knowledge_supports_of_recommendations();
CREATE TRIGGER recommendations_touch_update AFTER UPDATE ON recommendations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_knowledge_supports_of_recommendations();
CREATE TRIGGER recommendations_touch_delete AFTER DELETE ON recommendations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION touch_knowledge_supports_of_recommendations();
