/*
 * internal/http/router.h: finds the route of a request in a trie of path
 * segments, built once at start-up from the route table in routes.c.
 *
 * ulfius matches a request by walking every registered endpoint and
 * splitting each template anew (allocations per segment per endpoint), so
 * its cost grows with the number of routes. Here the cost depends only on
 * the request path's segments: one binary search among a node's literal
 * children per segment, and a parameter child tried when no literal fits
 * (or fits but leads nowhere). The result keeps ulfius' behaviour: empty
 * segments are ignored ("/v1//methods/" is "/v1/methods"), the method is
 * compared case-insensitively, a literal segment wins over a parameter, and
 * a route whose template matches and whose method is right wins over one
 * that only matches the template (GET /v1/offerings/import is GET
 * /v1/offerings/:id with id "import").
 */
#ifndef INSATSKATALOG_HTTP_ROUTER_H
#define INSATSKATALOG_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <ulfius.h>

#include "handlers.h"

/* One row of the route table: method, template ("/v1/methods/:slug"), and
 * either a handler or, for a read made of cached documents, a reader. */
struct route {
    const char *method;
    const char *path;
    handler_fn *handler;
    reader_fn *reader;
};

/* The methods a route row may name; HEAD is answered by the GET route. */
enum router_method { ROUTER_GET, ROUTER_POST, ROUTER_PUT, ROUTER_PATCH, ROUTER_DELETE, ROUTER_METHODS };

/* A template's terminal node: what 405 and OPTIONS answer, and metrics series. */
struct router_path {
    const char *template;                      /* the first row's template */
    const struct route *routes[ROUTER_METHODS];
    char allow[96];                            /* "GET, HEAD, PUT, OPTIONS" */
    size_t series[ROUTER_METHODS];             /* per method */
    size_t head_series;                        /* HEAD, when there is a GET */
    size_t other_series;                       /* OPTIONS and 405 */
};

#define ROUTER_MAX_SEGMENTS 16

struct router_match {
    const struct route *route;       /* the handler for the method; NULL: 405, OPTIONS or 404 */
    const struct router_path *path;  /* the path matched; NULL: 404 */
    bool head;                       /* a HEAD answered by the GET route */
    enum router_method method;       /* route's method, when there is a route */
    /* The request path's segments (pointers into it, not NUL-terminated). */
    const char *segments[ROUTER_MAX_SEGMENTS];
    size_t lengths[ROUTER_MAX_SEGMENTS];
    size_t count;
};

struct router;

/*
 * Builds the trie of rows (borrowed; they must outlive the router). Returns
 * NULL when out of memory, or when a row names an unknown method or two
 * rows the same method and template (a mistake in the table).
 */
struct router *router_build(const struct route *rows, size_t count);
void router_free(struct router *router);   /* accepts NULL */

/* Every template's node, for registering metrics series; count in *count. */
struct router_path **router_paths(struct router *router, size_t *count);

/* Matches method and path (no query string) into *out. Allocates nothing. */
void router_match(const struct router *router, const char *method, const char *path, struct router_match *out);

/*
 * Puts the matched route's path parameters, URL-decoded, into map (the
 * request's map_url). A name already there (from the query string) gets
 * "query,path", as ulfius does. Returns false when out of memory.
 */
bool router_put_params(const struct router_match *match, struct _u_map *map);

#endif
