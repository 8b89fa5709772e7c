/* config/connector.h: the connectors' settings (included by
 * config/config.h; descriptors: config/conn_<type>.c). A connector is an
 * exporter of some pipelines and a receiver of others; the plan
 * (config/plan.h) has the graph. Pairs: forward and routing keep the
 * signal (traces->traces, ...), spanmetrics turns traces into metrics. */
#ifndef SLUICE_CONFIG_CONNECTOR_H
#define SLUICE_CONFIG_CONNECTOR_H

#include "config/values.h"

struct sluice_pipeline;

/* ---------- routing ---------- */

/* One table entry: records for which `condition` is true go to `pipelines`.
 * First match wins (the Collector's routing connector since match_once
 * became the only mode); no match: default_pipelines (none: dropped and
 * counted). */
struct sluice_route {
	struct sluice_ottl condition;		  /* `condition` as written, or the condition
	                                  part of a `statement` ("route() where <cond>";
	                                  see is_statement). context = the entry's
	                                  `context` (default resource) */
	bool is_statement;			  /* written as `statement:` */
	const char *statement;			  /* the whole statement as written, else NULL */
	const struct sluice_pipeline **pipelines; /* n_pipelines >= 1, resolved */
	size_t n_pipelines;
	unsigned line, col;	   /* the entry, for runtime messages */
	const void *at_pipelines_; /* private: the YAML node, resolved after service */
};

struct sluice_routing {
	struct sluice_route *table; /* n_table >= 1, in order */
	size_t n_table;
	const struct sluice_pipeline **default_pipelines; /* n_default (may be 0) */
	size_t n_default;
	enum sluice_error_mode error_mode; /* default propagate */
	const void *at_default_;	   /* private: the YAML node, resolved after service */
};

/* ---------- spanmetrics ---------- */

struct sluice_dimension {
	const char *name;	   /* looked up in span, then resource attributes */
	const char *default_value; /* `default`: used when absent; NULL = omit the dimension */
};

enum sluice_temporality {
	SLUICE_TEMPORALITY_CUMULATIVE = 0,
	SLUICE_TEMPORALITY_DELTA,
};

enum sluice_histogram_unit {
	SLUICE_UNIT_MS = 0,
	SLUICE_UNIT_S,
};

struct sluice_spanmetrics {
	const char *namespace_;			   /* `namespace`: default "traces.span.metrics";
	                                  metrics <ns>.calls and <ns>.duration ("": no
	                                  prefix, "calls" and "duration") */
	bool histogram_disable;			   /* histogram.disable: no duration metric */
	enum sluice_histogram_unit histogram_unit; /* histogram.unit: ms (default) or s */
	bool exponential;			   /* histogram.exponential given (else explicit) */
	uint32_t exponential_max_size;		   /* histogram.exponential.max_size; default 160 */
	uint64_t *buckets_ns;			   /* histogram.explicit.buckets (strictly increasing);
	                                  default 2,4,6,8,10,50,100,200,400,800,1000,1400,
	                                  2000,5000,10000,15000 ms */
	size_t n_buckets;
	struct sluice_dimension *histogram_dimensions; /* histogram.dimensions: extra, duration only */
	size_t n_histogram_dimensions;
	struct sluice_dimension *dimensions; /* beside service.name, span.name, span.kind,
	                                        status.code */
	size_t n_dimensions;
	struct sluice_dimension *calls_dimensions; /* extra, calls only */
	size_t n_calls_dimensions;
	const char **exclude_dimensions; /* of the four default ones */
	size_t n_exclude_dimensions;
	const char **resource_metrics_key_attributes; /* resource attributes that key the
	                                  resource metrics (empty: all of them) */
	size_t n_resource_metrics_key_attributes;
	enum sluice_temporality temporality;	/* aggregation_temporality; default cumulative */
	uint64_t metrics_flush_interval_ns;	/* default 15s */
	uint64_t metrics_expiration_ns;		/* series idle this long are dropped; 0 = never */
	uint32_t aggregation_cardinality_limit; /* series per resource before new ones fold into
	                                  one with otel.metric.overflow=true; 0 = no limit */
	bool exemplars_enabled;			/* exemplars.enabled; default false */
	uint32_t exemplars_max_per_data_point;	/* default 5 */
	uint32_t dimensions_cache_size;		/* accepted for Collector configs; default 1000 */
	uint32_t resource_metrics_cache_size;	/* default 1000 */
	uint32_t metric_timestamp_cache_size;	/* delta_temporality.metric_timestamp_cache_size;
	                                  default 10000 */
	bool add_resource_attributes;		/* copy resource attributes to the metrics'
	                                  resource; default false */
};

enum sluice_connector_type {
	SLUICE_CONN_FORWARD = 0,
	SLUICE_CONN_ROUTING,
	SLUICE_CONN_SPANMETRICS,
};

struct sluice_connector {
	const char *id; /* "routing/by_team" as written */
	enum sluice_connector_type type;
	unsigned line, col;
	union {
		struct sluice_routing routing;
		struct sluice_spanmetrics spanmetrics;
	};
};

#endif
