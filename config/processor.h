/* config/processor.h: the settings of each processor type (included by
 * config/config.h). Each type is described to the loader by one
 * descriptor file (config/proc_<type>.c). */
#ifndef SLUICE_CONFIG_PROCESSOR_H
#define SLUICE_CONFIG_PROCESSOR_H

#include "config/values.h"

/* ---------- legacy match properties: spans ---------- */

enum sluice_match_type {
	SLUICE_MATCH_STRICT = 0, /* equality */
	SLUICE_MATCH_REGEXP,	 /* POSIX ERE search (anchor with ^...$) */
	SLUICE_MATCH_PREFIX,	 /* our extra: string starts with */
};

/* A span matches when EVERY property that is set matches; a list property
 * matches when ANY of its entries does. present = false: include/exclude
 * was not given (the loader refuses one given with no property). */
struct sluice_match {
	bool present; /* include: / exclude: was given */
	enum sluice_match_type match_type;
	const char **services; /* resource service.name, n_services */
	struct sluice_regex *services_re;
	size_t n_services;
	const char **span_names;	    /* n_span_names */
	struct sluice_regex *span_names_re; /* regexp: one per span_names[i] */
	size_t n_span_names;
	uint32_t span_kinds;	      /* bit (1u << OTLP SpanKind 0..5); 0 = any */
	uint32_t status_codes;	      /* bit (1u << OTLP StatusCode 0..2); 0 = any */
	struct sluice_kv *attributes; /* span attributes, n_attributes (ALL must match) */
	size_t n_attributes;
	struct sluice_kv *resources; /* resource attributes, n_resources (ALL) */
	size_t n_resources;
	uint64_t min_duration_ns; /* our extra: matches duration >= min (0 = no bound) */
	uint64_t max_duration_ns; /* our extra: matches duration <= max (0 = no bound) */
};

/* ---------- legacy match properties: log records ---------- */

/* Same rules: every property given must match, a list matches when any
 * entry does. */
struct sluice_log_match {
	bool present;
	enum sluice_match_type match_type;   /* strict or regexp */
	struct sluice_kv *record_attributes; /* n_record_attributes (ALL) */
	size_t n_record_attributes;
	struct sluice_kv *resource_attributes; /* n_resource_attributes (ALL) */
	size_t n_resource_attributes;
	const char **severity_texts;		/* n_severity_texts */
	struct sluice_regex *severity_texts_re; /* regexp: one per entry */
	size_t n_severity_texts;
	bool has_severity_number;      /* severity_number: given */
	uint32_t severity_number_min;  /* 1..24 (TRACE..FATAL4): matches >= min */
	bool severity_match_undefined; /* also match records with severity 0 */
	const char **bodies;	       /* string bodies, n_bodies */
	struct sluice_regex *bodies_re;
	size_t n_bodies;
};

/* ---------- legacy match properties: metrics ---------- */

struct sluice_metric_match {
	bool present;
	enum sluice_match_type match_type; /* strict or regexp */
	const char **metric_names;	   /* n_metric_names */
	struct sluice_regex *metric_names_re;
	size_t n_metric_names;
	struct sluice_kv *resource_attributes; /* n_resource_attributes (ALL) */
	size_t n_resource_attributes;
};

/* ---------- filter ---------- */

/* Two forms, never both in one processor (the loader refuses that):
 * - legacy: keep an item iff (!include.present || matches(include)) &&
 *   !(exclude.present && matches(exclude)), per signal;
 * - OTTL: drop an item when ANY condition of its context is true (a span
 *   when a `span` condition is, or when a `spanevent` one is for one of its
 *   events the event is dropped; a metric when a `metric` condition is, a
 *   data point when a `datapoint` one is). */
struct sluice_filter {
	struct sluice_match include;				     /* spans: {include} */
	struct sluice_match exclude;				     /* spans: {exclude} */
	struct sluice_log_match logs_include, logs_exclude;	     /* logs: {include, exclude} */
	struct sluice_metric_match metrics_include, metrics_exclude; /* metrics: {include, exclude} */
	enum sluice_error_mode error_mode;			     /* default propagate */
	struct sluice_ottl_list span;				     /* traces.span */
	struct sluice_ottl_list spanevent;			     /* traces.spanevent */
	struct sluice_ottl_list log_record;			     /* logs.log_record */
	struct sluice_ottl_list metric;				     /* metrics.metric */
	struct sluice_ottl_list datapoint;			     /* metrics.datapoint */
};

/* ---------- probabilistic_sampler ---------- */

enum sluice_attribute_source {
	SLUICE_SOURCE_TRACE_ID = 0, /* hash the trace id */
	SLUICE_SOURCE_RECORD,	    /* logs: hash the from_attribute value */
};

struct sluice_sampler {
	double sampling_percentage;		       /* 0..100, default 100 */
	uint32_t hash_seed;			       /* default 0; same seed = same decisions everywhere */
	enum sluice_attribute_source attribute_source; /* logs only; default traceID */
	const char *from_attribute;		       /* attribute_source record: the log attribute hashed */
	bool fail_closed; /* logs: drop records with nothing to hash (no trace id,
	                               no from_attribute value); default true (Collector) */
};

/* ---------- attributes / resource ---------- */

enum sluice_action_kind {
	SLUICE_ACTION_INSERT = 0, /* set key if absent */
	SLUICE_ACTION_UPDATE,	  /* set key if present */
	SLUICE_ACTION_UPSERT,	  /* set key */
	SLUICE_ACTION_DELETE,	  /* remove key (or every key matching pattern) */
	SLUICE_ACTION_HASH,	  /* replace value by SHA-256 hex of its string form */
	SLUICE_ACTION_EXTRACT,	  /* regex named groups of key's value -> new attributes */
};

struct sluice_action {
	enum sluice_action_kind action;
	const char *key;	    /* NULL only for delete/hash with pattern */
	struct sluice_value value;  /* insert/update/upsert: typed value, or NONE with from_attribute */
	const char *from_attribute; /* insert/update/upsert: copy this attribute's value */
	bool has_pattern;
	struct sluice_regex pattern; /* extract: on key's value (named groups required);
	                                delete/hash: on attribute keys */
};

/* Used for both `attributes` (span / log record / data point attributes)
 * and `resource` (resource attributes; include/exclude not allowed there).
 * Actions run in order. include/exclude are span match properties: the
 * loader refuses them in a processor used by a logs or metrics pipeline. */
struct sluice_attributes {
	struct sluice_action *actions;
	size_t n_actions;
	struct sluice_match include; /* attributes only: apply to matching spans */
	struct sluice_match exclude;
};

/* ---------- span ---------- */

struct sluice_span_proc {
	const char **from_attributes; /* name.from_attributes, n_from_attributes:
	                                 rename to their values joined by separator
	                                 (only when ALL are present) */
	size_t n_from_attributes;
	const char *separator;		    /* default "" */
	struct sluice_regex *to_attributes; /* name.to_attributes.rules, n_rules */
	size_t n_rules;
	bool break_after_match; /* name.to_attributes.break_after_match */
	struct sluice_match include;
	struct sluice_match exclude;
};

/* ---------- batch (run by the batch stage) ---------- */

/* Items are counted per signal as the Collector counts them: spans, log
 * records, metric data points. */
struct sluice_batch {
	uint32_t send_batch_size;      /* items that trigger a flush; default 8192 */
	uint32_t send_batch_max_size;  /* items a batch never exceeds; 0 = no limit */
	uint64_t send_batch_max_bytes; /* our extra: request body bytes never exceeded;
	                                  default 4MiB (gRPC receivers' usual cap) */
	uint64_t timeout_ns;	       /* flush a non-empty batch this old; default 200ms;
	                                  0 = flush every record at once */
};

enum sluice_processor_type {
	SLUICE_PROC_FILTER = 0,
	SLUICE_PROC_PROBABILISTIC_SAMPLER,
	SLUICE_PROC_ATTRIBUTES,
	SLUICE_PROC_RESOURCE,
	SLUICE_PROC_SPAN,
	SLUICE_PROC_BATCH,
};

struct sluice_processor {
	const char *id; /* "filter/errors" as written */
	enum sluice_processor_type type;
	unsigned line, col; /* where it is defined (for runtime messages) */
	union {
		struct sluice_filter filter;	     /* FILTER */
		struct sluice_sampler sampler;	     /* PROBABILISTIC_SAMPLER */
		struct sluice_attributes attributes; /* ATTRIBUTES, RESOURCE */
		struct sluice_span_proc span;	     /* SPAN */
		struct sluice_batch batch;	     /* BATCH */
	};
};

#endif
