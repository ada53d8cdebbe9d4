/*
 * tests/api/test_least_privilege.c: what the server's database role may not
 * do, and the X-Consistency-LSN that no write can have returned.
 *
 * DATABASE_URL is the app role (insatskatalog_app), as the server uses it
 * (tests/run.sh): the statements below are what an attacker who took over the
 * server process could try. Each must be refused with SQLSTATE 42501
 * (insufficient_privilege) and change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"

/* The audit rows, the migrations recorded, and the shape of the schema. */
static char *catalogue_state(void)
{
    return db_text("SELECT concat_ws(' | ', "
                   "(SELECT count(*) || '/' || coalesce(max(id), 0) || '/' || coalesce(md5(string_agg(key_name, ',' "
                   "ORDER BY id)), '-') FROM audit_log), "
                   "(SELECT count(*) FROM schema_migrations), "
                   "(SELECT string_agg(tgname || ':' || tgenabled::text, ',' ORDER BY tgname) FROM pg_trigger "
                   "WHERE tgrelid = 'audit_log'::regclass), "
                   "(SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'), "
                   "(SELECT count(*) FROM pg_tables WHERE schemaname = 'public'))", 0, NULL);
}

static void test_app_role_cannot_change_schema_or_audit(void **state)
{
    static const char *const statements[] = {
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "ALTER TABLE methods ADD COLUMN forged text",
        "DROP TABLE methods",
        "CREATE TABLE forged (id int)",
        "UPDATE audit_log SET key_name = 'forged' WHERE id = (SELECT max(id) FROM audit_log)",
        "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
        "TRUNCATE audit_log",
        "INSERT INTO schema_migrations (version) VALUES ('9999_forged.sql')",
        "DELETE FROM schema_migrations",
    };
    struct expectations e = { 0 };
    (void)state;

    char *role = db_text("SELECT current_user", 0, NULL);
    assert_non_null(role);
    EXPECT(&e, strcmp(role, "insatskatalog_app") == 0, "DATABASE_URL must be the app role, is %s", role);
    free(role);
    /* Privileges are checked before any row is looked at, so this holds on an empty trail too. */
    expect_refused_for_privilege(&e, statements, sizeof(statements) / sizeof(statements[0]), catalogue_state);
    /* What it must still do: read and append. */
    EXPECT(&e, db_count("SELECT count(*) FROM methods", 0, NULL) > 0, "the app role reads %s", "methods");
    assert_int_equal(e.failed, 0);
}

static void test_consistency_lsn_ahead_of_the_primary(void **state)
{
    static const char *const ahead[] = { "X-Consistency-LSN: FFFFFFFF/FFFFFFFF", NULL };
    struct http_response r = { 0 };
    struct expectations e = { 0 };
    (void)state;

    assert_int_equal(http_get("/v1/methods/fft", ahead, &r), 0);
    expect_problem(&e, &r, 400, "/problems/invalid-header", "X-Consistency-LSN", "LSN ahead of the primary");
    http_response_free(&r);

    /* The primary's own current position is not ahead: the read is served. */
    char *current = db_text("SELECT pg_current_wal_lsn()::text", 0, NULL);
    assert_non_null(current);
    char header[96];
    snprintf(header, sizeof(header), "X-Consistency-LSN: %s", current);
    const char *const now[] = { header, NULL };
    assert_int_equal(http_get("/v1/methods/fft", now, &r), 0);
    expect_json(&e, &r, 200, "LSN at the primary's position");
    http_response_free(&r);
    free(current);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_role_cannot_change_schema_or_audit),
        cmocka_unit_test(test_consistency_lsn_ahead_of_the_primary),
    };
    return cmocka_run_group_tests(tests, fixtures_group_open_database, fixtures_group_close_database);
}
