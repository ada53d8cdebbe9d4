/*
 * internal/http/providers.c: method providers, and who can deliver a method
 * in a county.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/catalogue.h"
#include "../db/providers.h"
#include "../validate/validate.h"
#include "audit.h"
#include "handlers.h"
#include "listing.h"
#include "problem.h"
#include "respond.h"
#include "writes.h"

/* Must match the provider_kind enum in sql/0006_providers.sql. */
static const char *const provider_kinds[] = { "kommun", "region", "statlig", "privat", "idéburen", "universitet", NULL };

static const struct list_spec provider_list = {
    .path = "/v1/providers",
    .key = { .name = "cursor", .kind = PARAM_ID },
    .filters = {
        { .name = "county", .kind = PARAM_COUNTY_CODE },
        { .name = "method", .kind = PARAM_SLUG },
        { .name = "kind", .kind = PARAM_CHOICE, .choices = provider_kinds },
        { .name = "q", .kind = PARAM_TEXT },
        { .name = NULL },
    },
    .fetch = db_providers_list,
};

static const struct get_spec provider_one = { "provider", { .name = "id", .kind = PARAM_ID }, db_providers_get };

static const struct field_spec provider_fields[] = {
    FIELD_SPEC_TEXT("name", true, 1, 200),
    FIELD_SPEC_OF("organisation_number", FIELD_ORGANISATION_NUMBER, true),
    FIELD_SPEC_CHOICE("kind", true, provider_kinds),
    FIELD_SPEC_OF("email", FIELD_EMAIL, false),
    FIELD_SPEC_OF("phone", FIELD_PHONE, false),
    FIELD_SPEC_URL("website", false),
    FIELD_SPEC_OF("home_county", FIELD_COUNTY_CODE, true),
    FIELD_SPEC_OF("municipality", FIELD_MUNICIPALITY_CODE, false),
    FIELD_SPEC_TEXT("description", false, 0, 10000),
    FIELD_SPEC_BOOLEAN("example", false),
    FIELD_SPEC_END,
};

/* A municipality that delivers a method itself is a provider of kind
 * "kommun", linked to its own code, in its own county. */
static void check_provider(const json_t *input, struct field_errors *errors)
{
    const char *municipality = json_string_value(json_object_get(input, "municipality"));
    const char *county = json_string_value(json_object_get(input, "home_county"));
    const char *kind = json_string_value(json_object_get(input, "kind"));

    if (municipality == NULL)
        return;
    if (kind != NULL && strcmp(kind, "kommun") != 0)
        field_errors_add(errors, "municipality", "Field \"municipality\" is only for providers of kind \"kommun\".");
    if (county != NULL && strncmp(municipality, county, 2) != 0)
        field_errors_add(errors, "municipality", "Field \"municipality\" must be a municipality in the home county "
                         "(its code starts with \"%.2s\").", county);
}

static const struct writable_resource provider_writable = {
    .kind = "provider",
    .collection_path = "/v1/providers",
    .fields = provider_fields,
    .db = &db_providers_writable,
    .key_name = "id",
    .key_is_id = true,
    .owner_scope = DB_SCOPE_PROVIDER,
    .extra_check = check_provider,
    .unique_fields = "organisation_number",
};

/* GET /v1/providers?county=&method=&kind=&q=&updated_since=&limit=&cursor= */
void handle_providers_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                           struct db_read *read)
{
    listing_send_page(req, resp, app, read, &provider_list);
}

/* GET /v1/providers/{id} */
void handle_providers_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                          struct db_read *read)
{
    listing_send_one(req, resp, app, read, &provider_one);
}

/* POST /v1/providers (admin), PUT|PATCH|DELETE /v1/providers/{id} (admin or the provider's key) */
DEFINE_WRITE_HANDLERS(providers, &provider_writable)

/* GET /v1/providers/{id}/history */
DEFINE_HISTORY_HANDLER(providers, "provider")

#define METHOD_PROVIDERS_DEFAULT_LIMIT 50
#define METHOD_PROVIDERS_MAX_LIMIT 200
#define METHOD_PROVIDERS_MAX_OFFSET 100000

/* Tells which of the method and the county was missing; asked only after a 404. */
static bool method_exists(const struct app *app, const char *slug)
{
    char *method = NULL;
    enum db_status status = db_methods_get(app->read_pool, slug, 0, &method);

    free(method);
    return status == DB_OK;
}

/* GET /v1/methods/{slug}/providers?county=&on=&sort=&limit=&offset= */
void handle_method_providers(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                             struct db_read *read)
{
    static const char *const sorts[] = { "availability", "cost", "training_days", "lead_time", NULL };
    static const struct param_spec specs[] = {
        { .name = "county", .kind = PARAM_COUNTY_CODE },
        { .name = "on", .kind = PARAM_DATE },
        { .name = "sort", .kind = PARAM_CHOICE, .choices = sorts },
    };
    static const char *const allowed[] = { "county", "on", "sort", "limit", "offset", NULL };
    static const char *const carried[] = { "county", "on", "sort", "limit", NULL };
    static const char *const path_params[] = { "slug", NULL };
    struct db_method_providers_query query = { .sort = "availability" };
    struct field_errors errors = { .count = 0 };
    const char *slug = u_map_get(req->map_url, "slug");
    const char *limit_value = u_map_get(req->map_url, "limit");
    const char *offset_value = u_map_get(req->map_url, "offset");
    char limit_text[16], offset_text[16];
    long limit = METHOD_PROVIDERS_DEFAULT_LIMIT, offset = 0;
    char *next_prefix = NULL;
    char *body = NULL;

    params_check_known(req, allowed, path_params, &errors);
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        params_check(&specs[i], u_map_get(req->map_url, specs[i].name), &errors);
    params_check_long("limit", limit_value, 1, METHOD_PROVIDERS_MAX_LIMIT, &limit, &errors);
    params_check_long("offset", offset_value, 0, METHOD_PROVIDERS_MAX_OFFSET, &offset, &errors);
    if (!params_ok_or_problem(resp, &errors))
        goto cleanup;
    if (!validate_is_slug(slug)) {
        problem_not_found(resp, "method", "slug", slug);
        goto cleanup;
    }
    snprintf(limit_text, sizeof(limit_text), "%ld", limit);
    snprintf(offset_text, sizeof(offset_text), "%ld", offset);
    if ((next_prefix = listing_next_prefix(req, req->url_path, carried, "offset")) == NULL) {
        problem_internal(resp);
        goto cleanup;
    }
    query.method = slug;
    query.county = u_map_get(req->map_url, "county");
    query.on = u_map_get(req->map_url, "on");
    if (u_map_get(req->map_url, "sort") != NULL)
        query.sort = u_map_get(req->map_url, "sort");
    query.limit = limit_text;
    query.offset = offset_text;
    query.next_prefix = next_prefix;
    query.read = read;
    enum db_status status = db_method_providers(app->read_pool, &query, &body);
    if (status == DB_OK)
        respond_json_text(resp, 200, body);
    else if (status == DB_NOT_FOUND && query.county != NULL && method_exists(app, slug))
        problem_not_found_param(resp, "county", "county", "code", query.county);
    else
        problem_from_db(resp, status, "method", "slug", slug);
cleanup:
    free(body);
    o_free(next_prefix);
}
