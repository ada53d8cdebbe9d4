/*
 * tests/api/http_client.c: see http_client.h.
 */
#include "http_client.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_BASE_URL "http://127.0.0.1:8080"

/* A growing byte buffer, NUL-terminated whenever data is not NULL. */
struct buffer {
    char *data;
    size_t length;
    size_t capacity;
};

/* What the libcurl callbacks fill while one request runs. */
struct transfer {
    struct buffer body;
    struct curl_slist *headers;
    bool out_of_memory;
};

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static bool curl_ready;
static char base_url[1024];

/* Once per process: libcurl's global state and $BASE_URL. */
static void setup(void)
{
    const char *value = getenv("BASE_URL");
    size_t length;

    curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    snprintf(base_url, sizeof(base_url), "%s", value != NULL && value[0] != '\0' ? value : DEFAULT_BASE_URL);
    length = strlen(base_url);
    while (length > 0 && base_url[length - 1] == '/')
        base_url[--length] = '\0';
}

const char *http_base_url(void)
{
    pthread_once(&setup_once, setup);
    return base_url;
}

/* Appends bytes; returns false when out of memory (the buffer stays valid). */
static bool buffer_append(struct buffer *b, const char *bytes, size_t length)
{
    if (b->length + length + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 4096;
        while (capacity < b->length + length + 1)
            capacity *= 2;
        char *data = realloc(b->data, capacity);
        if (data == NULL)
            return false;
        b->data = data;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, bytes, length);
    b->length += length;
    b->data[b->length] = '\0';
    return true;
}

/* CURLOPT_WRITEFUNCTION: collects the body. Returning less than given aborts the transfer. */
static size_t on_body(char *bytes, size_t size, size_t count, void *user)
{
    struct transfer *t = user;
    if (!buffer_append(&t->body, bytes, size * count)) {
        t->out_of_memory = true;
        return 0;
    }
    return size * count;
}

/* CURLOPT_HEADERFUNCTION: keeps the header lines of the last response only
 * (a "HTTP/" status line, e.g. after 100 Continue, starts afresh). */
static size_t on_header(char *bytes, size_t size, size_t count, void *user)
{
    struct transfer *t = user;
    size_t length = size * count;
    char line[8192];

    if (length >= 5 && strncmp(bytes, "HTTP/", 5) == 0) {
        curl_slist_free_all(t->headers);
        t->headers = NULL;
        return length;
    }
    while (length > 0 && (bytes[length - 1] == '\r' || bytes[length - 1] == '\n'))
        length--;
    if (length == 0)
        return size * count;
    if (length >= sizeof(line))
        length = sizeof(line) - 1;
    memcpy(line, bytes, length);
    line[length] = '\0';
    struct curl_slist *appended = curl_slist_append(t->headers, line);
    if (appended == NULL) {
        t->out_of_memory = true;
        return 0;
    }
    t->headers = appended;
    return size * count;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether a media type is JSON: application/json or any "+json" suffix. */
static bool is_json_media_type(const char *content_type)
{
    size_t length;

    if (content_type == NULL)
        return false;
    length = strcspn(content_type, ";");
    while (length > 0 && (content_type[length - 1] == ' ' || content_type[length - 1] == '\t'))
        length--;
    if (length == strlen("application/json") && strncasecmp(content_type, "application/json", length) == 0)
        return true;
    return length > 5 && strncasecmp(content_type + length - 5, "+json", 5) == 0;
}

int http_request(const char *method, const char *path_and_query, const char *const *extra_headers,
                 const char *body, struct http_response *out)
{
    struct transfer transfer = { .body = { NULL, 0, 0 }, .headers = NULL, .out_of_memory = false };
    struct curl_slist *request_headers = NULL;
    CURL *curl = NULL;
    char *url = NULL;
    int result = -1;
    CURLcode code;
    double started;

    http_response_free(out);
    pthread_once(&setup_once, setup);
    if (!curl_ready || (curl = curl_easy_init()) == NULL) {
        fprintf(stderr, "# http_request: libcurl could not be initialised\n");
        goto cleanup;
    }
    if (asprintf(&url, "%s%s", base_url, path_and_query) < 0) {
        url = NULL;
        goto cleanup;
    }
    for (size_t i = 0; extra_headers != NULL && extra_headers[i] != NULL; i++) {
        struct curl_slist *appended = curl_slist_append(request_headers, extra_headers[i]);
        if (appended == NULL)
            goto cleanup;
        request_headers = appended;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);     /* send "/../" and friends as written */
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    /* libcurl announces a large body with "Expect: 100-continue" and by default sends it anyway
     * after 1 s without an answer; a server that refuses the body (413, 401) answers at once, but a
     * loaded test machine may take longer than 1 s, and a body already on its way when the server
     * answers and closes ends in a reset instead of the answer. Wait as a patient client would. */
    curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, request_headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") == 0 && body == NULL) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        if (body != NULL) {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        }
    }

    started = now_seconds();
    code = curl_easy_perform(curl);
    out->seconds = now_seconds() - started;
    if (code != CURLE_OK) {
        fprintf(stderr, "# http_request: %s %s: %s\n", method, url, curl_easy_strerror(code));
        goto cleanup;
    }
    if (transfer.out_of_memory)
        goto cleanup;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    out->headers = transfer.headers;
    transfer.headers = NULL;
    out->body = transfer.body.data;
    out->body_length = transfer.body.length;
    transfer.body.data = NULL;
    if (is_json_media_type(http_header(out, "Content-Type")) && out->body != NULL)
        out->json = json_loadb(out->body, out->body_length, 0, NULL);
    result = 0;
cleanup:
    if (out->body == NULL) {
        /* Promised: body is never NULL after a call. */
        out->body = calloc(1, 1);
        out->body_length = 0;
    }
    if (result != 0)
        out->status = 0;
    free(transfer.body.data);
    curl_slist_free_all(transfer.headers);
    curl_slist_free_all(request_headers);
    curl_easy_cleanup(curl);
    free(url);
    return result;
}

int http_get(const char *path_and_query, const char *const *extra_headers, struct http_response *out)
{
    return http_request("GET", path_and_query, extra_headers, NULL, out);
}

const char *http_header(const struct http_response *response, const char *name)
{
    size_t name_length = strlen(name);

    for (const struct curl_slist *h = response->headers; h != NULL; h = h->next) {
        if (strncasecmp(h->data, name, name_length) != 0 || h->data[name_length] != ':')
            continue;
        const char *value = h->data + name_length + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        return value;
    }
    return NULL;
}

bool http_media_type_is(const struct http_response *response, const char *media_type)
{
    const char *content_type = http_header(response, "Content-Type");
    size_t length;

    if (content_type == NULL)
        return false;
    length = strcspn(content_type, ";");
    while (length > 0 && (content_type[length - 1] == ' ' || content_type[length - 1] == '\t'))
        length--;
    return length == strlen(media_type) && strncasecmp(content_type, media_type, length) == 0;
}

void http_response_free(struct http_response *response)
{
    if (response == NULL)
        return;
    json_decref(response->json);
    curl_slist_free_all(response->headers);
    free(response->body);
    memset(response, 0, sizeof(*response));
}

json_t *json_at(const json_t *root, const char *dotted_path)
{
    json_t *node = (json_t *)root;
    char *copy = strdup(dotted_path);
    char *saveptr = NULL;

    if (copy == NULL) {
        node = NULL;
        goto cleanup;
    }
    for (char *step = strtok_r(copy, ".", &saveptr); node != NULL && step != NULL;
         step = strtok_r(NULL, ".", &saveptr)) {
        if (json_is_object(node)) {
            node = json_object_get(node, step);
        } else if (json_is_array(node)) {
            char *end = NULL;
            unsigned long index = strtoul(step, &end, 10);
            node = (end != step && *end == '\0') ? json_array_get(node, index) : NULL;
        } else {
            node = NULL;
        }
    }
cleanup:
    free(copy);
    return node;
}

const char *http_body_leak(const struct http_response *response)
{
    /* Case-sensitive markers of libpq/PostgreSQL messages, and of HTML error pages. */
    static const char *const markers[] = {
        "<html", "<HTML", "<!DOCTYPE", "ERROR:", "SQLSTATE", "syntax error", "violates", "invalid input syntax",
        "relation \"", "PGRES_", "libpq", "server closed the connection", "Segmentation", NULL,
    };

    if (response->body == NULL)
        return NULL;
    for (size_t i = 0; markers[i] != NULL; i++)
        if (memmem(response->body, response->body_length, markers[i], strlen(markers[i])) != NULL)
            return markers[i];
    return NULL;
}

bool expect_that(struct expectations *e, bool ok, const char *what, const char *file, int line,
                 const char *format, ...)
{
    va_list args;

    if (ok)
        return true;
    e->failed++;
    fflush(stdout);   /* keep the TAP lines and these notes in order when both go to one pipe */
    fprintf(stderr, "# FAIL %s:%d: %s -- ", file, line, what);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    return false;
}

/* The first 300 bytes of a body, for failure messages. */
static const char *excerpt(const struct http_response *r, char out[320])
{
    snprintf(out, 320, "%.300s", r->body != NULL ? r->body : "(none)");
    return out;
}

bool expect_json(struct expectations *e, const struct http_response *r, long status, const char *label)
{
    char text[320];
    const char *leak = http_body_leak(r);
    bool ok = true;

    ok &= EXPECT(e, r->status == status, "%s: status %ld, wanted %ld; body: %s", label, r->status, status,
                 excerpt(r, text));
    ok &= EXPECT(e, http_media_type_is(r, "application/json"), "%s: Content-Type \"%s\"", label,
                 http_header(r, "Content-Type") ? http_header(r, "Content-Type") : "(none)");
    ok &= EXPECT(e, json_is_object(r->json), "%s: body is not a JSON object: %s", label, excerpt(r, text));
    ok &= EXPECT(e, leak == NULL, "%s: body contains \"%s\"", label, leak ? leak : "");
    return ok;
}

bool problem_names_field(const struct http_response *r, const char *field)
{
    json_t *errors = json_at(r->json, "errors");
    size_t i;
    json_t *error;

    json_array_foreach(errors, i, error) {
        const char *named = json_string_value(json_object_get(error, "field"));
        if (named != NULL && strcmp(named, field) == 0)
            return true;
    }
    return false;
}

bool expect_problem(struct expectations *e, const struct http_response *r, long status, const char *type,
                    const char *field, const char *label)
{
    char text[320];
    const char *leak = http_body_leak(r);
    const char *got_type = json_string_value(json_at(r->json, "type"));
    const char *origin = http_header(r, "Access-Control-Allow-Origin");
    bool ok = true;

    ok &= EXPECT(e, r->status == status, "%s: status %ld, wanted %ld; body: %s", label, r->status, status,
                 excerpt(r, text));
    ok &= EXPECT(e, http_media_type_is(r, "application/problem+json"), "%s: Content-Type \"%s\"", label,
                 http_header(r, "Content-Type") ? http_header(r, "Content-Type") : "(none)");
    if (!EXPECT(e, json_is_object(r->json), "%s: body is not a JSON object: %s", label, excerpt(r, text)))
        return false;
    ok &= EXPECT(e, got_type != NULL && strcmp(got_type, type) == 0, "%s: type \"%s\", wanted \"%s\"", label,
                 got_type ? got_type : "(none)", type);
    ok &= EXPECT(e, json_integer_value(json_at(r->json, "status")) == r->status,
                 "%s: body status differs from HTTP status %ld", label, r->status);
    ok &= EXPECT(e, json_is_string(json_at(r->json, "title")), "%s: no title", label);
    ok &= EXPECT(e, json_string_length(json_at(r->json, "detail")) > 0, "%s: no detail", label);
    ok &= EXPECT(e, origin != NULL && strcmp(origin, "*") == 0, "%s: Access-Control-Allow-Origin \"%s\"", label,
                 origin ? origin : "(none)");
    ok &= EXPECT(e, leak == NULL, "%s: body contains \"%s\"", label, leak ? leak : "");
    if (field != NULL)
        ok &= EXPECT(e, problem_names_field(r, field), "%s: errors[] does not name \"%s\": %s", label, field,
                     excerpt(r, text));
    return ok;
}

bool expect_page(struct expectations *e, const struct http_response *r, const char *key_field,
                 const char *label)
{
    json_t *items = json_at(r->json, "items");
    json_t *limit = json_at(r->json, "limit");
    json_t *next_cursor = json_at(r->json, "next_cursor");
    json_t *next = json_at(r->json, "next");
    const char *etag = http_header(r, "ETag");
    const char *previous = NULL;
    bool ok = true;
    size_t i;
    json_t *item;

    if (!expect_json(e, r, 200, label))
        return false;
    ok &= EXPECT(e, etag != NULL && strlen(etag) > 2 && etag[0] == '"' && etag[strlen(etag) - 1] == '"',
                 "%s: ETag %s", label, etag ? etag : "(none)");
    if (!EXPECT(e, json_is_array(items), "%s: no items array", label)
        || !EXPECT(e, json_is_integer(limit) && json_integer_value(limit) >= 1, "%s: no integer limit", label)
        || !EXPECT(e, next_cursor != NULL && next != NULL, "%s: next_cursor or next missing", label))
        return false;
    ok &= EXPECT(e, json_array_size(items) <= (size_t)json_integer_value(limit), "%s: %zu items over limit %lld",
                 label, json_array_size(items), (long long)json_integer_value(limit));
    ok &= EXPECT(e, json_is_null(next_cursor) == json_is_null(next), "%s: next_cursor and next disagree", label);
    ok &= EXPECT(e, json_is_null(next_cursor) || json_is_string(next_cursor), "%s: next_cursor not a string", label);
    ok &= EXPECT(e, json_is_null(next) || json_is_string(next), "%s: next not a string", label);
    json_array_foreach(items, i, item) {
        const char *key = json_string_value(json_object_get(item, key_field));
        if (!EXPECT(e, key != NULL, "%s: item %zu has no string \"%s\"", label, i, key_field)) {
            ok = false;
            continue;
        }
        ok &= EXPECT(e, previous == NULL || strcmp(previous, key) < 0, "%s: \"%s\" after \"%s\"", label, key,
                     previous ? previous : "");
        previous = key;
    }
    if (json_is_string(next_cursor) && json_is_string(next)) {
        const char *cursor = json_string_value(next_cursor);
        const char *link = json_string_value(next);
        size_t cursor_length = strlen(cursor);
        size_t link_length = strlen(link);
        ok &= EXPECT(e, json_array_size(items) == (size_t)json_integer_value(limit),
                     "%s: a next page after a page that is not full", label);
        ok &= EXPECT(e, previous != NULL && strcmp(cursor, previous) == 0,
                     "%s: next_cursor \"%s\" is not the last key \"%s\"", label, cursor, previous ? previous : "");
        ok &= EXPECT(e, strncmp(link, "/v1/", 4) == 0 && link_length > cursor_length + 7
                     && strcmp(link + link_length - cursor_length, cursor) == 0
                     && strncmp(link + link_length - cursor_length - 7, "cursor=", 7) == 0,
                     "%s: next \"%s\" does not end in cursor=%s", label, link, cursor);
    }
    return ok;
}

int walk_pages(struct expectations *e, const char *path, const char *key_field, int max_pages, json_t *items)
{
    struct http_response r = { 0 };
    char *current = strdup(path);
    char *last_key = NULL;
    int pages = 0;
    int result = -1;

    while (current != NULL && pages < max_pages) {
        size_t i;
        json_t *item;

        if (!EXPECT(e, http_get(current, NULL, &r) == 0, "GET %s failed", current))
            goto cleanup;
        pages++;
        if (!expect_page(e, &r, key_field, current))
            goto cleanup;
        json_array_foreach(json_at(r.json, "items"), i, item) {
            const char *key = json_string_value(json_object_get(item, key_field));
            EXPECT(e, last_key == NULL || strcmp(last_key, key) < 0, "%s: \"%s\" repeats or precedes \"%s\"",
                   current, key, last_key ? last_key : "");
            free(last_key);
            last_key = strdup(key);
            json_array_append(items, item);
        }
        const char *next = json_string_value(json_at(r.json, "next"));
        free(current);
        current = next != NULL ? strdup(next) : NULL;
    }
    if (EXPECT(e, current == NULL, "%s: still a next link after %d pages", path, max_pages))
        result = pages;
cleanup:
    http_response_free(&r);
    free(current);
    free(last_key);
    return result;
}
