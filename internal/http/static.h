/*
 * internal/http/static.h: the web page (/, /app/) and the API reference
 * (/docs), served from the files `make web` puts in WEB_ROOT (build/web).
 *
 * The files are read once at start-up, with their strong ETag and, where it
 * pays, a gzip variant (with its own ETag), so a request copies bytes and
 * hashes nothing. Changing the files needs a restart, like changing
 * openapi.yaml.
 */
#ifndef INSATSKATALOG_HTTP_STATIC_H
#define INSATSKATALOG_HTTP_STATIC_H

#include <stdbool.h>
#include <ulfius.h>

#include "app.h"

struct web_files;

/*
 * Reads the servable files of root and root/vendor (names of letters,
 * digits, '.', '-' and '_', with a known extension). A root that is missing
 * or unreadable gives an empty set and a warning (the API still runs; the
 * page and /docs answer 404). NULL only when out of memory.
 */
struct web_files *static_load(const char *root);

/* Accepts NULL. */
void static_free(struct web_files *files);

/* How many files were loaded, for the start-up log line. */
size_t static_count(const struct web_files *files);

/*
 * Sends the page (index.html) if the request prefers text/html to
 * application/json and the page is there; returns whether it did, so that
 * GET / can fall back to the JSON index.
 */
bool static_send_page_if_html(const struct _u_request *req, struct _u_response *resp, const struct app *app);

#endif
