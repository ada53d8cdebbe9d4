/*
 * internal/http/listing.h: the generic list and get handlers behind every
 * read-only resource. A resource file describes its parameters and names
 * its db_ functions; the flow (check parameters, one db call, respond) is
 * written once, here.
 */
#ifndef INSATSKATALOG_HTTP_LISTING_H
#define INSATSKATALOG_HTTP_LISTING_H

#include <ulfius.h>

#include "../db/page.h"
#include "app.h"
#include "params.h"

#define LISTING_DEFAULT_LIMIT 50
#define LISTING_MAX_LIMIT 200

struct list_spec {
    const char *path;                 /* the list's own path, for the next link; NULL: the request's */
    const char *since_name;           /* name of the updated_since parameter; NULL: "updated_since" */
    const char *path_kind;            /* what the path key names, for a 404 when it names nothing */
    struct param_spec key;            /* what a cursor must look like: the list's key */
    struct param_spec filters[DB_PAGE_MAX_FILTERS + 1];   /* in db order, ended by {NULL} */
    enum db_status (*fetch)(struct db_pool *pool, const struct db_page_request *request, char **out);
};

struct get_spec {
    const char *kind;                 /* "method", for "No method has the slug ..." */
    struct param_spec key;            /* the path parameter, e.g. {"slug", PARAM_SLUG} */
    enum db_status (*fetch)(struct db_pool *pool, const char *key, struct db_read *read, char **out);
};

/* A list's query as checked by listing_check_query(). */
struct listing_query {
    struct db_page_request request;                 /* filters and updated_since set; paging is the caller's */
    const char *carried[DB_PAGE_MAX_FILTERS + 3];   /* "limit", updated_since and the query filters */
    const char *path_param;                         /* the first filter read from the path, or NULL */
    const struct param_spec *bad_path_key;          /* a path filter of the wrong shape, when it was the
                                                     * first error (no shadowing query parameter garbled it) */
};

/*
 * The checks every list makes, a page or the CSV export: no parameter other
 * than the spec's filters, its updated_since and paging (NULL-terminated
 * names the caller checks itself); every filter (constants included) into
 * out->request; updated_since. Errors are collected in errors.
 */
void listing_check_query(const struct _u_request *req, const struct list_spec *spec, const char *const *paging,
                         struct listing_query *out, struct field_errors *errors);

/* GET <path>?filters&updated_since&limit&cursor: one page of the list. */
void listing_send_page(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                       struct db_read *read, const struct list_spec *spec);

/* GET <path>/{key}: one record, or 404. */
void listing_send_one(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                      struct db_read *read, const struct get_spec *spec);

/*
 * Builds "<path>?name=value&...&<last_name>=" from the given names, skipping
 * absent values, with values URL-encoded: the prefix a next-page token is
 * appended to. Returns a string to free with o_free(), or NULL when out of memory.
 */
char *listing_next_prefix(const struct _u_request *req, const char *path, const char *const *names,
                          const char *last_name);

#endif
