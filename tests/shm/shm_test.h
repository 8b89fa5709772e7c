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

static inline uint8_t shm_test_byte(uint64_t seq, uint32_t i)
{
	return (uint8_t)((seq * 131u) ^ (i * 7u) ^ (i >> 8));
}

static inline void shm_test_fill(uint8_t *p, uint32_t len, uint64_t seq)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = shm_test_byte(seq, i);
}

/* 1 if p holds the pattern of seq. */
static inline int shm_test_check(const uint8_t *p, uint32_t len, uint64_t seq)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != shm_test_byte(seq, i))
			return 0;
	return 1;
}

/* Order-sensitive checksum of a record's identity and bytes (FNV-1a). */
static inline uint64_t shm_test_sum(uint64_t h, const struct record *r)
{
	const uint8_t *p = record_cpayload(r);

	h = (h ^ r->seq) * 0x100000001b3ull;
	h = (h ^ r->len) * 0x100000001b3ull;
	for (uint32_t i = 0; i < r->len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

#endif
