/*
 * internal/http/respond.c: successful responses.
 */
#include "respond.h"

#include <string.h>

#include "problem.h"

void respond_bytes(struct _u_response *resp, unsigned status, const char *content_type, const char *bytes,
                   size_t length)
{
    if (ulfius_set_binary_body_response(resp, status, bytes, length) != U_OK) {
        problem_internal(resp);
        return;
    }
    u_map_put(resp->map_header, "Content-Type", content_type);
    /* Clients may keep a copy but must revalidate it (cheap, with If-None-Match),
     * so a change to the catalogue is seen at once. */
    u_map_put(resp->map_header, "Cache-Control", "no-cache");
}

void respond_json_text(struct _u_response *resp, unsigned status, const char *json_text)
{
    respond_bytes(resp, status, "application/json", json_text, strlen(json_text));
}
