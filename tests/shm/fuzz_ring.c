/* tests/shm/fuzz_ring.c - libFuzzer: a consumer reading a ring whose
 * control block and data are arbitrary bytes (a damaged or hostile
 * segment) must only ever return records inside the data area, or an
 * error; never read out of bounds or loop forever.
 *
 * Input: 8 bytes head, 8 bytes tail, then data bytes (the rest zero). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shm/ring.h"

#define CAP 4096u

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	static _Alignas(64) uint8_t mem[RING_CTRL_SIZE + CAP];
	struct ring_ctrl *ctl = (struct ring_ctrl *)mem;
	uint64_t head = 0, tail = 0;
	const struct record *rec;
	struct ring r;

	if (ring_format(mem, CAP))
		abort();
	memset(mem + RING_CTRL_SIZE, 0, CAP);
	if (n >= 16) {
		memcpy(&head, in, 8);
		memcpy(&tail, in + 8, 8);
		in += 16;
		n -= 16;
	}
	memcpy(mem + RING_CTRL_SIZE, in, n < CAP ? n : CAP);
	atomic_store(&ctl->head, head);
	atomic_store(&ctl->tail, tail);
	if (ring_init(&r, mem, -1, -1))
		return 0;
	/* Every record shown lies inside data[]; the walk ends within
	 * capacity / 8 + 1 steps because each step advances >= 8 bytes. */
	for (unsigned i = 0; i <= CAP / 8 + 1; i++) {
		if (ring_try_peek(&r, &rec))
			break;
		const uint8_t *p = (const uint8_t *)rec;
		if (p < mem + RING_CTRL_SIZE || p + RECORD_HDR_SIZE + rec->len > mem + sizeof(mem))
			abort();
		volatile uint8_t sink = rec->len ? record_cpayload(rec)[rec->len - 1] : 0;
		(void)sink;
		if (i % 3 == 0 && ring_commit(&r, ring_cursor(&r)))
			abort();
	}
	return 0;
}
