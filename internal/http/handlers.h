/*
 * internal/http/handlers.h: every request handler, grouped by the file that
 * holds it. routes.c maps paths to these; each one parses and checks its
 * input, makes one db_ call and responds, or leaves through problem.c.
 */
#ifndef INSATSKATALOG_HTTP_HANDLERS_H
#define INSATSKATALOG_HTTP_HANDLERS_H

#include <ulfius.h>

#include "app.h"

typedef void handler_fn(const struct _u_request *req, struct _u_response *resp, const struct app *app);

/* system.c */
handler_fn handle_healthz;
handler_fn handle_readyz;
handler_fn handle_openapi;
handler_fn handle_index;

/* knowledge_supports.c */
handler_fn handle_knowledge_supports_list;
handler_fn handle_knowledge_supports_get;

/* intervention_types.c */
handler_fn handle_intervention_types_list;
handler_fn handle_intervention_types_get;

/* methods.c */
handler_fn handle_methods_list;
handler_fn handle_methods_get;

/* assessment_instruments.c */
handler_fn handle_assessment_instruments_list;
handler_fn handle_assessment_instruments_get;

/* materials.c */
handler_fn handle_materials_list;
handler_fn handle_materials_get;

/* surveys.c */
handler_fn handle_surveys_list;
handler_fn handle_surveys_get;

/* geography.c */
handler_fn handle_counties_list;
handler_fn handle_counties_get;
handler_fn handle_municipalities_list;
handler_fn handle_municipalities_get;

/* search.c */
handler_fn handle_search;

#endif
