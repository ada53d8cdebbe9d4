/*
 * internal/db/readiness.h: whether the database answers, asked on a session
 * of its own (readiness.c says why), and the monotonic clock its deadlines
 * and the pool's replica retries are measured on.
 */
#ifndef INSATSKATALOG_DB_READINESS_H
#define INSATSKATALOG_DB_READINESS_H

#include <libpq-fe.h>
#include <pthread.h>

#include "connect.h"
#include "pool.h"

/* The one session /readyz uses, so a check never queues behind the pool. */
struct db_probe {
    pthread_mutex_t lock;       /* one check at a time; held only by checks */
    PGconn *conn;               /* opened on first use, closed after a failed check */
};

void db_probe_init(struct db_probe *probe);
void db_probe_destroy(struct db_probe *probe);

/* SELECT 1 on the probe's session (opened to url when it has none) within
 * timeout_ms: DB_OK or DB_UNAVAILABLE. */
enum db_status db_probe_check(struct db_probe *probe, const char *url, const struct db_session_settings *settings,
                              int timeout_ms);

/* Milliseconds on CLOCK_MONOTONIC. */
long long db_clock_ms(void);

#endif
