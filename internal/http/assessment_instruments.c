/*
 * internal/http/assessment_instruments.c: the standardized assessment instruments (bedömningsmetoder).
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"

static const struct list_spec list = {
    .path = "/v1/assessment-instruments",
    .key = { "slug", PARAM_SLUG, NULL },
    .filters = { { "age", PARAM_AGE, NULL }, { NULL, 0, NULL } },
    .fetch = db_assessment_instruments_list,
};

static const struct get_spec one = {
    "assessment instrument", { "slug", PARAM_SLUG, NULL }, db_assessment_instruments_get
};

/* GET /v1/assessment-instruments?age=&updated_since=&limit=&cursor= */
void handle_assessment_instruments_list(const struct _u_request *req, struct _u_response *resp,
                                        const struct app *app)
{
    listing_send_page(req, resp, app, &list);
}

/* GET /v1/assessment-instruments/{slug} */
void handle_assessment_instruments_get(const struct _u_request *req, struct _u_response *resp,
                                       const struct app *app)
{
    listing_send_one(req, resp, app, &one);
}
