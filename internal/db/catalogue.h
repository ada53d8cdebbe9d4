/*
 * internal/db/catalogue.h: reads of the knowledge-support catalogue and the
 * geography. Every function returns a JSON document built by PostgreSQL.
 *
 * Get functions: on DB_OK *out is the record's document (free() it);
 * DB_NOT_FOUND when no record has that key. List functions take a
 * db_page_request whose filters are in the order given above each one.
 */
#ifndef INSATSKATALOG_DB_CATALOGUE_H
#define INSATSKATALOG_DB_CATALOGUE_H

#include "page.h"
#include "pool.h"

extern const struct db_statement db_catalogue_statements[];
extern const struct db_statement db_geography_statements[];

/* Filters: none. */
enum db_status db_knowledge_supports_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_knowledge_supports_get(struct db_pool *pool, const char *slug, struct db_read *read, char **out);

/* Filters: none. */
enum db_status db_intervention_types_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_intervention_types_get(struct db_pool *pool, const char *slug, struct db_read *read, char **out);

/* Filters: intervention_type slug, age (integer text), available_in_sweden ("true"/"false"). */
enum db_status db_methods_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_methods_get(struct db_pool *pool, const char *slug, struct db_read *read, char **out);

/* Filters: age. */
enum db_status db_assessment_instruments_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_assessment_instruments_get(struct db_pool *pool, const char *slug, struct db_read *read, char **out);

/* Filters: kind (a material_kind value). */
enum db_status db_materials_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_materials_get(struct db_pool *pool, const char *slug, struct db_read *read, char **out);

/* Filters: none. */
enum db_status db_surveys_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_surveys_get(struct db_pool *pool, const char *slug, struct db_read *read, char **out);

/* Filters: none. */
enum db_status db_counties_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_counties_get(struct db_pool *pool, const char *code, struct db_read *read, char **out);

/* Filters: county code. */
enum db_status db_municipalities_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_municipalities_get(struct db_pool *pool, const char *code, struct db_read *read, char **out);

/*
 * Ranked Swedish full-text search over methods, intervention types,
 * instruments and materials. limit and offset are validated decimal text;
 * next_prefix is the URL the next offset is appended to.
 */
enum db_status db_search(struct db_pool *pool, const char *query, const char *limit, const char *offset,
                         const char *next_prefix, struct db_read *read, char **out);

/* SELECT 1 on a pooled connection: DB_OK when the database answers. */
enum db_status db_ping(struct db_pool *pool);

#endif
