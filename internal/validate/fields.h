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

/* How many errors a collector keeps unless told otherwise: a request's body or parameters. */
#define FIELD_ERRORS_MAX 32

struct field_error {
    const char *field;            /* a spec name or key of the checked object, or name below */
    char name[64];                /* storage for a nested field's path, e.g. "parties[2].role" */
    char message[256];
    /* In a file (the offerings CSV): the line its record starts on (the
     * header is 1) and the 1-based column, 0 for the whole row. Else 0, 0. */
    long row;
    int column;
};

/*
 * The one collector of errors: a request's body and parameters, and a file
 * (the offerings CSV import). problem_error_entry() (http/problem.h) turns
 * an entry into JSON. Every error is counted in total; the first keep are
 * kept in items, in order of discovery (field_errors_sort_by_place orders a
 * file's). The first FIELD_ERRORS_MAX live in the struct itself, so a
 * request's collector, { .count = 0 }, needs no release; a file's, which
 * keeps more ({ .keep = N }), grows on the heap and is released with
 * field_errors_release(). Never copy a collector: items may point into it.
 */
struct field_errors {
    struct field_error *items;    /* the kept errors; NULL while there are none */
    size_t count;                 /* kept */
    size_t total;                 /* found, kept or not */
    size_t keep;                  /* how many to keep; 0: FIELD_ERRORS_MAX */
    size_t capacity;              /* of items once it is on the heap */
    struct field_error first[FIELD_ERRORS_MAX];
};

void field_errors_add(struct field_errors *errors, const char *field, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* The same, for a field named by a path built at run time ("parties[2].share_percent"): copied. */
void field_errors_add_at(struct field_errors *errors, const char *path, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* The same, for an error at row and column of a file (field: the column's name, borrowed). */
void field_errors_vadd_in_file(struct field_errors *errors, long row, int column, const char *field,
                               const char *format, va_list args) __attribute__((format(printf, 5, 0)));

/* Orders the kept errors by row, then column, then order of discovery. */
void field_errors_sort_by_place(struct field_errors *errors);

/* Frees what the collector took from the heap and zeroes it; accepts a zeroed one. */
void field_errors_release(struct field_errors *errors);

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
