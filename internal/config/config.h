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
    /* MIGRATION_DATABASE_URL: the schema owner's connection for migrate, setup and
     * load-examples; DATABASE_URL (the app role) when unset. */
    const char *migration_database_url;

    /* Limits of every database session (milliseconds; 0 turns one off). */
    unsigned db_statement_timeout_ms;          /* DB_STATEMENT_TIMEOUT_MS, default 5000 */
    unsigned db_lock_timeout_ms;               /* DB_LOCK_TIMEOUT_MS, default 2000 */
    unsigned db_idle_in_transaction_timeout_ms;   /* DB_IDLE_IN_TRANSACTION_TIMEOUT_MS, default 10000 */
    unsigned db_tcp_user_timeout_ms;           /* DB_TCP_USER_TIMEOUT_MS, default 10000 */

    /* Connections (libmicrohttpd). */
    unsigned http_connection_limit;            /* HTTP_CONNECTION_LIMIT, default 2000 */
    unsigned http_per_address_limit;           /* HTTP_PER_ADDRESS_CONNECTION_LIMIT, default 64; 0 = none */
    unsigned http_connection_timeout_s;        /* HTTP_CONNECTION_TIMEOUT_S (idle), default 10 */
    unsigned http_request_timeout_s;           /* HTTP_REQUEST_TIMEOUT_S (a whole request), default 30 */

    /* Rate limits: a token bucket per API key, else per client address. */
    bool rate_limit;                           /* RATE_LIMIT, on (default) or off */
    unsigned rate_limit_burst;                 /* RATE_LIMIT_BURST, tokens a bucket holds, default 600 */
    unsigned rate_limit_per_second;            /* RATE_LIMIT_PER_SECOND, tokens refilled, default 20 */
    unsigned rate_limit_expensive_cost;        /* RATE_LIMIT_EXPENSIVE_COST, default 10 (a cached read: 1) */
    const char *trusted_proxies;               /* TRUSTED_PROXIES, addresses whose X-Forwarded-For counts */

    const char *metrics_token;                 /* METRICS_TOKEN: when set, /metrics wants this bearer token */
};

/*
 * Fills *out from the environment. Every problem is written to errors as one
 * line naming the variable, so an operator fixes them all in one go.
 * Returns the number of problems (0 when the configuration is usable).
 * need_database: whether DATABASE_URL is required for this command.
 */
int config_load(struct config *out, int need_database, FILE *errors);

#endif
