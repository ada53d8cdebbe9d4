/*
 * internal/http/materials.c: the support materials on Kunskapsguiden (films, workshop support, information).
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"

/* Must match the material_kind enum in sql/0001_schema.sql. */
static const char *const material_kinds[] = { "film", "workshopstöd", "föreläsning", "information", "rapport", NULL };

static const struct list_spec list = {
    .path = "/v1/materials",
    .key = { "slug", PARAM_SLUG, NULL },
    .filters = { { "kind", PARAM_CHOICE, material_kinds }, { NULL, 0, NULL } },
    .fetch = db_materials_list,
};

static const struct get_spec one = { "material", { "slug", PARAM_SLUG, NULL }, db_materials_get };

/* GET /v1/materials?kind=&updated_since=&limit=&cursor= */
void handle_materials_list(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    listing_send_page(req, resp, app, &list);
}

/* GET /v1/materials/{slug} */
void handle_materials_get(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    listing_send_one(req, resp, app, &one);
}
