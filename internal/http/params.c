/*
 * internal/http/params.c: checking parameters against their specs.
 */
#include "params.h"

#include <stdio.h>
#include <string.h>

#include "../validate/validate.h"

bool params_check(const struct param_spec *spec, const char *value, struct field_errors *errors)
{
    char quoted[80];
    char choices[160];
    long number;
    bool flag;
    bool valid = false;

    if (value == NULL)
        return true;
    validate_quote(value, quoted, sizeof(quoted));
    switch (spec->kind) {
    case PARAM_SLUG:
        if (!(valid = validate_is_slug(value)))
            field_errors_add(errors, spec->name, "Query parameter \"%s\" must be a slug of lower-case letters, "
                             "digits and single hyphens. It was \"%s\".", spec->name, quoted);
        break;
    case PARAM_COUNTY_CODE:
        if (!(valid = validate_is_county_code(value)))
            field_errors_add(errors, spec->name, "Query parameter \"%s\" must be a two-digit county code such as "
                             "\"03\". It was \"%s\".", spec->name, quoted);
        break;
    case PARAM_MUNICIPALITY_CODE:
        if (!(valid = validate_is_municipality_code(value)))
            field_errors_add(errors, spec->name, "Query parameter \"%s\" must be a four-digit municipality code "
                             "such as \"0381\". It was \"%s\".", spec->name, quoted);
        break;
    case PARAM_AGE:
        if (!(valid = validate_parse_long(value, 0, 25, &number)))
            field_errors_add(errors, spec->name, "Query parameter \"%s\" must be an age in whole years from 0 "
                             "to 25. It was \"%s\".", spec->name, quoted);
        break;
    case PARAM_BOOL:
        if (!(valid = validate_parse_bool(value, &flag)))
            field_errors_add(errors, spec->name, "Query parameter \"%s\" must be \"true\" or \"false\". It was "
                             "\"%s\".", spec->name, quoted);
        break;
    case PARAM_TIMESTAMP:
        if (!(valid = validate_is_timestamp(value)))
            field_errors_add(errors, spec->name, "Query parameter \"%s\" must be an RFC 3339 date or date-time "
                             "such as \"2024-01-31\" or \"2024-01-31T12:00:00Z\". It was \"%s\".",
                             spec->name, quoted);
        break;
    case PARAM_CHOICE:
        if (!(valid = validate_is_choice(spec->choices, value))) {
            validate_join_choices(spec->choices, choices, sizeof(choices));
            field_errors_add(errors, spec->name, "Query parameter \"%s\" must be one of %s. It was \"%s\".",
                             spec->name, choices, quoted);
        }
        break;
    case PARAM_ID:
        if (!(valid = validate_parse_long(value, 1, 999999999999999999L, &number)))
            field_errors_add(errors, spec->name, "Query parameter \"%s\" must be a positive integer. It was \"%s\".",
                             spec->name, quoted);
        break;
    case PARAM_DATE:
        if (!(valid = validate_is_date(value)))
            field_errors_add(errors, spec->name, "Query parameter \"%s\" must be a date such as \"2025-01-31\". It "
                             "was \"%s\".", spec->name, quoted);
        break;
    case PARAM_TEXT:
        if (!(valid = validate_is_clean_utf8(value) && value[0] != '\0' && strlen(value) <= 200))
            field_errors_add(errors, spec->name, "Query parameter \"%s\" must be text of 1 to 200 bytes of "
                             "UTF-8 without control characters. It was \"%s\".", spec->name, quoted);
        break;
    }
    return valid;
}

static bool is_listed(const char *const *names, const char *name)
{
    for (; names != NULL && *names != NULL; names++)
        if (strcmp(*names, name) == 0)
            return true;
    return false;
}

/* Whether the raw query string has a parameter called name. ulfius puts
 * path and query parameters in one map, so this is how a query parameter
 * that shadows a path parameter (/v1/methods/mst?slug=fft) is caught. */
static bool query_has(const struct _u_request *req, const char *name)
{
    const char *p = req->http_url ? strchr(req->http_url, '?') : NULL;
    size_t length = strlen(name);

    while (p != NULL) {
        p++;
        if (strncmp(p, name, length) == 0 && (p[length] == '=' || p[length] == '&' || p[length] == '\0'))
            return true;
        p = strchr(p, '&');
    }
    return false;
}

/* A parameter name as the client could have written it: clean UTF-8 as it
 * is, anything else percent-encoded byte by byte ("%FF"), since an error's
 * "field" must be a JSON string. Cut to fit out. */
static void printable_name(const char *name, char *out, size_t out_size)
{
    size_t used = 0;

    if (validate_is_clean_utf8(name)) {
        snprintf(out, out_size, "%s", name);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0' && used + 4 <= out_size; p++) {
        if (*p > 0x20 && *p < 0x7f)
            out[used++] = (char)*p;
        else
            used += (size_t)snprintf(out + used, out_size - used, "%%%02X", *p);
    }
    out[used] = '\0';
}

void params_check_known(const struct _u_request *req, const char *const *allowed,
                        const char *const *path_params, struct field_errors *errors)
{
    const char **keys = u_map_enum_keys(req->map_url);
    char name[64];
    char quoted[80];

    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        if (is_listed(allowed, keys[i]) || (is_listed(path_params, keys[i]) && !query_has(req, keys[i])))
            continue;
        printable_name(keys[i], name, sizeof(name));
        validate_quote(name, quoted, sizeof(quoted));
        field_errors_add_at(errors, name, "Query parameter \"%s\" is not recognized here.", quoted);
    }
}

void params_check_long(const char *name, const char *value, long min, long max, long *out,
                       struct field_errors *errors)
{
    char quoted[80];
    long parsed;

    if (value == NULL)
        return;
    if (validate_parse_long(value, min, max, &parsed)) {
        if (out != NULL)
            *out = parsed;
        return;
    }
    validate_quote(value, quoted, sizeof(quoted));
    field_errors_add(errors, name, "Query parameter \"%s\" must be an integer from %ld to %ld. It was \"%s\".", name,
                     min, max, quoted);
}

bool params_ok_or_problem(struct _u_response *resp, const struct field_errors *errors)
{
    if (errors->count == 0)
        return true;
    problem_invalid_parameters(resp, errors->items, errors->count);
    return false;
}
