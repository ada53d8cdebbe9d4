/*
 * internal/http/body_gate.h: a request body is read only on a route that
 * takes one (POST, PUT, PATCH), only after its API key has been checked, and
 * never past the 1 MiB limit.
 *
 * ulfius reads a whole body before it calls any endpoint, so the gate sits in
 * front of ulfius' libmicrohttpd access handler: on the first call of each
 * request (headers in, body not yet read) it decides. When the body may not
 * be read, it lets ulfius answer at once as if the body had ended (empty, or
 * for a body announced over the limit, one byte over it), so the handlers'
 * usual 401 / 413 / 404 / 405 answer goes out with every shared header, and
 * libmicrohttpd closes the connection instead of reading the rest.
 */
#ifndef INSATSKATALOG_HTTP_BODY_GATE_H
#define INSATSKATALOG_HTTP_BODY_GATE_H

#include <microhttpd.h>

#include "app.h"
#include "connections.h"

/* Puts the gate in front of the next libmicrohttpd daemon ulfius starts.
 * app and connections are borrowed for the daemon's lifetime. */
void body_gate_install(const struct app *app, struct connections *connections);

/*
 * libmicrohttpd's URI log and request-completed callbacks for the gated
 * daemon (connections.c and main.c set them): the request's context is the
 * gate's, which holds ulfius' own and lets the fast path (fastpath.h)
 * answer a cached read before ulfius makes anything. Without the gate they
 * are ulfius' own callbacks.
 */
void *body_gate_request_line(const char *uri);
void body_gate_request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                                 enum MHD_RequestTerminationCode code);

#endif
