/* tests/otlp/test_otlp_json_signals.c: OTLP/JSON for logs and metrics.
 * Generated requests (every field, all five metric types) survive
 * pb -> JSON -> pb byte for byte; one line an item gives one decodable
 * request a log record / a metric; hand-written OTLP/JSON in the spec's
 * forms (hex ids, enum names, 64-bit integers as strings) decodes to the
 * values written; bad input is refused with the path of the fault. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_signals.h"
#include "otlp/json.h"
#include "otlp/signal.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"
#include "tests/check_run.h"

/* Items of one request: log records, or metrics (not data points). */
static size_t n_lines_for(int sig, const ProtobufCMessage *m)
{
	size_t n = 0;
	if (sig == OTLP_SIGNAL_LOGS) {
		const GenLogsReq *q = (const GenLogsReq *)m;
		for (size_t i = 0; i < q->n_resource_logs; i++)
			for (size_t k = 0; k < q->resource_logs[i]->n_scope_logs; k++)
				n += q->resource_logs[i]->scope_logs[k]->n_log_records;
	} else {
		const GenMetricsReq *q = (const GenMetricsReq *)m;
		for (size_t i = 0; i < q->n_resource_metrics; i++)
			for (size_t k = 0; k < q->resource_metrics[i]->n_scope_metrics; k++)
				n += q->resource_metrics[i]->scope_metrics[k]->n_metrics;
	}
	return n;
}

static void roundtrip(int sig)
{
	const struct gen_opts o = { .max_rs = 3,
				    .max_ss = 2,
				    .max_spans = 3,
				    .max_attrs = 3,
				    .max_events = 3,
				    .max_links = 2,
				    .huge = 1,
				    .no_nan = 1 };
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)sig);
	struct otlp_json_buf js = { 0 }, pb = { 0 };
	char err[256];
	size_t total_lines = 0;

	for (uint64_t seed = 1; seed <= 200; seed++) {
		uint64_t rng = seed * 31337 + (uint64_t)sig;
		ProtobufCMessage *m = sig == OTLP_SIGNAL_LOGS ? &gen_logs_request(&rng, &o)->base
							      : &gen_metrics_request(&rng, &o)->base;
		size_t len;
		uint8_t *want = gen_pack(m, &len);
		js.len = 0;
		ck_assert_int_eq(otlp_json_from_pb_signal((enum otlp_signal)sig, want, len,
							  OTLP_JSON_IN_REQUEST, OTLP_JSON_ONE_LINE, &js, err,
							  sizeof(err)),
				 1);
		int rc = otlp_json_to_pb_signal((enum otlp_signal)sig, (const char *)js.data, js.len, &pb,
						err, sizeof(err));
		ck_assert_msg(rc == 0, "seed %llu: %s", (unsigned long long)seed, err);
		ck_assert_msg(pb.len == len && memcmp(pb.data, want, len) == 0,
			      "seed %llu: round trip differs", (unsigned long long)seed);

		/* one line an item: each line one request with that one item */
		size_t items = n_lines_for(sig, m);
		js.len = 0;
		rc = otlp_json_from_pb_signal((enum otlp_signal)sig, want, len, OTLP_JSON_IN_REQUEST,
					      OTLP_JSON_ITEM_LINES, &js, err, sizeof(err));
		ck_assert_int_eq(rc, (int)items);
		size_t at = 0, lines = 0;
		while (at < js.len) {
			const uint8_t *nl = memchr(js.data + at, '\n', js.len - at);
			ck_assert_ptr_nonnull(nl);
			size_t ll = (size_t)(nl - (js.data + at));
			ck_assert_int_eq(otlp_json_to_pb_signal((enum otlp_signal)sig,
								(const char *)js.data + at, ll, &pb, err,
								sizeof(err)),
					 0);
			struct otlp_wire_counts c;
			ck_assert_int_eq(sd->validate_request(pb.data, pb.len, &c, NULL), 0);
			ck_assert_uint_eq(c.resources, 1);
			ck_assert_uint_eq(c.scopes, 1);
			ProtobufCMessage *one = protobuf_c_message_unpack(sd->request_desc, NULL, pb.len,
									  pb.data);
			ck_assert_ptr_nonnull(one);
			ck_assert_uint_eq(n_lines_for(sig, one), 1);
			protobuf_c_message_free_unpacked(one, NULL);
			at += ll + 1;
			lines++;
		}
		ck_assert_uint_eq(lines, items);
		total_lines += lines;

		/* each resource alone (a ring record): one line, a request of it */
		struct otlp_wire_iter it;
		struct otlp_bytes rb;
		otlp_wire_iter_init(&it, (struct otlp_bytes){ want, len }, 1);
		while (otlp_wire_iter_next(&it, &rb) > 0) {
			js.len = 0;
			ck_assert_int_eq(otlp_json_from_pb_signal((enum otlp_signal)sig, rb.p, rb.len,
								  OTLP_JSON_IN_RESOURCE, OTLP_JSON_ONE_LINE,
								  &js, err, sizeof(err)),
					 1);
			ck_assert_int_eq(otlp_json_to_pb_signal((enum otlp_signal)sig, (const char *)js.data,
								js.len, &pb, err, sizeof(err)),
					 0);
			/* the request of one resource is its field 1 */
			ck_assert_uint_eq(pb.len, 1 + otlp_wire_varint_size(rb.len) + rb.len);
			ck_assert(memcmp(pb.data + pb.len - rb.len, rb.p, rb.len) == 0);
		}
		free(want);
		protobuf_c_message_free_unpacked(m, NULL);
	}
	ck_assert_uint_gt(total_lines, 100);
	otlp_json_buf_free(&js);
	otlp_json_buf_free(&pb);
}

START_TEST(t_roundtrip_logs)
{
	roundtrip(OTLP_SIGNAL_LOGS);
}
END_TEST

START_TEST(t_roundtrip_metrics)
{
	roundtrip(OTLP_SIGNAL_METRICS);
}
END_TEST

static const char logs_json[] =
	"{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	"\"value\":{\"stringValue\":\"checkout\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"app\"},"
	"\"logRecords\":[{\"timeUnixNano\":\"1544712660300000000\","
	"\"observedTimeUnixNano\":1544712660300000001,"
	"\"severityNumber\":\"SEVERITY_NUMBER_WARN\",\"severityText\":\"Warning\","
	"\"traceId\":\"5B8EFFF798038103D269B633813FC60C\",\"spanId\":\"EEE19B7EC3C1B174\","
	"\"flags\":1,\"eventName\":\"cart.abandoned\","
	"\"body\":{\"kvlistValue\":{\"values\":[{\"key\":\"msg\",\"value\":{\"stringValue\":\"caf\\u00e9\"}}]}},"
	"\"attributes\":[{\"key\":\"n\",\"value\":{\"intValue\":\"-7\"}}],"
	"\"droppedAttributesCount\":2},"
	"{\"severity_number\":17,\"body\":{\"stringValue\":\"second\"}}]}]}]}";

static int first_log(void *arg, const struct otlp_log_record *lr, int rc)
{
	static const uint8_t tid[16] = { 0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03,
					 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c };
	static const uint8_t sid[8] = { 0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74 };
	int *n = arg;
	struct otlp_value body;

	ck_assert_int_eq(rc, 0);
	if ((*n)++ == 1) {
		ck_assert_int_eq(lr->severity_number, 17);
		ck_assert_int_eq(otlp_wire_anyvalue(lr->body, &body), 0);
		ck_assert_int_eq(body.type, OTLP_VALUE_STRING);
		return 0;
	}
	ck_assert_uint_eq(lr->time_unix_nano, 1544712660300000000ull);
	ck_assert_uint_eq(lr->observed_time_unix_nano, 1544712660300000001ull);
	ck_assert_int_eq(lr->severity_number, 13);
	ck_assert(lr->severity_text.len == 7 && memcmp(lr->severity_text.p, "Warning", 7) == 0);
	ck_assert(lr->trace_id.len == 16 && memcmp(lr->trace_id.p, tid, 16) == 0);
	ck_assert(lr->span_id.len == 8 && memcmp(lr->span_id.p, sid, 8) == 0);
	ck_assert_uint_eq(lr->flags, 1);
	ck_assert(lr->event_name.len == 14 && memcmp(lr->event_name.p, "cart.abandoned", 14) == 0);
	ck_assert_uint_eq(lr->n_attributes, 1);
	ck_assert_uint_eq(lr->dropped_attributes_count, 2);
	ck_assert_int_eq(otlp_wire_anyvalue(lr->body, &body), 0);
	ck_assert_int_eq(body.type, OTLP_VALUE_KVLIST);
	struct otlp_value v;
	ck_assert_int_eq(otlp_wire_find_attr(body.u.b, OTLP_F_LIST_VALUES, "msg", 3, &v), 1);
	ck_assert(v.u.b.len == 5 && memcmp(v.u.b.p, "caf\xc3\xa9", 5) == 0);
	return 0;
}

START_TEST(t_logs_example)
{
	struct otlp_json_buf pb = { 0 };
	char err[256];
	int n = 0;

	int rc = otlp_json_to_pb_signal(OTLP_SIGNAL_LOGS, logs_json, strlen(logs_json), &pb, err,
					sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	struct otlp_wire_counts c;
	ck_assert_int_eq(otlp_wire_validate_logs_request(pb.data, pb.len, &c, NULL), 0);
	ck_assert_uint_eq(c.items, 2);
	ck_assert_int_eq(otlp_wire_each_log_record((struct otlp_bytes){ pb.data, pb.len }, first_log, &n), 0);
	ck_assert_int_eq(n, 2);
	otlp_json_buf_free(&pb);
}
END_TEST

static const char metrics_json[] =
	"{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":["
	"{\"name\":\"g\",\"unit\":\"1\",\"gauge\":{\"dataPoints\":[{\"timeUnixNano\":\"5\","
	"\"asDouble\":2.5,\"attributes\":[{\"key\":\"k\",\"value\":{\"stringValue\":\"v\"}}]},"
	"{\"asInt\":\"-3\"}]}},"
	"{\"name\":\"s\",\"sum\":{\"aggregationTemporality\":\"AGGREGATION_TEMPORALITY_CUMULATIVE\","
	"\"isMonotonic\":true,\"dataPoints\":[{\"asInt\":\"9007199254740993\",\"flags\":1}]}},"
	"{\"name\":\"h\",\"histogram\":{\"aggregationTemporality\":1,\"dataPoints\":[{\"count\":\"3\","
	"\"sum\":0,\"bucketCounts\":[\"1\",2],\"explicitBounds\":[0.5],\"min\":-1,\"max\":7.5,"
	"\"exemplars\":[{\"traceId\":\"000102030405060708090a0b0c0d0e0f\","
	"\"spanId\":\"1011121314151617\",\"asDouble\":0.25,\"timeUnixNano\":\"1\"}]}]}},"
	"{\"name\":\"e\",\"exponentialHistogram\":{\"dataPoints\":[{\"scale\":-1,\"zeroCount\":\"1\","
	"\"zeroThreshold\":1e-9,\"positive\":{\"offset\":-2,\"bucketCounts\":[\"4\",\"0\",\"6\"]},"
	"\"count\":\"11\"}]}},"
	"{\"name\":\"q\",\"summary\":{\"dataPoints\":[{\"count\":\"2\",\"sum\":3.5,"
	"\"quantileValues\":[{\"quantile\":0.5,\"value\":1.5},{\"quantile\":1,\"value\":2}]}]}}"
	"]}]}]}";

struct mstate {
	int metric, point;
};

static int check_point(void *arg, const struct otlp_data_point *dp, int rc)
{
	struct mstate *st = arg;
	struct otlp_wire_nums it;
	uint64_t v;

	ck_assert_int_eq(rc, 0);
	switch (st->metric * 10 + st->point++) {
	case 0:
		ck_assert_uint_eq(dp->time_unix_nano, 5);
		ck_assert_int_eq(dp->number, OTLP_NUMBER_DOUBLE);
		ck_assert(dp->as_double == 2.5);
		ck_assert_uint_eq(dp->n_attributes, 1);
		ck_assert_uint_eq(dp->attributes_field, OTLP_F_NDP_ATTRIBUTES);
		break;
	case 1:
		ck_assert_int_eq(dp->number, OTLP_NUMBER_INT);
		ck_assert_int_eq(dp->as_int, -3);
		break;
	case 10:
		ck_assert_int_eq(dp->as_int, 9007199254740993ll); /* not rounded through a double */
		ck_assert_uint_eq(dp->flags, 1);
		break;
	case 20: {
		ck_assert_uint_eq(dp->count, 3);
		ck_assert(dp->has_sum && dp->sum == 0); /* present, though zero */
		ck_assert(dp->has_min && dp->min == -1 && dp->has_max && dp->max == 7.5);
		ck_assert_uint_eq(dp->n_bucket_counts, 2);
		otlp_wire_nums_init(&it, dp->raw, OTLP_F_HDP_BUCKET_COUNTS, 1);
		ck_assert(otlp_wire_nums_next(&it, &v) == 1 && v == 1);
		ck_assert(otlp_wire_nums_next(&it, &v) == 1 && v == 2);
		ck_assert_int_eq(otlp_wire_nums_next(&it, &v), 0);
		otlp_wire_nums_init(&it, dp->raw, OTLP_F_HDP_EXPLICIT_BOUNDS, 1);
		ck_assert(otlp_wire_nums_next(&it, &v) == 1 && otlp_wire_double(v) == 0.5);
		struct otlp_wire_iter ei;
		struct otlp_bytes eb;
		struct otlp_exemplar ex;
		otlp_wire_iter_init(&ei, dp->raw, dp->exemplars_field);
		ck_assert_int_eq(otlp_wire_iter_next(&ei, &eb), 1);
		ck_assert_int_eq(otlp_wire_exemplar(eb, &ex), 0);
		ck_assert(ex.trace_id.len == 16 && ex.trace_id.p[15] == 0x0f);
		ck_assert(ex.span_id.len == 8 && ex.span_id.p[0] == 0x10);
		ck_assert(ex.number == OTLP_NUMBER_DOUBLE && ex.as_double == 0.25);
		break;
	}
	case 30: {
		struct otlp_buckets b;
		ck_assert_int_eq(dp->scale, -1);
		ck_assert_uint_eq(dp->zero_count, 1);
		ck_assert(dp->zero_threshold == 1e-9);
		ck_assert_uint_eq(dp->count, 11);
		ck_assert_int_eq(otlp_wire_buckets(dp->positive, &b), 0);
		ck_assert_int_eq(b.offset, -2);
		ck_assert_uint_eq(b.n_bucket_counts, 3);
		ck_assert_uint_eq(dp->negative.len, 0);
		break;
	}
	case 40: {
		struct otlp_wire_iter qi;
		struct otlp_bytes qb;
		struct otlp_quantile q;
		ck_assert(dp->count == 2 && dp->sum == 3.5 && dp->n_quantiles == 2);
		otlp_wire_iter_init(&qi, dp->raw, OTLP_F_SDP_QUANTILES);
		ck_assert_int_eq(otlp_wire_iter_next(&qi, &qb), 1);
		ck_assert_int_eq(otlp_wire_quantile(qb, &q), 0);
		ck_assert(q.quantile == 0.5 && q.value == 1.5);
		break;
	}
	default:
		ck_abort_msg("unexpected point %d of metric %d", st->point, st->metric);
	}
	return 0;
}

static int check_metric(void *arg, const struct otlp_metric *m, int rc)
{
	static const enum otlp_metric_type types[5] = { OTLP_METRIC_GAUGE, OTLP_METRIC_SUM,
							OTLP_METRIC_HISTOGRAM, OTLP_METRIC_EXP_HISTOGRAM,
							OTLP_METRIC_SUMMARY };
	struct mstate *st = arg;

	ck_assert_int_eq(rc, 0);
	ck_assert_int_lt(st->metric, 5);
	ck_assert_int_eq(m->type, types[st->metric]);
	ck_assert_uint_eq(m->name.len, 1);
	if (m->type == OTLP_METRIC_SUM)
		ck_assert(m->aggregation_temporality == 2 && m->is_monotonic);
	if (m->type == OTLP_METRIC_HISTOGRAM)
		ck_assert_int_eq(m->aggregation_temporality, 1);
	st->point = 0;
	ck_assert_int_eq(otlp_wire_each_data_point(m, check_point, st), 0);
	ck_assert_uint_eq((unsigned)st->point, m->n_data_points);
	st->metric++;
	return 0;
}

START_TEST(t_metrics_example)
{
	struct otlp_json_buf pb = { 0 };
	struct mstate st = { 0, 0 };
	char err[256];

	int rc = otlp_json_to_pb_signal(OTLP_SIGNAL_METRICS, metrics_json, strlen(metrics_json), &pb, err,
					sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	struct otlp_wire_counts c;
	ck_assert_int_eq(otlp_wire_validate_metrics_request(pb.data, pb.len, &c, NULL), 0);
	ck_assert_uint_eq(c.items, 6); /* data points, not metrics */
	ck_assert_int_eq(otlp_wire_each_metric((struct otlp_bytes){ pb.data, pb.len }, check_metric, &st), 0);
	ck_assert_int_eq(st.metric, 5);
	otlp_json_buf_free(&pb);
}
END_TEST

static const struct {
	int sig;
	const char *json;
	const char *err; /* the start of the message */
} bad[] = {
	{ 1, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":\"abcd\"}]}]}]}",
	  "resourceLogs[0].scopeLogs[0].logRecords[0].traceId: expected 32 hex digits, got 4" },
	{ 1, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{},{\"spanId\":\"zz00000000000000\"}]}]}]}",
	  "resourceLogs[0].scopeLogs[0].logRecords[1].spanId: not a hex string" },
	{ 1, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"severityNumber\":\"LOUD\"}]}]}]}",
	  "resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber: unknown enum value \"LOUD\"" },
	{ 1, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"-1\"}]}]}]}",
	  "resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano: expected a non-negative" },
	{ 1,
	  "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"\xff\"}}]}]}]}",
	  "resourceLogs[0].scopeLogs[0].logRecords[0].body.stringValue: invalid UTF-8" },
	{ 1,
	  "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"attributes\":[{\"key\":\"\xc3(\"}]}]}]}]}",
	  "resourceLogs[0].scopeLogs[0].logRecords[0].attributes[0].key: invalid UTF-8" },
	{ 2,
	  "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"gauge\":{\"dataPoints\":"
	  "[{\"exemplars\":[{\"spanId\":\"00\"}]}]}}]}]}]}",
	  "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].exemplars[0].spanId: expected 16 hex digits" },
	{ 2,
	  "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"histogram\":{\"dataPoints\":"
	  "[{\"bucketCounts\":[\"1\",\"-2\"]}]}}]}]}]}",
	  "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts[1]: expected a non-negative" },
	{ 2,
	  "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"sum\":{\"aggregationTemporality\":"
	  "\"SOMETIMES\"}}]}]}]}",
	  "resourceMetrics[0].scopeMetrics[0].metrics[0].sum.aggregationTemporality: unknown enum value" },
	{ 2,
	  "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"exponentialHistogram\":"
	  "{\"dataPoints\":[{\"scale\":4294967296}]}}]}]}]}",
	  "resourceMetrics[0].scopeMetrics[0].metrics[0].exponentialHistogram.dataPoints[0].scale: integer" },
	{ 2,
	  "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"summary\":{\"dataPoints\":"
	  "[{\"quantileValues\":[{\"value\":\"much\"}]}]}}]}]}]}",
	  "resourceMetrics[0].scopeMetrics[0].metrics[0].summary.dataPoints[0].quantileValues[0].value: bad number" },
	{ 2, "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":7}]}]}]}",
	  "resourceMetrics[0].scopeMetrics[0].metrics[0].name: expected a string" },
};

START_TEST(t_bad_json)
{
	struct otlp_json_buf pb = { 0 };
	char err[300];

	int rc = otlp_json_to_pb_signal((enum otlp_signal)bad[_i].sig, bad[_i].json, strlen(bad[_i].json),
					&pb, err, sizeof(err));
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(strncmp(err, bad[_i].err, strlen(bad[_i].err)) == 0, "got: %s", err);
	otlp_json_buf_free(&pb);
}
END_TEST

/* A record with invalid UTF-8 (from before the rule) still prints, with
 * U+FFFD, and the line is valid JSON that converts back. */
START_TEST(t_bad_utf8_still_prints)
{
	struct otlp_json_buf js = { 0 }, pb = { 0 };
	char err[256];
	/* request{ resource_logs{ scope_logs{ log_records{ severity_text "a\xff" } } } } */
	uint8_t req[] = { 0x0a, 0x08, 0x12, 0x06, 0x12, 0x04, 0x1a, 0x02, 'a', 0xff };
	ck_assert_int_eq(otlp_wire_validate_logs_request(req, sizeof(req), NULL, NULL), -EILSEQ);
	ck_assert_int_eq(otlp_json_from_pb_signal(OTLP_SIGNAL_LOGS, req, sizeof(req), OTLP_JSON_IN_REQUEST,
						  OTLP_JSON_ITEM_LINES, &js, err, sizeof(err)),
			 1);
	ck_assert_ptr_nonnull(memmem(js.data, js.len, "\"a\\ufffd\"", 9));
	ck_assert_int_eq(otlp_json_to_pb_signal(OTLP_SIGNAL_LOGS, (const char *)js.data, js.len, &pb, err,
						sizeof(err)),
			 0);
	otlp_json_buf_free(&js);
	otlp_json_buf_free(&pb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("otlp_json_signals");
	TCase *tc = tcase_create("json");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_roundtrip_logs);
	tcase_add_test(tc, t_roundtrip_metrics);
	tcase_add_test(tc, t_logs_example);
	tcase_add_test(tc, t_metrics_example);
	tcase_add_loop_test(tc, t_bad_json, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, t_bad_utf8_still_prints);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
