/*
 * internal/validate/validate.c: pure checks of untrusted text.
 *
 * These run before anything reaches PostgreSQL, so the database only ever
 * sees values of the right shape and a client gets a 400 naming the
 * parameter instead of a 500 from a failed cast.
 */
#include "validate.h"

#include <stdio.h>
#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool all_digits(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (!is_digit(text[i]))
            return false;
    return true;
}

bool validate_parse_long(const char *text, long min, long max, long *out)
{
    const char *p = text;
    bool negative = false;
    unsigned long magnitude = 0;

    if (text == NULL || *p == '\0')
        return false;
    if (*p == '-' && min < 0) {
        negative = true;
        p++;
    }
    if (!is_digit(*p) || (p[0] == '0' && (p[1] != '\0' || negative)))
        return false;   /* "007" and "-0" are not canonical */
    for (; *p != '\0'; p++) {
        if (!is_digit(*p))
            return false;
        /* Stop long before unsigned overflow: no accepted value needs 19 digits. */
        if (magnitude > 100000000000000000UL)
            return false;
        magnitude = magnitude * 10 + (unsigned long)(*p - '0');
    }
    /* magnitude < 10^18 here, so it fits in a long either way. */
    long value = negative ? -(long)magnitude : (long)magnitude;
    if (value < min || value > max)
        return false;
    *out = value;
    return true;
}

bool validate_is_clean_utf8(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;

    if (text == NULL)
        return false;
    while (*p != '\0') {
        unsigned c = *p;
        unsigned code;
        int extra;

        if (c < 0x20 || c == 0x7f)
            return false;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            extra = 1;
            code = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2;
            code = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3;
            code = c & 0x07;
        } else {
            return false;   /* continuation byte first, 0xc0/0xc1 overlong, or > U+10FFFF */
        }
        for (int i = 1; i <= extra; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;   /* also stops at the terminating NUL */
            code = (code << 6) | (p[i] & 0x3f);
        }
        if ((extra == 2 && code < 0x800) || (extra == 3 && (code < 0x10000 || code > 0x10ffff))
            || (code >= 0xd800 && code <= 0xdfff) || (code >= 0x80 && code <= 0x9f))
            return false;
        p += extra + 1;
    }
    return true;
}

bool validate_is_slug(const char *text)
{
    size_t length;
    bool previous_hyphen = true;   /* so a leading hyphen is refused */

    if (text == NULL || (length = strlen(text)) == 0 || length > 64)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (c == '-') {
            if (previous_hyphen)
                return false;
            previous_hyphen = true;
        } else if (is_digit(c) || (c >= 'a' && c <= 'z')) {
            previous_hyphen = false;
        } else {
            return false;
        }
    }
    return !previous_hyphen;
}

bool validate_is_county_code(const char *text)
{
    return text != NULL && strlen(text) == 2 && all_digits(text, 2);
}

bool validate_is_municipality_code(const char *text)
{
    return text != NULL && strlen(text) == 4 && all_digits(text, 4);
}

static int two_digits(const char *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

static int days_in_month(int year, int month)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return (month == 2 && leap) ? 29 : days[month - 1];
}

bool validate_is_timestamp(const char *text)
{
    size_t length;
    const char *p;

    if (text == NULL || (length = strlen(text)) < 10)
        return false;
    if (!all_digits(text, 4) || text[4] != '-' || !all_digits(text + 5, 2) || text[7] != '-'
        || !all_digits(text + 8, 2))
        return false;
    int year = (text[0] - '0') * 1000 + two_digits(text + 2) + (text[1] - '0') * 100;
    int month = two_digits(text + 5);
    int day = two_digits(text + 8);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return false;
    if (length == 10)
        return true;
    p = text + 10;
    if ((*p != 'T' && *p != 't') || strlen(p) < 9 || !all_digits(p + 1, 2) || p[3] != ':'
        || !all_digits(p + 4, 2) || p[6] != ':' || !all_digits(p + 7, 2))
        return false;
    if (two_digits(p + 1) > 23 || two_digits(p + 4) > 59 || two_digits(p + 7) > 60)
        return false;
    p += 9;
    if (*p == '.') {
        const char *fraction = ++p;
        while (is_digit(*p))
            p++;
        if (p == fraction || p - fraction > 9)
            return false;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        return true;
    if ((*p == '+' || *p == '-') && strlen(p) == 6 && all_digits(p + 1, 2) && p[3] == ':'
        && all_digits(p + 4, 2))
        return two_digits(p + 1) <= 15 && two_digits(p + 4) <= 59;   /* PostgreSQL's limit for offsets */
    return false;
}

bool validate_parse_bool(const char *text, bool *out)
{
    if (text != NULL && strcmp(text, "true") == 0) {
        *out = true;
        return true;
    }
    if (text != NULL && strcmp(text, "false") == 0) {
        *out = false;
        return true;
    }
    return false;
}

bool validate_is_organisation_number(const char *text)
{
    int sum = 0;

    if (text == NULL || strlen(text) != 10 || !all_digits(text, 10))
        return false;
    for (int i = 0; i < 9; i++) {
        int digit = text[i] - '0';
        if (i % 2 == 0) {   /* the 1st, 3rd ... digit is doubled, and the digits of the product added */
            digit *= 2;
            digit = digit / 10 + digit % 10;
        }
        sum += digit;
    }
    return (10 - sum % 10) % 10 == text[9] - '0';
}

bool validate_is_date(const char *text)
{
    return text != NULL && strlen(text) == 10 && validate_is_timestamp(text);
}

bool validate_is_email(const char *text)
{
    const char *at, *dot;
    size_t length;

    if (text == NULL || (length = strlen(text)) < 5 || length > 254 || !validate_is_clean_utf8(text))
        return false;
    if (strchr(text, ' ') != NULL || (at = strchr(text, '@')) == NULL || at == text || strchr(at + 1, '@') != NULL)
        return false;
    dot = strrchr(at, '.');
    return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

bool validate_is_phone(const char *text)
{
    size_t length;
    const char *p = text;

    if (text == NULL)
        return false;
    if (*p == '+')
        p++;
    length = strlen(p);
    if (length < 5 || length > 20)
        return false;
    for (; *p != '\0'; p++)
        if (!is_digit(*p) && *p != ' ' && *p != '-' && *p != '(' && *p != ')')
            return false;
    return true;
}

bool validate_is_choice_n(const char *const *choices, const char *value, size_t length)
{
    for (; choices != NULL && *choices != NULL; choices++)
        if (strlen(*choices) == length && strncmp(*choices, value, length) == 0)
            return true;
    return false;
}

bool validate_is_choice(const char *const *choices, const char *value)
{
    return value != NULL && validate_is_choice_n(choices, value, strlen(value));
}

void validate_join_choices(const char *const *choices, char *out, size_t out_size)
{
    size_t used = 0;

    out[0] = '\0';
    /* snprintf returns what it would have written, so used may pass out_size: the loop stops there. */
    for (; choices != NULL && *choices != NULL && used < out_size; choices++)
        used += (size_t)snprintf(out + used, out_size - used, "%s\"%s\"", used ? ", " : "", *choices);
}

const char *validate_quote(const char *value, char *out, size_t out_size)
{
    size_t length;

    if (value == NULL || !validate_is_clean_utf8(value)) {
        snprintf(out, out_size, "%s", "(text that is not valid UTF-8 or has control characters)");
        return out;
    }
    length = strlen(value);
    if (length <= 60 && length < out_size) {
        memcpy(out, value, length + 1);
        return out;
    }
    length = out_size >= VALIDATE_QUOTED_SIZE ? 56 : out_size - 4;
    /* Step back to the start of a UTF-8 character so the cut stays valid. */
    while (length > 0 && ((unsigned char)value[length] & 0xc0) == 0x80)
        length--;
    memcpy(out, value, length);
    memcpy(out + length, "...", 4);
    return out;
}
