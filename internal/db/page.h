/*
 * internal/db/page.h: the one way every list statement is run.
 *
 * A list statement takes its parameters in a fixed order: updated_since,
 * cursor, limit and the prefix of the next-page link ($1 .. $4), then its own
 * filters ($5 ..., NULL meaning "no filter"). It returns one row: the page as
 * a JSON document built by page_body() in SQL.
 */
#ifndef INSATSKATALOG_DB_PAGE_H
#define INSATSKATALOG_DB_PAGE_H

#include "pool.h"

#define DB_PAGE_MAX_FILTERS 8

struct db_page_request {
    const char *filters[DB_PAGE_MAX_FILTERS];   /* text values in statement order; NULL = absent */
    int filter_count;
    const char *updated_since;   /* RFC 3339, or NULL */
    const char *cursor;          /* last key of the previous page, or NULL */
    const char *limit;           /* decimal text, already validated */
    const char *next_prefix;     /* URL that the next cursor is appended to */
    struct db_read *read;        /* the request's reads: the position to see, what was read (pool.h) */
};

/* A list keyed by a numeric id: VIEW has id, updated_at and doc; FILTERS
 * ends with "AND" (or is empty) and uses $5 onwards. */
#define DB_ID_PAGE_SQL(VIEW, FILTERS)                                                                      \
    "SELECT page_body(array_agg(doc ORDER BY id), array_agg(id::text ORDER BY id), $3::int, $4::text) "    \
    "FROM (SELECT d.id, d.doc FROM " VIEW " d WHERE " FILTERS                                            \
    " ($1::timestamptz IS NULL OR d.updated_at > $1::timestamptz)"                                      \
    " AND ($2::bigint IS NULL OR d.id > $2::bigint) ORDER BY d.id LIMIT $3::int + 1) page"

/* Runs a list statement through the document cache; on DB_OK *out is the page, freed by the caller with free(). */
enum db_status db_page_fetch(struct db_pool *pool, const char *statement,
                             const struct db_page_request *request, char **out);

/* The same for lists that change with every write (the audit trail): never cached. */
enum db_status db_page_fetch_uncached(struct db_pool *pool, const char *statement,
                                      const struct db_page_request *request, char **out);

#endif
