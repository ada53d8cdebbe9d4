/*
 * internal/db/page.c: runs keyset-paginated list statements.
 */
#include "page.h"

/* Lays out the parameters in the order every list statement takes them. */
static int page_params(const struct db_page_request *request, const char *params[DB_PAGE_MAX_FILTERS + 4])
{
    int count = 0;

    params[count++] = request->updated_since;
    params[count++] = request->cursor;
    params[count++] = request->limit;
    params[count++] = request->next_prefix;
    for (int i = 0; i < request->filter_count && i < DB_PAGE_MAX_FILTERS; i++)
        params[count++] = request->filters[i];
    return count;
}

enum db_status db_page_fetch(struct db_pool *pool, const char *statement,
                             const struct db_page_request *request, char **out)
{
    const char *params[DB_PAGE_MAX_FILTERS + 4];
    int count = page_params(request, params);
    return db_fetch_document(pool, request->read, statement, count, params, out);
}

enum db_status db_page_fetch_uncached(struct db_pool *pool, const char *statement,
                                      const struct db_page_request *request, char **out)
{
    const char *params[DB_PAGE_MAX_FILTERS + 4];
    int count = page_params(request, params);
    /* These lists change with every write (the audit trail): read them where the writes are. */
    return db_fetch_text(db_pool_primary(pool), statement, count, params, out);
}
