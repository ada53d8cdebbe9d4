/*
 * internal/http/connections.h: how many connections the server holds, for
 * how long, and from whom: libmicrohttpd's limits plus a watchdog that ends a
 * client which trickles its request (headers or body) slower than a deadline.
 *
 * main.c appends connections_options() to the flags and options it starts
 * libmicrohttpd with (epoll and a thread pool; see there), so the limits stay
 * in one place whatever else starts the daemon.
 */
#ifndef INSATSKATALOG_HTTP_CONNECTIONS_H
#define INSATSKATALOG_HTTP_CONNECTIONS_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "../config/config.h"

struct connections;

/*
 * Raises the process's open-file limit to its hard limit and lowers
 * HTTP_CONNECTION_LIMIT to fit what it allows (with room for the database
 * connections and files); starts the watchdog thread. NULL when out of
 * memory or the thread cannot start. The config is borrowed.
 */
struct connections *connections_create(const struct config *config);

/*
 * Appends the connection options at options[*count] (at most
 * CONNECTIONS_OPTION_COUNT of them) and advances *count; the caller adds
 * MHD_OPTION_END. They override earlier ones of the same kind (the URI log
 * callback is wrapped: ulfius' own still runs).
 */
#define CONNECTIONS_OPTION_COUNT 5
void connections_options(struct connections *connections, struct MHD_OptionItem *options, size_t *count);

/* Whether this is the first access-handler call of the connection's current
 * request (true once per request line); false when the connection is untracked. */
bool connections_first_call(struct connections *connections, struct MHD_Connection *connection);

/* Stops the watchdog. Call after the daemon has stopped. Accepts NULL. */
void connections_destroy(struct connections *connections);

#endif
