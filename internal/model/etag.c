/*
 * internal/model/etag.c: entity tags (BLAKE2b-128 of the representation).
 */
#include "etag.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void etag_of(const void *body, size_t length, char out[ETAG_SIZE])
{
    unsigned char hash[16];
    char hex[33];

    crypto_generichash(hash, sizeof(hash), body, length, NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
    snprintf(out, ETAG_SIZE, "\"%s\"", hex);
}

/* Whether a list member ends at p: the end, a comma or white space. */
static bool ends_member(const char *p)
{
    return *p == '\0' || *p == ',' || *p == ' ' || *p == '\t';
}

bool etag_list_matches(const char *header, const char *etag, bool weak)
{
    size_t etag_length = strlen(etag);
    const char *p = header;

    while (p != NULL && *p != '\0') {
        bool is_weak = false;
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*' && ends_member(p + 1))
            return true;
        if (strncmp(p, "W/", 2) == 0) {
            is_weak = true;
            p += 2;
        }
        if ((weak || !is_weak) && strncmp(p, etag, etag_length) == 0 && ends_member(p + etag_length))
            return true;
        p = strchr(p, ',');
    }
    return false;
}

void etag_gzip_of(const char etag[ETAG_SIZE], char out[ETAG_GZIP_SIZE])
{
    snprintf(out, ETAG_GZIP_SIZE, "%.*s-gzip\"", ETAG_SIZE - 2, etag);
}
