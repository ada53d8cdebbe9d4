/*
 * tests/fuzz/fuzz_forwarded.c: the rate limiter's reading of a request
 * (http/ratelimit.c): X-Forwarded-For from a trusted proxy, Authorization,
 * Accept. Input: the X-Forwarded-For value; its first byte also picks the
 * method and whether a key is sent.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../internal/config/config.h"
#include "../../internal/http/ratelimit.h"

static struct ratelimit *limiter;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = { "GET", "POST", "PATCH", "OPTIONS" };
    struct _u_request req;
    struct _u_response resp;
    struct sockaddr_in peer = { .sin_family = AF_INET };
    char *forwarded;

    if (limiter == NULL) {
        struct config config = { .rate_limit = true, .rate_limit_burst = 5, .rate_limit_per_second = 1,
                                 .rate_limit_expensive_cost = 3, .trusted_proxies = "127.0.0.1, 10.0.0.0/8, ::1" };
        bool off;
        if ((limiter = ratelimit_create(&config, &off)) == NULL)
            abort();
    }
    if (size < 1 || (forwarded = malloc(size)) == NULL)
        return 0;
    memcpy(forwarded, data + 1, size - 1);
    forwarded[size - 1] = '\0';
    inet_pton(AF_INET, "127.0.0.1", &peer.sin_addr);
    ulfius_init_request(&req);
    ulfius_init_response(&resp);
    o_free(req.http_verb);
    req.http_verb = o_strdup(methods[data[0] % 4]);
    req.http_url = o_strdup(data[0] & 4 ? "/v1/gaps?county=03" : "/v1/methods/fft");
    req.client_address = o_malloc(sizeof(struct sockaddr));
    memcpy(req.client_address, &peer, sizeof(struct sockaddr));
    u_map_put(req.map_header, "X-Forwarded-For", forwarded);
    if (data[0] & 8)
        u_map_put(req.map_header, "Authorization", forwarded);
    ratelimit_admit(limiter, &req, &resp, data[0] & 16 ? NULL : "/v1/methods/:slug");
    ulfius_clean_request(&req);
    ulfius_clean_response(&resp);
    free(forwarded);
    return 0;
}
