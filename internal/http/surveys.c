/*
 * internal/http/surveys.c: surveys of method use, such as the pilot of 2022/23, with their results.
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"

static const struct list_spec list = {
    .path = "/v1/surveys",
    .key = { .name = "slug", .kind = PARAM_SLUG },
    .filters = { { .name = NULL } },
    .fetch = db_surveys_list,
};

static const struct get_spec one = { "survey", { .name = "slug", .kind = PARAM_SLUG }, db_surveys_get };

/* GET /v1/surveys?updated_since=&limit=&cursor= */
void handle_surveys_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                         struct db_read *read)
{
    listing_send_page(req, resp, app, read, &list);
}

/* GET /v1/surveys/{slug} */
void handle_surveys_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                        struct db_read *read)
{
    listing_send_one(req, resp, app, read, &one);
}
