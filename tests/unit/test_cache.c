/*
 * tests/unit/test_cache.c: the cache's eviction (least recently used first)
 * and invalidation by table (internal/db/cache.c, tables.c), the gzip
 * negotiation of cached answers (internal/http/answers.c), and the queue of
 * request log lines (internal/log/ring.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../internal/db/cache.h"
#include "../../internal/db/tables.h"
#include "../../internal/http/answers.h"
#include "../../internal/log/ring.h"

/* Longer than the coarse clock's tick, so each use has its own time. */
static void tick(void)
{
    struct timespec pause = { 0, 20 * 1000 * 1000 };
    nanosleep(&pause, NULL);
}

static bool has(struct db_cache *cache, const char *key)
{
    char *body = NULL;
    bool hit = db_cache_get(cache, key, &body);
    free(body);
    return hit;
}

static struct db_cache *listening_cache(size_t max_bytes)
{
    struct db_cache *cache = db_cache_create(max_bytes);
    assert_non_null(cache);
    db_cache_set_listening(cache, true);
    return cache;
}

static void a_full_cache_evicts_the_least_recently_used(void **state)
{
    char body[1000];
    struct db_cache *cache = listening_cache(8 * 1024);
    (void)state;

    memset(body, 'x', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    const char *keys[] = { "a", "b", "c", "d", "e", "f" };
    for (size_t i = 0; i < 6; i++) {
        db_cache_put(cache, keys[i], body, DB_TABLES_ALL, db_cache_generation(cache));
        tick();
    }
    /* Use the oldest again: now "b" is the least recently used. */
    assert_true(has(cache, "a"));
    tick();
    for (size_t i = 0; i < 3; i++) {
        char key[8];
        snprintf(key, sizeof(key), "n%zu", i);
        db_cache_put(cache, key, body, DB_TABLES_ALL, db_cache_generation(cache));
        tick();
    }
    assert_true(has(cache, "a"));
    assert_false(has(cache, "b"));
    assert_true(has(cache, "n2"));
    struct db_cache_stats stats;
    db_cache_get_stats(cache, &stats);
    assert_true(stats.evictions > 0);
    assert_true(stats.entries > 4);   /* evicted some, not emptied */
    assert_true(stats.bytes <= 8 * 1024);
    db_cache_destroy(cache);
}

static void a_change_drops_only_what_read_its_table(void **state)
{
    struct db_cache *cache = listening_cache(1 << 20);
    (void)state;

    db_cache_put(cache, "method", "{}", db_statement_tables("methods_get"), db_cache_generation(cache));
    db_cache_put(cache, "providers", "{}", db_statement_tables("method_providers"), db_cache_generation(cache));
    db_cache_invalidate_tables_at(cache, db_table_bit("offering_availability"), 0);
    assert_true(has(cache, "method"));
    assert_false(has(cache, "providers"));
    db_cache_invalidate_tables_at(cache, db_table_bit("survey_results"), 0);
    assert_false(has(cache, "method"));
    /* A table this build does not know (a later migration's) drops everything. */
    db_cache_put(cache, "method", "{}", db_statement_tables("methods_get"), db_cache_generation(cache));
    assert_int_equal(db_table_bit("guidance_notes"), DB_TABLES_ALL);
    db_cache_invalidate_tables_at(cache, db_table_bit("guidance_notes"), 0);
    assert_false(has(cache, "method"));
    db_cache_destroy(cache);
}

static void a_fill_that_overlapped_a_change_is_not_stored(void **state)
{
    struct db_cache *cache = listening_cache(1 << 20);
    (void)state;

    uint64_t generation = db_cache_generation(cache);
    db_cache_invalidate_tables_at(cache, db_table_bit("providers"), 0);
    db_cache_put(cache, "method", "{}", db_statement_tables("methods_get"), generation);
    assert_false(has(cache, "method"));
    db_cache_destroy(cache);
}

static void writes_change_their_own_tables(void **state)
{
    (void)state;
    assert_int_equal(db_entity_tables("availability") & db_tables_catalogue(), 0);
    assert_int_equal(db_entity_tables("provider") & db_tables_catalogue(), 0);
    assert_int_equal(db_entity_tables("agreement") & db_tables_catalogue(), 0);
    assert_int_equal(db_entity_tables("method"), DB_TABLES_ALL);
}

static void gzip_is_used_when_accepted(void **state)
{
    (void)state;
    assert_true(answers_accept_gzip("gzip"));
    assert_true(answers_accept_gzip("gzip, deflate, br"));
    assert_true(answers_accept_gzip("br;q=1.0, GZIP;q=0.5"));
    assert_true(answers_accept_gzip("*"));
    assert_false(answers_accept_gzip(NULL));
    assert_false(answers_accept_gzip(""));
    assert_false(answers_accept_gzip("identity"));
    assert_false(answers_accept_gzip("gzip;q=0"));
    assert_false(answers_accept_gzip("gzip; q=0.000"));
    assert_false(answers_accept_gzip("*, gzip;q=0"));   /* named beats the wildcard */
    assert_false(answers_accept_gzip("*;q=0"));
    assert_false(answers_accept_gzip("x-gzip"));
}

static void the_log_queue_drops_instead_of_blocking(void **state)
{
    int pipe_fds[2];
    char line[64];
    (void)state;

    /* A pipe nobody reads: the writer blocks on it once full, like a stuck
     * stderr. SIGPIPE ignored, as the server does, for the close below. */
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(pipe(pipe_fds), 0);
    assert_true(log_ring_start(pipe_fds[1]));
    unsigned long dropped_before = log_ring_dropped();
    int length = snprintf(line, sizeof(line), "request line %0*d\n", 40, 1);
    for (int i = 0; i < 200000; i++)
        log_ring_push(line, (size_t)length);   /* must return, full or not */
    assert_true(log_ring_dropped() > dropped_before);
    /* Unblock the writer so it can stop. */
    close(pipe_fds[0]);
    log_ring_stop();
    close(pipe_fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_full_cache_evicts_the_least_recently_used),
        cmocka_unit_test(a_change_drops_only_what_read_its_table),
        cmocka_unit_test(a_fill_that_overlapped_a_change_is_not_stored),
        cmocka_unit_test(writes_change_their_own_tables),
        cmocka_unit_test(gzip_is_used_when_accepted),
        cmocka_unit_test(the_log_queue_drops_instead_of_blocking),
    };
    return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
