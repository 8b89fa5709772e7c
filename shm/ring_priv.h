/* shm/ring_priv.h - private to shm/ring*.c: what lies at a read position,
 * and the crash-consistent snapshot of the producer's last[] slots. Not
 * part of the API. */
#ifndef SLUICE_SHM_RING_PRIV_H
#define SLUICE_SHM_RING_PRIV_H

#include <stdint.h>

#include "shm/record.h"
#include "shm/ring-t.h"

static inline int ring_capacity_ok(uint64_t cap)
{
	return cap && !(cap & (cap - 1)) && cap >= RING_MIN_CAPACITY && cap <= RING_MAX_CAPACITY;
}

enum ring_at {
	RING_AT_BAD = 0, /* not a record the producer could have written */
	RING_AT_RECORD = 1,
	RING_AT_PAD = 2, /* wrap padding: the rest of the buffer */
};

/* Does the header at a read position look like one the producer writes?
 * room: bytes from there to the end of the buffer (>= RECORD_HDR_SIZE);
 * avail: published bytes from there (head - position). The checksum is
 * not looked at: see ring_at(). */
static inline enum ring_at ring_at_header(const struct ring *r, const struct record *rec, uint64_t room,
					  uint64_t avail)
{
	uint64_t size;

	if (rec->flags & RECORD_F_PAD) {
		if (rec->flags != RECORD_F_PAD || rec->signal != 0 ||
		    (uint64_t)rec->len + RECORD_HDR_SIZE != room || room > avail)
			return RING_AT_BAD;
		return RING_AT_PAD;
	}
	if ((rec->flags & ~RECORD_F_KNOWN) || rec->signal == 0 || rec->signal > RECORD_SIGNAL_MAX ||
	    rec->len > r->max_payload)
		return RING_AT_BAD;
	size = record_size(rec->len);
	return size <= room && size <= avail ? RING_AT_RECORD : RING_AT_BAD;
}

/* ring_at_header, and the checksum. */
static inline enum ring_at ring_at(const struct ring *r, const struct record *rec, uint64_t room,
				   uint64_t avail)
{
	enum ring_at at = ring_at_header(r, rec, room, avail);

	return at != RING_AT_BAD && record_intact(rec) ? at : RING_AT_BAD;
}

/* The producer's published state: head and the last[] slot describing it. */
struct ring_last_snap {
	uint64_t head;
	uint64_t seq;
	uint64_t src[RING_MAX_SOURCES];
};

/* 0; -EAGAIN if a live producer kept publishing while we read (only an
 * observer can see this, never the producer itself); -ENOTRECOVERABLE if
 * head stood still and no slot describes it: the control block is
 * damaged. */
int ring_last_snapshot(const struct ring_ctrl *ctl, struct ring_last_snap *out);

#endif
