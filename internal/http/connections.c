/*
 * internal/http/connections.c: connection limits and the request deadline.
 *
 * libmicrohttpd's own timeout (MHD_OPTION_CONNECTION_TIMEOUT) counts only
 * inactivity: a client that sends one header byte every few seconds keeps a
 * connection for ever. So every connection also gets a deadline: from when
 * it opens, and again from each request line, the request must be finished
 * within HTTP_REQUEST_TIMEOUT_S. A watchdog thread shuts down the socket of
 * a connection past its deadline; libmicrohttpd then sees it closed and
 * cleans up as for any client that went away.
 */
#include "connections.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <ulfius.h>
#include <unistd.h>

#include "../log/log.h"
#include "body_gate.h"

/* Descriptors kept back for the database, the listener, logs and files. */
#define RESERVED_DESCRIPTORS 64

/* fd changes under the lock; deadline and first_call are atomic, so a
 * request line and its first call cost no lock (every request has both). */
struct tracked {
    int fd;                         /* -1 when the slot is free */
    _Atomic time_t deadline;        /* CLOCK_MONOTONIC seconds */
    atomic_bool first_call;         /* a request line came, its first access-handler call not yet */
};

struct connections {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t watchdog;
    bool watching;
    bool stopping;
    unsigned limit;              /* connections at once */
    unsigned per_address;        /* 0: no per-address limit */
    unsigned idle_timeout_s;
    unsigned request_timeout_s;
    atomic_ulong ended;          /* connections the watchdog ended */
    size_t capacity;
    struct tracked *slots;       /* one per possible connection */
    size_t free_hint;
};

static time_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);   /* seconds are all it needs, and the coarse clock is cheaper */
    return ts.tv_sec;
}

/* The connection limit that the open-file limit can carry, after raising it. */
static unsigned fit_to_descriptors(unsigned wanted)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return wanted;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            getrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < (rlim_t)wanted + RESERVED_DESCRIPTORS) {
        unsigned fits = limit.rlim_cur > RESERVED_DESCRIPTORS + 16 ? (unsigned)limit.rlim_cur - RESERVED_DESCRIPTORS : 16;
        log_warning("HTTP_CONNECTION_LIMIT %u does not fit the open-file limit %llu; serving at most %u connections",
                    wanted, (unsigned long long)limit.rlim_cur, fits);
        return fits;
    }
    return wanted;
}

static void *watch(void *arg)
{
    struct connections *c = arg;

    pthread_mutex_lock(&c->lock);
    while (!c->stopping) {
        struct timespec tick;
        clock_gettime(CLOCK_REALTIME, &tick);
        tick.tv_sec += 1;
        pthread_cond_timedwait(&c->wake, &c->lock, &tick);
        time_t now = now_s();
        for (size_t i = 0; i < c->capacity; i++) {
            struct tracked *t = &c->slots[i];
            if (t->fd >= 0 && atomic_load(&t->deadline) <= now) {
                /* Under the lock: the slot is freed (and the fd closed by
                 * libmicrohttpd) only after the CLOSED notification, which
                 * waits for this lock, so fd is still this connection's. */
                shutdown(t->fd, SHUT_RDWR);
                atomic_store(&t->deadline, now + 3600);   /* once is enough */
                atomic_fetch_add(&c->ended, 1);
            }
        }
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

static void notify_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
    struct connections *c = cls;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = NULL;
        if (info == NULL)
            return;
        pthread_mutex_lock(&c->lock);
        for (size_t n = 0; n < c->capacity; n++) {
            size_t i = (c->free_hint + n) % c->capacity;
            if (c->slots[i].fd < 0) {
                c->slots[i].fd = info->connect_fd;
                atomic_store(&c->slots[i].deadline, now_s() + (time_t)c->request_timeout_s);
                atomic_store(&c->slots[i].first_call, false);
                c->free_hint = i + 1;
                *socket_context = &c->slots[i];
                break;
            }
        }
        pthread_mutex_unlock(&c->lock);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context != NULL) {
        pthread_mutex_lock(&c->lock);
        ((struct tracked *)*socket_context)->fd = -1;
        pthread_mutex_unlock(&c->lock);
        *socket_context = NULL;
    }
}

/* Each request line starts the request's deadline; then the gate's logger, which sets up the request's context. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *connection)
{
    struct connections *c = cls;
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    if (info != NULL && info->socket_context != NULL) {
        struct tracked *t = info->socket_context;   /* this connection's until it closes */
        atomic_store(&t->deadline, now_s() + (time_t)c->request_timeout_s);
        atomic_store(&t->first_call, true);
    }
    return body_gate_request_line(uri);
}

struct connections *connections_create(const struct config *config)
{
    struct connections *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->limit = fit_to_descriptors(config->http_connection_limit);
    c->per_address = config->http_per_address_limit;
    c->idle_timeout_s = config->http_connection_timeout_s;
    c->request_timeout_s = config->http_request_timeout_s;
    /* libmicrohttpd may hold a few more than its limit for an instant (accepted, not yet refused). */
    c->capacity = (size_t)c->limit + 64;
    if ((c->slots = calloc(c->capacity, sizeof(*c->slots))) == NULL) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < c->capacity; i++) {
        c->slots[i].fd = -1;
        atomic_init(&c->slots[i].deadline, 0);
        atomic_init(&c->slots[i].first_call, false);
    }
    atomic_init(&c->ended, 0);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->watchdog, NULL, watch, c) != 0) {
        connections_destroy(c);
        return NULL;
    }
    c->watching = true;
    return c;
}

void connections_options(struct connections *c, struct MHD_OptionItem *options, size_t *count)
{
    options[(*count)++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, c->limit, NULL };
    options[(*count)++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_address, NULL };
    options[(*count)++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, c->idle_timeout_s, NULL };
    options[(*count)++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)notify_connection, c };
    options[(*count)++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_log, c };
}

bool connections_first_call(struct connections *c, struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (c == NULL || info == NULL || info->socket_context == NULL)
        return false;
    return atomic_exchange(&((struct tracked *)info->socket_context)->first_call, false);
}

void connections_destroy(struct connections *c)
{
    if (c == NULL)
        return;
    if (c->watching) {
        pthread_mutex_lock(&c->lock);
        c->stopping = true;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->watchdog, NULL);
    }
    if (atomic_load(&c->ended) > 0)
        log_info("ended %lu connections that did not finish a request within the deadline", atomic_load(&c->ended));
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c);
}
