/* tests/shm/test_wake.c - a sleeper is actually woken: a consumer asleep in
 * futex_wait (no timeout) gets the record the other process publishes; a
 * producer asleep on a full ring gets space when the other process commits;
 * a poller on the ring's eventfd (as an io_uring loop would) becomes
 * readable; a signal interrupts a sleep with -EINTR. A consumer that just
 * had data naps (RING_WAIT_NAP), the producer leaves it be unless the ring
 * fills, and a nap that finds nothing ends in a sleep only a wake ends.
 *
 * The sleepers wait WITHOUT a timeout, so only a wake can end them; the
 * parent bounds the whole test by killing a sleeper that is still there
 * after 10 s (a lost wake-up), which fails the test. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt/clock.h"
#include "shm/atomic.h"
#include "shm/segment.h"
#include "tests/shm/shm_test.h"
#include "tests/check_run.h"

static char inst[64];
static struct segment seg;

static void setup(void)
{
	struct segment_params p = { .nrings = 1, .ring_capacity = { 8192 } };

	shm_test_instance(inst, sizeof(inst), "wake");
	segment_unlink(inst);
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	ck_assert_int_eq(segment_wake_create(&seg), 0);
}

static void teardown(void)
{
	segment_wake_close(&seg);
	segment_detach(&seg);
	segment_unlink(inst);
}

/* Wait until the word says the other process sleeps (bounded: 10 s). */
static int wait_for_sleeper(_Atomic uint32_t *word, uint32_t how)
{
	for (int i = 0; i < 10000; i++) {
		if (SHM_LOAD_ACQUIRE(word) == how)
			return 1;
		usleep(1000);
	}
	return 0;
}

/* Wait until pid is blocked in a syscall (state 'S'), bounded: 10 s. */
static int wait_blocked(pid_t pid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	for (int i = 0; i < 10000; i++) {
		FILE *f = fopen(path, "r");
		char *rp;

		if (f) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);

			fclose(f);
			buf[n] = '\0';
			rp = strrchr(buf, ')');
			if (rp && rp[1] == ' ' && rp[2] == 'S')
				return 1;
		}
		usleep(1000);
	}
	return 0;
}

static int wait_child(pid_t pid)
{
	int status;

	for (int i = 0; i < 10000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1; /* still asleep: the wake-up was lost */
}

static void publish_one(struct ring *r, uint64_t seq)
{
	struct record *rec;

	ck_assert_int_eq(ring_try_reserve(r, 8, &rec), 0);
	rec->seq = seq;
	ck_assert_int_eq(ring_publish(r), 1);
}

START_TEST(test_futex_wakes_consumer)
{
	struct ring r;
	pid_t pid = fork();

	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		const struct record *rec;

		if (segment_ring(&seg, 0, &r))
			_exit(2);
		int rc = ring_peek(&r, &rec, -1); /* no timeout */
		_exit(rc == 0 && rec->seq == 77 ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(segment_ring(&seg, 0, &r), 0);
	ck_assert(wait_for_sleeper(&r.ctl->cons_wait, RING_WAIT_FUTEX));
	ck_assert(wait_blocked(pid)); /* really asleep in futex_wait */
	publish_one(&r, 77);
	ck_assert_int_eq(wait_child(pid), 0);
	ck_assert_uint_eq(SHM_LOAD_ACQUIRE(&r.ctl->cons_wait), 0);
}
END_TEST

START_TEST(test_futex_wakes_producer)
{
	struct ring r;
	struct record *rec;
	pid_t pid;

	ck_assert_int_eq(segment_ring(&seg, 0, &r), 0);
	while (ring_try_reserve(&r, 1000, &rec) == 0) /* fill it */
		ring_publish(&r);
	pid = fork();
	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		struct ring p;

		if (segment_ring(&seg, 0, &p))
			_exit(2);
		int rc = ring_reserve(&p, 1000, &rec, -1);
		_exit(rc == 0 ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	ck_assert(wait_for_sleeper(&r.ctl->prod_wait, RING_WAIT_FUTEX));
	ck_assert(wait_blocked(pid));
	ck_assert_int_eq(ring_try_peek(&r, &(const struct record *){ 0 }), 0);
	ck_assert_int_eq(ring_commit(&r, ring_cursor(&r)), 0);
	ck_assert_int_eq(wait_child(pid), 0);
}
END_TEST

START_TEST(test_eventfd_wakes_poller)
{
	struct ring r;
	char env[128];
	pid_t pid;

	ck_assert_int_gt(segment_wake_env(&seg, env, sizeof(env)), 0);
	pid = fork();
	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		/* The poller learns its fds the way a stage does. */
		struct segment s2;
		struct ring c;
		const struct record *rec;
		struct pollfd pfd;

		if (segment_attach(&s2, inst) || segment_wake_import(&s2, env) || segment_ring(&s2, 0, &c))
			_exit(2);
		if (ring_arm_data(&c) != 0)
			_exit(3);
		pfd.fd = ring_data_fd(&c);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) != 1 || ring_fd_drain(pfd.fd) != 0)
			_exit(4);
		_exit(ring_try_peek(&c, &rec) == 0 && rec->seq == 5 ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(segment_ring(&seg, 0, &r), 0);
	ck_assert(wait_for_sleeper(&r.ctl->cons_wait, RING_WAIT_EVENTFD));
	ck_assert(wait_blocked(pid)); /* in poll() */
	publish_one(&r, 5);
	ck_assert_int_eq(wait_child(pid), 0);
}
END_TEST

START_TEST(test_eventfd_wakes_space_poller)
{
	struct ring r;
	struct record *rec;
	pid_t pid;

	ck_assert_int_eq(segment_ring(&seg, 0, &r), 0);
	while (ring_try_reserve(&r, 1000, &rec) == 0)
		ring_publish(&r);
	pid = fork();
	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		struct ring p;
		struct pollfd pfd;

		if (segment_ring(&seg, 0, &p) || ring_arm_space(&p, 1000) != 0)
			_exit(2);
		pfd.fd = ring_space_fd(&p);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) != 1 || ring_fd_drain(pfd.fd) != 0)
			_exit(4);
		_exit(ring_try_reserve(&p, 1000, &rec) == 0 ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	ck_assert(wait_for_sleeper(&r.ctl->prod_wait, RING_WAIT_EVENTFD));
	ck_assert(wait_blocked(pid));
	ck_assert_int_eq(ring_try_peek(&r, &(const struct record *){ 0 }), 0);
	ck_assert_int_eq(ring_commit(&r, ring_cursor(&r)), 0);
	ck_assert_int_eq(wait_child(pid), 0);
}
END_TEST

/* The producer's rule, from a word set as a sleeper would set it: a
 * napping consumer is not woken (the word stays) until a quarter of the
 * ring is in use; a sleeping one is woken at once. */
START_TEST(test_nap_left_alone_until_filling)
{
	struct ring r;
	uint64_t seq = 1;

	ck_assert_int_eq(segment_ring(&seg, 0, &r), 0);
	SHM_STORE_RELEASE(&r.ctl->cons_wait, RING_WAIT_FUTEX | RING_WAIT_NAP);
	publish_one(&r, seq++);
	ck_assert_uint_eq(SHM_LOAD_ACQUIRE(&r.ctl->cons_wait), RING_WAIT_FUTEX | RING_WAIT_NAP);
	while (SHM_LOAD_ACQUIRE(&r.ctl->head) - SHM_LOAD_ACQUIRE(&r.ctl->tail) <= r.cap / 4) {
		ck_assert_uint_eq(SHM_LOAD_ACQUIRE(&r.ctl->cons_wait), RING_WAIT_FUTEX | RING_WAIT_NAP);
		publish_one(&r, seq++);
	}
	ck_assert_uint_eq(SHM_LOAD_ACQUIRE(&r.ctl->cons_wait), 0); /* woken */
	SHM_STORE_RELEASE(&r.ctl->cons_wait, RING_WAIT_FUTEX);
	ck_assert_int_eq(ring_try_peek(&r, &(const struct record *){ 0 }), 0);
	ck_assert_int_eq(ring_commit(&r, ring_cursor(&r)), 0);
	publish_one(&r, seq++); /* nearly empty, but asleep: woken */
	ck_assert_uint_eq(SHM_LOAD_ACQUIRE(&r.ctl->cons_wait), 0);
}
END_TEST

/* A consumer woken for a record naps for the next one; the nap finds
 * nothing, and it goes to sleep until woken (the word without NAP: the
 * producer's next publish wakes it, as the child getting every record
 * shows). The parent watches the word without sleeping (a nap is 250 us)
 * and must see the nap in at least one of the rounds. */
START_TEST(test_busy_consumer_naps_then_sleeps)
{
	enum {
		ROUNDS = 20
	};
	struct ring r;
	int naps = 0;
	pid_t pid = fork();

	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		const struct record *rec;

		if (segment_ring(&seg, 0, &r))
			_exit(2);
		for (uint64_t k = 1; k <= ROUNDS; k++) {
			if (ring_peek(&r, &rec, -1) != 0 || rec->seq != k)
				_exit(1);
			if (ring_commit(&r, ring_cursor(&r)) != 0)
				_exit(3);
		}
		_exit(0);
	}
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(segment_ring(&seg, 0, &r), 0);
	for (uint64_t k = 1; k <= ROUNDS; k++) {
		ck_assert(wait_for_sleeper(&r.ctl->cons_wait, RING_WAIT_FUTEX));
		ck_assert(wait_blocked(pid));
		publish_one(&r, k);
		if (k == ROUNDS)
			break;
		/* from the wake to the idle sleep, bounded: 10 s */
		int64_t end = rt_mono_ns() + 10 * 1000 * 1000 * 1000ll, seen_nap = 0;
		uint32_t w;
		while ((w = SHM_LOAD_ACQUIRE(&r.ctl->cons_wait)) != RING_WAIT_FUTEX &&
		       (int64_t)rt_mono_ns() < end)
			seen_nap |= w == (RING_WAIT_FUTEX | RING_WAIT_NAP);
		naps += (int)seen_nap;
	}
	ck_assert_int_eq(wait_child(pid), 0);
	ck_assert_int_gt(naps, 0);
}
END_TEST

static void on_usr1(int sig)
{
	(void)sig;
}

START_TEST(test_signal_interrupts_sleep)
{
	struct ring r;
	pid_t pid = fork();

	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_usr1 }; /* no SA_RESTART */
		const struct record *rec;

		sigaction(SIGUSR1, &sa, NULL);
		if (segment_ring(&seg, 0, &r))
			_exit(2);
		_exit(ring_peek(&r, &rec, -1) == -EINTR ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(segment_ring(&seg, 0, &r), 0);
	ck_assert(wait_for_sleeper(&r.ctl->cons_wait, RING_WAIT_FUTEX));
	ck_assert(wait_blocked(pid));
	kill(pid, SIGUSR1);
	ck_assert_int_eq(wait_child(pid), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_wake");
	TCase *tc = tcase_create("wake");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_futex_wakes_consumer);
	tcase_add_test(tc, test_futex_wakes_producer);
	tcase_add_test(tc, test_eventfd_wakes_poller);
	tcase_add_test(tc, test_eventfd_wakes_space_poller);
	tcase_add_test(tc, test_signal_interrupts_sleep);
	tcase_add_test(tc, test_nap_left_alone_until_filling);
	tcase_add_test(tc, test_busy_consumer_naps_then_sleeps);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
