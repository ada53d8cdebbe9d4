/*
 * tests/api/test_agreements.c: avtalssamverkan (agreements under
 * kommunallagen 9 kap. 37 §) against the real server: every rule of the
 * parties, shares, compensation, dates, myndighetsutövning and scope, legal
 * and illegal; every lifecycle transition, legal and illegal, and the
 * decision gate before "aktiv"; who sees a draft; who may write what (a
 * party records only its own decision); two parties recording their
 * decisions at the same moment; the list filters; the history; delete of
 * drafts only; the effective status of an agreement whose term has passed.
 *
 * The group setup makes its own world: an intervention type and two methods
 * (slugs "ta-...-<tag>", one of them of the new type, so coverage through a
 * type is exact), and API keys for the municipalities 0380, 0360 and 0580
 * and for a provider (build/insatskatalog-admin, run from the repository
 * root with DATABASE_URL). MUNICIPALITY_KEY is 0381's. Titles are fictitious
 * ("TA <word> ..."). Only drafts can be deleted through the API, so the
 * teardown removes every agreement this run made through libpq (setting it
 * back to "utkast" first, which the delete trigger requires), then the
 * methods and the type, and revokes the keys.
 *
 * A refused request must change nothing: each one compares a fingerprint of
 * agreements, agreement_parties, agreement_scope and the audit trail, read
 * with libpq, before and after. Nothing assumes global counts: lists are
 * compared only on the agreements this run made.
 *
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY (as set by tests/run.sh).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

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

static const char *const who_label[WHO_COUNT] = {
    [NOBODY] = "no key", [ADMIN] = "admin", [KEY_A] = "0381's key", [KEY_B] = "0380's key",
    [KEY_C] = "0360's key", [KEY_X] = "0580's key (no party)", [KEY_P] = "a provider key",
};

static char auth[WHO_COUNT][300];       /* "Bearer ..." */
static char key_name[WHO_COUNT][100];   /* the key's name, for the history */
static bool key_made_here[WHO_COUNT];   /* revoked in the teardown */

static const char *auth_of(enum who w)
{
    return w == NOBODY ? NULL : auth[w];
}

/* ---- state shared by the tests ------------------------------------------- */

static char tag[16];                     /* hex, unique to the run: slugs and key names */
static char word[16];                    /* letters, unique to the run: in titles */
static char method_m[64], method_m2[64], type_t[64];
static char null_population_code[8];     /* a municipality without a population figure */
static char figure_code[8];              /* one whose figure the population test uses */
static bool figure_set_here;             /* the test set it (and must clear it) */
static char *saved_population;           /* "population,year" of null_population_code, when setup cleared it */

static long long created_ids[CREATED_MAX];
static size_t created_count;

/* ---- templates ------------------------------------------------------------ */

/*
 * Bodies are written as templates: ' stands for ", and @M@, @M2@, @T@, @W@,
 * @N@ and @F@ for the run's method, second method, intervention type, word,
 * a municipality without a population figure and one with a figure.
 */
static void expand(const char *template, char *out, size_t size)
{
    size_t used = 0;

    for (const char *p = template; *p != '\0' && used + 1 < size;) {
        static const struct { const char *token; const char *value; } tokens[] = {
            { "@M2@", method_m2 }, { "@M@", method_m }, { "@T@", type_t }, { "@W@", word },
            { "@N@", null_population_code }, { "@F@", figure_code },
        };
        bool replaced = false;
        for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]) && !replaced; i++) {
            size_t length = strlen(tokens[i].token);
            if (strncmp(p, tokens[i].token, length) == 0) {
                int n = snprintf(out + used, size - used, "%s", tokens[i].value);
                used = n < 0 || (size_t)n >= size - used ? size - 1 : used + (size_t)n;
                p += length;
                replaced = true;
            }
        }
        if (!replaced) {
            out[used++] = *p == '\'' ? '"' : *p;
            p++;
        }
    }
    out[used] = '\0';
}

static json_t *json_from(const char *template)
{
    char text[TEXT_MAX];
    json_error_t error;
    json_t *value;

    expand(template, text, sizeof(text));
    if ((value = json_loads(text, JSON_DECODE_ANY, &error)) == NULL)
        fprintf(stderr, "# a template does not parse: %s: %s\n", error.text, text);
    return value;
}

/* The base with the overlay's members put over it (null removes a member). */
static json_t *body_of(const char *base, const char *overlay)
{
    json_t *body = json_from(base);
    const char *name;
    json_t *value;

    if (body != NULL && overlay != NULL) {
        json_t *extra = json_from(overlay);
        json_object_foreach(extra, name, value) {
            if (json_is_null(value))
                json_object_del(body, name);
            else
                json_object_set(body, name, value);
        }
        json_decref(extra);
    }
    return body;
}

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

/* ---- requests ------------------------------------------------------------ */

/* A request with Authorization (NULL: none), a JSON body (NULL: none) and If-Match (NULL: none). */
static int send_as(const char *method, const char *path, const char *authorization, const char *if_match,
                   const char *body, struct http_response *r)
{
    http_response_free(r);
    return request_as(method, path, authorization,
                      strcmp(method, "PATCH") == 0 ? "application/merge-patch+json" : "application/json", if_match,
                      body, r);
}

static int get_as(const char *path, enum who w, struct http_response *r)
{
    return send_as("GET", path, auth_of(w), NULL, NULL, r);
}

static void agreement_path(long long id, char out[64])
{
    snprintf(out, 64, "/v1/agreements/%lld", id);
}

/* The ETag admin's GET of the agreement gives now; "\"none\"" and false when there is none. */
static bool agreement_etag(long long id, char out[ETAG_MAX])
{
    struct http_response r = { 0 };
    char path[64];
    const char *etag;
    bool ok;

    agreement_path(id, path);
    get_as(path, ADMIN, &r);
    etag = http_header(&r, "ETag");
    ok = r.status == 200 && etag != NULL && strlen(etag) < ETAG_MAX;
    snprintf(out, ETAG_MAX, "%s", ok ? etag : "\"none\"");
    http_response_free(&r);
    return ok;
}

/* The agreement as admin sees it (a new reference), or NULL. */
static json_t *agreement_doc(long long id)
{
    struct http_response r = { 0 };
    char path[64];
    json_t *doc = NULL;

    agreement_path(id, path);
    get_as(path, ADMIN, &r);
    if (r.status == 200 && r.json != NULL)
        doc = json_incref(r.json);
    http_response_free(&r);
    return doc;
}

/*
 * METHOD /v1/agreements/<id><suffix> as w with the agreement's current ETag,
 * so only the key or the body can be the problem; template is expanded (NULL: no body).
 */
static int write_as(const char *method, long long id, const char *suffix, enum who w, const char *template,
                    struct http_response *r)
{
    char etag[ETAG_MAX], path[PATH_MAX_LENGTH], body[TEXT_MAX];

    agreement_etag(id, etag);
    snprintf(path, sizeof(path), "/v1/agreements/%lld%s", id, suffix);
    if (template != NULL)
        expand(template, body, sizeof(body));
    return send_as(method, path, auth_of(w), etag, template ? body : NULL, r);
}

static int transition(long long id, const char *to, enum who w, struct http_response *r)
{
    char body[100];
    snprintf(body, sizeof(body), "{'to': '%s'}", to);
    return write_as("POST", id, "/transitions", w, body, r);
}

static void remember(long long id)
{
    if (created_count < CREATED_MAX)
        created_ids[created_count++] = id;
}

/* POSTs base+overlay as w; on 201 remembers the agreement and returns its id, else -1. */
static long long create_as(enum who w, const char *base, const char *overlay, struct http_response *r)
{
    json_t *body = body_of(base, overlay);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    long long id = -1;

    send_as("POST", "/v1/agreements", auth_of(w), NULL, text ? text : "{}", r);
    free(text);
    json_decref(body);
    if (r->status == 201 && json_is_integer(json_at(r->json, "id"))) {
        id = json_integer_value(json_at(r->json, "id"));
        remember(id);
    }
    return id;
}

/* ---- the database -------------------------------------------------------- */

/* A fingerprint of everything an agreement write can change: rows, and their content. */
static char *db_state(void)
{
    return db_text(
        "SELECT concat_ws(' | ', "
        "(SELECT 'audit ' || count(*) || '/' || coalesce(max(id), 0) FROM audit_log), "
        "(SELECT 'agreements ' || count(*) || '/' || coalesce(max(id), 0) || '/' "
        "    || md5(coalesce(string_agg(a::text, ',' ORDER BY a.id), '')) FROM agreements a), "
        "(SELECT 'parties ' || count(*) || '/' "
        "    || md5(coalesce(string_agg(p::text, ',' ORDER BY p.agreement_id, p.municipality_code), '')) "
        "    FROM agreement_parties p), "
        "(SELECT 'scope ' || count(*) || '/' "
        "    || md5(coalesce(string_agg(s::text, ',' ORDER BY s.agreement_id, s.method_id, s.intervention_type_id), "
        "           '')) FROM agreement_scope s))",
        0, NULL);
}

static long long audit_count(long long id)
{
    char id_text[24];
    snprintf(id_text, sizeof(id_text), "%lld", id);
    const char *params[] = { id_text };
    char *text = db_text("SELECT count(*) FROM audit_log WHERE entity = 'agreement' AND entity_id = $1", 1, params);
    long long count = text ? atoll(text) : -1;
    free(text);
    return count;
}

/* ---- checks -------------------------------------------------------------- */

/* A copy of an object without its null members (a decision's absent paragraph is null). */
static json_t *without_nulls(const json_t *value)
{
    json_t *copy;
    const char *name;
    json_t *member;

    if (!json_is_object(value))
        return json_incref((json_t *)value);
    copy = json_object();
    json_object_foreach((json_t *)value, name, member)
        if (!json_is_null(member))
            json_object_set(copy, name, member);
    return copy;
}

/*
 * A member equals the JSON template: numbers by value (40 and 40.0 are
 * equal), and an object's null members as if absent.
 */
static bool json_is_text(const json_t *object, const char *dotted_path, const char *template)
{
    json_t *expected = json_from(template);
    json_t *got = json_at(object, dotted_path);
    json_t *stripped = got ? without_nulls(got) : NULL;
    bool same = expected != NULL && got != NULL && (json_equal(got, expected) || json_equal(stripped, expected));
    json_decref(stripped);
    if (!same && expected != NULL && json_is_number(got) && json_is_number(expected)) {
        double difference = json_number_value(got) - json_number_value(expected);
        same = difference < 0.0001 && difference > -0.0001;
    }
    json_decref(expected);
    return same;
}

/* A member is an array holding the template array's values, in any order, each once. */
static bool json_is_set(const json_t *object, const char *dotted_path, const char *template)
{
    json_t *expected = json_from(template);
    json_t *got = json_at(object, dotted_path);
    bool same = json_is_array(expected) && json_is_array(got) && json_array_size(got) == json_array_size(expected);
    size_t i, j;
    json_t *want, *have;

    json_array_foreach(expected, i, want) {
        size_t found = 0;
        json_array_foreach(got, j, have)
            found += json_equal(want, have);
        same = same && found == 1;
    }
    json_decref(expected);
    return same;
}

/* A successful write answer: the status, JSON (unless 204), and an X-Consistency-LSN. */
static bool expect_written(struct expectations *e, const struct http_response *r, long status, const char *label)
{
    bool ok = status == 204 ? EXPECT(e, r->status == 204, "%s: status %ld, wanted 204: %.400s", label, r->status,
                                     r->body)
                            : expect_json(e, r, status, label);
    const char *lsn = http_header(r, "X-Consistency-LSN");
    ok &= EXPECT(e, lsn != NULL && strchr(lsn, '/') != NULL, "%s: no X-Consistency-LSN on a write answer (%s)",
                 label, lsn ? lsn : "absent");
    return ok;
}

/* The party of municipality code in a document, or NULL. */
static json_t *party_of(const json_t *doc, const char *code)
{
    size_t i;
    json_t *party;
    json_array_foreach(json_object_get(doc, "parties"), i, party)
        if (json_string_is(party, "municipality", code))
            return party;
    return NULL;
}

/* GETs path as w and every "next" link after it, appending the items; returns pages read or -1. */
static int walk_as(struct expectations *e, const char *path, enum who w, json_t *items, const char *label)
{
    struct http_response r = { 0 };
    char next[PATH_MAX_LENGTH];
    int pages = 0;

    snprintf(next, sizeof(next), "%s", path);
    while (pages < 200) {
        get_as(next, w, &r);
        pages++;
        if (!expect_json(e, &r, 200, label)
            || !EXPECT(e, json_is_array(json_at(r.json, "items")), "%s: no items: %.300s", label, r.body)) {
            pages = -1;
            break;
        }
        json_array_extend(items, json_at(r.json, "items"));
        const char *link = json_string_value(json_at(r.json, "next"));
        if (link == NULL)
            break;
        if (!EXPECT(e, strlen(link) < sizeof(next) && link[0] == '/', "%s: next link \"%s\"", label, link)) {
            pages = -1;
            break;
        }
        snprintf(next, sizeof(next), "%s", link);
    }
    http_response_free(&r);
    return pages;
}

static bool items_hold(const json_t *items, long long id)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
        if (json_integer_value(json_object_get(item, "id")) == id)
            return true;
    return false;
}

/* Whether the list at path, as w, holds the agreement (listed) or not. */
static bool expect_listed(struct expectations *e, const char *path, enum who w, long long id, bool listed,
                          const char *label)
{
    json_t *items = json_array();
    bool ok = walk_as(e, path, w, items, label) >= 0;
    ok = ok && EXPECT(e, items_hold(items, id) == listed, "%s: agreement %lld %s listed for %s", label, id,
                      listed ? "is not" : "is", who_label[w]);
    json_decref(items);
    return ok;
}

/* ---- setup --------------------------------------------------------------- */

static long post_admin(const char *path, json_t *body)
{
    struct http_response r = { 0 };
    char *text = json_dumps(body, JSON_COMPACT);
    long status;

    send_as("POST", path, auth[ADMIN], NULL, text, &r);
    status = r.status;
    if (status != 201)
        fprintf(stderr, "# setup: POST %s: %ld %.300s\n", path, r.status, r.body);
    free(text);
    json_decref(body);
    http_response_free(&r);
    return status;
}

static long delete_admin(const char *path)
{
    struct http_response r = { 0 };
    const char *etag;
    long status;

    get_as(path, ADMIN, &r);
    if (r.status == 404) {
        http_response_free(&r);
        return 404;
    }
    etag = http_header(&r, "ETag");
    char copy[ETAG_MAX];
    snprintf(copy, sizeof(copy), "%s", etag ? etag : "\"none\"");
    send_as("DELETE", path, auth[ADMIN], copy, NULL, &r);
    status = r.status;
    if (status != 204)
        fprintf(stderr, "# teardown: DELETE %s: %ld %.300s\n", path, r.status, r.body);
    http_response_free(&r);
    return status;
}

static json_t *method_body(const char *slug, const char *type)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s}", "slug", slug, "abbreviation", "TA",
                     "name_sv", "TA-metoden", "name_en", "The TA method", "intervention_type", type, "age_min", 6,
                     "age_max", 17, "format", "familj", "availability", "planerad", "description",
                     "En påhittad metod som avtalstesterna skapar.");
}

static int setup_group(void **state)
{
    const char *url = getenv("DATABASE_URL");
    const char *admin = getenv("ADMIN_KEY");
    const char *municipality = getenv("MUNICIPALITY_KEY");
    (void)state;

    if (url == NULL || admin == NULL || municipality == NULL) {
        fprintf(stderr, "# DATABASE_URL, ADMIN_KEY and MUNICIPALITY_KEY must be set (tests/run.sh sets them)\n");
        return -1;
    }
    if (!db_open(url))
        return -1;
    snprintf(auth[ADMIN], sizeof(auth[ADMIN]), "Bearer %s", admin);
    snprintf(auth[KEY_A], sizeof(auth[KEY_A]), "Bearer %s", municipality);
    key_name_of(admin, key_name[ADMIN], sizeof(key_name[ADMIN]));
    key_name_of(municipality, key_name[KEY_A], sizeof(key_name[KEY_A]));
    char *scope = db_text("SELECT scope FROM api_keys WHERE name = $1", 1, (const char *const[]){ key_name[KEY_A] });
    if (scope == NULL || strcmp(scope, "municipality:" CODE_A) != 0) {
        fprintf(stderr, "# MUNICIPALITY_KEY must have the scope municipality:%s (it has %s)\n", CODE_A,
                scope ? scope : "none");
        free(scope);
        return -1;
    }
    free(scope);

    unsigned long seed = run_seed();
    tag_of_seed(seed, tag, sizeof(tag));
    word_of_seed(seed, 'q', word, sizeof(word));

    /* A municipality without a population figure that no agreement here otherwise names. */
    char *code = db_text("SELECT code FROM municipalities WHERE population IS NULL "
                         "AND code NOT IN ('0381', '0380', '0360', '0580', '0180', '0114', '1480', '0331') "
                         "ORDER BY code LIMIT 1", 0, NULL);
    snprintf(null_population_code, sizeof(null_population_code), "%s", code ? code : "0382");
    if (code == NULL) {
        /* Every municipality has its figure (load-population): clear one for the run, restored in the teardown. */
        const char *params[] = { null_population_code };
        saved_population = db_text("SELECT population || ',' || population_year FROM municipalities WHERE code = $1",
                                    1, params);
        if (!db_command("UPDATE municipalities SET population = NULL, population_year = NULL WHERE code = $1", 1,
                        params))
            return -1;
    }
    free(code);

    static const struct { enum who w; const char *scope; } keys[] = {
        { KEY_B, "municipality:" CODE_B }, { KEY_C, "municipality:" CODE_C }, { KEY_X, "municipality:" CODE_X },
        { KEY_P, "provider:999999999999" },
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        enum who w = keys[i].w;
        snprintf(key_name[w], sizeof(key_name[w]), "ta-%s-%zu", tag, i);
        if (!make_key(key_name[w], keys[i].scope, auth[w], sizeof(auth[w])))
            return -1;
        key_made_here[w] = true;
    }

    snprintf(type_t, sizeof(type_t), "ta-typ-%s", tag);
    snprintf(method_m, sizeof(method_m), "ta-m-%s", tag);
    snprintf(method_m2, sizeof(method_m2), "ta-m2-%s", tag);
    if (post_admin("/v1/intervention-types", json_pack("{s:s, s:s, s:s}", "slug", type_t, "name_sv",
                                                       "TA-insatstyp", "name_en", "TA intervention type")) != 201
        || post_admin("/v1/methods", method_body(method_m, type_t)) != 201
        || post_admin("/v1/methods", method_body(method_m2, "familjebehandling")) != 201)
        return -1;
    return 0;
}

static int teardown_group(void **state)
{
    char id_text[24], path[PATH_MAX_LENGTH];
    int failed = 0;
    (void)state;

    /* Only drafts can be deleted: make each a draft again first (the delete trigger requires it). */
    for (size_t i = created_count; i-- > 0;) {
        snprintf(id_text, sizeof(id_text), "%lld", created_ids[i]);
        const char *params[] = { id_text };
        if (!db_command("UPDATE agreements SET status = 'utkast' WHERE id = $1::bigint", 1, params)
            || !db_command("DELETE FROM agreements WHERE id = $1::bigint", 1, params))
            failed = -1;
    }
    if (figure_set_here) {
        const char *params[] = { figure_code };
        db_command("UPDATE municipalities SET population = NULL, population_year = NULL WHERE code = $1", 1, params);
    }
    if (saved_population != NULL) {
        const char *params[] = { null_population_code, saved_population };
        db_command("UPDATE municipalities SET population = split_part($2, ',', 1)::integer, "
                   "population_year = split_part($2, ',', 2)::integer WHERE code = $1", 2, params);
        free(saved_population);
        saved_population = NULL;
    }
    const char *paths[] = { method_m, method_m2 };
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "/v1/methods/%s", paths[i]);
        long status = delete_admin(path);
        if (status != 204 && status != 404)
            failed = -1;
    }
    snprintf(path, sizeof(path), "/v1/intervention-types/%s", type_t);
    long status = delete_admin(path);
    if (status != 204 && status != 404)
        failed = -1;
    for (int w = 0; w < WHO_COUNT; w++)
        if (key_made_here[w])
            revoke_key(key_name[w]);
    db_close();
    return failed;
}

/* ---- creating: what is legal ------------------------------------------------ */

struct doc_check {
    const char *path;       /* dotted, into the document */
    const char *value;      /* a JSON template */
};

struct valid_row {
    const char *label;
    enum who as;
    const char *base;
    const char *overlay;
    struct doc_check checks[12];   /* a value starting with ~ is an array compared as a set */
};

static const struct valid_row valid_rows[] = {
    { "fast årsavgift, shares 60 + 40", ADMIN, BASE_FAST, NULL,
      { { "status", "'utkast'" }, { "effective_status", "'utkast'" }, { "performer.code", "'0381'" },
        { "parties.0.role", "'utförare'" }, { "parties.0.share_percent", "null" },
        { "parties.1.municipality", "'0360'" }, { "parties.1.share_percent", "40" },
        { "parties.2.share_percent", "60" }, { "compensation.yearly_amount_sek", "120000" },
        { "term.until_further_notice", "false" }, { "methods", "['@M@']" }, { "decisions_complete", "false" } } },
    { "fast årsavgift, one orderer with 100", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 100}]}",
      { { "parties.1.share_percent", "100" }, { "parties.1.county", "'03'" }, { "parties.1.name", "'Uppsala'" } } },
    { "fast årsavgift, 33.33 + 33.33 + 33.34", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 33.33}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 33.33}, "
      "{'municipality': '0331', 'role': 'beställare', 'share_percent': 33.34}]}",
      { { "parties.1.municipality", "'0331'" }, { "parties.1.share_percent", "33.34" },
        { "parties.2.share_percent", "33.33" }, { "parties.3.share_percent", "33.33" } } },
    { "befolkningsandel from the parties' own populations", ADMIN, BASE_FAST,
      "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
      "{'municipality': '0380', 'role': 'beställare', 'population': 30000}, "
      "{'municipality': '0360', 'role': 'beställare', 'population': 10000}]}",
      { { "compensation.model", "'befolkningsandel'" }, { "parties.1.population", "10000" },
        { "parties.1.share_percent", "25" }, { "parties.2.population", "30000" }, { "parties.2.share_percent", "75" },
        { "parties.0.share_percent", "null" } } },
    { "lika delar, three orderers", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", " PB ", " PC ", {'municipality': '0331', 'role': 'beställare'}]}",
      { { "parties.1.share_percent", "33.33" }, { "parties.2.share_percent", "33.33" },
        { "parties.3.share_percent", "33.33" }, { "compensation.model", "'lika delar'" },
        { "term.until_further_notice", "true" }, { "term.valid_to", "null" } } },
    { "per ärende with per_case_sek", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'per ärende', 'yearly_amount_sek': null, 'per_case_sek': 25000}",
      { { "compensation.per_case_sek", "25000" }, { "compensation.yearly_amount_sek", "null" },
        { "parties.1.share_percent", "null" } } },
    { "myndighetsutövning with its delegation", ADMIN, BASE_EQUAL,
      "{'includes_public_authority': true, 'delegation': 'Socialnämnden i Uppsala delegerar beslut enligt LVU.'}",
      { { "includes_public_authority", "true" },
        { "delegation", "'Socialnämnden i Uppsala delegerar beslut enligt LVU.'" } } },
    { "only an intervention type", ADMIN, BASE_EQUAL, "{'methods': null, 'intervention_types': ['@T@']}",
      { { "methods", "[]" }, { "intervention_types", "['@T@']" } } },
    { "a method and an intervention type", ADMIN, BASE_EQUAL,
      "{'methods': ['@M2@', '@M@'], 'intervention_types': ['@T@']}",
      { { "methods", "~['@M2@', '@M@']" }, { "intervention_types", "['@T@']" } } },
    { "a term of one day", ADMIN, BASE_EQUAL, "{'valid_from': '2026-03-01', 'valid_to': '2026-03-01'}",
      { { "term.valid_from", "'2026-03-01'" }, { "term.valid_to", "'2026-03-01'" },
        { "term.until_further_notice", "false" } } },
    { "every optional field", ADMIN, BASE_EQUAL,
      "{'description': 'Ett påhittat avtal.', 'legal_basis': 'kommunallagen (2017:725) 9 kap. 37 §, 38 §', "
      "'indexation': 'omräknas årligen med OPI', 'automatic_renewal': true, 'notice_period_months': 6, "
      "'example': false, 'valid_to': '2028-12-31'}",
      { { "description", "'Ett påhittat avtal.'" }, { "legal_basis", "'kommunallagen (2017:725) 9 kap. 37 §, 38 §'" },
        { "compensation.indexation", "'omräknas årligen med OPI'" }, { "term.automatic_renewal", "true" },
        { "term.notice_period_months", "6" }, { "procurement_exemption", "'intern upphandling'" },
        { "example", "false" } } },
    { "a party's own key, with its own decision", KEY_A, BASE_FAST,
      "{'parties': [" PA_DEC ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 60}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}]}",
      { { "parties.0.decision", DEC_KF }, { "parties.1.decision", "null" }, { "decisions_complete", "false" } } },
    { "every party's decision, by admin", ADMIN, BASE_EQUAL, "{'parties': [" PA_DEC ", " PB_DEC "]}",
      { { "parties.0.decision.body", "'kommunfullmäktige'" }, { "parties.1.decision.date", "'2025-02-20'" },
        { "parties.1.decision.paragraph", "null" }, { "decisions_complete", "true" } } },
    { "another municipality's own agreement", KEY_X, BASE_EQUAL,
      "{'parties': [{'municipality': '0580', 'role': 'utförare'}, {'municipality': '0180', 'role': 'beställare'}]}",
      { { "performer.code", "'0580'" }, { "performer.name", "'Linköping'" }, { "parties.1.county", "'01'" } } },
};

static void test_valid_agreements_are_created(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], location[64], label[200];
    (void)state;

    for (size_t i = 0; i < sizeof(valid_rows) / sizeof(valid_rows[0]); i++) {
        const struct valid_row *row = &valid_rows[i];
        snprintf(label, sizeof(label), "create: %s (%s)", row->label, who_label[row->as]);
        long long id = create_as(row->as, row->base, row->overlay, &r);
        if (!expect_written(&e, &r, 201, label) || !EXPECT(&e, id > 0, "%s: no id", label))
            continue;
        agreement_path(id, path);
        snprintf(location, sizeof(location), "%s", path);
        EXPECT(&e, http_header(&r, "Location") && strcmp(http_header(&r, "Location"), location) == 0,
               "%s: Location \"%s\"", label, http_header(&r, "Location") ? http_header(&r, "Location") : "(none)");
        EXPECT(&e, json_string_is(r.json, "status", "utkast"), "%s: a new agreement is a draft", label);
        for (size_t c = 0; c < sizeof(row->checks) / sizeof(row->checks[0]) && row->checks[c].path; c++) {
            const char *value = row->checks[c].value;
            bool same = value[0] == '~' ? json_is_set(r.json, row->checks[c].path, value + 1)
                                        : json_is_text(r.json, row->checks[c].path, value);
            EXPECT(&e, same, "%s: %s is not %s: %.1500s", label, row->checks[c].path, value, r.body);
        }

        /* A read gives what the write answered. */
        json_t *written = json_incref(r.json);
        char etag[ETAG_MAX];
        snprintf(etag, sizeof(etag), "%s", http_header(&r, "ETag") ? http_header(&r, "ETag") : "");
        get_as(path, row->as, &r);
        if (expect_json(&e, &r, 200, label)) {
            EXPECT(&e, json_equal(r.json, written), "%s: GET differs from the create answer", label);
            EXPECT(&e, http_header(&r, "ETag") && strcmp(http_header(&r, "ETag"), etag) == 0,
                   "%s: GET ETag differs from the create answer's", label);
        }
        json_decref(written);

        /* What was stored validates again: a PATCH of the title alone succeeds. */
        write_as("PATCH", id, "", row->as, "{'title': 'TA @W@ omdöpt'}", &r);
        if (expect_written(&e, &r, 200, label))
            EXPECT(&e, json_is_text(r.json, "title", "'TA @W@ omdöpt'"), "%s: the patched title: %.300s", label,
                   r.body);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/*
 * Shares with more decimals than the database keeps (numeric(5,2)) must
 * either be refused, or be kept in a way that still validates: an agreement
 * once accepted must stay writable.
 */
static void test_shares_with_three_decimals(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    char *before = db_state();
    long long id = create_as(ADMIN, BASE_FAST,
                             "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 33.333}, "
                             "{'municipality': '0360', 'role': 'beställare', 'share_percent': 33.333}, "
                             "{'municipality': '0331', 'role': 'beställare', 'share_percent': 33.334}]}",
                             &r);
    if (id < 0) {
        expect_problem(&e, &r, 400, "/problems/invalid-body", NULL, "shares 33.333 + 33.333 + 33.334");
        expect_unchanged(&e, db_state, before, "shares 33.333 + 33.333 + 33.334");
    } else {
        double sum = 0;
        size_t i;
        json_t *party;
        json_array_foreach(json_object_get(r.json, "parties"), i, party)
            sum += json_number_value(json_object_get(party, "share_percent"));
        EXPECT(&e, sum > 99.995 && sum < 100.005, "shares accepted as 33.333 + 33.333 + 33.334 are stored adding up "
               "to %.2f: %.800s", sum, r.body);
        write_as("PATCH", id, "", ADMIN, "{'description': 'Bara en ny beskrivning.'}", &r);
        expect_written(&e, &r, 200, "PATCH of the description of an agreement created with shares 33.333 + 33.333 + "
                       "33.334");
    }
    free(before);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- creating: what is refused ------------------------------------------- */

struct invalid_row {
    const char *label;
    enum who as;
    const char *base;
    const char *overlay;
    long status;
    const char *type;
    const char *field;      /* errors[] names it; NULL: no check */
};

#define INVALID_BODY 400, "/problems/invalid-body"
#define UNRESOLVED 422, "/problems/unresolved-reference"

static const struct invalid_row invalid_rows[] = {
    /* the parties */
    { "one party only", ADMIN, BASE_EQUAL, "{'parties': [" PA "]}", INVALID_BODY, "parties" },
    { "no parties", ADMIN, BASE_EQUAL, "{'parties': []}", INVALID_BODY, "parties" },
    { "parties left out", ADMIN, BASE_EQUAL, "{'parties': null}", INVALID_BODY, "parties" },
    { "the performer is also an orderer", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0381', 'role': 'beställare'}]}", INVALID_BODY, "parties" },
    { "the same orderer twice", ADMIN, BASE_EQUAL, "{'parties': [" PA ", " PB ", " PB "]}", INVALID_BODY, "parties" },
    { "two performers", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'utförare'}, " PC "]}", INVALID_BODY, "parties" },
    { "no performer", ADMIN, BASE_EQUAL,
      "{'parties': [{'municipality': '0381', 'role': 'beställare'}, " PB "]}", INVALID_BODY, "parties" },
    { "no orderer", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'utförare'}]}", INVALID_BODY, "parties" },
    { "a municipality that does not exist", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", " PB ", {'municipality': '0999', 'role': 'beställare'}]}", UNRESOLVED,
      "parties[2].municipality" },
    { "a performer that does not exist", ADMIN, BASE_EQUAL,
      "{'parties': [{'municipality': '0998', 'role': 'utförare'}, " PB "]}", UNRESOLVED, "parties[0].municipality" },
    { "a malformed municipality code", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '380', 'role': 'beställare'}]}", INVALID_BODY, "parties[1].municipality" },
    { "an unknown role", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'köpare'}]}", INVALID_BODY, "parties[1].role" },
    { "a party without a role", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380'}]}", INVALID_BODY, "parties[1].role" },
    { "an unknown party field", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'colour': 'blå'}]}", INVALID_BODY,
      "parties[1].colour" },
    { "a party that is not an object", ADMIN, BASE_EQUAL, "{'parties': [" PA ", '0380']}", INVALID_BODY, NULL },
    { "parties not an array", ADMIN, BASE_EQUAL, "{'parties': '0381'}", INVALID_BODY, "parties" },
    /* the shares */
    { "fast årsavgift, shares adding up to 99.99", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 59.99}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}]}", INVALID_BODY, "parties" },
    { "fast årsavgift, shares adding up to 100.01", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 60.01}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}]}", INVALID_BODY, "parties" },
    { "fast årsavgift, one orderer with 99.99", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 99.99}]}", INVALID_BODY,
      "parties" },
    { "fast årsavgift, an orderer without a share", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 100}, " PC "]}",
      INVALID_BODY, "parties" },
    { "fast årsavgift, a share for the performer", ADMIN, BASE_FAST,
      "{'parties': [{'municipality': '0381', 'role': 'utförare', 'share_percent': 10}, "
      "{'municipality': '0380', 'role': 'beställare', 'share_percent': 60}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 40}]}", INVALID_BODY, "parties" },
    { "a share above 100", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 120}]}", INVALID_BODY,
      "parties[1].share_percent" },
    { "a negative share", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 110}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': -10}]}", INVALID_BODY,
      "parties[2].share_percent" },
    { "a share of 0", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 100}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 0}]}", INVALID_BODY,
      "parties[2].share_percent" },
    { "a share that is a string", ADMIN, BASE_FAST,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': '100'}]}", INVALID_BODY,
      "parties[1].share_percent" },
    { "lika delar with stated shares", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 50}, "
      "{'municipality': '0360', 'role': 'beställare', 'share_percent': 50}]}", INVALID_BODY, "parties" },
    { "befolkningsandel with a stated share", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
      "{'municipality': '0380', 'role': 'beställare', 'population': 1000, 'share_percent': 100}]}", INVALID_BODY,
      "parties" },
    { "per ärende with a stated share", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'per ärende', 'yearly_amount_sek': null, 'per_case_sek': 900, "
      "'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 100}]}", INVALID_BODY,
      "parties" },
    /* the compensation */
    { "per ärende without per_case_sek", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'per ärende', 'yearly_amount_sek': null}", INVALID_BODY, "per_case_sek" },
    { "per ärende with yearly_amount_sek", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'per ärende', 'per_case_sek': 900}", INVALID_BODY, "yearly_amount_sek" },
    { "fast årsavgift without yearly_amount_sek", ADMIN, BASE_FAST, "{'yearly_amount_sek': null}", INVALID_BODY,
      "yearly_amount_sek" },
    { "lika delar without yearly_amount_sek", ADMIN, BASE_EQUAL, "{'yearly_amount_sek': null}", INVALID_BODY,
      "yearly_amount_sek" },
    { "fast årsavgift with per_case_sek", ADMIN, BASE_FAST, "{'per_case_sek': 900}", INVALID_BODY, "per_case_sek" },
    { "a negative yearly amount", ADMIN, BASE_EQUAL, "{'yearly_amount_sek': -1}", INVALID_BODY, "yearly_amount_sek" },
    { "an unknown compensation model", ADMIN, BASE_EQUAL, "{'compensation_model': 'gratis'}", INVALID_BODY,
      "compensation_model" },
    /* the populations */
    { "befolkningsandel, the second orderer's population unknown", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
      "{'municipality': '0380', 'role': 'beställare', 'population': 30000}, "
      "{'municipality': '@N@', 'role': 'beställare'}]}", INVALID_BODY, "parties[2].population" },
    { "befolkningsandel, the first orderer's population unknown", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", {'municipality': '@N@', 'role': 'beställare'}, "
      "{'municipality': '0380', 'role': 'beställare', 'population': 30000}]}", INVALID_BODY, "parties[1].population" },
    { "a population of 0", ADMIN, BASE_EQUAL,
      "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
      "{'municipality': '0380', 'role': 'beställare', 'population': 0}]}", INVALID_BODY, "parties[1].population" },
    /* the term */
    { "valid_to before valid_from", ADMIN, BASE_FAST, "{'valid_to': '2024-12-31'}", INVALID_BODY, "valid_to" },
    { "valid_from left out", ADMIN, BASE_FAST, "{'valid_from': null}", INVALID_BODY, "valid_from" },
    { "a valid_from that is no date", ADMIN, BASE_FAST, "{'valid_from': '2025-13-01'}", INVALID_BODY, "valid_from" },
    { "a valid_to that is no date", ADMIN, BASE_FAST, "{'valid_to': 'tills vidare'}", INVALID_BODY, "valid_to" },
    { "a notice period over 120 months", ADMIN, BASE_EQUAL, "{'notice_period_months': 121}", INVALID_BODY,
      "notice_period_months" },
    /* myndighetsutövning */
    { "myndighetsutövning without delegation", ADMIN, BASE_EQUAL, "{'includes_public_authority': true}",
      INVALID_BODY, "delegation" },
    { "myndighetsutövning with an empty delegation", ADMIN, BASE_EQUAL,
      "{'includes_public_authority': true, 'delegation': ''}", INVALID_BODY, "delegation" },
    /* the scope */
    { "no method or intervention type", ADMIN, BASE_EQUAL, "{'methods': null}", INVALID_BODY, "methods" },
    { "empty methods and intervention types", ADMIN, BASE_EQUAL, "{'methods': [], 'intervention_types': []}",
      INVALID_BODY, "methods" },
    { "a method that does not exist", ADMIN, BASE_EQUAL, "{'methods': ['@M@', 'ta-ingen-metod-@W@']}", UNRESOLVED,
      "methods[1]" },
    { "an intervention type that does not exist", ADMIN, BASE_EQUAL,
      "{'intervention_types': ['ta-ingen-typ-@W@']}", UNRESOLVED, "intervention_types[0]" },
    { "a method named twice", ADMIN, BASE_EQUAL, "{'methods': ['@M@', '@M@']}", INVALID_BODY, "methods" },
    { "an offering that does not exist", ADMIN, BASE_EQUAL, "{'offering_id': 999999999999}", UNRESOLVED,
      "offering_id" },
    /* the rest of the body */
    { "no title", ADMIN, BASE_EQUAL, "{'title': null}", INVALID_BODY, "title" },
    { "an empty title", ADMIN, BASE_EQUAL, "{'title': ''}", INVALID_BODY, "title" },
    { "an unknown field", ADMIN, BASE_EQUAL, "{'colour': 'blå'}", INVALID_BODY, "colour" },
    { "a status in the body", ADMIN, BASE_EQUAL, "{'status': 'aktiv'}", INVALID_BODY, "status" },
    { "an unknown procurement exemption", ADMIN, BASE_EQUAL, "{'procurement_exemption': 'upphandlat'}",
      INVALID_BODY, "procurement_exemption" },
    { "a decision without a date", ADMIN, BASE_EQUAL,
      "{'parties': [{'municipality': '0381', 'role': 'utförare', 'decision': {'body': 'kommunstyrelse'}}, " PB "]}",
      INVALID_BODY, "parties[0].decision.date" },
    { "a decision by an unknown body", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'decision': "
      "{'body': 'kommunrevisionen', 'date': '2025-01-01'}}]}", INVALID_BODY, "parties[1].decision.body" },
    { "a decision with an unknown field", ADMIN, BASE_EQUAL,
      "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'decision': "
      "{'body': 'socialnämnd', 'date': '2025-01-01', 'vote': 'enhälligt'}}]}", INVALID_BODY,
      "parties[1].decision.vote" },
    /* who may create */
    { "no key", NOBODY, BASE_EQUAL, NULL, 401, "/problems/unauthorized", NULL },
    { "a provider key", KEY_P, BASE_EQUAL, NULL, 403, "/problems/forbidden", NULL },
    { "a municipality that is not a party", KEY_X, BASE_EQUAL, NULL, 403, "/problems/forbidden", NULL },
    { "a party recording another party's decision", KEY_A, BASE_EQUAL, "{'parties': [" PA ", " PB_DEC "]}", 403,
      "/problems/forbidden", NULL },
    { "a party recording every party's decision", KEY_B, BASE_EQUAL, "{'parties': [" PA_DEC ", " PB_DEC "]}", 403,
      "/problems/forbidden", NULL },
};

static void test_invalid_agreements_are_refused(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char label[200];
    (void)state;

    for (size_t i = 0; i < sizeof(invalid_rows) / sizeof(invalid_rows[0]); i++) {
        const struct invalid_row *row = &invalid_rows[i];
        snprintf(label, sizeof(label), "create: %s (%s)", row->label, who_label[row->as]);
        char *before = db_state();
        long long id = create_as(row->as, row->base, row->overlay, &r);
        EXPECT(&e, id < 0, "%s: was created as %lld", label, id);
        expect_problem(&e, &r, row->status, row->type, row->field, label);
        expect_unchanged(&e, db_state, before, label);
        free(before);
    }
    /* Not JSON, and JSON that is not an object. */
    static const char *const bodies[] = { "{\"title\": ", "[]", "\"avtal\"" };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        snprintf(label, sizeof(label), "create with the body %s", bodies[i]);
        char *before = db_state();
        send_as("POST", "/v1/agreements", auth[ADMIN], NULL, bodies[i], &r);
        expect_problem(&e, &r, 400, "/problems/invalid-body", NULL, label);
        expect_unchanged(&e, db_state, before, label);
        free(before);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- populations ------------------------------------------------------------ */

/* A population split takes the municipality's own figure when the agreement states none. */
static void test_population_split_uses_the_municipality_figure(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    const char *exclude[] = { null_population_code };
    char *code = db_text("SELECT code FROM municipalities WHERE population IS NOT NULL AND population > 0 "
                         "AND code NOT IN ('0381', '0380', $1) ORDER BY code LIMIT 1", 1, exclude);
    if (code != NULL) {
        snprintf(figure_code, sizeof(figure_code), "%s", code);
    } else {
        /* None known (the reference data has no figures): give one municipality a figure for this test. */
        snprintf(figure_code, sizeof(figure_code), "%s", strcmp(null_population_code, "0382") ? "0382" : "0305");
        const char *params[] = { figure_code };
        figure_set_here = db_command("UPDATE municipalities SET population = 10000, population_year = 2024 "
                                     "WHERE code = $1 AND population IS NULL", 1, params);
    }
    free(code);
    const char *params[] = { figure_code };
    char *figure_text = db_text("SELECT population FROM municipalities WHERE code = $1", 1, params);
    long figure = figure_text ? atol(figure_text) : 0;
    free(figure_text);
    if (!EXPECT(&e, figure > 0, "no population figure for %s", figure_code))
        goto done;

    /* 0380 states three times the figure: it pays 75 %, the municipality with the figure 25 %. */
    char overlay[600];
    snprintf(overlay, sizeof(overlay),
             "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
             "{'municipality': '0380', 'role': 'beställare', 'population': %ld}, "
             "{'municipality': '@F@', 'role': 'beställare'}]}", 3 * figure);
    long long id = create_as(ADMIN, BASE_EQUAL, overlay, &r);
    if (expect_written(&e, &r, 201, "befolkningsandel with one orderer's figure from the municipality")) {
        json_t *with_figure = party_of(r.json, figure_code);
        json_t *stated = party_of(r.json, CODE_B);
        EXPECT(&e, json_integer_value(json_object_get(with_figure, "population")) == figure,
               "the party without a stated population has the municipality's figure %ld: %.1000s", figure, r.body);
        EXPECT(&e, json_is_text(with_figure, "share_percent", "25") && json_is_text(stated, "share_percent", "75"),
               "shares 25/75 from the municipality's figure and the stated one: %.1000s", r.body);
    }
    /* A stated population wins over the municipality's figure. */
    snprintf(overlay, sizeof(overlay),
             "{'compensation_model': 'befolkningsandel', 'parties': [" PA ", "
             "{'municipality': '0380', 'role': 'beställare', 'population': %ld}, "
             "{'municipality': '@F@', 'role': 'beställare', 'population': %ld}]}", figure, figure);
    id = create_as(ADMIN, BASE_EQUAL, overlay, &r);
    if (expect_written(&e, &r, 201, "befolkningsandel with a stated population")) {
        EXPECT(&e, json_is_text(party_of(r.json, figure_code), "share_percent", "50"),
               "a stated population is used: %.1000s", r.body);
    }
    (void)id;
done:
    if (figure_set_here) {
        db_command("UPDATE municipalities SET population = NULL, population_year = NULL WHERE code = $1", 1, params);
        figure_set_here = false;
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- the lifecycle ---------------------------------------------------------- */

static const char *const all_statuses[] = { "utkast", "föreslagen", "aktiv", "uppsagd", "upphört" };
#define STATUS_COUNT (sizeof(all_statuses) / sizeof(all_statuses[0]))

/* The lifecycle as the brief gives it. */
static bool transition_allowed(const char *from, const char *to)
{
    static const char *const pairs[][2] = {
        { "utkast", "föreslagen" }, { "föreslagen", "utkast" }, { "föreslagen", "aktiv" },
        { "aktiv", "uppsagd" }, { "uppsagd", "upphört" },
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (strcmp(pairs[i][0], from) == 0 && strcmp(pairs[i][1], to) == 0)
            return true;
    return false;
}

/* Every illegal transition out of current is refused with 409, naming both statuses, and changes nothing. */
static void expect_illegal_transitions(struct expectations *e, long long id, const char *current, enum who w)
{
    struct http_response r = { 0 };
    char label[200];

    for (size_t s = 0; s < STATUS_COUNT; s++) {
        if (transition_allowed(current, all_statuses[s]))
            continue;
        snprintf(label, sizeof(label), "transition %s → %s (%s)", current, all_statuses[s], who_label[w]);
        char *before = db_state();
        transition(id, all_statuses[s], w, &r);
        if (expect_problem(e, &r, 409, "/problems/illegal-transition", NULL, label)) {
            EXPECT(e, json_string_is(r.json, "current_status", current), "%s: current_status: %.400s", label, r.body);
            EXPECT(e, json_string_is(r.json, "requested_status", all_statuses[s]), "%s: requested_status: %.400s",
                   label, r.body);
        }
        expect_unchanged(e, db_state, before, label);
        free(before);
    }
    http_response_free(&r);
}

static void test_lifecycle_transitions(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], label[200];
    static const struct { const char *to; enum who as; } steps[] = {
        { "föreslagen", KEY_A }, { "utkast", KEY_B }, { "föreslagen", ADMIN },
        { "aktiv", KEY_B }, { "uppsagd", KEY_A }, { "upphört", ADMIN },
    };
    (void)state;

    long long id = create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ livscykel', 'parties': [" PA_DEC ", " PB_DEC "]}",
                             &r);
    if (!expect_written(&e, &r, 201, "an agreement for the lifecycle"))
        goto done;
    agreement_path(id, path);
    const char *current = "utkast";
    for (size_t step = 0;; step++) {
        expect_illegal_transitions(&e, id, current, step % 2 ? KEY_A : ADMIN);

        /* Only a draft can be deleted. */
        if (strcmp(current, "utkast") != 0) {
            snprintf(label, sizeof(label), "DELETE in %s", current);
            char *before = db_state();
            write_as("DELETE", id, "", ADMIN, NULL, &r);
            expect_problem(&e, &r, 409, "/problems/wrong-state", NULL, label);
            expect_unchanged(&e, db_state, before, label);
            free(before);
        }
        /* Terms change only in utkast and föreslagen. */
        snprintf(label, sizeof(label), "PATCH of the terms in %s", current);
        bool terms_open = strcmp(current, "utkast") == 0 || strcmp(current, "föreslagen") == 0;
        char *before = db_state();
        char patch[120];
        snprintf(patch, sizeof(patch), "{'description': 'Villkor ändrade i steg %zu.'}", step);
        write_as("PATCH", id, "", step % 2 ? KEY_B : ADMIN, patch, &r);
        if (terms_open) {
            expect_written(&e, &r, 200, label);
        } else {
            expect_problem(&e, &r, 409, "/problems/wrong-state", NULL, label);
            expect_unchanged(&e, db_state, before, label);
        }
        free(before);
        snprintf(label, sizeof(label), "PUT in %s", current);
        if (!terms_open) {
            before = db_state();
            json_t *body = body_of(BASE_EQUAL, "{'title': 'TA @W@ livscykel', 'parties': [" PA_DEC ", " PB_DEC "]}");
            char *text = json_dumps(body, JSON_COMPACT);
            char etag[ETAG_MAX];
            agreement_etag(id, etag);
            send_as("PUT", path, auth[ADMIN], etag, text, &r);
            expect_problem(&e, &r, 409, "/problems/wrong-state", NULL, label);
            expect_unchanged(&e, db_state, before, label);
            free(before);
            free(text);
            json_decref(body);
        }

        get_as(path, NOBODY, &r);
        if (strcmp(current, "utkast") == 0) {
            expect_problem(&e, &r, 404, "/problems/not-found", NULL, "the public reads the draft");
        } else if (expect_json(&e, &r, 200, "the public reads the agreement")) {
            EXPECT(&e, json_string_is(r.json, "status", current), "status is not %s: %.300s", current, r.body);
            EXPECT(&e, json_string_is(r.json, "effective_status", current), "effective_status is not %s", current);
        }
        if (step == sizeof(steps) / sizeof(steps[0]))
            break;

        snprintf(label, sizeof(label), "transition %s → %s (%s)", current, steps[step].to, who_label[steps[step].as]);
        char etag_before[ETAG_MAX];
        agreement_etag(id, etag_before);
        long long audits = audit_count(id);
        transition(id, steps[step].to, steps[step].as, &r);
        if (!expect_written(&e, &r, 200, label))
            break;
        EXPECT(&e, json_string_is(r.json, "status", steps[step].to), "%s: the answer's status: %.300s", label,
               r.body);
        EXPECT(&e, http_header(&r, "ETag") == NULL || strcmp(http_header(&r, "ETag"), etag_before) != 0,
               "%s: the ETag did not change", label);
        EXPECT(&e, audit_count(id) == audits + 1, "%s: %lld audit entries, wanted %lld", label, audit_count(id),
               audits + 1);
        current = steps[step].to;
    }
    EXPECT(&e, strcmp(current, "upphört") == 0, "the lifecycle stopped in %s", current);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* föreslagen → aktiv only when every party has its decision; an illegal transition is reported as such first. */
static void test_decision_gate(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    (void)state;

    long long id = create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ beslut', 'parties': [" PA ", " PB ", " PC "]}",
                             &r);
    if (!expect_written(&e, &r, 201, "an agreement without decisions"))
        goto done;
    EXPECT(&e, json_is_false(json_object_get(r.json, "decisions_complete")), "decisions_complete without decisions");

    char *before = db_state();
    transition(id, "aktiv", ADMIN, &r);
    expect_problem(&e, &r, 409, "/problems/illegal-transition", NULL, "utkast → aktiv without decisions");
    expect_unchanged(&e, db_state, before, "utkast → aktiv without decisions");
    free(before);

    transition(id, "föreslagen", KEY_C, &r);
    expect_written(&e, &r, 200, "utkast → föreslagen by a party");

    static const struct { enum who as; const char *patch; const char *label; bool complete; } records[] = {
        { KEY_A, "{'parties': [" PA_DEC ", " PB ", " PC "]}", "0381 records its decision", false },
        { KEY_B, "{'parties': [" PA_DEC ", " PB_DEC ", " PC "]}", "0380 records its decision", false },
        { KEY_C, "{'parties': [" PA_DEC ", " PB_DEC ", " PC_DEC "]}", "0360 records its decision", true },
    };
    for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
        char label[200];
        snprintf(label, sizeof(label), "föreslagen → aktiv before %s", records[i].label);
        before = db_state();
        transition(id, "aktiv", i % 2 ? KEY_A : ADMIN, &r);
        expect_problem(&e, &r, 409, "/problems/decisions-missing", NULL, label);
        expect_unchanged(&e, db_state, before, label);
        free(before);

        write_as("PATCH", id, "", records[i].as, records[i].patch, &r);
        if (expect_written(&e, &r, 200, records[i].label))
            EXPECT(&e, json_is_boolean(json_object_get(r.json, "decisions_complete"))
                           && json_is_true(json_object_get(r.json, "decisions_complete")) == records[i].complete,
                   "%s: decisions_complete: %.300s", records[i].label, r.body);
    }
    transition(id, "aktiv", KEY_B, &r);
    if (expect_written(&e, &r, 200, "föreslagen → aktiv with every decision"))
        EXPECT(&e, json_string_is(r.json, "status", "aktiv"), "the agreement is active: %.300s", r.body);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* A transition to something that is not a status is a bad request, like any other unknown choice. */
static void test_transition_requests_are_validated(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[200];
    (void)state;

    long long id = create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ övergångar'}", &r);
    if (!expect_written(&e, &r, 201, "an agreement for transition requests"))
        goto done;
    snprintf(path, sizeof(path), "/v1/agreements/%lld/transitions", id);
    static const struct { const char *body; const char *field; } bodies[] = {
        { "{}", "to" }, { "{'to': 3}", "to" }, { "{'to': null}", "to" }, { "{'to': 'föreslagen', 'why': 'x'}", "to" },
        { "{'status': 'föreslagen'}", "to" }, { "['föreslagen']", NULL }, { "{'to': ", NULL },
        { "{'to': 'avslutat'}", "to" },
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        snprintf(label, sizeof(label), "transition with the body %s", bodies[i].body);
        char *before = db_state();
        write_as("POST", id, "/transitions", ADMIN, bodies[i].body, &r);
        expect_problem(&e, &r, 400, "/problems/invalid-body", bodies[i].field, label);
        expect_unchanged(&e, db_state, before, label);
        free(before);
    }
    /* Preconditions and keys. */
    char *before = db_state();
    send_as("POST", path, auth[ADMIN], NULL, "{\"to\": \"föreslagen\"}", &r);
    expect_problem(&e, &r, 428, "/problems/precondition-required", NULL, "a transition without If-Match");
    send_as("POST", path, auth[ADMIN], "\"0123456789abcdef0123456789abcdef\"", "{\"to\": \"föreslagen\"}", &r);
    expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, "a transition with a stale ETag");
    write_as("POST", id, "/transitions", NOBODY, "{'to': 'föreslagen'}", &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "a transition without a key");
    write_as("POST", id, "/transitions", KEY_P, "{'to': 'föreslagen'}", &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "a transition with a provider key");
    write_as("POST", id, "/transitions", KEY_X, "{'to': 'föreslagen'}", &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "a transition by a non-party");
    send_as("POST", "/v1/agreements/999999999999/transitions", auth[ADMIN], "\"x\"", "{\"to\": \"föreslagen\"}", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "a transition of an agreement that does not exist");
    send_as("POST", "/v1/agreements/abc/transitions", auth[ADMIN], "\"x\"", "{\"to\": \"föreslagen\"}", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "a transition of /v1/agreements/abc");
    expect_unchanged(&e, db_state, before, "refused transitions");
    free(before);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- who sees a draft ------------------------------------------------------- */

static void expect_visibility(struct expectations *e, long long id, const bool visible[WHO_COUNT], const char *when)
{
    struct http_response r = { 0 };
    char path[64], label[300], list[PATH_MAX_LENGTH];

    agreement_path(id, path);
    for (int w = 0; w < WHO_COUNT; w++) {
        snprintf(label, sizeof(label), "%s: GET as %s", when, who_label[w]);
        get_as(path, (enum who)w, &r);
        if (visible[w])
            expect_json(e, &r, 200, label);
        else
            expect_problem(e, &r, 404, "/problems/not-found", NULL, label);

        static const char *const lists[] = {
            "/v1/agreements?municipality=0381", "/v1/municipalities/0380/agreements",
            "/v1/agreements?method=@M@&county=03", "/v1/municipalities/0381/agreements?method=@M@",
        };
        for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
            expand(lists[l], list, sizeof(list));
            snprintf(label, sizeof(label), "%.60s: %.200s as %.30s", when, list, who_label[w]);
            expect_listed(e, list, (enum who)w, id, visible[w], label);
        }
    }
    http_response_free(&r);
}

static void test_draft_visibility(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64];
    (void)state;

    long long id = create_as(KEY_A, BASE_EQUAL, "{'title': 'TA @W@ synlighet'}", &r);
    if (!expect_written(&e, &r, 201, "a draft by 0381"))
        goto done;
    agreement_path(id, path);

    static const bool draft[WHO_COUNT] = { [ADMIN] = true, [KEY_A] = true, [KEY_B] = true };
    static const bool everyone[WHO_COUNT] = { true, true, true, true, true, true, true };
    expect_visibility(&e, id, draft, "a draft");

    /* The status filter does not open drafts either; nor can a client name itself the viewer. */
    expect_listed(&e, "/v1/agreements?status=utkast", NOBODY, id, false, "status=utkast for the public");
    expect_listed(&e, "/v1/agreements?status=utkast", KEY_X, id, false, "status=utkast for a non-party");
    expect_listed(&e, "/v1/agreements?status=utkast", KEY_B, id, true, "status=utkast for a party");
    get_as("/v1/agreements?viewer=admin", NOBODY, &r);
    expect_problem(&e, &r, 400, "/problems/invalid-parameter", NULL, "a client naming the viewer");
    get_as("/v1/municipalities/0381/agreements?viewer=0381", NOBODY, &r);
    expect_problem(&e, &r, 400, "/problems/invalid-parameter", NULL, "a client naming the viewer (municipality)");
    /* A key that is sent must be valid, even on a read. */
    send_as("GET", path, "Bearer ik_1_not-a-secret", NULL, NULL, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "GET of the draft with a wrong key");
    send_as("GET", "/v1/agreements", "Bearer ik_1_not-a-secret", NULL, NULL, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "the list with a wrong key");
    /* Nor can a non-party reach it by writing: it is not theirs. */
    char *before = db_state();
    write_as("PATCH", id, "", KEY_X, "{'title': 'TA @W@ kapad'}", &r);
    EXPECT(&e, r.status == 403 || r.status == 404, "a non-party's PATCH of a draft: %ld", r.status);
    expect_unchanged(&e, db_state, before, "a non-party's PATCH of a draft");
    free(before);

    /* From föreslagen on, the agreement is public. */
    transition(id, "föreslagen", KEY_B, &r);
    if (expect_written(&e, &r, 200, "the draft is proposed"))
        expect_visibility(&e, id, everyone, "a proposed agreement");

    /* Back to a draft, hidden again. */
    transition(id, "utkast", KEY_A, &r);
    if (expect_written(&e, &r, 200, "the proposal goes back to a draft"))
        expect_visibility(&e, id, draft, "a draft again");
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- who writes what ----------------------------------------------------------- */

struct party_step {
    const char *label;
    const char *method;     /* PATCH, PUT, DELETE, POST (a transition) */
    enum who as;
    const char *body;       /* template; a PUT body is BASE_EQUAL with this overlay */
    long status;
    const char *type;       /* for a refusal */
    const char *check_path; /* after a success, in the answer */
    const char *check_value;
};

#define FORBIDDEN 403, "/problems/forbidden", NULL, NULL

static const struct party_step party_steps[] = {
    { "a non-party changes the title", "PATCH", KEY_X, "{'title': 'TA @W@ kapad'}", FORBIDDEN },
    { "a non-party replaces the agreement", "PUT", KEY_X, "{'title': 'TA @W@ kapad'}", FORBIDDEN },
    { "a non-party adds itself", "PATCH", KEY_X,
      "{'parties': [" PA ", " PB ", {'municipality': '0580', 'role': 'beställare'}]}", FORBIDDEN },
    { "a non-party proposes it", "POST", KEY_X, "{'to': 'föreslagen'}", FORBIDDEN },
    { "a non-party deletes it", "DELETE", KEY_X, NULL, FORBIDDEN },
    { "a provider key changes the title", "PATCH", KEY_P, "{'title': 'TA @W@ kapad'}", FORBIDDEN },
    { "a provider key deletes it", "DELETE", KEY_P, NULL, FORBIDDEN },
    { "no key changes the title", "PATCH", NOBODY, "{'title': 'TA @W@ kapad'}", 401, "/problems/unauthorized", NULL,
      NULL },
    { "0381 leaves the agreement it performs", "PATCH", KEY_A,
      "{'parties': [{'municipality': '0360', 'role': 'utförare'}, " PB "]}", FORBIDDEN },
    { "0381 records 0380's decision", "PATCH", KEY_A, "{'parties': [" PA ", " PB_DEC "]}", FORBIDDEN },
    { "0381 records both decisions", "PATCH", KEY_A, "{'parties': [" PA_DEC ", " PB_DEC "]}", FORBIDDEN },
    { "0381 records its own decision", "PATCH", KEY_A, "{'parties': [" PA_DEC ", " PB "]}", 200, NULL,
      "parties.0.decision", DEC_KF },
    { "0380 changes 0381's decision", "PATCH", KEY_B, "{'parties': [" PA_DEC2 ", " PB "]}", FORBIDDEN },
    { "0380 removes 0381's decision", "PATCH", KEY_B, "{'parties': [" PA ", " PB_DEC "]}", FORBIDDEN },
    { "0380 replaces the agreement without 0381's decision", "PUT", KEY_B, "{'parties': [" PA ", " PB_DEC "]}",
      FORBIDDEN },
    { "0380 records its own decision, keeping 0381's", "PATCH", KEY_B, "{'parties': [" PA_DEC ", " PB_DEC "]}", 200,
      NULL, "parties.1.decision", DEC_SN },
    { "0381 changes 0380's decision", "PATCH", KEY_A, "{'parties': [" PA_DEC ", " PB_DEC2 "]}", FORBIDDEN },
    { "0381 removes 0380's decision", "PATCH", KEY_A, "{'parties': [" PA_DEC ", " PB "]}", FORBIDDEN },
    { "0381 drops 0380, which has decided, from the parties", "PATCH", KEY_A,
      "{'parties': [" PA_DEC ", " PC "]}", FORBIDDEN },
    { "0381 changes its own decision", "PATCH", KEY_A, "{'parties': [" PA_DEC2 ", " PB_DEC "]}", 200, NULL,
      "parties.0.decision", DEC_AN },
    { "0381 changes the title only; the decisions stay", "PATCH", KEY_A, "{'title': 'TA @W@ parter 2'}", 200, NULL,
      "parties.1.decision", DEC_SN },
    { "0380 replaces the agreement, keeping every decision", "PUT", KEY_B,
      "{'title': 'TA @W@ parter 3', 'parties': [" PA_DEC2 ", " PB_DEC "]}", 200, NULL, "title", "'TA @W@ parter 3'" },
    { "0381 sends 0380's decision unchanged, with its empty members as null", "PATCH", KEY_A,
      "{'parties': [" PA_DEC2 ", {'municipality': '0380', 'role': 'beställare', 'decision': "
      "{'body': 'socialnämnd', 'date': '2025-02-20', 'paragraph': null, 'reference': null}}]}", 200, NULL,
      "parties.1.decision", DEC_SN },
    { "admin changes 0380's decision", "PATCH", ADMIN, "{'parties': [" PA_DEC2 ", " PB_DEC2 "]}", 200, NULL,
      "parties.1.decision", DEC_KS },
    { "0380 proposes it", "POST", KEY_B, "{'to': 'föreslagen'}", 200, NULL, "status", "'föreslagen'" },
    { "a non-party withdraws the proposal", "POST", KEY_X, "{'to': 'utkast'}", FORBIDDEN },
    { "0381 withdraws the proposal", "POST", KEY_A, "{'to': 'utkast'}", 200, NULL, "status", "'utkast'" },
    { "0380 deletes the draft", "DELETE", KEY_B, NULL, 204, NULL, NULL, NULL },
};

static void test_party_rules(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], label[300];
    (void)state;

    long long id = create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ parter'}", &r);
    if (!expect_written(&e, &r, 201, "an agreement of 0381 and 0380"))
        goto done;
    agreement_path(id, path);
    for (size_t i = 0; i < sizeof(party_steps) / sizeof(party_steps[0]); i++) {
        const struct party_step *s = &party_steps[i];
        snprintf(label, sizeof(label), "%s (%s %s)", s->label, s->method, who_label[s->as]);
        char *before = db_state();
        if (strcmp(s->method, "PUT") == 0) {
            json_t *full = body_of(BASE_EQUAL, s->body);
            char *text = json_dumps(full, JSON_COMPACT);
            char etag[ETAG_MAX];
            agreement_etag(id, etag);
            send_as("PUT", path, auth_of(s->as), etag, text, &r);
            free(text);
            json_decref(full);
        } else {
            write_as(s->method, id, strcmp(s->method, "POST") == 0 ? "/transitions" : "", s->as, s->body, &r);
        }
        if (s->status >= 400) {
            expect_problem(&e, &r, s->status, s->type, NULL, label);
            expect_unchanged(&e, db_state, before, label);
        } else if (expect_written(&e, &r, s->status, label) && s->check_path != NULL) {
            EXPECT(&e, json_is_text(r.json, s->check_path, s->check_value), "%s: %s is not %s: %.1000s", label,
                   s->check_path, s->check_value, r.body);
        }
        free(before);
    }
    get_as(path, ADMIN, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "the deleted agreement");
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- two parties at once ------------------------------------------------------- */

struct racer {
    CURL *curl;
    struct curl_slist *headers;
    pthread_barrier_t *barrier;
    char *body_out;
    size_t body_length;
    long status;
};

static size_t collect(char *bytes, size_t size, size_t count, void *user)
{
    struct racer *racer = user;
    size_t length = size * count;
    char *grown = realloc(racer->body_out, racer->body_length + length + 1);

    if (grown == NULL)
        return 0;
    racer->body_out = grown;
    memcpy(racer->body_out + racer->body_length, bytes, length);
    racer->body_length += length;
    racer->body_out[racer->body_length] = '\0';
    return length;
}

static bool racer_prepare(struct racer *racer, pthread_barrier_t *barrier, const char *path, enum who w,
                          const char *if_match, const char *body)
{
    char url[PATH_MAX_LENGTH + 200], line[400];

    memset(racer, 0, sizeof(*racer));
    racer->barrier = barrier;
    if ((racer->curl = curl_easy_init()) == NULL)
        return false;
    snprintf(url, sizeof(url), "%s%s", http_base_url(), path);
    snprintf(line, sizeof(line), "Authorization: %s", auth[w]);
    racer->headers = curl_slist_append(racer->headers, line);
    racer->headers = curl_slist_append(racer->headers, "Expect:");
    racer->headers = curl_slist_append(racer->headers, "Content-Type: application/merge-patch+json");
    snprintf(line, sizeof(line), "If-Match: %s", if_match);
    racer->headers = curl_slist_append(racer->headers, line);
    curl_easy_setopt(racer->curl, CURLOPT_URL, url);
    curl_easy_setopt(racer->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(racer->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(racer->curl, CURLOPT_HTTPHEADER, racer->headers);
    curl_easy_setopt(racer->curl, CURLOPT_CUSTOMREQUEST, "PATCH");
    curl_easy_setopt(racer->curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(racer->curl, CURLOPT_WRITEDATA, racer);
    curl_easy_setopt(racer->curl, CURLOPT_POSTFIELDS, body);   /* not copied: body outlives the race */
    curl_easy_setopt(racer->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    return racer->headers != NULL;
}

static void *racer_run(void *arg)
{
    struct racer *racer = arg;

    pthread_barrier_wait(racer->barrier);
    if (curl_easy_perform(racer->curl) == CURLE_OK)
        curl_easy_getinfo(racer->curl, CURLINFO_RESPONSE_CODE, &racer->status);
    return NULL;
}

static void racer_release(struct racer *racer)
{
    curl_slist_free_all(racer->headers);
    curl_easy_cleanup(racer->curl);
    free(racer->body_out);
    memset(racer, 0, sizeof(*racer));
}

/* The parties of a document as an input array, with decision (a template) set for code. */
static json_t *parties_with_decision(const json_t *doc, const char *code, const char *decision)
{
    json_t *parties = json_array();
    size_t i;
    json_t *party;

    json_array_foreach(json_object_get(doc, "parties"), i, party) {
        json_t *input = json_pack("{s:O, s:O}", "municipality", json_object_get(party, "municipality"), "role",
                                  json_object_get(party, "role"));
        json_t *stated = json_object_get(party, "decision");
        if (strcmp(json_string_value(json_object_get(party, "municipality")), code) == 0) {
            json_object_set_new(input, "decision", json_from(decision));
        } else if (json_is_object(stated)) {
            json_t *copy = json_object();
            const char *name;
            json_t *value;
            json_object_foreach(stated, name, value)
                if (!json_is_null(value))
                    json_object_set(copy, name, value);
            json_object_set_new(input, "decision", copy);
        }
        json_array_append_new(parties, input);
    }
    return parties;
}

static void test_concurrent_decisions_are_not_lost(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], label[200];
    (void)state;

    for (int round = 0; round < 3; round++) {
        long long id = create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ samtidigt'}", &r);
        snprintf(label, sizeof(label), "round %d", round);
        if (!expect_written(&e, &r, 201, label))
            continue;
        agreement_path(id, path);
        char etag[ETAG_MAX];
        agreement_etag(id, etag);
        char body_a[TEXT_MAX], body_b[TEXT_MAX];
        expand("{'parties': [" PA_DEC ", " PB "]}", body_a, sizeof(body_a));
        expand("{'parties': [" PA ", " PB_DEC "]}", body_b, sizeof(body_b));

        pthread_barrier_t barrier;
        pthread_barrier_init(&barrier, NULL, 2);
        struct racer racers[2];
        bool prepared = racer_prepare(&racers[0], &barrier, path, KEY_A, etag, body_a);
        prepared &= racer_prepare(&racers[1], &barrier, path, KEY_B, etag, body_b);
        pthread_t threads[2];
        for (int i = 0; i < 2; i++)
            pthread_create(&threads[i], NULL, racer_run, &racers[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(threads[i], NULL);
        pthread_barrier_destroy(&barrier);

        int winners = (racers[0].status == 200) + (racers[1].status == 200);
        int losers = (racers[0].status == 412) + (racers[1].status == 412);
        EXPECT(&e, prepared && winners == 1 && losers == 1,
               "%s: two parties with the same ETag got %ld (%.200s) and %ld (%.200s), wanted one 200 and one 412",
               label, racers[0].status, racers[0].body_out ? racers[0].body_out : "",
               racers[1].status, racers[1].body_out ? racers[1].body_out : "");
        for (int i = 0; i < 2; i++)
            if (racers[i].status == 412)
                EXPECT(&e, racers[i].body_out && strstr(racers[i].body_out, "/problems/precondition-failed"),
                       "%s: the loser's answer is not a precondition-failed problem: %.300s", label,
                       racers[i].body_out ? racers[i].body_out : "");

        /* The loser reads again, and records its decision on top of the winner's. */
        for (int i = 0; i < 2; i++) {
            if (racers[i].status == 200)
                continue;
            enum who loser = i == 0 ? KEY_A : KEY_B;
            json_t *doc = agreement_doc(id);
            json_t *parties = parties_with_decision(doc, i == 0 ? CODE_A : CODE_B, i == 0 ? DEC_KF : DEC_SN);
            json_t *patch = json_pack("{s:o}", "parties", parties);
            char *text = json_dumps(patch, JSON_COMPACT);
            agreement_etag(id, etag);
            send_as("PATCH", path, auth[loser], etag, text, &r);
            snprintf(label, sizeof(label), "round %d: the loser (%s) retries with the new ETag", round,
                     who_label[loser]);
            expect_written(&e, &r, 200, label);
            free(text);
            json_decref(patch);
            json_decref(doc);
        }
        json_t *doc = agreement_doc(id);
        EXPECT(&e, json_is_text(party_of(doc, CODE_A), "decision", DEC_KF)
                       && json_is_text(party_of(doc, CODE_B), "decision", DEC_SN)
                       && json_is_true(json_object_get(doc, "decisions_complete")),
               "round %d: both decisions are kept: %s", round, doc ? "see the document" : "no document");
        EXPECT(&e, audit_count(id) == 3, "round %d: %lld audit entries, wanted 3 (create and two updates)", round,
               audit_count(id));
        json_decref(doc);
        for (int i = 0; i < 2; i++)
            racer_release(&racers[i]);
    }
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- lists ------------------------------------------------------------------ */

enum { F1, F2, F3, F4, F5, F_COUNT };
static long long filter_ids[F_COUNT];

/*
 * F1 aktiv, 0381 for 0380 (county 03), method M, from 2024, until further notice.
 * F2 föreslagen, 0180 for 0114 (county 01), intervention type T (covering M), 2025-2027.
 * F3 aktiv but ended by the calendar (2020-2021), 0381 for 1480 (counties 03 and 14), method M2.
 * F4 uppsagd, 0380 for 0360 (03), method M2, 2023-2030.
 * F5 a draft, 0381 for 0380, method M.
 */
static const struct {
    const char *overlay;
    const char *path[3];   /* transitions, in order */
} filter_fixtures[F_COUNT] = {
    [F1] = { "{'title': 'TA @W@ F1', 'valid_from': '2024-01-01', 'parties': [" PA_DEC ", " PB_DEC "]}",
             { "föreslagen", "aktiv" } },
    [F2] = { "{'title': 'TA @W@ F2', 'valid_from': '2025-01-01', 'valid_to': '2027-12-31', 'methods': null, "
             "'intervention_types': ['@T@'], 'parties': [{'municipality': '0180', 'role': 'utförare'}, "
             "{'municipality': '0114', 'role': 'beställare'}]}",
             { "föreslagen" } },
    [F3] = { "{'title': 'TA @W@ F3', 'valid_from': '2020-01-01', 'valid_to': '2021-12-31', 'methods': ['@M2@'], "
             "'parties': [" PA_DEC ", {'municipality': '1480', 'role': 'beställare', 'decision': " DEC_SN "}]}",
             { "föreslagen", "aktiv" } },
    [F4] = { "{'title': 'TA @W@ F4', 'valid_from': '2023-01-01', 'valid_to': '2030-12-31', 'methods': ['@M2@'], "
             "'parties': [{'municipality': '0380', 'role': 'utförare', 'decision': " DEC_KS "}, " PC_DEC "]}",
             { "föreslagen", "aktiv", "uppsagd" } },
    [F5] = { "{'title': 'TA @W@ F5'}", { NULL } },
};

struct filter_row {
    const char *path;       /* template */
    enum who as;
    const char *expected;   /* digits of F1..F5 */
};

static const struct filter_row filter_rows[] = {
    { "/v1/agreements", ADMIN, "12345" },
    { "/v1/agreements", NOBODY, "1234" },
    { "/v1/agreements", KEY_X, "1234" },
    { "/v1/agreements", KEY_B, "12345" },
    { "/v1/agreements?municipality=0381", ADMIN, "135" },
    { "/v1/agreements?municipality=0381", NOBODY, "13" },
    { "/v1/agreements?municipality=0180", ADMIN, "2" },
    { "/v1/agreements?municipality=0360", ADMIN, "4" },
    { "/v1/agreements?municipality=1480", NOBODY, "3" },
    { "/v1/agreements?county=03", ADMIN, "1345" },
    { "/v1/agreements?county=03", NOBODY, "134" },
    { "/v1/agreements?county=01", ADMIN, "2" },
    { "/v1/agreements?county=14", ADMIN, "3" },
    { "/v1/agreements?county=25", ADMIN, "" },
    { "/v1/agreements?method=@M@", ADMIN, "125" },
    { "/v1/agreements?method=@M@", NOBODY, "12" },
    { "/v1/agreements?method=@M2@", ADMIN, "34" },
    { "/v1/agreements?method=bsft", ADMIN, "" },
    { "/v1/agreements?status=aktiv", ADMIN, "1" },
    { "/v1/agreements?status=upph%C3%B6rt", ADMIN, "3" },
    { "/v1/agreements?status=f%C3%B6reslagen", NOBODY, "2" },
    { "/v1/agreements?status=uppsagd", ADMIN, "4" },
    { "/v1/agreements?status=utkast", ADMIN, "5" },
    { "/v1/agreements?status=utkast", KEY_A, "5" },
    { "/v1/agreements?status=utkast", NOBODY, "" },
    { "/v1/agreements?active_on=2021-06-01", ADMIN, "3" },
    { "/v1/agreements?active_on=2025-06-01", ADMIN, "14" },
    { "/v1/agreements?active_on=2031-01-01", ADMIN, "1" },
    { "/v1/agreements?active_on=2019-12-31", ADMIN, "" },
    { "/v1/agreements?municipality=0381&status=aktiv", ADMIN, "1" },
    { "/v1/agreements?county=03&method=@M2@", ADMIN, "34" },
    { "/v1/agreements?method=@M@&active_on=2025-06-01", ADMIN, "1" },
    { "/v1/agreements?municipality=0380&method=@M2@&status=uppsagd&active_on=2029-01-01", ADMIN, "4" },
    { "/v1/agreements?municipality=0381&limit=1", ADMIN, "135" },
    { "/v1/municipalities/0381/agreements", ADMIN, "135" },
    { "/v1/municipalities/0381/agreements", NOBODY, "13" },
    { "/v1/municipalities/0381/agreements", KEY_A, "135" },
    { "/v1/municipalities/0381/agreements", KEY_C, "13" },
    { "/v1/municipalities/0114/agreements", NOBODY, "2" },
    { "/v1/municipalities/0360/agreements", NOBODY, "4" },
    { "/v1/municipalities/0381/agreements?status=upph%C3%B6rt", NOBODY, "3" },
    { "/v1/municipalities/0381/agreements?method=@M@", ADMIN, "15" },
    { "/v1/municipalities/0381/agreements?county=14", ADMIN, "3" },
    { "/v1/municipalities/0381/agreements?active_on=2021-06-01", ADMIN, "3" },
    { "/v1/municipalities/0381/agreements?limit=1", KEY_B, "135" },
    { "/v1/municipalities/0580/agreements", NOBODY, "" },
};

struct bad_list_row {
    const char *path;
    long status;
    const char *type;
};

static const struct bad_list_row bad_list_rows[] = {
    { "/v1/municipalities/9999/agreements", 404, "/problems/not-found" },
    { "/v1/municipalities/abc/agreements", 404, "/problems/not-found" },
    { "/v1/agreements?municipality=9999", 404, "/problems/not-found" },
    { "/v1/agreements?municipality=abc", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?county=3", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?method=Inte_En_Slug", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?status=avslutat", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?active_on=2025-13-01", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?active_on=idag", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?colour=blue", 400, "/problems/invalid-parameter" },
    { "/v1/agreements?limit=0", 400, "/problems/invalid-parameter" },
    { "/v1/municipalities/0381/agreements?municipality=0380", 400, "/problems/invalid-parameter" },
    { "/v1/municipalities/0381/agreements?status=bogus", 400, "/problems/invalid-parameter" },
};

static bool create_filter_world(struct expectations *e)
{
    struct http_response r = { 0 };
    bool ok = true;

    for (int f = 0; f < F_COUNT && ok; f++) {
        char label[100];
        snprintf(label, sizeof(label), "filter agreement F%d", f + 1);
        filter_ids[f] = create_as(ADMIN, BASE_EQUAL, filter_fixtures[f].overlay, &r);
        ok = expect_written(e, &r, 201, label);
        for (int t = 0; ok && t < 3 && filter_fixtures[f].path[t] != NULL; t++) {
            transition(filter_ids[f], filter_fixtures[f].path[t], ADMIN, &r);
            ok = expect_written(e, &r, 200, label);
        }
    }
    http_response_free(&r);
    return ok;
}

static void test_list_filters(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], label[PATH_MAX_LENGTH + 60];
    (void)state;

    if (!create_filter_world(&e))
        goto done;

    /* The effective status: an active agreement whose term has passed has ended. */
    agreement_path(filter_ids[F3], path);
    get_as(path, NOBODY, &r);
    if (expect_json(&e, &r, 200, "F3")) {
        EXPECT(&e, json_string_is(r.json, "status", "aktiv"), "F3 status: %.300s", r.body);
        EXPECT(&e, json_string_is(r.json, "effective_status", "upphört"), "F3 effective_status: %.300s", r.body);
    }
    agreement_path(filter_ids[F1], path);
    get_as(path, NOBODY, &r);
    if (expect_json(&e, &r, 200, "F1"))
        EXPECT(&e, json_string_is(r.json, "effective_status", "aktiv"), "F1 effective_status: %.300s", r.body);
    agreement_path(filter_ids[F4], path);
    get_as(path, NOBODY, &r);
    if (expect_json(&e, &r, 200, "F4"))
        EXPECT(&e, json_string_is(r.json, "effective_status", "uppsagd"), "F4 effective_status: %.300s", r.body);

    for (size_t i = 0; i < sizeof(filter_rows) / sizeof(filter_rows[0]); i++) {
        const struct filter_row *row = &filter_rows[i];
        expand(row->path, path, sizeof(path));
        snprintf(label, sizeof(label), "%s as %s", path, who_label[row->as]);
        json_t *items = json_array();
        if (walk_as(&e, path, row->as, items, label) >= 0) {
            for (int f = 0; f < F_COUNT; f++) {
                bool wanted = strchr(row->expected, '1' + f) != NULL;
                EXPECT(&e, items_hold(items, filter_ids[f]) == wanted, "%s: F%d (%lld) %s", label, f + 1,
                       filter_ids[f], wanted ? "is missing" : "is listed but should not be");
            }
            /* Every item is an agreement the viewer may see, each once, in id order. */
            size_t k;
            json_t *item;
            long long previous = 0;
            json_array_foreach(items, k, item) {
                long long id = json_integer_value(json_object_get(item, "id"));
                EXPECT(&e, id > previous, "%s: ids not increasing at %lld", label, id);
                previous = id;
                if (row->as == NOBODY || row->as == KEY_P || (row->as == KEY_X && party_of(item, CODE_X) == NULL))
                    EXPECT(&e, !json_string_is(item, "status", "utkast"), "%s: a draft (%lld) is listed", label, id);
            }
        }
        json_decref(items);
    }
    for (size_t i = 0; i < sizeof(bad_list_rows) / sizeof(bad_list_rows[0]); i++) {
        get_as(bad_list_rows[i].path, NOBODY, &r);
        expect_problem(&e, &r, bad_list_rows[i].status, bad_list_rows[i].type, NULL, bad_list_rows[i].path);
    }
    /* An agreement that does not exist, or a path that cannot name one. */
    get_as("/v1/agreements/999999999999", ADMIN, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "GET of an agreement that does not exist");
    get_as("/v1/agreements/abc", ADMIN, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "GET /v1/agreements/abc");
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- history ------------------------------------------------------------------- */

static void test_history(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], history[100], id_text[24];
    (void)state;

    long long id = create_as(KEY_A, BASE_EQUAL, "{'title': 'TA @W@ historik'}", &r);
    if (!expect_written(&e, &r, 201, "an agreement with a history"))
        goto done;
    agreement_path(id, path);
    snprintf(history, sizeof(history), "%s/history", path);
    snprintf(id_text, sizeof(id_text), "%lld", id);
    write_as("PATCH", id, "", KEY_B, "{'title': 'TA @W@ historik 2'}", &r);
    expect_written(&e, &r, 200, "history: 0380's patch");
    transition(id, "föreslagen", ADMIN, &r);
    expect_written(&e, &r, 200, "history: admin proposes");
    transition(id, "utkast", KEY_A, &r);
    expect_written(&e, &r, 200, "history: 0381 withdraws");
    write_as("DELETE", id, "", KEY_B, NULL, &r);
    expect_written(&e, &r, 204, "history: 0380 deletes the draft");

    get_as(history, NOBODY, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "the history without a key");
    get_as(history, KEY_X, &r);
    EXPECT(&e, r.status == 403 || r.status == 404, "the history with a non-party's key: %ld %.300s", r.status,
           r.body);
    get_as(history, ADMIN, &r);
    if (!expect_json(&e, &r, 200, history))
        goto done;
    json_t *items = json_at(r.json, "items");
    static const char *const actions[] = { "delete", "update", "update", "update", "create" };
    static const char *const statuses_after[] = { NULL, "utkast", "föreslagen", "utkast", "utkast" };
    const enum who keys[] = { KEY_B, KEY_A, ADMIN, KEY_B, KEY_A };
    if (!EXPECT(&e, json_array_size(items) == 5, "%zu history entries, wanted 5: %.1500s", json_array_size(items),
                r.body))
        goto done;
    for (size_t i = 0; i < 5; i++) {
        json_t *item = json_array_get(items, i);
        EXPECT(&e, json_string_is(item, "action", actions[i]), "entry %zu: action", i);
        EXPECT(&e, json_string_is(item, "entity", "agreement"), "entry %zu: entity", i);
        EXPECT(&e, json_string_is(item, "entity_id", id_text), "entry %zu: entity_id", i);
        EXPECT(&e, json_string_is(item, "key.name", key_name[keys[i]]), "entry %zu: key %s, wanted %s", i,
               json_string_value(json_at(item, "key.name")) ? json_string_value(json_at(item, "key.name")) : "?",
               key_name[keys[i]]);
        if (statuses_after[i] != NULL)
            EXPECT(&e, json_string_is(item, "after.status", statuses_after[i]), "entry %zu: after.status", i);
        else
            EXPECT(&e, json_is_null(json_object_get(item, "after")), "entry %zu: the delete has an after", i);
        if (i + 1 < 5)
            EXPECT(&e, json_equal(json_object_get(item, "before"), json_object_get(json_array_get(items, i + 1), "after")),
                   "entry %zu's before is not entry %zu's after", i, i + 1);
    }
    EXPECT(&e, json_is_null(json_object_get(json_array_get(items, 4), "before")), "the create has a before");
    EXPECT(&e, json_is_text(json_array_get(items, 3), "after.title", "'TA @W@ historik 2'"),
           "entry 3: after.title is not the patched title");
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- delete ------------------------------------------------------------------ */

static void test_only_drafts_are_deleted(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64];
    (void)state;

    long long id = create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ radera'}", &r);
    if (!expect_written(&e, &r, 201, "an agreement to delete"))
        goto done;
    agreement_path(id, path);

    char *before = db_state();
    send_as("DELETE", path, auth[ADMIN], NULL, NULL, &r);
    expect_problem(&e, &r, 428, "/problems/precondition-required", NULL, "DELETE without If-Match");
    send_as("DELETE", path, auth[ADMIN], "\"0123456789abcdef0123456789abcdef\"", NULL, &r);
    expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, "DELETE with a stale ETag");
    write_as("DELETE", id, "", NOBODY, NULL, &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "DELETE without a key");
    write_as("DELETE", id, "", KEY_X, NULL, &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "DELETE by a non-party");
    write_as("DELETE", id, "", KEY_P, NULL, &r);
    expect_problem(&e, &r, 403, "/problems/forbidden", NULL, "DELETE with a provider key");
    expect_unchanged(&e, db_state, before, "refused deletes of a draft");
    free(before);

    transition(id, "föreslagen", ADMIN, &r);
    expect_written(&e, &r, 200, "propose it");
    before = db_state();
    write_as("DELETE", id, "", ADMIN, NULL, &r);
    expect_problem(&e, &r, 409, "/problems/wrong-state", NULL, "DELETE of a proposal by admin");
    write_as("DELETE", id, "", KEY_A, NULL, &r);
    expect_problem(&e, &r, 409, "/problems/wrong-state", NULL, "DELETE of a proposal by a party");
    expect_unchanged(&e, db_state, before, "refused deletes of a proposal");
    free(before);

    transition(id, "utkast", ADMIN, &r);
    expect_written(&e, &r, 200, "withdraw it");
    long long audits = audit_count(id);
    write_as("DELETE", id, "", KEY_A, NULL, &r);
    expect_written(&e, &r, 204, "DELETE of a draft by a party");
    EXPECT(&e, audit_count(id) == audits + 1, "the delete is in the audit trail");
    get_as(path, ADMIN, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "the deleted draft");
    send_as("DELETE", path, auth[ADMIN], "\"x\"", NULL, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "a second DELETE");
    send_as("DELETE", "/v1/agreements/abc", auth[ADMIN], "\"x\"", NULL, &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "DELETE /v1/agreements/abc");
    const char *params[] = { path + strlen("/v1/agreements/") };
    char *left = db_text("SELECT count(*) FROM agreement_parties WHERE agreement_id = $1::bigint", 1, params);
    EXPECT(&e, left && strcmp(left, "0") == 0, "the deleted agreement's parties are gone (%s left)", left ? left : "?");
    free(left);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* ---- writes: preconditions, keys, bodies ---------------------------------------------- */

static void test_write_preconditions_and_bodies(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[64], label[200], body[TEXT_MAX];
    (void)state;

    long long id = create_as(ADMIN, BASE_FAST, "{'title': 'TA @W@ skrivningar'}", &r);
    if (!expect_written(&e, &r, 201, "an agreement to write"))
        goto done;
    agreement_path(id, path);

    char *before = db_state();
    send_as("PATCH", path, auth[ADMIN], NULL, "{\"title\": \"TA utan If-Match\"}", &r);
    expect_problem(&e, &r, 428, "/problems/precondition-required", NULL, "PATCH without If-Match");
    send_as("PATCH", path, auth[ADMIN], "\"0123456789abcdef0123456789abcdef\"", "{\"title\": \"TA gammal\"}", &r);
    expect_problem(&e, &r, 412, "/problems/precondition-failed", NULL, "PATCH with a stale ETag");
    expand(BASE_FAST, body, sizeof(body));
    send_as("PUT", path, auth[ADMIN], NULL, body, &r);
    expect_problem(&e, &r, 428, "/problems/precondition-required", NULL, "PUT without If-Match");
    write_as("PATCH", id, "", NOBODY, "{'title': 'TA utan nyckel'}", &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "PATCH without a key");
    char etag[ETAG_MAX];
    agreement_etag(id, etag);
    send_as("PATCH", path, "Bearer ik_1_not-a-secret", etag, "{\"title\": \"TA fel nyckel\"}", &r);
    expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, "PATCH with a wrong key");
    send_as("PATCH", "/v1/agreements/999999999999", auth[ADMIN], "\"x\"", "{\"title\": \"TA ingen\"}", &r);
    expect_problem(&e, &r, 404, "/problems/not-found", NULL, "PATCH of an agreement that does not exist");
    expect_unchanged(&e, db_state, before, "refused writes");
    free(before);

    static const struct { const char *body; long status; const char *type; const char *field; } patches[] = {
        { "{'valid_to': '2020-01-01'}", INVALID_BODY, "valid_to" },
        { "{'parties': 5}", INVALID_BODY, "parties" },
        { "{'parties': [" PA ", {'municipality': '0380', 'role': 'beställare', 'share_percent': 99.99}]}",
          INVALID_BODY, "parties" },
        { "{'methods': ['ta-ingen-metod-@W@']}", UNRESOLVED, "methods[0]" },
        { "{'methods': null}", INVALID_BODY, "methods" },
        { "{'compensation_model': 'per ärende', 'per_case_sek': 900}", INVALID_BODY, "yearly_amount_sek" },
        { "{'includes_public_authority': true}", INVALID_BODY, "delegation" },
        { "{'title': null}", INVALID_BODY, "title" },
        { "{'status': 'aktiv'}", INVALID_BODY, "status" },
        { "{'parties': [" PA ", {'municipality': '0999', 'role': 'beställare', 'share_percent': 100}]}",
          UNRESOLVED, "parties[1].municipality" },
        { "[1]", INVALID_BODY, NULL },
        { "{'title': ", INVALID_BODY, NULL },
    };
    for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
        snprintf(label, sizeof(label), "PATCH %s", patches[i].body);
        before = db_state();
        write_as("PATCH", id, "", ADMIN, patches[i].body, &r);
        expect_problem(&e, &r, patches[i].status, patches[i].type, patches[i].field, label);
        expect_unchanged(&e, db_state, before, label);
        free(before);
    }

    char etag_before[ETAG_MAX];
    agreement_etag(id, etag_before);
    write_as("PATCH", id, "", ADMIN, "{'title': 'TA @W@ ändrad', 'compensation_model': 'lika delar', "
             "'parties': [" PA ", " PB ", " PC "]}", &r);
    if (expect_written(&e, &r, 200, "PATCH to equal shares")) {
        EXPECT(&e, json_is_text(r.json, "parties.1.share_percent", "50"), "equal shares: %.600s", r.body);
        EXPECT(&e, http_header(&r, "ETag") == NULL || strcmp(http_header(&r, "ETag"), etag_before) != 0,
               "the ETag changed");
    }
    agreement_etag(id, etag);
    expand(BASE_FAST, body, sizeof(body));
    send_as("PUT", path, auth[ADMIN], etag, body, &r);
    if (expect_written(&e, &r, 200, "PUT back to a fixed fee"))
        EXPECT(&e, json_is_text(r.json, "compensation.model", "'fast årsavgift'"), "PUT: %.300s", r.body);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* A method or intervention type an agreement covers cannot be deleted from under it, and says why. */
static void test_covered_scope_cannot_be_deleted(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH], id_text[24];
    (void)state;

    long long id = create_as(ADMIN, BASE_EQUAL, "{'title': 'TA @W@ omfattning', 'methods': ['@M2@']}", &r);
    if (!expect_written(&e, &r, 201, "an agreement covering M2"))
        goto done;
    snprintf(id_text, sizeof(id_text), "%lld", id);
    snprintf(path, sizeof(path), "/v1/methods/%s", method_m2);
    char etag[ETAG_MAX] = "\"none\"";
    get_as(path, NOBODY, &r);
    if (http_header(&r, "ETag"))
        snprintf(etag, sizeof(etag), "%s", http_header(&r, "ETag"));
    char *before = db_state();
    send_as("DELETE", path, auth[ADMIN], etag, NULL, &r);
    if (expect_problem(&e, &r, 409, "/problems/still-referenced", NULL, "DELETE of a method an agreement covers")) {
        bool named = false;
        size_t i;
        json_t *referrer;
        json_array_foreach(json_object_get(r.json, "referrers"), i, referrer)
            named = named || (json_string_is(referrer, "entity", "agreement") && json_string_is(referrer, "id", id_text));
        EXPECT(&e, named, "the referrers do not name agreement %s: %.500s", id_text, r.body);
    }
    expect_unchanged(&e, db_state, before, "DELETE of a covered method");
    free(before);
done:
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_agreements_are_created),
        cmocka_unit_test(test_shares_with_three_decimals),
        cmocka_unit_test(test_invalid_agreements_are_refused),
        cmocka_unit_test(test_population_split_uses_the_municipality_figure),
        cmocka_unit_test(test_lifecycle_transitions),
        cmocka_unit_test(test_decision_gate),
        cmocka_unit_test(test_transition_requests_are_validated),
        cmocka_unit_test(test_draft_visibility),
        cmocka_unit_test(test_party_rules),
        cmocka_unit_test(test_concurrent_decisions_are_not_lost),
        cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_only_drafts_are_deleted),
        cmocka_unit_test(test_write_preconditions_and_bodies),
        cmocka_unit_test(test_covered_scope_cannot_be_deleted),
    };
    return cmocka_run_group_tests_name("agreements", tests, setup_group, teardown_group);
}
