/*
 * internal/db/catalogue_write.c: the SQL that writes the catalogue.
 *
 * Inputs arrive as one validated JSON object ($1 or $2) and are unpacked by
 * jsonb_to_record, so each statement lists its columns once and PostgreSQL
 * does the typing. References travel as slugs and are resolved here; that
 * they exist was checked earlier in the same transaction (db/write.c).
 * Slugs never change on update: they are the records' public keys.
 */
#include "catalogue_write.h"

/* FOR KEY SHARE: a referenced record cannot be deleted between this check
 * and the write that refers to it (the delete waits, then finds a referrer). */
#define SLUG_EXISTS(TABLE) "SELECT 1 FROM " TABLE " WHERE slug = $1::text FOR KEY SHARE"
#define LOCK(TABLE) "SELECT 1 FROM " TABLE " WHERE slug = $1::text FOR UPDATE"
#define INPUT(VIEW) "SELECT input::text FROM " VIEW " WHERE slug = $1::text"
#define DELETE(TABLE) "DELETE FROM " TABLE " WHERE slug = $1::text"
#define REFERRERS(UNION) \
    "SELECT coalesce(json_agg(json_build_object('entity', entity, 'id', id) ORDER BY entity, id), '[]'::json)::text " \
    "FROM (" UNION ") referrers"

#define KNOWLEDGE_SUPPORT_RECORD \
    "r(slug text, title text, publisher text, published_year int, target_group text, age_min int, " \
    "age_max int, model text, description text, url text)"
#define INTERVENTION_TYPE_RECORD "r(slug text, name_sv text, name_en text, description text)"
#define RECOMMENDATION_RECORD \
    "r(slug text, knowledge_support text, intervention_type text, target_group text, age_min int, " \
    "age_max int, strength recommendation_strength, statement text, rank int)"
#define METHOD_RECORD \
    "r(slug text, abbreviation text, name_sv text, name_en text, intervention_type text, age_min int, " \
    "age_max int, format text, typical_duration text, purveyor text, availability availability_in_sweden, " \
    "availability_note text, swedish_presenter_2023 boolean, description text)"
#define INSTRUMENT_RECORD \
    "r(slug text, abbreviation text, name text, other_names text[], assesses text, age_min int, age_max int, " \
    "publisher text, description text)"
#define MATERIAL_RECORD \
    "r(slug text, knowledge_support text, title text, kinds material_kind[], audience text, publisher text, " \
    "description text, url text)"

#define KNOWLEDGE_SUPPORT_ID(FIELD) "(SELECT id FROM knowledge_supports WHERE slug = " FIELD ")"
#define INTERVENTION_TYPE_ID(FIELD) "(SELECT id FROM intervention_types WHERE slug = " FIELD ")"

const struct db_statement db_catalogue_write_statements[] = {
    { "knowledge_support_exists", SLUG_EXISTS("knowledge_supports") },
    { "intervention_type_exists", SLUG_EXISTS("intervention_types") },

    { "knowledge_supports_lock", LOCK("knowledge_supports") },
    { "knowledge_supports_input", INPUT("knowledge_support_inputs") },
    { "knowledge_supports_insert",
      "INSERT INTO knowledge_supports (slug, title, publisher, published_year, target_group, age_min, age_max, "
      "model, description, url) "
      "SELECT slug, title, publisher, published_year, target_group, age_min, age_max, model, "
      "coalesce(description, ''), url FROM jsonb_to_record($1::jsonb) AS " KNOWLEDGE_SUPPORT_RECORD
      " RETURNING slug" },
    { "knowledge_supports_update",
      "UPDATE knowledge_supports k SET title = r.title, publisher = r.publisher, published_year = r.published_year, "
      "target_group = r.target_group, age_min = r.age_min, age_max = r.age_max, model = r.model, "
      "description = coalesce(r.description, ''), url = r.url "
      "FROM jsonb_to_record($2::jsonb) AS " KNOWLEDGE_SUPPORT_RECORD " WHERE k.slug = $1::text" },
    { "knowledge_supports_delete", DELETE("knowledge_supports") },
    { "knowledge_supports_referrers",
      REFERRERS("SELECT 'recommendation' AS entity, r.slug::text AS id FROM recommendations r "
                "JOIN knowledge_supports k ON k.id = r.knowledge_support_id WHERE k.slug = $1::text "
                "UNION ALL SELECT 'material', m.slug FROM materials m "
                "JOIN knowledge_supports k ON k.id = m.knowledge_support_id WHERE k.slug = $1::text") },

    { "intervention_types_lock", LOCK("intervention_types") },
    { "intervention_types_input", INPUT("intervention_type_inputs") },
    { "intervention_types_insert",
      "INSERT INTO intervention_types (slug, name_sv, name_en, description) "
      "SELECT slug, name_sv, name_en, coalesce(description, '') FROM jsonb_to_record($1::jsonb) AS "
      INTERVENTION_TYPE_RECORD " RETURNING slug" },
    { "intervention_types_update",
      "UPDATE intervention_types t SET name_sv = r.name_sv, name_en = r.name_en, "
      "description = coalesce(r.description, '') "
      "FROM jsonb_to_record($2::jsonb) AS " INTERVENTION_TYPE_RECORD " WHERE t.slug = $1::text" },
    { "intervention_types_delete", DELETE("intervention_types") },
    { "intervention_types_referrers",
      REFERRERS("SELECT 'method' AS entity, m.slug::text AS id FROM methods m "
                "JOIN intervention_types t ON t.id = m.intervention_type_id WHERE t.slug = $1::text "
                "UNION ALL SELECT 'recommendation', r.slug FROM recommendations r "
                "JOIN intervention_types t ON t.id = r.intervention_type_id WHERE t.slug = $1::text "
                "UNION ALL SELECT 'survey_result', s.subject FROM survey_results s "
                "JOIN intervention_types t ON t.id = s.intervention_type_id WHERE t.slug = $1::text "
                "UNION ALL SELECT 'agreement', sc.agreement_id::text FROM agreement_scope sc "
                "JOIN intervention_types t ON t.id = sc.intervention_type_id WHERE t.slug = $1::text") },

    { "recommendations_list",
      "SELECT page_body(array_agg(doc ORDER BY k), array_agg(k ORDER BY k), $3::int, $4::text) "
      "FROM (SELECT d.slug::text COLLATE \"C\" AS k, d.doc FROM recommendation_docs d "
      "      WHERE ($5::text IS NULL OR d.doc->>'knowledge_support' = $5::text) "
      "        AND ($6::text IS NULL OR d.doc->'intervention_type'->>'slug' = $6::text) "
      "        AND ($7::recommendation_strength IS NULL OR d.doc->>'strength' = $7::text) "
      "        AND ($1::timestamptz IS NULL OR d.updated_at > $1::timestamptz) "
      "        AND ($2::text IS NULL OR d.slug::text COLLATE \"C\" > $2::text) "
      "      ORDER BY 1 LIMIT $3::int + 1) page" },
    { "recommendations_get", "SELECT doc::text FROM recommendation_docs WHERE slug = $1::text" },
    { "recommendations_lock", LOCK("recommendations") },
    { "recommendations_input", INPUT("recommendation_inputs") },
    { "recommendations_insert",
      "INSERT INTO recommendations (slug, knowledge_support_id, intervention_type_id, target_group, age_min, "
      "age_max, strength, statement, rank) "
      "SELECT slug, " KNOWLEDGE_SUPPORT_ID("r.knowledge_support") ", " INTERVENTION_TYPE_ID("r.intervention_type")
      ", target_group, age_min, age_max, strength, statement, coalesce(rank, 0) "
      "FROM jsonb_to_record($1::jsonb) AS " RECOMMENDATION_RECORD " RETURNING slug" },
    { "recommendations_update",
      "UPDATE recommendations x SET knowledge_support_id = " KNOWLEDGE_SUPPORT_ID("r.knowledge_support")
      ", intervention_type_id = " INTERVENTION_TYPE_ID("r.intervention_type")
      ", target_group = r.target_group, age_min = r.age_min, age_max = r.age_max, strength = r.strength, "
      "statement = r.statement, rank = coalesce(r.rank, 0) "
      "FROM jsonb_to_record($2::jsonb) AS " RECOMMENDATION_RECORD " WHERE x.slug = $1::text" },
    { "recommendations_delete", DELETE("recommendations") },

    { "methods_lock", LOCK("methods") },
    { "methods_input", INPUT("method_inputs") },
    { "methods_insert",
      "INSERT INTO methods (slug, abbreviation, name_sv, name_en, intervention_type_id, age_min, age_max, format, "
      "typical_duration, purveyor, availability, availability_note, swedish_presenter_2023, description) "
      "SELECT slug, abbreviation, name_sv, name_en, " INTERVENTION_TYPE_ID("r.intervention_type")
      ", age_min, age_max, format, typical_duration, purveyor, availability, availability_note, "
      "swedish_presenter_2023, coalesce(description, '') "
      "FROM jsonb_to_record($1::jsonb) AS " METHOD_RECORD " RETURNING slug" },
    { "methods_update",
      "UPDATE methods m SET abbreviation = r.abbreviation, name_sv = r.name_sv, name_en = r.name_en, "
      "intervention_type_id = " INTERVENTION_TYPE_ID("r.intervention_type")
      ", age_min = r.age_min, age_max = r.age_max, format = r.format, typical_duration = r.typical_duration, "
      "purveyor = r.purveyor, availability = r.availability, availability_note = r.availability_note, "
      "swedish_presenter_2023 = r.swedish_presenter_2023, description = coalesce(r.description, '') "
      "FROM jsonb_to_record($2::jsonb) AS " METHOD_RECORD " WHERE m.slug = $1::text" },
    { "methods_delete", DELETE("methods") },
    { "methods_referrers",
      REFERRERS("SELECT 'survey_result' AS entity, s.subject AS id FROM survey_results s "
                "JOIN methods m ON m.id = s.method_id WHERE m.slug = $1::text "
                "UNION ALL SELECT 'offering', o.id::text FROM offerings o "
                "JOIN methods m ON m.id = o.method_id WHERE m.slug = $1::text "
                "UNION ALL SELECT 'agreement', sc.agreement_id::text FROM agreement_scope sc "
                "JOIN methods m ON m.id = sc.method_id WHERE m.slug = $1::text") },

    { "assessment_instruments_lock", LOCK("assessment_instruments") },
    { "assessment_instruments_input", INPUT("assessment_instrument_inputs") },
    { "assessment_instruments_insert",
      "INSERT INTO assessment_instruments (slug, abbreviation, name, other_names, assesses, age_min, age_max, "
      "publisher, description) "
      "SELECT slug, abbreviation, name, coalesce(other_names, '{}'), assesses, age_min, age_max, publisher, "
      "coalesce(description, '') FROM jsonb_to_record($1::jsonb) AS " INSTRUMENT_RECORD " RETURNING slug" },
    { "assessment_instruments_update",
      "UPDATE assessment_instruments a SET abbreviation = r.abbreviation, name = r.name, "
      "other_names = coalesce(r.other_names, '{}'), assesses = r.assesses, age_min = r.age_min, "
      "age_max = r.age_max, publisher = r.publisher, description = coalesce(r.description, '') "
      "FROM jsonb_to_record($2::jsonb) AS " INSTRUMENT_RECORD " WHERE a.slug = $1::text" },
    { "assessment_instruments_delete", DELETE("assessment_instruments") },
    { "assessment_instruments_referrers",
      REFERRERS("SELECT 'survey_result' AS entity, s.subject AS id FROM survey_results s "
                "JOIN assessment_instruments a ON a.id = s.assessment_instrument_id WHERE a.slug = $1::text") },

    { "materials_lock", LOCK("materials") },
    { "materials_input", INPUT("material_inputs") },
    { "materials_insert",
      "INSERT INTO materials (slug, knowledge_support_id, title, kinds, audience, publisher, description, url) "
      "SELECT slug, " KNOWLEDGE_SUPPORT_ID("r.knowledge_support") ", title, kinds, audience, publisher, "
      "coalesce(description, ''), url FROM jsonb_to_record($1::jsonb) AS " MATERIAL_RECORD " RETURNING slug" },
    { "materials_update",
      "UPDATE materials x SET knowledge_support_id = " KNOWLEDGE_SUPPORT_ID("r.knowledge_support")
      ", title = r.title, kinds = r.kinds, audience = r.audience, publisher = r.publisher, "
      "description = coalesce(r.description, ''), url = r.url "
      "FROM jsonb_to_record($2::jsonb) AS " MATERIAL_RECORD " WHERE x.slug = $1::text" },
    { "materials_delete", DELETE("materials") },
    { NULL, NULL },
};

static const struct db_reference knowledge_support_reference[] = {
    { "knowledge_support", "knowledge_support_exists" }, { NULL, NULL },
};
static const struct db_reference intervention_type_reference[] = {
    { "intervention_type", "intervention_type_exists" }, { NULL, NULL },
};
static const struct db_reference recommendation_references[] = {
    { "knowledge_support", "knowledge_support_exists" },
    { "intervention_type", "intervention_type_exists" },
    { NULL, NULL },
};
static const struct db_reference no_references[] = { { NULL, NULL } };

#define WRITABLE(RESOURCE, ENTITY, REFERRERS, REFERENCES)                                              \
    const struct db_writable db_##RESOURCE##_writable = {                                              \
        .entity = ENTITY,                                                                              \
        .lock_statement = #RESOURCE "_lock",                                                           \
        .document_statement = #RESOURCE "_get",                                                        \
        .input_statement = #RESOURCE "_input",                                                         \
        .insert_statement = #RESOURCE "_insert",                                                       \
        .update_statement = #RESOURCE "_update",                                                       \
        .delete_statement = #RESOURCE "_delete",                                                       \
        .referrers_statement = REFERRERS,                                                              \
        .references = REFERENCES,                                                                      \
    };

WRITABLE(knowledge_supports, "knowledge_support", "knowledge_supports_referrers", no_references)
WRITABLE(intervention_types, "intervention_type", "intervention_types_referrers", no_references)
WRITABLE(recommendations, "recommendation", NULL, recommendation_references)
WRITABLE(methods, "method", "methods_referrers", intervention_type_reference)
WRITABLE(assessment_instruments, "assessment_instrument", "assessment_instruments_referrers", no_references)
WRITABLE(materials, "material", NULL, knowledge_support_reference)

enum db_status db_recommendations_list(struct db_pool *pool, const struct db_page_request *request, char **out)
{
    return db_page_fetch(pool, "recommendations_list", request, out);
}

enum db_status db_recommendations_get(struct db_pool *pool, const char *slug, struct db_read *read, char **out)
{
    const char *params[] = { slug };
    return db_fetch_document(pool, read, "recommendations_get", 1, params, out);
}
