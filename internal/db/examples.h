/*
 * internal/db/examples.h: the generated, fictitious example providers and
 * agreements, for the admin command. Real provider figures and agreements do
 * not exist in our sources; this loads an invented set (every row
 * example = true) to develop, demonstrate and measure the provider and
 * agreement endpoints with. See sql/examples/generate.sql.
 */
#ifndef INSATSKATALOG_DB_EXAMPLES_H
#define INSATSKATALOG_DB_EXAMPLES_H

#include <stdio.h>

/*
 * Replaces the example providers, offerings, availability rows and
 * agreements (with their parties and scope) with a generated set of
 * provider_count providers, offering_count offerings and agreement_count
 * agreements: runs sql_dir/examples/generate.sql (which defines
 * load_example_data) and load_example_data(provider_count, offering_count,
 * agreement_count) in one transaction, so a failure leaves the previous
 * examples as they were. Rows with example = false are never touched.
 * Reports the counts and the time taken on report; returns 0 on success.
 * The database must be migrated and hold the reference data
 * (insatskatalog-admin setup).
 */
int db_admin_load_examples(const char *url, const char *sql_dir, int provider_count, int offering_count,
                           int agreement_count, FILE *report);

#endif
