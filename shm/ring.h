/* shm/ring.h - single-producer single-consumer ring of variable-length
 * records in shared memory (layout and rationale: shm/ring-t.h, docs/ring.md).
 *
 * Producer:                               Consumer:
 *   ring_reserve(r, len, &rec, timeout)     ring_peek(r, &rec, timeout)
 *   fill rec header + record_payload(rec)   ... use rec (valid until commit)
 *   [more reserves = batch]                 [more peeks: cursor runs ahead]
 *   ring_publish(r)                         ring_commit(r, ring_cursor(r))
 *
 * Conventions: every function returns 0 (or a count) or a negative errno.
 *   timeout_ns: 0 = try once (never sleeps), < 0 = wait without limit,
 *   > 0 = wait at most that long (short spin, then futex sleep).
 *   -EAGAIN     try found no data / no space
 *   -ETIMEDOUT  the wait ran out
 *   -EINTR      a signal interrupted the sleep (check your stop flag, retry)
 *   -EMSGSIZE   the record can never fit (len > ring_max_payload)
 *   -EBADMSG    the shared data is corrupt (a record header out of bounds)
 *
 * Crash safety: a record becomes visible only when ring_publish stores head
 * (release); a producer that dies before that published nothing, nothing
 * torn is ever visible. The consumer moves tail only in ring_commit; a
 * consumer that dies re-reads everything after the committed tail.
 *
 * Sequence rule: a restarted stage calls ring_last_seq on its OUTPUT ring
 * and skips input records with seq <= that value. ring_last_seq is right
 * even if the producer died between any two instructions.
 *
 * Waking: a sleeper first says so (cons_wait / prod_wait) and fences; the
 * other side fences after moving head/tail and wakes only if the flag is
 * set (futex_wake on the shared word, not FUTEX_PRIVATE, and/or eventfd
 * write). io_uring stages poll ring_data_fd / ring_space_fd instead of
 * sleeping: see ring_arm_data / ring_arm_space.
 *
 * Cost: each ring_publish and each ring_commit that moves tail is one full
 * fence and touches a line the other side reads; reserve/peek are plain
 * loads and stores. Publish per request or batch and commit per batch where
 * you can (docs/bench/shm.md has the difference).
 */
#ifndef SLUICE_SHM_RING_H
#define SLUICE_SHM_RING_H

#include <stdint.h>

#include "shm/record.h"
#include "shm/ring-t.h"

/* Format a fresh ring in `mem` (RING_CTRL_SIZE + capacity bytes, 64-byte
 * aligned; capacity a power of two in [RING_MIN_CAPACITY, RING_MAX_CAPACITY]).
 * segment_create does this for you. */
int ring_format(void *mem, uint64_t capacity);

/* Bind a handle to a formatted ring at `mem`, with optional eventfds
 * (-1 = none). Reads the current head and tail, so a restarted producer
 * continues at head and a restarted consumer at the committed tail.
 * -EBADMSG if the control block is not a ring. */
int ring_init(struct ring *r, void *mem, int data_fd, int space_fd);

/* Largest payload a record may have: RECORD_HDR_SIZE + len, 8-aligned,
 * must fit in capacity / 2. */
static inline uint32_t ring_max_payload(const struct ring *r) { return r->max_payload; }
static inline uint64_t ring_capacity(const struct ring *r) { return r->cap; }

/* ---- producer ---- */

/* Reserve a record with `len` payload bytes after any records already
 * reserved. On success *out points at the header in the ring with len set,
 * signal = RECORD_SIGNAL_TRACES and the rest zero; the caller fills seq,
 * flags, ingest_ns, items and the payload. The caller may LOWER rec->len
 * (never raise it) before the next reserve or publish, e.g. after encoding
 * into the reserved space. Nothing is visible until ring_publish, except
 * that a reserve which must SLEEP for space first publishes the records
 * already reserved (the consumer could not free space otherwise).
 * Returns 0, -EAGAIN/-ETIMEDOUT (ring full), -EMSGSIZE, -EINTR, -EINVAL
 * (the previous record's len was raised). */
int ring_reserve(struct ring *r, uint32_t len, struct record **out, int64_t timeout_ns);

static inline int ring_try_reserve(struct ring *r, uint32_t len, struct record **out)
{
	return ring_reserve(r, len, out, 0);
}

/* Publish every reserved record at once (batch publish): records the last
 * reserved record's seq for ring_last_seq, stores head with release order,
 * and wakes the consumer if it said it sleeps. Returns the number of
 * records published (0 if none were reserved), -EINVAL if the last
 * record's len was raised above what was reserved. */
int ring_publish(struct ring *r);

/* Forget reserved, unpublished records. */
void ring_cancel(struct ring *r);

/* Seq of the last record whose publication is visible (0 if the ring has
 * never published anything). Crash-consistent; callable by either side. */
uint64_t ring_last_seq(const struct ring *r);

/* ---- consumer ---- */

/* Return the record at the read cursor and move the cursor past it. The
 * record stays valid (the producer does not overwrite it) until the tail is
 * committed past it. PAD records are skipped internally.
 * Returns 0, -EAGAIN/-ETIMEDOUT (ring empty), -EINTR, -EBADMSG. */
int ring_peek(struct ring *r, const struct record **out, int64_t timeout_ns);

static inline int ring_try_peek(struct ring *r, const struct record **out)
{
	return ring_peek(r, out, 0);
}

/* Read position just after the last peeked record; pass it to ring_commit. */
static inline uint64_t ring_cursor(const struct ring *r) { return r->cursor; }

/* Committed tail as this handle last knew it. */
static inline uint64_t ring_committed(const struct ring *r) { return r->cons_tail; }

/* Note: a consumer that sleeps in ring_peek while holding many records
 * uncommitted can leave a producer waiting for that very space; commit what
 * is safe before waiting. */

/* Move the committed tail to `pos` (a value ring_cursor returned, between
 * the committed tail and the cursor), freeing that space for the producer,
 * and wake the producer if it sleeps for space. -EINVAL if pos is outside
 * [committed tail, cursor]. */
int ring_commit(struct ring *r, uint64_t pos);

/* Put the read cursor back to the committed tail (re-read uncommitted
 * records, e.g. after a failed export). */
static inline void ring_rewind(struct ring *r) { r->cursor = r->cons_tail; }

/* ---- either side ---- */

/* Bytes published and not yet committed (a snapshot). */
uint64_t ring_used(const struct ring *r);

/* ---- eventfd waking (io_uring stages) ----
 * Consumer: call ring_arm_data(r). It returns 1 if records are already
 * available (do not sleep: peek), 0 if armed: poll ring_data_fd(r) for
 * readability, then ring_fd_drain it and peek again. Producer side
 * likewise with ring_arm_space(r, len) / ring_space_fd(r).
 * -ENOTSUP if the handle has no eventfd for that direction. Publish your
 * reserved records before arming for space. Both processes need the
 * eventfds (segment_wake_import) for the wake to reach a poller. */
int ring_arm_data(struct ring *r);
int ring_arm_space(struct ring *r, uint32_t len);
static inline int ring_data_fd(const struct ring *r) { return r->data_fd; }
static inline int ring_space_fd(const struct ring *r) { return r->space_fd; }

/* Read (reset) an eventfd; 0, or -EAGAIN if it was not signalled. */
int ring_fd_drain(int fd);

#endif
