/* tools/gen/gen_req.h: synthetic OTLP requests of every signal, built once
 * as a protobuf template and re-stamped for every send.
 *
 * A builder encodes an Export{Trace,Logs,Metrics}ServiceRequest of n items
 * (spans, log records, metric data points) and remembers where each item's
 * id and timestamps sit; the stamper writes fresh ids and times in place:
 * no encoding, no allocation per send.
 *
 * Ids: item i of a request stamped with first_id carries the number
 * first_id + i, so a receiver can tell exactly which items arrived.
 *   traces   span_id = that number, 64-bit big-endian; trace_id groups
 *            GEN_SPANS_PER_TRACE consecutive spans and is a hash of (run,
 *            first_id / GEN_SPANS_PER_TRACE) so trace-id sampling sees
 *            well-spread ids. gen_req.c.
 *   logs     attribute gen.id = the number as 16 lowercase hex digits; a
 *            share of the records also carry trace_id/span_id made as for
 *            spans (span_id = the number), flags 1. time_unix_nano and
 *            observed_time_unix_nano = the send time. ~200 bytes a record
 *            with the default 3 attributes. gen_logs.c.
 *   metrics  each data point has attribute gen.id as for logs;
 *            time_unix_nano = the send time, start_time_unix_nano 60 s
 *            earlier. Metrics of points_per_metric points each, their types
 *            taking turns from a set (gauge, sum, histogram, exponential
 *            histogram, summary). gen_metrics.c.
 */
#ifndef SLUICE_TOOLS_GEN_REQ_H
#define SLUICE_TOOLS_GEN_REQ_H

#include <stddef.h>
#include <stdint.h>

#define GEN_SPANS_PER_TRACE 8

/* Where a log record's or data point's stamped fields sit in buf. */
struct gen_item_pos {
	uint32_t id;	   /* first of the 16 gen.id hex digits */
	uint32_t time;	   /* logs: time_unix_nano value; metrics: start_time value
	                          (time_unix_nano follows 9 bytes later) */
	uint32_t observed; /* logs: observed_time_unix_nano value */
	uint32_t ctx;	   /* logs: trace_id value (span_id 18 bytes later), or
	                          GEN_NO_CTX */
};
#define GEN_NO_CTX UINT32_MAX

/* The metric types a request takes turns with (bit set). */
enum {
	GEN_MT_GAUGE = 1,
	GEN_MT_SUM = 2,
	GEN_MT_HISTOGRAM = 4,
	GEN_MT_EXP_HISTOGRAM = 8,
	GEN_MT_SUMMARY = 16,
};
#define GEN_MT_DEFAULT (GEN_MT_GAUGE | GEN_MT_SUM | GEN_MT_HISTOGRAM)
#define GEN_MT_ALL 31

struct gen_req {
	uint8_t *buf; /* the request body */
	size_t len;
	uint32_t n_spans;	  /* items: spans, log records or data points */
	uint32_t *span_off;	  /* traces [n]: offset of each span's trace_id value */
	uint32_t *start_off;	  /* traces [n]: offset of start_time_unix_nano value */
	struct gen_item_pos *pos; /* logs and metrics [n] */
	uint64_t run;		  /* mixes into trace ids */
	int signal;		  /* enum otlp_signal: 0 traces, 1 logs, 2 metrics */
	uint32_t n_metrics;	  /* metrics: Metric messages */
};

/* Traces. Returns 0 or -ENOMEM / -EINVAL. service names the resource. */
int gen_req_build(struct gen_req *r, uint32_t n_spans, uint32_t attrs, const char *service, uint64_t run);
/* Logs: attrs attributes a record beside gen.id; ctx_share (0..1) of the
 * records carry trace context. */
int gen_req_build_logs(struct gen_req *r, uint32_t n_records, uint32_t attrs, double ctx_share,
		       const char *service, uint64_t run);
/* Metrics: n_points data points in Metrics of points_per_metric points
 * (the last may have fewer), types a GEN_MT_* set, attrs attributes a
 * point beside gen.id. */
int gen_req_build_metrics(struct gen_req *r, uint32_t n_points, uint32_t attrs, uint32_t points_per_metric,
			  unsigned types, const char *service, uint64_t run);
void gen_req_free(struct gen_req *r);

/* Stamp ids first_id .. first_id + n - 1 and times ending at now_ns.
 * gen_req_stamp is the traces stamper; gen_req_stamp_any takes any signal. */
void gen_req_stamp(struct gen_req *r, uint64_t first_id, uint64_t now_ns);
void gen_req_stamp_logs(struct gen_req *r, uint64_t first_id, uint64_t now_ns);
void gen_req_stamp_metrics(struct gen_req *r, uint64_t first_id, uint64_t now_ns);
void gen_req_stamp_any(struct gen_req *r, uint64_t first_id, uint64_t now_ns);

/* Read back the id of item i (tests): the span id, or gen.id. */
uint64_t gen_req_span_id(const struct gen_req *r, uint32_t i);
uint64_t gen_req_item_id(const struct gen_req *r, uint32_t i);

/* "gauge,sum,histogram,exphistogram,summary" (any subset, any order; "all")
 * -> a GEN_MT_* set; -EINVAL for an unknown word or an empty list. */
int gen_metric_types_parse(const char *text, unsigned *types);

#endif
