/*
 * internal/db/agreements.h: avtalssamverkan agreements, their parties,
 * scope, decisions and lifecycle.
 *
 * Drafts (utkast) are visible to their parties and admin only; a viewer is
 * "admin", a municipality code, or NULL for the public.
 */
#ifndef INSATSKATALOG_DB_AGREEMENTS_H
#define INSATSKATALOG_DB_AGREEMENTS_H

#include "page.h"
#include "write.h"

extern const struct db_statement db_agreements_statements[];

extern const struct db_writable db_agreements_writable;
/* The lifecycle: the update's input is {"to": status} (and for notice,
 * "uppsagd", "given_by": the party that gives it, or null). Refused (a
 * db_write_refusal) when the lifecycle does not allow the move, for "aktiv"
 * before every party has decided, and for "upphört" before the day the notice
 * gives. */
extern const struct db_writable db_agreement_transitions_writable;

/* Filters: municipality code, county code, method slug (or its type), effective
 * status, active_on date, viewer. DB_NOT_FOUND when the municipality filter
 * names no municipality. */
enum db_status db_agreements_list(struct db_pool *pool, const struct db_page_request *request, char **out);

/* DB_NOT_FOUND also for a draft the viewer may not see. */
enum db_status db_agreements_get(struct db_pool *pool, const char *id, const char *viewer, struct db_read *read,
                                 char **out);

#endif
