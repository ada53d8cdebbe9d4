/*
 * internal/http/methods.c: the example methods (metoder), each embedding its type and survey figure.
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"
#include "../db/catalogue_write.h"
#include "audit.h"
#include "writes.h"

static const struct list_spec list = {
    .path = "/v1/methods",
    .key = { .name = "slug", .kind = PARAM_SLUG },
    .filters = {
        { .name = "intervention_type", .kind = PARAM_SLUG },
        { .name = "age", .kind = PARAM_AGE },
        { .name = "available_in_sweden", .kind = PARAM_BOOL },
        { .name = NULL },
    },
    .fetch = db_methods_list,
};

static const struct get_spec one = { "method", { .name = "slug", .kind = PARAM_SLUG }, db_methods_get };

/* GET /v1/methods?intervention_type=&age=&available_in_sweden=&updated_since=&limit=&cursor= */
void handle_methods_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                         struct db_read *read)
{
    listing_send_page(req, resp, app, read, &list);
}

/* GET /v1/methods/{slug} */
void handle_methods_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                        struct db_read *read)
{
    listing_send_one(req, resp, app, read, &one);
}

/* Must match the availability_in_sweden enum in sql/0001_schema.sql. */
static const char *const availability_values[] = { "tillgänglig", "forskningspilot", "planerad", "ej tillgänglig", NULL };

static const struct field_spec methods_fields[] = {
    FIELD_SPEC_SLUG("slug"),
    FIELD_SPEC_TEXT("abbreviation", true, 1, 40),
    FIELD_SPEC_TEXT("name_sv", true, 1, 200),
    FIELD_SPEC_TEXT("name_en", true, 1, 200),
    FIELD_SPEC_REFERENCE("intervention_type", true, "intervention type"),
    FIELD_SPEC_INTEGER("age_min", true, 0, 25),
    FIELD_SPEC_INTEGER("age_max", true, 0, 25),
    FIELD_SPEC_TEXT("format", true, 1, 200),
    FIELD_SPEC_TEXT("typical_duration", false, 0, 200),
    FIELD_SPEC_TEXT("purveyor", false, 0, 300),
    FIELD_SPEC_CHOICE("availability", true, availability_values),
    FIELD_SPEC_TEXT("availability_note", false, 0, 1000),
    FIELD_SPEC_BOOLEAN("swedish_presenter_2023", false),
    FIELD_SPEC_TEXT("description", false, 0, 10000),
    FIELD_SPEC_END,
};

static const struct writable_resource writable = {
    .kind = "method",
    .collection_path = "/v1/methods",
    .fields = methods_fields,
    .low_field = "age_min",
    .high_field = "age_max",
    .db = &db_methods_writable,
};

/* POST /v1/methods, PUT|PATCH|DELETE /v1/methods/{slug} */
DEFINE_WRITE_HANDLERS(methods, &writable)

/* GET /v1/methods/{slug}/history */
DEFINE_HISTORY_HANDLER(methods, "method")
