/*
 * internal/log/ring.c: Vyukov's bounded queue with many producers and one
 * consumer. Each slot carries a sequence number: a producer may fill slot
 * i of round r only when its sequence is i + r * SLOTS, and publishes the
 * line by setting it to one more; the writer frees the slot for the next
 * round by adding SLOTS.
 */
#include "ring.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 1024   /* a power of two: 1024 x 512 bytes, half a MiB */
#define BATCH_BYTES 65536
#define PAUSE_NS 2000000   /* 2 ms between batches: a few hundred lines each under load, and no spinning */

struct slot {
    _Atomic uint64_t sequence;
    uint16_t length;
    char text[LOG_RING_LINE_MAX + 2];
};

static struct slot slots[SLOTS];
static _Atomic uint64_t head;   /* next position a producer claims */
static uint64_t tail;           /* next position the writer reads (writer only) */
static atomic_ulong dropped;
static atomic_bool running, stopping;
static pthread_t writer;
static int out_fd = 2;

static void write_all(const char *data, size_t length)
{
    while (length > 0) {
        ssize_t written = write(out_fd, data, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return;   /* stderr is gone: nothing better to do with the line */
        data += written;
        length -= (size_t)written;
    }
}

/* Moves every ready line into one write; returns how many lines it wrote. */
static size_t drain(char *batch)
{
    size_t used = 0, lines = 0;

    for (;;) {
        struct slot *slot = &slots[tail & (SLOTS - 1)];
        if (atomic_load_explicit(&slot->sequence, memory_order_acquire) != tail + 1)
            break;
        if (used + slot->length > BATCH_BYTES) {
            write_all(batch, used);
            used = 0;
        }
        memcpy(batch + used, slot->text, slot->length);
        used += slot->length;
        atomic_store_explicit(&slot->sequence, tail + SLOTS, memory_order_release);
        tail++;
        lines++;
    }
    if (used > 0)
        write_all(batch, used);
    return lines;
}

static void report_drops(unsigned long *reported)
{
    unsigned long now = atomic_load(&dropped);
    if (now == *reported)
        return;
    char line[128];
    int length = snprintf(line, sizeof(line), "log: %lu request lines dropped because standard error was too slow\n",
                          now - *reported);
    write_all(line, (size_t)length);
    *reported = now;
}

static void *write_lines(void *arg)
{
    static char batch[BATCH_BYTES];
    unsigned long reported = 0;
    (void)arg;

    for (;;) {
        bool last = atomic_load(&stopping);
        size_t lines = drain(batch);
        report_drops(&reported);
        if (last)
            break;
        /* A queue half full is drained again at once; otherwise the pause
         * lets lines gather, so one write(2) carries many. */
        if (lines < SLOTS / 2) {
            struct timespec pause = { 0, PAUSE_NS };
            nanosleep(&pause, NULL);
        }
    }
    return NULL;
}

bool log_ring_start(int fd)
{
    if (atomic_load(&running))
        return true;
    for (uint64_t i = 0; i < SLOTS; i++)
        atomic_init(&slots[i].sequence, i);
    atomic_store(&head, 0);
    tail = 0;
    out_fd = fd;
    atomic_store(&stopping, false);
    if (pthread_create(&writer, NULL, write_lines, NULL) != 0)
        return false;
    atomic_store(&running, true);
    return true;
}

void log_ring_stop(void)
{
    if (!atomic_load(&running))
        return;
    atomic_store(&stopping, true);
    pthread_join(writer, NULL);
    atomic_store(&running, false);
}

bool log_ring_push(const char *line, size_t length)
{
    if (length == 0)
        return true;
    if (length > LOG_RING_LINE_MAX + 1)
        length = LOG_RING_LINE_MAX + 1;
    if (!atomic_load_explicit(&running, memory_order_relaxed)) {
        write_all(line, length);
        return true;
    }
    uint64_t position = atomic_load_explicit(&head, memory_order_relaxed);
    struct slot *slot;
    for (;;) {
        slot = &slots[position & (SLOTS - 1)];
        uint64_t sequence = atomic_load_explicit(&slot->sequence, memory_order_acquire);
        int64_t difference = (int64_t)(sequence - position);
        if (difference == 0) {
            if (atomic_compare_exchange_weak_explicit(&head, &position, position + 1, memory_order_relaxed,
                                                      memory_order_relaxed))
                break;
        } else if (difference < 0) {
            atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);   /* full: never wait */
            return false;
        } else {
            position = atomic_load_explicit(&head, memory_order_relaxed);
        }
    }
    memcpy(slot->text, line, length);
    if (slot->text[length - 1] != '\n')
        slot->text[length - 1] = '\n';   /* a cut line still ends the line */
    slot->length = (uint16_t)length;
    atomic_store_explicit(&slot->sequence, position + 1, memory_order_release);
    return true;
}

unsigned long log_ring_dropped(void)
{
    return atomic_load(&dropped);
}
