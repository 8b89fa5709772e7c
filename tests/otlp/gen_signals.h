/* tests/otlp/gen_signals.h: random OTLP logs and metrics requests built as
 * protobuf-c messages (as gen.h does for traces), the counts the validator
 * must find in them, and the benchmark's requests. Every field of every
 * message type is exercised (all five metric types, exemplars, packed and
 * optional fields); everything is malloc'd, freed with
 * protobuf_c_message_free_unpacked(m, NULL). */
#ifndef SLUICE_TESTS_OTLP_GEN_SIGNALS_H
#define SLUICE_TESTS_OTLP_GEN_SIGNALS_H

#include "gen.h"
#include "otlp/wire.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest GenLogsReq;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs GenRL;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs GenSL;
typedef Opentelemetry__Proto__Logs__V1__LogRecord GenLog;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest GenMetricsReq;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics GenRM;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics GenSM;
typedef Opentelemetry__Proto__Metrics__V1__Metric GenMetric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint GenNDP;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint GenHDP;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint GenEHDP;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets GenBuckets;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint GenSDP;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint__ValueAtQuantile GenQuantile;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar GenExemplar;

/* o->max_rs, max_ss bound resources and scopes; max_spans bounds log
 * records and metrics a scope, max_events data points a metric, max_links
 * exemplars a data point. */
GenLogsReq *gen_logs_request(uint64_t *rng, const struct gen_opts *o);
GenMetricsReq *gen_metrics_request(uint64_t *rng, const struct gen_opts *o);

/* What otlp_wire_validate_*_request must count in an unpacked request. */
void gen_count_logs(const GenLogsReq *m, struct otlp_wire_counts *c);
void gen_count_metrics(const GenMetricsReq *m, struct otlp_wire_counts *c);
/* Data points of one Metric (0 without data). */
size_t gen_metric_points(const GenMetric *m);

/* The benchmark's requests: one resource, n log records of ~200 bytes
 * (times, severity, a body string, 4 attributes, ids, flags); n data points
 * in sums of 8 points each (4 attributes a point). */
GenLogsReq *gen_bench_logs(unsigned n_records);
GenMetricsReq *gen_bench_metrics(unsigned n_points);

#endif
