/*
 * internal/http/auth.h: Bearer API keys and their scopes.
 *
 * Scopes: "admin" may do everything; "municipality:<code>" and
 * "provider:<id>" only what concerns that municipality or provider.
 */
#ifndef INSATSKATALOG_HTTP_AUTH_H
#define INSATSKATALOG_HTTP_AUTH_H

#include <stdbool.h>
#include <ulfius.h>

#include "../db/keys.h"
#include "app.h"

/*
 * Checks the request's key and that its scope is "admin" or exactly
 * required_scope (which may be NULL: admin only). On success fills *out and
 * returns true; otherwise has sent 401 (no usable key; the detail never says
 * whether a key exists), 403 (a valid key without the right) or 503.
 */
bool auth_or_problem(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                     const char *required_scope, struct db_key *out);

/* Only the first half: a usable key of any scope (401 or 503 otherwise). */
bool auth_key_or_problem(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                         struct db_key *out);

/* Whether a verified key's scope is admin or equals scope. */
bool auth_scope_allows(const struct db_key *key, const char *scope);

#endif
