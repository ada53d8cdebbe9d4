/*
 * internal/db/catalogue.c: the SQL of the catalogue reads, beside the
 * functions that run it.
 *
 * Documents come from the *_docs views (sql/0003_views.sql). Lists are
 * ordered by their key in the "C" collation so that the keyset cursor
 * (key > $cursor) agrees with the order whatever the database's locale.
 */
#include "catalogue.h"

#include <stdlib.h>

/*
 * The shape every catalogue list shares; KEY is the column the cursor walks.
 * $1 updated_since, $2 cursor, $3 limit, $4 next-link prefix; filters from $5.
 */
#define PAGE_SQL(KEY, VIEW, FILTERS)                                                             \
    "SELECT page_body(array_agg(doc ORDER BY k), array_agg(k ORDER BY k), $3::int, $4::text) "   \
    "FROM (SELECT " KEY "::text COLLATE \"C\" AS k, doc FROM " VIEW " WHERE " FILTERS             \
    " ($1::timestamptz IS NULL OR updated_at > $1::timestamptz)"                                 \
    " AND ($2::text IS NULL OR " KEY "::text COLLATE \"C\" > $2::text)"                          \
    " ORDER BY 1 LIMIT $3::int + 1) page"

const struct db_statement db_catalogue_statements[] = {
    { "knowledge_supports_list", PAGE_SQL("slug", "knowledge_support_docs", "") },
    { "knowledge_supports_get", "SELECT doc::text FROM knowledge_support_docs WHERE slug = $1::text" },
    { "intervention_types_list", PAGE_SQL("slug", "intervention_type_docs", "") },
    { "intervention_types_get", "SELECT doc::text FROM intervention_type_docs WHERE slug = $1::text" },
    { "methods_list",
      PAGE_SQL("slug", "method_docs",
               "($5::text IS NULL OR intervention_type_slug = $5::text) AND "
               "($6::int IS NULL OR $6::int BETWEEN age_min AND age_max) AND "
               "($7::boolean IS NULL OR available_in_sweden = $7::boolean) AND") },
    { "methods_get", "SELECT doc::text FROM method_docs WHERE slug = $1::text" },
    { "assessment_instruments_list",
      PAGE_SQL("slug", "assessment_instrument_docs", "($5::int IS NULL OR $5::int BETWEEN age_min AND age_max) AND") },
    { "assessment_instruments_get", "SELECT doc::text FROM assessment_instrument_docs WHERE slug = $1::text" },
    { "materials_list",
      PAGE_SQL("slug", "material_docs", "($5::material_kind IS NULL OR $5::material_kind = ANY (kinds)) AND") },
    { "materials_get", "SELECT doc::text FROM material_docs WHERE slug = $1::text" },
    { "surveys_list", PAGE_SQL("slug", "survey_docs", "") },
    { "surveys_get", "SELECT doc::text FROM survey_docs WHERE slug = $1::text" },
    { "search",
      /* A query of stop words only ("dina") matches abbreviations (sql/0017_search_stop_words.sql). */
      "WITH q AS (SELECT swedish_prefix_query($1::text) AS query, search_stop_word_query($1::text) AS stop), "
      "hits AS (SELECT d.kind, d.slug, d.title, d.summary, d.href, "
      "                CASE WHEN q.query IS NULL THEN ts_rank(d.names, q.stop) "
      "                     ELSE ts_rank(d.search, q.query) END AS rank "
      "         FROM search_documents d, q WHERE d.search @@ q.query OR (q.query IS NULL AND d.names @@ q.stop)), "
      "page AS (SELECT *, count(*) OVER () AS total FROM hits "
      "         ORDER BY rank DESC, kind, slug LIMIT $2::int OFFSET $3::int) "
      "SELECT json_build_object("
      "  'query', $1::text,"
      "  'items', coalesce(json_agg(json_build_object('kind', kind, 'slug', slug, 'title', title,"
      "           'summary', summary, 'href', href, 'rank', round(rank::numeric, 4)) "
      "           ORDER BY rank DESC, kind, slug), '[]'::json),"
      "  'limit', $2::int, 'offset', $3::int,"
      "  'total', coalesce(max(total), (SELECT count(*) FROM hits)),"
      "  'next', CASE WHEN max(total) > $3::int + $2::int THEN $4::text || ($3::int + $2::int) END)::text "
      "FROM page" },
    { "ping", "SELECT 'ok'" },
    /* NULL (not 't') on a primary, which is never asked. */
    { "replica_has_replayed", "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn" },
    { NULL, NULL },
};

const struct db_statement db_geography_statements[] = {
    { "counties_list", PAGE_SQL("code", "county_docs", "") },
    { "counties_get", "SELECT doc::text FROM county_docs WHERE code = $1::text" },
    { "municipalities_list",
      PAGE_SQL("code", "municipality_docs", "($5::text IS NULL OR county_code = $5::text) AND") },
    { "municipalities_get", "SELECT doc::text FROM municipality_docs WHERE code = $1::text" },
    { NULL, NULL },
};

static enum db_status fetch_by_key(struct db_pool *pool, const char *statement, const char *key, struct db_read *read,
                                   char **out)
{
    const char *params[] = { key };
    return db_fetch_document(pool, read, statement, 1, params, out);
}

/* Each resource: a list and a get, differing only in the statement they run. */
#define DEFINE_LIST_AND_GET(resource)                                                                    \
    enum db_status db_##resource##_list(struct db_pool *pool, const struct db_page_request *request,   \
                                        char **out)                                                     \
    {                                                                                                   \
        return db_page_fetch(pool, #resource "_list", request, out);                                    \
    }                                                                                                   \
    enum db_status db_##resource##_get(struct db_pool *pool, const char *key, struct db_read *read,    \
                                       char **out)                                                      \
    {                                                                                                   \
        return fetch_by_key(pool, #resource "_get", key, read, out);                                    \
    }

DEFINE_LIST_AND_GET(knowledge_supports)
DEFINE_LIST_AND_GET(intervention_types)
DEFINE_LIST_AND_GET(methods)
DEFINE_LIST_AND_GET(assessment_instruments)
DEFINE_LIST_AND_GET(materials)
DEFINE_LIST_AND_GET(surveys)
DEFINE_LIST_AND_GET(counties)
DEFINE_LIST_AND_GET(municipalities)

enum db_status db_search(struct db_pool *pool, const char *query, const char *limit, const char *offset,
                         const char *next_prefix, struct db_read *read, char **out)
{
    const char *params[] = { query, limit, offset, next_prefix };
    return db_fetch_document(pool, read, "search", 4, params, out);
}

enum db_status db_ping(struct db_pool *pool)
{
    char *answer = NULL;
    enum db_status status = db_fetch_text(pool, "ping", 0, NULL, &answer);
    free(answer);
    return status;
}
