/* shm/record.h - the record header that every ring record starts with,
 * and its checksum.
 *
 * A ring record is a fixed 32-byte header followed by `len` payload bytes,
 * padded to a multiple of 8 bytes inside the ring:
 *
 *    0       4       6       8               16              24      28      32
 *    +-------+-------+-------+---------------+---------------+-------+-------+----------
 *    |  len  |signal | flags |      seq      |   ingest_ns   | items |  crc  | payload..
 *    +-------+-------+-------+---------------+---------------+-------+-------+----------
 *    len     payload bytes (header not included)
 *    signal  RECORD_SIGNAL_TRACES (1), _LOGS (2), _METRICS (3): 1-based, so
 *            zeroed memory is never a valid record
 *    flags   RECORD_F_REQUEST: payload is a whole Export*ServiceRequest body
 *            (one or more `0x0a len Resource*` frames); otherwise it is ONE
 *            bare ResourceSpans / ResourceLogs / ResourceMetrics message;
 *            RECORD_F_HEADS_FIRST (traces, set by ingest): in every span,
 *            fields 1-8 (ids, trace_state, name, kind, times) come before
 *            all others, in number order, each at most once, as ingest's
 *            validator saw; a reader that needs only those may stop at a
 *            span's first later field (the process stage's decode)
 *    seq     strictly increasing within a ring, no exception: each ring
 *            counts its own records (ring_reserve fills in the next one; the
 *            parts of a record the batch stage splits get consecutive seqs).
 *            Which input a record completes is in the ring's source table
 *            (ring_note_source), not in its seq
 *    ingest_ns  CLOCK_REALTIME ns when ingest received the data (for a batch:
 *            the oldest input record's)
 *    items   spans, log records or metric data points
 *    crc     CRC-32C of the payload followed by the 32 header bytes with crc
 *            = 0 (a PAD record: of its header alone). Payload first, so a
 *            producer can checksum the payload while copying it in and seal
 *            the header last (record_seal_payload). Written by the producer
 *            (ring_publish seals whatever its producer did not), checked by
 *            ring_peek.
 *
 * The layout is shared memory between processes built from the same tree;
 * it is pinned with _Static_assert below.
 */
#ifndef SLUICE_SHM_RECORD_H
#define SLUICE_SHM_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shm/crc32c.h"

#define RECORD_HDR_SIZE 32u
#define RECORD_ALIGN 8u

#define RECORD_SIGNAL_TRACES 1u
#define RECORD_SIGNAL_LOGS 2u
#define RECORD_SIGNAL_METRICS 3u
#define RECORD_SIGNAL_MAX 3u

#define RECORD_F_REQUEST 0x0001u     /* payload = Export*ServiceRequest body */
#define RECORD_F_HEADS_FIRST 0x0002u /* traces: every span's fields 1-8 come first */
#define RECORD_F_PAD 0x8000u	     /* ring-internal wrap padding; never seen by users */
/* Every flag a producer may set: ring_peek takes a header with any other
 * bit for damage. A new flag is added here too. HEADS_FIRST came without a
 * SEG_LAYOUT_VERSION bump: records without it read as before, so a segment
 * written by an older build carries on; only a build older than the flag
 * would quarantine the records that have it (a downgrade with full rings). */
#define RECORD_F_KNOWN (RECORD_F_REQUEST | RECORD_F_HEADS_FIRST | RECORD_F_PAD)

struct record {
	uint32_t len;	    /* payload bytes */
	uint16_t signal;    /* RECORD_SIGNAL_* */
	uint16_t flags;	    /* RECORD_F_* */
	uint64_t seq;	    /* sequence number */
	uint64_t ingest_ns; /* CLOCK_REALTIME ns at ingest (oldest, for a batch) */
	uint32_t items;	    /* spans, log records or data points */
	uint32_t crc;	    /* CRC-32C of payload + header (crc = 0); 0 = not sealed yet */
			    /* payload follows */
};

_Static_assert(sizeof(struct record) == RECORD_HDR_SIZE, "record header is 32 bytes");
_Static_assert(offsetof(struct record, len) == 0, "record.len at 0");
_Static_assert(offsetof(struct record, signal) == 4, "record.signal at 4");
_Static_assert(offsetof(struct record, flags) == 6, "record.flags at 6");
_Static_assert(offsetof(struct record, seq) == 8, "record.seq at 8");
_Static_assert(offsetof(struct record, ingest_ns) == 16, "record.ingest_ns at 16");
_Static_assert(offsetof(struct record, items) == 24, "record.items at 24");
_Static_assert(offsetof(struct record, crc) == 28, "record.crc at 28");

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

/* The checksum a record should carry, given payload_crc = crc32c(0,
 * payload, len) (0 for a PAD record, whose payload is not covered). */
static inline uint32_t record_crc_from(const struct record *r, uint32_t payload_crc)
{
	struct record h;

	memcpy(&h, r, RECORD_HDR_SIZE);
	h.crc = 0;
	return crc32c(payload_crc, &h, RECORD_HDR_SIZE);
}

static inline uint32_t record_crc(const struct record *r)
{
	if (r->flags & RECORD_F_PAD)
		return record_crc_from(r, 0);
	return record_crc_from(r, crc32c(0, record_cpayload(r), r->len));
}

/* Seal a record whose header and payload are final. */
static inline void record_seal(struct record *r)
{
	r->crc = record_crc(r);
}

/* Seal with the payload's CRC already known (computed while copying the
 * payload in, see copy_to_ring_crc): touches only the header. */
static inline void record_seal_payload(struct record *r, uint32_t payload_crc)
{
	r->crc = record_crc_from(r, payload_crc);
}

/* 1 if a record whose payload has CRC payload_crc (crc32c(0, payload,
 * len), computed by the caller while reading it) matches its checksum:
 * the check that ring_peek_deferred leaves to its caller. */
static inline int record_payload_ok(const struct record *r, uint32_t payload_crc)
{
	return r->crc == record_crc_from(r, payload_crc);
}

/* 1 if the record's bytes match its checksum. The caller has checked that
 * len is within the ring. */
static inline int record_intact(const struct record *r)
{
	return r->crc == record_crc(r);
}

#endif
