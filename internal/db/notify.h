/*
 * internal/db/notify.h: the thread that listens for "catalogue_changed" and
 * invalidates the document cache (see cache.h for why this keeps replicas
 * in agreement).
 */
#ifndef INSATSKATALOG_DB_NOTIFY_H
#define INSATSKATALOG_DB_NOTIFY_H

#include "cache.h"
#include "connect.h"

struct db_listener;

/* Starts listening on its own connection to url (with settings' keepalives,
 * so a half-open connection is noticed in seconds). Returns NULL only when the
 * thread cannot be started; an unreachable database is retried every second
 * with the cache bypassed meanwhile. */
struct db_listener *db_listener_start(const char *url, const struct db_session_settings *settings,
                                      struct db_cache *cache);

/* Stops the thread and closes its connection. Accepts NULL. */
void db_listener_stop(struct db_listener *listener);

#endif
