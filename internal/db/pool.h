/*
 * internal/db/pool.h: a fixed-size, thread-safe pool of libpq connections,
 * and the few generic ways the resource files run their statements.
 *
 * Each db/<resource>.c keeps its SQL in a {name, sql} table; the pool
 * prepares every table on every new connection, because prepared statements
 * belong to a session and a reconnect after a PostgreSQL restart has none.
 */
#ifndef INSATSKATALOG_DB_POOL_H
#define INSATSKATALOG_DB_POOL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "connect.h"

enum db_status {
    DB_OK = 0,
    DB_NOT_FOUND,     /* the statement matched no row */
    DB_UNAVAILABLE,   /* no connection could be had, or it broke: answer 503 */
    DB_CONFLICT,      /* a unique or foreign-key constraint refused a write */
    DB_ERROR,         /* anything else: a bug or an unexpected state, answer 500 */
};

struct db_statement {
    const char *name;
    const char *sql;
};

struct db_pool;

struct db_pool_stats {
    unsigned size;
    unsigned in_use;
    unsigned waiting;
    unsigned long errors;
};

/*
 * Creates a pool of `size` connections to `url`. Connections open lazily, so
 * the service starts (and /readyz says 503) while the database is down.
 * statement_tables: NULL-terminated array of {NULL, NULL}-terminated tables,
 * borrowed for the pool's lifetime. Returns NULL only when out of memory.
 */
struct db_pool *db_pool_create(const char *url, unsigned size, const struct db_session_settings *settings,
                               const struct db_statement *const *statement_tables);

/* Closes every connection; waits for none. Accepts NULL. */
void db_pool_destroy(struct db_pool *pool);

/*
 * Borrows a connected session with every statement prepared, waiting up to
 * a few seconds for a free one. Returns NULL when none could be had (the
 * database is down or the pool stayed exhausted): the caller answers 503.
 */
PGconn *db_pool_acquire(struct db_pool *pool);

/* Returns a borrowed connection. Accepts NULL. A session left inside a
 * transaction is rolled back (or closed when that fails); a broken one is
 * closed, and the next acquire of its slot reconnects. */
void db_pool_release(struct db_pool *pool, PGconn *conn);

void db_pool_get_stats(struct db_pool *pool, struct db_pool_stats *out);

/*
 * Maps a failed result to a status by SQLSTATE, never by message, and logs
 * the server's message (which must never reach a client). Accepts NULL res.
 */
enum db_status db_status_from_result(struct db_pool *pool, PGconn *conn, const PGresult *res);

/*
 * Runs a read-only prepared statement that returns one row with one text
 * column (a JSON document built by PostgreSQL). On DB_OK, *out is a new
 * NUL-terminated string the caller frees with free(); otherwise *out is NULL.
 * No row, or a NULL column: DB_NOT_FOUND. A connection that broke since its
 * last use is reconnected and the statement retried once, which is safe
 * because the statement only reads.
 */
enum db_status db_fetch_text(struct db_pool *pool, const char *statement, int param_count,
                             const char *const *params, char **out);

/*
 * Read replicas. A pool made for DATABASE_READ_URL is told its primary; a
 * document read through it goes to the primary instead whenever the replica
 * has not yet replayed the WAL position the read must see: the cache's
 * (documents must be no older than what the cache has heard of) or the
 * request's own (a client that wrote sends the X-Consistency-LSN its write
 * returned, and then never reads older data than it wrote).
 */
void db_pool_set_primary(struct db_pool *replica, struct db_pool *primary);

/* Where reads that must be current go: the primary of a replica pool, else the pool itself. */
struct db_pool *db_pool_primary(struct db_pool *pool);

/*
 * Readiness: whether the database answers SELECT 1 within timeout_ms, on a
 * session of its own (one per pool, opened on first use), never waiting for
 * a pool slot. DB_OK or DB_UNAVAILABLE.
 */
enum db_status db_pool_check(struct db_pool *pool, int timeout_ms);

/*
 * For a replica pool (db_pool_set_primary): whether its replica is away
 * (reads go to the primary until it answers again) and how many reads the
 * primary served for that reason. False, and nothing set, for other pools.
 */
bool db_pool_get_replica_stats(struct db_pool *pool, bool *away, unsigned long *fallbacks);

/* PostgreSQL's "16/B374D848" text form of a WAL position, both ways. */
#define DB_LSN_SIZE 20
bool db_lsn_parse(const char *text, uint64_t *out);
void db_lsn_format(uint64_t lsn, char out[DB_LSN_SIZE]);

/* The primary's current WAL position (after a commit: at least the commit's). */
enum db_status db_current_lsn(PGconn *conn, uint64_t *out);

/*
 * Whether a client's X-Consistency-LSN lies ahead of everything the primary
 * has written (*ahead true: it cannot have come from a write, and a read
 * waiting for it would never be served from the cache). Asks the primary only
 * when the cache has not already heard of a position at least that new.
 */
enum db_status db_lsn_check_ahead(struct db_pool *pool, uint64_t lsn, bool *ahead);

/* Drops the cached documents after this process wrote, up to WAL position
 * lsn (0 when unknown). Accepts a pool without a cache. */
void db_pool_invalidate_cache_at(struct db_pool *pool, uint64_t lsn);
void db_pool_invalidate_cache(struct db_pool *pool);   /* the same, position unknown */
/* The same for a write that changed only tables (tables.h): entries built from others stay. */
void db_pool_invalidate_tables_at(struct db_pool *pool, uint64_t tables, uint64_t lsn);

/*
 * One request's reads of cached documents, passed down by the HTTP layer
 * with every document read it makes. In: the WAL position the request must
 * read at least (the X-Consistency-LSN a client sends after its write; 0:
 * none). Out, added to by db_fetch_document(): what the documents were built
 * from (tables.h) and how many there were, so the caller can store an answer
 * made of them under the tables it depends on.
 */
struct db_read {
    uint64_t read_after;
    uint64_t tables;
    unsigned documents;
};

/* Lets db_fetch_document() use cache (borrowed; may be NULL to turn caching off). */
void db_pool_set_cache(struct db_pool *pool, struct db_cache *cache);

/*
 * db_fetch_text() through the pool's document cache: for statements whose
 * result depends only on their parameters and the catalogue's data. read
 * (NULL: no position to wait for, nothing to record) is the request's, see
 * struct db_read.
 */
enum db_status db_fetch_document(struct db_pool *pool, struct db_read *read, const char *statement, int param_count,
                                 const char *const *params, char **out);

#endif
