/*
 * internal/http/router.c: the trie of path segments (see router.h).
 */
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct node {
    char *segment;              /* a literal child's text; NULL for the root and a parameter child */
    size_t segment_length;
    struct node **literals;     /* sorted by segment after the build, for a binary search */
    size_t literal_count;
    struct node *param;         /* ":name" at this position, whatever the name */
    struct router_path *path;   /* set when a template ends here */
};

struct router {
    struct node root;
    struct router_path **paths;
    size_t path_count;
};

static const char *const method_names[ROUTER_METHODS] = { "GET", "POST", "PUT", "PATCH", "DELETE" };

static int method_index(const char *method)
{
    for (int i = 0; i < ROUTER_METHODS; i++)
        if (strcasecmp(method, method_names[i]) == 0)
            return i;
    return -1;
}

/* Splits path into its non-empty segments; false when it has more than fit. */
static bool split(const char *path, const char **segments, size_t *lengths, size_t *count)
{
    *count = 0;
    for (const char *p = path; p != NULL && *p != '\0';) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        size_t length = strcspn(p, "/");
        if (*count == ROUTER_MAX_SEGMENTS)
            return false;
        segments[*count] = p;
        lengths[(*count)++] = length;
        p += length;
    }
    return true;
}

static void free_node(struct node *node)
{
    for (size_t i = 0; i < node->literal_count; i++) {
        free_node(node->literals[i]);
        free(node->literals[i]);
    }
    free(node->literals);
    if (node->param != NULL) {
        free_node(node->param);
        free(node->param);
    }
    free(node->segment);
}

void router_free(struct router *router)
{
    if (router == NULL)
        return;
    for (size_t i = 0; i < router->path_count; i++)
        free(router->paths[i]);
    free(router->paths);
    free_node(&router->root);
    free(router);
}

static struct node *literal_child(struct node *node, const char *segment, size_t length)
{
    struct node **grown, *child;

    for (size_t i = 0; i < node->literal_count; i++)
        if (node->literals[i]->segment_length == length && memcmp(node->literals[i]->segment, segment, length) == 0)
            return node->literals[i];
    if ((grown = realloc(node->literals, (node->literal_count + 1) * sizeof(*grown))) == NULL)
        return NULL;
    node->literals = grown;
    if ((child = calloc(1, sizeof(*child))) == NULL || (child->segment = strndup(segment, length)) == NULL) {
        free(child);
        return NULL;
    }
    child->segment_length = length;
    node->literals[node->literal_count++] = child;
    return child;
}

/* The node where template ends, made as needed. */
static struct node *insert(struct router *router, const char *template)
{
    const char *segments[ROUTER_MAX_SEGMENTS];
    size_t lengths[ROUTER_MAX_SEGMENTS], count;
    struct node *node = &router->root;

    if (!split(template, segments, lengths, &count))
        return NULL;
    for (size_t i = 0; node != NULL && i < count; i++) {
        if (segments[i][0] == ':') {
            if (node->param == NULL)
                node->param = calloc(1, sizeof(*node->param));
            node = node->param;
        } else {
            node = literal_child(node, segments[i], lengths[i]);
        }
    }
    return node;
}

static int compare_segments(const char *a, size_t a_length, const char *b, size_t b_length)
{
    int order = memcmp(a, b, a_length < b_length ? a_length : b_length);
    return order != 0 ? order : (a_length > b_length) - (a_length < b_length);
}

static int compare_nodes(const void *a, const void *b)
{
    const struct node *x = *(struct node *const *)a, *y = *(struct node *const *)b;
    return compare_segments(x->segment, x->segment_length, y->segment, y->segment_length);
}

static void sort_children(struct node *node)
{
    if (node->literal_count > 1)
        qsort(node->literals, node->literal_count, sizeof(*node->literals), compare_nodes);
    for (size_t i = 0; i < node->literal_count; i++)
        sort_children(node->literals[i]);
    if (node->param != NULL)
        sort_children(node->param);
}

static void append_allow(struct router_path *path, const char *method)
{
    size_t used = strlen(path->allow);
    snprintf(path->allow + used, sizeof(path->allow) - used, "%s, ", method);
}

struct router *router_build(const struct route *rows, size_t count)
{
    struct router *router = calloc(1, sizeof(*router));
    struct router_path **grown;

    if (router == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        int method = method_index(rows[i].method);
        struct node *node = insert(router, rows[i].path);
        if (method < 0 || node == NULL) {
            fprintf(stderr, "router: cannot add %s %s\n", rows[i].method, rows[i].path);
            goto fail;
        }
        if (node->path == NULL) {
            if ((node->path = calloc(1, sizeof(*node->path))) == NULL
                || (grown = realloc(router->paths, (router->path_count + 1) * sizeof(*grown))) == NULL) {
                free(node->path);
                node->path = NULL;
                goto fail;
            }
            router->paths = grown;
            router->paths[router->path_count++] = node->path;
            node->path->template = rows[i].path;
        }
        if (node->path->routes[method] != NULL) {
            fprintf(stderr, "router: %s %s is in the route table twice\n", rows[i].method, rows[i].path);
            goto fail;
        }
        node->path->routes[method] = &rows[i];
        /* In table order, as the Allow header always listed them. */
        append_allow(node->path, method_names[method]);
        if (method == ROUTER_GET)
            append_allow(node->path, "HEAD");
    }
    for (size_t i = 0; i < router->path_count; i++) {
        size_t used = strlen(router->paths[i]->allow);
        snprintf(router->paths[i]->allow + used, sizeof(router->paths[i]->allow) - used, "OPTIONS");
    }
    sort_children(&router->root);
    return router;
fail:
    router_free(router);
    return NULL;
}

struct router_path **router_paths(struct router *router, size_t *count)
{
    *count = router->path_count;
    return router->paths;
}

static const struct node *find_literal(const struct node *node, const char *segment, size_t length)
{
    size_t low = 0, high = node->literal_count;

    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = compare_segments(node->literals[middle]->segment, node->literals[middle]->segment_length,
                                     segment, length);
        if (order == 0)
            return node->literals[middle];
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return NULL;
}

/*
 * Depth first, literal before parameter. Returns whether a route for the
 * method was found; *first keeps the first template matched at all, for
 * 405 and OPTIONS when no template has the method.
 */
static bool descend(const struct node *node, const struct router_match *m, size_t at, int method,
                    const struct router_path **found, const struct router_path **first)
{
    if (at == m->count) {
        if (node->path == NULL)
            return false;
        if (*first == NULL)
            *first = node->path;
        if (method >= 0 && node->path->routes[method] != NULL) {
            *found = node->path;
            return true;
        }
        return false;
    }
    const struct node *literal = find_literal(node, m->segments[at], m->lengths[at]);
    if (literal != NULL && descend(literal, m, at + 1, method, found, first))
        return true;
    return node->param != NULL && descend(node->param, m, at + 1, method, found, first);
}

void router_match(const struct router *router, const char *method, const char *path, struct router_match *out)
{
    const struct router_path *found = NULL, *first = NULL;
    int index = method_index(method);

    out->route = NULL;
    out->path = NULL;
    out->method = ROUTER_GET;
    out->head = index < 0 && strcasecmp(method, "HEAD") == 0;
    if (out->head)
        index = ROUTER_GET;
    if (!split(path, out->segments, out->lengths, &out->count))
        return;   /* deeper than any template: 404 */
    if (descend(&router->root, out, 0, index, &found, &first)) {
        out->path = found;
        out->route = found->routes[index];
        out->method = (enum router_method)index;
        return;
    }
    out->path = first;
    out->head = false;
}

bool router_put_params(const struct router_match *match, struct _u_map *map)
{
    const char *names[ROUTER_MAX_SEGMENTS];
    size_t name_lengths[ROUTER_MAX_SEGMENTS], count;

    if (match->route == NULL)
        return true;
    if (!split(match->route->path, names, name_lengths, &count) || count != match->count)
        return false;
    for (size_t i = 0; i < count; i++) {
        if (names[i][0] != ':')
            continue;
        char name[64];
        bool ok = true;
        if (name_lengths[i] - 1 >= sizeof(name))
            return false;
        memcpy(name, names[i] + 1, name_lengths[i] - 1);
        name[name_lengths[i] - 1] = '\0';
        char *raw = strndup(match->segments[i], match->lengths[i]);
        char *value = raw ? ulfius_url_decode(raw) : NULL;
        free(raw);
        if (value == NULL)
            return false;
        const char *existing = u_map_get(map, name);
        if (existing != NULL) {
            char *joined = msprintf("%s,%s", existing, value);
            ok = joined != NULL && u_map_put(map, name, joined) == U_OK;
            o_free(joined);
        } else {
            ok = u_map_put(map, name, value) == U_OK;
        }
        o_free(value);
        if (!ok)
            return false;
    }
    return true;
}
