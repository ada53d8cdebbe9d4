/*
 * tests/fuzz/fuzz_headers.c: the request-header parsers: If-Match and
 * If-None-Match lists (model/etag.c) and X-Consistency-LSN (db/pool.c).
 * Input: the header's value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../internal/db/pool.h"
#include "../../internal/model/etag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char etag[] = "\"0123456789abcdef0123456789abcdef\"";
    char *header = malloc(size + 1);
    uint64_t lsn = 0;

    if (header == NULL)
        return 0;
    memcpy(header, data, size);
    header[size] = '\0';
    etag_list_matches(header, etag, true);
    etag_list_matches(header, etag, false);
    if (db_lsn_parse(header, &lsn)) {
        /* What parses formats back to a value that parses to the same position. */
        char text[DB_LSN_SIZE];
        uint64_t again = 0;
        db_lsn_format(lsn, text);
        if (!db_lsn_parse(text, &again) || again != lsn)
            abort();
    }
    free(header);
    return 0;
}
