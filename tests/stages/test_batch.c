/* The batch stage loop between real rings of a real segment, for each
 * signal (spans, log records, metric data points): size trigger and drain,
 * send_batch_max_size and the split of an oversized record, the byte
 * limit, the timeout flush, a size flush from records that come one at a
 * time, the restart rule (the source table), and for
 * metrics the split by data points. Every output is decoded with protobuf-c
 * as an Export*ServiceRequest and checked item by item. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/stages/test_batch_env.h"
#include "tests/check_run.h"

static struct benv env;
static struct benv_took took;
static const uint64_t out_1m[2] = { 1u << 20, 1u << 20 };

static void up(enum otlp_signal sig)
{
	const enum otlp_signal sigs[2] = { sig, sig };
	benv_up(&env, 1u << 20, out_1m, sigs);
}

static struct stage_stats *st(void)
{
	return segment_stats(&env.seg, STAGE_BATCH);
}

START_TEST(size_trigger_and_drain)
{
	enum otlp_signal sig = (enum otlp_signal)_i;
	up(sig);
	for (uint64_t s = 1; s <= 7; s++)
		benv_feed(&env, 0, s, 3, 1, 2);
	env.cfg[0].send_batch_size = 10;
	ck_assert_int_eq(benv_run(&env, 1, true), 0);
	char want[256] = "";
	for (uint64_t s = 1; s <= 4; s++)
		btb_names(want, sizeof want, s, 0, 3);
	ck_assert(benv_take(&env, 0, 2, &took, 0));
	ck_assert_uint_eq(took.seq, 1); /* the OUT ring's own seq */
	ck_assert_uint_eq(took.items, 12);
	ck_assert_uint_eq(took.o.resources, 4);
	ck_assert_str_eq(took.names, want);
	ck_assert(benv_take(&env, 0, 2, &took, 0));
	ck_assert_uint_eq(took.seq, 2);
	ck_assert_uint_eq(took.items, 9);
	ck_assert(!benv_take(&env, 0, 2, &took, 0));
	/* the last input published, for a restart; inputs committed */
	ck_assert_uint_eq(ring_source_seq(&env.outc[0], 0), 7);
	ck_assert_uint_eq(ring_used(&env.midc[0]), 0);
	ck_assert_uint_eq(stats_get(st(), STAT_BATCH_FLUSH_SIZE), 1);
	ck_assert_uint_eq(stats_get(st(), STAT_BATCHES_OUT), 2);
	ck_assert_uint_eq(stats_get(st(), STAT_SPANS_OUT), 21);
	ck_assert_uint_eq(stats_get(st(), STAT_RECORDS_IN), 7);
	struct seg_component *k = segment_component(&env.seg, 0);
	ck_assert_uint_eq(seg_component_get(k, SEG_C_IN), 21);
	ck_assert_uint_eq(seg_component_get(k, SEG_C_OUT), 21);
	benv_down(&env);
}
END_TEST

START_TEST(max_size_and_split)
{
	enum otlp_signal sig = (enum otlp_signal)_i;
	up(sig);
	benv_feed(&env, 0, 1, 4, 1, 3);
	benv_feed(&env, 0, 2, 4, 1, 3);
	benv_feed(&env, 0, 3, 4, 1, 3);	 /* 12 > max 10: [1,2] flushed first */
	benv_feed(&env, 0, 5, 23, 3, 3); /* alone over the max: 10/10/3 */
	benv_feed(&env, 0, 6, 1, 1, 3);
	env.cfg[0].send_batch_size = 9;
	env.cfg[0].send_batch_max_size = 10;
	ck_assert_int_eq(benv_run(&env, 1, true), 0);
	ck_assert(benv_take(&env, 0, 3, &took, 0));
	ck_assert_uint_eq(took.items, 8);
	ck_assert(benv_take(&env, 0, 3, &took, 0));
	ck_assert_uint_eq(took.items, 4);
	ck_assert_uint_eq(took.seq, 2);
	for (int part = 0; part < 3; part++) {
		ck_assert(benv_take(&env, 0, 3, &took, 0));
		ck_assert_uint_eq(took.seq, 3 + (uint64_t)part); /* consecutive */
		ck_assert_uint_eq(took.items, part < 2 ? 10 : 3);
		ck_assert_uint_eq(took.o.resources, 1);
		char want[256] = "";
		btb_names(want, sizeof want, 5, part * 10, part * 10 + (int)took.items);
		ck_assert_str_eq(took.names, want);
		if (sig == OTLP_SIGNAL_METRICS) /* 10 points of metrics of 3: one is cut */
			ck_assert_uint_eq(took.o.metrics, part < 2 ? 4 : 2);
	}
	ck_assert(benv_take(&env, 0, 3, &took, 0));
	ck_assert_uint_eq(took.seq, 6);
	ck_assert_uint_eq(took.items, 1);
	ck_assert(!benv_take(&env, 0, 3, &took, 0));
	ck_assert_uint_eq(ring_source_seq(&env.outc[0], 0), 6);
	benv_down(&env);
}
END_TEST

START_TEST(byte_limit)
{
	enum otlp_signal sig = (enum otlp_signal)_i;
	up(sig);
	for (uint64_t s = 1; s <= 10; s++)
		benv_feed(&env, 0, s, 2, 1, 2);
	env.cfg[0].send_batch_size = 1000;
	env.cfg[0].send_batch_max_bytes = 400;
	ck_assert_int_eq(benv_run(&env, 1, true), 0);
	uint32_t items = 0, batches = 0;
	uint64_t last = 0;
	static char all[4096];
	all[0] = '\0';
	while (benv_take(&env, 0, 2, &took, 0)) {
		ck_assert_uint_le(took.len, 400);
		ck_assert_uint_eq(took.seq, last + 1);
		last = took.seq;
		items += took.items;
		batches++;
		strcat(all, all[0] ? " " : "");
		strcat(all, took.names);
	}
	char want[4096] = "";
	for (uint64_t s = 1; s <= 10; s++)
		btb_names(want, sizeof want, s, 0, 2);
	ck_assert_str_eq(all, want);
	ck_assert_uint_eq(items, 20);
	ck_assert_uint_gt(batches, 2);
	ck_assert_uint_eq(ring_source_seq(&env.outc[0], 0), 10);
	benv_down(&env);
}
END_TEST

START_TEST(timeout_flush)
{
	enum otlp_signal sig = (enum otlp_signal)_i;
	up(sig);
	env.cfg[0].send_batch_size = 1000;
	env.cfg[0].timeout_ns = 20000000ull;
	struct benv_runner r;
	benv_start(&r, &env, 1);
	benv_feed(&env, 0, 1, 3, 1, 2);
	benv_feed(&env, 0, 2, 3, 1, 2);
	uint32_t got = 0;
	for (int i = 0; i < 100 && got < 6; i++) /* bounded: up to 100 x 100 ms */
		if (benv_take(&env, 0, 2, &took, 100000000))
			got += took.items;
	ck_assert_uint_eq(got, 6); /* flushed without reaching send_batch_size */
	ck_assert_int_eq(benv_stop(&r), 0);
	ck_assert_uint_ge(stats_get(st(), STAT_BATCH_FLUSH_TIMEOUT), 1);
	benv_down(&env);
}
END_TEST

/* Records that come one at a time while the lane holds part of a batch
 * (what a saturated process stage produces) are taken without a wake-up
 * each (batch.c polls then): the batch still goes out when it reaches
 * send_batch_size, long before its timeout. */
START_TEST(size_flush_from_records_one_by_one)
{
	enum otlp_signal sig = (enum otlp_signal)_i;
	up(sig);
	env.cfg[0].send_batch_size = 9;
	env.cfg[0].timeout_ns = 60ull * 1000000000ull;
	struct benv_runner r;
	benv_start(&r, &env, 1);
	for (uint64_t s = 1; s <= 3; s++) {
		benv_feed(&env, 0, s, 3, 1, 2);
		struct timespec gap = { 0, 20 * 1000000 };
		nanosleep(&gap, NULL);
	}
	bool got = false;
	for (int i = 0; i < 50 && !got; i++) /* bounded: up to 50 x 100 ms */
		got = benv_take(&env, 0, 2, &took, 100000000);
	ck_assert_msg(got, "no batch within 5 s (timeout 60 s)");
	ck_assert_uint_eq(took.items, 9);
	ck_assert_uint_eq(took.o.resources, 3);
	ck_assert_int_eq(benv_stop(&r), 0);
	ck_assert_uint_eq(stats_get(st(), STAT_BATCH_FLUSH_SIZE), 1);
	ck_assert_uint_eq(stats_get(st(), STAT_BATCH_FLUSH_TIMEOUT), 0);
	benv_down(&env);
}
END_TEST

START_TEST(restart_skips_published)
{
	enum otlp_signal sig = (enum otlp_signal)_i;
	up(sig);
	/* a previous run published inputs up to seq 5 (one OUT record), then
	 * died before committing them */
	struct record *w;
	ck_assert_int_eq(ring_reserve(&env.outp[0], 2, &w, 0), 0);
	memcpy(record_payload(w), "\x0a\x00", 2);
	w->flags = RECORD_F_REQUEST;
	w->signal = env.pipes[0].signal;
	ring_note_source(&env.outp[0], 0, 5);
	ring_publish(&env.outp[0]);
	const struct record *rr;
	ck_assert_int_eq(ring_peek(&env.outc[0], &rr, 0), 0);
	ring_commit(&env.outc[0], ring_cursor(&env.outc[0]));
	for (uint64_t s = 3; s <= 8; s++)
		benv_feed(&env, 0, s, 1, 1, 1);
	env.cfg[0].send_batch_size = 100;
	ck_assert_int_eq(benv_run(&env, 1, true), 0);
	ck_assert(benv_take(&env, 0, 1, &took, 0));
	ck_assert_uint_eq(took.seq, 2);
	ck_assert_str_eq(took.names, "6.0 7.0 8.0");
	ck_assert(!benv_take(&env, 0, 1, &took, 0));
	ck_assert_uint_eq(stats_get(st(), STAT_DUPLICATES_SKIPPED), 3);
	ck_assert_uint_eq(ring_used(&env.midc[0]), 0);
	ck_assert_uint_eq(ring_source_seq(&env.outc[0], 0), 8);
	benv_down(&env);
}
END_TEST

/* A record of 5 Metrics (one of each type) x 13 points over 2 scopes, cut
 * by the item limit, then by the byte limit: every part decodes, holds at
 * most the limit, keeps each point in a Metric like its own, and the
 * parts together hold every point once, in order. */
START_TEST(metrics_split_by_points)
{
	up(OTLP_SIGNAL_METRICS);
	benv_feed(&env, 0, 1, 65, 2, 13);
	env.cfg[0].send_batch_size = 5;
	env.cfg[0].send_batch_max_size = 5;
	ck_assert_int_eq(benv_run(&env, 1, true), 0);
	static char all[8192];
	char want[8192] = "";
	btb_names(want, sizeof want, 1, 0, 65);
	uint32_t parts = 0, points = 0, metrics = 0;
	all[0] = '\0';
	while (benv_take(&env, 0, 13, &took, 0)) {
		ck_assert_uint_eq(took.items, 5);
		parts++;
		points += took.items;
		metrics += took.o.metrics;
		strcat(all, all[0] ? " " : "");
		strcat(all, took.names);
	}
	ck_assert_uint_eq(parts, 13);
	ck_assert_uint_eq(points, 65);
	ck_assert_str_eq(all, want);
	ck_assert_uint_gt(metrics, 5); /* Metrics were cut */
	benv_down(&env);

	up(OTLP_SIGNAL_METRICS);
	benv_feed(&env, 0, 2, 65, 2, 13);
	env.cfg[0].send_batch_max_bytes = 600;
	ck_assert_int_eq(benv_run(&env, 1, true), 0);
	all[0] = '\0';
	want[0] = '\0';
	btb_names(want, sizeof want, 2, 0, 65);
	parts = 0;
	while (benv_take(&env, 0, 13, &took, 0)) {
		ck_assert_uint_le(took.len, 600);
		parts++;
		strcat(all, all[0] ? " " : "");
		strcat(all, took.names);
	}
	ck_assert_uint_gt(parts, 3);
	ck_assert_str_eq(all, want);
	benv_down(&env);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_batch");
	TCase *tc = tcase_create("signals");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, size_trigger_and_drain, OTLP_SIGNAL_TRACES, OTLP_SIGNAL_COUNT);
	tcase_add_loop_test(tc, max_size_and_split, OTLP_SIGNAL_TRACES, OTLP_SIGNAL_COUNT);
	tcase_add_loop_test(tc, byte_limit, OTLP_SIGNAL_TRACES, OTLP_SIGNAL_COUNT);
	tcase_add_loop_test(tc, timeout_flush, OTLP_SIGNAL_TRACES, OTLP_SIGNAL_COUNT);
	tcase_add_loop_test(tc, size_flush_from_records_one_by_one, OTLP_SIGNAL_TRACES, OTLP_SIGNAL_COUNT);
	tcase_add_loop_test(tc, restart_skips_published, OTLP_SIGNAL_TRACES, OTLP_SIGNAL_COUNT);
	tcase_add_test(tc, metrics_split_by_points);
	suite_add_tcase(s, tc);
	return check_run(s, CK_NOFORK) ? EXIT_FAILURE : EXIT_SUCCESS;
}
