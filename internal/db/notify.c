/*
 * internal/db/notify.c: LISTEN catalogue_changed on a dedicated connection.
 */
#include "notify.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../log/log.h"
#include "connect.h"
#include "pool.h"
#include "tables.h"

struct db_listener {
    pthread_t thread;
    atomic_bool stopping;
    char *url;
    struct db_session_settings settings;
    struct db_cache *cache;
};

static PGconn *connect_and_listen(const struct db_listener *listener)
{
    char error[512];
    PGconn *conn = db_connect(listener->url, "insatskatalog-listener", &listener->settings, error, sizeof(error));
    PGresult *res = NULL;

    if (conn == NULL) {
        log_warning("%s", error);
        return NULL;
    }
    res = PQexec(conn, "LISTEN catalogue_changed");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        goto fail;
    PQclear(res);
    return conn;
fail:
    PQclear(res);
    PQfinish(conn);
    return NULL;
}

/* Notifications come after their commit, so the primary's WAL position now
 * is at least the change's: what the change touched is dropped "as of" it. */
static void invalidate_at_current_lsn(struct db_cache *cache, PGconn *conn, uint64_t tables)
{
    uint64_t lsn = 0;

    if (db_current_lsn(conn, &lsn) != DB_OK)
        lsn = 0;
    db_cache_invalidate_tables_at(cache, tables, lsn);
}

static void *listen_loop(void *arg)
{
    struct db_listener *listener = arg;
    PGconn *conn = NULL;

    while (!atomic_load(&listener->stopping)) {
        if (conn == NULL) {
            if ((conn = connect_and_listen(listener)) == NULL) {
                sleep(1);
                continue;
            }
            /* Changes made while we were deaf are unknown: start empty. */
            db_cache_set_listening(listener->cache, true);
            invalidate_at_current_lsn(listener->cache, conn, DB_TABLES_ALL);
            log_info("listening for catalogue changes; document cache on");
        }
        struct pollfd pfd = { .fd = PQsocket(conn), .events = POLLIN };
        int ready = poll(&pfd, 1, 250);
        if (ready < 0 || (ready > 0 && PQconsumeInput(conn) == 0) || PQstatus(conn) != CONNECTION_OK) {
            log_warning("lost the connection that hears catalogue changes; document cache off until it is back");
            db_cache_set_listening(listener->cache, false);
            PQfinish(conn);
            conn = NULL;
            continue;
        }
        PGnotify *note;
        uint64_t tables = 0;
        while ((note = PQnotifies(conn)) != NULL) {
            tables |= db_table_bit(note->extra);   /* the table's name; unknown: all */
            PQfreemem(note);
        }
        if (tables != 0)
            invalidate_at_current_lsn(listener->cache, conn, tables);
    }
    PQfinish(conn);
    return NULL;
}

struct db_listener *db_listener_start(const char *url, const struct db_session_settings *settings,
                                      struct db_cache *cache)
{
    struct db_listener *listener = calloc(1, sizeof(*listener));

    if (listener == NULL || (listener->url = strdup(url)) == NULL)
        goto fail;
    listener->settings = *settings;
    listener->cache = cache;
    atomic_init(&listener->stopping, false);
    if (pthread_create(&listener->thread, NULL, listen_loop, listener) != 0)
        goto fail;
    return listener;
fail:
    if (listener != NULL)
        free(listener->url);
    free(listener);
    return NULL;
}

void db_listener_stop(struct db_listener *listener)
{
    if (listener == NULL)
        return;
    atomic_store(&listener->stopping, true);
    pthread_join(listener->thread, NULL);
    free(listener->url);
    free(listener);
}
