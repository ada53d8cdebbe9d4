/*
 * internal/http/exchange.h: what every answer carries, whichever way it was
 * made (the dispatcher in routes.c, or the cached-answer fast path in
 * fastpath.c): its request id, the headers every answer shares, and the
 * request's path as the log line shows it. One definition, so the two ways
 * cannot drift apart.
 */
#ifndef INSATSKATALOG_HTTP_EXCHANGE_H
#define INSATSKATALOG_HTTP_EXCHANGE_H

#include <stddef.h>

#define EXCHANGE_REQUEST_ID_SIZE 65

/*
 * given (the client's X-Request-Id, or NULL) when it is sane (1-64 of
 * [A-Za-z0-9._-]), else a new id: a random prefix drawn once per thread and
 * a counter, so a request costs no system call for randomness (ids need to
 * be unique, not secret).
 */
void exchange_request_id(const char *given, char out[EXCHANGE_REQUEST_ID_SIZE]);

/* The headers after X-Request-Id on every answer, in the order they are sent. */
#define EXCHANGE_SHARED_COUNT 4
extern const char *const exchange_shared_names[EXCHANGE_SHARED_COUNT];
extern const char *const exchange_shared_values[EXCHANGE_SHARED_COUNT];

/* The first length bytes of text (or up to its NUL) for a log line, with
 * control characters and quotes replaced, so a path cannot forge lines. */
void exchange_loggable(const char *text, size_t length, char *out, size_t out_size);

#endif
