/*
 * internal/http/offerings.c: offerings (a provider delivers a method, at a
 * cost and with training) and their availability per county or municipality.
 */
#include <string.h>

#include "../db/providers.h"
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

/* Must match the trainee_role, delivery_mode and availability_status enums in sql/0006_providers.sql. */
static const char *const trainee_roles[] = { "behandlare", "handledare", NULL };
static const char *const delivery_modes[] = { "på plats", "digitalt", "båda", NULL };
static const char *const availability_statuses[] = {
    "tillgänglig", "begränsad", "väntelista", "planerad", "ej tillgänglig", NULL
};

static const struct field_spec offering_fields[] = {
    FIELD_SPEC_ID_REFERENCE("provider_id", true, "provider"),
    FIELD_SPEC_REFERENCE("method", true, "method"),
    FIELD_SPEC_INTEGER("startup_fee_sek", false, 0, 100000000),
    FIELD_SPEC_INTEGER("training_cost_per_participant_sek", false, 0, 100000000),
    FIELD_SPEC_INTEGER("cost_per_case_sek", false, 0, 100000000),
    FIELD_SPEC_INTEGER("yearly_fee_sek", false, 0, 100000000),
    FIELD_SPEC_NUMBER("training_days", false, 0, 365),
    FIELD_SPEC_CHOICES("training_for", false, trainee_roles),
    FIELD_SPEC_BOOLEAN("certification_required", false),
    FIELD_SPEC_CHOICE("delivery", true, delivery_modes),
    FIELD_SPEC_TEXTS("languages", false, 20, 40),
    FIELD_SPEC_OF("valid_from", FIELD_DATE, true),
    FIELD_SPEC_OF("valid_to", FIELD_DATE, false),
    FIELD_SPEC_OF("verified_on", FIELD_DATE, false),
    FIELD_SPEC_BOOLEAN("example", false),
    FIELD_SPEC_END,
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

/* The column keeps one decimal: 2.25 days would be stored as 2.3, so it is refused instead; and
 * languages must survive the CSV round trip. */
static void check_offering(const json_t *input, struct field_errors *errors)
{
    const json_t *days = json_object_get(input, "training_days");
    const json_t *language;
    size_t index;

    /* The CSV format joins languages with "|", so a language must not hold one. */
    json_array_foreach(json_object_get(input, "languages"), index, language) {
        if (json_is_string(language) && strchr(json_string_value(language), '|') != NULL) {
            field_errors_add(errors, "languages", "Field \"languages\" must not contain \"|\", which separates "
                             "languages in CSV.");
            break;
        }
    }
    if (json_is_number(days)) {
        double tenths = json_number_value(days) * 10;
        if (tenths - (double)(long long)(tenths + 0.5) > 1e-9 || (double)(long long)(tenths + 0.5) - tenths > 1e-9)
            field_errors_add(errors, "training_days", "Field \"training_days\" takes at most one decimal, such as 2.5.");
    }
}

static const struct writable_resource offering_writable = {
    .kind = "offering",
    .collection_path = "/v1/offerings",
    .fields = offering_fields,
    .low_field = "valid_from",
    .high_field = "valid_to",
    .db = &db_offerings_writable,
    .key_name = "id",
    .key_is_id = true,
    .owner_scope = DB_SCOPE_PROVIDER,
    .unique_fields = "valid_from, provider_id, method",
    .extra_check = check_offering,
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
void handle_offerings_list(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    if (respond_prefers_csv(req))
        offerings_csv_send_export(req, resp, app, &offering_list);
    else
        listing_send_page(req, resp, app, &offering_list);
}

/* GET /v1/counties/{code}/offerings?method=&provider=&updated_since=&limit=&cursor= (Accept: text/csv too) */
void handle_county_offerings(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    if (respond_prefers_csv(req))
        offerings_csv_send_export(req, resp, app, &county_offering_list);
    else
        listing_send_page(req, resp, app, &county_offering_list);
}

/* GET /v1/offerings/{id} */
void handle_offerings_get(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    listing_send_one(req, resp, app, &offering_one);
}

/* GET /v1/availability/{id} */
void handle_availability_get(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    listing_send_one(req, resp, app, &availability_one);
}

/* POST /v1/offerings, PUT|PATCH|DELETE /v1/offerings/{id} (admin or the owning provider's key) */
DEFINE_WRITE_HANDLERS(offerings, &offering_writable)
DEFINE_HISTORY_HANDLER(offerings, "offering")

/* POST /v1/availability, PUT|PATCH|DELETE /v1/availability/{id} (admin or the owning provider's key) */
DEFINE_WRITE_HANDLERS(availability, &availability_writable)
DEFINE_HISTORY_HANDLER(availability, "availability")
