/*
 * internal/db/tables.c: the tables that notify, and what reads them.
 */
#include "tables.h"

#include <stddef.h>
#include <string.h>

/* Every table with a *_notify trigger (migrations 0004, 0006 and 0008). */
static const char *const notifying[] = {
    /* The catalogue: bits 0-9. */
    "counties", "municipalities", "knowledge_supports", "intervention_types", "recommendations", "methods",
    "assessment_instruments", "materials", "surveys", "survey_results",
    /* Providers and their offerings, then agreements. */
    "providers", "offerings", "offering_availability", "agreements", "agreement_parties", "agreement_scope",
};

#define CATALOGUE_TABLES 10

/*
 * Statements that read only the catalogue views, whose base tables are all
 * catalogue tables (tests/api/test_answers.c checks the views with
 * information_schema.view_table_usage). Anything else depends on every table.
 */
static const char *const catalogue_statements[] = {
    "knowledge_supports_list", "knowledge_supports_get", "intervention_types_list", "intervention_types_get",
    "methods_list", "methods_get", "assessment_instruments_list", "assessment_instruments_get",
    "materials_list", "materials_get", "surveys_list", "surveys_get", "search",
    "counties_list", "counties_get", "municipalities_list", "municipalities_get",
    "recommendations_list", "recommendations_get",
};

uint64_t db_table_bit(const char *table)
{
    for (size_t i = 0; table != NULL && i < sizeof(notifying) / sizeof(notifying[0]); i++)
        if (strcmp(table, notifying[i]) == 0)
            return UINT64_C(1) << i;
    return DB_TABLES_ALL;
}

uint64_t db_tables_catalogue(void)
{
    return (UINT64_C(1) << CATALOGUE_TABLES) - 1;
}

uint64_t db_statement_tables(const char *statement)
{
    for (size_t i = 0; i < sizeof(catalogue_statements) / sizeof(catalogue_statements[0]); i++)
        if (strcmp(statement, catalogue_statements[i]) == 0)
            return db_tables_catalogue();
    return DB_TABLES_ALL;
}

uint64_t db_entity_tables(const char *entity)
{
    if (entity == NULL)
        return DB_TABLES_ALL;
    if (strcmp(entity, "provider") == 0)
        return db_table_bit("providers");
    /* An availability row touches its offering's updated_at (sql/0010_parent_updated_at.sql). */
    if (strcmp(entity, "offering") == 0 || strcmp(entity, "availability") == 0)
        return db_table_bit("offerings") | db_table_bit("offering_availability");
    if (strcmp(entity, "agreement") == 0)
        return db_table_bit("agreements") | db_table_bit("agreement_parties") | db_table_bit("agreement_scope");
    return DB_TABLES_ALL;   /* catalogue writes are rare: drop everything, as before */
}
