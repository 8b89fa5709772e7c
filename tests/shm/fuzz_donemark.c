/* tests/shm/fuzz_donemark.c - libFuzzer: the done-mark region is shared
 * memory any process could scribble on. Whatever its bytes (raw, or a
 * sound region with damage here and there), a lookup
 * either refuses or hands out words that lie inside the region, and a
 * copy between two such regions stays inside both. */
#include <stdlib.h>
#include <string.h>

#include "shm/donemark.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

#define REGION 4096

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	/* a fake attached segment whose only aux region is the marks */
	static _Alignas(4096) uint8_t base[SEG_HEADER_SIZE + REGION];
	static _Alignas(64) uint8_t other[REGION];
	static const char *const names[] = { "otlphttp", "otlphttp/b", "debug", "" };
	struct seg_header *h = (struct seg_header *)base;
	struct segment seg;

	memset(base, 0, sizeof(base));
	memset(&seg, 0, sizeof(seg));
	seg.base = base;
	seg.hdr = h;
	h->naux = 1;
	strcpy(h->aux[0].name, DONEMARK_REGION_NAME);
	h->aux[0].off = SEG_HEADER_SIZE;
	h->aux[0].size = REGION;
	if (n && (in[0] & 1)) {
		/* structured: a sound region, then damage at (offset, byte)
		 * pairs, so the checks past the magic are reached */
		const struct donemark_spec good[] = { { 0, 8, "otlphttp" },
						      { 0, 4, "otlphttp/b" },
						      { 2, 16, "debug" } };
		if (donemark_region_format(base + SEG_HEADER_SIZE, REGION, good, 3) < 0)
			abort();
		for (size_t i = 1; i + 2 < n; i += 3)
			base[SEG_HEADER_SIZE + (((size_t)in[i] << 8 | in[i + 1]) % REGION)] = in[i + 2];
	} else {
		memcpy(base + SEG_HEADER_SIZE, in, n < REGION ? n : REGION);
	}

	for (uint32_t ring = 0; ring < 4; ring++)
		for (unsigned k = 0; k < 4; k++) {
			struct donemark m;
			if (donemark_for(&seg, ring, names[k], &m) < 0) {
				if (m.words)
					abort();
				continue;
			}
			uint8_t *lo = (uint8_t *)m.words, *hi = lo + (m.mask + 1) * 8;
			if (lo < base + SEG_HEADER_SIZE || hi > base + sizeof(base))
				abort();
			donemark_set(&m, n + 1);
			if (!donemark_has(&m, n + 1))
				abort();
		}
	const struct donemark_spec specs[] = { { 1, 8, "otlphttp" }, { 2, 16, "otlphttp/b" } };
	memset(other, 0, sizeof(other));
	if (donemark_region_format(other, sizeof(other), specs, 2) < 0)
		abort();
	(void)donemark_region_copy(other, sizeof(other), base + SEG_HEADER_SIZE, REGION);
	(void)donemark_region_copy(base + SEG_HEADER_SIZE, REGION, other, sizeof(other));
	return 0;
}
