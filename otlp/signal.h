/* otlp/signal.h: one descriptor per OTLP signal (traces, logs, metrics):
 * everything the stages need to treat a request of that signal without
 * knowing which one it is.
 *
 *   const struct otlp_signal_desc *sd = otlp_signal_get(OTLP_SIGNAL_LOGS);
 *   sd->validate_request(body, len, &counts, &diag);   // ingest
 *   sd->count_items(resource);                          // a ring record
 *   otlp_signal_by_http_path("/v1/logs", 8);            // routing a request
 *
 * Every signal has the same shape, so the rest is generic: a request's
 * resources are field 1 (ResourceSpans/Logs/Metrics), a resource's scopes
 * field 2, a scope's items field 2 (for metrics: Metric, whose data points
 * are the items); a response's partial_success is field 1, with the
 * rejected count at field 1 and error_message at field 2.
 *
 * A new signal: one file with its descriptor (signal_<name>.c) and one
 * entry in signal.c's table. The enum's values are config's enum
 * sluice_signal's (static-asserted where both are seen). */
#ifndef SLUICE_OTLP_SIGNAL_H
#define SLUICE_OTLP_SIGNAL_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/wire.h"

struct ProtobufCMessageDescriptor;

enum otlp_signal {
	OTLP_SIGNAL_TRACES = 0,
	OTLP_SIGNAL_LOGS = 1,
	OTLP_SIGNAL_METRICS = 2,
};
#define OTLP_SIGNAL_COUNT 3

/* otlp_wire_validate_* of a whole request, or of one bare resource. */
typedef int (*otlp_signal_validate_fn)(const void *buf, size_t len, struct otlp_wire_counts *c,
				       struct otlp_wire_diag *d);

struct otlp_signal_desc {
	enum otlp_signal signal;
	const char *name;	    /* "traces": config and log lines */
	const char *http_path;	    /* "/v1/traces" */
	const char *grpc_service;   /* "opentelemetry.proto.collector.trace.v1.TraceService" */
	const char *grpc_method;    /* "/opentelemetry.proto.collector.trace.v1.TraceService/Export" */
	const char *item_metric;    /* "spans", "log_records", "metric_points": the
	                                  Collector's metric names (otelcol_receiver_accepted_<this>) */
	const char *item_text;	    /* "spans", "log records", "data points" */
	const char *request_name;   /* "ExportTraceServiceRequest" */
	const char *resource_name;  /* "ResourceSpans" */
	const char *resources_json; /* "resourceSpans": the request's field 1 in OTLP/JSON */
	const char *rejected_json;  /* "rejectedSpans": partial_success field 1 in OTLP/JSON */
	otlp_signal_validate_fn validate_request;
	otlp_signal_validate_fn validate_resource;
	/* Items (spans, log records, data points) in one validated resource;
	 * the count or a negative errno. */
	int64_t (*count_items)(struct otlp_bytes resource);
	/* protobuf-c descriptors, for OTLP/JSON (otlp/json.h) and tests. */
	const struct ProtobufCMessageDescriptor *request_desc;
	const struct ProtobufCMessageDescriptor *response_desc;
	const struct ProtobufCMessageDescriptor *resource_desc;
};

/* The descriptor of a signal, or NULL if s is not one. */
const struct otlp_signal_desc *otlp_signal_get(enum otlp_signal s);

/* The signal whose OTLP/HTTP path is path[0..len) ("/v1/logs"; nothing
 * else: no query, no trailing slash), or NULL. */
const struct otlp_signal_desc *otlp_signal_by_http_path(const char *path, size_t len);

/* The signal whose gRPC method path is path[0..len)
 * ("/opentelemetry.proto.collector.logs.v1.LogsService/Export"), or NULL. */
const struct otlp_signal_desc *otlp_signal_by_grpc_path(const char *path, size_t len);

/* The signal named name[0..len) ("traces", "logs", "metrics"), or NULL. */
const struct otlp_signal_desc *otlp_signal_by_name(const char *name, size_t len);

#endif
