/*
 * tests/api/test_static.c: the web page and /docs as static files
 * (internal/http/static.c), served from build/web as `make test` builds it:
 * / for a browser and JSON for everyone else, strong ETags per variant,
 * gzip, 304, Cache-Control and Vary, the Content-Security-Policy, and 404
 * problems for everything that is not a served file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"

#define BROWSER_ACCEPT "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

static bool has(const struct http_response *r, const char *name, const char *part)
{
    const char *value = http_header(r, name);
    return value != NULL && strstr(value, part) != NULL;
}

/* The script-src directive of the response's CSP allows exactly 'self'. */
static bool script_only_from_self(const struct http_response *r)
{
    const char *csp = http_header(r, "Content-Security-Policy");
    const char *script = csp ? strstr(csp, "script-src ") : NULL;
    return script != NULL && strncmp(script, "script-src 'self';", 18) == 0 && strstr(csp, "default-src 'self'") != NULL;
}

static void test_root_is_the_page_for_browsers_and_json_for_the_rest(void **state)
{
    struct expectations e = { 0 };
    struct http_response page = { 0 }, app = { 0 }, r = { 0 };
    const char *browser[] = { BROWSER_ACCEPT, NULL };
    const char *any[] = { "Accept: */*", NULL };
    const char *json_first[] = { "Accept: application/json, text/html", NULL };
    (void)state;

    http_get("/", browser, &page);
    EXPECT(&e, page.status == 200 && has(&page, "Content-Type", "text/html; charset=utf-8"), "/ for a browser: %ld %s",
           page.status, http_header(&page, "Content-Type") ?: "");
    EXPECT(&e, page.body && strstr(page.body, "<html lang=\"sv\">") && strstr(page.body, "src=\"/app/app.js\""),
           "/ for a browser is the Swedish page");
    EXPECT(&e, page.body && strstr(page.body, "<script>") == NULL, "the page has no inline script");
    EXPECT(&e, script_only_from_self(&page), "CSP: %s", http_header(&page, "Content-Security-Policy") ?: "(none)");
    EXPECT(&e, has(&page, "Content-Security-Policy", "frame-ancestors 'none'") && !has(&page, "Content-Security-Policy", "unsafe"),
           "the page's CSP allows nothing inline");
    EXPECT(&e, has(&page, "Vary", "Accept") && has(&page, "Vary", "Accept-Encoding"), "Vary: %s", http_header(&page, "Vary") ?: "");

    for (int i = 0; i < 3; i++) {
        const char *const *headers = i == 0 ? NULL : i == 1 ? any : json_first;
        http_get("/", headers, &r);
        EXPECT(&e, r.status == 200 && http_media_type_is(&r, "application/json") && json_at(r.json, "resources") != NULL,
               "/ with %s is the JSON index: %ld", headers ? headers[0] : "no Accept", r.status);
    }
    http_get("/v1", browser, &r);
    EXPECT(&e, http_media_type_is(&r, "application/json"), "/v1 stays JSON for a browser");

    const char *paths[] = { "/app", "/app/", "/app/index.html" };
    for (size_t i = 0; i < 3; i++) {
        http_get(paths[i], NULL, &app);
        EXPECT(&e, app.status == 200 && app.body_length == page.body_length && page.body
                       && memcmp(app.body, page.body, page.body_length) == 0,
               "%s is the same page: %ld", paths[i], app.status);
        EXPECT(&e, script_only_from_self(&app), "%s has the CSP", paths[i]);
    }
    http_response_free(&page);
    http_response_free(&app);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_files_have_strong_etags_cache_control_and_gzip(void **state)
{
    struct expectations e = { 0 };
    struct http_response plain = { 0 }, zipped = { 0 }, r = { 0 };
    const char *gzip[] = { "Accept-Encoding: gzip, deflate, br", NULL };
    const char *refused[] = { "Accept-Encoding: gzip;q=0, identity", NULL };
    char plain_tag[100], zipped_tag[100], header[160], header2[160];
    (void)state;

    http_get("/app/app.js", NULL, &plain);
    EXPECT(&e, plain.status == 200 && has(&plain, "Content-Type", "text/javascript"), "app.js: %ld", plain.status);
    EXPECT(&e, http_header(&plain, "Content-Encoding") == NULL, "no gzip unless asked");
    EXPECT(&e, has(&plain, "Cache-Control", "no-cache") && has(&plain, "Vary", "Accept-Encoding"), "Cache-Control %s, Vary %s",
           http_header(&plain, "Cache-Control") ?: "", http_header(&plain, "Vary") ?: "");
    snprintf(plain_tag, sizeof(plain_tag), "%s", http_header(&plain, "ETag") ?: "");
    EXPECT(&e, plain_tag[0] == '"' && strlen(plain_tag) > 10, "a strong ETag: %s", plain_tag);

    http_get("/app/app.js", gzip, &zipped);
    snprintf(zipped_tag, sizeof(zipped_tag), "%s", http_header(&zipped, "ETag") ?: "");
    EXPECT(&e, zipped.status == 200 && has(&zipped, "Content-Encoding", "gzip"), "gzip when accepted");
    EXPECT(&e, zipped.body_length > 2 && (unsigned char)zipped.body[0] == 0x1f && (unsigned char)zipped.body[1] == 0x8b
                   && zipped.body_length < plain.body_length,
           "a gzip member smaller than the file: %zu of %zu bytes", zipped.body_length, plain.body_length);
    EXPECT(&e, zipped_tag[0] == '"' && strcmp(zipped_tag, plain_tag) != 0, "the gzip variant has its own strong ETag");

    http_get("/app/app.js", refused, &r);
    EXPECT(&e, http_header(&r, "Content-Encoding") == NULL, "gzip;q=0 is refused");

    /* 304 for the variant If-None-Match names, 200 for the other. */
    snprintf(header, sizeof(header), "If-None-Match: %s", plain_tag);
    const char *same[] = { header, NULL };
    http_get("/app/app.js", same, &r);
    EXPECT(&e, r.status == 304 && r.body_length == 0, "If-None-Match of the plain file: %ld", r.status);
    EXPECT(&e, has(&r, "ETag", plain_tag) && has(&r, "Cache-Control", "no-cache"), "the 304 has the ETag and Cache-Control");
    const char *other[] = { header, "Accept-Encoding: gzip", NULL };
    http_get("/app/app.js", other, &r);
    EXPECT(&e, r.status == 200 && has(&r, "Content-Encoding", "gzip"), "the plain tag does not match the gzip variant: %ld",
           r.status);
    snprintf(header2, sizeof(header2), "If-None-Match: W/%s", zipped_tag);
    const char *zipped_again[] = { header2, "Accept-Encoding: gzip", NULL };
    http_get("/app/app.js", zipped_again, &r);
    EXPECT(&e, r.status == 304, "If-None-Match (weakly) of the gzip variant: %ld", r.status);

    http_request("HEAD", "/app/app.js", NULL, NULL, &r);
    EXPECT(&e, r.status == 200 && r.body_length == 0 && has(&r, "ETag", plain_tag), "HEAD: %ld", r.status);

    /* The shipped borders, and the vendored libraries. */
    http_get("/app/kommuner.geojson", NULL, &r);
    EXPECT(&e, http_media_type_is(&r, "application/geo+json") && json_array_size(json_at(r.json, "features")) == 290,
           "kommuner.geojson: %s, %zu features", http_header(&r, "Content-Type") ?: "",
           json_array_size(json_at(r.json, "features")));
    const char *vendored[] = { "preact.module.js", "htm.module.js", "d3-array.min.js", "d3-geo.min.js", "redoc.standalone.js" };
    for (size_t i = 0; i < 5; i++) {
        char path[80];
        snprintf(path, sizeof(path), "/app/vendor/%s", vendored[i]);
        http_get(path, NULL, &r);
        EXPECT(&e, r.status == 200 && has(&r, "Content-Type", "text/javascript") && r.body_length > 1000, "%s: %ld", path,
               r.status);
        EXPECT(&e, r.body && strstr(r.body, "cdn.redoc.ly") == NULL, "%s asks nothing of an outside origin", path);
    }
    http_response_free(&plain);
    http_response_free(&zipped);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_docs_is_redoc_on_the_served_contract(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    http_get("/docs", NULL, &r);
    EXPECT(&e, r.status == 200 && has(&r, "Content-Type", "text/html"), "/docs: %ld", r.status);
    EXPECT(&e, r.body && strstr(r.body, "<redoc spec-url=\"/openapi.yaml\"") && strstr(r.body, "/app/vendor/redoc.standalone.js"),
           "/docs renders /openapi.yaml with the vendored Redoc");
    EXPECT(&e, script_only_from_self(&r), "/docs CSP: %s", http_header(&r, "Content-Security-Policy") ?: "(none)");
    EXPECT(&e, r.body && strstr(r.body, "https://") == NULL, "/docs names no outside origin");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

static void test_what_is_not_a_served_file_is_a_404_problem(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    const char *missing[] = {
        "/app/nothing.js", "/app/..%2Fopenapi.yaml", "/app/.npmrc", "/app/build.sh", "/app/package.json",
        "/app/vendor/../index.html", "/app/vendor/nothing.js", "/app/vendor/preact.LICENSE", "/app/vendor/vendor",
        "/docs/x", "/app/a/b/c",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
        http_get(missing[i], NULL, &r);
        EXPECT(&e, r.status == 404 && http_media_type_is(&r, "application/problem+json"), "%s: %ld %s", missing[i],
               r.status, http_header(&r, "Content-Type") ?: "");
    }
    http_request("POST", "/app/app.js", NULL, "{}", &r);
    EXPECT(&e, r.status == 405 && has(&r, "Allow", "GET, HEAD"), "POST /app/app.js: %ld", r.status);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_is_the_page_for_browsers_and_json_for_the_rest),
        cmocka_unit_test(test_files_have_strong_etags_cache_control_and_gzip),
        cmocka_unit_test(test_docs_is_redoc_on_the_served_contract),
        cmocka_unit_test(test_what_is_not_a_served_file_is_a_404_problem),
    };
    return cmocka_run_group_tests_name("static", tests, NULL, NULL);
}
