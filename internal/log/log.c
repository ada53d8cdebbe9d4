/*
 * internal/log/log.c: text or JSON lines through yder.
 *
 * In JSON mode yder hands every message to a callback that writes one
 * object per line; a message that is itself a JSON object (a request line)
 * is merged into it field by field instead of being quoted.
 */
#include "log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool json_lines;

static const char *level_name(unsigned long level)
{
    switch (level) {
    case Y_LOG_LEVEL_ERROR: return "error";
    case Y_LOG_LEVEL_WARNING: return "warning";
    case Y_LOG_LEVEL_INFO: return "info";
    default: return "debug";
    }
}

static void write_json_line(void *cls, const char *app, const time_t date, const unsigned long level,
                            const char *message)
{
    char when[32];
    struct tm tm;
    (void)cls;

    gmtime_r(&date, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (message[0] == '{') {
        fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"app\":\"%s\",%s\n", when, level_name(level), app,
                message + 1);
        return;
    }
    json_t *text = json_string(message);   /* NULL for invalid UTF-8 */
    char *quoted = text ? json_dumps(text, JSON_ENCODE_ANY) : NULL;
    fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"app\":\"%s\",\"message\":%s}\n", when, level_name(level),
            app, quoted ? quoted : "\"(not UTF-8)\"");
    free(quoted);
    json_decref(text);
}

void log_setup(const char *app, unsigned long level, bool json)
{
    json_lines = json;
    if (json) {
        y_init_logs(app, Y_LOG_MODE_CALLBACK, level, NULL, NULL);
        y_set_logs_callback(write_json_line, NULL, "logging as JSON lines");
    } else {
        y_init_logs(app, Y_LOG_MODE_CONSOLE, level, NULL, "logging as text lines");
    }
}

void log_close(void)
{
    y_close_logs();
}

void log_request(const char *method, const char *path, long status, double duration_ms, const char *request_id)
{
    if (!json_lines) {
        log_info("request method=%s path=\"%s\" status=%ld duration_ms=%.3f request_id=%s", method, path, status,
                 duration_ms, request_id);
        return;
    }
    json_t *line = json_pack("{s:s, s:s, s:s, s:i, s:f, s:s}", "event", "request", "method", method, "path", path,
                             "status", (json_int_t)status, "duration_ms", duration_ms, "request_id", request_id);
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text != NULL)
        y_log_message(Y_LOG_LEVEL_INFO, "%s", text);
    free(text);
    json_decref(line);
}
