/* sampler.h: the probabilistic_sampler decision, from the trace id alone.
 *
 * We follow the OpenTelemetry Collector's `hash_seed` mode (the default mode
 * of probabilisticsamplerprocessor) so a sluice node and a Collector with the
 * same hash_seed and percentage keep exactly the same traces:
 *
 *   h    = FNV-1a-32( seed as 4 bytes little-endian || trace_id[16] )
 *   keep = (h & 0x3fff) < (uint32)(percent * 16384 / 100)
 *
 * The decision depends only on (seed, percent, trace id): every span of a
 * trace gets the same decision in every process and on every host.
 * percent >= 100 keeps everything; percent <= 0 drops everything.
 */
#ifndef SLUICE_STAGES_SAMPLER_H
#define SLUICE_STAGES_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAMPLER_BUCKETS 0x4000u

struct sampler {
	uint32_t seed;
	uint32_t threshold; /* keep when bucket < threshold */
	uint32_t h0;	    /* FNV state after the seed bytes */
	/* the last 16-byte trace id and its decision: the spans of a trace
	 * often come in a row, and the hash is 16 dependent multiplies */
	bool last_valid, last_keep;
	uint64_t last_lo, last_hi;
};

/* 0, or -EINVAL when percent is not a finite number. */
int sampler_init(struct sampler *s, double percent, uint32_t seed);

/* FNV-1a 32 of the seed bytes then the id bytes (exposed for tests). */
uint32_t sampler_hash(uint32_t seed, const uint8_t *id, size_t len);

/* FNV-1a 32 continued from state h over the id bytes. */
static inline uint32_t sampler_fnv(uint32_t h, const uint8_t *id, size_t len)
{
	if (len == 16) { /* every valid trace id: no loop counter in the chain */
#pragma GCC unroll 16
		for (size_t i = 0; i < 16; i++)
			h = (h ^ id[i]) * 16777619u;
		return h;
	}
	for (size_t i = 0; i < len; i++)
		h = (h ^ id[i]) * 16777619u;
	return h;
}

/* Keep this trace? id/len is the span's trace_id field as on the wire
 * (16 bytes when valid; any length is hashed as given). Remembers the last
 * 16-byte id's answer (the answer is the same either way). */
static inline bool sampler_keep(struct sampler *s, const uint8_t *id, size_t len)
{
	if (s->threshold >= SAMPLER_BUCKETS)
		return true;
	if (len != 16)
		return (sampler_fnv(s->h0, id, len) & (SAMPLER_BUCKETS - 1)) < s->threshold;
	uint64_t lo, hi;
	__builtin_memcpy(&lo, id, 8);
	__builtin_memcpy(&hi, id + 8, 8);
	if (s->last_valid && lo == s->last_lo && hi == s->last_hi)
		return s->last_keep;
	bool keep = (sampler_fnv(s->h0, id, 16) & (SAMPLER_BUCKETS - 1)) < s->threshold;
	s->last_lo = lo;
	s->last_hi = hi;
	s->last_keep = keep;
	s->last_valid = true;
	return keep;
}

#endif
