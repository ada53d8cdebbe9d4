/*
 * internal/http/routes.h: the route table and the dispatcher that wraps
 * every handler with what all responses share (request id, CORS, ETag and
 * 304, the log line, the count of requests in flight).
 */
#ifndef INSATSKATALOG_HTTP_ROUTES_H
#define INSATSKATALOG_HTTP_ROUTES_H

#include <ulfius.h>

#include "app.h"

struct routes;

/*
 * Registers every route on instance, each bound to app (borrowed; it must
 * outlive the instance). Returns the bindings, to release with
 * routes_release() after the instance has stopped, or NULL on failure.
 */
struct routes *routes_register(struct _u_instance *instance, const struct app *app);

/* How many (method, path) bindings there are at most: the metrics series to reserve. */
size_t routes_binding_count(void);

/* Requests being handled right now, so shutdown can wait for them. */
int routes_in_flight(const struct routes *routes);

/* The trie the dispatcher routes with, for the cached-answer fast path (fastpath.c). */
struct router;
const struct router *routes_router(const struct routes *routes);

/* Counts a request answered outside the dispatcher in (+1) and out (-1) of routes_in_flight. */
void routes_count_in_flight(const struct routes *routes, int delta);

/* Accepts NULL. */
void routes_release(struct routes *routes);

#endif
