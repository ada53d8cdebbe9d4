/*
 * internal/http/fastpath.h: a cached answer served straight from
 * libmicrohttpd, before ulfius builds anything for the request.
 *
 * Why it exists: a cache hit costs nothing to make (answers.c made it once),
 * yet going through ulfius cost it more than the answer itself: ulfius
 * allocates a request with five maps, copies every header into one, makes a
 * response with its own maps, copies the body twice and every header again
 * into libmicrohttpd's response. perf showed malloc and free as the largest
 * user-space share of a hit. This path does only what the client sees: one
 * pass over the headers, the route, the rate limit, the cache look-up, one
 * copy of the body, the headers, the metrics and the log line.
 *
 * It answers exactly as the dispatcher (routes.c) would: the same status,
 * body and headers (see tests/api/test_fastpath.c). Anything else goes on
 * through ulfius untouched: another method, a request with a body, an
 * Authorization or X-Consistency-LSN header, a header it reads given twice,
 * a route not answered from the cache, a miss, and a request the rate limit
 * refuses (the dispatcher makes the 429).
 */
#ifndef INSATSKATALOG_HTTP_FASTPATH_H
#define INSATSKATALOG_HTTP_FASTPATH_H

#include <microhttpd.h>
#include <stdbool.h>

#include "app.h"

/*
 * Whether the answer is queued on the connection. False: the dispatcher
 * answers (not for this path, not in the cache, or refused by the rate
 * limit). uri: the request line's target as sent (path and query), as
 * ulfius keeps it.
 */
bool fastpath_answer(const struct app *app, struct MHD_Connection *connection, const char *method, const char *uri);

#endif
