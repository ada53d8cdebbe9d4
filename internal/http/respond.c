/*
 * internal/http/respond.c: successful responses.
 */
#include "respond.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "problem.h"

void respond_bytes(struct _u_response *resp, unsigned status, const char *content_type, const char *bytes,
                   size_t length)
{
    if (ulfius_set_binary_body_response(resp, status, bytes, length) != U_OK) {
        problem_internal(resp);
        return;
    }
    u_map_put(resp->map_header, "Content-Type", content_type);
    /* Clients may keep a copy but must revalidate it (cheap, with If-None-Match),
     * so a change to the catalogue is seen at once. */
    u_map_put(resp->map_header, "Cache-Control", "no-cache");
}

void respond_json_text(struct _u_response *resp, unsigned status, const char *json_text)
{
    respond_bytes(resp, status, "application/json", json_text, strlen(json_text));
}

/* The q value among a media range's parameters, each after a ";" (";q=0.5"),
 * in a copy whose first ";" may have been overwritten; 1 when it has none. */
static double range_quality(const char *parameters)
{
    double q;

    for (const char *p = parameters; p != NULL; p = strchr(p + 1, ';')) {
        const char *name = p + 1 + strspn(p + 1, " \t");
        if ((name[0] == 'q' || name[0] == 'Q') && name[1] == '=') {
            q = strtod(name + 2, NULL);
            return q < 0 ? 0 : q > 1 ? 1 : q;
        }
    }
    return 1;
}

double respond_accept_quality(const char *accept, const char *media_type, int *specificity)
{
    size_t type_length = (size_t)(strchr(media_type, '/') - media_type);
    double best = 0;

    *specificity = 0;
    for (const char *range = accept; range != NULL && *range != '\0';) {
        const char *end = strchr(range, ',');
        size_t length = end ? (size_t)(end - range) : strlen(range);
        char text[128];
        char *name, *parameters;
        int level = 0;

        if (length < sizeof(text)) {   /* a longer range cannot name ours */
            memcpy(text, range, length);
            text[length] = '\0';
            if ((parameters = strchr(text, ';')) != NULL)
                *parameters = '\0';
            name = text + strspn(text, " \t");
            name[strcspn(name, " \t")] = '\0';
            if (strcasecmp(name, media_type) == 0)
                level = 3;
            else if (strlen(name) == type_length + 2 && strncasecmp(name, media_type, type_length + 1) == 0
                     && name[type_length + 1] == '*')
                level = 2;
            else if (strcmp(name, "*/*") == 0)
                level = 1;
            if (level > *specificity) {
                *specificity = level;
                best = parameters ? range_quality(parameters) : 1;
            }
        }
        range = end ? end + 1 : NULL;
    }
    return best;
}

/* Whether the request's Accept prefers media_type to application/json (by q
 * value, then by how specific the matching range is). No Accept: JSON. */
static bool prefers_to_json(const struct _u_request *req, const char *media_type)
{
    const char *accept = u_map_get_case(req->map_header, "Accept");
    int other_specificity, json_specificity;
    double other, json;

    if (accept == NULL)
        return false;
    other = respond_accept_quality(accept, media_type, &other_specificity);
    json = respond_accept_quality(accept, "application/json", &json_specificity);
    return other > 0 && (other > json || (other == json && other_specificity > json_specificity));
}

bool respond_prefers_csv(const struct _u_request *req)
{
    return prefers_to_json(req, "text/csv");
}

bool respond_prefers_html(const struct _u_request *req)
{
    return prefers_to_json(req, "text/html");
}

bool respond_prefers_media_type(const struct _u_request *req, const char *media_type)
{
    const char *accept = u_map_get_case(req->map_header, "Accept");
    int specificity, json_specificity, csv_specificity;
    double q, json, csv;

    if (accept == NULL)
        return false;
    q = respond_accept_quality(accept, media_type, &specificity);
    json = respond_accept_quality(accept, "application/json", &json_specificity);
    csv = respond_accept_quality(accept, "text/csv", &csv_specificity);
    /* Only when named: "* / *" or "application/ *" keeps the default, JSON. */
    return specificity == 3 && q > 0 && q >= json && q >= csv;
}
