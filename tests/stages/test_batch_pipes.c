/* The batch stage with two pipelines in one loop: each with its own
 * settings and signal side by side, a full OUT ring of one that does not
 * stop the other, and corrupt MID records (a payload, a header, an
 * oversized record) that are quarantined while the rest is delivered. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/stages/test_batch_env.h"
#include "tests/check_run.h"

static struct benv env;
static struct benv_took took;

START_TEST(two_pipelines_side_by_side)
{
	const uint64_t out[2] = { 1u << 20, 1u << 20 };
	const enum otlp_signal sig[2] = { OTLP_SIGNAL_TRACES, OTLP_SIGNAL_LOGS };
	benv_up(&env, 1u << 20, out, sig);
	env.cfg[0].send_batch_size = 4;
	env.cfg[0].send_batch_max_size = 4;
	env.cfg[1].send_batch_size = 100;
	for (uint64_t s = 1; s <= 10; s++) {
		benv_feed(&env, 0, s, 1, 1, 1);
		benv_feed(&env, 1, s, 3, 1, 1);
	}
	ck_assert_int_eq(benv_run(&env, 2, true), 0);
	const uint32_t want0[] = { 4, 4, 2 };
	for (int i = 0; i < 3; i++) {
		ck_assert(benv_take(&env, 0, 1, &took, 0));
		ck_assert_uint_eq(took.items, want0[i]);
		ck_assert_uint_eq(took.seq, (uint64_t)i + 1);
	}
	ck_assert(!benv_take(&env, 0, 1, &took, 0));
	ck_assert(benv_take(&env, 1, 1, &took, 0));
	ck_assert_uint_eq(took.items, 30);
	ck_assert_uint_eq(took.seq, 1);
	char want[1024] = "";
	for (uint64_t s = 1; s <= 10; s++)
		btb_names(want, sizeof want, s, 0, 3);
	ck_assert_str_eq(took.names, want);
	ck_assert(!benv_take(&env, 1, 1, &took, 0));
	struct seg_component *a = segment_component(&env.seg, 0), *b = segment_component(&env.seg, 1);
	ck_assert_uint_eq(seg_component_get(a, SEG_C_IN), 10);
	ck_assert_uint_eq(seg_component_get(a, SEG_C_OUT), 10);
	ck_assert_uint_eq(seg_component_get(b, SEG_C_IN), 30);
	ck_assert_uint_eq(seg_component_get(b, SEG_C_OUT), 30);
	ck_assert_uint_eq(stats_get(segment_stats(&env.seg, STAGE_BATCH), STAT_SPANS_OUT), 40);
	benv_down(&env);
}
END_TEST

START_TEST(full_out_ring_does_not_stop_the_other)
{
	const uint64_t out[2] = { 16u << 10, 1u << 20 }; /* pipeline a: a small OUT ring */
	const enum otlp_signal sig[2] = { OTLP_SIGNAL_METRICS, OTLP_SIGNAL_LOGS };
	benv_up(&env, 1u << 20, out, sig);
	env.cfg[0].timeout_ns = 0; /* every record its own request */
	env.cfg[1].timeout_ns = 0;
	enum {
		NA = 300,
		NB = 100
	};
	for (uint64_t s = 1; s <= NA; s++)
		benv_feed(&env, 0, s, 2, 1, 2);
	struct benv_runner r;
	benv_start(&r, &env, 2);
	/* nobody reads OUT a: it fills and a waits, while b flows */
	uint32_t got = 0;
	for (uint64_t s = 1; s <= NB; s++)
		benv_feed(&env, 1, s, 1, 1, 1);
	for (int i = 0; i < 200 && got < NB; i++) /* bounded: 200 x 100 ms at most */
		while (benv_take(&env, 1, 1, &took, 100000000)) {
			char want[64] = "";
			btb_names(want, sizeof want, got + 1, 0, 1);
			ck_assert_str_eq(took.names, want);
			got++;
		}
	ck_assert_uint_eq(got, NB);
	ck_assert_uint_gt(ring_used(&env.midc[0]), 0); /* a still has input waiting */
	ck_assert_uint_ge(stats_get(segment_stats(&env.seg, STAGE_BATCH), STAT_RING_FULL_WAITS), 1);
	/* now drain OUT a: every record once, in order */
	uint64_t next = 1;
	for (int i = 0; i < 200 && next <= NA; i++)
		while (benv_take(&env, 0, 2, &took, 100000000)) {
			char want[64] = "";
			btb_names(want, sizeof want, next, 0, 2);
			ck_assert_str_eq(took.names, want);
			next++;
		}
	ck_assert_uint_eq(next, NA + 1);
	ck_assert_int_eq(benv_stop(&r), 0);
	benv_down(&env);
}
END_TEST

/* The parts of a cut record appear together: while the OUT ring lacks room
 * for all of them, none is visible; once it has room, all are. */
START_TEST(cut_record_waits_for_room_for_all_parts)
{
	const uint64_t out[2] = { 64u << 10, 1u << 20 };
	const enum otlp_signal sig[2] = { OTLP_SIGNAL_TRACES, OTLP_SIGNAL_LOGS };
	benv_up(&env, 1u << 20, out, sig);
	env.cfg[0].timeout_ns = 0;
	env.cfg[0].send_batch_size = 50;
	env.cfg[0].send_batch_max_size = 50;
	struct benv_runner r;
	benv_start(&r, &env, 1);
	uint64_t s = 1;
	while (ring_used(&env.outc[0]) < (40u << 10)) { /* ~40 of 64 KiB taken, not read */
		benv_feed(&env, 0, s++, 40, 1, 1);
		for (int i = 0; i < 1000 && ring_used(&env.midc[0]) > 0; i++)
			usleep(1000); /* bounded: the stage takes it */
		ck_assert_uint_eq(ring_used(&env.midc[0]), 0);
	}
	uint64_t small = s - 1;
	uint64_t used = ring_used(&env.outc[0]);
	struct record *big = benv_feed(&env, 0, s, 1000, 2, 1); /* 20 parts */
	ck_assert_uint_gt(big->len, (64u << 10) - used);	/* that do not fit now */
	ck_assert_uint_lt(big->len, 48u << 10);			/* but in an empty ring */
	for (int i = 0; i < 50 && ring_used(&env.midc[0]) > 0; i++)
		usleep(2000); /* bounded: the stage takes what it can */
	usleep(50000);
	const struct record *rec;
	uint64_t seen = 0;
	while (ring_peek(&env.outc[0], &rec, 0) == 0) /* look without freeing room */
		ck_assert_uint_le(++seen, small);     /* no part of the big one yet */
	ring_rewind(&env.outc[0]);
	ck_assert_uint_eq(seen, small);
	for (uint64_t k = 1; k <= small; k++)
		ck_assert(benv_take(&env, 0, 1, &took, 1000000000));
	static char all[65536], want[65536];
	all[0] = want[0] = '\0';
	btb_names(want, sizeof want, s, 0, 1000);
	for (int part = 0; part < 20; part++) {
		ck_assert(benv_take(&env, 0, 1, &took, 1000000000));
		ck_assert_uint_eq(took.seq, small + 1 + (uint64_t)part);
		strcat(all, all[0] ? " " : "");
		strcat(all, took.names);
	}
	ck_assert_str_eq(all, want);
	ck_assert_int_eq(benv_stop(&r), 0);
	benv_down(&env);
}
END_TEST

/* Parts that together exceed the OUT ring go one by one, each as room
 * frees: all arrive, in order. */
START_TEST(parts_larger_than_the_out_ring_go_one_by_one)
{
	const uint64_t out[2] = { 16u << 10, 1u << 20 };
	const enum otlp_signal sig[2] = { OTLP_SIGNAL_LOGS, OTLP_SIGNAL_TRACES };
	benv_up(&env, 1u << 20, out, sig);
	env.cfg[0].send_batch_size = 20;
	env.cfg[0].send_batch_max_size = 20;
	env.cfg[0].timeout_ns = 1000000;
	struct benv_runner r;
	benv_start(&r, &env, 1);
	benv_feed(&env, 0, 1, 600, 3, 1); /* ~30 KiB: twice the OUT ring */
	benv_feed(&env, 0, 2, 5, 1, 1);
	static char all[65536], want[65536];
	all[0] = want[0] = '\0';
	btb_names(want, sizeof want, 1, 0, 600);
	btb_names(want, sizeof want, 2, 0, 5);
	uint32_t items = 0;
	uint64_t last = 0;
	for (int i = 0; i < 100 && items < 605; i++) /* bounded: 100 x 100 ms */
		while (benv_take(&env, 0, 1, &took, 100000000)) {
			ck_assert_uint_eq(took.seq, ++last);
			ck_assert_uint_le(took.items, 20);
			items += took.items;
			strcat(all, all[0] ? " " : "");
			strcat(all, took.names);
		}
	ck_assert_str_eq(all, want);
	ck_assert_int_eq(benv_stop(&r), 0);
	benv_down(&env);
}
END_TEST

/* Reads the quarantine file of ring "mid:a"; malloc'd, *len its size. */
static uint8_t *read_quarantine(size_t *len)
{
	char path[256];
	snprintf(path, sizeof path, "%s/mid:a.quarantine", env.qdir);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "no quarantine file %s", path);
	uint8_t *buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

enum damage {
	DAMAGE_PAYLOAD = 0,   /* a payload byte: found in the copy */
	DAMAGE_HEADER = 1,    /* a flag no producer writes: found by the peek */
	DAMAGE_OVERSIZED = 2, /* a payload byte of a record to cut */
	DAMAGE_SEQ = 3,	      /* a seq that looks published before a restart */
};

/* Records 1..6 (3 items each; record 3 of 30 for the oversized case, over
 * send_batch_max_size); record 3 is damaged after it was published. For
 * DAMAGE_SEQ a previous run published records 1 and 2, and record 3's seq
 * turns into 1: it must not pass for a duplicate. */
START_TEST(corrupt_record_quarantined)
{
	enum damage how = (enum damage)_i;
	const uint64_t out[2] = { 1u << 20, 1u << 20 };
	const enum otlp_signal sig[2] = { how == DAMAGE_HEADER ? OTLP_SIGNAL_LOGS : OTLP_SIGNAL_METRICS,
					  OTLP_SIGNAL_TRACES };
	benv_up(&env, 1u << 20, out, sig);
	env.cfg[0].send_batch_size = 20;
	env.cfg[0].send_batch_max_size = 20;
	struct record *bad = NULL;
	for (uint64_t s = 1; s <= 6; s++) {
		struct record *r = benv_feed(&env, 0, s, s == 3 && how == DAMAGE_OVERSIZED ? 30 : 3, 1, 2);
		if (s == 3)
			bad = r;
	}
	uint32_t bad_len = bad->len;
	uint8_t *copy = malloc(bad_len);
	if (how == DAMAGE_HEADER) {
		bad->flags |= 0x4000; /* no producer writes that flag */
	} else if (how == DAMAGE_SEQ) {
		struct record *w;
		ck_assert_int_eq(ring_reserve(&env.outp[0], 2, &w, 0), 0);
		memcpy(record_payload(w), "\x0a\x00", 2);
		w->flags = RECORD_F_REQUEST;
		w->signal = env.pipes[0].signal;
		ring_note_source(&env.outp[0], 0, 2);
		ring_publish(&env.outp[0]);
		const struct record *rr;
		ck_assert_int_eq(ring_peek(&env.outc[0], &rr, 0), 0);
		ring_commit(&env.outc[0], ring_cursor(&env.outc[0]));
		bad->seq = 1;
	} else {
		record_payload(bad)[bad_len / 2] ^= 0x20;
	}
	memcpy(copy, record_cpayload(bad), bad_len);
	ck_assert_int_eq(benv_run(&env, 1, true), 0);
	static char all[4096];
	all[0] = '\0';
	while (benv_take(&env, 0, 2, &took, 0)) {
		strcat(all, all[0] ? " " : "");
		strcat(all, took.names);
	}
	char want[4096] = "";
	for (uint64_t s = how == DAMAGE_SEQ ? 4 : 1; s <= 6; s++)
		if (s != 3)
			btb_names(want, sizeof want, s, 0, 3);
	ck_assert_str_eq(all, want);
	ck_assert_uint_eq(ring_corrupt_records(&env.midc[0]), 1);
	ck_assert_uint_eq(ring_used(&env.midc[0]), 0);
	size_t qlen;
	uint8_t *q = read_quarantine(&qlen);
	ck_assert_msg(memmem(q, qlen, copy, bad_len) != NULL, "the damaged bytes are not in the quarantine");
	ck_assert_msg(memmem(q, qlen, "ring=mid:a", 10) != NULL, "quarantine header line");
	free(q);
	free(copy);
	benv_down(&env);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_batch_pipes");
	TCase *tc = tcase_create("pipes");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, two_pipelines_side_by_side);
	tcase_add_test(tc, full_out_ring_does_not_stop_the_other);
	tcase_add_test(tc, cut_record_waits_for_room_for_all_parts);
	tcase_add_test(tc, parts_larger_than_the_out_ring_go_one_by_one);
	tcase_add_loop_test(tc, corrupt_record_quarantined, DAMAGE_PAYLOAD, DAMAGE_SEQ + 1);
	suite_add_tcase(s, tc);
	return check_run(s, CK_NOFORK) ? EXIT_FAILURE : EXIT_SUCCESS;
}
