/*
 * internal/db/write.c: the write transaction (see write.h).
 */
#include "write.h"
#include "kept_routes.h"
#include "tables.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log/log.h"
#include "../model/etag.h"

const struct db_statement db_write_statements[] = {
    { "audit_append",
      "INSERT INTO audit_log (key_id, key_name, entity, entity_id, action, before, after) "
      "VALUES ($1::bigint, $2::text, $3::text, $4::text, $5::audit_action, $6::jsonb, $7::jsonb)" },
    /* One request per Idempotency-Key at a time: a concurrent retry waits, then replays. */
    { "idempotency_lock", "SELECT pg_advisory_xact_lock(hashtextextended($1::text || ' ' || $2::text, 7123400111))" },
    { "idempotency_find",
      "SELECT request_hash, status, resource_key, body FROM idempotency_keys "
      "WHERE api_key_id = $1::bigint AND idempotency_key = $2::text AND created_at > now() - interval '24 hours'" },
    /* Keys expire after 24 hours: each save drops the expired ones (but this one, which it replaces). */
    { "idempotency_save",
      "WITH expired AS (DELETE FROM idempotency_keys WHERE created_at <= now() - interval '24 hours' "
      "  AND NOT (api_key_id = $1::bigint AND idempotency_key = $2::text)) "
      "INSERT INTO idempotency_keys (api_key_id, idempotency_key, request_hash, status, resource_key, body) "
      "VALUES ($1::bigint, $2::text, $3::text, $4::integer, $5::text, $6::text) "
      "ON CONFLICT (api_key_id, idempotency_key) DO UPDATE SET request_hash = EXCLUDED.request_hash, "
      "status = EXCLUDED.status, resource_key = EXCLUDED.resource_key, body = EXCLUDED.body, created_at = now()" },
    { NULL, NULL },
};

static const char *const action_names[] = { "create", "update", "delete" };

bool db_command_ok(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

/* Maps a failed statement inside the transaction to out->outcome, by SQLSTATE;
 * the column PostgreSQL named (agreement_save_details() names nested input
 * fields this way) goes to out->field_name. */
static void note_failure(struct db_pool *pool, PGconn *conn, const PGresult *res, struct db_write_result *out)
{
    const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *column = res ? PQresultErrorField(res, PG_DIAG_COLUMN_NAME) : NULL;

    snprintf(out->field_name, sizeof(out->field_name), "%s", column ? column : "");
    if (sqlstate != NULL && strcmp(sqlstate, "23505") == 0)
        out->outcome = DB_WRITE_DUPLICATE;
    else if (sqlstate != NULL && strcmp(sqlstate, "23503") == 0)
        out->outcome = DB_WRITE_REFERENCED;
    else if (sqlstate != NULL && strcmp(sqlstate, "23001") == 0)   /* restrict_violation, raised by our own rules */
        out->outcome = DB_WRITE_WRONG_STATE;
    else if (sqlstate != NULL && strcmp(sqlstate, "23502") == 0 && column != NULL && strchr(column, '[') != NULL)
        out->outcome = DB_WRITE_FIELD_MISSING;   /* raised by our own functions, naming an input field */
    /* Integrity and data exceptions that validation should have caught. */
    else if (sqlstate != NULL && (strncmp(sqlstate, "23", 2) == 0 || strncmp(sqlstate, "22", 2) == 0)) {
        log_warning("a database rule refused a validated write: SQLSTATE %s: %s", sqlstate,
                    PQresultErrorMessage(res));
        out->outcome = DB_WRITE_INVALID;
    } else {
        out->outcome = db_status_from_result(pool, conn, res) == DB_UNAVAILABLE ? DB_WRITE_UNAVAILABLE : DB_WRITE_FAILED;
    }
}

/* Runs a prepared statement expected to return rows; NULL result on failure (out->outcome set). */
static PGresult *query(struct db_pool *pool, PGconn *conn, const char *statement, int count,
                       const char *const *params, struct db_write_result *out)
{
    PGresult *res = PQexecPrepared(conn, statement, count, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(res);

    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
        return res;
    note_failure(pool, conn, res, out);
    PQclear(res);
    return NULL;
}

/*
 * A pooled connection with a transaction begun, or NULL (out->outcome set).
 * A session the server closed (a restart, a failover) shows only when used,
 * so a BEGIN that finds the connection broken is retried once on a new one,
 * as reads are (db_fetch_text): nothing of the write has run yet.
 */
static PGconn *begin(struct db_pool *pool, struct db_write_result *out)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        PGconn *conn = db_pool_acquire(pool);
        if (conn == NULL) {
            out->outcome = DB_WRITE_UNAVAILABLE;
            return NULL;
        }
        PGresult *res = PQexec(conn, "BEGIN");
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            PQclear(res);
            return conn;
        }
        if (PQstatus(conn) == CONNECTION_BAD && attempt == 0) {
            log_warning("database connection lost; reconnecting and beginning the write once more");
            PQclear(res);
            db_pool_release(pool, conn);
            continue;
        }
        note_failure(pool, conn, res, out);
        PQclear(res);
        db_pool_release(pool, conn);
        return NULL;
    }
    return NULL;
}

/* The current public representation, or NULL (out->outcome set) when it cannot be read. */
static char *read_document(struct db_pool *pool, PGconn *conn, const struct db_writable *w, const char *key,
                           struct db_write_result *out)
{
    const char *params[] = { key };
    PGresult *res = query(pool, conn, w->document_statement, 1, params, out);
    char *document = NULL;

    if (res != NULL && PQntuples(res) == 1 && (document = strdup(PQgetvalue(res, 0, 0))) == NULL)
        out->outcome = DB_WRITE_FAILED;
    else if (res != NULL && PQntuples(res) != 1)
        out->outcome = DB_WRITE_NOT_FOUND;
    PQclear(res);
    return document;
}

static bool references_exist(struct db_pool *pool, PGconn *conn, const struct db_writable *w, const char *input,
                             struct db_write_result *out)
{
    json_t *object = json_loads(input, 0, NULL);
    bool ok = object != NULL;

    for (const struct db_reference *ref = w->references; ok && ref->field != NULL; ref++) {
        const json_t *value = json_object_get(object, ref->field);
        char number[24];
        const char *text = json_string_value(value);
        const char *params[] = { text };
        PGresult *res;
        if (json_is_integer(value)) {   /* references by id */
            snprintf(number, sizeof(number), "%lld", (long long)json_integer_value(value));
            params[0] = number;
        } else if (text == NULL) {
            continue;   /* optional reference left out */
        }
        if ((res = query(pool, conn, ref->exists_statement, 1, params, out)) == NULL) {
            ok = false;
            break;
        }
        if (PQntuples(res) == 0) {
            out->outcome = DB_WRITE_MISSING_REFERENCE;
            out->field = ref->field;
            ok = false;
        }
        PQclear(res);
    }
    json_decref(object);
    return ok;
}

/* Fills out->detail with the referrers; true when there are none. */
static bool is_unreferenced(struct db_pool *pool, PGconn *conn, const struct db_writable *w, const char *key,
                            struct db_write_result *out)
{
    const char *params[] = { key };
    PGresult *res;
    bool none;

    if (w->referrers_statement == NULL)
        return true;
    if ((res = query(pool, conn, w->referrers_statement, 1, params, out)) == NULL)
        return false;
    none = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "[]") == 0;
    if (!none) {
        out->outcome = DB_WRITE_REFERENCED;
        out->detail = strdup(PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "[]");
    }
    PQclear(res);
    return none;
}

/*
 * Finds an earlier answer to this Idempotency-Key (under a lock held until
 * the transaction ends). True when the write is to go ahead; false with
 * out set: the earlier answer replayed, a mismatch, or a failure.
 */
static bool is_first_request(struct db_pool *pool, PGconn *conn, const struct db_key *actor,
                             const struct db_idempotency *idempotency, struct db_write_result *out)
{
    char key_id[24];
    const char *params[] = { key_id, idempotency->key };
    PGresult *res;
    bool first = false;

    snprintf(key_id, sizeof(key_id), "%lld", actor->id);
    if ((res = query(pool, conn, "idempotency_lock", 2, params, out)) == NULL)
        return false;
    PQclear(res);
    if ((res = query(pool, conn, "idempotency_find", 2, params, out)) == NULL)
        return false;
    if (PQntuples(res) == 0) {
        first = true;
    } else if (strcmp(PQgetvalue(res, 0, 0), idempotency->request_hash) != 0) {
        out->outcome = DB_WRITE_IDEMPOTENCY_MISMATCH;
    } else if ((out->document = strdup(PQgetvalue(res, 0, 3))) != NULL
               && (PQgetisnull(res, 0, 2) || (out->key = strdup(PQgetvalue(res, 0, 2))) != NULL)) {
        out->outcome = DB_WRITE_DONE;
        out->replayed = true;
    }
    PQclear(res);
    return first;
}

/* Records the answer to a first request with an Idempotency-Key, in its transaction. */
static bool save_answer(struct db_pool *pool, PGconn *conn, const struct db_key *actor,
                        const struct db_idempotency *idempotency, const char *key, const char *document,
                        struct db_write_result *out)
{
    char key_id[24];
    const char *params[] = { key_id, idempotency->key, idempotency->request_hash, "201", key, document };
    PGresult *res;

    snprintf(key_id, sizeof(key_id), "%lld", actor->id);
    if ((res = query(pool, conn, "idempotency_save", 6, params, out)) == NULL)
        return false;
    PQclear(res);
    return true;
}

/*
 * A key refused as not owning the record (out->outcome FORBIDDEN) is told
 * NOT_FOUND instead when the record is not shown to it: it cannot tell a
 * record it may not see from one that does not exist.
 */
static void hide_from_non_owner(struct db_pool *pool, PGconn *conn, const struct db_writable *w, const char *key,
                                struct db_write_result *out)
{
    const char *params[] = { key };
    PGresult *res;

    if (out->outcome != DB_WRITE_FORBIDDEN || w->visible_statement == NULL)
        return;
    if ((res = query(pool, conn, w->visible_statement, 1, params, out)) == NULL)
        return;
    if (PQntuples(res) == 0)
        out->outcome = DB_WRITE_NOT_FOUND;
    PQclear(res);
}

/* Whether owner created the record (or any owner may delete it); false with out set otherwise. */
static bool is_creator(struct db_pool *pool, PGconn *conn, const struct db_writable *w, const char *key,
                       const char *owner, struct db_write_result *out)
{
    const char *params[] = { key };
    PGresult *res;
    bool created;

    if (w->creator_statement == NULL)
        return true;
    if ((res = query(pool, conn, w->creator_statement, 1, params, out)) == NULL)
        return false;
    const char *creator = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "";
    created = strcmp(creator, owner) == 0;
    if (!created) {
        out->outcome = DB_WRITE_REFUSED;
        out->refusal.kind = DB_REFUSAL_NOT_CREATOR;
        snprintf(out->refusal.created_by, sizeof(out->refusal.created_by), "%s", creator);
    }
    PQclear(res);
    return created;
}

/* Whether statement(param) names owner as the record's owner. */
static bool is_owned_by(struct db_pool *pool, PGconn *conn, const char *statement, const char *param,
                        const char *owner, struct db_write_result *out)
{
    const char *params[] = { param };
    PGresult *res;
    bool owned;

    if (statement == NULL) {
        out->outcome = DB_WRITE_FORBIDDEN;
        return false;
    }
    if ((res = query(pool, conn, statement, 1, params, out)) == NULL)
        return false;
    owned = false;
    for (int i = 0; i < PQntuples(res) && !owned; i++)
        owned = !PQgetisnull(res, i, 0) && strcmp(PQgetvalue(res, i, 0), owner) == 0;
    PQclear(res);
    if (!owned)
        out->outcome = DB_WRITE_FORBIDDEN;
    return owned;
}

/* Who writes: *owner NULL for admin, else the owner id the key's scope names;
 * false (out FORBIDDEN) when the key may not make this write at all. */
static bool writer_owner(const struct db_writable *w, enum db_write_action action, const struct db_key *actor,
                         const char **owner, struct db_write_result *out)
{
    if (db_key_scope(actor, owner) == DB_SCOPE_ADMIN) {
        *owner = NULL;   /* admin writes everything; another scope only what its owner id owns */
        return true;
    }
    if (*owner == NULL || (action == DB_WRITE_CREATE && !w->owner_may_create)) {
        out->outcome = DB_WRITE_FORBIDDEN;
        return false;
    }
    return true;
}

/*
 * What a change of an existing record checks first, taking its row lock: it
 * exists, owner (NULL: admin) may change it (and, for a delete, created it),
 * and If-Match names its current representation, which *before gets (to
 * free). False with out set otherwise.
 */
static bool existing_may_change(struct db_pool *pool, PGconn *conn, const struct db_writable *w,
                                enum db_write_action action, const char *key, const char *if_match,
                                const char *owner, char **before, struct db_write_result *out)
{
    const char *params[] = { key };
    char etag[ETAG_SIZE], gzip_etag[ETAG_GZIP_SIZE];
    PGresult *res = query(pool, conn, w->lock_statement, 1, params, out);
    bool found;

    if (res == NULL)
        return false;
    found = PQntuples(res) > 0;
    PQclear(res);
    if (!found) {
        out->outcome = DB_WRITE_NOT_FOUND;
        return false;
    }
    if (owner != NULL && !is_owned_by(pool, conn, w->owner_of_key_statement, key, owner, out)) {
        hide_from_non_owner(pool, conn, w, key, out);
        return false;
    }
    if (owner != NULL && action == DB_WRITE_DELETE && !is_creator(pool, conn, w, key, owner, out))
        return false;
    if ((*before = read_document(pool, conn, w, key, out)) == NULL)
        return false;
    /* Under the row lock: a concurrent writer with the same ETag waits, then fails here. */
    etag_of(*before, strlen(*before), etag);
    etag_gzip_of(etag, gzip_etag);   /* the tag of the gzip answer a client may have read */
    if (if_match == NULL
        || (!etag_list_matches(if_match, etag, false) && !etag_list_matches(if_match, gzip_etag, false))) {
        out->outcome = DB_WRITE_PRECONDITION_FAILED;
        return false;
    }
    return true;
}

/* Whether the writable's rules of the record's current state allow input
 * (db_writable.state_allows); false with out set otherwise. */
static bool state_allows(struct db_pool *pool, PGconn *conn, const struct db_writable *w, const char *key,
                         const char *input, struct db_write_result *out)
{
    const char *params[] = { key };
    PGresult *res;
    bool allowed = false;

    if (w->state_allows == NULL)
        return true;
    if ((res = query(pool, conn, w->input_statement, 1, params, out)) == NULL)
        return false;
    if (PQntuples(res) != 1)
        out->outcome = DB_WRITE_NOT_FOUND;
    else if (!(allowed = w->state_allows(input, PQgetvalue(res, 0, 0), &out->refusal)))
        out->outcome = out->refusal.kind == DB_REFUSAL_FAILED ? DB_WRITE_FAILED : DB_WRITE_REFUSED;
    PQclear(res);
    return allowed;
}

void db_write_current_input(struct db_pool *pool, const struct db_writable *w, const char *key,
                            const char *if_match, const struct db_key *actor, struct db_write_result *out)
{
    const char *params[] = { key };
    const char *owner = NULL;
    PGconn *conn = NULL;
    PGresult *res = NULL;
    char *before = NULL;

    memset(out, 0, sizeof(*out));
    out->outcome = DB_WRITE_FAILED;
    if ((conn = begin(pool, out)) == NULL)
        return;
    if (!writer_owner(w, DB_WRITE_UPDATE, actor, &owner, out)
        || !existing_may_change(pool, conn, w, DB_WRITE_UPDATE, key, if_match, owner, &before, out)
        || (res = query(pool, conn, w->input_statement, 1, params, out)) == NULL)
        goto cleanup;
    if (PQntuples(res) != 1)
        out->outcome = DB_WRITE_NOT_FOUND;
    else if ((out->document = strdup(PQgetvalue(res, 0, 0))) != NULL)
        out->outcome = DB_WRITE_DONE;
cleanup:
    PQclear(PQexec(conn, "ROLLBACK"));   /* read only; the row lock goes with it */
    PQclear(res);
    free(before);
    db_pool_release(pool, conn);
}

void db_write_run(struct db_pool *pool, const struct db_writable *w, enum db_write_action action,
                  const char *key, const char *input, const char *if_match, const struct db_key *actor,
                  const struct db_idempotency *idempotency, struct db_write_result *out)
{
    PGconn *conn = NULL;
    PGresult *res = NULL;
    char *before = NULL;
    char *after = NULL;
    char *new_key = NULL;
    char key_id[24];
    bool in_transaction = false;
    const char *owner = NULL;

    memset(out, 0, sizeof(*out));
    out->outcome = DB_WRITE_FAILED;
    if ((conn = begin(pool, out)) == NULL)
        goto cleanup;
    in_transaction = true;
    if (action == DB_WRITE_CREATE && idempotency != NULL && !is_first_request(pool, conn, actor, idempotency, out))
        goto cleanup;
    if (!writer_owner(w, action, actor, &owner, out))
        goto cleanup;
    if (action != DB_WRITE_CREATE && !existing_may_change(pool, conn, w, action, key, if_match, owner, &before, out))
        goto cleanup;
    if (action == DB_WRITE_UPDATE && !state_allows(pool, conn, w, key, input, out))
        goto cleanup;
    if (action != DB_WRITE_DELETE && !references_exist(pool, conn, w, input, out))
        goto cleanup;
    /* Nor may an owner hand a record to someone else. */
    if (owner != NULL && action != DB_WRITE_DELETE && w->owner_of_input_statement != NULL
        && !is_owned_by(pool, conn, w->owner_of_input_statement, input, owner, out))
        goto cleanup;
    if (owner != NULL && action != DB_WRITE_DELETE && w->owner_guard_statement != NULL) {
        const char *params[] = { key, input, owner };
        if ((res = query(pool, conn, w->owner_guard_statement, 3, params, out)) == NULL)
            goto cleanup;
        if (PQntuples(res) > 0) {
            out->outcome = DB_WRITE_FORBIDDEN;
            if (!PQgetisnull(res, 0, 0)) {
                snprintf(out->field_name, sizeof(out->field_name), "%s", PQgetvalue(res, 0, 0));
                out->field = out->field_name;
            }
            goto cleanup;
        }
        PQclear(res);
        res = NULL;
    }
    if (action == DB_WRITE_DELETE && !is_unreferenced(pool, conn, w, key, out))
        goto cleanup;

    if (action == DB_WRITE_CREATE) {
        const char *params[] = { input, owner };
        if ((res = query(pool, conn, w->insert_statement, w->insert_with_owner ? 2 : 1, params, out)) == NULL)
            goto refused;
        if (PQntuples(res) != 1 || (new_key = strdup(PQgetvalue(res, 0, 0))) == NULL)
            goto cleanup;
        key = new_key;
    } else if (action == DB_WRITE_UPDATE) {
        const char *params[] = { key, input };
        if ((res = query(pool, conn, w->update_statement, 2, params, out)) == NULL)
            goto refused;
        if (w->update_returns_note && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
            snprintf(out->note, sizeof(out->note), "%s", PQgetvalue(res, 0, 0));
    } else {
        const char *params[] = { key };
        if ((res = query(pool, conn, w->delete_statement, 1, params, out)) == NULL)
            goto cleanup;
    }

    PQclear(res);
    res = NULL;
    if (action != DB_WRITE_DELETE && (after = read_document(pool, conn, w, key, out)) == NULL)
        goto cleanup;

    snprintf(key_id, sizeof(key_id), "%lld", actor->id);
    const char *audit[] = { key_id, actor->name, w->entity, key, action_names[action], before, after };
    if ((res = query(pool, conn, "audit_append", 7, audit, out)) == NULL)
        goto cleanup;
    PQclear(res);
    res = NULL;
    if (action == DB_WRITE_CREATE && idempotency != NULL
        && !save_answer(pool, conn, actor, idempotency, key, after, out))
        goto cleanup;
    db_kept_routes_refresh_before_commit(conn);
    if (!db_command_ok(conn, "COMMIT")) {
        out->outcome = DB_WRITE_FAILED;
        goto cleanup;
    }
    in_transaction = false;
    /* This replica sees its own write at once; the others hear the NOTIFY.
     * The commit's WAL position lets the client read its own write from
     * any replica (X-Consistency-LSN, see pool.h). */
    uint64_t lsn = 0;
    if (db_current_lsn(conn, &lsn) == DB_OK)
        db_lsn_format(lsn, out->lsn);
    db_pool_invalidate_tables_at(pool, db_entity_tables(w->entity), lsn);
    log_info("write action=%s entity=%s id=\"%s\" key=\"%s\"", action_names[action], w->entity, key, actor->name);
    out->outcome = DB_WRITE_DONE;
    out->document = after;
    after = NULL;
    out->key = new_key;
    new_key = NULL;
    goto cleanup;
refused:
    /* A foreign key refusing an insert or update means a reference vanished
     * after it was checked (a concurrent delete): not "still referenced". */
    if (out->outcome == DB_WRITE_FIELD_MISSING) {
        out->field = out->field_name;
    } else if (out->outcome == DB_WRITE_REFERENCED && out->field_name[0] != '\0') {
        out->outcome = DB_WRITE_MISSING_REFERENCE;
        out->field = out->field_name;
    } else if (out->outcome == DB_WRITE_REFERENCED) {
        out->outcome = DB_WRITE_INVALID;
    }
cleanup:
    if (in_transaction)
        PQclear(PQexec(conn, "ROLLBACK"));
    PQclear(res);
    free(before);
    free(after);
    free(new_key);
    db_pool_release(pool, conn);
}

void db_write_result_release(struct db_write_result *result)
{
    free(result->document);
    free(result->detail);
    free(result->key);
    result->document = NULL;
    result->detail = NULL;
    result->key = NULL;
}
