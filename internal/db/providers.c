/*
 * internal/db/providers.c: the SQL of providers, offerings and availability.
 *
 * Their keys are numeric ids (a provider has no natural slug), so lists walk
 * by id. A key scoped "provider:<id>" may write that provider and the
 * offerings and availability that belong to it: the owner_of_* statements
 * say who owns a record and who would own it after the write.
 */
#include "providers.h"

/* What an offering costs and demands, as every answer shows it. */
#define OFFERING_TERMS(O)                                                                          \
    "'costs', json_build_object('startup_fee_sek', " O ".startup_fee_sek, "                       \
    "'training_cost_per_participant_sek', " O ".training_cost_per_participant_sek, "              \
    "'cost_per_case_sek', " O ".cost_per_case_sek, 'yearly_fee_sek', " O ".yearly_fee_sek), "     \
    "'training', json_build_object('days', " O ".training_days, 'for', to_json(" O ".training_for), " \
    "'certification_required', " O ".certification_required), "                                  \
    "'delivery', " O ".delivery, 'languages', to_json(" O ".languages), "                         \
    "'valid_from', " O ".valid_from, 'valid_to', " O ".valid_to, 'verified_on', " O ".verified_on"

const struct db_statement db_providers_statements[] = {
    { "providers_list",
      DB_ID_PAGE_SQL("provider_docs",
                  "($5::text IS NULL OR EXISTS (SELECT 1 FROM offerings o JOIN offering_availability a "
                  "   ON a.offering_id = o.id WHERE o.provider_id = d.id AND a.county_code = $5::text "
                  "   AND a.status <> 'ej tillgänglig')) "
                  "AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM offerings o JOIN methods m ON m.id = o.method_id "
                  "   WHERE o.provider_id = d.id AND m.slug = $6::text)) "
                  "AND ($7::provider_kind IS NULL OR d.doc->>'kind' = $7::text) "
                  "AND ($8::text IS NULL OR EXISTS (SELECT 1 FROM providers p WHERE p.id = d.id "
                  "   AND to_tsvector('swedish', p.name) @@ swedish_prefix_query($8::text))) AND") },
    { "providers_get", "SELECT doc::text FROM provider_docs WHERE id = $1::bigint" },
    { "offerings_list",
      DB_ID_PAGE_SQL("offering_docs",
                  "($5::text IS NULL OR d.method_id = (SELECT id FROM methods WHERE slug = $5::text)) "
                  "AND ($6::bigint IS NULL OR d.provider_id = $6::bigint) "
                  "AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM offering_availability a WHERE a.offering_id = d.id "
                  "   AND a.county_code = $7::text AND a.status <> 'ej tillgänglig')) AND")
      /* No page at all (404) when the county in the path does not exist. */
      " HAVING $7::text IS NULL OR EXISTS (SELECT 1 FROM counties WHERE code = $7::text)" },
    { "offerings_get", "SELECT doc::text FROM offering_docs WHERE id = $1::bigint" },
    { "availability_get", "SELECT doc::text FROM availability_docs WHERE id = $1::bigint" },

    /* Who can deliver method $1 in county $2 on day $3: every availability row
     * (other than "ej tillgänglig", as in the ?county= filters) of an offering
     * valid that day, ordered by $4, a page of $5 from $6. No row when the
     * method or the county (when given) does not exist.
     * Documents are built for the page only; the order needs just scalars. */
    { "method_providers",
      "WITH method AS (SELECT id FROM methods WHERE slug = $1::text), "
      "day AS (SELECT coalesce($3::date, current_date) AS on_date), "
      "candidates AS ("
      "  SELECT o.id AS offering_id, a.id AS availability_id, a.status, a.lead_time_weeks, o.cost_per_case_sek, "
      "         o.training_days, o.verified_on, a.updated_at AS availability_updated_at, a.county_code, "
      "         a.municipality_code "
      "  FROM method, day, offering_availability a "
      "  JOIN offerings o ON o.id = a.offering_id "
      "  WHERE a.method_id = method.id AND ($2::text IS NULL OR a.county_code = $2::text) "
      "    AND a.status <> 'ej tillgänglig' "
      "    AND o.valid_from <= day.on_date AND (o.valid_to IS NULL OR o.valid_to >= day.on_date)), "
      "ordered AS ("
      "  SELECT c.*, row_number() OVER (ORDER BY "
      "    CASE WHEN $4::text = 'cost' THEN c.cost_per_case_sek END NULLS LAST, "
      "    CASE WHEN $4::text = 'training_days' THEN c.training_days END NULLS LAST, "
      "    CASE WHEN $4::text = 'lead_time' THEN c.lead_time_weeks END NULLS LAST, "
      /* availability_status is declared best first: tillgänglig ... ej tillgänglig */
      "    c.status, c.lead_time_weeks NULLS LAST, c.cost_per_case_sek NULLS LAST, c.offering_id, "
      "    c.county_code, c.municipality_code NULLS FIRST) AS n "
      "  FROM candidates c), "
      "page AS (SELECT * FROM ordered WHERE n > $6::int AND n <= $6::int + $5::int) "
      "SELECT json_build_object("
      "  'method', $1::text, 'county', $2::text, 'on', (SELECT on_date FROM day), 'sort', $4::text, "
      "  'items', (SELECT coalesce(json_agg(json_build_object("
      "       'provider', json_build_object('id', p.id, 'name', p.name, 'kind', p.kind, "
      "                                     'home_county', p.home_county_code, 'example', p.example), "
      "       'offering_id', o.id, 'county', pg.county_code, 'municipality', pg.municipality_code, "
      "       'status', pg.status, 'capacity_cases_per_year', a.capacity_cases_per_year, "
      "       'lead_time_weeks', a.lead_time_weeks, " OFFERING_TERMS("o") ", "
      "       'availability_updated_at', a.updated_at, 'href', '/v1/offerings/' || o.id) ORDER BY pg.n), '[]'::json) "
      "     FROM page pg JOIN offerings o ON o.id = pg.offering_id "
      "     JOIN offering_availability a ON a.id = pg.availability_id JOIN providers p ON p.id = o.provider_id), "
      "  'limit', $5::int, 'offset', $6::int, 'total', (SELECT count(*) FROM ordered), "
      "  'next', CASE WHEN (SELECT count(*) FROM ordered) > $6::int + $5::int "
      "          THEN $7::text || ($6::int + $5::int) END, "
      "  'based_on', json_build_object("
      "     'offerings_verified', json_build_object('oldest', (SELECT min(verified_on) FROM ordered), "
      "                                             'newest', (SELECT max(verified_on) FROM ordered)), "
      "     'availability_updated', json_build_object('oldest', (SELECT min(availability_updated_at) FROM ordered), "
      "                                               'newest', (SELECT max(availability_updated_at) FROM ordered))))::text "
      "WHERE EXISTS (SELECT 1 FROM method) "
      "  AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM counties WHERE code = $2::text))" },

    { "county_exists", "SELECT 1 FROM counties WHERE code = $1::text FOR KEY SHARE" },
    { "municipality_exists", "SELECT 1 FROM municipalities WHERE code = $1::text FOR KEY SHARE" },
    { "method_exists", "SELECT 1 FROM methods WHERE slug = $1::text FOR KEY SHARE" },
    { "provider_exists", "SELECT 1 FROM providers WHERE id = $1::bigint FOR KEY SHARE" },
    { "offering_exists", "SELECT 1 FROM offerings WHERE id = $1::bigint FOR KEY SHARE" },

    { "providers_lock", "SELECT 1 FROM providers WHERE id = $1::bigint FOR UPDATE" },
    { "providers_input", "SELECT input::text FROM provider_inputs WHERE id = $1::bigint" },
    { "providers_insert",
      "INSERT INTO providers (name, organisation_number, kind, email, phone, website, home_county_code, "
      "municipality_code, description, example) "
      "SELECT name, organisation_number, kind, email, phone, website, home_county, municipality, "
      "coalesce(description, ''), coalesce(example, false) "
      "FROM jsonb_to_record($1::jsonb) AS r(name text, organisation_number text, kind provider_kind, email text, "
      "phone text, website text, home_county text, municipality text, description text, example boolean) "
      "RETURNING id::text" },
    { "providers_update",
      "UPDATE providers p SET name = r.name, organisation_number = r.organisation_number, kind = r.kind, "
      "email = r.email, phone = r.phone, website = r.website, home_county_code = r.home_county, "
      "municipality_code = r.municipality, description = coalesce(r.description, ''), "
      "example = coalesce(r.example, false) "
      "FROM jsonb_to_record($2::jsonb) AS r(name text, organisation_number text, kind provider_kind, email text, "
      "phone text, website text, home_county text, municipality text, description text, example boolean) "
      "WHERE p.id = $1::bigint" },
    { "providers_delete", "DELETE FROM providers WHERE id = $1::bigint" },
    { "providers_referrers",
      "SELECT coalesce(json_agg(json_build_object('entity', 'offering', 'id', o.id::text) ORDER BY o.id), "
      "'[]'::json)::text FROM offerings o WHERE o.provider_id = $1::bigint" },
    { "providers_owner_of_key", "SELECT id::text FROM providers WHERE id = $1::bigint" },
    /* What a provider's own key may not change: who and where it is (the kind
     * "kommun" with a municipality makes its offerings that municipality's own
     * delivery in coverage). One row per such field the input changes. */
    { "providers_owner_guard",
      "SELECT u.field FROM provider_inputs i "
      "CROSS JOIN unnest(ARRAY['kind', 'municipality', 'home_county', 'organisation_number']) WITH ORDINALITY u(field, n) "
      "WHERE i.id = $1::bigint AND $3::text IS NOT NULL "
      "  AND coalesce(i.input->u.field, 'null'::jsonb) IS DISTINCT FROM coalesce($2::jsonb->u.field, 'null'::jsonb) "
      "ORDER BY u.n" },

    { "offerings_lock", "SELECT 1 FROM offerings WHERE id = $1::bigint FOR UPDATE" },
    { "offerings_input", "SELECT input::text FROM offering_inputs WHERE id = $1::bigint" },
    { "offerings_insert",
      "INSERT INTO offerings (provider_id, method_id, startup_fee_sek, training_cost_per_participant_sek, "
      "cost_per_case_sek, yearly_fee_sek, training_days, training_for, certification_required, delivery, "
      "languages, valid_from, valid_to, verified_on, example) "
      "SELECT provider_id, (SELECT id FROM methods WHERE slug = r.method), startup_fee_sek, "
      "training_cost_per_participant_sek, cost_per_case_sek, yearly_fee_sek, training_days, "
      "coalesce(training_for, '{}'), coalesce(certification_required, false), delivery, "
      "coalesce(languages, '{svenska}'), valid_from, valid_to, verified_on, coalesce(example, false) "
      "FROM jsonb_to_record($1::jsonb) AS r(provider_id bigint, method text, startup_fee_sek int, "
      "training_cost_per_participant_sek int, cost_per_case_sek int, yearly_fee_sek int, training_days numeric, "
      "training_for trainee_role[], certification_required boolean, delivery delivery_mode, languages text[], "
      "valid_from date, valid_to date, verified_on date, example boolean) RETURNING id::text" },
    { "offerings_update",
      "UPDATE offerings o SET provider_id = r.provider_id, method_id = (SELECT id FROM methods WHERE slug = r.method), "
      "startup_fee_sek = r.startup_fee_sek, training_cost_per_participant_sek = r.training_cost_per_participant_sek, "
      "cost_per_case_sek = r.cost_per_case_sek, yearly_fee_sek = r.yearly_fee_sek, training_days = r.training_days, "
      "training_for = coalesce(r.training_for, '{}'), certification_required = coalesce(r.certification_required, false), "
      "delivery = r.delivery, languages = coalesce(r.languages, '{svenska}'), valid_from = r.valid_from, "
      "valid_to = r.valid_to, verified_on = r.verified_on, example = coalesce(r.example, false) "
      "FROM jsonb_to_record($2::jsonb) AS r(provider_id bigint, method text, startup_fee_sek int, "
      "training_cost_per_participant_sek int, cost_per_case_sek int, yearly_fee_sek int, training_days numeric, "
      "training_for trainee_role[], certification_required boolean, delivery delivery_mode, languages text[], "
      "valid_from date, valid_to date, verified_on date, example boolean) WHERE o.id = $1::bigint" },
    { "offerings_delete", "DELETE FROM offerings WHERE id = $1::bigint" },
    { "offerings_owner_of_key", "SELECT provider_id::text FROM offerings WHERE id = $1::bigint" },
    { "offerings_owner_of_input", "SELECT $1::jsonb->>'provider_id'" },

    { "availability_lock", "SELECT 1 FROM offering_availability WHERE id = $1::bigint FOR UPDATE" },
    { "availability_input", "SELECT input::text FROM availability_inputs WHERE id = $1::bigint" },
    { "availability_insert",
      "INSERT INTO offering_availability (offering_id, county_code, municipality_code, status, "
      "capacity_cases_per_year, lead_time_weeks, example) "
      "SELECT offering_id, county, municipality, status, capacity_cases_per_year, lead_time_weeks, "
      "coalesce(example, false) FROM jsonb_to_record($1::jsonb) AS r(offering_id bigint, county text, "
      "municipality text, status availability_status, capacity_cases_per_year int, lead_time_weeks int, "
      "example boolean) RETURNING id::text" },
    { "availability_update",
      "UPDATE offering_availability a SET offering_id = r.offering_id, county_code = r.county, "
      "municipality_code = r.municipality, status = r.status, capacity_cases_per_year = r.capacity_cases_per_year, "
      "lead_time_weeks = r.lead_time_weeks, example = coalesce(r.example, false) "
      "FROM jsonb_to_record($2::jsonb) AS r(offering_id bigint, county text, municipality text, "
      "status availability_status, capacity_cases_per_year int, lead_time_weeks int, example boolean) "
      "WHERE a.id = $1::bigint" },
    { "availability_delete", "DELETE FROM offering_availability WHERE id = $1::bigint" },
    { "availability_owner_of_key",
      "SELECT o.provider_id::text FROM offering_availability a JOIN offerings o ON o.id = a.offering_id "
      "WHERE a.id = $1::bigint" },
    { "availability_owner_of_input",
      "SELECT provider_id::text FROM offerings WHERE id = ($1::jsonb->>'offering_id')::bigint" },
    { NULL, NULL },
};

static const struct db_reference provider_references[] = {
    { "home_county", "county_exists" }, { "municipality", "municipality_exists" }, { NULL, NULL },
};
static const struct db_reference offering_references[] = {
    { "provider_id", "provider_exists" }, { "method", "method_exists" }, { NULL, NULL },
};
static const struct db_reference availability_references[] = {
    { "offering_id", "offering_exists" }, { "county", "county_exists" }, { "municipality", "municipality_exists" },
    { NULL, NULL },
};

const struct db_writable db_providers_writable = {
    .entity = "provider",
    .lock_statement = "providers_lock",
    .document_statement = "providers_get",
    .input_statement = "providers_input",
    .insert_statement = "providers_insert",
    .update_statement = "providers_update",
    .delete_statement = "providers_delete",
    .referrers_statement = "providers_referrers",
    .references = provider_references,
    .owner_of_key_statement = "providers_owner_of_key",
    .owner_of_input_statement = NULL,   /* the provider is the key itself */
    .owner_may_create = false,          /* only admin registers providers */
    .owner_guard_statement = "providers_owner_guard",
};

const struct db_writable db_offerings_writable = {
    .entity = "offering",
    .lock_statement = "offerings_lock",
    .document_statement = "offerings_get",
    .input_statement = "offerings_input",
    .insert_statement = "offerings_insert",
    .update_statement = "offerings_update",
    .delete_statement = "offerings_delete",
    .referrers_statement = NULL,        /* its availability goes with it (ON DELETE CASCADE) */
    .references = offering_references,
    .owner_of_key_statement = "offerings_owner_of_key",
    .owner_of_input_statement = "offerings_owner_of_input",
    .owner_may_create = true,
};

const struct db_writable db_availability_writable = {
    .entity = "availability",
    .lock_statement = "availability_lock",
    .document_statement = "availability_get",
    .input_statement = "availability_input",
    .insert_statement = "availability_insert",
    .update_statement = "availability_update",
    .delete_statement = "availability_delete",
    .referrers_statement = NULL,
    .references = availability_references,
    .owner_of_key_statement = "availability_owner_of_key",
    .owner_of_input_statement = "availability_owner_of_input",
    .owner_may_create = true,
};

enum db_status db_providers_list(struct db_pool *pool, const struct db_page_request *request, char **out)
{
    return db_page_fetch(pool, "providers_list", request, out);
}

enum db_status db_offerings_list(struct db_pool *pool, const struct db_page_request *request, char **out)
{
    return db_page_fetch(pool, "offerings_list", request, out);
}

static enum db_status fetch_by_id(struct db_pool *pool, const char *statement, const char *id, struct db_read *read,
                                  char **out)
{
    const char *params[] = { id };
    return db_fetch_document(pool, read, statement, 1, params, out);
}

enum db_status db_providers_get(struct db_pool *pool, const char *id, struct db_read *read, char **out)
{
    return fetch_by_id(pool, "providers_get", id, read, out);
}

enum db_status db_offerings_get(struct db_pool *pool, const char *id, struct db_read *read, char **out)
{
    return fetch_by_id(pool, "offerings_get", id, read, out);
}

enum db_status db_availability_get(struct db_pool *pool, const char *id, struct db_read *read, char **out)
{
    return fetch_by_id(pool, "availability_get", id, read, out);
}

enum db_status db_method_providers(struct db_pool *pool, const struct db_method_providers_query *query, char **out)
{
    const char *params[] = { query->method, query->county, query->on, query->sort,
                             query->limit, query->offset, query->next_prefix };
    return db_fetch_document(pool, query->read, "method_providers", 7, params, out);
}
