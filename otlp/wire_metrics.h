/* otlp/wire_metrics.h: the zero-allocation reader (otlp/wire.h) for metrics.
 *
 * ResourceMetrics and ScopeMetrics have the shape of ResourceSpans and
 * ScopeSpans (the same field numbers): otlp_wire_resource_spans() and
 * otlp_wire_scope_spans() decode them (n_spans counts Metrics). A Metric
 * decodes into its identity, its type and a view of its data message
 * (Gauge, Sum, ...); each data point of that message decodes into one
 * struct for all five types. A Metric whose data oneof occurs more than
 * once is read as protobuf-c reads it: the last occurrence is its data.
 *
 *   otlp_wire_each_metric(req, fn, arg)          every Metric of a request
 *   otlp_wire_resource_each_metric(rm, fn, arg)  of one ResourceMetrics
 *   otlp_wire_each_data_point(&metric, fn, arg)  every point of a Metric
 *   otlp_wire_count_data_points(rm)              points of a ResourceMetrics
 *   otlp_wire_nums_*()                           packed or not, the numbers
 *                                                of a repeated number field
 *
 * Deep validation: otlp_wire_validate_metrics_request /
 * _resource_metrics (wire.h). Return values and errors as in wire.h. */
#ifndef SLUICE_OTLP_WIRE_METRICS_H
#define SLUICE_OTLP_WIRE_METRICS_H

#include <string.h>

#include "otlp/wire.h"
#include "otlp/wire_logs.h" /* struct otlp_field_pos */

/* Field numbers (from otlp/proto/opentelemetry/proto/metrics/v1). */
enum {
	OTLP_F_REQ_RESOURCE_METRICS = 1, /* ExportMetricsServiceRequest */
	OTLP_F_RM_RESOURCE = 1,		 /* ResourceMetrics */
	OTLP_F_RM_SCOPE_METRICS = 2,
	OTLP_F_RM_SCHEMA_URL = 3,
	OTLP_F_SM_SCOPE = 1, /* ScopeMetrics */
	OTLP_F_SM_METRICS = 2,
	OTLP_F_SM_SCHEMA_URL = 3,
	OTLP_F_METRIC_NAME = 1, /* Metric */
	OTLP_F_METRIC_DESCRIPTION = 2,
	OTLP_F_METRIC_UNIT = 3,
	OTLP_F_METRIC_METADATA = 12, /* data members: enum otlp_metric_type */
	OTLP_F_DATA_POINTS = 1,	     /* Gauge, Sum, Histogram, ... */
	OTLP_F_DATA_TEMPORALITY = 2, /* Sum, Histogram, ExponentialHistogram */
	OTLP_F_SUM_MONOTONIC = 3,    /* Sum */
	OTLP_F_DP_START_TIME = 2,    /* every data point type */
	OTLP_F_DP_TIME = 3,
	OTLP_F_NDP_AS_DOUBLE = 4, /* NumberDataPoint */
	OTLP_F_NDP_EXEMPLARS = 5,
	OTLP_F_NDP_AS_INT = 6,
	OTLP_F_NDP_ATTRIBUTES = 7,
	OTLP_F_NDP_FLAGS = 8,
	OTLP_F_HDP_COUNT = 4, /* HistogramDataPoint */
	OTLP_F_HDP_SUM = 5,
	OTLP_F_HDP_BUCKET_COUNTS = 6,
	OTLP_F_HDP_EXPLICIT_BOUNDS = 7,
	OTLP_F_HDP_EXEMPLARS = 8,
	OTLP_F_HDP_ATTRIBUTES = 9,
	OTLP_F_HDP_FLAGS = 10,
	OTLP_F_HDP_MIN = 11,
	OTLP_F_HDP_MAX = 12,
	OTLP_F_EHDP_ATTRIBUTES = 1, /* ExponentialHistogramDataPoint */
	OTLP_F_EHDP_COUNT = 4,
	OTLP_F_EHDP_SUM = 5,
	OTLP_F_EHDP_SCALE = 6,
	OTLP_F_EHDP_ZERO_COUNT = 7,
	OTLP_F_EHDP_POSITIVE = 8,
	OTLP_F_EHDP_NEGATIVE = 9,
	OTLP_F_EHDP_FLAGS = 10,
	OTLP_F_EHDP_EXEMPLARS = 11,
	OTLP_F_EHDP_MIN = 12,
	OTLP_F_EHDP_MAX = 13,
	OTLP_F_EHDP_ZERO_THRESHOLD = 14,
	OTLP_F_BUCKETS_OFFSET = 1, /* ExponentialHistogramDataPoint.Buckets */
	OTLP_F_BUCKETS_COUNTS = 2,
	OTLP_F_SDP_COUNT = 4, /* SummaryDataPoint */
	OTLP_F_SDP_SUM = 5,
	OTLP_F_SDP_QUANTILES = 6,
	OTLP_F_SDP_ATTRIBUTES = 7,
	OTLP_F_SDP_FLAGS = 8,
	OTLP_F_QUANTILE_QUANTILE = 1, /* SummaryDataPoint.ValueAtQuantile */
	OTLP_F_QUANTILE_VALUE = 2,
	OTLP_F_EXEMPLAR_TIME = 2, /* Exemplar */
	OTLP_F_EXEMPLAR_AS_DOUBLE = 3,
	OTLP_F_EXEMPLAR_SPAN_ID = 4,
	OTLP_F_EXEMPLAR_TRACE_ID = 5,
	OTLP_F_EXEMPLAR_AS_INT = 6,
	OTLP_F_EXEMPLAR_ATTRIBUTES = 7,
};
#define OTLP_METRIC_NFIELDS 13 /* struct otlp_metric.pos[] */
#define OTLP_DP_NFIELDS 15     /* struct otlp_data_point.pos[] */

/* A Metric's type is the field number of its data member. */
enum otlp_metric_type {
	OTLP_METRIC_NONE = 0,
	OTLP_METRIC_GAUGE = 5,
	OTLP_METRIC_SUM = 7,
	OTLP_METRIC_HISTOGRAM = 9,
	OTLP_METRIC_EXP_HISTOGRAM = 10,
	OTLP_METRIC_SUMMARY = 11,
};

struct otlp_metric {
	struct otlp_bytes raw; /* the whole Metric */
	struct otlp_bytes name, description, unit;
	enum otlp_metric_type type;	 /* NONE: no data member */
	struct otlp_bytes data;		 /* the Gauge/Sum/Histogram/... message */
	int32_t aggregation_temporality; /* Sum, (Exponential)Histogram: 1 delta, 2 cumulative */
	int is_monotonic;		 /* Sum */
	uint32_t n_data_points;		 /* iterate OTLP_F_DATA_POINTS over data */
	uint32_t n_metadata;		 /* iterate OTLP_F_METRIC_METADATA over raw */
	struct otlp_field_pos pos[OTLP_METRIC_NFIELDS]; /* by field number, the last */
};

/* Decodes a Metric and the scalar fields of its data message. */
int otlp_wire_metric(struct otlp_bytes msg, struct otlp_metric *out);

enum otlp_number_type {
	OTLP_NUMBER_NONE = 0,
	OTLP_NUMBER_DOUBLE = 1,
	OTLP_NUMBER_INT = 2,
};

/* One data point of any type; the fields a type lacks stay zero. */
struct otlp_data_point {
	struct otlp_bytes raw; /* the whole data point */
	enum otlp_metric_type type;
	uint32_t attributes_field; /* iterate this field over raw: KeyValues */
	uint32_t n_attributes;
	uint32_t exemplars_field; /* iterate this field over raw: otlp_wire_exemplar() */
	uint32_t n_exemplars;
	uint64_t start_time_unix_nano;
	uint64_t time_unix_nano;
	uint32_t flags; /* bit 0: no recorded value */
	/* Gauge, Sum */
	enum otlp_number_type number;
	double as_double;
	int64_t as_int;
	/* Histogram, ExponentialHistogram, Summary */
	uint64_t count;
	double sum;
	int has_sum; /* always 1 for a Summary that has the field */
	/* Histogram, ExponentialHistogram */
	double min, max;
	int has_min, has_max;
	/* Histogram: otlp_wire_nums over raw, OTLP_F_HDP_BUCKET_COUNTS (fixed64)
	 * and OTLP_F_HDP_EXPLICIT_BOUNDS (doubles) */
	uint32_t n_bucket_counts, n_explicit_bounds;
	/* ExponentialHistogram */
	int32_t scale;
	uint64_t zero_count;
	double zero_threshold;
	struct otlp_bytes positive, negative; /* Buckets: otlp_wire_buckets() */
	/* Summary: iterate OTLP_F_SDP_QUANTILES over raw, otlp_wire_quantile() */
	uint32_t n_quantiles;
	struct otlp_field_pos pos[OTLP_DP_NFIELDS]; /* by field number, the last
	                                                (the first for attributes) */
};

/* Decodes one data point of a Metric of type type. */
int otlp_wire_data_point(struct otlp_bytes msg, enum otlp_metric_type type, struct otlp_data_point *out);

struct otlp_buckets {
	int32_t offset;
	uint32_t n_bucket_counts; /* otlp_wire_nums over raw, OTLP_F_BUCKETS_COUNTS, varint */
	struct otlp_bytes raw;
};
int otlp_wire_buckets(struct otlp_bytes msg, struct otlp_buckets *out);

struct otlp_quantile {
	double quantile, value;
};
int otlp_wire_quantile(struct otlp_bytes msg, struct otlp_quantile *out);

struct otlp_exemplar {
	uint64_t time_unix_nano;
	enum otlp_number_type number;
	double as_double;
	int64_t as_int;
	struct otlp_bytes trace_id;	/* 16 bytes or empty */
	struct otlp_bytes span_id;	/* 8 bytes or empty */
	uint32_t n_filtered_attributes; /* iterate OTLP_F_EXEMPLAR_ATTRIBUTES */
};
int otlp_wire_exemplar(struct otlp_bytes msg, struct otlp_exemplar *out);

/* The values of a repeated number field, packed (one LEN field) or not (one
 * field each), in order: fixed64 1 for fixed64/double elements (doubles:
 * otlp_wire_double()), 0 for varints. next: 1 with *v, 0 at the end, or a
 * negative errno. */
struct otlp_wire_nums {
	struct otlp_wire_reader r;
	const uint8_t *pp, *pend; /* the rest of the current packed run */
	uint32_t num;
	int fixed64;
};
void otlp_wire_nums_init(struct otlp_wire_nums *it, struct otlp_bytes msg, uint32_t num, int fixed64);
int otlp_wire_nums_next(struct otlp_wire_nums *it, uint64_t *v);

static inline double otlp_wire_double(uint64_t bits)
{
	double d;
	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* Calls fn for every Metric of a request (or of one ResourceMetrics), as
 * otlp_wire_each_log_record does for log records. */
typedef int (*otlp_wire_metric_fn)(void *arg, const struct otlp_metric *m, int rc);
int otlp_wire_each_metric(struct otlp_bytes req, otlp_wire_metric_fn fn, void *arg);
int otlp_wire_resource_each_metric(struct otlp_bytes resource_metrics, otlp_wire_metric_fn fn, void *arg);

/* Calls fn for every data point of a decoded Metric, likewise. Returns 0,
 * fn's stop value, or a negative errno if the data message does not frame. */
typedef int (*otlp_wire_point_fn)(void *arg, const struct otlp_data_point *dp, int rc);
int otlp_wire_each_data_point(const struct otlp_metric *m, otlp_wire_point_fn fn, void *arg);

/* Data points in one ResourceMetrics already validated, over all five
 * types (the Collector's count). The count or a negative errno. */
int64_t otlp_wire_count_data_points(struct otlp_bytes resource_metrics);

#endif
