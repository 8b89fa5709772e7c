/* tests/stages/tproc.c: the chain under test and its inputs, shared by
 * the process-chain tests (test_process.c, test_process_attrs.c). */
#include "tests/stages/tproc.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sluice_config *cfg;
struct chain *ch;
uint8_t out[1 << 20];

void setup_chain(const char *procs_yaml, const char *list)
{
	static char y[1 << 18];
	snprintf(y, sizeof y,
		 "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		 "processors:\n%s\n"
		 "exporters:\n  debug:\n"
		 "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
		 "      processors: [%s]\n      exporters: [debug]\n",
		 procs_yaml, list);
	struct config_error err;
	int rc = config_load_buffer("<test>", y, strlen(y), &cfg, &err);
	ck_assert_msg(rc == 0, "config: %s", err.msg);
	char e[512];
	ch = chain_new(cfg->pipeline.processors, cfg->pipeline.n_processors, e, sizeof e);
	ck_assert_msg(ch != NULL, "chain: %s", e);
}

void teardown_chain(void)
{
	chain_free(ch);
	config_free(cfg);
	ch = NULL;
	cfg = NULL;
}

/* Runs the chain; returns the decoded output (NULL when nothing is left).
 * The input is marked as ingest marks it: protobuf-c writes fields in
 * number order, so the validator vouches for the spans' heads and a chain
 * that reads nothing else of a span decodes only those (chain_run). */
TbRs *run(const struct tb_attr *res, const struct tb_span *spans, int n)
{
	size_t len;
	uint8_t *in = tb_pack(res, spans, n, &len);
	struct otlp_rewrite_result r;
	struct otlp_wire_counts vc;
	ck_assert_int_eq(otlp_wire_validate_resource_spans(in, len, &vc, NULL), 0);
	ck_assert_uint_eq(vc.spans_heads_mixed, 0);
	int64_t o = chain_run(ch, in, len, out, sizeof out, &r, true);
	free(in);
	ck_assert_int_ge(o, 0);
	ck_assert_uint_eq(r.spans_in, (unsigned)n);
	if (o == 0) {
		ck_assert_uint_eq(r.spans_kept, 0);
		return NULL;
	}
	TbRs *rs = tb_unpack(out, (size_t)o);
	ck_assert_ptr_nonnull(rs);
	TbSpan **sp;
	ck_assert_uint_eq(tb_spans(rs, &sp), r.spans_kept);
	return rs;
}

const char *names_of(TbRs *rs)
{
	static char buf[1024];
	buf[0] = '\0';
	if (!rs)
		return buf;
	TbSpan **sp;
	size_t n = tb_spans(rs, &sp);
	for (size_t i = 0; i < n; i++) {
		strcat(buf, i ? "," : "");
		strcat(buf, sp[i]->name);
	}
	return buf;
}

const struct tb_attr res_web[] = { { .key = "service.name", .type = 's', .s = "web" },
				   { .key = "deployment.environment", .type = 's', .s = "prod" },
				   { .key = NULL } };

struct tb_span mix[4] = {
	{ .name = "GET /users",
	  .kind = 2,
	  .start = 1000,
	  .end = 6000,
	  .status = 1,
	  .attrs = { { .key = "http.status_code", .type = 'i', .i = 200 },
		     { .key = "user.id", .type = 's', .s = "u1" } } },
	{ .name = "healthz",
	  .kind = 2,
	  .start = 1000,
	  .end = 1100,
	  .attrs = { { .key = "http.status_code", .type = 'i', .i = 200 } } },
	{ .name = "SELECT users",
	  .kind = 3,
	  .start = 2000,
	  .end = 2500000000ull,
	  .status = 2,
	  .scope = 1,
	  .attrs = { { .key = "db.system", .type = 's', .s = "postgres" },
		     { .key = "retry", .type = 'b', .b = 1 } } },
	{ .name = "GET /orders",
	  .kind = 2,
	  .start = 0,
	  .end = 3000000,
	  .status = 2,
	  .attrs = { { .key = "http.status_code", .type = 'i', .i = 500 },
		     { .key = "ratio", .type = 'd', .d = 0.25 } } },
};
