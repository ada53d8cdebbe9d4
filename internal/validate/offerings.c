/*
 * internal/validate/offerings.c: the offering fields and their rules (see
 * offerings.h).
 */
#include "offerings.h"

#include <string.h>

/* Must match the trainee_role and delivery_mode enums in sql/0006_providers.sql. */
static const char *const trainee_roles[] = { "behandlare", "handledare", NULL };
static const char *const delivery_modes[] = { "på plats", "digitalt", "båda", NULL };

const struct field_spec validate_offering_fields[] = {
    FIELD_SPEC_ID_REFERENCE("provider_id", true, "provider"),
    FIELD_SPEC_REFERENCE("method", true, "method"),
    FIELD_SPEC_INTEGER("startup_fee_sek", false, 0, 100000000),
    FIELD_SPEC_INTEGER("training_cost_per_participant_sek", false, 0, 100000000),
    FIELD_SPEC_INTEGER("cost_per_case_sek", false, 0, 100000000),
    FIELD_SPEC_INTEGER("yearly_fee_sek", false, 0, 100000000),
    FIELD_SPEC_NUMBER("training_days", false, 0, 365),
    FIELD_SPEC_CHOICES("training_for", false, trainee_roles),
    FIELD_SPEC_BOOLEAN("certification_required", false),
    FIELD_SPEC_CHOICE("delivery", true, delivery_modes),
    FIELD_SPEC_TEXTS("languages", false, 20, 40),
    FIELD_SPEC_OF("valid_from", FIELD_DATE, true),
    FIELD_SPEC_OF("valid_to", FIELD_DATE, false),
    FIELD_SPEC_OF("verified_on", FIELD_DATE, false),
    FIELD_SPEC_BOOLEAN("example", false),
    FIELD_SPEC_END,
};

const struct field_spec *validate_offering_field(const char *name)
{
    for (const struct field_spec *spec = validate_offering_fields; spec->name != NULL; spec++)
        if (strcmp(spec->name, name) == 0)
            return spec;
    return NULL;
}

void validate_offering_rules(const json_t *input, struct field_errors *errors)
{
    const json_t *days = json_object_get(input, "training_days");
    const json_t *language;
    size_t index;

    json_array_foreach(json_object_get(input, "languages"), index, language) {
        if (json_is_string(language) && strchr(json_string_value(language), '|') != NULL) {
            field_errors_add(errors, "languages", "Field \"languages\" must not contain \"|\", which separates "
                             "languages in CSV.");
            break;
        }
    }
    if (json_is_number(days)) {
        /* Tenths within a rounding error of a whole number: 2.5 is, 2.55 (25.5 tenths) is not. */
        double tenths = json_number_value(days) * 10;
        double nearest = (double)(long long)(tenths + 0.5);
        if (tenths - nearest > 1e-9 || nearest - tenths > 1e-9)
            field_errors_add(errors, "training_days", "Field \"training_days\" takes at most one decimal, such as 2.5.");
    }
}
