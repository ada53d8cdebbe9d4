/*
 * tests/api/test_auth.c: who may write, against the real server.
 *
 * Writes and the audit trail need "Authorization: Bearer <key>" with the
 * admin scope: 401 (with WWW-Authenticate: Bearer) for a missing, malformed,
 * unknown, revoked or expired key, with one and the same answer for every key
 * that is not accepted, so a client cannot tell which; 403 for a valid key
 * without the scope. A refused request changes nothing: each row compares a
 * fingerprint of the database before and after (libpq, $DATABASE_URL).
 *
 * Every test is a table: a new hostile Authorization header is a new row.
 * Environment: BASE_URL, DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY, EXPIRED_KEY, REVOKED_KEY.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "fixtures.h"
#include "http_client.h"

#define SLUG_MAX 80
#define PATH_MAX_LENGTH 256
#define LABEL_MAX 1024
#define VALUE_MAX 400

static char tag[24];
static const char *admin_key, *municipality_key, *expired_key, *revoked_key;

/* ---- the records every row targets ---------------------------------------- */

enum resource_id { KS, TYPE, REC, METHOD, INSTRUMENT, MATERIAL, RESOURCE_COUNT };

static const char *const collections[RESOURCE_COUNT] = {
    [KS] = "/v1/knowledge-supports", [TYPE] = "/v1/intervention-types", [REC] = "/v1/recommendations",
    [METHOD] = "/v1/methods", [INSTRUMENT] = "/v1/assessment-instruments", [MATERIAL] = "/v1/materials",
};
static const char *const short_names[RESOURCE_COUNT] = {
    [KS] = "ks", [TYPE] = "type", [REC] = "rec", [METHOD] = "method", [INSTRUMENT] = "ai", [MATERIAL] = "mat",
};
static char fixture[RESOURCE_COUNT][SLUG_MAX];

static json_t *valid_body(enum resource_id id, const char *slug)
{
    switch (id) {
    case KS:
        return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:i}", "slug", slug, "title", "TW-behörighetsstöd",
                         "publisher", "TW", "published_year", 2024, "target_group", "Barn", "age_min", 0, "age_max",
                         18);
    case TYPE:
        return json_pack("{s:s, s:s, s:s}", "slug", slug, "name_sv", "TW-behörighetstyp", "name_en", "TW auth type");
    case REC:
        return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s}", "slug", slug, "knowledge_support", fixture[KS],
                         "intervention_type", fixture[TYPE], "target_group", "Barn", "age_min", 6, "age_max", 11,
                         "strength", "kan", "statement", "TW kan erbjudas.");
    case METHOD:
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s}", "slug", slug, "abbreviation", "TWB",
                         "name_sv", "TW-behörighetsmetoden", "name_en", "TW auth method", "intervention_type",
                         fixture[TYPE], "age_min", 6, "age_max", 12, "format", "Grupp", "availability", "planerad");
    case INSTRUMENT:
        return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "slug", slug, "abbreviation", "TWB", "name",
                         "TW-behörighetsinstrumentet", "assesses", "Risk", "age_min", 12, "age_max", 17);
    case MATERIAL:
        return json_pack("{s:s, s:s, s:s, s:[s], s:s, s:s}", "slug", slug, "knowledge_support", fixture[KS], "title",
                         "TW-behörighetsfilm", "kinds", "film", "audience", "Alla", "publisher", "TW");
    case RESOURCE_COUNT:
        break;
    }
    return NULL;
}

/* ---- requests ------------------------------------------------------------ */

static void bearer(const char *key, char out[VALUE_MAX])
{
    snprintf(out, VALUE_MAX, "Bearer %s", key);
}

/* ---- the database -------------------------------------------------------- */

/* Row counts and newest updated_at of every writable table, and the size of the audit trail. */
static char *db_state(void)
{
    static const char *const tables[] = { "knowledge_supports", "intervention_types", "recommendations", "methods",
                                          "assessment_instruments", "materials", NULL };
    return db_fingerprint(tables);
}

/* ---- setup --------------------------------------------------------------- */

static int setup_group(void **state)
{
    const char *url = getenv("DATABASE_URL");
    struct http_response r = { 0 };
    char auth[VALUE_MAX];
    (void)state;

    admin_key = getenv("ADMIN_KEY");
    municipality_key = getenv("MUNICIPALITY_KEY");
    expired_key = getenv("EXPIRED_KEY");
    revoked_key = getenv("REVOKED_KEY");
    if (url == NULL || admin_key == NULL || municipality_key == NULL || expired_key == NULL || revoked_key == NULL) {
        fprintf(stderr, "# DATABASE_URL, ADMIN_KEY, MUNICIPALITY_KEY, EXPIRED_KEY and REVOKED_KEY must be set\n");
        return -1;
    }
    if (!db_open(url))
        return -1;
    run_tag(tag, sizeof(tag));
    bearer(admin_key, auth);
    static const enum resource_id order[] = { TYPE, KS, METHOD, REC, INSTRUMENT, MATERIAL };
    for (size_t i = 0; i < RESOURCE_COUNT; i++) {
        enum resource_id id = order[i];
        snprintf(fixture[id], SLUG_MAX, "tw-auth-%s-%s", short_names[id], tag);
        json_t *json = valid_body(id, fixture[id]);
        char *body = json_dumps(json, JSON_COMPACT);
        json_decref(json);
        request_as("POST", collections[id], auth, "application/json", NULL, body, &r);
        free(body);
        if (r.status != 201) {
            fprintf(stderr, "# creating %s failed: %ld %.300s\n", fixture[id], r.status, r.body);
            http_response_free(&r);
            return -1;
        }
    }
    http_response_free(&r);
    return 0;
}

static int teardown_group(void **state)
{
    static const enum resource_id order[] = { MATERIAL, INSTRUMENT, REC, METHOD, KS, TYPE };
    char path[PATH_MAX_LENGTH], auth[VALUE_MAX];
    int failed = 0;
    (void)state;

    bearer(admin_key, auth);
    for (size_t i = 0; i < RESOURCE_COUNT; i++) {
        if (fixture[order[i]][0] == '\0')
            continue;
        snprintf(path, sizeof(path), "%s/%s", collections[order[i]], fixture[order[i]]);
        long status = delete_if_present(path, auth);
        if (status != 204 && status != 404) {
            fprintf(stderr, "# deleting %s failed: %ld\n", path, status);
            failed = -1;
        }
    }
    db_close();
    return failed;
}

/* ---- the Authorization headers ------------------------------------------ */

enum refusal {
    NO_HEADER,       /* 401: no Authorization at all */
    MALFORMED,       /* 401: not "Bearer <something>" */
    NOT_ACCEPTED,    /* 401: a Bearer value that is no usable key; one answer for all of them */
    FORBIDDEN,       /* 403: a valid key without the admin scope */
};

struct auth_row {
    const char *label;
    char value[VALUE_MAX];   /* the Authorization header's value; unused for NO_HEADER */
    enum refusal refusal;
    const char *secret;      /* a secret the answer must not echo, or NULL */
};

/* The key's secret: what follows "ik_<id>_". */
static const char *secret_of(const char *key)
{
    const char *underscore = strchr(key + 3, '_');
    return underscore ? underscore + 1 : key;
}

/* Builds the rows; returns how many. */
static size_t auth_rows(struct auth_row *rows, size_t max)
{
    static const char secret43[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const char *admin_secret = secret_of(admin_key);
    char flipped[VALUE_MAX];
    size_t n = 0;

    snprintf(flipped, sizeof(flipped), "%s", admin_key);
    flipped[strlen(flipped) - 1] = flipped[strlen(flipped) - 1] == 'A' ? 'B' : 'A';

#define ROW(LABEL, REFUSAL, SECRET, ...)                                                                       \
    do {                                                                                                     \
        if (n < max) {                                                                                       \
            rows[n].label = LABEL;                                                                           \
            rows[n].refusal = REFUSAL;                                                                       \
            rows[n].secret = SECRET;                                                                         \
            snprintf(rows[n].value, VALUE_MAX, __VA_ARGS__);                                                 \
            n++;                                                                                             \
        }                                                                                                    \
    } while (0)
    ROW("no Authorization header", NO_HEADER, NULL, "%s", "");
    ROW("Basic credentials", MALFORMED, NULL, "%s", "Basic x");
    ROW("Basic credentials of a user and password", MALFORMED, NULL, "%s", "Basic dXNlcjpwYXNzd29yZA==");
    ROW("Basic with the admin key", MALFORMED, admin_secret, "Basic %s", admin_key);
    ROW("the scheme alone", MALFORMED, NULL, "%s", "Bearer");
    ROW("another scheme", MALFORMED, admin_secret, "Token %s", admin_key);
    ROW("the key without a scheme", MALFORMED, admin_secret, "%s", admin_key);
    ROW("a garbage key", NOT_ACCEPTED, NULL, "%s", "Bearer garbage");
    ROW("an unknown key id", NOT_ACCEPTED, NULL, "Bearer ik_999999_%s", secret43);
    ROW("key id 0", NOT_ACCEPTED, NULL, "Bearer ik_0_%s", secret43);
    ROW("a negative key id", NOT_ACCEPTED, NULL, "Bearer ik_-1_%s", secret43);
    ROW("a key id beyond 64 bits", NOT_ACCEPTED, NULL, "Bearer ik_99999999999999999999999_%s", secret43);
    ROW("the expired key", NOT_ACCEPTED, secret_of(expired_key), "Bearer %s", expired_key);
    ROW("the revoked key", NOT_ACCEPTED, secret_of(revoked_key), "Bearer %s", revoked_key);
    ROW("the admin key with one character changed", NOT_ACCEPTED, NULL, "Bearer %s", flipped);
    ROW("the admin key with a character added", NOT_ACCEPTED, admin_secret, "Bearer %sA", admin_key);
    ROW("the admin key cut short", NOT_ACCEPTED, NULL, "Bearer %.*s", (int)strlen(admin_key) - 1, admin_key);
    ROW("the admin secret under the municipality key's id", NOT_ACCEPTED, admin_secret, "Bearer ik_%lld_%s",
        key_id_of(municipality_key), admin_secret);
    ROW("the admin id with an empty secret", NOT_ACCEPTED, NULL, "Bearer ik_%lld_", key_id_of(admin_key));
    ROW("the admin id alone", NOT_ACCEPTED, NULL, "Bearer ik_%lld", key_id_of(admin_key));
    ROW("the admin secret alone", NOT_ACCEPTED, admin_secret, "Bearer %s", admin_secret);
    ROW("the admin key with a quote", NOT_ACCEPTED, admin_secret, "Bearer %s'", admin_key);
    ROW("the municipality key", FORBIDDEN, NULL, "Bearer %s", municipality_key);
#undef ROW
    return n;
}

/* ---- the endpoints ------------------------------------------------------- */

struct endpoint {
    const char *method;
    char path[PATH_MAX_LENGTH];
    const char *content_type;
    char if_match[ETAG_MAX];   /* "" for none */
    char *body;                /* NULL for none */
};

/* Every write route of resource id, each with a request that an admin key would get through. */
static size_t write_endpoints(enum resource_id id, struct endpoint *out)
{
    char slug[SLUG_MAX];
    size_t n = 0;
    json_t *json;

    snprintf(slug, sizeof(slug), "tw-auth-new-%s-%s", short_names[id], tag);
    out[n] = (struct endpoint){ .method = "POST", .content_type = "application/json" };
    snprintf(out[n].path, PATH_MAX_LENGTH, "%s", collections[id]);
    json = valid_body(id, slug);
    out[n++].body = json_dumps(json, JSON_COMPACT);
    json_decref(json);

    static const char *const methods[] = { "PUT", "PATCH", "DELETE" };
    for (size_t m = 0; m < 3; m++) {
        out[n] = (struct endpoint){ .method = methods[m] };
        snprintf(out[n].path, PATH_MAX_LENGTH, "%.60s/%.79s", collections[id], fixture[id]);
        current_etag(out[n].path, NULL, out[n].if_match);
        if (m == 0) {
            out[n].content_type = "application/json";
            json = valid_body(id, fixture[id]);
            out[n].body = json_dumps(json, JSON_COMPACT);
            json_decref(json);
        } else if (m == 1) {
            out[n].content_type = "application/merge-patch+json";
            out[n].body = strdup("{}");
        }
        n++;
    }
    return n;
}

/* GET routes that need the admin scope. */
static size_t read_endpoints(struct endpoint *out)
{
    size_t n = 0;

    out[n] = (struct endpoint){ .method = "GET" };
    snprintf(out[n++].path, PATH_MAX_LENGTH, "/v1/audit");
    out[n] = (struct endpoint){ .method = "GET" };
    snprintf(out[n++].path, PATH_MAX_LENGTH, "/v1/audit?entity=method&limit=1");
    for (enum resource_id id = 0; id < RESOURCE_COUNT; id++) {
        out[n] = (struct endpoint){ .method = "GET" };
        snprintf(out[n++].path, PATH_MAX_LENGTH, "%.60s/%.79s/history", collections[id], fixture[id]);
    }
    return n;
}

static void free_endpoints(struct endpoint *endpoints, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(endpoints[i].body);
}

/* Sends one endpoint's request with one row's Authorization and checks the refusal. */
static void check_refusal(struct expectations *e, const struct auth_row *row, const struct endpoint *endpoint,
                          char **not_accepted_body)
{
    struct http_response r = { 0 };
    char label[LABEL_MAX];
    char *before = db_state();

    snprintf(label, sizeof(label), "%s %s with %s", endpoint->method, endpoint->path, row->label);
    request_as(endpoint->method, endpoint->path, row->refusal == NO_HEADER ? NULL : row->value,
               endpoint->content_type, endpoint->if_match[0] ? endpoint->if_match : NULL, endpoint->body, &r);
    if (row->refusal == FORBIDDEN) {
        expect_problem(e, &r, 403, "/problems/forbidden", NULL, label);
    } else if (expect_problem(e, &r, 401, "/problems/unauthorized", NULL, label)) {
        const char *challenge = http_header(&r, "WWW-Authenticate");
        EXPECT(e, challenge != NULL && strncasecmp(challenge, "Bearer", 6) == 0,
               "%s: WWW-Authenticate is %s, wanted a Bearer challenge", label, challenge ? challenge : "(none)");
        /* Every key that is not accepted gets the same answer, whatever the reason. */
        if (row->refusal == NOT_ACCEPTED) {
            if (*not_accepted_body == NULL)
                *not_accepted_body = strdup(r.body);
            else
                EXPECT(e, strcmp(*not_accepted_body, r.body) == 0, "%s: answer %s differs from %s", label, r.body,
                       *not_accepted_body);
        }
    }
    if (row->secret != NULL && row->secret[0] != '\0')
        EXPECT(e, strstr(r.body, row->secret) == NULL, "%s: the answer echoes the key's secret", label);
    EXPECT(e, http_header(&r, "ETag") == NULL, "%s: a refusal carries an ETag", label);
    expect_unchanged(e, db_state, before, label);
    free(before);
    http_response_free(&r);
}

/* 401 and 403 for every write route of every resource, for every kind of bad Authorization. */
static void test_writes_need_an_admin_key(void **state)
{
    struct expectations e = { 0 };
    struct auth_row rows[40];
    size_t row_count = auth_rows(rows, 40);
    char *not_accepted_body = NULL;
    (void)state;

    for (enum resource_id id = 0; id < RESOURCE_COUNT; id++) {
        struct endpoint endpoints[4];
        size_t count = write_endpoints(id, endpoints);
        for (size_t i = 0; i < row_count; i++)
            for (size_t j = 0; j < count; j++)
                check_refusal(&e, &rows[i], &endpoints[j], &not_accepted_body);
        free_endpoints(endpoints, count);
    }
    free(not_accepted_body);
    assert_int_equal(e.failed, 0);
}

/* The audit trail and every history need the admin scope too. */
static void test_audit_reads_need_an_admin_key(void **state)
{
    struct expectations e = { 0 };
    struct auth_row rows[40];
    size_t row_count = auth_rows(rows, 40);
    struct endpoint endpoints[RESOURCE_COUNT + 2];
    size_t count = read_endpoints(endpoints);
    char *not_accepted_body = NULL;
    (void)state;

    for (size_t i = 0; i < row_count; i++)
        for (size_t j = 0; j < count; j++)
            check_refusal(&e, &rows[i], &endpoints[j], &not_accepted_body);
    free_endpoints(endpoints, count);
    free(not_accepted_body);
    assert_int_equal(e.failed, 0);
}

/* The scheme is case-insensitive (RFC 9110 11.1); a good key gets through however it is spelled. */
static void test_admin_key_is_accepted(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char value[VALUE_MAX], path[PATH_MAX_LENGTH], label[LABEL_MAX];
    static const char *const schemes[] = { "Bearer", "bearer", "BEARER", "bEaReR" };
    (void)state;

    snprintf(path, sizeof(path), "%s/%s/history", collections[METHOD], fixture[METHOD]);
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        snprintf(value, sizeof(value), "%s %s", schemes[i], admin_key);
        snprintf(label, sizeof(label), "GET /v1/audit with \"%s <admin key>\"", schemes[i]);
        request_as("GET", "/v1/audit?limit=1", value, NULL, NULL, NULL, &r);
        expect_json(&e, &r, 200, label);
        snprintf(label, sizeof(label), "GET %s with \"%s <admin key>\"", path, schemes[i]);
        request_as("GET", path, value, NULL, NULL, NULL, &r);
        expect_json(&e, &r, 200, label);
    }
    /* A write with the admin key, spelled in lower case, is audited under the key's name. */
    char etag[ETAG_MAX];
    snprintf(path, sizeof(path), "%s/%s", collections[METHOD], fixture[METHOD]);
    snprintf(value, sizeof(value), "bearer %s", admin_key);
    current_etag(path, NULL, etag);
    request_as("PATCH", path, value, "application/merge-patch+json", etag, "{\"format\": \"TW lower case\"}", &r);
    expect_json(&e, &r, 200, "PATCH with \"bearer <admin key>\"");
    char sql[300];
    snprintf(sql, sizeof(sql), "SELECT key_id || ' ' || key_name FROM audit_log WHERE entity = 'method' AND "
                               "entity_id = '%s' ORDER BY id DESC LIMIT 1", fixture[METHOD]);
    char *who = db_text(sql, 0, NULL);
    char wanted[200];
    snprintf(sql, sizeof(sql), "SELECT id || ' ' || name FROM api_keys WHERE id = %lld", key_id_of(admin_key));
    char *admin = db_text(sql, 0, NULL);
    snprintf(wanted, sizeof(wanted), "%s", admin ? admin : "?");
    EXPECT(&e, who != NULL && strcmp(who, wanted) == 0, "the write is audited as %s, wanted %s", who ? who : "-",
           wanted);
    free(who);
    free(admin);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Who may write is decided before anything else: a request without a good key learns nothing more. */
static void test_authorization_comes_first(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char fixture_path[PATH_MAX_LENGTH], missing_path[PATH_MAX_LENGTH], label[LABEL_MAX];
    char municipality[VALUE_MAX], garbage[VALUE_MAX], etag[ETAG_MAX];
    char *big = malloc(1024 * 1024 + 2);
    (void)state;

    assert_non_null(big);
    memset(big, ' ', 1024 * 1024 + 1);
    big[0] = '{';
    big[1024 * 1024] = '}';
    big[1024 * 1024 + 1] = '\0';
    snprintf(fixture_path, sizeof(fixture_path), "%s/%s", collections[METHOD], fixture[METHOD]);
    snprintf(missing_path, sizeof(missing_path), "%s/tw-auth-missing-%s", collections[METHOD], tag);
    bearer(municipality_key, municipality);
    snprintf(garbage, sizeof(garbage), "Bearer ik_999999_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    current_etag(fixture_path, NULL, etag);

    const struct {
        const char *label;
        const char *method;
        const char *path;
        const char *authorization;
        const char *content_type;
        const char *if_match;
        const char *body;
        long status;   /* what an admin would have got instead */
    } rows[] = {
        { "an invalid body", "POST", collections[METHOD], NULL, "application/json", NULL, "{\"slug\": 1}", 400 },
        { "a body that is not JSON", "POST", collections[METHOD], NULL, "application/json", NULL, "{", 400 },
        { "a text/plain body", "POST", collections[METHOD], NULL, "text/plain", NULL, "x", 415 },
        { "a body over 1 MiB", "POST", collections[METHOD], NULL, "application/json", NULL, big, 413 },
        { "no If-Match", "PATCH", fixture_path, NULL, "application/json", NULL, "{}", 428 },
        { "a stale If-Match", "DELETE", fixture_path, NULL, NULL, "\"stale\"", NULL, 412 },
        { "a missing record", "DELETE", missing_path, NULL, NULL, "*", NULL, 404 },
        { "a path that is not a slug", "PUT", "/v1/methods/Not_A_Slug", NULL, "application/json", "*", "{}", 404 },
        { "a taken slug", "POST", collections[TYPE], NULL, "application/json", NULL,
          "{\"slug\": \"familjebehandling\", \"name_sv\": \"x\", \"name_en\": \"x\"}", 409 },
        { "a still referenced record", "DELETE", "/v1/intervention-types/familjebehandling", NULL, NULL, "*", NULL,
          409 },
        { "an invalid body (unknown key)", "POST", collections[METHOD], garbage, "application/json", NULL,
          "{\"slug\": 1}", 400 },
        { "no If-Match (unknown key)", "PATCH", fixture_path, garbage, "application/json", NULL, "{}", 428 },
        { "a missing record (unknown key)", "DELETE", missing_path, garbage, NULL, "*", NULL, 404 },
        { "an invalid body (municipality key)", "POST", collections[METHOD], municipality, "application/json", NULL,
          "{\"slug\": 1}", 400 },
        { "a text/plain body (municipality key)", "POST", collections[METHOD], municipality, "text/plain", NULL, "x",
          415 },
        { "no If-Match (municipality key)", "PATCH", fixture_path, municipality, "application/json", NULL, "{}",
          428 },
        { "a stale If-Match (municipality key)", "PUT", fixture_path, municipality, "application/json",
          "\"stale\"", "{}", 412 },
        { "a missing record (municipality key)", "DELETE", missing_path, municipality, NULL, "*", NULL, 404 },
        { "a still referenced record (municipality key)", "DELETE", "/v1/intervention-types/familjebehandling",
          municipality, NULL, "*", NULL, 409 },
        { "a bad audit filter (municipality key)", "GET", "/v1/audit?entity=nonsense", municipality, NULL, NULL,
          NULL, 400 },
        { "a bad audit filter (no key)", "GET", "/v1/audit?limit=0", NULL, NULL, NULL, NULL, 400 },
        { "a bad history filter (no key)", "GET", "/v1/methods/fft/history?cursor=x", NULL, NULL, NULL, NULL, 400 },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *before = db_state();
        bool forbidden = rows[i].authorization == municipality;
        snprintf(label, sizeof(label), "%s %s with %s", rows[i].method, rows[i].path, rows[i].label);
        request_as(rows[i].method, rows[i].path, rows[i].authorization, rows[i].content_type, rows[i].if_match,
                   rows[i].body, &r);
        if (forbidden)
            expect_problem(&e, &r, 403, "/problems/forbidden", NULL, label);
        else
            expect_problem(&e, &r, 401, "/problems/unauthorized", NULL, label);
        expect_unchanged(&e, db_state, before, label);
        free(before);
    }
    free(big);
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

/* Reads stay public, and a browser may send the write headers cross-origin. */
static void test_reads_are_public_and_preflight_allows_writes(void **state)
{
    struct expectations e = { 0 };
    struct http_response r = { 0 };
    char path[PATH_MAX_LENGTH];
    (void)state;

    snprintf(path, sizeof(path), "%s/%s", collections[METHOD], fixture[METHOD]);
    http_get(path, NULL, &r);
    expect_json(&e, &r, 200, "GET a record without a key");
    http_get(collections[METHOD], NULL, &r);
    expect_json(&e, &r, 200, "GET a list without a key");

    static const char *const preflight[] = {
        "Origin: https://example.org", "Access-Control-Request-Method: PATCH",
        "Access-Control-Request-Headers: authorization, content-type, if-match", NULL,
    };
    http_request("OPTIONS", path, preflight, NULL, &r);
    EXPECT(&e, r.status == 204, "OPTIONS %s: %ld, wanted 204 (a preflight has no body)", path, r.status);
    const char *allow = http_header(&r, "Access-Control-Allow-Methods");
    const char *headers = http_header(&r, "Access-Control-Allow-Headers");
    EXPECT(&e, allow != NULL && strstr(allow, "PUT") && strstr(allow, "PATCH") && strstr(allow, "DELETE"),
           "OPTIONS %s: Access-Control-Allow-Methods %s", path, allow ? allow : "(none)");
    EXPECT(&e, headers != NULL && strcasestr(headers, "Authorization") && strcasestr(headers, "If-Match")
                   && strcasestr(headers, "Content-Type"),
           "OPTIONS %s: Access-Control-Allow-Headers %s", path, headers ? headers : "(none)");
    http_request("OPTIONS", collections[METHOD], preflight, NULL, &r);
    allow = http_header(&r, "Access-Control-Allow-Methods");
    EXPECT(&e, allow != NULL && strstr(allow, "POST"), "OPTIONS %s: Access-Control-Allow-Methods %s",
           collections[METHOD], allow ? allow : "(none)");

    /* A client script must be able to read the tag it needs for If-Match, and where a POST put the record. */
    http_get(path, NULL, &r);
    const char *exposed = http_header(&r, "Access-Control-Expose-Headers");
    EXPECT(&e, exposed != NULL && strcasestr(exposed, "ETag") && strcasestr(exposed, "Location"),
           "Access-Control-Expose-Headers %s", exposed ? exposed : "(none)");
    http_response_free(&r);
    assert_int_equal(e.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_need_an_admin_key),
        cmocka_unit_test(test_audit_reads_need_an_admin_key),
        cmocka_unit_test(test_admin_key_is_accepted),
        cmocka_unit_test(test_authorization_comes_first),
        cmocka_unit_test(test_reads_are_public_and_preflight_allows_writes),
    };
    return cmocka_run_group_tests_name("auth", tests, setup_group, teardown_group);
}
