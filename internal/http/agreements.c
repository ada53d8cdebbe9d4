/*
 * internal/http/agreements.c: avtalssamverkan, agreements under kommunallagen
 * 9 kap. 37 § between a performing municipality (utförare) and the ones it
 * performs for (beställare), and their lifecycle.
 *
 * Who may write: admin, or a "municipality:<code>" key whose municipality is
 * a party (checked in the database, under the row lock); a party records
 * only its own decision. Drafts are shown to their parties and admin only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/agreements.h"
#include "../validate/validate.h"
#include "audit.h"
#include "auth.h"
#include "body.h"
#include "handlers.h"
#include "listing.h"
#include "problem.h"
#include "respond.h"
#include "writes.h"

/* Must match the enums in sql/0008_agreements.sql. */
static const char *const statuses[] = { "utkast", "föreslagen", "aktiv", "uppsagd", "upphört", NULL };
static const char *const models[] = { "fast årsavgift", "per ärende", "befolkningsandel", "lika delar", NULL };
static const char *const exemptions[] = { "myndighetssamverkan", "intern upphandling", NULL };
static const char *const roles[] = { "utförare", "beställare", NULL };
static const char *const bodies[] = { "kommunfullmäktige", "kommunstyrelse", "socialnämnd", "annan nämnd", NULL };

/* The most parties an agreement may list (the largest county has 49 municipalities). */
#define PARTIES_MAX 60

static const struct field_spec agreement_fields[] = {
    FIELD_SPEC_TEXT("title", true, 1, 300),
    FIELD_SPEC_TEXT("description", false, 0, 10000),
    FIELD_SPEC_TEXT("legal_basis", false, 1, 300),
    FIELD_SPEC_ID_REFERENCE("offering_id", false, "offering"),
    FIELD_SPEC_CHOICE("compensation_model", true, models),
    FIELD_SPEC_INTEGER("yearly_amount_sek", false, 0, 1000000000),
    FIELD_SPEC_INTEGER("per_case_sek", false, 0, 1000000000),
    FIELD_SPEC_OF("valid_from", FIELD_DATE, true),
    FIELD_SPEC_OF("valid_to", FIELD_DATE, false),
    FIELD_SPEC_BOOLEAN("automatic_renewal", false),
    FIELD_SPEC_INTEGER("notice_period_months", false, 0, 120),
    FIELD_SPEC_TEXT("indexation", false, 1, 300),
    FIELD_SPEC_BOOLEAN("includes_public_authority", false),
    FIELD_SPEC_TEXT("delegation", false, 1, 2000),
    FIELD_SPEC_CHOICE("procurement_exemption", true, exemptions),
    FIELD_SPEC_BOOLEAN("example", false),
    FIELD_SPEC_ARRAY("parties", true, PARTIES_MAX),
    FIELD_SPEC_TEXTS("methods", false, 20, 64),
    FIELD_SPEC_TEXTS("intervention_types", false, 10, 64),
    FIELD_SPEC_END,
};

static const struct field_spec party_fields[] = {
    FIELD_SPEC_OF("municipality", FIELD_MUNICIPALITY_CODE, true),
    FIELD_SPEC_CHOICE("role", true, roles),
    FIELD_SPEC_NUMBER("share_percent", false, 0, 100),
    FIELD_SPEC_INTEGER("population", false, 1, 100000000),
    FIELD_SPEC_OBJECT("decision", false),
    FIELD_SPEC_END,
};

static const struct field_spec decision_fields[] = {
    FIELD_SPEC_CHOICE("body", true, bodies),
    FIELD_SPEC_OF("date", FIELD_DATE, true),
    FIELD_SPEC_TEXT("paragraph", false, 1, 100),
    FIELD_SPEC_TEXT("reference", false, 1, 100),   /* diarienummer */
    FIELD_SPEC_END,
};

static bool is(const json_t *input, const char *field, const char *value)
{
    const char *text = json_string_value(json_object_get(input, field));
    return text != NULL && strcmp(text, value) == 0;
}

/* The parties: two or more distinct municipalities, one performer who does not
 * also order, and shares that add up where the model takes stated shares. */
static void check_parties(const json_t *input, struct field_errors *errors)
{
    const json_t *parties = json_object_get(input, "parties");
    bool stated_shares = is(input, "compensation_model", "fast årsavgift");
    size_t index, performers = 0, orderers = 0;
    double share_sum = 0;
    const json_t *party;
    char path[48];

    /* Too many parties is reported by the field table: check nothing inside them. */
    if (!json_is_array(parties) || json_array_size(parties) > PARTIES_MAX)
        return;
    if (!fields_check_nested(input, "parties", party_fields, errors))
        return;
    /* Codes are four digits here (checked above): one flag per possible code, not a pairwise search. */
    bool seen[10000] = { false };
    json_array_foreach(parties, index, party) {
        const char *code = json_string_value(json_object_get(party, "municipality"));
        bool performer = is(party, "role", "utförare");
        const json_t *share = json_object_get(party, "share_percent");
        struct field_errors nested = { .count = 0 };

        snprintf(path, sizeof(path), "parties[%zu].decision", index);
        if (json_is_object(json_object_get(party, "decision"))) {
            fields_check_object(json_object_get(party, "decision"), decision_fields, &nested);
            fields_add_prefixed(errors, &nested, path);
        }
        performers += performer;
        orderers += !performer;
        int number = code != NULL ? atoi(code) : -1;
        if (number >= 0 && number < 10000 && seen[number])
            field_errors_add(errors, "parties", "Municipality \"%s\" is a party more than once; the performer "
                             "cannot also be an orderer.", code);
        else if (number >= 0 && number < 10000)
            seen[number] = true;
        if (json_is_number(share) && (performer || !stated_shares))
            field_errors_add(errors, "parties", "Only orderers under \"fast årsavgift\" state a share_percent; "
                             "other models derive the shares.");
        if (json_is_number(share)) {
            /* Stored with two decimals and above zero: refuse what would be rounded or is empty. */
            double hundredths = json_number_value(share) * 100;
            char share_path[48];
            snprintf(share_path, sizeof(share_path), "parties[%zu].share_percent", index);
            if (json_number_value(share) <= 0 || fabs(hundredths - round(hundredths)) > 1e-6)
                field_errors_add_at(errors, share_path, "Field \"%s\" must be above 0 with at most two decimals, "
                                    "such as 33.33.", share_path);
        }
        if (stated_shares && !performer) {
            if (json_is_number(share))
                share_sum += json_number_value(share);
            else
                field_errors_add(errors, "parties", "Under \"fast årsavgift\" every orderer needs a share_percent.");
        }
    }
    if (json_array_size(parties) < 2 || performers != 1 || orderers < 1)
        field_errors_add(errors, "parties", "An agreement needs one performer (utförare) and at least one orderer "
                         "(beställare), all different municipalities.");
    if (stated_shares && orderers > 0 && fabs(share_sum - 100.0) > 0.005)
        field_errors_add(errors, "parties", "The orderers' share_percent must add up to 100; they add up to %.2f.",
                         share_sum);
}

static void check_agreement(const json_t *input, struct field_errors *errors)
{
    bool per_case = is(input, "compensation_model", "per ärende");
    const json_t *delegation = json_object_get(input, "delegation");

    check_parties(input, errors);
    if (per_case && !json_is_integer(json_object_get(input, "per_case_sek")))
        field_errors_add(errors, "per_case_sek", "Field \"per_case_sek\" is required under \"per ärende\".");
    if (per_case && json_object_get(input, "yearly_amount_sek") != NULL
        && !json_is_null(json_object_get(input, "yearly_amount_sek")))
        field_errors_add(errors, "yearly_amount_sek", "Field \"yearly_amount_sek\" is not used under \"per ärende\".");
    if (!per_case && json_object_get(input, "compensation_model") != NULL
        && !json_is_integer(json_object_get(input, "yearly_amount_sek")))
        field_errors_add(errors, "yearly_amount_sek", "Field \"yearly_amount_sek\" is required under this model.");
    if (!per_case && json_object_get(input, "per_case_sek") != NULL && !json_is_null(json_object_get(input, "per_case_sek")))
        field_errors_add(errors, "per_case_sek", "Field \"per_case_sek\" is only used under \"per ärende\".");
    if (json_is_true(json_object_get(input, "includes_public_authority")) && !json_is_string(delegation))
        field_errors_add(errors, "delegation", "Field \"delegation\" is required when the agreement includes "
                         "myndighetsutövning.");
    if (json_array_size(json_object_get(input, "methods")) + json_array_size(json_object_get(input, "intervention_types")) == 0)
        field_errors_add(errors, "methods", "An agreement must cover at least one method or intervention type.");
}

static const struct writable_resource agreement_writable = {
    .kind = "agreement",
    .collection_path = "/v1/agreements",
    .fields = agreement_fields,
    .low_field = "valid_from",
    .high_field = "valid_to",
    .db = &db_agreements_writable,
    .key_name = "id",
    .key_is_id = true,
    .owner_scope = DB_SCOPE_MUNICIPALITY,
    .extra_check = check_agreement,
    /* How many recorded decisions a change of terms cleared (none: no header). */
    .note_header = "Decisions-Cleared",
};

/* POST /v1/agreements, PUT|PATCH|DELETE /v1/agreements/{id} (admin or a party's key) */
DEFINE_WRITE_HANDLERS(agreements, &agreement_writable)

/* GET /v1/agreements/{id}/history */
DEFINE_HISTORY_HANDLER(agreements, "agreement")

/*
 * Who is asking, for the drafts: "admin", a municipality code, or NULL for
 * the public. A key is optional on reads, but one that is sent must be valid
 * (401 otherwise, and false returned).
 */
static bool viewer_or_problem(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                              char viewer[40], const char **out)
{
    struct db_key key;

    *out = NULL;
    if (u_map_get_case(req->map_header, "Authorization") == NULL)
        return true;
    if (!auth_key_or_problem(req, resp, app, &key))
        return false;
    const char *code;
    enum db_scope_kind scope = db_key_scope(&key, &code);
    if (scope == DB_SCOPE_ADMIN)
        snprintf(viewer, 40, "admin");
    else if (scope == DB_SCOPE_MUNICIPALITY)
        snprintf(viewer, 40, "%s", code);
    else
        return true;   /* other scopes see what the public sees */
    *out = viewer;
    return true;
}

/* The filters both lists share, after the municipality one (query or path). */
#define AGREEMENT_FILTERS(...)                                                                          \
    { __VA_ARGS__ }, { .name = "county", .kind = PARAM_COUNTY_CODE }, { .name = "method", .kind = PARAM_SLUG }, \
        { .name = "status", .kind = PARAM_CHOICE, .choices = statuses },                                 \
        { .name = "active_on", .kind = PARAM_DATE }, { .name = "viewer", .kind = PARAM_TEXT }, { .name = NULL }

static const struct list_spec agreement_list = {
    .path = "/v1/agreements",
    .key = { .name = "cursor", .kind = PARAM_ID },
    .filters = { AGREEMENT_FILTERS(.name = "municipality", .kind = PARAM_MUNICIPALITY_CODE) },
    .fetch = db_agreements_list,
};

static const struct list_spec municipality_agreement_list = {
    .path = NULL,
    .path_kind = "municipality",
    .key = { .name = "cursor", .kind = PARAM_ID },
    .filters = { AGREEMENT_FILTERS(.name = "code", .kind = PARAM_MUNICIPALITY_CODE, .in_path = true) },
    .fetch = db_agreements_list,
};

#define VIEWER_FILTER 5   /* index of "viewer" in AGREEMENT_FILTERS */

/* Both lists: the viewer is a filter the client cannot set, only its key. */
static void send_agreement_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                struct db_read *read, const struct list_spec *spec)
{
    char viewer_text[40];
    const char *viewer;
    struct list_spec with_viewer = *spec;

    if (!viewer_or_problem(req, resp, app, viewer_text, &viewer))
        return;
    /* A constant nobody's municipality code equals stands for the public. */
    with_viewer.filters[VIEWER_FILTER].constant = viewer ? viewer : "public";
    listing_send_page(req, resp, app, read, &with_viewer);
}

/* GET /v1/agreements?municipality=&county=&method=&status=&active_on=&updated_since=&limit=&cursor= */
void handle_agreements_list(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                            struct db_read *read)
{
    send_agreement_list(req, resp, app, read, &agreement_list);
}

/* GET /v1/municipalities/{code}/agreements?county=&method=&status=&active_on=&limit=&cursor= */
void handle_municipality_agreements(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                                    struct db_read *read)
{
    send_agreement_list(req, resp, app, read, &municipality_agreement_list);
}

/* GET /v1/agreements/{id} */
void handle_agreements_get(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                           struct db_read *read)
{
    static const char *const path_params[] = { "id", NULL };
    const char *id = u_map_get(req->map_url, "id");
    struct field_errors errors = { .count = 0 };
    char viewer_text[40];
    const char *viewer;
    char *body = NULL;
    long number;

    params_check_known(req, NULL, path_params, &errors);
    if (!params_ok_or_problem(resp, &errors) || !viewer_or_problem(req, resp, app, viewer_text, &viewer))
        return;
    if (!validate_parse_long(id, 1, 999999999999999999L, &number)) {
        problem_not_found(resp, "agreement", "id", id);
        return;
    }
    enum db_status status = db_agreements_get(app->read_pool, id, viewer ? viewer : "public", read,
                                              &body);
    if (status == DB_OK)
        respond_json_text(resp, 200, body);
    else   /* a draft the viewer may not see is as absent as one that does not exist */
        problem_from_db(resp, status, "agreement", "id", id);
    free(body);
}

/*
 * Who gives notice ("uppsagd"): a party's key gives it for its own
 * municipality; admin names the party in "given_by" (or records the notice
 * without one). Otherwise 400 or 403 (naming given_by) has been sent and
 * false returned.
 */
static bool notice_party_or_problem(struct _u_response *resp, const json_t *body, const struct db_key *actor,
                                    const char *to, const char **given_by)
{
    const json_t *named = json_object_get(body, "given_by");
    const char *code = NULL;
    bool party_key = db_key_scope(actor, &code) == DB_SCOPE_MUNICIPALITY;
    struct field_error error = { .field = "given_by" };

    *given_by = party_key ? code : json_string_value(named);
    if (named != NULL && strcmp(to, "uppsagd") != 0)
        snprintf(error.message, sizeof(error.message), "Field \"given_by\" is only for notice (\"to\": \"uppsagd\").");
    else if (named != NULL && !validate_is_municipality_code(json_string_value(named)))
        snprintf(error.message, sizeof(error.message), "Field \"given_by\" must be a party's municipality code, "
                 "such as \"0381\".");
    else if (party_key && named != NULL && strcmp(json_string_value(named), code) != 0) {
        snprintf(error.message, sizeof(error.message), "A party gives notice only for itself: \"given_by\" must be "
                 "\"%s\" or left out.", code);
        problem_send(resp, 403, "/problems/forbidden", "forbidden", error.message, &error, 1);
        return false;
    } else
        return true;
    problem_invalid_body(resp, &error, 1);
    return false;
}

/* POST /v1/agreements/{id}/transitions {"to": "föreslagen"} with If-Match; notice may name "given_by" */
void handle_agreement_transitions(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    static const struct writable_resource lifecycle = {
        .kind = "agreement", .collection_path = "/v1/agreements", .db = &db_agreement_transitions_writable,
        .key_name = "id", .key_is_id = true, .owner_scope = DB_SCOPE_MUNICIPALITY,
    };
    struct db_write_result result;
    struct db_key actor;
    json_t *body = NULL;
    json_t *change = NULL;
    char *change_text = NULL;
    const char *id, *if_match, *given_by;

    if (!writes_writer_or_problem(req, resp, app, &lifecycle, &actor)
        || (id = writes_path_key_or_problem(req, resp, &lifecycle)) == NULL
        || (if_match = writes_if_match_or_problem(req, resp)) == NULL || !body_json_or_problem(req, resp, false, &body))
        goto cleanup;
    const char *to = json_string_value(json_object_get(body, "to"));
    bool is_status = false;
    for (size_t i = 0; to != NULL && statuses[i] != NULL; i++)
        is_status = is_status || strcmp(statuses[i], to) == 0;
    size_t members = json_object_size(body) - (json_object_get(body, "given_by") != NULL);
    if (!json_is_object(body) || members != 1 || !is_status) {
        struct field_error error = { .field = "to", .message = "The body must be {\"to\": <status>}, the status one "
                                                               "of utkast, föreslagen, aktiv, uppsagd, upphört "
                                                               "(and for uppsagd, \"given_by\")." };
        problem_invalid_body(resp, &error, 1);
        goto cleanup;
    }
    if (!notice_party_or_problem(resp, body, &actor, to, &given_by))
        goto cleanup;
    change = json_pack("{s:s, s:s?}", "to", to, "given_by", strcmp(to, "uppsagd") == 0 ? given_by : NULL);
    if (change == NULL || (change_text = json_dumps(change, JSON_COMPACT)) == NULL) {
        problem_internal(resp);
        goto cleanup;
    }
    /* The lifecycle's rules are the database layer's; a refusal comes back as facts. */
    db_write_run(app->pool, lifecycle.db, DB_WRITE_UPDATE, id, change_text, if_match, &actor, NULL, &result);
    writes_respond(req, resp, &lifecycle, &result, id, body, 200);
    db_write_result_release(&result);
cleanup:
    free(change_text);
    json_decref(change);
    json_decref(body);
}
