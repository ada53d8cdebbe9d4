/*
 * internal/http/auth.c: Bearer API keys (see db/keys.c for the storage).
 */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "problem.h"

bool auth_scope_allows(const struct db_key *key, const char *scope)
{
    return db_key_scope(key, NULL) == DB_SCOPE_ADMIN || (scope != NULL && strcmp(key->scope, scope) == 0);
}

bool auth_key_or_problem(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                         struct db_key *out)
{
    const char *header = u_map_get_case(req->map_header, "Authorization");

    if (header == NULL) {
        problem_unauthorized(resp, "This request needs an API key: send \"Authorization: Bearer <key>\".");
        return false;
    }
    if (strncasecmp(header, "Bearer ", 7) != 0 || header[7] == '\0') {
        problem_unauthorized(resp, "The Authorization header must be \"Bearer\" followed by an API key.");
        return false;
    }
    switch (db_keys_verify(app->pool, header + 7, out)) {
    case DB_OK:
        break;
    case DB_NOT_FOUND:
        problem_unauthorized(resp, "The API key was not accepted: it is malformed, unknown, revoked or expired.");
        return false;
    default:
        problem_from_db(resp, DB_UNAVAILABLE, "key", "id", "");
        return false;
    }
    return true;
}

bool auth_or_problem(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                     const char *required_scope, struct db_key *out)
{
    char detail[200];

    if (!auth_key_or_problem(req, resp, app, out))
        return false;
    if (!auth_scope_allows(out, required_scope)) {
        snprintf(detail, sizeof(detail), "The API key's scope \"%s\" does not allow this request; it needs %s%s%s.",
                 out->scope, required_scope ? "\"" : "the \"admin\" scope", required_scope ? required_scope : "",
                 required_scope ? "\" or \"admin\"" : "");
        problem_forbidden(resp, detail);
        return false;
    }
    return true;
}
