/*
 * internal/http/methods.c: the example methods (metoder), each embedding its type and survey figure.
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"

static const struct list_spec list = {
    .path = "/v1/methods",
    .key = { "slug", PARAM_SLUG, NULL },
    .filters = {
        { "intervention_type", PARAM_SLUG, NULL },
        { "age", PARAM_AGE, NULL },
        { "available_in_sweden", PARAM_BOOL, NULL },
        { NULL, 0, NULL },
    },
    .fetch = db_methods_list,
};

static const struct get_spec one = { "method", { "slug", PARAM_SLUG, NULL }, db_methods_get };

/* GET /v1/methods?intervention_type=&age=&available_in_sweden=&updated_since=&limit=&cursor= */
void handle_methods_list(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    listing_send_page(req, resp, app, &list);
}

/* GET /v1/methods/{slug} */
void handle_methods_get(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    listing_send_one(req, resp, app, &one);
}
