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
};

struct param_spec {
    const char *name;
    enum param_kind kind;
    const char *const *choices;   /* PARAM_CHOICE only: NULL-terminated */
};

#define PARAMS_MAX_ERRORS 16

/* Collects the problems of one request, to report them all at once. */
struct param_errors {
    struct problem_error items[PARAMS_MAX_ERRORS];
    size_t count;
};

/*
 * Checks one value against its spec; on failure appends an error naming the
 * parameter. NULL (absent) is valid. Returns whether the value is valid.
 */
bool params_check(const struct param_spec *spec, const char *value, struct param_errors *errors);

/*
 * Appends an error for every query parameter whose name is not in allowed
 * (NULL-terminated) and is not a path parameter of the route (path_params,
 * NULL-terminated, may be NULL): a misspelt filter must not silently widen
 * a result.
 */
void params_check_known(const struct _u_request *req, const char *const *allowed,
                        const char *const *path_params, struct param_errors *errors);

/* The message for a bad value of a given kind, e.g. for "limit". */
void params_add_error(struct param_errors *errors, const char *name, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Sends 400 with every collected error and returns false, or returns true
 * when there were none. */
bool params_ok_or_problem(struct _u_response *resp, const struct param_errors *errors);

#endif
