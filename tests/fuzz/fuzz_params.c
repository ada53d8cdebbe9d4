/*
 * tests/fuzz/fuzz_params.c: the query-parameter checks (http/params.c).
 * Input: one byte choosing the kind, then the parameter's value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../internal/http/params.h"

static const char *const choices[] = { "tillgänglig", "planerad", "ej tillgänglig", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum param_kind kinds[] = {
        PARAM_SLUG, PARAM_COUNTY_CODE, PARAM_MUNICIPALITY_CODE, PARAM_AGE, PARAM_BOOL,
        PARAM_TIMESTAMP, PARAM_CHOICE, PARAM_TEXT, PARAM_ID, PARAM_DATE,
    };
    struct field_errors errors = { .count = 0 };
    long number = 0;

    if (size < 1)
        return 0;
    char *value = malloc(size);
    if (value == NULL)
        return 0;
    memcpy(value, data + 1, size - 1);
    value[size - 1] = '\0';
    struct param_spec spec = { .name = "p", .kind = kinds[data[0] % (sizeof(kinds) / sizeof(kinds[0]))],
                               .choices = choices };
    params_check(&spec, value, &errors);
    params_check_long("limit", value, 1, 200, &number, &errors);
    free(value);
    return 0;
}
