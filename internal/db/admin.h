/*
 * internal/db/admin.h: what the admin command does to a database:
 * migrations and the loading of reference data. Each function opens its own
 * connection, reports progress and problems on the given stream, and returns
 * 0 on success.
 */
#ifndef INSATSKATALOG_DB_ADMIN_H
#define INSATSKATALOG_DB_ADMIN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

/* Connects for an admin task; NULL (reported) when the database cannot be reached. */
PGconn *db_admin_connect(const char *url, FILE *report);

/* Runs SQL without parameters (only for text that is ours: migration files and
 * fixed statements); reports and returns false on failure. */
bool db_admin_exec(PGconn *conn, const char *sql, FILE *report, const char *what);

/*
 * Applies every sql_dir/NNNN_*.sql not yet recorded in schema_migrations, in
 * order, each in its own transaction with its record. A session-level
 * advisory lock makes concurrent runs (many replicas starting at once) wait
 * for each other, so each migration runs exactly once.
 */
int db_admin_migrate(const char *url, const char *sql_dir, FILE *report);

/*
 * Loads the counties and municipalities CSV files (sql_dir/reference/) in
 * one transaction. Rows that did not change are left untouched, so their
 * updated_at (and every ETag) stays as it was when nothing changed.
 */
int db_admin_load_reference(const char *url, const char *sql_dir, FILE *report);

/*
 * Loads population figures from a CSV with the header code,population,year
 * in one transaction; a code that names no municipality refuses the file.
 */
int db_admin_load_population(const char *url, const char *csv_path, FILE *report);

#endif
