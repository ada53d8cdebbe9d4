/*
 * internal/db/audit.h: reading the audit trail. Nothing here, or anywhere
 * in the service, changes or deletes an entry (a trigger refuses it too).
 */
#ifndef INSATSKATALOG_DB_AUDIT_H
#define INSATSKATALOG_DB_AUDIT_H

#include "page.h"

extern const struct db_statement db_audit_statements[];

/*
 * Newest first; the cursor is the last entry id shown. The page request's
 * updated_since is the "since" bound. Filters: entity, entity id (slug),
 * key (name or numeric id), until (RFC 3339).
 */
enum db_status db_audit_list(struct db_pool *pool, const struct db_page_request *request, char **out);

#endif
