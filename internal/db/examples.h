/*
 * internal/db/examples.h: the generated, fictitious example providers, for
 * the admin command. Real provider figures do not exist in our sources; this
 * loads an invented set (every row example = true) to develop, demonstrate
 * and measure the provider endpoints with. See sql/examples/generate.sql.
 */
#ifndef INSATSKATALOG_DB_EXAMPLES_H
#define INSATSKATALOG_DB_EXAMPLES_H

#include <stdio.h>

/*
 * Replaces the example providers, offerings and availability rows with a
 * generated set of provider_count providers and offering_count offerings:
 * runs sql_dir/examples/generate.sql (which defines load_example_data) and
 * load_example_data(provider_count, offering_count) in one transaction, so a
 * failure leaves the previous examples as they were. Rows with
 * example = false are never touched. Reports the counts and the time taken
 * on report; returns 0 on success. The database must be migrated and hold
 * the reference data (insatskatalog-admin setup).
 */
int db_admin_load_examples(const char *url, const char *sql_dir, int provider_count, int offering_count,
                           FILE *report);

#endif
