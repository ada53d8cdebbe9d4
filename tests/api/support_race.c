/*
 * tests/api/support_race.c: two requests at once (see support_race.h).
 */
#include "support_race.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"

static size_t collect(char *bytes, size_t size, size_t count, void *user)
{
    struct race_request *request = user;
    size_t length = size * count;
    char *grown = realloc(request->body_out, request->body_length + length + 1);

    if (grown == NULL)
        return 0;
    request->body_out = grown;
    memcpy(request->body_out + request->body_length, bytes, length);
    request->body_length += length;
    request->body_out[request->body_length] = '\0';
    return length;
}

bool race_prepare(struct race_request *request, pthread_barrier_t *barrier, const char *authorization,
                  const char *method, const char *path, const char *content_type, const char *if_match,
                  const char *body)
{
    char url[2048], line[400];

    memset(request, 0, sizeof(*request));
    request->barrier = barrier;
    if ((request->curl = curl_easy_init()) == NULL)
        return false;
    snprintf(url, sizeof(url), "%s%s", http_base_url(), path);
    snprintf(line, sizeof(line), "Authorization: %s", authorization);
    request->headers = curl_slist_append(request->headers, line);
    request->headers = curl_slist_append(request->headers, "Expect:");
    if (content_type != NULL) {
        snprintf(line, sizeof(line), "Content-Type: %s", content_type);
        request->headers = curl_slist_append(request->headers, line);
    }
    if (if_match != NULL) {
        snprintf(line, sizeof(line), "If-Match: %s", if_match);
        request->headers = curl_slist_append(request->headers, line);
    }
    curl_easy_setopt(request->curl, CURLOPT_URL, url);
    curl_easy_setopt(request->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(request->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(request->curl, CURLOPT_HTTPHEADER, request->headers);
    curl_easy_setopt(request->curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(request->curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(request->curl, CURLOPT_WRITEDATA, request);
    if (body != NULL) {
        curl_easy_setopt(request->curl, CURLOPT_POSTFIELDS, body);   /* not copied: body outlives the race */
        curl_easy_setopt(request->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    return request->headers != NULL;
}

static void *run(void *arg)
{
    struct race_request *request = arg;
    char *content_type = NULL;

    pthread_barrier_wait(request->barrier);
    if (curl_easy_perform(request->curl) == CURLE_OK) {
        curl_easy_getinfo(request->curl, CURLINFO_RESPONSE_CODE, &request->status);
        curl_easy_getinfo(request->curl, CURLINFO_CONTENT_TYPE, &content_type);
        request->content_type = content_type ? strdup(content_type) : NULL;
    }
    return NULL;
}

void race_both(struct race_request requests[2])
{
    pthread_t threads[2];

    for (int i = 0; i < 2; i++)
        pthread_create(&threads[i], NULL, run, &requests[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
}

json_t *race_json(const struct race_request *request)
{
    return request->body_out ? json_loads(request->body_out, 0, NULL) : NULL;
}

void race_release(struct race_request *request)
{
    curl_slist_free_all(request->headers);
    curl_easy_cleanup(request->curl);
    free(request->body_out);
    free(request->content_type);
    memset(request, 0, sizeof(*request));
}
