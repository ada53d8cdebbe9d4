/*
 * tests/fuzz/fuzz_csv.c: the offerings CSV parser and its checks
 * (validate/offerings_csv.c). Input: a whole file.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../../internal/validate/offerings_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *rows = NULL;
    struct field_errors errors = { 0 };

    validate_offerings_csv_parse((const char *)data, size, &rows, &errors);
    json_decref(rows);
    field_errors_release(&errors);
    return 0;
}
