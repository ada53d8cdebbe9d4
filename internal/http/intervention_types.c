/*
 * internal/http/intervention_types.c: the intervention types (insatstyper) that recommendations name.
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"
#include "../db/catalogue_write.h"
#include "audit.h"
#include "writes.h"

static const struct list_spec list = {
    .path = "/v1/intervention-types",
    .key = { .name = "slug", .kind = PARAM_SLUG },
    .filters = { { .name = NULL } },
    .fetch = db_intervention_types_list,
};

static const struct get_spec one = { "intervention type", { .name = "slug", .kind = PARAM_SLUG }, db_intervention_types_get };

/* GET /v1/intervention-types?updated_since=&limit=&cursor= */
void handle_intervention_types_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                    struct db_read *read)
{
    listing_send_page(req, resp, app, read, &list);
}

/* GET /v1/intervention-types/{slug} */
void handle_intervention_types_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                   struct db_read *read)
{
    listing_send_one(req, resp, app, read, &one);
}

static const struct field_spec intervention_types_fields[] = {
    FIELD_SPEC_SLUG("slug"),
    FIELD_SPEC_TEXT("name_sv", true, 1, 200),
    FIELD_SPEC_TEXT("name_en", true, 1, 200),
    FIELD_SPEC_TEXT("description", false, 0, 10000),
    FIELD_SPEC_END,
};

static const struct writable_resource writable = {
    .kind = "intervention type",
    .collection_path = "/v1/intervention-types",
    .fields = intervention_types_fields,
    .low_field = NULL,
    .high_field = NULL,
    .db = &db_intervention_types_writable,
};

/* POST /v1/intervention-types, PUT|PATCH|DELETE /v1/intervention-types/{slug} */
DEFINE_WRITE_HANDLERS(intervention_types, &writable)

/* GET /v1/intervention-types/{slug}/history */
DEFINE_HISTORY_HANDLER(intervention_types, "intervention_type")
