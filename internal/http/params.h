/*
 * internal/http/params.h: query and path parameters, checked before any
 * database work. The *_or_problem functions follow one contract: when they
 * return false, the problem response has already been written and the
 * caller just returns.
 */
#ifndef INSATSKATALOG_HTTP_PARAMS_H
#define INSATSKATALOG_HTTP_PARAMS_H

#include <stdbool.h>
#include <ulfius.h>

#include "problem.h"

enum param_kind {
    PARAM_SLUG,
    PARAM_COUNTY_CODE,
    PARAM_MUNICIPALITY_CODE,
    PARAM_AGE,          /* whole years, 0..25 */
    PARAM_BOOL,         /* "true" or "false" */
    PARAM_TIMESTAMP,    /* RFC 3339 date or date-time */
    PARAM_CHOICE,       /* one of a fixed list */
    PARAM_TEXT,         /* clean UTF-8, 1..200 bytes */
    PARAM_ID,           /* positive integer id */
    PARAM_DATE,         /* "YYYY-MM-DD" */
};

struct param_spec {
    const char *name;
    enum param_kind kind;
    const char *const *choices;   /* PARAM_CHOICE only: NULL-terminated */
    const char *constant;         /* lists only: a fixed value, never read from the query */
    bool in_path;                 /* lists only: read from the path, e.g. /v1/methods/{slug}/history */
};


/*
 * Checks one value against its spec; on failure appends an error naming the
 * parameter. NULL (absent) is valid. Returns whether the value is valid.
 */
bool params_check(const struct param_spec *spec, const char *value, struct field_errors *errors);

/*
 * Appends an error for every query parameter whose name is not in allowed
 * (NULL-terminated) and is not a path parameter of the route (path_params,
 * NULL-terminated, may be NULL): a misspelt filter must not silently widen
 * a result.
 */
void params_check_known(const struct _u_request *req, const char *const *allowed,
                        const char *const *path_params, struct field_errors *errors);

/*
 * An optional integer query parameter: absent (NULL) keeps *out, its
 * default; otherwise it must be a canonical integer from min to max, stored
 * in *out, or an error naming it is appended. out may be NULL to only check.
 */
void params_check_long(const char *name, const char *value, long min, long max, long *out,
                       struct field_errors *errors);

/* Sends 400 with every collected error and returns false, or returns true
 * when there were none. */
bool params_ok_or_problem(struct _u_response *resp, const struct field_errors *errors);

#endif
