/*
 * cmd/insatskatalog-admin/main.c: the admin command.
 *
 * Usage: insatskatalog-admin migrate                apply pending migrations from $SQL_DIR
 *        insatskatalog-admin load-reference         load counties, municipalities, centroids, neighbours, borders
 *        insatskatalog-admin setup                  migrate, then load-reference
 *        insatskatalog-admin load-population FILE   population per municipality (code,population,year)
 *        insatskatalog-admin load-examples [small|bench]
 *                                                   replace the generated, fictitious example providers
 *                                                   and agreements (example = true): small = 40
 *                                                   providers / 150 offerings / 60 agreements (default),
 *                                                   bench = 2000 / 10000 / 5000
 *        insatskatalog-admin import-offerings FILE [--dry-run]
 *                                                   create or update offerings from a CSV file (the
 *                                                   format of GET /v1/offerings as text/csv), all or
 *                                                   nothing; the audit trail names the key "admin-cli"
 *        insatskatalog-admin key create NAME SCOPE [EXPIRES]
 *                                                   print a new API key, once; SCOPE is admin,
 *                                                   municipality:<code> or provider:<id>; EXPIRES RFC 3339
 *        insatskatalog-admin key list               list keys (never their secrets)
 *        insatskatalog-admin key revoke NAME
 * DATABASE_URL names the database (as the server's role, insatskatalog_app); migrate,
 * load-reference, setup and load-examples connect to MIGRATION_DATABASE_URL instead
 * (the schema owner, insatskatalog_owner) when it is set. SQL_DIR (default "sql")
 * holds the migrations.
 */
#include <stdio.h>
#include <string.h>

#include "../../internal/config/config.h"
#include "../../internal/db/admin.h"
#include "../../internal/db/examples.h"
#include "../../internal/db/keys.h"
#include "../../internal/db/kept_routes.h"
#include "../../internal/db/offerings_csv.h"

static int usage(void)
{
    fprintf(stderr, "usage: insatskatalog-admin migrate | load-reference | setup | load-population FILE\n"
                    "       insatskatalog-admin load-examples [small|bench]\n"
                    "       insatskatalog-admin import-offerings FILE [--dry-run]\n"
                    "       insatskatalog-admin key create NAME SCOPE [EXPIRES] | key list | key revoke NAME\n");
    return 2;
}

/* After a command that changed data: the rows kept for the guidance
 * (kept_routes.h), so the first request after it does not wait for the
 * server's keeper. */
static int refresh_kept(const struct config *config)
{
    return db_kept_routes_refresh_url(config->migration_database_url, stdout);
}

int main(int argc, char **argv)
{
    struct config config;

    if (argc < 2)
        return usage();
    if (config_load(&config, 1, stderr) != 0)
        return 2;
    if (strcmp(argv[1], "migrate") == 0 && argc == 2)
        return db_admin_migrate(config.migration_database_url, config.sql_dir, stdout) || refresh_kept(&config);
    if (strcmp(argv[1], "load-reference") == 0 && argc == 2)
        return db_admin_load_reference(config.migration_database_url, config.sql_dir, stdout) || refresh_kept(&config);
    if (strcmp(argv[1], "setup") == 0 && argc == 2)
        return db_admin_migrate(config.migration_database_url, config.sql_dir, stdout)
               || db_admin_load_reference(config.migration_database_url, config.sql_dir, stdout)
               || refresh_kept(&config);
    if (strcmp(argv[1], "load-population") == 0 && argc == 3)
        return db_admin_load_population(config.database_url, argv[2], stdout) || refresh_kept(&config);
    if (strcmp(argv[1], "load-examples") == 0 && argc <= 3) {
        if (argc == 2 || strcmp(argv[2], "small") == 0)
            return db_admin_load_examples(config.migration_database_url, config.sql_dir, 40, 150, 60, stdout)
                   || refresh_kept(&config);
        if (strcmp(argv[2], "bench") == 0)
            return db_admin_load_examples(config.migration_database_url, config.sql_dir, 2000, 10000, 5000, stdout)
                   || refresh_kept(&config);
    }
    if (strcmp(argv[1], "import-offerings") == 0 && (argc == 3 || (argc == 4 && strcmp(argv[3], "--dry-run") == 0)))
        return db_admin_import_offerings(config.database_url, argv[2], argc == 4, stdout);
    if (strcmp(argv[1], "key") == 0 && argc >= 3) {
        if (strcmp(argv[2], "create") == 0 && (argc == 5 || argc == 6))
            return db_admin_key_create(config.database_url, argv[3], argv[4], argc == 6 ? argv[5] : NULL, stdout);
        if (strcmp(argv[2], "list") == 0 && argc == 3)
            return db_admin_key_list(config.database_url, stdout);
        if (strcmp(argv[2], "revoke") == 0 && argc == 4)
            return db_admin_key_revoke(config.database_url, argv[3], stdout);
    }
    return usage();
}
