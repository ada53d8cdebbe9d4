/*
 * internal/db/providers.h: providers, their offerings of methods (costs,
 * training) and the offerings' availability per county or municipality.
 */
#ifndef INSATSKATALOG_DB_PROVIDERS_H
#define INSATSKATALOG_DB_PROVIDERS_H

#include "page.h"
#include "write.h"

extern const struct db_statement db_providers_statements[];

extern const struct db_writable db_providers_writable;
extern const struct db_writable db_offerings_writable;
extern const struct db_writable db_availability_writable;

/* Filters: county code (available there), method slug (offers it), kind, q (name words). */
enum db_status db_providers_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_providers_get(struct db_pool *pool, const char *id, struct db_read *read, char **out);

/* Filters: method slug, provider id, county code (available there). */
enum db_status db_offerings_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_offerings_get(struct db_pool *pool, const char *id, struct db_read *read, char **out);

enum db_status db_availability_get(struct db_pool *pool, const char *id, struct db_read *read, char **out);

/* The parameters of "who can deliver this method here". */
struct db_method_providers_query {
    const char *method;        /* slug */
    const char *county;        /* code, or NULL for every county */
    const char *on;            /* date the offering must be valid on, or NULL for today */
    const char *sort;          /* availability | cost | training_days | lead_time */
    const char *limit, *offset, *next_prefix;
    struct db_read *read;      /* the request's reads: the position to see, what was read (pool.h) */
};

/* DB_NOT_FOUND when the method, or the county when one is given, does not exist. */
enum db_status db_method_providers(struct db_pool *pool, const struct db_method_providers_query *query, char **out);

#endif
