/*
 * internal/http/ratelimit.c: token buckets in a fixed table.
 *
 * The table never grows: 64 stripes of 1,024 buckets, each stripe with its own
 * lock, so two requests contend only when their clients hash to one stripe. A
 * client looks in 8 slots from its hash; a new client takes a free slot or the
 * one used longest ago (which has refilled, so forgetting it gives nothing
 * away). Identities are stored as 64-bit hashes, never as keys.
 */
#include "ratelimit.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "../log/log.h"
#include "../validate/validate.h"
#include "problem.h"

#define STRIPES 64
#define STRIPE_SLOTS 1024
#define PROBES 8
#define MAX_PROXIES 32

struct bucket {
    uint64_t id;         /* 0: free */
    double tokens;
    double updated;      /* monotonic seconds */
};

struct stripe {
    pthread_mutex_t lock;
    struct bucket slots[STRIPE_SLOTS];
};

struct address {
    int family;
    unsigned char bytes[16];
};

/* A trusted proxy: an address, or a network in CIDR notation (10.0.0.0/8). */
struct network {
    struct address base;
    unsigned prefix_bits;
};

struct ratelimit {
    double burst;
    double per_second;
    double expensive_cost;
    char policy[96];
    size_t proxy_count;
    struct network proxies[MAX_PROXIES];
    struct stripe stripes[STRIPES];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t fnv1a(uint64_t hash, const void *data, size_t length)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < length; i++) {
        hash ^= p[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

/* Only the bytes ulfius keeps: it copies a struct sockaddr (16 bytes), so of
 * an IPv6 address the first 8 (its /64) survive. */
static bool peer_address(const struct sockaddr *sa, struct address *out)
{
    memset(out, 0, sizeof(*out));
    if (sa == NULL)
        return false;
    out->family = sa->sa_family;
    if (sa->sa_family == AF_INET) {
        memcpy(out->bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(out->bytes, (const unsigned char *)sa + 8, 8);
        return true;
    }
    return false;
}

/* Text to the same form as peer_address() (IPv6 cut to its /64). */
static bool parse_address(const char *text, size_t length, struct address *out)
{
    char copy[INET6_ADDRSTRLEN + 1];

    while (length > 0 && (*text == ' ' || *text == '\t')) {
        text++;
        length--;
    }
    while (length > 0 && (text[length - 1] == ' ' || text[length - 1] == '\t'))
        length--;
    if (length == 0 || length >= sizeof(copy))
        return false;
    memcpy(copy, text, length);
    copy[length] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, copy, out->bytes) == 1) {
        out->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, copy, out->bytes) == 1) {
        out->family = AF_INET6;
        memset(out->bytes + 8, 0, 8);
        return true;
    }
    return false;
}

static bool in_network(const struct network *n, const struct address *a)
{
    unsigned bits = n->prefix_bits;

    if (n->base.family != a->family)
        return false;
    if (memcmp(n->base.bytes, a->bytes, bits / 8) != 0)
        return false;
    if (bits % 8 == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));
    return (n->base.bytes[bits / 8] & mask) == (a->bytes[bits / 8] & mask);
}

static bool is_trusted_proxy(const struct ratelimit *limiter, const struct address *a)
{
    for (size_t i = 0; i < limiter->proxy_count; i++)
        if (in_network(&limiter->proxies[i], a))
            return true;
    return false;
}

/* "192.0.2.7", "10.0.0.0/8", "2001:db8::/32" (IPv6 compared on its first 64 bits, as clients are). */
static bool parse_network(const char *text, size_t length, struct network *out)
{
    const char *slash = memchr(text, '/', length);
    long bits;

    if (!parse_address(text, slash ? (size_t)(slash - text) : length, &out->base))
        return false;
    unsigned most = out->base.family == AF_INET ? 32 : 64;
    out->prefix_bits = most;
    if (slash == NULL)
        return true;
    char digits[4] = { 0 };
    size_t count = length - (size_t)(slash + 1 - text);
    if (count == 0 || count >= sizeof(digits))
        return false;
    memcpy(digits, slash + 1, count);
    if (!validate_parse_long(digits, 0, out->base.family == AF_INET ? 32 : 128, &bits))
        return false;
    out->prefix_bits = (unsigned)bits < most ? (unsigned)bits : most;
    return true;
}

/* The client's address: the peer's, or through trusted proxies the last one in X-Forwarded-For that is not one. */
static struct address client_address(const struct ratelimit *limiter, const struct ratelimit_request *req)
{
    struct address peer, hop;

    if (!peer_address(req->peer, &peer) || limiter->proxy_count == 0 || !is_trusted_proxy(limiter, &peer))
        return peer;
    const char *forwarded = req->forwarded_for;
    if (forwarded == NULL)
        return peer;
    /* Right to left: each hop was appended by the proxy before it. */
    const char *end = forwarded + strlen(forwarded);
    while (end > forwarded) {
        const char *start = end;
        while (start > forwarded && start[-1] != ',')
            start--;
        if (!parse_address(start, (size_t)(end - start), &hop))
            return peer;   /* garbage: do not let it choose a bucket */
        if (!is_trusted_proxy(limiter, &hop))
            return hop;
        end = start > forwarded ? start - 1 : start;
    }
    return peer;
}

static bool takes_key(const char *method, const char *route)
{
    bool read = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || strcmp(method, "OPTIONS") == 0;
    return !read || (route != NULL && strncmp(route, "/v1/audit", 9) == 0);
}

static uint64_t client_id(const struct ratelimit *limiter, const struct ratelimit_request *req, const char *route)
{
    const char *authorization = req->authorization;
    uint64_t hash = 0xcbf29ce484222325ULL;

    if (authorization != NULL && strncasecmp(authorization, "Bearer ", 7) == 0 && takes_key(req->method, route)) {
        hash = fnv1a(hash, "key", 3);
        hash = fnv1a(hash, authorization + 7, strlen(authorization + 7));
    } else {
        struct address a = client_address(limiter, req);
        hash = fnv1a(hash, &a.family, sizeof(a.family));
        hash = fnv1a(hash, a.bytes, sizeof(a.bytes));
    }
    return hash == 0 ? 1 : hash;
}

/* Whether answering may reach PostgreSQL because of what this request asks. */
static bool is_expensive(const struct ratelimit_request *req, const char *route)
{
    static const char *const expensive_routes[] = {
        "/coverage", "/v1/gaps", "/v1/search", "/cost-estimate", "/history", "/v1/audit", "/providers",
        "/offerings", NULL,
    };
    const char *method = req->method;

    if (strcmp(method, "OPTIONS") == 0 || route == NULL)
        return false;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return true;   /* a write */
    if ((req->url != NULL && strchr(req->url, '?') != NULL) || req->consistency_lsn != NULL)
        return true;
    const char *accept = req->accept;
    if (accept != NULL && strstr(accept, "text/csv") != NULL)
        return true;
    for (const char *const *r = expensive_routes; *r != NULL; r++)
        if (strstr(route, *r) != NULL)
            return true;
    return false;
}

static bool is_free(const char *route)
{
    return route != NULL && (strcmp(route, "/healthz") == 0 || strcmp(route, "/readyz") == 0);
}

struct ratelimit *ratelimit_create(const struct config *config, bool *off)
{
    struct ratelimit *limiter;

    *off = !config->rate_limit;
    if (*off || (limiter = calloc(1, sizeof(*limiter))) == NULL)
        return NULL;
    limiter->burst = config->rate_limit_burst;
    limiter->per_second = config->rate_limit_per_second;
    limiter->expensive_cost = config->rate_limit_expensive_cost;
    /* q tokens, refilled in w seconds. */
    snprintf(limiter->policy, sizeof(limiter->policy), "\"default\";q=%u;w=%u", config->rate_limit_burst,
             (unsigned)ceil(limiter->burst / limiter->per_second));
    for (const char *p = config->trusted_proxies; p != NULL && *p != '\0' && limiter->proxy_count < MAX_PROXIES;) {
        const char *comma = strchr(p, ',');
        size_t length = comma ? (size_t)(comma - p) : strlen(p);
        while (length > 0 && (p[length - 1] == ' ' || p[length - 1] == '\t'))
            length--;
        if (parse_network(p, length, &limiter->proxies[limiter->proxy_count]))
            limiter->proxy_count++;
        else if (length > 0)
            log_warning("TRUSTED_PROXIES: \"%.*s\" is not an address or a network; ignored", (int)length, p);
        p = comma ? comma + 1 : p + length;
    }
    /* Adaptive: the lock is held for a few dozen instructions, so a thread that
     * finds it taken spins briefly instead of sleeping in the kernel (one busy
     * client's requests all meet on one stripe). */
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ADAPTIVE_NP);
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_init(&limiter->stripes[i].lock, &attributes);
    pthread_mutexattr_destroy(&attributes);
    return limiter;
}

void ratelimit_destroy(struct ratelimit *limiter)
{
    if (limiter == NULL)
        return;
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&limiter->stripes[i].lock);
    free(limiter);
}

/* Takes cost from the client's bucket if it has it; *left is what remains. */
static bool take(struct ratelimit *limiter, uint64_t id, double cost, double *left)
{
    struct stripe *stripe = &limiter->stripes[id % STRIPES];
    size_t home = (size_t)(id / STRIPES) % STRIPE_SLOTS;
    double now = now_s();
    struct bucket *b = NULL, *oldest = NULL;
    bool paid;

    pthread_mutex_lock(&stripe->lock);
    for (size_t i = 0; i < PROBES && b == NULL; i++) {
        struct bucket *slot = &stripe->slots[(home + i) % STRIPE_SLOTS];
        if (slot->id == id)
            b = slot;
        else if (oldest == NULL || slot->id == 0 || (oldest->id != 0 && slot->updated < oldest->updated))
            oldest = slot;
    }
    if (b == NULL) {
        b = oldest;
        b->id = id;
        b->tokens = limiter->burst;
        b->updated = now;
    }
    b->tokens = fmin(limiter->burst, b->tokens + (now - b->updated) * limiter->per_second);
    b->updated = now;
    paid = b->tokens >= cost;
    if (paid)
        b->tokens -= cost;
    *left = b->tokens;
    pthread_mutex_unlock(&stripe->lock);
    return paid;
}

bool ratelimit_charge(struct ratelimit *limiter, const struct ratelimit_request *req, const char *route,
                      char state[RATELIMIT_STATE_SIZE], unsigned *retry_after_s, double *cost_out)
{
    double cost = is_free(route) ? 0 : is_expensive(req, route) ? limiter->expensive_cost : 1;
    double left;
    bool paid = take(limiter, client_id(limiter, req, route), cost, &left);
    unsigned wait = paid ? 0 : (unsigned)ceil((cost - left) / limiter->per_second);

    snprintf(state, RATELIMIT_STATE_SIZE, "\"default\";r=%u;t=%u", (unsigned)floor(left),
             (unsigned)ceil((limiter->burst - left) / limiter->per_second));
    *retry_after_s = wait < 1 ? 1 : wait;
    *cost_out = cost;
    return paid;
}

const char *ratelimit_policy(const struct ratelimit *limiter)
{
    return limiter->policy;
}

bool ratelimit_admit(struct ratelimit *limiter, const struct _u_request *req, struct _u_response *resp,
                     const char *route)
{
    const struct ratelimit_request r = {
        .method = req->http_verb,
        .url = req->http_url,
        .peer = req->client_address,
        .authorization = u_map_get_case(req->map_header, "Authorization"),
        .forwarded_for = u_map_get_case(req->map_header, "X-Forwarded-For"),
        .consistency_lsn = u_map_get_case(req->map_header, "X-Consistency-LSN"),
        .accept = u_map_get_case(req->map_header, "Accept"),
    };
    char state[RATELIMIT_STATE_SIZE];
    unsigned wait;
    double cost;
    bool paid = ratelimit_charge(limiter, &r, route, state, &wait, &cost);

    if (!paid) {
        char detail[200], retry[16];
        snprintf(detail, sizeof(detail), "This client has used its request budget; retry after %u s. This request "
                 "costs %.0f tokens (a cached document costs 1).", wait, cost);
        problem_send(resp, 429, "/problems/rate-limited", "too many requests", detail, NULL, 0);
        snprintf(retry, sizeof(retry), "%u", wait);
        u_map_put(resp->map_header, "Retry-After", retry);
    }
    u_map_put(resp->map_header, "RateLimit-Policy", limiter->policy);
    u_map_put(resp->map_header, "RateLimit", state);
    return paid;
}
