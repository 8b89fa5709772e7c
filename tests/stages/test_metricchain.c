/* The metric chain (stages/sigchain.h for SLUICE_SIGNAL_METRICS), one
 * line a case: processors, which data points are kept (and so which
 * metrics), the edits expected on the points' attributes and on the
 * resource. Every point type takes part. Input and expected output are
 * built with protobuf-c; the output is decoded with protobuf-c and packed
 * again, so every field is compared. Then: byte-for-byte copies,
 * counters (metric-level and point-level drops), refusals. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "otlp/wire_metrics.h"
#include "stages/sigchain.h"
#include "tests/stages/tbx.h"
#include "tests/check_run.h"

#define NMET 6
#define NPOINTS 10

static const struct tb_attr base_res[] = { { .key = "service.name", .type = 's', .s = "checkout" },
					   { .key = "env", .type = 's', .s = "dev" },
					   { .key = NULL } };

static const struct tbx_metric base[NMET] = {
	{ .name = "cpu.usage",
	  .type = 'g',
	  .unit = "1",
	  .scope = 0,
	  .n = 2,
	  .p = { { .num = 'd',
		   .d = 0.5,
		   .t = 1,
		   .attrs = { { .key = "cpu", .type = 'i', .i = 0 },
			      { .key = "host", .type = 's', .s = "a" } } },
		 { .num = 'd',
		   .d = 0.7,
		   .t = 2,
		   .attrs = { { .key = "cpu", .type = 'i', .i = 1 },
			      { .key = "host", .type = 's', .s = "a" } } } } },
	{ .name = "http.requests",
	  .type = 's',
	  .scope = 0,
	  .n = 3,
	  .p = { { .num = 'i',
		   .i = 10,
		   .t = 3,
		   .attrs = { { .key = "route", .type = 's', .s = "/a" },
			      { .key = "code", .type = 'i', .i = 200 } } },
		 { .num = 'i',
		   .i = 3,
		   .t = 4,
		   .attrs = { { .key = "route", .type = 's', .s = "/b" },
			      { .key = "code", .type = 'i', .i = 500 } } },
		 { .num = 'i',
		   .i = 99,
		   .t = 5,
		   .attrs = { { .key = "route", .type = 's', .s = "/healthz" },
			      { .key = "code", .type = 'i', .i = 200 } } } } },
	{ .name = "http.duration",
	  .type = 'h',
	  .unit = "ms",
	  .scope = 1,
	  .n = 2,
	  .p = { { .t = 6, .attrs = { { .key = "route", .type = 's', .s = "/a" } } },
		 { .t = 7, .attrs = { { .key = "route", .type = 's', .s = "/b" } } } } },
	{ .name = "rpc.size",
	  .type = 'e',
	  .scope = 1,
	  .n = 1,
	  .p = { { .t = 8, .attrs = { { .key = "method", .type = 's', .s = "get" } } } } },
	{ .name = "gc.pause",
	  .type = 'm',
	  .scope = 1,
	  .n = 2,
	  .p = { { .t = 9, .attrs = { { .key = "gen", .type = 's', .s = "old" } } },
		 { .t = 10, .attrs = { { .key = "gen", .type = 's', .s = "young" } } } } },
	{ .name = "empty.gauge", .type = 'g', .scope = 0, .n = 0 },
};

#define ALL "0:0,1 1:0,1,2 2:0,1 3:0 4:0,1 5:"

static const struct mcase {
	const char *name, *procs, *list;
	const char *keep; /* "m:p,p ..." (a metric with "m:" kept without points) */
	const char *ops;  /* on kept points (tbx_apply_ops; @m.p: that point only) */
	const char *res;  /* on the resource */
} cases[] = {
	{ "pass-through filter", "  filter:\n    logs:\n      include:\n        bodies: [x]\n", "filter", ALL,
	  "", "" },
	{ "resource upsert",
	  "  resource:\n    attributes:\n      - {key: region, value: eu, action: upsert}\n", "resource", ALL,
	  "", "+region=eu" },
	{ "resource delete", "  resource:\n    attributes:\n      - {key: service.name, action: delete}\n",
	  "resource", ALL, "", "-service.name" },
	{ "attributes insert",
	  "  attributes:\n    actions:\n      - {key: env, value: prod, action: insert}\n", "attributes", ALL,
	  "?env=prod", "" },
	{ "attributes delete", "  attributes:\n    actions:\n      - {key: host, action: delete}\n",
	  "attributes", ALL, "-host", "" },
	{ "attributes update int",
	  "  attributes:\n    actions:\n      - {key: code, value: 0, action: update}\n", "attributes", ALL,
	  "^code=#0", "" },
	{ "attributes hash", "  attributes:\n    actions:\n      - {key: route, action: hash}\n",
	  "attributes", ALL, "%route", "" },
	{ "include names",
	  "  filter:\n    metrics:\n      include:\n        metric_names: [http.requests, gc.pause]\n",
	  "filter", "1:0,1,2 4:0,1", "", "" },
	{ "exclude names regexp",
	  "  filter:\n    metrics:\n      exclude:\n        match_type: regexp\n        metric_names: [\"^http\\\\.\"]\n",
	  "filter", "0:0,1 3:0 4:0,1 5:", "", "" },
	{ "include resource miss",
	  "  filter:\n    metrics:\n      include:\n        resource_attributes: [{key: service.name, value: other}]\n",
	  "filter", "", "", "" },
	{ "include resource and names",
	  "  filter:\n    metrics:\n      include:\n        metric_names: [rpc.size]\n        resource_attributes: [{key: service.name, value: checkout}]\n",
	  "filter", "3:0", "", "" },
	{ "exclude resource or names",
	  "  filter:\n    metrics:\n      exclude:\n        metric_names: [cpu.usage]\n        resource_attributes: [{key: env, value: prod}]\n",
	  "filter", "1:0,1,2 2:0,1 3:0 4:0,1 5:", "", "" },
	{ "exclude resource matches",
	  "  filter:\n    metrics:\n      exclude:\n        metric_names: [cpu.usage]\n        resource_attributes: [{key: env, value: dev}]\n",
	  "filter", "", "", "" },
	{ "ottl metric name", "  filter:\n    metrics:\n      metric:\n        - name == \"cpu.usage\"\n",
	  "filter", "1:0,1,2 2:0,1 3:0 4:0,1 5:", "", "" },
	{ "ottl metric type",
	  "  filter:\n    metrics:\n      metric:\n        - type == METRIC_DATA_TYPE_HISTOGRAM or type == METRIC_DATA_TYPE_SUMMARY\n",
	  "filter", "0:0,1 1:0,1,2 3:0 5:", "", "" },
	{ "ottl metric resource scope",
	  "  filter:\n    metrics:\n      metric:\n        - resource.attributes[\"env\"] == \"dev\" and instrumentation_scope.name == \"scope1\"\n",
	  "filter", "0:0,1 1:0,1,2 5:", "", "" },
	{ "ottl datapoint attribute",
	  "  filter:\n    metrics:\n      datapoint:\n        - attributes[\"route\"] == \"/healthz\"\n",
	  "filter", "0:0,1 1:0,1 2:0,1 3:0 4:0,1", "", "" },
	{ "ottl datapoint value", "  filter:\n    metrics:\n      datapoint:\n        - value_int > 5\n",
	  "filter", "0:0,1 1:1 2:0,1 3:0 4:0,1", "", "" },
	{ "ottl datapoint metric path",
	  "  filter:\n    metrics:\n      datapoint:\n        - metric.name == \"gc.pause\" and attributes[\"gen\"] == \"old\"\n",
	  "filter", "0:0,1 1:0,1,2 2:0,1 3:0 4:1", "", "" },
	{ "ottl datapoint empties a metric",
	  "  filter:\n    metrics:\n      datapoint:\n        - attributes[\"host\"] == \"a\"\n", "filter",
	  "1:0,1,2 2:0,1 3:0 4:0,1", "", "" },
	{ "ottl metric and datapoint",
	  "  filter:\n    metrics:\n      metric:\n        - name == \"rpc.size\"\n      datapoint:\n        - attributes[\"route\"] == \"/b\"\n",
	  "filter", "0:0,1 1:0,2 2:0 4:0,1", "", "" },
	{ "datapoint sees earlier edits",
	  "  attributes:\n    actions:\n      - {key: route, value: /healthz, action: insert}\n  filter:\n    metrics:\n      datapoint:\n        - attributes[\"route\"] == \"/healthz\"\n",
	  "attributes, filter", "1:0,1 2:0,1", "", "" },
	{ "typical chain",
	  "  resource:\n    attributes:\n      - {key: region, value: eu, action: upsert}\n  attributes:\n    actions:\n      - {key: env, value: prod, action: insert}\n      - {key: host, action: delete}\n  filter:\n    metrics:\n      exclude:\n        metric_names: [gc.pause]\n",
	  "resource, attributes, filter", "0:0,1 1:0,1,2 2:0,1 3:0 5:", "?env=prod -host", "+region=eu" },
};

/* keep[m][p] from "m:p,p ..."; mkeep[m]: the metric is in the output. */
static int parse_keep(const char *s, int keep[NMET][TBX_MAX], int mkeep[NMET])
{
	int n = 0;
	memset(keep, 0, sizeof(int) * NMET * TBX_MAX);
	memset(mkeep, 0, sizeof(int) * NMET);
	for (const char *p = s; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		int m = *p - '0';
		mkeep[m] = 1;
		p += 2; /* "m:" */
		while (*p >= '0' && *p <= '9') {
			keep[m][*p - '0'] = 1;
			n++;
			p++;
			if (*p == ',')
				p++;
		}
	}
	return n;
}

static uint8_t *repack(const uint8_t *p, size_t len, size_t *n)
{
	TbRm *rm = tbx_unpack_metrics(p, len);
	ck_assert_ptr_nonnull(rm);
	*n = opentelemetry__proto__metrics__v1__resource_metrics__get_packed_size(rm);
	uint8_t *b = malloc(*n + 1);
	opentelemetry__proto__metrics__v1__resource_metrics__pack(rm, b);
	tbx_free_metrics(rm);
	return b;
}

static uint8_t out[1 << 20];

static struct sigchain *chain_for(struct sluice_config **cfg, const char *procs, const char *list)
{
	char err[512];
	*cfg = tbx_config("metrics", procs, list);
	const struct sluice_pipeline *pl = &(*cfg)->pipelines[0];
	struct sigchain *c = sigchain_new(SLUICE_SIGNAL_METRICS, pl->processors, pl->n_processors, err,
					  sizeof err);
	ck_assert_msg(c != NULL, "sigchain_new: %s", err);
	return c;
}

START_TEST(metric_cases)
{
	const struct mcase *k = &cases[_i];
	struct sluice_config *cfg;
	struct sigchain *c = chain_for(&cfg, k->procs, k->list);
	size_t len, want_len, got_len;
	uint8_t *in = tbx_pack_metrics(base_res, base, NMET, &len);
	struct sigchain_result r;
	int64_t n = sigchain_run(c, in, len, NPOINTS, false, out, sizeof out, &r);
	ck_assert_msg(n >= 0, "%s: %lld", k->name, (long long)n);
	ck_assert_uint_eq(r.items_in, NPOINTS);

	int keep[NMET][TBX_MAX], mkeep[NMET], nm = 0;
	int npts = parse_keep(k->keep, keep, mkeep);
	struct tbx_metric want[NMET];
	struct tb_attr res[TBX_MAX] = { { NULL } };
	memcpy(res, base_res, sizeof base_res);
	tbx_apply_ops(res, k->res, "");
	for (int m = 0; m < NMET; m++) {
		if (!mkeep[m])
			continue;
		want[nm] = base[m];
		want[nm].n = 0;
		for (int j = 0; j < base[m].n; j++) {
			if (!keep[m][j])
				continue;
			char tag[32];
			snprintf(tag, sizeof tag, "%d.%d", m, j);
			want[nm].p[want[nm].n] = base[m].p[j];
			tbx_apply_ops(want[nm].p[want[nm].n].attrs, k->ops, tag);
			want[nm].n++;
		}
		nm++;
	}
	ck_assert_msg(r.items_kept == (uint64_t)npts, "%s: kept %llu, want %d", k->name,
		      (unsigned long long)r.items_kept, npts);
	if (!nm) {
		ck_assert_int_eq(n, 0);
	} else {
		uint8_t *want_b = tbx_pack_metrics(res, want, nm, &want_len);
		uint8_t *got = repack(out, (size_t)n, &got_len);
		ck_assert_msg(got_len == want_len && !memcmp(got, want_b, got_len),
			      "%s: output differs from the expected record", k->name);
		free(want_b);
		free(got);
	}
	free(in);
	sigchain_free(c);
	config_free(cfg);
}
END_TEST

/* Metrics and points nobody edits are copied byte for byte. */
START_TEST(metric_untouched_bytes)
{
	struct sluice_config *cfg;
	struct sigchain *c =
		chain_for(&cfg, "  attributes:\n    actions:\n      - {key: gen, value: g, action: update}\n",
			  "attributes");
	size_t len;
	uint8_t *in = tbx_pack_metrics(base_res, base, NMET, &len);
	struct sigchain_result r;
	int64_t n = sigchain_run(c, in, len, NPOINTS, false, out, sizeof out, &r);
	ck_assert_int_gt(n, 0);
	struct otlp_bytes mets[2][NMET];
	size_t cnt[2] = { 0, 0 };
	for (int side = 0; side < 2; side++) {
		struct otlp_bytes msg = side ? (struct otlp_bytes){ out, (size_t)n }
					     : (struct otlp_bytes){ in, len };
		struct otlp_wire_iter is, im;
		struct otlp_bytes sm, m;
		otlp_wire_iter_init(&is, msg, OTLP_F_RM_SCOPE_METRICS);
		while (otlp_wire_iter_next(&is, &sm) > 0) {
			otlp_wire_iter_init(&im, sm, OTLP_F_SM_METRICS);
			while (otlp_wire_iter_next(&im, &m) > 0)
				mets[side][cnt[side]++] = m;
		}
	}
	ck_assert_uint_eq(cnt[0], NMET);
	ck_assert_uint_eq(cnt[1], NMET);
	for (int i = 0; i < NMET; i++) {
		/* order by scope: 0, 1, 5 | 2, 3, 4; only gc.pause (4, last) has gen */
		bool same = mets[0][i].len == mets[1][i].len &&
			    !memcmp(mets[0][i].p, mets[1][i].p, mets[0][i].len);
		ck_assert_msg(same == (i != NMET - 1), "metric %d", i);
	}
	free(in);
	sigchain_free(c);
	config_free(cfg);
}
END_TEST

/* Points count per processor, for drops of whole metrics and of points. */
START_TEST(metric_counters)
{
	struct sluice_config *cfg;
	struct sigchain *c = chain_for(
		&cfg,
		"  attributes:\n    actions:\n      - {key: a, value: b, action: insert}\n"
		"  filter:\n    metrics:\n      exclude:\n        metric_names: [http.requests]\n"
		"  filter/2:\n    metrics:\n      datapoint:\n        - attributes[\"gen\"] == \"old\"\n",
		"attributes, filter, filter/2");
	struct seg_component comp[3];
	struct seg_component *pc[3] = { &comp[0], &comp[1], &comp[2] };
	memset(comp, 0, sizeof comp);
	sigchain_bind(c, pc);
	size_t len;
	uint8_t *in = tbx_pack_metrics(base_res, base, NMET, &len);
	struct sigchain_result r;
	for (int round = 0; round < 2; round++)
		ck_assert_int_gt(sigchain_run(c, in, len, NPOINTS, false, out, sizeof out, &r), 0);
	sigchain_flush_stats(c);
	static const uint64_t want[3][3] = { { 20, 20, 0 }, { 20, 14, 6 }, { 14, 12, 2 } };
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(seg_component_get(&comp[i], SEG_C_IN), want[i][0]);
		ck_assert_uint_eq(seg_component_get(&comp[i], SEG_C_OUT), want[i][1]);
		ck_assert_uint_eq(seg_component_get(&comp[i], SEG_C_DROPPED), want[i][2]);
	}
	ck_assert_uint_eq(r.items_kept, 6);
	free(in);
	sigchain_free(c);
	config_free(cfg);
}
END_TEST

/* The sampler cannot serve metrics: refused, named. */
START_TEST(metric_refused)
{
	char err[512];
	struct sluice_config *cfg = tbx_config("traces",
					       "  probabilistic_sampler:\n    sampling_percentage: 5\n",
					       "probabilistic_sampler");
	const struct sluice_pipeline *pl = &cfg->pipelines[0];
	struct sigchain *c = sigchain_new(SLUICE_SIGNAL_METRICS, pl->processors, pl->n_processors, err,
					  sizeof err);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "probabilistic_sampler") && strstr(err, "metrics"), "%s", err);
	c = sigchain_new(SLUICE_SIGNAL_LOGS, pl->processors, pl->n_processors, err, sizeof err);
	ck_assert_ptr_nonnull(c);
	sigchain_free(c);
	config_free(cfg);
}
END_TEST

START_TEST(metric_room_and_bad_input)
{
	struct sluice_config *cfg;
	struct sigchain *c = chain_for(
		&cfg, "  attributes:\n    actions:\n      - {key: env, value: production, action: upsert}\n",
		"attributes");
	size_t len;
	uint8_t *in = tbx_pack_metrics(base_res, base, NMET, &len);
	struct sigchain_result r;
	ck_assert_int_eq(sigchain_run(c, in, len, NPOINTS, false, out, len, &r), -ENOSPC);
	for (size_t cut = 1; cut < len; cut += 5) {
		int64_t n = sigchain_run(c, in, cut, NPOINTS, false, out, sizeof out, &r);
		ck_assert(n < 0 || n <= (int64_t)sizeof out);
	}
	free(in);
	sigchain_free(c);
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metricchain");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, metric_cases, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, metric_untouched_bytes);
	tcase_add_test(tc, metric_counters);
	tcase_add_test(tc, metric_refused);
	tcase_add_test(tc, metric_room_and_bad_input);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
