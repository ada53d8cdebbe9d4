/*
 * internal/http/body_gate.c: see body_gate.h.
 *
 * How it gets in front: ulfius starts libmicrohttpd with MHD_start_daemon()
 * and its own access handler, and offers no hook before the body. This file
 * defines MHD_start_daemon, which the dynamic linker binds ulfius' call to
 * (the executable's definition comes first); it swaps in gated_access()
 * around ulfius' handler and starts the real daemon through
 * MHD_start_daemon_va. Without body_gate_install() it passes through.
 *
 * Being in front, it is also where a cached read is answered without ulfius
 * (fastpath.h): a request without a body waits for its second call, where
 * the fast path answers it or ulfius gets both of its calls at once.
 */
#include "body_gate.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../db/keys.h"
#include "body.h"
#include "fastpath.h"

typedef struct MHD_Daemon *start_va_fn(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                       void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap);

static struct {
    const struct app *app;
    struct connections *connections;
    MHD_AccessHandlerCallback inner;
    void *inner_cls;
} gate;

/*
 * A request's context from its request line on (libmicrohttpd's con_cls).
 * ulfius' own context is made only when the fast path does not answer, so a
 * cached hit never pays for ulfius' request and maps.
 */
struct gated_request {
    void *ulfius;       /* ulfius' connection_info, once made; freed by its completion callback */
    bool answered;      /* by the fast path */
    bool deferred;      /* no body: its first call was put off to the next (see gated_access) */
    char uri[];         /* the request line's target, as sent */
};

void *body_gate_request_line(const char *uri)
{
    size_t length = strlen(uri);
    struct gated_request *g = NULL;

    if (gate.inner == NULL)
        return ulfius_uri_logger(NULL, uri);
    if ((g = calloc(1, sizeof(*g) + length + 1)) != NULL)
        memcpy(g->uri, uri, length + 1);
    return g;
}

void body_gate_request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                                 enum MHD_RequestTerminationCode code)
{
    struct gated_request *g = *con_cls;

    if (gate.inner == NULL) {
        mhd_request_completed(cls, connection, con_cls, code);
        return;
    }
    if (g == NULL)
        return;
    mhd_request_completed(cls, connection, &g->ulfius, code);
    free(g);
    *con_cls = NULL;
}

/* ulfius' handler, with its own context. */
static enum MHD_Result call_inner(struct gated_request *g, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size)
{
    return gate.inner(gate.inner_cls, connection, url, method, version, upload_data, upload_data_size, &g->ulfius);
}

/* One byte over the limit, for ulfius to copy when a body is announced too large. */
static char over_limit[BODY_MAX_BYTES + 1];   /* zeros, in .bss */

void body_gate_install(const struct app *app, struct connections *connections)
{
    gate.app = app;
    gate.connections = connections;
}

static bool takes_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
}

static bool key_is_valid(struct MHD_Connection *connection)
{
    const char *header = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Authorization");
    struct db_key key;

    return header != NULL && strncasecmp(header, "Bearer ", 7) == 0 && header[7] != '\0'
           && db_keys_verify(gate.app->pool, header + 7, &key) == DB_OK;
}

static unsigned long long announced_length(struct MHD_Connection *connection)
{
    const char *length_text = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Length");
    return length_text ? strtoull(length_text, NULL, 10) : 0;
}

static bool has_body(struct MHD_Connection *connection)
{
    return announced_length(connection) > 0
           || MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Transfer-Encoding") != NULL;
}

static enum MHD_Result gated_access(void *cls, struct MHD_Connection *connection, const char *url,
                                    const char *method, const char *version, const char *upload_data,
                                    size_t *upload_data_size, void **con_cls)
{
    struct gated_request *g = *con_cls;
    (void)cls;

    if (g == NULL)
        return MHD_NO;   /* out of memory at the request line */
    bool first = connections_first_call(gate.connections, connection);
    if (g->answered)
        return MHD_YES;
    if (first && !has_body(connection)) {
        /* Nothing to read: everything waits for the call after the (empty)
         * body, where an answer queued keeps the connection alive. */
        g->deferred = true;
        return MHD_YES;
    }
    if (g->ulfius == NULL) {
        if (g->deferred) {
            if (fastpath_answer(gate.app, connection, method, g->uri)) {
                g->answered = true;
                return MHD_YES;
            }
        }
        if ((g->ulfius = ulfius_uri_logger(NULL, g->uri)) == NULL)
            return MHD_NO;
        size_t none = 0;
        /* ulfius' first call (it reads the headers), deferred with the rest. */
        if (g->deferred && call_inner(g, connection, url, method, version, NULL, &none) != MHD_YES)
            return MHD_NO;
    }
    enum MHD_Result result = call_inner(g, connection, url, method, version, upload_data, upload_data_size);
    if (!first || result != MHD_YES)
        return result;

    unsigned long long length = announced_length(connection);
    size_t none = 0, over = sizeof(over_limit);
    if (takes_body(method) && key_is_valid(connection)) {
        if (length <= BODY_MAX_BYTES)
            return result;   /* read it, as ulfius does (it keeps at most one byte over the limit) */
        /* Announced over the limit: ulfius sees one byte too many, the handler answers 413. */
        call_inner(g, connection, url, method, version, over_limit, &over);
    }
    /* Answer now, as if the body had ended: it is never read. */
    return call_inner(g, connection, url, method, version, NULL, &none);
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    start_va_fn *start_va = (start_va_fn *)dlsym(RTLD_NEXT, "MHD_start_daemon_va");
    struct MHD_Daemon *daemon = NULL;
    va_list ap;

    if (start_va == NULL)
        return NULL;
    va_start(ap, dh_cls);
    if (gate.app != NULL && gate.inner == NULL) {
        gate.inner = dh;
        gate.inner_cls = dh_cls;
        daemon = start_va(flags, port, apc, apc_cls, gated_access, NULL, ap);
    } else {
        daemon = start_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    }
    va_end(ap);
    return daemon;
}
