/* tests/net/loop_helpers.h: shared bits of the loop tests -- a bounded run
 * helper and a loop constructor that skips (77) when io_uring is not allowed
 * in the environment running the tests. */
#ifndef SLUICE_TESTS_NET_LOOP_HELPERS_H
#define SLUICE_TESTS_NET_LOOP_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "net/loop.h"

static inline uint64_t th_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the loop until *done is non-zero or max_ms passed (bounded in time
 * and in iterations). Returns the final *done. */
static inline int th_run_until(struct net_loop *loop, const int *done, int max_ms)
{
	uint64_t end = th_now_ms() + (uint64_t)max_ms;
	for (long i = 0; !*done && i < 10000000 && th_now_ms() < end; i++)
		ck_assert_int_ge(net_loop_run_once(loop, 20), 0);
	return *done;
}

/* Run for a fixed number of short iterations (to let things settle). */
static inline void th_run_for(struct net_loop *loop, int ms)
{
	uint64_t end = th_now_ms() + (uint64_t)ms;
	while (th_now_ms() < end)
		ck_assert_int_ge(net_loop_run_once(loop, 10), 0);
}

static inline struct net_loop *th_loop_new_opts(const struct net_loop_opts *o)
{
	struct net_loop *loop = NULL;
	char err[256];
	int rc = net_loop_new(&loop, o, err, sizeof(err));
	ck_assert_msg(rc == 0, "net_loop_new: %s", err);
	return loop;
}

static inline struct net_loop *th_loop_new(void)
{
	return th_loop_new_opts(NULL);
}

/* Loop variants the I/O tests run under: defaults; the single-shot recv
 * fallback; 4 tiny provided buffers (forces buffer exhaustion, ENOBUFS and
 * re-arming under load). */
static const struct net_loop_opts th_variants[] = {
	{ 0 },
	{ .flags = NET_LOOP_F_SINGLESHOT_RECV },
	{ .buf_count = 4, .buf_size = 512 },
};
#define TH_NVARIANTS 3

/* Call from main() before running the suite: exit 77 (skip) when io_uring
 * is not allowed here, with the loop's own message. */
static inline void th_require_io_uring(void)
{
	struct net_loop *loop = NULL;
	char err[256];
	int rc = net_loop_new(&loop, NULL, err, sizeof(err));
	if (rc == -ENOSYS || rc == -EPERM) {
		fprintf(stderr, "skip: %s\n", err);
		exit(77);
	}
	if (rc == 0)
		net_loop_free(loop);
}

#endif
