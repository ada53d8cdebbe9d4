/*
 * internal/log/ring.h: lines handed to a writer thread through a bounded
 * lock-free queue, so that a request never waits for standard error.
 *
 * Producers (the request threads) claim a slot with one compare-and-swap
 * and copy their line into it; a single writer thread gathers ready lines
 * into one buffer and writes it with one write(2). When stderr is slow and
 * the queue is full, a line is dropped and counted instead of blocking the
 * request; the writer reports the count in a line of its own.
 */
#ifndef INSATSKATALOG_LOG_RING_H
#define INSATSKATALOG_LOG_RING_H

#include <stdbool.h>
#include <stddef.h>

/* The longest line kept whole; a longer one is cut (and ends with a newline). */
#define LOG_RING_LINE_MAX 496

/* Starts the writer thread on file descriptor fd. Returns false if it cannot start. */
bool log_ring_start(int fd);

/* Writes every queued line and stops the thread. Safe to call when not started. */
void log_ring_stop(void);

/* Queues one line (newline included). False, and counted, when the queue is
 * full; when not started, the line is written directly. */
bool log_ring_push(const char *line, size_t length);

/* Lines dropped so far because the queue was full. */
unsigned long log_ring_dropped(void);

#endif
