/*
 * internal/http/audit.c: the audit trail, as a list and per record.
 */
#include "audit.h"

#include "../db/audit.h"
#include "auth.h"
#include "handlers.h"
#include "listing.h"

/* Must match the entity names in db/catalogue_write.c and db/providers.c. */
static const char *const audit_entities[] = {
    "knowledge_support", "intervention_type", "recommendation", "method", "assessment_instrument", "material",
    "provider", "offering", "availability", "agreement", NULL,
};

static const struct list_spec audit_list = {
    .path = "/v1/audit",
    .since_name = "since",
    .key = { .name = "cursor", .kind = PARAM_ID },
    .filters = {
        { .name = "entity", .kind = PARAM_CHOICE, .choices = audit_entities },
        { .name = "id", .kind = PARAM_TEXT },
        { .name = "key", .kind = PARAM_TEXT },
        { .name = "until", .kind = PARAM_TIMESTAMP },
        { .name = NULL },
    },
    .fetch = db_audit_list,
};

/* GET /v1/audit?entity=&id=&key=&since=&until=&limit=&cursor= */
void handle_audit_list(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    struct db_key actor;
    if (auth_or_problem(req, resp, app, NULL, &actor))
        listing_send_page(req, resp, app, NULL, &audit_list);
}

void audit_send_history(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                        const char *entity)
{
    /* Catalogue records are keyed by slug; providers, offerings and availability by id. */
    const char *key_name = u_map_get(req->map_url, "slug") ? "slug" : "id";
    enum param_kind key_kind = u_map_get(req->map_url, "slug") ? PARAM_SLUG : PARAM_ID;
    const struct list_spec history = {
        .path = NULL,   /* the request's own path */
        .since_name = "since",
        .key = { .name = "cursor", .kind = PARAM_ID },
        .filters = {
            { .name = "entity", .kind = PARAM_TEXT, .constant = entity },
            { .name = key_name, .kind = key_kind, .in_path = true },
            { .name = "key", .kind = PARAM_TEXT },
            { .name = "until", .kind = PARAM_TIMESTAMP },
            { .name = NULL },
        },
        .fetch = db_audit_list,
    };
    struct db_key actor;

    if (auth_or_problem(req, resp, app, NULL, &actor))
        listing_send_page(req, resp, app, NULL, &history);
}
