/*
 * tests/api/test_database_outage.c: the service while PostgreSQL is down,
 * and its recovery once PostgreSQL is back (internal/db/pool.c, problem.c,
 * system.c).
 *
 * Needs, besides $BASE_URL, two shell commands from the runner:
 *   PG_STOP_CMD   stops the server's PostgreSQL and returns when it is down;
 *   PG_START_CMD  starts it again and returns when it accepts connections.
 * Without them both tests are skipped. Whatever fails, the group teardown
 * starts PostgreSQL again, so the tests that run after this one find it up.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http_client.h"

#define UNAVAILABLE "/problems/service-unavailable"
#define RECOVERY_SECONDS 10.0
#define PARALLEL 16

static const char *stop_command;
static const char *start_command;
static bool database_stopped;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs a runner-given shell command; returns whether it exited 0. */
static bool run_command(const char *what, const char *command)
{
    int rc;

    fflush(stdout);
    rc = system(command);
    if (rc != 0)
        fprintf(stderr, "# %s (%s) exited with status %d\n", what, command, rc);
    return rc == 0;
}

/* ---- parallel requests --------------------------------------------------- */

struct parallel_get {
    pthread_t thread;
    const char *path;
    long status;
};

static void *parallel_get_run(void *argument)
{
    struct parallel_get *job = argument;
    struct http_response r = { 0 };

    http_get(job->path, NULL, &r);
    job->status = r.status;
    http_response_free(&r);
    return NULL;
}

/* GETs path from PARALLEL threads at once, so the pool opens (or reuses) several
 * connections; returns how many answered status. */
static int get_in_parallel(const char *path, long status)
{
    struct parallel_get jobs[PARALLEL];
    int matching = 0;

    for (int i = 0; i < PARALLEL; i++) {
        jobs[i].path = path;
        jobs[i].status = 0;
        if (pthread_create(&jobs[i].thread, NULL, parallel_get_run, &jobs[i]) != 0)
            jobs[i].status = -1;
    }
    for (int i = 0; i < PARALLEL; i++) {
        if (jobs[i].status != -1)
            pthread_join(jobs[i].thread, NULL);
        matching += jobs[i].status == status;
    }
    return matching;
}

/* ---- during the outage --------------------------------------------------- */

struct outage_row {
    const char *method;
    const char *path;
    long status;
    const char *type;           /* the problem type, or NULL for a JSON 200 / no body */
};

static const struct outage_row outage[] = {
    /* What needs the database: 503 with Retry-After. */
    { "GET", "/v1/methods", 503, UNAVAILABLE },
    { "GET", "/v1/methods?intervention_type=familjebehandling&limit=2", 503, UNAVAILABLE },
    { "GET", "/v1/methods/fft", 503, UNAVAILABLE },
    { "GET", "/v1/knowledge-supports/normbrytande-beteende-2021", 503, UNAVAILABLE },
    { "GET", "/v1/counties", 503, UNAVAILABLE },
    { "GET", "/v1/municipalities/0381", 503, UNAVAILABLE },
    { "GET", "/v1/search?q=familj", 503, UNAVAILABLE },
    { "GET", "/readyz", 503, UNAVAILABLE },
    { "HEAD", "/v1/methods", 503, NULL },
    /* What does not: answered as always. */
    { "GET", "/healthz", 200, NULL },
    { "GET", "/openapi.yaml", 200, NULL },
    { "GET", "/v1/methods?limit=0", 400, "/problems/invalid-parameter" },
    { "GET", "/v1/methods/FFT", 404, "/problems/not-found" },
    { "GET", "/nope", 404, "/problems/not-found" },
    { "DELETE", "/v1/methods", 405, "/problems/method-not-allowed" },
};

static bool is_delta_seconds(const char *value)
{
    if (value == NULL || *value == '\0')
        return false;
    for (const char *p = value; *p != '\0'; p++)
        if (*p < '0' || *p > '9')
            return false;
    return atol(value) > 0 && atol(value) <= 3600;
}

static void check_outage_row(struct expectations *e, const struct outage_row *row, int pass)
{
    struct http_response r = { 0 };
    char label[200];

    snprintf(label, sizeof(label), "pass %d, database down: %s %s", pass, row->method, row->path);
    http_request(row->method, row->path, NULL, NULL, &r);
    EXPECT(e, r.seconds < 8.0, "%s: took %.1f s", label, r.seconds);
    if (row->status == 503) {
        if (row->type != NULL) {
            expect_problem(e, &r, 503, row->type, NULL, label);
            const char *cache = http_header(&r, "Cache-Control");
            EXPECT(e, cache != NULL && strstr(cache, "no-store") != NULL, "%s: Cache-Control %s", label,
                   cache ? cache : "(none)");
        } else {
            EXPECT(e, r.status == 503, "%s: status %ld", label, r.status);
        }
        EXPECT(e, is_delta_seconds(http_header(&r, "Retry-After")), "%s: Retry-After %s", label,
               http_header(&r, "Retry-After") ?: "(none)");
        EXPECT(e, http_header(&r, "ETag") == NULL, "%s: a 503 with an ETag", label);
    } else if (row->type != NULL) {
        expect_problem(e, &r, row->status, row->type, NULL, label);
    } else if (row->status == 200 && strcmp(row->path, "/healthz") == 0) {
        expect_json(e, &r, 200, label);
    } else {
        EXPECT(e, r.status == row->status, "%s: status %ld, wanted %ld", label, r.status, row->status);
    }
    http_response_free(&r);
}

static void test_answers_while_the_database_is_down(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    if (stop_command == NULL || start_command == NULL) {
        fprintf(stderr, "# PG_STOP_CMD and PG_START_CMD are not both set; skipping\n");
        skip();
    }
    /* Up first, with several pooled connections open. */
    http_get("/readyz", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(get_in_parallel("/v1/methods", 200), PARALLEL);

    database_stopped = true;    /* even a failed stop may have stopped it: teardown starts it */
    assert_true(run_command("PG_STOP_CMD", stop_command));

    /* Twice: the first pass meets the pooled sessions the server closed, the
     * second a pool that has found out. */
    for (int pass = 1; pass <= 2; pass++)
        for (size_t i = 0; i < sizeof(outage) / sizeof(outage[0]); i++)
            check_outage_row(&e, &outage[i], pass);
    EXPECT(&e, get_in_parallel("/v1/methods/fft", 503) == PARALLEL, "parallel requests while down: not all 503");
    EXPECT(&e, get_in_parallel("/healthz", 200) == PARALLEL, "parallel /healthz while down: not all 200");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- recovery ------------------------------------------------------------ */

static const char *const after_recovery[] = {
    "/readyz", "/v1/methods", "/v1/methods/fft", "/v1/search?q=familj", "/v1/municipalities?county=03",
    "/v1/knowledge-supports/normbrytande-beteende-2021",
};

static void test_recovers_by_itself_once_the_database_is_back(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    double started;
    double waited;
    (void)state;

    if (stop_command == NULL || start_command == NULL)
        skip();
    if (database_stopped) {
        assert_true(run_command("PG_START_CMD", start_command));
        database_stopped = false;
    }

    started = now_seconds();
    do {
        http_get("/v1/methods", NULL, &r);
        if (r.status == 200)
            break;
        usleep(200 * 1000);
    } while (now_seconds() - started < RECOVERY_SECONDS);
    waited = now_seconds() - started;
    fprintf(stderr, "# /v1/methods answered %ld %.1f s after PostgreSQL was back\n", r.status, waited);
    assert_true(EXPECT(&e, r.status == 200, "not recovered within %.0f s: status %ld", RECOVERY_SECONDS, r.status));
    expect_page(&e, &r, "slug", "/v1/methods after recovery");
    EXPECT(&e, json_array_size(json_at(r.json, "items")) == 12, "methods after recovery: %zu",
           json_array_size(json_at(r.json, "items")));

    /* Every pooled session is good again, not just the first one tried. */
    for (int round = 0; round < 3; round++)
        EXPECT(&e, get_in_parallel("/v1/methods/fft", 200) == PARALLEL, "round %d: parallel requests not all 200",
               round);
    for (size_t i = 0; i < sizeof(after_recovery) / sizeof(after_recovery[0]); i++) {
        http_get(after_recovery[i], NULL, &r);
        expect_json(&e, &r, 200, after_recovery[i]);
        EXPECT(&e, http_header(&r, "Retry-After") == NULL, "%s: Retry-After after recovery", after_recovery[i]);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- the first write after a restart -------------------------------------- */

/*
 * A restart closes every pooled session, which shows only when one is used.
 * Reads retry once on a new session; so do the key lookup and the write
 * transaction, so the first write after a restart is answered, not a 503.
 */
static void test_first_write_after_a_restart_is_answered(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    const char *admin_key = getenv("ADMIN_KEY");
    char authorization[300], if_match[300], etag[200];
    (void)state;

    if (stop_command == NULL || start_command == NULL || admin_key == NULL)
        skip();
    /* Sessions open in the pool, and the record's current ETag, before the restart. */
    assert_int_equal(get_in_parallel("/v1/methods", 200), PARALLEL);
    http_get("/v1/methods/fft", NULL, &r);
    assert_true(EXPECT(&e, r.status == 200 && http_header(&r, "ETag") != NULL, "GET fft: %ld", r.status));
    snprintf(etag, sizeof(etag), "%s", http_header(&r, "ETag"));
    /* Writing back the note it has changes nothing but the audit trail. */
    json_t *patch = json_pack("{s:O}", "availability_note",
                              json_object_get(r.json, "availability_note") ?: json_null());
    char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);

    database_stopped = true;
    assert_true(run_command("PG_STOP_CMD", stop_command));
    assert_true(run_command("PG_START_CMD", start_command));
    database_stopped = false;

    snprintf(authorization, sizeof(authorization), "Authorization: Bearer %s", admin_key);
    snprintf(if_match, sizeof(if_match), "If-Match: %s", etag);
    const char *headers[] = { authorization, if_match, "Content-Type: application/merge-patch+json", NULL };
    http_request("PATCH", "/v1/methods/fft", headers, body, &r);
    expect_json(&e, &r, 200, "the first write after a restart (a key lookup and a write transaction)");
    free(body);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static int group_setup(void **state)
{
    (void)state;
    stop_command = getenv("PG_STOP_CMD");
    start_command = getenv("PG_START_CMD");
    if (stop_command != NULL && stop_command[0] == '\0')
        stop_command = NULL;
    if (start_command != NULL && start_command[0] == '\0')
        start_command = NULL;
    return 0;
}

/* Whatever happened, leave PostgreSQL running. */
static int group_teardown(void **state)
{
    (void)state;
    if (database_stopped && start_command != NULL) {
        database_stopped = !run_command("PG_START_CMD", start_command);
        return database_stopped ? -1 : 0;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_while_the_database_is_down),
        cmocka_unit_test(test_recovers_by_itself_once_the_database_is_back),
        cmocka_unit_test(test_first_write_after_a_restart_is_answered),
    };
    return cmocka_run_group_tests_name("database_outage", tests, group_setup, group_teardown);
}
