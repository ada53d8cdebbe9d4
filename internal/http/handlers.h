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

/*
 * A read whose answer is made only of cached documents (db_fetch_document).
 * read comes in with the position the request must see (X-Consistency-LSN)
 * and goes back with the tables its documents were built from, which is what
 * routes.c stores the whole answer under. Its route row says .reader.
 */
typedef void reader_fn(const struct _u_request *req, struct _u_response *resp, const struct app *app,
                       struct db_read *read);

/* system.c */
handler_fn handle_healthz;
handler_fn handle_readyz;
handler_fn handle_openapi;
handler_fn handle_metrics;
handler_fn handle_index;

/* knowledge_supports.c */
reader_fn handle_knowledge_supports_list;
reader_fn handle_knowledge_supports_get;
handler_fn handle_knowledge_supports_create;
handler_fn handle_knowledge_supports_replace;
handler_fn handle_knowledge_supports_patch;
handler_fn handle_knowledge_supports_delete;
handler_fn handle_knowledge_supports_history;
reader_fn handle_recommendations_list;
reader_fn handle_recommendations_get;
handler_fn handle_recommendations_create;
handler_fn handle_recommendations_replace;
handler_fn handle_recommendations_patch;
handler_fn handle_recommendations_delete;
handler_fn handle_recommendations_history;

/* intervention_types.c */
reader_fn handle_intervention_types_list;
reader_fn handle_intervention_types_get;
handler_fn handle_intervention_types_create;
handler_fn handle_intervention_types_replace;
handler_fn handle_intervention_types_patch;
handler_fn handle_intervention_types_delete;
handler_fn handle_intervention_types_history;

/* methods.c */
reader_fn handle_methods_list;
reader_fn handle_methods_get;
handler_fn handle_methods_create;
handler_fn handle_methods_replace;
handler_fn handle_methods_patch;
handler_fn handle_methods_delete;
handler_fn handle_methods_history;

/* assessment_instruments.c */
reader_fn handle_assessment_instruments_list;
reader_fn handle_assessment_instruments_get;
handler_fn handle_assessment_instruments_create;
handler_fn handle_assessment_instruments_replace;
handler_fn handle_assessment_instruments_patch;
handler_fn handle_assessment_instruments_delete;
handler_fn handle_assessment_instruments_history;

/* materials.c */
reader_fn handle_materials_list;
reader_fn handle_materials_get;
handler_fn handle_materials_create;
handler_fn handle_materials_replace;
handler_fn handle_materials_patch;
handler_fn handle_materials_delete;
handler_fn handle_materials_history;

/* surveys.c */
reader_fn handle_surveys_list;
reader_fn handle_surveys_get;

/* geography.c */
reader_fn handle_counties_list;
reader_fn handle_counties_get;
reader_fn handle_municipalities_list;
reader_fn handle_municipalities_get;

/* providers.c */
reader_fn handle_providers_list;
reader_fn handle_providers_get;
handler_fn handle_providers_create;
handler_fn handle_providers_replace;
handler_fn handle_providers_patch;
handler_fn handle_providers_delete;
handler_fn handle_providers_history;
reader_fn handle_method_providers;
reader_fn handle_method_cost_estimate;   /* cost_estimate.c */

/* offerings.c */
reader_fn handle_offerings_list;
reader_fn handle_offerings_get;
reader_fn handle_county_offerings;
reader_fn handle_availability_get;
handler_fn handle_offerings_create;
handler_fn handle_offerings_replace;
handler_fn handle_offerings_patch;
handler_fn handle_offerings_delete;
handler_fn handle_offerings_history;
handler_fn handle_availability_create;
handler_fn handle_availability_replace;
handler_fn handle_availability_patch;
handler_fn handle_availability_delete;
handler_fn handle_availability_history;

/* offerings_csv.c */
handler_fn handle_offerings_import;

/* agreements.c */
reader_fn handle_agreements_list;
reader_fn handle_agreements_get;
reader_fn handle_municipality_agreements;
handler_fn handle_agreement_transitions;
handler_fn handle_agreements_create;
handler_fn handle_agreements_replace;
handler_fn handle_agreements_patch;
handler_fn handle_agreements_delete;
handler_fn handle_agreements_history;

/* coverage.c */
reader_fn handle_municipality_coverage;
reader_fn handle_county_coverage;
reader_fn handle_gaps;

/* audit.c */
handler_fn handle_audit_list;

/* search.c */
reader_fn handle_search;

/* static.c: the web page and the API reference */
handler_fn handle_app_page;
handler_fn handle_app_file;
handler_fn handle_app_vendor_file;
handler_fn handle_docs;

/* guidance.c */
reader_fn handle_guidance;
reader_fn handle_guidance_rules;

/* partners.c */
reader_fn handle_municipality_neighbours;
reader_fn handle_municipality_partners;

/* maps.c */
reader_fn handle_map_municipalities;
reader_fn handle_map_counties;

#endif
