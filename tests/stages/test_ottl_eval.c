/* OTTL conditions evaluated against one fake item: every operator, the
 * precedence, OTTL's type rules (nil, mixed types, numbers), enums,
 * IsMatch's text forms, each context's paths, accessor errors and
 * short-circuiting. One line a case: context, condition, result. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/ottl.h"
#include "stages/ottl_eval.h"
#include "tests/stages/ottl_fake.h"
#include "tests/check_run.h"

#define RES OTTL_CTX_RESOURCE
#define SPAN OTTL_CTX_SPAN
#define EVT OTTL_CTX_SPANEVENT
#define LOG OTTL_CTX_LOG
#define MET OTTL_CTX_METRIC
#define DP OTTL_CTX_DATAPOINT

static uint8_t huge_blob[OTTL_EVAL_HEX_MAX + 1];

static const struct fake_attr attrs[] = {
	{ OTTL_MAP_ITEM, "team", FV_S("payments") },
	{ OTTL_MAP_ITEM, "http.status_code", FV_I(200) },
	{ OTTL_MAP_ITEM, "ratio", FV_D(0.25) },
	{ OTTL_MAP_ITEM, "sampled", FV_B(true) },
	{ OTTL_MAP_ITEM, "blob", FV_BY("\xde\xad") },
	{ OTTL_MAP_ITEM, "list", FV_OTHER },
	{ OTTL_MAP_ITEM, "empty", FV_S("") },
	{ OTTL_MAP_ITEM, "big", FV_D(1e21) },
	{ OTTL_MAP_ITEM, "small", FV_D(1e-7) },
	{ OTTL_MAP_ITEM, "hundred", FV_D(100.0) },
	{ OTTL_MAP_ITEM, "neg", FV_I(-3) },
	{ OTTL_MAP_ITEM, "huge", { .type = OTTL_BYTES, .u.s = { huge_blob, sizeof huge_blob } } },
	{ OTTL_MAP_RESOURCE, "service.name", FV_S("checkout") },
	{ OTTL_MAP_RESOURCE, "host.name", FV_S("pod-17") },
	{ OTTL_MAP_SCOPE, "lib", FV_S("x") },
	{ OTTL_MAP_SPAN, "parent.attr", FV_S("p") },
};

#define TID "0102030405060708090a0b0c0d0e0f10"

static void fill(struct fake_item *it)
{
	memset(it, 0, sizeof *it);
	it->attrs = attrs;
	it->n_attrs = sizeof attrs / sizeof attrs[0];
	it->fail_field = -1;
	it->fields[OTTL_F_SCOPE_NAME] = FV_S("io.otel.http");
	it->fields[OTTL_F_SCOPE_VERSION] = FV_S("1.2");
	it->fields[OTTL_F_SPAN_NAME] = FV_S("GET /api/items/42");
	it->fields[OTTL_F_SPAN_KIND] = FV_I(2);
	it->fields[OTTL_F_SPAN_STATUS_CODE] = FV_I(2);
	it->fields[OTTL_F_SPAN_STATUS_MESSAGE] = FV_S("boom");
	it->fields[OTTL_F_SPAN_TRACE_ID] =
		FV_BY("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10");
	it->fields[OTTL_F_SPAN_SPAN_ID] = FV_BY("\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8");
	/* OTTL_F_SPAN_PARENT_SPAN_ID absent: a root span */
	it->fields[OTTL_F_SPAN_START_TIME] = FV_I(1000);
	it->fields[OTTL_F_SPAN_END_TIME] = FV_I(5000);
	it->fields[OTTL_F_EVENT_NAME] = FV_S("exception");
	it->fields[OTTL_F_EVENT_TIME] = FV_I(3000);
	it->fields[OTTL_F_LOG_BODY] = FV_S("hello world");
	it->fields[OTTL_F_LOG_SEVERITY_NUMBER] = FV_I(13);
	it->fields[OTTL_F_LOG_SEVERITY_TEXT] = FV_S("WARN");
	it->fields[OTTL_F_LOG_TRACE_ID] = FV_BY(""); /* empty on the wire */
	it->fields[OTTL_F_LOG_SPAN_ID] = FV_BY("\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8");
	it->fields[OTTL_F_LOG_FLAGS] = FV_I(1);
	it->fields[OTTL_F_LOG_TIME] = FV_I(7);
	it->fields[OTTL_F_LOG_OBSERVED_TIME] = FV_I(8);
	it->fields[OTTL_F_METRIC_NAME] = FV_S("http.server.duration");
	it->fields[OTTL_F_METRIC_DESCRIPTION] = FV_S("d");
	it->fields[OTTL_F_METRIC_UNIT] = FV_S("ms");
	it->fields[OTTL_F_METRIC_TYPE] = FV_I(3);
	it->fields[OTTL_F_METRIC_TEMPORALITY] = FV_I(2);
	it->fields[OTTL_F_METRIC_IS_MONOTONIC] = FV_B(false);
	it->fields[OTTL_F_DP_VALUE_INT] = FV_I(0); /* a double point: pdata's IntValue() is 0 */
	it->fields[OTTL_F_DP_VALUE_DOUBLE] = FV_D(0.5);
	it->fields[OTTL_F_DP_START_TIME] = FV_I(10);
	it->fields[OTTL_F_DP_TIME] = FV_I(20);
	it->fields[OTTL_F_DP_FLAGS] = FV_I(0);
}

struct ecase {
	enum ottl_context ctx;
	const char *cond;
	int want; /* 1, 0, or a negative errno */
};

static const struct ecase cases[] = {
	/* == != on strings */
	{ SPAN, "attributes[\"team\"] == \"payments\"", 1 },
	{ SPAN, "attributes[\"team\"] != \"payments\"", 0 },
	{ SPAN, "attributes[\"team\"] == \"Payments\"", 0 },
	{ SPAN, "\"payments\" == attributes[\"team\"]", 1 },
	/* nil: equal only to nil; a missing attribute is nil */
	{ SPAN, "attributes[\"missing\"] == nil", 1 },
	{ SPAN, "attributes[\"missing\"] != nil", 0 },
	{ SPAN, "attributes[\"team\"] == nil", 0 },
	{ SPAN, "attributes[\"team\"] != nil", 1 },
	{ SPAN, "nil == attributes[\"team\"]", 0 },
	{ SPAN, "nil == nil", 1 },
	{ SPAN, "attributes[\"missing\"] <= nil", 1 },
	{ SPAN, "attributes[\"missing\"] >= nil", 1 },
	{ SPAN, "attributes[\"missing\"] < nil", 0 },
	{ SPAN, "attributes[\"missing\"] > nil", 0 },
	{ SPAN, "attributes[\"missing\"] < 1", 0 },
	{ SPAN, "attributes[\"missing\"] > 1", 0 },
	{ SPAN, "attributes[\"missing\"] != 1", 1 },
	{ SPAN, "attributes[\"missing\"] == \"\"", 0 },
	{ SPAN, "attributes[\"empty\"] == \"\"", 1 },
	{ SPAN, "attributes[\"empty\"] == nil", 0 },
	/* numbers: int and double compare as numbers */
	{ SPAN, "attributes[\"http.status_code\"] == 200", 1 },
	{ SPAN, "attributes[\"http.status_code\"] == 200.0", 1 },
	{ SPAN, "attributes[\"http.status_code\"] > 199.5", 1 },
	{ SPAN, "attributes[\"http.status_code\"] < 200.5", 1 },
	{ SPAN, "attributes[\"http.status_code\"] >= 200", 1 },
	{ SPAN, "attributes[\"http.status_code\"] <= 199", 0 },
	{ SPAN, "attributes[\"ratio\"] < 1", 1 },
	{ SPAN, "attributes[\"ratio\"] == 0.25", 1 },
	{ SPAN, "attributes[\"ratio\"] >= .25", 1 },
	{ SPAN, "attributes[\"neg\"] < 0", 1 },
	{ SPAN, "attributes[\"neg\"] == -3.0", 1 },
	{ SPAN, "9223372036854775807 > 9223372036854775806", 1 }, /* ints exactly */
	{ SPAN, "9007199254740993 == 9007199254740992.0", 1 },	  /* int as double */
	{ SPAN, "010 == 8", 1 },
	/* different types: never equal, never ordered */
	{ SPAN, "attributes[\"http.status_code\"] == \"200\"", 0 },
	{ SPAN, "attributes[\"http.status_code\"] != \"200\"", 1 },
	{ SPAN, "attributes[\"http.status_code\"] < \"300\"", 0 },
	{ SPAN, "attributes[\"http.status_code\"] > \"100\"", 0 },
	{ SPAN, "attributes[\"sampled\"] == 1", 0 },
	{ SPAN, "attributes[\"sampled\"] != 1", 1 },
	{ SPAN, "attributes[\"blob\"] == \"dead\"", 0 },
	{ SPAN, "attributes[\"list\"] == nil", 0 },
	{ SPAN, "attributes[\"list\"] != nil", 1 },
	{ SPAN, "attributes[\"list\"] == attributes[\"list\"]", 0 },
	{ SPAN, "attributes[\"list\"] >= attributes[\"list\"]", 0 },
	/* strings bytewise */
	{ SPAN, "attributes[\"team\"] < \"paymentz\"", 1 },
	{ SPAN, "attributes[\"team\"] > \"pay\"", 1 },
	{ SPAN, "\"abc\" < \"abd\"", 1 },
	{ SPAN, "\"\" < \"a\"", 1 },
	{ SPAN, "\"Z\" < \"a\"", 1 },
	{ SPAN, "\"\\u00e9\" > \"z\"", 1 },
	{ SPAN, "\"a\\x00b\" > \"a\"", 1 },
	{ SPAN, "\"b\" <= \"b\" and \"b\" >= \"b\"", 1 },
	/* bools: false < true */
	{ SPAN, "attributes[\"sampled\"] == true", 1 },
	{ SPAN, "attributes[\"sampled\"] > false", 1 },
	{ SPAN, "false < true", 1 },
	{ SPAN, "true <= true", 1 },
	{ SPAN, "true > true", 0 },
	/* bytes */
	{ SPAN, "attributes[\"blob\"] == 0xdead", 1 },
	{ SPAN, "attributes[\"blob\"] < 0xdeae", 1 },
	{ SPAN, "attributes[\"blob\"] > 0xde", 1 },
	{ SPAN, "attributes[\"blob\"] != 0xDEAD", 0 },
	/* precedence: not binds tightest, then and, then or */
	{ SPAN, "true or false and false", 1 },
	{ SPAN, "false and false or true", 1 },
	{ SPAN, "(true or false) and false", 0 },
	{ SPAN, "not true and false", 0 },
	{ SPAN, "not false and false", 0 },
	{ SPAN, "not (false and false)", 1 },
	{ SPAN, "not (not true)", 1 },
	{ SPAN, "not attributes[\"team\"] == \"x\"", 1 },
	{ SPAN, "not IsMatch(name, \"GET\")", 0 },
	/* span paths and enums */
	{ SPAN, "name == \"GET /api/items/42\"", 1 },
	{ SPAN, "span.name == \"GET /api/items/42\"", 1 },
	{ SPAN, "kind == SPAN_KIND_SERVER", 1 },
	{ SPAN, "kind == 2", 1 },
	{ SPAN, "kind < SPAN_KIND_CLIENT and kind > SPAN_KIND_INTERNAL", 1 },
	{ SPAN, "status.code == STATUS_CODE_ERROR", 1 },
	{ SPAN, "status.code != STATUS_CODE_OK", 1 },
	{ SPAN, "status.message == \"boom\"", 1 },
	{ SPAN, "end_time_unix_nano > start_time_unix_nano", 1 },
	{ SPAN,
	  "resource.attributes[\"service.name\"] == \"checkout\" or resource.attributes[\"service.name\"] == \"cart\"",
	  1 },
	{ SPAN,
	  "resource.attributes[\"service.name\"] == \"cart\" or resource.attributes[\"service.name\"] == \"shop\"",
	  0 },
	{ SPAN, "instrumentation_scope.name == \"io.otel.http\" and instrumentation_scope.version == \"1.2\"",
	  1 },
	{ SPAN, "instrumentation_scope.attributes[\"lib\"] == \"x\"", 1 },
	/* ids: equal only to the same id type */
	{ SPAN, "trace_id == TraceID(0x" TID ")", 1 },
	{ SPAN, "trace_id != TraceID(0x" TID ")", 0 },
	{ SPAN, "trace_id == TraceID(0x0102030405060708090a0b0c0d0e0f11)", 0 },
	{ SPAN, "trace_id == 0x" TID, 0 },
	{ SPAN, "trace_id != 0x" TID, 1 },
	{ SPAN, "trace_id < TraceID(0xffffffffffffffffffffffffffffffff)", 0 },
	{ SPAN, "trace_id.string == \"" TID "\"", 1 },
	{ SPAN, "span_id == SpanID(0xa1a2a3a4a5a6a7a8)", 1 },
	{ SPAN, "span_id.string == \"a1a2a3a4a5a6a7a8\"", 1 },
	{ SPAN, "parent_span_id == SpanID(0x0000000000000000)", 1 },
	{ SPAN, "parent_span_id.string == \"0000000000000000\"", 1 },
	{ SPAN, "parent_span_id == nil", 0 },
	{ SPAN, "span_id == TraceID(0x" TID ")", 0 },
	/* resource context */
	{ RES, "attributes[\"service.name\"] == \"checkout\"", 1 },
	{ RES, "resource.attributes[\"service.name\"] == \"cart\"", 0 },
	{ RES, "attributes[\"team\"] == nil", 1 }, /* the span's attributes are not the resource's */
	/* span event context */
	{ EVT, "name == \"exception\" and span.name == \"GET /api/items/42\"", 1 },
	{ EVT, "spanevent.time_unix_nano == 3000 and span.kind == SPAN_KIND_SERVER", 1 },
	{ EVT, "span.attributes[\"parent.attr\"] == \"p\"", 1 },
	{ EVT, "attributes[\"parent.attr\"] == nil", 1 },
	/* log context */
	{ LOG, "severity_number >= SEVERITY_NUMBER_WARN", 1 },
	{ LOG, "severity_number < SEVERITY_NUMBER_WARN2", 1 },
	{ LOG, "severity_number == 13", 1 },
	{ LOG, "severity_text == \"WARN\"", 1 },
	{ LOG, "body == \"hello world\"", 1 },
	{ LOG, "log.body != nil and IsMatch(log.body, \"^hello\")", 1 },
	{ LOG, "trace_id == TraceID(0x00000000000000000000000000000000)", 1 },
	{ LOG, "span_id.string == \"a1a2a3a4a5a6a7a8\" and flags == 1", 1 },
	{ LOG, "time_unix_nano < observed_time_unix_nano", 1 },
	/* metric and data point contexts */
	{ MET, "name == \"http.server.duration\" and type == METRIC_DATA_TYPE_HISTOGRAM", 1 },
	{ MET, "aggregation_temporality == AGGREGATION_TEMPORALITY_CUMULATIVE and is_monotonic == false", 1 },
	{ MET, "unit == \"ms\" and description == \"d\"", 1 },
	{ DP, "metric.name == \"http.server.duration\" and value_double > 0.1", 1 },
	{ DP, "attributes[\"team\"] == \"payments\" and metric.type == METRIC_DATA_TYPE_HISTOGRAM", 1 },
	{ DP, "value_int == 0 and flags == FLAG_NONE and time_unix_nano > start_time_unix_nano", 1 },
	/* IsMatch: text forms of each type */
	{ SPAN, "IsMatch(name, \"^GET /api/items/\\\\d+$\")", 1 },
	{ SPAN, "IsMatch(name, \"POST\")", 0 },
	{ SPAN, "IsMatch(name, \"(?P<id>\\\\d+)$\")", 1 },
	{ SPAN, "IsMatch(name, \"GET\") == true", 1 },
	{ SPAN, "IsMatch(attributes[\"missing\"], \".*\")", 0 },
	{ SPAN, "IsMatch(attributes[\"empty\"], \"^$\")", 1 },
	{ SPAN, "IsMatch(attributes[\"http.status_code\"], \"^2\\\\d\\\\d$\")", 1 },
	{ SPAN, "IsMatch(attributes[\"neg\"], \"^-3$\")", 1 },
	{ SPAN, "IsMatch(attributes[\"ratio\"], \"^0\\\\.25$\")", 1 },
	{ SPAN, "IsMatch(attributes[\"hundred\"], \"^100$\")", 1 },
	{ SPAN, "IsMatch(attributes[\"big\"], \"^1e\\\\+21$\")", 1 },
	{ SPAN, "IsMatch(attributes[\"small\"], \"^1e-7$\")", 1 },
	{ SPAN, "IsMatch(attributes[\"sampled\"], \"^true$\")", 1 },
	{ SPAN, "IsMatch(attributes[\"blob\"], \"^dead$\")", 1 },
	{ SPAN, "IsMatch(kind, \"^2$\")", 1 },
	{ SPAN, "IsMatch(trace_id.string, \"^0102\")", 1 },
	{ SPAN, "IsMatch(IsMatch(name, \"GET\"), \"^true$\")", 1 },
	{ SPAN, "IsMatch(\"literal\", \"lit\")", 1 },
	{ SPAN, "IsMatch(resource.attributes[\"host.name\"], \"pod-.*\")", 1 },
	/* RE2's lazy repeats match what their greedy forms match (POSIX would
	 * read x+? as (x+)?) */
	{ SPAN, "IsMatch(\"xy\", \"xa+?y\")", 0 },
	{ SPAN, "IsMatch(\"xaay\", \"xa+?y\")", 1 },
	{ SPAN, "IsMatch(\"xy\", \"xa*?y\")", 1 },
	{ SPAN, "IsMatch(\"a\", \"^a{2,}?$\")", 0 },
	{ SPAN, "IsMatch(\"aaa\", \"^a{2,}?$\")", 1 },
	{ SPAN, "IsMatch(\"aa?\", \"^a+[?]$\")", 1 },
	{ SPAN, "IsMatch(\"a+?\", \"^a\\\\+\\\\?$\")", 1 },
	{ SPAN, "IsMatch(\"aa\", \"^a+\\\\?$\")", 0 },
	{ SPAN, "IsMatch(attributes[\"list\"], \".\")", -ENOTSUP },
	{ SPAN, "IsMatch(trace_id, \".\")", -ENOTSUP },
	{ SPAN, "IsMatch(attributes[\"huge\"], \".\")", -E2BIG },
	{ SPAN, "true or IsMatch(attributes[\"list\"], \".\")", 1 },
};

START_TEST(evaluates)
{
	const struct ecase *c = &cases[_i];
	struct ottl_cond *cond;
	struct ottl_error perr;
	struct ottl_eval ev;
	struct fake_item item;
	char err[256];

	ck_assert_msg(ottl_parse(c->cond, strlen(c->cond), c->ctx, 0, &cond, &perr) == 0, "%s: %u: %s",
		      c->cond, perr.pos, perr.msg);
	ck_assert_msg(ottl_eval_init(&ev, cond, err, sizeof err) == 0, "%s: %s", c->cond, err);
	fill(&item);
	int r = ottl_eval_run(&ev, &fake_accessor, &item);
	ck_assert_msg(r == c->want, "%s: got %d, want %d", c->cond, r, c->want);
	/* the same answer a second time: no state kept between runs */
	ck_assert_int_eq(ottl_eval_run(&ev, &fake_accessor, &item), r);
	ottl_eval_free(&ev);
	ottl_free(cond);
}
END_TEST

static int run(enum ottl_context ctx, const char *text, struct fake_item *item)
{
	struct ottl_cond *cond;
	struct ottl_error perr;
	struct ottl_eval ev;
	char err[256];

	ck_assert_int_eq(ottl_parse(text, strlen(text), ctx, 0, &cond, &perr), 0);
	ck_assert_int_eq(ottl_eval_init(&ev, cond, err, sizeof err), 0);
	int r = ottl_eval_run(&ev, &fake_accessor, item);
	ottl_eval_free(&ev);
	ottl_free(cond);
	return r;
}

/* An accessor error ends the evaluation with it, unless and/or already
 * decided; operands after the deciding one are not read. */
START_TEST(errors_and_short_circuit)
{
	struct fake_item item;

	fill(&item);
	item.fail_field = OTTL_F_SPAN_NAME;
	ck_assert_int_eq(run(SPAN, "name == \"x\"", &item), -EIO);
	ck_assert_int_eq(run(SPAN, "not (name == \"x\")", &item), -EIO);
	ck_assert_int_eq(run(SPAN, "false or name == \"x\"", &item), -EIO);
	ck_assert_int_eq(run(SPAN, "IsMatch(name, \"x\")", &item), -EIO);
	item.calls = 0;
	ck_assert_int_eq(run(SPAN, "kind == 2 or name == \"x\"", &item), 1);
	ck_assert_uint_eq(item.calls, 1);
	item.calls = 0;
	ck_assert_int_eq(run(SPAN, "kind == 3 and name == \"x\"", &item), 0);
	ck_assert_uint_eq(item.calls, 1);
	item.calls = 0;
	ck_assert_int_eq(run(SPAN, "kind == 3 or kind == 4 or kind == 2 or name == \"x\"", &item), 1);
	ck_assert_uint_eq(item.calls, 3);
	/* a malformed id from the wire */
	fill(&item);
	item.fields[OTTL_F_SPAN_SPAN_ID] = FV_BY("\x01\x02\x03");
	ck_assert_int_eq(run(SPAN, "span_id == SpanID(0x0102030000000000)", &item), -EINVAL);
	item.fields[OTTL_F_SPAN_SPAN_ID] = FV_S("abc");
	ck_assert_int_eq(run(SPAN, "span_id.string == \"abc\"", &item), -EINVAL);
}
END_TEST

/* OTTL's comparison table, both orders of every pair of types. */
START_TEST(compare_table)
{
	static const uint8_t id16[16], id8[8];
	const struct ottl_value v[] = {
		{ .type = OTTL_NIL },
		FV_S("a"),
		FV_I(1),
		FV_D(1.0),
		FV_B(true),
		FV_BY("a"),
		{ .type = OTTL_TRACE_ID, .u.s = { id16, 16 } },
		{ .type = OTTL_SPAN_ID, .u.s = { id8, 8 } },
		FV_OTHER,
	};
	size_t n = sizeof v / sizeof v[0];

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			bool numbers = (i == 2 || i == 3) && (j == 2 || j == 3);
			bool same = i == j && v[i].type != OTTL_OTHER;
			bool eq = same || numbers; /* 1 == 1.0 */
			bool ordered = eq && v[i].type != OTTL_TRACE_ID && v[i].type != OTTL_SPAN_ID;
			ck_assert_int_eq(ottl_eval_compare(&v[i], &v[j], OTTL_EQ), eq);
			ck_assert_int_eq(ottl_eval_compare(&v[i], &v[j], OTTL_NE), !eq);
			ck_assert_int_eq(ottl_eval_compare(&v[i], &v[j], OTTL_LE), ordered);
			ck_assert_int_eq(ottl_eval_compare(&v[i], &v[j], OTTL_GE), ordered);
			ck_assert_int_eq(ottl_eval_compare(&v[i], &v[j], OTTL_LT), 0);
			ck_assert_int_eq(ottl_eval_compare(&v[i], &v[j], OTTL_GT), 0);
		}
	/* NaN: unordered, only != */
	struct ottl_value nan = FV_D(__builtin_nan("")), one = FV_I(1);
	ck_assert_int_eq(ottl_eval_compare(&nan, &nan, OTTL_EQ), 0);
	ck_assert_int_eq(ottl_eval_compare(&nan, &nan, OTTL_NE), 1);
	ck_assert_int_eq(ottl_eval_compare(&nan, &one, OTTL_LE), 0);
	ck_assert_int_eq(ottl_eval_compare(&one, &nan, OTTL_GE), 0);
}
END_TEST

/* IsMatch matches a double against Go's encoding/json text. */
START_TEST(double_text)
{
	static const struct {
		double d;
		const char *json, *literal;
	} cases[] = {
		{ 0.0, "0", "0.0" },
		{ -0.0, "-0", "-0.0" },
		{ 1.0, "1", "1.0" },
		{ 0.25, "0.25", "0.25" },
		{ 100.0, "100", "100.0" },
		{ 1e20, "100000000000000000000", "1.0e+20" },
		{ 1e21, "1e+21", "1.0e+21" },
		{ 1.5e300, "1.5e+300", "1.5e+300" },
		{ 1e-6, "0.000001", "1.0e-6" },
		{ 1e-7, "1e-7", "1.0e-7" },
		{ 1.25e-10, "1.25e-10", "1.25e-10" },
		{ 0.1, "0.1", "0.1" },
		{ 1.0 / 3, "0.3333333333333333", "0.3333333333333333" },
		{ -2.5, "-2.5", "-2.5" },
		{ 123456.789, "123456.789", "123456.789" },
		{ 5e-324, "5e-324", "5.0e-324" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308", "1.7976931348623157e+308" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_gt(ottl_double_text(cases[i].d, OTTL_DOUBLE_JSON, buf, sizeof buf), 0);
		ck_assert_msg(!strcmp(buf, cases[i].json), "%g: json %s, want %s", cases[i].d, buf,
			      cases[i].json);
		ck_assert_int_gt(ottl_double_text(cases[i].d, OTTL_DOUBLE_LITERAL, buf, sizeof buf), 0);
		ck_assert_msg(!strcmp(buf, cases[i].literal), "%g: literal %s, want %s", cases[i].d, buf,
			      cases[i].literal);
	}
	ck_assert_int_eq(ottl_double_text(__builtin_inf(), OTTL_DOUBLE_JSON, buf, sizeof buf), -EDOM);
}
END_TEST

/* The stage binds its own handle to each key once, and the accessor gets
 * it back on every lookup. */
static int bound_attr(void *item, const struct ottl_eval_key *k, struct ottl_value *out)
{
	(void)item;
	*out = *(const struct ottl_value *)k->bound;
	return 0;
}

START_TEST(bound_keys)
{
	const char *text =
		"attributes[\"a\"] == 1 and resource.attributes[\"a\"] == \"r\" and attributes[\"a\"] != 2";
	struct ottl_cond *cond;
	struct ottl_error perr;
	struct ottl_eval ev;
	char err[64];
	struct ottl_value one = FV_I(1), r = FV_S("r");
	struct ottl_eval_accessor acc = { bound_attr, fake_field_get };

	ck_assert_int_eq(ottl_parse(text, strlen(text), SPAN, 0, &cond, &perr), 0);
	ck_assert_int_eq(ottl_eval_init(&ev, cond, err, sizeof err), 0);
	ck_assert_uint_eq(ev.n_keys, 2);
	for (size_t i = 0; i < ev.n_keys; i++)
		ev.keys[i].bound = ev.keys[i].map == OTTL_MAP_RESOURCE ? &r : &one;
	ck_assert_int_eq(ottl_eval_run(&ev, &acc, NULL), 1);
	ottl_eval_free(&ev);
	ottl_free(cond);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ottl_eval");
	TCase *tc = tcase_create("eval");

	memset(huge_blob, 0xab, sizeof huge_blob);
	tcase_add_loop_test(tc, evaluates, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, errors_and_short_circuit);
	tcase_add_test(tc, compare_table);
	tcase_add_test(tc, double_text);
	tcase_add_test(tc, bound_keys);
	suite_add_tcase(s, tc);
	/* pure table cases: one process, not a fork a case (under ASan a fork
	 * of this test costs ~0.2 s, hundreds of them ran past the timeout) */
	return check_run(s, CK_NOFORK) ? EXIT_FAILURE : EXIT_SUCCESS;
}
