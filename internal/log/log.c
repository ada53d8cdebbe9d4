/*
 * internal/log/log.c: text or JSON lines through yder.
 *
 * In JSON mode yder hands every message to a callback that writes one
 * object per line; a message that is itself a JSON object (a request line)
 * is merged into it field by field instead of being quoted.
 *
 * Request lines, one per request, skip yder: they are formatted into a stack
 * buffer and queued for a writer thread (ring.c), so a request pays for a
 * snprintf, not for a lock and a write to a possibly slow stderr.
 */
#include "log.h"

#include <stdatomic.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

static bool json_lines;
static const char *app_name = "";
static unsigned long log_level;

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
    app_name = app;
    log_level = level;
    if (json) {
        y_init_logs(app, Y_LOG_MODE_CALLBACK, level, NULL, NULL);
        y_set_logs_callback(write_json_line, NULL, "logging as JSON lines");
    } else {
        y_init_logs(app, Y_LOG_MODE_CONSOLE, level, NULL, "logging as text lines");
    }
    if (level >= Y_LOG_LEVEL_INFO && !log_ring_start(STDERR_FILENO))
        log_warning("cannot start the log writer thread; request lines are written directly");
}

void log_close(void)
{
    log_ring_stop();
    y_close_logs();
}

/* The time as the other lines show it, formatted once per second per thread. */
static const char *now_text(void)
{
    static _Thread_local time_t formatted_at = -1;
    static _Thread_local char text[32];
    time_t now = time(NULL);
    struct tm tm;

    if (now != formatted_at) {
        gmtime_r(&now, &tm);
        strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
        formatted_at = now;
    }
    return text;
}

/* Whether text is valid UTF-8 (JSON strings must be). */
static bool is_utf8(const unsigned char *text)
{
    while (*text != '\0') {
        int extra = *text < 0x80 ? 0 : (*text & 0xe0) == 0xc0 ? 1 : (*text & 0xf0) == 0xe0 ? 2
                  : (*text & 0xf8) == 0xf0 ? 3 : -1;
        if (extra < 0)
            return false;
        text++;
        for (int i = 0; i < extra; i++, text++)
            if ((*text & 0xc0) != 0x80)
                return false;
    }
    return true;
}

/* path as a JSON string body: the caller replaced quotes and control characters. */
static void json_path(const char *path, char *out, size_t out_size)
{
    bool utf8 = is_utf8((const unsigned char *)path);
    size_t used = 0;

    for (const char *p = path; *p != '\0' && used + 3 < out_size; p++) {
        if (*p == '\\')
            out[used++] = '\\';
        out[used++] = (!utf8 && (unsigned char)*p >= 0x80) ? '?' : *p;
    }
    out[used] = '\0';
}

void log_request(const char *method, const char *path, long status, double duration_ms, const char *request_id)
{
    char line[LOG_RING_LINE_MAX + 2];
    int length;
    /* Milliseconds with three decimals, in integers: printf's floating point is a visible share of a cached read. */
    long long micros = duration_ms > 0 ? (long long)(duration_ms * 1000.0 + 0.5) : 0;

    if (log_level < Y_LOG_LEVEL_INFO)
        return;
    if (!json_lines) {
        length = snprintf(line, sizeof(line),
                          "%s - %s INFO: request method=%s path=\"%s\" status=%ld duration_ms=%lld.%03lld request_id=%s\n",
                          now_text(), app_name, method, path, status, micros / 1000, micros % 1000, request_id);
    } else {
        char escaped[400];
        json_path(path, escaped, sizeof(escaped));
        length = snprintf(line, sizeof(line),
                          "{\"time\":\"%s\",\"level\":\"info\",\"app\":\"%s\",\"event\":\"request\",\"method\":\"%s\","
                          "\"path\":\"%s\",\"status\":%ld,\"duration_ms\":%lld.%03lld,\"request_id\":\"%s\"}\n",
                          now_text(), app_name, method, escaped, status, micros / 1000, micros % 1000, request_id);
    }
    if (length > 0)
        log_ring_push(line, (size_t)length < sizeof(line) ? (size_t)length : sizeof(line) - 1);
}
