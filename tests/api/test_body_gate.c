/*
 * tests/api/test_body_gate.c: a body is read only on a route that takes one,
 * only after the key is checked, and never past the limit.
 *
 * Each case announces a body in its headers and sends (almost) none of it:
 * the answer must come at once, so the server did not wait to read the body.
 * A server that did would wait until its request deadline (30 s) instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"

static char admin_auth[300];          /* "Bearer <ADMIN_KEY>" */
static char municipality_auth[300];
static char admin_line[320];          /* "Authorization: Bearer <ADMIN_KEY>" */
static char municipality_line[320];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends head (and the first bytes of a body), then waits up to 5 s for the
 * status line; returns the status (0: none came) and the seconds it took. */
static int status_without_body(const char *head, double *seconds)
{
    const char *colon = strrchr(http_base_url(), ':');
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(colon ? atoi(colon + 1) : 8080)) };
    char reply[64] = { 0 };
    int status = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0)
        goto done;
    double started = now_s();
    if (send(fd, head, strlen(head), MSG_NOSIGNAL) < 0)
        goto done;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, 5000) == 1 && recv(fd, reply, sizeof(reply) - 1, 0) > 12)
        sscanf(reply, "HTTP/1.%*d %d", &status);
    *seconds = now_s() - started;
done:
    if (fd >= 0)
        close(fd);
    return status;
}

static void expect_at_once(struct expectations *e, const char *label, const char *head, int wanted)
{
    double seconds = 99;
    int status = status_without_body(head, &seconds);
    EXPECT(e, status == wanted, "%s: status %d, wanted %d", label, status, wanted);
    EXPECT(e, seconds < 3.0, "%s: the answer took %.2f s", label, seconds);
}

static void test_bodies_are_not_read_before_the_key_or_past_the_limit(void **state)
{
    struct expectations e = { 0 };
    char head[1024];
    (void)state;

    expect_at_once(&e, "POST without a key, 1 MB announced",
                   "POST /v1/methods HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                   "Content-Length: 1000000\r\n\r\n{\"slug\":", 401);
    expect_at_once(&e, "PATCH with an unknown key, 1 MB announced",
                   "PATCH /v1/methods/fft HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ik_999999_nosuchsecretnosuchsecretnosuchsecret00\r\n"
                   "Content-Type: application/merge-patch+json\r\nIf-Match: *\r\nContent-Length: 1000000\r\n\r\n{", 401);
    snprintf(head, sizeof(head), "POST /v1/methods HTTP/1.1\r\nHost: t\r\n%s\r\nContent-Type: application/json\r\n"
             "Content-Length: 5000000\r\n\r\n{", admin_line);
    expect_at_once(&e, "POST with the admin key, 5 MB announced", head, 413);
    snprintf(head, sizeof(head), "POST /v1/offerings/import HTTP/1.1\r\nHost: t\r\n%s\r\nContent-Type: text/csv\r\n"
             "Content-Length: 2000000\r\n\r\nprovider", admin_line);
    expect_at_once(&e, "an import with the admin key, 2 MB announced", head, 413);
    expect_at_once(&e, "GET with a body announced",
                   "GET /v1/methods/fft HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n", 200);
    expect_at_once(&e, "DELETE without a key, a body announced",
                   "DELETE /v1/methods/fft HTTP/1.1\r\nHost: t\r\nIf-Match: *\r\nContent-Length: 100000\r\n\r\n", 401);
    assert_int_equal(e.failed, 0);
}

/* The gate lets a keyed write with a body through: it is read and answered as always. */
static void test_a_keyed_write_reads_its_body(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    const char *const headers[] = { admin_line, "Content-Type: application/json", NULL };
    (void)state;

    http_request("POST", "/v1/methods", headers, "{\"slug\": 5}", &r);
    expect_problem(&e, &r, 400, "/problems/invalid-body", "slug", "a keyed POST with a bad body");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static int setup_group(void **state)
{
    (void)state;
    if (!fixtures_open_environment(admin_auth, sizeof(admin_auth), municipality_auth, sizeof(municipality_auth)))
        return -1;
    snprintf(admin_line, sizeof(admin_line), "Authorization: %s", admin_auth);
    snprintf(municipality_line, sizeof(municipality_line), "Authorization: %s", municipality_auth);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bodies_are_not_read_before_the_key_or_past_the_limit),
        cmocka_unit_test(test_a_keyed_write_reads_its_body),
    };
    return cmocka_run_group_tests(tests, setup_group, fixtures_group_close_database);
}
