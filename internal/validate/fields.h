/*
 * internal/validate/fields.h: checks of a JSON request body against a table
 * of field specs. Pure (no I/O), so it runs before any database work and
 * can be unit-tested and fuzzed; checks that need the database (does the
 * referenced record exist?) are named here and done by the db layer.
 *
 * Every problem is collected, so a client fixes all of them in one round.
 */
#ifndef INSATSKATALOG_VALIDATE_FIELDS_H
#define INSATSKATALOG_VALIDATE_FIELDS_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum field_type {
    FIELD_TEXT,          /* string, clean UTF-8, min_length..max_length bytes */
    FIELD_SLUG,          /* string, validate_is_slug */
    FIELD_INTEGER,       /* integer, minimum..maximum */
    FIELD_BOOLEAN,
    FIELD_CHOICE,        /* string, one of choices */
    FIELD_CHOICE_ARRAY,  /* non-empty array of distinct choices */
    FIELD_TEXT_ARRAY,    /* array of TEXT, at most maximum items */
    FIELD_URL,           /* http(s) URL, at most max_length bytes */
    FIELD_REFERENCE,     /* slug of another record; existence is checked by the db layer */
    FIELD_ID_REFERENCE,  /* positive integer id of another record; existence checked likewise */
    FIELD_NUMBER,        /* number (integer or fraction), minimum..maximum */
    FIELD_DATE,          /* "YYYY-MM-DD" */
    FIELD_COUNTY_CODE,   /* "03": existence checked by the db layer */
    FIELD_MUNICIPALITY_CODE,   /* "0381": existence checked by the db layer */
    FIELD_ORGANISATION_NUMBER, /* ten digits with a Luhn check digit */
    FIELD_EMAIL,
    FIELD_PHONE,
    FIELD_OBJECT,        /* an object; its members are checked by fields_check_nested() */
    FIELD_ARRAY,         /* an array of objects, maximum items; likewise */
};

struct field_spec {
    const char *name;
    enum field_type type;
    bool required;                /* must be present and not null */
    long minimum, maximum;        /* INTEGER range; TEXT_ARRAY max items */
    size_t min_length, max_length;   /* TEXT and URL, in bytes */
    const char *const *choices;   /* CHOICE and CHOICE_ARRAY, NULL-terminated */
    const char *reference;        /* REFERENCE: what it names, e.g. "intervention type" */
};

/* Spec shorthands: name, required, and the limits that apply to the type. */
#define FIELD_SPEC_TEXT(name, required, min, max) { name, FIELD_TEXT, required, 0, 0, min, max, NULL, NULL }
#define FIELD_SPEC_URL(name, required) { name, FIELD_URL, required, 0, 0, 8, 500, NULL, NULL }
#define FIELD_SPEC_SLUG(name) { name, FIELD_SLUG, true, 0, 0, 0, 0, NULL, NULL }
#define FIELD_SPEC_INTEGER(name, required, min, max) { name, FIELD_INTEGER, required, min, max, 0, 0, NULL, NULL }
#define FIELD_SPEC_BOOLEAN(name, required) { name, FIELD_BOOLEAN, required, 0, 0, 0, 0, NULL, NULL }
#define FIELD_SPEC_CHOICE(name, required, choices) { name, FIELD_CHOICE, required, 0, 0, 0, 0, choices, NULL }
#define FIELD_SPEC_CHOICES(name, required, choices) { name, FIELD_CHOICE_ARRAY, required, 0, 0, 0, 0, choices, NULL }
#define FIELD_SPEC_TEXTS(name, required, max_items, max) { name, FIELD_TEXT_ARRAY, required, 0, max_items, 0, max, NULL, NULL }
#define FIELD_SPEC_REFERENCE(name, required, what) { name, FIELD_REFERENCE, required, 0, 0, 0, 0, NULL, what }
#define FIELD_SPEC_ID_REFERENCE(name, required, what) { name, FIELD_ID_REFERENCE, required, 1, 0, 0, 0, NULL, what }
#define FIELD_SPEC_NUMBER(name, required, min, max) { name, FIELD_NUMBER, required, min, max, 0, 0, NULL, NULL }
#define FIELD_SPEC_OF(name, type, required) { name, type, required, 0, 0, 0, 0, NULL, NULL }
#define FIELD_SPEC_OBJECT(name, required) { name, FIELD_OBJECT, required, 0, 0, 0, 0, NULL, NULL }
#define FIELD_SPEC_ARRAY(name, required, max_items) { name, FIELD_ARRAY, required, 0, max_items, 0, 0, NULL, NULL }
#define FIELD_SPEC_END { NULL, 0, false, 0, 0, 0, 0, NULL, NULL }

#define FIELD_ERRORS_MAX 32

struct field_error {
    const char *field;            /* a spec name or key of the checked object, or name below */
    char name[64];                /* storage for a nested field's path, e.g. "parties[2].role" */
    char message[256];
};

struct field_errors {
    struct field_error items[FIELD_ERRORS_MAX];
    size_t count;
};

/*
 * Fills one error: its field (borrowed, or copied into error->name when
 * copy is true) and its message, formatted like vprintf. The one body behind
 * field_errors_add(), field_errors_add_at() and the CSV import's
 * validate_csv_errors_add(), whose errors are field errors with a row and a
 * column; problem_error_entry() (http/problem.h) turns either into JSON.
 */
void field_error_vset(struct field_error *error, const char *field, bool copy, const char *format, va_list args)
    __attribute__((format(printf, 4, 0)));

void field_errors_add(struct field_errors *errors, const char *field, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* The same, for a field named by a path built at run time ("parties[2].share_percent"): copied. */
void field_errors_add_at(struct field_errors *errors, const char *path, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Checks body (which must be an object) against the NULL-name-terminated
 * specs: unknown keys, missing required fields, types and ranges.
 * Appends one error per problem; returns whether there were none.
 */
bool fields_check_object(const json_t *body, const struct field_spec *specs, struct field_errors *errors);

/*
 * Checks a member of body that is an object (FIELD_OBJECT) or an array of
 * objects (FIELD_ARRAY) against specs, naming its problems by path:
 * "decision.date", "parties[2].role". Absent members pass (their own spec
 * says whether they are required). Returns whether there were none.
 */
bool fields_check_nested(const json_t *body, const char *name, const struct field_spec *specs,
                         struct field_errors *errors);

/* Appends the errors of a nested object to errors, named "<prefix>.<field>". */
void fields_add_prefixed(struct field_errors *errors, const struct field_errors *nested, const char *prefix);

/* Checks that low_name <= high_name when both are present: integers by
 * value, strings (dates "YYYY-MM-DD") by their characters. */
void fields_check_order(const json_t *body, const char *low_name, const char *high_name,
                        struct field_errors *errors);

/*
 * Applies a JSON merge patch (RFC 7386) to target in place: members of
 * patch replace those of target, null members remove them. Only the top
 * level is merged, since no catalogue field is a nested object.
 * Returns false when patch is not an object.
 */
bool fields_merge_patch(json_t *target, const json_t *patch);

#endif
