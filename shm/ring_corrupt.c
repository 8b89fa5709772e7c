/* shm/ring_corrupt.c - what the consumer does when shared memory is
 * damaged: step over corrupt records to the next intact one, hand out the
 * bytes it stepped over, and tell a damaged control block (which cannot be
 * stepped over) from a damaged record.
 *
 * Resynchronising: records start at 8-byte aligned positions, so the scan
 * tries every aligned position after the corrupt one, up to head. A
 * candidate is accepted only if its header is one the producer could have
 * written at that position (ring_at_header: flags, signal, length within
 * the ring, the end of the buffer and head; a PAD exactly to the end) AND
 * its checksum verifies: random bytes pass the first test rarely and both
 * about once in 2^32 * that. Positions too close to the end of the buffer
 * to hold a header are skipped to the wrap point, where the producer puts
 * the next record. If nothing verifies, the consumer resumes at head,
 * which is always a record boundary.
 *
 * The scan is bounded: at most (head - from) / 8 header checks, and the
 * bytes checksummed for candidates are capped (SCAN_CRC_BUDGET), since
 * hostile garbage could make every position look like a huge record. When
 * the cap is hit the consumer resumes at head: more is skipped, never a
 * wrong record accepted, and the call returns in bounded time.
 */
#include <errno.h>
#include <stdio.h>

#include "shm/atomic.h"
#include "shm/ring.h"
#include "shm/ring_priv.h"

#define SCAN_CRC_BUDGET(span) (4 * (span) + (1u << 20))

/* First position in (from, head] where an intact record, a valid PAD or
 * head itself lies. */
static uint64_t resync_point(const struct ring *r, uint64_t from, uint64_t head)
{
	uint64_t budget = SCAN_CRC_BUDGET(head - from);

	for (uint64_t p = from + RECORD_ALIGN; p < head;) {
		uint64_t room = r->cap - (p & r->mask);
		const struct record *rec = (const struct record *)(r->data + (p & r->mask));
		enum ring_at at;

		if (room < RECORD_HDR_SIZE) {
			p += room;
			continue;
		}
		at = ring_at_header(r, rec, room, head - p);
		if (at == RING_AT_RECORD) {
			if (budget < rec->len)
				return head;
			budget -= rec->len;
		}
		if (at != RING_AT_BAD && record_intact(rec))
			return p;
		p += RECORD_ALIGN;
	}
	return head;
}

/* Seq of the first intact record at or after p (past a PAD), 0 if none. */
static uint64_t seq_at(const struct ring *r, uint64_t p, uint64_t head)
{
	for (int step = 0; step < 2 && p < head; step++) {
		uint64_t room = r->cap - (p & r->mask);
		const struct record *rec = (const struct record *)(r->data + (p & r->mask));

		if (room < RECORD_HDR_SIZE) {
			p += room;
			continue;
		}
		switch (ring_at(r, rec, room, head - p)) {
		case RING_AT_RECORD:
			return rec->seq;
		case RING_AT_PAD:
			p += room;
			continue;
		default:
			return 0;
		}
	}
	return 0;
}

int ring_skip_corrupt(struct ring *r, struct ring_skip *out)
{
	struct ring_ctrl *ctl = r->ctl;
	struct ring_last_snap snap;
	uint64_t head, from = r->cursor, room, to, next_seq = 0, base;
	const struct record *rec;
	int rc = ring_last_snapshot(ctl, &snap);

	/* head with the seq of the record before it, if the producer holds
	 * still long enough to read both (it counts what resuming at head
	 * loses) */
	if (rc == -ENOTRECOVERABLE)
		return rc;
	head = rc == 0 ? snap.head : SHM_LOAD_ACQUIRE(&ctl->head);
	if (head - from > r->cap || head < from || (head & (RECORD_ALIGN - 1)))
		return -ENOTRECOVERABLE;
	if (from == head)
		return -EINVAL;
	room = r->cap - (from & r->mask);
	rec = (const struct record *)(r->data + (from & r->mask));
	if (room < RECORD_HDR_SIZE || ring_at(r, rec, room, head - from) != RING_AT_BAD)
		return -EINVAL; /* nothing corrupt here: peek it */
	to = resync_point(r, from, head);
	out->from = from;
	out->to = to;
	out->seq_before = r->peek_seq;
	out->seq_after = seq_at(r, to, head);
	if (to < head)
		next_seq = out->seq_after;
	else if (rc == 0)
		next_seq = snap.seq + 1;
	/* counted from the last record delivered or already counted lost,
	 * so two skips around one intact PAD do not count a record twice */
	base = out->seq_before > r->lost_seq ? out->seq_before : r->lost_seq;
	out->records = 1;
	if (base && next_seq > base)
		out->records = next_seq - base - 1; /* 0: only a PAD was hit */
	if (next_seq)
		r->lost_seq = next_seq - 1;
	r->cursor = to;
	r->head_cache = head;
	/* consumer-written counters: one writer, so load + store */
	SHM_STORE_RELAXED(&ctl->corrupt_records, SHM_LOAD_RELAXED(&ctl->corrupt_records) + out->records);
	SHM_STORE_RELAXED(&ctl->corrupt_bytes, SHM_LOAD_RELAXED(&ctl->corrupt_bytes) + (to - from));
	return 0;
}

int ring_skipped_bytes(const struct ring *r, const struct ring_skip *s, const uint8_t *part[2], size_t len[2])
{
	uint64_t n = s->to - s->from, first;

	if (s->to < s->from || n > r->cap)
		return -EINVAL;
	first = r->cap - (s->from & r->mask);
	if (first > n)
		first = n;
	part[0] = r->data + (s->from & r->mask);
	len[0] = (size_t)first;
	part[1] = r->data;
	len[1] = (size_t)(n - first);
	return 0;
}

uint64_t ring_corrupt_records(const struct ring *r)
{
	return SHM_LOAD_RELAXED(&r->ctl->corrupt_records);
}

int ring_check(const void *mem, uint64_t capacity, char *why, size_t why_size)
{
	const struct ring_ctrl *ctl = mem;
	struct ring_ctrl *c = (struct ring_ctrl *)mem;
	struct ring_last_snap snap;
	uint64_t tail = 0, head = 0;
	int rc, tries;

	if (why_size)
		why[0] = '\0';
	if (ctl->magic != RING_MAGIC) {
		snprintf(why, why_size, "bad magic 0x%016llx", (unsigned long long)ctl->magic);
		return -ENOTRECOVERABLE;
	}
	if (!ring_capacity_ok(ctl->capacity) || (capacity && ctl->capacity != capacity)) {
		snprintf(why, why_size, "capacity %llu, expected %llu", (unsigned long long)ctl->capacity,
			 (unsigned long long)capacity);
		return -ENOTRECOVERABLE;
	}
	/* tail first: with live stages tail <= head always holds in that
	 * order; head - tail > capacity can only be a race, so retry it */
	for (tries = 0; tries < 100; tries++) {
		tail = SHM_LOAD_ACQUIRE(&c->tail);
		head = SHM_LOAD_ACQUIRE(&c->head);
		if (head - tail <= ctl->capacity && tail <= head)
			break;
		SHM_CPU_RELAX();
	}
	if (tail > head || head - tail > ctl->capacity || ((head | tail) & (RECORD_ALIGN - 1))) {
		snprintf(why, why_size, "head %llu and tail %llu are inconsistent (capacity %llu)",
			 (unsigned long long)head, (unsigned long long)tail,
			 (unsigned long long)ctl->capacity);
		return -ENOTRECOVERABLE;
	}
	rc = ring_last_snapshot(ctl, &snap);
	if (rc == -ENOTRECOVERABLE) {
		snprintf(why, why_size, "no last-seq slot describes head %llu (slots: %llu, %llu)",
			 (unsigned long long)head,
			 (unsigned long long)SHM_LOAD_RELAXED(&c->last[0].head_after),
			 (unsigned long long)SHM_LOAD_RELAXED(&c->last[1].head_after));
		return rc;
	}
	return 0;
}
