/*
 * internal/http/offerings.c: offerings (a provider delivers a method, at a
 * cost and with training) and their availability per county or municipality.
 */
#include <string.h>

#include "../db/providers.h"
#include "../validate/offerings.h"
#include "audit.h"
#include "handlers.h"
#include "listing.h"
#include "respond.h"
#include "offerings_csv.h"
#include "writes.h"

static const struct list_spec offering_list = {
    .path = "/v1/offerings",
    .key = { .name = "cursor", .kind = PARAM_ID },
    .filters = {
        { .name = "method", .kind = PARAM_SLUG },
        { .name = "provider", .kind = PARAM_ID },
        { .name = "county", .kind = PARAM_COUNTY_CODE },
        { .name = NULL },
    },
    .fetch = db_offerings_list,
};

/* The same list, for the county in the path. */
static const struct list_spec county_offering_list = {
    .path = NULL,
    .path_kind = "county",
    .key = { .name = "cursor", .kind = PARAM_ID },
    .filters = {
        { .name = "method", .kind = PARAM_SLUG },
        { .name = "provider", .kind = PARAM_ID },
        { .name = "code", .kind = PARAM_COUNTY_CODE, .in_path = true },
        { .name = NULL },
    },
    .fetch = db_offerings_list,
};

static const struct get_spec offering_one = { "offering", { .name = "id", .kind = PARAM_ID }, db_offerings_get };
static const struct get_spec availability_one = {
    "availability record", { .name = "id", .kind = PARAM_ID }, db_availability_get
};

/* Must match the availability_status enum in sql/0006_providers.sql. */
static const char *const availability_statuses[] = {
    "tillgänglig", "begränsad", "väntelista", "planerad", "ej tillgänglig", NULL
};

static const struct field_spec availability_fields[] = {
    FIELD_SPEC_ID_REFERENCE("offering_id", true, "offering"),
    FIELD_SPEC_OF("county", FIELD_COUNTY_CODE, true),
    FIELD_SPEC_OF("municipality", FIELD_MUNICIPALITY_CODE, false),
    FIELD_SPEC_CHOICE("status", true, availability_statuses),
    FIELD_SPEC_INTEGER("capacity_cases_per_year", false, 0, 1000000),
    FIELD_SPEC_INTEGER("lead_time_weeks", false, 0, 520),
    FIELD_SPEC_BOOLEAN("example", false),
    FIELD_SPEC_END,
};

static void check_availability(const json_t *input, struct field_errors *errors)
{
    const char *municipality = json_string_value(json_object_get(input, "municipality"));
    const char *county = json_string_value(json_object_get(input, "county"));

    if (municipality != NULL && county != NULL && strncmp(municipality, county, 2) != 0)
        field_errors_add(errors, "municipality", "Field \"municipality\" must be a municipality in the county "
                         "(its code starts with \"%.2s\").", county);
}

static const struct writable_resource offering_writable = {
    .kind = "offering",
    .collection_path = "/v1/offerings",
    .fields = validate_offering_fields,
    .low_field = "valid_from",
    .high_field = "valid_to",
    .db = &db_offerings_writable,
    .key_name = "id",
    .key_is_id = true,
    .owner_scope = DB_SCOPE_PROVIDER,
    .unique_fields = "valid_from, provider_id, method",
    .extra_check = validate_offering_rules,
};

static const struct writable_resource availability_writable = {
    .kind = "availability record",
    .collection_path = "/v1/availability",
    .fields = availability_fields,
    .db = &db_availability_writable,
    .key_name = "id",
    .key_is_id = true,
    .owner_scope = DB_SCOPE_PROVIDER,
    .extra_check = check_availability,
    .unique_fields = "county, municipality, offering_id",
};

/* GET /v1/offerings?method=&provider=&county=&updated_since=&limit=&cursor= (Accept: text/csv: all of them) */
void handle_offerings_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                           struct db_read *read)
{
    if (respond_prefers_csv(req))
        offerings_csv_send_export(req, resp, app, read, &offering_list);
    else
        listing_send_page(req, resp, app, read, &offering_list);
}

/* GET /v1/counties/{code}/offerings?method=&provider=&updated_since=&limit=&cursor= (Accept: text/csv too) */
void handle_county_offerings(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                             struct db_read *read)
{
    if (respond_prefers_csv(req))
        offerings_csv_send_export(req, resp, app, read, &county_offering_list);
    else
        listing_send_page(req, resp, app, read, &county_offering_list);
}

/* GET /v1/offerings/{id} */
void handle_offerings_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                          struct db_read *read)
{
    listing_send_one(req, resp, app, read, &offering_one);
}

/* GET /v1/availability/{id} */
void handle_availability_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                             struct db_read *read)
{
    listing_send_one(req, resp, app, read, &availability_one);
}

/* POST /v1/offerings, PUT|PATCH|DELETE /v1/offerings/{id} (admin or the owning provider's key) */
DEFINE_WRITE_HANDLERS(offerings, &offering_writable)
DEFINE_HISTORY_HANDLER(offerings, "offering")

/* POST /v1/availability, PUT|PATCH|DELETE /v1/availability/{id} (admin or the owning provider's key) */
DEFINE_WRITE_HANDLERS(availability, &availability_writable)
DEFINE_HISTORY_HANDLER(availability, "availability")
