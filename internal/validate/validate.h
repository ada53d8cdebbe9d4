/*
 * internal/validate/validate.h: pure checks of values that arrive from
 * outside (query parameters, path segments, environment). No I/O and no
 * allocation, so every function can be unit-tested and fuzzed on its own.
 * Every function accepts NULL and treats it as invalid.
 */
#ifndef INSATSKATALOG_VALIDATE_H
#define INSATSKATALOG_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* Strict decimal integer in [min, max]: no sign unless min < 0, no spaces,
 * no leading zeros ("007"), no trailing junk. On success stores it in *out. */
bool validate_parse_long(const char *text, long min, long max, long *out);

/* Well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF)
 * and no control characters below U+0020. */
bool validate_is_clean_utf8(const char *text);

/* Catalogue slug: 1-64 of [a-z0-9] in words joined by single hyphens. */
bool validate_is_slug(const char *text);

/* SCB county code: exactly two digits, e.g. "03". */
bool validate_is_county_code(const char *text);

/* SCB municipality code: exactly four digits, e.g. "0381". */
bool validate_is_municipality_code(const char *text);

/* RFC 3339 date ("2024-01-31") or date-time with a zone
 * ("2024-01-31T12:00:00Z", "...T12:00:00.5+01:00"), with real calendar days. */
bool validate_is_timestamp(const char *text);

/* Swedish organisation number: ten digits, the last a Luhn check digit over
 * the first nine (weights 2, 1, 2, ... from the left). No hyphen. */
bool validate_is_organisation_number(const char *text);

/* A calendar date, exactly "YYYY-MM-DD". */
bool validate_is_date(const char *text);

/* A plausible e-mail address: one "@", a dot in the domain, no spaces, at most 254 bytes. */
bool validate_is_email(const char *text);

/* A phone number: optional "+", then 5 to 20 of digits, spaces, "-", "(" and ")". */
bool validate_is_phone(const char *text);

/* Boolean query value: "true" or "false". Stores it in *out. */
bool validate_parse_bool(const char *text, bool *out);

/* A user value as a message may quote it, written into out (at least
 * VALIDATE_QUOTED_SIZE bytes): the value itself when it is clean UTF-8 of at
 * most 60 bytes; cut at a character and ended with "..." when longer; a fixed
 * description when it is NULL or not clean UTF-8. Returns out. */
#define VALIDATE_QUOTED_SIZE 64
const char *validate_quote(const char *value, char *out, size_t out_size);

/* Whether value is one of choices (NULL-terminated; NULL is an empty list). */
bool validate_is_choice(const char *const *choices, const char *value);
/* The same for the length bytes at value, which need not end with a NUL. */
bool validate_is_choice_n(const char *const *choices, const char *value, size_t length);

/* Writes choices as a list for a message, each quoted: "\"a\", \"b\"" (cut to fit out). */
void validate_join_choices(const char *const *choices, char *out, size_t out_size);

#endif
