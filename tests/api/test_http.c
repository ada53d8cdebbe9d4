/*
 * tests/api/test_http.c: what every response shares (internal/http/routes.c,
 * problem.c, system.c): ETags and 304, HEAD, 404 and 405 problems, CORS,
 * X-Request-Id, the system endpoints, and nothing internal in any body.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"

#define NOT_FOUND "/problems/not-found"
#define NOT_ALLOWED "/problems/method-not-allowed"

/* Every kind of 200 GET the server gives. */
static const char *const readable[] = {
    "/v1/knowledge-supports",
    "/v1/knowledge-supports/normbrytande-beteende-2021",
    "/v1/intervention-types",
    "/v1/intervention-types/familjebehandling",
    "/v1/methods",
    "/v1/methods?limit=3",
    "/v1/methods?intervention_type=familjebehandling&age=12",
    "/v1/methods/fft",
    "/v1/assessment-instruments",
    "/v1/assessment-instruments/erasor",
    "/v1/materials",
    "/v1/materials?kind=film",
    "/v1/materials/film-rbm",
    "/v1/surveys",
    "/v1/surveys/samverkanspilot-2022-2023",
    "/v1/counties",
    "/v1/counties/03",
    "/v1/municipalities",
    "/v1/municipalities?county=03",
    "/v1/municipalities/0381",
    "/v1/search?q=familj",
    "/v1/search?q=och",
    "/",
    "/v1",
    "/healthz",
    "/readyz",
    "/openapi.yaml",
};

#define READABLE_COUNT (sizeof(readable) / sizeof(readable[0]))

static bool is_quoted_strong_tag(const char *etag)
{
    size_t length = etag ? strlen(etag) : 0;
    if (length < 3 || etag[0] != '"' || etag[length - 1] != '"')
        return false;
    for (size_t i = 1; i + 1 < length; i++)
        if (etag[i] == '"' || (unsigned char)etag[i] < 0x21 || (unsigned char)etag[i] == 0x7f)
            return false;
    return true;
}

/* ETag: present, quoted, stable; If-None-Match in its accepted spellings. */
static void test_etags_and_conditional_gets(void **state)
{
    struct expectations e = { 0 };
    struct http_response first = { 0 };
    struct http_response again = { 0 };
    char etag[128];
    char header[300];
    (void)state;

    for (size_t i = 0; i < READABLE_COUNT; i++) {
        const char *path = readable[i];
        http_get(path, NULL, &first);
        if (!EXPECT(&e, first.status == 200, "%s: status %ld", path, first.status))
            continue;
        const char *tag = http_header(&first, "ETag");
        if (!EXPECT(&e, is_quoted_strong_tag(tag), "%s: ETag %s is not a quoted strong tag", path, tag ? tag : "(none)"))
            continue;
        snprintf(etag, sizeof(etag), "%s", tag);

        http_get(path, NULL, &again);
        EXPECT(&e, again.status == 200 && strcmp(http_header(&again, "ETag") ?: "", etag) == 0,
               "%s: a second GET has ETag %s, the first %s", path, http_header(&again, "ETag") ?: "(none)", etag);
        EXPECT(&e, again.body_length == first.body_length && memcmp(again.body, first.body, first.body_length) == 0,
               "%s: the same request gave different bodies", path);

        /* Tags that match: exact, weak, in a list, and "*". */
        static const char *const matching[][2] = {
            { "", "" }, { "W/", "" }, { "\"other\", ", "" }, { "\"a\",W/", ",\"b\"" }, { "  ", "  " }, { "*", NULL },
        };
        for (size_t j = 0; j < sizeof(matching) / sizeof(matching[0]); j++) {
            if (matching[j][1] == NULL)
                snprintf(header, sizeof(header), "If-None-Match: %s", matching[j][0]);
            else
                snprintf(header, sizeof(header), "If-None-Match: %s%s%s", matching[j][0], etag, matching[j][1]);
            const char *headers[] = { header, NULL };
            http_get(path, headers, &again);
            EXPECT(&e, again.status == 304, "%s with %s: status %ld, wanted 304", path, header, again.status);
            EXPECT(&e, again.body_length == 0, "%s with %s: 304 has a body of %zu bytes", path, header,
                   again.body_length);
            EXPECT(&e, strcmp(http_header(&again, "ETag") ?: "", etag) == 0, "%s with %s: 304 ETag %s", path, header,
                   http_header(&again, "ETag") ?: "(none)");
            EXPECT(&e, strcmp(http_header(&again, "Access-Control-Allow-Origin") ?: "", "*") == 0,
                   "%s: 304 without Access-Control-Allow-Origin", path);
        }
        /* Tags that do not: another tag, the tag unquoted, a prefix of it, the tag with a character more. */
        char unquoted[128];
        snprintf(unquoted, sizeof(unquoted), "%.*s", (int)strlen(etag) - 2, etag + 1);
        const char *missing[] = { "\"other\"", unquoted, "", NULL, NULL, NULL };
        char prefix[128];
        char longer[130];
        snprintf(prefix, sizeof(prefix), "%.*s\"", (int)strlen(etag) - 2, etag);
        snprintf(longer, sizeof(longer), "%.*sx\"", (int)strlen(etag) - 1, etag);
        missing[3] = prefix;
        missing[4] = longer;
        for (size_t j = 0; missing[j] != NULL; j++) {
            snprintf(header, sizeof(header), "If-None-Match: %s", missing[j]);
            const char *headers[] = { header, NULL };
            http_get(path, headers, &again);
            EXPECT(&e, again.status == 200 && again.body_length == first.body_length,
                   "%s with %s: status %ld, wanted 200 with the full body", path, header, again.status);
        }
    }
    http_response_free(&first);
    http_response_free(&again);
    assert_int_equal(e.failed, 0);
}

/* Different representations have different tags. */
static void test_etags_differ_between_representations(void **state)
{
    static const char *const pairs[][2] = {
        { "/v1/methods/fft", "/v1/methods/mst" },
        { "/v1/methods", "/v1/methods?limit=3" },
        { "/v1/counties/03", "/v1/counties/01" },
        { "/v1/search?q=familj", "/v1/search?q=familj&limit=1" },
    };
    struct expectations e = { 0 };
    struct http_response a = { 0 };
    struct http_response b = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        http_get(pairs[i][0], NULL, &a);
        http_get(pairs[i][1], NULL, &b);
        EXPECT(&e, http_header(&a, "ETag") && http_header(&b, "ETag")
                   && strcmp(http_header(&a, "ETag"), http_header(&b, "ETag")) != 0,
               "%s and %s share an ETag", pairs[i][0], pairs[i][1]);
        /* The tag of one does not validate the other. */
        char header[200];
        snprintf(header, sizeof(header), "If-None-Match: %s", http_header(&a, "ETag") ?: "\"x\"");
        const char *headers[] = { header, NULL };
        http_get(pairs[i][1], headers, &b);
        EXPECT(&e, b.status == 200, "%s answered %ld to the tag of %s", pairs[i][1], b.status, pairs[i][0]);
    }
    http_response_free(&a);
    http_response_free(&b);
    assert_int_equal(e.failed, 0);
}

/* HEAD: the GET's status and headers, no body. */
static void test_head_matches_get(void **state)
{
    struct expectations e = { 0 };
    struct http_response get = { 0 };
    struct http_response head = { 0 };
    char length[32];
    (void)state;

    for (size_t i = 0; i < READABLE_COUNT; i++) {
        const char *path = readable[i];
        http_get(path, NULL, &get);
        http_request("HEAD", path, NULL, NULL, &head);
        EXPECT(&e, head.status == 200, "HEAD %s: status %ld", path, head.status);
        EXPECT(&e, head.body_length == 0, "HEAD %s: a body", path);
        EXPECT(&e, strcmp(http_header(&head, "ETag") ?: "-", http_header(&get, "ETag") ?: "+") == 0,
               "HEAD %s: ETag differs from GET", path);
        EXPECT(&e, strcmp(http_header(&head, "Content-Type") ?: "-", http_header(&get, "Content-Type") ?: "+") == 0,
               "HEAD %s: Content-Type differs from GET", path);
        snprintf(length, sizeof(length), "%zu", get.body_length);
        EXPECT(&e, strcmp(http_header(&head, "Content-Length") ?: "", length) == 0,
               "HEAD %s: Content-Length %s, GET body %s bytes", path, http_header(&head, "Content-Length") ?: "(none)",
               length);
    }
    /* HEAD of what is not there is a 404 too. */
    http_request("HEAD", "/v1/methods/nope", NULL, NULL, &head);
    EXPECT(&e, head.status == 404 && head.body_length == 0, "HEAD /v1/methods/nope: %ld", head.status);
    http_response_free(&get);
    http_response_free(&head);
    assert_int_equal(e.failed, 0);
}

/* ---- 404 ----------------------------------------------------------------- */

struct not_found_row {
    const char *path;
    const char *in_detail;      /* text the detail must contain, or NULL */
};

static const struct not_found_row not_found[] = {
    { "/nope", "/nope" },
    { "/v2/methods", NULL },
    { "/V1/METHODS", NULL },
    { "/v1/method", NULL },
    { "/v1/methods/nope", "nope" },
    { "/v1/methods/FFT", "FFT" },
    { "/v1/methods/fft/x", NULL },
    { "/v1/methods/f%20ft", NULL },
    { "/v1/methods/%FF", "not valid UTF-8" },
    { "/v1/methods/-fft", NULL },
    { "/v1/methods/fft--x", NULL },
    { "/v1/methods/%27%20OR%201=1--", NULL },
    { "/v1/methods/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "..." },
    { "/v1/knowledge-supports/nope", "nope" },
    { "/v1/intervention-types/nope", "nope" },
    { "/v1/assessment-instruments/nope", "nope" },
    { "/v1/materials/nope", "nope" },
    { "/v1/surveys/nope", "nope" },
    { "/v1/counties/99", "99" },
    { "/v1/counties/3", "3" },
    { "/v1/counties/003", NULL },
    { "/v1/counties/ab", NULL },
    { "/v1/municipalities/9999", "9999" },
    { "/v1/municipalities/038", NULL },
    { "/v1/municipalities/03810", NULL },
    { "/v1/municipalities/abcd", NULL },
    { "/v1/search/x", NULL },
    { "/healthz/x", NULL },
    { "/openapi.json", NULL },
    { "/v1/../etc/passwd", NULL },
    { "/.env", NULL },
    { "/v1/methods/fft/../mst", NULL },
};

static void test_what_is_not_there_is_a_404_problem(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(not_found) / sizeof(not_found[0]); i++) {
        const struct not_found_row *row = &not_found[i];
        http_get(row->path, NULL, &r);
        expect_problem(&e, &r, 404, NOT_FOUND, NULL, row->path);
        const char *detail = json_string_value(json_at(r.json, "detail"));
        if (row->in_detail != NULL)
            EXPECT(&e, detail != NULL && strstr(detail, row->in_detail) != NULL, "%s: detail \"%s\" lacks \"%s\"",
                   row->path, detail ? detail : "", row->in_detail);
        EXPECT(&e, http_header(&r, "ETag") == NULL, "%s: a 404 has an ETag", row->path);
        EXPECT(&e, strstr(http_header(&r, "Cache-Control") ?: "", "no-store") != NULL, "%s: Cache-Control %s",
               row->path, http_header(&r, "Cache-Control") ?: "(none)");
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- 405 and OPTIONS ----------------------------------------------------- */

static const char *const resource_paths[] = {
    "/v1/methods", "/v1/methods/fft", "/v1/counties/03", "/v1/municipalities", "/v1/search", "/healthz",
    "/openapi.yaml", "/v1/knowledge-supports/normbrytande-beteende-2021",
};

static bool list_has(const char *list, const char *word)
{
    size_t length = strlen(word);
    for (const char *p = list; p != NULL && (p = strstr(p, word)) != NULL; p += length) {
        bool starts = p == list || p[-1] == ' ' || p[-1] == ',';
        bool ends = p[length] == '\0' || p[length] == ',' || p[length] == ' ';
        if (starts && ends)
            return true;
    }
    return false;
}

/* The Allow header OPTIONS gives for path, copied into out ("" when none). */
static void allow_of(const char *path, char *out, size_t out_size)
{
    struct http_response r = { 0 };
    http_request("OPTIONS", path, NULL, NULL, &r);
    snprintf(out, out_size, "%s", http_header(&r, "Allow") ?: "");
    http_response_free(&r);
}

/* Methods no path of a read API answers, and where a write would land. */
static const char *const other_methods[] = { "POST", "PUT", "PATCH", "DELETE", "TRACE", "FOO" };

/* Method and path pairs that must be 405 whatever writes the API grows: no
 * POST to a record, no PUT or DELETE of a whole collection. */
static const char *const never_allowed[][2] = {
    { "DELETE", "/v1/methods" },
    { "PUT", "/v1/methods" },
    { "PATCH", "/v1/methods" },
    { "POST", "/v1/methods/fft" },
    { "DELETE", "/v1/counties" },
    { "POST", "/v1/counties/03" },
    { "DELETE", "/v1/municipalities/0381" },
    { "POST", "/v1/search" },
    { "DELETE", "/healthz" },
    { "POST", "/readyz" },
    { "PUT", "/openapi.yaml" },
};

/*
 * A method a path does not list in Allow: 405 problem, with an Allow that
 * has GET and HEAD and not the method. A method it does list (a write):
 * refused without credentials (a 401 problem asking for a Bearer key), and
 * nothing changes.
 */
static void test_other_methods_are_a_405_problem_with_allow(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    struct http_response before = { 0 };
    char label[160];
    char listed[160];
    (void)state;

    http_get("/v1/methods/fft", NULL, &before);
    for (size_t i = 0; i < sizeof(resource_paths) / sizeof(resource_paths[0]); i++) {
        allow_of(resource_paths[i], listed, sizeof(listed));
        for (size_t j = 0; j < sizeof(other_methods) / sizeof(other_methods[0]); j++) {
            const char *method = other_methods[j];
            const char *body = strcmp(method, "TRACE") == 0 ? NULL : "{\"slug\":\"x\"}";
            const char *headers[] = { "Content-Type: application/json", NULL };
            snprintf(label, sizeof(label), "%s %s", method, resource_paths[i]);
            http_request(method, resource_paths[i], headers, body, &r);
            if (list_has(listed, method)) {
                /* No key at all is 401 (403 is for a key whose scope does not cover the write). */
                expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, label);
                EXPECT(&e, http_header(&r, "WWW-Authenticate") != NULL
                           && strncmp(http_header(&r, "WWW-Authenticate"), "Bearer", 6) == 0,
                       "%s: WWW-Authenticate %s", label, http_header(&r, "WWW-Authenticate") ?: "(none)");
                continue;
            }
            expect_problem(&e, &r, 405, NOT_ALLOWED, NULL, label);
            const char *allow = http_header(&r, "Allow");
            EXPECT(&e, allow != NULL && list_has(allow, "GET") && list_has(allow, "HEAD"), "%s: Allow %s", label,
                   allow ? allow : "(none)");
            EXPECT(&e, allow == NULL || !list_has(allow, method), "%s: Allow %s names the refused method", label,
                   allow ?: "");
            EXPECT(&e, allow == NULL || strcmp(allow, listed) == 0, "%s: Allow %s, OPTIONS says %s", label,
                   allow ? allow : "", listed);
        }
    }
    for (size_t i = 0; i < sizeof(never_allowed) / sizeof(never_allowed[0]); i++) {
        const char *headers[] = { "Content-Type: application/json", NULL };
        snprintf(label, sizeof(label), "%s %s", never_allowed[i][0], never_allowed[i][1]);
        http_request(never_allowed[i][0], never_allowed[i][1], headers, "{}", &r);
        expect_problem(&e, &r, 405, NOT_ALLOWED, NULL, label);
        const char *allow = http_header(&r, "Allow");
        EXPECT(&e, allow != NULL && list_has(allow, "GET") && !list_has(allow, never_allowed[i][0]), "%s: Allow %s",
               label, allow ? allow : "(none)");
    }
    /* The catalogue is unchanged by all that. */
    http_get("/v1/methods?limit=200", NULL, &r);
    EXPECT(&e, json_array_size(json_at(r.json, "items")) == 12, "methods after the writes: %zu",
           json_array_size(json_at(r.json, "items")));
    http_get("/v1/methods/fft", NULL, &r);
    EXPECT(&e, r.status == 200 && json_equal(r.json, before.json), "/v1/methods/fft changed");
    http_response_free(&r);
    http_response_free(&before);
    assert_int_equal(e.failed, 0);
}

static void test_options_preflight(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    const char *headers[] = {
        "Origin: https://example.org", "Access-Control-Request-Method: GET",
        "Access-Control-Request-Headers: if-none-match, x-request-id", NULL,
    };
    (void)state;

    for (size_t i = 0; i < sizeof(resource_paths) / sizeof(resource_paths[0]); i++) {
        const char *path = resource_paths[i];
        http_request("OPTIONS", path, headers, NULL, &r);
        EXPECT(&e, r.status == 204, "OPTIONS %s: status %ld", path, r.status);
        EXPECT(&e, r.body_length == 0, "OPTIONS %s: a body", path);
        const char *methods = http_header(&r, "Access-Control-Allow-Methods");
        EXPECT(&e, methods != NULL && list_has(methods, "GET") && list_has(methods, "HEAD")
                   && list_has(methods, "OPTIONS"),
               "OPTIONS %s: Access-Control-Allow-Methods %s", path, methods ? methods : "(none)");
        EXPECT(&e, methods == NULL || (!list_has(methods, "TRACE") && !list_has(methods, "FOO")),
               "OPTIONS %s: Access-Control-Allow-Methods %s", path, methods ?: "");
        EXPECT(&e, strcmp(http_header(&r, "Allow") ?: "", methods ?: "-") == 0, "OPTIONS %s: Allow %s", path,
               http_header(&r, "Allow") ?: "(none)");
        const char *allowed_headers = http_header(&r, "Access-Control-Allow-Headers");
        EXPECT(&e, allowed_headers != NULL && strcasestr(allowed_headers, "If-None-Match") != NULL
                   && strcasestr(allowed_headers, "X-Request-Id") != NULL,
               "OPTIONS %s: Access-Control-Allow-Headers %s", path, allowed_headers ? allowed_headers : "(none)");
        EXPECT(&e, strcmp(http_header(&r, "Access-Control-Allow-Origin") ?: "", "*") == 0,
               "OPTIONS %s: Access-Control-Allow-Origin", path);
        EXPECT(&e, http_header(&r, "Access-Control-Max-Age") != NULL, "OPTIONS %s: no Access-Control-Max-Age", path);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- CORS and request ids on every kind of answer ------------------------- */

struct any_row {
    const char *method;
    const char *path;
    const char *header;         /* one extra header, or NULL */
    long status;
};

static const struct any_row any_answer[] = {
    { "GET", "/v1/methods", NULL, 200 },
    { "GET", "/v1/methods/fft", "Origin: https://example.org", 200 },
    { "GET", "/v1/methods/fft", "If-None-Match: *", 304 },
    { "HEAD", "/v1/counties", NULL, 200 },
    { "GET", "/v1/methods?limit=0", NULL, 400 },
    { "GET", "/v1/search", NULL, 400 },
    { "GET", "/v1/methods/nope", NULL, 404 },
    { "GET", "/nope", NULL, 404 },
    { "DELETE", "/v1/methods", NULL, 405 },
    { "OPTIONS", "/v1/methods", NULL, 204 },
    { "GET", "/healthz", NULL, 200 },
    { "GET", "/openapi.yaml", NULL, 200 },
};

static bool is_sane_id(const char *id)
{
    size_t length = id ? strlen(id) : 0;
    if (length == 0 || length > 64)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.')
            return false;
    return true;
}

static void test_cors_and_request_id_on_every_answer(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[160];
    (void)state;

    for (size_t i = 0; i < sizeof(any_answer) / sizeof(any_answer[0]); i++) {
        const struct any_row *row = &any_answer[i];
        const char *headers[] = { row->header, NULL };
        snprintf(label, sizeof(label), "%s %s %s", row->method, row->path, row->header ?: "");
        http_request(row->method, row->path, headers, NULL, &r);
        EXPECT(&e, r.status == row->status, "%s: status %ld, wanted %ld", label, r.status, row->status);
        EXPECT(&e, strcmp(http_header(&r, "Access-Control-Allow-Origin") ?: "", "*") == 0,
               "%s: Access-Control-Allow-Origin %s", label, http_header(&r, "Access-Control-Allow-Origin") ?: "(none)");
        const char *exposed = http_header(&r, "Access-Control-Expose-Headers");
        EXPECT(&e, exposed != NULL && strcasestr(exposed, "ETag") && strcasestr(exposed, "X-Request-Id")
                   && strcasestr(exposed, "Retry-After"),
               "%s: Access-Control-Expose-Headers %s", label, exposed ? exposed : "(none)");
        EXPECT(&e, is_sane_id(http_header(&r, "X-Request-Id")), "%s: X-Request-Id %s", label,
               http_header(&r, "X-Request-Id") ?: "(none)");
        EXPECT(&e, strcmp(http_header(&r, "X-Content-Type-Options") ?: "", "nosniff") == 0,
               "%s: X-Content-Type-Options", label);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

struct id_row {
    const char *sent;           /* the header line sent, or NULL for none */
    const char *echoed;         /* the id that must come back, or NULL: a fresh generated one */
};

static const struct id_row ids[] = {
    { "X-Request-Id: abc-123", "abc-123" },
    { "x-request-id: lower.case_ok-1", "lower.case_ok-1" },
    { "X-Request-Id: 0123456789012345678901234567890123456789012345678901234567890123",
      "0123456789012345678901234567890123456789012345678901234567890123" },   /* 64: the longest kept */
    { "X-Request-Id: 01234567890123456789012345678901234567890123456789012345678901234", NULL },   /* 65 */
    { "X-Request-Id: a b", NULL },
    { "X-Request-Id: <script>alert(1)</script>", NULL },
    { "X-Request-Id: abc\"def", NULL },
    { "X-Request-Id: ab/cd", NULL },
    { "X-Request-Id: abc;rm -rf", NULL },
    { "X-Request-Id: \xc3\xa5\xc3\xa4\xc3\xb6", NULL },
    { "X-Request-Id: \xff\xfe", NULL },
    { "X-Request-Id;", NULL },      /* curl: send the header empty */
    { NULL, NULL },
};

static void test_request_ids_echoed_only_when_sane(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char previous[80] = "";
    (void)state;

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        const struct id_row *row = &ids[i];
        const char *headers[] = { row->sent, NULL };
        const char *paths[] = { "/healthz", "/v1/methods/nope" };
        for (size_t j = 0; j < 2; j++) {
            http_get(paths[j], headers, &r);
            const char *id = http_header(&r, "X-Request-Id");
            if (!EXPECT(&e, id != NULL, "%s with %s: no X-Request-Id", paths[j], row->sent ?: "none"))
                continue;
            if (row->echoed != NULL) {
                EXPECT(&e, strcmp(id, row->echoed) == 0, "%s with %s: got %s", paths[j], row->sent, id);
            } else {
                EXPECT(&e, is_sane_id(id) && strlen(id) >= 16, "%s with %s: generated id %s is not sane", paths[j],
                       row->sent ?: "none", id);
                EXPECT(&e, row->sent == NULL || strstr(row->sent, id) == NULL, "%s with %s: junk echoed as %s",
                       paths[j], row->sent, id);
                EXPECT(&e, strcmp(id, previous) != 0, "%s: generated id %s repeats", paths[j], id);
                snprintf(previous, sizeof(previous), "%s", id);
            }
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- system endpoints ---------------------------------------------------- */

static void test_system_endpoints(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    http_get("/healthz", NULL, &r);
    if (expect_json(&e, &r, 200, "/healthz"))
        EXPECT(&e, strcmp(json_string_value(json_at(r.json, "status")) ?: "", "ok") == 0, "/healthz: %s", r.body);
    EXPECT(&e, strstr(http_header(&r, "Cache-Control") ?: "", "no-store") != NULL, "/healthz: cacheable");

    http_get("/readyz", NULL, &r);
    if (expect_json(&e, &r, 200, "/readyz"))
        EXPECT(&e, strcmp(json_string_value(json_at(r.json, "status")) ?: "", "ready") == 0, "/readyz: %s", r.body);
    EXPECT(&e, strstr(http_header(&r, "Cache-Control") ?: "", "no-store") != NULL, "/readyz: cacheable");

    http_get("/openapi.yaml", NULL, &r);
    EXPECT(&e, r.status == 200, "/openapi.yaml: status %ld: %.200s", r.status, r.body);
    EXPECT(&e, http_media_type_is(&r, "application/yaml") || http_media_type_is(&r, "application/x-yaml")
               || http_media_type_is(&r, "text/yaml") || http_media_type_is(&r, "application/vnd.oai.openapi"),
           "/openapi.yaml: Content-Type %s", http_header(&r, "Content-Type") ?: "(none)");
    EXPECT(&e, strncmp(r.body, "openapi:", 8) == 0, "/openapi.yaml starts with \"%.20s\"", r.body);
    EXPECT(&e, strstr(r.body, "/v1/methods") != NULL, "/openapi.yaml does not describe /v1/methods");

    const char *index_paths[] = { "/", "/v1" };
    for (size_t i = 0; i < 2; i++) {
        http_get(index_paths[i], NULL, &r);
        if (!expect_json(&e, &r, 200, index_paths[i]))
            continue;
        EXPECT(&e, strcmp(json_string_value(json_at(r.json, "openapi")) ?: "", "/openapi.yaml") == 0,
               "%s: openapi link", index_paths[i]);
        static const char *const resources[] = {
            "/v1/knowledge-supports", "/v1/intervention-types", "/v1/methods", "/v1/assessment-instruments",
            "/v1/materials", "/v1/surveys", "/v1/counties", "/v1/municipalities", "/v1/search",
        };
        for (size_t j = 0; j < sizeof(resources) / sizeof(resources[0]); j++) {
            size_t k;
            json_t *listed;
            bool found = false;
            json_array_foreach(json_at(r.json, "resources"), k, listed)
                found |= strcmp(json_string_value(listed) ?: "", resources[j]) == 0;
            EXPECT(&e, found, "%s: resources lack %s", index_paths[i], resources[j]);
        }
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- nothing internal reaches a client ------------------------------------ */

struct hostile_row {
    const char *method;
    const char *path;
    const char *header;
};

static const struct hostile_row hostile[] = {
    { "GET", "/v1/methods/%27%3B%20DROP%20TABLE%20methods%3B--", NULL },
    { "GET", "/v1/methods?intervention_type=%27%20OR%20%271%27=%271", NULL },
    { "GET", "/v1/methods?age=1%3B%20SELECT%20pg_sleep(5)", NULL },
    { "GET", "/v1/methods?updated_since=2024-01-01%27%3A%3Atimestamptz--", NULL },
    { "GET", "/v1/methods?updated_since=2024-02-30", NULL },
    { "GET", "/v1/methods?cursor=%C0%AF", NULL },
    { "GET", "/v1/materials?kind=film%27", NULL },
    { "GET", "/v1/materials?kind=%00film", NULL },
    { "GET", "/v1/municipalities?county=0%00", NULL },
    { "GET", "/v1/search?q=%27%29%29%3B%20SELECT%201%3B--", NULL },
    { "GET", "/v1/search?q=a%3A%2A%26%21%7C", NULL },
    { "GET", "/v1/search?q=%5C%27", NULL },
    { "GET", "/v1/search?q=%25%25%25", NULL },
    { "GET", "/v1/search?q=fft&limit=1%27", NULL },
    { "GET", "/v1/search?q=fft&offset=99999999999999999999", NULL },
    { "GET", "/%2e%2e/%2e%2e/etc/passwd", NULL },
    { "GET", "/v1/methods/%2e%2e", NULL },
    { "GET", "/v1/methods/fft%00", NULL },
    { "GET", "/v1/methods/fft%00mst", NULL },
    { "GET", "/v1/methods?%FF=1", NULL },
    { "GET", "/v1/methods?=1", NULL },
    { "GET", "/v1/methods?&&&", NULL },
    { "GET", "/v1/methods?limit=5&limit=5", NULL },
    { "GET", "/v1/methods", "If-None-Match: \"\\\"" },
    { "GET", "/v1/methods", "If-None-Match: ,,,,,," },
    { "GET", "/v1/methods", "If-None-Match: W/" },
    { "GET", "/v1/methods", "Accept: application/xml" },
    { "GET", "/v1/methods", "Content-Type: text/html" },
    { "POST", "/v1/methods", "Content-Type: application/x-www-form-urlencoded" },
    { "PUT", "/v1/methods/fft", "Content-Type: application/json" },
    { "GET", "/v1/methods/fft", "Range: bytes=0-10" },
};

static void test_no_body_leaks_internals_or_html(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[200];
    (void)state;

    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        const struct hostile_row *row = &hostile[i];
        const char *headers[] = { row->header, NULL };
        snprintf(label, sizeof(label), "%s %s %s", row->method, row->path, row->header ?: "");
        http_request(row->method, row->path, headers, strcmp(row->method, "GET") ? "slug=x';--" : NULL, &r);
        const char *leak = http_body_leak(&r);
        EXPECT(&e, r.status >= 200 && r.status < 500, "%s: status %ld: %.200s", label, r.status, r.body);
        EXPECT(&e, leak == NULL, "%s: body contains \"%s\"", label, leak ?: "");
        if (r.status >= 400)
            EXPECT(&e, http_media_type_is(&r, "application/problem+json") && json_is_object(r.json),
                   "%s: a %ld that is not a problem: %s", label, r.status, http_header(&r, "Content-Type") ?: "");
        else if (r.status == 200)
            EXPECT(&e, http_media_type_is(&r, "application/json") && json_is_object(r.json),
                   "%s: a 200 that is not JSON", label);
    }
    /* Every readable resource too. */
    for (size_t i = 0; i < READABLE_COUNT; i++) {
        http_get(readable[i], NULL, &r);
        const char *leak = http_body_leak(&r);
        EXPECT(&e, leak == NULL, "%s: body contains \"%s\"", readable[i], leak ?: "");
    }
    /* And the catalogue survived. */
    http_get("/v1/methods?limit=200", NULL, &r);
    EXPECT(&e, json_array_size(json_at(r.json, "items")) == 12, "methods afterwards: %zu",
           json_array_size(json_at(r.json, "items")));
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* A query parameter whose name is not UTF-8 is still named in errors, as the client wrote it. */
static void test_a_parameter_name_that_is_not_utf8_is_named(void **state)
{
    static const struct { const char *path; const char *field; } cases[] = {
        { "/v1/methods?%FF=1", "%FF" },
        { "/v1/methods?a%FEb=1&limit=5", "a%FEb" },
        { "/v1/methods/fft/providers?%C0%AF=x", "%C0%AF" },
    };
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        http_get(cases[i].path, NULL, &r);
        if (expect_problem(&e, &r, 400, "/problems/invalid-parameter", cases[i].field, cases[i].path))
            EXPECT(&e, json_array_size(json_at(r.json, "errors")) == 1, "%s: %.300s", cases[i].path, r.body);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_etags_and_conditional_gets),
        cmocka_unit_test(test_etags_differ_between_representations),
        cmocka_unit_test(test_head_matches_get),
        cmocka_unit_test(test_what_is_not_there_is_a_404_problem),
        cmocka_unit_test(test_other_methods_are_a_405_problem_with_allow),
        cmocka_unit_test(test_options_preflight),
        cmocka_unit_test(test_cors_and_request_id_on_every_answer),
        cmocka_unit_test(test_request_ids_echoed_only_when_sane),
        cmocka_unit_test(test_system_endpoints),
        cmocka_unit_test(test_no_body_leaks_internals_or_html),
        cmocka_unit_test(test_a_parameter_name_that_is_not_utf8_is_named),
    };
    return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
