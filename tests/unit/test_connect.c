/*
 * tests/unit/test_connect.c: what a session is opened with (db/connect.c):
 * the server's settings merged with what DATABASE_URL says, no database needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "../../internal/db/connect.h"

static const char *value_of(const struct db_connect_params *p, const char *key)
{
    for (size_t i = 0; p->keys[i] != NULL; i++)
        if (strcmp(p->keys[i], key) == 0)
            return p->values[i];
    return NULL;
}

static size_t index_of(const struct db_connect_params *p, const char *key)
{
    for (size_t i = 0; p->keys[i] != NULL; i++)
        if (strcmp(p->keys[i], key) == 0)
            return i;
    return SIZE_MAX;
}

static void the_servers_settings_are_passed(void **state)
{
    const struct db_session_settings settings = { 5000, 2000, 10000, 9000 };
    struct db_connect_params p;
    (void)state;

    db_connect_params_fill(&p, "postgresql://app@db/insatskatalog", "insatskatalog", &settings);
    assert_string_equal(value_of(&p, "options"), "-c TimeZone=UTC -c statement_timeout=5000 -c lock_timeout=2000 "
                                                 "-c idle_in_transaction_session_timeout=10000");
    assert_string_equal(value_of(&p, "keepalives"), "1");
    assert_string_equal(value_of(&p, "tcp_user_timeout"), "9000");
    assert_string_equal(value_of(&p, "application_name"), "insatskatalog");
    assert_string_equal(value_of(&p, "dbname"), "postgresql://app@db/insatskatalog");
}

/* libpq applies keywords in order: those before the URL ("dbname") are
 * defaults it overrides, "options" after it is merged by hand. */
static void the_urls_own_settings_are_kept(void **state)
{
    const struct db_session_settings settings = { 5000, 0, 0, 0 };
    struct db_connect_params p;
    (void)state;

    db_connect_params_fill(&p, "postgresql://app@db/x?application_name=mine&connect_timeout=9&options=-c%20work_mem%3D7MB",
                           "insatskatalog", &settings);
    assert_true(index_of(&p, "application_name") < index_of(&p, "dbname"));
    assert_true(index_of(&p, "connect_timeout") < index_of(&p, "dbname"));
    assert_true(index_of(&p, "tcp_user_timeout") < index_of(&p, "dbname"));
    assert_true(index_of(&p, "options") > index_of(&p, "dbname"));
    assert_string_equal(value_of(&p, "options"), "-c work_mem=7MB -c TimeZone=UTC -c statement_timeout=5000");

    db_connect_params_fill(&p, "host=db dbname=x options='-c search_path=public'", "insatskatalog", &db_session_none);
    assert_string_equal(value_of(&p, "options"), "-c search_path=public -c TimeZone=UTC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_servers_settings_are_passed),
        cmocka_unit_test(the_urls_own_settings_are_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
