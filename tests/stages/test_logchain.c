/* The log chain (stages/sigchain.h for SLUICE_SIGNAL_LOGS), one line a
 * case: processors (Collector-style YAML), which input records are kept,
 * and the edits expected on them and on the resource. Input and expected
 * output are built with protobuf-c; the output is decoded with protobuf-c
 * and packed again, so every field of every record is compared. Then:
 * sampler determinism against spans, byte-for-byte copies of untouched
 * records, per-processor counters, error modes, -ENOSPC, bad input. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "otlp/wire_logs.h"
#include "stages/sampler.h"
#include "stages/sigchain.h"
#include "tests/stages/tbx.h"
#include "tests/check_run.h"

#define NREC 6

static const struct tb_attr base_res[] = { { .key = "service.name", .type = 's', .s = "checkout" },
					   { .key = "env", .type = 's', .s = "dev" },
					   { .key = NULL } };

static const struct tbx_log base[NREC] = {
	{ .body = "GET /healthz ok",
	  .sev = 9,
	  .sev_text = "INFO",
	  .trace = 1,
	  .scope = 0,
	  .time = 1,
	  .attrs = { { .key = "http.route", .type = 's', .s = "/healthz" },
		     { .key = "user", .type = 's', .s = "alice" },
		     { .key = "level", .type = 'i', .i = 1 } } },
	{ .body = "db timeout",
	  .sev = 17,
	  .sev_text = "ERROR",
	  .trace = 2,
	  .scope = 0,
	  .time = 2,
	  .attrs = { { .key = "db.system", .type = 's', .s = "postgres" },
		     { .key = "user", .type = 's', .s = "bob" } } },
	{ .body = "cache miss",
	  .sev = 5,
	  .sev_text = "DEBUG",
	  .scope = 1,
	  .time = 3,
	  .attrs = { { .key = "cache", .type = 's', .s = "redis" } } },
	{ .has_body_i = 1,
	  .body_i = 42,
	  .sev = 0,
	  .trace = 3,
	  .scope = 1,
	  .time = 4,
	  .attrs = { { .key = "user", .type = 's', .s = "carol" },
		     { .key = "debug", .type = 'b', .b = 1 } } },
	{ .body = "payment failed",
	  .sev = 21,
	  .sev_text = "FATAL",
	  .trace = 2,
	  .scope = 1,
	  .time = 5,
	  .attrs = { { .key = "user", .type = 's', .s = "dave" },
		     { .key = "amount", .type = 'i', .i = 100 } } },
	{ .sev = 13, .sev_text = "WARN", .trace = 4, .scope = 0, .time = 6 },
};

static const struct lcase {
	const char *name, *procs, *list;
	const char *keep; /* input indices kept, "" none */
	const char *ops;  /* on kept records (tbx_apply_ops; @i: record i only) */
	const char *res;  /* on the resource */
} cases[] = {
	{ "spans-only filter passes", "  filter:\n    spans:\n      exclude:\n        span_names: [x]\n",
	  "filter", "0 1 2 3 4 5", "", "" },
	{ "resource upsert",
	  "  resource:\n    attributes:\n      - {key: region, value: eu, action: upsert}\n", "resource",
	  "0 1 2 3 4 5", "", "+region=eu" },
	{ "resource delete", "  resource:\n    attributes:\n      - {key: env, action: delete}\n", "resource",
	  "0 1 2 3 4 5", "", "-env" },
	{ "resource insert present",
	  "  resource:\n    attributes:\n      - {key: env, value: prod, action: insert}\n", "resource",
	  "0 1 2 3 4 5", "", "" },
	{ "resource update int",
	  "  resource:\n    attributes:\n      - {key: env, value: 7, action: update}\n", "resource",
	  "0 1 2 3 4 5", "", "^env=#7" },
	{ "attributes insert",
	  "  attributes:\n    actions:\n      - {key: env, value: prod, action: insert}\n", "attributes",
	  "0 1 2 3 4 5", "?env=prod", "" },
	{ "attributes delete", "  attributes:\n    actions:\n      - {key: user, action: delete}\n",
	  "attributes", "0 1 2 3 4 5", "-user", "" },
	{ "attributes update", "  attributes:\n    actions:\n      - {key: user, value: x, action: update}\n",
	  "attributes", "0 1 2 3 4 5", "^user=x", "" },
	{ "attributes upsert int",
	  "  attributes:\n    actions:\n      - {key: level, value: 2, action: upsert}\n", "attributes",
	  "0 1 2 3 4 5", "+level=#2", "" },
	{ "attributes hash", "  attributes:\n    actions:\n      - {key: user, action: hash}\n", "attributes",
	  "0 1 2 3 4 5", "%user", "" },
	{ "attributes from_attribute",
	  "  attributes:\n    actions:\n      - {key: who, from_attribute: user, action: insert}\n",
	  "attributes", "0 1 2 3 4 5", "@0?who=alice @1?who=bob @3?who=carol @4?who=dave", "" },
	{ "attributes extract",
	  "  attributes:\n    actions:\n      - {key: http.route, pattern: \"^/(?P<first>[a-z]+)\", action: extract}\n",
	  "attributes", "0 1 2 3 4 5", "@0+first=healthz", "" },
	{ "attributes delete pattern",
	  "  attributes:\n    actions:\n      - {pattern: \"^(user|cache)$\", action: delete}\n",
	  "attributes", "0 1 2 3 4 5", "-user -cache", "" },
	{ "severity min", "  filter:\n    logs:\n      include:\n        severity_number: {min: WARN}\n",
	  "filter", "1 4 5", "", "" },
	{ "severity min undefined",
	  "  filter:\n    logs:\n      include:\n        severity_number: {min: WARN, match_undefined: true}\n",
	  "filter", "1 3 4 5", "", "" },
	{ "exclude severity texts",
	  "  filter:\n    logs:\n      exclude:\n        severity_texts: [DEBUG, INFO]\n", "filter",
	  "1 3 4 5", "", "" },
	{ "exclude severity regexp",
	  "  filter:\n    logs:\n      exclude:\n        match_type: regexp\n        severity_texts: [\"^(DEBUG|INFO)$\"]\n",
	  "filter", "1 3 4 5", "", "" },
	{ "include bodies strict", "  filter:\n    logs:\n      include:\n        bodies: [db timeout]\n",
	  "filter", "1", "", "" },
	{ "include bodies regexp",
	  "  filter:\n    logs:\n      include:\n        match_type: regexp\n        bodies: [fail, \"^4\"]\n",
	  "filter", "3 4", "", "" },
	{ "include record attributes",
	  "  filter:\n    logs:\n      include:\n        record_attributes: [{key: user, value: bob}]\n",
	  "filter", "1", "", "" },
	{ "exclude record attributes regexp",
	  "  filter:\n    logs:\n      exclude:\n        match_type: regexp\n        record_attributes: [{key: user, value: \"^(alice|bob)$\"}]\n",
	  "filter", "2 3 4 5", "", "" },
	{ "include record attribute exists",
	  "  filter:\n    logs:\n      include:\n        record_attributes: [{key: debug}]\n", "filter", "3",
	  "", "" },
	{ "include resource attributes",
	  "  filter:\n    logs:\n      include:\n        resource_attributes: [{key: service.name, value: checkout}]\n",
	  "filter", "0 1 2 3 4 5", "", "" },
	{ "exclude resource attributes",
	  "  filter:\n    logs:\n      exclude:\n        resource_attributes: [{key: env, value: dev}]\n",
	  "filter", "", "", "" },
	{ "include all properties",
	  "  filter:\n    logs:\n      include:\n        severity_number: {min: ERROR}\n        record_attributes: [{key: user, value: dave}]\n",
	  "filter", "4", "", "" },
	{ "ottl severity",
	  "  filter:\n    logs:\n      log_record:\n        - severity_number < SEVERITY_NUMBER_WARN\n",
	  "filter", "1 4 5", "", "" },
	{ "ottl any of two",
	  "  filter:\n    logs:\n      log_record:\n        - attributes[\"user\"] == \"bob\"\n        - IsMatch(body, \"^cache\")\n",
	  "filter", "0 3 4 5", "", "" },
	{ "ottl resource",
	  "  filter:\n    logs:\n      log_record:\n        - resource.attributes[\"env\"] == \"dev\"\n",
	  "filter", "", "", "" },
	{ "ottl scope and trace",
	  "  filter:\n    logs:\n      log_record:\n        - instrumentation_scope.name == \"scope1\" and trace_id == TraceID(0x00000000000000000000000000000000)\n",
	  "filter", "0 1 3 4 5", "", "" },
	{ "ottl sees earlier edits",
	  "  attributes:\n    actions:\n      - {key: user, value: zed, action: insert}\n  filter:\n    logs:\n      log_record:\n        - attributes[\"user\"] == \"zed\"\n",
	  "attributes, filter", "0 1 3 4", "", "" },
	{ "ottl sees resource before",
	  "  resource:\n    attributes:\n      - {key: env, value: prod, action: upsert}\n  filter:\n    logs:\n      log_record:\n        - resource.attributes[\"env\"] == \"dev\"\n",
	  "resource, filter", "0 1 2 3 4 5", "", "+env=prod" },
	{ "ottl before resource",
	  "  resource:\n    attributes:\n      - {key: env, value: prod, action: upsert}\n  filter:\n    logs:\n      log_record:\n        - resource.attributes[\"env\"] == \"dev\"\n",
	  "filter, resource", "", "", "" },
	{ "sampler 0", "  probabilistic_sampler:\n    sampling_percentage: 0\n", "probabilistic_sampler", "",
	  "", "" },
	{ "sampler 100 fail closed", "  probabilistic_sampler:\n    sampling_percentage: 100\n",
	  "probabilistic_sampler", "0 1 3 4 5", "", "" },
	{ "sampler 0 fail open",
	  "  probabilistic_sampler:\n    sampling_percentage: 0\n    fail_closed: false\n",
	  "probabilistic_sampler", "2", "", "" },
	{ "sampler by attribute",
	  "  probabilistic_sampler:\n    sampling_percentage: 100\n    attribute_source: record\n    from_attribute: user\n",
	  "probabilistic_sampler", "0 1 3 4", "", "" },
	{ "typical chain",
	  "  resource:\n    attributes:\n      - {key: region, value: eu, action: upsert}\n  attributes:\n    actions:\n      - {key: env, value: prod, action: insert}\n      - {key: debug, action: delete}\n  filter:\n    logs:\n      exclude:\n        severity_texts: [DEBUG]\n",
	  "resource, attributes, filter", "0 1 3 4 5", "?env=prod -debug", "+region=eu" },
};

/* "0 2 5" -> flags */
static void parse_keep(const char *s, int keep[NREC])
{
	memset(keep, 0, NREC * sizeof *keep);
	for (const char *p = s; *p; p++)
		if (*p >= '0' && *p < '0' + NREC)
			keep[*p - '0'] = 1;
}

/* Decodes out with protobuf-c and packs it again (canonical bytes). */
static uint8_t *repack(const uint8_t *p, size_t len, size_t *n)
{
	TbRl *rl = tbx_unpack_logs(p, len);
	ck_assert_ptr_nonnull(rl);
	*n = opentelemetry__proto__logs__v1__resource_logs__get_packed_size(rl);
	uint8_t *b = malloc(*n + 1);
	opentelemetry__proto__logs__v1__resource_logs__pack(rl, b);
	tbx_free_logs(rl);
	return b;
}

static uint8_t out[1 << 20];

static struct sigchain *chain_for(struct sluice_config **cfg, const char *procs, const char *list)
{
	char err[512];
	*cfg = tbx_config("logs", procs, list);
	const struct sluice_pipeline *pl = &(*cfg)->pipelines[0];
	struct sigchain *c = sigchain_new(SLUICE_SIGNAL_LOGS, pl->processors, pl->n_processors, err,
					  sizeof err);
	ck_assert_msg(c != NULL, "sigchain_new: %s", err);
	return c;
}

START_TEST(log_cases)
{
	const struct lcase *k = &cases[_i];
	struct sluice_config *cfg;
	struct sigchain *c = chain_for(&cfg, k->procs, k->list);
	size_t len, want_len, got_len;
	uint8_t *in = tbx_pack_logs(base_res, base, NREC, &len);
	struct sigchain_result r;
	int64_t n = sigchain_run(c, in, len, NREC, false, out, sizeof out, &r);
	ck_assert_msg(n >= 0, "%s: %lld", k->name, (long long)n);
	ck_assert_uint_eq(r.items_in, NREC);

	/* the expected record */
	int keep[NREC], nkeep = 0;
	struct tbx_log want[NREC];
	struct tb_attr res[TBX_MAX] = { { NULL } };
	parse_keep(k->keep, keep);
	memcpy(res, base_res, sizeof base_res);
	tbx_apply_ops(res, k->res, "");
	for (int i = 0; i < NREC; i++) {
		if (!keep[i])
			continue;
		char tag[32];
		snprintf(tag, sizeof tag, "%d", i);
		want[nkeep] = base[i];
		tbx_apply_ops(want[nkeep].attrs, k->ops, tag);
		nkeep++;
	}
	ck_assert_msg(r.items_kept == (uint64_t)nkeep, "%s: kept %llu, want %d", k->name,
		      (unsigned long long)r.items_kept, nkeep);
	if (!nkeep) {
		ck_assert_int_eq(n, 0);
	} else {
		uint8_t *want_b = tbx_pack_logs(res, want, nkeep, &want_len);
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

/* The same trace id gets the same decision in the log chain as in the
 * span sampler (same seed, same percentage), and records without one are
 * decided by fail_closed. */
START_TEST(log_sampler_matches_spans)
{
	struct sluice_config *cfg;
	struct sigchain *c = chain_for(&cfg,
				       "  probabilistic_sampler:\n    sampling_percentage: 37\n"
				       "    hash_seed: 4242\n",
				       "probabilistic_sampler");
	struct sampler s;
	ck_assert_int_eq(sampler_init(&s, 37, 4242), 0);
	struct tbx_log logs[64];
	unsigned kept_want = 0;
	for (int i = 0; i < 64; i++) {
		logs[i] = (struct tbx_log){ .body = "x", .trace = (uint64_t)i * 7 + 1, .scope = i % 2 };
		uint8_t id[16];
		tb_trace_id(logs[i].trace, id);
		kept_want += sampler_keep(&s, id, 16);
	}
	size_t len;
	uint8_t *in = tbx_pack_logs(base_res, logs, 64, &len);
	for (int round = 0; round < 2; round++) { /* and the same again */
		struct sigchain_result r;
		int64_t n = sigchain_run(c, in, len, 64, false, out, sizeof out, &r);
		ck_assert_int_gt(n, 0);
		ck_assert_uint_eq(r.items_kept, kept_want);
		TbRl *rl = tbx_unpack_logs(out, (size_t)n);
		TbLog **got;
		size_t ng = tbx_logs(rl, &got);
		ck_assert_uint_eq(ng, kept_want);
		for (size_t j = 0; j < ng; j++)
			ck_assert(sampler_keep(&s, got[j]->trace_id.data, 16));
		tbx_free_logs(rl);
	}
	ck_assert_uint_gt(kept_want, 10);
	ck_assert_uint_lt(kept_want, 40);
	free(in);
	sigchain_free(c);
	config_free(cfg);
}
END_TEST

/* Records a chain does not edit are copied byte for byte. */
START_TEST(log_untouched_bytes)
{
	struct sluice_config *cfg;
	struct sigchain *c =
		chain_for(&cfg,
			  "  attributes:\n    actions:\n      - {key: db.system, value: pg, action: update}\n",
			  "attributes");
	size_t len;
	uint8_t *in = tbx_pack_logs(base_res, base, NREC, &len);
	struct sigchain_result r;
	int64_t n = sigchain_run(c, in, len, NREC, false, out, sizeof out, &r);
	ck_assert_int_gt(n, 0);
	/* every record but #1 (the one with db.system) is in the output as is */
	struct otlp_bytes recs[2][NREC];
	size_t cnt[2] = { 0, 0 };
	for (int side = 0; side < 2; side++) {
		struct otlp_bytes msg = side ? (struct otlp_bytes){ out, (size_t)n }
					     : (struct otlp_bytes){ in, len };
		struct otlp_wire_iter is, ir;
		struct otlp_bytes sl, rec;
		otlp_wire_iter_init(&is, msg, OTLP_F_RL_SCOPE_LOGS);
		while (otlp_wire_iter_next(&is, &sl) > 0) {
			otlp_wire_iter_init(&ir, sl, OTLP_F_SL_LOG_RECORDS);
			while (otlp_wire_iter_next(&ir, &rec) > 0)
				recs[side][cnt[side]++] = rec;
		}
	}
	ck_assert_uint_eq(cnt[0], NREC);
	ck_assert_uint_eq(cnt[1], NREC);
	for (int i = 0; i < NREC; i++) {
		bool same = recs[0][i].len == recs[1][i].len &&
			    !memcmp(recs[0][i].p, recs[1][i].p, recs[0][i].len);
		ck_assert_msg(same == (i != 1), "record %d", i);
	}
	free(in);
	sigchain_free(c);
	config_free(cfg);
}
END_TEST

/* Each processor counts what reached it, what it passed and dropped. */
START_TEST(log_counters)
{
	struct sluice_config *cfg;
	struct sigchain *c = chain_for(
		&cfg,
		"  filter:\n    logs:\n      exclude:\n        severity_texts: [DEBUG]\n"
		"  attributes:\n    actions:\n      - {key: a, value: b, action: insert}\n"
		"  filter/2:\n    logs:\n      log_record:\n        - severity_number >= SEVERITY_NUMBER_FATAL\n",
		"filter, attributes, filter/2");
	struct seg_component comp[3];
	struct seg_component *pc[3] = { &comp[0], &comp[1], &comp[2] };
	memset(comp, 0, sizeof comp);
	sigchain_bind(c, pc);
	ck_assert_uint_eq(sigchain_len(c), 3);
	size_t len;
	uint8_t *in = tbx_pack_logs(base_res, base, NREC, &len);
	struct sigchain_result r;
	for (int round = 0; round < 3; round++)
		ck_assert_int_gt(sigchain_run(c, in, len, NREC, false, out, sizeof out, &r), 0);
	sigchain_flush_stats(c);
	static const uint64_t want[3][3] = { { 18, 15, 3 }, { 15, 15, 0 }, { 15, 12, 3 } };
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(seg_component_get(&comp[i], SEG_C_IN), want[i][0]);
		ck_assert_uint_eq(seg_component_get(&comp[i], SEG_C_OUT), want[i][1]);
		ck_assert_uint_eq(seg_component_get(&comp[i], SEG_C_DROPPED), want[i][2]);
	}
	ck_assert_uint_eq(r.items_kept, 4);
	free(in);
	sigchain_free(c);
	config_free(cfg);
}
END_TEST

/* error_mode: an IsMatch on a kvlist-less value that has no text form
 * (bytes over the hex limit are simplest: an array attribute) fails the
 * evaluation: propagate fails the record, ignore and silent take false. */
START_TEST(log_error_modes)
{
	static const char *const modes[] = { "propagate", "ignore", "silent" };
	struct tbx_log l[2] = {
		{ .body = "a", .sev = 9, .attrs = { { .key = "arr", .type = 'a', .s = "x" } } },
		{ .body = "b", .sev = 9, .attrs = { { .key = "arr", .type = 's', .s = "drop" } } }
	};
	size_t len;
	uint8_t *in = tbx_pack_logs(base_res, l, 2, &len);
	for (int m = 0; m < 3; m++) {
		char procs[512];
		snprintf(procs, sizeof procs,
			 "  filter:\n    error_mode: %s\n    logs:\n      log_record:\n"
			 "        - IsMatch(attributes[\"arr\"], \"drop\")\n",
			 modes[m]);
		struct sluice_config *cfg;
		struct sigchain *c = chain_for(&cfg, procs, "filter");
		struct sigchain_result r;
		int64_t n = sigchain_run(c, in, len, 2, false, out, sizeof out, &r);
		if (m == 0) {
			ck_assert_int_lt(n, 0);
		} else {
			ck_assert_int_gt(n, 0);
			ck_assert_uint_eq(r.items_kept, 1); /* "a" kept: its condition is false */
		}
		sigchain_free(c);
		config_free(cfg);
	}
	free(in);
}
END_TEST

/* Too little room is -ENOSPC (the caller retries larger), malformed input
 * an error, no processors a copy. */
START_TEST(log_bad_input_and_room)
{
	struct sluice_config *cfg;
	struct sigchain *c = chain_for(
		&cfg, "  attributes:\n    actions:\n      - {key: env, value: production, action: upsert}\n",
		"attributes");
	size_t len;
	uint8_t *in = tbx_pack_logs(base_res, base, NREC, &len);
	struct sigchain_result r;
	ck_assert_int_eq(sigchain_run(c, in, len, NREC, false, out, len, &r), -ENOSPC);
	for (size_t cut = 1; cut < len; cut += 7) {
		int64_t n = sigchain_run(c, in, cut, NREC, false, out, sizeof out, &r);
		ck_assert(n < 0 || n <= (int64_t)sizeof out);
	}
	static const uint8_t junk[] = { 0x12, 0x05, 0x12, 0x03, 0x0a, 0x01 };
	ck_assert_int_lt(sigchain_run(c, junk, sizeof junk, 1, false, out, sizeof out, &r), 0);
	sigchain_free(c);
	config_free(cfg);
	char err[256];
	c = sigchain_new(SLUICE_SIGNAL_LOGS, NULL, 0, err, sizeof err);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sigchain_run(c, in, len, NREC, false, out, sizeof out, &r), (int64_t)len);
	ck_assert_mem_eq(out, in, len);
	ck_assert_uint_eq(r.items_kept, NREC);
	sigchain_free(c);
	free(in);
}
END_TEST

/* A processor that cannot serve logs is refused, and the message names it. */
START_TEST(log_refused)
{
	static const struct {
		const char *procs, *list, *word;
	} k[] = {
		{ "  span/rename:\n    name:\n      from_attributes: [a]\n", "span/rename", "span/rename" },
	};
	char err[512];
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct sluice_config *cfg = tbx_config("traces", k[i].procs, k[i].list);
		const struct sluice_pipeline *pl = &cfg->pipelines[0];
		struct sigchain *c = sigchain_new(SLUICE_SIGNAL_LOGS, pl->processors, pl->n_processors, err,
						  sizeof err);
		ck_assert_ptr_null(c);
		ck_assert_msg(strstr(err, k[i].word) && strstr(err, "logs"), "%s", err);
		c = sigchain_new(SLUICE_SIGNAL_METRICS, pl->processors, pl->n_processors, err, sizeof err);
		ck_assert_ptr_null(c);
		ck_assert_msg(strstr(err, k[i].word) && strstr(err, "metrics"), "%s", err);
		config_free(cfg);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("logchain");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, log_cases, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, log_sampler_matches_spans);
	tcase_add_test(tc, log_untouched_bytes);
	tcase_add_test(tc, log_counters);
	tcase_add_test(tc, log_error_modes);
	tcase_add_test(tc, log_bad_input_and_room);
	tcase_add_test(tc, log_refused);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
