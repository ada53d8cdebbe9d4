/*
 * tests/unit/test_router.c: the segment trie of internal/http/router.c,
 * built from a small route table the way routes.c builds it from its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "../../internal/http/router.h"

static void a_handler(const struct _u_request *req, struct _u_response *resp, const struct app *app)
{
    (void)req;
    (void)resp;
    (void)app;
}

static const struct route rows[] = {
    { "GET", "/", .handler = a_handler },
    { "GET", "/v1/methods", .handler = a_handler },
    { "POST", "/v1/methods", .handler = a_handler },
    { "GET", "/v1/methods/:slug", .handler = a_handler },
    { "PUT", "/v1/methods/:slug", .handler = a_handler },
    { "GET", "/v1/methods/:slug/providers", .handler = a_handler },
    { "POST", "/v1/offerings/import", .handler = a_handler },
    { "GET", "/v1/offerings/:id", .handler = a_handler },
    { "DELETE", "/v1/offerings/:id", .handler = a_handler },
};

#define ROWS (sizeof(rows) / sizeof(rows[0]))

static void finds_the_row_of_method_and_template(void **state)
{
    struct router *router = router_build(rows, ROWS);
    struct router_match m;
    (void)state;

    assert_non_null(router);
    router_match(router, "GET", "/v1/methods", &m);
    assert_ptr_equal(m.route, &rows[1]);
    router_match(router, "post", "/v1/methods", &m);   /* methods compare case-insensitively, as in ulfius */
    assert_ptr_equal(m.route, &rows[2]);
    router_match(router, "GET", "/v1/methods/fft", &m);
    assert_ptr_equal(m.route, &rows[3]);
    router_match(router, "GET", "/v1/methods/fft/providers", &m);
    assert_ptr_equal(m.route, &rows[5]);
    router_match(router, "GET", "/", &m);
    assert_ptr_equal(m.route, &rows[0]);
    /* Empty segments do not count, as in ulfius. */
    router_match(router, "GET", "//v1//methods/fft/", &m);
    assert_ptr_equal(m.route, &rows[3]);
    router_free(router);
}

static void head_is_answered_by_get(void **state)
{
    struct router *router = router_build(rows, ROWS);
    struct router_match m;
    (void)state;

    router_match(router, "HEAD", "/v1/methods/fft", &m);
    assert_ptr_equal(m.route, &rows[3]);
    assert_true(m.head);
    router_match(router, "HEAD", "/v1/offerings/import", &m);   /* via the :id template's GET */
    assert_ptr_equal(m.route, &rows[7]);
    router_free(router);
}

static void a_literal_wins_but_a_parameter_has_the_method(void **state)
{
    struct router *router = router_build(rows, ROWS);
    struct router_match m;
    (void)state;

    router_match(router, "POST", "/v1/offerings/import", &m);
    assert_ptr_equal(m.route, &rows[6]);
    /* No GET on the literal: the :id template answers, with id "import". */
    router_match(router, "GET", "/v1/offerings/import", &m);
    assert_ptr_equal(m.route, &rows[7]);
    /* No template has PATCH: 405 with the literal's Allow. */
    router_match(router, "PATCH", "/v1/offerings/import", &m);
    assert_null(m.route);
    assert_non_null(m.path);
    assert_string_equal(m.path->allow, "POST, OPTIONS");
    router_free(router);
}

static void unknown_methods_and_paths(void **state)
{
    struct router *router = router_build(rows, ROWS);
    struct router_match m;
    (void)state;

    router_match(router, "OPTIONS", "/v1/methods/fft", &m);
    assert_null(m.route);
    assert_string_equal(m.path->allow, "GET, HEAD, PUT, OPTIONS");
    router_match(router, "DELETE", "/v1/methods", &m);
    assert_null(m.route);
    assert_string_equal(m.path->allow, "GET, HEAD, POST, OPTIONS");
    router_match(router, "GET", "/v1/nothing", &m);
    assert_null(m.path);
    router_match(router, "GET", "/v1/methods/fft/providers/more", &m);
    assert_null(m.path);
    router_match(router, "GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s", &m);   /* deeper than any template */
    assert_null(m.path);
    router_free(router);
}

static void parameters_are_decoded_and_joined_with_a_query_value(void **state)
{
    struct router *router = router_build(rows, ROWS);
    struct router_match m;
    struct _u_map map;
    (void)state;

    u_map_init(&map);
    router_match(router, "GET", "/v1/methods/f%20t/providers", &m);
    assert_true(router_put_params(&m, &map));
    assert_string_equal(u_map_get(&map, "slug"), "f t");
    u_map_empty(&map);
    u_map_put(&map, "id", "7");   /* ?id=7 beside the path's id, as ulfius joins them */
    router_match(router, "GET", "/v1/offerings/12", &m);
    assert_true(router_put_params(&m, &map));
    assert_string_equal(u_map_get(&map, "id"), "7,12");
    u_map_clean(&map);
    router_free(router);
}

static void a_table_with_a_row_twice_or_a_bad_method_is_refused(void **state)
{
    static const struct route twice[] = { { "GET", "/a/:x", .handler = a_handler }, { "GET", "/a/:y", .handler = a_handler } };
    static const struct route bad[] = { { "FETCH", "/a", .handler = a_handler } };
    (void)state;

    assert_null(router_build(twice, 2));
    assert_null(router_build(bad, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_the_row_of_method_and_template),
        cmocka_unit_test(head_is_answered_by_get),
        cmocka_unit_test(a_literal_wins_but_a_parameter_has_the_method),
        cmocka_unit_test(unknown_methods_and_paths),
        cmocka_unit_test(parameters_are_decoded_and_joined_with_a_query_value),
        cmocka_unit_test(a_table_with_a_row_twice_or_a_bad_method_is_refused),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
