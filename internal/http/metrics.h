/*
 * internal/http/metrics.h: Prometheus metrics, kept as atomic counters per
 * route template so that recording is a few relaxed additions and the
 * number of series is bounded by the route table, not by the raw paths.
 */
#ifndef INSATSKATALOG_HTTP_METRICS_H
#define INSATSKATALOG_HTTP_METRICS_H

#include <stdio.h>

#include "../db/cache.h"
#include "../db/pool.h"

struct metrics;

/* routes: how many route series will be registered. Returns NULL when out of memory. */
struct metrics *metrics_create(size_t routes, const char *version);
void metrics_destroy(struct metrics *metrics);   /* accepts NULL */

/* Registers a series for method and template (e.g. "GET", "/v1/methods/{slug}"); returns its index. */
size_t metrics_add_route(struct metrics *metrics, const char *method, const char *template);

/* Records one answered request. Thread-safe, lock-free. */
void metrics_observe(struct metrics *metrics, size_t route, long status, double seconds);

/* Writes every series in the Prometheus text format (version 0.0.4). pool
 * and cache may be NULL. Returns 0, or -1 when the stream failed. */
int metrics_write(struct metrics *metrics, struct db_pool *pool, struct db_pool *read_pool, struct db_cache *cache,
                  int in_flight, FILE *out);

#endif
