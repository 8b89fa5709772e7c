/* The routing connector in the process stage, on real shared memory:
 * by a resource attribute to three pipelines (nothing missing, nothing on
 * the wrong side, no copy for whole records), no default (dropped and
 * counted), error_mode propagate and ignore, and by span attribute
 * (context span: records split, each side a ResourceSpans of its own spans
 * with the resource and scopes kept). The span context reads spans
 * through this file's minimal accessor over the wire form, then through
 * route_access_wire (stages/ottl_access.h), the one sluice-process runs. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/stages/tb.h"
#include "tests/stages/test_process_seg.h"
#include "tests/check_run.h"

#define MAXREC 256
#define MAXSP 12

static struct segment seg;
static char inst[64];
static uint8_t seen[4][MAXREC][MAXSP];
static const char *teams[] = { "a", "b", "c", NULL };

static int spans_of(uint32_t rec)
{
	return 1 + (int)(rec * 7 % MAXSP);
}

static const char *team_of(uint32_t rec)
{
	return teams[rec % 4];
}

static uint64_t put(struct ring *r, uint32_t rec, int arr)
{
	static struct tb_span sp[MAXSP];
	static char names[MAXSP][32];
	struct tb_attr res[] = { { .key = "service.name", .type = 's', .s = "svc" },
				 { .key = "team", .type = arr ? 'a' : 's', .s = team_of(rec) },
				 { .key = NULL } };
	int n = spans_of(rec);
	size_t len;

	if (!team_of(rec))
		res[1].key = NULL;
	for (int i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "r%u.s%d", rec, i);
		sp[i] = (struct tb_span){
			.name = names[i],
			.trace = rec * 16u + (uint64_t)i + 1,
			.scope = i % 3,
			.attrs = { { .key = "tier", .type = 's', .s = i % 3 == 0 ? "gold" : "bronze" } }
		};
	}
	uint8_t *p = tb_pack(res, sp, n, &len);
	uint64_t seq = tps_put(r, p, len, (uint32_t)n, 0);
	free(p);
	ck_assert_uint_gt(seq, 0);
	return seq;
}

/* Reads spans into seen[slot] until `want` came; checks each record's
 * resource still says service.name=svc and its item count. */
static uint64_t collect(struct ring *r, int slot, uint64_t want)
{
	uint64_t got = 0;

	while (got < want) {
		const struct record *rec = tps_next(r);
		if (!rec)
			break;
		TbRs *rs = tb_unpack(record_cpayload(rec), rec->len);
		ck_assert_ptr_nonnull(rs);
		ck_assert_ptr_nonnull(rs->resource);
		const TbAny *svc = tb_attr(rs->resource->attributes, rs->resource->n_attributes,
					   "service.name");
		ck_assert_ptr_nonnull(svc);
		ck_assert_str_eq(svc->string_value, "svc");
		TbSpan **sp;
		size_t n = tb_spans(rs, &sp);
		ck_assert_uint_eq(n, rec->items);
		for (size_t i = 0; i < rs->n_scope_spans; i++) /* no scope left empty */
			ck_assert_uint_gt(rs->scope_spans[i]->n_spans, 0);
		for (size_t i = 0; i < n; i++) {
			unsigned x, s;
			ck_assert_int_eq(sscanf(sp[i]->name, "r%u.s%u", &x, &s), 2);
			ck_assert_uint_lt(x, MAXREC);
			ck_assert_uint_lt(s, MAXSP);
			seen[slot][x][s]++;
			got++;
		}
		tb_free(rs);
		ring_commit(r, ring_cursor(r));
	}
	return got;
}

static void setup(void)
{
	snprintf(inst, sizeof inst, "stproute-%d", (int)getpid());
	memset(seen, 0, sizeof seen);
}

static struct sluice_config *route_config(const char *table, const char *extra)
{
	return tps_load("receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
			"connectors:\n  routing:\n    table:\n%s%s"
			"exporters:\n  debug/a:\n  debug/b:\n  debug/c:\n"
			"service:\n  pipelines:\n"
			"    traces/in:\n      receivers: [otlp]\n      exporters: [routing]\n"
			"    traces/a:\n      receivers: [routing]\n      exporters: [debug/a]\n"
			"    traces/b:\n      receivers: [routing]\n      exporters: [debug/b]\n"
			"    traces/c:\n      receivers: [routing]\n      exporters: [debug/c]\n",
			table, extra);
}

static void rings(const struct sluice_config *cfg, struct ring *in, struct ring mid[3])
{
	segment_ring(&seg, 0, in);
	for (int i = 0; i < 3; i++)
		segment_ring(&seg, (uint32_t)cfg->plan->pipelines[i + 1].mid_ring, &mid[i]);
}

START_TEST(by_resource_three_ways)
{
	struct sluice_config *cfg = route_config(
		"      - condition: 'attributes[\"team\"] == \"a\"'\n        pipelines: [traces/a]\n"
		"      - statement: 'route() where resource.attributes[\"team\"] == \"b\"'\n        pipelines: [traces/b]\n",
		"    default_pipelines: [traces/c]\n");
	tps_segment(&seg, inst, cfg, 1 << 20, 1 << 20);
	struct ring in, mid[3];
	rings(cfg, &in, mid);
	struct tps_runner run;
	tps_start(&run, cfg, &seg, NULL);
	uint64_t want[3] = { 0, 0, 0 }, all = 0;
	for (uint32_t r = 0; r < 200; r++) {
		put(&in, r, 0);
		int side = r % 4 == 0 ? 0 : r % 4 == 1 ? 1 : 2; /* a, b, then c and no team: default */
		want[side] += (uint64_t)spans_of(r);
		all += (uint64_t)spans_of(r);
	}
	for (int s = 0; s < 3; s++)
		ck_assert_uint_eq(collect(&mid[s], s, want[s]), want[s]);
	ck_assert_int_eq(tps_stop(&run), 0);
	for (uint32_t r = 0; r < 200; r++) {
		int side = r % 4 == 0 ? 0 : r % 4 == 1 ? 1 : 2;
		for (int i = 0; i < spans_of(r); i++)
			for (int s = 0; s < 3; s++)
				ck_assert_msg(seen[s][r][i] == (s == side), "r%u.s%d on side %d: %u", r, i, s,
					      seen[s][r][i]);
	}
	/* whole records: one ring record per input, nothing split */
	ck_assert_uint_eq(ring_last_seq(&mid[0]) + ring_last_seq(&mid[1]) + ring_last_seq(&mid[2]), 200);
	int st = cfg->plan->pipelines[0].edges[0].stat;
	ck_assert_uint_eq(tps_comp(&seg, st, SEG_C_IN), all);
	ck_assert_uint_eq(tps_comp(&seg, st, SEG_C_OUT), all);
	ck_assert_uint_eq(tps_comp(&seg, st, SEG_C_DROPPED), 0);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}
END_TEST

/* No default: what no route takes is dropped and counted. An evaluation
 * error (IsMatch on an array attribute) drops the record under propagate
 * and is false under ignore (the next route takes it). */
START_TEST(no_default_and_error_modes)
{
	for (int mode = 0; mode < 2; mode++) {
		memset(seen, 0, sizeof seen);
		struct sluice_config *cfg = route_config(
			"      - condition: 'IsMatch(attributes[\"team\"], \"^a$\")'\n        pipelines: [traces/a]\n"
			"      - condition: 'attributes[\"team\"] != \"b\" and attributes[\"team\"] != \"c\"'\n"
			"        pipelines: [traces/b]\n"
			"      - condition: 'false'\n        pipelines: [traces/c]\n",
			mode ? "    error_mode: ignore\n" : "");
		tps_segment(&seg, inst, cfg, 1 << 20, 1 << 20);
		struct ring in, mid[3];
		rings(cfg, &in, mid);
		struct tps_runner run;
		tps_start(&run, cfg, &seg, NULL);
		uint64_t a = 0, b = 0, dropped = 0, all = 0;
		for (uint32_t r = 0; r < 120; r++) {
			int arr = r % 8 == 2; /* team as an array: IsMatch fails */
			put(&in, r, arr);
			uint64_t n = (uint64_t)spans_of(r);
			all += n;
			if (arr && mode)
				b += n; /* ignore: the failed route is false, the next one takes it */
			else if (arr)
				dropped += n; /* propagate: dropped */
			else if (r % 4 == 0)
				a += n;
			else if (r % 4 == 3)
				b += n;
			else
				dropped += n;
		}
		ck_assert_uint_eq(collect(&mid[0], 0, a), a);
		ck_assert_uint_eq(collect(&mid[1], 1, b), b);
		ck_assert_int_eq(tps_stop(&run), 0);
		const struct record *rec;
		ck_assert_int_eq(ring_peek(&mid[2], &rec, 0), -EAGAIN);
		int st = cfg->plan->pipelines[0].edges[0].stat;
		ck_assert_uint_eq(tps_comp(&seg, st, SEG_C_IN), all);
		ck_assert_uint_eq(tps_comp(&seg, st, SEG_C_OUT), a + b);
		ck_assert_uint_eq(tps_comp(&seg, st, SEG_C_DROPPED), dropped);
		tps_segment_drop(&seg, inst);
		config_free(cfg);
	}
}
END_TEST

/* ---- a span accessor over the wire form (what stages/ottl_access.h will give) ---- */

static int span_attr(void *item, const struct ottl_eval_key *k, struct ottl_value *out)
{
	const struct route_item *it = item;
	struct otlp_value v;
	int rc = 0;

	out->type = OTTL_NIL;
	if (k->map == OTTL_MAP_ITEM)
		rc = otlp_wire_find_attr(it->item, OTLP_F_SPAN_ATTRIBUTES, (const char *)k->s, k->len, &v);
	else if (k->map == OTTL_MAP_RESOURCE)
		rc = otlp_wire_find_attr(it->resource, OTLP_F_RESOURCE_ATTRIBUTES, (const char *)k->s, k->len,
					 &v);
	if (rc > 0)
		route_value(&v, out);
	return rc < 0 ? rc : 0;
}

static int span_field(void *item, enum ottl_field f, struct ottl_value *out)
{
	const struct route_item *it = item;
	struct otlp_span sp;

	out->type = OTTL_NIL;
	if (f != OTTL_F_SPAN_NAME)
		return 0;
	if (otlp_wire_span(it->item, &sp) < 0)
		return -EBADMSG;
	out->type = OTTL_STRING;
	out->u.s.p = sp.name.p;
	out->u.s.len = sp.name.len;
	return 0;
}

static const struct ottl_eval_accessor span_access = { span_attr, span_field };

/* context span: gold spans to a, the spans of record 5k by name to b, the
 * rest to c; team b records go to b whole by a resource route first. */
START_TEST(by_span_split)
{
	struct sluice_config *cfg = route_config(
		"      - condition: 'attributes[\"team\"] == \"b\"'\n        pipelines: [traces/b]\n"
		"      - condition: 'attributes[\"tier\"] == \"gold\"'\n        context: span\n        pipelines: [traces/a]\n"
		"      - condition: 'IsMatch(name, \"^r[0-9]*5[.]\")'\n        context: span\n        pipelines: [traces/b]\n",
		"    default_pipelines: [traces/c]\n");
	struct route_access mine = { .acc = { [OTTL_CTX_SPAN] = &span_access } };
	const struct route_access *acc = _i == 0 ? &mine : &route_access_wire;
	tps_segment(&seg, inst, cfg, 1 << 20, 1 << 20);
	/* without the span accessor the stage refuses the table */
	{
		struct process *p;
		char err[512];
		ck_assert_int_eq(process_new(&p, cfg, &seg, &(struct process_opts){ 0 }, err, sizeof err),
				 -ENOTSUP);
		ck_assert_ptr_nonnull(strstr(err, "context span"));
	}
	struct ring in, mid[3];
	rings(cfg, &in, mid);
	struct tps_runner run;
	tps_start(&run, cfg, &seg, acc);
	uint64_t want[3] = { 0, 0, 0 };
	int side[200][MAXSP];
	for (uint32_t r = 0; r < 200; r++) {
		put(&in, r, 0);
		for (int i = 0; i < spans_of(r); i++) {
			int s = r % 4 == 1 ? 1 : i % 3 == 0 ? 0 : r % 10 == 5 ? 1 : 2;
			side[r][i] = s;
			want[s]++;
		}
	}
	for (int s = 0; s < 3; s++)
		ck_assert_uint_eq(collect(&mid[s], s, want[s]), want[s]);
	ck_assert_int_eq(tps_stop(&run), 0);
	for (uint32_t r = 0; r < 200; r++)
		for (int i = 0; i < spans_of(r); i++)
			for (int s = 0; s < 3; s++)
				ck_assert_msg(seen[s][r][i] == (s == side[r][i]), "r%u.s%d on side %d: %u", r,
					      i, s, seen[s][r][i]);
	for (int s = 0; s < 3; s++) {
		const struct record *rec;
		ck_assert_int_eq(ring_peek(&mid[s], &rec, 0), -EAGAIN);
	}
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_process_route");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, by_resource_three_ways);
	tcase_add_test(tc, no_default_and_error_modes);
	tcase_add_loop_test(tc, by_span_split, 0, 2); /* 0: this file's accessor, 1: route_access_wire */
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
