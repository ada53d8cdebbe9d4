/*
 * internal/http/answers.h: whole answers in the cache.
 *
 * A read whose every query was a cached document (db_fetch_document) is
 * stored as the answer a client gets: its body, its strong ETag, its
 * headers and, for bodies of 1 KiB or more, a gzip variant with its own
 * strong ETag (the same tag with "-gzip" before the closing quote), all
 * made once when the entry is filled. A hit copies the chosen variant into
 * the response and nothing else is computed; If-None-Match gives 304 for
 * the variant it names. Entries depend on the tables their documents were
 * built from, so a change drops only the answers that read it.
 *
 * Never cached: requests with Authorization (what a key may read is not
 * for everyone), with X-Consistency-LSN (they must see a given write), and
 * anything but a 200.
 */
#ifndef INSATSKATALOG_HTTP_ANSWERS_H
#define INSATSKATALOG_HTTP_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ulfius.h>

#include "../db/cache.h"

/* Bodies from this size get a gzip variant. */
#define ANSWERS_GZIP_MIN_BYTES 1024

#define ANSWERS_KEY_MAX 1024

/*
 * The key of a GET or HEAD that may use the cache, into out: the UTC day,
 * the URL with its query, and Accept (which picks JSON or CSV). False when
 * the request may not use it (see above) or the key would be too long.
 */
bool answers_key(const struct _u_request *req, char out[ANSWERS_KEY_MAX]);

/* The key of answers_key from the request's URL (with its query) and Accept (NULL when absent). */
bool answers_key_for(const char *url, const char *accept, char out[ANSWERS_KEY_MAX]);

/* A hit: the variant chosen for the request, borrowed while answers_use's callback runs. */
struct answers_hit {
    unsigned status;            /* 200, or 304 when If-None-Match named the variant (then no body) */
    const char *body;
    size_t length;
    const char *etag;
    bool gzip;                  /* Content-Encoding: gzip */
    size_t header_count;        /* the handler's headers (Content-Type, Cache-Control, ...) */
    char *const *names;
    char *const *values;
    void *held;                 /* the body's holder count, for answers_hold_body; NULL for a 304 */
};

/*
 * Keeps the hit's body alive past the callback (and past the entry's
 * eviction) until answers_release_body: for handing it to libmicrohttpd
 * without a copy. NULL for a 304. Thread-safe.
 */
void *answers_hold_body(const struct answers_hit *hit);
void answers_release_body(void *held);   /* accepts NULL */

typedef bool answers_use_fn(const struct answers_hit *hit, void *context);

/*
 * Looks key up and, on a hit, calls use with the variant that
 * accept_encoding picks and the status if_none_match gives (both NULL when
 * absent), under the cache's lock. Returns false on a miss, else what use
 * returned. count_miss: as db_cache_visit's (the fast path's look-up is
 * followed by the dispatcher's after a miss, which counts it).
 */
bool answers_use(struct db_cache *cache, const char *key, const char *accept_encoding, const char *if_none_match,
                 answers_use_fn *use, void *context, bool count_miss);

/* Answers req from the cache into resp (200 or 304); false on a miss. */
bool answers_serve(struct db_cache *cache, const char *key, const struct _u_request *req,
                   struct _u_response *resp);

/* Stores resp, a 200 just made by a handler, under key, if generation is
 * still current (db_cache_generation taken before the handler ran). */
void answers_store(struct db_cache *cache, const char *key, const struct _u_response *resp, uint64_t tables,
                   uint64_t generation);

/* The gzip form of body (zlib level 1-9), a new buffer to free(), or NULL (and
 * *gzip_length 0) when it would not be smaller. No name and no time in the
 * wrapper, so every replica makes the same bytes. Also for the web files. */
char *answers_gzip(const char *body, size_t length, int level, size_t *gzip_length);

/* Whether Accept-Encoding lets the answer be gzip. */
bool answers_accept_gzip(const char *accept_encoding);

#endif
