/*
 * internal/validate/offerings.h: what an offering may hold, said once.
 *
 * validate_offering_fields is the one table: the JSON writes (POST, PUT and
 * PATCH /v1/offerings) check a body against it, and the CSV import
 * (offerings_csv.c) takes each column's type, limits, choices and whether it
 * is required from the entry of the same name. Pure, like the rest of
 * validate/.
 */
#ifndef INSATSKATALOG_VALIDATE_OFFERINGS_H
#define INSATSKATALOG_VALIDATE_OFFERINGS_H

#include <jansson.h>

#include "fields.h"

/* Ended by FIELD_SPEC_END. */
extern const struct field_spec validate_offering_fields[];

/* The entry called name, or NULL. */
const struct field_spec *validate_offering_field(const char *name);

/*
 * The rules of a JSON body beyond single fields: training_days has at most
 * one decimal (the column is numeric(5, 1), which would round 2.55 silently,
 * as the CSV refuses it), and no language holds "|", which joins languages
 * in the CSV format.
 */
void validate_offering_rules(const json_t *input, struct field_errors *errors);

#endif
