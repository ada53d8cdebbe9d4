/*
 * internal/http/answers.c: whole answers in the cache (see answers.h).
 */
#include "answers.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#include "../model/etag.h"
#include "exchange.h"


/*
 * A body with a count of its holders: the entry, and each answer being sent
 * from it by the fast path (fastpath.c), which hands it to libmicrohttpd
 * without a copy. Evicting the entry while a large body is still being sent
 * is then safe, and 32 clients reading a 500 KB map hold one copy, not 32.
 */
struct shared_body {
    atomic_uint holders;
    size_t length;
    char bytes[];
};

static struct shared_body *shared_body_of(const char *bytes, size_t length)
{
    struct shared_body *b = malloc(sizeof(*b) + length);
    if (b == NULL)
        return NULL;
    atomic_init(&b->holders, 1);
    b->length = length;
    memcpy(b->bytes, bytes, length);
    return b;
}

void answers_release_body(void *held)
{
    struct shared_body *b = held;
    if (b != NULL && atomic_fetch_sub(&b->holders, 1) == 1)
        free(b);
}

void *answers_hold_body(const struct answers_hit *hit)
{
    struct shared_body *b = hit->held;
    if (b != NULL)
        atomic_fetch_add(&b->holders, 1);
    return b;
}

/* An answer this large was expensive to build; see answers_store. */
#define ANSWERS_TRIM_AFTER_BYTES (256 * 1024)

struct answer {
    struct shared_body *body;
    char etag[ETAG_SIZE];
    struct shared_body *gzip;   /* NULL when the body is small or does not shrink */
    char gzip_etag[ETAG_GZIP_SIZE];
    size_t header_count;
    char **names;          /* the handler's headers (Content-Type, Cache-Control, ...) */
    char **values;
};

static void answer_free(void *value)
{
    struct answer *a = value;

    if (a == NULL)
        return;
    for (size_t i = 0; i < a->header_count; i++) {
        free(a->names[i]);
        free(a->values[i]);
    }
    free(a->names);
    free(a->values);
    answers_release_body(a->body);
    answers_release_body(a->gzip);
    free(a);
}

bool answers_key_for(const char *url, const char *accept, char out[ANSWERS_KEY_MAX])
{
    int length = snprintf(out, ANSWERS_KEY_MAX, "%ld:answer:%s\x1f%s", (long)(time(NULL) / 86400), url,
                          accept != NULL ? accept : "");
    return length > 0 && length < ANSWERS_KEY_MAX;
}

bool answers_key(const struct _u_request *req, char out[ANSWERS_KEY_MAX])
{
    if (u_map_get_case(req->map_header, "Authorization") != NULL
        || u_map_get_case(req->map_header, "X-Consistency-LSN") != NULL)
        return false;
    return answers_key_for(req->http_url != NULL ? req->http_url : req->url_path,
                           u_map_get_case(req->map_header, "Accept"), out);
}

/* Whether the parameters from p (a ";") to end hold a q value of 0, which refuses the coding. */
static bool refused(const char *p, const char *end)
{
    while (p != NULL && p < end) {
        const char *name = p + 1 + strspn(p + 1, " \t");
        if (name + 1 < end && (name[0] == 'q' || name[0] == 'Q') && name[1] == '=')
            return strtod(name + 2, NULL) <= 0;
        p = memchr(p + 1, ';', (size_t)(end - p - 1));
    }
    return false;
}

bool answers_accept_gzip(const char *accept_encoding)
{
    bool gzip = false, gzip_named = false, any = false;

    for (const char *item = accept_encoding; item != NULL && *item != '\0';) {
        const char *end = strchr(item, ',');
        if (end == NULL)
            end = item + strlen(item);
        const char *name = item + strspn(item, " \t");
        size_t name_length = strcspn(name, " \t;,");
        const char *parameters = memchr(name, ';', (size_t)(end - name));
        bool ok = !refused(parameters, end);
        if (name_length == 4 && strncasecmp(name, "gzip", 4) == 0) {
            gzip_named = true;
            gzip = ok;
        } else if (name_length == 1 && name[0] == '*') {
            any = ok;
        }
        item = *end == ',' ? end + 1 : NULL;
    }
    return gzip_named ? gzip : any;
}

struct using {
    const char *accept_encoding;
    const char *if_none_match;
    answers_use_fn *use;
    void *context;
};

static bool use_answer(const void *value, void *context)
{
    const struct answer *a = value;
    const struct using *u = context;
    bool gzip = a->gzip != NULL && answers_accept_gzip(u->accept_encoding);
    struct shared_body *body = gzip ? a->gzip : a->body;
    struct answers_hit hit = {
        .status = 200,
        .body = body->bytes,
        .length = body->length,
        .held = body,
        .etag = gzip ? a->gzip_etag : a->etag,
        .gzip = gzip,
        .header_count = a->header_count,
        .names = a->names,
        .values = a->values,
    };

    if (u->if_none_match != NULL && etag_list_matches(u->if_none_match, hit.etag, true)) {
        hit.status = 304;
        hit.body = NULL;
        hit.length = 0;
        hit.held = NULL;
    }
    return u->use(&hit, u->context);
}

bool answers_use(struct db_cache *cache, const char *key, const char *accept_encoding, const char *if_none_match,
                 answers_use_fn *use, void *context, bool count_miss)
{
    struct using u = { accept_encoding, if_none_match, use, context };
    return db_cache_visit(cache, key, use_answer, &u, count_miss);
}

static bool serve(const struct answers_hit *hit, void *context)
{
    struct _u_response *resp = context;

    if (hit->status == 304) {
        if (ulfius_set_empty_body_response(resp, 304) != U_OK)
            return false;
    } else if (ulfius_set_binary_body_response(resp, 200, hit->body, hit->length) != U_OK) {
        return false;
    }
    for (size_t i = 0; i < hit->header_count; i++)
        u_map_put(resp->map_header, hit->names[i], hit->values[i]);
    u_map_put(resp->map_header, "ETag", hit->etag);
    if (hit->gzip)
        u_map_put(resp->map_header, "Content-Encoding", "gzip");
    return true;
}

bool answers_serve(struct db_cache *cache, const char *key, const struct _u_request *req,
                   struct _u_response *resp)
{
    return answers_use(cache, key, u_map_get_case(req->map_header, "Accept-Encoding"),
                       u_map_get_case(req->map_header, "If-None-Match"), serve, resp, true);
}

char *answers_gzip(const char *body, size_t length, int level, size_t *gzip_length)
{
    z_stream stream = { 0 };
    uLong bound = compressBound((uLong)length) + 32;   /* + the gzip header and trailer */
    char *out = NULL;

    *gzip_length = 0;
    /* 15 + 16: a gzip wrapper with no name and no time, so every replica makes the same bytes. */
    if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    if ((out = malloc(bound)) == NULL)
        goto cleanup;
    stream.next_in = (Bytef *)body;
    stream.avail_in = (uInt)length;
    stream.next_out = (Bytef *)out;
    stream.avail_out = (uInt)bound;
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END || stream.total_out >= length) {
        free(out);
        out = NULL;
        goto cleanup;
    }
    *gzip_length = stream.total_out;
cleanup:
    deflateEnd(&stream);
    return out;
}

/*
 * Headers that are not the handler's to keep: every answer gets them anew
 * (the rate limit's state, the request id, the shared headers) or the entry
 * holds them itself (the ETags, Content-Encoding). A stored RateLimit would
 * tell later clients the first one's budget.
 */
static bool is_answer_header(const char *name)
{
    static const char *const per_request[] = {
        "RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-Id", "ETag", "Content-Encoding", NULL,
    };
    for (const char *const *n = per_request; *n != NULL; n++)
        if (strcasecmp(name, *n) == 0)
            return false;
    for (size_t i = 0; i < EXCHANGE_SHARED_COUNT; i++)
        if (strcasecmp(name, exchange_shared_names[i]) == 0)
            return false;
    return true;
}

void answers_store(struct db_cache *cache, const char *key, const struct _u_response *resp, uint64_t tables,
                   uint64_t generation)
{
    struct answer *a = calloc(1, sizeof(*a));
    const char **names = u_map_enum_keys(resp->map_header);
    size_t size = sizeof(*a);

    if (a == NULL || names == NULL || resp->status != 200 || resp->binary_body == NULL)
        goto discard;
    if ((a->body = shared_body_of(resp->binary_body, resp->binary_body_length)) == NULL)
        goto discard;
    etag_of(a->body->bytes, a->body->length, a->etag);
    if (a->body->length >= ANSWERS_GZIP_MIN_BYTES) {
        size_t gzip_length;
        char *gzip = answers_gzip(a->body->bytes, a->body->length, 6, &gzip_length);
        if (gzip != NULL && (a->gzip = shared_body_of(gzip, gzip_length)) != NULL)
            etag_gzip_of(a->etag, a->gzip_etag);
        free(gzip);
    }
    size_t count = 0;
    while (names[count] != NULL)
        count++;
    if ((a->names = calloc(count + 1, sizeof(char *))) == NULL || (a->values = calloc(count + 1, sizeof(char *))) == NULL)
        goto discard;
    for (size_t i = 0; i < count; i++) {
        const char *value = u_map_get(resp->map_header, names[i]);
        if (!is_answer_header(names[i]))
            continue;
        size_t at = a->header_count++;   /* counted before the copies, so answer_free frees a half-made pair */
        if ((a->names[at] = strdup(names[i])) == NULL || (a->values[at] = strdup(value ? value : "")) == NULL)
            goto discard;
        size += strlen(a->names[at]) + strlen(a->values[at]) + 2 + 2 * sizeof(char *);
    }
    size += a->body->length + (a->gzip != NULL ? a->gzip->length : 0);
    db_cache_put_value(cache, key, a, size, tables, answer_free, generation);
    /* Building a large answer (the maps: a JSON tree of many MB for a 500 KB
     * body) leaves freed pages scattered in malloc's heaps, which it keeps;
     * give them back once, here, rather than carry them as RSS for ever. */
    if (size >= ANSWERS_TRIM_AFTER_BYTES)
        malloc_trim(0);
    return;
discard:
    answer_free(a);
}
