/*
 * tests/fuzz/fuzz_fields.c: the JSON field validators and merge patch
 * (validate/fields.c). Input: a JSON document; when it holds a line break,
 * the text before it is the record and the text after it the merge patch.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "../../internal/validate/fields.h"

static const char *const choices[] = { "bör", "kan", "FoU", NULL };

static const struct field_spec nested[] = {
    FIELD_SPEC_OF("municipality", FIELD_MUNICIPALITY_CODE, true),
    FIELD_SPEC_CHOICE("role", true, choices),
    FIELD_SPEC_NUMBER("share_percent", false, 0, 100),
    FIELD_SPEC_OF("date", FIELD_DATE, false),
    FIELD_SPEC_END,
};

static const struct field_spec every_kind[] = {
    FIELD_SPEC_SLUG("slug"),
    FIELD_SPEC_TEXT("title", true, 1, 300),
    FIELD_SPEC_URL("url", false),
    FIELD_SPEC_INTEGER("year", false, 1900, 2100),
    FIELD_SPEC_BOOLEAN("example", false),
    FIELD_SPEC_CHOICE("strength", false, choices),
    FIELD_SPEC_CHOICES("strengths", false, choices),
    FIELD_SPEC_TEXTS("tags", false, 20, 64),
    FIELD_SPEC_REFERENCE("method", false, "method"),
    FIELD_SPEC_ID_REFERENCE("provider", false, "provider"),
    FIELD_SPEC_NUMBER("days", false, 0, 365),
    FIELD_SPEC_OF("valid_from", FIELD_DATE, false),
    FIELD_SPEC_OF("county", FIELD_COUNTY_CODE, false),
    FIELD_SPEC_OF("municipality", FIELD_MUNICIPALITY_CODE, false),
    FIELD_SPEC_OF("organisation_number", FIELD_ORGANISATION_NUMBER, false),
    FIELD_SPEC_OF("email", FIELD_EMAIL, false),
    FIELD_SPEC_OF("phone", FIELD_PHONE, false),
    FIELD_SPEC_OBJECT("decision", false),
    FIELD_SPEC_ARRAY("parties", false, 60),
    FIELD_SPEC_END,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *split = memchr(data, '\n', size);
    size_t first = split ? (size_t)(split - data) : size;
    json_t *body = json_loadb((const char *)data, first, JSON_REJECT_DUPLICATES, NULL);
    json_t *patch = split ? json_loadb((const char *)split + 1, size - first - 1, JSON_REJECT_DUPLICATES, NULL) : NULL;
    struct field_errors errors = { .count = 0 };

    if (json_is_object(body)) {
        fields_check_object(body, every_kind, &errors);
        fields_check_nested(body, "parties", nested, &errors);
        fields_check_nested(body, "decision", nested, &errors);
        fields_check_order(body, "year", "days", &errors);
        if (patch != NULL && fields_merge_patch(body, patch))
            fields_check_object(body, every_kind, &errors);
    }
    json_decref(patch);
    json_decref(body);
    return 0;
}
