/*
 * tests/api/support_agreements.c: the world and helpers the agreement test
 * files share (see support_agreements.h).
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
#include "support_agreements.h"

const char *const agreements_who_label[WHO_COUNT] = {
    [NOBODY] = "no key", [ADMIN] = "admin", [KEY_A] = "0381's key", [KEY_B] = "0380's key",
    [KEY_C] = "0360's key", [KEY_X] = "0580's key (no party)", [KEY_P] = "a provider key",
};

char agreements_auth[WHO_COUNT][300];       /* "Bearer ..." */
char agreements_key_name[WHO_COUNT][100];   /* the key's name, for the history */
static bool key_made_here[WHO_COUNT];   /* revoked in the teardown */

const char *agreements_auth_of(enum who w)
{
    return w == NOBODY ? NULL : agreements_auth[w];
}

/* ---- state shared by the tests ------------------------------------------- */

static char tag[16];                     /* hex, unique to the run: slugs and key names */
static char word[16];                    /* letters, unique to the run: in titles */
static char method_m[64], type_t[64];
char agreements_method_m2[64];             /* the second method's slug */
char agreements_null_population_code[8];     /* a municipality without a population figure */
char agreements_figure_code[8];              /* one whose figure the population test uses */
bool agreements_figure_set_here;             /* the test set it (and must clear it) */
static char *saved_population;           /* "population,year" of null_population_code, when setup cleared it */

static long long created_ids[CREATED_MAX];
static size_t created_count;

/* ---- templates ------------------------------------------------------------ */

/*
 * Bodies are written as templates: ' stands for ", and @M@, @M2@, @T@, @W@,
 * @N@ and @F@ for the run's method, second method, intervention type, word,
 * a municipality without a population figure and one with a figure.
 */
void agreements_expand(const char *template, char *out, size_t size)
{
    size_t used = 0;

    for (const char *p = template; *p != '\0' && used + 1 < size;) {
        static const struct { const char *token; const char *value; } tokens[] = {
            { "@M2@", agreements_method_m2 }, { "@M@", method_m }, { "@T@", type_t }, { "@W@", word },
            { "@N@", agreements_null_population_code }, { "@F@", agreements_figure_code },
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

json_t *agreements_json_from(const char *template)
{
    char text[TEXT_MAX];
    json_error_t error;
    json_t *value;

    agreements_expand(template, text, sizeof(text));
    if ((value = json_loads(text, JSON_DECODE_ANY, &error)) == NULL)
        fprintf(stderr, "# a template does not parse: %s: %s\n", error.text, text);
    return value;
}

/* The base with the overlay's members put over it (null removes a member). */
json_t *agreements_body_of(const char *base, const char *overlay)
{
    json_t *body = agreements_json_from(base);
    const char *name;
    json_t *value;

    if (body != NULL && overlay != NULL) {
        json_t *extra = agreements_json_from(overlay);
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

/* ---- requests ------------------------------------------------------------ */

/* A request with Authorization (NULL: none), a JSON body (NULL: none) and If-Match (NULL: none). */
int agreements_send_as(const char *method, const char *path, const char *authorization, const char *if_match,
                   const char *body, struct http_response *r)
{
    http_response_free(r);
    return request_as(method, path, authorization,
                      strcmp(method, "PATCH") == 0 ? "application/merge-patch+json" : "application/json", if_match,
                      body, r);
}

int agreements_get_as(const char *path, enum who w, struct http_response *r)
{
    return agreements_send_as("GET", path, agreements_auth_of(w), NULL, NULL, r);
}

void agreements_agreement_path(long long id, char out[64])
{
    snprintf(out, 64, "/v1/agreements/%lld", id);
}

/* The ETag admin's GET of the agreement gives now; "\"none\"" and false when there is none. */
bool agreements_agreement_etag(long long id, char out[ETAG_MAX])
{
    struct http_response r = { 0 };
    char path[64];
    const char *etag;
    bool ok;

    agreements_agreement_path(id, path);
    agreements_get_as(path, ADMIN, &r);
    etag = http_header(&r, "ETag");
    ok = r.status == 200 && etag != NULL && strlen(etag) < ETAG_MAX;
    snprintf(out, ETAG_MAX, "%s", ok ? etag : "\"none\"");
    http_response_free(&r);
    return ok;
}

/* The agreement as admin sees it (a new reference), or NULL. */
json_t *agreements_agreement_doc(long long id)
{
    struct http_response r = { 0 };
    char path[64];
    json_t *doc = NULL;

    agreements_agreement_path(id, path);
    agreements_get_as(path, ADMIN, &r);
    if (r.status == 200 && r.json != NULL)
        doc = json_incref(r.json);
    http_response_free(&r);
    return doc;
}

/*
 * METHOD /v1/agreements/<id><suffix> as w with the agreement's current ETag,
 * so only the key or the body can be the problem; template is expanded (NULL: no body).
 */
int agreements_write_as(const char *method, long long id, const char *suffix, enum who w, const char *template,
                    struct http_response *r)
{
    char etag[ETAG_MAX], path[PATH_MAX_LENGTH], body[TEXT_MAX];

    agreements_agreement_etag(id, etag);
    snprintf(path, sizeof(path), "/v1/agreements/%lld%s", id, suffix);
    if (template != NULL)
        agreements_expand(template, body, sizeof(body));
    return agreements_send_as(method, path, agreements_auth_of(w), etag, template ? body : NULL, r);
}

int agreements_transition(long long id, const char *to, enum who w, struct http_response *r)
{
    char body[100];
    snprintf(body, sizeof(body), "{'to': '%s'}", to);
    return agreements_write_as("POST", id, "/transitions", w, body, r);
}

void agreements_remember(long long id)
{
    if (created_count < CREATED_MAX)
        created_ids[created_count++] = id;
}

/* POSTs base+overlay as w; on 201 remembers the agreement and returns its id, else -1. */
long long agreements_create_as(enum who w, const char *base, const char *overlay, struct http_response *r)
{
    json_t *body = agreements_body_of(base, overlay);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    long long id = -1;

    agreements_send_as("POST", "/v1/agreements", agreements_auth_of(w), NULL, text ? text : "{}", r);
    free(text);
    json_decref(body);
    if (r->status == 201 && json_is_integer(json_at(r->json, "id"))) {
        id = json_integer_value(json_at(r->json, "id"));
        agreements_remember(id);
    }
    return id;
}

/* ---- the database -------------------------------------------------------- */

/* A fingerprint of everything an agreement write can change: rows, and their content. */
char *agreements_db_state(void)
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

long long agreements_audit_count(long long id)
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
bool agreements_json_is_text(const json_t *object, const char *dotted_path, const char *template)
{
    json_t *expected = agreements_json_from(template);
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
bool agreements_json_is_set(const json_t *object, const char *dotted_path, const char *template)
{
    json_t *expected = agreements_json_from(template);
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
bool agreements_expect_written(struct expectations *e, const struct http_response *r, long status, const char *label)
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
json_t *agreements_party_of(const json_t *doc, const char *code)
{
    size_t i;
    json_t *party;
    json_array_foreach(json_object_get(doc, "parties"), i, party)
        if (json_string_is(party, "municipality", code))
            return party;
    return NULL;
}

/* GETs path as w and every "next" link after it, appending the items; returns pages read or -1. */
int agreements_walk_as(struct expectations *e, const char *path, enum who w, json_t *items, const char *label)
{
    struct http_response r = { 0 };
    char next[PATH_MAX_LENGTH];
    int pages = 0;

    snprintf(next, sizeof(next), "%s", path);
    while (pages < 200) {
        agreements_get_as(next, w, &r);
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

bool agreements_items_hold(const json_t *items, long long id)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
        if (json_integer_value(json_object_get(item, "id")) == id)
            return true;
    return false;
}

/* Whether the list at path, as w, holds the agreement (listed) or not. */
bool agreements_expect_listed(struct expectations *e, const char *path, enum who w, long long id, bool listed,
                          const char *label)
{
    json_t *items = json_array();
    bool ok = agreements_walk_as(e, path, w, items, label) >= 0;
    ok = ok && EXPECT(e, agreements_items_hold(items, id) == listed, "%s: agreement %lld %s listed for %s", label, id,
                      listed ? "is not" : "is", agreements_who_label[w]);
    json_decref(items);
    return ok;
}

/* ---- setup --------------------------------------------------------------- */

static long post_admin(const char *path, json_t *body)
{
    struct http_response r = { 0 };
    char *text = json_dumps(body, JSON_COMPACT);
    long status;

    agreements_send_as("POST", path, agreements_auth[ADMIN], NULL, text, &r);
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

    agreements_get_as(path, ADMIN, &r);
    if (r.status == 404) {
        http_response_free(&r);
        return 404;
    }
    etag = http_header(&r, "ETag");
    char copy[ETAG_MAX];
    snprintf(copy, sizeof(copy), "%s", etag ? etag : "\"none\"");
    agreements_send_as("DELETE", path, agreements_auth[ADMIN], copy, NULL, &r);
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

int agreements_setup_group(void **state)
{
    (void)state;

    if (!fixtures_open_environment(agreements_auth[ADMIN], sizeof(agreements_auth[ADMIN]), agreements_auth[KEY_A],
                                   sizeof(agreements_auth[KEY_A])))
        return -1;
    const char *admin = getenv("ADMIN_KEY");
    const char *municipality = getenv("MUNICIPALITY_KEY");
    key_name_of(admin, agreements_key_name[ADMIN], sizeof(agreements_key_name[ADMIN]));
    key_name_of(municipality, agreements_key_name[KEY_A], sizeof(agreements_key_name[KEY_A]));
    char *scope = db_text("SELECT scope FROM api_keys WHERE name = $1", 1, (const char *const[]){ agreements_key_name[KEY_A] });
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
    snprintf(agreements_null_population_code, sizeof(agreements_null_population_code), "%s", code ? code : "0382");
    if (code == NULL) {
        /* Every municipality has its figure (load-population): clear one for the run, restored in the teardown. */
        const char *params[] = { agreements_null_population_code };
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
        snprintf(agreements_key_name[w], sizeof(agreements_key_name[w]), "ta-%s-%zu", tag, i);
        if (!make_key(agreements_key_name[w], keys[i].scope, agreements_auth[w], sizeof(agreements_auth[w])))
            return -1;
        key_made_here[w] = true;
    }

    snprintf(type_t, sizeof(type_t), "ta-typ-%s", tag);
    snprintf(method_m, sizeof(method_m), "ta-m-%s", tag);
    snprintf(agreements_method_m2, sizeof(agreements_method_m2), "ta-m2-%s", tag);
    if (post_admin("/v1/intervention-types", json_pack("{s:s, s:s, s:s}", "slug", type_t, "name_sv",
                                                       "TA-insatstyp", "name_en", "TA intervention type")) != 201
        || post_admin("/v1/methods", method_body(method_m, type_t)) != 201
        || post_admin("/v1/methods", method_body(agreements_method_m2, "familjebehandling")) != 201)
        return -1;
    return 0;
}

int agreements_teardown_group(void **state)
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
    if (agreements_figure_set_here) {
        const char *params[] = { agreements_figure_code };
        db_command("UPDATE municipalities SET population = NULL, population_year = NULL WHERE code = $1", 1, params);
    }
    if (saved_population != NULL) {
        const char *params[] = { agreements_null_population_code, saved_population };
        db_command("UPDATE municipalities SET population = split_part($2, ',', 1)::integer, "
                   "population_year = split_part($2, ',', 2)::integer WHERE code = $1", 2, params);
        free(saved_population);
        saved_population = NULL;
    }
    const char *paths[] = { method_m, agreements_method_m2 };
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "/v1/methods/%s", paths[i]);
        if (delete_admin(path) != 204)   /* the setup made it, and no test deletes it */
            failed = -1;
    }
    snprintf(path, sizeof(path), "/v1/intervention-types/%s", type_t);
    if (delete_admin(path) != 204)
        failed = -1;
    for (int w = 0; w < WHO_COUNT; w++)
        if (key_made_here[w])
            revoke_key(agreements_key_name[w]);
    db_close();
    return failed;
}
