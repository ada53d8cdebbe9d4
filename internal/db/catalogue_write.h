/*
 * internal/db/catalogue_write.h: the writable catalogue resources, for
 * db_write_run(), and the reads of recommendations as records of their own.
 */
#ifndef INSATSKATALOG_DB_CATALOGUE_WRITE_H
#define INSATSKATALOG_DB_CATALOGUE_WRITE_H

#include "page.h"
#include "write.h"

extern const struct db_statement db_catalogue_write_statements[];

extern const struct db_writable db_knowledge_supports_writable;
extern const struct db_writable db_intervention_types_writable;
extern const struct db_writable db_recommendations_writable;
extern const struct db_writable db_methods_writable;
extern const struct db_writable db_assessment_instruments_writable;
extern const struct db_writable db_materials_writable;

/* Filters: knowledge_support slug, intervention_type slug, strength. */
enum db_status db_recommendations_list(struct db_pool *pool, const struct db_page_request *request, char **out);
enum db_status db_recommendations_get(struct db_pool *pool, const char *slug, struct db_read *read, char **out);

#endif
