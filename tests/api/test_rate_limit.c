/*
 * tests/api/test_rate_limit.c: a client past its budget gets 429, others do not.
 *
 * Run by tests/run.sh against a server with tight limits: RATE_LIMIT_BURST=10,
 * RATE_LIMIT_PER_SECOND=1, RATE_LIMIT_EXPENSIVE_COST=5, TRUSTED_PROXIES='192.0.2.1, 127.0.0.4/31'
 * (so 127.0.0.4 and 127.0.0.5 are proxies, 127.0.0.7 is not).
 * Clients are told apart by loopback source address (127.0.0.2 and up), so
 * each case starts with a full bucket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "fixtures.h"

#define POLICY "\"default\";q=10;w=10"

struct answer {
    long status;
    char policy[96];
    char state[96];
    char retry_after[16];
    char content_type[64];
};

static size_t discard(char *data, size_t size, size_t count, void *user)
{
    (void)data;
    (void)user;
    return size * count;
}

static void keep(char *out, size_t size, const char *value, size_t length)
{
    while (length > 0 && (value[length - 1] == '\r' || value[length - 1] == '\n'))
        length--;
    while (length > 0 && *value == ' ') {
        value++;
        length--;
    }
    snprintf(out, size, "%.*s", (int)length, value);
}

static size_t header(char *line, size_t size, size_t count, void *user)
{
    struct answer *a = user;
    size_t length = size * count;
    static const struct { const char *name; size_t offset, size; } wanted[] = {
        { "RateLimit-Policy:", offsetof(struct answer, policy), sizeof(((struct answer *)0)->policy) },
        { "RateLimit:", offsetof(struct answer, state), sizeof(((struct answer *)0)->state) },
        { "Retry-After:", offsetof(struct answer, retry_after), sizeof(((struct answer *)0)->retry_after) },
        { "Content-Type:", offsetof(struct answer, content_type), sizeof(((struct answer *)0)->content_type) },
    };
    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
        size_t n = strlen(wanted[i].name);
        if (length > n && strncasecmp(line, wanted[i].name, n) == 0)
            keep((char *)a + wanted[i].offset, wanted[i].size, line + n, length - n);
    }
    return length;
}

/* GET path from the loopback address from, with one extra header line (or NULL). */
static struct answer get(const char *from, const char *path, const char *extra)
{
    struct answer a = { 0 };
    struct curl_slist *headers = extra ? curl_slist_append(NULL, extra) : NULL;
    char url[256], interface[32];
    CURL *curl = curl_easy_init();

    snprintf(url, sizeof(url), "%s%s", http_base_url(), path);
    snprintf(interface, sizeof(interface), "host!%s", from);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_INTERFACE, interface);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a);
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    return a;
}

static bool state_is_well_formed(const char *state, int *remaining)
{
    int t;
    return sscanf(state, "\"default\";r=%d;t=%d", remaining, &t) == 2 && *remaining >= 0 && t >= 0;
}

/* Spends from's bucket on path until a 429; returns how many were answered before it (-1: never refused). */
static int spend(struct expectations *e, const char *from, const char *path, const char *extra, struct answer *refusal)
{
    for (int i = 0; i < 60; i++) {
        struct answer a = get(from, path, extra);
        int remaining;
        EXPECT(e, strcmp(a.policy, POLICY) == 0, "%s %s: RateLimit-Policy [%s]", from, path, a.policy);
        EXPECT(e, state_is_well_formed(a.state, &remaining), "%s %s: RateLimit [%s]", from, path, a.state);
        if (a.status == 429) {
            *refusal = a;
            return i;
        }
        if (!EXPECT(e, a.status == 200, "%s %s: status %ld", from, path, a.status))
            return -1;
    }
    return -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_past_the_burst_is_429_and_others_are_served(void **state)
{
    struct expectations e = { 0 };
    struct answer refusal = { 0 };
    (void)state;

    double started = now_s();
    int served = spend(&e, "127.0.0.2", "/v1/methods/fft", NULL, &refusal);
    double elapsed = now_s() - started;
    /* 10 in the bucket, plus one a second refilled while spending. */
    EXPECT(&e, served >= 10 && served <= 10 + (int)elapsed + 1, "served %d cached reads in %.1f s before a 429",
           served, elapsed);
    EXPECT(&e, strncmp(refusal.content_type, "application/problem+json", 24) == 0, "429 Content-Type [%s]",
           refusal.content_type);
    EXPECT(&e, atoi(refusal.retry_after) >= 1, "429 Retry-After [%s]", refusal.retry_after);
    EXPECT(&e, strncmp(refusal.state, "\"default\";r=0;", 14) == 0, "429 RateLimit [%s]", refusal.state);

    /* Another address, at once: unaffected. */
    struct answer other = get("127.0.0.3", "/v1/methods/fft", NULL);
    int remaining = -1;
    EXPECT(&e, other.status == 200, "127.0.0.3 status %ld while 127.0.0.2 is limited", other.status);
    EXPECT(&e, state_is_well_formed(other.state, &remaining) && remaining == 9, "127.0.0.3 RateLimit [%s]",
           other.state);
    assert_int_equal(e.failed, 0);
}

static void test_expensive_reads_cost_more(void **state)
{
    struct expectations e = { 0 };
    struct answer refusal = { 0 };
    (void)state;

    /* /v1/gaps reaches PostgreSQL: 5 tokens of 10, so the third is refused. */
    int served = spend(&e, "127.0.0.4", "/v1/gaps", NULL, &refusal);
    EXPECT(&e, served == 2 || served == 3, "served %d uncached reads before a 429", served);
    /* So does any query string on a cacheable path. */
    struct answer a = get("127.0.0.6", "/v1/methods?limit=7", NULL);
    int remaining = -1;
    EXPECT(&e, a.status == 200 && state_is_well_formed(a.state, &remaining) && remaining == 5,
           "a read with a query string left [%s] (status %ld)", a.state, a.status);
    assert_int_equal(e.failed, 0);
}

static void test_forwarded_for_counts_only_from_trusted_proxies(void **state)
{
    struct expectations e = { 0 };
    struct answer refusal = { 0 };
    (void)state;

    /* 127.0.0.7 is no proxy: a made-up X-Forwarded-For does not give it a fresh bucket. */
    spend(&e, "127.0.0.7", "/v1/methods/fft", "X-Forwarded-For: 10.0.0.1", &refusal);
    struct answer spoofed = get("127.0.0.7", "/v1/methods/fft", "X-Forwarded-For: 10.0.0.2");
    EXPECT(&e, spoofed.status == 429, "a spoofed X-Forwarded-For from 127.0.0.7: status %ld", spoofed.status);

    /* 127.0.0.5 is a trusted proxy (in 127.0.0.4/31): its clients each have their own bucket. */
    spend(&e, "127.0.0.5", "/v1/methods/fft", "X-Forwarded-For: 192.0.2.10", &refusal);
    struct answer next = get("127.0.0.5", "/v1/methods/fft", "X-Forwarded-For: 192.0.2.11");
    EXPECT(&e, next.status == 200, "another client behind the proxy: status %ld", next.status);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_past_the_burst_is_429_and_others_are_served),
        cmocka_unit_test(test_expensive_reads_cost_more),
        cmocka_unit_test(test_forwarded_for_counts_only_from_trusted_proxies),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
