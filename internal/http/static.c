/*
 * internal/http/static.c: the web page and the API reference as static files.
 *
 *   GET /app, GET /               (the latter for Accept: text/html) index.html
 *   GET /app/{file}               a file of WEB_ROOT: the page's CSS, JavaScript modules, borders
 *   GET /app/vendor/{file}        a library vendored from npm by `make web` (preact, htm, d3-geo, Redoc)
 *   GET /docs                     docs.html: Redoc rendering /openapi.yaml
 *
 * Two path levels, not a wildcard, so the route table stays a list of
 * templates any router can match. Every answer has a strong ETag (of the
 * bytes sent: the gzip variant has its own), Cache-Control and Vary; HTML
 * also has a Content-Security-Policy that allows only this origin and no
 * inline script.
 */
#include "static.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../file/file.h"
#include "../log/log.h"
#include "../model/etag.h"
#include "answers.h"
#include "handlers.h"
#include "problem.h"
#include "respond.h"

#define WEB_NAME_MAX 128                 /* "vendor/" + a file name */
#define WEB_FILE_MAX_BYTES (16u << 20)   /* Redoc's bundle is about 1 MB */
#define WEB_FILES_MAX 256
#define GZIP_MIN_BYTES 512               /* below this the headers outweigh the saving */

/*
 * The page: only this origin, no inline script or style, no plugins, no
 * framing. /docs must also let Redoc (tried in Chromium: each is refused
 * otherwise) add styles at run time (styled-components), draw its icons from
 * data: URLs and start its search worker from a blob: URL it makes itself;
 * all three are made by the page, not fetched from elsewhere, and script
 * still comes only from this origin.
 */
static const char page_policy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; worker-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

static const char docs_policy[] =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

struct web_file {
    char name[WEB_NAME_MAX];       /* relative to the root: "app.js", "vendor/preact.module.js" */
    const char *content_type;
    char *body;
    size_t length;
    char etag[ETAG_SIZE];
    char *gzip;                    /* NULL when not worth it */
    size_t gzip_length;
    char gzip_etag[ETAG_SIZE];
};

struct web_files {
    struct web_file *files;        /* sorted by name, for bsearch */
    size_t count;
};

static const struct {
    const char *extension;
    const char *content_type;
    bool compress;
} types[] = {
    { ".html", "text/html; charset=utf-8", true },
    { ".css", "text/css; charset=utf-8", true },
    { ".js", "text/javascript; charset=utf-8", true },
    { ".mjs", "text/javascript; charset=utf-8", true },
    { ".json", "application/json", true },
    { ".geojson", "application/geo+json", true },
    { ".svg", "image/svg+xml", true },
    { ".txt", "text/plain; charset=utf-8", true },
    { ".png", "image/png", false },
    { ".ico", "image/x-icon", false },
    { ".woff2", "font/woff2", false },
};

/* The type entry of name's extension; -1 when it has none we serve. */
static int type_of(const char *name)
{
    const char *dot = strrchr(name, '.');

    for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(dot, types[i].extension) == 0)
            return (int)i;
    return -1;
}

/* Letters, digits, '.', '-', '_'; not starting with '.' (no "..", no hidden files). */
static bool is_servable_name(const char *name)
{
    size_t length = strlen(name);

    if (length == 0 || length >= WEB_NAME_MAX - 8 || name[0] == '.')
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
              || c == '_'))
            return false;
    }
    return type_of(name) >= 0;
}

/* Reads path into file (named name); false, with a warning, when it cannot. */
static bool load_file(const char *path, const char *name, struct web_file *file)
{
    int type = type_of(name);

    memset(file, 0, sizeof(*file));
    if ((file->body = file_read_all(path, &file->length)) == NULL) {
        log_warning("%s cannot be read: %s", path, strerror(errno));
        return false;
    }
    if (file->length > WEB_FILE_MAX_BYTES) {
        log_warning("%s is larger than %u bytes; not served", path, WEB_FILE_MAX_BYTES);
        free(file->body);
        file->body = NULL;
        return false;
    }
    snprintf(file->name, sizeof(file->name), "%s", name);
    file->content_type = types[type].content_type;
    etag_of(file->body, file->length, file->etag);
    if (types[type].compress && file->length >= GZIP_MIN_BYTES
        && (file->gzip = answers_gzip(file->body, file->length, 9, &file->gzip_length)) != NULL)
        etag_of(file->gzip, file->gzip_length, file->gzip_etag);
    return true;
}

/* Adds the servable files of root/sub ("" for root itself) to files. */
static bool load_directory(const char *root, const char *sub, struct web_files *files)
{
    char dir_path[4096];
    DIR *dir;
    struct dirent *entry;
    bool ok = true;

    snprintf(dir_path, sizeof(dir_path), "%s%s%s", root, sub[0] ? "/" : "", sub);
    if ((dir = opendir(dir_path)) == NULL) {
        if (sub[0] == '\0')
            log_warning("WEB_ROOT \"%s\" cannot be read (%s): the page (/, /app/) and /docs answer 404; "
                        "`make web` builds it", root, strerror(errno));
        return true;
    }
    while (ok && (entry = readdir(dir)) != NULL) {
        char name[WEB_NAME_MAX], path[4096 + WEB_NAME_MAX];

        if (!is_servable_name(entry->d_name))
            continue;
        if (files->count == WEB_FILES_MAX) {
            log_warning("WEB_ROOT \"%s\" holds more than %d files; the rest are not served", root, WEB_FILES_MAX);
            break;
        }
        if (snprintf(name, sizeof(name), "%s%s%s", sub, sub[0] ? "/" : "", entry->d_name) >= (int)sizeof(name)
            || snprintf(path, sizeof(path), "%s/%s", root, name) >= (int)sizeof(path))
            continue;
        errno = 0;
        if (load_file(path, name, &files->files[files->count]))
            files->count++;
        else if (errno == ENOMEM)
            ok = false;
    }
    closedir(dir);
    return ok;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(((const struct web_file *)a)->name, ((const struct web_file *)b)->name);
}

struct web_files *static_load(const char *root)
{
    struct web_files *files = calloc(1, sizeof(*files));

    if (files == NULL || (files->files = calloc(WEB_FILES_MAX, sizeof(*files->files))) == NULL) {
        free(files);
        return NULL;
    }
    if (!load_directory(root, "", files) || !load_directory(root, "vendor", files)) {
        static_free(files);
        return NULL;
    }
    qsort(files->files, files->count, sizeof(*files->files), compare_names);
    return files;
}

void static_free(struct web_files *files)
{
    if (files == NULL)
        return;
    for (size_t i = 0; i < files->count; i++) {
        free(files->files[i].body);
        free(files->files[i].gzip);
    }
    free(files->files);
    free(files);
}

size_t static_count(const struct web_files *files)
{
    return files ? files->count : 0;
}

static const struct web_file *find(const struct web_files *files, const char *name)
{
    struct web_file key;

    if (files == NULL || strlen(name) >= sizeof(key.name))
        return NULL;
    snprintf(key.name, sizeof(key.name), "%s", name);
    return bsearch(&key, files->files, files->count, sizeof(*files->files), compare_names);
}

static bool is_html(const struct web_file *file)
{
    return strncmp(file->content_type, "text/html", 9) == 0;
}

/* The chosen variant of file, or 304 when If-None-Match names it; 404 when file is NULL. */
static void send_file(const struct _u_request *req, struct _u_response *resp, const struct web_file *file)
{
    if (file == NULL) {
        problem_no_route(resp, req->url_path);
        return;
    }
    bool gzip = file->gzip != NULL && answers_accept_gzip(u_map_get_case(req->map_header, "Accept-Encoding"));
    const char *etag = gzip ? file->gzip_etag : file->etag;
    const char *if_none_match = u_map_get_case(req->map_header, "If-None-Match");

    if (if_none_match != NULL && etag_list_matches(if_none_match, etag, true))
        ulfius_set_empty_body_response(resp, 304);
    else if (ulfius_set_binary_body_response(resp, 200, gzip ? (const char *)file->gzip : file->body,
                                             gzip ? file->gzip_length : file->length) != U_OK) {
        problem_internal(resp);
        return;
    }
    u_map_put(resp->map_header, "Content-Type", file->content_type);
    if (gzip)
        u_map_put(resp->map_header, "Content-Encoding", "gzip");
    u_map_put(resp->map_header, "ETag", etag);
    /* Revalidated on every use (a 304 when unchanged), so a new build is seen at once. */
    u_map_put(resp->map_header, "Cache-Control", "public, no-cache");
    /* Accept: "/" is the page or the JSON index; Accept-Encoding: the gzip variant. */
    u_map_put(resp->map_header, "Vary", "Accept, Accept-Encoding");
    if (is_html(file)) {
        u_map_put(resp->map_header, "Content-Security-Policy",
                  strcmp(file->name, "docs.html") == 0 ? docs_policy : page_policy);
        u_map_put(resp->map_header, "Referrer-Policy", "no-referrer");
        u_map_put(resp->map_header, "X-Frame-Options", "DENY");
    }
}

bool static_send_page_if_html(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    const struct web_file *page = find(app->web, "index.html");

    if (page == NULL || !respond_prefers_html(req))
        return false;
    send_file(req, resp, page);
    return true;
}

/* GET /app: the page. */
void handle_app_page(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    send_file(req, resp, find(app->web, "index.html"));
}

/* GET /app/{file} */
void handle_app_file(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    const char *name = u_map_get(req->map_url, "file");

    send_file(req, resp, name != NULL && is_servable_name(name) ? find(app->web, name) : NULL);
}

/* GET /app/vendor/{file} */
void handle_app_vendor_file(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    const char *name = u_map_get(req->map_url, "file");
    char path[WEB_NAME_MAX];

    if (name == NULL || !is_servable_name(name)) {
        send_file(req, resp, NULL);
        return;
    }
    snprintf(path, sizeof(path), "vendor/%s", name);
    send_file(req, resp, find(app->web, path));
}

/* GET /docs: the API reference. */
void handle_docs(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    send_file(req, resp, find(app->web, "docs.html"));
}
