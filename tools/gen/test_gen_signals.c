/* tools/gen/test_gen_signals.c: sluice-gen's log and metric templates and
 * their stamping, checked with protobuf-c's full decode and otlp's
 * validators; and the trace template held to the bytes it had before logs
 * and metrics came (benchmarks compare runs across that change). End-to-end
 * tests trust gen.id to say exactly which items arrived, so it must be
 * right. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "otlp/wire.h"
#include "tools/gen/gen_req.h"

typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest LogsReq;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest MetricsReq;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;

#define NOW 1700000000123456789ull

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The gen.id attribute among kvs, as a number; fails the test if absent. */
static uint64_t gen_id_of(KeyValue **kvs, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (strcmp(kvs[k]->key, "gen.id") != 0)
			continue;
		ck_assert_int_eq(kvs[k]->value->value_case,
				 OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
		const char *s = kvs[k]->value->string_value;
		ck_assert_uint_eq(strlen(s), 16);
		return strtoull(s, NULL, 16);
	}
	ck_abort_msg("no gen.id attribute");
	return 0;
}

START_TEST(logs_decode_with_ids_times_and_trace_context)
{
	static const struct {
		uint32_t n, attrs;
		double share;
	} cases[] = {
		{ 1, 0, 0 }, { 10, 3, 0.5 }, { 512, 3, 0.5 }, { 100, 8, 1 }, { 64, 3, 0.25 },
	};
	for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
		struct gen_req r;
		ck_assert_int_eq(gen_req_build_logs(&r, cases[t].n, cases[t].attrs, cases[t].share, "svc", 9),
				 0);
		gen_req_stamp_logs(&r, 5000 + t, NOW);
		struct otlp_wire_counts c;
		ck_assert_int_eq(otlp_wire_validate_logs_request(r.buf, r.len, &c, NULL), 0);
		ck_assert_uint_eq(c.items, cases[t].n);
		LogsReq *req =
			opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(NULL,
												       r.len,
												       r.buf);
		ck_assert_ptr_nonnull(req);
		ck_assert_uint_eq(req->n_resource_logs, 1);
		ck_assert_str_eq(req->resource_logs[0]->resource->attributes[0]->value->string_value, "svc");
		Opentelemetry__Proto__Logs__V1__ScopeLogs *sl = req->resource_logs[0]->scope_logs[0];
		ck_assert_str_eq(sl->scope->name, "sluice-gen");
		ck_assert_uint_eq(sl->n_log_records, cases[t].n);
		uint32_t with_ctx = 0;
		for (uint32_t i = 0; i < sl->n_log_records; i++) {
			LogRecord *lr = sl->log_records[i];
			ck_assert_uint_eq(gen_id_of(lr->attributes, lr->n_attributes), 5000 + t + i);
			ck_assert_uint_eq(gen_req_item_id(&r, i), 5000 + t + i);
			ck_assert_uint_eq(lr->n_attributes, cases[t].attrs + 1);
			ck_assert_uint_eq(lr->time_unix_nano, NOW);
			ck_assert_uint_eq(lr->observed_time_unix_nano, NOW);
			ck_assert_int_ge(lr->severity_number, 1);
			ck_assert_ptr_nonnull(lr->severity_text);
			ck_assert_int_eq(lr->body->value_case,
					 OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
			ck_assert_uint_ge(strlen(lr->body->string_value), 30);
			if (lr->trace_id.len) {
				with_ctx++;
				ck_assert_uint_eq(lr->trace_id.len, 16);
				ck_assert_uint_eq(lr->span_id.len, 8);
				ck_assert_uint_eq(be64(lr->span_id.data), 5000 + t + i);
				ck_assert_uint_eq(lr->flags, 1);
			} else {
				ck_assert_uint_eq(lr->span_id.len, 0);
			}
		}
		uint32_t want = (uint32_t)(cases[t].n * cases[t].share);
		ck_assert_uint_eq(with_ctx, want);
		if (cases[t].n == 512 && cases[t].attrs == 3) { /* "~200-byte records" */
			double per = (double)r.len / cases[t].n;
			ck_assert_msg(per >= 180 && per <= 230, "%.1f bytes a record", per);
		}
		opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(req,
												      NULL);
		gen_req_free(&r);
	}
}
END_TEST

static KeyValue **point_attrs(Metric *m, size_t k, size_t *n)
{
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		*n = m->gauge->data_points[k]->n_attributes;
		return m->gauge->data_points[k]->attributes;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		*n = m->sum->data_points[k]->n_attributes;
		return m->sum->data_points[k]->attributes;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
		*n = m->histogram->data_points[k]->n_attributes;
		return m->histogram->data_points[k]->attributes;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
		*n = m->exponential_histogram->data_points[k]->n_attributes;
		return m->exponential_histogram->data_points[k]->attributes;
	default:
		*n = m->summary->data_points[k]->n_attributes;
		return m->summary->data_points[k]->attributes;
	}
}

/* Points of a Metric, and each one's time and start time. */
static size_t metric_points(Metric *m, size_t k, uint64_t *time, uint64_t *start)
{
#define PT(member)                                                                \
	do {                                                                      \
		if (k < m->member->n_data_points) {                               \
			*time = m->member->data_points[k]->time_unix_nano;        \
			*start = m->member->data_points[k]->start_time_unix_nano; \
		}                                                                 \
		return m->member->n_data_points;                                  \
	} while (0)
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		PT(gauge);
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		PT(sum);
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
		PT(histogram);
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
		PT(exponential_histogram);
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY:
		PT(summary);
	default:
		ck_abort_msg("metric without data");
		return 0;
	}
#undef PT
}

START_TEST(metrics_decode_with_every_point_id_and_type)
{
	static const struct {
		uint32_t n, per;
		unsigned types;
	} cases[] = {
		{ 1, 8, GEN_MT_GAUGE },	      { 512, 8, GEN_MT_DEFAULT },
		{ 100, 7, GEN_MT_ALL },	      { 33, 1, GEN_MT_SUMMARY | GEN_MT_EXP_HISTOGRAM },
		{ 20, 64, GEN_MT_HISTOGRAM },
	};
	for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
		struct gen_req r;
		ck_assert_int_eq(gen_req_build_metrics(&r, cases[t].n, 2, cases[t].per, cases[t].types, "svc",
						       3),
				 0);
		gen_req_stamp_metrics(&r, 70000, NOW);
		struct otlp_wire_counts c;
		ck_assert_int_eq(otlp_wire_validate_metrics_request(r.buf, r.len, &c, NULL), 0);
		ck_assert_uint_eq(c.items, cases[t].n);
		MetricsReq *req =
			opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
				NULL, r.len, r.buf);
		ck_assert_ptr_nonnull(req);
		Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm =
			req->resource_metrics[0]->scope_metrics[0];
		ck_assert_uint_eq(sm->n_metrics, (cases[t].n + cases[t].per - 1) / cases[t].per);
		ck_assert_uint_eq(sm->n_metrics, r.n_metrics);
		uint64_t want = 70000;
		unsigned seen = 0;
		for (size_t m = 0; m < sm->n_metrics; m++) {
			Metric *mm = sm->metrics[m];
			uint64_t time = 0, start = 0;
			size_t np = metric_points(mm, 0, &time, &start);
			seen |= mm->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE
					? GEN_MT_GAUGE
				: mm->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM
					? GEN_MT_SUM
				: mm->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM
					? GEN_MT_HISTOGRAM
				: mm->data_case ==
						OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM
					? GEN_MT_EXP_HISTOGRAM
					: GEN_MT_SUMMARY;
			ck_assert_uint_le(np, cases[t].per);
			for (size_t k = 0; k < np; k++, want++) {
				size_t na;
				KeyValue **kv = point_attrs(mm, k, &na);
				ck_assert_uint_eq(na, 3);
				ck_assert_uint_eq(gen_id_of(kv, na), want);
				ck_assert_uint_eq(gen_req_item_id(&r, (uint32_t)(want - 70000)), want);
				metric_points(mm, k, &time, &start);
				ck_assert_uint_eq(time, NOW);
				ck_assert_uint_eq(start, NOW - 60000000000ull);
			}
		}
		ck_assert_uint_eq(want, 70000 + cases[t].n);
		if (cases[t].n >= 100)
			ck_assert_uint_eq(seen, cases[t].types); /* every type asked for is there */
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
			req, NULL);
		gen_req_free(&r);
	}
}
END_TEST

START_TEST(metric_type_lists_parse)
{
	unsigned t;
	ck_assert_int_eq(gen_metric_types_parse("gauge", &t), 0);
	ck_assert_uint_eq(t, GEN_MT_GAUGE);
	ck_assert_int_eq(gen_metric_types_parse("summary,exphistogram,sum", &t), 0);
	ck_assert_uint_eq(t, GEN_MT_SUMMARY | GEN_MT_EXP_HISTOGRAM | GEN_MT_SUM);
	ck_assert_int_eq(gen_metric_types_parse("all", &t), 0);
	ck_assert_uint_eq(t, GEN_MT_ALL);
	ck_assert_int_eq(gen_metric_types_parse("gauge,histo", &t), -EINVAL);
	ck_assert_int_eq(gen_metric_types_parse("", &t), -EINVAL);
}
END_TEST

/* The trace template's bytes (CRC32 of template + stamp) as they were
 * before logs and metrics (at c123b79), recorded with SLUICE_VERSION
 * "0.1.0": the scope version is in the bytes. */
START_TEST(traces_are_byte_identical_to_before)
{
	static const struct {
		uint32_t n, attrs;
		size_t len;
		uint32_t crc;
	} want[] = {
		{ 1, 0, 121, 0xded8ec5fu },	 { 7, 3, 1011, 0xc5d2b155u },
		{ 512, 8, 130703, 0xb68f1e95u }, { 100, 20, 55257, 0x8530416du },
		{ 64, 1, 5587, 0xc957454bu },
	};
	if (strcmp(SLUICE_VERSION, "0.1.0") != 0)
		return; /* the recorded CRCs hold the version: re-record them */
	for (int t = 0; t < 5; t++) {
		struct gen_req r;
		ck_assert_int_eq(gen_req_build(&r, want[t].n, want[t].attrs, "sluice-gen",
					       12345 + (uint64_t)t),
				 0);
		gen_req_stamp_any(&r, 1000000 + (uint64_t)t, 1700000000000000000ull + (uint64_t)t);
		ck_assert_uint_eq(r.len, want[t].len);
		ck_assert_uint_eq(crc32(0, r.buf, (uInt)r.len), want[t].crc);
		gen_req_free(&r);
	}
}
END_TEST

START_TEST(bad_shapes_are_refused)
{
	struct gen_req r;
	ck_assert_int_eq(gen_req_build_logs(&r, 0, 3, 0.5, "svc", 1), -EINVAL);
	ck_assert_int_eq(gen_req_build_metrics(&r, 0, 2, 8, GEN_MT_DEFAULT, "svc", 1), -EINVAL);
	ck_assert_int_eq(gen_req_build_metrics(&r, 10, 2, 0, GEN_MT_DEFAULT, "svc", 1), -EINVAL);
	ck_assert_int_eq(gen_req_build_metrics(&r, 10, 2, 8, 0, "svc", 1), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gen_signals");
	TCase *tc = tcase_create("gen_signals");
	tcase_add_test(tc, logs_decode_with_ids_times_and_trace_context);
	tcase_add_test(tc, metrics_decode_with_every_point_id_and_type);
	tcase_add_test(tc, metric_type_lists_parse);
	tcase_add_test(tc, traces_are_byte_identical_to_before);
	tcase_add_test(tc, bad_shapes_are_refused);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
