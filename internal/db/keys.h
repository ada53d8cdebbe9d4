/*
 * internal/db/keys.h: API keys. A key reads "ik_<id>_<secret>": the id finds
 * the row, the secret is checked against the stored hash in constant time.
 * The secret itself is never stored, logged or shown again after creation.
 */
#ifndef INSATSKATALOG_DB_KEYS_H
#define INSATSKATALOG_DB_KEYS_H

#include <stdbool.h>
#include <stdio.h>

#include "pool.h"

extern const struct db_statement db_keys_statements[];

struct db_key {
    long long id;
    char name[81];
    char scope[40];
};

/* What a key's scope lets it act for: the one reading of "admin",
 * "municipality:<code>" and "provider:<id>" in the service. */
enum db_scope_kind { DB_SCOPE_OTHER = 0, DB_SCOPE_ADMIN, DB_SCOPE_MUNICIPALITY, DB_SCOPE_PROVIDER };

/* The kind of key's scope; *id (may be NULL) points at the municipality code
 * or provider id inside key->scope, or is NULL for admin and other scopes. */
enum db_scope_kind db_key_scope(const struct db_key *key, const char **id);

/*
 * Checks a presented key. DB_OK: it is known, unrevoked, unexpired and the
 * secret matches; *out is filled. DB_NOT_FOUND: anything else about the key
 * (malformed, unknown, wrong secret, revoked, expired), deliberately not
 * told apart. DB_UNAVAILABLE / DB_ERROR as usual.
 */
enum db_status db_keys_verify(struct db_pool *pool, const char *presented, struct db_key *out);

/* Admin command: creates a key and prints it once on report. expires_at
 * may be NULL (never). Returns 0 on success. */
int db_admin_key_create(const char *url, const char *name, const char *scope, const char *expires_at, FILE *report);

/* Admin command: lists keys (never a secret). */
int db_admin_key_list(const char *url, FILE *report);

/* Admin command: revokes the key with this name. */
int db_admin_key_revoke(const char *url, const char *name, FILE *report);

#endif
