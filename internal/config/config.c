/*
 * internal/config/config.c: environment -> struct config, checked once.
 *
 * Values are checked strictly: "PORT=80x" is an error, not port 80, because a
 * service that silently listens somewhere else is harder to debug than one
 * that refuses to start.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yder.h>

#include "../validate/validate.h"

static const char *env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return (value != NULL && value[0] != '\0') ? value : fallback;
}

static int load_uint(const char *name, unsigned fallback, long min, long max,
                     unsigned *out, FILE *errors)
{
    const char *text = getenv(name);
    long value;

    if (text == NULL || text[0] == '\0') {
        *out = fallback;
        return 0;
    }
    if (!validate_parse_long(text, min, max, &value)) {
        fprintf(errors, "%s must be an integer from %ld to %ld; it is \"%s\".\n", name, min, max, text);
        return 1;
    }
    *out = (unsigned)value;
    return 0;
}

static int load_log_level(struct config *out, FILE *errors)
{
    static const struct { const char *name; unsigned long level; } levels[] = {
        { "error", Y_LOG_LEVEL_ERROR }, { "warning", Y_LOG_LEVEL_WARNING },
        { "info", Y_LOG_LEVEL_INFO },   { "debug", Y_LOG_LEVEL_DEBUG },
    };
    const char *name = env_or("LOG_LEVEL", "info");

    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (strcmp(name, levels[i].name) == 0) {
            out->log_level = levels[i].level;
            out->log_level_name = levels[i].name;
            return 0;
        }
    }
    fprintf(errors, "LOG_LEVEL must be one of error, warning, info, debug; it is \"%s\".\n", name);
    return 1;
}

/* A setting with two spellings; returns 1 (a problem) for anything else. */
static int load_switch(const char *name, const char *fallback, const char *on, const char *off, bool *out,
                       FILE *errors)
{
    const char *value = env_or(name, fallback);

    if (strcmp(value, on) == 0 || strcmp(value, off) == 0) {
        *out = strcmp(value, on) == 0;
        return 0;
    }
    fprintf(errors, "%s must be \"%s\" or \"%s\"; it is \"%s\".\n", name, on, off, value);
    return 1;
}

/*
 * Threads of the HTTP server by default: one per core, at least two. Since
 * cached hits are answered below ulfius (http/fastpath.c), a thread per core
 * costs the least CPU per request, and on a quiet machine make bench's mixed
 * row (one read in ten goes to PostgreSQL, holding its thread and that
 * thread's other connections) ran as fast as with four per core and with a
 * lower p99. More threads only won where other work shared the cores. At
 * least two, so one slow read never holds every connection. See HTTP_THREADS
 * in README.
 */
static unsigned default_http_threads(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 2 ? 2 : cores > 128 ? 128 : (unsigned)cores;
}

int config_load(struct config *out, int need_database, FILE *errors)
{
    int problems = 0;

    memset(out, 0, sizeof(*out));
    out->database_url = env_or("DATABASE_URL", NULL);
    if (need_database && out->database_url == NULL) {
        fprintf(errors, "DATABASE_URL is not set; it must be a PostgreSQL connection URI such as "
                        "postgresql://user@localhost:5432/insatskatalog.\n");
        problems++;
    } else if (out->database_url != NULL && strncmp(out->database_url, "postgresql://", 13) != 0
               && strncmp(out->database_url, "postgres://", 11) != 0
               && strchr(out->database_url, '=') == NULL) {
        fprintf(errors, "DATABASE_URL must be a postgresql:// URI or a key=value connection string.\n");
        problems++;
    }
    out->database_read_url = env_or("DATABASE_READ_URL", NULL);
    if (out->database_read_url != NULL && strncmp(out->database_read_url, "postgresql://", 13) != 0
        && strncmp(out->database_read_url, "postgres://", 11) != 0 && strchr(out->database_read_url, '=') == NULL) {
        fprintf(errors, "DATABASE_READ_URL must be a postgresql:// URI or a key=value connection string.\n");
        problems++;
    }
    problems += load_uint("PORT", 8080, 1, 65535, &out->port, errors);
    problems += load_uint("DB_POOL_SIZE", 8, 1, 64, &out->pool_size, errors);
    problems += load_uint("HTTP_THREADS", default_http_threads(), 0, 256, &out->http_threads, errors);
    problems += load_uint("CACHE_MIB", 64, 0, 4096, &out->cache_mib, errors);
    problems += load_log_level(out, errors);
    problems += load_switch("METRICS", "on", "on", "off", &out->metrics, errors);
    problems += load_switch("LOG_FORMAT", "text", "json", "text", &out->log_json, errors);
    out->migration_database_url = env_or("MIGRATION_DATABASE_URL", out->database_url);
    problems += load_uint("DB_STATEMENT_TIMEOUT_MS", 5000, 0, 3600000, &out->db_statement_timeout_ms, errors);
    problems += load_uint("DB_LOCK_TIMEOUT_MS", 2000, 0, 3600000, &out->db_lock_timeout_ms, errors);
    problems += load_uint("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 10000, 0, 3600000,
                          &out->db_idle_in_transaction_timeout_ms, errors);
    problems += load_uint("DB_TCP_USER_TIMEOUT_MS", 10000, 0, 3600000, &out->db_tcp_user_timeout_ms, errors);
    problems += load_uint("HTTP_CONNECTION_LIMIT", 2000, 16, 60000, &out->http_connection_limit, errors);
    problems += load_uint("HTTP_PER_ADDRESS_CONNECTION_LIMIT", 64, 0, 60000, &out->http_per_address_limit, errors);
    problems += load_uint("HTTP_CONNECTION_TIMEOUT_S", 10, 1, 3600, &out->http_connection_timeout_s, errors);
    problems += load_uint("HTTP_REQUEST_TIMEOUT_S", 30, 1, 3600, &out->http_request_timeout_s, errors);
    problems += load_switch("RATE_LIMIT", "on", "on", "off", &out->rate_limit, errors);
    problems += load_uint("RATE_LIMIT_BURST", 600, 1, 100000000, &out->rate_limit_burst, errors);
    problems += load_uint("RATE_LIMIT_PER_SECOND", 20, 1, 100000000, &out->rate_limit_per_second, errors);
    problems += load_uint("RATE_LIMIT_EXPENSIVE_COST", 10, 1, 100000, &out->rate_limit_expensive_cost, errors);
    out->trusted_proxies = env_or("TRUSTED_PROXIES", "");
    out->metrics_token = env_or("METRICS_TOKEN", NULL);
    if (out->metrics_token != NULL && strlen(out->metrics_token) < 16) {
        fprintf(errors, "METRICS_TOKEN must be at least 16 characters long.\n");
        problems++;
    }
    out->openapi_path = env_or("OPENAPI_PATH", "openapi.yaml");
    out->sql_dir = env_or("SQL_DIR", "sql");
    out->web_root = env_or("WEB_ROOT", "build/web");
    return problems;
}
