/* shm/copy.h: large copies on the data path (ingest: receive buffer ->
 * connection buffer -> ring; process and batch: record -> next ring).
 *
 *   copy_bytes()        memcpy, except where glibc's choice is slow: large
 *                       copies use `rep movsb`, which on the AMD EPYC hosts
 *                       sluice runs on is ~13x slower (about 3 GB/s instead
 *                       of 40) when the destination is 1..31 bytes past the
 *                       source modulo 4 KiB. That is the usual case here:
 *                       the loop's receive buffers are page aligned and a
 *                       malloc'd connection buffer starts 16 bytes into its
 *                       page (the receive-buffer copy was 37 % of ingest's
 *                       CPU). Such copies use 16-byte vector moves instead.
 *   copy_to_ring()      into ring space, with non-temporal stores and an
 *                       sfence: the ring is far larger than the caches and
 *                       the bytes are read by another process on another
 *                       core, so filling ingest's cache with them only costs
 *                       (read-for-ownership of every line, then the reader
 *                       fetching modified lines from our cache). Measured in
 *                       the whole pipeline: ingest and process both cheaper
 *                       (docs/bench/ingest.md); the batch stage's copies
 *                       into ring 2 likewise (docs/bench/stages.md). The
 *                       sfence orders the payload before ring_publish's
 *                       release store.
 *   copy_to_ring_crc()  the same, also returning the CRC-32C of the bytes
 *                       (for record_seal_payload), taken from the SOURCE as
 *                       it is copied (crc32c_copy_nt: one pass with
 *                       AVX-512). Checksumming the ring copy afterwards
 *                       would fetch it back from memory, since
 *                       non-temporal stores bypass the caches
 *                       (docs/bench/shm.md has both).
 *   copy_short()        small copies (attribute keys and values, runs of a
 *                       span between edited fields) without a call: below
 *                       33 bytes, two overlapping loads of the widest size
 *                       that fits. The rewriter's KeyValue writer went from
 *                       ~125 to 61 instructions (docs/bench/otlp.md).
 */
#ifndef SLUICE_SHM_COPY_H
#define SLUICE_SHM_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shm/crc32c.h"

#ifdef __SSE2__
#include <emmintrin.h>

/* 64 bytes at a time; stream: non-temporal stores (d 16-byte aligned). */
static inline void copy_vec(uint8_t *d, const uint8_t *s, size_t n, int stream)
{
	for (; n >= 64; n -= 64, d += 64, s += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)s);
		__m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(s + 32));
		__m128i e = _mm_loadu_si128((const __m128i *)(s + 48));
		if (stream) {
			_mm_stream_si128((__m128i *)d, a);
			_mm_stream_si128((__m128i *)(d + 16), b);
			_mm_stream_si128((__m128i *)(d + 32), c);
			_mm_stream_si128((__m128i *)(d + 48), e);
		} else {
			_mm_storeu_si128((__m128i *)d, a);
			_mm_storeu_si128((__m128i *)(d + 16), b);
			_mm_storeu_si128((__m128i *)(d + 32), c);
			_mm_storeu_si128((__m128i *)(d + 48), e);
		}
	}
	memcpy(d, s, n);
}
#endif

/* Copy n bytes; dst and src must not overlap. */
static inline void copy_bytes(void *dst, const void *src, size_t n)
{
#ifdef __SSE2__
	uintptr_t dist = ((uintptr_t)dst - (uintptr_t)src) & 4095;
	if (n >= 1024 && dist != 0 && dist < 64) {
		copy_vec(dst, src, n, 0);
		return;
	}
#endif
	memcpy(dst, src, n);
}

/* Copy n bytes into ring space that the caller publishes afterwards. */
static inline void copy_to_ring(void *dst, const void *src, size_t n)
{
#ifdef __SSE2__
	if (n >= 4096) {
		size_t head = (16 - ((uintptr_t)dst & 15)) & 15;
		memcpy(dst, src, head);
		copy_vec((uint8_t *)dst + head, (const uint8_t *)src + head, n - head, 1);
		_mm_sfence();
		return;
	}
#endif
	copy_bytes(dst, src, n);
}

/* copy_to_ring(dst, src, n), returning crc32c(crc, src, n). */
static inline uint32_t copy_to_ring_crc(void *dst, const void *src, size_t n, uint32_t crc)
{
#ifdef __SSE2__
	if (n >= 4096)
		return crc32c_copy_nt(dst, src, n, crc);
#endif
	copy_bytes(dst, src, n);
	return crc32c(crc, src, n);
}

/* Copies n bytes from s to d; short runs (keys, most values) without a
 * call: two overlapping loads of the widest size that fits, each within
 * [s, s+n) (s may end where a mapping ends) and stored within [d, d+n). */
static inline __attribute__((always_inline)) uint8_t *copy_short(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n > 32) {
		memcpy(d, s, n);
	} else if (n >= 8) {
		uint64_t a, b, c, x;
		__builtin_memcpy(&a, s, 8);
		__builtin_memcpy(&x, s + n - 8, 8);
		if (n > 16) {
			__builtin_memcpy(&b, s + 8, 8);
			__builtin_memcpy(&c, s + n - 16, 8);
			__builtin_memcpy(d + 8, &b, 8);
			__builtin_memcpy(d + n - 16, &c, 8);
		}
		__builtin_memcpy(d, &a, 8);
		__builtin_memcpy(d + n - 8, &x, 8);
	} else if (n >= 4) {
		uint32_t a, x;
		__builtin_memcpy(&a, s, 4);
		__builtin_memcpy(&x, s + n - 4, 4);
		__builtin_memcpy(d, &a, 4);
		__builtin_memcpy(d + n - 4, &x, 4);
	} else if (n) {
		uint8_t a = s[0], b = s[n / 2], c = s[n - 1]; /* 1 to 3 bytes */
		d[0] = a, d[n / 2] = b, d[n - 1] = c;
	}
	return d + n;
}

#endif
