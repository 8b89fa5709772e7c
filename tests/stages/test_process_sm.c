/* The spanmetrics connector in the process stage, on real shared memory:
 * known spans (service, name, kind, status, durations chosen here) in, and
 * the flushes out of the metrics pipeline's MID ring: every series' calls,
 * histogram count, bucket counts and sum exact; cumulative start times
 * unchanged from flush to flush; delta flushes adding up to the totals.
 * After a restart a flush left pending is confirmed when its MID ring has
 * it, and made again (same number) when it does not. Through a chain
 * (a filter dropping some spans, an attributes processor editing the
 * kept ones; or the filter and a dimension read from the span's
 * attributes) the connector counts exactly the kept spans, from what the
 * chain read of them (stages/chain.h, chain_collect). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg/agg_config.h"
#include "tests/agg/mwalk.h"
#include "tests/stages/tb.h"
#include "tests/stages/test_process_seg.h"
#include "tests/check_run.h"

#define NSERIES 8
#define NDUR 10

static struct segment seg;
static char inst[64];
static const uint64_t dur_ms[NDUR] = { 1, 3, 5, 7, 9, 30, 70, 150, 300, 20000 };
static const int dur_bucket[NDUR] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 16 };
static const char *names[2] = { "GET /a", "GET /b" };
static const char *kinds[] = { "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
			       "SPAN_KIND_CLIENT" };
static const char *codes[] = { "STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR" };

struct expect {
	uint64_t calls;
	uint64_t buckets[17];
	double sum_ms;
};
static struct expect want[NSERIES];
/* 1: the traces pipeline has a filter and an attributes processor, and
 * records carry spans the filter drops; 2: the filter only, and the
 * connector has a dimension ("tier", a span attribute) */
static int with_chain;
static const char *tiers[3] = { "gold", "silver", "bronze" };

static void series_of(int s, int *name, int *kind, int *status)
{
	*name = s & 1;
	*kind = s & 2 ? 3 : 2;
	*status = s & 4 ? 2 : 0;
}

static void series_attrs(int s, char *buf, size_t cap)
{
	int n, k, st;
	series_of(s, &n, &k, &st);
	int o = snprintf(buf, cap, "service.name=svc;span.name=%s;span.kind=%s;status.code=%s", names[n],
			 kinds[k], codes[st]);
	if (with_chain == 2)
		snprintf(buf + o, cap - (size_t)o, ";tier=%s", tiers[s % 3]);
}

/* Record r: 1..12 spans, series and duration from (r, j). */
static int put_spans(struct ring *in, uint32_t r)
{
	static struct tb_span sp[13];
	static const struct tb_attr res[] = { { .key = "service.name", .type = 's', .s = "svc" },
					      { .key = NULL } };
	int n = 1 + (int)(r % 12), extra = 0;
	size_t len;

	for (int j = 0; j < n; j++) {
		int s = (int)((r + (uint32_t)j) % NSERIES), d = (int)((r * 3 + (uint32_t)j) % NDUR), nm, k,
		    st;
		series_of(s, &nm, &k, &st);
		uint64_t start = 1700000000000000000ull + r * 1000000ull;
		sp[j] = (struct tb_span){ .name = names[nm],
					  .kind = k,
					  .status = st,
					  .trace = r + 1u,
					  .start = start,
					  .end = start + dur_ms[d] * 1000000ull,
					  .attrs = { { .key = "http.route", .type = 's', .s = "/x" },
						     { .key = "tier", .type = 's', .s = tiers[s % 3] } } };
		want[s].calls++;
		want[s].buckets[dur_bucket[d]]++;
		want[s].sum_ms += (double)dur_ms[d];
	}
	if (with_chain) { /* one span filter/drop takes out, first or last */
		int at = r & 1 ? n : 0;
		if (!at)
			memmove(&sp[1], &sp[0], (size_t)n * sizeof sp[0]);
		sp[at] = (struct tb_span){
			.name = "GET /drop", .kind = 2, .trace = r + 1u, .start = 1, .end = 2
		};
		extra = 1;
		for (int j = 0; j <= n; j++)
			sp[j].scope = j % 3; /* kept spans in several ScopeSpans */
	}
	uint8_t *p = tb_pack(res, sp, n + extra, &len);
	ck_assert_uint_gt(tps_put(in, p, len, (uint32_t)(n + extra), 0), 0);
	free(p);
	return n;
}

static const char *sm_config(const char *temporality, const char *interval)
{
	static char y[2048];
	const char *procs = with_chain == 1   ? "      processors: [filter/drop, attributes/tag]\n"
			    : with_chain == 2 ? "      processors: [filter/drop]\n"
					      : "";
	snprintf(y, sizeof y,
		 "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		 "connectors:\n  spanmetrics:\n    metrics_flush_interval: %s\n"
		 "    aggregation_temporality: %s\n%s"
		 "processors:\n  filter/drop:\n    spans:\n      exclude:\n        match_type: strict\n"
		 "        span_names: [GET /drop]\n"
		 "  attributes/tag:\n    actions:\n      - {key: tag, value: t, action: insert}\n"
		 "exporters:\n  debug:\n  debug/m:\n"
		 "service:\n  pipelines:\n"
		 "    traces:\n      receivers: [otlp]\n%s      exporters: [debug, spanmetrics]\n"
		 "    metrics:\n      receivers: [spanmetrics]\n      exporters: [debug/m]\n",
		 interval, temporality, with_chain == 2 ? "    dimensions: [{name: tier}]\n" : "", procs);
	return y;
}

static void setup(void)
{
	snprintf(inst, sizeof inst, "stpsm-%d", (int)getpid());
	memset(want, 0, sizeof want);
	with_chain = 0;
}

/* The points of one MID record (a bare ResourceMetrics). */
static int points_of(const struct record *rec, struct mw_point *pts, int max)
{
	static uint8_t req[1 << 20];
	uint8_t *o = otlp_wire_put_varint(req + 1, rec->len);
	req[0] = 0x0a;
	ck_assert_uint_lt((size_t)(o - req) + rec->len, sizeof req);
	memcpy(o, record_cpayload(rec), rec->len);
	int n = mw_decode(req, (size_t)(o - req) + rec->len, pts, max);
	ck_assert_int_ge(n, 0);
	return n;
}

struct flush_view {
	uint64_t calls[NSERIES], count[NSERIES], buckets[NSERIES][17], start[NSERIES];
	double sum[NSERIES];
	uint64_t total;
};

/* Folds one flush record into v (delta: adds; cumulative: replaces). */
static void fold(const struct record *rec, struct flush_view *v, int delta, uint64_t *start_seen)
{
	static struct mw_point pts[64];
	char attrs[256];
	int n = points_of(rec, pts, 64);

	for (int s = 0; s < NSERIES; s++) {
		series_attrs(s, attrs, sizeof attrs);
		const struct mw_point *c = mw_find(pts, n, "traces.span.metrics.calls", attrs);
		const struct mw_point *h = mw_find(pts, n, "traces.span.metrics.duration", attrs);
		if (!c)
			continue;
		ck_assert_ptr_nonnull(h);
		ck_assert_int_eq(c->temporality, delta ? 1 : 2);
		if (!delta) {
			/* a cumulative series keeps its start time */
			if (start_seen[s])
				ck_assert_uint_eq(c->start, start_seen[s]);
			start_seen[s] = c->start;
			v->total -= v->calls[s];
			v->calls[s] = v->count[s] = 0;
			v->sum[s] = 0;
			memset(v->buckets[s], 0, sizeof v->buckets[s]);
		}
		v->calls[s] += c->count;
		v->total += c->count;
		v->count[s] += h->count;
		v->sum[s] += h->sum;
		ck_assert_uint_eq(h->n_buckets, 17);
		for (int b = 0; b < 17; b++)
			v->buckets[s][b] += h->buckets[b];
	}
}

static void check_exact(const struct flush_view *v)
{
	for (int s = 0; s < NSERIES; s++) {
		ck_assert_uint_eq(v->calls[s], want[s].calls);
		ck_assert_uint_eq(v->count[s], want[s].calls);
		ck_assert_msg(v->sum[s] == want[s].sum_ms, "series %d sum %g, want %g", s, v->sum[s],
			      want[s].sum_ms);
		for (int b = 0; b < 17; b++)
			ck_assert_uint_eq(v->buckets[s][b], want[s].buckets[b]);
	}
}

static void run_exact(int delta)
{
	struct sluice_config *cfg = tps_load("%s", sm_config(delta ? "AGGREGATION_TEMPORALITY_DELTA"
								   : "AGGREGATION_TEMPORALITY_CUMULATIVE",
							     "100ms"));
	const struct sluice_plan *plan = cfg->plan;
	tps_segment(&seg, inst, cfg, 1 << 20, 1 << 20);
	struct ring in, mt, mm;
	segment_ring(&seg, 0, &in);
	segment_ring(&seg, (uint32_t)plan->pipelines[0].mid_ring, &mt);
	segment_ring(&seg, (uint32_t)plan->pipelines[1].mid_ring, &mm);
	ck_assert_uint_eq(plan->rings[plan->pipelines[1].mid_ring].sources[0].kind, PLAN_SOURCE_CONNECTOR);
	struct tps_runner run;
	tps_start(&run, cfg, &seg, NULL);
	uint64_t total = 0, flushes = 0, start_seen[NSERIES] = { 0 };
	struct flush_view v;
	memset(&v, 0, sizeof v);
	for (uint32_t r = 0; r < 400; r++) {
		total += (uint64_t)put_spans(&in, r);
		if (r % 100 == 99) { /* let a flush or two happen in between */
			const struct record *rec = tps_next(&mm);
			ck_assert_ptr_nonnull(rec);
			fold(rec, &v, delta, start_seen);
			ring_commit(&mm, ring_cursor(&mm));
			flushes++;
		}
	}
	while (v.total < total) {
		const struct record *rec = tps_next(&mm);
		ck_assert_msg(rec != NULL, "flushes counted %llu of %llu spans", (unsigned long long)v.total,
			      (unsigned long long)total);
		fold(rec, &v, delta, start_seen);
		ring_commit(&mm, ring_cursor(&mm));
		flushes++;
	}
	ck_assert_uint_eq(v.total, total);
	check_exact(&v);
	/* one record per flush (one resource): the connector's slot says which */
	ck_assert_uint_ge(ring_source_seq(&mm, 0), flushes);
	ck_assert_int_eq(tps_stop(&run), 0);
	int st = plan->pipelines[0].edges[0].stat;
	ck_assert_uint_eq(tps_comp(&seg, st, SEG_C_IN), total);
	ck_assert_uint_eq(tps_comp(&seg, st, SEG_C_OUT), total);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}

START_TEST(cumulative_exact)
{
	run_exact(0);
}
END_TEST

START_TEST(delta_adds_up)
{
	run_exact(1);
}
END_TEST

START_TEST(through_a_chain_exact)
{
	with_chain = 1;
	run_exact(0);
}
END_TEST

START_TEST(through_a_chain_with_a_dimension_exact)
{
	with_chain = 2;
	run_exact(1);
}
END_TEST

/* Reads flushes from mm until their counts reach total (delta: summed;
 * cumulative: the last one holds them all); exact. */
static void read_flushes(struct ring *mm, uint64_t total, int delta)
{
	struct flush_view v;
	uint64_t start_seen[NSERIES] = { 0 };

	memset(&v, 0, sizeof v);
	while (v.total < total) {
		const struct record *rec = tps_next(mm);
		ck_assert_msg(rec != NULL, "flushes counted %llu of %llu spans", (unsigned long long)v.total,
			      (unsigned long long)total);
		fold(rec, &v, delta, start_seen);
		ring_commit(mm, ring_cursor(mm));
	}
	check_exact(&v);
}

/* A corrupt IN record and the connector: the process stage checks a
 * payload after its chain has read it, and a connector's aggregation
 * cannot be taken back, so the check comes before the first span of it is
 * counted. The damaged record's spans are in no flush, it is quarantined,
 * and every other record is counted exactly once. */
START_TEST(corrupt_record_not_counted)
{
	struct sluice_config *cfg = tps_load("%s", sm_config("AGGREGATION_TEMPORALITY_CUMULATIVE", "100ms"));
	const struct sluice_plan *plan = cfg->plan;
	tps_segment(&seg, inst, cfg, 1 << 20, 1 << 20);
	struct ring in, mt, mm;
	segment_ring(&seg, 0, &in);
	segment_ring(&seg, (uint32_t)plan->pipelines[0].mid_ring, &mt);
	segment_ring(&seg, (uint32_t)plan->pipelines[1].mid_ring, &mm);
	uint64_t total = 0, bad_seq = 0;
	int bad_n = 0;
	for (uint32_t r = 0; r < 40; r++) {
		if (r == 20) {
			struct expect keep[NSERIES];
			memcpy(keep, want, sizeof keep);
			bad_n = put_spans(&in, r);
			memcpy(want, keep, sizeof keep); /* its spans must count nowhere */
			bad_seq = r + 1;		 /* a fresh ring numbers its records from 1 */
			continue;
		}
		total += (uint64_t)put_spans(&in, r);
	}
	/* a fresh ring holds the records back to back from offset 0 */
	struct record *bad = NULL;
	for (uint64_t pos = 0; !bad && pos < in.cap;) {
		struct record *rec = (struct record *)(in.data + pos);
		ck_assert_uint_le(rec->seq, bad_seq);
		if (rec->seq == bad_seq)
			bad = rec;
		pos += record_size(rec->len);
	}
	ck_assert_ptr_nonnull(bad);
	ck_assert_int_eq(bad->items, bad_n);
	record_payload(bad)[bad->len / 2] ^= 0x40; /* one bit, header intact */
	struct tps_runner run;
	tps_start(&run, cfg, &seg, NULL);
	read_flushes(&mm, total, 0);
	uint64_t traces = 0;
	for (const struct record *rec; traces < total && (rec = tps_next(&mt)) != NULL;) {
		traces += rec->items;
		ring_commit(&mt, ring_cursor(&mt));
	}
	ck_assert_uint_eq(traces, total);
	ck_assert_uint_eq(ring_corrupt_records(&in), 1);
	ck_assert_int_eq(tps_stop(&run), 0);
	unlink("/tmp/sluice-test-process-quarantine/in:traces.quarantine");
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}
END_TEST

/* A flush left pending by a crash, published or not. The restarted stage
 * confirms the first and makes the second again under the same number;
 * either way the spans before it are in exactly one flush, and the next
 * flush (delta) holds only the spans after it. */
START_TEST(pending_flush_after_restart)
{
	for (int published = 0; published < 2; published++) {
		memset(want, 0, sizeof want);
		struct sluice_config *cfg = tps_load("%s", sm_config("AGGREGATION_TEMPORALITY_DELTA", "1h"));
		struct sluice_config *cfg2 = tps_load("%s",
						      sm_config("AGGREGATION_TEMPORALITY_DELTA", "200ms"));
		const struct sluice_plan *plan = cfg->plan;
		uint32_t mm_ring = (uint32_t)plan->pipelines[1].mid_ring;
		tps_segment(&seg, inst, cfg, 1 << 20, 1 << 20);
		struct ring in, mt, mm;
		segment_ring(&seg, 0, &in);
		segment_ring(&seg, (uint32_t)plan->pipelines[0].mid_ring, &mt);
		segment_ring(&seg, mm_ring, &mm);
		struct tps_runner run;
		tps_start(&run, cfg, &seg, NULL);
		uint64_t total = 0;
		for (uint32_t r = 0; r < 50; r++)
			total += (uint64_t)put_spans(&in, r);
		for (uint64_t got = 0; got < total;) {
			const struct record *rec = tps_next(&mt);
			ck_assert_ptr_nonnull(rec);
			got += rec->items;
			ring_commit(&mt, ring_cursor(&mt));
		}
		ck_assert_int_eq(tps_stop(&run), 0);
		/* the crash: flush 1 built, maybe published, never confirmed */
		struct agg_config ac;
		struct agg *a;
		char name[128], why[256];
		uint64_t size;
		ck_assert_int_eq(agg_config_from(&cfg->connectors[0].spanmetrics, &ac, why, sizeof why), 0);
		agg_config_region_name(&cfg->connectors[0], name, sizeof name);
		void *region = segment_aux(&seg, name, &size);
		ck_assert_ptr_nonnull(region);
		ck_assert_int_eq(agg_attach(&a, region, size, &ac.params), 0);
		static uint8_t buf[1 << 20];
		size_t len;
		ck_assert_int_eq(agg_flush(a, 1700000001000000000ull, buf, sizeof buf, &len), 1);
		agg_detach(a);
		if (published) { /* as the stage does: its ResourceMetrics, noted with seq 1 */
			struct otlp_wire_iter it;
			struct otlp_bytes rm;
			struct ring mp;
			struct record *o;
			otlp_wire_iter_init(&it, (struct otlp_bytes){ buf, len }, 1);
			ck_assert_int_eq(otlp_wire_iter_next(&it, &rm), 1);
			segment_ring(&seg, mm_ring, &mp);
			ck_assert_int_eq(ring_reserve(&mp, (uint32_t)rm.len, &o, 0), 0);
			memcpy(record_payload(o), rm.p, rm.len);
			o->signal = RECORD_SIGNAL_METRICS;
			ck_assert_int_eq(ring_note_source(&mp, 0, 1), 0);
			ck_assert_int_eq(ring_publish(&mp), 1);
		}
		tps_start(&run, cfg2, &seg, NULL);
		read_flushes(&mm, total, 1);
		ck_assert_uint_eq(ring_source_seq(&mm, 0), 1);
		/* after it: only new spans, none of the first ones again */
		memset(want, 0, sizeof want);
		total = 0;
		for (uint32_t r = 50; r < 80; r++)
			total += (uint64_t)put_spans(&in, r);
		read_flushes(&mm, total, 1);
		ck_assert_uint_ge(ring_source_seq(&mm, 0), 2);
		ck_assert_int_eq(tps_stop(&run), 0);
		tps_segment_drop(&seg, inst);
		config_free(cfg);
		config_free(cfg2);
	}
}
END_TEST

/* The metrics ring full: the flush waits, and with it every record the
 * aggregation would count (it takes none while a flush is pending); the
 * traces still in the IN ring wait, nothing is lost or counted twice. */
START_TEST(flush_waits_for_room)
{
	struct sluice_config *cfg = tps_load("%s", sm_config("AGGREGATION_TEMPORALITY_CUMULATIVE", "100ms"));
	const struct sluice_plan *plan = cfg->plan;
	tps_segment(&seg, inst, cfg, 1 << 20, 16 << 10);
	struct ring in, mt, mm;
	segment_ring(&seg, 0, &in);
	segment_ring(&seg, (uint32_t)plan->pipelines[0].mid_ring, &mt);
	segment_ring(&seg, (uint32_t)plan->pipelines[1].mid_ring, &mm);
	struct tps_runner run;
	tps_start(&run, cfg, &seg, NULL);
	uint64_t total = 0, got = 0, give_up = tps_now_ns() + 20000000000ull;
	uint32_t r = 0;
	/* feed and read the traces (never the metrics) until the stage holds
	 * records back: the metrics ring is full and a flush waits */
	while (!(ring_used(&in) > 0 && ring_used(&mm) > (8 << 10) && ring_used(&mt) == 0 && r > 200)) {
		const struct record *rec;
		if (r < 2000 && ring_used(&in) < (256 << 10))
			total += (uint64_t)put_spans(&in, r++);
		while (ring_peek(&mt, &rec, 0) == 0) {
			got += rec->items;
			ring_commit(&mt, ring_cursor(&mt));
		}
		ck_assert_msg(tps_now_ns() < give_up, "in %llu mm %llu", (unsigned long long)ring_used(&in),
			      (unsigned long long)ring_used(&mm));
		usleep(2000);
	}
	uint64_t held = ring_used(&in);
	usleep(300000); /* three flush intervals: still held */
	ck_assert_uint_eq(ring_used(&in), held);
	/* read the metrics: everything flows again; the last flush has it all */
	struct flush_view v;
	uint64_t start_seen[NSERIES] = { 0 };
	memset(&v, 0, sizeof v);
	while (v.total < total || got < total) {
		const struct record *rec;
		while (ring_peek(&mt, &rec, 0) == 0) {
			got += rec->items;
			ring_commit(&mt, ring_cursor(&mt));
		}
		if (ring_peek(&mm, &rec, 10000000) == 0) {
			fold(rec, &v, 0, start_seen);
			ring_commit(&mm, ring_cursor(&mm));
		}
		ck_assert_msg(tps_now_ns() < give_up + 20000000000ull, "counted %llu, traces %llu of %llu",
			      (unsigned long long)v.total, (unsigned long long)got,
			      (unsigned long long)total);
	}
	ck_assert_uint_eq(got, total);
	check_exact(&v);
	ck_assert_int_eq(tps_stop(&run), 0);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_process_sm");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, cumulative_exact);
	tcase_add_test(tc, delta_adds_up);
	tcase_add_test(tc, through_a_chain_exact);
	tcase_add_test(tc, through_a_chain_with_a_dimension_exact);
	tcase_add_test(tc, pending_flush_after_restart);
	tcase_add_test(tc, flush_waits_for_room);
	tcase_add_test(tc, corrupt_record_not_counted);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
