/*
 * internal/db/agreements.c: the SQL of agreements. Creating and changing one
 * goes through agreement_create() and agreement_update() (sql/0008), which
 * write the parties and scope in the same transaction as the agreement.
 */
#include "agreements.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Drafts only for admin and the parties ($N is the viewer). */
#define VISIBLE_TO(N)                                                                                     \
    "(d.status <> 'utkast' OR $" #N "::text = 'admin' OR EXISTS (SELECT 1 FROM agreement_parties vp "      \
    "  WHERE vp.agreement_id = d.id AND vp.municipality_code = $" #N "::text))"

const struct db_statement db_agreements_statements[] = {
    { "agreements_list",
      DB_ID_PAGE_SQL("agreement_docs",
                     "($5::text IS NULL OR EXISTS (SELECT 1 FROM agreement_parties p "
                     "   WHERE p.agreement_id = d.id AND p.municipality_code = $5::text)) "
                     "AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM agreement_parties p "
                     "   JOIN municipalities m ON m.code = p.municipality_code "
                     "   WHERE p.agreement_id = d.id AND m.county_code = $6::text)) "
                     /* A method is covered by name or through its intervention type. */
                     "AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM agreement_scope sc, methods m "
                     "   WHERE sc.agreement_id = d.id AND m.slug = $7::text "
                     "   AND (sc.method_id = m.id OR sc.intervention_type_id = m.intervention_type_id))) "
                     "AND ($8::agreement_status IS NULL "
                     "   OR agreement_effective_status(d.status, d.valid_to, d.ends_on, current_date) = $8::agreement_status) "
                     /* In force on that day: an agreement under notice until it ends (sql/0011). */
                     "AND ($9::date IS NULL OR agreement_in_force(d.status, d.valid_from, d.valid_to, d.ends_on, $9::date)) "
                     "AND " VISIBLE_TO(10) " AND")
      /* No page at all (404) for a municipality that does not exist. */
      " HAVING $5::text IS NULL OR EXISTS (SELECT 1 FROM municipalities WHERE code = $5::text)" },
    { "agreements_get", "SELECT d.doc::text FROM agreement_docs d WHERE d.id = $1::bigint AND " VISIBLE_TO(2) },
    { "agreements_doc", "SELECT doc::text FROM agreement_docs WHERE id = $1::bigint" },
    { "agreements_lock", "SELECT 1 FROM agreements WHERE id = $1::bigint FOR UPDATE" },
    { "agreements_input", "SELECT input::text FROM agreement_inputs WHERE id = $1::bigint" },
    /* $2: the creating party's code, NULL for admin. */
    { "agreements_insert", "SELECT agreement_create($1::jsonb, $2::text)::text" },
    /* How many recorded decisions the change of terms cleared (sql/0011). */
    { "agreements_update", "SELECT agreement_change($1::bigint, $2::jsonb)::text" },
    { "agreements_visible", "SELECT 1 FROM agreements WHERE id = $1::bigint AND status <> 'utkast'" },
    { "agreements_creator", "SELECT coalesce(created_by, '') FROM agreements WHERE id = $1::bigint" },
    { "agreements_delete", "DELETE FROM agreements WHERE id = $1::bigint" },
    { "agreements_owner_of_key", "SELECT municipality_code FROM agreement_parties WHERE agreement_id = $1::bigint" },
    { "agreements_owner_of_input", "SELECT p->>'municipality' FROM jsonb_array_elements($1::jsonb->'parties') p" },
    /* A party records only its own decision: any other party's decision that
     * the new input changes, adds or removes is a row here. */
    { "agreements_owner_guard",
      "SELECT NULL::text FROM agreement_parties p WHERE p.agreement_id = $1::bigint AND p.municipality_code <> $3::text "
      "  AND jsonb_strip_nulls(jsonb_build_object('body', p.decision_body, 'date', p.decision_date, "
      "      'paragraph', p.decision_paragraph, 'reference', p.decision_reference)) "
      "      IS DISTINCT FROM coalesce((SELECT jsonb_strip_nulls(x->'decision') "
      "                                 FROM jsonb_array_elements($2::jsonb->'parties') x "
      "                                 WHERE x->>'municipality' = p.municipality_code), '{}'::jsonb) "
      "UNION ALL SELECT NULL::text FROM jsonb_array_elements($2::jsonb->'parties') x "
      "WHERE x->>'municipality' <> $3::text AND jsonb_typeof(x->'decision') = 'object' AND NOT EXISTS (SELECT 1 FROM agreement_parties p "
      "  WHERE p.agreement_id = $1::bigint AND p.municipality_code = x->>'municipality')" },
    { "agreements_transition_state",
      "SELECT jsonb_build_object('status', a.status, 'decisions_complete', NOT EXISTS (SELECT 1 "
      "  FROM agreement_parties p WHERE p.agreement_id = a.id AND p.decision_body IS NULL), "
      "  'ends_on', a.ends_on, 'today', current_date)::text "
      "FROM agreements a WHERE a.id = $1::bigint" },
    /* $2 {"to", "given_by"}: notice records its party, its day and the day it ends (sql/0011). */
    { "agreements_transition", "SELECT agreement_transition($1::bigint, $2::jsonb)" },
    { NULL, NULL },
};

static const struct db_reference agreement_references[] = {
    { "offering_id", "offering_exists" }, { NULL, NULL },
};
static const struct db_reference no_references[] = { { NULL, NULL } };

const struct db_writable db_agreements_writable = {
    .entity = "agreement",
    .lock_statement = "agreements_lock",
    .document_statement = "agreements_doc",
    .input_statement = "agreements_input",
    .insert_statement = "agreements_insert",
    .update_statement = "agreements_update",
    .delete_statement = "agreements_delete",
    .referrers_statement = NULL,
    .references = agreement_references,
    .owner_of_key_statement = "agreements_owner_of_key",
    .owner_of_input_statement = "agreements_owner_of_input",
    .owner_may_create = true,
    .owner_guard_statement = "agreements_owner_guard",
    .visible_statement = "agreements_visible",
    .creator_statement = "agreements_creator",
    .insert_with_owner = true,
    .update_returns_note = true,
};

static bool allows_transition(const char *input, const char *current_state, struct db_write_refusal *refusal);

const struct db_writable db_agreement_transitions_writable = {
    .entity = "agreement",
    .lock_statement = "agreements_lock",
    .document_statement = "agreements_doc",
    .input_statement = "agreements_transition_state",
    .update_statement = "agreements_transition",
    .references = no_references,
    .owner_of_key_statement = "agreements_owner_of_key",
    .visible_statement = "agreements_visible",
    .state_allows = allows_transition,
};

enum db_status db_agreements_list(struct db_pool *pool, const struct db_page_request *request, char **out)
{
    return db_page_fetch(pool, "agreements_list", request, out);
}

enum db_status db_agreements_get(struct db_pool *pool, const char *id, const char *viewer, struct db_read *read,
                                 char **out)
{
    const char *params[] = { id, viewer };
    return db_fetch_document(pool, read, "agreements_get", 2, params, out);
}

/* The lifecycle: from each status, where it may go. */
static const struct { const char *from; const char *to[3]; } transitions[] = {
    { "utkast", { "föreslagen", NULL } },
    { "föreslagen", { "utkast", "aktiv", NULL } },
    { "aktiv", { "uppsagd", NULL } },
    { "uppsagd", { "upphört", NULL } },
    { "upphört", { NULL } },
};

/* db_writable.state_allows for the lifecycle: input {"to", "given_by"}, state
 * {"status", "decisions_complete", "ends_on", "today"} (agreements_transition_state). */
static bool allows_transition(const char *input, const char *current_state, struct db_write_refusal *refusal)
{
    json_t *change = json_loads(input, 0, NULL);
    json_t *state = json_loads(current_state, 0, NULL);
    const char *to = json_string_value(json_object_get(change, "to"));
    const char *from = json_string_value(json_object_get(state, "status"));
    bool allowed = false;

    if (to == NULL) {
        refusal->kind = DB_REFUSAL_FAILED;
        goto cleanup;
    }
    snprintf(refusal->current_status, sizeof(refusal->current_status), "%s", from ? from : "?");
    snprintf(refusal->requested_status, sizeof(refusal->requested_status), "%s", to);
    for (size_t i = 0; from != NULL && i < sizeof(transitions) / sizeof(transitions[0]); i++) {
        if (strcmp(transitions[i].from, from) != 0)
            continue;
        for (size_t j = 0; transitions[i].to[j] != NULL; j++) {
            snprintf(refusal->allowed[j], sizeof(refusal->allowed[j]), "%s", transitions[i].to[j]);
            allowed = allowed || strcmp(transitions[i].to[j], to) == 0;
        }
    }
    if (!allowed) {
        refusal->kind = DB_REFUSAL_ILLEGAL_TRANSITION;
    } else if (strcmp(to, "aktiv") == 0 && !json_is_true(json_object_get(state, "decisions_complete"))) {
        refusal->kind = DB_REFUSAL_DECISIONS_MISSING;
        allowed = false;
    } else if (strcmp(to, "upphört") == 0 && json_is_string(json_object_get(state, "ends_on"))
               /* ISO dates compare as text */
               && strcmp(json_string_value(json_object_get(state, "today")),
                         json_string_value(json_object_get(state, "ends_on"))) < 0) {
        refusal->kind = DB_REFUSAL_NOT_YET_ENDED;
        snprintf(refusal->ends_on, sizeof(refusal->ends_on), "%s", json_string_value(json_object_get(state, "ends_on")));
        allowed = false;
    }
cleanup:
    json_decref(change);
    json_decref(state);
    return allowed;
}
