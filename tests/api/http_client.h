/*
 * tests/api/http_client.h: what the API tests use to talk to the real server.
 *
 * Three parts:
 *   1. a small libcurl client: one request, one response, nothing kept
 *      between calls (each request opens its own connection, so a test sees
 *      exactly what a fresh client would);
 *   2. readers of a response: headers (case-insensitive), media type, JSON
 *      paths, and a check for server internals leaking into a body;
 *   3. "expectations": checks that record a failure and go on, so a table
 *      of rows reports every bad row in one run instead of stopping at the
 *      first. A test ends with assert_int_equal(e.failed, 0).
 *
 * The server is reached at $BASE_URL (e.g. http://127.0.0.1:18080); paths
 * are sent as given, so a test controls every byte of the request line
 * (write hostile bytes percent-encoded: "%FF", "%00").
 */
#ifndef INSATSKATALOG_TESTS_API_HTTP_CLIENT_H
#define INSATSKATALOG_TESTS_API_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>

/* One HTTP response. Zero-initialise before use; free with http_response_free(). */
struct http_response {
    long status;                 /* HTTP status code; 0 when the request failed */
    char *body;                  /* NUL-terminated; "" when there was none (HEAD, 304, 204) */
    size_t body_length;          /* bytes in body, without the terminating NUL */
    json_t *json;                /* the body parsed, when the Content-Type is JSON (…/json or …+json) and
                                    the body parses; otherwise NULL. Owned by the response. */
    struct curl_slist *headers;  /* the final response's header lines, "Name: value", without CRLF */
    double seconds;              /* wall-clock time the request took */
};

/*
 * $BASE_URL without a trailing slash, or "http://127.0.0.1:8080" when it is
 * unset or empty. Never NULL; the string is static.
 */
const char *http_base_url(void);

/*
 * Sends METHOD $BASE_URL<path_and_query> with the given extra header lines
 * ("Name: value"; NULL-terminated array; the array may be NULL) and body
 * (NUL-terminated; NULL for none). "HEAD" asks for no body. Redirects are
 * not followed. Fills *out, which must be zero-initialised or freed; on
 * failure *out is left with status 0 and an empty body.
 * Returns 0 when an HTTP response was received (whatever its status), -1
 * when none was (connection refused, timeout, out of memory); the reason is
 * printed to stderr.
 */
int http_request(const char *method, const char *path_and_query, const char *const *extra_headers,
                 const char *body, struct http_response *out);

/* http_request("GET", ...). */
int http_get(const char *path_and_query, const char *const *extra_headers, struct http_response *out);

/*
 * The value of the first header called name (compared case-insensitively),
 * with leading blanks removed; NULL when absent. Points into response, so it
 * lives until http_response_free().
 */
const char *http_header(const struct http_response *response, const char *name);

/*
 * Whether the Content-Type's media type (before any ";" parameters) equals
 * media_type, ignoring case. False when there is no Content-Type.
 */
bool http_media_type_is(const struct http_response *response, const char *media_type);

/* Frees what the response holds and zeroes it, so it can be reused. Accepts a zeroed response. */
void http_response_free(struct http_response *response);

/*
 * Follows a dotted path in a JSON value: "a.b" is key b of object a, "items.0.slug"
 * indexes an array. Returns a borrowed reference, or NULL when any step is missing.
 */
json_t *json_at(const json_t *root, const char *dotted_path);

/*
 * Looks for what must never reach a client: an HTML error page, or text of
 * a PostgreSQL error. Returns the first marker found in the body (one of
 * "<html", "ERROR:", "SQLSTATE", "syntax error", "violates", ...), or NULL.
 */
const char *http_body_leak(const struct http_response *response);

/* ---- expectations -------------------------------------------------------- */

/* Failures recorded by one test; start with { 0 }. */
struct expectations {
    int failed;
};

/*
 * Records a failure when ok is false: prints "# FAIL file:line: <what> -- <message>"
 * to stderr and counts it. Returns ok, so a caller can skip dependent checks.
 */
bool expect_that(struct expectations *e, bool ok, const char *what, const char *file, int line,
                 const char *format, ...) __attribute__((format(printf, 6, 7)));

/* EXPECT(&e, condition, "row %s", name): expect_that with the condition's text and place. */
#define EXPECT(e, condition, ...) expect_that((e), (condition), #condition, __FILE__, __LINE__, __VA_ARGS__)

/*
 * Expects a successful JSON answer: the given status, Content-Type
 * application/json, a parsed JSON object, and no leak in the body.
 * label names the request in failure messages. Returns whether all held.
 */
bool expect_json(struct expectations *e, const struct http_response *r, long status, const char *label);

/*
 * Expects an RFC 9457 problem: the given status, Content-Type
 * application/problem+json, a JSON object with "type" equal to type, an
 * integer "status" equal to the HTTP status, string "title" and "detail",
 * Access-Control-Allow-Origin "*", and no leak. When field is not NULL, the
 * "errors" array must have an entry whose "field" equals it. Returns whether all held.
 */
bool expect_problem(struct expectations *e, const struct http_response *r, long status, const char *type,
                    const char *field, const char *label);

/* Whether the problem's "errors" array names field. */
bool problem_names_field(const struct http_response *r, const char *field);

/*
 * Expects one page of a keyset-paginated list: expect_json 200, a quoted
 * ETag, "items" an array of objects with a string key_field ("slug",
 * "code") in strictly increasing byte order, an integer "limit" >= the item
 * count, and "next_cursor" and "next" both present and either both null or
 * both strings; when there is a next page the page is full, next_cursor is
 * the last item's key and next ends with "cursor=<next_cursor>".
 */
bool expect_page(struct expectations *e, const struct http_response *r, const char *key_field,
                 const char *label);

/*
 * GETs path, then every "next" link in turn (at most max_pages pages),
 * expecting each to be a good page (expect_page) whose keys continue in
 * increasing order from the page before. Appends every item to items (a
 * JSON array, borrowed). Returns the number of pages read, or -1 when a
 * request failed or max_pages was reached with a next link still given.
 */
int walk_pages(struct expectations *e, const char *path, const char *key_field, int max_pages, json_t *items);

#endif
