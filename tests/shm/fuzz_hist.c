/* tests/shm/fuzz_hist.c - libFuzzer: the histogram region is shared memory
 * any process could scribble on. Whatever its bytes, lookups, reads,
 * quantiles and observations stay inside the region, and a read's count is
 * the sum of its buckets. */
#include <stdlib.h>
#include <string.h>

#include "shm/hist.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

#define REGION (64 + 8 * 256)

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	/* a fake attached segment whose only aux region is the histograms */
	static _Alignas(4096) uint8_t base[SEG_HEADER_SIZE + REGION];
	struct seg_header *h = (struct seg_header *)base;
	struct segment seg;
	struct hist_snapshot s;

	memset(base, 0, sizeof(base));
	memset(&seg, 0, sizeof(seg));
	seg.base = base;
	seg.hdr = h;
	h->naux = 1;
	strcpy(h->aux[0].name, HIST_REGION_NAME);
	h->aux[0].off = SEG_HEADER_SIZE;
	h->aux[0].size = REGION;
	memcpy(base + SEG_HEADER_SIZE, in, n < REGION ? n : REGION);

	uint32_t count = hist_count(&seg);
	if (count > 8)
		abort(); /* more than the region holds */
	for (uint32_t i = 0; i < count + 1; i++) {
		if (hist_read(&seg, i, &s) == 0) {
			if (s.nbounds + 1 > HIST_MAX_BUCKETS || s.cumulative[s.nbounds] != s.count)
				abort();
			(void)hist_quantile(&s, 0.5);
			(void)hist_quantile(&s, 0.99);
		}
	}
	for (uint32_t k = 0; k < HIST_KINDS + 1; k++)
		for (uint32_t idx = 0; idx < 4; idx++)
			hist_observe(hist_for(&seg, (enum hist_kind)k, idx), n * 1000003u);
	return 0;
}
