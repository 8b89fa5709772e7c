/* tests/agg/mwalk.h: decodes OTLP metrics protobuf (an
 * ExportMetricsServiceRequest) into flat data points, with a small walker
 * over otlp/wire.h, so tests can check every number agg/ wrote. Field
 * numbers are written here from opentelemetry/proto/metrics/v1/metrics.proto
 * independently of agg/sm_flush.c. */
#ifndef SLUICE_TESTS_AGG_MWALK_H
#define SLUICE_TESTS_AGG_MWALK_H

#include <stddef.h>
#include <stdint.h>

enum {
	MW_SUM = 1,
	MW_HIST = 2,
	MW_EXPO = 3,
	MW_GAUGE = 4
};

struct mw_point {
	char metric[96];
	char unit[16];
	char scope[64];
	int type, temporality, monotonic;
	char res[512];	 /* resource attributes "k=v;k=v" in order */
	char attrs[512]; /* data point attributes "k=v;..." in order */
	uint64_t start, time;
	uint64_t count; /* sum: as_int; histograms: count */
	double sum;
	uint32_t n_buckets, n_bounds;
	uint64_t buckets[80];
	double bounds[80];
	int32_t scale, offset;
	uint64_t zero;
	uint32_t n_pos;
	uint64_t pos[512];
	double min, max;
	int has_min;
	uint32_t n_exemplars;
	uint8_t ex_trace[8][16];
	double ex_value[8];
};

/* Returns the number of points decoded, or -1 if the bytes do not parse. */
int mw_decode(const uint8_t *buf, size_t len, struct mw_point *out, int max);

/* The point of metric `metric` whose attrs equal `attrs`, or NULL. */
const struct mw_point *mw_find(const struct mw_point *p, int n, const char *metric, const char *attrs);

#endif
