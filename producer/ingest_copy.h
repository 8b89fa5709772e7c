/* producer/ingest_copy.h: memcpy for the large copies of request bodies
 * (receive buffer -> connection buffer -> ring).
 *
 * Why not plain memcpy: glibc picks `rep movsb` for large copies, and on the
 * AMD EPYC machines sluice runs on that instruction runs ~13x slower (about
 * 3 GB/s instead of 40) when the destination is 1..31 bytes past the source
 * modulo 4 KiB. That is exactly the usual case here: the loop's receive
 * buffers are page aligned and a malloc'd connection buffer starts 16 bytes
 * into its page. Measured: the receive-buffer copy was 37 % of ingest's CPU
 * (docs/bench/ingest.md). Such copies go through 16-byte vector moves
 * instead, which run at full speed for any alignment; the rest stays memcpy.
 */
#ifndef SLUICE_PRODUCER_INGEST_COPY_H
#define SLUICE_PRODUCER_INGEST_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Copy n bytes; dst and src must not overlap. */
static inline void ingest_copy(void *dst, const void *src, size_t n)
{
#ifdef __SSE2__
	uintptr_t dist = ((uintptr_t)dst - (uintptr_t)src) & 4095;
	if (n >= 1024 && dist != 0 && dist < 64) {
		uint8_t *d = dst;
		const uint8_t *s = src;
		for (; n >= 64; n -= 64, d += 64, s += 64) {
			__m128i a = _mm_loadu_si128((const __m128i *)s);
			__m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
			__m128i c = _mm_loadu_si128((const __m128i *)(s + 32));
			__m128i e = _mm_loadu_si128((const __m128i *)(s + 48));
			_mm_storeu_si128((__m128i *)d, a);
			_mm_storeu_si128((__m128i *)(d + 16), b);
			_mm_storeu_si128((__m128i *)(d + 32), c);
			_mm_storeu_si128((__m128i *)(d + 48), e);
		}
		memcpy(d, s, n);
		return;
	}
#endif
	memcpy(dst, src, n);
}

#endif
