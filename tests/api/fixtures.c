/*
 * tests/api/fixtures.c: see fixtures.h.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CREATED_MAX 256
#define FINGERPRINT_SQL_MAX 4096

static PGconn *db;

/* Everything this run created, by path, so a teardown can delete what is left, newest first. */
static struct {
    char path[96];
    bool live;
} created[CREATED_MAX];
static size_t created_count;

/* ---- the database ------------------------------------------------------------ */

bool db_open(const char *url)
{
    db = PQconnectdb(url);
    if (PQstatus(db) == CONNECTION_OK)
        return true;
    fprintf(stderr, "# cannot connect to DATABASE_URL: %s", PQerrorMessage(db));
    return false;
}

bool fixtures_open_environment(char *admin_auth, size_t admin_size, char *municipality_auth,
                               size_t municipality_size)
{
    const char *url = getenv("DATABASE_URL");
    const char *admin = getenv("ADMIN_KEY");
    const char *municipality = getenv("MUNICIPALITY_KEY");

    if (url == NULL || admin == NULL || (municipality_auth != NULL && municipality == NULL)) {
        fprintf(stderr, "# DATABASE_URL, ADMIN_KEY%s must be set (tests/run.sh sets them)\n",
                municipality_auth != NULL ? " and MUNICIPALITY_KEY" : "");
        return false;
    }
    if (!db_open(url))
        return false;
    snprintf(admin_auth, admin_size, "Bearer %s", admin);
    if (municipality_auth != NULL)
        snprintf(municipality_auth, municipality_size, "Bearer %s", municipality);
    return true;
}

void db_close(void)
{
    PQfinish(db);
    db = NULL;
}

int fixtures_group_open_database(void **state)
{
    (void)state;
    return db_open(getenv("DATABASE_URL")) ? 0 : -1;
}

int fixtures_group_close_database(void **state)
{
    (void)state;
    db_close();
    return 0;
}

PGconn *db_connection(void)
{
    return db;
}

PGresult *db_query(const char *sql, int count, const char *const *params)
{
    PGresult *res = PQexecParams(db, sql, count, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
        fprintf(stderr, "# SQL failed: %s: %s", sql, PQerrorMessage(db));
    return res;
}

char *db_text(const char *sql, int count, const char *const *params)
{
    PGresult *res = db_query(sql, count, params);
    char *value = NULL;

    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        value = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return value;
}

bool db_command(const char *sql, int count, const char *const *params)
{
    PGresult *res = db_query(sql, count, params);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    return ok;
}

long long db_count(const char *sql, int count, const char *const *params)
{
    char *text = db_text(sql, count, params);
    long long value = text != NULL ? atoll(text) : -1;
    free(text);
    return value;
}

char *db_fingerprint(const char *const *tables)
{
    char sql[FINGERPRINT_SQL_MAX];
    size_t used;

    used = (size_t)snprintf(sql, sizeof(sql), "SELECT concat_ws(' | ', "
                                              "(SELECT count(*) || '/' || coalesce(max(id), 0) FROM audit_log)");
    for (size_t i = 0; tables[i] != NULL && used < sizeof(sql); i++)
        used += (size_t)snprintf(sql + used, sizeof(sql) - used,
                                 ", (SELECT count(*) || '/' || coalesce(max(updated_at)::text, '-') FROM %s)",
                                 tables[i]);
    if (used + 2 > sizeof(sql)) {
        fprintf(stderr, "# db_fingerprint: too many tables\n");
        return NULL;
    }
    memcpy(sql + used, ")", 2);
    return db_text(sql, 0, NULL);
}

bool expect_unchanged(struct expectations *e, char *(*state)(void), const char *before, const char *label)
{
    char *after = state();
    bool ok = EXPECT(e, before != NULL && after != NULL && strcmp(before, after) == 0,
                     "%s: a refused request changed the database: before [%s], after [%s]", label,
                     before ? before : "?", after ? after : "?");
    free(after);
    return ok;
}

void expect_refused_for_privilege(struct expectations *e, const char *const *statements, size_t count,
                                  char *(*state)(void))
{
    for (size_t i = 0; i < count; i++) {
        char *before = state();
        PQclear(PQexec(db_connection(), "BEGIN"));
        PGresult *res = PQexec(db_connection(), statements[i]);
        const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        EXPECT(e, PQresultStatus(res) == PGRES_FATAL_ERROR && sqlstate != NULL && strcmp(sqlstate, "42501") == 0,
               "%s: %s (SQLSTATE %s)", statements[i], PQresStatus(PQresultStatus(res)), sqlstate ? sqlstate : "-");
        PQclear(res);
        PQclear(PQexec(db_connection(), "ROLLBACK"));
        expect_unchanged(e, state, before, statements[i]);
        free(before);
    }
}

bool db_date(const char *expression, char out[64])
{
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT (%s)::date::text", expression);
    char *text = db_text(sql, 0, NULL);
    snprintf(out, 64, "%s", text ? text : "");
    free(text);
    return out[0] != '\0';
}

long long audit_count_for(const char *entity, const char *entity_id)
{
    const char *params[] = { entity, entity_id };
    return db_count("SELECT count(*) FROM audit_log WHERE entity = $1 AND entity_id = $2", 2, params);
}

/* ---- API keys ---------------------------------------------------------------- */

long long key_id_of(const char *key)
{
    long long id = 0;
    return key != NULL && sscanf(key, "ik_%lld_", &id) == 1 ? id : -1;
}

void key_name_of(const char *key, char *out, size_t size)
{
    long long id = key_id_of(key);
    char id_text[24];
    char *name = NULL;

    out[0] = '\0';
    if (id < 0)
        return;
    snprintf(id_text, sizeof(id_text), "%lld", id);
    const char *params[] = { id_text };
    name = db_text("SELECT name FROM api_keys WHERE id = $1::bigint", 1, params);
    snprintf(out, size, "%s", name ? name : "");
    free(name);
}

bool make_key(const char *name, const char *scope, char *authorization, size_t size)
{
    char command[300], line[400], key[256] = "";
    FILE *pipe = NULL;
    bool ok = false;

    if (access(ADMIN_COMMAND, X_OK) != 0) {
        fprintf(stderr, "# %s is missing: run the tests from the repository root after make build\n", ADMIN_COMMAND);
        goto cleanup;
    }
    snprintf(command, sizeof(command), ADMIN_COMMAND " key create %s %s 2>&1", name, scope);
    if ((pipe = popen(command, "r")) == NULL)
        goto cleanup;
    while (fgets(line, sizeof(line), pipe) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "ik_", 3) == 0)
            snprintf(key, sizeof(key), "%.250s", line);
        else
            fprintf(stderr, "# %s: %s\n", ADMIN_COMMAND, line);
    }
    int status = pclose(pipe);
    pipe = NULL;
    if (status != 0 || key[0] == '\0') {
        fprintf(stderr, "# \"%s\" failed (status %d)\n", command, status);
        goto cleanup;
    }
    snprintf(authorization, size, "Bearer %s", key);
    ok = true;
cleanup:
    if (pipe != NULL)
        pclose(pipe);
    return ok;
}

void revoke_key(const char *name)
{
    char command[300], line[400];
    FILE *pipe;

    if (name == NULL || name[0] == '\0')
        return;
    snprintf(command, sizeof(command), ADMIN_COMMAND " key revoke %.99s 2>&1", name);
    if ((pipe = popen(command, "r")) == NULL)
        return;
    while (fgets(line, sizeof(line), pipe) != NULL)
        ;
    if (pclose(pipe) != 0)
        fprintf(stderr, "# revoking the key %s failed\n", name);
}

/* ---- names unique to a run --------------------------------------------------- */

void run_tag(char *out, size_t size)
{
    snprintf(out, size, "%lx", (((unsigned long)time(NULL) << 20) ^ (unsigned long)getpid()) & 0xffffffffffUL);
}

unsigned long run_seed(void)
{
    return ((unsigned long)time(NULL) << 16) ^ (unsigned long)getpid() ^ (unsigned long)clock();
}

void tag_of_seed(unsigned long seed, char *out, size_t size)
{
    snprintf(out, size, "%lx", seed & 0xffffffffUL);
}

void word_of_seed(unsigned long seed, char first, char *out, size_t size)
{
    if (size < 9)
        return;
    out[0] = first;
    for (int i = 1; i < 8; i++)
        out[i] = (char)('a' + (seed >> (4 * i)) % 16);
    out[8] = '\0';
}

int luhn_digit(const char *nine)
{
    int sum = 0;
    for (int i = 0; i < 9; i++) {
        int digit = nine[i] - '0';
        if (i % 2 == 0) {
            digit *= 2;
            if (digit > 9)
                digit -= 9;
        }
        sum += digit;
    }
    return (10 - sum % 10) % 10;
}

void organisation_number_of(const char *nine, bool valid, char out[11])
{
    int digit = luhn_digit(nine);
    snprintf(out, 11, "%.9s%d", nine, valid ? digit : (digit + 1) % 10);
}

/* ---- requests that set up and clean up ------------------------------------------ */

int request_as(const char *method, const char *path, const char *authorization, const char *content_type,
               const char *if_match, const char *body, struct http_response *r)
{
    char auth_line[512], type_line[300], match_line[300];
    const char *headers[6];
    size_t n = 0;

    if (authorization != NULL) {
        snprintf(auth_line, sizeof(auth_line), "Authorization: %s", authorization);
        headers[n++] = auth_line;
    }
    if (body != NULL) {
        if (content_type != NULL)
            snprintf(type_line, sizeof(type_line), "Content-Type: %s", content_type);
        else
            snprintf(type_line, sizeof(type_line), "Content-Type:");   /* removes libcurl's default */
        headers[n++] = type_line;
        headers[n++] = "Expect:";   /* no 100-continue round trip for big bodies */
    }
    if (if_match != NULL) {
        snprintf(match_line, sizeof(match_line), "If-Match: %s", if_match);
        headers[n++] = match_line;
    }
    headers[n] = NULL;
    return http_request(method, path, headers, body, r);
}

bool current_etag(const char *path, const char *authorization, char out[ETAG_MAX])
{
    struct http_response r = { 0 };
    const char *etag;
    bool ok;

    request_as("GET", path, authorization, NULL, NULL, NULL, &r);
    etag = http_header(&r, "ETag");
    ok = r.status == 200 && etag != NULL && strlen(etag) < ETAG_MAX;
    snprintf(out, ETAG_MAX, "%s", ok ? etag : "");
    http_response_free(&r);
    return ok;
}

long delete_if_present(const char *path, const char *authorization)
{
    struct http_response r = { 0 };
    char etag[ETAG_MAX];
    long status = 404;

    if (current_etag(path, NULL, etag)) {
        request_as("DELETE", path, authorization, NULL, etag, NULL, &r);
        status = r.status;
    }
    if (status == 204 || status == 404)
        forget_created(path);
    http_response_free(&r);
    return status;
}

void remember_created(const char *path)
{
    if (created_count < CREATED_MAX) {
        snprintf(created[created_count].path, sizeof(created[0].path), "%s", path);
        created[created_count++].live = true;
    }
}

long long create_remembered(const char *collection, const char *authorization, json_t *body)
{
    struct http_response r = { 0 };
    char *text = json_dumps(body, JSON_COMPACT);
    char path[sizeof(created[0].path)];
    long long id = -1;

    request_as("POST", collection, authorization, "application/json", NULL, text, &r);
    if (r.status == 201 && json_is_integer(json_at(r.json, "id"))) {
        id = json_integer_value(json_at(r.json, "id"));
        snprintf(path, sizeof(path), "%s/%lld", collection, id);
        remember_created(path);
    } else {
        fprintf(stderr, "# POST %s %s -> %ld %.300s\n", collection, text, r.status, r.body ? r.body : "");
    }
    free(text);
    json_decref(body);
    http_response_free(&r);
    return id;
}

void forget_created(const char *path)
{
    for (size_t i = 0; i < created_count; i++)
        if (strcmp(created[i].path, path) == 0)
            created[i].live = false;
}

int delete_created(const char *authorization)
{
    int failed = 0;

    for (size_t i = created_count; i-- > 0;) {
        if (!created[i].live)
            continue;
        long status = delete_if_present(created[i].path, authorization);
        if (status != 204 && status != 404) {
            fprintf(stderr, "# teardown: deleting %s failed: %ld\n", created[i].path, status);
            failed = -1;
        }
    }
    return failed;
}

/* ---- reading answers ----------------------------------------------------------- */

bool json_string_is(const json_t *object, const char *dotted_path, const char *value)
{
    const char *got = json_string_value(json_at(object, dotted_path));
    return got != NULL && value != NULL && strcmp(got, value) == 0;
}
