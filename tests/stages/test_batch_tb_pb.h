/* test_batch_tb_pb.h: short names for the protobuf-c types the batch
 * tests build and decode (test_batch_tb*.c only). */
#ifndef SLUICE_TESTS_STAGES_TEST_BATCH_TB_PB_H
#define SLUICE_TESTS_STAGES_TEST_BATCH_TB_PB_H

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue Kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue Any;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope Scope;
typedef Opentelemetry__Proto__Resource__V1__Resource Res;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans Rs;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans Ss;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs Rl;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs Sl;
typedef Opentelemetry__Proto__Logs__V1__LogRecord Log;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics Rm;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics Sm;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint Ndp;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint Hdp;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint Edp;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets Ebk;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint Sdp;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint__ValueAtQuantile Q;

#define CUMULATIVE \
	OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE
#define DELTA OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA

static const int btb_types[5] = { 5, 7, 9, 10, 11 }; /* Metric data field numbers, by k % 5 */

#endif
