/*
 * internal/http/intervention_types.c: the intervention types (insatstyper) that recommendations name.
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"

static const struct list_spec list = {
    .path = "/v1/intervention-types",
    .key = { "slug", PARAM_SLUG, NULL },
    .filters = { { NULL, 0, NULL } },
    .fetch = db_intervention_types_list,
};

static const struct get_spec one = { "intervention type", { "slug", PARAM_SLUG, NULL }, db_intervention_types_get };

/* GET /v1/intervention-types?updated_since=&limit=&cursor= */
void handle_intervention_types_list(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    listing_send_page(req, resp, app, &list);
}

/* GET /v1/intervention-types/{slug} */
void handle_intervention_types_get(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    listing_send_one(req, resp, app, &one);
}
