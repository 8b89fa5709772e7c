/* batcher.c: limits arithmetic for the batch stage; views only, no copies
 * until batcher_write. */
#include "stages/batcher.h"

#include "shm/copy.h"
#include "shm/record.h"

#include <errno.h>
#include <string.h>

size_t batcher_frame_len(uint32_t len)
{
	size_t n = 1 + 1;
	for (uint32_t v = len; v >= 0x80; v >>= 7)
		n++;
	return n + len;
}

size_t batcher_frame_head(uint8_t *out, uint32_t len)
{
	size_t n = 0;
	out[n++] = 0x0a; /* field 1 (resource_spans), wire type 2 */
	while (len >= 0x80) {
		out[n++] = (uint8_t)(len | 0x80);
		len >>= 7;
	}
	out[n++] = (uint8_t)len;
	return n;
}

int batcher_init(struct batcher *b, const struct batcher_limits *lim, struct batcher_ref *refs,
		 uint32_t nrefs)
{
	if (!lim->max_bytes || !nrefs || !refs)
		return -EINVAL;
	if (lim->send_batch_max_size && lim->send_batch_size > lim->send_batch_max_size)
		return -EINVAL;
	memset(b, 0, sizeof *b);
	b->lim = *lim;
	b->refs = refs;
	b->nrefs = nrefs;
	return 0;
}

enum batcher_verdict batcher_offer(const struct batcher *b, uint32_t len, uint32_t items)
{
	uint64_t fl = batcher_frame_len(len);
	bool over_items = b->lim.send_batch_max_size && b->items + items > b->lim.send_batch_max_size;
	bool over_bytes = b->bytes + fl > b->lim.max_bytes;
	if (!over_items && !over_bytes && b->count < b->nrefs)
		return BATCHER_ADD;
	return b->count ? BATCHER_FLUSH_FIRST : BATCHER_SPLIT;
}

void batcher_add(struct batcher *b, const struct batcher_ref *ref, uint64_t seq, uint64_t ingest_ns,
		 uint64_t now_ns)
{
	b->refs[b->count++] = *ref;
	uint32_t len = ref->len, items = ref->items;
	if (b->count == 1) {
		b->first_ns = now_ns;
		b->oldest_ingest_ns = ingest_ns;
	} else if (ingest_ns < b->oldest_ingest_ns) {
		b->oldest_ingest_ns = ingest_ns;
	}
	b->items += items;
	b->bytes += batcher_frame_len(len);
	b->last_seq = seq;
}

bool batcher_full(const struct batcher *b)
{
	if (!b->count)
		return false;
	if (b->count >= b->nrefs)
		return true;
	if (b->lim.send_batch_size && b->items >= b->lim.send_batch_size)
		return true;
	if (b->lim.send_batch_max_size && b->items >= b->lim.send_batch_max_size)
		return true;
	return b->bytes >= b->lim.max_bytes;
}

bool batcher_due(const struct batcher *b, uint64_t now_ns)
{
	return b->count && now_ns - b->first_ns >= b->lim.timeout_ns;
}

uint64_t batcher_wait_ns(const struct batcher *b, uint64_t now_ns)
{
	if (!b->count)
		return UINT64_MAX;
	uint64_t age = now_ns - b->first_ns;
	return age >= b->lim.timeout_ns ? 0 : b->lim.timeout_ns - age;
}

/* Below this a payload's bytes are still in L1 after the copy, and a
 * second CRC pass over them (~20 ns/KB) costs less than crc32c_combine's
 * shift (a carry-less multiply loop per set bit of the length, ~30-40 ns
 * each): small payloads are summed again, large ones combined. */
#define BATCHER_COMBINE_MIN 4096u

int batcher_write(const struct batcher *b, uint8_t *out, uint32_t *crc_out, uint32_t *bad)
{
	uint32_t crc = 0;
	for (uint32_t i = 0; i < b->count; i++) {
		const struct batcher_ref *r = &b->refs[i];
		size_t h = batcher_frame_head(out, r->len);
		crc = crc32c(crc, out, h);
		out += h;
		uint32_t own = copy_to_ring_crc(out, r->payload, r->len, 0);
		if (r->check && !record_payload_ok(r->check, own)) {
			*bad = i;
			return -EBADMSG;
		}
		crc = r->len >= BATCHER_COMBINE_MIN ? crc32c_combine(crc, own, r->len)
						    : crc32c(crc, out, r->len);
		out += r->len;
	}
	*crc_out = crc;
	return 0;
}

void batcher_reset(struct batcher *b)
{
	b->count = 0;
	b->items = 0;
	b->bytes = 0;
	b->oldest_ingest_ns = 0;
	b->first_ns = 0;
}
