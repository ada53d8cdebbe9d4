/*
 * internal/http/metrics.c: counters and histograms for /metrics.
 */
#include "metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The statuses this service answers; anything else is counted as "other". */
static const long tracked_statuses[] = { 200, 201, 204, 304, 400, 401, 403, 404, 405, 406, 409, 412, 413, 415,
                                         422, 428, 429, 500, 503 };
#define STATUS_SLOTS (sizeof(tracked_statuses) / sizeof(tracked_statuses[0]) + 1)

/* Upper bounds of the latency buckets, in seconds. */
static const double bucket_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
#define BUCKETS (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))

struct route_series {
    char method[8];
    char template[96];
    atomic_ulong by_status[STATUS_SLOTS];
    atomic_ulong buckets[BUCKETS];         /* not cumulative; summed when written */
    atomic_ulong count;
    atomic_ulong sum_microseconds;
};

struct metrics {
    char version[64];
    size_t capacity, count;
    struct route_series series[];
};

struct metrics *metrics_create(size_t routes, const char *version)
{
    struct metrics *metrics = calloc(1, sizeof(*metrics) + routes * sizeof(struct route_series));
    if (metrics == NULL)
        return NULL;
    metrics->capacity = routes;
    snprintf(metrics->version, sizeof(metrics->version), "%s", version);
    return metrics;
}

void metrics_destroy(struct metrics *metrics)
{
    free(metrics);
}

size_t metrics_add_route(struct metrics *metrics, const char *method, const char *template)
{
    size_t index = metrics->count < metrics->capacity ? metrics->count++ : metrics->capacity - 1;
    snprintf(metrics->series[index].method, sizeof(metrics->series[index].method), "%s", method);
    snprintf(metrics->series[index].template, sizeof(metrics->series[index].template), "%s", template);
    return index;
}

void metrics_observe(struct metrics *metrics, size_t route, long status, double seconds)
{
    struct route_series *s;
    size_t slot = STATUS_SLOTS - 1;
    size_t bucket = BUCKETS;

    if (metrics == NULL || route >= metrics->count)
        return;
    s = &metrics->series[route];
    for (size_t i = 0; i + 1 < STATUS_SLOTS; i++)
        if (tracked_statuses[i] == status)
            slot = i;
    for (size_t i = 0; i < BUCKETS && bucket == BUCKETS; i++)
        if (seconds <= bucket_bounds[i])
            bucket = i;
    atomic_fetch_add_explicit(&s->by_status[slot], 1, memory_order_relaxed);
    if (bucket < BUCKETS)
        atomic_fetch_add_explicit(&s->buckets[bucket], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_microseconds, (unsigned long)(seconds * 1e6), memory_order_relaxed);
}

int metrics_write(struct metrics *metrics, struct db_pool *pool, struct db_pool *read_pool, struct db_cache *cache,
                  int in_flight, FILE *out)
{
    bool replica_away = false;
    unsigned long replica_fallbacks = 0;

    fprintf(out, "# HELP insatskatalog_build_info The running version.\n# TYPE insatskatalog_build_info gauge\n"
                 "insatskatalog_build_info{version=\"%s\"} 1\n", metrics->version);
    fprintf(out, "# HELP insatskatalog_http_requests_in_flight Requests being handled.\n"
                 "# TYPE insatskatalog_http_requests_in_flight gauge\ninsatskatalog_http_requests_in_flight %d\n",
            in_flight);

    fprintf(out, "# HELP insatskatalog_http_requests_total Requests answered, by route template and status.\n"
                 "# TYPE insatskatalog_http_requests_total counter\n");
    for (size_t r = 0; r < metrics->count; r++) {
        struct route_series *s = &metrics->series[r];
        for (size_t i = 0; i < STATUS_SLOTS; i++) {
            unsigned long n = atomic_load_explicit(&s->by_status[i], memory_order_relaxed);
            if (n == 0)
                continue;
            if (i + 1 < STATUS_SLOTS)
                fprintf(out, "insatskatalog_http_requests_total{method=\"%s\",route=\"%s\",status=\"%ld\"} %lu\n",
                        s->method, s->template, tracked_statuses[i], n);
            else
                fprintf(out, "insatskatalog_http_requests_total{method=\"%s\",route=\"%s\",status=\"other\"} %lu\n",
                        s->method, s->template, n);
        }
    }

    fprintf(out, "# HELP insatskatalog_http_request_duration_seconds Time from routing to the response, by route.\n"
                 "# TYPE insatskatalog_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r < metrics->count; r++) {
        struct route_series *s = &metrics->series[r];
        unsigned long count = atomic_load_explicit(&s->count, memory_order_relaxed);
        unsigned long cumulative = 0;
        if (count == 0)
            continue;
        for (size_t b = 0; b < BUCKETS; b++) {
            cumulative += atomic_load_explicit(&s->buckets[b], memory_order_relaxed);
            fprintf(out, "insatskatalog_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %lu\n",
                    s->method, s->template, bucket_bounds[b], cumulative);
        }
        fprintf(out, "insatskatalog_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %lu\n"
                     "insatskatalog_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
                     "insatskatalog_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %lu\n",
                s->method, s->template, count, s->method, s->template,
                (double)atomic_load_explicit(&s->sum_microseconds, memory_order_relaxed) / 1e6, s->method,
                s->template, count);
    }

    if (pool != NULL) {
        struct db_pool_stats stats;
        db_pool_get_stats(pool, &stats);
        fprintf(out, "# HELP insatskatalog_db_pool_connections Database connections of this process, by state.\n"
                     "# TYPE insatskatalog_db_pool_connections gauge\n"
                     "insatskatalog_db_pool_connections{state=\"in_use\"} %u\n"
                     "insatskatalog_db_pool_connections{state=\"free\"} %u\n"
                     "# HELP insatskatalog_db_pool_waiting Requests waiting for a database connection.\n"
                     "# TYPE insatskatalog_db_pool_waiting gauge\ninsatskatalog_db_pool_waiting %u\n"
                     "# HELP insatskatalog_db_errors_total Failed connects and statements (constraint refusals excluded).\n"
                     "# TYPE insatskatalog_db_errors_total counter\ninsatskatalog_db_errors_total %lu\n",
                stats.in_use, stats.size - stats.in_use, stats.waiting, stats.errors);
    }
    if (read_pool != NULL && read_pool != pool && db_pool_get_replica_stats(read_pool, &replica_away, &replica_fallbacks))
        fprintf(out, "# HELP insatskatalog_db_read_replica_up Whether the read replica answered its last read (0: reads go to the primary).\n"
                     "# TYPE insatskatalog_db_read_replica_up gauge\ninsatskatalog_db_read_replica_up %d\n"
                     "# HELP insatskatalog_db_read_replica_fallbacks_total Reads the primary served because the read replica was away.\n"
                     "# TYPE insatskatalog_db_read_replica_fallbacks_total counter\ninsatskatalog_db_read_replica_fallbacks_total %lu\n",
                replica_away ? 0 : 1, replica_fallbacks);
    if (cache != NULL) {
        struct db_cache_stats stats;
        db_cache_get_stats(cache, &stats);
        fprintf(out, "# HELP insatskatalog_cache_lookups_total Document cache lookups, by result.\n"
                     "# TYPE insatskatalog_cache_lookups_total counter\n"
                     "insatskatalog_cache_lookups_total{result=\"hit\"} %lu\n"
                     "insatskatalog_cache_lookups_total{result=\"miss\"} %lu\n"
                     "# HELP insatskatalog_cache_invalidations_total Changes heard, each dropping what it touched.\n"
                     "# TYPE insatskatalog_cache_invalidations_total counter\ninsatskatalog_cache_invalidations_total %lu\n"
                     "# HELP insatskatalog_cache_evictions_total Entries evicted, least recently used first, to stay in CACHE_MIB.\n"
                     "# TYPE insatskatalog_cache_evictions_total counter\ninsatskatalog_cache_evictions_total %lu\n"
                     "# HELP insatskatalog_cache_bytes Memory held by cached documents and answers.\n"
                     "# TYPE insatskatalog_cache_bytes gauge\ninsatskatalog_cache_bytes %zu\n",
                stats.hits, stats.misses, stats.invalidations, stats.evictions, stats.bytes);
    }
    return ferror(out) ? -1 : 0;
}
