/*
 * internal/http/geography.c: counties (län) and municipalities (kommuner) by SCB code.
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"

static const struct list_spec county_list = {
    .path = "/v1/counties",
    .key = { .name = "code", .kind = PARAM_COUNTY_CODE },
    .filters = { { .name = NULL } },
    .fetch = db_counties_list,
};

static const struct get_spec county_one = { "county", { .name = "code", .kind = PARAM_COUNTY_CODE }, db_counties_get };

static const struct list_spec municipality_list = {
    .path = "/v1/municipalities",
    .key = { .name = "code", .kind = PARAM_MUNICIPALITY_CODE },
    .filters = { { .name = "county", .kind = PARAM_COUNTY_CODE }, { .name = NULL } },
    .fetch = db_municipalities_list,
};

static const struct get_spec municipality_one = {
    "municipality", { .name = "code", .kind = PARAM_MUNICIPALITY_CODE }, db_municipalities_get
};

/* GET /v1/counties?updated_since=&limit=&cursor= */
void handle_counties_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                          struct db_read *read)
{
    listing_send_page(req, resp, app, read, &county_list);
}

/* GET /v1/counties/{code} */
void handle_counties_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                         struct db_read *read)
{
    listing_send_one(req, resp, app, read, &county_one);
}

/* GET /v1/municipalities?county=&updated_since=&limit=&cursor= */
void handle_municipalities_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                struct db_read *read)
{
    listing_send_page(req, resp, app, read, &municipality_list);
}

/* GET /v1/municipalities/{code} */
void handle_municipalities_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                               struct db_read *read)
{
    listing_send_one(req, resp, app, read, &municipality_one);
}
