/*
 * internal/file/file.c: reading a file whole (see file.h).
 */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

char *file_read_all(const char *path, size_t *length_out)
{
    FILE *file = fopen(path, "rb");
    char *data = NULL;
    long length;
    int saved_errno;

    if (file == NULL)
        return NULL;
    if (fseek(file, 0, SEEK_END) != 0 || (length = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) != 0)
        goto cleanup;
    if ((data = malloc((size_t)length + 1)) == NULL)
        goto cleanup;
    if (fread(data, 1, (size_t)length, file) != (size_t)length) {
        free(data);
        data = NULL;
        errno = EIO;
        goto cleanup;
    }
    data[length] = '\0';
    if (length_out != NULL)
        *length_out = (size_t)length;
cleanup:
    saved_errno = errno;
    fclose(file);
    errno = saved_errno;
    return data;
}
