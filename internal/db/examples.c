/*
 * internal/db/examples.c: loads the generated, fictitious example providers
 * and agreements.
 *
 * The data is made in PostgreSQL by load_example_data() (set-based inserts
 * over generate_series, values derived from hashes of row numbers), so this
 * only defines the function from its file and calls it with parameters.
 */
#include "examples.h"

#include "admin.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "../file/file.h"

/* Concurrent loads wait for each other instead of colliding on organisation numbers and titles. */
#define EXAMPLES_LOCK_KEY "7123400106"

static const char sql_examples_lock[] = "SELECT pg_advisory_xact_lock(" EXAMPLES_LOCK_KEY ")";
static const char sql_load_examples[] =
    "SELECT providers_loaded, offerings_loaded, availability_loaded, agreements_loaded, "
    "agreement_parties_loaded, agreement_scope_loaded, example_rows_removed "
    "FROM load_example_data($1::integer, $2::integer, $3::integer)";

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

int db_admin_load_examples(const char *url, const char *sql_dir, int provider_count, int offering_count,
                           int agreement_count, FILE *report)
{
    PGconn *conn = NULL;
    PGresult *res = NULL;
    char path[4096], providers[16], offerings[16], agreements[16];
    const char *params[] = { providers, offerings, agreements };
    char *sql = NULL;
    struct timespec start;
    bool in_transaction = false;
    int failed = 1;

    clock_gettime(CLOCK_MONOTONIC, &start);
    snprintf(path, sizeof(path), "%s/examples/generate.sql", sql_dir);
    snprintf(providers, sizeof(providers), "%d", provider_count);
    snprintf(offerings, sizeof(offerings), "%d", offering_count);
    snprintf(agreements, sizeof(agreements), "%d", agreement_count);
    if ((sql = file_read_all(path, NULL)) == NULL) {
        fprintf(report, "cannot read %s (set SQL_DIR)\n", path);
        goto cleanup;
    }
    if ((conn = db_admin_connect(url, report)) == NULL)
        goto cleanup;
    if (!db_admin_exec(conn, "BEGIN", report, "BEGIN"))
        goto cleanup;
    in_transaction = true;
    if (!db_admin_exec(conn, sql_examples_lock, report, "taking the example-data lock") || !db_admin_exec(conn, sql, report, path))
        goto cleanup;
    res = PQexecParams(conn, sql_load_examples, 3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        fprintf(report, "load_example_data failed: %s", PQerrorMessage(conn));
        goto cleanup;
    }
    if (!db_admin_exec(conn, "COMMIT", report, "COMMIT"))
        goto cleanup;
    in_transaction = false;
    fprintf(report,
            "example data loaded (fictitious, example = true): %s providers, %s offerings, "
            "%s availability rows, %s agreements (%s parties, %s scope rows); %s earlier example rows removed; "
            "%.2f s\n",
            PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
            PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5), PQgetvalue(res, 0, 6), seconds_since(&start));
    failed = 0;
cleanup:
    if (in_transaction)
        PQclear(PQexec(conn, "ROLLBACK"));
    PQclear(res);
    PQfinish(conn);
    free(sql);
    return failed;
}
