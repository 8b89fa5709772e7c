/* tests/shm/fuzz_ring.c - libFuzzer: a consumer reading a ring whose
 * control block and data are damaged or hostile must only ever return
 * records inside the data area, or an error; ring_skip_corrupt must move
 * forward inside [tail, head]; and the walk must end: never read out of
 * bounds, never loop forever.
 *
 * Input, first byte = mode:
 *   even: raw. 8 bytes head, 8 bytes tail, 16 bytes of last[] slot
 *         (head_after, seq of slot 0), then data bytes (the rest zero).
 *   odd:  structured. A real producer publishes records whose lengths
 *         come from the input (wrapping, with PADs), then the rest of the
 *         input is damage: {offset u16, length u8, xor value u8} groups
 *         applied to the data.
 * Then: peek; on -EBADMSG skip; commit now and then; at most
 * capacity / 8 + 2 steps, each of which must advance the cursor. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shm/ring.h"

#define CAP 4096u

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

static _Alignas(64) uint8_t mem[RING_CTRL_SIZE + CAP];

static void raw(struct ring_ctrl *ctl, const uint8_t *in, size_t n)
{
	uint64_t head = 0, tail = 0, after = 0, seq = 0;

	if (n >= 32) {
		memcpy(&head, in, 8);
		memcpy(&tail, in + 8, 8);
		memcpy(&after, in + 16, 8);
		memcpy(&seq, in + 24, 8);
		in += 32;
		n -= 32;
	}
	memcpy(mem + RING_CTRL_SIZE, in, n < CAP ? n : CAP);
	atomic_store(&ctl->head, head);
	atomic_store(&ctl->tail, tail);
	atomic_store(&ctl->last[0].head_after, after);
	atomic_store(&ctl->last[0].seq, seq);
}

static void structured(const uint8_t *in, size_t n)
{
	struct ring p, c;
	const struct record *got;
	size_t i = 0;

	if (ring_init(&p, mem, -1, -1) || ring_init(&c, mem, -1, -1))
		abort();
	/* records: one length byte each until a 0 byte; read half of them
	 * first so that the rest wraps */
	for (unsigned k = 0; i < n && in[i] && k < 64; i++, k++) {
		struct record *rec;
		uint32_t len = (uint32_t)in[i] * 5;

		if (ring_try_reserve(&p, len, &rec))
			break;
		memset(record_payload(rec), (int)k, len);
		ring_publish(&p);
		if (k % 2 && ring_try_peek(&c, &got) == 0)
			ring_commit(&c, ring_cursor(&c));
	}
	for (i++; i + 4 <= n; i += 4) {
		uint32_t off = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8, len = in[i + 2];

		for (uint32_t b = 0; b < len; b++)
			mem[RING_CTRL_SIZE + ((off + b) & (CAP - 1))] ^= in[i + 3] | 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	struct ring_ctrl *ctl = (struct ring_ctrl *)mem;
	const struct record *rec;
	struct ring r;
	uint64_t tail;

	if (ring_format(mem, CAP))
		abort();
	memset(mem + RING_CTRL_SIZE, 0, CAP);
	if (n && (in[0] & 1))
		structured(in + 1, n - 1);
	else
		raw(ctl, n ? in + 1 : in, n ? n - 1 : 0);
	if (ring_init(&r, mem, -1, -1))
		return 0;
	tail = ring_committed(&r);
	for (unsigned i = 0; i <= CAP / 8 + 2; i++) {
		uint64_t before = ring_cursor(&r);
		struct ring_skip k;
		int rc = ring_try_peek(&r, &rec);

		if (rc == -EBADMSG) {
			rc = ring_skip_corrupt(&r, &k);
			if (rc == -EINVAL)
				abort(); /* peek and skip disagree about the record */
			if (rc == 0) {
				const uint8_t *part[2];
				size_t len[2];

				if (k.to <= k.from || k.from < tail || k.to > atomic_load(&ctl->head) ||
				    ring_skipped_bytes(&r, &k, part, len) ||
				    len[0] + len[1] != k.to - k.from || part[0] < mem + RING_CTRL_SIZE ||
				    part[0] + len[0] > mem + sizeof(mem))
					abort();
				continue;
			}
		}
		if (rc)
			return 0; /* -EAGAIN at head, or a damaged control block */
		const uint8_t *p = (const uint8_t *)rec;
		if (p < mem + RING_CTRL_SIZE || p + RECORD_HDR_SIZE + rec->len > mem + sizeof(mem) ||
		    ring_cursor(&r) <= before)
			abort();
		volatile uint8_t sink = rec->len ? record_cpayload(rec)[rec->len - 1] : 0;
		(void)sink;
		if (i % 3 == 0 && ring_commit(&r, ring_cursor(&r)))
			abort();
	}
	abort(); /* more steps than the ring has positions: a loop */
}
