/* tests/agg/test_agg_hash.c: agg_hash and agg_hash128 give, for every
 * length and start offset, the values of the definition (8-byte words,
 * then the rest zero-extended), and known values for a fixed key: series
 * identities are these hashes, stored in the region, so a change to the
 * function must come with a new SM_VERSION (agg/sm_layout.h). */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "agg/hash.h"
#include "tests/check_run.h"

/* agg_hash128(key below, 42) as sluice computed it when SM_VERSION 2 came */
#define KNOWN_LO 0xe5615fd17884f605ull
#define KNOWN_HI 0x5709c645a0164fd6ull

/* The definition, byte by byte (little-endian words). */
static uint64_t word_at(const uint8_t *p, size_t n)
{
	uint64_t w = 0;
	for (size_t i = 0; i < n && i < 8; i++)
		w |= (uint64_t)p[i] << (8 * i);
	return w;
}

static uint64_t ref_hash(const uint8_t *s, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);
	for (; n >= 8; s += 8, n -= 8) {
		h = (h ^ word_at(s, 8)) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 29;
	}
	if (n) {
		h = (h ^ word_at(s, n)) * 0x94d049bb133111ebull;
		h ^= h >> 31;
	}
	return agg_mix(h);
}

static uint64_t ref_hash128(const uint8_t *s, size_t n, uint64_t seed, uint64_t *hi)
{
	uint64_t a = seed ^ (n * 0x9e3779b97f4a7c15ull), b = ~seed ^ (n * 0xc2b2ae3d27d4eb4full);
	for (; n >= 8; s += 8, n -= 8) {
		uint64_t w = word_at(s, 8);
		a = (a ^ w) * 0xbf58476d1ce4e5b9ull;
		b = (b ^ w) * 0x94d049bb133111ebull;
		a ^= a >> 29;
		b ^= b >> 32;
	}
	if (n) {
		uint64_t w = word_at(s, n);
		a = (a ^ w) * 0x94d049bb133111ebull;
		b = (b ^ w) * 0xbf58476d1ce4e5b9ull;
		a ^= a >> 31;
		b ^= b >> 27;
	}
	*hi = agg_mix(b + 0x2545f4914f6cdd1dull);
	return agg_mix(a);
}

START_TEST(every_length_and_offset_as_defined)
{
	uint8_t buf[160];
	uint64_t x = 0x243f6a8885a308d3ull;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = (uint8_t)(x >> 56);
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n + off + 8 <= sizeof buf; n++) {
			/* bytes around the key differ from run to run: never read */
			const uint8_t *k = buf + 8 + off;
			uint64_t seed = n * 0x100000001b3ull + off;
			uint64_t hi, rhi, lo = agg_hash128(k, n, seed, &hi);
			ck_assert_uint_eq(lo, ref_hash128(k, n, seed, &rhi));
			ck_assert_uint_eq(hi, rhi);
			ck_assert_uint_eq(agg_hash(k, n, seed), ref_hash(k, n, seed));
		}
}
END_TEST

START_TEST(known_values)
{
	static const char key[] = "\x07\x00checkout\x0b\x00GET /orders\x01\x00\x02\x01\x00\x01";
	uint64_t hi, lo = agg_hash128(key, sizeof key - 1, 42, &hi);
	uint64_t rhi, rlo = ref_hash128((const uint8_t *)key, sizeof key - 1, 42, &rhi);
	ck_assert_uint_eq(lo, rlo);
	ck_assert_uint_eq(hi, rhi);
	ck_assert_uint_eq(lo, KNOWN_LO);
	ck_assert_uint_eq(hi, KNOWN_HI);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agg_hash");
	TCase *tc = tcase_create("hash");
	tcase_add_test(tc, every_length_and_offset_as_defined);
	tcase_add_test(tc, known_values);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
