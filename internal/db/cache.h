/*
 * internal/db/cache.h: an in-process cache of read documents, keyed by
 * statement and parameters, that is correct across replicas.
 *
 * Every replica listens for PostgreSQL's NOTIFY on the channel
 * "catalogue_changed", which statement triggers on every catalogue table
 * send when a transaction changes data (sql/0004_change_notify.sql). Each
 * notification names its table, and drops only the entries built from that
 * table (tables.h); it also starts a new generation. While the
 * listening connection is down the cache is bypassed, since a change could
 * go unheard; on reconnect it starts empty.
 *
 * A reader takes the generation before it queries and stores its result
 * only under that generation: a change committed while the query ran makes
 * the result unreachable instead of serving stale data.
 */
#ifndef INSATSKATALOG_DB_CACHE_H
#define INSATSKATALOG_DB_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db_cache;

/* max_bytes bounds the memory the entries take; when a store would pass it,
 * the least recently used entries are evicted first. */
struct db_cache *db_cache_create(size_t max_bytes);
void db_cache_destroy(struct db_cache *cache);   /* accepts NULL */

/* The generation to pass to db_cache_put; UINT64_MAX while bypassed. */
uint64_t db_cache_generation(struct db_cache *cache);

/* On a hit, *out is a new copy of the body to free(); returns whether it hit. */
bool db_cache_get(struct db_cache *cache, const char *key, char **out);

/* Stores a copy of body under key if generation is still current; tables:
 * what it was read from (tables.h). */
void db_cache_put(struct db_cache *cache, const char *key, const char *body, uint64_t tables, uint64_t generation);

/*
 * Entries of any kind (the HTTP layer keeps whole answers here). visit runs
 * under the cache's read lock with the entry's value, which it must not keep
 * or change; it returns whether it could use it (false counts as a miss).
 * count_miss false: a miss is not counted, because the caller looks the key
 * up again for the same request (a hit is always counted).
 */
typedef bool db_cache_visit_fn(const void *value, void *context);
typedef void db_cache_destroy_fn(void *value);
bool db_cache_visit(struct db_cache *cache, const char *key, db_cache_visit_fn *visit, void *context,
                    bool count_miss);

/* Stores value (owned from now on: destroyed when evicted, dropped, or not
 * stored) if generation is still current. size: the bytes it holds. */
bool db_cache_put_value(struct db_cache *cache, const char *key, void *value, size_t size, uint64_t tables,
                        db_cache_destroy_fn *destroy, uint64_t generation);

/*
 * Serialises the filling of one key: while one thread runs the query for a
 * missing document, the others asking for it wait and then find it cached,
 * instead of all running the same query at once (a stampede after every
 * change). Keys share 64 locks by hash; lock, get again, fill, unlock.
 */
void db_cache_lock_key(struct db_cache *cache, const char *key);
void db_cache_unlock_key(struct db_cache *cache, const char *key);

/*
 * Drops everything, for a change whose commit the primary had written by WAL
 * position lsn: from now on the cache only holds documents at least that
 * new, which is what lets a read after a write trust it (see pool.h).
 */
void db_cache_invalidate_at(struct db_cache *cache, uint64_t lsn);

/* The same for a change to tables only: entries built from other tables stay. */
void db_cache_invalidate_tables_at(struct db_cache *cache, uint64_t tables, uint64_t lsn);

/* The WAL position every cached document is at least as new as. */
uint64_t db_cache_min_lsn(struct db_cache *cache);

/* Bypass on (false) while changes cannot be heard, off (true) again after. */
void db_cache_set_listening(struct db_cache *cache, bool listening);

struct db_cache_stats {
    unsigned long hits, misses, invalidations, evictions;
    size_t entries, bytes;
};
void db_cache_get_stats(struct db_cache *cache, struct db_cache_stats *out);

/*
 * Builds the key of a statement and its parameters into a new string to
 * free(); NULL parameters are kept distinct from empty ones. NULL when out
 * of memory.
 */
char *db_cache_key(const char *statement, int param_count, const char *const *params);

#endif
