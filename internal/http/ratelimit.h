/*
 * internal/http/ratelimit.h: a token bucket per client, and the IETF
 * RateLimit-Policy / RateLimit headers on every answer.
 *
 * A client is its API key on requests that check one (writes and the audit
 * trail), else its address: the connection's, or, when the connection comes
 * from a proxy listed in TRUSTED_PROXIES, the last address in X-Forwarded-For
 * that is not such a proxy. (A key sent with a public read is not checked,
 * so it cannot choose the bucket.) IPv6 clients share a bucket per /64.
 *
 * A bucket holds RATE_LIMIT_BURST tokens and refills RATE_LIMIT_PER_SECOND a
 * second. A request that may be answered from the document cache costs 1; one
 * that reaches PostgreSQL because of what it asks (a query string, an
 * X-Consistency-LSN, CSV, coverage, gaps, search, cost estimates, histories,
 * provider and offering lists, the audit trail, any write) costs
 * RATE_LIMIT_EXPENSIVE_COST.
 */
#ifndef INSATSKATALOG_HTTP_RATELIMIT_H
#define INSATSKATALOG_HTTP_RATELIMIT_H

#include <stdbool.h>
#include <sys/socket.h>
#include <ulfius.h>

#include "../config/config.h"

struct ratelimit;

/* NULL when RATE_LIMIT=off or out of memory (*off tells which). Config borrowed. */
struct ratelimit *ratelimit_create(const struct config *config, bool *off);
void ratelimit_destroy(struct ratelimit *limiter);

/*
 * Charges the request to its client and puts RateLimit-Policy and RateLimit
 * on resp. When the bucket cannot pay, resp becomes a 429 problem with
 * Retry-After and the result is false. route: the matched path template
 * ("/v1/gaps", "/v1/methods/:slug"), NULL when none matched.
 */
bool ratelimit_admit(struct ratelimit *limiter, const struct _u_request *req, struct _u_response *resp,
                     const char *route);

/* What the limiter reads of a request; the headers are NULL when absent. */
struct ratelimit_request {
    const char *method;
    const char *url;               /* with its query string */
    const struct sockaddr *peer;   /* the connection's address */
    const char *authorization;
    const char *forwarded_for;
    const char *consistency_lsn;
    const char *accept;
};

#define RATELIMIT_STATE_SIZE 64

/*
 * The charge itself, for callers without ulfius' request (the cached-answer
 * fast path, fastpath.c): takes the request's cost from its client's
 * bucket, writes the RateLimit header's value into state, and returns
 * whether it was paid; when not, *retry_after_s is the Retry-After and
 * nothing was taken. ratelimit_admit is this plus the headers and the 429.
 */
bool ratelimit_charge(struct ratelimit *limiter, const struct ratelimit_request *req, const char *route,
                      char state[RATELIMIT_STATE_SIZE], unsigned *retry_after_s, double *cost);

/* The RateLimit-Policy header's value. */
const char *ratelimit_policy(const struct ratelimit *limiter);

#endif
