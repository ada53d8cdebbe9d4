/*
 * internal/db/registry.h: every statement table, for db_pool_create().
 */
#ifndef INSATSKATALOG_DB_REGISTRY_H
#define INSATSKATALOG_DB_REGISTRY_H

#include "pool.h"

/* NULL-terminated; each table is {NULL, NULL}-terminated. */
extern const struct db_statement *const db_all_statements[];

#endif
