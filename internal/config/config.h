/*
 * internal/config/config.h: the service's settings, read from the
 * environment once at start-up. Nothing else in the program calls getenv.
 */
#ifndef INSATSKATALOG_CONFIG_H
#define INSATSKATALOG_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config {
    const char *database_url;   /* DATABASE_URL, required; borrowed from environ */
    const char *database_read_url;   /* DATABASE_READ_URL, optional: a streaming replica for reads */
    unsigned port;              /* PORT, 1..65535, default 8080 */
    unsigned pool_size;         /* DB_POOL_SIZE, 1..64, default 8 */
    unsigned http_threads;      /* HTTP_THREADS, 0..256: epoll threads; 0 a thread per connection */
    unsigned cache_mib;         /* CACHE_MIB, 0..4096, default 64; 0 turns the document cache off */
    unsigned long log_level;    /* LOG_LEVEL as a yder level */
    const char *log_level_name; /* LOG_LEVEL as given: error, warning, info, debug */
    bool metrics;               /* METRICS, on (default) or off: /metrics and its counters */
    bool log_json;              /* LOG_FORMAT, text (default) or json: one JSON object per line */
    const char *openapi_path;   /* OPENAPI_PATH, default "openapi.yaml" */
    const char *sql_dir;        /* SQL_DIR, default "sql" (admin command only) */
    const char *web_root;       /* WEB_ROOT, default "build/web": the page and /docs (`make web`) */
};

/*
 * Fills *out from the environment. Every problem is written to errors as one
 * line naming the variable, so an operator fixes them all in one go.
 * Returns the number of problems (0 when the configuration is usable).
 * need_database: whether DATABASE_URL is required for this command.
 */
int config_load(struct config *out, int need_database, FILE *errors);

#endif
