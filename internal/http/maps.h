/*
 * internal/http/maps.h: what the county coverage handler (coverage.c) needs
 * to answer Accept: application/geo+json with the county's map.
 */
#ifndef INSATSKATALOG_HTTP_MAPS_H
#define INSATSKATALOG_HTTP_MAPS_H

#include <stdbool.h>
#include <ulfius.h>

#include "app.h"

/* Whether Accept names application/geo+json with a q at least that of JSON and CSV. */
bool maps_prefers_geojson(const struct _u_request *req);

/* Sends the map of county code's municipalities (code already checked), or its problem. */
void maps_send_county(struct _u_response *resp, const struct app *app, const char *code,
                      const char *knowledge_support, const char *on, struct db_read *read);

#endif
