/* Processor semantics through the process chain, checked against
 * protobuf-c's decode of the output: filter, probabilistic_sampler,
 * attributes, resource, span; empty results; every value type; unicode;
 * long values; per-processor counters. Configs are Collector-style YAML
 * loaded by config/. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "stages/chain.h"
#include "stages/sampler.h"
#include "stages/sha256.h"
#include "tests/stages/tproc.h"
#include "tests/check_run.h"

START_TEST(filter_names_strict_regexp_prefix)
{
	setup_chain("  filter:\n    spans:\n      exclude:\n        match_type: strict\n"
		    "        span_names: [healthz]\n",
		    "filter");
	TbRs *rs = run(res_web, mix, 4);
	ck_assert_str_eq(names_of(rs), "GET /users,GET /orders,SELECT users");
	tb_free(rs);
	teardown_chain();

	setup_chain("  filter:\n    spans:\n      include:\n        match_type: regexp\n"
		    "        span_names: [\"^GET /(users|orders)$\", \"^SEL\"]\n",
		    "filter");
	rs = run(res_web, mix, 4);
	ck_assert_str_eq(names_of(rs), "GET /users,GET /orders,SELECT users");
	tb_free(rs);
	teardown_chain();

	setup_chain("  filter:\n    spans:\n      include:\n        match_type: prefix\n"
		    "        span_names: [\"GET \"]\n",
		    "filter");
	rs = run(res_web, mix, 4);
	ck_assert_str_eq(names_of(rs), "GET /users,GET /orders");
	/* the scope whose only span was dropped is gone */
	ck_assert_uint_eq(rs->n_scope_spans, 1);
	ck_assert_str_eq(rs->scope_spans[0]->scope->name, "scope0");
	ck_assert_ptr_nonnull(rs->resource);
	tb_free(rs);
	teardown_chain();
}
END_TEST

START_TEST(filter_duration_kind_status)
{
	setup_chain("  filter:\n    spans:\n      exclude:\n        match_type: strict\n"
		    "        max_duration: 1ms\n",
		    "filter");
	TbRs *rs = run(res_web, mix, 4); /* drops spans of 5us and 100ns */
	ck_assert_str_eq(names_of(rs), "GET /orders,SELECT users");
	tb_free(rs);
	teardown_chain();

	setup_chain("  filter:\n    spans:\n      include:\n        match_type: strict\n"
		    "        min_duration: 2ms\n        max_duration: 1s\n",
		    "filter");
	rs = run(res_web, mix, 4);
	ck_assert_str_eq(names_of(rs), "GET /orders");
	tb_free(rs);
	teardown_chain();

	setup_chain("  filter:\n    spans:\n      include:\n        match_type: strict\n"
		    "        span_kinds: [SPAN_KIND_CLIENT]\n",
		    "filter");
	rs = run(res_web, mix, 4);
	ck_assert_str_eq(names_of(rs), "SELECT users");
	tb_free(rs);
	teardown_chain();

	/* include errors, then exclude the client ones among them */
	setup_chain("  filter:\n    spans:\n      include:\n        match_type: strict\n"
		    "        status_codes: [STATUS_CODE_ERROR]\n"
		    "      exclude:\n        match_type: strict\n        span_kinds: [SPAN_KIND_CLIENT]\n",
		    "filter");
	rs = run(res_web, mix, 4);
	ck_assert_str_eq(names_of(rs), "GET /orders");
	tb_free(rs);
	teardown_chain();
}
END_TEST

START_TEST(filter_attributes_and_resource)
{
	/* exists */
	setup_chain("  filter:\n    spans:\n      include:\n        match_type: strict\n"
		    "        attributes:\n          - key: db.system\n",
		    "filter");
	TbRs *rs = run(res_web, mix, 4);
	ck_assert_str_eq(names_of(rs), "SELECT users");
	tb_free(rs);
	teardown_chain();

	/* typed equality: int 500, and ALL listed attributes must match */
	setup_chain("  filter:\n    spans:\n      exclude:\n        match_type: strict\n"
		    "        attributes:\n          - key: http.status_code\n            value: 200\n",
		    "filter");
	rs = run(res_web, mix, 4);
	ck_assert_str_eq(names_of(rs), "GET /orders,SELECT users");
	tb_free(rs);
	teardown_chain();
	setup_chain("  filter:\n    spans:\n      exclude:\n        match_type: strict\n"
		    "        attributes:\n          - key: http.status_code\n            value: \"200\"\n",
		    "filter");
	rs = run(res_web, mix, 4); /* the string "200" is not the int 200 */
	ck_assert_str_eq(names_of(rs), "GET /users,healthz,GET /orders,SELECT users");
	tb_free(rs);
	teardown_chain();

	/* regexp on an attribute's text */
	setup_chain("  filter:\n    spans:\n      include:\n        match_type: regexp\n"
		    "        attributes:\n          - key: http.status_code\n            value: \"^5..$\"\n",
		    "filter");
	rs = run(res_web, mix, 4);
	ck_assert_str_eq(names_of(rs), "GET /orders");
	tb_free(rs);
	teardown_chain();

	/* resource attribute and services: all spans or none */
	setup_chain("  filter:\n    spans:\n      exclude:\n        match_type: strict\n"
		    "        services: [web]\n        resources:\n"
		    "          - key: deployment.environment\n            value: prod\n",
		    "filter");
	ck_assert_ptr_null(run(res_web, mix, 4)); /* empty ResourceSpans: not emitted */
	static const struct tb_attr res_api[] = { { .key = "service.name", .type = 's', .s = "api" },
						  { .key = NULL } };
	rs = run(res_api, mix, 4);
	ck_assert_str_eq(names_of(rs), "GET /users,healthz,GET /orders,SELECT users");
	tb_free(rs);
	teardown_chain();
}
END_TEST

START_TEST(sampler_consistent_by_trace)
{
	setup_chain("  probabilistic_sampler:\n    sampling_percentage: 50\n    hash_seed: 7\n",
		    "probabilistic_sampler");
	enum {
		N = 400
	};
	static struct tb_span sp[N];
	for (int i = 0; i < N; i++) {
		sp[i] = (struct tb_span){ .name = "s", .trace = (uint64_t)(i / 2) + 1, .scope = i % 3 };
	}
	TbRs *rs = run(NULL, sp, N);
	struct sampler ref;
	sampler_init(&ref, 50, 7);
	size_t want = 0;
	for (int i = 0; i < N; i++) {
		uint8_t id[16];
		tb_trace_id(sp[i].trace, id);
		want += sampler_keep(&ref, id, 16);
	}
	TbSpan **out_sp;
	size_t got = tb_spans(rs, &out_sp);
	ck_assert_uint_eq(got, want);
	ck_assert_uint_gt(got, N / 2 - 60);
	ck_assert_uint_lt(got, N / 2 + 60);
	for (size_t i = 0; i < got; i++) {
		ck_assert_uint_eq(out_sp[i]->trace_id.len, 16);
		ck_assert(sampler_keep(&ref, out_sp[i]->trace_id.data, 16));
	}
	/* both spans of a trace share the decision: kept count is even */
	ck_assert_uint_eq(got % 2, 0);
	tb_free(rs);
	teardown_chain();
}
END_TEST

/* from_attribute copies arrays and bytes as they are; a later processor
 * sees the copy */

START_TEST(resource_processor_and_order)
{
	/* filter before resource sees the original resource; attributes after
	 * it sees the edit (include on resources) */
	setup_chain("  filter:\n    spans:\n      exclude:\n        match_type: strict\n"
		    "        resources:\n          - key: team\n"
		    "  resource:\n    attributes:\n"
		    "      - {key: team, value: core, action: upsert}\n"
		    "      - {key: deployment.environment, action: delete}\n"
		    "      - {key: service.name, value: renamed, action: update}\n"
		    "  attributes:\n    include:\n      match_type: strict\n      resources:\n"
		    "        - key: team\n          value: core\n"
		    "    actions:\n      - {key: tagged, value: 1, action: insert}\n",
		    "filter, resource, attributes");
	TbRs *rs = run(res_web, mix, 4);
	ck_assert_str_eq(names_of(rs), "GET /users,healthz,GET /orders,SELECT users");
	TbKv **kv = rs->resource->attributes;
	size_t n = rs->resource->n_attributes;
	ck_assert_str_eq(tb_attr(kv, n, "team")->string_value, "core");
	ck_assert_str_eq(tb_attr(kv, n, "service.name")->string_value, "renamed");
	ck_assert_ptr_null(tb_attr(kv, n, "deployment.environment"));
	TbSpan **sp;
	tb_spans(rs, &sp);
	ck_assert_int_eq(tb_attr(sp[3]->attributes, sp[3]->n_attributes, "tagged")->int_value, 1);
	tb_free(rs);
	/* a record without any Resource gets one created by the upsert */
	rs = run(NULL, mix, 2);
	ck_assert_ptr_nonnull(rs->resource);
	ck_assert_str_eq(tb_attr(rs->resource->attributes, rs->resource->n_attributes, "team")->string_value,
			 "core");
	tb_free(rs);
	teardown_chain();
}
END_TEST

START_TEST(span_rename_and_to_attributes)
{
	setup_chain("  span:\n    name:\n      from_attributes: [db.system, http.status_code, retry]\n"
		    "      separator: \"::\"\n",
		    "span");
	struct tb_span s[2] = {
		{ .name = "q",
		  .attrs = { { .key = "db.system", .type = 's', .s = "pg" },
			     { .key = "http.status_code", .type = 'i', .i = 7 },
			     { .key = "retry", .type = 'b', .b = 0 } } },
		{ .name = "keep",
		  .attrs = { { .key = "db.system", .type = 's', .s = "pg" } } }, /* one missing: no rename */
	};
	TbRs *rs = run(NULL, s, 2);
	ck_assert_str_eq(names_of(rs), "pg::7::false,keep");
	tb_free(rs);
	teardown_chain();

	setup_chain("  span:\n    name:\n      to_attributes:\n        rules:\n"
		    "          - \"^/api/v1/document/(?P<documentId>[^/]+)/update$\"\n"
		    "          - \"^/api/(?P<version>v[0-9]+)/\"\n",
		    "span");
	struct tb_span t[2] = { { .name = "/api/v1/document/12345678/update" }, { .name = "/other" } };
	rs = run(NULL, t, 2);
	ck_assert_str_eq(names_of(rs), "/api/{version}/document/{documentId}/update,/other");
	TbSpan **sp;
	tb_spans(rs, &sp);
	ck_assert_str_eq(tb_attr(sp[0]->attributes, sp[0]->n_attributes, "documentId")->string_value,
			 "12345678");
	ck_assert_str_eq(tb_attr(sp[0]->attributes, sp[0]->n_attributes, "version")->string_value, "v1");
	ck_assert_uint_eq(sp[1]->n_attributes, 0);
	tb_free(rs);
	teardown_chain();

	setup_chain(
		"  span:\n    name:\n      to_attributes:\n        break_after_match: true\n        rules:\n"
		"          - \"^/api/v1/document/(?P<documentId>[^/]+)/update$\"\n"
		"          - \"^/api/(?P<version>v[0-9]+)/\"\n",
		"span");
	rs = run(NULL, t, 1);
	ck_assert_str_eq(names_of(rs), "/api/v1/document/{documentId}/update");
	tb_free(rs);
	teardown_chain();
}
END_TEST

START_TEST(counters_per_processor)
{
	setup_chain("  filter:\n    spans:\n      exclude:\n        match_type: strict\n"
		    "        span_names: [healthz]\n"
		    "  probabilistic_sampler:\n    sampling_percentage: 0\n",
		    "filter, probabilistic_sampler");
	ck_assert_ptr_null(run(res_web, mix, 4));
	chain_flush_stats(ch);
	ck_assert_uint_eq(ch->procs[0].total_in, 4);
	ck_assert_uint_eq(ch->procs[0].total_dropped, 1);
	ck_assert_uint_eq(ch->procs[0].total_out, 3);
	ck_assert_uint_eq(ch->procs[1].total_in, 3);
	ck_assert_uint_eq(ch->procs[1].total_dropped, 3);
	ck_assert_uint_eq(ch->procs[1].total_out, 0);
	teardown_chain();
}
END_TEST

START_TEST(malformed_input_is_an_error)
{
	setup_chain("  filter:\n    spans:\n      exclude:\n        match_type: strict\n"
		    "        span_names: [x]\n",
		    "filter");
	static const uint8_t bad[][6] = { { 0x12, 0x05, 0x12, 0x10 },
					  { 0x0a, 0xff },
					  { 0x12, 0x02, 0x12, 0x7f } };
	for (size_t i = 0; i < 3; i++) {
		int64_t o = chain_run(ch, bad[i], 4, out, sizeof out, NULL, false);
		ck_assert_int_lt(o, 0);
	}
	teardown_chain();
}
END_TEST

/* The config may name up to SPANKEYS_CONFIG_MAX distinct span attribute
 * keys (each gets an id); the last of them works like the first, and one
 * more is refused with a message when the chain is built. */
START_TEST(attribute_key_limit)
{
	static char y[1 << 16];
	for (int n = SPANKEYS_CONFIG_MAX; n <= SPANKEYS_CONFIG_MAX + 1; n++) {
		int o = snprintf(y, sizeof y,
				 "service:\n  pipelines:\n    traces:\n"
				 "      processors: [attributes]\n"
				 "processors:\n  attributes:\n    actions:\n");
		for (int k = 0; k < n; k++)
			o += snprintf(y + o, sizeof y - (size_t)o, "      - {key: k%d, action: delete}\n", k);
		struct config_error err;
		char e[512];
		ck_assert_int_eq(config_load_buffer("<test>", y, strlen(y), &cfg, &err), 0);
		ch = chain_new(cfg->pipeline.processors, cfg->pipeline.n_processors, e, sizeof e);
		if (n > SPANKEYS_CONFIG_MAX) {
			ck_assert_ptr_null(ch);
			ck_assert_msg(strstr(e, "more than 192 attribute keys") != NULL, "%s", e);
			config_free(cfg);
			cfg = NULL;
			continue;
		}
		ck_assert_msg(ch != NULL, "chain: %s", e);
		char last[16];
		snprintf(last, sizeof last, "k%d", n - 1);
		struct tb_span sp = { .name = "op",
				      .trace = 1,
				      .attrs = { { .key = "k0", .type = 's', .s = "a" },
						 { .key = last, .type = 's', .s = "b" },
						 { .key = "kept", .type = 's', .s = "c" } } };
		TbRs *rs = run(NULL, &sp, 1);
		TbSpan **got;
		ck_assert_uint_eq(tb_spans(rs, &got), 1);
		ck_assert_uint_eq(got[0]->n_attributes, 1);
		ck_assert_str_eq(got[0]->attributes[0]->key, "kept");
		tb_free(rs);
		teardown_chain();
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_process");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, filter_names_strict_regexp_prefix);
	tcase_add_test(tc, filter_duration_kind_status);
	tcase_add_test(tc, filter_attributes_and_resource);
	tcase_add_test(tc, sampler_consistent_by_trace);
	tcase_add_test(tc, resource_processor_and_order);
	tcase_add_test(tc, span_rename_and_to_attributes);
	tcase_add_test(tc, counters_per_processor);
	tcase_add_test(tc, malformed_input_is_an_error);
	tcase_add_test(tc, attribute_key_limit);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
