/* config/loader.h (private to config/): the section parsers config.c calls
 * in order, and the helpers the component descriptors share. Each returns
 * 0 or a negative errno with the error already written through the
 * schema_ctx. */
#ifndef SLUICE_CONFIG_LOADER_H
#define SLUICE_CONFIG_LOADER_H

#include "config/config.h"
#include "config/schema.h"

struct printer;

/* `sluice:` extras; and the defaults that depend on the environment. */
int extras_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg);
void extras_print(struct printer *p, const struct sluice_config *cfg);
/* `service:`: needs the components parsed first. */
int service_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg);
void service_print(struct printer *p, const struct sluice_config *cfg);
/* Checks that span sections (ring sizes vs. message limits, dead-letter
 * defaults that need state_dir), then the plan. */
int service_finish(struct schema_ctx *c, struct sluice_config *cfg);

/* service.pipelines (NULL: a default pipeline for each signal every receiver
 * and exporter defined serves). */
struct pipeline_nodes {
	const struct ynode *key, *value; /* NULL for the default pipeline */
	const struct ynode *receivers, *exporters;
};
int pipelines_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg);
/* Connectors across pipelines (config/graph.c). */
int graph_check(struct schema_ctx *c, struct sluice_config *cfg, const struct pipeline_nodes *nodes);
/* The pipelines connector `conn` feeds from pipeline `from` (bit = index);
 * 0 when `from` does not export to it. */
uint64_t graph_targets(const struct sluice_config *cfg, size_t from, size_t conn);
/* config/plan.h's plan into cfg->plan. */
int plan_build(struct schema_ctx *c, struct sluice_config *cfg);

/* Endpoint "host:port" (see values.h), and its printer. */
int receivers_endpoint(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path);
void receivers_endpoint_print(struct printer *p, int indent, const struct schema_field *f, const void *value);

/* URLs of exporters (config/url.c): scheme required or optional;
 * default_port 0 = 80 for http, 443 for https. config_url_text fills u->text. */
int config_url(struct schema_ctx *c, const struct ynode *at, const char *path, const char *url,
	       bool need_scheme, uint16_t default_port, struct sluice_url *out);
int config_url_text(struct schema_ctx *c, struct sluice_url *u);
/* name: value maps: HTTP headers (http = true: names lower-cased, values
 * without line breaks) or Prometheus labels. */
int config_headers(struct schema_ctx *c, const struct ynode *v, const char *path, bool http,
		   struct sluice_header **out, size_t *n);
void config_headers_print(struct printer *p, int indent, const char *key, const struct sluice_header *h,
			  size_t n);

/* TLS blocks (config/tls.c). */
extern const struct schema_field tls_client_fields[], tls_server_fields[];
void tls_client_default(struct sluice_tls_client *t);
void tls_server_default(struct sluice_tls_server *t);
int tls_client_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		     const struct ynode *const *seen);
int tls_server_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		     const struct ynode *const *seen);
/* A named file must be a readable regular file (the error names it). */
int tls_check_file(struct schema_ctx *c, const struct ynode *at, const char *path, const char *file);

/* Matching (legacy include/exclude: spans, logs, metrics). */
int match_parse(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path);
void match_print(struct printer *p, int indent, const struct schema_field *f, const void *value);
int match_log_parse(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path);
void match_log_print(struct printer *p, int indent, const struct schema_field *f, const void *value);
int match_metric_parse(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path);
void match_metric_print(struct printer *p, int indent, const struct schema_field *f, const void *value);
/* [{key, value}] lists: fields of one item and its check. */
extern const struct schema_field match_kv_fields[];
int match_kv_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		   const struct ynode *const *seen);
#define MATCH_KV_LIST(key, T, arr, cnt)                                                                 \
	{                                                                                               \
		.name = key, .kind = SK_SEQ, .off = offsetof(T, arr), .off2 = offsetof(T, cnt),         \
		.sub = match_kv_fields, .elem_size = sizeof(struct sluice_kv), .check = match_kv_check, \
		.flags = SF_OMIT_EMPTY                                                                  \
	}
extern const char *const match_type_names[];
/* match_type regexp: one regex per string of a list / per kv value. */
int match_regex_list(struct schema_ctx *c, const struct ynode *v, const char *path, const char **strs,
		     size_t n, struct sluice_regex **out);
int match_kv_regexes(struct schema_ctx *c, const struct ynode *v, const char *path, struct sluice_kv *kv,
		     size_t n);
/* Regex source -> sluice_regex (POSIX form, group names), compiled once to
 * check it. need_named: at least one named group is required. */
int match_regex(struct schema_ctx *c, const struct ynode *at, const char *path, const char *src,
		bool need_named, struct sluice_regex *out);

/* OTTL conditions (config/condition.c): the condition is the scalar's
 * text from byte `off` on (a statement's "where" part). */
int condition_parse(struct schema_ctx *c, const struct ynode *v, enum sluice_ottl_context ctx, size_t off,
		    const char *path, struct sluice_ottl *cond);
int condition_list_parse(struct schema_ctx *c, const struct ynode *v, enum sluice_ottl_context ctx,
			 const char *path, struct sluice_ottl_list *out);
void condition_list_print(struct printer *p, int indent, const char *key, const struct sluice_ottl_list *l);

#endif
