/* agg/hash.h: the 64-bit hash agg/ keys its tables with (series keys,
 * resource keys, Prometheus series). Not cryptographic: the tables compare
 * the full key on a hash match. */
#ifndef SLUICE_AGG_HASH_H
#define SLUICE_AGG_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t agg_mix(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	return x;
}

uint64_t agg_hash(const void *p, size_t n, uint64_t seed);

/* A 128-bit hash in one pass (two independent lanes over the same words,
 * run in parallel by the CPU): *hi gets the second half. */
uint64_t agg_hash128(const void *p, size_t n, uint64_t seed, uint64_t *hi);

#endif
