/*
 * internal/db/audit.c: the SQL of the audit trail reads.
 */
#include "audit.h"

const struct db_statement db_audit_statements[] = {
    { "audit_list",
      "SELECT page_body(array_agg(doc ORDER BY id DESC), array_agg(id::text ORDER BY id DESC), $3::int, $4::text) "
      "FROM (SELECT a.id, json_build_object('id', a.id, 'at', a.at, "
      "             'key', json_build_object('id', a.key_id, 'name', a.key_name), "
      "             'entity', a.entity, 'entity_id', a.entity_id, 'action', a.action, "
      "             'before', a.before, 'after', a.after) AS doc "
      "      FROM audit_log a "
      "      WHERE ($5::text IS NULL OR a.entity = $5::text) "
      "        AND ($6::text IS NULL OR a.entity_id = $6::text) "
      "        AND ($7::text IS NULL OR a.key_name = $7::text OR a.key_id::text = $7::text) "
      "        AND ($8::timestamptz IS NULL OR a.at < $8::timestamptz) "
      "        AND ($1::timestamptz IS NULL OR a.at >= $1::timestamptz) "
      "        AND ($2::bigint IS NULL OR a.id < $2::bigint) "
      "      ORDER BY a.id DESC LIMIT $3::int + 1) page" },
    { NULL, NULL },
};

enum db_status db_audit_list(struct db_pool *pool, const struct db_page_request *request, char **out)
{
    /* Uncached: the trail changes with every write, and only admins read it. */
    return db_page_fetch_uncached(pool, "audit_list", request, out);
}
