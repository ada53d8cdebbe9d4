/*
 * tests/api/support_agreements.h: the world and helpers that the agreement
 * test files (test_agreement_rules.c, test_agreement_lifecycle.c,
 * test_agreement_parties.c, test_agreement_lists.c) share.
 *
 * agreements_setup_group(), as a cmocka group setup, makes the world: an
 * intervention type and two methods (slugs "ta-...-<tag>", one of them of the
 * new type, so coverage through a type is exact), and API keys for the
 * municipalities 0380, 0360 and 0580 and for a provider
 * (build/insatskatalog-admin, run from the repository root with
 * DATABASE_URL). MUNICIPALITY_KEY is 0381's. Titles are fictitious
 * ("TA <word> ..."). Only drafts can be deleted through the API, so
 * agreements_teardown_group() removes every agreement the binary made through
 * libpq (setting it back to "utkast" first, which the delete trigger
 * requires), then the methods and the type, and revokes the keys. Each test
 * binary makes its own world, so the binaries can run one after another on
 * one database.
 *
 * A refused request must change nothing: agreements_db_state() is a
 * fingerprint of agreements, agreement_parties, agreement_scope and the audit
 * trail to compare before and after.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#ifndef INSATSKATALOG_TESTS_API_SUPPORT_AGREEMENTS_H
#define INSATSKATALOG_TESTS_API_SUPPORT_AGREEMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "fixtures.h"
#include "http_client.h"

#define PATH_MAX_LENGTH 512
#define TEXT_MAX 8192
#define CREATED_MAX 256

/* ---- who asks ------------------------------------------------------------ */

enum who { NOBODY, ADMIN, KEY_A, KEY_B, KEY_C, KEY_X, KEY_P, WHO_COUNT };

/* The municipalities of the keys: A, B and C are parties, X never is. */
#define CODE_A "0381"
#define CODE_B "0380"
#define CODE_C "0360"
#define CODE_X "0580"

/*
 * Bodies are written as templates: ' stands for ", and @M@, @M2@, @T@, @W@,
 * @N@ and @F@ for the run's method, second method, intervention type, word,
 * a municipality without a population figure and one with a figure.
 */

/* Decisions. */
#define DEC_KF "{'body': 'kommunfullmäktige', 'date': '2025-02-10', 'paragraph': '§ 14', 'reference': 'KS 2025/101'}"
#define DEC_SN "{'body': 'socialnämnd', 'date': '2025-02-20'}"
#define DEC_KS "{'body': 'kommunstyrelse', 'date': '2025-03-03', 'reference': 'KS 2025/7'}"
#define DEC_AN "{'body': 'annan nämnd', 'date': '2025-03-15', 'paragraph': '§ 3'}"

/* Parties. */
#define PA "{'municipality': '0381', 'role': 'utförare'}"
#define PA_DEC "{'municipality': '0381', 'role': 'utförare', 'decision': " DEC_KF "}"
#define PA_DEC2 "{'municipality': '0381', 'role': 'utförare', 'decision': " DEC_AN "}"
#define PB "{'municipality': '0380', 'role': 'beställare'}"
#define PB_DEC "{'municipality': '0380', 'role': 'beställare', 'decision': " DEC_SN "}"
#define PB_DEC2 "{'municipality': '0380', 'role': 'beställare', 'decision': " DEC_KS "}"
#define PC "{'municipality': '0360', 'role': 'beställare'}"
#define PC_DEC "{'municipality': '0360', 'role': 'beställare', 'decision': " DEC_KS "}"

/* A fixed yearly fee with stated shares: 0381 performs for 0380 (60 %) and 0360 (40 %). */
#define BASE_FAST                                                                                               \
    "{'title': 'TA @W@ fast avgift', 'compensation_model': 'fast årsavgift', 'yearly_amount_sek': 120000, "     \
    "'valid_from': '2025-01-01', 'valid_to': '2027-12-31', 'procurement_exemption': 'myndighetssamverkan', "    \
    "'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 60}, "                 \
    "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}], 'methods': ['@M@']}"

/* Equal shares: 0381 performs for 0380. */
#define BASE_EQUAL                                                                                              \
    "{'title': 'TA @W@ lika delar', 'compensation_model': 'lika delar', 'yearly_amount_sek': 50000, "          \
    "'valid_from': '2025-01-01', 'procurement_exemption': 'intern upphandling', 'parties': [" PA ", " PB "], "  \
    "'methods': ['@M@']}"

/* A refusal's status and problem type, in the tables of refused requests. */
#define INVALID_BODY 400, "/problems/invalid-body"
#define UNRESOLVED 422, "/problems/unresolved-reference"

/* ---- who asks, and the world, set by agreements_setup_group() ------------- */

/* Who asks, for messages. */
extern const char *const agreements_who_label[WHO_COUNT];

extern char agreements_auth[WHO_COUNT][300]; /* "Bearer ..." */
extern char agreements_key_name[WHO_COUNT][100]; /* the key's name, for the history */

/* The Authorization header line of w, or NULL for NOBODY. */
const char *agreements_auth_of(enum who w);

extern char agreements_method_m2[64]; /* the second method's slug */

extern char agreements_null_population_code[8]; /* a municipality without a population figure */
extern char agreements_figure_code[8]; /* one whose figure the population test uses */
extern bool agreements_figure_set_here; /* the test set it (and must clear it) */

/* ---- templates, requests and checks -------------------------------------- */

/* Expands a template (see above) into out, of size bytes (truncated to fit). */
void agreements_expand(const char *template, char *out, size_t size);

/* The expanded template parsed (a new reference), or NULL (the reason on stderr). */
json_t *agreements_json_from(const char *template);

/* The base with the overlay's members put over it (null removes a member). */
json_t *agreements_body_of(const char *base, const char *overlay);

/* A request with Authorization (NULL: none), a JSON body (NULL: none) and If-Match (NULL: none). */
int agreements_send_as(const char *method, const char *path, const char *authorization, const char *if_match,
                   const char *body, struct http_response *r);

/* GET path as w. */
int agreements_get_as(const char *path, enum who w, struct http_response *r);

/* "/v1/agreements/<id>". */
void agreements_agreement_path(long long id, char out[64]);

/* The ETag admin's GET of the agreement gives now; "\"none\"" and false when there is none. */
bool agreements_agreement_etag(long long id, char out[ETAG_MAX]);

/* The agreement as admin sees it (a new reference), or NULL. */
json_t *agreements_agreement_doc(long long id);

/*
 * METHOD /v1/agreements/<id><suffix> as w with the agreement's current ETag,
 * so only the key or the body can be the problem; template is expanded (NULL: no body).
 */
int agreements_write_as(const char *method, long long id, const char *suffix, enum who w, const char *template,
                    struct http_response *r);

/* POST /v1/agreements/<id>/transitions {"to": to} as w, with the current ETag. */
int agreements_transition(long long id, const char *to, enum who w, struct http_response *r);

/* POSTs base+overlay as w; on 201 remembers the agreement and returns its id, else -1. */
long long agreements_create_as(enum who w, const char *base, const char *overlay, struct http_response *r);

/* Remembers an agreement made some other way, for the teardown to remove. */
void agreements_remember(long long id);

/* A fingerprint of everything an agreement write can change: rows, and their content. */
char *agreements_db_state(void);

/* How many audit entries the agreement has, or -1. */
long long agreements_audit_count(long long id);

/*
 * A member equals the JSON template: numbers by value (40 and 40.0 are
 * equal), and an object's null members as if absent.
 */
bool agreements_json_is_text(const json_t *object, const char *dotted_path, const char *template);

/* A member is an array holding the template array's values, in any order, each once. */
bool agreements_json_is_set(const json_t *object, const char *dotted_path, const char *template);

/* A successful write answer: the status, JSON (unless 204), and an X-Consistency-LSN. */
bool agreements_expect_written(struct expectations *e, const struct http_response *r, long status, const char *label);

/* The party of municipality code in a document, or NULL. */
json_t *agreements_party_of(const json_t *doc, const char *code);

/* GETs path as w and every "next" link after it, appending the items; returns pages read or -1. */
int agreements_walk_as(struct expectations *e, const char *path, enum who w, json_t *items, const char *label);

/* Whether items holds an entry with this id. */
bool agreements_items_hold(const json_t *items, long long id);

/* Whether the list at path, as w, holds the agreement (listed) or not. */
bool agreements_expect_listed(struct expectations *e, const char *path, enum who w, long long id, bool listed,
                          const char *label);

/* cmocka group setup: opens the database and makes the world; -1 (the reason on stderr) when it cannot. */
int agreements_setup_group(void **state);

/* cmocka group teardown: removes every agreement made, the methods and the type; revokes the keys. */
int agreements_teardown_group(void **state);

#endif
