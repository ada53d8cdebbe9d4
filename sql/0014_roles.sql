-- 0014_roles.sql: least privilege. The role that runs the migrations owns the
-- schema; the server connects as insatskatalog_app, which may read and write
-- rows but owns nothing, so it cannot alter or drop a table, drop the trigger
-- that keeps the audit trail append-only, or update or delete audit entries.
-- The roles themselves (LOGIN, passwords) are made where the database is set
-- up (deploy/pg.sh, the compose file, the cluster's own tooling): a migration
-- must not hold a password.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'insatskatalog_app') THEN
        IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
            RAISE EXCEPTION 'role insatskatalog_app does not exist and % may not create it', current_user
                USING HINT = 'Create it first: CREATE ROLE insatskatalog_app LOGIN PASSWORD ''...'';';
        END IF;
        -- Without LOGIN until someone gives it a password.
        CREATE ROLE insatskatalog_app NOLOGIN;
    END IF;
END;
$$;

GRANT USAGE ON SCHEMA public TO insatskatalog_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO insatskatalog_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO insatskatalog_app;

-- The audit trail: read and append, nothing else (its triggers refuse the
-- rest to everyone as well). The migration bookkeeping: read only.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM insatskatalog_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM insatskatalog_app;

-- Tables and sequences later migrations create (as this same role) are usable
-- by the server without a grant of their own.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO insatskatalog_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO insatskatalog_app;
