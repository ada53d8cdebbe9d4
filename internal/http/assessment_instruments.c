/*
 * internal/http/assessment_instruments.c: the standardized assessment instruments (bedömningsmetoder).
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"
#include "../db/catalogue_write.h"
#include "audit.h"
#include "writes.h"

static const struct list_spec list = {
    .path = "/v1/assessment-instruments",
    .key = { .name = "slug", .kind = PARAM_SLUG },
    .filters = { { .name = "age", .kind = PARAM_AGE }, { .name = NULL } },
    .fetch = db_assessment_instruments_list,
};

static const struct get_spec one = {
    "assessment instrument", { .name = "slug", .kind = PARAM_SLUG }, db_assessment_instruments_get
};

/* GET /v1/assessment-instruments?age=&updated_since=&limit=&cursor= */
void handle_assessment_instruments_list(const struct _u_request *req, struct _u_response *resp,
                                        const struct app *app, struct db_read *read)
{
    listing_send_page(req, resp, app, read, &list);
}

/* GET /v1/assessment-instruments/{slug} */
void handle_assessment_instruments_get(const struct _u_request *req, struct _u_response *resp,
                                       const struct app *app, struct db_read *read)
{
    listing_send_one(req, resp, app, read, &one);
}

static const struct field_spec assessment_instruments_fields[] = {
    FIELD_SPEC_SLUG("slug"),
    FIELD_SPEC_TEXT("abbreviation", true, 1, 40),
    FIELD_SPEC_TEXT("name", true, 1, 300),
    FIELD_SPEC_TEXTS("other_names", false, 10, 100),
    FIELD_SPEC_TEXT("assesses", true, 1, 300),
    FIELD_SPEC_INTEGER("age_min", true, 0, 25),
    FIELD_SPEC_INTEGER("age_max", true, 0, 25),
    FIELD_SPEC_TEXT("publisher", false, 0, 300),
    FIELD_SPEC_TEXT("description", false, 0, 10000),
    FIELD_SPEC_END,
};

static const struct writable_resource writable = {
    .kind = "assessment instrument",
    .collection_path = "/v1/assessment-instruments",
    .fields = assessment_instruments_fields,
    .low_field = "age_min",
    .high_field = "age_max",
    .db = &db_assessment_instruments_writable,
};

/* POST /v1/assessment-instruments, PUT|PATCH|DELETE /v1/assessment-instruments/{slug} */
DEFINE_WRITE_HANDLERS(assessment_instruments, &writable)

/* GET /v1/assessment-instruments/{slug}/history */
DEFINE_HISTORY_HANDLER(assessment_instruments, "assessment_instrument")
