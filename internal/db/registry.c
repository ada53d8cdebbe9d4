/*
 * internal/db/registry.c: the statement tables the pool prepares on every
 * new connection. A new db/<resource>.c adds its table here.
 */
#include "registry.h"

#include "agreements.h"
#include "audit.h"
#include "catalogue.h"
#include "catalogue_write.h"
#include "cost_estimate.h"
#include "coverage.h"
#include "guidance.h"
#include "keys.h"
#include "maps.h"
#include "offerings_csv.h"
#include "partners.h"
#include "providers.h"
#include "write.h"

const struct db_statement *const db_all_statements[] = {
    db_catalogue_statements,
    db_geography_statements,
    db_catalogue_write_statements,
    db_keys_statements,
    db_write_statements,
    db_audit_statements,
    db_providers_statements,
    db_agreements_statements,
    db_coverage_statements,
    db_offerings_csv_statements,
    db_cost_estimate_statements,
    db_guidance_statements,
    db_partners_statements,
    db_maps_statements,
    NULL,
};
