/*
 * internal/http/app.h: what every handler may read. Built once at start-up
 * and read-only afterwards (ulfius runs one thread per connection).
 */
#ifndef INSATSKATALOG_HTTP_APP_H
#define INSATSKATALOG_HTTP_APP_H

#include <stddef.h>

#include "../config/config.h"
#include "../db/cache.h"
#include "../db/pool.h"

struct metrics;
struct ratelimit;
struct routes;
struct web_files;

struct app {
    const struct config *config;
    struct db_pool *pool;         /* the primary: writes, keys, the audit trail */
    struct db_pool *read_pool;    /* documents: the replica pool, or the primary's */
    struct db_cache *cache;       /* NULL when CACHE_MIB=0 */
    struct metrics *metrics;      /* NULL when METRICS=off */
    struct ratelimit *ratelimit;  /* NULL when RATE_LIMIT=off */
    const struct routes *routes;  /* set once registered, for the in-flight gauge */
    const char *openapi_yaml;     /* the contract, served at /openapi.yaml */
    size_t openapi_length;
    const struct web_files *web;  /* the page and /docs (static.c); empty without WEB_ROOT */
    const char *version;          /* build version, for logs and metrics */
};

#endif
