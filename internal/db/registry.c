/*
 * internal/db/registry.c: the statement tables the pool prepares on every
 * new connection. A new db/<resource>.c adds its table here.
 */
#include "registry.h"

#include "catalogue.h"

const struct db_statement *const db_all_statements[] = {
    db_catalogue_statements,
    db_geography_statements,
    NULL,
};
