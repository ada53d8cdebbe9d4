/*
 * internal/db/kept_routes.c: recomputing the rows sql/0019 keeps for the
 * guidance (see kept_routes.h), from the same SQL text as the guidance's
 * full statement (coverage_sql.h), so the two cannot rank differently.
 */
#include "kept_routes.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../log/log.h"
#include "coverage_sql.h"
#include "pool.h"

/* Any fixed number, the same for every process that recomputes. */
#define KEPT_ROUTES_LOCK_KEY "7123400119"
/* How often the keeper looks: the longest the guidance uses its full query
 * after midnight or after a write made outside the API. */
#define KEEPER_INTERVAL_SECONDS 5

/*
 * What to recompute, taking the marks: everything (the rows are for another
 * day, or a catalogue change marked '*'), else the coverage of the marked
 * municipalities, and the partners of those whose routes changed and of
 * every municipality near one of them (whose partners may be a marked one),
 * each for the marked types. Columns: everything, then codes and types for
 * the coverage, then codes and types for the partners (NULL codes: none).
 */
static const char claim_sql[] =
    "WITH claimed AS (DELETE FROM kept_routes_dirty RETURNING code, type_id, partners), "
    "routed AS (SELECT code, type_id FROM claimed WHERE partners AND code <> '*') "
    "SELECT (SELECT day FROM kept_routes_state) IS DISTINCT FROM current_date "
    "       OR EXISTS (SELECT 1 FROM claimed WHERE code = '*'), "
    "       (SELECT array_agg(DISTINCT code) FROM claimed WHERE code <> '*'), "
    "       (SELECT array_agg(DISTINCT type_id) FROM claimed WHERE code <> '*'), "
    "       (SELECT array_agg(DISTINCT c) FROM (SELECT code FROM routed "
    "        UNION SELECT d.other FROM municipality_distances d "
    "        WHERE d.code IN (SELECT code FROM routed) "
    "          AND (d.neighbour OR d.km <= " GUIDANCE_PARTNER_RADIUS_KM ")) AS near(c)), "
    "       (SELECT array_agg(DISTINCT type_id) FROM routed)";

/* Whether there is anything to recompute, as the session sees it: marks, or
 * rows for another day. Marks another transaction has not committed are its
 * own to recompute. */
#define DUE "(EXISTS (SELECT 1 FROM kept_routes_dirty) " \
            " OR (SELECT day FROM kept_routes_state) IS DISTINCT FROM current_date)"
static const char due_sql[] = "SELECT " DUE;
/* The same for a write, which may recompute only in READ COMMITTED: only
 * there does a statement after the lock see what the previous holder
 * committed. A database whose default isolation is stricter leaves the marks
 * to the keeper, which asks for READ COMMITTED. */
static const char write_due_sql[] = "SELECT " DUE " AND current_setting('transaction_isolation') = 'read committed'";

/* $1 the municipality codes and $4 the intervention type ids (NULL: all);
 * $2 and $3 NULL (the 2021 knowledge support, today) for COVERAGE_CTES. Every
 * type the guidance lists as recommended gets a row, also one no route may
 * serve ('FoU'), as the full statement prints it: not covered, no partners.
 * A pair of a code and a type that was not marked is recomputed to what it
 * was: marks are a set of codes and a set of types. */
#define KEPT_TYPES(ID) "($4::bigint[] IS NULL OR " ID " = ANY ($4::bigint[]))"
#define KEPT_PLACES_CTES                                                                                      \
    "WITH places AS (SELECT code, name, county_code FROM municipalities "                                     \
    "                WHERE $1::text[] IS NULL OR code = ANY ($1::text[])), "                                     \
    COVERAGE_CTES_OF_TYPES(KEPT_TYPES("t.id")) ", "                                                           \
    "listed AS (SELECT DISTINCT r.intervention_type_id AS type_id FROM recommendations r "                   \
    "           JOIN ks ON ks.id = r.knowledge_support_id "                                                     \
    "           WHERE r.strength <> 'bör inte' AND " KEPT_TYPES("r.intervention_type_id") ") "

/* $1 the codes and $2 the type ids (NULL: all) whose rows go. */
#define KEPT_DELETE(TABLE)                                                                                    \
    "DELETE FROM " TABLE " WHERE ($1::text[] IS NULL OR code = ANY ($1::text[])) "                           \
    "AND ($2::bigint[] IS NULL OR type_id = ANY ($2::bigint[]))"

static const char delete_best_sql[] = KEPT_DELETE("kept_best_routes");
static const char delete_partners_sql[] = KEPT_DELETE("kept_partners");

static const char fill_best_sql[] =
    KEPT_PLACES_CTES
    "INSERT INTO kept_best_routes (code, type_id, covered, best_route) "
    "SELECT pl.code, l.type_id, coalesce(c.covered, false), "
    "       (SELECT " ROUTE_JSON("b") " FROM best b WHERE b.code = pl.code AND b.type_id = l.type_id) "
    "FROM places pl CROSS JOIN listed l LEFT JOIN cells c ON c.code = pl.code AND c.type_id = l.type_id";

static const char fill_partners_sql[] =
    KEPT_PLACES_CTES
    "INSERT INTO kept_partners (code, type_id, partners) "
    "SELECT pl.code, l.type_id, "
    PARTNERS_JSON("(" NEARBY_OF("pl.code", GUIDANCE_PARTNER_RADIUS_KM) ") nb", "l.type_id") " "
    "FROM places pl CROSS JOIN listed l";

static bool run(PGconn *conn, const char *sql, int count, const char *const *params, PGresult **out, char *error,
                size_t error_size)
{
    PGresult *res = PQexecParams(conn, sql, count, NULL, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(res);

    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        if (out != NULL)
            *out = res;
        else
            PQclear(res);
        return true;
    }
    snprintf(error, error_size, "recomputing the kept guidance routes failed: %s", PQresultErrorMessage(res));
    PQclear(res);
    return false;
}

/* Deletes the rows of codes and types (NULL: all) with delete_sql, and fills them again with fill_sql. */
static bool refill(PGconn *conn, const char *delete_sql, const char *fill_sql, const char *codes, const char *types,
                   char *error, size_t error_size)
{
    const char *delete_params[] = { codes, types };
    const char *fill_params[] = { codes, NULL, NULL, types };

    return run(conn, delete_sql, 2, delete_params, NULL, error, error_size)
           && run(conn, fill_sql, 4, fill_params, NULL, error, error_size);
}

static const char *value_or_null(const PGresult *res, int column)
{
    return PQgetisnull(res, 0, column) ? NULL : PQgetvalue(res, 0, column);
}

/* Whether sql (due_sql or write_due_sql) says there is anything to do; false
 * also when it failed (error says why). */
static bool is_due(PGconn *conn, const char *sql, char *error, size_t error_size)
{
    PGresult *res = NULL;
    bool due = run(conn, sql, 0, NULL, &res, error, error_size) && PQgetvalue(res, 0, 0)[0] == 't';

    PQclear(res);
    return due;
}

/* In the READ COMMITTED transaction open on conn: takes the lock and the
 * marks, and recomputes what they ask for (all of it when the day changed).
 * false, with the reason in error, when a statement failed (the caller rolls
 * back). */
static bool recompute(PGconn *conn, char *error, size_t error_size)
{
    PGresult *claim = NULL;
    bool ok = false;

    /* A statement of its own: in READ COMMITTED, the claim after it sees what
     * the refresh before this one committed. */
    if (!run(conn, "SELECT pg_advisory_xact_lock(" KEPT_ROUTES_LOCK_KEY ")", 0, NULL, NULL, error, error_size)
        || !run(conn, claim_sql, 0, NULL, &claim, error, error_size))
        goto cleanup;
    if (PQgetvalue(claim, 0, 0)[0] == 't') {
        ok = refill(conn, delete_best_sql, fill_best_sql, NULL, NULL, error, error_size)
             && refill(conn, delete_partners_sql, fill_partners_sql, NULL, NULL, error, error_size)
             && run(conn, "UPDATE kept_routes_state SET day = current_date", 0, NULL, NULL, error, error_size);
        goto cleanup;
    }
    ok = (PQgetisnull(claim, 0, 1)
          || refill(conn, delete_best_sql, fill_best_sql, value_or_null(claim, 1), value_or_null(claim, 2), error,
                    error_size))
         && (PQgetisnull(claim, 0, 3)
             || refill(conn, delete_partners_sql, fill_partners_sql, value_or_null(claim, 3), value_or_null(claim, 4),
                       error, error_size));
cleanup:
    PQclear(claim);
    return ok;
}

void db_kept_routes_refresh_before_commit(PGconn *conn)
{
    char error[1024];

    /* Many writes mark nothing (a method's texts, say): one look, and no lock.
     * A failed look aborts the write, and its COMMIT says why. */
    if (!is_due(conn, write_due_sql, error, sizeof(error))
        || !run(conn, "SAVEPOINT kept_routes", 0, NULL, NULL, error, sizeof(error)))
        return;
    if (recompute(conn, error, sizeof(error))) {
        PQclear(PQexec(conn, "RELEASE SAVEPOINT kept_routes"));
        return;
    }
    /* The write is kept and so are its marks: the guidance answers from its
     * full statement until the keeper has recomputed them. */
    log_warning("%s; the keeper will try again", error);
    PQclear(PQexec(conn, "ROLLBACK TO SAVEPOINT kept_routes"));
}

/* When anything is due (one look, outside a transaction): BEGIN, recompute,
 * COMMIT on conn. false with the reason in error. */
static bool refresh_in_own_transaction(PGconn *conn, char *error, size_t error_size)
{
    error[0] = '\0';
    if (!is_due(conn, due_sql, error, error_size))
        return error[0] == '\0';
    if (!run(conn, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL, NULL, error, error_size))
        return false;
    /* Recomputing everything (the change of day) may take longer than a request may. */
    if (run(conn, "SET LOCAL statement_timeout = 0", 0, NULL, NULL, error, error_size)
        && recompute(conn, error, error_size) && run(conn, "COMMIT", 0, NULL, NULL, error, error_size))
        return true;
    PQclear(PQexec(conn, "ROLLBACK"));
    return false;
}

enum db_status db_kept_fetch_document(struct db_pool *pool, struct db_read *read, const char *kept_statement,
                                      const char *statement, int count, const char *const *params, char **out)
{
    enum db_status status = db_fetch_document(pool, read, kept_statement, count, params, out);

    if (status == DB_NOT_FOUND)
        status = db_fetch_document(pool, read, statement, count, params, out);
    return status;
}

int db_kept_routes_refresh_url(const char *url, FILE *report)
{
    char error[1024];
    PGconn *conn = db_connect(url, "insatskatalog-admin", &db_session_none, error, sizeof(error));
    int result = 1;

    if (conn == NULL) {
        fprintf(report, "%s\n", error);
        return 1;
    }
    if (refresh_in_own_transaction(conn, error, sizeof(error)))
        result = 0;
    else
        fprintf(report, "%s", error);
    PQfinish(conn);
    return result;
}

struct db_keeper {
    pthread_t thread;
    atomic_bool stopping;
    struct db_pool *pool;
};

static void *keeper_loop(void *arg)
{
    struct db_keeper *keeper = arg;
    char error[1024];
    bool failing = false;   /* one warning per run of failures, not one per tick */

    while (!atomic_load(&keeper->stopping)) {
        /* A slot of the pool for a moment, not a connection of its own: the
         * connection budget of a deployment stays DB_POOL_SIZE + 2. */
        PGconn *conn = db_pool_acquire(keeper->pool);
        snprintf(error, sizeof(error), "recomputing the kept guidance routes: no database connection");
        bool ok = conn != NULL && refresh_in_own_transaction(conn, error, sizeof(error));
        db_pool_release(keeper->pool, conn);
        if (!ok && !failing)
            log_warning("%s", error);
        failing = !ok;
        /* In steps, so stopping the server does not wait out the interval. */
        for (int i = 0; i < KEEPER_INTERVAL_SECONDS * 4 && !atomic_load(&keeper->stopping); i++)
            usleep(250 * 1000);
    }
    return NULL;
}

struct db_keeper *db_keeper_start(struct db_pool *pool)
{
    struct db_keeper *keeper = calloc(1, sizeof(*keeper));

    if (keeper == NULL)
        return NULL;
    keeper->pool = pool;
    atomic_init(&keeper->stopping, false);
    if (pthread_create(&keeper->thread, NULL, keeper_loop, keeper) != 0) {
        free(keeper);
        return NULL;
    }
    return keeper;
}

void db_keeper_stop(struct db_keeper *keeper)
{
    if (keeper == NULL)
        return;
    atomic_store(&keeper->stopping, true);
    pthread_join(keeper->thread, NULL);
    free(keeper);
}
