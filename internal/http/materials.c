/*
 * internal/http/materials.c: the support materials on Kunskapsguiden (films, workshop support, information).
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"
#include "../db/catalogue_write.h"
#include "audit.h"
#include "writes.h"

/* Must match the material_kind enum in sql/0001_schema.sql. */
static const char *const material_kinds[] = { "film", "workshopstöd", "föreläsning", "information", "rapport", NULL };

static const struct list_spec list = {
    .path = "/v1/materials",
    .key = { .name = "slug", .kind = PARAM_SLUG },
    .filters = { { .name = "kind", .kind = PARAM_CHOICE, .choices = material_kinds }, { .name = NULL } },
    .fetch = db_materials_list,
};

static const struct get_spec one = { "material", { .name = "slug", .kind = PARAM_SLUG }, db_materials_get };

/* GET /v1/materials?kind=&updated_since=&limit=&cursor= */
void handle_materials_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                           struct db_read *read)
{
    listing_send_page(req, resp, app, read, &list);
}

/* GET /v1/materials/{slug} */
void handle_materials_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                          struct db_read *read)
{
    listing_send_one(req, resp, app, read, &one);
}

static const struct field_spec materials_fields[] = {
    FIELD_SPEC_SLUG("slug"),
    FIELD_SPEC_REFERENCE("knowledge_support", false, "knowledge support"),
    FIELD_SPEC_TEXT("title", true, 1, 300),
    FIELD_SPEC_CHOICES("kinds", true, material_kinds),
    FIELD_SPEC_TEXT("audience", true, 1, 500),
    FIELD_SPEC_TEXT("publisher", true, 1, 200),
    FIELD_SPEC_TEXT("description", false, 0, 10000),
    FIELD_SPEC_URL("url", false),
    FIELD_SPEC_END,
};

static const struct writable_resource writable = {
    .kind = "material",
    .collection_path = "/v1/materials",
    .fields = materials_fields,
    .low_field = NULL,
    .high_field = NULL,
    .db = &db_materials_writable,
};

/* POST /v1/materials, PUT|PATCH|DELETE /v1/materials/{slug} */
DEFINE_WRITE_HANDLERS(materials, &writable)

/* GET /v1/materials/{slug}/history */
DEFINE_HISTORY_HANDLER(materials, "material")
