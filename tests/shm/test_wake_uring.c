/* tests/shm/test_wake_uring.c - the ring's eventfd wakes an io_uring loop:
 * a child process arms the ring (ring_arm_data), submits an io_uring poll
 * on ring_data_fd and blocks in io_uring_wait_cqe, as the export stage's
 * loop does; the parent publishes a record. Only the eventfd can end the
 * child's wait; a child still waiting after 10 s is a lost wake-up.
 * Exit 77 (skip) if this kernel refuses io_uring. */
#include <check.h>
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/atomic.h"
#include "shm/segment.h"
#include "tests/shm/shm_test.h"
#include "tests/check_run.h"

static char inst[64];

static int child(void)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct segment seg;
	struct ring r;
	const struct record *rec;

	if (segment_attach(&seg, inst) || segment_wake_import(&seg, NULL) || segment_ring(&seg, 0, &r))
		return 2;
	if (io_uring_queue_init(4, &ring, 0))
		return 3;
	for (uint64_t want = 1; want <= 3; want++) {
		int armed = ring_arm_data(&r);

		if (armed < 0)
			return 4;
		if (armed == 0) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			io_uring_prep_poll_add(sqe, ring_data_fd(&r), POLLIN);
			if (io_uring_submit(&ring) != 1 || io_uring_wait_cqe(&ring, &cqe))
				return 5;
			if (!(cqe->res & POLLIN))
				return 6;
			io_uring_cqe_seen(&ring, cqe);
			ring_fd_drain(ring_data_fd(&r));
		}
		if (ring_try_peek(&r, &rec) || rec->seq != want || ring_commit(&r, ring_cursor(&r)))
			return 7;
	}
	io_uring_queue_exit(&ring);
	return 0;
}

START_TEST(test_uring_poll_woken)
{
	struct segment_params p = { .nrings = 1, .ring_capacity = { 8192 } };
	struct segment seg;
	struct ring r;
	char env[128];
	int status = -1;
	pid_t pid;

	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	ck_assert_int_eq(segment_wake_create(&seg), 0);
	ck_assert_int_gt(segment_wake_env(&seg, env, sizeof(env)), 0);
	ck_assert_int_eq(setenv(SEG_WAKE_ENV, env, 1), 0);
	ck_assert_int_eq(segment_ring(&seg, 0, &r), 0);
	pid = fork();
	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0)
		_exit(child());
	ck_assert_int_ge(pid, 0);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		struct record *rec;
		int i;

		/* Publish only once the child sleeps in io_uring_wait_cqe. */
		for (i = 0; i < 10000 && SHM_LOAD_ACQUIRE(&r.ctl->cons_wait) != RING_WAIT_EVENTFD; i++)
			usleep(1000);
		ck_assert_int_lt(i, 10000);
		usleep(10000);
		ck_assert_int_eq(ring_try_reserve(&r, 16, &rec), 0);
		rec->seq = seq;
		ck_assert_int_eq(ring_publish(&r), 1);
	}
	for (int i = 0; i < 10000 && waitpid(pid, &status, WNOHANG) != pid; i++)
		usleep(1000);
	if (!WIFEXITED(status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	segment_wake_close(&seg);
	segment_detach(&seg);
	segment_unlink(inst);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
}
END_TEST

int main(void)
{
	struct io_uring probe;
	Suite *s = suite_create("shm_wake_uring");
	TCase *tc = tcase_create("uring");
	int rc;

	rc = io_uring_queue_init(2, &probe, 0);
	if (rc < 0) {
		fprintf(stderr, "io_uring unavailable (%s): skipping\n", strerror(-rc));
		return 77;
	}
	io_uring_queue_exit(&probe);
	shm_test_instance(inst, sizeof(inst), "uring");
	segment_unlink(inst);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_uring_poll_woken);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
