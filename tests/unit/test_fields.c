/*
 * tests/unit/test_fields.c: the value checks behind the provider resources
 * (organisation numbers, dates, e-mail, phone) and the field-spec checks of
 * request bodies (fields_check_object, fields_check_order,
 * fields_merge_patch), table-driven, with their boundaries written down.
 *
 * Every table reports all of its bad rows before the test fails, so one run
 * shows every disagreement.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../internal/validate/fields.h"
#include "../../internal/validate/validate.h"

struct text_case {
    const char *text;
    bool ok;
    const char *why;   /* the boundary the row pins down */
};

/* Runs check over the rows; prints each wrong row and returns how many there were. */
static int run_text_cases(const char *name, bool (*check)(const char *), const struct text_case *cases, size_t count)
{
    int wrong = 0;

    for (size_t i = 0; i < count; i++) {
        if (check(cases[i].text) == cases[i].ok)
            continue;
        print_error("%s row %zu \"%s\" (%s): expected %s\n", name, i, cases[i].text ? cases[i].text : "(NULL)",
                    cases[i].why, cases[i].ok ? "valid" : "invalid");
        wrong++;
    }
    return wrong;
}

#define RUN_TEXT_CASES(check, cases) run_text_cases(#check, check, cases, sizeof(cases) / sizeof(cases[0]))

/* ---- single values --------------------------------------------------------- */

static void organisation_numbers_are_ten_digits_with_a_luhn_check_digit(void **state)
{
    static const struct text_case cases[] = {
        { "5560160680", true, "a real aktiebolag" },
        { "2120000142", true, "a real authority" },
        { "2021005489", true, "a real authority (check digit 9)" },
        { "0000000000", true, "digit sum 0 gives check digit 0" },
        { "5560160681", false, "check digit one too high" },
        { "5560160689", false, "check digit wrong by 9" },
        { "2120000141", false, "check digit one too low" },
        { "2021005480", false, "check digit 0 where 9 is right" },
        { "6560160680", false, "first digit changed: the doubled position is checked" },
        { "5660160680", false, "second digit changed: the single position is checked" },
        { "556016068", false, "9 digits" },
        { "55601606800", false, "11 digits" },
        { "556016-0680", false, "hyphen, as organisation numbers are often written" },
        { "556016 0680", false, "space" },
        { "556016068X", false, "letter as check digit" },
        { "55601606a0", false, "letter inside" },
        { "abcdefghij", false, "ten letters" },
        { "+556016068", false, "sign" },
        { " 556016068", false, "ten characters with a leading space" },
        { "5560160680\n", false, "trailing newline" },
        { "165560160680", false, "twelve digits with a century prefix" },
        { "", false, "empty" },
        { NULL, false, "NULL" },
    };
    (void)state;
    assert_int_equal(RUN_TEXT_CASES(validate_is_organisation_number, cases), 0);
}

/* Every check digit but the right one is refused: the Luhn digit is the only one. */
static void exactly_one_check_digit_fits_each_organisation_number(void **state)
{
    static const char *const stems[] = { "556016068", "212000014", "202100548", "000000000", "999999999",
                                         "123456789", "802001234" };
    int wrong = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(stems) / sizeof(stems[0]); i++) {
        int fits = 0;
        for (char digit = '0'; digit <= '9'; digit++) {
            char number[11];
            snprintf(number, sizeof(number), "%s%c", stems[i], digit);
            fits += validate_is_organisation_number(number);
        }
        if (fits != 1) {
            print_error("stem %s: %d check digits accepted, expected exactly 1\n", stems[i], fits);
            wrong++;
        }
    }
    assert_int_equal(wrong, 0);
}

static void dates_are_exactly_yyyy_mm_dd_on_real_calendar_days(void **state)
{
    static const struct text_case cases[] = {
        { "2025-01-31", true, "an ordinary day" },
        { "2024-02-29", true, "leap year" },
        { "2023-02-29", false, "not a leap year" },
        { "2000-02-29", true, "divisible by 400: leap" },
        { "1900-02-29", false, "divisible by 100 only: not leap" },
        { "2024-12-31", true, "last day of the year" },
        { "2025-01-01", true, "first day of the year" },
        { "2024-04-30", true, "last day of a 30-day month" },
        { "2024-04-31", false, "one past a 30-day month" },
        { "2024-13-01", false, "month 13" },
        { "2024-00-10", false, "month 0" },
        { "2024-01-00", false, "day 0" },
        { "2024-01-32", false, "day 32" },
        { "0001-01-01", true, "smallest year" },
        { "0000-01-01", false, "year 0" },
        { "9999-12-31", true, "largest four-digit year" },
        { "2024-1-01", false, "one-digit month" },
        { "2024-01-1", false, "one-digit day" },
        { "20240101", false, "no hyphens" },
        { "2024/01/01", false, "slashes" },
        { "2024-01-01T00:00:00Z", false, "a timestamp is not a date" },
        { "2024-01-01 ", false, "trailing space" },
        { " 2024-01-01", false, "leading space" },
        { "+2024-01-01", false, "sign" },
        { "", false, "empty" },
        { NULL, false, "NULL" },
    };
    (void)state;
    assert_int_equal(RUN_TEXT_CASES(validate_is_date, cases), 0);
}

static void email_addresses_need_one_at_and_a_dotted_domain(void **state)
{
    static const struct text_case cases[] = {
        { "info@example.se", true, "ordinary" },
        { "a@b.se", true, "short" },
        { "a@b.c", true, "five bytes: the shortest accepted" },
        { "a@b.", false, "nothing after the last dot" },
        { "a@bc", false, "four bytes" },
        { "förnamn.efternamn@exempel.se", true, "UTF-8 local part" },
        { "first.last+tag@sub.example.org", true, "dots and plus in the local part, sub-domain" },
        { "a.b@example", false, "no dot after the @" },
        { "@example.se", false, "empty local part" },
        { "a@.se", false, "dot right after the @" },
        { "a@example.", false, "dot at the end" },
        { "aexample.se", false, "no @" },
        { "a@b@example.se", false, "two @" },
        { "a b@example.se", false, "space" },
        { "a@exa mple.se", false, "space in the domain" },
        { "a\t@example.se", false, "control character" },
        { "a@example.se\n", false, "trailing newline" },
        { "", false, "empty" },
        { NULL, false, "NULL" },
    };
    char longest[300], too_long[300];
    (void)state;

    /* 254 bytes is the limit: "a@" + 249 "b" + ".se" = 254; one more "b" is 255. */
    memcpy(longest, "a@", 2);
    memset(longest + 2, 'b', 249);
    memcpy(longest + 251, ".se", 4);
    memcpy(too_long, longest, 2);
    memset(too_long + 2, 'b', 250);
    memcpy(too_long + 252, ".se", 4);
    assert_int_equal(strlen(longest), 254);
    assert_int_equal(strlen(too_long), 255);

    int wrong = RUN_TEXT_CASES(validate_is_email, cases);
    if (!validate_is_email(longest)) {
        print_error("a 254-byte address was refused\n");
        wrong++;
    }
    if (validate_is_email(too_long)) {
        print_error("a 255-byte address was accepted\n");
        wrong++;
    }
    assert_int_equal(wrong, 0);
}

static void phone_numbers_are_five_to_twenty_digits_and_separators(void **state)
{
    static const struct text_case cases[] = {
        { "018-123456", true, "area code and number" },
        { "+46 18 12 34 56", true, "international, with spaces" },
        { "(018) 12 34 56", true, "parentheses" },
        { "+46 (0)18-12 34 56", true, "every separator" },
        { "12345", true, "five characters: the shortest" },
        { "1234", false, "four characters" },
        { "+12345", true, "the + is not counted: five after it" },
        { "+1234", false, "four after the +" },
        { "12345678901234567890", true, "twenty characters: the longest" },
        { "123456789012345678901", false, "twenty-one characters" },
        { "+12345678901234567890", true, "+ and twenty" },
        { "+123456789012345678901", false, "+ and twenty-one" },
        { "++12345", false, "two plus signs" },
        { "123+45", false, "plus inside" },
        { "018-12345a", false, "letter" },
        { "018.123456", false, "dot" },
        { "018/123456", false, "slash" },
        { "018\t123456", false, "tab" },
        { "     ", true, "five spaces pass: the documented rule counts separators, not digits" },
        { "", false, "empty" },
        { "+", false, "a plus alone" },
        { NULL, false, "NULL" },
    };
    (void)state;
    assert_int_equal(RUN_TEXT_CASES(validate_is_phone, cases), 0);
}

/* ---- field specs ------------------------------------------------------------- */

static const char *const colours[] = { "röd", "grön", NULL };
static const char *const roles[] = { "behandlare", "handledare", NULL };

/* A small spec with one field of every kind the provider resources use. */
static const struct field_spec sample_fields[] = {
    FIELD_SPEC_TEXT("name", true, 1, 10),
    FIELD_SPEC_INTEGER("cost", false, 0, 100),
    FIELD_SPEC_NUMBER("days", false, 0, 365),
    FIELD_SPEC_CHOICE("colour", false, colours),
    FIELD_SPEC_CHOICES("roles", false, roles),
    FIELD_SPEC_TEXTS("languages", false, 3, 5),
    FIELD_SPEC_ID_REFERENCE("provider_id", false, "provider"),
    FIELD_SPEC_REFERENCE("method", false, "method"),
    FIELD_SPEC_OF("from", FIELD_DATE, false),
    FIELD_SPEC_OF("to", FIELD_DATE, false),
    FIELD_SPEC_BOOLEAN("flag", false),
    FIELD_SPEC_URL("website", false),
    FIELD_SPEC_OF("county", FIELD_COUNTY_CODE, false),
    FIELD_SPEC_OF("municipality", FIELD_MUNICIPALITY_CODE, false),
    FIELD_SPEC_OF("organisation_number", FIELD_ORGANISATION_NUMBER, false),
    FIELD_SPEC_OF("email", FIELD_EMAIL, false),
    FIELD_SPEC_OF("phone", FIELD_PHONE, false),
    FIELD_SPEC_END,
};

struct body_case {
    const char *json;           /* the body */
    const char *fields;         /* the fields errors must name, space-separated, in order; "" for none */
};

static const struct body_case body_cases[] = {
    /* presence */
    { "{\"name\": \"x\"}", "" },
    { "{}", "name" },
    { "{\"name\": null}", "name" },                       /* null is absent */
    { "{\"name\": \"x\", \"cost\": null}", "" },          /* an optional null is fine */
    { "{\"name\": \"x\", \"extra\": 1}", "extra" },
    { "{\"name\": \"x\", \"Name\": \"y\"}", "Name" },    /* names are case-sensitive */
    { "{\"extra\": 1, \"other\": 2}", "extra other name" },
    /* text */
    { "{\"name\": 5}", "name" },
    { "{\"name\": \"\"}", "name" },                       /* min_length 1 */
    { "{\"name\": \"0123456789\"}", "" },                 /* max_length 10 */
    { "{\"name\": \"01234567890\"}", "name" },            /* 11 */
    { "{\"name\": \"åäöåä\"}", "" },                      /* 10 bytes of UTF-8 */
    { "{\"name\": \"åäöåäx\"}", "name" },                 /* 11 bytes: lengths are bytes */
    { "{\"name\": \"a\\u0001\"}", "name" },               /* control character */
    { "{\"name\": [\"x\"]}", "name" },
    /* integer 0..100 */
    { "{\"name\": \"x\", \"cost\": 0}", "" },
    { "{\"name\": \"x\", \"cost\": 100}", "" },
    { "{\"name\": \"x\", \"cost\": 101}", "cost" },
    { "{\"name\": \"x\", \"cost\": -1}", "cost" },
    { "{\"name\": \"x\", \"cost\": 5.0}", "cost" },       /* a fraction, even .0, is not an integer */
    { "{\"name\": \"x\", \"cost\": 5.5}", "cost" },
    { "{\"name\": \"x\", \"cost\": \"5\"}", "cost" },
    { "{\"name\": \"x\", \"cost\": true}", "cost" },
    { "{\"name\": \"x\", \"cost\": 9223372036854775807}", "cost" },
    /* number 0..365 */
    { "{\"name\": \"x\", \"days\": 5}", "" },
    { "{\"name\": \"x\", \"days\": 5.5}", "" },
    { "{\"name\": \"x\", \"days\": 0}", "" },
    { "{\"name\": \"x\", \"days\": 0.0}", "" },
    { "{\"name\": \"x\", \"days\": 365}", "" },
    { "{\"name\": \"x\", \"days\": 365.0}", "" },
    { "{\"name\": \"x\", \"days\": 365.5}", "days" },
    { "{\"name\": \"x\", \"days\": 366}", "days" },
    { "{\"name\": \"x\", \"days\": -0.5}", "days" },
    { "{\"name\": \"x\", \"days\": \"5.5\"}", "days" },
    { "{\"name\": \"x\", \"days\": false}", "days" },
    /* choice */
    { "{\"name\": \"x\", \"colour\": \"röd\"}", "" },
    { "{\"name\": \"x\", \"colour\": \"blå\"}", "colour" },
    { "{\"name\": \"x\", \"colour\": \"Röd\"}", "colour" },
    { "{\"name\": \"x\", \"colour\": [\"röd\"]}", "colour" },
    /* choice arrays: non-empty, distinct, known */
    { "{\"name\": \"x\", \"roles\": [\"behandlare\"]}", "" },
    { "{\"name\": \"x\", \"roles\": [\"behandlare\", \"handledare\"]}", "" },
    { "{\"name\": \"x\", \"roles\": [\"handledare\", \"behandlare\"]}", "" },
    { "{\"name\": \"x\", \"roles\": []}", "roles" },
    { "{\"name\": \"x\", \"roles\": [\"behandlare\", \"behandlare\"]}", "roles" },
    { "{\"name\": \"x\", \"roles\": [\"chef\"]}", "roles" },
    { "{\"name\": \"x\", \"roles\": [\"behandlare\", \"chef\"]}", "roles" },
    { "{\"name\": \"x\", \"roles\": \"behandlare\"}", "roles" },
    { "{\"name\": \"x\", \"roles\": [1]}", "roles" },
    { "{\"name\": \"x\", \"roles\": [null]}", "roles" },
    /* text arrays: at most 3 items of 1..5 bytes, distinct */
    { "{\"name\": \"x\", \"languages\": []}", "" },
    { "{\"name\": \"x\", \"languages\": [\"sv\", \"en\", \"ar\"]}", "" },
    { "{\"name\": \"x\", \"languages\": [\"sv\", \"en\", \"ar\", \"fi\"]}", "languages" },
    { "{\"name\": \"x\", \"languages\": [\"sv\", \"sv\"]}", "languages" },
    { "{\"name\": \"x\", \"languages\": [\"\"]}", "languages" },
    { "{\"name\": \"x\", \"languages\": [\"12345\"]}", "" },
    { "{\"name\": \"x\", \"languages\": [\"123456\"]}", "languages" },
    { "{\"name\": \"x\", \"languages\": [\"a\\u0007\"]}", "languages" },
    { "{\"name\": \"x\", \"languages\": [3]}", "languages" },
    { "{\"name\": \"x\", \"languages\": \"sv\"}", "languages" },
    /* ids: positive integers */
    { "{\"name\": \"x\", \"provider_id\": 1}", "" },
    { "{\"name\": \"x\", \"provider_id\": 9007199254740993}", "" },
    { "{\"name\": \"x\", \"provider_id\": 0}", "provider_id" },
    { "{\"name\": \"x\", \"provider_id\": -1}", "provider_id" },
    { "{\"name\": \"x\", \"provider_id\": 1.0}", "provider_id" },
    { "{\"name\": \"x\", \"provider_id\": \"1\"}", "provider_id" },
    /* slug references */
    { "{\"name\": \"x\", \"method\": \"triple-p\"}", "" },
    { "{\"name\": \"x\", \"method\": \"Triple P\"}", "method" },
    { "{\"name\": \"x\", \"method\": 7}", "method" },
    /* dates */
    { "{\"name\": \"x\", \"from\": \"2024-02-29\"}", "" },
    { "{\"name\": \"x\", \"from\": \"2023-02-29\"}", "from" },
    { "{\"name\": \"x\", \"from\": \"2024-01-01T00:00:00Z\"}", "from" },
    { "{\"name\": \"x\", \"from\": 20240101}", "from" },
    /* boolean */
    { "{\"name\": \"x\", \"flag\": false}", "" },
    { "{\"name\": \"x\", \"flag\": 0}", "flag" },
    { "{\"name\": \"x\", \"flag\": \"true\"}", "flag" },
    /* URL: http(s) with something after the scheme, 8..500 bytes */
    { "{\"name\": \"x\", \"website\": \"https://example.se\"}", "" },
    { "{\"name\": \"x\", \"website\": \"http://a\"}", "" },
    { "{\"name\": \"x\", \"website\": \"https://\"}", "website" },
    { "{\"name\": \"x\", \"website\": \"ftp://example.se\"}", "website" },
    { "{\"name\": \"x\", \"website\": \"example.se\"}", "website" },
    /* codes */
    { "{\"name\": \"x\", \"county\": \"03\"}", "" },
    { "{\"name\": \"x\", \"county\": \"3\"}", "county" },
    { "{\"name\": \"x\", \"county\": 3}", "county" },
    { "{\"name\": \"x\", \"municipality\": \"0380\"}", "" },
    { "{\"name\": \"x\", \"municipality\": \"380\"}", "municipality" },
    { "{\"name\": \"x\", \"municipality\": 380}", "municipality" },
    /* organisation number, e-mail, phone */
    { "{\"name\": \"x\", \"organisation_number\": \"5560160680\"}", "" },
    { "{\"name\": \"x\", \"organisation_number\": \"5560160681\"}", "organisation_number" },
    { "{\"name\": \"x\", \"organisation_number\": \"556016-0680\"}", "organisation_number" },
    { "{\"name\": \"x\", \"organisation_number\": 5560160680}", "organisation_number" },
    { "{\"name\": \"x\", \"email\": \"info@example.se\"}", "" },
    { "{\"name\": \"x\", \"email\": \"info@example\"}", "email" },
    { "{\"name\": \"x\", \"email\": 1}", "email" },
    { "{\"name\": \"x\", \"phone\": \"018-12 34 56\"}", "" },
    { "{\"name\": \"x\", \"phone\": \"1234\"}", "phone" },
    { "{\"name\": \"x\", \"phone\": 1812345}", "phone" },
    /* every problem is reported, in spec order after the unknown keys */
    { "{\"zzz\": 1, \"cost\": -1, \"days\": \"x\", \"roles\": [], \"from\": \"2024-02-30\"}",
      "zzz name cost days roles from" },
};

/* Whether errors names exactly the space-separated fields, in that order. */
static bool errors_name(const struct field_errors *errors, const char *fields, char *got, size_t got_size)
{
    size_t used = 0;

    got[0] = '\0';
    for (size_t i = 0; i < errors->count && used < got_size; i++)
        used += (size_t)snprintf(got + used, got_size - used, "%s%s", i ? " " : "", errors->items[i].field);
    return strcmp(got, fields) == 0;
}

static void bodies_are_checked_against_the_specs(void **state)
{
    int wrong = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
        const struct body_case *row = &body_cases[i];
        struct field_errors errors = { .count = 0 };
        json_error_t error;
        json_t *body = json_loads(row->json, 0, &error);
        char got[512];

        if (body == NULL) {
            print_error("row %zu: the test's JSON does not parse: %s: %s\n", i, error.text, row->json);
            wrong++;
            continue;
        }
        bool ok = fields_check_object(body, sample_fields, &errors);
        if (ok != (row->fields[0] == '\0') || !errors_name(&errors, row->fields, got, sizeof(got))) {
            print_error("row %zu %s: errors name [%s], expected [%s]\n", i, row->json, got, row->fields);
            wrong++;
        }
        for (size_t j = 0; j < errors.count; j++) {
            if (errors.items[j].message[0] == '\0' || strstr(errors.items[j].message, errors.items[j].field) == NULL) {
                print_error("row %zu: error %zu's message does not name its field: \"%s\"\n", i, j,
                            errors.items[j].message);
                wrong++;
            }
        }
        json_decref(body);
    }
    assert_int_equal(wrong, 0);
}

static void a_body_must_be_an_object(void **state)
{
    static const char *const bodies[] = { "[]", "[{\"name\": \"x\"}]", "\"x\"", "5", "null", "true" };
    (void)state;

    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct field_errors errors = { .count = 0 };
        json_t *body = json_loads(bodies[i], JSON_DECODE_ANY, NULL);
        assert_non_null(body);
        assert_false(fields_check_object(body, sample_fields, &errors));
        assert_int_equal(errors.count, 1);
        assert_string_equal(errors.items[0].field, "(body)");
        json_decref(body);
    }
}

/* Errors already collected stay, and the return value is about this body only. */
static void errors_accumulate_across_checks(void **state)
{
    struct field_errors errors = { .count = 0 };
    json_t *good = json_pack("{s:s}", "name", "x");
    json_t *bad = json_pack("{s:i}", "cost", 500);
    (void)state;

    field_errors_add(&errors, "earlier", "An earlier problem: %d.", 1);
    assert_true(fields_check_object(good, sample_fields, &errors));
    assert_int_equal(errors.count, 1);
    assert_false(fields_check_object(bad, sample_fields, &errors));
    assert_int_equal(errors.count, 3);   /* earlier, name (missing), cost */
    assert_string_equal(errors.items[0].message, "An earlier problem: 1.");
    json_decref(good);
    json_decref(bad);
}

/* FIELD_ERRORS_MAX is the cap: the 33rd problem is dropped, not written past the array. */
static void errors_stop_at_the_cap(void **state)
{
    json_t *body = json_object();
    struct field_errors errors = { .count = 0 };
    char key[32];
    (void)state;

    for (int i = 0; i < FIELD_ERRORS_MAX + 8; i++) {
        snprintf(key, sizeof(key), "unknown%02d", i);
        json_object_set_new(body, key, json_integer(i));
    }
    assert_false(fields_check_object(body, sample_fields, &errors));
    assert_int_equal(errors.count, FIELD_ERRORS_MAX);
    json_decref(body);

    struct field_errors full = { .count = 0 };
    for (int i = 0; i < FIELD_ERRORS_MAX; i++)
        field_errors_add(&full, "f", "problem %d", i);
    field_errors_add(&full, "g", "one too many");
    assert_int_equal(full.count, FIELD_ERRORS_MAX);
    assert_string_equal(full.items[FIELD_ERRORS_MAX - 1].message, "problem 31");
}

/* The same collector keeps more when told (a file's errors): on the heap, every one counted,
 * copied names intact when it grows and when it is sorted by row and column. */
static void a_file_s_collector_grows_and_sorts_by_place(void **state)
{
    struct field_errors errors = { .keep = 100 };
    char path[32];
    (void)state;

    for (int i = 0; i < 120; i++) {
        snprintf(path, sizeof(path), "cell%03d", i);
        if (i % 2 == 0)
            field_errors_add_at(&errors, path, "problem %d", i);
        else
            field_errors_add(&errors, "borrowed", "problem %d", i);
        if (i < 100) {   /* the kept ones, in falling rows */
            errors.items[errors.count - 1].row = 200 - i;
            errors.items[errors.count - 1].column = 1;
        }
    }
    assert_int_equal(errors.total, 120);
    assert_int_equal(errors.count, 100);
    assert_ptr_not_equal(errors.items, errors.first);
    field_errors_sort_by_place(&errors);
    for (size_t i = 0; i < errors.count; i++) {
        int found = 99 - (int)i;   /* row 101 was found last (i = 99) */
        char wanted[32];
        assert_int_equal(errors.items[i].row, 200 - found);
        snprintf(wanted, sizeof(wanted), "problem %d", found);
        assert_string_equal(errors.items[i].message, wanted);
        snprintf(path, sizeof(path), "cell%03d", found);
        assert_string_equal(errors.items[i].field, found % 2 == 0 ? path : "borrowed");
        if (found % 2 == 0)
            assert_ptr_equal(errors.items[i].field, errors.items[i].name);
    }
    field_errors_release(&errors);
    assert_null(errors.items);
    assert_int_equal(errors.count, 0);
}

/* An unknown key that is not printable is not echoed into the message. */
static void unprintable_unknown_keys_are_not_echoed(void **state)
{
    struct field_errors errors = { .count = 0 };
    json_t *body = json_loads("{\"name\": \"x\", \"a\\u0001b\": 1}", 0, NULL);
    (void)state;

    assert_non_null(body);
    assert_false(fields_check_object(body, sample_fields, &errors));
    assert_int_equal(errors.count, 1);
    assert_non_null(strstr(errors.items[0].message, "(unprintable)"));
    assert_null(strchr(errors.items[0].message, '\x01'));
    json_decref(body);
}

/* ---- order of two fields ------------------------------------------------------ */

static void order_checks_compare_dates_and_integers(void **state)
{
    static const struct { const char *json; bool inverted; const char *why; } cases[] = {
        { "{\"from\": \"2024-12-31\", \"to\": \"2025-01-01\"}", false, "one day apart, in order" },
        { "{\"from\": \"2025-01-01\", \"to\": \"2024-12-31\"}", true, "one day apart, inverted" },
        { "{\"from\": \"2025-01-01\", \"to\": \"2025-01-01\"}", false, "the same day is allowed" },
        { "{\"from\": \"2025-02-01\", \"to\": \"2025-01-31\"}", true, "across a month" },
        { "{\"from\": \"2025-01-01\"}", false, "no upper bound" },
        { "{\"to\": \"2025-01-01\"}", false, "no lower bound" },
        { "{\"from\": \"2025-01-01\", \"to\": null}", false, "null upper bound" },
        { "{\"from\": 5, \"to\": 4}", true, "integers inverted" },
        { "{\"from\": 4, \"to\": 4}", false, "equal integers" },
        { "{\"from\": 4, \"to\": 5}", false, "integers in order" },
        { "{\"from\": -1, \"to\": -2}", true, "negative integers inverted" },
        { "{\"from\": 10, \"to\": 9}", true, "integers compare by value" },
        { "{\"from\": 5, \"to\": \"4\"}", false, "different types are left to the type checks" },
    };
    int wrong = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct field_errors errors = { .count = 0 };
        json_t *body = json_loads(cases[i].json, 0, NULL);
        assert_non_null(body);
        fields_check_order(body, "from", "to", &errors);
        bool inverted = errors.count > 0;
        if (inverted != cases[i].inverted || errors.count > 1
            || (inverted && strcmp(errors.items[0].field, "to") != 0)) {
            print_error("row %zu %s (%s): %zu errors%s%s\n", i, cases[i].json, cases[i].why, errors.count,
                        errors.count ? ", first on " : "", errors.count ? errors.items[0].field : "");
            wrong++;
        }
        json_decref(body);
    }
    assert_int_equal(wrong, 0);
}

/* ---- merge patch ---------------------------------------------------------------- */

static void merge_patch_replaces_adds_and_removes_top_level_members(void **state)
{
    static const struct { const char *target, *patch, *result; } cases[] = {
        { "{\"a\": 1, \"b\": \"x\", \"c\": [1]}", "{\"a\": null, \"b\": \"y\", \"d\": true}",
          "{\"b\": \"y\", \"c\": [1], \"d\": true}" },
        { "{\"a\": 1}", "{}", "{\"a\": 1}" },                                  /* empty patch: no change */
        { "{\"a\": 1}", "{\"z\": null}", "{\"a\": 1}" },                       /* removing an absent key */
        { "{\"a\": 1}", "{\"a\": null}", "{}" },
        { "{}", "{\"a\": [1, 2]}", "{\"a\": [1, 2]}" },
        { "{\"a\": [1, 2, 3]}", "{\"a\": [4]}", "{\"a\": [4]}" },              /* arrays are replaced whole */
        { "{\"o\": {\"x\": 1, \"y\": 2}}", "{\"o\": {\"y\": 3}}", "{\"o\": {\"y\": 3}}" },   /* top level only */
        { "{\"a\": 1}", "{\"a\": \"1\"}", "{\"a\": \"1\"}" },                  /* types may change; checks follow */
        { "{\"a\": 1, \"b\": 2}", "{\"a\": null, \"b\": null}", "{}" },
    };
    int wrong = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *target = json_loads(cases[i].target, 0, NULL);
        json_t *patch = json_loads(cases[i].patch, 0, NULL);
        json_t *expected = json_loads(cases[i].result, 0, NULL);
        assert_non_null(target);
        assert_non_null(patch);
        assert_non_null(expected);
        if (!fields_merge_patch(target, patch) || !json_equal(target, expected)) {
            char *got = json_dumps(target, JSON_COMPACT | JSON_SORT_KEYS);
            print_error("row %zu: %s + %s gave %s, expected %s\n", i, cases[i].target, cases[i].patch,
                        got ? got : "?", cases[i].result);
            free(got);
            wrong++;
        }
        json_decref(target);
        json_decref(patch);
        json_decref(expected);
    }
    assert_int_equal(wrong, 0);
}

/* The patch is only read: values put into the target are shared, not moved out of it. */
static void merge_patch_leaves_the_patch_alone(void **state)
{
    json_t *target = json_pack("{s:i}", "a", 1);
    json_t *patch = json_pack("{s:n, s:[i,i], s:s}", "a", "list", 1, 2, "name", "y");
    char *before = json_dumps(patch, JSON_COMPACT | JSON_SORT_KEYS);
    (void)state;

    assert_true(fields_merge_patch(target, patch));
    char *after = json_dumps(patch, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(before, after);
    json_decref(patch);   /* the target must still hold its own references */
    assert_int_equal(json_array_size(json_object_get(target, "list")), 2);
    assert_string_equal(json_string_value(json_object_get(target, "name")), "y");
    free(before);
    free(after);
    json_decref(target);
}

static void merge_patch_needs_two_objects(void **state)
{
    json_t *target = json_pack("{s:i}", "a", 1);
    json_t *array = json_pack("[i]", 1);
    json_t *null = json_null();
    json_t *text = json_string("x");
    json_t *object = json_object();
    (void)state;

    assert_false(fields_merge_patch(target, array));
    assert_false(fields_merge_patch(target, null));
    assert_false(fields_merge_patch(target, text));
    assert_false(fields_merge_patch(target, NULL));
    assert_int_equal(json_integer_value(json_object_get(target, "a")), 1);   /* untouched */
    assert_int_equal(json_object_size(target), 1);
    assert_false(fields_merge_patch(array, object));
    assert_false(fields_merge_patch(NULL, object));
    assert_int_equal(json_array_size(array), 1);
    json_decref(target);
    json_decref(array);
    json_decref(null);
    json_decref(text);
    json_decref(object);
}

/* A patch merged into a valid record is checked again as a whole: a null on a required field is caught. */
static void a_merged_record_is_checked_again(void **state)
{
    json_t *record = json_pack("{s:s, s:i, s:[s]}", "name", "x", "cost", 5, "roles", "behandlare");
    json_t *patch = json_pack("{s:n, s:f}", "name", "days", 5.5);
    struct field_errors errors = { .count = 0 };
    (void)state;

    assert_true(fields_check_object(record, sample_fields, &errors));
    assert_true(fields_merge_patch(record, patch));
    assert_false(fields_check_object(record, sample_fields, &errors));
    assert_int_equal(errors.count, 1);
    assert_string_equal(errors.items[0].field, "name");
    assert_true(json_real_value(json_object_get(record, "days")) == 5.5);
    json_decref(record);
    json_decref(patch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(organisation_numbers_are_ten_digits_with_a_luhn_check_digit),
        cmocka_unit_test(exactly_one_check_digit_fits_each_organisation_number),
        cmocka_unit_test(dates_are_exactly_yyyy_mm_dd_on_real_calendar_days),
        cmocka_unit_test(email_addresses_need_one_at_and_a_dotted_domain),
        cmocka_unit_test(phone_numbers_are_five_to_twenty_digits_and_separators),
        cmocka_unit_test(bodies_are_checked_against_the_specs),
        cmocka_unit_test(a_body_must_be_an_object),
        cmocka_unit_test(errors_accumulate_across_checks),
        cmocka_unit_test(errors_stop_at_the_cap),
        cmocka_unit_test(a_file_s_collector_grows_and_sorts_by_place),
        cmocka_unit_test(unprintable_unknown_keys_are_not_echoed),
        cmocka_unit_test(order_checks_compare_dates_and_integers),
        cmocka_unit_test(merge_patch_replaces_adds_and_removes_top_level_members),
        cmocka_unit_test(merge_patch_leaves_the_patch_alone),
        cmocka_unit_test(merge_patch_needs_two_objects),
        cmocka_unit_test(a_merged_record_is_checked_again),
    };
    return cmocka_run_group_tests_name("fields", tests, NULL, NULL);
}
