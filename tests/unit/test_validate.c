/*
 * tests/unit/test_validate.c: the pure checks in internal/validate, with
 * their boundaries written down (0, 1, max, max+1, empty, leading zero).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "../../internal/validate/validate.h"

static void parse_long_accepts_exactly_the_canonical_decimals(void **state)
{
    static const struct { const char *text; long min, max; bool ok; long value; } cases[] = {
        { "0", 0, 200, true, 0 },
        { "1", 1, 200, true, 1 },
        { "200", 1, 200, true, 200 },
        { "201", 1, 200, false, 0 },
        { "0", 1, 200, false, 0 },
        { "", 1, 200, false, 0 },
        { "01", 1, 200, false, 0 },          /* leading zero */
        { "+5", 1, 200, false, 0 },
        { "-1", 0, 200, false, 0 },          /* no sign when min >= 0 */
        { "-1", -5, 5, true, -1 },
        { "-0", -5, 5, false, 0 },
        { " 5", 1, 200, false, 0 },
        { "5 ", 1, 200, false, 0 },
        { "5x", 1, 200, false, 0 },
        { "1e3", 1, 2000, false, 0 },
        { "99999999999999999999999", 0, 2147483647, false, 0 },   /* overflow is refused, not wrapped */
        { "65535", 1, 65535, true, 65535 },
        { "65536", 1, 65535, false, 0 },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long value = -12345;
        bool ok = validate_parse_long(cases[i].text, cases[i].min, cases[i].max, &value);
        if (ok != cases[i].ok)
            fail_msg("case %zu \"%s\": expected %s", i, cases[i].text, cases[i].ok ? "accepted" : "refused");
        if (ok)
            assert_int_equal(value, cases[i].value);
        else
            assert_int_equal(value, -12345);   /* untouched on failure */
    }
    assert_false(validate_parse_long(NULL, 0, 1, NULL));
}

static void utf8_check_refuses_malformed_and_control_characters(void **state)
{
    static const struct { const char *text; bool ok; } cases[] = {
        { "", true },
        { "familj", true },
        { "Håbo Älvkarleby Östhammar", true },
        { "\xe2\x80\x93", true },                 /* en dash */
        { "\xf0\x9f\x98\x80", true },             /* U+1F600 */
        { "\xff", false },
        { "\xc3", false },                        /* truncated */
        { "\xc0\xaf", false },                    /* overlong "/" */
        { "\xe0\x80\xaf", false },                /* overlong */
        { "\xed\xa0\x80", false },                /* surrogate */
        { "\xf4\x90\x80\x80", false },            /* above U+10FFFF */
        { "a\tb", false },
        { "a\nb", false },
        { "\x7f", false },
        { "\xc2\x85", false },                    /* C1 control NEL */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (validate_is_clean_utf8(cases[i].text) != cases[i].ok)
            fail_msg("case %zu: expected %s", i, cases[i].ok ? "valid" : "invalid");
    assert_false(validate_is_clean_utf8(NULL));
}

static void slug_check_follows_the_schema_domain(void **state)
{
    static const struct { const char *text; bool ok; } cases[] = {
        { "fft", true }, { "triple-p", true }, { "de-otroliga-aren", true }, { "a", true }, { "0381", true },
        { "", false }, { "-fft", false }, { "fft-", false }, { "triple--p", false }, { "FFT", false },
        { "fft!", false }, { "åren", false }, { "a b", false }, { "a_b", false },
        { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true },    /* 64 */
        { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },   /* 65 */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (validate_is_slug(cases[i].text) != cases[i].ok)
            fail_msg("case %zu \"%s\": expected %s", i, cases[i].text, cases[i].ok ? "valid" : "invalid");
    assert_false(validate_is_slug(NULL));
}

static void codes_are_fixed_width_digit_strings(void **state)
{
    (void)state;
    assert_true(validate_is_county_code("03"));
    assert_true(validate_is_county_code("25"));
    assert_false(validate_is_county_code("3"));      /* codes are strings: "03", not 3 */
    assert_false(validate_is_county_code("003"));
    assert_false(validate_is_county_code("0a"));
    assert_false(validate_is_county_code(""));
    assert_false(validate_is_county_code(NULL));
    assert_true(validate_is_municipality_code("0381"));
    assert_false(validate_is_municipality_code("381"));
    assert_false(validate_is_municipality_code("03810"));
    assert_false(validate_is_municipality_code("03 1"));
    assert_false(validate_is_municipality_code(NULL));
}

static void timestamps_are_rfc3339_with_real_calendar_days(void **state)
{
    static const struct { const char *text; bool ok; } cases[] = {
        { "2024-01-31", true },
        { "2024-02-29", true },                   /* leap year */
        { "2023-02-29", false },
        { "1900-02-29", false },                  /* century, not leap */
        { "2000-02-29", true },
        { "2024-13-01", false },
        { "2024-00-10", false },
        { "2024-04-31", false },
        { "2024-1-01", false },
        { "2024-01-31T12:00:00Z", true },
        { "2024-01-31t12:00:00z", true },
        { "2024-01-31T12:00:00.123456Z", true },
        { "2024-01-31T12:00:00+01:00", true },
        { "2024-01-31T12:00:00-11:30", true },
        { "2024-01-31T12:00:00+15:59", true },
        { "2024-01-31T12:00:00+16:00", false },   /* beyond what PostgreSQL accepts */
        { "2024-01-31T24:00:00Z", false },
        { "2024-01-31T12:60:00Z", false },
        { "2024-01-31T12:00:00", false },         /* a time needs a zone */
        { "2024-01-31T12:00:00.Z", false },
        { "2024-01-31T12:00:00+0100", false },
        { "2024-01-31 12:00:00Z", false },
        { "yesterday", false },
        { "", false },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (validate_is_timestamp(cases[i].text) != cases[i].ok)
            fail_msg("case %zu \"%s\": expected %s", i, cases[i].text, cases[i].ok ? "valid" : "invalid");
    assert_false(validate_is_timestamp(NULL));
}

static void booleans_are_lower_case_words(void **state)
{
    bool value = false;
    (void)state;
    assert_true(validate_parse_bool("true", &value));
    assert_true(value);
    assert_true(validate_parse_bool("false", &value));
    assert_false(value);
    assert_false(validate_parse_bool("TRUE", &value));
    assert_false(validate_parse_bool("1", &value));
    assert_false(validate_parse_bool("yes", &value));
    assert_false(validate_parse_bool("", &value));
    assert_false(validate_parse_bool(NULL, &value));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_long_accepts_exactly_the_canonical_decimals),
        cmocka_unit_test(utf8_check_refuses_malformed_and_control_characters),
        cmocka_unit_test(slug_check_follows_the_schema_domain),
        cmocka_unit_test(codes_are_fixed_width_digit_strings),
        cmocka_unit_test(timestamps_are_rfc3339_with_real_calendar_days),
        cmocka_unit_test(booleans_are_lower_case_words),
    };
    return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}
