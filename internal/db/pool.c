/*
 * internal/db/pool.c: connections, reconnection and statement preparation.
 *
 * One mutex guards the slot table; a connection is used by one thread at a
 * time, and connecting or querying happens outside the lock. The pool never
 * grows: its size bounds what one replica asks of PostgreSQL's
 * max_connections, which is what limits how many replicas a database serves.
 */
#include "pool.h"

#include "tables.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "../log/log.h"
#include "connect.h"
#include "readiness.h"

/* How long a request waits for a free connection before it is answered 503. */
#define ACQUIRE_TIMEOUT_MS 5000

struct db_slot {
    PGconn *conn;
    bool in_use;
};

/* Whether a replica pool's replica answers (see read_replica_or_primary()). */
struct db_replica_state {
    atomic_bool away;                 /* the last attempt failed: reads go to the primary */
    atomic_llong retry_at_ms;         /* monotonic time of the next attempt while away */
    atomic_ulong fallbacks;           /* reads the primary served because the replica was away */
};

struct db_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    char *url;
    const struct db_statement *const *statement_tables;
    unsigned size;
    unsigned in_use;
    unsigned waiting;
    unsigned long errors;
    struct db_cache *cache;
    struct db_pool *primary;    /* set when this pool reads from a replica */
    struct db_probe probe;      /* readiness: its own session, see db_pool_check() */
    struct db_replica_state replica;   /* when this pool reads from a replica */
    struct db_session_settings settings;
    struct db_slot slots[];
};

struct db_pool *db_pool_create(const char *url, unsigned size, const struct db_session_settings *settings,
                               const struct db_statement *const *statement_tables)
{
    struct db_pool *pool = calloc(1, sizeof(*pool) + size * sizeof(struct db_slot));

    if (pool == NULL)
        return NULL;
    if ((pool->url = strdup(url)) == NULL) {
        free(pool);
        return NULL;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->freed, NULL);
    db_probe_init(&pool->probe);
    pool->size = size;
    pool->settings = *settings;
    pool->statement_tables = statement_tables;
    return pool;
}

void db_pool_destroy(struct db_pool *pool)
{
    if (pool == NULL)
        return;
    for (unsigned i = 0; i < pool->size; i++)
        PQfinish(pool->slots[i].conn);
    db_probe_destroy(&pool->probe);
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->lock);
    free(pool->url);
    free(pool);
}

static void count_error(struct db_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->errors++;
    pthread_mutex_unlock(&pool->lock);
}

/* Prepares every registered statement on a new session. */
static bool prepare_statements(struct db_pool *pool, PGconn *conn)
{
    for (const struct db_statement *const *table = pool->statement_tables; *table != NULL; table++) {
        for (const struct db_statement *st = *table; st->name != NULL; st++) {
            PGresult *res = PQprepare(conn, st->name, st->sql, 0, NULL);
            bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
            if (!ok)
                log_error("cannot prepare statement \"%s\": %s", st->name, PQerrorMessage(conn));
            PQclear(res);
            if (!ok)
                return false;
        }
    }
    return true;
}

/* Opens a session for a slot the caller owns; NULL when the database is unreachable. */
static PGconn *connect_session(struct db_pool *pool)
{
    char error[512];
    PGconn *conn = db_connect(pool->url, "insatskatalog", &pool->settings, error, sizeof(error));

    if (conn == NULL) {
        log_warning("%s", error);
        return NULL;
    }
    if (!prepare_statements(pool, conn)) {
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

static struct timespec deadline_in_ms(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

PGconn *db_pool_acquire(struct db_pool *pool)
{
    struct timespec deadline = deadline_in_ms(ACQUIRE_TIMEOUT_MS);
    struct db_slot *slot = NULL;

    pthread_mutex_lock(&pool->lock);
    while (slot == NULL) {
        /* Prefer a slot that is already connected. */
        for (unsigned i = 0; i < pool->size; i++) {
            struct db_slot *s = &pool->slots[i];
            if (!s->in_use && (slot == NULL || (slot->conn == NULL && s->conn != NULL)))
                slot = s;
        }
        if (slot != NULL)
            break;
        pool->waiting++;
        int rc = pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline);
        pool->waiting--;
        if (rc == ETIMEDOUT) {
            pthread_mutex_unlock(&pool->lock);
            log_warning("no database connection became free within %d ms", ACQUIRE_TIMEOUT_MS);
            return NULL;
        }
    }
    slot->in_use = true;
    pool->in_use++;
    PGconn *conn = slot->conn;
    pthread_mutex_unlock(&pool->lock);

    /* Connecting happens outside the lock; the slot is ours, but its conn
     * field is only written under the lock, because release() reads it. */
    if (conn != NULL && PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        conn = NULL;
    }
    if (conn == NULL)
        conn = connect_session(pool);
    pthread_mutex_lock(&pool->lock);
    slot->conn = conn;
    if (conn == NULL) {
        slot->in_use = false;
        pool->in_use--;
        pool->errors++;
        pthread_cond_signal(&pool->freed);
    }
    pthread_mutex_unlock(&pool->lock);
    return conn;
}

/* Whether a returned session may serve the next request: outside any
 * transaction. One left inside a transaction (a failed statement whose
 * ROLLBACK was never sent or did not work) is rolled back, or closed. */
static bool session_is_clean(PGconn *conn)
{
    PGTransactionStatusType state = PQtransactionStatus(conn);

    if (PQstatus(conn) != CONNECTION_OK)
        return false;
    if (state == PQTRANS_IDLE)
        return true;
    if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) {
        PGresult *res = PQexec(conn, "ROLLBACK");
        bool rolled_back = PQresultStatus(res) == PGRES_COMMAND_OK && PQtransactionStatus(conn) == PQTRANS_IDLE;
        PQclear(res);
        if (rolled_back)
            log_warning("a database session came back inside a transaction; rolled it back");
        return rolled_back;
    }
    return false;   /* a query still running, or an unknown state */
}

void db_pool_release(struct db_pool *pool, PGconn *conn)
{
    if (pool == NULL || conn == NULL)
        return;
    bool clean = session_is_clean(conn);
    pthread_mutex_lock(&pool->lock);
    for (unsigned i = 0; i < pool->size; i++) {
        if (pool->slots[i].conn == conn && pool->slots[i].in_use) {
            if (!clean) {
                PQfinish(conn);   /* the next acquire reconnects this slot */
                pool->slots[i].conn = NULL;
            }
            pool->slots[i].in_use = false;
            pool->in_use--;
            break;
        }
    }
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

void db_pool_get_stats(struct db_pool *pool, struct db_pool_stats *out)
{
    pthread_mutex_lock(&pool->lock);
    out->size = pool->size;
    out->in_use = pool->in_use;
    out->waiting = pool->waiting;
    out->errors = pool->errors;
    pthread_mutex_unlock(&pool->lock);
}

static bool is_sqlstate_class(const char *sqlstate, const char *class)
{
    return sqlstate != NULL && strncmp(sqlstate, class, 2) == 0;
}

enum db_status db_status_from_result(struct db_pool *pool, PGconn *conn, const PGresult *res)
{
    const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    enum db_status status = DB_ERROR;

    if (conn == NULL || PQstatus(conn) != CONNECTION_OK || res == NULL
        || is_sqlstate_class(sqlstate, "08") || is_sqlstate_class(sqlstate, "57") || is_sqlstate_class(sqlstate, "40")
        || (sqlstate != NULL && strcmp(sqlstate, "55P03") == 0))
        /* connection exceptions; shutdown, recovery, statement_timeout (57014);
         * a deadlock; lock_timeout (55P03): retry later */
        status = DB_UNAVAILABLE;
    else if (sqlstate != NULL && (strcmp(sqlstate, "23505") == 0 || strcmp(sqlstate, "23503") == 0))
        status = DB_CONFLICT;

    if (status == DB_CONFLICT)
        log_debug("constraint refused a write: SQLSTATE %s", sqlstate);
    else
        log_error("statement failed: SQLSTATE %s: %s", sqlstate ? sqlstate : "none",
                  res ? PQresultErrorMessage(res) : (conn ? PQerrorMessage(conn) : "no connection"));
    if (status != DB_CONFLICT && pool != NULL)
        count_error(pool);
    return status;
}

enum db_status db_fetch_text(struct db_pool *pool, const char *statement, int param_count,
                             const char *const *params, char **out)
{
    enum db_status status = DB_ERROR;
    PGconn *conn = NULL;
    PGresult *res = NULL;

    *out = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        if ((conn = db_pool_acquire(pool)) == NULL) {
            status = DB_UNAVAILABLE;
            goto cleanup;
        }
        res = PQexecPrepared(conn, statement, param_count, params, NULL, NULL, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK)
            break;
        /* A session the server closed (restart, failover) only shows when used. */
        if (PQstatus(conn) == CONNECTION_BAD && attempt == 0) {
            log_warning("database connection lost; reconnecting and retrying \"%s\" once", statement);
            PQclear(res);
            res = NULL;
            db_pool_release(pool, conn);
            conn = NULL;
            continue;
        }
        status = db_status_from_result(pool, conn, res);
        goto cleanup;
    }
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        status = DB_NOT_FOUND;
        goto cleanup;
    }
    if ((*out = strdup(PQgetvalue(res, 0, 0))) == NULL)
        goto cleanup;
    status = DB_OK;
cleanup:
    PQclear(res);
    db_pool_release(pool, conn);
    return status;
}

struct db_pool *db_pool_primary(struct db_pool *pool)
{
    return pool->primary ? pool->primary : pool;
}

void db_pool_set_primary(struct db_pool *replica, struct db_pool *primary)
{
    replica->primary = primary;
}

bool db_lsn_parse(const char *text, uint64_t *out)
{
    unsigned long high, low;
    char *end;

    if (text == NULL || strchr(text, '/') == NULL || strlen(text) > 17)
        return false;
    for (const char *p = text; *p != '\0'; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F') || (*p >= 'a' && *p <= 'f') || *p == '/'))
            return false;
    high = strtoul(text, &end, 16);
    if (*end != '/' || end == text || end[1] == '\0' || high > 0xffffffffUL)
        return false;
    low = strtoul(end + 1, &end, 16);
    if (*end != '\0' || low > 0xffffffffUL)
        return false;
    *out = ((uint64_t)high << 32) | low;
    return true;
}

void db_lsn_format(uint64_t lsn, char out[DB_LSN_SIZE])
{
    snprintf(out, DB_LSN_SIZE, "%X/%X", (unsigned)(lsn >> 32), (unsigned)(lsn & 0xffffffffu));
}

enum db_status db_current_lsn(PGconn *conn, uint64_t *out)
{
    /* Used by writes (after a commit) and the change listener, whose session
     * prepares nothing: an unnamed statement serves both. */
    PGresult *res = PQexecParams(conn, "SELECT pg_current_wal_lsn()::text", 0, NULL, NULL, NULL, NULL, 0);
    enum db_status status = DB_ERROR;

    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && db_lsn_parse(PQgetvalue(res, 0, 0), out))
        status = DB_OK;
    PQclear(res);
    return status;
}

enum db_status db_lsn_check_ahead(struct db_pool *pool, uint64_t lsn, bool *ahead)
{
    struct db_pool *primary = db_pool_primary(pool);
    uint64_t current = 0;
    enum db_status status;
    PGconn *conn;

    *ahead = false;
    if (lsn == 0 || (pool->cache != NULL && db_cache_min_lsn(pool->cache) >= lsn))
        return DB_OK;
    if ((conn = db_pool_acquire(primary)) == NULL)
        return DB_UNAVAILABLE;
    status = db_current_lsn(conn, &current);
    db_pool_release(primary, conn);
    if (status == DB_OK)
        *ahead = lsn > current;
    return status;
}

/* Whether the replica has replayed at least lsn; false when it cannot tell. */
static bool replica_has_replayed(struct db_pool *replica, uint64_t lsn)
{
    char text[DB_LSN_SIZE];
    const char *params[] = { text };
    PGconn *conn = db_pool_acquire(replica);
    PGresult *res = NULL;
    bool replayed = false;

    if (conn == NULL)
        return false;
    db_lsn_format(lsn, text);
    res = PQexecPrepared(conn, "replica_has_replayed", 1, params, NULL, NULL, 0);
    replayed = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    db_pool_release(replica, conn);
    return replayed;
}

/* ---- the replica's absence ---------------------------------------------------
 * While the replica does not answer (stopped, failing over, its pool full),
 * reads go to the primary: a replica outage costs the primary some load, not
 * the service its reads. One read per REPLICA_RETRY_MS tries the replica again;
 * the others go straight to the primary, so an unreachable host's connect
 * timeout is paid once per interval, not by every read. The log says when the
 * replica goes away and when it is back; /metrics shows both (db_pool_get_replica_stats).
 */
#define REPLICA_RETRY_MS 5000

/* Whether this read should try the replica: it answers, or it is time to try it again. */
static bool replica_worth_trying(struct db_pool *replica)
{
    struct db_replica_state *st = &replica->replica;
    long long retry_at = atomic_load(&st->retry_at_ms);

    if (!atomic_load(&st->away))
        return true;
    /* One reader wins the retry; the others keep reading from the primary. */
    return db_clock_ms() >= retry_at
           && atomic_compare_exchange_strong(&st->retry_at_ms, &retry_at, db_clock_ms() + REPLICA_RETRY_MS);
}

static void replica_answered(struct db_pool *replica)
{
    if (atomic_exchange(&replica->replica.away, false))
        log_info("the read replica answers again; reads go to it");
}

static void replica_failed(struct db_pool *replica)
{
    atomic_store(&replica->replica.retry_at_ms, db_clock_ms() + REPLICA_RETRY_MS);
    if (!atomic_exchange(&replica->replica.away, true))
        log_warning("the read replica does not answer; reads go to the primary until it does (tried every %d ms)",
                    REPLICA_RETRY_MS);
}

/* db_fetch_text() for a replica pool: from the replica when it answers and has
 * replayed must_see (0: anything will do), else from its primary. */
static enum db_status read_replica_or_primary(struct db_pool *replica, uint64_t must_see, const char *statement,
                                              int param_count, const char *const *params, char **out)
{
    enum db_status status;

    if (!replica_worth_trying(replica)) {
        atomic_fetch_add(&replica->replica.fallbacks, 1);
        return db_fetch_text(replica->primary, statement, param_count, params, out);
    }
    if (must_see > 0 && !replica_has_replayed(replica, must_see))
        return db_fetch_text(replica->primary, statement, param_count, params, out);   /* it lags behind */
    status = db_fetch_text(replica, statement, param_count, params, out);
    if (status != DB_UNAVAILABLE) {
        replica_answered(replica);
        return status;
    }
    replica_failed(replica);
    atomic_fetch_add(&replica->replica.fallbacks, 1);
    return db_fetch_text(replica->primary, statement, param_count, params, out);
}

bool db_pool_get_replica_stats(struct db_pool *pool, bool *away, unsigned long *fallbacks)
{
    if (pool->primary == NULL)
        return false;
    *away = atomic_load(&pool->replica.away);
    *fallbacks = atomic_load(&pool->replica.fallbacks);
    return true;
}

enum db_status db_pool_check(struct db_pool *pool, int timeout_ms)
{
    return db_probe_check(&pool->probe, pool->url, &pool->settings, timeout_ms);
}

void db_pool_set_cache(struct db_pool *pool, struct db_cache *cache)
{
    pool->cache = cache;
}

void db_pool_invalidate_cache(struct db_pool *pool)
{
    db_pool_invalidate_cache_at(pool, 0);
}

void db_pool_invalidate_cache_at(struct db_pool *pool, uint64_t lsn)
{
    db_pool_invalidate_tables_at(pool, DB_TABLES_ALL, lsn);
}

void db_pool_invalidate_tables_at(struct db_pool *pool, uint64_t tables, uint64_t lsn)
{
    if (pool->cache != NULL)
        db_cache_invalidate_tables_at(pool->cache, tables, lsn);
}

enum db_status db_fetch_document(struct db_pool *pool, struct db_read *read, const char *statement, int param_count,
                                 const char *const *params, char **out)
{
    uint64_t read_after = read != NULL ? read->read_after : 0;
    enum db_status status;
    uint64_t generation = UINT64_MAX;
    uint64_t cache_lsn = 0;
    char *key = NULL;
    /* A client that wrote may only be served by a cache that has heard of its write. */
    bool cacheable = pool->cache != NULL && (read_after == 0 || db_cache_min_lsn(pool->cache) >= read_after);
    uint64_t tables = db_statement_tables(statement);

    if (read != NULL) {
        read->documents++;
        read->tables |= tables;
    }
    *out = NULL;
    if (cacheable && (key = db_cache_key(statement, param_count, params)) != NULL) {
        if (db_cache_get(pool->cache, key, out)) {
            free(key);
            return DB_OK;
        }
        /* One filler per key; whoever waited here finds the document cached. */
        db_cache_lock_key(pool->cache, key);
        if (db_cache_get(pool->cache, key, out)) {
            db_cache_unlock_key(pool->cache, key);
            free(key);
            return DB_OK;
        }
        /* Taken before the query: see the race described in cache.h. */
        generation = db_cache_generation(pool->cache);
        cache_lsn = db_cache_min_lsn(pool->cache);
    }
    uint64_t must_see = read_after > cache_lsn ? read_after : cache_lsn;
    if (pool->primary != NULL)
        status = read_replica_or_primary(pool, must_see, statement, param_count, params, out);
    else
        status = db_fetch_text(pool, statement, param_count, params, out);
    if (status == DB_OK && key != NULL && generation != UINT64_MAX)
        db_cache_put(pool->cache, key, *out, tables, generation);
    if (key != NULL)
        db_cache_unlock_key(pool->cache, key);
    free(key);
    return status;
}
