/*
 * tests/api/support_race.h: two requests sent at the same moment, for the
 * tests of concurrent writes (a barrier releases both threads together).
 */
#ifndef INSATSKATALOG_TESTS_API_SUPPORT_RACE_H
#define INSATSKATALOG_TESTS_API_SUPPORT_RACE_H

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct race_request {
    CURL *curl;
    struct curl_slist *headers;
    pthread_barrier_t *barrier;
    char *body_out;       /* the response body */
    size_t body_length;
    long status;          /* 0 when no response came */
    char *content_type;   /* the response's, copied */
};

/*
 * Prepares everything about one request, so that only sending it is left.
 * authorization: a whole header value ("Bearer ..."); content_type, if_match
 * and body may be NULL; body is borrowed and must outlive the race.
 * Returns false when libcurl could not be set up; race_release() anyway.
 */
bool race_prepare(struct race_request *request, pthread_barrier_t *barrier, const char *authorization,
                  const char *method, const char *path, const char *content_type, const char *if_match,
                  const char *body);

/* Sends both prepared requests at the same moment (barrier of 2) and waits for both answers. */
void race_both(struct race_request requests[2]);

/* The answer body parsed as JSON (a new reference), or NULL. */
json_t *race_json(const struct race_request *request);

/* Frees what race_prepare() and the race made; the request is zeroed. */
void race_release(struct race_request *request);

#endif
