/*
 * internal/db/connect.c: opening a session, with the settings every session of
 * this program must have, merged with what the connection string says.
 */
#include "connect.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct db_session_settings db_session_none = { 0, 0, 0, 0 };

/* The URL's own "options" (libpq parses it; NULL when it has none). */
static void url_options(const char *url, char *out, size_t out_size)
{
    PQconninfoOption *parsed = PQconninfoParse(url, NULL);

    out[0] = '\0';
    for (PQconninfoOption *o = parsed; o != NULL && o->keyword != NULL; o++)
        if (strcmp(o->keyword, "options") == 0 && o->val != NULL)
            snprintf(out, out_size, "%s ", o->val);
    PQconninfoFree(parsed);
}

__attribute__((format(printf, 3, 4)))
static void set_error(char *error, size_t error_size, const char *format, ...)
{
    if (error == NULL || error_size == 0)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
    /* libpq's messages end in a newline; the caller decides about lines. */
    for (size_t n = strlen(error); n > 0 && (error[n - 1] == '\n' || error[n - 1] == ' '); n--)
        error[n - 1] = '\0';
}

void db_connect_params_fill(struct db_connect_params *p, const char *url, const char *application_name,
                           const struct db_session_settings *s)
{
    char given[512];
    int used;

    url_options(url, given, sizeof(given));
    /* UTC so every timestamp in a document reads the same on every replica. At most
     * 511 bytes of the URL's options plus ours: options[] cannot overflow. */
    used = snprintf(p->options, sizeof(p->options), "%s-c TimeZone=UTC", given);
    if (s->statement_timeout_ms > 0)
        used += snprintf(p->options + used, sizeof(p->options) - (size_t)used, " -c statement_timeout=%u",
                         s->statement_timeout_ms);
    if (s->lock_timeout_ms > 0)
        used += snprintf(p->options + used, sizeof(p->options) - (size_t)used, " -c lock_timeout=%u",
                         s->lock_timeout_ms);
    if (s->idle_in_transaction_timeout_ms > 0)
        snprintf(p->options + used, sizeof(p->options) - (size_t)used, " -c idle_in_transaction_session_timeout=%u",
                 s->idle_in_transaction_timeout_ms);
    snprintf(p->user_timeout, sizeof(p->user_timeout), "%u", s->tcp_user_timeout_ms);

    /* Keywords before "dbname" are defaults the URL overrides; those after it override the URL. */
    static const char *const keys[] = { "application_name", "connect_timeout", "keepalives", "keepalives_idle",
                                        "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname",
                                        "options", NULL };
    const char *const values[] = { application_name, "3", "1", "10", "3", "3", p->user_timeout, url, p->options,
                                   NULL };
    memcpy(p->keys, keys, sizeof(keys));
    memcpy(p->values, values, sizeof(values));
}

/* After a connection attempt: whether conn is a session this program can use. */
static bool check_session(PGconn *conn, char *error, size_t error_size, bool *unusable)
{
    if (conn == NULL) {
        set_error(error, error_size, "cannot connect to the database: %s", "out of memory");
        return false;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        const char *message = PQerrorMessage(conn);
        *unusable = strstr(message, "unsupported startup parameter") != NULL;
        if (*unusable)
            set_error(error, error_size, "DATABASE_URL reaches a connection pooler that refuses startup options "
                      "(\"%s\"); insatskatalog needs a direct connection or a session-mode pooler, because it sets "
                      "per-session options, prepares statements per connection and LISTENs", message);
        else
            set_error(error, error_size, "cannot connect to the database: %s", message);
        return false;
    }
    const char *zone = PQparameterStatus(conn, "TimeZone");
    if (zone == NULL || strcmp(zone, "UTC") != 0) {
        *unusable = true;
        set_error(error, error_size, "the database session ignored its startup options (TimeZone is %s, not UTC): "
                  "DATABASE_URL seems to reach a pooler such as PgBouncer in transaction mode or with "
                  "ignore_startup_parameters; insatskatalog needs a direct connection or a session-mode pooler",
                  zone ? zone : "unknown");
        return false;
    }
    return true;
}

bool db_session_is_usable(PGconn *conn, char *error, size_t error_size)
{
    bool unusable = false;
    return check_session(conn, error, error_size, &unusable);
}

static PGconn *open_session(const char *url, const char *application_name, const struct db_session_settings *s,
                            char *error, size_t error_size, bool *unusable)
{
    struct db_connect_params params;
    PGconn *conn;

    db_connect_params_fill(&params, url, application_name, s);
    conn = PQconnectdbParams(params.keys, params.values, 1);
    if (!check_session(conn, error, error_size, unusable)) {
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

PGconn *db_connect(const char *url, const char *application_name, const struct db_session_settings *settings,
                   char *error, size_t error_size)
{
    bool unusable = false;
    return open_session(url, application_name, settings, error, error_size, &unusable);
}

int db_check_usable(const char *url, const struct db_session_settings *settings, char *error, size_t error_size)
{
    bool unusable = false;
    PGconn *conn = open_session(url, "insatskatalog", settings, error, error_size, &unusable);

    if (conn != NULL) {
        PQfinish(conn);
        return 1;
    }
    return unusable ? -1 : 0;
}
