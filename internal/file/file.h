/*
 * internal/file/file.h: the one way a file is read whole: the OpenAPI
 * document at start, migrations, example data and CSV imports.
 */
#ifndef INSATSKATALOG_FILE_FILE_H
#define INSATSKATALOG_FILE_FILE_H

#include <stddef.h>

/* Reads a whole file into a new NUL-terminated string to free(); NULL on
 * failure, with errno saying why (ENOMEM when out of memory, EIO when the
 * file changed length while it was read). length_out (may be NULL) receives
 * its length, which counts any NUL bytes inside. */
char *file_read_all(const char *path, size_t *length_out);

#endif
