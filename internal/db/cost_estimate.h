/*
 * internal/db/cost_estimate.h: what a method would cost a group of
 * municipalities, each alone and together in one agreement, split by each
 * compensation model. The arithmetic is one SQL statement; this layer runs
 * it and says whether a reference in the query named nothing.
 */
#ifndef INSATSKATALOG_DB_COST_ESTIMATE_H
#define INSATSKATALOG_DB_COST_ESTIMATE_H

#include "pool.h"

extern const struct db_statement db_cost_estimate_statements[];

/* The parameters, as checked text (the handler validates every one). */
struct db_cost_estimate_query {
    const char *method;           /* slug */
    const char *municipalities;   /* 1-30 distinct codes joined by ",", the performer first */
    const char *staff;            /* staff trained per team, "1".."100" */
    const char *cases;            /* cases per municipality per year, "0".."10000" */
    const char *offering;         /* offering id, or NULL for the median over the method's offerings */
    const char *on;               /* "YYYY-MM-DD" the offerings must be valid on, or NULL for today */
    struct db_read *read;         /* the request's reads: the position to see, what was read (pool.h) */
};

/* Zero-initialise; free with db_cost_estimate_release(). */
struct db_cost_estimate {
    char *document;                 /* the estimate as JSON text */
    const char *unresolved_field;   /* instead: "municipalities" or "offering" names nothing (static) */
    char unresolved_value[32];      /* the code or id that names nothing */
};

/*
 * Computes the estimate. DB_NOT_FOUND when no method has the slug. On DB_OK
 * exactly one of out->document and out->unresolved_field is set: a
 * municipality code that does not exist (the first such, in list order), or
 * an offering that is not one of this method's offerings valid on the day.
 */
enum db_status db_cost_estimate(struct db_pool *pool, const struct db_cost_estimate_query *query,
                                struct db_cost_estimate *out);

/* Frees what out holds and zeroes it. Accepts a zeroed struct. */
void db_cost_estimate_release(struct db_cost_estimate *estimate);

#endif
