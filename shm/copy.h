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
 */
#ifndef SLUICE_SHM_COPY_H
#define SLUICE_SHM_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

#endif
