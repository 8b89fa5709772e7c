/* shm/record.h - the record header that every ring record starts with.
 *
 * A ring record is a fixed 32-byte header followed by `len` payload bytes,
 * padded to a multiple of 8 bytes inside the ring:
 *
 *    0       4       6       8               16              24      28      32
 *    +-------+-------+-------+---------------+---------------+-------+-------+----------
 *    |  len  |signal | flags |      seq      |   ingest_ns   | items | rsvd  | payload..
 *    +-------+-------+-------+---------------+---------------+-------+-------+----------
 *    len     payload bytes (header not included)
 *    signal  RECORD_SIGNAL_TRACES (1); logs and metrics later
 *    flags   RECORD_F_REQUEST: payload is a whole ExportTraceServiceRequest
 *            body (one or more `0x0a len ResourceSpans` frames); otherwise it
 *            is ONE bare ResourceSpans message
 *    seq     strictly increasing within a ring (see the sequence rule in
 *            shm/ring.h: ring_last_seq)
 *    ingest_ns  CLOCK_REALTIME ns when ingest received the data (for a batch:
 *            the oldest input record's)
 *    items   span count
 *
 * The layout is shared memory between processes built from the same tree;
 * it is pinned with _Static_assert below.
 */
#ifndef SLUICE_SHM_RECORD_H
#define SLUICE_SHM_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define RECORD_HDR_SIZE 32u
#define RECORD_ALIGN 8u

#define RECORD_SIGNAL_TRACES 1u

#define RECORD_F_REQUEST 0x0001u /* payload = ExportTraceServiceRequest body */
#define RECORD_F_PAD 0x8000u     /* ring-internal wrap padding; never seen by users */

struct record {
	uint32_t len;       /* payload bytes */
	uint16_t signal;    /* RECORD_SIGNAL_* */
	uint16_t flags;     /* RECORD_F_* */
	uint64_t seq;       /* sequence number */
	uint64_t ingest_ns; /* CLOCK_REALTIME ns at ingest (oldest, for a batch) */
	uint32_t items;     /* span count */
	uint32_t reserved;  /* zero */
	/* payload follows */
};

_Static_assert(sizeof(struct record) == RECORD_HDR_SIZE, "record header is 32 bytes");
_Static_assert(offsetof(struct record, len) == 0, "record.len at 0");
_Static_assert(offsetof(struct record, signal) == 4, "record.signal at 4");
_Static_assert(offsetof(struct record, flags) == 6, "record.flags at 6");
_Static_assert(offsetof(struct record, seq) == 8, "record.seq at 8");
_Static_assert(offsetof(struct record, ingest_ns) == 16, "record.ingest_ns at 16");
_Static_assert(offsetof(struct record, items) == 24, "record.items at 24");
_Static_assert(offsetof(struct record, reserved) == 28, "record.reserved at 28");

/* The payload bytes right after the header. */
static inline uint8_t *record_payload(struct record *r)
{
	return (uint8_t *)r + RECORD_HDR_SIZE;
}

static inline const uint8_t *record_cpayload(const struct record *r)
{
	return (const uint8_t *)r + RECORD_HDR_SIZE;
}

/* Bytes a record with `len` payload bytes occupies in a ring (header +
 * payload, rounded up to RECORD_ALIGN). */
static inline uint64_t record_size(uint32_t len)
{
	return ((uint64_t)RECORD_HDR_SIZE + len + RECORD_ALIGN - 1) & ~(uint64_t)(RECORD_ALIGN - 1);
}

#endif
