/*
 * internal/validate/fields.c: field-spec checks of JSON bodies.
 */
#include "fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

/* Moves the kept errors to a heap array of capacity entries; false (nothing
 * changed) when out of memory. A copied field name moves with its entry:
 * NULL stands for it meanwhile. */
static bool grow(struct field_errors *errors, size_t capacity)
{
    struct field_error *items;

    for (size_t i = 0; i < errors->count; i++)
        if (errors->items[i].field == errors->items[i].name)
            errors->items[i].field = NULL;
    if (errors->items == errors->first) {
        if ((items = malloc(capacity * sizeof(*items))) != NULL)
            memcpy(items, errors->first, errors->count * sizeof(*items));
    } else {
        items = realloc(errors->items, capacity * sizeof(*items));
    }
    if (items != NULL) {
        errors->items = items;
        errors->capacity = capacity;
    }
    for (size_t i = 0; i < errors->count; i++)
        if (errors->items[i].field == NULL)
            errors->items[i].field = errors->items[i].name;
    return items != NULL;
}

/* The next entry to fill, or NULL when the error is only counted (past keep,
 * or out of memory). Entries past FIELD_ERRORS_MAX move to the heap. */
static struct field_error *next_entry(struct field_errors *errors)
{
    size_t keep = errors->keep ? errors->keep : FIELD_ERRORS_MAX;
    size_t capacity = errors->items == errors->first ? FIELD_ERRORS_MAX : errors->capacity;

    errors->total++;
    if (errors->count >= keep)
        return NULL;
    if (errors->items == NULL) {
        errors->items = errors->first;
        capacity = FIELD_ERRORS_MAX;
    }
    if (errors->count == capacity && !grow(errors, 2 * capacity))
        return NULL;
    return &errors->items[errors->count++];
}

/* Fills an entry: its field (borrowed, or copied into error->name when copy
 * is true), its place, and its message, formatted like vprintf. */
static void add_entry(struct field_errors *errors, const char *field, bool copy, long row, int column,
                      const char *format, va_list args) __attribute__((format(printf, 6, 0)));
static void add_entry(struct field_errors *errors, const char *field, bool copy, long row, int column,
                      const char *format, va_list args)
{
    struct field_error *error = next_entry(errors);

    if (error == NULL)
        return;
    if (copy) {
        snprintf(error->name, sizeof(error->name), "%s", field);
        error->field = error->name;
    } else {
        error->field = field;
    }
    vsnprintf(error->message, sizeof(error->message), format, args);
    error->row = row;
    error->column = column;
}

void field_errors_add(struct field_errors *errors, const char *field, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    add_entry(errors, field, false, 0, 0, format, args);
    va_end(args);
}

void field_errors_add_at(struct field_errors *errors, const char *path, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    add_entry(errors, path, true, 0, 0, format, args);
    va_end(args);
}

void field_errors_vadd_in_file(struct field_errors *errors, long row, int column, const char *field,
                               const char *format, va_list args)
{
    add_entry(errors, field, false, row, column, format, args);
}

static int compare_places(const void *a, const void *b)
{
    const struct field_error *x = *(const struct field_error *const *)a;
    const struct field_error *y = *(const struct field_error *const *)b;

    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    return x < y ? -1 : x > y;   /* entries are in the order they were found */
}

void field_errors_sort_by_place(struct field_errors *errors)
{
    const struct field_error **order = NULL;
    struct field_error *sorted = NULL;
    size_t count = errors->count;

    /* Out of memory leaves them unsorted: every error is still there. */
    if (count < 2 || (order = malloc(count * sizeof(*order))) == NULL
        || (sorted = malloc(count * sizeof(*sorted))) == NULL)
        goto cleanup;
    for (size_t i = 0; i < count; i++)
        order[i] = &errors->items[i];
    qsort(order, count, sizeof(*order), compare_places);
    for (size_t i = 0; i < count; i++)
        sorted[i] = *order[i];
    for (size_t i = 0; i < count; i++) {
        bool own_name = sorted[i].field == order[i]->name;   /* a copied field name moves with its entry */
        errors->items[i] = sorted[i];
        if (own_name)
            errors->items[i].field = errors->items[i].name;
    }
cleanup:
    free(order);
    free(sorted);
}

void field_errors_release(struct field_errors *errors)
{
    if (errors->items != errors->first)
        free(errors->items);
    memset(errors, 0, sizeof(*errors));
}

static const char *type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "unrecognized";
}

static bool is_url(const char *text)
{
    return (strncmp(text, "https://", 8) == 0 && text[8] != '\0')
           || (strncmp(text, "http://", 7) == 0 && text[7] != '\0');
}

static void check_text(const struct field_spec *spec, const char *text, struct field_errors *errors)
{
    size_t length = strlen(text);

    /* json_loads already refuses invalid UTF-8; control characters remain possible. */
    if (!validate_is_clean_utf8(text))
        field_errors_add(errors, spec->name, "Field \"%s\" must not contain control characters.", spec->name);
    else if (length < spec->min_length || (spec->max_length > 0 && length > spec->max_length))
        field_errors_add(errors, spec->name, "Field \"%s\" must be %zu to %zu bytes long; it is %zu.", spec->name,
                         spec->min_length, spec->max_length, length);
}

static void check_value(const struct field_spec *spec, const json_t *value, struct field_errors *errors)
{
    char choices[200];
    const char *text = json_string_value(value);

    switch (spec->type) {
    case FIELD_TEXT:
    case FIELD_URL:
        if (text == NULL) {
            field_errors_add(errors, spec->name, "Field \"%s\" must be a string, not %s.", spec->name,
                             type_name(value));
            return;
        }
        check_text(spec, text, errors);
        if (spec->type == FIELD_URL && !is_url(text))
            field_errors_add(errors, spec->name, "Field \"%s\" must be an http or https URL.", spec->name);
        return;
    case FIELD_SLUG:
    case FIELD_REFERENCE:
        if (text == NULL || !validate_is_slug(text))
            field_errors_add(errors, spec->name, "Field \"%s\" must be a slug: 1 to 64 lower-case letters, digits "
                             "and single hyphens, such as \"triple-p\".", spec->name);
        return;
    case FIELD_ID_REFERENCE:
        if (!json_is_integer(value) || json_integer_value(value) < 1)
            field_errors_add(errors, spec->name, "Field \"%s\" must be the positive integer id of a %s.", spec->name,
                             spec->reference ? spec->reference : "record");
        return;
    case FIELD_NUMBER:
        if (!json_is_number(value))
            field_errors_add(errors, spec->name, "Field \"%s\" must be a number, not %s.", spec->name,
                             type_name(value));
        else if (json_number_value(value) < (double)spec->minimum || json_number_value(value) > (double)spec->maximum)
            field_errors_add(errors, spec->name, "Field \"%s\" must be from %ld to %ld.", spec->name, spec->minimum,
                             spec->maximum);
        return;
    case FIELD_DATE:
        if (!validate_is_date(text))
            field_errors_add(errors, spec->name, "Field \"%s\" must be a date such as \"2025-01-31\".", spec->name);
        return;
    case FIELD_COUNTY_CODE:
        if (!validate_is_county_code(text))
            field_errors_add(errors, spec->name, "Field \"%s\" must be a two-digit county code such as \"03\".",
                             spec->name);
        return;
    case FIELD_MUNICIPALITY_CODE:
        if (!validate_is_municipality_code(text))
            field_errors_add(errors, spec->name, "Field \"%s\" must be a four-digit municipality code such as "
                             "\"0381\".", spec->name);
        return;
    case FIELD_ORGANISATION_NUMBER:
        if (!validate_is_organisation_number(text))
            field_errors_add(errors, spec->name, "Field \"%s\" must be a Swedish organisation number: ten digits "
                             "without a hyphen, the last a correct check digit.", spec->name);
        return;
    case FIELD_EMAIL:
        if (!validate_is_email(text))
            field_errors_add(errors, spec->name, "Field \"%s\" must be an e-mail address.", spec->name);
        return;
    case FIELD_PHONE:
        if (!validate_is_phone(text))
            field_errors_add(errors, spec->name, "Field \"%s\" must be a phone number of digits, spaces, "
                             "hyphens and parentheses, optionally starting with \"+\".", spec->name);
        return;
    case FIELD_OBJECT:
        if (!json_is_object(value))
            field_errors_add(errors, spec->name, "Field \"%s\" must be an object, not %s.", spec->name,
                             type_name(value));
        return;
    case FIELD_ARRAY:
        if (!json_is_array(value) || (spec->maximum > 0 && json_array_size(value) > (size_t)spec->maximum))
            field_errors_add(errors, spec->name, "Field \"%s\" must be an array of at most %ld objects.", spec->name,
                             spec->maximum);
        return;
    case FIELD_INTEGER:
        if (!json_is_integer(value))
            field_errors_add(errors, spec->name, "Field \"%s\" must be an integer, not %s.", spec->name,
                             type_name(value));
        else if (json_integer_value(value) < spec->minimum || json_integer_value(value) > spec->maximum)
            field_errors_add(errors, spec->name, "Field \"%s\" must be from %ld to %ld; it is %lld.", spec->name,
                             spec->minimum, spec->maximum, (long long)json_integer_value(value));
        return;
    case FIELD_BOOLEAN:
        if (!json_is_boolean(value))
            field_errors_add(errors, spec->name, "Field \"%s\" must be true or false, not %s.", spec->name,
                             type_name(value));
        return;
    case FIELD_CHOICE:
        if (text == NULL || !validate_is_choice(spec->choices, text)) {
            validate_join_choices(spec->choices, choices, sizeof(choices));
            field_errors_add(errors, spec->name, "Field \"%s\" must be one of %s.", spec->name, choices);
        }
        return;
    case FIELD_CHOICE_ARRAY:
    case FIELD_TEXT_ARRAY: {
        size_t index;
        const json_t *item;
        bool ok = json_is_array(value);
        if (ok && spec->type == FIELD_CHOICE_ARRAY && json_array_size(value) == 0)
            ok = false;   /* name at least one, or leave the field out */
        if (ok && spec->maximum > 0 && json_array_size(value) > (size_t)spec->maximum)
            ok = false;
        json_array_foreach(value, index, item) {
            const char *s = json_string_value(item);
            if (!ok || s == NULL)
                ok = false;
            else if (spec->type == FIELD_CHOICE_ARRAY && !validate_is_choice(spec->choices, s))
                ok = false;
            else if (spec->type == FIELD_TEXT_ARRAY && (!validate_is_clean_utf8(s) || s[0] == '\0'
                                                        || strlen(s) > spec->max_length))
                ok = false;
            for (size_t j = 0; ok && j < index; j++)
                if (strcmp(json_string_value(json_array_get(value, j)), s) == 0)
                    ok = false;   /* duplicates */
        }
        if (ok)
            return;
        if (spec->type == FIELD_CHOICE_ARRAY) {
            validate_join_choices(spec->choices, choices, sizeof(choices));
            field_errors_add(errors, spec->name, "Field \"%s\" must be a non-empty array of distinct values from %s.",
                             spec->name, choices);
        } else {
            field_errors_add(errors, spec->name, "Field \"%s\" must be an array of at most %ld distinct non-empty "
                             "strings of at most %zu bytes.", spec->name, spec->maximum, spec->max_length);
        }
        return;
    }
    }
}

bool fields_check_object(const json_t *body, const struct field_spec *specs, struct field_errors *errors)
{
    size_t before = errors->count;
    const char *key;
    const json_t *value;

    if (!json_is_object(body)) {
        field_errors_add(errors, "(body)", "The request body must be a JSON object.");
        return false;
    }
    json_object_foreach((json_t *)body, key, value) {
        bool known = false;
        for (const struct field_spec *spec = specs; spec->name != NULL; spec++)
            known = known || strcmp(spec->name, key) == 0;
        if (!known)
            field_errors_add(errors, key, "Field \"%s\" is not recognized.",
                             validate_is_clean_utf8(key) && strlen(key) < 64 ? key : "(unprintable)");
    }
    for (const struct field_spec *spec = specs; spec->name != NULL; spec++) {
        value = json_object_get(body, spec->name);
        if (value == NULL || json_is_null(value)) {
            if (spec->required)
                field_errors_add(errors, spec->name, "Field \"%s\" is required.", spec->name);
            continue;
        }
        check_value(spec, value, errors);
    }
    return errors->count == before;
}

void fields_check_order(const json_t *body, const char *low_name, const char *high_name,
                        struct field_errors *errors)
{
    const json_t *low = json_object_get(body, low_name);
    const json_t *high = json_object_get(body, high_name);

    /* Only compare values that are valid on their own: an out-of-range
     * age_min must not make age_max look wrong. */
    for (size_t i = 0; i < errors->count; i++)
        if (strcmp(errors->items[i].field, low_name) == 0 || strcmp(errors->items[i].field, high_name) == 0)
            return;
    bool inverted = (json_is_integer(low) && json_is_integer(high) && json_integer_value(low) > json_integer_value(high))
                    || (json_is_string(low) && json_is_string(high)
                        && strcmp(json_string_value(low), json_string_value(high)) > 0);

    if (inverted)
        field_errors_add(errors, high_name, "Field \"%s\" must not be less than \"%s\".", high_name, low_name);
}

bool fields_merge_patch(json_t *target, const json_t *patch)
{
    const char *key;
    json_t *value;

    if (!json_is_object(target) || !json_is_object(patch))
        return false;
    json_object_foreach((json_t *)patch, key, value) {
        if (json_is_null(value))
            json_object_del(target, key);
        else
            json_object_set(target, key, value);
    }
    return true;
}

void fields_add_prefixed(struct field_errors *errors, const struct field_errors *nested, const char *prefix)
{
    for (size_t i = 0; i < nested->count; i++) {
        char path[sizeof(nested->items[i].name)];
        snprintf(path, sizeof(path), "%s.%s", prefix, nested->items[i].field);
        field_errors_add_at(errors, path, "%s: %s", path, nested->items[i].message);
    }
}

bool fields_check_nested(const json_t *body, const char *name, const struct field_spec *specs,
                         struct field_errors *errors)
{
    const json_t *value = json_object_get(body, name);
    size_t before = errors->count;
    char prefix[48];

    if (json_is_object(value)) {
        struct field_errors nested = { .count = 0 };
        fields_check_object(value, specs, &nested);
        fields_add_prefixed(errors, &nested, name);
    } else if (json_is_array(value)) {
        size_t index;
        const json_t *item;
        json_array_foreach(value, index, item) {
            struct field_errors nested = { .count = 0 };
            snprintf(prefix, sizeof(prefix), "%s[%zu]", name, index);
            if (!json_is_object(item)) {
                field_errors_add(&nested, "(item)", "Each item must be an object.");
                nested.items[0].field = "(item)";
            } else {
                fields_check_object(item, specs, &nested);
            }
            fields_add_prefixed(errors, &nested, prefix);
        }
    }
    return errors->count == before;
}
