/* shm/ring_wait.c - sleeping and waking for the ring.
 *
 * The handshake (both directions alike, shown for a consumer waiting for
 * data):
 *
 *   consumer                              producer
 *   cons_wait = FUTEX                     head = H          (release)
 *   FENCE_FULL                            FENCE_FULL
 *   if head != cursor: done               if cons_wait: w = xchg(cons_wait, 0)
 *   futex_wait(&cons_wait, FUTEX)                       futex_wake(&cons_wait)
 *
 * With a full fence on both sides at least one of them sees the other's
 * store, so a sleeper is never missed. If the producer's exchange lands
 * before futex_wait, the word is no longer FUTEX and futex_wait returns at
 * once. The futex is process-shared (no FUTEX_PRIVATE_FLAG): the word lives
 * in a MAP_SHARED segment mapped by two processes.
 *
 * Before sleeping we spin briefly: a record that arrives within a few
 * microseconds costs no syscall on either side.
 *
 * A consumer that is busy (its last wait ended with data) does not ask to
 * be woken: it naps, futex_wait with a RING_NAP_NS timeout on a word that
 * says FUTEX | NAP, and a producer that sees NAP publishes without a
 * syscall unless a quarter of the ring is in use. Under load, waking cost
 * the producer a futex_wake per sleep (sluice-ingest: 12,058 futex calls
 * in 4 s at 4 M spans/s, 736 with naps: docs/ring.md "Waking"); a nap's
 * end is a timer on the sleeper's own CPU. A nap that finds nothing means
 * the ring went idle: the consumer then sleeps until woken, so an idle
 * pipeline does not tick, and the first record after a pause is not
 * delayed; under load a record waits at most one nap more.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shm/atomic.h"
#include "shm/ring_wait.h"
#include "rt/clock.h"

#define SPIN_ROUNDS 256

int64_t ring_wait_deadline(int64_t timeout_ns)
{
	if (timeout_ns < 0)
		return -1;
	return (int64_t)rt_mono_ns() + timeout_ns;
}

/* futex_wait on a shared word while it holds `val`, at most *rel (NULL:
 * no limit). 0 (woken, or the word changed), -ETIMEDOUT, -EINTR. */
static int futex_wait_rel(_Atomic uint32_t *word, uint32_t val, const struct timespec *rel)
{
	long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, val, rel, NULL, 0);

	if (rc == 0 || errno == EAGAIN)
		return 0;
	return errno == ETIMEDOUT ? -ETIMEDOUT : errno == EINTR ? -EINTR : -errno;
}

/* The same until deadline (< 0: none). */
static int futex_sleep(_Atomic uint32_t *word, uint32_t val, int64_t deadline)
{
	struct timespec ts;

	if (deadline < 0)
		return futex_wait_rel(word, val, NULL);
	int64_t left = deadline - (int64_t)rt_mono_ns();
	if (left <= 0)
		return -ETIMEDOUT;
	ts.tv_sec = left / 1000000000;
	ts.tv_nsec = left % 1000000000;
	return futex_wait_rel(word, val, &ts);
}

static void futex_wake_all(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void eventfd_signal(int fd)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is saturated: already signalled. */
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		return;
}

static int data_ready(struct ring *r)
{
	r->head_cache = SHM_LOAD_ACQUIRE(&r->ctl->head);
	return r->head_cache != r->cursor;
}

static int space_ready(struct ring *r, uint64_t need_end)
{
	r->tail_cache = SHM_LOAD_ACQUIRE(&r->ctl->tail);
	return need_end - r->tail_cache <= r->cap;
}

/* A nap: futex_wait for at most RING_NAP_NS (relative: no clock read
 * unless the caller has a deadline). 1 if the nap ran out; else as
 * futex_sleep, -ETIMEDOUT only when the caller's deadline came first. */
static int nap(_Atomic uint32_t *word, uint32_t val, int64_t deadline)
{
	static const struct timespec ts = { 0, RING_NAP_NS };

	if (deadline >= 0 && deadline - (int64_t)rt_mono_ns() < RING_NAP_NS)
		return futex_sleep(word, val, deadline);
	int rc = futex_wait_rel(word, val, &ts);
	return rc == -ETIMEDOUT ? 1 : rc;
}

int ring_wait_data(struct ring *r, int64_t deadline)
{
	_Atomic uint32_t *word = &r->ctl->cons_wait;
	int rc;

	for (int i = 0; i < SPIN_ROUNDS; i++) {
		if (data_ready(r))
			goto ready;
		SHM_CPU_RELAX();
	}
	for (;;) {
		/* busy: nap, and the producer need not wake us; else sleep
		 * until woken (an idle ring costs nothing) */
		uint32_t how = r->busy ? RING_WAIT_FUTEX | RING_WAIT_NAP : RING_WAIT_FUTEX;

		SHM_STORE_RELAXED(word, how);
		SHM_FENCE_FULL();
		if (data_ready(r))
			break;
		rc = r->busy ? nap(word, how, deadline) : futex_sleep(word, how, deadline);
		if (rc == 1) {
			if (data_ready(r))
				break;
			r->busy = 0; /* a nap found nothing: idle now */
			continue;
		}
		if (rc < 0) {
			SHM_STORE_RELAXED(word, 0);
			return data_ready(r) ? 0 : rc;
		}
	}
	SHM_STORE_RELAXED(word, 0);
ready:
	r->busy = 1;
	return 0;
}

int ring_wait_space(struct ring *r, uint64_t need_end, int64_t deadline)
{
	_Atomic uint32_t *word = &r->ctl->prod_wait;
	int rc;

	for (int i = 0; i < SPIN_ROUNDS; i++) {
		if (space_ready(r, need_end))
			return 0;
		SHM_CPU_RELAX();
	}
	for (;;) {
		SHM_STORE_RELAXED(word, RING_WAIT_FUTEX);
		SHM_FENCE_FULL();
		if (space_ready(r, need_end))
			break;
		rc = futex_sleep(word, RING_WAIT_FUTEX, deadline);
		if (rc < 0) {
			SHM_STORE_RELAXED(word, 0);
			return space_ready(r, need_end) ? 0 : rc;
		}
	}
	SHM_STORE_RELAXED(word, 0);
	return 0;
}

static void wake(_Atomic uint32_t *word, int fd)
{
	uint32_t w = SHM_EXCHANGE(word, 0);

	if (w & RING_WAIT_FUTEX)
		futex_wake_all(word);
	if (w & RING_WAIT_EVENTFD)
		eventfd_signal(fd);
}

void ring_wait_wake_consumer(struct ring *r)
{
	wake(&r->ctl->cons_wait, r->data_fd);
}

void ring_wait_wake_producer(struct ring *r)
{
	wake(&r->ctl->prod_wait, r->space_fd);
}
