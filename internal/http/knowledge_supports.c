/*
 * internal/http/knowledge_supports.c: the knowledge supports (kunskapsstöd), each with its recommendations.
 */
#include "handlers.h"
#include "listing.h"
#include "../db/catalogue.h"
#include "../db/catalogue_write.h"
#include "audit.h"
#include "writes.h"

static const struct list_spec list = {
    .path = "/v1/knowledge-supports",
    .key = { .name = "slug", .kind = PARAM_SLUG },
    .filters = { { .name = NULL } },
    .fetch = db_knowledge_supports_list,
};

static const struct get_spec one = { "knowledge support", { .name = "slug", .kind = PARAM_SLUG }, db_knowledge_supports_get };

/* GET /v1/knowledge-supports?updated_since=&limit=&cursor= */
void handle_knowledge_supports_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                    struct db_read *read)
{
    listing_send_page(req, resp, app, read, &list);
}

/* GET /v1/knowledge-supports/{slug} */
void handle_knowledge_supports_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                   struct db_read *read)
{
    listing_send_one(req, resp, app, read, &one);
}

static const struct field_spec knowledge_supports_fields[] = {
    FIELD_SPEC_SLUG("slug"),
    FIELD_SPEC_TEXT("title", true, 1, 300),
    FIELD_SPEC_TEXT("publisher", true, 1, 200),
    FIELD_SPEC_INTEGER("published_year", true, 1990, 2100),
    FIELD_SPEC_TEXT("target_group", true, 1, 500),
    FIELD_SPEC_INTEGER("age_min", true, 0, 25),
    FIELD_SPEC_INTEGER("age_max", true, 0, 25),
    FIELD_SPEC_TEXT("model", false, 0, 200),
    FIELD_SPEC_TEXT("description", false, 0, 10000),
    FIELD_SPEC_URL("url", false),
    FIELD_SPEC_END,
};

static const struct writable_resource writable = {
    .kind = "knowledge support",
    .collection_path = "/v1/knowledge-supports",
    .fields = knowledge_supports_fields,
    .low_field = "age_min",
    .high_field = "age_max",
    .db = &db_knowledge_supports_writable,
};

/* POST /v1/knowledge-supports, PUT|PATCH|DELETE /v1/knowledge-supports/{slug} */
DEFINE_WRITE_HANDLERS(knowledge_supports, &writable)

/* GET /v1/knowledge-supports/{slug}/history */
DEFINE_HISTORY_HANDLER(knowledge_supports, "knowledge_support")

/* Recommendations are listed inside their knowledge support, and are also
 * records of their own so that they can be edited one by one. */

/* Must match the recommendation_strength enum in sql/0001_schema.sql. */
static const char *const strengths[] = { "bör", "kan", "kan i undantagsfall", "bör inte", "FoU", NULL };

static const struct list_spec recommendation_list = {
    .path = "/v1/recommendations",
    .key = { .name = "slug", .kind = PARAM_SLUG },
    .filters = {
        { .name = "knowledge_support", .kind = PARAM_SLUG },
        { .name = "intervention_type", .kind = PARAM_SLUG },
        { .name = "strength", .kind = PARAM_CHOICE, .choices = strengths },
        { .name = NULL },
    },
    .fetch = db_recommendations_list,
};

static const struct get_spec recommendation_one = {
    "recommendation", { .name = "slug", .kind = PARAM_SLUG }, db_recommendations_get
};

static const struct field_spec recommendation_fields[] = {
    FIELD_SPEC_SLUG("slug"),
    FIELD_SPEC_REFERENCE("knowledge_support", true, "knowledge support"),
    FIELD_SPEC_REFERENCE("intervention_type", true, "intervention type"),
    FIELD_SPEC_TEXT("target_group", true, 1, 500),
    FIELD_SPEC_INTEGER("age_min", true, 0, 25),
    FIELD_SPEC_INTEGER("age_max", true, 0, 25),
    FIELD_SPEC_CHOICE("strength", true, strengths),
    FIELD_SPEC_TEXT("statement", true, 1, 2000),
    FIELD_SPEC_INTEGER("rank", false, 0, 1000),
    FIELD_SPEC_END,
};

static const struct writable_resource recommendation_writable = {
    .kind = "recommendation",
    .collection_path = "/v1/recommendations",
    .fields = recommendation_fields,
    .low_field = "age_min",
    .high_field = "age_max",
    .db = &db_recommendations_writable,
};

/* GET /v1/recommendations?knowledge_support=&intervention_type=&strength=&updated_since=&limit=&cursor= */
void handle_recommendations_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                 struct db_read *read)
{
    listing_send_page(req, resp, app, read, &recommendation_list);
}

/* GET /v1/recommendations/{slug} */
void handle_recommendations_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                struct db_read *read)
{
    listing_send_one(req, resp, app, read, &recommendation_one);
}

/* POST /v1/recommendations, PUT|PATCH|DELETE /v1/recommendations/{slug} */
DEFINE_WRITE_HANDLERS(recommendations, &recommendation_writable)

/* GET /v1/recommendations/{slug}/history */
DEFINE_HISTORY_HANDLER(recommendations, "recommendation")
