/* sampler.c: FNV-1a over seed+trace id, bucketed like the Collector. */
#include "stages/sampler.h"

#include <errno.h>
#include <math.h>

int sampler_init(struct sampler *s, double percent, uint32_t seed)
{
	if (!isfinite(percent))
		return -EINVAL;
	s->seed = seed;
	s->last_valid = false;
	s->h0 = sampler_hash(seed, NULL, 0);
	if (percent <= 0)
		s->threshold = 0;
	else if (percent >= 100)
		s->threshold = SAMPLER_BUCKETS;
	else /* Go's uint32(float32 * scale) truncates; so do we */
		s->threshold = (uint32_t)(percent * (SAMPLER_BUCKETS / 100.0));
	return 0;
}

uint32_t sampler_hash(uint32_t seed, const uint8_t *id, size_t len)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 4; i++) {
		h ^= (seed >> (8 * i)) & 0xff;
		h *= 16777619u;
	}
	return sampler_fnv(h, id, len);
}
