/*
 * internal/http/exchange.c: see exchange.h.
 */
#include "exchange.h"

#include <ctype.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *const exchange_shared_names[EXCHANGE_SHARED_COUNT] = {
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "X-Content-Type-Options",
    "Vary",
};

const char *const exchange_shared_values[EXCHANGE_SHARED_COUNT] = {
    "*",
    "ETag, Location, Retry-After, X-Request-Id, X-Consistency-LSN, Idempotent-Replayed, Decisions-Cleared, "
    "RateLimit, RateLimit-Policy",
    "nosniff",
    /* Access-Control-Allow-Origin is "*" for everyone, so only Accept (JSON or
     * CSV) and Accept-Encoding (gzip, answers.h) vary the answer. */
    "Accept, Accept-Encoding",
};

static bool is_sane_request_id(const char *id)
{
    size_t length = id ? strlen(id) : 0;
    if (length == 0 || length > 64)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.')
            return false;
    return true;
}

void exchange_request_id(const char *given, char out[EXCHANGE_REQUEST_ID_SIZE])
{
    static _Thread_local unsigned char prefix[8];
    static _Thread_local uint64_t counter;
    unsigned char bytes[16];

    if (is_sane_request_id(given)) {
        snprintf(out, EXCHANGE_REQUEST_ID_SIZE, "%s", given);
        return;
    }
    if (counter == 0)
        randombytes_buf(prefix, sizeof(prefix));
    counter++;
    memcpy(bytes, prefix, sizeof(prefix));
    for (int i = 0; i < 8; i++)
        bytes[8 + i] = (unsigned char)(counter >> (56 - 8 * i));
    sodium_bin2hex(out, EXCHANGE_REQUEST_ID_SIZE, bytes, sizeof(bytes));
}

void exchange_loggable(const char *text, size_t length, char *out, size_t out_size)
{
    size_t i = 0;
    for (; text != NULL && i < length && text[i] != '\0' && i + 1 < out_size; i++)
        out[i] = ((unsigned char)text[i] < 0x20 || text[i] == 0x7f || text[i] == '"') ? '?' : text[i];
    out[i] = '\0';
}
