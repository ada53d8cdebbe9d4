/*
 * internal/db/write.h: the one transaction every catalogue write runs in.
 *
 * BEGIN; lock the record; check If-Match against the record as the API
 * shows it; check references; insert, update or delete; read the new
 * representation; append to the audit trail; COMMIT. Any failure rolls all
 * of it back, so a refused request leaves the data and the trail unchanged.
 */
#ifndef INSATSKATALOG_DB_WRITE_H
#define INSATSKATALOG_DB_WRITE_H

#include <stdbool.h>

#include "keys.h"
#include "pool.h"

extern const struct db_statement db_write_statements[];

/* Runs a statement without parameters or rows (BEGIN, COMMIT); whether it succeeded. */
bool db_command_ok(PGconn *conn, const char *sql);

/* A field of the input that names another record by slug. */
struct db_reference {
    const char *field;              /* e.g. "intervention_type" */
    const char *exists_statement;   /* $1 slug -> one row when it exists */
};

struct db_write_refusal;

/* The SQL of one writable resource (statement names; see db/catalogue_write.c). */
struct db_writable {
    const char *entity;             /* audit entity: "method" */
    const char *lock_statement;     /* $1 key -> a row, locked FOR UPDATE */
    const char *document_statement; /* $1 key -> the public document (as GET shows it) */
    const char *input_statement;    /* $1 key -> the editable input object (jsonb text) */
    const char *insert_statement;   /* $1 input jsonb -> the new key */
    const char *update_statement;   /* $1 key, $2 input jsonb */
    const char *delete_statement;   /* $1 key */
    const char *referrers_statement;/* $1 key -> JSON array of what refers to it (empty: none) */
    const struct db_reference *references;   /* ended by {NULL} */
    /* Records with an owner (a provider): a key scoped "provider:<id>" may
     * write only records whose owner is <id>. NULL statements: admin only. */
    const char *owner_of_key_statement;      /* $1 key -> owner id */
    const char *owner_of_input_statement;    /* $1 input jsonb -> owner id(s): any row may match */
    bool owner_may_create;                   /* false: only admin creates (a provider itself) */
    /* For owners other than admin: $1 key, $2 input, $3 owner -> a row when
     * the change touches what is not the owner's (another party's decision);
     * its first column, when not NULL, names the field (result.field). */
    const char *owner_guard_statement;
    /* $1 key -> a row when the record is shown to everyone. A key that does not
     * own a record it is not shown is told NOT_FOUND, as if it did not exist
     * (a draft agreement to a non-party); NULL statement: FORBIDDEN. */
    const char *visible_statement;
    /* $1 key -> the owner id that created the record ("" for admin): only that
     * owner (or admin) deletes it (DB_REFUSAL_NOT_CREATOR). NULL: any owner. */
    const char *creator_statement;
    bool insert_with_owner;                  /* the insert takes $2: the owner id, NULL for admin */
    bool update_returns_note;                /* the update returns one value for the answer (result.note) */
    /* For updates whose rules depend on the record's current state (an
     * agreement's lifecycle): input_statement gives that state, and this says
     * under the row lock whether input may be applied to it; false refuses,
     * with *refusal filled in. It does no I/O. NULL: no such rules. */
    bool (*state_allows)(const char *input, const char *state, struct db_write_refusal *refusal);
};

/* Idempotency-Key on a create: the client's key and a hash of its request. */
struct db_idempotency {
    const char *key;
    const char *request_hash;       /* hex SHA-256 of method, path and body */
};

enum db_write_action { DB_WRITE_CREATE, DB_WRITE_UPDATE, DB_WRITE_DELETE };

enum db_write_outcome {
    DB_WRITE_DONE,
    DB_WRITE_NOT_FOUND,             /* no record has that key */
    DB_WRITE_PRECONDITION_FAILED,   /* If-Match does not match the current representation */
    DB_WRITE_DUPLICATE,             /* the key is taken */
    DB_WRITE_MISSING_REFERENCE,     /* result.field names a reference to nothing */
    DB_WRITE_REFERENCED,            /* result.detail is the JSON array of referrers */
    DB_WRITE_INVALID,               /* a database rule refused the values */
    DB_WRITE_WRONG_STATE,           /* the record's state does not allow it (SQLSTATE 23001) */
    DB_WRITE_FIELD_MISSING,         /* result.field is required here though validation could not tell */
    DB_WRITE_REFUSED,               /* a rule of the record's state refused: result.refusal says why */
    DB_WRITE_FORBIDDEN,             /* the key's scope does not own this record; result.field names a field it may not change */
    DB_WRITE_IDEMPOTENCY_MISMATCH,  /* the Idempotency-Key was used within 24 h for another request */
    DB_WRITE_UNAVAILABLE,
    DB_WRITE_FAILED,
};

/* Why a rule of the record's state refused a write: the facts, for http/ to
 * answer with once the transaction has ended and the row lock is released. */
enum db_write_refusal_kind {
    DB_REFUSAL_NONE,
    DB_REFUSAL_ILLEGAL_TRANSITION,   /* current_status cannot become requested_status; allowed lists where it can go */
    DB_REFUSAL_DECISIONS_MISSING,    /* "aktiv" needs every party's decision */
    DB_REFUSAL_NOT_YET_ENDED,        /* "upphört" before ends_on, the date the notice gives */
    DB_REFUSAL_NOT_CREATOR,          /* only created_by (or admin) deletes the record */
    DB_REFUSAL_FAILED,               /* the check could not run (out of memory, a bad stored state) */
};

struct db_write_refusal {
    enum db_write_refusal_kind kind;
    char current_status[24];
    char requested_status[24];
    char allowed[5][24];                  /* ILLEGAL_TRANSITION: ended by "" */
    char ends_on[16];                     /* NOT_YET_ENDED: YYYY-MM-DD */
    char created_by[24];                  /* NOT_CREATOR: the creating owner, "" for admin */
};

struct db_write_result {
    enum db_write_outcome outcome;
    char *document;                 /* DONE on create/update: new representation; free() */
    char *key;                      /* DONE on create: the new record's key; free() */
    char lsn[24];                   /* DONE: the primary's WAL position after the commit, or "" */
    char *detail;                   /* REFERENCED: referrers JSON; free() */
    const char *field;              /* MISSING_REFERENCE: the field (the writable's, or field_name) */
    char field_name[64];            /* a nested field named by the database, e.g. "parties[1].municipality" */
    struct db_write_refusal refusal;   /* REFUSED */
    char note[24];                  /* DONE on update, when the writable's update returns one (e.g. decisions cleared) */
    bool replayed;                  /* DONE: the first answer to this Idempotency-Key, replayed; nothing written */
};

/*
 * Runs one write. key: the record's slug (NULL for create); input: the
 * validated input object as JSON text (NULL for delete); if_match: the
 * client's If-Match header (NULL only for create); actor: who writes;
 * idempotency: a create's Idempotency-Key, or NULL. Always fills *out; free
 * its strings with db_write_result_release().
 */
void db_write_run(struct db_pool *pool, const struct db_writable *writable, enum db_write_action action,
                  const char *key, const char *input, const char *if_match, const struct db_key *actor,
                  const struct db_idempotency *idempotency, struct db_write_result *out);

/*
 * The record's editable input (input_statement) as JSON text in out->document,
 * for PATCH to merge into, read after the checks an update of it makes first:
 * it exists (NOT_FOUND), actor may change it (FORBIDDEN, or NOT_FOUND when it
 * is not shown to actor) and If-Match names its current version
 * (PRECONDITION_FAILED). The merged input then goes to db_write_run with the
 * same If-Match, which checks it again under the row lock: a change between
 * the two is a 412, so the merge base is always the version If-Match named.
 */
void db_write_current_input(struct db_pool *pool, const struct db_writable *writable, const char *key,
                            const char *if_match, const struct db_key *actor, struct db_write_result *out);

void db_write_result_release(struct db_write_result *result);

#endif
