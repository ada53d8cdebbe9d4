/*
 * internal/http/offerings_csv.h: offerings as text/csv: the export that the
 * two offering lists answer when asked for CSV, and the import handler
 * (handlers.h). The format is described in db/offerings_csv.h.
 */
#ifndef INSATSKATALOG_HTTP_OFFERINGS_CSV_H
#define INSATSKATALOG_HTTP_OFFERINGS_CSV_H

#include <stdbool.h>
#include <ulfius.h>

#include "app.h"
#include "listing.h"



/*
 * GET <list> with Accept: text/csv: every offering matching the list's
 * filters and updated_since, ordered by id, without pages (limit and cursor
 * are refused with 400 rather than ignored).
 */
void offerings_csv_send_export(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                               struct db_read *read, const struct list_spec *spec);

#endif
