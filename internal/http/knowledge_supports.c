/*
 * internal/http/knowledge_supports.c: the knowledge supports (kunskapsstöd), each with its recommendations.
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"

static const struct list_spec list = {
    .path = "/v1/knowledge-supports",
    .key = { "slug", PARAM_SLUG, NULL },
    .filters = { { NULL, 0, NULL } },
    .fetch = db_knowledge_supports_list,
};

static const struct get_spec one = { "knowledge support", { "slug", PARAM_SLUG, NULL }, db_knowledge_supports_get };

/* GET /v1/knowledge-supports?updated_since=&limit=&cursor= */
void handle_knowledge_supports_list(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    listing_send_page(req, resp, app, &list);
}

/* GET /v1/knowledge-supports/{slug} */
void handle_knowledge_supports_get(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    listing_send_one(req, resp, app, &one);
}
