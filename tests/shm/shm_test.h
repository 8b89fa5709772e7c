/* tests/shm/shm_test.h - helpers shared by the shm tests and benchmarks:
 * unique instance names, payload patterns derived from the seq (so a
 * reader can check every byte without a side channel), a checksum. */
#ifndef SLUICE_TESTS_SHM_TEST_H
#define SLUICE_TESTS_SHM_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shm/record.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHM_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SHM_TEST_ASAN)
#define SHM_TEST_ASAN 1
#endif
#ifndef SHM_TEST_ASAN
#define SHM_TEST_ASAN 0
#endif

/* "t<pid>-<tag>": unique per test process, valid instance name. */
static inline void shm_test_instance(char *buf, size_t n, const char *tag)
{
	snprintf(buf, n, "t%ld-%s", (long)getpid(), tag);
}

static inline int64_t shm_test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Payload length for seq: varies 0..max so records of many sizes mix. */
static inline uint32_t shm_test_len(uint64_t seq, uint32_t max)
{
	uint64_t x = seq * 0x9E3779B97F4A7C15ull;

	return (uint32_t)((x >> 40) % ((uint64_t)max + 1));
}

/* 8 payload bytes at word k of seq's pattern. */
static inline uint64_t shm_test_word(uint64_t seq, uint32_t k)
{
	return (seq * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)k * 0xD6E8FEB86659FD93ull) ^ k;
}

/* Fill / check len bytes with seq's pattern, a word at a time (the tests
 * move gigabytes; byte loops would dominate their run time). */
static inline void shm_test_fill(uint8_t *p, uint32_t len, uint64_t seq)
{
	uint32_t k = 0;

	for (; (k + 1) * 8 <= len; k++) {
		uint64_t w = shm_test_word(seq, k);
		memcpy(p + k * 8, &w, 8);
	}
	if (k * 8 < len) {
		uint64_t w = shm_test_word(seq, k);
		memcpy(p + k * 8, &w, len - k * 8);
	}
}

/* 1 if p holds the pattern of seq. */
static inline int shm_test_check(const uint8_t *p, uint32_t len, uint64_t seq)
{
	uint32_t k = 0;
	uint64_t w, v;

	for (; (k + 1) * 8 <= len; k++) {
		memcpy(&v, p + k * 8, 8);
		if (v != shm_test_word(seq, k))
			return 0;
	}
	if (k * 8 < len) {
		w = shm_test_word(seq, k);
		return memcmp(p + k * 8, &w, len - k * 8) == 0;
	}
	return 1;
}

/* Order-sensitive checksum of a record's identity and every payload byte
 * (FNV-1a style over 64-bit words; a short tail is zero-padded). */
static inline uint64_t shm_test_sum(uint64_t h, const struct record *r)
{
	const uint8_t *p = record_cpayload(r);
	uint32_t k = 0;
	uint64_t v;

	h = (h ^ r->seq) * 0x100000001b3ull;
	h = (h ^ r->len) * 0x100000001b3ull;
	for (; (k + 1) * 8 <= r->len; k++) {
		memcpy(&v, p + k * 8, 8);
		h = (h ^ v) * 0x100000001b3ull;
	}
	if (k * 8 < r->len) {
		v = 0;
		memcpy(&v, p + k * 8, r->len - k * 8);
		h = (h ^ v) * 0x100000001b3ull;
	}
	return h;
}

#endif
