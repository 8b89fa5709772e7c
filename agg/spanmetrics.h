/* agg/spanmetrics.h: span-metrics aggregation (the Collector's spanmetrics
 * connector) whose state lives in memory the caller provides: a named
 * region of the shared-memory segment, so a restarted process finds it.
 *
 * Series are keyed by service.name (resource), span.name, span.kind
 * ("SPAN_KIND_SERVER"), status.code ("STATUS_CODE_ERROR") and the configured
 * dimensions, grouped into ResourceMetrics by the resource (or the
 * resource_metrics_key_attributes of it). Metrics: <namespace>.calls
 * (monotonic Sum) and <namespace>.duration (Histogram or
 * ExponentialHistogram, unit ms or s), scope "spanmetricsconnector".
 *
 * Use (one thread; the region belongs to one process at a time):
 *   agg_region_size(&p)                  bytes the region needs
 *   agg_format(region, size, &p, now)    once, on a fresh region
 *   agg_attach(&a, region, size, &p)     every start: replays a committed
 *                                        record a crash interrupted
 *   per input record:
 *     if (seq <= agg_applied_seq(a, src)) skip it (already counted)
 *     agg_begin(a, src, seq, now)
 *     agg_resource(a, resource bytes)    once per ResourceSpans
 *     agg_add(a, &span)                  every span of it, in record order
 *       (or agg_add_many(a, spans, n))
 *     or agg_add_wire(a, resource_spans) both from the wire bytes
 *     agg_commit(a)                      the whole record is durable
 *   every flush interval:
 *     agg_flush(a, now, buf, cap, &len)  -> N; publish buf (one record)
 *     agg_flush_done(a, N)  once published (delta: counts restart)
 *     agg_flush_cancel(a, N) if it could not be published
 *   after a restart: N = agg_flush_pending(a); if N and the output ring's
 *     source seq shows N published: agg_flush_done(a, N), else cancel.
 *
 * Crash safety: agg_commit writes every cell the record changed (their new
 * absolute values) into a redo log in the region, marks it valid with a
 * release store, applies it, then clears it; agg_attach re-applies a valid
 * log (idempotent). A kill -9 at any instruction leaves either the whole
 * record counted with applied_seq = seq, or none of it. A record touching
 * more series than the log holds is committed in parts, each noting how
 * many spans of the record it covered; when the caller feeds the record
 * again after a crash (same spans, same order), agg_add skips those.
 * A flush is numbered; delta counts restart only in agg_flush_done, one
 * durable step, so a flush published before a crash is never counted twice
 * as long as the caller confirms it (or cancels it) before the next record.
 *
 * Returns: 0 or a count, or a negative errno:
 *   -EINVAL params or arguments out of range, -ENOSPC buffer too small,
 *   -EBUSY a flush awaits done/cancel (or a record is open), -EALREADY
 *   agg_begin of a seq already applied (skip the record) or
 *   agg_flush_cancel of a confirmed flush, -ENODATA the region was never
 *   formatted, -ESTALE it was formatted for other params, -EBADMSG its
 *   contents are damaged (refused, never trusted).
 * Series identity is a 128-bit hash of the key (docs/bench/agg.md).
 */
#ifndef SLUICE_AGG_SPANMETRICS_H
#define SLUICE_AGG_SPANMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlp/wire.h"

#define AGG_DIMS_MAX 16	    /* configured dimensions */
#define AGG_SOURCES_MAX 64  /* input rings a caller numbers 0..63 */
#define AGG_BOUNDS_MAX 63   /* explicit histogram bounds (buckets <= 64) */
#define AGG_RES_KEYS_MAX 16 /* resource_metrics_key_attributes */

enum agg_hist {
	AGG_HIST_EXPLICIT = 0,
	AGG_HIST_EXPONENTIAL = 1,
	AGG_HIST_DISABLED = 2
};
enum agg_unit {
	AGG_UNIT_MS = 0,
	AGG_UNIT_S = 1
};

/* exclude_dimensions, as bits */
enum {
	AGG_EXCLUDE_SERVICE_NAME = 1u << 0,
	AGG_EXCLUDE_SPAN_NAME = 1u << 1,
	AGG_EXCLUDE_SPAN_KIND = 1u << 2,
	AGG_EXCLUDE_STATUS_CODE = 1u << 3,
};

struct agg_dim {
	const char *name;
	const char *default_value; /* NULL: no default (left out when absent) */
};

/* Plain parameters (the coordinator maps the config to them). Zero values
 * mean the defaults noted. Strings are copied into the region's
 * fingerprint only; the caller keeps them alive while attached. */
struct agg_params {
	const char *namespace_; /* NULL: "traces.span.metrics"; "": none */
	struct agg_dim dims[AGG_DIMS_MAX];
	uint32_t n_dims;
	uint32_t exclude; /* AGG_EXCLUDE_* */
	const char *resource_keys[AGG_RES_KEYS_MAX];
	uint32_t n_resource_keys; /* 0: the whole resource is the key */
	enum agg_unit unit;
	enum agg_hist hist;
	const double *bounds; /* in `unit`; NULL: the Collector's list */
	uint32_t n_bounds;
	uint32_t expo_max_size;	    /* 0: 160 */
	bool delta;		    /* aggregation_temporality delta */
	uint64_t expiration_ns;	    /* metrics_expiration; 0: never */
	uint32_t cardinality_limit; /* series per resource; 0: none */
	bool exemplars;
	uint32_t exemplars_max; /* per data point; 0: 4 */
	/* capacity (they size the region) */
	uint32_t max_series;	   /* 0: 100000 */
	uint32_t max_resources;	   /* 0: 1024 */
	uint32_t key_bytes;	   /* series key text; 0: 256 */
	uint32_t resource_bytes;   /* resource attributes; 0: 2048 */
	uint32_t commit_series;	   /* series one commit may touch; 0: 1024 */
	uint32_t delta_cache_size; /* delta: series whose last point time is
				      * kept (metric_timestamp_cache_size); 0: 10000 */
};

/* One span, as views the caller decoded (valid until agg_add returns),
 * dimension values looked up (a caller that resolved attribute keys
 * already hands them over without a key compare). agg_span_from_wire()
 * fills this from raw Span bytes; the process stage calls agg_add_wire(),
 * which reads the spans' wire bytes without this struct (cheaper). */
struct agg_span {
	struct otlp_bytes name;
	struct otlp_bytes trace_id; /* 16 bytes or empty */
	struct otlp_bytes span_id;  /* 8 bytes or empty */
	uint64_t start_ns, end_ns;
	int32_t kind;	       /* Span.kind number */
	int32_t status;	       /* Status.code number */
	uint32_t dims_present; /* bit i: dim[i] is the span's attribute */
	struct otlp_value dim[AGG_DIMS_MAX];
};

struct agg_stats {
	uint64_t spans;		   /* counted */
	uint64_t spans_skipped;	   /* replayed spans of a partly committed record */
	uint64_t spans_no_service; /* resource without service.name: not counted */
	uint64_t overflow_spans;   /* counted into an otel.metric.overflow series */
	uint64_t series_created;
	uint64_t commits, partial_commits;
	uint64_t replayed_logs;	 /* logs re-applied by agg_attach */
	uint64_t repaired_slots; /* damaged slots agg_attach set aside */
	uint64_t live_series, live_resources;
};

struct agg;

/* Bytes of region these params need (0: params invalid). */
size_t agg_region_size(const struct agg_params *p);

/* Validates params (config errors as text in err, may be NULL). */
int agg_params_check(const struct agg_params *p, char *err, size_t errlen);

/* Lays out an empty state in region (size >= agg_region_size). */
int agg_format(void *region, size_t size, const struct agg_params *p, uint64_t now_ns);

/* Attaches to a formatted region: checks version, size and params
 * fingerprint, re-applies a committed log, rebuilds the in-process index.
 * *out is freed with agg_detach (the region is left as it is). */
int agg_attach(struct agg **out, void *region, size_t size, const struct agg_params *p);
void agg_detach(struct agg *a);

/* Last record seq fully applied from source (0: none). */
uint64_t agg_applied_seq(const struct agg *a, uint32_t source);

int agg_begin(struct agg *a, uint32_t source, uint64_t seq, uint64_t now_ns);
/* Sets the resource of the spans that follow (the Resource message bytes).
 * Returns 0, or 1 when it has no service.name (its spans are not counted). */
int agg_resource(struct agg *a, struct otlp_bytes resource);
int agg_add(struct agg *a, const struct agg_span *s);
/* The same for n spans in record order; faster with many series (the
 * index lookups of 16 spans overlap). */
int agg_add_many(struct agg *a, const struct agg_span *s, uint32_t n);
int agg_commit(struct agg *a);

/* Fills s from one Span message (looks up the dimensions in its attributes). */
int agg_span_from_wire(const struct agg *a, struct otlp_bytes span, struct agg_span *s);

/* agg_resource and agg_add for every span of one ResourceSpans message
 * (wire bytes), each span read in one pass over its fields, the keys
 * exactly agg_add's: the process stage's path. Returns the spans read
 * (counted, or skipped as a partial commit's), 0 for a resource without
 * service.name, or -errno (spans before the error stay added). A span
 * whose fields do not read is left out, as agg_span_from_wire refuses it. */
int64_t agg_add_wire(struct agg *a, struct otlp_bytes resource_spans);

/* What a caller that has decoded a span (otlp_wire_span's checks: ids of
 * 16 and 8 bytes or none) hands over instead of reading it again. */
struct agg_span_fact {
	const uint8_t *name, *status;
	const uint8_t *trace_id, *span_id; /* NULL: the span has none */
	const uint8_t *raw;		   /* the Span message */
	const uint8_t *attrs, *attrs_end;  /* every attribute field of it, in one
					    * run (NULL: not known; raw is read) */
	uint32_t name_len, status_len, raw_len;
	int32_t kind;
	int32_t has_status;
	uint64_t start, end;
};

/* The fact of a span as otlp_wire_span decoded it, with its attribute run
 * [attrs, attrs_end) when the caller knows it (else NULL, NULL). */
static inline struct agg_span_fact agg_span_fact_of(const struct otlp_span *sp, const uint8_t *attrs,
						    const uint8_t *attrs_end)
{
	return (struct agg_span_fact){
		.name = sp->name.p,
		.status = sp->status.p,
		.trace_id = sp->trace_id.len ? sp->trace_id.p : NULL,
		.span_id = sp->span_id.len ? sp->span_id.p : NULL,
		.raw = sp->raw.p,
		.attrs = attrs,
		.attrs_end = attrs_end,
		.name_len = (uint32_t)sp->name.len,
		.status_len = (uint32_t)sp->status.len,
		.raw_len = (uint32_t)sp->raw.len,
		.kind = sp->kind,
		.has_status = sp->has_status,
		.start = sp->start_time_unix_nano,
		.end = sp->end_time_unix_nano,
	};
}

/* agg_add_wire for a ResourceSpans whose spans the caller has decoded: the
 * resource from rs, the spans from f[0..n) (rs's spans, in order; their
 * attributes are read only for dimensions). The same keys, counts and
 * return as agg_add_wire over rs, without reading each span again. */
int64_t agg_add_spans(struct agg *a, struct otlp_bytes resource_spans, const struct agg_span_fact *f,
		      uint32_t n);

/* Builds an ExportMetricsServiceRequest of every live series into buf
 * (its field-1 entries are the bare ResourceMetrics, one per resource key)
 * and returns the flush number N (>= 1), *len set. -ENOSPC: buf too small
 * (agg_flush_bound says how much is enough). */
int64_t agg_flush(struct agg *a, uint64_t now_ns, void *buf, size_t cap, size_t *len);
size_t agg_flush_bound(const struct agg *a);
int agg_flush_done(struct agg *a, uint64_t n);
int agg_flush_cancel(struct agg *a, uint64_t n);
uint64_t agg_flush_pending(const struct agg *a); /* 0: none */
uint64_t agg_flushed_seq(const struct agg *a);	 /* last confirmed */

void agg_get_stats(const struct agg *a, struct agg_stats *st);

#endif
