/*
 * internal/db/kept_routes.h: each municipality's coverage and nearest
 * partners per recommended type, kept ready for the current day so the
 * guidance reads rows instead of ranking routes (sql/0019 says what is kept
 * and how a change marks it dirty).
 *
 * Who recomputes: every write of the API before its COMMIT (so a reader sees
 * the change and the rows together or neither), the admin after a command
 * that changes data, and the server's keeper every few seconds (the change of
 * day, and writes made outside the API). All of them take the same advisory
 * lock first, so the recomputing is one at a time and each sees what the one
 * before it committed.
 */
#ifndef INSATSKATALOG_DB_KEPT_ROUTES_H
#define INSATSKATALOG_DB_KEPT_ROUTES_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

#include "pool.h"

/* A document from kept_statement, a statement over the kept rows that gives
 * no row unless they may answer (KEPT_ROWS_USABLE in coverage_sql.h), else
 * from statement, its twin computed from the routes; the same parameters,
 * and db_fetch_document's outcome. */
enum db_status db_kept_fetch_document(struct db_pool *pool, struct db_read *read, const char *kept_statement,
                                      const char *statement, int count, const char *const *params, char **out);

/* At the end of a write, before its COMMIT: recompute what the marks ask for
 * (all of it when the day changed), when there is anything (one short look
 * when not) and the write runs in READ COMMITTED. It never fails the write:
 * when recomputing fails, it rolls back to before it, logs why and leaves the
 * marks to the keeper. */
void db_kept_routes_refresh_before_commit(PGconn *conn);

/* The same in a transaction of its own on a new connection to url (the
 * admin's commands). Returns 0, or 1 with the reason written to report. */
int db_kept_routes_refresh_url(const char *url, FILE *report);

struct db_keeper;

/* A thread that refreshes every few seconds on a connection it borrows from
 * pool (the primary's) for the moment. NULL only when the thread cannot be
 * started; an unreachable database is tried again at the next tick (the
 * guidance meanwhile uses its full statement). The pool must outlive it. */
struct db_keeper *db_keeper_start(struct db_pool *pool);

/* Stops the thread. Accepts NULL. */
void db_keeper_stop(struct db_keeper *keeper);

#endif
