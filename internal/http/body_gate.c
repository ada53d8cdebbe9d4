/*
 * internal/http/body_gate.c: see body_gate.h.
 *
 * How it gets in front: ulfius starts libmicrohttpd with MHD_start_daemon()
 * and its own access handler, and offers no hook before the body. This file
 * defines MHD_start_daemon, which the dynamic linker binds ulfius' call to
 * (the executable's definition comes first); it swaps in gated_access()
 * around ulfius' handler and starts the real daemon through
 * MHD_start_daemon_va. Without body_gate_install() it passes through.
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

typedef struct MHD_Daemon *start_va_fn(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                       void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap);

static struct {
    const struct app *app;
    struct connections *connections;
    MHD_AccessHandlerCallback inner;
    void *inner_cls;
} gate;

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

static enum MHD_Result gated_access(void *cls, struct MHD_Connection *connection, const char *url,
                                    const char *method, const char *version, const char *upload_data,
                                    size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    bool first = connections_first_call(gate.connections, connection);
    enum MHD_Result result = gate.inner(gate.inner_cls, connection, url, method, version, upload_data,
                                        upload_data_size, con_cls);
    if (!first || result != MHD_YES)
        return result;

    const char *length_text = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Length");
    const char *chunked = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Transfer-Encoding");
    unsigned long long length = length_text ? strtoull(length_text, NULL, 10) : 0;
    if (length == 0 && chunked == NULL)
        return result;   /* no body: the usual path */

    size_t none = 0, over = sizeof(over_limit);
    if (takes_body(method) && key_is_valid(connection)) {
        if (length <= BODY_MAX_BYTES)
            return result;   /* read it, as ulfius does (it keeps at most one byte over the limit) */
        /* Announced over the limit: ulfius sees one byte too many, the handler answers 413. */
        gate.inner(gate.inner_cls, connection, url, method, version, over_limit, &over, con_cls);
    }
    /* Answer now, as if the body had ended: it is never read. */
    return gate.inner(gate.inner_cls, connection, url, method, version, NULL, &none, con_cls);
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
