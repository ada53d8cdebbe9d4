/*
 * tests/api/test_fastpath.c: a cached answer served by the fast path
 * (internal/http/fastpath.c, at the libmicrohttpd level) is the answer the
 * dispatcher (routes.c) gives from the same cache entry: the same status,
 * body and headers, for a plain GET, gzip, HEAD, 304 for each variant's tag,
 * and with an Origin.
 *
 * Each case has an Accept header of its own (JSON first, then a media type
 * no other request names), so its first request is a miss that fills the
 * entry. Then the dispatcher answers it from the cache (the fast path
 * declines a request that gives a header it reads twice, here
 * X-Forwarded-For, which nothing trusts in the tests), and the fast path
 * answers the same request without the duplicate. /metrics confirms both
 * were one cache hit and no miss. Only what differs per request may differ:
 * Date, X-Request-Id and the rate limit's remaining budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "fixtures.h"
#include "http_client.h"

static char tag[32];
static int case_number;

/* The value on the line that starts with name. */
static long long metric(const char *text, const char *name)
{
    for (const char *line = text; line != NULL; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, name, strlen(name)) == 0)
            return atoll(line + strlen(name));
    return -1;
}

static void read_lookups(long long *hits, long long *misses)
{
    struct http_response r = { 0 };

    assert_int_equal(http_get("/metrics", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    *hits = metric(r.body, "insatskatalog_cache_lookups_total{result=\"hit\"} ");
    *misses = metric(r.body, "insatskatalog_cache_lookups_total{result=\"miss\"} ");
    http_response_free(&r);
}

static bool differs_per_request(const char *line)
{
    static const char *const names[] = { "Date:", "X-Request-Id:", "RateLimit:", NULL };
    for (const char *const *n = names; *n != NULL; n++)
        if (strncasecmp(line, *n, strlen(*n)) == 0)
            return true;
    return false;
}

/* Whether every header line of a (but those that differ per request) is in b, name compared without case. */
static bool lines_in(const struct http_response *a, const struct http_response *b, const char *label)
{
    bool all = true;
    for (const struct curl_slist *l = a->headers; l != NULL; l = l->next) {
        if (differs_per_request(l->data))
            continue;
        const char *colon = strchr(l->data, ':');
        bool found = false;
        for (const struct curl_slist *m = b->headers; m != NULL && !found; m = m->next)
            found = colon != NULL ? strncasecmp(m->data, l->data, (size_t)(colon - l->data + 1)) == 0
                                        && strcmp(m->data + (colon - l->data), colon) == 0
                                  : strcmp(m->data, l->data) == 0;
        if (!found) {
            fprintf(stderr, "# %s: \"%s\" is not in the other answer\n", label, l->data);
            all = false;
        }
    }
    return all;
}

/* Sends method path with headers and checks it was answered by one cache hit. */
static void from_cache(const char *method, const char *path, const char *const *headers, struct http_response *out)
{
    long long hits_before, misses_before, hits_after, misses_after;

    read_lookups(&hits_before, &misses_before);
    assert_int_equal(http_request(method, path, headers, NULL, out), 0);
    read_lookups(&hits_after, &misses_after);
    assert_int_equal(hits_after - hits_before, 1);
    assert_int_equal(misses_after - misses_before, 0);
}

/*
 * Sends method path with extra (NULL-terminated, may be NULL) and this
 * case's own Accept: once to fill the entry, once answered by the
 * dispatcher from it, once by the fast path; the two answers from the
 * cache must match, with status.
 */
static void same_answer_twice(const char *method, const char *path, const char *const *extra, long status)
{
    struct http_response fill = { 0 }, dispatched = { 0 }, fast = { 0 };
    const char *headers[10], *declined[12];
    char accept[128];
    size_t count = 0;

    snprintf(accept, sizeof(accept), "Accept: application/json, text/x-fastpath-%s-%d;q=0.1", tag, ++case_number);
    headers[count++] = accept;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && count + 1 < sizeof(headers) / sizeof(headers[0]); i++)
        headers[count++] = extra[i];
    headers[count] = NULL;
    memcpy(declined, headers, count * sizeof(*headers));
    declined[count] = "X-Forwarded-For: 192.0.2.1";
    declined[count + 1] = "X-Forwarded-For: 192.0.2.2";
    declined[count + 2] = NULL;

    /* The document behind path, cached first (by a request with the default
     * Accept), so that filling this case's entry makes exactly two look-ups:
     * the answer's, a miss counted once though the fast path and the
     * dispatcher both looked, and the document's, a hit. */
    struct http_response warm = { 0 };
    long long hits_before, misses_before, hits_after, misses_after;
    assert_int_equal(http_request("GET", path, NULL, NULL, &warm), 0);
    assert_int_equal(warm.status, 200);
    http_response_free(&warm);
    read_lookups(&hits_before, &misses_before);
    assert_int_equal(http_request("GET", path, headers, NULL, &fill), 0);
    read_lookups(&hits_after, &misses_after);
    assert_true(fill.status == 200 || fill.status == 304);
    assert_int_equal(misses_after - misses_before, 1);
    assert_int_equal(hits_after - hits_before, 1);
    from_cache(method, path, declined, &dispatched);
    from_cache(method, path, headers, &fast);

    assert_int_equal(dispatched.status, status);
    assert_int_equal(fast.status, status);
    assert_int_equal(fast.body_length, dispatched.body_length);
    assert_memory_equal(fast.body, dispatched.body, dispatched.body_length);
    assert_true(lines_in(&dispatched, &fast, "the dispatcher's header"));
    assert_true(lines_in(&fast, &dispatched, "the fast path's header"));
    assert_non_null(http_header(&fast, "X-Request-Id"));
    assert_non_null(http_header(&fast, "Date"));
    assert_string_not_equal(http_header(&fast, "X-Request-Id"), http_header(&dispatched, "X-Request-Id"));
    http_response_free(&fill);
    http_response_free(&dispatched);
    http_response_free(&fast);
}

static void a_plain_get_is_the_dispatcher_s_answer(void **state)
{
    (void)state;
    same_answer_twice("GET", "/v1/methods/fft", NULL, 200);
    same_answer_twice("GET", "/v1/methods", NULL, 200);
}

static void a_gzip_get_is_the_dispatcher_s_answer(void **state)
{
    const char *gzip[] = { "Accept-Encoding: gzip", NULL };
    (void)state;
    same_answer_twice("GET", "/v1/methods", gzip, 200);
}

static void a_head_is_the_dispatcher_s_answer(void **state)
{
    const char *gzip[] = { "Accept-Encoding: gzip", NULL };
    (void)state;
    same_answer_twice("HEAD", "/v1/methods", NULL, 200);
    same_answer_twice("HEAD", "/v1/methods", gzip, 200);
}

static void a_304_is_the_dispatcher_s_answer(void **state)
{
    const char *gzip[] = { "Accept-Encoding: gzip", NULL };
    struct http_response plain = { 0 }, zipped = { 0 };
    char plain_match[128], gzip_match[128];
    (void)state;

    assert_int_equal(http_get("/v1/methods", NULL, &plain), 0);
    assert_int_equal(http_get("/v1/methods", gzip, &zipped), 0);
    assert_non_null(http_header(&plain, "ETag"));
    assert_non_null(http_header(&zipped, "ETag"));
    snprintf(plain_match, sizeof(plain_match), "If-None-Match: %s", http_header(&plain, "ETag"));
    snprintf(gzip_match, sizeof(gzip_match), "If-None-Match: %s", http_header(&zipped, "ETag"));
    const char *plain_revalidate[] = { plain_match, NULL };
    const char *gzip_revalidate[] = { "Accept-Encoding: gzip", gzip_match, NULL };
    const char *gzip_with_plain_tag[] = { "Accept-Encoding: gzip", plain_match, NULL };

    same_answer_twice("GET", "/v1/methods", plain_revalidate, 304);
    same_answer_twice("GET", "/v1/methods", gzip_revalidate, 304);
    same_answer_twice("GET", "/v1/methods", gzip_with_plain_tag, 200);   /* another variant's tag */
    same_answer_twice("HEAD", "/v1/methods", plain_revalidate, 304);
    http_response_free(&plain);
    http_response_free(&zipped);
}

static void an_answer_with_an_origin_is_the_dispatcher_s_answer(void **state)
{
    const char *origin[] = { "Origin: https://kommun.example.se", NULL };
    const char *origin_gzip[] = { "Origin: https://kommun.example.se", "Accept-Encoding: gzip", NULL };
    (void)state;
    same_answer_twice("GET", "/v1/methods/fft", origin, 200);
    same_answer_twice("GET", "/v1/methods", origin_gzip, 200);
}

static int setup(void **state)
{
    (void)state;
    run_tag(tag, sizeof(tag));
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_plain_get_is_the_dispatcher_s_answer),
        cmocka_unit_test(a_gzip_get_is_the_dispatcher_s_answer),
        cmocka_unit_test(a_head_is_the_dispatcher_s_answer),
        cmocka_unit_test(a_304_is_the_dispatcher_s_answer),
        cmocka_unit_test(an_answer_with_an_origin_is_the_dispatcher_s_answer),
    };
    return cmocka_run_group_tests_name("fastpath", tests, setup, NULL);
}
