/*
 * internal/db/cache.c: a chained hash table under one read-write lock.
 */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BUCKET_COUNT 1024
#define FILL_LOCKS 64

struct entry {
    struct entry *next;
    char *key;
    char *body;
    size_t size;
};

struct db_cache {
    pthread_rwlock_t lock;
    struct entry *buckets[BUCKET_COUNT];
    uint64_t generation;
    uint64_t min_lsn;
    bool listening;
    size_t bytes, max_bytes, entries;
    unsigned long hits, misses, invalidations;
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

/* Caller holds the write lock. */
static void drop_all(struct db_cache *cache)
{
    for (size_t i = 0; i < BUCKET_COUNT; i++) {
        struct entry *e = cache->buckets[i];
        while (e != NULL) {
            struct entry *next = e->next;
            free(e->key);
            free(e->body);
            free(e);
            e = next;
        }
        cache->buckets[i] = NULL;
    }
    cache->bytes = 0;
    cache->entries = 0;
}

void db_cache_destroy(struct db_cache *cache)
{
    if (cache == NULL)
        return;
    drop_all(cache);
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

bool db_cache_get(struct db_cache *cache, const char *key, char **out)
{
    bool hit = false;

    *out = NULL;
    pthread_rwlock_rdlock(&cache->lock);
    if (cache->listening) {
        for (struct entry *e = cache->buckets[bucket_of(key)]; e != NULL; e = e->next) {
            if (strcmp(e->key, key) == 0) {
                *out = strdup(e->body);
                hit = *out != NULL;
                break;
            }
        }
    }
    pthread_rwlock_unlock(&cache->lock);
    /* Counters are statistics only; a lost increment under the read lock is harmless. */
    __atomic_add_fetch(hit ? &cache->hits : &cache->misses, 1, __ATOMIC_RELAXED);
    return hit;
}

void db_cache_put(struct db_cache *cache, const char *key, const char *body, uint64_t generation)
{
    struct entry *entry = calloc(1, sizeof(*entry));
    size_t size;

    if (entry == NULL || (entry->key = strdup(key)) == NULL || (entry->body = strdup(body)) == NULL)
        goto discard;
    size = strlen(key) + strlen(body) + sizeof(*entry);
    entry->size = size;
    pthread_rwlock_wrlock(&cache->lock);
    if (!cache->listening || generation != cache->generation || size > cache->max_bytes) {
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
    if (cache->bytes + size > cache->max_bytes)
        drop_all(cache);
    bucket = bucket_of(key);
    entry->next = cache->buckets[bucket];
    cache->buckets[bucket] = entry;
    cache->bytes += size;
    cache->entries++;
    pthread_rwlock_unlock(&cache->lock);
    return;
discard:
    if (entry != NULL) {
        free(entry->key);
        free(entry->body);
        free(entry);
    }
}

void db_cache_lock_key(struct db_cache *cache, const char *key)
{
    pthread_mutex_lock(&cache->fill_locks[bucket_of(key) % FILL_LOCKS]);
}

void db_cache_unlock_key(struct db_cache *cache, const char *key)
{
    pthread_mutex_unlock(&cache->fill_locks[bucket_of(key) % FILL_LOCKS]);
}

void db_cache_invalidate_at(struct db_cache *cache, uint64_t lsn)
{
    pthread_rwlock_wrlock(&cache->lock);
    cache->generation++;
    cache->invalidations++;
    if (lsn > cache->min_lsn)
        cache->min_lsn = lsn;
    drop_all(cache);
    pthread_rwlock_unlock(&cache->lock);
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
    drop_all(cache);
    pthread_rwlock_unlock(&cache->lock);
}

void db_cache_get_stats(struct db_cache *cache, struct db_cache_stats *out)
{
    pthread_rwlock_rdlock(&cache->lock);
    out->hits = __atomic_load_n(&cache->hits, __ATOMIC_RELAXED);
    out->misses = __atomic_load_n(&cache->misses, __ATOMIC_RELAXED);
    out->invalidations = cache->invalidations;
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
