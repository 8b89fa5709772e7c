/* shm/ring_wait.h - private: how ring.c sleeps and wakes (futex on the
 * shared wait words, eventfds for io_uring pollers). Not part of the API.
 *
 * Deadlines are CLOCK_MONOTONIC ns; a negative deadline waits without limit.
 */
#ifndef SLUICE_SHM_RING_WAIT_H
#define SLUICE_SHM_RING_WAIT_H

#include <stdint.h>

#include "shm/ring-t.h"

/* CLOCK_MONOTONIC (rt/clock.h) now + timeout (timeout < 0 = no deadline, -1). */
int64_t ring_wait_deadline(int64_t timeout_ns);

/* Consumer: wait until head moves past r->cursor (refreshing r->head_cache).
 * 0 when data is there, -ETIMEDOUT, -EINTR. */
int ring_wait_data(struct ring *r, int64_t deadline);

/* Producer: wait until tail >= need_end - capacity (refreshing
 * r->tail_cache). 0 when the space is there, -ETIMEDOUT, -EINTR. */
int ring_wait_space(struct ring *r, uint64_t need_end, int64_t deadline);

/* After storing head (producer) / tail (consumer) and SHM_FENCE_FULL: wake
 * the other side if its wait word says it sleeps. */
void ring_wait_wake_consumer(struct ring *r);
void ring_wait_wake_producer(struct ring *r);

#endif
