/*
 * internal/model/etag.h: the entity tag of a representation.
 *
 * Strong, and derived only from the bytes a client receives, so every
 * replica computes the same tag for the same data with nothing kept in
 * memory, and the write path can check If-Match against exactly what a
 * client saw.
 */
#ifndef INSATSKATALOG_MODEL_ETAG_H
#define INSATSKATALOG_MODEL_ETAG_H

#include <stdbool.h>
#include <stddef.h>

#define ETAG_SIZE 35   /* '"' + 32 hex digits + '"' + NUL */

/* Writes the quoted tag of body into out. Needs sodium_init() first. */
void etag_of(const void *body, size_t length, char out[ETAG_SIZE]);

/*
 * The tag of the same body sent gzip-compressed (Content-Encoding: gzip is
 * another representation, so another strong tag): etag with "-gzip" before
 * the closing quote. Derived from the plain tag, not from the compressed
 * bytes, so it does not depend on zlib's version, and a write can accept
 * either in If-Match.
 */
#define ETAG_GZIP_SIZE (ETAG_SIZE + 5)
void etag_gzip_of(const char etag[ETAG_SIZE], char out[ETAG_GZIP_SIZE]);

/*
 * Whether a list-valued If-None-Match or If-Match header names etag.
 * weak: compare weakly (If-None-Match, RFC 9110 13.1.2: "W/" is ignored);
 * otherwise strongly (If-Match, 13.1.1: a weak tag never matches).
 * "*" matches any current representation.
 */
bool etag_list_matches(const char *header, const char *etag, bool weak);

#endif
