/* tests/shm/test_crash.c - kill -9 at random moments, restart, and check
 * that nothing is torn, nothing is lost and nothing is duplicated.
 *
 *   P (producer) ==ring 0==> C (stage: copy, restart rule) ==ring 1==> V (verifier)
 *
 * P restarts at ring_last_seq(ring 0) + 1. C restarts at ring 0's committed
 * tail and skips input seq <= ring_last_seq(ring 1), exactly the rule the
 * stages follow. V must see seq 1..N once each, in order, every byte of
 * every payload matching its pattern. The parent kills P or C at random
 * moments for several rounds; after each producer kill it also checks that
 * ring_last_seq(ring 0) names the last record actually visible. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/segment.h"
#include "tests/shm/shm_test.h"
#include "tests/check_run.h"

#define MAXLEN 120
#define STEP_NS (200ll * 1000000) /* each wait; loops below bound the total */
#define STALL_STEPS 50		  /* 10 s without progress = failure */

enum {
	EXIT_TORN = 10,
	EXIT_GAP = 11,
	EXIT_STALL = 12,
	EXIT_SETUP = 13,
	EXIT_ORDER = 14
};

static char inst[64];
static uint64_t total;

/* Attach like a restarted stage; bind ring 0 and/or ring 1. */
static void attach(struct segment *seg, struct ring *r0, struct ring *r1)
{
	if (segment_attach(seg, inst) || (r0 && segment_ring(seg, 0, r0)) || (r1 && segment_ring(seg, 1, r1)))
		_exit(EXIT_SETUP);
}

static void run_producer(void)
{
	struct segment seg;
	struct ring out;
	uint64_t seq;

	attach(&seg, &out, NULL);
	seq = ring_last_seq(&out) + 1; /* the restart rule for a source */
	while (seq <= total) {
		uint32_t batch = 1 + (uint32_t)(seq % 8);

		for (uint32_t i = 0; i < batch && seq <= total; i++, seq++) {
			uint32_t len = shm_test_len(seq, MAXLEN);
			struct record *rec;
			int rc = -ETIMEDOUT;

			for (int step = 0; step < STALL_STEPS && rc == -ETIMEDOUT; step++)
				rc = ring_reserve(&out, len, &rec, STEP_NS);
			if (rc)
				_exit(EXIT_STALL);
			rec->seq = seq;
			rec->items = 1;
			shm_test_fill(record_payload(rec), len, seq);
		}
		ring_publish(&out);
	}
	_exit(0);
}

/* Peek with bounded timed waits; commits what it holds before sleeping. */
static const struct record *next_record(struct ring *in)
{
	const struct record *rec;
	int rc = ring_try_peek(in, &rec);

	if (rc == -EAGAIN) {
		ring_commit(in, ring_cursor(in));
		rc = -ETIMEDOUT;
		for (int step = 0; step < STALL_STEPS && rc == -ETIMEDOUT; step++)
			rc = ring_peek(in, &rec, STEP_NS);
	}
	if (rc)
		_exit(rc == -EBADMSG ? EXIT_TORN : EXIT_STALL);
	if (!shm_test_check(record_cpayload(rec), rec->len, rec->seq) ||
	    rec->len != shm_test_len(rec->seq, MAXLEN))
		_exit(EXIT_TORN);
	return rec;
}

static void run_stage(void)
{
	struct segment seg;
	struct ring in, out;
	uint64_t last_out, prev_in = 0, n = 0;

	attach(&seg, &in, &out);
	last_out = ring_last_seq(&out);
	while (last_out < total) {
		const struct record *rec = next_record(&in);
		struct record *o;
		int rc = -ETIMEDOUT;

		if (rec->seq <= prev_in)
			_exit(EXIT_ORDER);
		prev_in = rec->seq;
		if (rec->seq <= last_out) {
			stats_add(segment_stats(&seg, STAGE_PROCESS), STAT_DUPLICATES_SKIPPED, 1);
			continue;
		}
		if (rec->seq != last_out + 1)
			_exit(EXIT_GAP);
		for (int step = 0; step < STALL_STEPS && rc == -ETIMEDOUT; step++)
			rc = ring_reserve(&out, rec->len, &o, STEP_NS);
		if (rc)
			_exit(EXIT_STALL);
		memcpy(o, rec, RECORD_HDR_SIZE + rec->len);
		ring_publish(&out);
		last_out = rec->seq;
		/* Input is committed only after its output is published. */
		if (++n % 16 == 0)
			ring_commit(&in, ring_cursor(&in));
	}
	ring_commit(&in, ring_cursor(&in));
	_exit(0);
}

static void run_verifier(void)
{
	struct segment seg;
	struct ring in;

	attach(&seg, NULL, &in);
	for (uint64_t seq = 1; seq <= total; seq++) {
		const struct record *rec = next_record(&in);

		if (rec->seq != seq)
			_exit(EXIT_GAP);
	}
	ring_commit(&in, ring_cursor(&in));
	_exit(0);
}

static pid_t spawn(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0)
		fn();
	return pid;
}

/* Wait for pid at most `ms`; kill it if it is still there. Returns the
 * wait status, or -1 on timeout. */
static int wait_bounded(pid_t pid, int ms)
{
	int status;

	for (int i = 0; i < ms; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* With the producer dead nothing in ring 0 is overwritten, so the records
 * from any tail snapshot to head are intact: the last one must be what
 * ring_last_seq reports. If the ring is empty, the stage has forwarded
 * everything, so ring 1 must end at the same seq. */
static int check_last_seq(struct segment *seg, int *checked)
{
	struct ring r0, r1;
	const struct record *rec;
	uint64_t last = 0;

	if (segment_ring(seg, 0, &r0) || segment_ring(seg, 1, &r1))
		return 0;
	while (ring_try_peek(&r0, &rec) == 0)
		last = rec->seq;
	if (last == 0)
		last = ring_last_seq(&r1);
	(*checked)++;
	return last == ring_last_seq(&r0);
}

START_TEST(test_kill_restart)
{
	struct segment_params p = { .nrings = 2, .ring_capacity = { 1 << 16, 1 << 16 } };
	int rounds = getenv("SHM_ROUNDS") ? atoi(getenv("SHM_ROUNDS"))
		     : SHM_TEST_ASAN	  ? 20
					  : 60,
	    status, checked = 0, lastseq_bad = 0;
	int kills[2] = { 0, 0 }, bad_exit = 0;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	struct segment seg;
	pid_t prod, stage, ver;

	total = SHM_TEST_ASAN ? 400000 : 3000000;
	shm_test_instance(inst, sizeof(inst), "crash");
	segment_unlink(inst);
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	fprintf(stderr, "test_kill_restart: seed %u, %llu records\n", seed, (unsigned long long)total);
	srand(seed);
	ver = spawn(run_verifier);
	stage = spawn(run_stage);
	prod = spawn(run_producer);

	for (int round = 0; round < rounds; round++) {
		int victim_is_prod = prod > 0 && (rand() & 1);
		pid_t victim = victim_is_prod ? prod : stage;

		usleep(1000 + (unsigned)(rand() % 15000));
		if (prod > 0 && waitpid(prod, &status, WNOHANG) == prod) {
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				bad_exit++;
			prod = 0; /* finished all records */
			continue;
		}
		kill(victim, SIGKILL);
		waitpid(victim, &status, 0);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			kills[victim_is_prod]++;
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad_exit++;
		if (victim_is_prod) {
			if (!check_last_seq(&seg, &checked))
				lastseq_bad++;
			prod = spawn(run_producer);
		} else {
			stage = spawn(run_stage);
		}
	}
	int sp = prod > 0 ? wait_bounded(prod, 30000) : 0;
	int ss = wait_bounded(stage, 30000);
	int sv = wait_bounded(ver, 30000);
	uint64_t dups = stats_get(segment_stats(&seg, STAGE_PROCESS), STAT_DUPLICATES_SKIPPED);
	struct ring r1;

	fprintf(stderr,
		"test_kill_restart: killed producer %d, stage %d; last_seq checked %d; "
		"duplicates skipped by the restart rule %llu; status P %d S %d V %d bad %d\n",
		kills[1], kills[0], checked, (unsigned long long)dups, sp, ss, sv, bad_exit);
	ck_assert_int_eq(segment_ring(&seg, 1, &r1), 0);
	ck_assert_uint_eq(ring_last_seq(&r1), total);
	segment_detach(&seg);
	segment_unlink(inst);
	ck_assert_int_eq(bad_exit, 0);
	ck_assert_msg(sp == 0, "producer status %d", sp);
	ck_assert_msg(ss == 0, "stage status %d (exit %d)", ss, WEXITSTATUS(ss));
	ck_assert_msg(sv == 0, "verifier status %d (exit %d)", sv, WEXITSTATUS(sv));
	ck_assert_int_eq(lastseq_bad, 0);
	ck_assert_int_gt(kills[0], 0);
	ck_assert_int_gt(kills[1], 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_crash");
	TCase *tc = tcase_create("kill9");

	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, test_kill_restart);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
