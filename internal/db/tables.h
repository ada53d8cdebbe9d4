/*
 * internal/db/tables.h: which tables a cached answer depends on, as bits,
 * so that a change to one table drops only what read it.
 *
 * A change notification names its table (sql/0004_change_notify.sql sends
 * TG_TABLE_NAME). Each table that notifies has a bit; a table not listed
 * here (one a later migration adds) maps to every bit, so its change drops
 * everything, which is always correct. A statement depends on every table
 * unless it is listed as reading the catalogue only.
 */
#ifndef INSATSKATALOG_DB_TABLES_H
#define INSATSKATALOG_DB_TABLES_H

#include <stdint.h>

#define DB_TABLES_ALL UINT64_MAX

/* The bit of a table named in a notification; DB_TABLES_ALL for an unknown name. */
uint64_t db_table_bit(const char *table);

/* The tables the catalogue's documents are built from (the *_docs views of sql/0003_views.sql). */
uint64_t db_tables_catalogue(void);

/* What a cached statement's result depends on. */
uint64_t db_statement_tables(const char *statement);

/* What a write of entity (write.c's "provider", "offering", ...) changes. */
uint64_t db_entity_tables(const char *entity);

#endif
