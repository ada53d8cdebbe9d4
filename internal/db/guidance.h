/*
 * internal/db/guidance.h: from an assessment to the recommended
 * interventions. The parameters describe a situation (an age, a risk level,
 * need areas), never a child, and nothing of them is stored: the answer is a
 * document that depends only on them and the catalogue, cached like the
 * others.
 */
#ifndef INSATSKATALOG_DB_GUIDANCE_H
#define INSATSKATALOG_DB_GUIDANCE_H

#include "pool.h"

extern const struct db_statement db_guidance_statements[];

/* The parameters as checked text (the handler validates every one). */
struct db_guidance_query {
    const char *age;            /* "6".."17" */
    const char *risk;           /* "låg", "måttlig" or "hög" */
    const char *needs;          /* need-area slugs joined by ",", or NULL */
    const char *municipality;   /* code, or NULL */
    const char *on;             /* "YYYY-MM-DD", or NULL for today */
    struct db_read *read;       /* the request's reads: the position to see, what was read (pool.h) */
};

/* The guidance document. DB_NOT_FOUND: the municipality does not exist. */
enum db_status db_guidance(struct db_pool *pool, const struct db_guidance_query *q, char **out);

/* The RBM rule table and the need areas, as one document. */
enum db_status db_guidance_rules(struct db_pool *pool, struct db_read *read, char **out);

#endif
