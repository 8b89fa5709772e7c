/* OTTL conditions evaluated over wire-form items (stages/ottl_access.h):
 * a log record, a metric and its data points, a span and its event and a
 * resource, built with protobuf-c and read with the zero-copy decoders.
 * One line a case: context, condition, expected result. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/ottl.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"
#include "stages/ottl_access.h"
#include "tests/stages/tbx.h"
#include "tests/check_run.h"

static const struct tb_attr res[] = { { .key = "service.name", .type = 's', .s = "checkout" },
				      { .key = "team", .type = 's', .s = "pay" },
				      { .key = "n", .type = 'i', .i = 3 },
				      { .key = NULL } };

/* The items, decoded once. */
static uint8_t *log_buf, *metric_buf, *span_buf;
static struct otlp_bytes log_res, log_scope, m_res, m_scope, s_res, s_scope, ev_raw;
static struct otlp_log_record lr;
static struct otlp_metric metric;
static struct otlp_data_point pt[2];
static struct otlp_span span;
static struct otlp_event event;

/* The first Scope* and its first item of a ResourceX message. */
static void first_item(const uint8_t *p, size_t len, struct otlp_bytes *resource, struct otlp_bytes *scope,
		       struct otlp_bytes *item)
{
	struct otlp_resource_spans rs;
	struct otlp_scope_spans ss;
	struct otlp_wire_iter it;
	struct otlp_bytes sb;
	ck_assert_int_eq(otlp_wire_resource_spans((struct otlp_bytes){ p, len }, &rs), 0);
	*resource = rs.resource;
	otlp_wire_iter_init(&it, (struct otlp_bytes){ p, len }, 2);
	ck_assert_int_eq(otlp_wire_iter_next(&it, &sb), 1);
	ck_assert_int_eq(otlp_wire_scope_spans(sb, &ss), 0);
	*scope = ss.scope;
	otlp_wire_iter_init(&it, sb, 2);
	ck_assert_int_eq(otlp_wire_iter_next(&it, item), 1);
}

static void setup(void)
{
	size_t len;
	struct otlp_bytes item;
	struct tbx_log l = { .body = "user login failed",
			     .sev = 17,
			     .sev_text = "ERROR",
			     .trace = 7,
			     .time = 42,
			     .attrs = { { .key = "http.status", .type = 'i', .i = 500 },
					{ .key = "user", .type = 's', .s = "bob" },
					{ .key = "ratio", .type = 'd', .d = 0.5 },
					{ .key = "ok", .type = 'b', .b = 0 },
					{ .key = "raw", .type = 'y', .s = "ab" },
					{ .key = "arr", .type = 'a', .s = "x" } } };
	log_buf = tbx_pack_logs(res, &l, 1, &len);
	first_item(log_buf, len, &log_res, &log_scope, &item);
	ck_assert_int_eq(otlp_wire_log_record(item, &lr), 0);

	struct tbx_metric m = { .name = "http.requests",
				.type = 's',
				.unit = "1",
				.n = 2,
				.p = { { .num = 'i',
					 .i = 5,
					 .t = 10,
					 .attrs = { { .key = "route", .type = 's', .s = "/a" } } },
				       { .num = 'd',
					 .d = 2.5,
					 .t = 11,
					 .attrs = { { .key = "route", .type = 's', .s = "/b" } } } } };
	metric_buf = tbx_pack_metrics(res, &m, 1, &len);
	first_item(metric_buf, len, &m_res, &m_scope, &item);
	ck_assert_int_eq(otlp_wire_metric(item, &metric), 0);
	struct otlp_wire_iter it;
	otlp_wire_iter_init(&it, metric.data, OTLP_F_DATA_POINTS);
	for (int j = 0; j < 2; j++) {
		ck_assert_int_eq(otlp_wire_iter_next(&it, &item), 1);
		ck_assert_int_eq(otlp_wire_data_point(item, metric.type, &pt[j]), 0);
	}

	struct tbx_span s = {
		.name = "GET /x",
		.n_events = 1,
		.attrs = { { .key = "http.method", .type = 's', .s = "GET" } },
		.ev = { { .name = "exception",
			  .attrs = { { .key = "exception.type", .type = 's', .s = "IOError" } } } }
	};
	span_buf = tbx_pack_spans(res, &s, 1, &len);
	first_item(span_buf, len, &s_res, &s_scope, &item);
	ck_assert_int_eq(otlp_wire_span(item, &span), 0);
	otlp_wire_iter_init(&it, span.raw, OTLP_F_SPAN_EVENTS);
	ck_assert_int_eq(otlp_wire_iter_next(&it, &ev_raw), 1);
	ck_assert_int_eq(otlp_wire_event(ev_raw, &event), 0);
}

static void teardown(void)
{
	free(log_buf);
	free(metric_buf);
	free(span_buf);
}

/* The item a case runs on: which context, and for datapoints which point. */
static void item_for(enum ottl_context ctx, int point, struct ottl_access_item *it)
{
	switch (ctx) {
	case OTTL_CTX_LOG:
		ottl_access_item_init(it, ctx, log_res, log_scope);
		it->log = &lr;
		break;
	case OTTL_CTX_METRIC:
	case OTTL_CTX_DATAPOINT:
		ottl_access_item_init(it, ctx, m_res, m_scope);
		it->metric = &metric;
		it->point = &pt[point];
		break;
	case OTTL_CTX_SPAN:
	case OTTL_CTX_SPANEVENT:
		ottl_access_item_init(it, ctx, s_res, s_scope);
		it->span = &span;
		it->event = &event;
		it->event_raw = ev_raw;
		break;
	default:
		ottl_access_item_init(it, ctx, log_res, (struct otlp_bytes){ 0 });
		break;
	}
}

static int eval(enum ottl_context ctx, const char *text, struct ottl_access_item *it)
{
	struct ottl_cond *c;
	struct ottl_error e;
	struct ottl_eval ev;
	char err[256];
	ck_assert_msg(ottl_parse(text, strlen(text), ctx, 0, &c, &e) == 0, "%s: %s", text, e.msg);
	ck_assert_int_eq(ottl_eval_init(&ev, c, err, sizeof err), 0);
	int r = ottl_eval_run(&ev, &ottl_access_wire, it);
	ottl_eval_free(&ev);
	ottl_free(c);
	return r;
}

static const struct {
	enum ottl_context ctx;
	int point;
	const char *cond;
	int want;
} cases[] = {
	{ OTTL_CTX_RESOURCE, 0, "attributes[\"service.name\"] == \"checkout\"", 1 },
	{ OTTL_CTX_RESOURCE, 0, "attributes[\"n\"] >= 3 and attributes[\"n\"] < 3.5", 1 },
	{ OTTL_CTX_RESOURCE, 0, "attributes[\"nope\"] == nil", 1 },
	{ OTTL_CTX_LOG, 0, "severity_number >= SEVERITY_NUMBER_ERROR", 1 },
	{ OTTL_CTX_LOG, 0, "severity_number < SEVERITY_NUMBER_WARN", 0 },
	{ OTTL_CTX_LOG, 0, "severity_text == \"ERROR\"", 1 },
	{ OTTL_CTX_LOG, 0, "body == \"user login failed\"", 1 },
	{ OTTL_CTX_LOG, 0, "IsMatch(body, \"log[a-z]+ fail\")", 1 },
	{ OTTL_CTX_LOG, 0, "attributes[\"http.status\"] == 500", 1 },
	{ OTTL_CTX_LOG, 0, "attributes[\"http.status\"] > 499.5", 1 },
	{ OTTL_CTX_LOG, 0, "attributes[\"http.status\"] == \"500\"", 0 },
	{ OTTL_CTX_LOG, 0, "IsMatch(attributes[\"http.status\"], \"^5\")", 1 },
	{ OTTL_CTX_LOG, 0, "attributes[\"user\"] == \"bob\"", 1 },
	{ OTTL_CTX_LOG, 0, "attributes[\"user\"] == \"alice\"", 0 },
	{ OTTL_CTX_LOG, 0, "attributes[\"ratio\"] == 0.5", 1 },
	{ OTTL_CTX_LOG, 0, "attributes[\"ok\"] == false", 1 },
	{ OTTL_CTX_LOG, 0, "attributes[\"raw\"] == 0x6162", 1 },
	{ OTTL_CTX_LOG, 0, "attributes[\"arr\"] != nil and attributes[\"arr\"] != \"x\"", 1 },
	{ OTTL_CTX_LOG, 0, "attributes[\"missing\"] == nil", 1 },
	{ OTTL_CTX_LOG, 0, "resource.attributes[\"service.name\"] == \"checkout\"", 1 },
	{ OTTL_CTX_LOG, 0, "instrumentation_scope.name == \"scope0\"", 1 },
	{ OTTL_CTX_LOG, 0, "instrumentation_scope.version == \"1.0\"", 1 },
	{ OTTL_CTX_LOG, 0, "trace_id != TraceID(0x00000000000000000000000000000000)", 1 },
	{ OTTL_CTX_LOG, 0, "span_id.string == \"0808080808080808\"", 1 },
	{ OTTL_CTX_LOG, 0, "flags == 1 and time_unix_nano == 42 and observed_time_unix_nano == 43", 1 },
	{ OTTL_CTX_METRIC, 0, "name == \"http.requests\" and unit == \"1\"", 1 },
	{ OTTL_CTX_METRIC, 0, "description == \"a metric\"", 1 },
	{ OTTL_CTX_METRIC, 0, "type == METRIC_DATA_TYPE_SUM", 1 },
	{ OTTL_CTX_METRIC, 0, "type == METRIC_DATA_TYPE_GAUGE", 0 },
	{ OTTL_CTX_METRIC, 0, "aggregation_temporality == AGGREGATION_TEMPORALITY_CUMULATIVE", 1 },
	{ OTTL_CTX_METRIC, 0, "is_monotonic == true", 1 },
	{ OTTL_CTX_METRIC, 0, "resource.attributes[\"team\"] == \"pay\"", 1 },
	{ OTTL_CTX_DATAPOINT, 0, "attributes[\"route\"] == \"/a\" and value_int == 5", 1 },
	{ OTTL_CTX_DATAPOINT, 0, "value_double == 0.0", 1 },
	{ OTTL_CTX_DATAPOINT, 0, "metric.name == \"http.requests\"", 1 },
	{ OTTL_CTX_DATAPOINT, 0, "time_unix_nano == 10 and start_time_unix_nano == 100", 1 },
	{ OTTL_CTX_DATAPOINT, 1, "value_double == 2.5 and value_int == 0", 1 },
	{ OTTL_CTX_DATAPOINT, 1, "attributes[\"route\"] == \"/a\"", 0 },
	{ OTTL_CTX_SPAN, 0, "name == \"GET /x\" and kind == SPAN_KIND_SERVER", 1 },
	{ OTTL_CTX_SPAN, 0, "status.code == STATUS_CODE_UNSET and status.message == \"\"", 1 },
	{ OTTL_CTX_SPAN, 0, "attributes[\"http.method\"] == \"GET\"", 1 },
	{ OTTL_CTX_SPAN, 0, "start_time_unix_nano < end_time_unix_nano", 1 },
	{ OTTL_CTX_SPAN, 0, "instrumentation_scope.name == \"lib\"", 1 },
	{ OTTL_CTX_SPAN, 0, "parent_span_id == SpanID(0x0000000000000000)", 1 },
	{ OTTL_CTX_SPANEVENT, 0, "name == \"exception\" and time_unix_nano == 1500", 1 },
	{ OTTL_CTX_SPANEVENT, 0, "attributes[\"exception.type\"] == \"IOError\"", 1 },
	{ OTTL_CTX_SPANEVENT, 0, "span.name == \"GET /x\"", 1 },
	{ OTTL_CTX_SPANEVENT, 0, "span.attributes[\"http.method\"] == \"GET\"", 1 },
	{ OTTL_CTX_SPANEVENT, 0, "attributes[\"http.method\"] == \"GET\"", 0 },
};

START_TEST(access_cases)
{
	struct ottl_access_item it;
	item_for(cases[_i].ctx, cases[_i].point, &it);
	int r = eval(cases[_i].ctx, cases[_i].cond, &it);
	ck_assert_msg(r == cases[_i].want, "%s: %d, want %d", cases[_i].cond, r, cases[_i].want);
}
END_TEST

/* Malformed bytes end the evaluation with the reader's error; a field the
 * item was not given is the caller's bug, -EINVAL. */
START_TEST(access_errors)
{
	static const uint8_t truncated[] = { 0x0a, 0x05, 0x0a };
	struct ottl_access_item it;
	ottl_access_item_init(&it, OTTL_CTX_LOG, (struct otlp_bytes){ truncated, sizeof truncated },
			      log_scope);
	it.log = &lr;
	ck_assert_int_eq(eval(OTTL_CTX_LOG, "resource.attributes[\"a\"] == 1", &it), -EBADMSG);
	ck_assert_int_eq(eval(OTTL_CTX_LOG, "severity_number == 17", &it), 1);
	it.scope = (struct otlp_bytes){ truncated, sizeof truncated };
	ck_assert_int_lt(eval(OTTL_CTX_LOG, "instrumentation_scope.name == \"x\"", &it), 0);
	it.log = NULL;
	ck_assert_int_eq(eval(OTTL_CTX_LOG, "severity_number == 17", &it), -EINVAL);
	ck_assert_int_eq(eval(OTTL_CTX_LOG, "attributes[\"a\"] == 1", &it), -EINVAL);
}
END_TEST

/* No resource or scope at all: attributes are nil, names "". */
START_TEST(access_absent)
{
	struct ottl_access_item it;
	ottl_access_item_init(&it, OTTL_CTX_LOG, (struct otlp_bytes){ 0 }, (struct otlp_bytes){ 0 });
	it.log = &lr;
	ck_assert_int_eq(eval(OTTL_CTX_LOG, "resource.attributes[\"a\"] == nil", &it), 1);
	ck_assert_int_eq(eval(OTTL_CTX_LOG, "instrumentation_scope.name == \"\"", &it), 1);
	ck_assert_int_eq(eval(OTTL_CTX_LOG, "instrumentation_scope.attributes[\"a\"] == nil", &it), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ottl_access");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, access_cases, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, access_errors);
	tcase_add_test(tc, access_absent);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
