/* config/component.h (private to config/): one descriptor per component
 * type. A new processor, exporter or connector is one file defining its
 * `const struct component_desc` (keys, defaults, checks) plus one entry in
 * the tables of config/components.c; parsing, printing, the pipeline's
 * signal checks and the type names in messages all come from it. */
#ifndef SLUICE_CONFIG_COMPONENT_H
#define SLUICE_CONFIG_COMPONENT_H

#include "config/config.h"
#include "config/schema.h"

struct printer;

enum component_kind {
	COMPONENT_RECEIVER = 0,
	COMPONENT_PROCESSOR,
	COMPONENT_EXPORTER,
	COMPONENT_CONNECTOR,
};
#define COMPONENT_KINDS 4

struct component_desc {
	const char *const *names;	     /* type names, NULL-terminated; names[0] is the one
	                              messages use ("otlphttp"; "otlp_http" also accepted) */
	int type;			     /* the enum sluice_<kind>_type value */
	unsigned signals;		     /* SLUICE_SIGNAL_BIT()s it serves (connectors: as an
	                              exporter of a pipeline of that signal) */
	unsigned pairs[SLUICE_SIGNAL_COUNT]; /* connectors: pairs[in] = the signals of the
	                              pipelines it can feed from a pipeline of signal `in` */
	const struct schema_field *fields;   /* its keys; base = its settings (the union
	                              member; receivers: the whole struct) */
	void (*init)(void *settings);	     /* defaults, before the keys are read */
	schema_check_fn finish;		     /* checks once the keys are read (or NULL) */
	/* Comment lines after the keys in `sluice check` (derived values: the
	 * URLs an exporter sends to, ...); NULL: none. */
	void (*note)(struct printer *p, int indent, const void *settings);
};

/* `receivers:`, `processors:`, `exporters:`, `connectors:`: every component
 * of the section into cfg (file order). */
int components_parse(struct schema_ctx *c, const struct ynode *map, enum component_kind k,
		     struct sluice_config *cfg);

/* The descriptor of a defined component (by its id's type part). */
const struct component_desc *component_desc_of(enum component_kind k, const char *id);

/* Adds a component with the defaults of type `id` (the pipeline defaults:
 * otlp, batch, debug). Returns its index or a negative errno. */
int component_add_default(struct schema_ctx *c, struct sluice_config *cfg, enum component_kind k,
			  const char *id);

/* The section, every component with every key, for config_print. */
void components_print(struct printer *p, const struct sluice_config *cfg, enum component_kind k);

/* Whether connector type `type` can take records of signal `in` from a
 * pipeline and feed a pipeline of signal `out`. */
bool component_connector_pair(int type, enum sluice_signal in, enum sluice_signal out);

/* The signals a processor / exporter type serves, as "traces, logs" text. */
const char *component_signals_text(unsigned signals, char *buf, size_t size);

/* The descriptors (config/recv_*.c, proc_*.c, exp_*.c, conn_*.c). */
extern const struct component_desc recv_otlp_desc;
extern const struct component_desc proc_filter_desc, proc_sampler_desc, proc_attributes_desc,
	proc_resource_desc, proc_span_desc, proc_batch_desc;
extern const struct component_desc exp_otlphttp_desc, exp_otlp_desc, exp_debug_desc, exp_file_desc,
	exp_prometheus_desc;
extern const struct component_desc conn_forward_desc, conn_routing_desc, conn_spanmetrics_desc;

#endif
