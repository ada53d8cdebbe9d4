/*
 * tests/api/test_statement_timeout.c: a read that runs out of time answers
 * 503 with Retry-After, and never hangs.
 *
 * Run by tests/run.sh against a second server started with
 * DB_STATEMENT_TIMEOUT_MS=300, DB_LOCK_TIMEOUT_MS=0 and CACHE_MIB=0 (BASE_URL
 * points at it). This test holds an ACCESS EXCLUSIVE lock on methods in an
 * open transaction, so the server's read waits until its statement_timeout
 * cancels it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"

static void test_read_past_statement_timeout_is_503(void **state)
{
    struct http_response r = { 0 };
    struct expectations e = { 0 };
    (void)state;

    assert_true(db_command("BEGIN", 0, NULL));
    assert_true(db_command("LOCK TABLE methods IN ACCESS EXCLUSIVE MODE", 0, NULL));
    assert_int_equal(http_get("/v1/methods/fft", NULL, &r), 0);
    expect_problem(&e, &r, 503, "/problems/service-unavailable", NULL, "a read blocked past statement_timeout");
    const char *retry = http_header(&r, "Retry-After");
    EXPECT(&e, retry != NULL && atoi(retry) > 0, "Retry-After is %s", retry ? retry : "missing");
    /* 300 ms timeout: the answer comes long before the 5 s the pool waits for a connection. */
    EXPECT(&e, r.seconds < 3.0, "the 503 took %.2f s", r.seconds);
    http_response_free(&r);
    assert_true(db_command("ROLLBACK", 0, NULL));

    /* The lock gone, the same read is served again, on a session the pool kept usable. */
    assert_int_equal(http_get("/v1/methods/fft", NULL, &r), 0);
    expect_json(&e, &r, 200, "the read after the lock is gone");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_past_statement_timeout_is_503),
    };
    return cmocka_run_group_tests(tests, fixtures_group_open_database, fixtures_group_close_database);
}
