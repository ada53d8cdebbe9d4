/*
 * internal/db/partners.h: a municipality's neighbours (borders that meet,
 * with the distance between centroids), and the municipalities near it with
 * whom it could share an intervention through an agreement: those that
 * perform it themselves and those that lack it too, each with a cost
 * estimate of one shared agreement between the two.
 */
#ifndef INSATSKATALOG_DB_PARTNERS_H
#define INSATSKATALOG_DB_PARTNERS_H

#include "pool.h"

extern const struct db_statement db_partners_statements[];

/* The neighbours document. DB_NOT_FOUND: no municipality has the code. */
enum db_status db_neighbours(struct db_pool *pool, struct db_read *read, const char *code, char **out);

/* The parameters as checked text (the handler validates every one). */
struct db_partners_query {
    const char *code;                /* the asking municipality */
    const char *intervention_type;   /* slug, or NULL when method is given */
    const char *method;              /* slug, or NULL when intervention_type is given */
    const char *radius_km;           /* "1".."1000" */
    const char *on;                  /* "YYYY-MM-DD", or NULL for today */
    struct db_read *read;            /* the request's reads: the position to see, what was read (pool.h) */
};

/* Zero-initialise; free with db_partners_release(). */
struct db_partners {
    char *document;        /* the answer as JSON text */
    const char *missing;   /* instead: "municipality", "intervention type" or "method" names nothing (static) */
};

/* On DB_OK exactly one of out->document and out->missing is set. */
enum db_status db_partners(struct db_pool *pool, const struct db_partners_query *q, struct db_partners *out);

/* Frees what out holds and zeroes it. Accepts a zeroed struct. */
void db_partners_release(struct db_partners *partners);

#endif
