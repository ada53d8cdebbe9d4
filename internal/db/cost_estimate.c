/*
 * internal/db/cost_estimate.c: the statements of GET
 * /v1/methods/{slug}/cost-estimate. The arithmetic is one SQL function,
 * cost_estimate() in sql/0015_cost_estimate.sql, so every figure in an
 * answer comes from one snapshot of the offerings and municipalities.
 */
#include "cost_estimate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log/log.h"

/* The arithmetic is sql/0015_cost_estimate.sql's: cost_estimate() gives the
 * document, or NULL (no row here) when the method does not exist or a
 * reference names nothing; only then is cost_estimate_unresolved() asked
 * which, so a document is never parsed to find out. */
static const char cost_estimate_sql[] =
    "SELECT e::text FROM cost_estimate($1::text, $2::text, $3::int, $4::int, $5::bigint, $6::date) AS e "
    "WHERE e IS NOT NULL";
/* "<field> <value>" of the first reference that names nothing; no row when the method does not exist. */
static const char cost_estimate_unresolved_sql[] =
    "SELECT u.field || ' ' || u.value FROM cost_estimate_unresolved($1::text, $2::text, $3::bigint, $4::date) AS u "
    "LIMIT 1";

const struct db_statement db_cost_estimate_statements[] = {
    { "cost_estimate", cost_estimate_sql },
    { "cost_estimate_unresolved", cost_estimate_unresolved_sql },
    { NULL, NULL },
};

/* The fields cost_estimate_unresolved() may name, as static strings for out->unresolved_field. */
static const char *const reference_fields[] = { "municipalities", "offering", NULL };

/* After a NULL estimate: DB_NOT_FOUND when the method does not exist, or DB_OK with out->unresolved_*. */
static enum db_status find_unresolved(struct db_pool *pool, const struct db_cost_estimate_query *query,
                                      struct db_cost_estimate *out)
{
    const char *params[] = { query->method, query->municipalities, query->offering, query->on };
    char *answer = NULL;
    enum db_status status = db_fetch_text(pool, "cost_estimate_unresolved", 4, params, &answer);
    const char *space = answer ? strchr(answer, ' ') : NULL;

    if (status != DB_OK)
        goto cleanup;
    status = DB_ERROR;
    for (size_t i = 0; space != NULL && reference_fields[i] != NULL; i++)
        if (strlen(reference_fields[i]) == (size_t)(space - answer)
            && strncmp(answer, reference_fields[i], (size_t)(space - answer)) == 0) {
            out->unresolved_field = reference_fields[i];
            snprintf(out->unresolved_value, sizeof(out->unresolved_value), "%s", space + 1);
            status = DB_OK;
        }
    if (status != DB_OK)
        log_error("cost_estimate_unresolved named an unexpected reference");
cleanup:
    free(answer);
    return status;
}

enum db_status db_cost_estimate(struct db_pool *pool, const struct db_cost_estimate_query *query,
                                struct db_cost_estimate *out)
{
    const char *params[] = { query->method, query->municipalities, query->staff,
                             query->cases, query->offering, query->on };

    memset(out, 0, sizeof(*out));
    enum db_status status = db_fetch_document(pool, query->read, "cost_estimate", 6, params, &out->document);
    if (status == DB_NOT_FOUND)
        return find_unresolved(pool, query, out);
    return status;
}

void db_cost_estimate_release(struct db_cost_estimate *estimate)
{
    free(estimate->document);
    memset(estimate, 0, sizeof(*estimate));
}
