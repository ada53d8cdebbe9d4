/*
 * tests/unit/test_headers.c: the parsers of request header values that need
 * no server: X-Consistency-LSN (db_lsn_parse), If-Match and If-None-Match
 * (etag_list_matches) and Accept (respond_accept_quality). Boundaries are
 * written down: empty, the largest value, one past it, case, whitespace.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../../internal/db/pool.h"
#include "../../internal/http/respond.h"
#include "../../internal/model/etag.h"

static void lsn_parse_accepts_exactly_the_wal_positions_postgresql_prints(void **state)
{
    static const struct { const char *text; bool ok; uint64_t value; } cases[] = {
        { "0/0", true, 0 },
        { "0/1", true, 1 },
        { "16/B374D848", true, 0x16B374D848ULL },
        { "16/b374d848", true, 0x16B374D848ULL },          /* either case of hex digit */
        { "FFFFFFFF/FFFFFFFF", true, UINT64_MAX },          /* the largest, 17 characters */
        { "1/0", true, 1ULL << 32 },
        { "100000000/0", false, 0 },                        /* high part past 32 bits */
        { "0/100000000", false, 0 },                        /* low part past 32 bits */
        { "0FFFFFFFF/FFFFFFFF", false, 0 },                 /* 18 characters */
        { "", false, 0 },
        { "/", false, 0 },
        { "0/", false, 0 },
        { "/0", false, 0 },
        { "0", false, 0 },
        { "16B374D848", false, 0 },
        { "1/2/3", false, 0 },
        { " 0/1", false, 0 },
        { "0/1 ", false, 0 },
        { "+1/0", false, 0 },
        { "-1/0", false, 0 },
        { "0x1/0", false, 0 },
        { "G/0", false, 0 },
        { "0/1;", false, 0 },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t value = 12345;
        bool ok = db_lsn_parse(cases[i].text, &value);
        if (ok != cases[i].ok)
            fail_msg("db_lsn_parse(\"%s\") returned %d", cases[i].text, ok);
        if (ok && value != cases[i].value)
            fail_msg("db_lsn_parse(\"%s\") gave %llx", cases[i].text, (unsigned long long)value);
        if (!ok && value != 12345)
            fail_msg("db_lsn_parse(\"%s\") wrote its output on failure", cases[i].text);
    }
    assert_false(db_lsn_parse(NULL, &(uint64_t){ 0 }));
}

static void lsn_format_and_parse_round_trip(void **state)
{
    static const uint64_t values[] = { 0, 1, 0xffffffffULL, 1ULL << 32, 0x16B374D848ULL, UINT64_MAX };
    char text[DB_LSN_SIZE];
    (void)state;

    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        uint64_t back = 0;
        db_lsn_format(values[i], text);
        assert_true(db_lsn_parse(text, &back));
        assert_true(back == values[i]);
    }
}

#define TAG "\"0123456789abcdef0123456789abcdef\""
#define OTHER "\"fedcba9876543210fedcba9876543210\""

static void etag_lists_match_by_rfc_9110(void **state)
{
    static const struct { const char *header; bool weak_match, strong_match; } cases[] = {
        { TAG, true, true },
        { "W/" TAG, true, false },                    /* a weak tag never matches If-Match */
        { "*", true, true },
        { " * ", true, true },
        { "*x", false, false },                       /* "*" only as a whole member */
        { "**", false, false },
        { OTHER, false, false },
        { OTHER ", " TAG, true, true },               /* any member of the list */
        { OTHER "," TAG, true, true },
        { OTHER ",\t W/" TAG, true, false },
        { TAG ", " OTHER, true, true },
        { ",,," TAG ",,", true, true },
        { "", false, false },
        { ",,,,,,", false, false },
        { "W/", false, false },
        { "\"\\\"", false, false },
        { "0123456789abcdef0123456789abcdef", false, false },      /* unquoted */
        { "\"0123456789abcdef0123456789abcde\"", false, false },   /* one digit short */
        { TAG "x", false, false },                                  /* a longer tag */
        { "\"0123456789ABCDEF0123456789ABCDEF\"", false, false },  /* tags compare by octets */
        { "w/" TAG, false, false },                                 /* "W/" is case-sensitive */
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool weak = etag_list_matches(cases[i].header, TAG, true);
        bool strong = etag_list_matches(cases[i].header, TAG, false);
        if (weak != cases[i].weak_match)
            fail_msg("If-None-Match: %s gave %d", cases[i].header, weak);
        if (strong != cases[i].strong_match)
            fail_msg("If-Match: %s gave %d", cases[i].header, strong);
    }
}

static void etag_of_is_quoted_hex_and_depends_on_every_byte(void **state)
{
    char a[ETAG_SIZE], b[ETAG_SIZE], c[ETAG_SIZE];
    (void)state;

    assert_true(sodium_init() >= 0);

    etag_of("{\"a\":1}", 7, a);
    etag_of("{\"a\":1}", 7, b);
    etag_of("{\"a\":2}", 7, c);
    assert_int_equal(strlen(a), ETAG_SIZE - 1);
    assert_true(a[0] == '"' && a[ETAG_SIZE - 2] == '"');
    assert_int_equal(strspn(a + 1, "0123456789abcdef"), 32);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_true(etag_list_matches(a, a, false));
}

static void accept_quality_takes_the_most_specific_matching_range(void **state)
{
    static const struct {
        const char *accept;
        const char *type;
        double q;
        int specificity;
    } cases[] = {
        { "text/csv", "text/csv", 1, 3 },
        { "TEXT/CSV", "text/csv", 1, 3 },                     /* names are case-insensitive */
        { "text/csv;q=0.5", "text/csv", 0.5, 3 },
        { "text/csv; q=0.5", "text/csv", 0.5, 3 },
        { "text/csv;charset=utf-8;q=0.2", "text/csv", 0.2, 3 },
        { "text/csv;Q=0.3", "text/csv", 0.3, 3 },
        { "text/csv;q=0", "text/csv", 0, 3 },                 /* named, and refused */
        { "text/csv;q=2", "text/csv", 1, 3 },                 /* clamped to 1 */
        { "text/csv;q=-1", "text/csv", 0, 3 },                /* clamped to 0 */
        { "text/*", "text/csv", 1, 2 },
        { "text/*;q=0.4", "text/csv", 0.4, 2 },
        { "*/*", "text/csv", 1, 1 },
        { "*/*;q=0.1", "application/json", 0.1, 1 },
        { "text/*;q=0.9, text/csv;q=0.2", "text/csv", 0.2, 3 },   /* the exact range wins over a wider one */
        { "text/csv;q=0.2, text/*;q=0.9", "text/csv", 0.2, 3 },   /* in any order */
        { "*/*;q=0.8, text/*;q=0.3", "text/csv", 0.3, 2 },
        { " application/json , text/csv ", "text/csv", 1, 3 },
        { "application/json", "text/csv", 0, 0 },
        { "text/csvx", "text/csv", 0, 0 },
        { "text/cs", "text/csv", 0, 0 },
        { "textx/*", "text/csv", 0, 0 },
        { "*/csv", "text/csv", 0, 0 },
        { "", "text/csv", 0, 0 },
        { ",,,", "text/csv", 0, 0 },
        { "application/*", "application/json", 1, 2 },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int specificity = -1;
        double q = respond_accept_quality(cases[i].accept, cases[i].type, &specificity);
        if (q < cases[i].q - 1e-9 || q > cases[i].q + 1e-9 || specificity != cases[i].specificity)
            fail_msg("Accept: %s for %s gave q %g at %d, wanted q %g at %d", cases[i].accept, cases[i].type, q,
                     specificity, cases[i].q, cases[i].specificity);
    }
}

static void accept_quality_ignores_ranges_too_long_to_name_a_type(void **state)
{
    char accept[400];
    int specificity = -1;
    (void)state;

    /* 130 characters of parameters: longer than any range the parser copies. */
    snprintf(accept, sizeof(accept), "text/csv;x=%0130d, application/json;q=0.5", 0);
    assert_true(respond_accept_quality(accept, "text/csv", &specificity) == 0);
    assert_int_equal(specificity, 0);
    assert_true(respond_accept_quality(accept, "application/json", &specificity) == 0.5);
    assert_int_equal(specificity, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lsn_parse_accepts_exactly_the_wal_positions_postgresql_prints),
        cmocka_unit_test(lsn_format_and_parse_round_trip),
        cmocka_unit_test(etag_lists_match_by_rfc_9110),
        cmocka_unit_test(etag_of_is_quoted_hex_and_depends_on_every_byte),
        cmocka_unit_test(accept_quality_takes_the_most_specific_matching_range),
        cmocka_unit_test(accept_quality_ignores_ranges_too_long_to_name_a_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
