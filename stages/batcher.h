/* batcher.h: the batch stage's accumulation rules, without I/O.
 *
 * The batch stage peeks records from its input ring without committing them,
 * so their payloads stay valid (unconsumed) until the batch is published.
 * The batcher therefore holds only views (pointer, length, items) into the
 * input ring; at flush the stage copies each payload once, framed as
 * `0x0a varint(len) payload`, into one reserved output record. That copy
 * is also where each payload's checksum is checked (ring_peek_deferred
 * leaves it to us) and where the output's checksum comes from: no pass
 * over the bytes but the copy.
 *
 * Collector meaning of the limits:
 *   send_batch_size      a batch is sent as soon as it holds >= this many
 *                        items (0 = no size trigger: only timeout/limits).
 *   send_batch_max_size  a batch never holds more items than this (0 = no
 *                        limit). A record that would overflow it starts
 *                        the next batch; one record larger than it alone is
 *                        split by the stage (split.h).
 *   max_bytes            a batch body never exceeds this many bytes (ours;
 *                        also clamped by the ring's max record size).
 *   timeout_ns           a non-empty batch is sent this long after its first
 *                        record arrived (0 = send every record at once).
 *
 *   struct batcher b; batcher_init(&b, &limits, refs, nrefs);
 *   switch (batcher_offer(&b, len, items)) { BATCHER_FLUSH_FIRST ...}
 *   batcher_add(&b, payload, len, items, seq, ingest_ns, now_ns);
 *   if (batcher_full(&b) || batcher_due(&b, now_ns)) ... flush ...
 *   batcher_reset(&b);
 */
#ifndef SLUICE_STAGES_BATCHER_H
#define SLUICE_STAGES_BATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct record; /* shm/record.h */

struct batcher_limits {
	uint32_t send_batch_size;
	uint32_t send_batch_max_size;
	uint64_t max_bytes; /* body bytes, frames included; > 0 */
	uint64_t timeout_ns;
};

struct batcher_ref { /* one input record in the batch */
	const uint8_t *payload;
	const struct record *check; /* header whose crc the payload must match
	                                 (record_payload_ok); NULL = checked already */
	uint32_t len;
	uint32_t items;
};

struct batcher {
	struct batcher_limits lim;
	struct batcher_ref *refs; /* caller's array, nrefs entries */
	uint32_t nrefs;
	uint32_t count;		   /* records held */
	uint64_t items;		   /* items held */
	uint64_t bytes;		   /* framed body bytes */
	uint64_t last_seq;	   /* seq of the newest record held */
	uint64_t oldest_ingest_ns; /* min ingest_ns of records held */
	uint64_t first_ns;	   /* monotonic time the first record came */
};

enum batcher_verdict {
	BATCHER_ADD = 0,	 /* add it to the current batch */
	BATCHER_FLUSH_FIRST = 1, /* flush what is held, then offer again */
	BATCHER_SPLIT = 2,	 /* batch is empty and the record alone is
	                                 over a limit: split it */
};

/* Size of one frame: 1 tag byte + varint(len) + len. */
size_t batcher_frame_len(uint32_t len);
/* Writes `0x0a varint(len)` to out (>= 6 bytes); returns bytes written. */
size_t batcher_frame_head(uint8_t *out, uint32_t len);

/* 0, or -EINVAL (max_bytes 0, nrefs 0, or max_size < batch_size != 0). */
int batcher_init(struct batcher *b, const struct batcher_limits *lim, struct batcher_ref *refs,
		 uint32_t nrefs);
/* What to do with a record of len payload bytes holding `items` items. */
enum batcher_verdict batcher_offer(const struct batcher *b, uint32_t len, uint32_t items);
/* Adds a record the last offer answered BATCHER_ADD for (*ref is copied). */
void batcher_add(struct batcher *b, const struct batcher_ref *ref, uint64_t seq, uint64_t ingest_ns,
		 uint64_t now_ns);
/* Size trigger reached (or no room for one more record ref). */
bool batcher_full(const struct batcher *b);
/* Non-empty and its timeout has expired at now_ns. */
bool batcher_due(const struct batcher *b, uint64_t now_ns);
/* ns until batcher_due turns true (0 if already; UINT64_MAX when empty). */
uint64_t batcher_wait_ns(const struct batcher *b, uint64_t now_ns);
/* Copies the framed body (b->bytes bytes) to out. Each payload's CRC-32C
 * is taken while it is copied and checked against its ref's `check`
 * header. 0 with *crc = the body's CRC-32C (for record_seal_payload, from
 * the frames' and the payloads' CRCs: crc32c_combine), or -EBADMSG with
 * *bad = the index of the first payload that does not match (out is then
 * garbage: cancel it). */
int batcher_write(const struct batcher *b, uint8_t *out, uint32_t *crc, uint32_t *bad);
void batcher_reset(struct batcher *b);

#endif
