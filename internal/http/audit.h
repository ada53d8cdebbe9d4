/*
 * internal/http/audit.h: reading the audit trail (admin only).
 */
#ifndef INSATSKATALOG_HTTP_AUDIT_H
#define INSATSKATALOG_HTTP_AUDIT_H

#include <ulfius.h>

#include "app.h"

/* GET <collection>/{slug}/history: the trail of one record, newest first. */
void audit_send_history(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                        const char *entity);

#define DEFINE_HISTORY_HANDLER(name, entity)                                                                   \
    void handle_##name##_history(const struct _u_request *req, struct _u_response *resp, const struct app *app)\
    {                                                                                                           \
        audit_send_history(req, resp, app, entity);                                                             \
    }

#endif
