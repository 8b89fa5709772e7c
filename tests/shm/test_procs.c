/* tests/shm/test_procs.c - two real processes sharing a segment: the parent
 * produces, a forked child consumes. Every sequence number must arrive
 * once and in order, every payload byte must match its pattern, and the
 * checksums computed on both sides must agree. 10 M small records (1 M
 * under ASan), and a run of large records that wrap with big PADs. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/segment.h"
#include "tests/shm/shm_test.h"
#include "tests/check_run.h"

#define WAIT_NS (10ll * 1000000000) /* a stall this long is a failure */

struct report {
	uint64_t count;
	uint64_t bad_seq;
	uint64_t bad_bytes;
	uint64_t sum;
	int64_t rc;
};

static void consume(struct segment *seg, uint64_t count, uint32_t maxlen, int fd)
{
	struct report rep = { .sum = 14695981039346656037ull };
	const struct record *rec;
	struct ring r;

	rep.rc = segment_ring(seg, 0, &r);
	for (uint64_t seq = 1; !rep.rc && seq <= count; seq++) {
		/* Commit before sleeping: a producer waiting for the space we
		 * hold uncommitted would otherwise wait for us forever. */
		rep.rc = ring_try_peek(&r, &rec);
		if (rep.rc == -EAGAIN) {
			ring_commit(&r, ring_cursor(&r));
			rep.rc = ring_peek(&r, &rec, WAIT_NS);
		}
		if (rep.rc)
			break;
		if (rec->seq != seq || rec->len != shm_test_len(seq, maxlen))
			rep.bad_seq++;
		else if (!shm_test_check(record_cpayload(rec), rec->len, seq))
			rep.bad_bytes++;
		rep.sum = shm_test_sum(rep.sum, rec);
		rep.count++;
		/* Commit in groups, as a stage would after its output is safe. */
		if (seq % 32 == 0 || seq == count)
			rep.rc = ring_commit(&r, ring_cursor(&r));
	}
	if (write(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(3);
	_exit(0);
}

static void run_pair(const char *tag, uint64_t count, uint32_t maxlen, uint64_t cap)
{
	struct segment_params p = { .nrings = 1, .ring_capacity = { cap } };
	uint64_t sum = 14695981039346656037ull;
	struct segment seg;
	struct report rep;
	struct ring r;
	char inst[64];
	int pfd[2], status;
	pid_t pid;

	shm_test_instance(inst, sizeof(inst), tag);
	segment_unlink(inst);
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		close(pfd[0]);
		consume(&seg, count, maxlen, pfd[1]);
	}
	ck_assert_int_ge(pid, 0);
	close(pfd[1]);
	ck_assert_int_eq(segment_ring(&seg, 0, &r), 0);

	uint64_t seq = 1, failures = 0;
	while (seq <= count) {
		/* Batches of 1..16 records published together. */
		uint32_t batch = 1 + (uint32_t)(seq % 16);

		for (uint32_t i = 0; i < batch && seq <= count; i++, seq++) {
			uint32_t len = shm_test_len(seq, maxlen);
			struct record *rec;
			int rc = ring_reserve(&r, len, &rec, WAIT_NS);

			if (rc) {
				failures++;
				seq = count + 1;
				break;
			}
			rec->seq = seq;
			rec->items = 1;
			shm_test_fill(record_payload(rec), len, seq);
			sum = shm_test_sum(sum, rec);
		}
		ring_publish(&r);
	}
	ck_assert_uint_eq(failures, 0);
	ck_assert_int_eq(read(pfd[0], &rep, sizeof(rep)), (ssize_t)sizeof(rep));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(rep.rc, 0);
	ck_assert_uint_eq(rep.count, count);
	ck_assert_uint_eq(rep.bad_seq, 0);
	ck_assert_uint_eq(rep.bad_bytes, 0);
	ck_assert_uint_eq(rep.sum, sum);
	ck_assert_uint_eq(ring_last_seq(&r), count);
	ck_assert_uint_eq(ring_used(&r), 0);
	close(pfd[0]);
	segment_detach(&seg);
	segment_unlink(inst);
}

START_TEST(test_ten_million_small)
{
	run_pair("small", SHM_TEST_ASAN ? 1000000 : 10000000, 200, 1 << 20);
}
END_TEST

START_TEST(test_large_records)
{
	/* Up to 60 KiB in a 256 KiB ring: frequent wraps with large PADs and a
	 * full ring on most reserves. */
	run_pair("large", SHM_TEST_ASAN ? 5000 : 40000, 60 * 1024, 256 * 1024);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_procs");
	TCase *tc = tcase_create("two_processes");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ten_million_small);
	tcase_add_test(tc, test_large_records);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
