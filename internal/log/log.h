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

#include <yder.h>

#define log_error(fmt, ...)   y_log_message(Y_LOG_LEVEL_ERROR, "%s: " fmt, __func__, ##__VA_ARGS__)
#define log_warning(fmt, ...) y_log_message(Y_LOG_LEVEL_WARNING, "%s: " fmt, __func__, ##__VA_ARGS__)
#define log_info(fmt, ...)    y_log_message(Y_LOG_LEVEL_INFO, fmt, ##__VA_ARGS__)
#define log_debug(fmt, ...)   y_log_message(Y_LOG_LEVEL_DEBUG, "%s: " fmt, __func__, ##__VA_ARGS__)

#endif
