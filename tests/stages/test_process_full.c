/* A full MID ring in the process stage: it holds back only the inputs that
 * must reach it. Another IN ring's pipeline keeps flowing while it is full;
 * a fan-out whose other ring took a record before the full one blocked it
 * does not get that record twice, neither in the same run nor after a
 * kill -9 of the stage at that moment (the restarted stage skips by the
 * ring's source seq). Real shared memory; the killed stage is a forked
 * process running the executor. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/stages/tb.h"
#include "tests/stages/test_process_seg.h"
#include "tests/check_run.h"

#define NREC 300
#define NSP 4

static struct segment seg;
static char inst[64];
static uint8_t seen[2][NREC];

static void setup(void)
{
	snprintf(inst, sizeof inst, "stpfull-%d", (int)getpid());
	memset(seen, 0, sizeof seen);
}

static void put(struct ring *r, uint32_t rec)
{
	static struct tb_span sp[NSP];
	static char names[NSP][48];
	size_t len;

	for (int i = 0; i < NSP; i++) {
		snprintf(names[i], sizeof names[i], "r%u.s%d.padding-padding-padding", rec, i);
		sp[i] = (struct tb_span){ .name = names[i], .trace = rec + 1u };
	}
	uint8_t *p = tb_pack(NULL, sp, NSP, &len);
	ck_assert_uint_gt(tps_put(r, p, len, NSP, 0), 0);
	free(p);
}

/* Takes records from r until `want` inputs were seen (each input = one
 * record of NSP spans here), counting them in seen[slot]. */
static unsigned take(struct ring *r, int slot, unsigned want)
{
	unsigned got = 0;

	while (got < want) {
		const struct record *rec = tps_next(r);
		if (!rec)
			break;
		TbRs *rs = tb_unpack(record_cpayload(rec), rec->len);
		ck_assert_ptr_nonnull(rs);
		TbSpan **sp;
		ck_assert_uint_eq(tb_spans(rs, &sp), NSP);
		unsigned x;
		ck_assert_int_eq(sscanf(sp[0]->name, "r%u.", &x), 1);
		ck_assert_uint_lt(x, NREC);
		seen[slot][x]++;
		got++;
		tb_free(rs);
		ring_commit(r, ring_cursor(r));
	}
	return got;
}

static const char *two_receivers(int fanout)
{
	static char y[2048];
	snprintf(y, sizeof y,
		 "receivers:\n"
		 "  otlp/x:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		 "  otlp/y:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		 "exporters:\n  debug/a:\n  debug/b:\n"
		 "service:\n  pipelines:\n"
		 "    traces/a:\n      receivers: [otlp/x]\n      exporters: [debug/a]\n"
		 "    traces/b:\n      receivers: [%s]\n      exporters: [debug/b]\n",
		 fanout ? "otlp/x" : "otlp/y");
	return y;
}

/* MID rings of 16 KiB (a few dozen records) and the IN ring(s) of 1 MiB. */
static void open_rings(const struct sluice_config *cfg, struct ring *ma, struct ring *mb)
{
	tps_segment(&seg, inst, cfg, 1 << 20, 16 << 10);
	segment_ring(&seg, (uint32_t)cfg->plan->pipelines[0].mid_ring, ma);
	segment_ring(&seg, (uint32_t)cfg->plan->pipelines[1].mid_ring, mb);
}

START_TEST(full_ring_does_not_stop_other_pipeline)
{
	struct sluice_config *cfg = tps_load("%s", two_receivers(0));
	ck_assert_uint_eq(cfg->plan->n_in, 2);
	struct ring inx, iny, ma, mb;
	open_rings(cfg, &ma, &mb);
	int rx = cfg->plan->rings[0].pipelines == 1 ? 0 : 1;
	segment_ring(&seg, (uint32_t)rx, &inx);
	segment_ring(&seg, (uint32_t)!rx, &iny);
	struct tps_runner run;
	tps_start(&run, cfg, &seg, NULL);
	/* a's MID ring fills and stays full: nobody reads it yet */
	for (uint32_t r = 0; r < NREC; r++)
		put(&inx, r);
	for (uint32_t r = 0; r < NREC; r++)
		put(&iny, r);
	ck_assert_uint_eq(take(&mb, 1, NREC), NREC);
	/* all of b went through while a was full, and a still holds back x */
	ck_assert_uint_gt(ring_used(&inx), 0);
	ck_assert_uint_gt(stats_get(&run.st, STAT_RING_FULL_WAITS), 0);
	ck_assert_uint_eq(take(&ma, 0, NREC), NREC);
	ck_assert_int_eq(tps_stop(&run), 0);
	for (uint32_t r = 0; r < NREC; r++) {
		ck_assert_uint_eq(seen[0][r], 1);
		ck_assert_uint_eq(seen[1][r], 1);
	}
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}
END_TEST

/* Takes what ring r holds now (no wait). */
static unsigned take_now(struct ring *r, int slot)
{
	unsigned n = 0;
	const struct record *rec;

	while (ring_peek(r, &rec, 0) == 0) {
		ring_rewind(r);
		n += take(r, slot, 1);
	}
	return n;
}

/* Reads b (never a) until the stage holds an input that b has and a's
 * full ring waits for; returns the inputs read from b. */
static unsigned until_b_ahead(struct ring *ma, struct ring *mb)
{
	uint64_t give_up = tps_now_ns() + 20000000000ull, last = 0;
	unsigned b = 0;

	for (;;) {
		b += take_now(mb, 1);
		uint64_t sb = ring_source_seq(mb, 0), sa = ring_source_seq(ma, 0);
		if (sb > sa && sb == last && ring_used(ma) > (8 << 10))
			return b;
		last = sb;
		ck_assert_msg(tps_now_ns() < give_up, "b %llu a %llu", (unsigned long long)sb,
			      (unsigned long long)sa);
		usleep(20000);
	}
}

/* Reads a and b together until they gave want_a and want_b inputs. */
static void take_both(struct ring *ma, struct ring *mb, unsigned want_a, unsigned want_b)
{
	uint64_t give_up = tps_now_ns() + 20000000000ull;
	unsigned a = 0, b = 0;

	while (a < want_a || b < want_b) {
		unsigned na = take_now(ma, 0), nb = take_now(mb, 1), n = na + nb;
		a += na;
		b += nb;
		ck_assert_msg(tps_now_ns() < give_up, "a %u of %u, b %u of %u", a, want_a, b, want_b);
		if (!n)
			usleep(1000);
	}
}

/* One IN ring fanned out to a and b, a's ring full: b gets the input a
 * waits for (partial progress) and not again when a frees. */
START_TEST(fanout_partial_progress_once)
{
	struct sluice_config *cfg = tps_load("%s", two_receivers(1));
	struct ring in, ma, mb;
	open_rings(cfg, &ma, &mb);
	segment_ring(&seg, 0, &in);
	struct tps_runner run;
	tps_start(&run, cfg, &seg, NULL);
	for (uint32_t r = 0; r < NREC; r++)
		put(&in, r);
	unsigned b = until_b_ahead(&ma, &mb);
	ck_assert_uint_lt(b, NREC);
	take_both(&ma, &mb, NREC, NREC - b);
	ck_assert_int_eq(tps_stop(&run), 0);
	for (uint32_t r = 0; r < NREC; r++) {
		ck_assert_uint_eq(seen[0][r], 1);
		ck_assert_uint_eq(seen[1][r], 1);
	}
	const struct record *rec;
	ck_assert_int_eq(ring_peek(&mb, &rec, 0), -EAGAIN);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}
END_TEST

/* The same, with a kill -9 while an input is published to b and waits for
 * a: the restarted stage must not publish it to b again. */
START_TEST(fanout_partial_progress_kill9)
{
	struct sluice_config *cfg = tps_load("%s", two_receivers(1));
	struct ring in, ma, mb;
	open_rings(cfg, &ma, &mb);
	segment_ring(&seg, 0, &in);
	for (uint32_t r = 0; r < NREC; r++)
		put(&in, r);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct process *p;
		char err[256];
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (process_new(&p, cfg, &seg, &(struct process_opts){ 0 }, err, sizeof err) < 0)
			_exit(3);
		process_run(p);
		_exit(4);
	}
	unsigned b = until_b_ahead(&ma, &mb);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_uint_gt(ring_source_seq(&mb, 0), ring_source_seq(&ma, 0));
	/* the restarted stage, and both rings read to the end */
	struct tps_runner run;
	tps_start(&run, cfg, &seg, NULL);
	take_both(&ma, &mb, NREC, NREC - b);
	ck_assert_int_eq(tps_stop(&run), 0);
	for (uint32_t r = 0; r < NREC; r++) {
		ck_assert_uint_eq(seen[0][r], 1);
		ck_assert_uint_eq(seen[1][r], 1);
	}
	const struct record *rec;
	ck_assert_int_eq(ring_peek(&mb, &rec, 0), -EAGAIN);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_process_full");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, full_ring_does_not_stop_other_pipeline);
	tcase_add_test(tc, fanout_partial_progress_once);
	tcase_add_test(tc, fanout_partial_progress_kill9);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
