/*
 * internal/db/connect.h: the one way this program opens a PostgreSQL session
 * (the pool, the change listener and the admin command all come here).
 */
#ifndef INSATSKATALOG_DB_CONNECT_H
#define INSATSKATALOG_DB_CONNECT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Limits every session gets; 0 leaves that limit off (the admin command's
 * migrations may run long). */
struct db_session_settings {
    unsigned statement_timeout_ms;
    unsigned lock_timeout_ms;
    unsigned idle_in_transaction_timeout_ms;
    unsigned tcp_user_timeout_ms;   /* also turns on TCP keepalives (10 s idle, 3 s x 3) */
};

/*
 * Opens a session to url (a postgresql:// URI or key=value string).
 *
 * What wins when DATABASE_URL says something too:
 * - application_name, connect_timeout, keepalives*, tcp_user_timeout: the URL's
 *   value wins; ours ("insatskatalog", 3 s, the settings above) is the default.
 * - options: the URL's options are kept and ours are appended after them, so
 *   TimeZone=UTC and the three timeouts are always ours (PostgreSQL applies the
 *   last -c of a name); anything else the URL sets there stays in force.
 *
 * The session is checked: a pooler that dropped the startup options (PgBouncer
 * with ignore_startup_parameters) is refused, because the server relies on
 * them and on a session of its own (LISTEN, per-session prepared statements).
 * On failure returns NULL and writes one sentence into error (may be NULL).
 */
PGconn *db_connect(const char *url, const char *application_name, const struct db_session_settings *settings,
                   char *error, size_t error_size);

/*
 * The keyword/value arrays db_connect() passes to libpq, for a caller that
 * connects another way (PQconnectStartParams with a deadline): the same
 * settings, merged the same way. p owns the strings it points to; url and
 * application_name are borrowed.
 */
struct db_connect_params {
    const char *keys[10];
    const char *values[10];
    char options[1024];
    char user_timeout[16];
};
void db_connect_params_fill(struct db_connect_params *p, const char *url, const char *application_name,
                           const struct db_session_settings *settings);

/* Whether a session opened from those parameters is usable (connected, and
 * its startup options in force); when not, one sentence in error. */
bool db_session_is_usable(PGconn *conn, char *error, size_t error_size);

/*
 * Tried once at start: 1 when a session with these settings works, 0 when the
 * database cannot be reached now (the server starts anyway and retries), -1
 * when it was reached but cannot serve this program (a transaction-mode
 * pooler): the server refuses to start, with error saying why.
 */
int db_check_usable(const char *url, const struct db_session_settings *settings, char *error, size_t error_size);

/* No timeouts (keepalives with the system's user timeout): for the admin command. */
extern const struct db_session_settings db_session_none;

#endif
