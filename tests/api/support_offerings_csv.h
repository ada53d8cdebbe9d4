/*
 * tests/api/support_offerings_csv.h: the world that the offerings CSV test
 * files (test_offerings_csv_export.c, test_offerings_csv_import.c,
 * test_offerings_csv_errors.c) share, the CSV files they write and what they
 * read from the database. The requests and checks they share are in
 * support_offerings_csv_checks.h.
 *
 * csv_world_create(), as a cmocka group setup, creates its own world through
 * the JSON API with ADMIN_KEY: two methods ("tc-m1-<tag>", "tc-m2-<tag>"),
 * five providers with organisation numbers unique to the run (the Luhn check
 * digit computed by fixtures.c), the seven offerings of
 * csv_offering_fixtures and five availability records; and two keys scoped
 * provider:<id> of providers B and D, made with build/insatskatalog-admin
 * (run from the repository root, with DATABASE_URL). csv_world_destroy()
 * deletes every offering of those providers (imports create more) through
 * the API, then the providers and methods, and revokes the keys. Each test
 * binary makes its own world, so the binaries can run one after another on
 * one database, in any order.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#ifndef INSATSKATALOG_TESTS_API_SUPPORT_OFFERINGS_CSV_H
#define INSATSKATALOG_TESTS_API_SUPPORT_OFFERINGS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define MIB (1024 * 1024)
#define PATH_MAX_LENGTH 512
#define LABEL_MAX 700
#define MAX_ERRORS 32
#define IMPORT_PATH "/v1/offerings/import"
#define CSV_HEADER                                                                                        \
    "provider_organisation_number,method,startup_fee_sek,training_cost_per_participant_sek,"             \
    "cost_per_case_sek,yearly_fee_sek,training_days,training_for,certification_required,delivery,"        \
    "languages,valid_from,valid_to,verified_on"

/* ---- the fixture ---------------------------------------------------------- */

enum provider_index { P_A, P_B, P_C, P_D, P_E, PROVIDER_COUNT };

/*
 * One offering, as values. Created through the JSON API (the setup's), or
 * written as an import row; either way the export line is built from it.
 */
struct offering_fixture {
    enum provider_index provider;
    int method;                      /* 1: csv_method_m1, 2: csv_method_m2 */
    const char *startup, *training_cost, *cost_per_case, *yearly;   /* digits; NULL: none */
    const char *days;                /* as sent (JSON number, CSV cell); NULL: none */
    const char *days_csv;            /* as the export writes it (numeric(5, 1)) */
    const char *training_for;        /* "|"-joined; "": none */
    const char *certification;       /* "true", "false"; NULL: not given (false) */
    const char *delivery;
    const char *languages;           /* "|"-joined (no value holds "|"); NULL: not given (JSON: ["svenska"]) */
    const char *valid_from, *valid_to, *verified_on;   /* NULL: none */
};

enum offering_index { O_A1, O_A2, O_A3, O_B1, O_C1, O_C2, O_D1, OFFERING_COUNT };
#define BIT(o) (1u << (o))
#define ALL_OF_A (BIT(O_A1) | BIT(O_A2) | BIT(O_A3))

/*
 * The setup's offerings, created in index order (so by id). O_A1 has every
 * value, and languages that need quoting; provider E has none. County 03
 * lists A1 (county-wide) and A3 (in a municipality); county 01 lists A2 and A3.
 */
extern const struct offering_fixture csv_offering_fixtures[OFFERING_COUNT];

/* ---- state set by csv_world_create() --------------------------------------- */

extern char csv_tag[16];                                    /* hex, unique to the run */
extern char csv_admin_auth[300], csv_municipality_auth[300];   /* "Bearer <key>" */
extern char csv_admin_key_name[100];
extern char csv_key_b_auth[300], csv_key_d_auth[300];       /* scoped provider:<B>, provider:<D> */
extern char csv_key_b_name[64], csv_key_d_name[64];
extern char csv_method_m1[64], csv_method_m2[64];
extern long long csv_provider_id[PROVIDER_COUNT];
extern char csv_provider_org[PROVIDER_COUNT][11];
extern long long csv_offering_id[OFFERING_COUNT];

/*
 * cmocka group setup: opens the database, reads the keys from the
 * environment and creates the world and the two provider keys. Returns -1
 * (the reason on stderr) when any of it fails, having removed what it made.
 */
int csv_world_create(void **state);

/* cmocka group teardown: deletes what this run created, revokes the keys, closes the database. */
int csv_world_destroy(void **state);

/* The JSON body the setup creates fixture f from (a new reference). */
json_t *csv_offering_body(const struct offering_fixture *f);

/* ---- CSV as the tests write it ---------------------------------------------- */

/*
 * Replaces the @TOKENS@ of a template (paths, CSV files) with this run's
 * values: @PA@..@PE@ provider ids, @OA@..@OD@ organisation numbers, @M1@,
 * @M2@ method slugs, @NOMETHOD@ a slug no method has, @NOORG@ a valid
 * organisation number no provider has, @BADORG@ one with a wrong check
 * digit. The caller frees it.
 */
char *csv_expand(const char *template);

enum line_mode {
    AS_EXPORTED,   /* what the export writes: false for no certification, "svenska" for no languages given */
    AS_WRITTEN,    /* the fixture's own cells: empty for each NULL */
};

/* How a whole file is written. Zero: CRLF, a final line break, cells quoted only when needed. */
struct csv_style {
    bool lf;               /* "\n" line ends */
    bool cr;               /* "\r" line ends */
    bool bom;              /* a UTF-8 byte order mark first */
    bool no_final_break;   /* no line break after the last row */
    bool blank_lines;      /* an empty line before every data row */
    bool reversed;         /* rows last to first */
    bool quote_always;     /* every cell quoted, the header's too */
};

/* A file: the header and a line per fixture, in order (style NULL: the zero style); the caller frees it. */
char *csv_file(const struct offering_fixture *const *rows, size_t count, enum line_mode mode,
               const struct csv_style *style);

/* The export of the setup's offerings in mask, byte for byte; the caller frees it. */
char *csv_expected_export(unsigned mask);

/* How many offerings mask holds. */
size_t csv_bits_in(unsigned mask);

/* ---- the database -------------------------------------------------------- */

/*
 * What an import can change (for expect_unchanged): the audit trail size,
 * row counts and newest updated_at of providers, offerings and availability,
 * and every updated_at of this run's offerings. The caller frees it.
 */
char *csv_state(void);

/* The id of the newest audit entry (0: none). */
long long csv_newest_audit_id(void);

/* The id of provider p's offering of method (1, 2) from valid_from; -1 when there is none. */
long long csv_offering_id_of(enum provider_index p, int method, const char *valid_from);

/* Offering id's updated_at as text (NULL: no such offering); the caller frees it. */
char *csv_updated_at_of(long long id);

#endif
