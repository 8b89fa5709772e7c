/* libFuzzer: OTTL conditions over every path of every context, evaluated
 * through stages/ottl_access.h on items read from arbitrary bytes: the
 * input is a ResourceLogs, ResourceMetrics or ResourceSpans (first byte
 * picks), walked with the wire readers; every item that decodes is
 * evaluated against the conditions of its context and of the resource
 * context. Inputs with the first byte's bit 2 set are a recipe for valid
 * items built with protobuf-c. Checks: no crash, no read outside the
 * input (ASan), results 1, 0 or a negative errno. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/ottl.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"
#include "stages/ottl_access.h"
#include "tests/stages/tbx.h"

static const struct {
	enum ottl_context ctx;
	const char *text;
} conds[] = {
	{ OTTL_CTX_RESOURCE, "attributes[\"service.name\"] == \"svc\" or attributes[\"n\"] > 2" },
	{ OTTL_CTX_RESOURCE, "IsMatch(attributes[\"a\"], \"^v\") and attributes[\"b\"] != nil" },
	{ OTTL_CTX_LOG, "severity_number >= SEVERITY_NUMBER_WARN and IsMatch(body, \"x\")" },
	{ OTTL_CTX_LOG, "severity_text == \"INFO\" or body == 42 or body == nil" },
	{ OTTL_CTX_LOG, "trace_id.string == \"00\" or span_id == SpanID(0x0102030405060708)" },
	{ OTTL_CTX_LOG, "flags == 1 and time_unix_nano < observed_time_unix_nano" },
	{ OTTL_CTX_LOG, "IsMatch(attributes[\"a\"], \"[0-9]+\") or attributes[\"b\"] == 2.5" },
	{ OTTL_CTX_LOG, "resource.attributes[\"r\"] == 1 and instrumentation_scope.name != \"\"" },
	{ OTTL_CTX_LOG,
	  "instrumentation_scope.version == \"1.0\" or instrumentation_scope.attributes[\"k\"] == true" },
	{ OTTL_CTX_METRIC, "name == \"m1\" or unit == \"ms\" or description != \"\"" },
	{ OTTL_CTX_METRIC, "type == METRIC_DATA_TYPE_SUM and is_monotonic == true" },
	{ OTTL_CTX_METRIC, "aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA" },
	{ OTTL_CTX_DATAPOINT, "value_int > 10 or value_double < 0.5 or IsMatch(value_double, \"5\")" },
	{ OTTL_CTX_DATAPOINT, "attributes[\"a\"] == \"s\" and metric.name == \"m2\"" },
	{ OTTL_CTX_DATAPOINT, "time_unix_nano > start_time_unix_nano and flags == 0" },
	{ OTTL_CTX_SPAN, "name == \"x\" or kind == SPAN_KIND_CLIENT or status.code == STATUS_CODE_ERROR" },
	{ OTTL_CTX_SPAN, "IsMatch(status.message, \"e\") or parent_span_id.string == \"\"" },
	{ OTTL_CTX_SPAN,
	  "trace_id != TraceID(0x0102030405060708090a0b0c0d0e0f10) and end_time_unix_nano > 0" },
	{ OTTL_CTX_SPAN, "IsMatch(attributes[\"a\"], \"^a\") and resource.attributes[\"r\"] == nil" },
	{ OTTL_CTX_SPANEVENT, "name == \"log\" or attributes[\"a\"] == 1 or time_unix_nano == 0" },
	{ OTTL_CTX_SPANEVENT, "span.name == \"s\" and span.attributes[\"a\"] != nil" },
};
#define NCOND (sizeof conds / sizeof conds[0])

static struct ottl_eval ev[NCOND];

static void eval_all(struct ottl_access_item *it)
{
	enum ottl_context ctx = it->ctx;
	for (size_t i = 0; i < NCOND; i++) {
		if (conds[i].ctx != ctx && conds[i].ctx != OTTL_CTX_RESOURCE)
			continue;
		it->ctx = conds[i].ctx;
		int r = ottl_eval_run(&ev[i], &ottl_access_wire, it);
		if (r > 1)
			abort();
		it->ctx = ctx;
	}
}

static void spans(struct otlp_bytes res, struct otlp_bytes scope, struct otlp_bytes ss)
{
	struct otlp_wire_iter it, ei;
	struct otlp_bytes b, eb;
	otlp_wire_iter_init(&it, ss, OTLP_F_SS_SPANS);
	while (otlp_wire_iter_next(&it, &b) > 0) {
		struct otlp_span sp;
		if (otlp_wire_span(b, &sp) < 0)
			continue;
		struct ottl_access_item item;
		ottl_access_item_init(&item, OTTL_CTX_SPAN, res, scope);
		item.span = &sp;
		eval_all(&item);
		otlp_wire_iter_init(&ei, sp.raw, OTLP_F_SPAN_EVENTS);
		while (otlp_wire_iter_next(&ei, &eb) > 0) {
			struct otlp_event e;
			if (otlp_wire_event(eb, &e) < 0)
				continue;
			ottl_access_item_init(&item, OTTL_CTX_SPANEVENT, res, scope);
			item.span = &sp;
			item.event = &e;
			item.event_raw = eb;
			eval_all(&item);
		}
	}
}

static void logs(struct otlp_bytes res, struct otlp_bytes scope, struct otlp_bytes sl)
{
	struct otlp_wire_iter it;
	struct otlp_bytes b;
	otlp_wire_iter_init(&it, sl, OTLP_F_SL_LOG_RECORDS);
	while (otlp_wire_iter_next(&it, &b) > 0) {
		struct otlp_log_record lr;
		if (otlp_wire_log_record(b, &lr) < 0)
			continue;
		struct ottl_access_item item;
		ottl_access_item_init(&item, OTTL_CTX_LOG, res, scope);
		item.log = &lr;
		eval_all(&item);
	}
}

static void metrics(struct otlp_bytes res, struct otlp_bytes scope, struct otlp_bytes sm)
{
	struct otlp_wire_iter it, pi;
	struct otlp_bytes b, pb;
	otlp_wire_iter_init(&it, sm, OTLP_F_SM_METRICS);
	while (otlp_wire_iter_next(&it, &b) > 0) {
		struct otlp_metric m;
		if (otlp_wire_metric(b, &m) < 0)
			continue;
		struct ottl_access_item item;
		ottl_access_item_init(&item, OTTL_CTX_METRIC, res, scope);
		item.metric = &m;
		eval_all(&item);
		otlp_wire_iter_init(&pi, m.data, OTLP_F_DATA_POINTS);
		while (m.type && otlp_wire_iter_next(&pi, &pb) > 0) {
			struct otlp_data_point dp;
			if (otlp_wire_data_point(pb, m.type, &dp) < 0)
				continue;
			ottl_access_item_init(&item, OTTL_CTX_DATAPOINT, res, scope);
			item.metric = &m;
			item.point = &dp;
			eval_all(&item);
		}
	}
}

static uint8_t *recipe(const uint8_t *d, size_t n, int kind, size_t *len)
{
	static const char *const strs[] = { "x", "svc", "a1", "log", "" };
	static const struct tb_attr res[] = { { .key = "service.name", .type = 's', .s = "svc" },
					      { .key = "r", .type = 'i', .i = 1 },
					      { .key = NULL } };
	struct tb_attr a[3] = { { .key = "a",
				  .type = "sidby"[n % 5],
				  .s = strs[n % 5],
				  .i = (int64_t)n,
				  .d = n / 2.0,
				  .b = (int)(n & 1) },
				{ .key = "b", .type = 'd', .d = 2.5 },
				{ .key = NULL } };
	unsigned v = n > 1 ? d[1] : 0;
	if (kind == 0) {
		struct tbx_log l = { .body = v & 1 ? strs[v % 5] : NULL,
				     .has_body_i = v & 2,
				     .body_i = 42,
				     .sev = (int)(v % 25),
				     .sev_text = strs[v % 5],
				     .trace = v & 4 ? v : 0 };
		memcpy(l.attrs, a, sizeof a);
		return tbx_pack_logs(res, &l, 1, len);
	}
	if (kind == 1) {
		struct tbx_metric m = {
			.name = v & 1 ? "m1" : "m2",
			.type = "gshem"[v % 5],
			.n = 1,
			.p = { { .num = v & 8 ? 'i' : 'd', .i = (int64_t)v, .d = v / 7.0, .t = v } }
		};
		memcpy(m.p[0].attrs, a, sizeof a);
		return tbx_pack_metrics(res, &m, 1, len);
	}
	struct tbx_span s = {
		.name = strs[v % 5], .trace = v + 1, .n_events = 1, .ev = { { .name = "log" } }
	};
	memcpy(s.attrs, a, sizeof a);
	memcpy(s.ev[0].attrs, a, sizeof a);
	return tbx_pack_spans(res, &s, 1, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		for (size_t i = 0; i < NCOND; i++) {
			struct ottl_cond *c;
			struct ottl_error e;
			char err[256];
			if (ottl_parse(conds[i].text, strlen(conds[i].text), conds[i].ctx, 0, &c, &e) < 0 ||
			    ottl_eval_init(&ev[i], c, err, sizeof err) < 0)
				abort();
		}
		ready = 1;
	}
	if (!size || size > (64u << 10))
		return 0;
	int kind = data[0] % 3;
	uint8_t *built = NULL;
	struct otlp_bytes msg = { data + 1, size - 1 };
	if (data[0] & 4) {
		built = recipe(data, size, kind, &msg.len);
		msg.p = built;
	}
	struct otlp_resource_spans rs;
	if (otlp_wire_resource_spans(msg, &rs) == 0) {
		struct ottl_access_item item;
		ottl_access_item_init(&item, OTTL_CTX_RESOURCE, rs.resource, (struct otlp_bytes){ NULL, 0 });
		eval_all(&item);
		struct otlp_wire_iter it;
		struct otlp_bytes sb;
		otlp_wire_iter_init(&it, msg, 2);
		while (otlp_wire_iter_next(&it, &sb) > 0) {
			struct otlp_scope_spans ss;
			if (otlp_wire_scope_spans(sb, &ss) < 0)
				continue;
			if (kind == 0)
				logs(rs.resource, ss.scope, sb);
			else if (kind == 1)
				metrics(rs.resource, ss.scope, sb);
			else
				spans(rs.resource, ss.scope, sb);
		}
	}
	free(built);
	return 0;
}
