/* tests/shm/test_sources.c - the per-source sequence table
 * (ring_note_source / ring_source_seq): semantics in one process, each
 * intermediate state of a publish emulated, and kill -9 of a producer at
 * random moments.
 *
 * Kill test: the producer publishes batches of 1..8 records; before each
 * publish it notes new input seqs for a random subset of its 8 sources,
 * and every record of the batch carries the whole table it believes in
 * (8 x u64). A restarted producer starts from ring_source_seq, as a stage
 * would. After each kill the parent, the only consumer, reads what is
 * visible: seqs must run on by one (no gap, no duplicate), every carried
 * table must be per-source non-decreasing, and ring_source_seq must equal
 * the table carried by the last visible record: whatever instruction the
 * producer died on. */
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

#define CAP 4096u
#define NSRC RING_MAX_SOURCES
#define TABLE_BYTES (NSRC * 8)

static void *mem;
static struct ring prod, cons;

static void setup(void)
{
	mem = aligned_alloc(64, RING_CTRL_SIZE + CAP);
	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(ring_format(mem, CAP), 0);
	ck_assert_int_eq(ring_init(&prod, mem, -1, -1), 0);
	ck_assert_int_eq(ring_init(&cons, mem, -1, -1), 0);
}

static void teardown(void)
{
	free(mem);
}

static int put(struct ring *r, uint32_t len)
{
	struct record *rec;
	int rc = ring_try_reserve(r, len, &rec);

	if (rc)
		return rc;
	shm_test_fill(record_payload(rec), len, rec->seq);
	return ring_publish(r) == 1 ? 0 : -1;
}

START_TEST(test_semantics)
{
	for (uint32_t k = 0; k < NSRC; k++)
		ck_assert_uint_eq(ring_source_seq(&cons, k), 0);
	ck_assert_int_eq(ring_note_source(&prod, NSRC, 1), -EINVAL);
	ck_assert_uint_eq(ring_source_seq(&cons, NSRC), 0);
	ck_assert_int_eq(ring_note_source(&prod, 0, 5), 0);
	ck_assert_int_eq(ring_note_source(&prod, 3, 9), 0);
	ck_assert_uint_eq(ring_source_seq(&cons, 0), 0); /* not before the publish */
	ck_assert_int_eq(ring_publish(&prod), 0);	 /* nothing reserved: nothing */
	ck_assert_uint_eq(ring_source_seq(&cons, 0), 0);
	ck_assert_int_eq(put(&prod, 10), 0);
	ck_assert_uint_eq(ring_source_seq(&cons, 0), 5);
	ck_assert_uint_eq(ring_source_seq(&cons, 3), 9);
	ck_assert_uint_eq(ring_source_seq(&cons, 1), 0);
	ck_assert_int_eq(ring_note_source(&prod, 0, 6), 0); /* only source 0 moves */
	ck_assert_int_eq(put(&prod, 10), 0);
	ck_assert_uint_eq(ring_source_seq(&cons, 0), 6);
	ck_assert_uint_eq(ring_source_seq(&cons, 3), 9); /* carried on */
	/* a restarted producer carries the table on too */
	ck_assert_int_eq(ring_init(&prod, mem, -1, -1), 0);
	ck_assert_int_eq(ring_note_source(&prod, 7, 1), 0);
	ck_assert_int_eq(put(&prod, 10), 0);
	ck_assert_uint_eq(ring_source_seq(&cons, 0), 6);
	ck_assert_uint_eq(ring_source_seq(&cons, 3), 9);
	ck_assert_uint_eq(ring_source_seq(&cons, 7), 1);
	ck_assert_uint_eq(ring_last_seq(&cons), 3); /* the ring's own count */
}
END_TEST

/* The producer dies between the instructions of ring_publish: the other
 * slot written in part or in full, head not stored. */
START_TEST(test_crash_points)
{
	struct ring_ctrl *ctl = mem;
	struct record *rec;

	ck_assert_int_eq(ring_note_source(&prod, 2, 40), 0);
	ck_assert_int_eq(put(&prod, 8), 0);
	uint64_t h = atomic_load(&ctl->head);
	int other = atomic_load(&ctl->last[0].head_after) == h ? 1 : 0;

	/* died after writing some of the other slot's table */
	atomic_store(&ctl->last[other].src[2], 41);
	atomic_store(&ctl->last[other].src[5], 7);
	ck_assert_uint_eq(ring_source_seq(&cons, 2), 40);
	ck_assert_uint_eq(ring_source_seq(&cons, 5), 0);
	/* ... and its head_after, with the record reserved but head not stored */
	ck_assert_int_eq(ring_try_reserve(&prod, 8, &rec), 0);
	atomic_store(&ctl->last[other].head_after, h + record_size(8));
	ck_assert_uint_eq(ring_source_seq(&cons, 2), 40);
	/* the restarted producer redoes that input: its publish becomes the
	 * truth, and the table it publishes is the old one plus its notes */
	ck_assert_int_eq(ring_init(&prod, mem, -1, -1), 0);
	ck_assert_int_eq(ring_note_source(&prod, 2, 41), 0);
	ck_assert_int_eq(put(&prod, 8), 0);
	ck_assert_uint_eq(ring_source_seq(&cons, 2), 41);
	ck_assert_uint_eq(ring_source_seq(&cons, 5), 0);
	for (int i = 0; i < 30; i++) { /* slots alternate; values stay right */
		const struct record *got;

		ck_assert_int_eq(ring_note_source(&prod, (uint32_t)i % NSRC, 100 + (uint64_t)i), 0);
		ck_assert_int_eq(put(&prod, 8), 0);
		ck_assert_uint_eq(ring_source_seq(&cons, (uint32_t)i % NSRC), 100 + (uint64_t)i);
		ck_assert_int_eq(ring_try_peek(&cons, &got), 0);
		ck_assert_int_eq(ring_commit(&cons, ring_cursor(&cons)), 0);
	}
}
END_TEST

/* ---- kill -9 ---- */

static char inst[64];

static uint64_t table_max(const uint64_t *t)
{
	uint64_t m = 0;

	for (unsigned k = 0; k < NSRC; k++)
		m = t[k] > m ? t[k] : m;
	return m;
}

static void run_producer(unsigned seed)
{
	struct segment seg;
	struct ring out;
	uint64_t believed[NSRC], counter;

	if (segment_attach(&seg, inst) || segment_ring(&seg, 0, &out))
		_exit(2);
	for (unsigned k = 0; k < NSRC; k++)
		believed[k] = ring_source_seq(&out, k); /* the restart rule */
	counter = table_max(believed);
	srand(seed);
	for (;;) {
		unsigned batch = 1 + (unsigned)rand() % 8, mask = 1 + (unsigned)rand() % 255;

		for (unsigned k = 0; k < NSRC; k++)
			if (mask & (1u << k)) {
				believed[k] = ++counter;
				ring_note_source(&out, k, believed[k]);
			}
		for (unsigned i = 0; i < batch; i++) {
			struct record *rec;
			int rc = -ETIMEDOUT;

			for (int step = 0; step < 100 && rc == -ETIMEDOUT; step++)
				rc = ring_reserve(&out, TABLE_BYTES, &rec, 100 * 1000000ll);
			if (rc)
				_exit(3);
			memcpy(record_payload(rec), believed, TABLE_BYTES);
		}
		ring_publish(&out);
	}
}

struct checker {
	uint64_t next_seq;    /* seq the next visible record must have */
	uint64_t table[NSRC]; /* carried by the last record seen */
	uint64_t records;
};

/* With the producer dead: read everything visible and check it. 1 if good. */
static int check_round(struct segment *seg, struct checker *ck)
{
	const struct record *rec;
	struct ring r;
	int ok = 1;

	if (segment_ring(seg, 0, &r))
		return 0;
	while (ring_try_peek(&r, &rec) == 0) {
		uint64_t t[NSRC];

		ok &= rec->seq == ck->next_seq && rec->len == TABLE_BYTES;
		memcpy(t, record_cpayload(rec), TABLE_BYTES);
		for (unsigned k = 0; k < NSRC; k++)
			ok &= t[k] >= ck->table[k];
		memcpy(ck->table, t, TABLE_BYTES);
		ck->next_seq = rec->seq + 1;
		ck->records++;
	}
	for (unsigned k = 0; k < NSRC; k++)
		ok &= ring_source_seq(&r, k) == ck->table[k];
	ok &= ring_last_seq(&r) == ck->next_seq - 1;
	ring_commit(&r, ring_cursor(&r));
	return ok;
}

START_TEST(test_kill_producer)
{
	struct segment_params p = { .nrings = 1, .ring_capacity = { 16 << 20 } };
	int rounds = SHM_TEST_ASAN ? 60 : 400, bad = 0, kills = 0, status;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	struct checker ck = { .next_seq = 1 };
	struct segment seg;

	shm_test_instance(inst, sizeof(inst), "sources");
	segment_unlink(inst);
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	fprintf(stderr, "test_kill_producer: seed %u\n", seed);
	srand(seed);
	for (int round = 0; round < rounds; round++) {
		unsigned child_seed = (unsigned)rand();
		pid_t pid = fork();

		/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
		if (pid == 0)
			run_producer(child_seed);
		ck_assert_int_ge(pid, 0);
		/* some rounds kill it while it starts up */
		usleep(round % 7 == 0 ? (unsigned)(rand() % 300) : 300 + (unsigned)(rand() % 3000));
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			kills++;
		else
			bad++; /* it exited on its own: setup or stall */
		if (!check_round(&seg, &ck)) {
			bad++;
			fprintf(stderr, "round %d: inconsistent after the kill (next seq %llu)\n", round,
				(unsigned long long)ck.next_seq);
		}
	}
	fprintf(stderr, "test_kill_producer: %d kills, %llu records, table max %llu\n", kills,
		(unsigned long long)ck.records, (unsigned long long)table_max(ck.table));
	segment_detach(&seg);
	segment_unlink(inst);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(kills, rounds);
	ck_assert_uint_gt(ck.records, 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_sources");
	TCase *tc = tcase_create("table");
	TCase *tk = tcase_create("kill9");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_semantics);
	tcase_add_test(tc, test_crash_points);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tk, 120);
	tcase_add_test(tk, test_kill_producer);
	suite_add_tcase(s, tk);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
