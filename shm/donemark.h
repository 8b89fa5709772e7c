/* shm/donemark.h - done marks: which records of an OUT ring each exporter
 * has finished with, kept in shared memory so that a restarted export
 * stage does not send them again.
 *
 * Why: the export stage advances an OUT ring's tail only over the longest
 * prefix of batches every exporter finished (exporter/window.h). With
 * several requests in flight, answers arrive out of order, so at a crash
 * the ring holds finished batches behind an unfinished one. The marks say
 * which; a restarted stage skips them (docs/design-notes.md, "What a kill
 * of export repeats").
 *
 * A mark is "exporter E of ring R finished record seq S": one 64-bit word
 * per slot, slot = S mod slots, word = S. The word holds the seq itself,
 * not a bit, so a slot cannot be confused across wrap: a word equal to S
 * is only ever written after E finished S, and a ring's seqs strictly
 * increase from 1 and are never reused within a segment, so a stale word
 * (an older seq) never matches a later record. Nothing has to be cleared
 * before the tail passes a record. Seq 0 is never a record's, so zeroed
 * memory marks nothing.
 *
 * Crash consistency: an aligned 8-byte store is single-copy atomic, so a
 * kill -9 at any instruction leaves each word the old or the new seq.
 *   - killed between the backend's answer (or the dead-letter or disk-queue
 *     write) and donemark_set: that record goes again (the requests in
 *     flight at the kill are the most that can repeat);
 *   - a slot overwritten by S + slots while S is still unreleased (only
 *     when the window holds more batches than `slots`): S goes again.
 * Never a skip of an unfinished record. donemark_set is a release store
 * made after the outcome was taken in; the export stage's ring_commit of
 * the tail (a release store) comes later in program order. A process
 * killed by a signal stops at an instruction boundary with every earlier
 * store performed, and the restarted stage starts after the supervisor
 * reaped it, so program order is what a restart sees.
 *
 * One writer per entry (the export stage), no concurrent reader but the
 * next incarnation of that stage (and the supervisor's migration while no
 * stage runs).
 *
 * Layout: the aux region DONEMARK_REGION_NAME, formatted by the creator
 * of the segment (the supervisor, from the plan; tests) with
 * donemark_region_size / donemark_region_format:
 *   +0    header (64 B): magic, version, n
 *   +64   entries [n] (128 B each): ring index, slots, off, exporter id
 *   then  each entry's words: _Atomic uint64_t [slots], 64-byte aligned,
 *         in entry order
 * A reader trusts nothing in it beyond the bounds it checks: a damaged or
 * missing region gives a handle that marks nothing (all sent again).
 */
#ifndef SLUICE_SHM_DONEMARK_H
#define SLUICE_SHM_DONEMARK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "shm/atomic.h"
#include "shm/segment.h"

#define DONEMARK_REGION_NAME "sluice:done"
#define DONEMARK_MAGIC 0x4b52414d454e4f44ull /* "DONEMARK" */
#define DONEMARK_VERSION 1u
#define DONEMARK_MAX 4096u	      /* entries in one region */
#define DONEMARK_MAX_SLOTS (1u << 20) /* words of one entry (8 MiB) */

struct donemark_entry {
	uint32_t ring;		      /* +0  ring index in the segment */
	uint32_t slots;		      /* +4  power of two, 1..DONEMARK_MAX_SLOTS */
	uint64_t off;		      /* +8  words, from the start of the region */
	char exporter[SEG_NAME_SIZE]; /* +16 exporter id, NUL-terminated */
	uint8_t reserved[128 - 16 - SEG_NAME_SIZE];
};

struct donemark_region {
	uint64_t magic;	  /* DONEMARK_MAGIC */
	uint32_t version; /* DONEMARK_VERSION */
	uint32_t n;	  /* entries that follow */
	uint8_t reserved[48];
	struct donemark_entry e[];
};

_Static_assert(sizeof(struct donemark_entry) == 128, "a done-mark entry is 128 bytes");
_Static_assert(sizeof(struct donemark_region) == 64, "done-mark header is 64 bytes");

/* One entry the region should hold: exporter `exporter` of ring `ring`,
 * `slots` words (rounded up to a power of two; at least the batches the
 * export stage's window holds for the ring, exporter/window_cap.h). */
struct donemark_spec {
	uint32_t ring;
	uint32_t slots;
	const char *exporter;
};

/* Process-local handle; words == NULL marks nothing. */
struct donemark {
	_Atomic uint64_t *words;
	uint64_t mask;
};

/* ---- the creator ---- */

/* Bytes of a region for these entries; 0 if one is invalid. */
uint64_t donemark_region_size(const struct donemark_spec *s, uint32_t n);

/* Lay out the entries (all words zero) in a zeroed region of `size` bytes.
 * -EINVAL: n > DONEMARK_MAX, a missing or too long exporter id, slots 0 or
 * past the maximum, a duplicate (ring, exporter), or size too small. */
int donemark_region_format(void *mem, uint64_t size, const struct donemark_spec *s, uint32_t n);

/* Copy the words of every entry of src whose (ring, exporter, slots) dst
 * has too (the supervisor moving a segment to a new layout around the same
 * rings). Returns the entries copied; a damaged side copies nothing. */
uint32_t donemark_region_copy(void *dst, uint64_t dsize, const void *src, uint64_t ssize);

/* ---- the export stage ---- */

/* The entry (ring, exporter) of an attached segment into *m. 0, or
 * -ENOENT (no region, a damaged one, no such entry): then *m marks
 * nothing and every record is sent as if never finished. */
int donemark_for(struct segment *seg, uint32_t ring, const char *exporter, struct donemark *m);

/* Exporter finished record seq (after its outcome was taken in). */
static inline void donemark_set(const struct donemark *m, uint64_t seq)
{
	if (m->words && seq)
		SHM_STORE_RELEASE(&m->words[seq & m->mask], seq);
}

/* Did the exporter finish record seq (in this or an earlier run)? */
static inline bool donemark_has(const struct donemark *m, uint64_t seq)
{
	return m->words && seq && SHM_LOAD_ACQUIRE(&m->words[seq & m->mask]) == seq;
}

#endif
