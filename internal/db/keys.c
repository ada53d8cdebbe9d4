/*
 * internal/db/keys.c: API key storage and verification.
 */
#include "keys.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../log/log.h"
#include "../validate/validate.h"
#include "admin.h"

#define SECRET_BYTES 32   /* 256 bits */
#define HASH_BYTES 32

const struct db_statement db_keys_statements[] = {
    { "keys_lookup",
      "SELECT name, scope, secret_hash, "
      "       revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AS usable "
      "FROM api_keys WHERE id = $1::bigint" },
    { NULL, NULL },
};

static const char sql_key_create[] =
    "INSERT INTO api_keys (name, scope, secret_hash, expires_at) "
    "VALUES ($1, $2, decode($3, 'hex'), $4::timestamptz) RETURNING id";
static const char sql_key_list[] =
    "SELECT id, name, scope, to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), "
    "coalesce(to_char(expires_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), '-'), "
    "CASE WHEN revoked_at IS NOT NULL THEN 'revoked' "
    "     WHEN expires_at <= now() THEN 'expired' ELSE 'active' END "
    "FROM api_keys ORDER BY id";
static const char sql_key_revoke[] =
    "UPDATE api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING id";

static void hash_secret(const char *secret, unsigned char out[HASH_BYTES])
{
    crypto_generichash(out, HASH_BYTES, (const unsigned char *)secret, strlen(secret), NULL, 0);
}

/* Splits "ik_<id>_<secret>"; *secret points into presented. */
static bool parse_key(const char *presented, long long *id, const char **secret)
{
    const char *underscore;
    char digits[20];
    long value;
    size_t length;

    if (presented == NULL || strncmp(presented, "ik_", 3) != 0 || (underscore = strchr(presented + 3, '_')) == NULL)
        return false;
    length = (size_t)(underscore - (presented + 3));
    if (length == 0 || length >= sizeof(digits))
        return false;
    memcpy(digits, presented + 3, length);
    digits[length] = '\0';
    if (!validate_parse_long(digits, 1, 999999999999999999L, &value))
        return false;
    *id = value;
    *secret = underscore + 1;
    return strlen(*secret) >= 40 && strlen(*secret) <= 64;
}

enum db_scope_kind db_key_scope(const struct db_key *key, const char **id)
{
    static const struct { const char *prefix; enum db_scope_kind kind; } owners[] = {
        { "municipality:", DB_SCOPE_MUNICIPALITY }, { "provider:", DB_SCOPE_PROVIDER },
    };
    const char *ignored;

    if (id == NULL)
        id = &ignored;
    *id = NULL;
    if (strcmp(key->scope, "admin") == 0)
        return DB_SCOPE_ADMIN;
    for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
        size_t length = strlen(owners[i].prefix);
        if (strncmp(key->scope, owners[i].prefix, length) == 0 && key->scope[length] != '\0') {
            *id = key->scope + length;
            return owners[i].kind;
        }
    }
    return DB_SCOPE_OTHER;
}

enum db_status db_keys_verify(struct db_pool *pool, const char *presented, struct db_key *out)
{
    static const unsigned char no_such_hash[HASH_BYTES] = { 0 };
    unsigned char presented_hash[HASH_BYTES];
    const unsigned char *stored = no_such_hash;
    char id_text[24];
    const char *secret = "";
    const char *params[] = { id_text };
    enum db_status status = DB_NOT_FOUND;
    PGconn *conn = NULL;
    PGresult *res = NULL;
    long long id = 0;
    bool usable = false;
    bool parsed = parse_key(presented, &id, &secret);

    memset(out, 0, sizeof(*out));
    if (parsed) {
        snprintf(id_text, sizeof(id_text), "%lld", id);
        for (int attempt = 0; attempt < 2; attempt++) {
            if ((conn = db_pool_acquire(pool)) == NULL) {
                status = DB_UNAVAILABLE;
                goto cleanup;
            }
            res = PQexecPrepared(conn, "keys_lookup", 1, params, NULL, NULL, 1);   /* binary: the hash as bytes */
            if (PQresultStatus(res) == PGRES_TUPLES_OK)
                break;
            /* A session the server closed (a restart) shows only when used: reconnect and look once more,
             * as reads do (db_fetch_text); the lookup only reads. */
            if (PQstatus(conn) == CONNECTION_BAD && attempt == 0) {
                log_warning("database connection lost; reconnecting and looking up the key once more");
                PQclear(res);
                res = NULL;
                db_pool_release(pool, conn);
                conn = NULL;
                continue;
            }
            status = db_status_from_result(pool, conn, res);
            goto cleanup;
        }
        if (PQntuples(res) == 1 && PQgetlength(res, 0, 2) == HASH_BYTES) {
            stored = (const unsigned char *)PQgetvalue(res, 0, 2);
            usable = PQgetvalue(res, 0, 3)[0] == 1;
        }
    }
    /* Hash and compare even when there is no such key, so the time taken
     * does not tell whether an id exists. */
    hash_secret(secret, presented_hash);
    if (sodium_memcmp(presented_hash, stored, HASH_BYTES) == 0 && stored != no_such_hash && usable) {
        out->id = id;
        snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 0));
        snprintf(out->scope, sizeof(out->scope), "%s", PQgetvalue(res, 0, 1));
        status = DB_OK;
    }
cleanup:
    PQclear(res);
    db_pool_release(pool, conn);
    return status;
}

int db_admin_key_create(const char *url, const char *name, const char *scope, const char *expires_at, FILE *report)
{
    unsigned char random[SECRET_BYTES];
    unsigned char hash[HASH_BYTES];
    char secret[sodium_base64_ENCODED_LEN(SECRET_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    char hash_hex[2 * HASH_BYTES + 1];
    const char *params[] = { name, scope, hash_hex, expires_at };
    PGconn *conn = NULL;
    PGresult *res = NULL;
    int failed = 1;

    if (sodium_init() < 0)
        return 1;
    randombytes_buf(random, sizeof(random));
    sodium_bin2base64(secret, sizeof(secret), random, sizeof(random), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    hash_secret(secret, hash);
    sodium_bin2hex(hash_hex, sizeof(hash_hex), hash, sizeof(hash));
    if ((conn = db_admin_connect(url, report)) == NULL)
        goto cleanup;
    res = PQexecParams(conn, sql_key_create, 4, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (sqlstate != NULL && strcmp(sqlstate, "23505") == 0)
            fprintf(report, "a key named \"%s\" exists already\n", name);
        else if (sqlstate != NULL && strcmp(sqlstate, "23514") == 0)
            fprintf(report, "the name must be 1-80 of letters, digits, space . _ @ -, and the scope admin, "
                            "municipality:<4-digit code> or provider:<id>\n");
        else
            fprintf(report, "creating the key failed: %s", PQerrorMessage(conn));
        goto cleanup;
    }
    /* The only time the secret is ever shown. */
    fprintf(report, "ik_%s_%s\n", PQgetvalue(res, 0, 0), secret);
    failed = 0;
cleanup:
    sodium_memzero(secret, sizeof(secret));
    sodium_memzero(random, sizeof(random));
    PQclear(res);
    PQfinish(conn);
    return failed;
}

int db_admin_key_list(const char *url, FILE *report)
{
    PGconn *conn = db_admin_connect(url, report);
    PGresult *res = NULL;
    int failed = 1;

    if (conn == NULL)
        return 1;
    res = PQexec(conn, sql_key_list);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(report, "listing keys failed: %s", PQerrorMessage(conn));
        goto cleanup;
    }
    fprintf(report, "%-6s %-24s %-22s %-25s %-25s %s\n", "id", "name", "scope", "created", "expires", "state");
    for (int i = 0; i < PQntuples(res); i++)
        fprintf(report, "%-6s %-24s %-22s %-25s %-25s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
    failed = 0;
cleanup:
    PQclear(res);
    PQfinish(conn);
    return failed;
}

int db_admin_key_revoke(const char *url, const char *name, FILE *report)
{
    const char *params[] = { name };
    PGconn *conn = db_admin_connect(url, report);
    PGresult *res = NULL;
    int failed = 1;

    if (conn == NULL)
        return 1;
    res = PQexecParams(conn, sql_key_revoke, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fprintf(report, "revoking failed: %s", PQerrorMessage(conn));
    else if (PQntuples(res) == 0)
        fprintf(report, "no active key is named \"%s\"\n", name);
    else {
        fprintf(report, "revoked key \"%s\"\n", name);
        failed = 0;
    }
    PQclear(res);
    PQfinish(conn);
    return failed;
}
