/* The process stage's executor on real shared memory: fan-out of one IN
 * ring to two pipelines with different processors, two IN rings into one
 * MID ring (source slots), forward (also to a pipeline that gets the record
 * directly: two copies in one publish), component counters. Outputs are
 * decoded with protobuf-c and every span is accounted for per MID ring. */
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
#define NMID 4

static struct segment seg;
static char inst[64];
static uint8_t seen[NMID][MAXREC][MAXSP];

static const char *recv2 = "receivers:\n"
			   "  otlp/x:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
			   "  otlp/y:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n";

static int spans_of(uint32_t rec)
{
	return 1 + (int)(rec * 5 % MAXSP);
}

/* Record `rec` (spans "r<rec>.s<i>", span attribute tier gold every third
 * span, resource attribute team unless NULL). */
static uint8_t *rec_bytes(uint32_t rec, const char *team, size_t *len)
{
	static struct tb_span sp[MAXSP];
	static char names[MAXSP][32];
	struct tb_attr res[] = { { .key = "service.name", .type = 's', .s = "svc" },
				 { .key = "team", .type = 's', .s = team },
				 { .key = NULL } };
	int n = spans_of(rec);

	if (!team)
		res[1].key = NULL;
	for (int i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "%s.r%u.s%d", i % 4 == 3 ? "drop" : "k", rec, i);
		sp[i] = (struct tb_span){
			.name = names[i],
			.trace = rec * 16u + (uint64_t)i + 1,
			.scope = i % 2,
			.start = 1000,
			.end = 2000 + (uint64_t)i,
			.attrs = { { .key = "tier", .type = 's', .s = i % 3 == 0 ? "gold" : "bronze" } }
		};
	}
	return tb_pack(res, sp, n, len);
}

static uint64_t put(struct ring *r, uint32_t rec, const char *team)
{
	size_t len;
	uint8_t *p = rec_bytes(rec, team, &len);
	uint64_t seq = tps_put(r, p, len, (uint32_t)spans_of(rec), 0);
	free(p);
	ck_assert_uint_gt(seq, 0);
	return seq;
}

/* Reads MID ring r until `want` spans came (bounded), marking seen[slot];
 * attr: a span attribute every span must carry (NULL: none). */
static uint64_t collect(struct ring *r, int slot, uint64_t want, const char *attr)
{
	uint64_t got = 0;

	while (got < want) {
		const struct record *rec = tps_next(r);
		if (!rec)
			break;
		ck_assert_uint_eq(rec->signal, RECORD_SIGNAL_TRACES);
		ck_assert_uint_eq(rec->flags, 0);
		TbRs *rs = tb_unpack(record_cpayload(rec), rec->len);
		ck_assert_ptr_nonnull(rs);
		TbSpan **sp;
		size_t n = tb_spans(rs, &sp);
		ck_assert_uint_eq(n, rec->items);
		for (size_t i = 0; i < n; i++) {
			unsigned x, s;
			char pre[8];
			ck_assert_int_eq(sscanf(sp[i]->name, "%4[a-z].r%u.s%u", pre, &x, &s), 3);
			ck_assert_uint_lt(x, MAXREC);
			ck_assert_uint_lt(s, MAXSP);
			seen[slot][x][s]++;
			if (attr)
				ck_assert_msg(tb_attr(sp[i]->attributes, sp[i]->n_attributes, attr) != NULL,
					      "span %s has no %s", sp[i]->name, attr);
			got++;
		}
		tb_free(rs);
		ring_commit(r, ring_cursor(r));
	}
	return got;
}

static void expect_empty(struct ring *r)
{
	const struct record *rec;
	ck_assert_int_eq(ring_peek(r, &rec, 0), -EAGAIN);
}

static void setup(void)
{
	snprintf(inst, sizeof inst, "stpgraph-%d", (int)getpid());
	memset(seen, 0, sizeof seen);
}

/* One IN ring, two entry pipelines: a filters, b inserts an attribute. */
START_TEST(fanout_two_pipelines)
{
	struct sluice_config *cfg = tps_load(
		"%s"
		"processors:\n"
		"  filter/a:\n    spans:\n      exclude:\n        match_type: prefix\n        span_names: [drop]\n"
		"  attributes/b:\n    actions:\n      - {key: via_b, value: true, action: insert}\n"
		"exporters:\n  debug:\n  debug/2:\n"
		"service:\n  pipelines:\n"
		"    traces/a:\n      receivers: [otlp/x]\n      processors: [filter/a]\n      exporters: [debug]\n"
		"    traces/b:\n      receivers: [otlp/x]\n      processors: [attributes/b]\n      exporters: [debug/2]\n",
		recv2);
	const struct sluice_plan *plan = cfg->plan;
	ck_assert_uint_eq(plan->n_in, 1);
	ck_assert_uint_eq(plan->n_mid, 2);
	tps_segment(&seg, inst, cfg, 1 << 20, 1 << 20);
	struct ring in, ma, mb;
	segment_ring(&seg, 0, &in);
	segment_ring(&seg, (uint32_t)plan->pipelines[0].mid_ring, &ma);
	segment_ring(&seg, (uint32_t)plan->pipelines[1].mid_ring, &mb);
	struct tps_runner run;
	tps_start(&run, cfg, &seg, NULL);
	uint64_t all = 0, kept = 0, last = 0;
	for (uint32_t r = 0; r < 200; r++) {
		last = put(&in, r, "a");
		for (int i = 0; i < spans_of(r); i++)
			kept += i % 4 != 3;
		all += (uint64_t)spans_of(r);
	}
	ck_assert_uint_eq(collect(&ma, 0, kept, NULL), kept);
	ck_assert_uint_eq(collect(&mb, 1, all, "via_b"), all);
	ck_assert_int_eq(tps_stop(&run), 0);
	expect_empty(&ma);
	expect_empty(&mb);
	for (uint32_t r = 0; r < 200; r++)
		for (int i = 0; i < spans_of(r); i++) {
			ck_assert_uint_eq(seen[0][r][i], i % 4 != 3);
			ck_assert_uint_eq(seen[1][r][i], 1);
		}
	/* the crash rule's notes: both rings completed every input */
	ck_assert_uint_eq(ring_source_seq(&ma, 0), last);
	ck_assert_uint_eq(ring_source_seq(&mb, 0), last);
	/* per processor: in, out, dropped items */
	ck_assert_uint_eq(tps_comp(&seg, plan->pipelines[0].processor_stats[0], SEG_C_IN), all);
	ck_assert_uint_eq(tps_comp(&seg, plan->pipelines[0].processor_stats[0], SEG_C_DROPPED), all - kept);
	ck_assert_uint_eq(tps_comp(&seg, plan->pipelines[1].processor_stats[0], SEG_C_OUT), all);
	ck_assert_uint_eq(stats_get(&run.st, STAT_SPANS_IN), all);
	ck_assert_uint_eq(stats_get(&run.st, STAT_SPANS_OUT), kept + all);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}
END_TEST

/* Two receivers: x feeds a and b, y feeds b: two IN rings, and b's MID
 * ring has two sources whose seqs are noted apart. */
START_TEST(two_in_rings_one_mid)
{
	struct sluice_config *cfg =
		tps_load("%s"
			 "exporters:\n  debug:\n  debug/2:\n"
			 "service:\n  pipelines:\n"
			 "    traces/a:\n      receivers: [otlp/x]\n      exporters: [debug]\n"
			 "    traces/b:\n      receivers: [otlp/x, otlp/y]\n      exporters: [debug/2]\n",
			 recv2);
	const struct sluice_plan *plan = cfg->plan;
	ck_assert_uint_eq(plan->n_in, 2);
	const struct plan_ring *mb_plan = &plan->rings[plan->pipelines[1].mid_ring];
	ck_assert_uint_eq(mb_plan->n_sources, 2);
	tps_segment(&seg, inst, cfg, 1 << 20, 1 << 20);
	/* which IN ring is x's (entry a+b) and which is y's (entry b) */
	int rx = plan->rings[0].pipelines == 3 ? 0 : 1, ry = !rx;
	int sx = mb_plan->sources[0].index == (uint32_t)rx ? 0 : 1, sy = !sx;
	struct ring inx, iny, ma, mb;
	segment_ring(&seg, (uint32_t)rx, &inx);
	segment_ring(&seg, (uint32_t)ry, &iny);
	segment_ring(&seg, (uint32_t)plan->pipelines[0].mid_ring, &ma);
	segment_ring(&seg, (uint32_t)plan->pipelines[1].mid_ring, &mb);
	struct tps_runner run;
	tps_start(&run, cfg, &seg, NULL);
	uint64_t nx = 0, ny = 0, lx = 0, ly = 0;
	for (uint32_t r = 0; r < 240; r++) {
		if (r % 3) {
			lx = put(&inx, r, NULL);
			nx += (uint64_t)spans_of(r);
		} else {
			ly = put(&iny, r, NULL);
			ny += (uint64_t)spans_of(r);
		}
	}
	ck_assert_uint_eq(collect(&ma, 0, nx, NULL), nx);
	ck_assert_uint_eq(collect(&mb, 1, nx + ny, NULL), nx + ny);
	ck_assert_int_eq(tps_stop(&run), 0);
	expect_empty(&ma);
	expect_empty(&mb);
	for (uint32_t r = 0; r < 240; r++)
		for (int i = 0; i < spans_of(r); i++) {
			ck_assert_uint_eq(seen[0][r][i], r % 3 ? 1 : 0);
			ck_assert_uint_eq(seen[1][r][i], 1);
		}
	ck_assert_uint_eq(ring_source_seq(&mb, (uint32_t)sx), lx);
	ck_assert_uint_eq(ring_source_seq(&mb, (uint32_t)sy), ly);
	ck_assert_uint_eq(ring_source_seq(&ma, 0), lx);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}
END_TEST

/* in -> forward -> {f1, f2}; f2 also takes the receiver directly, so each
 * record reaches f2's MID ring twice: both copies in one publish. */
START_TEST(forward_and_direct)
{
	struct sluice_config *cfg = tps_load(
		"%s"
		"processors:\n"
		"  attributes/in:\n    actions:\n      - {key: via_in, value: true, action: insert}\n"
		"  filter/f1:\n    spans:\n      exclude:\n        match_type: prefix\n        span_names: [drop]\n"
		"connectors:\n  forward:\n"
		"exporters:\n  debug:\n  debug/2:\n"
		"service:\n  pipelines:\n"
		"    traces/in:\n      receivers: [otlp/x]\n      processors: [attributes/in]\n      exporters: [forward]\n"
		"    traces/f1:\n      receivers: [forward]\n      processors: [filter/f1]\n      exporters: [debug]\n"
		"    traces/f2:\n      receivers: [forward, otlp/x]\n      exporters: [debug/2]\n",
		recv2);
	const struct sluice_plan *plan = cfg->plan;
	ck_assert_int_eq(plan->pipelines[0].mid_ring, -1);
	tps_segment(&seg, inst, cfg, 1 << 20, 1 << 20);
	struct ring in, m1, m2;
	segment_ring(&seg, 0, &in);
	segment_ring(&seg, (uint32_t)plan->pipelines[1].mid_ring, &m1);
	segment_ring(&seg, (uint32_t)plan->pipelines[2].mid_ring, &m2);
	struct tps_runner run;
	tps_start(&run, cfg, &seg, NULL);
	uint64_t all = 0, kept = 0;
	for (uint32_t r = 0; r < 100; r++) {
		put(&in, r, NULL);
		for (int i = 0; i < spans_of(r); i++)
			kept += i % 4 != 3;
		all += (uint64_t)spans_of(r);
	}
	ck_assert_uint_eq(collect(&m1, 0, kept, "via_in"), kept);
	ck_assert_uint_eq(collect(&m2, 1, 2 * all, NULL), 2 * all);
	ck_assert_int_eq(tps_stop(&run), 0);
	expect_empty(&m1);
	expect_empty(&m2);
	for (uint32_t r = 0; r < 100; r++)
		for (int i = 0; i < spans_of(r); i++) {
			ck_assert_uint_eq(seen[0][r][i], i % 4 != 3);
			ck_assert_uint_eq(seen[1][r][i], 2);
		}
	/* every record gave f2 two ring records, published together */
	ck_assert_uint_eq(ring_last_seq(&m2), 200);
	/* the forward connector's slot (from traces/in): in, out per target */
	int fs = plan->pipelines[0].edges[0].stat;
	ck_assert_uint_eq(tps_comp(&seg, fs, SEG_C_IN), all);
	ck_assert_uint_eq(tps_comp(&seg, fs, SEG_C_OUT), 2 * all);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_process_graph");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, fanout_two_pipelines);
	tcase_add_test(tc, two_in_rings_one_mid);
	tcase_add_test(tc, forward_and_direct);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
