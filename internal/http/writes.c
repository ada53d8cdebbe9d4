/*
 * internal/http/writes.c: one body for every write: the catalogue, providers, offerings,
 * availability and agreements differ only in their field specs, rules and SQL.
 */
#include "writes.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../validate/validate.h"
#include "auth.h"
#include "body.h"
#include "params.h"
#include "problem.h"
#include "respond.h"

/* Checks an input object, appending every bad field to errors; whether there were none. */
static bool check_input(const struct writable_resource *resource, const json_t *input, const char *path_slug,
                        struct field_errors *errors)
{
    const char *slug = json_string_value(json_object_get(input, "slug"));

    fields_check_object(input, resource->fields, errors);
    if (resource->low_field != NULL)
        fields_check_order(input, resource->low_field, resource->high_field, errors);
    if (resource->extra_check != NULL)
        resource->extra_check(input, errors);
    if (!resource->key_is_id && path_slug != NULL && slug != NULL && strcmp(slug, path_slug) != 0)
        field_errors_add(errors, "slug", "Field \"slug\" cannot be changed; it must be \"%s\" or left out.",
                         path_slug);
    return errors->count == 0;
}

/* Checks an input object; sends 400 naming every bad field when it fails. */
static bool valid_input_or_problem(struct _u_response *resp, const struct writable_resource *resource,
                                   const json_t *input, const char *path_slug)
{
    struct field_errors errors = { .count = 0 };

    if (check_input(resource, input, path_slug, &errors))
        return true;
    problem_invalid_body(resp, errors.items, errors.count);
    return false;
}

static const char *key_name(const struct writable_resource *resource)
{
    return resource->key_name ? resource->key_name : "slug";
}

/* The path's key, or a 404 when it cannot name a record. */
const char *writes_path_key_or_problem(const struct _u_request *req, struct _u_response *resp,
                                        const struct writable_resource *resource)
{
    const char *path_params[] = { key_name(resource), NULL };
    const char *key = u_map_get(req->map_url, key_name(resource));
    struct field_errors errors = { .count = 0 };
    long id;

    /* Writes take no query parameters; one would also shadow the path key. */
    params_check_known(req, NULL, path_params, &errors);
    if (!params_ok_or_problem(resp, &errors))
        return NULL;
    bool valid = resource->key_is_id ? validate_parse_long(key, 1, 999999999999999999L, &id) : validate_is_slug(key);
    if (!valid) {
        problem_not_found(resp, resource->kind, key_name(resource), key);
        return NULL;
    }
    return key;
}

/* Admin keys may write everything; owner-scoped keys what the db layer finds they own. */
bool writes_writer_or_problem(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                              const struct writable_resource *resource, struct db_key *actor)
{
    if (!auth_key_or_problem(req, resp, app, actor))
        return false;
    enum db_scope_kind scope = db_key_scope(actor, NULL);
    if (scope == DB_SCOPE_ADMIN || (resource->owner_scope != DB_SCOPE_OTHER && scope == resource->owner_scope))
        return true;
    problem_forbidden(resp, "The API key's scope does not allow writing this resource.");
    return false;
}

const char *writes_if_match_or_problem(const struct _u_request *req, struct _u_response *resp)
{
    const char *if_match = u_map_get_case(req->map_header, "If-Match");
    if (if_match == NULL)
        problem_precondition_required(resp);
    return if_match;
}

/* The answer to a write a rule of the record's state refused, given after its transaction ended. */
void writes_respond_refusal(struct _u_response *resp, const struct db_write_refusal *refusal)
{
    char allowed[160] = "";
    char detail[400];
    json_t *members = NULL;

    switch (refusal->kind) {
    case DB_REFUSAL_ILLEGAL_TRANSITION:
        for (size_t j = 0; j < sizeof(refusal->allowed) / sizeof(refusal->allowed[0]) && refusal->allowed[j][0]; j++)
            snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s\"%s\"", j ? ", " : "",
                     refusal->allowed[j]);
        members = json_pack("{s:s, s:s}", "current_status", refusal->current_status, "requested_status",
                            refusal->requested_status);
        snprintf(detail, sizeof(detail), "An agreement in \"%s\" cannot become \"%s\". From \"%s\" it can become: %s.",
                 refusal->current_status, refusal->requested_status, refusal->current_status,
                 allowed[0] ? allowed : "nothing (it has ended)");
        problem_send_extended(resp, 409, "/problems/illegal-transition", "illegal transition", detail, NULL, 0,
                              members);
        json_decref(members);
        return;
    case DB_REFUSAL_DECISIONS_MISSING:
        problem_send(resp, 409, "/problems/decisions-missing", "decisions missing",
                     "An agreement becomes \"aktiv\" only when every party has recorded its decision.", NULL, 0);
        return;
    case DB_REFUSAL_NOT_YET_ENDED:
        members = json_pack("{s:s}", "ends_on", refusal->ends_on);
        snprintf(detail, sizeof(detail), "The agreement has been given notice and ends on %s (the notice period, or "
                 "valid_to if earlier); it becomes \"upphört\" on that date, not before.", refusal->ends_on);
        problem_send_extended(resp, 409, "/problems/notice-period-running", "notice period running", detail, NULL, 0,
                              members);
        json_decref(members);
        return;
    case DB_REFUSAL_NOT_CREATOR:
        if (refusal->created_by[0] == '\0')
            snprintf(detail, sizeof(detail), "Only admin, who created this draft, can delete it.");
        else
            snprintf(detail, sizeof(detail), "Only the party that created this draft (%s), or admin, can delete it.",
                     refusal->created_by);
        problem_forbidden(resp, detail);
        return;
    case DB_REFUSAL_NONE:
    case DB_REFUSAL_FAILED:
        break;
    }
    problem_internal(resp);
}

/* Sends the answer to a finished write. */
void writes_respond(const struct _u_request *req, struct _u_response *resp,
                             const struct writable_resource *resource, const struct db_write_result *result,
                             const char *key, const json_t *input, unsigned success_status)
{
    char location[200];

    switch (result->outcome) {
    case DB_WRITE_DONE:
        if (result->document == NULL)
            ulfius_set_empty_body_response(resp, 204);
        if (result->replayed)   /* the first answer to this Idempotency-Key; nothing was written now */
            u_map_put(resp->map_header, "Idempotent-Replayed", "true");
        if (resource->note_header != NULL && result->note[0] != '\0' && strcmp(result->note, "0") != 0)
            u_map_put(resp->map_header, resource->note_header, result->note);
        /* Sent back on later reads, it makes them see this write on any replica. */
        if (result->lsn[0] != '\0')
            u_map_put(resp->map_header, "X-Consistency-LSN", result->lsn);
        if (result->document == NULL)
            return;
        respond_json_text(resp, success_status, result->document);
        /* A write answer is the new state; it must not be served from a cache. */
        u_map_put(resp->map_header, "Cache-Control", "no-store");
        if (success_status == 201 && result->key != NULL) {
            snprintf(location, sizeof(location), "%s/%s", resource->collection_path, result->key);
            u_map_put(resp->map_header, "Location", location);
        }
        return;
    case DB_WRITE_NOT_FOUND:
        problem_not_found(resp, resource->kind, key_name(resource), key);
        return;
    case DB_WRITE_FORBIDDEN:
        if (result->field != NULL) {
            struct field_error error = { .field = result->field };
            snprintf(error.message, sizeof(error.message), "Field \"%s\" can be changed only with an admin key.",
                     result->field);
            problem_send(resp, 403, "/problems/forbidden", "forbidden", error.message, &error, 1);
            return;
        }
        problem_forbidden(resp, "The API key's scope does not own this record, or the record would no longer "
                                "belong to it.");
        return;
    case DB_WRITE_IDEMPOTENCY_MISMATCH: {
        struct field_error error = { .field = "Idempotency-Key",
                                     .message = "This Idempotency-Key was used within the last 24 hours for a "
                                                "request with another body or path; use a new key." };
        problem_send(resp, 422, "/problems/idempotency-key-reused", "idempotency key reused", error.message, &error,
                     1);
        return;
    }
    case DB_WRITE_PRECONDITION_FAILED:
        problem_precondition_failed(resp);
        return;
    case DB_WRITE_DUPLICATE:
        if (resource->unique_fields == NULL)
            problem_duplicate(resp, resource->kind, json_string_value(json_object_get(input, "slug")));
        else
            problem_duplicate_fields(resp, resource->kind, resource->unique_fields);
        return;
    case DB_WRITE_MISSING_REFERENCE: {
        const json_t *value = json_object_get(input, result->field);   /* NULL for a nested field */
        char number[24];
        const char *text = json_string_value(value);
        if (json_is_integer(value)) {
            snprintf(number, sizeof(number), "%lld", (long long)json_integer_value(value));
            text = number;
        }
        problem_unresolved_reference(resp, result->field, text);
        return;
    }
    case DB_WRITE_REFERENCED:
        problem_still_referenced(resp, resource->kind, key, result->detail);
        return;
    case DB_WRITE_INVALID:
        problem_invalid_value(resp, resource->kind);
        return;
    case DB_WRITE_FIELD_MISSING: {
        struct field_error error = { .field = result->field };
        snprintf(error.message, sizeof(error.message), "Field \"%s\" is required here: the municipality has no "
                 "recorded figure to use.", result->field);
        problem_invalid_body(resp, &error, 1);
        return;
    }
    case DB_WRITE_WRONG_STATE:
        problem_wrong_state(resp, resource->kind);
        return;
    case DB_WRITE_REFUSED:
        writes_respond_refusal(resp, &result->refusal);
        return;
    case DB_WRITE_UNAVAILABLE:
        problem_from_db(resp, DB_UNAVAILABLE, resource->kind, key_name(resource), key);
        return;
    case DB_WRITE_FAILED:
        break;
    }
    (void)req;
    problem_internal(resp);
}

/* Runs the write of a validated input (borrowed; NULL for delete). */
static void run_write(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                      const struct writable_resource *resource, enum db_write_action action, const char *key,
                      const json_t *input, const char *if_match, const struct db_key *actor,
                      const struct db_idempotency *idempotency)
{
    struct db_write_result result;
    char *text = NULL;

    if (input != NULL && (text = json_dumps(input, JSON_COMPACT)) == NULL) {
        problem_internal(resp);
        return;
    }
    db_write_run(app->pool, resource->db, action, key, text, if_match, actor, idempotency, &result);
    writes_respond(req, resp, resource, &result, key, input, action == DB_WRITE_CREATE ? 201 : 200);
    db_write_result_release(&result);
    free(text);
}

/*
 * The Idempotency-Key of a create (IETF draft-ietf-httpapi-idempotency-key-header):
 * false with 400 sent when it is malformed; true otherwise, with *present
 * saying whether there is one (then in key and hash). The value is a structured-field string ("...") or, as
 * many clients send it, the bare text: 1 to 255 printable ASCII characters.
 * The request hash covers the method, the path and the body's bytes.
 */
static bool idempotency_or_problem(const struct _u_request *req, struct _u_response *resp,
                                   const struct writable_resource *resource, char key[256],
                                   char hash[2 * crypto_hash_sha256_BYTES + 1], bool *present)
{
    const char *header = u_map_get_case(req->map_header, "Idempotency-Key");
    size_t length;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state state;

    *present = false;
    if (header == NULL)
        return true;
    length = strlen(header);
    if (length >= 2 && header[0] == '"' && header[length - 1] == '"') {
        header++;
        length -= 2;
    }
    bool valid = length >= 1 && length <= 255;
    for (size_t i = 0; valid && i < length; i++)
        valid = header[i] >= 0x20 && header[i] <= 0x7e && header[i] != '"' && header[i] != '\\';
    if (!valid) {
        problem_invalid_header(resp, "Idempotency-Key", "Header \"Idempotency-Key\" must be a string of 1 to 255 "
                               "printable ASCII characters, such as \"8e03978e-40d5-43e8-bc93-6894a57f9324\".");
        return false;
    }
    memcpy(key, header, length);
    key[length] = '\0';
    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, (const unsigned char *)"POST ", 5);
    crypto_hash_sha256_update(&state, (const unsigned char *)resource->collection_path,
                              strlen(resource->collection_path) + 1);   /* with its NUL: path and body stay apart */
    if (req->binary_body != NULL)
        crypto_hash_sha256_update(&state, req->binary_body, req->binary_body_length);
    crypto_hash_sha256_final(&state, digest);
    sodium_bin2hex(hash, 2 * crypto_hash_sha256_BYTES + 1, digest, sizeof(digest));
    *present = true;
    return true;
}

void writes_create(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                   const struct writable_resource *resource)
{
    struct db_key actor;
    json_t *input = NULL;
    char idempotency_key[256];
    char request_hash[2 * crypto_hash_sha256_BYTES + 1];
    bool has_idempotency = false;
    struct db_idempotency idempotency = { .key = idempotency_key, .request_hash = request_hash };

    struct field_errors errors = { .count = 0 };

    if (!writes_writer_or_problem(req, resp, app, resource, &actor)
        || !idempotency_or_problem(req, resp, resource, idempotency_key, request_hash, &has_idempotency))
        goto cleanup;
    params_check_known(req, NULL, NULL, &errors);   /* a create takes no query parameters */
    if (!params_ok_or_problem(resp, &errors) || !body_json_or_problem(req, resp, false, &input))
        goto cleanup;
    if (!valid_input_or_problem(resp, resource, input, NULL))
        goto cleanup;
    run_write(req, resp, app, resource, DB_WRITE_CREATE, NULL, input, NULL, &actor,
              has_idempotency ? &idempotency : NULL);
cleanup:
    json_decref(input);
}

void writes_replace(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                    const struct writable_resource *resource)
{
    struct db_key actor;
    json_t *input = NULL;
    const char *slug, *if_match;

    if (!writes_writer_or_problem(req, resp, app, resource, &actor) || (slug = writes_path_key_or_problem(req, resp, resource)) == NULL
        || (if_match = writes_if_match_or_problem(req, resp)) == NULL || !body_json_or_problem(req, resp, false, &input))
        goto cleanup;
    /* The slug may be left out of a PUT body: the path names the record. */
    if (!resource->key_is_id && json_is_object(input) && json_object_get(input, "slug") == NULL)
        json_object_set_new(input, "slug", json_string(slug));
    if (!valid_input_or_problem(resp, resource, input, slug))
        goto cleanup;
    run_write(req, resp, app, resource, DB_WRITE_UPDATE, slug, input, if_match, &actor, NULL);
cleanup:
    json_decref(input);
}

void writes_patch(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                  const struct writable_resource *resource)
{
    struct db_write_result current = { .outcome = DB_WRITE_FAILED };
    struct db_key actor;
    json_t *patch = NULL;
    json_t *merged = NULL;
    const char *slug, *if_match;

    if (!writes_writer_or_problem(req, resp, app, resource, &actor) || (slug = writes_path_key_or_problem(req, resp, resource)) == NULL
        || (if_match = writes_if_match_or_problem(req, resp)) == NULL || !body_json_or_problem(req, resp, true, &patch))
        goto cleanup;
    if (!json_is_object(patch)) {
        struct field_error error = { .field = "(body)", .message = "A merge patch must be a JSON object." };
        problem_invalid_body(resp, &error, 1);
        goto cleanup;
    }
    /* The merge base is the version If-Match names (412 otherwise); the write
     * checks it again under the row lock, so a change in between is a 412 too. */
    db_write_current_input(app->pool, resource->db, slug, if_match, &actor, &current);
    if (current.outcome != DB_WRITE_DONE) {
        writes_respond(req, resp, resource, &current, slug, NULL, 200);
        goto cleanup;
    }
    if ((merged = json_loads(current.document, 0, NULL)) == NULL || !fields_merge_patch(merged, patch)) {
        problem_internal(resp);
        goto cleanup;
    }
    if (!valid_input_or_problem(resp, resource, merged, slug))
        goto cleanup;
    run_write(req, resp, app, resource, DB_WRITE_UPDATE, slug, merged, if_match, &actor, NULL);
cleanup:
    db_write_result_release(&current);
    json_decref(patch);
    json_decref(merged);
}

void writes_delete(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                   const struct writable_resource *resource)
{
    struct db_key actor;
    const char *slug, *if_match;

    if (!writes_writer_or_problem(req, resp, app, resource, &actor) || (slug = writes_path_key_or_problem(req, resp, resource)) == NULL
        || (if_match = writes_if_match_or_problem(req, resp)) == NULL)
        return;
    run_write(req, resp, app, resource, DB_WRITE_DELETE, slug, NULL, if_match, &actor, NULL);
}
