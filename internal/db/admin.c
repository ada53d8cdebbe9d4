/*
 * internal/db/admin.c: migrations and reference data, for the admin command.
 *
 * CSV files are streamed to PostgreSQL with COPY into a temporary table and
 * merged from there with one INSERT ... ON CONFLICT, so the parsing, the type
 * checks and the constraints are PostgreSQL's, and a bad file changes nothing.
 */
#include "admin.h"
#include "connect.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../file/file.h"

/* Any fixed number: what matters is that every migrator uses the same one. */
#define MIGRATION_LOCK_KEY "7123400101"

static const char sql_create_migrations[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())";
static const char sql_migration_lock[] = "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")";
static const char sql_migration_unlock[] = "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")";
static const char sql_migration_applied[] = "SELECT 1 FROM schema_migrations WHERE version = $1";
static const char sql_migration_record[] = "INSERT INTO schema_migrations (version) VALUES ($1)";

PGconn *db_admin_connect(const char *url, FILE *report)
{
    char error[512];
    /* No statement timeout: a migration or a large import may take long. */
    PGconn *conn = db_connect(url, "insatskatalog-admin", &db_session_none, error, sizeof(error));
    if (conn == NULL) {
        fprintf(report, "%s\n", error);
        return NULL;
    }
    PQclear(PQexec(conn, "SET client_min_messages = warning"));
    return conn;
}

bool db_admin_exec(PGconn *conn, const char *sql, FILE *report, const char *what)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(res);
    bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;

    if (!ok)
        fprintf(report, "%s failed: %s", what, PQerrorMessage(conn));
    PQclear(res);
    return ok;
}

static bool is_migration_name(const char *name)
{
    size_t length = strlen(name);
    return length > 9 && name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9'
           && name[2] >= '0' && name[2] <= '9' && name[3] >= '0' && name[3] <= '9' && name[4] == '_'
           && strcmp(name + length - 4, ".sql") == 0;
}

static int compare_names(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int filter_migrations(const struct dirent *entry)
{
    return is_migration_name(entry->d_name);
}

/* Applies one migration file unless recorded; *applied tells which. */
static bool apply_migration(PGconn *conn, const char *sql_dir, const char *name, bool *applied, FILE *report)
{
    const char *params[] = { name };
    char path[4096];
    char *sql = NULL;
    PGresult *res = NULL;
    bool ok = false;
    bool in_transaction = false;

    *applied = false;
    if (!db_admin_exec(conn, "BEGIN", report, "BEGIN"))
        goto cleanup;
    in_transaction = true;
    res = PQexecParams(conn, sql_migration_applied, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(report, "reading schema_migrations failed: %s", PQerrorMessage(conn));
        goto cleanup;
    }
    if (PQntuples(res) == 1) {
        ok = true;
        goto cleanup;
    }
    snprintf(path, sizeof(path), "%s/%s", sql_dir, name);
    if ((sql = file_read_all(path, NULL)) == NULL) {
        fprintf(report, "cannot read %s\n", path);
        goto cleanup;
    }
    if (!db_admin_exec(conn, sql, report, name))
        goto cleanup;
    PQclear(res);
    res = PQexecParams(conn, sql_migration_record, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        fprintf(report, "recording %s failed: %s", name, PQerrorMessage(conn));
        goto cleanup;
    }
    if (!db_admin_exec(conn, "COMMIT", report, "COMMIT"))
        goto cleanup;
    in_transaction = false;
    *applied = true;
    ok = true;
cleanup:
    if (in_transaction)
        PQclear(PQexec(conn, ok ? "COMMIT" : "ROLLBACK"));
    PQclear(res);
    free(sql);
    return ok;
}

int db_admin_migrate(const char *url, const char *sql_dir, FILE *report)
{
    PGconn *conn = NULL;
    struct dirent **entries = NULL;
    int entry_count = 0;
    int applied_count = 0;
    int failed = 1;
    bool locked = false;

    if ((conn = db_admin_connect(url, report)) == NULL)
        goto cleanup;
    if (!db_admin_exec(conn, sql_migration_lock, report, "taking the migration lock"))
        goto cleanup;
    locked = true;
    if (!db_admin_exec(conn, sql_create_migrations, report, "creating schema_migrations"))
        goto cleanup;
    if ((entry_count = scandir(sql_dir, &entries, filter_migrations, compare_names)) < 0) {
        fprintf(report, "cannot read the migrations folder %s (set SQL_DIR)\n", sql_dir);
        entry_count = 0;
        goto cleanup;
    }
    for (int i = 0; i < entry_count; i++) {
        bool applied;
        if (!apply_migration(conn, sql_dir, entries[i]->d_name, &applied, report))
            goto cleanup;
        if (applied) {
            fprintf(report, "applied %s\n", entries[i]->d_name);
            applied_count++;
        }
    }
    fprintf(report, "migrations: %d applied, %d already in place\n", applied_count, entry_count - applied_count);
    failed = 0;
cleanup:
    if (locked)
        PQclear(PQexec(conn, sql_migration_unlock));
    for (int i = 0; i < entry_count; i++)
        free(entries[i]);
    free(entries);
    PQfinish(conn);
    return failed;
}

/* Streams a file into an open COPY ... FROM STDIN. */
static bool copy_file(PGconn *conn, const char *path, FILE *report)
{
    char *data = file_read_all(path, NULL);
    PGresult *res = NULL;
    bool ok = false;

    if (data == NULL) {
        fprintf(report, "cannot read %s\n", path);
        PQputCopyEnd(conn, "file could not be read");
    } else if (PQputCopyData(conn, data, (int)strlen(data)) != 1 || PQputCopyEnd(conn, NULL) != 1) {
        fprintf(report, "sending %s failed: %s", path, PQerrorMessage(conn));
    } else {
        ok = true;
    }
    res = PQgetResult(conn);
    if (ok && PQresultStatus(res) != PGRES_COMMAND_OK) {
        fprintf(report, "%s was refused: %s", path, PQerrorMessage(conn));
        ok = false;
    }
    while (res != NULL) {
        PQclear(res);
        res = PQgetResult(conn);
    }
    free(data);
    return ok;
}

/* COPY a CSV into temp table `table`, then run `merge`; all inside the caller's transaction. */
static bool load_csv(PGconn *conn, const char *create_temp, const char *copy, const char *path,
                     const char *merge, FILE *report)
{
    PGresult *res = NULL;
    bool ok;

    if (!db_admin_exec(conn, create_temp, report, "creating a staging table"))
        return false;
    res = PQexec(conn, copy);
    ok = PQresultStatus(res) == PGRES_COPY_IN;
    if (!ok)
        fprintf(report, "starting COPY failed: %s", PQerrorMessage(conn));
    PQclear(res);
    return ok && copy_file(conn, path, report) && db_admin_exec(conn, merge, report, path);
}

/* Upserts the features of a GeoJSON FeatureCollection file (property "code")
 * into table (code, geometry) with one parameterised statement; merge is that
 * statement, taking the file's text as $1. */
static bool load_geojson(PGconn *conn, const char *path, const char *merge, FILE *report)
{
    size_t length = 0;
    char *data = file_read_all(path, &length);
    const char *params[] = { data };
    PGresult *res = NULL;
    bool ok = false;

    if (data == NULL) {
        fprintf(report, "cannot read %s\n", path);
        return false;
    }
    res = PQexecParams(conn, merge, 1, NULL, params, NULL, NULL, 0);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(report, "%s was refused: %s", path, PQerrorMessage(conn));
    PQclear(res);
    free(data);
    return ok;
}

/* The borders: a code that names no municipality (county) fails the foreign
 * key, so a wrong file changes nothing. Features no longer in the file go. */
#define GEOJSON_MERGE(TABLE)                                                                                     \
    "WITH features AS (SELECT f->'properties'->>'code' AS code, f->'geometry' AS geometry "                    \
    "                  FROM json_array_elements($1::json->'features') AS f), "                                  \
    "gone AS (DELETE FROM " TABLE " WHERE code NOT IN (SELECT code FROM features WHERE code IS NOT NULL)) "     \
    "INSERT INTO " TABLE " (code, geometry) SELECT code, geometry FROM features "                              \
    "ON CONFLICT (code) DO UPDATE SET geometry = EXCLUDED.geometry "                                           \
    "WHERE " TABLE ".geometry::text IS DISTINCT FROM EXCLUDED.geometry::text"

int db_admin_load_reference(const char *url, const char *sql_dir, FILE *report)
{
    PGconn *conn = NULL;
    char counties[4096], municipalities[4096], centroids[4096], neighbours[4096];
    char municipality_borders[4096], county_borders[4096];
    int failed = 1;

    snprintf(counties, sizeof(counties), "%s/reference/counties.csv", sql_dir);
    snprintf(municipalities, sizeof(municipalities), "%s/reference/municipalities.csv", sql_dir);
    snprintf(centroids, sizeof(centroids), "%s/reference/municipality_centroids.csv", sql_dir);
    snprintf(neighbours, sizeof(neighbours), "%s/reference/municipality_neighbours.csv", sql_dir);
    snprintf(municipality_borders, sizeof(municipality_borders), "%s/reference/municipalities.geojson", sql_dir);
    snprintf(county_borders, sizeof(county_borders), "%s/reference/counties.geojson", sql_dir);
    if ((conn = db_admin_connect(url, report)) == NULL)
        goto cleanup;
    if (!db_admin_exec(conn, "BEGIN", report, "BEGIN"))
        goto cleanup;
    if (!load_csv(conn, "CREATE TEMP TABLE staged_counties (code text, name text) ON COMMIT DROP",
                  "COPY staged_counties (code, name) FROM STDIN (FORMAT csv, HEADER true)", counties,
                  "INSERT INTO counties (code, name) SELECT code, name FROM staged_counties "
                  "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name "
                  "WHERE counties.name IS DISTINCT FROM EXCLUDED.name",
                  report)
        || !load_csv(conn,
                     "CREATE TEMP TABLE staged_municipalities (code text, name text, county_code text) "
                     "ON COMMIT DROP",
                     "COPY staged_municipalities (code, name, county_code) FROM STDIN (FORMAT csv, HEADER true)",
                     municipalities,
                     "INSERT INTO municipalities (code, name, county_code) "
                     "SELECT code, name, county_code FROM staged_municipalities "
                     "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, county_code = EXCLUDED.county_code "
                     "WHERE (municipalities.name, municipalities.county_code) "
                     "IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.county_code)",
                     report)
        || !load_csv(conn,
                     "CREATE TEMP TABLE staged_centroids (code text, lat double precision, lon double precision) "
                     "ON COMMIT DROP",
                     "COPY staged_centroids (code, lat, lon) FROM STDIN (FORMAT csv, HEADER true)", centroids,
                     "INSERT INTO municipality_centroids (code, lat, lon) SELECT code, lat, lon FROM staged_centroids "
                     "ON CONFLICT (code) DO UPDATE SET lat = EXCLUDED.lat, lon = EXCLUDED.lon "
                     "WHERE (municipality_centroids.lat, municipality_centroids.lon) "
                     "IS DISTINCT FROM (EXCLUDED.lat, EXCLUDED.lon)",
                     report)
        /* The pairs are the file: pairs no longer in it are deleted. */
        || !load_csv(conn, "CREATE TEMP TABLE staged_neighbours (code_a text, code_b text) ON COMMIT DROP",
                     "COPY staged_neighbours (code_a, code_b) FROM STDIN (FORMAT csv, HEADER true)", neighbours,
                     "WITH gone AS (DELETE FROM municipality_neighbours n WHERE NOT EXISTS ("
                     "  SELECT 1 FROM staged_neighbours s WHERE s.code_a = n.code_a AND s.code_b = n.code_b)) "
                     "INSERT INTO municipality_neighbours (code_a, code_b) SELECT code_a, code_b FROM staged_neighbours "
                     "ON CONFLICT DO NOTHING",
                     report)
        || !load_geojson(conn, municipality_borders, GEOJSON_MERGE("municipality_borders"), report)
        || !load_geojson(conn, county_borders, GEOJSON_MERGE("county_borders"), report)
        || !db_admin_exec(conn, "COMMIT", report, "COMMIT")) {
        PQclear(PQexec(conn, "ROLLBACK"));
        goto cleanup;
    }
    fprintf(report, "reference data loaded: counties, municipalities, their centroids, neighbours and borders\n");
    failed = 0;
cleanup:
    PQfinish(conn);
    return failed;
}

int db_admin_load_population(const char *url, const char *csv_path, FILE *report)
{
    PGconn *conn = NULL;
    int failed = 1;

    if ((conn = db_admin_connect(url, report)) == NULL)
        goto cleanup;
    if (!db_admin_exec(conn, "BEGIN", report, "BEGIN"))
        goto cleanup;
    if (!load_csv(conn, "CREATE TEMP TABLE staged_population (code text, population integer, year integer) "
                        "ON COMMIT DROP",
                  "COPY staged_population (code, population, year) FROM STDIN (FORMAT csv, HEADER true)", csv_path,
                  /* The DO block refuses codes that name no municipality instead of skipping them. */
                  "DO $$ BEGIN IF EXISTS (SELECT 1 FROM staged_population s WHERE NOT EXISTS "
                  "(SELECT 1 FROM municipalities m WHERE m.code = s.code)) THEN "
                  "RAISE EXCEPTION 'the file names a municipality code that does not exist'; END IF; "
                  "UPDATE municipalities m SET population = s.population, population_year = s.year "
                  "FROM staged_population s WHERE m.code = s.code "
                  "AND (m.population, m.population_year) IS DISTINCT FROM (s.population, s.year); END $$",
                  report)
        || !db_admin_exec(conn, "COMMIT", report, "COMMIT")) {
        PQclear(PQexec(conn, "ROLLBACK"));
        goto cleanup;
    }
    fprintf(report, "population figures loaded from %s\n", csv_path);
    failed = 0;
cleanup:
    PQfinish(conn);
    return failed;
}
