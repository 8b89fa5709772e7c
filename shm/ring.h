/* shm/ring.h - single-producer single-consumer ring of variable-length
 * records in shared memory (layout and rationale: shm/ring-t.h, docs/ring.md).
 *
 * Producer:                               Consumer:
 *   ring_reserve(r, len, &rec, timeout)     ring_peek(r, &rec, timeout)
 *   fill rec header + record_payload(rec)   ... use rec (valid until commit)
 *   [record_seal_payload(rec, crc)]         [more peeks: cursor runs ahead]
 *   [more reserves = batch]                 ring_commit(r, ring_cursor(r))
 *   [ring_note_source(r, slot, in_seq)]
 *   ring_publish(r)
 *
 * Conventions: every function returns 0 (or a count) or a negative errno.
 *   timeout_ns: 0 = try once (never sleeps), < 0 = wait without limit,
 *   > 0 = wait at most that long (short spin, then futex sleep).
 *   -EAGAIN     try found no data / no space
 *   -ETIMEDOUT  the wait ran out
 *   -EINTR      a signal interrupted the sleep (check your stop flag, retry)
 *   -EMSGSIZE   the record can never fit (len > ring_max_payload)
 *   -EBADMSG    (ring_peek) the record at the read cursor is corrupt: its
 *               checksum does not match or its header cannot be one the
 *               producer wrote. The cursor stays on it; ring_skip_corrupt
 *               steps to the next intact record (see "Corruption" below).
 *   -ENOTRECOVERABLE  the ring's control block is damaged (magic, capacity,
 *               head/tail or last-seq slots inconsistent): nothing in this
 *               ring can be trusted; ring_check says what. The supervisor
 *               sets the segment aside (segment_set_aside) and starts anew.
 *
 * Crash safety: a record becomes visible only when ring_publish stores head
 * (release); a producer that dies before that published nothing, nothing
 * torn is ever visible. The consumer moves tail only in ring_commit; a
 * consumer that dies re-reads everything after the committed tail.
 *
 * Sequence rule: every ring numbers its own records 1, 2, 3, ...
 * (ring_reserve fills in the next seq; a producer may overwrite it with a
 * larger one). A producer that turns input records into output records
 * notes, before each ring_publish, the last input seq it completed from
 * each of its sources: ring_note_source(out, slot, in_seq). A restarted
 * stage skips input records from source `slot` with seq <=
 * ring_source_seq(out, slot). Both ring_last_seq and ring_source_seq are
 * right even if the producer died between any two instructions.
 *
 * Checksums: every record carries a CRC-32C (shm/record.h). ring_publish
 * seals each reserved record whose crc is still 0; a producer that already
 * has the payload's CRC (copy_to_ring_crc) seals it itself with
 * record_seal_payload after its last change to the record, which saves
 * reading the payload again. ring_peek verifies every record.
 *
 * Corruption: ring_peek returns -EBADMSG for a corrupt record and leaves
 * the cursor on it. ring_skip_corrupt then moves the cursor to the next
 * intact record (or to head) and says what it stepped over: the byte range
 * [from, to) and the seqs around it. Those bytes stay in the ring until the
 * consumer commits past them: ring_skipped_bytes gives them (two pieces if
 * they wrap) for the quarantine file (shm/quarantine.h). The ring counts
 * what was skipped (ring_corrupt_records, for
 * sluice_ring_corrupt_records_total).
 *
 * Waking: a sleeper first says so (cons_wait / prod_wait) and fences; the
 * other side fences after moving head/tail and wakes only if the flag is
 * set (futex_wake on the shared word, not FUTEX_PRIVATE, and/or eventfd
 * write). io_uring stages poll ring_data_fd / ring_space_fd instead of
 * sleeping: see ring_arm_data / ring_arm_space. A consumer whose last wait
 * for data ended with data naps (at most RING_NAP_NS, flag NAP): the
 * producer leaves it be unless a quarter of the ring is in use; a nap that
 * finds nothing ends in a plain sleep, which the next publish wakes.
 *
 * Cost: each ring_publish and each ring_commit that moves tail is one full
 * fence and touches a line the other side reads; reserve/peek are plain
 * loads and stores. Publish per request or batch and commit per batch where
 * you can (docs/bench/shm.md has the difference).
 */
#ifndef SLUICE_SHM_RING_H
#define SLUICE_SHM_RING_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/record.h"
#include "shm/ring-t.h"

/* Format a fresh ring in `mem` (RING_CTRL_SIZE + capacity bytes, 64-byte
 * aligned; capacity a power of two in [RING_MIN_CAPACITY, RING_MAX_CAPACITY]).
 * segment_create does this for you. */
int ring_format(void *mem, uint64_t capacity);

/* Bind a handle to a formatted ring at `mem`, with optional eventfds
 * (-1 = none). Reads the current head and tail, so a restarted producer
 * continues at head (with its seq and source table) and a restarted
 * consumer at the committed tail. -ENOTRECOVERABLE if the control block is
 * not a sound ring. */
int ring_init(struct ring *r, void *mem, int data_fd, int space_fd);

/* Largest payload a record may have: RECORD_HDR_SIZE + len, 8-aligned,
 * must fit in capacity / 2. */
static inline uint32_t ring_max_payload(const struct ring *r)
{
	return r->max_payload;
}
static inline uint64_t ring_capacity(const struct ring *r)
{
	return r->cap;
}

/* ---- producer ---- */

/* Reserve a record with `len` payload bytes after any records already
 * reserved. On success *out points at the header in the ring with len set,
 * signal = RECORD_SIGNAL_TRACES, seq = the previous record's seq + 1 and
 * the rest zero; the caller fills flags, ingest_ns, items, the payload,
 * and signal and seq if it wants others. The caller may LOWER rec->len
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

/* Publish every reserved record at once (batch publish): seals records
 * whose crc is 0, records the last reserved record's seq for ring_last_seq
 * and the noted source seqs for ring_source_seq, stores head with release
 * order, and wakes the consumer if it said it sleeps. Returns the number
 * of records published (0 if none were reserved: notes then wait for the
 * next publish), -EINVAL if the last record's len was raised above what
 * was reserved. */
int ring_publish(struct ring *r);

/* Note that the records published next complete input record `in_seq` of
 * source `slot` (< RING_MAX_SOURCES; the plan numbers a ring's sources).
 * Takes effect with the next ring_publish. -EINVAL for a bad slot. */
int ring_note_source(struct ring *r, uint32_t slot, uint64_t in_seq);

/* Last input seq noted for source `slot` whose publication is visible (0
 * if none). Crash-consistent; callable by either side. */
uint64_t ring_source_seq(const struct ring *r, uint32_t slot);

/* Forget reserved, unpublished records. */
void ring_cancel(struct ring *r);

/* Seq of the last record whose publication is visible (0 if the ring has
 * never published anything). Crash-consistent; callable by either side. */
uint64_t ring_last_seq(const struct ring *r);

/* ---- consumer ---- */

/* Return the record at the read cursor and move the cursor past it. The
 * record stays valid (the producer does not overwrite it) until the tail is
 * committed past it. PAD records are skipped internally. Every record's
 * checksum is verified.
 * Returns 0, -EAGAIN/-ETIMEDOUT (ring empty), -EINTR, -EBADMSG (corrupt
 * record at the cursor), -ENOTRECOVERABLE (damaged control block). */
int ring_peek(struct ring *r, const struct record **out, int64_t timeout_ns);

static inline int ring_try_peek(struct ring *r, const struct record **out)
{
	return ring_peek(r, out, 0);
}

/* ring_peek for a consumer that reads every payload byte anyway (copies
 * it, compresses it, sends it): the header is checked as by ring_peek, the
 * payload's checksum is left to the caller, who computes crc32c(0,
 * payload, len) in its own pass (e.g. copy_to_ring_crc) and must check
 * record_payload_ok(rec, crc) before it acts on the record for good. On a
 * mismatch: ring_rewind, then ring_peek reports the corrupt record (-EBADMSG)
 * for ring_skip_corrupt. Saves the extra pass over bytes another core
 * wrote, which is most of what verifying costs (docs/bench/shm.md).
 * ring_payload_crc is not set. */
int ring_peek_deferred(struct ring *r, const struct record **out, int64_t timeout_ns);

/* CRC-32C of the payload (alone) of the record ring_peek returned last:
 * a producer forwarding that payload unchanged seals its output record
 * with record_seal_payload(out, ring_payload_crc(in)), no second pass. */
static inline uint32_t ring_payload_crc(const struct ring *r)
{
	return r->peek_crc;
}

/* Read position just after the last peeked record; pass it to ring_commit. */
static inline uint64_t ring_cursor(const struct ring *r)
{
	return r->cursor;
}

/* Committed tail as this handle last knew it. */
static inline uint64_t ring_committed(const struct ring *r)
{
	return r->cons_tail;
}

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
static inline void ring_rewind(struct ring *r)
{
	r->cursor = r->cons_tail;
	r->peek_seq = 0;
}

/* Put the read cursor back to pos: the header position of a record this
 * handle peeked and has not committed (committed tail <= pos <= cursor),
 * whose predecessor had seq seq_before (0 = unknown). For a consumer that
 * checks payloads late (ring_peek_deferred, with other records peeked
 * since): the next ring_peek reads that record again, and reports it
 * -EBADMSG if it is corrupt. -EINVAL if pos is outside that range. */
static inline int ring_rewind_to(struct ring *r, uint64_t pos, uint64_t seq_before)
{
	if (pos < r->cons_tail || pos > r->cursor)
		return -EINVAL;
	r->cursor = pos;
	r->peek_seq = seq_before;
	return 0;
}

/* After ring_peek returned -EBADMSG: move the cursor to the next intact
 * record, or to head if none verifies (see docs/ring.md, "Corruption"),
 * fill *out with what was stepped over, and count it in the ring.
 * 0; -EINVAL if the record at the cursor is intact (peek it) or the cursor
 * is at head; -ENOTRECOVERABLE if head is not consistent with the cursor.
 * Bounded: at most (head - cursor) / 8 header checks. */
int ring_skip_corrupt(struct ring *r, struct ring_skip *out);

/* The raw bytes of a skip, valid until the consumer commits past s->to:
 * part[0] (len[0] bytes) then part[1] (len[1], 0 unless they wrap). */
int ring_skipped_bytes(const struct ring *r, const struct ring_skip *s, const uint8_t *part[2],
		       size_t len[2]);

/* Records ring_skip_corrupt has passed over in this ring, all consumers
 * over time (struct ring_skip.records summed). */
uint64_t ring_corrupt_records(const struct ring *r);

/* ---- either side ---- */

/* Bytes published and not yet committed (a snapshot). */
uint64_t ring_used(const struct ring *r);

/* Is the control block at mem a sound ring of `capacity` bytes (0 = any)?
 * Checks magic, capacity, head against tail, and that a last-seq slot
 * describes head; safe on a ring in use. 0, or -ENOTRECOVERABLE with the
 * reason in why. */
int ring_check(const void *mem, uint64_t capacity, char *why, size_t why_size);

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
static inline int ring_data_fd(const struct ring *r)
{
	return r->data_fd;
}
static inline int ring_space_fd(const struct ring *r)
{
	return r->space_fd;
}

/* Read (reset) an eventfd; 0, or -EAGAIN if it was not signalled. */
int ring_fd_drain(int fd);

#endif
