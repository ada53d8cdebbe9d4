/*
 * cmd/insatskatalog-admin/main.c: the admin command.
 *
 * Usage: insatskatalog-admin migrate                apply pending migrations from $SQL_DIR
 *        insatskatalog-admin load-reference         load counties and municipalities
 *        insatskatalog-admin setup                  migrate, then load-reference
 *        insatskatalog-admin load-population FILE   population per municipality (code,population,year)
 * DATABASE_URL names the database; SQL_DIR (default "sql") holds the migrations.
 */
#include <stdio.h>
#include <string.h>

#include "../../internal/config/config.h"
#include "../../internal/db/admin.h"

static int usage(void)
{
    fprintf(stderr, "usage: insatskatalog-admin migrate | load-reference | setup | load-population FILE\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct config config;

    if (argc < 2)
        return usage();
    if (config_load(&config, 1, stderr) != 0)
        return 2;
    if (strcmp(argv[1], "migrate") == 0 && argc == 2)
        return db_admin_migrate(config.database_url, config.sql_dir, stdout);
    if (strcmp(argv[1], "load-reference") == 0 && argc == 2)
        return db_admin_load_reference(config.database_url, config.sql_dir, stdout);
    if (strcmp(argv[1], "setup") == 0 && argc == 2)
        return db_admin_migrate(config.database_url, config.sql_dir, stdout)
               || db_admin_load_reference(config.database_url, config.sql_dir, stdout);
    if (strcmp(argv[1], "load-population") == 0 && argc == 3)
        return db_admin_load_population(config.database_url, argv[2], stdout);
    return usage();
}
