/*
 * internal/db/cache.c: a chained hash table under one read-write lock, with
 * least-recently-used eviction and invalidation by table.
 *
 * A hit only reads the table and stamps the entry's last use (a relaxed
 * store, and only when the millisecond changed), so hits run in parallel
 * under the read lock. Eviction sorts the entries by that stamp when the
 * cache is full and frees the oldest eighth of its capacity at once, so its
 * cost is paid once per many stores.
 */
#include "cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tables.h"

#define BUCKET_COUNT 1024
#define FILL_LOCKS 64

struct entry {
    struct entry *next;
    char *key;
    void *value;
    db_cache_destroy_fn *destroy;
    size_t size;
    uint64_t tables;            /* what it was built from (tables.h) */
    _Atomic uint64_t used_ms;   /* last use, for eviction */
};

struct db_cache {
    pthread_rwlock_t lock;
    struct entry *buckets[BUCKET_COUNT];
    uint64_t generation;
    uint64_t min_lsn;
    bool listening;
    size_t bytes, max_bytes, entries;
    unsigned long hits, misses, invalidations, evictions;
    pthread_mutex_t fill_locks[FILL_LOCKS];
};

/* FNV-1a: short keys, no adversary can choose many colliding ones cheaply
 * enough to matter at 1024 buckets and a memory bound. */
static size_t bucket_of(const char *key)
{
    uint64_t hash = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
        hash = (hash ^ *p) * 1099511628211ULL;
    return (size_t)(hash % BUCKET_COUNT);
}

static uint64_t now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

struct db_cache *db_cache_create(size_t max_bytes)
{
    struct db_cache *cache = calloc(1, sizeof(*cache));
    if (cache == NULL)
        return NULL;
    pthread_rwlock_init(&cache->lock, NULL);
    for (size_t i = 0; i < FILL_LOCKS; i++)
        pthread_mutex_init(&cache->fill_locks[i], NULL);
    cache->max_bytes = max_bytes;
    return cache;
}

static void free_entry(struct entry *e)
{
    if (e->destroy != NULL)
        e->destroy(e->value);
    free(e->key);
    free(e);
}

/* Drops every entry built from any of tables. Caller holds the write lock. */
static void drop_tables(struct db_cache *cache, uint64_t tables)
{
    for (size_t i = 0; i < BUCKET_COUNT; i++) {
        struct entry **link = &cache->buckets[i];
        while (*link != NULL) {
            struct entry *e = *link;
            if ((e->tables & tables) == 0) {
                link = &e->next;
                continue;
            }
            *link = e->next;
            cache->bytes -= e->size;
            cache->entries--;
            free_entry(e);
        }
    }
}

void db_cache_destroy(struct db_cache *cache)
{
    if (cache == NULL)
        return;
    drop_tables(cache, DB_TABLES_ALL);
    for (size_t i = 0; i < FILL_LOCKS; i++)
        pthread_mutex_destroy(&cache->fill_locks[i]);
    pthread_rwlock_destroy(&cache->lock);
    free(cache);
}

uint64_t db_cache_generation(struct db_cache *cache)
{
    uint64_t generation;
    pthread_rwlock_rdlock(&cache->lock);
    generation = cache->listening ? cache->generation : UINT64_MAX;
    pthread_rwlock_unlock(&cache->lock);
    return generation;
}

bool db_cache_visit(struct db_cache *cache, const char *key, db_cache_visit_fn *visit, void *context,
                    bool count_miss)
{
    bool hit = false;

    pthread_rwlock_rdlock(&cache->lock);
    if (cache->listening) {
        for (struct entry *e = cache->buckets[bucket_of(key)]; e != NULL; e = e->next) {
            if (strcmp(e->key, key) == 0) {
                uint64_t now = now_ms();
                if (atomic_load_explicit(&e->used_ms, memory_order_relaxed) != now)
                    atomic_store_explicit(&e->used_ms, now, memory_order_relaxed);
                hit = visit(e->value, context);
                break;
            }
        }
    }
    pthread_rwlock_unlock(&cache->lock);
    /* Counters are statistics only; a lost increment under the read lock is harmless. */
    if (hit || count_miss)
        __atomic_add_fetch(hit ? &cache->hits : &cache->misses, 1, __ATOMIC_RELAXED);
    return hit;
}

static bool copy_text(const void *value, void *context)
{
    char **out = context;
    *out = strdup(value);
    return *out != NULL;
}

bool db_cache_get(struct db_cache *cache, const char *key, char **out)
{
    *out = NULL;
    return db_cache_visit(cache, key, copy_text, out, true);
}

static int by_last_use(const void *a, const void *b)
{
    uint64_t x = atomic_load_explicit(&(*(struct entry *const *)a)->used_ms, memory_order_relaxed);
    uint64_t y = atomic_load_explicit(&(*(struct entry *const *)b)->used_ms, memory_order_relaxed);
    return (x > y) - (x < y);
}

/* Evicts the least recently used entries until room bytes fit under seven
 * eighths of the bound. Caller holds the write lock. */
static void evict_for(struct db_cache *cache, size_t room)
{
    size_t target = cache->max_bytes - cache->max_bytes / 8;
    size_t count = 0;
    struct entry **all = malloc(cache->entries * sizeof(*all));

    target = room > target ? 0 : target - room;
    if (all == NULL) {   /* no memory to sort: empty it, as the cache used to */
        cache->evictions += cache->entries;
        drop_tables(cache, DB_TABLES_ALL);
        return;
    }
    for (size_t i = 0; i < BUCKET_COUNT; i++)
        for (struct entry *e = cache->buckets[i]; e != NULL; e = e->next)
            all[count++] = e;
    qsort(all, count, sizeof(*all), by_last_use);
    for (size_t i = 0; i < count && cache->bytes > target; i++) {
        struct entry **link = &cache->buckets[bucket_of(all[i]->key)];
        while (*link != all[i])
            link = &(*link)->next;
        *link = all[i]->next;
        cache->bytes -= all[i]->size;
        cache->entries--;
        cache->evictions++;
        free_entry(all[i]);
    }
    free(all);
}

bool db_cache_put_value(struct db_cache *cache, const char *key, void *value, size_t size, uint64_t tables,
                        db_cache_destroy_fn *destroy, uint64_t generation)
{
    struct entry *entry = calloc(1, sizeof(*entry));

    if (entry == NULL || (entry->key = strdup(key)) == NULL)
        goto discard;
    entry->value = value;
    entry->destroy = destroy;
    entry->size = size + strlen(key) + sizeof(*entry);
    entry->tables = tables;
    atomic_init(&entry->used_ms, now_ms());
    pthread_rwlock_wrlock(&cache->lock);
    if (!cache->listening || generation != cache->generation || entry->size > cache->max_bytes / 2) {
        pthread_rwlock_unlock(&cache->lock);
        goto discard;
    }
    size_t bucket = bucket_of(key);
    for (struct entry *e = cache->buckets[bucket]; e != NULL; e = e->next) {
        if (strcmp(e->key, key) == 0) {   /* another thread stored it first */
            pthread_rwlock_unlock(&cache->lock);
            goto discard;
        }
    }
    if (cache->bytes + entry->size > cache->max_bytes)
        evict_for(cache, entry->size);
    entry->next = cache->buckets[bucket];
    cache->buckets[bucket] = entry;
    cache->bytes += entry->size;
    cache->entries++;
    pthread_rwlock_unlock(&cache->lock);
    return true;
discard:
    if (destroy != NULL)
        destroy(value);
    if (entry != NULL)
        free(entry->key);
    free(entry);
    return false;
}

void db_cache_put(struct db_cache *cache, const char *key, const char *body, uint64_t tables, uint64_t generation)
{
    char *copy = strdup(body);
    if (copy != NULL)
        db_cache_put_value(cache, key, copy, strlen(copy) + 1, tables, free, generation);
}

void db_cache_lock_key(struct db_cache *cache, const char *key)
{
    pthread_mutex_lock(&cache->fill_locks[bucket_of(key) % FILL_LOCKS]);
}

void db_cache_unlock_key(struct db_cache *cache, const char *key)
{
    pthread_mutex_unlock(&cache->fill_locks[bucket_of(key) % FILL_LOCKS]);
}

void db_cache_invalidate_tables_at(struct db_cache *cache, uint64_t tables, uint64_t lsn)
{
    pthread_rwlock_wrlock(&cache->lock);
    /* A new generation even for a narrow change: a fill that began before it
     * may have read the old rows, whatever it depends on. */
    cache->generation++;
    cache->invalidations++;
    if (lsn > cache->min_lsn)
        cache->min_lsn = lsn;
    drop_tables(cache, tables);
    pthread_rwlock_unlock(&cache->lock);
}

void db_cache_invalidate_at(struct db_cache *cache, uint64_t lsn)
{
    db_cache_invalidate_tables_at(cache, DB_TABLES_ALL, lsn);
}

uint64_t db_cache_min_lsn(struct db_cache *cache)
{
    uint64_t lsn;
    pthread_rwlock_rdlock(&cache->lock);
    lsn = cache->min_lsn;
    pthread_rwlock_unlock(&cache->lock);
    return lsn;
}

void db_cache_set_listening(struct db_cache *cache, bool listening)
{
    pthread_rwlock_wrlock(&cache->lock);
    cache->listening = listening;
    cache->generation++;
    drop_tables(cache, DB_TABLES_ALL);
    pthread_rwlock_unlock(&cache->lock);
}

void db_cache_get_stats(struct db_cache *cache, struct db_cache_stats *out)
{
    pthread_rwlock_rdlock(&cache->lock);
    out->hits = __atomic_load_n(&cache->hits, __ATOMIC_RELAXED);
    out->misses = __atomic_load_n(&cache->misses, __ATOMIC_RELAXED);
    out->invalidations = cache->invalidations;
    out->evictions = cache->evictions;
    out->entries = cache->entries;
    out->bytes = cache->bytes;
    pthread_rwlock_unlock(&cache->lock);
}

char *db_cache_key(const char *statement, int param_count, const char *const *params)
{
    /* Documents may depend on current_date (UTC: the sessions' time zone), so a
     * key holds the UTC day and no entry outlives the day it was made on. */
    char day[24];
    int day_length = snprintf(day, sizeof(day), "%ld:", (long)(time(NULL) / 86400));
    size_t length = strlen(statement) + 1 + (size_t)day_length;
    char *key, *p;

    for (int i = 0; i < param_count; i++)
        length += 1 + (params[i] ? strlen(params[i]) : 0);
    if ((key = malloc(length)) == NULL)
        return NULL;
    p = stpcpy(stpcpy(key, day), statement);
    for (int i = 0; i < param_count; i++) {
        /* \x1f before a value, \x1e for NULL: neither passes validate/, so keys cannot collide. */
        *p++ = params[i] ? '\x1f' : '\x1e';
        if (params[i])
            p = stpcpy(p, params[i]);
    }
    *p = '\0';
    return key;
}
