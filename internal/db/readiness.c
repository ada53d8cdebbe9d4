/*
 * internal/db/readiness.c: /readyz's own session.
 *
 * A readiness check runs on a session of its own, not a pool slot: with every
 * slot busy it would otherwise wait for one (five seconds), longer than a
 * probe waits, and a busy pod would be taken out of service for being busy.
 * Connecting and the query are non-blocking with one deadline, so a hung
 * network costs a check timeout_ms, never more (name resolution aside).
 */
#include "readiness.h"

#include <poll.h>
#include <time.h>

#include "../log/log.h"

long long db_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void db_probe_init(struct db_probe *probe)
{
    pthread_mutex_init(&probe->lock, NULL);
    probe->conn = NULL;
}

void db_probe_destroy(struct db_probe *probe)
{
    PQfinish(probe->conn);
    pthread_mutex_destroy(&probe->lock);
}

/* Waits until conn's socket is ready for what libpq asked, or the deadline. */
static bool wait_socket(PGconn *conn, bool for_write, long long deadline_ms)
{
    long long left = deadline_ms - db_clock_ms();
    struct pollfd pfd = { .fd = PQsocket(conn), .events = for_write ? POLLOUT : POLLIN };

    if (left <= 0 || pfd.fd < 0)
        return false;
    return poll(&pfd, 1, (int)left) > 0;
}

/* The probe's session is opened like every other (db/connect.h), only without blocking. */
static PGconn *probe_connect(const char *url, const struct db_session_settings *settings, long long deadline_ms)
{
    struct db_connect_params params;
    db_connect_params_fill(&params, url, "insatskatalog-readyz", settings);
    PGconn *conn = PQconnectStartParams(params.keys, params.values, 1);
    PostgresPollingStatusType polling = PGRES_POLLING_WRITING;

    if (conn == NULL || PQstatus(conn) == CONNECTION_BAD)
        goto failed;
    while (polling != PGRES_POLLING_OK) {
        if (polling == PGRES_POLLING_FAILED || !wait_socket(conn, polling == PGRES_POLLING_WRITING, deadline_ms))
            goto failed;
        polling = PQconnectPoll(conn);
    }
    return conn;
failed:
    log_warning("readiness: cannot connect to the database: %s",
                conn ? PQerrorMessage(conn) : "out of memory");
    PQfinish(conn);
    return NULL;
}

/* Runs SELECT 1 on the probe session before the deadline. */
static bool probe_query(PGconn *conn, long long deadline_ms)
{
    PGresult *res;
    bool ok = true;

    if (!PQsendQuery(conn, "SELECT 1"))
        return false;
    for (;;) {
        /* PQgetResult blocks unless the whole next result (or the end) has arrived. */
        while (PQisBusy(conn)) {
            if (!wait_socket(conn, false, deadline_ms) || !PQconsumeInput(conn))
                return false;
        }
        if ((res = PQgetResult(conn)) == NULL)
            return ok;
        ok = ok && PQresultStatus(res) == PGRES_TUPLES_OK;
        PQclear(res);
    }
}

enum db_status db_probe_check(struct db_probe *probe, const char *url, const struct db_session_settings *settings,
                              int timeout_ms)
{
    long long deadline_ms = db_clock_ms() + timeout_ms;
    enum db_status status = DB_UNAVAILABLE;

    pthread_mutex_lock(&probe->lock);
    if (probe->conn != NULL && PQstatus(probe->conn) != CONNECTION_OK) {
        PQfinish(probe->conn);
        probe->conn = NULL;
    }
    if (probe->conn == NULL)
        probe->conn = probe_connect(url, settings, deadline_ms);
    if (probe->conn != NULL) {
        if (probe_query(probe->conn, deadline_ms)) {
            status = DB_OK;
        } else {
            /* Timed out or broken: a half-read answer must not meet the next check. */
            log_warning("readiness: the database did not answer within %d ms", timeout_ms);
            PQfinish(probe->conn);
            probe->conn = NULL;
        }
    }
    pthread_mutex_unlock(&probe->lock);
    return status;
}
