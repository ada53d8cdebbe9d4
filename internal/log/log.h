/*
 * internal/log/log.h: logging macros over yder.
 *
 * Every line names the function that wrote it, so nobody types prefixes by
 * hand. ERROR means an operator must act, WARNING that the service is
 * degraded, INFO start, stop and one line per request or write. Never log
 * request bodies or keys.
 */
#ifndef INSATSKATALOG_LOG_H
#define INSATSKATALOG_LOG_H

#include <stdbool.h>
#include <yder.h>

/*
 * Starts logging to standard error at level (a Y_LOG_LEVEL_*): as text
 * lines, or with json as one JSON object per line (LOG_FORMAT=json), for
 * log collectors that parse fields instead of text.
 */
void log_setup(const char *app, unsigned long level, bool json);
void log_close(void);

/* The one line per request: method, path, status, duration, request id. */
void log_request(const char *method, const char *path, long status, double duration_ms, const char *request_id);

#define log_error(fmt, ...)   y_log_message(Y_LOG_LEVEL_ERROR, "%s: " fmt, __func__, ##__VA_ARGS__)
#define log_warning(fmt, ...) y_log_message(Y_LOG_LEVEL_WARNING, "%s: " fmt, __func__, ##__VA_ARGS__)
#define log_info(fmt, ...)    y_log_message(Y_LOG_LEVEL_INFO, fmt, ##__VA_ARGS__)
#define log_debug(fmt, ...)   y_log_message(Y_LOG_LEVEL_DEBUG, "%s: " fmt, __func__, ##__VA_ARGS__)

#endif
