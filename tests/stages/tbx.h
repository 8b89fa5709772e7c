/* tbx.h: test helpers to build OTLP ResourceLogs, ResourceMetrics and
 * ResourceSpans with span events with protobuf-c (the reference encoder),
 * and to decode chain output with it. Attribute lists are tb.h's
 * struct tb_attr (NULL key ends a list). Packers return a malloc'd buffer
 * and its length. */
#ifndef SLUICE_TESTS_STAGES_TBX_H
#define SLUICE_TESTS_STAGES_TBX_H

#include <stddef.h>
#include <stdint.h>

#include "opentelemetry/proto/logs/v1/logs.pb-c.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb-c.h"
#include "tests/stages/tb.h"

typedef Opentelemetry__Proto__Logs__V1__ResourceLogs TbRl;
typedef Opentelemetry__Proto__Logs__V1__LogRecord TbLog;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics TbRm;
typedef Opentelemetry__Proto__Metrics__V1__Metric TbMetric;

#define TBX_MAX 8

struct tbx_log {
	const char *body; /* string body; NULL: see body_i / none */
	int has_body_i;	  /* int body body_i instead */
	int64_t body_i;
	int sev;	      /* SeverityNumber 0..24 */
	const char *sev_text; /* NULL: "" */
	uint64_t trace;	      /* 0: no trace id; else tb_trace_id(trace) */
	int scope;	      /* ScopeLogs index 0..3 */
	uint64_t time;
	struct tb_attr attrs[TBX_MAX];
};

uint8_t *tbx_pack_logs(const struct tb_attr *res, const struct tbx_log *logs, int n, size_t *len);
TbRl *tbx_unpack_logs(const uint8_t *p, size_t len);
void tbx_free_logs(TbRl *rl);
/* Every record in order (static array, <= 4096). */
size_t tbx_logs(TbRl *rl, TbLog ***out);

struct tbx_point {
	char num; /* number points: 'i' int, 'd' double, 0 none */
	int64_t i;
	double d;
	uint64_t t; /* time_unix_nano */
	struct tb_attr attrs[TBX_MAX];
};

struct tbx_metric {
	const char *name;
	char type;	  /* 'g' gauge, 's' sum, 'h' histogram,
	                              'e' exponential histogram, 'm' summary */
	const char *unit; /* NULL: "" */
	int scope;	  /* ScopeMetrics index 0..3 */
	int n;		  /* points */
	struct tbx_point p[TBX_MAX];
};

uint8_t *tbx_pack_metrics(const struct tb_attr *res, const struct tbx_metric *m, int n, size_t *len);
TbRm *tbx_unpack_metrics(const uint8_t *p, size_t len);
void tbx_free_metrics(TbRm *rm);
/* Every metric in order (static array, <= 4096). */
size_t tbx_metrics(TbRm *rm, TbMetric ***out);
/* Points of a metric, and the attributes of point j. */
size_t tbx_points(const TbMetric *m);
TbKv **tbx_point_attrs(const TbMetric *m, size_t j, size_t *n);
uint64_t tbx_point_time(const TbMetric *m, size_t j);

struct tbx_event {
	const char *name;
	uint64_t time; /* 0: 1500 + its place in the span */
	struct tb_attr attrs[4];
};

struct tbx_span {
	const char *name;
	uint64_t trace;
	int n_events;
	struct tbx_event ev[4];
	struct tb_attr attrs[4];
};

/* One ScopeSpans (scope "lib" 1.0) holding the spans. */
uint8_t *tbx_pack_spans(const struct tb_attr *res, const struct tbx_span *s, int n, size_t *len);

/* Expected edits, applied to an attribute list a (NULL-key terminated, room
 * for TBX_MAX): space-separated ops, each optionally for one item only
 * ("@T" prefix: applies when tag is T):
 *   +k=v upsert   ?k=v insert   ^k=v update   -k delete   %k hash (SHA-256
 *   hex of the string value)
 * v is a string, or #123 an int. Strings point into a static pool. */
void tbx_apply_ops(struct tb_attr *a, const char *ops, const char *tag);

/* A config with one pipeline of the signal ("logs", "metrics", "traces")
 * running the processors defined by procs_yaml (the body of processors:)
 * listed in list; aborts the test on a load error. */
struct sluice_config;
struct sluice_config *tbx_config(const char *signal, const char *procs_yaml, const char *list);

#endif
